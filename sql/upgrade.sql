-- ALTER EXTENSION pg_solana UPDATE from the first release (0.1.0).
--
-- upgrade_old gets 0.1.0 and data in the main tables, is updated to the
-- default version, and must keep its data and work on it; upgrade_new
-- gets a fresh CREATE EXTENSION.  Then both catalogs are compared, one
-- text line per property of every extension member and of what comes
-- with it (columns, indexes, constraints, triggers, policies, comments,
-- grants, extconfig).  Each side's lines are carried across \c in a psql
-- variable; the comparison prints nothing when the two are equal and
-- the differing lines otherwise.  A change to sql/install/ without its
-- step in sql/pg_solana--0.1.0--0.2.0.sql fails here (docs/upgrades.md).
-- Workers connect to solana.database only, never to these databases.
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS upgrade_old WITH (FORCE);
DROP DATABASE IF EXISTS upgrade_new WITH (FORCE);
RESET client_min_messages;
CREATE DATABASE upgrade_old;
CREATE DATABASE upgrade_new;

-- ---------------------------------------------------------------------
-- 0.1.0 with data
-- ---------------------------------------------------------------------
\c upgrade_old
CREATE EXTENSION pg_solana VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'pg_solana';
-- an IDL, a subscription and an event stored before its IDL decoded it
SELECT solana.register_program($${
  "address": "DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE",
  "metadata": {"name": "mini", "version": "0.1.0", "spec": "0.1.0"},
  "instructions": [{"name": "place", "discriminator": [1, 1, 1, 1, 1, 1, 1, 1],
                    "accounts": [], "args": [{"name": "qty", "type": "u64"}]}],
  "accounts": [{"name": "Book", "discriminator": [2, 2, 2, 2, 2, 2, 2, 2]}],
  "events": [{"name": "Filled", "discriminator": [3, 3, 3, 3, 3, 3, 3, 3]}],
  "types": [{"name": "Filled", "type": {"kind": "struct", "fields": [
        {"name": "qty", "type": "u128"}, {"name": "delta", "type": "i64"},
        {"name": "ok", "type": "bool"}, {"name": "memo", "type": {"option": "string"}}]}},
            {"name": "Book", "type": {"kind": "struct", "fields": [
        {"name": "owner", "type": "pubkey"}, {"name": "depth", "type": "u32"}]}}]
}$$);
-- an account the program owns, as the ingest worker stores it
INSERT INTO solana.accounts (pubkey, owner, lamports, data, slot)
VALUES ('4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', 1461600,
        '\x0202020202020202' || '\x0000000000000000000000000000000000000000000000000000000000000001'::bytea
        || '\x07000000'::bytea, 1000);
