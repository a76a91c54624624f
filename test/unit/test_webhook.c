/*
 * test_webhook.c
 *	  ps_webhook against every case of ../shared/fixtures/webhooks.json
 *	  (made by the standardwebhooks package), plus the retry schedule,
 *	  Retry-After, the circuit breaker, SSRF classes and header checks.
 */
#include "ps_test.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ps_error.h"
#include "ps_webhook.h"

static void
fixture_sign(json_t *cases)
{
	size_t		i;
	json_t	   *c;

	json_array_foreach(cases, i, c)
	{
		const char *secret = ps_test_str(c, "secret");
		const char *payload = ps_test_str(c, "payload");
		const char *id = ps_test_str(c, "msg_id");
		uint8_t		key[PS_WEBHOOK_KEY_MAX];
		size_t		key_len = 0;
		char		sig[PS_WEBHOOK_SIG_SZ];
		char		enc[PS_WEBHOOK_SECRET_MAX];
		ps_webhook_verdict_t why;
		char		ts[32];

		ps_test_begin("sign %s", ps_test_str(c, "name"));
		CHECK_INT(ps_webhook_secret_decode(secret, strlen(secret), key, &key_len), PS_OK);
		CHECK_INT(ps_webhook_sign(key, key_len, id, ps_test_int(c, "timestamp"),
								  payload, strlen(payload), sig), PS_OK);
		CHECK_STR(sig, ps_test_str(c, "webhook_signature"));
		/* the secret's text form round-trips (prefix added when absent) */
		CHECK_INT(ps_webhook_secret_encode(key, key_len, enc), PS_OK);
		CHECK_STR(strncmp(secret, "whsec_", 6) == 0 ? enc : enc + 6, secret);
		/* and our own signature verifies */
		snprintf(ts, sizeof(ts), "%lld", ps_test_int(c, "timestamp"));
		CHECK_INT(ps_webhook_verify(key, key_len, id, ts, sig, payload, strlen(payload),
									ps_test_int(c, "timestamp"), 300, &why), PS_OK);
		CHECK_INT(why, PS_WEBHOOK_VERIFIED);
		ps_test_end();
	}
}

static const char *
header(json_t *headers, const char *name)
{
	const char *k;
	json_t	   *v;

	json_object_foreach(headers, k, v)
		if (strcasecmp(k, name) == 0)
		return json_string_value(v);
	return NULL;
}

static void
fixture_verify(json_t *cases)
{
	size_t		i;
	json_t	   *c;

	json_array_foreach(cases, i, c)
	{
		const char *secret = ps_test_str(c, "secret");
		const char *payload = ps_test_str(c, "payload");
		json_t	   *h = json_object_get(c, "headers");
		const char *expect = ps_test_str(c, "expect");
		const char *liberr = ps_test_str(c, "library_error");
		uint8_t		key[PS_WEBHOOK_KEY_MAX];
		size_t		key_len = 0;
		ps_webhook_verdict_t why = PS_WEBHOOK_VERIFIED;
		int			rc;

		ps_test_begin("verify %s", ps_test_str(c, "name"));
		CHECK_INT(ps_webhook_secret_decode(secret, strlen(secret), key, &key_len), PS_OK);
		rc = ps_webhook_verify(key, key_len, header(h, "webhook-id"),
							   header(h, "webhook-timestamp"),
							   header(h, "webhook-signature"),
							   payload, strlen(payload), ps_test_int(c, "now"),
							   ps_test_int(c, "tolerance_seconds"), &why);
		if (strcmp(expect, "ok") == 0)
		{
			CHECK_INT(rc, PS_OK);
			CHECK_INT(why, PS_WEBHOOK_VERIFIED);
		}
		else
		{
			CHECK_INT(rc, PS_ERR_SIGNATURE);
			CHECK_STR(ps_webhook_verdict_text(why), liberr);
		}
		ps_test_end();
	}
}

