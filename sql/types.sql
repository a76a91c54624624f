-- solana.pubkey, solana.signature, base58 and program derived addresses.
-- Expected addresses come from @solana/web3.js / @solana/spl-token
-- (test/vectors/pda.js); base58 values from the bs58 fixtures.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_solana;
RESET client_min_messages;
SET search_path = solana, public;

-- errors as "SQLSTATE: message" so the output pins both
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- text I/O round trip
SELECT 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'::pubkey;
SELECT '11111111111111111111111111111111'::pubkey AS system_program,
       encode('11111111111111111111111111111111'::pubkey::bytea, 'hex');
SELECT solana.pubkey('So11111111111111111111111111111111111111112');
SELECT '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW'::signature;
SELECT pg_typeof('11111111111111111111111111111111'::pubkey), pg_column_size('11111111111111111111111111111111'::pubkey),
       pg_column_size('1111111111111111111111111111111111111111111111111111111111111111'::signature);

-- bad text: a character outside the alphabet, the wrong length
SELECT 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0'::pubkey;
SELECT pg_temp.err($$SELECT 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DI'::solana.pubkey$$);
SELECT pg_temp.err($$SELECT 'abc'::solana.pubkey$$);
SELECT pg_temp.err($$SELECT ''::solana.pubkey$$);
SELECT pg_temp.err($$SELECT 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'::solana.signature$$);
SELECT pg_temp.err($$SELECT solana.pubkey('l1111111111111111111111111111111')$$);

-- bytea casts, length checked
SELECT decode(repeat('ab', 32), 'hex')::pubkey;
SELECT pg_temp.err($$SELECT '\x0102'::bytea::solana.pubkey$$);
SELECT pg_temp.err($$SELECT decode(repeat('ab', 32), 'hex')::solana.signature$$);
SELECT encode(decode(repeat('cd', 64), 'hex')::signature::bytea, 'hex') = repeat('cd', 64) AS sig_bytea_roundtrip;

-- operators and bytewise order
CREATE TABLE keys (k pubkey, n int);
INSERT INTO keys
SELECT decode(lpad(to_hex(i), 64, '0'), 'hex')::pubkey, i FROM generate_series(1, 2000) i;
INSERT INTO keys VALUES ('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 0),
                        ('11111111111111111111111111111111', -1);
SELECT k, n FROM keys ORDER BY k LIMIT 4;
SELECT k, n FROM keys ORDER BY k DESC LIMIT 2;
SELECT count(*) FILTER (WHERE k < 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA') AS lt,
       count(*) FILTER (WHERE k <= 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA') AS le,
       count(*) FILTER (WHERE k = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA') AS eq,
       count(*) FILTER (WHERE k <> 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA') AS ne,
       count(*) FILTER (WHERE k > 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA') AS gt,
       count(*) FILTER (WHERE k >= 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA') AS ge
FROM keys;

-- GROUP BY, DISTINCT and hash joins use the hash opclass
INSERT INTO keys SELECT k, n + 10000 FROM keys WHERE n BETWEEN 1 AND 10;
SELECT count(*) AS groups FROM (SELECT k FROM keys GROUP BY k) g;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM keys a JOIN keys b USING (k);
SELECT count(*) FROM keys a JOIN keys b USING (k);
RESET enable_mergejoin;
RESET enable_nestloop;

-- a unique btree index and an index scan
DELETE FROM keys WHERE n > 10000;
CREATE UNIQUE INDEX keys_k ON keys (k);
ANALYZE keys;
EXPLAIN (COSTS OFF) SELECT n FROM keys WHERE k = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
SELECT n FROM keys WHERE k = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
SELECT pg_temp.err($$INSERT INTO keys VALUES ('11111111111111111111111111111111', 5)$$);
CREATE INDEX keys_hash ON keys USING hash (k);

-- signatures index too
CREATE TABLE sigs (s signature PRIMARY KEY);
INSERT INTO sigs SELECT decode(lpad(to_hex(i), 128, '0'), 'hex')::signature FROM generate_series(1, 100) i;
SELECT s FROM sigs ORDER BY s DESC LIMIT 1;

-- binary send/recv through COPY BINARY
CREATE TEMP TABLE copy_src AS SELECT k, n FROM keys WHERE n BETWEEN -1 AND 3;
COPY copy_src TO '/tmp/pg_solana_regress_keys.bin' WITH (FORMAT binary);
CREATE TEMP TABLE copy_dst (k pubkey, n int);
COPY copy_dst FROM '/tmp/pg_solana_regress_keys.bin' WITH (FORMAT binary);
SELECT count(*) FROM copy_src JOIN copy_dst USING (k, n);

-- base58 of any length (bs58 fixture values)
SELECT base58_encode(''::bytea) AS empty, base58_encode('\x00'::bytea) AS zero,
       base58_encode('\x0000ff'::bytea) AS zero_zero_ff, base58_encode('hello world'::bytea);
SELECT base58_decode('StV1DL6CwTryKyV') AS hello_world, base58_decode('11') AS two_zeros, base58_decode('');
SELECT base58_decode(base58_encode(decode(repeat('00ff', 300), 'hex'))) = decode(repeat('00ff', 300), 'hex') AS long_roundtrip;
SELECT pg_temp.err($$SELECT solana.base58_decode('abc+def')$$);
SELECT base58_decode('0OIl');

-- program derived addresses
SELECT * FROM find_program_address(ARRAY[]::bytea[], '11111111111111111111111111111111');
SELECT * FROM find_program_address(ARRAY['seed-1-0'::bytea], 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
SELECT * FROM find_program_address(ARRAY['seed-2-0'::bytea, '\x3e3ab51f37d0bf39b8eeb4'],
                                   'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');
SELECT create_program_address(ARRAY['seed-1-0'::bytea, '\xfe'], 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
SELECT pg_temp.err($$SELECT solana.create_program_address(ARRAY['seed-1-0'::bytea, '\xff'], 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA')$$);
SELECT pg_temp.err($$SELECT solana.find_program_address(array_fill('\x01'::bytea, ARRAY[16]), '11111111111111111111111111111111')$$);
SELECT pg_temp.err($$SELECT solana.create_program_address(array_fill('\x01'::bytea, ARRAY[17]), '11111111111111111111111111111111')$$);
SELECT pg_temp.err($$SELECT solana.find_program_address(ARRAY[decode(repeat('00', 33), 'hex')], '11111111111111111111111111111111')$$);
SELECT pg_temp.err($$SELECT solana.find_program_address(ARRAY['a'::bytea, NULL], '11111111111111111111111111111111')$$);
SELECT (find_program_address(array_fill('\x01'::bytea, ARRAY[15]), '11111111111111111111111111111111')).bump IS NOT NULL AS fifteen_seeds_ok;

-- associated token accounts (SPL Token default, Token-2022 explicit)
SELECT associated_token_address('DTPDYkKUPY9gBUm12J653VFP2S2uiDtCaJanNdzSmcPZ', 'DwQkEZk3Utoz9T1CDxCnLdrLrqqdJMoJL9p3HTVyAFo');
SELECT associated_token_address('Hq1s2FAr1HeCKq3VWnvjqWsRT1Vmau9zuhj87aVnkNoz', 'FHmMgyvLxo4FBztKoo5EJhziwKbAXv2din7yfMVoBa9d',
                                'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');

-- the curve check: wallets are on it, derived addresses are not
SELECT is_on_curve('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA') AS program_id,
       is_on_curve('Cu7NwqCXSmsR5vgGA3Vw9uYVViPi3kQvkbKByVQ8nPY9') AS pda;

-- settings are reserved under solana.*
SHOW solana.commitment;
SET solana.commitment = 'sometimes';
SET solana.no_such_setting = 1;

DROP EXTENSION pg_solana CASCADE;
