#!/usr/bin/env bash
# gateway.t: solana.rpc against a local HTTP JSON-RPC peer (always) and
# the local Solana peer (when PS_PEER_RPC is set): answers, exact
# numbers, cache hits that never reach the peer, TTLs, opt-out, retries
# on 503, 429 (Retry-After) and timeouts, SQLSTATEs 38000 / 08006 / 08P01
# naming the endpoint, and the shared rate limit under concurrent
# backends.
set -uo pipefail
. "$(dirname "$0")/lib_net.sh"

DB=ps_gateway_t
trap 'cleanup_net; q postgres "DROP DATABASE IF EXISTS $DB" >/dev/null' EXIT
q postgres "DROP DATABASE IF EXISTS $DB" >/dev/null
q postgres "CREATE DATABASE $DB" >/dev/null
r=$(q $DB "CREATE EXTENSION pg_solana")
if [ -n "$r" ]; then echo "1..0 # SKIP pg_solana does not install: $r"; exit 0; fi
q $DB "CREATE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN EXECUTE sql; RETURN 'ok';
EXCEPTION WHEN others THEN RETURN SQLSTATE || ': ' || SQLERRM; END \$\$" >/dev/null

start_http_peer
RPC=$HTTP_PEER/rpc
set_system solana.rpc_url "$RPC"
set_system solana.rpc_rate_limit 0
settle
q $DB "SELECT solana.rpc_cache_reset()" >/dev/null

# --- answers ------------------------------------------------------------
is "$(q $DB "SELECT solana.rpc('getVersion')")" '{"feature-set": 1, "solana-core": "2.0.0"}' "getVersion answer as jsonb"
is "$(q $DB "SELECT solana.rpc('big', use_cache => false)->>'rentEpoch'")" "18446744073709551615" "u64 maximum stays exact"
is "$(q $DB "SELECT solana.rpc('echo', '[1, {\"b\": 2, \"a\": [true, null]}]')")" '[1, {"a": [true, null], "b": 2}]' "params reach the peer unchanged"

# --- cache --------------------------------------------------------------
peer_reset
for i in 1 2 3 4 5; do q $DB "SELECT solana.rpc('getVersion', '[]')" >/dev/null; done
is "$(peer_count rpc:getVersion)" 0 "cached getVersion: five calls, no request reaches the peer"
q $DB "SELECT solana.rpc('getVersion', use_cache => false)" >/dev/null
is "$(peer_count rpc:getVersion)" 1 "use_cache => false goes to the peer"
peer_reset
r=$(psql -X -q -At -d $DB <<'SQL'
SET solana.rpc_cache_ttls = 'echo=2s';
SELECT solana.rpc('echo', '["ttl", {"a": 1, "b": 2}]');
SELECT solana.rpc('echo', '["ttl", {"b": 2, "a": 1}]');
SELECT pg_sleep(2.5);
SELECT solana.rpc('echo', '["ttl", {"a": 1, "b": 2}]');
SQL
)
is "$(peer_count rpc:echo)" 2 "TTL 2s: equal params share an entry, expired after 2.5 s"
peer_reset
r=$(psql -X -q -At -d $DB -c "SET solana.rpc_cache_ttl = 0" -c "SET solana.rpc_cache_ttls = ''" \
    -c "SELECT solana.rpc('echo', '[\"nocache\"]')" -c "SELECT solana.rpc('echo', '[\"nocache\"]')")
is "$(peer_count rpc:echo)" 2 "TTL 0 disables caching"
peer_reset
q $DB "SELECT solana.rpc('getSlot', use_cache => false), solana.rpc('getSlot', use_cache => false)" >/dev/null
is "$(peer_count rpc:getSlot)" 2 "uncached calls each reach the peer"
like "$(q $DB "SELECT hits > 0 AND entries > 0 AND bytes_used <= bytes_total FROM solana.rpc_cache_stats()")" "^t$" "cache statistics count hits within the size bound"
like "$(q $DB "SELECT try(\$\$SELECT solana.rpc_cache_stats()\$\$)")" "^ok$" "rpc_cache_stats callable"

# --- errors ---------------------------------------------------------------
like "$(q $DB "SELECT try(\$\$SELECT solana.rpc('fail')\$\$)")" "^38000: JSON-RPC error -32000 from $RPC: deliberate failure" "JSON-RPC error raises 38000 naming endpoint and code"
like "$(q $DB "SELECT try(\$\$SELECT solana.rpc('garbage')\$\$)")" "^08P01: invalid JSON-RPC response from $RPC" "non-JSON answer raises 08P01"
like "$(q $DB "SELECT try(\$\$SELECT solana.rpc('get slot')\$\$)")" "^22023: invalid JSON-RPC method name" "bad method name raises 22023"
like "$(q $DB "SELECT try(\$\$SELECT solana.rpc('getSlot', '7')\$\$)")" "^22023: invalid JSON-RPC params" "scalar params raise 22023"

# --- retries ------------------------------------------------------------
peer_reset
set_system solana.rpc_url "$HTTP_PEER/rpc-flaky/2"
settle
r=$(psql -X -q -At -d $DB -c "SET solana.rpc_retry_base = '20ms'" -c "SELECT solana.rpc('getSlot', use_cache => false)::bigint > 0")
is "$r" "t" "two 503s then an answer: retried to success"
is "$(peer_count rpc-flaky/2)" 3 "three requests for two 503s"

