/*
 * queue.c
 *	  C helpers of the job queue (sql/install/30_queue.sql).
 *
 * solana._valid_job_state is the CHECK of solana.jobs.state.  Written in
 * SQL (state IN ('queued', ...)) the check was stored as an array
 * constant whose node text the executor parses and plans again at the
 * start of every statement that writes the table (ExecRelCheck): about
 * a tenth of a claim-and-complete's server CPU.  A call of this
 * function is a few tokens to parse and a handful of comparisons.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

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
