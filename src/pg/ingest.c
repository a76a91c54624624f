/*
 * ingest.c
 *	  The ingest worker: pubsub subscriptions decoded into tables,
 *	  gap-free across reconnects, crashes and restarts; its GUCs, its
 *	  shared state and the commit-time wake of solana.subscriptions.
 *
 * Vocabulary: a *sub* is one enabled row of solana.subscriptions as the
 * worker holds it; an *item* is one transaction (live, from a
 * logsNotification, or backfilled, from getTransaction) or one account
 * state; a *batch* is the items written in one transaction together
 * with the errors met and the cursors they advance; an *event* is one
 * attributed "Program data:" line (or emit_cpi! inner instruction) of
 * a transaction.
 *
 * Gap-freedom rests on the *cursor* (solana.ingest_cursor), the newest
 * signature of a logs subscription's address up to which every
 * transaction has been written.  Only *reconciliation* moves it: pages
 * of getSignaturesForAddress back to the cursor, then getTransaction
 * for every signature not yet in solana.transactions_seen, written
 * oldest first, the cursor in the same transaction as the rows.  Live
 * notifications give latency; reconciliation runs after every
 * (re)connect, on start, when a subscription is added, and every
 * solana.ingest_reconcile_interval, so notifications lost without a
 * disconnect are found too.  Rows are unique on (signature, log_index,
 * slot), so live and backfilled copies of a transaction merge.
 */
#include "postgres.h"

#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "access/heapam.h"
#include "access/hio.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/execPartition.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_relation.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "rewrite/rewriteHandler.h"
#include "storage/bufmgr.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "ps_base58.h"
#include "ps_buf.h"
#include "ps_error.h"
#include "ps_ingest.h"
#include "ps_logs.h"
#include "ps_rpc.h"

#include "decode.h"
#include "pg_solana.h"
#include "worker_common.h"
#include "ws.h"

PGDLLEXPORT void solana_ingest_main(Datum arg);

/* GUCs */
static int	ingest_batch_size = 1000;
static int	ingest_flush_ms = 100;
static int	ingest_reconnect_min_ms = 250;
static int	ingest_reconnect_max_ms = 30000;
static int	ingest_ping_s = 15;
static int	ingest_reconcile_s = 10;
static int	ingest_rpc_concurrency = 16;
static int	ingest_rpc_batch = 32;

#define RAW_ERROR_MAX	4096
#define MAX_SUBS		1024

typedef struct IngestShared
{
	pg_atomic_uint64 generation;	/* bumped at commit of subscription changes */
	Latch	   *latch;			/* the worker's, NULL when not running */
	pid_t		pid;
} IngestShared;

static IngestShared *ingest_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* ---------------------------------------------------------------- */
/* worker state                                                      */

typedef struct Sub
{
	int64		id;
	char		kind[8];
	uint8		target[32];
	char		commitment[12];
	char	   *filters;		/* malloc'd JSON text or NULL */
	bool		has_from_sig;
	uint8		from_sig[64];
	int64		from_slot;
	bool		keep_history;
	int64		req_id;			/* id of our subscribe request */
	int64		remote_id;		/* the node's subscription id, -1 before */
	TimestampTz next_reconcile;
	int			reconcile_failures;
	bool		snapshot_due;	/* account, program: fetch current state */
	TimestampTz next_snapshot;
	int			snapshot_failures;
} Sub;

typedef struct ErrItem
{
	int64		sub_id;			/* 0 when none */
	char		sqlstate[6];
	char	   *message;
	char	   *raw;
	bool		has_sig;
	uint8		sig[64];
} ErrItem;

typedef struct TxItem
{
	ps_ingest_tx_t tx;			/* malloc-owned, freed with the batch */
	const char *commitment;
	bool		backfill;
	bool		may_exist;		/* backfilled, already in transactions_seen */
} TxItem;

typedef struct AccItem
{
	ps_ingest_account_t acc;	/* data malloc-owned */
	uint64		slot;
	int64		sub_id;
	bool		keep_history;
} AccItem;

typedef struct CursorUpd
{
	int64		sub_id;
	uint64		slot;
	uint8		sig[64];
	int64		done;
} CursorUpd;

typedef struct Batch
{
	TxItem	   *txs;
	int			ntx,
				txcap;
	AccItem    *accs;
	int			nacc,
				acccap;
	ErrItem    *errs;
	int			nerr,
				errcap;
	CursorUpd	cursor;
	bool		has_cursor;
	TimestampTz first_at;
} Batch;

/* one JSON-RPC call over HTTP (http.c) */
typedef struct RpcCall
{
	int64		id;				/* > 0: may share a JSON-RPC batch */
	char	   *body;			/* request, palloc'd */
	char	   *resp;			/* response, palloc'd, NULL on failure */
	size_t		resp_len;
	char		err[256];
} RpcCall;

/*
 * A *fetch* is a set of calls in flight on the worker's curl multi
 * handle, at most solana.ingest_rpc_concurrency HTTP requests at once;
 * only one runs at a time.  A *request* carries one call, or up to
 * solana.ingest_rpc_batch consecutive calls with an id as one JSON-RPC
 * batch, whose answer is split back into the calls by id.
 */
typedef struct Fetch
{
	RpcCall    *calls;
	int			n,
				next,			/* calls[next] is the next to start */
				running,
				done;
	solana_http_req **reqs;		/* by first call of a request, or NULL */
	int		   *group;			/* calls in the request of reqs[i] */
	MemoryContext cxt;			/* of calls[], where answers go */
} Fetch;

/* a fetch that write_rows moves forward between transactions it decodes */
static Fetch *pumping = NULL;
static void fetch_poll(Fetch *f);

static Sub	subs[MAX_SUBS];
static int	nsubs = 0;
static uint64 seen_generation = 0;
static solana_ws *ws = NULL;
static int	ws_attempt = 0;
static TimestampTz ws_next_connect = 0;
static TimestampTz ws_established_at = 0;	/* handshake done, 0 before */
static int64 next_req_id = 1;
static char *ws_url_used = NULL;
static MemoryContext batch_cxt = NULL;
static Batch batch;
static int64 partitions_lo = -1,
			partitions_hi = -1;	/* slots with a partition for sure */
static CURLM *multi = NULL;
static bool batch_refused = false;	/* the node answered a batch with no
										 * array; until the next reload */

/* ---------------------------------------------------------------- */
/* GUCs, shared memory, registration                                 */

static void
ingest_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(IngestShared)));
}

static void
ingest_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	ingest_shared = ShmemInitStruct("pg_solana ingest", sizeof(IngestShared), &found);
	if (!found)
	{
		pg_atomic_init_u64(&ingest_shared->generation, 1);
		ingest_shared->latch = NULL;
		ingest_shared->pid = 0;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * solana_ingest_init defines the solana.ingest_* settings and, when
 * preloading, requests the shared state and registers the worker.
 * Called once from _PG_init.
 */
void		solana_ingest_init(void);

void
solana_ingest_init(void)
{
	BackgroundWorker worker;

	DefineCustomIntVariable("solana.ingest_batch_size",
							"Most items the ingest worker writes in one transaction.",
							NULL, &ingest_batch_size, 1000, 1, 100000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.ingest_flush_ms",
							"Longest time a received item waits before its batch is written.",
							NULL, &ingest_flush_ms, 100, 1, 60000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.ingest_reconnect_min_ms",
							"First delay before reconnecting the pubsub socket; doubles per failure.",
							NULL, &ingest_reconnect_min_ms, 250, 10, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.ingest_reconnect_max_ms",
							"Longest delay before reconnecting the pubsub socket (jittered).",
							NULL, &ingest_reconnect_max_ms, 30000, 10, 3600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.ingest_ping_interval",
							"Idle seconds before the worker pings the pubsub endpoint; twice that plus 10 s without traffic drops the connection.",
							NULL, &ingest_ping_s, 15, 1, 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.ingest_reconcile_interval",
							"Seconds between reconciliations of each logs subscription against getSignaturesForAddress (0: only after reconnects).",
							NULL, &ingest_reconcile_s, 10, 0, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.ingest_rpc_concurrency",
							"getTransaction calls the ingest worker runs at once while backfilling.",
							NULL, &ingest_rpc_concurrency, 16, 1, 256,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.ingest_rpc_batch",
							"getTransaction calls the ingest worker sends in one JSON-RPC batch request while backfilling (1: no batches).",
							NULL, &ingest_rpc_batch, 32, 1, PS_INGEST_BATCH_MAX,
							PGC_SIGHUP, 0, NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ingest_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ingest_shmem_startup;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 1;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_solana");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "solana_ingest_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_solana ingest");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_solana ingest");
	RegisterBackgroundWorker(&worker);
}

/* ---------------------------------------------------------------- */
/* commit-time wake                                                  */

static bool wake_pending = false;
static bool wake_callback_registered = false;

static void
wake_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (wake_pending && ingest_shared != NULL)
			{
				Latch	   *l;

				pg_atomic_fetch_add_u64(&ingest_shared->generation, 1);
				l = ingest_shared->latch;
				if (l != NULL)
					SetLatch(l);
			}
			wake_pending = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			wake_pending = false;
			break;
		default:
			break;
	}
}

/*
 * solana.\_ingest_wake() is the statement trigger on
 * solana.subscriptions: it arranges for the ingest worker's latch to
 * be set when (and only if) the transaction commits, so the worker
 * never polls the table and never sees uncommitted rows.
 */
PG_FUNCTION_INFO_V1(solana_ingest_wake);
Datum
solana_ingest_wake(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "solana._ingest_wake must be called as a trigger");
	if (!wake_callback_registered)
	{
		RegisterXactCallback(wake_xact_callback, NULL);
		wake_callback_registered = true;
	}
	wake_pending = true;
	return PointerGetDatum(NULL);
}

