#!/usr/bin/env bash
# Queue under concurrency (issue 6): 8 consumers on separate connections
# drain 100,000 jobs; every job is processed exactly once and none is
# lost, and a consumer killed in the middle of a batch loses nothing:
# its jobs come back when the lease expires.  Also NOTIFY solana_jobs:
# one "enqueued" per transaction and queue, one per finished job.
# The enqueue notification comes from a C statement trigger reading the
# transition table: only queued rows count, each queue once, and user
# triggers reading the same rows before and after it still see them all.
# Needs PGHOST/PGPORT/PGUSER (a superuser); makes its own database.
set -uo pipefail
DB=ps_queue_conc
JOBS=${QUEUE_TEST_JOBS:-100000}
CONSUMERS=8
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
is() { [ "$1" = "$2" ]; local r=$?; ok $r "$3"; [ $r = 0 ] || echo "#   got '$1', expected '$2'"; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
echo "1..15"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null 2>&1 || { echo "Bail out! cannot create $DB"; exit 1; }
q -c "CREATE EXTENSION pg_solana" || { echo "Bail out! CREATE EXTENSION failed"; exit 1; }

# --- NOTIFY solana_jobs --------------------------------------------------
PGAPPNAME=queue_listener psql -X -q -d "$DB" -c "LISTEN solana_jobs" -c "SELECT pg_sleep(3)" > "$tmp/listen.out" 2>&1 &
lpid=$!; pids+=($lpid)
for _ in $(seq 1 100); do   # until it listens
    [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'queue_listener' AND query LIKE '%pg_sleep%'")" = 1 ] && break
    sleep 0.1
done
q >/dev/null <<'SQL'
BEGIN;
SELECT solana.enqueue('n1', 'k') FROM generate_series(1, 3);
SELECT solana.enqueue_batch('n1', 'k', array_fill('{}'::jsonb, ARRAY[5]));
SELECT solana.enqueue('n2', 'k');
COMMIT;
SELECT solana.complete(id) FROM solana.claim('n2');
SELECT solana.enqueue_batch('n3', 'k', array_fill('{}'::jsonb, ARRAY[3]));
SELECT solana.complete_batch(array_agg(id)) FROM solana.claim('n3', n => 3);
INSERT INTO solana.queues (name, notify) VALUES ('n4', false);
SELECT solana.enqueue_batch('n4', 'k', array_fill('{}'::jsonb, ARRAY[2]));
SELECT solana.complete_batch(array_agg(id), ARRAY['{"r": 1}', '{"r": 2}']::jsonb[]) FROM solana.claim('n4', n => 2);
-- keep_succeeded 0: completions delete the jobs and still announce them
INSERT INTO solana.queues (name, keep_succeeded) VALUES ('n5', 0);
SELECT solana.enqueue_batch('n5', 'k', array_fill('{}'::jsonb, ARRAY[6]));
SELECT solana.complete(id) FROM solana.claim('n5');
SELECT solana.complete_batch(array_agg(id)) FROM solana.claim('n5', n => 2);
SELECT count(*) FROM solana.complete_and_claim('n5', (SELECT array_agg(id) FROM solana.claim('n5', n => 3)));
-- the enqueue trigger: queued rows only, each queue once, JSON escapes;
-- statement triggers of users before (aa_) and after (zz_) it read the
-- same transition table
CREATE TABLE seen (tg text, n bigint);
CREATE FUNCTION count_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO seen SELECT TG_NAME, count(*) FROM nt; RETURN NULL; END $$;
CREATE TRIGGER aa_count AFTER INSERT ON solana.jobs REFERENCING NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION count_new();
CREATE TRIGGER zz_count AFTER INSERT ON solana.jobs REFERENCING NEW TABLE AS nt
    FOR EACH STATEMENT EXECUTE FUNCTION count_new();
INSERT INTO solana.jobs (queue, kind, state) VALUES ('n6', 'k', 'succeeded');
INSERT INTO solana.jobs (queue, kind) VALUES ('n7', 'k'), ('n8"q', 'k'), ('n7', 'k');
INSERT INTO solana.jobs (queue, kind) SELECT 'm' || (i % 50), 'k' FROM generate_series(1, 200) AS i;
DROP TRIGGER aa_count ON solana.jobs;
DROP TRIGGER zz_count ON solana.jobs;
SQL
wait $lpid
is "$(grep -c '"op" : "enqueued", "queue" : "n1"' "$tmp/listen.out")" 1 "one enqueued notification for 8 jobs of queue n1 in one transaction"
is "$(grep -c '"op" : "enqueued", "queue" : "n2"' "$tmp/listen.out") $(grep -c '"op" : "succeeded", "queue" : "n2"' "$tmp/listen.out")" "1 1" \
   "queue n2: one enqueued, one succeeded notification"
is "$(grep -c '"op" : "succeeded", "queue" : "n3"' "$tmp/listen.out") $(grep -c '"op" : "succeeded", "queue" : "n4"' "$tmp/listen.out")" "3 0" \
   "complete_batch: one succeeded notification per job, none for a queue with notify off"
is "$(grep -c '"op" : "succeeded", "queue" : "n5"' "$tmp/listen.out") $(q -c "SELECT count(*) FROM solana.jobs WHERE queue = 'n5' AND state <> 'running'")" "6 0" \
   "keep_succeeded 0: complete, complete_batch and complete_and_claim delete the jobs and announce each"

is "$(grep -c '"queue" : "n6"' "$tmp/listen.out")" 0 "no enqueued notification for a job inserted as succeeded"
is "$(grep -c '"op" : "enqueued", "queue" : "n7"}' "$tmp/listen.out") $(grep -c '"op" : "enqueued", "queue" : "n8\\"q"}' "$tmp/listen.out")" "1 1" \
   "one enqueued notification per queue of a multi-queue INSERT, the name JSON-escaped"
