// naive.js URL N: the course code's pattern (EventProcessor.sendWebhooks):
// fetch every message, Promise.allSettled in batches of 50, no signing,
// nothing recorded.  Prints {"impl": "naive-node", "n", "secs", "ok"}.
'use strict';
const [url, nStr] = process.argv.slice(2);
const n = Number(nStr);

async function main() {
  const t0 = process.hrtime.bigint();
  let ok = 0;
  for (let i = 0; i < n; i += 50) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 50); k++) {
      batch.push(fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'event', n: k, data: { amount: '18446744073709551615' } }),
      }).then((r) => r.text().then(() => r.ok)));
    }
    const res = await Promise.allSettled(batch);
    ok += res.filter((r) => r.status === 'fulfilled' && r.value).length;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ impl: 'naive-node', n, secs, ok }));
}
main();
