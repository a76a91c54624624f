# test/integration/ingest_lib.sh: helpers for the ingest TAP scripts
# (sourced).  They run in database postgres (solana.database, where the
# ingest worker lives), point the worker at the local peer, and follow
# fresh program ids (scripted on the peer with the fixture_dex IDL) so
# that tests never see each other's rows.
set -u
if [ -z "${PS_PEER_RPC:-}" ] || [ -z "${PS_PEER_CONTROL:-}" ]; then
    echo "1..0 # SKIP no local Solana peer (PS_PEER_RPC unset)"
    exit 0
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PGOPTIONS="-c search_path=public,solana"
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 -d postgres)
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); return 1; fi; }
is() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got: '$1'"; echo "#  want: '$2'"; failed=$((failed + 1)); fi; }
# q SQL: the result, unaligned (SQL on stdin: it may be long)
q() { "${PSQL[@]}" <<< "$1"; }
control() { curl -sf -X POST -H 'content-type: application/json' --data "$2" "$PS_PEER_CONTROL/$1"; }
jfield() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
finish() { echo "1..$n"; [ "$failed" -eq 0 ]; exit $?; }

# wait_for SECONDS SQL: until SQL returns t; returns 1 on timeout
wait_for() {
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt $end ]; do
        [ "$(q "$2" 2>/dev/null)" = t ] && return 0
        sleep 0.3
    done
    return 1
}

ingest_setup() {
    q "CREATE EXTENSION IF NOT EXISTS pg_solana" >/dev/null 2>&1
    q "ALTER SYSTEM SET solana.rpc_url = '$PS_PEER_RPC'" >/dev/null
    q "ALTER SYSTEM SET solana.ws_url = '$PS_PEER_WS'" >/dev/null
    q "ALTER SYSTEM SET solana.ingest_reconcile_interval = 2" >/dev/null
    q "SELECT pg_reload_conf()" >/dev/null
}

# new_program: a fresh program id, scripted on the peer and registered
# in the database with the fixture_dex IDL; prints the id
new_program() {
    local id idl
    id=$(q "SELECT solana.pubkey(decode(md5(random()::text) || md5(random()::text), 'hex'))")
    idl=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['address']=sys.argv[2]; print(json.dumps({'program_id': sys.argv[2], 'idl': d}))" \
          "$ROOT/test/peer/fixtures/idl/fixture_dex.json" "$id")
    control registerProgram "$idl" >/dev/null || return 1
    q "SELECT solana.register_program(pg_read_file('$ROOT/test/peer/fixtures/idl/fixture_dex.json')::jsonb, '$id')" >/dev/null || return 1
    echo "$id"
}

# peer_events_json SINCE PROGRAM...: the peer's record of every event
# emitted since index SINCE by the programs, as a JSON array of
# {signature, slot, log_index (emit_cpi!: -(inner_index + 1)), program_id, name, data}
peer_events_json() {
    local since=$1; shift
    control stats "{\"since\": $since}" | python3 -c '
import json, sys
progs = set(sys.argv[1:])
out = []
for e in json.load(sys.stdin)["events"]:
    if e["program_id"] not in progs:
        continue
    li = e["log_index"] if e["kind"] == "log" else -(e["inner_index"] + 1)
    if li is None:
        continue
    out.append({"signature": e["signature"], "slot": e["slot"], "log_index": li,
                "program_id": e["program_id"], "name": e["name"], "data": e["data"]})
print(json.dumps(out))' "$@"
}

event_count() { control stats '{"events": false}' | jfield event_count; }
