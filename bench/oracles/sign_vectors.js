"use strict";
// The signed price submissions used by test/pgtap/oracles.sql, made with
// @solana/kit 8.4.0 (compileOffchainMessageEnvelope +
// signOffchainMessageEnvelope), an implementation independent of the
// C core.  Keys come from seeds of ../shared/fixtures/offchain_messages.json.
// Run: node bench/oracles/sign_vectors.js   (prints SQL-ready rows)
const k = require("@solana/kit");

const SEEDS = {
  alpha: "ea08d2d3a72def9f9978d487572abd521390151da118edb7ac90eeaf3a1783f8",
  beta: "439626ef3adab5ea1c9570df6ea6972f32c3f7f3f216722222500d52bf19cafa",
  gamma: "91a31c4cf51ac042b50abe3b8564ff0dc9e4c1cfc92822078160115ae425d2e3",
};

// the text of solana.price_message(feed, source, price, exponent, observed_at)
function priceMessage(feed, source, price, exponent, observedAt) {
  return ["pg_solana price v1", `feed: ${feed}`, `source: ${source}`, `price: ${price}`,
    `exponent: ${exponent}`, `observed_at: ${observedAt}`].join("\n");
}

async function sign(signerName, feed, source, price, exponent, observedAt) {
  const kp = await k.createKeyPairFromPrivateKeyBytes(Buffer.from(SEEDS[signerName], "hex"), true);
  const address = await k.getAddressFromPublicKey(kp.publicKey);
  const msg = { version: 1, content: priceMessage(feed, source, price, exponent, observedAt),
    requiredSignatories: [{ address }] };
  const env = k.compileOffchainMessageEnvelope(msg);
  const signed = await k.signOffchainMessageEnvelope([kp], env);
  await k.verifyOffchainMessageEnvelope(signed);
  const sig = signed.signatures[address];
  return { name: `${signerName}:${source}:${price}e${exponent}@${observedAt}`, address,
    signature: k.getBase58Decoder().decode(sig) };
}

const CASES = [
  ["alpha", "TEST/USD", "alpha", 10050, -2, 1704067200],
  ["beta", "TEST/USD", "beta", 10070, -2, 1704067200],
  ["alpha", "TEST/USD", "alpha", 10040, -2, 1704067199],
  ["alpha", "TEST/USD", "alpha", 10060, -2, 1704067260],
  ["beta", "TEST/USD", "alpha", 10060, -2, 1704067320],
  ["gamma", "TEST/USD", "gamma", 10000, -2, 1704067200],
  ["alpha", "TEST/USD", "alpha", 10000, -2, 4102444800],
  ["alpha", "STALE/USD", "alpha", 10000, -2, 1704067200],
];

(async () => {
  for (const c of CASES) {
    const r = await sign(...c);
    console.log(`-- ${r.name} signed by ${r.address}\n'${r.signature}'`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
