/*
 * ps_pda.c
 *	  Program derived addresses and associated token accounts.
 */
#include "ps_pda.h"
#include "ps_ed25519.h"
#include "ps_error.h"

#include <sodium.h>
#include <string.h>

/* TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA */
const uint8_t PS_SPL_TOKEN_PROGRAM_ID[32] = {
	0x06, 0xdd, 0xf6, 0xe1, 0xd7, 0x65, 0xa1, 0x93,
	0xd9, 0xcb, 0xe1, 0x46, 0xce, 0xeb, 0x79, 0xac,
	0x1c, 0xb4, 0x85, 0xed, 0x5f, 0x5b, 0x37, 0x91,
	0x3a, 0x8c, 0xf5, 0x85, 0x7e, 0xff, 0x00, 0xa9
};

/* TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb */
const uint8_t PS_SPL_TOKEN_2022_PROGRAM_ID[32] = {
	0x06, 0xdd, 0xf6, 0xe1, 0xee, 0x75, 0x8f, 0xde,
	0x18, 0x42, 0x5d, 0xbc, 0xe4, 0x6c, 0xcd, 0xda,
	0xb6, 0x1a, 0xfc, 0x4d, 0x83, 0xb9, 0x0d, 0x27,
	0xfe, 0xbd, 0xf9, 0x28, 0xd8, 0xa1, 0x8b, 0xfc
};

/* ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL */
const uint8_t PS_ATA_PROGRAM_ID[32] = {
	0x8c, 0x97, 0x25, 0x8f, 0x4e, 0x24, 0x89, 0xf1,
	0xbb, 0x3d, 0x10, 0x29, 0x14, 0x8e, 0x0d, 0x83,
	0x0b, 0x5a, 0x13, 0x99, 0xda, 0xff, 0x10, 0x84,
	0x04, 0x8e, 0x7b, 0xd8, 0xdb, 0xe9, 0xf8, 0x59
};

static const char pda_marker[] = "ProgramDerivedAddress";

static int
check_seeds(const ps_seed_t *seeds, size_t seed_cnt, size_t max_cnt)
{
	size_t		i;

	if (seed_cnt > max_cnt)
		return PS_ERR_ARG;
	for (i = 0; i < seed_cnt; i++)
		if (seeds[i].sz > PS_PDA_MAX_SEED_SZ)
			return PS_ERR_ARG;
	return PS_OK;
}

/* hash seeds (and an optional bump) without checking counts */
static int
derive(const ps_seed_t *seeds, size_t seed_cnt, const uint8_t *bump_opt,
	   const uint8_t program_id[32], uint8_t out[32])
{
	crypto_hash_sha256_state st;
	size_t		i;

	crypto_hash_sha256_init(&st);
	for (i = 0; i < seed_cnt; i++)
		crypto_hash_sha256_update(&st, seeds[i].ptr, seeds[i].sz);
	if (bump_opt)
		crypto_hash_sha256_update(&st, bump_opt, 1);
	crypto_hash_sha256_update(&st, program_id, 32);
	crypto_hash_sha256_update(&st, (const uint8_t *) pda_marker,
							  sizeof(pda_marker) - 1);
	crypto_hash_sha256_final(&st, out);
	return ps_ed25519_is_on_curve(out) ? PS_ERR_ON_CURVE : PS_OK;
}

int
ps_pda_create(const ps_seed_t *seeds, size_t seed_cnt,
			  const uint8_t program_id[32], uint8_t out[32])
{
	int			rc = check_seeds(seeds, seed_cnt, PS_PDA_MAX_SEEDS);

	if (rc != PS_OK)
		return rc;
	return derive(seeds, seed_cnt, NULL, program_id, out);
}

int
ps_pda_find(const ps_seed_t *seeds, size_t seed_cnt,
			const uint8_t program_id[32], uint8_t out[32], uint8_t *bump)
{
	int			rc = check_seeds(seeds, seed_cnt, PS_PDA_MAX_SEEDS - 1);
	int			b;

	if (rc != PS_OK)
		return rc;
	for (b = 255; b >= 0; b--)
	{
		uint8_t		bb = (uint8_t) b;

		if (derive(seeds, seed_cnt, &bb, program_id, out) == PS_OK)
		{
			*bump = bb;
			return PS_OK;
		}
	}
	return PS_ERR_NO_BUMP;
}

int
ps_pda_associated_token(const uint8_t wallet[32], const uint8_t mint[32],
						const uint8_t token_program[32], uint8_t out[32])
{
	ps_seed_t	seeds[3] = {
		{wallet, 32}, {token_program, 32}, {mint, 32}
	};
	uint8_t		bump;

	return ps_pda_find(seeds, 3, PS_ATA_PROGRAM_ID, out, &bump);
}
