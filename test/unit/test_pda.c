/*
 * test_pda.c
 *	  Program derived addresses, associated token accounts and the curve
 *	  check against vectors that @solana/web3.js and @solana/spl-token
 *	  compute at test time (test/vectors/pda.js, written to
 *	  $PS_VECTORS/pda.json by scripts/test.sh), plus properties: every
 *	  ed25519 public key libsodium makes is on the curve.
 */
#include "ps_test.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ps_base58.h"
#include "ps_ed25519.h"
#include "ps_error.h"
#include "ps_pda.h"

static json_t *
load_vectors(void)
{
	const char *dir = getenv("PS_VECTORS");
	char		path[4096];
	char	   *text;
	size_t		n;
	json_t	   *v;

	snprintf(path, sizeof(path), "%s/pda.json", dir && *dir ? dir : "build/vectors");
	if (access(path, R_OK) != 0)
	{
		printf("Bail out! %s not found: run `node test/vectors/pda.js > %s` (scripts/test.sh does)\n",
			   path, path);
		exit(255);
	}
	text = ps_test_read_file(path, &n);
	v = ps_test_parse(text, n);
	free(text);
	if (v == NULL)
	{
		printf("Bail out! %s is not JSON\n", path);
		exit(255);
	}
	return v;
}

/* seeds from a JSON array of hex strings; storage in `store` */
static size_t
seeds_of(json_t *arr, ps_seed_t *seeds, uint8_t store[][64])
{
	size_t		i;
	json_t	   *h;

	json_array_foreach(arr, i, h)
	{
		long		n = ps_test_hex(json_string_value(h), store[i], 64);

		seeds[i].ptr = store[i];
		seeds[i].sz = (size_t) n;
	}
	return json_array_size(arr);
}

static void
find_cases(json_t *cases)
{
	size_t		i;
	json_t	   *c;

	ps_test_begin("find_program_address: %zu cases from web3.js", json_array_size(cases));
	json_array_foreach(cases, i, c)
	{
		ps_seed_t	seeds[17];
		uint8_t		store[17][64];
		uint8_t		program[32];
		uint8_t		addr[32];
		uint8_t		bump = 0;
		char		text[64];
		size_t		n = seeds_of(json_object_get(c, "seeds_hex"), seeds, store);

		CHECK_INT(ps_base58_decode_32(ps_test_str(c, "program_id"), program), PS_OK);
		CHECK_INT(ps_pda_find(seeds, n, program, addr, &bump), PS_OK);
		ps_base58_encode_32(addr, text);
		CHECK_STR(text, ps_test_str(c, "address"));
		CHECK_INT(bump, ps_test_int(c, "bump"));
		CHECK(!ps_ed25519_is_on_curve(addr));
	}
	ps_test_end();
}

static void
create_cases(json_t *cases)
{
	size_t		i;
	json_t	   *c;
	int			refused = 0;

	ps_test_begin("create_program_address: %zu cases from web3.js", json_array_size(cases));
	json_array_foreach(cases, i, c)
	{
		ps_seed_t	seeds[17];
		uint8_t		store[17][64];
		uint8_t		program[32];
		uint8_t		addr[32];
		char		text[64];
		size_t		n = seeds_of(json_object_get(c, "seeds_hex"), seeds, store);
		const char *want = ps_test_str(c, "address");
		int			rc;

		CHECK_INT(ps_base58_decode_32(ps_test_str(c, "program_id"), program), PS_OK);
		rc = ps_pda_create(seeds, n, program, addr);
		if (want == NULL)
		{
			CHECK_INT(rc, PS_ERR_ON_CURVE);
			refused++;
		}
		else
		{
			CHECK_INT(rc, PS_OK);
			ps_base58_encode_32(addr, text);
			CHECK_STR(text, want);
		}
	}
	CHECK(refused > 50);		/* the vectors do exercise the curve check */
	ps_test_end();
}

static void
ata_cases(json_t *cases)
{
	size_t		i;
	json_t	   *c;

	ps_test_begin("associated token addresses: %zu cases from spl-token", json_array_size(cases));
	json_array_foreach(cases, i, c)
	{
		uint8_t		wallet[32],
					mint[32],
					prog[32],
					addr[32];
		char		text[64];

		CHECK_INT(ps_base58_decode_32(ps_test_str(c, "wallet"), wallet), PS_OK);
		CHECK_INT(ps_base58_decode_32(ps_test_str(c, "mint"), mint), PS_OK);
		CHECK_INT(ps_base58_decode_32(ps_test_str(c, "token_program"), prog), PS_OK);
		CHECK_INT(ps_pda_associated_token(wallet, mint, prog, addr), PS_OK);
		ps_base58_encode_32(addr, text);
		CHECK_STR(text, ps_test_str(c, "address"));
	}
	ps_test_end();
}

static void
curve_cases(json_t *cases)
{
	size_t		i;
	json_t	   *c;

	ps_test_begin("is_on_curve agrees with PublicKey.isOnCurve on %zu random strings",
				  json_array_size(cases));
	json_array_foreach(cases, i, c)
	{
		uint8_t		b[32];

		CHECK_INT(ps_test_hex(ps_test_str(c, "hex"), b, 32), 32);
		CHECK_INT(ps_ed25519_is_on_curve(b), json_is_true(json_object_get(c, "on_curve")));
	}
	ps_test_end();
}

static void
properties(void)
{
	int			i;
	uint8_t		zero[32] = {0};
	ps_seed_t	seeds[17];
	uint8_t		long_seed[33] = {0};
	uint8_t		program[32] = {0};
	uint8_t		out[32];
	uint8_t		bump;

	ps_test_begin("libsodium public keys are on the curve; limits");
	for (i = 0; i < 500; i++)
	{
		uint8_t		pk[32],
					sk[64];

		crypto_sign_keypair(pk, sk);
		CHECK(ps_ed25519_is_on_curve(pk));
	}
	/* y = 0 and y = 1 (the identity) decompress */
	CHECK(ps_ed25519_is_on_curve(zero));
	zero[0] = 1;
	CHECK(ps_ed25519_is_on_curve(zero));

	for (i = 0; i < 17; i++)
	{
		seeds[i].ptr = long_seed;
		seeds[i].sz = 1;
	}
	CHECK_INT(ps_pda_find(seeds, 16, program, out, &bump), PS_ERR_ARG);
	CHECK_INT(ps_pda_find(seeds, 15, program, out, &bump), PS_OK);
	CHECK(ps_pda_create(seeds, 17, program, out) == PS_ERR_ARG);
	seeds[0].sz = 33;
	CHECK_INT(ps_pda_find(seeds, 1, program, out, &bump), PS_ERR_ARG);
	CHECK_INT(ps_pda_create(seeds, 1, program, out), PS_ERR_ARG);
	seeds[0].sz = 32;
	CHECK_INT(ps_pda_find(seeds, 1, program, out, &bump), PS_OK);
	ps_test_end();
}

int
main(void)
{
	json_t	   *v;

	if (sodium_init() < 0)
		return 2;
	v = load_vectors();
	find_cases(json_object_get(v, "find"));
	create_cases(json_object_get(v, "create"));
	ata_cases(json_object_get(v, "ata"));
	curve_cases(json_object_get(v, "curve"));
	properties();
	json_decref(v);
	return ps_test_done();
}
