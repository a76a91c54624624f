-- pg_solana 0.1.0 -> 0.2.0 upgrade script.
--
-- Every change made to sql/install/ since 0.1.0 was frozen must also be
-- written here, so that ALTER EXTENSION pg_solana UPDATE gives the same
-- catalog as a fresh CREATE EXTENSION.  test: sql/upgrade.sql (pg_regress)
-- installs 0.1.0, stores data, updates, and compares both catalogs.

\echo Use "ALTER EXTENSION pg_solana UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------
-- ingest (issue 5): new event partitions get their replica identity
-- ---------------------------------------------------------------------
CREATE OR REPLACE FUNCTION solana.create_event_partitions(from_slot bigint, to_slot bigint)
    RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    w constant bigint := solana._events_partition_width();
    s bigint;
    made int := 0;
BEGIN
    IF from_slot IS NULL OR to_slot IS NULL OR from_slot < 0 OR to_slot < from_slot THEN
        RAISE EXCEPTION 'invalid slot range for solana.events partitions: % .. %', from_slot, to_slot
            USING ERRCODE = '22023';
    END IF;
    IF to_slot - from_slot > 1000 * w THEN
        RAISE EXCEPTION 'slot range % .. % needs more than 1000 partitions', from_slot, to_slot
            USING ERRCODE = '54000';
    END IF;
    s := from_slot / w * w;
    WHILE s <= to_slot LOOP
        IF to_regclass(format('solana.events_p%s', s)) IS NULL THEN
            EXECUTE format('CREATE TABLE solana.%I PARTITION OF solana.events FOR VALUES FROM (%s) TO (%s)',
                           'events_p' || s, s, s + w);
            made := made + 1;
        END IF;
        s := s + w;
    END LOOP;
    -- new partitions start without a replica identity: give them the
    -- unique key, so logical replication carries their UPDATEs/DELETEs
    IF made > 0 THEN
        PERFORM solana.set_replica_identity();
    END IF;
    RETURN made;
END
$$;
COMMENT ON FUNCTION solana.create_event_partitions(bigint, bigint) IS
    'create the solana.events partitions (one epoch, 432000 slots, each) covering from_slot..to_slot, with their replica identity (solana.set_replica_identity); returns how many were created';


-- ---------------------------------------------------------------------
-- Job queue (issue 6): lease checks, solana.release, job webhooks
-- ---------------------------------------------------------------------

-- complete, complete_batch, fail and heartbeat take an optional worker
-- (the lease holder); the old calls keep working through the default
DROP FUNCTION IF EXISTS solana.complete(bigint, jsonb);
DROP FUNCTION IF EXISTS solana.complete_batch(bigint[], jsonb[]);
DROP FUNCTION IF EXISTS solana.fail(bigint, text, interval, boolean);
DROP FUNCTION IF EXISTS solana.heartbeat(bigint, interval);
-- complete and complete_batch are created once, with their final bodies,
-- in "completion by delete" below

