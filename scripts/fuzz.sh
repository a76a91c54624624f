#!/usr/bin/env bash
# scripts/fuzz.sh TARGET...: run each libFuzzer target for FUZZ_SECONDS
# on a scratch copy of its committed corpus (test/fuzz/corpus/<name>).
# New inputs stay in the scratch copy; a crash fails the run and leaves
# the reproducer next to the corpus.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-10}
status=0
for bin in "$@"; do
    name=$(basename "$bin")
    seed="$root/test/fuzz/corpus/$name"
    work=$(mktemp -d)
    [ -d "$seed" ] && cp -r "$seed"/. "$work"/ 2>/dev/null || true
    echo "fuzz: $name for ${secs}s"
    if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$seed/" -print_final_stats=1 "$work" \
            > "$work.log" 2>&1; then
        echo "fuzz: $name FAILED"; tail -40 "$work.log"; status=1
    else
        grep -E "stat::number_of_executed_units" "$work.log" | sed "s/^/fuzz: $name /"
    fi
    rm -rf "$work" "$work.log"
done
exit $status
