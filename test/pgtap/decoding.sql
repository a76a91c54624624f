-- pgTAP: Anchor decoding (issue 3): register_program validation and
-- replacement, decoding of every value shape through SQL, log
-- attribution through CPIs, and the SQLSTATE of every bad input.
BEGIN;
SET LOCAL search_path = public, solana;
SELECT plan(43);

CREATE TEMP TABLE t_idl AS SELECT $${
  "address": "CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj",
  "metadata": {"name": "tap", "version": "0.1.0", "spec": "0.1.0"},
  "instructions": [{"name": "go", "discriminator": [9, 9], "accounts": [],
                    "args": [{"name": "amount", "type": {"defined": {"name": "Amount"}}}]}],
  "accounts": [{"name": "Reg", "discriminator": [82, 69, 71, 49]}],
  "events": [{"name": "Ev", "discriminator": [1, 2, 3, 4, 5, 6, 7, 8]},
             {"name": "Gen", "discriminator": [8, 7, 6, 5, 4, 3, 2, 1]}],
  "types": [
    {"name": "Amount", "type": {"kind": "struct", "fields": ["u64", "i8"]}},
    {"name": "Lamports", "type": {"kind": "type", "alias": "u64"}},
    {"name": "Pair", "generics": [{"kind": "type", "name": "K"}, {"kind": "const", "name": "N", "type": "usize"}],
     "type": {"kind": "struct", "fields": [{"name": "k", "type": {"generic": "K"}},
                                           {"name": "buf", "type": {"array": ["u8", {"generic": "N"}]}}]}},
    {"name": "State", "type": {"kind": "enum", "variants": [
        {"name": "Off"}, {"name": "On", "fields": [{"name": "since", "type": "i64"}]},
        {"name": "Odd", "fields": ["u8", "string"]}]}},
    {"name": "Reg", "type": {"kind": "struct", "fields": [{"name": "n", "type": "u16"}]}},
    {"name": "Ev", "type": {"kind": "struct", "fields": [
        {"name": "f32", "type": "f32"}, {"name": "f64", "type": "f64"},
        {"name": "i128", "type": "i128"}, {"name": "blob", "type": "bytes"},
        {"name": "st", "type": {"defined": {"name": "State"}}},
        {"name": "lam", "type": {"defined": {"name": "Lamports"}}},
        {"name": "nest", "type": {"array": [{"array": ["i16", 2]}, 2]}},
        {"name": "oo", "type": {"option": {"option": "u8"}}}]}},
    {"name": "Gen", "type": {"kind": "struct", "fields": [
        {"name": "p", "type": {"defined": {"name": "Pair", "generics": [
            {"kind": "type", "type": "bool"}, {"kind": "const", "value": "3"}]}}}]}}
  ]}$$::jsonb AS idl;

SELECT is(register_program(idl), 'CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj'::pubkey, 'register_program returns the IDL address')
  FROM t_idl;
SELECT is((SELECT idl_format FROM programs WHERE name = 'tap'), 'anchor', 'format anchor');
SELECT is(register_program(idl), 'CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj'::pubkey, 'registering again replaces')
  FROM t_idl;
SELECT is((SELECT count(*) FROM programs WHERE name = 'tap'), 1::bigint, 'one row per program');
SELECT is(register_program(idl, '11111111111111111111111111111112'), '11111111111111111111111111111112'::pubkey,
          'an explicit program id wins') FROM t_idl;
SELECT ok(unregister_program('11111111111111111111111111111112'), 'unregister_program');
SELECT ok(NOT unregister_program('11111111111111111111111111111112'), 'unregister_program of nothing is false');

-- f32 0.1, f64 1e21, i128 -2, bytes 0x0102, On{since:-1}, lam 7, [[1,-1],[2,3]], Some(None)
SELECT is((decode_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj',
    '\x0102030405060708' || '\xcdcccc3d'::bytea || '\x50efe2d6e41a4b44'::bytea
    || '\xfeffffffffffffffffffffffffffffff'::bytea || '\x020000000102'::bytea
    || '\x01ffffffffffffffff'::bytea || '\x0700000000000000'::bytea
    || '\x0100ffff02000300'::bytea || '\x0100'::bytea)).data,
    '{"f32": 0.1, "f64": 1e21, "i128": -2, "blob": "AQI=", "st": {"On": {"since": -1}},
      "lam": 7, "nest": [[1, -1], [2, 3]], "oo": null}'::jsonb,
    'floats shortest, i128 exact, bytes base64, struct variant, alias, nested arrays, Option<Option>');
