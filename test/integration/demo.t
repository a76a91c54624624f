#!/usr/bin/env bash
# demo.t: the README's demo scenario (scripts/demo.sh --once) as a test.
# It starts its own cluster and peer under build/demo, runs every
# scenario step, and must show: the fixture programs registered and
# subscribed, decoded events (nested CPI, wide integers) and LISTEN
# notifications, prices published from Pyth and Switchboard, then from
# four sources with two signed custom providers, webhook deliveries
# verified at a receiver, a batch of transfers and memos finalized, the
# queue summary, and the three pg_cron jobs run (cron.job_run_details,
# checked from the demo's own output of its last step, since --once
# stops the cluster).
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
# 45_signed_prices.sh: two custom providers sign with @solana/kit
has "$OUT" '^provider acme signs with [1-9A-HJ-NP-Za-km-z]{32,44}$'; ok $? "provider acme made its key"
has "$OUT" '^  audit: acme quorum, pyth accepted, switchboard accepted, zeta no_data$'; ok $? "one signed price waits for the quorum of two"
has "$OUT" '^  submit_price -> published t: 148.255 from 4 sources$'; ok $? "the second signed price publishes the median of four sources"
has "$OUT" 'SOL/USD \| 148.255 +\| +4 \| median'; ok $? "solana.prices holds the four-source median"
has "$OUT" 'ERROR: +invalid signature on price submission from source "acme"'; ok $? "a forged submission is refused"
has "$OUT" 'SOL/USD \| zeta +\| +1483000 \| +-4 \| [1-9A-HJ-NP-Za-km-z]{64,88}'; ok $? "the signed submissions are stored"
# 60_webhooks.sh: the receiver gets new events, signed and verified
has "$OUT" '^webhook receiver listening on http://127.0.0.1:[0-9]+ '; ok $? "the webhook receiver is started"
has "$OUT" '^  evt_[1-9A-HJ-NP-Za-km-z]+\.\.\._[0-9]+ +OrderCancelled from DJrtazoU.* verified: true$'; ok $? "the dex event is delivered and verified"
has "$OUT" '^  evt_[1-9A-HJ-NP-Za-km-z]+\.\.\._[0-9]+ +WideInts from CwUtbdGC.* verified: true$'; ok $? "the vault event from the CPI is delivered and verified"
has "$OUT" '^receiver: 2 deliveries on /events, 2 verified$'; ok $? "exactly the two matching events reached the receiver"
! has "$OUT" 'verified: false'; ok $? "no delivery failed verification"
# 70_transactions.sh: a batch packed, signed, submitted, finalized
has "$OUT" '^payer balance: 2000000000 lamports$'; ok $? "requestAirdrop funded the payer"
has "$OUT" '^submit_instructions: batch [0-9]+, 2 transactions for 16 instructions$'; ok $? "16 instructions packed into 2 transactions"
[ "$(grep -cE '^ +[01] \| finalized \| +[0-9]+ \| [1-9A-HJ-NP-Za-km-z]{64,88} +\| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9]' "$OUT")" = 2 ]
ok $? "both transactions finalized with signature, slot and fee"
has "$OUT" '^balances: payer [0-9]+, alice 100000000, bob 50000000 lamports$'; ok $? "the transfers moved the lamports"
[ "$(grep -cE '^  tx_[0-9]+_(confirmed|finalized) +(confirmed|finalized) +[1-9A-HJ-NP-Za-km-z]{20}\.\.\.  verified: true$' "$OUT")" = 4 ]
ok $? "the receiver got each transaction's confirmed and finalized, verified"
has "$OUT" 'demo-reports'; ok $? "queue_stats summarises the demo queue"
has "$OUT" '^pg_cron ran 3 of the 3 solana jobs'; ok $? "pg_cron ran refresh_oracles, refresh_commitment and purge_jobs"
has "$OUT" 'solana-refresh-oracles +\| succeeded'; ok $? "cron.job_run_details: refresh_oracles succeeded"
has "$OUT" 'solana-refresh-commitment +\| succeeded'; ok $? "cron.job_run_details: refresh_commitment succeeded"
has "$OUT" 'solana-purge-jobs +\| succeeded'; ok $? "cron.job_run_details: purge_jobs succeeded"
has "$OUT" '^explore: +psql -h 127.0.0.1 -p [0-9]+ -U postgres postgres'; ok $? "it ends with the psql command to explore"
if [ "$failed" -gt 0 ]; then sed 's/^/# /' "$OUT" | tail -120; fi
echo "1..$n"
[ "$failed" -eq 0 ]
