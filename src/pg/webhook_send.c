/*
 * webhook_send.c
 *	  The dispatcher's webhook path: claim due deliveries, sign and send
 *	  them on the dispatcher's libcurl multi handle (http.c), record the
 *	  outcomes in batches.
 *
 * A *slot* is one claimed delivery attempt: the request, the bounded
 * response snippet and what the SSRF guard decided; it is *queued* until
 * its endpoint's max_in_flight (counted over every dispatcher in shared
 * memory, webhook_limits.c) and solana.webhook_concurrency allow it
 * into the multi (*running*).  Up to twice the limits are claimed, so a
 * finished request is followed by the next at once.  Slots are malloc'd
 * (they outlive memory context resets and transactions) and found from
 * a finished request through req->owner.  libcurl callbacks here never
 * palloc or ereport.
 *
 * The dispatcher calls, in its wait loop and outside any transaction:
 * solana_webhooks_claim (claim due deliveries), solana_webhooks_owns /
 * solana_webhooks_done (a finished request of ours; starts queued
 * ones), then solana_webhooks_flush (one transaction: write the
 * outcomes, claim what the freed room allows), and
 * solana_webhooks_next_ms (how long it may sleep).  A *pass* is one such
 * transaction; it commits asynchronously (see run_pass).
 */
#include "postgres.h"

#include <sys/socket.h>
#include <sodium.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "pg_solana.h"
#include "ps_error.h"
#include "ps_webhook.h"
#include "webhooks.h"
#include "webhook_limits.h"
#include "worker_common.h"
#include "webhook_send.h"

#define SNIPPET_SZ	200

typedef struct wh_slot
{
	int64		delivery_id;
	int64		webhook_id;
	int			max_in_flight;	/* the endpoint's limit */
	bool		running;		/* counted as in flight (else queued) */
	bool		starting;		/* running, not yet in the multi */
	solana_http_req *req;
	bool		skip_guard;		/* host in solana.webhook_allowed_hosts */
	bool		refused;		/* the SSRF guard refused an address */
	ps_addr_class_t refused_class;
	size_t		body_seen;		/* response bytes read */
	size_t		body_max;
	bool		overflow;
	char		snippet[SNIPPET_SZ + 1];
	size_t		snippet_len;
} wh_slot;

typedef struct wh_outcome
{
	int64		id;
	int			status;			/* 0: no response */
	int			retry_after;	/* -1: none */
	double		latency_ms;
	char		error[256];
} wh_outcome;

/*
 * Claimed deliveries wait in `live` as queued slots until their endpoint
 * and the total allow another request (up to twice the limits are
 * claimed), so a finished request is followed by the next one at once,
 * without waiting for the database.
 */
static int	n_live = 0;			/* queued + running */
static int	n_running = 0;
static wh_slot **live = NULL;
static int	live_cap = 0;
static CURLM *wh_multi = NULL;
static wh_outcome *outcomes = NULL;
static int	n_outcomes = 0;
static int	outcomes_cap = 0;
static TimestampTz next_due = 0;	/* 0: look now */
static TimestampTz first_outcome_at = 0;	/* of the unwritten ones */

/*
 * Outcomes are written in batches: while every request slot is busy and
 * queued deliveries can follow the finished ones, a pass waits for
 * three quarters of solana.webhook_concurrency outcomes (a pass has a
 * fixed cost: three quarters measured 4 to 5 us less dispatcher CPU per
 * delivery, of ~65, than half), or FLUSH_AGE_US after the first of
 * them.  When a slot would go idle (nothing startable
 * queued) the pass runs at once, so a trickle is recorded and refilled
 * without delay.
 */
#define FLUSH_AGE_US	2000

int
solana_webhooks_in_flight(void)
{
	return n_running;
}

static void finish_slot(wh_slot *s);

/*
 * Start queued slots while the total (solana.webhook_concurrency) and
 * each endpoint's max_in_flight, counted over all dispatchers
 * (webhook_limits.c), allow.  A slot held back by a full endpoint makes
 * this process *waiting*: the dispatcher that finishes one of that
 * endpoint's requests sets our latch, and the next claim kicks again.
 */
static bool held_back = false;

