/*
 * ps_oracle.c
 *	  Pyth and Switchboard account readers and exact decimal text.
 *
 * A *reader* walks the account with a cursor (`pos`) that never exceeds
 * `len`: every read checks that the field fits, reads it little endian,
 * advances, then validates.  Switchboard layouts are fixed-size repr(C)
 * / borsh structs, so their readers seek to field offsets measured from
 * the published layouts (documented beside each constant) and still read
 * through the same checked cursor.
 */
#include "ps_oracle.h"

#include <string.h>

#include "ps_error.h"

const uint8_t PS_ORACLE_PYTH_DISC[8] = {34, 241, 35, 99, 157, 126, 244, 205};
const uint8_t PS_ORACLE_SB_V2_DISC[8] = {217, 230, 65, 101, 201, 162, 27, 125};
const uint8_t PS_ORACLE_SB_PULL_DISC[8] = {196, 27, 108, 196, 10, 215, 219, 40};

typedef struct cursor_t
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;			/* never exceeds len */
} cursor_t;

static inline int
cur_need(cursor_t *c, size_t n)
{
	return (c->len - c->pos >= n) ? PS_OK : PS_ERR_TRUNCATED;
}

static inline int
cur_seek(cursor_t *c, size_t at)
{
	if (at > c->len)
		return PS_ERR_TRUNCATED;
	c->pos = at;
	return PS_OK;
}

