#!/usr/bin/env bash
# webhooks_live.t: events ingested from the local Solana peer arrive at
# a real receiver, signed (verified with the standardwebhooks algorithm)
# and exactly as committed in solana.events.  A scripted program on the
# peer emits events (fixture_dex IDL); the ingest worker writes them;
# the outbox trigger queues one delivery per event for the webhook that
# follows that program; the dispatcher sends them.
set -uo pipefail
if [ -z "${PS_PEER_RPC:-}" ] || [ -z "${PS_PEER_CONTROL:-}" ]; then
    echo "1..0 # SKIP no local Solana peer (PS_PEER_RPC unset)"; exit 0
fi
if ! command -v node >/dev/null; then echo "1..0 # SKIP node is not installed"; exit 0; fi
ROOT=${PS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIXTURES=${PS_FIXTURES:-$ROOT/../shared/fixtures}
TMP=$(mktemp -d)
RCV_PID=
n=0
WH=
cleanup() {
    [ -n "$RCV_PID" ] && kill "$RCV_PID" 2>/dev/null
    [ -n "$WH" ] && psql -X -q -d postgres -c "DELETE FROM solana.webhooks WHERE id = $WH" >/dev/null 2>&1
    [ -n "${SUB:-}" ] && psql -X -q -d postgres -c "SELECT solana.unsubscribe($SUB)" >/dev/null 2>&1
    psql -X -q -d postgres -c "ALTER SYSTEM RESET solana.webhook_allow_private" -c "SELECT pg_reload_conf()" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() {
    n=$((n + 1))
    if [ "$1" == "$2" ]; then echo "ok $n - $3"
    else echo "not ok $n - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi
}
wait_for() {
    local end=$((SECONDS + $2))
    while [ $SECONDS -lt $end ]; do
        [ "$(q "$1" 2>/dev/null)" = t ] && return 0
        sleep 0.3
    done
    return 1
}
control() { curl -sf -X POST -H 'content-type: application/json' --data "$2" "$PS_PEER_CONTROL/$1"; }

q "CREATE EXTENSION IF NOT EXISTS pg_solana" >/dev/null 2>&1
if ! wait_for "SELECT count(*) = 2 FROM (SELECT DISTINCT backend_type FROM pg_stat_activity
               WHERE backend_type IN ('pg_solana ingest', 'pg_solana dispatcher')) s" 20; then
    echo "1..0 # SKIP the ingest worker or the dispatcher is not running"; exit 0
fi
q "ALTER SYSTEM SET solana.rpc_url = '$PS_PEER_RPC'" >/dev/null
q "ALTER SYSTEM SET solana.ws_url = '$PS_PEER_WS'" >/dev/null
q "ALTER SYSTEM SET solana.webhook_allow_private = on" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
sleep 0.5

# the receiver
. "$ROOT/test/integration/lib_receiver.sh"
start_receiver main --fixtures "$FIXTURES" --log "$TMP/log" || { echo "Bail out! receiver did not start"; exit 1; }
RCV_PID=$RCV_LAST_PID
U=$RCV_LAST_URL

# a fresh scripted program with the fixture_dex IDL, followed by the worker
P=$(q "SELECT solana.pubkey(decode(md5(random()::text) || md5(random()::text), 'hex'))")
IDL=$ROOT/test/peer/fixtures/idl/fixture_dex.json
control registerProgram "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['address']=sys.argv[2]; print(json.dumps({'program_id': sys.argv[2], 'idl': d}))" "$IDL" "$P")" >/dev/null
ok $? "peer: scripted program $P"
q "SELECT solana.register_program(pg_read_file('$IDL')::jsonb, '$P')" >/dev/null
ok $? "IDL registered"
WH=$(q "SELECT id FROM solana.add_webhook('live_$P', '$U/live', event_types => '{event}', program_ids => ARRAY['$P'::solana.pubkey])")
curl -s -X POST "$U/_control" -d "{\"secrets\": {\"/live\": [\"$(q "SELECT secret FROM solana.webhooks WHERE id = $WH")\"]}}" >/dev/null
SUB=$(q "SELECT solana.subscribe('logs', '$P')")
wait_for "SELECT EXISTS (SELECT 1 FROM solana.ingest_cursor WHERE subscription_id = $SUB)" 20
ok $? "the ingest worker follows the program"
sleep 1

OWNER=$(q "SELECT solana.pubkey(decode(md5('owner') || md5('owner'), 'hex'))")
SIGS=()
for k in 1 2 3; do
    s=$(control execute "{\"program_id\": \"$P\", \"events\": [{\"name\": \"Empty\"}, {\"name\": \"OrderCancelled\", \"data\": {\"order_id\": $k, \"owner\": \"$OWNER\", \"reason\": \"Expired\", \"refund\": null}}]}" |
        python3 -c "import json,sys; print(json.load(sys.stdin)['signature'])")
    SIGS+=("$s")
done
ok $([ ${#SIGS[@]} = 3 ] && echo 0 || echo 1) "peer: three transactions with two events each"
wait_for "SELECT count(*) = 6 FROM solana.events WHERE program_id::text = '$P'" 30
ok $? "six events ingested"
wait_for "SELECT count(*) = 6 AND bool_and(state = 'delivered') FROM solana.webhook_deliveries WHERE webhook_id = $WH" 30
ok $? "six deliveries delivered"
sleep 0.3
q "SELECT json_agg(json_build_object('id', d.message_id, 'body', d.payload::text,
                                     'event', 'evt_' || e.signature::text || '_' || e.log_index))
     FROM solana.webhook_deliveries d
     JOIN solana.events e ON d.message_id = 'evt_' || e.signature::text || '_' || e.log_index
    WHERE d.webhook_id = $WH" > "$TMP/rows.json"
r=$(python3 - "$TMP/rows.json" "$TMP/log" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1])) or []
got = [json.loads(l) for l in open(sys.argv[2])]
got = [g for g in got if g["path"] == "/live"]
if len(rows) != 6: print("rows joined to events:", len(rows)); sys.exit()
if not all(g["verified"] for g in got): print("unverified"); sys.exit()
want = {(r["id"], r["body"]) for r in rows}
have = {(g["id"], g["body"]) for g in got}
print("same" if want == have else "differ: %r" % (want ^ have))
PY
)
is "$r" same "each ingested event arrived once per id, signature verified, body = the committed payload"
is "$(q "SELECT string_agg(DISTINCT payload->'event'->>'name', ',' ORDER BY payload->'event'->>'name') FROM solana.webhook_deliveries WHERE webhook_id = $WH")" \
    "Empty,OrderCancelled" "payloads carry the decoded event names"
is "$(q "SELECT count(*) FROM solana.webhook_deliveries WHERE webhook_id = $WH AND (payload->'event'->'data'->>'order_id')::int BETWEEN 1 AND 3")" 3 \
    "and the decoded data"
echo "1..$n"
