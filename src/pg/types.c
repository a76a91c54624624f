/*
 * types.c
 *	  solana.pubkey (32 bytes) and solana.signature (64 bytes): fixed
 *	  length, pass by reference, stored binary, printed in base58.
 *
 * Both types share one implementation, parameterised by their size and
 * name; SOLANA_FIXED_TYPE below stamps out the fmgr entry points.  Order
 * is bytewise (memcmp), which is what unique indexes and merge joins
 * need; it is not the order of the base58 text.
 */
#include "pg_solana.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "ps_base58.h"
#include "ps_error.h"

typedef struct fixed_type
{
	const char *name;
	int			size;
} fixed_type;

static const fixed_type pubkey_type = {"pubkey", SOLANA_PUBKEY_SZ};
static const fixed_type signature_type = {"signature", SOLANA_SIGNATURE_SZ};

char *
solana_pubkey_text(const uint8 *key, char *out)
{
	ps_base58_encode_32(key, out);
	return out;
}

/* parse base58 text of a fixed type, raising 22P02 on any problem */
static uint8 *
fixed_from_text(const fixed_type *t, const char *str, size_t len)
{
	uint8	   *out = palloc(t->size);
	size_t		bad = 0;
	size_t		got = 0;
	int			rc;

	rc = ps_base58_decode_fixed(str, len, out, t->size, &bad, &got);
	if (rc == PS_ERR_BASE58_CHAR)
	{
		unsigned char ch = (unsigned char) str[bad];

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%.*s\"",
						t->name, (int) Min(len, 200), str),
				 (ch >= 0x20 && ch < 0x7f) ?
				 errdetail("Character \"%c\" at offset %zu is not base58.", ch, bad) :
				 errdetail("Byte 0x%02x at offset %zu is not base58.", ch, bad)));
	}
	if (rc == PS_ERR_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%.*s\"",
						t->name, (int) Min(len, 200), str),
				 errdetail("The text decodes to %zu bytes; a %s is %d bytes.",
						   got, t->name, t->size)));
	if (rc != PS_OK)
		solana_raise_core(rc, "could not decode base58", NULL);
	return out;
}

static char *
fixed_to_text(const fixed_type *t, const uint8 *v)
{
	size_t		cap = PS_BASE58_ENCODED_MAX(t->size) + 1;
	char	   *out = palloc(cap);
	size_t		len;

	if (ps_base58_encode(v, t->size, out, cap, &len) != PS_OK)
		elog(ERROR, "base58 buffer too small for %s", t->name);
	return out;
}

static uint8 *
fixed_recv(const fixed_type *t, StringInfo buf)
{
	uint8	   *out;

	if (buf->len - buf->cursor != t->size)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary %s: %d bytes", t->name,
						buf->len - buf->cursor),
				 errdetail("A %s is exactly %d bytes.", t->name, t->size)));
	out = palloc(t->size);
	pq_copymsgbytes(buf, (char *) out, t->size);
	return out;
}

static bytea *
fixed_send(const fixed_type *t, const uint8 *v)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) v, t->size);
	return pq_endtypsend(&buf);
}

static uint8 *
fixed_from_bytea(const fixed_type *t, bytea *b)
{
	uint8	   *out;

	if (VARSIZE_ANY_EXHDR(b) != (Size) t->size)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_LENGTH_MISMATCH),
				 errmsg("bytea of %zu bytes cannot be a %s",
						(size_t) VARSIZE_ANY_EXHDR(b), t->name),
				 errdetail("A %s is exactly %d bytes.", t->name, t->size)));
	out = palloc(t->size);
	memcpy(out, VARDATA_ANY(b), t->size);
	return out;
}

static bytea *
fixed_to_bytea(const fixed_type *t, const uint8 *v)
{
	bytea	   *b = palloc(VARHDRSZ + t->size);

	SET_VARSIZE(b, VARHDRSZ + t->size);
	memcpy(VARDATA(b), v, t->size);
	return b;
}

