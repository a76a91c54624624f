/*
 * queue.c
 *	  The job queue's C (sql/install/30_queue.sql): the worker's hot path
 *	  (solana.claim, complete_batch, complete_and_claim), the enqueue
 *	  trigger and the CHECK of the job state.
 *
 * solana._valid_job_state is the CHECK of solana.jobs.state.  Written in
 * SQL (state IN ('queued', ...)) the check was stored as an array
 * constant whose node text the executor parses and plans again at the
 * start of every statement that writes the table (ExecRelCheck; ~4% of
 * a claim-and-complete's server CPU in perf).  A call of this function
 * is a few tokens to parse and a handful of comparisons.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/tupconvert.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

#include "pg_solana.h"

PG_FUNCTION_INFO_V1(solana_valid_job_state);

/* the states of solana.jobs.state (docs/queue.md, States) */
static const char *const job_states[] = {
	"queued", "running", "succeeded", "failed", "dead", "cancelled", NULL
};

Datum
solana_valid_job_state(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	size_t		len = VARSIZE_ANY_EXHDR(t);

	for (int i = 0; job_states[i] != NULL; i++)
	{
		if (strlen(job_states[i]) == len && memcmp(job_states[i], s, len) == 0)
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}

/*
 * Whether a running job of the queue has a lease past now(): one probe
 * of jobs_running_idx (queue, lease_expires_at) WHERE state = 'running'.
 * solana.claim asks it first and runs solana._reap (a statement of its
 * own) only when the answer is yes: a probe written in SQL cost as much
 * as the reap CTEs it replaced in the claim statement (~4% of a batch
 * job, with nothing to reap).  The caller needs SELECT on solana.jobs
 * (42501 otherwise).
 */
static bool
expired_leases(text *queue)
{
	Oid			nsp = get_namespace_oid("solana", false);
	Oid			jobs_oid = get_relname_relid("jobs", nsp);
	Oid			idx_oid = get_relname_relid("jobs_running_idx", nsp);
	Relation	jobs;
	Relation	idx;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData keys[2];
	AclResult	acl;
	bool		found = false;

	if (!OidIsValid(jobs_oid) || !OidIsValid(idx_oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("solana.jobs or its index jobs_running_idx does not exist"),
				 errhint("Reinstall or update the pg_solana extension.")));
	acl = pg_class_aclcheck(jobs_oid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, "jobs");

	jobs = table_open(jobs_oid, AccessShareLock);
	idx = index_open(idx_oid, AccessShareLock);
	ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid,
						   idx->rd_indcollation[0], F_TEXTEQ,
						   PointerGetDatum(queue));
	ScanKeyEntryInitialize(&keys[1], 0, 2, BTLessStrategyNumber, InvalidOid,
						   idx->rd_indcollation[1], F_TIMESTAMPTZ_LT,
						   TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()));
	slot = table_slot_create(jobs, NULL);
	scan = index_beginscan(jobs, idx, GetActiveSnapshot(), 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(jobs, AccessShareLock);
	return found;
}

/*
 * The worker's hot path: solana.claim, solana.complete_batch and
 * solana.complete_and_claim run the statements below, each prepared
 * once per backend as a generic plan (a custom plan per call cost more
 * than the claim itself) and kept.  As PL/pgSQL functions running the
 * same statements, a batch-10 job (claim, then complete_batch) cost
 * 45.3 us of server CPU, against 41.8 us now (docs/benchmarks.md,
 * queue, session 8): the function frames, the aggregates that counted
 * the rows and built the queue lists, the simple expressions prepared
 * again in every transaction.  Each statement is written once here;
 * the rare paths stay in PL/pgSQL (solana._claim_limited for rate- or
 * concurrency-limited queues, solana._complete_results for completions
 * with results,
 * solana._reap for expired leases).  Everything is schema-qualified,
 * as in the rest of the queue's SQL.
 */
typedef struct QueueStmt
{
	const char *sql;
	int			nargs;
	Oid			argtypes[5];
	SPIPlanPtr	plan;			/* kept (SPI_keepplan) once prepared */
} QueueStmt;

