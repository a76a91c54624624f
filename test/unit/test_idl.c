/*
 * test_idl.c
 *	  IDL compilation: the four fixture IDLs compile (formats, program
 *	  ids, names), and every kind of bad IDL is refused up front with
 *	  the right status and the JSON path of the problem.  Recursive
 *	  types with indirection compile and decode within the depth limit;
 *	  legacy instruction discriminators use snake_case names.
 */
#include "ps_test.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps_base58.h"
#include "ps_buf.h"
#include "ps_error.h"
#include "ps_idl.h"

#define HDR "{\"address\":\"11111111111111111111111111111111\",\"metadata\":{\"name\":\"t\",\"spec\":\"0.1.0\"},"
#define TY(name, body) "{\"name\":\"" name "\",\"type\":" body "}"
#define ST(fields) "{\"kind\":\"struct\",\"fields\":[" fields "]}"
#define F(name, type) "{\"name\":\"" name "\",\"type\":" type "}"

typedef struct bad_t
{
	const char *what;
	const char *idl;
	int			status;
	const char *path;			/* must appear in the message */
} bad_t;

static const bad_t bad[] = {
	{"not JSON", "{\"address\":", PS_ERR_JSON, "invalid JSON"},
	{"not an object", "[1,2]", PS_ERR_IDL, "object"},
	{"unknown type name", HDR "\"types\":[" TY("A", ST(F("x", "\"u63\""))) "]}", PS_ERR_IDL,
	"types[0].type.fields[0].type: unknown type \"u63\""},
	{"undefined defined", HDR "\"types\":[" TY("A", ST(F("x", "{\"defined\":{\"name\":\"B\"}}"))) "]}",
	PS_ERR_IDL, "types[0].type.fields[0].type.defined: undefined type \"B\""},
	{"struct containing itself", HDR "\"types\":[" TY("A", ST(F("x", "\"u8\"") "," F("me", "{\"defined\":{\"name\":\"A\"}}"))) "]}",
	PS_ERR_IDL, "types[0]: type \"A\" contains itself"},
	{"cycle through two structs and an array", HDR "\"types\":["
		TY("A", ST(F("b", "{\"array\":[{\"defined\":{\"name\":\"B\"}},2]}"))) ","
		TY("B", ST(F("a", "{\"defined\":{\"name\":\"A\"}}"))) "]}",
	PS_ERR_IDL, "contains itself"},
	{"alias cycle", HDR "\"types\":[{\"name\":\"X\",\"type\":{\"kind\":\"type\",\"alias\":{\"defined\":{\"name\":\"Y\"}}}},"
		"{\"name\":\"Y\",\"type\":{\"kind\":\"type\",\"alias\":{\"defined\":{\"name\":\"X\"}}}}]}",
	PS_ERR_IDL, "contains itself"},
	{"duplicate event discriminators", HDR "\"events\":[{\"name\":\"A\",\"discriminator\":[1,2,3,4,5,6,7,8]},"
		"{\"name\":\"B\",\"discriminator\":[1,2,3,4,5,6,7,8]}],\"types\":[" TY("A", ST("")) "," TY("B", ST("")) "]}",
	PS_ERR_IDL, "events[1].discriminator: discriminator of \"B\" collides with events[0] \"A\""},
	{"custom discriminator that prefixes another", HDR "\"accounts\":[{\"name\":\"A\",\"discriminator\":[1,2,3,4,5,6,7,8]},"
		"{\"name\":\"B\",\"discriminator\":[1,2]}],\"types\":[" TY("A", ST("")) "," TY("B", ST("")) "]}",
	PS_ERR_IDL, "accounts[1].discriminator"},
	{"discriminator byte out of range", HDR "\"events\":[{\"name\":\"A\",\"discriminator\":[1,256]}],\"types\":[" TY("A", ST("")) "]}",
	PS_ERR_IDL, "events[0].discriminator"},
	{"missing discriminator (0.30)", HDR "\"events\":[{\"name\":\"A\"}],\"types\":[" TY("A", ST("")) "]}",
	PS_ERR_IDL, "events[0].discriminator: missing discriminator"},
	{"event without a type", HDR "\"events\":[{\"name\":\"A\",\"discriminator\":[1]}],\"types\":[]}",
	PS_ERR_IDL, "events[0].name: no type named \"A\""},
	{"bytemuck serialization", HDR "\"types\":[{\"name\":\"Z\",\"serialization\":\"bytemuck\",\"type\":" ST(F("x", "\"u64\"")) "}]}",
	PS_ERR_UNSUPPORTED, "types[0].serialization"},
	{"hashMap type", HDR "\"types\":[" TY("A", ST(F("m", "{\"hashMap\":[\"u8\",\"u8\"]}"))) "]}",
	PS_ERR_UNSUPPORTED, "types[0].type.fields[0].type: type \"hashMap\" is not supported"},
	{"unknown kind", HDR "\"types\":[" TY("A", "{\"kind\":\"union\"}") "]}", PS_ERR_UNSUPPORTED, "types[0].type"},
	{"generic arity", HDR "\"types\":[{\"name\":\"W\",\"generics\":[{\"kind\":\"type\",\"name\":\"T\"}],\"type\":" ST(F("x", "{\"generic\":\"T\"}")) "},"
		TY("A", ST(F("w", "{\"defined\":{\"name\":\"W\"}}"))) "]}",
	PS_ERR_IDL, "takes 1 generic arguments, 0 given"},
	{"undefined generic", HDR "\"types\":[" TY("A", ST(F("x", "{\"generic\":\"T\"}"))) "]}",
	PS_ERR_IDL, "undefined generic \"T\""},
	{"type used as length", HDR "\"types\":[{\"name\":\"W\",\"generics\":[{\"kind\":\"type\",\"name\":\"T\"}],\"type\":" ST(F("x", "{\"array\":[\"u8\",{\"generic\":\"T\"}]}")) "},"
		TY("A", ST(F("w", "{\"defined\":{\"name\":\"W\",\"generics\":[{\"kind\":\"type\",\"type\":\"u8\"}]}}"))) "]}",
	PS_ERR_IDL, "is a type, not a length"},
	{"negative array length", HDR "\"types\":[" TY("A", ST(F("x", "{\"array\":[\"u8\",-1]}"))) "]}",
	PS_ERR_IDL, "types[0].type.fields[0].type.array[1]"},
	{"duplicate type names", HDR "\"types\":[" TY("A", ST("")) "," TY("A", ST("")) "]}",
	PS_ERR_IDL, "types[1]: duplicate type name \"A\""},
	{"duplicate field names", HDR "\"types\":[" TY("A", ST(F("x", "\"u8\"") "," F("x", "\"u8\""))) "]}",
	PS_ERR_IDL, "types[0].type.fields[1].name: duplicate field name"},
	{"mixed named and tuple fields", HDR "\"types\":[" TY("A", ST(F("x", "\"u8\"") ",\"u8\"")) "]}",
	PS_ERR_IDL, "fields mix"},
	{"no address, no program id", "{\"name\":\"legacy\",\"version\":\"0.1.0\",\"instructions\":[]}",
	PS_ERR_IDL, "no address"},
	{"bad address", "{\"address\":\"0OIl\",\"metadata\":{\"spec\":\"0.1.0\"}}", PS_ERR_IDL, "address: \"0OIl\""},
	{"generic that never ends", HDR "\"types\":[{\"name\":\"W\",\"generics\":[{\"kind\":\"type\",\"name\":\"T\"}],\"type\":"
		ST(F("x", "{\"option\":{\"defined\":{\"name\":\"W\",\"generics\":[{\"kind\":\"type\",\"type\":{\"vec\":{\"generic\":\"T\"}}}]}}}")) "},"
		TY("A", ST(F("w", "{\"defined\":{\"name\":\"W\",\"generics\":[{\"kind\":\"type\",\"type\":\"u8\"}]}}"))) "]}",
	PS_ERR_LIMIT, "nest deeper"},
	{"instruction arg without a type", HDR "\"instructions\":[{\"name\":\"go\",\"discriminator\":[1],\"args\":[{\"name\":\"a\"}]}]}",
	PS_ERR_IDL, "instructions[0].args[0]"},
};