static void
kick(void)
{
	bool		waiting = false;
	int64		full_id = 0;
	int			n_new = 0;

	held_back = false;
	if (n_running >= solana_webhook_concurrency || n_running >= n_live)
		return;
	solana_webhook_limits_begin();
	for (int i = 0; i < n_live && n_running < solana_webhook_concurrency; i++)
	{
		wh_slot    *s = live[i];

		if (s->running)
			continue;
		if ((waiting && s->webhook_id == full_id) ||
			!solana_webhook_limits_take(s->webhook_id, s->max_in_flight))
		{
			waiting = true;
			full_id = s->webhook_id;
			continue;
		}
		s->running = true;
		s->starting = true;
		n_running++;
		n_new++;
	}
	solana_webhook_limits_end(waiting);
	held_back = waiting;

	/* outside the lock: hand the started ones to libcurl */
	for (int i = 0; i < n_live && n_new > 0; i++)
	{
		wh_slot    *s = live[i];

		if (!s->starting)
			continue;
		s->starting = false;
		n_new--;
		solana_http_multi_add(wh_multi, s->req);
		if (s->req->done)
		{
			/* refused by the multi: an outcome now, and look again */
			finish_slot(s);
			i--;
		}
	}
}

/* libcurl: the SSRF guard, applied to every address before connecting */
static curl_socket_t
opensocket_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	wh_slot    *s = clientp;
	ps_addr_class_t c;

	if (!s->skip_guard && !solana_webhook_sockaddr_allowed(&addr->addr, &c))
	{
		s->refused = true;
		s->refused_class = c;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/*
 * libcurl: the SSRF guard again once a connection is chosen, because a
 * reused keep-alive connection opens no socket (the setting may have
 * changed since it was opened).
 */
static int
prereq_cb(void *clientp, char *conn_primary_ip, char *conn_local_ip,
		  int conn_primary_port, int conn_local_port)
{
	wh_slot    *s = clientp;
	uint8_t		a[16];
	size_t		n = 0;
	ps_addr_class_t c;

	if (s->skip_guard)
		return CURL_PREREQFUNC_OK;
	if (ps_webhook_addr_parse(conn_primary_ip, a, &n) != PS_OK)
		c = PS_ADDR_RESERVED;
	else
		c = ps_webhook_addr_class(a, n);
	if (c != PS_ADDR_PUBLIC && !solana_webhook_allow_private)
	{
		s->refused = true;
		s->refused_class = c;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

/* libcurl: keep a snippet of the body, read at most body_max bytes */
static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	wh_slot    *s = userdata;
	size_t		n = size * nmemb;

	if (s->snippet_len < SNIPPET_SZ)
	{
		size_t		k = Min(n, SNIPPET_SZ - s->snippet_len);

		memcpy(s->snippet + s->snippet_len, ptr, k);
		s->snippet_len += k;
		s->snippet[s->snippet_len] = '\0';
	}
	s->body_seen += n;
	if (s->body_seen > s->body_max)
	{
		s->overflow = true;
		return 0;				/* stop reading: CURLE_WRITE_ERROR */
	}
	return n;
}

static void
slot_free(wh_slot *s)
{
	if (s == NULL)
		return;
	solana_http_free(s->req);
	free(s);
}

/* the URL's host, lowercase, for the allowlist; NULL when unparsable */
static bool
host_allowlisted(const char *url)
{
	CURLU	   *u;
	char	   *host = NULL;
	bool		ok = false;

	/* the common case: no allowlist, nothing to parse */
	if (solana_webhook_allowed_hosts == NULL || solana_webhook_allowed_hosts[0] == '\0')
		return false;
	u = curl_url();
	if (u == NULL)
		return false;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
	{
		size_t		n = strlen(host);

		/* IPv6 literals come bracketed */
		if (n > 2 && host[0] == '[' && host[n - 1] == ']')
		{
			host[n - 1] = '\0';
			ok = solana_webhook_host_allowed(host + 1);
		}
		else
			ok = solana_webhook_host_allowed(host);
	}
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

static void
add_outcome(int64 id, int status, int retry_after, double latency_ms,
			const char *error_opt)
{
	wh_outcome *o;

	if (n_outcomes == outcomes_cap)
	{
		int			cap = outcomes_cap ? outcomes_cap * 2 : 64;
		wh_outcome *p = realloc(outcomes, sizeof(wh_outcome) * cap);

		if (p == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		outcomes = p;
		outcomes_cap = cap;
	}
	if (n_outcomes == 0)
		first_outcome_at = GetCurrentTimestamp();
	o = &outcomes[n_outcomes++];
	o->id = id;
	o->status = status;
	o->retry_after = retry_after;
	o->latency_ms = latency_ms;
	strlcpy(o->error, error_opt ? error_opt : "", sizeof(o->error));
}

/*
 * Builds the request of one claimed row (SPI tuple `i`).  Failures to
 * build (a secret that no longer decodes) become outcomes at once.
 */
static void
start_one(CURLM *multi, SPITupleTable *tt, int i)
{
	TupleDesc	td = tt->tupdesc;
	HeapTuple	tup = tt->vals[i];
	bool		isnull;
	int64		id = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
	int64		webhook_id = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
	int32		max_in_flight = DatumGetInt32(SPI_getbinval(tup, td, 11, &isnull));
	char	   *url = SPI_getvalue(tup, td, 3);
	char	   *secret = SPI_getvalue(tup, td, 4);
	char	   *prev = SPI_getvalue(tup, td, 5);
	char	   *msg_id = SPI_getvalue(tup, td, 6);
	char	   *body = SPI_getvalue(tup, td, 7);
	int32		timeout_ms = DatumGetInt32(SPI_getbinval(tup, td, 8, &isnull));
	Datum		hdr_datum = SPI_getbinval(tup, td, 9, &isnull);
	Jsonb	   *custom = isnull ? NULL : DatumGetJsonbP(hdr_datum);
	uint8_t		key[PS_WEBHOOK_KEY_MAX];
	size_t		key_len = 0;
	char		sig[PS_WEBHOOK_SIG_SZ];
	char		sig2[PS_WEBHOOK_SIG_SZ];
	int64		ts = (int64) time(NULL);
	List	   *lines = NIL;
	const char **hv;
	int			n_h;
	ListCell   *lc;
	char		err[256];
	wh_slot    *s;
	int			k;

	/* sign now: the timestamp is the attempt's */
	if (ps_webhook_secret_decode(secret, strlen(secret), key, &key_len) != PS_OK ||
		ps_webhook_sign(key, key_len, msg_id, ts, body, strlen(body), sig) != PS_OK)
	{
		sodium_memzero(key, sizeof(key));
		add_outcome(id, 0, -1, 0, "cannot sign: the webhook secret or message id is invalid");
		return;
	}
	sig2[0] = '\0';
	if (prev != NULL &&
		ps_webhook_secret_decode(prev, strlen(prev), key, &key_len) == PS_OK)
		ps_webhook_sign(key, key_len, msg_id, ts, body, strlen(body), sig2);
	sodium_memzero(key, sizeof(key));
	memset(secret, 0, strlen(secret));
	if (prev)
		memset(prev, 0, strlen(prev));

	lines = lappend(lines, pstrdup("Content-Type: application/json"));
	lines = lappend(lines, psprintf("webhook-id: %s", msg_id));
	lines = lappend(lines, psprintf("webhook-timestamp: %lld", (long long) ts));
	lines = lappend(lines, psprintf("webhook-signature: %s%s%s", sig,
									sig2[0] ? " " : "", sig2));
	lines = lappend(lines, pstrdup("Expect:"));
	if (custom != NULL && JB_ROOT_IS_OBJECT(custom) && !JB_ROOT_IS_SCALAR(custom))
	{
		JsonbIterator *it = JsonbIteratorInit(&custom->root);
		JsonbValue	v;
		JsonbIteratorToken tok;
		char	   *name = NULL;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				name = pnstrdup(v.val.string.val, v.val.string.len);
			else if (tok == WJB_VALUE && v.type == jbvString && name != NULL)
			{
				char	   *val = pnstrdup(v.val.string.val, v.val.string.len);

				if (ps_webhook_header_valid(name, val))
					lines = lappend(lines, psprintf("%s: %s", name, val));
			}
		}
	}
	n_h = list_length(lines);
	hv = palloc(sizeof(char *) * n_h);
	k = 0;
	foreach(lc, lines)
		hv[k++] = lfirst(lc);

	s = calloc(1, sizeof(wh_slot));
	if (s == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	s->delivery_id = id;
	s->webhook_id = webhook_id;
	s->max_in_flight = max_in_flight;
	s->body_max = (size_t) solana_webhook_max_response_bytes;
	s->skip_guard = host_allowlisted(url);
	s->req = solana_http_new("POST", url, hv, n_h, body, strlen(body),
							 timeout_ms, s->body_max, err, sizeof(err));
	if (s->req == NULL)
	{
		free(s);
		add_outcome(id, 0, -1, 0, err);
		return;
	}
	s->req->owner = s;
	/* ours over http.c's defaults: bounded body, SSRF guard, no proxy */
	curl_easy_setopt(s->req->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(s->req->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->req->easy, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	curl_easy_setopt(s->req->easy, CURLOPT_OPENSOCKETDATA, s);
	curl_easy_setopt(s->req->easy, CURLOPT_PREREQFUNCTION, prereq_cb);
	curl_easy_setopt(s->req->easy, CURLOPT_PREREQDATA, s);
	curl_easy_setopt(s->req->easy, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(s->req->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(s->req->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(s->req->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(s->req->easy, CURLOPT_ACCEPT_ENCODING, NULL);
	curl_easy_setopt(s->req->easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(s->req->easy, CURLOPT_PIPEWAIT, 1L);
	if (n_live == live_cap)
	{
		int			cap = live_cap ? live_cap * 2 : 64;
		wh_slot   **p = realloc(live, sizeof(wh_slot *) * cap);

		if (p == NULL)
		{
			slot_free(s);
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		}
		live = p;
		live_cap = cap;
	}
	live[n_live++] = s;
}

/* a kept plan for `sql` with the given argument types */
static SPIPlanPtr
kept_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*slot = p;
	}
	return *slot;
}

static SPIPlanPtr claim_plan = NULL;
static SPIPlanPtr next_due_plan = NULL;
static SPIPlanPtr record_plan = NULL;

/* true when solana._webhook_claim exists in this database */
static bool
installed(void)
{
	static bool known = false;

	if (!known &&
		SPI_execute("SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n "
					"ON n.oid = p.pronamespace WHERE n.nspname = 'solana' "
					"AND p.proname = '_webhook_claim'", true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		known = true;
	return known;
}

static void record_outcomes(void);

/* inside a transaction: claim and start up to `room` deliveries */
static int
claim_in_xact(int room)
{
	Oid			argtypes[3] = {INT4OID, INT8ARRAYOID, INT4ARRAYOID};
	Datum		args[3];
	Datum	   *held_ids = palloc(sizeof(Datum) * Max(n_live, 1));
	Datum	   *held_cnts = palloc(sizeof(Datum) * Max(n_live, 1));
	int			n_held = 0;
	int			started = 0;
	int			ret;

	/*
	 * The endpoints we hold claimed deliveries of, and how many (the claim
	 * allows twice max_in_flight per endpoint and dispatcher).  The queue
	 * is short: a linear search.
	 */
	for (int i = 0; i < n_live; i++)
	{
		int			k;

		for (k = 0; k < n_held; k++)
			if (DatumGetInt64(held_ids[k]) == live[i]->webhook_id)
				break;
		if (k == n_held)
		{
			held_ids[n_held] = Int64GetDatum(live[i]->webhook_id);
			held_cnts[n_held++] = Int32GetDatum(0);
		}
		held_cnts[k] = Int32GetDatum(DatumGetInt32(held_cnts[k]) + 1);
	}
	args[0] = Int32GetDatum(room);
	args[1] = PointerGetDatum(construct_array(held_ids, n_held, INT8OID, 8,
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[2] = PointerGetDatum(construct_array(held_cnts, n_held, INT4OID, 4,
											  true, TYPALIGN_INT));
	ret = SPI_execute_plan(kept_plan(&claim_plan,
									 "SELECT * FROM solana._webhook_claim($1, $2, $3)",
									 3, argtypes), args, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "solana._webhook_claim failed: %s", SPI_result_code_string(ret));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		start_one(wh_multi, SPI_tuptable, (int) i);
		started++;
	}
	kick();
	if (started == room)
		next_due = 0;			/* maybe more are due already */
	else
	{
		/* when to look again if nothing wakes us */
		ret = SPI_execute_plan(kept_plan(&next_due_plan, "SELECT solana._webhook_next_due()",
										 0, NULL), NULL, NULL, true, 1);
		next_due = DT_NOEND;
		if (ret == SPI_OK_SELECT && SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 1, &isnull);

			if (!isnull)
				next_due = DatumGetTimestampTz(d);
		}

		/*
		 * Due but held back by an endpoint's in-flight or rate limit: a
		 * finished request resets this at once, the rate limit needs a look
		 * now and then.
		 */
		if (next_due != DT_NOEND && next_due <= GetCurrentTimestamp())
			next_due = GetCurrentTimestamp() + 100 * 1000;
	}
	return started;
}

/*
 * One transaction: record the noted outcomes, then claim what the freed
 * room allows (when `claim`).  Returns the deliveries started.
 */
static int
run_pass(bool claim)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	int			room = 2 * solana_webhook_concurrency - n_live;
	int			started = 0;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pg_solana: webhook deliveries");

	/*
	 * A claim or outcome lost in a crash only means a repeat with the same
	 * webhook-id (the lease expires, the row is sent again), which
	 * receivers must tolerate anyway: no need to wait for the WAL flush.
	 */
	(void) set_config_option("synchronous_commit", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);

	if (!installed())
		next_due = DT_NOEND;	/* wait to be woken */
	else
	{
		if (n_outcomes > 0)
			record_outcomes();
		/* the records' snapshot is gone: claim with a fresh one */
		if (claim && room > 0)
		{
			PopActiveSnapshot();
			CommandCounterIncrement();
			PushActiveSnapshot(GetTransactionSnapshot());
			started = claim_in_xact(room);
		}
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextSwitchTo(oldcxt);
	return started;
}

/* whether the noted outcomes are to be written now (see FLUSH_AGE_US) */
static bool
flush_due(void)
{
	if (n_outcomes == 0)
		return false;
	if (n_outcomes >= Max(1, solana_webhook_concurrency * 3 / 4))
		return true;
	/* a slot is idle, or would be: refill now */
	if (n_running < solana_webhook_concurrency &&
		(n_live == n_running || held_back))
		return true;
	return GetCurrentTimestamp() - first_outcome_at >= FLUSH_AGE_US;
}

int
solana_webhooks_claim(CURLM *multi, int budget)
{
	wh_multi = multi;
	/* woken because another dispatcher freed room at a full endpoint */
	if (held_back)
		kick();
	if (n_outcomes > 0)
		return flush_due() ? run_pass(budget > 0) : 0;
	if (2 * solana_webhook_concurrency - n_live <= 0 || budget <= 0)
		return 0;
	if (next_due != 0 && GetCurrentTimestamp() < next_due)
		return 0;
	return run_pass(true);
}

bool
solana_webhooks_owns(const solana_http_req *req)
{
	for (int i = 0; i < n_live; i++)
		if (live[i]->running && live[i]->req == req)
			return true;
	return false;
}

/* a finished (or refused) running slot: note its outcome, free it */
static void
finish_slot(wh_slot *s)
{
	solana_http_req *req = s->req;
	int			status = (req->result == CURLE_OK ||
						  (s->overflow && req->status > 0)) ? (int) req->status : 0;
	int64_t		ra = -1;
	char		err[256];

	if (req->retry_after[0] != '\0')
	{
		int64_t		d;

		if (ps_webhook_retry_after(req->retry_after, strlen(req->retry_after),
								   (int64_t) time(NULL), &d) == PS_OK)
			ra = d;
	}
	err[0] = '\0';
	if (s->refused)
		snprintf(err, sizeof(err),
				 "refused by the SSRF guard: the host resolves to a %s address "
				 "(set solana.webhook_allow_private or list the host in "
				 "solana.webhook_allowed_hosts)",
				 ps_webhook_addr_class_name(s->refused_class));
	else if (status == 0)
		solana_http_failure_text(req, err, sizeof(err));
	else if (status < 200 || status > 299)
	{
		if (s->snippet_len > 0)
		{
			char		clean[SNIPPET_SZ + 1];
			size_t		k;

			for (k = 0; k < s->snippet_len; k++)
				clean[k] = ((unsigned char) s->snippet[k] < 0x20 ||
							(unsigned char) s->snippet[k] >= 0x7f) ? ' ' : s->snippet[k];
			clean[k] = '\0';
			snprintf(err, sizeof(err), "HTTP %d: %s", status, clean);
		}
		else
			snprintf(err, sizeof(err), "HTTP %d", status);
	}
	if (status >= 200 && status <= 299)
		err[0] = '\0';
	add_outcome(s->delivery_id, status, (int) Min(ra, INT_MAX), req->elapsed_ms,
				err[0] ? err : NULL);
	for (int i = 0; i < n_live; i++)
		if (live[i] == s)
		{
			/* keep the queue's order: it is short */
			memmove(&live[i], &live[i + 1], sizeof(wh_slot *) * (n_live - i - 1));
			n_live--;
			break;
		}
	n_running--;
	solana_webhook_limits_release(s->webhook_id);
	slot_free(s);
}

void
solana_webhooks_done(solana_http_req *req)
{
	finish_slot(req->owner);
	kick();
}

/* inside a transaction: write the noted outcomes */
static void
record_outcomes(void)
{
	Datum	   *ids,
			   *st,
			   *er,
			   *la,
			   *ra;
	bool	   *st_null,
			   *er_null,
			   *ra_null;
	Datum		args[5];
	Oid			types[5] = {INT8ARRAYOID, INT4ARRAYOID, TEXTARRAYOID,
	FLOAT8ARRAYOID, INT4ARRAYOID};
	int			dims[1];
	int			lbs[1] = {1};
	int			n = n_outcomes;
	int			ret;

	ids = palloc(sizeof(Datum) * n);
	st = palloc(sizeof(Datum) * n);
	er = palloc(sizeof(Datum) * n);
	la = palloc(sizeof(Datum) * n);
	ra = palloc(sizeof(Datum) * n);
	st_null = palloc(sizeof(bool) * n);
	er_null = palloc(sizeof(bool) * n);
	ra_null = palloc(sizeof(bool) * n);
	for (int i = 0; i < n; i++)
	{
		ids[i] = Int64GetDatum(outcomes[i].id);
		st[i] = Int32GetDatum(outcomes[i].status);
		st_null[i] = outcomes[i].status == 0;
		er_null[i] = outcomes[i].error[0] == '\0';
		er[i] = er_null[i] ? (Datum) 0 : CStringGetTextDatum(outcomes[i].error);
		la[i] = Float8GetDatum(outcomes[i].latency_ms);
		ra[i] = Int32GetDatum(outcomes[i].retry_after);
		ra_null[i] = outcomes[i].retry_after < 0;
	}
	dims[0] = n;
	args[0] = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[1] = PointerGetDatum(construct_md_array(st, st_null, 1, dims, lbs, INT4OID, 4, true, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_md_array(er, er_null, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
	args[3] = PointerGetDatum(construct_array(la, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[4] = PointerGetDatum(construct_md_array(ra, ra_null, 1, dims, lbs, INT4OID, 4, true, TYPALIGN_INT));
	ret = SPI_execute_plan(kept_plan(&record_plan,
									 "SELECT solana._webhook_record($1, $2, $3, $4, $5)",
									 5, types), args, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "solana._webhook_record failed: %s", SPI_result_code_string(ret));
	n_outcomes = 0;
	/* failures may have scheduled retries */
	next_due = 0;
}

int
solana_webhooks_flush(void)
{
	int			n = n_outcomes;

	if (!flush_due())
		return 0;
	run_pass(wh_multi != NULL);
	return n;
}

void
solana_webhooks_wake(void)
{
	next_due = 0;
}

long
solana_webhooks_next_ms(long cap_ms)
{
	TimestampTz now;
	long		secs;
	int			usecs;

	if (n_outcomes > 0)
	{
		/* the batch's age limit (flush_due) wakes us */
		TimestampTz left = first_outcome_at + FLUSH_AGE_US - GetCurrentTimestamp();

		if (flush_due() || left <= 0)
			return 0;
		return Min(cap_ms, (long) ((left + 999) / 1000));
	}
	if (next_due == 0)
	{
		/* full: finished requests (socket activity) wake us */
		if (n_outcomes == 0 && n_live >= 2 * solana_webhook_concurrency)
			return cap_ms;
		return 0;
	}
	if (next_due == DT_NOEND)
		return cap_ms;
	now = GetCurrentTimestamp();
	if (next_due <= now)
		return 0;
	TimestampDifference(now, next_due, &secs, &usecs);
	if (secs >= cap_ms / 1000)
		return cap_ms;
	return Min(cap_ms, secs * 1000 + usecs / 1000 + 1);
}
