/*
 * test_txn.c
 *	  Transactions against every case of transactions.json: compiled
 *	  message bytes, signatures, wire bytes, the decoded JSON and the
 *	  1232-byte limit; plus shortvec, the key order and keypair files.
 */
#include "ps_test.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_buf.h"
#include "ps_error.h"
#include "ps_txn.h"

#define CAP 4096

static void
key_of(const char *b58, uint8_t out[32])
{
	if (ps_base58_decode_32(b58, out) != PS_OK)
	{
		printf("Bail out! bad key %s in fixture\n", b58);
		exit(255);
	}
}

/* the case's instructions and tables in core form; storage is malloc'd */
typedef struct built_t
{
	ps_txn_ix_t ix[64];
	size_t		ix_cnt;
	ps_txn_alt_t alt[8];
	size_t		alt_cnt;
	void	   *blocks[256];
	int			blocks_cnt;
} built_t;

static void *
keep(built_t *b, size_t sz)
{
	void	   *p = calloc(1, sz ? sz : 1);

	b->blocks[b->blocks_cnt++] = p;
	return p;
}

static void
build_case(json_t *c, built_t *b)
{
	json_t	   *ixs = json_object_get(c, "instructions");
	json_t	   *alts = json_object_get(c, "address_lookup_tables");
	size_t		i;
	size_t		j;
	json_t	   *v;

	memset(b, 0, sizeof(*b));
	json_array_foreach(ixs, i, v)
	{
		ps_txn_ix_t *ix = &b->ix[i];
		json_t	   *accs = json_object_get(v, "accounts");
		json_t	   *a;
		ps_txn_meta_t *m = keep(b, sizeof(ps_txn_meta_t) * json_array_size(accs));
		const char *d = ps_test_str(v, "data_b64");
		uint8_t    *data = keep(b, strlen(d));
		long		n;

		key_of(ps_test_str(v, "program_id"), ix->program_id);
		json_array_foreach(accs, j, a)
		{
			key_of(ps_test_str(a, "pubkey"), m[j].pubkey);
			m[j].is_signer = json_is_true(json_object_get(a, "is_signer"));
			m[j].is_writable = json_is_true(json_object_get(a, "is_writable"));
		}
		ix->accounts = m;
		ix->accounts_cnt = json_array_size(accs);
		n = ps_test_base64(d, data, strlen(d) + 1);
		ix->data = data;
		ix->data_sz = n < 0 ? 0 : (size_t) n;
		b->ix_cnt++;
	}
	json_array_foreach(alts, i, v)
	{
		json_t	   *addrs = json_object_get(v, "addresses");
		json_t	   *a;
		uint8_t   (*keys)[32] = keep(b, 32 * json_array_size(addrs));

		key_of(ps_test_str(v, "address"), b->alt[i].address);
		json_array_foreach(addrs, j, a)
			key_of(json_string_value(a), keys[j]);
		b->alt[i].addresses = (const uint8_t (*)[32]) keys;
		b->alt[i].addresses_cnt = json_array_size(addrs);
		b->alt_cnt++;
	}
}

static void
free_built(built_t *b)
{
	int			i;

	for (i = 0; i < b->blocks_cnt; i++)
		free(b->blocks[i]);
}

