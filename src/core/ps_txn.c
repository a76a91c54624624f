/*
 * ps_txn.c
 *	  Message compilation, signing and decoding of Solana transactions.
 *
 * An *entry* is one distinct account key while a message is being
 * compiled, with the flags merged from every place it appears
 * (signer, writable, invoked as a program).  Entries live in a fixed
 * array sized to the call, on the stack up to STACK_ENTRIES of them;
 * PS_TXN_MAX_ENTRIES bounds the distinct keys of one call (the message
 * itself can address at most 256).
 */
#include "ps_txn.h"

#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "ps_base58.h"
#include "ps_error.h"

#define PS_TXN_MAX_ENTRIES	512
/* calls with at most this many entries or tables allocate nothing */
#define STACK_ENTRIES		64
#define STACK_LOOKUPS		4

typedef struct entry_t
{
	const uint8_t *key;
	bool		signer;
	bool		writable;
	bool		invoked;
	bool		drained;		/* v0: moved to a lookup table */
	char		b58[PS_BASE58_PUBKEY_MAX_LEN + 1];
} entry_t;

typedef struct keyset_t
{
	entry_t    *e;
	int			cnt;
	int			cap;
} keyset_t;

int
ps_txn_shortvec_put(ps_buf_t *out, unsigned v)
{
	uint8_t		b[3];
	int			n = 0;

	do
	{
		b[n] = v & 0x7f;
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v && n < 3);
	ps_buf_append(out, b, n);
	return n;
}

static int
shortvec_len(unsigned v)
{
	return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
}

int
ps_txn_shortvec_get(const uint8_t *p, size_t len, unsigned *v)
{
	unsigned	val = 0;
	int			i;

	for (i = 0; i < 3; i++)
	{
		uint8_t		b;

		if ((size_t) i >= len)
			return PS_ERR_TRUNCATED;
		b = p[i];
		if (i > 0 && b == 0)
			return PS_ERR_BAD_DATA; /* alias: a longer form of a value */
		if (i == 2 && b > 0x03)
			return PS_ERR_BAD_DATA; /* past 0xffff */
		val |= (unsigned) (b & 0x7f) << (7 * i);
		if (!(b & 0x80))
		{
			*v = val;
			return i + 1;
		}
	}
	return PS_ERR_BAD_DATA;
}

size_t
ps_txn_wire_size(size_t msg_sz, int sig_cnt)
{
	return shortvec_len((unsigned) sig_cnt) + (size_t) sig_cnt * PS_TXN_SIG_SZ + msg_sz;
}

