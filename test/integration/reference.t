#!/usr/bin/env bash
# reference.t: docs/reference.md is generated from the catalog
# (scripts/gen-reference.sh) and must list exactly the functions, helper
# functions, tables, views, columns, types, settings and NOTIFY channels
# the code has.  A fresh database of the test cluster (pg_solana
# preloaded, so the solana.* settings exist) is read by the generator;
# the first cell of every table row, under its heading, is compared
# with the committed page.  When this fails, run
# `bash scripts/gen-reference.sh` and commit docs/reference.md.
set -u
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
ROOT=${PS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DB=ps_reference
OUT=$(mktemp /tmp/ps_reference.XXXXXX)

# the key of a row: its section heading and its first cell
keys() {
    awk '/^#+ /{ h = $0 } match($0, /^\| `[^`]*`/) { print h " :: " substr($0, RSTART + 2, RLENGTH - 2) }' "$1" | sort
}

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "CREATE EXTENSION pg_solana" >/dev/null
PS_REFERENCE_DB=$DB bash "$ROOT/scripts/gen-reference.sh" --out "$OUT" >/dev/null
ok $? "scripts/gen-reference.sh reads the catalog"

generated=$(keys "$OUT")
committed=$(keys "$ROOT/docs/reference.md")
[ "$(grep -c ' :: `solana\.' <<<"$generated")" -gt 100 ] && grep -q '^## Settings :: `solana.rpc_url`$' <<<"$generated"
ok $? "the generated page lists functions, columns and settings ($(wc -l <<<"$generated") rows)"

d=$(diff <(echo "$committed") <(echo "$generated"))
[ -z "$d" ]
ok $? "docs/reference.md lists the objects of the catalog (else run scripts/gen-reference.sh)"
[ -n "$d" ] && sed 's/^/# /' <<<"$d" | head -60

# descriptions may lag behind (not a failure): say so
if [ -z "$d" ] && ! diff -q "$OUT" "$ROOT/docs/reference.md" >/dev/null; then
    echo "# note: descriptions or types in docs/reference.md differ from the catalog; regenerate it"
fi

bash "$ROOT/scripts/gen-reference.sh" --check-channels
ok $? "every NOTIFY channel in sql/install and src/pg is listed with its payload"
for c in solana_events solana_jobs solana_webhooks solana_prices solana_transactions; do
    grep -q "^| \`$c\` |" "$ROOT/docs/reference.md"
    ok $? "docs/reference.md documents channel $c"
done

rm -f "$OUT"
psql -X -q -d postgres -c "DROP DATABASE $DB"
echo "1..$n"
[ $failed -eq 0 ]
