"use strict";
// Fault injection verbs, request counting, restart and persistence.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const os = require("os");
const path = require("path");
const w3 = require("@solana/web3.js");
const { startPeer, wsClient, sleep } = require("./helpers");

const DEX = "DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "peer-test-"));
const STATE = path.join(dir, "ledger.json");
let peer;

test.before(async () => {
  peer = await startPeer(["--slot-ms", "100", "--confirmed-lag", "0", "--finalized-lag", "0", "--program", "fixture_dex", "--state", STATE, "--ready-file", path.join(dir, "ready.json")]);
});
test.after(async () => {
  await peer.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("stats count requests per method", async () => {
  await peer.control("resetStats");
  for (let i = 0; i < 3; i++) await peer.rpc("getSlot");
  await peer.rpc("getHealth");
  const st = await peer.control("stats", { events: false });
  assert.equal(st.requests.getSlot, 3);
  assert.equal(st.requests.getHealth, 1);
  assert.equal(st.http_requests, 4);
  assert.equal(st.events, undefined);
  const ready = JSON.parse(fs.readFileSync(path.join(dir, "ready.json"), "utf8"));
  assert.equal(ready.rpc, peer.urls.rpc);
});

test("http429 with Retry-After, rpcError, malformedJson, delay", async () => {
  await peer.control("http429", { count: 2, retry_after: 3 });
  for (let i = 0; i < 2; i++) {
    const r = await peer.rpcRaw({ jsonrpc: "2.0", id: 1, method: "getSlot" });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("retry-after"), "3");
  }
  assert.equal(typeof (await peer.rpc("getSlot")), "number");
  await peer.control("rpcError", { count: 1, code: -32005, message: "Node is behind by 42 slots", method: "getBalance" });
  assert.equal(typeof (await peer.rpc("getSlot")), "number", "other methods are not affected");
  await assert.rejects(peer.rpc("getBalance", [DEX]), (e) => e.rpc.code === -32005 && e.rpc.message === "Node is behind by 42 slots");
  assert.equal(typeof (await peer.rpc("getBalance", [DEX])).value, "number");
  await peer.control("malformedJson", { count: 1 });
  const bad = await peer.rpcRaw({ jsonrpc: "2.0", id: 1, method: "getSlot" });
  assert.equal(bad.status, 200);
  assert.throws(() => JSON.parse(bad.text));
  const good = await peer.rpcRaw({ jsonrpc: "2.0", id: 1, method: "getSlot" });
  assert.doesNotThrow(() => JSON.parse(good.text));
  await peer.control("delay", { ms: 300 });
  const t0 = Date.now();
  await peer.rpc("getSlot");
  assert.ok(Date.now() - t0 >= 290);
  await peer.control("delay", { ms: 0 });
});

test("pauseNotifications leaves a gap only backfill can fill", async () => {
  const c = await wsClient(peer.urls.ws);
  const sub = await c.call("logsSubscribe", [{ mentions: [DEX] }, { commitment: "processed" }]);
  await peer.control("pauseNotifications");
  const gap = await peer.control("execute", { program_id: DEX, logs: ["during pause"] });
  await assert.rejects(c.notification("logsNotification", sub, 400));
  const sigs = await peer.rpc("getSignaturesForAddress", [DEX, { commitment: "confirmed" }]);
  assert.equal(sigs[0].signature, gap.signature);
  await peer.control("resumeNotifications");
  const after = await peer.control("execute", { program_id: DEX, logs: ["after pause"] });
  const n = await c.notification("logsNotification", sub);
  assert.equal(n.params.result.value.signature, after.signature);
  c.close();
});

test("skipSlot: a dead slot's transactions vanish from every view", async () => {
  const keep = await peer.control("execute", { program_id: DEX, logs: ["stays"] });
  const dead = await peer.control("execute", { program_id: DEX, events: [{ name: "Empty", data: {} }] });
  assert.notEqual(keep.slot, dead.slot);
  await peer.control("advanceSlots", { count: 2 });
  const r = await peer.control("skipSlot", { signature: dead.signature });
  assert.equal(r.slot, dead.slot);
  assert.deepEqual(r.signatures, [dead.signature]);
  assert.equal(await peer.rpc("getTransaction", [dead.signature, { commitment: "confirmed" }]), null);
  assert.ok(await peer.rpc("getTransaction", [keep.signature, { commitment: "confirmed" }]));
  const st = await peer.rpc("getSignatureStatuses", [[dead.signature, keep.signature], { searchTransactionHistory: true }]);
  assert.equal(st.value[0], null);
  assert.equal(st.value[1].slot, keep.slot);
  const sigs = (await peer.rpc("getSignaturesForAddress", [DEX, { commitment: "confirmed", limit: 10 }])).map((x) => x.signature);
  assert.ok(!sigs.includes(dead.signature) && sigs.includes(keep.signature));
  // a skipped `until` is unknown: paging goes past it, to the oldest
  const after = await peer.control("execute", { program_id: DEX, logs: ["after"] });
  await peer.control("advanceSlots", { count: 1 });
  const since = (await peer.rpc("getSignaturesForAddress", [DEX, { commitment: "confirmed", until: dead.signature }])).map((x) => x.signature);
  assert.ok(since[0] === after.signature && since.includes(keep.signature) && !since.includes(dead.signature));
  await assert.rejects(peer.rpc("getBlockTime", [dead.slot]), (e) => e.rpc.code === -32007);
  const ev = (await peer.control("stats", {})).events.filter((e) => e.signature === dead.signature);
  assert.ok(ev.length === 1 && ev[0].skipped === true);
  await assert.rejects(peer.control("skipSlot", { slot: 10 ** 9 }));
  await assert.rejects(peer.control("skipSlot", { slot: dead.slot }), "already skipped");
  const back = await peer.control("skipSlot", { slot: dead.slot, reland: true });
  assert.ok(back.relanded_slot > dead.slot);
  assert.equal((await peer.rpc("getSignatureStatuses", [[dead.signature]])).value[0].slot, back.relanded_slot);
  await assert.rejects(peer.control("skipSlot", { slot: dead.slot, reland: true }), "landed again already");
});

test("skipSlot with reland: the transactions land again in a new block", async () => {
  const tx = await peer.control("execute", { program_id: DEX, events: [{ name: "Empty", data: {} }] });
  const c = await wsClient(peer.urls.ws);
  const sub = await c.call("logsSubscribe", [{ mentions: [DEX] }, { commitment: "confirmed" }]);
  const r = await peer.control("skipSlot", { signature: tx.signature, reland: true });
  assert.equal(r.slot, tx.slot);
  assert.ok(r.relanded_slot > tx.slot);
  const n = await c.notification("logsNotification", sub);
  assert.equal(n.params.result.value.signature, tx.signature);
  assert.equal(n.params.result.context.slot, r.relanded_slot);
  c.close();
  await peer.control("advanceSlots", { count: 1 });
  const got = await peer.rpc("getTransaction", [tx.signature, { commitment: "confirmed" }]);
  assert.equal(got.slot, r.relanded_slot);
  const st = await peer.rpc("getSignatureStatuses", [[tx.signature]]);
  assert.equal(st.value[0].slot, r.relanded_slot);
  const sigs = await peer.rpc("getSignaturesForAddress", [DEX, { commitment: "confirmed", limit: 1 }]);
  assert.equal(sigs[0].signature, tx.signature, "newest again");
  const ev = (await peer.control("stats", {})).events.filter((e) => e.signature === tx.signature);
  assert.ok(ev.length === 1 && ev[0].slot === r.relanded_slot && !ev[0].skipped);
});

test("dropSockets, truncatedFrame and malformed WebSocket messages", async () => {
  const c = await wsClient(peer.urls.ws);
  await c.call("slotSubscribe", []);
  const r = await peer.control("dropSockets");
  assert.ok(r.dropped >= 1);
  await c.closed;
  const c2 = await wsClient(peer.urls.ws);
  const sub = await c2.call("logsSubscribe", ["all", { commitment: "processed" }]);
  await peer.control("malformedJson", { count: 1, target: "ws" });
  const raw = [];
  c2.ws.on("message", (d) => raw.push(d.toString()));
  await sleep(100);
  raw.length = 0;
  await peer.control("execute", { program_id: DEX, logs: ["malformed"] });
  await sleep(200);
  assert.ok(raw.some((t) => {
    try {
      JSON.parse(t);
      return false;
    } catch (e) {
      return true;
    }
  }), "one message is not JSON");
  await peer.control("truncatedFrame", { count: 1 });
  await peer.control("execute", { program_id: DEX, logs: ["truncated"] });
  const code = await c2.closed;
  assert.equal(code, 1006, "connection ends abnormally in the middle of a frame");
  assert.ok(sub > 0);
  await peer.control("clearFaults");
});

test("noBatches answers a batch with one error object; batch_requests counts batches", async () => {
  await peer.control("resetStats");
  const batch = [{ jsonrpc: "2.0", id: 1, method: "getSlot" }, { jsonrpc: "2.0", id: 2, method: "getHealth" }];
  const before = JSON.parse((await peer.rpcRaw(batch)).text);
  assert.ok(Array.isArray(before) && before.length === 2);
  assert.equal((await peer.control("noBatches", {})).on, true);
  const refused = JSON.parse((await peer.rpcRaw(batch)).text);
  assert.deepEqual(refused, { jsonrpc: "2.0", error: { code: -32600, message: "Invalid request" }, id: null });
  assert.equal(JSON.parse((await peer.rpcRaw(batch[1])).text).result, "ok", "single calls still work");
  let st = await peer.control("stats", { events: false });
  assert.equal(st.batch_requests, 2);
  assert.equal(st.http_requests, 3);
  await peer.control("clearFaults");
  assert.ok(Array.isArray(JSON.parse((await peer.rpcRaw(batch)).text)), "clearFaults turns it off");
  await peer.control("noBatches", { on: true });
  await peer.control("noBatches", { on: false });
  assert.ok(Array.isArray(JSON.parse((await peer.rpcRaw(batch)).text)));
  st = await peer.control("stats", { events: false });
  assert.equal(st.batch_requests, 4);
});

test("refuseConnections refuses HTTP and WebSocket for T seconds", async () => {
  await peer.control("refuseConnections", { seconds: 1 });
  await assert.rejects(fetch(peer.urls.rpc, { method: "POST", body: "{}" }), (e) => /ECONNREFUSED/.test(String(e.cause && e.cause.code)));
  await assert.rejects(wsClient(peer.urls.ws));
  assert.ok((await peer.control("info")).faults.refuseUntil > 0, "control stays up");
  await sleep(1300);
  assert.equal(await peer.rpc("getHealth"), "ok");
  const c = await wsClient(peer.urls.ws);
  c.close();
});

test("restart keeps the ledger; a new process on the same state file too", async () => {
  const kp = w3.Keypair.generate();
  const a = await peer.control("airdrop", { address: kp.publicKey.toBase58(), lamports: 7777777 });
  const ev = await peer.control("execute", { program_id: DEX, events: [{ name: "Empty", data: {} }] });
  const slot = await peer.rpc("getSlot", [{ commitment: "processed" }]);
  const c = await wsClient(peer.urls.ws);
  await peer.control("restart", { down_ms: 500 });
  await c.closed;
  await sleep(100);
  await assert.rejects(fetch(peer.urls.rpc, { method: "POST", body: "{}" }));
  await sleep(800);
  assert.equal((await peer.rpc("getBalance", [kp.publicKey.toBase58(), { commitment: "confirmed" }])).value, 7777777);
  assert.ok((await peer.rpc("getSlot", [{ commitment: "processed" }])) >= slot);
  const tx = await peer.rpc("getTransaction", [ev.signature, { commitment: "confirmed" }]);
  assert.equal(tx.meta.err, null);
  const sigs = await peer.rpc("getSignaturesForAddress", [kp.publicKey.toBase58(), { commitment: "confirmed" }]);
  assert.deepEqual(sigs.map((s) => s.signature), [a.signature]);
  // scripted programs stay registered
  const again = await peer.control("execute", { program_id: DEX, events: [{ name: "Empty", data: {} }] });
  assert.equal(again.err, null);
  // stop the process and start a new one on the same state
  await peer.stop();
  peer = await startPeer(["--slot-ms", "100", "--confirmed-lag", "0", "--finalized-lag", "0", "--state", STATE]);
  assert.equal((await peer.rpc("getBalance", [kp.publicKey.toBase58(), { commitment: "confirmed" }])).value, 7777777);
  assert.equal((await peer.rpc("getTransaction", [again.signature, { commitment: "confirmed" }])).slot, again.slot);
  const st = await peer.control("stats", {});
  assert.ok(st.events.some((e) => e.signature === again.signature));
  assert.equal((await peer.control("execute", { program_id: DEX, events: [{ name: "Empty", data: {} }] })).err, null);
});
