/*
 * fuzz_logs_garbage.c
 *	  Any bytes, split on '\n' into log lines, are classified and
 *	  attributed without a crash; every data line reported is in order,
 *	  inside the input, and attributed only with a sane depth and path;
 *	  single-part payloads decode with the fixture dex plan safely.
 */
#include "fuzz_common.h"
#include "fuzz_idl_common.h"

#include <stdlib.h>
#include <string.h>

#include "ps_buf.h"
#include "ps_logs.h"

typedef struct fz_t
{
	const uint8_t *data;
	size_t		size;
	size_t		n;
	long		last_log;
	size_t		next_data;
} fz_t;

static int
on_data(void *ctx, const ps_logs_data_t *d)
{
	fz_t	   *fz = ctx;

	FUZZ_ASSERT(d->log_index < fz->n);
	FUZZ_ASSERT((long) d->log_index > fz->last_log);
	FUZZ_ASSERT(d->data_index == fz->next_data);
	fz->last_log = (long) d->log_index;
	fz->next_data++;
	FUZZ_ASSERT((const uint8_t *) d->payload >= fz->data &&
				(const uint8_t *) d->payload + d->payload_len <= fz->data + fz->size);
	if (d->attributed)
	{
		FUZZ_ASSERT(!d->truncated);
		FUZZ_ASSERT(d->depth >= 1 && d->depth <= PS_LOGS_MAX_DEPTH);
		FUZZ_ASSERT(d->program_id == d->path[d->depth - 1]);
		FUZZ_ASSERT(d->top_level_index >= 0);
		FUZZ_ASSERT((d->depth == 1) == (d->cpi_index == -1));
	}
	else
		FUZZ_ASSERT(d->program_id == NULL);
	if (d->part_cnt == 1)
	{
		uint8_t    *raw = malloc(d->payload_len + 4);
		size_t		rlen = 0;

		if (ps_base64_decode(d->payload, d->payload_len, raw, &rlen) == PS_OK)
		{
			ps_buf_t	out;
			const char *name;
			ps_idl_error_t err;
			int			rc;

			FUZZ_ASSERT(rlen <= d->payload_len);
			ps_buf_init(&out, NULL, NULL);
			rc = ps_idl_decode_event(fuzz_plans[0], raw, rlen, 0, &out, &name, &err);
			FUZZ_ASSERT(fuzz_decode_status_ok(rc));
			if (rc == PS_OK)
				fuzz_assert_json(&out);
			ps_buf_free(&out);
		}
		free(raw);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char **lines;
	size_t	   *lens;
	size_t		n = 0,
				i,
				start = 0;
	fz_t		fz;

	fuzz_load_plans();
	lines = malloc((size + 1) * sizeof(char *));
	lens = malloc((size + 1) * sizeof(size_t));
	for (i = 0; i <= size; i++)
	{
		if (i == size || data[i] == '\n')
		{
			lines[n] = (const char *) data + start;
			lens[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	fz.data = data;
	fz.size = size;
	fz.n = n;
	fz.last_log = -1;
	fz.next_data = 0;
	FUZZ_ASSERT(ps_logs_attribute(lines, lens, n, on_data, &fz) == 0);
	for (i = 0; i < n; i++)
	{
		ps_log_line_t ln;
		ps_log_kind_t k = ps_logs_classify(lines[i], lens[i], &ln);

		FUZZ_ASSERT(k >= PS_LOG_OTHER && k <= PS_LOG_TRUNCATED);
		if (k == PS_LOG_INVOKE)
			FUZZ_ASSERT(ln.height >= 1);
	}
	free(lines);
	free(lens);
	return 0;
}
