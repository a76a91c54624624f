/*
 * ps_ingest.c
 *	  Pubsub messages and backfill answers of the ingest worker, parsed
 *	  into flat structs; requests built as text.  See ps_ingest.h.
 *
 * Invariant of the number tagger: `i` never exceeds `len`, and the
 * output buffer is sized for the worst case before writing.
 */
#include "ps_ingest.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_error.h"
#include "ps_idl.h"
#include "ps_json.h"

static void seterr(char *errbuf, size_t errbuf_sz, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static void
seterr(char *errbuf, size_t errbuf_sz, const char *fmt,...)
{
	va_list		ap;

	if (errbuf_sz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errbuf_sz, fmt, ap);
	va_end(ap);
}

static json_t *
load(const char *text, size_t len, int *rc, char *errbuf, size_t errbuf_sz)
{
	json_t	   *v;

	if (len > PS_INGEST_MSG_MAX)
	{
		*rc = PS_ERR_LIMIT;
		seterr(errbuf, errbuf_sz, "message of %zu bytes is over the limit", len);
		return NULL;
	}
	*rc = ps_json_load_exact(text, len, &v, errbuf, errbuf_sz);
	return v;
}

static bool
get_u64(const json_t *v, uint64_t *out)
{
	const char *s = ps_json_number_text(v);
	char	   *end;
	unsigned long long x;

	if (s == NULL || *s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = x;
	return true;
}

static bool
get_i64(const json_t *v, int64_t *out)
{
	const char *s = ps_json_number_text(v);
	char	   *end;
	long long	x;

	if (s == NULL || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s)
		return false;
	*out = x;
	return true;
}

/* a plain string member (not a tagged number) */
static const char *
get_str(const json_t *v)
{
	if (!json_is_string(v) || ps_json_number_text(v) != NULL)
		return NULL;
	return json_string_value(v);
}

static bool
get_key(const json_t *v, uint8_t out[32])
{
	const char *s = get_str(v);

	return s != NULL && ps_base58_decode_fixed(s, strlen(s), out, 32, NULL, NULL) == PS_OK;
}

static bool
get_sig(const json_t *v, uint8_t out[64])
{
	const char *s = get_str(v);

	return s != NULL && ps_base58_decode_fixed(s, strlen(s), out, 64, NULL, NULL) == PS_OK;
}

/* Undo the number tagging while dumping a value back to JSON text. */
static void
dump_untagged(ps_buf_t *b, const json_t *v)
{
	const char *n;

	switch (json_typeof(v))
	{
		case JSON_OBJECT:
			{
				const char *k;
				json_t	   *e;
				bool		first = true;

				ps_buf_putc(b, '{');
				json_object_foreach((json_t *) v, k, e)
				{
					if (!first)
						ps_buf_putc(b, ',');
					first = false;
					ps_buf_put_json_string(b, k, strlen(k));
					ps_buf_putc(b, ':');
					dump_untagged(b, e);
				}
				ps_buf_putc(b, '}');
				break;
			}
		case JSON_ARRAY:
			{
				size_t		i;
				json_t	   *e;

				ps_buf_putc(b, '[');
				json_array_foreach(v, i, e)
				{
					if (i > 0)
						ps_buf_putc(b, ',');
					dump_untagged(b, e);
				}
				ps_buf_putc(b, ']');
				break;
			}
		case JSON_STRING:
			if ((n = ps_json_number_text(v)) != NULL)
				ps_buf_puts(b, n);
			else
				ps_buf_put_json_string(b, json_string_value(v),
									   json_string_length(v));
			break;
		case JSON_TRUE:
			ps_buf_puts(b, "true");
			break;
		case JSON_FALSE:
			ps_buf_puts(b, "false");
			break;
		default:
			ps_buf_puts(b, "null");
			break;
	}
}

static char *
dump_err(const json_t *err)
{
	ps_buf_t	b;

	if (err == NULL || json_is_null(err))
		return NULL;
	ps_buf_init(&b, NULL, NULL);
	dump_untagged(&b, err);
	if (b.err != PS_OK)
	{
		ps_buf_free(&b);
		return NULL;
	}
	return b.data;
}

static int
read_logs(const json_t *logs, ps_ingest_tx_t *tx, char *errbuf, size_t errbuf_sz)
{
	size_t		i;
	json_t	   *e;

	if (logs == NULL || json_is_null(logs))
	{
		tx->has_logs = false;
		return PS_OK;
	}
	if (!json_is_array(logs))
	{
		seterr(errbuf, errbuf_sz, "logs is not an array");
		return PS_ERR_ARG;
	}
	if (json_array_size(logs) > PS_INGEST_LOGS_MAX)
	{
		seterr(errbuf, errbuf_sz, "%zu log lines is over the limit", json_array_size(logs));
		return PS_ERR_LIMIT;
	}
	tx->has_logs = true;
	tx->logs = calloc(json_array_size(logs) + 1, sizeof(char *));
	if (tx->logs == NULL)
		return PS_ERR_NOMEM;
	json_array_foreach(logs, i, e)
	{
		const char *s = get_str(e);

		if (s == NULL)
		{
			seterr(errbuf, errbuf_sz, "logs[%zu] is not a string", i);
			return PS_ERR_ARG;
		}
		tx->logs[i] = strdup(s);
		if (tx->logs[i] == NULL)
			return PS_ERR_NOMEM;
		tx->logs_cnt = i + 1;
	}
	return PS_OK;
}

static int
read_account(const json_t *acc, ps_ingest_account_t *a, char *errbuf, size_t errbuf_sz)
{
	const json_t *data;
	const char *b64;
	const char *enc;
	const char *re;
	size_t		n;
	json_t	   *ex;

	if (!json_is_object(acc))
	{
		seterr(errbuf, errbuf_sz, "account is not an object");
		return PS_ERR_ARG;
	}
	if (!get_u64(json_object_get(acc, "lamports"), &a->lamports))
	{
		seterr(errbuf, errbuf_sz, "account.lamports is not a u64");
		return PS_ERR_ARG;
	}
	if (!get_key(json_object_get(acc, "owner"), a->owner))
	{
		seterr(errbuf, errbuf_sz, "account.owner is not a pubkey");
		return PS_ERR_ARG;
	}
	ex = json_object_get(acc, "executable");
	if (ex != NULL && !json_is_boolean(ex))
	{
		seterr(errbuf, errbuf_sz, "account.executable is not a bool");
		return PS_ERR_ARG;
	}
	a->executable = json_is_true(ex);
	re = ps_json_number_text(json_object_get(acc, "rentEpoch"));
	if (re != NULL)
	{
		uint64_t	dummy;

		if (!get_u64(json_object_get(acc, "rentEpoch"), &dummy) ||
			strlen(re) >= sizeof(a->rent_epoch))
		{
			seterr(errbuf, errbuf_sz, "account.rentEpoch is not a u64");
			return PS_ERR_ARG;
		}
		strcpy(a->rent_epoch, re);
	}
	data = json_object_get(acc, "data");
	if (!json_is_array(data) || json_array_size(data) != 2 ||
		(b64 = get_str(json_array_get(data, 0))) == NULL ||
		(enc = get_str(json_array_get(data, 1))) == NULL ||
		strcmp(enc, "base64") != 0)
	{
		seterr(errbuf, errbuf_sz, "account.data is not [\"<base64>\", \"base64\"]");
		return PS_ERR_ARG;
	}
	n = strlen(b64);
	a->data = malloc(n / 4 * 3 + 1);
	if (a->data == NULL)
		return PS_ERR_NOMEM;
	if (ps_base64_decode(b64, n, a->data, &a->data_sz) != PS_OK)
	{
		seterr(errbuf, errbuf_sz, "account.data is not base64");
		return PS_ERR_ARG;
	}
	return PS_OK;
}

int
ps_ingest_parse_message_tree(const char *text, size_t len, ps_ingest_msg_t *out,
							 char *errbuf, size_t errbuf_sz)
{
	json_t	   *root;
	json_t	   *idv;
	const char *method;
	const json_t *params;
	const json_t *result;
	const json_t *value;
	int			rc = PS_OK;

	memset(out, 0, sizeof(*out));
	if (errbuf_sz > 0)
		errbuf[0] = '\0';
	root = load(text, len, &rc, errbuf, errbuf_sz);
	if (root == NULL)
		return rc;
	if (!json_is_object(root))
	{
		seterr(errbuf, errbuf_sz, "message is not a JSON object");
		rc = PS_ERR_JSON;
		goto done;
	}
	idv = json_object_get(root, "id");
	if (idv != NULL && !json_is_null(idv))
	{
		if (!get_i64(idv, &out->id))
		{
			seterr(errbuf, errbuf_sz, "id is not an integer");
			rc = PS_ERR_ARG;
			goto done;
		}
		out->has_id = true;
	}
	if (json_object_get(root, "error") != NULL)
	{
		const json_t *e = json_object_get(root, "error");
		const char *m = json_is_object(e) ? get_str(json_object_get(e, "message")) : NULL;

		out->kind = PS_INGEST_ERROR;
		if (json_is_object(e))
			get_i64(json_object_get(e, "code"), &out->err_code);
		snprintf(out->err_text, sizeof(out->err_text), "%s", m ? m : "(no message)");
		goto done;
	}
	if (out->has_id)
	{
		out->kind = PS_INGEST_REPLY;
		out->result_is_int = get_i64(json_object_get(root, "result"), &out->result);
		goto done;
	}
	method = get_str(json_object_get(root, "method"));
	if (method == NULL)
	{
		seterr(errbuf, errbuf_sz, "message has neither id nor method");
		rc = PS_ERR_JSON;
		goto done;
	}
	if (strcmp(method, "logsNotification") == 0)
		out->kind = PS_INGEST_LOGS;
	else if (strcmp(method, "accountNotification") == 0)
		out->kind = PS_INGEST_ACCOUNT;
	else if (strcmp(method, "programNotification") == 0)
		out->kind = PS_INGEST_PROGRAM;
	else
	{
		out->kind = PS_INGEST_OTHER;
		goto done;
	}

	params = json_object_get(root, "params");
	result = json_is_object(params) ? json_object_get(params, "result") : NULL;
	if (!json_is_object(result) ||
		!get_i64(json_object_get(params, "subscription"), &out->subscription))
	{
		seterr(errbuf, errbuf_sz, "%s: params.result or params.subscription missing", method);
		rc = PS_ERR_ARG;
		goto done;
	}
	{
		const json_t *ctx = json_object_get(result, "context");

		if (!json_is_object(ctx) || !get_u64(json_object_get(ctx, "slot"), &out->slot))
		{
			seterr(errbuf, errbuf_sz, "%s: result.context.slot is not a u64", method);
			rc = PS_ERR_ARG;
			goto done;
		}
	}
	value = json_object_get(result, "value");
	if (!json_is_object(value))
	{
		seterr(errbuf, errbuf_sz, "%s: result.value is not an object", method);
		rc = PS_ERR_ARG;
		goto done;
	}
	switch (out->kind)
	{
		case PS_INGEST_LOGS:
			out->tx.slot = out->slot;
			if (!get_sig(json_object_get(value, "signature"), out->tx.signature))
			{
				seterr(errbuf, errbuf_sz, "logsNotification: value.signature is not a signature");
				rc = PS_ERR_ARG;
				goto done;
			}
			{
				json_t	   *err = json_object_get(value, "err");

				out->tx.failed = err != NULL && !json_is_null(err);
				if (out->tx.failed && (out->tx.err_json = dump_err(err)) == NULL)
				{
					rc = PS_ERR_NOMEM;
					goto done;
				}
			}
			if (json_object_get(value, "logs") == NULL ||
				json_is_null(json_object_get(value, "logs")))
			{
				seterr(errbuf, errbuf_sz, "logsNotification: value.logs is missing");
				rc = PS_ERR_ARG;
				goto done;
			}
			rc = read_logs(json_object_get(value, "logs"), &out->tx, errbuf, errbuf_sz);
			break;
		case PS_INGEST_ACCOUNT:
			rc = read_account(value, &out->account, errbuf, errbuf_sz);
			break;
		case PS_INGEST_PROGRAM:
			if (!get_key(json_object_get(value, "pubkey"), out->account.pubkey))
			{
				seterr(errbuf, errbuf_sz, "programNotification: value.pubkey is not a pubkey");
				rc = PS_ERR_ARG;
				goto done;
			}
			rc = read_account(json_object_get(value, "account"), &out->account,
							  errbuf, errbuf_sz);
			break;
		default:
			break;
	}
done:
	json_decref(root);
	return rc;
}

void
ps_ingest_tx_free(ps_ingest_tx_t *tx)
{
	size_t		i;

	if (tx->logs)
	{
		for (i = 0; i < tx->logs_cnt; i++)
			free(tx->logs[i]);
		free(tx->logs);
	}
	for (i = 0; i < tx->cpis_cnt; i++)
		free(tx->cpis[i].data);
	free(tx->cpis);
	free(tx->err_json);
	memset(tx, 0, sizeof(*tx));
}

void
ps_ingest_msg_free(ps_ingest_msg_t *m)
{
	ps_ingest_tx_free(&m->tx);
	free(m->account.data);
	m->account.data = NULL;
}

/*
 * Load a JSON-RPC response body and return its result member (borrowed
 * from *root), or NULL with rc set.
 */
static const json_t *
load_result(const char *text, size_t len, json_t **root, int *rc,
			char *errbuf, size_t errbuf_sz)
{
	const json_t *res;
	const json_t *e;

	*rc = PS_OK;
	*root = load(text, len, rc, errbuf, errbuf_sz);
	if (*root == NULL)
		return NULL;
	if (!json_is_object(*root))
	{
		seterr(errbuf, errbuf_sz, "response is not a JSON object");
		*rc = PS_ERR_JSON;
		return NULL;
	}
	if ((e = json_object_get(*root, "error")) != NULL)
	{
		const char *m = json_is_object(e) ? get_str(json_object_get(e, "message")) : NULL;
		int64_t		code = 0;

		if (json_is_object(e))
			get_i64(json_object_get(e, "code"), &code);
		seterr(errbuf, errbuf_sz, "JSON-RPC error %lld: %s", (long long) code,
			   m ? m : "(no message)");
		*rc = PS_ERR_SYNTAX;
		return NULL;
	}
	res = json_object_get(*root, "result");
	if (res == NULL)
	{
		seterr(errbuf, errbuf_sz, "response has no result");
		*rc = PS_ERR_JSON;
		return NULL;
	}
	return res;
}

/* the account key at `idx` of static keys + loaded writable + readonly */
static bool
key_at(const json_t *keys, const json_t *loaded, int64_t idx, uint8_t out[32])
{
	size_t		n = json_array_size(keys);
	const json_t *w = json_is_object(loaded) ? json_object_get(loaded, "writable") : NULL;
	const json_t *r = json_is_object(loaded) ? json_object_get(loaded, "readonly") : NULL;
	const json_t *k;

	if (idx < 0)
		return false;
	if ((size_t) idx < n)
		k = json_array_get(keys, idx);
	else if ((size_t) idx - n < json_array_size(w))
		k = json_array_get(w, idx - n);
	else if ((size_t) idx - n - json_array_size(w) < json_array_size(r))
		k = json_array_get(r, idx - n - json_array_size(w));
	else
		return false;
	/* accountKeys may be strings or, in jsonParsed, {"pubkey": ..} */
	if (json_is_object(k))
		k = json_object_get(k, "pubkey");
	return get_key(k, out);
}

static int
read_cpis(const json_t *inner, const json_t *keys, const json_t *loaded,
		  ps_ingest_tx_t *tx, char *errbuf, size_t errbuf_sz)
{
	size_t		i,
				j;
	json_t	   *grp;
	int			position = 0;

	if (inner == NULL || json_is_null(inner))
		return PS_OK;
	if (!json_is_array(inner))
	{
		seterr(errbuf, errbuf_sz, "meta.innerInstructions is not an array");
		return PS_ERR_ARG;
	}
	json_array_foreach(inner, i, grp)
	{
		const json_t *ixs = json_is_object(grp) ? json_object_get(grp, "instructions") : NULL;
		json_t	   *ix;

		if (!json_is_array(ixs))
		{
			seterr(errbuf, errbuf_sz, "meta.innerInstructions[%zu].instructions is not an array", i);
			return PS_ERR_ARG;
		}
		json_array_foreach(ixs, j, ix)
		{
			const char *d58 = json_is_object(ix) ? get_str(json_object_get(ix, "data")) : NULL;
			int64_t		pidx;
			int64_t		height = 2;
			uint8_t    *bytes;
			size_t		nbytes;
			ps_ingest_cpi_t *c;

			if (d58 == NULL || !get_i64(json_object_get(ix, "programIdIndex"), &pidx))
			{
				seterr(errbuf, errbuf_sz, "meta.innerInstructions[%zu].instructions[%zu] lacks data or programIdIndex", i, j);
				return PS_ERR_ARG;
			}
			position++;
			/* quick reject before decoding: the tag encodes to >= 11 chars */
			if (strlen(d58) < 11)
				continue;
			nbytes = strlen(d58);
			bytes = malloc(nbytes + 1);
			if (bytes == NULL)
				return PS_ERR_NOMEM;
			if (ps_base58_decode(d58, strlen(d58), bytes, strlen(d58) + 1, &nbytes, NULL) != PS_OK ||
				nbytes < 8 || memcmp(bytes, ps_idl_cpi_event_tag, 8) != 0)
			{
				free(bytes);
				continue;
			}
			c = realloc(tx->cpis, (tx->cpis_cnt + 1) * sizeof(*c));
			if (c == NULL)
			{
				free(bytes);
				return PS_ERR_NOMEM;
			}
			tx->cpis = c;
			c = &tx->cpis[tx->cpis_cnt];
			memset(c, 0, sizeof(*c));
			if (!key_at(keys, loaded, pidx, c->program_id))
			{
				free(bytes);
				seterr(errbuf, errbuf_sz, "meta.innerInstructions[%zu].instructions[%zu].programIdIndex %lld is out of range", i, j, (long long) pidx);
				return PS_ERR_ARG;
			}
			get_i64(json_object_get(ix, "stackHeight"), &height);
			c->depth = (int) (height < 1 || height > 64 ? 2 : height);
			c->position = position - 1;
			c->data = bytes;
			c->data_sz = nbytes;
			tx->cpis_cnt++;
		}
	}
	return PS_OK;
}

int
ps_ingest_parse_transaction_tree(const char *text, size_t len, bool *found,
								 ps_ingest_tx_t *out, char *errbuf, size_t errbuf_sz)
{
	json_t	   *root = NULL;
	const json_t *res;
	const json_t *meta;
	const json_t *txn;
	const json_t *msg;
	const json_t *sigs;
	const json_t *bt;
	json_t	   *err;
	int			rc;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (errbuf_sz > 0)
		errbuf[0] = '\0';
	res = load_result(text, len, &root, &rc, errbuf, errbuf_sz);
	if (res == NULL)
		goto done;
	if (json_is_null(res))
		goto done;
	*found = true;
	meta = json_is_object(res) ? json_object_get(res, "meta") : NULL;
	txn = json_is_object(res) ? json_object_get(res, "transaction") : NULL;
	msg = json_is_object(txn) ? json_object_get(txn, "message") : NULL;
	sigs = json_is_object(txn) ? json_object_get(txn, "signatures") : NULL;
	if (!json_is_object(meta) || !json_is_object(msg) || !json_is_array(sigs) ||
		!json_is_array(json_object_get(msg, "accountKeys")))
	{
		seterr(errbuf, errbuf_sz, "getTransaction: result lacks meta, transaction.message.accountKeys or transaction.signatures");
		rc = PS_ERR_ARG;
		goto done;
	}
	if (!get_u64(json_object_get(res, "slot"), &out->slot))
	{
		seterr(errbuf, errbuf_sz, "getTransaction: result.slot is not a u64");
		rc = PS_ERR_ARG;
		goto done;
	}
	if (!get_sig(json_array_get(sigs, 0), out->signature))
	{
		seterr(errbuf, errbuf_sz, "getTransaction: transaction.signatures[0] is not a signature");
		rc = PS_ERR_ARG;
		goto done;
	}
	bt = json_object_get(res, "blockTime");
	if (bt != NULL && !json_is_null(bt))
	{
		if (!get_i64(bt, &out->block_time))
		{
			seterr(errbuf, errbuf_sz, "getTransaction: result.blockTime is not an integer");
			rc = PS_ERR_ARG;
			goto done;
		}
		out->has_block_time = true;
	}
	err = json_object_get(meta, "err");
	out->failed = err != NULL && !json_is_null(err);
	if (out->failed && (out->err_json = dump_err(err)) == NULL)
	{
		rc = PS_ERR_NOMEM;
		goto done;
	}
	rc = read_logs(json_object_get(meta, "logMessages"), out, errbuf, errbuf_sz);
	if (rc != PS_OK)
		goto done;
	rc = read_cpis(json_object_get(meta, "innerInstructions"),
				   json_object_get(msg, "accountKeys"),
				   json_object_get(meta, "loadedAddresses"), out, errbuf, errbuf_sz);
done:
	json_decref(root);
	return rc;
}

/*
 * The lean reading of getTransaction answers.  A backfill reads
 * thousands of them per second and uses a fifth of each (slot,
 * blockTime, meta.err, meta.logMessages, meta.innerInstructions and,
 * when those carry instructions, the account keys), so the answer is
 * checked once with the span scanner and only those parts are loaded.
 * Any answer this path does not take as it comes (a JSON-RPC error, a
 * member of the wrong type, a number it would not read) goes to
 * ps_ingest_parse_transaction_tree, so errors and their messages are
 * the tree's.  Invariant: every span lies inside `text`.
 */

/* the first byte of a found span, or 0 */
static char
span_first(const char *text, const ps_json_span_t *sp)
{
	return sp->found && sp->sz > 0 ? text[sp->off] : '\0';
}

static bool
span_is_null(const char *text, const ps_json_span_t *sp)
{
	return sp->found && sp->sz == 4 && memcmp(text + sp->off, "null", 4) == 0;
}

/* an array span holding no element ("[ ]" with any whitespace) */
static bool
span_is_empty_array(const char *text, const ps_json_span_t *sp)
{
	size_t		i;

	if (span_first(text, sp) != '[')
		return false;
	for (i = 1; i < sp->sz; i++)
		if (text[sp->off + i] != ' ' && text[sp->off + i] != '\t' &&
			text[sp->off + i] != '\n' && text[sp->off + i] != '\r')
			return text[sp->off + i] == ']';
	return false;
}

/* a number span read as get_u64 / get_i64 read the tagged token */
static bool
span_int(const char *text, const ps_json_span_t *sp, bool is_signed,
		 uint64_t *u, int64_t *i)
{
	char		tok[32];
	char	   *end;

	if (!sp->found || sp->sz == 0 || sp->sz >= sizeof(tok))
		return false;
	memcpy(tok, text + sp->off, sp->sz);
	tok[sp->sz] = '\0';
	errno = 0;
	if (is_signed)
	{
		if (!(tok[0] == '-' || (tok[0] >= '0' && tok[0] <= '9')))
			return false;
		*i = strtoll(tok, &end, 10);
	}
	else
	{
		if (tok[0] < '0' || tok[0] > '9' || (tok[0] == '0' && tok[1] != '\0'))
			return false;
		*u = strtoull(tok, &end, 10);
	}
	return errno == 0 && *end == '\0' && end != tok;
}

/*
 * A string token (quotes included, grammar checked by the scanner and
 * free of \u escapes) as a malloc'd nul-terminated copy; NULL when
 * it is not a string, its UTF-8 is bad, or out of memory.
 */
static char *
token_string(const char *tok, size_t sz)
{
	char	   *out;
	size_t		i,
				o = 0;

	if (sz < 2 || tok[0] != '"' || tok[sz - 1] != '"' ||
		!ps_utf8_valid((const unsigned char *) tok + 1, sz - 2) ||
		(out = malloc(sz - 1)) == NULL)
		return NULL;
	for (i = 1; i < sz - 1; i++)
	{
		char		c = tok[i];

		if (c == '\\')
		{
			switch (tok[++i])
			{
				case 'b':
					c = '\b';
					break;
				case 'f':
					c = '\f';
					break;
				case 'n':
					c = '\n';
					break;
				case 'r':
					c = '\r';
					break;
				case 't':
					c = '\t';
					break;
				case '"':
				case '\\':
				case '/':
					c = tok[i];
					break;
				default:		/* \u: excluded by the caller */
					free(out);
					return NULL;
			}
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

/*
 * The elements of an array span that holds only strings, as malloc'd
 * copies (*cnt of them, at most `max`, the array NULL-terminated).
 * Returns false when the span is not such an array or holds more.
 */
static bool
span_strings(const char *text, const ps_json_span_t *sp, size_t max,
			 char ***out, size_t *cnt)
{
	const char *a = text + sp->off;
	size_t		pos = 1;
	char	  **v = NULL;
	size_t		n = 0,
				cap = 0;

	*out = NULL;
	*cnt = 0;
	if (span_first(text, sp) != '[')
		return false;
	for (;;)
	{
		size_t		start,
					end;

		while (pos < sp->sz && (a[pos] == ' ' || a[pos] == '\t' ||
								a[pos] == '\n' || a[pos] == '\r'))
			pos++;
		if (pos >= sp->sz)
			break;
		if (a[pos] == ']' && n == 0)
		{
			*out = v ? v : calloc(1, sizeof(char *));
			*cnt = 0;
			return *out != NULL;
		}
		start = pos;
		if (ps_json_skip(a, sp->sz, &pos) != PS_OK || pos >= sp->sz)
			break;
		end = pos;
		while (end > start && (a[end - 1] == ' ' || a[end - 1] == '\t' ||
							   a[end - 1] == '\n' || a[end - 1] == '\r'))
			end--;
		if (n >= max)
			break;
		if (n + 1 >= cap)
		{
			char	  **nv;

			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(char *))) == NULL)
				break;
			v = nv;
		}
		v[n + 1] = NULL;
		if ((v[n] = token_string(a + start, end - start)) == NULL)
			break;
		n++;
		if (a[pos] == ']')
		{
			*out = v;
			*cnt = n;
			return true;
		}
		if (a[pos] != ',')
			break;
		pos++;
	}
	while (n > 0)
		free(v[--n]);
	free(v);
	return false;
}

/* load a span as the tree path loads the whole text; NULL on failure */
static json_t *
span_load(const char *text, const ps_json_span_t *sp)
{
	json_t	   *v = NULL;
	char		err[8];

	if (!sp->found ||
		ps_json_load_exact(text + sp->off, sp->sz, &v, err, sizeof(err)) != PS_OK)
		return NULL;
	return v;
}

/*
 * Whether the bytes \u occur in `text`: the test memmem(text, len,
 * "\\u", 2) made, by memchr on the backslashes, which these answers
 * hardly have (memmem was ~2% of the backfill profile).
 */
static bool
has_u_escape(const char *text, size_t len)
{
	const char *p = text;
	const char *end = text + len;

	while (p < end && (p = memchr(p, '\\', (size_t) (end - p))) != NULL)
	{
		if (p + 1 < end && p[1] == 'u')
			return true;
		p++;
	}
	return false;
}

/* returns PS_OK, or 1 when the tree must decide */
static int
parse_transaction_lean(const char *text, size_t len, bool *found,
					   ps_ingest_tx_t *out, char *errbuf, size_t errbuf_sz)
{
	static const char *const top_k[] = {"result", "error"};
	static const char *const res_k[] = {"slot", "blockTime", "meta", "transaction"};
	static const char *const meta_k[] = {"err", "logMessages", "innerInstructions", "loadedAddresses"};
	static const char *const txn_k[] = {"signatures", "message"};
	static const char *const msg_k[] = {"accountKeys"};
	ps_json_span_t top[2],
				res[4],
				meta[4],
				txn[2],
				msg[1];
	const char *r;
	json_t	   *v;
	json_t	   *keys = NULL,
			   *loaded = NULL;
	int64_t		unused_i;
	uint64_t	unused_u;
	int			rc;

	/*
	 * A \u escape may spell a member name ("sl\u006ft") the scanner
	 * would not recognise: such answers go to the tree.
	 */
	if (len > PS_INGEST_MSG_MAX || has_u_escape(text, len) ||
		ps_json_object_spans(text, len, top_k, 2, top) != PS_OK ||
		top[1].found || !top[0].found)
		return 1;
	if (span_is_null(text, &top[0]))
		return PS_OK;			/* not found */
	*found = true;
	r = text + top[0].off;
	if (r[0] != '{' ||
		ps_json_object_spans(r, top[0].sz, res_k, 4, res) != PS_OK ||
		span_first(r, &res[2]) != '{' || span_first(r, &res[3]) != '{' ||
		ps_json_object_spans(r + res[2].off, res[2].sz, meta_k, 4, meta) != PS_OK ||
		ps_json_object_spans(r + res[3].off, res[3].sz, txn_k, 2, txn) != PS_OK ||
		span_first(r + res[3].off, &txn[0]) != '[' ||
		span_first(r + res[3].off, &txn[1]) != '{')
		return 1;
	{
		const char *t = r + res[3].off;

		if (ps_json_object_spans(t + txn[1].off, txn[1].sz, msg_k, 1, msg) != PS_OK ||
			span_first(t + txn[1].off, &msg[0]) != '[')
			return 1;
		if (!span_int(r, &res[0], false, &out->slot, &unused_i))
			return 1;
		/* signatures[0] */
		{
			char	  **sigs;
			size_t		nsigs;
			bool		ok;

			if (!span_strings(t, &txn[0], PS_INGEST_LOGS_MAX, &sigs, &nsigs))
				return 1;
			ok = nsigs > 0 &&
				ps_base58_decode_fixed(sigs[0], strlen(sigs[0]), out->signature,
									   64, NULL, NULL) == PS_OK;
			while (nsigs > 0)
				free(sigs[--nsigs]);
			free(sigs);
			if (!ok)
				return 1;
		}
	}
	if (res[1].found && !span_is_null(r, &res[1]))
	{
		if (!span_int(r, &res[1], true, &unused_u, &out->block_time))
			return 1;
		out->has_block_time = true;
	}
	{
		const char *m = r + res[2].off;

		if (meta[0].found && !span_is_null(m, &meta[0]))
		{
			out->failed = true;
			if ((v = span_load(m, &meta[0])) == NULL)
				return 1;
			out->err_json = dump_err(v);
			json_decref(v);
			if (out->err_json == NULL)
				return 1;
		}
		if (meta[1].found && !span_is_null(m, &meta[1]))
		{
			/* read_logs' checks: an array of at most LOGS_MAX strings */
			if (!span_strings(m, &meta[1], PS_INGEST_LOGS_MAX, &out->logs, &out->logs_cnt))
				return 1;
			out->has_logs = true;
		}
		if (!meta[2].found || span_is_null(m, &meta[2]) ||
			span_is_empty_array(m, &meta[2]))
			return PS_OK;
		if ((v = span_load(m, &meta[2])) == NULL ||
			(keys = span_load(r + res[3].off + txn[1].off, &msg[0])) == NULL ||
			(meta[3].found && (loaded = span_load(m, &meta[3])) == NULL))
			rc = 1;
		else
			rc = read_cpis(v, keys, loaded, out, errbuf, errbuf_sz) == PS_OK ? PS_OK : 1;
		json_decref(v);
		json_decref(keys);
		json_decref(loaded);
		return rc;
	}
}

int
ps_ingest_parse_transaction(const char *text, size_t len, bool *found,
							ps_ingest_tx_t *out, char *errbuf, size_t errbuf_sz)
{
	memset(out, 0, sizeof(*out));
	*found = false;
	if (errbuf_sz > 0)
		errbuf[0] = '\0';
	if (parse_transaction_lean(text, len, found, out, errbuf, errbuf_sz) == PS_OK)
		return PS_OK;
	ps_ingest_tx_free(out);
	return ps_ingest_parse_transaction_tree(text, len, found, out, errbuf, errbuf_sz);
}

/*
 * parse_logs_lean reads a logsNotification, the message the worker gets
 * most, with the span scanner: one pass checks the text and finds the
 * members, the log lines and the signature are copied from their
 * tokens, jansson loads only a non-null value.err.  Returns PS_OK, or 1
 * when the tree must decide (another kind of message, a wrong shape,
 * \u escapes).
 */
static int
parse_logs_lean(const char *text, size_t len, ps_ingest_msg_t *out)
{
	static const char *const top_k[] = {"id", "error", "method", "params"};
	static const char *const par_k[] = {"result", "subscription"};
	static const char *const res_k[] = {"context", "value"};
	static const char *const ctx_k[] = {"slot"};
	static const char *const val_k[] = {"signature", "err", "logs"};
	static const char method[] = "\"logsNotification\"";
	ps_json_span_t top[4],
				par[2],
				res[2],
				ctx[1],
				val[3];
	const char *p,
			   *r,
			   *v;
	uint64_t	unused_u;
	int64_t		unused_i;

	if (len > PS_INGEST_MSG_MAX || has_u_escape(text, len) ||
		ps_json_object_spans(text, len, top_k, 4, top) != PS_OK ||
		(top[0].found && !span_is_null(text, &top[0])) || top[1].found ||
		!top[2].found || top[2].sz != sizeof(method) - 1 ||
		memcmp(text + top[2].off, method, sizeof(method) - 1) != 0 ||
		span_first(text, &top[3]) != '{')
		return 1;
	p = text + top[3].off;
	if (ps_json_object_spans(p, top[3].sz, par_k, 2, par) != PS_OK ||
		span_first(p, &par[0]) != '{' ||
		!span_int(p, &par[1], true, &unused_u, &out->subscription))
		return 1;
	r = p + par[0].off;
	if (ps_json_object_spans(r, par[0].sz, res_k, 2, res) != PS_OK ||
		span_first(r, &res[0]) != '{' || span_first(r, &res[1]) != '{' ||
		ps_json_object_spans(r + res[0].off, res[0].sz, ctx_k, 1, ctx) != PS_OK ||
		!span_int(r + res[0].off, &ctx[0], false, &out->slot, &unused_i))
		return 1;
	v = r + res[1].off;
	if (ps_json_object_spans(v, res[1].sz, val_k, 3, val) != PS_OK ||
		span_first(v, &val[0]) != '"' || !val[2].found || span_is_null(v, &val[2]))
		return 1;
	out->kind = PS_INGEST_LOGS;
	out->tx.slot = out->slot;
	{
		char	   *sig = token_string(v + val[0].off, val[0].sz);
		bool		ok = sig != NULL &&
			ps_base58_decode_fixed(sig, strlen(sig), out->tx.signature, 64,
								   NULL, NULL) == PS_OK;

		free(sig);
		if (!ok)
			return 1;
	}
	if (val[1].found && !span_is_null(v, &val[1]))
	{
		json_t	   *e = span_load(v, &val[1]);

		out->tx.failed = true;
		if (e == NULL)
			return 1;
		out->tx.err_json = dump_err(e);
		json_decref(e);
		if (out->tx.err_json == NULL)
			return 1;
	}
	/* read_logs' checks: an array of at most LOGS_MAX strings */
	if (!span_strings(v, &val[2], PS_INGEST_LOGS_MAX, &out->tx.logs, &out->tx.logs_cnt))
		return 1;
	out->tx.has_logs = true;
	return PS_OK;
}

int
ps_ingest_parse_message(const char *text, size_t len, ps_ingest_msg_t *out,
						char *errbuf, size_t errbuf_sz)
{
	memset(out, 0, sizeof(*out));
	if (errbuf_sz > 0)
		errbuf[0] = '\0';
	if (parse_logs_lean(text, len, out) == PS_OK)
		return PS_OK;
	ps_ingest_msg_free(out);
	return ps_ingest_parse_message_tree(text, len, out, errbuf, errbuf_sz);
}

int
ps_ingest_parse_signatures(const char *text, size_t len, ps_ingest_sig_t **out,
						   size_t *cnt, char *errbuf, size_t errbuf_sz)
{
	json_t	   *root = NULL;
	const json_t *res;
	json_t	   *e;
	size_t		i;
	int			rc;

	*out = NULL;
	*cnt = 0;
	if (errbuf_sz > 0)
		errbuf[0] = '\0';
	res = load_result(text, len, &root, &rc, errbuf, errbuf_sz);
	if (res == NULL)
		goto done;
	if (!json_is_array(res))
	{
		seterr(errbuf, errbuf_sz, "getSignaturesForAddress: result is not an array");
		rc = PS_ERR_ARG;
		goto done;
	}
	*out = calloc(json_array_size(res) + 1, sizeof(ps_ingest_sig_t));
	if (*out == NULL)
	{
		rc = PS_ERR_NOMEM;
		goto done;
	}
	json_array_foreach(res, i, e)
	{
		ps_ingest_sig_t *s = &(*out)[i];
		json_t	   *err;

		if (!json_is_object(e) ||
			!get_sig(json_object_get(e, "signature"), s->signature) ||
			!get_u64(json_object_get(e, "slot"), &s->slot))
		{
			seterr(errbuf, errbuf_sz, "getSignaturesForAddress: result[%zu] lacks a signature or slot", i);
			rc = PS_ERR_ARG;
			free(*out);
			*out = NULL;
			goto done;
		}
		err = json_object_get(e, "err");
		s->failed = err != NULL && !json_is_null(err);
	}
	*cnt = json_array_size(res);
done:
	json_decref(root);
	return rc;
}

int
ps_ingest_commitment_level(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "processed") == 0)
		return PS_INGEST_PROCESSED;
	if (strcmp(s, "confirmed") == 0)
		return PS_INGEST_CONFIRMED;
	if (strcmp(s, "finalized") == 0)
		return PS_INGEST_FINALIZED;
	return -1;
}

