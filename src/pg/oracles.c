/*
 * oracles.c
 *	  SQL readers of oracle accounts (solana.pyth_price,
 *	  solana.switchboard_price) and Solana off-chain messages
 *	  (solana.offchain_message, solana.offchain_verify), over the core's
 *	  ps_oracle and ps_offchain.
 *
 * Prices leave as exact numerics written directly from the integer
 * mantissa and the exponent (numeric_make); no value passes through
 * text or floating point.  Foreign or damaged account
 * data raises 22P03 naming the reason; a given owner that is not the
 * oracle's program raises 22P03 too.
 */
#include "pg_solana.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include <sodium.h>

#include "ps_base58.h"
#include "ps_error.h"
#include "ps_offchain.h"
#include "ps_oracle.h"

/*
 * Numerics are written directly in PostgreSQL's numeric varlena format
 * (the on-disk format, unchanged since 9.1 and kept by pg_upgrade):
 * base-10000 digits, most significant first, with the weight (power of
 * 10000) of the first digit, the sign and the display scale, in the
 * 2-byte "short" header when the display scale is at most 63 and the
 * weight within [-64, 63], else in the 4-byte long header.  Leading and
 * trailing zero digits are never stored and zero is positive with
 * weight 0, so the bytes are those numeric_in makes from the same value
 * and scale (sql/oracles.sql compares text and stored size on a grid).
 */
#define NUM_NBASE			10000
#define NUM_POS				0x0000
#define NUM_NEG				0x4000
#define NUM_SHORT			0x8000
#define NUM_SHORT_NEG		0x2000
#define NUM_SHORT_DSCALE_SHIFT 7
#define NUM_SHORT_DSCALE_MAX 63
#define NUM_SHORT_WEIGHT_NEG 0x0040
#define NUM_SHORT_WEIGHT_MASK 0x003F
#define NUM_DSCALE_MASK		0x3FFF
/* |mantissa| < 2^128 has at most 39 decimal digits, times 10^3: 11 */
#define NUM_MAX_DIGITS		12
/* bytes numeric_make may write, rounded up to keep buffers aligned */
#define NUM_BUF_SZ			MAXALIGN(VARHDRSZ + 4 + NUM_MAX_DIGITS * sizeof(int16))

/*
 * exact mantissa x 10^exponent at display scale max(-exponent, 0),
 * written to dst_opt (NUM_BUF_SZ bytes, 4-byte aligned) or palloc'd
 */
static Datum
numeric_make(char *dst_opt, __int128 m, int exponent)
{
	unsigned __int128 u = m < 0 ? -(unsigned __int128) m : (unsigned __int128) m;
	int16		d[NUM_MAX_DIGITS];	/* least significant first */
	int			k = 0,
				z = 0,
				r = ((exponent % 4) + 4) % 4,
				weight,
				dscale = exponent < 0 ? -exponent : 0;
	uint32		carry = 0,
				mul = r == 0 ? 1 : r == 1 ? 10 : r == 2 ? 100 : 1000;
	uint16	   *out;
	char	   *res;
	size_t		hdr,
				sz;
	bool		neg;

	/* times 10^r, so that the point falls between base-10000 digits */
	if (u <= PG_UINT64_MAX / 1000)
	{
		/* the usual case: 64-bit arithmetic, 8 decimal digits at a time */
		uint64		v = (uint64) u * mul;

		while (v != 0)
		{
			uint32		lo = (uint32) (v % 100000000);

			v /= 100000000;
			d[k++] = (int16) (lo % NUM_NBASE);
			d[k++] = (int16) (lo / NUM_NBASE);
		}
		while (k > 0 && d[k - 1] == 0)
			k--;
	}
	else
	{
		for (; u != 0; u /= NUM_NBASE)
			d[k++] = (int16) (u % NUM_NBASE);
		for (int i = 0; i < k; i++)
		{
			uint32		x = (uint32) d[i] * mul + carry;

			d[i] = (int16) (x % NUM_NBASE);
			carry = x / NUM_NBASE;
		}
		if (carry != 0)
			d[k++] = (int16) carry;
	}
	while (z < k && d[z] == 0)
		z++;
	/* d[0] has weight (exponent - r) / 4 */
	weight = k == 0 ? 0 : (exponent - r) / 4 + k - 1;
	neg = m < 0 && k > 0;
	hdr = (dscale <= NUM_SHORT_DSCALE_MAX && weight <= 63 && weight >= -64) ? 2 : 4;
	sz = VARHDRSZ + hdr + (k - z) * sizeof(int16);
	res = dst_opt ? dst_opt : palloc(sz);
	SET_VARSIZE(res, sz);
	out = (uint16 *) (res + VARHDRSZ);
	if (hdr == 2)
		*out++ = NUM_SHORT | (neg ? NUM_SHORT_NEG : 0) |
			(uint16) (dscale << NUM_SHORT_DSCALE_SHIFT) |
			(weight < 0 ? NUM_SHORT_WEIGHT_NEG : 0) |
			(uint16) (weight & NUM_SHORT_WEIGHT_MASK);
	else
	{
		*out++ = (neg ? NUM_NEG : NUM_POS) | (uint16) (dscale & NUM_DSCALE_MASK);
		*out++ = (uint16) (int16) weight;
	}
	for (int i = k - 1; i >= z; i--)
		*out++ = (uint16) d[i];
	return PointerGetDatum(res);
}

