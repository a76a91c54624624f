/*
 * ps_rpc.c
 *	  JSON-RPC request text and response splitting, the retry schedule,
 *	  Retry-After, the token bucket and the LRU response cache.
 *
 * All JSON is read through ps_json: its span scanner finds the members
 * of a response, and the small error object is loaded with exact
 * numbers.
 */
#include "ps_rpc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ps_error.h"
#include "ps_json.h"

/* ---------------------------------------------------------------- */
/* requests and responses                                            */

bool
ps_rpc_method_valid(const char *method)
{
	size_t		n = 0;

	for (; method[n] != '\0'; n++)
	{
		unsigned char c = (unsigned char) method[n];

		if (n >= PS_RPC_METHOD_MAX || !(isalnum(c) || c == '_'))
			return false;
	}
	return n > 0;
}

int
ps_rpc_request(ps_buf_t *b, uint64_t id, const char *method,
			   const char *params, size_t params_len)
{
	size_t		pos = 0;
	int			rc;

	if (!ps_rpc_method_valid(method))
		return PS_ERR_ARG;
	rc = ps_json_skip(params, params_len, &pos);
	if (rc == PS_ERR_LIMIT)
		return rc;
	if (rc != PS_OK || pos != params_len)
		return PS_ERR_JSON;
	/* one value, valid: its first non-blank byte says what it is */
	for (pos = 0; strchr(" \t\r\n", params[pos]) != NULL; pos++)
		;
	if (params[pos] != '[' && params[pos] != '{')
		return PS_ERR_JSON;
	ps_buf_puts(b, "{\"jsonrpc\":\"2.0\",\"id\":");
	ps_buf_put_u64(b, id);
	ps_buf_puts(b, ",\"method\":\"");
	ps_buf_puts(b, method);
	ps_buf_puts(b, "\",\"params\":");
	ps_buf_append(b, params, params_len);
	ps_buf_putc(b, '}');
	return b->err;
}