CREATE OR REPLACE FUNCTION solana._lease_lost(job_id bigint, worker text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    j solana.jobs;
BEGIN
    SELECT * INTO j FROM solana.jobs jj WHERE jj.id = job_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job % does not exist', coalesce(job_id::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    -- still this worker's (its lease expired and was reaped, or it
    -- finished or requeued the job itself): the plain false / NULL
    IF worker IS NULL OR j.state = 'cancelled'
       OR j.lease_owner IS NOT DISTINCT FROM worker THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'job % is not held by worker "%"', job_id, worker
        USING ERRCODE = '55000',
              DETAIL = CASE WHEN j.state = 'running'
                            THEN pg_catalog.format('The job is running under worker %s (attempt %s); the lease of "%s" expired and the job was claimed again.',
                                                   coalesce('"' || j.lease_owner || '"', 'unnamed'), j.attempts, worker)
                            ELSE pg_catalog.format('The job is %s; its last attempt (%s) was run by worker %s.',
                                                   j.state, j.attempts, coalesce('"' || j.lease_owner || '"', 'unnamed'))
                       END,
              HINT = 'A worker whose lease expired must drop the job: another attempt owns it.';
END
$$;
REVOKE ALL ON FUNCTION solana._lease_lost(bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION solana._lease_lost(bigint, text) IS
    'helper: raises 55000 naming the job''s state and current holder when a complete, fail or heartbeat comes from a worker that lost the lease';

CREATE FUNCTION solana.fail(id bigint, error text, retry_in interval DEFAULT NULL,
                            retry boolean DEFAULT true, worker text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    v_queue text;
    v_kind text;
    v_state text;
BEGIN
    IF retry_in < interval '0' THEN
        RAISE EXCEPTION 'invalid retry_in: "%"', retry_in
            USING ERRCODE = '22023', DETAIL = 'A retry delay must not be negative.';
    END IF;
    UPDATE solana.jobs j
       SET state = CASE WHEN NOT retry THEN 'failed'
                        WHEN j.attempts >= j.max_attempts THEN 'dead'
                        ELSE 'queued' END,
           run_at = CASE WHEN retry AND j.attempts < j.max_attempts
                         THEN pg_catalog.now()
                              + coalesce(retry_in,
                                         solana.backoff(j.attempts, j.backoff_base,
                                                        j.backoff_cap, j.backoff_jitter))
                         ELSE j.run_at END,
           finished_at = CASE WHEN NOT retry OR j.attempts >= j.max_attempts
                              THEN pg_catalog.now() END,
           last_error = coalesce(error, 'unknown error'),
           lease_expires_at = NULL
     WHERE j.id = id AND j.state = 'running'
       AND (worker IS NULL OR j.lease_owner = worker)
    RETURNING j.queue, j.kind, j.state INTO v_queue, v_kind, v_state;
    IF NOT FOUND THEN
        PERFORM solana._lease_lost(id, worker);
        RETURN NULL;
    END IF;
    IF v_state <> 'queued' THEN
        PERFORM solana._announce(id, v_queue, v_kind, v_state);
    END IF;
    RETURN v_state;
END
$$;
COMMENT ON FUNCTION solana.fail(bigint, text, interval, boolean, text) IS
    'record a failed attempt: back to queued after a backoff (or retry_in), dead when out of attempts, failed when retry is false; returns the new state, NULL when the job was not running; with worker, 55000 when another worker has claimed the job since';

CREATE FUNCTION solana.heartbeat(id bigint, lease interval DEFAULT '30 seconds',
                                 worker text DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
BEGIN
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'invalid lease: "%"', coalesce(lease::text, 'NULL')
            USING ERRCODE = '22023', DETAIL = 'A lease is a positive interval.';
    END IF;
    UPDATE solana.jobs j SET lease_expires_at = pg_catalog.now() + lease
     WHERE j.id = id AND j.state = 'running'
       AND (worker IS NULL OR j.lease_owner = worker);
    IF NOT FOUND THEN
        PERFORM solana._lease_lost(id, worker);
        RETURN false;
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana.heartbeat(bigint, interval, text) IS
    'extend the lease of a running job to now() + lease; false when it is no longer running; with worker, 55000 when another worker has claimed the job since';

CREATE OR REPLACE FUNCTION solana.release(ids bigint[], worker text DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    qs text[];
    cnt integer;
BEGIN
    WITH back AS (
        UPDATE solana.jobs j
           SET state = 'queued', attempts = greatest(j.attempts - 1, 0),
               lease_owner = NULL, lease_expires_at = NULL, started_at = NULL
         WHERE j.id = ANY (ids) AND j.state = 'running'
           AND (worker IS NULL OR j.lease_owner = worker)
        RETURNING j.queue)
    SELECT array_agg(DISTINCT b.queue), count(*) INTO qs, cnt FROM back b;
    IF cnt = 0 THEN
        RETURN 0;
    END IF;
    PERFORM pg_catalog.pg_notify('solana_jobs',
        pg_catalog.json_build_object('op', 'enqueued', 'queue', q)::text)
       FROM unnest(qs) AS q;
    PERFORM solana._wake_dispatcher(qs);
    RETURN cnt;
END
$$;
COMMENT ON FUNCTION solana.release(bigint[], text) IS
    'give running jobs (held by worker, when given) back to their queue without counting the attempt; returns how many went back';

-- job webhooks: a row trigger that fires only for jobs that just
-- finished, instead of a statement trigger with transition tables
DROP TRIGGER IF EXISTS webhooks_job ON solana.jobs;

CREATE OR REPLACE FUNCTION solana._webhook_job_fanout(j solana.jobs) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, solana
AS $$
    SELECT solana._webhook_fanout('job', jsonb_build_array(jsonb_build_object(
        'id', 'job_' || j.id || '_' || j.state,
        'name', j.kind,
        'payload', jsonb_build_object(
            'type', 'job', 'id', j.id, 'queue', j.queue, 'kind', j.kind,
            'state', j.state, 'attempts', j.attempts, 'result', j.result,
            'error', j.last_error, 'finished_at', j.finished_at))))
$$;
COMMENT ON FUNCTION solana._webhook_job_fanout(solana.jobs) IS
    'insert the deliveries of one finished job for every matching enabled job webhook';
REVOKE ALL ON FUNCTION solana._webhook_job_fanout(solana.jobs) FROM PUBLIC;

CREATE OR REPLACE FUNCTION solana._webhook_from_jobs() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM solana.webhooks w
                WHERE w.enabled AND 'job' = ANY (w.event_types)) THEN
        PERFORM solana._webhook_job_fanout(NEW);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_jobs() IS
    'trigger: webhook deliveries for a job that just finished';
REVOKE ALL ON FUNCTION solana._webhook_from_jobs() FROM PUBLIC;

CREATE TRIGGER webhooks_job AFTER UPDATE OF state ON solana.jobs
    FOR EACH ROW
    WHEN (NEW.state IN ('succeeded', 'dead', 'cancelled')
          AND OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION solana._webhook_from_jobs();

-- The payload of a solana_jobs notification about one job: the text
-- json_build_object('op', op, 'queue', queue, 'id', id, 'kind', kind)
-- gives, built by concatenation.  A one-expression SQL function, so
-- the planner inlines it into the statements that call it per row
-- (inlining needs EXECUTE: granted to PUBLIC, it only formats text).
CREATE FUNCTION solana._job_event(op text, queue text, id bigint, kind text)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '{"op" : ' || pg_catalog.to_json(op)::text
        || ', "queue" : ' || pg_catalog.to_json(queue)::text
        || ', "id" : ' || id
        || ', "kind" : ' || pg_catalog.to_json(kind)::text || '}'
$$;
COMMENT ON FUNCTION solana._job_event(text, text, bigint, text) IS
    'the JSON text of a solana_jobs notification about one job: {"op", "queue", "id", "kind"}';
REVOKE ALL ON FUNCTION solana._job_event(text, text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION solana._job_event(text, text, bigint, text) TO PUBLIC;

-- NOTIFY solana_jobs of one job unless its queue is one of quiet (the
-- queues with notify off, read once per call by the caller).  Inlined
-- into the RETURNING list of the completions' statements, so the call
-- costs nothing; EXECUTE is PUBLIC for the same reason (and anyone may
-- NOTIFY a channel anyway).
CREATE FUNCTION solana._job_notify(op text, queue text, id bigint, kind text, quiet text[])
RETURNS void LANGUAGE sql VOLATILE AS $$
    SELECT CASE WHEN queue <> ALL (quiet) THEN
        pg_catalog.pg_notify('solana_jobs', solana._job_event(op, queue, id, kind)) END
$$;
COMMENT ON FUNCTION solana._job_notify(text, text, bigint, text, text[]) IS
    'NOTIFY solana_jobs of one job (solana._job_event) unless its queue is in quiet';
REVOKE ALL ON FUNCTION solana._job_notify(text, text, bigint, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION solana._job_notify(text, text, bigint, text, text[]) TO PUBLIC;

CREATE OR REPLACE FUNCTION solana._announce(j_id bigint, j_queue text, j_kind text, op text)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF (SELECT q.notify FROM solana.queues q WHERE q.name = j_queue) IS FALSE THEN
        RETURN false;
    END IF;
    PERFORM pg_catalog.pg_notify('solana_jobs', solana._job_event(op, j_queue, j_id, j_kind));
    RETURN true;
END
$$;

-- one round trip per worker turn, in C (src/pg/queue.c)
CREATE OR REPLACE FUNCTION solana.complete_and_claim(queue text, done bigint[],
                                          results jsonb[] DEFAULT NULL,
                                          kinds text[] DEFAULT NULL,
                                          n integer DEFAULT 1,
                                          lease interval DEFAULT '30 seconds',
                                          worker text DEFAULT NULL)
RETURNS SETOF solana.jobs
    AS 'MODULE_PATHNAME', 'solana_complete_and_claim'
    LANGUAGE C VOLATILE ROWS 10;
COMMENT ON FUNCTION solana.complete_and_claim(text, bigint[], jsonb[], text[], integer, interval, text) IS
    'complete the given running jobs (as solana.complete_batch) and claim up to n more (as solana.claim) in one call: a worker loop''s single round trip';

-- ---------------------------------------------------------------------
-- reference (issue 10): comments on the columns, sequences and helper
-- functions that had none (sql/install/98_comments.sql, the same block)
-- ---------------------------------------------------------------------
DO $comments$
DECLARE
    c record;
BEGIN
    -- columns: relation, column, comment
    FOR c IN SELECT * FROM (VALUES
        ('account_history', 'pubkey', 'the account address'),
        ('account_history', 'slot', 'slot of this state'),
        ('account_history', 'owner', 'the program owning the account at that slot'),
        ('account_history', 'lamports', 'balance in lamports'),
        ('account_history', 'data', 'the account data bytes'),
        ('account_history', 'account_type', 'the Anchor account type, when the owner''s IDL is registered'),
        ('account_history', 'decoded', 'data decoded with the owner''s IDL (NULL when not registered or not decodable)'),
        ('account_history', 'subscription_id', 'the subscription that delivered this state (NULL once it is deleted)'),
        ('account_history', 'recorded_at', 'when the row was written'),
        ('accounts', 'pubkey', 'the account address'),
        ('accounts', 'owner', 'the program owning the account'),
        ('accounts', 'lamports', 'balance in lamports'),
        ('accounts', 'executable', 'whether the account holds a program'),
        ('accounts', 'rent_epoch', 'the rent epoch as the RPC reports it (u64)'),
        ('accounts', 'data', 'the account data bytes'),
        ('accounts', 'account_type', 'the Anchor account type, when the owner''s IDL is registered'),
        ('accounts', 'decoded', 'data decoded with the owner''s IDL (NULL when not registered or not decodable)'),
        ('accounts', 'slot', 'slot of the state stored; an older state never replaces a newer one'),
        ('accounts', 'updated_at', 'when the row was last written'),
        ('backfill_progress', 'subscription_id', 'the subscription (solana.subscriptions.id)'),
        ('backfill_progress', 'kind', 'the subscription kind'),
        ('backfill_progress', 'target', 'the program or account followed'),
        ('backfill_progress', 'from_slot', 'lowest slot the backfill covers'),
        ('backfill_progress', 'to_slot', 'highest slot the backfill covers'),
        ('backfill_progress', 'total', 'transactions to fetch, when known'),
        ('backfill_progress', 'done', 'transactions fetched so far'),
        ('backfill_progress', 'finished', 'whether the backfill has caught up'),
        ('backfill_progress', 'rate', 'transactions fetched per second'),
        ('backfill_progress', 'eta', 'estimated time left (0 when finished)'),
        ('dead_jobs', 'id', 'the job id (solana.jobs.id)'),
        ('dead_jobs', 'queue', 'the job''s queue'),
        ('dead_jobs', 'kind', 'the job''s kind'),
        ('dead_jobs', 'payload', 'the job''s payload'),
        ('dead_jobs', 'attempts', 'attempts made'),
        ('dead_jobs', 'last_error', 'the error of the last attempt'),
        ('dead_jobs', 'created_at', 'when the job was enqueued'),
        ('dead_jobs', 'finished_at', 'when the job died'),
        ('events', 'id', 'row id, increasing in insertion order'),
        ('events', 'signature', 'the transaction''s first signature'),
        ('events', 'slot', 'slot of the transaction (the partition key)'),
        ('events', 'block_time', 'block time of the transaction, when the RPC reports it'),
        ('events', 'event_name', 'the IDL event name (NULL while undecoded)'),
        ('events', 'data', 'the event decoded to jsonb with the registered IDL (NULL while undecoded)'),
        ('events', 'tx_failed', 'the transaction failed (its logs are still indexed)'),
        ('events', 'ingested_at', 'when the row was written'),
        ('ingest_cursor', 'subscription_id', 'the subscription (solana.subscriptions.id)'),
        ('ingest_cursor', 'last_slot', 'slot of the newest transaction fully written'),
        ('ingest_cursor', 'last_signature', 'signature of the newest transaction fully written; backfill resumes after it'),
        ('ingest_cursor', 'updated_at', 'when the cursor last moved'),
        ('ingest_cursor', 'backfill_from_slot', 'lowest slot of the current or last backfill'),
        ('ingest_cursor', 'backfill_to_slot', 'highest slot of the current or last backfill'),
        ('ingest_cursor', 'backfill_total', 'transactions the backfill has to fetch, when known'),
        ('ingest_cursor', 'backfill_done', 'transactions the backfill has fetched'),
        ('ingest_cursor', 'backfill_started_at', 'when the backfill started'),
        ('ingest_cursor', 'backfill_finished_at', 'when the backfill caught up (NULL while running)'),
        ('ingest_errors', 'id', 'row id'),
        ('ingest_errors', 'at', 'when the error was met'),
        ('ingest_errors', 'subscription_id', 'the subscription concerned, if any'),
        ('ingest_errors', 'sqlstate', 'SQLSTATE of the error (docs/errors.md)'),
        ('ingest_errors', 'message', 'the error message'),
        ('ingest_errors', 'signature', 'the transaction concerned, if any'),
        ('ingest_errors', 'raw', 'the offending input, truncated to 4 kB'),
        ('jobs', 'id', 'job id, returned by solana.enqueue'),
        ('jobs', 'queue', 'the queue (solana.queues.name; created on first use)'),
        ('jobs', 'kind', 'what the job does; workers and the dispatcher claim by kind'),
        ('jobs', 'payload', 'the job''s input'),
        ('jobs', 'max_attempts', 'attempts before the job is dead (from the queue unless given)'),
        ('jobs', 'backoff_base', 'delay after the first failed attempt; doubles per attempt (from the queue)'),
        ('jobs', 'backoff_cap', 'longest delay between attempts (from the queue)'),
        ('jobs', 'backoff_jitter', 'fraction 0..1 by which each delay is randomly shortened (from the queue)'),
        ('jobs', 'last_error', 'the error of the last failed attempt'),
        ('jobs', 'result', 'the result given to solana.complete'),
        ('jobs', 'created_at', 'when the job was enqueued'),
        ('jobs', 'started_at', 'when the last attempt was claimed'),
        ('jobs', 'finished_at', 'when the job reached a final state'),
        ('keypairs', 'name', 'the name signers refer to (not empty, not "default")'),
        ('keypairs', 'pubkey', 'the public key'),
        ('keypairs', 'secret', 'the 64-byte secret key (seed || public key); no grant to PUBLIC'),
        ('keypairs', 'created_at', 'when the keypair was generated or imported'),
        ('oracle_audit', 'id', 'row id'),
        ('oracle_audit', 'run_id', 'one aggregation run; its rows share it'),
        ('oracle_audit', 'feed', 'the feed symbol'),
        ('oracle_audit', 'source_id', 'the source judged (NULL for the feed-wide min_sources row)'),
        ('oracle_audit', 'accepted', 'whether the sample entered the aggregate'),
        ('oracle_audit', 'reason', 'why it was rejected (see the table comment), NULL when accepted'),
        ('oracle_audit', 'price', 'the sample''s price'),
        ('oracle_audit', 'conf', 'the sample''s confidence interval'),
        ('oracle_audit', 'observed_at', 'when the source observed the price'),
        ('oracle_audit', 'computed_at', 'when the aggregation ran'),
        ('oracle_feeds', 'symbol', 'the feed''s name, e.g. SOL/USD'),
        ('oracle_feeds', 'method', 'aggregation: median, weighted_median or confidence_weighted'),
        ('oracle_feeds', 'max_staleness', 'samples older than this are rejected (stale)'),
        ('oracle_feeds', 'max_future', 'samples dated further ahead than this are rejected (future)'),
        ('oracle_feeds', 'min_sources', 'fewest accepted samples for a price'),
        ('oracle_feeds', 'required_verification', 'Pyth verification level required: Full or Partial'),
        ('oracle_feeds', 'max_conf_ratio', 'samples with conf / price above this are rejected (NULL: no limit)'),
        ('oracle_feeds', 'max_deviation_bps', 'samples further than this from the median, in basis points, are rejected as outliers (NULL: no limit)'),
        ('oracle_feeds', 'update_threshold_bps', 'publish only when the price moved by at least this many basis points (or heartbeat passed)'),
        ('oracle_feeds', 'heartbeat', 'publish an unchanged price at least this often'),
        ('oracle_feeds', 'required_signatures', 'custom signed sources: fresh submissions needed before the feed publishes'),
        ('oracle_feeds', 'created_at', 'when the feed was created'),
        ('oracle_sources', 'feed', 'the feed (solana.oracle_feeds.symbol)'),
        ('oracle_sources', 'source_id', 'the source''s name within the feed'),
        ('oracle_sources', 'kind', 'pyth, switchboard or custom'),
        ('oracle_sources', 'account', 'the Pyth or Switchboard price account (NULL for custom)'),
        ('oracle_sources', 'authority', 'custom sources: the ed25519 key that signs submissions'),
        ('oracle_sources', 'weight', 'weight in weighted aggregation'),
        ('oracle_sources', 'active', 'inactive sources are ignored'),
        ('oracle_sources', 'price', 'latest sample: price'),
        ('oracle_sources', 'conf', 'latest sample: confidence interval'),
        ('oracle_sources', 'observed_at', 'latest sample: when the source observed it'),
        ('oracle_sources', 'verification', 'latest sample: Pyth verification level'),
        ('oracle_sources', 'slot', 'latest sample: slot it was read at'),
        ('oracle_sources', 'last_update', 'when the latest sample was stored'),
        ('oracle_sources', 'last_error', 'why the last read of the source failed (NULL after a good one)'),
        ('oracle_submissions', 'feed', 'the feed symbol'),
        ('oracle_submissions', 'source_id', 'the custom source that signed'),
        ('oracle_submissions', 'price', 'the signed integer price'),
        ('oracle_submissions', 'exponent', 'the price is price x 10^exponent'),
        ('oracle_submissions', 'observed_at', 'the signed observation time'),
        ('oracle_submissions', 'signature', 'ed25519 signature of solana.price_message by the source''s authority'),
        ('oracle_submissions', 'received_at', 'when the submission was accepted'),
        ('price_history', 'feed', 'the feed symbol'),
        ('price_history', 'price', 'the published price'),
        ('price_history', 'conf', 'its confidence'),
        ('price_history', 'sources_used', 'samples aggregated'),
        ('price_history', 'method', 'the aggregation method used'),
        ('price_history', 'published_at', 'when it was published (the partition key)'),
        ('prices', 'feed', 'the feed (solana.oracle_feeds.symbol)'),
        ('prices', 'price', 'the latest published price'),
        ('prices', 'conf', 'its confidence'),
        ('prices', 'sources_used', 'samples aggregated'),
        ('prices', 'method', 'the aggregation method used'),
        ('prices', 'computed_at', 'when the aggregate was computed'),
        ('prices', 'published_at', 'when it was published'),
        ('queue_stats', 'queue', 'the queue'),
        ('queue_stats', 'paused', 'whether the queue is paused'),
        ('queue_stats', 'ready', 'queued jobs due now'),
        ('queue_stats', 'delayed', 'queued jobs due later'),
        ('queue_stats', 'running', 'jobs under lease'),
        ('queue_stats', 'succeeded', 'succeeded jobs kept'),
        ('queue_stats', 'failed', 'failed jobs kept'),
        ('queue_stats', 'dead', 'dead jobs kept (solana.dead_jobs)'),
        ('queue_stats', 'cancelled', 'cancelled jobs kept'),
        ('queue_stats', 'oldest_ready_age', 'how long the oldest ready job has been due'),
        ('queue_stats', 'succeeded_per_minute', 'jobs that succeeded in the last minute'),
        ('queue_stats', 'failed_per_minute', 'jobs that failed or died in the last minute'),
        ('queues', 'name', 'the queue name (1 to 200 characters)'),
        ('queues', 'created_at', 'when the queue was created'),
        ('subscriptions', 'id', 'subscription id, returned by solana.subscribe'),
        ('subscriptions', 'commitment', 'processed, confirmed or finalized'),
        ('subscriptions', 'enabled', 'disabled subscriptions are not followed'),
        ('subscriptions', 'created_at', 'when the subscription was made'),
        ('transaction_batch_summary', 'batch_id', 'the batch (solana.transaction_batches.id)'),
        ('transaction_batch_summary', 'transactions', 'transactions in the batch'),
        ('transaction_batch_summary', 'in_flight', 'transactions not yet landed or failed (intent, signed, sent, expired)'),
        ('transaction_batch_summary', 'landed', 'confirmed or finalized transactions'),
        ('transaction_batch_summary', 'failed', 'transactions that failed on chain'),
        ('transaction_batch_summary', 'fees', 'total fees paid, in lamports'),
        ('transaction_batch_summary', 'updated_at', 'latest change of any transaction in the batch'),
        ('transaction_batches', 'id', 'batch id, returned by solana.submit_instructions'),
        ('transaction_batches', 'signers', 'names of the keypairs that sign (solana.keypairs.name)'),
        ('transaction_batches', 'options', 'the options given to solana.submit_instructions'),
        ('transaction_batches', 'created_at', 'when the batch was submitted'),
        ('transactions', 'id', 'transaction row id'),
        ('transactions', 'batch_id', 'the batch (solana.transaction_batches.id)'),
        ('transactions', 'seq', 'position in the batch'),
        ('transactions', 'state', 'intent, signed, sent, confirmed, finalized, failed or expired'),
        ('transactions', 'instructions', 'the instructions, without the compute budget ones'),
        ('transactions', 'payer', 'the fee payer'),
        ('transactions', 'signers', 'names of the keypairs that sign'),
        ('transactions', 'version', 'message version: legacy or 0'),
        ('transactions', 'lookup_tables', 'address lookup tables of a version 0 message'),
        ('transactions', 'compute_unit_limit', 'compute unit limit set by a compute budget instruction (NULL: none)'),
        ('transactions', 'compute_unit_price', 'priority fee in micro-lamports per compute unit (NULL: none)'),
        ('transactions', 'recent_blockhash', 'the blockhash the transaction was signed with'),
        ('transactions', 'last_valid_block_height', 'past this block height the signed transaction can no longer land'),
        ('transactions', 'signature', 'the current signature (the transaction''s id on chain)'),
        ('transactions', 'wire', 'the signed wire bytes sent'),
        ('transactions', 'previous_signatures', 'signatures of earlier signings that expired'),
        ('transactions', 'signings', 'times the transaction was signed'),
        ('transactions', 'sends', 'times the signed bytes were sent'),
        ('transactions', 'last_sent_at', 'when they were last sent'),
        ('transactions', 'slot', 'the slot it landed in'),
        ('transactions', 'fee', 'the fee paid, in lamports'),
        ('transactions', 'compute_units_consumed', 'compute units used'),
        ('transactions', 'error', 'the on-chain error, as the RPC reports it'),
        ('transactions', 'logs', 'the transaction''s log messages'),
        ('transactions', 'split_from', 'the failed transaction whose instructions this one retries one by one'),
        ('transactions', 'split_index', 'which instruction of split_from this one carries'),
        ('transactions', 'created_at', 'when the row was created'),
        ('transactions', 'updated_at', 'when the row last changed'),
        ('transactions_seen', 'signature', 'the transaction''s first signature'),
        ('transactions_seen', 'slot', 'its slot'),
        ('transactions_seen', 'block_time', 'its block time, when the RPC reports it'),
        ('transactions_seen', 'failed', 'whether the transaction failed'),
        ('transactions_seen', 'err', 'the transaction error, as the RPC reports it'),
        ('transactions_seen', 'event_cnt', 'events stored from it'),
        ('transactions_seen', 'commitment', 'confirmed, finalized or dead (skipped slot)'),
        ('transactions_seen', 'source', 'live (pubsub) or backfill (JSON-RPC)'),
        ('transactions_seen', 'seen_at', 'when it was processed'),
        ('webhook_deliveries', 'id', 'delivery id'),
        ('webhook_deliveries', 'webhook_id', 'the endpoint (solana.webhooks.id)'),
        ('webhook_deliveries', 'attempts', 'attempts made'),
        ('webhook_deliveries', 'next_attempt_at', 'when the next attempt is due'),
        ('webhook_deliveries', 'last_attempt_at', 'when the last attempt started'),
        ('webhook_deliveries', 'created_at', 'when the message was written (the commit of its source row)'),
        ('webhook_deliveries', 'updated_at', 'when the row last changed'),
        ('webhook_deliveries', 'delivered_at', 'when a 2xx answer arrived'),
        ('webhook_stats', 'webhook_id', 'the endpoint (solana.webhooks.id)'),
        ('webhook_stats', 'name', 'its name'),
        ('webhook_stats', 'url', 'its URL'),
        ('webhook_stats', 'enabled', 'whether it is enabled'),
        ('webhook_stats', 'disabled_reason', 'why the dispatcher disabled it'),
        ('webhook_stats', 'pending', 'deliveries waiting for a first attempt'),
        ('webhook_stats', 'in_flight', 'deliveries being sent'),
        ('webhook_stats', 'retrying', 'deliveries that failed and wait for a retry'),
        ('webhook_stats', 'delivered', 'deliveries answered with 2xx'),
        ('webhook_stats', 'dead', 'deliveries given up'),
        ('webhook_stats', 'delivered_last_hour', 'deliveries answered with 2xx in the last hour'),
        ('webhook_stats', 'p50_request_ms', 'median request duration over the last hour, ms'),
        ('webhook_stats', 'p99_request_ms', '99th percentile request duration over the last hour, ms'),
        ('webhook_stats', 'p50_commit_to_delivery_ms', 'median time from the source commit to delivery over the last hour, ms'),
        ('webhook_stats', 'p99_commit_to_delivery_ms', '99th percentile time from the source commit to delivery over the last hour, ms'),
        ('webhook_stats', 'last_delivered_at', 'the latest delivery'),
        ('webhook_stats', 'consecutive_failures', 'failed attempts in a row'),
        ('webhook_stats', 'circuit', 'circuit breaker: closed, open or half-open'),
        ('webhooks', 'id', 'webhook id'),
        ('webhooks', 'name', 'unique name of the endpoint'),
        ('webhooks', 'url', 'the http(s) URL deliveries are POSTed to'),
        ('webhooks', 'previous_secret_expires_at', 'when deliveries stop carrying a signature with previous_secret'),
        ('webhooks', 'enabled', 'disabled endpoints get no new deliveries'),
        ('webhooks', 'created_at', 'when the webhook was added'),
        ('webhooks', 'updated_at', 'when it last changed')
    ) AS v(rel, col, txt)
    LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = pg_catalog.to_regclass('solana.' || c.rel)
                      AND a.attname = c.col AND NOT a.attisdropped
                      AND pg_catalog.col_description(a.attrelid, a.attnum) IS NULL) THEN
            EXECUTE pg_catalog.format('COMMENT ON COLUMN solana.%I.%I IS %L', c.rel, c.col, c.txt);
        END IF;
    END LOOP;

    -- sequences behind identity columns: relation, comment
    FOR c IN SELECT * FROM (VALUES
        ('ingest_errors_id_seq', 'ids of solana.ingest_errors rows'),
        ('jobs_id_seq', 'ids of solana.jobs rows'),
        ('oracle_audit_id_seq', 'ids of solana.oracle_audit rows'),
        ('subscriptions_id_seq', 'ids of solana.subscriptions rows'),
        ('transaction_batches_id_seq', 'ids of solana.transaction_batches rows'),
        ('transactions_id_seq', 'ids of solana.transactions rows'),
        ('webhook_deliveries_id_seq', 'ids of solana.webhook_deliveries rows'),
        ('webhooks_id_seq', 'ids of solana.webhooks rows')
    ) AS v(rel, txt)
    LOOP
        IF pg_catalog.to_regclass('solana.' || c.rel) IS NOT NULL
           AND pg_catalog.obj_description(pg_catalog.to_regclass('solana.' || c.rel), 'pg_class') IS NULL THEN
            EXECUTE pg_catalog.format('COMMENT ON SEQUENCE solana.%I IS %L', c.rel, c.txt);
        END IF;
    END LOOP;

    -- helper functions: signature, comment
    FOR c IN SELECT * FROM (VALUES
        ('solana._announce(bigint, text, text, text)', 'NOTIFY solana_jobs that a job finished (op succeeded, failed, dead or cancelled), unless its queue''s notify is false; returns whether it did'),
        ('solana._base64(bytea)', 'base64 text of bytes on one line'),
        ('solana._check_job_args(text, integer)', 'raise 22004/22023 for a null or empty job kind or max_attempts below 1'),
        ('solana._jobs_enqueued()', 'statement trigger on solana.jobs: NOTIFY solana_jobs {"op": "enqueued"} once per queue, and wake the dispatchers at commit when a queued job is of a kind they run'),
        ('solana._queue(text)', 'the queue row, created with the defaults on first use; 22004/22023 for a null, empty or too long name'),
        ('solana._reap(text)', 'return the running jobs of a queue whose lease expired to queued (or dead when out of attempts); returns how many'),
        ('solana._require_job(bigint)', 'raise 22023 when no job has this id'),
        ('solana._start_time(timestamp with time zone, interval)', 'when a job becomes due from run_at or delay (not both, delay not negative)'),
        ('solana._transaction_enqueue(bigint, bigint)', 'queue the dispatcher job (queue solana_transactions, kind transaction) that drives one transaction; returns its id'),
        ('solana._transaction_instructions(solana.transactions)', 'a transaction''s instructions with its compute budget instructions first'),
        ('solana._transaction_lock(bigint, text[], text)', 'lock a transaction row; 42704 when missing, 55000 unless its state is one of allowed'),
        ('solana._transaction_payload(jsonb, text, text, jsonb, jsonb)', 'the transaction job''s payload for its next step (JSON-RPC method and params)'),
        ('solana._transaction_requeue(bigint, jsonb, integer, text)', 'put the transaction job back in its queue with its next payload, due in delay_ms'),
        ('solana._transaction_unsigned(solana.transactions, text)', 'the unsigned wire form (zero signatures) of a transaction''s message, for simulateTransaction'),
        ('solana._transactions_notify()', 'row trigger on solana.transactions: NOTIFY solana_transactions {"id", "batch_id", "state", "signature"} on insert and state change'),
        ('solana._valid_concurrency(jsonb)', 'whether a queue''s per-kind concurrency is a JSON object of non-negative integers')
    ) AS v(sig, txt)
    LOOP
        IF pg_catalog.to_regprocedure(c.sig) IS NOT NULL
           AND pg_catalog.obj_description(pg_catalog.to_regprocedure(c.sig), 'pg_proc') IS NULL THEN
            EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s IS %L', pg_catalog.to_regprocedure(c.sig), c.txt);
        END IF;
    END LOOP;
END
$comments$;

-- ---------------------------------------------------------------------
-- webhooks (issue 7): the message id's CHECK calls a C function instead
-- of a regular expression (a table's CHECKs run on every UPDATE, the
-- dispatcher's claims and outcomes included)
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.webhook_message_id_valid(message_id text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'solana_webhook_message_id_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.webhook_message_id_valid(text) IS
    'whether a text is a valid webhook message id (the webhook-id header): 1 to 256 visible ASCII characters';
ALTER TABLE solana.webhook_deliveries
    DROP CONSTRAINT webhook_deliveries_message_id_check,
    ADD CONSTRAINT webhook_deliveries_message_id_check
        CHECK (solana.webhook_message_id_valid(message_id));

-- ---------------------------------------------------------------------
-- webhooks (issue 7): HOT claims.  A claim sets the lease and leaves
-- `state` (an index predicate) alone, so it is a HOT update (fillfactor
-- 50 leaves room for a new version of every row: a claim updates a run
-- of neighbours); the in_flight index goes, in-flight rows are those
-- with a lease; the dispatcher passes what it holds per endpoint
-- ---------------------------------------------------------------------
ALTER TABLE solana.webhook_deliveries SET (fillfactor = 50);
DROP INDEX IF EXISTS solana.webhook_deliveries_in_flight_idx;
UPDATE solana.webhook_deliveries
   SET state = CASE WHEN attempts > 1 THEN 'failed' ELSE 'pending' END
 WHERE state = 'in_flight';
COMMENT ON COLUMN solana.webhook_deliveries.state IS 'pending, failed (retry at next_attempt_at), delivered or dead; a pending or failed row with lease_expires_at set is in flight (in_flight is no longer used since 0.2.0)';
COMMENT ON COLUMN solana.webhook_deliveries.lease_expires_at IS 'set while an attempt is in flight; a row whose lease expired (the dispatcher died) is claimed again';
DROP FUNCTION IF EXISTS solana._webhook_claim(int);
-- (its successor, _webhook_claim(int, bigint[], int[]), is created in
-- "the due set in its own narrow table" below)

CREATE OR REPLACE FUNCTION solana.retry_dead_deliveries(webhook bigint) RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    n int;
BEGIN
    PERFORM solana._webhook_require(webhook);
    UPDATE solana.webhook_deliveries d
       SET state = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now(),
           lease_expires_at = NULL
     WHERE d.webhook_id = webhook AND d.state = 'dead';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM solana._webhook_wake();
    END IF;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana.retry_dead_deliveries(bigint) IS
    'make the dead deliveries of a webhook pending again with fresh attempts (re-enable the webhook first if it was disabled); returns how many';

CREATE OR REPLACE VIEW solana.webhook_stats WITH (security_invoker = true) AS
SELECT w.id AS webhook_id,
       w.name,
       w.url,
       w.enabled,
       w.disabled_reason,
       count(d.id) FILTER (WHERE d.state = 'pending' AND d.lease_expires_at IS NULL) AS pending,
       count(d.id) FILTER (WHERE d.state IN ('pending', 'failed', 'in_flight')
                           AND d.lease_expires_at IS NOT NULL) AS in_flight,
       count(d.id) FILTER (WHERE d.state = 'failed' AND d.lease_expires_at IS NULL) AS retrying,
       count(d.id) FILTER (WHERE d.state = 'delivered') AS delivered,
       count(d.id) FILTER (WHERE d.state = 'dead') AS dead,
       count(d.id) FILTER (WHERE d.state = 'delivered'
                           AND d.delivered_at > now() - interval '1 hour') AS delivered_last_hour,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d.latency_ms)
           FILTER (WHERE d.state = 'delivered' AND d.delivered_at > now() - interval '1 hour')
           AS p50_request_ms,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY d.latency_ms)
           FILTER (WHERE d.state = 'delivered' AND d.delivered_at > now() - interval '1 hour')
           AS p99_request_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.created_at) * 1000)
           FILTER (WHERE d.state = 'delivered' AND d.delivered_at > now() - interval '1 hour')
           AS p50_commit_to_delivery_ms,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.created_at) * 1000)
           FILTER (WHERE d.state = 'delivered' AND d.delivered_at > now() - interval '1 hour')
           AS p99_commit_to_delivery_ms,
       max(d.delivered_at) AS last_delivered_at,
       w.consecutive_failures,
       CASE WHEN w.circuit_open_until IS NULL THEN 'closed'
            WHEN w.circuit_open_until > now() THEN 'open'
            ELSE 'half-open' END AS circuit
  FROM solana.webhooks w
  LEFT JOIN solana.webhook_deliveries d ON d.webhook_id = w.id
 GROUP BY w.id;
COMMENT ON VIEW solana.webhook_stats IS
    'per webhook: deliveries by state, last-hour request and commit-to-delivery latency percentiles (ms), circuit breaker state';

-- ---------------------------------------------------------------------
-- Job queue (issue 6, session 3): complete_batch writes the NOTIFY of
-- each job out instead of a nested solana._announce call per job; the
-- job-webhook trigger on solana.jobs is enabled only while an enabled
-- job webhook exists (solana._sync_job_webhooks, a statement trigger on
-- solana.webhooks, keeps it so); complete_batch's body is in
-- "completion by delete" below
-- ---------------------------------------------------------------------
CREATE OR REPLACE FUNCTION solana._sync_job_webhooks() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    want boolean;
    have boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('solana.webhooks_job'));
    want := EXISTS (SELECT 1 FROM solana.webhooks w
                     WHERE w.enabled AND 'job' = ANY (w.event_types));
    SELECT t.tgenabled <> 'D' INTO have FROM pg_trigger t
     WHERE t.tgrelid = 'solana.jobs'::regclass AND t.tgname = 'webhooks_job';
    IF have IS NULL OR have = want THEN
        RETURN NULL;
    END IF;
    IF want THEN
        ALTER TABLE solana.jobs ENABLE TRIGGER webhooks_job;
    ELSE
        ALTER TABLE solana.jobs DISABLE TRIGGER webhooks_job;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._sync_job_webhooks() IS
    'trigger: enables the job-webhook trigger on solana.jobs while an enabled job webhook exists, disables it otherwise';
REVOKE ALL ON FUNCTION solana._sync_job_webhooks() FROM PUBLIC;

DROP TRIGGER IF EXISTS webhooks_sync_job ON solana.webhooks;
CREATE TRIGGER webhooks_sync_job
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF enabled, event_types
    ON solana.webhooks
    FOR EACH STATEMENT EXECUTE FUNCTION solana._sync_job_webhooks();
DO $sync$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks w
                    WHERE w.enabled AND 'job' = ANY (w.event_types)) THEN
        ALTER TABLE solana.jobs DISABLE TRIGGER webhooks_job;
    END IF;
