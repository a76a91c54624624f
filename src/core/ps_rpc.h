/*
 * ps_rpc.h
 *	  The pure parts of outbound calls: JSON-RPC request text and
 *	  response splitting, the retry schedule, Retry-After, the token
 *	  bucket and the size-bounded LRU response cache.
 *
 * Vocabulary: a *span* is an offset and length into a caller's text
 * (see ps_json.h, which reads all JSON here); a response's result is
 * returned as a span so that the glue hands the exact text to jsonb
 * (numbers such as rentEpoch = 2^64 - 1 stay exact, which a
 * double-based parser would round).  A *bucket* is one
 * endpoint's token bucket; an *arena* is the caller-owned memory an LRU
 * lives in (shared memory in the glue), addressed by offsets only.
 */
#ifndef PS_RPC_H
#define PS_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ps_buf.h"

#define PS_RPC_METHOD_MAX	128	/* longest method name accepted */
#define PS_RPC_MSG_MAX		256	/* error message bytes kept, with nul */

/*
 * ps_rpc_method_valid says whether `method` is 1 to PS_RPC_METHOD_MAX
 * characters of [A-Za-z0-9_].
 */
extern bool ps_rpc_method_valid(const char *method);

/*
 * ps_rpc_request appends the JSON-RPC 2.0 request
 * {"jsonrpc":"2.0","id":<id>,"method":"<method>","params":<params>} to
 * `b`.  `params` (`params_len` bytes) must be one JSON array or object
 * (checked with ps_json_skip) and is copied as given.
 * Returns PS_OK, PS_ERR_ARG for a bad method name, PS_ERR_JSON when the
 * params are not an array or object, or `b`'s error.
 */
extern int	ps_rpc_request(ps_buf_t *b, uint64_t id, const char *method,
						   const char *params, size_t params_len);

typedef enum ps_rpc_kind_t
{
	PS_RPC_RESULT = 1,			/* "result" member present */
	PS_RPC_ERROR = 2			/* "error" member present */
} ps_rpc_kind_t;

typedef struct ps_rpc_response_t
{
	ps_rpc_kind_t kind;
	size_t		result_off;		/* span of the result value */
	size_t		result_sz;
	int64_t		err_code;		/* error.code (0 when not an integer that
								 * fits) */
	char		err_msg[PS_RPC_MSG_MAX];	/* error.message, truncated on a
											 * UTF-8 boundary, controls as
											 * spaces */
	size_t		err_off;		/* span of the whole error object */
	size_t		err_sz;
} ps_rpc_response_t;

/*
 * ps_rpc_parse_response reads the body of one JSON-RPC response (not a
 * batch) and fills `out`.  Returns PS_OK when the body is a JSON object
 * with a "result" or an "error" object member (the error wins when
 * both are there; a name given twice counts once, the last, as in
 * jsonb); PS_ERR_JSON when it is not JSON or not such an object;
 * PS_ERR_LIMIT when nested too deeply.  The error object is loaded
 * with ps_json_load_exact; the result is only scanned, never copied.
 * `out` is unspecified on failure.  Any input is safe.
 */
extern int	ps_rpc_parse_response(const char *body, size_t len,
								  ps_rpc_response_t *out);

/*
 * ps_backoff_ms returns the delay before retry number `attempt` (1 is
 * the first retry): base_ms * 2^(attempt-1), capped at cap_ms, then
 * reduced by up to `jitter` (0..1) of itself in proportion to `rnd`
 * (uniform over uint32), so the result lies in [d * (1 - jitter), d].
 * Never negative; never overflows.
 */
extern int64_t ps_backoff_ms(uint32_t attempt, int64_t base_ms,
							 int64_t cap_ms, double jitter, uint32_t rnd);

/*
 * ps_retry_after_ms reads an HTTP Retry-After value (`len` bytes):
 * delay-seconds or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
 * relative to `now_unix` seconds.  Writes the delay in milliseconds
 * (0 for dates in the past, at most one day) and returns PS_OK, or
 * PS_ERR_SYNTAX.
 */
