# SPDX-License-Identifier: Apache-2.0
"""Scale-out test: two `workflowai serve` instances share one PostgreSQL
store and one Redis (queue and rate limits). Signed GitHub webhooks for
failed jobs (logs served by the fake provider) go to both instances from
several threads; one instance is killed with SIGKILL in the middle (the
load balancer sends its share to the other) and restarted. Then:
every acknowledged delivery is stored exactly once, every failed build is
triaged exactly once, both instances show the same results, nothing is
left in the queue, and a rate-limit bucket is shared by the two instances.

Needs WF_TEST_PG_URL and WF_TEST_REDIS_URL (the ctest fixtures set both);
exits 77 (skipped) without them."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wfserve import (Server, check, finish, github_headers, jwt_hs256, redis_cmd,  # noqa: E402
                     wait_for)

BIN, SRC = sys.argv[1], sys.argv[2]
PG = os.environ.get("WF_TEST_PG_URL", "")
REDIS = os.environ.get("WF_TEST_REDIS_URL", "")
TMP = tempfile.mkdtemp(prefix="wf-scaleout-")
N_THREADS, PER_THREAD = 6, 25          # 150 failed builds
FIRST_JOB = 1000                       # the fake provider makes up logs for 1000..1999
JWT_SECRET = "scaleout-jwt-secret-0123456789"
RATE_BURST = 20


def workflow_job(job_id):
    repo = "octo-org/widgets"
    return {
        "action": "completed",
        "workflow_job": {
            "id": job_id, "run_id": 50000 + job_id, "workflow_name": "CI",
            "head_branch": "main", "head_sha": "%040x" % job_id, "run_attempt": 1,
            "html_url": "https://github.com/%s/actions/runs/%d/job/%d" % (repo, job_id, job_id),
            "status": "completed", "conclusion": "failure",
            "created_at": "2026-11-20T09:58:00Z", "started_at": "2026-11-20T09:58:30Z",
            "completed_at": "2026-11-20T10:00:00Z", "name": "build", "steps": []},
        "repository": {"id": 1296269, "name": "widgets", "full_name": repo, "private": False,
                       "owner": {"login": "octo-org", "id": 1}},
        "sender": {"login": "octocat", "id": 1},
    }


def psql(sql):
    env = dict(os.environ, PGOPTIONS="-c search_path=%s" % SCHEMA)
    p = subprocess.run(["psql", PG, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError("psql: " + p.stderr)
    return [line.split("|") for line in p.stdout.splitlines() if line]


def jobs_done(log):
    """job_id -> number of "done" log lines for triage jobs."""
    n = {}
    for line in log.splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if j.get("msg") == "job" and j.get("kind") == "triage" and j.get("result") == "done":
            n[j["job_id"]] = n.get(j["job_id"], 0) + 1
    return n


def main():
    global SCHEMA
    if not PG or not REDIS:
        print("skipped: WF_TEST_PG_URL and WF_TEST_REDIS_URL are needed")
        sys.exit(77)
    SCHEMA = "scaleout_%d" % os.getpid()
    store = "%s?schema=%s" % (PG, SCHEMA)
    queue = REDIS + "/3"
    redis_cmd(queue, "FLUSHDB")

    fake_port_file = os.path.join(TMP, "fake.port")
    fake = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/tools/fake_provider.py"),
                             "--port", "0", "--portfile", fake_port_file,
                             "--github-token", "fake-gh-token"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fake_port = wait_for(lambda: os.path.exists(fake_port_file) and
                         open(fake_port_file).read().strip(), timeout=10)
    flags = ["--queue", queue, "--workers", "2", "--lease-ms", "3000",
             "--rate-limit", "0.01", "--rate-burst", str(RATE_BURST),
             "--jwt-secret", JWT_SECRET, "--log-level", "info",
             "--github-api", "http://127.0.0.1:%s" % fake_port, "--github-token", "fake-gh-token"]
    a = Server(BIN, TMP, *flags, store=store, name="a")
    b = Server(BIN, TMP, *flags, store=store, name="b")
    a.admin("tenant", "add", "acme", "--github-secret", "gh-secret")
    key = a.admin("key", "create", "--tenant", "acme", "--name", "limit")
    a.start()
    b.start()
    n_poll = [0]

    def auth():
        # a new JWT subject per call: polling never drains one bucket
        n_poll[0] += 1
        return {"Authorization": "Bearer " + jwt_hs256(JWT_SECRET, {
            "tenant": "acme", "sub": "poll-%d" % n_poll[0], "exp": int(time.time()) + 600})}

    for name, s in (("a", a), ("b", b)):
        r = s.request("GET", "/ready")
        check("instance %s ready on postgres + redis" % name,
              r.status == 200 and r.json()["store"] == "postgres" and
              r.json()["queue"] == "redis", r)

    # ---- load on both, one instance killed in the middle
    acked, lock = set(), threading.Lock()
    killed = threading.Event()
    to_b = [0]

    def send(job_id):
        body = json.dumps(workflow_job(job_id)).encode()
        h = github_headers("gh-secret", body, "workflow_job", "so-%d" % job_id)
        path = "/v1/webhooks/github?tenant=acme"
        # round robin; what B cannot take goes to A, as a load balancer retries
        order = (b, a) if job_id % 2 and not killed.is_set() else (a,)
        for s in order:
            try:
                r = s.request("POST", path, body, h, timeout=10)
            except Exception:
                continue
            if r.status in (200, 201) and r.json()["status"] in ("stored", "duplicate"):
                with lock:
                    acked.add(job_id)
                    to_b[0] += s is b
                return

    def sender(t):
        for k in range(PER_THREAD):
            send(FIRST_JOB + t * PER_THREAD + k)

    threads = [threading.Thread(target=sender, args=(t,)) for t in range(N_THREADS)]
    for t in threads:
        t.start()
    wait_for(lambda: len(acked) >= 50, timeout=60, step=0.01)
    b.stop(signal.SIGKILL)
    killed.set()
    n_at_kill = len(acked)
    for t in threads:
        t.join()
    check("the kill happened mid-load", 50 <= n_at_kill < N_THREADS * PER_THREAD,
          (n_at_kill, len(acked)))
    check("instance b took deliveries before it died", to_b[0] > 0, to_b[0])
    check("every delivery acknowledged (by a after b died)",
          len(acked) == N_THREADS * PER_THREAD, len(acked))
    b.start()  # rejoins: the same consumer group, the same store

    # ---- every triage job runs; jobs b held when it died are taken over
    def failures(s):
        r = s.request("GET", "/v1/failures?limit=500", headers=auth())
        return r.json()["items"] if r.status == 200 else None

    got = wait_for(lambda: len(failures(a) or []) >= len(acked) and failures(a), timeout=120,
                   step=0.5)
    check("every acknowledged failed build triaged", got and len(got) == len(acked),
          len(got or []))

    rows = psql("SELECT delivery, count(*) FROM deliveries GROUP BY delivery")
    stored = {d: int(n) for d, n in rows}
    missing = [i for i in acked if "so-%d" % i not in stored]
    check("every acknowledged delivery stored", not missing, missing[:10])
    check("no delivery stored twice", all(n == 1 for n in stored.values()),
          [d for d, n in stored.items() if n != 1][:10])
    rows = psql("SELECT b.external_id, count(f.id) FROM builds b LEFT JOIN failures f"
                " ON f.build_id = b.id GROUP BY b.external_id")
    per_build = {int(e): int(n) for e, n in rows}
    check("one failure per failed build",
          sorted(per_build) == sorted(acked) and all(n == 1 for n in per_build.values()),
          [(e, n) for e, n in per_build.items() if n != 1][:10])
    jobs = psql("SELECT state, count(*) FROM jobs GROUP BY state")
    check("every outbox row relayed", dict(jobs) == {"done": str(len(acked))}, jobs)

    # processed exactly once: no job id finished ("done") twice across both
    # instances' logs (the killed run's lines included); the jobs b lost
    # were taken over, not redone after they finished
    done = jobs_done(a.log())
    for k, v in jobs_done(b.log()).items():
        done[k] = done.get(k, 0) + v
    check("no triage job finished twice", all(v == 1 for v in done.values()),
          [(k, v) for k, v in done.items() if v != 1][:10])
    check("the jobs finished add up", len(acked) - 2 * 2 <= len(done) <= len(acked),
          (len(done), len(acked)))  # b's 2 workers may die between ack and log line
    took_over = [line for line in a.log().splitlines() + b.log().splitlines()
                 if '"msg":"job"' in line and re.search(r'"attempt":\s*2', line)]
    print("jobs taken over from the killed instance: %d" % len(took_over))

    # ---- the same answers from either instance
    fa, fb = failures(a), failures(b)
    key_of = lambda f: (f["build_id"], f["signature"], f["category"])  # noqa: E731
    check("failures identical on both instances",
          fa and fb and sorted(map(key_of, fa)) == sorted(map(key_of, fb)), (len(fa), len(fb)))
    sample = FIRST_JOB + 7
    ra = a.request("GET", "/v1/builds/%d?provider=github" % sample, headers=auth())
    rb = b.request("GET", "/v1/builds/%d?provider=github" % sample, headers=auth())
    check("a build identical on both instances", ra.status == 200 and ra.body == rb.body,
          (ra, rb))

    # ---- nothing left in the queue
    def depth(s):
        r = s.request("GET", "/metrics")
        m = dict(re.findall(r'workflowai_queue_depth\{state="(\w+)"\} (\d+)',
                            r.body.decode()))
        return m
    d = wait_for(lambda: (lambda m: m if m.get("ready") == "0" and m.get("leased") == "0"
                          else None)(depth(a)), timeout=30)
    check("queue empty, nothing dead", d and d.get("dead") == "0", depth(a))
    check("stream empty", redis_cmd(queue, "XLEN", "wf:jobs") == 0)

    # ---- one rate-limit bucket for both instances
    H = {"Authorization": "Bearer " + key}
    codes = [(a if i % 2 else b).request("GET", "/v1/whoami", headers=H).status
             for i in range(RATE_BURST + 10)]
    check("shared bucket: the burst across both instances, then 429",
          codes.count(200) == RATE_BURST and codes.count(429) == 10 and
          codes[:RATE_BURST] == [200] * RATE_BURST, codes)

    a.stop()
    b.stop()
    fake.kill()
    psql("DROP SCHEMA %s CASCADE" % SCHEMA)
    print("acknowledged: %d, at the kill: %d, via b: %d" % (len(acked), n_at_kill, to_b[0]))
    finish()


main()