END
$sync$;

-- ---------------------------------------------------------------------
-- webhooks (issue 7, session 3): the due set in its own narrow table
-- (solana._webhook_due), so that neither the claim nor the outcome
-- changes an indexed column of solana.webhook_deliveries (both HOT);
-- the due index of the deliveries goes, the pending and failed rows of
-- an existing install move into the new table
-- ---------------------------------------------------------------------
-- The due set: one narrow row per pending or failed delivery, ordered
-- as the claim takes them.  Kept by the triggers below (insert,
-- rescheduling, a return from delivered/dead, delete, truncate) and by
-- solana._webhook_record, which deletes the row of a delivered or dead
-- delivery (a delete adds no index entries).  In-flight deliveries stay
-- in it (their lease is on the delivery row).
CREATE TABLE solana._webhook_due (
    delivery_id         bigint PRIMARY KEY,
    webhook_id          bigint NOT NULL,
    next_attempt_at     timestamptz NOT NULL
) WITH (fillfactor = 90);
CREATE INDEX _webhook_due_claim_idx ON solana._webhook_due (webhook_id, next_attempt_at, delivery_id);
COMMENT ON TABLE solana._webhook_due IS
    'internal: the due set of solana.webhook_deliveries (pending and failed rows) that the dispatcher claims from';
