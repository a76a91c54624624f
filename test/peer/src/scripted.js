"use strict";
// Scripted programs: Anchor programs the peer cannot compile but can
// play back.  A *script* is a call tree: each *node* is one invocation
// of a program (top level or CPI) with a *body* of items (log lines,
// events written as "Program data:", emit_cpi! self-invocations,
// nested CPIs), an optional failure, return data and account writes.
//
// Each script becomes a real transaction: the peer's fee payer signs a
// message whose top-level instructions call the scripted program ids
// (where a no-op SBPF program is deployed, see noop_elf.js) with every
// account the tree touches, and litesvm executes it (signature check,
// fee, locks).  The peer then writes what the tree says the program
// did, in the runtime's formats (agave stable_log + LogCollector with
// its 10,000-byte budget): logs, meta.innerInstructions, compute
// units, err, and the account data it writes.

const crypto = require("crypto");
const w3 = require("@solana/web3.js");
const kit = require("@solana/kit");
const { ProgramCodec, IdlError, sha8 } = require("./idl");
const { noopElf } = require("./noop_elf");
const { b58 } = require("./encoding");
const { BUILTINS, signNative } = require("./ledger");
const txerror = require("./txerror");

const EVENT_IX_TAG_LE = Buffer.from([0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d]);
const NOOP = noopElf();
const LOG_LIMIT = 10000;

class ScriptError extends Error {}

const authorities = new Map();
function eventAuthority(programId) {
  let a = authorities.get(programId);
  if (!a) {
    a = w3.PublicKey.findProgramAddressSync([Buffer.from("__event_authority")], new w3.PublicKey(programId))[0].toBase58();
    authorities.set(programId, a);
  }
  return a;
}

function checkKey(v, what) {
  try {
    return new w3.PublicKey(v).toBase58();
  } catch (e) {
    throw new ScriptError(`${what}: not a base58 public key: ${JSON.stringify(v)}`);
  }
}

class LogCollector {
  constructor(limit) {
    this.limit = limit;
    this.bytes = 0;
    this.truncated = false;
    this.lines = [];
  }
  // returns the index of the line in the logs, or null when dropped
  log(line) {
    const nb = this.bytes + Buffer.byteLength(line, "utf8");
    if (nb >= this.limit) {
      if (!this.truncated) {
        this.truncated = true;
        this.lines.push("Log truncated");
      }
      return null;
    }
    this.bytes = nb;
    this.lines.push(line);
    return this.lines.length - 1;
  }
}

class Scripts {
  constructor(peer) {
    this.peer = peer;
    this.codecs = new Map();
    for (const [id, p] of this.ledger.programs) if (p.idl) this.codecs.set(id, new ProgramCodec(p.idl, id));
  }

  get ledger() {
    return this.peer.ledger;
  }

  // Deploy the no-op program at `programId` unless it is already there;
  // refuse to shadow a real program.
  deploy(programId) {
    const acc = this.ledger.current(programId);
    if (acc) {
      if (acc.executable && acc.data.equals(NOOP)) return;
      throw new ScriptError(`${programId} already exists on the ledger (owner ${acc.owner}); scripted programs need an unused id`);
    }
    this.ledger.svm.addProgram(kit.address(programId), NOOP);
    this.ledger.dirty = true;
  }

  register(programId, idl) {
    const id = checkKey(programId || (idl && (idl.address || (idl.metadata && idl.metadata.address))), "program_id");
    let codec = null;
    if (idl) {
      try {
        codec = new ProgramCodec(idl, id);
      } catch (e) {
        throw new ScriptError(e.message);
      }
    }
    this.deploy(id);
    this.ledger.programs.set(id, { idl: idl || null });
    if (codec) this.codecs.set(id, codec);
    else this.codecs.delete(id);
    this.ledger.dirty = true;
    return { program_id: id, event_authority: eventAuthority(id), events: codec ? [...codec.events.keys()] : [], accounts: codec ? [...codec.accounts.keys()] : [] };
  }

