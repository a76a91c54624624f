/*
 * ps_oracle.h
 *	  Readers of oracle price accounts: Pyth PriceUpdateV2 (pull oracle
 *	  receiver), Switchboard v2 AggregatorAccountData and Switchboard
 *	  on-demand PullFeedAccountData; exact decimal text of scaled
 *	  integers.
 *
 * Vocabulary: a *mantissa* is the signed integer an oracle stores; its
 * *exponent* says where the decimal point goes (value = mantissa x
 * 10^exponent; Switchboard calls the negated exponent the *scale*).  A
 * *submission* is one oracle's signed value in an on-demand feed; it is
 * *fresh* when signed within the feed's staleness window of slots.
 *
 * Every reader checks the 8-byte Anchor discriminator, then reads field
 * by field with bounds checks (never a fixed struct overlay): PS_OK,
 * PS_ERR_DISC_MISMATCH for foreign data, PS_ERR_TRUNCATED when the data
 * ends inside a field, PS_ERR_ENUM_TAG for an unknown enum variant.
 * Bytes after the last field are ignored (accounts are allocated with
 * fixed space).  Readers never allocate; any input is safe.
 */
#ifndef PS_ORACLE_H
#define PS_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* owners of the accounts (base58) */
#define PS_ORACLE_PYTH_RECEIVER		"rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ"
#define PS_ORACLE_PYTH_PUSH			"pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT"
#define PS_ORACLE_SB_V2				"SW1TCH7qEPTdLsDHRgPuMQjbQxKdH2aBStViMFnt64f"
#define PS_ORACLE_SB_ON_DEMAND		"SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv"
#define PS_ORACLE_SB_ON_DEMAND_DEV	"Aio4gaXjXzJNVLtzwtNVmSqGKpANtXhybbkhtAC94ji2"

/* sha256("account:<Name>")[0..8] */
extern const uint8_t PS_ORACLE_PYTH_DISC[8];
extern const uint8_t PS_ORACLE_SB_V2_DISC[8];
extern const uint8_t PS_ORACLE_SB_PULL_DISC[8];

/* byte sizes of the accounts as allocated on chain */
#define PS_ORACLE_PYTH_SZ			134
#define PS_ORACLE_SB_V2_SZ			3851
#define PS_ORACLE_SB_PULL_SZ		3208
#define PS_ORACLE_SB_PULL_SUBS_CNT	32

/* longest text ps_oracle_decimal writes, nul included */
#define PS_ORACLE_DECIMAL_MAX		128
/* |exponent| beyond which ps_oracle_decimal refuses (PS_ERR_RANGE) */
#define PS_ORACLE_EXPONENT_MAX		64

typedef struct ps_pyth_price_t
{
	uint8_t		write_authority[32];
	bool		full;			/* VerificationLevel::Full */
	uint8_t		num_signatures; /* Partial { num_signatures }; 0 if full */
	uint8_t		feed_id[32];
	int64_t		price;
	uint64_t	conf;
	int32_t		exponent;
	int64_t		publish_time;
	int64_t		prev_publish_time;
	int64_t		ema_price;
	uint64_t	ema_conf;
	uint64_t	posted_slot;
} ps_pyth_price_t;

/* SwitchboardDecimal: mantissa x 10^-scale */
typedef struct ps_sb_decimal_t
{
	__int128	mantissa;
	uint32_t	scale;
} ps_sb_decimal_t;

typedef struct ps_sb_round_t
{
	uint32_t	num_success;
	uint32_t	num_error;
	bool		is_closed;
	uint64_t	round_open_slot;
	int64_t		round_open_timestamp;
	ps_sb_decimal_t result;
	ps_sb_decimal_t std_deviation;
	ps_sb_decimal_t min_response;
	ps_sb_decimal_t max_response;
} ps_sb_round_t;

typedef struct ps_sb_v2_t
{
	uint8_t		name[32];		/* raw bytes, zero padded */
	uint8_t		queue_pubkey[32];
	uint8_t		authority[32];
	uint32_t	oracle_request_batch_size;
	uint32_t	min_oracle_results;
	uint32_t	min_update_delay_seconds;
	uint8_t		resolution_mode;	/* 0 round, 1 sliding */
	ps_sb_round_t latest_confirmed_round;
	ps_sb_decimal_t previous_confirmed_round_result;
	uint64_t	previous_confirmed_round_slot;
} ps_sb_v2_t;

