/*
 * txn.c
 *	  Transactions from SQL: solana.instruction values to core form,
 *	  compile_message, transaction_size, decode_transaction, keypairs
 *	  (solana.keypairs and the solana.keypair_path file) and
 *	  sign_message, over the core's ps_txn.
 *
 * A *signer name* is a row of solana.keypairs, or 'default' for the
 * file at solana.keypair_path.  Secrets are copied into one palloc'd
 * block whose memory context reset callback zeroes it, and the SPI
 * copies they came from are zeroed before SPI_finish.
 */
#include "pg_solana.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <sodium.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "ps_base58.h"
#include "ps_buf.h"
#include "ps_error.h"
#include "ps_txn.h"

static void *
palloc_realloc(void *ctx, void *ptr, size_t sz)
{
	if (sz == 0)
	{
		if (ptr)
			pfree(ptr);
		return NULL;
	}
	return ptr ? repalloc_extended(ptr, sz, MCXT_ALLOC_NO_OOM)
		: palloc_extended(sz, MCXT_ALLOC_NO_OOM);
}

/* a composite value's attribute, raising 22004 when null */
static Datum
attr(HeapTupleHeader t, int n, const char *what, int pos)
{
	bool		isnull;
	Datum		d = GetAttributeByNum(t, n, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s of instruction %d is null", what, pos)));
	return d;
}

static Datum *
array_elems(ArrayType *arr, int *n, const char *what)
{
	int16		typlen;
	bool		byval;
	char		align;
	Datum	   *elems;
	bool	   *nulls;
	int			i;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", what)));
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &byval, &align);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, byval, align,
					  &elems, &nulls, n);
	for (i = 0; i < *n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s %d is null", what, i + 1)));
	return elems;
}

/* solana.instruction[] to core instructions, palloc'd */
static ps_txn_ix_t *
instructions_from_array(ArrayType *arr, size_t *cnt)
{
	int			n;
	Datum	   *elems = array_elems(arr, &n, "instruction");
	ps_txn_ix_t *ixs = palloc0(sizeof(ps_txn_ix_t) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		HeapTupleHeader t = DatumGetHeapTupleHeader(elems[i]);
		ArrayType  *accs = DatumGetArrayTypeP(attr(t, 2, "accounts", i + 1));
		bytea	   *data = DatumGetByteaPP(attr(t, 3, "data", i + 1));
		int			na;
		Datum	   *ae;
		ps_txn_meta_t *m;
		int			a;

		memcpy(ixs[i].program_id,
			   DatumGetPointer(attr(t, 1, "program_id", i + 1)), 32);
		ae = array_elems(accs, &na, "account");
		m = palloc0(sizeof(ps_txn_meta_t) * Max(na, 1));
		for (a = 0; a < na; a++)
		{
			HeapTupleHeader at = DatumGetHeapTupleHeader(ae[a]);
			bool		isnull;
			Datum		d;

			d = GetAttributeByNum(at, 1, &isnull);
			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("pubkey of account %d of instruction %d is null",
								a + 1, i + 1)));
			memcpy(m[a].pubkey, DatumGetPointer(d), 32);
			d = GetAttributeByNum(at, 2, &isnull);
			m[a].is_signer = !isnull && DatumGetBool(d);
			d = GetAttributeByNum(at, 3, &isnull);
			m[a].is_writable = !isnull && DatumGetBool(d);
		}
		ixs[i].accounts = m;
		ixs[i].accounts_cnt = na;
		ixs[i].data = (const uint8 *) VARDATA_ANY(data);
		ixs[i].data_sz = VARSIZE_ANY_EXHDR(data);
	}
	*cnt = n;
	return ixs;
}

static void
key_from_text(const char *s, uint8 out[32], const char *what)
{
	int			rc = ps_base58_decode_32(s, out);

	if (rc != PS_OK)
		ereport(ERROR,
				(errcode(rc == PS_ERR_LENGTH ? ERRCODE_STRING_DATA_LENGTH_MISMATCH
						 : ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid %s: \"%s\"", what, s),
				 errdetail("A %s is the base58 text of 32 bytes.", what)));
}

