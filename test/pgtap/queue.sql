-- pgTAP: the job queue (sql/install/30_queue.sql).  Backoff schedule,
-- dead-lettering, dedup keys, delays, priority ordering, pause/resume,
-- limits, retention, and the SQLSTATE of every error path.  Runs in one
-- transaction, so now() stands still: "time passes" by moving run_at.
BEGIN;
SELECT plan(57);

SELECT has_table('solana', 'jobs', 'table solana.jobs');
SELECT has_table('solana', 'queues', 'table solana.queues');
SELECT has_view('solana', 'queue_stats', 'view solana.queue_stats');
SELECT has_view('solana', 'dead_jobs', 'view solana.dead_jobs');
SELECT has_function('solana', 'enqueue', ARRAY['text', 'text', 'jsonb', 'integer', 'timestamp with time zone', 'interval', 'integer', 'text']);
SELECT has_function('solana', 'enqueue_batch', ARRAY['text', 'text', 'jsonb[]', 'integer', 'timestamp with time zone', 'interval', 'integer', 'text[]']);
SELECT has_function('solana', 'claim', ARRAY['text', 'text[]', 'integer', 'interval', 'text']);
SELECT has_function('solana', 'complete', ARRAY['bigint', 'jsonb', 'text']);
SELECT has_function('solana', 'fail', ARRAY['bigint', 'text', 'interval', 'boolean', 'text']);
SELECT has_function('solana', 'heartbeat', ARRAY['bigint', 'interval', 'text']);
SELECT has_function('solana', 'cancel', ARRAY['bigint']);
SELECT has_function('solana', 'retry_job', ARRAY['bigint']);
SELECT has_function('solana', 'retry_dead', ARRAY['text']);
SELECT has_function('solana', 'purge_jobs', ARRAY['text']);
SELECT is_empty($$
    SELECT i.indexrelid::regclass::text FROM pg_index i
     WHERE i.indrelid = 'solana.jobs'::regclass AND i.indpred IS NULL
       AND NOT i.indisprimary
$$, 'every secondary index of solana.jobs is partial');
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'solana'::regnamespace AND p.proname LIKE '\_%'
       AND has_function_privilege('public', p.oid, 'EXECUTE')
       AND p.oid IN (SELECT objid FROM pg_depend WHERE deptype = 'e')
       AND p.proname IN ('_queue', '_reap', '_announce', '_wake_dispatcher',
                         '_start_time', '_check_job_args', '_require_job',
                         '_valid_concurrency', '_jobs_enqueued')
$$, 'queue helpers are not granted to PUBLIC');

-- queues with known policies
INSERT INTO solana.queues (name, max_attempts, backoff_base, backoff_cap, backoff_jitter)
VALUES ('t', 5, '2 s', '10 s', 0), ('tj', 3, '10 s', '1 min', 0.5);
CREATE TEMP TABLE ids AS SELECT
    solana.enqueue('t', 'a', '{"n": "low"}', priority => -5) AS low,
    solana.enqueue('t', 'a', '{"n": "mid"}') AS mid,
    solana.enqueue('t', 'a', '{"n": "high"}', priority => 10) AS high,
    solana.enqueue('t', 'a', '{"n": "later"}', priority => 100, delay => '5 min') AS later,
    solana.enqueue('t', 'a', '{"n": "dup"}', dedup_key => 'd') AS dup1,
    solana.enqueue('t', 'a', '{"n": "dup2"}', dedup_key => 'd') AS dup2;

-- priorities and delays
SELECT is((SELECT dup1 FROM ids), (SELECT dup2 FROM ids), 'a queued dedup key returns the existing job');
SELECT results_eq($$SELECT payload->>'n' FROM solana.claim('t', n => 10)$$,
                  ARRAY['high', 'mid', 'dup', 'low'],
                  'claim: higher priority first, then run_at and id; delayed jobs wait');
SELECT is((SELECT count(*)::int FROM solana.claim('t')), 0, 'nothing ready while the delay runs');
UPDATE solana.jobs SET run_at = now() WHERE id = (SELECT later FROM ids);
SELECT results_eq($$SELECT payload->>'n' FROM solana.claim('t')$$, ARRAY['later'],
                  'a delayed job is claimable once run_at has passed');