static Datum
numeric_from_u64(char *dst_opt, uint64 v)
{
	return numeric_make(dst_opt, v, 0);
}

/* exact mantissa x 10^exponent, or null past the exponent limit */
static Datum
numeric_scaled(char *dst_opt, __int128 m, int64 exponent, bool *isnull)
{
	if (exponent > PS_ORACLE_EXPONENT_MAX || exponent < -PS_ORACLE_EXPONENT_MAX)
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	return numeric_make(dst_opt, m, (int) exponent);
}

/* text of n bytes into dst (VARHDRSZ + n bytes, 4-byte aligned) */
static Datum
text_datum(char *dst, const char *s, size_t n)
{
	text	   *t = (text *) dst;

	SET_VARSIZE(t, VARHDRSZ + n);
	memcpy(VARDATA(t), s, n);
	return PointerGetDatum(t);
}

/* the 32 bytes as 64 lowercase hex digits, text into dst (VARHDRSZ + 64) */
static Datum
hex32_datum(char *dst, const uint8 b[32])
{
	static const char digits[] = "0123456789abcdef";
	text	   *t = (text *) dst;
	char	   *d = VARDATA(t);

	SET_VARSIZE(t, VARHDRSZ + 64);
	for (int i = 0; i < 32; i++)
	{
		d[2 * i] = digits[b[i] >> 4];
		d[2 * i + 1] = digits[b[i] & 15];
	}
	return PointerGetDatum(t);
}

static Datum
pubkey_datum(const uint8 key[32])
{
	uint8	   *p = palloc(32);

	memcpy(p, key, 32);
	return PointerGetDatum(p);
}

/* a zero-padded name as text: NULs removed; null when not UTF-8 */
static Datum
name_datum(const uint8 name[32], bool *isnull)
{
	char		buf[33];
	size_t		n = 0;

	for (size_t i = 0; i < ps_oracle_name_len(name); i++)
		if (name[i] != 0)
			buf[n++] = (char) name[i];
	buf[n] = '\0';
	if (!pg_verifymbstr(buf, (int) n, true))
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	return CStringGetTextDatum(buf);
}

/*
 * `owners` is a NULL-terminated list of base58 program ids, decoded once
 * into `keys` (at least as many entries, plus one).
 */
static void
check_owner(FunctionCallInfo fcinfo, int argno, const char *const *owners,
			uint8 (*keys)[32], bool *decoded, const char *what)
{
	const uint8 *owner;
	char		text[64];

	if (PG_ARGISNULL(argno))
		return;
	if (!*decoded)
	{
		for (int i = 0; owners[i] != NULL; i++)
			if (ps_base58_decode_32(owners[i], keys[i]) != PS_OK)
				elog(ERROR, "bad built-in program id %s", owners[i]);
		*decoded = true;
	}
	owner = (const uint8 *) PG_GETARG_POINTER(argno);
	for (int i = 0; owners[i] != NULL; i++)
		if (memcmp(keys[i], owner, 32) == 0)
			return;
	ps_base58_encode_32(owner, text);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("account owner %s is not the %s program", text, what),
			 errdetail("The account does not belong to %s, so its data cannot be trusted.",
					   what)));
}

