/*
 * bench_decode.c
 *	  Throughput of the pure C decoder on one core: the small and large
 *	  bench events (discriminator + borsh -> JSON text) and the bench
 *	  transaction's logs (classify, attribute, base64, decode every
 *	  event).  Reads the JSON written by gen_data.py; prints one JSON
 *	  line per measurement.
 *
 *	  bench_decode DATA.json [SECONDS_PER_CASE]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ps_buf.h"
#include "ps_error.h"
#include "ps_idl.h"
#include "ps_logs.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static ps_idl_plan_t *plan;
static size_t sink;

static void
bench_event(const char *label, const uint8_t *data, size_t len, double secs)
{
	ps_buf_t	b;
	const char *name;
	ps_idl_error_t err;
	long		n = 0;
	double		t0 = now(),
				t;

	ps_buf_init(&b, NULL, NULL);
	do
	{
		for (int i = 0; i < 1000; i++)
		{
			b.len = 0;
			if (ps_idl_decode_event(plan, data, len, PS_IDL_STRIP_NUL, &b, &name, &err) != PS_OK)
				abort();
			sink += b.len;
		}
		n += 1000;
		t = now() - t0;
	} while (t < secs);
	printf("{\"impl\":\"c\",\"case\":\"%s\",\"ops_per_sec\":%.0f}\n", label, n / t);
	ps_buf_free(&b);
}

typedef struct lctx
{
	ps_buf_t   *b;
	uint8_t		raw[4096];
	int			events;
} lctx;

static int
on_data(void *arg, const ps_logs_data_t *d)
{
	lctx	   *c = arg;
	size_t		rlen;
	const char *name;
	ps_idl_error_t err;

	if (!d->attributed || d->part_cnt != 1 || d->payload_len > 4000)
		return 0;
	if (ps_base64_decode(d->payload, d->payload_len, c->raw, &rlen) != PS_OK)
		return 0;
	c->b->len = 0;
	if (ps_idl_decode_event(plan, c->raw, rlen, PS_IDL_STRIP_NUL, c->b, &name, &err) == PS_OK)
		c->events++;
	sink += c->b->len;
	return 0;
}

static void
bench_logs(json_t *logs, double secs)
{
	size_t		n = json_array_size(logs);
	const char **lines = calloc(n, sizeof(char *));
	size_t	   *lens = calloc(n, sizeof(size_t));
	ps_buf_t	b;
	lctx		c;
	long		txs = 0;
	double		t0,
				t;

	for (size_t i = 0; i < n; i++)
	{
		lines[i] = json_string_value(json_array_get(logs, i));
		lens[i] = strlen(lines[i]);
	}
	ps_buf_init(&b, NULL, NULL);
	c.b = &b;
	t0 = now();
	do
	{
		for (int i = 0; i < 200; i++)
		{
			c.events = 0;
			ps_logs_attribute(lines, lens, n, on_data, &c);
			if (c.events != 3)
				abort();
		}
		txs += 200;
		t = now() - t0;
	} while (t < secs);
	printf("{\"impl\":\"c\",\"case\":\"logs\",\"ops_per_sec\":%.0f}\n", txs / t);
	ps_buf_free(&b);
	free(lines);
	free(lens);
}

static size_t
unb64(const char *s, uint8_t *out)
{
	size_t		len = 0;

	if (ps_base64_decode(s, strlen(s), out, &len) != PS_OK)
		abort();
	return len;
}

int
main(int argc, char **argv)
{
	json_error_t jerr;
	json_t	   *d = json_load_file(argv[1], 0, &jerr);
	double		secs = argc > 2 ? atof(argv[2]) : 1.0;
	char	   *idl;
	char		err[512];
	static uint8_t small[4096],
				large[4096];
	size_t		sl,
				ll;

	if (!d)
		return 1;
	idl = json_dumps(json_object_get(d, "idl"), JSON_COMPACT);
	if (ps_idl_compile(idl, strlen(idl), NULL, &plan, err, sizeof(err)) != PS_OK)
	{
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	sl = unb64(json_string_value(json_object_get(d, "small_b64")), small);
	ll = unb64(json_string_value(json_object_get(d, "large_b64")), large);
	bench_event("small", small, sl, secs);
	bench_event("large", large, ll, secs);
	bench_logs(json_object_get(d, "logs"), secs);
	if (argc > 3)
	{
		/* print the decoded values for the cross-check with Anchor */
		ps_buf_t	b;
		const char *name;
		ps_idl_error_t e;

		ps_buf_init(&b, NULL, NULL);
		ps_idl_decode_event(plan, small, sl, 0, &b, &name, &e);
		ps_buf_puts(&b, "\n");
		ps_idl_decode_event(plan, large, ll, 0, &b, &name, &e);
		fprintf(stderr, "%s\n", b.data);
		ps_buf_free(&b);
	}
	ps_idl_free(plan);
	return sink == 0;
}
