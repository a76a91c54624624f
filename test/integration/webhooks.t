#!/usr/bin/env bash
# webhooks.t: webhook delivery end to end, against a real local receiver
# (webhook_receiver.js) that verifies every request with the
# standardwebhooks algorithm (self-checked on webhooks.json at start).
# Events committed into solana.events arrive signed and exactly as
# committed; rolled-back ones never do.  Faults: 500s then success,
# 429 + Retry-After, 410 Gone, a receiver that hangs past the timeout,
# one that closes the connection, one that is down for a while, a
# dispatcher kill -9 and a PostgreSQL restart with deliveries in flight:
# every delivery ends delivered or dead with its reason, and repeats
# carry the same webhook-id.  Also secret rotation (two signatures) and
# the SSRF guard (refused, then allowed by the allowlist).
#
# Uses the database `postgres`, where the dispatcher works
# (solana.database).
set -uo pipefail
ROOT=${PS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIXTURES=${PS_FIXTURES:-$ROOT/../shared/fixtures}
PGDIR=${PS_PGDIR:-}
TMP=$(mktemp -d)
n=0
RCV_PID=
RCV2_PID=

cleanup() {
    [ -n "$RCV_PID" ] && kill "$RCV_PID" 2>/dev/null
    [ -n "$RCV2_PID" ] && kill "$RCV2_PID" 2>/dev/null
    psql -X -q -d postgres -c "DELETE FROM solana.webhooks WHERE name LIKE 'itest_%'" \
        -c "DELETE FROM solana.events WHERE slot BETWEEN 900000090 AND 900000099" \
        -c "ALTER SYSTEM RESET solana.webhook_allow_private" \
        -c "ALTER SYSTEM RESET solana.webhook_allowed_hosts" -c "SELECT pg_reload_conf()" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
is() {
    n=$((n + 1))
    if [ "$1" == "$2" ]; then echo "ok $n - $3"
    else echo "not ok $n - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi
}
# wait_for SQL SECONDS: until the query returns t
wait_for() {
    local end=$((SECONDS + $2))
    while [ $SECONDS -lt $end ]; do
        [ "$(q "$1" 2>/dev/null)" = t ] && return 0
        sleep 0.2
    done
    return 1
}
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# start_receiver TAG ARGS...: sets RCV_LAST_PID, RCV_LAST_URL
. "$ROOT/test/integration/lib_receiver.sh"
control() { curl -s -X POST "$1/_control" -d "$2" >/dev/null; }
# receiver log lines of a path as JSON array
rlog() { python3 - "$1" "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print(json.dumps([r for r in recs if r["path"] == sys.argv[2]]))
PY
}
hook() {  # hook NAME URL [extra add_webhook args] -> id
    local extra=${3:-}
    case "$extra" in *retry_schedule*) ;; *) extra="$extra, retry_schedule => '{200ms}'" ;; esac
    q "SELECT id FROM solana.add_webhook('itest_$1', '$2', event_types => '{message,event}' $extra)"
}
secret() { q "SELECT secret FROM solana.webhooks WHERE id = $1"; }
settle() { sleep 0.6; }  # SIGHUP reaches the dispatcher

if ! command -v node >/dev/null; then echo "1..0 # SKIP node is not installed"; exit 0; fi
r=$(q "CREATE EXTENSION IF NOT EXISTS pg_solana" 2>&1)
if [ -n "$r" ] && ! q "SELECT 1 FROM solana.webhooks LIMIT 0" >/dev/null 2>&1; then
    echo "1..0 # SKIP pg_solana does not install: $r"; exit 0
fi
if ! wait_for "SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'" 20; then
    echo "1..0 # SKIP no dispatcher running (pg_solana not preloaded?)"; exit 0
fi
q "DELETE FROM solana.webhooks WHERE name LIKE 'itest_%'" >/dev/null
q "ALTER SYSTEM SET solana.webhook_allow_private = on" >/dev/null
q "ALTER SYSTEM RESET solana.webhook_allowed_hosts" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
settle

PORT=$(free_port)
LOG=$TMP/receiver.log
start_receiver main --port "$PORT" --fixtures "$FIXTURES" --log "$LOG" --control '{}' ||
    { echo "Bail out! receiver did not start"; exit 1; }
RCV_PID=$RCV_LAST_PID
U=http://127.0.0.1:$PORT
ok 0 "receiver verifies every webhooks.json case like standardwebhooks (self-check)"

