#!/usr/bin/env bash
# demo.t: the README's demo scenario (scripts/demo.sh --once) as a test.
# It starts its own cluster and peer under build/demo, runs every
# scenario step, and must show: the fixture programs registered and
# subscribed, decoded events (nested CPI, wide integers) and LISTEN
# notifications, prices published from four sources, the queue summary,
# and the three pg_cron jobs run (cron.job_run_details, checked from the
# demo's own output of its last step, since --once stops the cluster).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${PS_PEER_RPC:-}" ] || [ ! -f "$ROOT/test/peer/bin/peer.js" ]; then
    echo "1..0 # SKIP no local Solana peer (PS_PEER_RPC unset)"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root (pg_start)"; exit 0; fi

n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
has() { grep -qE -- "$2" "$1"; }

OUT=$ROOT/build/demo.out
mkdir -p "$ROOT/build"
( cd "$ROOT" && env -u PGHOST -u PGPORT -u PGDATABASE PS_DEMO_DIR="$ROOT/build/demo" \
      timeout 400 bash scripts/demo.sh --once ) > "$OUT" 2>&1
rc=$?
ok $rc "scripts/demo.sh --once exits 0"
has "$OUT" '^fuzz +\| GCcq5doMUQskzgNPq5gdHXW8iBF2kQ8QQjwZYfthR5DR'; ok $? "the four fixture IDLs are registered"
has "$OUT" '^ +4 \| fixture_vault'; ok $? "their programs are subscribed"
has "$OUT" '^ingest worker follows [4-9] subscriptions'; ok $? "the ingest worker holds the subscriptions"
has "$OUT" 'WideInts +\| fixture_vault +\| +2 \|'; ok $? "the vault's event from the nested CPI is decoded at depth 2"
has "$OUT" '"a": 115792089237316195423570985008687907853269984665640564039457584007913129639935'; ok $? "u256 stays exact in jsonb"
has "$OUT" '"order_id": 340282366920938463463374607431768211455'; ok $? "u128 stays exact in jsonb"
has "$OUT" 'Empty +\| fixture_dex +\| +2 \| +-1 \|'; ok $? "the emit_cpi! event is decoded from the inner instruction"
has "$OUT" 'LegacyTransfer +\| fixture_legacy'; ok $? "the legacy program's event is decoded"
has "$OUT" 'LISTEN solana_events client saw [1-9][0-9]* notifications'; ok $? "the LISTEN client prints notifications"
has "$OUT" 'SOL/USD \| 148.242283945 \| +2 \|'; ok $? "the feed publishes the exact median of Pyth and Switchboard"
has "$OUT" 'demo-reports'; ok $? "queue_stats summarises the demo queue"
has "$OUT" '^pg_cron ran 3 of the 3 solana jobs'; ok $? "pg_cron ran refresh_oracles, refresh_commitment and purge_jobs"
has "$OUT" 'solana-refresh-oracles +\| succeeded'; ok $? "cron.job_run_details: refresh_oracles succeeded"
has "$OUT" 'solana-refresh-commitment +\| succeeded'; ok $? "cron.job_run_details: refresh_commitment succeeded"
has "$OUT" 'solana-purge-jobs +\| succeeded'; ok $? "cron.job_run_details: purge_jobs succeeded"
has "$OUT" '^explore: +psql -h 127.0.0.1 -p [0-9]+ -U postgres postgres'; ok $? "it ends with the psql command to explore"
if [ "$failed" -gt 0 ]; then sed 's/^/# /' "$OUT" | tail -120; fi
echo "1..$n"
[ "$failed" -eq 0 ]