/* solana._ingest_require_preload(): 55000 unless the worker can exist */
PG_FUNCTION_INFO_V1(solana_ingest_require_preload);
Datum
solana_ingest_require_preload(PG_FUNCTION_ARGS)
{
	solana_require_preload("solana.subscribe");
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------- */
/* small helpers                                                     */

static bytea *
to_bytea(const uint8 *p, size_t n)
{
	bytea	   *b = palloc(VARHDRSZ + n);

	SET_VARSIZE(b, VARHDRSZ + n);
	memcpy(VARDATA(b), p, n);
	return b;
}

static ArrayType *
make_array(Datum *d, bool *nulls, int n, Oid elem)
{
	int16		len;
	bool		byval;
	char		align;
	int			dims[1];
	int			lbs[1] = {1};

	get_typlenbyvalalign(elem, &len, &byval, &align);
	dims[0] = n;
	if (n == 0)
		return construct_empty_array(elem);
	return construct_md_array(d, nulls, 1, dims, lbs, elem, len, byval, align);
}

static char *
truncated_copy(const char *s, size_t len)
{
	size_t		n = Min(len, RAW_ERROR_MAX);

	/* cut on a UTF-8 boundary */
	while (n > 0 && n < len && ((unsigned char) s[n] & 0xC0) == 0x80)
		n--;
	return pnstrdup(s, n);
}

static void
add_error(int64 sub_id, const char *sqlstate, const char *message,
		  const char *raw_opt, size_t raw_len, const uint8 *sig_opt)
{
	MemoryContext old = MemoryContextSwitchTo(batch_cxt);
	ErrItem    *e;

	if (batch.nerr == batch.errcap)
	{
		batch.errcap = batch.errcap ? batch.errcap * 2 : 16;
		batch.errs = batch.errs ? repalloc(batch.errs, batch.errcap * sizeof(ErrItem))
			: palloc(batch.errcap * sizeof(ErrItem));
	}
	e = &batch.errs[batch.nerr++];
	memset(e, 0, sizeof(*e));
	e->sub_id = sub_id;
	strlcpy(e->sqlstate, sqlstate, sizeof(e->sqlstate));
	e->message = pstrdup(message);
	e->raw = raw_opt ? truncated_copy(raw_opt, raw_len) : NULL;
	if (sig_opt)
	{
		e->has_sig = true;
		memcpy(e->sig, sig_opt, 64);
	}
	if (batch.first_at == 0)
		batch.first_at = GetCurrentTimestamp();
	MemoryContextSwitchTo(old);
	ereport(WARNING,
			(errmsg("pg_solana ingest: %s", message)));
}

static const char *
sqlstate_of(int rc)
{
	return unpack_sql_state(solana_sqlstate(rc));
}

static void
add_tx(ps_ingest_tx_t *tx, const char *commitment, bool backfill)
{
	MemoryContext old = MemoryContextSwitchTo(batch_cxt);
	TxItem	   *t;

	if (batch.ntx == batch.txcap)
	{
		batch.txcap = batch.txcap ? batch.txcap * 2 : 64;
		batch.txs = batch.txs ? repalloc(batch.txs, batch.txcap * sizeof(TxItem))
			: palloc(batch.txcap * sizeof(TxItem));
	}
	t = &batch.txs[batch.ntx++];
	t->tx = *tx;				/* takes ownership */
	memset(tx, 0, sizeof(*tx));
	t->commitment = commitment;
	t->backfill = backfill;
	t->may_exist = false;
	if (batch.first_at == 0)
		batch.first_at = GetCurrentTimestamp();
	MemoryContextSwitchTo(old);
}

static void
add_account(ps_ingest_account_t *acc, uint64 slot, const Sub *s)
{
	MemoryContext old = MemoryContextSwitchTo(batch_cxt);
	AccItem    *a;

	if (batch.nacc == batch.acccap)
	{
		batch.acccap = batch.acccap ? batch.acccap * 2 : 64;
		batch.accs = batch.accs ? repalloc(batch.accs, batch.acccap * sizeof(AccItem))
			: palloc(batch.acccap * sizeof(AccItem));
	}
	a = &batch.accs[batch.nacc++];
	a->acc = *acc;
	acc->data = NULL;
	a->slot = slot;
	a->sub_id = s->id;
	a->keep_history = s->keep_history;
	if (batch.first_at == 0)
		batch.first_at = GetCurrentTimestamp();
	MemoryContextSwitchTo(old);
}

static void
batch_reset(void)
{
	int			i;

	for (i = 0; i < batch.ntx; i++)
		ps_ingest_tx_free(&batch.txs[i].tx);
	for (i = 0; i < batch.nacc; i++)
		free(batch.accs[i].acc.data);
	memset(&batch, 0, sizeof(batch));
	MemoryContextReset(batch_cxt);
}

static int
batch_items(void)
{
	return batch.ntx + batch.nacc + batch.nerr;
}

/* ---------------------------------------------------------------- */
/* writing a batch                                                   */

typedef struct EvCollect
{
	Datum	   *sig,
			   *slot,
			   *bt,
			   *li,
			   *prog,
			   *depth,
			   *raw,
			   *cmt,
			   *failed,
			   *name,
			   *data;
	bool	   *bt_null,
			   *dec_null;
	int			n,
				cap;
	const TxItem *cur;
	int			tx_events;
} EvCollect;

static void
ev_push(EvCollect *c, int log_index, const uint8 *program_id, int depth,
		const uint8 *raw, size_t raw_sz)
{
	const TxItem *t = c->cur;

	if (c->n == c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 256;
#define GROW(f, T) c->f = c->f ? repalloc(c->f, c->cap * sizeof(T)) : palloc(c->cap * sizeof(T))
		GROW(sig, Datum);
		GROW(slot, Datum);
		GROW(bt, Datum);
		GROW(li, Datum);
		GROW(prog, Datum);
		GROW(depth, Datum);
		GROW(raw, Datum);
		GROW(cmt, Datum);
		GROW(failed, Datum);
		GROW(name, Datum);
		GROW(data, Datum);
		GROW(bt_null, bool);
		GROW(dec_null, bool);
#undef GROW
	}
	c->sig[c->n] = PointerGetDatum(to_bytea(t->tx.signature, 64));
	c->slot[c->n] = Int64GetDatum((int64) t->tx.slot);
	c->bt_null[c->n] = !t->tx.has_block_time;
	c->bt[c->n] = t->tx.has_block_time ?
		TimestampTzGetDatum(time_t_to_timestamptz((pg_time_t) t->tx.block_time)) : (Datum) 0;
	c->li[c->n] = Int32GetDatum(log_index);
	c->prog[c->n] = PointerGetDatum(to_bytea(program_id, 32));
	c->depth[c->n] = Int32GetDatum(depth);
	c->raw[c->n] = PointerGetDatum(to_bytea(raw, raw_sz));
	c->cmt[c->n] = CStringGetTextDatum(t->commitment);
	c->failed[c->n] = BoolGetDatum(t->tx.failed);
	{
		Jsonb	   *jb = NULL;
		char	   *name = NULL;
		ps_idl_error_t err;
		int			rc;

		memset(&err, 0, sizeof(err));
		rc = solana_decode_event_jsonb(program_id, raw, raw_sz, &jb, &name, &err);
		c->dec_null[c->n] = rc != PS_OK;
		if (rc == PS_OK)
		{
			c->name[c->n] = CStringGetTextDatum(name);
			c->data[c->n] = JsonbPGetDatum(jb);
		}
		else if (rc != SOLANA_NO_IDL)
		{
			char		msg[512];
			char		where[300];
			char		prog[64];

			ps_idl_error_text(&err, where, sizeof(where));
			ps_base58_encode_32(program_id, prog);
			snprintf(msg, sizeof(msg),
					 "undecodable event of program %s at log_index %d: %s; kept raw",
					 prog, log_index, where);
			add_error(0, sqlstate_of(rc), msg, NULL, 0, t->tx.signature);
		}
	}
	c->n++;
	c->tx_events++;
}

/* ps_logs_attribute callback: one attributed single-part data line */
static int
ev_from_line(void *ctx, const ps_logs_data_t *d)
{
	EvCollect  *c = (EvCollect *) ctx;
	uint8	   *bytes;
	size_t		n;

	if (!d->attributed || d->part_cnt != 1 || d->payload_len == 0)
		return 0;
	bytes = palloc(d->payload_len / 4 * 3 + 3);
	if (ps_base64_decode(d->payload, d->payload_len, bytes, &n) != PS_OK)
	{
		char		msg[200];

		snprintf(msg, sizeof(msg), "log line %zu of a transaction is not base64 event data",
				 d->log_index);
		add_error(0, "22P02", msg, d->payload, d->payload_len, c->cur->tx.signature);
		return 0;
	}
	ev_push(c, (int) d->log_index, d->program_id, d->depth, bytes, n);
	return 0;
}

static SPIPlanPtr plan_events = NULL;
static SPIPlanPtr plan_seen = NULL;

static void
prepare_plans(void)
{
	if (plan_events == NULL)
	{
		Oid			types[11] = {BYTEAARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID,
			INT4ARRAYOID, BYTEAARRAYOID, INT4ARRAYOID, BYTEAARRAYOID, TEXTARRAYOID,
		BOOLARRAYOID, TEXTARRAYOID, JSONBARRAYOID};

		/*
		 * the fallback of insert_events_direct; the NOTIFY of each
		 * returned (new) row: notify_new_events
		 */
		plan_events = SPI_prepare(
								  "INSERT INTO solana.events (signature, slot, block_time, log_index,"
								  "   program_id, depth, event_name, data, raw, commitment, tx_failed)"
								  " SELECT solana.signature(u.s), u.sl, u.bt, u.li, solana.pubkey(u.p), u.d,"
								  "   u.n, u.j, u.r, u.c, u.f"
								  " FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
								  "   AS u(s, sl, bt, li, p, d, r, c, f, n, j)"
								  " ON CONFLICT DO NOTHING"
								  " RETURNING id, program_id, event_name, slot, signature", 11, types);
		if (plan_events == NULL)
			elog(ERROR, "pg_solana ingest: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(plan_events);
	}
	if (plan_seen == NULL)
	{
		Oid			types[9] = {BYTEAARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID,
			BOOLARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		BOOLARRAYOID};

		plan_seen = SPI_prepare(
								"INSERT INTO solana.transactions_seen AS t (signature, slot, block_time,"
								"  failed, err, event_cnt, commitment, source, complete)"
								" SELECT solana.signature(u.s), u.sl, u.bt, u.f, u.e::jsonb, u.n, u.c, u.src, u.k"
								" FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9)"
								"   AS u(s, sl, bt, f, e, n, c, src, k)"
								" ON CONFLICT (signature) DO UPDATE"
		/* a dead copy (skipped slot) gives way to the one that landed again */
								"   SET slot = CASE WHEN t.commitment = 'dead' THEN EXCLUDED.slot ELSE t.slot END,"
								"       commitment = CASE WHEN t.commitment = 'dead' THEN EXCLUDED.commitment"
								"         ELSE t.commitment END,"
								"       failed = CASE WHEN t.commitment = 'dead' THEN EXCLUDED.failed ELSE t.failed END,"
								"       err = CASE WHEN t.commitment = 'dead' THEN EXCLUDED.err ELSE t.err END,"
								"       source = CASE WHEN t.commitment = 'dead' THEN EXCLUDED.source ELSE t.source END,"
								"       block_time = CASE WHEN t.commitment = 'dead' THEN EXCLUDED.block_time"
								"         ELSE coalesce(t.block_time, EXCLUDED.block_time) END,"
								"       event_cnt = CASE WHEN t.commitment = 'dead' THEN EXCLUDED.event_cnt"
								"         ELSE greatest(t.event_cnt, EXCLUDED.event_cnt) END,"
								"       complete = CASE WHEN t.commitment = 'dead' THEN EXCLUDED.complete"
								"         ELSE t.complete OR EXCLUDED.complete END",
								9, types);
		if (plan_seen == NULL)
			elog(ERROR, "pg_solana ingest: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(plan_seen);
	}
}

/*
 * The base58 text of the last signatures and program ids notified:
 * the events of a transaction come together and share a few programs,
 * and a 64-byte base58 encoding costs about a microsecond.
 */
#define B58_CACHE 4
typedef struct B58Cache
{
	uint8		sig[64];
	char		sig58[PS_BASE58_SIGNATURE_MAX_LEN + 1];
	bool		has_sig;
	uint8		prog[B58_CACHE][32];
	char		prog58[B58_CACHE][PS_BASE58_PUBKEY_MAX_LEN + 1];
	int			nprog;
	int			next;
} B58Cache;

static const char *
b58_sig(B58Cache *c, const uint8 *sig)
{
	if (!c->has_sig || memcmp(c->sig, sig, 64) != 0)
	{
		memcpy(c->sig, sig, 64);
		ps_base58_encode_64(sig, c->sig58);
		c->has_sig = true;
	}
	return c->sig58;
}

static const char *
b58_prog(B58Cache *c, const uint8 *prog)
{
	int			i;

	for (i = 0; i < c->nprog; i++)
		if (memcmp(c->prog[i], prog, 32) == 0)
			return c->prog58[i];
	i = c->nprog < B58_CACHE ? c->nprog++ : c->next++ % B58_CACHE;
	memcpy(c->prog[i], prog, 32);
	ps_base58_encode_32(prog, c->prog58[i]);
	return c->prog58[i];
}

/*
 * notify_event sends NOTIFY solana_events for one new row, in the
 * current (sub)transaction.  The payload is built here, byte for byte
 * what json_build_object('id', .., 'program', .., 'event', .., 'slot',
 * .., 'signature', ..)::text gives, which costs a third of the insert
 * when done per row in SQL.  `name` is NULL for an undecoded event.
 */
static void
notify_event(ps_buf_t *b, B58Cache *c, int64 id, const uint8 *prog, const text *name,
			 int64 slot, const uint8 *sig)
{
	b->len = 0;
	ps_buf_puts(b, "{\"id\" : ");
	ps_buf_put_i64(b, id);
	ps_buf_puts(b, ", \"program\" : \"");
	ps_buf_puts(b, b58_prog(c, prog));
	ps_buf_puts(b, "\", \"event\" : ");
	if (name == NULL)
		ps_buf_puts(b, "null");
	else
		ps_buf_put_json_string(b, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));
	ps_buf_puts(b, ", \"slot\" : ");
	ps_buf_put_i64(b, slot);
	ps_buf_puts(b, ", \"signature\" : \"");
	ps_buf_puts(b, b58_sig(c, sig));
	ps_buf_puts(b, "\"}");
	ps_buf_putc(b, '\0');
	if (b->err != PS_OK)
		elog(ERROR, "pg_solana ingest: out of memory building a notification");
	Async_Notify("solana_events", b->data);
}

/*
 * notify_new_events notifies each row the ON CONFLICT insert returned
 * (id, program_id, event_name, slot, signature: the rows new to the
 * table).
 */
static void
notify_new_events(SPITupleTable *tt, uint64 n)
{
	ps_buf_t	b;
	B58Cache	c;
	uint64		i;

	c.has_sig = false;
	c.nprog = c.next = 0;
	ps_buf_init(&b, NULL, NULL);
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = tt->vals[i];
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tup, tt->tupdesc, 1, &isnull));
		Datum		prog = SPI_getbinval(tup, tt->tupdesc, 2, &isnull);
		Datum		name = SPI_getbinval(tup, tt->tupdesc, 3, &isnull);
		bool		name_null = isnull;
		int64		slot = DatumGetInt64(SPI_getbinval(tup, tt->tupdesc, 4, &isnull));
		Datum		sig = SPI_getbinval(tup, tt->tupdesc, 5, &isnull);

		notify_event(&b, &c, id, (const uint8 *) DatumGetPointer(prog),
					 name_null ? NULL : DatumGetTextPP(name), slot,
					 (const uint8 *) DatumGetPointer(sig));
	}
	ps_buf_free(&b);
}

/* the columns of solana.events the worker fills, in EvCollect's order */
#define EV_NCOLS 11
static const char *const ev_columns[EV_NCOLS] = {
	"signature", "slot", "block_time", "log_index", "program_id", "depth",
	"raw", "commitment", "tx_failed", "event_name", "data"
};

/* the SPI arguments of plan_events (arrays in ev_columns' order) */
static void
events_args(const EvCollect *ec, Datum *args)
{
	args[0] = PointerGetDatum(make_array(ec->sig, NULL, ec->n, BYTEAOID));
	args[1] = PointerGetDatum(make_array(ec->slot, NULL, ec->n, INT8OID));
	args[2] = PointerGetDatum(make_array(ec->bt, ec->bt_null, ec->n, TIMESTAMPTZOID));
	args[3] = PointerGetDatum(make_array(ec->li, NULL, ec->n, INT4OID));
	args[4] = PointerGetDatum(make_array(ec->prog, NULL, ec->n, BYTEAOID));
	args[5] = PointerGetDatum(make_array(ec->depth, NULL, ec->n, INT4OID));
	args[6] = PointerGetDatum(make_array(ec->raw, NULL, ec->n, BYTEAOID));
	args[7] = PointerGetDatum(make_array(ec->cmt, NULL, ec->n, TEXTOID));
	args[8] = PointerGetDatum(make_array(ec->failed, NULL, ec->n, BOOLOID));
	args[9] = PointerGetDatum(make_array(ec->name, ec->dec_null, ec->n, TEXTOID));
	args[10] = PointerGetDatum(make_array(ec->data, ec->dec_null, ec->n, JSONBOID));
}

/* set when insert_direct meets a target it leaves to the INSERT */
static bool direct_declined;

/*
 * The rows insert_direct writes: `fill` sets the values of row i in
 * the columns `cols` (attribute numbers, in the order of the names the
 * caller gave; the slot starts all null); `after`, when set, runs once
 * the row is stored, with the slot's values (defaults included).
 */
typedef void (*direct_fill_fn) (void *arg, int i, const AttrNumber *cols,
								Datum *v, bool *nul);
typedef void (*direct_after_fn) (void *arg, int i, const Datum *v);

