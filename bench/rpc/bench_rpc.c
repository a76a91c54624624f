/*
 * bench_rpc.c
 *	  Reading a large getProgramAccounts answer (N token accounts, base64
 *	  data, rentEpoch 2^64 - 1) two ways: ps_rpc_parse_response (the
 *	  ps_json span scanner; the result span goes to jsonb as it is) and
 *	  ps_json_load_exact of the whole body (number tagging + a jansson
 *	  tree), the floor of any design that hands the result on through
 *	  jansson.  Prints JSON lines; argv: accounts, repetitions, impl.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ps_buf.h"
#include "ps_error.h"
#include "ps_json.h"
#include "ps_rpc.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int			n = argc > 1 ? atoi(argv[1]) : 10000;
	int			reps = argc > 2 ? atoi(argv[2]) : 7;
	const char *impl = argc > 3 ? argv[3] : "ps_rpc";
	ps_buf_t	body;
	double		t[64];
	int			i;
	int			r;

	ps_buf_init(&body, NULL, NULL);
	ps_buf_puts(&body, "{\"jsonrpc\":\"2.0\",\"result\":[");
	for (i = 0; i < n; i++)
	{
		uint8_t		data[165];
		uint8_t		key[32];

		memset(data, i & 0xff, sizeof(data));
		memset(key, (i * 7) & 0xff, sizeof(key));
		key[0] = (uint8_t) (i >> 8);
		if (i)
			ps_buf_putc(&body, ',');
		ps_buf_puts(&body, "{\"account\":{\"data\":[\"");
		ps_buf_put_base64(&body, data, sizeof(data));
		ps_buf_puts(&body, "\",\"base64\"],\"executable\":false,\"lamports\":2039280,"
					"\"owner\":\"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA\","
					"\"rentEpoch\":18446744073709551615,\"space\":165},\"pubkey\":\"");
		ps_buf_put_base58(&body, key, 32);
		ps_buf_puts(&body, "\"}");
	}
	ps_buf_puts(&body, "],\"id\":1}");
	if (reps > 64)
		reps = 64;
	for (r = 0; r < reps; r++)
	{
		double		t0 = now();

		if (strcmp(impl, "jansson") == 0)
		{
			json_t	   *v;

			if (ps_json_load_exact(body.data, body.len, &v, NULL, 0) != PS_OK ||
				json_array_size(json_object_get(v, "result")) != (size_t) n)
				return 1;
			json_decref(v);
		}
		else
		{
			ps_rpc_response_t resp;

			if (ps_rpc_parse_response(body.data, body.len, &resp) != PS_OK ||
				resp.result_sz < body.len / 2)
				return 1;
		}
		t[r] = now() - t0;
	}
	qsort(t, reps, sizeof(double), cmp_double);
	printf("{\"impl\": \"%s\", \"accounts\": %d, \"bytes\": %zu, \"ms\": %.2f, \"mb_per_sec\": %.1f}\n",
		   impl, n, body.len, t[reps / 2] * 1e3, body.len / t[reps / 2] / 1e6);
	ps_buf_free(&body);
	return 0;
}
