/*
 * fuzz_borsh_garbage.c
 *	  Any bytes decoded with any fixture IDL's plan, as an event,
 *	  account, instruction or emit_cpi! event, give a status, never a
 *	  crash; on success the output is JSON; the error offset lies inside
 *	  the data.
 *
 * Input: byte 0 picks the plan (bits 0-1), the entry point (bits 2-3)
 * and whether to prefix the discriminator of item byte 1 (bit 4), so
 * the fuzzer reaches the bodies without guessing discriminators.
 */
#include "fuzz_common.h"
#include "fuzz_idl_common.h"

#include <stdlib.h>
#include <string.h>

#include "ps_buf.h"
#include "ps_idl_plan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ps_idl_plan_t *plan;
	int			mode;
	uint8_t    *buf;
	size_t		len = 0;
	ps_buf_t	out;
	const char *name = NULL;
	ps_idl_error_t err;
	int			rc;

	fuzz_load_plans();
	if (size < 2)
		return 0;
	plan = fuzz_plans[data[0] & 3];
	mode = (data[0] >> 2) & 3;
	buf = malloc(size + PS_IDL_DISC_MAX + 8);
	if (mode == 3)
	{
		memcpy(buf, ps_idl_cpi_event_tag, 8);
		len = 8;
	}
	if (data[0] & 16)
	{
		const ps_idl_item_t *items = mode == 1 ? plan->accounts : mode == 2 ? plan->instructions
			: plan->events;
		uint32_t	cnt = mode == 1 ? plan->account_cnt : mode == 2 ? plan->instruction_cnt
			: plan->event_cnt;

		if (cnt)
		{
			const ps_idl_item_t *it = &items[data[1] % cnt];

			memcpy(buf + len, it->disc, it->disc_len);
			len += it->disc_len;
		}
	}
	memcpy(buf + len, data + 2, size - 2);
	len += size - 2;

	ps_buf_init(&out, NULL, NULL);
	switch (mode)
	{
		case 0:
			rc = ps_idl_decode_event(plan, buf, len, data[1] & 3, &out, &name, &err);
			break;
		case 1:
			rc = ps_idl_decode_account(plan, buf, len, NULL, PS_IDL_JSONB_ORDER, &out, &name, &err);
			break;
		case 2:
			rc = ps_idl_decode_instruction(plan, buf, len, 0, &out, &name, &err);
			break;
		default:
			rc = ps_idl_decode_cpi_event(plan, buf, len, 0, &out, &name, &err);
			break;
	}
	FUZZ_ASSERT(fuzz_decode_status_ok(rc));
	if (rc == PS_OK)
	{
		FUZZ_ASSERT(name != NULL);
		fuzz_assert_json(&out);
	}
	else
	{
		char		msg[512];

		FUZZ_ASSERT(err.status == rc);
		FUZZ_ASSERT(err.offset <= len);
		ps_idl_error_text(&err, msg, sizeof(msg));
	}
	ps_buf_free(&out);
	free(buf);
	return 0;
}