SELECT is(solana.enqueue('t', 'a', '{"n": "dup3"}', dedup_key => 'd'), (SELECT dup1 FROM ids),
          'a running dedup key also returns the existing job');

-- backoff schedule: 2, 4, 8, 10 (cap) seconds, then dead after attempt 5
CREATE FUNCTION pg_temp.fail_cycle(job bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    UPDATE solana.jobs SET run_at = now() WHERE id = job AND state = 'queued';
    PERFORM solana.claim('t', n => 100);
    st := solana.fail(job, 'boom');
    RETURN st || coalesce(' ' || (SELECT (run_at - now())::text FROM solana.jobs
                                  WHERE id = job AND state = 'queued'), '');
END $$;
SELECT is(solana.fail((SELECT low FROM ids), 'boom'), 'queued', 'first failure: queued again');
SELECT is((SELECT run_at - now() FROM solana.jobs WHERE id = (SELECT low FROM ids)),
          interval '2 s', 'backoff after attempt 1 is the base');
SELECT is(pg_temp.fail_cycle((SELECT low FROM ids)), 'queued 00:00:04', 'after attempt 2: 2x base');
SELECT is(pg_temp.fail_cycle((SELECT low FROM ids)), 'queued 00:00:08', 'after attempt 3: 4x base');
SELECT is(pg_temp.fail_cycle((SELECT low FROM ids)), 'queued 00:00:10', 'after attempt 4: the cap');
SELECT is(pg_temp.fail_cycle((SELECT low FROM ids)), 'dead', 'after max_attempts: dead');
SELECT results_eq($$SELECT attempts, last_error FROM solana.dead_jobs WHERE queue = 't'$$,
                  $$VALUES (5, 'boom')$$, 'the dead-letter list shows it');
SELECT is((SELECT dead FROM solana.queue_stats WHERE queue = 't'), 1::bigint, 'queue_stats counts it');
SELECT ok(solana.retry_job((SELECT low FROM ids)), 'retry_job revives a dead job');
SELECT results_eq($$SELECT state, attempts FROM solana.jobs WHERE id = (SELECT low FROM ids)$$,
                  $$VALUES ('queued', 0)$$, 'with fresh attempts');
-- jitter only shortens: within [base*2^(k-1)*(1-jitter), base*2^(k-1)]
SELECT ok((SELECT bool_and(solana.backoff(2, '10 s', '1 min', 0.5) BETWEEN '10 s' AND '20 s')
             FROM generate_series(1, 500)), 'jitter stays within its fraction');
SELECT ok((SELECT count(DISTINCT solana.backoff(2, '10 s', '1 min', 0.5)) > 1
             FROM generate_series(1, 50)), 'jitter varies');

-- retry_dead over a queue
SELECT solana.enqueue('tj', 'a', jsonb_build_object('i', i), max_attempts => 1)
  FROM generate_series(1, 3) i;
SELECT solana.fail(id, 'x') FROM solana.claim('tj', n => 3);
SELECT is(solana.retry_dead('tj'), 3, 'retry_dead revives every dead job of the queue');
SELECT is((SELECT count(*)::int FROM solana.claim('tj', n => 5)), 3, 'and they are claimable');

-- pause / resume
SELECT solana.pause('tj');
SELECT solana.enqueue('tj', 'a');
SELECT is((SELECT count(*)::int FROM solana.claim('tj')), 0, 'a paused queue hands out nothing');
SELECT solana.resume('tj');
SELECT is((SELECT count(*)::int FROM solana.claim('tj')), 1, 'resume hands out again');

-- heartbeat keeps a lease, expiry returns the job
SELECT solana.enqueue('tl', 'a');
SELECT is((SELECT count(*)::int FROM solana.claim('tl', lease => '1 min')), 1, 'claimed with a lease');
UPDATE solana.jobs SET lease_expires_at = now() - interval '1 s' WHERE queue = 'tl';
SELECT is((SELECT attempts FROM solana.claim('tl')), 2, 'the claim that reaps takes the job again');
SELECT results_eq($$SELECT state, attempts FROM solana.jobs WHERE queue = 'tl'$$,
                  $$VALUES ('running', 2)$$, 'an expired lease returns the job, its attempt counted');
SELECT is((SELECT last_error FROM solana.jobs WHERE queue = 'tl'),
          'lease expired (worker unnamed, attempt 1)', 'the expiry is recorded');
SELECT ok(solana.heartbeat((SELECT id FROM solana.jobs WHERE queue = 'tl'), '1 hour'), 'heartbeat');
SELECT is((SELECT lease_expires_at FROM solana.jobs WHERE queue = 'tl'), now() + interval '1 hour',
          'heartbeat moves the lease');

-- retention by count and age
INSERT INTO solana.queues (name, keep_succeeded, keep_succeeded_for, keep_failed, keep_failed_for)
VALUES ('tr', 3, '1 hour', NULL, '1 day');
SELECT solana.enqueue_batch('tr', 'a', array_fill('{}'::jsonb, ARRAY[6]));
SELECT solana.complete_batch(array_agg(id)) FROM solana.claim('tr', n => 5);
SELECT solana.cancel(id) FROM solana.jobs WHERE queue = 'tr' AND state = 'queued';
SELECT is(solana.purge_jobs('tr'), 2::bigint, 'purge keeps the newest keep_succeeded');
UPDATE solana.jobs SET finished_at = now() - interval '2 hours' WHERE queue = 'tr' AND state = 'succeeded';
UPDATE solana.jobs SET finished_at = now() - interval '2 days' WHERE queue = 'tr' AND state = 'cancelled';
SELECT is(solana.purge_jobs('tr'), 4::bigint, 'purge drops jobs older than keep_*_for');

-- SQLSTATEs
SELECT throws_ok($$SELECT solana.enqueue(NULL, 'a')$$, '22004', 'queue name is null', 'null queue: 22004');
SELECT throws_ok($$SELECT solana.enqueue('', 'a')$$, '22023', 'invalid queue name: ""', 'empty queue: 22023');
SELECT throws_ok($$SELECT solana.enqueue('t', NULL)$$, '22004', 'job kind is null', 'null kind: 22004');
SELECT throws_ok($$SELECT solana.enqueue('t', 'a', max_attempts => 0)$$, '22023', 'invalid max_attempts: 0', 'max_attempts 0: 22023');
SELECT throws_ok($$SELECT solana.enqueue('t', 'a', run_at => now(), delay => '1 s')$$, '22023', 'run_at and delay given together', 'run_at and delay: 22023');
SELECT throws_ok($$SELECT solana.claim('t', n => 0)$$, '22023', 'invalid claim count: 0', 'claim n 0: 22023');
SELECT throws_ok($$SELECT solana.claim('t', lease => '-1 s')$$, '22023', NULL, 'negative lease: 22023');
SELECT throws_ok($$SELECT solana.complete(-7)$$, '22023', 'job -7 does not exist', 'unknown job: 22023');
SELECT throws_ok($$SELECT solana.fail(-7, 'x')$$, '22023', 'job -7 does not exist', 'fail of an unknown job: 22023');
SELECT throws_ok($$UPDATE solana.queues SET concurrency = '{"a": "x"}' WHERE name = 't'$$, '23514', NULL, 'bad concurrency map: 23514');

-- the NOTIFY payload of a job event is json_build_object's text, byte
-- for byte, with names that need JSON escapes
SELECT is(solana._job_event('succeeded', E'q"\\\u00e9\n', 9007199254740993, E'k\t/'),
          json_build_object('op', 'succeeded', 'queue', E'q"\\\u00e9\n',
                            'id', 9007199254740993, 'kind', E'k\t/')::text,
          'job event payload: json_build_object''s text, escapes included');
SELECT is(solana._job_event('dead', 'q', 1, 'k')::json ->> 'op', 'dead', 'job event payload parses as JSON');

SELECT * FROM finish();
ROLLBACK;
