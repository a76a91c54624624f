/*
 * fuzz_ingest_garbage.c
 *	  Any bytes given to the ingest parsers (a pubsub message, a
 *	  getTransaction, getSignaturesForAddress, getSignatureStatuses,
 *	  getMultipleAccounts or getProgramAccounts answer) yield a status, never a crash or a leak; a parsed message
 *	  has a kind and sizes consistent with its arrays; the lean reading
 *	  of getTransaction gives the jansson tree's result whenever the tree
 *	  reads the answer.  A batch answer splits into spans inside the
 *	  input, each matched to one asked id at most once, and each element
 *	  read as a single getTransaction answer.
 */
#include "fuzz_common.h"

#include <stdbool.h>
#include <string.h>

#include "ps_error.h"
#include "ps_ingest.h"

static bool
same_tx(const ps_ingest_tx_t *a, const ps_ingest_tx_t *b)
{
	size_t		i;

	if (memcmp(a->signature, b->signature, 64) != 0 || a->slot != b->slot ||
		a->has_block_time != b->has_block_time || a->block_time != b->block_time ||
		a->failed != b->failed || (a->err_json == NULL) != (b->err_json == NULL) ||
		(a->err_json && strcmp(a->err_json, b->err_json) != 0) ||
		a->has_logs != b->has_logs || a->logs_cnt != b->logs_cnt ||
		a->cpis_cnt != b->cpis_cnt)
		return false;
	for (i = 0; i < a->logs_cnt; i++)
		if (strcmp(a->logs[i], b->logs[i]) != 0)
			return false;
	for (i = 0; i < a->cpis_cnt; i++)
		if (memcmp(a->cpis[i].program_id, b->cpis[i].program_id, 32) != 0 ||
			a->cpis[i].depth != b->cpis[i].depth ||
			a->cpis[i].position != b->cpis[i].position ||
			a->cpis[i].data_sz != b->cpis[i].data_sz ||
			memcmp(a->cpis[i].data, b->cpis[i].data, a->cpis[i].data_sz) != 0)
			return false;
	return true;
}

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
	{
		/* the lean logsNotification reading gives the tree's result */
		ps_ingest_msg_t ref;
		int			ref_rc = ps_ingest_parse_message_tree(text, size, &ref, err, sizeof(err));

		if (ref_rc == PS_OK)
		{
			FUZZ_ASSERT(rc == PS_OK && m.kind == ref.kind);
			if (ref.kind == PS_INGEST_LOGS)
			{
				FUZZ_ASSERT(m.subscription == ref.subscription && m.slot == ref.slot);
				FUZZ_ASSERT(same_tx(&m.tx, &ref.tx));
			}
		}
		ps_ingest_msg_free(&ref);
	}
	ps_ingest_msg_free(&m);

	rc = ps_ingest_parse_transaction(text, size, &found, &tx, err, sizeof(err));
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_ARG ||
				rc == PS_ERR_SYNTAX || rc == PS_ERR_LIMIT || rc == PS_ERR_NOMEM);
	if (rc == PS_OK && found)
		for (i = 0; i < tx.cpis_cnt; i++)
			FUZZ_ASSERT(tx.cpis[i].data_sz >= 8);
	{
		/* the lean reading gives the tree's result whenever the tree reads it */
		ps_ingest_tx_t ref;
		bool		ref_found;
		int			ref_rc = ps_ingest_parse_transaction_tree(text, size, &ref_found, &ref,
															  err, sizeof(err));

		if (ref_rc == PS_OK)
		{
			FUZZ_ASSERT(rc == PS_OK && found == ref_found);
			FUZZ_ASSERT(same_tx(&tx, &ref));
		}
		ps_ingest_tx_free(&ref);
	}
	ps_ingest_tx_free(&tx);

	{
		/* a JSON-RPC batch answer: ids 1..4 asked */
		static const int64_t ids[4] = {1, 2, 3, 4};
		ps_ingest_span_t sp[4];

		rc = ps_ingest_split_batch(text, size, ids, 4, sp);
		FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_ARG || rc == PS_ERR_LIMIT);
		for (i = 0; rc == PS_OK && i < 4; i++)
			if (sp[i].found)
			{
				size_t		j;

				FUZZ_ASSERT(sp[i].off < size && sp[i].sz <= size - sp[i].off);
				FUZZ_ASSERT(text[sp[i].off] == '{' && text[sp[i].off + sp[i].sz - 1] == '}');
				for (j = 0; j < i; j++)
					FUZZ_ASSERT(!sp[j].found || sp[j].off != sp[i].off);
				if (ps_ingest_parse_transaction(text + sp[i].off, sp[i].sz, &found, &tx,
												err, sizeof(err)) == PS_OK && found)
					FUZZ_ASSERT(tx.has_logs || tx.logs_cnt == 0);
				ps_ingest_tx_free(&tx);
			}
	}

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