/* copy `src` into dst (cap bytes with nul), cut on a UTF-8 boundary */
static void
copy_message(char *dst, size_t cap, const char *src)
{
	size_t		n = strlen(src);

	if (n >= cap)
	{
		n = cap - 1;
		/* back off continuation bytes so no character is split */
		while (n > 0 && ((unsigned char) src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
}

/* error.code as int64 when it is an integer token that fits, else 0 */
static int64_t
error_code(const json_t *code)
{
	const char *t = ps_json_number_text(code);
	char	   *end;
	long long	v;

	if (t == NULL || strpbrk(t, ".eE") != NULL)
		return 0;
	errno = 0;
	v = strtoll(t, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return (int64_t) v;
}

int
ps_rpc_parse_response(const char *body, size_t len, ps_rpc_response_t *out)
{
	static const char *const keys[] = {"result", "error"};
	ps_json_span_t sp[2];
	json_t	   *e;
	int			rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ps_json_object_spans(body, len, keys, 2, sp)) != PS_OK)
		return rc;
	if (sp[1].found && body[sp[1].off] == '{')
	{
		out->kind = PS_RPC_ERROR;
		out->err_off = sp[1].off;
		out->err_sz = sp[1].sz;
		strcpy(out->err_msg, "(no message)");
		/* valid JSON already: only memory can fail here */
		if (ps_json_load_exact(body + sp[1].off, sp[1].sz, &e, NULL, 0) == PS_OK)
		{
			json_t	   *msg = json_object_get(e, "message");

			out->err_code = error_code(json_object_get(e, "code"));
			if (json_is_string(msg) && ps_json_number_text(msg) == NULL)
				copy_message(out->err_msg, sizeof(out->err_msg),
							 json_string_value(msg));
			json_decref(e);
		}
		return PS_OK;
	}
	if (sp[0].found)
	{
		out->kind = PS_RPC_RESULT;
		out->result_off = sp[0].off;
		out->result_sz = sp[0].sz;
		return PS_OK;
	}
	return PS_ERR_JSON;
}

/* ---------------------------------------------------------------- */
/* retry schedule                                                    */

int64_t
ps_backoff_ms(uint32_t attempt, int64_t base_ms, int64_t cap_ms,
			  double jitter, uint32_t rnd)
{
	int64_t		d;

	if (base_ms < 0)
		base_ms = 0;
	if (cap_ms < 0)
		cap_ms = 0;
	if (attempt == 0)
		attempt = 1;
	d = base_ms;
	for (uint32_t i = 1; i < attempt && d < cap_ms; i++)
		d = d > INT64_MAX / 2 ? INT64_MAX : d * 2;
	if (d > cap_ms)
		d = cap_ms;
	if (jitter > 0)
	{
		if (jitter > 1)
			jitter = 1;
		d -= (int64_t) ((double) d * jitter * ((double) rnd / 4294967296.0));
	}
	return d < 0 ? 0 : d;
}

int
ps_retry_after_ms(const char *v, size_t len, int64_t now_unix, int64_t *ms)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	const int64_t day_ms = 86400000;
	char		text[64];
	size_t		a = 0;
	size_t		b = len;
	struct tm	tm;
	char		wday[4],
				mon[4],
				zone[4];
	int			consumed = 0;
	int64_t		when;

	while (a < b && isspace((unsigned char) v[a]))
		a++;
	while (b > a && isspace((unsigned char) v[b - 1]))
		b--;
	if (a == b || b - a >= sizeof(text))
		return PS_ERR_SYNTAX;
	memcpy(text, v + a, b - a);
	text[b - a] = '\0';
	if (memchr(text, '\0', b - a) != NULL)
		return PS_ERR_SYNTAX;

	if (isdigit((unsigned char) text[0]))
	{
		int64_t		secs = 0;

		for (const char *p = text; *p; p++)
		{
			if (!isdigit((unsigned char) *p))
				return PS_ERR_SYNTAX;
			if (secs < day_ms)
				secs = secs * 10 + (*p - '0');
		}
		*ms = secs >= day_ms / 1000 ? day_ms : secs * 1000;
		return PS_OK;
	}

	memset(&tm, 0, sizeof(tm));
	if (sscanf(text, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", wday, &tm.tm_mday,
			   mon, &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone,
			   &consumed) != 8 || (size_t) consumed != strlen(text) ||
		strcmp(zone, "GMT") != 0)
		return PS_ERR_SYNTAX;
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(mon, months[i]) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
		tm.tm_year < 1970 || tm.tm_hour > 23 || tm.tm_min > 59 ||
		tm.tm_sec > 60)
		return PS_ERR_SYNTAX;
	tm.tm_year -= 1900;
	when = (int64_t) timegm(&tm);
	if (when <= now_unix)
		*ms = 0;
	else
		*ms = (when - now_unix) >= day_ms / 1000 ? day_ms : (when - now_unix) * 1000;
	return PS_OK;
}

int
ps_rpc_ttl_lookup(const char *spec, const char *method_opt, bool *found,
				  int64_t *ttl_ms)
{
	const char *p = spec;

	*found = false;
	while (*p)
	{
		const char *name;
		size_t		name_sz;
		int64_t		num = 0;
		int64_t		mult = 1;
		int			digits = 0;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		name = p;
		while (isalnum((unsigned char) *p) || *p == '_')
			p++;
		name_sz = p - name;
		if (name_sz == 0 || name_sz > PS_RPC_METHOD_MAX)
			return PS_ERR_SYNTAX;
		while (*p == ' ')
			p++;
		if (*p != '=')
			return PS_ERR_SYNTAX;
		p++;
		while (*p == ' ')
			p++;
		for (; isdigit((unsigned char) *p); p++, digits++)
		{
			if (num > INT64_MAX / 100)
				return PS_ERR_SYNTAX;
			num = num * 10 + (*p - '0');
		}
		if (digits == 0)
			return PS_ERR_SYNTAX;
		if (strncmp(p, "ms", 2) == 0)
			p += 2;
		else if (strncmp(p, "min", 3) == 0)
			mult = 60000, p += 3;
		else if (*p == 's')
			mult = 1000, p++;
		else if (*p == 'h')
			mult = 3600000, p++;
		if (num > INT64_MAX / 3600000)
			return PS_ERR_SYNTAX;
		while (*p == ' ')
			p++;
		if (*p != ',' && *p != '\0')
			return PS_ERR_SYNTAX;
		if (method_opt != NULL && strlen(method_opt) == name_sz &&
			memcmp(method_opt, name, name_sz) == 0)
		{
			*found = true;
			*ttl_ms = num * mult;
		}
	}
	return PS_OK;
}

