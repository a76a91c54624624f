#!/usr/bin/env bash
# ingest_live.t: the ingest worker against the local Solana peer.
# Scripted programs emit events (fixture_dex IDL): plain events, a
# nested CPI into a second program, a failed transaction, truncated
# logs, an emit_cpi! event, an unknown discriminator, plus the load
# generator's random values of every event type.  Rows must appear
# decoded and correctly attributed within a bounded time, LISTEN
# solana_events must announce them, and bad input from the peer
# (malformed JSON, truncated frames) must land in solana.ingest_errors
# without stopping ingestion.  Every new row gets exactly one NOTIFY,
# whichever path wrote it: live, or reconciliation after a reconnect
# while the peer sends no notifications.
. "$(dirname "$0")/ingest_lib.sh"
ingest_setup

A=$(new_program) && B=$(new_program)
ok $? "two fresh scripted programs with the fixture_dex IDL" || finish
SUB=$(q "SELECT solana.subscribe('logs', '$A')")
ok $? "solana.subscribe('logs', A) returns an id"
wait_for 20 "SELECT EXISTS (SELECT 1 FROM solana.ingest_cursor WHERE subscription_id = $SUB)"
ok $? "the worker picks the subscription up at commit and initialises its cursor"
# the node answers subscribe before we send anything: give it a moment
sleep 1

SINCE=$(event_count)
LISTEN_OUT=$(mktemp)
# psql prints notifications after each command: short sleeps until it
# is killed (a fixed window ran out before the load generator on a
# loaded machine)
{ echo "LISTEN solana_events;"; while :; do echo "SELECT pg_sleep(0.25);"; done; } 2>/dev/null |
    psql -X -q -At -d postgres > "$LISTEN_OUT" 2>&1 &
LISTEN_PID=$!
trap 'kill "$LISTEN_PID" 2>/dev/null' EXIT
notes_of() { grep -c "Asynchronous notification \"solana_events\" with payload \"{\\\"id\\\".*\\\"program\\\" : \\\"$1\\\"" "$LISTEN_OUT"; }
wait_for 20 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(0.25);')"
ok $? "a LISTEN solana_events client is running"

t0=$(date +%s.%N)
SIG1=$(control execute "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}, {\"name\": \"OrderCancelled\", \"data\": {\"order_id\": 7, \"owner\": \"$B\", \"reason\": \"Expired\", \"refund\": null}}]}" | jfield signature)
ok $? "peer: a transaction with two events"
wait_for 30 "SELECT count(*) = 2 FROM solana.events WHERE signature = '$SIG1'"
ok $? "its two rows appear"
t1=$(date +%s.%N)
# bound for a loaded CI machine (load average 11 to 13 took 9 to 11 s
# when the pubsub handshake timed out); 0.85 s measured on a quiet
# machine (load average 0.04)
ok "$(python3 -c "print(0 if $t1 - $t0 < 30 else 1)")" \
   "within 30 s of execution ($(python3 -c "print(round($t1 - $t0, 2))") s; 0.85 s on a quiet machine; load average $(cut -d' ' -f1 /proc/loadavg))"
is "$(q "SELECT string_agg(event_name || ':' || depth || ':' || (program_id = '$A'::solana.pubkey), ',' ORDER BY log_index) FROM solana.events WHERE signature = '$SIG1'")" \
   "Empty:1:true,OrderCancelled:1:true" "decoded names, depth 1, attributed to A"

SIG2=$(control execute "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}], \"cpi\": [{\"program_id\": \"$B\", \"events\": [{\"name\": \"Empty\"}]}]}" | jfield signature)
wait_for 30 "SELECT count(*) = 2 FROM solana.events WHERE signature = '$SIG2'"
ok $? "nested CPI: both events stored"
is "$(q "SELECT string_agg(depth || ':' || (program_id = '$B'::solana.pubkey), ',' ORDER BY log_index) FROM solana.events WHERE signature = '$SIG2'")" \
   "1:false,2:true" "the inner event is attributed to B at depth 2"

SIG3=$(control execute "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}], \"fail\": {\"message\": \"nope\"}}" | jfield signature)
wait_for 30 "SELECT count(*) = 1 FROM solana.events WHERE signature = '$SIG3' AND tx_failed"
ok $? "failed transaction: its event is stored with tx_failed"
is "$(q "SELECT failed AND err IS NOT NULL FROM solana.transactions_seen WHERE signature = '$SIG3'")" "t" \
   "transactions_seen records the failure and the error"

LOGS=$(python3 -c "import json; print(json.dumps(['x' * 200] * 60))")
SIG4=$(control execute "{\"program_id\": \"$A\", \"logs\": $LOGS, \"events\": [{\"name\": \"Empty\"}]}" | jfield signature)
wait_for 30 "SELECT EXISTS (SELECT 1 FROM solana.transactions_seen WHERE signature = '$SIG4')"
ok $? "truncated logs: the transaction is recorded"
is "$(q "SELECT count(*) FROM solana.events WHERE signature = '$SIG4' AND log_index >= 0")" "0" \
   "nothing after \"Log truncated\" is attributed"

SIG5=$(control execute "{\"program_id\": \"$A\", \"emit_cpi\": [{\"name\": \"Empty\"}]}" | jfield signature)
wait_for 15 "SELECT count(*) = 1 FROM solana.events WHERE signature = '$SIG5' AND log_index = -1 AND depth = 2 AND event_name = 'Empty'"
ok $? "emit_cpi! event decoded from the inner instruction (log_index -1, depth 2)"