int
ps_txn_key_cmp(const char *a, const char *b)
{
	size_t		i;

	for (i = 0; a[i] && b[i]; i++)
	{
		int			ca = tolower((unsigned char) a[i]);
		int			cb = tolower((unsigned char) b[i]);

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	if (a[i] || b[i])
		return a[i] ? 1 : -1;
	for (i = 0; a[i]; i++)
	{
		if (a[i] != b[i])
			return islower((unsigned char) a[i]) ? -1 : 1;
	}
	return 0;
}

/* the entry of `key`, added with no flags when new; NULL when full */
static entry_t *
keyset_get(keyset_t *ks, const uint8_t *key)
{
	int			i;

	for (i = 0; i < ks->cnt; i++)
		if (memcmp(ks->e[i].key, key, PS_TXN_KEY_SZ) == 0)
			return &ks->e[i];
	if (ks->cnt == ks->cap)
		return NULL;
	memset(&ks->e[ks->cnt], 0, sizeof(entry_t));
	ks->e[ks->cnt].key = key;
	return &ks->e[ks->cnt++];
}

/* web3.js's legacy comparator: signers, writable, then base58 text */
static int
legacy_cmp(const entry_t *x, const entry_t *y)
{
	if (x->signer != y->signer)
		return x->signer ? -1 : 1;
	if (x->writable != y->writable)
		return x->writable ? -1 : 1;
	/* base58 text only for keys that tie on the flags */
	if (x->b58[0] == '\0')
		ps_base58_encode_32(x->key, ((entry_t *) x)->b58);
	if (y->b58[0] == '\0')
		ps_base58_encode_32(y->key, ((entry_t *) y)->b58);
	return ps_txn_key_cmp(x->b58, y->b58);
}

/* stable insertion sort; keys are distinct, so stability is moot */
static void
legacy_sort(entry_t *e, int n)
{
	int			i;

	for (i = 1; i < n; i++)
	{
		entry_t		t = e[i];
		int			j = i - 1;

		while (j >= 0 && legacy_cmp(&e[j], &t) > 0)
		{
			e[j + 1] = e[j];
			j--;
		}
		e[j + 1] = t;
	}
}

/* index of `key` among the message's addressable keys, or -1 */
static int
key_index(const uint8_t *const *keys, int cnt, const uint8_t *key)
{
	int			i;

	for (i = 0; i < cnt; i++)
		if (memcmp(keys[i], key, PS_TXN_KEY_SZ) == 0)
			return i;
	return -1;
}

typedef struct lookup_t
{
	const ps_txn_alt_t *alt;
	uint8_t		w[PS_TXN_MAX_KEYS];
	int			w_cnt;
	uint8_t		r[PS_TXN_MAX_KEYS];
	int			r_cnt;
} lookup_t;

/* v0: move the entries that pass the filter and are in `alt` to it */
static int
drain(keyset_t *ks, const ps_txn_alt_t *alt, bool writable,
	  uint8_t *idx, int *idx_cnt, const uint8_t **drained, int *drained_cnt)
{
	int			i;

	for (i = 0; i < ks->cnt; i++)
	{
		entry_t    *e = &ks->e[i];
		size_t		j;

		if (e->drained || e->signer || e->invoked || e->writable != writable)
			continue;
		for (j = 0; j < alt->addresses_cnt; j++)
			if (memcmp(alt->addresses[j], e->key, PS_TXN_KEY_SZ) == 0)
				break;
		if (j == alt->addresses_cnt)
			continue;
		if (j > 255)
			return PS_ERR_ARG;
		if (*idx_cnt == PS_TXN_MAX_KEYS || *drained_cnt == PS_TXN_MAX_KEYS)
			return PS_ERR_TOO_LARGE;
		idx[(*idx_cnt)++] = (uint8_t) j;
		drained[(*drained_cnt)++] = e->key;
		e->drained = true;
	}
	return PS_OK;
}

int
ps_txn_compile(int version, const uint8_t payer[PS_TXN_KEY_SZ],
			   const uint8_t blockhash[PS_TXN_KEY_SZ],
			   const ps_txn_ix_t *ixs, size_t ixs_cnt,
			   const ps_txn_alt_t *alts, size_t alts_cnt,
			   ps_buf_t *out, size_t *wire_sz_opt)
{
	entry_t		stack_e[STACK_ENTRIES];
	lookup_t	stack_lk[STACK_LOOKUPS];
	keyset_t	ks_store;
	keyset_t   *ks = &ks_store;
	lookup_t   *lk = NULL;
	const uint8_t *keys[PS_TXN_MAX_KEYS];
	const uint8_t *lw[PS_TXN_MAX_KEYS];
	const uint8_t *lr[PS_TXN_MAX_KEYS];
	int			lw_cnt = 0;
	int			lr_cnt = 0;
	int			lk_cnt = 0;
	int			static_cnt = 0;
	int			nsig = 0;
	int			ro_signed = 0;
	int			ro_unsigned = 0;
	size_t		start = out->len;
	size_t		i;
	int			k;
	int			rc = PS_OK;

	if (version != PS_TXN_LEGACY && version != PS_TXN_V0)
		return PS_ERR_UNSUPPORTED;
	if (version == PS_TXN_LEGACY && alts_cnt > 0)
		return PS_ERR_ARG;
	if (ixs_cnt > 0xffff || alts_cnt > 0xffff)
		return PS_ERR_TOO_LARGE;
	{
		size_t		bound = 1 + ixs_cnt;
		size_t		msg_bound = 1 + 3 + 3 + PS_TXN_KEY_SZ + 3;

		for (i = 0; i < ixs_cnt; i++)
		{
			bound += ixs[i].accounts_cnt;
			msg_bound += 1 + 3 + ixs[i].accounts_cnt + 3 + ixs[i].data_sz;
		}
		if (bound > PS_TXN_MAX_ENTRIES)
			bound = PS_TXN_MAX_ENTRIES;
		msg_bound += bound * PS_TXN_KEY_SZ + 3 + alts_cnt * (PS_TXN_KEY_SZ + 6);
		/* one growth of `out` for any message that can be sent */
		if (ps_buf_reserve(out, msg_bound < PS_TXN_PACKET_SZ ? msg_bound : PS_TXN_PACKET_SZ) != PS_OK)
			return PS_ERR_NOMEM;
		ks->e = stack_e;
		if (bound > STACK_ENTRIES)
		{
			ks->e = malloc(sizeof(entry_t) * bound);
			if (ks->e == NULL)
				return PS_ERR_NOMEM;
		}
		ks->cnt = 0;
		ks->cap = (int) bound;
	}

	if (version == PS_TXN_LEGACY)
	{
		entry_t    *e;
		int			payer_at = -1;

		for (i = 0; i < ixs_cnt; i++)
		{
			size_t		a;

			for (a = 0; a < ixs[i].accounts_cnt; a++)
			{
				const ps_txn_meta_t *m = &ixs[i].accounts[a];

				if ((e = keyset_get(ks, m->pubkey)) == NULL)
					goto too_large;
				e->signer |= m->is_signer;
				e->writable |= m->is_writable;
			}
		}
		for (i = 0; i < ixs_cnt; i++)
			if (keyset_get(ks, ixs[i].program_id) == NULL)
				goto too_large;
		legacy_sort(ks->e, ks->cnt);
		for (k = 0; k < ks->cnt; k++)
			if (memcmp(ks->e[k].key, payer, PS_TXN_KEY_SZ) == 0)
				payer_at = k;
		if (payer_at < 0)
		{
			if (ks->cnt == ks->cap)
				goto too_large;
			payer_at = ks->cnt++;
			memset(&ks->e[payer_at], 0, sizeof(entry_t));
			ks->e[payer_at].key = payer;
		}
		{
			entry_t		p = ks->e[payer_at];

			memmove(&ks->e[1], &ks->e[0], sizeof(entry_t) * payer_at);
			p.signer = p.writable = true;
			ks->e[0] = p;
		}
	}
	else
	{
		entry_t    *e = keyset_get(ks, payer);

		e->signer = e->writable = true;
		for (i = 0; i < ixs_cnt; i++)
		{
			size_t		a;

			if ((e = keyset_get(ks, ixs[i].program_id)) == NULL)
				goto too_large;
			e->invoked = true;
			for (a = 0; a < ixs[i].accounts_cnt; a++)
			{
				const ps_txn_meta_t *m = &ixs[i].accounts[a];

				if ((e = keyset_get(ks, m->pubkey)) == NULL)
					goto too_large;
				e->signer |= m->is_signer;
				e->writable |= m->is_writable;
			}
		}
		if (alts_cnt > 0 && alts_cnt <= STACK_LOOKUPS)
			lk = stack_lk;
		else if (alts_cnt > 0)
		{
			lk = malloc(sizeof(lookup_t) * alts_cnt);
			if (lk == NULL)
			{
				rc = PS_ERR_NOMEM;
				goto done;
			}
		}
		for (i = 0; i < alts_cnt; i++)
		{
			lookup_t   *l = &lk[lk_cnt];

			l->alt = &alts[i];
			l->w_cnt = l->r_cnt = 0;
			if ((rc = drain(ks, &alts[i], true, l->w, &l->w_cnt, lw, &lw_cnt)) != PS_OK ||
				(rc = drain(ks, &alts[i], false, l->r, &l->r_cnt, lr, &lr_cnt)) != PS_OK)
				goto done;
			if (l->w_cnt > 0 || l->r_cnt > 0)
				lk_cnt++;
		}
		/* the four groups, each in first-appearance order */
		{
			entry_t		stack_sorted[STACK_ENTRIES];
			entry_t    *sorted = stack_sorted;
			int			n = 0;
			int			g;

			if (ks->cnt > STACK_ENTRIES)
				sorted = malloc(sizeof(entry_t) * ks->cnt);
			if (sorted == NULL)
			{
				rc = PS_ERR_NOMEM;
				goto done;
			}
			for (g = 0; g < 4; g++)
				for (k = 0; k < ks->cnt; k++)
				{
					e = &ks->e[k];
					if (!e->drained && e->signer == (g < 2) &&
						e->writable == (g % 2 == 0))
						sorted[n++] = *e;
				}
			memcpy(ks->e, sorted, sizeof(entry_t) * n);
			ks->cnt = n;
			if (sorted != stack_sorted)
				free(sorted);
		}
	}

	/* header and the addressable keys: static, then lookups */
	for (k = 0; k < ks->cnt; k++)
	{
		entry_t    *e = &ks->e[k];

		if (e->signer)
		{
			nsig++;
			if (!e->writable)
				ro_signed++;
		}
		else if (!e->writable)
			ro_unsigned++;
	}
	static_cnt = ks->cnt;
	if (static_cnt + lw_cnt + lr_cnt > PS_TXN_MAX_KEYS)
		goto too_large;
	for (k = 0; k < static_cnt; k++)
		keys[k] = ks->e[k].key;
	memcpy(&keys[static_cnt], lw, sizeof(uint8_t *) * lw_cnt);
	memcpy(&keys[static_cnt + lw_cnt], lr, sizeof(uint8_t *) * lr_cnt);

	if (version == PS_TXN_V0)
		ps_buf_putc(out, (char) 0x80);
	{
		uint8_t		hdr[3] = {(uint8_t) nsig, (uint8_t) ro_signed, (uint8_t) ro_unsigned};

		ps_buf_append(out, hdr, 3);
	}
	ps_txn_shortvec_put(out, static_cnt);
	for (k = 0; k < static_cnt; k++)
		ps_buf_append(out, keys[k], PS_TXN_KEY_SZ);
	ps_buf_append(out, blockhash, PS_TXN_KEY_SZ);
	ps_txn_shortvec_put(out, (unsigned) ixs_cnt);
	for (i = 0; i < ixs_cnt; i++)
	{
		const ps_txn_ix_t *ix = &ixs[i];
		int			total = static_cnt + lw_cnt + lr_cnt;
		uint8_t		pid = (uint8_t) key_index(keys, static_cnt, ix->program_id);
		size_t		a;

		if (ix->accounts_cnt > 0xffff || ix->data_sz > 0xffff)
			goto too_large;
		ps_buf_putc(out, (char) pid);
		ps_txn_shortvec_put(out, (unsigned) ix->accounts_cnt);
		for (a = 0; a < ix->accounts_cnt; a++)
			ps_buf_putc(out, (char) key_index(keys, total, ix->accounts[a].pubkey));
		ps_txn_shortvec_put(out, (unsigned) ix->data_sz);
		if (ix->data_sz > 0)
			ps_buf_append(out, ix->data, ix->data_sz);
	}
	if (version == PS_TXN_V0)
	{
		ps_txn_shortvec_put(out, lk_cnt);
		for (k = 0; k < lk_cnt; k++)
		{
			ps_buf_append(out, lk[k].alt->address, PS_TXN_KEY_SZ);
			ps_txn_shortvec_put(out, lk[k].w_cnt);
			ps_buf_append(out, lk[k].w, lk[k].w_cnt);
			ps_txn_shortvec_put(out, lk[k].r_cnt);
			ps_buf_append(out, lk[k].r, lk[k].r_cnt);
		}
	}
	if (out->err != PS_OK)
	{
		rc = out->err;
		goto done;
	}
	{
		size_t		wire = ps_txn_wire_size(out->len - start, nsig);

		if (wire_sz_opt)
			*wire_sz_opt = wire;
		if (wire > PS_TXN_PACKET_SZ)
			rc = PS_ERR_TOO_LARGE;
	}
	goto done;

too_large:
	rc = PS_ERR_TOO_LARGE;
	if (wire_sz_opt)
		*wire_sz_opt = 0;
done:
	if (lk != stack_lk)
		free(lk);
	if (ks->e != stack_e)
		free(ks->e);
	return rc;
}

/*
 * parse_message checks a message and, when `out` is given, writes its
 * JSON.  Invariant: `pos` never exceeds `len`; every read is check,
 * read, advance, validate.
 */
#define NEED(n) do { if ((size_t) (n) > len - pos) return PS_ERR_TRUNCATED; } while (0)
#define SHORTVEC(v) do { int used_ = ps_txn_shortvec_get(msg + pos, len - pos, &(v)); \
		if (used_ < 0) \
			return used_; \
		pos += used_; \
	} while (0)

