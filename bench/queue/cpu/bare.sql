WITH c AS (SELECT id FROM solana.jobs WHERE queue = 'bench' AND state = 'queued' AND run_at <= now()
           ORDER BY priority DESC, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE solana.jobs j SET state = 'running', attempts = j.attempts + 1, lease_owner = NULL,
       lease_expires_at = now() + interval '30 s', started_at = now()
  FROM c WHERE j.id = c.id RETURNING j.id AS jid \gset
UPDATE solana.jobs SET state = 'succeeded', result = NULL, finished_at = now(), lease_expires_at = NULL
 WHERE id = :jid AND state = 'running';
