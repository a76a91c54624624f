// record.js: records the benchmark's input once from the real local
// peer (test/peer): TEMPLATES transactions of the fixture programs,
// executed by litesvm, each with 1..3 events of fixture_dex at the top
// level (the event bytes of the fixture cases, Anchor-encoded by the
// official libraries), and, drawn by a seeded generator, nested CPIs to
// fixture_vault / fixture_legacy / fixture_fuzz with their events,
// emit_cpi! events and failed transactions.  For each one it keeps the
// peer's getTransaction answer (maxSupportedTransactionVersion 0), from
// which the replayer builds both the logsNotification and the backfill
// answers.
//
//   node record.js CONTROL_URL RPC_URL OUT.json [TEMPLATES]
"use strict";
const fs = require("fs");
const path = require("path");

const [control, rpc, out, nArg] = process.argv.slice(2);
const TEMPLATES = Number(nArg || 600);
const fixtures = path.join(__dirname, "..", "..", "..", "shared", "fixtures");
const cases = JSON.parse(fs.readFileSync(process.env.PS_FIXTURES
  ? path.join(process.env.PS_FIXTURES, "anchor_idl_events.json")
  : path.join(fixtures, "anchor_idl_events.json"), "utf8")).cases;

const byIdl = {};
for (const c of cases) (byIdl[c.idl] = byIdl[c.idl] || []).push(c);
const ids = {};
for (const k of Object.keys(byIdl)) ids[k] = byIdl[k][0].program_id;

// xorshift32, seeded: the same input every time
let seed = 0x5eed1234;
function rnd(n) {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed % n;
}
function events(idl, lo, hi) {
  const list = byIdl[idl];
  return Array.from({ length: lo + rnd(hi - lo + 1) }, () => ({ data_b64: list[rnd(list.length)].data_b64 }));
}

async function post(url, body) {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const t = await r.text();
  if (!r.ok) throw new Error(`${url}: ${r.status} ${t}`);
  return JSON.parse(t);
}

function script() {
  const s = { program_id: ids.fixture_dex, logs: ["bench"], events: events("fixture_dex", 1, 3) };
  const cpi = [];
  if (rnd(100) < 35) {
    const v = { program_id: ids.fixture_vault, events: events("fixture_vault", 1, 2) };
    if (rnd(100) < 40) v.cpi = [{ program_id: ids.fixture_legacy, events: events("fixture_legacy", 1, 1) }];
    cpi.push(v);
  }
  if (rnd(100) < 15) cpi.push({ program_id: ids.fixture_fuzz, events: events("fixture_fuzz", 1, 1) });
  if (cpi.length) s.cpi = cpi;
  if (rnd(100) < 10) s.emit_cpi = events("fixture_dex", 1, 1);
  if (rnd(100) < 6) s.fail = { message: "bench failure" };
  return s;
}

(async () => {
  for (const f of ["fixture_dex", "fixture_vault", "fixture_legacy", "fixture_fuzz"])
    await post(control + "/registerProgram", { fixture: f });
  const sigs = [];
  for (let i = 0; i < TEMPLATES; i++) sigs.push((await post(control + "/execute", script())).signature);
  const txs = [];
  for (let i = 0; i < sigs.length; i += 50) {
    const batch = sigs.slice(i, i + 50).map((s, k) => ({
      jsonrpc: "2.0", id: i + k, method: "getTransaction",
      params: [s, { encoding: "json", commitment: "confirmed", maxSupportedTransactionVersion: 0 }],
    }));
    const answers = await post(rpc, batch);
    answers.sort((a, b) => a.id - b.id);
    for (const a of answers) {
      if (!a.result) throw new Error("getTransaction: " + JSON.stringify(a));
      txs.push(a.result);
    }
  }
  fs.writeFileSync(out, JSON.stringify({ program_id: ids.fixture_dex, programs: ids, transactions: txs }));
  const ev = txs.reduce((n, t) => n + t.meta.logMessages.filter((l) => l.startsWith("Program data: ")).length, 0);
  console.error(`recorded ${txs.length} transactions, ${ev} "Program data:" lines`);
})().catch((e) => { console.error(e); process.exit(1); });