# --- events committed into solana.events arrive signed, as committed ----
OK=$(hook ok "$U/ok" ", event_names => NULL")
control "$U" "{\"secrets\": {\"/ok\": [\"$(secret "$OK")\"]}}"
if q "SELECT to_regclass('solana.events') IS NOT NULL" | grep -q t; then
    # slots far beyond any ledger the tests run, so no real event collides
    q "SELECT solana.create_event_partitions(900000000, 900000100)" >/dev/null
    psql -X -q -d postgres -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
DELETE FROM solana.events WHERE slot BETWEEN 900000090 AND 900000099;
BEGIN;
INSERT INTO solana.events (signature, slot, log_index, program_id, depth, event_name, data, raw, commitment)
SELECT solana.signature(decode(repeat(lpad(to_hex(g), 2, '0'), 64), 'hex')), 900000090 + g, g,
       'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 1, 'Trade',
       jsonb_build_object('amount', (18446744073709551615 - g)::numeric, 'memo', 'héllo "quoted" ' || g),
       '\x0102', 'confirmed'
  FROM generate_series(1, 3) g;
COMMIT;
BEGIN;
INSERT INTO solana.events (signature, slot, log_index, program_id, depth, raw, commitment)
VALUES (solana.signature(decode(repeat('aa', 64), 'hex')), 900000099, 0, '11111111111111111111111111111111', 1, '\x', 'confirmed');
ROLLBACK;
SQL
else
    # no ingest piece installed: the same messages through send_webhook
    q "SELECT solana.send_webhook($OK, jsonb_build_object('type', 'event', 'n', g), 'evt_' || g) FROM generate_series(1, 3) g" >/dev/null
fi
wait_for "SELECT count(*) = 3 FROM solana.webhook_deliveries WHERE webhook_id = $OK AND state = 'delivered'" 15
ok $? "three committed events delivered"
sleep 0.3
q "SELECT json_agg(json_build_object('id', message_id, 'body', payload::text) ORDER BY message_id) FROM solana.webhook_deliveries WHERE webhook_id = $OK" > "$TMP/ok_rows.json"
rlog "$LOG" /ok > "$TMP/ok_log.json"
r=$(python3 - "$TMP/ok_rows.json" "$TMP/ok_log.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2]))
bad = [g for g in got if not g["verified"]]
if bad: print("unverified:", bad[0]["reason"]); sys.exit()
if sorted((g["id"], g["body"]) for g in got) != sorted((r["id"], r["body"]) for r in rows):
    print("received", sorted((g["id"], g["body"]) for g in got)); sys.exit()
if any(g["content_type"] != "application/json" for g in got): print("content type"); sys.exit()
print("same")
PY
)
is "$r" same "the receiver got exactly the committed payloads, signature verified, ids as in the table"
is "$(q "SELECT count(*) FROM solana.webhook_deliveries WHERE webhook_id = $OK AND message_id LIKE 'evt_%' AND payload::text LIKE '%11111111111111111111111111111111%'")" 0 \
    "the rolled-back event was never queued"
if q "SELECT to_regclass('solana.events') IS NOT NULL" | grep -q t; then
    is "$(q "SELECT bool_and(message_id ~ '^evt_[1-9A-HJ-NP-Za-km-z]+_[0-9]+\$') FROM solana.webhook_deliveries WHERE webhook_id = $OK")" t \
        "message ids are evt_<signature>_<log_index>"
fi

# --- 500, 500, then 200 --------------------------------------------------
FL=$(hook flaky "$U/flaky")
control "$U" "{\"secrets\": {\"/flaky\": [\"$(secret "$FL")\"]}, \"script\": {\"/flaky\": [\"500\", \"500\"]}}"
q "SELECT solana.send_webhook($FL, '{\"k\": \"flaky\"}', 'msg_flaky')" >/dev/null
wait_for "SELECT state = 'delivered' FROM solana.webhook_deliveries WHERE webhook_id = $FL" 15
ok $? "500, 500, then delivered"
is "$(q "SELECT attempts FROM solana.webhook_deliveries WHERE webhook_id = $FL")" 3 "after three attempts"
is "$(rlog "$LOG" /flaky | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), sorted(set(x["id"] for x in r)), all(x["verified"] for x in r))')" \
    "3 ['msg_flaky'] True" "three signed requests, all with webhook-id msg_flaky"

