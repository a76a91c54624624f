#!/usr/bin/env bash
# bench/ingest/run.sh: sustained events/s of the ingest worker into
# committed rows of solana.events, side by side in one run with the COPY
# rate of the same rows into the same table and the course code's Node
# pattern on the same input.  Issue 5's benchmark.
#
# Input: TEMPLATES transactions recorded once from the real local peer
# (test/peer; record.js: fixture IDL events as `Program data:` lines,
# nested CPIs with their programs' events, emit_cpi!, failed
# transactions), replayed by replayer.js as TX transactions with their
# own signatures and slots (~2.8 events each), as fast as the client
# reads them: logsNotification messages for live, and
# getSignaturesForAddress pages + getTransaction answers for backfill.
#
# Per run (RUNS, medians):
#   live      subscribe; first notification sent -> the last
#             transaction's rows committed (transactions_seen reaches TX)
#   copy      COPY solana.events FROM a dump of the rows the worker wrote
#             (live), into the emptied table (same partitions, indexes)
#   backfill  subscribe from the origin signature; first
#             getSignaturesForAddress -> last rows committed
#   node      onLogs (@solana/web3.js) + Anchor coder + one INSERT per
#             event (`pg`), NODE_TX transactions
# with the worker's and the replayer's CPU (utime+stime from /proc over
# the same interval) and the share of the interval each *wanted* a CPU
# (on one or runnable in the queue, /proc/PID/schedstat): on a loaded
# machine a saturated process gets only part of a core but wants one
# all the time.
# PHASES (default "copy backfill node") picks the phases after
# live; CONF adds one postgresql.conf line (e.g. a solana.ingest_* GUC).
# PERF=live or PERF=backfill records the worker with `perf record -g`
# during that phase into build/bench/ingest/perf-<phase>.data.
# Needs root (the cluster runs as postgres) and the npm registry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
. "$root/scripts/lib.sh"
runs=${RUNS:-3}
TX=${TX:-36000}                 # ~100k events
NODE_TX=${NODE_TX:-6000}
TEMPLATES=${TEMPLATES:-600}
FIXTURES=${PS_FIXTURES:-$(cd "$root/.." && pwd)/shared/fixtures}
out=$root/build/bench/ingest; mkdir -p "$out"
( cd "$here" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
build_install >/dev/null

# 1. the recording (once; delete $out/recording.json to redo it)
if [ ! -s "$out/recording.json" ]; then
    eval "$("$root/scripts/peer.sh" start "$out/peer" --slot-ms 0 --confirmed-lag 0 --finalized-lag 0 --quiet)"
    PS_FIXTURES=$FIXTURES node "$here/record.js" "$PEER_CONTROL" "$PEER_RPC" "$out/recording.json.tmp" "$TEMPLATES" \
        || { "$root/scripts/peer.sh" stop "$out/peer"; exit 1; }
    "$root/scripts/peer.sh" stop "$out/peer"
    mv "$out/recording.json.tmp" "$out/recording.json"
fi

# 2. the replayer and a throwaway preloaded cluster fed by it
rm -f "$out/replayer.ready"
node "$here/replayer.js" "$out/recording.json" "$out/replayer.ready" "$TX" > "$out/replayer.log" 2>&1 &
rep_pid=$!
dir=$out/pg; port=$(free_port)
trap 'kill $rep_pid 2>/dev/null; pg_stop "$dir"' EXIT
for _ in $(seq 1 300); do [ -s "$out/replayer.ready" ] && break; sleep 0.1; done
[ -s "$out/replayer.ready" ] || { echo "replayer did not start"; cat "$out/replayer.log"; exit 1; }
jr() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$out/replayer.ready" "$1"; }
RPC=$(jr rpc); WS=$(jr ws); CTL=$(jr control); ORIGIN=$(jr origin); PROG=$(jr program_id)
pg_start "$dir" "$port" "solana.rpc_url = '$RPC'" "solana.ws_url = '$WS'" \
    "solana.ingest_reconcile_interval = 0" ${CONF:+"$CONF"}
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
q "CREATE EXTENSION pg_solana"
PGURL=postgresql://postgres@127.0.0.1:$port/postgres
for f in fixture_dex fixture_vault fixture_legacy fixture_fuzz; do
    id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['programs'][sys.argv[2]])" "$out/replayer.ready" "$f")
    q "SELECT solana.register_program(pg_read_file('$FIXTURES/idl/$f.json')::jsonb, '$id')" >/dev/null
done
q "SELECT solana.create_event_partitions(299000000, 301000000)" >/dev/null

