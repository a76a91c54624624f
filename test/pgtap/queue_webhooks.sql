-- pgTAP: job webhooks and the queue's hot path (sql/install/95_webhook_sources.sql).
-- The row trigger webhooks_job on solana.jobs is enabled only while an
-- enabled webhook with event type job exists (solana._sync_job_webhooks,
-- a statement trigger on solana.webhooks); finished jobs are announced
-- to job webhooks exactly as before, and cost nothing without one.
BEGIN;
SELECT plan(15);

CREATE TEMP VIEW job_trigger AS
SELECT t.tgenabled <> 'D' AS enabled FROM pg_trigger t
 WHERE t.tgrelid = 'solana.jobs'::regclass AND t.tgname = 'webhooks_job';

DELETE FROM solana.webhooks;
SELECT is((SELECT enabled FROM job_trigger), false, 'no job webhook: the trigger is disabled');
SELECT solana.enqueue('qwh', 'k', '{"n": 1}');
SELECT ok(solana.complete((SELECT id FROM solana.claim('qwh'))), 'a job completes');
SELECT is((SELECT count(*)::int FROM solana.webhook_deliveries), 0, 'and nobody is told');

SELECT (solana.add_webhook('events', 'https://example.com/events')).id IS NOT NULL AS added;
SELECT is((SELECT enabled FROM job_trigger), false, 'a webhook of other event types leaves it disabled');

CREATE TEMP TABLE hook AS
SELECT (solana.add_webhook('jobs', 'https://example.com/jobs', event_types => '{job}')).id;
SELECT is((SELECT enabled FROM job_trigger), true, 'the first job webhook enables it');
SELECT solana.enqueue_batch('qwh', 'k', array_fill('{}'::jsonb, ARRAY[3]));
SELECT is(solana.complete_batch(array_agg(id)), 3, 'complete_batch completes three jobs')
  FROM solana.claim('qwh', n => 3);
SELECT is((SELECT count(*)::int FROM solana.webhook_deliveries d, hook h
            WHERE d.webhook_id = h.id AND d.payload->>'state' = 'succeeded'), 3,
          'one delivery per finished job');
SELECT solana.enqueue('qwh', 'k', '{"n": 2}');
SELECT ok(solana.cancel((SELECT id FROM solana.jobs WHERE queue = 'qwh' AND state = 'queued')), 'a job is cancelled');
SELECT is((SELECT count(*)::int FROM solana.webhook_deliveries d, hook h
            WHERE d.webhook_id = h.id AND d.payload->>'state' = 'cancelled'), 1,
          'cancellations are announced too');

UPDATE solana.webhooks SET enabled = false WHERE name = 'jobs';
SELECT is((SELECT enabled FROM job_trigger), false, 'disabling the only job webhook disables the trigger');
UPDATE solana.webhooks SET enabled = true WHERE name = 'jobs';
SELECT is((SELECT enabled FROM job_trigger), true, 'enabling it again enables the trigger');
UPDATE solana.webhooks SET event_types = '{event}' WHERE name = 'jobs';
SELECT is((SELECT enabled FROM job_trigger), false, 'dropping job from its event types disables it');
UPDATE solana.webhooks SET event_types = '{event,job}' WHERE name = 'jobs';
DELETE FROM solana.webhooks WHERE name = 'jobs';
SELECT is((SELECT enabled FROM job_trigger), false, 'deleting the last job webhook disables it');
SELECT solana.add_webhook('jobs2', 'https://example.com/jobs2', event_types => '{job}') IS NOT NULL AS added;
SET LOCAL client_min_messages = warning;
TRUNCATE solana.webhooks CASCADE;
SELECT is((SELECT enabled FROM job_trigger), false, 'TRUNCATE disables it');
SELECT is((SELECT count(*)::int FROM pg_trigger t
            WHERE t.tgrelid = 'solana.webhooks'::regclass AND t.tgname = 'webhooks_sync_job'), 1,
          'the sync trigger is installed on solana.webhooks');

SELECT * FROM finish();
ROLLBACK;
