#!/usr/bin/env bash
# bench/oracles/run.sh: Pyth decodes/s (the C core, solana.pyth_price in
# SQL, and the official JS coder in Node, side by side in one run) and
# the aggregation of 1,000 feeds x 3 sources per refresh.  Uses the
# server in PGHOST/PGPORT when set, else starts a scratch cluster.
# Decode figures are medians over ROUNDS interleaved rounds (default 5);
# aggregation figures medians of 3.  See docs/benchmarks.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/scripts/lib.sh"
FIXTURES=${PS_FIXTURES:-$(cd "$root/.." && pwd)/shared/fixtures}
work=$(mktemp -d)
started=
cleanup() { [ -n "$started" ] && pg_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT

( cd "$here" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; } )
python3 -c "import json,sys; [print(c['data_b64']) for c in json.load(open(sys.argv[1]))['pyth_price_update_v2']['cases']]" \
    "$FIXTURES/oracles.json" > "$work/pyth.b64"

gcc -O2 -std=gnu11 -I"$root/src/core" -o "$work/pyth_c" "$here/pyth_c.c" \
    "$root/src/core/ps_oracle.c" "$root/src/core/ps_buf.c" "$root/src/core/ps_base58.c" \
    "$root/src/core/ps_error.c" -lsodium

if [ -z "${PGPORT:-}" ]; then
    export PGHOST=127.0.0.1 PGUSER=postgres PGPORT=$(free_port)
    pg_start "$work/pg" "$PGPORT"; started=1
fi
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1)
db=bench_oracles_$$
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $db" >/dev/null
trap '"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null; cleanup' EXIT
"${PSQL[@]}" -d "$db" -c "CREATE EXTENSION pg_solana" >/dev/null
"${PSQL[@]}" -d "$db" -c "CREATE TABLE v (d bytea)" >/dev/null
while read -r b; do "${PSQL[@]}" -d "$db" -c "INSERT INTO v VALUES (decode('$b', 'base64'))"; done < "$work/pyth.b64"

# Decodes/s, interleaved so that all see the same load: ROUNDS rounds
# (default 5) of the C reader (median of its 5 runs of 2 M decodes),
# the JS coder (median of its 5 runs of 80 k decodes) and two SQL
# harnesses for solana.pyth_price, each SQL_CALLS calls (default
# 1,000,000) in one backend with no parallel workers:
#  - table: 10 passes of a seq scan over a 100,000-row table of the 17
#    vectors cycled (17 MB, in shared buffers): decoding stored account
#    rows, the use the function is for;
#  - series: one statement over generate_series, each call on a
#    different array element (the vector depends on g, so nothing is
#    hoisted or cached) - the harness of the first figures, which adds
#    the series' tuplestore and the array lookup to every call.
# Each figure is the median over the rounds; a ratio is the median of
# the per-round ratios.
ROUNDS=${ROUNDS:-5}
SQL_CALLS=${SQL_CALLS:-1000000}
"${PSQL[@]}" -d "$db" -c "
    CREATE TABLE acc AS SELECT g AS id, a.vs[1 + g % 17] AS data
      FROM generate_series(1, 100000) AS g, (SELECT array_agg(d ORDER BY d) AS vs FROM v) AS a" >/dev/null
