/*
 * webhooks.c
 *	  SQL functions and settings of webhook delivery (issue 7): secret
 *	  generation, Standard Webhooks signing and verification, the
 *	  endpoint checks behind solana.add_webhook, the SSRF address
 *	  classes, the retry schedule, and the SSRF guard the dispatcher
 *	  applies to every address it connects to.
 *
 * A *webhook* is an endpoint (solana.webhooks); a *delivery* is one
 * message to one webhook (solana.webhook_deliveries).  The sending
 * itself happens in the dispatcher (webhook_send.c).
 */
#include "pg_solana.h"

#include <curl/curl.h>
#include <sodium.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inet.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "ps_error.h"
#include "ps_webhook.h"
#include "webhooks.h"

bool		solana_webhook_allow_private = false;
char	   *solana_webhook_allowed_hosts = NULL;
int			solana_webhook_max_response_bytes = 65536;
int			solana_webhook_concurrency = 32;

void
solana_webhooks_init_gucs(void)
{
	DefineCustomBoolVariable("solana.webhook_allow_private",
							 "Let webhooks reach loopback, private, link-local and metadata addresses.",
							 "Off by default: the SSRF guard refuses them.",
							 &solana_webhook_allow_private,
							 false,
							 PGC_SIGHUP, GUC_SUPERUSER_ONLY,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("solana.webhook_allowed_hosts",
							   "Host names webhooks may reach whatever address they resolve to.",
							   "Comma-separated, compared case-insensitively with the URL's host.",
							   &solana_webhook_allowed_hosts,
							   "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY | GUC_LIST_INPUT,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("solana.webhook_max_response_bytes",
							"Bytes of a receiver's response body kept for the delivery record.",
							"Longer bodies are read and discarded.",
							&solana_webhook_max_response_bytes,
							65536, 0, 16 * 1024 * 1024,
							PGC_SIGHUP, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
	DefineCustomIntVariable("solana.webhook_concurrency",
							"Webhook requests the dispatcher keeps in flight in total.",
							NULL,
							&solana_webhook_concurrency,
							32, 1, 4096,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);
}

bool
solana_webhook_host_allowed(const char *host)
{
	char	   *raw;
	List	   *names = NIL;
	ListCell   *lc;
	bool		found = false;

	if (host == NULL || solana_webhook_allowed_hosts == NULL ||
		solana_webhook_allowed_hosts[0] == '\0')
		return false;
	raw = pstrdup(solana_webhook_allowed_hosts);
	if (!SplitIdentifierString(raw, ',', &names))
	{
		pfree(raw);
		return false;
	}
	foreach(lc, names)
	{
		if (pg_strcasecmp((char *) lfirst(lc), host) == 0)
			found = true;
	}
	list_free(names);
	pfree(raw);
	return found;
}

bool
solana_webhook_sockaddr_allowed(const struct sockaddr *sa, ps_addr_class_t *class_opt)
{
	ps_addr_class_t c = PS_ADDR_RESERVED;

	if (sa->sa_family == AF_INET)
		c = ps_webhook_addr_class((const uint8_t *) &((const struct sockaddr_in *) sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		c = ps_webhook_addr_class((const uint8_t *) &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
	if (class_opt)
		*class_opt = c;
	if (c == PS_ADDR_PUBLIC)
		return true;
	return solana_webhook_allow_private;
}

/* the key of a secret text; raises 22023 naming `what` */
static size_t
decode_secret(text *t, const char *what, uint8_t key[PS_WEBHOOK_KEY_MAX])
{
	size_t		key_len = 0;
	int			rc;

	rc = ps_webhook_secret_decode(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), key, &key_len);
	if (rc != PS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid webhook secret in %s", what),
				 errdetail("The secret must be \"whsec_\" followed by padded standard base64 of 1 to %d bytes (%s).",
						   PS_WEBHOOK_KEY_MAX, ps_strerror(rc))));
	return key_len;
}

/*
 * solana.generate_webhook_secret() returns a fresh "whsec_" secret of
 * 32 random bytes from libsodium; the default of solana.webhooks.secret.
 */
PG_FUNCTION_INFO_V1(solana_generate_webhook_secret);
Datum
solana_generate_webhook_secret(PG_FUNCTION_ARGS)
{
	uint8_t		key[PS_WEBHOOK_KEY_GEN_SZ];
	char		out[PS_WEBHOOK_SECRET_MAX];

	randombytes_buf(key, sizeof(key));
	if (ps_webhook_secret_encode(key, sizeof(key), out) != PS_OK)
		elog(ERROR, "cannot encode a webhook secret");
	sodium_memzero(key, sizeof(key));
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/*
 * solana.webhook_sign(secret, message_id, timestamp, payload) returns the
 * webhook-signature header value a receiver should see; what the
 * dispatcher sends, exposed for receivers written in SQL and for tests.
 */
PG_FUNCTION_INFO_V1(solana_webhook_sign);
Datum
solana_webhook_sign(PG_FUNCTION_ARGS)
{
	text	   *secret = PG_GETARG_TEXT_PP(0);
	char	   *msg_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int64		ts = PG_GETARG_INT64(2);
	text	   *payload = PG_GETARG_TEXT_PP(3);
	uint8_t		key[PS_WEBHOOK_KEY_MAX];
	size_t		key_len = decode_secret(secret, "solana.webhook_sign", key);
	char		sig[PS_WEBHOOK_SIG_SZ];
	int			rc;

	rc = ps_webhook_sign(key, key_len, msg_id, ts, VARDATA_ANY(payload),
						 VARSIZE_ANY_EXHDR(payload), sig);
	sodium_memzero(key, sizeof(key));
	if (rc != PS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid webhook message id \"%s\" or timestamp %lld",
						msg_id, (long long) ts),
				 errdetail("A message id is 1 to %d visible ASCII characters; the timestamp is unix seconds, not negative.",
						   PS_WEBHOOK_ID_MAX)));
	PG_RETURN_TEXT_P(cstring_to_text(sig));
}

/*
 * solana.webhook_verify(secret, message_id, timestamp, signatures,
 * payload, tolerance, now) checks a received message as the
 * standardwebhooks libraries do; returns NULL when it verifies, else the
 * library's reason ("No matching signature found", ...).
 */
PG_FUNCTION_INFO_V1(solana_webhook_verify);
Datum
solana_webhook_verify(PG_FUNCTION_ARGS)
{
	text	   *secret;
	char	   *msg_id;
	char	   *ts;
	char	   *sigs;
	text	   *payload;
	int32		tolerance;
	int64		now;
	uint8_t		key[PS_WEBHOOK_KEY_MAX];
	size_t		key_len;
	ps_webhook_verdict_t why;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(4) || PG_ARGISNULL(5) || PG_ARGISNULL(6))
		PG_RETURN_NULL();
	secret = PG_GETARG_TEXT_PP(0);
	msg_id = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	ts = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	sigs = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	payload = PG_GETARG_TEXT_PP(4);
	tolerance = PG_GETARG_INT32(5);
	now = PG_GETARG_INT64(6);
	key_len = decode_secret(secret, "solana.webhook_verify", key);
	ps_webhook_verify(key, key_len, msg_id, ts, sigs, VARDATA_ANY(payload),
					  VARSIZE_ANY_EXHDR(payload), now, tolerance, &why);
	sodium_memzero(key, sizeof(key));
	if (why == PS_WEBHOOK_VERIFIED)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(ps_webhook_verdict_text(why)));
}