SELECT is((decode_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj',
    '\x0102030405060708' || '\x0000c07f'::bytea || '\x000000000000f0ff'::bytea
    || '\x00000000000000000000000000000080'::bytea || '\x00000000'::bytea
    || '\x020503000000610062'::bytea || '\x0000000000000000'::bytea
    || '\x0000000000000000'::bytea || '\x00'::bytea)).data,
    '{"f32": "NaN", "f64": "-Infinity", "i128": -170141183460469231731687303715884105728, "blob": "",
      "st": {"Odd": [5, "ab"]}, "lam": 0, "nest": [[0, 0], [0, 0]], "oo": null}'::jsonb,
    'NaN and -Infinity as strings, i128 min, tuple variant, U+0000 removed from strings');
SELECT is((decode_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x080706050403020101aabbcc')).data,
    '{"p": {"k": true, "buf": [170, 187, 204]}}'::jsonb, 'generic type and const generic instantiated');
SELECT is((decode_account('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x524547312a000000')).type,
    'Reg', 'custom 4-byte account discriminator, padding allowed');
SELECT is((decode_instruction('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x0909ffffffffffffffffff')).args,
    '{"amount": [18446744073709551615, -1]}'::jsonb, 'instruction args; tuple struct as array; u64 max exact');
SELECT is((decode_cpi_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\xe445a52e51cb9a1d080706050403020100000000')).name,
    'Gen', 'emit_cpi! event');

-- logs: CPI events belong to the callee, events after the callee returns to the caller
CREATE TEMP TABLE t_logs AS SELECT * FROM decode_logs(ARRAY[
    'Program DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE invoke [1]',
    'Program log: Instruction: Route',
    'Program CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj invoke [2]',
    'Program data: CAcGBQQDAgEBAAAA',
    'Program CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj consumed 100 of 1000 compute units',
    'Program CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj success',
    'Program CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj invoke [2]',
    'Program CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj invoke [3]',
    'Program data: CAcGBQQDAgEBAAAA',
    'Program CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj failed: custom program error: 0x1',
    'Program CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj failed: custom program error: 0x1',
    'Program data: CAcGBQQDAgEBAAAA',
    'Program DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE failed: custom program error: 0x1']);
SELECT is((SELECT count(*) FROM t_logs), 3::bigint, 'one row per data line');
SELECT is((SELECT program_id::text || '/' || depth || '/' || cpi_index FROM t_logs WHERE log_index = 3),
    'CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj/2/0', 'CPI event credited to the callee at depth 2');
SELECT is((SELECT event_name FROM t_logs WHERE log_index = 3), 'Gen', 'and decoded with its IDL');
SELECT is((SELECT program_id::text || '/' || depth || '/' || cpi_index FROM t_logs WHERE log_index = 8),
    'CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj/3/2', 'self-CPI at depth 3 is the third inner invocation');
SELECT is((SELECT program_id::text || '/' || depth FROM t_logs WHERE log_index = 11),
    'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE/1', 'after failed CPIs the caller is on top again');
SELECT is((SELECT data FROM t_logs WHERE log_index = 11), NULL, 'unregistered caller: no data');
SELECT is((SELECT raw FROM t_logs WHERE log_index = 11), '\x080706050403020101000000'::bytea, 'raw bytes kept');
SELECT is((SELECT count(*) FROM decode_logs('{}')), 0::bigint, 'no logs, no rows');
SELECT is((SELECT truncated FROM decode_logs(ARRAY['Log truncated', 'Program data: AA=='])), true, 'rows after Log truncated are flagged');
SELECT is((SELECT program_id FROM decode_logs(ARRAY['Program CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj invoke [1]', 'Log truncated', 'Program data: AA=='])),
    NULL, 'and not attributed');

-- bad bytes: 22P03
SELECT throws_ok($$SELECT decode_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x0807060504030201')$$,
    '22P03', NULL, 'truncated event');
SELECT throws_like($$SELECT decode_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x08070605040302010100')$$,
    '%field "p.buf[1]" at offset 10%', 'error names the field path and offset');
SELECT throws_ok($$SELECT decode_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x080706050403020100000000ff')$$,
    '22P03', NULL, 'trailing bytes after an event');
SELECT throws_ok($$SELECT decode_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x080706050403020102000000')$$,
    '22P03', NULL, 'invalid bool');
SELECT throws_ok($$SELECT decode_event('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\xffffffffffffffff')$$,
    '22P03', NULL, 'unknown discriminator');
SELECT throws_ok($$SELECT decode_instruction('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x0909ffffffffffffffffff00')$$,
    '22P03', NULL, 'trailing bytes after instruction args');
SELECT throws_ok($$SELECT decode_account('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x52454731', 'Reg')$$,
    '22P03', NULL, 'account truncated after its discriminator');
SELECT throws_ok($$SELECT decode_account('CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj', '\x52454731', 'Nope')$$,
    '22023', NULL, 'unknown account type name');
SELECT throws_ok($$SELECT decode_event('11111111111111111111111111111111', '\x00')$$,
    '42704', NULL, 'program without IDL');

-- bad IDLs: 22023 / 0A000 / 54000
SELECT throws_like($$SELECT register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"types":[{"name":"A","type":{"kind":"struct","fields":[{"name":"x","type":{"option":"i9"}}]}}]}')$$,
    '%types[0].type.fields[0].type.option: unknown type "i9"%', 'unknown type, with its path');
SELECT throws_ok($$SELECT register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"types":[{"name":"A","type":{"kind":"struct","fields":[{"name":"x","type":{"defined":{"name":"Nope"}}}]}}]}')$$,
    '22023', NULL, 'undefined defined reference');
