// replayer.js: a Solana pubsub + JSON-RPC endpoint that plays back the
// transactions record.js took from the local peer, as fast as the client
// reads them, so that the client (the ingest worker, or the Node
// pattern) is what limits the rate.
//
// Transaction i of a run is recorded template i % T with its own
// signature (64 bytes from SHA-512 of "pg_solana ingest bench" + i) and
// slot (BASE_SLOT + i / 40); everything else (logs, err,
// innerInstructions, ...) is the peer's answer as recorded.  Before the
// transactions comes a fixed *origin* signature at BASE_SLOT - 1, the
// start point of a subscription.
//
//   node replayer.js RECORDING.json READY_FILE [MAX_TRANSACTIONS]
//
// Control (HTTP, same port):
//   POST /control/arm {"mode": "live"|"backfill", "count": n}
//     live: the next logsSubscribe is answered and then followed by the
//       logsNotification of transactions 0..n-1, written while the socket
//       drains; getSignaturesForAddress without `until` answers the
//       origin, with `until` nothing (there is no gap to fill).
//     backfill: logsSubscribe is answered and nothing is sent;
//       getSignaturesForAddress pages over transactions n-1..0 and the
//       origin (newest first, before/until/limit), getTransaction
//       answers the recorded transaction.
//   GET /control/stats: counters, the time of the first notification
//     sent or RPC request received (first_ms), of the last one (last_ms),
//     and this process's CPU time (cpu_ms).
"use strict";
const fs = require("fs");
const http = require("http");
const crypto = require("crypto");
const { WebSocketServer } = require("ws");
const bs58 = require("bs58").default;

const [recFile, readyFile, maxArg] = process.argv.slice(2);
const rec = JSON.parse(fs.readFileSync(recFile, "utf8"));
const MAX = Number(maxArg || 50000);
const BASE_SLOT = 300000000;
const PER_SLOT = 40;
const BASE_TIME = 1760000000;

function sigOf(i) {
  return bs58.encode(crypto.createHash("sha512").update("pg_solana ingest bench " + i).digest());
}
const ORIGIN = sigOf(-1);
const sigs = new Array(MAX);
const index = new Map();
for (let i = 0; i < MAX; i++) {
  sigs[i] = sigOf(i);
  index.set(sigs[i], i);
}
const slotOf = (i) => BASE_SLOT + Math.floor(i / PER_SLOT);
const timeOf = (i) => BASE_TIME + Math.floor(slotOf(i) * 0.4) - Math.floor(BASE_SLOT * 0.4);

// per template: the notification's and getTransaction's text around the
// signature and slot
const T = rec.transactions.length;
const tmpl = rec.transactions.map((t) => {
  const logs = JSON.stringify(t.meta.logMessages);
  const err = JSON.stringify(t.meta.err);
  const tx = JSON.parse(JSON.stringify(t));
  tx.transaction.signatures[0] = "@SIG@";
  tx.slot = 1111111111111;
  tx.blockTime = 2222222222222;
  const parts = JSON.stringify(tx).split(/"@SIG@"|1111111111111|2222222222222/);
  if (parts.length !== 4) throw new Error("template split");
  // the order of slot / blockTime / signature in the text
  const s = JSON.stringify(tx);
  const order = [["sig", s.indexOf('"@SIG@"')], ["slot", s.indexOf("1111111111111")], ["time", s.indexOf("2222222222222")]]
    .sort((a, b) => a[1] - b[1]).map((x) => x[0]);
  return { logs, err, parts, order };
});

function txText(i, id) {
  const t = tmpl[i % T];
  const v = { sig: '"' + sigs[i] + '"', slot: String(slotOf(i)), time: String(timeOf(i)) };
  return '{"jsonrpc":"2.0","result":' + t.parts[0] + v[t.order[0]] + t.parts[1] + v[t.order[1]] +
    t.parts[2] + v[t.order[2]] + t.parts[3] + ',"id":' + JSON.stringify(id) + "}";
}
function notifText(i, sub) {
  const t = tmpl[i % T];
  return '{"jsonrpc":"2.0","method":"logsNotification","params":{"result":{"context":{"slot":' + slotOf(i) +
    '},"value":{"signature":"' + sigs[i] + '","err":' + t.err + ',"logs":' + t.logs + '}},"subscription":' + sub + "}}";
}
function sigEntry(i) {
  if (i < 0) return '{"signature":"' + ORIGIN + '","slot":' + (BASE_SLOT - 1) + ',"err":null,"memo":null,"blockTime":' + (BASE_TIME - 1) + ',"confirmationStatus":"confirmed"}';
  return '{"signature":"' + sigs[i] + '","slot":' + slotOf(i) + ',"err":' + tmpl[i % T].err +
    ',"memo":null,"blockTime":' + timeOf(i) + ',"confirmationStatus":"confirmed"}';
}

