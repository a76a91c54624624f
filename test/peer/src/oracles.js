"use strict";
// Oracle accounts for scripted updates: Pyth PriceUpdateV2 (encoded by
// Anchor 0.29's coder over the IDL shipped in
// @pythnetwork/pyth-solana-receiver, copied in fixtures/oracles.json)
// and Switchboard v2 AggregatorAccountData (an account encoded by
// @switchboard-xyz/solana.js, patched at the layout offsets that
// library's layout gives; both come from the shared fixtures).

const path = require("path");
const crypto = require("crypto");
const w3 = require("@solana/web3.js");
const { ProgramCodec } = require("./idl");
const J = require("./json");

const FIX = require(path.join(__dirname, "..", "fixtures", "oracles.json"));
const PYTH_RECEIVER = "rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ";
const PYTH_PUSH_ORACLE = "pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT";
const SWITCHBOARD_V2 = "SW1TCH7qEPTdLsDHRgPuMQjbQxKdH2aBStViMFnt64f";
const PYTH_LEN = 134;

const pythCodec = new ProgramCodec({ version: "0.1.0", name: "pyth_solana_receiver", instructions: [], accounts: FIX.pyth_idl_excerpt.accounts, types: FIX.pyth_idl_excerpt.types }, PYTH_RECEIVER);

function feedBytes(feed) {
  if (Array.isArray(feed)) return Buffer.from(feed.map(Number));
  const hex = String(feed).replace(/^0x/, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error("feed_id must be 32 bytes as hex or an array");
  return Buffer.from(hex, "hex");
}

// Push-feed address: PDA of the push oracle program over (shard_id, feed_id).
function pythFeedAddress(feedId, shard = 0) {
  const s = Buffer.alloc(2);
  s.writeUInt16LE(shard);
  return w3.PublicKey.findProgramAddressSync([s, feedBytes(feedId)], new w3.PublicKey(PYTH_PUSH_ORACLE))[0].toBase58();
}

// fields in the fixture convention (snake_case, as oracles.json's expected)
function pythData(f, slot, writeAuthority) {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const req = (k) => {
    if (f[k] === undefined) throw new Error(`writePyth needs ${k}`);
    return f[k];
  };
  const price = BigInt(req("price"));
  const lvl = f.verification_level === undefined ? "Full" : f.verification_level;
  const level = lvl === "Full" ? "Full" : { Partial: { numSignatures: lvl.Partial.num_signatures } };
  const value = {
    writeAuthority: f.write_authority || writeAuthority,
    verificationLevel: level,
    priceMessage: {
      feedId: Array.from(feedBytes(req("feed_id"))),
      price,
      conf: BigInt(f.conf === undefined ? 0 : f.conf),
      exponent: f.exponent === undefined ? -8 : f.exponent,
      publishTime: BigInt(f.publish_time === undefined ? now : f.publish_time),
      prevPublishTime: BigInt(f.prev_publish_time === undefined ? (f.publish_time === undefined ? now : BigInt(f.publish_time)) - 1n : f.prev_publish_time),
      emaPrice: BigInt(f.ema_price === undefined ? price : f.ema_price),
      emaConf: BigInt(f.ema_conf === undefined ? (f.conf === undefined ? 0 : f.conf) : f.ema_conf),
    },
    postedSlot: BigInt(f.posted_slot === undefined ? slot : f.posted_slot),
  };
  const enc = pythCodec.encodeAccount("priceUpdateV2", value);
  return Buffer.concat([enc, Buffer.alloc(PYTH_LEN - enc.length)]);
}

function i128le(v) {
  let x = BigInt(v);
  if (x < -(1n << 127n) || x >= 1n << 127n) throw new Error("mantissa out of i128 range");
  if (x < 0n) x += 1n << 128n;
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(x & 0xffffffffffffffffn, 0);
  b.writeBigUInt64LE(x >> 64n, 8);
  return b;
}

function switchboardData(f, slot) {
  const off = FIX.switchboard_layout_offsets;
  const data = Buffer.from(FIX.switchboard_template_b64, "base64");
  const name = Buffer.alloc(32);
  Buffer.from(String(f.name === undefined ? "PEER_FEED" : f.name), "utf8").copy(name);
  name.copy(data, off.account.name);
  const r = off.account.latest_confirmed_round;
  const ro = off.aggregator_round;
  const mantissa = f.mantissa === undefined ? null : f.mantissa;
  if (mantissa === null) throw new Error("writeSwitchboard needs mantissa (and scale)");
  const scale = Number(f.scale === undefined ? 0 : f.scale);
  const numSuccess = Number(f.num_success === undefined ? 1 : f.num_success);
  data.writeUInt32LE(numSuccess, r + ro.num_success);
  data.writeUInt32LE(Number(f.num_error === undefined ? 0 : f.num_error), r + ro.num_error);
  data[r + ro.is_closed] = 1;
  data.writeBigUInt64LE(BigInt(f.round_open_slot === undefined ? slot : f.round_open_slot), r + ro.round_open_slot);
  data.writeBigInt64LE(BigInt(f.round_open_timestamp === undefined ? Math.floor(Date.now() / 1000) : f.round_open_timestamp), r + ro.round_open_timestamp);
  const dec = (at, m, s) => {
    i128le(m).copy(data, r + at);
    data.writeUInt32LE(s, r + at + 16);
  };
  dec(ro.result, mantissa, scale);
  dec(ro.min_response, mantissa, scale);
  dec(ro.max_response, mantissa, scale);
  dec(ro.std_deviation, f.std_mantissa === undefined ? 0 : f.std_mantissa, scale);
  return data;
}

module.exports = { pythData, switchboardData, pythFeedAddress, PYTH_RECEIVER, SWITCHBOARD_V2, pythCodec };
