# SPDX-License-Identifier: Apache-2.0
"""Crash test: signed webhooks sent concurrently, the server killed with
SIGKILL in the middle, restarted on the same store. Every delivery that got
a 2xx must be stored exactly once: a redelivery is answered `duplicate` and
the store holds one delivery row and one event for it."""
import json
import os
import signal
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wfserve import Server, check, finish, generic_headers

BIN, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="wf-crash-")
N_THREADS, PER_THREAD = 8, 150


def body(i):
    return json.dumps({"type": "deployment", "id": "dep-%d" % i, "repo": "acme/api",
                       "sha": "%040x" % i, "status": "completed", "conclusion": "success",
                       "name": "production", "occurred_at": "2026-11-20T12:00:00Z"}).encode()


def main():
    s = Server(BIN, TMP, "--workers", "0", "--log-level", "warn")
    s.admin("tenant", "add", "acme", "--generic-secret", "gen-secret")
    s.start()
    acked, lock = set(), threading.Lock()
    started = threading.Event()

    def sender(t):
        for k in range(PER_THREAD):
            i = t * PER_THREAD + k
            b = body(i)
            try:
                r = s.request("POST", "/v1/webhooks/generic?tenant=acme", b,
                              generic_headers("gen-secret", b, "crash-%d" % i), timeout=10)
            except Exception:
                return  # the server is gone
            if r.status in (200, 201) and r.json() and r.json()["status"] == "stored":
                with lock:
                    acked.add(i)
                    if len(acked) >= 200:
                        started.set()

    threads = [threading.Thread(target=sender, args=(t,)) for t in range(N_THREADS)]
    for t in threads:
        t.start()
    started.wait(60)
    s.stop(signal.SIGKILL)
    for t in threads:
        t.join()
    n_acked = len(acked)
    check("some deliveries acknowledged before the kill", n_acked >= 200, n_acked)
    check("the kill happened mid-load", n_acked < N_THREADS * PER_THREAD, n_acked)

    # the store after the crash, before any redelivery
    db = sqlite3.connect(s.store.split(":", 1)[1])
    rows = db.execute("SELECT delivery, COUNT(*) FROM deliveries GROUP BY delivery").fetchall()
    stored = {int(d.split("-")[1]): n for d, n in rows if d.startswith("crash-")}
    missing = [i for i in acked if i not in stored]
    check("every acknowledged delivery is stored", not missing, missing[:10])
    check("no delivery stored twice", all(n == 1 for n in stored.values()))
    ev = db.execute("SELECT COUNT(*) FROM events e JOIN deliveries d ON e.delivery_id = d.id "
                    "WHERE d.delivery LIKE 'crash-%'").fetchone()[0]
    check("one event per stored delivery", ev == len(stored), (ev, len(stored)))
    db.close()

    s.start()
    dup = 0
    for i in sorted(acked):
        b = body(i)
        r = s.request("POST", "/v1/webhooks/generic?tenant=acme", b,
                      generic_headers("gen-secret", b, "crash-%d" % i))
        dup += r.status == 200 and r.json()["status"] == "duplicate"
    check("every acknowledged delivery is a duplicate after restart", dup == n_acked,
          (dup, n_acked))
    s.stop()
    print("acknowledged before kill: %d of %d" % (n_acked, N_THREADS * PER_THREAD))
    finish()


main()
