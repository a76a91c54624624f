/*
 * decode.c
 *	  SQL functions of the Anchor decoder: register_program,
 *	  decode_event, decode_account, decode_instruction, decode_cpi_event,
 *	  decode_logs, and the per-backend plan cache behind them.
 *
 * The *cache* maps a program id to its compiled plan (or to "no IDL"),
 * in a hash table in CacheMemoryContext; plans themselves are malloc'd
 * by the core and freed here.  A relcache callback on solana.programs
 * only marks the cache stale; the next lookup empties it, so a plan a
 * caller is using is never freed under it.
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"

#include "decode.h"
#include "pg_solana.h"
#include "ps_base58.h"
#include "ps_buf.h"
#include "ps_error.h"
#include "ps_idl.h"
#include "ps_logs.h"

typedef struct plan_entry
{
	uint8		key[32];
	ps_idl_plan_t *plan;		/* NULL: no IDL registered */
} plan_entry;

static HTAB *plan_cache = NULL;
static bool cache_stale = false;
static Oid	programs_relid = InvalidOid;
static bool callback_registered = false;

static void
programs_changed(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == programs_relid)
	{
		/* look the table up again: DROP/CREATE EXTENSION gives a new oid */
		cache_stale = true;
		programs_relid = InvalidOid;
	}
}

static void
cache_flush(void)
{
	HASH_SEQ_STATUS st;
	plan_entry *e;

	if (!plan_cache)
		return;
	hash_seq_init(&st, plan_cache);
	while ((e = hash_seq_search(&st)) != NULL)
		ps_idl_free(e->plan);
	hash_destroy(plan_cache);
	plan_cache = NULL;
}

