# SPDX-License-Identifier: Apache-2.0
"""Helpers for the end-to-end tests of `workflowai serve`: start the real
binary on an ephemeral loopback port with a temp store, sign webhooks the
way GitHub, GitLab and generic senders do, and make raw HTTP requests."""
import gzip
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

FAILS = []


def check(name, cond, detail=""):
    if cond:
        print("ok   " + name)
    else:
        print("FAIL " + name + (": " + str(detail)[:600] if detail else ""))
        FAILS.append(name)


def finish():
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


def run(binary, *args, env=None, check_rc=True):
    p = subprocess.run([binary, *args], capture_output=True, text=True, env=env)
    if check_rc and p.returncode != 0:
        raise RuntimeError("%s %s: exit %d: %s" % (binary, " ".join(args), p.returncode, p.stderr))
    return p


class Server:
    def __init__(self, binary, tmp, *extra, store=None, name="srv"):
        self.binary = binary
        self.tmp = tmp
        self.store = store or "sqlite:" + os.path.join(tmp, name + ".db")
        self.portfile = os.path.join(tmp, name + ".port")
        self.logpath = os.path.join(tmp, name + ".log")
        self.extra = list(extra)
        self.proc = None
        self.port = None

    def admin(self, *args):
        return run(self.binary, *args, "--store", self.store).stdout.strip()

    def start(self, timeout=20):
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        self.logf = open(self.logpath, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:0", "--port-file", self.portfile,
             "--store", self.store, *self.extra],
            stdout=self.logf, stderr=self.logf)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited %d: %s" % (self.proc.returncode, self.log()))
            try:
                with open(self.portfile) as f:
                    txt = f.read().strip()
                if txt:
                    self.port = int(txt)
                    return self
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.log())

    def log(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if not self.proc:
            return None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.logf.close()
        return rc

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if isinstance(body, str):
            body = body.encode()
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return Resp(r.status, dict((k.lower(), v) for k, v in r.getheaders()), data)

    def raw(self, data, timeout=5, shutdown=False):
        """Sends raw bytes, returns everything the server answered."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.sendall(data)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        except socket.timeout:
            pass
        s.close()
        return out


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.body[:400])


def github_headers(secret, body, event, delivery):
    sig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": "sha256=" + sig,
            "User-Agent": "GitHub-Hookshot/test"}


def gitlab_headers(token, event, uuid):
    return {"Content-Type": "application/json", "X-Gitlab-Event": event,
            "X-Gitlab-Token": token, "X-Gitlab-Event-UUID": uuid}


def generic_headers(secret, body, delivery):
    sig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-WorkflowAI-Signature": "sha256=" + sig,
            "X-WorkflowAI-Delivery": delivery}


def gz(data):
    return gzip.compress(data if isinstance(data, bytes) else data.encode())


def wait_for(fn, timeout=20, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


def jwt_hs256(secret, claims):
    """A compact HS256 JWT (what `workflowai token` signs)."""
    import base64

    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), (head + "." + body).encode(), hashlib.sha256).digest()
    return head + "." + body + "." + b64(sig)


def redis_cmd(url, *args, timeout=5):
    """One command to the Redis at url (redis://host:port[/db]) over RESP;
    returns the decoded reply (bytes, int, list, None) or raises on an error."""
    rest = url[len("redis://"):]
    hostport, _, db = rest.partition("/")
    host, _, port = hostport.rpartition(":")
    s = socket.create_connection((host, int(port)), timeout=timeout)
    f = s.makefile("rb")

    def send(*a):
        out = b"*%d\r\n" % len(a)
        for x in a:
            x = x if isinstance(x, bytes) else str(x).encode()
            out += b"$%d\r\n%s\r\n" % (len(x), x)
        s.sendall(out)
        return read()

    def read():
        line = f.readline().rstrip(b"\r\n")
        t, v = line[:1], line[1:]
        if t == b"+":
            return v
        if t == b"-":
            raise RuntimeError("redis: " + v.decode())
        if t == b":":
            return int(v)
        if t == b"$":
            n = int(v)
            if n < 0:
                return None
            data = f.read(n + 2)[:-2]
            return data
        if t == b"*":
            n = int(v)
            return None if n < 0 else [read() for _ in range(n)]
        raise RuntimeError("redis: bad reply %r" % line)
    try:
        if db:
            send("SELECT", db)
        return send(*args)
    finally:
        f.close()
        s.close()