# --- 429 with Retry-After -------------------------------------------------
LI=$(hook limited "$U/limited")
control "$U" "{\"secrets\": {\"/limited\": [\"$(secret "$LI")\"]}, \"script\": {\"/limited\": [\"429:2\"]}}"
q "SELECT solana.send_webhook($LI, '{\"k\": \"limited\"}')" >/dev/null
wait_for "SELECT state = 'delivered' FROM solana.webhook_deliveries WHERE webhook_id = $LI" 15
ok $? "429 then delivered"
gap=$(rlog "$LOG" /limited | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[1]["at"] - r[0]["at"] if len(r) == 2 else -1)')
ok $([ "$gap" -ge 1900 ] && echo 0 || echo 1) "Retry-After: 2 honoured (second attempt ${gap} ms later, schedule says 200 ms)"

# --- 410 Gone ---------------------------------------------------------------
GO=$(hook gone "$U/gone")
control "$U" "{\"secrets\": {\"/gone\": [\"$(secret "$GO")\"]}, \"default\": {\"/gone\": \"410\"}}"
q "SELECT solana.send_webhook($GO, '{\"k\": 1}'), solana.send_webhook($GO, '{\"k\": 2}')" >/dev/null
wait_for "SELECT bool_and(state = 'dead') FROM solana.webhook_deliveries WHERE webhook_id = $GO" 15
ok $? "410: every delivery of the endpoint is dead"
is "$(q "SELECT enabled FROM solana.webhooks WHERE id = $GO")" f "410 disabled the endpoint"
is "$(q "SELECT bool_and(last_error ~ '410 Gone') FROM solana.webhook_deliveries WHERE webhook_id = $GO")" t \
    "the reason is recorded: $(q "SELECT string_agg(DISTINCT last_error, '; ') FROM solana.webhook_deliveries WHERE webhook_id = $GO")"

# --- hangs past the timeout ---------------------------------------------------
HA=$(hook hang "$U/hang" ", timeout => '500 ms', max_attempts => 2")
control "$U" "{\"secrets\": {\"/hang\": [\"$(secret "$HA")\"]}, \"default\": {\"/hang\": \"hang\"}}"
q "SELECT solana.send_webhook($HA, '{\"k\": \"hang\"}')" >/dev/null
wait_for "SELECT state = 'dead' FROM solana.webhook_deliveries WHERE webhook_id = $HA" 15
ok $? "a receiver that hangs: dead after max_attempts"
is "$(q "SELECT last_error ~ 'timed out|Timeout' FROM solana.webhook_deliveries WHERE webhook_id = $HA")" t \
    "reason: $(q "SELECT last_error FROM solana.webhook_deliveries WHERE webhook_id = $HA")"

# --- closes the connection ----------------------------------------------------
CL=$(hook close "$U/close" ", max_attempts => 2")
control "$U" "{\"secrets\": {\"/close\": [\"$(secret "$CL")\"]}, \"default\": {\"/close\": \"close\"}}"
q "SELECT solana.send_webhook($CL, '{\"k\": \"close\"}')" >/dev/null
wait_for "SELECT state = 'dead' FROM solana.webhook_deliveries WHERE webhook_id = $CL" 15
ok $? "a receiver that drops the connection: dead after max_attempts"
is "$(q "SELECT last_error IS NOT NULL AND last_status IS NULL FROM solana.webhook_deliveries WHERE webhook_id = $CL")" t \
    "reason: $(q "SELECT last_error FROM solana.webhook_deliveries WHERE webhook_id = $CL")"

# --- redirects are not followed; long bodies are read up to the bound ------
RD=$(hook redirect "$U/redirect" ", max_attempts => 1")
control "$U" "{\"secrets\": {\"/redirect\": [\"$(secret "$RD")\"], \"/target\": [\"$(secret "$RD")\"]}, \"default\": {\"/redirect\": \"redirect:/target\"}}"
q "SELECT solana.send_webhook($RD, '{\"k\": \"redirect\"}')" >/dev/null
wait_for "SELECT state = 'dead' FROM solana.webhook_deliveries WHERE webhook_id = $RD" 15
ok $? "a 302 is a failure, not followed"
is "$(q "SELECT last_status FROM solana.webhook_deliveries WHERE webhook_id = $RD"):$(rlog "$LOG" /target | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" "302:0" \
    "status 302 recorded, the redirect target never requested"
