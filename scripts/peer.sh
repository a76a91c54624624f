#!/usr/bin/env bash
# scripts/peer.sh: start and stop the local Solana peer (test/peer) from
# shell scripts.
#
#   scripts/peer.sh start DIR [peer options...]   start it in the background;
#                                                 prints shell assignments
#                                                 PEER_RPC, PEER_WS,
#                                                 PEER_CONTROL, PEER_PID
#   scripts/peer.sh stop DIR                      SIGTERM, wait, clean up
#   scripts/peer.sh status DIR                    print the ready JSON
#
# DIR holds the ledger (state.json, state.json.svm), the log (peer.log),
# the ready file (ready.json) and the pid.  Typical use:
#
#   eval "$(scripts/peer.sh start build/peer --slot-ms 400 --program all)"
#   curl -s "$PEER_RPC" -d '{"jsonrpc":"2.0","id":1,"method":"getSlot"}'
#   scripts/peer.sh stop build/peer
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,17p' "$0" >&2; exit 2; }
shift 2
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)

case $cmd in
start)
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        echo "peer already running (pid $(cat "$dir/pid"))" >&2; exit 1
    fi
    ( cd "$ROOT/test/peer"
      if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
          npm ci --no-audit --no-fund --loglevel=error >&2
      fi )
    rm -f "$dir/ready.json"
    node "$ROOT/test/peer/bin/peer.js" --state "$dir/state.json" --ready-file "$dir/ready.json" "$@" \
        > "$dir/peer.log" 2>&1 &
    echo $! > "$dir/pid"
    for _ in $(seq 1 150); do
        [ -s "$dir/ready.json" ] && break
        kill -0 "$(cat "$dir/pid")" 2>/dev/null || { echo "peer exited:" >&2; tail -20 "$dir/peer.log" >&2; exit 1; }
        sleep 0.2
    done
    [ -s "$dir/ready.json" ] || { echo "peer did not become ready" >&2; tail -20 "$dir/peer.log" >&2; exit 1; }
    python3 - "$dir/ready.json" <<'PY'
import json, shlex, sys
d = json.load(open(sys.argv[1]))
for k, v in (("PEER_RPC", d["rpc"]), ("PEER_WS", d["ws"]), ("PEER_CONTROL", d["control"]), ("PEER_PID", d["pid"])):
    print(f"{k}={shlex.quote(str(v))}; export {k}")
PY
    ;;
stop)
    [ -f "$dir/pid" ] || exit 0
    pid=$(cat "$dir/pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$dir/pid" "$dir/ready.json"
    ;;
status)
    [ -s "$dir/ready.json" ] && [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null \
        && cat "$dir/ready.json" || { echo "not running" >&2; exit 1; }
    ;;
*)
    echo "usage: scripts/peer.sh start|stop|status DIR [peer options]" >&2; exit 2 ;;
esac
