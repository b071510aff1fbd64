#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A fake OpenAI-compatible chat-completions server for the llm tests (stdlib only).

Usage: fake_openai.py --port 0 --portfile F [--script FILE] [--api-key K]
                      [--parent-pid P] [--max-seconds S] [--verbose]
Binds 127.0.0.1, writes the bound port to F (atomically), exits when its
parent process goes away or after --max-seconds (default 300), and serves:

  POST /v1/chat/completions  {"model", "messages", "stream"?, ...}: a
       chat.completion, or with "stream": true a text/event-stream of
       chat.completion.chunk events (a role-only chunk, the content in
       deltas of 5 bytes, a finish chunk with usage, then "data: [DONE]"),
       sent with chunked transfer encoding. A request without "model" or
       "messages" is a 400.
  POST /v1/embeddings  {"model", "input": [strings] | string, "dimensions"?}:
       an OpenAI "list" of "embedding" objects, one per input, in reverse
       order of "index" (clients must sort by it); each vector has
       "dimensions" (default 8) floats derived from a SHA-256 of the text,
       so equal texts get equal vectors. 400 without "model" or "input".
       Script steps apply here too (status, headers, raw, delay_ms).
  GET  /_requests   JSON array of every chat and embeddings request so far: path, headers
       (authorization, content-type, accept), body (parsed JSON, or text)
  POST /_script     appends steps (a JSON array) to the script queue
  POST /_reset      forgets requests, script steps and marker counters

The reply: the next script step when the queue (--script FILE, a JSON
array, then /_script) is not empty, else the marker "FAKE:<name>" found in
the last user message, else content "ok". A step is an object:
  {"status": 200, "content": "...", "headers": {...}, "delay_ms": 0,
   "raw": "body sent as is"}   (every key optional)