"${PSQL[@]}" -d "$db" -c "VACUUM ANALYZE acc" >/dev/null
sql_ms() {
    "${PSQL[@]}" -d "$db" -c "SET max_parallel_workers_per_gather = 0; $1" 2>&1 | sed -n 's/.*ms=//p'
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
c_runs=(); js_runs=(); tab_runs=(); ser_runs=(); tab_ratio=(); ser_ratio=()
for _ in $(seq 1 "$ROUNDS"); do
    c=$("$work/pyth_c" 2000000 < "$work/pyth.b64" |
        python3 -c "import json,sys; print(json.load(sys.stdin)['decodes_per_s'])")
    js=$(node "$here/pyth_js.js" "$FIXTURES/oracles.json" 80000 |
         python3 -c "import json,sys; print(json.load(sys.stdin)['decodes_per_s'])")
    ms=$(sql_ms "
        DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); n bigint; BEGIN
          FOR i IN 1 .. $SQL_CALLS / 100000 LOOP
            SELECT count((solana.pyth_price(data)).price) INTO n FROM acc;
          END LOOP;
          RAISE NOTICE 'ms=%', extract(epoch FROM clock_timestamp() - t0) * 1000; END \$\$")
    tab=$(python3 -c "print(round($SQL_CALLS // 100000 * 100000 / ($ms / 1000)))")
    ms=$(sql_ms "
        DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); n bigint; BEGIN
          SELECT count((solana.pyth_price(a.vs[1 + g % 17])).price) INTO n
            FROM generate_series(1, $SQL_CALLS) AS g, (SELECT array_agg(d) AS vs FROM v) AS a;
          RAISE NOTICE 'ms=%', extract(epoch FROM clock_timestamp() - t0) * 1000; END \$\$")
    ser=$(python3 -c "print(round($SQL_CALLS / ($ms / 1000)))")
    c_runs+=("$c"); js_runs+=("$js"); tab_runs+=("$tab"); ser_runs+=("$ser")
    tab_ratio+=("$(python3 -c "print(round($tab / $js, 1))")")
    ser_ratio+=("$(python3 -c "print(round($ser / $js, 1))")")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
c_rate=$(median "${c_runs[@]}"); js_rate=$(median "${js_runs[@]}")
tab_rate=$(median "${tab_runs[@]}"); ser_rate=$(median "${ser_runs[@]}")

# aggregation: 1,000 feeds x 3 sources, one publish_feed per feed (a refresh)
"${PSQL[@]}" -d "$db" -c "
    INSERT INTO solana.oracle_feeds (symbol, max_staleness)
    SELECT 'F' || i, '1 day' FROM generate_series(1, 1000) AS i;
    INSERT INTO solana.oracle_sources (feed, source_id, kind, account, price, conf, observed_at, verification)
    SELECT 'F' || i, k, CASE WHEN k = 'pyth' THEN 'pyth' ELSE 'switchboard' END,
           solana.pubkey(decode(lpad(to_hex(i), 8, '0') || repeat(CASE k WHEN 'pyth' THEN '01' WHEN 'sb' THEN '02' ELSE '03' END, 28), 'hex')),
           100 + i * 0.01 + (random() - 0.5), 0.05, now(), 'Full'
      FROM generate_series(1, 1000) AS i, unnest(ARRAY['pyth', 'sb', 'sb2']) AS k" >/dev/null
agg_runs=()
for method in median weighted_median confidence_weighted; do
    "${PSQL[@]}" -d "$db" -c "UPDATE solana.oracle_feeds SET method = '$method'" >/dev/null
    runs=()
    for _ in 1 2 3; do
        ms=$("${PSQL[@]}" -d "$db" -c "
            DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); f text; BEGIN
              FOR f IN SELECT symbol FROM solana.oracle_feeds ORDER BY 1 LOOP
                PERFORM solana.publish_feed(f);
              END LOOP;
              RAISE NOTICE 'ms=%', extract(epoch FROM clock_timestamp() - t0) * 1000; END \$\$" 2>&1 |
            sed -n 's/.*ms=//p')
        runs+=("$ms")
    done
    agg_runs+=("$method=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)")
done

echo "oracles: load average before $load_before, after $load_after ($ROUNDS interleaved rounds)"
echo "oracles: pyth decode C core                 $c_rate/s  (rounds ${c_runs[*]})"
echo "oracles: pyth decode SQL pyth_price, table  $tab_rate/s  (rounds ${tab_runs[*]})"
echo "oracles: pyth decode SQL pyth_price, series $ser_rate/s  (rounds ${ser_runs[*]})"
echo "oracles: pyth decode JS anchor coder        $js_rate/s  (rounds ${js_runs[*]})"
echo "oracles: ratio C/JS $(python3 -c "print(round($c_rate / $js_rate, 1))")x; SQL table/JS $(median "${tab_ratio[@]}")x (rounds ${tab_ratio[*]}); SQL series/JS $(median "${ser_ratio[@]}")x (rounds ${ser_ratio[*]})"
for a in "${agg_runs[@]}"; do
    echo "oracles: aggregate+publish 1000 feeds x 3 sources, ${a%%=*}: ${a#*=} ms (median of 3)"
done
