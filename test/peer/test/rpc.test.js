"use strict";
// JSON-RPC methods checked against values computed with @solana/web3.js
// and @solana/kit.
const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("child_process");
const w3 = require("@solana/web3.js");
const kit = require("@solana/kit");
const bs58 = require("bs58").default;
const { startPeer, closeWs } = require("./helpers");

const LAMPORTS = 1_000_000_000;
let peer;
let conn;

test.before(async () => {
  peer = await startPeer(["--slot-ms", "0", "--confirmed-lag", "0", "--finalized-lag", "0", "--program", "fixture_dex"]);
  conn = new w3.Connection(peer.urls.rpc, { commitment: "confirmed", wsEndpoint: peer.urls.ws });
});
test.after(async () => {
  closeWs(conn);
  await peer.stop();
});

async function funded(lamports = 10 * LAMPORTS) {
  const kp = w3.Keypair.generate();
  const sig = await conn.requestAirdrop(kp.publicKey, lamports);
  await conn.confirmTransaction(sig, "confirmed");
  return kp;
}

async function transferTx(from, to, lamports, opts = {}) {
  const { blockhash } = await conn.getLatestBlockhash();
  const tx = new w3.Transaction({ feePayer: from.publicKey, recentBlockhash: blockhash });
  if (opts.price) tx.add(w3.ComputeBudgetProgram.setComputeUnitPrice({ microLamports: opts.price }));
  tx.add(w3.SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports }));
  if (opts.memo) tx.add(new w3.TransactionInstruction({ programId: new w3.PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"), keys: [], data: Buffer.from(opts.memo) }));
  tx.sign(from);
  return tx;
}

test("cluster methods", async () => {
  const v = await conn.getVersion();
  assert.equal(typeof v["solana-core"], "string");
  assert.equal(await peer.rpc("getHealth"), "ok");
  await peer.control("advanceSlots", { count: 3 });
  const slot = await conn.getSlot("processed");
  assert.ok(slot >= 3);
  assert.equal(await conn.getBlockHeight("processed"), slot);
  const lb = await conn.getLatestBlockhash("processed");
  assert.equal(lb.lastValidBlockHeight, slot + 150);
  assert.equal(bs58.decode(lb.blockhash).length, 32);
  const valid = await peer.rpc("isBlockhashValid", [lb.blockhash, { commitment: "processed" }]);
  assert.equal(valid.value, true);
  assert.equal(typeof valid.context.slot, "number");
  assert.equal((await peer.rpc("isBlockhashValid", [bs58.encode(Buffer.alloc(32, 7))])).value, false);
  // rent: (128 + len) * 3480 * 2 lamports, as the default Rent sysvar gives
  assert.equal(await conn.getMinimumBalanceForRentExemption(0), 890880);
  assert.equal(await conn.getMinimumBalanceForRentExemption(165), (128 + 165) * 3480 * 2);
  const fees = await conn.getRecentPrioritizationFees();
  assert.ok(Array.isArray(fees) && fees.length > 0);
});

test("unsupported method, invalid JSON and batches", async () => {
  const r = await peer.rpcRaw({ jsonrpc: "2.0", id: 7, method: "getBlockProduction", params: [] });
  assert.deepEqual(JSON.parse(r.text), { jsonrpc: "2.0", error: { code: -32601, message: "Method not found" }, id: 7 });
  const bad = await peer.rpcRaw("{not json");
  assert.equal(JSON.parse(bad.text).error.code, -32700);
  const batch = await peer.rpcRaw([{ jsonrpc: "2.0", id: 1, method: "getHealth" }, { jsonrpc: "2.0", id: 2, method: "nope" }, { jsonrpc: "2.0", id: 3, method: "getSlot" }]);
  const b = JSON.parse(batch.text);
  assert.equal(b.length, 3);
  assert.equal(b[0].result, "ok");
  assert.equal(b[1].error.code, -32601);
  assert.equal(typeof b[2].result, "number");
  assert.equal(JSON.parse((await peer.rpcRaw([])).text).error.code, -32600);
});

test("airdrop and a signed System transfer move lamports", async () => {
  const alice = await funded(5 * LAMPORTS);
  const bob = w3.Keypair.generate();
  assert.equal(await conn.getBalance(alice.publicKey), 5 * LAMPORTS);
  const tx = await transferTx(alice, bob.publicKey, 1_234_567);
  const sig = await conn.sendRawTransaction(tx.serialize());
  assert.equal(sig, bs58.encode(tx.signature));
  await conn.confirmTransaction(sig, "confirmed");
  assert.equal(await conn.getBalance(bob.publicKey), 1_234_567);
  assert.equal(await conn.getBalance(alice.publicKey), 5 * LAMPORTS - 1_234_567 - 5000);
  // base58 encoding of sendTransaction
  const tx2 = await transferTx(alice, bob.publicKey, 1000, { memo: "second" });
  const sig2 = await peer.rpc("sendTransaction", [bs58.encode(tx2.serialize())]);
  assert.equal(sig2, bs58.encode(tx2.signature));
  assert.equal(await conn.getBalance(bob.publicKey), 1_235_567);
  // getTransaction: shape checked by web3.js, values against the signed tx
  const got = await conn.getTransaction(sig2, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  assert.equal(got.meta.fee, 5000);
  assert.equal(got.meta.err, null);
  assert.equal(got.version, "legacy");
  const keys = got.transaction.message.staticAccountKeys.map((k) => k.toBase58());
  assert.deepEqual(keys, tx2.compileMessage().accountKeys.map((k) => k.toBase58()));
  const ai = keys.indexOf(alice.publicKey.toBase58());
  assert.equal(got.meta.preBalances[ai] - got.meta.postBalances[ai], 1000 + 5000);
  assert.ok(got.meta.logMessages.includes("Program 11111111111111111111111111111111 invoke [1]"));
  assert.ok(got.meta.logMessages.includes("Program log: Memo (len 6)"));
  assert.ok(got.meta.logMessages.includes("Program log: second"));
  assert.deepEqual(got.meta.innerInstructions, []);
  assert.equal(typeof got.blockTime, "number");
  // base64 encoding gives back the wire bytes
  const raw = await peer.rpc("getTransaction", [sig2, { encoding: "base64", commitment: "confirmed" }]);
  assert.deepEqual(raw.transaction, [tx2.serialize().toString("base64"), "base64"]);
  assert.equal(raw.version, undefined);
  const decoded = kit.getTransactionDecoder().decode(Buffer.from(raw.transaction[0], "base64"));
  assert.equal(Object.keys(decoded.signatures)[0], alice.publicKey.toBase58());
  // statuses
  const st = await peer.rpc("getSignatureStatuses", [[sig, sig2, bs58.encode(Buffer.alloc(64, 1))], { searchTransactionHistory: true }]);
  assert.equal(st.value[1].confirmationStatus, "finalized");
  assert.equal(st.value[1].confirmations, null);
  assert.deepEqual(st.value[1].status, { Ok: null });
  assert.equal(st.value[2], null);
  // memo field of getSignaturesForAddress
  const sigs = await conn.getSignaturesForAddress(alice.publicKey);
  assert.equal(sigs[0].signature, sig2);
  assert.equal(sigs[0].memo, "[6] second");
});

test("a transaction with a bad signature is rejected and does not land", async () => {
  const alice = await funded(LAMPORTS);
  const bob = w3.Keypair.generate();
  const tx = await transferTx(alice, bob.publicKey, 5000);
  const wire = Buffer.from(tx.serialize());
  wire[10] ^= 0xff; // inside the first signature
  await assert.rejects(peer.rpc("sendTransaction", [wire.toString("base64"), { encoding: "base64" }]), (e) => e.rpc.code === -32003 && /signature verification/.test(e.rpc.message));
  // with preflight off the RPC answers a signature, but no leader executes it
  const sig = await peer.rpc("sendTransaction", [wire.toString("base64"), { encoding: "base64", skipPreflight: true }]);
  assert.equal(sig, bs58.encode(wire.subarray(1, 65)));
  const st = await peer.rpc("getSignatureStatuses", [[sig], { searchTransactionHistory: true }]);
  assert.equal(st.value[0], null);
  assert.equal(await conn.getBalance(bob.publicKey), 0);
  assert.equal(await conn.getBalance(alice.publicKey), LAMPORTS);
});

test("preflight failure, skipPreflight failure landing with err, simulateTransaction", async () => {
  const alice = await funded(LAMPORTS);
  const bob = w3.Keypair.generate();
  const tooMuch = await transferTx(alice, bob.publicKey, 2 * LAMPORTS);
  await assert.rejects(peer.rpc("sendTransaction", [tooMuch.serialize().toString("base64"), { encoding: "base64" }]), (e) => {
    assert.equal(e.rpc.code, -32002);
    assert.match(e.rpc.message, /^Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1$/);
    assert.deepEqual(e.rpc.data.err, { InstructionError: [0, { Custom: 1 }] });
    assert.ok(e.rpc.data.logs.some((l) => l.startsWith("Transfer: insufficient lamports")));
    return true;
  });
  const sim = await conn.simulateTransaction(tooMuch);
  assert.deepEqual(sim.value.err, { InstructionError: [0, { Custom: 1 }] });
  const ok = await transferTx(alice, bob.publicKey, LAMPORTS / 10);
  const sim2 = await peer.rpc("simulateTransaction", [ok.serialize().toString("base64"), { encoding: "base64", sigVerify: true, accounts: { addresses: [bob.publicKey.toBase58()], encoding: "base64" } }]);
  assert.equal(sim2.value.err, null);
  assert.equal(sim2.value.unitsConsumed, 150);
  assert.deepEqual(sim2.value.logs, ["Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"]);
  assert.equal(sim2.value.accounts[0].lamports, LAMPORTS / 10);
  assert.equal(await conn.getBalance(bob.publicKey), 0, "simulation does not commit");
  // the failing one sent without preflight lands with its error, fee charged
  const sig = await peer.rpc("sendTransaction", [tooMuch.serialize().toString("base64"), { encoding: "base64", skipPreflight: true }]);
  const got = await conn.getTransaction(sig, { commitment: "confirmed" });
  assert.deepEqual(got.meta.err, { InstructionError: [0, { Custom: 1 }] });
  assert.equal(await conn.getBalance(alice.publicKey), LAMPORTS - 5000);
  const st = await peer.rpc("getSignatureStatuses", [[sig]]);
  assert.deepEqual(st.value[0].status, { Err: { InstructionError: [0, { Custom: 1 }] } });
});

test("getSignaturesForAddress pages newest first with before, until and limit", async () => {
  const alice = await funded(LAMPORTS);
  const bob = w3.Keypair.generate();
  const sent = [];
  for (let i = 0; i < 6; i++) {
    const tx = await transferTx(alice, bob.publicKey, 1_000_000 + i);
    sent.push(await conn.sendRawTransaction(tx.serialize()));
  }
  const all = await conn.getSignaturesForAddress(bob.publicKey);
  assert.deepEqual(all.map((s) => s.signature), [...sent].reverse());
  const slots = all.map((s) => s.slot);
  assert.deepEqual(slots, [...slots].sort((a, b) => b - a));
  const page1 = await conn.getSignaturesForAddress(bob.publicKey, { limit: 2 });
  assert.deepEqual(page1.map((s) => s.signature), [sent[5], sent[4]]);
  const page2 = await conn.getSignaturesForAddress(bob.publicKey, { limit: 2, before: page1[1].signature });
  assert.deepEqual(page2.map((s) => s.signature), [sent[3], sent[2]]);
  const until = await conn.getSignaturesForAddress(bob.publicKey, { until: sent[2] });
  assert.deepEqual(until.map((s) => s.signature), [sent[5], sent[4], sent[3]]);
  const both = await conn.getSignaturesForAddress(bob.publicKey, { before: sent[4], until: sent[1] });
  assert.deepEqual(both.map((s) => s.signature), [sent[3], sent[2]]);
  await assert.rejects(peer.rpc("getSignaturesForAddress", [bob.publicKey.toBase58(), { limit: 1001 }]), (e) => e.rpc.code === -32602);
});

test("a batch of getTransaction calls answers each as the single call does, by id", async () => {
  // the ingest worker's backfill sends its getTransaction calls as batches
  const alice = await funded(LAMPORTS);
  const bob = w3.Keypair.generate();
  const sent = [];
  for (let i = 0; i < 3; i++) {
    const tx = await transferTx(alice, bob.publicKey, 2_000_000 + i);
    sent.push(await conn.sendRawTransaction(tx.serialize()));
  }
  const cfg = { encoding: "json", maxSupportedTransactionVersion: 0, commitment: "confirmed" };
  const unknown = bs58.encode(Buffer.alloc(64, 7));
  const reqs = [...sent, unknown].map((sig, i) => ({ jsonrpc: "2.0", id: 40 + i, method: "getTransaction", params: [sig, cfg] }));
  reqs.push({ jsonrpc: "2.0", id: 50, method: "getTransactions", params: [sent[0], cfg] });
  const r = await peer.rpcRaw(reqs);
  assert.equal(r.status, 200);
  const answers = JSON.parse(r.text);
  assert.ok(Array.isArray(answers));
  assert.equal(answers.length, reqs.length);
  const byId = new Map(answers.map((a) => [a.id, a]));
  for (let i = 0; i < sent.length; i++) {
    const single = JSON.parse((await peer.rpcRaw(reqs[i])).text);
    assert.deepEqual(byId.get(40 + i), single);
    assert.equal(single.result.transaction.signatures[0], sent[i]);
  }
  assert.equal(byId.get(43).result, null);
  assert.equal(byId.get(50).error.code, -32601);
});

test("accounts: encodings, dataSlice, getMultipleAccounts, getProgramAccounts filters", async () => {
  const dex = "DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE";
  const a1 = w3.Keypair.generate().publicKey.toBase58();
  const a2 = w3.Keypair.generate().publicKey.toBase58();
  const r = await peer.control("execute", {
    program_id: dex,
    writes: [
      { address: a1, data_b64: Buffer.from("hello world, this is account one").toString("base64"), space: 64 },
      { address: a2, data_b64: Buffer.from("another account").toString("base64") },
    ],
  });
  assert.equal(r.err, null);
  const info = await conn.getAccountInfo(new w3.PublicKey(a1));
  assert.equal(info.owner.toBase58(), dex);
  assert.equal(info.data.length, 64);
  assert.equal(info.lamports, await conn.getMinimumBalanceForRentExemption(64));
  assert.equal(info.data.subarray(0, 5).toString(), "hello");
  const sliced = await peer.rpc("getAccountInfo", [a1, { encoding: "base64", dataSlice: { offset: 6, length: 5 } }]);
  assert.deepEqual(sliced.value.data, [Buffer.from("world").toString("base64"), "base64"]);
  assert.equal(sliced.value.space, 64);
  const b58 = await peer.rpc("getAccountInfo", [a2, { encoding: "base58" }]);
  assert.deepEqual(b58.value.data, [bs58.encode(Buffer.from("another account")), "base58"]);
  const z = await peer.rpc("getAccountInfo", [a1, { encoding: "base64+zstd" }]);
  assert.equal(z.value.data[1], "base64+zstd");
  let zstdOk = true;
  try {
    execFileSync("zstd", ["--version"], { stdio: "ignore" });
  } catch (e) {
    zstdOk = false;
  }
  if (zstdOk) {
    const plain = execFileSync("zstd", ["-d", "-c"], { input: Buffer.from(z.value.data[0], "base64") });
    assert.deepEqual(plain, info.data);
  }
  const none = await peer.rpc("getAccountInfo", [w3.Keypair.generate().publicKey.toBase58(), { encoding: "base64" }]);
  assert.equal(none.value, null);
  const multi = await conn.getMultipleAccountsInfo([new w3.PublicKey(a1), w3.Keypair.generate().publicKey, new w3.PublicKey(a2)]);
  assert.equal(multi.length, 3);
  assert.equal(multi[1], null);
  assert.equal(multi[2].data.toString(), "another account");
  const all = await conn.getProgramAccounts(new w3.PublicKey(dex));
  assert.deepEqual(all.map((x) => x.pubkey.toBase58()).sort(), [a1, a2].sort());
  const bySize = await conn.getProgramAccounts(new w3.PublicKey(dex), { filters: [{ dataSize: 64 }] });
  assert.deepEqual(bySize.map((x) => x.pubkey.toBase58()), [a1]);
  const byBytes = await conn.getProgramAccounts(new w3.PublicKey(dex), { filters: [{ memcmp: { offset: 8, bytes: bs58.encode(Buffer.from("account")) } }] });
  assert.deepEqual(byBytes.map((x) => x.pubkey.toBase58()), [a2]);
  const b64f = await peer.rpc("getProgramAccounts", [dex, { encoding: "base64", withContext: true, filters: [{ memcmp: { offset: 0, bytes: Buffer.from("hello").toString("base64"), encoding: "base64" } }] }]);
  assert.deepEqual(b64f.value.map((x) => x.pubkey), [a1]);
});

test("v0 transactions need maxSupportedTransactionVersion; prioritization fees", async () => {
  const alice = await funded(LAMPORTS);
  const bob = w3.Keypair.generate();
  const { blockhash } = await conn.getLatestBlockhash();
  const msg = new w3.TransactionMessage({ payerKey: alice.publicKey, recentBlockhash: blockhash, instructions: [w3.ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 5000 }), w3.SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob.publicKey, lamports: 1_000_000 })] }).compileToV0Message();
  const vtx = new w3.VersionedTransaction(msg);
  vtx.sign([alice]);
  const sig = await conn.sendTransaction(vtx);
  await assert.rejects(peer.rpc("getTransaction", [sig, { commitment: "confirmed" }]), (e) => e.rpc.code === -32015);
  const got = await conn.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  assert.equal(got.version, 0);
  // fee: 5000 per signature + ceil(5000 micro-lamports x (200000 + 3000 + 3000 units... ) / 1e6)
  const limit = 3000 + 3000; // two builtin instructions
  assert.equal(got.meta.fee, 5000 + Math.ceil((5000 * limit) / 1e6));
  assert.deepEqual(got.transaction.message.addressTableLookups, []);
  const fees = await conn.getRecentPrioritizationFees({ lockedWritableAccounts: [bob.publicKey] });
  const f = fees.find((x) => x.slot === got.slot);
  assert.equal(f.prioritizationFee, 5000);
});

