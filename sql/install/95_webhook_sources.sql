-- pg_solana install script, part 95: the sources of webhook deliveries
-- (issue 7), after every piece that creates a source table.  Triggers
-- on solana.events, solana.jobs, solana.prices and solana.transactions
-- insert deliveries for the matching webhooks in the writing
-- transaction, so a rolled-back row sends nothing and a committed one is
-- never missed.  Each source is attached only when its table exists;
-- another table can be attached with solana._webhook_attach(table,
-- event_type, id_expression).

-- deliveries for `n` candidate messages (message_id, program, name,
-- payload) of type `t`, for every enabled webhook whose filter matches
CREATE FUNCTION solana._webhook_fanout(t text, msgs jsonb) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, solana
AS $$
    INSERT INTO solana.webhook_deliveries (webhook_id, message_id, event_type, payload)
    SELECT w.id, m->>'id', t, m->'payload'
      FROM jsonb_array_elements(msgs) m
      JOIN solana.webhooks w
        ON w.enabled AND t = ANY (w.event_types)
       AND (w.program_ids IS NULL OR (m->>'program')::solana.pubkey = ANY (w.program_ids))
       AND (w.event_names IS NULL OR m->>'name' = ANY (w.event_names))
       AND (w.payload_filter IS NULL OR m->'payload' @> w.payload_filter)
    ON CONFLICT DO NOTHING
$$;
COMMENT ON FUNCTION solana._webhook_fanout(text, jsonb) IS
    'insert deliveries of messages [{id, program, name, payload}] of one type for every matching enabled webhook';
REVOKE ALL ON FUNCTION solana._webhook_fanout(text, jsonb) FROM PUBLIC;

-- solana.events: one message per event, id evt_<signature>_<log_index>
CREATE FUNCTION solana._webhook_from_events() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND 'event' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    PERFORM solana._webhook_fanout('event', (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', 'evt_' || e.signature::text || '_' || e.log_index,
                   'program', e.program_id::text,
                   'name', e.event_name,
                   'payload', jsonb_build_object(
                       'type', 'event',
                       'program', e.program_id::text,
                       'signature', e.signature::text,
                       'slot', e.slot,
                       'log_index', e.log_index,
                       'block_time', e.block_time,
                       'commitment', e.commitment,
                       'tx_failed', e.tx_failed,
                       'event', jsonb_build_object('name', e.event_name, 'data', e.data),
                       'raw', encode(e.raw, 'base64')))
                   ORDER BY e.slot, e.signature, e.log_index)
          FROM new_rows e))
     WHERE EXISTS (SELECT 1 FROM new_rows);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_events() IS
    'trigger: webhook deliveries for newly inserted solana.events rows';
REVOKE ALL ON FUNCTION solana._webhook_from_events() FROM PUBLIC;

-- solana.jobs: one message when a job finishes (succeeded, dead,
-- cancelled), id job_<id>_<state>.  A row trigger whose WHEN clause
-- passes only rows that just reached one of those states: claims and
-- retries never call it (a statement trigger with transition tables
-- cost every claim and complete ~50 us, docs/benchmarks.md).  The
-- trigger is enabled only while an enabled job webhook exists
-- (solana._sync_job_webhooks below): without one, a finishing job pays
-- no trigger call at all (the call and its look at solana.webhooks were
-- ~8% of a job's server CPU).  The trigger function is SECURITY DEFINER
-- to see every role's webhooks past row security; the message is built
-- by the helper, which runs only when a job webhook exists.
CREATE FUNCTION solana._webhook_job_fanout(j solana.jobs) RETURNS void
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

CREATE FUNCTION solana._webhook_from_jobs() RETURNS trigger
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

-- solana._sync_job_webhooks, a statement trigger on solana.webhooks,
-- enables webhooks_job on solana.jobs when the first enabled job webhook
-- appears and disables it when the last one goes (ALTER TABLE ... ENABLE
-- / DISABLE TRIGGER: it waits for the queue transactions in flight on
-- solana.jobs and holds new ones back until the change commits; only a
-- change of the answer does that).  Changes take turns on an advisory
-- lock, and each reads the webhooks and the trigger's state committed
-- before it (READ COMMITTED: a new snapshot per statement).
CREATE FUNCTION solana._sync_job_webhooks() RETURNS trigger
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

-- any other table: payload {"type": t, "row": to_jsonb(row)}, id
-- <t>_<id_expression evaluated on the row>
CREATE FUNCTION solana._webhook_from_rows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    t text := TG_ARGV[0];
    id_expr text := TG_ARGV[1];
    msgs jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND t = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        SELECT jsonb_agg(jsonb_build_object('id', %L || '_' || (%s)::text,
                                            'payload', jsonb_build_object('type', %L, 'row', to_jsonb(r))))
          FROM new_rows r$q$, t, id_expr, t)
       INTO msgs;
    IF msgs IS NOT NULL THEN
        PERFORM solana._webhook_fanout(t, msgs);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_rows() IS
    'trigger: webhook deliveries for inserted rows of a table attached with solana._webhook_attach';
