-- pgTAP: the foundation's objects exist and every error path raises its
-- SQLSTATE (docs/errors.md).
BEGIN;
SELECT plan(40);

SELECT has_schema('solana');
SELECT has_type('solana', 'pubkey', 'type solana.pubkey');
SELECT has_type('solana', 'signature', 'type solana.signature');
SELECT has_function('solana', 'base58_encode', ARRAY['bytea']);
SELECT has_function('solana', 'base58_decode', ARRAY['text']);
SELECT has_function('solana', 'find_program_address', ARRAY['bytea[]', 'solana.pubkey']);
SELECT has_function('solana', 'create_program_address', ARRAY['bytea[]', 'solana.pubkey']);
SELECT has_function('solana', 'associated_token_address', ARRAY['solana.pubkey', 'solana.pubkey', 'solana.pubkey']);
SELECT has_function('solana', 'is_on_curve', ARRAY['solana.pubkey']);
SELECT has_opclass('solana', 'pubkey_ops', 'btree opclass for pubkey');
SELECT has_opclass('solana', 'pubkey_hash_ops', 'hash opclass for pubkey');
SELECT has_opclass('solana', 'signature_ops', 'btree opclass for signature');
SELECT has_opclass('solana', 'signature_hash_ops', 'hash opclass for signature');
SELECT has_cast('bytea', 'solana.pubkey', 'cast bytea -> pubkey');
SELECT has_cast('solana.pubkey', 'bytea', 'cast pubkey -> bytea');
SELECT has_cast('bytea', 'solana.signature', 'cast bytea -> signature');

-- every public function of the extension has a comment
SELECT is_empty($$
    SELECT p.oid::regprocedure::text
    FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_solana'
    WHERE d.deptype = 'e' AND obj_description(p.oid, 'pg_proc') IS NULL
      AND p.proname NOT LIKE '\_%'
$$, 'every extension function has COMMENT ON');

-- and so does every other object \dx+ pg_solana lists (docs/reference.md)
SELECT is_empty($$
    SELECT c.oid::regclass::text
    FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_solana'
    WHERE d.deptype = 'e' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition
      AND obj_description(c.oid, 'pg_class') IS NULL
$$, 'every extension table, view and sequence has COMMENT ON');
SELECT is_empty($$
    SELECT c.oid::regclass::text || '.' || a.attname
    FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_solana'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE d.deptype = 'e' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
      AND c.relname NOT LIKE '\_%' AND col_description(c.oid, a.attnum) IS NULL
$$, 'every column of the extension''s tables and views has COMMENT ON');
SELECT is_empty($$
    SELECT t.oid::regtype::text
    FROM pg_type t JOIN pg_depend d ON d.objid = t.oid AND d.classid = 'pg_type'::regclass
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_solana'
    WHERE d.deptype = 'e' AND obj_description(t.oid, 'pg_type') IS NULL
$$, 'every extension type has COMMENT ON');
SELECT ok(solana.base58_encode('\x00') = '1', 'the library is loaded, so its settings are defined');
SELECT cmp_ok((SELECT count(*)::int FROM pg_settings WHERE name LIKE 'solana.%'), '>=', 5,
              'the solana.* settings exist');
SELECT is_empty($$
    SELECT name FROM pg_settings WHERE name LIKE 'solana.%' AND coalesce(short_desc, '') = ''
$$, 'every solana.* setting has a description');

SELECT is('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'::solana.pubkey::text,
          'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'pubkey text round trip');
SELECT is(solana.base58_encode('\x0000ff'::bytea), '115Q', 'base58_encode keeps leading zeros');
SELECT is((solana.find_program_address(ARRAY['seed-1-0'::bytea],
           'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA')).address::text,
          '2yYYDMJZta9dqz8Y6RuEaBQjkyF74Cv1fX3ESqwiWmBe', 'find_program_address matches web3.js');

-- 22P02: bad text
SELECT throws_ok($$SELECT 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0'::solana.pubkey$$, '22P02',
    'invalid input syntax for type pubkey: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0"', 'pubkey: character outside base58');
SELECT throws_ok($$SELECT 'abc'::solana.pubkey$$, '22P02', NULL, 'pubkey: text of the wrong length');
SELECT throws_ok($$SELECT 'abc'::solana.signature$$, '22P02', NULL, 'signature: text of the wrong length');
SELECT throws_ok($$SELECT solana.base58_decode('I')$$, '22P02', 'invalid base58 text: "I"', 'base58_decode: bad character');
-- 22026: bytea lengths
SELECT throws_ok($$SELECT '\x01'::bytea::solana.pubkey$$, '22026', 'bytea of 1 bytes cannot be a pubkey', 'pubkey from 1 byte');
SELECT throws_ok($$SELECT decode(repeat('00', 63), 'hex')::solana.signature$$, '22026', NULL, 'signature from 63 bytes');
SELECT throws_ok($$SELECT solana.pubkey(decode(repeat('00', 33), 'hex'))$$, '22026', NULL, 'pubkey(bytea) from 33 bytes');
-- 22023: seeds
SELECT throws_ok($$SELECT solana.find_program_address(array_fill('\x01'::bytea, ARRAY[16]), '11111111111111111111111111111111')$$,
    '22023', 'too many seeds for find_program_address: 16', 'find: 16 seeds');
SELECT throws_ok($$SELECT solana.create_program_address(array_fill('\x01'::bytea, ARRAY[17]), '11111111111111111111111111111111')$$,
    '22023', 'too many seeds for create_program_address: 17', 'create: 17 seeds');
SELECT throws_ok($$SELECT solana.create_program_address(ARRAY[decode(repeat('00', 33), 'hex')], '11111111111111111111111111111111')$$,
    '22023', 'seed 1 is 33 bytes long', 'create: seed over 32 bytes');
SELECT throws_ok($$SELECT solana.create_program_address(ARRAY['seed-1-0'::bytea, '\xff'], 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA')$$,
    '22023', 'seeds give an address on the ed25519 curve', 'create: on-curve result');
SELECT throws_ok($$SELECT solana.find_program_address(ARRAY[NULL::bytea], '11111111111111111111111111111111')$$,
    '22004', 'seed 1 is null', 'find: null seed');
-- 22023 for settings
SELECT throws_ok($$SET solana.commitment = 'sometimes'$$, '22023', NULL, 'commitment: invalid value');
SELECT throws_ok($$SET solana.nonexistent = 1$$, '42602', NULL, 'the solana prefix is reserved');

SELECT * FROM finish();
ROLLBACK;
