/*
 * dispatcher.c
 *	  The dispatcher background workers: claim jobs of built-in kinds
 *	  from solana.jobs, run their HTTP with libcurl's multi interface,
 *	  write outcomes back in batches; and the commit-time wake-up.
 *
 * Vocabulary: a *kind* is an entry of the registry below (name, start,
 * finish); a *job* is one claimed row, alive in its own memory context
 * from claim to write-back; jobs move pending (claimed, maybe waiting
 * for the rate limit) -> running (in the multi) -> finished.  A *batch*
 * is the finished jobs written back in one transaction, each job in its
 * own subtransaction so one bad job cannot lose the others.
 *
 * The worker sleeps on its latch and libcurl's sockets.  New jobs set
 * the latch at COMMIT (solana._wake_dispatcher, called by the enqueue
 * trigger); delayed and retried jobs are covered by a timer set to the
 * earliest run_at or lease expiry.  Nothing is polled while idle.
 *
 * SIGTERM (fast shutdown, pg_terminate_backend) is a request, not an
 * interrupt: the loop writes back what has finished, gives the jobs it
 * holds but has not finished back to their queue (solana.release: the
 * attempt is not counted) and then exits the way die() would, so the
 * postmaster restarts it.  A second SIGTERM exits at once.
 *
 * Adding a kind: write its start and finish functions, add one line to
 * job_kinds[], and add the name to the predicate of jobs_dispatch_idx
 * (sql/install/35_dispatcher.sql) if it is not there yet.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/ilist.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

#include "decode.h"
#include "pg_solana.h"
#include "ps_base58.h"
#include "ps_error.h"
#include "worker_common.h"
#include "webhook_send.h"
#include "txn_send.h"

PGDLLEXPORT void solana_dispatcher_main(Datum arg);

PG_FUNCTION_INFO_V1(solana_wake_dispatcher);

#define HTTP_RESPONSE_MAX	(16 * 1024 * 1024)
#define ACCOUNTS_MAX		100 /* getMultipleAccounts limit */

typedef struct job_t job_t;

typedef struct job_kind_t
{
	const char *name;

	/*
	 * start reads job->payload and creates job->req (and may set
	 * job->endpoint to rate-limit it).  On a bad payload it sets
	 * job->error, job->retry = false and returns false.  Runs outside any
	 * transaction: no SPI.
	 */
	bool		(*start) (job_t *job);

	/*
	 * finish turns the finished job->req into job->result (JSON text) with
	 * job->ok = true, or job->error and job->retry.  Runs inside the
	 * write-back subtransaction: may use SPI, may raise (recorded as the
	 * job's error).
	 */
	void		(*finish) (job_t *job);
} job_kind_t;

struct job_t
{
	dlist_node	node;
	MemoryContext cxt;
	int64		id;
	char	   *queue;
	char	   *kind_name;
	Jsonb	   *payload;
	int			attempts;
	const job_kind_t *kind;
	const char *endpoint;		/* rate-limited endpoint, or NULL */
	int64		not_before_us;
	bool		rate_reserved;
	solana_http_req *req;
	char	   *what;			/* "POST http://..." for messages */
	/* outcome */
	bool		ok;
	bool		retry;
	int64		retry_after_ms; /* from Retry-After, or -1 */
	char	   *result;
	char	   *error;
};

static bool http_start(job_t *job);
static void http_finish(job_t *job);
static bool rpc_start(job_t *job);
static void rpc_finish(job_t *job);
static bool account_refresh_start(job_t *job);
static void account_refresh_finish(job_t *job);
static bool transaction_start(job_t *job);
static void transaction_finish(job_t *job);

static const job_kind_t job_kinds[] = {
	{"http", http_start, http_finish},
	{"rpc", rpc_start, rpc_finish},
	{"account_refresh", account_refresh_start, account_refresh_finish},
	{"transaction", transaction_start, transaction_finish},	/* txn_send.c */
};

static dlist_head pending = DLIST_STATIC_INIT(pending);
static dlist_head running = DLIST_STATIC_INIT(running);
static dlist_head finished = DLIST_STATIC_INIT(finished);
static int	n_live = 0;			/* pending + running */
static CURLM *multi = NULL;
static char worker_name[64];
static int	worker_index;
static MemoryContext jobs_cxt;
static bool extension_ready = false;	/* solana.jobs exists here */
static MemoryContext claim_cxt = NULL;
static volatile sig_atomic_t shutdown_requested = false;

/* ---------------------------------------------------------------- */
/* commit-time wake-up                                               */

static bool wake_at_commit = false;
static bool wake_callback_registered = false;

static void
wake_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (wake_at_commit)
				solana_wake_dispatchers();
			wake_at_commit = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			wake_at_commit = false;
			break;
		default:
			break;
	}
}

/*
 * solana_wake_dispatchers_at_commit arranges for the dispatchers'
 * latches to be set when the current transaction commits (nothing on
 * abort), so that new or requeued jobs are picked up at once without
 * the workers polling.  The enqueue trigger (queue.c) calls it when it
 * saw a queued job of a built-in kind; the SQL functions that requeue
 * jobs call solana._wake_dispatcher(queues text[]).  Only the
 * dispatchers of this database are woken.  A no-op without preload.
 */
