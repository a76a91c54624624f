/*
 * test_ingest.c
 *	  ps_ingest: pubsub notifications, JSON-RPC answers of the backfill,
 *	  request texts and the paging plan.  Messages are written in the
 *	  shapes Solana's pubsub and JSON-RPC documentation give (and the
 *	  local peer, test/peer, sends).
 */
#include "ps_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_error.h"
#include "ps_ingest.h"

static char sig_a[100],
			key_p[50],
			key_o[50];
static uint8_t sig_a_bytes[64],
			key_p_bytes[32],
			key_o_bytes[32];

static int
parse(const char *text, ps_ingest_msg_t *m)
{
	char		err[256];

	return ps_ingest_parse_message(text, strlen(text), m, err, sizeof(err));
}

static void
test_logs(void)
{
	char		buf[4096];
	ps_ingest_msg_t m;

	ps_test_begin("logsNotification parsed: slot, signature, err, logs with escapes");
	snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"method\":\"logsNotification\",\"params\":{\"result\":"
			 "{\"context\":{\"slot\":5208469},\"value\":{\"signature\":\"%s\",\"err\":null,"
			 "\"logs\":[\"Program %s invoke [1]\",\"Program log: say \\\"hi\\\" \\u00e9\","
			 "\"Program data: AQID\",\"Program %s success\"]}},\"subscription\":24040}}",
			 sig_a, key_p, key_p);
	CHECK_INT(parse(buf, &m), PS_OK);
	CHECK_INT(m.kind, PS_INGEST_LOGS);
	CHECK_INT(m.subscription, 24040);
	CHECK_INT(m.tx.slot, 5208469);
	CHECK(memcmp(m.tx.signature, sig_a_bytes, 64) == 0);
	CHECK(!m.tx.failed);
	CHECK(m.tx.err_json == NULL);
	CHECK_INT(m.tx.logs_cnt, 4);
	if (m.tx.logs_cnt == 4)
	{
		CHECK_STR(m.tx.logs[1], "Program log: say \"hi\" \xc3\xa9");
		CHECK_STR(m.tx.logs[2], "Program data: AQID");
	}
	ps_ingest_msg_free(&m);
	ps_test_end();

	ps_test_begin("logsNotification of a failed transaction keeps err as JSON with exact numbers");
	snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"method\":\"logsNotification\",\"params\":{\"result\":"
			 "{\"context\":{\"slot\":7},\"value\":{\"signature\":\"%s\","
			 "\"err\":{\"InstructionError\":[0,{\"Custom\":18446744073709551615}]},\"logs\":[]}},"
			 "\"subscription\":1}}", sig_a);
	CHECK_INT(parse(buf, &m), PS_OK);
	CHECK(m.tx.failed);
	CHECK_STR(m.tx.err_json, "{\"InstructionError\":[0,{\"Custom\":18446744073709551615}]}");
	CHECK_INT(m.tx.logs_cnt, 0);
	CHECK(m.tx.has_logs);
	ps_ingest_msg_free(&m);
	ps_test_end();

	ps_test_begin("logsNotification: the span reading equals the jansson tree's (escapes, err, member order)");
	{
		ps_ingest_msg_t ref;
		char		err[256];
		size_t		i;

		snprintf(buf, sizeof(buf),
				 "{\"params\":{\"subscription\":-5,\"result\":{\"value\":{\"logs\":"
				 "[\"Program log: a \\\"q\\\" \\\\ b\\n\\t\\/\",\"Program data: AQID\"],"
				 "\"err\":{\"InstructionError\":[1,\"InvalidArgument\"]},\"signature\":\"%s\"},"
				 "\"context\":{\"slot\":18446744073709551615}}},\"id\":null,"
				 "\"method\":\"logsNotification\",\"jsonrpc\":\"2.0\"}", sig_a);
		CHECK_INT(parse(buf, &m), PS_OK);
		CHECK_INT(ps_ingest_parse_message_tree(buf, strlen(buf), &ref, err, sizeof(err)), PS_OK);
		CHECK_INT(m.kind, PS_INGEST_LOGS);
		CHECK_INT(ref.kind, PS_INGEST_LOGS);
		CHECK_INT(m.subscription, -5);
		CHECK(m.slot == UINT64_MAX && m.tx.slot == UINT64_MAX && ref.slot == UINT64_MAX);
		CHECK(memcmp(m.tx.signature, ref.tx.signature, 64) == 0);
		CHECK(m.tx.failed && ref.tx.failed);
		CHECK_STR(m.tx.err_json, ref.tx.err_json);
		CHECK_INT(m.tx.logs_cnt, 2);
		CHECK_INT(ref.tx.logs_cnt, 2);
		for (i = 0; i < 2 && i < m.tx.logs_cnt && i < ref.tx.logs_cnt; i++)
			CHECK_STR(m.tx.logs[i], ref.tx.logs[i]);
		CHECK_STR(m.tx.logs[0], "Program log: a \"q\" \\ b\n\t/");
		ps_ingest_msg_free(&ref);
		ps_ingest_msg_free(&m);
	}
	ps_test_end();
}

