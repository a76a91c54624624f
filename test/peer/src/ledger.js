"use strict";
// The peer's chain: a litesvm instance plus what a validator's ledger
// and RPC indexes keep around it.  Vocabulary:
//   block       one slot's worth of transactions; every slot has one
//               (no skipped slots), so block height == slot
//   record      a landed transaction: its wire bytes and the meta the
//               RPC reports (err, fee, balances, logs, inner ixs)
//   frontier    the highest slot at a commitment level: processed is
//               the tip, confirmed = tip - confirmedLag, finalized =
//               confirmed - finalizedLag
//   version     an account's state after the transaction that wrote
//               it; kept until finalized so reads at "confirmed" or
//               "finalized" see the state of that slot
// Events: "block" (slot, records), "frontier" (commitment, from, to).

const crypto = require("crypto");
const fs = require("fs");
const EventEmitter = require("events");
const { LiteSVM, Clock } = require("litesvm");
const kit = require("@solana/kit");
const w3 = require("@solana/web3.js");
const { b58, unb58, rpcErr } = require("./encoding");
const txerror = require("./txerror");
const J = require("./json");

const SYSTEM = "11111111111111111111111111111111";
const COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111";
const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const TOKEN_2022 = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";
const MEMO_PROGRAMS = new Set(["MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr", "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"]);
const ED25519 = "Ed25519SigVerify111111111111111111111111111";
const SECP256K1 = "KeccakSecp256k11111111111111111111111111111";
const SECP256R1 = "Secp256r1SigVerify1111111111111111111111111";
const BUILTINS = new Set([SYSTEM, COMPUTE_BUDGET, "AddressLookupTab1e1111111111111111111111111", "Vote111111111111111111111111111111111111111", "Stake11111111111111111111111111111111111111", "Config1111111111111111111111111111111111111", "BPFLoaderUpgradeab1e11111111111111111111111", "BPFLoader2111111111111111111111111111111111", "BPFLoader1111111111111111111111111111111111", ED25519, SECP256K1, SECP256R1]);
const U64_MAX = 18446744073709551615n;
const LAMPORTS_PER_SIGNATURE = 5000n;
const MAX_PROCESSING_AGE = 150;
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");

const A = (s) => kit.address(typeof s === "string" ? s : s.toBase58());

function snapshotOf(acc) {
  if (!acc || !acc.exists) return null;
  return { lamports: BigInt(acc.lamports), owner: String(acc.programAddress), data: Buffer.from(acc.data), executable: !!acc.executable, space: Number(acc.space === undefined ? acc.data.length : acc.space) };
}

function sameAccount(a, b) {
  if (!a || !b) return a === b;
  return a.lamports === b.lamports && a.owner === b.owner && a.executable === b.executable && a.data.equals(b.data);
}

const pubKeyObjects = new Map();
function publicKeyObject(raw) {
  const k = raw.toString("hex");
  let o = pubKeyObjects.get(k);
  if (!o) {
    if (pubKeyObjects.size > 10000) pubKeyObjects.clear();
    o = crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: "der", type: "spki" });
    pubKeyObjects.set(k, o);
  }
  return o;
}

function verifySignatures(message, signatures, staticKeys, numRequired) {
  const msgBytes = Buffer.from(message.serialize());
  for (let i = 0; i < numRequired; i++) {
    const sig = signatures[i];
    if (!sig || sig.length !== 64) return false;
    const key = publicKeyObject(staticKeys[i].toBuffer());
    if (!crypto.verify(null, msgBytes, key, Buffer.from(sig))) return false;
  }
  return true;
}

// Sign a web3.js Transaction with Node's native ed25519 (the JS
// implementation costs milliseconds per signature).
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const keyObjects = new WeakMap();
function signNative(tx, keypair) {
  let key = keyObjects.get(keypair);
  if (!key) {
    key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from(keypair.secretKey.subarray(0, 32))]), format: "der", type: "pkcs8" });
    keyObjects.set(keypair, key);
  }
  const sig = crypto.sign(null, tx.serializeMessage(), key);
  tx.addSignature(keypair.publicKey, sig);
  return tx;
}

