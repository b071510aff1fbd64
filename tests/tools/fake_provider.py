#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A fake GitHub + GitLab REST API for the provider tests (stdlib only).

Usage: fake_provider.py --port 0 --portfile F [--log-dir D]
                        [--github-token T] [--gitlab-token T] [--parent-pid P]
                        [--max-seconds S]
Binds 127.0.0.1, writes the bound port to F (atomically), exits when its
parent process goes away or after --max-seconds (default 300), and serves:

  GET  /repos/{o}/{r}/actions/jobs/{id}/logs        GitHub: Bearer token, then
       302 to http://localhost:<port>/blob/{id}?sig=... (another host: the
       client must not send the token there; /blob answers 400 if it does)
  GET  /api/v4/projects/{id or a%2Fb}/jobs/{id}/trace  GitLab: PRIVATE-TOKEN,
       plain text (a literal "/" in the project segment is a 404, as on GitLab)
  POST /repos/{o}/{r}/pulls/{n}/reviews             GitHub review, 422 on a
       bad shape ({"message": "Validation Failed", "errors": [...]})
  GET  /repos/{o}/{r}/pulls/{n}   the pull request's diff (Accept: application/vnd.github.diff)
                                   from pr-<n>.diff in --log-dir
  GET  /api/v4/projects/{id}/merge_requests/{iid}/diffs   the same diff as GitLab's JSON entries
  POST /api/v4/projects/{id}/merge_requests/{iid}/notes  GitLab note, 400
       {"error": "body is missing"} without a body
  GET  /_requests   JSON array of every request so far: method, path,
       headers (lowercase names, a fixed subset), body (text or null)
  POST /_reset      forgets the recorded requests

Tokens: --github-token / $FAKE_GITHUB_TOKEN (default "ghs_fakeGitHubToken123"),
--gitlab-token / $FAKE_GITLAB_TOKEN (default "glpat-fakeGitLabToken45").

Job ids (both providers):
  <id>.log in --log-dir       that file's bytes
  1000..1999                  generated: (id - 999) lines "job <id> line <i>\\n"
                              (i from 1), then "##[error]Process completed
                              with exit code 1.\\n"
  9000001  streams 64 MiB with no Content-Length (close-delimited)
  9000002  declares Content-Length: 67108864 and streams it
  9000003  sleeps 10 s before answering (timeout tests)
  9000004  HTTP 500 {"message": "Server Error"}
  9000005  HTTP 410 {"message": "Gone"}
  9000006  GitHub: 302 to http://127.0.0.1:<port>/same/9000006 (same origin:
           the token must come along; 401 without it), body "same-origin log\\n"
  9000007  GitHub: 302 to itself, forever
  9000008  HTTP 500 whose message echoes the token header it received
  9000009  GitLab: 302 to http://localhost:<port>/blob/4242?sig=... (object
           storage on another host: PRIVATE-TOKEN must not follow)
  anything else: 404 (GitHub {"message": "Not Found"}, GitLab
           {"message": "404 Not found"})
"""
import argparse
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import fakeserve  # tests/tools/fakeserve.py, beside this script

GITHUB_DOCS = "https://docs.github.com/rest"
RECORDED_HEADERS = ("authorization", "private-token", "accept", "x-github-api-version",
                    "user-agent", "content-type", "host")
HUGE_BYTES = 64 * 1024 * 1024

_lock = threading.Lock()
_requests = []


def gitlab_diffs(text):
    """A git diff as GitLab's GET .../merge_requests/:iid/diffs entries."""
    out = []
    for part in re.split(r"(?m)^(?=diff --git )", text):
        if not part.startswith("diff --git "):
            continue
        head, _, hunks = part.partition("\n@@")
        m = re.match(r"diff --git a/(\S+) b/(\S+)", head)
        out.append({"old_path": m.group(1), "new_path": m.group(2),
                    "a_mode": "100644", "b_mode": "100644",
                    "new_file": "new file mode" in head, "renamed_file": "rename from" in head,
                    "deleted_file": "deleted file mode" in head,
                    "diff": ("@@" + hunks) if hunks else ""})
    return out


