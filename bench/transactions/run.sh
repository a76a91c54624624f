#!/usr/bin/env bash
# bench/transactions/run.sh: build + sign of a 3-instruction transaction
# with ps_txn (C, -O2) vs raw libsodium signing of the same message
# (interleaved in one process, see bench_txn.c) vs @solana/web3.js
# 1.98.4 in Node; RUNS runs each, medians and ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
runs=${RUNS:-5}
out=$root/build/bench; mkdir -p "$out"
( cd "$here" && { [ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error >/dev/null; } )
gcc -O2 -I"$root/src/core" -o "$out/bench_txn" "$here/bench_txn.c" \
    "$root/src/core/ps_txn.c" "$root/src/core/ps_buf.c" "$root/src/core/ps_base58.c" \
    "$root/src/core/ps_error.c" -lsodium
: > "$out/txn.jsonl"
for r in $(seq 1 "$runs"); do
    "$out/bench_txn" >> "$out/txn.jsonl"
    node "$here/bench_web3.js" >> "$out/txn.jsonl"
done
python3 - "$out/txn.jsonl" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
ratios = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[r["impl"]].append(r["ops_per_sec"])
    if "ratio" in r:
        ratios.append(r["ratio"])
med = {k: statistics.median(v) for k, v in rows.items()}
base = med["libsodium sign only"]
print("| 3-instruction legacy transaction | ops/s (median) | vs libsodium sign |")
print("|---|---:|---:|")
for k in ("pg_solana build+sign", "libsodium sign only", "@solana/web3.js build+sign"):
    print(f"| {k} | {med[k]:,.0f} | {med[k] / base:.0%} |")
print(f"\nbuild+sign / sign, median of adjacent-chunk ratios per run: "
      f"{', '.join(f'{x:.1%}' for x in ratios)} (median {statistics.median(ratios):.1%})")
c = med["pg_solana compile only"]
print(f"compile alone: {c:,.0f} ops/s median ({1e9 / c:,.0f} ns per message)")
PY