/* ---------------------------------------------------------------- */
/* token bucket                                                      */

int
ps_bucket_reserve(ps_bucket_t *b, int64_t now_us, double rate, double burst,
				  int64_t max_wait_us, int64_t *wait_us)
{
	double		tokens;

	*wait_us = 0;
	if (rate <= 0)
		return PS_OK;
	if (burst < 1)
		burst = 1;
	tokens = b->tokens;
	if (b->last_us == 0)
		tokens = burst;			/* a fresh bucket starts full */
	else if (now_us > b->last_us)
		tokens += (double) (now_us - b->last_us) * rate / 1e6;
	if (tokens > burst)
		tokens = burst;
	if (tokens < 1)
	{
		double		w = (1 - tokens) * 1e6 / rate;

		*wait_us = w > (double) INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t) (w + 0.999);
		if (*wait_us > max_wait_us)
			return PS_ERR_LIMIT;
	}
	b->tokens = tokens - 1;
	if (now_us > b->last_us)
		b->last_us = now_us;
	return PS_OK;
}

/* ---------------------------------------------------------------- */
/* LRU cache                                                         */

#define NIL (-1)

typedef struct lru_entry_t
{
	uint64_t	hash;
	int64_t		expires_ms;
	uint32_t	key_sz;
	uint32_t	val_sz;
	int32_t		prev;			/* towards most recently used */
	int32_t		next;			/* towards least recently used */
	int32_t		chain;			/* next entry in the hash bucket; free list */
	int32_t		first_block;
	int32_t		bucket;			/* NIL when free */
} lru_entry_t;

struct ps_lru_t
{
	uint32_t	n_entries;
	uint32_t	n_blocks;
	uint32_t	n_buckets;
	uint32_t	block_sz;
	int32_t		head;			/* most recently used */
	int32_t		tail;
	int32_t		free_entry;
	int32_t		free_block;
	size_t		off_buckets;
	size_t		off_entries;
	size_t		off_links;
	size_t		off_data;
	ps_lru_stats_t st;
};

#define ALIGN8(x) (((x) + 7) & ~(size_t) 7)

static size_t
layout(uint32_t n_entries, uint32_t n_blocks, uint32_t block_sz,
	   size_t *ob, size_t *oe, size_t *ol, size_t *od)
{
	uint64_t	n_buckets = (uint64_t) n_entries * 2;
	uint64_t	sz = ALIGN8(sizeof(ps_lru_t));

	if (n_entries == 0 || n_blocks == 0 || block_sz < 16 ||
		n_entries > INT32_MAX / 4 || n_blocks > INT32_MAX / 2)
		return 0;
	*ob = sz;
	sz += ALIGN8(n_buckets * sizeof(int32_t));
	*oe = sz;
	sz += ALIGN8((uint64_t) n_entries * sizeof(lru_entry_t));
	*ol = sz;
	sz += ALIGN8((uint64_t) n_blocks * sizeof(int32_t));
	*od = sz;
	if ((uint64_t) n_blocks * block_sz > SIZE_MAX / 2)
		return 0;
	sz += (uint64_t) n_blocks * block_sz;
	return sz > SIZE_MAX / 2 ? 0 : (size_t) sz;
}

size_t
ps_lru_size(uint32_t n_entries, uint32_t n_blocks, uint32_t block_sz)
{
	size_t		a,
				b,
				c,
				d;

	return layout(n_entries, n_blocks, block_sz, &a, &b, &c, &d);
}

#define BUCKETS(l) ((int32_t *) ((char *) (l) + (l)->off_buckets))
#define ENTRIES(l) ((lru_entry_t *) ((char *) (l) + (l)->off_entries))
#define LINKS(l)   ((int32_t *) ((char *) (l) + (l)->off_links))
#define BLOCK(l, i) ((char *) (l) + (l)->off_data + (size_t) (i) * (l)->block_sz)