int
ps_ingest_parse_statuses(const char *text, size_t len, ps_ingest_status_t *out,
						 size_t cnt, char *errbuf, size_t errbuf_sz)
{
	json_t	   *root = NULL;
	const json_t *res;
	const json_t *val;
	json_t	   *e;
	size_t		i;
	int			rc;

	if (errbuf_sz > 0)
		errbuf[0] = '\0';
	memset(out, 0, cnt * sizeof(*out));
	res = load_result(text, len, &root, &rc, errbuf, errbuf_sz);
	if (res == NULL)
		goto done;
	val = json_is_object(res) ? json_object_get(res, "value") : NULL;
	if (!json_is_array(val) || json_array_size(val) != cnt)
	{
		seterr(errbuf, errbuf_sz, "getSignatureStatuses: result.value is not an array of %zu", cnt);
		rc = PS_ERR_ARG;
		goto done;
	}
	json_array_foreach(val, i, e)
	{
		json_t	   *err;

		out[i].commitment = -1;
		if (json_is_null(e))
			continue;
		if (!json_is_object(e) || !get_u64(json_object_get(e, "slot"), &out[i].slot))
		{
			seterr(errbuf, errbuf_sz, "getSignatureStatuses: value[%zu] lacks a slot", i);
			rc = PS_ERR_ARG;
			goto done;
		}
		out[i].found = true;
		out[i].commitment =
			ps_ingest_commitment_level(get_str(json_object_get(e, "confirmationStatus")));
		err = json_object_get(e, "err");
		out[i].failed = err != NULL && !json_is_null(err);
	}
done:
	json_decref(root);
	return rc;
}

