-- Ingest (issue 5): the SQL surface of the ingest worker.  The worker
-- itself runs in solana.database (not this database); here we check
-- the tables, the subscribe/unsubscribe API and its errors, partition
-- management, redecode and the views.
CREATE EXTENSION pg_solana;
SET search_path = solana, public;

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- subscribe: defaults, idempotence, the three kinds
SELECT subscribe('logs', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE') AS logs_id \gset
SELECT subscribe('logs', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE') = :logs_id AS same_id;
SELECT subscribe('program', 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'finalized',
                 '[{"dataSize": 165}, {"memcmp": {"offset": 32, "bytes": "3Mc6vR"}}]') > 0 AS program_ok;
SELECT subscribe('account', 'So11111111111111111111111111111111111111112', keep_history => true) > 0 AS account_ok;
SELECT subscribe('logs', 'CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', from_slot => 1000) > 0 AS backfill_ok;
SELECT kind, target, commitment, filters, enabled, from_slot, keep_history
  FROM subscriptions ORDER BY id;

-- bad arguments
SELECT pg_temp.err($$SELECT solana.subscribe('votes', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE')$$);
SELECT pg_temp.err($$SELECT solana.subscribe('logs', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', 'soon')$$);
SELECT pg_temp.err($$SELECT solana.subscribe('logs', NULL)$$);
SELECT pg_temp.err($$SELECT solana.subscribe('logs', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', filters => '[{"dataSize": 1}]')$$);
SELECT pg_temp.err($$SELECT solana.subscribe('program', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', filters => '{"dataSize": 1}')$$);
SELECT pg_temp.err($$SELECT solana.subscribe('program', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', filters => '[{"size": 1}]')$$);
SELECT pg_temp.err($$SELECT solana.subscribe('program', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', filters => '[{"memcmp": {"offset": 0, "bytes": "0OIl"}}]')$$);
SELECT pg_temp.err($$SELECT solana.subscribe('account', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', from_slot => 5)$$);
SELECT pg_temp.err($$SELECT solana.subscribe('logs', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', from_slot => -5)$$);
SELECT pg_temp.err($$SELECT solana.subscribe('logs', 'not-a-key')$$);

-- partitions: one epoch (432000 slots) each, created ahead, dropped for retention
SELECT create_event_partitions(0, 900000);
SELECT create_event_partitions(10, 20);
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'solana.events'::regclass ORDER BY 1;
-- new partitions get the unique key as replica identity (logical replication)
SELECT c.relname, c.relreplident, ri.relname AS identity_index
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  LEFT JOIN pg_index x ON x.indrelid = c.oid AND x.indisreplident
  LEFT JOIN pg_class ri ON ri.oid = x.indexrelid
 WHERE i.inhparent = 'solana.events'::regclass ORDER BY 1;
SELECT solana.set_replica_identity();
SELECT pg_temp.err($$SELECT solana.create_event_partitions(5, 1)$$);
SELECT pg_temp.err($$SELECT solana.create_event_partitions(0, 432000 * 2000)$$);

-- events are idempotent on (signature, log_index, slot)
INSERT INTO events (signature, slot, log_index, program_id, depth, raw, commitment)
VALUES ('5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW', 500, 3,
        'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', 1, '\x0102', 'confirmed');
INSERT INTO events (signature, slot, log_index, program_id, depth, raw, commitment)
VALUES ('5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW', 500, 3,
        'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', 1, '\x0102', 'confirmed')
ON CONFLICT DO NOTHING;
SELECT count(*), min(tableoid::regclass::text) FROM events;
SELECT drop_event_partitions(432000);
SELECT count(*) FROM events;

-- redecode needs a registered IDL
SELECT pg_temp.err($$SELECT solana.redecode('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE')$$);

-- progress view and cursor cascade
INSERT INTO ingest_cursor (subscription_id, backfill_from_slot, backfill_to_slot, backfill_total,
                           backfill_done, backfill_started_at, backfill_finished_at)
VALUES (:logs_id, 10, 20, 100, 100, now() - interval '10 s', now());
SELECT subscription_id = :logs_id, from_slot, to_slot, total, done, finished, rate > 0, eta
  FROM backfill_progress;

-- unsubscribe
SELECT unsubscribe(:logs_id), unsubscribe(:logs_id);
SELECT unsubscribe('account', 'So11111111111111111111111111111111111111112');
SELECT count(*) FROM ingest_cursor;
SELECT kind, count(*) FROM subscriptions GROUP BY 1 ORDER BY 1;

-- every public object of the area is documented
SELECT p.proname FROM pg_proc p
 WHERE p.pronamespace = 'solana'::regnamespace
   AND p.proname IN ('subscribe', 'unsubscribe', 'redecode', 'refresh_commitment',
                     'create_event_partitions', 'drop_event_partitions')
   AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = 'solana'::regnamespace
   AND c.relname IN ('subscriptions', 'events', 'transactions_seen', 'accounts', 'account_history',
                     'ingest_cursor', 'ingest_errors', 'backfill_progress')
   AND obj_description(c.oid, 'pg_class') IS NULL;

DROP EXTENSION pg_solana CASCADE;
