"use strict";
// Byte encodings of the RPC API: base58, base64 and "base64+zstd".
// The zstd frames are written with raw (stored) blocks: a valid zstd
// frame that every decoder accepts, without a compressor dependency
// (Node 20's zlib has no zstd).

const bs58 = require("bs58").default;

const b58 = (buf) => bs58.encode(Buffer.from(buf));
const unb58 = (s) => Buffer.from(bs58.decode(s));

function zstdFrame(data) {
  const buf = Buffer.from(data);
  const parts = [];
  const hdr = Buffer.alloc(4 + 1 + 8);
  hdr.writeUInt32LE(0xfd2fb528, 0);
  // Frame_Header_Descriptor: FCS field 8 bytes (flag 3), single segment
  hdr[4] = (3 << 6) | (1 << 5);
  hdr.writeBigUInt64LE(BigInt(buf.length), 5);
  parts.push(hdr);
  const MAX = 128 * 1024;
  let off = 0;
  do {
    const n = Math.min(MAX, buf.length - off);
    const last = off + n >= buf.length ? 1 : 0;
    const bh = (n << 3) | (0 << 1) | last; // Block_Type 0 = Raw
    parts.push(Buffer.from([bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff]));
    parts.push(buf.subarray(off, off + n));
    off += n;
  } while (off < buf.length);
  return Buffer.concat(parts);
}

// Account data in the requested encoding, after dataSlice.  Throws
// {code, message} for the validator's own refusals.
function encodeData(data, encoding, dataSlice) {
  let d = Buffer.from(data);
  if (dataSlice) {
    const off = Number(dataSlice.offset || 0);
    const len = Number(dataSlice.length || 0);
    d = d.subarray(Math.min(off, d.length), Math.min(off + len, d.length));
  }
  switch (encoding || "binary") {
    case "binary":
      if (d.length > 128) throw rpcErr(-32600, "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.");
      return b58(d);
    case "base58":
      if (d.length > 128) throw rpcErr(-32600, "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.");
      return [b58(d), "base58"];
    case "base64":
    case "jsonParsed":
      return [d.toString("base64"), "base64"];
    case "base64+zstd":
      return [zstdFrame(d).toString("base64"), "base64+zstd"];
    default:
      throw rpcErr(-32602, `Invalid params: unknown variant \`${encoding}\`, expected one of \`binary\`, \`base64\`, \`jsonParsed\`, \`base58\`, \`base64+zstd\`.`);
  }
}

function rpcErr(code, message, data) {
  const e = new Error(message);
  e.rpc = { code, message };
  if (data !== undefined) e.rpc.data = data;
  return e;
}

module.exports = { b58, unb58, zstdFrame, encodeData, rpcErr };