/*
 * put_filters appends `,"filters":<json>` for a program subscription's or
 * getProgramAccounts' filters (none when NULL or empty); PS_ERR_JSON when
 * they are not a JSON array.
 */
static int
put_filters(ps_buf_t *b, const char *filters_json_opt)
{
	json_error_t jerr;
	json_t	   *f;
	bool		ok;

	if (filters_json_opt == NULL || filters_json_opt[0] == '\0')
		return PS_OK;
	f = json_loads(filters_json_opt, JSON_DECODE_ANY, &jerr);
	ok = json_is_array(f);
	json_decref(f);
	if (!ok)
		return PS_ERR_JSON;
	ps_buf_puts(b, ",\"filters\":");
	ps_buf_puts(b, filters_json_opt);
	return PS_OK;
}

/* ------------------------------------------------------------------ */

static void
put_key(ps_buf_t *b, const uint8_t *p, size_t n)
{
	ps_buf_putc(b, '"');
	ps_buf_put_base58(b, p, n);
	ps_buf_putc(b, '"');
}

static void
put_head(ps_buf_t *b, int64_t id, const char *method)
{
	ps_buf_puts(b, "{\"jsonrpc\":\"2.0\",\"id\":");
	ps_buf_put_i64(b, id);
	ps_buf_puts(b, ",\"method\":\"");
	ps_buf_puts(b, method);
	ps_buf_puts(b, "\",\"params\":[");
}

