#!/usr/bin/env node
// webhook_receiver.js: a local Standard Webhooks receiver for the webhook
// tests and benchmark.  Verifies every request with the standardwebhooks
// libraries' algorithm (re-implemented with node:crypto below, and checked
// at start against every "sign" and "verify" case of webhooks.json when
// --fixtures is given), answers as scripted per path, and records what it
// got.
//
// Usage: webhook_receiver.js --ready-file F [--port N] [--fixtures DIR]
//                            [--log F] [--no-record] [--control JSON]
// (--control: a /_control body applied before listening)
// Writes {"url": "http://127.0.0.1:<port>"} to F once listening.
//
// Control (JSON bodies):
//   POST /_control {"secrets": {"/path": ["whsec_..", ..]},
//                   "script": {"/path": ["500", "429:2", ...]},
//                   "default": {"/path": "200"}}
//        a path answers its script in order, then its default ("200").
//        Answers: "<code>", "429:<retry-after>", "hang" (never answer),
//        "close" (drop the connection), "sleep:<ms>" (then 200),
//        "redirect:<path>" (302 to that path), "big:<bytes>" (200 with
//        a body that long).
//   GET /_log     every recorded request: {path, id, timestamp, signature,
//                 body, verified, reason, at (ms since epoch), answer}
//   GET /_stats   {"total", "verified", "unverified", "last_verified_at"
//                 (ms since epoch, fractional), "max_in_flight":
//                 {"/path": n}}: n is the most requests to a path that
//                 were open at once (counted from the arrival of a
//                 request's headers until just before its answer is
//                 written or its connection closes)
//   POST /_reset  clears the log and counters
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--no-record') args.noRecord = true;
  else args[a.replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase())] = process.argv[++i];
}

const TOLERANCE = 300;

// the standardwebhooks algorithm
function keyOf(secret) {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}
function sign(secret, id, ts, payload) {
  return 'v1,' + crypto.createHmac('sha256', keyOf(secret)).update(`${id}.${ts}.${payload}`).digest('base64');
}
function verify(secret, headers, payload, now) {
  const h = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  const id = h['webhook-id'], ts = h['webhook-timestamp'], sigs = h['webhook-signature'];
  if (!id || !ts || !sigs) return 'Missing required headers';
  const t = parseInt(ts, 10);
  if (isNaN(t)) return 'Invalid Signature Headers';
  if (now - t > TOLERANCE) return 'Message timestamp too old';
  if (t > now + TOLERANCE) return 'Message timestamp too new';
  const expected = Buffer.from(sign(secret, id, t, payload).split(',')[1]);
  for (const vs of sigs.split(' ')) {
    const [version, sig] = vs.split(',');
    if (version !== 'v1' || sig === undefined) continue;
    const got = Buffer.from(sig);
    if (got.length === expected.length && crypto.timingSafeEqual(got, expected)) return null;
  }
  return 'No matching signature found';
}

if (args.fixtures) {
  const fx = JSON.parse(fs.readFileSync(path.join(args.fixtures, 'webhooks.json'), 'utf8'));
  for (const c of fx.sign) {
    if (sign(c.secret, c.msg_id, c.timestamp, c.payload) !== c.webhook_signature) {
      console.error(`receiver self-check failed: sign ${c.name}`);
      process.exit(2);
    }
  }
  for (const c of fx.verify) {
    const r = verify(c.secret, c.headers, c.payload, c.now);
    if ((r === null) !== (c.expect === 'ok') || (r !== null && r !== c.library_error)) {
      console.error(`receiver self-check failed: verify ${c.name}: ${r}`);
      process.exit(2);
    }
  }
}

let secrets = {}, script = {}, dflt = {};
if (args.control) {
  const c = JSON.parse(args.control);
  Object.assign(secrets, c.secrets || {});
  Object.assign(script, c.script || {});
  Object.assign(dflt, c.default || {});
}
let log = [];
let total = 0, verified = 0, unverified = 0, lastVerifiedAt = null;
let inFlight = {}, maxInFlight = {};
const hanging = new Set();

function answerFor(p) {
  if (script[p] && script[p].length) return script[p].shift();
  return dflt[p] || '200';
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const server = http.createServer(async (req, res) => {
  const p = req.url.split('?')[0];
  // concurrency per path: the client still waits until `leave` runs
  let open = !p.startsWith('/_');
  const leave = () => { if (open) { open = false; inFlight[p]--; } };
  if (open) {
    inFlight[p] = (inFlight[p] || 0) + 1;
    if (inFlight[p] > (maxInFlight[p] || 0)) maxInFlight[p] = inFlight[p];
    res.on('close', leave);
  }
  const body = await readBody(req);
  const json = (code, obj) => {
    const b = JSON.stringify(obj);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (p === '/_control') {
    const c = JSON.parse(body || '{}');
    Object.assign(secrets, c.secrets || {});
    Object.assign(script, c.script || {});
    Object.assign(dflt, c.default || {});
    return json(200, { ok: true });
  }
  if (p === '/_log') return json(200, log);
  if (p === '/_stats') {
    return json(200, { total, verified, unverified, last_verified_at: lastVerifiedAt, max_in_flight: maxInFlight });
  }
  if (p === '/_reset') {
    log = []; total = verified = unverified = 0; maxInFlight = {}; lastVerifiedAt = null;
    return json(200, { ok: true });
  }

  const now = Math.floor(Date.now() / 1000);
  const keys = secrets[p] || [];
  let reason = keys.length ? 'No matching signature found' : 'no secret configured for this path';
  for (const s of keys) {
    reason = verify(s, req.headers, body, now);
    if (reason === null) break;
  }
  total++;
  if (reason === null) {
    verified++;
    lastVerifiedAt = performance.timeOrigin + performance.now();
  } else unverified++;
  const answer = answerFor(p);
  if (!args.noRecord) {
    const rec = {
      path: p, id: req.headers['webhook-id'], timestamp: req.headers['webhook-timestamp'],
      signature: req.headers['webhook-signature'], content_type: req.headers['content-type'],
      custom: req.headers['x-custom'], body, verified: reason === null, reason, at: Date.now(), answer,
      http: req.httpVersion,
    };
    log.push(rec);
    if (args.log) fs.appendFileSync(args.log, JSON.stringify(rec) + '\n');
  }
  const [kind, arg] = answer.split(':');
  if (kind === 'hang') { hanging.add(res); return; }
  if (kind === 'close') { leave(); req.socket.destroy(); return; }
  if (kind === 'sleep') {
    setTimeout(() => { leave(); res.writeHead(200, { 'content-length': 2 }); res.end('ok'); }, Number(arg));
    return;
  }
  leave();
  if (kind === 'redirect') {
    res.writeHead(302, { location: arg, 'content-length': 0 });
    res.end();
    return;
  }
  if (kind === 'big') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Number(arg) });
    res.end(Buffer.alloc(Number(arg), 'x'));
    return;
  }
  const code = Number(kind);
  const headers = { 'content-type': 'text/plain' };
  if (arg !== undefined) headers['retry-after'] = arg;
  const text = `status ${code}`;
  headers['content-length'] = Buffer.byteLength(text);
  res.writeHead(code, headers);
  res.end(text);
});
server.keepAliveTimeout = 60000;
server.listen(Number(args.port || 0), '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  if (args.readyFile) fs.writeFileSync(args.readyFile, JSON.stringify({ url }));
  else console.log(url);
});
process.on('SIGTERM', () => process.exit(0));
