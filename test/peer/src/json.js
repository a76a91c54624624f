"use strict";
// Exact JSON for the peer: `parse` keeps integers outside the safe range
// as BigInt (u64 prices, i128 mantissas sent by tests in the fixture
// convention), and `stringify` writes BigInt as bare digits, as the
// validator does for values such as rentEpoch = 18446744073709551615.

function parse(text) {
  let i = 0;
  const s = String(text);
  const fail = (msg) => {
    const e = new SyntaxError(`${msg} at offset ${i}`);
    e.jsonOffset = i;
    throw e;
  };
  const ws = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === "\n" || s[i] === "\r")) i++;
  };
  function value() {
    ws();
    const c = s[i];
    if (c === "{") {
      i++;
      const o = {};
      ws();
      if (s[i] === "}") { i++; return o; }
      for (;;) {
        ws();
        if (s[i] !== '"') fail("expected string key");
        const k = str();
        ws();
        if (s[i] !== ":") fail("expected ':'");
        i++;
        o[k] = value();
        ws();
        if (s[i] === ",") { i++; continue; }
        if (s[i] === "}") { i++; return o; }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const a = [];
      ws();
      if (s[i] === "]") { i++; return a; }
      for (;;) {
        a.push(value());
        ws();
        if (s[i] === ",") { i++; continue; }
        if (s[i] === "]") { i++; return a; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (s.startsWith("true", i)) { i += 4; return true; }
    if (s.startsWith("false", i)) { i += 5; return false; }
    if (s.startsWith("null", i)) { i += 4; return null; }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i, i + 400));
    if (!m) fail("unexpected character");
    i += m[0].length;
    if (!m[2] && !m[3]) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  }
  function str() {
    let j = i + 1;
    // find the closing quote, skipping escapes, then let JSON.parse decode
    while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
    if (j >= s.length) fail("unterminated string");
    const out = JSON.parse(s.slice(i, j + 1));
    i = j + 1;
    return out;
  }
  const v = value();
  ws();
  if (i !== s.length) fail("trailing characters");
  return v;
}

function stringify(v) {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "string":
      return JSON.stringify(v);
    case "object": {
      if (Array.isArray(v)) return "[" + v.map((x) => (x === undefined ? "null" : stringify(x))).join(",") + "]";
      if (typeof v.toJSON === "function") return stringify(v.toJSON());
      const parts = [];
      for (const k of Object.keys(v)) {
        if (v[k] === undefined || typeof v[k] === "function") continue;
        parts.push(JSON.stringify(k) + ":" + stringify(v[k]));
      }
      return "{" + parts.join(",") + "}";
    }
  }
  return "null";
}

module.exports = { parse, stringify };