static void
test_accounts(void)
{
	char		buf[4096];
	ps_ingest_msg_t m;

	ps_test_begin("accountNotification with rentEpoch 2^64-1 and base64 data");
	snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"method\":\"accountNotification\",\"params\":{\"result\":"
			 "{\"context\":{\"slot\":5199307},\"value\":{\"data\":[\"AQIDBA==\",\"base64\"],"
			 "\"executable\":false,\"lamports\":33594,\"owner\":\"%s\","
			 "\"rentEpoch\":18446744073709551615,\"space\":4}},\"subscription\":23784}}", key_o);
	CHECK_INT(parse(buf, &m), PS_OK);
	CHECK_INT(m.kind, PS_INGEST_ACCOUNT);
	CHECK_INT(m.slot, 5199307);
	CHECK_INT(m.account.lamports, 33594);
	CHECK_STR(m.account.rent_epoch, "18446744073709551615");
	CHECK(memcmp(m.account.owner, key_o_bytes, 32) == 0);
	CHECK_INT(m.account.data_sz, 4);
	CHECK(m.account.data && m.account.data[3] == 4);
	ps_ingest_msg_free(&m);
	ps_test_end();

	ps_test_begin("programNotification carries the account's pubkey");
	snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"method\":\"programNotification\",\"params\":{\"result\":"
			 "{\"context\":{\"slot\":9},\"value\":{\"pubkey\":\"%s\",\"account\":{"
			 "\"data\":[\"\",\"base64\"],\"executable\":false,\"lamports\":18446744073709551615,"
			 "\"owner\":\"%s\",\"rentEpoch\":0}}},\"subscription\":3}}", key_p, key_o);
	CHECK_INT(parse(buf, &m), PS_OK);
	CHECK_INT(m.kind, PS_INGEST_PROGRAM);
	CHECK(memcmp(m.account.pubkey, key_p_bytes, 32) == 0);
	CHECK(m.account.lamports == UINT64_MAX);
	CHECK_INT(m.account.data_sz, 0);
	ps_ingest_msg_free(&m);
	ps_test_end();
}

