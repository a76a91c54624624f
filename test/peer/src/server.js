"use strict";
// The peer process: HTTP JSON-RPC, WebSocket pubsub and the control
// API on loopback ports, the slot clock, persistence and fault
// injection.  A *fault* is a one-shot or timed misbehaviour that a
// control call arms (HTTP 429, JSON-RPC errors, malformed JSON,
// truncated WebSocket frames, delays, refused connections, paused
// notifications, dropped sockets, a restart).

const http = require("http");
const os = require("os");
const path = require("path");
const fs = require("fs");
const crypto = require("crypto");
const J = require("./json");
const { Ledger } = require("./ledger");
const { Rpc } = require("./rpc");
const { PubSub } = require("./pubsub");
const { Scripts, ScriptError } = require("./scripted");
const { LoadGen, fixtureIdl, FIXTURE_IDLS } = require("./loadgen");
const oracles = require("./oracles");

const HOST = "127.0.0.1";

class Peer {
  constructor(opts = {}) {
    this.opts = {
      rpcPort: opts.rpcPort || 0,
      wsPort: opts.wsPort === undefined ? 0 : opts.wsPort,
      controlPort: opts.controlPort === undefined ? 0 : opts.controlPort,
      slotMs: opts.slotMs === undefined ? 400 : opts.slotMs,
      confirmedLag: opts.confirmedLag,
      finalizedLag: opts.finalizedLag,
      statePath: opts.statePath || null,
      startSlot: opts.startSlot || 0,
      programs: opts.programs || [],
      quiet: !!opts.quiet,
    };
    this.autoState = !this.opts.statePath;
    if (this.autoState) this.opts.statePath = path.join(os.tmpdir(), `pg_solana-peer-${process.pid}-${crypto.randomBytes(4).toString("hex")}.state.json`);
    this.faults = { paused: false, delayMs: 0, http429: null, rpcError: null, malformed: null, truncated: null, refuseUntil: 0, noBatches: false };
    this.stats = { requests: {}, http_requests: 0, batch_requests: 0, ws_connections: 0, dropped_transactions: 0, since: new Date().toISOString() };
    this.sockets = new Set();
    this.build();
  }

  build() {
    this.ledger = new Ledger({ statePath: this.opts.statePath, confirmedLag: this.opts.confirmedLag, finalizedLag: this.opts.finalizedLag, startSlot: this.opts.startSlot });
    this.rpc = new Rpc(this);
    this.pubsub = new PubSub(this);
    this.pubsub.attach(this.ledger);
    this.scripts = new Scripts(this);
    this.load = this.load || new LoadGen(this);
    this.load.peer = this;
  }

  count(method) {
    this.stats.requests[method] = (this.stats.requests[method] || 0) + 1;
  }

  log(...a) {
    if (!this.opts.quiet) console.error("[peer]", ...a);
  }

  // ---------- lifecycle ----------
  async start() {
    for (const name of this.opts.programs) this.registerFixture(name);
    this.rpcServer = this.httpServer((req, res) => this.onRpcHttp(req, res), true);
    this.wsServer = this.httpServer((req, res) => {
      res.writeHead(426, { "content-type": "text/plain" });
      res.end("WebSocket only\n");
    }, true);
    this.controlServer = http.createServer((req, res) => this.onControlHttp(req, res));
    this.ports = {};
    this.ports.rpc = await this.listen(this.rpcServer, this.opts.rpcPort);
    this.ports.ws = await this.listen(this.wsServer, this.opts.wsPort);
    this.ports.control = await this.listen(this.controlServer, this.opts.controlPort);
    this.startTimers();
    return this.urls();
  }

  urls() {
    return { rpc: `http://${HOST}:${this.ports.rpc}`, ws: `ws://${HOST}:${this.ports.ws}`, control: `http://${HOST}:${this.ports.control}/control`, state: this.opts.statePath, pid: process.pid };
  }

  httpServer(handler, upgrades) {
    const srv = http.createServer(handler);
    srv.keepAliveTimeout = 5000;
    srv.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    if (upgrades) {
      srv.on("upgrade", (req, socket, head) => {
        this.stats.ws_connections++;
        this.pubsub.handleUpgrade(req, socket, head);
      });
    }
    return srv;
  }

