"use strict";
// Anchor IDL codecs for scripted programs.  Values arrive in the
// project's decoded-value convention (../../shared/fixtures/README.md:
// exact integers, base58 pubkeys, base64 bytes, externally tagged enums)
// and are converted to the input shape of Anchor's own borsh layouts
// (BN, PublicKey, Buffer, {Variant: {...}}); the bytes always come from
// @coral-xyz/anchor: 0.32.1 for >=0.30 IDLs, 0.29.0 for legacy IDLs.
// Every encoding is decoded again with Anchor's coder as a check.

const path = require("path");
const crypto = require("crypto");
const anchor = require("@coral-xyz/anchor");
const { IdlCoder } = require("@coral-xyz/anchor/dist/cjs/coder/borsh/idl.js");
const anchor29 = require("@coral-xyz/anchor-0.29");
const { IdlCoder: IdlCoder29 } = require("@coral-xyz/anchor-0.29/dist/cjs/coder/borsh/idl.js");
const camelcase = require(require.resolve("camelcase", { paths: [path.dirname(require.resolve("@coral-xyz/anchor-0.29"))] }));
const { PublicKey } = require("@solana/web3.js");

const INT_BITS = { u8: 8, i8: 8, u16: 16, i16: 16, u32: 32, i32: 32, u64: 64, i64: 64, u128: 128, i128: 128, u256: 256, i256: 256 };

const sha8 = (s) => crypto.createHash("sha256").update(s).digest().subarray(0, 8);

class IdlError extends Error {}

function isLegacy(idl) {
  return !idl.address && !(idl.metadata && idl.metadata.spec);
}

// value conversion: convention -> Anchor input shape
function toAnchor(ty, v, ctx, bind, where) {
  const legacy = ctx.legacy;
  const BN = legacy ? anchor29.BN : anchor.BN;
  const bad = (what) => {
    throw new IdlError(`${where}: ${what}`);
  };
  if (typeof ty === "string") {
    if (INT_BITS[ty]) {
      let b;
      try {
        b = BigInt(v);
      } catch (e) {
        bad(`expected an integer for ${ty}, got ${JSON.stringify(String(v))}`);
      }
      if (typeof v === "number" && !Number.isInteger(v)) bad(`expected an integer for ${ty}`);
      const bits = BigInt(INT_BITS[ty]);
      const lo = ty[0] === "i" ? -(1n << (bits - 1n)) : 0n;
      const hi = ty[0] === "i" ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
      if (b < lo || b > hi) bad(`${b} out of range for ${ty}`);
      return INT_BITS[ty] <= 32 ? Number(b) : new BN(b.toString());
    }
    if (ty === "f32" || ty === "f64") {
      if (v === "NaN") return NaN;
      if (v === "Infinity") return Infinity;
      if (v === "-Infinity") return -Infinity;
      if (typeof v === "bigint") return Number(v);
      if (typeof v !== "number") bad(`expected a number for ${ty}`);
      return v;
    }
    if (ty === "bool") {
      if (typeof v !== "boolean") bad("expected a boolean");
      return v;
    }
    if (ty === "string") {
      if (typeof v !== "string") bad("expected a string");
      return v;
    }
    if (ty === "bytes") {
      if (typeof v !== "string") bad("expected base64 bytes");
      return Buffer.from(v, "base64");
    }
    if (ty === "pubkey" || ty === "publicKey") {
      try {
        return new PublicKey(v);
      } catch (e) {
        bad(`bad pubkey ${JSON.stringify(v)}`);
      }
    }
    bad(`unsupported type ${ty}`);
  }
  if ("option" in ty) return v === null || v === undefined ? null : toAnchor(ty.option, v, ctx, bind, where);
  if ("coption" in ty) return v === null || v === undefined ? null : toAnchor(ty.coption, v, ctx, bind, where);
  if ("vec" in ty) {
    if (!Array.isArray(v)) bad("expected an array");
    return v.map((x, i) => toAnchor(ty.vec, x, ctx, bind, `${where}[${i}]`));
  }
  if ("array" in ty) {
    let [el, len] = ty.array;
    if (typeof len === "object") len = Number(bind[len.generic].value);
    if (!Array.isArray(v) || v.length !== len) bad(`expected an array of ${len}`);
    return v.map((x, i) => toAnchor(el, x, ctx, bind, `${where}[${i}]`));
  }
  if ("generic" in ty) {
    const b = bind[ty.generic];
    if (!b) bad(`unbound generic ${ty.generic}`);
    return toAnchor(b.type, v, ctx, b.bind, where);
  }
  if ("defined" in ty) {
    const name = typeof ty.defined === "string" ? ty.defined : ty.defined.name;
    const def = ctx.types.get(name);
    if (!def) bad(`unknown type ${name}`);
    const nb = {};
    const args = typeof ty.defined === "string" ? [] : ty.defined.generics || [];
    (def.generics || []).forEach((g, i) => {
      const a = args[i] || {};
      nb[g.name] = g.kind === "type" ? { type: a.type, bind } : { value: a.value };
    });
    return defToAnchor(def, v, ctx, nb, where);
  }
  bad(`unsupported type ${JSON.stringify(ty)}`);
}

