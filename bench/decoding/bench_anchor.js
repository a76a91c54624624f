// bench_anchor.js: the Anchor side of the decoding benchmark.
// @coral-xyz/anchor 0.32.1 BorshEventCoder.decode of the small and large
// bench events plus conversion of the result to JSON text in the
// pg_solana convention (BN -> exact integer digits, PublicKey -> base58,
// Buffer -> base64, enums as given), and EventParser.parseLogs over the
// bench transaction's logs.  Prints one JSON line per measurement.
//
//   node bench_anchor.js DATA.json [SECONDS_PER_CASE] [check]
const fs = require("fs");
const anchor = require("@coral-xyz/anchor");
const { BorshEventCoder, BorshCoder, EventParser, BN } = anchor;
const { PublicKey } = require("@solana/web3.js");

const d = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const secs = Number(process.argv[3] || 1);
const coder = new BorshEventCoder(d.idl);

// to the pg_solana JSON convention, then text
function conv(v) {
  if (v === null || v === undefined) return null;
  if (BN.isBN(v)) return { __num: v.toString() };
  if (v instanceof PublicKey) return v.toBase58();
  if (Buffer.isBuffer(v)) return v.toString("base64");
  if (Array.isArray(v)) return v.map(conv);
  if (typeof v === "object") {
    const keys = Object.keys(v);
    // Anchor decodes a unit enum variant as {Name: {}}: the convention says "Name"
    if (keys.length === 1 && v[keys[0]] && typeof v[keys[0]] === "object" &&
        !Array.isArray(v[keys[0]]) && !BN.isBN(v[keys[0]]) && Object.keys(v[keys[0]]).length === 0 &&
        !(v[keys[0]] instanceof PublicKey)) return keys[0];
    const o = {};
    for (const k of keys) o[k] = conv(v[k]);
    return o;
  }
  return v;
}
function toText(v) {
  // exact integers: emit digits unquoted
  return JSON.stringify(conv(v)).replace(/\{"__num":"(-?\d+)"\}/g, "$1");
}

function bench(label, fn) {
  for (let i = 0; i < 2000; i++) fn(); // JIT warm-up
  let n = 0;
  const t0 = process.hrtime.bigint();
  let t = 0;
  do {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    t = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (t < secs);
  console.log(JSON.stringify({ impl: "anchor", case: label, ops_per_sec: Math.round(n / t) }));
}

let sink = 0;
bench("small", () => { const e = coder.decode(d.small_b64); sink += toText(e.data).length; });
bench("large", () => { const e = coder.decode(d.large_b64); sink += toText(e.data).length; });
const parser = new EventParser(new PublicKey(d.program_id), new BorshCoder(d.idl));
bench("logs", () => {
  let k = 0;
  for (const e of parser.parseLogs(d.logs)) { sink += toText(e.data).length; k++; }
  if (k !== 3) throw new Error(`EventParser found ${k} events, want 3`);
});
if (process.argv[4] === "check") {
  console.error(toText(coder.decode(d.small_b64).data));
  console.error(toText(coder.decode(d.large_b64).data));
}
if (sink === 0) process.exit(1);