void
solana_wake_dispatchers_at_commit(void)
{
	if (!wake_callback_registered)
	{
		RegisterXactCallback(wake_xact_callback, NULL);
		wake_callback_registered = true;
	}
	wake_at_commit = true;
}

/*
 * solana_job_kind_builtin: whether `kind` (len bytes, not terminated)
 * is one the dispatchers run; jobs of other kinds are the
 * applications', so their enqueue need not wake a dispatcher.
 */
bool
solana_job_kind_builtin(const char *kind, size_t len)
{
	for (int k = 0; k < lengthof(job_kinds); k++)
		if (strlen(job_kinds[k].name) == len && memcmp(job_kinds[k].name, kind, len) == 0)
			return true;
	return false;
}

Datum
solana_wake_dispatcher(PG_FUNCTION_ARGS)
{
	solana_wake_dispatchers_at_commit();
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------- */
/* payload helpers                                                   */

/* the text of string member `key`, or NULL when absent or not a string */
static char *
payload_text(Jsonb *jb, const char *key)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(jb) ||
		getKeyJsonValueFromContainer(&jb->root, key, strlen(key), &v) == NULL ||
		v.type != jbvString)
		return NULL;
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/* the JSON text of member `key` (any type), or NULL when absent */
static char *
payload_json(Jsonb *jb, const char *key, JsonbValue *vout)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(jb) ||
		getKeyJsonValueFromContainer(&jb->root, key, strlen(key), &v) == NULL)
		return NULL;
	if (vout)
		*vout = v;
	if (v.type == jbvBinary)
		return JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
	return JsonbToCString(NULL, &JsonbValueToJsonb(&v)->root, 0);
}

static void
job_reject(job_t *job, const char *fmt,...) pg_attribute_printf(2, 3);

static void
job_reject(job_t *job, const char *fmt,...)
{
	va_list		ap;
	char		buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	job->error = pstrdup(buf);
	job->retry = false;
}

/* request timeout: the payload's seconds, capped below the lease */
static long
job_timeout_ms(job_t *job, long dflt_ms)
{
	char	   *t = payload_json(job->payload, "timeout", NULL);
	long		cap = solana_dispatcher_lease_ms - 1000;
	long		ms = dflt_ms;

	if (t != NULL)
	{
		char	   *end;
		double		secs = strtod(t, &end);

		if (*end == '\0' && secs > 0)
			ms = (long) (secs * 1000);
	}
	return Max(100, Min(ms, cap));
}

/*
 * job_transport_failed records a failure that is not an answer worth
 * reading: a transfer error, a 429 or a 5xx (retried), or another
 * non-2xx status (not retried when `client_errors_final`).  Returns
 * true when it recorded one.
 */
static bool
job_transport_failed(job_t *job, bool client_errors_final)
{
	solana_http_req *req = job->req;
	char		what[256];

	if (req->result == CURLE_OK && req->status >= 200 && req->status < 300)
		return false;
	solana_http_failure_text(req, what, sizeof(what));
	job->retry = req->result != CURLE_OK || req->status == 429 ||
		req->status == 408 || req->status >= 500 || !client_errors_final;
	if ((req->status == 429 || req->status == 503) && req->retry_after[0])
	{
		int64_t		ms;

		/* the receiver said when: that replaces the queue's backoff */
		if (ps_retry_after_ms(req->retry_after, strlen(req->retry_after),
							  (int64_t) time(NULL), &ms) == PS_OK)
			job->retry_after_ms = ms;
	}
	if (req->result == CURLE_OK && req->resp_len > 0 &&
		pg_verifymbstr(req->resp, Min(req->resp_len, 200), true))
		job->error = psprintf("%s: %s: %.*s", job->what, what,
							  (int) Min(req->resp_len, 200), req->resp);
	else
		job->error = psprintf("%s: %s", job->what, what);
	return true;
}

/* ---------------------------------------------------------------- */
/* kind http                                                         */

