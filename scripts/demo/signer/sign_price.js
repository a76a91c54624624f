#!/usr/bin/env node
"use strict";
// sign_price.js: what a custom price provider runs.  It keeps an Ed25519
// key (a 32-byte seed, hex, in a file readable by its owner only), signs
// the text of solana.price_message as a Solana off-chain message,
// version 1, with its address as the only signer (@solana/kit), and
// prints the submission as one JSON line for solana.submit_price.
//
//   node sign_price.js --new-key KEYFILE
//        creates the key; prints {"address": ...}
//   node sign_price.js --key KEYFILE --feed SOL/USD --source acme
//        --price 14826000000 --exponent -8 [--observed-at UNIX]
//        prints {"address", "feed", "source", "price", "exponent",
//                "observed_at", "signature"} (signature in base58)
const crypto = require("node:crypto");
const fs = require("node:fs");
const k = require("@solana/kit");

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i].replace(/^--/, "");
  args[a] = (process.argv[i + 1] || "").startsWith("--") ? true : process.argv[++i];
}

function die(msg) {
  console.error(`sign_price: ${msg}`);
  process.exit(2);
}

// the text of solana.price_message(feed, source, price, exponent, observed_at)
function priceMessage(feed, source, price, exponent, observedAt) {
  return ["pg_solana price v1", `feed: ${feed}`, `source: ${source}`, `price: ${price}`,
    `exponent: ${exponent}`, `observed_at: ${observedAt}`].join("\n");
}

async function keyPair(file) {
  const hex = fs.readFileSync(file, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) die(`${file} does not hold a 32-byte hex seed`);
  const kp = await k.createKeyPairFromPrivateKeyBytes(Buffer.from(hex, "hex"));
  return { kp, address: await k.getAddressFromPublicKey(kp.publicKey) };
}

async function main() {
  if (args["new-key"]) {
    fs.writeFileSync(args["new-key"], crypto.randomBytes(32).toString("hex") + "\n",
      { mode: 0o600, flag: "wx" });
    const { address } = await keyPair(args["new-key"]);
    console.log(JSON.stringify({ address }));
    return;
  }
  for (const a of ["key", "feed", "source", "price", "exponent"]) {
    if (args[a] === undefined || args[a] === true) die(`--${a} is required`);
  }
  if (!/^-?[0-9]+$/.test(args.price)) die(`--price "${args.price}" is not an integer`);
  if (!/^-?[0-9]+$/.test(args.exponent)) die(`--exponent "${args.exponent}" is not an integer`);
  const observedAt = args["observed-at"] ?? Math.floor(Date.now() / 1000);
  const { kp, address } = await keyPair(args.key);
  const content = priceMessage(args.feed, args.source, args.price, args.exponent, observedAt);
  const msg = { version: 1, content, requiredSignatories: [{ address }] };
  const signed = await k.signOffchainMessageEnvelope([kp], k.compileOffchainMessageEnvelope(msg));
  await k.verifyOffchainMessageEnvelope(signed);
  console.log(JSON.stringify({
    address, feed: args.feed, source: args.source, price: args.price,
    exponent: Number(args.exponent), observed_at: Number(observedAt),
    signature: k.getBase58Decoder().decode(signed.signatures[address]),
  }));
}

main().catch((e) => die(e.message || String(e)));
