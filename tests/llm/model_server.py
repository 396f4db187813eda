#!/usr/bin/env python3
"""model_server.py: a scripted loopback model API for memgit's dream and grade tests.

Speaks the two wire formats memgit's model dreamers use (docs/providers.md):
Anthropic Messages (POST /v1/messages, SSE when the body says "stream": true)
and OpenAI chat completions (POST /v1/chat/completions, also accepted as
POST /chat/completions), answering each request from a script.

    model_server.py --script SCRIPT.json --log LOG.jsonl [--latency-ms N]
                    [--tls] [--lifetime SECONDS] [--bodies DIR]

Binds 127.0.0.1 on an ephemeral port and prints one line, "PORT" (or
"PORT CERTFILE" with --tls: a self-signed cert for 127.0.0.1, made with the
openssl CLI), then serves until GET /shutdown or --lifetime (default 120 s).
Python 3 standard library only; threaded, so parallel requests are served
concurrently. GET /stats answers {"total", "roles": {role: n},
"paths": {path: n}, "max_concurrent", "in_flight"} for the model requests.

--bodies DIR keeps each model request's body, as received, in DIR/N.json
(N as in the log), written before the request is answered.

ROLE. memgit's user turn text (OpenAI: the last user message; Anthropic:
messages[-1].content) starts with "memgit request: map K/N",
"memgit request: reduce", "memgit request: repair", "memgit request: judge
ID" or "memgit request: questions ID" (the grader); the role is "map-K",
"reduce", "repair", "judge-ID", "questions-ID", else "other".

LOG. One JSON line per model request, appended and flushed: time (ISO),
ts (epoch s), n, request_id, path, provider, role, headers
({anthropic-version, anthropic-beta, content-type} as sent, or null),
x_api_key / authorization (present: bool) with x_api_key_sha256,
authorization_sha256 (of the whole value) and bearer_sha256 (of the token
after "Bearer ") - never a raw key -, body_bytes, json_ok, stream,
include_usage, model, max_tokens, system_blocks, system_cache_control (one
bool per Anthropic system block), system_sha256 (one per Anthropic system
block; OpenAI: one, of the system messages' text), system_bytes (all of it),
user_bytes, tools (names), tool_choice, user_first_line, step (the script key and the step's kind, "default" when none matched).

SCRIPT. {"steps": {KEY: [STEP, ...], ...}}. For a request the list is the
first KEY present of: its role ("map-3", "judge-useful"), "map" (any map
request), "judge" (any judge request), "questions" (any questions request),
"*".
Each list is consumed in order (one counter per KEY; a redirected request
is a new request and takes the next step); once exhausted its last step
repeats. No list: the default answer. Every STEP may carry
"latency_ms" (sleep before answering; overrides --latency-ms) and
"headers" {name: value} added to the response (retry-after,
retry-after-ms, x-should-retry...). Every response, errors included,
carries request-id: req_<n> (Anthropic) or x-request-id: req_<n> (OpenAI).

STEP kinds (when a step has several of these keys, the first in this order
decides: raw_body, redirect_to, echo_key, huge_bytes, sse_error_after,
stall_after, cut_after, status, tool_input_raw, input, edits; the last
three failure kinds send the scripted edits / tool_input_raw / input, else
the default):
  {"edits": [...]}       success: tool call propose_edits with input
                         {"edits": [...]}. Options: "text" (a text block /
                         content before the call), "usage" {input_tokens,
                         output_tokens, cache_read_input_tokens,
                         cache_creation_input_tokens} (missing ones are
                         derived from the body size / 4; for OpenAI
                         prompt_tokens = input + cache read + creation,
                         cached_tokens = cache read), "stop_reason" (Anthropic
                         stop_reason / OpenAI finish_reason; defaults
                         tool_use / tool_calls), "event_gap_ms" (pause
                         between streamed events).
  {"tool_input_raw": S}  the same, with the tool input JSON text S verbatim
                         (malformed or schema-breaking). A non-streamed
                         Anthropic message needs an object: S is embedded
                         parsed when it is JSON, else as a JSON string.
  {"input": V}           success with the tool input V (any JSON value),
                         e.g. {"pass": true, "score": 0.9, "explanation":
                         "..."} for grade_criterion.
TOOL. A success names the tool the request forces (tool_choice: Anthropic
{"type": "tool", "name": N}, OpenAI {"type": "function", "function":
{"name": N}}), propose_edits when it forces none; a step's "tool": N
answers with N instead (a wrong tool, for tests).
  {} or {"default": true} the default answer (with the options above).
  {"status": 429, "error_type": "rate_limit_error", "message": "...",
   "code": "..."}        an error in the provider's body format. Anthropic:
                         {"type":"error","error":{"type","message"},
                         "request_id"}; OpenAI: {"error":{"message","type",
                         "param":null,"code"}}. error_type and message default
                         by status (OpenAI code defaults to null); e.g.
                         529 overloaded_error, OpenAI 429 "error_type":
                         "insufficient_quota", "code": "insufficient_quota";
                         Anthropic's spend limit is a 400 invalid_request_error
                         "Your credit balance is too low...".
  {"sse_error_after": K, "error_type": T, "message": M}
                         a 200 stream: the first K events of the default or
                         scripted ("edits"/"tool_input_raw" in the same step)
                         answer, then the provider's stream error (Anthropic
                         "event: error" data {"type":"error","error":{..}};
                         OpenAI data {"error":{..}}), then the stream ends.
                         A non-streaming request gets the HTTP error instead
                         (status from T: 529 overloaded, 429 rate limit,
                         else 500).
  {"stall_after": K}     the first K events, then silence with the connection
                         open until the client hangs up (or the lifetime).
  {"cut_after": K}       the first K events, then the socket is closed with
                         no terminating chunk.
                         For a non-streaming request K counts bytes of the
                         JSON body (sent with its full content-length).
  {"huge_bytes": N}      a 200 of about N bytes: a JSON message padded with a
                         "padding" string, or a stream padded with ping
                         events (Anthropic) / empty content chunks (OpenAI).
  {"raw_body": S, "status": 200, "content_type": "application/json"}
                         S verbatim (content-length framed).
  {"redirect_to": "/v1/messages"}  a 307 with that location (a loop when
                         the step repeats).
  {"echo_key": true}     a 401 whose message quotes the x-api-key value or
                         the bearer token received.
Streamed events: Anthropic message_start (usage), [content_block_start text,
ping, text_delta..., content_block_stop], content_block_start tool_use,
(ping when no text), input_json_delta pieces cut at odd places (mid-string,
mid-escape; a ping midway), content_block_stop, message_delta (stop_reason,
usage.output_tokens), message_stop. OpenAI chat.completion.chunk objects:
role + tool call start (id, name, arguments ""), arguments pieces,
finish_reason chunk, a usage chunk with "choices": [] when
stream_options.include_usage, then data: [DONE]. Chunked transfer encoding.

DEFAULTS. map-K: one create of notes/chunk-K.md citing "<id>#0" for the first
"## session <id>" line of the user text ({"edits": []} when there is none:
evidence must not be empty). reduce: every edit the map answers of the
current run delivered whole (default, edits, or tool_input_raw that parses
to an edits list), sorted by path; a run restarts
at the first map request after a reduce, or when N in "map K/N" changes.
repair and other: {"edits": []}. A request forcing another tool than
propose_edits: grade_criterion {"pass": true, "score": 1, "explanation":
"default verdict"}, answer_questions {"answers": []}, any other {}.
Default usage: input = body bytes / 4;
a system prefix seen before is read from the cache (Anthropic, when its
blocks carry cache_control; OpenAI, past 1024 tokens, in 128s), else created.
A body that is not a JSON object gets a 400 invalid_request_error and takes
no step. SIGTERM stops the server like /shutdown.
"""
import argparse
import hashlib
import http.server
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ANTHROPIC, OPENAI = "anthropic", "openai"
PATHS = {"/v1/messages": ANTHROPIC, "/v1/chat/completions": OPENAI,
         "/chat/completions": OPENAI}
