// wait.js: polls (every 20 ms, one connection, an index lookup) until
// solana.transactions_seen holds the signature SIG, then prints the
// time it saw it (ms since the epoch).  The worker writes batches in
// order, so the last transaction the replayer sends is the last one
// committed.
//
//   node wait.js PG_URL SIG [TIMEOUT_S]
"use strict";
const { Client } = require("pg");
const [url, sig, tArg] = process.argv.slice(2);
(async () => {
  const db = new Client({ connectionString: url });
  await db.connect();
  await db.query("SET search_path = pg_catalog, solana");
  const until = Date.now() + 1000 * Number(tArg || 600);
  for (;;) {
    const r = await db.query("SELECT 1 FROM solana.transactions_seen WHERE signature = $1::text::signature", [sig]);
    const now = Date.now();
    if (r.rowCount > 0) {
      console.log(now);
      break;
    }
    if (now > until) {
      console.error("timed out waiting for " + sig);
      process.exit(1);
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  await db.end();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
