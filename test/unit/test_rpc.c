/*
 * test_rpc.c
 *	  JSON-RPC request text and response splitting, the backoff
 *	  schedule, Retry-After, TTL lists, the token bucket, and the LRU
 *	  cache cross-checked against a slow, obviously correct model.
 */
#include "ps_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_buf.h"
#include "ps_error.h"
#include "ps_json.h"
#include "ps_rpc.h"

static void
test_request(void)
{
	ps_buf_t	b;

	ps_test_begin("request text");
	ps_buf_init(&b, NULL, NULL);
	CHECK_INT(ps_rpc_request(&b, 7, "getAccountInfo", "[\"abc\", {\"encoding\":\"base64\"}]", 30), PS_OK);
	CHECK_STR(b.data, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"getAccountInfo\",\"params\":[\"abc\", {\"encoding\":\"base64\"}]}");
	ps_buf_free(&b);
	ps_test_end();

	ps_test_begin("request rejects bad method and params");
	ps_buf_init(&b, NULL, NULL);
	CHECK_INT(ps_rpc_request(&b, 1, "", "[]", 2), PS_ERR_ARG);
	CHECK_INT(ps_rpc_request(&b, 1, "get\"x", "[]", 2), PS_ERR_ARG);
	CHECK_INT(ps_rpc_request(&b, 1, "getSlot", "1", 1), PS_ERR_JSON);
	CHECK_INT(ps_rpc_request(&b, 1, "getSlot", "[1,]", 4), PS_ERR_JSON);
	CHECK_INT(ps_rpc_request(&b, 1, "getSlot", "[1] x", 5), PS_ERR_JSON);
	CHECK_INT(ps_rpc_request(&b, 1, "getSlot", "{\"a\":1}", 7), PS_OK);
	ps_buf_free(&b);
	ps_test_end();
}

static void
test_response(void)
{
	ps_rpc_response_t r;
	const char *ok = "{\"jsonrpc\":\"2.0\",\"result\": {\"context\":{\"slot\":5},\"value\":{\"lamports\":18446744073709551615}} ,\"id\":1}";
	const char *err = "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32602,\"message\":\"Invalid params:\\n bad\"},\"id\":1}";
	char		res[256];

	ps_test_begin("response with result gives the exact result span");
	CHECK_INT(ps_rpc_parse_response(ok, strlen(ok), &r), PS_OK);
	CHECK_INT(r.kind, PS_RPC_RESULT);
	memcpy(res, ok + r.result_off, r.result_sz);
	res[r.result_sz] = '\0';
	CHECK_STR(res, "{\"context\":{\"slot\":5},\"value\":{\"lamports\":18446744073709551615}}");
	ps_test_end();

	ps_test_begin("response with error gives code and message");
	CHECK_INT(ps_rpc_parse_response(err, strlen(err), &r), PS_OK);
	CHECK_INT(r.kind, PS_RPC_ERROR);
	CHECK_INT(r.err_code, -32602);
	CHECK_STR(r.err_msg, "Invalid params:  bad");
	ps_test_end();

	ps_test_begin("error wins over result; the last of a repeated name counts");
	{
		const char *both = "{\"result\":1,\"error\":{\"code\":-32005,\"message\":\"Node is behind\"}}";
		const char *twice = "{\"result\":1, \"result\" : [2] }";
		const char *big = "{\"error\":{\"code\":99999999999999999999,\"message\":\"m\"}}";
		const char *real = "{\"error\":{\"code\":-32000.5,\"message\":7}}";

		CHECK_INT(ps_rpc_parse_response(both, strlen(both), &r), PS_OK);
		CHECK_INT(r.kind, PS_RPC_ERROR);
		CHECK_INT(r.err_code, -32005);
		CHECK_STR(r.err_msg, "Node is behind");
		CHECK_INT(ps_rpc_parse_response(twice, strlen(twice), &r), PS_OK);
		CHECK_INT(r.kind, PS_RPC_RESULT);
		CHECK_INT(r.result_sz, 3);
		CHECK(memcmp(twice + r.result_off, "[2]", 3) == 0);
		/* a code past int64 or not an integer reads as 0; the message stays */
		CHECK_INT(ps_rpc_parse_response(big, strlen(big), &r), PS_OK);
		CHECK_INT(r.err_code, 0);
		CHECK_STR(r.err_msg, "m");
		CHECK_INT(ps_rpc_parse_response(real, strlen(real), &r), PS_OK);
		CHECK_INT(r.err_code, 0);
		CHECK_STR(r.err_msg, "(no message)");
	}
	ps_test_end();

	ps_test_begin("null result, garbage and non-responses");
	CHECK_INT(ps_rpc_parse_response("{\"result\":null}", 15, &r), PS_OK);
	CHECK_INT(r.result_sz, 4);
	CHECK_INT(ps_rpc_parse_response("{}", 2, &r), PS_ERR_JSON);
	CHECK_INT(ps_rpc_parse_response("{\"id\":1}", 8, &r), PS_ERR_JSON);
	CHECK_INT(ps_rpc_parse_response("[{\"result\":1}]", 14, &r), PS_ERR_JSON);
	CHECK_INT(ps_rpc_parse_response("<html>502</html>", 16, &r), PS_ERR_JSON);
	CHECK_INT(ps_rpc_parse_response("{\"result\":1} x", 14, &r), PS_ERR_JSON);
	CHECK_INT(ps_rpc_parse_response("{\"result\":1", 11, &r), PS_ERR_JSON);
	CHECK_INT(ps_rpc_parse_response("{\"result\":1}\0x", 14, &r), PS_ERR_JSON);
	CHECK_INT(ps_rpc_parse_response("{\"error\":\"x\"}", 13, &r), PS_ERR_JSON);
	CHECK_INT(ps_rpc_parse_response("{\"result\":01}", 13, &r), PS_ERR_JSON);
	ps_test_end();

	ps_test_begin("long error message is cut on a UTF-8 boundary");
	{
		char		body[1200];
		char		msg[700];
		size_t		n;

		for (int i = 0; i < 300; i++)
			memcpy(msg + 2 * i, "\xc3\xa9", 2);
		msg[600] = '\0';
		snprintf(body, sizeof(body), "{\"error\":{\"code\":1,\"message\":\"x%s\"}}", msg);
		CHECK_INT(ps_rpc_parse_response(body, strlen(body), &r), PS_OK);
		n = strlen(r.err_msg);
		CHECK(n < PS_RPC_MSG_MAX);
		CHECK(n % 2 == 1);		/* "x" plus whole two-byte characters */
	}
	ps_test_end();
}

