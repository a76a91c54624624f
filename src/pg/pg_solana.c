/*
 * pg_solana.c
 *	  Module entry: GUCs, preload detection, the core-to-SQL error map.
 *
 * _PG_init always defines the solana.* settings and reserves the prefix,
 * so that types and pure functions work without preloading.  Workers and
 * shared memory exist only when the library is in
 * shared_preload_libraries; functions that need them call
 * solana_require_preload.
 */
#include "pg_solana.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include <sodium.h>

#include "ps_error.h"
#include "worker_common.h"
#include "webhooks.h"

PG_MODULE_MAGIC;

char	   *solana_rpc_url = NULL;
char	   *solana_ws_url = NULL;
char	   *solana_database = NULL;
char	   *solana_commitment = NULL;
char	   *solana_keypair_path = NULL;
bool		solana_preloaded = false;

void		_PG_init(void);
extern void solana_ingest_init(void);	/* ingest.c */
extern void solana_txn_send_init(void); /* txn_send.c */
extern void solana_webhook_limits_init(void);	/* webhook_limits.c */

static bool
check_commitment(char **newval, void **extra, GucSource source)
{
	if (strcmp(*newval, "processed") == 0 ||
		strcmp(*newval, "confirmed") == 0 ||
		strcmp(*newval, "finalized") == 0)
		return true;
	GUC_check_errdetail("Valid values are \"processed\", \"confirmed\" and \"finalized\".");
	return false;
}

void
_PG_init(void)
{
	if (sodium_init() < 0)
		elog(ERROR, "pg_solana: libsodium failed to initialise");

	solana_preloaded = process_shared_preload_libraries_in_progress;

	DefineCustomStringVariable("solana.rpc_url",
							   "Solana JSON-RPC endpoint (HTTP).",
							   NULL,
							   &solana_rpc_url,
							   "http://127.0.0.1:8899",
							   PGC_SIGHUP, 0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("solana.ws_url",
							   "Solana pubsub endpoint (WebSocket).",
							   NULL,
							   &solana_ws_url,
							   "ws://127.0.0.1:8900",
							   PGC_SIGHUP, 0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("solana.database",
							   "Database the background workers connect to.",
							   NULL,
							   &solana_database,
							   "postgres",
							   /* PGC_POSTMASTER after startup is FATAL */
							   solana_preloaded ? PGC_POSTMASTER : PGC_SIGHUP, 0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("solana.commitment",
							   "Commitment level for subscriptions and RPC reads.",
							   "One of processed, confirmed, finalized.",
							   &solana_commitment,
							   "confirmed",
							   PGC_USERSET, 0,
							   check_commitment, NULL, NULL);
	DefineCustomStringVariable("solana.keypair_path",
							   "Solana CLI keypair file used as the default signer.",
							   "The file must not be readable by group or others.",
							   &solana_keypair_path,
							   "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	solana_webhooks_init_gucs();
	solana_webhook_limits_init();	/* webhook_limits.c */

	solana_worker_init();

	solana_ingest_init();

	solana_txn_send_init();		/* txn_send.c */

	MarkGUCPrefixReserved("solana");
}

int
solana_sqlstate(int rc)
{
	switch (ps_error_class(rc))
	{
		case PS_CLASS_TEXT:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case PS_CLASS_LENGTH:
			return ERRCODE_STRING_DATA_LENGTH_MISMATCH;
		case PS_CLASS_BINARY:
			return ERRCODE_INVALID_BINARY_REPRESENTATION;
		case PS_CLASS_RANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case PS_CLASS_ARGUMENT:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case PS_CLASS_UNSUPPORTED:
			return ERRCODE_FEATURE_NOT_SUPPORTED;
		case PS_CLASS_LIMIT:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case PS_CLASS_RESOURCE:
			return ERRCODE_OUT_OF_MEMORY;
		case PS_CLASS_OK:
		case PS_CLASS_INTERNAL:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void
solana_raise_core(int rc, const char *msg, const char *detail_opt)
{
	ereport(ERROR,
			(errcode(solana_sqlstate(rc)),
			 errmsg("%s", msg),
			 detail_opt ? errdetail("%s", detail_opt) : 0));
	pg_unreachable();
}

void
solana_require_preload(const char *what)
{
	if (!solana_preloaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s requires pg_solana to be preloaded", what),
				 errhint("Add pg_solana to shared_preload_libraries and restart the server.")));
}

TupleDesc
solana_result_desc(FunctionCallInfo fcinfo)
{
	TupleDesc	desc = (TupleDesc) fcinfo->flinfo->fn_extra;

	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = desc;
	}
	return desc;
}
