-- pgTAP: leases of the job queue (sql/install/30_queue.sql).  A worker
-- that names itself to complete, fail and heartbeat acts only on a job
-- it still holds; one whose lease expired and was claimed again gets
-- 55000 and leaves the row alone.  solana.release gives jobs back
-- without using an attempt.  The old calls (no worker) keep working.
BEGIN;
SELECT plan(41);

-- worker a claims, its lease expires, worker b claims the job again
SELECT solana.enqueue('lease', 'k', '{"n": 1}');
SELECT is((SELECT lease_owner FROM solana.claim('lease', worker => 'a', lease => '1 min')), 'a',
          'worker a holds the job');
SELECT ok(solana.heartbeat((SELECT id FROM solana.jobs WHERE queue = 'lease'), '2 min', worker => 'a'),
          'the holder may heartbeat');
UPDATE solana.jobs SET lease_expires_at = now() - interval '1 s' WHERE queue = 'lease';
SELECT ok(solana.heartbeat((SELECT id FROM solana.jobs WHERE queue = 'lease'), '1 min', 'a'),
          'an expired lease nobody took over still belongs to its holder');
UPDATE solana.jobs SET lease_expires_at = now() - interval '1 s' WHERE queue = 'lease';
SELECT is((SELECT lease_owner FROM solana.claim('lease', worker => 'b')), 'b',
          'worker b claims the job again (the claim reaps the expired lease first)');
SELECT is((SELECT attempts FROM solana.jobs WHERE queue = 'lease'), 2, 'worker b holds attempt 2');
SELECT id AS job FROM solana.jobs WHERE queue = 'lease' \gset

SELECT throws_ok(format($$SELECT solana.complete(%s, '{"by": "a"}', worker => 'a')$$, :job),
                 '55000', format('job %s is not held by worker "a"', :job),
                 'complete by the old holder: 55000');
SELECT throws_ok(format($$SELECT solana.fail(%s, 'boom', worker => 'a')$$, :job),
                 '55000', format('job %s is not held by worker "a"', :job),
                 'fail by the old holder: 55000');
SELECT throws_ok(format($$SELECT solana.heartbeat(%s, '1 min', 'a')$$, :job),
                 '55000', format('job %s is not held by worker "a"', :job),
                 'heartbeat by the old holder: 55000');
SELECT is(solana.complete_batch(ARRAY[:job]::bigint[], worker => 'a'), 0,
          'complete_batch by the old holder completes nothing');
SELECT results_eq(format($$SELECT state, lease_owner, attempts, result FROM solana.jobs WHERE id = %s$$, :job),
                  $$VALUES ('running', 'b', 2, NULL::jsonb)$$,
                  'the old holder changed nothing');