void
ps_lru_clear(ps_lru_t *l)
{
	int32_t    *buckets = BUCKETS(l);
	lru_entry_t *e = ENTRIES(l);
	int32_t    *links = LINKS(l);

	for (uint32_t i = 0; i < l->n_buckets; i++)
		buckets[i] = NIL;
	for (uint32_t i = 0; i < l->n_entries; i++)
	{
		e[i].bucket = NIL;
		e[i].chain = i + 1 < l->n_entries ? (int32_t) i + 1 : NIL;
	}
	for (uint32_t i = 0; i < l->n_blocks; i++)
		links[i] = i + 1 < l->n_blocks ? (int32_t) i + 1 : NIL;
	l->head = l->tail = NIL;
	l->free_entry = 0;
	l->free_block = 0;
	l->st.entries = 0;
	l->st.blocks_used = 0;
}

ps_lru_t *
ps_lru_init(void *arena, uint32_t n_entries, uint32_t n_blocks,
			uint32_t block_sz)
{
	ps_lru_t   *l = arena;
	size_t		ob,
				oe,
				ol,
				od;

	if (layout(n_entries, n_blocks, block_sz, &ob, &oe, &ol, &od) == 0)
		return NULL;
	memset(l, 0, sizeof(*l));
	l->n_entries = n_entries;
	l->n_blocks = n_blocks;
	l->n_buckets = n_entries * 2;
	l->block_sz = block_sz;
	l->off_buckets = ob;
	l->off_entries = oe;
	l->off_links = ol;
	l->off_data = od;
	l->st.blocks_total = n_blocks;
	l->st.block_sz = block_sz;
	ps_lru_clear(l);
	return l;
}

static void
lru_unlink(ps_lru_t *l, int32_t i)
{
	lru_entry_t *e = ENTRIES(l);

	if (e[i].prev != NIL)
		e[e[i].prev].next = e[i].next;
	else
		l->head = e[i].next;
	if (e[i].next != NIL)
		e[e[i].next].prev = e[i].prev;
	else
		l->tail = e[i].prev;
	e[i].prev = e[i].next = NIL;
}

static void
lru_push_front(ps_lru_t *l, int32_t i)
{
	lru_entry_t *e = ENTRIES(l);

	e[i].prev = NIL;
	e[i].next = l->head;
	if (l->head != NIL)
		e[l->head].prev = i;
	l->head = i;
	if (l->tail == NIL)
		l->tail = i;
}

/* remove entry i everywhere and free its blocks */
static void
lru_remove(ps_lru_t *l, int32_t i)
{
	lru_entry_t *e = ENTRIES(l);
	int32_t    *buckets = BUCKETS(l);
	int32_t    *links = LINKS(l);
	int32_t    *pp = &buckets[e[i].bucket];
	int32_t		blk;

	while (*pp != i)
		pp = &e[*pp].chain;
	*pp = e[i].chain;
	lru_unlink(l, i);
	blk = e[i].first_block;
	while (blk != NIL)
	{
		int32_t		next = links[blk];

		links[blk] = l->free_block;
		l->free_block = blk;
		l->st.blocks_used--;
		blk = next;
	}
	e[i].bucket = NIL;
	e[i].chain = l->free_entry;
	l->free_entry = i;
	l->st.entries--;
}

/* byte-wise visit of an entry's stored bytes [off, off + n) */
static bool
lru_equal_key(ps_lru_t *l, int32_t i, const char *key, size_t key_sz)
{
	lru_entry_t *e = ENTRIES(l);
	int32_t    *links = LINKS(l);
	int32_t		blk = e[i].first_block;
	size_t		done = 0;

	if (e[i].key_sz != key_sz)
		return false;
	while (done < key_sz && blk != NIL)
	{
		size_t		n = key_sz - done < l->block_sz ? key_sz - done : l->block_sz;

		if (memcmp(BLOCK(l, blk), key + done, n) != 0)
			return false;
		done += n;
		blk = links[blk];
	}
	return done == key_sz;
}

static int32_t
lru_find(ps_lru_t *l, uint64_t h, const char *key, size_t key_sz)
{
	lru_entry_t *e = ENTRIES(l);
	int32_t		i = BUCKETS(l)[h % l->n_buckets];

	for (; i != NIL; i = e[i].chain)
		if (e[i].hash == h && lru_equal_key(l, i, key, key_sz))
			return i;
	return NIL;
}

