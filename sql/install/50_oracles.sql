-- pg_solana install script, part 50: the price oracle system (issue 8).
--
-- A *feed* (solana.oracle_feeds) is a symbol with a policy; its
-- *sources* (solana.oracle_sources) are Pyth PriceUpdateV2 accounts,
-- Switchboard aggregator / pull feed accounts and custom signers.  Each
-- source holds its latest *sample* (exact numeric price, confidence,
-- observation time).  solana.aggregate_feed applies the policy to the
-- samples, writes every acceptance and rejection to solana.oracle_audit
-- and returns the aggregate; solana.publish_feed stores it in
-- solana.prices / solana.price_history and notifies `solana_prices`
-- when it moved enough or the heartbeat passed.  See docs/oracles.md.

-- ---------------------------------------------------------------------
-- readers (C)
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.pyth_price(
    data bytea,
    owner solana.pubkey DEFAULT NULL,
    OUT feed_id text,
    OUT price numeric,
    OUT conf numeric,
    OUT exponent integer,
    OUT publish_time bigint,
    OUT prev_publish_time bigint,
    OUT ema_price numeric,
    OUT ema_conf numeric,
    OUT posted_slot numeric,
    OUT verification_level text,
    OUT num_signatures integer,
    OUT write_authority solana.pubkey,
    OUT price_raw bigint,
    OUT conf_raw numeric)
    AS 'MODULE_PATHNAME', 'solana_pyth_price'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.pyth_price(bytea, solana.pubkey) IS
    'decode a Pyth PriceUpdateV2 account; price, conf and ema values are exact numerics (raw x 10^exponent, null when |exponent| > 64); times are unix seconds; a given owner must be the Pyth receiver or push oracle program';

CREATE FUNCTION solana.switchboard_price(
    data bytea,
    owner solana.pubkey DEFAULT NULL,
    current_slot numeric DEFAULT NULL,
    OUT layout text,
    OUT name text,
    OUT value numeric,
    OUT std_dev numeric,
    OUT num_samples integer,
    OUT slot numeric,
    OUT updated_at bigint,
    OUT mantissa numeric,
    OUT scale integer,
    OUT authority solana.pubkey,
    OUT queue solana.pubkey,
    OUT min_responses integer)
    AS 'MODULE_PATHNAME', 'solana_switchboard_price'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.switchboard_price(bytea, solana.pubkey, numeric) IS
    'decode a Switchboard v2 AggregatorAccountData (layout v2: latest confirmed round, value null without a successful round) or on-demand PullFeedAccountData (layout on_demand: with current_slot, value is the median of the submissions fresh at that slot as the SDK computes it, else the stored result)';

CREATE FUNCTION solana.offchain_message(
    message text,
    signers solana.pubkey[],
    version integer DEFAULT 1,
    application_domain solana.pubkey DEFAULT NULL,
    format integer DEFAULT NULL)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'solana_offchain_message'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION solana.offchain_message(text, solana.pubkey[], integer, solana.pubkey, integer) IS
    'the bytes a wallet signs for a Solana off-chain message, encoded as @solana/kit does (version 1: sorted signers; version 0: application domain and format, chosen when null)';

CREATE FUNCTION solana.offchain_verify(message bytea, signature solana.signature,
                                       signer solana.pubkey)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'solana_offchain_verify'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION solana.offchain_verify(bytea, solana.signature, solana.pubkey) IS
    'true when signature is signer''s ed25519 signature of the off-chain message and signer is one of its signers';