static void
cache_init(void)
{
	HASHCTL		ctl;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(programs_changed, (Datum) 0);
		callback_registered = true;
	}
	if (cache_stale)
	{
		cache_flush();
		cache_stale = false;
	}
	if (!OidIsValid(programs_relid))
	{
		Oid			nsp = get_namespace_oid("solana", true);

		if (OidIsValid(nsp))
			programs_relid = get_relname_relid("programs", nsp);
	}
	if (plan_cache)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = 32;
	ctl.entrysize = sizeof(plan_entry);
	ctl.hcxt = CacheMemoryContext;
	plan_cache = hash_create("pg_solana IDL plans", 64, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* compile the registered IDL of `program_id`; NULL when there is none */
static ps_idl_plan_t *
load_plan(const uint8 *program_id)
{
	char		b58[PS_BASE58_PUBKEY_MAX_LEN + 1];
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	char	   *idl = NULL;
	ps_idl_plan_t *plan = NULL;
	char		err[512];
	int			rc;

	ps_base58_encode_32(program_id, b58);
	args[0] = CStringGetTextDatum(b58);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args("SELECT idl::text FROM solana.programs "
							   "WHERE program_id OPERATOR(solana.=) $1::solana.pubkey",
							   1, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading solana.programs failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (v)
			idl = MemoryContextStrdup(CurTransactionContext, v);
	}
	SPI_finish();
	if (!idl)
		return NULL;
	rc = ps_idl_compile(idl, strlen(idl), program_id, &plan, err, sizeof(err));
	pfree(idl);
	if (rc != PS_OK)
		ereport(ERROR,
				(errcode(solana_sqlstate(rc)),
				 errmsg("registered IDL of program %s does not compile: %s", b58, err),
				 errhint("Register it again with solana.register_program().")));
	return plan;
}

const ps_idl_plan_t *
solana_idl_plan(const uint8 *program_id)
{
	plan_entry *e;
	bool		found;
	ps_idl_plan_t *plan;

	cache_init();
	e = hash_search(plan_cache, program_id, HASH_FIND, NULL);
	if (e)
		return e->plan;
	plan = load_plan(program_id);
	/* SPI may have processed invalidations: look again */
	cache_init();
	e = hash_search(plan_cache, program_id, HASH_ENTER, &found);
	if (found)
		ps_idl_free(e->plan);
	e->plan = plan;
	return plan;
}

/* ---------------------------------------------------------------------
 * JSON text to jsonb
 *
 * The core writes compact JSON (no whitespace, keys unique per object,
 * U+0000 already stripped).  Going through jsonb_in would lex it again,
 * parse every integer with numeric_in and sort every object's keys; here
 * the text is read once into a JsonbValue tree with integers converted
 * directly, object pairs sorted in jsonb's key order (shorter first,
 * then bytewise), and JsonbValueToJsonb serializes the tree.
 * ---------------------------------------------------------------------
 */
typedef struct jparse
{
	const char *p;
	const char *end;
} jparse;

static void jvalue(jparse *jp, JsonbValue *out);

pg_attribute_noreturn() static void
jfail(jparse *jp)
{
	elog(ERROR, "decoder output is not JSON near \"%.20s\"", jp->p);
}

static void
jstring(jparse *jp, JsonbValue *out)
{
	const char *start = ++jp->p;
	const char *q = start;
	bool		esc = false;

	while (q < jp->end && *q != '"')
	{
		if (*q == '\\')
		{
			esc = true;
			q++;
		}
		q++;
	}
	if (q >= jp->end)
		jfail(jp);
	out->type = jbvString;
	if (!esc)
	{
		out->val.string.val = (char *) start;
		out->val.string.len = (int) (q - start);
	}
	else
	{
		char	   *buf = palloc(q - start + 1);
		int			n = 0;
		const char *r = start;

		while (r < q)
		{
			if (*r != '\\')
			{
				buf[n++] = *r++;
				continue;
			}
			r++;
			switch (*r)
			{
				case 'n':
					buf[n++] = '\n';
					break;
				case 't':
					buf[n++] = '\t';
					break;
				case 'r':
					buf[n++] = '\r';
					break;
				case 'b':
					buf[n++] = '\b';
					break;
				case 'f':
					buf[n++] = '\f';
					break;
				case 'u':
					{
						unsigned	cp = 0;
						int			k;

						if (q - r < 5)
							jfail(jp);
						for (k = 1; k <= 4; k++)
							cp = cp * 16 + (unsigned) (isdigit((unsigned char) r[k]) ? r[k] - '0'
													   : (tolower((unsigned char) r[k]) - 'a' + 10));
						r += 4;
						/* the core escapes only control characters this way */
						if (cp == 0 || cp >= 0x80)
							jfail(jp);
						buf[n++] = (char) cp;
						break;
					}
				default:
					buf[n++] = *r;	/* \" \\ \/ */
					break;
			}
			r++;
		}
		out->val.string.val = buf;
		out->val.string.len = n;
	}
	jp->p = q + 1;
}

static void
jnumber(jparse *jp, JsonbValue *out)
{
	const char *start = jp->p;
	const char *q = start;
	bool		plain = true;
	int			digits = 0;

	if (*q == '-')
		q++;
	while (q < jp->end && (isdigit((unsigned char) *q) || *q == '.' || *q == 'e' ||
						   *q == 'E' || *q == '+' || *q == '-'))
	{
		if (isdigit((unsigned char) *q))
			digits++;
		else
			plain = false;
		q++;
	}
	if (digits == 0)
		jfail(jp);
	out->type = jbvNumeric;
	if (plain && digits <= 18)
	{
		int64		v = 0;
		const char *r = *start == '-' ? start + 1 : start;

		for (; r < q; r++)
			v = v * 10 + (*r - '0');
		out->val.numeric = int64_to_numeric(*start == '-' ? -v : v);
	}
	else
	{
		char	   *txt = pnstrdup(start, q - start);

		out->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(txt),
															   ObjectIdGetDatum(InvalidOid),
															   Int32GetDatum(-1)));
		pfree(txt);
	}
	jp->p = q;
}

static int
pair_cmp(const void *a, const void *b)
{
	const JsonbValue *ka = &((const JsonbPair *) a)->key;
	const JsonbValue *kb = &((const JsonbPair *) b)->key;

	if (ka->val.string.len != kb->val.string.len)
		return ka->val.string.len < kb->val.string.len ? -1 : 1;
	return memcmp(ka->val.string.val, kb->val.string.val, ka->val.string.len);
}