  listen(srv, port) {
    return new Promise((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, HOST, () => {
        srv.removeListener("error", reject);
        resolve(srv.address().port);
      });
    });
  }

  startTimers() {
    if (this.opts.slotMs > 0) {
      this.clock = setInterval(() => {
        try {
          this.ledger.advance([]);
        } catch (e) {
          this.log("slot tick failed:", e.stack);
        }
      }, this.opts.slotMs);
    }
    this.saver = setInterval(() => {
      if (this.ledger.dirty) this.save();
    }, 2000);
  }

  stopTimers() {
    clearInterval(this.clock);
    clearInterval(this.saver);
    this.clock = this.saver = null;
  }

  save() {
    try {
      this.ledger.save();
    } catch (e) {
      this.log("saving state failed:", e.message);
    }
  }

  closeListeners() {
    const ps = [];
    for (const s of [this.rpcServer, this.wsServer]) if (s.listening) ps.push(new Promise((r) => s.close(() => r())));
    return ps;
  }

  async reopenListeners() {
    for (const [s, port] of [[this.rpcServer, this.ports.rpc], [this.wsServer, this.ports.ws]]) {
      if (s.listening) continue;
      for (let i = 0; ; i++) {
        try {
          await this.listen(s, port);
          break;
        } catch (e) {
          if (i > 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }

  async refuse(seconds) {
    this.faults.refuseUntil = Date.now() + seconds * 1000;
    this.closeListeners();
    clearTimeout(this.refuseTimer);
    this.refuseTimer = setTimeout(() => {
      this.faults.refuseUntil = 0;
      this.reopenListeners().catch((e) => this.log("reopen failed:", e.message));
    }, seconds * 1000);
  }

  // Stop serving, persist, rebuild everything from the state file, and
  // serve again on the same ports after `downMs`.
  async restart(downMs = 200) {
    this.stopTimers();
    this.load.stop();
    this.pubsub.dropAll();
    const closing = this.closeListeners();
    for (const s of this.sockets) s.destroy();
    await Promise.all(closing);
    this.save();
    this.build();
    await new Promise((r) => setTimeout(r, downMs));
    await this.reopenListeners();
    this.startTimers();
    this.faults.paused = false;
    return { slot: this.ledger.slot, transactions: this.ledger.order.length };
  }

  async stop() {
    this.stopTimers();
    this.load.stop();
    this.pubsub.dropAll();
    const closing = this.closeListeners();
    if (this.controlServer.listening) closing.push(new Promise((r) => this.controlServer.close(() => r())));
    for (const s of this.sockets) s.destroy();
    this.save();
    if (this.autoState) {
      for (const f of [this.opts.statePath, this.opts.statePath + ".svm"]) fs.rmSync(f, { force: true });
    }
    await Promise.all(closing);
  }

  submit(wire) {
    try {
      this.ledger.execute(wire);
    } catch (e) {
      if (e.txErr === undefined) throw e;
      this.stats.dropped_transactions++;
      this.log("transaction dropped:", JSON.stringify(e.txErr));
    }
  }

  // ---------- WebSocket output (with frame faults) ----------
  sendWs(ws, text) {
    const f = this.faults;
    if (f.truncated && f.truncated.count > 0) {
      f.truncated.count--;
      const payload = Buffer.from(text);
      const len = payload.length;
      let hdr;
      if (len < 126) hdr = Buffer.from([0x81, len]);
      else if (len < 65536) {
        hdr = Buffer.from([0x81, 126, 0, 0]);
        hdr.writeUInt16BE(len, 2);
      } else {
        hdr = Buffer.alloc(10);
        hdr[0] = 0x81;
        hdr[1] = 127;
        hdr.writeBigUInt64BE(BigInt(len), 2);
      }
      const sock = ws._socket;
      sock.write(Buffer.concat([hdr, payload.subarray(0, Math.floor(len / 2))]), () => sock.destroy());
      return;
    }
    if (f.malformed && f.malformed.target === "ws" && f.malformed.count > 0) {
      f.malformed.count--;
      ws.send(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      return;
    }
    ws.send(text);
  }

  // ---------- JSON-RPC over HTTP ----------
  readBody(req) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let n = 0;
      req.on("data", (c) => {
        n += c.length;
        if (n > 1 << 22) {
          reject(new Error("body too large"));
          req.destroy();
        } else chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });
  }

  async onRpcHttp(req, res) {
    if (req.url.startsWith("/control")) return this.onControlHttp(req, res);
    this.stats.http_requests++;
    if (req.method === "GET" && (req.url === "/health" || req.url === "/health/")) {
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end("ok");
    }
    if (req.method !== "POST") {
      res.writeHead(405, { "content-type": "text/plain", allow: "POST" });
      return res.end("Used HTTP Method is not allowed. POST or OPTIONS is required\n");
    }
    let body;
    try {
      body = await this.readBody(req);
    } catch (e) {
      res.writeHead(413);
      return res.end();
    }
    const f = this.faults;
    const reply = (status, headers, text) => {
      const go = () => {
        res.writeHead(status, headers);
        res.end(text);
      };
      if (f.delayMs > 0) setTimeout(go, f.delayMs);
      else go();
    };
    if (f.http429 && f.http429.count > 0) {
      f.http429.count--;
      this.count("http429");
      return reply(429, { "content-type": "application/json", "retry-after": String(f.http429.retryAfter) }, J.stringify({ jsonrpc: "2.0", error: { code: 429, message: "Too many requests for a specific RPC call, contact your app developer or support@rpcpool.com." }, id: null }));
    }
    let parsed;
    try {
      parsed = J.parse(body);
    } catch (e) {
      return reply(200, { "content-type": "application/json" }, J.stringify({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null }));
    }
    let out;
    if (Array.isArray(parsed)) this.stats.batch_requests++;
    if (Array.isArray(parsed) && f.noBatches) {
      // as a node or proxy that does not take batches: one error object
      out = { jsonrpc: "2.0", error: { code: -32600, message: "Invalid request" }, id: null };
    } else if (Array.isArray(parsed)) {
      if (!parsed.length) out = { jsonrpc: "2.0", error: { code: -32600, message: "Invalid request" }, id: null };
      else out = parsed.map((r) => this.handleOne(r));
    } else out = this.handleOne(parsed);
    let text = J.stringify(out);
    if (f.malformed && f.malformed.target !== "ws" && f.malformed.count > 0) {
      f.malformed.count--;
      text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }
    reply(200, { "content-type": "application/json" }, text);
  }

  handleOne(r) {
    const id = r && typeof r === "object" && r.id !== undefined ? r.id : null;
    if (!r || typeof r !== "object" || r.jsonrpc !== "2.0" || typeof r.method !== "string") {
      return { jsonrpc: "2.0", error: { code: -32600, message: "Invalid request" }, id };
    }
    this.count(r.method);
    const fe = this.faults.rpcError;
    if (fe && fe.count > 0 && (!fe.method || fe.method === r.method)) {
      fe.count--;
      const error = { code: fe.code, message: fe.message };
      if (fe.data !== undefined) error.data = fe.data;
      return { jsonrpc: "2.0", error, id };
    }
    try {
      return { jsonrpc: "2.0", result: this.rpc.call(r.method, r.params), id };
    } catch (e) {
      if (e.rpc) return { jsonrpc: "2.0", error: e.rpc, id };
      this.log("internal error in", r.method, e.stack);
      return { jsonrpc: "2.0", error: { code: -32603, message: "Internal error: " + e.message }, id };
    }
  }

  // ---------- control API ----------
  async onControlHttp(req, res) {
    const url = new URL(req.url, "http://x");
    const verb = url.pathname.replace(/^\/control\/?/, "").replace(/\/$/, "") || "info";
    let body = {};
    try {
      const text = req.method === "POST" ? await this.readBody(req) : "";
      body = text.trim() ? J.parse(text) : {};
      for (const [k, v] of url.searchParams) if (body[k] === undefined) body[k] = /^-?\d+$/.test(v) ? Number(v) : v === "true" ? true : v === "false" ? false : v;
    } catch (e) {
      res.writeHead(400, { "content-type": "application/json" });
      return res.end(J.stringify({ error: "body is not JSON: " + e.message }));
    }
    let status = 200;
    let result;
    try {
      const fn = CONTROL[verb];
      if (!fn) {
        status = 404;
        result = { error: `unknown control verb ${verb}`, verbs: Object.keys(CONTROL) };
      } else result = { ok: true, ...(await fn.call(this, body || {})) };
    } catch (e) {
      status = e instanceof ScriptError || e.control ? 400 : 500;
      if (status === 500) this.log("control", verb, "failed:", e.stack);
      result = { error: e.message };
    }
    res.writeHead(status, { "content-type": "application/json" });
    res.end(J.stringify(result));
  }

  registerFixture(name) {
    if (!FIXTURE_IDLS.includes(name)) throw controlError(`unknown fixture IDL ${name}; known: ${FIXTURE_IDLS.join(", ")}`);
    const idl = fixtureIdl(name);
    return this.scripts.register(idl.address || idl.metadata.address, idl);
  }

  ensureOwner(programId) {
    if (!this.scripts.isScripted(programId)) this.scripts.register(programId, null);
  }

  txResult(rec) {
    return { signature: rec.signature, slot: rec.slot, err: rec.err, fee: rec.fee, written: rec.written || [], logs: rec.logMessages, events: rec.events.map((e) => ({ kind: e.kind, program_id: e.program_id, name: e.name, log_index: e.log_index, inner_index: e.inner_index, top_level_index: e.top_level_index, depth: e.depth })) };
  }
}

function controlError(msg) {
  return Object.assign(new Error(msg), { control: true });
}

const need = (b, k) => {
  if (b[k] === undefined || b[k] === null) throw controlError(`missing ${k}`);
  return b[k];
};

// Every control verb: POST /control/<verb> with a JSON body.
const CONTROL = {
  info() {
    return { ...this.urls(), slot: this.ledger.slot, payer: this.ledger.payer.publicKey.toBase58(), faucet: this.ledger.faucet.publicKey.toBase58(), programs: [...this.ledger.programs.keys()], options: { slot_ms: this.opts.slotMs, confirmed_lag: this.ledger.opts.confirmedLag, finalized_lag: this.ledger.opts.finalizedLag }, faults: this.faults, verbs: Object.keys(CONTROL) };
  },
  registerProgram(b) {
    if (b.fixture) return this.registerFixture(b.fixture);
    if (!b.idl && !b.program_id) throw controlError("registerProgram needs {program_id, idl} or {fixture}");
    return this.scripts.register(b.program_id, b.idl || null);
  },
  execute(b) {
    return this.txResult(this.scripts.execute(b));
  },
  writePyth(b) {
    this.ensureOwner(oracles.PYTH_RECEIVER);
    const address = b.address || oracles.pythFeedAddress(need(b, "feed_id"), b.shard_id || 0);
    const data = oracles.pythData(b, this.ledger.slot + 1, this.ledger.payer.publicKey.toBase58());
    const rec = this.scripts.execute({ program_id: oracles.PYTH_RECEIVER, logs: ["Instruction: UpdatePriceFeed"], writes: [{ address, data_b64: data.toString("base64") }] });
    return { address, owner: oracles.PYTH_RECEIVER, data_b64: data.toString("base64"), ...this.txResult(rec) };
  },
  writeSwitchboard(b) {
    this.ensureOwner(oracles.SWITCHBOARD_V2);
    const address = b.address || require("@solana/web3.js").Keypair.generate().publicKey.toBase58();
    const data = oracles.switchboardData(b, this.ledger.slot + 1);
    const rec = this.scripts.execute({ program_id: oracles.SWITCHBOARD_V2, logs: ["Instruction: AggregatorSaveResult"], writes: [{ address, data_b64: data.toString("base64") }] });
    return { address, owner: oracles.SWITCHBOARD_V2, data_b64: data.toString("base64"), ...this.txResult(rec) };
  },
  setAccount(b) {
    const data = Buffer.from(b.data_b64 || "", "base64");
    const lamports = b.lamports !== undefined ? BigInt(b.lamports) : this.ledger.minimumBalanceForRentExemption(data.length);
    this.ledger.setAccount(need(b, "address"), { lamports, owner: b.owner || "11111111111111111111111111111111", data, executable: !!b.executable });
    this.ledger.dirty = true;
    return { address: b.address, lamports };
  },
  airdrop(b) {
    const rec = this.ledger.airdrop(need(b, "address"), b.lamports === undefined ? 1_000_000_000 : b.lamports);
    return { signature: rec.signature, slot: rec.slot, err: rec.err };
  },
  advanceSlots(b) {
    const n = Number(b.count === undefined ? 1 : b.count);
    for (let i = 0; i < n; i++) this.ledger.advance([]);
    return { slot: this.ledger.slot };
  },
  skipSlot(b) {
    let slot = b.slot;
    if (slot === undefined || slot === null) {
      const r = this.ledger.records.get(need(b, "signature"));
      if (!r) throw controlError(`unknown signature ${b.signature}`);
      slot = r.slot;
    }
    try {
      return { slot: Number(slot), ...this.ledger.skipSlot(Number(slot), !!b.reland) };
    } catch (e) {
      throw controlError(e.message);
    }
  },
  dropSockets() {
    return { dropped: this.pubsub.dropAll() };
  },
  async refuseConnections(b) {
    const s = Number(b.seconds === undefined ? 5 : b.seconds);
    await this.refuse(s);
    return { refused_until: new Date(this.faults.refuseUntil).toISOString() };
  },
  pauseNotifications() {
    this.faults.paused = true;
    return {};
  },
  resumeNotifications() {
    this.faults.paused = false;
    return {};
  },
  delay(b) {
    this.faults.delayMs = Number(b.ms || 0);
    return { ms: this.faults.delayMs };
  },
  http429(b) {
    this.faults.http429 = { count: Number(b.count === undefined ? 1 : b.count), retryAfter: Number(b.retry_after === undefined ? 1 : b.retry_after) };
    return this.faults.http429;
  },
  rpcError(b) {
    this.faults.rpcError = { count: Number(b.count === undefined ? 1 : b.count), code: Number(b.code === undefined ? -32005 : b.code), message: b.message || "Node is unhealthy", method: b.method || null, data: b.data };
    return this.faults.rpcError;
  },
  malformedJson(b) {
    this.faults.malformed = { count: Number(b.count === undefined ? 1 : b.count), target: b.target === "ws" ? "ws" : "http" };
    return this.faults.malformed;
  },
  noBatches(b) {
    this.faults.noBatches = b.on === undefined ? true : !!b.on;
    return { on: this.faults.noBatches };
  },
  truncatedFrame(b) {
    this.faults.truncated = { count: Number(b.count === undefined ? 1 : b.count) };
    return this.faults.truncated;
  },
  clearFaults() {
    this.faults.delayMs = 0;
    this.faults.http429 = this.faults.rpcError = this.faults.malformed = this.faults.truncated = null;
    this.faults.paused = false;
    this.faults.noBatches = false;
    if (this.faults.refuseUntil) {
      clearTimeout(this.refuseTimer);
      this.faults.refuseUntil = 0;
      return this.reopenListeners().then(() => ({}));
    }
    return {};
  },
  restart(b) {
    const down = Number(b.down_ms === undefined ? 200 : b.down_ms);
    // answer first, then restart
    setImmediate(() => this.restart(down).catch((e) => this.log("restart failed:", e.stack)));
    return { restarting: true, down_ms: down };
  },
  load(b) {
    try {
      return this.load.start(b);
    } catch (e) {
      throw controlError(e.message);
    }
  },
  loadStatus() {
    return this.load.status();
  },
  stopLoad() {
    return this.load.stop();
  },
  stats(b) {
    const since = Number(b.since || 0);
    const out = { requests: this.stats.requests, http_requests: this.stats.http_requests, batch_requests: this.stats.batch_requests, ws_connections: this.stats.ws_connections, open_ws: this.pubsub.clients.size, subscriptions: this.pubsub.subs.size, dropped_transactions: this.stats.dropped_transactions, slot: this.ledger.slot, transactions: this.ledger.order.length, event_count: this.ledger.events.length, since: this.stats.since };
    if (b.events !== false) out.events = this.ledger.events.slice(since);
    return out;
  },
  resetStats() {
    this.stats.requests = {};
    this.stats.http_requests = 0;
    this.stats.batch_requests = 0;
    this.stats.ws_connections = 0;
    this.stats.since = new Date().toISOString();
    return {};
  },
  async shutdown() {
    setImmediate(async () => {
      await this.stop();
      process.exit(0);
    });
    return { stopping: true };
  },
};

module.exports = { Peer, CONTROL };
