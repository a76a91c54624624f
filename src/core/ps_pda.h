/*
 * ps_pda.h
 *	  Program derived addresses, exactly as the Solana runtime derives
 *	  them (create_program_address / try_find_program_address), and
 *	  associated token accounts.
 *
 * An address is sha256(seed_0 || ... || seed_n-1 || program_id ||
 * "ProgramDerivedAddress"), rejected when it lies on the ed25519 curve
 * (see ps_ed25519.h).  At most PS_PDA_MAX_SEEDS seeds of at most
 * PS_PDA_MAX_SEED_SZ bytes; the bump that find appends counts as one.
 */
#ifndef PS_PDA_H
#define PS_PDA_H

#include <stddef.h>
#include <stdint.h>

#define PS_PDA_MAX_SEEDS	16
#define PS_PDA_MAX_SEED_SZ	32

typedef struct ps_seed_t
{
	const uint8_t *ptr;
	size_t		sz;
} ps_seed_t;

/* well-known program ids, as 32 raw bytes */
extern const uint8_t PS_SPL_TOKEN_PROGRAM_ID[32];	/* Tokenkeg... */
extern const uint8_t PS_SPL_TOKEN_2022_PROGRAM_ID[32];	/* TokenzQd... */
extern const uint8_t PS_ATA_PROGRAM_ID[32];	/* ATokenGP... */

/*
 * ps_pda_create derives the address of `seeds` (`seed_cnt` of them)
 * under `program_id` into `out`.  Returns PS_OK, PS_ERR_ARG when there
 * are more than 16 seeds or a seed is longer than 32 bytes, or
 * PS_ERR_ON_CURVE when the hash lies on the curve.
 */
extern int	ps_pda_create(const ps_seed_t *seeds, size_t seed_cnt,
						  const uint8_t program_id[32], uint8_t out[32]);

/*
 * ps_pda_find tries bumps 255 down to 0, appending the bump as a last
 * one-byte seed, and writes the first off-curve address to `out` and its
 * bump to `*bump`.  Returns PS_OK, PS_ERR_ARG (more than 15 seeds, as
 * the bump makes 16, or a seed over 32 bytes), or PS_ERR_NO_BUMP.
 */
extern int	ps_pda_find(const ps_seed_t *seeds, size_t seed_cnt,
						const uint8_t program_id[32], uint8_t out[32],
						uint8_t *bump);

/*
 * ps_pda_associated_token writes the associated token account of
 * `wallet` for `mint` under `token_program` (seeds wallet, token program,
 * mint; program ATokenGP...) to `out`.  Returns PS_OK or PS_ERR_NO_BUMP.
 */
extern int	ps_pda_associated_token(const uint8_t wallet[32],
									const uint8_t mint[32],
									const uint8_t token_program[32],
									uint8_t out[32]);

#endif							/* PS_PDA_H */