-- the error names the job and the current holder
CREATE FUNCTION pg_temp.lease_detail(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END $$;
SELECT matches(pg_temp.lease_detail(format($$SELECT solana.complete(%s, NULL, 'a')$$, :job)),
               'running under worker "b" \(attempt 2\)', 'the detail names the current holder');

SELECT ok(solana.heartbeat(:job, '1 min', 'b'), 'the new holder may heartbeat');
SELECT ok(solana.complete(:job, '{"by": "b"}', 'b'), 'the new holder completes');
SELECT results_eq(format($$SELECT state, result FROM solana.jobs WHERE id = %s$$, :job),
                  $$VALUES ('succeeded', '{"by": "b"}'::jsonb)$$, 'with the new holder''s result');
SELECT throws_ok(format($$SELECT solana.complete(%s, NULL, 'a')$$, :job), '55000', NULL,
                 'complete of a job someone else finished: 55000');
SELECT matches(pg_temp.lease_detail(format($$SELECT solana.complete(%s, NULL, 'a')$$, :job)),
               '^The job is succeeded; its last attempt \(2\) was run by worker "b"', 'the detail names who ran it');
SELECT is(solana.complete(:job, NULL, 'b'), false, 'a second complete by the holder: false');
SELECT is(solana.complete(:job), false, 'without a worker: false, as before');

-- a lease returned to the queue but not claimed again: the plain NULL
-- (nobody else holds the job; the holder's own requeue looks the same)
SELECT solana.enqueue('lease2', 'k');
SELECT id AS job2 FROM solana.claim('lease2', worker => 'a') \gset
UPDATE solana.jobs SET lease_expires_at = now() - interval '1 s' WHERE id = :job2;
SELECT is(solana._reap('lease2'), 1, 'reaped (solana.purge_jobs does this too)');
SELECT is(solana.fail(:job2, 'x', worker => 'a'), NULL, 'fail after the lease was reaped, not claimed again: NULL');

-- a cancelled job answers false / NULL, not an error
SELECT id AS job3 FROM solana.claim('lease2', worker => 'c') \gset
SELECT solana.cancel(:job3);
SELECT is(solana.complete(:job3, NULL, 'c'), false, 'complete of a cancelled job: false');
SELECT is(solana.fail(:job3, 'x', worker => 'c'), NULL, 'fail of a cancelled job: NULL');
SELECT throws_ok($$SELECT solana.complete(-7, NULL, 'a')$$, '22023', 'job -7 does not exist',
                 'unknown job with a worker: 22023');

-- release: back to the queue, attempt not counted, place kept
SELECT solana.enqueue_batch('rel', 'k', array_fill('{}'::jsonb, ARRAY[3]));
SELECT array_agg(id ORDER BY id) AS rel FROM solana.claim('rel', n => 3, worker => 'w') \gset
SELECT is(solana.release(:'rel'::bigint[], worker => 'other'), 0, 'release by another worker: nothing');
SELECT is(solana.release(:'rel'::bigint[], worker => 'w'), 3, 'release by the holder: all three');
SELECT results_eq($$SELECT state, attempts, lease_owner, lease_expires_at FROM solana.jobs
                     WHERE queue = 'rel' ORDER BY id$$,
                  $$VALUES ('queued', 0, NULL::text, NULL::timestamptz),
                           ('queued', 0, NULL, NULL), ('queued', 0, NULL, NULL)$$,
                  'released jobs are queued, lease cleared, attempt not counted');
SELECT is((SELECT array_agg(id ORDER BY id) FROM solana.claim('rel', n => 3)), :'rel'::bigint[],
          'released jobs are claimable at once');
SELECT is(solana.release(:'rel'::bigint[]), 3, 'release without a worker: any running job');

-- complete_and_claim: one call completes what is done and claims more
SELECT solana.enqueue_batch('cc', 'k', array_fill('{}'::jsonb, ARRAY[3]));
SELECT id AS c1 FROM solana.claim('cc', worker => 'w') \gset
SELECT id AS c2 FROM solana.complete_and_claim('cc', ARRAY[:c1]::bigint[], ARRAY['{"r": 1}']::jsonb[], worker => 'w') \gset
SELECT results_eq(format($$SELECT state, result FROM solana.jobs WHERE id IN (%s, %s) ORDER BY id$$, :c1, :c2),
                  $$VALUES ('succeeded', '{"r": 1}'::jsonb), ('running', NULL)$$,
                  'complete_and_claim completes the done job and claims the next');
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('cc', ARRAY[:c2]::bigint[], n => 5, worker => 'other')), 1,
          'a job held by another worker is not completed, the claim still runs');
SELECT is((SELECT state FROM solana.jobs WHERE id = :c2), 'running', 'so it stays running');
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('cc', '{}')), 0, 'an empty done list only claims');

-- complete_and_claim's own statements (no result given, no queue with
-- keep_succeeded = 0) and its hand-over to solana.claim for limits
SELECT solana.enqueue_batch('cc2', 'k', array_fill('{}'::jsonb, ARRAY[4]));
SELECT array_agg(id ORDER BY id) AS d1 FROM solana.claim('cc2', n => 2, worker => 'w') \gset
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('cc2', :'d1'::bigint[], n => 1, worker => 'other')), 1,
          'without results: jobs of another worker are left alone, one more claimed');
SELECT is((SELECT count(*)::int FROM solana.jobs WHERE id = ANY (:'d1'::bigint[]) AND state = 'running'), 2,
          'so both stay running');
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('cc2', :'d1'::bigint[], n => 5, worker => 'w')), 1,
          'without results: the holder completes both and gets the last job');
SELECT results_eq(format($$SELECT state, result FROM solana.jobs WHERE id = ANY (%L::bigint[]) ORDER BY id$$, :'d1'),
                  $$VALUES ('succeeded', NULL::jsonb), ('succeeded', NULL)$$,
                  'completed without a result');
SELECT throws_ok($$SELECT * FROM solana.complete_and_claim('cc2', '{}', n => 0)$$, '22023',
                 'invalid claim count: 0', 'complete_and_claim: n < 1 is 22023, as claim');
SELECT throws_ok($$SELECT * FROM solana.complete_and_claim('cc2', '{}', lease => '0 s')$$, '22023',
                 'invalid lease: "00:00:00"', 'complete_and_claim: a lease <= 0 is 22023, as claim');
SELECT solana.enqueue_batch('cc3', 'k', array_fill('{}'::jsonb, ARRAY[5]));
UPDATE solana.queues SET rate_limit = 2, rate_interval = '1 hour' WHERE name = 'cc3';
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('cc3', '{}', n => 5)), 2,
          'a rate-limited queue: complete_and_claim claims within the limit (through solana.claim)');
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('cc3', '{}', n => 5)), 0, 'and no more in the window');
UPDATE solana.queues SET rate_limit = NULL, paused = true WHERE name = 'cc3';
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('cc3', '{}', n => 5)), 0, 'a paused queue: nothing');

SELECT * FROM finish();
ROLLBACK;