static void
test_replies_and_garbage(void)
{
	ps_ingest_msg_t m;
	char		buf[1024];
	static const char *bad_shape[] = {
		"{\"jsonrpc\":\"2.0\",\"method\":\"logsNotification\",\"params\":{}}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"logsNotification\",\"params\":{\"result\":{\"context\":{\"slot\":-1},\"value\":{}},\"subscription\":1}}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"logsNotification\",\"params\":{\"result\":{\"context\":{\"slot\":1},\"value\":{\"signature\":\"abc\",\"logs\":[]}},\"subscription\":1}}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"accountNotification\",\"params\":{\"result\":{\"context\":{\"slot\":1},\"value\":{\"lamports\":\"1\"}},\"subscription\":1}}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"accountNotification\",\"params\":{\"result\":{\"context\":{\"slot\":1},\"value\":{\"lamports\":1,\"owner\":\"11111111111111111111111111111111\",\"data\":[\"@@@@\",\"base64\"]}},\"subscription\":1}}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"accountNotification\",\"params\":{\"result\":{\"context\":{\"slot\":1},\"value\":{\"lamports\":1,\"owner\":\"11111111111111111111111111111111\",\"data\":[\"AA==\",\"base58\"]}},\"subscription\":1}}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"logsNotification\",\"params\":{\"result\":{\"context\":{\"slot\":1e3},\"value\":{}},\"subscription\":1}}",
	};
	size_t		i;

	ps_test_begin("subscription reply and error reply");
	CHECK_INT(parse("{\"jsonrpc\":\"2.0\",\"result\":23784,\"id\":3}", &m), PS_OK);
	CHECK_INT(m.kind, PS_INGEST_REPLY);
	CHECK(m.has_id && m.id == 3 && m.result_is_int && m.result == 23784);
	ps_ingest_msg_free(&m);
	CHECK_INT(parse("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32602,\"message\":\"Invalid pubkey\"},\"id\":4}", &m), PS_OK);
	CHECK_INT(m.kind, PS_INGEST_ERROR);
	CHECK_INT(m.err_code, -32602);
	CHECK_STR(m.err_text, "Invalid pubkey");
	ps_ingest_msg_free(&m);
	CHECK_INT(parse("{\"jsonrpc\":\"2.0\",\"method\":\"slotNotification\",\"params\":{}}", &m), PS_OK);
	CHECK_INT(m.kind, PS_INGEST_OTHER);
	ps_ingest_msg_free(&m);
	ps_test_end();

	ps_test_begin("malformed JSON is PS_ERR_JSON");
	CHECK_INT(parse("{\"jsonrpc\":", &m), PS_ERR_JSON);
	ps_ingest_msg_free(&m);
	CHECK_INT(parse("[1,2]", &m), PS_ERR_JSON);
	ps_ingest_msg_free(&m);
	CHECK_INT(parse("", &m), PS_ERR_JSON);
	ps_ingest_msg_free(&m);
	CHECK_INT(parse("{\"a\":\"unterminated", &m), PS_ERR_JSON);
	ps_ingest_msg_free(&m);
	ps_test_end();

	ps_test_begin("wrong shapes are PS_ERR_ARG with the member named");
	for (i = 0; i < sizeof(bad_shape) / sizeof(bad_shape[0]); i++)
	{
		int			rc = ps_ingest_parse_message(bad_shape[i], strlen(bad_shape[i]), &m, buf, sizeof(buf));

		if (rc != PS_ERR_ARG)
			ps_test_fail(__FILE__, __LINE__, "case %zu: rc %d (%s)", i, rc, buf);
		CHECK(buf[0] != '\0');
		ps_ingest_msg_free(&m);
	}
	ps_test_end();
}

