/*
 * bench_txn.c
 *	  Build + sign of a 3-instruction legacy transaction (compute unit
 *	  price, System transfer, signed memo) with ps_txn, against raw
 *	  libsodium signing of the same message bytes.  Prints JSON lines.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ps_buf.h"
#include "ps_txn.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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
	uint8_t		budget_id[32] = {3, 2, 1};
	uint8_t		xfer[12] = {2, 0, 0, 0, 0x40, 0x42, 0x0f};
	uint8_t		price[9] = {3, 0xe8, 0x03};
	const char *memo = "pg_solana benchmark memo";
	ps_txn_meta_t xa[2];
	ps_txn_meta_t ma[1];
	ps_txn_ix_t ix[3];
	int			n = 20000;
	int			i;
	double		t0;
	double		t1;
	ps_buf_t	msg;
	ps_buf_t	wire;
	uint8_t		sig[64];
	volatile uint8_t sink = 0;

	if (sodium_init() < 0)
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
	t0 = now();
	for (i = 0; i < n; i++)
	{
		msg.len = 0;
		wire.len = 0;
		if (ps_txn_compile(PS_TXN_LEGACY, sk + 32, bh, ix, 3, NULL, 0, &msg, NULL) != 0 ||
			ps_txn_sign((uint8_t *) msg.data, msg.len, sk, 1, &wire, NULL) != 0)
			return 1;
		sink ^= wire.data[1];
	}
	t1 = now();
	printf("{\"impl\": \"pg_solana build+sign\", \"ops_per_sec\": %.0f}\n", n / (t1 - t0));
	t0 = now();
	for (i = 0; i < n; i++)
	{
		crypto_sign_detached(sig, NULL, (uint8_t *) msg.data, msg.len, sk);
		sink ^= sig[0];
	}
	t1 = now();
	printf("{\"impl\": \"libsodium sign only\", \"ops_per_sec\": %.0f}\n", n / (t1 - t0));
	return sink == 255 ? 0 : 0;
}
