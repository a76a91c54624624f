/*
 * fuzz_idl_garbage.c
 *	  Any text given to ps_idl_compile (garbage, or fixture IDLs mutated
 *	  by the fuzzer from the seed corpus) gives a status and a message,
 *	  never a crash; a plan that compiles decodes a few fixed inputs
 *	  safely and its output is JSON.
 */
#include "fuzz_common.h"
#include "fuzz_idl_common.h"

#include <stdlib.h>
#include <string.h>

#include "ps_buf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ps_idl_plan_t *plan = NULL;
	char		err[256];
	uint8_t		pid[32] = {7};
	int			rc;
	int			k;

	err[0] = 'x';
	rc = ps_idl_compile((const char *) data, size, size % 2 ? pid : NULL, &plan, err, sizeof(err));
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_JSON || rc == PS_ERR_IDL || rc == PS_ERR_UNSUPPORTED ||
				rc == PS_ERR_LIMIT);
	FUZZ_ASSERT((rc == PS_OK) == (plan != NULL));
	FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc != PS_OK)
	{
		FUZZ_ASSERT(err[0] != '\0');
		return 0;
	}
	for (k = 0; k < 4; k++)
	{
		uint8_t		buf[64];
		ps_buf_t	out;
		const char *name;
		ps_idl_error_t derr;

		/* the input's own tail, then zeros, ones and 0xff */
		memset(buf, k == 0 ? 0 : k == 1 ? 1 : 0xff, sizeof(buf));
		if (k == 3)
			memcpy(buf, data + (size > 64 ? size - 64 : 0), size > 64 ? 64 : size);
		ps_buf_init(&out, NULL, NULL);
		rc = ps_idl_decode_event(plan, buf, sizeof(buf), 0, &out, &name, &derr);
		FUZZ_ASSERT(fuzz_decode_status_ok(rc));
		if (rc == PS_OK)
			fuzz_assert_json(&out);
		ps_buf_free(&out);
		ps_buf_init(&out, NULL, NULL);
		rc = ps_idl_decode_account(plan, buf, sizeof(buf), NULL, 0, &out, &name, &derr);
		FUZZ_ASSERT(fuzz_decode_status_ok(rc));
		if (rc == PS_OK)
			fuzz_assert_json(&out);
		ps_buf_free(&out);
	}
	ps_idl_free(plan);
	return 0;
}