static void
fixture_idls(void)
{
	json_t	   *fx = ps_test_fixture("anchor_idl_events.json");
	size_t		i;
	json_t	   *e;

	json_array_foreach(json_object_get(fx, "idls"), i, e)
	{
		char		file[256];
		size_t		len;
		char	   *text;
		ps_idl_plan_t *plan = NULL;
		char		err[512];
		char		b58[64];
		const char *fmt = ps_test_str(e, "format");
		uint8_t		other[32] = {9};

		ps_test_begin("fixture IDL %s compiles", ps_test_str(e, "key"));
		snprintf(file, sizeof(file), "idl/%s.json", ps_test_str(e, "key"));
		text = ps_test_read_file(ps_test_fixture_path(file), &len);
		CHECK_INT(ps_idl_compile(text, len, NULL, &plan, err, sizeof(err)), PS_OK);
		if (plan)
		{
			ps_base58_encode_32(ps_idl_program_id(plan), b58);
			CHECK_STR(b58, ps_test_str(e, "program_id"));
			CHECK_STR(ps_idl_name(plan), ps_test_str(e, "key"));
			CHECK_INT(ps_idl_format(plan), strcmp(fmt, "legacy-0.29") == 0
					  ? PS_IDL_FORMAT_LEGACY : PS_IDL_FORMAT_ANCHOR);
			CHECK(ps_idl_size(plan) > 0);
			ps_idl_free(plan);
		}
		/* an explicit program id wins over the IDL's address */
		CHECK_INT(ps_idl_compile(text, len, other, &plan, err, sizeof(err)), PS_OK);
		if (plan)
			CHECK_MEM(ps_idl_program_id(plan), other, 32);
		ps_idl_free(plan);
		/* every prefix of the text is refused cleanly */
		for (size_t k = 0; k < len; k += 97)
		{
			CHECK(ps_idl_compile(text, k, NULL, &plan, err, sizeof(err)) != PS_OK);
			CHECK(plan == NULL);
		}
		free(text);
		ps_test_end();
	}
	json_decref(fx);
}