static void
jvalue(jparse *jp, JsonbValue *out)
{
	check_stack_depth();
	if (jp->p >= jp->end)
		jfail(jp);
	switch (*jp->p)
	{
		case '{':
			{
				int			cap = 8,
							n = 0,
							i;
				JsonbPair  *pairs = palloc(sizeof(JsonbPair) * cap);
				bool		sorted = true;

				jp->p++;
				while (jp->p < jp->end && *jp->p != '}')
				{
					if (n == cap)
					{
						cap *= 2;
						pairs = repalloc(pairs, sizeof(JsonbPair) * cap);
					}
					if (n > 0)
					{
						if (*jp->p != ',')
							jfail(jp);
						jp->p++;
					}
					if (jp->p >= jp->end || *jp->p != '"')
						jfail(jp);
					jstring(jp, &pairs[n].key);
					if (jp->p >= jp->end || *jp->p != ':')
						jfail(jp);
					jp->p++;
					jvalue(jp, &pairs[n].value);
					pairs[n].order = n;
					if (n > 0 && sorted && pair_cmp(&pairs[n - 1], &pairs[n]) > 0)
						sorted = false;
					n++;
				}
				if (jp->p >= jp->end)
					jfail(jp);
				jp->p++;
				if (!sorted)
					qsort(pairs, n, sizeof(JsonbPair), pair_cmp);
				/* IDL field names are unique: the plan compiler checks it */
				for (i = 1; i < n; i++)
					if (pair_cmp(&pairs[i - 1], &pairs[i]) == 0)
						jfail(jp);
				out->type = jbvObject;
				out->val.object.nPairs = n;
				out->val.object.pairs = pairs;
				break;
			}
		case '[':
			{
				int			cap = 8,
							n = 0;
				JsonbValue *elems = palloc(sizeof(JsonbValue) * cap);

				jp->p++;
				while (jp->p < jp->end && *jp->p != ']')
				{
					if (n == cap)
					{
						cap *= 2;
						elems = repalloc(elems, sizeof(JsonbValue) * cap);
					}
					if (n > 0)
					{
						if (*jp->p != ',')
							jfail(jp);
						jp->p++;
					}
					jvalue(jp, &elems[n++]);
				}
				if (jp->p >= jp->end)
					jfail(jp);
				jp->p++;
				out->type = jbvArray;
				out->val.array.nElems = n;
				out->val.array.elems = elems;
				out->val.array.rawScalar = false;
				break;
			}
		case '"':
			jstring(jp, out);
			break;
		case 't':
		case 'f':
		case 'n':
			{
				const char *w = *jp->p == 't' ? "true" : *jp->p == 'f' ? "false" : "null";
				size_t		wl = strlen(w);

				if ((size_t) (jp->end - jp->p) < wl || memcmp(jp->p, w, wl) != 0)
					jfail(jp);
				if (*w == 'n')
					out->type = jbvNull;
				else
				{
					out->type = jbvBool;
					out->val.boolean = *w == 't';
				}
				jp->p += wl;
				break;
			}
		default:
			jnumber(jp, out);
			break;
	}
}

/* the core's JSON text as jsonb */
static Jsonb *
text_to_jsonb(ps_buf_t *b)
{
	Jsonb	   *result = NULL;

	{
		jparse		jp;
		JsonbValue	v;

		jp.p = b->data;
		jp.end = b->data + b->len;
		jvalue(&jp, &v);
		if (jp.p != jp.end)
			jfail(&jp);
		if (v.type == jbvObject || v.type == jbvArray)
			result = JsonbValueToJsonb(&v);
		else
		{
			JsonbValue	arr;

			/* a scalar is stored as a one-element raw-scalar array */
			arr.type = jbvArray;
			arr.val.array.nElems = 1;
			arr.val.array.elems = &v;
			arr.val.array.rawScalar = true;
			result = JsonbValueToJsonb(&arr);
		}
	}
	return result;
}

typedef int (*decode_fn) (const ps_idl_plan_t *plan, const uint8_t *data, size_t len,
						  const char *type_opt, int flags, ps_buf_t *out,
						  const char **name_out, ps_idl_error_t *err);

static int
dec_event(const ps_idl_plan_t *p, const uint8_t *d, size_t n, const char *t, int f,
		  ps_buf_t *o, const char **nm, ps_idl_error_t *e)
{
	return ps_idl_decode_event(p, d, n, f, o, nm, e);
}

static int
dec_account(const ps_idl_plan_t *p, const uint8_t *d, size_t n, const char *t, int f,
			ps_buf_t *o, const char **nm, ps_idl_error_t *e)
{
	return ps_idl_decode_account(p, d, n, t, f, o, nm, e);
}

static int
dec_instruction(const ps_idl_plan_t *p, const uint8_t *d, size_t n, const char *t, int f,
				ps_buf_t *o, const char **nm, ps_idl_error_t *e)
{
	return ps_idl_decode_instruction(p, d, n, f, o, nm, e);
}

