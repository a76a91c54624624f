#!/usr/bin/env bash
# replication.t: scaling readers out with PostgreSQL's own replication.
#
# Part 1, logical replication: a primary (its own cluster, wal_level =
# logical) publishes the decoded tables (solana.events through its
# partition root, solana.accounts, solana.programs, solana.oracle_feeds,
# solana.prices, solana.price_history); a second cluster on loopback,
# with pg_solana installed for the types, subscribes.  Rows inserted on
# the primary while the subscription runs arrive on the replica while
# the inserts go on; a commitment promotion (UPDATE) and an account
# change follow; both sides end with identical content.
#
# Part 2, postgres_fdw: two primaries each hold the events of a different
# program; the server the test suite runs on (PGHOST/PGPORT) queries both
# through one list-partitioned table of foreign tables, partitioned by
# program_id, so a query for one program reaches only its primary.
#
# Rows are inserted directly (no ingest worker): the test is about the
# tables, not about where their rows come from.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/scripts/lib.sh"

if [ "$(id -u)" != 0 ] || ! id postgres >/dev/null 2>&1; then
    echo "1..0 # SKIP needs root and a postgres user to start clusters"
    exit 0
fi
if ! psql -X -q -At -d postgres -c "SELECT 1" >/dev/null 2>&1; then
    echo "1..0 # SKIP no server at PGHOST/PGPORT"
    exit 0
fi

n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
is() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got: '$1'"; echo "#  want: '$2'"; failed=$((failed + 1)); fi; }

BASE=$ROOT/build/replication
mkdir -p "$BASE"
P1_PORT=$(free_port); R_PORT=$(free_port); P2_PORT=$(free_port)
HUB_DB=ps_repl_hub_$$
WRITER_PID=

# qp PORT DB SQL: one value (unaligned) from the cluster at PORT
qp() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3" 2>&1; }
# hub SQL: on the suite's own server, solana on the search path
hub() { PGOPTIONS="-c search_path=public,solana" psql -X -q -At -v ON_ERROR_STOP=1 -d "$HUB_DB" -c "$1" 2>&1; }

cleanup() {
    [ -n "$WRITER_PID" ] && kill "$WRITER_PID" 2>/dev/null
    # drop the subscription first so the primary's slot goes with it
    qp "$R_PORT" repl "DROP SUBSCRIPTION IF EXISTS solana_decoded" >/dev/null 2>&1
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $HUB_DB WITH (FORCE)" >/dev/null 2>&1
    pg_stop "$BASE/p1"; pg_stop "$BASE/r"; pg_stop "$BASE/p2"
    if [ "$failed" -gt 0 ]; then
        local c
        for c in p1 r p2; do
            echo "# --- $c server.log (last lines)"
            tail -15 "$BASE/$c/server.log" 2>/dev/null | sed 's/^/# /'
        done
    fi
    rm -rf "$BASE/p1" "$BASE/r" "$BASE/p2"
}
trap cleanup EXIT

wait_for() { # wait_for SECONDS PORT DB SQL: until SQL returns t
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt "$end" ]; do
        [ "$(qp "$2" "$3" "$4")" = t ] && return 0
        sleep 0.3
    done
    return 1
}

psql -X -q -d postgres -c "CREATE DATABASE $HUB_DB" >/dev/null || { echo "1..0 # SKIP cannot create a database"; exit 0; }
hub "CREATE EXTENSION pg_solana" >/dev/null
PROG_A=$(hub "SELECT solana.pubkey(sha256('replication program A'))")
PROG_B=$(hub "SELECT solana.pubkey(sha256('replication program B'))")

# ---------------------------------------------------------------------
# clusters: primary P1 (logical), replica R, second primary P2
# ---------------------------------------------------------------------
pg_start "$BASE/p1" "$P1_PORT" "wal_level = logical" "max_wal_senders = 10" "max_replication_slots = 10"
ok $? "primary P1 starts with wal_level = logical on 127.0.0.1:$P1_PORT"
pg_start "$BASE/r" "$R_PORT"
ok $? "replica R starts on 127.0.0.1:$R_PORT"
pg_start "$BASE/p2" "$P2_PORT"
ok $? "second primary P2 starts on 127.0.0.1:$P2_PORT"

