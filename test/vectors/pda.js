// test/vectors/pda.js: program derived addresses, associated token
// accounts and curve checks computed by @solana/web3.js and
// @solana/spl-token, written as JSON for test/unit/test_pda.c.
// Deterministic: a fixed xorshift stream picks the seeds and keys.
'use strict';
const { PublicKey } = require('@solana/web3.js');
const spl = require('@solana/spl-token');

let s = 0x9e3779b9;
function rnd() { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; }
function bytes(n) { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = rnd() & 0xff; return b; }

const programs = [
  '11111111111111111111111111111111',
  'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL',
  'metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s',
  'DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE',
];
const find = [];
const create = [];
for (let i = 0; i < 200; i++) {
  const program = i < programs.length * 4 ? new PublicKey(programs[i % programs.length]) : new PublicKey(bytes(32));
  const nseeds = i % 16;            // 0..15 seeds (find appends the bump)
  const seeds = [];
  for (let k = 0; k < nseeds; k++) seeds.push(k % 3 === 0 ? Buffer.from(`seed-${i}-${k}`) : bytes(rnd() % 33));
  const [addr, bump] = PublicKey.findProgramAddressSync(seeds, program);
  find.push({ seeds_hex: seeds.map((b) => b.toString('hex')), program_id: program.toBase58(), address: addr.toBase58(), bump });
  // create with every bump from 255 down to the found one: all but the
  // last are on the curve and must be refused
  for (let b = 255; b >= bump && b > bump - 3 && create.length < 600; b--) {
    const all = seeds.concat([Buffer.from([b])]);
    let address = null;
    try { address = PublicKey.createProgramAddressSync(all, program).toBase58(); } catch (e) { address = null; }
    create.push({ seeds_hex: all.map((x) => x.toString('hex')), program_id: program.toBase58(), address });
  }
}
const ata = [];
for (let i = 0; i < 50; i++) {
  const wallet = new PublicKey(bytes(32));
  const mint = new PublicKey(bytes(32));
  const prog = i % 2 ? spl.TOKEN_2022_PROGRAM_ID : spl.TOKEN_PROGRAM_ID;
  let address = null;
  try { address = spl.getAssociatedTokenAddressSync(mint, wallet, true, prog).toBase58(); } catch (e) { address = null; }
  ata.push({ wallet: wallet.toBase58(), mint: mint.toBase58(), token_program: prog.toBase58(), address });
}
const curve = [];
for (let i = 0; i < 400; i++) {
  const b = bytes(32);
  curve.push({ hex: b.toString('hex'), on_curve: PublicKey.isOnCurve(b) });
}
process.stdout.write(JSON.stringify({ generated_by: '@solana/web3.js 1.98.4, @solana/spl-token 0.4.14', find, create, ata, curve }, null, 1) + '\n');