now_ms() { date +%s%3N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# ns on a CPU + ns runnable but waiting for one (the process wanted a CPU)
sched_ns() { awk '{printf "%.0f\n", $1 + $2}' "/proc/$1/schedstat"; }
hz=$(getconf CLK_TCK)
worker_pid() { q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_solana ingest'"; }
stat() { curl -s "$CTL/stats"; }
sfield() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
reset_tables() {
    q "SELECT solana.unsubscribe('logs', '$PROG')" >/dev/null
    q "TRUNCATE solana.events, solana.transactions_seen, solana.ingest_errors" >/dev/null
    q "CHECKPOINT" >/dev/null
}
# one worker run: $1 = live | backfill
worker_run() {
    local mode=$1 wpid c0 r0 t_end s events errs seen last
    reset_tables
    wpid=$(worker_pid)
    last=$(sfield "$(curl -s "$CTL/arm" -d "{\"mode\": \"$mode\", \"count\": $TX}")" last)
    c0=$(cpu_ticks "$wpid"); r0=$(sfield "$(stat)" cpu_ms)
    w0=$(sched_ns "$wpid"); p0=$(sched_ns "$rep_pid")
    perf_pid=
    if [ "${PERF:-}" = "$mode" ]; then
        perf record -q -g -p "$wpid" -o "$out/perf-$mode.data" >/dev/null 2>&1 &
        perf_pid=$!
        sleep 0.5
    fi
    if [ "$mode" = live ]; then
        q "SELECT solana.subscribe('logs', '$PROG')" >/dev/null
    else
        q "SELECT solana.subscribe('logs', '$PROG', from_signature => '$ORIGIN')" >/dev/null
    fi
    t_end=$(node "$here/wait.js" "$PGURL" "$last")
    s=$(stat)
    [ -n "$perf_pid" ] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
    events=$(q "SELECT count(*) FROM solana.events")
    seen=$(q "SELECT count(*) FROM solana.transactions_seen")
    [ "$seen" = "$TX" ] || { echo "only $seen of $TX transactions written" >&2; return 1; }
    errs=$(q "SELECT count(*) FROM solana.ingest_errors")
    python3 - "$mode" "$s" "$t_end" "$events" "$errs" "$(cpu_ticks "$wpid")" "$c0" "$r0" "$hz" "$TX" \
        "$(sched_ns "$wpid")" "$w0" "$(sched_ns "$rep_pid")" "$p0" <<'PY'
import json, sys
mode, s, t_end, events, errs, c1, c0, r0, hz, tx, w1, w0, p1, p0 = sys.argv[1:]
s = json.loads(s)
secs = (int(t_end) - s["first_ms"]) / 1000
print(json.dumps({"impl": mode, "transactions": int(tx), "rows": int(events), "errors": int(errs),
                  "secs": secs, "rate": int(events) / secs,
                  "worker_cpu": (int(c1) - int(c0)) / int(hz) / secs,
                  "worker_us_per_row": (int(c1) - int(c0)) / int(hz) * 1e6 / int(events),
                  "replayer_cpu": (s["cpu_ms"] - float(r0)) / 1000 / secs,
                  "worker_busy": (int(w1) - int(w0)) / 1e9 / secs,
                  "replayer_busy": (int(p1) - int(p0)) / 1e9 / secs}))
PY
}

: > "$out/results.jsonl"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
has() { [[ " ${PHASES-copy backfill node} " == *" $1 "* ]]; }
for r in $(seq 1 "$runs"); do
    worker_run live >> "$out/results.jsonl"
    # COPY of the very rows the worker wrote
    if has copy; then
        q "COPY (SELECT * FROM solana.events) TO '$dir/events.copy'"
        rows=$(q "SELECT count(*) FROM solana.events")
        reset_tables
        ms=$(psql -X -q -d postgres -v ON_ERROR_STOP=1 -c '\timing on' -c "COPY solana.events FROM '$dir/events.copy'" |
             awk '/^Time:/ {print $2}')
        echo "{\"impl\": \"copy\", \"rows\": $rows, \"secs\": $(python3 -c "print($ms / 1000)"), \"rate\": $(python3 -c "print($rows / ($ms / 1000))")}" \
            >> "$out/results.jsonl"
    fi
    has backfill && worker_run backfill >> "$out/results.jsonl"
    has node || continue
    # the course code's Node pattern
    reset_tables
    curl -s "$CTL/arm" -d "{\"mode\": \"live\", \"count\": $NODE_TX}" >/dev/null
    node "$here/node_pattern.js" "$RPC" "$WS" "$PGURL" "$NODE_TX" \
        "$FIXTURES/idl" > "$out/node.json" 2> "$out/node.err"
    s=$(stat)
    python3 - "$s" "$(cat "$out/node.json")" <<'PY' >> "$out/results.jsonl"
import json, sys
s, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
secs = (n["end_ms"] - s["first_ms"]) / 1000
n.update({"secs": secs, "rate": n["rows"] / secs})
print(json.dumps(n))
PY
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$out/results.jsonl" "$runs" "$load0" "$load1" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[r["impl"]].append(r)
med = lambda k, f: statistics.median(x[f] for x in rows[k])
copy = med("copy", "rate") if "copy" in rows else float("nan")
node = med("node", "rate") if "node" in rows else float("nan")
print(f"median of {sys.argv[2]} runs; load average {sys.argv[3]} before, {sys.argv[4]} after")
print()
print("| path | rows | rows/s (median) | vs COPY | vs Node pattern | worker CPU | worker wants CPU | worker CPU per row | replayer CPU | replayer wants CPU |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
names = {"live": "worker, live (logsNotification)", "backfill": "worker, backfill (getSignaturesForAddress + getTransaction)",
         "copy": "COPY solana.events FROM (same rows)", "node": "Node: onLogs + Anchor coder + INSERT per event"}
for k in ("live", "backfill", "copy", "node"):
    if k not in rows:
        continue
    rate = med(k, "rate")
    wc = f"{100 * med(k, 'worker_cpu'):.0f}%" if rows[k][0].get("worker_cpu") is not None else "-"
    rc = f"{100 * med(k, 'replayer_cpu'):.0f}%" if "replayer_cpu" in rows[k][0] else "-"
    us = f"{med(k, 'worker_us_per_row'):.0f} µs" if rows[k][0].get("worker_us_per_row") is not None else "-"
    wb = f"{100 * med(k, 'worker_busy'):.0f}%" if rows[k][0].get("worker_busy") is not None else "-"
    rb = f"{100 * med(k, 'replayer_busy'):.0f}%" if rows[k][0].get("replayer_busy") is not None else "-"
    print(f"| {names[k]} | {int(med(k, 'rows')):,} | {rate:,.0f} | {100 * rate / copy:.0f}% | {rate / node:.1f}x | {wc} | {wb} | {us} | {rc} | {rb} |")
PY
