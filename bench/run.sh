#!/usr/bin/env bash
# bench/run.sh (`make bench`): every benchmark under bench/*/run.sh, one
# after the other; each prints a markdown table for docs/benchmarks.md.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$here"/*/run.sh; do
    [ -n "${ONLY:-}" ] && [[ "$b" != *"/$ONLY/"* ]] && continue
    echo "## $(basename "$(dirname "$b")")"
    bash "$b" || status=1
    echo
done
exit $status