/*
 * solana.webhook_message_id_valid(text): the CHECK of
 * solana.webhook_deliveries.message_id (see ps_webhook_id_valid).
 */
PG_FUNCTION_INFO_V1(solana_webhook_message_id_valid);
Datum
solana_webhook_message_id_valid(PG_FUNCTION_ARGS)
{
	text	   *id = PG_GETARG_TEXT_PP(0);

	PG_RETURN_BOOL(ps_webhook_id_valid(VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id)));
}

/*
 * solana.webhook_address_class(inet) says what the SSRF guard thinks of
 * an address: public, loopback, private, link-local, cgnat, metadata,
 * unspecified, multicast or reserved.
 */
PG_FUNCTION_INFO_V1(solana_webhook_address_class);
Datum
solana_webhook_address_class(PG_FUNCTION_ARGS)
{
	inet	   *addr = PG_GETARG_INET_PP(0);
	int			fam = ip_family(addr);
	ps_addr_class_t c;

	c = ps_webhook_addr_class(ip_addr(addr), fam == PGSQL_AF_INET ? 4 : 16);
	PG_RETURN_TEXT_P(cstring_to_text(ps_webhook_addr_class_name(c)));
}

/*
 * solana.webhook_retry_delay(failures, schedule) is the wait after the
 * n-th failed attempt: the schedule's entry (default 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, the last repeating) with 10 % jitter, capped at 24 h.
 */
