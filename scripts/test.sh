#!/usr/bin/env bash
# scripts/test.sh: install what the tests need, build, and run every
# suite: C unit tests (plain and under ASan/UBSan), fuzz smoke runs and
# corpus replay, pg_regress, pgTAP, the local Solana peer's own tests and
# the integration tests against a preloaded server and the peer.
# Ends with one line "N passed, N failed" over the suites; exits non-zero
# when any suite failed.  Run as root on Debian 12: `bash scripts/test.sh`.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PS_ROOT"

FIXTURES=${PS_FIXTURES:-$(cd "$PS_ROOT/.." && pwd)/shared/fixtures}
if [ ! -f "$FIXTURES/README.md" ]; then
    echo "Bail out! fixtures not found at $FIXTURES (../shared beside the clone, or set PS_FIXTURES)"
    exit 1
fi
export PS_FIXTURES=$FIXTURES PS_VECTORS=$PS_ROOT/build/vectors

passed=0; failed=0; failed_names=()
suite() {
    local name=$1; shift
    say "suite: $name"
    local t0=$SECONDS
    if "$@"; then
        passed=$((passed + 1)); echo "suite $name: PASS ($((SECONDS - t0))s)"
    else
        failed=$((failed + 1)); failed_names+=("$name"); echo "suite $name: FAIL ($((SECONDS - t0))s)"
    fi
}

ensure_deps
build_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

say "test vectors from @solana/web3.js (npm ci)"
( cd test/vectors && npm ci --no-audit --no-fund --loglevel=error >/dev/null ) &&
    mkdir -p build/vectors && node test/vectors/pda.js > build/vectors/pda.json ||
    { echo "could not compute test vectors"; echo "0 passed, 1 failed"; exit 1; }

suite unit make -s unit FIXTURES="$FIXTURES"
suite unit-asan make -s unit-asan FIXTURES="$FIXTURES"
suite fuzz-smoke make -s fuzz-smoke FUZZ_SECONDS="${FUZZ_SECONDS:-5}" FIXTURES="$FIXTURES"
suite fuzz-replay make -s fuzz-replay FIXTURES="$FIXTURES"

# one preloaded cluster for pg_regress, pgTAP and the integration tests
PGDIR=$PS_ROOT/build/pg
PGPORT=$(free_port)
pg_start "$PGDIR" "$PGPORT" || { cat "$PGDIR/server.log"; echo "0 passed, 1 failed"; exit 1; }
trap 'peer_stop; pg_stop "$PGDIR"' EXIT
export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PS_PGDIR=$PGDIR

# the local Solana peer, when present (test/peer)
PEER_PID=
peer_stop() { [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null; PEER_PID=; }
if [ -f test/peer/bin/peer.js ]; then
    say "starting the local Solana peer"
    ( cd test/peer && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
    ready=$PS_ROOT/build/peer.ready; rm -f "$ready"
    node test/peer/bin/peer.js --rpc-port 0 --ws-port 0 --state "$PS_ROOT/build/peer-state.json" \
        --ready-file "$ready" > "$PS_ROOT/build/peer.log" 2>&1 &
    PEER_PID=$!
    for _ in $(seq 1 100); do [ -s "$ready" ] && break; sleep 0.2; done
    if [ -s "$ready" ]; then
        export PS_PEER_RPC=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['rpc'])" "$ready")
        export PS_PEER_WS=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['ws'])" "$ready")
        export PS_PEER_CONTROL=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['control'])" "$ready")
        echo "peer at $PS_PEER_RPC $PS_PEER_WS"
    else
        echo "peer did not start:"; tail -20 "$PS_ROOT/build/peer.log"
    fi
fi

run_regress() {
    make -s installcheck REGRESS_OPTS="--inputdir=. --outputdir=build/regress" ||
        { cat build/regress/regression.diffs 2>/dev/null | head -200; return 1; }
}
suite pg_regress run_regress

run_pgtap() {
    psql -q -X -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS pstap" -c "CREATE DATABASE pstap" &&
    psql -q -X -v ON_ERROR_STOP=1 -d pstap -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION pg_solana" &&
    pg_prove -d pstap test/pgtap/*.sql
}
suite pgtap run_pgtap

# isolation specs (test/isolation/specs/*.spec) with PostgreSQL's isolation tester
run_isolation() {
    local iso specs
    iso=$(pg_config --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress
    specs=$(cd test/isolation/specs && ls *.spec | sed 's/\.spec$//')
    "$iso" --host="$PGHOST" --port="$PGPORT" --user="$PGUSER" --inputdir=test/isolation \
        --outputdir=build/isolation --load-extension=pg_solana --dbname=psiso $specs ||
        { cat build/isolation/regression.diffs 2>/dev/null | head -200; return 1; }
}
if ls test/isolation/specs/*.spec >/dev/null 2>&1; then
    suite isolation run_isolation
fi

if ls test/integration/*.t >/dev/null 2>&1; then
    suite integration prove -v test/integration/
fi
if [ -x test/peer/run-tests.sh ]; then
    suite peer test/peer/run-tests.sh
fi

echo
[ $failed -gt 0 ] && echo "failed suites: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
