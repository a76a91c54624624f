-- pg_solana install script, part 30: the job queue.
--
-- A *job* is one row of solana.jobs: a unit of work of some *kind* in a
-- named *queue*.  Producers call solana.enqueue; workers (the built-in
-- dispatcher, or any application speaking SQL) call solana.claim, which
-- takes a *lease* on up to n jobs with FOR UPDATE SKIP LOCKED, then
-- solana.complete or solana.fail each one.  A job whose lease expires
-- goes back to the queue; the attempt it used still counts.
--
-- States: queued (waiting; run_at says from when), running (leased),
-- succeeded, failed (given up by the worker, no retry), dead (out of
-- attempts: the dead-letter state), cancelled.  Only queued and running
-- are live; the others are terminal and subject to retention.
--
-- Functions schema-qualify everything they touch instead of a SET
-- search_path clause: claim, complete and enqueue are hot paths and a
-- SET clause costs a GUC save and restore per call.
--
-- NOTIFY channel solana_jobs, JSON payloads:
--   {"op":"enqueued","queue":q}     once per transaction and queue
--   {"op":"succeeded"|"failed"|"dead"|"cancelled","queue":q,"id":n,"kind":k}

-- concurrency is {"kind": max running jobs, ...}
CREATE FUNCTION solana._valid_concurrency(c jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.jsonb_typeof(c) = 'object'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_each(c) AS e
                        WHERE pg_catalog.jsonb_typeof(e.value) <> 'number'
                           OR e.value::text !~ '^[0-9]{1,9}$')
$$;
REVOKE ALL ON FUNCTION solana._valid_concurrency(jsonb) FROM PUBLIC;

