-- pgTAP: the price oracle system (issue 8): policy outcomes
-- (staleness, outliers, minimum sources, verification level,
-- confidence, threshold and heartbeat), each aggregation method's
-- arithmetic on exact numerics, custom signed submissions (signatures
-- made by @solana/kit with bench/oracles/sign_vectors.js, keys from the
-- seeds of ../shared/fixtures/offchain_messages.json), replay, quorum and
-- the SQLSTATEs of bad input.
BEGIN;
SET LOCAL search_path = public, solana;
SELECT plan(64);

-- ---------------------------------------------------------------------
-- ad hoc aggregates
-- ---------------------------------------------------------------------
SELECT is((SELECT solana.price_median(p) FROM (VALUES (3.5), (1.25), (2)) AS v(p)), 2::numeric,
          'price_median of an odd count is the middle value');
SELECT is((SELECT solana.price_median(p) FROM (VALUES (100.1), (100.2), (NULL), (1), (500)) AS v(p)),
          100.15::numeric, 'price_median of an even count is the exact mean of the middle two; nulls ignored');
SELECT is((SELECT solana.price_median(p) FROM (VALUES (NULL::numeric)) AS v(p)), NULL,
          'price_median of no prices is null');
SELECT is((SELECT solana.price_weighted_median(p, w)
             FROM (VALUES (100, 1), (101, 1), (110, 3)) AS v(p, w)), 110::numeric,
          'weighted median follows the weight');
SELECT is((SELECT solana.price_weighted_median(p, w)
             FROM (VALUES (200, 1), (100, 1)) AS v(p, w)), 150::numeric,
          'weighted median at exactly half the weight is the midpoint');
SELECT is((SELECT solana.price_weighted_median(p, w)
             FROM (VALUES (100, 2), (101, 1), (102, 1), (900, 0)) AS v(p, w)), 100.5::numeric,
          'weighted median ignores zero weights and splits at half');
SELECT is((SELECT solana.price_confidence_weighted(p, c)
             FROM (VALUES (100, 1), (110, 2)) AS v(p, c)), 102::numeric,
          'confidence-weighted mean is sum(p/c^2)/sum(1/c^2)');
SELECT is((SELECT solana.price_confidence_weighted_conf(p, c)
             FROM (VALUES (100, 3), (110, 4)) AS v(p, c)), 2.4::numeric,
          'its confidence is 1/sqrt(sum(1/c^2))');
SELECT is((SELECT solana.price_confidence_weighted(p, c)
             FROM (VALUES (100, 0), (104, 0), (50, 1)) AS v(p, c)), 102::numeric,
          'zero confidence intervals dominate');
SELECT is((SELECT solana.price_confidence_weighted(p, c)
             FROM (VALUES (0.000000000000000001, 0.5), (0.000000000000000003, 0.5)) AS v(p, c)),
          0.000000000000000002::numeric, 'confidence-weighted mean keeps 18 decimals exactly');

-- ---------------------------------------------------------------------
-- feed policy (samples set directly; readers are tested elsewhere)
-- ---------------------------------------------------------------------
INSERT INTO solana.oracle_feeds (symbol) VALUES ('SOL/USD');
INSERT INTO solana.oracle_sources (feed, source_id, kind, account, weight) VALUES
    ('SOL/USD', 'pyth', 'pyth', solana.pubkey(decode(repeat('01', 32), 'hex')), 1),
    ('SOL/USD', 'sb', 'switchboard', solana.pubkey(decode(repeat('02', 32), 'hex')), 1),
    ('SOL/USD', 'sb2', 'switchboard', solana.pubkey(decode(repeat('03', 32), 'hex')), 3);
UPDATE solana.oracle_sources SET price = 100.50, conf = 0.10, verification = 'Full',
       observed_at = '2001-01-01 00:00:00+00' WHERE source_id = 'pyth';
UPDATE solana.oracle_sources SET price = 100.70, conf = 0.20,
       observed_at = '2001-01-01 00:00:05+00' WHERE source_id = 'sb';
UPDATE solana.oracle_sources SET price = 130, conf = 1,
       observed_at = '2001-01-01 00:00:10+00' WHERE source_id = 'sb2';

CREATE TEMP TABLE agg AS SELECT * FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00');
SELECT results_eq('SELECT price, conf, sources_used, sources_rejected, method FROM agg',
                  $$VALUES (100.70::numeric, 0.20::numeric, 3, 0, 'median')$$,
                  'median of three fresh sources');