static void
secrets(void)
{
	uint8_t		key[PS_WEBHOOK_KEY_MAX];
	uint8_t		big[PS_WEBHOOK_KEY_MAX + 1];
	char		enc[PS_WEBHOOK_SECRET_MAX];
	size_t		n = 0;

	ps_test_begin("secret: bad text");
	CHECK_INT(ps_webhook_secret_decode("whsec_", 6, key, &n), PS_ERR_LENGTH);
	CHECK_INT(ps_webhook_secret_decode("", 0, key, &n), PS_ERR_LENGTH);
	CHECK_INT(ps_webhook_secret_decode("whsec_abc", 9, key, &n), PS_ERR_BASE64);
	CHECK_INT(ps_webhook_secret_decode("whsec_ab$d", 10, key, &n), PS_ERR_BASE64);
	CHECK_INT(ps_webhook_secret_decode("whsec_====", 10, key, &n), PS_ERR_BASE64);
	ps_test_end();

	ps_test_begin("secret: size limits");
	memset(big, 7, sizeof(big));
	CHECK_INT(ps_webhook_secret_encode(big, PS_WEBHOOK_KEY_MAX, enc), PS_OK);
	CHECK_INT(ps_webhook_secret_decode(enc, strlen(enc), key, &n), PS_OK);
	CHECK_INT(n, PS_WEBHOOK_KEY_MAX);
	CHECK_INT(ps_webhook_secret_encode(big, PS_WEBHOOK_KEY_MAX + 1, enc), PS_ERR_LENGTH);
	CHECK_INT(ps_webhook_secret_encode(big, 0, enc), PS_ERR_LENGTH);
	/* 129 bytes of key in base64 is refused */
	{
		char		b64[300];

		sodium_bin2base64(b64, sizeof(b64), big, sizeof(big), sodium_base64_VARIANT_ORIGINAL);
		CHECK_INT(ps_webhook_secret_decode(b64, strlen(b64), key, &n), PS_ERR_LENGTH);
	}
	ps_test_end();

	ps_test_begin("sign: bad message ids and timestamps");
	{
		char		sig[PS_WEBHOOK_SIG_SZ];
		char		longid[PS_WEBHOOK_ID_MAX + 2];

		memset(longid, 'a', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = '\0';
		CHECK_INT(ps_webhook_sign(big, 32, "", 1, "", 0, sig), PS_ERR_ARG);
		CHECK_INT(ps_webhook_sign(big, 32, "a b", 1, "", 0, sig), PS_ERR_ARG);
		CHECK_INT(ps_webhook_sign(big, 32, "a\r\nx: y", 1, "", 0, sig), PS_ERR_ARG);
		CHECK_INT(ps_webhook_sign(big, 32, longid, 1, "", 0, sig), PS_ERR_ARG);
		longid[PS_WEBHOOK_ID_MAX] = '\0';
		CHECK_INT(ps_webhook_sign(big, 32, longid, 1, "", 0, sig), PS_OK);
		CHECK_INT(ps_webhook_sign(big, 32, "x", -1, "", 0, sig), PS_ERR_ARG);
		CHECK_INT(ps_webhook_sign(big, 0, "x", 1, "", 0, sig), PS_ERR_LENGTH);
	}
	ps_test_end();
}

/* slow, obviously correct HMAC: sign the concatenated content at once */
static void
cross_check(void)
{
	int			k;

	ps_test_begin("sign: streaming HMAC equals one-shot HMAC on random messages");
	for (k = 0; k < 500; k++)
	{
		uint8_t		key[64];
		char		payload[300];
		char		content[400];
		uint8_t		mac[32];
		char		want[PS_WEBHOOK_SIG_SZ];
		char		got[PS_WEBHOOK_SIG_SZ];
		size_t		key_len = 1 + randombytes_uniform(64);
		size_t		plen = randombytes_uniform(sizeof(payload));
		long long	ts = randombytes_uniform(2000000000);
		crypto_auth_hmacsha256_state st;
		int			clen;

		randombytes_buf(key, key_len);
		randombytes_buf(payload, plen);
		memcpy(content, "msg_x", 5);
		clen = 5 + snprintf(content + 5, 40, ".%lld.", ts);
		memcpy(content + clen, payload, plen);
		crypto_auth_hmacsha256_init(&st, key, key_len);
		crypto_auth_hmacsha256_update(&st, (uint8_t *) content, clen + plen);
		crypto_auth_hmacsha256_final(&st, mac);
		memcpy(want, "v1,", 3);
		sodium_bin2base64(want + 3, sizeof(want) - 3, mac, 32, sodium_base64_VARIANT_ORIGINAL);
		CHECK_INT(ps_webhook_sign(key, key_len, "msg_x", ts, payload, plen, got), PS_OK);
		CHECK_STR(got, want);
	}
	ps_test_end();

	ps_test_begin("verify: two signatures (rotation), garbage entries around them");
	{
		uint8_t		k1[32],
					k2[32];
		char		s1[PS_WEBHOOK_SIG_SZ],
					s2[PS_WEBHOOK_SIG_SZ];
		char		hdr[256];

		randombytes_buf(k1, 32);
		randombytes_buf(k2, 32);
		ps_webhook_sign(k1, 32, "evt_1", 1000, "{}", 2, s1);
		ps_webhook_sign(k2, 32, "evt_1", 1000, "{}", 2, s2);
		snprintf(hdr, sizeof(hdr), "%s %s", s1, s2);
		CHECK_INT(ps_webhook_verify(k1, 32, "evt_1", "1000", hdr, "{}", 2, 1000, 300, NULL), PS_OK);
		CHECK_INT(ps_webhook_verify(k2, 32, "evt_1", "1000", hdr, "{}", 2, 1000, 300, NULL), PS_OK);
		snprintf(hdr, sizeof(hdr), "v1a,x  , ,,, v1 %s", s2);
		CHECK_INT(ps_webhook_verify(k2, 32, "evt_1", "1000", hdr, "{}", 2, 1000, 300, NULL), PS_OK);
		CHECK_INT(ps_webhook_verify(k1, 32, "evt_1", "1000", hdr, "{}", 2, 1000, 300, NULL),
				  PS_ERR_SIGNATURE);
		/* signature followed by ",extra" still matches, as in the library */
		snprintf(hdr, sizeof(hdr), "%s,extra", s1);
		CHECK_INT(ps_webhook_verify(k1, 32, "evt_1", "1000", hdr, "{}", 2, 1000, 300, NULL), PS_OK);
		CHECK_INT(ps_webhook_verify(k1, 32, "evt_1", "99999999999999999999", s1, "{}", 2,
									1000, 300, NULL), PS_ERR_SIGNATURE);
	}
	ps_test_end();
}

static void
schedule(void)
{
	int			f;

	ps_test_begin("retry: default schedule 5 s, 5 min, 30 min, 2 h, 5 h, 10 h with 10 %% jitter");
	for (f = 1; f <= 12; f++)
	{
		int64_t		base = ps_webhook_default_schedule_ms[f <= 6 ? f - 1 : 5];
		int			k;

		for (k = 0; k < 200; k++)
		{
			int64_t		d = ps_webhook_retry_delay_ms(NULL, 0, f, randombytes_random());

			CHECK(d >= base - base / 10 && d <= base + base / 10);
		}
		CHECK_INT(ps_webhook_retry_delay_ms(NULL, 0, f, 0), base - base / 10);
		CHECK_INT(ps_webhook_retry_delay_ms(NULL, 0, f, (uint32_t) (2 * (base / 10))),
				  base + base / 10);
	}
	CHECK_INT(ps_webhook_retry_delay_ms(NULL, 0, 0, 0), 4500);
	CHECK_INT(ps_webhook_retry_delay_ms(NULL, 0, -5, 0), 4500);
	ps_test_end();

	ps_test_begin("retry: custom schedule, cap, negatives");
	{
		int64_t		s[] = {100, 1000, -3, 100LL * 24 * 3600 * 1000};

		CHECK_INT(ps_webhook_retry_delay_ms(s, 4, 1, 10), 100);
		CHECK_INT(ps_webhook_retry_delay_ms(s, 4, 2, 0), 900);
		CHECK_INT(ps_webhook_retry_delay_ms(s, 4, 3, 12345), 0);
		CHECK(ps_webhook_retry_delay_ms(s, 4, 4, 0xffffffffu) <= PS_WEBHOOK_RETRY_CAP_MS);
		CHECK(ps_webhook_retry_delay_ms(s, 4, 400, 0) <= PS_WEBHOOK_RETRY_CAP_MS);
		CHECK(ps_webhook_retry_delay_ms(s, 4, 4, 0) >= PS_WEBHOOK_RETRY_CAP_MS * 9 / 10);
	}
	ps_test_end();

	ps_test_begin("Retry-After: seconds and IMF-fixdate");
	{
		int64_t		d = -1;

		CHECK_INT(ps_webhook_retry_after("120", 3, 0, &d), PS_OK);
		CHECK_INT(d, 120);
		CHECK_INT(ps_webhook_retry_after("  7 ", 4, 0, &d), PS_OK);
		CHECK_INT(d, 7);
		CHECK_INT(ps_webhook_retry_after("0", 1, 0, &d), PS_OK);
		CHECK_INT(d, 0);
		CHECK_INT(ps_webhook_retry_after("99999999999999999999999", 23, 0, &d), PS_OK);
		CHECK_INT(d, PS_WEBHOOK_RETRY_CAP_MS / 1000);
		/* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example) */
		CHECK_INT(ps_webhook_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 29,
										 784111777 - 30, &d), PS_OK);
		CHECK_INT(d, 30);
		CHECK_INT(ps_webhook_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 29,
										 784111777 + 30, &d), PS_OK);
		CHECK_INT(d, 0);
		CHECK_INT(ps_webhook_retry_after("Thu, 29 Feb 2024 23:59:59 GMT", 29,
										 1709251199 - 5, &d), PS_OK);
		CHECK_INT(d, 5);
		CHECK_INT(ps_webhook_retry_after("", 0, 0, &d), PS_ERR_SYNTAX);
		CHECK_INT(ps_webhook_retry_after("  ", 2, 0, &d), PS_ERR_SYNTAX);
		CHECK_INT(ps_webhook_retry_after("-1", 2, 0, &d), PS_ERR_SYNTAX);
		CHECK_INT(ps_webhook_retry_after("1.5", 3, 0, &d), PS_ERR_SYNTAX);
		CHECK_INT(ps_webhook_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", 29, 0, &d), PS_ERR_SYNTAX);
		CHECK_INT(ps_webhook_retry_after("Sun, 32 Nov 1994 08:49:37 GMT", 29, 0, &d), PS_ERR_SYNTAX);
		CHECK_INT(ps_webhook_retry_after("Sun, 06 Nov 1994 08:49:37 GMTx", 30, 0, &d), PS_ERR_SYNTAX);
		CHECK_INT(ps_webhook_retry_after("Sun, 06 Nov 1994", 16, 0, &d), PS_ERR_SYNTAX);
		CHECK_INT(ps_webhook_retry_after(NULL, 0, 0, &d), PS_ERR_SYNTAX);
	}
	ps_test_end();

	ps_test_begin("circuit breaker: closed below 5 failures, then 30 s doubling to 10 min");
	CHECK_INT(ps_webhook_breaker_ms(0), 0);
	CHECK_INT(ps_webhook_breaker_ms(4), 0);
	CHECK_INT(ps_webhook_breaker_ms(5), 30000);
	CHECK_INT(ps_webhook_breaker_ms(6), 60000);
	CHECK_INT(ps_webhook_breaker_ms(9), 480000);
	CHECK_INT(ps_webhook_breaker_ms(10), 600000);
	CHECK_INT(ps_webhook_breaker_ms(1000000), 600000);
	ps_test_end();
}