/* a jsonb string as a nul-terminated C string, or NULL */
static char *
jsonb_cstring(JsonbValue *v)
{
	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* lookup_tables jsonb ([{"address", "addresses": [..]}]) to core tables */
static ps_txn_alt_t *
tables_from_jsonb(Jsonb *jb, size_t *cnt)
{
	ps_txn_alt_t *alts;
	uint32		n;
	uint32		i;

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lookup_tables must be a JSON array"),
				 errhint("Pass [{\"address\": \"<table>\", \"addresses\": [\"<key>\", ...]}, ...].")));
	n = JB_ROOT_COUNT(jb);
	alts = palloc0(sizeof(ps_txn_alt_t) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		JsonbValue *t = getIthJsonbValueFromContainer(&jb->root, i);
		JsonbValue *addr = NULL;
		JsonbValue *list = NULL;
		char	   *s;
		uint8		(*keys)[32];
		uint32		m;
		uint32		j;

		if (t && t->type == jbvBinary && JsonContainerIsObject(t->val.binary.data))
		{
			addr = getKeyJsonValueFromContainer(t->val.binary.data, "address", 7, NULL);
			list = getKeyJsonValueFromContainer(t->val.binary.data, "addresses", 9, NULL);
		}
		if ((s = jsonb_cstring(addr)) == NULL || list == NULL ||
			list->type != jbvBinary || !JsonContainerIsArray(list->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("lookup table %u needs \"address\" and \"addresses\"", i + 1),
					 errdetail("A lookup table is {\"address\": \"<base58>\", \"addresses\": [\"<base58>\", ...]}.")));
		key_from_text(s, alts[i].address, "lookup table address");
		m = JsonContainerSize(list->val.binary.data);
		keys = palloc(32 * Max(m, 1));
		for (j = 0; j < m; j++)
		{
			s = jsonb_cstring(getIthJsonbValueFromContainer(list->val.binary.data, j));
			if (s == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("address %u of lookup table %u is not a string", j + 1, i + 1)));
			key_from_text(s, keys[j], "lookup table entry");
		}
		alts[i].addresses = (const uint8 (*)[32]) keys;
		alts[i].addresses_cnt = m;
	}
	*cnt = n;
	return alts;
}

static int
version_from_text(text *t)
{
	char	   *v = text_to_cstring(t);

	if (strcmp(v, "legacy") == 0)
		return PS_TXN_LEGACY;
	if (strcmp(v, "0") == 0 || strcmp(v, "v0") == 0)
		return PS_TXN_V0;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unsupported message version: \"%s\"", v),
			 errhint("Valid versions are \"legacy\" and \"0\".")));
	return 0;
}

/*
 * compile builds the message for compile_message and transaction_size;
 * with `for_size` a message too large is not an error.
 */
static bytea *
compile(FunctionCallInfo fcinfo, const uint8 *blockhash, int tables_arg,
		int version_arg, bool for_size, size_t *wire_sz)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	const uint8 *payer = (const uint8 *) PG_GETARG_POINTER(1);
	int			version = version_from_text(PG_GETARG_TEXT_PP(version_arg));
	ps_txn_ix_t *ixs;
	size_t		ixs_cnt;
	ps_txn_alt_t *alts = NULL;
	size_t		alts_cnt = 0;
	ps_buf_t	out;
	bytea	   *res;
	int			rc;

	ixs = instructions_from_array(arr, &ixs_cnt);
	if (!PG_ARGISNULL(tables_arg))
	{
		alts = tables_from_jsonb(PG_GETARG_JSONB_P(tables_arg), &alts_cnt);
		if (alts_cnt > 0 && version == PS_TXN_LEGACY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("lookup tables need a version 0 message"),
					 errhint("Pass version => '0'.")));
	}
	ps_buf_init(&out, palloc_realloc, NULL);
	ps_buf_reserve(&out, VARHDRSZ + 256);
	ps_buf_append(&out, "\0\0\0\0", VARHDRSZ);
	rc = ps_txn_compile(version, payer, blockhash, ixs, ixs_cnt, alts, alts_cnt,
						&out, wire_sz);
	if (rc == PS_ERR_TOO_LARGE && *wire_sz == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("transaction needs more than %d account keys", PS_TXN_MAX_KEYS),
				 errdetail("A message addresses at most 256 accounts, and an instruction at most 65535 accounts or data bytes.")));
	if (rc == PS_ERR_TOO_LARGE && !for_size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("transaction too large: %zu > %d bytes", *wire_sz, PS_TXN_PACKET_SZ),
				 errdetail("The signed transaction would be %zu bytes; the limit is %d.",
						   *wire_sz, PS_TXN_PACKET_SZ),
				 errhint("Split the instructions over several transactions (solana.submit_instructions does) or use lookup tables with a version 0 message.")));
	if (rc == PS_ERR_ARG)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("account found past index 255 of a lookup table"),
				 errdetail("Lookup table indexes are one byte.")));
	if (rc != PS_OK && rc != PS_ERR_TOO_LARGE)
		solana_raise_core(rc, "could not compile message", NULL);
	res = (bytea *) out.data;
	SET_VARSIZE(res, out.len);
	return res;
}

