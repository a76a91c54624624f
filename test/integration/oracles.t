#!/usr/bin/env bash
# oracles.t: the price oracle system against the local Solana peer.  The
# peer writes a Pyth PriceUpdateV2 and a Switchboard v2 aggregator
# account (control verbs writePyth / writeSwitchboard); the extension
# pulls them with solana.refresh_oracles() (getMultipleAccounts through
# solana.rpc), publishes into solana.prices / solana.price_history and
# notifies solana_prices; when the ingest worker runs, account
# subscriptions (solana.follow_oracles) re-aggregate live.
# Runs in database postgres (solana.database, where the workers live)
# with its own feed symbol, removed at the end.
set -u
if [ -z "${PS_PEER_RPC:-}" ] || [ -z "${PS_PEER_CONTROL:-}" ]; then
    echo "1..0 # SKIP no local Solana peer (PS_PEER_RPC unset)"
    exit 0
fi
export PGOPTIONS="-c search_path=public,solana"
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 -d postgres)
"${PSQL[@]}" -c "CREATE EXTENSION IF NOT EXISTS pg_solana" >/dev/null 2>&1
if [ "$("${PSQL[@]}" -c "SELECT to_regprocedure('solana.rpc(text, jsonb, boolean)') IS NOT NULL
                          AND to_regprocedure('solana.refresh_oracles(integer)') IS NOT NULL")" != t ]; then
    echo "1..0 # SKIP solana.rpc (gateway) or solana.refresh_oracles not installed"
    exit 0
fi

n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
is() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got: '$1'"; echo "#  want: '$2'"; failed=$((failed + 1)); fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
control() { curl -sf -X POST -H 'content-type: application/json' --data "$2" "$PS_PEER_CONTROL/$1"; }
jfield() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

