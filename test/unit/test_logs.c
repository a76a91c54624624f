/*
 * test_logs.c
 *	  Log line classification and invoke-stack attribution against every
 *	  case of logs_attribution.json: each line's kind, and for each
 *	  "Program data:" line its index, program, depth, invocation path,
 *	  top-level and CPI indexes, parts, and the decoded event (with the
 *	  fixture IDLs) or the decode error.
 */
#include "ps_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_buf.h"
#include "ps_error.h"
#include "ps_idl.h"
#include "ps_logs.h"

static const char *const kind_names[] = {
	"other", "invoke", "success", "failed", "consumed", "return", "log", "data",
	"consumption", "truncated"
};

typedef struct prog_t
{
	uint8_t		id[32];
	ps_idl_plan_t *plan;
	const char *key;
} prog_t;

static prog_t progs[8];
static int	prog_cnt;

typedef struct run_t
{
	json_t	   *expected;		/* data_lines */
	size_t		seen;
} run_t;

static void
load_programs(json_t *fx)
{
	size_t		i;
	json_t	   *p;

	json_array_foreach(json_object_get(fx, "programs"), i, p)
	{
		char		file[256];
		char		err[512];
		size_t		len;
		char	   *text;

		progs[prog_cnt].key = ps_test_str(p, "idl");
		ps_base58_decode_32(ps_test_str(p, "program_id"), progs[prog_cnt].id);
		snprintf(file, sizeof(file), "idl/%s.json", progs[prog_cnt].key);
		text = ps_test_read_file(ps_test_fixture_path(file), &len);
		if (ps_idl_compile(text, len, NULL, &progs[prog_cnt].plan, err, sizeof(err)) != PS_OK)
		{
			printf("Bail out! %s: %s\n", file, err);
			exit(255);
		}
		free(text);
		prog_cnt++;
	}
}

static prog_t *
find_prog(const uint8_t *id)
{
	int			i;

	for (i = 0; id && i < prog_cnt; i++)
		if (memcmp(progs[i].id, id, 32) == 0)
			return &progs[i];
	return NULL;
}

static void
check_json(const char *text, size_t len, json_t *expected)
{
	json_t	   *got = ps_test_parse(text, len);
	char		where[256] = "";

	CHECK(got != NULL);
	if (got && !ps_test_json_equal(got, expected, where, sizeof(where)))
		ps_test_fail(__FILE__, __LINE__, "value differs at %s: %.200s", where, text);
	json_decref(got);
}

static int
on_data(void *ctx, const ps_logs_data_t *d)
{
	run_t	   *run = ctx;
	json_t	   *e = json_array_get(run->expected, run->seen++);
	json_t	   *parts;
	char		b58[64];
	prog_t	   *pg;
	int			i;
	const char *exp_err;
	json_t	   *exp_ev;

	if (!e)
	{
		ps_test_fail(__FILE__, __LINE__, "unexpected data line %zu", d->log_index);
		return 0;
	}
	CHECK_INT(d->log_index, ps_test_int(e, "log_index"));
	CHECK_INT(d->data_index, ps_test_int(e, "data_index"));
	CHECK_INT(d->attributed, json_is_true(json_object_get(e, "attributed")));
	parts = json_object_get(e, "parts_b64");
	CHECK_INT(d->part_cnt, json_array_size(parts));
	for (i = 0; i < d->part_cnt; i++)
	{
		const char *pt;
		size_t		pl;

		CHECK(ps_logs_part(d->payload, d->payload_len, i, &pt, &pl));
		CHECK(strlen(json_string_value(json_array_get(parts, i))) == pl &&
			  memcmp(pt, json_string_value(json_array_get(parts, i)), pl) == 0);
	}
	if (!d->attributed)
	{
		CHECK(json_is_null(json_object_get(e, "program_id")));
		return 0;
	}
	ps_base58_encode_32(d->program_id, b58);
	CHECK_STR(b58, ps_test_str(e, "program_id"));
	CHECK_INT(d->depth, ps_test_int(e, "depth"));
	CHECK_INT(d->top_level_index, ps_test_int(e, "top_level_invoke_index"));
	if (json_is_null(json_object_get(e, "cpi_index")))
		CHECK_INT(d->cpi_index, -1);
	else
		CHECK_INT(d->cpi_index, ps_test_int(e, "cpi_index"));
	CHECK_INT(d->depth, json_array_size(json_object_get(e, "invocation_path")));
	for (i = 0; i < d->depth; i++)
	{
		ps_base58_encode_32(d->path[i], b58);
		CHECK_STR(b58, json_string_value(json_array_get(json_object_get(e, "invocation_path"), i)));
	}

	/* the event, decoded only for fixture programs and one part */
	pg = find_prog(d->program_id);
	exp_err = ps_test_str(e, "decode_error");
	exp_ev = json_object_get(e, "event");
	if (!pg)
	{
		CHECK(exp_ev == NULL || json_is_null(exp_ev));
		return 0;
	}
	if (d->part_cnt == 0)
		CHECK_STR("empty", exp_err);
	else if (d->part_cnt > 1)
		CHECK_STR("multiple_parts", exp_err);
	else
	{
		uint8_t    *raw = malloc(d->payload_len + 4);
		size_t		rlen = 0;
		int			rc = ps_base64_decode(d->payload, d->payload_len, raw, &rlen);
		ps_buf_t	b;
		const char *name = NULL;
		ps_idl_error_t err;

		ps_buf_init(&b, NULL, NULL);
		if (rc == PS_OK)
			rc = ps_idl_decode_event(pg->plan, raw, rlen, 0, &b, &name, &err);
		if (rc == PS_OK)
		{
			CHECK(exp_err == NULL);
			CHECK_STR(name, ps_test_str(exp_ev, "name"));
			check_json(b.data, b.len, json_object_get(exp_ev, "data"));
		}
		else if (rc == PS_ERR_UNKNOWN_DISC)
			CHECK_STR("unknown_discriminator", exp_err);
		else
			CHECK_STR("malformed", exp_err);
		ps_buf_free(&b);
		free(raw);
	}
	return 0;
}

