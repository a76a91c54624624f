#!/usr/bin/env bash
# bench/rpc/run.sh: reading a large getProgramAccounts answer (N token
# accounts, ~0.45 KB each) with ps_rpc_parse_response (the ps_json span
# scanner) and with ps_json_load_exact (number tagging + jansson tree)
# of the same bytes, alternating, RUNS runs each (median of 7 inside a
# run), medians.  See docs/design-notes.md (JSON-RPC responses).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
runs=${RUNS:-5}; n=${N:-10000}
out=$root/build/bench/rpc; mkdir -p "$out"
gcc -O2 -std=gnu11 -D_GNU_SOURCE -I"$root/src/core" -o "$out/bench_rpc" "$here/bench_rpc.c" \
    "$root/src/core/ps_rpc.c" "$root/src/core/ps_json.c" "$root/src/core/ps_buf.c" \
    "$root/src/core/ps_base58.c" "$root/src/core/ps_error.c" -lsodium -ljansson -lm
: > "$out/rpc.jsonl"
for r in $(seq 1 "$runs"); do
    "$out/bench_rpc" "$n" 7 "ps_rpc_parse_response (span scanner)" >> "$out/rpc.jsonl"
    "$out/bench_rpc" "$n" 7 jansson >> "$out/rpc.jsonl"
done
python3 - "$out/rpc.jsonl" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
size = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[r["impl"]].append(r["ms"])
    size = r["bytes"]
names = {"jansson": "ps_json_load_exact (tagging + jansson tree)"}
print(f"| getProgramAccounts answer, {size / 1e6:.1f} MB | ms (median) | MB/s |")
print("|---|---:|---:|")
for k, v in rows.items():
    m = statistics.median(v)
    print(f"| {names.get(k, k)} | {m:.1f} | {size / m / 1e3:.0f} |")
PY
