#!/usr/bin/env bash
# decoding_cache.t: the per-backend IDL plan cache follows
# solana.programs.  Backend A keeps one session open and decodes;
# backend B re-registers, rolls back and unregisters; A must see each
# committed change at once and never a rolled-back one.  Uses its own
# database.
set -u
DB="ps_decoding_cache_$$"
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1)
n=0; failed=0
is() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got: '$1'"; echo "#  want: '$2'"; failed=$((failed + 1)); fi; }

"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB" >/dev/null || { echo "1..0 # SKIP cannot create a database"; exit 0; }
cleanup() { exec {A[1]}>&- 2>/dev/null; wait 2>/dev/null; "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1; }
trap cleanup EXIT
"${PSQL[@]}" -d "$DB" -c "CREATE EXTENSION pg_solana" >/dev/null
echo "1..8"

idl() {  # idl EVENT_NAME FIELD_TYPE
    printf '{"address":"DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE","metadata":{"name":"m","spec":"0.1.0"},"events":[{"name":"%s","discriminator":[3,3,3,3,3,3,3,3]}],"types":[{"name":"%s","type":{"kind":"struct","fields":[{"name":"v","type":"%s"}]}}]}' "$1" "$1" "$2"
}
B() { "${PSQL[@]}" -d "$DB" -c "$1" 2>&1; }
B "SELECT solana.register_program('$(idl First u8)')" >/dev/null

# backend A: one long-lived psql
coproc A { psql -X -q -t -A -d "$DB" 2>&1; }
askA() {
    printf '%s\n\\echo __END__\n' "$1" >&"${A[1]}"
    local line out=""
    while IFS= read -r -t 20 line <&"${A[0]}"; do
        [ "$line" = "__END__" ] && break
        out="$out$line"
    done
    printf '%s' "$out"
}
Q="SELECT name || ' ' || data::text FROM solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\\x030303030303030305');"
is "$(askA "$Q")" 'First {"v": 5}' "A decodes with the registered IDL (plan now cached)"

B "SELECT solana.register_program('$(idl Second i8)')" >/dev/null
is "$(askA "$Q")" 'Second {"v": 5}' "A sees B's committed re-registration"

B "BEGIN; SELECT solana.register_program('$(idl Third u8)'); ROLLBACK;" >/dev/null
is "$(askA "$Q")" 'Second {"v": 5}' "A never sees a rolled-back registration"

askA "BEGIN; SELECT solana.register_program('$(idl Mine u8)');" >/dev/null
is "$(askA "$Q")" 'Mine {"v": 5}' "A's own uncommitted registration applies in its transaction"
askA "ROLLBACK;" >/dev/null
is "$(askA "$Q")" 'Second {"v": 5}' "and is gone after A rolls back"

B "SELECT solana.unregister_program('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE')" >/dev/null
out=$(askA "$Q")
case "$out" in *"has no registered IDL"*) out=gone ;; esac
is "$out" gone "A sees B's unregistration"

# the extension dropped and created again under A: a new solana.programs
B "DROP EXTENSION pg_solana CASCADE; CREATE EXTENSION pg_solana" >/dev/null
B "SELECT solana.register_program('$(idl Reborn u8)')" >/dev/null
is "$(askA "$Q")" 'Reborn {"v": 5}' "A decodes with the new table's IDL"
B "SELECT solana.register_program('$(idl Reborn2 u8)')" >/dev/null
is "$(askA "$Q")" 'Reborn2 {"v": 5}' "A follows the new table after DROP/CREATE EXTENSION"

printf '\\q\n' >&"${A[1]}"
[ "$failed" = 0 ]
