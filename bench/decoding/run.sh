#!/usr/bin/env bash
# bench/decoding/run.sh: Anchor event decoding throughput on one core.
# The pure C decoder (gcc -O2), the SQL functions in one backend
# (solana.decode_event, solana.decode_logs) and @coral-xyz/anchor 0.32.1
# on Node (BorshEventCoder.decode + conversion to JSON text,
# EventParser.parseLogs), on the events of gen_data.py: small (2
# pubkeys, 3 u64, bool), large (vec of 20 structs, string, option,
# enum) and a 13-line transaction log with 3 events.  RUNS runs each;
# medians and ratios as a markdown table.
# The SQL side uses $PGHOST/$PGPORT when PGPORT is set, otherwise a
# temporary cluster (needs `make install` done and root for runuser).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
runs=${RUNS:-5}; secs=${SECS:-1}
out=$root/build/bench; mkdir -p "$out"
( cd "$here" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
python3 "$here/gen_data.py" > "$out/decoding_data.json"
gcc -O2 -std=gnu11 -I"$root/src/core" -o "$out/bench_decode" "$here/bench_decode.c" \
    "$root"/src/core/ps_idl.c "$root"/src/core/ps_borsh.c "$root"/src/core/ps_logs.c \
    "$root"/src/core/ps_buf.c "$root"/src/core/ps_base58.c "$root"/src/core/ps_error.c \
    -ljansson -lsodium -lm

started=""
if [ -z "${PGPORT:-}" ]; then
    . "$root/scripts/lib.sh"
    export PGHOST=127.0.0.1 PGPORT=$(free_port) PGUSER=postgres
    pg_start /tmp/ps-bench-decoding "$PGPORT"
    started=/tmp/ps-bench-decoding
    trap 'pg_stop "$started"' EXIT
fi
db=ps_bench_decoding
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
sqlvars=$(python3 - "$out/decoding_data.json" <<'PY'
import json, sys, base64, shlex
d = json.load(open(sys.argv[1]))
hexb = lambda b: "\\x" + base64.b64decode(b).hex()
arr = "{" + ",".join('"' + l.replace('\\', '\\\\').replace('"', '\\"') + '"' for l in d["logs"]) + "}"
for k, v in (("idl", json.dumps(d["idl"])), ("pid", d["program_id"]), ("small", hexb(d["small_b64"])),
             ("large", hexb(d["large_b64"])), ("logs", arr)):
    print(f"-v {k}={shlex.quote(v)}", end=" ")
PY
)

: > "$out/decoding.jsonl"
for r in $(seq 1 "$runs"); do
    "$out/bench_decode" "$out/decoding_data.json" "$secs" >> "$out/decoding.jsonl"
    eval psql -X -q -t -A -d "$db" -v n=200000 $sqlvars -f "$here/bench.sql" >> "$out/decoding.jsonl"
    node "$here/bench_anchor.js" "$out/decoding_data.json" "$secs" >> "$out/decoding.jsonl"
done
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
python3 - "$out/decoding.jsonl" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        r = json.loads(line)
        rows[(r["case"], r["impl"])].append(r["ops_per_sec"])
label = {"small": "small event (2 pubkeys, 3 u64, bool)",
         "large": "large event (vec of 20 structs, string, option, enum)",
         "logs": "decode_logs: 13-line transaction, 3 events (per transaction)"}
print("| case | C decoder /s | SQL function /s | Anchor 0.32.1 /s | C / Anchor | SQL / Anchor |")
print("|---|---:|---:|---:|---:|---:|")
for case in ("small", "large", "logs"):
    c = statistics.median(rows[(case, "c")]); s = statistics.median(rows[(case, "sql")])
    a = statistics.median(rows[(case, "anchor")])
    print(f"| {label[case]} | {c:,.0f} | {s:,.0f} | {a:,.0f} | {c / a:.1f}x | {s / a:.1f}x |")
PY