PG_FUNCTION_INFO_V1(solana_webhook_retry_delay);
Datum
solana_webhook_retry_delay(PG_FUNCTION_ARGS)
{
	int32		failures = PG_GETARG_INT32(0);
	int64	   *sched = NULL;
	int			cnt = 0;
	int64		ms;
	Interval   *out = palloc0(sizeof(Interval));

	if (!PG_ARGISNULL(1))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *items;
		bool	   *nulls;
		int			i;

		deconstruct_array(arr, INTERVALOID, sizeof(Interval), false, TYPALIGN_DOUBLE,
						  &items, &nulls, &cnt);
		sched = palloc(sizeof(int64) * Max(cnt, 1));
		for (i = 0; i < cnt; i++)
		{
			Interval   *iv;

			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("retry schedule entry %d is null", i + 1)));
			iv = DatumGetIntervalP(items[i]);
			sched[i] = (iv->time + (iv->day + (int64) iv->month * 30) * USECS_PER_DAY) / 1000;
			if (sched[i] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("retry schedule entry %d is negative", i + 1)));
		}
	}
	ms = ps_webhook_retry_delay_ms(sched, cnt, failures, randombytes_random());
	out->time = ms * 1000;
	PG_RETURN_INTERVAL_P(out);
}

/*
 * solana._webhook_check(url, headers, secret) raises 22023 unless the
 * URL is http(s) with a host and no credentials, every custom header is
 * sendable and the secret decodes.  Called by the validation trigger on
 * solana.webhooks.
 */
PG_FUNCTION_INFO_V1(solana__webhook_check);
Datum
solana__webhook_check(PG_FUNCTION_ARGS)
{
	char	   *url = text_to_cstring(PG_GETARG_TEXT_PP(0));
	CURLU	   *u = curl_url();
	char	   *scheme = NULL;
	char	   *host = NULL;
	char	   *user = NULL;
	CURLUcode	uc;
	bool		ok;

	if (u == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	ok = (uc == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		  (pg_strcasecmp(scheme, "http") == 0 || pg_strcasecmp(scheme, "https") == 0) &&
		  host[0] != '\0');
	if (ok && curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		ok = false;
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	if (!ok || strpbrk(url, " \t\r\n") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid webhook url \"%s\"", url),
				 errdetail("A webhook url is an absolute http:// or https:// URL with a host and without user name or password.")));

	if (!PG_ARGISNULL(1))
	{
		Jsonb	   *hdrs = PG_GETARG_JSONB_P(1);
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;
		char	   *name = NULL;

		if (!JB_ROOT_IS_OBJECT(hdrs) || JB_ROOT_IS_SCALAR(hdrs))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("webhook headers must be a JSON object of strings")));
		it = JsonbIteratorInit(&hdrs->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				name = pnstrdup(v.val.string.val, v.val.string.len);
			else if (tok == WJB_VALUE)
			{
				char	   *val;

				if (v.type != jbvString)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("webhook header \"%s\" must have a string value", name)));
				val = pnstrdup(v.val.string.val, v.val.string.len);
				if (!ps_webhook_header_valid(name, val))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("webhook header \"%s\" cannot be sent", name),
							 errdetail("Names are HTTP tokens other than webhook-id, webhook-timestamp, webhook-signature, content-type, content-length, host, transfer-encoding and connection; values have no control characters.")));
			}
		}
	}
	if (!PG_ARGISNULL(2))
	{
		uint8_t		key[PS_WEBHOOK_KEY_MAX];

		decode_secret(PG_GETARG_TEXT_PP(2), "solana.webhooks", key);
		sodium_memzero(key, sizeof(key));
	}
	PG_RETURN_VOID();
}
