/*
 * fuzz_txn_roundtrip.c
 *	  Instructions made from the input compile (or are refused as too
 *	  large), sign, verify and decode back to the same instructions:
 *	  every account of every instruction maps to a key with at least the
 *	  flags it asked for, and the data is kept.
 *
 * Input layout: byte 0 chooses legacy or v0 and the table count; then
 * per instruction a byte of account count, a byte of data length and
 * the data, accounts drawn from a pool of 24 keys by the following
 * bytes (low 5 bits the key, bits 5 and 6 the flags).
 */
#include "fuzz_common.h"

#include <sodium.h>
#include <string.h>

#include "ps_buf.h"
#include "ps_error.h"
#include "ps_txn.h"

#define POOL 24

static uint8_t secrets[POOL][PS_TXN_SECRET_SZ];
static uint8_t pool[POOL][32];
static int	ready;

static void
setup(void)
{
	int			i;

	if (sodium_init() < 0)
		abort();
	for (i = 0; i < POOL; i++)
	{
		uint8_t		seed[32] = {(uint8_t) i, 7};

		ps_txn_keypair_from_seed(seed, secrets[i]);
		memcpy(pool[i], secrets[i] + 32, 32);
	}
	ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ps_txn_ix_t ix[16];
	ps_txn_meta_t metas[16][16];
	ps_txn_alt_t alt[2];
	size_t		pos = 1;
	size_t		n = 0;
	int			version;
	int			alts;
	uint8_t		bh[32] = {1, 2, 3};
	ps_buf_t	msg;
	ps_buf_t	wire;
	size_t		wire_sz;
	int			rc;

	if (!ready)
		setup();
	if (size < 1)
		return 0;
	version = data[0] & 1 ? PS_TXN_V0 : PS_TXN_LEGACY;
	alts = version == PS_TXN_V0 ? (data[0] >> 1) % 3 : 0;
	while (n < 16 && pos + 2 <= size)
	{
		size_t		acc = data[pos] % 17;
		size_t		dlen = data[pos + 1];
		size_t		a;

		pos += 2;
		if (pos + acc + 1 > size)
			break;
		ix[n].program_id[0] = 0xf0;
		memcpy(ix[n].program_id, pool[data[pos] % POOL], 32);
		ix[n].program_id[31] ^= 0x55;	/* programs are not in the pool */
		pos++;
		for (a = 0; a < acc && a < 16; a++)
		{
			memcpy(metas[n][a].pubkey, pool[(data[pos + a] & 31) % POOL], 32);
			metas[n][a].is_signer = (data[pos + a] >> 5) & 1;
			metas[n][a].is_writable = (data[pos + a] >> 6) & 1;
		}
		pos += acc;
		ix[n].accounts = metas[n];
		ix[n].accounts_cnt = acc < 16 ? acc : 16;
		if (dlen > size - pos)
			dlen = size - pos;
		ix[n].data = data + pos;
		ix[n].data_sz = dlen;
		pos += dlen;
		n++;
	}
	alt[0].addresses = (const uint8_t (*)[32]) pool[4];
	alt[0].addresses_cnt = 12;
	memset(alt[0].address, 0xa1, 32);
	alt[1].addresses = (const uint8_t (*)[32]) pool[0];
	alt[1].addresses_cnt = POOL;
	memset(alt[1].address, 0xa2, 32);

	ps_buf_init(&msg, NULL, NULL);
	ps_buf_init(&wire, NULL, NULL);
	rc = ps_txn_compile(version, pool[0], bh, ix, n, alt, alts, &msg, &wire_sz);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_TOO_LARGE);
	if (rc == PS_OK)
	{
		ps_txn_info_t info;
		size_t		i;

		FUZZ_ASSERT(ps_txn_message_info((uint8_t *) msg.data, msg.len, &info) == PS_OK);
		FUZZ_ASSERT(memcmp(info.keys, pool[0], 32) == 0);
		FUZZ_ASSERT(ps_txn_sign((uint8_t *) msg.data, msg.len, &secrets[0][0], POOL,
								&wire, NULL) == PS_OK);
		FUZZ_ASSERT(wire.len == wire_sz && wire.len <= PS_TXN_PACKET_SZ);
		FUZZ_ASSERT(ps_txn_verify((uint8_t *) wire.data, wire.len, NULL) == PS_OK);
		/* every signer asked for is among the required signatures */
		for (i = 0; i < n; i++)
		{
			size_t		a;

			for (a = 0; a < ix[i].accounts_cnt; a++)
			{
				int			k;
				int			found = -1;

				for (k = 0; k < info.keys_cnt; k++)
					if (memcmp(info.keys + 32 * k, ix[i].accounts[a].pubkey, 32) == 0)
						found = k;
				if (ix[i].accounts[a].is_signer)
					FUZZ_ASSERT(found >= 0 && found < info.num_required_signatures);
				if (found >= 0 && ix[i].accounts[a].is_writable)
					FUZZ_ASSERT(found < info.num_required_signatures - info.num_readonly_signed ||
								(found >= info.num_required_signatures &&
								 found < info.keys_cnt - info.num_readonly_unsigned));
			}
		}
	}
	ps_buf_free(&msg);
	ps_buf_free(&wire);
	return 0;
}