extern int	ps_retry_after_ms(const char *v, size_t len, int64_t now_unix,
							  int64_t *ms);

/*
 * ps_rpc_ttl_lookup reads a TTL list such as
 * "getVersion=60s, getGenesisHash=1h, getBalance=0" (units ms, s, min,
 * h; a bare number is milliseconds) and sets *found and *ttl_ms for
 * `method_opt` (NULL only validates).  Returns PS_OK or PS_ERR_SYNTAX.
 */
extern int	ps_rpc_ttl_lookup(const char *spec, const char *method_opt,
							  bool *found, int64_t *ttl_ms);

/* ---------------------------------------------------------------- */

typedef struct ps_bucket_t
{
	double		tokens;			/* may go negative: reserved future slots */
	int64_t		last_us;		/* time of the last refill */
} ps_bucket_t;

/*
 * ps_bucket_reserve refills bucket `b` to time `now_us` at `rate` tokens
 * per second up to `burst`, then reserves one token.  *wait_us is how
 * long the caller must wait before using it (0: at once).  When that
 * wait would exceed `max_wait_us`, nothing is reserved and PS_ERR_LIMIT
 * is returned; else PS_OK.  A `rate` of 0 or less means unlimited.
 * Reservations are first come, first served, so concurrent callers are
 * spaced 1/rate apart.
 */
extern int	ps_bucket_reserve(ps_bucket_t *b, int64_t now_us, double rate,
							  double burst, int64_t max_wait_us,
							  int64_t *wait_us);

/* ---------------------------------------------------------------- */

/*
 * The LRU cache lives in one arena of ps_lru_size() bytes: a header,
 * hash buckets, entries and fixed-size blocks; an entry's key and value
 * are stored back to back in a chain of blocks.  Inserting evicts least
 * recently used entries until the blocks fit.  Not thread-safe: the
 * caller holds a lock around every call.
 */
typedef struct ps_lru_t ps_lru_t;

typedef struct ps_lru_stats_t
{
	uint64_t	hits;
	uint64_t	misses;
	uint64_t	inserts;
	uint64_t	evictions;
	uint64_t	expired;
	uint32_t	entries;		/* live entries */
	uint32_t	blocks_used;
	uint32_t	blocks_total;
	uint32_t	block_sz;
} ps_lru_stats_t;

/* ps_lru_size is the arena size for the given limits (0 if they overflow). */
extern size_t ps_lru_size(uint32_t n_entries, uint32_t n_blocks,
						  uint32_t block_sz);

/*
 * ps_lru_init lays out an empty cache in `arena` (ps_lru_size bytes,
 * 8-byte aligned) and returns it.  n_entries, n_blocks >= 1 and
 * block_sz >= 16.
 */
extern ps_lru_t *ps_lru_init(void *arena, uint32_t n_entries,
							 uint32_t n_blocks, uint32_t block_sz);

/*
 * ps_lru_get looks `key` up at time `now_ms`.  When a live entry exists
 * it becomes most recently used, its value is appended to `out` and the
 * result is true.  Expired entries are removed and count as misses.
 */
extern bool ps_lru_get(ps_lru_t *lru, const void *key, size_t key_sz,
					   int64_t now_ms, ps_buf_t *out);

/*
 * ps_lru_put stores `val` under `key` until `expires_ms`, replacing any
 * entry with that key.  Returns PS_OK, or PS_ERR_LIMIT (nothing stored)
 * when key and value together need more than a quarter of the blocks.
 */
extern int	ps_lru_put(ps_lru_t *lru, const void *key, size_t key_sz,
					   const void *val, size_t val_sz, int64_t expires_ms);

/* ps_lru_clear drops every entry; statistics are kept. */
extern void ps_lru_clear(ps_lru_t *lru);

extern void ps_lru_get_stats(const ps_lru_t *lru, ps_lru_stats_t *out);

/* FNV-1a 64 of `n` bytes */
extern uint64_t ps_hash64(const void *p, size_t n);

#endif							/* PS_RPC_H */
