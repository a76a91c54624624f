#!/usr/bin/env bash
# scripts/gen-reference.sh: write docs/reference.md from the catalog, so
# that the reference never drifts from the code.
#
#   bash scripts/gen-reference.sh                 # docs/reference.md
#   bash scripts/gen-reference.sh --out FILE      # elsewhere ("-" for stdout)
#   bash scripts/gen-reference.sh --check-channels
#
# By default it starts a throwaway cluster with pg_solana preloaded (as
# the bench scripts do; needs root and an installed build), creates the
# extension in a fresh database and reads pg_proc, pg_class,
# pg_attribute, pg_description and pg_settings.  With PS_REFERENCE_DB
# set it reads that database instead (connection from PGHOST, PGPORT,
# PGUSER; the extension must be installed there and, for the GUC table,
# preloaded): test/integration/reference.t does that to check the
# committed page.  NOTIFY channels and their payloads are not in the
# catalog: they come from the table below, and --check-channels fails
# when sql/install/ or src/pg/ notifies on a channel it does not list.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PS_ROOT"

out=docs/reference.md
mode=write
while [ $# -gt 0 ]; do
    case $1 in
        --out) out=$2; shift 2 ;;
        --check-channels) mode=channels; shift ;;
        *) echo "usage: $0 [--out FILE] [--check-channels]" >&2; exit 2 ;;
    esac
done

