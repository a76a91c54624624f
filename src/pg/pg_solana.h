/*
 * pg_solana.h
 *	  Declarations shared by the PostgreSQL glue (src/pg).
 */
#ifndef PG_SOLANA_H
#define PG_SOLANA_H

#include "postgres.h"
#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/array.h"

#define SOLANA_PUBKEY_SZ	32
#define SOLANA_SIGNATURE_SZ	64

/* GUC values (pg_solana.c) */
extern char *solana_rpc_url;
extern char *solana_ws_url;
extern char *solana_database;
extern char *solana_commitment;
extern char *solana_keypair_path;

/* true when loaded through shared_preload_libraries */
extern bool solana_preloaded;

/*
 * solana_sqlstate returns the SQLSTATE the glue raises for core status
 * `rc` (see docs/errors.md).
 */
extern int	solana_sqlstate(int rc);

/*
 * solana_raise_core raises ERROR for core status `rc` with the primary
 * message `msg` and, when given, a detail sentence.  Never returns.
 */
extern void solana_raise_core(int rc, const char *msg, const char *detail_opt)
			pg_attribute_noreturn();

/*
 * solana_require_preload raises 55000 with the preload hint unless the
 * library was preloaded; `what` names the function that needs it.
 */
extern void solana_require_preload(const char *what);

/*
 * solana_result_desc returns the blessed row type of the calling
 * function, built once per call site and kept in fn_extra (fn_mcxt):
 * get_call_result_type rebuilds it from pg_proc on every call, which
 * costs more than a decode.  The caller must not use fn_extra otherwise.
 */
extern TupleDesc solana_result_desc(FunctionCallInfo fcinfo);

/*
 * solana_pubkey_text writes the base58 text of 32 bytes into `out`
 * (at least 45 bytes) and returns `out`.
 */
extern char *solana_pubkey_text(const uint8 *key, char *out);

/*
 * solana_bytea_array_items deconstructs a one-dimensional bytea[] into
 * palloc'd pointer/length arrays; NULL elements raise 22004 naming
 * `what` and the 1-based position.  Returns the element count.
 */
extern int	solana_bytea_array_items(ArrayType *arr, const char *what,
									 const uint8 ***ptrs, size_t **lens);

/*
 * solana_wake_dispatchers_at_commit sets the latches of the dispatchers
 * connected to this database when the current transaction commits
 * (dispatcher.c); a no-op without preload.
 */
extern void solana_wake_dispatchers_at_commit(void);

/*
 * solana_job_kind_builtin: whether jobs of `kind` (len bytes) are run by
 * the dispatchers (dispatcher.c).
 */
extern bool solana_job_kind_builtin(const char *kind, size_t len);

#endif							/* PG_SOLANA_H */
