/*
 * shmem.c
 *	  pg_solana's shared memory for the dispatcher and the gateway: the
 *	  dispatchers' latches, the per-endpoint token buckets and the
 *	  response cache; the GUCs that size and tune them; worker
 *	  registration.
 *
 * The segment (solana_shared) is requested in shmem_request_hook and
 * laid out in shmem_startup_hook, only when the library is preloaded.
 * Without preload the gateway falls back to a backend-local cache and
 * bucket of the same code, so solana.rpc works everywhere; the
 * dispatcher needs preload.  The spinlock guards the latch slots and the
 * buckets (a few instructions each); the cache has its own LWLock since
 * copying a response out takes longer.
 */
#include "postgres.h"

#include <sys/time.h>

#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "pg_solana.h"
#include "ps_error.h"
#include "worker_common.h"

int			solana_dispatcher_workers = 1;
int			solana_dispatcher_concurrency = 64;
char	   *solana_dispatcher_queues = NULL;
int			solana_dispatcher_lease_ms = 60000;
int			solana_rpc_cache_size_kb = 4096;
int			solana_rpc_cache_ttl_ms = 1000;
char	   *solana_rpc_cache_ttls = NULL;
double		solana_rpc_rate_limit = 0;
int			solana_rpc_rate_burst = 10;
int			solana_rpc_timeout_ms = 10000;
int			solana_rpc_retries = 3;
int			solana_rpc_retry_base_ms = 250;
int			solana_rpc_retry_cap_ms = 5000;

#define CACHE_BLOCK_SZ	256

typedef struct endpoint_bucket
{
	uint64		hash;			/* 0: free slot */
	char		endpoint[SOLANA_ENDPOINT_MAX];
	ps_bucket_t bucket;
} endpoint_bucket;

typedef struct solana_shared_t
{
	slock_t		mutex;			/* latches[], pids[], databases[], buckets[] */
	Latch	   *latches[SOLANA_MAX_DISPATCHERS];
	pid_t		pids[SOLANA_MAX_DISPATCHERS];
	Oid			databases[SOLANA_MAX_DISPATCHERS];	/* each one's MyDatabaseId */
	endpoint_bucket buckets[SOLANA_MAX_ENDPOINTS];
	LWLock	   *cache_lock;
	ps_lru_t   *cache;			/* in this segment, after the struct */
} solana_shared_t;

static solana_shared_t *shared = NULL;

/* the backend-local fallbacks used without preload */
static ps_lru_t *local_cache = NULL;
static endpoint_bucket local_buckets[SOLANA_MAX_ENDPOINTS];

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

extern PGDLLEXPORT void solana_dispatcher_main(Datum arg);

static void
cache_shape(int size_kb, uint32 *n_entries, uint32 *n_blocks)
{
	uint64		bytes = (uint64) size_kb * 1024;

	*n_blocks = (uint32) Max(bytes / CACHE_BLOCK_SZ, 16);
	/* on average an entry takes four blocks */
	*n_entries = Max(*n_blocks / 4, 4);
}

static Size
shared_size(void)
{
	uint32		n_entries,
				n_blocks;

	cache_shape(solana_rpc_cache_size_kb, &n_entries, &n_blocks);
	return add_size(MAXALIGN(sizeof(solana_shared_t)),
					ps_lru_size(n_entries, n_blocks, CACHE_BLOCK_SZ) + 8);
}

static void
solana_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(shared_size());
	RequestNamedLWLockTranche("pg_solana_cache", 1);
}

static void
solana_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("pg_solana", shared_size(), &found);
	if (!found)
	{
		uint32		n_entries,
					n_blocks;
		char	   *arena = (char *) shared + MAXALIGN(sizeof(solana_shared_t));

		memset(shared, 0, sizeof(*shared));
		SpinLockInit(&shared->mutex);
		shared->cache_lock = &(GetNamedLWLockTranche("pg_solana_cache"))->lock;
		cache_shape(solana_rpc_cache_size_kb, &n_entries, &n_blocks);
		arena = (char *) TYPEALIGN(8, arena);
		shared->cache = ps_lru_init(arena, n_entries, n_blocks, CACHE_BLOCK_SZ);
		if (shared->cache == NULL)
			elog(FATAL, "pg_solana: cannot lay out a response cache of %d kB",
				 solana_rpc_cache_size_kb);
	}
	LWLockRelease(AddinShmemInitLock);
}

static bool
check_ttls(char **newval, void **extra, GucSource source)
{
	bool		found;
	int64_t		ttl;

	if (ps_rpc_ttl_lookup(*newval, NULL, &found, &ttl) != PS_OK)
	{
		GUC_check_errdetail("Expected a list such as \"getVersion=60s, getGenesisHash=1h, getBalance=0\"; units ms, s, min, h.");
		return false;
	}
	return true;
}