PG_FUNCTION_INFO_V1(solana_compile_message);
Datum
solana_compile_message(PG_FUNCTION_ARGS)
{
	uint8		bh[32];
	size_t		wire_sz = 0;

	key_from_text(text_to_cstring(PG_GETARG_TEXT_PP(2)), bh, "recent blockhash");
	PG_RETURN_BYTEA_P(compile(fcinfo, bh, 3, 4, false, &wire_sz));
}

PG_FUNCTION_INFO_V1(solana_transaction_size);
Datum
solana_transaction_size(PG_FUNCTION_ARGS)
{
	uint8		bh[32] = {0};
	size_t		wire_sz = 0;

	(void) compile(fcinfo, bh, 2, 3, true, &wire_sz);
	PG_RETURN_INT32((int32) wire_sz);
}

static void
raise_decode(int rc, const char *what)
{
	if (rc == PS_ERR_TOO_LARGE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s is larger than %d bytes", what, PS_TXN_PACKET_SZ)));
	if (rc == PS_ERR_UNSUPPORTED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unsupported message version in %s", what),
				 errdetail("Legacy and version 0 messages are supported.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid %s: %s", what, ps_strerror(rc))));
}

static Datum
decode(FunctionCallInfo fcinfo, bool is_message)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	ps_buf_t	out;
	int			rc;

	ps_buf_init(&out, palloc_realloc, NULL);
	rc = ps_txn_decode_json((const uint8 *) VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in),
							is_message, &out);
	if (rc != PS_OK)
		raise_decode(rc, is_message ? "message" : "wire transaction");
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data));
}

PG_FUNCTION_INFO_V1(solana_decode_transaction);
Datum
solana_decode_transaction(PG_FUNCTION_ARGS)
{
	return decode(fcinfo, false);
}

PG_FUNCTION_INFO_V1(solana_decode_message);
Datum
solana_decode_message(PG_FUNCTION_ARGS)
{
	return decode(fcinfo, true);
}

PG_FUNCTION_INFO_V1(solana_verify_transaction);
Datum
solana_verify_transaction(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	int			rc = ps_txn_verify((const uint8 *) VARDATA_ANY(in),
								   VARSIZE_ANY_EXHDR(in), NULL);

	if (rc == PS_ERR_SIGNATURE)
		PG_RETURN_BOOL(false);
	if (rc != PS_OK)
		raise_decode(rc, "wire transaction");
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(solana_le_bytes);
Datum
solana_le_bytes(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);
	int32		n = PG_GETARG_INT32(1);
	bytea	   *out;
	int			i;

	if (n != 1 && n != 2 && n != 4 && n != 8)
		elog(ERROR, "_le_bytes: size %d", n);
	if (v < 0 || (n < 8 && (uint64) v >> (8 * n) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value %lld does not fit in an unsigned %d-bit integer",
						(long long) v, 8 * n)));
	out = palloc(VARHDRSZ + n);
	SET_VARSIZE(out, VARHDRSZ + n);
	for (i = 0; i < n; i++)
		((uint8 *) VARDATA(out))[i] = (uint8) ((uint64) v >> (8 * i));
	PG_RETURN_BYTEA_P(out);
}

