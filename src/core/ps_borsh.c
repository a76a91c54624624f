/*
 * ps_borsh.c
 *	  Borsh bytes to JSON text with a compiled IDL plan.
 *
 * The decoder walks the plan's nodes recursively over `data`.
 * Invariant: `pos` never exceeds `len`; every read checks the bytes
 * left first, then reads, then advances, then validates.  On failure
 * the innermost value records its status and offset, and each level
 * on the way out prepends its part of the field path (`fills`, `[3]`,
 * `price` -> `fills[3].price`).  Work is bounded: nesting by
 * PS_IDL_MAX_DEPTH and the number of values written by a budget
 * proportional to the input, so zero-sized elements cannot make a
 * short input expand without limit.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_error.h"
#include "ps_idl.h"
#include "ps_idl_plan.h"

typedef struct dc_t
{
	const ps_idl_plan_t *p;
	const uint8_t *d;
	size_t		len;
	size_t		pos;
	ps_buf_t   *out;
	int			flags;
	int			depth;
	uint64_t	budget;
	ps_idl_error_t *err;
	char	   *tmp;			/* scratch for reordering object keys */
	size_t		tmp_cap;
} dc_t;

static int
set_err(dc_t *dc, int status, size_t off)
{
	dc->err->status = status;
	dc->err->offset = off;
	dc->err->path[0] = '\0';
	return status;
}

/* prepend `seg` (a field name, or "[i]" when `index`) to the error path */
static void
path_prepend(ps_idl_error_t *err, const char *seg, bool index)
{
	char		tmp[sizeof(err->path) + 40];
	const char *rest = err->path;
	bool		dot = !index && rest[0] && rest[0] != '[';

	if (index && rest[0] && rest[0] != '[')
		snprintf(tmp, sizeof(tmp), "%s.%s", seg, rest);
	else
		snprintf(tmp, sizeof(tmp), "%s%s%s", seg, dot ? "." : "", rest);
	memcpy(err->path, tmp, sizeof(err->path) - 1);
	err->path[sizeof(err->path) - 1] = '\0';
}

static void
path_index(ps_idl_error_t *err, uint64_t i)
{
	char		seg[32];

	snprintf(seg, sizeof(seg), "[%llu]", (unsigned long long) i);
	path_prepend(err, seg, true);
}