int
ps_ingest_build_subscribe(ps_buf_t *b, int64_t id, const char *kind,
						  const uint8_t target[32], const char *commitment,
						  const char *filters_json_opt)
{
	if (ps_ingest_commitment_level(commitment) < 0)
		return PS_ERR_ARG;
	if (strcmp(kind, "logs") == 0)
	{
		put_head(b, id, "logsSubscribe");
		ps_buf_puts(b, "{\"mentions\":[");
		put_key(b, target, 32);
		ps_buf_puts(b, "]},{\"commitment\":\"");
		ps_buf_puts(b, commitment);
		ps_buf_puts(b, "\"}]}");
	}
	else if (strcmp(kind, "account") == 0)
	{
		put_head(b, id, "accountSubscribe");
		put_key(b, target, 32);
		ps_buf_puts(b, ",{\"encoding\":\"base64\",\"commitment\":\"");
		ps_buf_puts(b, commitment);
		ps_buf_puts(b, "\"}]}");
	}
	else if (strcmp(kind, "program") == 0)
	{
		put_head(b, id, "programSubscribe");
		put_key(b, target, 32);
		ps_buf_puts(b, ",{\"encoding\":\"base64\",\"commitment\":\"");
		ps_buf_puts(b, commitment);
		ps_buf_puts(b, "\"");
		if (put_filters(b, filters_json_opt) != PS_OK)
			return PS_ERR_JSON;
		ps_buf_puts(b, "}]}");
	}
	else
		return PS_ERR_ARG;
	return b->err;
}