SIG6=$(control execute "{\"program_id\": \"$A\", \"events\": [{\"data_b64\": \"AQIDBAUGBwgJ\"}]}" | jfield signature)
wait_for 30 "SELECT count(*) = 1 FROM solana.events WHERE signature = '$SIG6' AND event_name IS NULL AND raw = '\\x010203040506070809'"
ok $? "unknown discriminator: the event is kept raw"
wait_for 5 "SELECT EXISTS (SELECT 1 FROM solana.ingest_errors WHERE signature = '$SIG6' AND sqlstate = '22P03')"
ok $? "... and recorded in ingest_errors with 22P03"

control load "{\"events_per_sec\": 400, \"seconds\": 2, \"programs\": [\"$A\"]}" >/dev/null
for _ in $(seq 1 40); do
    [ "$(control loadStatus '{}' | jfield running)" = False ] && break; sleep 0.25
done
PEER_JSON=$(peer_events_json "$SINCE" "$A" "$B")
BASE="WITH p AS (SELECT * FROM jsonb_to_recordset('$PEER_JSON'::jsonb)
                  AS x(signature text, slot bigint, log_index int, program_id text, name text, data jsonb)
                 -- the peer logs a short data line after \"Log truncated\"; it cannot be attributed
                 WHERE x.signature <> '$SIG4'),
          e AS (SELECT e.* FROM solana.events e
                 WHERE e.program_id IN ('$A'::solana.pubkey, '$B'::solana.pubkey)
                   AND e.signature <> '$SIG4')
     SELECT %s FROM p FULL JOIN e
         ON e.signature = p.signature::solana.signature AND e.log_index = p.log_index
      WHERE p.signature IS NULL OR e.signature IS NULL
         OR e.slot <> p.slot OR e.program_id <> p.program_id::solana.pubkey
         OR e.event_name IS DISTINCT FROM p.name OR e.data IS DISTINCT FROM p.data"
CMP=$(printf "$BASE" "count(*)")
wait_for 20 "SELECT ($CMP) = 0"
ok $? "every event the peer emitted ($(echo "$PEER_JSON" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')) is stored once, decoded to the peer's values"
[ "$(q "$CMP")" = 0 ] || q "$(printf "$BASE" "p.signature, p.log_index, p.name, p.data, e.log_index, e.event_name, e.data") LIMIT 5" | sed 's/^/# /'

# a transaction written only by reconciliation, after a reconnect,
# while the peer sends no notifications: its rows are notified too
control pauseNotifications '{}' >/dev/null
control dropSockets '{}' >/dev/null
SIGB=$(control execute "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}, {\"name\": \"Empty\"}]}" | jfield signature)
wait_for 30 "SELECT EXISTS (SELECT 1 FROM solana.transactions_seen WHERE signature = '$SIGB' AND source = 'backfill')
             AND (SELECT count(*) = 2 FROM solana.events WHERE signature = '$SIGB')"
ok $? "with notifications paused and the socket dropped, reconciliation writes the transaction"
control resumeNotifications '{}' >/dev/null

# one NOTIFY per row of A: wait for the listener to print them all
WANT=$(q "SELECT count(*) FROM solana.events WHERE program_id = '$A'::solana.pubkey")
for _ in $(seq 1 120); do [ "$(notes_of "$A")" -ge "$WANT" ] && break; sleep 0.25; done
kill "$LISTEN_PID" 2>/dev/null; wait "$LISTEN_PID" 2>/dev/null
NOTES=$(notes_of "$A")
is "$NOTES" "$WANT" "LISTEN solana_events received one notification per stored event of A"
is "$(grep -c "\"signature\" : \"$SIGB\"" "$LISTEN_OUT")" "2" \
   "... including the two rows reconciliation wrote after the reconnect"
is "$(grep -m1 "\"signature\" : \"$SIG1\"" "$LISTEN_OUT" | grep -c '"event" : "Empty"')" "1" \
   "the payload names the event, program, slot and signature"
rm -f "$LISTEN_OUT"

# bad input from the peer: malformed JSON and a truncated frame on the socket
ERR0=$(q "SELECT count(*) FROM solana.ingest_errors WHERE message LIKE 'malformed pubsub message%'")
control malformedJson '{"target": "ws", "count": 1}' >/dev/null
control truncatedFrame '{"count": 1}' >/dev/null
SIG7=$(control execute "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}]}" | jfield signature)
SIG8=$(control execute "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}]}" | jfield signature)
SIG9=$(control execute "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}]}" | jfield signature)
wait_for 15 "SELECT count(*) > $ERR0 FROM solana.ingest_errors WHERE message LIKE 'malformed pubsub message%' AND raw IS NOT NULL"
ok $? "a malformed pubsub message is recorded with its raw text"
wait_for 20 "SELECT count(*) = 3 FROM solana.events WHERE signature IN ('$SIG7', '$SIG8', '$SIG9')"
ok $? "ingestion goes on: the transactions sent around the bad frames are stored"
control clearFaults '{}' >/dev/null

wait_for 15 "SELECT last_slot >= (SELECT max(slot) FROM solana.events WHERE program_id = '$A'::solana.pubkey)
              FROM solana.ingest_cursor WHERE subscription_id = $SUB"
ok $? "the cursor reaches the newest transaction"

q "SELECT solana.unsubscribe($SUB)" >/dev/null
finish