static void
test_case(json_t *c)
{
	json_t	   *exp = json_object_get(c, "expected");
	const char *name = ps_test_str(c, "name");
	const char *err = ps_test_str(c, "expect_error");
	json_t	   *ver = json_object_get(c, "version");
	int			version = ps_test_num(ver) ? PS_TXN_V0 : PS_TXN_LEGACY;
	built_t		b;
	uint8_t		payer[32];
	uint8_t		bh[32];
	static uint8_t want_msg[CAP];
	static uint8_t want_wire[CAP];
	long		want_msg_sz;
	long		want_wire_sz;
	ps_buf_t	msg;
	ps_buf_t	wire;
	size_t		wire_sz = 0;
	uint8_t		secrets[16 * PS_TXN_SECRET_SZ];
	size_t		nsec = 0;
	size_t		i;
	json_t	   *s;
	int			rc;

	ps_test_begin("%s", name);
	build_case(c, &b);
	key_of(ps_test_str(c, "fee_payer"), payer);
	key_of(ps_test_str(c, "recent_blockhash"), bh);
	want_msg_sz = ps_test_base64(ps_test_str(exp, "message_b64"), want_msg, CAP);
	want_wire_sz = ps_test_base64(ps_test_str(exp, "wire_b64"), want_wire, CAP);
	CHECK_INT(want_msg_sz, ps_test_int(exp, "message_len"));
	CHECK_INT(want_wire_sz, ps_test_int(exp, "wire_size"));

	ps_buf_init(&msg, NULL, NULL);
	rc = ps_txn_compile(version, payer, bh, b.ix, b.ix_cnt, b.alt, b.alt_cnt,
						&msg, &wire_sz);
	CHECK_INT(rc, err ? PS_ERR_TOO_LARGE : PS_OK);
	CHECK_INT(msg.len, want_msg_sz);
	CHECK(msg.len == (size_t) want_msg_sz && memcmp(msg.data, want_msg, msg.len) == 0);
	CHECK_INT(wire_sz, want_wire_sz);

	json_array_foreach(json_object_get(c, "signers"), i, s)
	{
		uint8_t		seed[32];
		char		pk[PS_BASE58_PUBKEY_MAX_LEN + 1];

		CHECK_INT(ps_test_hex(ps_test_str(s, "seed_hex"), seed, 32), 32);
		ps_txn_keypair_from_seed(seed, &secrets[nsec * PS_TXN_SECRET_SZ]);
		ps_base58_encode_32(&secrets[nsec * PS_TXN_SECRET_SZ + 32], pk);
		CHECK_STR(pk, ps_test_str(s, "pubkey"));
		nsec++;
	}

	/* sign the fixture's message, so signatures are checked even if ours differs */
	ps_buf_init(&wire, NULL, NULL);
	rc = ps_txn_sign(want_msg, want_msg_sz, secrets, nsec, &wire, NULL);
	if (err)
	{
		const uint8_t *sigs;
		const uint8_t *m;
		size_t		msz;
		int			n;

		CHECK_INT(rc, PS_ERR_TOO_LARGE);
		CHECK_INT(wire.len, 0);
		CHECK_INT(ps_txn_split_wire(want_wire, want_wire_sz, &sigs, &n, &m, &msz),
				  PS_ERR_TOO_LARGE);
	}
	else
	{
		json_t	   *sigs = json_object_get(exp, "signatures");
		ps_buf_t	js;
		json_t	   *got;
		char		where[256] = "";
		int			bad = -1;

		CHECK_INT(rc, PS_OK);
		CHECK_INT(wire.len, want_wire_sz);
		CHECK(wire.len == (size_t) want_wire_sz &&
			  memcmp(wire.data, want_wire, wire.len) == 0);
		json_array_foreach(sigs, i, s)
		{
			char		t[PS_BASE58_SIGNATURE_MAX_LEN + 1];

			if (1 + (i + 1) * 64 > wire.len)
				break;
			ps_base58_encode_64((uint8_t *) wire.data + 1 + i * 64, t);
			CHECK_STR(t, json_string_value(s));
		}
		CHECK_INT(ps_txn_verify(want_wire, want_wire_sz, NULL), PS_OK);
		i = 1 + 64 * (json_array_size(sigs) - 1);	/* the last signature */
		want_wire[i] ^= 1;
		CHECK_INT(ps_txn_verify(want_wire, want_wire_sz, &bad), PS_ERR_SIGNATURE);
		CHECK_INT(bad, json_array_size(sigs) - 1);
		want_wire[i] ^= 1;
		want_wire[want_wire_sz - 1] ^= 1;	/* the message */
		CHECK(ps_txn_verify(want_wire, want_wire_sz, &bad) != PS_OK);
		want_wire[want_wire_sz - 1] ^= 1;

		/* decoding the wire bytes gives the fixture's message */
		ps_buf_init(&js, NULL, NULL);
		CHECK_INT(ps_txn_decode_json(want_wire, want_wire_sz, false, &js), PS_OK);
		got = ps_test_parse(js.data, js.len);
		CHECK(got != NULL);
		if (got)
		{
			if (!ps_test_json_equal(json_object_get(got, "message"),
									json_object_get(exp, "message"), where, sizeof(where)))
				ps_test_fail(__FILE__, __LINE__, "decoded message differs at %s", where);
			if (!ps_test_json_equal(json_object_get(got, "signatures"), sigs,
									where, sizeof(where)))
				ps_test_fail(__FILE__, __LINE__, "decoded signatures differ at %s", where);
			CHECK_INT(ps_test_int(got, "wire_size"), want_wire_sz);
			json_decref(got);
		}
		ps_buf_free(&js);

		/* every strict prefix and one extra byte are refused */
		for (i = 0; i < (size_t) want_wire_sz; i++)
		{
			ps_buf_init(&js, NULL, NULL);
			if (ps_txn_decode_json(want_wire, i, false, &js) == PS_OK)
				ps_test_fail(__FILE__, __LINE__, "prefix of %zu bytes decodes", i);
			ps_buf_free(&js);
		}
		want_wire[want_wire_sz] = 0;
		ps_buf_init(&js, NULL, NULL);
		CHECK_INT(ps_txn_decode_json(want_wire, want_wire_sz + 1, false, &js),
				  want_wire_sz + 1 > PS_TXN_PACKET_SZ ? PS_ERR_TRAILING : PS_ERR_TRAILING);
		ps_buf_free(&js);

		/* a missing signer is named */
		if (nsec > 0)
		{
			int			missing = -1;

			ps_buf_free(&wire);
			ps_buf_init(&wire, NULL, NULL);
			CHECK_INT(ps_txn_sign(want_msg, want_msg_sz, secrets + PS_TXN_SECRET_SZ,
								  nsec - 1, &wire, &missing), PS_ERR_ARG);
			CHECK(missing >= 0);
		}
	}
	sodium_memzero(secrets, sizeof(secrets));
	ps_buf_free(&msg);
	ps_buf_free(&wire);
	free_built(&b);
	ps_test_end();
}

