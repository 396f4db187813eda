#!/usr/bin/env python3
"""server.py: a loopback HTTP(S) server for memgit's HTTP client tests.

Binds 127.0.0.1 on ephemeral ports and prints one line first:
"PORT TLS_PORT CERT" (TLS_PORT 0 and CERT "-" when the openssl CLI is
missing). The URL path picks the scenario (see ROUTES). GET /shutdown stops
it; it also stops by itself after LIFETIME seconds (argv[1], default 60).
Python 3 standard library only; nothing listens beyond loopback.
"""
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

LIFETIME = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0

# Split on purpose: a CRLF cut between CR and LF, a field name cut in two,
# comments (": ping" keep-alives), multi-line data, a data field with no
# colon, an id field.
SSE_PIECES = [
    b": welcome comment\r\n",
    b"event: message_start\r",
    b"\ndata: {\"type\":\"message_start\"}\r\n\r\n",
    b": ping\n",
    b"eve", b"nt: ping\ndata: {\"type\": \"ping\"}\n\n",
    b"event: content_block_delta\ndata: line one\nda", b"ta: line two\nid: 7\n\n",
    b"data: no event name\n\n",
    b"event: empty\ndata\n\n",
    b"event: message_stop\ndata: {}\n\n",
]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "memgit-test/1"

    def log_message(self, fmt, *args):  # quiet: the test reads stdout
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read_body(self):
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, body, ctype="application/json", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.send_header("request-id", "req_test_%d" % status)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def start_stream(self, status=200, ctype="text/event-stream", extra=()):
        # close-delimited: no length, no chunking, so writes reach the
        # client exactly as split here
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("connection", "close")
        self.send_header("x-request-id", "req_stream")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True

    def write_slow(self, piece):
        self.wfile.write(piece)
        self.wfile.flush()
        time.sleep(0.005)

    def do_GET(self):
        self.route(b"")

    def do_POST(self):
        self.route(self.read_body())

    def route(self, body):
        path = self.path.split("?", 1)[0]
        fn = ROUTES.get(path)
        if fn is None:
            self.reply(404, '{"error":"no such scenario"}')
            return
        fn(self, body)


def ok(h, body):
    h.reply(200, '{"id":"msg_1","content":[{"type":"text","text":"hi"}]}')


def echo(h, body):
    headers = {k.lower(): v for k, v in h.headers.items()}
    h.reply(200, json.dumps({"method": h.command, "path": h.path,
                             "headers": headers, "body": body.decode()}))


def sse(h, body):
    h.start_stream()
    for p in SSE_PIECES:
        h.write_slow(p)


def sse_error(h, body):
    h.start_stream()
    h.write_slow(b"event: message_start\ndata: {\"type\":\"message_start\"}\n\n")
    h.write_slow(b"event: error\ndata: {\"type\":\"error\",\"error\":"
                 b"{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n")


def sse_big_event(h, body):
    h.start_stream()
    h.write_slow(b"event: huge\ndata: ")
    chunk = b"x" * 65536
    for _ in range(20):  # 1.25 MiB in one event
        h.write_slow(chunk)
    h.write_slow(b"\n\n")


def sse_as_json_error(h, body):
    # a streaming request answered with a plain JSON error
    h.reply(400, '{"type":"error","error":{"type":"invalid_request_error"}}')


def stall(h, body):
    h.start_stream()
    h.write_slow(b"event: message_start\ndata: {}\n\n")
    time.sleep(8)


def cut(h, body):
    h.send_response(200)
    h.send_header("content-type", "application/json")
    h.send_header("content-length", "1000")
    h.end_headers()
    h.wfile.write(b'{"partial": "' + b"y" * 80)
    h.wfile.flush()
    h.close_connection = True
    h.connection.shutdown(socket.SHUT_RDWR)


def big(h, body):
    h.reply(200, b"z" * (2 << 20), "text/plain")


def big_unsized(h, body):
    h.start_stream(ctype="text/plain")
    for _ in range(40):
        h.wfile.write(b"z" * 65536)


def status_route(status, payload, headers=()):
    def fn(h, body):
        h.reply(status, payload, headers=headers)
    return fn


def redirect(target):
    def fn(h, body):
        if target.startswith("http"):
            loc = target % h.server.server_address[1]
        else:
            loc = target
        h.reply(302, "", "text/plain", headers=[("location", loc)])
    return fn


def retry_date(h, body):
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    h.reply(503, '{"error":"busy"}', headers=[("retry-after", when)])


ROUTES = {
    "/ok": ok,
    "/echo": echo,
    "/sse": sse,
    "/sse-error": sse_error,
    "/sse-big-event": sse_big_event,
    "/sse-json-error": sse_as_json_error,
    "/stall": stall,
    "/cut": cut,
    "/big": big,
    "/big-unsized": big_unsized,
    "/429": status_route(429, '{"type":"error","error":{"type":"rate_limit_error"}}',
                         [("retry-after", "3")]),
    "/529": status_route(529, '{"type":"error","error":{"type":"overloaded_error"}}',
                         [("retry-after-ms", "1500")]),
    "/500": status_route(500, '{"type":"error","error":{"type":"api_error"}}'),
    "/500-noretry": status_route(500, '{"error":"no"}', [("x-should-retry", "false")]),
    "/400-retry": status_route(400, '{"error":"odd"}', [("x-should-retry", "true")]),
    "/quota": status_route(429, '{"error":{"message":"You exceeded your current quota",'
                                '"type":"insufficient_quota","code":"insufficient_quota"}}'),
    "/retry-date": retry_date,
    "/loop": redirect("/loop"),
    "/hop": redirect("/ok"),
    "/offsite": redirect("http://localhost:%d/ok"),
}


def make_cert(tmp):
    if not shutil.which("openssl"):
        return None
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (cert, key) if r.returncode == 0 else None


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients hang up on purpose (size cap, stall, TLS refusal)


def main():
    tmp = tempfile.mkdtemp(prefix="memgit-http-")
    plain = Server(("127.0.0.1", 0), Handler)
    servers, tls_port, cert = [plain], 0, "-"
    pair = make_cert(tmp)
    if pair:
        tls = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pair[0], pair[1])
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        servers.append(tls)
        tls_port, cert = tls.server_address[1], pair[0]
    done = threading.Event()

    def shutdown(h, body):
        h.reply(200, "{}")
        done.set()
    ROUTES["/shutdown"] = shutdown
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print(plain.server_address[1], tls_port, cert, flush=True)
    done.wait(LIFETIME)
    shutil.rmtree(tmp, ignore_errors=True)
    os._exit(0)  # handler threads may be sleeping in /stall


if __name__ == "__main__":
    main()