int
ps_ingest_build_unsubscribe(ps_buf_t *b, int64_t id, const char *kind,
							int64_t subscription)
{
	const char *m;

	if (strcmp(kind, "logs") == 0)
		m = "logsUnsubscribe";
	else if (strcmp(kind, "account") == 0)
		m = "accountUnsubscribe";
	else if (strcmp(kind, "program") == 0)
		m = "programUnsubscribe";
	else
		return PS_ERR_ARG;
	put_head(b, id, m);
	ps_buf_put_i64(b, subscription);
	ps_buf_puts(b, "]}");
	return b->err;
}

int
ps_ingest_build_get_signatures(ps_buf_t *b, int64_t id, const uint8_t address[32],
							   const uint8_t *before_opt, const uint8_t *until_opt,
							   int limit, const char *commitment)
{
	if (limit < 1 || limit > 1000 || ps_ingest_commitment_level(commitment) < 1)
		return PS_ERR_ARG;
	put_head(b, id, "getSignaturesForAddress");
	put_key(b, address, 32);
	ps_buf_puts(b, ",{\"limit\":");
	ps_buf_put_i64(b, limit);
	ps_buf_puts(b, ",\"commitment\":\"");
	ps_buf_puts(b, commitment);
	ps_buf_putc(b, '"');
	if (before_opt)
	{
		ps_buf_puts(b, ",\"before\":");
		put_key(b, before_opt, 64);
	}
	if (until_opt)
	{
		ps_buf_puts(b, ",\"until\":");
		put_key(b, until_opt, 64);
	}
	ps_buf_puts(b, "}]}");
	return b->err;
}

