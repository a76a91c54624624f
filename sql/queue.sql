-- The job queue (sql/install/30_queue.sql): enqueue, claim order,
-- leases, retries with backoff, dead letters, dedup keys, limits,
-- retention, stats and NOTIFY; bad input next to good.  Ids are not
-- printed (another suite may have used the sequence): payloads are.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_solana;
-- no search_path: every function must qualify what it uses
SET search_path = '';

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- a queue is created with the defaults on first use
SELECT solana.enqueue('auto', 'a') > 0 AS enqueued;
SELECT name, max_attempts, backoff_base, backoff_cap, backoff_jitter, paused
  FROM solana.queues WHERE name = 'auto';
-- jobs copy their queue's attempts and backoff when enqueued
INSERT INTO solana.queues (name, max_attempts, backoff_base, backoff_cap, backoff_jitter)
VALUES ('rq', 4, '10 s', '1 min', 0);
SELECT solana.enqueue('rq', 'a', '{"n": 1}') > 0 AS enqueued;

-- priorities (higher first), then run_at, then id; delays wait
SELECT solana.enqueue('rq', 'a', '{"n": 2}', priority => 5) > 0;
SELECT solana.enqueue('rq', 'b', '{"n": 3}', priority => 5) > 0;
SELECT solana.enqueue('rq', 'a', '{"n": 4}', delay => '1 hour') > 0;
SELECT solana.enqueue('rq', 'a', '{"n": 5}', run_at => now() + '1 day') > 0;
SELECT solana.enqueue('rq', 'a', '{"n": 6}', priority => -1) > 0;
SELECT payload->>'n' AS n, kind, state, attempts, lease_owner
  FROM solana.claim('rq', n => 10, worker => 'w1');
SELECT count(*) FROM solana.claim('rq');
-- kinds filter
SELECT solana.enqueue('rk', k, jsonb_build_object('k', k)) > 0
  FROM unnest(ARRAY['x', 'y', 'x']) AS k;
SELECT payload FROM solana.claim('rk', kinds => ARRAY['y'], n => 5);
SELECT count(*) FROM solana.claim('rk', kinds => ARRAY['x'], n => 5);

-- complete, fail and the backoff schedule: 10 s, 20 s, 40 s, then dead
BEGIN;
SELECT solana.complete(id, '{"ok": true}') FROM solana.jobs
 WHERE queue = 'rq' AND payload->>'n' = '2';
SELECT state, result FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '2';
SELECT solana.complete(id) FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '2';
SELECT solana.fail(id, 'boom 1') FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '1';
SELECT state, attempts, run_at - now() AS retry_in, last_error
  FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '1';
