/*
 * ps_webhook.c
 *	  Standard Webhooks signatures (HMAC-SHA256 through libsodium), the
 *	  retry schedule and circuit breaker, and the SSRF address classes.
 *
 * Parsers of header text keep `i <= len` at every step: each read checks
 * the bound first.
 */
#include "ps_webhook.h"
#include "ps_buf.h"
#include "ps_error.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SECRET_PREFIX		"whsec_"
#define SECRET_PREFIX_SZ	6
#define HMAC_B64_LEN		44		/* base64 of 32 bytes, padded */

const int64_t ps_webhook_default_schedule_ms[] = {
	5LL * 1000,
	5LL * 60 * 1000,
	30LL * 60 * 1000,
	2LL * 3600 * 1000,
	5LL * 3600 * 1000,
	10LL * 3600 * 1000,
};
const size_t ps_webhook_default_schedule_cnt =
sizeof(ps_webhook_default_schedule_ms) / sizeof(ps_webhook_default_schedule_ms[0]);

int
ps_webhook_secret_decode(const char *secret, size_t len,
						 uint8_t key[PS_WEBHOOK_KEY_MAX], size_t *key_len)
{
	uint8_t		tmp[PS_WEBHOOK_KEY_MAX + 3];
	size_t		n = 0;
	int			rc;

	if (len >= SECRET_PREFIX_SZ && memcmp(secret, SECRET_PREFIX, SECRET_PREFIX_SZ) == 0)
	{
		secret += SECRET_PREFIX_SZ;
		len -= SECRET_PREFIX_SZ;
	}
	if (len == 0)
		return PS_ERR_LENGTH;
	/* decoded size is len / 4 * 3 at most; refuse before decoding */
	if (len % 4 == 0 && len / 4 * 3 > sizeof(tmp))
		return PS_ERR_LENGTH;
	rc = ps_base64_decode(secret, len, tmp, &n);
	if (rc != PS_OK)
		return rc;
	if (n == 0 || n > PS_WEBHOOK_KEY_MAX)
	{
		sodium_memzero(tmp, sizeof(tmp));
		return PS_ERR_LENGTH;
	}
	memcpy(key, tmp, n);
	sodium_memzero(tmp, sizeof(tmp));
	*key_len = n;
	return PS_OK;
}

int
ps_webhook_secret_encode(const uint8_t *key, size_t key_len,
						 char out[PS_WEBHOOK_SECRET_MAX])
{
	if (key_len == 0 || key_len > PS_WEBHOOK_KEY_MAX)
		return PS_ERR_LENGTH;
	memcpy(out, SECRET_PREFIX, SECRET_PREFIX_SZ);
	sodium_bin2base64(out + SECRET_PREFIX_SZ,
					  PS_WEBHOOK_SECRET_MAX - SECRET_PREFIX_SZ,
					  key, key_len, sodium_base64_VARIANT_ORIGINAL);
	return PS_OK;
}

bool
ps_webhook_id_valid(const char *id, size_t len)
{
	size_t		i;

	if (id == NULL || len == 0 || len > PS_WEBHOOK_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) id[i];

		if (c < 0x21 || c > 0x7e)
			return false;
	}
	return true;
}

/* the raw HMAC of "{id}.{timestamp}.{payload}" */
static void
hmac_message(const uint8_t *key, size_t key_len, const char *msg_id,
			 int64_t timestamp, const char *payload, size_t payload_len,
			 uint8_t mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;
	char		ts[32];
	int			ts_len;

	ts_len = snprintf(ts, sizeof(ts), ".%lld.", (long long) timestamp);
	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *) msg_id, strlen(msg_id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *) ts, (size_t) ts_len);
	if (payload_len > 0)
		crypto_auth_hmacsha256_update(&st, (const unsigned char *) payload, payload_len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

int
ps_webhook_sign(const uint8_t *key, size_t key_len,
				const char *msg_id, int64_t timestamp,
				const char *payload, size_t payload_len,
				char out[PS_WEBHOOK_SIG_SZ])
{
	uint8_t		mac[crypto_auth_hmacsha256_BYTES];

	if (key == NULL || key_len == 0 || key_len > PS_WEBHOOK_KEY_MAX)
		return PS_ERR_LENGTH;
	if (msg_id == NULL || !ps_webhook_id_valid(msg_id, strlen(msg_id)) || timestamp < 0)
		return PS_ERR_ARG;
	hmac_message(key, key_len, msg_id, timestamp, payload, payload_len, mac);
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, PS_WEBHOOK_SIG_SZ - 3, mac, sizeof(mac),
					  sodium_base64_VARIANT_ORIGINAL);
	return PS_OK;
}

