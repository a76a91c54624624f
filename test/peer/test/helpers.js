"use strict";
// Test helpers: start the peer as a real process on free ports, and
// talk to it over HTTP JSON-RPC, WebSocket and the control API.

const { spawn } = require("child_process");
const path = require("path");
const WebSocket = require("ws");
const J = require("../src/json");

const BIN = path.join(__dirname, "..", "bin", "peer.js");

async function startPeer(args = []) {
  const child = spawn(process.execPath, [BIN, "--quiet", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const urls = await new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error("peer did not start: " + err)), 20000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /^PEER_READY (.*)$/m.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(JSON.parse(m[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`peer exited ${code}: ${err}`)));
  });
  const peer = {
    child,
    urls,
    stderr: () => err,
    async rpcRaw(body, headers = {}) {
      const res = await fetch(urls.rpc, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : J.stringify(body) });
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    async rpc(method, params) {
      const r = await peer.rpcRaw({ jsonrpc: "2.0", id: 1, method, params });
      const j = J.parse(r.text);
      if (j.error) {
        const e = new Error(`${method}: ${j.error.code} ${j.error.message}`);
        e.rpc = j.error;
        throw e;
      }
      return j.result;
    },
    async control(verb, body = {}) {
      const res = await fetch(`${urls.control}/${verb}`, { method: "POST", body: J.stringify(body) });
      const j = J.parse(await res.text());
      if (res.status !== 200) {
        const e = new Error(`control ${verb}: ${res.status} ${j.error}`);
        e.status = res.status;
        throw e;
      }
      return j;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await done;
    },
  };
  return peer;
}

// A WebSocket client that queues every message it receives.
async function wsClient(url) {
  const ws = new WebSocket(url);
  const queue = [];
  const waiters = [];
  let nextId = 1;
  ws.on("message", (d) => {
    let m;
    try {
      m = J.parse(d.toString());
    } catch (e) {
      m = { malformed: d.toString() };
    }
    queue.push(m);
    for (const w of [...waiters]) w();
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const c = {
    ws,
    queue,
    closed: new Promise((r) => ws.on("close", r)),
    // wait for a message matching pred (consumes it)
    next(pred = () => true, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = queue.findIndex(pred);
          if (i >= 0) {
            const [m] = queue.splice(i, 1);
            waiters.splice(waiters.indexOf(check), 1);
            clearTimeout(t);
            resolve(m);
          }
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error("timeout waiting for a WebSocket message; queue: " + J.stringify(queue).slice(0, 500)));
        }, ms);
        waiters.push(check);
        check();
      });
    },
    async call(method, params) {
      const id = nextId++;
      ws.send(J.stringify({ jsonrpc: "2.0", id, method, params }));
      const m = await c.next((x) => x.id === id);
      if (m.error) throw Object.assign(new Error(m.error.message), { rpc: m.error });
      return m.result;
    },
    notification(method, sub, ms) {
      return c.next((x) => x.method === method && x.params.subscription === sub, ms);
    },
    close() {
      ws.close();
    },
  };
  return c;
}

// web3.js Connection keeps reconnecting its WebSocket; stop it.
function closeWs(conn) {
  const ws = conn._rpcWebSocket;
  if (ws) {
    ws.reconnect = false;
    ws.setAutoReconnect && ws.setAutoReconnect(false);
    ws.close();
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { startPeer, wsClient, sleep, closeWs };
