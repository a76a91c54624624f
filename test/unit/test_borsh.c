/*
 * test_borsh.c
 *	  Borsh decoding with compiled IDL plans against every case of
 *	  anchor_idl_events.json and anchor_accounts.json: valid cases must
 *	  give the expected JSON (compared as parsed JSON, numbers exactly),
 *	  malformed ones the status of their expect_error category.  Plus
 *	  emit_cpi! framing, instruction args, wide integers cross-checked
 *	  against a slow decimal conversion, and the NUL-stripping flag.
 */
#include "ps_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_buf.h"
#include "ps_error.h"
#include "ps_idl.h"

#define MAX_DATA 65536

static ps_idl_plan_t *plans[8];
static const char *plan_keys[8];
static int	plan_cnt;

static ps_idl_plan_t *
plan_for(const char *key)
{
	int			i;
	char		file[256];
	char		err[512];
	size_t		len;
	char	   *text;
	int			rc;

	for (i = 0; i < plan_cnt; i++)
		if (strcmp(plan_keys[i], key) == 0)
			return plans[i];
	snprintf(file, sizeof(file), "idl/%s.json", key);
	text = ps_test_read_file(ps_test_fixture_path(file), &len);
	rc = ps_idl_compile(text, len, NULL, &plans[plan_cnt], err, sizeof(err));
	free(text);
	if (rc != PS_OK)
	{
		printf("Bail out! %s does not compile: %s\n", key, err);
		exit(255);
	}
	plan_keys[plan_cnt] = key;
	return plans[plan_cnt++];
}

/* statuses accepted for an expect_error category */
static bool
category_ok(const char *cat, int rc)
{
	/*
	 * A cut-off string, bytes or vec reads exactly like a length prefix
	 * one beyond the data (string-length-remaining-plus-1 is byte for
	 * byte what truncated-to-89-of-90 ends with), so "truncated" also
	 * accepts PS_ERR_LENGTH_EXCEEDS; both are 22P03.
	 */
	if (strcmp(cat, "truncated") == 0)
		return rc == PS_ERR_TRUNCATED || rc == PS_ERR_LENGTH_EXCEEDS;
	if (strcmp(cat, "unknown_discriminator") == 0)
		return rc == PS_ERR_UNKNOWN_DISC;
	if (strcmp(cat, "trailing_bytes") == 0)
		return rc == PS_ERR_TRAILING;
	if (strcmp(cat, "invalid_utf8") == 0)
		return rc == PS_ERR_UTF8;
	if (strcmp(cat, "length_exceeds_data") == 0)
		return rc == PS_ERR_LENGTH_EXCEEDS;
	if (strcmp(cat, "invalid_enum_tag") == 0)
		return rc == PS_ERR_ENUM_TAG;
	if (strcmp(cat, "invalid_bool") == 0)
		return rc == PS_ERR_BOOL;
	if (strcmp(cat, "invalid_option_tag") == 0)
		return rc == PS_ERR_OPTION_TAG;
	if (strcmp(cat, "invalid_base64") == 0)
		return rc == PS_ERR_BASE64;
	if (strcmp(cat, "discriminator_mismatch") == 0)
		return rc == PS_ERR_DISC_MISMATCH;
	return false;
}

/* the bytes of a "Program data: <b64>" line, strictly decoded */
static int
log_line_bytes(const char *line, uint8_t *out, size_t *out_len)
{
	const char *p = line + strlen("Program data: ");

	if (strncmp(line, "Program data: ", 14) != 0 || strlen(p) / 4 * 3 > MAX_DATA)
		return PS_ERR_BAD_DATA;
	return ps_base64_decode(p, strlen(p), out, out_len);
}

static void
check_value(const char *text, size_t len, json_t *expected)
{
	json_t	   *got = ps_test_parse(text, len);
	char		where[256] = "";

	CHECK(got != NULL);
	if (got && !ps_test_json_equal(got, expected, where, sizeof(where)))
		ps_test_fail(__FILE__, __LINE__, "value differs at %s: %.300s", where, text);
	json_decref(got);
}

/*
 * check_jsonb_order: in every object of the text, each key is no longer
 * than the next, and equal-length keys ascend bytewise.  Keys are found
 * by a small scanner that knows the decoder's compact output.
 */