COMMENT ON COLUMN solana._webhook_due.delivery_id IS 'the delivery (solana.webhook_deliveries.id)';
COMMENT ON COLUMN solana._webhook_due.webhook_id IS 'its webhook';
COMMENT ON COLUMN solana._webhook_due.next_attempt_at IS 'the delivery''s next_attempt_at';
REVOKE ALL ON solana._webhook_due FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('solana._webhook_due', '');

INSERT INTO solana._webhook_due (delivery_id, webhook_id, next_attempt_at)
SELECT d.id, d.webhook_id, d.next_attempt_at
  FROM solana.webhook_deliveries d
 WHERE d.state IN ('pending', 'failed');
DROP INDEX IF EXISTS solana.webhook_deliveries_due_idx;

-- new deliveries join the due set; wake the dispatcher at commit
CREATE OR REPLACE FUNCTION solana._webhook_deliveries_wake() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    INSERT INTO solana._webhook_due (delivery_id, webhook_id, next_attempt_at)
    SELECT n.id, n.webhook_id, n.next_attempt_at
      FROM new_deliveries n
     WHERE n.state IN ('pending', 'failed');
    PERFORM solana._wake_dispatcher(ARRAY['webhooks']);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_deliveries_wake() IS
    'trigger: add new deliveries to the due set and wake the dispatchers when the inserting transaction commits';