void
solana_worker_init(void)
{
	/*
	 * PostgreSQL refuses (FATAL) PGC_POSTMASTER settings defined after
	 * startup, that is when the library is loaded without preload; they
	 * size nothing then, so they are merely reloadable.
	 */
	GucContext	pm = process_shared_preload_libraries_in_progress ?
		PGC_POSTMASTER : PGC_SIGHUP;

	DefineCustomIntVariable("solana.dispatcher_workers",
							"Number of dispatcher background workers.",
							"0 disables the dispatcher.",
							&solana_dispatcher_workers,
							1, 0, SOLANA_MAX_DISPATCHERS,
							pm, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.dispatcher_concurrency",
							"Most requests in flight per dispatcher worker.",
							NULL,
							&solana_dispatcher_concurrency,
							64, 1, 10000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("solana.dispatcher_queues",
							   "Queues the dispatcher claims built-in jobs from.",
							   "A comma-separated list, or * for every queue.",
							   &solana_dispatcher_queues,
							   "*",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.dispatcher_lease",
							"Lease the dispatcher takes on each job it claims.",
							"Request timeouts are capped a little below it.",
							&solana_dispatcher_lease_ms,
							60000, 2000, 3600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.rpc_cache_size",
							"Shared memory for the solana.rpc response cache.",
							NULL,
							&solana_rpc_cache_size_kb,
							4096, 64, 1024 * 1024,
							pm, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.rpc_cache_ttl",
							"How long solana.rpc answers stay cached, unless solana.rpc_cache_ttls says otherwise.",
							"0 disables caching.",
							&solana_rpc_cache_ttl_ms,
							1000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomStringVariable("solana.rpc_cache_ttls",
							   "Per-method cache TTLs for solana.rpc.",
							   "A list such as \"getVersion=60s, getBalance=0\"; units ms, s, min, h.",
							   &solana_rpc_cache_ttls,
							   "getGenesisHash=1h, getVersion=1min, getEpochSchedule=1h, getIdentity=1min, getMinimumBalanceForRentExemption=1min, getHealth=0, getLatestBlockhash=400ms, getSlot=400ms, getBlockHeight=400ms",
							   PGC_USERSET, 0, check_ttls, NULL, NULL);
	DefineCustomRealVariable("solana.rpc_rate_limit",
							 "Requests per second to each JSON-RPC endpoint, shared by all backends and workers.",
							 "0 means unlimited.",
							 &solana_rpc_rate_limit,
							 0, 0, 1e6,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.rpc_rate_burst",
							"Requests an idle JSON-RPC endpoint may receive at once.",
							NULL,
							&solana_rpc_rate_burst,
							10, 1, 1000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.rpc_timeout",
							"Timeout of one solana.rpc HTTP attempt.",
							NULL,
							&solana_rpc_timeout_ms,
							10000, 100, 600000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.rpc_retries",
							"Retries of solana.rpc after a 429, a 5xx, a timeout or a refused connection.",
							NULL,
							&solana_rpc_retries,
							3, 0, 100,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.rpc_retry_base",
							"Delay before the first retry of solana.rpc; doubles per retry.",
							NULL,
							&solana_rpc_retry_base_ms,
							250, 0, 600000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("solana.rpc_retry_cap",
							"Longest delay between retries of solana.rpc.",
							NULL,
							&solana_rpc_retry_cap_ms,
							5000, 0, 3600000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = solana_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = solana_shmem_startup;

	for (int i = 0; i < solana_dispatcher_workers; i++)
	{
		BackgroundWorker bgw;

		memset(&bgw, 0, sizeof(bgw));
		bgw.bgw_flags = BGWORKER_SHMEM_ACCESS |
			BGWORKER_BACKEND_DATABASE_CONNECTION;
		bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
		bgw.bgw_restart_time = 5;
		snprintf(bgw.bgw_library_name, BGW_MAXLEN, "pg_solana");
		snprintf(bgw.bgw_function_name, BGW_MAXLEN, "solana_dispatcher_main");
		snprintf(bgw.bgw_name, BGW_MAXLEN, "pg_solana dispatcher %d", i);
		snprintf(bgw.bgw_type, BGW_MAXLEN, "pg_solana dispatcher");
		bgw.bgw_main_arg = Int32GetDatum(i);
		RegisterBackgroundWorker(&bgw);
	}
}

int64
solana_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64) tv.tv_sec * 1000000 + tv.tv_usec;
}

/* ---------------------------------------------------------------- */

void
solana_dispatcher_attach(int i)
{
	SpinLockAcquire(&shared->mutex);
	shared->latches[i] = MyLatch;
	shared->pids[i] = MyProcPid;
	shared->databases[i] = MyDatabaseId;
	SpinLockRelease(&shared->mutex);
}

void
solana_dispatcher_detach(int i)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	if (shared->pids[i] == MyProcPid)
	{
		shared->latches[i] = NULL;
		shared->pids[i] = 0;
		shared->databases[i] = InvalidOid;
	}
	SpinLockRelease(&shared->mutex);
}

void
solana_wake_dispatchers(void)
{
	Latch	   *latches[SOLANA_MAX_DISPATCHERS];
	int			n = 0;

	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < SOLANA_MAX_DISPATCHERS; i++)
		if (shared->latches[i] != NULL && shared->databases[i] == MyDatabaseId)
			latches[n++] = shared->latches[i];
	SpinLockRelease(&shared->mutex);
	/* SetLatch outside the spinlock: it may make a system call */
	for (int i = 0; i < n; i++)
		SetLatch(latches[i]);
}