REVOKE ALL ON FUNCTION solana._webhook_from_rows() FROM PUBLIC;

CREATE FUNCTION solana._webhook_attach(source regclass, event_type text, id_expression text)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_rows(%L, %L)',
                   'webhooks_' || event_type, source, event_type, id_expression);
END
$$;
COMMENT ON FUNCTION solana._webhook_attach(regclass, text, text) IS
    'make inserts into a table produce webhook messages of a type, with message ids <type>_<id_expression on r>';
REVOKE ALL ON FUNCTION solana._webhook_attach(regclass, text, text) FROM PUBLIC;

-- solana.prices: one message per published price (insert or update),
-- id price_<feed>_<published_at in microseconds>
CREATE FUNCTION solana._webhook_from_prices() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND 'price' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    PERFORM solana._webhook_fanout('price', (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', 'price_' || regexp_replace(p.feed, '[^!-~]', '_', 'g') || '_'
                         || (extract(epoch FROM p.published_at) * 1000000)::bigint,
                   'name', p.feed,
                   'payload', jsonb_build_object('type', 'price') || to_jsonb(p))
                   ORDER BY p.feed)
          FROM new_rows p))
     WHERE EXISTS (SELECT 1 FROM new_rows);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_prices() IS
    'trigger: webhook deliveries for published prices';
REVOKE ALL ON FUNCTION solana._webhook_from_prices() FROM PUBLIC;

-- solana.transactions: one message when a transaction reaches a final
-- state (confirmed, finalized, failed, expired), id tx_<id>_<state>
CREATE FUNCTION solana._webhook_from_transactions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.webhooks WHERE enabled AND 'transaction' = ANY (event_types)) THEN
        RETURN NULL;
    END IF;
    PERFORM solana._webhook_fanout('transaction', (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', 'tx_' || t.id || '_' || t.state,
                   'payload', jsonb_build_object(
                       'type', 'transaction', 'id', t.id, 'batch_id', t.batch_id,
                       'state', t.state, 'signature', t.signature::text, 'slot', t.slot,
                       'fee', t.fee, 'error', t.error))
                   ORDER BY t.id)
          FROM new_rows t JOIN old_rows o ON o.id = t.id
         WHERE t.state IN ('confirmed', 'finalized', 'failed', 'expired')
           AND o.state IS DISTINCT FROM t.state))
     WHERE EXISTS (SELECT 1 FROM new_rows);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION solana._webhook_from_transactions() IS
    'trigger: webhook deliveries for transactions that reached a final state';
REVOKE ALL ON FUNCTION solana._webhook_from_transactions() FROM PUBLIC;

DO $attach$
BEGIN
    IF to_regclass('solana.events') IS NOT NULL THEN
        CREATE TRIGGER webhooks_event AFTER INSERT ON solana.events
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_events();
    END IF;
    IF to_regclass('solana.jobs') IS NOT NULL THEN
        CREATE TRIGGER webhooks_job AFTER UPDATE OF state ON solana.jobs
            FOR EACH ROW
            WHEN (NEW.state IN ('succeeded', 'dead', 'cancelled')
                  AND OLD.state IS DISTINCT FROM NEW.state)
            EXECUTE FUNCTION solana._webhook_from_jobs();
        -- no job webhook yet: see solana._sync_job_webhooks
        ALTER TABLE solana.jobs DISABLE TRIGGER webhooks_job;
        CREATE TRIGGER webhooks_sync_job
            AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF enabled, event_types
            ON solana.webhooks
            FOR EACH STATEMENT EXECUTE FUNCTION solana._sync_job_webhooks();
    END IF;
    IF to_regclass('solana.prices') IS NOT NULL THEN
        CREATE TRIGGER webhooks_price_insert AFTER INSERT ON solana.prices
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_prices();
        CREATE TRIGGER webhooks_price_update AFTER UPDATE ON solana.prices
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_prices();
    END IF;
    IF to_regclass('solana.transactions') IS NOT NULL THEN
        CREATE TRIGGER webhooks_transaction AFTER UPDATE ON solana.transactions
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION solana._webhook_from_transactions();
    END IF;
END
$attach$;
