#!/usr/bin/env bash
# dispatcher.t: the dispatcher background worker against a local HTTP
# peer (always) and the local Solana peer (when PS_PEER_RPC is set).
# Jobs of kinds http, rpc and account_refresh succeed; 500s, hangs and
# refused connections are retried and finally die with the error
# recorded; bad payloads fail at once; a commit wakes an idle worker at
# once; many requests run at the same time.  Runs in database postgres,
# which the workers serve (solana.database).
set -uo pipefail
. "$(dirname "$0")/lib_net.sh"

DB=postgres
QN=t_disp_$$
trap 'cleanup_net; q postgres "DROP DATABASE IF EXISTS t_disp_other_$$ WITH (FORCE)" >/dev/null 2>&1; q $DB "DELETE FROM solana.jobs WHERE queue LIKE '"'"'$QN%'"'"'; DELETE FROM solana.queues WHERE name LIKE '"'"'$QN%'"'"'" >/dev/null 2>&1' EXIT
r=$(q $DB "CREATE EXTENSION IF NOT EXISTS pg_solana")
case "$r" in *ERROR*) echo "1..0 # SKIP pg_solana does not install: $r"; exit 0;; esac
if [ "$(q $DB "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'")" = 0 ]; then
    echo "1..0 # SKIP no dispatcher worker running (solana.dispatcher_workers = 0?)"; exit 0
fi

start_http_peer
set_system solana.rpc_url "$HTTP_PEER/rpc"
set_system solana.rpc_rate_limit 0
settle

# queue Q with fast retries: 100 ms, doubling, capped at 200 ms, no jitter
mkq() {
    q $DB "INSERT INTO solana.queues (name, backoff_base, backoff_cap, backoff_jitter)
           VALUES ('$1', '100 ms', '200 ms', 0)" >/dev/null
}
# wait_done Q SECS: until no job of Q is queued or running; prints the seconds taken
wait_done() {
    local t0=$SECONDS i
    for i in $(seq 1 $(($2 * 10))); do
        [ "$(q $DB "SELECT count(*) FROM solana.jobs WHERE queue = '$1' AND state IN ('queued', 'running')")" = 0 ] && break
        sleep 0.1
    done
}
job() { q $DB "SELECT $2 FROM solana.jobs WHERE id = $1"; }
enq() { q $DB "SELECT solana.enqueue('$1', '$2', '$3'::jsonb, max_attempts => ${4:-3})"; }

# --- kinds that succeed ---------------------------------------------------
Q=${QN}_ok; mkq $Q
j1=$(enq $Q http "{\"url\": \"$HTTP_PEER/echo\", \"method\": \"put\", \"headers\": {\"X-Test\": \"yes\"}, \"body\": {\"x\": 1}}")
j2=$(enq $Q rpc '{"method": "getVersion"}')
j3=$(enq $Q rpc '{"method": "echo", "params": [18446744073709551615, "a"]}')
j4=$(enq $Q http "{\"url\": \"$HTTP_PEER/binary\"}")
wait_done $Q 20
is "$(job $j1 "state || ' ' || (result->>'status')")" "succeeded 200" "http job succeeds with the status in result"
is "$(job $j1 "(result->>'body')::jsonb #>> '{headers,x-test}'")" "yes" "http job sends its headers"
is "$(job $j1 "((result->>'body')::jsonb ->> 'method') || ' ' || ((result->>'body')::jsonb -> 'body')::text")" 'PUT {"x": 1}' "http job sends method and JSON body"
is "$(job $j2 "state || ' ' || result::text")" 'succeeded {"feature-set": 1, "solana-core": "2.0.0"}' "rpc job stores the JSON-RPC result"
is "$(job $j3 "result::text")" '[18446744073709551615, "a"]' "rpc job result keeps u64 exact"
is "$(job $j4 "state || ' ' || (result->>'body_base64')")" "succeeded //4AAQ==" "non-UTF-8 body lands as body_base64"

# --- failures: retried, then dead with the error ---------------------------
Q=${QN}_fail; mkq $Q
PORT=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1]);s.close()")
peer_reset
f500=$(enq $Q http "{\"url\": \"$HTTP_PEER/status/500\"}" 3)
fhang=$(enq $Q http "{\"url\": \"$HTTP_PEER/hang/3\", \"timeout\": 0.3}" 2)
fref=$(enq $Q http "{\"url\": \"http://127.0.0.1:$PORT/\"}" 2)
fflaky=$(enq $Q http "{\"url\": \"$HTTP_PEER/flaky/2/a\"}" 5)
f429=$(enq $Q http "{\"url\": \"$HTTP_PEER/limited/d$$\"}" 5)
frpc=$(enq $Q rpc '{"method": "fail"}' 2)
fbad=$(enq $Q http '{"uri": "x"}' 5)
fbadrpc=$(enq $Q rpc '{"method": "no such"}' 5)
fkind=$(q $DB "SELECT solana.enqueue('$Q', 'account_refresh', '{\"pubkeys\": [\"0OIl\"]}')")
wait_done $Q 30
is "$(job $f500 "state || ' ' || attempts")" "dead 3" "HTTP 500: retried, dead after max_attempts"
like "$(job $f500 last_error)" "^GET $HTTP_PEER/status/500: HTTP 500" "HTTP 500: error recorded with URL and status"
is "$(peer_count status/500)" 3 "HTTP 500: the peer saw three attempts"
is "$(job $fhang "state || ' ' || attempts")" "dead 2" "hang: timed out, retried, dead"
like "$(job $fhang last_error)" "timed out after" "hang: timeout recorded"
is "$(job $fref "state || ' ' || attempts")" "dead 2" "refused connection: retried, dead"
like "$(job $fref last_error)" "connection refused" "refused connection: recorded"
is "$(job $fflaky "state || ' ' || attempts || ' ' || (result->>'body')")" "succeeded 3 recovered" "two 500s then 200: succeeds on the third attempt"
is "$(job $f429 "state || ' ' || attempts || ' ' || (finished_at - created_at >= interval '1 second')")" "succeeded 2 true" "429 with Retry-After: 1 waits a second (not the 100 ms backoff), then succeeds"
is "$(job $frpc "state || ' ' || attempts")" "dead 2" "JSON-RPC error: retried, dead"
like "$(job $frpc last_error)" "JSON-RPC error -32000: deliberate failure" "JSON-RPC error recorded with code and message"
is "$(job $fbad "state || ' ' || attempts")" "failed 1" "payload without url fails at once, no retry"
like "$(job $fbad last_error)" "\"url\" is missing" "bad payload error names the member"
is "$(job $fbadrpc "state || ' ' || attempts")" "failed 1" "bad rpc method fails at once"
like "$(job $fkind "state || ' ' || last_error")" "^failed .*pubkeys\[0\] \"0OIl\" is not a base58 public key" "account_refresh with a bad key fails naming it"