/* the common claim: no limits, no pause; $1 queue, $2 kinds, $3 n, $4 lease, $5 worker */
static QueueStmt claim_stmt = {
	"WITH picked AS ("
	"    SELECT j.id FROM solana.jobs j"
	"     WHERE j.queue = $1 AND j.state = 'queued'"
	"       AND j.run_at <= pg_catalog.now()"
	"       AND ($2 IS NULL OR j.kind = ANY ($2))"
	"       AND NOT EXISTS (SELECT 1 FROM solana.queues qq"
	"                        WHERE qq.name = $1"
	"                          AND (qq.paused OR qq.rate_limit IS NOT NULL"
	"                               OR qq.concurrency <> '{}'))"
	"     ORDER BY j.priority DESC, j.run_at, j.id"
	"     LIMIT $3"
	"       FOR UPDATE SKIP LOCKED),"
	" claimed AS ("
	"    UPDATE solana.jobs j"
	"       SET state = 'running', attempts = j.attempts + 1,"
	"           lease_owner = $5,"
	"           lease_expires_at = pg_catalog.now() + $4,"
	"           started_at = pg_catalog.now()"
	"     WHERE j.id = ANY (ARRAY(SELECT picked.id FROM picked))"
	"    RETURNING j.*)"
	" SELECT * FROM claimed c ORDER BY c.priority DESC, c.run_at, c.id",
	5, {TEXTOID, TEXTARRAYOID, INT4OID, INTERVALOID, TEXTOID}
};

/* whether the claim above skipped the queue for its limits (not paused) */
static QueueStmt queue_limited_stmt = {
	"SELECT NOT qq.paused AND (qq.rate_limit IS NOT NULL OR qq.concurrency <> '{}')"
	"  FROM solana.queues qq WHERE qq.name = $1",
	1, {TEXTOID}
};

static QueueStmt claim_limited_stmt = {
	"SELECT * FROM solana._claim_limited($1, $2, $3, $4, $5)",
	5, {TEXTOID, TEXTARRAYOID, INT4OID, INTERVALOID, TEXTOID}
};

static QueueStmt reap_stmt = {
	"SELECT solana._reap($1)", 1, {TEXTOID}
};

/*
 * the queues whose finished jobs are deleted (keep_succeeded = 0), and
 * those that do not notify: rows, made into the two text[] here (an
 * aggregate's executor start-up cost more than the scan)
 */
static QueueStmt queue_lists_stmt = {
	"SELECT q.name, q.keep_succeeded = 0, q.notify IS FALSE"
	"  FROM solana.queues q WHERE q.keep_succeeded = 0 OR q.notify IS FALSE",
	0, {InvalidOid}
};

/*
 * completion by delete (keep_succeeded = 0): $1 ids, $2 worker, $3 those
 * queues, $4 quiet queues; the job-webhooks' solana._webhook_jobs_deleted
 * gets the deleted rows when the trigger webhooks_job is enabled
 */
static QueueStmt delete_done_stmt = {
	"WITH gone AS ("
	"    DELETE FROM solana.jobs j"
	"     WHERE j.id = ANY ($1) AND j.state = 'running'"
	"       AND ($2 IS NULL OR j.lease_owner = $2)"
	"       AND (j.queue = ANY ($3)) IS TRUE"
	"    RETURNING j AS job,"
	"              solana._job_notify('succeeded', j.queue, j.id, j.kind, $4)),"
	" hooks AS ("
	"    SELECT pg_catalog.array_agg(g.job) AS jobs"
	"      FROM gone g"
	"     WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t"
	"                    WHERE t.tgrelid = 'solana.jobs'::pg_catalog.regclass"
	"                      AND t.tgname = 'webhooks_job' AND t.tgenabled <> 'D'))"
	" SELECT pg_catalog.count(*)::integer,"
	"        (SELECT solana._webhook_jobs_deleted(h.jobs, NULL) IS NULL"
	"           FROM hooks h WHERE h.jobs IS NOT NULL)"
	"   FROM gone g",
	4, {INT8ARRAYOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID}
};

/*
 * completion by update, the other queues: same parameters; one row per
 * job (the rows are counted, not aggregated: see queue_lists_stmt)
 */
static QueueStmt update_done_stmt = {
	"UPDATE solana.jobs j"
	"   SET state = 'succeeded', result = NULL,"
	"       finished_at = pg_catalog.now(), lease_expires_at = NULL"
	" WHERE j.id = ANY ($1) AND j.state = 'running'"
	"   AND ($2 IS NULL OR j.lease_owner = $2)"
	"   AND j.queue <> ALL ($3)"
	" RETURNING solana._job_notify('succeeded', j.queue, j.id, j.kind, $4)",
	4, {INT8ARRAYOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID}
};

/* completion with results, paired with the ids */
static QueueStmt complete_results_stmt = {
	"SELECT solana._complete_results($1, $2, $3)",
	3, {INT8ARRAYOID, JSONBARRAYOID, TEXTOID}
};

