#!/usr/bin/env bash
# bench/queue/cpu/run.sh [PORT] [ROUNDS] [JOBS]: server CPU per job of
# claim + complete (one job per turn, pgbench -M prepared, 2 clients)
# for pg_solana (solana.claim + solana.complete; SCRIPT=bare.sql runs
# the same two statements written out on solana.jobs, without the
# functions) and the hand-written SKIP LOCKED ceiling (ceiling.sql, a
# one-index table), in alternating rounds, medians, microseconds per
# job.  CPU = the postmaster's reaped children (cutime + cstime) over a
# round: steadier than wall-clock rates on a shared machine.  Without
# PORT it starts a throwaway cluster (build/bench/pg-queue-cpu, needs
# root); with PORT it uses database $DB (qb) there, creating it.
# BATCH=1 runs the batch scripts instead: 10 jobs per claim and one
# solana.complete_batch (solana_batch.sql) against the ceiling's claim of
# 10 and one UPDATE (ceiling_batch.sql); SCRIPT and CEILING override the
# two script names.  KEEP0=1 adds a third variant in every round: the
# same pg_solana script on a queue with keep_succeeded = 0 (completion
# deletes the job).  The scripts read the queue name from :queue.
# CEILING_QUEUE=name (with CEILING set to a pg_solana script, e.g. a
# copy of the code before a change) gives that variant its own queue.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../../.." && pwd)
port=${1:-}; rounds=${2:-5}; jobs=${3:-6000}
db=${DB:-qb}
if [ -n "${BATCH:-}" ]; then n=10; script=${SCRIPT:-solana_batch.sql}; ceil=${CEILING:-ceiling_batch.sql}
else n=1; script=${SCRIPT:-solana.sql}; ceil=${CEILING:-ceiling.sql}; fi
per=$((jobs / 2 / n))
if [ -z "$port" ]; then
    . "$root/scripts/lib.sh"
    dir=$root/build/bench/pg-queue-cpu; port=$(free_port)
    pg_start "$dir" "$port" "synchronous_commit = on" >/dev/null
    trap 'pg_stop "$dir" >/dev/null' EXIT
fi
q() { psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d "$db" -c "$1"; }
if ! psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE $db"
    q "CREATE EXTENSION pg_solana"
fi
pmpid=$(head -1 "$(q 'SHOW data_directory')/postmaster.pid")
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at start" >&2
hz=$(getconf CLK_TCK)
cpu() { awk '{print $16 + $17}' "/proc/$pmpid/stat"; }
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d "$db" -f "$(dirname "$0")/../ceiling_table.sql"
fill() {
    q "TRUNCATE bench_hw; DELETE FROM solana.jobs WHERE queue IN ('bench', 'bench0')"
    if [ -n "${KEEP0:-}" ]; then
        q "INSERT INTO solana.queues (name, keep_succeeded) VALUES ('bench0', 0) ON CONFLICT (name) DO UPDATE SET keep_succeeded = 0"
    else  # no queue with keep_succeeded = 0: completions take the plain path
        q "DELETE FROM solana.queues WHERE name = 'bench0'"
    fi
    q "INSERT INTO bench_hw (payload) SELECT jsonb_build_object('i', i) FROM generate_series(1, $jobs + 100) i"
    q "SELECT count(*) FROM solana.enqueue_batch('bench', 'noop', (SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, $jobs + 100) i))" >/dev/null
    if [ -n "${CEILING_QUEUE:-}" ]; then
        q "DELETE FROM solana.jobs WHERE queue = '$CEILING_QUEUE'"
        q "SELECT count(*) FROM solana.enqueue_batch('$CEILING_QUEUE', 'noop', (SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, $jobs + 100) i))" >/dev/null
    fi
    if [ -n "${KEEP0:-}" ]; then
        q "SELECT count(*) FROM solana.enqueue_batch('bench0', 'noop', (SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, $jobs + 100) i))" >/dev/null
    fi
    q "VACUUM ANALYZE bench_hw"; q "VACUUM ANALYZE solana.jobs"; q "CHECKPOINT"
}
one() {  # system script [queue] -> microseconds per job
    local a b f=$2
    case $f in /*) ;; *) f=$here/$f ;; esac
    a=$(cpu)
    pgbench -n -M prepared -c 2 -t "$per" -D queue="${3:-bench}" -h 127.0.0.1 -p "$port" -U postgres -f "$f" "$db" >/dev/null
    sleep 0.3; b=$(cpu)
    echo $(( (b - a) * 1000000 / hz / (per * 2 * n) ))
}
s=(); c=(); k=()
for r in $(seq 1 "$rounds"); do
    fill
    z=-
    if [ -n "${KEEP0:-}" ]; then   # rotate the order of the three
        case $((r % 3)) in
        1) x=$(one solana "$script"); z=$(one solana "$script" bench0); y=$(one ceiling "$ceil" "${CEILING_QUEUE:-bench}") ;;
        2) z=$(one solana "$script" bench0); y=$(one ceiling "$ceil" "${CEILING_QUEUE:-bench}"); x=$(one solana "$script") ;;
        0) y=$(one ceiling "$ceil" "${CEILING_QUEUE:-bench}"); x=$(one solana "$script"); z=$(one solana "$script" bench0) ;;
        esac
        k+=("$z")
    elif (( r % 2 )); then x=$(one solana "$script"); y=$(one ceiling "$ceil" "${CEILING_QUEUE:-bench}")
    else y=$(one ceiling "$ceil" "${CEILING_QUEUE:-bench}"); x=$(one solana "$script"); fi
    s+=("$x"); c+=("$y")
    echo "round $r: pg_solana $x us/job, keep_succeeded=0 $z us/job, ceiling $y us/job, load $(cut -d' ' -f1 /proc/loadavg)"
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "median: pg_solana $(med "${s[@]}") us/job, keep_succeeded=0 $( [ ${#k[@]} -gt 0 ] && med "${k[@]}" || echo -) us/job, ceiling $(med "${c[@]}") us/job"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at end" >&2
