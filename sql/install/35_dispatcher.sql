-- pg_solana install script, part 35: the dispatcher's wake-up and the
-- solana.rpc API gateway.
--
-- The dispatcher background workers (solana.dispatcher_workers) claim
-- jobs of the built-in kinds http, rpc and account_refresh from
-- solana.jobs and run them; see docs/queue.md.  solana.rpc is the
-- synchronous gateway: cache, shared rate limit and retries, see
-- docs/gateway.md.

-- Replaces part 30's no-op hook: the functions that requeue jobs call
-- it, and the latches of the dispatchers of this database are set when
-- the transaction commits.  (The enqueue trigger calls the same C code
-- directly, and only for jobs of the built-in kinds.)
CREATE OR REPLACE FUNCTION solana._wake_dispatcher(queues text[]) RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'solana_wake_dispatcher';
COMMENT ON FUNCTION solana._wake_dispatcher(text[]) IS
    'internal: wake the dispatcher workers of this database when the current transaction commits (called by the functions that requeue jobs)';
REVOKE ALL ON FUNCTION solana._wake_dispatcher(text[]) FROM PUBLIC;

CREATE FUNCTION solana.rpc(method text, params jsonb DEFAULT '[]',
                           use_cache boolean DEFAULT true)
RETURNS jsonb
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'solana_rpc';
COMMENT ON FUNCTION solana.rpc(text, jsonb, boolean) IS
    'call a Solana JSON-RPC method on solana.rpc_url and return its result; cached per method TTL (use_cache => false to bypass), rate-limited per endpoint, retried on 429, 5xx and timeouts';

CREATE FUNCTION solana.rpc_cache_stats(
    OUT hits bigint, OUT misses bigint, OUT expired bigint,
    OUT inserts bigint, OUT evictions bigint, OUT entries bigint,
    OUT bytes_used bigint, OUT bytes_total bigint)
RETURNS record
LANGUAGE C VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'solana_rpc_cache_stats';
COMMENT ON FUNCTION solana.rpc_cache_stats() IS
    'counters of the solana.rpc response cache (shared memory when preloaded, else this session''s)';

CREATE FUNCTION solana.rpc_cache_reset() RETURNS void
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'solana_rpc_cache_reset';
COMMENT ON FUNCTION solana.rpc_cache_reset() IS
    'drop every cached solana.rpc response (counters are kept)';
REVOKE ALL ON FUNCTION solana.rpc_cache_reset() FROM PUBLIC;

-- The dispatcher finds queues with due jobs of built-in kinds here, so
-- that application queues of other kinds cost it nothing.  Kinds of
-- later issues (webhook, transaction) are listed already.
CREATE INDEX jobs_dispatch_idx ON solana.jobs (queue, run_at)
    WHERE state = 'queued'
      AND kind IN ('http', 'rpc', 'account_refresh', 'webhook', 'transaction');
