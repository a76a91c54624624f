-- bench/queue/ceiling_table.sql: the hand-written ceiling's table, the
-- least a SKIP LOCKED queue needs (bench.js through lib.js, and the
-- server-CPU scripts under cpu/).  Idempotent.
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS bench_hw (
    id bigserial PRIMARY KEY, payload jsonb NOT NULL, priority int NOT NULL DEFAULT 0,
    run_at timestamptz NOT NULL DEFAULT now(), state text NOT NULL DEFAULT 'queued',
    attempts int NOT NULL DEFAULT 0, lease_expires_at timestamptz);
CREATE INDEX IF NOT EXISTS bench_hw_ready ON bench_hw (priority DESC, run_at, id) WHERE state = 'queued';
