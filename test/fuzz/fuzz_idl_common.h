/*
 * fuzz_idl_common.h
 *	  Shared by the decoding fuzz targets: loads the four fixture IDLs
 *	  (the IDL files under $PS_FIXTURES/idl) once and compiles them into plans, and
 *	  checks that decoder output is JSON.
 */
#ifndef FUZZ_IDL_COMMON_H
#define FUZZ_IDL_COMMON_H

#include <jansson.h>
#include <string.h>

#include "ps_error.h"
#include "ps_idl.h"

#define FUZZ_PLAN_CNT 4

static ps_idl_plan_t *fuzz_plans[FUZZ_PLAN_CNT];

static inline void
fuzz_load_plans(void)
{
	static const char *const keys[FUZZ_PLAN_CNT] = {
		"fixture_dex", "fixture_vault", "fixture_legacy", "fixture_fuzz"
	};
	const char *dir = getenv("PS_FIXTURES");
	int			i;

	if (fuzz_plans[0])
		return;
	if (!dir || !*dir)
		dir = "../shared/fixtures";
	for (i = 0; i < FUZZ_PLAN_CNT; i++)
	{
		char		path[4096];
		char		err[512];
		FILE	   *f;
		char	   *text;
		long		n;

		snprintf(path, sizeof(path), "%s/idl/%s.json", dir, keys[i]);
		f = fopen(path, "rb");
		if (!f)
		{
			fprintf(stderr, "cannot read %s (set PS_FIXTURES)\n", path);
			abort();
		}
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		text = malloc((size_t) n + 1);
		FUZZ_ASSERT(text && fread(text, 1, (size_t) n, f) == (size_t) n);
		fclose(f);
		FUZZ_ASSERT(ps_idl_compile(text, (size_t) n, NULL, &fuzz_plans[i], err, sizeof(err)) == PS_OK);
		free(text);
	}
}

/* decoder output must be one JSON value */
static inline void
fuzz_assert_json(const ps_buf_t *b)
{
	json_error_t jerr;
	json_t	   *v = json_loadb(b->data ? b->data : "", b->len,
							   JSON_DECODE_INT_AS_REAL | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

	if (!v)
		fprintf(stderr, "not JSON (%s): %.*s\n", jerr.text, (int) (b->len > 400 ? 400 : b->len),
				b->data ? b->data : "");
	FUZZ_ASSERT(v != NULL);
	json_decref(v);
}

static inline int
fuzz_decode_status_ok(int rc)
{
	return rc == PS_OK || rc == PS_ERR_TRUNCATED || rc == PS_ERR_TRAILING ||
		rc == PS_ERR_UNKNOWN_DISC || rc == PS_ERR_UTF8 || rc == PS_ERR_ENUM_TAG ||
		rc == PS_ERR_BOOL || rc == PS_ERR_OPTION_TAG || rc == PS_ERR_LENGTH_EXCEEDS ||
		rc == PS_ERR_DISC_MISMATCH || rc == PS_ERR_LIMIT || rc == PS_ERR_ARG;
}

#endif							/* FUZZ_IDL_COMMON_H */
