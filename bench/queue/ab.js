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
const { clients, closeAll, drain, ceiling, solanaEnqueue, solanaBatchTurn } = require('./lib');

const base = process.argv[2];
const dbs = (process.argv[3] || '').split(',').filter(Boolean);
const N = Number(process.argv[4] || 20000);
const RUNS = Number(process.argv[5] || 6);
const W = 4, BATCH = Number(process.env.BATCH || 10);
if (!base || dbs.length === 0) {
    console.error('usage: node ab.js postgresql://user@host:port/ db1[,db2...] [jobs] [runs]');
    process.exit(2);
}

// prepare(admin), then the seconds run(clients) takes, as jobs/s
async function measure(db, prepare, run) {
    const admin = new Client({ connectionString: base + db });
    await admin.connect();
    try {
        await prepare(admin);
        const cs = await clients(base + db, W);
        try { return N / await run(cs); } finally { await closeAll(cs); }
    } finally { await admin.end(); }
}
const solanaQueue = async (a) => {
    await a.query("DELETE FROM solana.jobs WHERE queue = 'bench'");
    await a.query("INSERT INTO solana.queues (name, notify) VALUES ('bench', true) ON CONFLICT (name) DO NOTHING");
};
const modes = {
    drain: {
        ceiling: (db) => measure(db, async (a) => { await ceiling.create(a); await ceiling.fill(a, N); },
                                 (cs) => drain(cs, N, (c) => ceiling.batchTurn(c, BATCH))),
        solana: (db) => measure(db, async (a) => {
            await solanaQueue(a);
            await a.query(`SELECT count(*) FROM solana.enqueue_batch('bench', 'noop',
                             (SELECT array_agg(jsonb_build_object('i', i)) FROM generate_series(1, $1) i))`, [N]);
            await a.query('VACUUM ANALYZE solana.jobs');
        }, (cs) => drain(cs, N, (c) => solanaBatchTurn(c, 'bench', BATCH))),
    },
    enqueue: {
        ceiling: (db) => measure(db, async (a) => { await ceiling.create(a); await a.query('TRUNCATE bench_hw'); },
                                 (cs) => ceiling.enqueue(cs, N)),
        solana: (db) => measure(db, async (a) => { await solanaQueue(a); await a.query('VACUUM solana.jobs'); },
                                (cs) => solanaEnqueue(cs, N, 'bench')),
    },
};
const mode = modes[process.env.MODE || 'drain'];
if (!mode) {
    console.error(`MODE is one of ${Object.keys(modes).join(', ')}`);
    process.exit(2);
}

(async () => {
    const rates = { ceiling: [] };
    for (const db of dbs) rates[db] = [];
    const pct = (a, b) => `${Math.round(100 * a / b)}%`;
    for (let r = 0; r < RUNS; r++) {
        const c = await mode.ceiling(dbs[0]);
        const line = [`run ${r + 1}: ceiling ${Math.round(c)}`];
        if (r > 0) rates.ceiling.push(c);
        for (const db of dbs) {
            const s = await mode.solana(db);
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
