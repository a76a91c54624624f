-- pgTAP: webhooks (issue 7).  Objects and comments; signing against the
-- standardwebhooks vectors; endpoint validation; secret visibility under
-- SET ROLE (row-level security, 42501 through the API); the SSRF address
-- classes; filters and the transactional outbox on solana.events and
-- solana.jobs; the retry schedule; and the delivery state machine the
-- dispatcher drives (claim, in-flight limits, outcomes, Retry-After,
-- 410, dead, circuit breaker, replay, retry of dead deliveries).
BEGIN;
SELECT * FROM no_plan();

SELECT has_table('solana', 'webhooks', 'table solana.webhooks');
SELECT has_table('solana', 'webhook_deliveries', 'table solana.webhook_deliveries');
SELECT has_view('solana', 'webhook_stats', 'view solana.webhook_stats');
SELECT has_function('solana', 'add_webhook', 'function solana.add_webhook');
SELECT has_function('solana', 'send_webhook', ARRAY['bigint', 'jsonb', 'text', 'text']);
SELECT has_function('solana', 'rotate_webhook_secret', ARRAY['bigint', 'interval', 'text']);
SELECT has_function('solana', 'replay_deliveries', ARRAY['bigint', 'timestamp with time zone', 'timestamp with time zone']);
SELECT has_function('solana', 'retry_dead_deliveries', ARRAY['bigint']);
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'solana'::regnamespace
       AND (p.proname LIKE '%webhook%' OR p.proname IN ('add_webhook', 'send_webhook', 'replay_deliveries',
                                                        'retry_dead_deliveries', 'rotate_webhook_secret'))
       AND obj_description(p.oid, 'pg_proc') IS NULL
$$, 'every webhook function has a comment');
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'solana'::regnamespace AND p.proname LIKE '\_webhook%'
       AND p.prolang IN (SELECT oid FROM pg_language WHERE lanname IN ('sql', 'plpgsql'))
       AND (p.proconfig IS NULL OR NOT p.proconfig::text LIKE '%search_path%')
$$, 'webhook helpers in SQL set search_path');
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'solana'::regnamespace AND p.proname LIKE '\_webhook%'
       AND p.proname NOT IN ('_webhook_require', '_webhook_exists', '_webhook_wake')
       AND has_function_privilege('public', p.oid, 'EXECUTE')
$$, 'webhook helpers are not executable by PUBLIC');
SELECT is((SELECT boot_val FROM pg_settings WHERE name = 'solana.webhook_allow_private'), 'off', 'the SSRF guard is on by default');

-- signing: sign-1 and sign-secret-without-whsec-prefix of webhooks.json
SELECT is(solana.webhook_sign('whsec_vegDrTj/DsucJk9Pq45b7/QVLLhgNq51rIWCnYG9Y3I=',
                              'evt_2qXkHib0h930uWQxx', 1746903754, '{}'),
          'v1,2VHAtCEVMMGloPb1pIB90S8oY0JkJfv8zEjJsUSFy3I=', 'webhook_sign matches standardwebhooks');
SELECT is(solana.webhook_sign('vDg9VKPq49Ge3c/RKy0gNrxaB6j/4T6BcosBy51a+7o=', 'msg_raw', 1750000000, '{}'),
          'v1,dWeyJc/o9cOTWGWnv2DGIwKyk9gwZWInn6X5hKkVios=', 'the whsec_ prefix is optional');
SELECT is(solana.webhook_verify('whsec_vegDrTj/DsucJk9Pq45b7/QVLLhgNq51rIWCnYG9Y3I=', 'evt_2qXkHib0h930uWQxx',
                                '1746903754', 'v1,bad v1,2VHAtCEVMMGloPb1pIB90S8oY0JkJfv8zEjJsUSFy3I=', '{}',
                                300, 1746903764), NULL, 'webhook_verify accepts any matching v1 entry');
SELECT is(solana.webhook_verify('whsec_vegDrTj/DsucJk9Pq45b7/QVLLhgNq51rIWCnYG9Y3I=', 'evt_2qXkHib0h930uWQxx',
                                '1746903754', 'v1,2VHAtCEVMMGloPb1pIB90S8oY0JkJfv8zEjJsUSFy3I=', '{}',
                                300, 1746904055), 'Message timestamp too old', 'webhook_verify: 301 s old');