BG=$(hook big "$U/big" ", max_attempts => 1")
control "$U" "{\"secrets\": {\"/big\": [\"$(secret "$BG")\"]}, \"default\": {\"/big\": \"big:5000000\"}}"
q "SELECT solana.send_webhook($BG, '{\"k\": \"big\"}')" >/dev/null
wait_for "SELECT state = 'delivered' FROM solana.webhook_deliveries WHERE webhook_id = $BG" 15
ok $? "a 2xx with a 5 MB body is delivered; reading stops at solana.webhook_max_response_bytes"

# --- LISTEN solana_webhooks ----------------------------------------------------
{ echo "LISTEN solana_webhooks;"; for _ in $(seq 1 20); do echo "SELECT pg_sleep(0.2);"; done; } |
    psql -X -q -At -d postgres > "$TMP/listen.out" 2>&1 &
LPID=$!
sleep 0.5
q "SELECT solana.send_webhook($OK, '{\"k\": \"notify\"}', 'msg_notify')" >/dev/null
wait $LPID
ok $(grep -q '"op" : "delivered".*"message_id" : "msg_notify"' "$TMP/listen.out" && echo 0 || echo 1) \
    "NOTIFY solana_webhooks announces the delivery"

# --- down for a while -----------------------------------------------------------
PORT2=$(free_port)
U2=http://127.0.0.1:$PORT2
DN=$(hook down "$U2/down" ", retry_schedule => '{1s}', max_attempts => 50")
q "SELECT solana.send_webhook($DN, jsonb_build_object('k', g)) FROM generate_series(1, 2) g" >/dev/null
wait_for "SELECT bool_and(state = 'failed' AND attempts >= 1) FROM solana.webhook_deliveries WHERE webhook_id = $DN" 15
ok $? "receiver down: deliveries wait for a retry"
is "$(q "SELECT bool_and(last_error ~* 'refused|connect') FROM solana.webhook_deliveries WHERE webhook_id = $DN")" t \
    "reason: $(q "SELECT last_error FROM solana.webhook_deliveries WHERE webhook_id = $DN LIMIT 1")"
LOG2=$TMP/receiver2.log
start_receiver second --port "$PORT2" --fixtures "$FIXTURES" --log "$LOG2" \
    --control "{\"secrets\": {\"/down\": [\"$(secret "$DN")\"]}}" && RCV2_PID=$RCV_LAST_PID
# back before the fifth failure in a row would open the breaker
wait_for "SELECT bool_and(state = 'delivered') FROM solana.webhook_deliveries WHERE webhook_id = $DN" 30
ok $? "receiver back: all delivered"
is "$(rlog "$LOG2" /down | python3 -c 'import json,sys; r=json.load(sys.stdin); print(all(x["verified"] for x in r) and len(set(x["id"] for x in r)) == 2)')" True \
    "both arrived verified"

# --- dispatcher kill -9 and PostgreSQL restart with deliveries in flight ---------
SL=$(hook slow "$U/slow" ", timeout => '3 s', max_in_flight => 50, max_attempts => 20")
control "$U" "{\"secrets\": {\"/slow\": [\"$(secret "$SL")\"]}, \"default\": {\"/slow\": \"sleep:1000\"}}"
q "SELECT solana.send_webhook($SL, jsonb_build_object('k', g), 'msg_slow_' || g) FROM generate_series(1, 20) g" >/dev/null
wait_for "SELECT count(*) > 0 FROM solana.webhook_deliveries WHERE webhook_id = $SL AND lease_expires_at IS NOT NULL" 10
pids=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'")
for p in $pids; do kill -9 "$p" 2>/dev/null; done
ok $([ -n "$pids" ] && echo 0 || echo 1) "killed the dispatcher(s) with deliveries in flight (pids $(echo $pids))"
sleep 2
wait_for "SELECT true" 30 || true
q "SELECT solana.send_webhook($SL, jsonb_build_object('k', g), 'msg_slow_' || g) FROM generate_series(21, 40) g" >/dev/null
if [ -n "$PGDIR" ] && [ -d "$PGDIR/data" ]; then
    wait_for "SELECT count(*) > 0 FROM solana.webhook_deliveries WHERE webhook_id = $SL AND lease_expires_at IS NOT NULL" 30
    runuser -u postgres -- "$(pg_config --bindir)/pg_ctl" -D "$PGDIR/data" -m fast -w restart -l "$PGDIR/server.log" >/dev/null
    ok $? "PostgreSQL restarted with deliveries in flight"