# --- wake-up at commit, and many requests in flight ------------------------
Q=${QN}_wake; mkq $Q
# (a database made before the idle check: the catalog invalidations of
# CREATE EXTENSION can make every backend catch up, workers included)
ODB=t_disp_other_$$
q postgres "CREATE DATABASE $ODB" >/dev/null
q $ODB "CREATE EXTENSION pg_solana CASCADE" >/dev/null
sleep 1     # the worker is idle now; its timer is minutes away
s0=$(q $DB "SELECT string_agg(state_change::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'")
sleep 2
s1=$(q $DB "SELECT string_agg(state_change::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'")
is "$s1" "$s0" "idle workers run no transaction for 2 s (no polling)"
# jobs of the applications' kinds are not the workers' business, nor are
# jobs in a database they do not serve: neither wakes them
for i in $(seq 1 20); do enq $Q app_kind "{\"i\": $i}" >/dev/null; done
q $ODB "SELECT solana.enqueue('$Q', 'http', '{\"url\": \"$HTTP_PEER/echo\"}')" >/dev/null
sleep 0.5
s2=$(q $DB "SELECT string_agg(state_change::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'")
is "$s2" "$s1" "enqueues of other kinds, or in another database, do not wake the workers"
q postgres "DROP DATABASE $ODB WITH (FORCE)" >/dev/null
t0=$(date +%s.%N)
w=$(enq $Q http "{\"url\": \"$HTTP_PEER/echo\"}")
for i in $(seq 1 100); do [ "$(job $w state)" = succeeded ] && break; sleep 0.02; done
t1=$(date +%s.%N)
like "$(python3 -c "d = $t1 - $t0; print('woken' if d < 1.0 else 'slow %.2f' % d)")" "^woken$" "a committed enqueue wakes the idle worker at once"
r=$(psql -X -q -At -d $DB -c "BEGIN" -c "SELECT solana.enqueue('$Q', 'http', '{\"url\": \"$HTTP_PEER/echo\"}')" -c "SELECT pg_sleep(0.5)" -c "ROLLBACK")
is "$(q $DB "SELECT count(*) FROM solana.jobs WHERE queue = '$Q' AND kind = 'http'")" 1 "a rolled-back enqueue leaves nothing"

