#!/usr/bin/env bash
# backup.t: pg_dump / pg_restore of a database using pg_solana keeps
# the data of the extension's tables (they are extension members, which
# pg_dump skips unless marked: sql/install/99_dump.sql) and the position
# of their sequences.
set -u
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

SRC=ps_backup_src; DST=ps_backup_dst
DUMP=$(mktemp /tmp/ps_backup.XXXXXX)
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $SRC" -c "DROP DATABASE IF EXISTS $DST" \
     -c "CREATE DATABASE $SRC" -c "CREATE DATABASE $DST" 2>/dev/null
q $SRC "CREATE EXTENSION pg_solana" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $SRC >/dev/null <<'SQL'
SELECT solana.enqueue('backup', 'noop', jsonb_build_object('i', i)) FROM generate_series(1, 7) i;
SELECT solana.create_event_partitions(0, 1000);
INSERT INTO solana.events (signature, slot, log_index, program_id, depth, event_name, data, raw, commitment, tx_failed)
SELECT decode(lpad(to_hex(i), 128, '0'), 'hex')::solana.signature, 100 + i, 0,
       '11111111111111111111111111111111', 1, 'E', jsonb_build_object('i', i), '\x01', 'confirmed', false
  FROM generate_series(1, 3) i;
SELECT solana.generate_keypair('backup-key');
SQL
before=$(q $SRC "SELECT (SELECT count(*) FROM solana.jobs) || '/' || (SELECT count(*) FROM solana.events) || '/' ||
                        (SELECT string_agg(name || '=' || pubkey::text, ',') FROM solana.keypairs)")

pg_dump -Fc -d $SRC -f "$DUMP" 2>/dev/null; ok $? "pg_dump of a database with pg_solana"
# triggers stay off while the data loads, so restored rows do not fan out
# webhook deliveries or wake workers a second time (docs/operations.md)
pg_restore --disable-triggers -d $DST "$DUMP" >/dev/null 2>&1
after=$(q $DST "SELECT (SELECT count(*) FROM solana.jobs) || '/' || (SELECT count(*) FROM solana.events) || '/' ||
                       (SELECT string_agg(name || '=' || pubkey::text, ',') FROM solana.keypairs)")
[ -n "$before" ] && [ "$before" = "$after" ]; ok $? "jobs, events and keypairs come back ($after)"
[ "$(q $DST "SELECT data->>'i' FROM solana.events ORDER BY slot LIMIT 1")" = 1 ]; ok $? "decoded data survives"
next=$(q $DST "SELECT solana.enqueue('backup', 'noop', '{}')")
[ "$next" = 8 ]; ok $? "the job sequence continues after the restored rows (next id $next)"

rm -f "$DUMP"
psql -X -q -d postgres -c "DROP DATABASE $SRC" -c "DROP DATABASE $DST"
echo "1..$n"
[ $failed -eq 0 ]