static void
put_key(ps_buf_t *out, const uint8_t *k)
{
	char		t[PS_BASE58_PUBKEY_MAX_LEN + 1];

	ps_buf_putc(out, '"');
	ps_buf_append(out, t, ps_base58_encode_32(k, t));
	ps_buf_putc(out, '"');
}

static void
put_index_list(ps_buf_t *out, const uint8_t *p, unsigned n)
{
	unsigned	i;

	ps_buf_putc(out, '[');
	for (i = 0; i < n; i++)
	{
		if (i)
			ps_buf_putc(out, ',');
		ps_buf_put_u64(out, p[i]);
	}
	ps_buf_putc(out, ']');
}

static int
parse_message(const uint8_t *msg, size_t len, ps_txn_info_t *info, ps_buf_t *out)
{
	size_t		pos = 0;
	unsigned	nkeys;
	unsigned	nix;
	unsigned	total;
	unsigned	i;
	size_t		ix_start;
	size_t		lut_start = 0;
	unsigned	nlut = 0;

	NEED(1);
	info->version = PS_TXN_LEGACY;
	if (msg[0] & 0x80)
	{
		if ((msg[0] & 0x7f) != 0)
			return PS_ERR_UNSUPPORTED;
		info->version = PS_TXN_V0;
		pos++;
	}
	NEED(3);
	info->num_required_signatures = msg[pos];
	info->num_readonly_signed = msg[pos + 1];
	info->num_readonly_unsigned = msg[pos + 2];
	pos += 3;
	SHORTVEC(nkeys);
	NEED((size_t) nkeys * PS_TXN_KEY_SZ);
	info->keys = msg + pos;
	info->keys_cnt = (int) nkeys;
	pos += (size_t) nkeys * PS_TXN_KEY_SZ;
	NEED(PS_TXN_KEY_SZ);
	info->blockhash = msg + pos;
	pos += PS_TXN_KEY_SZ;

	/* the runtime's sanitize rules */
	if (info->num_required_signatures == 0 ||
		info->num_readonly_signed >= info->num_required_signatures ||
		(unsigned) info->num_required_signatures + info->num_readonly_unsigned > nkeys)
		return PS_ERR_BAD_DATA;

	/* instructions: a first pass to reach the lookups and count keys */
	SHORTVEC(nix);
	ix_start = pos;
	for (i = 0; i < nix; i++)
	{
		unsigned	nacc;
		unsigned	dlen;

		NEED(1);
		pos++;
		SHORTVEC(nacc);
		NEED(nacc);
		pos += nacc;
		SHORTVEC(dlen);
		NEED(dlen);
		pos += dlen;
	}
	total = nkeys;
	if (info->version == PS_TXN_V0)
	{
		SHORTVEC(nlut);
		lut_start = pos;
		for (i = 0; i < nlut; i++)
		{
			unsigned	nw;
			unsigned	nr;

			NEED(PS_TXN_KEY_SZ);
			pos += PS_TXN_KEY_SZ;
			SHORTVEC(nw);
			NEED(nw);
			pos += nw;
			SHORTVEC(nr);
			NEED(nr);
			pos += nr;
			if (nw + nr == 0)
				return PS_ERR_BAD_DATA;
			total += nw + nr;
		}
	}
	if (pos != len)
		return PS_ERR_TRAILING;
	if (total > PS_TXN_MAX_KEYS)
		return PS_ERR_BAD_DATA;

	if (out)
	{
		ps_buf_puts(out, "{\"version\":");
		ps_buf_puts(out, info->version == PS_TXN_LEGACY ? "\"legacy\"" : "0");
		ps_buf_puts(out, ",\"header\":{\"num_required_signatures\":");
		ps_buf_put_u64(out, info->num_required_signatures);
		ps_buf_puts(out, ",\"num_readonly_signed_accounts\":");
		ps_buf_put_u64(out, info->num_readonly_signed);
		ps_buf_puts(out, ",\"num_readonly_unsigned_accounts\":");
		ps_buf_put_u64(out, info->num_readonly_unsigned);
		ps_buf_puts(out, "},\"account_keys\":[");
		for (i = 0; i < nkeys; i++)
		{
			if (i)
				ps_buf_putc(out, ',');
			put_key(out, info->keys + (size_t) i * PS_TXN_KEY_SZ);
		}
		ps_buf_puts(out, "],\"recent_blockhash\":");
		put_key(out, info->blockhash);
		ps_buf_puts(out, ",\"instructions\":[");
	}

	/* second pass over the instructions: indexes and output */
	pos = ix_start;
	for (i = 0; i < nix; i++)
	{
		unsigned	pid = msg[pos++];
		unsigned	nacc;
		unsigned	dlen;
		const uint8_t *acc;
		unsigned	a;

		/* a program is a static key and never the fee payer */
		if (pid == 0 || pid >= nkeys)
			return PS_ERR_BAD_DATA;
		SHORTVEC(nacc);
		acc = msg + pos;
		pos += nacc;
		for (a = 0; a < nacc; a++)
			if (acc[a] >= total)
				return PS_ERR_BAD_DATA;
		SHORTVEC(dlen);
		if (out)
		{
			if (i)
				ps_buf_putc(out, ',');
			ps_buf_puts(out, "{\"program_id_index\":");
			ps_buf_put_u64(out, pid);
			ps_buf_puts(out, ",\"account_indexes\":");
			put_index_list(out, acc, nacc);
			ps_buf_puts(out, ",\"data_b64\":\"");
			ps_buf_put_base64(out, msg + pos, dlen);
			ps_buf_puts(out, "\"}");
		}
		pos += dlen;
	}
	if (out)
	{
		ps_buf_putc(out, ']');
		if (info->version == PS_TXN_V0)
		{
			ps_buf_puts(out, ",\"address_table_lookups\":[");
			pos = lut_start;
			for (i = 0; i < nlut; i++)
			{
				unsigned	n;

				if (i)
					ps_buf_putc(out, ',');
				ps_buf_puts(out, "{\"account_key\":");
				put_key(out, msg + pos);
				pos += PS_TXN_KEY_SZ;
				SHORTVEC(n);
				ps_buf_puts(out, ",\"writable_indexes\":");
				put_index_list(out, msg + pos, n);
				pos += n;
				SHORTVEC(n);
				ps_buf_puts(out, ",\"readonly_indexes\":");
				put_index_list(out, msg + pos, n);
				pos += n;
				ps_buf_putc(out, '}');
			}
			ps_buf_putc(out, ']');
		}
		ps_buf_putc(out, '}');
	}
	return PS_OK;
}

