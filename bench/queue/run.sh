#!/usr/bin/env bash
# bench/queue/run.sh: enqueue and claim+complete rates of the pg_solana
# queue (in both retentions: the default, and a queue with
# keep_succeeded = 0 whose completions delete the job) side by side
# with graphile-worker 0.18 (default and batched mode) and pg-boss 12
# (npm) and a
# minimal hand-written FOR UPDATE SKIP LOCKED loop (the ceiling), on one
# throwaway PostgreSQL 15 instance with pg_solana preloaded; 4 workers,
# JOBS jobs (20,000), RUNS runs (3), medians; BATCH (10) is the batch
# size of the batch rows (graphile-worker's local queue size too).  Every system is driven
# from Node with `pg`, so each pays the same client cost (pg_solana and
# the ceiling with named statements, as graphile-worker).  The "1 call"
# rows use solana.complete_and_claim (one round trip per turn; the
# ceiling's one statement does the same).  Prints the load average at
# the start of each run.  Needs root (the cluster runs as postgres) and
# the npm registry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
. "$root/scripts/lib.sh"
runs=${RUNS:-3}; jobs=${JOBS:-20000}; workers=${WORKERS:-4}; export BATCH=${BATCH:-10}
out=$root/build/bench; mkdir -p "$out"
# (again when package-lock.json changed since the last install)
( cd "$here" && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
build_install >/dev/null
dir=$out/pg-queue; port=$(free_port)
pg_start "$dir" "$port" "synchronous_commit = on" "max_connections = 100"
trap 'pg_stop "$dir"' EXIT
url=postgresql://postgres@127.0.0.1:$port/qbench
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE qbench"
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d qbench -c "CREATE EXTENSION pg_solana"
# the dispatchers serve the benchmark's database, as in a deployment
echo "solana.database = 'qbench'" >> "$dir/data/postgresql.conf"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w restart >/dev/null
: > "$out/queue.jsonl"
for r in $(seq 1 "$runs"); do
    echo "run $r: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    node "$here/bench.js" "$url" "$jobs" "$workers" >> "$out/queue.jsonl"
done
echo "end: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$out/queue.jsonl" "$jobs" "$workers" "$runs" "$BATCH" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[(r["op"], r["system"])].append(r["jobs_per_sec"])
med = {k: statistics.median(v) for k, v in rows.items()}
K0 = "pg_solana keep_succeeded=0"
systems = ["pg_solana", K0, "hand-written", "graphile-worker", "pg-boss"]
print(f"{sys.argv[2]} jobs, {sys.argv[3]} workers, median of {sys.argv[4]} runs, jobs/s")
print()
print("pg_solana: default retention (succeeded jobs kept); keep_succeeded=0: the completion deletes the job.")
print("vs ceiling: default retention (the ceiling keeps its rows too); vs graphile-worker: both retentions")
print("(keep_succeeded=0 is graphile-worker's own semantics: completed jobs vanish).")
print()
print("| operation | pg_solana | pg_solana keep_succeeded=0 | hand-written ceiling | graphile-worker | pg-boss | vs ceiling | keep_succeeded=0 vs ceiling | vs graphile-worker | keep_succeeded=0 vs graphile-worker | vs pg-boss |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
b = sys.argv[5]
ops = ["enqueue", "enqueue batch 1000", "claim+complete", "claim+complete, 1 call per job",
       f"claim+complete batch {b}", f"claim+complete batch {b}, 1 call per batch"]
for op in ops:
    def cell(s):
        v = med.get((op, s)); return f"{v:,.0f}" if v else "-"
    def ratio(s, mine="pg_solana", pct=False):
        # graphile-worker has no combined complete-and-claim call: the
        # one-call rows are compared with its mode of the same batch size
        other = op
        if s == "graphile-worker" and op == "claim+complete, 1 call per job": other = "claim+complete"
        if s == "graphile-worker" and op == ops[5]: other = ops[4]
        a, b = med.get((op, mine)), med.get((other, s))
        if not a or not b: return "-"
        return f"{100 * a / b:.0f}%" if pct else f"{a / b:.1f}x"
    print(f"| {op} | {cell('pg_solana')} | {cell(K0)} | {cell('hand-written')} | {cell('graphile-worker')} | {cell('pg-boss')} | "
          f"{ratio('hand-written', pct=True)} | {ratio('hand-written', K0, True)} | {ratio('graphile-worker')} | {ratio('graphile-worker', K0)} | {ratio('pg-boss')} |")
# each system's best drain mode against the others' best
drains = ops[2:]
best = {s: max(((med.get((op, s)) or 0), op) for op in drains) for s in systems}
print()
for s in systems:
    v, op = best[s]
    if v: print(f"best drain, {s}: {v:,.0f} jobs/s ({op})")
for mine in ("pg_solana", K0):
    a = best[mine][0]
    for s in systems[2:]:
        if a and best[s][0]: print(f"best vs best, {mine} / {s}: {a / best[s][0]:.2f}x")
PY