/*
 * insert_direct inserts `nrows` rows into solana.<relname> the way COPY
 * FROM does: one executor state for them, each row routed to its
 * partition (ExecFindPartition), stored with table_tuple_insert (a heap
 * keeps its insertion page pinned from row to row), its index entries
 * made with ExecInsertIndexTuples (a duplicate raises 23505), its AFTER
 * ROW triggers and transition rows queued, the statement triggers fired
 * around them, the defaults of the other columns (ids, timestamps, any
 * column added later) evaluated per row as the INSERT would.  This
 * skips what an INSERT ... SELECT FROM unnest(...) costs on top: arrays
 * built and unnested through a tuplestore, the casts, the projection,
 * the RETURNING rows.  Returns false (nothing written) for a table this
 * path does not serve: row security, BEFORE or INSTEAD OF row triggers,
 * stored generated columns, a missing column; and raises with
 * direct_declined set for a foreign partition or one with such
 * triggers.  The caller then uses its INSERT.
 */
static bool
insert_direct(const char *relname, const char *const *colnames, int ncols,
			  int nrows, direct_fill_fn fill, direct_after_fn after, void *arg)
{
	Oid			relid;
	Relation	rel;
	TupleDesc	desc;
	AttrNumber *cols;
	ExprState **defexprs;
	int		   *defatt;
	int			ndef = 0;
	EState	   *estate;
	RangeTblEntry *rte;
	ResultRelInfo *root;
	ModifyTableState *mtstate;
	PartitionTupleRouting *proute = NULL;
	TransitionCaptureState *tcs;
	TupleTableSlot *slot;
	ExprContext *econtext;
	CommandId	cid;
	BulkInsertState bis;
	Relation	last = NULL;
	int			i,
				k;

	relid = get_relname_relid(relname, get_namespace_oid("solana", false));
	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(rel);
	cols = palloc(sizeof(AttrNumber) * ncols);
	for (k = 0; k < ncols; k++)
	{
		cols[k] = attnameAttNum(rel, colnames[k], false);
		if (cols[k] <= 0)
			break;
	}
	if (k < ncols || rel->rd_rel->relrowsecurity ||
		(rel->rd_rel->relkind != RELKIND_RELATION &&
		 rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE) ||
		(rel->trigdesc && (rel->trigdesc->trig_insert_before_row ||
						   rel->trigdesc->trig_insert_instead_row)) ||
		(desc->constr && desc->constr->has_generated_stored))
	{
		table_close(rel, NoLock);
		return false;
	}

	/* the defaults of the columns not filled here */
	defexprs = palloc(sizeof(ExprState *) * desc->natts);
	defatt = palloc(sizeof(int) * desc->natts);
	for (i = 0; i < desc->natts; i++)
	{
		Node	   *d;

		if (TupleDescAttr(desc, i)->attisdropped)
			continue;
		for (k = 0; k < ncols; k++)
			if (cols[k] == i + 1)
				break;
		if (k < ncols)
			continue;
		d = build_column_default(rel, i + 1);
		if (d == NULL)
			continue;
		defexprs[ndef] = ExecInitExpr(expression_planner((Expr *) d), NULL);
		defatt[ndef++] = i;
	}

	estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	ExecInitRangeTable(estate, list_make1(rte));
	root = makeNode(ResultRelInfo);
	ExecInitResultRelation(estate, root, 1);
	CheckValidResultRel(root, CMD_INSERT);
	ExecOpenIndices(root, false);
	mtstate = makeNode(ModifyTableState);
	mtstate->ps.plan = NULL;
	mtstate->ps.state = estate;
	mtstate->operation = CMD_INSERT;
	mtstate->mt_nrels = 1;
	mtstate->resultRelInfo = root;
	mtstate->rootResultRelInfo = root;
	cid = GetCurrentCommandId(true);
	estate->es_output_cid = cid;

	AfterTriggerBeginQuery();
	tcs = MakeTransitionCaptureState(rel->trigdesc, relid, CMD_INSERT);
	mtstate->mt_transition_capture = tcs;
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		proute = ExecSetupPartitionTupleRouting(estate, rel);
	ExecBSInsertTriggers(estate, root);

	slot = table_slot_create(rel, &estate->es_tupleTable);
	econtext = GetPerTupleExprContext(estate);

	/*
	 * A heap keeps its insertion page pinned from row to row (as COPY
	 * does), without COPY's ring of buffers: the worker runs all the
	 * time, and the ring would make it write out its own dirty pages.
	 */
	bis = GetBulkInsertState();
	FreeAccessStrategy(bis->strategy);
	bis->strategy = NULL;
	for (i = 0; i < nrows; i++)
	{
		ResultRelInfo *rri = root;
		TupleTableSlot *ins = slot;
		List	   *recheck = NIL;

		ResetPerTupleExprContext(estate);
		ExecClearTuple(slot);
		memset(slot->tts_isnull, true, sizeof(bool) * desc->natts);
		fill(arg, i, cols, slot->tts_values, slot->tts_isnull);
		for (k = 0; k < ndef; k++)
		{
			MemoryContext old = MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));

			slot->tts_values[defatt[k]] = ExecEvalExpr(defexprs[k], econtext,
													   &slot->tts_isnull[defatt[k]]);
			MemoryContextSwitchTo(old);
		}
		ExecStoreVirtualTuple(slot);

		if (proute)
		{
			TriggerDesc *td;

			rri = ExecFindPartition(mtstate, root, proute, slot, estate);
			td = rri->ri_TrigDesc;
			if (rri->ri_FdwRoutine != NULL ||
				(td && (td->trig_insert_before_row || td->trig_insert_instead_row)))
			{
				direct_declined = true;
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("pg_solana ingest: partition \"%s\" takes rows through INSERT",
								RelationGetRelationName(rri->ri_RelationDesc))));
			}
			if (tcs)
				tcs->tcs_original_insert_tuple = slot;
			if (rri->ri_RootToPartitionMap)
				ins = execute_attr_map_slot(rri->ri_RootToPartitionMap->attrMap,
											slot, rri->ri_PartitionTupleSlot);
		}
		if (rri->ri_RelationDesc->rd_att->constr)
			ExecConstraints(rri, ins, estate);
		if (rri->ri_RelationDesc != last)
		{
			ReleaseBulkInsertStatePin(bis);
			last = rri->ri_RelationDesc;
		}
		table_tuple_insert(rri->ri_RelationDesc, ins, cid, 0,
						   rri->ri_RelationDesc->rd_tableam == GetHeapamTableAmRoutine() ? bis : NULL);
		if (rri->ri_NumIndices > 0)
			recheck = ExecInsertIndexTuples(rri, ins, estate, false, false, NULL, NIL);
		ExecARInsertTriggers(estate, rri, ins, recheck, tcs);
		list_free(recheck);
		if (after)
			after(arg, i, slot->tts_values);
	}
	FreeBulkInsertState(bis);

	ExecASInsertTriggers(estate, root, tcs);
	AfterTriggerEndQuery(estate);
	ExecResetTupleTable(estate->es_tupleTable, false);
	if (proute)
		ExecCleanupTupleRouting(mtstate, proute);
	ExecCloseResultRelations(estate);
	ExecCloseRangeTableRelations(estate);
	FreeExecutorState(estate);
	table_close(rel, NoLock);
	CommandCounterIncrement();
	return true;
}

/*
 * try_direct runs insert_direct in a subtransaction.  Returns true when
 * the rows are written; false, with nothing written, when the caller
 * must use its INSERT ... ON CONFLICT: a row is already there (a unique
 * violation: a replayed transaction, or live and backfilled copies
 * merging) or the table is one insert_direct leaves to INSERT.  Other
 * errors are thrown on.
 */
static bool
try_direct(const char *relname, const char *const *colnames, int ncols,
		   int nrows, direct_fill_fn fill, direct_after_fn after, void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;
	volatile bool done = false;

	direct_declined = false;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		done = insert_direct(relname, colnames, ncols, nrows, fill, after, arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION && !direct_declined)
			ReThrowError(edata);
	}
	PG_END_TRY();
	if (edata)
		FreeErrorData(edata);
	return done;
}

/* the events of a batch for insert_direct, and the notifications */
typedef struct EvDirect
{
	const EvCollect *ec;
	AttrNumber	id_col;
	B58Cache	c58;
	ps_buf_t	b;
} EvDirect;

static void
ev_fill(void *arg, int i, const AttrNumber *cols, Datum *v, bool *nul)
{
	const EvCollect *ec = ((EvDirect *) arg)->ec;
	int			k;

	/* solana.signature and solana.pubkey are fixed-length, no header */
	v[cols[0] - 1] = PointerGetDatum(VARDATA(DatumGetPointer(ec->sig[i])));
	v[cols[1] - 1] = ec->slot[i];
	v[cols[2] - 1] = ec->bt[i];
	v[cols[3] - 1] = ec->li[i];
	v[cols[4] - 1] = PointerGetDatum(VARDATA(DatumGetPointer(ec->prog[i])));
	v[cols[5] - 1] = ec->depth[i];
	v[cols[6] - 1] = ec->raw[i];
	v[cols[7] - 1] = ec->cmt[i];
	v[cols[8] - 1] = ec->failed[i];
	v[cols[9] - 1] = ec->name[i];
	v[cols[10] - 1] = ec->data[i];
	for (k = 0; k < EV_NCOLS; k++)
		nul[cols[k] - 1] = false;
	nul[cols[2] - 1] = ec->bt_null[i];
	nul[cols[9] - 1] = ec->dec_null[i];
	nul[cols[10] - 1] = ec->dec_null[i];
}

static void
ev_after(void *arg, int i, const Datum *v)
{
	EvDirect   *d = (EvDirect *) arg;
	const EvCollect *ec = d->ec;

	notify_event(&d->b, &d->c58, DatumGetInt64(v[d->id_col - 1]),
				 (const uint8 *) VARDATA(DatumGetPointer(ec->prog[i])),
				 ec->dec_null[i] ? NULL : DatumGetTextPP(ec->name[i]),
				 DatumGetInt64(ec->slot[i]),
				 (const uint8 *) VARDATA(DatumGetPointer(ec->sig[i])));
}

/*
 * insert_events_direct: the events through try_direct, each row
 * notified with the id its default gave.
 */
static bool
insert_events_direct(const EvCollect *ec)
{
	EvDirect	d;
	bool		ok;
	Oid			relid = get_relname_relid("events", get_namespace_oid("solana", false));

	if (!OidIsValid(relid) || get_attnum(relid, "id") == InvalidAttrNumber)
		return false;
	d.ec = ec;
	d.id_col = get_attnum(relid, "id");
	d.c58.has_sig = false;
	d.c58.nprog = d.c58.next = 0;
	ps_buf_init(&d.b, NULL, NULL);
	ok = try_direct("events", ev_columns, EV_NCOLS, ec->n, ev_fill, ev_after, &d);
	ps_buf_free(&d.b);
	return ok;
}

/* the solana.transactions_seen rows of a batch (plan_seen's arrays) */
#define SEEN_NCOLS 9
static const char *const seen_columns[SEEN_NCOLS] = {
	"signature", "slot", "block_time", "failed", "err", "event_cnt",
	"commitment", "source", "complete"
};

typedef struct SeenRows
{
	Datum	   *v[SEEN_NCOLS];	/* in seen_columns' order; err as text */
	bool	   *bt_null,
			   *err_null;
} SeenRows;

static void
seen_fill(void *arg, int i, const AttrNumber *cols, Datum *v, bool *nul)
{
	const SeenRows *r = (const SeenRows *) arg;
	int			k;

	for (k = 0; k < SEEN_NCOLS; k++)
	{
		v[cols[k] - 1] = r->v[k][i];
		nul[cols[k] - 1] = false;
	}
	v[cols[0] - 1] = PointerGetDatum(VARDATA(DatumGetPointer(r->v[0][i])));
	nul[cols[2] - 1] = r->bt_null[i];
	nul[cols[4] - 1] = r->err_null[i];
	if (!r->err_null[i])
		v[cols[4] - 1] = DirectFunctionCall1(jsonb_in,
											 CStringGetDatum(TextDatumGetCString(r->v[4][i])));
}

/*
 * insert_events inserts the events of one batch and notifies the new
 * ones.  Batches are almost always new (live ones, and backfilled ones
 * unless a transaction of theirs was already seen): when `likely_new`,
 * insert_events_direct is tried first, in a subtransaction, and only a
 * unique violation (a row already there: a replay or a merge of live
 * and backfilled copies) or a table it declines sends the batch through
 * INSERT ... ON CONFLICT DO NOTHING, which keeps the rows that are not
 * there yet.
 */
