// bench/queue/lib.js: what bench.js (the side-by-side benchmark) and
// ab.js (A/B of pg_solana code variants) share: connecting workers,
// timing a drain, the hand-written ceiling's table and statements, and
// the batch turns of the ceiling and of pg_solana.
'use strict';
const fs = require('fs');
const path = require('path');
const { Client } = require('pg');

async function clients(conn, n) {
    const cs = [];
    for (let i = 0; i < n; i++) {
        const c = new Client({ connectionString: conn });
        await c.connect();
        cs.push(c);
    }
    return cs;
}
async function closeAll(cs) { for (const c of cs) await c.end(); }
// run `body(client, i)` on every client at once; seconds taken
async function timed(cs, body) {
    const t0 = process.hrtime.bigint();
    await Promise.all(cs.map((c, i) => body(c, i)));
    return Number(process.hrtime.bigint() - t0) / 1e9;
}
// n enqueues spread over the clients, one job per call of `sql` with
// `args(i)`; seconds taken
async function enqueueSingle(cs, n, sql, args) {
    let next = 0;
    return timed(cs, async (c) => {
        while (next < n) { const i = next++; await c.query(sql, args(i)); }
    });
}
// claim and complete n jobs with `claimOnce(client, i)` (returns how
// many it did) on every client until n are done; seconds taken
async function drain(cs, n, claimOnce) {
    let done = 0;
    return timed(cs, async (c, w) => {
        while (done < n) {
            const k = await claimOnce(c, w);
            if (k === 0) { if (done >= n) break; await new Promise(r => setTimeout(r, 1)); }
            done += k;
        }
    });
}

// the ceiling: the least a SKIP LOCKED queue can do per job
const ceiling = {
    claim: `WITH c AS (SELECT id FROM bench_hw WHERE state = 'queued' AND run_at <= now()
              ORDER BY priority DESC, run_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
            UPDATE bench_hw h SET state = 'running', attempts = h.attempts + 1,
                   lease_expires_at = now() + interval '30 s'
              FROM c WHERE h.id = c.id RETURNING h.id`,
    // complete the previous claim ($2) and claim $1 more in one statement
    combined: `WITH d AS (UPDATE bench_hw SET state = 'done' WHERE id = ANY ($2::bigint[])),
            c AS (SELECT id FROM bench_hw WHERE state = 'queued' AND run_at <= now()
              ORDER BY priority DESC, run_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
            UPDATE bench_hw h SET state = 'running', attempts = h.attempts + 1,
                   lease_expires_at = now() + interval '30 s'
              FROM c WHERE h.id = c.id RETURNING h.id`,
    // its table: ceiling_table.sql, shared with the server-CPU scripts
    async create(admin) { await admin.query(fs.readFileSync(path.join(__dirname, 'ceiling_table.sql'), 'utf8')); },
    // n single enqueues (one INSERT each) over the clients; seconds taken
    enqueue(cs, n) { return enqueueSingle(cs, n, 'INSERT INTO bench_hw (payload) VALUES ($1::jsonb) RETURNING id', i => [{ i }]); },
    // n fresh jobs, vacuumed
    async fill(admin, n) {
        await admin.query('TRUNCATE bench_hw');
        await admin.query("INSERT INTO bench_hw (payload) SELECT jsonb_build_object('i', i) FROM generate_series(1, $1) i", [n]);
        await admin.query('VACUUM ANALYZE bench_hw');
    },
    // claim up to `batch` jobs and complete them: two statements
    async batchTurn(c, batch) {
        const r = await c.query({ name: 'hw_claim', text: this.claim, values: [batch] });
        if (r.rowCount === 0) return 0;
        await c.query({ name: 'hw_done_b', text: "UPDATE bench_hw SET state = 'done' WHERE id = ANY ($1::bigint[])",
                        values: [r.rows.map(x => x.id)] });
        return r.rowCount;
    },
};

// n single solana.enqueue calls on `queue` over the clients; seconds taken
function solanaEnqueue(cs, n, queue) {
    return enqueueSingle(cs, n, `SELECT solana.enqueue('${queue}', 'noop', $1::jsonb)`, i => [{ i }]);
}

// pg_solana's batch turn: solana.claim of up to `batch` jobs of `queue`,
// then solana.complete_batch
async function solanaBatchTurn(c, queue, batch) {
    const r = await c.query({ name: 'sol_claim_b', text: `SELECT array_agg(id) AS ids FROM solana.claim('${queue}', NULL, $1)`, values: [batch] });
    const ids = r.rows[0].ids;
    if (!ids) return 0;
    await c.query({ name: 'sol_complete_b', text: 'SELECT solana.complete_batch($1::bigint[])', values: [ids] });
    return ids.length;
}

module.exports = { enqueueSingle, clients, closeAll, timed, drain, ceiling, solanaEnqueue, solanaBatchTurn };
