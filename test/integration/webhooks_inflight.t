#!/usr/bin/env bash
# webhooks_inflight.t: a webhook's max_in_flight holds across
# dispatchers.  Restarts the cluster with solana.dispatcher_workers = 2,
# sends bursts to two endpoints of the verifying receiver that answer
# slowly (max_in_flight 3 and 1), and checks with the receiver's own
# count of requests open at once that no endpoint ever had more than
# its limit, that the limit was reached, that both dispatchers sent
# (their keep-alive connections to the receiver, seen with ss), and that
# every delivery arrived verified.  Restores the setting and restarts
# again at the end.  Needs PS_PGDIR and root (pg_ctl as user postgres).
set -uo pipefail
ROOT=${PS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIXTURES=${PS_FIXTURES:-$ROOT/../shared/fixtures}
PGDIR=${PS_PGDIR:-}
TMP=$(mktemp -d)
n=0
RCV_PID=
RESTARTED=

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
pg_restart() {
    runuser -u postgres -- "$(pg_config --bindir)/pg_ctl" -D "$PGDIR/data" -m fast -w \
        restart -l "$PGDIR/server.log" >/dev/null 2>&1
}
cleanup() {
    [ -n "$RCV_PID" ] && kill "$RCV_PID" 2>/dev/null
    psql -X -q -d postgres -c "DELETE FROM solana.webhooks WHERE name LIKE 'itest_inflight_%'" \
        -c "ALTER SYSTEM RESET solana.dispatcher_workers" \
        -c "ALTER SYSTEM RESET solana.webhook_allow_private" >/dev/null 2>&1
    [ -n "$RESTARTED" ] && pg_restart
    rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
is() {
    n=$((n + 1))
    if [ "$1" == "$2" ]; then echo "ok $n - $3"
    else echo "not ok $n - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi
}
wait_for() {
    local end=$((SECONDS + $2))
    while [ $SECONDS -lt $end ]; do
        [ "$(q "$1" 2>/dev/null)" = t ] && return 0
        sleep 0.2
    done
    return 1
}

if [ -z "$PGDIR" ] || [ ! -d "$PGDIR/data" ] || [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP needs PS_PGDIR and root to restart the cluster with two dispatchers"
    exit 0
fi
r=$(q "CREATE EXTENSION IF NOT EXISTS pg_solana" 2>&1)
case "$r" in *"ERROR: "*) echo "1..0 # SKIP pg_solana does not install: $r"; exit 0;; esac
echo "1..9"

q "ALTER SYSTEM SET solana.dispatcher_workers = 2" >/dev/null
q "ALTER SYSTEM SET solana.webhook_allow_private = on" >/dev/null
RESTARTED=1
pg_restart
ok $? "cluster restarted with solana.dispatcher_workers = 2"
wait_for "SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'" 30
ok $? "two dispatchers run"

. "$ROOT/test/integration/lib_receiver.sh"
start_receiver main --no-record --fixtures "$FIXTURES" || { echo "Bail out! receiver did not start"; exit 1; }
RCV_PID=$RCV_LAST_PID
U=$RCV_LAST_URL
RPORT=${U##*:}

A=$(q "SELECT id FROM solana.add_webhook('itest_inflight_a', '$U/a', event_types => '{message}', max_in_flight => 3)")
B=$(q "SELECT id FROM solana.add_webhook('itest_inflight_b', '$U/b', event_types => '{message}', max_in_flight => 1)")
curl -s -X POST "$U/_control" -d "{\"secrets\": {\"/a\": [\"$(q "SELECT secret FROM solana.webhooks WHERE id = $A")\"],
    \"/b\": [\"$(q "SELECT secret FROM solana.webhooks WHERE id = $B")\"]},
    \"default\": {\"/a\": \"sleep:30\", \"/b\": \"sleep:15\"}}" >/dev/null

# bursts in several transactions, so that both dispatchers are woken
# and claim while the other one has requests running
for i in $(seq 1 8); do
    q "SELECT count(solana.send_webhook($A, jsonb_build_object('i', $i, 'g', g))) FROM generate_series(1, 25) g" >/dev/null &
    p1=$!
    q "SELECT count(solana.send_webhook($B, jsonb_build_object('i', $i, 'g', g))) FROM generate_series(1, 8) g" >/dev/null &
    wait $p1 $!
    sleep 0.1
done
wait_for "SELECT count(*) = 264 AND bool_and(state = 'delivered') FROM solana.webhook_deliveries WHERE webhook_id IN ($A, $B)" 90
ok $? "all 264 deliveries delivered"

stats=$(curl -s "$U/_stats")
is "$(echo "$stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["verified"], s["unverified"])')" "264 0" \
    "the receiver verified every request"
ma=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_in_flight"].get("/a", 0))')
mb=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_in_flight"].get("/b", 0))')
ok $([ "$ma" -le 3 ] && echo 0 || echo 1) "endpoint a (max_in_flight 3): at most 3 requests open at once (saw $ma)"
ok $([ "$mb" -le 1 ] && echo 0 || echo 1) "endpoint b (max_in_flight 1): at most 1 request open at once (saw $mb)"
is "$ma" 3 "endpoint a reached its limit (the test can see a breach)"

# the dispatchers keep their connections to the receiver alive: both own some
dpids=$(q "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'")
senders=$(ss -Htnp state established "( dport = :$RPORT )" 2>/dev/null |
          grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u |
          while read -r p; do case " $dpids " in *" $p "*) echo "$p";; esac; done | wc -l)
is "$senders" 2 "both dispatchers sent requests (connections to the receiver from pids $dpids)"

q "DELETE FROM solana.webhooks WHERE id IN ($A, $B)" >/dev/null
ok $? "cleaned up"