REVOKE ALL ON FUNCTION solana._webhook_deliveries_wake() FROM PUBLIC;
DROP TRIGGER IF EXISTS webhook_deliveries_wake ON solana.webhook_deliveries;
CREATE TRIGGER webhook_deliveries_wake AFTER INSERT ON solana.webhook_deliveries
    REFERENCING NEW TABLE AS new_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_deliveries_wake();

-- a delivery rescheduled (a retry, or next_attempt_at set by hand) or
-- made pending again (retry_dead_deliveries) joins or moves in the due
-- set; one that is finished by hand or by a 410 (not in flight) leaves
-- it.  The dispatcher's own claim and outcome updates do not fire it
-- (the WHEN clause), solana._webhook_record deletes their due rows.
CREATE OR REPLACE FUNCTION solana._webhook_due_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF NEW.state IN ('pending', 'failed') THEN
        INSERT INTO solana._webhook_due AS q (delivery_id, webhook_id, next_attempt_at)
        VALUES (NEW.id, NEW.webhook_id, NEW.next_attempt_at)
        ON CONFLICT (delivery_id) DO UPDATE
           SET webhook_id = excluded.webhook_id, next_attempt_at = excluded.next_attempt_at;
    ELSE
        DELETE FROM solana._webhook_due q WHERE q.delivery_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_due_sync() IS
    'trigger: keep solana._webhook_due in step with a delivery''s state and next_attempt_at';
