-- summary: queues, webhooks, backfill, commitment, cron runs
\pset footer off
-- an off-chain worker's queue: three jobs, a worker claims two (SKIP LOCKED) and completes them
SELECT count(solana.enqueue('demo-reports', 'report', jsonb_build_object('n', g))) AS enqueued
  FROM generate_series(1, 3) AS g;
SELECT count(solana.complete(j.id, '{"ok": true}')) AS completed
  FROM solana.claim('demo-reports', n => 2, worker => 'demo-worker') AS j;
SELECT * FROM solana.queue_stats ORDER BY 1;
SELECT * FROM solana.webhook_stats;
SELECT subscription_id, kind, target, total, done, finished FROM solana.backfill_progress ORDER BY 1;
SELECT commitment, count(*) AS events FROM solana.events GROUP BY 1 ORDER BY 1;
SELECT j.jobname, d.status, d.return_message, d.start_time
  FROM cron.job_run_details AS d JOIN cron.job AS j USING (jobid)
 ORDER BY d.start_time DESC LIMIT 6;