INSERT INTO solana.subscriptions (kind, target, from_slot)
VALUES ('logs', 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', 1000);
SELECT solana.create_event_partitions(1000, 1000);
INSERT INTO solana.events (signature, slot, log_index, program_id, depth, raw, commitment)
VALUES ('5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW',
        1000, 3, 'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', 1,
        '\x0303030303030303ffffffffffffffffffffffffffffffff0000000000000080010103000000686900', 'confirmed');
-- jobs
SELECT solana.enqueue('upgrade', 'index', '{"n": 1}') > 0 AS enqueued;
SELECT solana.enqueue('upgrade', 'index', '{"n": 2}', priority => 5) > 0 AS enqueued;
-- a webhook with a known secret, a keypair and a transaction
SELECT name, url, event_types FROM solana.add_webhook('audit', 'https://hooks.example.com/solana',
    event_types => '{job}', secret => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
SELECT solana.import_keypair('payer', '[236, 69, 158, 51, 180, 77, 147, 132, 62, 226, 254, 95, 147, 20, 81, 4, 157, 84, 70, 161, 32, 62, 48, 122, 18, 127, 206, 54, 109, 0, 217, 237, 99, 150, 232, 132, 172, 229, 128, 59, 193, 254, 190, 142, 99, 12, 103, 151, 43, 103, 46, 33, 36, 206, 16, 232, 149, 188, 204, 164, 44, 29, 221, 77]');
-- a batch of one transaction, still an intent (no dispatcher runs here)
SELECT solana.submit_instructions(ARRAY[solana.memo('upgrade')], ARRAY['payer']) AS batch_id;
-- a custom price feed with two signed submissions (keys of test/pgtap/oracles.sql)
INSERT INTO solana.oracle_feeds (symbol, max_staleness, required_signatures)
VALUES ('TEST/USD', '100 years', 2);
INSERT INTO solana.oracle_sources (feed, source_id, kind, authority) VALUES
    ('TEST/USD', 'alpha', 'custom', '4iyfw9oocCAnXpawoMHtRBtcFxg3Q74DDZxnp3vcLRqP'),
    ('TEST/USD', 'beta', 'custom', 'AXs4kzUQsKf6A8FaEXvU2Xyg3BaF6g27fkzpcLhfZoVz');
SELECT solana.submit_price('TEST/USD', 'alpha', 10050, -2, to_timestamp(1704067200),
    '3D3yHkdF9ABHanB9BEqBCd4SsxQQc6KWeNx6wBHveUAwBuj6yCx7qwpDXTqfAFnWLfC9yzgrnRdbLvNXBCUkeYCW');
SELECT solana.submit_price('TEST/USD', 'beta', 10070, -2, to_timestamp(1704067200),
    '4rqf9ngDwzSizR4jtdYXCsfQjyDkRtYsaWTGqD9A98jJxeHfyXJXfuoS2vaoY9LQFzkCbsy9hQsgYGB1mJgV797u');
SELECT feed, price, sources_used, method FROM solana.prices;
-- what 0.1.0 computes, kept to compare after the update
CREATE TABLE before_update AS
SELECT (SELECT secret FROM solana.webhooks WHERE name = 'audit') AS webhook_secret,
       solana.webhook_sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1704067200, '{"a":1}') AS webhook_signature,
       solana.sign_message(solana.compile_message(ARRAY[solana.memo('upgrade')], solana.keypair_pubkey('payer'),
                           'EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k'), ARRAY['payer']) AS signed,
       (SELECT md5(idl::text) FROM solana.programs) AS idl_md5,
       (SELECT count(*) FROM solana.events) AS events,
       (SELECT count(*) FROM solana.jobs) AS jobs,
       (SELECT count(*) FROM solana.transactions) AS transactions;

-- ---------------------------------------------------------------------
-- the update
-- ---------------------------------------------------------------------
ALTER EXTENSION pg_solana UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'pg_solana') AS at_default_version
  FROM pg_extension WHERE extname = 'pg_solana';

-- the data is intact
SELECT b.webhook_secret = w.secret AS webhook_secret_kept,
       b.idl_md5 = (SELECT md5(idl::text) FROM solana.programs) AS idl_kept,
       b.events = (SELECT count(*) FROM solana.events) AS events_kept,
       b.jobs = (SELECT count(*) FROM solana.jobs) AS jobs_kept,
       b.transactions = (SELECT count(*) FROM solana.transactions) AS transactions_kept
  FROM before_update b, solana.webhooks w WHERE w.name = 'audit';
SELECT kind, target, from_slot FROM solana.subscriptions;
SELECT feed, price, sources_used, method FROM solana.prices;
SELECT name, pubkey FROM solana.keypairs;
SELECT pubkey, owner, lamports, slot FROM solana.accounts;
SELECT seq, state, instructions FROM solana.batch_status(1);
SELECT transactions, in_flight, landed FROM solana.transaction_batch_summary;
-- and the functions work on it
SELECT solana.redecode('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE') AS redecoded;
SELECT slot, log_index, event_name, data FROM solana.events;
SELECT * FROM solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE',
    '\x0303030303030303' || '\x01000000000000000000000000000000'::bytea || '\xffffffffffffffff0100'::bytea);
SELECT * FROM solana.decode_account('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE',
    (SELECT data FROM solana.accounts));
SELECT payload FROM solana.claim('upgrade', n => 1);
SELECT solana.complete(id, '{"ok": true}') FROM solana.jobs WHERE queue = 'upgrade' AND state = 'running';
SELECT state, payload, result FROM solana.jobs WHERE queue = 'upgrade' ORDER BY payload->>'n';
SELECT count(*) AS job_deliveries FROM solana.webhook_deliveries;
SELECT solana.webhook_sign(webhook_secret, 'msg_1', 1704067200, '{"a":1}') = webhook_signature AS same_webhook_signature,
       solana.sign_message(solana.compile_message(ARRAY[solana.memo('upgrade')], solana.keypair_pubkey('payer'),
                           'EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k'), ARRAY['payer']) = signed AS same_transaction_signature
  FROM before_update;
