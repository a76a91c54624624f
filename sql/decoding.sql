-- Anchor decoding: registering IDLs, decoding events, accounts,
-- instructions, emit_cpi! events and logs, and the error paths with
-- their SQLSTATEs.  sql/decoding_fixtures.sql runs every fixture case.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_solana;
RESET client_min_messages;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- a small >= 0.30 IDL: one event, one account, one instruction
CREATE TEMP TABLE t_idl AS SELECT $${
  "address": "DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE",
  "metadata": {"name": "mini", "version": "0.1.0", "spec": "0.1.0"},
  "instructions": [{"name": "place", "discriminator": [1, 1, 1, 1, 1, 1, 1, 1],
                    "accounts": [], "args": [{"name": "side", "type": {"defined": {"name": "Side"}}},
                                             {"name": "qty", "type": "u64"}]}],
  "accounts": [{"name": "Book", "discriminator": [2, 2, 2, 2, 2, 2, 2, 2]}],
  "events": [{"name": "Filled", "discriminator": [3, 3, 3, 3, 3, 3, 3, 3]}],
  "types": [
    {"name": "Side", "type": {"kind": "enum", "variants": [{"name": "Bid"}, {"name": "Ask"}]}},
    {"name": "Order", "type": {"kind": "struct", "fields": [
        {"name": "price", "type": "u64"}, {"name": "side", "type": {"defined": {"name": "Side"}}}]}},
    {"name": "Book", "type": {"kind": "struct", "fields": [
        {"name": "owner", "type": "pubkey"}, {"name": "orders", "type": {"vec": {"defined": {"name": "Order"}}}}]}},
    {"name": "Filled", "type": {"kind": "struct", "fields": [
        {"name": "qty", "type": "u128"}, {"name": "delta", "type": "i64"},
        {"name": "ok", "type": "bool"}, {"name": "memo", "type": {"option": "string"}}]}}
  ]}$$::jsonb AS idl;

SELECT solana.register_program(idl) FROM t_idl;
SELECT program_id, name, idl_format FROM solana.programs WHERE name = 'mini';

-- u128 max, i64 min, true, Some("hi\0") (U+0000 is dropped in jsonb)
SELECT * FROM solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE',
    '\x0303030303030303ffffffffffffffffffffffffffffffff0000000000000080010103000000686900');
-- the same event emitted with emit_cpi!
SELECT * FROM solana.decode_cpi_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE',
    '\xe445a52e51cb9a1d0303030303030303ffffffffffffffffffffffffffffffff0000000000000080010103000000686900'::bytea);
-- accounts may carry zero padding after the value
SELECT * FROM solana.decode_account('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE',
    '\x0202020202020202' || '\x0000000000000000000000000000000000000000000000000000000000000001'::bytea
    || '\x01000000e80300000000000001'::bytea || '\x000000');
SELECT * FROM solana.decode_instruction('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE',
    '\x0101010101010101012a00000000000000');

-- logs: the event belongs to the program on top of the invoke stack
SELECT log_index, program_id, depth, event_name, data, truncated, top_level_index, cpi_index, decode_error
  FROM solana.decode_logs(ARRAY[
    'Program ComputeBudget111111111111111111111111111111 invoke [1]',
    'Program ComputeBudget111111111111111111111111111111 success',
    'Program JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4 invoke [1]',
    'Program data: AwMDAwMDAwMBAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAA==',
    'Program DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE invoke [2]',
    'Program log: Program JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4 success',
    'Program data: AwMDAwMDAwMBAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAA==',
    'Program data: AwMDAwMDAwM=',
    'Program data: AQI= AwQ=',
    'Program DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE consumed 1200 of 190000 compute units',
    'Program return: DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE AQ==',
    'Program DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE success',
    'Program data: BAQEBAQEBAQ=',
    'Program JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4 consumed 9000 of 200000 compute units',
    'Program JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4 failed: custom program error: 0x1',
    'Log truncated',
    'Program data: AwMDAwMDAwMBAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAA=='])
 ORDER BY log_index;

