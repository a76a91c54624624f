/*
 * keys.c
 *	  base58 of any length, program derived addresses, associated token
 *	  accounts and the curve check, over the core's ps_base58 and ps_pda.
 */
#include "pg_solana.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ps_base58.h"
#include "ps_ed25519.h"
#include "ps_error.h"
#include "ps_pda.h"

int
solana_bytea_array_items(ArrayType *arr, const char *what,
						 const uint8 ***ptrs, size_t **lens)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	deconstruct_array(arr, BYTEAOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	*ptrs = palloc(sizeof(uint8 *) * Max(n, 1));
	*lens = palloc(sizeof(size_t) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bytea	   *b;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s %d is null", what, i + 1)));
		b = DatumGetByteaPP(elems[i]);
		(*ptrs)[i] = (const uint8 *) VARDATA_ANY(b);
		(*lens)[i] = VARSIZE_ANY_EXHDR(b);
	}
	return n;
}

PG_FUNCTION_INFO_V1(solana_base58_encode);
Datum
solana_base58_encode(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	size_t		n = VARSIZE_ANY_EXHDR(in);
	size_t		cap = PS_BASE58_ENCODED_MAX(n) + 1;
	char	   *out = palloc(cap);
	size_t		len = 0;
	int			rc;

	rc = ps_base58_encode((const uint8 *) VARDATA_ANY(in), n, out, cap, &len);
	if (rc != PS_OK)
		solana_raise_core(rc, "could not encode base58", NULL);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, len));
}

PG_FUNCTION_INFO_V1(solana_base58_decode);
Datum
solana_base58_decode(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(in);
	size_t		n = VARSIZE_ANY_EXHDR(in);
	size_t		cap = PS_BASE58_DECODED_MAX(n);
	bytea	   *out = palloc(VARHDRSZ + cap);
	size_t		len = 0;
	size_t		bad = 0;
	int			rc;

	rc = ps_base58_decode(s, n, (uint8 *) VARDATA(out), cap, &len, &bad);
	if (rc == PS_ERR_BASE58_CHAR)
	{
		unsigned char ch = (unsigned char) s[bad];

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid base58 text: \"%.*s\"", (int) Min(n, 200), s),
				 (ch >= 0x20 && ch < 0x7f) ?
				 errdetail("Character \"%c\" at offset %zu is not base58.", ch, bad) :
				 errdetail("Byte 0x%02x at offset %zu is not base58.", ch, bad)));
	}
	if (rc != PS_OK)
		solana_raise_core(rc, "could not decode base58", NULL);
	SET_VARSIZE(out, VARHDRSZ + len);
	PG_RETURN_BYTEA_P(out);
}

/* seeds from a bytea[] with the runtime's limits, as 22023 errors */
static int
seeds_from_array(ArrayType *arr, int max_cnt, const char *fn, ps_seed_t **seeds)
{
	const uint8 **ptrs;
	size_t	   *lens;
	int			n = solana_bytea_array_items(arr, "seed", &ptrs, &lens);
	int			i;

	if (n > max_cnt)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("too many seeds for %s: %d", fn, n),
				 errdetail("%s takes at most %d seeds%s.", fn, max_cnt,
						   max_cnt < PS_PDA_MAX_SEEDS ?
						   "; the bump seed it appends makes 16" : "")));
	*seeds = palloc(sizeof(ps_seed_t) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (lens[i] > PS_PDA_MAX_SEED_SZ)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("seed %d is %zu bytes long", i + 1, lens[i]),
					 errdetail("A seed is at most %d bytes.", PS_PDA_MAX_SEED_SZ)));
		(*seeds)[i].ptr = ptrs[i];
		(*seeds)[i].sz = lens[i];
	}
	return n;
}

static Datum
pubkey_datum(const uint8 *key)
{
	uint8	   *out = palloc(SOLANA_PUBKEY_SZ);

	memcpy(out, key, SOLANA_PUBKEY_SZ);
	return PointerGetDatum(out);
}

PG_FUNCTION_INFO_V1(solana_find_program_address);
Datum
solana_find_program_address(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	const uint8 *program_id = (const uint8 *) PG_GETARG_POINTER(1);
	ps_seed_t  *seeds;
	int			n;
	uint8		addr[SOLANA_PUBKEY_SZ];
	uint8		bump = 0;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			rc;

	tupdesc = solana_result_desc(fcinfo);
	n = seeds_from_array(arr, PS_PDA_MAX_SEEDS - 1, "find_program_address", &seeds);
	rc = ps_pda_find(seeds, n, program_id, addr, &bump);
	if (rc == PS_ERR_NO_BUMP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no bump seed gives an address off the curve"),
				 errdetail("All 256 bump seeds were tried.")));
	if (rc != PS_OK)
		solana_raise_core(rc, "could not derive program address", NULL);

	values[0] = pubkey_datum(addr);
	values[1] = Int32GetDatum(bump);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(solana_create_program_address);
Datum
solana_create_program_address(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	const uint8 *program_id = (const uint8 *) PG_GETARG_POINTER(1);
	ps_seed_t  *seeds;
	int			n;
	uint8		addr[SOLANA_PUBKEY_SZ];
	int			rc;

	n = seeds_from_array(arr, PS_PDA_MAX_SEEDS, "create_program_address", &seeds);
	rc = ps_pda_create(seeds, n, program_id, addr);
	if (rc == PS_ERR_ON_CURVE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seeds give an address on the ed25519 curve"),
				 errdetail("A program derived address must lie off the curve."),
				 errhint("Use solana.find_program_address to search for a bump seed.")));
	if (rc != PS_OK)
		solana_raise_core(rc, "could not derive program address", NULL);
	PG_RETURN_DATUM(pubkey_datum(addr));
}

PG_FUNCTION_INFO_V1(solana_associated_token_address);
Datum
solana_associated_token_address(PG_FUNCTION_ARGS)
{
	const uint8 *wallet = (const uint8 *) PG_GETARG_POINTER(0);
	const uint8 *mint = (const uint8 *) PG_GETARG_POINTER(1);
	const uint8 *token_program = (const uint8 *) PG_GETARG_POINTER(2);
	uint8		addr[SOLANA_PUBKEY_SZ];
	int			rc;

	rc = ps_pda_associated_token(wallet, mint, token_program, addr);
	if (rc != PS_OK)
		solana_raise_core(rc, "could not derive associated token address", NULL);
	PG_RETURN_DATUM(pubkey_datum(addr));
}

PG_FUNCTION_INFO_V1(solana_is_on_curve);
Datum
solana_is_on_curve(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ps_ed25519_is_on_curve((const uint8 *) PG_GETARG_POINTER(0)));
}