SELECT price, sources_used, method FROM solana.aggregate_feed('TEST/USD', to_timestamp(1704067200));
-- the update leaves no trace of this test in the extension
DROP TABLE before_update;

-- ---------------------------------------------------------------------
-- the catalog of each side as sorted text lines: every member of the
-- extension and every property that pg_dump, a query or a privilege
-- check could tell apart (no OIDs: they differ between databases)
-- ---------------------------------------------------------------------
\c :regress_db
SELECT $catalog$
SELECT string_agg(regexp_replace(line, '\s+', ' ', 'g'), E'\n' ORDER BY 1) AS lines FROM (
WITH ext AS (
    SELECT e.* FROM pg_extension e WHERE e.extname = 'pg_solana'
), mem AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), rel AS (
    SELECT c.oid::regclass::text AS name, c.* FROM pg_class c
     WHERE (c.oid) IN (SELECT objid FROM mem WHERE classid = 'pg_class'::regclass)
), pro AS (
    SELECT p.oid::regprocedure::text AS name, p.* FROM pg_proc p
     WHERE p.oid IN (SELECT objid FROM mem WHERE classid = 'pg_proc'::regclass)
), typ AS (
    SELECT t.oid::regtype::text AS name, t.* FROM pg_type t
     WHERE t.oid IN (SELECT objid FROM mem WHERE classid = 'pg_type'::regclass)
       OR t.typrelid IN (SELECT oid FROM rel)
), owned AS (
    -- members, and the objects that come with member relations and types
    SELECT classid, objid FROM mem
    UNION SELECT 'pg_class'::regclass, indexrelid FROM pg_index WHERE indrelid IN (SELECT oid FROM rel)
    UNION SELECT 'pg_constraint'::regclass, oid FROM pg_constraint
           WHERE conrelid IN (SELECT oid FROM rel) OR contypid IN (SELECT oid FROM typ)
    UNION SELECT 'pg_trigger'::regclass, oid FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM rel)
    UNION SELECT 'pg_policy'::regclass, oid FROM pg_policy WHERE polrelid IN (SELECT oid FROM rel)
    UNION SELECT 'pg_rewrite'::regclass, oid FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM rel)
    UNION SELECT 'pg_type'::regclass, oid FROM typ
)
-- every member of the extension
SELECT 'member ' || pg_describe_object(classid, objid, 0) AS line FROM mem
UNION ALL
SELECT format('extension %s version=%s schema=%s relocatable=%s', e.extname, e.extversion,
              e.extnamespace::regnamespace, e.extrelocatable) FROM ext e
UNION ALL
SELECT format('dumped table %s where %L', c::regclass, w)
  FROM ext e, unnest(e.extconfig, e.extcondition) AS x(c, w)
UNION ALL
SELECT format('schema %s owner=%s acl=%s comment=%s', n.nspname, n.nspowner::regrole,
              (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(n.nspacl) a),
              obj_description(n.oid, 'pg_namespace'))
  FROM pg_namespace n WHERE n.nspname = 'solana'
UNION ALL
SELECT format('default privileges %s %s %s', defaclrole::regrole, defaclobjtype,
              (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(defaclacl) a))
  FROM pg_default_acl WHERE defaclnamespace = 'solana'::regnamespace
UNION ALL
-- functions, procedures, aggregates
SELECT format('function %s kind=%s returns %s%s lang=%s volatile=%s strict=%s secdef=%s leakproof=%s parallel=%s cost=%s rows=%s config=%s owner=%s acl=%s args=(%s) src=%s',
              p.name, p.prokind, CASE WHEN p.proretset THEN 'setof ' ELSE '' END,
              pg_get_function_result(p.oid), l.lanname, p.provolatile, p.proisstrict,
              p.prosecdef, p.proleakproof, p.proparallel, p.procost, p.prorows, p.proconfig,
              p.proowner::regrole,
              (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a),
              pg_get_function_arguments(p.oid),
              CASE WHEN l.lanname = 'c' THEN p.probin || ':' || p.prosrc ELSE md5(p.prosrc) END)
  FROM pro p JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT format('aggregate %s kind=%s trans=%s(%s) final=%s extra=%s modify=%s combine=%s serial=%s deserial=%s init=%s sortop=%s',
              a.aggfnoid::regprocedure, a.aggkind, a.aggtransfn::regproc, a.aggtranstype::regtype,
              a.aggfinalfn::regproc, a.aggfinalextra, a.aggfinalmodify, a.aggcombinefn::regproc,
              a.aggserialfn::regproc, a.aggdeserialfn::regproc, a.agginitval, a.aggsortop::regoperator)
  FROM pg_aggregate a WHERE a.aggfnoid IN (SELECT oid FROM pro)
