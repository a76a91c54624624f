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
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

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
