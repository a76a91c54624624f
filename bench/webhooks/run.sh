#!/usr/bin/env bash
# bench/webhooks/run.sh: webhook deliveries/s end to end (rows committed
# -> the receiver got a request whose Standard Webhooks signature it
# verified) with 32 in flight, against the local Node receiver of the
# tests, side by side in one run with:
#   wrk -c32 (the loopback ceiling of that receiver, same signed request),
#   curl --parallel --parallel-max 32 (libcurl's own ceiling here),
#   the course code's naive pattern (Node fetch, Promise.allSettled in
#   batches of 50, no signing, nothing recorded);
# then commit->delivery latency p50/p99 at a steady 1,000 deliveries/s
# (pgbench --rate).  RUNS runs of N deliveries each; medians.  pg_solana
# and curl are timed from their start (for pg_solana: just after the
# rows' commit) to the receiver's clock at its last verified request
# (its /_stats last_verified_at), so polling adds nothing.
# DISPATCHERS=2 splits the 32 in flight over two dispatcher workers (16
# each; the endpoint's max_in_flight of 32 holds over both together).
# Needs root (it starts a throwaway preloaded cluster as user postgres).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
. "$root/scripts/lib.sh"
runs=${RUNS:-3}
disp=${DISPATCHERS:-1}
N=${N:-10000}
RATE_SECS=${RATE_SECS:-10}
out=$root/build/bench/webhooks; mkdir -p "$out"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || true; }

dir=$out/pg; port=$(free_port)
pg_start "$dir" "$port" "solana.webhook_allow_private = on" \
    "solana.webhook_concurrency = $((32 / disp))" "solana.dispatcher_workers = $disp" \
    "max_connections = 50"
rcv_pid=
trap '[ -n "$rcv_pid" ] && kill $rcv_pid 2>/dev/null; pg_stop "$dir"' EXIT
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
q "CREATE EXTENSION pg_solana"

rm -f "$out/ready"		# a previous run's file would name a receiver that is gone
node "$root/test/integration/webhook_receiver.js" --ready-file "$out/ready" --no-record \
    > "$out/receiver.log" 2>&1 &
rcv_pid=$!
for _ in $(seq 1 50); do [ -s "$out/ready" ] && break; sleep 0.1; done
U=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['url'])" "$out/ready")
id=$(q "SELECT id FROM solana.add_webhook('bench', '$U/hook', event_types => '{message}', max_in_flight => 32)")
secret=$(q "SELECT secret FROM solana.webhooks WHERE id = $id")
curl -s -X POST "$U/_control" -d "{\"secrets\": {\"/hook\": [\"$secret\"], \"/wrk\": [\"$secret\"], \"/curl\": [\"$secret\"]}}" >/dev/null
body='{"type": "event", "data": {"amount": "18446744073709551615"}, "n": 1}'
# CPU of the dispatcher processes so far (clock ticks)
disp_cpu() {
    local t=0 p
    for p in $(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_solana dispatcher'"); do
        t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat 2>/dev/null || echo 0)))
    done
    echo $t
}
verified() { curl -s "$U/_stats" | grep -o '"verified":[0-9]*' | cut -d: -f2; }
# the receiver's clock (ms since epoch) at its last verified request
last_at() { curl -s "$U/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_verified_at"] / 1000)'; }

# warm-up: plans, connections, JIT of the receiver
q "SELECT count(solana.send_webhook($id, '$body'::jsonb)) FROM generate_series(1, 500)" >/dev/null
while [ "$(verified)" -lt 500 ]; do sleep 0.05; done
node "$here/naive.js" "$U/naive" 500 >/dev/null

: > "$out/results.jsonl"
for r in $(seq 1 "$runs"); do
    # pg_solana: N rows in one transaction, time to the last verified request
    q "TRUNCATE solana.webhook_deliveries" >/dev/null
    curl -s -X POST "$U/_reset" >/dev/null
    c0=$(disp_cpu)
    q "SELECT count(solana.send_webhook($id, jsonb_set('$body', '{n}', to_jsonb(g)))) FROM generate_series(1, $N) g" >/dev/null
    t0=$(date +%s.%N)		# just after the commit
    while [ "$(verified)" -lt "$N" ]; do sleep 0.02; done
    t1=$(last_at)
    # the dispatchers' CPU (utime + stime, clock ticks) until every outcome is recorded
    while [ "$(q "SELECT count(*) FROM solana.webhook_deliveries WHERE state <> 'delivered'")" != 0 ]; do sleep 0.02; done
    c1=$(disp_cpu)
    echo "{\"impl\": \"pg_solana\", \"n\": $N, \"secs\": $(python3 -c "print($t1 - $t0)"), \"cpu_us\": $(python3 -c "print(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / $N)")}" >> "$out/results.jsonl"

    # wrk: the same signed request, 32 connections, keep-alive
    ts=$(date +%s)
    sig=$(q "SELECT solana.webhook_sign('$secret', 'msg_wrk', $ts, '$body')")
    cat > "$out/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["webhook-id"] = "msg_wrk"