let mode = "live";
let count = 0;
let nextSub = 1;
const st = { sent: 0, get_tx: 0, get_sigs: 0, subscribes: 0, first_ms: 0, last_ms: 0 };
function mark() {
  const now = Date.now();
  if (!st.first_ms) st.first_ms = now;
  st.last_ms = now;
}

function rpcOne(req) {
  const id = req.id === undefined ? null : req.id;
  const p = req.params || [];
  const ok = (r) => '{"jsonrpc":"2.0","result":' + r + ',"id":' + JSON.stringify(id) + "}";
  switch (req.method) {
    case "getTransaction": {
      mark();
      st.get_tx++;
      const i = index.get(p[0]);
      if (i === undefined || i >= count || mode !== "backfill") return ok("null");
      return txText(i, id);
    }
    case "getSignaturesForAddress": {
      mark();
      st.get_sigs++;
      const o = p[1] || {};
      const limit = Math.min(1000, o.limit || 1000);
      const n = mode === "backfill" ? count : 0;
      // positions: n-1 .. 0, then the origin (-1)
      let from = n - 1;
      if (o.before) from = o.before === ORIGIN ? -2 : (index.has(o.before) ? index.get(o.before) - 1 : -2);
      const stop = o.until ? (o.until === ORIGIN ? -1 : (index.has(o.until) ? index.get(o.until) : -2)) : -2;
      if (mode === "live" && o.until) return ok("[]");
      const out = [];
      for (let i = from; i > stop && out.length < limit; i--) out.push(sigEntry(i));
      return ok("[" + out.join(",") + "]");
    }
    case "getSlot":
    case "getBlockHeight":
      return ok(String(slotOf(Math.max(0, count - 1))));
    case "getVersion":
      return ok('{"solana-core":"2.2.0","feature-set":0}');
    case "getHealth":
      return ok('"ok"');
    case "getGenesisHash":
      return ok('"' + ORIGIN.slice(0, 44) + '"');
    default:
      return '{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":' + JSON.stringify(id) + "}";
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    let text;
    if (req.url.startsWith("/control/arm")) {
      const a = JSON.parse(body || "{}");
      mode = a.mode || "live";
      count = Math.min(MAX, Number(a.count || 0));
      for (const k of Object.keys(st)) st[k] = 0;
      text = JSON.stringify({ ok: true, mode, count, last: count > 0 ? sigs[count - 1] : null });
    } else if (req.url.startsWith("/control/stats")) {
      const u = process.cpuUsage();
      text = JSON.stringify({ ...st, mode, count, cpu_ms: (u.user + u.system) / 1000 });
    } else {
      try {
        const r = JSON.parse(body);
        text = Array.isArray(r) ? "[" + r.map(rpcOne).join(",") + "]" : rpcOne(r);
      } catch (e) {
        text = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}';
      }
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
});
server.keepAliveTimeout = 60000;

const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on("connection", (ws) => {
  ws.on("message", (data) => {
    let m;
    try {
      m = JSON.parse(data.toString("utf8"));
    } catch (e) {
      return;
    }
    if (m.method === "logsSubscribe") {
      const sub = nextSub++;
      st.subscribes++;
      ws.send('{"jsonrpc":"2.0","result":' + sub + ',"id":' + JSON.stringify(m.id) + "}");
      if (mode === "live") pump(ws, sub, 0, count);
    } else if (typeof m.method === "string" && m.method.endsWith("Unsubscribe")) {
      ws.send('{"jsonrpc":"2.0","result":true,"id":' + JSON.stringify(m.id) + "}");
    } else if (typeof m.method === "string" && m.method.endsWith("Subscribe")) {
      ws.send('{"jsonrpc":"2.0","result":' + nextSub++ + ',"id":' + JSON.stringify(m.id) + "}");
    }
  });
});

// write notifications while the socket takes them; resume on drain
function pump(ws, sub, i, n) {
  const sock = ws._socket;
  while (i < n && ws.readyState === 1) {
    if (!st.first_ms) st.first_ms = Date.now();
    ws.send(notifText(i++, sub));
    st.sent++;
    if (sock.writableLength > (1 << 21)) {
      sock.once("drain", () => pump(ws, sub, i, n));
      return;
    }
  }
  st.last_ms = Date.now();
}

server.listen(0, "127.0.0.1", () => {
  const port = server.address().port;
  const ready = JSON.stringify({ rpc: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, control: `http://127.0.0.1:${port}/control`, origin: ORIGIN, program_id: rec.program_id, programs: rec.programs, pid: process.pid, max: MAX });
  fs.writeFileSync(readyFile + ".tmp", ready);
  fs.renameSync(readyFile + ".tmp", readyFile);
});
