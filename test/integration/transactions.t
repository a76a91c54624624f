#!/usr/bin/env bash
# transactions.t: the durable send state machine against the local
# Solana peer (litesvm executes for real).  Transfers and memos
# submitted with solana.submit_instructions land and balances change;
# a bad signature is rejected; failing instructions end `failed` with
# logs (preflight and on chain), split and retried one by one on
# request; sends dropped by the peer until the blockhash expires ->
# `expired`, re-signed exactly once, one transfer; dispatcher kill -9
# and a PostgreSQL restart mid-flight -> every intent final, no
# transfer twice.  Also the keypair file permission check.
set -uo pipefail
. "$(dirname "$0")/lib_net.sh"

if [ -z "${PS_PEER_RPC:-}" ] || [ -z "${PS_PEER_CONTROL:-}" ]; then
    echo "1..0 # SKIP the local Solana peer is not running (PS_PEER_RPC unset)"
    exit 0
fi
DB=postgres                     # the dispatcher works in solana.database
r=$(q $DB "CREATE EXTENSION IF NOT EXISTS pg_solana")
if [[ "$r" == ERROR* ]]; then echo "1..0 # SKIP pg_solana does not install: $r"; exit 0; fi
KP=$(mktemp -d /tmp/ps_txn_t.XXXXXX)
cleanup() {
    curl -s "$PS_PEER_CONTROL/clearFaults" -X POST >/dev/null
    cleanup_net
    rm -rf "$KP"
    q $DB "DROP SCHEMA IF EXISTS ${TAG} CASCADE" >/dev/null
}
trap cleanup EXIT

set_system solana.rpc_url "$PS_PEER_RPC"
set_system solana.dispatcher_lease 5s
settle

