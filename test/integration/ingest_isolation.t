#!/usr/bin/env bash
# ingest_isolation.t: one item of a batch that cannot be written (here a
# trigger the test adds on solana.events raises for one event) must not
# lose the rest of the batch nor stop the worker: the batch is written
# again item by item in subtransactions, the bad transaction lands in
# solana.ingest_errors with the SQLSTATE and its raw input, and the
# cursor moves past it.
. "$(dirname "$0")/ingest_lib.sh"
ingest_setup

A=$(new_program)
ok $? "a fresh scripted program with the fixture_dex IDL" || finish
cleanup() {
    q "DROP TRIGGER IF EXISTS itest_isolation ON solana.events;
       DROP FUNCTION IF EXISTS public.itest_isolation_refuse();
       DROP TRIGGER IF EXISTS itest_isolation ON solana.accounts;
       DROP FUNCTION IF EXISTS public.itest_isolation_refuse_account()" >/dev/null 2>&1
}
trap cleanup EXIT
q "CREATE FUNCTION public.itest_isolation_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
       IF NEW.program_id = '$A'::solana.pubkey AND NEW.data->>'order_id' = '666' THEN
           RAISE EXCEPTION 'order 666 refused by the test' USING ERRCODE = '23514';
       END IF;
       RETURN NEW;
   END \$\$;
   CREATE TRIGGER itest_isolation BEFORE INSERT ON solana.events
       FOR EACH ROW EXECUTE FUNCTION public.itest_isolation_refuse()" >/dev/null
ok $? "a trigger on solana.events that refuses one event"

SUB=$(q "SELECT solana.subscribe('logs', '$A')")
wait_for 20 "SELECT EXISTS (SELECT 1 FROM solana.ingest_cursor WHERE subscription_id = $SUB)"
ok $? "the worker picks the subscription up"
PID0=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_solana ingest'")
sleep 1

cancelled() {
    echo "{\"program_id\": \"$A\", \"events\": [{\"name\": \"Empty\"}, {\"name\": \"OrderCancelled\", \"data\": {\"order_id\": $1, \"owner\": \"$A\", \"reason\": \"Expired\", \"refund\": null}}]}"
}
# three transactions in quick succession: one batch (live), then again
# through reconciliation
S1=$(control execute "$(cancelled 1)" | jfield signature)
S2=$(control execute "$(cancelled 666)" | jfield signature)
S3=$(control execute "$(cancelled 3)" | jfield signature)
ok $? "peer: transactions before, with and after the refused event"

wait_for 20 "SELECT count(*) = 4 FROM solana.events WHERE signature IN ('$S1', '$S3')"
ok $? "the other transactions of the batch are stored (both events each)"
wait_for 20 "SELECT EXISTS (SELECT 1 FROM solana.ingest_errors WHERE signature = '$S2' AND sqlstate = '23514')"
ok $? "the refused transaction is in ingest_errors with the trigger's SQLSTATE"
is "$(q "SELECT message LIKE '%order 666 refused by the test%' AND raw::jsonb->>'signature' = '$S2'
                AND raw LIKE '%Program data: %' FROM solana.ingest_errors WHERE signature = '$S2' LIMIT 1")" "t" \
   "the error names the cause and keeps the raw transaction (signature, log lines)"
is "$(q "SELECT count(*) FROM solana.events WHERE signature = '$S2'")" "0" \
   "nothing of the refused transaction is stored (its other event included)"
S3SLOT=$(q "SELECT slot FROM solana.transactions_seen WHERE signature = '$S3'")
wait_for 20 "SELECT last_slot >= $S3SLOT FROM solana.ingest_cursor WHERE subscription_id = $SUB"
ok $? "the cursor moves past the refused transaction"

# no loop: the error count of the refused transaction stops growing
N1=$(q "SELECT count(*) FROM solana.ingest_errors WHERE signature = '$S2'")
sleep 6   # three reconciliation intervals
N2=$(q "SELECT count(*) FROM solana.ingest_errors WHERE signature = '$S2'")
is "$N2" "$N1" "the refused transaction is not retried forever ($N1 error rows)"
is "$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_solana ingest'")" "$PID0" \
   "the worker did not restart"

S4=$(control execute "$(cancelled 4)" | jfield signature)
wait_for 15 "SELECT count(*) = 2 FROM solana.events WHERE signature = '$S4'"
ok $? "ingestion goes on"

# an account state refused by a trigger on solana.accounts: the other
# account of the same snapshot batch is stored
X=$(q "SELECT solana.pubkey(decode(md5(random()::text) || md5(random()::text), 'hex'))")
Y=$(q "SELECT solana.pubkey(decode(md5(random()::text) || md5(random()::text), 'hex'))")
control setAccount "{\"address\": \"$X\", \"data_b64\": \"AQID\", \"lamports\": 1000000}" >/dev/null
control setAccount "{\"address\": \"$Y\", \"data_b64\": \"BAUG\", \"lamports\": 1000000}" >/dev/null
q "CREATE FUNCTION public.itest_isolation_refuse_account() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
       IF NEW.pubkey = '$X'::solana.pubkey THEN
           RAISE EXCEPTION 'account refused by the test' USING ERRCODE = 'P0001';
       END IF;
       RETURN NEW;
   END \$\$;
   CREATE TRIGGER itest_isolation BEFORE INSERT OR UPDATE ON solana.accounts
       FOR EACH ROW EXECUTE FUNCTION public.itest_isolation_refuse_account()" >/dev/null
XS=$(q "SELECT solana.subscribe('account', '$X'); SELECT solana.subscribe('account', '$Y')" | tr '\n' ' ')
wait_for 20 "SELECT EXISTS (SELECT 1 FROM solana.accounts WHERE pubkey = '$Y' AND data = '\\x040506')"
ok $? "the other account of the batch is stored"
wait_for 10 "SELECT EXISTS (SELECT 1 FROM solana.ingest_errors WHERE sqlstate = 'P0001'
               AND message LIKE 'state of account $X at slot % could not be written: account refused by the test; skipped'
               AND raw = 'AQID')"
ok $? "the refused account state is in ingest_errors with the SQLSTATE and its data (base64)"
is "$(q "SELECT count(*) FROM solana.accounts WHERE pubkey = '$X'")" "0" "the refused state is not stored"
q "DROP TRIGGER itest_isolation ON solana.accounts; DROP FUNCTION public.itest_isolation_refuse_account()" >/dev/null
for id in $XS; do q "SELECT solana.unsubscribe($id)" >/dev/null; done

cleanup
q "SELECT solana.unsubscribe($SUB)" >/dev/null
finish
