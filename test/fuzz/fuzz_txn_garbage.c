/*
 * fuzz_txn_garbage.c
 *	  Any bytes, read as a wire transaction and as a bare message, give
 *	  a status and never a crash; whatever decodes also passes the
 *	  signer and split checks, and its JSON parses.
 */
#include "fuzz_common.h"

#include <jansson.h>
#include <string.h>

#include "ps_buf.h"
#include "ps_error.h"
#include "ps_txn.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			as_msg;

	for (as_msg = 0; as_msg < 2; as_msg++)
	{
		ps_buf_t	b;
		int			rc;

		ps_buf_init(&b, NULL, NULL);
		rc = ps_txn_decode_json(data, size, as_msg, &b);
		FUZZ_ASSERT(rc <= 0);
		if (rc == PS_OK)
		{
			json_error_t err;
			json_t	   *j = json_loadb(b.data, b.len, 0, &err);
			ps_txn_info_t info;

			FUZZ_ASSERT(j != NULL);
			json_decref(j);
			if (as_msg)
				FUZZ_ASSERT(ps_txn_message_info(data, size, &info) == PS_OK);
			else
			{
				const uint8_t *sigs;
				const uint8_t *msg;
				size_t		msg_sz;
				int			n;

				FUZZ_ASSERT(ps_txn_split_wire(data, size, &sigs, &n, &msg, &msg_sz) == PS_OK);
				FUZZ_ASSERT(ps_txn_message_info(msg, msg_sz, &info) == PS_OK);
				FUZZ_ASSERT(info.num_required_signatures == n);
				(void) ps_txn_verify(data, size, NULL);
			}
		}
		ps_buf_free(&b);
	}
	return 0;
}
