"use strict";
// Solana's WebSocket pubsub API (https://solana.com/docs/rpc/websocket)
// over the ledger.  A *subscription* belongs to one connection and has
// a commitment; notifications for a slot go out when that
// commitment's frontier passes the slot (so a "finalized" logs
// subscription hears about a transaction finalizedLag slots later, as
// on a real cluster).  While notifications are paused they are
// dropped, not queued: the gap can only be filled by backfill.

const { WebSocketServer } = require("ws");
const J = require("./json");
const { unb58 } = require("./encoding");
const { uiAccount, filterFn } = require("./rpc");

const COMMITMENTS = ["processed", "confirmed", "finalized"];

function normCommitment(c) {
  if (c === "confirmed" || c === "singleGossip") return "confirmed";
  if (c === "processed" || c === "recent" || c === "single") return "processed";
  return "finalized";
}

class PubSub {
  constructor(peer) {
    this.peer = peer;
    this.nextId = 1;
    this.subs = new Map(); // id -> sub
    this.clients = new Set();
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    this.wss.on("connection", (ws) => this.onConnection(ws));
  }

  get ledger() {
    return this.peer.ledger;
  }

  attach(ledger) {
    ledger.on("frontier", (c, from, to) => this.onFrontier(c, from, to));
    ledger.on("block", (slot) => this.onSlot(slot));
  }

  handleUpgrade(req, socket, head) {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }

  onConnection(ws) {
    this.clients.add(ws);
    ws.subs = new Set();
    ws.on("message", (data) => this.onMessage(ws, data));
    ws.on("close", () => {
      this.clients.delete(ws);
      for (const id of ws.subs) this.subs.delete(id);
    });
    ws.on("error", () => {});
  }

  dropAll() {
    const n = this.clients.size;
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
    this.subs.clear();
    return n;
  }

  send(ws, obj) {
    if (ws.readyState !== 1) return;
    this.peer.sendWs(ws, J.stringify(obj));
  }

  onMessage(ws, data) {
    let req;
    try {
      req = J.parse(data.toString("utf8"));
    } catch (e) {
      return this.send(ws, { jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null });
    }
    const reqs = Array.isArray(req) ? req : [req];
    for (const r of reqs) {
      const id = r && r.id !== undefined ? r.id : null;
      if (!r || typeof r !== "object" || r.jsonrpc !== "2.0" || typeof r.method !== "string") {
        this.send(ws, { jsonrpc: "2.0", error: { code: -32600, message: "Invalid request" }, id });
        continue;
      }
      this.peer.count("ws:" + r.method);
      try {
        const result = this.dispatch(ws, r.method, r.params || []);
        this.send(ws, { jsonrpc: "2.0", result, id });
        if (this.pendingInitial) {
          const f = this.pendingInitial;
          this.pendingInitial = null;
          f();
        }
      } catch (e) {
        const err = e.rpc || { code: -32603, message: "Internal error: " + e.message };
        this.send(ws, { jsonrpc: "2.0", error: err, id });
      }
    }
  }

