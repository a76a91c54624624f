/*
 * pyth_c.c
 *	  Decodes/s of the core's Pyth reader (ps_oracle_pyth_read plus the
 *	  exact decimal text of the price), over the Pyth cases of
 *	  oracles.json passed as base64 lines on stdin.  Prints one JSON line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ps_buf.h"
#include "ps_error.h"
#include "ps_oracle.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double		x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	uint8_t		bufs[64][256];
	size_t		lens[64];
	int			n = 0;
	char		line[1024];
	long		iters = argc > 1 ? atol(argv[1]) : 5000000;
	double		runs[5];
	long		sink = 0;

	while (n < 64 && fgets(line, sizeof(line), stdin))
	{
		size_t		l = strcspn(line, "\r\n");

		if (ps_base64_decode(line, l, bufs[n], &lens[n]) == PS_OK)
			n++;
	}
	if (n == 0)
		return 1;
	for (int r = 0; r < 5; r++)
	{
		double		t0 = now();

		for (long i = 0; i < iters; i++)
		{
			ps_pyth_price_t p;
			char		t[PS_ORACLE_DECIMAL_MAX];

			if (ps_oracle_pyth_read(bufs[i % n], lens[i % n], &p) == PS_OK &&
				ps_oracle_decimal(p.price, p.exponent, t, sizeof(t)) == PS_OK)
				sink += t[0];
		}
		runs[r] = iters / (now() - t0);
	}
	qsort(runs, 5, sizeof(double), cmp);
	printf("{\"decodes_per_s\": %.0f, \"runs\": [%.0f, %.0f, %.0f, %.0f, %.0f], \"sink\": %ld}\n",
		   runs[2], runs[0], runs[1], runs[2], runs[3], runs[4], sink != 0);
	return 0;
}