const char *
ps_webhook_verdict_text(ps_webhook_verdict_t v)
{
	switch (v)
	{
		case PS_WEBHOOK_VERIFIED:
			return "verified";
		case PS_WEBHOOK_MISSING_HEADERS:
			return "Missing required headers";
		case PS_WEBHOOK_INVALID_HEADERS:
			return "Invalid Signature Headers";
		case PS_WEBHOOK_TOO_OLD:
			return "Message timestamp too old";
		case PS_WEBHOOK_TOO_NEW:
			return "Message timestamp too new";
		case PS_WEBHOOK_NO_MATCH:
			return "No matching signature found";
	}
	return "unknown";
}

/* decimal digits only, at most 18 of them (no overflow) */
static bool
parse_timestamp(const char *s, int64_t *out)
{
	int64_t		v = 0;
	size_t		i;

	for (i = 0; s[i] != '\0'; i++)
	{
		if (s[i] < '0' || s[i] > '9' || i >= 18)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return false;
	*out = v;
	return true;
}

int
ps_webhook_verify(const uint8_t *key, size_t key_len,
				  const char *msg_id, const char *timestamp,
				  const char *signatures,
				  const char *payload, size_t payload_len,
				  int64_t now, int64_t tolerance,
				  ps_webhook_verdict_t *verdict_opt)
{
	ps_webhook_verdict_t verdict = PS_WEBHOOK_NO_MATCH;
	char		expected[PS_WEBHOOK_SIG_SZ];
	int64_t		ts = 0;
	const char *p;

	if (msg_id == NULL || *msg_id == '\0' || timestamp == NULL ||
		*timestamp == '\0' || signatures == NULL || *signatures == '\0')
	{
		verdict = PS_WEBHOOK_MISSING_HEADERS;
		goto done;
	}
	if (!parse_timestamp(timestamp, &ts))
	{
		verdict = PS_WEBHOOK_INVALID_HEADERS;
		goto done;
	}
	if (now - ts > tolerance)
	{
		verdict = PS_WEBHOOK_TOO_OLD;
		goto done;
	}
	if (ts > now + tolerance)
	{
		verdict = PS_WEBHOOK_TOO_NEW;
		goto done;
	}
	if (ps_webhook_sign(key, key_len, msg_id, ts, payload, payload_len,
						expected) != PS_OK)
		goto done;				/* unusable key or id: nothing matches */

	/* each space-separated entry is "version,signature[,...]" */
	p = signatures;
	while (*p != '\0')
	{
		const char *end = strchr(p, ' ');
		size_t		n = end ? (size_t) (end - p) : strlen(p);
		const char *comma = memchr(p, ',', n);

		if (comma != NULL && comma - p == 2 && p[0] == 'v' && p[1] == '1')
		{
			const char *sig = comma + 1;
			const char *sig_end = memchr(sig, ',', n - 3);
			size_t		sig_len = sig_end ? (size_t) (sig_end - sig) : n - 3;

			if (sig_len == HMAC_B64_LEN &&
				sodium_memcmp(sig, expected + 3, HMAC_B64_LEN) == 0)
				verdict = PS_WEBHOOK_VERIFIED;
		}
		p += n;
		if (*p == ' ')
			p++;
	}
	sodium_memzero(expected, sizeof(expected));

done:
	if (verdict_opt)
		*verdict_opt = verdict;
	return verdict == PS_WEBHOOK_VERIFIED ? PS_OK : PS_ERR_SIGNATURE;
}

int64_t
ps_webhook_retry_delay_ms(const int64_t *schedule_ms_opt, size_t cnt,
						  int failures, uint32_t rnd)
{
	const int64_t *sched = schedule_ms_opt;
	int64_t		base;
	int64_t		span;
	int64_t		delay;
	size_t		idx;

	if (sched == NULL || cnt == 0)
	{
		sched = ps_webhook_default_schedule_ms;
		cnt = ps_webhook_default_schedule_cnt;
	}
	if (failures < 1)
		failures = 1;
	idx = (size_t) failures - 1;
	if (idx >= cnt)
		idx = cnt - 1;
	base = sched[idx];
	if (base < 0)
		base = 0;
	if (base > PS_WEBHOOK_RETRY_CAP_MS)
		base = PS_WEBHOOK_RETRY_CAP_MS;
	/* jitter uniform in [-10 %, +10 %] */
	span = base / 10;
	delay = base;
	if (span > 0)
		delay += (int64_t) (rnd % (uint64_t) (2 * span + 1)) - span;
	if (delay > PS_WEBHOOK_RETRY_CAP_MS)
		delay = PS_WEBHOOK_RETRY_CAP_MS;
	return delay < 0 ? 0 : delay;
}

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	int64_t		yoe;
	int64_t		doy;
	int64_t		doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* reads exactly `n` digits at s[*i] (bounded by len) */
static bool
read_digits(const char *s, size_t len, size_t *i, int n, int *out)
{
	int			v = 0;
	int			k;

	for (k = 0; k < n; k++)
	{
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return false;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	*out = v;
	return true;
}

static bool
read_lit(const char *s, size_t len, size_t *i, const char *lit)
{
	size_t		n = strlen(lit);

	if (len - *i < n || memcmp(s + *i, lit, n) != 0)
		return false;
	*i += n;
	return true;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
static bool
parse_http_date(const char *s, size_t len, int64_t *out)
{
	static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t		i = 0;
	int			k;
	int			day,
				mon = -1,
				year,
				hh,
				mm,
				ss;

	for (k = 0; k < 7 && i == 0; k++)
		if (read_lit(s, len, &i, days[k]))
			break;
	if (i == 0 || !read_lit(s, len, &i, ", "))
		return false;
	if (!read_digits(s, len, &i, 2, &day) || !read_lit(s, len, &i, " "))
		return false;
	for (k = 0; k < 12; k++)
		if (read_lit(s, len, &i, months[k]))
		{
			mon = k;
			break;
		}
	if (mon < 0 || !read_lit(s, len, &i, " ") ||
		!read_digits(s, len, &i, 4, &year) || !read_lit(s, len, &i, " ") ||
		!read_digits(s, len, &i, 2, &hh) || !read_lit(s, len, &i, ":") ||
		!read_digits(s, len, &i, 2, &mm) || !read_lit(s, len, &i, ":") ||
		!read_digits(s, len, &i, 2, &ss) || !read_lit(s, len, &i, " GMT") ||
		i != len)
		return false;
	if (day < 1 || day > mdays[mon] || hh > 23 || mm > 59 || ss > 60)
		return false;
	*out = days_from_civil(year, mon + 1, day) * 86400 + hh * 3600 + mm * 60 + ss;
	return true;
}

int
ps_webhook_retry_after(const char *value, size_t len, int64_t now,
					   int64_t *delay_s)
{
	const int64_t cap = PS_WEBHOOK_RETRY_CAP_MS / 1000;
	size_t		start = 0;
	size_t		end = len;
	int64_t		v = 0;
	size_t		i;

	if (value == NULL)
		return PS_ERR_SYNTAX;
	while (start < end && (value[start] == ' ' || value[start] == '\t'))
		start++;
	while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
		end--;
	if (start == end)
		return PS_ERR_SYNTAX;
	if (value[start] >= '0' && value[start] <= '9')
	{
		for (i = start; i < end; i++)
		{
			if (value[i] < '0' || value[i] > '9')
				return PS_ERR_SYNTAX;
			if (v <= cap)
				v = v * 10 + (value[i] - '0');
		}
		*delay_s = v > cap ? cap : v;
		return PS_OK;
	}
	if (!parse_http_date(value + start, end - start, &v))
		return PS_ERR_SYNTAX;
	v -= now;
	*delay_s = v < 0 ? 0 : (v > cap ? cap : v);
	return PS_OK;
}

int64_t
ps_webhook_breaker_ms(int consecutive_failures)
{
	int64_t		ms = 30 * 1000;
	int			k;

	if (consecutive_failures < PS_WEBHOOK_BREAKER_THRESHOLD)
		return 0;
	for (k = PS_WEBHOOK_BREAKER_THRESHOLD; k < consecutive_failures && ms < 600 * 1000; k++)
		ms *= 2;
	return ms > 600 * 1000 ? 600 * 1000 : ms;
}

static ps_addr_class_t
class_v4(const uint8_t *a)
{
	uint32_t	v = (uint32_t) a[0] << 24 | (uint32_t) a[1] << 16 |
		(uint32_t) a[2] << 8 | a[3];

#define IN_NET(net, bits) (((v ^ (uint32_t) (net)) >> (32 - (bits))) == 0)
	/* metadata first: some live inside otherwise classified ranges */
	if (v == 0xA9FEA9FEu ||		/* 169.254.169.254 AWS, GCP, Azure, ... */
		v == 0xA9FEAA02u ||		/* 169.254.170.2 ECS task metadata */
		v == 0x646464C8u ||		/* 100.100.100.200 Alibaba */
		v == 0xA83F8110u ||		/* 168.63.129.16 Azure wire server */
		v == 0xC00000C0u)		/* 192.0.0.192 Oracle */
		return PS_ADDR_METADATA;
	if (IN_NET(0x00000000u, 8))
		return PS_ADDR_UNSPECIFIED;
	if (IN_NET(0x7F000000u, 8))
		return PS_ADDR_LOOPBACK;
	if (IN_NET(0x0A000000u, 8) || IN_NET(0xAC100000u, 12) || IN_NET(0xC0A80000u, 16))
		return PS_ADDR_PRIVATE;
	if (IN_NET(0xA9FE0000u, 16))
		return PS_ADDR_LINK_LOCAL;
	if (IN_NET(0x64400000u, 10))
		return PS_ADDR_CGNAT;
	if (v == 0xFFFFFFFFu || IN_NET(0xE0000000u, 4))
		return PS_ADDR_MULTICAST;
	if (IN_NET(0xF0000000u, 4) ||	/* 240/4 reserved */
		IN_NET(0xC0000000u, 24) ||	/* 192.0.0/24 IETF assignments */
		IN_NET(0xC0000200u, 24) ||	/* 192.0.2/24 TEST-NET-1 */
		IN_NET(0xC6336400u, 24) ||	/* 198.51.100/24 TEST-NET-2 */
		IN_NET(0xCB007100u, 24) ||	/* 203.0.113/24 TEST-NET-3 */
		IN_NET(0xC6120000u, 15) ||	/* 198.18/15 benchmarking */
		IN_NET(0xC0586300u, 24))	/* 192.88.99/24 6to4 relay */
		return PS_ADDR_RESERVED;
#undef IN_NET
	return PS_ADDR_PUBLIC;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static ps_addr_class_t
class_v6(const uint8_t *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t aws_md[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0x02, 0x54};	/* fd00:ec2::254 */

	if (all_zero(a, 16))
		return PS_ADDR_UNSPECIFIED;
	if (all_zero(a, 15) && a[15] == 1)
		return PS_ADDR_LOOPBACK;
	if (memcmp(a, aws_md, 16) == 0)
		return PS_ADDR_METADATA;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 || all_zero(a, 12))
		return class_v4(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02)	/* 6to4 2002::/16 */
		return class_v4(a + 2);
	if (a[0] == 0xff)
		return PS_ADDR_MULTICAST;
	if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0))
		return PS_ADDR_PRIVATE;	/* ULA fc00::/7, site-local fec0::/10 */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return PS_ADDR_LINK_LOCAL;
	if ((a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) ||	/* Teredo */
		(a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) ||	/* doc */
		(a[0] == 0x01 && all_zero(a + 1, 7)) ||	/* discard 100::/64 */
		(a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0) ||	/* doc 3fff::/20 */
		(a[0] & 0xe0) != 0x20)	/* outside global unicast 2000::/3 */
		return PS_ADDR_RESERVED;
	return PS_ADDR_PUBLIC;
}

ps_addr_class_t
ps_webhook_addr_class(const uint8_t *addr, size_t len)
{
	if (addr == NULL)
		return PS_ADDR_RESERVED;
	if (len == 4)
		return class_v4(addr);
	if (len == 16)
		return class_v6(addr);
	return PS_ADDR_RESERVED;
}

int
ps_webhook_addr_parse(const char *text, uint8_t out[16], size_t *len)
{
	char		tmp[64];
	size_t		n;

	if (text == NULL)
		return PS_ERR_SYNTAX;
	n = strlen(text);
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']')
	{
		text++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return PS_ERR_SYNTAX;
	memcpy(tmp, text, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, out) == 1)
	{
		*len = 4;
		return PS_OK;
	}
	if (inet_pton(AF_INET6, tmp, out) == 1)
	{
		*len = 16;
		return PS_OK;
	}
	return PS_ERR_SYNTAX;
}