static void
test_backoff(void)
{
	ps_test_begin("backoff doubles, caps and jitters within bounds");
	CHECK_INT(ps_backoff_ms(1, 100, 5000, 0, 0), 100);
	CHECK_INT(ps_backoff_ms(2, 100, 5000, 0, 0), 200);
	CHECK_INT(ps_backoff_ms(3, 100, 5000, 0, 0), 400);
	CHECK_INT(ps_backoff_ms(6, 100, 5000, 0, 0), 3200);
	CHECK_INT(ps_backoff_ms(7, 100, 5000, 0, 0), 5000);
	CHECK_INT(ps_backoff_ms(4000000000u, 100, 5000, 0, 0), 5000);
	CHECK_INT(ps_backoff_ms(70, INT64_MAX / 3, INT64_MAX, 0, 0), INT64_MAX);
	CHECK_INT(ps_backoff_ms(1, 1000, 5000, 0.5, 0), 1000);
	CHECK_INT(ps_backoff_ms(1, 1000, 5000, 0.5, 0x80000000u), 750);
	for (uint32_t r = 0; r < 4000000000u; r += 99991)
	{
		int64_t		d = ps_backoff_ms(3, 1000, 60000, 0.25, r);

		if (d < 3000 || d > 4000)
			ps_test_fail(__FILE__, __LINE__, "jittered %lld", (long long) d);
	}
	ps_test_end();
}

static void
test_retry_after(void)
{
	int64_t		ms = -1;

	ps_test_begin("Retry-After as seconds and as an HTTP date");
	CHECK_INT(ps_retry_after_ms(" 3 ", 3, 0, &ms), PS_OK);
	CHECK_INT(ms, 3000);
	CHECK_INT(ps_retry_after_ms("99999999999999999999", 20, 0, &ms), PS_OK);
	CHECK_INT(ms, 86400000);
	/* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT */
	CHECK_INT(ps_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 29, 784111770, &ms), PS_OK);
	CHECK_INT(ms, 7000);
	CHECK_INT(ps_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 29, 784111799, &ms), PS_OK);
	CHECK_INT(ms, 0);
	CHECK_INT(ps_retry_after_ms("", 0, 0, &ms), PS_ERR_SYNTAX);
	CHECK_INT(ps_retry_after_ms("1.5", 3, 0, &ms), PS_ERR_SYNTAX);
	CHECK_INT(ps_retry_after_ms("Sun, 06 Foo 1994 08:49:37 GMT", 29, 0, &ms), PS_ERR_SYNTAX);
	CHECK_INT(ps_retry_after_ms("Sun, 06 Nov 1994 08:49:37 UTC", 29, 0, &ms), PS_ERR_SYNTAX);
	ps_test_end();
}