/* ---------------------------------------------------------------- */

int64
solana_rate_reserve(const char *endpoint, int64 max_wait_us)
{
	endpoint_bucket *table = shared ? shared->buckets : local_buckets;
	uint64		h = ps_hash64(endpoint, strlen(endpoint)) | 1;
	int64_t		wait = 0;
	int			rc = PS_OK;
	int			slot = -1;
	int64		now = solana_now_us();

	if (solana_rpc_rate_limit <= 0)
		return 0;
	if (shared)
		SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < SOLANA_MAX_ENDPOINTS && slot < 0; i++)
		if (table[i].hash == h &&
			strncmp(table[i].endpoint, endpoint, SOLANA_ENDPOINT_MAX - 1) == 0)
			slot = i;
	for (int i = 0; i < SOLANA_MAX_ENDPOINTS && slot < 0; i++)
		if (table[i].hash == 0)
		{
			slot = i;
			table[i].hash = h;
			strlcpy(table[i].endpoint, endpoint, SOLANA_ENDPOINT_MAX);
			memset(&table[i].bucket, 0, sizeof(ps_bucket_t));
		}
	/* a full table shares the last slot: still limited, never unlimited */
	if (slot < 0)
		slot = SOLANA_MAX_ENDPOINTS - 1;
	rc = ps_bucket_reserve(&table[slot].bucket, now, solana_rpc_rate_limit,
						   solana_rpc_rate_burst, max_wait_us, &wait);
	if (shared)
		SpinLockRelease(&shared->mutex);
	return rc == PS_OK ? wait : -1;
}

/* ---------------------------------------------------------------- */

static ps_lru_t *
cache_for_backend(void)
{
	if (shared)
		return shared->cache;
	if (local_cache == NULL)
	{
		uint32		n_entries,
					n_blocks;
		size_t		sz;
		void	   *arena;

		/* without preload: a small private cache, 1 MB */
		cache_shape(1024, &n_entries, &n_blocks);
		sz = ps_lru_size(n_entries, n_blocks, CACHE_BLOCK_SZ);
		arena = MemoryContextAlloc(TopMemoryContext, sz);	/* MAXALIGNed */
		local_cache = ps_lru_init(arena, n_entries, n_blocks, CACHE_BLOCK_SZ);
	}
	return local_cache;
}

bool
solana_cache_get(const char *key, size_t key_sz, ps_buf_t *out)
{
	ps_lru_t   *lru = cache_for_backend();
	bool		hit;

	if (shared)
		LWLockAcquire(shared->cache_lock, LW_EXCLUSIVE);
	hit = ps_lru_get(lru, key, key_sz, solana_now_us() / 1000, out);
	if (shared)
		LWLockRelease(shared->cache_lock);
	return hit;
}

void
solana_cache_put(const char *key, size_t key_sz, const char *val,
				 size_t val_sz, int64 ttl_ms)
{
	ps_lru_t   *lru = cache_for_backend();

	if (shared)
		LWLockAcquire(shared->cache_lock, LW_EXCLUSIVE);
	/* too large for the cache: simply not cached */
	(void) ps_lru_put(lru, key, key_sz, val, val_sz,
					  solana_now_us() / 1000 + ttl_ms);
	if (shared)
		LWLockRelease(shared->cache_lock);
}

void
solana_cache_stats(ps_lru_stats_t *out)
{
	ps_lru_t   *lru = cache_for_backend();

	if (shared)
		LWLockAcquire(shared->cache_lock, LW_SHARED);
	ps_lru_get_stats(lru, out);
	if (shared)
		LWLockRelease(shared->cache_lock);
}

void
solana_cache_reset(void)
{
	ps_lru_t   *lru = cache_for_backend();

	if (shared)
		LWLockAcquire(shared->cache_lock, LW_EXCLUSIVE);
	ps_lru_clear(lru);
	if (shared)
		LWLockRelease(shared->cache_lock);
}

/* ---------------------------------------------------------------- */

void *
solana_buf_realloc(void *ctx, void *ptr, size_t new_sz)
{
	if (new_sz == 0)
	{
		if (ptr)
			pfree(ptr);
		return NULL;
	}
	if (ptr == NULL)
		return palloc_extended(new_sz, MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
	return repalloc_extended(ptr, new_sz, MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
}