static void
insert_events(const EvCollect *ec, bool likely_new)
{
	Datum		args[EV_NCOLS];
	char		nulls[EV_NCOLS];

	if (likely_new && insert_events_direct(ec))
		return;
	memset(nulls, ' ', sizeof(nulls));
	events_args(ec, args);
	if (SPI_execute_plan(plan_events, args, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "pg_solana ingest: event insert failed");
	notify_new_events(SPI_tuptable, SPI_processed);
}

/*
 * ingest_tune_memory keeps a batch in memory.  The event insert reads
 * its rows from unnest() through a tuplestore, which spills to a
 * temporary file beyond work_mem (4 MB by default, a few hundred
 * events with their jsonb): at least 64 MB for the worker.  And glibc
 * would hand the freed batch memory back to the kernel after every
 * batch (trim and mmap thresholds), to fault it in again page by page
 * for the next: keep up to 256 MB.
 */
static void
ingest_tune_memory(void)
{
	if (work_mem < 64 * 1024)
		SetConfigOption("work_mem", "65536", PGC_SUSET, PGC_S_OVERRIDE);
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

static void
ensure_partitions(int64 lo, int64 hi)
{
	Datum		args[2];
	Oid			types[2] = {INT8OID, INT8OID};
	int64		w = 432000;

	if (partitions_lo >= 0 && lo >= partitions_lo && hi < partitions_hi)
		return;
	args[0] = Int64GetDatum(lo);
	args[1] = Int64GetDatum(hi + w);	/* one ahead */
	if (SPI_execute_with_args("SELECT solana.create_event_partitions($1, $2)",
							  2, types, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_solana ingest: could not create partitions");
	if (partitions_lo < 0 || lo / w * w < partitions_lo)
		partitions_lo = lo / w * w;
	partitions_hi = Max(partitions_hi, (hi + w) / w * w + w);
}

static void
write_errors(void)
{
	int			i;

	for (i = 0; i < batch.nerr; i++)
	{
		ErrItem    *e = &batch.errs[i];
		Datum		args[5];
		char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
		Oid			types[5] = {INT8OID, TEXTOID, TEXTOID, BYTEAOID, TEXTOID};

		args[0] = Int64GetDatum(e->sub_id);
		nulls[0] = e->sub_id > 0 ? ' ' : 'n';
		args[1] = CStringGetTextDatum(e->sqlstate);
		args[2] = CStringGetTextDatum(e->message);
		if (e->has_sig)
			args[3] = PointerGetDatum(to_bytea(e->sig, 64));
		else
			nulls[3] = 'n';
		if (e->raw)
			args[4] = CStringGetTextDatum(e->raw);
		else
			nulls[4] = 'n';
		SPI_execute_with_args("INSERT INTO solana.ingest_errors (subscription_id, sqlstate, message, signature, raw)"
							  " SELECT s.id, $2, $3, solana.signature($4), $5"
							  " FROM (SELECT $1::bigint) AS v(id)"
							  " LEFT JOIN solana.subscriptions s ON s.id = v.id",
							  5, types, args, nulls, false, 0);
	}
}

static void
write_accounts(int lo, int hi)
{
	int			i;

	for (i = lo; i < hi; i++)
	{
		AccItem    *a = &batch.accs[i];
		Datum		args[11];
		char		nulls[11] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
		Oid			types[11] = {BYTEAOID, BYTEAOID, INT8OID, BOOLOID, TEXTOID, BYTEAOID,
		INT8OID, INT8OID, BOOLOID, TEXTOID, JSONBOID};
		Jsonb	   *jb = NULL;
		char	   *tname = NULL;
		ps_idl_error_t derr;
		int			rc;

		if (a->acc.lamports > (uint64) PG_INT64_MAX)
		{
			add_error(a->sub_id, "22003", "account lamports do not fit in bigint", NULL, 0, NULL);
			continue;
		}
		args[0] = PointerGetDatum(to_bytea(a->acc.pubkey, 32));
		args[1] = PointerGetDatum(to_bytea(a->acc.owner, 32));
		args[2] = Int64GetDatum((int64) a->acc.lamports);
		args[3] = BoolGetDatum(a->acc.executable);
		if (a->acc.rent_epoch[0])
			args[4] = CStringGetTextDatum(a->acc.rent_epoch);
		else
			nulls[4] = 'n';
		args[5] = PointerGetDatum(to_bytea(a->acc.data ? a->acc.data : (uint8 *) "", a->acc.data_sz));
		args[6] = Int64GetDatum((int64) a->slot);
		args[7] = Int64GetDatum(a->sub_id);
		args[8] = BoolGetDatum(a->keep_history);
		memset(&derr, 0, sizeof(derr));
		rc = solana_decode_account_jsonb(a->acc.owner, a->acc.data ? a->acc.data : (uint8 *) "",
										 a->acc.data_sz, &jb, &tname, &derr);
		if (rc == PS_OK)
		{
			args[9] = CStringGetTextDatum(tname);
			args[10] = JsonbPGetDatum(jb);
		}
		else
		{
			nulls[9] = nulls[10] = 'n';
			if (rc != SOLANA_NO_IDL)
			{
				char		msg[512];
				char		where[300];
				char		key[64];

				ps_idl_error_text(&derr, where, sizeof(where));
				ps_base58_encode_32(a->acc.pubkey, key);
				snprintf(msg, sizeof(msg), "undecodable data of account %s: %s; kept raw",
						 key, where);
				add_error(a->sub_id, sqlstate_of(rc), msg, NULL, 0, NULL);
			}
		}
		if (SPI_execute_with_args(
								  "WITH d AS (SELECT $10::text AS name, $11::jsonb AS data),"
								  " up AS (INSERT INTO solana.accounts AS a (pubkey, owner, lamports, executable,"
								  "   rent_epoch, data, account_type, decoded, slot, updated_at)"
								  " SELECT solana.pubkey($1), solana.pubkey($2), $3, $4, $5::numeric, $6,"
								  "   d.name, d.data, $7, now() FROM d"
								  " ON CONFLICT (pubkey) DO UPDATE SET owner = EXCLUDED.owner,"
								  "   lamports = EXCLUDED.lamports, executable = EXCLUDED.executable,"
								  "   rent_epoch = EXCLUDED.rent_epoch, data = EXCLUDED.data,"
								  "   account_type = EXCLUDED.account_type, decoded = EXCLUDED.decoded,"
								  "   slot = EXCLUDED.slot, updated_at = now()"
								  " WHERE a.slot <= EXCLUDED.slot RETURNING 1)"
								  " INSERT INTO solana.account_history AS h (pubkey, slot, owner, lamports, data,"
								  "   account_type, decoded, subscription_id)"
								  " SELECT solana.pubkey($1), $7, solana.pubkey($2), $3, $6, d.name, d.data, s.id"
								  " FROM d, solana.subscriptions s WHERE $9 AND s.id = $8"
		/* a snapshot of an unchanged account adds no history row */
								  "   AND NOT EXISTS (SELECT 1 FROM (SELECT l.owner, l.lamports, l.data"
								  "     FROM solana.account_history l WHERE l.pubkey = solana.pubkey($1)"
								  "     AND l.slot < $7 ORDER BY l.slot DESC LIMIT 1) l"
								  "     WHERE l.owner = solana.pubkey($2) AND l.lamports = $3 AND l.data = $6)"
								  " ON CONFLICT (pubkey, slot) DO UPDATE SET owner = EXCLUDED.owner,"
								  "   lamports = EXCLUDED.lamports, data = EXCLUDED.data,"
								  "   account_type = EXCLUDED.account_type, decoded = EXCLUDED.decoded",
								  11, types, args, nulls, false, 0) < 0)
			elog(ERROR, "pg_solana ingest: account upsert failed");
	}
}

static void
write_cursor(void)
{
	Datum		args[4];
	Oid			types[4] = {INT8OID, INT8OID, BYTEAOID, INT8OID};

	if (!batch.has_cursor)
		return;
	args[0] = Int64GetDatum(batch.cursor.sub_id);
	args[1] = Int64GetDatum((int64) batch.cursor.slot);
	args[2] = PointerGetDatum(to_bytea(batch.cursor.sig, 64));
	args[3] = Int64GetDatum(batch.cursor.done);
	if (SPI_execute_with_args(
							  "INSERT INTO solana.ingest_cursor AS c (subscription_id, last_slot, last_signature,"
							  "   updated_at, backfill_done)"
							  " SELECT s.id, $2, solana.signature($3), now(), $4"
							  " FROM solana.subscriptions s WHERE s.id = $1"
							  " ON CONFLICT (subscription_id) DO UPDATE SET last_slot = EXCLUDED.last_slot,"
							  "   last_signature = EXCLUDED.last_signature, updated_at = now(),"
							  "   backfill_done = c.backfill_done + $4",
							  4, types, args, NULL, false, 0) < 0)
		elog(ERROR, "pg_solana ingest: cursor update failed");
}

/*
 * A live transaction with an inner invocation may hold emit_cpi! events
 * that only getTransaction shows: it stays incomplete until fetched.
 */
static bool
has_inner_invoke(const ps_ingest_tx_t *tx)
{
	size_t		i;

	for (i = 0; i < tx->logs_cnt; i++)
	{
		ps_log_line_t l;

		if (ps_logs_classify(tx->logs[i], strlen(tx->logs[i]), &l) == PS_LOG_INVOKE &&
			l.height >= 2)
			return true;
	}
	return false;
}

static int
cmp_tx_index(const void *a, const void *b)
{
	int			ia = *(const int *) a,
				ib = *(const int *) b;
	int			c = memcmp(batch.txs[ia].tx.signature, batch.txs[ib].tx.signature, 64);

	if (c != 0)
		return c;
	/* a backfilled copy (with block time, emit_cpi! events) wins */
	if (batch.txs[ia].backfill != batch.txs[ib].backfill)
		return batch.txs[ia].backfill ? -1 : 1;
	return ia - ib;
}

/* flags every copy of a signature but the first (backfilled preferred) */
static bool *
mark_duplicates(void)
{
	bool	   *dup = palloc0(sizeof(bool) * (batch.ntx + 1));
	int		   *idx = palloc(sizeof(int) * (batch.ntx + 1));
	int			i;

	for (i = 0; i < batch.ntx; i++)
		idx[i] = i;
	qsort(idx, batch.ntx, sizeof(int), cmp_tx_index);
	for (i = 1; i < batch.ntx; i++)
		if (memcmp(batch.txs[idx[i]].tx.signature, batch.txs[idx[i - 1]].tx.signature, 64) == 0)
			dup[idx[i]] = true;
	return dup;
}

/*
 * write_rows writes the transactions lo..hi-1 of the batch (copies
 * flagged in `dup` skipped) and the account states alo..ahi-1, in the
 * current (sub)transaction, with one NOTIFY solana_events per new event.
 */
static void
write_rows(const bool *dup, int lo, int hi, int alo, int ahi)
{
	EvCollect	ec;
	Datum	   *s_sig,
			   *s_slot,
			   *s_bt,
			   *s_failed,
			   *s_err,
			   *s_n,
			   *s_cmt,
			   *s_src,
			   *s_complete;
	bool	   *s_bt_null,
			   *s_err_null;
	int			ns = 0;
	int			ntx = hi - lo;
	bool		any_may_exist = false;
	int64		lo_slot = PG_INT64_MAX,
				hi_slot = -1;
	int			i;

	memset(&ec, 0, sizeof(ec));
	s_sig = palloc(sizeof(Datum) * (ntx + 1));
	s_slot = palloc(sizeof(Datum) * (ntx + 1));
	s_bt = palloc(sizeof(Datum) * (ntx + 1));
	s_failed = palloc(sizeof(Datum) * (ntx + 1));
	s_err = palloc(sizeof(Datum) * (ntx + 1));
	s_n = palloc(sizeof(Datum) * (ntx + 1));
	s_cmt = palloc(sizeof(Datum) * (ntx + 1));
	s_src = palloc(sizeof(Datum) * (ntx + 1));
	s_complete = palloc(sizeof(Datum) * (ntx + 1));
	s_bt_null = palloc(sizeof(bool) * (ntx + 1));
	s_err_null = palloc(sizeof(bool) * (ntx + 1));

	for (i = lo; i < hi; i++)
	{
		TxItem	   *t = &batch.txs[i];
		int			j;

		/* the same transaction twice in a batch (live and backfill): once */
		if (dup[i])
			continue;
		any_may_exist |= t->may_exist;
		/* keep the next backfill chunk's transfers moving */
		if (pumping && ((i - lo) & 15) == 15)
			fetch_poll(pumping);

		ec.cur = t;
		ec.tx_events = 0;
		if (t->tx.has_logs && t->tx.logs_cnt > 0)
		{
			size_t	   *lens = palloc(sizeof(size_t) * t->tx.logs_cnt);
			size_t		k;

			for (k = 0; k < t->tx.logs_cnt; k++)
				lens[k] = strlen(t->tx.logs[k]);
			ps_logs_attribute((const char *const *) t->tx.logs, lens, t->tx.logs_cnt,
							  ev_from_line, &ec);
		}
		for (j = 0; j < (int) t->tx.cpis_cnt; j++)
		{
			const ps_ingest_cpi_t *c = &t->tx.cpis[j];

			/* emit_cpi!: log_index -(position + 1), raw without the tag */
			ev_push(&ec, -(c->position + 1), c->program_id, c->depth,
					c->data + 8, c->data_sz - 8);
		}
		s_sig[ns] = PointerGetDatum(to_bytea(t->tx.signature, 64));
		s_slot[ns] = Int64GetDatum((int64) t->tx.slot);
		s_bt_null[ns] = !t->tx.has_block_time;
		s_bt[ns] = t->tx.has_block_time ?
			TimestampTzGetDatum(time_t_to_timestamptz((pg_time_t) t->tx.block_time)) : (Datum) 0;
		s_failed[ns] = BoolGetDatum(t->tx.failed);
		s_err_null[ns] = t->tx.err_json == NULL;
		s_err[ns] = t->tx.err_json ? CStringGetTextDatum(t->tx.err_json) : (Datum) 0;
		s_n[ns] = Int32GetDatum(ec.tx_events);
		s_cmt[ns] = CStringGetTextDatum(t->commitment);
		s_src[ns] = CStringGetTextDatum(t->backfill ? "backfill" : "live");
		s_complete[ns] = BoolGetDatum(t->backfill || !has_inner_invoke(&t->tx));
		ns++;
		lo_slot = Min(lo_slot, (int64) t->tx.slot);
		hi_slot = Max(hi_slot, (int64) t->tx.slot);
	}

	if (ec.n > 0)
	{
		ensure_partitions(lo_slot, hi_slot);
		insert_events(&ec, !any_may_exist);
	}
	if (ns > 0)
	{
		SeenRows	r = {{s_sig, s_slot, s_bt, s_failed, s_err, s_n, s_cmt, s_src, s_complete},
		s_bt_null, s_err_null};

		/* new transactions as the events are; the upsert otherwise */
		if (any_may_exist ||
			!try_direct("transactions_seen", seen_columns, SEEN_NCOLS, ns, seen_fill, NULL, &r))
		{
			Datum		args[9];
			char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

			args[0] = PointerGetDatum(make_array(s_sig, NULL, ns, BYTEAOID));
			args[1] = PointerGetDatum(make_array(s_slot, NULL, ns, INT8OID));
			args[2] = PointerGetDatum(make_array(s_bt, s_bt_null, ns, TIMESTAMPTZOID));
			args[3] = PointerGetDatum(make_array(s_failed, NULL, ns, BOOLOID));
			args[4] = PointerGetDatum(make_array(s_err, s_err_null, ns, TEXTOID));
			args[5] = PointerGetDatum(make_array(s_n, NULL, ns, INT4OID));
			args[6] = PointerGetDatum(make_array(s_cmt, NULL, ns, TEXTOID));
			args[7] = PointerGetDatum(make_array(s_src, NULL, ns, TEXTOID));
			args[8] = PointerGetDatum(make_array(s_complete, NULL, ns, BOOLOID));
			if (SPI_execute_plan(plan_seen, args, nulls, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "pg_solana ingest: transactions_seen insert failed");
		}
	}
	write_accounts(alo, ahi);
}

/*
 * Errors that belong to the item being written (its data, a constraint
 * or trigger it trips) rather than to the server (resources, shutdown,
 * lost connection, deadlock, an internal error): only the former are
 * isolated and skipped; the latter end the worker, which retries the
 * batch from the committed cursor after its restart.
 */
static bool
item_error(int sqlerrcode)
{
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_CONNECTION_EXCEPTION:
		case ERRCODE_TRANSACTION_ROLLBACK:
		case ERRCODE_INSUFFICIENT_RESOURCES:
		case ERRCODE_PROGRAM_LIMIT_EXCEEDED:
		case ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE:
		case ERRCODE_OPERATOR_INTERVENTION:
		case ERRCODE_SYSTEM_ERROR:
		case ERRCODE_CONFIG_FILE_ERROR:
		case ERRCODE_INTERNAL_ERROR:
			return false;
		default:
			return true;
	}
}

/*
 * try_rows runs write_rows in a subtransaction.  Returns true when it
 * committed; false, with the error in *err (palloc'd in batch_cxt),
 * when it was rolled back.  Errors that are not item_error are thrown
 * on.
 */
static bool
try_rows(const bool *dup, int lo, int hi, int alo, int ahi, ErrorData **err)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bool		ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		write_rows(dup, lo, hi, alo, ahi);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(batch_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		/* partitions made in the rolled back subtransaction are gone */
		partitions_lo = partitions_hi = -1;
		if (!item_error(edata->sqlerrcode))
			ReThrowError(edata);
		*err = edata;
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* the raw input of a transaction that could not be written, as JSON */
static void
tx_raw_json(ps_buf_t *b, const ps_ingest_tx_t *tx)
{
	size_t		i;

	ps_buf_puts(b, "{\"signature\":\"");
	ps_buf_put_base58(b, tx->signature, 64);
	ps_buf_puts(b, "\",\"slot\":");
	ps_buf_put_u64(b, tx->slot);
	ps_buf_puts(b, ",\"err\":");
	ps_buf_puts(b, tx->err_json ? tx->err_json : "null");
	ps_buf_puts(b, ",\"logs\":[");
	for (i = 0; i < tx->logs_cnt && b->len < RAW_ERROR_MAX; i++)
	{
		if (i > 0)
			ps_buf_putc(b, ',');
		ps_buf_put_json_string(b, tx->logs[i], strlen(tx->logs[i]));
	}
	ps_buf_puts(b, "]}");
}

/*
 * write_batch writes every item of the batch, its errors and its
 * cursor in one transaction, with one NOTIFY solana_events per new
 * event, then empties the batch.  When the batch fails as a whole, it
 * is written again item by item, each in its own subtransaction: an
 * item that fails (a constraint or a trigger it trips) is recorded in
 * solana.ingest_errors with its SQLSTATE and raw input and skipped, so
 * the rest of the batch is kept and the cursor moves past it.  Server
 * errors (item_error false) end the worker, which restarts and resumes
 * from the committed cursor.
 */
static void
write_batch(void)
{
	MemoryContext old;
	bool	   *dup;
	ErrorData  *edata = NULL;
	int			nerr0;
	int			i;

	if (batch_items() == 0 && !batch.has_cursor)
		return;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pg_solana ingest: writing a batch");
	old = MemoryContextSwitchTo(batch_cxt);

	prepare_plans();
	dup = mark_duplicates();
	nerr0 = batch.nerr;
	if (!try_rows(dup, 0, batch.ntx, 0, batch.nacc, &edata))
	{
		int			nerr;
		char		msg[1024];
		char		key[90];
		ps_buf_t	b;

		/* the item pass records the decode errors again */
		batch.nerr = nerr0;
		ereport(WARNING,
				(errmsg("pg_solana ingest: a batch of %d transactions and %d account states failed (%s); writing it item by item",
						batch.ntx, batch.nacc, edata->message)));
		for (i = 0; i < batch.ntx; i++)
		{
			TxItem	   *t = &batch.txs[i];

			if (dup[i])
				continue;
			nerr = batch.nerr;
			if (try_rows(dup, i, i + 1, 0, 0, &edata))
				continue;
			batch.nerr = nerr;
			ps_base58_encode_64(t->tx.signature, key);
			snprintf(msg, sizeof(msg),
					 "transaction %s at slot %llu could not be written: %s; skipped",
					 key, (unsigned long long) t->tx.slot, edata->message);
			ps_buf_init(&b, NULL, NULL);
			tx_raw_json(&b, &t->tx);
			add_error(0, unpack_sql_state(edata->sqlerrcode), msg,
					  b.data, b.len, t->tx.signature);
			ps_buf_free(&b);
		}
		for (i = 0; i < batch.nacc; i++)
		{
			AccItem    *a = &batch.accs[i];

			nerr = batch.nerr;
			if (try_rows(dup, 0, 0, i, i + 1, &edata))
				continue;
			batch.nerr = nerr;
			ps_base58_encode_32(a->acc.pubkey, key);
			snprintf(msg, sizeof(msg),
					 "state of account %s at slot %llu could not be written: %s; skipped",
					 key, (unsigned long long) a->slot, edata->message);
			ps_buf_init(&b, NULL, NULL);
			ps_buf_put_base64(&b, a->acc.data ? a->acc.data : (const uint8 *) "",
							  Min(a->acc.data_sz, RAW_ERROR_MAX / 2));
			add_error(a->sub_id, unpack_sql_state(edata->sqlerrcode), msg,
					  b.data, b.len, NULL);
			ps_buf_free(&b);
		}
	}
	write_errors();
	write_cursor();

	MemoryContextSwitchTo(old);
	PopActiveSnapshot();
	SPI_finish();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	batch_reset();
}

/* ---------------------------------------------------------------- */
/* subscriptions                                                     */

static void
free_subs(void)
{
	int			i;

	for (i = 0; i < nsubs; i++)
		free(subs[i].filters);
	nsubs = 0;
}

/*
 * load_subscriptions reads the enabled subscriptions; returns true when
 * the set differs from the one held (then the connection is redone).
 */
static bool
load_subscriptions(void)
{
	Sub			fresh[MAX_SUBS];
	int			n = 0;
	bool		changed;
	int			i;
	bool		have_table;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pg_solana ingest: loading subscriptions");

	SPI_execute("SELECT pg_catalog.to_regclass('solana.subscriptions') IS NOT NULL", true, 1);
	{
		bool		isnull = true;

		have_table = SPI_processed == 1 &&
			DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, &isnull));
	}
	if (have_table &&
		SPI_execute("SELECT id, kind, solana.bytea(target), commitment, filters::text,"
					" solana.bytea(from_signature), coalesce(from_slot, 0), keep_history"
					" FROM solana.subscriptions WHERE enabled ORDER BY id", true, MAX_SUBS) == SPI_OK_SELECT)
	{
		for (i = 0; i < (int) SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	td = SPI_tuptable->tupdesc;
			bool		isnull;
			Sub		   *s = &fresh[n];
			bytea	   *b;
			char	   *txt;

			memset(s, 0, sizeof(*s));
			s->id = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
			strlcpy(s->kind, SPI_getvalue(tup, td, 2), sizeof(s->kind));
			b = DatumGetByteaPP(SPI_getbinval(tup, td, 3, &isnull));
			memcpy(s->target, VARDATA_ANY(b), 32);
			strlcpy(s->commitment, SPI_getvalue(tup, td, 4), sizeof(s->commitment));
			txt = SPI_getvalue(tup, td, 5);
			s->filters = (txt && strcmp(txt, "[]") != 0) ? strdup(txt) : NULL;
			{
				Datum		d = SPI_getbinval(tup, td, 6, &isnull);

				if (!isnull)
				{
					b = DatumGetByteaPP(d);
					memcpy(s->from_sig, VARDATA_ANY(b), 64);
					s->has_from_sig = true;
				}
			}
			s->from_slot = DatumGetInt64(SPI_getbinval(tup, td, 7, &isnull));
			s->keep_history = DatumGetBool(SPI_getbinval(tup, td, 8, &isnull));
			s->remote_id = -1;
			n++;
		}
	}
	PopActiveSnapshot();
	SPI_finish();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);

	changed = n != nsubs;
	for (i = 0; i < n && !changed; i++)
	{
		Sub		   *a = &fresh[i],
				   *b = &subs[i];

		changed = a->id != b->id || strcmp(a->kind, b->kind) != 0 ||
			memcmp(a->target, b->target, 32) != 0 ||
			strcmp(a->commitment, b->commitment) != 0 ||
			(a->filters == NULL) != (b->filters == NULL) ||
			(a->filters && strcmp(a->filters, b->filters) != 0) ||
			a->keep_history != b->keep_history ||
			a->has_from_sig != b->has_from_sig || a->from_slot != b->from_slot;
	}
	if (!changed)
	{
		for (i = 0; i < n; i++)
			free(fresh[i].filters);
		return false;
	}
	free_subs();
	memcpy(subs, fresh, n * sizeof(Sub));
	nsubs = n;
	return true;
}

static Sub *
sub_by_remote(int64 remote)
{
	int			i;

	for (i = 0; i < nsubs; i++)
		if (subs[i].remote_id == remote)
			return &subs[i];
	return NULL;
}

static Sub *
sub_by_req(int64 req)
{
	int			i;

	for (i = 0; i < nsubs; i++)
		if (subs[i].req_id == req)
			return &subs[i];
	return NULL;
}

/* ---------------------------------------------------------------- */
/* the pubsub connection                                             */

static void
ws_drop(const char *why)
{
	int			i;
	int64		delay;

	if (ws)
	{
		solana_ws_close(ws);
		ws = NULL;
	}
	for (i = 0; i < nsubs; i++)
		subs[i].remote_id = -1;
	ws_attempt++;
	delay = ps_backoff_ms(ws_attempt, ingest_reconnect_min_ms,
						  Max(ingest_reconnect_max_ms, ingest_reconnect_min_ms),
						  0.5, (uint32) random());
	ws_next_connect = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
	if (why)
	{
		char		msg[512];

		snprintf(msg, sizeof(msg), "pubsub connection to \"%s\" lost: %s; reconnecting in %lld ms",
				 solana_ws_url, why, (long long) delay);
		add_error(0, "08006", msg, NULL, 0, NULL);
	}
}

static void
ws_connect(void)
{
	char		err[256];
	int			i;
	ps_buf_t	b;

	if (nsubs == 0 || GetCurrentTimestamp() < ws_next_connect)
		return;
	ws = solana_ws_open(solana_ws_url, ingest_ping_s, err, sizeof(err));
	if (ws == NULL)
	{
		char		msg[512];

		snprintf(msg, sizeof(msg), "cannot open pubsub connection to \"%s\": %s",
				 solana_ws_url, err);
		add_error(0, "08006", msg, NULL, 0, NULL);
		ws_drop(NULL);
		return;
	}
	free(ws_url_used);
	ws_url_used = strdup(solana_ws_url);
	ws_established_at = 0;
	ps_buf_init(&b, NULL, NULL);
	for (i = 0; i < nsubs; i++)
	{
		Sub		   *s = &subs[i];
		int			rc;

		b.len = 0;
		s->req_id = next_req_id++;
		s->remote_id = -1;
		rc = ps_ingest_build_subscribe(&b, s->req_id, s->kind, s->target,
									   s->commitment, s->filters);
		if (rc != PS_OK)
		{
			snprintf(err, sizeof(err), "subscription %lld cannot be requested: %s",
					 (long long) s->id, ps_strerror(rc));
			add_error(s->id, sqlstate_of(rc), err, s->filters, s->filters ? strlen(s->filters) : 0, NULL);
			s->req_id = 0;		/* not waiting for an answer */
			continue;
		}
		solana_ws_send(ws, b.data, b.len);
		/* a reconnect may have missed notifications: reconcile at once */
		s->next_reconcile = 0;
	}
	ps_buf_free(&b);
}

static void
handle_message(const char *text, size_t len)
{
	ps_ingest_msg_t m;
	char		err[300];
	char		msg[512];
	int			rc;
	Sub		   *s;

	rc = ps_ingest_parse_message(text, len, &m, err, sizeof(err));
	if (rc != PS_OK)
	{
		snprintf(msg, sizeof(msg), "malformed pubsub message: %s", err);
		add_error(0, sqlstate_of(rc), msg, text, len, NULL);
		ps_ingest_msg_free(&m);
		return;
	}
	switch (m.kind)
	{
		case PS_INGEST_REPLY:
			s = sub_by_req(m.id);
			if (s && m.result_is_int)
			{
				s->remote_id = m.result;
				ws_attempt = 0;
				/* subscribed: now read the state changes may have missed */
				if (strcmp(s->kind, "logs") != 0)
				{
					s->snapshot_due = true;
					s->next_snapshot = 0;
					s->snapshot_failures = 0;
				}
			}
			break;
		case PS_INGEST_ERROR:
			s = m.has_id ? sub_by_req(m.id) : NULL;
			snprintf(msg, sizeof(msg), "pubsub refused a request (code %lld): %s",
					 (long long) m.err_code, m.err_text);
			add_error(s ? s->id : 0, "38000", msg, text, len, NULL);
			if (s)
				s->req_id = 0;	/* refused: not retried until it changes */
			break;
		case PS_INGEST_LOGS:
			s = sub_by_remote(m.subscription);
			if (s)
				add_tx(&m.tx, s->commitment, false);
			break;
		case PS_INGEST_ACCOUNT:
			s = sub_by_remote(m.subscription);
			if (s)
			{
				memcpy(m.account.pubkey, s->target, 32);
				add_account(&m.account, m.slot, s);
			}
			break;
		case PS_INGEST_PROGRAM:
			s = sub_by_remote(m.subscription);
			if (s)
				add_account(&m.account, m.slot, s);
			break;
		default:
			break;
	}
	ps_ingest_msg_free(&m);
}

/* move received messages into the batch; notice a dead connection */
static void
ws_pump(void)
{
	char	   *text;
	size_t		len;

	if (ws == NULL)
		return;
	solana_ws_service(ws);
	while (solana_ws_next(ws, &text, &len))
	{
		handle_message(text, len);
		free(text);
	}
	if (solana_ws_get_state(ws) == SOLANA_WS_OPEN && ws_established_at == 0)
		ws_established_at = GetCurrentTimestamp();

	/*
	 * Counted from the end of the handshake, which libwebsockets bounds
	 * itself (30 s, ws.c): a slow handshake on a loaded machine is not
	 * an unanswered request.
	 */
	if (ws_established_at != 0 &&
		GetCurrentTimestamp() > TimestampTzPlusMilliseconds(ws_established_at, 10000))
	{
		int			i;

		/* a subscribe request unanswered for 10 s: start over */
		for (i = 0; i < nsubs; i++)
			if (subs[i].remote_id < 0 && subs[i].req_id > 0)
			{
				ws_drop("a subscribe request got no answer within 10 s");
				return;
			}
	}
	if (solana_ws_get_state(ws) == SOLANA_WS_CLOSED)
	{
		char		why[256];

		strlcpy(why, solana_ws_error(ws), sizeof(why));
		ws_drop(why);
	}
}

/* ---------------------------------------------------------------- */
/* JSON-RPC over HTTP (http.c)                                       */

/*
 * fetch_send starts the request of calls[first .. first + k - 1]: the
 * call's own body, or the bodies as one JSON-RPC batch.
 */
static void
fetch_send(Fetch *f, int first, int k)
{
	const char *headers[] = {"Content-Type: application/json"};
	RpcCall    *c = &f->calls[first];
	solana_http_req *r;

	if (k == 1)
		r = solana_http_new("POST", solana_rpc_url, headers, 1,
							c->body, strlen(c->body), 30000,
							PS_INGEST_MSG_MAX, c->err, sizeof(c->err));
	else
	{
		const char **bodies = palloc(sizeof(char *) * k);
		ps_buf_t	b;

		for (int j = 0; j < k; j++)
			bodies[j] = c[j].body;
		ps_buf_init(&b, NULL, NULL);
		if (ps_ingest_build_batch(&b, bodies, k) != PS_OK)
		{
			strlcpy(c->err, "out of memory", sizeof(c->err));
			r = NULL;
		}
		else
			r = solana_http_new("POST", solana_rpc_url, headers, 1,
								b.data, b.len, 30000,
								PS_INGEST_MSG_MAX, c->err, sizeof(c->err));
		ps_buf_free(&b);
		pfree(bodies);
		if (r == NULL)
			for (int j = 1; j < k; j++)
				strlcpy(c[j].err, c->err, sizeof(c[j].err));
	}
	if (r == NULL)
		f->done += k;
	else
	{
		r->owner = c;
		f->reqs[first] = r;
		f->group[first] = k;
		solana_http_multi_add(multi, r);
		f->running++;
	}
}

/* start requests until solana.ingest_rpc_concurrency are in flight */
static void
fetch_fill(Fetch *f)
{
	while (f->next < f->n && f->running < ingest_rpc_concurrency)
	{
		int			first = f->next;
		int			k = 1;

		if (f->calls[first].id > 0 && !batch_refused)
			while (k < ingest_rpc_batch && first + k < f->n &&
				   f->calls[first + k].id > 0)
				k++;
		f->next += k;
		fetch_send(f, first, k);
	}
}

/* an answer's copy in the fetch's context, nul-terminated */
static void
call_answer(Fetch *f, RpcCall *c, const char *text, size_t len)
{
	c->resp = MemoryContextAlloc(f->cxt, len + 1);
	memcpy(c->resp, text, len);
	c->resp[len] = '\0';
	c->resp_len = len;
}

/*
 * batch_answer hands each of the `k` calls from `c` its element of the
 * batch answer `text`.  Returns false when the node refused the batch
 * (it answered one JSON object instead of an array): the calls are
 * left unanswered, to be sent alone.  An answer that is not JSON goes
 * to every call, to be recorded as each single answer would be.
 */
static bool
batch_answer(Fetch *f, RpcCall *c, int k, const char *text, size_t len)
{
	int64	   *ids = palloc(sizeof(int64) * k);
	ps_ingest_span_t *sp = palloc(sizeof(ps_ingest_span_t) * k);
	int			rc;
	int			j;

	for (j = 0; j < k; j++)
		ids[j] = c[j].id;
	rc = ps_ingest_split_batch(text, len, ids, k, sp);
	if (rc == PS_ERR_ARG)
	{
		pfree(ids);
		pfree(sp);
		return false;
	}
	if (rc == PS_ERR_JSON)
		for (j = 0; j < k; j++)
			call_answer(f, &c[j], text, len);
	else if (rc != PS_OK)
		for (j = 0; j < k; j++)
			snprintf(c[j].err, sizeof(c[j].err), "batch answer not read: %s",
					 ps_strerror(rc));
	else
		for (j = 0; j < k; j++)
		{
			if (sp[j].found)
				call_answer(f, &c[j], text + sp[j].off, sp[j].sz);
			else
				snprintf(c[j].err, sizeof(c[j].err),
						 "the batch answer has no element with id %lld",
						 (long long) c[j].id);
		}
	pfree(ids);
	pfree(sp);
	return true;
}

/* take the finished requests' answers (into f->cxt), start more */
static void
fetch_collect(Fetch *f)
{
	solana_http_req *r;

	while ((r = solana_http_collect(multi)) != NULL)
	{
		RpcCall    *c = (RpcCall *) r->owner;
		int			first = c - f->calls;
		int			k = f->group[first];
		bool		resend = false;

		if (r->result == CURLE_OK && r->status == 200 && !r->resp_too_big)
		{
			if (k == 1)
				call_answer(f, c, r->resp ? r->resp : "", r->resp_len);
			else if (!batch_answer(f, c, k, r->resp ? r->resp : "", r->resp_len))
			{
				if (!batch_refused)
					ereport(LOG,
							(errmsg("pg_solana ingest: the node at \"%s\" does not answer JSON-RPC batches; sending getTransaction calls one by one",
									solana_rpc_url)));
				batch_refused = true;
				resend = true;
			}
		}
		else
			for (int j = 0; j < k; j++)
				solana_http_failure_text(r, c[j].err, sizeof(c[j].err));
		solana_http_multi_remove(multi, r);
		f->reqs[first] = NULL;
		solana_http_free(r);
		f->running--;
		if (resend)
			for (int j = 0; j < k; j++)
				fetch_send(f, first + j, 1);
		else
			f->done += k;
	}
	fetch_fill(f);
}

/* starts the `n` calls; their answers go to CurrentMemoryContext */
static void
fetch_start(Fetch *f, RpcCall *calls, int n)
{
	if (multi == NULL)
		multi = solana_http_multi_new();
	f->calls = calls;
	f->n = n;
	f->next = f->running = f->done = 0;
	f->cxt = CurrentMemoryContext;
	f->reqs = MemoryContextAllocZero(f->cxt, sizeof(solana_http_req *) * Max(n, 1));
	f->group = MemoryContextAllocZero(f->cxt, sizeof(int) * Max(n, 1));
	fetch_fill(f);
}

/*
 * fetch_poll moves the transfers on without waiting (the requests go
 * out, the answers that came are taken), so that the node works on
 * the next chunk while the worker writes this one.  Safe inside a
 * transaction: it calls no PostgreSQL code but the allocator.
 */
static void
fetch_poll(Fetch *f)
{
	int			running;

	curl_multi_perform(multi, &running);
	fetch_collect(f);
}

/* ends every call of `f` still in flight, unanswered */
static void
fetch_abort(Fetch *f)
{
	for (int i = 0; i < f->n; i++)
		if (f->reqs && f->reqs[i])
		{
			solana_http_multi_remove(multi, f->reqs[i]);
			solana_http_free(f->reqs[i]);
			f->reqs[i] = NULL;
		}
	f->running = 0;
	f->next = f->done = f->n;
}

/*
 * fetch_finish waits until every call of `f` is answered or failed, on
 * the latch and the sockets, servicing the pubsub socket meanwhile so
 * that keepalives are answered.  Ends the calls when it throws.
 */
static void
fetch_finish(Fetch *f)
{
	PG_TRY();
	{
		while (f->done < f->n)
		{
			long		curl_ms = -1;

			/*
			 * With transfers running, libcurl sometimes reports neither
			 * a socket nor a timeout (a request waiting for a pooled
			 * connection it has just closed): the wait would then last
			 * its whole second, once per getSignaturesForAddress page
			 * in the bench.  Check back after 5 ms instead.
			 */
			curl_multi_timeout(multi, &curl_ms);
			if (solana_http_wait(multi, curl_ms < 0 && f->running > 0 ? 5 : 1000,
								 PG_WAIT_EXTENSION))
				ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			fetch_collect(f);
			ws_pump();
		}
	}
	PG_CATCH();
	{
		fetch_abort(f);
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/* rpc_run performs the calls and waits for them all (fetch_finish) */
static void
rpc_run(RpcCall *calls, int n)
{
	Fetch		f;

	fetch_start(&f, calls, n);
	fetch_finish(&f);
}

static char *
buf_pstrdup(ps_buf_t *b)
{
	char	   *s = pstrdup(b->data ? b->data : "");

	b->len = 0;
	return s;
}

/* ---------------------------------------------------------------- */
/* reconciliation (backfill)                                         */

typedef struct CursorRow
{
	bool		exists;
	bool		has_sig;
	uint8		sig[64];
	int64		slot;
} CursorRow;

static CursorRow
read_cursor(int64 sub_id)
{
	CursorRow	c;
	Datum		arg = Int64GetDatum(sub_id);
	Oid			type = INT8OID;

	memset(&c, 0, sizeof(c));
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_execute_with_args("SELECT solana.bytea(last_signature), coalesce(last_slot, 0)"
							  " FROM solana.ingest_cursor WHERE subscription_id = $1",
							  1, &type, &arg, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		c.exists = true;
		if (!isnull)
		{
			memcpy(c.sig, VARDATA_ANY(DatumGetByteaPP(d)), 64);
			c.has_sig = true;
		}
		c.slot = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	PopActiveSnapshot();
	SPI_finish();
	CommitTransactionCommand();
	return c;
}

static void
exec_simple(const char *sql, int nargs, Oid *types, Datum *args, const char *nulls)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_execute_with_args(sql, nargs, types, args, nulls, false, 0);
	PopActiveSnapshot();
	SPI_finish();
	CommitTransactionCommand();
}

/*
 * What backfill must do with each of `n` signatures (oldest first):
 * SIG_DONE (complete in transactions_seen), SIG_NEW (not there) or
 * SIG_AGAIN (there, incomplete or dead: fetched again, and some of its
 * rows may exist).
 */
#define SIG_DONE	0
#define SIG_NEW		1
#define SIG_AGAIN	2

static char *
unseen(ps_ingest_sig_t *sigs, int n)
{
	char	   *need = palloc(n);
	Datum	   *d = palloc(sizeof(Datum) * n);
	Datum		arg;
	Oid			type = BYTEAARRAYOID;
	int			i;
	MemoryContext cxt = CurrentMemoryContext;

	for (i = 0; i < n; i++)
	{
		need[i] = SIG_NEW;
		d[i] = PointerGetDatum(to_bytea(sigs[i].signature, 64));
	}
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	/* catalog lookups (element type) need the transaction */
	arg = PointerGetDatum(make_array(d, NULL, n, BYTEAOID));
	/*
	 * One primary key probe per signature (the lateral subquery with
	 * OFFSET 0 is not pulled up): a hash join read the whole of
	 * transactions_seen for every chunk, a cost growing with the table.
	 */
	if (SPI_execute_with_args("SELECT u.i::int, t.complete AND t.commitment <> 'dead'"
							  " FROM pg_catalog.unnest($1) WITH ORDINALITY AS u(s, i)"
							  " CROSS JOIN LATERAL (SELECT s.complete, s.commitment"
							  "   FROM solana.transactions_seen s"
							  "   WHERE s.signature = solana.signature(u.s) OFFSET 0) t",
							  1, &type, &arg, NULL, true, 0) == SPI_OK_SELECT)
	{
		for (i = 0; i < (int) SPI_processed; i++)
		{
			bool		isnull;
			int			k = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i],
														SPI_tuptable->tupdesc, 1, &isnull));

			if (k >= 1 && k <= n)
				need[k - 1] = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 2, &isnull)) ?
					SIG_DONE : SIG_AGAIN;
		}
	}
	PopActiveSnapshot();
	SPI_finish();
	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);
	return need;
}