static bool
http_start(job_t *job)
{
	char	   *url = payload_text(job->payload, "url");
	char	   *method = payload_text(job->payload, "method");
	JsonbValue	bv;
	char	   *body = payload_json(job->payload, "body", &bv);
	JsonbValue	hv;
	char	   *hjson = payload_json(job->payload, "headers", &hv);
	const char **headers = palloc0(sizeof(char *) * 64);
	int			n_headers = 0;
	bool		has_ct = false;
	char		err[256];

	if (url == NULL)
	{
		job_reject(job, "invalid http job payload: \"url\" is missing or not a string");
		return false;
	}
	if (method == NULL)
		method = pstrdup(body ? "POST" : "GET");
	for (char *p = method; *p; p++)
		*p = pg_toupper((unsigned char) *p);
	if (strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method) ||
		method[0] == '\0')
	{
		job_reject(job, "invalid http job payload: method \"%s\"", method);
		return false;
	}
	if (body != NULL && bv.type == jbvString)
		body = pnstrdup(bv.val.string.val, bv.val.string.len);
	else if (body != NULL && bv.type == jbvNull)
		body = NULL;

	if (hjson != NULL)
	{
		JsonbIterator *it;
		JsonbValue	k,
					v;
		JsonbIteratorToken tok;
		char	   *key = NULL;

		if (hv.type != jbvBinary || !JsonContainerIsObject(hv.val.binary.data))
		{
			job_reject(job, "invalid http job payload: \"headers\" must be an object of strings");
			return false;
		}
		it = JsonbIteratorInit(hv.val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				key = pnstrdup(k.val.string.val, k.val.string.len);
			else if (tok == WJB_VALUE)
			{
				v = k;
				if (v.type != jbvString || strpbrk(key, "\r\n:") ||
					memchr(v.val.string.val, '\n', v.val.string.len) ||
					memchr(v.val.string.val, '\r', v.val.string.len))
				{
					job_reject(job, "invalid http job payload: header \"%s\" must be a string without line breaks", key);
					return false;
				}
				if (n_headers >= 63)
				{
					job_reject(job, "invalid http job payload: more than 63 headers");
					return false;
				}
				if (pg_strcasecmp(key, "content-type") == 0)
					has_ct = true;
				headers[n_headers++] = psprintf("%s: %.*s", key,
												v.val.string.len, v.val.string.val);
			}
		}
	}
	if (body != NULL && bv.type != jbvString && !has_ct)
		headers[n_headers++] = "Content-Type: application/json";

	job->what = psprintf("%s %s", method, url);
	job->req = solana_http_new(method, url, headers, n_headers, body,
							   body ? strlen(body) : 0,
							   job_timeout_ms(job, 10000), HTTP_RESPONSE_MAX,
							   err, sizeof(err));
	if (job->req == NULL)
	{
		job_reject(job, "invalid http job payload: %s", err);
		return false;
	}
	return true;
}

static void
http_finish(job_t *job)
{
	solana_http_req *req = job->req;
	ps_buf_t	b;

	if (job_transport_failed(job, true))
		return;
	ps_buf_init(&b, solana_buf_realloc, NULL);
	ps_buf_puts(&b, "{\"status\":");
	ps_buf_put_i64(&b, req->status);
	ps_buf_puts(&b, ",\"elapsed_ms\":");
	ps_buf_put_i64(&b, (int64) req->elapsed_ms);
	if (req->content_type[0])
	{
		ps_buf_puts(&b, ",\"content_type\":");
		ps_buf_put_json_string(&b, req->content_type, strlen(req->content_type));
	}
	if (req->resp_len == 0 ||
		(GetDatabaseEncoding() == PG_UTF8 &&
		 pg_verifymbstr(req->resp, req->resp_len, true)))
	{
		ps_buf_puts(&b, ",\"body\":");
		ps_buf_put_json_string(&b, req->resp ? req->resp : "", req->resp_len);
	}
	else
	{
		ps_buf_puts(&b, ",\"body_base64\":\"");
		ps_buf_put_base64(&b, (const uint8_t *) req->resp, req->resp_len);
		ps_buf_putc(&b, '"');
	}
	ps_buf_putc(&b, '}');
	if (b.err != PS_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	job->result = b.data;
	job->ok = true;
}

/* ---------------------------------------------------------------- */
/* kind rpc                                                          */

static bool
rpc_send(job_t *job, const char *method, const char *params)
{
	static const char *const headers[] = {"Content-Type: application/json"};
	ps_buf_t	b;
	char		err[256];
	int			rc;

	ps_buf_init(&b, solana_buf_realloc, NULL);
	rc = ps_rpc_request(&b, (uint64) job->id, method, params, strlen(params));
	if (rc != PS_OK)
	{
		job_reject(job, "invalid %s job payload: %s (method \"%s\")",
				   job->kind_name, ps_strerror(rc), method);
		return false;
	}
	job->endpoint = pstrdup(solana_rpc_url);
	job->what = psprintf("%s %s", method, solana_rpc_url);
	job->req = solana_http_new("POST", solana_rpc_url, headers, 1, b.data,
							   b.len, job_timeout_ms(job, solana_rpc_timeout_ms),
							   HTTP_RESPONSE_MAX, err, sizeof(err));
	if (job->req == NULL)
	{
		job->error = psprintf("invalid JSON-RPC endpoint: %s", err);
		job->retry = true;		/* the setting may be fixed meanwhile */
		return false;
	}
	return true;
}

static bool
rpc_start(job_t *job)
{
	char	   *method = payload_text(job->payload, "method");
	JsonbValue	pv;
	char	   *params = payload_json(job->payload, "params", &pv);

	if (method == NULL || !ps_rpc_method_valid(method))
	{
		job_reject(job, "invalid rpc job payload: \"method\" must be a JSON-RPC method name");
		return false;
	}
	return rpc_send(job, method, params ? params : "[]");
}

/*
 * rpc_result checks the finished JSON-RPC exchange; returns the result
 * text (palloc'd) or NULL with the job's error set.
 */
static char *
rpc_result(job_t *job)
{
	solana_http_req *req = job->req;
	ps_rpc_response_t r;
	int			rc;

	if (job_transport_failed(job, false))
		return NULL;
	rc = ps_rpc_parse_response(req->resp ? req->resp : "", req->resp_len, &r);
	if (rc != PS_OK)
	{
		job->error = psprintf("%s: invalid JSON-RPC response (%s)", job->what,
							  ps_strerror(rc));
		job->retry = true;
		return NULL;
	}
	if (r.kind == PS_RPC_ERROR)
	{
		job->error = psprintf("%s: JSON-RPC error %lld: %s", job->what,
							  (long long) r.err_code, r.err_msg);
		/* malformed requests will not get better */
		job->retry = !(r.err_code <= -32600 && r.err_code >= -32603);
		return NULL;
	}
	return pnstrdup(req->resp + r.result_off, r.result_sz);
}

static void
rpc_finish(job_t *job)
{
	char	   *res = rpc_result(job);

	if (res != NULL)
	{
		job->result = res;
		job->ok = true;
	}
}

/* ---------------------------------------------------------------- */
/* kind account_refresh                                              */

static bool
account_refresh_start(job_t *job)
{
	JsonbValue	kv;
	char	   *keys = payload_json(job->payload, "pubkeys", &kv);
	char	   *commitment = payload_text(job->payload, "commitment");
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	StringInfoData params;

	if (keys == NULL || kv.type != jbvBinary || !JsonContainerIsArray(kv.val.binary.data))
	{
		job_reject(job, "invalid account_refresh job payload: \"pubkeys\" must be an array of base58 strings");
		return false;
	}
	it = JsonbIteratorInit(kv.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *s;
		uint8_t		key[32];

		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvString)
		{
			job_reject(job, "invalid account_refresh job payload: pubkeys[%d] is not a string", n);
			return false;
		}
		s = pnstrdup(v.val.string.val, v.val.string.len);
		if (ps_base58_decode_32(s, key) != PS_OK)
		{
			job_reject(job, "invalid account_refresh job payload: pubkeys[%d] \"%s\" is not a base58 public key", n, s);
			return false;
		}
		n++;
	}
	if (n == 0 || n > ACCOUNTS_MAX)
	{
		job_reject(job, "invalid account_refresh job payload: %d pubkeys; give 1 to %d", n, ACCOUNTS_MAX);
		return false;
	}
	if (commitment == NULL)
		commitment = solana_commitment;
	if (strcmp(commitment, "processed") != 0 && strcmp(commitment, "confirmed") != 0 &&
		strcmp(commitment, "finalized") != 0)
	{
		job_reject(job, "invalid account_refresh job payload: commitment \"%s\"", commitment);
		return false;
	}
	initStringInfo(&params);
	appendStringInfo(&params, "[%s,{\"encoding\":\"base64\",\"commitment\":\"%s\"}]",
					 keys, commitment);
	return rpc_send(job, "getMultipleAccounts", params.data);
}

