"use strict";
// Solana JSON-RPC methods over the ledger, answering in the shapes the
// RPC documentation gives (https://solana.com/docs/rpc).  A handler
// takes the request's params array and returns the result, or throws
// an error made by encoding.rpcErr.

const w3 = require("@solana/web3.js");
const { b58, unb58, encodeData, rpcErr } = require("./encoding");
const txerror = require("./txerror");
const { U64_MAX } = require("./ledger");

const VERSION = { "solana-core": "3.0.0", "feature-set": 3640012085 };
const COMMITMENTS = new Set(["processed", "confirmed", "finalized", "recent", "single", "singleGossip", "root", "max"]);

function invalidParams(msg) {
  return rpcErr(-32602, `Invalid params: ${msg}.`);
}

function cfg(params, i) {
  const c = params[i];
  if (c === undefined || c === null) return {};
  if (typeof c !== "object" || Array.isArray(c)) throw invalidParams("invalid type: expected a map");
  if (c.commitment !== undefined && !COMMITMENTS.has(c.commitment)) throw invalidParams(`unknown variant \`${c.commitment}\`, expected one of \`processed\`, \`confirmed\`, \`finalized\``);
  return c;
}

function pubkeyParam(v, what = "pubkey") {
  if (typeof v !== "string") throw invalidParams(`invalid type: expected a string ${what}`);
  let b;
  try {
    b = unb58(v);
  } catch (e) {
    throw invalidParams(`Invalid param: Invalid`);
  }
  if (b.length !== 32) throw invalidParams(`Invalid param: WrongSize`);
  return v;
}

function uiAccount(acc, encoding, dataSlice) {
  if (!acc) return null;
  return { data: encodeData(acc.data, encoding, dataSlice), executable: acc.executable, lamports: acc.lamports, owner: acc.owner, rentEpoch: U64_MAX, space: acc.data.length };
}

function errStatus(err) {
  return err === null ? { Ok: null } : { Err: err };
}

function uiInstruction(ix) {
  return { accounts: ix.accounts, data: b58(ix.data), programIdIndex: ix.programIdIndex, stackHeight: null };
}

function txJson(rec, ledger) {
  const p = ledger.parse(rec.wire);
  const message = {
    accountKeys: p.staticKeys.map((k) => k.toBase58()),
    header: { numReadonlySignedAccounts: p.msg.header.numReadonlySignedAccounts, numReadonlyUnsignedAccounts: p.msg.header.numReadonlyUnsignedAccounts, numRequiredSignatures: p.msg.header.numRequiredSignatures },
    instructions: p.instructions.map(uiInstruction),
    recentBlockhash: p.msg.recentBlockhash,
  };
  if (p.version === 0) message.addressTableLookups = (p.msg.addressTableLookups || []).map((l) => ({ accountKey: l.accountKey.toBase58(), readonlyIndexes: Array.from(l.readonlyIndexes), writableIndexes: Array.from(l.writableIndexes) }));
  return { message, signatures: p.vtx.signatures.map((s) => b58(s)) };
}

function metaJson(rec) {
  const m = {
    computeUnitsConsumed: rec.computeUnitsConsumed,
    err: rec.err,
    fee: rec.fee,
    innerInstructions: rec.innerInstructions,
    loadedAddresses: rec.loadedAddresses,
    logMessages: rec.logMessages,
    postBalances: rec.postBalances,
    postTokenBalances: rec.postTokenBalances,
    preBalances: rec.preBalances,
    preTokenBalances: rec.preTokenBalances,
    rewards: [],
    status: errStatus(rec.err),
  };
  if (rec.returnData) m.returnData = rec.returnData;
  return m;
}

class Rpc {
  constructor(peer) {
    this.peer = peer;
    this.methods = {};
    for (const name of Object.getOwnPropertyNames(Rpc.prototype)) {
      if (/^m_/.test(name)) this.methods[name.slice(2)] = this[name].bind(this);
    }
  }

  get ledger() {
    return this.peer.ledger;
  }

  call(method, params) {
    const f = Object.prototype.hasOwnProperty.call(this.methods, method) ? this.methods[method] : null;
    if (!f) throw rpcErr(-32601, "Method not found");
    if (params !== undefined && params !== null && !Array.isArray(params)) throw rpcErr(-32602, "Invalid params: expected an array");
    return f(params || []);
  }

  ctx(commitment) {
    return { apiVersion: VERSION["solana-core"], slot: this.ledger.frontier(commitment) };
  }

  minContext(c) {
    if (c.minContextSlot !== undefined && this.ledger.frontier(c.commitment) < c.minContextSlot) {
      throw rpcErr(-32016, "Minimum context slot has not been reached", { contextSlot: this.ledger.frontier(c.commitment) });
    }
  }