function hashFrom(prev, slot) {
  return b58(crypto.createHash("sha256").update(`${prev}/${slot}`).digest());
}

class Ledger extends EventEmitter {
  constructor(opts = {}) {
    super();
    this.opts = {
      confirmedLag: opts.confirmedLag === undefined ? 1 : opts.confirmedLag,
      finalizedLag: opts.finalizedLag === undefined ? 32 : opts.finalizedLag,
      startSlot: opts.startSlot || 0,
      statePath: opts.statePath || null,
    };
    this.payer = w3.Keypair.fromSeed(crypto.createHash("sha256").update("pg_solana peer fee payer").digest());
    this.faucet = w3.Keypair.fromSeed(crypto.createHash("sha256").update("pg_solana peer faucet").digest());
    this.records = new Map(); // signature -> record
    this.order = []; // signatures in ledger order
    this.addrSigs = new Map(); // address -> [signature] (ledger order)
    this.blocks = new Map(); // slot -> {blockhash, parentSlot, blockTime, signatures}
    this.hashes = new Map(); // blockhash -> {slot, lastValidBlockHeight}
    this.history = new Map(); // address -> [{slot, before, after}]
    this.changes = new Map(); // slot -> [{address, after}]
    this.programs = new Map(); // scripted program id -> {idl}
    this.events = []; // every event the peer emitted (scripted programs)
    this.slot = this.opts.startSlot;
    this.dirty = false;
    if (this.opts.statePath && fs.existsSync(this.opts.statePath)) this.load();
    else this.genesis();
  }

  // ---------- setup and persistence ----------
  newSvm() {
    return new LiteSVM().withBlockhashCheck(false).withSigverify(true).withTransactionHistory(0n).withLogBytesLimit(10000n);
  }

  genesis() {
    this.svm = this.newSvm();
    // genesis balances: set directly, as a genesis config would
    this.setAccount(this.payer.publicKey.toBase58(), { lamports: 1_000_000n * 1_000_000_000n, owner: SYSTEM, data: Buffer.alloc(0) });
    this.setAccount(this.faucet.publicKey.toBase58(), { lamports: 100_000_000n * 1_000_000_000n, owner: SYSTEM, data: Buffer.alloc(0) });
    const genesisHash = hashFrom("pg_solana genesis", this.slot);
    this.addBlock(this.slot, genesisHash, [], Math.floor(Date.now() / 1000));
    this.syncClock();
  }

  save() {
    if (!this.opts.statePath) return;
    const p = this.opts.statePath;
    fs.writeFileSync(p + ".svm.tmp", Buffer.from(this.svm.toBytes()));
    const state = {
      format: "pg_solana-peer-state",
      version: 1,
      slot: this.slot,
      records: this.order.map((s) => {
        const r = this.records.get(s);
        return { ...r, wire: r.wire.toString("base64") };
      }),
      blocks: [...this.blocks.entries()].filter(([slot, b]) => b.signatures.length || slot > this.slot - 300),
      programs: [...this.programs.entries()].map(([id, p]) => ({ program_id: id, idl: p.idl })),
      events: this.events,
    };
    fs.writeFileSync(p + ".tmp", J.stringify(state));
    fs.renameSync(p + ".svm.tmp", p + ".svm");
    fs.renameSync(p + ".tmp", p);
    this.dirty = false;
  }

  load() {
    const p = this.opts.statePath;
    const state = J.parse(fs.readFileSync(p, "utf8"));
    this.svm = LiteSVM.fromBytes(fs.readFileSync(p + ".svm"));
    this.svm.withBlockhashCheck(false).withSigverify(true).withTransactionHistory(0n).withLogBytesLimit(10000n);
    this.slot = Number(state.slot);
    for (const r of state.records) {
      r.wire = Buffer.from(r.wire, "base64");
      this.index(r);
    }
    for (const [slot, b] of state.blocks) {
      this.blocks.set(Number(slot), b);
      this.hashes.set(b.blockhash, { slot: Number(slot), lastValidBlockHeight: Number(slot) + MAX_PROCESSING_AGE });
    }
    if (!this.blocks.has(this.slot)) this.addBlock(this.slot, hashFrom("restart", this.slot), [], Math.floor(Date.now() / 1000));
    this.programs = new Map(state.programs.map((x) => [x.program_id, { idl: x.idl }]));
    this.events = state.events || [];
    this.syncClock();
  }