SELECT throws_ok($$SELECT solana.webhook_sign('whsec_abc', 'x', 1, '{}')$$, '22023', NULL, 'bad secret is 22023');
SELECT throws_ok($$SELECT solana.webhook_sign('whsec_YWJj', 'a b', 1, '{}')$$, '22023', NULL, 'bad message id is 22023');
SELECT matches(solana.generate_webhook_secret(), '^whsec_[A-Za-z0-9+/]{43}=$', 'generated secrets are 32 bytes');
SELECT isnt(solana.generate_webhook_secret(), solana.generate_webhook_secret(), 'generated secrets differ');

-- SSRF classes
SELECT is(solana.webhook_address_class(a::inet), c, 'address ' || a || ' is ' || c)
  FROM (VALUES ('127.0.0.1', 'loopback'), ('10.1.2.3', 'private'), ('192.168.0.10', 'private'),
               ('172.20.0.1', 'private'), ('169.254.169.254', 'metadata'), ('169.254.3.4', 'link-local'),
               ('100.64.1.1', 'cgnat'), ('0.0.0.0', 'unspecified'), ('::1', 'loopback'),
               ('::ffff:127.0.0.1', 'loopback'), ('fe80::1', 'link-local'), ('fd00::1', 'private'),
               ('fd00:ec2::254', 'metadata'), ('8.8.8.8', 'public'), ('2606:4700::1111', 'public'))
       AS v(a, c);

-- endpoint validation
SELECT throws_ok($$SELECT solana.add_webhook('bad', 'ftp://example.com/x')$$, '22023', NULL, 'ftp url is 22023');
SELECT throws_ok($$SELECT solana.add_webhook('bad', 'not a url')$$, '22023', NULL, 'garbage url is 22023');
SELECT throws_ok($$SELECT solana.add_webhook('bad', 'https://user:pw@example.com/')$$, '22023', NULL,
                 'credentials in the url are 22023');
SELECT throws_ok($$SELECT solana.add_webhook('bad', 'https://example.com/', headers => '{"webhook-id": "x"}')$$,
                 '22023', NULL, 'overriding a Standard Webhooks header is 22023');
SELECT throws_ok($$SELECT solana.add_webhook('bad', 'https://example.com/', headers => '{"x-a": "1\r\nx-b: 2"}')$$,
                 '22023', NULL, 'header injection is 22023');
SELECT throws_ok($$SELECT solana.add_webhook('bad', 'https://example.com/', headers => '{"x-a": 1}')$$,
                 '22023', NULL, 'non-string header is 22023');
SELECT throws_ok($$SELECT solana.add_webhook('bad', 'https://example.com/', secret => 'whsec_!!!!')$$,
                 '22023', NULL, 'bad secret is 22023');
SELECT throws_ok($$SELECT solana.add_webhook('bad', 'https://example.com/', event_types => '{nope}')$$,
                 '23514', NULL, 'unknown event type is a check violation');
SELECT throws_ok($$SELECT solana.webhook_secret(987654321)$$, '42704', NULL, 'missing webhook is 42704');

-- secret visibility
CREATE ROLE wh_alice;
CREATE ROLE wh_bob;
GRANT USAGE ON SCHEMA solana TO wh_alice, wh_bob;
GRANT SELECT, INSERT, UPDATE, DELETE ON solana.webhooks TO wh_alice, wh_bob;
GRANT SELECT, INSERT ON solana.webhook_deliveries TO wh_alice, wh_bob;
GRANT SELECT ON solana.webhook_stats TO wh_alice, wh_bob;
SET ROLE wh_alice;
CREATE TEMP TABLE alice_hook AS SELECT * FROM solana.add_webhook('alice', 'https://example.com/hook');
SELECT matches((SELECT secret FROM alice_hook), '^whsec_', 'add_webhook returns the secret to its creator');
SELECT is((SELECT secret FROM solana.webhooks WHERE name = 'alice'), (SELECT secret FROM alice_hook),
          'the creator reads the secret');
SELECT is(solana.webhook_secret((SELECT id FROM alice_hook)), (SELECT secret FROM alice_hook),
          'webhook_secret for the creator');