/* the obviously correct order: fold case, compare; then case, lowercase first */
static int
slow_cmp(const char *a, const char *b)
{
	char		la[64];
	char		lb[64];
	size_t		i;
	int			c;

	for (i = 0; a[i]; i++)
		la[i] = (char) (a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i]);
	la[i] = 0;
	for (i = 0; b[i]; i++)
		lb[i] = (char) (b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i]);
	lb[i] = 0;
	c = strcmp(la, lb);
	if (c)
		return c < 0 ? -1 : 1;
	c = strcmp(a, b);			/* uppercase sorts before lowercase in ASCII */
	return c == 0 ? 0 : c < 0 ? 1 : -1;
}

static void
test_key_order(void)
{
	int			i;
	const char *al = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

	ps_test_begin("key order matches the case-folded order on random base58 pairs");
	for (i = 0; i < 200000; i++)
	{
		char		a[12];
		char		b[12];
		int			la = 1 + (int) randombytes_uniform(6);
		int			lb = 1 + (int) randombytes_uniform(6);
		int			k;

		for (k = 0; k < la; k++)
			a[k] = al[randombytes_uniform(58) % (k % 2 ? 58 : 6)];
		a[la] = 0;
		for (k = 0; k < lb; k++)
			b[k] = al[randombytes_uniform(58) % (k % 2 ? 58 : 6)];
		b[lb] = 0;
		if (randombytes_uniform(4) == 0)
		{
			/* same letters, other case */
			memcpy(b, a, la + 1);
			for (k = 0; k < la; k++)
				if (randombytes_uniform(2) && b[k] >= 'a' && b[k] <= 'z' && b[k] != 'l' &&
					b[k] - 32 != 'I' && b[k] - 32 != 'O')
					b[k] -= 32;
		}
		if (ps_txn_key_cmp(a, b) != slow_cmp(a, b))
		{
			ps_test_fail(__FILE__, __LINE__, "\"%s\" vs \"%s\": %d, slow %d", a, b,
						 ps_txn_key_cmp(a, b), slow_cmp(a, b));
			break;
		}
	}
	CHECK(ps_txn_key_cmp("a", "B") < 0);
	CHECK(ps_txn_key_cmp("b", "A") > 0);
	CHECK(ps_txn_key_cmp("ab", "Ab") < 0);
	CHECK(ps_txn_key_cmp("A", "ab") < 0);
	CHECK(ps_txn_key_cmp("9", "a") < 0);
	ps_test_end();
}