static void
check_jsonb_order(const char *t)
{
	const char *prev[PS_IDL_MAX_DEPTH + 2];
	size_t		prev_len[PS_IDL_MAX_DEPTH + 2];
	int			depth = 0;
	bool		expect_key = false;

	for (; *t; t++)
	{
		if (*t == '{' || *t == '[')
		{
			depth++;
			prev[depth] = NULL;
			expect_key = *t == '{';
		}
		else if (*t == '}' || *t == ']')
			depth--;
		else if (*t == ',')
			expect_key = prev[depth] != NULL;	/* inside an object */
		else if (*t == '"')
		{
			const char *s = ++t;

			while (*t && *t != '"')
				t += *t == '\\' ? 2 : 1;
			if (expect_key && t[1] == ':')
			{
				size_t		len = (size_t) (t - s);

				if (prev[depth] && (prev_len[depth] > len ||
									(prev_len[depth] == len && memcmp(prev[depth], s, len) > 0)))
					ps_test_fail(__FILE__, __LINE__, "key %.*s after %.*s", (int) len, s,
								 (int) prev_len[depth], prev[depth]);
				prev[depth] = s;
				prev_len[depth] = len;
			}
			expect_key = false;
		}
	}
}

static void
event_cases(json_t *fx)
{
	size_t		i;
	json_t	   *c;
	static uint8_t data[MAX_DATA];

	json_array_foreach(json_object_get(fx, "cases"), i, c)
	{
		ps_idl_plan_t *plan = plan_for(ps_test_str(c, "idl"));
		long		n = ps_test_base64(ps_test_str(c, "data_b64"), data, sizeof(data));
		ps_buf_t	b;
		const char *name = NULL;
		ps_idl_error_t err;
		int			rc;
		json_t	   *exp = json_object_get(c, "expected");
		uint8_t		viaLog[MAX_DATA];
		size_t		vlen = 0;
		char		msg[400];

		ps_test_begin("event %s", ps_test_str(c, "name"));
		CHECK(n >= 0);
		CHECK_INT(n, ps_test_int(c, "data_len"));
		ps_buf_init(&b, NULL, NULL);
		rc = ps_idl_decode_event(plan, data, (size_t) n, 0, &b, &name, &err);
		ps_idl_error_text(&err, msg, sizeof(msg));
		if (rc != PS_OK)
			ps_test_fail(__FILE__, __LINE__, "decode failed: %s", msg);
		else
		{
			CHECK_STR(name, ps_test_str(exp, "name"));
			check_value(b.data, b.len, json_object_get(exp, "data"));
		}
		/* in jsonb key order: the same value, keys shorter first */
		ps_buf_free(&b);
		ps_buf_init(&b, NULL, NULL);
		rc = ps_idl_decode_event(plan, data, (size_t) n, PS_IDL_JSONB_ORDER, &b, &name, &err);
		CHECK_INT(rc, PS_OK);
		if (rc == PS_OK)
		{
			check_value(b.data, b.len, json_object_get(exp, "data"));
			check_jsonb_order(b.data);
		}
		/* the log line carries the same bytes */
		CHECK_INT(log_line_bytes(ps_test_str(c, "log_line"), viaLog, &vlen), PS_OK);
		CHECK_INT(vlen, n);
		CHECK(vlen == (size_t) n && memcmp(viaLog, data, vlen) == 0);
		ps_buf_free(&b);
		ps_test_end();
	}

	json_array_foreach(json_object_get(fx, "malformed"), i, c)
	{
		ps_idl_plan_t *plan = plan_for(ps_test_str(c, "idl"));
		const char *cat = ps_test_str(c, "expect_error");
		size_t		len = 0;
		int			rc;
		ps_buf_t	b;
		const char *name = NULL;
		ps_idl_error_t err;
		char		msg[400] = "";

		ps_test_begin("malformed event %s (%s)", ps_test_str(c, "name"), cat);
		ps_buf_init(&b, NULL, NULL);
		rc = log_line_bytes(ps_test_str(c, "log_line"), data, &len);
		if (rc == PS_OK)
		{
			rc = ps_idl_decode_event(plan, data, len, 0, &b, &name, &err);
			ps_idl_error_text(&err, msg, sizeof(msg));
			CHECK(err.offset <= len);
		}
		if (!category_ok(cat, rc))
			ps_test_fail(__FILE__, __LINE__, "status %d (%s) %s", rc, ps_strerror(rc), msg);
		CHECK(ps_error_class(rc) == (strcmp(cat, "invalid_base64") == 0 ? PS_CLASS_TEXT
									 : PS_CLASS_BINARY));
		ps_buf_free(&b);
		ps_test_end();
	}
}

