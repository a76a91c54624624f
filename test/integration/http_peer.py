#!/usr/bin/env python3
"""A local HTTP peer for the dispatcher and gateway tests.

Usage: http_peer.py READY_FILE  -- listens on 127.0.0.1:<free port>,
writes {"url": "http://127.0.0.1:<port>"} to READY_FILE, serves until
killed.  Threaded, so a hanging request does not block the others.

Paths:
  /echo              200, JSON echo of method, path, headers and body
  /status/<code>     that status, body "status <code>"
  /hang/<secs>       sleeps, then 200
  /flaky/<n>/<key>   500 for the first n requests with this key, then 200
  /limited/<key>     429 with Retry-After: 1 on the first request, then 200
  /binary            200 with bytes that are not UTF-8
  /rpc               a small JSON-RPC server: getSlot (counts up),
                     getVersion, echo (returns params), slow (sleeps
                     params[0] s), fail (error -32000), garbage (non-JSON)
  /rpc-flaky/<n>     JSON-RPC, but 503 for the first n requests
  /rpc-limited/<k>   JSON-RPC, but 429 with Retry-After: 1 the first time
                     (getMultipleAccounts: keys given to /set-accounts
                     as set there; else the first key exists, the
                     others are null)
  /set-accounts      POST {"<pubkey>": {"owner": k, "data": base64}}: what
                     getMultipleAccounts answers for those keys
  /stats             {"<path or rpc method>": count, ..., "times": {...}}
  /reset             clears the counters
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
counts = {}
times = {}
slot = [100]
accounts = {}  # pubkey -> {"owner": ..., "data": base64}, set with /set-accounts


def bump(key):
    with lock:
        counts[key] = counts.get(key, 0) + 1
        times.setdefault(key, []).append(time.time())
        return counts[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="application/json", extra=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_PUT(self):
        self.route()

    def do_DELETE(self):
        self.route()

    def route(self):
        body = self.body()
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        head = parts[0] if parts else ""
        if head == "stats":
            with lock:
                self.send(200, json.dumps({"counts": counts, "times": times}))
            return
        if head == "set-accounts":
            with lock:
                accounts.update(json.loads(body))
            self.send(200, "{}")
            return
        if head == "reset":
            with lock:
                counts.clear()
                times.clear()
            self.send(200, "{}")
            return
        if head == "rpc":
            self.rpc(body)
            return
        if head == "rpc-limited":
            n = bump("/".join(parts))
            if n == 1:
                self.send(429, "slow down", "text/plain", {"Retry-After": "1"})
                return
            self.rpc(body)
            return
        if head == "rpc-flaky":
            n = bump("/".join(parts))
            if n <= int(parts[1]):
                self.send(503, "unavailable", "text/plain")
                return
            self.rpc(body)
            return
        bump("/".join(parts))
        if head == "echo":
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = body.decode("utf-8", "replace")
            self.send(200, json.dumps({"method": self.command, "path": self.path,
                                       "headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": parsed}))
        elif head == "status":
            self.send(int(parts[1]), "status %s" % parts[1], "text/plain")
        elif head == "hang":
            time.sleep(float(parts[1]))
            self.send(200, "late", "text/plain")
        elif head == "flaky":
            if counts["/".join(parts)] <= int(parts[1]):
                self.send(500, "flaky failure", "text/plain")
            else:
                self.send(200, "recovered", "text/plain")
        elif head == "limited":
            if counts["/".join(parts)] == 1:
                self.send(429, "slow down", "text/plain", {"Retry-After": "1"})
            else:
                self.send(200, "{\"ok\":true}")
        elif head == "binary":
            self.send(200, b"\xff\xfe\x00\x01", "application/octet-stream")
        else:
            self.send(404, "no such path", "text/plain")

    def rpc(self, body):
        try:
            req = json.loads(body)
            method = req["method"]
            rid = req.get("id")
            params = req.get("params", [])
        except (ValueError, KeyError, TypeError):
            self.send(400, "bad request", "text/plain")
            return
        bump("rpc:" + method)

        def ok(result):
            self.send(200, json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}))

        if method == "getSlot":
            with lock:
                slot[0] += 1
                s = slot[0]
            ok(s)
        elif method == "getVersion":
            ok({"solana-core": "2.0.0", "feature-set": 1})
        elif method == "echo":
            ok(params)
        elif method == "getMultipleAccounts":
            # the first key exists, every other one does not
            value = [None] * len(params[0])
            if value:
                value[0] = {"data": ["AQID", "base64"], "executable": False,
                            "lamports": 1461600, "owner": "11111111111111111111111111111111",
                            "rentEpoch": 18446744073709551615, "space": 3}
            with lock:
                for i, k in enumerate(params[0]):
                    if k in accounts:
                        a = accounts[k]
                        value[i] = {"data": [a["data"], "base64"], "executable": False,
                                    "lamports": 1000, "owner": a["owner"],
                                    "rentEpoch": 0, "space": 0}
            self.send(200, json.dumps({"jsonrpc": "2.0", "id": rid,
                                       "result": {"context": {"slot": 4242}, "value": value}}))
        elif method == "big":
            # exact u64 maximum: a double would round it
            self.send(200, '{"jsonrpc":"2.0","id":%s,"result":{"rentEpoch":18446744073709551615}}' % json.dumps(rid))
        elif method == "slow":
            time.sleep(float(params[0]))
            ok("slow")
        elif method == "fail":
            self.send(200, json.dumps({"jsonrpc": "2.0", "id": rid,
                                       "error": {"code": -32000, "message": "deliberate failure"}}))
        elif method == "garbage":
            self.send(200, "<html>not json</html>", "text/html")
        else:
            self.send(200, json.dumps({"jsonrpc": "2.0", "id": rid,
                                       "error": {"code": -32601, "message": "Method not found"}}))


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that time out close early: not an error here


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        json.dump({"url": "http://127.0.0.1:%d" % srv.server_address[1]}, f)
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