  index(r) {
    this.records.set(r.signature, r);
    this.order.push(r.signature);
    for (const k of r.accountKeys) {
      if (!this.addrSigs.has(k)) this.addrSigs.set(k, []);
      const list = this.addrSigs.get(k);
      if (list[list.length - 1] !== r.signature) list.push(r.signature);
    }
  }

  // Clock and SlotHashes sysvars follow the peer's slots (the Address
  // Lookup Table program checks recent slots against SlotHashes).
  syncClock() {
    const slot = BigInt(this.slot);
    this.svm.setClock(new Clock(slot, 0n, slot / 432000n, slot / 432000n + 1n, BigInt(Math.floor(Date.now() / 1000))));
    const hashes = [];
    for (let s = this.slot; s >= 0 && s > this.slot - 512; s--) {
      const b = this.blocks.get(s);
      if (b) hashes.push({ slot: BigInt(s), hash: b.blockhash });
    }
    if (hashes.length) this.svm.setSlotHashes(hashes);
  }

  // ---------- slots, blocks and commitment ----------
  frontier(commitment) {
    const c = commitment || "finalized";
    const confirmed = Math.max(this.opts.startSlot, this.slot - this.opts.confirmedLag);
    if (c === "processed" || c === "recent" || c === "single") return this.slot;
    if (c === "confirmed" || c === "singleGossip") return confirmed;
    return Math.max(this.opts.startSlot, confirmed - this.opts.finalizedLag);
  }

  commitmentOf(slot) {
    if (slot <= this.frontier("finalized")) return "finalized";
    if (slot <= this.frontier("confirmed")) return "confirmed";
    return "processed";
  }

  addBlock(slot, blockhash, signatures, blockTime) {
    this.blocks.set(slot, { blockhash, parentSlot: slot > 0 ? slot - 1 : 0, blockTime, signatures });
    this.hashes.set(blockhash, { slot, lastValidBlockHeight: slot + MAX_PROCESSING_AGE });
    // forget what nobody can ask for any more
    const old = slot - 2 * MAX_PROCESSING_AGE;
    const ob = this.blocks.get(old);
    if (ob) {
      this.hashes.delete(ob.blockhash);
      if (!ob.signatures.length) this.blocks.delete(old);
    }
  }

  // Advance the tip by one slot, producing a block with `records`.
  advance(records = []) {
    const before = { processed: this.frontier("processed"), confirmed: this.frontier("confirmed"), finalized: this.frontier("finalized") };
    const prev = this.blocks.get(this.slot);
    this.slot += 1;
    const blockhash = hashFrom(prev ? prev.blockhash : "", this.slot);
    const blockTime = Math.floor(Date.now() / 1000);
    records.forEach((r, i) => {
      r.slot = this.slot;
      r.blockTime = blockTime;
      r.indexInBlock = i;
    });
    this.addBlock(this.slot, blockhash, records.map((r) => r.signature), blockTime);
    this.syncClock();
    this.dirty = true;
    this.emit("block", this.slot, records);
    for (const c of ["processed", "confirmed", "finalized"]) {
      const to = this.frontier(c);
      if (to > before[c]) this.emit("frontier", c, before[c], to);
    }
    this.prune();
  }

  prune() {
    const fin = this.frontier("finalized");
    for (const [slot] of this.changes) if (slot < fin - 2) this.changes.delete(slot);
    for (const [addr, list] of this.history) {
      let k = 0;
      while (k + 1 < list.length && list[k + 1].slot <= fin) k++;
      if (k > 0) list.splice(0, k);
      if (list.length === 1 && list[0].slot <= fin - 2) this.history.delete(addr);
    }
  }