test("@solana/kit client: signs, sends and reads back", async () => {
  const rpc = kit.createSolanaRpc(peer.urls.rpc);
  const payer = await kit.generateKeyPairSigner();
  const to = await kit.generateKeyPairSigner();
  await rpc.requestAirdrop(payer.address, kit.lamports(2_000_000_000n)).send();
  assert.equal((await rpc.getBalance(payer.address, { commitment: "confirmed" }).send()).value, 2_000_000_000n);
  const { value: latest } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
  const data = new Uint8Array(12);
  new DataView(data.buffer).setUint32(0, 2, true);
  new DataView(data.buffer).setBigUint64(4, 5_000_000n, true);
  const ix = {
    programAddress: kit.address("11111111111111111111111111111111"),
    accounts: [
      { address: payer.address, role: kit.AccountRole.WRITABLE_SIGNER, signer: payer },
      { address: to.address, role: kit.AccountRole.WRITABLE },
    ],
    data,
  };
  const msg = kit.pipe(
    kit.createTransactionMessage({ version: 0 }),
    (m) => kit.setTransactionMessageFeePayerSigner(payer, m),
    (m) => kit.setTransactionMessageLifetimeUsingBlockhash(latest, m),
    (m) => kit.appendTransactionMessageInstruction(ix, m),
  );
  const signed = await kit.signTransactionMessageWithSigners(msg);
  const sig = await rpc.sendTransaction(kit.getBase64EncodedWireTransaction(signed), { encoding: "base64" }).send();
  assert.equal(sig, kit.getSignatureFromTransaction(signed));
  assert.equal((await rpc.getBalance(to.address, { commitment: "confirmed" }).send()).value, 5_000_000n);
  assert.equal((await rpc.getBalance(payer.address, { commitment: "confirmed" }).send()).value, 2_000_000_000n - 5_000_000n - 5000n);
  const tx = await rpc.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0, encoding: "base64" }).send();
  assert.equal(tx.version, 0);
  assert.equal(tx.meta.fee, 5000n);
  assert.equal(tx.transaction[0], kit.getBase64EncodedWireTransaction(signed));
});