static void
test_transaction(void)
{
	char		buf[8192];
	char		ixdata[200];
	uint8_t		raw[16] = {0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d, 9, 9, 9, 9, 9, 9, 9, 9};
	size_t		n;
	bool		found;
	ps_ingest_tx_t tx;
	char		err[256];

	ps_base58_encode(raw, sizeof(raw), ixdata, sizeof(ixdata), &n);
	ps_test_begin("getTransaction: logs, block time, emit_cpi! inner instruction with loaded address");
	snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"result\":{\"blockTime\":1700000000,\"slot\":430,"
			 "\"meta\":{\"err\":null,\"logMessages\":[\"Program %s invoke [1]\"],"
			 "\"innerInstructions\":[{\"index\":0,\"instructions\":["
			 "{\"programIdIndex\":0,\"accounts\":[],\"data\":\"3Bxs\",\"stackHeight\":2},"
			 "{\"programIdIndex\":2,\"accounts\":[1],\"data\":\"%s\",\"stackHeight\":2}]}],"
			 "\"loadedAddresses\":{\"writable\":[\"%s\"],\"readonly\":[]}},"
			 "\"transaction\":{\"signatures\":[\"%s\"],\"message\":{\"accountKeys\":"
			 "[\"11111111111111111111111111111111\",\"%s\"]}},\"version\":0},\"id\":1}",
			 key_p, ixdata, key_p, sig_a, key_o);
	CHECK_INT(ps_ingest_parse_transaction(buf, strlen(buf), &found, &tx, err, sizeof(err)), PS_OK);
	CHECK(found);
	CHECK_INT(tx.slot, 430);
	CHECK(tx.has_block_time && tx.block_time == 1700000000);
	CHECK_INT(tx.logs_cnt, 1);
	CHECK_INT(tx.cpis_cnt, 1);
	if (tx.cpis_cnt == 1)
	{
		CHECK(memcmp(tx.cpis[0].program_id, key_p_bytes, 32) == 0);
		CHECK_INT(tx.cpis[0].position, 1);
		CHECK_INT(tx.cpis[0].depth, 2);
		CHECK_INT(tx.cpis[0].data_sz, 16);
	}
	ps_ingest_tx_free(&tx);
	ps_test_end();

	ps_test_begin("getTransaction: null result, JSON-RPC error, out-of-range programIdIndex");
	strcpy(buf, "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":1}");
	CHECK_INT(ps_ingest_parse_transaction(buf, strlen(buf), &found, &tx, err, sizeof(err)), PS_OK);
	CHECK(!found);
	ps_ingest_tx_free(&tx);
	strcpy(buf, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32009,\"message\":\"Slot 5 was skipped\"},\"id\":1}");
	CHECK_INT(ps_ingest_parse_transaction(buf, strlen(buf), &found, &tx, err, sizeof(err)), PS_ERR_SYNTAX);
	CHECK(strstr(err, "Slot 5 was skipped") != NULL);
	ps_ingest_tx_free(&tx);
	snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"result\":{\"slot\":1,\"meta\":{\"err\":null,\"logMessages\":null,"
			 "\"innerInstructions\":[{\"index\":0,\"instructions\":[{\"programIdIndex\":7,\"data\":\"%s\"}]}]},"
			 "\"transaction\":{\"signatures\":[\"%s\"],\"message\":{\"accountKeys\":[]}}},\"id\":1}",
			 ixdata, sig_a);
	CHECK_INT(ps_ingest_parse_transaction(buf, strlen(buf), &found, &tx, err, sizeof(err)), PS_ERR_ARG);
	ps_ingest_tx_free(&tx);
	ps_test_end();

	ps_test_begin("getTransaction: the lean reading equals the jansson tree");
	{
		const char *shapes[] = {
			/* failed, error object, whitespace, duplicate slot (last wins) */
			"{ \"result\" : { \"slot\" : 9, \"blockTime\" : null, \"slot\" : 12,"
			" \"meta\" : { \"err\" : {\"InstructionError\":[0,{\"Custom\":6001}]},"
			" \"logMessages\" : [ \"Program log: \\\"q\\\"\" , \"x\" ],"
			" \"innerInstructions\" : [ ] },"
			" \"transaction\" : { \"signatures\" : [ \"%s\" ], \"message\" : { \"accountKeys\" : [ ] } } },"
			" \"id\" : 3 }",
			/* a \\u escape spelling a member name: the tree decides */
			"{\"result\":{\"slot\":5,\"bl\\u006fckTime\":-7,\"meta\":{\"err\":null,\"logMessages\":[]},"
			"\"transaction\":{\"signatures\":[\"%s\"],\"message\":{\"accountKeys\":[]}}}}",
			/* no logMessages member, innerInstructions null */
			"{\"result\":{\"slot\":0,\"meta\":{\"innerInstructions\":null},"
			"\"transaction\":{\"signatures\":[\"%s\",\"%s\"],\"message\":{\"accountKeys\":[\"x\"]}}}}",
		};
		size_t		k;

		for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
		{
			ps_ingest_tx_t ref;
			bool		ref_found;
			int			rc,
						ref_rc;

			snprintf(buf, sizeof(buf), shapes[k], sig_a, sig_a);
			rc = ps_ingest_parse_transaction(buf, strlen(buf), &found, &tx, err, sizeof(err));
			ref_rc = ps_ingest_parse_transaction_tree(buf, strlen(buf), &ref_found, &ref, err, sizeof(err));
			CHECK_INT(rc, PS_OK);
			CHECK_INT(ref_rc, PS_OK);
			CHECK(found && ref_found);
			CHECK_INT(tx.slot, ref.slot);
			CHECK(tx.has_block_time == ref.has_block_time && tx.block_time == ref.block_time);
			CHECK(tx.failed == ref.failed);
			CHECK((tx.err_json == NULL && ref.err_json == NULL) ||
				  (tx.err_json && ref.err_json && strcmp(tx.err_json, ref.err_json) == 0));
			CHECK(tx.has_logs == ref.has_logs);
			CHECK_INT(tx.logs_cnt, ref.logs_cnt);
			for (n = 0; n < tx.logs_cnt && n < ref.logs_cnt; n++)
				CHECK(strcmp(tx.logs[n], ref.logs[n]) == 0);
			if (k == 0)
			{
				CHECK_INT(tx.slot, 12);
				CHECK(tx.failed && strstr(tx.err_json, "6001") != NULL);
				CHECK(tx.logs_cnt == 2 && strcmp(tx.logs[0], "Program log: \"q\"") == 0);
			}
			if (k == 1)
				CHECK(tx.has_block_time && tx.block_time == -7);
			if (k == 2)
				CHECK(!tx.has_logs);
			ps_ingest_tx_free(&tx);
			ps_ingest_tx_free(&ref);
		}
	}
	ps_test_end();
}

