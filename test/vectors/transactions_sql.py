#!/usr/bin/env python3
"""Writes the fixture table of sql/transactions.sql from transactions.json.

Usage: python3 test/vectors/transactions_sql.py ../shared/fixtures/transactions.json
The output is the INSERT that sql/transactions.sql starts with; the
expected values are the fixture's own bytes (from @solana/web3.js), so
the regression test checks the SQL functions byte for byte against them.
"""
import json
import sys

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(s):
    n = 0
    for ch in s:
        n = n * 58 + ALPHABET.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(s) - len(s.lstrip("1"))) + body


def q(s):
    return "'" + s.replace("'", "''") + "'"


def main(path):
    d = json.load(open(path))
    keys = {}
    rows = []
    for c in d["cases"]:
        names = []
        for s in c["signers"]:
            secret = bytes.fromhex(s["seed_hex"]) + b58decode(s["pubkey"])
            if s["pubkey"] not in keys:
                keys[s["pubkey"]] = ("k%d" % (len(keys) + 1), json.dumps(list(secret)))
            names.append(keys[s["pubkey"]][0])
        e = c["expected"]
        rows.append("(%s, %s, %s, %s, %s, %s, ARRAY[%s]::text[], %s, %s, %s)" % (
            q(c["name"]), q("legacy" if c["version"] == "legacy" else "0"),
            q(c["fee_payer"]), q(c["recent_blockhash"]),
            q(json.dumps(c["instructions"], separators=(",", ":"))),
            q(json.dumps(c.get("address_lookup_tables") or [], separators=(",", ":"))),
            ", ".join(q(n) for n in names), q(e["message_b64"]), q(e["wire_b64"]),
            e["wire_size"]))
    print("INSERT INTO fx VALUES\n" + ",\n".join(rows) + ";")
    print("SELECT count(*) AS keypairs FROM (VALUES\n" + ",\n".join(
        "(solana.import_keypair(%s, %s))" % (q(n), q(j)) for n, j in keys.values()) + ") AS v(k);")


main(sys.argv[1])
