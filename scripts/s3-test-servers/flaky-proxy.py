#!/usr/bin/env python3
"""A loopback HTTP proxy in front of an S3 test server that answers every Nth request itself with
503 SlowDown (S3's throttling answer) and forwards the others unchanged, Host header included, so the
server still checks each signature. For tests of pgproof's retries. Prints its port, then serves until
SIGTERM. Usage: flaky-proxy.py UPSTREAM_HOST:PORT EVERY_NTH
"""
import http.client
import http.server
import sys
import threading

upstream, every = sys.argv[1], int(sys.argv[2])
counter = 0
lock = threading.Lock()
SLOW_DOWN = b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def handle_any(self):
        global counter
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            counter += 1
            fail = counter % every == 0
        if fail:
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(SLOW_DOWN)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(SLOW_DOWN)
            return
        conn = http.client.HTTPConnection(upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