bool
ps_lru_get(ps_lru_t *l, const void *key, size_t key_sz, int64_t now_ms,
		   ps_buf_t *out)
{
	lru_entry_t *e = ENTRIES(l);
	int32_t    *links = LINKS(l);
	uint64_t	h = ps_hash64(key, key_sz);
	int32_t		i = lru_find(l, h, key, key_sz);
	size_t		skip,
				left;
	int32_t		blk;

	if (i == NIL)
	{
		l->st.misses++;
		return false;
	}
	if (e[i].expires_ms <= now_ms)
	{
		lru_remove(l, i);
		l->st.expired++;
		l->st.misses++;
		return false;
	}
	lru_unlink(l, i);
	lru_push_front(l, i);
	l->st.hits++;

	skip = e[i].key_sz;
	left = e[i].val_sz;
	blk = e[i].first_block;
	while (blk != NIL && skip >= l->block_sz)
	{
		skip -= l->block_sz;
		blk = links[blk];
	}
	while (left > 0 && blk != NIL)
	{
		size_t		n = l->block_sz - skip;

		if (n > left)
			n = left;
		ps_buf_append(out, BLOCK(l, blk) + skip, n);
		left -= n;
		skip = 0;
		blk = links[blk];
	}
	if (left == 0 && e[i].val_sz == 0)
		ps_buf_puts(out, "");
	return true;
}

int
ps_lru_put(ps_lru_t *l, const void *key, size_t key_sz, const void *val,
		   size_t val_sz, int64_t expires_ms)
{
	lru_entry_t *e = ENTRIES(l);
	int32_t    *links = LINKS(l);
	int32_t    *buckets = BUCKETS(l);
	uint64_t	h = ps_hash64(key, key_sz);
	size_t		total = key_sz + val_sz;
	size_t		need;
	int32_t		i;
	int32_t		prev_blk = NIL;
	size_t		done = 0;

	if (key_sz > UINT32_MAX || val_sz > UINT32_MAX || total < key_sz)
		return PS_ERR_LIMIT;
	need = total / l->block_sz + (total % l->block_sz != 0) + (total == 0);
	if (need > l->n_blocks / 4 + (l->n_blocks < 4))
		return PS_ERR_LIMIT;

	i = lru_find(l, h, key, key_sz);
	if (i != NIL)
		lru_remove(l, i);
	while (l->free_entry == NIL || l->n_blocks - l->st.blocks_used < need)
	{
		lru_remove(l, l->tail);
		l->st.evictions++;
	}

	i = l->free_entry;
	l->free_entry = e[i].chain;
	e[i].hash = h;
	e[i].expires_ms = expires_ms;
	e[i].key_sz = (uint32_t) key_sz;
	e[i].val_sz = (uint32_t) val_sz;
	e[i].first_block = NIL;
	e[i].bucket = (int32_t) (h % l->n_buckets);
	e[i].chain = buckets[e[i].bucket];
	buckets[e[i].bucket] = i;
	for (size_t k = 0; k < need; k++)
	{
		int32_t		blk = l->free_block;
		char	   *dst;
		size_t		room = l->block_sz;

		l->free_block = links[blk];
		links[blk] = NIL;
		l->st.blocks_used++;
		if (prev_blk == NIL)
			e[i].first_block = blk;
		else
			links[prev_blk] = blk;
		prev_blk = blk;
		dst = BLOCK(l, blk);
		/* key bytes, then value bytes, back to back */
		while (room > 0 && done < total)
		{
			size_t		n;

			if (done < key_sz)
			{
				n = key_sz - done < room ? key_sz - done : room;
				memcpy(dst, (const char *) key + done, n);
			}
			else
			{
				n = total - done < room ? total - done : room;
				memcpy(dst, (const char *) val + (done - key_sz), n);
			}
			dst += n;
			room -= n;
			done += n;
		}
	}
	lru_push_front(l, i);
	l->st.entries++;
	l->st.inserts++;
	return PS_OK;
}

void
ps_lru_get_stats(const ps_lru_t *l, ps_lru_stats_t *out)
{
	*out = l->st;
}

uint64_t
ps_hash64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t	h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
	{
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}