UNION ALL
-- relations and their columns
SELECT format('relation %s kind=%s persistence=%s am=%s options=%s owner=%s acl=%s replident=%s rls=%s/%s partkey=%s bound=%s of=%s',
              r.name, r.relkind, r.relpersistence, am.amname, r.reloptions, r.relowner::regrole,
              (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(r.relacl) a),
              r.relreplident, r.relrowsecurity, r.relforcerowsecurity,
              CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
              pg_get_expr(r.relpartbound, r.oid),
              (SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)
                 FROM pg_inherits i WHERE i.inhrelid = r.oid))
  FROM rel r LEFT JOIN pg_am am ON am.oid = r.relam
UNION ALL
SELECT format('column %s.%s #%s %s notnull=%s default=%s identity=%s generated=%s collation=%s storage=%s acl=%s',
              r.name, a.attname,
              row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum),
              format_type(a.atttypid, a.atttypmod), a.attnotnull,
              pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
              CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END,
              a.attstorage,
              (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x))
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
UNION ALL
SELECT format('index %s primary=%s replident=%s clustered=%s valid=%s', pg_get_indexdef(x.indexrelid),
              x.indisprimary, x.indisreplident, x.indisclustered, x.indisvalid)
  FROM pg_index x WHERE x.indrelid IN (SELECT oid FROM rel)
UNION ALL
SELECT format('constraint %s on %s: %s', c.conname,
              COALESCE(c.conrelid::regclass::text, c.contypid::regtype::text),
              pg_get_constraintdef(c.oid))
  FROM pg_constraint c
 WHERE c.conrelid IN (SELECT oid FROM rel) OR c.contypid IN (SELECT oid FROM typ)
UNION ALL
-- webhooks_job is enabled only while an enabled job webhook exists (the
-- data decides: solana._sync_job_webhooks), so its state is not compared
SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid),
              CASE WHEN t.tgname = 'webhooks_job' THEN 'with job webhooks' ELSE t.tgenabled::text END)
  FROM pg_trigger t WHERE t.tgrelid IN (SELECT oid FROM rel) AND NOT t.tgisinternal
UNION ALL
SELECT format('policy %s on %s cmd=%s permissive=%s roles=%s using=%s check=%s', p.polname,
              p.polrelid::regclass, p.polcmd, p.polpermissive,
              (SELECT string_agg(CASE WHEN o = 0 THEN 'public' ELSE o::regrole::text END, ',' ORDER BY 1)
                 FROM unnest(p.polroles) o),
              pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
  FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM rel)
UNION ALL
SELECT format('view %s: %s', r.name, regexp_replace(pg_get_viewdef(r.oid), '\s+', ' ', 'g'))
  FROM rel r WHERE r.relkind IN ('v', 'm')
UNION ALL
SELECT format('rule %s', regexp_replace(pg_get_ruledef(w.oid), '\s+', ' ', 'g'))
  FROM pg_rewrite w WHERE w.ev_class IN (SELECT oid FROM rel) AND w.rulename <> '_RETURN'