static void
raise_data(int rc, const char *what, size_t len)
{
	ereport(ERROR,
			(errcode(solana_sqlstate(rc)),
			 errmsg("invalid %s account data", what),
			 errdetail("Data of %zu bytes: %s.", len, ps_strerror(rc))));
}

/*
 * solana.pyth_price(data bytea, owner pubkey) decodes a PriceUpdateV2
 * account: the receiver's own account type, so that price feeds can be
 * followed by subscription or getMultipleAccounts and read in SQL.
 */
PG_FUNCTION_INFO_V1(solana_pyth_price);
Datum
solana_pyth_price(PG_FUNCTION_ARGS)
{
	static const char *const owners[] = {PS_ORACLE_PYTH_RECEIVER, PS_ORACLE_PYTH_PUSH, NULL};
	static uint8 owner_keys[2][32];
	static bool owners_decoded = false;
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	size_t		len = VARSIZE_ANY_EXHDR(data);
	ps_pyth_price_t p;
	TupleDesc	desc;
	Datum		v[14];
	bool		n[14] = {0};
	int			rc;

	/* the varlena values, on the stack: heap_form_tuple copies them */
	struct
	{
		char		num[6][NUM_BUF_SZ];
		char		hex[VARHDRSZ + 64];
		char		level[VARHDRSZ + 8];
	}			pg_attribute_aligned(MAXIMUM_ALIGNOF) buf;

	check_owner(fcinfo, 1, owners, owner_keys, &owners_decoded, "Pyth receiver");
	rc = ps_oracle_pyth_read((const uint8 *) VARDATA_ANY(data), len, &p);
	if (rc != PS_OK)
		raise_data(rc, "Pyth PriceUpdateV2", len);
	desc = solana_result_desc(fcinfo);
	v[0] = hex32_datum(buf.hex, p.feed_id);
	v[1] = numeric_scaled(buf.num[0], p.price, p.exponent, &n[1]);
	v[2] = numeric_scaled(buf.num[1], p.conf, p.exponent, &n[2]);
	v[3] = Int32GetDatum(p.exponent);
	v[4] = Int64GetDatum(p.publish_time);
	v[5] = Int64GetDatum(p.prev_publish_time);
	v[6] = numeric_scaled(buf.num[2], p.ema_price, p.exponent, &n[6]);
	v[7] = numeric_scaled(buf.num[3], p.ema_conf, p.exponent, &n[7]);
	v[8] = numeric_from_u64(buf.num[4], p.posted_slot);
	v[9] = p.full ? text_datum(buf.level, "Full", 4) : text_datum(buf.level, "Partial", 7);
	v[10] = Int32GetDatum(p.num_signatures);
	n[10] = p.full;
	v[11] = PointerGetDatum(p.write_authority);
	v[12] = Int64GetDatum(p.price);
	v[13] = numeric_from_u64(buf.num[5], p.conf);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, n)));
}

static void
sb_decimal(const ps_sb_decimal_t *d, Datum *v, bool *n)
{
	*v = numeric_scaled(NULL, d->mantissa, -(int64) d->scale, n);
}

/*
 * solana.switchboard_price(data bytea, owner pubkey, current_slot
 * numeric) reads either Switchboard layout, told apart by the
 * discriminator.  For an on-demand feed with current_slot given, value
 * is the median of the submissions fresh at that slot (the SDK's
 * get_value), else the feed's stored CurrentResult.
 */