peer_reset
set_system solana.rpc_url "$HTTP_PEER/rpc-flaky/100"
settle
r=$(psql -X -q -At -d $DB -c "SET solana.rpc_retry_base = '10ms'" -c "SET solana.rpc_retries = 2" \
    -c "SELECT try(\$\$SELECT solana.rpc('getSlot', use_cache => false)\$\$)")
like "$r" "^38000: JSON-RPC endpoint $HTTP_PEER/rpc-flaky/100 answered HTTP 503" "persistent 503 raises 38000 after the retries"
is "$(peer_count rpc-flaky/100)" 3 "retries = 2 makes three attempts"

peer_reset
set_system solana.rpc_url "$HTTP_PEER/rpc-limited/a"
settle
t0=$(date +%s.%N)
r=$(psql -X -q -At -d $DB -c "SET solana.rpc_retry_base = '10ms'" -c "SELECT solana.rpc('getVersion', use_cache => false)->>'solana-core'")
t1=$(date +%s.%N)
is "$r" "2.0.0" "429 then an answer: retried to success"
like "$(python3 -c "print('waited' if $t1 - $t0 >= 0.95 else 'hurried %.2f' % ($t1 - $t0))")" "^waited$" "Retry-After: 1 honoured over a 10 ms backoff"

set_system solana.rpc_url "$RPC"
settle
peer_reset
r=$(psql -X -q -At -d $DB -c "SET solana.rpc_timeout = '300ms'" -c "SET solana.rpc_retries = 1" \
    -c "SET solana.rpc_retry_base = '10ms'" -c "SELECT try(\$\$SELECT solana.rpc('slow', '[2]', false)\$\$)")
like "$r" "^08006: could not reach JSON-RPC endpoint $RPC" "timeouts raise 08006 naming the endpoint"
is "$(peer_count rpc:slow)" 2 "a timed-out call is retried"

PORT=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1]);s.close()")
set_system solana.rpc_url "http://127.0.0.1:$PORT/"
settle
r=$(psql -X -q -At -d $DB -c "SET solana.rpc_retry_base = '10ms'" -c "SELECT try(\$\$SELECT solana.rpc('getSlot')\$\$)")
like "$r" "^08006: could not reach JSON-RPC endpoint http://127.0.0.1:$PORT/" "refused connection raises 08006 naming the endpoint"

# --- rate limit under concurrent backends -------------------------------
set_system solana.rpc_url "$RPC"
set_system solana.rpc_rate_limit 20
set_system solana.rpc_rate_burst 2
settle
peer_reset
pids=()
for c in 1 2 3 4; do
    psql -X -q -At -d $DB -c "SELECT count(solana.rpc('echo', jsonb_build_array($c, i), false)) FROM generate_series(1, 10) i" >/dev/null &
    pids+=($!)
done
wait "${pids[@]}"
r=$(curl -s "$HTTP_PEER/stats" | python3 -c "
import json, sys
t = sorted(json.load(sys.stdin)['times'].get('rpc:echo', []))
worst = max(sum(1 for u in t if s <= u < s + 1.0) for s in t)
print(len(t), 'ok' if worst <= 30 else 'burst %d in 1 s' % worst, 'ok' if t[-1] - t[0] >= (40 - 2) / 20.0 * 0.9 else 'fast %.2f' % (t[-1] - t[0]))")
is "$r" "40 ok ok" "4 backends x 10 calls at 20/s, burst 2: >= 1.7 s in all, at most 30 in any second (unlimited: ~0.2 s)"
set_system solana.rpc_rate_limit 0

# --- the local Solana peer ----------------------------------------------
if [ -n "${PS_PEER_RPC:-}" ]; then
    set_system solana.rpc_url "$PS_PEER_RPC"
    settle
    q $DB "SELECT solana.rpc_cache_reset()" >/dev/null
    curl -s -X POST -d '{}' "$PS_PEER_CONTROL/resetStats" >/dev/null
    v=$(q $DB "SELECT solana.rpc('getGenesisHash') = solana.rpc('getGenesisHash') AND solana.rpc('getGenesisHash') IS NOT NULL")
    is "$v" "t" "local peer: getGenesisHash answers"
    n=$(curl -s -X POST -d '{}' "$PS_PEER_CONTROL/stats" | python3 -c "import json,sys;print(json.load(sys.stdin)['requests'].get('getGenesisHash',0))")
    is "$n" 1 "local peer: three cached calls, one request counted at the peer"
    like "$(q $DB "SELECT try(\$\$SELECT solana.rpc('noSuchMethod')\$\$)")" "^38000: JSON-RPC error -32601 from $PS_PEER_RPC" "local peer: unknown method raises 38000"
    curl -s -X POST -d '{"count": 1, "retry_after": 1}' "$PS_PEER_CONTROL/http429" >/dev/null
    like "$(q $DB "SELECT solana.rpc('getSlot', use_cache => false)::text")" "^[0-9]+$" "local peer: a 429 is retried"
    curl -s -X POST -d '{}' "$PS_PEER_CONTROL/clearFaults" >/dev/null
else
    echo "# local Solana peer not running (PS_PEER_RPC unset): peer checks skipped"
fi

echo "1..$T_N"
exit $((T_FAIL > 0))