int
ps_txn_message_info(const uint8_t *msg, size_t len, ps_txn_info_t *info)
{
	return parse_message(msg, len, info, NULL);
}

int
ps_txn_split_wire(const uint8_t *wire, size_t len,
				  const uint8_t **sigs, int *sig_cnt,
				  const uint8_t **msg, size_t *msg_sz)
{
	ps_txn_info_t info;
	unsigned	n;
	int			used;
	int			rc;

	used = ps_txn_shortvec_get(wire, len, &n);
	if (used < 0)
		return used;
	if ((size_t) n * PS_TXN_SIG_SZ > len - used)
		return PS_ERR_TRUNCATED;
	*sigs = wire + used;
	*sig_cnt = (int) n;
	*msg = wire + used + (size_t) n * PS_TXN_SIG_SZ;
	*msg_sz = len - used - (size_t) n * PS_TXN_SIG_SZ;
	if ((rc = parse_message(*msg, *msg_sz, &info, NULL)) != PS_OK)
		return rc;
	if ((int) n != info.num_required_signatures)
		return PS_ERR_BAD_DATA;
	if (len > PS_TXN_PACKET_SZ)
		return PS_ERR_TOO_LARGE;
	return PS_OK;
}

int
ps_txn_sign(const uint8_t *msg, size_t len,
			const uint8_t *secrets, size_t secrets_cnt,
			ps_buf_t *out, int *missing_opt)
{
	ps_txn_info_t info;
	size_t		start = out->len;
	int			rc;
	int			i;

	if ((rc = parse_message(msg, len, &info, NULL)) != PS_OK)
		return rc;
	if (ps_txn_wire_size(len, info.num_required_signatures) > PS_TXN_PACKET_SZ)
		return PS_ERR_TOO_LARGE;
	for (i = 0; i < info.num_required_signatures; i++)
	{
		const uint8_t *key = info.keys + (size_t) i * PS_TXN_KEY_SZ;
		size_t		s;

		for (s = 0; s < secrets_cnt; s++)
			if (memcmp(secrets + s * PS_TXN_SECRET_SZ + 32, key, PS_TXN_KEY_SZ) == 0)
				break;
		if (s == secrets_cnt)
		{
			if (missing_opt)
				*missing_opt = i;
			return PS_ERR_ARG;
		}
	}
	ps_txn_shortvec_put(out, info.num_required_signatures);
	if (ps_buf_reserve(out, (size_t) info.num_required_signatures * PS_TXN_SIG_SZ + len) != PS_OK)
		return PS_ERR_NOMEM;
	for (i = 0; i < info.num_required_signatures; i++)
	{
		const uint8_t *key = info.keys + (size_t) i * PS_TXN_KEY_SZ;
		size_t		s;

		for (s = 0; s < secrets_cnt; s++)
			if (memcmp(secrets + s * PS_TXN_SECRET_SZ + 32, key, PS_TXN_KEY_SZ) == 0)
				break;
		crypto_sign_detached((uint8_t *) out->data + out->len, NULL, msg, len,
							 secrets + s * PS_TXN_SECRET_SZ);
		out->len += PS_TXN_SIG_SZ;
	}
	ps_buf_append(out, msg, len);
	if (out->err != PS_OK)
	{
		out->len = start;
		return out->err;
	}
	return PS_OK;
}

