/*
 * queue.c
 *	  C helpers of the job queue (sql/install/30_queue.sql).
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
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
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
 * solana._expired_leases(queue) is whether a running job of the queue
 * has a lease past now(): one probe of jobs_running_idx (queue,
 * lease_expires_at) WHERE state = 'running'.  solana.claim asks it first
 * and runs solana._reap (a statement of its own) only when the answer is
 * yes.  Called from a PL/pgSQL IF it is a simple expression, with no
 * executor start-up: a probe written in SQL cost as much as the reap
 * CTEs it replaced in the claim statement (~4% of a batch job, with
 * nothing to reap).  The caller needs SELECT on solana.jobs (42501
 * otherwise).
 */
PG_FUNCTION_INFO_V1(solana_expired_leases);

Datum
solana_expired_leases(PG_FUNCTION_ARGS)
{
	text	   *queue = PG_GETARG_TEXT_PP(0);
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
	PG_RETURN_BOOL(found);
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