is "$(grep -oE '"queue" : "m[0-9]+"' "$tmp/listen.out" | wc -l) $(grep -oE '"queue" : "m[0-9]+"' "$tmp/listen.out" | sort -u | wc -l)" "50 50" \
   "200 jobs of 50 queues, interleaved, in one INSERT: one enqueued notification per queue"
is "$(q -c "SELECT string_agg(tg || '=' || n, ' ' ORDER BY tg, n) FROM seen")" "aa_count=1 aa_count=3 aa_count=200 zz_count=1 zz_count=3 zz_count=200" \
   "statement triggers before and after the enqueue trigger see every row of the transition table"

# --- 8 consumers over $JOBS jobs -----------------------------------------
t0=$SECONDS
q >/dev/null <<SQL
CREATE TABLE processed (job_id bigint NOT NULL, worker text NOT NULL);
SELECT count(*) FROM generate_series(0, $JOBS - 1, 10000) AS s,
     LATERAL solana.enqueue_batch('conc', 'work',
         (SELECT array_agg(jsonb_build_object('i', i))
            FROM generate_series(s, least(s + 9999, $JOBS - 1)) AS i));
-- A consumer: claim a batch (commit), then in one transaction record the
-- work for the jobs it still holds and complete them.  Ends when no job
-- is queued or running.
CREATE PROCEDURE consume(w text, batch int) LANGUAGE plpgsql AS \$\$
DECLARE
    ids bigint[];
BEGIN
    LOOP
        SELECT array_agg(id) INTO ids
          FROM solana.claim('conc', n => batch, lease => '10 s', worker => w);
        COMMIT;
        IF ids IS NULL THEN
            EXIT WHEN NOT EXISTS (SELECT 1 FROM solana.jobs
                                   WHERE queue = 'conc' AND state IN ('queued', 'running'));
            PERFORM pg_sleep(0.2);
            CONTINUE;
        END IF;
        -- fence: work on and complete only the jobs whose lease is
        -- still ours (under heavy load a lease may expire meanwhile)
        WITH mine AS (
            SELECT j.id FROM solana.jobs j
             WHERE j.id = ANY (ids) AND j.state = 'running' AND j.lease_owner = w
               FOR UPDATE),
        done AS (INSERT INTO processed SELECT mine.id, w FROM mine RETURNING job_id)
        SELECT array_agg(job_id) INTO ids FROM done;
        PERFORM solana.complete_batch(coalesce(ids, '{}'));
        COMMIT;
    END LOOP;
END \$\$;
SQL
is "$(q -c "SELECT count(*) FROM solana.jobs WHERE queue = 'conc' AND state = 'queued'")" "$JOBS" "$JOBS jobs enqueued in batches"

# the victim claims 50 jobs, commits, then dies in the middle of its batch
psql -X -q -d "$DB" -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<'SQL' &
SET application_name = 'queue_victim';
SELECT count(*) FROM solana.claim('conc', n => 50, lease => '3 s', worker => 'victim');
BEGIN;
INSERT INTO processed SELECT id, 'victim' FROM solana.jobs WHERE lease_owner = 'victim';
SELECT pg_sleep(600);
SQL
pids+=($!)
for _ in $(seq 1 100); do
    [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'queue_victim' AND query LIKE '%pg_sleep%'")" = 1 ] && break
    sleep 0.1
done
q -c "CREATE TABLE victim_jobs AS SELECT id FROM solana.jobs WHERE lease_owner = 'victim' AND state = 'running'" >/dev/null
victim_jobs=$(q -c "SELECT count(*) FROM victim_jobs")

for i in $(seq 1 $CONSUMERS); do
    psql -X -q -d "$DB" -v ON_ERROR_STOP=1 -c "CALL consume('c$i', 100)" > "$tmp/c$i.log" 2>&1 &
    pids+=($!)
done
sleep 1
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'queue_victim'" >/dev/null
cfail=0
for p in "${pids[@]:2}"; do wait "$p" || cfail=1; done
[ $cfail = 0 ] || cat "$tmp"/c*.log | head -20 | sed 's/^/# /'
ok $cfail "$CONSUMERS consumers finished without error ($((SECONDS - t0)) s)"

is "$victim_jobs" 50 "the killed consumer held 50 claimed jobs"
is "$(q -c "SELECT count(*) FILTER (WHERE state = 'succeeded') || ' ' || count(*) FROM solana.jobs WHERE queue = 'conc'")" "$JOBS $JOBS" \
   "every job succeeded"
is "$(q -c "SELECT count(*) || ' ' || count(DISTINCT job_id) FROM processed")" "$JOBS $JOBS" \
   "every job processed exactly once (no loss, no duplicate)"
is "$(q -c "SELECT count(*) FROM victim_jobs v JOIN solana.jobs j ON j.id = v.id
              JOIN processed p ON p.job_id = j.id
            WHERE j.attempts >= 2 AND j.state = 'succeeded' AND p.worker <> 'victim'")" 50 \
   "the killed consumer's jobs came back after the lease (attempt counted) and were done by others"
is "$(q -c "SELECT count(DISTINCT worker) FROM processed")" "$CONSUMERS" "all $CONSUMERS consumers took part"
exit $((failed > 0))
