#!/usr/bin/env bash
# the peer emits events (nested CPIs, emit_cpi!); a LISTEN client prints them
set -euo pipefail
if [ -z "${PS_PEER_CONTROL:-}" ]; then echo "(no local Solana peer: step skipped)"; exit 0; fi
control() { curl -sf -X POST -H 'content-type: application/json' --data "$2" "$PS_PEER_CONTROL/$1"; }
jfield() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
DEX=DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE
VAULT=CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj
LEGACY=Cep2LatNRYenCkoBSYVyL2SG6JD7C2gw2qJfS56MoJPb

# wait until the ingest worker holds its subscriptions (cursor rows)
for _ in $(seq 1 60); do
    [ "$(q "SELECT count(*) >= 4 FROM solana.ingest_cursor")" = t ] && break; sleep 0.5
done
sleep 1
echo "ingest worker follows $(q "SELECT count(*) FROM solana.ingest_cursor") subscriptions"

# a LISTEN client in the background (psql prints notifications after each command)
LISTEN_OUT=$PS_DEMO_DIR.listen
{ echo "LISTEN solana_events;"; for _ in $(seq 1 40); do echo "SELECT pg_sleep(0.25);"; done; } |
    psql -X -q -At > "$LISTEN_OUT" 2>&1 &
LISTEN_PID=$!
sleep 0.5

echo "peer: dex cancels an order, CPIs into the vault (WideInts: u256/i256) and emits Empty with emit_cpi!"
SIG1=$(control execute "{\"program_id\": \"$DEX\",
  \"events\": [{\"name\": \"OrderCancelled\", \"data\": {\"order_id\": 340282366920938463463374607431768211455,
               \"owner\": \"$VAULT\", \"reason\": \"Expired\", \"refund\": 18446744073709551615}}],
  \"emit_cpi\": [{\"name\": \"Empty\", \"data\": {}}],
  \"cpi\": [{\"program_id\": \"$VAULT\", \"events\": [{\"name\": \"WideInts\", \"data\": {
      \"a\": 115792089237316195423570985008687907853269984665640564039457584007913129639935,
      \"b\": -57896044618658097711785492504343953926634992332820282019728792003956564819968, \"tag\": 7}}]}]}" | jfield signature)
echo "  signature $SIG1"
echo "peer: a legacy (Anchor 0.29) program emits LegacyTransfer"
SIG2=$(control execute "{\"program_id\": \"$LEGACY\", \"events\": [{\"name\": \"LegacyTransfer\", \"data\": {\"from\": \"$DEX\", \"to\": \"$VAULT\", \"amount\": 42, \"memo\": \"demo\", \"level\": {\"High\": {\"boost\": 3, \"until\": -1}}}}]}" | jfield signature || true)
echo "  signature ${SIG2:-(not accepted by the peer)}"
echo "peer: load generator, 200 random events/s of every fixture type for 2 s"
control load "{\"events_per_sec\": 200, \"seconds\": 2, \"programs\": [\"$DEX\", \"$VAULT\"]}" >/dev/null
for _ in $(seq 1 40); do
    [ "$(control loadStatus '{}' | jfield running)" = False ] && break; sleep 0.25
done
emitted=$(control loadStatus '{}' | jfield emitted_events)
echo "  the generator emitted $emitted events"

for _ in $(seq 1 60); do
    [ "$(q "SELECT count(*) = 3 FROM solana.events WHERE signature = '$SIG1'::solana.signature" 2>/dev/null)" = t ] && break; sleep 0.5
done
echo "solana.events now holds $(q "SELECT count(*) FROM solana.events") events ($(q "SELECT count(*) FROM solana.events WHERE event_name IS NOT NULL") decoded)"
wait "$LISTEN_PID" 2>/dev/null || true
echo "LISTEN solana_events client saw $(grep -c 'Asynchronous notification' "$LISTEN_OUT" || true) notifications; the first ones:"
grep 'Asynchronous notification' "$LISTEN_OUT" | sed -n '1,3{s/ received from server process.*//;s/^/  /;p}'