UNION ALL
SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s',
              s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin,
              s.seqmax, s.seqcache, s.seqcycle,
              (SELECT string_agg(d.refobjid::regclass || '.' || a.attname, ',')
                 FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
  FROM pg_sequence s WHERE s.seqrelid IN (SELECT oid FROM rel)
UNION ALL
-- types
SELECT format('type %s type=%s len=%s byval=%s align=%s storage=%s category=%s in=%s out=%s recv=%s send=%s modin=%s modout=%s analyze=%s elem=%s base=%s notnull=%s default=%s collation=%s owner=%s acl=%s',
              t.name, t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage, t.typcategory,
              t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout,
              t.typanalyze, t.typelem::regtype, t.typbasetype::regtype, t.typnotnull,
              t.typdefault, t.typcollation, t.typowner::regrole,
              (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(t.typacl) a))
  FROM typ t
UNION ALL
SELECT format('enum %s #%s %s', e.enumtypid::regtype,
              row_number() OVER (PARTITION BY e.enumtypid ORDER BY e.enumsortorder), e.enumlabel)
  FROM pg_enum e WHERE e.enumtypid IN (SELECT oid FROM typ)
UNION ALL
SELECT format('cast %s', pg_describe_object(classid, objid, 0)) || format(' func=%s context=%s method=%s',
              c.castfunc::regprocedure, c.castcontext, c.castmethod)
  FROM mem JOIN pg_cast c ON c.oid = mem.objid WHERE mem.classid = 'pg_cast'::regclass
UNION ALL
SELECT format('operator %s code=%s rest=%s join=%s commutator=%s negator=%s merges=%s hashes=%s',
              o.oid::regoperator, o.oprcode, o.oprrest, o.oprjoin, o.oprcom::regoperator,
              o.oprnegate::regoperator, o.oprcanmerge, o.oprcanhash)
  FROM mem JOIN pg_operator o ON o.oid = mem.objid WHERE mem.classid = 'pg_operator'::regclass
UNION ALL
SELECT format('opclass %s default=%s type=%s keytype=%s family=%s', pg_describe_object(classid, objid, 0),
              c.opcdefault, c.opcintype::regtype, c.opckeytype::regtype,
              pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0))
  FROM mem JOIN pg_opclass c ON c.oid = mem.objid WHERE mem.classid = 'pg_opclass'::regclass
UNION ALL
SELECT format('family member %s', pg_describe_object('pg_amop'::regclass, o.oid, 0)) || ' purpose=' || o.amoppurpose::text
  FROM mem JOIN pg_amop o ON o.amopfamily = mem.objid WHERE mem.classid = 'pg_opfamily'::regclass
UNION ALL
SELECT format('family member %s', pg_describe_object('pg_amproc'::regclass, p.oid, 0))
  FROM mem JOIN pg_amproc p ON p.amprocfamily = mem.objid WHERE mem.classid = 'pg_opfamily'::regclass
UNION ALL
SELECT format('event trigger %s on %s func=%s tags=%s enabled=%s', v.evtname, v.evtevent,
              v.evtfoid::regprocedure, v.evttags, v.evtenabled)
  FROM mem JOIN pg_event_trigger v ON v.oid = mem.objid WHERE mem.classid = 'pg_event_trigger'::regclass
UNION ALL
-- comments on every member and on what comes with it (columns included)
SELECT format('comment on %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid),
              regexp_replace(d.description, '\s+', ' ', 'g'))
  FROM pg_description d JOIN owned o ON o.classid = d.classoid AND o.objid = d.objoid
UNION ALL
-- the privileges pg_dump treats as the extension's own
SELECT format('initial privileges %s %s: %s', pg_describe_object(i.classoid, i.objoid, i.objsubid), i.privtype,
              (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(i.initprivs) a))
  FROM pg_init_privs i JOIN owned o ON o.classid = i.classoid AND o.objid = i.objoid
) catalog
$catalog$ AS catalog_query \gset
\c upgrade_old
:catalog_query \gset old_

-- ---------------------------------------------------------------------
-- a fresh install of the default version
-- ---------------------------------------------------------------------
\c upgrade_new
CREATE EXTENSION pg_solana;
:catalog_query \gset new_

-- the lines are not vacuous: each kind of object is there
SELECT kind, EXISTS (SELECT 1 FROM unnest(string_to_array(:'new_lines', E'\n')) l
                      WHERE l LIKE kind || ' %') AS present
  FROM unnest(ARRAY['member', 'extension', 'dumped', 'schema', 'function', 'aggregate', 'relation',
                    'column', 'index', 'constraint', 'trigger', 'policy', 'view', 'sequence',
                    'type', 'cast', 'operator', 'opclass', 'family', 'comment', 'initial']) AS kind;

-- the difference: no rows when the update gives what a fresh install gives
WITH upgraded AS (SELECT unnest(string_to_array(:'old_lines', E'\n')) AS line),
     fresh AS (SELECT unnest(string_to_array(:'new_lines', E'\n')) AS line)
SELECT 'only after update' AS side, line FROM (SELECT line FROM upgraded EXCEPT ALL SELECT line FROM fresh) u
UNION ALL
SELECT 'only in fresh install', line FROM (SELECT line FROM fresh EXCEPT ALL SELECT line FROM upgraded) f
ORDER BY line, side;

\c :regress_db
DROP DATABASE upgrade_old WITH (FORCE);
DROP DATABASE upgrade_new WITH (FORCE);
