/*
 * fuzz_rpc_garbage.c
 *	  Any bytes given to the JSON-RPC response splitter, the JSON
 *	  scanner and loader, Retry-After and TTL-list readers yield a
 *	  status, never a crash; what the loader accepts the scanner
 *	  accepts; spans stay inside the input, and an accepted body's
 *	  result span is itself one JSON value.  The same bytes as params either
 *	  build a request or are refused.
 */
#include "fuzz_common.h"

#include <string.h>

#include "ps_buf.h"
#include "ps_error.h"
#include "ps_json.h"
#include "ps_rpc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	ps_rpc_response_t r;
	size_t		pos = 0;
	int64_t		ms = 0;
	bool		found;
	int			rc;
	char	   *z;
	ps_buf_t	b;

	rc = ps_json_skip(s, size, &pos);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_LIMIT);
	FUZZ_ASSERT(pos <= size);
	{
		/* jansson is the stricter reader: what it loads, the scanner takes */
		json_t	   *v = NULL;
		int			lrc = ps_json_load_exact(s, size, &v, NULL, 0);

		FUZZ_ASSERT(lrc == PS_OK || lrc == PS_ERR_JSON);
		if (lrc == PS_OK)
		{
			FUZZ_ASSERT(rc == PS_ERR_LIMIT || (rc == PS_OK && pos == size));
			json_decref(v);
		}
	}

	rc = ps_rpc_parse_response(s, size, &r);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_LIMIT);
	if (rc == PS_OK)
	{
		FUZZ_ASSERT(r.kind == PS_RPC_RESULT || r.kind == PS_RPC_ERROR);
		FUZZ_ASSERT(strlen(r.err_msg) < PS_RPC_MSG_MAX);
		if (r.kind == PS_RPC_RESULT)
		{
			FUZZ_ASSERT(r.result_off + r.result_sz <= size && r.result_sz > 0);
			pos = 0;
			FUZZ_ASSERT(ps_json_skip(s + r.result_off, r.result_sz, &pos) == PS_OK);
			FUZZ_ASSERT(pos == r.result_sz);
		}
		else
			FUZZ_ASSERT(r.err_off + r.err_sz <= size && s[r.err_off] == '{');
	}

	rc = ps_retry_after_ms(s, size, 1700000000, &ms);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_SYNTAX);
	if (rc == PS_OK)
		FUZZ_ASSERT(ms >= 0 && ms <= 86400000);

	z = malloc(size + 1);
	memcpy(z, data, size);
	z[size] = '\0';
	rc = ps_rpc_ttl_lookup(z, "getSlot", &found, &ms);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_SYNTAX);
	if (rc == PS_OK && found)
		FUZZ_ASSERT(ms >= 0);

	ps_buf_init(&b, NULL, NULL);
	rc = ps_rpc_request(&b, 1, "getSlot", s, size);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_LIMIT);
	if (rc == PS_OK)
	{
		FUZZ_ASSERT(ps_rpc_parse_response(b.data, b.len, &r) == PS_ERR_JSON);
		pos = 0;
		FUZZ_ASSERT(ps_json_skip(b.data, b.len, &pos) == PS_OK && pos == b.len);
	}
	ps_buf_free(&b);
	free(z);
	return 0;
}