  // ---------- cluster ----------
  m_getVersion() {
    return VERSION;
  }
  m_getHealth() {
    return "ok";
  }
  m_getIdentity() {
    return { identity: this.ledger.faucet.publicKey.toBase58() };
  }
  m_getGenesisHash() {
    return this.ledger.genesisHash || "GH7ome3EiwEr7tu9JuTh2dpYWBJK3z69Xm1ZE3MEE6JC";
  }
  m_getSlot(params) {
    const c = cfg(params, 0);
    this.minContext(c);
    return this.ledger.frontier(c.commitment);
  }
  m_getBlockHeight(params) {
    const c = cfg(params, 0);
    this.minContext(c);
    return this.ledger.frontier(c.commitment);
  }
  m_getEpochInfo(params) {
    const c = cfg(params, 0);
    const slot = this.ledger.frontier(c.commitment);
    return { absoluteSlot: slot, blockHeight: slot, epoch: Math.floor(slot / 432000), slotIndex: slot % 432000, slotsInEpoch: 432000, transactionCount: this.ledger.order.length };
  }
  m_getBlockTime(params) {
    const b = this.ledger.blocks.get(Number(params[0]));
    if (!b) throw rpcErr(-32004, `Block not available for slot ${params[0]}`);
    if (b.skipped) throw rpcErr(-32007, `Slot ${params[0]} was skipped, or missing due to ledger jump to recent snapshot`);
    return b.blockTime;
  }
  m_getLatestBlockhash(params) {
    const c = cfg(params, 0);
    this.minContext(c);
    const h = this.ledger.latestBlockhash(c.commitment);
    return { context: this.ctx(c.commitment), value: { blockhash: h.blockhash, lastValidBlockHeight: h.lastValidBlockHeight } };
  }
  m_isBlockhashValid(params) {
    if (typeof params[0] !== "string") throw invalidParams("missing blockhash");
    const c = cfg(params, 1);
    return { context: this.ctx(c.commitment), value: !!this.ledger.blockhashInfo(params[0]) };
  }
  m_getMinimumBalanceForRentExemption(params) {
    const n = params[0];
    if (typeof n !== "number" || n < 0) throw invalidParams("invalid type: expected usize");
    return this.ledger.minimumBalanceForRentExemption(n);
  }
  m_getFeeForMessage(params) {
    const c = cfg(params, 1);
    let bytes;
    try {
      bytes = Buffer.from(params[0], "base64");
    } catch (e) {
      throw invalidParams("invalid message");
    }
    const msg = w3.VersionedMessage.deserialize(bytes);
    const fake = Buffer.concat([Buffer.from([msg.header.numRequiredSignatures]), Buffer.alloc(64 * msg.header.numRequiredSignatures), bytes]);
    const p = this.ledger.parse(fake);
    return { context: this.ctx(c.commitment), value: Number(this.ledger.computeBudget(p).fee) };
  }

  // ---------- accounts ----------
  m_getBalance(params) {
    const key = pubkeyParam(params[0]);
    const c = cfg(params, 1);
    this.minContext(c);
    const a = this.ledger.accountAt(key, c.commitment);
    return { context: this.ctx(c.commitment), value: a ? a.lamports : 0 };
  }
  m_getAccountInfo(params) {
    const key = pubkeyParam(params[0]);
    const c = cfg(params, 1);
    this.minContext(c);
    return { context: this.ctx(c.commitment), value: uiAccount(this.ledger.accountAt(key, c.commitment), c.encoding, c.dataSlice) };
  }
  m_getMultipleAccounts(params) {
    if (!Array.isArray(params[0])) throw invalidParams("invalid type: expected a sequence");
    if (params[0].length > 100) throw invalidParams("Too many inputs provided; max 100");
    const keys = params[0].map((k) => pubkeyParam(k));
    const c = cfg(params, 1);
    this.minContext(c);
    return { context: this.ctx(c.commitment), value: keys.map((k) => uiAccount(this.ledger.accountAt(k, c.commitment), c.encoding, c.dataSlice)) };
  }
  m_getProgramAccounts(params) {
    const pid = pubkeyParam(params[0]);
    const c = cfg(params, 1);
    this.minContext(c);
    const filters = c.filters || [];
    if (!Array.isArray(filters) || filters.length > 4) throw invalidParams("Too many filters provided; max 4");
    const checks = filters.map(filterFn);
    const out = [];
    for (const [addr, acc] of this.ledger.programAccounts(pid, c.commitment)) {
      if (checks.every((f) => f(acc))) out.push({ account: uiAccount(acc, c.encoding, c.dataSlice), pubkey: addr });
    }
    out.sort((a, b) => (a.pubkey < b.pubkey ? -1 : a.pubkey > b.pubkey ? 1 : 0));
    return c.withContext ? { context: this.ctx(c.commitment), value: out } : out;
  }