/* decimal text of an n-byte little-endian unsigned integer (n <= 32) */
static void
put_uint_le(ps_buf_t *b, const uint8_t *le, size_t n)
{
	uint32_t	limb[8];
	size_t		nl = n / 4,
				i;
	char		dig[80];
	size_t		nd = 0;

	for (i = 0; i < nl; i++)
		limb[i] = (uint32_t) le[4 * i] | (uint32_t) le[4 * i + 1] << 8 |
			(uint32_t) le[4 * i + 2] << 16 | (uint32_t) le[4 * i + 3] << 24;
	while (nl > 0 && limb[nl - 1] == 0)
		nl--;
	if (nl == 0)
	{
		ps_buf_putc(b, '0');
		return;
	}
	while (nl > 0)
	{
		uint64_t	rem = 0;
		int			k;

		for (i = nl; i-- > 0;)
		{
			uint64_t	cur = rem << 32 | limb[i];

			limb[i] = (uint32_t) (cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (nl > 0 && limb[nl - 1] == 0)
			nl--;
		for (k = 0; k < 9 && (nl > 0 || rem > 0); k++)
		{
			dig[nd++] = (char) ('0' + rem % 10);
			rem /= 10;
		}
	}
	for (i = 0; i < nd / 2; i++)
	{
		char		c = dig[i];

		dig[i] = dig[nd - 1 - i];
		dig[nd - 1 - i] = c;
	}
	ps_buf_append(b, dig, nd);
}

static void
put_int_le(ps_buf_t *b, const uint8_t *le, size_t n)
{
	uint8_t		neg[32];
	size_t		i;
	unsigned	carry = 1;

	if ((le[n - 1] & 0x80) == 0)
	{
		put_uint_le(b, le, n);
		return;
	}
	for (i = 0; i < n; i++)
	{
		unsigned	v = (uint8_t) ~le[i] + carry;

		neg[i] = (uint8_t) v;
		carry = v >> 8;
	}
	ps_buf_putc(b, '-');
	put_uint_le(b, neg, n);
}

/* shortest decimal that reads back to the same value */
static void
put_float(ps_buf_t *b, double v, bool is_f32)
{
	char		tmp[40];
	int			prec;

	if (isnan(v))
	{
		ps_buf_puts(b, "\"NaN\"");
		return;
	}
	if (isinf(v))
	{
		ps_buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return;
	}
	if (v == 0)
	{
		ps_buf_puts(b, signbit(v) ? "-0" : "0");
		return;
	}
	for (prec = 1; prec <= 17; prec++)
	{
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (is_f32 ? (float) strtod(tmp, NULL) == (float) v : strtod(tmp, NULL) == v)
			break;
	}
	ps_buf_puts(b, tmp);
}

static void
put_string(dc_t *dc, const uint8_t *s, size_t n)
{
	if ((dc->flags & PS_IDL_STRIP_NUL) && memchr(s, 0, n))
	{
		char	   *tmp = malloc(n ? n : 1);
		size_t		i,
					m = 0;

		if (!tmp)
		{
			dc->out->err = PS_ERR_NOMEM;
			return;
		}
		for (i = 0; i < n; i++)
			if (s[i])
				tmp[m++] = (char) s[i];
		ps_buf_put_json_string(dc->out, tmp, m);
		free(tmp);
		return;
	}
	ps_buf_put_json_string(dc->out, (const char *) s, n);
}

static inline uint32_t
rd_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static inline uint64_t
rd_u64(const uint8_t *p)
{
	return (uint64_t) rd_u32(p) | (uint64_t) rd_u32(p + 4) << 32;
}

/*
 * Appends on the hot path: room is checked inline and the nul is left
 * to ps_borsh_decode_item, which terminates the text once at the end.
 */
static inline void
out_c(ps_buf_t *b, char c)
{
	if (b->len + 2 <= b->cap && b->err == PS_OK)
		b->data[b->len++] = c;
	else
		ps_buf_putc(b, c);
}

static inline void
out_n(ps_buf_t *b, const char *p, size_t n)
{
	if (b->len + n + 1 <= b->cap && b->err == PS_OK)
	{
		memcpy(b->data + b->len, p, n);
		b->len += n;
	}
	else
		ps_buf_append(b, p, n);
}

static inline void
out_u64(ps_buf_t *b, uint64_t v)
{
	char		tmp[21];
	int			i = 21;

	do
	{
		tmp[--i] = (char) ('0' + v % 10);
		v /= 10;
	} while (v);
	out_n(b, tmp + i, (size_t) (21 - i));
}

static inline void
out_i64(ps_buf_t *b, int64_t v)
{
	if (v < 0)
	{
		out_c(b, '-');
		out_u64(b, (uint64_t) 0 - (uint64_t) v);
	}
	else
		out_u64(b, (uint64_t) v);
}

static int	decode_node(dc_t *dc, uint32_t node);

/* the fields of a struct (object) or tuple (array) */
static int
decode_fields(dc_t *dc, uint32_t first, uint32_t n, bool named)
{
	uint32_t	i;
	int			rc;
	size_t		off_stack[33];
	size_t	   *off = NULL;
	size_t		base;

	/* jsonb order wanted and different: decode, then reorder the pairs */
	if (named && n > 1 && (dc->flags & PS_IDL_JSONB_ORDER) && !dc->p->jsorted[first])
		off = n + 1 <= 33 ? off_stack : malloc((n + 1) * sizeof(size_t));
	out_c(dc->out, named ? '{' : '[');
	base = dc->out->len;
	for (i = 0; i < n; i++)
	{
		const ps_idl_field_t *f = &dc->p->fields[first + i];

		if (off)
			off[i] = dc->out->len;
		else if (i)
			out_c(dc->out, ',');
		if (named)
			out_n(dc->out, dc->p->pool + f->key, f->key_len);
		rc = decode_node(dc, f->type);
		if (rc != PS_OK)
		{
			if (off && off != off_stack)
				free(off);
			if (named)
				path_prepend(dc->err, dc->p->pool + f->name, false);
			else
				path_index(dc->err, i);
			return rc;
		}
	}
	if (off)
	{
		size_t		total = dc->out->len - base;
		size_t		w = base;
		uint32_t	k;

		off[n] = dc->out->len;
		if (dc->out->err == PS_OK && ps_buf_reserve(dc->out, n) == PS_OK)
		{
			if (dc->tmp_cap < total)
			{
				char	   *t = realloc(dc->tmp, total);

				if (!t)
				{
					dc->out->err = PS_ERR_NOMEM;
					total = 0;
				}
				else
				{
					dc->tmp = t;
					dc->tmp_cap = total;
				}
			}
			if (dc->out->err == PS_OK)
			{
				memcpy(dc->tmp, dc->out->data + base, total);
				for (k = 0; k < n; k++)
				{
					uint32_t	j = dc->p->jorder[first + k];
					size_t		len = off[j + 1] - off[j];

					if (k)
						dc->out->data[w++] = ',';
					memcpy(dc->out->data + w, dc->tmp + (off[j] - base), len);
					w += len;
				}
				dc->out->len = w;
			}
		}
		if (off != off_stack)
			free(off);
	}
	out_c(dc->out, named ? '}' : ']');
	return PS_OK;
}

static int
decode_seq(dc_t *dc, uint32_t elem, uint64_t n)
{
	uint64_t	i;
	int			rc;

	out_c(dc->out, '[');
	for (i = 0; i < n; i++)
	{
		if (i)
			out_c(dc->out, ',');
		rc = decode_node(dc, elem);
		if (rc != PS_OK)
		{
			path_index(dc->err, i);
			return rc;
		}
	}
	out_c(dc->out, ']');
	return PS_OK;
}

static int
decode_node(dc_t *dc, uint32_t node)
{
	const ps_idl_node_t *nd = &dc->p->nodes[node];
	size_t		start = dc->pos;
	size_t		left = dc->len - dc->pos;
	const uint8_t *at = dc->d + dc->pos;
	int			rc = PS_OK;

	if (dc->budget == 0)
		return set_err(dc, PS_ERR_LIMIT, start);
	dc->budget--;
	if (nd->kind < PS_K_PRIM_CNT && nd->kind != PS_K_STRING && nd->kind != PS_K_BYTES &&
		left < nd->min_sz)
		return set_err(dc, PS_ERR_TRUNCATED, start);

	switch (nd->kind)
	{
		case PS_K_BOOL:
			if (at[0] > 1)
				return set_err(dc, PS_ERR_BOOL, start);
			out_n(dc->out, at[0] ? "true" : "false", at[0] ? 4 : 5);
			dc->pos += 1;
			return PS_OK;
		case PS_K_U8:
			out_u64(dc->out, at[0]);
			dc->pos += 1;
			return PS_OK;
		case PS_K_I8:
			out_i64(dc->out, (int8_t) at[0]);
			dc->pos += 1;
			return PS_OK;
		case PS_K_U16:
			out_u64(dc->out, (uint16_t) (at[0] | at[1] << 8));
			dc->pos += 2;
			return PS_OK;
		case PS_K_I16:
			out_i64(dc->out, (int16_t) (uint16_t) (at[0] | at[1] << 8));
			dc->pos += 2;
			return PS_OK;
		case PS_K_U32:
			out_u64(dc->out, rd_u32(at));
			dc->pos += 4;
			return PS_OK;
		case PS_K_I32:
			out_i64(dc->out, (int32_t) rd_u32(at));
			dc->pos += 4;
			return PS_OK;
		case PS_K_U64:
			out_u64(dc->out, rd_u64(at));
			dc->pos += 8;
			return PS_OK;
		case PS_K_I64:
			out_i64(dc->out, (int64_t) rd_u64(at));
			dc->pos += 8;
			return PS_OK;
		case PS_K_U128:
		case PS_K_U256:
			put_uint_le(dc->out, at, nd->min_sz);
			dc->pos += nd->min_sz;
			return PS_OK;
		case PS_K_I128:
		case PS_K_I256:
			put_int_le(dc->out, at, nd->min_sz);
			dc->pos += nd->min_sz;
			return PS_OK;
		case PS_K_F32:
			{
				float		f;
				uint32_t	u = rd_u32(at);

				memcpy(&f, &u, 4);
				put_float(dc->out, f, true);
				dc->pos += 4;
				return PS_OK;
			}
		case PS_K_F64:
			{
				double		f;
				uint64_t	u = rd_u64(at);

				memcpy(&f, &u, 8);
				put_float(dc->out, f, false);
				dc->pos += 8;
				return PS_OK;
			}
		case PS_K_PUBKEY:
			{
				char		b58[PS_BASE58_PUBKEY_MAX_LEN + 1];
				size_t		n = ps_base58_encode_32(at, b58);

				out_c(dc->out, '"');
				out_n(dc->out, b58, n);
				out_c(dc->out, '"');
				dc->pos += 32;
				return PS_OK;
			}
		case PS_K_STRING:
		case PS_K_BYTES:
			{
				uint32_t	n;

				if (left < 4)
					return set_err(dc, PS_ERR_TRUNCATED, start);
				n = rd_u32(at);
				if (n > left - 4)
					return set_err(dc, PS_ERR_LENGTH_EXCEEDS, start);
				if (nd->kind == PS_K_STRING)
				{
					if (!ps_utf8_valid(at + 4, n))
						return set_err(dc, PS_ERR_UTF8, start);
					put_string(dc, at + 4, n);
				}
				else
				{
					out_c(dc->out, '"');
					ps_buf_put_base64(dc->out, at + 4, n);
					out_c(dc->out, '"');
				}
				dc->pos += 4 + (size_t) n;
				return PS_OK;
			}
		default:
			break;
	}

	if (++dc->depth > PS_IDL_MAX_DEPTH)
		return set_err(dc, PS_ERR_LIMIT, start);
	switch (nd->kind)
	{
		case PS_K_VEC:
			{
				uint32_t	n;
				uint64_t	emin = dc->p->nodes[nd->a].min_sz;

				if (left < 4)
				{
					rc = set_err(dc, PS_ERR_TRUNCATED, start);
					break;
				}
				n = rd_u32(at);
				if (emin && (uint64_t) n > (left - 4) / emin)
				{
					rc = set_err(dc, PS_ERR_LENGTH_EXCEEDS, start);
					break;
				}
				dc->pos += 4;
				rc = decode_seq(dc, nd->a, n);
				break;
			}
		case PS_K_ARRAY:
			rc = decode_seq(dc, nd->a, nd->n);
			break;
		case PS_K_OPTION:
		case PS_K_COPTION:
			{
				uint32_t	tag;
				size_t		tl = nd->kind == PS_K_OPTION ? 1 : 4;

				if (left < tl)
				{
					rc = set_err(dc, PS_ERR_TRUNCATED, start);
					break;
				}
				tag = tl == 1 ? at[0] : rd_u32(at);
				if (tag > 1)
				{
					rc = set_err(dc, PS_ERR_OPTION_TAG, start);
					break;
				}
				dc->pos += tl;
				if (tag == 0)
					out_n(dc->out, "null", 4);
				else
					rc = decode_node(dc, nd->a);
				break;
			}
		case PS_K_STRUCT:
		case PS_K_TUPLE:
			rc = decode_fields(dc, nd->a, nd->n, nd->kind == PS_K_STRUCT);
			break;
		case PS_K_ENUM:
			{
				const ps_idl_variant_t *v;

				if (left < 1)
				{
					rc = set_err(dc, PS_ERR_TRUNCATED, start);
					break;
				}
				if (at[0] >= nd->n)
				{
					rc = set_err(dc, PS_ERR_ENUM_TAG, start);
					break;
				}
				v = &dc->p->variants[nd->a + at[0]];
				dc->pos += 1;
				if (v->shape == PS_V_UNIT)
				{
					out_n(dc->out, dc->p->pool + v->json, v->json_len);
					break;
				}
				out_c(dc->out, '{');
				out_n(dc->out, dc->p->pool + v->json, v->json_len);
				out_c(dc->out, ':');
				rc = decode_fields(dc, v->first, v->n, v->shape == PS_V_STRUCT);
				if (rc != PS_OK)
				{
					path_prepend(dc->err, dc->p->pool + v->name, false);
					break;
				}
				out_c(dc->out, '}');
				break;
			}
		case PS_K_ALIAS:
			rc = decode_node(dc, nd->a);
			break;
		default:
			rc = set_err(dc, PS_ERR_INTERNAL, start);
			break;
	}
	dc->depth--;
	return rc;
}

int
ps_borsh_decode_item(const ps_idl_plan_t *plan, uint32_t type,
					 const uint8_t *data, size_t len, size_t start,
					 int allow_trailing, int flags, ps_buf_t *out,
					 ps_idl_error_t *err)
{
	dc_t		dc;
	int			rc;

	dc.p = plan;
	dc.d = data;
	dc.len = len;
	dc.pos = start;
	dc.out = out;
	dc.flags = flags;
	dc.depth = 0;
	dc.budget = (uint64_t) len * 4 + 4096;
	dc.err = err;
	dc.tmp = NULL;
	dc.tmp_cap = 0;
	err->status = PS_OK;
	err->offset = 0;
	err->path[0] = '\0';
	rc = decode_node(&dc, type);
	free(dc.tmp);
	/* the hot-path appends leave the nul out */
	if (ps_buf_reserve(out, 0) == PS_OK)
		out->data[out->len] = '\0';
	if (rc == PS_OK && out->err)
		rc = set_err(&dc, out->err, dc.pos);
	if (rc == PS_OK && !allow_trailing && dc.pos != len)
		rc = set_err(&dc, PS_ERR_TRAILING, dc.pos);
	return rc;
}

static const ps_idl_item_t *
match_item(const ps_idl_item_t *items, uint32_t cnt, const uint8_t *data, size_t len)
{
	uint32_t	i;

	for (i = 0; i < cnt; i++)
		if (items[i].disc_len <= len && memcmp(items[i].disc, data, items[i].disc_len) == 0)
			return &items[i];
	return NULL;
}

static int
decode_list(const ps_idl_plan_t *plan, const ps_idl_item_t *items, uint32_t cnt,
			const uint8_t *data, size_t len, size_t base, int allow_trailing,
			int flags, ps_buf_t *out, const char **name_out, ps_idl_error_t *err)
{
	const ps_idl_item_t *it;

	*name_out = NULL;
	it = match_item(items, cnt, data + base, len - base);
	if (!it)
	{
		uint32_t	i;

		/* data that ends inside a discriminator is truncated */
		err->status = PS_ERR_UNKNOWN_DISC;
		for (i = 0; i < cnt; i++)
			if (len - base < items[i].disc_len &&
				memcmp(items[i].disc, data + base, len - base) == 0)
				err->status = PS_ERR_TRUNCATED;
		err->offset = base;
		err->path[0] = '\0';
		return err->status;
	}
	*name_out = plan->pool + it->name;
	return ps_borsh_decode_item(plan, it->type, data, len, base + it->disc_len,
								allow_trailing, flags, out, err);
}

int
ps_idl_decode_event(const ps_idl_plan_t *plan, const uint8_t *data, size_t len,
					int flags, ps_buf_t *out, const char **name_out,
					ps_idl_error_t *err)
{
	return decode_list(plan, plan->events, plan->event_cnt, data, len, 0, 0,
					   flags, out, name_out, err);
}

int
ps_idl_decode_account(const ps_idl_plan_t *plan, const uint8_t *data, size_t len,
					  const char *type_opt, int flags, ps_buf_t *out,
					  const char **name_out, ps_idl_error_t *err)
{
	uint32_t	i;

	if (type_opt)
	{
		*name_out = NULL;
		err->offset = 0;
		err->path[0] = '\0';
		for (i = 0; i < plan->account_cnt; i++)
			if (strcmp(plan->pool + plan->accounts[i].name, type_opt) == 0)
				break;
		if (i == plan->account_cnt)
			return err->status = PS_ERR_ARG;
		if (plan->accounts[i].disc_len > len)
			return err->status = memcmp(plan->accounts[i].disc, data, len) == 0
				? PS_ERR_TRUNCATED : PS_ERR_DISC_MISMATCH;
		if (memcmp(plan->accounts[i].disc, data, plan->accounts[i].disc_len) != 0)
			return err->status = PS_ERR_DISC_MISMATCH;
		*name_out = plan->pool + plan->accounts[i].name;
		return ps_borsh_decode_item(plan, plan->accounts[i].type, data, len,
									plan->accounts[i].disc_len, 1, flags, out, err);
	}
	return decode_list(plan, plan->accounts, plan->account_cnt, data, len, 0, 1,
					   flags, out, name_out, err);
}

int
ps_idl_decode_instruction(const ps_idl_plan_t *plan, const uint8_t *data, size_t len,
						  int flags, ps_buf_t *out, const char **name_out,
						  ps_idl_error_t *err)
{
	return decode_list(plan, plan->instructions, plan->instruction_cnt, data, len, 0, 0,
					   flags, out, name_out, err);
}

int
ps_idl_decode_cpi_event(const ps_idl_plan_t *plan, const uint8_t *data, size_t len,
						int flags, ps_buf_t *out, const char **name_out,
						ps_idl_error_t *err)
{
	if (len < 8 || memcmp(data, ps_idl_cpi_event_tag, 8) != 0)
	{
		*name_out = NULL;
		err->status = PS_ERR_UNKNOWN_DISC;
		err->offset = 0;
		err->path[0] = '\0';
		return PS_ERR_UNKNOWN_DISC;
	}
	return decode_list(plan, plan->events, plan->event_cnt, data, len, 8, 0,
					   flags, out, name_out, err);
}

void
ps_idl_error_text(const ps_idl_error_t *err, char *buf, size_t buf_sz)
{
	if (err->path[0])
		snprintf(buf, buf_sz, "field \"%s\" at offset %zu: %s", err->path, err->offset,
				 ps_strerror(err->status));
	else
		snprintf(buf, buf_sz, "at offset %zu: %s", err->offset, ps_strerror(err->status));
}
