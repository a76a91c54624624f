#!/usr/bin/env bash
# a webhook receiver (test/integration/webhook_receiver.js) gets newly ingested events, signed (Standard Webhooks) and verified
set -euo pipefail
if [ -z "${PS_PEER_CONTROL:-}" ]; then echo "(no local Solana peer: step skipped)"; exit 0; fi
control() { curl -sf -X POST -H 'content-type: application/json' --data "$2" "$PS_PEER_CONTROL/$1"; }
jfield() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
DEX=DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE
VAULT=CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj
W=$PS_DEMO_DIR.webhook
rm -rf "$W"; mkdir -p "$W"

# the receiver stays up with the demo (demo.sh stops it from $W/pid);
# with the fixtures at hand it first checks itself on webhooks.json
fixtures=()
for d in "${PS_FIXTURES:-}" "$PS_ROOT/../shared/fixtures"; do
    [ -n "$d" ] && [ -f "$d/webhooks.json" ] && { fixtures=(--fixtures "$d"); break; }
done
setsid node "$PS_ROOT/test/integration/webhook_receiver.js" --ready-file "$W/ready" \
    --log "$W/deliveries.jsonl" "${fixtures[@]}" > "$W/receiver.log" 2>&1 < /dev/null &
echo $! > "$W/pid"
for _ in $(seq 1 50); do [ -s "$W/ready" ] && break; sleep 0.1; done
if [ ! -s "$W/ready" ]; then echo "the webhook receiver did not start:"; cat "$W/receiver.log"; exit 1; fi
[ ${#fixtures[@]} -gt 0 ] && echo "the receiver checked its verifier against ${fixtures[1]}/webhooks.json"
URL=$(jfield url < "$W/ready")
echo "webhook receiver listening on $URL (deliveries logged to $W/deliveries.jsonl)"

# the receiver is on loopback, which the SSRF guard refuses unless allowed
psql -X -q -v ON_ERROR_STOP=1 -c "ALTER SYSTEM SET solana.webhook_allow_private = on" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
SECRET=$(q "SELECT secret FROM solana.add_webhook(name => 'demo-events', url => '$URL/events',
              event_types => '{event}', program_ids => ARRAY['$DEX', '$VAULT']::solana.pubkey[],
              event_names => '{OrderCancelled,WideInts}')")
OPS_SECRET=$(q "SELECT secret FROM solana.add_webhook(name => 'demo-ops', url => '$URL/ops',
              event_types => '{price,transaction}')")
# the receiver verifies each path with its endpoint's secret
curl -sf -X POST -H 'content-type: application/json' "$URL/_control" \
    --data "{\"secrets\": {\"/events\": [\"$SECRET\"], \"/ops\": [\"$OPS_SECRET\"]}}" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\pset footer off
SELECT id, name, url, event_types, event_names, left(secret, 12) || '...' AS secret
  FROM solana.webhooks ORDER BY id;
SQL

echo "peer: dex cancels an order and CPIs into the vault (two new events for demo-events)"
SIG=$(control execute "{\"program_id\": \"$DEX\",
  \"events\": [{\"name\": \"OrderCancelled\", \"data\": {\"order_id\": $RANDOM$RANDOM,
               \"owner\": \"$VAULT\", \"reason\": \"User\", \"refund\": 250000}}],
  \"cpi\": [{\"program_id\": \"$VAULT\", \"events\": [{\"name\": \"WideInts\", \"data\": {
      \"a\": 1, \"b\": -1, \"tag\": 9}}]}]}" | jfield signature)
echo "  signature $SIG"

# ingest -> solana.events -> outbox trigger -> dispatcher -> receiver
for _ in $(seq 1 100); do
    [ "$(q "SELECT count(*) FROM solana.webhook_deliveries d JOIN solana.webhooks w ON w.id = d.webhook_id
            WHERE w.name = 'demo-events' AND d.state = 'delivered'")" -ge 2 ] && break
    sleep 0.2
done
echo "the receiver got (webhook-id, event, verified with the endpoint's secret):"
python3 - "$W/deliveries.jsonl" "$SIG" <<'PY'
import json, sys
seen = verified = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] != "/events":
        continue
    body = json.loads(r["body"])
    ev = body.get("event") or {}
    print(f"  {r['id'][:24]}...{r['id'][-2:]}  {ev.get('name')} from {body['program'][:8]}... slot {body['slot']}"
          f"  signature header {r['signature'][:14]}...  verified: {str(r['verified']).lower()}"
          + ("" if r["verified"] else f" ({r['reason']})"))
    seen += 1
    verified += bool(r["verified"])
# (only /events: demo-ops may already have had a price from pg_cron's refresh_oracles)
print(f"receiver: {seen} deliveries on /events, {verified} verified")
PY
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\pset footer off
SELECT w.name AS webhook, d.message_id, d.state, d.attempts, d.last_status
  FROM solana.webhook_deliveries AS d JOIN solana.webhooks AS w ON w.id = d.webhook_id
 WHERE w.name = 'demo-events' ORDER BY d.id;
SQL