  isScripted(id) {
    return this.ledger.programs.has(id);
  }

  // ---------- script normalisation ----------
  node(spec, path) {
    if (!spec || typeof spec !== "object") throw new ScriptError(`${path}: expected an object`);
    const program = checkKey(spec.program_id, `${path}.program_id`);
    const codec = this.codecs.get(program) || null;
    const n = { program, codec, body: [], accounts: [], writes: [], fail: null, ret: null, data: Buffer.alloc(0), ixName: null, cost: 1200, builtin: BUILTINS.has(program) };
    if (spec.compute_units !== undefined) n.cost = Number(spec.compute_units);
    if (spec.instruction !== undefined && spec.instruction !== null) {
      const ix = typeof spec.instruction === "string" ? { name: spec.instruction, args: {} } : spec.instruction;
      if (!codec) throw new ScriptError(`${path}: instruction needs a registered IDL for ${program}`);
      try {
        const def = codec.instructionName(ix.name);
        n.ixName = def.name.replace(/(^|_)([a-z0-9])/g, (_, __, c) => c.toUpperCase());
        n.data = ix.data_b64 !== undefined ? Buffer.from(ix.data_b64, "base64") : codec.encodeInstruction(ix.name, ix.args || {});
      } catch (e) {
        throw new ScriptError(`${path}.instruction: ${e.message}`);
      }
    }
    if (spec.data_b64 !== undefined) n.data = Buffer.from(spec.data_b64, "base64");
    for (const [i, a] of (spec.accounts || []).entries()) n.accounts.push(checkKey(a, `${path}.accounts[${i}]`));
    const encEvent = (ev, where) => {
      if (ev && ev.data_b64 !== undefined) return { name: ev.name || null, data: ev.data === undefined ? null : ev.data, bytes: Buffer.from(ev.data_b64, "base64") };
      if (!ev || typeof ev.name !== "string") throw new ScriptError(`${where}: an event needs {name, data}`);
      if (!codec) throw new ScriptError(`${where}: program ${program} has no registered IDL`);
      try {
        return { name: ev.name, data: ev.data === undefined ? {} : ev.data, bytes: codec.encodeEvent(ev.name, ev.data === undefined ? {} : ev.data) };
      } catch (e) {
        throw new ScriptError(`${where}: ${e.message}`);
      }
    };
    const item = (it, where) => {
      if (typeof it === "string") return { t: "log", msg: it };
      if (it.log !== undefined) return { t: "log", msg: String(it.log) };
      if (it.event !== undefined) return { t: "event", ...encEvent(it.event, where + ".event") };
      if (it.emit_cpi !== undefined) return { t: "emit_cpi", ...encEvent(it.emit_cpi, where + ".emit_cpi") };
      if (it.cpi !== undefined) return { t: "cpi", node: this.node(it.cpi, where + ".cpi") };
      if (it.data_parts_b64 !== undefined) return { t: "data", parts: it.data_parts_b64.map((p) => Buffer.from(p, "base64")) };
      if (it.consumption !== undefined) return { t: "consumption" };
      throw new ScriptError(`${where}: unknown body item ${JSON.stringify(it)}`);
    };
    if (spec.body) spec.body.forEach((it, i) => n.body.push(item(it, `${path}.body[${i}]`)));
    (spec.logs || []).forEach((l, i) => n.body.push(item({ log: l }, `${path}.logs[${i}]`)));
    (spec.events || []).forEach((e, i) => n.body.push(item({ event: e }, `${path}.events[${i}]`)));
    (spec.emit_cpi || []).forEach((e, i) => n.body.push(item({ emit_cpi: e }, `${path}.emit_cpi[${i}]`)));
    (spec.cpi || []).forEach((c, i) => n.body.push(item({ cpi: c }, `${path}.cpi[${i}]`)));
    if (spec.return_data_b64 !== undefined) n.ret = Buffer.from(spec.return_data_b64, "base64");
    for (const [i, w] of (spec.writes || []).entries()) n.writes.push(this.write(w, program, codec, `${path}.writes[${i}]`));
    if (spec.fail !== undefined && spec.fail !== null && spec.fail !== false) n.fail = this.failure(spec.fail, codec, path);
    if (n.body.some((x) => x.t === "emit_cpi")) n.accounts.push(eventAuthority(program), program);
    return n;
  }