Markers (file "src/app.c" is the one of the review tests' canned diffs:
lines 2 and 3 added, line 1 context):
  hello        content "Hello from the fake model."
  echo         content = the last user message
  valid        a JSON array of 2 comments on src/app.c lines 2 and 3
  bad-lines    comments on a context line, a line outside the diff and a
               file not in the diff
  fenced       the valid array inside ```json fences
  prose        the valid array with prose before and after
  malformed    a truncated JSON array
  flaky        HTTP 500 on the first request since /_reset, then "recovered"
  ratelimit    HTTP 429 with Retry-After: 1 first, then "after the limit"
  down         HTTP 503 always ({"error": {"message": "overloaded"}})
  slow         answers after 3 s
  auth         needs "Authorization: Bearer <--api-key>", else 401 whose
               message echoes the Authorization header received
  cut-stream   a stream that stops without [DONE]
  json-stream  ignores "stream" and answers one JSON body
  cite         an answer citing source [1] twice and a source [42] it was
               never given (knowledge-base tests)
  uncited      an answer that cites nothing
"""
import argparse
import hashlib
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fakeserve  # tests/tools/fakeserve.py, beside this script

RECORDED_HEADERS = ("authorization", "content-type", "accept")
MARKER = re.compile(r"FAKE:([a-z0-9-]+)")

VALID = [
    {"path": "src/app.c", "line": 2, "severity": "error",
     "message": "strcpy into a fixed buffer can overflow; use snprintf"},
    {"path": "src/app.c", "line": 3, "severity": "warning",
     "message": "the return value of malloc is not checked"},
]
BAD_LINES = [
    {"path": "src/app.c", "line": 1, "severity": "error", "message": "context line"},
    {"path": "src/app.c", "line": 99, "severity": "error", "message": "outside the diff"},
    {"path": "src/other.c", "line": 2, "severity": "error", "message": "not in the diff"},
]

_lock = threading.Lock()
_requests = []
_script = []
_counters = {}


def canned(name, last_user):
    """(status, content or None, headers, delay_s, body dict or None)."""
    with _lock:
        seen = _counters.get(name, 0)
        _counters[name] = seen + 1
    if name == "hello":
        return 200, "Hello from the fake model.", {}, 0, None
    if name == "echo":
        return 200, last_user, {}, 0, None
    if name == "valid":
        return 200, json.dumps(VALID), {}, 0, None
    if name == "bad-lines":
        return 200, json.dumps(BAD_LINES), {}, 0, None
    if name == "fenced":
        return 200, "```json\n" + json.dumps(VALID, indent=1) + "\n```\n", {}, 0, None
    if name == "prose":
        return 200, ("Here is my review of the change:\n" + json.dumps(VALID) +
                     "\nLet me know [if] you need more."), {}, 0, None
    if name == "malformed":
        return 200, '[{"path": "src/app.c", "line": 2, "severity": "err', {}, 0, None
    if name == "flaky" and seen == 0:
        return 500, None, {}, 0, {"error": {"message": "internal error", "type": "server"}}
    if name == "flaky":
        return 200, "recovered", {}, 0, None
    if name == "ratelimit" and seen == 0:
        return 429, None, {"Retry-After": "1"}, 0, {"error": {"message": "rate limited"}}
    if name == "ratelimit":
        return 200, "after the limit", {}, 0, None
    if name == "down":
        return 503, None, {}, 0, {"error": {"message": "overloaded"}}
    if name == "cite":
        return 200, ("Prune unused Docker images with docker system prune [1]. "
                     "Old workspaces can go too [42]. Check the result with df [1]."), {}, 0, None
    if name == "uncited":
        return 200, "Reboot the machine and hope.", {}, 0, None
    if name == "slow":
        return 200, "slow answer", {}, 3.0, None
    return 200, "ok", {}, 0, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_openai: " + (fmt % args) + "\n")

    def handle(self):
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            self.close_connection = True

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status, body, ctype="application/json", extra=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_requests":
            with _lock:
                self.send(200, list(_requests))
        else:
            self.send(404, {"error": {"message": "not found"}})

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def stream(self, model, content, cut=False):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": model}

        def event(delta, finish=None, usage=None):
            ev = dict(base)
            ev["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
            if usage:
                ev["usage"] = usage
            return "data: " + json.dumps(ev) + "\n\n"

        self.chunk(": keep-alive\n\n" + event({"role": "assistant", "content": ""}))
        pieces = [content[i:i + 5] for i in range(0, len(content), 5)]
        for i, p in enumerate(pieces):
            if cut and i == len(pieces) // 2:
                break
            self.chunk(event({"content": p}))
        if not cut:
            self.chunk(event({}, "stop", {"prompt_tokens": 11, "completion_tokens": len(pieces),
                                          "total_tokens": 11 + len(pieces)}))
            self.chunk("data: [DONE]\n\n")
        self.chunk(b"")

    def embeddings(self, body):
        hdrs = {k: self.headers.get(k) for k in RECORDED_HEADERS if self.headers.get(k)}
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        with _lock:
            _requests.append({"path": self.path, "headers": hdrs,
                              "body": req if req is not None else body.decode("utf-8", "replace")})
            step = _script.pop(0) if _script else None
        if step is not None:
            time.sleep(step.get("delay_ms", 0) / 1000.0)
            status = step.get("status", 200)
            if "raw" in step:
                return self.send(status, step["raw"], step.get("content_type", "application/json"),
                                 step.get("headers", {}))
            if status != 200:
                return self.send(status, {"error": {"message": step.get("error", "scripted error")}},
                                 extra=step.get("headers", {}))
        if not isinstance(req, dict) or "model" not in req or "input" not in req:
            return self.send(400, {"error": {"message": "model and input are required"}})
        inputs = req["input"] if isinstance(req["input"], list) else [req["input"]]
        dim = int(req.get("dimensions") or 8)
        data = []
        for i, text in enumerate(inputs):
            digest = hashlib.sha256(str(text).encode()).digest()
            vec = [(digest[k % 32] - 128) / 128.0 for k in range(dim)]
            data.append({"object": "embedding", "index": i, "embedding": vec})
        data.reverse()
        n_tok = sum(len(str(t)) for t in inputs) // 4
        self.send(200, {"object": "list", "data": data, "model": req["model"],
                        "usage": {"prompt_tokens": n_tok, "total_tokens": n_tok}})

    def do_POST(self):
        body = self.read_body()
        if self.path == "/_reset":
            with _lock:
                _requests.clear()
                _script.clear()
                _counters.clear()
            return self.send(200, {"ok": True})
        if self.path == "/_script":
            steps = json.loads(body or b"[]")
            with _lock:
                _script.extend(steps)
            return self.send(200, {"queued": len(steps)})
        if self.path == "/v1/embeddings":
            return self.embeddings(body)
        if self.path != "/v1/chat/completions":
            return self.send(404, {"error": {"message": "no route %s" % self.path}})
        hdrs = {k: self.headers.get(k) for k in RECORDED_HEADERS if self.headers.get(k)}
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        with _lock:
            _requests.append({"path": self.path, "headers": hdrs,
                              "body": req if req is not None else body.decode("utf-8", "replace")})
        if not isinstance(req, dict) or "model" not in req or not req.get("messages"):
            return self.send(400, {"error": {"message": "model and messages are required"}})
        model = req["model"]
        last_user = ""
        for m in req["messages"]:
            if m.get("role") == "user":
                last_user = m.get("content") or ""
        stream = bool(req.get("stream"))

        with _lock:
            step = _script.pop(0) if _script else None
        m = MARKER.search(last_user)
        name = m.group(1) if m else ""
        if step is not None:
            status = step.get("status", 200)
            content = step.get("content", "ok")
            extra = step.get("headers", {})
            delay = step.get("delay_ms", 0) / 1000.0
            err = step.get("error")
            if "raw" in step:
                time.sleep(delay)
                return self.send(status, step["raw"], step.get("content_type", "application/json"),
                                 extra)
            errbody = {"error": {"message": err or "scripted error"}} if status != 200 else None
        elif name == "auth":
            want = "Bearer " + self.server.api_key
            got = self.headers.get("Authorization") or ""
            if got != want:
                return self.send(401, {"error": {"message": "Incorrect API key provided: " + got}})
            status, content, extra, delay, errbody = 200, "authorized", {}, 0, None
        else:
            status, content, extra, delay, errbody = canned(name, last_user)
        if delay:
            time.sleep(delay)
        if status != 200:
            return self.send(status, errbody or {"error": {"message": "error"}}, extra=extra)
        if stream and name != "json-stream":
            return self.stream(model, content, cut=(name == "cut-stream"))
        n_prompt = sum(len(m.get("content") or "") for m in req["messages"]) // 4
        n_out = max(1, len(content) // 4)
        self.send(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": n_prompt, "completion_tokens": n_out,
                      "total_tokens": n_prompt + n_out},
        }, extra=extra)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile", required=True)
    ap.add_argument("--script")
    ap.add_argument("--api-key", default=os.environ.get("FAKE_OPENAI_KEY",
                                                        "sk-fake-0123456789abcdef"))
    ap.add_argument("--parent-pid", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    if args.script:
        with open(args.script) as f:
            _script.extend(json.load(f))
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.api_key = args.api_key
    srv.verbose = args.verbose
    fakeserve.serve(srv, args.portfile, args.parent_pid, args.max_seconds)

if __name__ == "__main__":
    main()