const char *
ps_webhook_addr_class_name(ps_addr_class_t c)
{
	switch (c)
	{
		case PS_ADDR_PUBLIC:
			return "public";
		case PS_ADDR_LOOPBACK:
			return "loopback";
		case PS_ADDR_PRIVATE:
			return "private";
		case PS_ADDR_LINK_LOCAL:
			return "link-local";
		case PS_ADDR_CGNAT:
			return "cgnat";
		case PS_ADDR_METADATA:
			return "metadata";
		case PS_ADDR_UNSPECIFIED:
			return "unspecified";
		case PS_ADDR_MULTICAST:
			return "multicast";
		case PS_ADDR_RESERVED:
			return "reserved";
	}
	return "reserved";
}

bool
ps_webhook_header_valid(const char *name, const char *value)
{
	static const char *const owned[] = {
		"webhook-id", "webhook-timestamp", "webhook-signature",
		"content-type", "content-length", "host", "transfer-encoding",
		"connection", NULL
	};
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	size_t		n;
	size_t		i;

	if (name == NULL || value == NULL)
		return false;
	n = strlen(name);
	if (n == 0 || n > 128)
		return false;
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) name[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			  (c >= 'A' && c <= 'Z') || (c != '\0' && strchr(tchar, c) != NULL)))
			return false;
	}
	for (i = 0; owned[i] != NULL; i++)
		if (strcasecmp(name, owned[i]) == 0)
			return false;
	n = strlen(value);
	if (n > 4096)
		return false;
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}
