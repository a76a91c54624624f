#!/usr/bin/env bash
# bench/base58/run.sh: ps_base58 (C, -O2) vs bs58 6.0.0 (Node), 32- and
# 64-byte values, encode and decode; RUNS runs each, medians and ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
runs=${RUNS:-5}
out=$root/build/bench; mkdir -p "$out"
( cd "$here" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
gcc -O2 -I"$root/src/core" -o "$out/bench_base58" "$here/bench_base58.c" "$root/src/core/ps_base58.c" "$root/src/core/ps_error.c"
: > "$out/base58.jsonl"
for r in $(seq 1 "$runs"); do
    "$out/bench_base58" >> "$out/base58.jsonl"
    node "$here/bench_bs58.js" >> "$out/base58.jsonl"
done
python3 - "$out/base58.jsonl" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[(r["op"], r["size"], r["impl"])].append(r["ops_per_sec"])
print("| operation | pg_solana ops/s | bs58 ops/s | ratio |")
print("|---|---:|---:|---:|")
for op in ("encode", "decode"):
    for size in (32, 64):
        c = statistics.median(rows[(op, size, "pg_solana")])
        j = statistics.median(rows[(op, size, "bs58")])
        print(f"| {op} {size} bytes | {c:,.0f} | {j:,.0f} | {c / j:.1f}x |")
PY