ctl() { curl -s "$PS_PEER_CONTROL/$1" -d "${2:-{\}}"; }
rpc() { curl -s "$PS_PEER_RPC" -H 'Content-Type: application/json' \
             -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"; }
jget() { python3 -c "import json,sys;d=json.load(sys.stdin)
for k in sys.argv[1].split('.'):
    d=d[int(k)] if isinstance(d,list) else d.get(k) if d is not None else None
print('null' if d is None else d)" "$1"; }
balance() { rpc getBalance "[\"$1\",{\"commitment\":\"confirmed\"}]" | jget result.value; }

# wait_batches "ids" STATES SECONDS: until every transaction of the
# batches is in one of STATES (a SQL list); prints the states seen
wait_batches() {
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        if [ "$(q $DB "SELECT count(*) FROM solana.transactions WHERE batch_id IN ($1) AND state NOT IN ($2)")" = 0 ]; then
            break
        fi
        sleep 0.2
    done
    q $DB "SELECT string_agg(state, ',' ORDER BY seq) FROM solana.transactions WHERE batch_id IN ($1)"
}

# --- keys and funds ------------------------------------------------------
TAG=t$$x$RANDOM
q $DB "SELECT solana.generate_keypair('${TAG}_payer'), solana.generate_keypair('${TAG}_to')" >/dev/null
# every state change, in commit order of the row updates
q $DB "CREATE SCHEMA ${TAG};
       CREATE TABLE ${TAG}.log (n bigserial, tx bigint, batch bigint, state text);
       CREATE FUNCTION ${TAG}.log() RETURNS trigger LANGUAGE plpgsql AS
         \$\$BEGIN INSERT INTO ${TAG}.log (tx, batch, state) VALUES (NEW.id, NEW.batch_id, NEW.state); RETURN NULL; END\$\$;
       CREATE TRIGGER ${TAG}_log AFTER INSERT OR UPDATE OF state ON solana.transactions
         FOR EACH ROW EXECUTE FUNCTION ${TAG}.log()" >/dev/null
PAYER=$(q $DB "SELECT solana.keypair_pubkey('${TAG}_payer')")
TO=$(q $DB "SELECT solana.keypair_pubkey('${TAG}_to')")
like "$(ctl airdrop "{\"address\":\"$PAYER\",\"lamports\":10000000000}")" '"ok":true' "airdrop to the payer"
for _ in $(seq 1 20); do [ "$(balance "$PAYER")" = 10000000000 ] && break; sleep 0.2; done
is "$(balance "$PAYER")" 10000000000 "payer funded"

# --- transfers and memos land ------------------------------------------
B1=$(q $DB "SELECT solana.submit_instructions(ARRAY[
        solana.system_transfer('$PAYER', '$TO', 1000000),
        solana.memo('pg_solana $TAG', ARRAY['$PAYER'::solana.pubkey]),
        solana.system_transfer('$PAYER', '$TO', 2000000)], ARRAY['${TAG}_payer'])")
is "$(wait_batches "$B1" "'confirmed','finalized'" 30)" "confirmed" "three instructions packed in one transaction, confirmed"
is "$(balance "$TO")" 3000000 "recipient balance changed by both transfers"
r=$(q $DB "SELECT sends >= 1, signings, fee > 0, compute_units_consumed > 0, compute_unit_limit BETWEEN compute_units_consumed AND 1400000, slot > 0
             FROM solana.transactions WHERE batch_id = $B1")
is "$r" "t|1|t|t|t|t" "one signing, sent, fee, compute units consumed within the simulated limit, slot"
SIG1=$(q $DB "SELECT signature FROM solana.transactions WHERE batch_id = $B1")
r=$(rpc getTransaction "[\"$SIG1\",{\"commitment\":\"confirmed\",\"encoding\":\"json\"}]")
like "$r" "Memo.*pg_solana $TAG|pg_solana $TAG" "the memo is in the landed transaction's logs"
like "$(q $DB "SELECT array_to_string(logs, ' ') FROM solana.transactions WHERE batch_id = $B1")" "Program 11111111111111111111111111111111 success" "logs recorded on the row"
like "$(q $DB "SELECT string_agg(x, ',') FROM (SELECT state AS x FROM solana.batch_status($B1)) s")" "^(confirmed|finalized)$" "batch_status shows the transaction"

# fixed compute budget from the options, no simulate/fees
B2=$(q $DB "SELECT solana.submit_instructions(ARRAY[solana.system_transfer('$PAYER', '$TO', 5000)], ARRAY['${TAG}_payer'],
             '{\"compute_unit_limit\": 50000, \"compute_unit_price\": 7}')")
is "$(wait_batches "$B2" "'confirmed','finalized'" 30)" "confirmed" "transfer with a fixed compute budget confirmed"
is "$(q $DB "SELECT compute_unit_limit || '/' || compute_unit_price FROM solana.transactions WHERE batch_id = $B2")" "50000/7" "fixed unit limit and price used"
r=$(q $DB "SELECT solana.decode_transaction(wire)::text ~ 'ComputeBudget111111111111111111111111111111' FROM solana.transactions WHERE batch_id = $B2")
is "$r" "t" "compute budget instructions are in the signed bytes"
is "$(balance "$TO")" 3005000 "recipient balance after the second transfer"

# --- a bad signature is rejected ----------------------------------------
BH=$(rpc getLatestBlockhash '[{"commitment":"confirmed"}]' | jget result.value.blockhash)
W=$(q $DB "SELECT encode(solana.sign_message(solana.compile_message(ARRAY[solana.system_transfer('$PAYER', '$TO', 777)], '$PAYER', '$BH'), ARRAY['${TAG}_payer']), 'hex')")
BAD=$(python3 -c "import sys,base64;b=bytearray.fromhex(sys.argv[1]);b[5]^=1;print(base64.b64encode(bytes(b)).decode())" "$W")
is "$(q $DB "SELECT solana.verify_transaction(decode('$(python3 -c "import sys,base64;print(base64.b64decode(sys.argv[1]).hex())" "$BAD")', 'hex'))")" "f" "verify_transaction refuses the flipped signature"
r=$(rpc sendTransaction "[\"$BAD\",{\"encoding\":\"base64\"}]")
like "$r" '"code":-32003' "the peer rejects the bad signature (-32003)"
is "$(balance "$TO")" 3005000 "no transfer from the bad signature"

# --- failing instructions: failed with logs ------------------------------
B3=$(q $DB "SELECT solana.submit_instructions(ARRAY[solana.system_transfer('$PAYER', '$TO', 100000000000)], ARRAY['${TAG}_payer'])")
is "$(wait_batches "$B3" "'failed'" 30)" "failed" "a transfer beyond the balance ends failed (preflight)"
r=$(q $DB "SELECT error ? 'preflight', array_to_string(logs, ' ') ~ 'insufficient lamports', fee IS NULL FROM solana.transactions WHERE batch_id = $B3")
is "$r" "t|t|t" "preflight failure: error, logs naming insufficient lamports, no fee"

B4=$(q $DB "SELECT solana.submit_instructions(ARRAY[solana.system_transfer('$PAYER', '$TO', 100000000000)], ARRAY['${TAG}_payer'],
             '{\"skip_preflight\": true}')")
is "$(wait_batches "$B4" "'failed'" 30)" "failed" "the same transfer sent without preflight fails on chain"
r=$(q $DB "SELECT error::text ~ 'InstructionError', array_to_string(logs, ' ') ~ 'insufficient lamports', fee > 0, slot > 0 FROM solana.transactions WHERE batch_id = $B4")
is "$r" "t|t|t|t" "on-chain failure: InstructionError, logs, fee charged, slot"
is "$(balance "$TO")" 3005000 "no lamports moved by the failed transfer"

# split and retry one by one (the seed's retryBatch)
B5=$(q $DB "SELECT solana.submit_instructions(ARRAY[
        solana.system_transfer('$PAYER', '$TO', 11000),
        solana.system_transfer('$PAYER', '$TO', 100000000000),
        solana.system_transfer('$PAYER', '$TO', 13000)], ARRAY['${TAG}_payer'],
        '{\"skip_preflight\": true, \"retry_individually\": true, \"wait_finalized\": false}')")
is "$(wait_batches "$B5" "'failed','confirmed','finalized'" 40)" "failed,confirmed,failed,confirmed" "failed transaction split: each instruction retried alone"
is "$(q $DB "SELECT string_agg(split_index::text, ',' ORDER BY seq) FROM solana.transactions WHERE batch_id = $B5 AND split_from IS NOT NULL")" "1,2,3" "retries recorded per instruction"
is "$(balance "$TO")" 3029000 "the two good transfers landed once each"

# --- sends dropped until the blockhash expires --------------------------
ctl rpcError '{"count":100000,"code":-32005,"message":"dropped by the test","method":"sendTransaction"}' >/dev/null
B6=$(q $DB "SELECT solana.submit_instructions(ARRAY[solana.system_transfer('$PAYER', '$TO', 17000)], ARRAY['${TAG}_payer'],
             '{\"rebroadcast_ms\": 500}')")
for _ in $(seq 1 50); do
    [ "$(q $DB "SELECT last_error ~ 'send: JSON-RPC error -32005' FROM solana.jobs WHERE kind = 'transaction' AND (payload->>'batch_id')::bigint = $B6")" = t ] && break
    sleep 0.2
done
is "$(q $DB "SELECT state || '/' || signings FROM solana.transactions WHERE batch_id = $B6")" "signed/1" "signed once, every send dropped by the peer"
OLDSIG=$(q $DB "SELECT signature FROM solana.transactions WHERE batch_id = $B6")
ctl advanceSlots '{"count":160}' >/dev/null
for _ in $(seq 1 75); do
    [ "$(q $DB "SELECT signings FROM solana.transactions WHERE batch_id = $B6")" = 2 ] && break
    sleep 0.2
done
is "$(q $DB "SELECT signings || '/' || cardinality(previous_signatures) || '/' || (previous_signatures[1]::text = '$OLDSIG') FROM solana.transactions WHERE batch_id = $B6")" "2/1/true" "past last_valid_block_height and never landed: expired, re-signed with a new blockhash"
is "$(q $DB "SELECT string_agg(DISTINCT state, ',' ORDER BY state) FROM ${TAG}.log WHERE batch = $B6")" "expired,intent,signed" "states went intent, signed, expired, signed"
ctl clearFaults >/dev/null
is "$(wait_batches "$B6" "'confirmed','finalized'" 30)" "confirmed" "the re-signed transaction lands once the peer accepts sends"
is "$(q $DB "SELECT signings FROM solana.transactions WHERE batch_id = $B6")" 2 "signed exactly twice (once per blockhash)"
is "$(rpc getSignatureStatuses "[[\"$OLDSIG\"],{\"searchTransactionHistory\":true}]" | jget result.value.0)" null "the expired signature never landed"
is "$(balance "$TO")" 3046000 "one transfer of 17000, not two"
is "$(q $DB "SELECT count(*) FROM solana.transactions WHERE batch_id = $B6")" 1 "still one transaction row for the batch"

# --- crashes mid-flight -------------------------------------------------
# 12 single-transfer batches (distinct amounts), then kill -9 the
# dispatcher; 12 more, then restart PostgreSQL (immediate)
submit_many() { # submit_many FIRST_AMOUNT: prints the batch ids, comma-separated
    local i ids=()
    for i in $(seq 0 11); do
        ids+=("$(q $DB "SELECT solana.submit_instructions(ARRAY[solana.system_transfer('$PAYER', '$TO', $(($1 + i)))], ARRAY['${TAG}_payer'])")")
    done
    (IFS=,; echo "${ids[*]}")
}
BEFORE=$(balance "$TO")
K1=$(submit_many 100000)
sleep 0.4
DPID=$(q $DB "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_solana dispatcher 0'")
like "$DPID" '^[0-9]+$' "found the dispatcher"
kill -9 "$DPID"
for _ in $(seq 1 50); do q $DB "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
K2=$(submit_many 200000)
sleep 0.5
runuser -u postgres -- pg_ctl -D "$PS_PGDIR/data" -m immediate -l "$PS_PGDIR/server.log" -w restart >/dev/null 2>&1
for _ in $(seq 1 50); do q $DB "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
r=$(wait_batches "$K1,$K2" "'finalized','failed'" 150)
is "$(echo "$r" | tr ',' '\n' | sort | uniq -c | tr -s ' ' | sed 's/^ //')" "24 finalized" "after kill -9 and restart every intent ends final (finalized)"
EXPECT=$((BEFORE + 12 * 100000 + 66 + 12 * 200000 + 66))
is "$(balance "$TO")" "$EXPECT" "recipient got each of the 24 transfers exactly once"
r=$(q $DB "SELECT count(*) FROM solana.transactions WHERE batch_id IN ($K1,$K2) AND cardinality(previous_signatures) > 0")
PREV=$(q $DB "SELECT coalesce(string_agg('\"' || s::text || '\"', ','), '') FROM solana.transactions t, unnest(t.previous_signatures) s WHERE batch_id IN ($K1,$K2)")
if [ -n "$PREV" ]; then
    is "$(rpc getSignatureStatuses "[[${PREV}],{\"searchTransactionHistory\":true}]" | python3 -c "import json,sys;print(sum(1 for v in json.load(sys.stdin)['result']['value'] if v))")" 0 "no replaced signature ($r re-signed) ever landed"
else
    ok 0 "no transaction needed re-signing after the crashes"
fi

# --- concurrency limit --------------------------------------------------
set_system solana.max_in_flight_transactions 2
settle
is "$(q $DB "SHOW solana.max_in_flight_transactions")" 2 "solana.max_in_flight_transactions is a setting"
# a batch limit of 1 over 150 transfers (several transactions): the
# log never shows two of them signed or sent at once
BL=$(q $DB "SELECT solana.submit_instructions(ARRAY(SELECT solana.system_transfer('$PAYER', '$TO', i) FROM generate_series(1, 150) i),
             ARRAY['${TAG}_payer'], '{\"max_in_flight\": 1, \"wait_finalized\": false}')")
r=$(wait_batches "$BL" "'confirmed','finalized'" 60)
like "$r" "^confirmed(,confirmed)+$" "150 transfers packed in several transactions, all confirmed with max_in_flight 1"
r=$(q $DB "SELECT max(c) FROM (SELECT sum(CASE WHEN state = 'signed' AND prev IS DISTINCT FROM 'sent' AND prev IS DISTINCT FROM 'signed' THEN 1
                                             WHEN state = 'confirmed' THEN -1 ELSE 0 END) OVER (ORDER BY n) AS c
                                 FROM (SELECT n, state, lag(state) OVER (PARTITION BY tx ORDER BY n) AS prev
                                         FROM ${TAG}.log WHERE batch = $BL) s) s")
is "$r" 1 "at most one transaction in flight at any time"
r=$(q $DB "SELECT solana.submit_instructions(ARRAY[solana.system_transfer('$PAYER', '$TO', 1)], ARRAY['${TAG}_payer'], '{\"max_in_flight\": 0}')")
like "$r" "ERROR.*max_in_flight" "max_in_flight must be positive"

# --- keypair file permissions --------------------------------------------
SECRET=$(q $DB "SELECT array_to_string(ARRAY(SELECT get_byte(secret, i) FROM generate_series(0, 63) i), ',') FROM solana.keypairs WHERE name = '${TAG}_to'")
echo "[$SECRET]" > "$KP/id.json"
chown -R postgres "$KP" 2>/dev/null
chmod 0644 "$KP/id.json"
set_system solana.keypair_path "$KP/id.json"
settle
like "$(q $DB "SELECT solana.keypair_pubkey()")" "ERROR" "a keypair file readable by others is refused"
chmod 0600 "$KP/id.json"
is "$(q $DB "SELECT solana.keypair_pubkey()")" "$TO" "the same file with mode 0600 is accepted"

q $DB "DELETE FROM solana.keypairs WHERE name LIKE '${TAG}_%'" >/dev/null
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