function fieldsToAnchor(fields, v, ctx, bind, where) {
  const key = (n) => (ctx.legacy ? camelcase(n) : n);
  if (!fields || fields.length === 0) return {};
  if (typeof fields[0] === "object" && fields[0] !== null && "name" in fields[0]) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new IdlError(`${where}: expected an object`);
    const o = {};
    for (const f of fields) {
      if (!(f.name in v)) throw new IdlError(`${where}: missing field ${f.name}`);
      o[key(f.name)] = toAnchor(f.type, v[f.name], ctx, bind, `${where}.${f.name}`);
    }
    return o;
  }
  if (!Array.isArray(v) || v.length !== fields.length) throw new IdlError(`${where}: expected an array of ${fields.length}`);
  const o = {};
  fields.forEach((t, i) => (o[String(i)] = toAnchor(t, v[i], ctx, bind, `${where}[${i}]`)));
  return o;
}

function defToAnchor(def, v, ctx, bind, where) {
  const t = def.type;
  if (t.kind === "struct") return fieldsToAnchor(t.fields, v, ctx, bind, where);
  if (t.kind === "type") return toAnchor(t.alias, v, ctx, bind, where);
  if (t.kind === "alias") return toAnchor(t.value, v, ctx, bind, where);
  if (t.kind === "enum") {
    const name = typeof v === "string" ? v : v && typeof v === "object" && Object.keys(v).length === 1 ? Object.keys(v)[0] : null;
    const variant = name && t.variants.find((x) => x.name === name);
    if (!variant) throw new IdlError(`${where}: expected a variant of ${def.name}, got ${JSON.stringify(v)}`);
    const k = ctx.legacy ? camelcase(name) : name;
    const inner = typeof v === "string" ? (variant.fields && variant.fields.length ? null : {}) : fieldsToAnchor(variant.fields, v[name], ctx, bind, `${where}.${name}`);
    if (inner === null) throw new IdlError(`${where}: variant ${name} needs fields`);
    return { [k]: inner };
  }
  throw new IdlError(`${where}: unsupported type kind ${t.kind}`);
}

function encodeLayout(layout, value) {
  const buf = Buffer.alloc(1 << 20);
  const n = layout.encode(value, buf, 0);
  return Buffer.from(buf.subarray(0, n));
}

