/*
 * ps_base58.c
 *	  Base58 with 32-bit limbs in base 58^5.
 *
 * Encoding divides the number, held as big-endian 32-bit limbs, by 58^5
 * per pass and so yields five digits per pass; decoding multiplies a
 * little-endian limb array by 58^k and adds k digits at a time.  Both are
 * quadratic like every base58 codec, with a constant about twenty times
 * smaller than the byte-at-a-time textbook loop.
 */
#include "ps_base58.h"
#include "ps_error.h"

#include <stdlib.h>
#include <string.h>

static const char b58_alphabet[] =
"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* digit value of each byte, or -1 */
static const int8_t b58_digit[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, -1, -1, -1,
	-1, 9, 10, 11, 12, 13, 14, 15, 16, -1, 17, 18, 19, 20, 21, -1,
	22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, -1, -1, -1, -1, -1,
	-1, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, -1, 44, 45, 46,
	47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

#define B58_POW5	UINT64_C(656356768)	/* 58^5 */
#define STACK_LIMBS	256			/* inputs up to 1 KiB stay on the stack */

static const uint32_t b58_pow[6] = {1, 58, 3364, 195112, 11316496, 656356768};

int
ps_base58_encode(const uint8_t *in, size_t in_sz,
				 char *out, size_t out_sz, size_t *out_len)
{
	uint32_t	stack_limbs[STACK_LIMBS];
	uint8_t		stack_digits[STACK_LIMBS * 4 * 138 / 100 + 8];
	uint32_t   *limbs = stack_limbs;
	uint8_t    *digits = stack_digits;
	size_t		zeros = 0;
	size_t		nlimbs;
	size_t		start;
	size_t		ndig = 0;
	size_t		head;
	size_t		i;
	size_t		total;

	while (zeros < in_sz && in[zeros] == 0)
		zeros++;
	in += zeros;
	in_sz -= zeros;

	if (out_sz < PS_BASE58_ENCODED_MAX(in_sz) + zeros + 1)
		return PS_ERR_LIMIT;

	nlimbs = (in_sz + 3) / 4;
	if (nlimbs > STACK_LIMBS)
	{
		limbs = malloc(nlimbs * sizeof(uint32_t));
		digits = malloc(nlimbs * 4 * 138 / 100 + 8);
		if (limbs == NULL || digits == NULL)
		{
			free(limbs);
			free(digits);
			return PS_ERR_NOMEM;
		}
	}

	/* big-endian limbs; the first holds the 1 to 4 leading bytes */
	head = in_sz % 4 ? in_sz % 4 : 4;
	for (i = 0; i < nlimbs; i++)
	{
		size_t		take = (i == 0) ? head : 4;
		size_t		off = (i == 0) ? 0 : head + (i - 1) * 4;
		uint32_t	v = 0;
		size_t		k;

		for (k = 0; k < take; k++)
			v = (v << 8) | in[off + k];
		limbs[i] = v;
	}

	start = 0;
	while (start < nlimbs && limbs[start] == 0)
		start++;
	while (start < nlimbs)
	{
		uint64_t	rem = 0;
		int			k;

		for (i = start; i < nlimbs; i++)
		{
			uint64_t	cur = (rem << 32) | limbs[i];

			limbs[i] = (uint32_t) (cur / B58_POW5);
			rem = cur % B58_POW5;
		}
		for (k = 0; k < 5; k++)
		{
			digits[ndig++] = (uint8_t) (rem % 58);
			rem /= 58;
		}
		while (start < nlimbs && limbs[start] == 0)
			start++;
	}
	/* the last pass may leave leading zero digits */
	while (ndig > 0 && digits[ndig - 1] == 0)
		ndig--;

	total = zeros + ndig;
	memset(out, '1', zeros);
	for (i = 0; i < ndig; i++)
		out[zeros + i] = b58_alphabet[digits[ndig - 1 - i]];
	out[total] = '\0';
	*out_len = total;

	if (limbs != stack_limbs)
	{
		free(limbs);
		free(digits);
	}
	return PS_OK;
}

int
ps_base58_decode(const char *src, size_t src_len,
				 uint8_t *out, size_t out_sz, size_t *out_len,
				 size_t *bad_off_opt)
{
	uint32_t	stack_limbs[STACK_LIMBS];
	uint32_t   *limbs = stack_limbs;
	size_t		cap;
	size_t		nlimbs = 0;
	size_t		zeros = 0;
	size_t		pos;
	size_t		nbytes;
	size_t		i;

	/* validate first, so a bad character wins over any size problem */
	for (pos = 0; pos < src_len; pos++)
	{
		if (b58_digit[(uint8_t) src[pos]] < 0)
		{
			if (bad_off_opt)
				*bad_off_opt = pos;
			return PS_ERR_BASE58_CHAR;
		}
	}
	while (zeros < src_len && src[zeros] == '1')
		zeros++;
	/* leading '1's give a byte each, the rest at most 0.7323 of one */
	if (zeros < src_len && out_sz < zeros + (src_len - zeros) * 733 / 1000 + 1)
		return PS_ERR_LIMIT;
	if (out_sz < zeros)
		return PS_ERR_LIMIT;

	cap = ((src_len - zeros) * 733 / 1000 + 1) / 4 + 2;
	if (cap > STACK_LIMBS)
	{
		limbs = malloc(cap * sizeof(uint32_t));
		if (limbs == NULL)
			return PS_ERR_NOMEM;
	}

	pos = zeros;
	while (pos < src_len)
	{
		size_t		left = src_len - pos;
		size_t		take = (pos == zeros && left % 5) ? left % 5 : 5;
		uint64_t	carry = 0;
		uint32_t	mul = b58_pow[take];
		size_t		k;

		for (k = 0; k < take; k++)
			carry = carry * 58 + (uint64_t) b58_digit[(uint8_t) src[pos + k]];
		pos += take;

		for (i = 0; i < nlimbs; i++)
		{
			uint64_t	t = (uint64_t) limbs[i] * mul + carry;

			limbs[i] = (uint32_t) t;
			carry = t >> 32;
		}
		if (carry)
			limbs[nlimbs++] = (uint32_t) carry;
	}

	/* significant bytes of the number, most significant first */
	nbytes = nlimbs * 4;
	if (nlimbs > 0)
	{
		uint32_t	top = limbs[nlimbs - 1];

		while ((top >> 24) == 0)
		{
			nbytes--;
			top <<= 8;
		}
	}
	memset(out, 0, zeros);
	for (i = 0; i < nbytes; i++)
	{
		size_t		bi = nbytes - 1 - i;	/* byte index from the least significant */

		out[zeros + i] = (uint8_t) (limbs[bi / 4] >> (8 * (bi % 4)));
	}
	*out_len = zeros + nbytes;

	if (limbs != stack_limbs)
		free(limbs);
	return PS_OK;
}

int
ps_base58_decode_fixed(const char *src, size_t src_len,
					   uint8_t *out, size_t want_sz,
					   size_t *bad_off_opt, size_t *got_sz_opt)
{
	uint8_t		stack_buf[128];
	uint8_t    *buf = stack_buf;
	size_t		need = PS_BASE58_DECODED_MAX(src_len);
	size_t		got = 0;
	int			rc;

	if (need > sizeof(stack_buf))
	{
		buf = malloc(need);
		if (buf == NULL)
			return PS_ERR_NOMEM;
	}
	rc = ps_base58_decode(src, src_len, buf, need, &got, bad_off_opt);
	if (rc == PS_OK)
	{
		if (got != want_sz)
		{
			if (got_sz_opt)
				*got_sz_opt = got;
			rc = PS_ERR_LENGTH;
		}
		else
			memcpy(out, buf, want_sz);
	}
	if (buf != stack_buf)
		free(buf);
	return rc;
}

int
ps_base58_decode_32(const char *src, uint8_t out[32])
{
	return ps_base58_decode_fixed(src, strlen(src), out, 32, NULL, NULL);
}

/*
 * 2^(32k) in base 58^5, least significant digit first: row k is the
 * weight of the k-th 32-bit limb from the right of a 32-byte number.
 */
static const uint32_t b58_limb_weight[8][9] = {
	{1u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u},
	{356826688u, 6u, 0u, 0u, 0u, 0u, 0u, 0u, 0u},
	{410450016u, 537767569u, 42u, 0u, 0u, 0u, 0u, 0u, 0u},
	{357132832u, 389432875u, 127692781u, 280u, 0u, 0u, 0u, 0u, 0u},
	{21339008u, 551597588u, 385795061u, 324463681u, 1833u, 0u, 0u, 0u, 0u},
	{289024608u, 247894721u, 294005210u, 3737691u, 486083817u, 11997u, 0u, 0u, 0u},
	{153715680u, 413102373u, 209184527u, 91512303u, 118408823u, 646269101u, 78508u, 0u, 0u},
	{379377856u, 141436834u, 214625350u, 605448490u, 300156666u, 437087610u, 77223048u, 513735u, 0u},
};

/*
 * The 32-byte case (every pubkey) without the generic chain of
 * dependent divisions: the number is the sum of its eight 32-bit limbs
 * times their weights in base 58^5, so each of the nine base 58^5
 * digits starts as an independent column sum.  A product is below
 * 2^61.3, so a column is summed in two halves of four limbs (each
 * below 2^63.3); both halves are split into quotient and remainder by
 * 58^5 independently, and only the small carries then run in a chain.
 * test_base58 checks it against a textbook codec.
 */
size_t
ps_base58_encode_32(const uint8_t in[32], char *out)
{
	uint64_t	limb[8];
	uint32_t	col[9];
	uint64_t	carry = 0;
	uint8_t		digits[45];
	size_t		zeros = 0;
	size_t		ndig = 0;
	size_t		len;
	int			j;
	int			k;

	while (zeros < 32 && in[zeros] == 0)
		zeros++;
	if (zeros == 32)
	{
		/* the System Program and other all-zero keys */
		memset(out, '1', 32);
		out[32] = '\0';
		return 32;
	}
	/* limb[k] has weight 2^(32k) */
	for (k = 0; k < 8; k++)
	{
		const uint8_t *p = in + 28 - 4 * k;

		limb[k] = ((uint64_t) p[0] << 24) | ((uint64_t) p[1] << 16) |
			((uint64_t) p[2] << 8) | p[3];
	}
	for (j = 0; j < 9; j++)
	{
		uint64_t	lo = 0;
		uint64_t	hi = 0;
		uint64_t	t;

		for (k = 0; k < 4; k++)
			lo += limb[k] * b58_limb_weight[k][j];
		for (k = 4; k < 8; k++)
			hi += limb[k] * b58_limb_weight[k][j];
		t = lo % B58_POW5 + hi % B58_POW5 + carry;
		col[j] = (uint32_t) (t % B58_POW5);
		carry = lo / B58_POW5 + hi / B58_POW5 + t / B58_POW5;
	}
	/*
	 * carry is zero here (2^256 < 58^45).  Five digits per column, most
	 * significant column first, split by 58^2 twice so that the chain of
	 * dependent divisions is two deep rather than five.
	 */
	for (j = 0; j < 9; j++)
	{
		uint32_t	v = col[8 - j];
		uint32_t	lo = v % 3364;
		uint32_t	hi = v / 3364;	/* below 58^3 */
		uint32_t	mid = hi % 3364;
		uint8_t    *d = digits + j * 5;

		d[0] = (uint8_t) (hi / 3364);
		d[1] = (uint8_t) (mid / 58);
		d[2] = (uint8_t) (mid % 58);
		d[3] = (uint8_t) (lo / 58);
		d[4] = (uint8_t) (lo % 58);
	}
	while (ndig < 45 && digits[ndig] == 0)
		ndig++;
	len = zeros + (45 - ndig);
	memset(out, '1', zeros);
	for (j = 0; ndig + j < 45; j++)
		out[zeros + j] = b58_alphabet[digits[ndig + j]];
	out[len] = '\0';
	return len;
}

size_t
ps_base58_encode_64(const uint8_t in[64], char *out)
{
	size_t		len = 0;

	(void) ps_base58_encode(in, 64, out, PS_BASE58_SIGNATURE_MAX_LEN + 1, &len);
	return len;
}