for port in "$P1_PORT" "$R_PORT" "$P2_PORT"; do
    qp "$port" postgres "CREATE DATABASE repl" >/dev/null
    qp "$port" repl "CREATE EXTENSION pg_solana;
                     SELECT solana.create_event_partitions(0, 3000000)" >/dev/null
done

# events_sql BATCH COUNT PROGRAM: COUNT events of one batch, slots across
# partition bounds (432000 slots each)
events_sql() {
    cat <<SQL
INSERT INTO solana.events (signature, slot, block_time, log_index, program_id, depth,
                           event_name, data, raw, commitment)
SELECT solana.signature(sha512(convert_to('$3/$1/' || g, 'UTF8'))),
       $1 * 20011 + g, now(), g % 4, '$3', 1 + g % 2, 'Swap',
       jsonb_build_object('amount', 18446744073709551615 - g, 'batch', $1),
       '\\x40c6cde8260871e2'::bytea || int8send(g), 'confirmed'
  FROM generate_series(1, $2) AS g;
SQL
}

# ---------------------------------------------------------------------
# part 1: logical replication of the decoded tables
# ---------------------------------------------------------------------
qp "$P1_PORT" repl "$(events_sql 0 500 "$PROG_A")" >/dev/null
qp "$P1_PORT" repl "INSERT INTO solana.oracle_feeds (symbol) VALUES ('SOL/USD');
    INSERT INTO solana.prices (feed, price, conf, sources_used, method, computed_at, published_at)
         VALUES ('SOL/USD', 148.242283945, 0.05, 2, 'median', now(), now());
    INSERT INTO solana.price_history (feed, price, conf, sources_used, method, published_at)
         VALUES ('SOL/USD', 148.242283945, 0.05, 2, 'median', now());
    INSERT INTO solana.accounts (pubkey, owner, lamports, data, slot)
         VALUES (solana.pubkey(sha256('acct 1')), '$PROG_A', 1000000, '\\x0102', 10)" >/dev/null

# Replica identity (solana.set_replica_identity): the unique key
# (signature, log_index, slot) on the events root and partitions, so
# that commitment promotions (UPDATE) replicate; FULL on the append-only
# price history partitions.  The subscriber needs it too to apply them.
is "$(qp "$R_PORT" repl "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                          WHERE i.inhparent = 'solana.events'::regclass AND c.relreplident <> 'i'")" "0" \
   "R: create_event_partitions gave every events partition the unique key as replica identity"
