#!/usr/bin/env bash
# test/peer/run-tests.sh: install the peer's pinned dependencies (npm ci,
# when node_modules is missing or older than package-lock.json) and run
# its own tests with node's test runner.  Extra arguments go to
# `node --test` (e.g. --test-name-pattern=restart).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-concurrency=2 "$@" test/*.test.js