typedef struct ps_sb_submission_t
{
	uint8_t		oracle[32];
	uint64_t	slot;			/* signed at; 0 marks the end of the list */
	uint64_t	landed_at;
	__int128	value;			/* scale 18 */
	int64_t		timestamp;		/* submission_timestamps[i] */
} ps_sb_submission_t;

typedef struct ps_sb_pull_t
{
	uint8_t		authority[32];
	uint8_t		queue[32];
	uint8_t		feed_hash[32];
	uint8_t		name[32];
	uint64_t	max_variance;
	uint32_t	min_responses;
	uint8_t		min_sample_size;
	int64_t		last_update_timestamp;
	uint32_t	max_staleness;	/* slots */
	/* CurrentResult; every value has scale 18 */
	__int128	value;
	__int128	std_dev;
	__int128	mean;
	__int128	range;
	__int128	min_value;
	__int128	max_value;
	uint8_t		num_samples;
	uint8_t		submission_idx;
	uint64_t	result_slot;	/* 0: no result yet */
	uint64_t	min_slot;
	uint64_t	max_slot;
	ps_sb_submission_t submissions[PS_ORACLE_SB_PULL_SUBS_CNT];
	int			submissions_cnt;	/* leading non-empty submissions */
} ps_sb_pull_t;

#define PS_ORACLE_SB_PULL_SCALE		18

/*
 * ps_oracle_pyth_read parses a Pyth PriceUpdateV2 account (`data`,
 * `len` bytes) into `out`.  VerificationLevel is a borsh enum, so a Full
 * level is one byte shorter than Partial and every later field moves;
 * the reader follows the tag.  Returns the statuses above.
 */
extern int	ps_oracle_pyth_read(const uint8_t *data, size_t len,
								ps_pyth_price_t *out);

/*
 * ps_oracle_sb_v2_read parses a Switchboard v2 AggregatorAccountData
 * account (layout of @switchboard-xyz/solana.js 3.2.5, 3851 bytes) into
 * `out`.  Returns the statuses above; shorter data is PS_ERR_TRUNCATED.
 */
extern int	ps_oracle_sb_v2_read(const uint8_t *data, size_t len,
								 ps_sb_v2_t *out);

/*
 * ps_oracle_sb_pull_read parses a Switchboard on-demand
 * PullFeedAccountData account (the repr(C) layout of the
 * switchboard-on-demand Rust crate, 8 + 3200 bytes) into `out`.
 */
extern int	ps_oracle_sb_pull_read(const uint8_t *data, size_t len,
								   ps_sb_pull_t *out);

/*
 * ps_oracle_sb_pull_median computes what the SDK's
 * PullFeedAccountData::get_value computes: over the leading non-empty
 * submissions (slot != 0), keep those with slot >= clock_slot -
 * max_staleness (saturating at 0), sort their values and take element
 * count / 2 (the SDK's lower_bound_median).  Writes the number of fresh
 * submissions to `cnt` and, when it is at least `min_samples` and not
 * zero, the median to `median` and returns true; otherwise false.
 */
extern bool ps_oracle_sb_pull_median(const ps_sb_pull_t *feed,
									 uint64_t clock_slot,
									 uint64_t max_staleness,
									 uint32_t min_samples,
									 __int128 *median, int *cnt);

/*
 * ps_oracle_decimal writes the exact decimal text of mantissa x
 * 10^exponent into `out` (`out_sz` bytes, PS_ORACLE_DECIMAL_MAX is
 * always enough): "-1084.8630281", "0.0000215432", "97123000".  No
 * floating point, no exponent notation; trailing zeros after the point
 * are kept (the text has exactly -exponent decimals).  Returns PS_OK,
 * PS_ERR_RANGE when |exponent| > PS_ORACLE_EXPONENT_MAX, or
 * PS_ERR_LIMIT when `out_sz` is too small.
 */
extern int	ps_oracle_decimal(__int128 mantissa, int32_t exponent,
							  char *out, size_t out_sz);

/*
 * ps_oracle_i128_text writes the decimal digits of `v` (with '-' when
 * negative) into `out`, at least 41 bytes.  Returns the length.
 */
extern size_t ps_oracle_i128_text(__int128 v, char *out);

/*
 * ps_oracle_name_len returns the length of a zero-padded 32-byte name
 * once trailing zero bytes are removed.
 */
extern size_t ps_oracle_name_len(const uint8_t name[32]);

#endif							/* PS_ORACLE_H */