# channel | sent by | payload (JSON) -- keep in step with the docs pages
CHANNELS=$(cat <<'EOF'
| `solana_events` | the ingest worker, in the transaction that inserts the rows ([ingest.md](ingest.md#channels)) | one per new event: `{"id": 1234, "program": "<base58>", "event": "TradeExecuted" or null, "slot": 294, "signature": "<base58>"}`; `solana.refresh_commitment()` sends `{"dead": "<signature>", "slot": n}` for a transaction of a skipped slot |
| `solana_jobs` | `solana.jobs` triggers and the queue functions ([queue.md](queue.md#notify)) | `{"op": "enqueued", "queue": "q"}` once per transaction and queue that added jobs (also after `retry_job`, `retry_dead`, `resume`); `{"op": "succeeded" \| "failed" \| "dead" \| "cancelled", "queue": "q", "id": 42, "kind": "k"}` when a job finishes (unless the queue's `notify` is false) |
| `solana_webhooks` | the webhook dispatcher recording outcomes ([webhooks.md](webhooks.md)) | `{"op": "delivered", "webhook": 1, "delivery": 7, "message_id": "...", "status": 200}`; `{"op": "dead", "webhook": 1, "delivery": 8, "message_id": "...", "status": 500, "error": "HTTP 500"}` |
| `solana_prices` | `solana.publish_feed` (from `refresh_oracles`, account updates, `submit_price`) ([oracles.md](oracles.md)) | `{"feed": "SOL/USD", "price": "148.24", "conf": "2.9", "sources": 2, "published_at": 1764068617.69}` (price and conf as exact decimal strings, unix seconds) |
| `solana_transactions` | trigger on `solana.transactions`, every insert and state change ([transactions.md](transactions.md)) | `{"id": 5, "batch_id": 2, "state": "confirmed", "signature": "<base58>" or null}` |
EOF
)

# every channel name notified on in sql/install/ and src/pg/ must be listed
check_channels() {
    local used missing=0 c
    used=$(grep -rhoE "pg_notify\('solana_[a-z_]+|NOTIFY +solana_[a-z_]+|Async_Notify\(\"solana_[a-z_]+" sql/install src/pg --include='*.sql' --include='*.c' |
           grep -oE 'solana_[a-z_]+' | sort -u)
    for c in $used; do
        if ! grep -q "^| \`$c\` |" <<<"$CHANNELS"; then
            echo "channel $c is notified on but not listed in scripts/gen-reference.sh" >&2
            missing=1
        fi
    done
    [ -n "$used" ] || { echo "found no channel in sql/install or src/pg" >&2; return 1; }
    # and every listed channel is still notified on
    for c in $(grep -oE '^\| `solana_[a-z_]+`' <<<"$CHANNELS" | grep -oE 'solana_[a-z_]+'); do
        if ! grep -qx "$c" <<<"$used"; then
            echo "channel $c is listed in scripts/gen-reference.sh but nothing notifies on it" >&2
            missing=1
        fi
    done
    return $missing
}
if [ $mode = channels ]; then
    check_channels
    exit
fi
check_channels

# the Markdown, built by one query
read -r -d '' QUERY <<'SQL' || true
CREATE FUNCTION pg_temp.md(t text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT replace(regexp_replace(coalesce(t, ''), '\s+', ' ', 'g'), '|', '\|') $$;
CREATE TEMP VIEW mem AS
SELECT d.classid, d.objid FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_solana');
CREATE TEMP VIEW funcs AS
SELECT p.oid, p.proname, p.proname LIKE '\_%' AS helper,
       format('`%s.%s(%s)`', p.pronamespace::regnamespace, p.proname,
              pg_temp.md(pg_get_function_arguments(p.oid))) AS sig,
       CASE WHEN p.prokind = 'a' THEN 'aggregate → ' ELSE '' END
         || pg_temp.md(pg_get_function_result(p.oid)) AS result,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS vol,
       CASE WHEN p.prosecdef THEN 'yes' ELSE '' END AS secdef,
       pg_temp.md(obj_description(p.oid, 'pg_proc')) AS descr
  FROM pg_proc p JOIN mem ON mem.classid = 'pg_proc'::regclass AND mem.objid = p.oid;
CREATE TEMP VIEW rels AS
SELECT c.oid, c.relname, c.relkind,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                      WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' END AS kind,
       pg_temp.md(obj_description(c.oid, 'pg_class')) AS descr
  FROM pg_class c JOIN mem ON mem.classid = 'pg_class'::regclass AND mem.objid = c.oid
 WHERE c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition;
CREATE TEMP VIEW types AS
SELECT t.oid, t.typname, t.typtype, pg_temp.md(obj_description(t.oid, 'pg_type')) AS descr
  FROM pg_type t JOIN mem ON mem.classid = 'pg_type'::regclass AND mem.objid = t.oid;

WITH parts(ord, txt) AS (
SELECT 0, format($h$# Reference

Generated by `scripts/gen-reference.sh` from the catalog of a fresh
install of pg_solana %s with the library preloaded: do not edit by
hand, run the script (`test/integration/reference.t` fails when this
page lists other functions, tables, columns, types, settings or
channels than the code has). The comments shown are the objects'
`COMMENT ON`, which `\dx+ pg_solana`, `\df+` and `\d+` show as well.
The guide is [README.md](README.md); every SQLSTATE is in
[errors.md](errors.md).

Contents: [functions](#functions) · [internal helpers](#internal-helpers) ·
[tables and views](#tables-and-views) · [types](#types) ·
[settings](#settings) · [notify channels](#notify-channels) ·
[sqlstates](#sqlstates)

## Functions

Every function is in schema `solana`. *volatility* is PostgreSQL's
(immutable, stable, volatile); *definer* marks `SECURITY DEFINER`.

| function | returns | volatility | definer | description |
|---|---|---|---|---|$h$, (SELECT extversion FROM pg_extension WHERE extname = 'pg_solana'))
UNION ALL
SELECT 1, string_agg(format('| %s | %s | %s | %s | %s |', sig, result, vol, secdef, descr), E'\n' ORDER BY proname, sig)
  FROM funcs WHERE NOT helper
UNION ALL
SELECT 2, $h$
## Internal helpers

Functions named `solana._*` are called by triggers, workers and the
functions above; most have no `PUBLIC` grant and none is a stable API.

| function | returns | volatility | definer | description |
|---|---|---|---|---|$h$
UNION ALL
SELECT 3, string_agg(format('| %s | %s | %s | %s | %s |', sig, result, vol, secdef, descr), E'\n' ORDER BY proname, sig)
  FROM funcs WHERE helper
UNION ALL
SELECT 4, E'\n## Tables and views\n\n'
       || string_agg(format('[`%s`](#solana%s)', relname, relname), ' · ' ORDER BY relname)
  FROM rels
UNION ALL
SELECT 5, string_agg(format(E'\n### solana.%s\n\n%s: %s\n\n| column | type | not null | default | description |\n|---|---|---|---|---|\n%s',
                            r.relname, r.kind, r.descr,
                            (SELECT string_agg(format('| `%s` | %s | %s | %s | %s |', a.attname,
                                                      pg_temp.md(format_type(a.atttypid, a.atttypmod)),
                                                      CASE WHEN a.attnotnull THEN 'yes' ELSE '' END,
                                                      CASE WHEN a.attidentity <> '' THEN 'identity'
                                                           ELSE pg_temp.md(pg_get_expr(ad.adbin, ad.adrelid)) END,
                                                      pg_temp.md(col_description(r.oid, a.attnum))),
                                               E'\n' ORDER BY a.attnum)
                               FROM pg_attribute a
                               LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                              WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped)),
                     E'\n' ORDER BY r.relname)
  FROM rels r
UNION ALL
SELECT 6, $h$
## Types

| type | kind | description |
|---|---|---|$h$
UNION ALL
SELECT 7, string_agg(format('| `solana.%s` | %s | %s |', t.typname,
                            CASE t.typtype WHEN 'b' THEN 'base (binary, base58 text)' WHEN 'c' THEN 'composite: '
                                 || (SELECT string_agg(format('`%s` %s', a.attname, pg_temp.md(format_type(a.atttypid, a.atttypmod))), ', ' ORDER BY a.attnum)
                                       FROM pg_attribute a JOIN pg_type tt ON tt.typrelid = a.attrelid
                                      WHERE tt.oid = t.oid AND a.attnum > 0 AND NOT a.attisdropped)
                                 WHEN 'e' THEN 'enum: ' || (SELECT string_agg(enumlabel, ', ' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid)
                                 WHEN 'd' THEN 'domain over ' || format_type(t.oid, NULL)
                                 ELSE t.typtype::text END,
                            t.descr), E'\n' ORDER BY t.typname)
  FROM types t
UNION ALL
SELECT 8, $h$
| cast | function | context |
|---|---|---|$h$
UNION ALL
SELECT 9, string_agg(format('| `%s` → `%s` | %s | %s |', c.castsource::regtype, c.casttarget::regtype,
                            CASE WHEN c.castfunc = 0 THEN 'binary' ELSE '`' || c.castfunc::regprocedure::text || '`' END,
                            CASE c.castcontext WHEN 'e' THEN 'explicit' WHEN 'a' THEN 'assignment' ELSE 'implicit' END),
                     E'\n' ORDER BY c.castsource::regtype::text, c.casttarget::regtype::text)
  FROM pg_cast c JOIN mem ON mem.classid = 'pg_cast'::regclass AND mem.objid = c.oid
UNION ALL
SELECT 10, $h$
| operator class | index method | type | default |
|---|---|---|---|$h$
UNION ALL
SELECT 11, string_agg(format('| `solana.%s` | %s | `%s` | %s |', o.opcname, am.amname, o.opcintype::regtype,
                             CASE WHEN o.opcdefault THEN 'yes' ELSE '' END),
                      E'\n' ORDER BY o.opcname)
  FROM pg_opclass o JOIN pg_am am ON am.oid = o.opcmethod
  JOIN mem ON mem.classid = 'pg_opclass'::regclass AND mem.objid = o.oid
UNION ALL
SELECT 12, $h$
The comparison operators (`=`, `<>`, `<`, `<=`, `>`, `>=`) of the two
key types live in schema `solana`: put `solana` on the `search_path`
([README.md](README.md#setting-up)) or write `OPERATOR(solana.=)`.

## Settings

Defined by the library at load (`shared_preload_libraries = 'pg_solana'`).
*context* says when a change takes effect: `postmaster` needs a
restart, `sighup` a reload, `superuser` and `user` can be `SET`.

| setting | default | context | description |
|---|---|---|---|$h$
UNION ALL
SELECT 13, string_agg(format('| `%s` | %s | %s | %s |', name,
                            CASE WHEN coalesce(boot_val, '') = '' THEN '(empty)'
                                 ELSE '`' || pg_temp.md(boot_val) || '`' || coalesce(' ' || unit, '') END,
                            context, pg_temp.md(short_desc || coalesce(' ' || extra_desc, ''))),
                     E'\n' ORDER BY name)
  FROM pg_settings WHERE name LIKE 'solana.%'
)
SELECT string_agg(txt, E'\n' ORDER BY ord) FROM parts;
SQL

generate() {
    psql -X -q -At -v ON_ERROR_STOP=1 <<<"$QUERY"
    cat <<EOF

## NOTIFY channels

\`LISTEN <channel>\`; payloads are JSON text, sent at commit of the
transaction that made the change.

| channel | sent by | payload |
|---|---|---|
$CHANNELS

## SQLSTATEs

Every SQLSTATE the extension raises, per area, with its cause:
[errors.md](errors.md).
EOF
}

tmpdir=
cleanup() { [ -n "$tmpdir" ] && { pg_stop "$tmpdir"; rm -rf "$tmpdir"; }; true; }
trap cleanup EXIT
if [ -z "${PS_REFERENCE_DB:-}" ]; then
    tmpdir=$(mktemp -d /tmp/ps-reference.XXXXXX)
    port=$(free_port)
    pg_start "$tmpdir" "$port"
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE reference" >/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -d reference -c "CREATE EXTENSION pg_solana" >/dev/null
    export PGDATABASE=reference
else
    export PGDATABASE=$PS_REFERENCE_DB
fi

if [ "$out" = - ]; then
    generate
else
    generate > "$out.tmp" && mv "$out.tmp" "$out"
    echo "wrote $out"
fi
