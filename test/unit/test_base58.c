/*
 * test_base58.c
 *	  ps_base58 against every vector of ../shared/fixtures/base58.json
 *	  (made by the bs58 package), cross-checked against a slow,
 *	  obviously correct byte-at-a-time codec on random inputs.
 */
#include "ps_test.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_error.h"

static const char alphabet[] =
"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* textbook base58: repeated division of the byte string by 58 */
static void
slow_encode(const uint8_t *in, size_t n, char *out)
{
	uint8_t		num[512];
	char		tmp[1024];
	size_t		len = 0;
	size_t		zeros = 0;
	size_t		i;

	while (zeros < n && in[zeros] == 0)
		zeros++;
	memcpy(num, in, n);
	for (;;)
	{
		int			rem = 0;
		bool		nonzero = false;

		for (i = zeros; i < n; i++)
		{
			int			cur = rem * 256 + num[i];

			num[i] = (uint8_t) (cur / 58);
			rem = cur % 58;
			if (num[i])
				nonzero = true;
		}
		if (zeros < n)
			tmp[len++] = alphabet[rem];
		if (!nonzero)
			break;
	}
	while (len > 0 && tmp[len - 1] == '1')
		len--;
	for (i = 0; i < zeros; i++)
		out[i] = '1';
	for (i = 0; i < len; i++)
		out[zeros + i] = tmp[len - 1 - i];
	out[zeros + len] = '\0';
}

static void
fixture_valid(json_t *cases)
{
	size_t		i;
	json_t	   *c;

	json_array_foreach(cases, i, c)
	{
		const char *hex = ps_test_str(c, "hex");
		const char *b58 = ps_test_str(c, "base58");
		const char *kind = ps_test_str(c, "kind");
		uint8_t		bytes[256];
		uint8_t		dec[256];
		char		enc[512];
		size_t		len = 0;
		long		n = ps_test_hex(hex, bytes, sizeof(bytes));

		ps_test_begin("valid %s", ps_test_str(c, "name"));
		CHECK(n >= 0);
		CHECK_INT(ps_base58_encode(bytes, n, enc, sizeof(enc), &len), PS_OK);
		CHECK_STR(enc, b58);
		CHECK_INT(len, strlen(b58));
		CHECK_INT(ps_base58_decode(b58, strlen(b58), dec, sizeof(dec), &len, NULL), PS_OK);
		CHECK_INT(len, n);
		CHECK_MEM(dec, bytes, n);
		if (strcmp(kind, "pubkey") == 0)
		{
			uint8_t		k[32];
			char		t[64];

			CHECK_INT(ps_base58_decode_32(b58, k), PS_OK);
			CHECK_MEM(k, bytes, 32);
			CHECK_INT(ps_base58_encode_32(bytes, t), strlen(b58));
			CHECK_STR(t, b58);
		}
		if (strcmp(kind, "signature") == 0)
		{
			uint8_t		sig[64];
			char		t[100];

			CHECK_INT(ps_base58_decode_fixed(b58, strlen(b58), sig, 64, NULL, NULL), PS_OK);
			CHECK_MEM(sig, bytes, 64);
			CHECK_INT(ps_base58_encode_64(bytes, t), strlen(b58));
			CHECK_STR(t, b58);
		}
		ps_test_end();
	}
}

static void
fixture_invalid(json_t *cases)
{
	size_t		i;
	json_t	   *c;

	json_array_foreach(cases, i, c)
	{
		const char *in = ps_test_str(c, "input");
		size_t		in_len = json_string_length(json_object_get(c, "input"));
		const char *applies = ps_test_str(c, "applies_to");
		bool		decodes = json_is_true(json_object_get(c, "bs58_decodes"));
		uint8_t		buf[512];
		size_t		len = 0;
		size_t		bad = 9999;
		int			rc;

		ps_test_begin("invalid %s", ps_test_str(c, "name"));
		rc = ps_base58_decode(in, in_len, buf, sizeof(buf), &len, &bad);
		if (decodes)
		{
			uint8_t		want[256];
			long		n = ps_test_hex(ps_test_str(c, "decoded_hex"), want, sizeof(want));
			size_t		want_sz = strcmp(applies, "pubkey") == 0 ? 32 : 64;
			size_t		got = 0;

			/* decodes as bytes, but to the wrong length for its type */
			CHECK_INT(rc, PS_OK);
			CHECK_INT(len, n);
			CHECK_MEM(buf, want, n);
			CHECK_INT(ps_base58_decode_fixed(in, in_len, buf, want_sz, NULL, &got),
					  PS_ERR_LENGTH);
			CHECK_INT(got, n);
		}
		else
		{
			CHECK_INT(rc, PS_ERR_BASE58_CHAR);
			CHECK(bad < in_len);
			CHECK(in[bad] == '\0' || strchr(alphabet, in[bad]) == NULL);
			CHECK_INT(ps_base58_decode_fixed(in, in_len, buf, 32, NULL, NULL),
					  PS_ERR_BASE58_CHAR);
		}
		ps_test_end();
	}
}