SELECT ok(solana.send_webhook((SELECT id FROM alice_hook), '{"hello": 1}') > 0, 'the creator sends');
RESET ROLE;
GRANT SELECT ON alice_hook TO wh_bob;
SET ROLE wh_bob;
SELECT is((SELECT count(*) FROM solana.webhooks), 0::bigint, 'another role sees no webhook row');
SELECT is((SELECT count(*) FROM solana.webhook_deliveries), 0::bigint, 'nor its deliveries');
SELECT is((SELECT count(*) FROM solana.webhook_stats), 0::bigint, 'nor its stats');
SELECT throws_ok($$SELECT solana.webhook_secret((SELECT id FROM alice_hook))$$, '42501', NULL,
                 'webhook_secret of another role is 42501');
SELECT throws_ok($$SELECT solana.rotate_webhook_secret((SELECT id FROM alice_hook))$$, '42501', NULL,
                 'rotating another role''s secret is 42501');
SELECT throws_ok($$SELECT solana.send_webhook((SELECT id FROM alice_hook), '{}')$$, '42501', NULL,
                 'sending through another role''s webhook is 42501');
SELECT throws_ok($$SELECT solana.replay_deliveries((SELECT id FROM alice_hook), '-infinity')$$, '42501', NULL,
                 'replaying another role''s deliveries is 42501');
SELECT throws_ok($$SELECT solana.retry_dead_deliveries((SELECT id FROM alice_hook))$$, '42501', NULL,
                 'retrying another role''s deliveries is 42501');
SELECT throws_ok($$INSERT INTO solana.webhook_deliveries (webhook_id, message_id, event_type, payload)
                   SELECT id, 'x', 'message', '{}' FROM alice_hook$$, '42501', NULL,
                 'inserting deliveries for another role''s webhook is 42501');
SELECT throws_ok($$INSERT INTO solana.webhooks (name, url, created_by) VALUES ('spoof', 'https://e.com/', 'wh_alice')$$,
                 '42501', NULL, 'creating a webhook in another role''s name is 42501');
SELECT is_empty($$UPDATE solana.webhooks SET url = 'https://evil.example/' RETURNING id$$,
                'updating another role''s webhook changes nothing');
RESET ROLE;
SELECT is((SELECT url FROM solana.webhooks WHERE name = 'alice'), 'https://example.com/hook', 'url unchanged');
SELECT is((SELECT count(*) FROM solana.webhooks WHERE name = 'alice'), 1::bigint, 'superusers see every webhook');
SET ROLE wh_alice;
SELECT ok(solana.rotate_webhook_secret((SELECT id FROM alice_hook), '1 hour') <> (SELECT secret FROM alice_hook),
          'rotation gives a new secret');
SELECT is((SELECT previous_secret FROM solana.webhooks WHERE name = 'alice'), (SELECT secret FROM alice_hook),
          'the old secret stays for the grace period');
RESET ROLE;
DELETE FROM solana.webhooks WHERE name = 'alice';

-- retry schedule
SELECT ok(solana.webhook_retry_delay(1) BETWEEN '4.5 s' AND '5.5 s', 'after 1 failure: 5 s +-10%');
SELECT ok(solana.webhook_retry_delay(2) BETWEEN '270 s' AND '330 s', 'after 2: 5 min');
SELECT ok(solana.webhook_retry_delay(3) BETWEEN '27 min' AND '33 min', 'after 3: 30 min');
SELECT ok(solana.webhook_retry_delay(4) BETWEEN '108 min' AND '132 min', 'after 4: 2 h');
SELECT ok(solana.webhook_retry_delay(5) BETWEEN '4.5 h' AND '5.5 h', 'after 5: 5 h');
SELECT ok(solana.webhook_retry_delay(9) BETWEEN '9 h' AND '11 h', 'after 9: 10 h, the cap of the schedule');
SELECT ok(solana.webhook_retry_delay(3, '{1 s, 2 s}') BETWEEN '1.8 s' AND '2.2 s', 'custom schedule repeats its last entry');
SELECT throws_ok($$SELECT solana.webhook_retry_delay(1, '{-1 s}')$$, '22023', NULL, 'negative schedule entry');