/* ---------------------------------------------------------------------
 * Keypairs and signing
 * ---------------------------------------------------------------------
 */

static void
wipe_callback(void *arg)
{
	void	  **p = arg;

	sodium_memzero(p[0], (size_t) (uintptr_t) p[1]);
}

/* a zeroed-on-reset block of `sz` bytes in the current context */
static uint8 *
secret_alloc(size_t sz)
{
	uint8	   *p = palloc0(sz);
	MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));
	void	  **arg = palloc(2 * sizeof(void *));

	arg[0] = p;
	arg[1] = (void *) (uintptr_t) sz;
	cb->func = wipe_callback;
	cb->arg = arg;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	return p;
}

/*
 * load_keypair_file reads solana.keypair_path into `secret`, refusing a
 * file that group or others may read.
 */
static void
load_keypair_file(uint8 secret[PS_TXN_SECRET_SZ])
{
	const char *path = solana_keypair_path;
	struct stat st;
	int			fd;
	char		text[4096];
	ssize_t		n;
	int			rc;

	if (path == NULL || path[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("solana.keypair_path is not set"),
				 errhint("Set solana.keypair_path to a Solana CLI keypair file, or name a keypair of solana.keypairs.")));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open keypair file \"%s\": %m", path)));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keypair file \"%s\" is not a regular file", path)));
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
	{
		close(fd);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("keypair file \"%s\" has group or world access", path),
				 errdetail("File mode is %04o; a keypair file must not be accessible by group or others.",
						   (unsigned) (st.st_mode & 07777)),
				 errhint("Run chmod 600 on the file.")));
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0 || n == (ssize_t) sizeof(text))
	{
		sodium_memzero(text, sizeof(text));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not read keypair file \"%s\"", path)));
	}
	rc = ps_txn_keypair_parse(text, n, secret);
	sodium_memzero(text, sizeof(text));
	if (rc != PS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid keypair file \"%s\"", path),
				 errdetail(rc == PS_ERR_ARG ? "Its public key does not belong to its secret key."
						   : "A keypair file is a JSON array of 64 integers from 0 to 255.")));
}

/*
 * secrets_for loads the secret of every named signer into one wiped
 * block and returns it; `*cnt` gets the count.  Runs as the function
 * owner (SECURITY DEFINER), so it may read solana.keypairs.secret.
 */
static uint8 *
secrets_for(ArrayType *names, int *cnt)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	uint8	   *secrets;
	int			i;
	bool		spi = false;

	if (ARR_NDIM(names) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("signers must be a one-dimensional array")));
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no signers given")));
	secrets = secret_alloc((size_t) n * PS_TXN_SECRET_SZ);
	for (i = 0; i < n; i++)
	{
		char	   *name;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("signer %d is null", i + 1)));
		name = TextDatumGetCString(elems[i]);
		if (strcmp(name, "default") == 0)
		{
			load_keypair_file(secrets + (size_t) i * PS_TXN_SECRET_SZ);
			continue;
		}
		if (!spi)
		{
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			spi = true;
		}
		{
			Oid			argtypes[1] = {TEXTOID};
			Datum		args[1] = {elems[i]};
			bool		isnull;
			Datum		d;
			bytea	   *b;

			if (SPI_execute_with_args("SELECT secret FROM solana.keypairs WHERE name = $1",
									  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
				elog(ERROR, "reading solana.keypairs failed");
			if (SPI_processed != 1)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("keypair \"%s\" does not exist", name),
						 errhint("Register it in solana.keypairs (solana.import_keypair), or use 'default' for solana.keypair_path.")));
			d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			b = DatumGetByteaP(d);	/* a copy when it was compressed or toasted */
			if (isnull || VARSIZE(b) - VARHDRSZ != PS_TXN_SECRET_SZ)
				elog(ERROR, "keypair \"%s\" has a malformed secret", name);
			memcpy(secrets + (size_t) i * PS_TXN_SECRET_SZ, VARDATA(b), PS_TXN_SECRET_SZ);
			sodium_memzero(VARDATA(b), PS_TXN_SECRET_SZ);
			if ((Pointer) b != DatumGetPointer(d))
				sodium_memzero(VARDATA_ANY(DatumGetPointer(d)),
							   VARSIZE_ANY_EXHDR(DatumGetPointer(d)));
			SPI_freetuptable(SPI_tuptable);
		}
	}
	if (spi)
		SPI_finish();
	*cnt = n;
	return secrets;
}