PG_FUNCTION_INFO_V1(solana_switchboard_price);
Datum
solana_switchboard_price(PG_FUNCTION_ARGS)
{
	static const char *const owners[] = {PS_ORACLE_SB_V2, PS_ORACLE_SB_ON_DEMAND,
	PS_ORACLE_SB_ON_DEMAND_DEV, NULL};
	static uint8 owner_keys[3][32];
	static bool owners_decoded = false;
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	const uint8 *bytes = (const uint8 *) VARDATA_ANY(data);
	size_t		len = VARSIZE_ANY_EXHDR(data);
	TupleDesc	desc;
	Datum		v[12];
	bool		n[12] = {0};
	int			rc;

	check_owner(fcinfo, 1, owners, owner_keys, &owners_decoded, "Switchboard");
	if (len >= 8 && memcmp(bytes, PS_ORACLE_SB_PULL_DISC, 8) == 0)
	{
		/* on the stack: __int128 needs 16-byte alignment, palloc gives 8 */
		ps_sb_pull_t pull;
		ps_sb_pull_t *f = &pull;

		rc = ps_oracle_sb_pull_read(bytes, len, f);
		if (rc != PS_OK)
			raise_data(rc, "Switchboard PullFeedAccountData", len);
		desc = solana_result_desc(fcinfo);
		v[0] = CStringGetTextDatum("on_demand");
		v[1] = name_datum(f->name, &n[1]);
		if (!PG_ARGISNULL(2))
		{
			Numeric		slot_num = PG_GETARG_NUMERIC(2);
			char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
																NumericGetDatum(slot_num)));
			uint64		slot;
			__int128	med;
			int			cnt;
			char	   *end;

			errno = 0;
			slot = strtoull(s, &end, 10);
			if (*s == '-' || *end != '\0' || errno != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("current_slot %s is not a slot number", s)));
			if (ps_oracle_sb_pull_median(f, slot, f->max_staleness, f->min_sample_size,
										 &med, &cnt))
				v[2] = numeric_scaled(NULL, med, -PS_ORACLE_SB_PULL_SCALE, &n[2]);
			else
				n[2] = true;
			v[4] = Int32GetDatum(cnt);
		}
		else
		{
			if (f->result_slot != 0)
				v[2] = numeric_scaled(NULL, f->value, -PS_ORACLE_SB_PULL_SCALE, &n[2]);
			else
				n[2] = true;
			v[4] = Int32GetDatum(f->num_samples);
		}
		v[3] = numeric_scaled(NULL, f->std_dev, -PS_ORACLE_SB_PULL_SCALE, &n[3]);
		n[3] = n[3] || f->result_slot == 0;
		v[5] = numeric_from_u64(NULL, f->result_slot);
		v[6] = Int64GetDatum(f->last_update_timestamp);
		v[7] = numeric_make(NULL, f->value, 0);
		v[8] = Int32GetDatum(PS_ORACLE_SB_PULL_SCALE);
		v[9] = pubkey_datum(f->authority);
		v[10] = pubkey_datum(f->queue);
		v[11] = Int32GetDatum((int32) Min(f->min_responses, (uint32) PG_INT32_MAX));
	}
	else
	{
		ps_sb_v2_t	agg;
		ps_sb_v2_t *a = &agg;
		const ps_sb_round_t *r = &a->latest_confirmed_round;

		rc = ps_oracle_sb_v2_read(bytes, len, a);
		if (rc != PS_OK)
			raise_data(rc, "Switchboard AggregatorAccountData", len);
		desc = solana_result_desc(fcinfo);
		v[0] = CStringGetTextDatum("v2");
		v[1] = name_datum(a->name, &n[1]);
		if (r->num_success > 0)
			sb_decimal(&r->result, &v[2], &n[2]);
		else
			n[2] = true;
		sb_decimal(&r->std_deviation, &v[3], &n[3]);
		v[4] = Int32GetDatum((int32) Min(r->num_success, (uint32) PG_INT32_MAX));
		v[5] = numeric_from_u64(NULL, r->round_open_slot);
		v[6] = Int64GetDatum(r->round_open_timestamp);
		n[6] = r->num_success == 0;
		v[7] = numeric_make(NULL, r->result.mantissa, 0);
		v[8] = Int32GetDatum((int32) Min(r->result.scale, (uint32) PG_INT32_MAX));
		v[9] = pubkey_datum(a->authority);
		v[10] = pubkey_datum(a->queue_pubkey);
		v[11] = Int32GetDatum((int32) Min(a->min_oracle_results, (uint32) PG_INT32_MAX));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, n)));
}

static int
restricted_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\n' && (s[i] < 0x20 || s[i] > 0x7E))
			return 0;
	return 1;
}

/*
 * solana.offchain_message(text, signers, version, application_domain,
 * format) builds the bytes a wallet signs for an off-chain message, as
 * @solana/kit encodes them, so that SQL can check what a provider signed.
 */