-- filters and the outbox on solana.events
SELECT solana.create_event_partitions(0, 1000);
CREATE TEMP TABLE hooks AS
SELECT (solana.add_webhook('all', 'https://example.com/all')).id AS all_id,
       (solana.add_webhook('prog', 'https://example.com/prog',
                           program_ids => ARRAY['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'::solana.pubkey])).id AS prog_id,
       (solana.add_webhook('name', 'https://example.com/name', event_names => '{Trade}')).id AS name_id,
       (solana.add_webhook('big', 'https://example.com/big', payload_filter => '{"event": {"data": {"size": "big"}}}')).id AS big_id,
       (solana.add_webhook('jobs', 'https://example.com/jobs', event_types => '{job}')).id AS job_id,
       (solana.add_webhook('off', 'https://example.com/off')).id AS off_id;
UPDATE solana.webhooks SET enabled = false WHERE name = 'off';
INSERT INTO solana.events (signature, slot, log_index, program_id, depth, event_name, data, raw, commitment)
VALUES (solana.signature(decode(repeat('01', 64), 'hex')), 10, 3, 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 1,
        'Trade', '{"size": "big"}', '\x0102', 'confirmed'),
       (solana.signature(decode(repeat('02', 64), 'hex')), 11, 0, '11111111111111111111111111111111', 1,
        'Deposit', '{"size": "small"}', '\x03', 'confirmed');
SELECT is((SELECT count(*) FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.all_id), 2::bigint,
          'an unfiltered webhook gets every event');
SELECT is((SELECT payload->'event'->>'name' FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.prog_id),
          'Trade', 'program filter');
SELECT is((SELECT count(*) FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.name_id), 1::bigint,
          'event name filter');
SELECT is((SELECT payload->>'slot' FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.big_id),
          '10', 'jsonb containment filter');
SELECT is((SELECT count(*) FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id IN (h.job_id, h.off_id)),
          0::bigint, 'other event types and disabled webhooks get nothing');
SELECT is((SELECT message_id FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.prog_id),
          'evt_' || solana.signature(decode(repeat('01', 64), 'hex'))::text || '_3',
          'message id evt_<signature>_<log_index>');
SELECT is((SELECT payload - 'block_time' FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.prog_id),
          jsonb_build_object('type', 'event', 'program', 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
                             'signature', solana.signature(decode(repeat('01', 64), 'hex'))::text,
                             'slot', 10, 'log_index', 3, 'commitment', 'confirmed', 'tx_failed', false,
                             'event', '{"name": "Trade", "data": {"size": "big"}}'::jsonb, 'raw', 'AQI='),
          'event payload');
SAVEPOINT before_rollback;
INSERT INTO solana.events (signature, slot, log_index, program_id, depth, raw, commitment)
VALUES (solana.signature(decode(repeat('03', 64), 'hex')), 12, 0, '11111111111111111111111111111111', 1, '\x', 'confirmed');
ROLLBACK TO SAVEPOINT before_rollback;
SELECT is((SELECT count(*) FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.all_id), 2::bigint,
          'a rolled-back event leaves no delivery');

-- finished jobs
SELECT solana.enqueue('whq', 'http', '{"url": "https://example.com/"}');
UPDATE solana.jobs SET state = 'succeeded', result = '{"ok": true}', finished_at = now() WHERE queue = 'whq';
SELECT is((SELECT payload->>'state' FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.job_id),
          'succeeded', 'a finished job is announced to job webhooks');
SELECT matches((SELECT message_id FROM solana.webhook_deliveries d, hooks h WHERE d.webhook_id = h.job_id),
               '^job_[0-9]+_succeeded$', 'message id job_<id>_<state>');

-- the delivery state machine, as the dispatcher drives it
DELETE FROM solana.webhooks;
CREATE TEMP TABLE sm AS
SELECT (solana.add_webhook('sm', 'https://example.com/sm', max_attempts => 3, max_in_flight => 1,
                           event_types => '{message}')).id AS id;
SELECT solana.send_webhook((SELECT id FROM sm), jsonb_build_object('n', g), 'msg_' || g)
  FROM generate_series(1, 5) g;