static void
account_cases(json_t *fx)
{
	size_t		i;
	json_t	   *c;
	static uint8_t data[MAX_DATA];

	json_array_foreach(json_object_get(fx, "cases"), i, c)
	{
		ps_idl_plan_t *plan = plan_for(ps_test_str(c, "idl"));
		long		n = ps_test_base64(ps_test_str(c, "data_b64"), data, sizeof(data));
		ps_buf_t	b;
		const char *name = NULL;
		ps_idl_error_t err;
		int			rc;
		json_t	   *exp = json_object_get(c, "expected");
		char		msg[400];

		ps_test_begin("account %s", ps_test_str(c, "name"));
		CHECK_INT(n, ps_test_int(c, "data_len"));
		/* matched by discriminator */
		ps_buf_init(&b, NULL, NULL);
		rc = ps_idl_decode_account(plan, data, (size_t) n, NULL, 0, &b, &name, &err);
		ps_idl_error_text(&err, msg, sizeof(msg));
		if (rc != PS_OK)
			ps_test_fail(__FILE__, __LINE__, "decode failed: %s", msg);
		else
		{
			CHECK_STR(name, ps_test_str(exp, "name"));
			check_value(b.data, b.len, json_object_get(exp, "data"));
		}
		ps_buf_free(&b);
		/* and by name */
		ps_buf_init(&b, NULL, NULL);
		rc = ps_idl_decode_account(plan, data, (size_t) n, ps_test_str(c, "account"), 0, &b,
								   &name, &err);
		CHECK_INT(rc, PS_OK);
		if (rc == PS_OK)
			check_value(b.data, b.len, json_object_get(exp, "data"));
		ps_buf_free(&b);
		ps_test_end();
	}

	json_array_foreach(json_object_get(fx, "malformed"), i, c)
	{
		ps_idl_plan_t *plan = plan_for(ps_test_str(c, "idl"));
		const char *cat = ps_test_str(c, "expect_error");
		long		n = ps_test_base64(ps_test_str(c, "data_b64"), data, sizeof(data));
		ps_buf_t	b;
		const char *name = NULL;
		ps_idl_error_t err;
		int			rc;
		char		msg[400];

		ps_test_begin("malformed account %s (%s)", ps_test_str(c, "name"), cat);
		CHECK(n >= 0);
		ps_buf_init(&b, NULL, NULL);
		rc = ps_idl_decode_account(plan, data, (size_t) n, ps_test_str(c, "account"), 0, &b,
								   &name, &err);
		ps_idl_error_text(&err, msg, sizeof(msg));
		if (!category_ok(cat, rc))
			ps_test_fail(__FILE__, __LINE__, "status %d (%s) %s", rc, ps_strerror(rc), msg);
		ps_buf_free(&b);
		/* without the name, a wrong discriminator is unknown or another type */
		ps_buf_init(&b, NULL, NULL);
		rc = ps_idl_decode_account(plan, data, (size_t) n, NULL, 0, &b, &name, &err);
		if (strcmp(cat, "discriminator_mismatch") != 0 && !category_ok(cat, rc))
			ps_test_fail(__FILE__, __LINE__, "by discriminator: status %d", rc);
		ps_buf_free(&b);
		ps_test_end();
	}
}

/* slow decimal of a little-endian unsigned integer: repeated doubling */
static void
slow_decimal(const uint8_t *le, size_t n, char *out)
{
	int			dig[100] = {0};
	int			nd = 1,
				i,
				j;

	for (i = (int) n * 8 - 1; i >= 0; i--)
	{
		int			carry = (le[i / 8] >> (i % 8)) & 1;

		for (j = 0; j < nd; j++)
		{
			int			v = dig[j] * 2 + carry;

			dig[j] = v % 10;
			carry = v / 10;
		}
		if (carry)
			dig[nd++] = carry;
	}
	for (j = 0; j < nd; j++)
		out[j] = (char) ('0' + dig[nd - 1 - j]);
	out[nd] = '\0';
}

static const char wide_idl[] =
"{\"address\":\"11111111111111111111111111111111\",\"metadata\":{\"name\":\"w\",\"spec\":\"0.1.0\"},"
"\"events\":[{\"name\":\"W\",\"discriminator\":[1]}],"
"\"instructions\":[{\"name\":\"go\",\"discriminator\":[7,7],\"args\":"
"[{\"name\":\"n\",\"type\":\"u16\"},{\"name\":\"s\",\"type\":\"string\"}]}],"
"\"types\":[{\"name\":\"W\",\"type\":{\"kind\":\"struct\",\"fields\":"
"[{\"name\":\"a\",\"type\":\"u128\"},{\"name\":\"b\",\"type\":\"u256\"}]}}]}";