  blockhashInfo(blockhash) {
    const h = this.hashes.get(blockhash);
    if (!h) return null;
    return h.lastValidBlockHeight >= this.slot + 1 ? h : null;
  }

  latestBlockhash(commitment) {
    const slot = this.frontier(commitment);
    const b = this.blocks.get(slot);
    return { slot, blockhash: b.blockhash, lastValidBlockHeight: slot + MAX_PROCESSING_AGE };
  }

  // ---------- accounts ----------
  current(address) {
    return snapshotOf(this.svm.getAccount(A(address)));
  }

  accountAt(address, commitment) {
    const list = this.history.get(address);
    if (!list || !list.length) return this.current(address);
    const at = this.frontier(commitment);
    for (let i = list.length - 1; i >= 0; i--) if (list[i].slot <= at) return list[i].after;
    return list[0].before;
  }

  setAccount(address, acc) {
    this.svm.setAccount({ address: A(address), lamports: acc.lamports, programAddress: A(acc.owner), data: Uint8Array.from(acc.data), executable: !!acc.executable, space: BigInt(acc.data.length) });
  }

  programAccounts(programId, commitment) {
    const out = new Map();
    for (const a of this.svm.getProgramAccounts(A(programId))) out.set(String(a.address), snapshotOf({ ...a, exists: true }));
    // versions newer than the commitment: use the older state
    const at = this.frontier(commitment);
    for (const [addr, list] of this.history) {
      if (!list.length || list[list.length - 1].slot <= at) continue;
      const s = this.accountAt(addr, commitment);
      if (s && s.owner === programId) out.set(addr, s);
      else out.delete(addr);
    }
    return out;
  }

  // ---------- transactions ----------
  parse(wire) {
    let vtx;
    try {
      vtx = w3.VersionedTransaction.deserialize(wire);
    } catch (e) {
      throw rpcErr(-32602, `invalid transaction: failed to deserialize solana_transaction::versioned::VersionedTransaction: ${e.message}`);
    }
    const msg = vtx.message;
    const staticKeys = msg.staticAccountKeys;
    const loaded = { writable: [], readonly: [] };
    for (const l of msg.addressTableLookups || []) {
      const acc = this.current(l.accountKey.toBase58());
      if (!acc) throw Object.assign(rpcErr(-32602, "invalid transaction: Transaction loads an address table account that doesn't exist"), { txErr: "AddressLookupTableNotFound" });
      const state = w3.AddressLookupTableAccount.deserialize(Uint8Array.from(acc.data));
      for (const i of l.writableIndexes) loaded.writable.push(state.addresses[i].toBase58());
      for (const i of l.readonlyIndexes) loaded.readonly.push(state.addresses[i].toBase58());
    }
    const keys = staticKeys.map((k) => k.toBase58()).concat(loaded.writable, loaded.readonly);
    const writable = keys.map((_, i) => (i < staticKeys.length ? msg.isAccountWritable(i) : i < staticKeys.length + loaded.writable.length));
    const instructions = msg.compiledInstructions.map((ix) => ({ programIdIndex: ix.programIdIndex, accounts: Array.from(ix.accountKeyIndexes), data: Buffer.from(ix.data) }));
    return { vtx, msg, version: msg.version === 0 ? 0 : "legacy", staticKeys, keys, writable, loaded, instructions, signature: b58(vtx.signatures[0]) };
  }

