#!/usr/bin/env bash
# Pyth and Switchboard accounts change on the peer; the oracle publishes their median
set -euo pipefail
if [ -z "${PS_PEER_CONTROL:-}" ]; then echo "(no local Solana peer: step skipped)"; exit 0; fi
control() { curl -sf -X POST -H 'content-type: application/json' --data "$2" "$PS_PEER_CONTROL/$1"; }
jfield() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
now=$(date +%s)
FEED_ID=ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d
PYTH=$(control writePyth "{\"feed_id\":\"$FEED_ID\",\"price\":\"14823456789\",\"conf\":\"5000000\",\"exponent\":-8,\"publish_time\":$now}" | jfield address)
echo "peer: Pyth PriceUpdateV2 $PYTH = 148.23456789"
SB=$(control writeSwitchboard "{\"name\":\"SOL_USD\",\"mantissa\":\"148250000000000000000\",\"scale\":18,\"round_open_timestamp\":$now}" | jfield address)
echo "peer: Switchboard aggregator $SB = 148.25"
# the writes land at the tip; refresh_oracles reads at solana.commitment
# (confirmed), one slot behind: let the peer confirm them first
control advanceSlots '{"count": 2}' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -v pyth="$PYTH" -v sb="$SB" <<'SQL'
\pset footer off
-- a feed with two on-chain sources (custom signed sources: docs/oracles.md)
INSERT INTO solana.oracle_feeds (symbol, max_staleness) VALUES ('SOL/USD', '10 minutes');
INSERT INTO solana.oracle_sources (feed, source_id, kind, account) VALUES
    ('SOL/USD', 'pyth', 'pyth', :'pyth'),
    ('SOL/USD', 'switchboard', 'switchboard', :'sb');
\echo 'refresh_oracles(): one getMultipleAccounts through solana.rpc'
SELECT solana.refresh_oracles() AS accounts_read;
SELECT source_id, kind, price FROM solana.oracle_sources WHERE feed = 'SOL/USD' ORDER BY source_id;
SELECT feed, price, sources_used, method FROM solana.prices WHERE feed = 'SOL/USD';
SQL
