/*
 * test_offchain.c
 *	  ps_offchain against ../shared/fixtures/offchain_messages.json
 *	  (made by @solana/kit 8.4.0): every case is encoded from its signers
 *	  and text and compared byte for byte, signed with the signer seeds
 *	  (ed25519 is deterministic, so signatures must match kit's), decoded,
 *	  verified and wrapped in an envelope; encode_errors are refused and
 *	  the verify cases give kit's outcome.
 */
#include "ps_test.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_error.h"
#include "ps_offchain.h"

static uint8_t *
unb64(const char *s, long *n)
{
	uint8_t    *out = malloc(strlen(s) + 1);

	*n = ps_test_base64(s, out, strlen(s) + 1);
	return out;
}

/* signers' keys (and secrets from the seeds) in the listed order */
static size_t
load_signers(const json_t *c, uint8_t (*keys)[32], uint8_t (*secrets)[64])
{
	const json_t *s;
	size_t		i;

	json_array_foreach(json_object_get(c, "signers"), i, s)
	{
		uint8_t		seed[32];
		uint8_t		pk[32];

		CHECK_INT(ps_test_hex(ps_test_str(s, "seed_hex"), seed, 32), 32);
		crypto_sign_seed_keypair(pk, secrets[i], seed);
		CHECK_INT(ps_base58_decode_32(ps_test_str(s, "pubkey"), keys[i]), PS_OK);
		CHECK_MEM(pk, keys[i], 32);
	}
	return json_array_size(json_object_get(c, "signers"));
}

static void
fill(const json_t *c, ps_offchain_t *m, uint8_t (*keys)[32], size_t n)
{
	const char *text = ps_test_str(c, "text");

	memset(m, 0, sizeof(*m));
	m->version = (int) ps_test_int(c, "version");
	if (m->version == 0)
	{
		CHECK_INT(ps_base58_decode_32(ps_test_str(c, "application_domain"), m->app_domain),
				  PS_OK);
		m->format = (int) ps_test_int(c, "format");
	}
	m->signers = &keys[0][0];
	m->signers_cnt = n;
	m->text = (const uint8_t *) text;
	m->text_sz = strlen(text);
}

static void
test_cases(const json_t *fx)
{
	const json_t *c;
	size_t		i;

	json_array_foreach(json_object_get(fx, "cases"), i, c)
	{
		uint8_t		keys[8][32];
		uint8_t		secrets[8][64];
		uint8_t		sigs[8][64];
		uint8_t		out[70000];
		uint8_t		env[70000];
		size_t		out_len = 0;
		size_t		env_len = 0;
		long		want_len;
		long		env_want_len;
		uint8_t    *want;
		uint8_t    *env_want;
		ps_offchain_t m;
		ps_offchain_t d;
		size_t		n;
		const json_t *order = json_object_get(c, "required_signatories_serialized_order");

		ps_test_begin("offchain %s", ps_test_str(c, "name"));
		n = load_signers(c, keys, secrets);
		fill(c, &m, keys, n);
		want = unb64(ps_test_str(c, "message_b64"), &want_len);
		env_want = unb64(ps_test_str(c, "envelope_b64"), &env_want_len);
		CHECK_INT(ps_offchain_encode(&m, out, sizeof(out), &out_len), PS_OK);
		CHECK_INT(out_len, want_len);
		CHECK_INT(out_len, ps_test_int(c, "message_len"));
		if ((long) out_len == want_len)
			CHECK_MEM(out, want, out_len);
		CHECK_INT(ps_offchain_encode(&m, out, out_len - 1, &out_len), PS_ERR_LIMIT);

		CHECK_INT(ps_offchain_decode(want, (size_t) want_len, &d), PS_OK);
		CHECK_INT(d.signers_cnt, n);
		CHECK_INT(d.text_sz, m.text_sz);
		CHECK_MEM(d.text, m.text, m.text_sz);
		/* signers in serialized order, and one signature each */
		for (size_t k = 0; k < d.signers_cnt; k++)
		{
			uint8_t		key[32];
			size_t		who = 0;

			CHECK_INT(ps_base58_decode_32(json_string_value(json_array_get(order, k)), key),
					  PS_OK);
			CHECK_MEM(d.signers + 32 * k, key, 32);
			for (size_t j = 0; j < n; j++)
				if (memcmp(keys[j], key, 32) == 0)
					who = j;
			crypto_sign_detached(sigs[k], NULL, want, (size_t) want_len, secrets[who]);
			CHECK_INT(ps_offchain_verify(want, (size_t) want_len, sigs[k], key), PS_OK);
		}
		/* kit's signatures are ours: ed25519 is deterministic */
		{
			const json_t *s;
			size_t		j;

			json_array_foreach(json_object_get(c, "signatures"), j, s)
			{
				uint8_t		sig[64];
				uint8_t		key[32];

				CHECK_INT(ps_test_hex(ps_test_str(s, "signature_hex"), sig, 64), 64);
				CHECK_INT(ps_base58_decode_32(ps_test_str(s, "pubkey"), key), PS_OK);
				CHECK_INT(ps_offchain_verify(want, (size_t) want_len, sig, key), PS_OK);
				for (size_t k = 0; k < d.signers_cnt; k++)
					if (memcmp(d.signers + 32 * k, key, 32) == 0)
						CHECK_MEM(sigs[k], sig, 64);
				/* a flipped bit anywhere breaks it */
				want[want_len - 1] ^= 1;
				CHECK(ps_offchain_verify(want, (size_t) want_len, sig, key) != PS_OK);
				want[want_len - 1] ^= 1;
				sig[5] ^= 0x10;
				CHECK_INT(ps_offchain_verify(want, (size_t) want_len, sig, key),
						  PS_ERR_SIGNATURE);
			}
		}
		CHECK_INT(ps_offchain_envelope(want, (size_t) want_len, (const uint8_t (*)[64]) sigs,
									   d.signers_cnt, env, sizeof(env), &env_len), PS_OK);
		CHECK_INT(env_len, env_want_len);
		if ((long) env_len == env_want_len)
			CHECK_MEM(env, env_want, env_len);
		/*
		 * truncations decode to a status; a v1 text runs to the end, so
		 * there only cuts inside the header (or an empty text) fail
		 */
		for (long cut = 0; cut < want_len; cut += 7)
			if (m.version == 0 || cut <= (long) (want_len - m.text_sz))
				CHECK(ps_offchain_decode(want, (size_t) cut, &d) != PS_OK);
		ps_test_end();
		free(want);
		free(env_want);
	}
}