static int
dec_cpi(const ps_idl_plan_t *p, const uint8_t *d, size_t n, const char *t, int f,
		ps_buf_t *o, const char **nm, ps_idl_error_t *e)
{
	return ps_idl_decode_cpi_event(p, d, n, f, o, nm, e);
}

/*
 * The core writes into one malloc'd scratch buffer per backend, reused
 * call after call (decoding is never nested); a buffer grown beyond
 * SCRATCH_KEEP by a large value is released after use.
 */
#define SCRATCH_KEEP	(1024 * 1024)
static ps_buf_t scratch;
static bool scratch_ready = false;

static int
decode_with(const ps_idl_plan_t *plan, decode_fn fn, const uint8 *data, size_t len,
			const char *type_opt, Jsonb **out, char **name_out, ps_idl_error_t *err)
{
	const char *name = NULL;
	int			rc;

	*out = NULL;
	*name_out = NULL;
	if (!scratch_ready || scratch.err != PS_OK || scratch.cap > SCRATCH_KEEP)
	{
		if (scratch_ready)
			ps_buf_free(&scratch);
		ps_buf_init(&scratch, NULL, NULL);
		scratch_ready = true;
	}
	scratch.len = 0;
	rc = fn(plan, data, len, type_opt, PS_IDL_STRIP_NUL | PS_IDL_JSONB_ORDER, &scratch,
			&name, err);
	if (rc == PS_OK)
	{
		*name_out = pstrdup(name);
		*out = text_to_jsonb(&scratch);
	}
	return rc;
}

static int
decode_program(const uint8 *program_id, decode_fn fn, const uint8 *data, size_t len,
			   const char *type_opt, Jsonb **out, char **name_out, ps_idl_error_t *err)
{
	const ps_idl_plan_t *plan = solana_idl_plan(program_id);

	err->status = PS_OK;
	err->offset = 0;
	err->path[0] = '\0';
	*out = NULL;
	*name_out = NULL;
	if (!plan)
		return SOLANA_NO_IDL;
	return decode_with(plan, fn, data, len, type_opt, out, name_out, err);
}

int
solana_decode_event_jsonb(const uint8 *program_id, const uint8 *data, size_t len,
						  Jsonb **out, char **name_out, ps_idl_error_t *err)
{
	return decode_program(program_id, dec_event, data, len, NULL, out, name_out, err);
}

int
solana_decode_account_jsonb(const uint8 *program_id, const uint8 *data, size_t len,
							Jsonb **out, char **name_out, ps_idl_error_t *err)
{
	return decode_program(program_id, dec_account, data, len, NULL, out, name_out, err);
}

int
solana_decode_instruction_jsonb(const uint8 *program_id, const uint8 *data, size_t len,
								Jsonb **out, char **name_out, ps_idl_error_t *err)
{
	return decode_program(program_id, dec_instruction, data, len, NULL, out, name_out, err);
}

int
solana_decode_cpi_event_jsonb(const uint8 *program_id, const uint8 *data, size_t len,
							  Jsonb **out, char **name_out, ps_idl_error_t *err)
{
	return decode_program(program_id, dec_cpi, data, len, NULL, out, name_out, err);
}

/* ---------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------
 */

/*
 * decode_sql is the body of decode_event, decode_account,
 * decode_instruction and decode_cpi_event: (name, jsonb) or an error
 * naming the program, the field path and the byte offset.
 */
static Datum
decode_sql(FunctionCallInfo fcinfo, decode_fn fn, const char *what)
{
	const uint8 *pid;
	bytea	   *data;
	char	   *type_opt = NULL;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	Jsonb	   *out;
	char	   *name;
	ps_idl_error_t err;
	int			rc;
	char		b58[PS_BASE58_PUBKEY_MAX_LEN + 1];

	/* decode_account is not strict (account_type may be null) */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	pid = (const uint8 *) PG_GETARG_POINTER(0);
	data = PG_GETARG_BYTEA_PP(1);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		type_opt = text_to_cstring(PG_GETARG_TEXT_PP(2));
	tupdesc = solana_result_desc(fcinfo);
	ps_base58_encode_32(pid, b58);
	rc = decode_program(pid, fn, (const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data),
						type_opt, &out, &name, &err);
	if (rc == SOLANA_NO_IDL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("program %s has no registered IDL", b58),
				 errhint("Register its IDL with solana.register_program().")));
	if (rc == PS_ERR_ARG && type_opt)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("program %s has no account type \"%s\"", b58, type_opt)));
	if (rc != PS_OK)
	{
		char		where[400];

		ps_idl_error_text(&err, where, sizeof(where));
		ereport(ERROR,
				(errcode(solana_sqlstate(rc)),
				 errmsg("invalid %s data for program %s: %s", what, b58, where),
				 errdetail("The data is %zu bytes long.", (size_t) VARSIZE_ANY_EXHDR(data))));
	}
	values[0] = CStringGetTextDatum(name);
	values[1] = JsonbPGetDatum(out);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(solana_decode_event);