  computeBudget(p) {
    let limit = null;
    let price = 0n;
    let nonBuiltin = 0;
    let builtin = 0;
    let precompileSigs = 0;
    for (const ix of p.instructions) {
      const pid = p.keys[ix.programIdIndex];
      if (pid === COMPUTE_BUDGET) {
        if (ix.data[0] === 2 && ix.data.length >= 5) limit = ix.data.readUInt32LE(1);
        if (ix.data[0] === 3 && ix.data.length >= 9) price = ix.data.readBigUInt64LE(1);
      }
      if (pid === ED25519 || pid === SECP256K1 || pid === SECP256R1) precompileSigs += ix.data[0] || 0;
      if (BUILTINS.has(pid)) builtin++;
      else nonBuiltin++;
    }
    if (limit === null) limit = Math.min(1_400_000, nonBuiltin * 200_000 + builtin * 3_000);
    const priority = (price * BigInt(limit) + 999_999n) / 1_000_000n;
    const fee = LAMPORTS_PER_SIGNATURE * BigInt(p.msg.header.numRequiredSignatures + precompileSigs) + priority;
    return { limit, price, fee };
  }

  checkSignatures(p) {
    return verifySignatures(p.msg, p.vtx.signatures, p.staticKeys, p.msg.header.numRequiredSignatures);
  }

  kitTx(wire) {
    return kit.getTransactionDecoder().decode(wire);
  }

