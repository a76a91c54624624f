/*
 * ps_webhook.h
 *	  Standard Webhooks signing and verification, the retry schedule,
 *	  the per-endpoint circuit breaker and the SSRF classification of
 *	  addresses.
 *
 * Vocabulary: a *secret* is the text form "whsec_" + base64 of the *key*
 * bytes (the prefix is optional on input, as in the standardwebhooks
 * libraries); a *message* is one delivery: its id (the webhook-id
 * header, stable across redeliveries), its unix timestamp in seconds
 * and the exact payload bytes.  The *signed content* is
 * "{id}.{timestamp}.{payload}" and a *signature* is "v1," + base64 of
 * HMAC-SHA256(key, signed content).  The webhook-signature header is a
 * space-separated list of signatures; any "v1," entry that matches
 * verifies (that is how a rotated secret keeps working for a while).
 *
 * Everything here is pure: no allocation, no clock, no randomness of its
 * own (callers pass the time and a random word).
 */
#ifndef PS_WEBHOOK_H
#define PS_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* largest key accepted (bytes); Standard Webhooks uses 24 to 64 */
#define PS_WEBHOOK_KEY_MAX			128
/* size of a key the extension generates */
#define PS_WEBHOOK_KEY_GEN_SZ		32
/* "v1," + 44 base64 characters + nul */
#define PS_WEBHOOK_SIG_SZ			48
/* "whsec_" + base64 of PS_WEBHOOK_KEY_MAX bytes + nul */
#define PS_WEBHOOK_SECRET_MAX		(6 + (PS_WEBHOOK_KEY_MAX + 2) / 3 * 4 + 1)
/* longest message id (bytes) */
#define PS_WEBHOOK_ID_MAX			256
/* the verification tolerance of the reference libraries (seconds) */
#define PS_WEBHOOK_TOLERANCE		300

/*
 * ps_webhook_secret_decode reads the secret text `secret` (`len` bytes,
 * with or without the "whsec_" prefix) into `key` (PS_WEBHOOK_KEY_MAX
 * bytes) and sets *key_len.  Returns PS_OK, PS_ERR_BASE64 when the rest
 * is not padded standard base64, or PS_ERR_LENGTH when the key is empty
 * or longer than PS_WEBHOOK_KEY_MAX.  Any input is safe.
 */
extern int	ps_webhook_secret_decode(const char *secret, size_t len,
									 uint8_t key[PS_WEBHOOK_KEY_MAX],
									 size_t *key_len);

/*
 * ps_webhook_secret_encode writes "whsec_" + base64 of `key` into `out`
 * (PS_WEBHOOK_SECRET_MAX bytes), nul-terminated.  Returns PS_OK or
 * PS_ERR_LENGTH for an empty or oversized key.
 */
extern int	ps_webhook_secret_encode(const uint8_t *key, size_t key_len,
									 char out[PS_WEBHOOK_SECRET_MAX]);

/*
 * ps_webhook_id_valid says whether `id` (`len` bytes) may serve as a
 * message id: 1 to PS_WEBHOOK_ID_MAX visible ASCII characters (0x21 to
 * 0x7e), so that it can travel in a header unquoted.
 */
extern bool ps_webhook_id_valid(const char *id, size_t len);

/*
 * ps_webhook_sign writes the signature "v1,<base64>" of the message
 * (`msg_id`, `timestamp`, `payload` of `payload_len` bytes) under `key`
 * into `out`, nul-terminated.  Returns PS_OK, PS_ERR_ARG for an invalid
 * message id or a negative timestamp, or PS_ERR_LENGTH for a bad key
 * length.
 */
extern int	ps_webhook_sign(const uint8_t *key, size_t key_len,
							const char *msg_id, int64_t timestamp,
							const char *payload, size_t payload_len,
							char out[PS_WEBHOOK_SIG_SZ]);

/* why a verification failed, mirroring the reference library's errors */
typedef enum ps_webhook_verdict_t
{
	PS_WEBHOOK_VERIFIED = 0,
	PS_WEBHOOK_MISSING_HEADERS,	/* "Missing required headers" */
	PS_WEBHOOK_INVALID_HEADERS,	/* "Invalid Signature Headers" */
	PS_WEBHOOK_TOO_OLD,			/* "Message timestamp too old" */
	PS_WEBHOOK_TOO_NEW,			/* "Message timestamp too new" */
	PS_WEBHOOK_NO_MATCH			/* "No matching signature found" */
} ps_webhook_verdict_t;

/*
 * ps_webhook_verify checks a received message: header values `msg_id`,
 * `timestamp` and `signatures` (NULL or empty when the header is
 * absent), the payload bytes, the receiver's clock `now` and the
 * tolerance in seconds (|now - timestamp| <= tolerance passes).  Returns
 * PS_OK when some "v1," entry of `signatures` matches, else
 * PS_ERR_SIGNATURE, and sets *verdict_opt to the reason.  The timestamp
 * must be decimal digits.  Compares in constant time; any input is safe.
 */
