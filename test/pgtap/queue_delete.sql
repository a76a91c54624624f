-- pgTAP: completion by delete (sql/install/30_queue.sql).  A queue with
-- keep_succeeded = 0 keeps no succeeded job: solana.complete,
-- complete_batch and complete_and_claim delete its jobs instead of
-- marking them succeeded, return what they return for an update, and
-- job webhooks get the same deliveries (solana._webhook_jobs_deleted).
-- Queues with keep_succeeded NULL or > 0 and failed / dead jobs are
-- unchanged.  (The NOTIFY of such completions: test/integration/
-- queue_concurrency.t.)
BEGIN;
SELECT plan(29);

DELETE FROM solana.webhooks;
INSERT INTO solana.queues (name, keep_succeeded) VALUES ('qd0', 0), ('qd5', 5);
INSERT INTO solana.queues (name) VALUES ('qdn');

-- complete
SELECT solana.enqueue('qd0', 'k', '{"n": 1}') AS j0 \gset
SELECT ok(solana.complete((SELECT id FROM solana.claim('qd0', worker => 'w1')), '{"r": 1}', 'w1'),
          'complete of a keep_succeeded = 0 job returns true');
SELECT is((SELECT count(*)::int FROM solana.jobs WHERE id = :j0), 0, 'and the job is gone');
SELECT throws_ok(format('SELECT solana.complete(%s)', :j0), '22023',
                 format('job %s does not exist', :j0),
                 'completing a deleted job again raises 22023: no trace is kept');

SELECT solana.enqueue('qdn', 'k') AS jn \gset
SELECT solana.enqueue('qd5', 'k') AS j5 \gset
SELECT ok(solana.complete((SELECT id FROM solana.claim('qdn')), '{"r": 2}'), 'keep_succeeded NULL: complete');
SELECT ok(solana.complete((SELECT id FROM solana.claim('qd5')), '{"r": 3}'), 'keep_succeeded 5: complete');
SELECT results_eq(format('SELECT state, result FROM solana.jobs WHERE id IN (%s, %s) ORDER BY id', :jn, :j5),
                  $$VALUES ('succeeded', '{"r": 2}'::jsonb), ('succeeded', '{"r": 3}'::jsonb)$$,
                  'keep_succeeded NULL and 5: the jobs stay, succeeded, with their results');

-- complete_batch, with and without results, queues mixed in one call
SELECT solana.enqueue_batch('qd0', 'k', array_fill('{}'::jsonb, ARRAY[3]));
SELECT solana.enqueue_batch('qdn', 'k', array_fill('{}'::jsonb, ARRAY[2]));
CREATE TEMP TABLE b1 AS
SELECT id, queue FROM solana.claim('qd0', n => 3) UNION ALL SELECT id, queue FROM solana.claim('qdn', n => 2);
SELECT is(solana.complete_batch((SELECT array_agg(id) FROM b1)), 5,
          'complete_batch over two queues counts every completed job');
SELECT is((SELECT count(*)::int FROM solana.jobs j JOIN b1 USING (id) WHERE b1.queue = 'qd0'), 0,
          'the keep_succeeded = 0 queue''s jobs are deleted');
SELECT is((SELECT count(*)::int FROM solana.jobs j JOIN b1 USING (id)
            WHERE b1.queue = 'qdn' AND j.state = 'succeeded' AND j.finished_at IS NOT NULL), 2,
          'the other queue''s jobs are succeeded');
SELECT is(solana.complete_batch((SELECT array_agg(id) FROM b1)), 0,
          'a second complete_batch of the same ids completes none');
SELECT solana.enqueue_batch('qd0', 'k', array_fill('{}'::jsonb, ARRAY[2]));
SELECT is(solana.complete_batch(array_agg(id), array_agg(jsonb_build_object('r', id)), 'w2'), 2,
          'complete_batch with results and worker')
  FROM solana.claim('qd0', n => 2, worker => 'w2');
SELECT is((SELECT count(*)::int FROM solana.jobs WHERE queue = 'qd0'), 0, 'no job of qd0 is left');

-- a lost lease is still a lost lease
SELECT solana.enqueue('qd0', 'k') AS jl \gset
SELECT id FROM solana.claim('qd0', worker => 'w3');
UPDATE solana.jobs SET lease_owner = 'w4' WHERE id = :jl;
SELECT throws_ok(format('SELECT solana.complete(%s, NULL, %L)', :jl, 'w3'), '55000', NULL,
                 'complete by a worker that lost the lease: 55000, the job is not deleted');
SELECT is(solana.complete_batch(ARRAY[:jl]::bigint[], NULL, 'w3'), 0, 'complete_batch skips it');
SELECT is((SELECT state FROM solana.jobs WHERE id = :jl), 'running', 'and the job is still running');
SELECT ok(solana.complete(:jl, NULL, 'w4'), 'its holder completes it');

-- complete_and_claim
SELECT solana.enqueue_batch('qd0', 'k', array_fill('{}'::jsonb, ARRAY[4]));
CREATE TEMP TABLE b2 AS SELECT id FROM solana.claim('qd0', n => 2, worker => 'w5');
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('qd0', (SELECT array_agg(id) FROM b2),
                                                              n => 2, worker => 'w5')), 2,
          'complete_and_claim completes two and claims two');
