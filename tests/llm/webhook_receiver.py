#!/usr/bin/env python3
"""webhook_receiver.py: a loopback webhook receiver for test_webhook.c.

Usage: webhook_receiver.py LOG [LIFETIME]. Binds 127.0.0.1 on an ephemeral
port, prints it as the first line of stdout, and appends one JSON line to
LOG for every POST it gets (what arrived and whether the signature held).

It verifies Standard Webhooks signatures on its own, the way a receiver
would (https://www.standardwebhooks.com/): webhook-id, webhook-timestamp
and webhook-signature present; the timestamp within 5 minutes of now; the
HMAC-SHA256 of "<id>.<timestamp>.<body>" under the secret, compared in
constant time with each "v1," entry of the signature header. The secret is
read from the environment variable named by the URL:

    POST /<SECRET_ENV>/<scenario>/<tag>

A "whsec_" secret is base64-decoded to get the key, as the specification
says; any other value is the key as UTF-8 bytes. Scenarios:

    ok      200 when the signature verifies, else 401
    flaky   500 to the first request of a tag, then as "ok"
    hang    no answer for 10 s (the sender's timeout must fire first)
    gone    410

GET /shutdown stops it; so does LIFETIME (seconds, default 60) passing.
Python 3 standard library only; nothing listens beyond loopback.
"""
import base64
import binascii
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time

TOLERANCE = 5 * 60
LOG = sys.argv[1]
LIFETIME = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
lock = threading.Lock()
seen_tags = set()
done = threading.Event()


def signing_key(secret):
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):], validate=True)
    return secret.encode()


def verify(headers, body, secret_env):
    """(verified, reason): the receiver's check, independent of memgit."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signature = headers.get("webhook-signature")
    if not msg_id or not stamp or not signature:
        return False, "missing webhook headers"
    secret = os.environ.get(secret_env)
    if not secret:
        return False, "receiver has no secret in " + secret_env
    try:
        sent = int(stamp)
    except ValueError:
        return False, "timestamp is not an integer"
    if abs(time.time() - sent) > TOLERANCE:
        return False, "timestamp outside the tolerance"
    try:
        key = signing_key(secret)
    except binascii.Error:
        return False, "receiver secret is not valid whsec_ base64"
    signed = msg_id.encode() + b"." + stamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for entry in signature.split(" "):
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return True, ""
    return False, "no signature matches"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "memgit-webhook-test/1"

    def log_message(self, fmt, *args):  # quiet: the test reads stdout
        pass

    def reply(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/shutdown":
            self.reply(200, "bye")
            done.set()
        else:
            self.reply(404, "no such route")

    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if len(parts) != 3:
            self.reply(404, "expected /SECRET_ENV/scenario/tag")
            return
        secret_env, scenario, tag = parts
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified, reason = verify(headers, body, secret_env)
        with lock:
            first = tag not in seen_tags
            seen_tags.add(tag)
            record = {"tag": tag, "scenario": scenario, "path": self.path,
                      "verified": verified, "reason": reason,
                      "id": headers.get("webhook-id", ""),
                      "timestamp": headers.get("webhook-timestamp", ""),
                      "signature": headers.get("webhook-signature", ""),
                      "content_type": headers.get("content-type", ""),
                      "user_agent": headers.get("user-agent", ""),
                      "body": body.decode("utf-8", "replace")}
            with open(LOG, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
        if scenario == "hang":
            time.sleep(10)
            return
        if scenario == "gone":
            self.reply(410, "gone")
        elif scenario == "flaky" and first:
            self.reply(500, "try again later")
        elif not verified:
            self.reply(401, "invalid signature: " + reason)
        else:
            self.reply(200, "ok")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the sender hangs up on purpose (timeouts)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    done.wait(LIFETIME)
    os._exit(0)  # a handler thread may be sleeping in "hang"


if __name__ == "__main__":
    main()