REVOKE ALL ON FUNCTION solana._webhook_due_sync() FROM PUBLIC;
DROP TRIGGER IF EXISTS webhook_deliveries_due ON solana.webhook_deliveries;
CREATE TRIGGER webhook_deliveries_due
    AFTER UPDATE OF state, next_attempt_at, webhook_id ON solana.webhook_deliveries
    FOR EACH ROW
    WHEN ((NEW.state IN ('pending', 'failed')
           AND (OLD.state NOT IN ('pending', 'failed')
                OR NEW.next_attempt_at IS DISTINCT FROM OLD.next_attempt_at
                OR NEW.webhook_id IS DISTINCT FROM OLD.webhook_id))
          OR (NEW.state NOT IN ('pending', 'failed')
              AND OLD.state IN ('pending', 'failed')
              AND OLD.lease_expires_at IS NULL))
    EXECUTE FUNCTION solana._webhook_due_sync();

CREATE OR REPLACE FUNCTION solana._webhook_due_forget() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE solana._webhook_due;
    ELSE
        DELETE FROM solana._webhook_due q USING old_deliveries o WHERE q.delivery_id = o.id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_due_forget() IS
    'trigger: deleted or truncated deliveries leave the due set';
REVOKE ALL ON FUNCTION solana._webhook_due_forget() FROM PUBLIC;
DROP TRIGGER IF EXISTS webhook_deliveries_forget ON solana.webhook_deliveries;
CREATE TRIGGER webhook_deliveries_forget AFTER DELETE ON solana.webhook_deliveries
    REFERENCING OLD TABLE AS old_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_due_forget();
DROP TRIGGER IF EXISTS webhook_deliveries_truncate ON solana.webhook_deliveries;
CREATE TRIGGER webhook_deliveries_truncate AFTER TRUNCATE ON solana.webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_due_forget();

CREATE FUNCTION solana._webhook_claim(max_cnt int, held_ids bigint[] DEFAULT '{}',
                                      held_cnts int[] DEFAULT '{}')
    RETURNS TABLE (id bigint, webhook_id bigint, url text, secret text, previous_secret text,
                   message_id text, body text, timeout_ms int, headers jsonb, attempts int,
                   max_in_flight int)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
    -- One plan for every call, whatever the statistics say (see the
    -- comment above): nested loops over index scans in the due order.
    SET plan_cache_mode = force_generic_plan
    SET enable_bitmapscan = off
    SET enable_sort = off
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET jit = off
AS $$
BEGIN
    RETURN QUERY
    WITH held AS (
        SELECT h.wid, h.cnt FROM unnest(held_ids, held_cnts) AS h(wid, cnt)
    ), room AS (
        SELECT w.id, 2 * w.timeout + interval '5 seconds' AS lease,
               least(2 * w.max_in_flight - coalesce((SELECT sum(held.cnt)::int FROM held
                                                      WHERE held.wid = w.id), 0),
                     CASE WHEN w.circuit_open_until IS NOT NULL THEN 1 ELSE max_cnt END,
                     CASE WHEN w.rate_limit IS NULL THEN max_cnt
                          WHEN w.rate_window_start > now() - interval '1 second'
                          THEN w.rate_limit - w.rate_window_used
                          ELSE w.rate_limit END) AS n
          FROM solana.webhooks w
         WHERE w.enabled
           AND (w.circuit_open_until IS NULL OR w.circuit_open_until <= now())
    ), picked AS (
        -- the row's ctid: the update finds the locked version without the
        -- primary key
        SELECT c.ctid, room.lease
          FROM room, LATERAL (
                SELECT d.ctid
                  FROM solana._webhook_due q
                  JOIN solana.webhook_deliveries d ON d.id = q.delivery_id
                 WHERE q.webhook_id = room.id
                   AND q.next_attempt_at <= now()
                   AND d.state IN ('pending', 'failed')
                   AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= now())
                 ORDER BY q.next_attempt_at, q.delivery_id
                 LIMIT greatest(room.n, 0)
                   FOR UPDATE OF d SKIP LOCKED) c
         LIMIT max_cnt
    ), claimed AS (
        -- an expired lease: the attempt stays counted, the row is retried
        UPDATE solana.webhook_deliveries d
           SET state = CASE WHEN d.lease_expires_at IS NULL THEN d.state ELSE 'failed' END,
               last_error = CASE WHEN d.lease_expires_at IS NULL THEN d.last_error
                                 ELSE 'no outcome recorded before the lease expired (dispatcher restarted?)' END,
               attempts = d.attempts + 1, last_attempt_at = now(), updated_at = now(),
               lease_expires_at = now() + picked.lease
          FROM picked
         WHERE d.ctid = picked.ctid
        RETURNING d.id, d.webhook_id, d.message_id, d.payload, d.attempts
    ), windows AS (
        -- rate-limited endpoints: count the attempts of this window
        UPDATE solana.webhooks w
           SET rate_window_used = CASE WHEN w.rate_window_start > now() - interval '1 second'
                                       THEN w.rate_window_used ELSE 0 END + k.cnt,
               rate_window_start = CASE WHEN w.rate_window_start > now() - interval '1 second'
                                        THEN w.rate_window_start ELSE now() END
          FROM (SELECT c.webhook_id, count(*)::int AS cnt FROM claimed c GROUP BY 1) k
         WHERE w.id = k.webhook_id AND w.rate_limit IS NOT NULL
    )
    SELECT c.id, c.webhook_id, w.url, w.secret,
           CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END,
           c.message_id, c.payload::text,
           (extract(epoch FROM w.timeout) * 1000)::int, w.headers, c.attempts, w.max_in_flight
      FROM claimed c JOIN solana.webhooks w ON w.id = c.webhook_id
     ORDER BY c.id;
END
$$;
COMMENT ON FUNCTION solana._webhook_claim(int, bigint[], int[]) IS
    'dispatcher: claim due webhook deliveries (SKIP LOCKED, a lease; state unchanged) within per-endpoint in-flight and rate limits and the circuit breaker; rows whose lease expired are claimed again';