SELECT is((SELECT count(*)::int FROM solana.jobs j JOIN b2 USING (id)), 0, 'the two completed are deleted');
SELECT is((SELECT count(*)::int FROM solana.jobs WHERE queue = 'qd0' AND state = 'running'), 2,
          'the two claimed are running');

-- fail and dead are unchanged
INSERT INTO solana.queues (name, keep_succeeded, backoff_base) VALUES ('qdf', 0, '0');
SELECT solana.enqueue('qdf', 'k', max_attempts => 2) AS jf \gset
SELECT solana.fail((SELECT id FROM solana.claim('qdf')), 'boom 1');
SELECT results_eq(format('SELECT state, attempts, last_error FROM solana.jobs WHERE id = %s', :jf),
                  $$VALUES ('queued', 1, 'boom 1')$$, 'keep_succeeded 0: a failed attempt is retried as before');
SELECT solana.fail((SELECT id FROM solana.claim('qdf')), 'boom 2');
SELECT results_eq(format('SELECT state, attempts, last_error FROM solana.jobs WHERE id = %s', :jf),
                  $$VALUES ('dead', 2, 'boom 2')$$, 'a job out of attempts is dead, and kept');
SELECT solana.enqueue('qdf', 'k') AS jf2 \gset
SELECT is(solana.fail((SELECT id FROM solana.claim('qdf')), 'no', retry => false), 'failed',
          'fail without retry: failed');
SELECT is((SELECT state FROM solana.jobs WHERE id = :jf2), 'failed', 'and kept');

-- job webhooks: the same deliveries for a deleted job as for an updated one
CREATE TEMP TABLE hook AS
SELECT (solana.add_webhook('qdjobs', 'https://example.com/jobs', event_types => '{job}')).id;
SELECT solana.enqueue('qd0', 'k') AS jw0 \gset
SELECT solana.enqueue('qdn', 'k') AS jwn \gset
SELECT solana.complete((SELECT id FROM solana.claim('qd0')), '{"r": 7}');
SELECT solana.complete((SELECT id FROM solana.claim('qdn')), '{"r": 7}');
SELECT is((SELECT d.payload - 'id' - 'queue' FROM solana.webhook_deliveries d, hook h
            WHERE d.webhook_id = h.id AND d.message_id = format('job_%s_succeeded', :jw0)),
          (SELECT d.payload - 'id' - 'queue' FROM solana.webhook_deliveries d, hook h
            WHERE d.webhook_id = h.id AND d.message_id = format('job_%s_succeeded', :jwn)),
          'a deleted job''s delivery has the payload of a kept one (state, result, attempts, finished_at)');
SELECT is((SELECT d.payload->>'queue' FROM solana.webhook_deliveries d, hook h
            WHERE d.webhook_id = h.id AND d.message_id = format('job_%s_succeeded', :jw0)), 'qd0',
          'and names its queue');
SELECT solana.enqueue_batch('qd0', 'k', array_fill('{}'::jsonb, ARRAY[3]));
SELECT solana.complete_batch(array_agg(id), array_agg(jsonb_build_object('r', id)))
  FROM solana.claim('qd0', n => 10);
SELECT is((SELECT count(*)::int FROM solana.webhook_deliveries d, hook h
            WHERE d.webhook_id = h.id AND d.payload->>'queue' = 'qd0'
              AND d.payload->'result' = jsonb_build_object('r', d.payload->'id')), 3,
          'complete_batch: one delivery per deleted job, each with its own result');

-- complete_and_claim without results writes the delete and the update
-- out itself: a done list across a keep_succeeded = 0 queue and a kept
-- one, a job of another worker, and the webhook deliveries
SELECT solana.enqueue_batch('qd0', 'k', array_fill('{}'::jsonb, ARRAY[2]));
SELECT solana.enqueue_batch('qdn', 'k', array_fill('{}'::jsonb, ARRAY[2]));
CREATE TEMP TABLE b3 AS
    SELECT id FROM solana.claim('qd0', n => 2, worker => 'w6')
    UNION ALL SELECT id FROM solana.claim('qdn', n => 1, worker => 'w6')
    UNION ALL SELECT id FROM solana.claim('qdn', n => 1, worker => 'w7');
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim('qd0', (SELECT array_agg(id) FROM b3),
                                                              worker => 'w6')), 0,
          'complete_and_claim over two queues: nothing left to claim');
SELECT results_eq($$SELECT j.queue, j.state, j.lease_owner FROM solana.jobs j JOIN b3 USING (id) ORDER BY j.queue, j.lease_owner$$,
                  $$VALUES ('qdn', 'succeeded', 'w6'), ('qdn', 'running', 'w7')$$,
                  'the keep_succeeded = 0 jobs are deleted, the kept one succeeded, the other worker''s left running');
SELECT is((SELECT count(*)::int FROM solana.webhook_deliveries d, hook h, b3
            WHERE d.webhook_id = h.id AND d.message_id = format('job_%s_succeeded', b3.id)), 3,
          'one delivery per completed job, deleted or kept');

SELECT * FROM finish();
ROLLBACK;