/*
 * A backfill *chunk*: up to solana.ingest_batch_size signatures from
 * `first`, with the getTransaction calls of those not yet complete in
 * transactions_seen.
 */
typedef struct Chunk
{
	int			chunk;			/* signatures covered */
	char	   *need;			/* unseen() of each */
	RpcCall    *calls;
	int		   *idx;			/* calls[k] is of signature idx[k] */
	int			ncalls;
} Chunk;

static Chunk
backfill_chunk(Sub *s, ps_ingest_sig_t *all, int nall, int first)
{
	Chunk		c;
	ps_buf_t	b;
	int			k;

	c.chunk = Min(ingest_batch_size, nall - first);
	c.need = unseen(all + first, c.chunk);
	c.calls = palloc0(sizeof(RpcCall) * c.chunk);
	c.idx = palloc(sizeof(int) * c.chunk);
	c.ncalls = 0;
	ps_buf_init(&b, NULL, NULL);
	for (k = 0; k < c.chunk; k++)
	{
		if (c.need[k] == SIG_DONE)
			continue;
		b.len = 0;
		c.calls[c.ncalls].id = next_req_id;
		ps_ingest_build_get_transaction(&b, next_req_id++, all[first + k].signature,
										strcmp(s->commitment, "processed") == 0 ? "confirmed" : s->commitment);
		c.calls[c.ncalls].body = pnstrdup(b.data ? b.data : "", b.len);
		c.idx[c.ncalls++] = k;
	}
	ps_buf_free(&b);
	return c;
}