COMMIT;
CREATE FUNCTION pg_temp.cycle(q text, n text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    UPDATE solana.jobs SET run_at = now() WHERE queue = q AND payload->>'n' = n;
    PERFORM solana.claim(q, n => 100);
    SELECT solana.fail(id, 'boom') AS st, run_at - now() AS d, attempts
      INTO r FROM solana.jobs WHERE queue = q AND payload->>'n' = n;
    SELECT run_at - now() AS d, attempts, state INTO r
      FROM solana.jobs WHERE queue = q AND payload->>'n' = n;
    RETURN format('%s after attempt %s, next in %s', r.state, r.attempts,
                  CASE WHEN r.state = 'queued' THEN r.d::text ELSE '-' END);
END $$;
SELECT pg_temp.cycle('rq', '1');
SELECT pg_temp.cycle('rq', '1');
SELECT pg_temp.cycle('rq', '1');
SELECT payload->>'n' AS n, attempts, last_error FROM solana.dead_jobs WHERE queue = 'rq';
-- the backoff function itself: capped, never longer with jitter
SELECT a, solana.backoff(a, '1 s', '1 min') FROM generate_series(1, 8) AS a;
SELECT bool_and(solana.backoff(3, '1 s', '1 min', 0.5) BETWEEN '2 s' AND '4 s')
  FROM generate_series(1, 200);
SELECT solana.backoff(100000, '1 s', '1 hour');
-- retry_in overrides the backoff; retry => false gives up at once
BEGIN;
SELECT count(*) FROM solana.claim('rk', n => 5);
SELECT solana.fail(id, 'later', retry_in => '5 min')
  FROM solana.jobs WHERE queue = 'rk' AND kind = 'y';
SELECT state, run_at - now() AS retry_in FROM solana.jobs WHERE queue = 'rk' AND kind = 'y';
COMMIT;
SELECT solana.fail(id, 'bad payload', retry => false)
  FROM solana.jobs WHERE queue = 'rk' AND state = 'running' ORDER BY id LIMIT 1;
SELECT kind, state, last_error FROM solana.jobs WHERE queue = 'rk' ORDER BY id;

-- retry_job and retry_dead bring jobs back with fresh attempts
SELECT solana.retry_dead('rq');
SELECT payload->>'n' AS n, state, attempts FROM solana.jobs
 WHERE queue = 'rq' AND payload->>'n' = '1';
SELECT solana.retry_job(id) FROM solana.jobs WHERE queue = 'rk' AND state = 'failed';
SELECT solana.retry_job(id) FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '2';

-- heartbeat and cancel
SELECT solana.heartbeat(id, '10 min') FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '3';
SELECT solana.heartbeat(id) FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '2';
SELECT solana.cancel(id) FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' IN ('3', '4') ORDER BY id;
SELECT solana.cancel(id) FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '3';
SELECT solana.complete(id) FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '3';
SELECT solana.fail(id, 'x') IS NULL FROM solana.jobs WHERE queue = 'rq' AND payload->>'n' = '3';

-- leases: an expired lease returns the job (the attempt counts), and
-- dies when it was the last one
SELECT solana.enqueue('rl', 'a', '{"n": 1}', max_attempts => 2) > 0;
SELECT attempts FROM solana.claim('rl', lease => '1 ms', worker => 'gone');
SELECT pg_sleep(0.01);
-- returns it to the queue, and the same call hands it out again
SELECT attempts, last_error FROM solana.claim('rl', lease => '1 ms');
SELECT state, attempts, last_error FROM solana.jobs WHERE queue = 'rl';
SELECT pg_sleep(0.01);
SELECT count(*) FROM solana.claim('rl');   -- out of attempts: dead
SELECT state, attempts, last_error FROM solana.jobs WHERE queue = 'rl';

-- dedup keys: one live job per queue and key
SELECT solana.enqueue('rd', 'a', '{"v": 1}', dedup_key => 'k1')
     = solana.enqueue('rd', 'a', '{"v": 2}', dedup_key => 'k1') AS same_job;
SELECT solana.enqueue('rd', 'a', '{"v": 3}', dedup_key => 'k2')
     = solana.enqueue('rd', 'a', '{"v": 4}', dedup_key => 'k1') AS same_job;
SELECT count(*) FROM solana.claim('rd', n => 1);
SELECT solana.enqueue('rd', 'a', '{"v": 5}', dedup_key => 'k1') =
       (SELECT id FROM solana.jobs WHERE queue = 'rd' AND payload->>'v' = '1') AS running_dedups;
SELECT solana.complete(id) FROM solana.jobs WHERE queue = 'rd' AND state = 'running';
SELECT solana.enqueue('rd', 'a', '{"v": 6}', dedup_key => 'k1') <>
       (SELECT id FROM solana.jobs WHERE queue = 'rd' AND payload->>'v' = '1') AS new_after_finish;
SELECT payload->>'v' AS v, dedup_key, state FROM solana.jobs WHERE queue = 'rd' ORDER BY id;

-- enqueue_batch: ids in input order, dedup within the batch and against the table
SELECT count(*), count(DISTINCT i) FROM solana.enqueue_batch('rb', 'a',
    (SELECT array_agg(jsonb_build_object('i', g)) FROM generate_series(1, 100) g)) AS i;
SELECT array_agg(i ORDER BY i) = array_agg(i) AS in_order FROM solana.enqueue_batch('rb', 'a',
    (SELECT array_agg(jsonb_build_object('i', g)) FROM generate_series(1, 20) g)) AS i;
CREATE TEMP TABLE b AS SELECT i, row_number() OVER () AS r FROM solana.enqueue_batch('rd', 'a',
    ARRAY['{"v": 7}', '{"v": 8}', '{"v": 9}']::jsonb[],
    dedup_keys => ARRAY['k2', 'k3', 'k3']) AS i;
SELECT r, (SELECT payload->>'v' FROM solana.jobs WHERE id = b.i) AS job_payload
  FROM pg_temp.b ORDER BY r;
SELECT count(*) FROM solana.enqueue_batch('rb', 'a', '{}');

-- pause and resume
SELECT solana.pause('rb');
SELECT count(*) FROM solana.claim('rb', n => 10);
SELECT solana.resume('rb');
SELECT count(*) FROM solana.claim('rb', n => 10);

-- per-kind concurrency: at most 2 running of kind "slow"
INSERT INTO solana.queues (name, concurrency) VALUES ('rc', '{"slow": 2}');
SELECT count(*) FROM (SELECT solana.enqueue('rc', k, jsonb_build_object('k', k, 'i', i))
                        FROM generate_series(1, 3) i, unnest(ARRAY['slow', 'fast']) k) s;
SELECT kind, count(*) FROM solana.claim('rc', n => 10) GROUP BY kind ORDER BY kind;
SELECT count(*) FROM solana.claim('rc', n => 10);
SELECT solana.complete(id) FROM solana.jobs WHERE queue = 'rc' AND kind = 'slow' AND state = 'running' ORDER BY id LIMIT 1;
SELECT kind, count(*) FROM solana.claim('rc', n => 10) GROUP BY kind;
-- rate limit: 3 claims per hour-long window
INSERT INTO solana.queues (name, rate_limit, rate_interval) VALUES ('rr', 3, '1 hour');
SELECT count(*) FROM solana.enqueue_batch('rr', 'a', array_fill('{}'::jsonb, ARRAY[10]));
SELECT count(*) FROM solana.claim('rr', n => 2);
SELECT count(*) FROM solana.claim('rr', n => 2);
SELECT count(*) FROM solana.claim('rr', n => 2);
UPDATE solana.queues SET rate_window_start = now() - interval '2 hours' WHERE name = 'rr';
SELECT count(*) FROM solana.claim('rr', n => 5);

-- stats
SELECT queue, paused, ready, delayed, running, succeeded, failed, dead, cancelled,
       succeeded_per_minute
  FROM solana.queue_stats ORDER BY queue;

-- retention: keep 2 succeeded jobs of rb, and none older than an hour
UPDATE solana.queues SET keep_succeeded = 2 WHERE name = 'rb';
SELECT solana.complete_batch(array_agg(id)) FROM solana.jobs WHERE queue = 'rb' AND state = 'running';
SELECT solana.purge_jobs('rb');
SELECT state, count(*) FROM solana.jobs WHERE queue = 'rb' GROUP BY state ORDER BY state;
UPDATE solana.jobs SET finished_at = now() - interval '2 days' WHERE queue = 'rq' AND state = 'succeeded';
UPDATE solana.jobs SET finished_at = now() - interval '8 days' WHERE queue = 'rq' AND state = 'cancelled';
SELECT solana.purge_jobs();
SELECT queue, state, count(*) FROM solana.jobs
 WHERE state NOT IN ('queued', 'running') GROUP BY 1, 2 ORDER BY 1, 2;

-- NOTIFY solana_jobs (received in test/integration/queue_concurrency.t:
-- psql prints the sender's PID here)
BEGIN;
SELECT count(*) FROM solana.enqueue_batch('rn', 'a', array_fill('{}'::jsonb, ARRAY[3]));
SELECT solana.enqueue('rn', 'a') > 0;
SELECT solana.enqueue('rn2', 'a') > 0;
COMMIT;
SELECT count(*) FROM solana.claim('rn2');
UPDATE solana.queues SET notify = false WHERE name = 'rn';
SELECT count(*) FROM solana.claim('rn');
SELECT solana.complete(id) FROM solana.jobs WHERE queue = 'rn' AND state = 'running';

-- claim is one index scan of the partial index
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT j.id FROM solana.jobs j
 WHERE j.queue = 'rq' AND j.state = 'queued' AND j.run_at <= now()
 ORDER BY j.priority DESC, j.run_at, j.id LIMIT 10 FOR UPDATE SKIP LOCKED;
RESET enable_seqscan;

-- bad input
SELECT pg_temp.err($$SELECT solana.enqueue('', 'a')$$);
SELECT pg_temp.err($$SELECT solana.enqueue(NULL, 'a')$$);
SELECT pg_temp.err($$SELECT solana.enqueue('rq', '')$$);
SELECT pg_temp.err($$SELECT solana.enqueue('rq', NULL)$$);
SELECT pg_temp.err($$SELECT solana.enqueue('rq', 'a', max_attempts => 0)$$);
SELECT pg_temp.err($$SELECT solana.enqueue('rq', 'a', run_at => now(), delay => '1 s')$$);
SELECT pg_temp.err($$SELECT solana.enqueue('rq', 'a', delay => '-1 s')$$);
SELECT pg_temp.err($$SELECT solana.enqueue_batch('rq', 'a', ARRAY['{}']::jsonb[], dedup_keys => ARRAY['a', 'b'])$$);
SELECT pg_temp.err($$SELECT solana.claim('rq', n => 0)$$);
SELECT pg_temp.err($$SELECT solana.claim('rq', lease => '0 s')$$);
SELECT pg_temp.err($$SELECT solana.complete(-1)$$);
SELECT pg_temp.err($$SELECT solana.fail(-1, 'x')$$);
SELECT pg_temp.err($$SELECT solana.fail(1, 'x', retry_in => '-1 s')$$);
SELECT pg_temp.err($$SELECT solana.heartbeat(-1)$$);
SELECT pg_temp.err($$SELECT solana.cancel(-1)$$);
SELECT pg_temp.err($$SELECT solana.retry_job(-1)$$);
SELECT pg_temp.err($$SELECT solana.complete_batch(ARRAY[1, 2], ARRAY['{}']::jsonb[])$$);
SELECT pg_temp.err($$UPDATE solana.queues SET concurrency = '{"a": -1}' WHERE name = 'rq'$$);
SELECT pg_temp.err($$UPDATE solana.queues SET concurrency = '[1]' WHERE name = 'rq'$$);
SELECT pg_temp.err($$UPDATE solana.queues SET backoff_jitter = 2 WHERE name = 'rq'$$);
SELECT pg_temp.err($$INSERT INTO solana.jobs (queue, kind, state) VALUES ('rq', 'a', 'done')$$);
-- a dead job cannot come back while another with its key is live
SELECT solana.enqueue('rx', 'a', '{"v": 1}', dedup_key => 'k', max_attempts => 1) > 0;
SELECT solana.fail(id, 'x') FROM solana.claim('rx');
SELECT solana.enqueue('rx', 'a', '{"v": 2}', dedup_key => 'k') > 0;
SELECT pg_temp.err(format('SELECT solana.retry_job(%s)', (SELECT id FROM solana.jobs WHERE queue = 'rx' AND state = 'dead')));
SELECT solana.retry_dead('rx');

RESET search_path;
DROP EXTENSION pg_solana CASCADE;
