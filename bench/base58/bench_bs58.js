// bench/base58/bench_bs58.js: bs58 (npm) encode/decode throughput on the
// same inputs as bench_base58.c.  Prints one JSON line per operation.
'use strict';
const bs58 = require('bs58').default;

const N = 4096;                       // distinct values, cycled
const ITER = Number(process.env.ITER || 400000);

let s = 0x12345678;
function rnd() { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; }

for (const size of [32, 64]) {
  const values = [];
  for (let i = 0; i < N; i++) {
    const b = new Uint8Array(size);
    for (let k = 0; k < size; k++) b[k] = rnd() & 0xff;
    values.push(b);
  }
  const texts = values.map((v) => bs58.encode(v));
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink += bs58.encode(values[i % N]).length;   // warm up the JIT
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < ITER; i++) sink += bs58.encode(values[i % N]).length;
  let ns = Number(process.hrtime.bigint() - t0);
  console.log(JSON.stringify({ impl: 'bs58', op: 'encode', size, ops_per_sec: ITER / (ns / 1e9), sink }));
  for (let i = 0; i < 20000; i++) sink += bs58.decode(texts[i % N]).length;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < ITER; i++) sink += bs58.decode(texts[i % N]).length;
  ns = Number(process.hrtime.bigint() - t0);
  console.log(JSON.stringify({ impl: 'bs58', op: 'decode', size, ops_per_sec: ITER / (ns / 1e9), sink }));
}
