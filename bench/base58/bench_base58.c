/*
 * bench_base58.c
 *	  ps_base58 encode/decode throughput on the same inputs as
 *	  bench_bs58.js.  Prints one JSON line per operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ps_base58.h"

#define N 4096

static uint32_t s = 0x12345678;

static uint32_t
rnd(void)
{
	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;
	return s;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(void)
{
	static uint8_t values[N][64];
	static char texts[N][100];
	static size_t text_len[N];
	long		iter = getenv("ITER") ? atol(getenv("ITER")) : 4000000;
	int			sizes[2] = {32, 64};
	int			si;

	for (si = 0; si < 2; si++)
	{
		int			size = sizes[si];
		size_t		sink = 0;
		double		t0;
		long		i;

		for (i = 0; i < N; i++)
		{
			int			k;

			for (k = 0; k < size; k++)
				values[i][k] = (uint8_t) rnd();
			ps_base58_encode(values[i], size, texts[i], sizeof(texts[i]), &text_len[i]);
		}
		t0 = now();
		for (i = 0; i < iter; i++)
		{
			char		out[100];
			size_t		len;

			ps_base58_encode(values[i % N], size, out, sizeof(out), &len);
			sink += len + (uint8_t) out[3];
		}
		printf("{\"impl\":\"pg_solana\",\"op\":\"encode\",\"size\":%d,\"ops_per_sec\":%.0f,\"sink\":%zu}\n",
			   size, iter / (now() - t0), sink);
		t0 = now();
		for (i = 0; i < iter; i++)
		{
			uint8_t		out[64];

			ps_base58_decode_fixed(texts[i % N], text_len[i % N], out, size, NULL, NULL);
			sink += out[5];
		}
		printf("{\"impl\":\"pg_solana\",\"op\":\"decode\",\"size\":%d,\"ops_per_sec\":%.0f,\"sink\":%zu}\n",
			   size, iter / (now() - t0), sink);
	}
	return 0;
}