SELECT is((SELECT count(*)::int FROM solana.oracle_audit WHERE feed = 'SOL/USD' AND accepted), 3,
          'every accepted source is audited');

UPDATE solana.oracle_feeds SET method = 'weighted_median' WHERE symbol = 'SOL/USD';
SELECT is((SELECT price FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00')), 130::numeric,
          'weighted median: weight 3 of 5 wins');
UPDATE solana.oracle_feeds SET method = 'confidence_weighted' WHERE symbol = 'SOL/USD';
-- (100.5/0.01 + 100.7/0.04 + 130/1) / (100 + 25 + 1) = 12697.5 / 126
SELECT is((SELECT price FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00')),
          100.773809523809523810::numeric, 'confidence-weighted mean of the three, 18 decimals');
UPDATE solana.oracle_feeds SET method = 'median' WHERE symbol = 'SOL/USD';

-- outliers
UPDATE solana.oracle_feeds SET max_deviation_bps = 500 WHERE symbol = 'SOL/USD';
SELECT results_eq($$SELECT price, sources_used, sources_rejected
                     FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00')$$,
                  $$VALUES (100.6::numeric, 2, 1)$$,
                  'a source 29% off the median is rejected as an outlier (500 bps)');
SELECT is((SELECT reason FROM solana.oracle_audit WHERE feed = 'SOL/USD' AND source_id = 'sb2'
            ORDER BY id DESC LIMIT 1), 'outlier', 'audit says outlier');
UPDATE solana.oracle_feeds SET max_deviation_bps = 3000 WHERE symbol = 'SOL/USD';
SELECT is((SELECT sources_used FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00')), 3,
          'within 3000 bps it is kept');
UPDATE solana.oracle_feeds SET max_deviation_bps = NULL WHERE symbol = 'SOL/USD';

-- staleness and the future
SELECT results_eq($$SELECT price, sources_used FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:01:02+00')$$,
                  $$VALUES (115.35::numeric, 2)$$,
                  'a sample older than max_staleness (60 s) is dropped');
SELECT is((SELECT reason FROM solana.oracle_audit WHERE feed = 'SOL/USD' AND source_id = 'pyth'
            ORDER BY id DESC LIMIT 1), 'stale', 'audit says stale');
SELECT is((SELECT sources_used FROM solana.aggregate_feed('SOL/USD', '2000-12-31 23:59:55+00')), 2,
          'a sample more than max_future ahead is dropped');
SELECT is((SELECT reason FROM solana.oracle_audit WHERE feed = 'SOL/USD' AND source_id = 'sb2'
            ORDER BY id DESC LIMIT 1), 'future', 'audit says future');

-- minimum sources
UPDATE solana.oracle_feeds SET min_sources = 3 WHERE symbol = 'SOL/USD';
SELECT results_eq($$SELECT price, sources_used FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:01:02+00')$$,
                  $$VALUES (NULL::numeric, 2)$$, 'fewer than min_sources: no price');
SELECT is((SELECT reason FROM solana.oracle_audit WHERE feed = 'SOL/USD' AND source_id IS NULL
            ORDER BY id DESC LIMIT 1), 'min_sources', 'audit says min_sources');
UPDATE solana.oracle_feeds SET min_sources = 1 WHERE symbol = 'SOL/USD';

-- Pyth verification level
UPDATE solana.oracle_sources SET verification = 'Partial' WHERE source_id = 'pyth';
SELECT is((SELECT sources_used FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00')), 2,
          'a Partial Pyth update is rejected when Full is required (default)');
SELECT is((SELECT reason FROM solana.oracle_audit WHERE feed = 'SOL/USD' AND source_id = 'pyth'
            ORDER BY id DESC LIMIT 1), 'verification_level', 'audit says verification_level');
UPDATE solana.oracle_feeds SET required_verification = 'Partial' WHERE symbol = 'SOL/USD';
SELECT is((SELECT sources_used FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00')), 3,
          'accepted when the feed allows Partial');
UPDATE solana.oracle_sources SET verification = 'Full' WHERE source_id = 'pyth';

-- confidence ratio and inactive sources
UPDATE solana.oracle_feeds SET max_conf_ratio = 0.005 WHERE symbol = 'SOL/USD';
SELECT results_eq($$SELECT price, sources_used FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00')$$,
                  $$VALUES (100.6::numeric, 2)$$, 'conf/price above max_conf_ratio is rejected');
SELECT is((SELECT reason FROM solana.oracle_audit WHERE feed = 'SOL/USD' AND source_id = 'sb2'
            ORDER BY id DESC LIMIT 1), 'confidence', 'audit says confidence');
UPDATE solana.oracle_feeds SET max_conf_ratio = NULL WHERE symbol = 'SOL/USD';
UPDATE solana.oracle_sources SET active = false WHERE source_id = 'sb2';
SELECT is((SELECT price FROM solana.aggregate_feed('SOL/USD', '2001-01-01 00:00:30+00')), 100.6::numeric,
          'inactive sources do not count');
UPDATE solana.oracle_sources SET active = true WHERE source_id = 'sb2';

-- publication: threshold and heartbeat
UPDATE solana.oracle_feeds SET update_threshold_bps = 10, heartbeat = '1 minute' WHERE symbol = 'SOL/USD';
SELECT ok(solana.publish_feed('SOL/USD', '2001-01-01 00:00:30+00'), 'first aggregate publishes');
SELECT is((SELECT price FROM solana.prices WHERE feed = 'SOL/USD'), 100.70::numeric, 'solana.prices has it');
SELECT ok(NOT solana.publish_feed('SOL/USD', '2001-01-01 00:00:40+00'), 'unchanged price within the heartbeat does not publish');
UPDATE solana.oracle_sources SET price = 100.75, observed_at = '2001-01-01 00:00:45+00' WHERE source_id = 'sb';
SELECT ok(NOT solana.publish_feed('SOL/USD', '2001-01-01 00:00:50+00'), 'a 5 bps move is under the 10 bps threshold');
UPDATE solana.oracle_sources SET price = 100.85, observed_at = '2001-01-01 00:00:55+00' WHERE source_id = 'sb';
SELECT ok(solana.publish_feed('SOL/USD', '2001-01-01 00:00:56+00'), 'a 15 bps move publishes');
SELECT ok(NOT solana.publish_feed('SOL/USD', '2001-01-01 00:01:56+00'), 'all samples stale: nothing to publish');
UPDATE solana.oracle_sources SET observed_at = '2001-01-01 00:01:50+00';
SELECT ok(solana.publish_feed('SOL/USD', '2001-01-01 00:01:57+00'), 'after the heartbeat an unchanged price publishes');
SELECT results_eq($$SELECT price, published_at FROM solana.price_history WHERE feed = 'SOL/USD' ORDER BY published_at$$,
                  $$VALUES (100.70::numeric, '2001-01-01 00:00:30+00'::timestamptz),
                           (100.85, '2001-01-01 00:00:56+00'),
                           (100.85, '2001-01-01 00:01:57+00')$$,
                  'price_history holds every publication');
SELECT ok((SELECT bool_and(tableoid = 'solana.price_history_default'::regclass)
             FROM solana.price_history WHERE feed = 'SOL/USD'),
          'history outside the monthly partitions lands in the default one');
SELECT is(solana.create_price_history_partitions('2001-01-01', 1), 1, 'a monthly partition can be added later');
SELECT is((SELECT count(*)::int FROM solana.price_history_200101), 3, 'and takes over that month''s rows');

SELECT throws_ok($$SELECT * FROM solana.aggregate_feed('NOPE/USD')$$, '22023', 'unknown price feed: "NOPE/USD"',
                 'unknown feed raises 22023');

-- ---------------------------------------------------------------------
-- custom signed feed: quorum of 2
-- ---------------------------------------------------------------------
INSERT INTO solana.oracle_feeds (symbol, max_staleness, required_signatures)
VALUES ('TEST/USD', '100 years', 2), ('STALE/USD', '1 hour', 1);
INSERT INTO solana.oracle_sources (feed, source_id, kind, authority, active) VALUES
    ('TEST/USD', 'alpha', 'custom', '4iyfw9oocCAnXpawoMHtRBtcFxg3Q74DDZxnp3vcLRqP', true),
    ('TEST/USD', 'beta', 'custom', 'AXs4kzUQsKf6A8FaEXvU2Xyg3BaF6g27fkzpcLhfZoVz', true),
    ('TEST/USD', 'gamma', 'custom', '7Atmo8JCEwgNxhfBKhWwoWX1mmX53fawzx2gC5cCrYDM', false),
    ('STALE/USD', 'alpha', 'custom', '4iyfw9oocCAnXpawoMHtRBtcFxg3Q74DDZxnp3vcLRqP', true);

SELECT is(solana.price_message('TEST/USD', 'alpha', 10050, -2, to_timestamp(1704067200)),
          E'pg_solana price v1\nfeed: TEST/USD\nsource: alpha\nprice: 10050\nexponent: -2\nobserved_at: 1704067200',
          'the canonical price message');

SELECT ok(NOT solana.submit_price('TEST/USD', 'alpha', 10050, -2, to_timestamp(1704067200),
          '3D3yHkdF9ABHanB9BEqBCd4SsxQQc6KWeNx6wBHveUAwBuj6yCx7qwpDXTqfAFnWLfC9yzgrnRdbLvNXBCUkeYCW'),
          'a first signed submission is accepted but one signer is below the quorum');
SELECT is((SELECT price FROM solana.oracle_sources WHERE feed = 'TEST/USD' AND source_id = 'alpha'),
          100.5::numeric, 'the sample is price x 10^exponent');
SELECT is((SELECT reason FROM solana.oracle_audit WHERE feed = 'TEST/USD' AND source_id = 'alpha'
            ORDER BY id DESC LIMIT 1), 'quorum', 'audit says quorum');
SELECT ok(solana.submit_price('TEST/USD', 'beta', 10070, -2, to_timestamp(1704067200),
          '4rqf9ngDwzSizR4jtdYXCsfQjyDkRtYsaWTGqD9A98jJxeHfyXJXfuoS2vaoY9LQFzkCbsy9hQsgYGB1mJgV797u'),
          'the second signer meets the quorum and the feed publishes');
SELECT results_eq($$SELECT price, sources_used FROM solana.prices WHERE feed = 'TEST/USD'$$,
                  $$VALUES (100.6::numeric, 2)$$, 'the published price is the median of the two');

SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'alpha', 10050, -2, to_timestamp(1704067200),
          '3D3yHkdF9ABHanB9BEqBCd4SsxQQc6KWeNx6wBHveUAwBuj6yCx7qwpDXTqfAFnWLfC9yzgrnRdbLvNXBCUkeYCW')$$,
                 '22023', NULL, 'a replayed submission raises 22023');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'alpha', 10040, -2, to_timestamp(1704067199),
          '5QRapMxJsus1XLM7V4FFVsAYGKAQ8XaScAq3DpcwLbAs6PeWCga4qJ59QopKC39d23E1TMd4DsYEpfKL6eL6yNZg')$$,
                 '22023', NULL, 'an older observation than the last raises 22023');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'alpha', 10061, -2, to_timestamp(1704067260),
          '22ruAhdbP2NBm4A9qmJJqjP49n3KMXpiiuZRxETdeUqDfBnsDEBp9mWA4r3FC2okuhxpEkoX2ZZ3uwg88q16p3Rb')$$,
                 '42501', 'invalid signature on price submission from source "alpha"',
                 'a price that differs from the signed one raises 42501');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'alpha', 10060, -2, to_timestamp(1704067320),
          '4ubFg8zbFApniSnuTAUXkt2ki6R6Mj9oio721qxYUvCAp9v1QrHMprMCXJ2ogfiPYoyis9TbMMXoSub8byRrmiBA')$$,
                 '42501', NULL, 'a message signed by another key raises 42501');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'gamma', 10000, -2, to_timestamp(1704067200),
          '3sQhXZqMv8sFwPA1FBuKaKwWHk61RvwkQ7Zps1Ehtp4ZWoA8zr1rpAWetmmTv1V2ZEa67TWaMfh1PVDBFgiyPiNu')$$,
                 '42501', 'price source "gamma" of feed "TEST/USD" is inactive',
                 'an inactive source raises 42501 even with a good signature');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'delta', 10000, -2, to_timestamp(1704067200),
          '3sQhXZqMv8sFwPA1FBuKaKwWHk61RvwkQ7Zps1Ehtp4ZWoA8zr1rpAWetmmTv1V2ZEa67TWaMfh1PVDBFgiyPiNu')$$,
                 '42501', NULL, 'an unknown source raises 42501');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'alpha', 10000, -2, to_timestamp(4102444800),
          '5w9r3Q3oF61sk6EN7LMBsP6FMpAXnsymm1iVKiHUBBe6dj5mJCn4wacujLKXNinaJYFV6TJWGBVGydg2ryMwS8Sa')$$,
                 '22023', NULL, 'an observation in the future raises 22023');