  failure(f, codec, path) {
    if (f === true) f = {};
    if (typeof f === "number" || typeof f === "bigint") f = { code: Number(f) };
    if (typeof f === "string") f = { name: f };
    if (f.instruction_error) {
      // a builtin InstructionError such as "InvalidAccountData"
      const ie = f.instruction_error;
      return { ie, error: txerror.display({ InstructionError: [0, ie] }).replace(/^Error processing Instruction 0: /, ""), lines: (f.logs || []).map(String) };
    }
    let e = null;
    if (codec && f.name !== undefined) e = codec.error(f.name);
    if (codec && !e && f.code !== undefined) e = codec.error(f.code);
    const code = f.code !== undefined ? Number(f.code) : e ? e.code : 6000;
    const name = f.name || (e ? e.name : "ScriptedFailure");
    const msg = f.message || (e ? e.msg : "scripted failure");
    const lines = f.logs ? f.logs.map(String) : [`AnchorError occurred. Error Code: ${name}. Error Number: ${code}. Error Message: ${msg}.`];
    return { ie: { Custom: code }, error: `custom program error: 0x${code.toString(16)}`, lines };
  }

  write(w, program, codec, where) {
    if (!w || typeof w !== "object") throw new ScriptError(`${where}: expected an object`);
    const address = w.address ? checkKey(w.address, `${where}.address`) : w3.Keypair.generate().publicKey.toBase58();
    const owner = w.owner ? checkKey(w.owner, `${where}.owner`) : program;
    let data;
    if (w.data_b64 !== undefined) data = Buffer.from(w.data_b64, "base64");
    else if (w.account !== undefined) {
      const c = w.owner ? this.codecs.get(owner) : codec;
      if (!c) throw new ScriptError(`${where}: no IDL registered for ${owner}`);
      try {
        data = c.encodeAccount(w.account, w.data);
      } catch (e) {
        throw new ScriptError(`${where}: ${e.message}`);
      }
    } else throw new ScriptError(`${where}: a write needs {account, data} or data_b64`);
    if (w.space !== undefined) {
      if (Number(w.space) < data.length) throw new ScriptError(`${where}: space ${w.space} is smaller than the data (${data.length} bytes)`);
      data = Buffer.concat([data, Buffer.alloc(Number(w.space) - data.length)]);
    }
    return { address, owner, data, lamports: w.lamports !== undefined ? BigInt(w.lamports) : null };
  }