// A program's codec: events, accounts, instructions and errors.
class ProgramCodec {
  constructor(idl, programIdOpt) {
    if (!idl || typeof idl !== "object") throw new IdlError("idl must be an object");
    this.idl = idl;
    this.legacy = isLegacy(idl);
    this.programId = programIdOpt || idl.address || (idl.metadata && idl.metadata.address);
    this.ctx = { legacy: this.legacy, types: new Map((idl.types || []).map((t) => [t.name, t])) };
    this.events = new Map();
    this.accounts = new Map();
    this.errors = new Map();
    for (const e of idl.errors || []) {
      this.errors.set(e.name, e);
      this.errors.set(String(e.code), e);
    }
    try {
      if (this.legacy) {
        this.eventCoder = idl.events ? new anchor29.BorshEventCoder(idl) : null;
        for (const ev of idl.events || []) {
          const typeDef = { name: ev.name, type: { kind: "struct", fields: ev.fields } };
          this.events.set(ev.name, { disc: sha8("event:" + ev.name), typeDef, layout: IdlCoder29.typeDefLayout(typeDef, idl.types || []) });
        }
        for (const acc of idl.accounts || []) {
          const pascal = camelcase(acc.name, { pascalCase: true, preserveConsecutiveUppercase: true });
          this.accounts.set(acc.name, { disc: sha8("account:" + pascal), typeDef: acc, layout: IdlCoder29.typeDefLayout(acc, idl.types || []) });
        }
        this.ixCoder = idl.instructions && idl.instructions.length ? new anchor29.BorshInstructionCoder(idl) : null;
      } else {
        this.eventCoder = idl.events && idl.events.length ? new anchor.BorshEventCoder(idl) : null;
        for (const ev of idl.events || []) {
          const typeDef = (idl.types || []).find((t) => t.name === ev.name);
          if (!typeDef) throw new IdlError(`event ${ev.name} has no type`);
          this.events.set(ev.name, { disc: Buffer.from(ev.discriminator), typeDef, layout: IdlCoder.typeDefLayout({ typeDef, types: idl.types || [] }) });
        }
        for (const acc of idl.accounts || []) {
          const typeDef = (idl.types || []).find((t) => t.name === acc.name);
          if (!typeDef) throw new IdlError(`account ${acc.name} has no type`);
          this.accounts.set(acc.name, { disc: Buffer.from(acc.discriminator), typeDef, layout: IdlCoder.typeDefLayout({ typeDef, types: idl.types || [] }) });
        }
        this.ixCoder = idl.instructions && idl.instructions.length ? new anchor.BorshInstructionCoder(idl) : null;
      }
    } catch (e) {
      if (e instanceof IdlError) throw e;
      throw new IdlError("IDL not accepted by Anchor's coder: " + e.message);
    }
  }

  encodeEvent(name, data) {
    const ev = this.events.get(name);
    if (!ev) throw new IdlError(`unknown event ${name}; the IDL has ${[...this.events.keys()].join(", ")}`);
    const body = encodeLayout(ev.layout, defToAnchor(ev.typeDef, data, this.ctx, {}, name));
    const bytes = Buffer.concat([ev.disc, body]);
    const back = this.eventCoder.decode(bytes.toString("base64"));
    if (!back || back.name !== name) throw new IdlError(`Anchor's BorshEventCoder does not decode ${name} back`);
    return bytes;
  }

  encodeAccount(name, data) {
    const acc = this.accounts.get(name);
    if (!acc) throw new IdlError(`unknown account ${name}; the IDL has ${[...this.accounts.keys()].join(", ")}`);
    const body = encodeLayout(acc.layout, defToAnchor(acc.typeDef, data, this.ctx, {}, name));
    return Buffer.concat([acc.disc, body]);
  }

  instructionName(name) {
    const ixs = this.idl.instructions || [];
    const ix = ixs.find((i) => i.name === name || camelcase(i.name) === camelcase(name));
    if (!ix) throw new IdlError(`unknown instruction ${name}`);
    return ix;
  }

  encodeInstruction(name, args) {
    const ix = this.instructionName(name);
    const a = fieldsToAnchor(ix.args || [], args || {}, this.ctx, {}, name);
    return this.ixCoder.encode(this.legacy ? camelcase(ix.name) : ix.name, a);
  }

  error(spec) {
    return this.errors.get(String(spec)) || null;
  }
}

module.exports = { ProgramCodec, IdlError, INT_BITS, sha8, toAnchor, camelcase };