Datum
solana_decode_event(PG_FUNCTION_ARGS)
{
	return decode_sql(fcinfo, dec_event, "event");
}

PG_FUNCTION_INFO_V1(solana_decode_account);
Datum
solana_decode_account(PG_FUNCTION_ARGS)
{
	return decode_sql(fcinfo, dec_account, "account");
}

PG_FUNCTION_INFO_V1(solana_decode_instruction);
Datum
solana_decode_instruction(PG_FUNCTION_ARGS)
{
	return decode_sql(fcinfo, dec_instruction, "instruction");
}

PG_FUNCTION_INFO_V1(solana_decode_cpi_event);
Datum
solana_decode_cpi_event(PG_FUNCTION_ARGS)
{
	return decode_sql(fcinfo, dec_cpi, "emit_cpi! event");
}

/*
 * solana._programs_validate is the BEFORE INSERT OR UPDATE row trigger
 * of solana.programs: every write path (register_program or a plain
 * INSERT) compiles the IDL, so the table never holds one the decoder
 * refuses.  It fills program_id from the IDL when null, and name and
 * idl_format from the IDL.  Errors name the JSON path inside the IDL.
 */
PG_FUNCTION_INFO_V1(solana_programs_validate);
Datum
solana_programs_validate(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	tup;
	TupleDesc	desc;
	int			c_pid,
				c_name,
				c_idl,
				c_fmt;
	bool		isnull;
	Datum		d;
	Jsonb	   *idl;
	const uint8 *pid = NULL;
	char	   *text;
	ps_idl_plan_t *plan = NULL;
	char		err[512];
	int			rc;
	int			cols[3];
	Datum		vals[3];
	bool		nulls[3] = {false, false, false};
	uint8	   *key;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "solana._programs_validate must be a BEFORE ROW trigger");
	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	desc = td->tg_relation->rd_att;
	c_pid = SPI_fnumber(desc, "program_id");
	c_name = SPI_fnumber(desc, "name");
	c_idl = SPI_fnumber(desc, "idl");
	c_fmt = SPI_fnumber(desc, "idl_format");
	if (c_pid <= 0 || c_name <= 0 || c_idl <= 0 || c_fmt <= 0)
		elog(ERROR, "solana.programs lacks a column the decoder needs");

	d = heap_getattr(tup, c_idl, desc, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("idl must not be null")));
	idl = DatumGetJsonbP(d);
	d = heap_getattr(tup, c_pid, desc, &isnull);
	if (!isnull)
		pid = (const uint8 *) DatumGetPointer(d);
	text = JsonbToCString(NULL, &idl->root, VARSIZE(idl));
	rc = ps_idl_compile(text, strlen(text), pid, &plan, err, sizeof(err));
	if (rc != PS_OK)
		ereport(ERROR,
				(errcode(solana_sqlstate(rc)),
				 errmsg("invalid IDL: %s", err),
				 rc == PS_ERR_UNSUPPORTED
				 ? errdetail("The decoder does not implement this IDL feature.") : 0));
	key = palloc(32);
	memcpy(key, ps_idl_program_id(plan), 32);
	cols[0] = c_pid;
	vals[0] = PointerGetDatum(key);
	cols[1] = c_name;
	vals[1] = CStringGetTextDatum(ps_idl_name(plan));
	cols[2] = c_fmt;
	vals[2] = CStringGetTextDatum(ps_idl_format(plan) == PS_IDL_FORMAT_LEGACY
								  ? "legacy" : "anchor");
	ps_idl_free(plan);
	return PointerGetDatum(heap_modify_tuple_by_cols(tup, desc, 3, cols, vals, nulls));
}

/*
 * solana._programs_changed is the statement trigger on solana.programs:
 * it queues a relcache invalidation of the table, which every backend's
 * plan cache listens for.
 */