CREATE TABLE solana.queues (
    name                text PRIMARY KEY
                        CHECK (name <> '' AND length(name) <= 200),
    max_attempts        integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    backoff_base        interval NOT NULL DEFAULT '1 second'
                        CHECK (backoff_base >= '0'),
    backoff_cap         interval NOT NULL DEFAULT '1 hour'
                        CHECK (backoff_cap >= '0'),
    backoff_jitter      double precision NOT NULL DEFAULT 0.1
                        CHECK (backoff_jitter BETWEEN 0 AND 1),
    keep_succeeded      integer CHECK (keep_succeeded >= 0),
    keep_succeeded_for  interval DEFAULT '1 day',
    keep_failed         integer CHECK (keep_failed >= 0),
    keep_failed_for     interval DEFAULT '7 days',
    rate_limit          integer CHECK (rate_limit >= 1),
    rate_interval       interval NOT NULL DEFAULT '1 second'
                        CHECK (rate_interval > '0'),
    concurrency         jsonb NOT NULL DEFAULT '{}'
                        CHECK (solana._valid_concurrency(concurrency)),
    paused              boolean NOT NULL DEFAULT false,
    notify              boolean NOT NULL DEFAULT true,
    rate_window_start   timestamptz,
    rate_window_claims  integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE solana.queues IS
    'job queues and their defaults: attempts, backoff, retention, rate limit, per-kind concurrency, pause';
COMMENT ON COLUMN solana.queues.max_attempts IS 'default attempts per job, the first included';
COMMENT ON COLUMN solana.queues.backoff_base IS 'delay after the first failed attempt; doubles per attempt';
COMMENT ON COLUMN solana.queues.backoff_cap IS 'longest delay between attempts';
COMMENT ON COLUMN solana.queues.backoff_jitter IS 'fraction 0..1: each delay is shortened by a random part up to this fraction';
COMMENT ON COLUMN solana.queues.keep_succeeded IS 'solana.purge_jobs keeps at most this many succeeded jobs (NULL: no count limit)';
COMMENT ON COLUMN solana.queues.keep_succeeded_for IS 'solana.purge_jobs deletes succeeded jobs finished longer ago (NULL: no age limit)';
COMMENT ON COLUMN solana.queues.keep_failed IS 'solana.purge_jobs keeps at most this many failed, dead and cancelled jobs';
COMMENT ON COLUMN solana.queues.keep_failed_for IS 'solana.purge_jobs deletes failed, dead and cancelled jobs finished longer ago';
COMMENT ON COLUMN solana.queues.rate_limit IS 'at most this many claims per rate_interval (NULL: unlimited)';
COMMENT ON COLUMN solana.queues.rate_interval IS 'the window of rate_limit';
COMMENT ON COLUMN solana.queues.concurrency IS 'per-kind limit of running jobs, {"kind": n}';
COMMENT ON COLUMN solana.queues.paused IS 'solana.claim hands out nothing while true';
COMMENT ON COLUMN solana.queues.notify IS 'announce finished jobs on channel solana_jobs';
COMMENT ON COLUMN solana.queues.rate_window_start IS 'internal: start of the current rate window';
COMMENT ON COLUMN solana.queues.rate_window_claims IS 'internal: claims in the current rate window';

-- The CHECK of solana.jobs.state, in C: written in SQL (state IN
-- ('queued', ...)) it was an array constant whose node text every
-- statement writing the table parsed and planned again (ExecRelCheck
-- runs at each statement's first row): ~5% of a claim-and-complete's
-- server CPU.  A call of this function is a few tokens.  Executable by
-- PUBLIC: the constraint runs it as whoever writes the table.
CREATE FUNCTION solana._valid_job_state(state text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'solana_valid_job_state'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana._valid_job_state(text) IS
    'whether a text is a job state: queued, running, succeeded, failed, dead or cancelled (the CHECK of solana.jobs.state)';
REVOKE ALL ON FUNCTION solana._valid_job_state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION solana._valid_job_state(text) TO PUBLIC;

CREATE TABLE solana.jobs (
    id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    queue               text NOT NULL,
    kind                text NOT NULL,
    payload             jsonb NOT NULL DEFAULT '{}',
    priority            integer NOT NULL DEFAULT 0,
    run_at              timestamptz NOT NULL DEFAULT now(),
    state               text NOT NULL DEFAULT 'queued'
                        CONSTRAINT jobs_state_check
                        CHECK (solana._valid_job_state(state)),
    attempts            integer NOT NULL DEFAULT 0,
    max_attempts        integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    backoff_base        interval NOT NULL DEFAULT '1 second',
    backoff_cap         interval NOT NULL DEFAULT '1 hour',
    backoff_jitter      double precision NOT NULL DEFAULT 0.1,
    lease_owner         text,
    lease_expires_at    timestamptz,
    last_error          text,
    result              jsonb,
    dedup_key           text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz
);
COMMENT ON TABLE solana.jobs IS
    'the job queue: one row per job, claimed with solana.claim (FOR UPDATE SKIP LOCKED)';
COMMENT ON COLUMN solana.jobs.priority IS 'higher runs first';
COMMENT ON COLUMN solana.jobs.run_at IS 'not claimed before this time (delays and retry backoff)';
COMMENT ON COLUMN solana.jobs.state IS 'queued, running, succeeded, failed, dead (out of attempts) or cancelled';
COMMENT ON COLUMN solana.jobs.attempts IS 'claims so far, expired leases included';
COMMENT ON COLUMN solana.jobs.lease_owner IS 'the worker name given to solana.claim';
COMMENT ON COLUMN solana.jobs.lease_expires_at IS 'a running job whose lease is past this time goes back to the queue';
COMMENT ON COLUMN solana.jobs.dedup_key IS 'at most one queued or running job per queue and key';

-- the claim scan: queued jobs of a queue in claim order
CREATE INDEX jobs_claim_idx ON solana.jobs (queue, priority DESC, run_at, id)
    WHERE state = 'queued';
-- lease expiry and per-kind running counts
CREATE INDEX jobs_running_idx ON solana.jobs (queue, lease_expires_at)
    WHERE state = 'running';
-- retention and the dead-letter list
CREATE INDEX jobs_finished_idx ON solana.jobs (queue, state, finished_at)
    WHERE state IN ('succeeded', 'failed', 'dead', 'cancelled');
CREATE UNIQUE INDEX jobs_dedup_idx ON solana.jobs (queue, dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');

-- ---------------------------------------------------------------------
-- Wake-up and NOTIFY
-- ---------------------------------------------------------------------

CREATE FUNCTION solana._wake_dispatcher(queues text[]) RETURNS void
LANGUAGE sql VOLATILE AS $$ SELECT $$;
COMMENT ON FUNCTION solana._wake_dispatcher(text[]) IS
    'internal hook called once per statement that enqueues jobs; the dispatcher replaces it to set its latch at commit';
REVOKE ALL ON FUNCTION solana._wake_dispatcher(text[]) FROM PUBLIC;

-- Statement-level, so one NOTIFY per statement and queue; PostgreSQL
-- folds identical payloads of one transaction, so listeners get one
-- message per transaction and queue, delivered at commit.  In C
-- (src/pg/queue.c): it runs for every enqueue, and reads only the
-- transition table, so it needs no privilege.
CREATE FUNCTION solana._jobs_enqueued() RETURNS trigger
    AS 'MODULE_PATHNAME', 'solana_jobs_enqueued' LANGUAGE C;
REVOKE ALL ON FUNCTION solana._jobs_enqueued() FROM PUBLIC;
CREATE TRIGGER jobs_enqueued AFTER INSERT ON solana.jobs
    REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION solana._jobs_enqueued();

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

CREATE FUNCTION solana._announce(j_id bigint, j_queue text, j_kind text, op text)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF (SELECT q.notify FROM solana.queues q WHERE q.name = j_queue) IS FALSE THEN
        RETURN false;
    END IF;
    PERFORM pg_catalog.pg_notify('solana_jobs', solana._job_event(op, j_queue, j_id, j_kind));
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION solana._announce(bigint, text, text, text) FROM PUBLIC;

-- ---------------------------------------------------------------------
-- Producers
-- ---------------------------------------------------------------------

-- solana._queue returns the queue's row, creating it with the defaults
-- on first use.
CREATE FUNCTION solana._queue(q text) RETURNS solana.queues
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r solana.queues;
BEGIN
    SELECT * INTO r FROM solana.queues WHERE name = q;
    IF NOT FOUND THEN
        IF q IS NULL THEN
            RAISE EXCEPTION 'queue name is null'
                USING ERRCODE = '22004';
        END IF;
        IF q = '' THEN
            RAISE EXCEPTION 'invalid queue name: "%"', q
                USING ERRCODE = '22023',
                      DETAIL = 'A queue name is a non-empty text of at most 200 characters.';
        END IF;
        INSERT INTO solana.queues (name) VALUES (q) ON CONFLICT DO NOTHING;
        SELECT * INTO r FROM solana.queues WHERE name = q;
    END IF;
    RETURN r;
END
$$;
REVOKE ALL ON FUNCTION solana._queue(text) FROM PUBLIC;

CREATE FUNCTION solana._start_time(run_at timestamptz, delay interval)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF run_at IS NOT NULL AND delay IS NOT NULL THEN
        RAISE EXCEPTION 'run_at and delay given together'
            USING ERRCODE = '22023',
                  HINT = 'Give either run_at or delay.';
    END IF;
    IF delay < interval '0' THEN
        RAISE EXCEPTION 'invalid delay: "%"', delay
            USING ERRCODE = '22023', DETAIL = 'A delay must not be negative.';
    END IF;
    RETURN coalesce(run_at, pg_catalog.now() + delay, pg_catalog.now());
END
$$;
REVOKE ALL ON FUNCTION solana._start_time(timestamptz, interval) FROM PUBLIC;

CREATE FUNCTION solana._check_job_args(kind text, max_attempts integer)
RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF kind IS NULL THEN
        RAISE EXCEPTION 'job kind is null' USING ERRCODE = '22004';
    END IF;
    IF kind = '' THEN
        RAISE EXCEPTION 'invalid job kind: "%"', kind
            USING ERRCODE = '22023', DETAIL = 'A job kind is a non-empty text.';
    END IF;
    IF max_attempts < 1 THEN
        RAISE EXCEPTION 'invalid max_attempts: %', max_attempts
            USING ERRCODE = '22023', DETAIL = 'A job gets at least one attempt.';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION solana._check_job_args(text, integer) FROM PUBLIC;

CREATE FUNCTION solana.enqueue(queue text, kind text, payload jsonb DEFAULT '{}',
                               priority integer DEFAULT 0,
                               run_at timestamptz DEFAULT NULL,
                               delay interval DEFAULT NULL,
                               max_attempts integer DEFAULT NULL,
                               dedup_key text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
-- use_column: ON CONFLICT's index predicate names columns, not these
-- parameters, which are written enqueue.<name> wherever a column of
-- jobs is in scope
#variable_conflict use_column
DECLARE
    q solana.queues;
    v_id bigint;
    v_start timestamptz;
BEGIN
    -- the helpers run only when needed: this is a hot path
    SELECT * INTO q FROM solana.queues qq WHERE qq.name = enqueue.queue;
    IF NOT FOUND THEN
        q := solana._queue(enqueue.queue);
    END IF;
    IF enqueue.kind IS NULL OR enqueue.kind = '' OR enqueue.max_attempts < 1 THEN
        PERFORM solana._check_job_args(enqueue.kind, enqueue.max_attempts);
    END IF;
    IF enqueue.run_at IS NULL AND enqueue.delay IS NULL THEN
        v_start := pg_catalog.now();
    ELSE
        v_start := solana._start_time(enqueue.run_at, enqueue.delay);
    END IF;
    IF enqueue.dedup_key IS NULL THEN
        INSERT INTO solana.jobs AS j (queue, kind, payload, priority, run_at,
                                      max_attempts, backoff_base, backoff_cap,
                                      backoff_jitter)
        VALUES (enqueue.queue, enqueue.kind, coalesce(enqueue.payload, '{}'),
                coalesce(enqueue.priority, 0), v_start,
                coalesce(enqueue.max_attempts, q.max_attempts),
                q.backoff_base, q.backoff_cap, q.backoff_jitter)
        RETURNING j.id INTO v_id;
        RETURN v_id;
    END IF;
    -- the existing job may finish between the two statements: loop
    LOOP
        INSERT INTO solana.jobs AS j (queue, kind, payload, priority, run_at,
                                      max_attempts, backoff_base, backoff_cap,
                                      backoff_jitter, dedup_key)
        VALUES (enqueue.queue, enqueue.kind, coalesce(enqueue.payload, '{}'),
                coalesce(enqueue.priority, 0), v_start,
                coalesce(enqueue.max_attempts, q.max_attempts),
                q.backoff_base, q.backoff_cap, q.backoff_jitter, enqueue.dedup_key)
        ON CONFLICT (queue, dedup_key)
           WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running')
        DO NOTHING
        RETURNING j.id INTO v_id;
        IF v_id IS NOT NULL THEN
            RETURN v_id;
        END IF;
        SELECT j.id INTO v_id FROM solana.jobs j
         WHERE j.queue = enqueue.queue AND j.dedup_key = enqueue.dedup_key
           AND j.state IN ('queued', 'running');
        IF v_id IS NOT NULL THEN
            RETURN v_id;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION solana.enqueue(text, text, jsonb, integer, timestamptz, interval, integer, text) IS
    'add a job; returns its id, or the id of the queued or running job with the same dedup_key';

CREATE FUNCTION solana.enqueue_batch(queue text, kind text, payloads jsonb[],
                                     priority integer DEFAULT 0,
                                     run_at timestamptz DEFAULT NULL,
                                     delay interval DEFAULT NULL,
                                     max_attempts integer DEFAULT NULL,
                                     dedup_keys text[] DEFAULT NULL)
RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE AS $$
-- use_column: see solana.enqueue
#variable_conflict use_column
DECLARE
    q solana.queues;
    v_start timestamptz;
    v_ids bigint[];
    n integer := coalesce(cardinality(enqueue_batch.payloads), 0);
BEGIN
    q := solana._queue(enqueue_batch.queue);
    PERFORM solana._check_job_args(enqueue_batch.kind, enqueue_batch.max_attempts);
    v_start := solana._start_time(enqueue_batch.run_at, enqueue_batch.delay);
    IF enqueue_batch.dedup_keys IS NOT NULL
       AND cardinality(enqueue_batch.dedup_keys) <> n THEN
        RAISE EXCEPTION 'dedup_keys has % elements, payloads %',
                        cardinality(enqueue_batch.dedup_keys), n
            USING ERRCODE = '22023',
                  DETAIL = 'dedup_keys, when given, pairs one key (or NULL) with each payload.';
    END IF;
    IF n = 0 THEN
        RETURN;
    END IF;
    -- ids are drawn first so that the result follows the input order
    SELECT array_agg(nextval('solana.jobs_id_seq'::regclass))
      INTO v_ids FROM generate_series(1, n);
    IF enqueue_batch.dedup_keys IS NULL THEN
        INSERT INTO solana.jobs (id, queue, kind, payload, priority, run_at,
                                 max_attempts, backoff_base, backoff_cap,
                                 backoff_jitter)
        SELECT u.id, enqueue_batch.queue, enqueue_batch.kind,
               coalesce(u.p, '{}'), coalesce(enqueue_batch.priority, 0), v_start,
               coalesce(enqueue_batch.max_attempts, q.max_attempts),
               q.backoff_base, q.backoff_cap, q.backoff_jitter
          FROM unnest(v_ids, enqueue_batch.payloads) AS u(id, p);
        RETURN QUERY SELECT unnest(v_ids);
        RETURN;
    END IF;
    INSERT INTO solana.jobs (id, queue, kind, payload, priority, run_at,
                             max_attempts, backoff_base, backoff_cap,
                             backoff_jitter, dedup_key)
    SELECT u.id, enqueue_batch.queue, enqueue_batch.kind,
           coalesce(u.p, '{}'), coalesce(enqueue_batch.priority, 0), v_start,
           coalesce(enqueue_batch.max_attempts, q.max_attempts),
           q.backoff_base, q.backoff_cap, q.backoff_jitter, u.k
      FROM unnest(v_ids, enqueue_batch.payloads, enqueue_batch.dedup_keys)
           WITH ORDINALITY AS u(id, p, k, ord)
     ORDER BY u.ord
    ON CONFLICT (queue, dedup_key)
       WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running')
    DO NOTHING;
    RETURN QUERY
        SELECT coalesce((SELECT j.id FROM solana.jobs j WHERE j.id = u.id),
                        (SELECT j.id FROM solana.jobs j
                          WHERE j.queue = enqueue_batch.queue AND j.dedup_key = u.k
                            AND j.state IN ('queued', 'running')))
          FROM unnest(v_ids, enqueue_batch.dedup_keys) WITH ORDINALITY AS u(id, k, ord)
         ORDER BY u.ord;
END
$$;
COMMENT ON FUNCTION solana.enqueue_batch(text, text, jsonb[], integer, timestamptz, interval, integer, text[]) IS
    'add one job per payload in one statement; returns the ids in input order (existing ids for duplicate dedup keys)';

-- ---------------------------------------------------------------------
-- Workers
-- ---------------------------------------------------------------------

-- solana.claim, solana.complete_batch and solana.complete_and_claim are
-- the worker's hot path, in C (src/pg/queue.c): each runs its common
-- case as statements prepared once per backend as generic plans (as
-- PL/pgSQL functions running the same statements they made a batch-10
-- job cost 45.3 us of server CPU, against 41.8 in C: docs/benchmarks.md,
-- queue, session 8).
-- The claim first probes jobs_running_idx for expired leases and runs
-- solana._reap only when there is one; then one statement, one scan of
-- jobs_claim_idx, leases the ready jobs unless the queue is paused or
-- has limits; a queue with limits goes to solana._claim_limited.
CREATE FUNCTION solana.claim(queue text, kinds text[] DEFAULT NULL,
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

-- solana._reap returns the jobs of a queue whose lease expired to the
-- queue, or to dead when they have used all their attempts.
CREATE FUNCTION solana._reap(q text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cnt integer;
BEGIN
    WITH expired AS (
        SELECT j.id FROM solana.jobs j
         WHERE j.queue = q AND j.state = 'running'
           AND j.lease_expires_at < pg_catalog.now()
         ORDER BY j.lease_expires_at
         LIMIT 1000
           FOR UPDATE SKIP LOCKED),
    moved AS (
        UPDATE solana.jobs j
           SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'dead'
                            ELSE 'queued' END,
               finished_at = CASE WHEN j.attempts >= j.max_attempts
                                  THEN pg_catalog.now() END,
               run_at = pg_catalog.now(),
               last_error = 'lease expired (worker ' || coalesce(j.lease_owner, 'unnamed')
                            || ', attempt ' || j.attempts || ')',
               lease_expires_at = NULL
          FROM expired WHERE j.id = expired.id
        RETURNING j.id, j.queue, j.kind, j.state)
    SELECT count(CASE WHEN m.state = 'dead'
                      THEN solana._announce(m.id, m.queue, m.kind, 'dead')
                      ELSE true END)
      INTO cnt FROM moved m;
    RETURN cnt;
END
$$;
REVOKE ALL ON FUNCTION solana._reap(text) FROM PUBLIC;

-- A worker that passes its name (the worker given to solana.claim) to
-- complete, fail and heartbeat acts only on a job it still holds: when
-- its lease expired and another worker claimed the job since, the call
-- raises 55000 instead of touching the row.  Without a name the old
-- behaviour stays: any running job.  An expired lease nobody took over
-- yet still belongs to its holder.
--
-- Completion by delete: a job of a queue whose keep_succeeded is 0 (keep
-- no succeeded job, as Bull's removeOnComplete: true) is deleted by its
-- completion instead of being rewritten as succeeded (no new row
-- version, no index insertions); the NOTIFY, the job-webhook deliveries
-- and the value returned are those of the update.  Each call first
-- reads the names of such queues (one look at solana.queues): without
-- any, the plain update runs as before; with some, a DELETE of the jobs
-- of those queues runs first, and the UPDATE, restricted to the other
-- queues, only for the jobs it did not take.  A job is handled by the
-- one statement its queue selects (both use the same list), never by
-- both.  The webhook trigger fires on UPDATE only: while it is enabled
-- (an enabled job webhook exists) the DELETE collects the rows and
-- hands them to solana._webhook_jobs_deleted.
--
-- The queue test of the DELETE is written `(...) IS TRUE` so that it is
-- no index condition: as `j.queue = ANY (drop_queues)` the plan scanned
-- jobs_running_idx by queue and the drain ran ~15% slower than with the
-- update's plan (jobs_running_idx without an index condition, filtered
-- by id; that scan also marks the dead entries of finished jobs, which
-- keeps the claim's expired-lease probe of the index short: a lookup by
-- id through the primary key made the one-call modes 15-23% slower).
CREATE FUNCTION solana.complete(id bigint, result jsonb DEFAULT NULL,
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
-- (solana._job_notify, inlined): a nested call of solana._announce per
-- job (a PL/pgSQL call and its own query on solana.queues) was ~10% of
-- a batch's server CPU.  The queues that keep no succeeded job and
-- those that send no NOTIFY are read once per call, one scan of
-- solana.queues: a join of the queue's row per finished job cost ~6% of
-- a batch-10 job's server CPU.  Jobs of queues with keep_succeeded 0
-- are deleted, as in solana.complete.  In C (src/pg/queue.c, with
-- solana.claim); a completion with results, paired with the ids, runs
-- solana._complete_results.
CREATE FUNCTION solana.complete_batch(ids bigint[], results jsonb[] DEFAULT NULL,
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

-- solana._lease_lost explains why a complete, fail or heartbeat found
-- no running job to act on: 22023 when the job does not exist, 55000
-- when `worker` is given and another worker has claimed the job since
-- (it runs or ran under another lease_owner).  A job still last held
-- by `worker` (lease reaped but not claimed again, already finished or
-- requeued by it) or cancelled gets the plain false / NULL answer.
CREATE FUNCTION solana._lease_lost(job_id bigint, worker text) RETURNS void
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

-- solana.complete_and_claim is a worker loop's one round trip per turn:
-- it completes the jobs just done (as solana.complete_batch: results
-- paired with ids, worker checked as there) and claims the next ones
-- (as solana.claim), in one call and one transaction.  A failed job still
-- goes through solana.fail; pass done => '{}' after it.  In C
-- (src/pg/queue.c): the same code as those two functions.
CREATE FUNCTION solana.complete_and_claim(queue text, done bigint[],
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

CREATE FUNCTION solana._require_job(job_id bigint) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM solana.jobs j WHERE j.id = job_id) THEN
        RAISE EXCEPTION 'job % does not exist', coalesce(job_id::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION solana._require_job(bigint) FROM PUBLIC;

-- solana.backoff is the delay before the next attempt after `attempts`
-- failed ones: base * 2^(attempts-1), at most cap, shortened by a
-- random part of at most `jitter` of itself.
CREATE FUNCTION solana.backoff(attempts integer, base interval, cap interval,
                               jitter double precision DEFAULT 0)
RETURNS interval LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT pg_catalog.make_interval(secs =>
        least(extract(epoch FROM cap)::double precision,
              extract(epoch FROM base)::double precision
                * pg_catalog.power(2::double precision,
                                   least(greatest(attempts - 1, 0), 60)))
        * (1 - least(greatest(jitter, 0), 1) * pg_catalog.random()))
$$;
COMMENT ON FUNCTION solana.backoff(integer, interval, interval, double precision) IS
    'retry delay after the given number of failed attempts: base * 2^(attempts-1), capped, minus up to jitter of itself';

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

-- solana.release gives claimed jobs back without using an attempt: a
-- worker shutting down returns what it has not finished (the built-in
-- dispatcher does on SIGTERM) instead of leaving it until the lease
-- expires.  The jobs keep their place (run_at, priority).
CREATE FUNCTION solana.release(ids bigint[], worker text DEFAULT NULL)
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

CREATE FUNCTION solana.cancel(id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    v_queue text;
    v_kind text;
BEGIN
    UPDATE solana.jobs j
       SET state = 'cancelled', finished_at = pg_catalog.now(),
           lease_expires_at = NULL
     WHERE j.id = id AND j.state IN ('queued', 'running')
    RETURNING j.queue, j.kind INTO v_queue, v_kind;
    IF NOT FOUND THEN
        PERFORM solana._require_job(id);
        RETURN false;
    END IF;
    PERFORM solana._announce(id, v_queue, v_kind, 'cancelled');
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana.cancel(bigint) IS
    'cancel a queued or running job (a running job''s later complete or fail returns false/NULL); false when already finished';

CREATE FUNCTION solana.retry_job(id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    v_queue text;
BEGIN
    UPDATE solana.jobs j
       SET state = 'queued', attempts = 0, run_at = pg_catalog.now(),
           finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL
     WHERE j.id = id AND j.state IN ('dead', 'failed', 'cancelled')
    RETURNING j.queue INTO v_queue;
    IF NOT FOUND THEN
        PERFORM solana._require_job(id);
        RETURN false;
    END IF;
    PERFORM pg_catalog.pg_notify('solana_jobs',
        pg_catalog.json_build_object('op', 'enqueued', 'queue', v_queue)::text);
    PERFORM solana._wake_dispatcher(ARRAY[v_queue]);
    RETURN true;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'cannot retry job %: another job with its dedup_key is queued or running', id
        USING ERRCODE = '23505';
END
$$;
COMMENT ON FUNCTION solana.retry_job(bigint) IS
    'put a dead, failed or cancelled job back in its queue with a fresh set of attempts';

CREATE FUNCTION solana.retry_dead(queue text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    cnt integer;
BEGIN
    UPDATE solana.jobs j
       SET state = 'queued', attempts = 0, run_at = pg_catalog.now(),
           finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL
     WHERE j.queue = queue AND j.state = 'dead'
       AND (j.dedup_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM solana.jobs o
             WHERE o.queue = j.queue AND o.dedup_key = j.dedup_key
               AND o.state IN ('queued', 'running')));
    GET DIAGNOSTICS cnt = ROW_COUNT;
    IF cnt > 0 THEN
        PERFORM pg_catalog.pg_notify('solana_jobs',
            pg_catalog.json_build_object('op', 'enqueued', 'queue', queue)::text);
        PERFORM solana._wake_dispatcher(ARRAY[queue]);
    END IF;
    RETURN cnt;
END
$$;
COMMENT ON FUNCTION solana.retry_dead(text) IS
    'put every dead job of a queue back with fresh attempts (except those whose dedup_key is live again); returns the count';

CREATE FUNCTION solana.pause(queue text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT solana._queue(queue);
    UPDATE solana.queues SET paused = true WHERE name = queue;
$$;
COMMENT ON FUNCTION solana.pause(text) IS 'stop handing out jobs of a queue (running ones go on)';

CREATE FUNCTION solana.resume(queue text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
BEGIN
    UPDATE solana.queues q SET paused = false WHERE q.name = queue AND q.paused;
    IF FOUND THEN
        PERFORM pg_catalog.pg_notify('solana_jobs',
            pg_catalog.json_build_object('op', 'enqueued', 'queue', queue)::text);
        PERFORM solana._wake_dispatcher(ARRAY[queue]);
    END IF;
END
$$;
COMMENT ON FUNCTION solana.resume(text) IS 'hand out jobs of a paused queue again';

-- ---------------------------------------------------------------------
-- Retention and metrics
-- ---------------------------------------------------------------------

CREATE FUNCTION solana.purge_jobs(queue text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    q solana.queues;
    total bigint := 0;
    cnt bigint;
BEGIN
    FOR q IN SELECT * FROM solana.queues qq
              WHERE queue IS NULL OR qq.name = queue ORDER BY qq.name LOOP
        PERFORM solana._reap(q.name);
        DELETE FROM solana.jobs j
         WHERE j.queue = q.name AND j.state = 'succeeded'
           AND (j.finished_at < pg_catalog.now() - q.keep_succeeded_for
                OR j.id IN (SELECT o.id FROM solana.jobs o
                             WHERE o.queue = q.name AND o.state = 'succeeded'
                             ORDER BY o.finished_at DESC, o.id DESC
                            OFFSET q.keep_succeeded)
                   AND q.keep_succeeded IS NOT NULL);
        GET DIAGNOSTICS cnt = ROW_COUNT;
        total := total + cnt;
        DELETE FROM solana.jobs j
         WHERE j.queue = q.name AND j.state IN ('failed', 'dead', 'cancelled')
           AND (j.finished_at < pg_catalog.now() - q.keep_failed_for
                OR j.id IN (SELECT o.id FROM solana.jobs o
                             WHERE o.queue = q.name
                               AND o.state IN ('failed', 'dead', 'cancelled')
                             ORDER BY o.finished_at DESC, o.id DESC
                            OFFSET q.keep_failed)
                   AND q.keep_failed IS NOT NULL);
        GET DIAGNOSTICS cnt = ROW_COUNT;
        total := total + cnt;
    END LOOP;
    RETURN total;
END
$$;
COMMENT ON FUNCTION solana.purge_jobs(text) IS
    'apply each queue''s retention (keep_succeeded[_for], keep_failed[_for]) and return expired leases; for pg_cron';

CREATE VIEW solana.queue_stats AS
WITH s AS (
    SELECT j.queue,
           count(*) FILTER (WHERE j.state = 'queued' AND j.run_at <= now()) AS ready,
           count(*) FILTER (WHERE j.state = 'queued' AND j.run_at > now()) AS delayed,
           count(*) FILTER (WHERE j.state = 'running') AS running,
           count(*) FILTER (WHERE j.state = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE j.state = 'failed') AS failed,
           count(*) FILTER (WHERE j.state = 'dead') AS dead,
           count(*) FILTER (WHERE j.state = 'cancelled') AS cancelled,
           now() - min(j.run_at) FILTER (WHERE j.state = 'queued' AND j.run_at <= now())
               AS oldest_ready_age,
           count(*) FILTER (WHERE j.state = 'succeeded'
                              AND j.finished_at > now() - interval '1 minute')
               AS succeeded_last_minute,
           count(*) FILTER (WHERE j.state IN ('failed', 'dead')
                              AND j.finished_at > now() - interval '1 minute')
               AS failed_last_minute
      FROM solana.jobs j
     GROUP BY j.queue)
SELECT coalesce(q.name, s.queue) AS queue,
       coalesce(q.paused, false) AS paused,
       coalesce(s.ready, 0) AS ready,
       coalesce(s.delayed, 0) AS delayed,
       coalesce(s.running, 0) AS running,
       coalesce(s.succeeded, 0) AS succeeded,
       coalesce(s.failed, 0) AS failed,
       coalesce(s.dead, 0) AS dead,
       coalesce(s.cancelled, 0) AS cancelled,
       s.oldest_ready_age,
       coalesce(s.succeeded_last_minute, 0) AS succeeded_per_minute,
       coalesce(s.failed_last_minute, 0) AS failed_per_minute
  FROM solana.queues q
  FULL JOIN s ON s.queue = q.name;
COMMENT ON VIEW solana.queue_stats IS
    'per queue: jobs per state (ready and delayed split queued), age of the oldest ready job, jobs finished in the last minute';

CREATE VIEW solana.dead_jobs AS
    SELECT j.id, j.queue, j.kind, j.payload, j.attempts, j.last_error,
           j.created_at, j.finished_at
      FROM solana.jobs j WHERE j.state = 'dead';
COMMENT ON VIEW solana.dead_jobs IS
    'the dead-letter list: jobs that used all their attempts (solana.retry_job / retry_dead bring them back)';