test("SPL Token: real execution with pre/post token balances", async () => {
  const TOKEN = new w3.PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
  const payer = await funded(2 * LAMPORTS);
  const mint = w3.Keypair.generate();
  const acct = w3.Keypair.generate();
  const owner = w3.Keypair.generate().publicKey;
  const u64 = (n) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const { blockhash } = await conn.getLatestBlockhash();
  const tx = new w3.Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash });
  tx.add(w3.SystemProgram.createAccount({ fromPubkey: payer.publicKey, newAccountPubkey: mint.publicKey, lamports: await conn.getMinimumBalanceForRentExemption(82), space: 82, programId: TOKEN }));
  // InitializeMint2 {decimals: 6, mint_authority: payer, freeze_authority: None}
  tx.add(new w3.TransactionInstruction({ programId: TOKEN, keys: [{ pubkey: mint.publicKey, isSigner: false, isWritable: true }], data: Buffer.concat([Buffer.from([20, 6]), payer.publicKey.toBuffer(), Buffer.from([0])]) }));
  tx.add(w3.SystemProgram.createAccount({ fromPubkey: payer.publicKey, newAccountPubkey: acct.publicKey, lamports: await conn.getMinimumBalanceForRentExemption(165), space: 165, programId: TOKEN }));
  // InitializeAccount3 {owner}
  tx.add(new w3.TransactionInstruction({ programId: TOKEN, keys: [{ pubkey: acct.publicKey, isSigner: false, isWritable: true }, { pubkey: mint.publicKey, isSigner: false, isWritable: false }], data: Buffer.concat([Buffer.from([18]), owner.toBuffer()]) }));
  // MintTo 1.5 tokens
  tx.add(new w3.TransactionInstruction({ programId: TOKEN, keys: [{ pubkey: mint.publicKey, isSigner: false, isWritable: true }, { pubkey: acct.publicKey, isSigner: false, isWritable: true }, { pubkey: payer.publicKey, isSigner: true, isWritable: false }], data: Buffer.concat([Buffer.from([7]), u64(1_500_000)]) }));
  tx.sign(payer, mint, acct);
  const sig = await conn.sendRawTransaction(tx.serialize());
  const got = await conn.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  assert.equal(got.meta.err, null);
  assert.equal(got.meta.fee, 15000);
  assert.deepEqual(got.meta.preTokenBalances, []);
  assert.equal(got.meta.postTokenBalances.length, 1);
  const tb = got.meta.postTokenBalances[0];
  assert.equal(got.transaction.message.staticAccountKeys[tb.accountIndex].toBase58(), acct.publicKey.toBase58());
  assert.equal(tb.mint, mint.publicKey.toBase58());
  assert.equal(tb.owner, owner.toBase58());
  assert.deepEqual(tb.uiTokenAmount, { amount: "1500000", decimals: 6, uiAmount: 1.5, uiAmountString: "1.5" });
  assert.equal(got.meta.logMessages.filter((l) => l === `Program ${TOKEN.toBase58()} invoke [1]`).length, 3);
  const info = await conn.getAccountInfo(acct.publicKey);
  assert.equal(info.owner.toBase58(), TOKEN.toBase58());
  assert.equal(info.data.readBigUInt64LE(64), 1_500_000n);
});