SELECT throws_ok($$SELECT solana.submit_price('STALE/USD', 'alpha', 10000, -2, to_timestamp(1704067200),
          '2wM1VmhM34fknqs9fEtjqDKgRzYrEYLUzFosZ2wxaoKgSVYd3873uvGU5sJhrZnAequpi53EYFd8E9NHnAJLPj5u')$$,
                 '22023', NULL, 'a stale observation raises 22023');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'alpha', 10000, 99, to_timestamp(1704067200),
          '2wM1VmhM34fknqs9fEtjqDKgRzYrEYLUzFosZ2wxaoKgSVYd3873uvGU5sJhrZnAequpi53EYFd8E9NHnAJLPj5u')$$,
                 '22023', 'price exponent 99 is out of range', 'an exponent past 64 raises 22023');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'alpha', 10000, -2, to_timestamp(1704067200.5),
          '2wM1VmhM34fknqs9fEtjqDKgRzYrEYLUzFosZ2wxaoKgSVYd3873uvGU5sJhrZnAequpi53EYFd8E9NHnAJLPj5u')$$,
                 '22023', NULL, 'a fractional observation time raises 22023');
SELECT throws_ok($$SELECT solana.submit_price('TEST/USD', 'alpha', NULL, -2, to_timestamp(1704067200),
          '2wM1VmhM34fknqs9fEtjqDKgRzYrEYLUzFosZ2wxaoKgSVYd3873uvGU5sJhrZnAequpi53EYFd8E9NHnAJLPj5u')$$,
                 '22023', NULL, 'a null price raises 22023');
