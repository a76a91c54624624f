// bench/gateway/fetch_js.js URL N: N sequential getVersion JSON-RPC
// calls with Node's fetch (keep-alive), as a JS gateway would make them
// on a cache miss; prints calls/s.
const [url, n] = [process.argv[2], Number(process.argv[3] || 1000)];
(async () => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "getVersion", params: [] }),
    });
    const j = await r.json();
    if (!j.result) throw new Error("no result");
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(Math.round(n / s));
})();
