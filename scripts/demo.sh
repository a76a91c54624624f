#!/usr/bin/env bash
# scripts/demo.sh [--once]: the main job.  Installs what it needs, builds
# and installs pg_solana, starts a throwaway cluster (user postgres,
# loopback, a free port) with pg_solana preloaded, starts the local Solana
# peer (test/peer, every fixture program scripted), points the extension
# at it, runs the scenario steps scripts/demo/*.sql (psql) and *.sh
# (bash) in name order, prints the connection string, and stays up until
# interrupted (or exits at once with --once).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PS_ROOT"
once=false; [ "${1:-}" = "--once" ] && once=true

ensure_deps
build_install

DEMO=${PS_DEMO_DIR:-/tmp/pg_solana_demo}
PORT=${PS_DEMO_PORT:-$(free_port)}
PEER_PID=
cleanup() {
    say "stopping"
    [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null || true
    # the webhook receiver started by scripts/demo/60_webhooks.sh
    [ -s "$DEMO.webhook/pid" ] && kill "$(cat "$DEMO.webhook/pid")" 2>/dev/null || true
    pg_stop "$DEMO"
}
rm -f "$DEMO.webhook/pid"    # a previous run's receiver pid
trap cleanup EXIT INT TERM

rpc_url=; ws_url=; control_url=
if [ -f test/peer/bin/peer.js ]; then
    say "starting the local Solana peer (litesvm)"
    ( cd test/peer && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
    # a fresh ledger each run (--program cannot re-deploy onto a saved one)
    mkdir -p "$DEMO.peer"; rm -f "$DEMO.peer/ready" "$DEMO.peer/state.json" "$DEMO.peer/state.json.svm"
    node test/peer/bin/peer.js --rpc-port 0 --ws-port 0 --state "$DEMO.peer/state.json" \
        --program all --ready-file "$DEMO.peer/ready" > "$DEMO.peer/peer.log" 2>&1 &
    PEER_PID=$!
    for _ in $(seq 1 100); do [ -s "$DEMO.peer/ready" ] && break; sleep 0.2; done
    rpc_url=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['rpc'])" "$DEMO.peer/ready")
    ws_url=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['ws'])" "$DEMO.peer/ready")
    control_url=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['control'])" "$DEMO.peer/ready")
    echo "peer: $rpc_url  $ws_url"
fi

say "starting PostgreSQL on 127.0.0.1:$PORT (data in $DEMO)"
conf=()
[ -n "$rpc_url" ] && conf+=("solana.rpc_url = '$rpc_url'" "solana.ws_url = '$ws_url'")
pg_start "$DEMO" "$PORT" "${conf[@]}"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_solana"
if [ -n "$rpc_url" ]; then export PS_PEER_RPC=$rpc_url PS_PEER_WS=$ws_url PS_PEER_CONTROL=$control_url; fi
export PS_ROOT PS_DEMO_DIR=$DEMO

for step in scripts/demo/*.sql scripts/demo/*.sh; do echo "$step"; done | sort | while read -r step; do
    [ -f "$step" ] || continue
    case $step in
        *.sql) say "demo: $(sed -n '1s/^-- *//p' "$step")"
               psql -X -v ON_ERROR_STOP=1 -f "$step" </dev/null ;;
        *.sh)  say "demo: $(sed -n '2s/^# *//p' "$step")"
               bash "$step" </dev/null ;;
    esac
done

say "ready"
echo "connection string: postgresql://postgres@127.0.0.1:$PORT/postgres"
echo "explore:           psql -h 127.0.0.1 -p $PORT -U postgres postgres"
$once && exit 0
echo "(Ctrl-C stops the cluster and the peer)"
while true; do sleep 3600; done
