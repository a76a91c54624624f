"use strict";
// Scripted Anchor programs: event bytes equal the shared fixture vectors
// (made by Anchor's coder), emit_cpi! inner instructions, CPI log
// nesting, failures, log truncation, account writes, oracles, stats and
// the load generator; and all of it as seen through the RPC API.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("fs");
const path = require("path");
const anchor = require("@coral-xyz/anchor");
const anchor29 = require("@coral-xyz/anchor-0.29");
const w3 = require("@solana/web3.js");
const bs58 = require("bs58").default;
const J = require("../src/json");
const { startPeer } = require("./helpers");

const V = J.parse(fs.readFileSync(path.join(__dirname, "vectors.json"), "utf8"));
const IDL = (k) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "idl", k + ".json"), "utf8"));
const DEX = "DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE";
const VAULT = "CwUtbdGCtbqyUUGq4EnyGP3TjCdThV43V8xcLMvfXtkj";
const LEGACY = "Cep2LatNRYenCkoBSYVyL2SG6JD7C2gw2qJfS56MoJPb";
const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
let peer;

test.before(async () => {
  peer = await startPeer(["--slot-ms", "0", "--confirmed-lag", "0", "--finalized-lag", "0"]);
  for (const k of ["fixture_dex", "fixture_vault", "fixture_legacy"]) {
    const idl = IDL(k);
    const r = await peer.control("registerProgram", { program_id: idl.address || idl.metadata.address, idl });
    assert.equal(r.program_id, idl.address || idl.metadata.address);
  }
  await peer.control("registerProgram", { fixture: "fixture_fuzz" });
});
test.after(async () => {
  await peer.stop();
});

const getTx = (sig) => peer.rpc("getTransaction", [sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 }]);

test("events are encoded byte for byte as Anchor's coder does (fixture vectors)", async () => {
  for (const c of V.events) {
    const r = await peer.control("execute", { program_id: c.program_id, events: [{ name: c.event, data: c.expected.data }] });
    assert.equal(r.err, null, c.name);
    const tx = await getTx(r.signature);
    const lines = tx.meta.logMessages.filter((l) => l.startsWith("Program data: "));
    assert.deepEqual(lines, ["Program data: " + c.data_b64], c.name);
  }
  await assert.rejects(peer.control("execute", { program_id: DEX, events: [{ name: "NoSuchEvent", data: {} }] }), (e) => e.status === 400 && /unknown event/.test(e.message));
  await assert.rejects(peer.control("execute", { program_id: DEX, events: [{ name: "TradeExecuted", data: { market: "x" } }] }), (e) => e.status === 400);
});