/*
 * backfill_take parses the answers of chunk `c` (signatures `sigs`)
 * into the batch, records the failures, and frees the answers.
 * Returns how many signatures from the chunk's start are fully fetched.
 */
static int
backfill_take(Sub *s, ps_ingest_sig_t *sigs, Chunk *c)
{
	int			ok = c->chunk;
	int			k;
	char		msg[512];

	for (k = 0; k < c->ncalls; k++)
	{
		RpcCall    *call = &c->calls[k];
		ps_ingest_tx_t tx;
		bool		found = false;
		char		err[256];
		int			rc = PS_ERR_INTERNAL;

		if (pumping && (k & 31) == 31)
			fetch_poll(pumping);
		if (call->resp)
			rc = ps_ingest_parse_transaction(call->resp, call->resp_len,
											 &found, &tx, err, sizeof(err));
		else
			strlcpy(err, call->err, sizeof(err));
		if (rc == PS_OK && found)
		{
			add_tx(&tx, s->commitment, true);
			batch.txs[batch.ntx - 1].may_exist = c->need[c->idx[k]] == SIG_AGAIN;
		}
		else
		{
			if (rc == PS_OK)
			{
				strlcpy(err, "the node does not have the transaction yet", sizeof(err));
				ps_ingest_tx_free(&tx);
			}
			else if (call->resp)
				ps_ingest_tx_free(&tx);
			snprintf(msg, sizeof(msg), "getTransaction failed during backfill of subscription %lld: %s",
					 (long long) s->id, err);
			add_error(s->id, call->resp == NULL ? "08006" :
					  rc == PS_ERR_SYNTAX ? "38000" : rc == PS_OK ? "55000" : sqlstate_of(rc),
					  msg, call->resp, call->resp ? call->resp_len : 0,
					  sigs[c->idx[k]].signature);
			ok = Min(ok, c->idx[k]);
		}
		if (call->resp)
			pfree(call->resp);
		call->resp = NULL;
		pfree(call->body);
		call->body = NULL;
	}
	return ok;
}

