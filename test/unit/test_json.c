/*
 * test_json.c
 *	  ps_json: the span scanner against valid and invalid text, member
 *	  spans of an object, and exact loading (numbers tagged, checked
 *	  with the scanner's grammar; a NUL byte is not the end).
 */
#include "ps_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_error.h"
#include "ps_json.h"

static int
skip_all(const char *s)
{
	size_t		pos = 0;
	int			rc = ps_json_skip(s, strlen(s), &pos);

	if (rc == PS_OK && pos != strlen(s))
		return PS_ERR_JSON;
	return rc;
}

static int
load_status(const char *s, size_t len)
{
	json_t	   *v = NULL;
	char		err[128];
	int			rc = ps_json_load_exact(s, len, &v, err, sizeof(err));

	if (v)
		json_decref(v);
	return rc;
}

/* text both the scanner and the loader accept, and text both refuse */
static const char *good[] = {"0", "-1.5e+3", "\"a\\u00e9\\n\"", "true", "null",
	" [ ] ", "{}", "{\"a\":[1,{\"b\":false}],\"c\":\"\"}", "18446744073709551615",
	"-0", "1E-7", "[0,-0.0,10]", "340282366920938463463374607431768211455"};
static const char *bad[] = {"", "01", "1.", "-", "\"abc", "\"\\x\"", "[1 2]",
	"{\"a\" 1}", "{a:1}", "tru", "[", "\"\\u12g4\"", "{\"a\":1,}", "\"\x01\"",
	"+1", ".5", "1e", "--1", "1.5.2", "[-]", "[1-]", "[1e+]", "NaN", "[1,]"};

