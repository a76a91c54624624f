#!/usr/bin/env bash
# bench/gateway/run.sh: solana.rpc calls/s against the local Solana peer
# (test/peer) -- served from the shared-memory cache, and uncached (one
# HTTP round trip each, through the rate limiter and retry logic) -- side
# by side with a sequential Node 20 fetch() JSON-RPC client in the same
# run.  Uses the server in PGHOST/PGPORT when set (its solana.rpc_url is
# put back afterwards), else starts a scratch cluster.  Medians of 3 runs.
# See docs/benchmarks.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/scripts/lib.sh"
work=$(mktemp -d)
started=
peer_pid=
old_url=
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1)
cleanup() {
    if [ -z "$started" ] && [ -n "${PGPORT:-}" ]; then
        if [ -n "$old_url" ]; then "${PSQL[@]}" -d postgres -c "ALTER SYSTEM SET solana.rpc_url = '$old_url'" >/dev/null
        else "${PSQL[@]}" -d postgres -c "ALTER SYSTEM RESET solana.rpc_url" >/dev/null; fi
        "${PSQL[@]}" -d postgres -c "SELECT pg_reload_conf()" >/dev/null
    fi
    [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
    [ -n "$started" ] && pg_stop "$work/pg"
    rm -rf "$work"
}
trap cleanup EXIT

( cd "$root/test/peer" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
node "$root/test/peer/bin/peer.js" --quiet --ready-file "$work/ready" > "$work/peer.log" 2>&1 &
peer_pid=$!
for _ in $(seq 1 100); do [ -s "$work/ready" ] && break; sleep 0.2; done
rpc=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['rpc'])" "$work/ready")

if [ -z "${PGPORT:-}" ]; then
    export PGHOST=127.0.0.1 PGUSER=postgres PGPORT=$(free_port)
    pg_start "$work/pg" "$PGPORT"; started=1
else
    old_url=$("${PSQL[@]}" -d postgres -c "SELECT setting FROM pg_file_settings WHERE name = 'solana.rpc_url' AND sourcefile LIKE '%auto.conf' AND applied")
fi
"${PSQL[@]}" -d postgres -c "ALTER SYSTEM SET solana.rpc_url = '$rpc'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
db=bench_gateway_$$
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $db" >/dev/null
trap '"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null; cleanup' EXIT
"${PSQL[@]}" -d "$db" -c "CREATE EXTENSION pg_solana" >/dev/null

# rate SQL N: calls/s of one statement running SQL (with g = 1..N)
rate() {
    "${PSQL[@]}" -d "$db" -c "SET solana.rpc_cache_ttls = 'getVersion=10min'" -c "
        DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); n bigint; BEGIN
          SELECT count($1) INTO n FROM generate_series(1, $2) AS g;
          RAISE NOTICE 'rate=%', round($2 / extract(epoch FROM clock_timestamp() - t0)); END \$\$" 2>&1 |
        sed -n 's/.*rate=//p'
}
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

cached=(); uncached=(); js=()
for _ in 1 2 3; do
    cached+=("$(rate "solana.rpc('getVersion')" 50000)")
    uncached+=("$(rate "solana.rpc('getVersion', use_cache => false)" 1000)")
    js+=("$(node "$here/fetch_js.js" "$rpc" 1000)")
done
c=$(median "${cached[@]}"); u=$(median "${uncached[@]}"); j=$(median "${js[@]}")
echo "| call path | calls/s (median of 3) | vs Node fetch |"
echo "|---|---:|---:|"
printf '| solana.rpc, cache hit (shared memory) | %s | %sx |\n' "$c" "$(python3 -c "print(round($c / $j, 1))")"
printf '| solana.rpc, use_cache => false (HTTP to the peer) | %s | %sx |\n' "$u" "$(python3 -c "print(round($u / $j, 2))")"
printf '| Node 20 fetch(), sequential (HTTP to the peer) | %s | 1x |\n' "$j"
echo
echo "runs: cached ${cached[*]}; uncached ${uncached[*]}; node ${js[*]}"