-- bad bytes: 22P03 with the field path and byte offset
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x030303030303030301')$$);
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0303030303030303ffffffffffffffffffffffffffffffff00000000000000800100ff')$$);
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0303030303030303ffffffffffffffffffffffffffffffff00000000000000800200')$$);
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0303030303030303ffffffffffffffffffffffffffffffff0000000000000080010201')$$);
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0303030303030303ffffffffffffffffffffffffffffffff000000000000008001010200000068ff')$$);
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0303030303030303ffffffffffffffffffffffffffffffff000000000000008001010900000068')$$);
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0909090909090909')$$);
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0303')$$);
SELECT pg_temp.err($$SELECT solana.decode_account('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x02020202020202020000000000000000000000000000000000000000000000000000000000000001020000002a0000000000000000')$$);
SELECT pg_temp.err($$SELECT solana.decode_account('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0303030303030303', 'Book')$$);
SELECT pg_temp.err($$SELECT solana.decode_account('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0202020202020202', 'Nope')$$);
SELECT pg_temp.err($$SELECT solana.decode_instruction('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0101010101010101022a00000000000000')$$);
SELECT pg_temp.err($$SELECT solana.decode_cpi_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x0303030303030303')$$);
SELECT pg_temp.err($$SELECT solana.decode_event('11111111111111111111111111111111', '\x00')$$);

-- bad IDLs: 22023 or 0A000 with the path inside the IDL
SELECT pg_temp.err($$SELECT solana.register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"types":[{"name":"A","type":{"kind":"struct","fields":[{"name":"x","type":{"vec":"u63"}}]}}]}')$$);
SELECT pg_temp.err($$SELECT solana.register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"types":[{"name":"A","type":{"kind":"struct","fields":[{"name":"b","type":{"defined":{"name":"B"}}}]}}]}')$$);
SELECT pg_temp.err($$SELECT solana.register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"types":[{"name":"A","type":{"kind":"struct","fields":[{"name":"a","type":{"defined":{"name":"A"}}}]}}]}')$$);
SELECT pg_temp.err($$SELECT solana.register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"events":[{"name":"A","discriminator":[1]},{"name":"B","discriminator":[1]}],"types":[{"name":"A","type":{"kind":"struct"}},{"name":"B","type":{"kind":"struct"}}]}')$$);
SELECT pg_temp.err($$SELECT solana.register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"types":[{"name":"Z","serialization":"bytemuck","type":{"kind":"struct","fields":[]}}]}')$$);
SELECT pg_temp.err($$SELECT solana.register_program('{"version":"0.1.0","name":"legacy","instructions":[]}')$$);
SELECT pg_temp.err($$SELECT solana.register_program('[]')$$);

-- a legacy IDL needs its program id; discriminators come from sha256
SELECT solana.register_program('{"version":"0.1.0","name":"legacy","instructions":[],
  "events":[{"name":"Ping","fields":[{"name":"n","type":"u8","index":false}]}]}',
  'Cep2LatNRYenCkoBSYVyL2SG6JD7C2gw2qJfS56MoJPb');
SELECT * FROM solana.decode_event('Cep2LatNRYenCkoBSYVyL2SG6JD7C2gw2qJfS56MoJPb',
    substring(sha256('event:Ping') from 1 for 8) || '\x07'::bytea);

-- re-registering replaces the IDL, and this backend's cached plan with it
UPDATE t_idl SET idl = jsonb_set(jsonb_set(idl, '{events,0,name}', '"Done"'), '{types,3}',
    '{"name": "Done", "type": {"kind": "struct", "fields": [{"name": "qty", "type": "u8"}]}}');
SELECT solana.register_program(idl) FROM t_idl;
SELECT count(*) FROM solana.programs WHERE name = 'mini';
SELECT * FROM solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x030303030303030309');
SELECT solana.unregister_program('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE');
SELECT pg_temp.err($$SELECT solana.decode_event('DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE', '\x030303030303030309')$$);
SELECT solana.unregister_program('Cep2LatNRYenCkoBSYVyL2SG6JD7C2gw2qJfS56MoJPb');
DROP EXTENSION pg_solana CASCADE;
