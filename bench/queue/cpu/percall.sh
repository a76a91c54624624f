#!/usr/bin/env bash
# bench/queue/cpu/percall.sh PORT DB SCRIPT [CALLS]: server CPU per
# transaction of a one-client pgbench script (-M prepared, CALLS
# transactions, 20,000 by default), measured with `perf stat -e
# task-clock` on the postmaster as taskclock.sh does; the figure
# includes the protocol and transaction cost that `SELECT 1` has
# (~25 us here).  One client is a ping-pong: the kernel's cost of
# waking it lands on the server and depends on whether the other core
# idles, so compare variants that wake the same processes (an enqueue
# that sets the dispatcher's latch against another that does: before
# enqueues of the applications' kinds stopped waking the dispatcher, a
# bare INSERT ran at half the rate on a table whose enqueue trigger was
# disabled than with it enabled).  For single calls such as an enqueue:
#   percall.sh $P qb enqueue.sql; percall.sh $P qb enqueue_ceiling.sql
# The scripts read :queue ('bench').  Needs perf; run it under
# flock /tmp/pg_solana_bench.lock.
set -euo pipefail
port=$1; db=$2; f=$3; calls=${4:-20000}
case $f in /*) ;; *) f=$(cd "$(dirname "$0")" && pwd)/$f ;; esac
q() { psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d "$db" -c "$1"; }
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d "$db" -f "$(dirname "$0")/../ceiling_table.sql"
q "INSERT INTO solana.queues (name) VALUES ('bench') ON CONFLICT (name) DO NOTHING"
pm=$(head -1 "$(q 'SHOW data_directory')/postmaster.pid")
out=$(mktemp)
perf stat -x, -e task-clock -p "$pm" -o "$out" -- \
    pgbench -n -M prepared -c 1 -t "$calls" -D queue=bench \
        -h 127.0.0.1 -p "$port" -U postgres -f "$f" "$db" >/dev/null
ms=$(grep task-clock "$out" | cut -d, -f1); rm -f "$out"
python3 -c "import sys; print(f'{float(sys.argv[1]) * 1000 / int(sys.argv[2]):.1f} us/call')" "$ms" "$calls"