int
ps_ingest_build_get_transaction(ps_buf_t *b, int64_t id, const uint8_t signature[64],
								const char *commitment)
{
	if (ps_ingest_commitment_level(commitment) < 1)
		return PS_ERR_ARG;
	put_head(b, id, "getTransaction");
	put_key(b, signature, 64);
	ps_buf_puts(b, ",{\"encoding\":\"json\",\"maxSupportedTransactionVersion\":0,\"commitment\":\"");
	ps_buf_puts(b, commitment);
	ps_buf_puts(b, "\"}]}");
	return b->err;
}

int
ps_ingest_build_batch(ps_buf_t *b, const char *const *bodies, size_t cnt)
{
	size_t		i;

	if (cnt == 0)
		return PS_ERR_ARG;
	ps_buf_putc(b, '[');
	for (i = 0; i < cnt; i++)
	{
		if (i > 0)
			ps_buf_putc(b, ',');
		ps_buf_puts(b, bodies[i]);
	}
	ps_buf_putc(b, ']');
	return b->err;
}

/* reads a JSON integer token (no fraction or exponent) into *v */
static bool
id_token(const char *s, size_t sz, int64_t *v)
{
	bool		neg = sz > 0 && s[0] == '-';
	size_t		i = neg ? 1 : 0;
	uint64_t	u = 0;

	if (i >= sz || sz - i > 19)
		return false;
	for (; i < sz; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		u = u * 10 + (uint64_t) (s[i] - '0');
	}
	if (u > (uint64_t) INT64_MAX)
		return false;
	*v = neg ? -(int64_t) u : (int64_t) u;
	return true;
}