static void
run_cases(json_t *fx)
{
	size_t		i;
	json_t	   *c;

	json_array_foreach(json_object_get(fx, "cases"), i, c)
	{
		json_t	   *logs = json_object_get(c, "logs");
		size_t		n = json_array_size(logs),
					k;
		const char **lines = calloc(n + 1, sizeof(char *));
		size_t	   *lens = calloc(n + 1, sizeof(size_t));
		run_t		run;

		ps_test_begin("logs %s (%zu lines)", ps_test_str(c, "name"), n);
		for (k = 0; k < n; k++)
		{
			ps_log_line_t ln;
			ps_log_kind_t kind;

			lines[k] = json_string_value(json_array_get(logs, k));
			lens[k] = strlen(lines[k]);
			kind = ps_logs_classify(lines[k], lens[k], &ln);
			CHECK_STR(kind_names[kind],
					  json_string_value(json_array_get(json_object_get(c, "line_kinds"), k)));
		}
		run.expected = json_object_get(c, "data_lines");
		run.seen = 0;
		CHECK_INT(ps_logs_attribute(lines, lens, n, on_data, &run), 0);
		CHECK_INT(run.seen, json_array_size(run.expected));
		free(lines);
		free(lens);
		ps_test_end();
	}
}

/* shapes that must not count, and stack edge cases */
static int
collect(void *ctx, const ps_logs_data_t *d)
{
	ps_logs_data_t *out = ctx;

	out[d->data_index] = *d;
	out[d->data_index].path = NULL;
	return d->data_index >= 3 ? 7 : 0;
}

static void
edge_cases(void)
{
	const char *bad[] = {
		"Program 11111111111111111111111111111111 invoke [0]",
		"Program 11111111111111111111111111111111 invoke [1",
		"Program 1111111111111111111111111111111O invoke [1]",
		"Program 11111111111111111111111111111111 invoke [x]",
		"Program 11111111111111111111111111111111 consumed 5 of x compute units",
		"Program 11111111111111111111111111111111 successful",
		"Program log: Program 11111111111111111111111111111111 invoke [1]",
		"Program consumption: 12 units",
		"Program is not deployed",
		"Log truncated ",
		"",
	};
	const char *lines[] = {
		"Program data: AQ==",	/* before any invoke: not attributed */
		"Program 11111111111111111111111111111111 invoke [2]",	/* skipped level */
		"Program data: Ag==",	/* level 1 unknown: not attributed */
		"Program 11111111111111111111111111111111 success",
		"Program 11111111111111111111111111111111 success",
		"Program 11111111111111111111111111111111 success",	/* pop below zero */
		"Program SysvarC1ock11111111111111111111111111111111 invoke [1]",
		"Program data: Aw==",
		"Program data: BA==",
		"Program data: BQ==",	/* after the callback stops */
	};
	size_t		lens[10];
	ps_logs_data_t got[8];
	size_t		i;
	ps_log_line_t ln;

	ps_test_begin("lines that only look like runtime lines are other or log");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		ps_log_kind_t k = ps_logs_classify(bad[i], strlen(bad[i]), &ln);

		if (i == 6)
			CHECK_INT(k, PS_LOG_LOG);
		else if (k != PS_LOG_OTHER)
			ps_test_fail(__FILE__, __LINE__, "\"%s\" is kind %d", bad[i], k);
	}
	CHECK_INT(ps_logs_classify(NULL, 0, &ln), PS_LOG_OTHER);
	ps_test_end();

	ps_test_begin("stack edge cases and callback stop");
	for (i = 0; i < 10; i++)
		lens[i] = strlen(lines[i]);
	memset(got, 0, sizeof(got));
	CHECK_INT(ps_logs_attribute(lines, lens, 10, collect, got), 7);
	CHECK(!got[0].attributed);
	CHECK(!got[1].attributed);
	CHECK(got[2].attributed);
	CHECK_INT(got[2].depth, 1);
	CHECK_INT(got[2].top_level_index, 0);
	CHECK(got[3].attributed);
	ps_test_end();
}

int
main(void)
{
	json_t	   *fx = ps_test_fixture("logs_attribution.json");
	int			i;

	load_programs(fx);
	run_cases(fx);
	edge_cases();
	json_decref(fx);
	for (i = 0; i < prog_cnt; i++)
		ps_idl_free(progs[i].plan);
	return ps_test_done();
}