wrk.headers["webhook-timestamp"] = "$ts"
wrk.headers["webhook-signature"] = "$sig"
LUA
    if command -v wrk >/dev/null; then
        curl -s -X POST "$U/_reset" >/dev/null
        rps=$(wrk -t2 -c32 -d5s -s "$out/post.lua" "$U/wrk" | awk '/Requests\/sec/ {print $2}')
        echo "{\"impl\": \"wrk\", \"rps\": $rps, \"verified\": $(verified)}" >> "$out/results.jsonl"
    fi

    # curl --parallel: N signed POSTs, 32 at a time
    python3 - "$out/curl.cfg" "$U/curl" "$N" "$ts" "$sig" "$body" <<'PY'
import sys
path, url, n, ts, sig, body = sys.argv[1:]
with open(path, "w") as f:
    for i in range(int(n)):
        f.write('url = "%s"\nrequest = "POST"\nheader = "Content-Type: application/json"\n'
                'header = "webhook-id: msg_wrk"\nheader = "webhook-timestamp: %s"\n'
                'header = "webhook-signature: %s"\ndata = "%s"\noutput = "/dev/null"\n'
                % (url, ts, sig, body.replace('"', '\\"')))
        if i + 1 < int(n):
            f.write("next\n")
PY
    curl -s -X POST "$U/_reset" >/dev/null
    t0=$(date +%s.%N)
    curl -s --parallel --parallel-max 32 -K "$out/curl.cfg" 2>/dev/null
    t1=$(last_at)
    echo "{\"impl\": \"curl\", \"n\": $N, \"secs\": $(python3 -c "print($t1 - $t0)"), \"verified\": $(verified)}" >> "$out/results.jsonl"

    # the course code's naive Node pattern (unsigned: the receiver just answers)
    node "$here/naive.js" "$U/naive" "$N" >> "$out/results.jsonl"
done

# commit -> delivery latency at a steady 1,000/s: pgbench commits one
# delivery per transaction at that rate; latency = delivered_at -
# created_at (the row's transaction start, just before its commit)
q "TRUNCATE solana.webhook_deliveries" >/dev/null
echo "SELECT solana.send_webhook($id, '$body');" > "$out/rate.sql"
pgbench -n -c 4 -j 2 -R 1000 -T "$RATE_SECS" -f "$out/rate.sql" postgres > "$out/pgbench.log" 2>&1 || true
for _ in $(seq 1 100); do
    [ "$(q "SELECT count(*) FROM solana.webhook_deliveries WHERE state <> 'delivered'")" = 0 ] && break
    sleep 0.1
done
q "SELECT json_build_object('impl', 'latency', 'n', count(*),
        'rate', count(*) / extract(epoch FROM max(created_at) - min(created_at)),
        'p50_ms', percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at) * 1000),
        'p99_ms', percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at) * 1000),
        'undelivered', count(*) FILTER (WHERE state <> 'delivered'))
     FROM solana.webhook_deliveries" >> "$out/results.jsonl"

python3 - "$out/results.jsonl" "$disp" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
lat = None
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["impl"] == "latency":
        lat = r
    elif r["impl"] == "wrk":
        rows["wrk"].append(r["rps"])
    else:
        rows[r["impl"]].append(r["n"] / r["secs"])
med = {k: statistics.median(v) for k, v in rows.items()}
disp = int(sys.argv[2])
names = {"pg_solana": "pg_solana (row committed -> verified, signed, recorded)"
                      + ("" if disp == 1 else f", {disp} dispatchers x {32 // disp}"),
         "wrk": "wrk -c32 (loopback ceiling of the receiver)",
         "curl": "curl --parallel --parallel-max 32 (libcurl ceiling)",
         "naive-node": "naive Node fetch, allSettled batches of 50 (unsigned)"}
print("| sender, 32 in flight | requests/s (median) | pg_solana is |")
print("|---|---:|---:|")
for k in ("pg_solana", "wrk", "curl", "naive-node"):
    if k in med:
        ratio = med["pg_solana"] / med[k]
        print(f"| {names[k]} | {med[k]:,.0f} | {ratio:.2f}x |")
cpu = [r for r in (json.loads(l) for l in open(sys.argv[1])) if r.get("cpu_us") is not None]
if cpu:
    print()
    print("dispatcher CPU per delivery (utime + stime, until recorded), median: "
          f"{statistics.median(r['cpu_us'] for r in cpu):.0f} us "
          f"(runs: {', '.join('%.0f' % r['cpu_us'] for r in cpu)})")
if lat:
    print()
    print(f"commit -> delivery at a steady {lat['rate']:,.0f}/s ({lat['n']} deliveries, "
          f"{lat['undelivered']} undelivered): p50 {lat['p50_ms']:.1f} ms, p99 {lat['p99_ms']:.1f} ms")
PY
