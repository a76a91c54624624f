/*
 * txn_send.c
 *	  The dispatcher's `transaction` job kind: one JSON-RPC exchange per
 *	  claim of a transaction job.
 *
 * Vocabulary: a *step* is one exchange (getLatestBlockhash,
 * sendTransaction, getSignatureStatuses, ...).  The job's payload holds
 * the step's method and params, written by solana._transaction_step
 * (sql/install/62_transactions_dispatch.sql) in the same transaction
 * that moved the transaction row, so a crash between steps resumes
 * from a consistent pair.  All decisions live in that SQL function;
 * this file only carries bytes between it and the dispatcher.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"

#include "txn_send.h"

int			solana_max_in_flight_transactions = 256;

void
solana_txn_send_init(void)
{
	DefineCustomIntVariable("solana.max_in_flight_transactions",
							"Most transactions signed and not yet landed at once.",
							"Across every batch; 0 means no limit.  A batch can set "
							"a lower limit with the option max_in_flight.",
							&solana_max_in_flight_transactions,
							256, 0, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
}

/* the JSON text of member `key`, or NULL when absent */
static char *
member_json(Jsonb *jb, const char *key, enum jbvType *type)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(jb) ||
		getKeyJsonValueFromContainer(&jb->root, key, strlen(key), &v) == NULL)
		return NULL;
	*type = v.type;
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	if (v.type == jbvBinary)
		return JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
	return JsonbToCString(NULL, &JsonbValueToJsonb(&v)->root, 0);
}

void
solana_transaction_request(Jsonb *payload, const char **method, char **params)
{
	enum jbvType mt = jbvNull,
				pt = jbvNull;
	char	   *m = member_json(payload, "method", &mt);
	char	   *p = member_json(payload, "params", &pt);

	if (m == NULL || mt != jbvString)
	{
		*method = "getLatestBlockhash";
		*params = pstrdup("[{\"commitment\":\"confirmed\"}]");
		return;
	}
	*method = m;
	*params = (p != NULL && pt == jbvBinary) ? p : pstrdup("[]");
}

char *
solana_transaction_step(int64 job_id, Jsonb *payload, const char *body,
						size_t body_len, const char *error)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {INT8OID, JSONBOID, TEXTOID, TEXTOID};
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		isnull;
	Datum		d;
	int			rc;

	if (plan == NULL)
	{
		plan = SPI_prepare("SELECT solana._transaction_step($1, $2, $3, $4)::text",
						   4, types);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
	}
	args[0] = Int64GetDatum(job_id);
	args[1] = JsonbPGetDatum(payload);
	/* a body that is not valid text is no answer */
	if (body != NULL && body_len > 0 && memchr(body, '\0', body_len) == NULL &&
		pg_verifymbstr(body, body_len, true))
		args[2] = PointerGetDatum(cstring_to_text_with_len(body, body_len));
	else
	{
		nulls[2] = 'n';
		if (error == NULL)
			error = "empty or invalid response body";
	}
	if (error != NULL)
		args[3] = CStringGetTextDatum(error);
	else
		nulls[3] = 'n';
	rc = SPI_execute_plan(plan, args, nulls, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "solana._transaction_step failed: %s", SPI_result_code_string(rc));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? pstrdup("null") : TextDatumGetCString(d);
}