static void
addresses(void)
{
	static const struct
	{
		const char *addr;
		ps_addr_class_t c;
	}			cases[] = {
		{"8.8.8.8", PS_ADDR_PUBLIC},
		{"1.1.1.1", PS_ADDR_PUBLIC},
		{"127.0.0.1", PS_ADDR_LOOPBACK},
		{"127.255.255.254", PS_ADDR_LOOPBACK},
		{"10.0.0.1", PS_ADDR_PRIVATE},
		{"172.16.0.1", PS_ADDR_PRIVATE},
		{"172.31.255.255", PS_ADDR_PRIVATE},
		{"172.32.0.1", PS_ADDR_PUBLIC},
		{"172.15.255.255", PS_ADDR_PUBLIC},
		{"192.168.1.1", PS_ADDR_PRIVATE},
		{"169.254.1.1", PS_ADDR_LINK_LOCAL},
		{"169.254.169.254", PS_ADDR_METADATA},
		{"169.254.170.2", PS_ADDR_METADATA},
		{"100.100.100.200", PS_ADDR_METADATA},
		{"168.63.129.16", PS_ADDR_METADATA},
		{"192.0.0.192", PS_ADDR_METADATA},
		{"100.64.0.1", PS_ADDR_CGNAT},
		{"100.127.255.255", PS_ADDR_CGNAT},
		{"100.128.0.0", PS_ADDR_PUBLIC},
		{"0.0.0.0", PS_ADDR_UNSPECIFIED},
		{"0.1.2.3", PS_ADDR_UNSPECIFIED},
		{"224.0.0.1", PS_ADDR_MULTICAST},
		{"255.255.255.255", PS_ADDR_MULTICAST},
		{"240.0.0.1", PS_ADDR_RESERVED},
		{"192.0.2.1", PS_ADDR_RESERVED},
		{"198.18.0.1", PS_ADDR_RESERVED},
		{"203.0.113.9", PS_ADDR_RESERVED},
		{"::1", PS_ADDR_LOOPBACK},
		{"[::1]", PS_ADDR_LOOPBACK},
		{"::", PS_ADDR_UNSPECIFIED},
		{"::ffff:127.0.0.1", PS_ADDR_LOOPBACK},
		{"::ffff:10.1.2.3", PS_ADDR_PRIVATE},
		{"::ffff:169.254.169.254", PS_ADDR_METADATA},
		{"::ffff:8.8.8.8", PS_ADDR_PUBLIC},
		{"::127.0.0.1", PS_ADDR_LOOPBACK},
		{"64:ff9b::7f00:1", PS_ADDR_LOOPBACK},
		{"64:ff9b::808:808", PS_ADDR_PUBLIC},
		{"2002:7f00:1::", PS_ADDR_LOOPBACK},
		{"2002:a9fe:a9fe::1", PS_ADDR_METADATA},
		{"2002:808:808::1", PS_ADDR_PUBLIC},
		{"fe80::1", PS_ADDR_LINK_LOCAL},
		{"febf::1", PS_ADDR_LINK_LOCAL},
		{"fec0::1", PS_ADDR_PRIVATE},
		{"fc00::1", PS_ADDR_PRIVATE},
		{"fd12:3456::1", PS_ADDR_PRIVATE},
		{"fd00:ec2::254", PS_ADDR_METADATA},
		{"ff02::1", PS_ADDR_MULTICAST},
		{"2001:db8::1", PS_ADDR_RESERVED},
		{"2001:0:4136:e378::1", PS_ADDR_RESERVED},
		{"100::1", PS_ADDR_RESERVED},
		{"4000::1", PS_ADDR_RESERVED},
		{"2606:4700:4700::1111", PS_ADDR_PUBLIC},
		{"2a00:1450:4001:80e::200e", PS_ADDR_PUBLIC},
	};
	size_t		i;
	uint8_t		a[16];
	size_t		n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		ps_test_begin("address %s is %s", cases[i].addr,
					  ps_webhook_addr_class_name(cases[i].c));
		CHECK_INT(ps_webhook_addr_parse(cases[i].addr, a, &n), PS_OK);
		CHECK_STR(ps_webhook_addr_class_name(ps_webhook_addr_class(a, n)),
				  ps_webhook_addr_class_name(cases[i].c));
		ps_test_end();
	}
	ps_test_begin("address: bad text and lengths");
	CHECK_INT(ps_webhook_addr_parse("localhost", a, &n), PS_ERR_SYNTAX);
	CHECK_INT(ps_webhook_addr_parse("1.2.3", a, &n), PS_ERR_SYNTAX);
	CHECK_INT(ps_webhook_addr_parse("", a, &n), PS_ERR_SYNTAX);
	CHECK_INT(ps_webhook_addr_parse("[]", a, &n), PS_ERR_SYNTAX);
	CHECK_INT(ps_webhook_addr_parse(NULL, a, &n), PS_ERR_SYNTAX);
	CHECK_INT(ps_webhook_addr_class(a, 5), PS_ADDR_RESERVED);
	CHECK_INT(ps_webhook_addr_class(NULL, 4), PS_ADDR_RESERVED);
	ps_test_end();

	ps_test_begin("custom headers");
	CHECK(ps_webhook_header_valid("Authorization", "Bearer abc"));
	CHECK(ps_webhook_header_valid("x-tenant", "a\tb"));
	CHECK(!ps_webhook_header_valid("x-evil", "a\r\nwebhook-id: x"));
	CHECK(!ps_webhook_header_valid("x y", "1"));
	CHECK(!ps_webhook_header_valid("x:y", "1"));
	CHECK(!ps_webhook_header_valid("", "1"));
	CHECK(!ps_webhook_header_valid("Webhook-Signature", "v1,x"));
	CHECK(!ps_webhook_header_valid("HOST", "example.com"));
	CHECK(!ps_webhook_header_valid("content-type", "text/plain"));
	CHECK(!ps_webhook_header_valid("x", "\x7f"));
	CHECK(!ps_webhook_header_valid(NULL, "1"));
	ps_test_end();
}

int
main(void)
{
	json_t	   *fx;

	if (sodium_init() < 0)
		return 1;
	fx = ps_test_fixture("webhooks.json");
	fixture_sign(json_object_get(fx, "sign"));
	fixture_verify(json_object_get(fx, "verify"));
	json_decref(fx);
	secrets();
	cross_check();
	schedule();
	addresses();
	return ps_test_done();
}