test("a nested script: logs, CPIs, emit_cpi, return data, through getTransaction and stats", async () => {
  const ev = V.events.find((c) => c.name === "fixture_dex/TradeExecuted/random-0");
  const leg = V.events.find((c) => c.idl === "fixture_legacy");
  const extra = w3.Keypair.generate().publicKey.toBase58();
  const before = (await peer.control("stats", { events: false })).event_count;
  const r = await peer.control("execute", {
    program_id: DEX,
    instruction: { name: "place_order", args: { side: "Bid", kind: { Limit: { price: 10, post_only: true } }, quantity: 3 } },
    accounts: [extra],
    body: [
      { log: "placing" },
      { event: { name: "TradeExecuted", data: ev.expected.data } },
      { cpi: { program_id: TOKEN, logs: ["Instruction: TransferChecked"] } },
      { cpi: { program_id: LEGACY, instruction: { name: "initialize", args: { amount: 7 } }, events: [{ name: leg.event, data: leg.expected.data }] } },
      { emit_cpi: { name: "Empty", data: {} } },
    ],
    return_data_b64: Buffer.from("ok").toString("base64"),
  });
  assert.equal(r.err, null);
  const tx = await getTx(r.signature);
  const keys = tx.transaction.message.accountKeys;
  const logs = tx.meta.logMessages;
  assert.deepEqual(logs.filter((l) => / invoke \[/.test(l)), [`Program ${DEX} invoke [1]`, `Program ${TOKEN} invoke [2]`, `Program ${LEGACY} invoke [2]`, `Program ${DEX} invoke [2]`]);
  assert.equal(logs[1], "Program log: Instruction: PlaceOrder");
  assert.equal(logs[2], "Program log: placing");
  assert.equal(logs[3], "Program data: " + ev.data_b64);
  assert.ok(logs.includes("Program log: Instruction: Initialize"));
  assert.ok(logs.includes("Program data: " + leg.data_b64));
  assert.match(logs[logs.length - 3], new RegExp(`^Program ${DEX} consumed \\d+ of 200000 compute units$`));
  assert.equal(logs[logs.length - 2], `Program return: ${DEX} ${Buffer.from("ok").toString("base64")}`);
  assert.equal(logs[logs.length - 1], `Program ${DEX} success`);
  assert.deepEqual(tx.meta.returnData, { programId: DEX, data: [Buffer.from("ok").toString("base64"), "base64"] });
  const consumed = logs.filter((l) => l.startsWith(`Program ${DEX} consumed`)).pop();
  assert.equal(tx.meta.computeUnitsConsumed, Number(/consumed (\d+)/.exec(consumed)[1]));
  // top-level instruction data is Anchor's instruction encoding
  const ixCoder = new anchor.BorshInstructionCoder(IDL("fixture_dex"));
  const top = tx.transaction.message.instructions[0];
  assert.equal(keys[top.programIdIndex], DEX);
  const dec = ixCoder.decode(Buffer.from(bs58.decode(top.data)));
  assert.equal(dec.name, "place_order");
  assert.equal(dec.data.quantity.toString(), "3");
  assert.ok(top.accounts.map((i) => keys[i]).includes(extra));
  // inner instructions: two CPIs and the emit_cpi self-invocation, in order
  assert.equal(tx.meta.innerInstructions.length, 1);
  const inner = tx.meta.innerInstructions[0];
  assert.equal(inner.index, 0);
  assert.deepEqual(inner.instructions.map((i) => [keys[i.programIdIndex], i.stackHeight]), [[TOKEN, 2], [LEGACY, 2], [DEX, 2]]);
  const legIx = new anchor29.BorshInstructionCoder(IDL("fixture_legacy")).decode(Buffer.from(bs58.decode(inner.instructions[1].data)));
  assert.equal(legIx.name, "initialize");
  const emit = Buffer.from(bs58.decode(inner.instructions[2].data));
  assert.deepEqual(emit.subarray(0, 8), Buffer.from([0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d]));
  const decoded = new anchor.BorshEventCoder(IDL("fixture_dex")).decode(emit.subarray(8).toString("base64"));
  assert.equal(decoded.name, "Empty");
  const [authority] = w3.PublicKey.findProgramAddressSync([Buffer.from("__event_authority")], new w3.PublicKey(DEX));
  assert.deepEqual(inner.instructions[2].accounts.map((i) => keys[i]), [authority.toBase58()]);
  // stats lists every event with its position
  const st = await peer.control("stats", { since: before });
  assert.deepEqual(st.events.map((e) => [e.program_id, e.name, e.kind, e.log_index, e.inner_index]), [
    [DEX, "TradeExecuted", "log", 3, null],
    [LEGACY, leg.event, "log", logs.indexOf("Program data: " + leg.data_b64), null],
    [DEX, "Empty", "emit_cpi", null, 2],
  ]);
  assert.equal(st.events[0].signature, r.signature);
  assert.deepEqual(st.events[0].data, ev.expected.data);
  // the program's signature list and logsSubscribe see the same transaction
  const sigs = await peer.rpc("getSignaturesForAddress", [LEGACY, { commitment: "confirmed" }]);
  assert.equal(sigs[0].signature, r.signature);
});

test("failures: Anchor error, failing CPI, failed tx keeps its fee and drops writes", async () => {
  const target = w3.Keypair.generate().publicKey.toBase58();
  const r = await peer.control("execute", { program_id: DEX, events: [{ name: "Empty", data: {} }], fail: { name: "InvalidPrice" }, writes: [{ address: target, data_b64: "AAAA" }] });
  assert.deepEqual(r.err, { InstructionError: [0, { Custom: 6000 }] });
  const tx = await getTx(r.signature);
  assert.deepEqual(tx.meta.err, { InstructionError: [0, { Custom: 6000 }] });
  assert.deepEqual(tx.meta.status, { Err: { InstructionError: [0, { Custom: 6000 }] } });
  assert.equal(tx.meta.fee, 5000);
  assert.deepEqual(tx.meta.logMessages.slice(-3), ["Program log: AnchorError occurred. Error Code: InvalidPrice. Error Number: 6000. Error Message: Price must be positive.", tx.meta.logMessages.at(-2), `Program ${DEX} failed: custom program error: 0x1770`]);
  assert.equal((await peer.rpc("getAccountInfo", [target, { encoding: "base64" }])).value, null);
  const payer = (await peer.control("info")).payer;
  assert.equal(tx.meta.preBalances[0] - tx.meta.postBalances[0], 5000);
  assert.equal(tx.transaction.message.accountKeys[0], payer);
  // a failing CPI fails its callers with the same error
  const r2 = await peer.control("execute", { program_id: VAULT, cpi: [{ program_id: DEX, fail: { code: 6001 } }] });
  const t2 = await getTx(r2.signature);
  assert.deepEqual(t2.meta.err, { InstructionError: [0, { Custom: 6001 }] });
  assert.deepEqual(t2.meta.logMessages.filter((l) => / failed: /.test(l)), [`Program ${DEX} failed: custom program error: 0x1771`, `Program ${VAULT} failed: custom program error: 0x1771`]);
  // builtin-style instruction error
  const r3 = await peer.control("execute", { program_id: DEX, fail: { instruction_error: "InvalidAccountData" } });
  assert.deepEqual(r3.err, { InstructionError: [0, "InvalidAccountData"] });
  assert.equal(r3.logs.at(-1), `Program ${DEX} failed: invalid account data for instruction`);
  const st = await peer.rpc("getSignaturesForAddress", [DEX, { limit: 1, commitment: "confirmed" }]);
  assert.deepEqual(st[0].err, { InstructionError: [0, "InvalidAccountData"] });
});

test("logs are truncated at 10,000 bytes as agave's LogCollector does", async () => {
  const logs = Array.from({ length: 120 }, (_, i) => `line ${i} ` + "x".repeat(90));
  const r = await peer.control("execute", { program_id: DEX, logs, events: [{ name: "Empty", data: {} }] });
  const tx = await getTx(r.signature);
  const l = tx.meta.logMessages;
  assert.equal(l.filter((x) => x === "Log truncated").length, 1);
  const kept = l.filter((x) => x !== "Log truncated");
  const bytes = kept.reduce((a, x) => a + Buffer.byteLength(x), 0);
  assert.ok(bytes < 10000, `kept ${bytes} bytes`);
  // the first line that did not fit was replaced by "Log truncated"; the
  // later long log lines are dropped too, but a later short line that
  // still fits is kept (the event line, 26 bytes)
  const idx = l.indexOf("Log truncated");
  const before = l.slice(0, idx).reduce((a, x) => a + Buffer.byteLength(x), 0);
  assert.ok(before + Buffer.byteLength("Program log: " + logs[idx - 1]) >= 10000);
  const after = l.slice(idx + 1);
  assert.ok(after.every((x) => !x.startsWith("Program log: line")));
  assert.deepEqual(after.filter((x) => x.startsWith("Program data:")), ["Program data: PQkyxi2mxm8="]);
  const st = await peer.control("stats", {});
  const ev = st.events.find((e) => e.signature === r.signature);
  assert.equal(l[ev.log_index], "Program data: PQkyxi2mxm8=");
  // with a bigger event nothing after the cut fits
  const big = V.events.find((c) => c.name === "fixture_dex/TradeExecuted/random-0");
  const r2 = await peer.control("execute", { program_id: DEX, logs, events: [{ name: "TradeExecuted", data: big.expected.data }] });
  assert.ok(!r2.logs.some((x) => x.startsWith("Program data:")));
  const st2 = await peer.control("stats", {});
  assert.equal(st2.events.find((e) => e.signature === r2.signature).log_index, null, "a dropped event line has no log index");
});

test("account writes: Anchor accounts (fixture bytes), Pyth and Switchboard", async () => {
  for (const c of V.accounts) {
    const address = w3.Keypair.generate().publicKey.toBase58();
    const r = await peer.control("execute", { program_id: c.program_id, writes: [{ address, account: c.account, data: c.expected.data, space: c.data_len }] });
    assert.equal(r.err, null);
    const a = await peer.rpc("getAccountInfo", [address, { encoding: "base64", commitment: "confirmed" }]);
    assert.equal(a.value.data[0], c.data_b64, c.name);
    assert.equal(a.value.owner, c.program_id);
    const tx = await getTx(r.signature);
    const i = tx.transaction.message.accountKeys.indexOf(address);
    assert.equal(tx.meta.preBalances[i], 0);
    assert.equal(tx.meta.postBalances[i], a.value.lamports);
  }
  const e = V.pyth.expected;
  const pm = e.price_message;
  const py = await peer.control("writePyth", { feed_id: V.pyth.derived.feed_id_hex, price: pm.price, conf: pm.conf, exponent: pm.exponent, publish_time: pm.publish_time, prev_publish_time: pm.prev_publish_time, ema_price: pm.ema_price, ema_conf: pm.ema_conf, posted_slot: e.posted_slot, verification_level: e.verification_level, write_authority: e.write_authority });
  assert.equal(py.data_b64, V.pyth.data_b64);
  assert.equal(py.owner, "rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
  const pa = await peer.rpc("getAccountInfo", [py.address, { encoding: "base64", commitment: "confirmed" }]);
  assert.equal(pa.value.data[0], V.pyth.data_b64);
  assert.equal(pa.value.space, 134);
  const s = V.switchboard.expected;
  const sb = await peer.control("writeSwitchboard", { name: s.name, mantissa: s.latest_confirmed_round.result.mantissa, scale: s.latest_confirmed_round.result.scale, num_success: s.latest_confirmed_round.num_success, num_error: s.latest_confirmed_round.num_error, round_open_slot: s.latest_confirmed_round.round_open_slot, round_open_timestamp: s.latest_confirmed_round.round_open_timestamp });
  const sbd = Buffer.from(sb.data_b64, "base64");
  const ref = Buffer.from(V.switchboard.data_b64, "base64");
  assert.equal(sbd.length, 3851);
  assert.deepEqual(sbd.subarray(0, 40), ref.subarray(0, 40), "discriminator and name");
  assert.deepEqual(sbd.subarray(341, 341 + 45), ref.subarray(341, 341 + 45), "latest_confirmed_round up to the result");
  const sa = await peer.rpc("getAccountInfo", [sb.address, { encoding: "base64", commitment: "confirmed" }]);
  assert.equal(sa.value.owner, "SW1TCH7qEPTdLsDHRgPuMQjbQxKdH2aBStViMFnt64f");
});

test("load generator: N events per second across K programs", async () => {
  const before = (await peer.control("stats", { events: false })).event_count;
  const r = await peer.control("load", { events_per_sec: 200, seconds: 1, programs: 3, events_per_tx: 2 });
  assert.equal(r.target_events, 200);
  let st;
  for (let i = 0; i < 40; i++) {
    st = await peer.control("loadStatus");
    if (!st.running) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(st.running, false);
  assert.equal(st.emitted_events, 200);
  assert.equal(st.errors, 0, st.last_error);
  const stats = await peer.control("stats", { since: before });
  assert.equal(stats.events.length, 200);
  assert.equal(new Set(stats.events.map((e) => e.program_id)).size, 3);
  // every event is in its transaction's logs
  const one = stats.events[0];
  const tx = await getTx(one.signature);
  assert.equal(tx.meta.logMessages[one.log_index], "Program data: " + one.data_b64);
});
