/*
 * fuzz_ingest_garbage.c
 *	  Any bytes given to the ingest parsers (a pubsub message, a
 *	  getTransaction, getSignaturesForAddress, getSignatureStatuses,
 *	  getMultipleAccounts or getProgramAccounts answer) yield a status, never a crash or a leak; a parsed message
 *	  has a kind and sizes consistent with its arrays.
 */
#include "fuzz_common.h"

#include <stdbool.h>
#include <string.h>

#include "ps_error.h"
#include "ps_ingest.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	char		err[256];
	ps_ingest_msg_t m;
	ps_ingest_tx_t tx;
	ps_ingest_sig_t *sigs = NULL;
	ps_ingest_status_t st[4];
	size_t		cnt = 0;
	size_t		i;
	bool		found;
	int			rc;

	rc = ps_ingest_parse_message(text, size, &m, err, sizeof(err));
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_ARG ||
				rc == PS_ERR_LIMIT || rc == PS_ERR_NOMEM);
	if (rc == PS_OK && m.kind == PS_INGEST_LOGS)
	{
		FUZZ_ASSERT(m.tx.has_logs);
		for (i = 0; i < m.tx.logs_cnt; i++)
			FUZZ_ASSERT(m.tx.logs[i] != NULL);
		FUZZ_ASSERT(m.tx.failed == (m.tx.err_json != NULL));
	}
	if (rc == PS_OK && (m.kind == PS_INGEST_ACCOUNT || m.kind == PS_INGEST_PROGRAM))
		FUZZ_ASSERT(m.account.data != NULL);
	ps_ingest_msg_free(&m);

	rc = ps_ingest_parse_transaction(text, size, &found, &tx, err, sizeof(err));
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_ARG ||
				rc == PS_ERR_SYNTAX || rc == PS_ERR_LIMIT || rc == PS_ERR_NOMEM);
	if (rc == PS_OK && found)
		for (i = 0; i < tx.cpis_cnt; i++)
			FUZZ_ASSERT(tx.cpis[i].data_sz >= 8);
	ps_ingest_tx_free(&tx);

	rc = ps_ingest_parse_signatures(text, size, &sigs, &cnt, err, sizeof(err));
	FUZZ_ASSERT(rc != PS_OK || cnt == 0 || sigs != NULL);
	free(sigs);

	rc = ps_ingest_parse_statuses(text, size, st, 4, err, sizeof(err));
	(void) rc;

	{
		static const uint8_t keys[2][32] = {{1}, {2}};
		ps_ingest_account_t *accs = NULL;
		uint64_t	slot;
		int			mode;

		for (mode = 0; mode < 2; mode++)
		{
			rc = ps_ingest_parse_accounts(text, size, mode ? keys : NULL, mode ? 2 : 0,
										  &slot, &accs, &cnt, err, sizeof(err));
			FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_ARG ||
						rc == PS_ERR_SYNTAX || rc == PS_ERR_LIMIT || rc == PS_ERR_NOMEM);
			FUZZ_ASSERT(rc != PS_OK || mode == 0 || cnt <= 2);
			for (i = 0; rc == PS_OK && i < cnt; i++)
				FUZZ_ASSERT(accs[i].data != NULL);
			ps_ingest_accounts_free(accs, cnt);
		}
	}
	return 0;
}
