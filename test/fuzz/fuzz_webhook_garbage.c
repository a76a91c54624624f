/*
 * fuzz_webhook_garbage.c
 *	  Any bytes given to the webhook parsers (secret text, signature
 *	  header, timestamp, Retry-After, addresses, custom headers) yield a
 *	  status, never a crash; a secret that decodes re-encodes to text
 *	  that decodes to the same key, and a signature made with it
 *	  verifies.
 *
 * The input is split at the first three 0x00 bytes into a secret, a
 * timestamp, a signature header and a payload.
 */
#include "fuzz_common.h"

#include <string.h>

#include "ps_error.h"
#include "ps_webhook.h"

static const char *
next_part(const uint8_t **p, size_t *left, size_t *n)
{
	const uint8_t *start = *p;
	const uint8_t *z = memchr(start, 0, *left);

	*n = z ? (size_t) (z - start) : *left;
	*p += *n + (z ? 1 : 0);
	*left -= *n + (z ? 1 : 0);
	return (const char *) start;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t		left = size;
	size_t		sec_n,
				ts_n,
				sig_n,
				pay_n;
	const char *sec = next_part(&p, &left, &sec_n);
	const char *ts = next_part(&p, &left, &ts_n);
	const char *sig = next_part(&p, &left, &sig_n);
	const char *pay = next_part(&p, &left, &pay_n);
	char	   *ts_z = strndup(ts, ts_n);
	char	   *sig_z = strndup(sig, sig_n);
	char	   *all_z = strndup((const char *) data, size);
	uint8_t		key[PS_WEBHOOK_KEY_MAX];
	uint8_t		key2[PS_WEBHOOK_KEY_MAX];
	size_t		key_len = 0;
	size_t		key2_len = 0;
	char		enc[PS_WEBHOOK_SECRET_MAX];
	char		out[PS_WEBHOOK_SIG_SZ];
	ps_webhook_verdict_t why;
	uint8_t		addr[16];
	size_t		alen = 0;
	int64_t		delay = -1;
	int			rc;

	rc = ps_webhook_secret_decode(sec, sec_n, key, &key_len);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_BASE64 || rc == PS_ERR_LENGTH);
	if (rc != PS_OK)
	{
		/* a fixed key so that verification still runs */
		memset(key, 0x5a, 32);
		key_len = 32;
	}
	else
	{
		FUZZ_ASSERT(key_len >= 1 && key_len <= PS_WEBHOOK_KEY_MAX);
		FUZZ_ASSERT(ps_webhook_secret_encode(key, key_len, enc) == PS_OK);
		FUZZ_ASSERT(ps_webhook_secret_decode(enc, strlen(enc), key2, &key2_len) == PS_OK);
		FUZZ_ASSERT(key2_len == key_len && memcmp(key, key2, key_len) == 0);
	}

	rc = ps_webhook_verify(key, key_len, "msg_fuzz", ts_z, sig_z, pay, pay_n,
						   1700000000, PS_WEBHOOK_TOLERANCE, &why);
	FUZZ_ASSERT((rc == PS_OK) == (why == PS_WEBHOOK_VERIFIED));
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_SIGNATURE);

	/* our own signature of the same message verifies */
	rc = ps_webhook_sign(key, key_len, "msg_fuzz", 1700000000, pay, pay_n, out);
	FUZZ_ASSERT(rc == PS_OK);
	FUZZ_ASSERT(ps_webhook_verify(key, key_len, "msg_fuzz", "1700000000", out,
								  pay, pay_n, 1700000000, 0, &why) == PS_OK);

	rc = ps_webhook_retry_after((const char *) data, size, 1700000000, &delay);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_SYNTAX);
	if (rc == PS_OK)
		FUZZ_ASSERT(delay >= 0 && delay <= PS_WEBHOOK_RETRY_CAP_MS / 1000);

	rc = ps_webhook_addr_parse(all_z, addr, &alen);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_SYNTAX);
	if (rc == PS_OK)
	{
		FUZZ_ASSERT(alen == 4 || alen == 16);
		FUZZ_ASSERT(ps_webhook_addr_class(addr, alen) <= PS_ADDR_RESERVED);
	}
	if (size >= 16)
		(void) ps_webhook_addr_class(data, 16);
	if (size >= 4)
		(void) ps_webhook_addr_class(data, 4);
	(void) ps_webhook_header_valid(ts_z, sig_z);
	(void) ps_webhook_id_valid(ts, ts_n);
	if (size >= 4)
	{
		int			f = (int) (data[0] | data[1] << 8) - 100;
		uint32_t	r = (uint32_t) data[2] << 8 | data[3];
		int64_t		d = ps_webhook_retry_delay_ms(NULL, 0, f, r);

		FUZZ_ASSERT(d >= 0 && d <= PS_WEBHOOK_RETRY_CAP_MS);
		FUZZ_ASSERT(ps_webhook_breaker_ms(f) >= 0);
	}
	free(ts_z);
	free(sig_z);
	free(all_z);
	return 0;
}