PG_FUNCTION_INFO_V1(solana_programs_changed);
Datum
solana_programs_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "solana._programs_changed must be called as a trigger");
	CacheInvalidateRelcache(td->tg_relation);
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------------
 * decode_logs
 * ---------------------------------------------------------------------
 */
typedef struct logs_ctx
{
	Tuplestorestate *ts;
	TupleDesc	desc;
} logs_ctx;

#define LOGS_COLS 10

static int
logs_row(void *arg, const ps_logs_data_t *d)
{
	logs_ctx   *ctx = arg;
	Datum		v[LOGS_COLS];
	bool		n[LOGS_COLS];
	const char *derr = NULL;
	char	   *derr_buf = NULL;
	bytea	   *raw = NULL;

	memset(n, true, sizeof(n));
	v[0] = Int32GetDatum((int32) d->log_index);
	n[0] = false;
	v[6] = BoolGetDatum(d->truncated);
	n[6] = false;
	if (d->attributed)
	{
		uint8	   *key = palloc(32);

		memcpy(key, d->program_id, 32);
		v[1] = PointerGetDatum(key);
		n[1] = false;
		v[2] = Int32GetDatum(d->depth);
		n[2] = false;
		v[7] = Int32GetDatum(d->top_level_index);
		n[7] = false;
		if (d->cpi_index >= 0)
		{
			v[8] = Int32GetDatum(d->cpi_index);
			n[8] = false;
		}
	}
	if (d->part_cnt == 0)
	{
		raw = palloc(VARHDRSZ);
		SET_VARSIZE(raw, VARHDRSZ);
		derr = "empty";
	}
	else if (d->part_cnt > 1)
		derr = "multiple_parts";
	else
	{
		size_t		rlen = 0;

		raw = palloc(VARHDRSZ + d->payload_len / 4 * 3 + 3);
		if (ps_base64_decode(d->payload, d->payload_len, (uint8 *) VARDATA(raw), &rlen) != PS_OK)
		{
			pfree(raw);
			raw = NULL;
			derr = "invalid_base64";
		}
		else
			SET_VARSIZE(raw, VARHDRSZ + rlen);
	}
	if (raw)
	{
		v[5] = PointerGetDatum(raw);
		n[5] = false;
	}
	if (raw && d->attributed && d->part_cnt == 1)
	{
		const ps_idl_plan_t *plan = solana_idl_plan(d->program_id);

		if (plan)
		{
			Jsonb	   *js;
			char	   *name;
			ps_idl_error_t err;
			int			rc = decode_with(plan, dec_event, (const uint8 *) VARDATA(raw),
										 VARSIZE(raw) - VARHDRSZ, NULL, &js, &name, &err);

			if (rc == PS_OK)
			{
				v[3] = CStringGetTextDatum(name);
				n[3] = false;
				v[4] = JsonbPGetDatum(js);
				n[4] = false;
			}
			else if (rc == PS_ERR_UNKNOWN_DISC)
				derr = "unknown_discriminator";
			else
			{
				char		where[400];

				ps_idl_error_text(&err, where, sizeof(where));
				derr_buf = psprintf("malformed: %s", where);
			}
		}
		else
			derr = NULL;
	}
	else if (!d->attributed && raw && d->part_cnt == 1)
		derr = NULL;
	if (derr_buf)
	{
		v[9] = CStringGetTextDatum(derr_buf);
		n[9] = false;
	}
	else if (derr)
	{
		v[9] = CStringGetTextDatum(derr);
		n[9] = false;
	}
	tuplestore_putvalues(ctx->ts, ctx->desc, v, n);
	return 0;
}

/*
 * solana.decode_logs attributes and decodes the "Program data:" lines of
 * one transaction's log messages (meta.logMessages).
 */
PG_FUNCTION_INFO_V1(solana_decode_logs);
Datum
solana_decode_logs(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	const char **lines;
	size_t	   *lens;
	logs_ctx	ctx;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logs must be a one-dimensional text array")));
	InitMaterializedSRF(fcinfo, 0);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	lines = palloc0(sizeof(char *) * (n + 1));
	lens = palloc0(sizeof(size_t) * (n + 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			continue;
		lines[i] = VARDATA_ANY(DatumGetPointer(elems[i]));
		lens[i] = VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i]));
	}
	ctx.ts = rsinfo->setResult;
	ctx.desc = rsinfo->setDesc;
	ps_logs_attribute(lines, lens, (size_t) n, logs_row, &ctx);
	return (Datum) 0;
}