/* run stmt (within SPI_connect) with values[i], isnull[i]; SPI_tuptable holds the rows */
static void
run_stmt(QueueStmt *stmt, const Datum *values, const bool *isnull)
{
	char		nulls[lengthof(stmt->argtypes)];
	int			rc;

	Assert(stmt->nargs <= lengthof(nulls));
	if (stmt->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(stmt->sql, stmt->nargs,
											  stmt->argtypes,
											  CURSOR_OPT_GENERIC_PLAN);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare_cursor failed for \"%s\": %s",
				 stmt->sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		stmt->plan = plan;
	}
	for (int i = 0; i < stmt->nargs; i++)
		nulls[i] = isnull[i] ? 'n' : ' ';
	rc = SPI_execute_plan(stmt->plan, (Datum *) values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed (%s) for \"%s\"",
			 SPI_result_code_string(rc), stmt->sql);
}

/* column col of the first row of the last statement; NULL without a row */
static Datum
first_value(int col, bool *isnull)
{
	if (SPI_processed == 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, isnull);
}

/* the int4 in column col of the first row of the last statement; 0 when NULL */
static int32
first_int(int col)
{
	bool		isnull;
	Datum		d = first_value(col, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

/* how many elements an array has */
static int
array_items(Datum d)
{
	ArrayType  *a = DatumGetArrayTypeP(d);

	return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
}

/* the arguments of a claim: the SQL functions' (queue, kinds, n, lease, worker) */
typedef struct ClaimArgs
{
	Datum		values[5];
	bool		isnull[5];
} ClaimArgs;

/* the errors solana.claim gives for a bad n or lease */
static void
check_claim_args(const ClaimArgs *a)
{
	Interval	zero = {0};

	if (a->isnull[2] || DatumGetInt32(a->values[2]) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid claim count: %s",
						a->isnull[2] ? "NULL" :
						DatumGetCString(DirectFunctionCall1(int4out, a->values[2]))),
				 errdetail("n is the number of jobs to claim, at least 1.")));
	if (a->isnull[3] ||
		DatumGetBool(DirectFunctionCall2(interval_le, a->values[3],
										 IntervalPGetDatum(&zero))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid lease: \"%s\"",
						a->isnull[3] ? "NULL" :
						DatumGetCString(DirectFunctionCall1(interval_out, a->values[3]))),
				 errdetail("A lease is a positive interval.")));
}

/* copy the rows of the last statement into the function's result set */
static void
return_rows(ReturnSetInfo *rsinfo)
{
	TupleConversionMap *map;

	if (SPI_processed == 0)
		return;
	map = convert_tuples_by_name(SPI_tuptable->tupdesc, rsinfo->setDesc);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];

		if (map != NULL)
			t = execute_attr_map_tuple(t, map);
		tuplestore_puttuple(rsinfo->setResult, t);
	}
}

/*
 * Claim (within SPI_connect): expired leases of the queue go back first,
 * claimable by this very call; then the common case is one statement;
 * a queue it skipped for its limits (a paused one gets nothing) goes to
 * solana._claim_limited.
 */
static void
claim(const ClaimArgs *a, ReturnSetInfo *rsinfo)
{
	Datum		limited;
	bool		isnull;

	if (a->isnull[0])
		return;					/* no queue has a NULL name */
	if (expired_leases(DatumGetTextPP(a->values[0])))
		run_stmt(&reap_stmt, a->values, a->isnull);
	run_stmt(&claim_stmt, a->values, a->isnull);
	if (SPI_processed > 0)
	{
		return_rows(rsinfo);
		return;
	}
	run_stmt(&queue_limited_stmt, a->values, a->isnull);
	limited = first_value(1, &isnull);
	if (isnull || !DatumGetBool(limited))
		return;					/* no such queue, paused, or no limits */
	run_stmt(&claim_limited_stmt, a->values, a->isnull);
	return_rows(rsinfo);
}

/*
 * Complete the running jobs ids (held by worker unless it is NULL), with
 * no results (within SPI_connect): jobs of queues with keep_succeeded = 0
 * are deleted, the others become succeeded; each finished job is
 * announced on solana_jobs unless its queue's notify is off.  Returns
 * how many jobs were completed.
 */
