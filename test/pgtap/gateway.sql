-- pgTAP: the gateway's and dispatcher's SQL objects, their grants, and
-- the error paths of solana.rpc that need no network (docs/errors.md).
-- The network paths (38000, 08006, 08P01, cache, rate limit, retries)
-- are in test/integration/gateway.t against a local peer.
BEGIN;
SELECT plan(14);

SELECT has_function('solana', 'rpc', ARRAY['text', 'jsonb', 'boolean']);
SELECT has_function('solana', 'rpc_cache_stats', ARRAY[]::text[]);
SELECT has_function('solana', 'rpc_cache_reset', ARRAY[]::text[]);
SELECT has_function('solana', '_wake_dispatcher', ARRAY['text[]']);
SELECT function_lang_is('solana', '_wake_dispatcher', ARRAY['text[]'], 'c',
                        'the enqueue hook is the C wake-up, not part 30''s placeholder');
SELECT has_index('solana', 'jobs', 'jobs_dispatch_idx', 'partial index of due built-in jobs');
SELECT ok(NOT has_function_privilege('public', 'solana._wake_dispatcher(text[])', 'EXECUTE'),
          '_wake_dispatcher not granted to PUBLIC');
SELECT ok(NOT has_function_privilege('public', 'solana.rpc_cache_reset()', 'EXECUTE'),
          'rpc_cache_reset not granted to PUBLIC');

SELECT throws_ok($$SELECT solana.rpc('get slot')$$, '22023',
                 'invalid JSON-RPC method name: "get slot"', 'method with a space');
SELECT throws_ok($$SELECT solana.rpc('')$$, '22023',
                 'invalid JSON-RPC method name: ""', 'empty method');
SELECT throws_ok($$SELECT solana.rpc('getSlot', '42')$$, '22023',
                 'invalid JSON-RPC params for method "getSlot"', 'scalar params');
SELECT is(solana.rpc(NULL), NULL, 'NULL method gives NULL (strict)');
SELECT lives_ok($$SELECT solana._wake_dispatcher(ARRAY['q'])$$,
                'wake-up can be arranged in a transaction (set at commit)');
SELECT ok((SELECT bytes_used <= bytes_total AND entries >= 0 FROM solana.rpc_cache_stats()),
          'cache statistics within bounds');

SELECT * FROM finish();
ROLLBACK;
