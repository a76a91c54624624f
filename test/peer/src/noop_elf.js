"use strict";
// A minimal SBPF v0 program image, built byte by byte: ".text" holds
// two instructions (mov64 r0, 0; exit), so the program accepts any
// accounts and any instruction data and returns success.  The peer
// deploys it at the id of every scripted program so that the
// transactions it records for them are executed by litesvm for real
// (signature check, fee, account locks), while the peer writes the
// scripted program's logs and inner instructions itself.

function noopElf() {
  const text = Buffer.from([
    0xb7, 0, 0, 0, 0, 0, 0, 0, // mov64 r0, 0
    0x95, 0, 0, 0, 0, 0, 0, 0, // exit
  ]);
  const shstrtab = Buffer.from("\0.text\0.shstrtab\0", "latin1");
  const textOff = 64;
  const strOff = textOff + text.length;
  const shOff = Math.ceil((strOff + shstrtab.length) / 8) * 8;
  const buf = Buffer.alloc(shOff + 3 * 64);
  // ELF header
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // magic, 64-bit, LSB, v1, SysV ABI
  buf.writeUInt16LE(3, 16); // e_type ET_DYN
  buf.writeUInt16LE(247, 18); // e_machine EM_BPF
  buf.writeUInt32LE(1, 20); // e_version
  buf.writeBigUInt64LE(BigInt(textOff), 24); // e_entry
  buf.writeBigUInt64LE(64n, 32); // e_phoff (no program headers)
  buf.writeBigUInt64LE(BigInt(shOff), 40); // e_shoff
  buf.writeUInt32LE(0, 48); // e_flags: SBPF v0
  buf.writeUInt16LE(64, 52); // e_ehsize
  buf.writeUInt16LE(56, 54); // e_phentsize
  buf.writeUInt16LE(0, 56); // e_phnum
  buf.writeUInt16LE(64, 58); // e_shentsize
  buf.writeUInt16LE(3, 60); // e_shnum
  buf.writeUInt16LE(2, 62); // e_shstrndx
  text.copy(buf, textOff);
  shstrtab.copy(buf, strOff);
  const sh = (i, name, type, flags, addr, off, size, align) => {
    const o = shOff + i * 64;
    buf.writeUInt32LE(name, o);
    buf.writeUInt32LE(type, o + 4);
    buf.writeBigUInt64LE(BigInt(flags), o + 8);
    buf.writeBigUInt64LE(BigInt(addr), o + 16);
    buf.writeBigUInt64LE(BigInt(off), o + 24);
    buf.writeBigUInt64LE(BigInt(size), o + 32);
    buf.writeBigUInt64LE(BigInt(align), o + 48);
  };
  sh(1, 1, 1 /* PROGBITS */, 6 /* ALLOC|EXECINSTR */, textOff, textOff, text.length, 8);
  sh(2, 7, 3 /* STRTAB */, 0, 0, strOff, shstrtab.length, 1);
  return buf;
}

module.exports = { noopElf };
