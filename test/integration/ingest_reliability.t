#!/usr/bin/env bash
# ingest_reliability.t: at least 10,000 events from the peer's load
# generator while the test injects faults: dropped sockets, a pause of
# notifications (a gap only backfill can fill), a peer restart, kill -9
# of the ingest worker and a PostgreSQL restart.  At the end every event
# the peer recorded must be in solana.events exactly once (the full sets
# are compared) and the cursor must stand at the newest signature.
. "$(dirname "$0")/ingest_lib.sh"
ingest_setup
pg_restart() { runuser -u postgres -- "$(pg_config --bindir)/pg_ctl" -D "$PS_PGDIR/data" -w -m fast restart >/dev/null 2>&1; }
worker_pid() { q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_solana ingest'"; }

A=$(new_program)
ok $? "a fresh scripted program" || finish
SUB=$(q "SELECT solana.subscribe('logs', '$A')")
wait_for 20 "SELECT EXISTS (SELECT 1 FROM solana.ingest_cursor WHERE subscription_id = $SUB)"
ok $? "subscribed, cursor initialised"
sleep 1

SINCE=$(event_count)
EMITTED=0
load_start() {
    control load "{\"events_per_sec\": 1000, \"seconds\": $1, \"events_per_tx\": 4, \"programs\": [\"$A\"]}" >/dev/null
}
load_wait() {
    local st
    for _ in $(seq 1 80); do
        st=$(control loadStatus '{}') || { sleep 0.5; continue; }
        [ "$(echo "$st" | jfield running)" = False ] && break; sleep 0.5
    done
    EMITTED=$((EMITTED + $(echo "$st" | jfield emitted_events)))
}

# phase 1: socket drops and a gap in notifications
load_start 4
ok $? "phase 1: 1000 events/s for 4 s, 4 events per transaction"
sleep 1;   control dropSockets '{}' >/dev/null;          ok $? "fault: dropped every pubsub socket"
sleep 0.5; control pauseNotifications '{}' >/dev/null;   ok $? "fault: notifications paused (gap)"
sleep 1.5; control resumeNotifications '{}' >/dev/null;  ok $? "... and resumed"
load_wait
# the peer restart (it ends a running load, so between phases)
control restart '{"down_ms": 700}' >/dev/null; ok $? "fault: peer restarted (700 ms down)"
sleep 1.5
# phase 2: the worker is killed
load_start 4
ok $? "phase 2: 4 s more"
sleep 1.5
PID=$(worker_pid)
kill -9 "$PID" 2>/dev/null
ok $? "fault: kill -9 of the ingest worker ($PID)"
load_wait
# phase 3: PostgreSQL restarts
load_start 4
ok $? "phase 3: 4 s more"
sleep 1.5
pg_restart
ok $? "fault: PostgreSQL restarted"
load_wait
ok "$([ "$EMITTED" -ge 10000 ] && echo 0 || echo 1)" "the peer emitted $EMITTED events"

# the peer's record, without the decoded values (compared by ingest_live.t)
PEER=$(peer_events_json "$SINCE" "$A" | python3 -c '
import json, sys
print(json.dumps([{"signature": e["signature"], "log_index": e["log_index"], "slot": e["slot"], "name": e["name"]} for e in json.load(sys.stdin)]))')
NPEER=$(echo "$PEER" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')
CMP="WITH p AS (SELECT * FROM jsonb_to_recordset('$PEER'::jsonb) AS x(signature text, log_index int, slot bigint, name text)),
          e AS (SELECT * FROM solana.events WHERE program_id = '$A'::solana.pubkey)
     SELECT count(*) FROM p FULL JOIN e
         ON e.signature = p.signature::solana.signature AND e.log_index = p.log_index
      WHERE p.signature IS NULL OR e.signature IS NULL OR e.slot <> p.slot
         OR e.event_name IS DISTINCT FROM p.name"
S0=$SECONDS
wait_for 120 "SELECT ($CMP) = 0"
ok $? "all $NPEER events the peer recorded are in solana.events, decoded (caught up $((SECONDS - S0))s after the load)"
is "$(q "SELECT count(*) FROM solana.events WHERE program_id = '$A'::solana.pubkey")" "$NPEER" \
   "exactly once: as many rows as peer events"
is "$(q "SELECT count(*) - count(DISTINCT (signature, log_index)) FROM solana.events WHERE program_id = '$A'::solana.pubkey")" "0" \
   "no (signature, log_index) twice"

NEWEST=$(curl -sf -X POST -H 'content-type: application/json' "$PS_PEER_RPC" \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getSignaturesForAddress\",\"params\":[\"$A\",{\"limit\":1,\"commitment\":\"confirmed\"}]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"][0]["signature"])')
wait_for 30 "SELECT last_signature = '$NEWEST' FROM solana.ingest_cursor WHERE subscription_id = $SUB"
ok $? "the cursor stands at the newest signature of the program"
is "$(q "SELECT count(*) FROM solana.transactions_seen t WHERE t.signature IN
          (SELECT DISTINCT signature FROM solana.events WHERE program_id = '$A'::solana.pubkey)")" \
   "$(echo "$PEER" | python3 -c 'import json,sys;print(len({e["signature"] for e in json.load(sys.stdin)}))')" \
   "every transaction is in transactions_seen"
ok "$([ "$(q "SELECT count(*) FROM solana.ingest_errors WHERE sqlstate = '08006'")" -ge 1 ] && echo 0 || echo 1)" \
   "the lost connections are recorded in ingest_errors"

q "SELECT solana.unsubscribe($SUB)" >/dev/null
finish