static void
random_crosscheck(void)
{
	int			round;

	ps_test_begin("random inputs agree with the textbook codec");
	for (round = 0; round < 3000; round++)
	{
		uint8_t		in[300];
		uint8_t		dec[400];
		char		fast[500];
		char		slow[500];
		size_t		n = randombytes_uniform(round < 2000 ? 70 : 300);
		size_t		zeros = randombytes_uniform(4);
		size_t		len = 0;
		size_t		i;

		randombytes_buf(in, n);
		for (i = 0; i < zeros && i < n; i++)
			in[i] = 0;
		slow_encode(in, n, slow);
		CHECK_INT(ps_base58_encode(in, n, fast, sizeof(fast), &len), PS_OK);
		CHECK_STR(fast, slow);
		CHECK_INT(ps_base58_decode(fast, len, dec, sizeof(dec), &len, NULL), PS_OK);
		CHECK_INT(len, n);
		CHECK_MEM(dec, in, n);
	}
	ps_test_end();
}

/*
 * ps_base58_encode_32 has its own column-sum algorithm: check it
 * against the textbook codec on random keys, keys with leading zero
 * bytes (up to all 32), and keys whose limbs are all 0xff or sparse.
 */
static void
encode_32_crosscheck(void)
{
	int			round;

	ps_test_begin("ps_base58_encode_32 agrees with the textbook codec");
	for (round = 0; round < 20000; round++)
	{
		uint8_t		in[32];
		char		fast[PS_BASE58_PUBKEY_MAX_LEN + 1];
		char		slow[100];
		size_t		i;

		randombytes_buf(in, 32);
		if (round % 4 == 1)
			for (i = 0; i < (size_t) (round / 4) % 33; i++)
				in[i] = 0;
		else if (round % 4 == 2)
			for (i = 0; i < 32; i++)
				in[i] = (round >> (i % 8)) & 1 ? 0xff : in[i];
		else if (round % 4 == 3)
			for (i = 0; i < 32; i++)
				in[i] = randombytes_uniform(8) ? 0 : in[i];
		slow_encode(in, 32, slow);
		CHECK_INT(ps_base58_encode_32(in, fast), strlen(slow));
		CHECK_STR(fast, slow);
	}
	ps_test_end();
}

static void
limits(void)
{
	uint8_t		key[32];
	uint8_t		big[2000];
	char	   *text;
	uint8_t    *back;
	size_t		len = 0;
	char		small[10];

	ps_test_begin("buffer limits and large inputs");
	memset(key, 0xff, 32);
	CHECK_INT(ps_base58_encode(key, 32, small, sizeof(small), &len), PS_ERR_LIMIT);
	CHECK_INT(ps_base58_decode("zzzzzzzz", 8, key, 2, &len, NULL), PS_ERR_LIMIT);
	/* over the stack limit: the heap path */
	randombytes_buf(big, sizeof(big));
	text = malloc(PS_BASE58_ENCODED_MAX(sizeof(big)) + 1);
	back = malloc(PS_BASE58_DECODED_MAX(PS_BASE58_ENCODED_MAX(sizeof(big))));
	CHECK_INT(ps_base58_encode(big, sizeof(big), text,
							   PS_BASE58_ENCODED_MAX(sizeof(big)) + 1, &len), PS_OK);
	CHECK_INT(ps_base58_decode(text, len, back,
							   PS_BASE58_DECODED_MAX(PS_BASE58_ENCODED_MAX(sizeof(big))),
							   &len, NULL), PS_OK);
	CHECK_INT(len, sizeof(big));
	CHECK_MEM(back, big, sizeof(big));
	free(text);
	free(back);
	/* the maximum lengths are tight for all-0xff keys and signatures */
	memset(big, 0xff, 64);
	{
		char		t[PS_BASE58_SIGNATURE_MAX_LEN + 1];

		CHECK_INT(ps_base58_encode_32(big, t), PS_BASE58_PUBKEY_MAX_LEN);
		CHECK_INT(ps_base58_encode_64(big, t), PS_BASE58_SIGNATURE_MAX_LEN);
	}
	ps_test_end();
}

int
main(void)
{
	json_t	   *f;

	if (sodium_init() < 0)
		return 2;
	f = ps_test_fixture("base58.json");
	fixture_valid(json_object_get(f, "valid"));
	fixture_invalid(json_object_get(f, "invalid"));
	random_crosscheck();
	encode_32_crosscheck();
	limits();
	json_decref(f);
	return ps_test_done();
}