REVOKE ALL ON FUNCTION solana._webhook_claim(int, bigint[], int[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION solana._webhook_next_due() RETURNS timestamptz
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, solana
    SET enable_sort = off
    SET jit = off
AS $$
BEGIN
    RETURN (SELECT min(greatest(s.t, w.circuit_open_until))
              FROM solana.webhooks w,
                   LATERAL (SELECT min(greatest(h.next_attempt_at, h.lease_expires_at)) AS t
                              FROM (SELECT q.next_attempt_at, d.lease_expires_at
                                      FROM solana._webhook_due q
                                      JOIN solana.webhook_deliveries d ON d.id = q.delivery_id
                                     WHERE q.webhook_id = w.id
                                     ORDER BY q.next_attempt_at, q.delivery_id
                                     LIMIT 8 * w.max_in_flight + 64) h) s
             WHERE w.enabled);
END
$$;
COMMENT ON FUNCTION solana._webhook_next_due() IS
    'dispatcher: the earliest time a webhook delivery becomes claimable';
REVOKE ALL ON FUNCTION solana._webhook_next_due() FROM PUBLIC;

CREATE OR REPLACE FUNCTION solana._webhook_record(ids bigint[], statuses int[], errors text[],
                                       latencies_ms float8[], retry_after_s int[])
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
    -- generic plans of key lookups (as in solana._webhook_claim)
    SET plan_cache_mode = force_generic_plan
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET jit = off
AS $$
DECLARE
    r record;
    d record;
    delay interval;
    err text;
    n_ok bigint;
BEGIN
    -- successes, the common case, set-based
    WITH ok AS (
        UPDATE solana.webhook_deliveries x
           SET state = 'delivered', last_status = u.status, last_error = NULL,
               latency_ms = u.latency, delivered_at = now(), updated_at = now(),
               lease_expires_at = NULL
          FROM unnest(ids, statuses, latencies_ms) AS u(id, status, latency)
         WHERE x.id = u.id AND x.lease_expires_at IS NOT NULL
           AND x.state IN ('pending', 'failed', 'in_flight') AND u.status BETWEEN 200 AND 299
        RETURNING x.id, x.webhook_id, x.message_id, u.status
    ), done AS (
        -- out of the due set: a delete adds no index entries
        DELETE FROM solana._webhook_due q USING ok WHERE q.delivery_id = ok.id
    ), reset AS (
        UPDATE solana.webhooks w
           SET consecutive_failures = 0, circuit_open_until = NULL
         WHERE w.id IN (SELECT ok.webhook_id FROM ok)
           AND (w.consecutive_failures <> 0 OR w.circuit_open_until IS NOT NULL)
    )
    SELECT count(*) INTO STRICT n_ok
      FROM (SELECT pg_notify('solana_webhooks',
                       -- json_build_object's text, built by concatenation
                       -- (cheaper); to_json escapes the message id
                       '{"op" : "delivered", "webhook" : ' || ok.webhook_id
                       || ', "delivery" : ' || ok.id
                       || ', "message_id" : ' || to_json(ok.message_id)::text
                       || ', "status" : ' || ok.status || '}')
              FROM ok) s;
    IF n_ok = cardinality(ids) THEN
        RETURN;				-- all delivered: no failures to look at
    END IF;

    FOR r IN SELECT * FROM unnest(ids, statuses, errors, latencies_ms, retry_after_s)
                        AS u(id, status, error, latency, retry_after)
                  WHERE u.status IS NULL OR u.status NOT BETWEEN 200 AND 299
    LOOP
        SELECT x.id, x.webhook_id, x.message_id, x.attempts, w.max_attempts, w.retry_schedule
          INTO d
          FROM solana.webhook_deliveries x JOIN solana.webhooks w ON w.id = x.webhook_id
         WHERE x.id = r.id AND x.lease_expires_at IS NOT NULL
           AND x.state IN ('pending', 'failed', 'in_flight')
           FOR UPDATE OF x;
        IF NOT FOUND THEN
            CONTINUE;			-- deleted meanwhile
        END IF;
        IF r.status = 410 THEN
            err := '410 Gone: the endpoint was disabled';
            UPDATE solana.webhook_deliveries
               SET state = 'dead', last_status = 410, last_error = err, latency_ms = r.latency,
                   updated_at = now(), lease_expires_at = NULL
             WHERE webhook_deliveries.id = d.id;
            DELETE FROM solana._webhook_due q WHERE q.delivery_id = d.id;
            UPDATE solana.webhooks
               SET enabled = false, disabled_reason = format('410 Gone at %s', now())
             WHERE webhooks.id = d.webhook_id;
            -- nothing else will be sent: the rest of its queue is dead too
            -- (and leaves the due set by the trigger)
            UPDATE solana.webhook_deliveries
               SET state = 'dead', last_error = 'endpoint disabled after 410 Gone',
                   updated_at = now(), lease_expires_at = NULL
             WHERE webhook_id = d.webhook_id AND state IN ('pending', 'failed')
               AND lease_expires_at IS NULL;
            PERFORM pg_notify('solana_webhooks',
                json_build_object('op', 'dead', 'webhook', d.webhook_id, 'delivery', d.id,
                                  'message_id', d.message_id, 'status', 410,
                                  'error', err)::text);
        ELSE
            err := coalesce(r.error, 'HTTP ' || r.status);
            IF d.attempts >= d.max_attempts THEN
                UPDATE solana.webhook_deliveries
                   SET state = 'dead', last_status = r.status,
                       last_error = format('%s (gave up after %s attempts)', err, d.attempts),
                       latency_ms = r.latency, updated_at = now(), lease_expires_at = NULL
                 WHERE webhook_deliveries.id = d.id;
                DELETE FROM solana._webhook_due q WHERE q.delivery_id = d.id;
                PERFORM pg_notify('solana_webhooks',
                    json_build_object('op', 'dead', 'webhook', d.webhook_id, 'delivery', d.id,
                                      'message_id', d.message_id, 'status', r.status,
                                      'error', err)::text);
            ELSE
                IF r.status IN (429, 502, 503, 504) AND r.retry_after IS NOT NULL THEN
                    delay := make_interval(secs => r.retry_after);
                ELSE
                    delay := solana.webhook_retry_delay(d.attempts, d.retry_schedule);
                END IF;
                -- a new next_attempt_at: the trigger moves its due row
                UPDATE solana.webhook_deliveries
                   SET state = 'failed', last_status = r.status, last_error = err,
                       latency_ms = r.latency, next_attempt_at = now() + delay,
                       updated_at = now(), lease_expires_at = NULL
                 WHERE webhook_deliveries.id = d.id;
            END IF;
            UPDATE solana.webhooks w
               SET consecutive_failures = w.consecutive_failures + 1,
                   circuit_open_until = now() + solana._webhook_breaker(w.consecutive_failures + 1)
             WHERE w.id = d.webhook_id;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION solana._webhook_record(bigint[], int[], text[], float8[], int[]) IS
    'dispatcher: record attempt outcomes: 2xx delivered, 410 dead and endpoint disabled, else retry on the schedule (Retry-After on 429/502/503/504) or dead after max_attempts; NOTIFY solana_webhooks on delivered and dead';
REVOKE ALL ON FUNCTION solana._webhook_record(bigint[], int[], text[], float8[], int[]) FROM PUBLIC;

-- ---------------------------------------------------------------------
-- Job queue (issue 6, session 3): completion by delete.  complete and
-- complete_batch (and so complete_and_claim) delete the jobs of queues
-- with keep_succeeded 0 instead of updating them; the job webhooks of
-- those jobs come from solana._webhook_jobs_deleted
-- ---------------------------------------------------------------------
CREATE OR REPLACE FUNCTION solana.complete(id bigint, result jsonb DEFAULT NULL,
                                worker text DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    v_queue text;
    v_kind text;
    v_notify boolean;
    drop_queues text[];
    gone_jobs solana.jobs[];
BEGIN
    drop_queues := ARRAY(SELECT q.name FROM solana.queues q WHERE q.keep_succeeded = 0);
    IF cardinality(drop_queues) > 0 THEN
        WITH gone AS (
            DELETE FROM solana.jobs j
             WHERE j.id = id AND j.state = 'running'
               AND (worker IS NULL OR j.lease_owner = worker)
               AND (j.queue = ANY (drop_queues)) IS TRUE
            RETURNING j AS job)
        SELECT (g.job).queue, (g.job).kind,
               (SELECT q.notify FROM solana.queues q WHERE q.name = (g.job).queue),
               CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                                  WHERE t.tgrelid = 'solana.jobs'::pg_catalog.regclass
                                    AND t.tgname = 'webhooks_job' AND t.tgenabled <> 'D')
                    THEN ARRAY[g.job] END
          INTO v_queue, v_kind, v_notify, gone_jobs
          FROM gone g;
    END IF;
    IF v_queue IS NULL THEN
        -- the queue's notify flag comes with the update: no second call
        UPDATE solana.jobs j
           SET state = 'succeeded', result = result,
               finished_at = pg_catalog.now(), lease_expires_at = NULL
         WHERE j.id = id AND j.state = 'running'
           AND (worker IS NULL OR j.lease_owner = worker)
           AND j.queue <> ALL (drop_queues)
        RETURNING j.queue, j.kind,
                  (SELECT q.notify FROM solana.queues q WHERE q.name = j.queue)
             INTO v_queue, v_kind, v_notify;
    END IF;
    IF NOT FOUND THEN
        PERFORM solana._lease_lost(id, worker);
        RETURN false;
    END IF;
    IF v_notify IS NOT FALSE THEN
        PERFORM pg_catalog.pg_notify('solana_jobs', solana._job_event('succeeded', v_queue, id, v_kind));
    END IF;
    IF gone_jobs IS NOT NULL THEN
        PERFORM solana._webhook_jobs_deleted(gone_jobs, ARRAY[result]);
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana.complete(bigint, jsonb, text) IS
    'mark a running job succeeded with its result (delete it when its queue keeps no succeeded job: keep_succeeded 0); false when it is not running (lease lost or cancelled); with worker, 55000 when another worker has claimed the job since';

-- The NOTIFY of each finished job is written out in the statement
-- (solana._job_notify); the queues without NOTIFY or succeeded jobs are
-- read once per call.  Jobs of queues with keep_succeeded 0 are deleted.
-- In C (src/pg/queue.c); with results, solana._complete_results.
CREATE OR REPLACE FUNCTION solana.complete_batch(ids bigint[], results jsonb[] DEFAULT NULL,
                                      worker text DEFAULT NULL)
RETURNS integer
    AS 'MODULE_PATHNAME', 'solana_complete_batch'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION solana.complete_batch(bigint[], jsonb[], text) IS
    'solana.complete for many jobs in one statement; returns how many were running (held by worker, when given) and now succeeded (or were deleted: keep_succeeded 0)';

-- solana._complete_results is solana.complete_batch with results, one
-- per id: the statements of the C completion with the results joined.
CREATE FUNCTION solana._complete_results(ids bigint[], results jsonb[], worker text)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    cnt integer;
    drop_queues text[];
    quiet_queues text[];
    deleted integer := 0;
    gone_jobs solana.jobs[];
    gone_results jsonb[];
BEGIN
    IF cardinality(results) <> cardinality(ids) THEN
        RAISE EXCEPTION 'results has % elements, ids %',
                        cardinality(results), cardinality(ids)
            USING ERRCODE = '22023',
                  DETAIL = 'results, when given, pairs one result with each id.';
    END IF;
    SELECT coalesce(pg_catalog.array_agg(q.name) FILTER (WHERE q.keep_succeeded = 0), '{}'),
           coalesce(pg_catalog.array_agg(q.name) FILTER (WHERE q.notify IS FALSE), '{}')
      INTO drop_queues, quiet_queues
      FROM solana.queues q WHERE q.keep_succeeded = 0 OR q.notify IS FALSE;
    IF cardinality(drop_queues) > 0 THEN
        WITH gone AS (
            DELETE FROM solana.jobs j
             WHERE j.id = ANY (ids) AND j.state = 'running'
               AND (worker IS NULL OR j.lease_owner = worker)
               AND (j.queue = ANY (drop_queues)) IS TRUE
            RETURNING j AS job,
                      solana._job_notify('succeeded', j.queue, j.id, j.kind, quiet_queues)),
        hooks AS (
            SELECT pg_catalog.array_agg(g.job) AS jobs,
                   pg_catalog.array_agg((SELECT u.r FROM unnest(ids, results) AS u(id, r)
                                          WHERE u.id = (g.job).id LIMIT 1)) AS results
              FROM gone g
             WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                            WHERE t.tgrelid = 'solana.jobs'::pg_catalog.regclass
                              AND t.tgname = 'webhooks_job' AND t.tgenabled <> 'D'))
        SELECT pg_catalog.count(*), (SELECT h.jobs FROM hooks h), (SELECT h.results FROM hooks h)
          INTO cnt, gone_jobs, gone_results
          FROM gone g;
        IF gone_jobs IS NOT NULL THEN
            PERFORM solana._webhook_jobs_deleted(gone_jobs, gone_results);
        END IF;
        IF cnt >= cardinality(ids) THEN
            RETURN cnt;
        END IF;
        deleted := cnt;
    END IF;
    WITH done AS (
        UPDATE solana.jobs j
           SET state = 'succeeded', result = u.r,
               finished_at = pg_catalog.now(), lease_expires_at = NULL
          FROM unnest(ids, results) AS u(id, r)
         WHERE j.id = u.id AND j.state = 'running'
           AND (worker IS NULL OR j.lease_owner = worker)
           AND j.queue <> ALL (drop_queues)
        RETURNING solana._job_notify('succeeded', j.queue, j.id, j.kind, quiet_queues))
    SELECT pg_catalog.count(*) INTO cnt FROM done;
    RETURN cnt + deleted;
END
$$;
REVOKE ALL ON FUNCTION solana._complete_results(bigint[], jsonb[], text) FROM PUBLIC;
COMMENT ON FUNCTION solana._complete_results(bigint[], jsonb[], text) IS
    'helper of solana.complete_batch: the completion with results, one per id';
-- Jobs of a queue with keep_succeeded 0 are deleted by their completion
-- (solana.complete, complete_batch), so webhooks_job (AFTER UPDATE) does
-- not see them: the completion calls this helper instead, with the rows
-- as deleted (still running) and their results, while webhooks_job is
-- enabled.  Each row is given the values the update would have written
-- and goes through solana._webhook_job_fanout: the same deliveries.
CREATE FUNCTION solana._webhook_jobs_deleted(jobs solana.jobs[], results jsonb[])
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    j solana.jobs;
    i integer := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks w
                    WHERE w.enabled AND 'job' = ANY (w.event_types)) THEN
        RETURN;
    END IF;
    FOREACH j IN ARRAY jobs LOOP
        i := i + 1;
        j.state := 'succeeded';
        j.result := results[i];
        j.finished_at := now();
        j.lease_expires_at := NULL;
        PERFORM solana._webhook_job_fanout(j);
    END LOOP;