CREATE TEMP TABLE c1 AS SELECT * FROM solana._webhook_claim(10);
SELECT is((SELECT count(*) FROM c1), 2::bigint, 'claims twice max_in_flight (the dispatcher sends one, queues one)');
SELECT is((SELECT array_agg(message_id ORDER BY id) FROM c1), '{msg_1,msg_2}', 'oldest first');
SELECT is((SELECT body FROM c1 ORDER BY id LIMIT 1), '{"n": 1}', 'the body is the payload''s jsonb text');
SELECT is((SELECT count(*) FROM solana._webhook_claim(10, ARRAY[(SELECT id FROM sm)], '{2}')), 0::bigint,
          'no more while the dispatcher holds two');
SELECT is((SELECT count(*) FROM solana.webhook_deliveries
            WHERE state = 'pending' AND lease_expires_at > now() AND attempts = 1), 2::bigint,
          'claimed rows stay pending under a lease, with one attempt (a HOT update)');
SELECT is((SELECT row(pending, in_flight)::text FROM solana.webhook_stats WHERE webhook_id = (SELECT id FROM sm)),
          '(3,2)', 'stats count the leased rows as in flight');
SELECT solana._webhook_record((SELECT array_agg(id ORDER BY id) FROM c1), '{200, 500}', '{NULL, "HTTP 500: oops"}',
                              '{1.5, 2.5}', '{NULL, NULL}');
SELECT is((SELECT state FROM solana.webhook_deliveries WHERE message_id = 'msg_1'), 'delivered', '2xx is delivered');
SELECT is((SELECT row(state, last_status, last_error)::text FROM solana.webhook_deliveries WHERE message_id = 'msg_2'),
          '(failed,500,"HTTP 500: oops")', '500 is failed with the reason');
SELECT ok((SELECT next_attempt_at - now() BETWEEN '4.5 s' AND '5.5 s' FROM solana.webhook_deliveries
            WHERE message_id = 'msg_2'), 'retried after the first step of the schedule');
UPDATE solana.webhook_deliveries SET next_attempt_at = now() WHERE message_id = 'msg_2';
CREATE TEMP TABLE c2 AS SELECT * FROM solana._webhook_claim(1);
SELECT is((SELECT message_id FROM c2), 'msg_2', 'a due retry is claimed first');
SELECT solana._webhook_record((SELECT array_agg(id) FROM c2), '{429}', '{NULL}', '{1}', '{120}');
SELECT ok((SELECT next_attempt_at - now() BETWEEN '119 s' AND '121 s' FROM solana.webhook_deliveries
            WHERE message_id = 'msg_2'), '429 honours Retry-After');
UPDATE solana.webhook_deliveries SET next_attempt_at = now() WHERE message_id = 'msg_2';
CREATE TEMP TABLE c3 AS SELECT * FROM solana._webhook_claim(1);
SELECT solana._webhook_record((SELECT array_agg(id) FROM c3), '{NULL}', '{"timed out after 2000 ms"}', '{2000}', '{NULL}');
SELECT is((SELECT row(state, attempts)::text FROM solana.webhook_deliveries WHERE message_id = 'msg_2'),
          '(dead,3)', 'dead after max_attempts');
SELECT matches((SELECT last_error FROM solana.webhook_deliveries WHERE message_id = 'msg_2'),
               '^timed out after 2000 ms \(gave up after 3 attempts\)$', 'the reason is recorded');
SELECT is((SELECT consecutive_failures FROM solana.webhooks WHERE id = (SELECT id FROM sm)), 3,
          'failures in a row are counted');
-- circuit breaker: five failures in a row open it
UPDATE solana.webhooks SET consecutive_failures = 4 WHERE id = (SELECT id FROM sm);
CREATE TEMP TABLE c4 AS SELECT * FROM solana._webhook_claim(1);
SELECT solana._webhook_record((SELECT array_agg(id) FROM c4), '{503}', '{NULL}', '{1}', '{NULL}');
SELECT ok((SELECT circuit_open_until - now() = '30 s' FROM solana.webhooks WHERE id = (SELECT id FROM sm)),
          'the fifth failure in a row opens the breaker for 30 s');
