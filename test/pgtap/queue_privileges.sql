-- pgTAP: a worker role with exactly the grants of docs/queue.md,
-- "Privileges", and no other privilege runs the queue's API: enqueue,
-- enqueue_batch, claim (plain, after an expired lease, on a rate-limited
-- queue), complete_batch with and without results, complete_and_claim,
-- completion by delete (keep_succeeded = 0), fail.  Keep the grants in
-- step with the documentation.
BEGIN;
SELECT plan(12);

CREATE ROLE pgtap_app_worker;
GRANT USAGE ON SCHEMA solana TO pgtap_app_worker;
GRANT SELECT, INSERT, UPDATE ON solana.jobs, solana.queues TO pgtap_app_worker;
GRANT USAGE ON SEQUENCE solana.jobs_id_seq TO pgtap_app_worker;
GRANT EXECUTE ON FUNCTION solana._queue(text), solana._check_job_args(text, integer),
      solana._valid_concurrency(jsonb),
      solana._start_time(timestamptz, interval), solana._announce(bigint, text, text, text),
      solana._require_job(bigint), solana._wake_dispatcher(text[]),
      solana._reap(text),
      solana._claim_limited(text, text[], integer, interval, text),
      solana._complete_results(bigint[], jsonb[], text) TO pgtap_app_worker;
GRANT DELETE ON solana.jobs TO pgtap_app_worker;
GRANT EXECUTE ON FUNCTION solana._webhook_jobs_deleted(solana.jobs[], jsonb[]) TO pgtap_app_worker;

INSERT INTO solana.queues (name, rate_limit) VALUES ('qpl', 100);
INSERT INTO solana.queues (name, keep_succeeded) VALUES ('qp0', 0);
SET LOCAL ROLE pgtap_app_worker;

SELECT is((SELECT count(*)::int FROM solana.enqueue_batch('qpa', 'k', ARRAY['{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[])),
          3, 'enqueue_batch creates the queue and its jobs');
SELECT ok(solana.enqueue('qpa', 'k', '{"n": 4}', priority => -1) > 0, 'enqueue');
SELECT is((SELECT count(*)::int FROM solana.claim('qpa', n => 2, worker => 'w1')),
          2, 'claim two jobs');
-- now() stands still in this transaction: the leases expire by hand
UPDATE solana.jobs SET lease_expires_at = now() - interval '1 second'
 WHERE queue = 'qpa' AND state = 'running';
SELECT is((SELECT array_agg((payload->>'n')::int ORDER BY payload->>'n')
             FROM solana.claim('qpa', n => 4, worker => 'w2')),
          ARRAY[1, 2, 3, 4], 'the expired leases come back in the next claim (the reap runs as the worker)');
SELECT is(solana.complete_batch((SELECT array_agg(id) FROM solana.jobs WHERE queue = 'qpa' AND payload->>'n' IN ('1', '2')),
                                NULL, 'w2'),
          2, 'complete_batch without results');
SELECT is(solana.complete_batch((SELECT array_agg(id) FROM solana.jobs WHERE queue = 'qpa' AND payload->>'n' = '3'),
                                ARRAY['{"r": 3}']::jsonb[], 'w2'),
          1, 'complete_batch with results');
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim(
              'qpa', (SELECT array_agg(id) FROM solana.jobs WHERE queue = 'qpa' AND payload->>'n' = '4'),
              ARRAY['{"r": 4}']::jsonb[], worker => 'w2')),
          0, 'complete_and_claim with results (nothing left to claim)');
SELECT results_eq($$SELECT payload->>'n', state, result FROM solana.jobs WHERE queue = 'qpa' ORDER BY 1$$,
                  $$VALUES ('1', 'succeeded', NULL::jsonb), ('2', 'succeeded', NULL),
                           ('3', 'succeeded', '{"r": 3}'), ('4', 'succeeded', '{"r": 4}')$$,
                  'every job of the queue succeeded, with its result');

SELECT solana.enqueue('qpl', 'k') AS jl \gset
SELECT is((SELECT array_agg(id) FROM solana.claim('qpl', n => 5)), ARRAY[:jl::bigint],
          'claim on a rate-limited queue (solana._claim_limited)');
SELECT is(solana.fail(:jl, 'boom'), 'queued', 'fail: back to the queue for a retry');

SELECT solana.enqueue('qp0', 'k') AS j0 \gset
SELECT is((SELECT count(*)::int FROM solana.complete_and_claim(
              'qp0', (SELECT array_agg(id) FROM solana.claim('qp0')))),
          0, 'complete_and_claim on a keep_succeeded = 0 queue');
SELECT is((SELECT count(*)::int FROM solana.jobs WHERE id = :j0), 0, 'and the job was deleted');

SELECT * FROM finish();
ROLLBACK;