SELECT results_eq($$SELECT count(*)::int, max(observed_at) FROM solana.oracle_submissions WHERE feed = 'TEST/USD'$$,
                  $$VALUES (2, to_timestamp(1704067200))$$, 'nothing of a refused submission was written');
SELECT ok(solana.submit_price('TEST/USD', 'alpha', 10060, -2, to_timestamp(1704067260),
          '22ruAhdbP2NBm4A9qmJJqjP49n3KMXpiiuZRxETdeUqDfBnsDEBp9mWA4r3FC2okuhxpEkoX2ZZ3uwg88q16p3Rb'),
          'a newer observation from alpha publishes again');
SELECT is((SELECT price FROM solana.prices WHERE feed = 'TEST/USD'), 100.65::numeric,
          'median of alpha 100.60 and beta 100.70');

-- ---------------------------------------------------------------------
-- off-chain messages from SQL match the fixtures
-- ---------------------------------------------------------------------
SELECT is(replace(encode(solana.offchain_message('Sign in to pg_solana',
                 ARRAY['4iyfw9oocCAnXpawoMHtRBtcFxg3Q74DDZxnp3vcLRqP'::solana.pubkey], 0,
                 '11111111111111111111111111111111'), 'base64'), E'\n', ''),
          '/3NvbGFuYSBvZmZjaGFpbgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABN1PzzeHRnBLCtFGCOMOd7RjEDG7gdkOWa1crLYJmt54UAFNpZ24gaW4gdG8gcGdfc29sYW5h',
          'offchain_message v0 equals the fixture v0-ascii');
SELECT ok(solana.offchain_verify(decode('/3NvbGFuYSBvZmZjaGFpbgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABN1PzzeHRnBLCtFGCOMOd7RjEDG7gdkOWa1crLYJmt54UAFNpZ24gaW4gdG8gcGdfc29sYW5h', 'base64'),
          '4G9qMA5HxUyvtC8vF7qUFf7BknCHxg69MQVfDjhqhD8F4PC5KdRgXnBGi96dB65WSr8c1MFM2X8DcXADyj1wBjMo',
          '4iyfw9oocCAnXpawoMHtRBtcFxg3Q74DDZxnp3vcLRqP'), 'offchain_verify accepts the fixture signature');
SELECT throws_ok($$SELECT solana.offchain_message('', ARRAY['4iyfw9oocCAnXpawoMHtRBtcFxg3Q74DDZxnp3vcLRqP'::solana.pubkey])$$,
                 '22023', 'invalid off-chain message', 'an empty off-chain message raises 22023');

SELECT * FROM finish();
ROLLBACK;