int
ps_txn_verify(const uint8_t *wire, size_t len, int *bad_opt)
{
	const uint8_t *sigs;
	const uint8_t *msg;
	size_t		msg_sz;
	int			n;
	int			i;
	int			rc;
	ps_txn_info_t info;

	if ((rc = ps_txn_split_wire(wire, len, &sigs, &n, &msg, &msg_sz)) != PS_OK)
		return rc;
	(void) parse_message(msg, msg_sz, &info, NULL);
	for (i = 0; i < n; i++)
		if (crypto_sign_verify_detached(sigs + (size_t) i * PS_TXN_SIG_SZ, msg, msg_sz,
										info.keys + (size_t) i * PS_TXN_KEY_SZ) != 0)
		{
			if (bad_opt)
				*bad_opt = i;
			return PS_ERR_SIGNATURE;
		}
	return PS_OK;
}

int
ps_txn_decode_json(const uint8_t *wire, size_t len, bool is_message,
				   ps_buf_t *out)
{
	ps_txn_info_t info;
	const uint8_t *sigs;
	const uint8_t *msg;
	size_t		msg_sz;
	int			n;
	int			i;
	int			rc;

	if (is_message)
	{
		rc = parse_message(wire, len, &info, out);
		return rc != PS_OK ? rc : out->err;
	}
	if ((rc = ps_txn_split_wire(wire, len, &sigs, &n, &msg, &msg_sz)) != PS_OK)
		return rc;
	ps_buf_puts(out, "{\"signatures\":[");
	for (i = 0; i < n; i++)
	{
		char		t[PS_BASE58_SIGNATURE_MAX_LEN + 1];

		if (i)
			ps_buf_putc(out, ',');
		ps_buf_putc(out, '"');
		ps_buf_append(out, t, ps_base58_encode_64(sigs + (size_t) i * PS_TXN_SIG_SZ, t));
		ps_buf_putc(out, '"');
	}
	ps_buf_puts(out, "],\"message\":");
	if ((rc = parse_message(msg, msg_sz, &info, out)) != PS_OK)
		return rc;
	ps_buf_puts(out, ",\"wire_size\":");
	ps_buf_put_u64(out, len);
	ps_buf_putc(out, '}');
	return out->err;
}