extern int	ps_webhook_verify(const uint8_t *key, size_t key_len,
							  const char *msg_id, const char *timestamp,
							  const char *signatures,
							  const char *payload, size_t payload_len,
							  int64_t now, int64_t tolerance,
							  ps_webhook_verdict_t *verdict_opt);

/* ps_webhook_verdict_text returns the reference library's phrase. */
extern const char *ps_webhook_verdict_text(ps_webhook_verdict_t v);

/*
 * The retry schedule: after the n-th failed attempt (n >= 1) the next
 * one waits schedule[n - 1] milliseconds (the last entry repeats), plus
 * or minus up to 10 % jitter taken from `rnd` (any uniformly random
 * 32-bit word), never more than PS_WEBHOOK_RETRY_CAP_MS.  The default
 * schedule is 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h...
 */
#define PS_WEBHOOK_RETRY_CAP_MS		(24LL * 3600 * 1000)
extern const int64_t ps_webhook_default_schedule_ms[];
extern const size_t ps_webhook_default_schedule_cnt;

/*
 * ps_webhook_retry_delay_ms returns the delay after the `failures`-th
 * failure (values below 1 count as 1) from `schedule_ms` (`cnt` entries;
 * NULL or 0 entries mean the default schedule).  Negative entries count
 * as 0.
 */
extern int64_t ps_webhook_retry_delay_ms(const int64_t *schedule_ms_opt,
										 size_t cnt, int failures,
										 uint32_t rnd);

/*
 * ps_webhook_retry_after parses a Retry-After header value `value`
 * (`len` bytes): delta-seconds, or an IMF-fixdate such as "Sun, 06 Nov
 * 1994 08:49:37 GMT" taken relative to `now` (unix seconds).  Sets
 * *delay_s (0 for dates in the past, at most PS_WEBHOOK_RETRY_CAP_MS /
 * 1000) and returns PS_OK, or PS_ERR_SYNTAX.  Surrounding spaces are
 * ignored.  Any input is safe.
 */
extern int	ps_webhook_retry_after(const char *value, size_t len, int64_t now,
								   int64_t *delay_s);

/*
 * The circuit breaker: after PS_WEBHOOK_BREAKER_THRESHOLD consecutive
 * failed attempts an endpoint is left alone for a cool-down that doubles
 * with every further failure, from 30 s up to 10 min; then one attempt
 * probes it (half-open) and a success closes the breaker.
 */
#define PS_WEBHOOK_BREAKER_THRESHOLD	5

/*
 * ps_webhook_breaker_ms returns the cool-down in milliseconds after
 * `consecutive_failures` failures in a row: 0 below the threshold.
 */
extern int64_t ps_webhook_breaker_ms(int consecutive_failures);

/* where an address points, for the SSRF guard */
typedef enum ps_addr_class_t
{
	PS_ADDR_PUBLIC = 0,
	PS_ADDR_LOOPBACK,			/* 127/8, ::1 */
	PS_ADDR_PRIVATE,			/* 10/8, 172.16/12, 192.168/16, fc00::/7,
								 * fec0::/10 */
	PS_ADDR_LINK_LOCAL,			/* 169.254/16, fe80::/10 */
	PS_ADDR_CGNAT,				/* 100.64/10 */
	PS_ADDR_METADATA,			/* cloud instance metadata services */
	PS_ADDR_UNSPECIFIED,		/* 0/8, :: */
	PS_ADDR_MULTICAST,			/* 224/4, ff00::/8, broadcast */
	PS_ADDR_RESERVED			/* documentation, benchmarking, 240/4,
								 * Teredo, discard, other special use */
} ps_addr_class_t;

/*
 * ps_webhook_addr_class classifies a binary address: `len` 4 (IPv4) or
 * 16 (IPv6) bytes in network order.  IPv6 forms that embed an IPv4
 * address (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96,
 * 6to4 2002::/16) take the class of the embedded address.  Any other
 * length gives PS_ADDR_RESERVED.
 */
extern ps_addr_class_t ps_webhook_addr_class(const uint8_t *addr, size_t len);

/*
 * ps_webhook_addr_parse reads a numeric IPv4 or IPv6 address (`text`,
 * nul-terminated; IPv6 may be in brackets) into `out` and sets *len to
 * 4 or 16.  Returns PS_OK or PS_ERR_SYNTAX.
 */
extern int	ps_webhook_addr_parse(const char *text, uint8_t out[16], size_t *len);

/* ps_webhook_addr_class_name: "public", "loopback", "private", ... */
extern const char *ps_webhook_addr_class_name(ps_addr_class_t c);

/*
 * ps_webhook_header_valid says whether a custom header may be sent:
 * the name is an RFC 9110 token of at most 128 bytes that is not one
 * the sender owns (webhook-id, webhook-timestamp, webhook-signature,
 * content-type, content-length, host, transfer-encoding, connection;
 * compared case-insensitively), and the value (at most 4096 bytes) has
 * no control character other than tab.
 */
extern bool ps_webhook_header_valid(const char *name, const char *value);

#endif							/* PS_WEBHOOK_H */