  // ---------- execution ----------
  // spec: a node, or {instructions: [node, ...]} plus transaction-level
  // options (compute_unit_limit, compute_unit_price, log_limit).
  execute(spec, { batch = null } = {}) {
    const tops = (spec.instructions ? spec.instructions : [spec]).map((s, i) => this.node(s, spec.instructions ? `instructions[${i}]` : "script"));
    if (!tops.length) throw new ScriptError("a script needs at least one instruction");
    for (const t of tops) {
      if (!this.isScripted(t.program)) throw new ScriptError(`top-level program ${t.program} is not registered (POST /control/registerProgram first)`);
    }
    const payer = this.ledger.payer;
    const tx = new w3.Transaction();
    tx.feePayer = payer.publicKey;
    tx.recentBlockhash = this.ledger.latestBlockhash("processed").blockhash;
    let pre = 0;
    if (spec.compute_unit_limit !== undefined) {
      tx.add(w3.ComputeBudgetProgram.setComputeUnitLimit({ units: Number(spec.compute_unit_limit) }));
      pre++;
    }
    if (spec.compute_unit_price !== undefined) {
      tx.add(w3.ComputeBudgetProgram.setComputeUnitPrice({ microLamports: BigInt(spec.compute_unit_price) }));
      pre++;
    }
    for (const t of tops) {
      const metas = new Map();
      const walk = (n, top) => {
        if (!top) metas.set(n.program, metas.get(n.program) || false);
        for (const a of n.accounts) if (a !== t.program || !top) metas.set(a, metas.get(a) || false);
        for (const w of n.writes) metas.set(w.address, true);
        for (const it of n.body) if (it.t === "cpi") walk(it.node, false);
      };
      walk(t, true);
      metas.delete(payer.publicKey.toBase58());
      const keys = [...metas].map(([k, writable]) => ({ pubkey: new w3.PublicKey(k), isSigner: false, isWritable: writable }));
      tx.add(new w3.TransactionInstruction({ programId: new w3.PublicKey(t.program), keys, data: t.data }));
    }
    let wire;
    try {
      signNative(tx, payer);
      wire = tx.serialize({ verifySignatures: false });
    } catch (e) {
      throw new ScriptError(`the script's transaction does not fit: ${e.message}`);
    }
    const logLimit = spec.log_limit !== undefined ? Number(spec.log_limit) : LOG_LIMIT;
    const rec = this.ledger.execute(wire, { hook: (ctx) => this.play(ctx, tops, pre, logLimit), batch });
    return rec;
  }

