#!/usr/bin/env bash
# ingest_dead.t: transactions of a skipped (dead) slot.  The peer's
# skipSlot verb makes a slot the cluster abandoned: its transactions
# vanish from getTransaction, getSignatureStatuses and
# getSignaturesForAddress.  solana.refresh_commitment() must mark them
# and their events 'dead' with one NOTIFY solana_events {"dead": ...}
# each, promote the others to finalized, and ingestion must go on (the
# cursor may sit on the dead signature, which the node no longer knows).
# A transaction that lands again in another slot (a fork switch) is
# ingested there, and the copy at the old slot is flagged dead.
. "$(dirname "$0")/ingest_lib.sh"
ingest_setup

A=$(new_program)
ok $? "a fresh scripted program with the fixture_dex IDL" || finish
SUB=$(q "SELECT solana.subscribe('logs', '$A', 'confirmed')")
wait_for 20 "SELECT EXISTS (SELECT 1 FROM solana.ingest_cursor WHERE subscription_id = $SUB)"
ok $? "the worker picks the subscription up"
sleep 1

ev() { echo "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}, {\"name\": \"Empty\"}]}"; }
S1=$(control execute "$(ev)" | jfield signature)
S2=$(control execute "$(ev)" | jfield signature)
wait_for 15 "SELECT count(*) = 4 FROM solana.events WHERE signature IN ('$S1', '$S2') AND commitment = 'confirmed'"
ok $? "two transactions ingested at confirmed"
wait_for 15 "SELECT last_signature = '$S2' FROM solana.ingest_cursor WHERE subscription_id = $SUB"
ok $? "the cursor is on the second one"

DEAD_SLOT=$(control skipSlot "{\"signature\": \"$S2\"}" | jfield slot)
ok $? "peer: the second transaction's slot ($DEAD_SLOT) is skipped"
control advanceSlots '{"count": 40}' >/dev/null
ok $? "peer: the finalized slot passes it"

OUT=$(psql -X -q -At -d postgres -c "LISTEN solana_events" \
      -c "SELECT finalized > 0 AND dead > 0 FROM solana.refresh_commitment()" -c "SELECT 1" 2>&1)
echo "$OUT" | grep -q '^t$'
ok $? "solana.refresh_commitment() reports finalized and dead transactions"
echo "$OUT" | grep -q "Asynchronous notification \"solana_events\" with payload \"{\"dead\" : \"$S2\", \"slot\" : $DEAD_SLOT}\""
ok $? "NOTIFY solana_events {\"dead\": signature, \"slot\": n} for the dead transaction" || echo "$OUT" | sed 's/^/# /' | head -5

is "$(q "SELECT string_agg(DISTINCT commitment, ',') FROM solana.events WHERE signature = '$S2'")" "dead" \
   "the dead transaction's events are flagged dead"
is "$(q "SELECT commitment FROM solana.transactions_seen WHERE signature = '$S2'")" "dead" \
   "... and so is the transaction in transactions_seen"
is "$(q "SELECT string_agg(DISTINCT commitment, ',') FROM solana.events WHERE signature = '$S1'")" "finalized" \
   "the other transaction's events are finalized"
is "$(q "SELECT (solana.refresh_commitment()).dead")" "0" "a second call marks nothing again"

# ingestion goes on: the cursor's signature is unknown to the node now,
# so reconciliation must not page back past the cursor's slot
S3=$(control execute "$(ev)" | jfield signature)
wait_for 15 "SELECT count(*) = 2 FROM solana.events WHERE signature = '$S3'"
ok $? "a later transaction is ingested"
wait_for 15 "SELECT last_signature = '$S3' FROM solana.ingest_cursor WHERE subscription_id = $SUB"
ok $? "the cursor moves from the dead signature to it"
is "$(q "SELECT backfill_total FROM solana.ingest_cursor WHERE subscription_id = $SUB")" "1" \
   "reconciliation fetched only the new transaction (paging stopped at the cursor's slot)"
sleep 3
is "$(q "SELECT string_agg(DISTINCT commitment, ',') FROM solana.events WHERE signature = '$S2'")" "dead" \
   "the dead transaction stays dead"

# a fork switch: the dead transaction lands again in a new slot; the
# dead copy gives way to it
RE=$(control skipSlot "{\"signature\": \"$S2\", \"reland\": true}" | jfield relanded_slot)
ok $? "peer: the dead transaction lands again at slot $RE"
wait_for 15 "SELECT count(*) = 2 FROM solana.events WHERE signature = '$S2' AND slot = $RE AND commitment = 'confirmed'"
ok $? "its events are ingested again at the new slot"
is "$(q "SELECT slot || ':' || commitment FROM solana.transactions_seen WHERE signature = '$S2'")" "$RE:confirmed" \
   "transactions_seen follows it to the new slot"
is "$(q "SELECT count(*) FROM solana.events WHERE signature = '$S2' AND slot = $DEAD_SLOT AND commitment = 'dead'")" "2" \
   "the rows of the dead slot stay flagged dead"

# a transaction that moves before refresh_commitment saw it dead
S4=$(control execute "$(ev)" | jfield signature)
wait_for 15 "SELECT count(*) = 2 FROM solana.events WHERE signature = '$S4'"
ok $? "another transaction ingested"
OLD4=$(q "SELECT slot FROM solana.transactions_seen WHERE signature = '$S4'")
NEW4=$(control skipSlot "{\"signature\": \"$S4\", \"reland\": true}" | jfield relanded_slot)
ok $? "peer: its slot $OLD4 is skipped and it lands again at $NEW4"
wait_for 15 "SELECT count(*) = 2 FROM solana.events WHERE signature = '$S4' AND slot = $NEW4"
ok $? "the live copy at the new slot is ingested"
control advanceSlots '{"count": 40}' >/dev/null
OUT=$(psql -X -q -At -d postgres -c "LISTEN solana_events" -c "SELECT dead > 0 FROM solana.refresh_commitment()" -c "SELECT 1" 2>&1)
echo "$OUT" | grep -q "Asynchronous notification \"solana_events\" with payload \"{\"dead\" : \"$S4\", \"slot\" : $OLD4}\""
ok $? "refresh_commitment announces the copy at the old slot dead" || echo "$OUT" | sed 's/^/# /' | head -5
is "$(q "SELECT string_agg(slot || ':' || commitment, ',' ORDER BY slot) FROM (SELECT DISTINCT slot, commitment FROM solana.events WHERE signature = '$S4') x")" \
   "$OLD4:dead,$NEW4:finalized" "old slot's events dead, new slot's finalized"
is "$(q "SELECT slot || ':' || commitment FROM solana.transactions_seen WHERE signature = '$S4'")" "$NEW4:finalized" \
   "transactions_seen: the new slot, finalized"
is "$(q "SELECT string_agg(DISTINCT commitment, ',') FROM solana.events WHERE signature = '$S2' AND slot = $RE")" "finalized" \
   "the transaction that came back from the dead is finalized at its new slot"

q "SELECT solana.unsubscribe($SUB)" >/dev/null
finish