int
ps_ingest_split_batch(const char *text, size_t len, const int64_t *ids,
					  size_t cnt, ps_ingest_span_t *out)
{
	static const char *const keys[] = {"id"};
	ps_json_span_t el[PS_INGEST_BATCH_MAX];
	size_t		pos = 0;
	size_t		n;
	size_t		e;
	int			rc;

	for (e = 0; e < cnt; e++)
		out[e].found = false;
	/* one pass checks the answer and finds its first elements */
	if ((rc = ps_json_array_spans(text, len, el, PS_INGEST_BATCH_MAX, &n)) != PS_OK)
	{
		if (rc == PS_ERR_JSON && ps_json_skip(text, len, &pos) == PS_OK && pos == len)
			return PS_ERR_ARG;
		return rc;
	}
	if (n > PS_INGEST_BATCH_MAX)
		n = PS_INGEST_BATCH_MAX;	/* more than was asked for */
	for (e = 0; e < n; e++)
	{
		ps_json_span_t idsp;
		int64_t		id;
		size_t		i;

		if (text[el[e].off] != '{' ||
			ps_json_object_spans(text + el[e].off, el[e].sz, keys, 1, &idsp) != PS_OK ||
			!idsp.found ||
			!id_token(text + el[e].off + idsp.off, idsp.sz, &id))
			continue;
		/* answers come mostly in request order: try that slot first */
		i = e < cnt && ids[e] == id ? e : cnt;
		if (i == cnt)
			for (i = 0; i < cnt && ids[i] != id; i++)
				;
		if (i < cnt && !out[i].found)
		{
			out[i].found = true;
			out[i].off = el[e].off;
			out[i].sz = el[e].sz;
		}
	}
	return PS_OK;
}

