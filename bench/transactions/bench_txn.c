/*
 * bench_txn.c
 *	  Build + sign of a 3-instruction legacy transaction (compute unit
 *	  price, System transfer, signed memo) with ps_txn, against raw
 *	  libsodium signing of the same message bytes with the same 64-byte
 *	  secret key.  Prints JSON lines.
 *
 * The two loops are interleaved in short chunks (about a millisecond,
 * alternating which goes first), and each side's rate is taken from
 * its median chunk time, so that load from other processes on shared
 * cores falls on both sides alike instead of on whichever phase it
 * happened to hit, and a burst spoils a few chunks, not the figure.
 * "ratio" is the median over rounds of raw sign time / build+sign
 * time for the two adjacent chunks of the round.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ps_base58.h"
#include "ps_buf.h"
#include "ps_txn.h"

#define ROUNDS	400
#define CHUNK	50

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(void)
{
	uint8_t		seed[32] = {1};
	uint8_t		sk[64];
	uint8_t		to[32] = {9, 9, 9};
	uint8_t		bh[32] = {7, 7};
	uint8_t		system_id[32] = {0};
	uint8_t		memo_id[32] = {5, 4, 3};
	uint8_t		budget_id[32];
	uint8_t		xfer[12] = {2, 0, 0, 0, 0x40, 0x42, 0x0f};
	uint8_t		price[9] = {3, 0xe8, 0x03};
	const char *memo = "pg_solana benchmark memo";
	ps_txn_meta_t xa[2];
	ps_txn_meta_t ma[1];
	ps_txn_ix_t ix[3];
	static double t_ours[ROUNDS];
	static double t_raw[ROUNDS];
	static double t_compile[ROUNDS];
	static double ratio[ROUNDS];
	double		t0;
	int			r;
	int			i;
	ps_buf_t	msg;
	ps_buf_t	wire;
	uint8_t		sig[64];
	volatile uint8_t sink = 0;

	if (sodium_init() < 0 ||
		ps_base58_decode_32("ComputeBudget111111111111111111111111111111", budget_id) != 0)
		return 1;
	ps_txn_keypair_from_seed(seed, sk);
	memcpy(xa[0].pubkey, sk + 32, 32);
	xa[0].is_signer = xa[0].is_writable = 1;
	memcpy(xa[1].pubkey, to, 32);
	xa[1].is_signer = 0;
	xa[1].is_writable = 1;
	memcpy(ma[0].pubkey, sk + 32, 32);
	ma[0].is_signer = 1;
	ma[0].is_writable = 0;
	memcpy(ix[0].program_id, budget_id, 32);
	ix[0].accounts = NULL;
	ix[0].accounts_cnt = 0;
	ix[0].data = price;
	ix[0].data_sz = 9;
	memcpy(ix[1].program_id, system_id, 32);
	ix[1].accounts = xa;
	ix[1].accounts_cnt = 2;
	ix[1].data = xfer;
	ix[1].data_sz = 12;
	memcpy(ix[2].program_id, memo_id, 32);
	ix[2].accounts = ma;
	ix[2].accounts_cnt = 1;
	ix[2].data = (const uint8_t *) memo;
	ix[2].data_sz = strlen(memo);

	ps_buf_init(&msg, NULL, NULL);
	ps_buf_init(&wire, NULL, NULL);
	if (ps_txn_compile(PS_TXN_LEGACY, sk + 32, bh, ix, 3, NULL, 0, &msg, NULL) != 0)
		return 1;
	for (r = 0; r < ROUNDS; r++)
	{
		int			side;

		for (side = 0; side < 2; side++)
		{
			if ((side == 0) == (r % 2 == 0))
			{
				t0 = now();
				for (i = 0; i < CHUNK; i++)
				{
					msg.len = 0;
					wire.len = 0;
					if (ps_txn_compile(PS_TXN_LEGACY, sk + 32, bh, ix, 3, NULL, 0, &msg, NULL) != 0 ||
						ps_txn_sign((uint8_t *) msg.data, msg.len, sk, 1, &wire, NULL) != 0)
						return 1;
					sink ^= wire.data[1];
				}
				t_ours[r] = now() - t0;
			}
			else
			{
				/* the message bytes the other side just built */
				t0 = now();
				for (i = 0; i < CHUNK; i++)
				{
					crypto_sign_detached(sig, NULL, (uint8_t *) msg.data, msg.len, sk);
					sink ^= sig[0];
				}
				t_raw[r] = now() - t0;
			}
		}
		/* compile alone, to show its share */
		t0 = now();
		for (i = 0; i < CHUNK; i++)
		{
			msg.len = 0;
			if (ps_txn_compile(PS_TXN_LEGACY, sk + 32, bh, ix, 3, NULL, 0, &msg, NULL) != 0)
				return 1;
			sink ^= msg.data[1];
		}
		t_compile[r] = now() - t0;
		ratio[r] = t_raw[r] / t_ours[r];
	}
	if (memcmp(wire.data + 1, sig, 64) != 0)
		return 1;				/* both sides signed the same bytes */
	printf("{\"impl\": \"pg_solana build+sign\", \"ops_per_sec\": %.0f, \"ratio\": %.4f}\n",
		   CHUNK / median(t_ours, ROUNDS), median(ratio, ROUNDS));
	printf("{\"impl\": \"libsodium sign only\", \"ops_per_sec\": %.0f}\n",
		   CHUNK / median(t_raw, ROUNDS));
	printf("{\"impl\": \"pg_solana compile only\", \"ops_per_sec\": %.0f}\n",
		   CHUNK / median(t_compile, ROUNDS));
	ps_buf_free(&msg);
	ps_buf_free(&wire);
	return sink == 255 ? 0 : 0;
}