SELECT is((SELECT circuit FROM solana.webhook_stats WHERE webhook_id = (SELECT id FROM sm)), 'open', 'stats show it open');
UPDATE solana.webhook_deliveries SET next_attempt_at = now() WHERE state = 'failed';
SELECT is((SELECT count(*) FROM solana._webhook_claim(10)), 0::bigint, 'nothing is sent while it is open');
UPDATE solana.webhooks SET circuit_open_until = now() WHERE id = (SELECT id FROM sm);
CREATE TEMP TABLE c5 AS SELECT * FROM solana._webhook_claim(10);
SELECT is((SELECT count(*) FROM c5), 1::bigint, 'half-open: one probe');
SELECT solana._webhook_record((SELECT array_agg(id) FROM c5), '{204}', '{NULL}', '{1}', '{NULL}');
SELECT is((SELECT row(consecutive_failures, circuit_open_until)::text FROM solana.webhooks WHERE id = (SELECT id FROM sm)),
          '(0,)', 'a success closes the breaker');
-- 410 Gone
CREATE TEMP TABLE c6 AS SELECT * FROM solana._webhook_claim(1);
SELECT solana._webhook_record((SELECT array_agg(id) FROM c6), '{410}', '{NULL}', '{1}', '{NULL}');
SELECT is((SELECT enabled FROM solana.webhooks WHERE id = (SELECT id FROM sm)), false, '410 disables the endpoint');
SELECT is((SELECT count(*) FROM solana.webhook_deliveries WHERE state IN ('pending', 'failed', 'in_flight')), 0::bigint,
          'every delivery of a gone endpoint ends delivered or dead');
SELECT is((SELECT last_error FROM solana.webhook_deliveries d JOIN c6 USING (id)),
          '410 Gone: the endpoint was disabled', '410 reason');
-- replay and retry
UPDATE solana.webhooks SET enabled = true WHERE id = (SELECT id FROM sm);
SELECT is(solana.retry_dead_deliveries((SELECT id FROM sm)),
          (SELECT count(*)::int FROM solana.webhook_deliveries WHERE state = 'dead'), 'retry_dead_deliveries');
SELECT is((SELECT count(*) FROM solana.webhook_deliveries WHERE state = 'dead'), 0::bigint, 'no dead left');
SELECT is(solana.replay_deliveries((SELECT id FROM sm), '-infinity', 'infinity'), 2, 'replay the delivered ones');
SELECT is((SELECT count(DISTINCT message_id) FROM solana.webhook_deliveries WHERE replay_of IS NOT NULL), 2::bigint,
          'replays keep their message ids');