ROLE_RE = re.compile(r"memgit request: (map (\d+)/(\d+)|reduce|repair|(judge|questions) (\S+))")
SESSION_RE = re.compile(r"^## session (\S+)", re.M)
# step kinds, first match wins
KINDS = ("raw_body", "redirect_to", "echo_key", "huge_bytes", "sse_error_after",
         "stall_after", "cut_after", "status", "tool_input_raw", "input", "edits")


def step_kind(step):
    return next((k for k in KINDS if k in step), "default")
# default inputs of the grader's tools
DEFAULT_INPUTS = {"grade_criterion": {"pass": True, "score": 1, "explanation": "default verdict"},
                  "answer_questions": {"answers": []}}
# piece sizes for the tool input, cycled (scaled up for long inputs)
PIECES = (3, 11, 1, 17, 6, 29, 2, 41, 8, 64, 5, 13)

ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error",
                    403: "permission_error", 404: "not_found_error",
                    413: "request_too_large", 429: "rate_limit_error",
                    500: "api_error", 504: "timeout_error", 529: "overloaded_error"}
OPENAI_ERRORS = {400: "invalid_request_error", 401: "invalid_request_error",
                 403: "invalid_request_error", 404: "invalid_request_error",
                 429: "requests", 500: "server_error", 503: "server_error"}