static void
test_scanner(void)
{
	char		deep[2 * PS_JSON_DEPTH_MAX + 8];

	ps_test_begin("scanner accepts valid and rejects invalid text");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (skip_all(good[i]) != PS_OK)
			ps_test_fail(__FILE__, __LINE__, "rejected %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (skip_all(bad[i]) == PS_OK)
			ps_test_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
	memset(deep, '[', PS_JSON_DEPTH_MAX + 1);
	memset(deep + PS_JSON_DEPTH_MAX + 1, ']', PS_JSON_DEPTH_MAX + 1);
	deep[2 * PS_JSON_DEPTH_MAX + 2] = '\0';
	CHECK_INT(skip_all(deep), PS_ERR_LIMIT);
	ps_test_end();
}

static void
test_spans(void)
{
	static const char *const keys[] = {"result", "error", "x"};
	ps_json_span_t sp[3];
	const char *t = " { \"x\" : 1 , \"result\" : { \"a\" : [ 1 ] } , \"x\":\"last\" }\n";

	ps_test_begin("object spans: values without blanks, last name wins");
	CHECK_INT(ps_json_object_spans(t, strlen(t), keys, 3, sp), PS_OK);
	CHECK(sp[0].found && !sp[1].found && sp[2].found);
	CHECK_INT(sp[0].sz, strlen("{ \"a\" : [ 1 ] }"));
	CHECK(memcmp(t + sp[0].off, "{ \"a\" : [ 1 ] }", sp[0].sz) == 0);
	CHECK(memcmp(t + sp[2].off, "\"last\"", sp[2].sz) == 0 && sp[2].sz == 6);
	/* an escaped name is not the plain one */
	{
		const char *esc = "{\"r\\u0065sult\":1}";

		CHECK_INT(ps_json_object_spans(esc, strlen(esc), keys, 1, sp), PS_OK);
	}
	CHECK(!sp[0].found);
	CHECK_INT(ps_json_object_spans("{}", 2, keys, 3, sp), PS_OK);
	CHECK(!sp[0].found && !sp[1].found && !sp[2].found);
	CHECK_INT(ps_json_object_spans("[]", 2, keys, 3, sp), PS_ERR_JSON);
	CHECK_INT(ps_json_object_spans("{\"result\":1} {}", 15, keys, 3, sp), PS_ERR_JSON);
	CHECK_INT(ps_json_object_spans("{\"result\":1,}", 13, keys, 3, sp), PS_ERR_JSON);
	CHECK_INT(ps_json_object_spans("{\"result\" 1}", 12, keys, 3, sp), PS_ERR_JSON);
	CHECK_INT(ps_json_object_spans("", 0, keys, 3, sp), PS_ERR_JSON);
	ps_test_end();
}

static void
test_load(void)
{
	json_t	   *v;
	const char *big = "{\"lamports\":18446744073709551615,\"x\":[-1.5e-3,0],\"s\":\"12\"}";

	ps_test_begin("loader takes what the scanner takes, numbers checked");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (load_status(good[i], strlen(good[i])) != PS_OK)
			ps_test_fail(__FILE__, __LINE__, "rejected %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (load_status(bad[i], strlen(bad[i])) != PS_ERR_JSON)
			ps_test_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
	/* a NUL byte inside the length is garbage, not the end of the text */
	CHECK_INT(load_status("[1]\0[2]", 7), PS_ERR_JSON);
	CHECK_INT(load_status("[1]\0", 4), PS_ERR_JSON);
	CHECK_INT(load_status("false\0 ", 7), PS_ERR_JSON);	/* found by fuzz_rpc_garbage */
	CHECK_INT(load_status("[1] x", 3), PS_OK);
	ps_test_end();

	ps_test_begin("numbers come back as their exact token text");
	CHECK_INT(ps_json_load_exact(big, strlen(big), &v, NULL, 0), PS_OK);
	CHECK_STR(ps_json_number_text(json_object_get(v, "lamports")), "18446744073709551615");
	CHECK_STR(ps_json_number_text(json_array_get(json_object_get(v, "x"), 0)), "-1.5e-3");
	CHECK_STR(ps_json_number_text(json_array_get(json_object_get(v, "x"), 1)), "0");
	CHECK(ps_json_number_text(json_object_get(v, "s")) == NULL);
	CHECK_STR(json_string_value(json_object_get(v, "s")), "12");
	json_decref(v);
	ps_test_end();
}

static void
test_array_spans(void)
{
	const char *t = " [ 1 , {\"a\":[2,3]} ,\"x\" ,null ] ";
	ps_json_span_t sp[2];
	size_t		cnt;

	ps_test_begin("array spans: elements without blanks, counted beyond the spans given");
	CHECK_INT(ps_json_array_spans(t, strlen(t), sp, 2, &cnt), PS_OK);
	CHECK_INT(cnt, 4);
	CHECK(sp[0].found && sp[0].sz == 1 && t[sp[0].off] == '1');
	CHECK(sp[1].found && sp[1].sz == 11 && strncmp(t + sp[1].off, "{\"a\":[2,3]}", 11) == 0);
	CHECK_INT(ps_json_array_spans("[]", 2, sp, 2, &cnt), PS_OK);
	CHECK_INT(cnt, 0);
	CHECK_INT(ps_json_array_spans("{}", 2, sp, 2, &cnt), PS_ERR_JSON);
	CHECK_INT(ps_json_array_spans("[1,]", 4, sp, 2, &cnt), PS_ERR_JSON);
	CHECK_INT(ps_json_array_spans("[1] [2]", 7, sp, 2, &cnt), PS_ERR_JSON);
	CHECK_INT(ps_json_array_spans("[1", 2, sp, 2, &cnt), PS_ERR_JSON);
	CHECK_INT(ps_json_array_spans("", 0, NULL, 0, &cnt), PS_ERR_JSON);
	ps_test_end();
}

static void
test_string_runs(void)
{
	/*
	 * skip_string reads eight bytes at a time between special bytes: a
	 * quote, a backslash or a control byte at every offset of those
	 * words, with UTF-8 around, is still found
	 */
	static const char *const mid[] = {"\x01", "\\\"", "\"", "\xc3\xa9", "\\u00e9", "\x1f", "\\"};
	char		buf[64];
	bool		ok = true;

	ps_test_begin("strings: special bytes at every offset of the eight-byte runs");
	for (int m = 0; m < 7; m++)
		for (int n = 0; n < 24; n++)
			for (int k = 0; k <= n; k++)
			{
				size_t		len = 0,
							pos = 0,
							want_pos;
				int			want_rc,
							rc;

				buf[len++] = '"';
				for (int i = 0; i < k; i++)
					buf[len++] = (i & 1) ? 'a' : '\x7f';
				memcpy(buf + len, mid[m], strlen(mid[m]));
				len += strlen(mid[m]);
				for (int i = k; i < n; i++)
					buf[len++] = 'x';
				buf[len++] = '"';
				switch (m)
				{
					case 0:
					case 5:
						want_rc = PS_ERR_JSON;	/* control byte */
						want_pos = 0;
						break;
					case 2:
						want_rc = PS_OK;	/* the string ends there */
						want_pos = 1 + (size_t) k + 1;
						break;
					case 6:
						/* \x is no escape; \" at the end leaves it open */
						want_rc = PS_ERR_JSON;
						want_pos = 0;
						break;
					default:
						want_rc = PS_OK;
						want_pos = len;
				}
				rc = ps_json_skip(buf, len, &pos);
				if (m == 2 && rc == PS_OK)
				{
					/* a value then trailing bytes: skip stops after the string */
					pos = 0;
					rc = ps_json_skip(buf, want_pos, &pos);
				}
				if (rc != want_rc || (rc == PS_OK && pos != want_pos))
				{
					if (ok)
						printf("# m=%d n=%d k=%d: rc %d pos %zu, want %d %zu\n",
							   m, n, k, rc, pos, want_rc, want_pos);
					ok = false;
				}
			}
	CHECK(ok);
	ps_test_end();
}

int
main(void)
{
	test_scanner();
	test_spans();
	test_load();
	test_array_spans();
	test_string_runs();
	return ps_test_done();
}