def generated_log(job):
    lines = ["job %d line %d\n" % (job, i) for i in range(1, job - 999 + 1)]
    lines.append("##[error]Process completed with exit code 1.\n")
    return "".join(lines).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-provider/1"

    def log_message(self, fmt, *args):  # quiet unless asked
        if self.server.verbose:
            sys.stderr.write("fake_provider: " + (fmt % args) + "\n")

    def handle(self):
        # a client that aborts a transfer (cap, timeout, sink error) resets
        # the connection: not an error of the fake
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            self.close_connection = True

    # ---- helpers ---------------------------------------------------------
    def record(self, body):
        hdrs = {}
        for k in RECORDED_HEADERS:
            v = self.headers.get(k)
            if v is not None:
                hdrs[k] = v
        text = None
        if body is not None:
            text = body.decode("utf-8", "replace")
        with _lock:
            _requests.append({"method": self.command, "path": self.path,
                              "headers": hdrs, "body": text})

    def send(self, status, body, ctype="application/json; charset=utf-8", extra=None):
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

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def port(self):
        return self.server.server_address[1]

    def log_bytes(self, job):
        if self.server.log_dir:
            p = os.path.join(self.server.log_dir, "%d.log" % job)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    return f.read()
        if 1000 <= job <= 1999:
            return generated_log(job)
        return None

    def stream_huge(self, declare_length):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if declare_length:
            self.send_header("Content-Length", str(HUGE_BYTES))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        chunk = b"x" * 65535 + b"\n"
        try:
            for _ in range(HUGE_BYTES // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def serve_job(self, job, not_found):
        """Common job-log answers; returns True when it answered."""
        if job == 9000001 or job == 9000002:
            self.stream_huge(job == 9000002)
        elif job == 9000003:
            time.sleep(10)
            self.send(200, "late\n", "text/plain")
        elif job == 9000004:
            self.send(500, {"message": "Server Error"})
        elif job == 9000005:
            self.send(410, {"message": "Gone"})
        elif job == 9000008:
            echo = self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN") or ""
            self.send(500, {"message": "cannot use " + echo})
        else:
            data = self.log_bytes(job)
            if data is None:
                self.send(404, not_found)
            else:
                self.send(200, data, "text/plain; charset=utf-8")
        return True

    # ---- GitHub ------------------------------------------------------------
    def github_auth(self):
        if self.headers.get("Authorization") != "Bearer " + self.server.github_token:
            self.send(401, {"message": "Bad credentials", "documentation_url": GITHUB_DOCS})
            return False
        return True

    def github_logs(self, job):
        if not self.github_auth():
            return
        if job == 9000006:
            loc = "http://127.0.0.1:%d/same/%d" % (self.port(), job)
            self.send(302, b"", "text/plain", {"Location": loc})
        elif job == 9000007:
            self.send(302, b"", "text/plain", {"Location": self.path})
        elif job < 9000000 and self.log_bytes(job) is not None:
            loc = "http://localhost:%d/blob/%d?sig=s3cr3t-blob-signature" % (self.port(), job)
            self.send(302, b"", "text/plain", {"Location": loc})
        else:
            self.serve_job(job, {"message": "Not Found", "documentation_url": GITHUB_DOCS})

    def github_review(self, body):
        if not self.github_auth():
            return
        try:
            doc = json.loads(body)
        except ValueError:
            self.send(400, {"message": "Problems parsing JSON", "documentation_url": GITHUB_DOCS})
            return
        errors = []
        if not isinstance(doc, dict):
            errors.append("body must be an object")
            doc = {}
        event = doc.get("event")
        if event not in (None, "APPROVE", "REQUEST_CHANGES", "COMMENT"):
            errors.append("event is not one of APPROVE, REQUEST_CHANGES, COMMENT")
        if event in ("COMMENT", "REQUEST_CHANGES") and not isinstance(doc.get("body"), str):
            errors.append("body is required for " + event)
        comments = doc.get("comments", [])
        if not isinstance(comments, list):
            errors.append("comments must be an array")
            comments = []
        for i, c in enumerate(comments):
            if not isinstance(c, dict) or not isinstance(c.get("path"), str) or \
               not isinstance(c.get("body"), str) or \
               not (isinstance(c.get("line"), int) or isinstance(c.get("position"), int)) or \
               c.get("side", "RIGHT") not in ("LEFT", "RIGHT"):
                errors.append("comments[%d] needs path, body, line and side LEFT/RIGHT" % i)
        if errors:
            self.send(422, {"message": "Validation Failed",
                            "errors": errors, "documentation_url": GITHUB_DOCS})
            return
        self.send(200, {"id": len(_requests), "body": doc.get("body"),
                        "state": "COMMENTED" if event == "COMMENT" else "PENDING"})

    # ---- GitLab ------------------------------------------------------------
    def gitlab_auth(self):
        if self.headers.get("PRIVATE-TOKEN") != self.server.gitlab_token:
            self.send(401, {"message": "401 Unauthorized"})
            return False
        return True

    def gitlab_note(self, body):
        if not self.gitlab_auth():
            return
        try:
            doc = json.loads(body)
        except ValueError:
            self.send(400, {"error": "400 Bad request - invalid JSON"})
            return
        if not isinstance(doc, dict) or not isinstance(doc.get("body"), str) or not doc["body"]:
            self.send(400, {"error": "body is missing"})
            return
        self.send(201, {"id": len(_requests), "body": doc["body"], "system": False})

    def pr_diff(self, number):
        """pr-<number>.diff from --log-dir, or None."""
        if not self.server.log_dir:
            return None
        p = os.path.join(self.server.log_dir, "pr-%d.diff" % number)
        try:
            with open(p, "rb") as f:
                return f.read()
        except OSError:
            return None

    # ---- dispatch ------------------------------------------------------------
    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/_requests":
            with _lock:
                data = json.dumps(_requests).encode()
            self.send(200, data)
            return
        self.record(None)
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/actions/jobs/(\d+)/logs", path)
        if m:
            self.github_logs(int(m.group(3)))
            return
        m = re.fullmatch(r"/api/v4/projects/([^/]+)/jobs/(\d+)/trace", path)
        if m:
            if not self.gitlab_auth():
                return
            if int(m.group(2)) == 9000009:
                loc = "http://localhost:%d/blob/4242?sig=s3cr3t-blob-signature" % self.port()
                self.send(302, b"", "text/plain", {"Location": loc})
            else:
                self.serve_job(int(m.group(2)), {"message": "404 Not found"})
            return
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/pulls/(\d+)", path)
        if m:
            # GitHub answers the raw diff for Accept: application/vnd.github.diff
            if not self.github_auth():
                return
            data = self.pr_diff(int(m.group(3)))
            if data is None:
                self.send(404, {"message": "Not Found", "documentation_url": GITHUB_DOCS})
            elif "application/vnd.github.diff" not in (self.headers.get("Accept") or ""):
                self.send(200, {"number": int(m.group(3)), "state": "open"})
            else:
                self.send(200, data, "text/plain; charset=utf-8")
            return
        m = re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/diffs", path)
        if m:
            if not self.gitlab_auth():
                return
            data = self.pr_diff(int(m.group(2)))
            if data is None:
                self.send(404, {"message": "404 Not found"})
            else:
                self.send(200, gitlab_diffs(data.decode("utf-8", "replace")))
            return
        m = re.fullmatch(r"/blob/(\d+)", path)
        if m:
            if self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN"):
                self.send(400, "<Error><Code>InvalidAuthenticationInfo</Code></Error>",
                          "application/xml")
                return
            if "sig=s3cr3t-blob-signature" not in self.path:
                self.send(403, "<Error><Code>AuthenticationFailed</Code></Error>",
                          "application/xml")
                return
            data = self.log_bytes(int(m.group(1)))
            if data is None:
                self.send(404, "<Error><Code>BlobNotFound</Code></Error>", "application/xml")
            else:
                self.send(200, data, "text/plain")
            return
        m = re.fullmatch(r"/same/(\d+)", path)
        if m:
            if self.github_auth():
                self.send(200, "same-origin log\n", "text/plain")
            return
        self.send(404, {"message": "Not Found", "documentation_url": GITHUB_DOCS})

    def do_POST(self):
        body = self.read_body()
        path = urlsplit(self.path).path
        if path == "/_reset":
            with _lock:
                _requests.clear()
            self.send(200, {"ok": True})
            return
        self.record(body)
        if re.fullmatch(r"/repos/([^/]+)/([^/]+)/pulls/(\d+)/reviews", path):
            self.github_review(body)
        elif re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes", path):
            self.gitlab_note(body)
        else:
            self.send(404, {"message": "Not Found", "documentation_url": GITHUB_DOCS})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile", required=True)
    ap.add_argument("--log-dir")
    ap.add_argument("--github-token",
                    default=os.environ.get("FAKE_GITHUB_TOKEN", "ghs_fakeGitHubToken123"))
    ap.add_argument("--gitlab-token",
                    default=os.environ.get("FAKE_GITLAB_TOKEN", "glpat-fakeGitLabToken45"))
    ap.add_argument("--parent-pid", type=int, default=0,
                    help="exit when this process is no longer the parent "
                         "(default: the parent at start-up)")
    ap.add_argument("--max-seconds", type=float, default=300,
                    help="exit after this long (default 300)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.log_dir = args.log_dir
    srv.github_token = args.github_token
    srv.gitlab_token = args.gitlab_token
    srv.verbose = args.verbose
    fakeserve.serve(srv, args.portfile, args.parent_pid, args.max_seconds)

if __name__ == "__main__":
    main()