static void
bad_idls(void)
{
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		ps_idl_plan_t *plan = NULL;
		char		err[512];
		int			rc;

		ps_test_begin("refused: %s", bad[i].what);
		rc = ps_idl_compile(bad[i].idl, strlen(bad[i].idl), NULL, &plan, err, sizeof(err));
		CHECK_INT(rc, bad[i].status);
		CHECK(plan == NULL);
		if (strstr(err, bad[i].path) == NULL)
			ps_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err, bad[i].path);
		/* a tiny error buffer is fine too */
		rc = ps_idl_compile(bad[i].idl, strlen(bad[i].idl), NULL, &plan, err, 4);
		CHECK_INT(rc, bad[i].status);
		CHECK(strlen(err) < 4);
		ps_test_end();
	}
}

static const char tree_idl[] = HDR
"\"events\":[{\"name\":\"Node\",\"discriminator\":[1]},{\"name\":\"Expr\",\"discriminator\":[2]}],"
"\"types\":["
TY("Node", ST(F("v", "\"u8\"") "," F("kids", "{\"vec\":{\"defined\":{\"name\":\"Node\"}}}") ","
			  F("next", "{\"option\":{\"defined\":{\"name\":\"Node\"}}}"))) ","
"{\"name\":\"Expr\",\"type\":{\"kind\":\"enum\",\"variants\":[{\"name\":\"Lit\",\"fields\":[\"u64\"]},"
"{\"name\":\"Neg\",\"fields\":[{\"defined\":{\"name\":\"Expr\"}}]}]}}]}";

static void
recursive_types(void)
{
	ps_idl_plan_t *plan = NULL;
	char		err[512];
	uint8_t		data[1200];
	ps_buf_t	b;
	const char *name;
	ps_idl_error_t derr;
	size_t		i,
				n;

	ps_test_begin("recursion through vec, option and enum compiles and decodes");
	CHECK_INT(ps_idl_compile(tree_idl, strlen(tree_idl), NULL, &plan, err, sizeof(err)), PS_OK);
	if (!plan)
	{
		ps_test_fail(__FILE__, __LINE__, "%s", err);
		ps_test_end();
		return;
	}
	/* Node{v:5, kids:[Node{v:6,kids:[],next:None}], next:None} */
	{
		uint8_t		d[] = {1, 5, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0};

		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_event(plan, d, sizeof(d), 0, &b, &name, &derr), PS_OK);
		CHECK_STR(b.data, "{\"v\":5,\"kids\":[{\"v\":6,\"kids\":[],\"next\":null}],\"next\":null}");
		ps_buf_free(&b);
	}
	/* Neg(Neg(Lit(7))) */
	{
		uint8_t		d[] = {2, 1, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0};

		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_event(plan, d, sizeof(d), 0, &b, &name, &derr), PS_OK);
		CHECK_STR(b.data, "{\"Neg\":[{\"Neg\":[{\"Lit\":[7]}]}]}");
		ps_buf_free(&b);
	}
	/* 1000 nested Some(Node): beyond the depth limit, refused cleanly */
	data[0] = 1;
	n = 1;
	for (i = 0; i < 1000 && n + 6 < sizeof(data); i++)
	{
		data[n++] = 1;			/* v */
		memset(data + n, 0, 4);	/* kids: [] */
		n += 4;
		data[n++] = 1;			/* next: Some */
	}
	ps_buf_init(&b, NULL, NULL);
	CHECK_INT(ps_idl_decode_event(plan, data, n, 0, &b, &name, &derr), PS_ERR_LIMIT);
	CHECK(strncmp(derr.path, "next.next.next", 14) == 0);
	ps_buf_free(&b);
	ps_idl_free(plan);
	ps_test_end();
}