  dispatch(ws, method, params) {
    const c = (i) => (params[i] && typeof params[i] === "object" ? params[i] : {});
    const add = (sub) => {
      const id = this.nextId++;
      sub.id = id;
      sub.ws = ws;
      sub.commitment = normCommitment(sub.commitment);
      this.subs.set(id, sub);
      ws.subs.add(id);
      return id;
    };
    const invalid = (m) => Object.assign(new Error(m), { rpc: { code: -32602, message: m } });
    const key = (v) => {
      try {
        if (typeof v === "string" && unb58(v).length === 32) return v;
      } catch (e) {
        /* fall through */
      }
      throw invalid("Invalid Request: Invalid pubkey provided");
    };
    switch (method) {
      case "slotSubscribe":
        return add({ kind: "slot", commitment: "processed" });
      case "logsSubscribe": {
        const f = params[0];
        let filter;
        if (f === "all" || f === "allWithVotes") filter = { all: true };
        else if (f && Array.isArray(f.mentions)) {
          if (f.mentions.length !== 1) throw invalid("Invalid Request: Only 1 address supported");
          filter = { mentions: key(f.mentions[0]) };
        } else throw invalid("Invalid params: expected \"all\", \"allWithVotes\" or {\"mentions\": [address]}");
        return add({ kind: "logs", filter, commitment: c(1).commitment });
      }
      case "accountSubscribe":
        return add({ kind: "account", address: key(params[0]), encoding: c(1).encoding || "binary", commitment: c(1).commitment });
      case "programSubscribe": {
        const cf = c(1);
        const filters = (cf.filters || []).map(filterFn);
        return add({ kind: "program", program: key(params[0]), encoding: cf.encoding || "binary", filters, commitment: cf.commitment });
      }
      case "signatureSubscribe": {
        if (typeof params[0] !== "string") throw invalid("Invalid params: expected a signature");
        const cf = c(1);
        const id = add({ kind: "signature", signature: params[0], commitment: cf.commitment, received: !!cf.enableReceivedNotification });
        const sub = this.subs.get(id);
        // already landed at this commitment: notify right after the reply
        const rec = this.ledger.record(params[0], sub.commitment);
        if (rec) this.pendingInitial = () => this.notifySignature(sub, rec);
        else if (sub.received && this.ledger.record(params[0], "processed")) this.pendingInitial = () => this.notify(sub, "signatureNotification", { context: { slot: this.ledger.frontier("processed") }, value: "receivedSignature" });
        return id;
      }
      case "slotUnsubscribe":
      case "logsUnsubscribe":
      case "accountUnsubscribe":
      case "programUnsubscribe":
      case "signatureUnsubscribe": {
        const id = params[0];
        const sub = this.subs.get(id);
        const kind = method.replace("Unsubscribe", "");
        if (!sub || sub.ws !== ws || sub.kind !== kind) throw invalid("Invalid subscription id.");
        this.subs.delete(id);
        ws.subs.delete(id);
        return true;
      }
      default:
        throw Object.assign(new Error("Method not found"), { rpc: { code: -32601, message: "Method not found" } });
    }
  }

  notify(sub, method, result) {
    if (this.peer.faults.paused) return;
    this.send(sub.ws, { jsonrpc: "2.0", method, params: { result, subscription: sub.id } });
  }

  notifySignature(sub, rec) {
    this.notify(sub, "signatureNotification", { context: { slot: rec.slot }, value: { err: rec.err } });
    this.subs.delete(sub.id);
    sub.ws.subs.delete(sub.id);
  }

  onSlot(slot) {
    const root = this.ledger.frontier("finalized");
    for (const sub of this.subs.values()) {
      if (sub.kind === "slot") this.notify(sub, "slotNotification", { parent: slot - 1, root, slot });
    }
    // receivedSignature notifications
    for (const rec of this.ledger.blockRecords(slot)) {
      for (const sub of [...this.subs.values()]) {
        if (sub.kind === "signature" && sub.received && sub.signature === rec.signature) this.notify(sub, "signatureNotification", { context: { slot }, value: "receivedSignature" });
      }
    }
  }

  onFrontier(commitment, from, to) {
    const subs = [...this.subs.values()].filter((s) => s.commitment === commitment && s.kind !== "slot");
    if (!subs.length) return;
    for (let slot = from + 1; slot <= to; slot++) {
      const recs = this.ledger.blockRecords(slot);
      for (const rec of recs) {
        for (const sub of subs) {
          if (sub.kind === "logs" && (sub.filter.all || rec.accountKeys.includes(sub.filter.mentions))) {
            this.notify(sub, "logsNotification", { context: { slot }, value: { err: rec.err, logs: rec.logMessages, signature: rec.signature } });
          } else if (sub.kind === "signature" && sub.signature === rec.signature && this.subs.has(sub.id)) {
            this.notifySignature(sub, rec);
          }
        }
      }
      const changes = this.ledger.slotChanges(slot);
      for (const ch of changes) {
        for (const sub of subs) {
          try {
            if (sub.kind === "account" && sub.address === ch.address) {
              const acc = ch.after || { lamports: 0n, owner: "11111111111111111111111111111111", data: Buffer.alloc(0), executable: false };
              this.notify(sub, "accountNotification", { context: { slot }, value: uiAccount(acc, sub.encoding) });
            } else if (sub.kind === "program" && ch.after && ch.after.owner === sub.program && sub.filters.every((f) => f(ch.after))) {
              this.notify(sub, "programNotification", { context: { slot }, value: { account: uiAccount(ch.after, sub.encoding), pubkey: ch.address } });
            }
          } catch (e) {
            /* an encoding the account cannot be shown in (base58 > 128 bytes): skip, as the validator does */
          }
        }
      }
    }
  }
}

module.exports = { PubSub };