static inline uint64_t
le(const uint8_t *p, int n)
{
	uint64_t	v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline int
cur_u8(cursor_t *c, uint8_t *v)
{
	if (cur_need(c, 1))
		return PS_ERR_TRUNCATED;
	*v = c->data[c->pos++];
	return PS_OK;
}

static inline int
cur_u32(cursor_t *c, uint32_t *v)
{
	if (cur_need(c, 4))
		return PS_ERR_TRUNCATED;
	*v = (uint32_t) le(c->data + c->pos, 4);
	c->pos += 4;
	return PS_OK;
}

static inline int
cur_u64(cursor_t *c, uint64_t *v)
{
	if (cur_need(c, 8))
		return PS_ERR_TRUNCATED;
	*v = le(c->data + c->pos, 8);
	c->pos += 8;
	return PS_OK;
}

static inline int
cur_i64(cursor_t *c, int64_t *v)
{
	uint64_t	u;

	if (cur_u64(c, &u))
		return PS_ERR_TRUNCATED;
	*v = (int64_t) u;
	return PS_OK;
}

static inline int
cur_i128(cursor_t *c, __int128 *v)
{
	unsigned __int128 u;

	if (cur_need(c, 16))
		return PS_ERR_TRUNCATED;
	u = ((unsigned __int128) le(c->data + c->pos + 8, 8) << 64) |
		le(c->data + c->pos, 8);
	c->pos += 16;
	*v = (__int128) u;
	return PS_OK;
}

static inline int
cur_bytes(cursor_t *c, uint8_t *out, size_t n)
{
	if (cur_need(c, n))
		return PS_ERR_TRUNCATED;
	memcpy(out, c->data + c->pos, n);
	c->pos += n;
	return PS_OK;
}

static inline int
cur_bool(cursor_t *c, bool *v)
{
	uint8_t		b;

	if (cur_u8(c, &b))
		return PS_ERR_TRUNCATED;
	if (b > 1)
		return PS_ERR_BOOL;
	*v = b == 1;
	return PS_OK;
}

static int
check_disc(const uint8_t *data, size_t len, const uint8_t disc[8])
{
	if (len < 8)
		return len == 0 || memcmp(data, disc, len) != 0 ?
			PS_ERR_DISC_MISMATCH : PS_ERR_TRUNCATED;
	return memcmp(data, disc, 8) == 0 ? PS_OK : PS_ERR_DISC_MISMATCH;
}

#define TRY(expr) do { int rc_ = (expr); if (rc_ != PS_OK) return rc_; } while (0)

int
ps_oracle_pyth_read(const uint8_t *data, size_t len, ps_pyth_price_t *out)
{
	cursor_t	c = {data, len, 8};
	uint8_t		tag;
	uint32_t	exp;

	TRY(check_disc(data, len, PS_ORACLE_PYTH_DISC));
	memset(out, 0, sizeof(*out));
	TRY(cur_bytes(&c, out->write_authority, 32));
	/* enum VerificationLevel { Partial { num_signatures: u8 }, Full } */
	TRY(cur_u8(&c, &tag));
	if (tag == 0)
		TRY(cur_u8(&c, &out->num_signatures));
	else if (tag == 1)
		out->full = true;
	else
		return PS_ERR_ENUM_TAG;
	/* PriceFeedMessage */
	TRY(cur_bytes(&c, out->feed_id, 32));
	TRY(cur_i64(&c, &out->price));
	TRY(cur_u64(&c, &out->conf));
	TRY(cur_u32(&c, &exp));
	out->exponent = (int32_t) exp;
	TRY(cur_i64(&c, &out->publish_time));
	TRY(cur_i64(&c, &out->prev_publish_time));
	TRY(cur_i64(&c, &out->ema_price));
	TRY(cur_u64(&c, &out->ema_conf));
	TRY(cur_u64(&c, &out->posted_slot));
	return PS_OK;
}

/*
 * Switchboard v2 offsets, measured by encoding each field with
 * types.AggregatorAccountData.layout of @switchboard-xyz/solana.js 3.2.5
 * (they match oracles.json's layout_offsets; discriminator included).
 */
#define SB2_NAME					8
#define SB2_QUEUE					200
#define SB2_BATCH_SIZE				232
#define SB2_MIN_ORACLE_RESULTS		236
#define SB2_MIN_UPDATE_DELAY		244
#define SB2_LATEST_ROUND			341
#define SB2_AUTHORITY				3595
#define SB2_PREV_RESULT				3659
#define SB2_PREV_SLOT				3679
#define SB2_RESOLUTION_MODE			3712

static int
read_sb_decimal(cursor_t *c, ps_sb_decimal_t *d)
{
	TRY(cur_i128(c, &d->mantissa));
	TRY(cur_u32(c, &d->scale));
	return PS_OK;
}

int
ps_oracle_sb_v2_read(const uint8_t *data, size_t len, ps_sb_v2_t *out)
{
	cursor_t	c = {data, len, 0};
	ps_sb_round_t *r = &out->latest_confirmed_round;

	TRY(check_disc(data, len, PS_ORACLE_SB_V2_DISC));
	if (len < PS_ORACLE_SB_V2_SZ)
		return PS_ERR_TRUNCATED;
	memset(out, 0, sizeof(*out));
	TRY(cur_seek(&c, SB2_NAME));
	TRY(cur_bytes(&c, out->name, 32));
	TRY(cur_seek(&c, SB2_QUEUE));
	TRY(cur_bytes(&c, out->queue_pubkey, 32));
	TRY(cur_seek(&c, SB2_BATCH_SIZE));
	TRY(cur_u32(&c, &out->oracle_request_batch_size));
	TRY(cur_seek(&c, SB2_MIN_ORACLE_RESULTS));
	TRY(cur_u32(&c, &out->min_oracle_results));
	TRY(cur_seek(&c, SB2_MIN_UPDATE_DELAY));
	TRY(cur_u32(&c, &out->min_update_delay_seconds));
	/* AggregatorRound: the fields in layout order */
	TRY(cur_seek(&c, SB2_LATEST_ROUND));
	TRY(cur_u32(&c, &r->num_success));
	TRY(cur_u32(&c, &r->num_error));
	TRY(cur_bool(&c, &r->is_closed));
	TRY(cur_u64(&c, &r->round_open_slot));
	TRY(cur_i64(&c, &r->round_open_timestamp));
	TRY(read_sb_decimal(&c, &r->result));
	TRY(read_sb_decimal(&c, &r->std_deviation));
	TRY(read_sb_decimal(&c, &r->min_response));
	TRY(read_sb_decimal(&c, &r->max_response));
	TRY(cur_seek(&c, SB2_AUTHORITY));
	TRY(cur_bytes(&c, out->authority, 32));
	TRY(cur_seek(&c, SB2_PREV_RESULT));
	TRY(read_sb_decimal(&c, &out->previous_confirmed_round_result));
	TRY(cur_seek(&c, SB2_PREV_SLOT));
	TRY(cur_u64(&c, &out->previous_confirmed_round_slot));
	TRY(cur_seek(&c, SB2_RESOLUTION_MODE));
	TRY(cur_u8(&c, &out->resolution_mode));
	if (out->resolution_mode > 1)
		return PS_ERR_ENUM_TAG;
	return PS_OK;
}

/*
 * Switchboard on-demand offsets (discriminator included), from the
 * repr(C) PullFeedAccountData of the switchboard-on-demand crate:
 * submissions [OracleSubmission; 32] (oracle 32, slot u64, landed_at
 * u64, value i128 = 64 bytes each), authority, queue, feed_hash,
 * initialized_at i64, permissions u64, max_variance u64, min_responses
 * u32, name [u8; 32], padding [u8; 2], historical_result_idx u8,
 * min_sample_size u8, last_update_timestamp i64, lut_slot u64,
 * reserved [u8; 32], result CurrentResult (6 x i128, num_samples u8,
 * submission_idx u8, padding [u8; 6], slot, min_slot, max_slot u64 =
 * 128 bytes), max_staleness u32, padding [u8; 12], historical_results
 * [CompactResult; 32] (16 bytes each), ebuf [u8; 32],
 * submission_timestamps [i64; 32].  No implicit padding anywhere
 * (bytemuck::Pod forbids it), so the offsets are plain sums.
 */
#define SBP_SUBMISSIONS				8
#define SBP_AUTHORITY				(SBP_SUBMISSIONS + 32 * 64)		/* 2056 */
#define SBP_QUEUE					(SBP_AUTHORITY + 32)
#define SBP_FEED_HASH				(SBP_QUEUE + 32)
#define SBP_MAX_VARIANCE			(SBP_FEED_HASH + 32 + 8 + 8)
#define SBP_MIN_RESPONSES			(SBP_MAX_VARIANCE + 8)
#define SBP_NAME					(SBP_MIN_RESPONSES + 4)
#define SBP_MIN_SAMPLE_SIZE			(SBP_NAME + 32 + 2 + 1)
#define SBP_LAST_UPDATE				(SBP_MIN_SAMPLE_SIZE + 1)
#define SBP_RESULT					(SBP_LAST_UPDATE + 8 + 8 + 32)	/* 2264 */
#define SBP_MAX_STALENESS			(SBP_RESULT + 128)
#define SBP_TIMESTAMPS				(SBP_MAX_STALENESS + 4 + 12 + 32 * 16 + 32)

int
ps_oracle_sb_pull_read(const uint8_t *data, size_t len, ps_sb_pull_t *out)
{
	cursor_t	c = {data, len, 0};
	uint8_t		pad[6];

	TRY(check_disc(data, len, PS_ORACLE_SB_PULL_DISC));
	if (len < PS_ORACLE_SB_PULL_SZ)
		return PS_ERR_TRUNCATED;
	memset(out, 0, sizeof(*out));
	TRY(cur_seek(&c, SBP_SUBMISSIONS));
	for (int i = 0; i < PS_ORACLE_SB_PULL_SUBS_CNT; i++)
	{
		ps_sb_submission_t *s = &out->submissions[i];

		TRY(cur_bytes(&c, s->oracle, 32));
		TRY(cur_u64(&c, &s->slot));
		TRY(cur_u64(&c, &s->landed_at));
		TRY(cur_i128(&c, &s->value));
	}
	TRY(cur_bytes(&c, out->authority, 32));
	TRY(cur_bytes(&c, out->queue, 32));
	TRY(cur_bytes(&c, out->feed_hash, 32));
	TRY(cur_seek(&c, SBP_MAX_VARIANCE));
	TRY(cur_u64(&c, &out->max_variance));
	TRY(cur_u32(&c, &out->min_responses));
	TRY(cur_bytes(&c, out->name, 32));
	TRY(cur_seek(&c, SBP_MIN_SAMPLE_SIZE));
	TRY(cur_u8(&c, &out->min_sample_size));
	TRY(cur_i64(&c, &out->last_update_timestamp));
	TRY(cur_seek(&c, SBP_RESULT));
	TRY(cur_i128(&c, &out->value));
	TRY(cur_i128(&c, &out->std_dev));
	TRY(cur_i128(&c, &out->mean));
	TRY(cur_i128(&c, &out->range));
	TRY(cur_i128(&c, &out->min_value));
	TRY(cur_i128(&c, &out->max_value));
	TRY(cur_u8(&c, &out->num_samples));
	TRY(cur_u8(&c, &out->submission_idx));
	TRY(cur_bytes(&c, pad, 6));
	TRY(cur_u64(&c, &out->result_slot));
	TRY(cur_u64(&c, &out->min_slot));
	TRY(cur_u64(&c, &out->max_slot));
	TRY(cur_u32(&c, &out->max_staleness));
	TRY(cur_seek(&c, SBP_TIMESTAMPS));
	for (int i = 0; i < PS_ORACLE_SB_PULL_SUBS_CNT; i++)
		TRY(cur_i64(&c, &out->submissions[i].timestamp));
	/* the SDK reads submissions with take_while(!is_empty) */
	while (out->submissions_cnt < PS_ORACLE_SB_PULL_SUBS_CNT &&
		   out->submissions[out->submissions_cnt].slot != 0)
		out->submissions_cnt++;
	return PS_OK;
}

bool
ps_oracle_sb_pull_median(const ps_sb_pull_t *feed, uint64_t clock_slot,
						 uint64_t max_staleness, uint32_t min_samples,
						 __int128 *median, int *cnt)
{
	__int128	vals[PS_ORACLE_SB_PULL_SUBS_CNT];
	uint64_t	floor = clock_slot > max_staleness ? clock_slot - max_staleness : 0;
	int			n = 0;

	for (int i = 0; i < feed->submissions_cnt; i++)
		if (feed->submissions[i].slot >= floor)
			vals[n++] = feed->submissions[i].value;
	*cnt = n;
	if (n == 0 || (uint32_t) n < min_samples)
		return false;
	/* insertion sort: at most 32 values */
	for (int i = 1; i < n; i++)
	{
		__int128	v = vals[i];
		int			j = i - 1;

		while (j >= 0 && vals[j] > v)
		{
			vals[j + 1] = vals[j];
			j--;
		}
		vals[j + 1] = v;
	}
	*median = vals[n / 2];
	return true;
}

size_t
ps_oracle_i128_text(__int128 v, char *out)
{
	char		tmp[48];
	size_t		n = 0;
	size_t		len = 0;
	unsigned __int128 u;

	if (v < 0)
	{
		out[len++] = '-';
		u = (unsigned __int128) 0 - (unsigned __int128) v;
	}
	else
		u = (unsigned __int128) v;
	do
	{
		tmp[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u != 0);
	while (n > 0)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

int
ps_oracle_decimal(__int128 mantissa, int32_t exponent, char *out, size_t out_sz)
{
	char		digits[48];
	const char *d = digits;
	size_t		n;
	size_t		len = 0;
	bool		neg = mantissa < 0;
	char		buf[PS_ORACLE_DECIMAL_MAX];

	if (exponent > PS_ORACLE_EXPONENT_MAX || exponent < -PS_ORACLE_EXPONENT_MAX)
		return PS_ERR_RANGE;
	n = ps_oracle_i128_text(mantissa, digits);
	if (neg)
	{
		d++;
		n--;
	}
	if (neg && !(n == 1 && d[0] == '0'))
		buf[len++] = '-';
	if (exponent >= 0)
	{
		memcpy(buf + len, d, n);
		len += n;
		if (!(n == 1 && d[0] == '0'))
			for (int i = 0; i < exponent; i++)
				buf[len++] = '0';
	}
	else
	{
		size_t		frac = (size_t) -exponent;

		if (n <= frac)
		{
			buf[len++] = '0';
			buf[len++] = '.';
			for (size_t i = n; i < frac; i++)
				buf[len++] = '0';
			memcpy(buf + len, d, n);
			len += n;
		}
		else
		{
			memcpy(buf + len, d, n - frac);
			len += n - frac;
			buf[len++] = '.';
			memcpy(buf + len, d + n - frac, frac);
			len += frac;
		}
	}
	if (len + 1 > out_sz)
		return PS_ERR_LIMIT;
	memcpy(out, buf, len);
	out[len] = '\0';
	return PS_OK;
}

size_t
ps_oracle_name_len(const uint8_t name[32])
{
	size_t		n = 32;

	while (n > 0 && name[n - 1] == 0)
		n--;
	return n;
}