static const char legacy_idl[] =
"{\"version\":\"0.1.0\",\"name\":\"lg\",\"instructions\":[{\"name\":\"initializeMarketV2\",\"accounts\":[],"
"\"args\":[{\"name\":\"amount\",\"type\":\"u64\"},{\"name\":\"who\",\"type\":\"publicKey\"}]}],"
"\"accounts\":[{\"name\":\"State\",\"type\":{\"kind\":\"struct\",\"fields\":[{\"name\":\"n\",\"type\":\"u8\"}]}}],"
"\"types\":[{\"name\":\"Wrap\",\"type\":{\"kind\":\"struct\",\"fields\":[{\"name\":\"s\",\"type\":{\"defined\":\"State\"}}]}}]}";

static void
legacy(void)
{
	ps_idl_plan_t *plan = NULL;
	char		err[512];
	uint8_t		pid[32] = {1, 2, 3};
	uint8_t		h[32];
	uint8_t		d[8 + 8 + 32];
	ps_buf_t	b;
	const char *name;
	ps_idl_error_t derr;
	const char *pre = "global:initialize_market_v2";

	ps_test_begin("legacy: instruction sighash of the snake_case name, accounts usable as types");
	CHECK_INT(ps_idl_compile(legacy_idl, strlen(legacy_idl), pid, &plan, err, sizeof(err)), PS_OK);
	if (plan)
	{
		CHECK_INT(ps_idl_format(plan), PS_IDL_FORMAT_LEGACY);
		crypto_hash_sha256(h, (const uint8_t *) pre, strlen(pre));
		memcpy(d, h, 8);
		memset(d + 8, 0, sizeof(d) - 8);
		d[8] = 42;
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_instruction(plan, d, sizeof(d), 0, &b, &name, &derr), PS_OK);
		CHECK_STR(name, "initializeMarketV2");
		CHECK_STR(b.data, "{\"amount\":42,\"who\":\"11111111111111111111111111111111\"}");
		ps_buf_free(&b);
		pre = "account:State";
		crypto_hash_sha256(h, (const uint8_t *) pre, strlen(pre));
		memcpy(d, h, 8);
		d[8] = 3;
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_account(plan, d, 9 + 20, NULL, 0, &b, &name, &derr), PS_OK);
		CHECK_STR(b.data, "{\"n\":3}");
		ps_buf_free(&b);
	}
	ps_idl_free(plan);
	ps_test_end();
}

static const char coption_idl[] = HDR
"\"events\":[{\"name\":\"C\",\"discriminator\":[5]}],"
"\"types\":[" TY("C", ST(F("a", "{\"coption\":\"u32\"}") "," F("b", "{\"coption\":\"u8\"}"))) "]}";

static void
coption(void)
{
	ps_idl_plan_t *plan = NULL;
	char		err[256];
	ps_buf_t	b;
	const char *name;
	ps_idl_error_t derr;
	uint8_t		ok[] = {5, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0};
	uint8_t		badtag[] = {5, 2, 0, 0, 0};

	ps_test_begin("coption: u32 tag, value only when Some, other tags refused");
	CHECK_INT(ps_idl_compile(coption_idl, strlen(coption_idl), NULL, &plan, err, sizeof(err)), PS_OK);
	if (plan)
	{
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_event(plan, ok, sizeof(ok), 0, &b, &name, &derr), PS_OK);
		CHECK_STR(b.data, "{\"a\":9,\"b\":null}");
		ps_buf_free(&b);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_event(plan, badtag, sizeof(badtag), 0, &b, &name, &derr),
				  PS_ERR_OPTION_TAG);
		CHECK_STR(derr.path, "a");
		CHECK_INT(derr.offset, 1);
		ps_buf_free(&b);
		ps_buf_init(&b, NULL, NULL);
		CHECK_INT(ps_idl_decode_event(plan, ok, 11, 0, &b, &name, &derr), PS_ERR_TRUNCATED);
		CHECK_STR(derr.path, "b");
		ps_buf_free(&b);
	}
	ps_idl_free(plan);
	ps_test_end();
}

int
main(void)
{
	coption();
	fixture_idls();
	bad_idls();
	recursive_types();
	legacy();
	return ps_test_done();
}
