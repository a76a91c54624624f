// node_pattern.js: the course code's listener on the benchmark's input:
// @solana/web3.js `connection.onLogs(programId, cb, "confirmed")`
// against the replayer; each "Program data:" line decoded as the course's
// parseAnchorEvent does (`coder.events.decode` of Anchor's BorshCoder,
// one per fixture IDL: @coral-xyz/anchor 0.32.1, 0.29.0 for the legacy
// IDL, tried in turn); one INSERT per event with `pg` into the same
// solana.events table, one after the other.  Anchor's EventParser is not
// used: it drops the events that programs log inside a CPI (they are
// 35% of the transactions here), so it would do less work than the
// worker.  Prints one JSON line when COUNT notifications have been
// handled and their rows inserted.
//
//   node node_pattern.js RPC_URL WS_URL PG_URL COUNT FIXTURE_IDL_DIR
"use strict";
const fs = require("fs");
const path = require("path");
const { Connection, PublicKey } = require("@solana/web3.js");
const anchor = require("@coral-xyz/anchor");
const anchor29 = require("@coral-xyz/anchor-0.29");
const { Client } = require("pg");

const [rpc, wsUrl, pgUrl, countArg, idlDir] = process.argv.slice(2);
const COUNT = Number(countArg);
const PROGRAMS = {
  fixture_dex: "DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE",
  fixture_vault: "CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj",
  fixture_legacy: "Cep2LatNRYenCkoBSYVyL2SG6JD7C2gw2qJfS56MoJPb",
  fixture_fuzz: "GCcq5doMUQskzgNPq5gdHXW8iBF2kQ8QQjwZYfthR5DR",
};

const coders = [];
for (const [name, id] of Object.entries(PROGRAMS)) {
  const idl = JSON.parse(fs.readFileSync(path.join(idlDir, name + ".json"), "utf8"));
  const lib = name === "fixture_legacy" ? anchor29 : anchor;
  try {
    coders.push({ id, coder: new lib.BorshCoder(idl) });
  } catch (e) {
    console.error(`${name}: Anchor cannot build a coder (${e.message}); its events are skipped`);
  }
}

// the course's parseAnchorEvent, with one coder per program
function parseAnchorEvent(line) {
  const data = line.slice("Program data: ".length);
  for (const c of coders) {
    let ev = null;
    try {
      ev = c.coder.events.decode(data);
    } catch (e) {
      ev = null;
    }
    if (ev) return { id: c.id, ev };
  }
  return null;
}

// decoded values to JSON text (BN and PublicKey as the course code
// stores them: strings)
function conv(v) {
  if (v === null || v === undefined) return null;
  if (anchor.BN.isBN(v)) return v.toString();
  if (v instanceof PublicKey || (v && v._bn && typeof v.toBase58 === "function")) return v.toBase58();
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (Array.isArray(v)) return v.map(conv);
  if (typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = conv(v[k]);
    return o;
  }
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return v;
}

(async () => {
  const db = new Client({ connectionString: pgUrl });
  await db.connect();
  const connection = new Connection(rpc, { wsEndpoint: wsUrl, commitment: "confirmed" });
  let handled = 0,
    rows = 0,
    failed = 0,
    first = 0;
  let chain = Promise.resolve();

  async function storeEvent(logs, slot, k, programId, ev) {
    try {
      await db.query(
        "INSERT INTO solana.events (signature, slot, log_index, program_id, depth, event_name, data, raw, commitment, tx_failed)" +
          " VALUES ($1, $2, $3, $4, 1, $5, $6, $7, 'confirmed', $8)",
        [logs.signature, slot, k, programId, ev.name, JSON.stringify(conv(ev.data)), Buffer.alloc(0), logs.err !== null]
      );
      rows++;
    } catch (e) {
      if (failed++ === 0) console.error("first INSERT failure: " + e.message);
    }
  }

  const done = new Promise((resolve) => {
    connection.onLogs(
      new PublicKey(PROGRAMS.fixture_dex),
      (logs, ctx) => {
        if (!first) first = Date.now();
        // the course code: parse, then store each event (one INSERT each)
        chain = chain.then(async () => {
          const lines = logs.logs;
          for (let k = 0; k < lines.length; k++) {
            if (!lines[k].startsWith("Program data: ")) continue;
            const e = parseAnchorEvent(lines[k]);
            if (e) await storeEvent(logs, ctx.slot, k, e.id, e.ev);
          }
          if (++handled === COUNT) resolve();
        });
      },
      "confirmed"
    );
  });
  await done;
  const end = Date.now();
  console.log(JSON.stringify({ impl: "node", transactions: handled, rows, insert_failures: failed, first_ms: first, end_ms: end }));
  await db.end();
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
