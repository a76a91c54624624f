"use strict";
// Load generator: N events per second for M seconds across K scripted
// programs.  Events are random values of the programs' IDL event types
// (in the fixture convention), encoded by Anchor's coder like any
// scripted event; the transactions of one 100 ms tick share a block.

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const w3 = require("@solana/web3.js");
const { INT_BITS } = require("./idl");
const bs58 = require("bs58").default;

const FIXTURE_IDLS = ["fixture_dex", "fixture_vault", "fixture_legacy", "fixture_fuzz"];

function fixtureIdl(name) {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "idl", name + ".json"), "utf8"));
}

function rnd(n) {
  return crypto.randomInt(0, n);
}

function gen(ty, types, bind, depth = 0) {
  if (typeof ty === "string") {
    if (INT_BITS[ty]) {
      const v = BigInt(rnd(Math.min(1_000_000, 2 ** (INT_BITS[ty] - 1))));
      return ty[0] === "i" && rnd(2) ? -v : v;
    }
    if (ty === "f32" || ty === "f64") return rnd(100000) / 100;
    if (ty === "bool") return rnd(2) === 1;
    if (ty === "string") return "load-" + rnd(1000);
    if (ty === "bytes") return crypto.randomBytes(rnd(8)).toString("base64");
    if (ty === "pubkey" || ty === "publicKey") return bs58.encode(crypto.randomBytes(32));
    throw new Error("type " + ty);
  }
  if ("option" in ty) return rnd(2) ? null : gen(ty.option, types, bind, depth + 1);
  if ("vec" in ty) return Array.from({ length: depth > 2 ? 0 : rnd(3) }, () => gen(ty.vec, types, bind, depth + 1));
  if ("array" in ty) {
    let [el, len] = ty.array;
    if (typeof len === "object") len = Number(bind[len.generic].value);
    return Array.from({ length: len }, () => gen(el, types, bind, depth + 1));
  }
  if ("generic" in ty) return gen(bind[ty.generic].type, types, bind[ty.generic].bind, depth);
  if ("defined" in ty) {
    const name = typeof ty.defined === "string" ? ty.defined : ty.defined.name;
    const def = types.get(name);
    const nb = {};
    const args = typeof ty.defined === "string" ? [] : ty.defined.generics || [];
    (def.generics || []).forEach((g, i) => (nb[g.name] = g.kind === "type" ? { type: args[i].type, bind } : { value: args[i].value }));
    return genDef(def, types, nb, depth + 1);
  }
  throw new Error("type " + JSON.stringify(ty));
}

function genFields(fields, types, bind, depth) {
  if (!fields || !fields.length) return {};
  if (typeof fields[0] === "object" && "name" in fields[0]) {
    const o = {};
    for (const f of fields) o[f.name] = gen(f.type, types, bind, depth);
    return o;
  }
  return fields.map((t) => gen(t, types, bind, depth));
}

function genDef(def, types, bind, depth) {
  const t = def.type;
  if (t.kind === "struct") return genFields(t.fields, types, bind, depth);
  if (t.kind === "type") return gen(t.alias, types, bind, depth);
  if (t.kind === "enum") {
    const v = t.variants[rnd(t.variants.length)];
    if (!v.fields || !v.fields.length) return v.name;
    return { [v.name]: genFields(v.fields, types, bind, depth) };
  }
  throw new Error("kind " + t.kind);
}

// Events of a codec that can be generated and encoded.
function eventMakers(codec) {
  const out = [];
  const types = codec.ctx.types;
  for (const [name, ev] of codec.events) {
    const make = () => genDef(ev.typeDef, types, {}, 0);
    try {
      codec.encodeEvent(name, make());
      out.push({ name, make });
    } catch (e) {
      /* an event shape the generator does not cover: leave it out */
    }
  }
  return out;
}

class LoadGen {
  constructor(peer) {
    this.peer = peer;
    this.run = null;
  }

  programs(spec) {
    const scripts = this.peer.scripts;
    let ids;
    if (Array.isArray(spec)) ids = spec;
    else {
      const k = Number(spec === undefined ? 1 : spec);
      ids = [];
      for (let i = 0; i < k; i++) {
        const name = FIXTURE_IDLS[i % FIXTURE_IDLS.length];
        const idl = fixtureIdl(name);
        const id = i < FIXTURE_IDLS.length ? idl.address || idl.metadata.address : w3.Keypair.fromSeed(crypto.createHash("sha256").update("pg_solana peer load program " + i).digest()).publicKey.toBase58();
        if (!scripts.codecs.has(id)) scripts.register(id, idl);
        ids.push(id);
      }
    }
    return ids.map((id) => {
      const codec = scripts.codecs.get(id);
      if (!codec) throw new Error(`program ${id} has no registered IDL`);
      const makers = eventMakers(codec);
      if (!makers.length) throw new Error(`program ${id}: no event the load generator can produce`);
      return { id, makers };
    });
  }

  start(opts) {
    if (this.run && !this.run.done) throw new Error("a load run is in progress (stopLoad first)");
    const rate = Number(opts.events_per_sec || 100);
    const seconds = Number(opts.seconds || 10);
    const perTx = Math.max(1, Number(opts.events_per_tx || 1));
    const progs = this.programs(opts.programs);
    const run = { rate, seconds, perTx, programs: progs.map((p) => p.id), started: Date.now(), emitted: 0, transactions: 0, errors: 0, lastError: null, done: false, target: Math.round(rate * seconds) };
    this.run = run;
    let rr = 0;
    const tick = () => {
      if (run.done) return;
      const elapsed = (Date.now() - run.started) / 1000;
      const due = Math.min(run.target, Math.round(Math.min(elapsed, seconds) * rate));
      const batch = [];
      const t0 = Date.now();
      // bounded work per tick, so the clock and the RPC keep answering
      while (run.emitted < due && Date.now() - t0 < 80) {
        const p = progs[rr++ % progs.length];
        const n = Math.min(perTx, due - run.emitted);
        const events = [];
        for (let i = 0; i < n; i++) {
          const m = p.makers[rnd(p.makers.length)];
          events.push({ name: m.name, data: m.make() });
        }
        try {
          this.peer.scripts.execute({ program_id: p.id, events, data_b64: crypto.randomBytes(8).toString("base64") }, { batch });
          run.transactions++;
        } catch (e) {
          run.errors++;
          run.lastError = e.message;
        }
        run.emitted += n;
      }
      if (batch.length) this.peer.ledger.advanceWith(batch);
      run.behind = run.emitted < due;
      if (run.emitted >= run.target || elapsed > seconds + 60) {
        run.done = true;
        run.finished = Date.now();
        clearInterval(run.timer);
      }
    };
    run.timer = setInterval(tick, 100);
    tick();
    return this.status();
  }

  stop() {
    if (this.run && !this.run.done) {
      clearInterval(this.run.timer);
      this.run.done = true;
      this.run.finished = Date.now();
    }
    return this.status();
  }

  status() {
    if (!this.run) return { running: false };
    const r = this.run;
    return { running: !r.done, events_per_sec: r.rate, seconds: r.seconds, events_per_tx: r.perTx, programs: r.programs, target_events: r.target, emitted_events: r.emitted, transactions: r.transactions, behind: !!r.behind, errors: r.errors, last_error: r.lastError, elapsed_ms: (r.finished || Date.now()) - r.started };
  }
}

module.exports = { LoadGen, fixtureIdl, FIXTURE_IDLS };
