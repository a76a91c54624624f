#!/usr/bin/env bash
# docs.t: the SQL examples of the guide run.  Every ```sql block of a
# docs/*.md page that follows a line "<!-- runnable -->" is run, the
# blocks of one page in order, in a fresh database with pg_solana (on
# the preloaded test cluster; the workers follow solana.database only,
# so subscriptions and jobs made here stay rows).  Blocks that need an
# RPC endpoint or the workers are simply not marked.  The database gets
# the search_path docs/README.md recommends (solana last, for the
# pubkey and signature operators).
set -u
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
ROOT=${PS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DB=ps_docs

# the runnable blocks of a page, concatenated
runnable() {
    awk '/^<!-- runnable -->$/ { want = 1; next }
         want && /^```sql/ { inblock = 1; want = 0; next }
         inblock && /^```/ { inblock = 0; print ""; next }
         inblock { print }
         { want = 0 }' "$1"
}

pages=0
for page in "$ROOT"/docs/*.md; do
    sql=$(runnable "$page")
    [ -n "$sql" ] || continue
    pages=$((pages + 1))
    name=docs/$(basename "$page")
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "SET client_min_messages = warning" -c "CREATE EXTENSION pg_solana" \
         -c "ALTER DATABASE $DB SET search_path = \"\$user\", public, solana" >/dev/null
    out=$(psql -X -q -v ON_ERROR_STOP=1 -d $DB -c "SET client_min_messages = error" -f - <<<"$sql" 2>&1)
    rc=$?
    ok $rc "$name: $(grep -c '^<!-- runnable -->$' "$page") runnable blocks run"
    [ $rc = 0 ] || sed 's/^/# /' <<<"$out" | tail -15
done
[ $pages -ge 2 ]; ok $? "runnable blocks found in $pages pages"

# the guide holds together: relative links resolve, every page is linked from README.md
bad=$(cd "$ROOT/docs" && for f in *.md; do
          grep -oE '\]\([^)]+\)' "$f" | sed -E 's/^\]\(//; s/\)$//; s/#.*//' |
              grep -vE '^(https?:|mailto:|$)' | sort -u |
              while read -r l; do [ -e "$l" ] || echo "$f -> $l"; done
      done)
[ -z "$bad" ]; ok $? "every relative link in docs/ resolves"
[ -n "$bad" ] && sed 's/^/# /' <<<"$bad"
orphans=$(cd "$ROOT/docs" && for f in *.md; do
              [ "$f" = README.md ] || grep -q "($f" README.md || echo "$f"; done)
[ -z "$orphans" ]; ok $? "docs/README.md links every page"
[ -n "$orphans" ] && sed 's/^/# not linked: /' <<<"$orphans"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" 2>/dev/null
echo "1..$n"
[ $failed -eq 0 ]