echo "1..10"
SYM="IT/ORACLE/$$"
cleanup() { "${PSQL[@]}" -c "SELECT solana.unsubscribe('account', o.account) FROM solana.oracle_sources AS o
                              JOIN solana.subscriptions AS s ON s.kind = 'account' AND s.target = o.account
                             WHERE o.feed = '$SYM'" >/dev/null 2>&1
            "${PSQL[@]}" -c "DELETE FROM solana.oracle_feeds WHERE symbol = '$SYM';
                             DELETE FROM solana.price_history WHERE feed = '$SYM';
                             DELETE FROM solana.oracle_audit WHERE feed = '$SYM'" >/dev/null 2>&1; }
[ -n "${PS_ORACLES_KEEP:-}" ] || trap cleanup EXIT

# point the gateway and the ingest worker at the peer
if [ "$("${PSQL[@]}" -c "SHOW solana.rpc_url")" != "$PS_PEER_RPC" ] ||
   { [ -n "${PS_PEER_WS:-}" ] && [ "$("${PSQL[@]}" -c "SHOW solana.ws_url")" != "$PS_PEER_WS" ]; }; then
    "${PSQL[@]}" -c "ALTER SYSTEM SET solana.rpc_url = '$PS_PEER_RPC'" >/dev/null
    [ -n "${PS_PEER_WS:-}" ] && "${PSQL[@]}" -c "ALTER SYSTEM SET solana.ws_url = '$PS_PEER_WS'" >/dev/null
    "${PSQL[@]}" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 1
fi

FEED_ID=$(printf 'ab%.0s' $(seq 1 32))
now=$(date +%s)
pyth=$(control writePyth "{\"feed_id\":\"$FEED_ID\",\"price\":\"14823456789\",\"conf\":\"5000000\",\"exponent\":-8,\"publish_time\":$now}")
ok $? "peer writes a Pyth PriceUpdateV2 account"
PYTH=$(echo "$pyth" | jfield address)
sb=$(control writeSwitchboard "{\"name\":\"SOL_USD\",\"mantissa\":\"148250000000000000000\",\"scale\":18,\"std_mantissa\":\"10000000000000000\",\"round_open_timestamp\":$now}")
ok $? "peer writes a Switchboard v2 aggregator account"
SB=$(echo "$sb" | jfield address)

"${PSQL[@]}" -c "INSERT INTO solana.oracle_feeds (symbol, max_staleness) VALUES ('$SYM', '10 minutes');
                 INSERT INTO solana.oracle_sources (feed, source_id, kind, account) VALUES
                   ('$SYM', 'pyth', 'pyth', '$PYTH'), ('$SYM', 'sb', 'switchboard', '$SB')" >/dev/null

# a listener in the background for the whole refresh
listen_out=$(mktemp)
( psql -X -d postgres -c "LISTEN solana_prices" -c "SELECT pg_sleep(4)" -c "SELECT 1" > "$listen_out" 2>&1 ) &
lpid=$!
sleep 1

is "$("${PSQL[@]}" -c "SELECT solana.refresh_oracles()" 2>&1)" "2" "refresh_oracles reads both accounts with getMultipleAccounts"
is "$("${PSQL[@]}" -c "SELECT price, sources_used FROM solana.prices WHERE feed = '$SYM'")" \
   "148.242283945|2" "the published price is the exact median of 148.23456789 and 148.25"
is "$("${PSQL[@]}" -c "SELECT source_id || ':' || price FROM solana.oracle_sources WHERE feed = '$SYM' ORDER BY 1" | tr '\n' ' ')" \
   "pyth:148.23456789 sb:148.250000000000000000 " "each source holds its exact sample"

now2=$((now + 1))
control writePyth "{\"address\":\"$PYTH\",\"feed_id\":\"$FEED_ID\",\"price\":\"14900000000\",\"conf\":\"5000000\",\"exponent\":-8,\"publish_time\":$now2}" >/dev/null
# the peer confirms a slot behind: refresh until the new state is visible
got=
for _ in $(seq 1 20); do
    "${PSQL[@]}" -c "SELECT solana.refresh_oracles()" >/dev/null
    got=$("${PSQL[@]}" -c "SELECT price FROM solana.prices WHERE feed = '$SYM'")
    [ "$got" = "148.625" ] && break
    sleep 0.5
done
is "$got" "148.625" "a new Pyth update moves the aggregate after a refresh"
is "$("${PSQL[@]}" -c "SELECT bool_or(price = 148.242283945) AND bool_or(price = 148.625)
                      FROM solana.price_history WHERE feed = '$SYM'")" "t" \
   "price_history holds both prices"

wait $lpid
grep -q "Asynchronous notification \"solana_prices\" with payload \"{\"feed\" : \"$SYM\"" "$listen_out"
ok $? "LISTEN solana_prices receives the feed's publications"
rm -f "$listen_out"

# live: account subscriptions through the ingest worker
if [ "$("${PSQL[@]}" -c "SELECT to_regprocedure('solana.follow_oracles(text)') IS NOT NULL
        AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type ILIKE '%ingest%')")" = t ] &&
   "${PSQL[@]}" -c "SELECT solana.follow_oracles()" >/dev/null 2>&1; then
    ok 0 "follow_oracles subscribes to the feed accounts"
    sleep 2
    control writePyth "{\"address\":\"$PYTH\",\"feed_id\":\"$FEED_ID\",\"price\":\"15000000000\",\"conf\":\"5000000\",\"exponent\":-8,\"publish_time\":$((now + 2))}" >/dev/null
    got=; arrived=
    for _ in $(seq 1 40); do
        arrived=$("${PSQL[@]}" -c "SELECT count(*) FROM solana.accounts
                                    WHERE pubkey = '$PYTH' AND (solana.pyth_price(data)).price = 150")
        got=$("${PSQL[@]}" -c "SELECT price FROM solana.prices WHERE feed = '$SYM'")
        [ "$got" = "149.125" ] && break
        sleep 0.5
    done
    if [ "$arrived" = 0 ]; then
        skip "the ingest worker did not deliver the new account state within 20 s (issue 5): trigger path not exercised"
    else
        is "$got" "149.125" "a Pyth update reaches the feed live (subscription and trigger, no refresh)"
    fi
else
    skip "ingest worker not running: live subscription path not exercised"
    skip "ingest worker not running: live subscription path not exercised"
fi
exit $((failed > 0))