SELECT throws_ok($$SELECT register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"types":[{"name":"A","type":{"kind":"struct","fields":[{"name":"b","type":{"array":[{"defined":{"name":"A"}},2]}}]}}]}')$$,
    '22023', NULL, 'recursive type without indirection');
SELECT throws_ok($$SELECT register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"accounts":[{"name":"A","discriminator":[1,2]},{"name":"B","discriminator":[1,2,3]}],"types":[{"name":"A","type":{"kind":"struct"}},{"name":"B","type":{"kind":"struct"}}]}')$$,
    '22023', NULL, 'ambiguous discriminators');
SELECT throws_ok($$SELECT register_program('{"address":"11111111111111111111111111111111","metadata":{"spec":"0.1.0"},"types":[{"name":"A","type":{"kind":"struct","fields":[{"name":"m","type":{"hashMap":["u8","u8"]}}]}}]}')$$,
    '0A000', NULL, 'unsupported type');
SELECT throws_ok($$SELECT register_program('{"version":"0.1.0","name":"x","instructions":[]}')$$,
    '22023', NULL, 'legacy IDL without a program id');
SELECT throws_ok($$SELECT register_program(NULL)$$, '22004', NULL, 'null IDL');
SELECT is((SELECT count(*) FROM programs WHERE name = 'tap'), 1::bigint, 'failed registrations change nothing');
SELECT throws_ok($$INSERT INTO programs (program_id, name, idl, idl_format)
                   VALUES ('11111111111111111111111111111112', 'x', '{"address":"11111111111111111111111111111112","metadata":{"spec":"0.1.0"},"types":[{"name":"A","type":{"kind":"struct","fields":[{"name":"x","type":"u63"}]}}]}', 'anchor')$$,
    '22023', NULL, 'a direct INSERT of a bad IDL is refused too');
INSERT INTO programs (idl, name, idl_format)
    VALUES ('{"address":"11111111111111111111111111111112","metadata":{"name":"direct","spec":"0.1.0"}}', '?', 'legacy');
SELECT is((SELECT program_id::text || ' ' || name || ' ' || idl_format FROM programs WHERE name = 'direct'),
    '11111111111111111111111111111112 direct anchor', 'a direct INSERT takes program_id, name and format from the IDL');
SELECT throws_ok($$UPDATE programs SET idl = '{"address":"11111111111111111111111111111112","metadata":{"spec":"0.1.0"},"events":[{"name":"E"}]}' WHERE name = 'direct'$$,
    '22023', NULL, 'an UPDATE to a bad IDL is refused');

SELECT * FROM finish();
ROLLBACK;