static void
test_requests(void)
{
	ps_buf_t	b;
	char		want[1024];
	ps_ingest_sig_t page[5];
	size_t		keep;
	bool		last;
	int			i;

	ps_test_begin("subscribe and unsubscribe requests");
	ps_buf_init(&b, NULL, NULL);
	CHECK_INT(ps_ingest_build_subscribe(&b, 7, "logs", key_p_bytes, "confirmed", NULL), PS_OK);
	snprintf(want, sizeof(want),
			 "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"logsSubscribe\",\"params\":"
			 "[{\"mentions\":[\"%s\"]},{\"commitment\":\"confirmed\"}]}", key_p);
	CHECK_STR(b.data, want);
	b.len = 0;
	CHECK_INT(ps_ingest_build_subscribe(&b, 8, "program", key_p_bytes, "finalized",
										"[{\"dataSize\":165}]"), PS_OK);
	snprintf(want, sizeof(want),
			 "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"programSubscribe\",\"params\":"
			 "[\"%s\",{\"encoding\":\"base64\",\"commitment\":\"finalized\",\"filters\":[{\"dataSize\":165}]}]}",
			 key_p);
	CHECK_STR(b.data, want);
	b.len = 0;
	CHECK_INT(ps_ingest_build_subscribe(&b, 8, "program", key_p_bytes, "finalized", "{}"), PS_ERR_JSON);
	CHECK_INT(ps_ingest_build_subscribe(&b, 8, "votes", key_p_bytes, "finalized", NULL), PS_ERR_ARG);
	CHECK_INT(ps_ingest_build_subscribe(&b, 8, "logs", key_p_bytes, "soon", NULL), PS_ERR_ARG);
	b.len = 0;
	CHECK_INT(ps_ingest_build_unsubscribe(&b, 9, "account", 42), PS_OK);
	CHECK_STR(b.data, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"accountUnsubscribe\",\"params\":[42]}");
	ps_buf_free(&b);
	ps_test_end();

	ps_test_begin("getSignaturesForAddress request round-trips through the parser of its answer");
	ps_buf_init(&b, NULL, NULL);
	CHECK_INT(ps_ingest_build_get_signatures(&b, 1, key_p_bytes, sig_a_bytes, NULL, 1000, "confirmed"), PS_OK);
	snprintf(want, sizeof(want),
			 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getSignaturesForAddress\",\"params\":"
			 "[\"%s\",{\"limit\":1000,\"commitment\":\"confirmed\",\"before\":\"%s\"}]}", key_p, sig_a);
	CHECK_STR(b.data, want);
	CHECK_INT(ps_ingest_build_get_signatures(&b, 1, key_p_bytes, NULL, NULL, 1001, "confirmed"), PS_ERR_ARG);
	CHECK_INT(ps_ingest_build_get_signatures(&b, 1, key_p_bytes, NULL, NULL, 10, "processed"), PS_ERR_ARG);
	ps_buf_free(&b);
	{
		char		body[1024];
		ps_ingest_sig_t *sigs;
		size_t		cnt;
		char		err[128];

		snprintf(body, sizeof(body),
				 "{\"jsonrpc\":\"2.0\",\"result\":[{\"signature\":\"%s\",\"slot\":114,\"err\":null,"
				 "\"memo\":null,\"blockTime\":null,\"confirmationStatus\":\"finalized\"},"
				 "{\"signature\":\"%s\",\"slot\":113,\"err\":{\"InstructionError\":[0,\"Custom\"]}}],\"id\":1}",
				 sig_a, sig_a);
		CHECK_INT(ps_ingest_parse_signatures(body, strlen(body), &sigs, &cnt, err, sizeof(err)), PS_OK);
		CHECK_INT(cnt, 2);
		if (cnt == 2)
		{
			CHECK_INT(sigs[0].slot, 114);
			CHECK(!sigs[0].failed && sigs[1].failed);
		}
		free(sigs);
	}
	ps_test_end();

	ps_test_begin("page cut at the backfill start slot");
	for (i = 0; i < 5; i++)
		page[i].slot = 100 - i * 10;	/* 100 90 80 70 60 */
	ps_ingest_page_cut(page, 5, 5, 0, &keep, &last);
	CHECK(keep == 5 && !last);
	ps_ingest_page_cut(page, 5, 5, 80, &keep, &last);
	CHECK(keep == 3 && last);
	ps_ingest_page_cut(page, 5, 10, 0, &keep, &last);
	CHECK(keep == 5 && last);
	ps_ingest_page_cut(page, 0, 10, 0, &keep, &last);
	CHECK(keep == 0 && last);
	ps_test_end();

	ps_test_begin("getSignatureStatuses request and answer");
	{
		uint8_t		two[2][64];
		ps_ingest_status_t st[3];
		char		body[512];
		char		err[128];

		memcpy(two[0], sig_a_bytes, 64);
		memcpy(two[1], sig_a_bytes, 64);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_ingest_build_get_statuses(&b, 3, (const uint8_t (*)[64]) two, 2), PS_OK);
		CHECK(strstr(b.data, "getSignatureStatuses") != NULL);
		ps_buf_free(&b);
		strcpy(body, "{\"jsonrpc\":\"2.0\",\"result\":{\"context\":{\"slot\":82},\"value\":[{\"slot\":48,"
			   "\"confirmations\":null,\"err\":null,\"status\":{\"Ok\":null},\"confirmationStatus\":\"finalized\"},null]},\"id\":3}");
		CHECK_INT(ps_ingest_parse_statuses(body, strlen(body), st, 2, err, sizeof(err)), PS_OK);
		CHECK(st[0].found && st[0].slot == 48 && st[0].commitment == PS_INGEST_FINALIZED);
		CHECK(!st[1].found);
		CHECK_INT(ps_ingest_parse_statuses(body, strlen(body), st, 3, err, sizeof(err)), PS_ERR_ARG);
	}
	ps_test_end();

	ps_test_begin("account snapshots: getMultipleAccounts and getProgramAccounts requests and answers");
	{
		uint8_t		keys[2][32];
		ps_ingest_account_t *accs;
		size_t		cnt;
		uint64_t	slot;
		char		body[1024];
		char		err[256];

		memcpy(keys[0], key_p_bytes, 32);
		memcpy(keys[1], key_o_bytes, 32);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_ingest_build_get_multiple_accounts(&b, 4, (const uint8_t (*)[32]) keys, 2, "confirmed"), PS_OK);
		CHECK(strstr(b.data, "\"getMultipleAccounts\"") != NULL && strstr(b.data, key_o) != NULL &&
			  strstr(b.data, "\"encoding\":\"base64\"") != NULL);
		b.len = 0;
		CHECK_INT(ps_ingest_build_get_multiple_accounts(&b, 4, (const uint8_t (*)[32]) keys, 0, "confirmed"), PS_ERR_ARG);
		CHECK_INT(ps_ingest_build_get_multiple_accounts(&b, 4, (const uint8_t (*)[32]) keys, 2, "soon"), PS_ERR_ARG);
		b.len = 0;
		CHECK_INT(ps_ingest_build_get_program_accounts(&b, 5, key_p_bytes, "finalized",
													   "[{\"dataSize\": 165}, {\"memcmp\": {\"offset\": 0, \"bytes\": \"3Mc6vR\"}}]"), PS_OK);
		ps_buf_putc(&b, '\0');
		CHECK(strstr(b.data, "\"withContext\":true") != NULL &&
			  strstr(b.data, "\"filters\":[{\"dataSize\": 165}, {\"memcmp\"") != NULL);
		b.len = 0;
		CHECK_INT(ps_ingest_build_get_program_accounts(&b, 5, key_p_bytes, "finalized", "{\"dataSize\": 1}"), PS_ERR_JSON);
		ps_buf_free(&b);

		snprintf(body, sizeof(body),
				 "{\"jsonrpc\":\"2.0\",\"result\":{\"context\":{\"slot\":341},\"value\":[null,"
				 "{\"data\":[\"AQID\",\"base64\"],\"executable\":false,\"lamports\":7,\"owner\":\"%s\","
				 "\"rentEpoch\":18446744073709551615,\"space\":3}]},\"id\":4}", key_p);
		CHECK_INT(ps_ingest_parse_accounts(body, strlen(body), (const uint8_t (*)[32]) keys, 2,
										   &slot, &accs, &cnt, err, sizeof(err)), PS_OK);
		CHECK(slot == 341 && cnt == 2);
		{
			static const uint8_t zero[32];

			/* null: the state of a closed account */
			CHECK(cnt == 2 && memcmp(accs[0].pubkey, key_p_bytes, 32) == 0 &&
				  memcmp(accs[0].owner, zero, 32) == 0 && accs[0].lamports == 0 &&
				  accs[0].data_sz == 0 && accs[0].data != NULL);
		}
		CHECK(cnt == 2 && memcmp(accs[1].pubkey, key_o_bytes, 32) == 0 &&
			  memcmp(accs[1].owner, key_p_bytes, 32) == 0 && accs[1].lamports == 7 &&
			  accs[1].data_sz == 3 && accs[1].data[2] == 3);
		ps_ingest_accounts_free(accs, cnt);
		/* a length that does not match the request */
		CHECK_INT(ps_ingest_parse_accounts(body, strlen(body), (const uint8_t (*)[32]) keys, 1,
										   &slot, &accs, &cnt, err, sizeof(err)), PS_ERR_ARG);
		ps_ingest_accounts_free(accs, cnt);

		snprintf(body, sizeof(body),
				 "{\"jsonrpc\":\"2.0\",\"result\":{\"context\":{\"slot\":12},\"value\":[{\"pubkey\":\"%s\","
				 "\"account\":{\"data\":[\"\",\"base64\"],\"executable\":false,\"lamports\":1,\"owner\":\"%s\"}}]},\"id\":5}",
				 key_o, key_p);
		CHECK_INT(ps_ingest_parse_accounts(body, strlen(body), NULL, 0, &slot, &accs, &cnt, err, sizeof(err)), PS_OK);
		CHECK(slot == 12 && cnt == 1 && memcmp(accs[0].pubkey, key_o_bytes, 32) == 0 && accs[0].data_sz == 0);
		ps_ingest_accounts_free(accs, cnt);

		/* wrong shapes: a bare array (no withContext), a bad entry, an RPC error */
		strcpy(body, "{\"jsonrpc\":\"2.0\",\"result\":[],\"id\":5}");
		CHECK_INT(ps_ingest_parse_accounts(body, strlen(body), NULL, 0, &slot, &accs, &cnt, err, sizeof(err)), PS_ERR_ARG);
		ps_ingest_accounts_free(accs, cnt);
		strcpy(body, "{\"jsonrpc\":\"2.0\",\"result\":{\"context\":{\"slot\":1},\"value\":[{\"pubkey\":\"11111111111111111111111111111111\",\"account\":{\"lamports\":1,\"owner\":\"11111111111111111111111111111111\",\"data\":[\"@@\",\"base64\"]}}]},\"id\":5}");
		CHECK_INT(ps_ingest_parse_accounts(body, strlen(body), NULL, 0, &slot, &accs, &cnt, err, sizeof(err)), PS_ERR_ARG);
		CHECK(strstr(err, "value[0]") != NULL);
		ps_ingest_accounts_free(accs, cnt);
		strcpy(body, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32005,\"message\":\"Node is unhealthy\"},\"id\":5}");
		CHECK_INT(ps_ingest_parse_accounts(body, strlen(body), NULL, 0, &slot, &accs, &cnt, err, sizeof(err)), PS_ERR_SYNTAX);
		ps_ingest_accounts_free(accs, cnt);
	}
	ps_test_end();
}

