#!/usr/bin/env node
"use strict";
// Command line of the local Solana peer (see --help and docs/peer.md).

const fs = require("fs");
const path = require("path");

const HELP = `pg_solana local Solana peer: litesvm behind Solana's JSON-RPC and pubsub
on loopback, with scripted Anchor programs and fault injection.

usage: node test/peer/bin/peer.js [options]

options:
  --rpc-port N         HTTP JSON-RPC port (0 = any free port; default 0)
  --ws-port N          WebSocket pubsub port (0 = any free port; default 0).
                       The RPC port also accepts WebSocket upgrades.
  --control-port N     control API port (0 = any free port; default 0).
                       The control API is also served under /control/ on
                       the RPC port while that port is up.
  --state FILE         persist the ledger to FILE (+ FILE.svm, the litesvm
                       snapshot); an existing FILE is loaded at start.
                       Without it a temporary file is used (for restart)
                       and removed at exit.
  --slot-ms N          slot clock period in ms (default 400; 0 = slots only
                       advance with transactions and advanceSlots)
  --confirmed-lag N    confirmed = processed - N slots (default 1)
  --finalized-lag N    finalized = confirmed - N slots (default 32)
  --start-slot N       first slot of a new ledger (default 0)
  --program NAME       register a fixture IDL at start (repeatable):
                       fixture_dex, fixture_vault, fixture_legacy,
                       fixture_fuzz, or "all"
  --ready-file FILE    also write the PEER_READY JSON to FILE
  --quiet              no diagnostics on stderr
  --help               this text

On start it prints one line on stdout:
  PEER_READY {"rpc":"http://127.0.0.1:P","ws":"ws://127.0.0.1:P",
              "control":"http://127.0.0.1:P/control","state":FILE,"pid":N}
SIGTERM / SIGINT save the state and exit 0.

RPC methods: getVersion getHealth getIdentity getGenesisHash getSlot
  getBlockHeight getEpochInfo getBlockTime getLatestBlockhash
  isBlockhashValid getBalance getAccountInfo getMultipleAccounts
  getProgramAccounts requestAirdrop sendTransaction simulateTransaction
  getSignatureStatuses getTransaction getSignaturesForAddress
  getRecentPrioritizationFees getMinimumBalanceForRentExemption
  getFeeForMessage; anything else answers -32601.
Pubsub: logsSubscribe accountSubscribe programSubscribe signatureSubscribe
  slotSubscribe and their *Unsubscribe.

Control API: POST <control>/<verb> with a JSON body (integers may exceed
2^53; they are kept exact).  Answers {"ok":true,...} or {"error":...}.
  info                   urls, slot, payer, faucet, programs, faults
  registerProgram        {program_id, idl} | {fixture: "fixture_dex"}
  execute                a script: {program_id, instruction?, logs?,
                         events?: [{name, data}], emit_cpi?: [{name, data}],
                         cpi?: [node], body?: [item], fail?, writes?,
                         return_data_b64?, accounts?, compute_units?}
                         or {instructions: [node, ...]} + compute_unit_limit,
                         compute_unit_price, log_limit
                         -> {signature, slot, err, fee, logs, events}
  writePyth              {feed_id, price, conf?, exponent?, publish_time?,
                         ema_price?, ema_conf?, posted_slot?,
                         verification_level?, address?}
  writeSwitchboard       {mantissa, scale, name?, num_success?,
                         round_open_slot?, round_open_timestamp?, address?}
  setAccount             {address, owner?, data_b64?, lamports?} (no tx)
  airdrop                {address, lamports}
  advanceSlots           {count}
  skipSlot               {slot} | {signature}, reland?: the slot becomes
                         skipped (block and transactions gone from every
                         view); reland: they land again in a new block
  dropSockets            {}
  refuseConnections      {seconds}
  pauseNotifications     {}      resumeNotifications {}
  delay                  {ms}
  http429                {count, retry_after}
  rpcError               {count, code, message, method?, data?}
  malformedJson          {count, target?: "http"|"ws"}
  truncatedFrame         {count}
  clearFaults            {}
  restart                {down_ms}
  load                   {events_per_sec, seconds, programs: K | [ids],
                         events_per_tx?}
  loadStatus {}  stopLoad {}
  stats                  {events?: bool, since?: n}  (also GET)
  resetStats             {}
  shutdown               {}
Details and curl examples: docs/peer.md.
`;

function parseArgs(argv) {
  const o = { programs: [] };
  const num = (v, k) => {
    if (!/^\d+$/.test(v || "")) {
      console.error(`peer: ${k} needs a non-negative integer`);
      process.exit(2);
    }
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case "--help":
      case "-h":
        process.stdout.write(HELP);
        process.exit(0);
        break;
      case "--rpc-port": o.rpcPort = num(v(), a); break;
      case "--ws-port": o.wsPort = num(v(), a); break;
      case "--control-port": o.controlPort = num(v(), a); break;
      case "--state": o.statePath = path.resolve(v()); break;
      case "--slot-ms": o.slotMs = num(v(), a); break;
      case "--confirmed-lag": o.confirmedLag = num(v(), a); break;
      case "--finalized-lag": o.finalizedLag = num(v(), a); break;
      case "--start-slot": o.startSlot = num(v(), a); break;
      case "--program": {
        const p = v();
        if (p === "all") o.programs.push("fixture_dex", "fixture_vault", "fixture_legacy", "fixture_fuzz");
        else o.programs.push(p);
        break;
      }
      case "--ready-file": o.readyFile = path.resolve(v()); break;
      case "--quiet": o.quiet = true; break;
      default:
        console.error(`peer: unknown option ${a} (see --help)`);
        process.exit(2);
    }
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { Peer } = require("../src/server");
  const peer = new Peer(o);
  const urls = await peer.start();
  const line = JSON.stringify(urls);
  if (o.readyFile) {
    fs.writeFileSync(o.readyFile + ".tmp", line + "\n");
    fs.renameSync(o.readyFile + ".tmp", o.readyFile);
  }
  process.stdout.write(`PEER_READY ${line}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await peer.stop();
    if (o.readyFile) fs.rmSync(o.readyFile, { force: true });
    process.exit(0);
  };
  // a test peer stays up: report a bug in a handler, keep serving
  process.on("uncaughtException", (e) => console.error("peer: uncaught " + (e.stack || e.message)));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  console.error("peer: " + (e.stack || e.message));
  process.exit(1);
});