/*
 * account_refresh_decode sets account_type and decoded of the refreshed
 * accounts whose owner program has a registered IDL (decode.h).  Data
 * that does not decode is kept raw with a NULL decoded, never an error:
 * the refresh itself succeeded.
 */
static void
account_refresh_decode(const char *keys_json)
{
	static SPIPlanPtr sel = NULL;
	static SPIPlanPtr upd = NULL;
	Datum		arg = CStringGetTextDatum(keys_json);
	SPITupleTable *tt;
	uint64		n;

	if (sel == NULL)
	{
		Oid			t1[1] = {TEXTOID};
		Oid			t3[3] = {BYTEAOID, TEXTOID, JSONBOID};

		sel = SPI_prepare("SELECT a.pubkey::bytea, a.owner::bytea, a.data"
						  "  FROM solana.accounts a JOIN solana.programs p ON p.program_id OPERATOR(solana.=) a.owner"
						  " WHERE a.pubkey::text IN (SELECT pg_catalog.jsonb_array_elements_text($1::pg_catalog.jsonb))",
						  1, t1);
		upd = SPI_prepare("UPDATE solana.accounts SET account_type = $2, decoded = $3"
						  " WHERE pubkey OPERATOR(solana.=) $1::solana.pubkey",
						  3, t3);
		if (sel == NULL || upd == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(sel);
		SPI_keepplan(upd);
	}
	/* not read-only: it must see the upsert just made */
	if (SPI_execute_plan(sel, &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "account_refresh: reading accounts to decode failed");
	tt = SPI_tuptable;
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		bytea	   *key = DatumGetByteaPP(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));
		bytea	   *owner = DatumGetByteaPP(SPI_getbinval(tt->vals[i], tt->tupdesc, 2, &isnull));
		bytea	   *data = DatumGetByteaPP(SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull));
		Jsonb	   *jb = NULL;
		char	   *tname = NULL;
		ps_idl_error_t derr;
		Datum		args[3];
		char		nulls[3] = {' ', ' ', ' '};

		int			rc;

		memset(&derr, 0, sizeof(derr));
		rc = solana_decode_account_jsonb((const uint8 *) VARDATA_ANY(owner),
										 (const uint8 *) VARDATA_ANY(data),
										 VARSIZE_ANY_EXHDR(data), &jb, &tname,
										 &derr);
		if (rc != PS_OK)
			nulls[1] = nulls[2] = 'n';
		args[0] = PointerGetDatum(key);
		args[1] = nulls[1] == 'n' ? (Datum) 0 : CStringGetTextDatum(tname);
		args[2] = nulls[2] == 'n' ? (Datum) 0 : JsonbPGetDatum(jb);
		if (SPI_execute_plan(upd, args, nulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "account_refresh: storing a decoded account failed");
	}
}

