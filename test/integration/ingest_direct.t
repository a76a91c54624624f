#!/usr/bin/env bash
# ingest_direct.t: the worker writes solana.events rows the way COPY FROM
# does (ingest.c, insert_events_direct: executor routing to the
# partition, table insert, index entries, triggers), not through an
# INSERT statement.  What a user of the table relies on must hold:
# - a statement trigger with a transition table sees every new row once
#   (the webhook source, 95_webhook_sources.sql, is one);
# - AFTER ROW triggers fire for every row, and one that raises isolates
#   its transaction as a BEFORE trigger does (ingest_isolation.t);
# - each NOTIFY payload carries the id of its own row (the column
#   default, evaluated per row) and the row's program, event, slot and
#   signature;
# - a transaction whose rows are already stored (here: its
#   transactions_seen row deleted, so the next reconciliation writes it
#   again) is merged, without a duplicate row or a second notification.
. "$(dirname "$0")/ingest_lib.sh"
ingest_setup

A=$(new_program)
ok $? "a fresh scripted program with the fixture_dex IDL" || finish
cleanup() {
    [ -n "${LISTEN_PID:-}" ] && kill "$LISTEN_PID" 2>/dev/null
    q "DROP TRIGGER IF EXISTS itest_direct_stmt ON solana.events;
       DROP TRIGGER IF EXISTS itest_direct_row ON solana.events;
       DROP FUNCTION IF EXISTS public.itest_direct_count();
       DROP FUNCTION IF EXISTS public.itest_direct_refuse();
       DROP TABLE IF EXISTS public.itest_direct_seen" >/dev/null 2>&1
    rm -f "${LISTEN_OUT:-}"
}
trap cleanup EXIT
q "CREATE TABLE public.itest_direct_seen (id bigint, signature text, log_index int, batch_rows int);
   CREATE FUNCTION public.itest_direct_count() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
       INSERT INTO public.itest_direct_seen
           SELECT n.id, n.signature::text, n.log_index, (SELECT count(*) FROM new_rows)
             FROM new_rows n WHERE n.program_id = '$A'::solana.pubkey;
       RETURN NULL;
   END \$\$;
   CREATE TRIGGER itest_direct_stmt AFTER INSERT ON solana.events
       REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION public.itest_direct_count();
   CREATE FUNCTION public.itest_direct_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
       IF NEW.program_id = '$A'::solana.pubkey AND NEW.data->>'order_id' = '666' THEN
           RAISE EXCEPTION 'order 666 refused after the insert' USING ERRCODE = '23514';
       END IF;
       RETURN NULL;
   END \$\$;
   CREATE TRIGGER itest_direct_row AFTER INSERT ON solana.events
       FOR EACH ROW EXECUTE FUNCTION public.itest_direct_refuse()" >/dev/null
ok $? "a transition-table statement trigger and an AFTER ROW trigger on solana.events"

SUB=$(q "SELECT solana.subscribe('logs', '$A')")
wait_for 20 "SELECT EXISTS (SELECT 1 FROM solana.ingest_cursor WHERE subscription_id = $SUB)"
ok $? "the worker picks the subscription up"
sleep 1

LISTEN_OUT=$(mktemp)
{ echo "LISTEN solana_events;"; while :; do echo "SELECT pg_sleep(0.25);"; done; } 2>/dev/null |
    psql -X -q -At -d postgres > "$LISTEN_OUT" 2>&1 &
LISTEN_PID=$!
wait_for 20 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(0.25);')"
ok $? "a LISTEN solana_events client is running"

cancelled() {
    echo "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}, {\"name\": \"OrderCancelled\", \"data\": {\"order_id\": $1, \"owner\": \"$A\", \"reason\": \"Expired\", \"refund\": null}}]}"
}
SIGS=()
for i in 1 2 3 4 5; do
    SIGS+=("$(control execute "$(cancelled $i)" | jfield signature)")
