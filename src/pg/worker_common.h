/*
 * worker_common.h
 *	  Shared memory, the libcurl wrapper, the rate limit and the
 *	  gateway's settings, shared by the dispatcher (dispatcher.c) and the
 *	  solana.rpc gateway (gateway.c).
 *
 * Vocabulary: an *endpoint* is the URL requests are rate-limited by
 * (solana.rpc_url for JSON-RPC calls); a *request* is one HTTP exchange
 * owned by a solana_http_req, alive from solana_http_new to
 * solana_http_free; a *multi* is a libcurl multi handle running many
 * requests at once.
 */
#ifndef WORKER_COMMON_H
#define WORKER_COMMON_H

#include "postgres.h"

#include <curl/curl.h>

#include "ps_rpc.h"

#define SOLANA_MAX_DISPATCHERS	32
#define SOLANA_MAX_ENDPOINTS	64
#define SOLANA_ENDPOINT_MAX		256

/* GUCs (shmem.c) */
extern int	solana_dispatcher_workers;
extern int	solana_dispatcher_concurrency;
extern char *solana_dispatcher_queues;
extern int	solana_dispatcher_lease_ms;
extern int	solana_rpc_cache_size_kb;
extern int	solana_rpc_cache_ttl_ms;
extern char *solana_rpc_cache_ttls;
extern double solana_rpc_rate_limit;
extern int	solana_rpc_rate_burst;
extern int	solana_rpc_timeout_ms;
extern int	solana_rpc_retries;
extern int	solana_rpc_retry_base_ms;
extern int	solana_rpc_retry_cap_ms;

/*
 * solana_worker_init defines the dispatcher and gateway GUCs and, when
 * preloading, requests shared memory and registers the dispatcher
 * workers.  Called once from _PG_init.
 */
extern void solana_worker_init(void);

/*
 * solana_rate_reserve reserves one request to `endpoint` in its shared
 * token bucket (a backend-local one without preload) and returns the
 * microseconds to wait before sending, or -1 when that wait would
 * exceed `max_wait_us` (nothing reserved).
 */
extern int64 solana_rate_reserve(const char *endpoint, int64 max_wait_us);

/*
 * solana_cache_get / solana_cache_put run ps_lru_get / ps_lru_put on
 * the response cache (shared memory with preload, else backend-local)
 * under its lock.  The value of a get is appended to `out`.
 */
extern bool solana_cache_get(const char *key, size_t key_sz, ps_buf_t *out);
extern void solana_cache_put(const char *key, size_t key_sz,
							 const char *val, size_t val_sz, int64 ttl_ms);
extern void solana_cache_stats(ps_lru_stats_t *out);
extern void solana_cache_reset(void);

/*
 * SetLatch of every running dispatcher connected to this backend's
 * database (shmem.c): the others cannot claim its jobs.  A no-op
 * without preload.
 */
extern void solana_wake_dispatchers(void);

/* dispatcher slot bookkeeping for worker `i` (shmem.c) */
extern void solana_dispatcher_attach(int i);
extern void solana_dispatcher_detach(int i);

/* a ps_buf_t allocator over palloc in CurrentMemoryContext */
extern void *solana_buf_realloc(void *ctx, void *ptr, size_t new_sz);

/* wall clock in microseconds */
extern int64 solana_now_us(void);

/* ---------------------------------------------------------------- */
/* HTTP (http.c)                                                     */

typedef struct solana_http_req
{
	CURL	   *easy;
	struct curl_slist *headers;
	char	   *url;			/* malloc'd copies, kept for messages */
	char	   *body;
	/* response, filled by callbacks with malloc (never palloc) */
	char	   *resp;
	size_t		resp_len;
	size_t		resp_cap;
	size_t		resp_max;
	bool		resp_too_big;
	char		retry_after[64];
	char		content_type[128];
	/* outcome, set by solana_http_collect */
	bool		done;
	CURLcode	result;
	long		status;
	double		elapsed_ms;
	char		errbuf[CURL_ERROR_SIZE];
	void	   *owner;			/* the caller's job or call */
	CURLM	   *in_multi;		/* the multi running it, or NULL (http.c) */
} solana_http_req;

/*
 * solana_http_new prepares a request: `method` (GET, POST, ...), `url`,
 * header lines ("Name: value", `n_headers` of them), an optional body,
 * a timeout in milliseconds and the most response bytes kept.  Returns
 * NULL with `err` filled when libcurl refuses (bad URL scheme).  The
 * request is malloc-owned: free it with solana_http_free, which takes
 * it out of its multi if still there.
 */
extern solana_http_req *solana_http_new(const char *method, const char *url,
										const char *const *headers,
										int n_headers, const char *body_opt,
										size_t body_sz, long timeout_ms,
										size_t resp_max, char *err,
										size_t err_sz);
extern void solana_http_free(solana_http_req *req);

/*
 * solana_http_multi_* wrap a CURLM with the set of running requests.
 * solana_http_collect moves finished requests out: it returns one done
 * request per call, or NULL.
 */
extern CURLM *solana_http_multi_new(void);
extern void solana_http_multi_add(CURLM *m, solana_http_req *req);
extern void solana_http_multi_remove(CURLM *m, solana_http_req *req);
extern solana_http_req *solana_http_collect(CURLM *m);

/*
 * solana_http_wait sleeps on the process latch and the multi's sockets
 * for at most `timeout_ms` (or what libcurl asks for, if sooner; at most
 * 5 ms while the multi holds requests but libcurl names no timeout),
 * then drives the multi.  Returns true when the latch
 * was set; the caller resets it.  Exits on postmaster death.
 */
extern bool solana_http_wait(CURLM *m, long timeout_ms, uint32 wait_event);

/*
 * solana_http_failure_text writes a one-line description of a failed
 * transfer ("connection refused", "timed out after 2000 ms",
 * "HTTP 503") to `out`.
 */
extern void solana_http_failure_text(const solana_http_req *req, char *out,
									 size_t out_sz);

/* true for curl results that mean the peer never answered in time */
extern bool solana_http_is_timeout(const solana_http_req *req);

#endif							/* WORKER_COMMON_H */