  // Run `wire` in litesvm without committing.  Returns the simulation
  // result in RPC shape.
  simulate(wire, { sigVerify = false } = {}) {
    const p = this.parse(wire);
    if (sigVerify && !this.checkSignatures(p)) return { p, err: "SignatureFailure", logs: [], unitsConsumed: 0, innerInstructions: [], returnData: null, post: null };
    this.svm.withSigverify(sigVerify);
    let r;
    try {
      r = this.svm.simulateTransaction(this.kitTx(wire));
    } finally {
      this.svm.withSigverify(true);
    }
    let meta;
    let err = null;
    let post = null;
    if (r.constructor.name === "FailedTransactionMetadata") {
      meta = r.meta();
      err = this.errOf(r);
    } else {
      meta = r.meta();
      post = new Map(r.postAccounts().map((a) => [String(a.address), snapshotOf({ ...a, exists: true })]));
    }
    return { p, err, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()), innerInstructions: this.innerOf(meta, p), returnData: this.returnDataOf(meta), post };
  }

  errOf(failed) {
    const s = failed.toString();
    const m = /err: (.*?), meta: TransactionMetadata/s.exec(s);
    return txerror.debugToJson(m ? m[1] : s);
  }

  innerOf(meta, p) {
    const out = [];
    meta.innerInstructions().forEach((list, index) => {
      if (!list.length) return;
      out.push({
        index,
        instructions: list.map((ii) => {
          const ci = ii.instruction();
          return { programIdIndex: ci.programIdIndex(), accounts: Array.from(ci.accounts()), data: b58(Buffer.from(ci.data())), stackHeight: ii.stackHeight() };
        }),
      });
    });
    return out;
  }

  returnDataOf(meta) {
    const rd = meta.returnData();
    if (!rd || !rd.data().length) return null;
    return { programId: b58(Buffer.from(rd.programId())), data: [Buffer.from(rd.data()).toString("base64"), "base64"] };
  }

  tokenBalances(p, states) {
    const out = [];
    p.keys.forEach((k, i) => {
      const a = states[i];
      if (!a || (a.owner !== TOKEN && a.owner !== TOKEN_2022) || a.data.length < 165) return;
      if (a.data.length > 165 && a.data[165] !== 2) return; // token-2022: account type byte
      if (a.data[108] === 0) return; // uninitialized
      const mint = b58(a.data.subarray(0, 32));
      const owner = b58(a.data.subarray(32, 64));
      const amount = a.data.readBigUInt64LE(64);
      const m = this.current(mint);
      const decimals = m && m.data.length >= 45 ? m.data[44] : 0;
      const s = amount.toString().padStart(decimals + 1, "0");
      let ui = decimals ? s.slice(0, s.length - decimals) + "." + s.slice(s.length - decimals) : s;
      if (decimals) ui = ui.replace(/0+$/, "").replace(/\.$/, "");
      out.push({ accountIndex: i, mint, owner, programId: a.owner, uiTokenAmount: { amount: amount.toString(), decimals, uiAmount: Number(ui), uiAmountString: ui } });
    });
    return out;
  }

  memoOf(p) {
    const memos = [];
    for (const ix of p.instructions) {
      if (MEMO_PROGRAMS.has(p.keys[ix.programIdIndex])) {
        const text = ix.data.toString("utf8");
        memos.push(`[${Buffer.byteLength(text)}] ${text}`);
      }
    }
    return memos.length ? memos.join("; ") : null;
  }

  // Execute and record `wire`.  `hook(ctx)` (scripted transactions) may
  // replace logs, inner instructions, units and err, and write
  // accounts, after litesvm ran and before post balances are taken.
  // Returns the record, or throws {txErr} when the transaction cannot
  // land (it is then not recorded, as a leader would drop it).
  execute(wire, { hook = null, batch = null } = {}) {
    const p = this.parse(wire);
    if (this.records.has(p.signature) || (batch && batch.some((b) => b.rec.signature === p.signature))) throw Object.assign(new Error("AlreadyProcessed"), { txErr: "AlreadyProcessed" });
    if (!this.checkSignatures(p)) throw Object.assign(new Error("SignatureFailure"), { txErr: "SignatureFailure" });
    if (!this.blockhashInfo(p.msg.recentBlockhash)) throw Object.assign(new Error("BlockhashNotFound"), { txErr: "BlockhashNotFound" });
    const pre = p.keys.map((k) => this.current(k));
    const r = this.svm.sendTransaction(this.kitTx(wire));
    const failed = r.constructor.name === "FailedTransactionMetadata";
    const meta = failed ? r.meta() : r;
    let err = failed ? this.errOf(r) : null;
    if (!txerror.isIncluded(err)) throw Object.assign(new Error(JSON.stringify(err)), { txErr: err });
    const budget = this.computeBudget(p);
    const ctx = { p, err, logs: meta.logs(), innerInstructions: this.innerOf(meta, p), unitsConsumed: Number(meta.computeUnitsConsumed()), returnData: this.returnDataOf(meta), budget, ledger: this };
    if (hook) hook(ctx);
    err = ctx.err;
    const post = p.keys.map((k) => this.current(k));
    const rec = {
      signature: p.signature,
      slot: null,
      indexInBlock: 0,
      blockTime: null,
      version: p.version,
      wire: Buffer.from(wire),
      accountKeys: p.keys,
      writable: p.writable,
      loadedAddresses: p.loaded,
      err,
      fee: Number(budget.fee),
      prioritizationFee: Number(budget.price),
      preBalances: pre.map((a) => (a ? a.lamports : 0n)),
      postBalances: post.map((a) => (a ? a.lamports : 0n)),
      preTokenBalances: this.tokenBalances(p, pre),
      postTokenBalances: this.tokenBalances(p, post),
      logMessages: ctx.logs,
      innerInstructions: ctx.innerInstructions,
      computeUnitsConsumed: ctx.unitsConsumed,
      returnData: ctx.returnData,
      memo: this.memoOf(p),
      events: ctx.events || [],
    };
    if (ctx.written) rec.written = ctx.written;
    const changed = [];
    p.keys.forEach((k, i) => {
      if (!sameAccount(pre[i], post[i])) changed.push({ address: k, before: pre[i], after: post[i] });
    });
    const commit = (slot) => {
      for (const c of changed) {
        if (!this.history.has(c.address)) this.history.set(c.address, []);
        this.history.get(c.address).push({ slot, before: c.before, after: c.after });
        if (!this.changes.has(slot)) this.changes.set(slot, []);
        this.changes.get(slot).push({ address: c.address, after: c.after });
      }
      this.index(rec);
      for (const ev of rec.events) this.events.push({ ...ev, signature: rec.signature, slot, err: rec.err });
    };
    if (batch) {
      batch.push({ rec, commit });
    } else {
      this.advanceWith([{ rec, commit }]);
    }
    return rec;
  }

  // One new block holding the given executed transactions.
  advanceWith(items) {
    const slot = this.slot + 1;
    items.forEach((it, i) => {
      it.rec.slot = slot;
      it.rec.indexInBlock = i;
      it.commit(slot);
    });
    this.advance(items.map((it) => it.rec));
  }

  // ---------- queries ----------
  record(signature, commitment) {
    const r = this.records.get(signature);
    if (!r || r.skipped) return null;
    if (commitment && r.slot > this.frontier(commitment)) return null;
    return r;
  }

  signaturesFor(address, { before, until, limit = 1000, commitment = "finalized", minSlot } = {}) {
    const list = this.addrSigs.get(address) || [];
    const at = this.frontier(commitment);
    const out = [];
    let i = list.length - 1;
    if (before) {
      const k = list.lastIndexOf(before);
      if (k < 0) return [];
      i = k - 1;
    }
    for (; i >= 0 && out.length < limit; i--) {
      const sig = list[i];
      const r = this.records.get(sig);
      // a skipped `until` is unknown to the node: paging goes on, as on agave
      if (until && sig === until && !r.skipped) break;
      if (r.slot > at || r.skipped) continue;
      if (minSlot !== undefined && r.slot < minSlot) break;
      out.push(r);
    }
    return out;
  }

  blockRecords(slot) {
    const b = this.blocks.get(slot);
    return b && !b.skipped ? b.signatures.map((s) => this.records.get(s)) : [];
  }

  // A slot the cluster abandoned (a fork that lost, a dead block): its
  // block and transactions disappear from every view, as on a node
  // that never had them.  Account writes stay (litesvm cannot undo
  // them).  The events the peer recorded for them are flagged skipped.
  // With `reland`, the transactions land again, together, in a new block
  // at the tip (a fork switch: dropped from the abandoned fork, included
  // by the next leader); their events in `stats` move to the new slot.
  // A slot skipped before may be given `reland` later, once.
  skipSlot(slot, reland = false) {
    const b = this.blocks.get(slot);
    if (!b) throw new Error(`no block at slot ${slot}`);
    if (b.skipped && !reland) throw new Error(`slot ${slot} is already skipped`);
    if (b.skipped && b.signatures.some((sig) => !this.records.get(sig).skipped)) throw new Error(`the transactions of slot ${slot} landed again already`);
    b.skipped = true;
    const recs = b.signatures.map((sig) => this.records.get(sig));
    const gone = new Set(b.signatures);
    for (const r of recs) r.skipped = true;
    for (const e of this.events) if (gone.has(e.signature)) e.skipped = true;
    this.dirty = true;
    if (!reland || !recs.length) return { signatures: b.signatures };
    for (const r of recs) {
      r.skipped = false;
      // newest in ledger order again
      this.order.splice(this.order.lastIndexOf(r.signature), 1);
      this.order.push(r.signature);
      for (const k of r.accountKeys) {
        const list = this.addrSigs.get(k);
        const i = list.lastIndexOf(r.signature);
        if (i >= 0) list.splice(i, 1);
        list.push(r.signature);
      }
    }
    this.advance(recs);
    for (const e of this.events) {
      if (gone.has(e.signature)) {
        e.skipped = false;
        e.slot = this.slot;
      }
    }
    return { signatures: b.signatures, relanded_slot: this.slot };
  }

  slotChanges(slot) {
    return this.changes.get(slot) || [];
  }

  minimumBalanceForRentExemption(len) {
    return this.svm.minimumBalanceForRentExemption(BigInt(len));
  }

  // A System transfer from the peer's faucet, signed and executed like
  // any other transaction.
  airdrop(to, lamports) {
    const tx = new w3.Transaction();
    tx.recentBlockhash = this.latestBlockhash("processed").blockhash;
    tx.feePayer = this.faucet.publicKey;
    tx.add(w3.SystemProgram.transfer({ fromPubkey: this.faucet.publicKey, toPubkey: new w3.PublicKey(to), lamports: BigInt(lamports) }));
    signNative(tx, this.faucet);
    return this.execute(tx.serialize({ verifySignatures: false }));
  }
}

module.exports = { Ledger, signNative, snapshotOf, U64_MAX, SYSTEM, COMPUTE_BUDGET, TOKEN, BUILTINS, MAX_PROCESSING_AGE };
