#!/usr/bin/env python3
"""Writes the decoding benchmark's inputs (JSON on stdout): a bench IDL
(>= 0.30 format), a small event (2 pubkeys, 3 u64, bool), a large event
(vec of 20 structs, string, option, enum), both borsh-encoded here, and
a transaction's logs with 3 events, one of them emitted through a CPI.
Deterministic: no randomness."""
import base64, hashlib, json, struct

PID = "DJrtazoUrrxxjGYsPEbsvscv88M49FaVD8aV4RLqKFZE"
ALPH = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

def b58(b):
    n = int.from_bytes(b, "big"); s = ""
    while n:
        n, r = divmod(n, 58); s = ALPH[r] + s
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + s

def disc(name):
    return list(hashlib.sha256(f"event:{name}".encode()).digest()[:8])

def key(i):
    return hashlib.sha256(f"key{i}".encode()).digest()

idl = {
    "address": PID,
    "metadata": {"name": "bench", "version": "0.1.0", "spec": "0.1.0"},
    "instructions": [],
    "events": [{"name": "Small", "discriminator": disc("Small")},
               {"name": "Large", "discriminator": disc("Large")}],
    "types": [
        {"name": "Side", "type": {"kind": "enum", "variants": [{"name": "Bid"}, {"name": "Ask"}]}},
        {"name": "Kind", "type": {"kind": "enum", "variants": [
            {"name": "Market"},
            {"name": "Limit", "fields": [{"name": "price", "type": "u64"}, {"name": "post_only", "type": "bool"}]}]}},
        {"name": "Fill", "type": {"kind": "struct", "fields": [
            {"name": "maker", "type": "pubkey"}, {"name": "price", "type": "u64"},
            {"name": "quantity", "type": "u64"}, {"name": "side", "type": {"defined": {"name": "Side"}}},
            {"name": "fee", "type": "i64"}]}},
        {"name": "Small", "type": {"kind": "struct", "fields": [
            {"name": "from", "type": "pubkey"}, {"name": "to", "type": "pubkey"},
            {"name": "amount", "type": "u64"}, {"name": "fee", "type": "u64"},
            {"name": "slot", "type": "u64"}, {"name": "ok", "type": "bool"}]}},
        {"name": "Large", "type": {"kind": "struct", "fields": [
            {"name": "fills", "type": {"vec": {"defined": {"name": "Fill"}}}},
            {"name": "memo", "type": "string"},
            {"name": "client_id", "type": {"option": "u64"}},
            {"name": "kind", "type": {"defined": {"name": "Kind"}}}]}},
    ],
}

small = bytes(disc("Small")) + key(1) + key(2) + struct.pack("<QQQ", 1_500_000_000, 5000, 250_000_123) + b"\x01"
large = bytes(disc("Large")) + struct.pack("<I", 20)
for i in range(20):
    large += key(10 + i) + struct.pack("<QQBq", 100_000 + i * 37, 10**9 + i, i % 2, -(i * 11))
memo = "bench fill batch 0001: twenty fills".encode()
large += struct.pack("<I", len(memo)) + memo + b"\x01" + struct.pack("<Q", 987654321) + b"\x01" + struct.pack("<Q", 123456) + b"\x00"

b64 = lambda b: base64.b64encode(b).decode()
logs = [
    "Program ComputeBudget111111111111111111111111111111 invoke [1]",
    "Program ComputeBudget111111111111111111111111111111 success",
    f"Program {PID} invoke [1]",
    "Program log: Instruction: Trade",
    f"Program data: {b64(small)}",
    "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [2]",
    "Program log: Instruction: Transfer",
    "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA consumed 4645 of 180000 compute units",
    "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA success",
    f"Program data: {b64(large)}",
    f"Program data: {b64(small)}",
    f"Program {PID} consumed 42000 of 200000 compute units",
    f"Program {PID} success",
]
print(json.dumps({"program_id": PID, "idl": idl, "small_b64": b64(small), "large_b64": b64(large),
                  "small_len": len(small), "large_len": len(large), "logs": logs}))