END
$$;
COMMENT ON FUNCTION solana._webhook_jobs_deleted(solana.jobs[], jsonb[]) IS
    'webhook deliveries for jobs that their completion deleted (keep_succeeded 0), as webhooks_job gives for an update';
REVOKE ALL ON FUNCTION solana._webhook_jobs_deleted(solana.jobs[], jsonb[]) FROM PUBLIC;

-- Job queue (issue 6, session 4): the CHECK of solana.jobs.state calls
-- a C function instead of comparing with an array constant (whose node
-- text each statement writing the table parsed and planned again); the
-- constraint keeps its name, so a bad state still fails with 23514 on
-- "jobs_state_check".
CREATE FUNCTION solana._valid_job_state(state text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'solana_valid_job_state'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana._valid_job_state(text) IS
    'whether a text is a job state: queued, running, succeeded, failed, dead or cancelled (the CHECK of solana.jobs.state)';
REVOKE ALL ON FUNCTION solana._valid_job_state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION solana._valid_job_state(text) TO PUBLIC;

ALTER TABLE solana.jobs DROP CONSTRAINT jobs_state_check,
    ADD CONSTRAINT jobs_state_check CHECK (solana._valid_job_state(state));

-- Job queue (issue 6, sessions 4 and 8): solana.claim, in C
-- (src/pg/queue.c), probes jobs_running_idx for expired leases and runs
-- solana._reap only when there are some, outside its claim statement;
-- a queue with limits goes to solana._claim_limited.
CREATE OR REPLACE FUNCTION solana.claim(queue text, kinds text[] DEFAULT NULL,
                             n integer DEFAULT 1,
                             lease interval DEFAULT '30 seconds',
                             worker text DEFAULT NULL)
RETURNS SETOF solana.jobs
    AS 'MODULE_PATHNAME', 'solana_claim'
    LANGUAGE C VOLATILE ROWS 10;
COMMENT ON FUNCTION solana.claim(text, text[], integer, interval, text) IS
    'lease up to n ready jobs of a queue (optionally only some kinds), highest priority first, with FOR UPDATE SKIP LOCKED';

-- solana._claim_limited is the claim of a queue with a rate limit or
-- per-kind concurrency limits (solana.claim's first statement skips
-- those queues and paused ones).
CREATE FUNCTION solana._claim_limited(queue text, kinds text[], n integer,
                                      lease interval, worker text)
RETURNS SETOF solana.jobs LANGUAGE plpgsql VOLATILE ROWS 10
-- a custom plan per call costs more than the claim itself: the plans
-- below are written to stay index scans when generic
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_variable
DECLARE
    q solana.queues;
    budget integer := n;
    limited text[];
    got integer;
BEGIN
    SELECT * INTO q FROM solana.queues qq WHERE qq.name = queue;
    IF NOT FOUND OR q.paused
       OR (q.rate_limit IS NULL AND q.concurrency = '{}') THEN
        RETURN;
    END IF;

    -- Limits: claims of this queue take turns (a transaction-scoped
    -- advisory lock), so that counts read here stay true until commit.
    -- Each statement below sees the claims committed before the lock.
    PERFORM pg_catalog.pg_advisory_xact_lock(1936682082, pg_catalog.hashtext(queue));
    SELECT * INTO q FROM solana.queues qq WHERE qq.name = queue;
    IF q.paused THEN
        RETURN;
    END IF;
    IF q.rate_limit IS NOT NULL THEN
        IF q.rate_window_start IS NULL
           OR q.rate_window_start + q.rate_interval <= pg_catalog.now() THEN
            q.rate_window_start := pg_catalog.now();
            q.rate_window_claims := 0;
        END IF;
        budget := least(budget, q.rate_limit - q.rate_window_claims);
        IF budget <= 0 THEN
            RETURN;
        END IF;
    END IF;
    SELECT array_agg(k) INTO limited FROM jsonb_object_keys(q.concurrency) AS k;

    RETURN QUERY
    WITH running AS (
        SELECT j.kind, count(*) AS cnt FROM solana.jobs j
         WHERE j.queue = queue AND j.state = 'running'
           AND j.kind = ANY (limited)
         GROUP BY j.kind),
    room AS (
        SELECT c.key AS kind,
               greatest(c.value::text::integer - coalesce(r.cnt, 0), 0) AS allowed
          FROM jsonb_each(q.concurrency) AS c
          LEFT JOIN running r ON r.kind = c.key
         WHERE kinds IS NULL OR c.key = ANY (kinds)),
    free AS (
        -- kinds without a limit
        SELECT j.id, j.priority, j.run_at FROM solana.jobs j
         WHERE j.queue = queue AND j.state = 'queued'
           AND j.run_at <= pg_catalog.now()
           AND (kinds IS NULL OR j.kind = ANY (kinds))
           AND (limited IS NULL OR j.kind <> ALL (limited))
         ORDER BY j.priority DESC, j.run_at, j.id
         LIMIT budget
           FOR UPDATE SKIP LOCKED),
    capped AS (
        -- each limited kind, up to its room
        SELECT l.* FROM room CROSS JOIN LATERAL (
            SELECT j.id, j.priority, j.run_at FROM solana.jobs j
             WHERE j.queue = queue AND j.state = 'queued'
               AND j.run_at <= pg_catalog.now() AND j.kind = room.kind
             ORDER BY j.priority DESC, j.run_at, j.id
             LIMIT least(room.allowed, budget)
               FOR UPDATE SKIP LOCKED) l),
    picked AS (
        -- candidates not picked stay locked, unclaimed, until commit
        SELECT c.id FROM (SELECT * FROM free UNION ALL SELECT * FROM capped) c
         ORDER BY c.priority DESC, c.run_at, c.id
         LIMIT budget),
    claimed AS (
        UPDATE solana.jobs j
           SET state = 'running', attempts = j.attempts + 1,
               lease_owner = worker,
               lease_expires_at = pg_catalog.now() + lease,
               started_at = pg_catalog.now()
         WHERE j.id = ANY (ARRAY(SELECT picked.id FROM picked))
        RETURNING j.*)
    SELECT * FROM claimed c ORDER BY c.priority DESC, c.run_at, c.id;
    GET DIAGNOSTICS got = ROW_COUNT;

    IF q.rate_limit IS NOT NULL THEN
        UPDATE solana.queues qq
           SET rate_window_start = q.rate_window_start,
               rate_window_claims = q.rate_window_claims + got
         WHERE qq.name = queue;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION solana._claim_limited(text, text[], integer, interval, text) FROM PUBLIC;
COMMENT ON FUNCTION solana._claim_limited(text, text[], integer, interval, text) IS
    'helper of solana.claim: the claim of a queue with a rate limit or per-kind concurrency limits';

-- Job queue (issue 6, session 6): the enqueue trigger in C (one NOTIFY
-- per queue with new queued jobs, the dispatchers' wake-up at commit),
-- no longer a PL/pgSQL SECURITY DEFINER function.
CREATE OR REPLACE FUNCTION solana._jobs_enqueued() RETURNS trigger
    AS 'MODULE_PATHNAME', 'solana_jobs_enqueued' LANGUAGE C;

-- Job queue (issue 6, session 7): the enqueue trigger wakes only the
-- dispatchers of this database, and only for jobs of the kinds they run;
-- the hook below is left to the functions that requeue jobs.
COMMENT ON FUNCTION solana._wake_dispatcher(text[]) IS
    'internal: wake the dispatcher workers of this database when the current transaction commits (called by the functions that requeue jobs)';
