-- pg_solana install script, part 62: the network side of the send
-- state machine, run by the dispatcher's `transaction` job kind.
--
-- A *step* is one JSON-RPC exchange of a transaction job.  The job's
-- payload names the step and holds the request (method, params) the
-- dispatcher sends, plus what the next steps need (blockhash, price,
-- unit limit).  When the answer is in, the dispatcher calls
-- solana._transaction_step inside its write-back transaction; it moves
-- the transaction row (part 61's checked transitions) and rewrites the
-- job's payload for the next step in that same transaction, then puts
-- the job back in the queue with solana.fail(retry_in).  The row and
-- the payload therefore never disagree after a crash: a lost answer
-- repeats its step, and every step is safe to repeat (sends carry the
-- same signed bytes; re-signing needs the row to be `expired`).
--
-- Steps:
--   begin     getLatestBlockhash (again after waiting for an in-flight slot)
--   fees      getRecentPrioritizationFees over the writable accounts
--   simulate  simulateTransaction (no signature check) for the unit limit
--   send      sendTransaction of the signed bytes (preflight on the
--             first send of a signing only)
--   status    getSignatureStatuses (searchTransactionHistory)
--   height    getBlockHeight: rebroadcast, or past last_valid_block_height
--   expire    getSignatureStatuses again once the height passed; still
--             unknown -> expired, then begin (re-sign with a new blockhash)
--   fetch     getTransaction: slot, fee, compute units, error, logs

-- base64 without the line breaks encode() puts every 76 characters
CREATE FUNCTION solana._base64(b bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, solana AS $$
    SELECT translate(encode(b, 'base64'), E'\n', '')
$$;
REVOKE ALL ON FUNCTION solana._base64(bytea) FROM PUBLIC;

-- the job's next payload for `step`; `extra` keeps blockhash and friends
CREATE FUNCTION solana._transaction_payload(p jsonb, step text, method text, params jsonb,
                                            extra jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, solana AS $$
    SELECT (p - 'step' - 'method' - 'params') || extra
           || jsonb_build_object('step', step, 'method', method, 'params', params)
$$;
REVOKE ALL ON FUNCTION solana._transaction_payload(jsonb, text, text, jsonb, jsonb) FROM PUBLIC;

-- put the job back in the queue with its next payload, due in delay_ms
CREATE FUNCTION solana._transaction_requeue(job_id bigint, p jsonb, delay_ms integer, note text)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
BEGIN
    UPDATE solana.jobs SET payload = p WHERE id = job_id;
    PERFORM solana.fail(job_id, note, make_interval(secs => greatest(delay_ms, 0) / 1000.0));
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION solana._transaction_requeue(bigint, jsonb, integer, text) FROM PUBLIC;

-- the unsigned wire form (zero signatures) of a row's message with the
-- given unit limit and price, for simulateTransaction
CREATE FUNCTION solana._transaction_unsigned(t solana.transactions, blockhash text)
RETURNS bytea LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    m bytea;
    n integer;
BEGIN
    m := solana.compile_message(solana._transaction_instructions(t), t.payer, blockhash,
                                t.lookup_tables, t.version);
    n := get_byte(m, CASE WHEN get_byte(m, 0) >= 128 THEN 1 ELSE 0 END);
    RETURN set_byte('\x00'::bytea, 0, n) || decode(repeat('00', 64 * n), 'hex') || m;
END
$$;
REVOKE ALL ON FUNCTION solana._transaction_unsigned(solana.transactions, text) FROM PUBLIC;

CREATE FUNCTION solana._transaction_step(job_id bigint, payload jsonb, body text,
                                         transport_error text)
RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog, solana AS $$
DECLARE
    tx_id bigint := (payload->>'transaction_id')::bigint;
    step text := coalesce(payload->>'step', 'begin');
    t solana.transactions;
    opts jsonb;
    resp jsonb;
    res jsonb;
    err jsonb;
    v jsonb;
    poll_ms integer;
    rebroadcast_ms integer;
    limit_global integer;
    limit_batch integer;
    price bigint;
    units integer;
    h bigint;
    w bytea;
    st text;
    accounts text[];
    tmp solana.transactions;
    sig_params jsonb;
BEGIN
    SELECT * INTO t FROM solana.transactions WHERE id = tx_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('transaction_id', tx_id, 'error', 'transaction does not exist');
    END IF;
    IF t.state IN ('finalized', 'failed') THEN
        RETURN jsonb_build_object('transaction_id', tx_id, 'state', t.state,
                                  'signature', t.signature::text, 'slot', t.slot);
    END IF;
    SELECT options INTO opts FROM solana.transaction_batches WHERE id = t.batch_id;
    poll_ms := coalesce((opts->>'poll_ms')::integer, 400);
    rebroadcast_ms := coalesce((opts->>'rebroadcast_ms')::integer, 2000);
    sig_params := jsonb_build_array(jsonb_build_array(t.signature::text),
                                    jsonb_build_object('searchTransactionHistory', true));

    -- the row decides when the payload is behind it (a repeated job)
    IF t.state IN ('intent', 'expired') AND step NOT IN ('begin', 'fees', 'simulate') THEN
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'begin', 'getLatestBlockhash',
                                        '[{"commitment":"confirmed"}]'), 0, 'to be signed');
    ELSIF t.state IN ('signed', 'sent', 'confirmed') AND step IN ('begin', 'fees', 'simulate') THEN
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params),
            0, 'already signed');
    END IF;

    IF body IS NOT NULL THEN
        BEGIN
            resp := body::jsonb;
        EXCEPTION WHEN others THEN
            transport_error := 'invalid JSON-RPC response';
        END;
        res := resp->'result';
        err := resp->'error';
        IF res IS NULL AND err IS NULL THEN
            transport_error := coalesce(transport_error, 'invalid JSON-RPC response');
            resp := NULL;
        END IF;
    END IF;

    IF resp IS NULL THEN
        -- no answer: the request may or may not have reached the peer
        IF step = 'send' THEN
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params,
                                            '{"preflight": false}'),
                poll_ms, 'send: ' || coalesce(transport_error, 'no answer'));
        END IF;
        RETURN solana._transaction_requeue(job_id, payload, 1000,
                                           step || ': ' || coalesce(transport_error, 'no answer'));
    END IF;
    IF err IS NOT NULL AND step <> 'send' THEN
        RETURN solana._transaction_requeue(job_id, payload, 1000,
            format('%s: JSON-RPC error %s: %s', step, err->>'code', err->>'message'));
    END IF;

    IF step = 'begin' THEN
        payload := payload || jsonb_build_object(
            'blockhash', res->'value'->>'blockhash',
            'last_valid_block_height', (res->'value'->>'lastValidBlockHeight')::bigint,
            'compute_unit_price', t.compute_unit_price,
            'compute_unit_limit', t.compute_unit_limit);
        IF t.compute_unit_price IS NULL THEN
            SELECT array_agg(DISTINCT k) INTO accounts
              FROM (SELECT t.payer::text AS k
                    UNION ALL
                    SELECT (a).pubkey::text FROM unnest(t.instructions) i, unnest((i).accounts) a
                     WHERE (a).is_writable) s;
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'fees', 'getRecentPrioritizationFees',
                                            jsonb_build_array(to_jsonb(accounts[1:128]))),
                0, 'prioritization fees');
        END IF;
        step := 'fees_done';
    ELSIF step = 'fees' THEN
        SELECT percentile_disc(least(greatest(coalesce((opts->>'priority_fee_percentile')::float8, 50), 0), 100) / 100)
                   WITHIN GROUP (ORDER BY (e->>'prioritizationFee')::bigint)
          INTO price FROM jsonb_array_elements(CASE jsonb_typeof(res) WHEN 'array' THEN res ELSE '[]' END) e;
        payload := payload || jsonb_build_object('compute_unit_price', coalesce(price, 0));
        step := 'fees_done';
    END IF;

    IF step = 'fees_done' THEN
        IF payload->'compute_unit_limit' IS NULL OR payload->'compute_unit_limit' = 'null' THEN
            tmp := t;
            tmp.compute_unit_limit := 1400000;
            tmp.compute_unit_price := (payload->>'compute_unit_price')::bigint;
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'simulate', 'simulateTransaction',
                    jsonb_build_array(solana._base64(solana._transaction_unsigned(tmp, payload->>'blockhash')),
                                      '{"encoding":"base64","sigVerify":false,"replaceRecentBlockhash":true,"commitment":"confirmed"}'::jsonb)),
                0, 'simulating for the unit limit');
        END IF;
        step := 'sign';
    ELSIF step = 'simulate' THEN
        units := (res->'value'->>'unitsConsumed')::integer;
        IF units IS NULL OR coalesce(res->'value'->'err', 'null') <> 'null' THEN
            units := 400000;	-- the fallback: simulation failed or said nothing
        ELSE
            units := least(1400000, ceil(units * coalesce((opts->>'compute_unit_margin')::float8, 1.2))::integer + 300);
        END IF;
        payload := payload || jsonb_build_object('compute_unit_limit', units);
        step := 'sign';
    END IF;

    IF step = 'sign' THEN
        -- the concurrency limit: transactions signed and not yet landed
        limit_global := coalesce(nullif(current_setting('solana.max_in_flight_transactions', true), '')::integer, 0);
        limit_batch := (opts->>'max_in_flight')::integer;
        IF limit_global > 0 OR limit_batch IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext('solana.transactions in flight'));
            IF (limit_global > 0 AND (SELECT count(*) FROM solana.transactions
                                       WHERE state IN ('signed', 'sent')) >= limit_global)
               OR (limit_batch IS NOT NULL AND (SELECT count(*) FROM solana.transactions
                                                 WHERE batch_id = t.batch_id
                                                   AND state IN ('signed', 'sent')) >= limit_batch) THEN
                RETURN solana._transaction_requeue(job_id,
                    solana._transaction_payload(payload, 'begin', 'getLatestBlockhash',
                                                '[{"commitment":"confirmed"}]'), 250,
                                                   'waiting for an in-flight slot');
            END IF;
        END IF;
        BEGIN
            w := solana._transaction_sign(tx_id, payload->>'blockhash',
                                          (payload->>'last_valid_block_height')::bigint,
                                          (payload->>'compute_unit_limit')::integer,
                                          (payload->>'compute_unit_price')::bigint);
        EXCEPTION WHEN unique_violation THEN
            -- the same message under the same blockhash as another row:
            -- the cluster would take it for a duplicate; wait for a new one
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'begin', 'getLatestBlockhash',
                                            '[{"commitment":"confirmed"}]'), 500,
                'same signature as another transaction: waiting for a new blockhash');
        END;
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload - 'compute_unit_limit' - 'compute_unit_price', 'send', 'sendTransaction',
                jsonb_build_array(solana._base64(w),
                                  jsonb_build_object('encoding', 'base64',
                                                     'skipPreflight', coalesce((opts->>'skip_preflight')::boolean, false),
                                                     'preflightCommitment', 'confirmed', 'maxRetries', 0)),
                jsonb_build_object('preflight', NOT coalesce((opts->>'skip_preflight')::boolean, false),
                                   'last_try_ms', (extract(epoch FROM clock_timestamp()) * 1000)::bigint)),
            0, 'signed');
    END IF;

    IF step = 'send' THEN
        IF err IS NULL THEN
            PERFORM solana._transaction_sent(tx_id);
        ELSIF coalesce((payload->>'preflight')::boolean, false)
              AND ((err->>'code') = '-32003'
                   OR ((err->>'code') = '-32002'
                       AND coalesce(err->'data'->>'err', '') !~ '(BlockhashNotFound|AlreadyProcessed)')) THEN
            -- preflight refused it: never forwarded, can never land
            PERFORM solana._transaction_result(tx_id, jsonb_build_object(
                'state', 'failed',
                'error', jsonb_build_object('preflight', coalesce(err->'data'->'err', to_jsonb(err->>'message')),
                                            'code', err->'code', 'message', err->>'message'),
                'compute_units_consumed', err->'data'->'unitsConsumed',
                'logs', coalesce(err->'data'->'logs', '[]')));
            RETURN jsonb_build_object('transaction_id', tx_id, 'state', 'failed',
                                      'signature', t.signature::text);
        END IF;
        -- sent or not (a refused send counts as not sent): watch the status
        payload := payload || jsonb_build_object('last_try_ms', (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params,
                                        '{"preflight": false}'),
            poll_ms, CASE WHEN err IS NULL THEN 'sent' ELSE
                         format('send: JSON-RPC error %s: %s', err->>'code', err->>'message') END);
    END IF;

    IF step IN ('status', 'expire') THEN
        v := res->'value'->0;
        IF v IS NULL OR v = 'null' THEN
            IF step = 'expire' THEN
                IF solana._transaction_expire(tx_id, (payload->>'block_height')::bigint, false) THEN
                    RETURN solana._transaction_requeue(job_id,
                        solana._transaction_payload(payload, 'begin', 'getLatestBlockhash',
                                                    '[{"commitment":"confirmed"}]'),
                        0, 'expired: to be signed again');
                END IF;
            ELSIF t.state = 'confirmed' THEN
                NULL;			-- known landed: keep waiting for finalization
            ELSIF (extract(epoch FROM clock_timestamp()) * 1000)::bigint
                  - coalesce((payload->>'last_try_ms')::bigint, 0) >= rebroadcast_ms THEN
                RETURN solana._transaction_requeue(job_id,
                    solana._transaction_payload(payload, 'height', 'getBlockHeight',
                                                '[{"commitment":"confirmed"}]'),
                    0, 'not landed yet');
            END IF;
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params),
                poll_ms, 'not landed yet');
        END IF;
        st := v->>'confirmationStatus';
        IF t.state = 'confirmed' AND st = 'finalized' THEN
            PERFORM solana._transaction_result(tx_id, '{"state": "finalized"}');
            RETURN jsonb_build_object('transaction_id', tx_id, 'state', 'finalized',
                                      'signature', t.signature::text, 'slot', t.slot);
        ELSIF t.state <> 'confirmed'
              AND (coalesce(v->'err', 'null') <> 'null' OR st IN ('confirmed', 'finalized')) THEN
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'fetch', 'getTransaction',
                    jsonb_build_array(t.signature::text,
                        '{"encoding":"json","commitment":"confirmed","maxSupportedTransactionVersion":0}'::jsonb),
                    jsonb_build_object('status', st)),
                0, 'landed: ' || coalesce(st, 'unknown'));
        END IF;
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params),
            CASE WHEN t.state = 'confirmed' THEN greatest(poll_ms, 1000) ELSE poll_ms END,
            'landed: ' || coalesce(st, 'unknown'));
    END IF;

    IF step = 'height' THEN
        h := (res #>> '{}')::bigint;
        IF h > t.last_valid_block_height THEN
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'expire', 'getSignatureStatuses', sig_params,
                                            jsonb_build_object('block_height', h)),
                0, format('block height %s passed %s', h, t.last_valid_block_height));
        END IF;
        -- rebroadcast the same signed bytes
        RETURN solana._transaction_requeue(job_id,
            solana._transaction_payload(payload, 'send', 'sendTransaction',
                jsonb_build_array(solana._base64(t.wire),
                                  '{"encoding":"base64","skipPreflight":true,"maxRetries":0}'::jsonb)),
            0, 'rebroadcast');
    END IF;

    IF step = 'fetch' THEN
        IF res IS NULL OR res = 'null' THEN
            RETURN solana._transaction_requeue(job_id, payload, poll_ms, 'getTransaction: not visible yet');
        END IF;
        st := CASE WHEN coalesce(res->'meta'->'err', 'null') <> 'null' THEN 'failed'
                   WHEN payload->>'status' = 'finalized' THEN 'finalized'
                   ELSE 'confirmed' END;
        PERFORM solana._transaction_result(tx_id, jsonb_strip_nulls(jsonb_build_object(
            'state', st, 'slot', res->'slot', 'fee', res->'meta'->'fee',
            'compute_units_consumed', res->'meta'->'computeUnitsConsumed',
            'error', CASE WHEN st = 'failed' THEN res->'meta'->'err' END,
            'logs', coalesce(res->'meta'->'logMessages', '[]'))));
        IF st = 'confirmed' AND coalesce((opts->>'wait_finalized')::boolean, true) THEN
            RETURN solana._transaction_requeue(job_id,
                solana._transaction_payload(payload, 'status', 'getSignatureStatuses', sig_params),
                greatest(poll_ms, 1000), 'confirmed: waiting for finalization');
        END IF;
        RETURN jsonb_build_object('transaction_id', tx_id, 'state', st,
                                  'signature', t.signature::text, 'slot', res->'slot');
    END IF;

    RAISE EXCEPTION 'invalid transaction job step: "%"', step USING ERRCODE = '22023',
        HINT = 'Valid steps are begin, fees, simulate, send, status, height, expire and fetch.';
END
$$;
COMMENT ON FUNCTION solana._transaction_step(bigint, jsonb, text, text) IS
    'internal: the dispatcher''s transaction job kind: record one JSON-RPC answer on the transaction row and queue the next step';
REVOKE ALL ON FUNCTION solana._transaction_step(bigint, jsonb, text, text) FROM PUBLIC;