/*
 * reconcile brings one logs subscription's cursor up to the node's
 * newest signature for its address.  Returns false when it had to stop
 * early (an RPC failure); the rows and cursor written so far stay.
 */
static bool
reconcile(Sub *s, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CursorRow	cur = read_cursor(s->id);
	ps_buf_t	b;
	ps_ingest_sig_t *all = NULL;
	int			nall = 0,
				capall = 0;
	bool		have_before = false;
	uint8		before[64];
	const uint8 *until = NULL;
	uint64		from_slot = 0;
	bool		init_only = false;
	const int	limit = 1000;
	int			i;
	char		msg[512];
	Chunk		chunk_now,
				nxt;
	Fetch		prefetch;
	volatile bool failed = false;

	MemoryContextSwitchTo(cxt);
	if (cur.exists)
	{
		until = cur.has_sig ? cur.sig : NULL;

		/*
		 * Pages stop at the cursor's slot too: a node that no longer
		 * knows the cursor's signature (its slot was skipped) would page
		 * back through the whole history of the address.
		 */
		if (cur.has_sig && cur.slot > 0)
			from_slot = (uint64) cur.slot;
	}
	else if (s->has_from_sig)
		until = s->from_sig;
	else if (s->from_slot > 0)
		from_slot = (uint64) s->from_slot;
	else
		init_only = true;		/* start "now": the newest signature */

	ps_buf_init(&b, NULL, NULL);
	for (;;)
	{
		RpcCall		call;
		ps_ingest_sig_t *page;
		size_t		cnt,
					keep;
		bool		last;
		char		err[256];
		int			rc;

		memset(&call, 0, sizeof(call));
		ps_ingest_build_get_signatures(&b, next_req_id++, s->target,
									   have_before ? before : NULL, until,
									   init_only ? 1 : limit,
									   strcmp(s->commitment, "processed") == 0 ? "confirmed" : s->commitment);
		call.body = buf_pstrdup(&b);
		rpc_run(&call, 1);
		if (call.resp == NULL)
		{
			snprintf(msg, sizeof(msg), "getSignaturesForAddress failed for subscription %lld: %s",
					 (long long) s->id, call.err);
			add_error(s->id, "08006", msg, NULL, 0, NULL);
			ps_buf_free(&b);
			MemoryContextSwitchTo(old);
			return false;
		}
		rc = ps_ingest_parse_signatures(call.resp, call.resp_len, &page, &cnt, err, sizeof(err));
		if (rc != PS_OK)
		{
			snprintf(msg, sizeof(msg), "getSignaturesForAddress answer unusable for subscription %lld: %s",
					 (long long) s->id, err);
			add_error(s->id, rc == PS_ERR_SYNTAX ? "38000" : sqlstate_of(rc), msg,
					  call.resp, call.resp_len, NULL);
			ps_buf_free(&b);
			MemoryContextSwitchTo(old);
			return false;
		}
		if (init_only)
		{
			/* first run without a start point: begin after the newest */
			batch.has_cursor = cnt > 0;
			if (cnt > 0)
			{
				batch.cursor.sub_id = s->id;
				batch.cursor.slot = page[0].slot;
				memcpy(batch.cursor.sig, page[0].signature, 64);
				batch.cursor.done = 0;
				write_batch();
			}
			else
			{
				Datum		a = Int64GetDatum(s->id);
				Oid			t = INT8OID;

				exec_simple("INSERT INTO solana.ingest_cursor (subscription_id)"
							" SELECT id FROM solana.subscriptions WHERE id = $1"
							" ON CONFLICT DO NOTHING", 1, &t, &a, NULL);
			}
			free(page);
			ps_buf_free(&b);
			MemoryContextSwitchTo(old);
			return true;
		}
		ps_ingest_page_cut(page, cnt, limit, from_slot, &keep, &last);
		if (nall + (int) keep > capall)
		{
			capall = Max(capall * 2, nall + (int) keep + 1024);
			all = all ? repalloc_huge(all, sizeof(ps_ingest_sig_t) * capall)
				: palloc_extended(sizeof(ps_ingest_sig_t) * capall, MCXT_ALLOC_HUGE);
		}
		memcpy(all + nall, page, keep * sizeof(ps_ingest_sig_t));
		nall += keep;
		if (cnt > 0)
		{
			memcpy(before, page[cnt - 1].signature, 64);
			have_before = true;
		}
		free(page);
		CHECK_FOR_INTERRUPTS();
		if (last || cnt == 0)
			break;
	}
	ps_buf_free(&b);
	if (nall == 0)
	{
		MemoryContextSwitchTo(old);
		return true;
	}

	/* oldest first */
	for (i = 0; i < nall / 2; i++)
	{
		ps_ingest_sig_t t = all[i];

		all[i] = all[nall - 1 - i];
		all[nall - 1 - i] = t;
	}
	{
		Datum		a[4];
		Oid			t[4] = {INT8OID, INT8OID, INT8OID, INT8OID};

		a[0] = Int64GetDatum(s->id);
		a[1] = Int64GetDatum((int64) all[0].slot);
		a[2] = Int64GetDatum((int64) all[nall - 1].slot);
		a[3] = Int64GetDatum(nall);
		exec_simple("INSERT INTO solana.ingest_cursor AS c (subscription_id, backfill_from_slot,"
					"  backfill_to_slot, backfill_total, backfill_done, backfill_started_at)"
					" SELECT id, $2, $3, $4, 0, now() FROM solana.subscriptions WHERE id = $1"
					" ON CONFLICT (subscription_id) DO UPDATE SET backfill_from_slot = $2,"
					"  backfill_to_slot = $3, backfill_total = $4, backfill_done = 0,"
					"  backfill_started_at = now(), backfill_finished_at = NULL",
					4, t, a, NULL);
	}

	/*
	 * Chunks of solana.ingest_batch_size signatures, each written in one
	 * transaction.  The getTransaction calls of chunk N+1 go out before
	 * chunk N is decoded and written, and move on meanwhile
	 * (fetch_poll), so that the node answers while the worker writes.
	 */
	chunk_now = backfill_chunk(s, all, nall, 0);
	rpc_run(chunk_now.calls, chunk_now.ncalls);
	PG_TRY();
	{
		for (i = 0; i < nall;)
		{
			int			next_i = i + chunk_now.chunk;
			int			ok;

			if (next_i < nall)
			{
				nxt = backfill_chunk(s, all, nall, next_i);
				fetch_start(&prefetch, nxt.calls, nxt.ncalls);
				pumping = &prefetch;
			}
			ok = backfill_take(s, all + i, &chunk_now);

			/*
			 * The cursor may only pass signatures fully written: stop
			 * before the first failure (everything fetched is written
			 * anyway; it is idempotent).
			 */
			if (ok > 0)
			{
				batch.has_cursor = true;
				batch.cursor.sub_id = s->id;
				batch.cursor.slot = all[i + ok - 1].slot;
				memcpy(batch.cursor.sig, all[i + ok - 1].signature, 64);
				batch.cursor.done = ok;
			}
			write_batch();
			pumping = NULL;
			if (ok < chunk_now.chunk)
			{
				if (next_i < nall)
					fetch_abort(&prefetch);
				failed = true;
				break;
			}
			if (next_i < nall)
				fetch_finish(&prefetch);
			chunk_now = nxt;
			i = next_i;
		}
	}
	PG_CATCH();
	{
		if (pumping)
			fetch_abort(pumping);
		pumping = NULL;
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (failed)
	{
		MemoryContextSwitchTo(old);
		return false;
	}
	{
		Datum		a = Int64GetDatum(s->id);
		Oid			t = INT8OID;

		exec_simple("UPDATE solana.ingest_cursor SET backfill_finished_at = now()"
					" WHERE subscription_id = $1", 1, &t, &a, NULL);
	}
	MemoryContextSwitchTo(old);
	return true;
}

static void
reconcile_due(MemoryContext cxt)
{
	int			i;
	TimestampTz now = GetCurrentTimestamp();

	for (i = 0; i < nsubs; i++)
	{
		Sub		   *s = &subs[i];

		/*
		 * Not waiting for the live subscription: reconciliation is the
		 * safety net, also while pubsub is down.
		 */
		if (strcmp(s->kind, "logs") != 0 || now < s->next_reconcile)
			continue;
		/* write what is pending first: live rows are older than the pages */
		if (batch_items() > 0)
			write_batch();
		if (reconcile(s, cxt))
		{
			s->reconcile_failures = 0;
			s->next_reconcile = ingest_reconcile_s > 0 ?
				TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ingest_reconcile_s * 1000L) :
				DT_NOEND;
		}
		else
		{
			s->reconcile_failures++;
			s->next_reconcile = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
															ps_backoff_ms(s->reconcile_failures, 500, 30000, 0.5, (uint32) random()));
		}
		if (batch_items() > 0)
			write_batch();
		MemoryContextReset(cxt);
	}
}

/* ---------------------------------------------------------------- */
/* account snapshots                                                 */

/*
 * snapshot_fetch reads the current state of the accounts of `n` due
 * subscriptions: getMultipleAccounts of their addresses (account
 * subscriptions of one commitment) or getProgramAccounts with the
 * filters (one program subscription).  The states go into the batch at
 * the answer's context slot, so an older snapshot never overwrites a
 * newer notification.  A failure is recorded and retried with backoff.
 */
static void
snapshot_fetch(Sub **group, int n)
{
	Sub		   *s0 = group[0];
	bool		program = strcmp(s0->kind, "program") == 0;
	uint8		(*keys)[32] = NULL;
	ps_ingest_account_t *accs = NULL;
	size_t		cnt = 0;
	uint64		slot = 0;
	RpcCall		call;
	ps_buf_t	b;
	char		err[PS_INGEST_ERRTEXT_MAX];
	char		msg[768];
	int			rc;
	int			i;

	ps_buf_init(&b, NULL, NULL);
	if (program)
		rc = ps_ingest_build_get_program_accounts(&b, next_req_id++, s0->target,
												  s0->commitment, s0->filters);
	else
	{
		keys = palloc(sizeof(*keys) * n);
		for (i = 0; i < n; i++)
			memcpy(keys[i], group[i]->target, 32);
		rc = ps_ingest_build_get_multiple_accounts(&b, next_req_id++,
												   (const uint8_t (*)[32]) keys, n,
												   s0->commitment);
	}
	memset(&call, 0, sizeof(call));
	if (rc == PS_OK)
	{
		ps_buf_putc(&b, '\0');
		call.body = pstrdup(b.data);
	}
	ps_buf_free(&b);
	if (rc != PS_OK)
	{
		snprintf(msg, sizeof(msg), "the state of subscription %lld cannot be requested: %s",
				 (long long) s0->id, ps_strerror(rc));
		add_error(s0->id, sqlstate_of(rc), msg, s0->filters,
				  s0->filters ? strlen(s0->filters) : 0, NULL);
		s0->snapshot_due = false;	/* not retried until it changes */
		return;
	}
	rpc_run(&call, 1);
	if (call.resp == NULL)
	{
		rc = PS_ERR_INTERNAL;
		strlcpy(err, call.err, sizeof(err));
	}
	else
		rc = ps_ingest_parse_accounts(call.resp, call.resp_len,
									  program ? NULL : (const uint8_t (*)[32]) keys,
									  program ? 0 : n, &slot, &accs, &cnt,
									  err, sizeof(err));
	if (rc != PS_OK)
	{
		TimestampTz next;

		snprintf(msg, sizeof(msg), "%s failed for subscription %lld%s: %s",
				 program ? "getProgramAccounts" : "getMultipleAccounts",
				 (long long) s0->id, n > 1 ? " and others" : "", err);
		add_error(s0->id, call.resp == NULL ? "08006" :
				  rc == PS_ERR_SYNTAX ? "38000" : sqlstate_of(rc),
				  msg, call.resp, call.resp ? call.resp_len : 0, NULL);
		for (i = 0; i < n; i++)
		{
			group[i]->snapshot_failures++;
			next = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
											   ps_backoff_ms(group[i]->snapshot_failures, 500, 30000,
															 0.5, (uint32) random()));
			group[i]->next_snapshot = next;
		}
		ps_ingest_accounts_free(accs, cnt);
		return;
	}
	for (i = 0; i < (int) cnt; i++)
	{
		Sub		   *owner = s0;

		if (!program)
		{
			int			k;

			for (k = 0; k < n; k++)
				if (memcmp(group[k]->target, accs[i].pubkey, 32) == 0)
					owner = group[k];
		}
		add_account(&accs[i], slot, owner);
	}
	ps_ingest_accounts_free(accs, cnt);
	for (i = 0; i < n; i++)
	{
		group[i]->snapshot_due = false;
		group[i]->snapshot_failures = 0;
	}
}

