#!/usr/bin/env bash
# a batch of transfers and memos: packed into transactions, signed, submitted, followed to finalized
set -euo pipefail
if [ -z "${PS_PEER_CONTROL:-}" ]; then echo "(no local Solana peer: step skipped)"; exit 0; fi
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
balance() { q "SELECT solana.rpc('getBalance', jsonb_build_array('$1', '{\"commitment\": \"confirmed\"}'::jsonb), use_cache => false)->'value'"; }

# keys: two generated in the database, one imported from a wallet's
# keypair file (the Solana CLI's JSON array of 64 numbers)
WALLET=$(node -e '
const { generateKeyPairSync } = require("node:crypto");
const j = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
console.log(JSON.stringify([...Buffer.from(j.d, "base64url"), ...Buffer.from(j.x, "base64url")]));')
psql -X -q -v ON_ERROR_STOP=1 -v wallet="$WALLET" <<'SQL'
\pset footer off
SELECT solana.generate_keypair('demo-payer') AS payer,
       solana.generate_keypair('demo-alice') AS alice,
       solana.import_keypair('demo-bob', :'wallet') AS bob_imported;
SQL
PAYER=$(q "SELECT solana.keypair_pubkey('demo-payer')")
ALICE=$(q "SELECT solana.keypair_pubkey('demo-alice')")
BOB=$(q "SELECT solana.keypair_pubkey('demo-bob')")

echo "requestAirdrop of 2 SOL to the payer through solana.rpc: $(q "SELECT solana.rpc('requestAirdrop', jsonb_build_array('$PAYER', 2000000000), use_cache => false) #>> '{}'")"
for _ in $(seq 1 50); do [ "$(balance "$PAYER")" = 2000000000 ] && break; sleep 0.2; done
echo "payer balance: $(balance "$PAYER") lamports"

# 2 transfers and 14 memos of ~90 bytes do not fit one 1232-byte transaction
BATCH=$(q "SELECT solana.submit_instructions(
    ARRAY[solana.system_transfer('$PAYER', '$ALICE', 100000000),
          solana.system_transfer('$PAYER', '$BOB', 50000000)]
    || ARRAY(SELECT solana.memo(format('pg_solana demo invoice %s: paid from PostgreSQL, packed by bytes, signed in the database', g),
                                ARRAY['$PAYER'::solana.pubkey])
               FROM generate_series(1, 14) AS g),
    signers => ARRAY['demo-payer'])")
echo "submit_instructions: batch $BATCH, $(q "SELECT count(*) || ' transactions for ' || sum(cardinality(instructions)) || ' instructions' FROM solana.transactions WHERE batch_id = $BATCH")"

prev=
for _ in $(seq 1 150); do
    s=$(q "SELECT string_agg(state, ' ' ORDER BY seq) FROM solana.batch_status($BATCH)")
    [ "$s" != "$prev" ] && echo "  states: $s" && prev=$s
    [ "$(q "SELECT bool_and(state IN ('finalized', 'failed', 'expired')) FROM solana.batch_status($BATCH)")" = t ] && break
    sleep 0.2
done
psql -X -q -v ON_ERROR_STOP=1 -v batch="$BATCH" <<'SQL'
\pset footer off
SELECT seq, state, instructions, signature, sends, slot, fee, compute_units_consumed AS cu
  FROM solana.batch_status(:batch);
SELECT * FROM solana.transaction_batch_summary WHERE batch_id = :batch;
SQL
echo "balances: payer $(balance "$PAYER"), alice $(balance "$ALICE"), bob $(balance "$BOB") lamports"

# the demo-ops webhook (60_webhooks.sh) hears about each final transaction
W=$PS_DEMO_DIR.webhook
if [ -s "$W/ready" ]; then
    for _ in $(seq 1 50); do
        [ "$(q "SELECT count(*) FILTER (WHERE d.state <> 'delivered') = 0 AND count(*) > 0
                 FROM solana.webhook_deliveries d JOIN solana.webhooks w ON w.id = d.webhook_id
                WHERE w.name = 'demo-ops' AND d.event_type = 'transaction'
                  AND (d.payload->>'batch_id')::bigint = $BATCH")" = t ] && break
        sleep 0.2
    done
    echo "webhook deliveries of the batch's transactions at the receiver:"
    python3 - "$W/deliveries.jsonl" "$BATCH" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] != "/ops" or not r["id"].startswith("tx_"):
        continue
    body = json.loads(r["body"])
    if str(body.get("batch_id")) != sys.argv[2]:
        continue
    print(f"  {r['id']:<18} {body.get('state'):<10} {str(body.get('signature'))[:20]}...  verified: {str(r['verified']).lower()}")
PY
fi