is "$(qp "$R_PORT" repl "SELECT solana.set_replica_identity()")" "0" "R: set_replica_identity finds nothing left to do"
out=$(qp "$P1_PORT" repl "SELECT solana.set_replica_identity();
    CREATE PUBLICATION solana_decoded
        FOR TABLE solana.events, solana.accounts, solana.programs,
                  solana.oracle_feeds, solana.prices, solana.price_history
        WITH (publish_via_partition_root = true);
    SELECT count(*) FROM pg_publication_tables WHERE pubname = 'solana_decoded'")
is "$(echo "$out" | tail -1)" "6" "P1 publishes the six decoded tables (events through its partition root)"

out=$(qp "$R_PORT" repl "CREATE SUBSCRIPTION solana_decoded
                           CONNECTION 'host=127.0.0.1 port=$P1_PORT dbname=repl user=postgres'
                           PUBLICATION solana_decoded")
is "$out" "" "R subscribes to the publication"
wait_for 30 "$R_PORT" repl "SELECT count(*) = 6 AND bool_and(srsubstate = 'r') FROM pg_subscription_rel"
ok $? "initial copy of every table finishes on R"
is "$(qp "$R_PORT" repl "SELECT count(*) FROM solana.events")" "500" "the 500 events already on P1 are on R"
is "$(qp "$R_PORT" repl "SELECT price FROM solana.prices WHERE feed = 'SOL/USD'")" "148.242283945" "the published price is on R"

# a writer keeps inserting batches on P1 while we watch R
(
    for b in $(seq 1 40); do
        qp "$P1_PORT" repl "$(events_sql "$b" 200 "$PROG_A")" >/dev/null
        sleep 0.15
    done
) &
WRITER_PID=$!
seen_during=false
r_first=$(qp "$R_PORT" repl "SELECT count(*) FROM solana.events")
end=$((SECONDS + 30))
while kill -0 "$WRITER_PID" 2>/dev/null && [ $SECONDS -lt $end ]; do
    r_now=$(qp "$R_PORT" repl "SELECT count(*) FROM solana.events")
    p_now=$(qp "$P1_PORT" repl "SELECT count(*) FROM solana.events")
    if [ "$r_now" -gt "$r_first" ] && kill -0 "$WRITER_PID" 2>/dev/null; then
        seen_during=true
        echo "# while P1 ingests: P1 has $p_now events, R has $r_now"
        break
    fi
    sleep 0.2
done
is "$seen_during" "true" "new events arrive on R while inserts on P1 go on"
wait "$WRITER_PID"; WRITER_PID=
is "$(qp "$P1_PORT" repl "SELECT count(*) FROM solana.events")" "8500" "P1 holds 500 + 40 x 200 events"
wait_for 30 "$R_PORT" repl "SELECT count(*) = 8500 FROM solana.events"
ok $? "R catches up with every event"
is "$(qp "$R_PORT" repl "SELECT count(*) FROM solana.events_p432000")" \
   "$(qp "$P1_PORT" repl "SELECT count(*) FROM solana.events_p432000")" \
   "rows published through the root land in R's own partitions (slot 432000 and up)"

# commitment promotion and an account change (UPDATEs) replicate too
qp "$P1_PORT" repl "UPDATE solana.events SET commitment = 'finalized' WHERE slot < 300000;
                    UPDATE solana.accounts SET lamports = 2000000, slot = 11;
                    INSERT INTO solana.price_history (feed, price, conf, sources_used, method, published_at)
                         VALUES ('SOL/USD', 149, 0.05, 2, 'median', now())" >/dev/null
want=$(qp "$P1_PORT" repl "SELECT count(*) FROM solana.events WHERE commitment = 'finalized'")
wait_for 30 "$R_PORT" repl "SELECT count(*) = $want FROM solana.events WHERE commitment = 'finalized'"
ok $? "commitment promotions (UPDATE of $want events) reach R"
wait_for 10 "$R_PORT" repl "SELECT lamports = 2000000 FROM solana.accounts"
ok $? "account state changes reach R"

# a partition made later gets its identity from a second call; rows in
# it replicate (R makes the same partition: DDL does not replicate)
for port in "$P1_PORT" "$R_PORT"; do
    qp "$port" repl "SELECT solana.create_event_partitions(3100000, 3100000)" >/dev/null
done
is "$(qp "$P1_PORT" repl "SELECT relreplident FROM pg_class WHERE oid = 'solana.events_p3024000'::regclass")" "i" \
   "the new partition has its replica identity from create_event_partitions"
is "$(qp "$R_PORT" repl "SELECT solana.set_replica_identity()")" "0" "set_replica_identity afterwards changes nothing"
qp "$P1_PORT" repl "$(events_sql 155 20 "$PROG_A")
                    UPDATE solana.events SET commitment = 'finalized' WHERE slot >= 3100000" >/dev/null
wait_for 20 "$R_PORT" repl "SELECT count(*) = 20 FROM solana.events WHERE slot >= 3100000 AND commitment = 'finalized'"
ok $? "events in the new partition and their promotion reach R"

digest="SELECT md5(string_agg(signature::text || log_index || slot || commitment || data::text, ',' ORDER BY signature, log_index))
          FROM solana.events"
wait_for 10 "$R_PORT" repl "SELECT count(*) = 2 FROM solana.price_history"
is "$(qp "$R_PORT" repl "$digest")" "$(qp "$P1_PORT" repl "$digest")" "R's events are identical to P1's (digest over every row)"
is "$(qp "$R_PORT" repl "SELECT (data->>'amount')::numeric FROM solana.events ORDER BY slot LIMIT 1")" \
   "18446744073709551614" "u64 values stay exact through replication"
is "$(qp "$R_PORT" repl "SELECT string_agg(price::text, ',' ORDER BY published_at) FROM solana.price_history")" \
   "148.242283945,149" "price history replicates"

# ---------------------------------------------------------------------
# part 2: two primaries, one program each, queried through postgres_fdw
# ---------------------------------------------------------------------
qp "$P2_PORT" repl "$(events_sql 100 300 "$PROG_B")" >/dev/null
if ! hub "CREATE EXTENSION postgres_fdw" >/dev/null; then
    echo "# postgres_fdw is not installed (postgresql-contrib)"
    ok 1 "postgres_fdw available on the hub"
else
    out=$(hub "
      CREATE SERVER node_a FOREIGN DATA WRAPPER postgres_fdw
          OPTIONS (host '127.0.0.1', port '$P1_PORT', dbname 'repl', extensions 'pg_solana', async_capable 'true');
      CREATE SERVER node_b FOREIGN DATA WRAPPER postgres_fdw
          OPTIONS (host '127.0.0.1', port '$P2_PORT', dbname 'repl', extensions 'pg_solana', async_capable 'true');
      CREATE USER MAPPING FOR postgres SERVER node_a OPTIONS (user 'postgres');
      CREATE USER MAPPING FOR postgres SERVER node_b OPTIONS (user 'postgres');
      CREATE SCHEMA fleet;
      CREATE TABLE fleet.events (LIKE solana.events) PARTITION BY LIST (program_id);
      CREATE FOREIGN TABLE fleet.events_a PARTITION OF fleet.events FOR VALUES IN ('$PROG_A')
          SERVER node_a OPTIONS (schema_name 'solana', table_name 'events');
      CREATE FOREIGN TABLE fleet.events_b PARTITION OF fleet.events FOR VALUES IN ('$PROG_B')
          SERVER node_b OPTIONS (schema_name 'solana', table_name 'events');
      SELECT 'done'")
    is "$(echo "$out" | tail -1)" "done" "the hub maps each primary's events as a partition of fleet.events, listed by program_id"
    is "$(hub "SELECT string_agg(program_id::text || '=' || n, ' ' ORDER BY n)
                 FROM (SELECT program_id, count(*) AS n FROM fleet.events GROUP BY 1) s")" \
       "$PROG_B=300 $PROG_A=8520" "one query counts the events of both primaries"
    is "$(hub "SELECT count(*) FROM fleet.events WHERE program_id = '$PROG_B' AND slot BETWEEN 2001100 AND 2001200")" \
       "100" "a filtered query returns the right rows from P2"
    plan=$(hub "EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM fleet.events WHERE program_id = '$PROG_B'")
    if echo "$plan" | grep -q "events_b" && ! echo "$plan" | grep -q "events_a"; then r=0; else r=1; echo "$plan" | sed 's/^/# /'; fi
    ok $r "a query for one program is pruned to that program's primary"
    if echo "$plan" | grep -q "Remote SQL:.*program_id OPERATOR(solana\.=) "; then r=0; else r=1; echo "$plan" | sed 's/^/# /'; fi
    ok $r "the pubkey comparison is pushed down to the primary (extensions 'pg_solana')"
    # new events on P2 are visible at once; the hub holds no copy
    qp "$P2_PORT" repl "$(events_sql 101 50 "$PROG_B")" >/dev/null
    is "$(hub "SELECT count(*) FROM fleet.events WHERE program_id = '$PROG_B'")" "350" "events P2 ingests later show up on the hub"
    is "$(hub "SELECT event_name || ':' || count(DISTINCT program_id) FROM fleet.events GROUP BY event_name")" \
       "Swap:2" "aggregates run over both primaries in one statement"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