/* fetch the state of every subscription whose snapshot is due */
static void
snapshots_due(MemoryContext cxt)
{
	static const char *const levels[] = {"processed", "confirmed", "finalized"};
	TimestampTz now = GetCurrentTimestamp();
	MemoryContext old;
	Sub		   *group[100];
	int			n;
	int			i,
				l;

	for (i = 0; i < nsubs; i++)
		if (subs[i].snapshot_due && now >= subs[i].next_snapshot)
			break;
	if (i == nsubs)
		return;
	old = MemoryContextSwitchTo(cxt);
	for (i = 0; i < nsubs; i++)
	{
		Sub		   *s = &subs[i];

		if (s->snapshot_due && now >= s->next_snapshot &&
			strcmp(s->kind, "program") == 0)
		{
			group[0] = s;
			snapshot_fetch(group, 1);
		}
	}
	/* account subscriptions: one getMultipleAccounts per commitment */
	for (l = 0; l < 3; l++)
	{
		n = 0;
		for (i = 0; i < nsubs && n < 100; i++)
		{
			Sub		   *s = &subs[i];

			if (s->snapshot_due && now >= s->next_snapshot &&
				strcmp(s->kind, "account") == 0 && strcmp(s->commitment, levels[l]) == 0)
				group[n++] = s;
		}
		if (n > 0)
			snapshot_fetch(group, n);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(cxt);
}

/* ---------------------------------------------------------------- */
/* the worker                                                        */

static void
ingest_detach(int code, Datum arg)
{
	if (ingest_shared && ingest_shared->pid == MyProcPid)
	{
		ingest_shared->latch = NULL;
		ingest_shared->pid = 0;
	}
	if (ws)
	{
		solana_ws_close(ws);
		ws = NULL;
	}
}

void
solana_ingest_main(Datum arg)
{
	MemoryContext reconcile_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(solana_database, NULL, 0);
	/* operators of solana.pubkey / solana.signature live in solana */
	SetConfigOption("search_path", "pg_catalog, solana", PGC_SUSET, PGC_S_OVERRIDE);
	ingest_tune_memory();

	ingest_shared->latch = MyLatch;
	ingest_shared->pid = MyProcPid;
	before_shmem_exit(ingest_detach, (Datum) 0);

	batch_cxt = AllocSetContextCreate(TopMemoryContext, "pg_solana ingest batch",
									  ALLOCSET_DEFAULT_SIZES);
	reconcile_cxt = AllocSetContextCreate(TopMemoryContext, "pg_solana ingest reconcile",
										  ALLOCSET_DEFAULT_SIZES);
	memset(&batch, 0, sizeof(batch));
	srandom((unsigned int) (MyProcPid ^ GetCurrentTimestamp()));

	for (;;)
	{
		uint64		gen = pg_atomic_read_u64(&ingest_shared->generation);
		pgsocket	sock = PGINVALID_SOCKET;
		uint32		sock_events = 0;
		long		timeout = 1000;
		TimestampTz now;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			batch_refused = false;	/* the node may have changed: try again */
			if (ws && ws_url_used && strcmp(ws_url_used, solana_ws_url) != 0)
			{
				ws_drop(NULL);
				ws_attempt = 0;
				ws_next_connect = 0;
			}
		}
		if (gen != seen_generation)
		{
			seen_generation = gen;
			if (load_subscriptions() && ws)
			{
				ws_drop(NULL);
				ws_attempt = 0;
				ws_next_connect = 0;
			}
		}

		if (ws == NULL && nsubs > 0)
			ws_connect();
		ws_pump();
		snapshots_due(reconcile_cxt);
		reconcile_due(reconcile_cxt);

		now = GetCurrentTimestamp();
		if (batch_items() >= ingest_batch_size ||
			(batch_items() > 0 &&
			 now >= TimestampTzPlusMilliseconds(batch.first_at, ingest_flush_ms)))
			write_batch();

		/* how long to sleep: the flush deadline, a reconnect, a reconcile */
		if (batch_items() > 0)
		{
			long		ms = (TimestampTzPlusMilliseconds(batch.first_at, ingest_flush_ms) - now) / 1000;

			timeout = Max(0, Min(timeout, ms));
		}
		if (ws == NULL && nsubs > 0)
			timeout = Max(0, Min(timeout, (long) ((ws_next_connect - now) / 1000)));
		if (ws)
			sock = solana_ws_socket(ws, &sock_events);

		/*
		 * While connecting, the socket may not be known or may wait to
		 * become writable (the connect, the upgrade request), which the
		 * wait does not watch: check back every 20 ms, not every second.
		 */
		if (ws && solana_ws_get_state(ws) == SOLANA_WS_CONNECTING)
			timeout = Min(timeout, 20);
		if (nsubs == 0 && batch_items() == 0)
			timeout = 10000;

		(void) WaitLatchOrSocket(MyLatch,
								 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH |
								 (sock != PGINVALID_SOCKET ? sock_events : 0),
								 sock, timeout, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* ---------------------------------------------------------------- */
/* solana.refresh_commitment()                                       */

static void
rpc_one_or_raise(RpcCall *c, const char *what)
{
	rpc_run(c, 1);
	if (c->resp == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("%s at \"%s\" failed: %s", what, solana_rpc_url, c->err)));
}

/*
 * solana.refresh_commitment(max_transactions) asks the node for the
 * status of ingested transactions not yet finalized: those it reports
 * finalized are promoted (in solana.transactions_seen and
 * solana.events); those it no longer knows although their slot is
 * below its finalized slot were on a skipped or dead fork, and are
 * marked commitment 'dead' with one NOTIFY solana_events
 * {"dead": signature, "slot": n} each; those it reports at another
 * slot landed again after a fork: their events at the old slot are
 * marked dead (and announced) and the transaction moves to the new
 * slot.  Meant for pg_cron.
 */
PG_FUNCTION_INFO_V1(solana_refresh_commitment);
Datum
solana_refresh_commitment(PG_FUNCTION_ARGS)
{
	int32		max_tx = PG_ARGISNULL(0) ? 10000 : PG_GETARG_INT32(0);
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	MemoryContext cxt = CurrentMemoryContext;
	uint8		(*sigs)[64] = NULL;
	int64	   *slots = NULL;
	int			n = 0;
	int64		n_final = 0,
				n_dead = 0;
	uint64		finalized_slot = 0;
	RpcCall		call;
	ps_rpc_response_t resp;
	Datum		arg;
	Oid			argtype = INT4OID;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (max_tx < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_transactions must be positive, not %d", max_tx)));

	SPI_connect();
	arg = Int32GetDatum(max_tx);
	if (SPI_execute_with_args("SELECT solana.bytea(signature), slot FROM solana.transactions_seen"
							  " WHERE commitment NOT IN ('finalized', 'dead') ORDER BY slot LIMIT $1",
							  1, &argtype, &arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_solana: could not read solana.transactions_seen");
	n = (int) SPI_processed;
	if (n > 0)
	{
		sigs = MemoryContextAlloc(cxt, sizeof(*sigs) * n);
		slots = MemoryContextAlloc(cxt, sizeof(int64) * n);
		for (i = 0; i < n; i++)
		{
			bool		isnull;

			memcpy(sigs[i], VARDATA_ANY(DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[i],
																	   SPI_tuptable->tupdesc, 1, &isnull))), 64);
			slots[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		}
	}

	if (n > 0)
	{
		memset(&call, 0, sizeof(call));
		call.body = pstrdup("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getSlot\",\"params\":[{\"commitment\":\"finalized\"}]}");
		rpc_one_or_raise(&call, "getSlot");
		if (ps_rpc_parse_response(call.resp, call.resp_len, &resp) != PS_OK ||
			resp.kind != PS_RPC_RESULT ||
			sscanf(call.resp + resp.result_off, "%lu", &finalized_slot) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
					 errmsg("getSlot at \"%s\" gave no slot", solana_rpc_url),
					 errdetail("The answer was: %.200s", call.resp)));
	}

	for (i = 0; i < n; i += 256)
	{
		int			cnt = Min(256, n - i);
		ps_ingest_status_t *st = palloc(sizeof(ps_ingest_status_t) * cnt);
		Datum	   *fin = palloc(sizeof(Datum) * cnt);
		Datum	   *dead = palloc(sizeof(Datum) * cnt);
		Datum	   *moved = palloc(sizeof(Datum) * cnt);
		Datum	   *moved_slot = palloc(sizeof(Datum) * cnt);
		int			nfin = 0,
					ndead = 0,
					nmoved = 0;
		ps_buf_t	b;
		char		err[256];
		int			rc;
		int			k;

		ps_buf_init(&b, NULL, NULL);
		ps_ingest_build_get_statuses(&b, 2, (const uint8_t (*)[64]) (sigs + i), cnt);
		memset(&call, 0, sizeof(call));
		call.body = pstrdup(b.data);
		ps_buf_free(&b);
		rpc_one_or_raise(&call, "getSignatureStatuses");
		rc = ps_ingest_parse_statuses(call.resp, call.resp_len, st, cnt, err, sizeof(err));
		if (rc != PS_OK)
			ereport(ERROR,
					(errcode(rc == PS_ERR_SYNTAX ? ERRCODE_EXTERNAL_ROUTINE_EXCEPTION : solana_sqlstate(rc)),
					 errmsg("getSignatureStatuses at \"%s\" failed: %s", solana_rpc_url, err)));
		for (k = 0; k < cnt; k++)
		{
			if (st[k].found && st[k].slot != (uint64) slots[i + k] &&
				st[k].slot <= (uint64) PG_INT64_MAX)
			{
				/* landed again in another slot: the copy we have is dead */
				moved[nmoved] = PointerGetDatum(to_bytea(sigs[i + k], 64));
				moved_slot[nmoved++] = Int64GetDatum((int64) st[k].slot);
			}
			if (st[k].found && st[k].commitment == PS_INGEST_FINALIZED)
				fin[nfin++] = PointerGetDatum(to_bytea(sigs[i + k], 64));
			else if (!st[k].found && (uint64) slots[i + k] < finalized_slot)
				dead[ndead++] = PointerGetDatum(to_bytea(sigs[i + k], 64));
		}
		if (nmoved > 0)
		{
			Datum		a[2];
			Oid			t[2] = {BYTEAARRAYOID, INT8ARRAYOID};

			/*
			 * Its events at the old slot are dead (announced like those of
			 * a skipped slot); the transaction moves to its new slot,
			 * incomplete, so reconciliation fetches its events there
			 * unless the live copy brought them already.
			 */
			a[0] = PointerGetDatum(make_array(moved, NULL, nmoved, BYTEAOID));
			a[1] = PointerGetDatum(make_array(moved_slot, NULL, nmoved, INT8OID));
			SPI_execute_with_args("WITH m AS (SELECT solana.signature(u.x) AS sig, u.y AS slot"
								  "   FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(x, y)),"
								  " o AS (SELECT t.signature, t.slot FROM solana.transactions_seen t"
								  "   JOIN m ON t.signature = m.sig),"
								  " t AS (UPDATE solana.transactions_seen t SET slot = m.slot, complete = false"
								  "   FROM m WHERE t.signature = m.sig),"
								  " e AS (UPDATE solana.events e SET commitment = 'dead' FROM o"
								  "   WHERE e.signature = o.signature AND e.slot = o.slot)"
								  " SELECT pg_catalog.pg_notify('solana_events', pg_catalog.json_build_object("
								  "   'dead', o.signature::text, 'slot', o.slot)::text) FROM o",
								  2, t, a, NULL, false, 0);
			n_dead += nmoved;
		}
		if (nfin > 0)
		{
			Datum		a = PointerGetDatum(make_array(fin, NULL, nfin, BYTEAOID));
			Oid			t = BYTEAARRAYOID;

			SPI_execute_with_args("WITH s AS (SELECT solana.signature(x) AS sig FROM pg_catalog.unnest($1) x),"
								  " t AS (UPDATE solana.transactions_seen t SET commitment = 'finalized'"
								  "   FROM s WHERE t.signature = s.sig RETURNING t.signature, t.slot)"
								  " UPDATE solana.events e SET commitment = 'finalized' FROM t"
								  " WHERE e.signature = t.signature AND e.slot = t.slot",
								  1, &t, &a, NULL, false, 0);
			n_final += nfin;
		}
		if (ndead > 0)
		{
			Datum		a = PointerGetDatum(make_array(dead, NULL, ndead, BYTEAOID));
			Oid			t = BYTEAARRAYOID;

			SPI_execute_with_args("WITH s AS (SELECT solana.signature(x) AS sig FROM pg_catalog.unnest($1) x),"
								  " t AS (UPDATE solana.transactions_seen t SET commitment = 'dead'"
								  "   FROM s WHERE t.signature = s.sig RETURNING t.signature, t.slot),"
								  " e AS (UPDATE solana.events e SET commitment = 'dead' FROM t"
								  "   WHERE e.signature = t.signature AND e.slot = t.slot)"
								  " SELECT pg_catalog.pg_notify('solana_events', pg_catalog.json_build_object("
								  "   'dead', t.signature::text, 'slot', t.slot)::text) FROM t",
								  1, &t, &a, NULL, false, 0);
			n_dead += ndead;
		}
	}
	SPI_finish();

	values[0] = Int64GetDatum(n_final);
	values[1] = Int64GetDatum(n_dead);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