fi
wait_for "SELECT bool_and(state = 'delivered') FROM solana.webhook_deliveries WHERE webhook_id = $SL" 90
ok $? "all 40 delivered after the crash and the restart"
q "SELECT json_agg(json_build_object('id', message_id, 'body', payload::text)) FROM solana.webhook_deliveries WHERE webhook_id = $SL" > "$TMP/slow_rows.json"
rlog "$LOG" /slow > "$TMP/slow_log.json"
r=$(python3 - "$TMP/slow_rows.json" "$TMP/slow_log.json" <<'PY'
import json, sys
rows = {r["id"]: r["body"] for r in json.load(open(sys.argv[1]))}
got = json.load(open(sys.argv[2]))
missing = set(rows) - {g["id"] for g in got}
wrong = [g for g in got if rows.get(g["id"]) != g["body"] or not g["verified"]]
dups = len(got) - len({g["id"] for g in got})
print("missing=%d wrong=%d" % (len(missing), len(wrong)))
sys.stderr.write("# %d requests for %d messages (%d repeats, each with its message's webhook-id)\n" % (len(got), len(rows), dups))
PY
)
is "$r" "missing=0 wrong=0" "none lost; repeats only with the same webhook-id and body"

# --- secret rotation: both signatures during the grace period -------------------
RO=$(hook rotate "$U/rotate")
OLD=$(secret "$RO")
NEW=$(q "SELECT solana.rotate_webhook_secret($RO, '1 hour')")
control "$U" "{\"secrets\": {\"/rotate\": [\"$OLD\"]}}"
q "SELECT solana.send_webhook($RO, '{\"k\": \"rotated\"}', 'msg_rot')" >/dev/null
wait_for "SELECT state = 'delivered' FROM solana.webhook_deliveries WHERE webhook_id = $RO" 15
ok $? "a receiver that still has the old secret verifies during the grace period"
sig=$(rlog "$LOG" /rotate | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["signature"])')
is "$(echo "$sig" | wc -w)" 2 "two signatures in webhook-signature"
r=$(q "SELECT solana.webhook_verify('$NEW', 'msg_rot', '$(rlog "$LOG" /rotate | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["timestamp"])')', '$sig', '{\"k\": \"rotated\"}') IS NULL")
is "$r" t "and one of them verifies with the new secret"

# --- SSRF guard ----------------------------------------------------------------
q "ALTER SYSTEM SET solana.webhook_allow_private = off" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
settle
SS=$(hook ssrf "$U/ssrf" ", max_attempts => 50")
control "$U" "{\"secrets\": {\"/ssrf\": [\"$(secret "$SS")\"]}}"
q "SELECT solana.send_webhook($SS, '{\"k\": \"ssrf\"}')" >/dev/null
wait_for "SELECT attempts >= 1 AND state = 'failed' FROM solana.webhook_deliveries WHERE webhook_id = $SS" 15
ok $? "loopback receiver refused with solana.webhook_allow_private off"
is "$(q "SELECT last_error FROM solana.webhook_deliveries WHERE webhook_id = $SS")" \
    "refused by the SSRF guard: the host resolves to a loopback address (set solana.webhook_allow_private or list the host in solana.webhook_allowed_hosts)" \
    "the refusal is recorded"
is "$(rlog "$LOG" /ssrf | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0 "nothing reached the receiver"
q "ALTER SYSTEM SET solana.webhook_allowed_hosts = '127.0.0.1'" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
settle
q "UPDATE solana.webhooks SET circuit_open_until = NULL, consecutive_failures = 0 WHERE id = $SS" >/dev/null
q "UPDATE solana.webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = $SS AND state = 'failed'" >/dev/null
q "SELECT solana._webhook_wake()" >/dev/null
wait_for "SELECT state = 'delivered' FROM solana.webhook_deliveries WHERE webhook_id = $SS" 30
ok $? "the host in solana.webhook_allowed_hosts is delivered to"

# --- nothing left behind ---------------------------------------------------------
is "$(q "SELECT count(*) FROM solana.webhook_deliveries d JOIN solana.webhooks w ON w.id = d.webhook_id WHERE w.name LIKE 'itest_%' AND d.state NOT IN ('delivered', 'dead')")" 0 \
    "every delivery ended delivered or dead"
is "$(q "SELECT count(*) FROM solana.webhook_deliveries d JOIN solana.webhooks w ON w.id = d.webhook_id WHERE w.name LIKE 'itest_%' AND d.state = 'dead' AND d.last_error IS NULL")" 0 \
    "every dead delivery has a reason"
echo "1..$n"
