// bench/queue/ab.js: A/B of pg_solana code variants in throughput: the
// batch drain (claim of BATCH, then complete_batch; 4 workers) of JOBS
// jobs in each of the given databases of one cluster, each holding its
// own variant of the extension, and the hand-written ceiling's batch
// drain in the first database, alternating within each run; per-run
// rates and medians, each as a percentage of the ceiling.  MODE=enqueue
// measures single enqueues instead (JOBS calls of solana.enqueue against
// the ceiling's single INSERT, 4 clients).  The first
// run warms the cluster up and is left out of the medians.  bench.js is
// the benchmark of record; this is for telling a change from the noise.
//   node ab.js postgresql://postgres@127.0.0.1:PORT/ db1,db2 [jobs] [runs]
'use strict';
const { Client } = require('pg');
const { clients, closeAll, drain, enqueueSingle, ceiling, solanaBatchTurn } = require('./lib');

const base = process.argv[2];
const dbs = (process.argv[3] || '').split(',').filter(Boolean);
const N = Number(process.argv[4] || 20000);
const RUNS = Number(process.argv[5] || 6);
const W = 4, BATCH = Number(process.env.BATCH || 10), ENQUEUE = process.env.MODE === 'enqueue';
if (!base || dbs.length === 0) {
    console.error('usage: node ab.js postgresql://user@host:port/ db1[,db2...] [jobs] [runs]');
    process.exit(2);
}

async function measure(db, prepare, turn) {
    const admin = new Client({ connectionString: base + db });
    await admin.connect();
    try {
        await prepare(admin);
        const cs = await clients(base + db, W);
        try { return N / (ENQUEUE ? await turn(cs) : await drain(cs, N, turn)); } finally { await closeAll(cs); }
    } finally { await admin.end(); }
}
const runCeiling = ENQUEUE
    ? (db) => measure(db, async (a) => { await ceiling.create(a); await a.query('TRUNCATE bench_hw'); },
                      (cs) => enqueueSingle(cs, N, 'INSERT INTO bench_hw (payload) VALUES ($1::jsonb) RETURNING id', i => [{ i }]))
    : (db) => measure(db, async (a) => { await ceiling.create(a); await ceiling.fill(a, N); },
                      (c) => ceiling.batchTurn(c, BATCH));
const resetSolana = async (a) => {
    await a.query("DELETE FROM solana.jobs WHERE queue = 'bench'");
    await a.query("INSERT INTO solana.queues (name, notify) VALUES ('bench', true) ON CONFLICT (name) DO NOTHING");
};
const runSolana = ENQUEUE
    ? (db) => measure(db, async (a) => { await resetSolana(a); await a.query('VACUUM solana.jobs'); },
                      (cs) => enqueueSingle(cs, N, "SELECT solana.enqueue('bench', 'noop', $1::jsonb)", i => [{ i }]))
    : (db) => measure(db, async (a) => {
    await resetSolana(a);
    await a.query(`SELECT count(*) FROM solana.enqueue_batch('bench', 'noop',
                     (SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, $1) i))`, [N]);
    await a.query('VACUUM ANALYZE solana.jobs');
}, (c) => solanaBatchTurn(c, 'bench', BATCH));

(async () => {
    const rates = { ceiling: [] };
    for (const db of dbs) rates[db] = [];
    const pct = (a, b) => `${Math.round(100 * a / b)}%`;
    for (let r = 0; r < RUNS; r++) {
        const c = await runCeiling(dbs[0]);
        const line = [`run ${r + 1}: ceiling ${Math.round(c)}`];
        if (r > 0) rates.ceiling.push(c);
        for (const db of dbs) {
            const s = await runSolana(db);
            if (r > 0) rates[db].push(s);
            line.push(`${db} ${Math.round(s)} (${pct(s, c)})`);
        }
        console.log(line.join(', ') + (r === 0 ? ' (warm-up)' : ''));
    }
    const med = (v) => { const s = [...v].sort((x, y) => x - y); const m = s.length >> 1;
                         return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
    const mc = med(rates.ceiling);
    console.log(`medians of ${RUNS - 1} runs, jobs/s: ceiling ${Math.round(mc)}, ` +
        dbs.map((db) => `${db} ${Math.round(med(rates[db]))} (${pct(med(rates[db]), mc)})`).join(', '));
})().catch((e) => { console.error(e); process.exit(1); });
