/*
 * gateway.c
 *	  solana.rpc: a synchronous JSON-RPC call from SQL, with a response
 *	  cache, a rate limit shared by every backend and worker, and retries.
 *
 * A *call* is one solana.rpc invocation; an *attempt* is one HTTP
 * exchange of it.  The cache key is endpoint, method and the params'
 * canonical jsonb text, so that {"a":1,"b":2} and {"b":2,"a":1} share
 * an entry; only results are cached, never errors.  Attempts are retried
 * after a 429 (waiting at least Retry-After), a 5xx, a timeout or a
 * refused connection, with exponential backoff (solana.rpc_retry_*).
 * Waits sleep on the latch, so a query cancel ends them at once.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/wait_event.h"

#include "pg_solana.h"
#include "ps_error.h"
#include "worker_common.h"

PG_FUNCTION_INFO_V1(solana_rpc);
PG_FUNCTION_INFO_V1(solana_rpc_cache_stats);
PG_FUNCTION_INFO_V1(solana_rpc_cache_reset);

#define RPC_RESPONSE_MAX	(256 * 1024 * 1024)

/* methods whose answers are never cached: they change state */
static const char *const never_cached[] = {
	"sendTransaction", "requestAirdrop", "simulateTransaction", NULL
};

static CURLM *gateway_multi = NULL;
static uint64 rpc_next_id = 1;

/*
 * rpc_ttl_ms returns the cache TTL of `method` from solana.rpc_cache_ttls,
 * else solana.rpc_cache_ttl.
 */
static int64
rpc_ttl_ms(const char *method)
{
	bool		found = false;
	int64_t		ttl = 0;

	for (int i = 0; never_cached[i]; i++)
		if (strcmp(method, never_cached[i]) == 0)
			return 0;
	if (solana_rpc_cache_ttls &&
		ps_rpc_ttl_lookup(solana_rpc_cache_ttls, method, &found, &ttl) == PS_OK &&
		found)
		return ttl;
	return solana_rpc_cache_ttl_ms;
}

/* sleep `ms` on the latch; a cancel or termination raises here */
static void
gateway_sleep(int64 ms)
{
	int64		until = solana_now_us() + ms * 1000;

	for (;;)
	{
		int64		left = (until - solana_now_us()) / 1000;

		CHECK_FOR_INTERRUPTS();
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 (long) Min(left, 1000), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * gateway_exchange runs one attempt to completion and returns the
 * finished request (the caller frees it).  Interrupts raise after the
 * request has been detached and freed.
 */
static solana_http_req *
gateway_exchange(const char *url, const char *body, size_t body_sz)
{
	static const char *const headers[] = {"Content-Type: application/json"};
	solana_http_req *req;
	char		err[256];

	if (gateway_multi == NULL)
		gateway_multi = solana_http_multi_new();
	req = solana_http_new("POST", url, headers, 1, body, body_sz,
						  solana_rpc_timeout_ms, RPC_RESPONSE_MAX,
						  err, sizeof(err));
	if (req == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON-RPC endpoint \"%s\"", url),
				 errdetail("%s.", err),
				 errhint("Set solana.rpc_url to an http or https URL.")));
	solana_http_multi_add(gateway_multi, req);
	PG_TRY();
	{
		while (!req->done)
		{
			if (solana_http_wait(gateway_multi, 1000, PG_WAIT_EXTENSION))
				ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			while (solana_http_collect(gateway_multi) != NULL)
				;
		}
	}
	PG_CATCH();
	{
		solana_http_multi_remove(gateway_multi, req);
		solana_http_free(req);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return req;
}

/*
 * gateway_call sends `method` with `params` to `url`, retrying as the
 * settings say, and returns the result's JSON text (palloc'd).
 */
static char *
gateway_call(const char *url, const char *method, const char *params)
{
	ps_buf_t	body;
	int			rc;

	ps_buf_init(&body, solana_buf_realloc, NULL);
	rc = ps_rpc_request(&body, rpc_next_id++, method, params, strlen(params));
	if (rc != PS_OK)
		solana_raise_core(rc, psprintf("invalid JSON-RPC request for method \"%s\"", method),
						  "The params must be a JSON array or object.");

	for (int attempt = 0;; attempt++)
	{
		solana_http_req *req;
		int64		wait_us;
		bool		retryable;
		int64		delay_ms;
		char		what[256];

		wait_us = solana_rate_reserve(url, INT64CONST(3600) * 1000000);
		if (wait_us > 0)
			gateway_sleep((wait_us + 999) / 1000);

		req = gateway_exchange(url, body.data, body.len);

		if (req->result == CURLE_OK && req->status >= 200 && req->status < 300)
		{
			ps_rpc_response_t r;
			char	   *out;

			rc = ps_rpc_parse_response(req->resp ? req->resp : "", req->resp_len, &r);
			if (rc != PS_OK)
			{
				char		head[121];

				strlcpy(head, req->resp ? req->resp : "", sizeof(head));
				solana_http_free(req);
				ereport(ERROR,
						(errcode(ERRCODE_PROTOCOL_VIOLATION),
						 errmsg("invalid JSON-RPC response from %s to method \"%s\"", url, method),
						 errdetail("The body is not a JSON-RPC response (%s); it begins \"%s\".",
								   ps_strerror(rc), head)));
			}
			if (r.kind == PS_RPC_ERROR)
			{
				char	   *msg = pstrdup(r.err_msg);
				char	   *data = pnstrdup(req->resp + r.err_off, r.err_sz);

				solana_http_free(req);
				ereport(ERROR,
						(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
						 errmsg("JSON-RPC error %lld from %s: %s",
								(long long) r.err_code, url, msg),
						 errdetail("Method \"%s\" answered %s.", method, data)));
			}
			out = pnstrdup(req->resp + r.result_off, r.result_sz);
			solana_http_free(req);
			ps_buf_free(&body);
			return out;
		}

		retryable = req->result != CURLE_OK ||
			req->status == 429 || req->status >= 500;
		solana_http_failure_text(req, what, sizeof(what));
		if (retryable && attempt < solana_rpc_retries)
		{
			delay_ms = ps_backoff_ms(attempt + 1, solana_rpc_retry_base_ms,
									 solana_rpc_retry_cap_ms, 0.2,
									 (uint32) random());
			if (req->status == 429 && req->retry_after[0])
			{
				int64_t		ra;

				if (ps_retry_after_ms(req->retry_after, strlen(req->retry_after),
									  (int64_t) time(NULL), &ra) == PS_OK)
					delay_ms = Max(delay_ms, Min(ra, 60000));
			}
			solana_http_free(req);
			gateway_sleep(delay_ms);
			continue;
		}

		if (req->result != CURLE_OK)
		{
			solana_http_free(req);
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not reach JSON-RPC endpoint %s", url),
					 errdetail("Method \"%s\": %s after %d attempt%s.", method, what,
							   attempt + 1, attempt == 0 ? "" : "s")));
		}
		else
		{
			long		status = req->status;

			solana_http_free(req);
			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
					 errmsg("JSON-RPC endpoint %s answered HTTP %ld", url, status),
					 errdetail("Method \"%s\", after %d attempt%s.", method,
							   attempt + 1, attempt == 0 ? "" : "s")));
		}
	}
}

