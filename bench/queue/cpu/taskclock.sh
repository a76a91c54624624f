#!/usr/bin/env bash
# bench/queue/cpu/taskclock.sh PORT DB SCRIPT [JOBS] [N]: server CPU per
# job of one pgbench run of SCRIPT (2 clients, -M prepared, JOBS jobs,
# N jobs per turn) against queue `bench` of database DB, measured with
# `perf stat -e task-clock` on the postmaster: every backend forked
# during the run is counted, to the nanosecond (bench/queue/cpu/run.sh
# counts clock ticks of reaped children).  To compare two versions of
# the code, give each its own database in one cluster and alternate:
#   for r in 1 2 3; do for d in qb_old qb; do taskclock.sh $P $d s.sql; done; done
# KEEP=0 gives queue `bench` keep_succeeded = 0.  Scripts read :queue
# and :ids (initially '{}', for complete_and_claim loops).  Needs perf;
# run it under flock /tmp/pg_solana_bench.lock.
set -euo pipefail
port=$1; db=$2; f=$3; jobs=${4:-20000}; n=${5:-10}
case $f in /*) ;; *) f=$(cd "$(dirname "$0")" && pwd)/$f ;; esac
q() { psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d "$db" -c "$1"; }
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d "$db" -f "$(dirname "$0")/../ceiling_table.sql"
q "TRUNCATE bench_hw; DELETE FROM solana.jobs WHERE queue = 'bench'"
q "INSERT INTO solana.queues (name, keep_succeeded) VALUES ('bench', ${KEEP:-NULL})
   ON CONFLICT (name) DO UPDATE SET keep_succeeded = EXCLUDED.keep_succeeded"
q "INSERT INTO bench_hw (payload) SELECT jsonb_build_object('i', i) FROM generate_series(1, $jobs + 100) i"
q "SELECT count(*) FROM solana.enqueue_batch('bench', 'noop', (SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, $jobs + 100) i))" >/dev/null
q "VACUUM ANALYZE bench_hw"; q "VACUUM ANALYZE solana.jobs"; q "CHECKPOINT"
pm=$(head -1 "$(q 'SHOW data_directory')/postmaster.pid")
out=$(mktemp)
perf stat -x, -e task-clock -p "$pm" -o "$out" -- \
    pgbench -n -M prepared -c 2 -t $((jobs / 2 / n)) -D queue=bench -D ids='{}' \
        -h 127.0.0.1 -p "$port" -U postgres -f "$f" "$db" >/dev/null
ms=$(grep task-clock "$out" | cut -d, -f1); rm -f "$out"
python3 -c "import sys; print(f'{float(sys.argv[1]) * 1000 / int(sys.argv[2]):.1f} us/job')" "$ms" "$jobs"