  // ---------- transactions ----------
  decodeWire(params) {
    if (typeof params[0] !== "string") throw invalidParams("invalid type: expected a string transaction");
    const c = cfg(params, 1);
    const enc = c.encoding || "base58";
    let wire;
    if (enc === "base58") {
      try {
        wire = unb58(params[0]);
      } catch (e) {
        throw rpcErr(-32602, "invalid base58 encoding: InvalidCharacter");
      }
      if (params[0].length > 1683) throw rpcErr(-32602, `base58 encoded solana_transaction::versioned::VersionedTransaction too large: ${params[0].length} bytes (max: encoded/raw 1683/1232)`);
    } else if (enc === "base64") {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(params[0])) throw rpcErr(-32602, "invalid base64 encoding: InvalidByte");
      wire = Buffer.from(params[0], "base64");
      if (params[0].length > 1644) throw rpcErr(-32602, `base64 encoded solana_transaction::versioned::VersionedTransaction too large: ${params[0].length} bytes (max: encoded/raw 1644/1232)`);
    } else {
      throw rpcErr(-32602, `unsupported encoding: ${enc}. Supported encodings: base58, base64`);
    }
    if (wire.length > 1232) throw rpcErr(-32602, `decoded solana_transaction::versioned::VersionedTransaction too large: ${wire.length} bytes (max: 1232 bytes)`);
    return { wire, c };
  }

  simulationValue(sim, c, replacement) {
    let accounts = null;
    if (c.accounts && Array.isArray(c.accounts.addresses)) {
      accounts = c.accounts.addresses.map((a) => {
        const s = sim.post && sim.post.has(a) ? sim.post.get(a) : this.ledger.current(a);
        return uiAccount(s, c.accounts.encoding || "base64");
      });
    }
    return {
      accounts,
      err: sim.err,
      innerInstructions: c.innerInstructions ? sim.innerInstructions : null,
      loadedAccountsDataSize: 0,
      logs: sim.logs,
      replacementBlockhash: replacement || null,
      returnData: sim.returnData,
      unitsConsumed: sim.unitsConsumed,
    };
  }

  m_simulateTransaction(params) {
    const { wire, c } = this.decodeWire(params);
    if (c.sigVerify && c.replaceRecentBlockhash) throw rpcErr(-32602, "sigVerify may not be used with replaceRecentBlockhash");
    let replacement = null;
    const p0 = this.ledger.parse(wire);
    if (c.replaceRecentBlockhash) {
      const h = this.ledger.latestBlockhash(c.commitment || "finalized");
      replacement = { blockhash: h.blockhash, lastValidBlockHeight: h.lastValidBlockHeight };
    } else if (!this.ledger.blockhashInfo(p0.msg.recentBlockhash)) {
      return { context: this.ctx(c.commitment), value: this.simulationValue({ err: "BlockhashNotFound", logs: [], unitsConsumed: 0, innerInstructions: [], returnData: null, post: null }, c, null) };
    }
    const sim = this.ledger.simulate(wire, { sigVerify: !!c.sigVerify });
    return { context: this.ctx(c.commitment), value: this.simulationValue(sim, c, replacement) };
  }

  m_sendTransaction(params) {
    const { wire, c } = this.decodeWire(params);
    const p = this.ledger.parse(wire);
    if (!c.skipPreflight) {
      if (!this.ledger.checkSignatures(p)) throw rpcErr(-32003, "Transaction signature verification failure");
      const fail = (err, sim) => {
        const data = { accounts: null, err, innerInstructions: null, loadedAccountsDataSize: 0, logs: sim ? sim.logs : [], replacementBlockhash: null, returnData: sim ? sim.returnData : null, unitsConsumed: sim ? sim.unitsConsumed : 0 };
        return rpcErr(-32002, `Transaction simulation failed: ${txerror.display(err)}`, data);
      };
      if (this.ledger.records.has(p.signature)) throw fail("AlreadyProcessed");
      if (!this.ledger.blockhashInfo(p.msg.recentBlockhash)) throw fail("BlockhashNotFound");
      const sim = this.ledger.simulate(wire, { sigVerify: false });
      if (sim.err) throw fail(sim.err, sim);
    }
    this.peer.submit(wire);
    return p.signature;
  }

  m_requestAirdrop(params) {
    const to = pubkeyParam(params[0]);
    const lamports = params[1];
    if (typeof lamports !== "number" && typeof lamports !== "bigint") throw invalidParams("invalid type: expected u64");
    if (BigInt(lamports) > 1_000_000_000_000_000n) throw rpcErr(-32600, "airdrop request failed. This can happen when the rate limit is reached.");
    const rec = this.ledger.airdrop(to, lamports);
    return rec.signature;
  }

  m_getSignatureStatuses(params) {
    if (!Array.isArray(params[0])) throw invalidParams("invalid type: expected a sequence");
    if (params[0].length > 256) throw invalidParams("Too many inputs provided; max 256");
    const c = cfg(params, 1);
    const tip = this.ledger.frontier("processed");
    const value = params[0].map((sig) => {
      const r = this.ledger.record(sig, "processed");
      if (!r) return null;
      // without searchTransactionHistory only the recent status cache answers
      if (!c.searchTransactionHistory && r.slot < tip - 300) return null;
      const status = this.ledger.commitmentOf(r.slot);
      return { confirmationStatus: status, confirmations: status === "finalized" ? null : tip - r.slot, err: r.err, slot: r.slot, status: errStatus(r.err) };
    });
    return { context: this.ctx("processed"), value };
  }

  m_getTransaction(params) {
    if (typeof params[0] !== "string") throw invalidParams("invalid type: expected a signature string");
    const c = typeof params[1] === "string" ? { encoding: params[1] } : cfg(params, 1);
    if (c.commitment === "processed") throw rpcErr(-32602, "Method does not support commitment below `confirmed`");
    const r = this.ledger.record(params[0], c.commitment || "finalized");
    if (!r) return null;
    const maxv = c.maxSupportedTransactionVersion;
    if (r.version === 0 && (maxv === undefined || maxv === null || maxv < 0)) {
      throw rpcErr(-32015, 'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0');
    }
    const enc = c.encoding || "json";
    let transaction;
    if (enc === "json" || enc === "jsonParsed") transaction = txJson(r, this.ledger);
    else if (enc === "base64") transaction = [r.wire.toString("base64"), "base64"];
    else if (enc === "base58") transaction = [b58(r.wire), "base58"];
    else throw invalidParams(`unknown variant \`${enc}\`, expected one of \`binary\`, \`base64\`, \`base58\`, \`json\`, \`jsonParsed\``);
    const out = { blockTime: r.blockTime, meta: metaJson(r), slot: r.slot, transaction };
    if (maxv !== undefined && maxv !== null) out.version = r.version;
    return out;
  }

  m_getSignaturesForAddress(params) {
    const addr = pubkeyParam(params[0]);
    const c = cfg(params, 1);
    if (c.commitment === "processed") throw rpcErr(-32602, "Method does not support commitment below `confirmed`");
    const limit = c.limit === undefined || c.limit === null ? 1000 : c.limit;
    if (typeof limit !== "number" || limit < 1 || limit > 1000) throw invalidParams("Invalid limit; max 1000");
    this.minContext(c);
    return this.ledger.signaturesFor(addr, { before: c.before, until: c.until, limit, commitment: c.commitment || "finalized" }).map((r) => ({
      blockTime: r.blockTime,
      confirmationStatus: this.ledger.commitmentOf(r.slot),
      err: r.err,
      memo: r.memo,
      signature: r.signature,
      slot: r.slot,
    }));
  }

  m_getRecentPrioritizationFees(params) {
    const keys = params[0] || [];
    if (!Array.isArray(keys) || keys.length > 128) throw invalidParams("Too many inputs provided; max 128");
    keys.forEach((k) => pubkeyParam(k));
    const tip = this.ledger.frontier("processed");
    const out = [];
    for (let s = Math.max(0, tip - 149); s <= tip; s++) {
      if (!this.ledger.blocks.has(s)) continue;
      const recs = this.ledger.blockRecords(s);
      let fee = 0;
      if (recs.length) {
        const global = Math.min(...recs.map((r) => r.prioritizationFee));
        fee = global;
        for (const k of keys) {
          const locked = recs.filter((r) => r.accountKeys.some((x, i) => x === k && r.writable[i]));
          if (locked.length) fee = Math.max(fee, Math.min(...locked.map((r) => r.prioritizationFee)));
        }
      }
      out.push({ prioritizationFee: fee, slot: s });
    }
    return out;
  }
}

function filterFn(f) {
  if (f && typeof f.dataSize === "number") return (a) => a.data.length === f.dataSize;
  if (f && f.memcmp) {
    const { offset, bytes, encoding } = f.memcmp;
    if (typeof offset !== "number" || typeof bytes !== "string") throw invalidParams("invalid memcmp filter");
    let want;
    if (encoding === "base64") want = Buffer.from(bytes, "base64");
    else {
      if (bytes.length > 175) throw invalidParams("Encoded binary (base 58) data should be less than 129 bytes");
      try {
        want = unb58(bytes);
      } catch (e) {
        throw invalidParams("Invalid param: invalid base58");
      }
    }
    return (a) => a.data.length >= offset + want.length && a.data.subarray(offset, offset + want.length).equals(want);
  }
  throw invalidParams(`unknown filter ${JSON.stringify(f)}`);
}

module.exports = { Rpc, uiAccount, VERSION, filterFn, errStatus };