  // Replace litesvm's view of the scripted instructions by the script.
  play(ctx, tops, pre, logLimit) {
    const { p } = ctx;
    const idx = (k) => {
      const i = p.keys.indexOf(k);
      if (i < 0) throw new Error("key missing from message: " + k);
      return i;
    };
    // split the real logs into top-level segments
    const segs = [];
    for (const line of ctx.logs) {
      if (/^Program \S+ invoke \[1\]$/.test(line)) segs.push([]);
      if (segs.length) segs[segs.length - 1].push(line);
    }
    let noopUnits = 0;
    for (let i = pre; i < segs.length; i++) {
      for (const l of segs[i]) {
        const m = /^Program \S+ consumed (\d+) of \d+ compute units$/.exec(l);
        if (m) noopUnits += Number(m[1]);
      }
    }
    const lc = new LogCollector(logLimit);
    for (let i = 0; i < pre && i < segs.length; i++) for (const l of segs[i]) lc.log(l);
    const limit = ctx.budget.limit;
    let consumed = ctx.unitsConsumed - noopUnits;
    const inner = ctx.innerInstructions.filter((x) => x.index < pre);
    const events = [];
    let err = null;
    let returnData = null;
    const writes = [];
    const topIndex = (i) => pre + i;
    tops.forEach((t, ti) => {
      if (err) return;
      const list = [];
      const run = (n, depth, budget, cpiPath) => {
        if (depth > 1) {
          const accts = [...new Set([...n.accounts, ...n.writes.map((w) => w.address)])];
          list.push({ programIdIndex: idx(n.program), accounts: accts.map(idx), data: b58(n.data), stackHeight: depth });
        }
        lc.log(`Program ${n.program} invoke [${depth}]`);
        if (n.builtin && !n.body.length) {
          if (n.fail) {
            for (const l of n.fail.lines) lc.log(`Program log: ${l}`);
            lc.log(`Program ${n.program} failed: ${n.fail.error}`);
            return { used: 150, failed: n.fail };
          }
          lc.log(`Program ${n.program} success`);
          return { used: 150, failed: null };
        }
        let used = n.cost;
        if (n.ixName) lc.log(`Program log: Instruction: ${n.ixName}`);
        for (const it of n.body) {
          if (it.t === "log") {
            used += 100 + Buffer.byteLength(it.msg);
            lc.log(`Program log: ${it.msg}`);
          } else if (it.t === "event" || it.t === "data") {
            const parts = it.t === "event" ? [it.bytes] : it.parts;
            used += 100 + parts.reduce((a, b) => a + b.length, 0);
            const li = lc.log(`Program data: ${parts.map((x) => x.toString("base64")).join(" ")}`);
            if (it.t === "event") events.push({ kind: "log", program_id: n.program, name: it.name, data: it.data, data_b64: it.bytes.toString("base64"), log_index: li, depth, top_level_index: topIndex(ti), inner_index: null });
          } else if (it.t === "consumption") {
            lc.log(`Program consumption: ${budget - used} units remaining`);
          } else if (it.t === "emit_cpi") {
            used += 1000;
            const data = Buffer.concat([EVENT_IX_TAG_LE, it.bytes]);
            const inner_index = list.length;
            list.push({ programIdIndex: idx(n.program), accounts: [idx(eventAuthority(n.program))], data: b58(data), stackHeight: depth + 1 });
            lc.log(`Program ${n.program} invoke [${depth + 1}]`);
            const u = 2000 + it.bytes.length;
            lc.log(`Program ${n.program} consumed ${u} of ${budget - used} compute units`);
            lc.log(`Program ${n.program} success`);
            used += u;
            events.push({ kind: "emit_cpi", program_id: n.program, name: it.name, data: it.data, data_b64: it.bytes.toString("base64"), log_index: null, depth: depth + 1, top_level_index: topIndex(ti), inner_index });
          } else if (it.t === "cpi") {
            used += 1000;
            const r = run(it.node, depth + 1, budget - used);
            used += r.used;
            if (r.failed) {
              lc.log(`Program ${n.program} consumed ${used} of ${budget} compute units`);
              lc.log(`Program ${n.program} failed: ${r.failed.error}`);
              return { used, failed: r.failed };
            }
          }
        }
        if (used > budget) {
          lc.log(`Program ${n.program} consumed ${budget} of ${budget} compute units`);
          const f = { ie: "ComputationalBudgetExceeded", error: "Computational budget exceeded" };
          lc.log(`Program ${n.program} failed: ${f.error}`);
          return { used: budget, failed: f };
        }
        if (n.fail) {
          for (const l of n.fail.lines) lc.log(`Program log: ${l}`);
          lc.log(`Program ${n.program} consumed ${used} of ${budget} compute units`);
          lc.log(`Program ${n.program} failed: ${n.fail.error}`);
          return { used, failed: n.fail };
        }
        lc.log(`Program ${n.program} consumed ${used} of ${budget} compute units`);
        if (n.ret) {
          lc.log(`Program return: ${n.program} ${n.ret.toString("base64")}`);
          returnData = { programId: n.program, data: [n.ret.toString("base64"), "base64"] };
        }
        lc.log(`Program ${n.program} success`);
        for (const w of n.writes) writes.push(w);
        return { used, failed: null };
      };
      const r = run(t, 1, limit - consumed);
      consumed += r.used;
      if (list.length) inner.push({ index: topIndex(ti), instructions: list });
      if (r.failed) err = { InstructionError: [topIndex(ti), r.failed.ie] };
    });
    ctx.logs = lc.lines;
    ctx.innerInstructions = inner;
    ctx.unitsConsumed = consumed;
    ctx.returnData = returnData;
    ctx.err = err;
    ctx.events = events;
    ctx.written = err ? [] : writes.map((w) => w.address);
    if (!err) {
      const payer = this.ledger.payer.publicKey.toBase58();
      for (const w of writes) {
        const cur = this.ledger.current(w.address);
        let lamports = w.lamports !== null ? w.lamports : cur ? cur.lamports : this.ledger.minimumBalanceForRentExemption(w.data.length);
        const delta = lamports - (cur ? cur.lamports : 0n);
        if (delta !== 0n) {
          const pa = this.ledger.current(payer);
          this.ledger.setAccount(payer, { ...pa, lamports: pa.lamports - delta });
        }
        this.ledger.setAccount(w.address, { lamports, owner: w.owner, data: w.data, executable: false });
      }
    }
  }
}

module.exports = { Scripts, ScriptError, eventAuthority, EVENT_IX_TAG_LE, LogCollector };
