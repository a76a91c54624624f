"use strict";
// WebSocket pubsub: subscription replies, notification shapes, filters,
// unsubscribes and commitment promotion.
const test = require("node:test");
const assert = require("node:assert/strict");
const w3 = require("@solana/web3.js");
const { startPeer, wsClient } = require("./helpers");

const DEX = "DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE";
let peer;

test.before(async () => {
  // slots only move with transactions and advanceSlots: deterministic
  peer = await startPeer(["--slot-ms", "0", "--confirmed-lag", "1", "--finalized-lag", "3", "--program", "fixture_dex"]);
});
test.after(async () => {
  await peer.stop();
});

test("logsSubscribe mentions and all: shape and commitment promotion", async () => {
  const c = await wsClient(peer.urls.ws);
  const mentions = await c.call("logsSubscribe", [{ mentions: [DEX] }, { commitment: "processed" }]);
  assert.equal(typeof mentions, "number");
  const all = await c.call("logsSubscribe", ["all", { commitment: "confirmed" }]);
  const fin = await c.call("logsSubscribe", [{ mentions: [DEX] }]); // default: finalized
  const r = await peer.control("execute", { program_id: DEX, logs: ["hi"], events: [{ name: "Empty", data: {} }] });
  const n = await c.notification("logsNotification", mentions);
  assert.deepEqual(n, {
    jsonrpc: "2.0",
    method: "logsNotification",
    params: { result: { context: { slot: r.slot }, value: { err: null, logs: r.logs, signature: r.signature } }, subscription: mentions },
  });
  // confirmed = processed - 1: not yet
  await assert.rejects(c.notification("logsNotification", all, 300));
  await peer.control("advanceSlots", { count: 1 });
  const na = await c.notification("logsNotification", all);
  assert.equal(na.params.result.value.signature, r.signature);
  assert.equal(na.params.result.context.slot, r.slot);
  await peer.control("advanceSlots", { count: 2 });
  await assert.rejects(c.notification("logsNotification", fin, 300));
  await peer.control("advanceSlots", { count: 1 });
  const nf = await c.notification("logsNotification", fin);
  assert.equal(nf.params.result.value.signature, r.signature);
  // a transaction that does not mention DEX reaches "all" only
  const kp = w3.Keypair.generate();
  const a = await peer.control("airdrop", { address: kp.publicKey.toBase58(), lamports: 1000000 });
  await peer.control("advanceSlots", { count: 1 });
  const nall = await c.notification("logsNotification", all);
  assert.equal(nall.params.result.value.signature, a.signature);
  assert.equal(c.queue.filter((m) => m.params && m.params.subscription === mentions).length, 0);
  // unsubscribe
  assert.equal(await c.call("logsUnsubscribe", [mentions]), true);
  await assert.rejects(c.call("logsUnsubscribe", [mentions]), (e) => e.rpc.code === -32602 && e.rpc.message === "Invalid subscription id.");
  await assert.rejects(c.call("logsSubscribe", [{ mentions: [DEX, DEX] }]), (e) => e.rpc.code === -32602);
  await assert.rejects(c.call("fooSubscribe", []), (e) => e.rpc.code === -32601);
  c.close();
});

test("accountSubscribe and programSubscribe with filters", async () => {
  const c = await wsClient(peer.urls.ws);
  const target = w3.Keypair.generate().publicKey.toBase58();
  const other = w3.Keypair.generate().publicKey.toBase58();
  const acc = await c.call("accountSubscribe", [target, { encoding: "base64", commitment: "processed" }]);
  const prog = await c.call("programSubscribe", [DEX, { encoding: "base64", commitment: "processed", filters: [{ dataSize: 16 }] }]);
  const r = await peer.control("execute", {
    program_id: DEX,
    writes: [
      { address: target, data_b64: Buffer.alloc(16, 1).toString("base64") },
      { address: other, data_b64: Buffer.alloc(20, 2).toString("base64") },
    ],
  });
  const rent = await peer.rpc("getMinimumBalanceForRentExemption", [16]);
  const na = await c.notification("accountNotification", acc);
  assert.deepEqual(na.params.result, { context: { slot: r.slot }, value: { data: [Buffer.alloc(16, 1).toString("base64"), "base64"], executable: false, lamports: rent, owner: DEX, rentEpoch: 18446744073709551615n, space: 16 } });
  const np = await c.notification("programNotification", prog);
  assert.equal(np.params.result.value.pubkey, target);
  assert.equal(np.params.result.value.account.owner, DEX);
  assert.equal(np.params.result.context.slot, r.slot);
  await assert.rejects(c.notification("programNotification", prog, 300), "the 20-byte account does not pass dataSize 16");
  assert.equal(await c.call("accountUnsubscribe", [acc]), true);
  assert.equal(await c.call("programUnsubscribe", [prog]), true);
  c.close();
});

test("signatureSubscribe and slotSubscribe", async () => {
  const c = await wsClient(peer.urls.ws);
  const slotSub = await c.call("slotSubscribe", []);
  await peer.control("advanceSlots", { count: 1 });
  const s = await c.notification("slotNotification", slotSub);
  const tip = await peer.rpc("getSlot", [{ commitment: "processed" }]);
  assert.deepEqual(s.params.result, { parent: tip - 1, root: await peer.rpc("getSlot", [{ commitment: "finalized" }]), slot: tip });
  assert.equal(await c.call("slotUnsubscribe", [slotSub]), true);
  // subscribe after landing: answered at once for processed
  const r = await peer.control("execute", { program_id: DEX, logs: ["sig"] });
  const sp = await c.call("signatureSubscribe", [r.signature, { commitment: "processed" }]);
  const n1 = await c.notification("signatureNotification", sp);
  assert.deepEqual(n1.params.result, { context: { slot: r.slot }, value: { err: null } });
  // finalized: after the lag
  const sf = await c.call("signatureSubscribe", [r.signature, { commitment: "finalized" }]);
  await assert.rejects(c.notification("signatureNotification", sf, 300));
  await peer.control("advanceSlots", { count: 4 });
  const n2 = await c.notification("signatureNotification", sf);
  assert.deepEqual(n2.params.result.value, { err: null });
  // one-shot: unsubscribing afterwards fails
  await assert.rejects(c.call("signatureUnsubscribe", [sf]), (e) => e.rpc.code === -32602);
  // status promotion over HTTP
  const st = await peer.rpc("getSignatureStatuses", [[r.signature]]);
  assert.equal(st.value[0].confirmationStatus, "finalized");
  c.close();
});

test("web3.js Connection listens and confirms through pubsub", async () => {
  const conn = new w3.Connection(peer.urls.rpc, { wsEndpoint: peer.urls.ws, commitment: "processed" });
  const got = new Promise((resolve) => {
    const id = conn.onLogs(new w3.PublicKey(DEX), (logs, ctx) => {
      conn.removeOnLogsListener(id);
      resolve({ logs, ctx });
    }, "processed");
  });
  await new Promise((r) => setTimeout(r, 300));
  const r = await peer.control("execute", { program_id: DEX, logs: ["via web3"] });
  const { logs, ctx } = await got;
  assert.equal(logs.signature, r.signature);
  assert.equal(ctx.slot, r.slot);
  assert.deepEqual(logs.logs, r.logs);
  conn._rpcWebSocket.setAutoReconnect && conn._rpcWebSocket.setAutoReconnect(false);
  conn._rpcWebSocket.close();
});
