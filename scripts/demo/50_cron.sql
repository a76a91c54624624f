-- schedule the periodic work with pg_cron (refresh_oracles, refresh_commitment, purge_jobs)
\pset footer off
CREATE EXTENSION IF NOT EXISTS pg_cron;
SELECT cron.schedule('solana-refresh-oracles', '* * * * *', 'SELECT solana.refresh_oracles()') AS job
UNION ALL
SELECT cron.schedule('solana-refresh-commitment', '* * * * *', 'SELECT solana.refresh_commitment()')
UNION ALL
SELECT cron.schedule('solana-purge-jobs', '* * * * *', 'SELECT solana.purge_jobs()');
SELECT jobid, jobname, schedule, command FROM cron.job WHERE jobname LIKE 'solana-%' ORDER BY jobid;