MESSAGES = {400: "Bad request", 401: "invalid x-api-key", 403: "Forbidden",
            404: "Not found", 408: "Request timed out", 409: "Conflict",
            413: "Request too large", 429: "Rate limit exceeded",
            500: "Internal server error", 503: "Service unavailable",
            504: "Gateway timeout", 529: "Overloaded"}


def jdump(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


def sha(s):
    return hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()


def text_of(content):
    """The text of a message content: a string or a list of text blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content
                       if isinstance(b, dict) and isinstance(b.get("text"), str))
    return ""


def user_text(provider, body):
    msgs = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(msgs, list) or not msgs:
        return ""
    if provider == ANTHROPIC:
        last = msgs[-1]
        return text_of(last.get("content")) if isinstance(last, dict) else ""
    for m in reversed(msgs):
        if isinstance(m, dict) and m.get("role") == "user":
            return text_of(m.get("content"))
    return ""


def system_text(provider, body):
    if not isinstance(body, dict):
        return "", []
    if provider == ANTHROPIC:
        sys_ = body.get("system")
        if isinstance(sys_, list):
            blocks = [b for b in sys_ if isinstance(b, dict)]
            return text_of(blocks), [bool(b.get("cache_control")) for b in blocks]
        return (sys_ if isinstance(sys_, str) else ""), []
    msgs = body.get("messages") or []
    return "".join(text_of(m.get("content")) for m in msgs
                   if isinstance(m, dict) and m.get("role") in ("system", "developer")), []


def role_of(text):
    m = ROLE_RE.match(text)
    if not m:
        return "other", None, None
    if m.group(2):
        return "map-" + m.group(2), int(m.group(2)), int(m.group(3))
    if m.group(4):
        return m.group(4) + "-" + m.group(5), None, None
    return m.group(1), None, None


class State:
    def __init__(self, script, log_path, latency_ms, bodies=None):
        self.lock = threading.Lock()
        self.bodies = bodies
        self.steps = script.get("steps", {}) if isinstance(script, dict) else {}
        self.cursor = {}
        self.log = open(log_path, "a", encoding="utf-8")
        self.latency_ms = latency_ms
        self.n = 0
        self.roles, self.paths = {}, {}
        self.in_flight = self.max_concurrent = 0
        self.run_edits, self.run_n, self.run_closed = {}, None, False
        self.seen_prefixes = set()
        self.done = threading.Event()

    def next_step(self, role):
        group = role.split("-", 1)[0]
        keys = [role] + ([group] if group in ("map", "judge", "questions") else []) + ["*"]
        with self.lock:
            for k in keys:
                lst = self.steps.get(k)
                if isinstance(lst, list) and lst:
                    i = self.cursor.get(k, 0)
                    self.cursor[k] = i + 1
                    return k, lst[min(i, len(lst) - 1)]
        return None, {}

    def begin(self, path, role):
        with self.lock:
            self.n += 1
            self.roles[role] = self.roles.get(role, 0) + 1
            self.paths[path] = self.paths.get(path, 0) + 1
            self.in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self.in_flight)
            return self.n

    def end(self):
        with self.lock:
            self.in_flight -= 1

    def write_log(self, rec):
        line = jdump(rec) + "\n"
        with self.lock:
            self.log.write(line)
            self.log.flush()

    def stats(self):
        with self.lock:
            return {"total": self.n, "roles": dict(self.roles), "paths": dict(self.paths),
                    "max_concurrent": self.max_concurrent, "in_flight": self.in_flight}

    def map_seen(self, k, n):
        with self.lock:
            if self.run_closed or (n is not None and self.run_n not in (None, n)):
                self.run_edits = {}
                self.run_closed = False
            self.run_n = n

    def record_map(self, k, edits):
        with self.lock:
            self.run_edits[k] = edits

    def reduce_edits(self):
        with self.lock:
            self.run_closed = True
            out = [e for k in sorted(self.run_edits) for e in self.run_edits[k]
                   if isinstance(e, dict)]
        return sorted(out, key=lambda e: str(e.get("path", "")))

    def prefix_seen(self, key):
        with self.lock:
            seen = key in self.seen_prefixes
            self.seen_prefixes.add(key)
            return seen


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "memgit-model-test/1"

    def log_message(self, fmt, *args):  # quiet: stdout carries the port
        pass

    def setup(self):
        ctx = self.server.ssl_ctx
        if ctx is not None:  # handshake here, in the connection's thread
            self.request.settimeout(10)
            self.request = ctx.wrap_socket(self.request, server_side=True)
            self.request.settimeout(None)
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ---- plumbing --------------------------------------------------------

    def id_headers(self):
        rid = getattr(self, "rid", None) or "req_0"
        if self.provider == OPENAI:
            return [("x-request-id", rid)]
        if self.provider == ANTHROPIC:
            return [("request-id", rid)]
        return [("request-id", rid), ("x-request-id", rid)]

    def extra_headers(self):
        h = self.step.get("headers") if isinstance(self.step, dict) else None
        return list(h.items()) if isinstance(h, dict) else []

    def reply(self, status, body, ctype="application/json", headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        for k, v in self.id_headers() + list(headers) + self.extra_headers():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def start_stream(self):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        for k, v in self.id_headers() + self.extra_headers():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.flush()

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def cut(self):
        """Close the connection now: no terminating chunk, no TLS close_notify."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def stall(self):
        """Keep the connection open, silent, until the client hangs up."""
        self.close_connection = True
        sock = self.connection
        while not self.server.state.done.is_set():
            try:
                r, _, _ = select.select([sock], [], [], 0.2)
                if r:
                    if isinstance(sock, ssl.SSLSocket):
                        return  # any TLS record now is the close
                    if not sock.recv(1 << 16):
                        return
            except (OSError, ValueError, ssl.SSLError):
                return

    # ---- requests --------------------------------------------------------

    def do_GET(self):
        self.provider, self.step, self.rid = None, {}, None
        path = self.path.split("?", 1)[0]
        if path == "/stats":
            self.reply(200, jdump(self.server.state.stats()))
        elif path == "/shutdown":
            self.reply(200, "{}")
            self.server.state.done.set()
        else:
            self.reply(404, '{"error":"not found"}')

    def do_POST(self):
        self.provider, self.step, self.rid = None, {}, None
        path = self.path.split("?", 1)[0]
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        if path == "/shutdown":
            self.reply(200, "{}")
            self.server.state.done.set()
            return
        self.provider = PATHS.get(path)
        if self.provider is None:
            self.reply(404, '{"error":"not found"}')
            return
        st = self.server.state
        try:
            body, json_ok = json.loads(raw.decode("utf-8")), True
        except (ValueError, UnicodeDecodeError):
            body, json_ok = {}, False
        if not isinstance(body, dict):
            body, json_ok = {}, False
        utext = user_text(self.provider, body)
        role, k, nmaps = role_of(utext)
        seq = st.begin(path, role)
        if st.bodies:
            with open(os.path.join(st.bodies, "%d.json" % seq), "wb") as f:
                f.write(raw)
        try:
            self.rid = "req_%d" % seq
            key, step = st.next_step(role) if json_ok else (None, {})
            self.step = step if isinstance(step, dict) else {}
            self.body, self.utext, self.role, self.raw_len = body, utext, role, len(raw)
            self.seq = seq
            self.write_request_log(seq, path, body, json_ok, len(raw), utext, role, key)
            lat = self.step.get("latency_ms", st.latency_ms)
            if lat:
                time.sleep(float(lat) / 1000.0)
            if not json_ok:
                self.error(400, "invalid_request_error",
                           "There was an error parsing the body of your request")
                return
            if role.startswith("map-"):
                st.map_seen(k, nmaps)
            self.answer()
        finally:
            st.end()

    def write_request_log(self, seq, path, body, json_ok, size, utext, role, key):
        h = self.headers
        xk, auth = h.get("x-api-key"), h.get("authorization")
        bearer = auth[7:].strip() if auth and auth[:7].lower() == "bearer " else None
        stext, cc = system_text(self.provider, body)
        sys_ = body.get("system")
        if self.provider == ANTHROPIC and isinstance(sys_, list):
            ssha = [sha(text_of([b])) for b in sys_ if isinstance(b, dict)]
        else:
            ssha = [sha(stext)] if stext else []
        nsys = len(sys_) if isinstance(sys_, list) else (1 if sys_ else 0)
        if self.provider == OPENAI:
            nsys = sum(1 for m in body.get("messages") or []
                       if isinstance(m, dict) and m.get("role") == "system")
        tools = []
        for t in body.get("tools") or []:
            if isinstance(t, dict):
                fn = t.get("function")
                tools.append(t.get("name") or (fn.get("name") if isinstance(fn, dict) else None))
        so = body.get("stream_options")
        now = time.time()
        rec = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000),
            "ts": round(now, 3), "n": seq, "request_id": self.rid, "path": path,
            "provider": self.provider, "role": role,
            "headers": {name: h.get(name) for name in ("anthropic-version", "anthropic-beta", "content-type")},
            "x_api_key": xk is not None, "x_api_key_sha256": sha(xk) if xk is not None else None,
            "authorization": auth is not None, "authorization_sha256": sha(auth) if auth is not None else None,
            "bearer_sha256": sha(bearer) if bearer is not None else None,
            "body_bytes": size, "json_ok": json_ok, "stream": body.get("stream"),
            "include_usage": so.get("include_usage") if isinstance(so, dict) else None,
            "model": body.get("model"), "max_tokens": body.get("max_tokens"),
            "system_blocks": nsys, "system_cache_control": cc, "system_sha256": ssha,
            "system_bytes": len(stext.encode("utf-8", "surrogatepass")),
            "user_bytes": len(utext.encode("utf-8", "surrogatepass")), "tools": tools,
            "tool_choice": body.get("tool_choice"),
            "user_first_line": utext.split("\n", 1)[0],
            "step": {"key": key, "kind": step_kind(self.step)},
        }
        self.server.state.write_log(rec)

    def answer(self):
        s = self.step
        kind = step_kind(s)
        stream = self.body.get("stream") is True
        if kind == "raw_body":
            self.reply(int(s.get("status", 200)), s["raw_body"],
                       s.get("content_type", "application/json"))
        elif kind == "redirect_to":
            self.reply(307, "", "text/plain", [("location", s["redirect_to"])])
        elif kind == "echo_key":
            got = self.headers.get("x-api-key")
            auth = self.headers.get("authorization") or ""
            if got is None:
                got = auth[7:] if auth[:7].lower() == "bearer " else auth
            if self.provider == ANTHROPIC:
                self.error(401, "authentication_error", "invalid x-api-key: %s" % got)
            else:
                self.error(401, "invalid_request_error",
                           "Incorrect API key provided: %s. You can find your API key at "
                           "https://platform.openai.com/account/api-keys." % got,
                           "invalid_api_key")
        elif kind == "huge_bytes":
            self.huge(int(s["huge_bytes"]), stream)
        elif kind == "status":
            self.error(int(s["status"]), s.get("error_type"), s.get("message"), s.get("code"))
        else:
            tool_json, text = self.tool_input()
            usage = self.usage(tool_json, text)
            if stream:
                self.stream(self.events(tool_json, text, usage, s), s)
            else:
                self.whole(tool_json, text, usage, s)

    def tool_input(self):
        s, st = self.step, self.server.state
        text = s.get("text") if isinstance(s.get("text"), str) else ""
        # only an answer delivered whole counts for the run's reduce
        record = self.role.startswith("map-") and not any(
            k in s for k in ("sse_error_after", "stall_after", "cut_after"))
        if "input" in s and "tool_input_raw" not in s:
            return jdump(s["input"]), text
        forced = self.tool_name()
        if forced != "propose_edits" and "tool_input_raw" not in s and "edits" not in s:
            return jdump(DEFAULT_INPUTS.get(forced, {})), text
        if "tool_input_raw" in s:
            raw = s["tool_input_raw"]
            if record:
                try:
                    v = json.loads(raw)
                    if isinstance(v, dict) and isinstance(v.get("edits"), list):
                        st.record_map(self.role, v["edits"])
                except ValueError:
                    pass
            return raw, text
        if "edits" in s:
            edits = s["edits"]
        elif self.role.startswith("map-"):
            k = self.role[4:]
            m = SESSION_RE.search(self.utext)
            edits = [{"kind": "create", "path": "notes/chunk-%s.md" % k,
                      "content": "---\ntitle: chunk %s\n---\nNotes from chunk %s.\n" % (k, k),
                      "rationale": "chunk %s summary" % k,
                      "evidence": [m.group(1) + "#0"]}] if m else []
        elif self.role == "reduce":
            edits = st.reduce_edits()
        else:
            edits = []
        if record:
            st.record_map(self.role, edits)
        return jdump({"edits": edits}), text

    def tool_name(self):
        """The tool a success answers with: the step's, else the forced one."""
        if isinstance(self.step.get("tool"), str):
            return self.step["tool"]
        tc = self.body.get("tool_choice")
        if isinstance(tc, dict):
            if isinstance(tc.get("name"), str):
                return tc["name"]
            fn = tc.get("function")
            if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                return fn["name"]
        return "propose_edits"

    def usage(self, tool_json, text):
        given = self.step.get("usage") if isinstance(self.step.get("usage"), dict) else {}
        stext, cc = system_text(self.provider, self.body)
        body_tok = max(1, self.raw_len // 4)
        sys_tok = len(stext.encode()) // 4
        seen = self.server.state.prefix_seen((self.provider, self.body.get("model"), sha(stext)))
        read = create = 0
        if self.provider == ANTHROPIC and any(cc):
            read, create = (sys_tok, 0) if seen else (0, sys_tok)
        elif self.provider == OPENAI and seen and body_tok >= 1024:
            read = min(sys_tok, body_tok) // 128 * 128
        u = {"input_tokens": max(1, body_tok - read - create),
             "cache_creation_input_tokens": create, "cache_read_input_tokens": read,
             "output_tokens": max(1, (len(tool_json) + len(text)) // 4)}
        for key in u:
            if isinstance(given.get(key), int):
                u[key] = given[key]
        return u

    def openai_usage(self, u):
        prompt = u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
        return {"prompt_tokens": prompt, "completion_tokens": u["output_tokens"],
                "total_tokens": prompt + u["output_tokens"],
                "prompt_tokens_details": {"cached_tokens": u["cache_read_input_tokens"], "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 0}}

    def ids(self):
        if self.provider == ANTHROPIC:
            return "msg_mock%06d" % self.seq, "toolu_mock%06d" % self.seq
        return "chatcmpl-mock%06d" % self.seq, "call_mock%06d" % self.seq

    def model(self):
        m = self.body.get("model")
        return m if isinstance(m, str) else "mock-model"

    def whole(self, tool_json, text, usage, s):
        mid, tid = self.ids()
        if self.provider == ANTHROPIC:
            try:
                inp = json.loads(tool_json)
            except ValueError:
                inp = tool_json
            content = ([{"type": "text", "text": text}] if text else []) + \
                [{"type": "tool_use", "id": tid, "name": self.tool_name(), "input": inp}]
            msg = {"id": mid, "type": "message", "role": "assistant", "model": self.model(),
                   "content": content, "stop_reason": s.get("stop_reason", "tool_use"),
                   "stop_sequence": None,
                   "usage": dict(usage, service_tier="standard")}
        else:
            msg = {"id": mid, "object": "chat.completion", "created": int(time.time()),
                   "model": self.model(),
                   "choices": [{"index": 0, "message": {
                       "role": "assistant", "content": text or None,
                       "tool_calls": [{"id": tid, "type": "function", "function": {
                           "name": self.tool_name(), "arguments": tool_json}}],
                       "refusal": None, "annotations": []},
                       "logprobs": None, "finish_reason": s.get("stop_reason", "tool_calls")}],
                   "usage": self.openai_usage(usage), "service_tier": "default",
                   "system_fingerprint": "fp_mock"}
        body = jdump(msg).encode("utf-8", "surrogatepass")
        if "sse_error_after" in s:
            et = s.get("error_type") or "api_error"
            self.error({"overloaded_error": 529, "rate_limit_error": 429}.get(et, 500), et,
                       s.get("message"))
        elif "cut_after" in s or "stall_after" in s:
            k = int(s.get("cut_after", s.get("stall_after", 0)))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for hk, hv in self.id_headers() + self.extra_headers():
                self.send_header(hk, str(hv))
            self.end_headers()
            self.wfile.write(body[:k])
            self.wfile.flush()
            self.cut() if "cut_after" in s else self.stall()
        else:
            self.reply(200, body)

    @staticmethod
    def pieces(text):
        scale = max(1, len(text) // 2000)
        out, i, j = [], 0, 0
        while i < len(text):
            n = PIECES[j % len(PIECES)] * scale
            out.append(text[i:i + n])
            i, j = i + n, j + 1
        return out

    def events(self, tool_json, text, usage, s):
        mid, tid = self.ids()
        ev = []
        if self.provider == ANTHROPIC:
            def add(name, data):
                ev.append("event: %s\ndata: %s\n\n" % (name, jdump(dict({"type": name}, **data))))
            start_usage = dict(usage, output_tokens=1, service_tier="standard")
            add("message_start", {"message": {
                "id": mid, "type": "message", "role": "assistant", "model": self.model(),
                "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}})
            idx = 0
            if text:
                add("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
                add("ping", {})
                for p in self.pieces(text):
                    add("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": p}})
                add("content_block_stop", {"index": 0})
                idx = 1
            add("content_block_start", {"index": idx, "content_block": {
                "type": "tool_use", "id": tid, "name": self.tool_name(), "input": {}}})
            if not text:
                add("ping", {})
            add("content_block_delta", {"index": idx, "delta": {"type": "input_json_delta", "partial_json": ""}})
            ps = self.pieces(tool_json)
            for i, p in enumerate(ps):
                add("content_block_delta", {"index": idx, "delta": {"type": "input_json_delta", "partial_json": p}})
                if i == len(ps) // 2 and len(ps) > 4:
                    add("ping", {})
            add("content_block_stop", {"index": idx})
            add("message_delta", {"delta": {"stop_reason": s.get("stop_reason", "tool_use"),
                                            "stop_sequence": None},
                                  "usage": {"output_tokens": usage["output_tokens"]}})
            add("message_stop", {})
            return ev
        so = self.body.get("stream_options")
        inc = isinstance(so, dict) and so.get("include_usage") is True
        created = int(time.time())

        def add(delta, finish=None, choices=True, usage_=None):
            c = {"id": mid, "object": "chat.completion.chunk", "created": created,
                 "model": self.model(), "service_tier": "default", "system_fingerprint": "fp_mock",
                 "choices": [{"index": 0, "delta": delta, "logprobs": None,
                              "finish_reason": finish}] if choices else []}
            if inc:
                c["usage"] = usage_
            ev.append("data: %s\n\n" % jdump(c))
        if text:
            add({"role": "assistant", "content": "", "refusal": None})
            for p in self.pieces(text):
                add({"content": p})
            add({"tool_calls": [{"index": 0, "id": tid, "type": "function",
                                 "function": {"name": self.tool_name(), "arguments": ""}}]})
        else:
            add({"role": "assistant", "content": None,
                 "tool_calls": [{"index": 0, "id": tid, "type": "function",
                                 "function": {"name": self.tool_name(), "arguments": ""}}],
                 "refusal": None})
        for p in self.pieces(tool_json):
            add({"tool_calls": [{"index": 0, "function": {"arguments": p}}]})
        add({}, s.get("stop_reason", "tool_calls"))
        if inc:
            add(None, choices=False, usage_=self.openai_usage(usage))
        ev.append("data: [DONE]\n\n")
        return ev

    def stream(self, events, s):
        gap = float(s.get("event_gap_ms", 0)) / 1000.0
        k = None
        for key in ("sse_error_after", "stall_after", "cut_after"):
            if key in s:
                k = int(s[key])
        self.start_stream()
        for i, e in enumerate(events if k is None else events[:k]):
            if i and gap:
                time.sleep(gap)
            self.chunk(e)
        if "sse_error_after" in s:
            et = s.get("error_type") or "overloaded_error"
            msg = s.get("message") or MESSAGES.get(529 if et == "overloaded_error" else 500)
            if self.provider == ANTHROPIC:
                self.chunk("event: error\ndata: %s\n\n" % jdump(
                    {"type": "error", "error": {"type": et, "message": msg}}))
            else:
                self.chunk("data: %s\n\n" % jdump(
                    {"error": {"message": msg, "type": et, "param": None, "code": s.get("code")}}))
            self.end_chunks()
            self.close_connection = True
        elif "stall_after" in s:
            self.stall()
        elif "cut_after" in s:
            self.cut()
        else:
            self.end_chunks()

    def huge(self, n, stream):
        if not stream:
            head = jdump({"id": self.ids()[0], "type": "message", "padding": ""})[:-2]
            tail = '"}'
            pad = max(0, n - len(head) - len(tail))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(head) + pad + len(tail)))
            for k, v in self.id_headers() + self.extra_headers():
                self.send_header(k, str(v))
            self.end_headers()
            self.wfile.write(head.encode())
            block = b"x" * 65536
            while pad > 0:
                self.wfile.write(block[:min(pad, len(block))])
                pad -= len(block)
            self.wfile.write(tail.encode())
            self.wfile.flush()
            return
        if self.provider == ANTHROPIC:
            one = 'event: ping\ndata: {"type": "ping"}\n\n'
        else:
            one = "data: %s\n\n" % jdump({"id": self.ids()[0], "object": "chat.completion.chunk",
                                          "created": int(time.time()), "model": self.model(),
                                          "choices": [{"index": 0, "delta": {"content": ""},
                                                       "logprobs": None, "finish_reason": None}]})
        self.start_stream()
        batch = one * max(1, 65536 // len(one))
        sent = 0
        try:
            while sent < n:
                self.chunk(batch)
                sent += len(batch)
            self.end_chunks()
        except OSError:
            self.close_connection = True  # the client hung up at its cap

    def error(self, status, etype=None, message=None, code=None):
        message = message or MESSAGES.get(status, "Error")
        if self.provider == ANTHROPIC:
            etype = etype or ANTHROPIC_ERRORS.get(status, "api_error")
            body = {"type": "error", "error": {"type": etype, "message": message},
                    "request_id": self.rid}
        else:
            etype = etype or OPENAI_ERRORS.get(status, "server_error")
            body = {"error": {"message": message, "type": etype, "param": None, "code": code}}
        self.reply(status, jdump(body))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # 32 parallel connects must not hit the backlog
    ssl_ctx = None

    def handle_error(self, request, client_address):
        # clients hang up on purpose (size cap, stall, TLS refusal): quiet;
        # a bug in this server is reported on stderr
        e = sys.exc_info()[1]
        if not isinstance(e, (ConnectionError, ssl.SSLError, socket.timeout, TimeoutError)):
            super().handle_error(request, client_address)


def make_cert(tmp):
    if not shutil.which("openssl"):
        return None
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (cert, key) if r.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser(description="scripted loopback model API (see the module docstring)")
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--latency-ms", type=float, default=0)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--lifetime", type=float, default=120.0)
    ap.add_argument("--bodies", help="keep each request body as DIR/N.json")
    a = ap.parse_args()
    if a.bodies:
        os.makedirs(a.bodies, exist_ok=True)
    with open(a.script, encoding="utf-8") as f:
        script = json.load(f)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State(script, a.log, a.latency_ms, a.bodies)
    tmp = None
    line = str(srv.server_address[1])
    if a.tls:
        tmp = tempfile.mkdtemp(prefix="memgit-model-")
        pair = make_cert(tmp)
        if not pair:
            sys.exit("model_server: --tls needs the openssl CLI")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pair[0], pair[1])
        srv.ssl_ctx = ctx
        line += " " + pair[0]
    signal.signal(signal.SIGTERM, lambda *_: srv.state.done.set())
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(line, flush=True)
    srv.state.done.wait(a.lifetime)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    os._exit(0)  # handler threads may be stalled on purpose


if __name__ == "__main__":
    main()