static void
wide_ints(void)
{
	ps_idl_plan_t *plan;
	char		err[256];
	int			k,
				i;
	uint32_t	seed = 12345;

	ps_test_begin("u128/u256 decimals agree with a slow conversion (500 random values)");
	CHECK_INT(ps_idl_compile(wide_idl, strlen(wide_idl), NULL, &plan, err, sizeof(err)), PS_OK);
	for (k = 0; k < 500 && plan; k++)
	{
		uint8_t		data[1 + 16 + 32];
		char		exp[256];
		char		e1[100],
					e2[100];
		ps_buf_t	b;
		const char *name;
		ps_idl_error_t derr;

		data[0] = 1;
		for (i = 1; i < (int) sizeof(data); i++)
		{
			seed = seed * 1103515245u + 12345u;
			data[i] = (uint8_t) (seed >> 16);
			if (k % 5 == 0 && i > k % 40)
				data[i] = 0;	/* small values too */
		}
		slow_decimal(data + 1, 16, e1);
		slow_decimal(data + 17, 32, e2);
		snprintf(exp, sizeof(exp), "{\"a\":%s,\"b\":%s}", e1, e2);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_event(plan, data, sizeof(data), 0, &b, &name, &derr), PS_OK);
		CHECK_STR(b.data, exp);
		ps_buf_free(&b);
	}
	ps_test_end();

	ps_test_begin("instruction args, trailing bytes, NUL stripping");
	if (plan)
	{
		uint8_t		ix[] = {7, 7, 0x34, 0x12, 3, 0, 0, 0, 'a', 0, 'b', 9};
		ps_buf_t	b;
		const char *name;
		ps_idl_error_t derr;

		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_instruction(plan, ix, sizeof(ix) - 1, 0, &b, &name, &derr), PS_OK);
		CHECK_STR(name, "go");
		CHECK_STR(b.data, "{\"n\":4660,\"s\":\"a\\u0000b\"}");
		ps_buf_free(&b);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_instruction(plan, ix, sizeof(ix) - 1, PS_IDL_STRIP_NUL, &b,
											&name, &derr), PS_OK);
		CHECK_STR(b.data, "{\"n\":4660,\"s\":\"ab\"}");
		ps_buf_free(&b);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_instruction(plan, ix, sizeof(ix), 0, &b, &name, &derr),
				  PS_ERR_TRAILING);
		CHECK_INT(derr.offset, sizeof(ix) - 1);
		ps_buf_free(&b);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_instruction(plan, ix, 7, 0, &b, &name, &derr),
				  PS_ERR_TRUNCATED);
		CHECK_STR(derr.path, "s");
		CHECK_INT(derr.offset, 4);
		ps_buf_free(&b);
	}
	ps_idl_free(plan);
	ps_test_end();
}

static void
cpi_events(json_t *fx)
{
	size_t		i;
	json_t	   *c;
	int			cnt = 0;
	static uint8_t data[MAX_DATA + 8];

	ps_test_begin("emit_cpi! framing: tag + event decodes like the event");
	json_array_foreach(json_object_get(fx, "cases"), i, c)
	{
		ps_idl_plan_t *plan = plan_for(ps_test_str(c, "idl"));
		long		n = ps_test_base64(ps_test_str(c, "data_b64"), data + 8, MAX_DATA);
		ps_buf_t	b;
		const char *name = NULL;
		ps_idl_error_t err;
		int			rc;

		if (i % 7 != 0)
			continue;
		memcpy(data, ps_idl_cpi_event_tag, 8);
		ps_buf_init(&b, NULL, NULL);
		rc = ps_idl_decode_cpi_event(plan, data, (size_t) n + 8, 0, &b, &name, &err);
		CHECK_INT(rc, PS_OK);
		if (rc == PS_OK)
			check_value(b.data, b.len, json_object_get(json_object_get(c, "expected"), "data"));
		ps_buf_free(&b);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_cpi_event(plan, data + 8, (size_t) n, 0, &b, &name, &err),
				  PS_ERR_UNKNOWN_DISC);
		ps_buf_free(&b);
		cnt++;
	}
	CHECK(cnt > 10);
	ps_test_end();
}

int
main(void)
{
	json_t	   *ev = ps_test_fixture("anchor_idl_events.json");
	json_t	   *ac = ps_test_fixture("anchor_accounts.json");
	int			i;

	event_cases(ev);
	account_cases(ac);
	cpi_events(ev);
	wide_ints();
	json_decref(ev);
	json_decref(ac);
	for (i = 0; i < plan_cnt; i++)
		ps_idl_free(plans[i]);
	return ps_test_done();
}