Q=${QN}_many; mkq $Q
t0=$(date +%s.%N)
q $DB "SELECT count(solana.enqueue('$Q', 'http', jsonb_build_object('url', '$HTTP_PEER/hang/1', 'timeout', 10))) FROM generate_series(1, 30)" >/dev/null
wait_done $Q 30
t1=$(date +%s.%N)
is "$(q $DB "SELECT count(*) FROM solana.jobs WHERE queue = '$Q' AND state = 'succeeded' AND attempts = 1")" 30 "30 one-second requests all succeed"
like "$(python3 -c "d = $t1 - $t0; print('parallel' if d < 6 else 'serial %.1f' % d)")" "^parallel$" "30 one-second requests finish in under 6 s (in flight together)"

# --- account_refresh ------------------------------------------------------
Q=${QN}_acc; mkq $Q
K1=$(q $DB "SELECT solana.base58_encode(decode(repeat('a1', 32), 'hex'))")
K2=$(q $DB "SELECT solana.base58_encode(decode(repeat('b2', 32), 'hex'))")
q $DB "DELETE FROM solana.accounts WHERE pubkey::text IN ('$K1', '$K2')" >/dev/null
a=$(enq $Q account_refresh "{\"pubkeys\": [\"$K1\", \"$K2\"]}")
wait_done $Q 20
is "$(job $a "state || ' ' || (result->>'updated') || ' ' || (result->'missing')::text")" "succeeded 1 [\"$K2\"]" "account_refresh: one stored, the missing key reported"
is "$(q $DB "SELECT lamports || ' ' || owner || ' ' || encode(data, 'hex') || ' ' || rent_epoch || ' ' || slot FROM solana.accounts WHERE pubkey::text = '$K1'")" \
   "1461600 11111111111111111111111111111111 010203 18446744073709551615 4242" "account_refresh: the row in solana.accounts"