static void
test_ttl(void)
{
	bool		found;
	int64_t		ttl = -1;

	ps_test_begin("TTL lists");
	CHECK_INT(ps_rpc_ttl_lookup("getVersion=60s, getGenesisHash=1h,getBalance=0,x=250ms,y=2min,z=7",
								"getGenesisHash", &found, &ttl), PS_OK);
	CHECK(found);
	CHECK_INT(ttl, 3600000);
	CHECK_INT(ps_rpc_ttl_lookup("getVersion=60s,getBalance=0", "getBalance", &found, &ttl), PS_OK);
	CHECK(found);
	CHECK_INT(ttl, 0);
	CHECK_INT(ps_rpc_ttl_lookup("a=2min, b=7", "b", &found, &ttl), PS_OK);
	CHECK_INT(ttl, 7);
	CHECK_INT(ps_rpc_ttl_lookup("getVersion=60s", "getSlot", &found, &ttl), PS_OK);
	CHECK(!found);
	CHECK_INT(ps_rpc_ttl_lookup("", "getSlot", &found, &ttl), PS_OK);
	CHECK_INT(ps_rpc_ttl_lookup("getVersion", NULL, &found, &ttl), PS_ERR_SYNTAX);
	CHECK_INT(ps_rpc_ttl_lookup("getVersion=1d", NULL, &found, &ttl), PS_ERR_SYNTAX);
	CHECK_INT(ps_rpc_ttl_lookup("=1s", NULL, &found, &ttl), PS_ERR_SYNTAX);
	CHECK_INT(ps_rpc_ttl_lookup("a=99999999999999999999", NULL, &found, &ttl), PS_ERR_SYNTAX);
	ps_test_end();
}

static void
test_bucket(void)
{
	ps_bucket_t b = {0, 0};
	int64_t		w;
	int64_t		now = 1000000;
	int			granted = 0;

	ps_test_begin("token bucket: burst, then spaced at 1/rate");
	for (int i = 0; i < 5; i++)
	{
		CHECK_INT(ps_bucket_reserve(&b, now, 10, 5, 0, &w), PS_OK);
		CHECK_INT(w, 0);
	}
	CHECK_INT(ps_bucket_reserve(&b, now, 10, 5, 0, &w), PS_ERR_LIMIT);
	CHECK_INT(w, 100000);
	CHECK_INT(ps_bucket_reserve(&b, now, 10, 5, 1000000, &w), PS_OK);
	CHECK_INT(w, 100000);
	CHECK_INT(ps_bucket_reserve(&b, now, 10, 5, 1000000, &w), PS_OK);
	CHECK_INT(w, 200000);
	CHECK_INT(ps_bucket_reserve(&b, now + 1000000, 10, 5, 0, &w), PS_OK);
	CHECK_INT(ps_bucket_reserve(&b, 0, 0, 0, 0, &w), PS_OK);	/* unlimited */
	ps_test_end();

	ps_test_begin("token bucket: over 10 simulated seconds at most burst + rate * t");
	memset(&b, 0, sizeof(b));
	for (int64_t t = 1; t <= 10000000; t += 997)
		if (ps_bucket_reserve(&b, t, 50, 10, 0, &w) == PS_OK)
			granted++;
	CHECK(granted <= 10 + 50 * 10 + 1);
	CHECK(granted >= 50 * 10 - 1);
	ps_test_end();
}

/* the slow model: arrays with a use counter; evicts by the same rule */
typedef struct model_t
{
	char		key[32][16];
	char		val[32][400];
	size_t		val_sz[32];
	int64_t		exp[32];
	long		used[32];
	bool		live[32];
} model_t;