static int32
complete_no_results(Datum ids, Datum worker, bool worker_null)
{
	Datum		args[4];
	bool		nulls[4] = {false, worker_null, false, false};
	int32		cnt = 0;
	ArrayBuildState *drop = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ArrayBuildState *quiet = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	bool		any_drop = false;

	run_stmt(&queue_lists_stmt, NULL, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		name = SPI_getbinval(t, d, 1, &isnull);
		Datum		flag;

		flag = SPI_getbinval(t, d, 2, &isnull);
		if (!isnull && DatumGetBool(flag))
		{
			accumArrayResult(drop, name, false, TEXTOID, CurrentMemoryContext);
			any_drop = true;
		}
		flag = SPI_getbinval(t, d, 3, &isnull);
		if (!isnull && DatumGetBool(flag))
			accumArrayResult(quiet, name, false, TEXTOID, CurrentMemoryContext);
	}
	args[0] = ids;
	args[1] = worker;
	args[2] = makeArrayResult(drop, CurrentMemoryContext);
	args[3] = makeArrayResult(quiet, CurrentMemoryContext);
	if (any_drop)
	{
		run_stmt(&delete_done_stmt, args, nulls);
		cnt = first_int(1);
		if (cnt >= array_items(ids))
			return cnt;
	}
	run_stmt(&update_done_stmt, args, nulls);
	return cnt + (int32) SPI_processed;
}

/* ids and results of a completion with results: the PL/pgSQL path */
static int32
complete_with_results(Datum ids, Datum results, Datum worker, bool worker_null)
{
	Datum		args[3] = {ids, results, worker};
	bool		nulls[3] = {false, false, worker_null};

	run_stmt(&complete_results_stmt, args, nulls);
	return first_int(1);
}

/*
 * solana.claim(queue, kinds, n, lease, worker) RETURNS SETOF solana.jobs
 */
PG_FUNCTION_INFO_V1(solana_claim);

Datum
solana_claim(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ClaimArgs	a;

	for (int i = 0; i < 5; i++)
	{
		a.isnull[i] = PG_ARGISNULL(i);
		a.values[i] = a.isnull[i] ? (Datum) 0 : PG_GETARG_DATUM(i);
	}
	check_claim_args(&a);
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	claim(&a, rsinfo);
	SPI_finish();
	return (Datum) 0;
}

/*
 * solana.complete_batch(ids, results, worker) RETURNS integer
 */
PG_FUNCTION_INFO_V1(solana_complete_batch);

Datum
solana_complete_batch(PG_FUNCTION_ARGS)
{
	int32		cnt;

	/* no job to complete (a results array is still checked against ids) */
	if (PG_ARGISNULL(0) || (PG_ARGISNULL(1) && array_items(PG_GETARG_DATUM(0)) == 0))
		PG_RETURN_INT32(0);
	SPI_connect();
	if (!PG_ARGISNULL(1))
		cnt = complete_with_results(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1),
									PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2),
									PG_ARGISNULL(2));
	else
		cnt = complete_no_results(PG_GETARG_DATUM(0),
								  PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2),
								  PG_ARGISNULL(2));
	SPI_finish();
	PG_RETURN_INT32(cnt);
}

/*
 * solana.complete_and_claim(queue, done, results, kinds, n, lease, worker)
 * RETURNS SETOF solana.jobs: a worker loop's one round trip per turn
 */
PG_FUNCTION_INFO_V1(solana_complete_and_claim);

Datum
solana_complete_and_claim(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ClaimArgs	a;
	static const int claim_arg[5] = {0, 3, 4, 5, 6};
	bool		worker_null = PG_ARGISNULL(6);
	Datum		worker = worker_null ? (Datum) 0 : PG_GETARG_DATUM(6);

	for (int i = 0; i < 5; i++)
	{
		a.isnull[i] = PG_ARGISNULL(claim_arg[i]);
		a.values[i] = a.isnull[i] ? (Datum) 0 : PG_GETARG_DATUM(claim_arg[i]);
	}
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	if (!PG_ARGISNULL(1) && array_items(PG_GETARG_DATUM(1)) > 0)
	{
		if (!PG_ARGISNULL(2))
			complete_with_results(PG_GETARG_DATUM(1), PG_GETARG_DATUM(2),
								  worker, worker_null);
		else
			complete_no_results(PG_GETARG_DATUM(1), worker, worker_null);
	}
	check_claim_args(&a);
	claim(&a, rsinfo);
	SPI_finish();
	return (Datum) 0;
}