# decoding with a registered IDL (fixture_dex): a Market decodes, garbage stays raw
FIX=${PS_FIXTURES:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures}
if [ -f "$FIX/anchor_accounts.json" ]; then
    read -r PROG DATA < <(python3 -c "
import json, sys
c = [c for c in json.load(open(sys.argv[1]))['cases'] if c['idl'] == 'fixture_dex' and c['account'] == 'Market'][0]
print(c['program_id'], c['data_b64'])" "$FIX/anchor_accounts.json")
    registered=$(q $DB "SELECT count(*) FROM solana.programs WHERE program_id::text = '$PROG'")
    [ "$registered" = 0 ] && q $DB "SELECT solana.register_program(pg_read_file('$FIX/idl/fixture_dex.json')::jsonb)" >/dev/null
    K3=$(q $DB "SELECT solana.base58_encode(decode(repeat('c3', 32), 'hex'))")
    K4=$(q $DB "SELECT solana.base58_encode(decode(repeat('d4', 32), 'hex'))")
    curl -s -X POST -d "{\"$K3\": {\"owner\": \"$PROG\", \"data\": \"$DATA\"}, \"$K4\": {\"owner\": \"$PROG\", \"data\": \"AAECAw==\"}}" "$HTTP_PEER/set-accounts" >/dev/null
    a=$(enq $Q account_refresh "{\"pubkeys\": [\"$K1\", \"$K3\", \"$K4\"]}")
    wait_done $Q 20
    is "$(job $a "state || ' ' || (result->>'updated')")" "succeeded 3" "account_refresh with IDL-owned accounts succeeds"
    is "$(q $DB "SELECT account_type || ' ' || (decoded->>'fees_bps') FROM solana.accounts WHERE pubkey::text = '$K3'")" "Market 0" "account_refresh decodes with the registered IDL"
    is "$(q $DB "SELECT coalesce(account_type, 'raw') || ' ' || encode(data, 'hex') FROM solana.accounts WHERE pubkey::text = '$K4'")" "raw 00010203" "undecodable data stays raw, the refresh still succeeds"
    [ "$registered" = 0 ] && q $DB "SELECT solana.unregister_program('$PROG')" >/dev/null
    q $DB "DELETE FROM solana.accounts WHERE pubkey::text IN ('$K1', '$K3', '$K4')" >/dev/null
else
    echo "# fixtures not found at $FIX: decoding check skipped"
fi

# --- SIGTERM: the dispatcher gives its unfinished jobs back -----------------
# A slow request holds a job; the queue is paused so that no dispatcher
# takes the job again before we look.  pg_terminate_backend sends the
# worker SIGTERM: the job must be queued again at once (not after the
# 60 s lease), its attempt not counted; the postmaster restarts the
# worker, which then runs the job to completion.
Q=${QN}_term; mkq $Q
t=$(enq $Q http "{\"url\": \"$HTTP_PEER/hang/20\", \"timeout\": 15}" 3)
owner=
for _ in $(seq 1 100); do
    owner=$(job $t "CASE WHEN state = 'running' THEN lease_owner END")
    [ -n "$owner" ] && break
    sleep 0.1
done
like "$owner" "^pg_solana dispatcher [0-9]+$" "the slow job runs in a dispatcher"
pid=$(q $DB "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher' AND application_name = '$owner'")
q $DB "SELECT solana.pause('$Q')" >/dev/null
t0=$(date +%s.%N)
is "$(q $DB "SELECT pg_terminate_backend($pid)")" t "SIGTERM to the dispatcher that holds it"
for _ in $(seq 1 50); do
    [ "$(job $t state)" = queued ] && break
    sleep 0.1
done
t1=$(date +%s.%N)
is "$(job $t "state || ' ' || attempts || ' ' || coalesce(lease_owner, '-') || ' ' || (lease_expires_at IS NULL)")" \
   "queued 0 - true" "the job is queued again, lease cleared, attempt not counted"
like "$(python3 -c "d = $t1 - $t0; print('at once' if d < 3.0 else 'slow %.2f' % d)")" "^at once$" "handed back at once, not after the lease"
q $DB "UPDATE solana.jobs SET payload = jsonb_build_object('url', '$HTTP_PEER/echo') WHERE id = $t" >/dev/null
for _ in $(seq 1 100); do
    npid=$(q $DB "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher' AND application_name = '$owner'")
    [ -n "$npid" ] && [ "$npid" != "$pid" ] && break
    sleep 0.1
done
ok $([ -n "$npid" ] && [ "$npid" != "$pid" ]; echo $?) "the postmaster restarts the worker"
q $DB "SELECT solana.resume('$Q')" >/dev/null
wait_done $Q 20
is "$(job $t "state || ' ' || attempts || ' ' || (result->>'status')")" "succeeded 1 200" "the job then completes, on its first counted attempt"

# --- the local Solana peer -------------------------------------------------
if [ -n "${PS_PEER_RPC:-}" ]; then
    set_system solana.rpc_url "$PS_PEER_RPC"
    settle
    Q=${QN}_peer; mkq $Q
    K=$(q $DB "SELECT solana.base58_encode(decode(md5(random()::text) || md5(random()::text), 'hex'))")
    q $DB "SELECT solana.rpc('requestAirdrop', jsonb_build_array('$K', 2500000000), false)" >/dev/null
    sleep 1
    a=$(enq $Q account_refresh "{\"pubkeys\": [\"$K\"], \"commitment\": \"processed\"}")
    s=$(enq $Q rpc '{"method": "getSlot"}')
    wait_done $Q 20
    is "$(job $a "state || ' ' || (result->>'updated')")" "succeeded 1" "local peer: account_refresh succeeds"
    is "$(q $DB "SELECT lamports || ' ' || owner FROM solana.accounts WHERE pubkey::text = '$K'")" \
       "2500000000 11111111111111111111111111111111" "local peer: airdropped lamports stored"
    like "$(job $s "state || ' ' || result::text")" "^succeeded [0-9]+$" "local peer: rpc getSlot job"
else
    echo "# local Solana peer not running (PS_PEER_RPC unset): peer checks skipped"
fi

echo "1..$T_N"
exit $((T_FAIL > 0))