static void
test_encode_errors(const json_t *fx)
{
	const json_t *c;
	size_t		i;

	json_array_foreach(json_object_get(fx, "encode_errors"), i, c)
	{
		uint8_t		keys[8][32];
		uint8_t		secrets[8][64];
		uint8_t		out[70000];
		size_t		out_len;
		ps_offchain_t m;
		size_t		n;

		ps_test_begin("offchain encode error %s", ps_test_str(c, "name"));
		n = load_signers(c, keys, secrets);
		fill(c, &m, keys, n);
		CHECK_INT(ps_offchain_encode(&m, out, sizeof(out), &out_len), PS_ERR_ARG);
		ps_test_end();
	}
}

static void
test_verify(const json_t *fx)
{
	const json_t *c;
	size_t		i;

	json_array_foreach(json_object_get(fx, "verify"), i, c)
	{
		uint8_t		keys[8][32];
		uint8_t		sigs[8][64];
		const json_t *s;
		size_t		j;
		long		n;
		uint8_t    *msg = unb64(ps_test_str(c, "message_b64"), &n);
		bool		ok = strcmp(ps_test_str(c, "expect"), "ok") == 0;
		size_t		cnt = 0;

		ps_test_begin("offchain verify %s", ps_test_str(c, "name"));
		/* a null signature is a signer who did not sign: leave it out */
		json_array_foreach(json_object_get(c, "signatures"), j, s)
		{
			const char *sig = ps_test_str(s, "signature");
			size_t		got = 0;
			size_t		bad = 0;

			if (sig == NULL)
				continue;
			CHECK_INT(ps_base58_decode_32(ps_test_str(s, "pubkey"), keys[cnt]), PS_OK);
			CHECK_INT(ps_base58_decode_fixed(sig, strlen(sig), sigs[cnt], 64, &bad, &got),
					  PS_OK);
			cnt++;
		}
		CHECK_INT(ps_offchain_verify_all(msg, (size_t) n, (const uint8_t (*)[32]) keys,
										 (const uint8_t (*)[64]) sigs, cnt),
				  ok ? PS_OK : PS_ERR_SIGNATURE);
		ps_test_end();
		free(msg);
	}
}

int
main(void)
{
	json_t	   *fx;

	if (sodium_init() < 0)
		return 1;
	fx = ps_test_fixture("offchain_messages.json");
	test_cases(fx);
	test_encode_errors(fx);
	test_verify(fx);
	json_decref(fx);
	return ps_test_done();
}