-- ---------------------------------------------------------------------
-- aggregates over price samples
-- ---------------------------------------------------------------------
CREATE FUNCTION solana._sample_append(s numeric[], a numeric)
    RETURNS numeric[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN a IS NULL THEN s ELSE s || a END $$;
CREATE FUNCTION solana._sample_append(s numeric[], a numeric, b numeric)
    RETURNS numeric[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN s ELSE s || ARRAY[a, b] END $$;
REVOKE ALL ON FUNCTION solana._sample_append(numeric[], numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION solana._sample_append(numeric[], numeric, numeric) FROM PUBLIC;
COMMENT ON FUNCTION solana._sample_append(numeric[], numeric) IS 'state function of solana.price_median';
COMMENT ON FUNCTION solana._sample_append(numeric[], numeric, numeric) IS 'state function of the two-argument price aggregates';

CREATE FUNCTION solana._median_final(s numeric[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    SELECT CASE WHEN n = 0 THEN NULL
                WHEN n % 2 = 1 THEN v[n / 2 + 1]
                ELSE trim_scale((v[n / 2] + v[n / 2 + 1]) * 0.5) END
      FROM (SELECT array_agg(x ORDER BY x) AS v, count(*)::int AS n
              FROM unnest(s) AS x) AS t
$$;
REVOKE ALL ON FUNCTION solana._median_final(numeric[]) FROM PUBLIC;
COMMENT ON FUNCTION solana._median_final(numeric[]) IS 'final function of solana.price_median';

-- lower weighted median; the midpoint when a cumulative weight is exactly
-- half (midpoints multiply by 0.5: exact, where numeric division rounds)
CREATE FUNCTION solana._weighted_median_final(s numeric[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    WITH pairs AS (
        SELECT s[2 * i - 1] AS p, s[2 * i] AS w
          FROM generate_series(1, coalesce(array_length(s, 1), 0) / 2) AS i
         WHERE s[2 * i] > 0),
    cum AS (
        SELECT p, sum(w) OVER (ORDER BY p ROWS UNBOUNDED PRECEDING) AS c,
               sum(w) OVER () AS total,
               lead(p) OVER (ORDER BY p) AS next_p
          FROM pairs)
    SELECT CASE WHEN c * 2 = total AND next_p IS NOT NULL
                THEN trim_scale((p + next_p) * 0.5) ELSE p END
      FROM cum
     WHERE c * 2 >= total
     ORDER BY p
     LIMIT 1
$$;
REVOKE ALL ON FUNCTION solana._weighted_median_final(numeric[]) FROM PUBLIC;
COMMENT ON FUNCTION solana._weighted_median_final(numeric[]) IS 'final function of solana.price_weighted_median';

-- inverse-variance mean; samples with zero confidence interval dominate
CREATE FUNCTION solana._confidence_weighted_final(s numeric[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    WITH pairs AS (
        SELECT s[2 * i - 1] AS p, abs(s[2 * i]) AS c
          FROM generate_series(1, coalesce(array_length(s, 1), 0) / 2) AS i)
    SELECT CASE
             WHEN bool_or(c = 0) THEN trim_scale(round(avg(p) FILTER (WHERE c = 0), 18))
             ELSE trim_scale(round(sum(p::numeric(1000, 40) / nullif(c * c, 0))
                                        / sum(1::numeric(1000, 40) / nullif(c * c, 0)), 18)) END
      FROM pairs
$$;
REVOKE ALL ON FUNCTION solana._confidence_weighted_final(numeric[]) FROM PUBLIC;
COMMENT ON FUNCTION solana._confidence_weighted_final(numeric[]) IS 'final function of solana.price_confidence_weighted';

CREATE FUNCTION solana._confidence_weighted_conf_final(s numeric[])
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    WITH pairs AS (
        SELECT abs(s[2 * i]) AS c
          FROM generate_series(1, coalesce(array_length(s, 1), 0) / 2) AS i)
    SELECT CASE WHEN count(*) = 0 THEN NULL
                WHEN bool_or(c = 0) THEN 0
                ELSE trim_scale(round(sqrt(1::numeric(1000, 40)
                                             / sum(1::numeric(1000, 40) / nullif(c * c, 0))), 18)) END
      FROM pairs
$$;
REVOKE ALL ON FUNCTION solana._confidence_weighted_conf_final(numeric[]) FROM PUBLIC;
COMMENT ON FUNCTION solana._confidence_weighted_conf_final(numeric[]) IS 'final function of solana.price_confidence_weighted_conf';

CREATE AGGREGATE solana.price_median(price numeric) (
    SFUNC = solana._sample_append, STYPE = numeric[], INITCOND = '{}',
    FINALFUNC = solana._median_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE solana.price_median(numeric) IS
    'median of the prices (mean of the two middle ones for an even count), exact numeric; nulls ignored';

CREATE AGGREGATE solana.price_weighted_median(price numeric, weight numeric) (
    SFUNC = solana._sample_append, STYPE = numeric[], INITCOND = '{}',
    FINALFUNC = solana._weighted_median_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE solana.price_weighted_median(numeric, numeric) IS
    'weighted median: the smallest price whose cumulative weight reaches half the total (midpoint with the next price when exactly half); rows with null or non-positive weight ignored';

CREATE AGGREGATE solana.price_confidence_weighted(price numeric, conf numeric) (
    SFUNC = solana._sample_append, STYPE = numeric[], INITCOND = '{}',
    FINALFUNC = solana._confidence_weighted_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE solana.price_confidence_weighted(numeric, numeric) IS
    'confidence-weighted mean sum(p/c^2)/sum(1/c^2) rounded to 18 decimals; when some conf is 0, the mean of those prices';

CREATE AGGREGATE solana.price_confidence_weighted_conf(price numeric, conf numeric) (
    SFUNC = solana._sample_append, STYPE = numeric[], INITCOND = '{}',
    FINALFUNC = solana._confidence_weighted_conf_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE solana.price_confidence_weighted_conf(numeric, numeric) IS
    'confidence interval of solana.price_confidence_weighted: 1/sqrt(sum(1/c^2)), rounded to 18 decimals';

-- ---------------------------------------------------------------------
-- feeds, sources, submissions, audit, prices
-- ---------------------------------------------------------------------
CREATE TABLE solana.oracle_feeds (
    symbol                  text PRIMARY KEY CHECK (symbol <> ''),
    method                  text NOT NULL DEFAULT 'median'
                            CHECK (method IN ('median', 'weighted_median', 'confidence_weighted')),
    max_staleness           interval NOT NULL DEFAULT '60 seconds'
                            CHECK (max_staleness > interval '0'),
    max_future              interval NOT NULL DEFAULT '10 seconds'
                            CHECK (max_future >= interval '0'),
    min_sources             integer NOT NULL DEFAULT 1 CHECK (min_sources >= 1),
    required_verification   text NOT NULL DEFAULT 'Full'
                            CHECK (required_verification IN ('Full', 'Partial')),
    max_conf_ratio          numeric CHECK (max_conf_ratio > 0),
    max_deviation_bps       numeric CHECK (max_deviation_bps > 0),
    update_threshold_bps    numeric NOT NULL DEFAULT 0 CHECK (update_threshold_bps >= 0),
    heartbeat               interval NOT NULL DEFAULT '5 minutes'
                            CHECK (heartbeat > interval '0'),
    required_signatures     integer NOT NULL DEFAULT 1 CHECK (required_signatures >= 1),
    created_at              timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE solana.oracle_feeds IS
    'price feeds and their policy: staleness, minimum sources, Pyth verification level, confidence/price ratio, outlier deviation (bps from the median), publish threshold (bps) and heartbeat, aggregation method, custom-signer quorum';

CREATE TABLE solana.oracle_sources (
    feed            text NOT NULL REFERENCES solana.oracle_feeds (symbol)
                    ON DELETE CASCADE ON UPDATE CASCADE,
    source_id       text NOT NULL CHECK (source_id <> ''),
    kind            text NOT NULL CHECK (kind IN ('pyth', 'switchboard', 'custom')),
    account         solana.pubkey,
    authority       solana.pubkey,
    weight          numeric NOT NULL DEFAULT 1 CHECK (weight > 0),
    active          boolean NOT NULL DEFAULT true,
    price           numeric,
    conf            numeric,
    observed_at     timestamptz,
    verification    text,
    slot            numeric,
    last_update     timestamptz,
    last_error      text,
    PRIMARY KEY (feed, source_id),
    CHECK (CASE kind WHEN 'custom' THEN authority IS NOT NULL AND account IS NULL
                     ELSE account IS NOT NULL AND authority IS NULL END)
);
CREATE INDEX oracle_sources_account_idx ON solana.oracle_sources (account)
    WHERE account IS NOT NULL;
COMMENT ON TABLE solana.oracle_sources IS
    'sources of a feed (a Pyth or Switchboard account, or a custom signer with its authority) with weight, active flag and the latest sample read from it';

CREATE TABLE solana.oracle_submissions (
    feed            text NOT NULL,
    source_id       text NOT NULL,
    price           bigint NOT NULL,
    exponent        integer NOT NULL,
    observed_at     timestamptz NOT NULL,
    signature       solana.signature NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed, source_id, observed_at),
    FOREIGN KEY (feed, source_id) REFERENCES solana.oracle_sources (feed, source_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE solana.oracle_submissions IS
    'verified submissions of custom signers; (feed, source, observed_at) is unique, so a replay is refused';

CREATE TABLE solana.oracle_audit (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint NOT NULL,
    feed            text NOT NULL,
    source_id       text,
    accepted        boolean NOT NULL,
    reason          text,
    price           numeric,
    conf            numeric,
    observed_at     timestamptz,
    computed_at     timestamptz NOT NULL
);
CREATE INDEX oracle_audit_feed_idx ON solana.oracle_audit (feed, computed_at);
CREATE SEQUENCE solana.oracle_audit_run_seq;
COMMENT ON TABLE solana.oracle_audit IS
    'one row per source per aggregation (accepted, or the reason it was rejected: inactive, no_data, stale, future, verification_level, non_positive, confidence, no_confidence, quorum, outlier) and a row without source when the feed had too few sources (min_sources)';
COMMENT ON SEQUENCE solana.oracle_audit_run_seq IS 'numbers aggregation runs in solana.oracle_audit';

CREATE TABLE solana.prices (
    feed            text PRIMARY KEY REFERENCES solana.oracle_feeds (symbol)
                    ON DELETE CASCADE ON UPDATE CASCADE,
    price           numeric NOT NULL,
    conf            numeric,
    sources_used    integer NOT NULL,
    method          text NOT NULL,
    computed_at     timestamptz NOT NULL,
    published_at    timestamptz NOT NULL
);
COMMENT ON TABLE solana.prices IS 'the latest published price of each feed';

CREATE TABLE solana.price_history (
    feed            text NOT NULL,
    price           numeric NOT NULL,
    conf            numeric,
    sources_used    integer NOT NULL,
    method          text NOT NULL,
    published_at    timestamptz NOT NULL
) PARTITION BY RANGE (published_at);
CREATE INDEX price_history_feed_idx ON solana.price_history (feed, published_at);
CREATE TABLE solana.price_history_default PARTITION OF solana.price_history DEFAULT;
COMMENT ON TABLE solana.price_history IS
    'every published update, partitioned by month of published_at (solana.create_price_history_partitions); rows outside the monthly partitions land in price_history_default';
COMMENT ON TABLE solana.price_history_default IS 'price history outside the monthly partitions';

SELECT pg_catalog.pg_extension_config_dump('solana.oracle_feeds', '');
SELECT pg_catalog.pg_extension_config_dump('solana.oracle_sources', '');
SELECT pg_catalog.pg_extension_config_dump('solana.oracle_submissions', '');

CREATE FUNCTION solana.create_price_history_partitions(
    from_month date DEFAULT (date_trunc('month', now()) - interval '1 month')::date,
    months integer DEFAULT 14)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    m date;
    made integer := 0;
    name text;
BEGIN
    IF months IS NULL OR months < 1 OR months > 1200 THEN
        RAISE EXCEPTION 'invalid number of months: %', months
            USING ERRCODE = '22023', HINT = 'Give 1 to 1200 months.';
    END IF;
    FOR i IN 0 .. months - 1 LOOP
        m := (date_trunc('month', from_month) + make_interval(months => i))::date;
        name := 'price_history_' || to_char(m, 'YYYYMM');
        CONTINUE WHEN to_regclass('solana.' || quote_ident(name)) IS NOT NULL;
        -- rows already in the default partition for that month move over
        EXECUTE format('CREATE TABLE solana.%I (LIKE solana.price_history)', name);
        EXECUTE format('WITH moved AS (DELETE FROM solana.price_history_default
                         WHERE published_at >= %L AND published_at < %L RETURNING *)
                        INSERT INTO solana.%I SELECT * FROM moved',
                       m, (m + interval '1 month')::date, name);
        EXECUTE format('ALTER TABLE solana.price_history ATTACH PARTITION solana.%I
                        FOR VALUES FROM (%L) TO (%L)', name, m, (m + interval '1 month')::date);
        made := made + 1;
    END LOOP;
    RETURN made;
END
$$;
COMMENT ON FUNCTION solana.create_price_history_partitions(date, integer) IS
    'create the monthly partitions of solana.price_history from from_month for months months (existing ones are skipped); returns how many were made';

SELECT solana.create_price_history_partitions();

-- ---------------------------------------------------------------------
-- aggregation and publication
-- ---------------------------------------------------------------------
CREATE TYPE solana._price_sample AS (
    source_id   text,
    kind        text,
    price       numeric,
    conf        numeric,
    weight      numeric,
    observed_at timestamptz,
    reason      text
);
COMMENT ON TYPE solana._price_sample IS 'one source''s sample while solana.aggregate_feed applies the policy';

CREATE FUNCTION solana._feed(symbol text) RETURNS solana.oracle_feeds
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    f solana.oracle_feeds;
BEGIN
    SELECT * INTO f FROM solana.oracle_feeds AS o WHERE o.symbol = _feed.symbol;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown price feed: "%"', symbol
            USING ERRCODE = '22023', HINT = 'Feeds are rows of solana.oracle_feeds.';
    END IF;
    RETURN f;
END
$$;
REVOKE ALL ON FUNCTION solana._feed(text) FROM PUBLIC;
COMMENT ON FUNCTION solana._feed(text) IS 'the feed row, or 22023 for an unknown symbol';

CREATE FUNCTION solana.aggregate_feed(
    symbol text,
    as_of timestamptz DEFAULT now(),
    OUT price numeric,
    OUT conf numeric,
    OUT sources_used integer,
    OUT sources_rejected integer,
    OUT method text,
    OUT computed_at timestamptz)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    f solana.oracle_feeds := solana._feed(symbol);
    samples solana._price_sample[];
    med numeric;
    custom_ok integer;
    has_custom boolean;
    run bigint := nextval('solana.oracle_audit_run_seq');
BEGIN
    method := f.method;
    computed_at := as_of;
    -- source-level rules, first match wins
    SELECT array_agg(ROW(s.source_id, s.kind, s.price, s.conf, s.weight, s.observed_at,
        CASE
            WHEN NOT s.active THEN 'inactive'
            WHEN s.price IS NULL OR s.observed_at IS NULL THEN 'no_data'
            WHEN s.observed_at < as_of - f.max_staleness THEN 'stale'
            WHEN s.observed_at > as_of + f.max_future THEN 'future'
            WHEN s.kind = 'pyth' AND f.required_verification = 'Full'
                 AND s.verification IS DISTINCT FROM 'Full' THEN 'verification_level'
            WHEN s.price <= 0 THEN 'non_positive'
            WHEN f.max_conf_ratio IS NOT NULL AND s.conf IS NOT NULL
                 AND s.conf > f.max_conf_ratio * s.price THEN 'confidence'
            WHEN f.method = 'confidence_weighted' AND s.conf IS NULL THEN 'no_confidence'
        END)::solana._price_sample ORDER BY s.source_id)
      INTO samples
      FROM solana.oracle_sources AS s
     WHERE s.feed = f.symbol;
    samples := coalesce(samples, '{}');

    -- custom signers count only once required_signatures of them are fresh
    SELECT count(*) FILTER (WHERE x.kind = 'custom' AND x.reason IS NULL),
           bool_or(x.kind = 'custom')
      INTO custom_ok, has_custom
      FROM unnest(samples) AS x;
    IF has_custom AND custom_ok < f.required_signatures THEN
        SELECT array_agg(ROW(x.source_id, x.kind, x.price, x.conf, x.weight, x.observed_at,
                   CASE WHEN x.kind = 'custom' AND x.reason IS NULL THEN 'quorum'
                        ELSE x.reason END)::solana._price_sample ORDER BY x.source_id)
          INTO samples FROM unnest(samples) AS x;
    END IF;

    -- outliers: too far from the median of what is left
    IF f.max_deviation_bps IS NOT NULL THEN
        SELECT solana.price_median(x.price) INTO med
          FROM unnest(samples) AS x WHERE x.reason IS NULL;
        IF med IS NOT NULL THEN
            SELECT array_agg(ROW(x.source_id, x.kind, x.price, x.conf, x.weight, x.observed_at,
                       CASE WHEN x.reason IS NULL
                             AND abs(x.price - med) * 10000 > f.max_deviation_bps * abs(med)
                            THEN 'outlier' ELSE x.reason END)::solana._price_sample
                       ORDER BY x.source_id)
              INTO samples FROM unnest(samples) AS x;
        END IF;
    END IF;

    SELECT count(*) FILTER (WHERE x.reason IS NULL),
           count(*) FILTER (WHERE x.reason IS NOT NULL)
      INTO sources_used, sources_rejected
      FROM unnest(samples) AS x;

    INSERT INTO solana.oracle_audit (run_id, feed, source_id, accepted, reason, price, conf,
                                     observed_at, computed_at)
    SELECT run, f.symbol, x.source_id, x.reason IS NULL, x.reason, x.price, x.conf,
           x.observed_at, as_of
      FROM unnest(samples) AS x;

    IF sources_used < f.min_sources THEN
        INSERT INTO solana.oracle_audit (run_id, feed, source_id, accepted, reason, computed_at)
        VALUES (run, f.symbol, NULL, false, 'min_sources', as_of);
        RETURN;
    END IF;

    IF f.method = 'median' THEN
        SELECT solana.price_median(x.price), solana.price_median(x.conf)
          INTO price, conf FROM unnest(samples) AS x WHERE x.reason IS NULL;
    ELSIF f.method = 'weighted_median' THEN
        SELECT solana.price_weighted_median(x.price, x.weight),
               solana.price_weighted_median(x.conf, x.weight)
          INTO price, conf FROM unnest(samples) AS x WHERE x.reason IS NULL;
    ELSE
        SELECT solana.price_confidence_weighted(x.price, x.conf),
               solana.price_confidence_weighted_conf(x.price, x.conf)
          INTO price, conf FROM unnest(samples) AS x WHERE x.reason IS NULL;
    END IF;
END
$$;
COMMENT ON FUNCTION solana.aggregate_feed(text, timestamptz) IS
    'apply the feed''s policy to its sources'' latest samples as of as_of (default now), write each acceptance or rejection to solana.oracle_audit, and return the aggregate (price null when fewer than min_sources were accepted)';

CREATE FUNCTION solana.publish_feed(symbol text, as_of timestamptz DEFAULT now())
    RETURNS boolean
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    f solana.oracle_feeds := solana._feed(symbol);
    a record;
    last solana.prices;
BEGIN
    SELECT * INTO a FROM solana.aggregate_feed(f.symbol, as_of);
    IF a.price IS NULL THEN
        RETURN false;
    END IF;
    SELECT * INTO last FROM solana.prices AS p WHERE p.feed = f.symbol FOR UPDATE;
    IF FOUND AND as_of - last.published_at < f.heartbeat
       AND abs(a.price - last.price) * 10000 < f.update_threshold_bps * abs(last.price) THEN
        RETURN false;
    END IF;
    INSERT INTO solana.prices AS p (feed, price, conf, sources_used, method, computed_at,
                                    published_at)
    VALUES (f.symbol, a.price, a.conf, a.sources_used, a.method, a.computed_at, as_of)
    ON CONFLICT (feed) DO UPDATE
        SET price = EXCLUDED.price, conf = EXCLUDED.conf,
            sources_used = EXCLUDED.sources_used, method = EXCLUDED.method,
            computed_at = EXCLUDED.computed_at, published_at = EXCLUDED.published_at;
    INSERT INTO solana.price_history (feed, price, conf, sources_used, method, published_at)
    VALUES (f.symbol, a.price, a.conf, a.sources_used, a.method, as_of);
    PERFORM pg_notify('solana_prices',
                      json_build_object('feed', f.symbol, 'price', a.price::text,
                                        'conf', a.conf::text, 'sources', a.sources_used,
                                        'published_at', extract(epoch FROM as_of))::text);
    RETURN true;
END
$$;
COMMENT ON FUNCTION solana.publish_feed(text, timestamptz) IS
    'aggregate the feed and, when the price moved by at least update_threshold_bps or heartbeat passed since the last publication, store it in solana.prices and solana.price_history and NOTIFY solana_prices; returns whether it published';

-- ---------------------------------------------------------------------
-- account samples: live (solana.accounts) and pulled (refresh_oracles)
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.oracle_account_update(
    account solana.pubkey,
    data bytea,
    slot numeric DEFAULT NULL,
    owner solana.pubkey DEFAULT NULL,
    publish boolean DEFAULT true)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    s record;
    p record;
    feeds text[] := '{}';
    published integer := 0;
    fd text;
    e_state text;
    e_msg text;
BEGIN
    FOR s IN SELECT o.feed, o.source_id, o.kind FROM solana.oracle_sources AS o
              WHERE o.account = oracle_account_update.account AND o.kind <> 'custom'
              ORDER BY o.feed, o.source_id FOR UPDATE
    LOOP
        BEGIN
            IF s.kind = 'pyth' THEN
                SELECT x.price, x.conf, to_timestamp(x.publish_time) AS observed_at,
                       x.verification_level AS verification, x.posted_slot AS slot
                  INTO STRICT p FROM solana.pyth_price(data, owner) AS x;
            ELSE
                SELECT x.value AS price, x.std_dev AS conf,
                       to_timestamp(x.updated_at) AS observed_at,
                       NULL::text AS verification, x.slot
                  INTO STRICT p
                  FROM solana.switchboard_price(data, owner, oracle_account_update.slot) AS x;
            END IF;
            UPDATE solana.oracle_sources AS o
               SET price = p.price, conf = p.conf, observed_at = p.observed_at,
                   verification = p.verification, slot = coalesce(p.slot, oracle_account_update.slot),
                   last_update = now(), last_error = NULL
             WHERE o.feed = s.feed AND o.source_id = s.source_id;
        EXCEPTION WHEN invalid_binary_representation OR numeric_value_out_of_range
                       OR invalid_parameter_value THEN
            -- bad account data never aborts the caller (the ingest batch)
            GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT;
            UPDATE solana.oracle_sources AS o
               SET price = NULL, last_update = now(), last_error = e_state || ': ' || e_msg
             WHERE o.feed = s.feed AND o.source_id = s.source_id;
            RAISE WARNING 'oracle source %/% (%): %', s.feed, s.source_id, account, e_msg;
        END;
        IF NOT s.feed = ANY (feeds) THEN
            feeds := feeds || s.feed;
        END IF;
    END LOOP;
    IF NOT publish THEN
        RETURN 0;
    END IF;
    FOREACH fd IN ARRAY feeds LOOP
        IF solana.publish_feed(fd) THEN
            published := published + 1;
        END IF;
    END LOOP;
    RETURN published;
END
$$;
COMMENT ON FUNCTION solana.oracle_account_update(solana.pubkey, bytea, numeric, solana.pubkey, boolean) IS
    'read a new state of an oracle account into the samples of every source on it (bad data is stored in last_error with a WARNING, never raised) and, unless publish is false, re-publish the affected feeds; returns how many published';

CREATE FUNCTION solana._oracle_account_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM solana.oracle_sources AS o WHERE o.account = NEW.pubkey) THEN
        PERFORM solana.oracle_account_update(NEW.pubkey, NEW.data, NEW.slot, NEW.owner);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION solana._oracle_account_changed() FROM PUBLIC;
COMMENT ON FUNCTION solana._oracle_account_changed() IS
    'trigger on solana.accounts: a followed oracle account changed, so its feeds re-aggregate';

DO $$
BEGIN
    IF to_regclass('solana.accounts') IS NOT NULL THEN
        CREATE TRIGGER accounts_oracle_update
            AFTER INSERT OR UPDATE OF data ON solana.accounts
            FOR EACH ROW EXECUTE FUNCTION solana._oracle_account_changed();
    END IF;
END
$$;

CREATE FUNCTION solana.follow_oracles(commitment text DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    a solana.pubkey;
    n integer := 0;
BEGIN
    IF to_regprocedure('solana.subscribe(text, solana.pubkey, text, jsonb, solana.signature, bigint, boolean)') IS NULL THEN
        RAISE EXCEPTION 'solana.subscribe is not available'
            USING ERRCODE = '55000', HINT = 'Account subscriptions come with the ingest worker.';
    END IF;
    FOR a IN SELECT DISTINCT o.account FROM solana.oracle_sources AS o
              WHERE o.account IS NOT NULL AND o.active
                AND NOT EXISTS (SELECT 1 FROM solana.subscriptions AS s
                                 WHERE s.kind = 'account' AND s.target = o.account)
    LOOP
        PERFORM solana.subscribe('account', a, commitment);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana.follow_oracles(text) IS
    'subscribe (ingest worker) to every active oracle account not yet followed, so that feeds re-aggregate live; returns how many subscriptions were added';

CREATE FUNCTION solana.refresh_oracles(batch_size integer DEFAULT 100)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    keys text[];
    res jsonb;
    v jsonb;
    slot numeric;
    n integer := 0;
    fd text;
BEGIN
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 100 THEN
        RAISE EXCEPTION 'invalid batch size: %', batch_size
            USING ERRCODE = '22023', HINT = 'getMultipleAccounts takes 1 to 100 accounts.';
    END IF;
    IF to_regprocedure('solana.rpc(text, jsonb, boolean)') IS NULL THEN
        RAISE EXCEPTION 'solana.rpc is not available'
            USING ERRCODE = '55000',
                  HINT = 'refresh_oracles reads accounts through the RPC gateway (solana.rpc).';
    END IF;
    FOR keys IN
        SELECT array_agg(t.a ORDER BY t.a)
          FROM (SELECT d.a, row_number() OVER (ORDER BY d.a) AS r
                  FROM (SELECT DISTINCT o.account::text AS a FROM solana.oracle_sources AS o
                         WHERE o.account IS NOT NULL AND o.active) AS d) AS t
         GROUP BY (t.r - 1) / batch_size
    LOOP
        EXECUTE 'SELECT solana.rpc($1, $2, false)' INTO res
          USING 'getMultipleAccounts',
                jsonb_build_array(to_jsonb(keys),
                                  jsonb_build_object('encoding', 'base64',
                                                     'commitment', current_setting('solana.commitment')));
        IF res ? 'result' THEN
            res := res -> 'result';
        END IF;
        slot := (res #>> '{context,slot}')::numeric;
        FOR i IN 1 .. array_length(keys, 1) LOOP
            v := res -> 'value' -> (i - 1);
            CONTINUE WHEN v IS NULL OR jsonb_typeof(v) = 'null';
            PERFORM solana.oracle_account_update(keys[i]::solana.pubkey,
                                                 decode(v #>> '{data,0}', 'base64'), slot,
                                                 (v ->> 'owner')::solana.pubkey, false);
            n := n + 1;
        END LOOP;
    END LOOP;
    -- every sample is in: each feed aggregates once
    FOR fd IN SELECT DISTINCT o.feed FROM solana.oracle_sources AS o
               WHERE o.account IS NOT NULL AND o.active ORDER BY 1
    LOOP
        PERFORM solana.publish_feed(fd);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION solana.refresh_oracles(integer) IS
    'pull every active oracle account with one getMultipleAccounts per batch (solana.rpc) and re-aggregate the feeds; for pg_cron; returns how many accounts were read';

-- ---------------------------------------------------------------------
-- custom signed feeds
-- ---------------------------------------------------------------------
CREATE FUNCTION solana.price_message(feed text, source_id text, price bigint,
                                     exponent integer, observed_at timestamptz)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, solana
AS $$
    SELECT 'pg_solana price v1' || E'\n' ||
           'feed: ' || feed || E'\n' ||
           'source: ' || source_id || E'\n' ||
           'price: ' || price || E'\n' ||
           'exponent: ' || exponent || E'\n' ||
           'observed_at: ' || extract(epoch FROM observed_at)::bigint
$$;
COMMENT ON FUNCTION solana.price_message(text, text, bigint, integer, timestamptz) IS
    'the canonical text a custom price source signs (as a version 1 off-chain message with the authority as only signer); observed_at in unix seconds';

CREATE FUNCTION solana.submit_price(
    feed text,
    source_id text,
    price bigint,
    exponent integer,
    observed_at timestamptz,
    signature solana.signature)
    RETURNS boolean
    LANGUAGE plpgsql
    SET search_path = pg_catalog, solana
AS $$
DECLARE
    f solana.oracle_feeds;
    s solana.oracle_sources;
    msg bytea;
    t timestamptz := now();
BEGIN
    IF feed IS NULL OR source_id IS NULL OR price IS NULL OR exponent IS NULL
       OR observed_at IS NULL OR signature IS NULL THEN
        RAISE EXCEPTION 'price submission has null fields'
            USING ERRCODE = '22023', DETAIL = 'feed, source_id, price, exponent, observed_at and signature are required.';
    END IF;
    f := solana._feed(feed);
    SELECT * INTO s FROM solana.oracle_sources AS o
     WHERE o.feed = f.symbol AND o.source_id = submit_price.source_id
     FOR UPDATE;
    IF NOT FOUND OR s.kind <> 'custom' THEN
        RAISE EXCEPTION 'unknown price source "%" for feed "%"', source_id, feed
            USING ERRCODE = '42501', HINT = 'Custom sources are rows of solana.oracle_sources with kind custom.';
    END IF;
    IF NOT s.active THEN
        RAISE EXCEPTION 'price source "%" of feed "%" is inactive', source_id, feed
            USING ERRCODE = '42501';
    END IF;
    IF exponent NOT BETWEEN -64 AND 64 THEN
        RAISE EXCEPTION 'price exponent % is out of range', exponent
            USING ERRCODE = '22023', HINT = 'Use an exponent from -64 to 64.';
    END IF;
    IF observed_at <> to_timestamp(extract(epoch FROM observed_at)::bigint) THEN
        RAISE EXCEPTION 'observed_at % is not a whole second', observed_at
            USING ERRCODE = '22023';
    END IF;
    IF observed_at < t - f.max_staleness THEN
        RAISE EXCEPTION 'price submission observed at % is stale', observed_at
            USING ERRCODE = '22023', DETAIL = format('Feed %s accepts observations up to %s old.', f.symbol, f.max_staleness);
    END IF;
    IF observed_at > t + f.max_future THEN
        RAISE EXCEPTION 'price submission observed at % is in the future', observed_at
            USING ERRCODE = '22023', DETAIL = format('Feed %s allows %s of clock skew.', f.symbol, f.max_future);
    END IF;
    msg := solana.offchain_message(solana.price_message(f.symbol, s.source_id, price, exponent,
                                                        observed_at),
                                   ARRAY[s.authority], 1);
    IF NOT solana.offchain_verify(msg, signature, s.authority) THEN
        RAISE EXCEPTION 'invalid signature on price submission from source "%"', source_id
            USING ERRCODE = '42501',
                  DETAIL = format('The signature does not verify with authority %s over the off-chain message of solana.price_message.', s.authority);
    END IF;
    IF s.observed_at IS NOT NULL AND observed_at <= s.observed_at
       OR EXISTS (SELECT 1 FROM solana.oracle_submissions AS x
                   WHERE x.feed = f.symbol AND x.source_id = s.source_id
                     AND x.observed_at = submit_price.observed_at) THEN
        RAISE EXCEPTION 'replayed price submission from source "%" observed at %', source_id, observed_at
            USING ERRCODE = '22023', DETAIL = 'A source submits each observation time once, in increasing order.';
    END IF;
    INSERT INTO solana.oracle_submissions (feed, source_id, price, exponent, observed_at, signature)
    VALUES (f.symbol, s.source_id, price, exponent, observed_at, signature);
    UPDATE solana.oracle_sources AS o
       SET price = trim_scale((submit_price.price::text || 'e' || submit_price.exponent)::numeric),
           conf = NULL, observed_at = submit_price.observed_at, verification = NULL,
           last_update = t, last_error = NULL
     WHERE o.feed = f.symbol AND o.source_id = s.source_id;
    RETURN solana.publish_feed(f.symbol, t);
END
$$;
COMMENT ON FUNCTION solana.submit_price(text, text, bigint, integer, timestamptz, solana.signature) IS
    'accept a custom source''s price (price x 10^exponent observed at observed_at) signed by its authority over solana.price_message as an off-chain message; 42501 for unknown or inactive sources and bad signatures, 22023 for malformed, stale, future or replayed submissions; returns whether the feed published';
