/*
 * fuzz_oracle_garbage.c
 *	  Any bytes given to the oracle readers yield a status, never a
 *	  crash; whatever they read formats as decimal text.  The first input
 *	  byte picks the discriminator to prepend, so that the fuzzer gets
 *	  past the discriminator check.
 */
#include "fuzz_common.h"

#include <string.h>

#include "ps_error.h"
#include "ps_oracle.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *buf;
	size_t		n;
	ps_pyth_price_t p;
	ps_sb_v2_t	v2;
	ps_sb_pull_t pull;
	char		t[PS_ORACLE_DECIMAL_MAX];
	int			rc;

	if (size == 0)
		return 0;
	buf = malloc(size + 8);
	switch (data[0] % 4)
	{
		case 0:
			memcpy(buf, PS_ORACLE_PYTH_DISC, 8);
			break;
		case 1:
			memcpy(buf, PS_ORACLE_SB_V2_DISC, 8);
			break;
		case 2:
			memcpy(buf, PS_ORACLE_SB_PULL_DISC, 8);
			break;
		default:
			memcpy(buf, data, size < 8 ? size : 8);
			break;
	}
	memcpy(buf + 8, data + 1, size - 1);
	n = size + 7;

	rc = ps_oracle_pyth_read(buf, n, &p);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_TRUNCATED ||
				rc == PS_ERR_DISC_MISMATCH || rc == PS_ERR_ENUM_TAG);
	if (rc == PS_OK)
	{
		rc = ps_oracle_decimal(p.price, p.exponent, t, sizeof(t));
		FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_RANGE);
		FUZZ_ASSERT(rc != PS_OK || strlen(t) < sizeof(t));
	}
	rc = ps_oracle_sb_v2_read(buf, n, &v2);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_TRUNCATED || rc == PS_ERR_BOOL ||
				rc == PS_ERR_DISC_MISMATCH || rc == PS_ERR_ENUM_TAG);
	if (rc == PS_OK)
	{
		ps_sb_decimal_t *d = &v2.latest_confirmed_round.result;

		rc = ps_oracle_decimal(d->mantissa,
							   d->scale > 1000 ? -1000 : -(int32_t) d->scale,
							   t, sizeof(t));
		FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_RANGE);
	}
	rc = ps_oracle_sb_pull_read(buf, n, &pull);
	FUZZ_ASSERT(rc == PS_OK || rc == PS_ERR_TRUNCATED || rc == PS_ERR_DISC_MISMATCH);
	if (rc == PS_OK)
	{
		__int128	med;
		int			cnt;

		FUZZ_ASSERT(pull.submissions_cnt >= 0 &&
					pull.submissions_cnt <= PS_ORACLE_SB_PULL_SUBS_CNT);
		if (ps_oracle_sb_pull_median(&pull, pull.result_slot, pull.max_staleness,
									 pull.min_sample_size, &med, &cnt))
			FUZZ_ASSERT(cnt > 0 && cnt <= pull.submissions_cnt);
		rc = ps_oracle_decimal(pull.value, -PS_ORACLE_SB_PULL_SCALE, t, sizeof(t));
		FUZZ_ASSERT(rc == PS_OK);
	}
	free(buf);
	return 0;
}
