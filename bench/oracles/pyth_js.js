"use strict";
// Decodes/s of the official Pyth PriceUpdateV2 decoder in Node: the
// BorshAccountsCoder of @coral-xyz/anchor 0.29.0 over the IDL shipped in
// @pythnetwork/pyth-solana-receiver 0.14.0 (the coder the receiver SDK
// uses).  Input: the Pyth cases of ../shared/fixtures/oracles.json.
// Prints one JSON line: {"decodes_per_s": N, "runs": [...]}.
const fs = require("fs");
const path = require("path");
const { BorshAccountsCoder } = require("@coral-xyz/anchor");
const { IDL } = require("@pythnetwork/pyth-solana-receiver/idl/pyth_solana_receiver");

const fx = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const bufs = fx.pyth_price_update_v2.cases.map((c) => Buffer.from(c.data_b64, "base64"));
const coder = new BorshAccountsCoder(IDL);
const iters = Number(process.argv[3] || 200000);
let sink = 0;
const runs = [];
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) {
    const v = coder.decode("priceUpdateV2", bufs[i % bufs.length]);
    sink += v.priceMessage.exponent;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  runs.push(Math.round(iters / s));
}
runs.sort((a, b) => a - b);
console.log(JSON.stringify({ decodes_per_s: runs[2], runs, sink: sink !== 0 }));