/*
 * solana.rpc(method text, params jsonb DEFAULT '[]', use_cache boolean
 * DEFAULT true) returns jsonb: the "result" of a JSON-RPC call to
 * solana.rpc_url.  Exists so that SQL can read the chain synchronously
 * with the seed gateway's cache, rate limit and retry policy.
 */
Datum
solana_rpc(PG_FUNCTION_ARGS)
{
	char	   *method = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *params = PG_GETARG_JSONB_P(1);
	bool		use_cache = PG_GETARG_BOOL(2);
	const char *url = solana_rpc_url;
	char	   *params_text;
	int64		ttl;
	StringInfoData key;
	char	   *result;
	Datum		out;

	if (!ps_rpc_method_valid(method))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON-RPC method name: \"%s\"", method),
				 errdetail("A method name is 1 to %d letters, digits or underscores.",
						   PS_RPC_METHOD_MAX)));
	if (JB_ROOT_IS_SCALAR(params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON-RPC params for method \"%s\"", method),
				 errdetail("The params must be a JSON array or object, not a scalar.")));
	if (url == NULL || url[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("solana.rpc_url is not set"),
				 errhint("Set solana.rpc_url to the JSON-RPC endpoint.")));

	params_text = JsonbToCString(NULL, &params->root, VARSIZE(params));
	ttl = use_cache ? rpc_ttl_ms(method) : 0;
	initStringInfo(&key);
	appendStringInfo(&key, "%s\n%s\n%s", url, method, params_text);

	if (ttl > 0)
	{
		ps_buf_t	hit;

		ps_buf_init(&hit, solana_buf_realloc, NULL);
		if (solana_cache_get(key.data, key.len, &hit) && hit.err == PS_OK)
			PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(hit.data)));
		ps_buf_free(&hit);
	}

	result = gateway_call(url, method, params_text);
	/* convert first: an answer jsonb refuses (\u0000) is never cached */
	out = DirectFunctionCall1(jsonb_in, CStringGetDatum(result));
	if (ttl > 0)
		solana_cache_put(key.data, key.len, result, strlen(result), ttl);
	PG_RETURN_DATUM(out);
}

/*
 * solana.rpc_cache_stats() reports the response cache's counters, for
 * tuning solana.rpc_cache_size and the TTLs.
 */
Datum
solana_rpc_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	ps_lru_stats_t st;
	Datum		values[8];
	bool		nulls[8] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	solana_cache_stats(&st);
	values[0] = Int64GetDatum((int64) st.hits);
	values[1] = Int64GetDatum((int64) st.misses);
	values[2] = Int64GetDatum((int64) st.expired);
	values[3] = Int64GetDatum((int64) st.inserts);
	values[4] = Int64GetDatum((int64) st.evictions);
	values[5] = Int64GetDatum((int64) st.entries);
	values[6] = Int64GetDatum((int64) st.blocks_used * st.block_sz);
	values[7] = Int64GetDatum((int64) st.blocks_total * st.block_sz);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* solana.rpc_cache_reset() empties the cache (counters stay). */
Datum
solana_rpc_cache_reset(PG_FUNCTION_ARGS)
{
	solana_cache_reset();
	PG_RETURN_VOID();
}