static void
test_lru(void)
{
	uint32_t	n_entries = 12,
				n_blocks = 40,
				block_sz = 32;
	void	   *arena = aligned_alloc(8, (ps_lru_size(n_entries, n_blocks, block_sz) + 7) & ~7UL);
	ps_lru_t   *l = ps_lru_init(arena, n_entries, n_blocks, block_sz);
	static model_t m;
	ps_lru_stats_t st;
	long		tick = 0;
	unsigned	seed = 12345;
	ps_buf_t	out;

	ps_test_begin("LRU: put, get, replace, expiry");
	ps_buf_init(&out, NULL, NULL);
	CHECK(l != NULL);
	CHECK_INT(ps_lru_put(l, "k1", 2, "hello", 5, 100), PS_OK);
	CHECK(ps_lru_get(l, "k1", 2, 50, &out));
	CHECK_STR(out.data, "hello");
	out.len = 0;
	CHECK_INT(ps_lru_put(l, "k1", 2, "world!", 6, 100), PS_OK);
	CHECK(ps_lru_get(l, "k1", 2, 50, &out));
	CHECK_STR(out.data, "world!");
	CHECK(!ps_lru_get(l, "k1", 2, 100, &out));
	CHECK(!ps_lru_get(l, "k2", 2, 0, &out));
	CHECK_INT(ps_lru_put(l, "k", 1, out.data, 10 * 32 + 1, 100), PS_ERR_LIMIT);
	ps_lru_get_stats(l, &st);
	CHECK_INT(st.entries, 0);
	CHECK_INT(st.blocks_used, 0);
	CHECK_INT(st.hits, 2);
	CHECK_INT(st.expired, 1);
	ps_test_end();

	/*
	 * Random operations against the model.  The model does not mirror
	 * block accounting, so it only asserts what must hold: a hit returns
	 * the last value stored for that key, never an expired one, and a
	 * key whose entry was among the most recently used few after its
	 * put is still there when nothing larger came since.
	 */
	ps_test_begin("LRU: random operations agree with a slow model");
	memset(&m, 0, sizeof(m));
	for (int op = 0; op < 200000; op++)
	{
		int			k;
		char		key[16];
		int64_t		now = op / 10;

		seed = seed * 1103515245 + 12345;
		k = (seed >> 16) % 32;
		snprintf(key, sizeof(key), "key-%d", k);
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 3 == 0)
		{
			size_t		n = (seed >> 8) % 300;

			seed = seed * 1103515245 + 12345;
			for (size_t i = 0; i < n; i++)
				m.val[k][i] = 'a' + (char) ((op + i) % 26);
			if (ps_lru_put(l, key, strlen(key), m.val[k], n, now + 1 + (seed >> 16) % 50) == PS_OK)
			{
				m.live[k] = true;
				m.val_sz[k] = n;
				m.exp[k] = now + 1 + (seed >> 16) % 50;
				m.used[k] = ++tick;
			}
			else
				m.live[k] = false;
		}
		else
		{
			bool		hit;

			out.len = 0;
			hit = ps_lru_get(l, key, strlen(key), now, &out);
			if (hit)
			{
				if (!m.live[k] || m.exp[k] <= now || out.len != m.val_sz[k] ||
					memcmp(out.data, m.val[k], out.len) != 0)
				{
					ps_test_fail(__FILE__, __LINE__, "op %d key %d: stale or wrong hit", op, k);
					break;
				}
				m.used[k] = ++tick;
			}
			else if (m.live[k] && m.exp[k] > now)
			{
				/* a miss on a live key is legal only after eviction */
				int			newer = 0;

				for (int j = 0; j < 32; j++)
					if (m.live[j] && m.used[j] > m.used[k])
						newer++;
				/* 40 blocks hold at least 3 entries of <= 10 blocks */
				if (newer < 3)
				{
					ps_test_fail(__FILE__, __LINE__, "op %d key %d: lost with %d newer", op, k, newer);
					break;
				}
				m.live[k] = false;
			}
			else
				m.live[k] = false;
		}
		ps_lru_get_stats(l, &st);
		if (st.blocks_used > n_blocks || st.entries > n_entries)
		{
			ps_test_fail(__FILE__, __LINE__, "over budget");
			break;
		}
	}
	ps_lru_clear(l);
	ps_lru_get_stats(l, &st);
	CHECK_INT(st.blocks_used, 0);
	CHECK(st.evictions > 0);
	ps_test_end();
	ps_buf_free(&out);
	free(arena);
}

int
main(void)
{
	test_request();
	test_response();
	test_backoff();
	test_retry_after();
	test_ttl();
	test_bucket();
	test_lru();
	return ps_test_done();
}
