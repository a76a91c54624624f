// bench/queue/bench.js: enqueue and claim+complete rates of solana.claim,
// graphile-worker, pg-boss and a hand-written SKIP LOCKED loop (the
// ceiling), on one PostgreSQL database, all driven from Node with `pg`
// so that every system pays the same client cost.  pg_solana and the
// ceiling use named (prepared) statements, as graphile-worker does.
// Prints one JSON line per measurement: {"system", "op", "jobs",
// "workers", "jobs_per_sec"}.  The "1 call per job/batch" ops complete
// the previous claim and claim the next in one round trip
// (solana.complete_and_claim; the ceiling's one statement does the same).
//   node bench.js <connection string> [jobs] [workers]
'use strict';
const { Client } = require('pg');
const { run, runMigrations } = require('graphile-worker');
const { PgBoss } = require('pg-boss');

const conn = process.argv[2];
const N = Number(process.argv[3] || 20000);
const W = Number(process.argv[4] || 4);
const BATCH = Number(process.env.BATCH || 10);
const ONE_CALL = 'claim+complete, 1 call per job';
const ONE_CALL_BATCH = `claim+complete batch ${BATCH}, 1 call per batch`;

const lib = require('./lib');
const { closeAll, timed, ceiling } = lib;
const clients = (n) => lib.clients(conn, n);
const drain = (cs, claimOnce) => lib.drain(cs, N, claimOnce);
function report(system, op, secs) {
    console.log(JSON.stringify({ system, op, jobs: N, workers: W, jobs_per_sec: N / secs }));
}
// drain with one round trip per turn: `turn(client, prevIds)` completes
// prevIds and returns the ids it claimed; the last claim is completed
// by a final turn
let deadlocks = 0;
async function drainCombined(cs, turn) {
    let claimed = 0;
    return timed(cs, async (c) => {
        let prev = [];
        while (claimed < N || prev.length > 0) {
            let ids;
            try {
                ids = await turn(c, prev);
            } catch (e) {
                // the ceiling's one statement (complete + claim) can
                // deadlock with another worker's under load: the turn
                // rolled back, so it is simply done again
                if (e.code !== '40P01') throw e;
                deadlocks++;
                continue;
            }
            prev = ids;
            claimed += ids.length;
            if (ids.length === 0 && claimed < N) await new Promise(r => setTimeout(r, 1));
        }
    });
}

// pg_solana in both retentions: the default (every succeeded job kept
// until solana.purge_jobs) on queue bench, with no queue of
// keep_succeeded = 0 in the database (completions take the plain
// update), and keep_succeeded = 0 on queue bench0 (the completion
// deletes the job, as graphile-worker does), reported as its own system
async function benchSolana(cs, admin) { await solanaRetention(cs, admin, 'pg_solana', 'bench', null); }
async function benchSolanaKeep0(cs, admin) { await solanaRetention(cs, admin, 'pg_solana keep_succeeded=0', 'bench0', 0); }

async function solanaRetention(cs, admin, system, queue, keep) {
    const reset = () => admin.query('DELETE FROM solana.jobs WHERE queue = $1', [queue]);
    await reset();
    await admin.query("DELETE FROM solana.queues WHERE name IN ('bench', 'bench0')");
    await admin.query('INSERT INTO solana.queues (name, notify, keep_succeeded) VALUES ($1, true, $2)', [queue, keep]);
    report(system, 'enqueue', await lib.solanaEnqueue(cs, N, queue));
    await admin.query('VACUUM ANALYZE solana.jobs');
    report(system, 'claim+complete', await drain(cs, async (c) => {
        const r = await c.query({ name: 'sol_claim', text: `SELECT id FROM solana.claim('${queue}', NULL, $1)`, values: [1] });
        for (const row of r.rows) await c.query({ name: 'sol_complete', text: 'SELECT solana.complete($1)', values: [row.id] });
        return r.rowCount;
    }));
    await refill();
    report(system, ONE_CALL, await drainCombined(cs, async (c, prev) => {
        const r = await c.query({ name: 'sol_cc', text: `SELECT id FROM solana.complete_and_claim('${queue}', $1::bigint[], n => $2)`, values: [prev, 1] });
        return r.rows.map(x => x.id);
    }));
    await reset();
    const t0 = process.hrtime.bigint();
    for (let s = 0; s < N; s += 1000) {
        const payloads = [];
        for (let i = s; i < Math.min(s + 1000, N); i++) payloads.push(JSON.stringify({ i }));
        await admin.query(`SELECT count(*) FROM solana.enqueue_batch('${queue}', 'noop', $1::jsonb[])`, [payloads]);
    }
    report(system, 'enqueue batch 1000', Number(process.hrtime.bigint() - t0) / 1e9);
    await admin.query('VACUUM ANALYZE solana.jobs');
    report(system, `claim+complete batch ${BATCH}`,
        await drain(cs, (c) => lib.solanaBatchTurn(c, queue, BATCH)));
    await refill();
    report(system, ONE_CALL_BATCH, await drainCombined(cs, async (c, prev) => {
        const r = await c.query({ name: 'sol_cc', text: `SELECT id FROM solana.complete_and_claim('${queue}', $1::bigint[], n => $2)`, values: [prev, BATCH] });
        return r.rows.map(x => x.id);
    }));
    await reset();
    await admin.query('DELETE FROM solana.queues WHERE name = $1', [queue]);

    // N fresh jobs, enqueued in batches, vacuumed (not timed)
    async function refill() {
        await reset();
        for (let s = 0; s < N; s += 1000) {
            const payloads = [];
            for (let i = s; i < Math.min(s + 1000, N); i++) payloads.push(JSON.stringify({ i }));
            await admin.query(`SELECT count(*) FROM solana.enqueue_batch('${queue}', 'noop', $1::jsonb[])`, [payloads]);
        }
        await admin.query('VACUUM ANALYZE solana.jobs');
    }
}

