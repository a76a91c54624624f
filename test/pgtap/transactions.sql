-- pgTAP: transactions.  Objects and comments, the SQLSTATE of every
-- error path, and the keypair security model: an ordinary role reads
-- names and public keys but never a secret, and signs only once EXECUTE
-- is granted explicitly.
BEGIN;
SELECT plan(35);

SELECT has_type('solana', 'account_meta', 'type solana.account_meta');
SELECT has_type('solana', 'instruction', 'type solana.instruction');
SELECT has_function('solana', 'compile_message',
    ARRAY['solana.instruction[]', 'solana.pubkey', 'text', 'jsonb', 'text']);
SELECT has_function('solana', 'sign_message', ARRAY['bytea', 'text[]']);
SELECT has_function('solana', 'decode_transaction', ARRAY['bytea']);
SELECT has_table('solana', 'keypairs', 'table solana.keypairs');
SELECT is((SELECT prosecdef FROM pg_proc WHERE oid = 'solana.sign_message(bytea,text[])'::regprocedure),
          true, 'sign_message is SECURITY DEFINER');
SELECT ok((SELECT proconfig::text LIKE '%search_path=pg_catalog, solana%' FROM pg_proc
            WHERE oid = 'solana.sign_message(bytea,text[])'::regprocedure),
          'sign_message has a fixed search_path');
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'solana'::regnamespace AND p.prosecdef
       AND p.proname IN ('sign_message', 'import_keypair', 'generate_keypair', 'keypair_pubkey', '_transaction_sign')
       AND (p.proconfig IS NULL OR NOT p.proconfig::text LIKE '%search_path%')
$$, 'the signing functions set search_path');

-- SQLSTATEs
SELECT throws_ok($$SELECT solana.compile_message(ARRAY[solana.memo(repeat('x', 1200))],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', 'DFgFjb3iUhNh4rkEBB7LaT6sYAunYk4CJwpkxLPyNA46')$$,
    '54000', NULL, 'a message past 1232 bytes signed is 54000');
SELECT is(solana.transaction_size(ARRAY[solana.memo(repeat('x', 1200))],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ'), 1370, 'transaction_size reports sizes past the limit');
SELECT throws_ok($$SELECT solana.compile_message(ARRAY[solana.memo('x')],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', 'bad!hash')$$, '22P02', NULL, 'bad blockhash text');
SELECT throws_ok($$SELECT solana.compile_message(ARRAY[solana.memo('x')],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', '1111')$$, '22026', NULL, 'short blockhash');
SELECT throws_ok($$SELECT solana.compile_message(ARRAY[solana.memo('x')],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', 'DFgFjb3iUhNh4rkEBB7LaT6sYAunYk4CJwpkxLPyNA46',
    NULL, 'v7')$$, '22023', NULL, 'unknown version');
SELECT throws_ok($$SELECT solana.compile_message(ARRAY[solana.memo('x')],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', 'DFgFjb3iUhNh4rkEBB7LaT6sYAunYk4CJwpkxLPyNA46',
    '{"not": "an array"}', '0')$$, '22023', NULL, 'lookup tables not an array');
SELECT throws_ok($$SELECT solana.compile_message(ARRAY[NULL::solana.instruction],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', 'DFgFjb3iUhNh4rkEBB7LaT6sYAunYk4CJwpkxLPyNA46')$$,
    '22004', NULL, 'null instruction');
SELECT throws_ok($$SELECT solana.system_transfer('7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ',
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', -1)$$, '22003', NULL, 'negative lamports');
SELECT throws_ok($$SELECT solana.decode_transaction('\x0102')$$, '22P03', NULL, 'truncated wire transaction');
SELECT throws_ok($$SELECT solana.decode_message('\x81010001')$$, '0A000', NULL, 'message version 1 is not supported');
SELECT throws_ok($$SELECT solana.decode_transaction(('\x01' || repeat('00', 1300))::bytea)$$,
    '22P03', NULL, 'garbage of 1301 bytes');
SELECT throws_ok($$SELECT solana.sign_message(solana.compile_message(ARRAY[solana.memo('x')],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', 'DFgFjb3iUhNh4rkEBB7LaT6sYAunYk4CJwpkxLPyNA46'),
    ARRAY['no such key'])$$, '42704', NULL, 'unknown signer name');
SELECT throws_ok($$SELECT solana.import_keypair('bad', '[1,2,3]')$$, '22023', NULL, 'malformed keypair text');

-- a keypair, and a message it signs
SELECT lives_ok($$SELECT solana.generate_keypair('pgtap-payer')$$, 'generate a keypair');
SELECT throws_ok($$SELECT solana.sign_message(solana.compile_message(ARRAY[solana.memo('x')],
    '7hkpv5BXXUWMHaqiRzB6vryWrgpMFrDkj282pV4TW5UQ', 'DFgFjb3iUhNh4rkEBB7LaT6sYAunYk4CJwpkxLPyNA46'),
    ARRAY['pgtap-payer'])$$, '22023', NULL, 'a signer the message does not need leaves the payer unsigned');
CREATE TEMP TABLE msg AS
SELECT solana.compile_message(ARRAY[solana.memo('pgtap', ARRAY[k.pubkey])], k.pubkey,
                              'DFgFjb3iUhNh4rkEBB7LaT6sYAunYk4CJwpkxLPyNA46') AS m
  FROM solana.keypairs k WHERE k.name = 'pgtap-payer';
GRANT SELECT ON msg TO PUBLIC;
SELECT ok(solana.verify_transaction(solana.sign_message(m, ARRAY['pgtap-payer'])), 'signed by a registered keypair')
  FROM msg;

-- an ordinary role
CREATE ROLE pgtap_txn_app NOLOGIN;
GRANT USAGE ON SCHEMA solana TO pgtap_txn_app;
SET ROLE pgtap_txn_app;
SELECT throws_ok($$SELECT secret FROM solana.keypairs$$, '42501', NULL, 'an ordinary role cannot read secrets');
SELECT throws_ok($$SELECT * FROM solana.keypairs$$, '42501', NULL, 'nor select * from keypairs');
SELECT lives_ok($$SELECT name, pubkey FROM solana.keypairs$$, 'but it can read names and public keys');
SELECT throws_ok($$UPDATE solana.keypairs SET name = 'x'$$, '42501', NULL, 'nor change keypairs');
SELECT throws_ok($$SELECT solana.sign_message(m, ARRAY['pgtap-payer']) FROM msg$$, '42501', NULL,
                 'nor sign without an explicit grant');
SELECT throws_ok($$SELECT solana.import_keypair('mine', '[1]')$$, '42501', NULL, 'nor import keypairs');
SELECT throws_ok($$SELECT solana._keypair_secret(NULL)$$, '42501', NULL, 'nor call the internal helper');
RESET ROLE;
GRANT EXECUTE ON FUNCTION solana.sign_message(bytea, text[]) TO pgtap_txn_app;
SET ROLE pgtap_txn_app;
SELECT ok(solana.verify_transaction(solana.sign_message(m, ARRAY['pgtap-payer'])),
          'with EXECUTE granted it signs') FROM msg;
SELECT throws_ok($$SELECT secret FROM solana.keypairs$$, '42501', NULL, 'and still cannot read the secret');
SELECT throws_ok($$SELECT solana.sign_message(m, ARRAY['default']) FROM msg$$, '55000', NULL,
                 'default signer without solana.keypair_path is 55000');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