-- rate limit: attempts per one-second window
CREATE TEMP TABLE rl AS
SELECT (solana.add_webhook('rl', 'https://example.com/rl', rate_limit => 2, event_types => '{message}')).id AS id;
SELECT solana.send_webhook((SELECT id FROM rl), '{}') FROM generate_series(1, 5);
-- (the dispatcher holds two of sm's: none of those is claimed here)
SELECT is((SELECT count(*) FROM solana._webhook_claim(10, ARRAY[(SELECT id FROM sm)], '{2}') c
            WHERE c.webhook_id = (SELECT id FROM rl)), 2::bigint,
          'rate_limit 2: two attempts in this second');
SELECT is((SELECT count(*) FROM solana._webhook_claim(10, ARRAY[(SELECT id FROM sm)], '{2}') c
            WHERE c.webhook_id = (SELECT id FROM rl)), 0::bigint,
          'then none until the window moves on');
UPDATE solana.webhooks SET rate_window_start = now() - interval '2 s' WHERE id = (SELECT id FROM rl);
SELECT is((SELECT count(*) FROM solana._webhook_claim(10, ARRAY[(SELECT id FROM sm)], '{2}') c
            WHERE c.webhook_id = (SELECT id FROM rl)), 2::bigint,
          'two more in the next window');
DELETE FROM solana.webhooks WHERE id = (SELECT id FROM rl);
-- an expired lease is claimed again
UPDATE solana.webhooks SET max_in_flight = 100 WHERE id = (SELECT id FROM sm);
CREATE TEMP TABLE c7 AS SELECT * FROM solana._webhook_claim(100);
UPDATE solana.webhook_deliveries SET lease_expires_at = now() - interval '1 s' WHERE id = (SELECT min(id) FROM c7);
SELECT is((SELECT array_agg(id) FROM solana._webhook_claim(100)), (SELECT array_agg(min) FROM (SELECT min(id) FROM c7) m),
          'a delivery whose lease expired (dispatcher killed) is claimed again');

-- the due set (solana._webhook_due) holds exactly the pending and failed
-- deliveries, after all of the above (outcomes, 410, retries, replay,
-- retry_dead, a webhook deleted) and after changes by hand
CREATE TEMP VIEW due_diff AS
    (SELECT delivery_id, webhook_id, next_attempt_at FROM solana._webhook_due
     EXCEPT ALL
     SELECT id, webhook_id, next_attempt_at FROM solana.webhook_deliveries WHERE state IN ('pending', 'failed'))
    UNION ALL
    (SELECT id, webhook_id, next_attempt_at FROM solana.webhook_deliveries WHERE state IN ('pending', 'failed')
     EXCEPT ALL
     SELECT delivery_id, webhook_id, next_attempt_at FROM solana._webhook_due);
SELECT ok((SELECT count(*) FROM solana._webhook_due) > 0, 'some deliveries are due');
SELECT is_empty('SELECT * FROM due_diff', 'the due set is the pending and failed deliveries');
SELECT solana._webhook_record((SELECT array_agg(id ORDER BY id) FROM c7),
                              (SELECT array_agg(200) FROM c7), NULL, NULL, NULL);
SELECT is((SELECT count(*) FROM solana._webhook_due q JOIN c7 ON c7.id = q.delivery_id), 0::bigint,
          'delivered deliveries leave the due set');
CREATE TEMP TABLE sent AS SELECT solana.send_webhook((SELECT id FROM sm), jsonb_build_object('n', g)) FROM generate_series(1, 4) g;
SELECT is((SELECT count(*) FROM solana._webhook_due WHERE webhook_id = (SELECT id FROM sm)), 4::bigint,
          'new deliveries join the due set');
UPDATE solana.webhook_deliveries SET next_attempt_at = now() + interval '1 hour'
 WHERE id = (SELECT min(delivery_id) FROM solana._webhook_due);
UPDATE solana.webhook_deliveries SET state = 'dead'
 WHERE id = (SELECT max(delivery_id) FROM solana._webhook_due);
DELETE FROM solana.webhook_deliveries
 WHERE id = (SELECT max(delivery_id) FROM solana._webhook_due);
SELECT is_empty('SELECT * FROM due_diff', 'rescheduled, finished and deleted by hand: the due set follows');
SELECT cmp_ok(solana.retry_dead_deliveries((SELECT id FROM sm)), '>', 0, 'dead deliveries made pending again');
SELECT is_empty('SELECT * FROM due_diff', 'retry_dead_deliveries: they are due again');
TRUNCATE solana.webhook_deliveries;
SELECT is((SELECT count(*) FROM solana._webhook_due), 0::bigint, 'TRUNCATE empties the due set');

-- the message id's CHECK (a C function, no regular expression)
SELECT is(ARRAY[solana.webhook_message_id_valid('msg_1'), solana.webhook_message_id_valid('a b'),
                solana.webhook_message_id_valid(''), solana.webhook_message_id_valid(repeat('x', 256)),
                solana.webhook_message_id_valid(repeat('x', 257)), solana.webhook_message_id_valid('é')],
          ARRAY[true, false, false, true, false, false],
          'message ids are 1 to 256 visible ASCII characters');
SELECT throws_ok($$INSERT INTO solana.webhook_deliveries (webhook_id, message_id, event_type, payload)
                   VALUES ((SELECT id FROM sm), 'a b', 'message', '{}')$$, '23514', NULL,
                 'a delivery with a space in its message id is a check violation');
-- the outcome's NOTIFY payload is built by concatenation, the message
-- id escaped by to_json (its text is checked by test/integration/webhooks.t)
CREATE TEMP TABLE q8 AS SELECT solana.send_webhook((SELECT id FROM sm), '{}', 'msg_"q"\x') AS id;
SELECT solana._webhook_record(ARRAY[(SELECT id FROM q8)], '{200}', NULL, NULL, NULL)
  FROM solana._webhook_claim(10) c WHERE c.id = (SELECT id FROM q8);
SELECT is((SELECT state FROM solana.webhook_deliveries WHERE id = (SELECT id FROM q8)), 'delivered',
          'delivered with a quote and a backslash in its message id');

SELECT * FROM finish();
ROLLBACK;