/* JSON-RPC batches of getTransaction: building and splitting answers */
static void
test_batches(void)
{
	ps_buf_t	b;
	const char *bodies[3];
	char	   *texts[3];
	int64_t		ids[3] = {7, 8, 9};
	ps_ingest_span_t sp[3];
	json_t	   *arr;
	int			i;
	char		ans[2048];
	char		where[128];

	ps_test_begin("batch request: the calls as one JSON array, each as built alone");
	for (i = 0; i < 3; i++)
	{
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_ingest_build_get_transaction(&b, ids[i], sig_a_bytes, "confirmed"), PS_OK);
		texts[i] = strndup(b.data, b.len);
		bodies[i] = texts[i];
		ps_buf_free(&b);
	}
	ps_buf_init(&b, NULL, NULL);
	CHECK_INT(ps_ingest_build_batch(&b, bodies, 3), PS_OK);
	arr = ps_test_parse(b.data, b.len);
	CHECK(arr != NULL && json_is_array(arr) && json_array_size(arr) == 3);
	for (i = 0; arr && i < 3 && i < (int) json_array_size(arr); i++)
	{
		json_t	   *one = ps_test_parse(bodies[i], strlen(bodies[i]));

		CHECK(ps_test_json_equal(json_array_get(arr, i), one, where, sizeof(where)));
		CHECK_STR(json_string_value(json_object_get(json_array_get(arr, i), "method")), "getTransaction");
		json_decref(one);
	}
	json_decref(arr);
	ps_buf_free(&b);
	ps_buf_init(&b, NULL, NULL);
	CHECK_INT(ps_ingest_build_batch(&b, bodies, 0), PS_ERR_ARG);
	ps_buf_free(&b);
	ps_test_end();

	ps_test_begin("batch answer: elements matched by id in any order, each read as a single answer");
	snprintf(ans, sizeof(ans),
			 " [ {\"jsonrpc\":\"2.0\",\"result\":null,\"id\":9} ,\n"
			 "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32009,\"message\":\"Slot 5 was skipped\"},\"id\":7},"
			 "{\"jsonrpc\":\"2.0\",\"result\":{\"slot\":44,\"meta\":{\"err\":null,\"logMessages\":[\"a\"]},"
			 "\"transaction\":{\"signatures\":[\"%s\"],\"message\":{\"accountKeys\":[]}}},\"id\":8} ] ",
			 sig_a);
	CHECK_INT(ps_ingest_split_batch(ans, strlen(ans), ids, 3, sp), PS_OK);
	CHECK(sp[0].found && sp[1].found && sp[2].found);
	{
		bool		found;
		ps_ingest_tx_t tx;
		char		err[256];

		CHECK_INT(ps_ingest_parse_transaction(ans + sp[0].off, sp[0].sz, &found, &tx, err, sizeof(err)), PS_ERR_SYNTAX);
		CHECK(strstr(err, "Slot 5 was skipped") != NULL);
		ps_ingest_tx_free(&tx);
		CHECK_INT(ps_ingest_parse_transaction(ans + sp[1].off, sp[1].sz, &found, &tx, err, sizeof(err)), PS_OK);
		CHECK(found && tx.slot == 44 && tx.logs_cnt == 1);
		ps_ingest_tx_free(&tx);
		CHECK_INT(ps_ingest_parse_transaction(ans + sp[2].off, sp[2].sz, &found, &tx, err, sizeof(err)), PS_OK);
		CHECK(!found);
		ps_ingest_tx_free(&tx);
		CHECK(ans[sp[2].off] == '{' && ans[sp[2].off + sp[2].sz - 1] == '}');
	}
	ps_test_end();

	ps_test_begin("batch answer: missing, unknown, duplicate and odd ids; not an array");
	strcpy(ans, "[{\"id\":8,\"result\":1},{\"id\":8,\"result\":2},{\"id\":\"7\"},{\"id\":7.0},"
		   "{\"id\":99},17,[],{\"result\":null},{\"id\":-9}]");
	CHECK_INT(ps_ingest_split_batch(ans, strlen(ans), ids, 3, sp), PS_OK);
	CHECK(!sp[0].found && sp[1].found && !sp[2].found);
	CHECK(strncmp(ans + sp[1].off, "{\"id\":8,\"result\":1}", sp[1].sz) == 0);
	strcpy(ans, "[]");
	CHECK_INT(ps_ingest_split_batch(ans, strlen(ans), ids, 3, sp), PS_OK);
	CHECK(!sp[0].found && !sp[1].found && !sp[2].found);
	/* a node that refuses batches answers with one error object */
	strcpy(ans, " {\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Invalid request\"},\"id\":null} ");
	CHECK_INT(ps_ingest_split_batch(ans, strlen(ans), ids, 3, sp), PS_ERR_ARG);
	CHECK_INT(ps_ingest_split_batch("17", 2, ids, 3, sp), PS_ERR_ARG);
	strcpy(ans, "[{\"id\":7},");
	CHECK_INT(ps_ingest_split_batch(ans, strlen(ans), ids, 3, sp), PS_ERR_JSON);
	strcpy(ans, "[{\"id\":7}] x");
	CHECK_INT(ps_ingest_split_batch(ans, strlen(ans), ids, 3, sp), PS_ERR_JSON);
	CHECK_INT(ps_ingest_split_batch("", 0, ids, 3, sp), PS_ERR_JSON);
	ps_test_end();

	for (i = 0; i < 3; i++)
		free(texts[i]);
}

int
main(void)
{
	int			i;

	for (i = 0; i < 64; i++)
		sig_a_bytes[i] = (uint8_t) (i * 7 + 1);
	for (i = 0; i < 32; i++)
	{
		key_p_bytes[i] = (uint8_t) (200 - i);
		key_o_bytes[i] = (uint8_t) (i * 3);
	}
	ps_base58_encode_64(sig_a_bytes, sig_a);
	ps_base58_encode_32(key_p_bytes, key_p);
	ps_base58_encode_32(key_o_bytes, key_o);

	test_logs();
	test_accounts();
	test_replies_and_garbage();
	test_transaction();
	test_requests();
	test_batches();
	return ps_test_done();
}