static void
account_refresh_finish(job_t *job)
{
	static SPIPlanPtr plan = NULL;
	char	   *res = rpc_result(job);
	char	   *keys;
	Datum		args[2];
	bool		isnull;
	int			rc;

	if (res == NULL)
		return;
	keys = payload_json(job->payload, "pubkeys", NULL);
	if (plan == NULL)
	{
		Oid			types[2] = {TEXTOID, TEXTOID};

		plan = SPI_prepare(
						   "WITH r AS (SELECT $1::pg_catalog.jsonb AS r),"
						   " k AS (SELECT p, o FROM pg_catalog.jsonb_array_elements_text($2::pg_catalog.jsonb)"
						   "        WITH ORDINALITY AS k(p, o)),"
						   " v AS (SELECT a, o FROM pg_catalog.jsonb_array_elements((SELECT r.r->'value' FROM r))"
						   "        WITH ORDINALITY AS v(a, o)),"
						   " s AS (SELECT (r.r->'context'->>'slot')::bigint AS slot FROM r),"
						   " up AS ("
						   "  INSERT INTO solana.accounts AS acc"
						   "   (pubkey, owner, lamports, executable, rent_epoch, data, slot, updated_at)"
						   "  SELECT k.p::solana.pubkey, (v.a->>'owner')::solana.pubkey,"
						   "         (v.a->>'lamports')::bigint,"
						   "         coalesce((v.a->>'executable')::boolean, false),"
						   "         (v.a->>'rentEpoch')::numeric,"
						   "         pg_catalog.decode(v.a->'data'->>0, 'base64'),"
						   "         (SELECT slot FROM s), pg_catalog.now()"
						   "    FROM k JOIN v USING (o)"
						   "   WHERE pg_catalog.jsonb_typeof(v.a) = 'object'"
						   "  ON CONFLICT (pubkey) DO UPDATE SET owner = EXCLUDED.owner,"
						   "     lamports = EXCLUDED.lamports, executable = EXCLUDED.executable,"
						   "     rent_epoch = EXCLUDED.rent_epoch, data = EXCLUDED.data,"
						   "     slot = EXCLUDED.slot, updated_at = EXCLUDED.updated_at"
						   "   WHERE acc.slot <= EXCLUDED.slot"
						   "  RETURNING acc.pubkey)"
						   " SELECT pg_catalog.jsonb_build_object("
						   "   'slot', (SELECT slot FROM s),"
						   "   'updated', (SELECT count(*) FROM up),"
						   "   'missing', coalesce((SELECT pg_catalog.jsonb_agg(k.p ORDER BY k.o)"
						   "                          FROM k LEFT JOIN v USING (o)"
						   "                         WHERE v.a IS NULL OR pg_catalog.jsonb_typeof(v.a) <> 'object'),"
						   "                       '[]'))::text",
						   2, types);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
	}
	args[0] = CStringGetTextDatum(res);
	args[1] = CStringGetTextDatum(keys);
	rc = SPI_execute_plan(plan, args, NULL, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "account_refresh upsert failed: %s", SPI_result_code_string(rc));
	job->result = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 1,
													&isnull));
	account_refresh_decode(keys);
	job->ok = true;
}

/* ---------------------------------------------------------------- */
/* kind transaction: one JSON-RPC step per claim (txn_send.c)        */

static bool
transaction_start(job_t *job)
{
	const char *method;
	char	   *params;

	solana_transaction_request(job->payload, &method, &params);
	return rpc_send(job, method, params);
}

static void
transaction_finish(job_t *job)
{
	bool		answered = !job_transport_failed(job, false);

	job->result = solana_transaction_step(job->id, job->payload,
										  answered ? job->req->resp : NULL,
										  answered ? job->req->resp_len : 0,
										  job->error);
	job->ok = true;
}

/* ---------------------------------------------------------------- */
/* the worker                                                        */

