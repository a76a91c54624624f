-- bench/decoding/bench.sql: decode throughput of the SQL functions in
-- one backend (events/s, transactions/s for decode_logs).  psql
-- variables: idl, pid, small, large (hex), logs (a text[] literal), n.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_solana;
SELECT solana.register_program(:'idl'::jsonb) IS NOT NULL AS registered \gset
CREATE FUNCTION pg_temp.rate(q text, n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
BEGIN
    EXECUTE q;                      -- warm: plan cached, pages in memory
    t0 := clock_timestamp();
    EXECUTE q;
    RETURN round(n / extract(epoch FROM clock_timestamp() - t0));
END $$;
SELECT json_build_object('impl', 'sql', 'case', 'small', 'ops_per_sec', pg_temp.rate(format(
    'SELECT count((solana.decode_event(%L, %L::bytea)).data) FROM generate_series(1, %s)',
    :'pid', :'small', :n), :n));
SELECT json_build_object('impl', 'sql', 'case', 'large', 'ops_per_sec', pg_temp.rate(format(
    'SELECT count((solana.decode_event(%L, %L::bytea)).data) FROM generate_series(1, %s)',
    :'pid', :'large', :n / 10), :n / 10));
SELECT json_build_object('impl', 'sql', 'case', 'logs', 'ops_per_sec', pg_temp.rate(format(
    'SELECT count(l.data) FROM generate_series(1, %s) g(i), LATERAL solana.decode_logs(CASE WHEN g.i > 0 THEN %L::text[] END) l',
    :n / 20, :'logs'), :n / 20));
SELECT solana.unregister_program(:'pid') IS NOT NULL AS done \gset