// the ceiling (lib.js): the least a SKIP LOCKED queue can do per job
async function benchCeiling(cs, admin) {
    await ceiling.create(admin);
    await admin.query('TRUNCATE bench_hw');
    report('hand-written', 'enqueue', await ceiling.enqueue(cs, N));
    await admin.query('VACUUM ANALYZE bench_hw');
    report('hand-written', 'claim+complete', await drain(cs, async (c) => {
        const r = await c.query({ name: 'hw_claim', text: ceiling.claim, values: [1] });
        for (const row of r.rows) await c.query({ name: 'hw_done', text: "UPDATE bench_hw SET state = 'done' WHERE id = $1", values: [row.id] });
        return r.rowCount;
    }));
    const refill = () => ceiling.fill(admin, N);
    await refill();
    report('hand-written', ONE_CALL, await drainCombined(cs, async (c, prev) => {
        const r = await c.query({ name: 'hw_cc', text: ceiling.combined, values: [1, prev] });
        return r.rows.map(x => x.id);
    }));
    await refill();
    report('hand-written', `claim+complete batch ${BATCH}`,
        await drain(cs, (c) => ceiling.batchTurn(c, BATCH)));
    await refill();
    report('hand-written', ONE_CALL_BATCH, await drainCombined(cs, async (c, prev) => {
        const r = await c.query({ name: 'hw_cc', text: ceiling.combined, values: [BATCH, prev] });
        return r.rows.map(x => x.id);
    }));
    await admin.query('TRUNCATE bench_hw');
}

// graphile-worker's runner with concurrency W, in its default mode (one
// fetch and one completion round trip per job) and in its batched mode
// (0.18: a local queue of BATCH jobs fetched and locked per query, and
// completions batched by completeJobBatchDelay: 0, which sends the
// completions of one event-loop turn as one statement)
async function benchGraphile(cs, admin) {
    await runMigrations({ connectionString: conn, logger: quietLogger() });
    await admin.query('DELETE FROM graphile_worker._private_jobs');
    report('graphile-worker', 'enqueue', await lib.enqueueSingle(cs, N,
        "SELECT graphile_worker.add_job('noop', $1::json)", i => [{ i }]));
    await admin.query('VACUUM ANALYZE graphile_worker._private_jobs');
    report('graphile-worker', 'claim+complete', await drainGraphile({}));
    const fill = async () => {
        await admin.query('DELETE FROM graphile_worker._private_jobs');
        for (let s = 1; s <= N; s += 1000) {
            await admin.query(`SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(
                SELECT ROW('noop', json_build_object('i', i), NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec
                  FROM generate_series($1::int, $2::int) i))`, [s, Math.min(s + 999, N)]);
        }
        await admin.query('VACUUM ANALYZE graphile_worker._private_jobs');
    };
    await fill();
    report('graphile-worker', `claim+complete batch ${BATCH}`,
        await drainGraphile({ localQueue: { size: BATCH }, completeJobBatchDelay: 0 }));
    await admin.query('DELETE FROM graphile_worker._private_jobs');

    async function drainGraphile(worker) {
        let done = 0, finish;
        const all = new Promise(r => { finish = r; });
        const t0 = process.hrtime.bigint();
        const runner = await run({
            connectionString: conn, concurrency: W, noHandleSignals: true, pollInterval: 50,
            logger: quietLogger(), preset: { worker },
            taskList: { noop: async () => { if (++done === N) finish(); } },
        });
        await all;
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        await runner.stop();
        return secs;
    }
}

async function benchBoss(cs, admin) {
    const boss = new PgBoss({ connectionString: conn, max: W + 1, supervise: false, schedule: false });
    boss.on('error', () => {});
    await boss.start();
    const qname = `bench_${process.pid}_${Date.now()}`;
    await boss.createQueue(qname);
    let next = 0;
    report('pg-boss', 'enqueue', await timed(cs, async () => {
        while (next < N) { const i = next++; await boss.send(qname, { i }); }
    }));
    await admin.query('VACUUM ANALYZE');
    const drainBoss = (size) => drain(cs, async () => {
        const jobs = await boss.fetch(qname, { batchSize: size });
        if (!jobs || jobs.length === 0) return 0;
        await boss.complete(qname, jobs.map(j => j.id));
        return jobs.length;
    });
    report('pg-boss', 'claim+complete', await drainBoss(1));
    await boss.insert(qname, Array.from({ length: N }, (_, i) => ({ data: { i } })));
    report('pg-boss', `claim+complete batch ${BATCH}`, await drainBoss(BATCH));
    await admin.query('DELETE FROM pgboss.job WHERE name = $1', [qname]);
    await boss.deleteQueue(qname).catch(() => {});
    await boss.stop({ graceful: false, wait: true });
}

function quietLogger() {
    const { Logger } = require('graphile-worker');
    return new Logger(() => () => {});
}

(async () => {
    const admin = new Client({ connectionString: conn });
    await admin.connect();
    const only = process.env.ONLY_SYSTEM;
    for (const [name, fn] of [['ceiling', benchCeiling], ['solana', benchSolana],
                              ['solana_keep0', benchSolanaKeep0],
                              ['graphile', benchGraphile], ['boss', benchBoss]]) {
        if (only && only !== name) continue;
        const cs = await clients(W);
        try { await fn(cs, admin); } finally { await closeAll(cs); }
    }
    await admin.end();
    if (deadlocks) console.error(`${deadlocks} one-statement turns deadlocked and were done again`);
})().catch(e => { console.error(e); process.exit(1); });
