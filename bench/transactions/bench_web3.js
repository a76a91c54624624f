// bench_web3.js: the same 3-instruction transaction built and signed
// with @solana/web3.js 1.98.4 (Transaction.add + sign + serialize).
const web3 = require('@solana/web3.js');
const kp = web3.Keypair.fromSeed(Uint8Array.from([1, ...new Array(31).fill(0)]));
const to = new web3.PublicKey(Uint8Array.from([9, 9, 9, ...new Array(29).fill(0)]));
const memoId = new web3.PublicKey(Uint8Array.from([5, 4, 3, ...new Array(29).fill(0)]));
const bh = new web3.PublicKey(Uint8Array.from([7, 7, ...new Array(30).fill(0)])).toBase58();
const n = 5000;
function once() {
  const tx = new web3.Transaction({ feePayer: kp.publicKey, recentBlockhash: bh });
  tx.add(web3.ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1000 }));
  tx.add(web3.SystemProgram.transfer({ fromPubkey: kp.publicKey, toPubkey: to, lamports: 1000000 }));
  tx.add(new web3.TransactionInstruction({ programId: memoId, keys: [{ pubkey: kp.publicKey, isSigner: true, isWritable: false }],
                                           data: Buffer.from('pg_solana benchmark memo') }));
  tx.sign(kp);
  return tx.serialize();
}
for (let i = 0; i < 500; i++) once();
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) once();
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ impl: '@solana/web3.js build+sign', ops_per_sec: Math.round(n / s) }));