done
S666=$(control execute "$(cancelled 666)" | jfield signature)
S7=$(control execute "$(cancelled 7)" | jfield signature)
ok $? "peer: seven transactions of two events each, one of them refused by the AFTER ROW trigger"

wait_for 30 "SELECT count(*) = 12 FROM solana.events WHERE program_id = '$A'::solana.pubkey"
ok $? "the six accepted transactions are stored (12 rows)"
wait_for 20 "SELECT EXISTS (SELECT 1 FROM solana.ingest_errors WHERE signature = '$S666' AND sqlstate = '23514')"
ok $? "the refused transaction is in ingest_errors with the AFTER trigger's SQLSTATE"
is "$(q "SELECT count(*) FROM solana.events WHERE signature = '$S666'")" "0" \
   "nothing of the refused transaction is stored"

# the transition table: every stored row once, no row that is not stored
is "$(q "SELECT count(*), count(DISTINCT id) FROM public.itest_direct_seen s
          WHERE EXISTS (SELECT 1 FROM solana.events e WHERE e.id = s.id
                          AND e.signature::text = s.signature AND e.log_index = s.log_index)")" "12|12" \
   "the statement trigger's transition table saw each stored row of A once, with its id"
is "$(q "SELECT count(*) FROM public.itest_direct_seen s
          WHERE NOT EXISTS (SELECT 1 FROM solana.events e WHERE e.id = s.id)")" "0" \
   "... and no row that was rolled back"

# one NOTIFY per row, carrying the row's own id, program, event, slot, signature
for _ in $(seq 1 80); do [ "$(grep -c "\"program\" : \"$A\"" "$LISTEN_OUT")" -ge 12 ] && break; sleep 0.25; done
NOTES=$(grep -o "payload \"{\"id\".*\"program\" : \"$A\".*}\"" "$LISTEN_OUT" | sed 's/^payload "//; s/"$//')
is "$(echo "$NOTES" | grep -c .)" "12" "twelve notifications for A"
is "$(q "WITH n AS (SELECT (x::jsonb) AS j FROM unnest(string_to_array(\$n\$$NOTES\$n\$, E'\n')) x)
          SELECT count(*) FROM n JOIN solana.events e ON e.id = (j->>'id')::bigint
           WHERE e.program_id::text = j->>'program' AND e.event_name IS NOT DISTINCT FROM j->>'event'
             AND e.slot = (j->>'slot')::bigint AND e.signature::text = j->>'signature'")" "12" \
   "each payload's id is its row's, with the row's program, event, slot and signature"

# rows already stored come again: merged by ON CONFLICT, nothing doubled
S1=${SIGS[0]}
ID1=$(q "SELECT string_agg(id::text, ',' ORDER BY log_index) FROM solana.events WHERE signature = '$S1'")
q "DELETE FROM solana.transactions_seen WHERE signature = '$S1';
   UPDATE solana.ingest_cursor SET last_signature = NULL, last_slot = 0 WHERE subscription_id = $SUB" >/dev/null
wait_for 30 "SELECT EXISTS (SELECT 1 FROM solana.transactions_seen WHERE signature = '$S1')"
ok $? "reconciliation writes the transaction again"
is "$(q "SELECT string_agg(id::text, ',' ORDER BY log_index) FROM solana.events WHERE signature = '$S1'")" "$ID1" \
   "its rows are the ones stored before (no duplicate, same ids)"
sleep 1
is "$(grep -c "\"signature\" : \"$S1\"" "$LISTEN_OUT")" "2" "and they were not notified again"
is "$(q "SELECT count(*) FROM public.itest_direct_seen WHERE signature = '$S1'")" "2" \
   "nor seen again by the statement trigger"

S8=$(control execute "$(cancelled 8)" | jfield signature)
wait_for 15 "SELECT count(*) = 2 FROM solana.events WHERE signature = '$S8'"
ok $? "ingestion goes on"
finish
