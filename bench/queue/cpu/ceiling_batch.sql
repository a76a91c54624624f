WITH c AS (SELECT id FROM bench_hw WHERE state = 'queued' AND run_at <= now()
           ORDER BY priority DESC, run_at, id LIMIT 10 FOR UPDATE SKIP LOCKED),
u AS (UPDATE bench_hw h SET state = 'running', attempts = h.attempts + 1,
       lease_expires_at = now() + interval '30 s'
  FROM c WHERE h.id = c.id RETURNING h.id)
SELECT array_agg(id) AS ids FROM u \gset
UPDATE bench_hw SET state = 'done' WHERE id = ANY (:ids::bigint[]);