static void
batch_begin(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

static void
batch_end(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

static void
job_free(job_t *job)
{
	if (job->req)
		solana_http_free(job->req);
	job->req = NULL;
	MemoryContextDelete(job->cxt);
}

/*
 * claim_jobs claims up to the free capacity from every served queue, and
 * returns the wall-clock time (us) at which to look again even without
 * a wake-up: the earliest future run_at or lease expiry of a built-in
 * job, one second when due jobs were left unclaimed (queue limits), or 0
 * for "only when woken".  Sets *full when a claim filled its request.
 */
static Datum
text_array(List *names)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(names), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, names)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/* the built-in kinds as an SQL list literal: ('http', 'rpc', ...) */
static const char *
kinds_sql(void)
{
	static char buf[512];

	if (buf[0] == '\0')
	{
		StringInfoData s;

		initStringInfo(&s);
		appendStringInfoChar(&s, '(');
		for (int i = 0; i < lengthof(job_kinds); i++)
			appendStringInfo(&s, "%s%s", i ? ", " : "",
							 quote_literal_cstr(job_kinds[i].name));
		appendStringInfoChar(&s, ')');
		strlcpy(buf, s.data, sizeof(buf));
		pfree(s.data);
	}
	return buf;
}

static int64
claim_jobs(bool *full)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext outer;
	List	   *queues = NIL;
	int			capacity = solana_dispatcher_concurrency - n_live;
	int64		next_due = 0;
	Datum		kinds;
	bool		all = strcmp(solana_dispatcher_queues, "*") == 0;
	bool		isnull;
	List	   *served = NIL;
	Datum		served_arr = (Datum) 0;
	Oid			served_types[1] = {TEXTARRAYOID};
	char		served_nulls[1];

	/* the queue names outlive SPI_finish: a context reset per claim */
	if (claim_cxt == NULL)
		claim_cxt = AllocSetContextCreate(TopMemoryContext, "pg_solana dispatcher claim",
										  ALLOCSET_SMALL_SIZES);
	MemoryContextReset(claim_cxt);
	outer = claim_cxt;

	*full = false;
	extension_ready = true;
	batch_begin("pg_solana dispatcher: claiming jobs");
	if (SPI_execute("SELECT pg_catalog.to_regclass('solana.jobs') IS NOT NULL", true, 1) != SPI_OK_SELECT ||
		!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
	{
		/* the extension is not installed here (yet): wait to be woken */
		batch_end();
		MemoryContextSwitchTo(caller);
		extension_ready = false;
		return 0;
	}
	{
		List	   *names = NIL;

		for (int k = 0; k < lengthof(job_kinds); k++)
			names = lappend(names, (char *) job_kinds[k].name);
		kinds = text_array(names);
	}

	if (!all)
	{
		char	   *copy = pstrdup(solana_dispatcher_queues);
		char	   *save = NULL;

		/* names are case-sensitive text: split on commas, trim blanks */
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		{
			char	   *end = tok + strlen(tok);

			while (*tok == ' ' || *tok == '\t')
				tok++;
			while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
				*--end = '\0';
			if (*tok)
				served = lappend(served, tok);
		}
		served_arr = text_array(served);
	}
	served_nulls[0] = all ? 'n' : ' ';

	/*
	 * Only queues holding due jobs of built-in kinds are claimed from:
	 * an index scan of jobs_dispatch_idx (the literal kind list lets the
	 * planner prove its predicate), so application queues cost nothing.
	 */
	if (SPI_execute_with_args(psprintf("SELECT DISTINCT j.queue FROM solana.jobs j"
									   " WHERE j.state = 'queued' AND j.kind IN %s"
									   "   AND j.run_at <= pg_catalog.now()"
									   "   AND ($1 IS NULL OR j.queue = ANY ($1))"
									   " ORDER BY 1", kinds_sql()),
							  1, served_types, &served_arr, served_nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list queues with due jobs");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(outer);

		queues = lappend(queues, SPI_getvalue(SPI_tuptable->vals[i],
											  SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(old);
	}

	for (ListCell *lc = list_head(queues); lc != NULL && capacity > 0; lc = lnext(queues, lc))
	{
		const char *q = lfirst(lc);
		Oid			types[5] = {TEXTOID, TEXTARRAYOID, INT4OID, INT4OID, TEXTOID};
		Datum		args[5];
		int			want = Min(capacity, 100);
		int			rc;

		args[0] = CStringGetTextDatum(q);
		args[1] = kinds;
		args[2] = Int32GetDatum(want);
		args[3] = Int32GetDatum(solana_dispatcher_lease_ms);
		args[4] = CStringGetTextDatum(worker_name);
		rc = SPI_execute_with_args("SELECT id, queue, kind, payload, attempts"
								   "  FROM solana.claim($1, $2, $3,"
								   "       pg_catalog.make_interval(secs => $4 / 1000.0), $5)",
								   5, types, args, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "solana.claim failed: %s", SPI_result_code_string(rc));
		if ((int) SPI_processed == want)
			*full = true;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	td = SPI_tuptable->tupdesc;
			MemoryContext cxt = AllocSetContextCreate(jobs_cxt, "pg_solana job",
													  ALLOCSET_SMALL_SIZES);
			MemoryContext old = MemoryContextSwitchTo(cxt);
			job_t	   *job = palloc0(sizeof(job_t));

			job->cxt = cxt;
			job->id = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
			job->queue = SPI_getvalue(tup, td, 2);
			job->kind_name = SPI_getvalue(tup, td, 3);
			job->payload = DatumGetJsonbPCopy(SPI_getbinval(tup, td, 4, &isnull));
			job->retry_after_ms = -1;
			job->attempts = DatumGetInt32(SPI_getbinval(tup, td, 5, &isnull));
			for (int k = 0; k < lengthof(job_kinds); k++)
				if (strcmp(job_kinds[k].name, job->kind_name) == 0)
					job->kind = &job_kinds[k];
			MemoryContextSwitchTo(old);
			dlist_push_tail(&pending, &job->node);
			n_live++;
			capacity--;
		}
	}

	if (!*full)
	{
		const char *k = kinds_sql();
		int			rc;

		/*
		 * Due jobs left unclaimed (queue limits): look again in a second.
		 * Not read-only, so that the claims just made are seen.
		 */
		rc = SPI_execute_with_args(psprintf(
											"SELECT (extract(epoch FROM least("
											" (SELECT min(CASE WHEN j.run_at > pg_catalog.now() THEN j.run_at"
											"                  ELSE pg_catalog.now() + interval '1 second' END)"
											"    FROM solana.jobs j JOIN solana.queues q ON q.name = j.queue"
											"   WHERE j.state = 'queued' AND j.kind IN %s AND NOT q.paused"
											"     AND ($1 IS NULL OR j.queue = ANY ($1))),"
											" (SELECT min(j.lease_expires_at) FROM solana.jobs j"
											"   WHERE j.state = 'running' AND j.kind IN %s"
											"     AND ($1 IS NULL OR j.queue = ANY ($1))))) * 1e6)::bigint",
											k, k),
								   1, served_types, &served_arr, served_nulls, false, 1);
		if (rc == SPI_OK_SELECT && SPI_processed == 1)
		{
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			if (!isnull)
				next_due = DatumGetInt64(d);
		}
	}
	batch_end();
	MemoryContextSwitchTo(caller);
	return next_due;
}

/* move a job to the finished list */
static void
job_done(job_t *job)
{
	dlist_delete(&job->node);
	dlist_push_tail(&finished, &job->node);
	n_live--;
}

/*
 * start_pending starts jobs whose rate-limit wait is over; returns the
 * earliest future start time of a waiting job, or 0.
 */
static int64
start_pending(void)
{
	dlist_mutable_iter it;
	int64		now = solana_now_us();
	int64		next = 0;

	dlist_foreach_modify(it, &pending)
	{
		job_t	   *job = dlist_container(job_t, node, it.cur);
		MemoryContext old;

		if (job->req == NULL)
		{
			bool		ok;

			old = MemoryContextSwitchTo(job->cxt);
			if (job->kind == NULL)
			{
				job_reject(job, "no built-in job kind \"%s\"", job->kind_name);
				ok = false;
			}
			else
				ok = job->kind->start(job);
			MemoryContextSwitchTo(old);
			if (!ok)
			{
				job_done(job);
				continue;
			}
		}
		if (job->endpoint && !job->rate_reserved)
		{
			int64		wait = solana_rate_reserve(job->endpoint,
												   (int64) solana_dispatcher_lease_ms * 500);

			if (wait < 0)
			{
				job->error = psprintf("%s: rate limit of %g requests/s leaves no slot within half the lease",
									  job->what, solana_rpc_rate_limit);
				job->retry = true;
				job_done(job);
				continue;
			}
			job->rate_reserved = true;
			job->not_before_us = now + wait;
		}
		if (job->not_before_us > now)
		{
			if (next == 0 || job->not_before_us < next)
				next = job->not_before_us;
			continue;
		}
		job->req->owner = job;
		dlist_delete(&job->node);
		dlist_push_tail(&running, &job->node);
		solana_http_multi_add(multi, job->req);
		if (job->req->done)		/* refused by the multi */
		{
			job->error = psprintf("%s: %s", job->what, job->req->errbuf);
			job->retry = true;
			job_done(job);
		}
	}
	return next;
}

static void
collect_running(void)
{
	solana_http_req *req;

	while ((req = solana_http_collect(multi)) != NULL)
	{
		/* webhook deliveries share the multi (webhook_send.c) */
		if (solana_webhooks_owns(req))
			solana_webhooks_done(req);
		else
			job_done((job_t *) req->owner);
	}
}

/* run one SQL statement on a job in a subtransaction; false on error */
static bool
job_in_subxact(job_t *job, bool run_finish, char **err, int *sqlstate)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(job->cxt);
	PG_TRY();
	{
		Oid			types[5] = {INT8OID, TEXTOID, TEXTOID, BOOLOID, TEXTOID};
		Datum		args[5];
		int			rc;

		if (run_finish && job->req != NULL && job->kind && job->kind->finish)
			job->kind->finish(job);
		args[0] = Int64GetDatum(job->id);
		if (job->ok)
		{
			/* with the worker name: a lost lease raises 55000 */
			args[1] = CStringGetTextDatum(job->result);
			types[2] = TEXTOID;
			args[2] = CStringGetTextDatum(worker_name);
			rc = SPI_execute_with_args("SELECT solana.complete($1, $2::pg_catalog.jsonb, $3)",
									   3, types, args, NULL, false, 0);
		}
		else
		{
			types[1] = TEXTOID;
			args[1] = CStringGetTextDatum(job->error ? job->error : "unknown error");
			args[2] = BoolGetDatum(job->retry);
			types[2] = BOOLOID;
			args[3] = Int64GetDatum(job->retry_after_ms);
			types[3] = INT8OID;
			args[4] = CStringGetTextDatum(worker_name);
			rc = SPI_execute_with_args("SELECT solana.fail($1, $2,"
									   " CASE WHEN $4 >= 0 THEN pg_catalog.make_interval(secs => $4 / 1000.0) END, $3, $5)",
									   5, types, args, NULL, false, 0);
		}
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "writing job %lld back failed: %s", (long long) job->id,
				 SPI_result_code_string(rc));
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(job->cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		*err = psprintf("%s (SQLSTATE %s)", edata->message,
						unpack_sql_state(edata->sqlerrcode));
		*sqlstate = edata->sqlerrcode;
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* write every finished job back in one transaction */
static void
write_back(void)
{
	dlist_mutable_iter it;
	int			n = 0;

	batch_begin("pg_solana dispatcher: writing results");
	dlist_foreach_modify(it, &finished)
	{
		job_t	   *job = dlist_container(job_t, node, it.cur);
		char	   *err = NULL;
		int			sqlstate = 0;

		if (!job_in_subxact(job, true, &err, &sqlstate))
		{
			ereport(WARNING,
					(errmsg("pg_solana dispatcher: job %lld (%s): %s",
							(long long) job->id, job->kind_name, err)));
			job->ok = false;
			job->retry = true;
			job->error = err;
			/* a lost lease: the job belongs to another attempt now */
			if (sqlstate != ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE &&
				!job_in_subxact(job, false, &err, &sqlstate))
				ereport(WARNING,
						(errmsg("pg_solana dispatcher: job %lld stays running until its lease expires: %s",
								(long long) job->id, err)));
		}
		dlist_delete(&job->node);
		job_free(job);
		n++;
	}
	batch_end();
	elog(DEBUG1, "pg_solana dispatcher: wrote %d jobs back", n);
}

static void
dispatcher_exit(int code, Datum arg)
{
	solana_dispatcher_detach(DatumGetInt32(arg));
}

/* SIGTERM: ask the loop to hand its jobs back; a second one leaves now */
static void
dispatcher_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	if (shutdown_requested)
		die(postgres_signal_arg);
	else
	{
		shutdown_requested = true;
		SetLatch(MyLatch);
	}
	errno = save_errno;
}

/*
 * dispatcher_shutdown writes back the finished jobs, returns the jobs
 * still pending or running to their queue without counting the attempt
 * (their HTTP requests are abandoned: one may have reached its server,
 * so the next attempt can repeat it, as after a crash), and exits with
 * the FATAL of die(), so the postmaster restarts the worker unless it
 * is shutting down.
 */
static void
dispatcher_shutdown(void)
{
	List	   *ids = NIL;
	dlist_iter	it;
	int			released = 0;

	if (!dlist_is_empty(&finished))
		write_back();
	dlist_foreach(it, &pending)
		ids = lappend(ids, dlist_container(job_t, node, it.cur));
	dlist_foreach(it, &running)
		ids = lappend(ids, dlist_container(job_t, node, it.cur));
	if (ids != NIL && extension_ready)
	{
		Datum	   *elems = palloc(sizeof(Datum) * list_length(ids));
		int			n = 0;
		Oid			types[2] = {INT8ARRAYOID, TEXTOID};
		Datum		args[2];
		bool		isnull;
		ListCell   *lc;

		foreach(lc, ids)
			elems[n++] = Int64GetDatum(((job_t *) lfirst(lc))->id);
		batch_begin("pg_solana dispatcher: giving jobs back");
		args[0] = PointerGetDatum(construct_array(elems, n, INT8OID, 8,
												  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[1] = CStringGetTextDatum(worker_name);
		if (SPI_execute_with_args("SELECT solana.release($1, $2)", 2, types, args,
								  NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "solana.release failed");
		released = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1, &isnull));
		batch_end();
		ereport(LOG,
				(errmsg("pg_solana dispatcher: gave %d of %d unfinished jobs back to their queue",
						released, n)));
	}
	ereport(FATAL,
			(errcode(ERRCODE_ADMIN_SHUTDOWN),
			 errmsg("terminating background worker \"%s\" due to administrator command",
					MyBgworkerEntry->bgw_type)));
}

void
solana_dispatcher_main(Datum arg)
{
	int64		next_due = 0;
	bool		want_claim = true;

	worker_index = DatumGetInt32(arg);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, dispatcher_sigterm);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(solana_database, NULL, 0);

	snprintf(worker_name, sizeof(worker_name), "pg_solana dispatcher %d",
			 worker_index);
	SetConfigOption("application_name", worker_name, PGC_USERSET, PGC_S_SESSION);
	pgstat_report_appname(worker_name);

	jobs_cxt = AllocSetContextCreate(TopMemoryContext, "pg_solana dispatcher jobs",
									 ALLOCSET_DEFAULT_SIZES);
	multi = solana_http_multi_new();
	solana_dispatcher_attach(worker_index);
	before_shmem_exit(dispatcher_exit, arg);

	for (;;)
	{
		int64		now;
		int64		wake_at;
		int64		next_start;
		long		timeout_ms;

		CHECK_FOR_INTERRUPTS();
		if (shutdown_requested)
			dispatcher_shutdown();	/* does not return */
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		now = solana_now_us();
		if (n_live < solana_dispatcher_concurrency &&
			(want_claim || (next_due != 0 && now >= next_due)))
		{
			bool		full;

			next_due = claim_jobs(&full);
			want_claim = full;
		}
		if (extension_ready)
			solana_webhooks_claim(multi, INT_MAX);
		next_start = start_pending();
		collect_running();
		if (extension_ready && solana_webhooks_flush() > 0)
			continue;			/* room freed; retries may be due */
		if (!dlist_is_empty(&finished))
		{
			write_back();
			want_claim = true;	/* capacity freed; retries may be due */
			continue;
		}
		if (want_claim && n_live < solana_dispatcher_concurrency)
			continue;

		wake_at = next_due;
		if (next_start != 0 && (wake_at == 0 || next_start < wake_at))
			wake_at = next_start;
		now = solana_now_us();
		timeout_ms = wake_at == 0 ? 600000 :
			(long) Max(0, Min((wake_at - now + 999) / 1000, 600000));
		if (extension_ready)
			timeout_ms = solana_webhooks_next_ms(timeout_ms);
		if (solana_http_wait(multi, timeout_ms, PG_WAIT_EXTENSION))
		{
			ResetLatch(MyLatch);
			want_claim = true;
			solana_webhooks_wake();
		}
	}
}