test("address lookup tables: v0 transaction with loadedAddresses", async () => {
  const payer = await funded(5 * LAMPORTS);
  const slot = await conn.getSlot("finalized");
  const [createIx, alt] = w3.AddressLookupTableProgram.createLookupTable({ authority: payer.publicKey, payer: payer.publicKey, recentSlot: slot });
  const addrs = Array.from({ length: 3 }, () => w3.Keypair.generate().publicKey);
  const extendIx = w3.AddressLookupTableProgram.extendLookupTable({ lookupTable: alt, authority: payer.publicKey, payer: payer.publicKey, addresses: addrs });
  let { blockhash } = await conn.getLatestBlockhash();
  const tx = new w3.Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(createIx, extendIx);
  tx.sign(payer);
  const createSig = await conn.sendRawTransaction(tx.serialize());
  // real CPIs (ALT program -> System program) in meta.innerInstructions
  const created = await peer.rpc("getTransaction", [createSig, { commitment: "confirmed" }]);
  const keys = created.transaction.message.accountKeys;
  assert.ok(created.meta.innerInstructions.length >= 1);
  for (const group of created.meta.innerInstructions) {
    for (const ii of group.instructions) {
      assert.equal(keys[ii.programIdIndex], "11111111111111111111111111111111");
      assert.equal(ii.stackHeight, 2);
      assert.equal(typeof ii.data, "string");
    }
  }
  await peer.control("advanceSlots", { count: 1 }); // a table is usable from the next slot
  const table = (await conn.getAddressLookupTable(alt)).value;
  assert.deepEqual(table.state.addresses.map((a) => a.toBase58()), addrs.map((a) => a.toBase58()));
  ({ blockhash } = await conn.getLatestBlockhash());
  const msg = new w3.TransactionMessage({ payerKey: payer.publicKey, recentBlockhash: blockhash, instructions: [w3.SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: addrs[1], lamports: LAMPORTS / 100 })] }).compileToV0Message([table]);
  const vtx = new w3.VersionedTransaction(msg);
  vtx.sign([payer]);
  const sig = await conn.sendTransaction(vtx);
  const got = await conn.getTransaction(sig, { maxSupportedTransactionVersion: 0, commitment: "confirmed" });
  assert.equal(got.meta.err, null);
  assert.deepEqual(got.meta.loadedAddresses.writable.map((a) => a.toBase58()), [addrs[1].toBase58()]);
  assert.deepEqual(got.transaction.message.addressTableLookups.map((l) => [l.accountKey.toBase58(), Array.from(l.writableIndexes)]), [[alt.toBase58(), [1]]]);
  assert.equal(got.meta.postBalances[2], LAMPORTS / 100, "index 2 = first loaded writable key");
  const sigs = await conn.getSignaturesForAddress(addrs[1]);
  assert.deepEqual(sigs.map((s) => s.signature), [sig]);
  assert.equal(await conn.getBalance(addrs[1]), LAMPORTS / 100);
});