PG_FUNCTION_INFO_V1(solana_offchain_message);
Datum
solana_offchain_message(PG_FUNCTION_ARGS)
{
	text	   *txt = PG_GETARG_TEXT_PP(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	int32		version = PG_GETARG_INT32(2);
	ps_offchain_t m;
	Datum	   *elems;
	bool	   *nulls;
	int			cnt;
	uint8	   *keys;
	bytea	   *out;
	size_t		cap;
	size_t		len = 0;
	int			rc;

	memset(&m, 0, sizeof(m));
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("signers must be a one-dimensional array")));
	deconstruct_array(arr, ARR_ELEMTYPE(arr), 32, false, TYPALIGN_CHAR,
					  &elems, &nulls, &cnt);
	if (cnt < 1 || cnt > PS_OFFCHAIN_SIGNERS_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an off-chain message needs 1 to 255 signers, not %d", cnt)));
	keys = palloc(32 * cnt);
	for (int i = 0; i < cnt; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("signer %d is null", i + 1)));
		memcpy(keys + 32 * i, DatumGetPointer(elems[i]), 32);
	}
	m.version = version;
	m.signers = keys;
	m.signers_cnt = cnt;
	m.text = (const uint8 *) VARDATA_ANY(txt);
	m.text_sz = VARSIZE_ANY_EXHDR(txt);
	if (version == 0)
	{
		if (!PG_ARGISNULL(3))
			memcpy(m.app_domain, PG_GETARG_POINTER(3), 32);
		if (!PG_ARGISNULL(4))
			m.format = PG_GETARG_INT32(4);
		else
		{
			size_t		header = 16 + 1 + 32 + 1 + 1 + 32 * (size_t) cnt + 2;

			/* the smallest format that holds the text, as kit picks it */
			if (header + m.text_sz <= PS_OFFCHAIN_LIMIT_SZ)
				m.format = restricted_ascii((const char *) m.text, m.text_sz) ? 0 : 1;
			else
				m.format = 2;
		}
	}
	else if (version != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("off-chain message version %d is not supported", version),
				 errhint("Use version 0 or 1.")));
	cap = 16 + 1 + 32 + 1 + 1 + 32 * (size_t) cnt + 2 + m.text_sz;
	out = palloc(VARHDRSZ + cap);
	rc = ps_offchain_encode(&m, (uint8 *) VARDATA(out), cap, &len);
	if (rc != PS_OK)
		ereport(ERROR,
				(errcode(solana_sqlstate(rc)),
				 errmsg("invalid off-chain message"),
				 errdetail("Text must be non-empty; format 0 allows only line feeds and "
						   "characters 0x20 to 0x7e; formats 0 and 1 fit in 1232 bytes; "
						   "version 1 signers must be distinct.")));
	SET_VARSIZE(out, VARHDRSZ + len);
	PG_RETURN_BYTEA_P(out);
}

/*
 * solana.offchain_verify(message bytea, signature, signer) is true when
 * `signature` is signer's ed25519 signature of the off-chain message and
 * signer is one of its signers.  Bytes that are not an off-chain message
 * raise 22P03.
 */
PG_FUNCTION_INFO_V1(solana_offchain_verify);
Datum
solana_offchain_verify(PG_FUNCTION_ARGS)
{
	bytea	   *msg = PG_GETARG_BYTEA_PP(0);
	const uint8 *sig = (const uint8 *) PG_GETARG_POINTER(1);
	const uint8 *key = (const uint8 *) PG_GETARG_POINTER(2);
	size_t		len = VARSIZE_ANY_EXHDR(msg);
	int			rc;

	rc = ps_offchain_verify((const uint8 *) VARDATA_ANY(msg), len, sig, key);
	if (rc == PS_ERR_SIGNATURE)
		PG_RETURN_BOOL(false);
	if (rc != PS_OK)
		ereport(ERROR,
				(errcode(rc == PS_ERR_ARG ? ERRCODE_INVALID_PARAMETER_VALUE :
						 ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid off-chain message"),
				 errdetail("Message of %zu bytes: %s.", len, ps_strerror(rc))));
	PG_RETURN_BOOL(true);
}