int
ps_ingest_build_get_statuses(ps_buf_t *b, int64_t id, const uint8_t (*sigs)[64],
							 size_t cnt)
{
	size_t		i;

	if (cnt < 1 || cnt > 256)
		return PS_ERR_ARG;
	put_head(b, id, "getSignatureStatuses");
	ps_buf_putc(b, '[');
	for (i = 0; i < cnt; i++)
	{
		if (i > 0)
			ps_buf_putc(b, ',');
		put_key(b, sigs[i], 64);
	}
	ps_buf_puts(b, "],{\"searchTransactionHistory\":true}]}");
	return b->err;
}

int
ps_ingest_build_get_multiple_accounts(ps_buf_t *b, int64_t id,
									  const uint8_t (*keys)[32], size_t cnt,
									  const char *commitment)
{
	size_t		i;

	if (cnt < 1 || cnt > 100 || ps_ingest_commitment_level(commitment) < 0)
		return PS_ERR_ARG;
	put_head(b, id, "getMultipleAccounts");
	ps_buf_putc(b, '[');
	for (i = 0; i < cnt; i++)
	{
		if (i > 0)
			ps_buf_putc(b, ',');
		put_key(b, keys[i], 32);
	}
	ps_buf_puts(b, "],{\"encoding\":\"base64\",\"commitment\":\"");
	ps_buf_puts(b, commitment);
	ps_buf_puts(b, "\"}]}");
	return b->err;
}

int
ps_ingest_build_get_program_accounts(ps_buf_t *b, int64_t id,
									 const uint8_t program[32],
									 const char *commitment,
									 const char *filters_json_opt)
{
	if (ps_ingest_commitment_level(commitment) < 0)
		return PS_ERR_ARG;
	put_head(b, id, "getProgramAccounts");
	put_key(b, program, 32);
	ps_buf_puts(b, ",{\"encoding\":\"base64\",\"withContext\":true,\"commitment\":\"");
	ps_buf_puts(b, commitment);
	ps_buf_puts(b, "\"");
	if (put_filters(b, filters_json_opt) != PS_OK)
		return PS_ERR_JSON;
	ps_buf_puts(b, "}]}");
	return b->err;
}

int
ps_ingest_parse_accounts(const char *text, size_t len,
						 const uint8_t (*keys_opt)[32], size_t keys_cnt,
						 uint64_t *slot_out, ps_ingest_account_t **out,
						 size_t *cnt, char *errbuf, size_t errbuf_sz)
{
	json_t	   *root = NULL;
	const json_t *res;
	const json_t *value;
	const json_t *ctx;
	const char *method = keys_opt ? "getMultipleAccounts" : "getProgramAccounts";
	json_t	   *e;
	size_t		i;
	int			rc;

	*out = NULL;
	*cnt = 0;
	*slot_out = 0;
	if (errbuf_sz > 0)
		errbuf[0] = '\0';
	res = load_result(text, len, &root, &rc, errbuf, errbuf_sz);
	if (res == NULL)
		goto done;
	ctx = json_is_object(res) ? json_object_get(res, "context") : NULL;
	value = json_is_object(res) ? json_object_get(res, "value") : NULL;
	if (!json_is_object(ctx) || !get_u64(json_object_get(ctx, "slot"), slot_out) ||
		!json_is_array(value))
	{
		seterr(errbuf, errbuf_sz, "%s: result is not {context: {slot}, value: [...]}", method);
		rc = PS_ERR_ARG;
		goto done;
	}
	if (keys_opt != NULL && json_array_size(value) != keys_cnt)
	{
		seterr(errbuf, errbuf_sz, "%s: %zu accounts for %zu addresses", method,
			   json_array_size(value), keys_cnt);
		rc = PS_ERR_ARG;
		goto done;
	}
	*out = calloc(json_array_size(value) + 1, sizeof(ps_ingest_account_t));
	if (*out == NULL)
	{
		rc = PS_ERR_NOMEM;
		goto done;
	}
	json_array_foreach(value, i, e)
	{
		ps_ingest_account_t *a = &(*out)[*cnt];
		const json_t *acc = e;
		char		sub[PS_INGEST_ERRTEXT_MAX];

		if (keys_opt != NULL)
		{
			memcpy(a->pubkey, keys_opt[i], 32);
			if (json_is_null(e))
			{
				/*
				 * No such account (closed): the state an accountNotification
				 * gives a closed account, owned by the System program (32
				 * zero bytes), no lamports, no data.
				 */
				(*cnt)++;
				a->data = malloc(1);
				if (a->data == NULL)
				{
					rc = PS_ERR_NOMEM;
					goto done;
				}
				continue;
			}
		}
		else
		{
			if (!json_is_object(e) || !get_key(json_object_get(e, "pubkey"), a->pubkey))
			{
				seterr(errbuf, errbuf_sz, "%s: value[%zu].pubkey is not a pubkey", method, i);
				rc = PS_ERR_ARG;
				goto done;
			}
			acc = json_object_get(e, "account");
		}
		/* counted first: ps_ingest_accounts_free frees a partial entry */
		(*cnt)++;
		rc = read_account(acc, a, sub, sizeof(sub));
		if (rc != PS_OK)
		{
			seterr(errbuf, errbuf_sz, "%s: value[%zu]: %s", method, i, sub);
			goto done;
		}
	}
done:
	json_decref(root);
	return rc;
}

void
ps_ingest_accounts_free(ps_ingest_account_t *accs, size_t cnt)
{
	size_t		i;

	if (accs == NULL)
		return;
	for (i = 0; i < cnt; i++)
		free(accs[i].data);
	free(accs);
}

void
ps_ingest_page_cut(const ps_ingest_sig_t *page, size_t cnt, int limit,
				   uint64_t from_slot, size_t *keep, bool *last)
{
	size_t		i;

	*last = cnt < (size_t) (limit > 0 ? limit : 1);
	for (i = 0; i < cnt; i++)
	{
		if (page[i].slot < from_slot)
		{
			*last = true;
			break;
		}
	}
	*keep = i;
}