#define SOLANA_FIXED_TYPE(NAME, T)											\
PG_FUNCTION_INFO_V1(solana_##NAME##_in);									\
Datum solana_##NAME##_in(PG_FUNCTION_ARGS)									\
{																			\
	char	   *s = PG_GETARG_CSTRING(0);									\
	PG_RETURN_POINTER(fixed_from_text(&T, s, strlen(s)));					\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_out);									\
Datum solana_##NAME##_out(PG_FUNCTION_ARGS)									\
{																			\
	PG_RETURN_CSTRING(fixed_to_text(&T, (uint8 *) PG_GETARG_POINTER(0)));	\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_recv);									\
Datum solana_##NAME##_recv(PG_FUNCTION_ARGS)								\
{																			\
	PG_RETURN_POINTER(fixed_recv(&T, (StringInfo) PG_GETARG_POINTER(0)));	\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_send);									\
Datum solana_##NAME##_send(PG_FUNCTION_ARGS)								\
{																			\
	PG_RETURN_BYTEA_P(fixed_send(&T, (uint8 *) PG_GETARG_POINTER(0)));		\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_from_text);								\
Datum solana_##NAME##_from_text(PG_FUNCTION_ARGS)							\
{																			\
	text	   *t = PG_GETARG_TEXT_PP(0);									\
	PG_RETURN_POINTER(fixed_from_text(&T, VARDATA_ANY(t),					\
									  VARSIZE_ANY_EXHDR(t)));				\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_from_bytea);							\
Datum solana_##NAME##_from_bytea(PG_FUNCTION_ARGS)							\
{																			\
	PG_RETURN_POINTER(fixed_from_bytea(&T, PG_GETARG_BYTEA_PP(0)));			\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_to_bytea);								\
Datum solana_##NAME##_to_bytea(PG_FUNCTION_ARGS)							\
{																			\
	PG_RETURN_BYTEA_P(fixed_to_bytea(&T, (uint8 *) PG_GETARG_POINTER(0)));	\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_cmp);									\
Datum solana_##NAME##_cmp(PG_FUNCTION_ARGS)									\
{																			\
	int			c = memcmp(PG_GETARG_POINTER(0), PG_GETARG_POINTER(1),		\
						   T.size);											\
	PG_RETURN_INT32(c < 0 ? -1 : (c > 0 ? 1 : 0));							\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_eq);									\
Datum solana_##NAME##_eq(PG_FUNCTION_ARGS)									\
{																			\
	PG_RETURN_BOOL(memcmp(PG_GETARG_POINTER(0), PG_GETARG_POINTER(1),		\
						  T.size) == 0);									\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_ne);									\
Datum solana_##NAME##_ne(PG_FUNCTION_ARGS)									\
{																			\
	PG_RETURN_BOOL(memcmp(PG_GETARG_POINTER(0), PG_GETARG_POINTER(1),		\
						  T.size) != 0);									\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_lt);									\
Datum solana_##NAME##_lt(PG_FUNCTION_ARGS)									\
{																			\
	PG_RETURN_BOOL(memcmp(PG_GETARG_POINTER(0), PG_GETARG_POINTER(1),		\
						  T.size) < 0);										\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_le);									\
Datum solana_##NAME##_le(PG_FUNCTION_ARGS)									\
{																			\
	PG_RETURN_BOOL(memcmp(PG_GETARG_POINTER(0), PG_GETARG_POINTER(1),		\
						  T.size) <= 0);									\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_gt);									\
Datum solana_##NAME##_gt(PG_FUNCTION_ARGS)									\
{																			\
	PG_RETURN_BOOL(memcmp(PG_GETARG_POINTER(0), PG_GETARG_POINTER(1),		\
						  T.size) > 0);										\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_ge);									\
Datum solana_##NAME##_ge(PG_FUNCTION_ARGS)									\
{																			\
	PG_RETURN_BOOL(memcmp(PG_GETARG_POINTER(0), PG_GETARG_POINTER(1),		\
						  T.size) >= 0);									\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_hash);									\
Datum solana_##NAME##_hash(PG_FUNCTION_ARGS)								\
{																			\
	return hash_any((unsigned char *) PG_GETARG_POINTER(0), T.size);		\
}																			\
PG_FUNCTION_INFO_V1(solana_##NAME##_hash_extended);							\
Datum solana_##NAME##_hash_extended(PG_FUNCTION_ARGS)						\
{																			\
	return hash_any_extended((unsigned char *) PG_GETARG_POINTER(0),		\
							 T.size, PG_GETARG_INT64(1));					\
}

SOLANA_FIXED_TYPE(pubkey, pubkey_type)
SOLANA_FIXED_TYPE(signature, signature_type)
