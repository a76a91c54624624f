WITH c AS (SELECT id FROM bench_hw WHERE state = 'queued' AND run_at <= now()
           ORDER BY priority DESC, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE bench_hw h SET state = 'running', attempts = h.attempts + 1,
       lease_expires_at = now() + interval '30 s'
  FROM c WHERE h.id = c.id RETURNING h.id AS jid \gset
UPDATE bench_hw SET state = 'done' WHERE id = :jid;