static void
test_shortvec(void)
{
	unsigned	v;
	unsigned	got;
	uint8_t		p[4];

	ps_test_begin("shortvec round-trips every u16 and refuses aliases and overflow");
	for (v = 0; v <= 0xffff; v++)
	{
		ps_buf_t	b;
		int			n;

		ps_buf_init(&b, NULL, NULL);
		n = ps_txn_shortvec_put(&b, v);
		if (ps_txn_shortvec_get((uint8_t *) b.data, b.len, &got) != n || got != v ||
			(size_t) n != b.len)
		{
			ps_test_fail(__FILE__, __LINE__, "value %u", v);
			ps_buf_free(&b);
			break;
		}
		if (ps_txn_shortvec_get((uint8_t *) b.data, b.len - 1, &got) != PS_ERR_TRUNCATED)
			ps_test_fail(__FILE__, __LINE__, "truncated %u decodes", v);
		ps_buf_free(&b);
	}
	p[0] = 0x80;
	p[1] = 0x00;
	CHECK_INT(ps_txn_shortvec_get(p, 2, &got), PS_ERR_BAD_DATA);
	p[0] = 0xff;
	p[1] = 0xff;
	p[2] = 0x04;
	CHECK_INT(ps_txn_shortvec_get(p, 3, &got), PS_ERR_BAD_DATA);
	p[2] = 0x03;
	CHECK_INT(ps_txn_shortvec_get(p, 3, &got), 3);
	CHECK_INT(got, 0xffff);
	p[2] = 0x83;
	CHECK_INT(ps_txn_shortvec_get(p, 4, &got), PS_ERR_BAD_DATA);
	ps_test_end();
}

static void
test_keypair_file(void)
{
	uint8_t		seed[32];
	uint8_t		sk[64];
	uint8_t		got[64];
	char		text[1024];
	size_t		n = 0;
	int			i;

	ps_test_begin("Solana CLI keypair files");
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t) (i * 7 + 1);
	ps_txn_keypair_from_seed(seed, sk);
	n += snprintf(text + n, sizeof(text) - n, " [");
	for (i = 0; i < 64; i++)
		n += snprintf(text + n, sizeof(text) - n, "%s%d", i ? ", " : "", sk[i]);
	n += snprintf(text + n, sizeof(text) - n, "]\n");
	CHECK_INT(ps_txn_keypair_parse(text, n, got), PS_OK);
	CHECK_MEM(got, sk, 64);
	/* public half of another key */
	{
		char		bad[1024];
		size_t		m = 0;

		for (i = 0; i < 64; i++)
			m += snprintf(bad + m, sizeof(bad) - m, "%s%d", i ? "," : "[",
						  i == 63 ? sk[i] ^ 1 : sk[i]);
		m += snprintf(bad + m, sizeof(bad) - m, "]");
		CHECK_INT(ps_txn_keypair_parse(bad, m, got), PS_ERR_ARG);
		CHECK_INT(got[0] | got[1] | got[63], 0);
	}
	CHECK_INT(ps_txn_keypair_parse("[1,2,3]", 7, got), PS_ERR_JSON);
	CHECK_INT(ps_txn_keypair_parse("", 0, got), PS_ERR_JSON);
	CHECK_INT(ps_txn_keypair_parse("[256]", 5, got), PS_ERR_JSON);
	CHECK_INT(ps_txn_keypair_parse(text, n - 2, got), PS_ERR_JSON);
	ps_test_end();
}

int
main(void)
{
	json_t	   *f;
	json_t	   *c;
	size_t		i;

	if (sodium_init() < 0)
		return 1;
	f = ps_test_fixture("transactions.json");
	json_array_foreach(json_object_get(f, "cases"), i, c)
		test_case(c);
	test_shortvec();
	test_key_order();
	test_keypair_file();
	json_decref(f);
	return ps_test_done();
}
