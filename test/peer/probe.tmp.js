const { LiteSVM } = require("litesvm");
const kit = require("@solana/kit");
const w3 = require("@solana/web3.js");
const svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n);
const payer = w3.Keypair.generate();
const A = (pk) => kit.address(pk.toBase58());
svm.airdrop(A(payer.publicKey), 1_000_000_000n);
const to = w3.Keypair.generate().publicKey;
function send(ixs, signers=[payer], bh) {
  const tx = new w3.Transaction(); tx.recentBlockhash = bh || w3.Keypair.generate().publicKey.toBase58(); tx.feePayer = payer.publicKey;
  ixs.forEach(i=>tx.add(i)); tx.sign(...signers);
  return svm.sendTransaction(kit.getTransactionDecoder().decode(tx.serialize()));
}
let r = send([w3.SystemProgram.transfer({fromPubkey: payer.publicKey, toPubkey: to, lamports: 5_000_000_000})]);
console.log(r.constructor.name, r.toString().slice(0,200), JSON.stringify(r.err && r.err()), svm.getBalance(A(payer.publicKey)));
console.log(r.meta().logs());
r = send([w3.SystemProgram.transfer({fromPubkey: payer.publicKey, toPubkey: to, lamports: 5_000})]);
console.log(r.constructor.name, svm.getBalance(A(payer.publicKey)), svm.getBalance(A(to)));
const t0=Date.now(); const b = svm.toBytes(); console.log("snapshot bytes", b.length, Date.now()-t0, "ms");
const s2 = LiteSVM.fromBytes(b); console.log(s2.getBalance(A(to)));
const e = r.innerInstructions(); console.log(e);
console.log(svm.getClock(), Object.getOwnPropertyNames(Object.getPrototypeOf(svm.getClock())));