/*
 * solana._jobs_enqueued() is the statement-level AFTER INSERT trigger of
 * solana.jobs (transition table new_jobs): one NOTIFY solana_jobs
 * {"op" : "enqueued", "queue" : q} per queue with new queued jobs (the
 * text json_build_object gives; PostgreSQL folds the identical payloads
 * of one transaction, so listeners get one message per transaction and
 * queue, at commit) and, when a queued job is of a kind the dispatchers
 * run (http, rpc, ...), their wake-up at commit: waking them for the
 * applications' kinds would cost every enqueue a dispatcher turn for
 * nothing (docs/benchmarks.md, queue, session 7).  Every
 * enqueue runs it: written in PL/pgSQL (a SECURITY DEFINER frame and a
 * query of the transition table) it was a third of a single enqueue's
 * server CPU (docs/benchmarks.md, queue, session 6).  It reads only the
 * transition table, so it needs no privilege.
 */
PG_FUNCTION_INFO_V1(solana_jobs_enqueued);

static bool
text_same(const text *a, const text *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* qsort order of text pointers: byte order (the C collation) */
static int
text_order(const void *a, const void *b)
{
	const text *x = *(text *const *) a;
	const text *y = *(text *const *) b;

	return varstr_cmp(VARDATA_ANY(x), VARSIZE_ANY_EXHDR(x),
					  VARDATA_ANY(y), VARSIZE_ANY_EXHDR(y), C_COLLATION_OID);
}

Datum
solana_jobs_enqueued(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	Tuplestorestate *rows;
	TupleTableSlot *slot;
	int			queue_att;
	int			state_att;
	int			kind_att;
	bool		wake = false;
	int			readptr;
	text	  **queues;
	int			nqueues = 0;
	int			cap = 8;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		trigdata->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("solana._jobs_enqueued() must be an AFTER INSERT FOR EACH STATEMENT trigger with REFERENCING NEW TABLE")));

	desc = RelationGetDescr(trigdata->tg_relation);
	queue_att = SPI_fnumber(desc, "queue");
	state_att = SPI_fnumber(desc, "state");
	kind_att = SPI_fnumber(desc, "kind");
	if (queue_att <= 0 || state_att <= 0 || kind_att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("solana._jobs_enqueued(): table \"%s\" has no queue, state or kind column",
						RelationGetRelationName(trigdata->tg_relation))));

	/*
	 * The queues of the queued rows, a run of one queue kept once (an
	 * enqueue_batch), then sorted and made unique: each queue once, in
	 * name order, in O(n log n) whatever the statement inserted.  A read
	 * pointer of our own: other triggers read the same rows.
	 */
	queues = palloc(cap * sizeof(text *));
	rows = trigdata->tg_newtable;
	readptr = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(rows, readptr);
	tuplestore_rescan(rows);
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, state_att, &isnull);
		text	   *t;

		if (isnull)
			continue;
		t = DatumGetTextPP(d);
		if (VARSIZE_ANY_EXHDR(t) != 6 || memcmp(VARDATA_ANY(t), "queued", 6) != 0)
			continue;
		if (!wake)
		{
			d = slot_getattr(slot, kind_att, &isnull);
			if (!isnull)
			{
				t = DatumGetTextPP(d);
				wake = solana_job_kind_builtin(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
		}
		d = slot_getattr(slot, queue_att, &isnull);
		if (isnull)
			continue;
		t = DatumGetTextPP(d);
		if (nqueues > 0 && text_same(queues[nqueues - 1], t))
			continue;
		if (nqueues == cap)
		{
			cap *= 2;
			queues = repalloc(queues, cap * sizeof(text *));
		}
		queues[nqueues++] = DatumGetTextPCopy(d);
	}
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_select_read_pointer(rows, 0);

	if (nqueues == 0)
		return PointerGetDatum(NULL);
	if (nqueues > 1)
	{
		int			kept = 1;

		qsort(queues, nqueues, sizeof(text *), text_order);
		for (int i = 1; i < nqueues; i++)
			if (!text_same(queues[kept - 1], queues[i]))
				queues[kept++] = queues[i];
		nqueues = kept;
	}
	for (int i = 0; i < nqueues; i++)
	{
		StringInfoData payload;

		initStringInfo(&payload);
		appendStringInfoString(&payload, "{\"op\" : \"enqueued\", \"queue\" : ");
		escape_json(&payload, text_to_cstring(queues[i]));
		appendStringInfoChar(&payload, '}');
		Async_Notify("solana_jobs", payload.data);
	}
	if (wake)
		solana_wake_dispatchers_at_commit();
	return PointerGetDatum(NULL);
}