PG_FUNCTION_INFO_V1(solana_sign_message);
Datum
solana_sign_message(PG_FUNCTION_ARGS)
{
	bytea	   *msg = PG_GETARG_BYTEA_PP(0);
	ArrayType  *names = PG_GETARG_ARRAYTYPE_P(1);
	int			cnt;
	uint8	   *secrets = secrets_for(names, &cnt);
	ps_buf_t	out;
	int			missing = -1;
	int			rc;
	bytea	   *res;

	ps_buf_init(&out, palloc_realloc, NULL);
	ps_buf_append(&out, "\0\0\0\0", VARHDRSZ);
	rc = ps_txn_sign((const uint8 *) VARDATA_ANY(msg), VARSIZE_ANY_EXHDR(msg),
					 secrets, cnt, &out, &missing);
	sodium_memzero(secrets, (size_t) cnt * PS_TXN_SECRET_SZ);
	if (rc == PS_ERR_ARG)
	{
		ps_txn_info_t info;
		char		key[PS_BASE58_PUBKEY_MAX_LEN + 1];

		ps_txn_message_info((const uint8 *) VARDATA_ANY(msg), VARSIZE_ANY_EXHDR(msg), &info);
		ps_base58_encode_32(info.keys + (size_t) missing * 32, key);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no signer given for required signer %s", key),
				 errdetail("The message needs a signature from account key %d.", missing)));
	}
	if (rc != PS_OK)
		raise_decode(rc, "message");
	res = (bytea *) out.data;
	SET_VARSIZE(res, out.len);
	PG_RETURN_BYTEA_P(res);
}

PG_FUNCTION_INFO_V1(solana_keypair_pubkey);
Datum
solana_keypair_pubkey(PG_FUNCTION_ARGS)
{
	Datum		name = PG_GETARG_DATUM(0);
	ArrayType  *names = construct_array(&name, 1, TEXTOID, -1, false, TYPALIGN_INT);
	int			cnt;
	uint8	   *secrets = secrets_for(names, &cnt);
	uint8	   *pk = palloc(32);

	memcpy(pk, secrets + 32, 32);
	sodium_memzero(secrets, PS_TXN_SECRET_SZ);
	PG_RETURN_POINTER(pk);
}

/*
 * solana._keypair_secret turns keypair file text, or NULL for a fresh
 * random key, into the 64-byte secret stored in solana.keypairs.
 */
PG_FUNCTION_INFO_V1(solana_keypair_secret);
Datum
solana_keypair_secret(PG_FUNCTION_ARGS)
{
	bytea	   *out = palloc(VARHDRSZ + PS_TXN_SECRET_SZ);

	SET_VARSIZE(out, VARHDRSZ + PS_TXN_SECRET_SZ);
	if (PG_ARGISNULL(0))
	{
		uint8		pk[32];

		crypto_sign_keypair(pk, (uint8 *) VARDATA(out));
	}
	else
	{
		text	   *t = PG_GETARG_TEXT_PP(0);
		int			rc = ps_txn_keypair_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
											  (uint8 *) VARDATA(out));

		if (rc != PS_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid keypair text"),
					 errdetail(rc == PS_ERR_ARG ? "Its public key does not belong to its secret key."
							   : "A keypair is a JSON array of 64 integers from 0 to 255, as the Solana CLI writes it.")));
	}
	PG_RETURN_BYTEA_P(out);
}