void
ps_txn_keypair_from_seed(const uint8_t seed[32], uint8_t secret[PS_TXN_SECRET_SZ])
{
	uint8_t		pk[32];

	crypto_sign_seed_keypair(pk, secret, seed);
}

int
ps_txn_keypair_parse(const char *text, size_t len, uint8_t secret[PS_TXN_SECRET_SZ])
{
	size_t		pos = 0;
	int			n = 0;
	uint8_t		check[PS_TXN_SECRET_SZ];
	uint8_t		pk[32];
	int			rc = PS_ERR_JSON;

#define SKIP_WS() while (pos < len && (text[pos] == ' ' || text[pos] == '\n' || \
									   text[pos] == '\r' || text[pos] == '\t')) pos++
	SKIP_WS();
	if (pos >= len || text[pos] != '[')
		goto fail;
	pos++;
	for (;;)
	{
		unsigned	v = 0;
		int			digits = 0;

		SKIP_WS();
		while (pos < len && text[pos] >= '0' && text[pos] <= '9' && digits < 4)
		{
			v = v * 10 + (unsigned) (text[pos] - '0');
			pos++;
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255 || n == PS_TXN_SECRET_SZ ||
			(digits > 1 && text[pos - digits] == '0'))
			goto fail;
		secret[n++] = (uint8_t) v;
		v = 0;
		SKIP_WS();
		if (pos >= len)
			goto fail;
		if (text[pos] == ']')
		{
			pos++;
			break;
		}
		if (text[pos] != ',')
			goto fail;
		pos++;
	}
	SKIP_WS();
	if (pos != len || n != PS_TXN_SECRET_SZ)
		goto fail;
	crypto_sign_seed_keypair(pk, check, secret);
	rc = sodium_memcmp(check, secret, PS_TXN_SECRET_SZ) == 0 ? PS_OK : PS_ERR_ARG;
fail:
#undef SKIP_WS
	sodium_memzero(check, sizeof(check));
	if (rc != PS_OK)
		sodium_memzero(secret, PS_TXN_SECRET_SZ);
	return rc;
}
