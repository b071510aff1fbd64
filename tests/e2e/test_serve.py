# SPDX-License-Identifier: Apache-2.0
"""End-to-end: a real `workflowai serve` over HTTP. Probes, auth (API keys,
JWTs), tenant isolation, rate limits, GitHub/GitLab/generic webhooks with
real payload shapes (bad signatures, replays, truncated/oversized bodies,
malformed JSON, wrong content types), out-of-order job events, log upload
(raw and gzip) -> worker triage -> failures and signatures, log download
from a local server that speaks GitHub's API, ad-hoc triage, redaction of
stored data and server logs, graceful shutdown."""
import glob
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wfserve import (Server, check, finish, github_headers, gitlab_headers, generic_headers,
                     gz, run, wait_for)

BIN, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="wf-serve-")
SECRET_TOKEN = "ghp_R8mZ2vK9qL4xT7wN1pB6cD3fG5hJ0sA2eY4u"
JWT_SECRET = "jwt-test-secret-0123456789"


def workflow_job(job_id, status, conclusion, run_id=9000, repo="octo-org/widgets",
                 branch="main", name="build", updated="2026-11-20T10:00:00Z"):
    return {
        "action": status if status != "queued" else "queued",
        "workflow_job": {
            "id": job_id, "run_id": run_id, "workflow_name": "CI", "head_branch": branch,
            "run_url": "https://api.github.com/repos/%s/actions/runs/%d" % (repo, run_id),
            "run_attempt": 1, "node_id": "CR_kwDOA", "head_sha": "f" * 40,
            "url": "https://api.github.com/repos/%s/actions/jobs/%d" % (repo, job_id),
            "html_url": "https://github.com/%s/actions/runs/%d/job/%d" % (repo, run_id, job_id),
            "status": status, "conclusion": conclusion,
            "created_at": "2026-11-20T09:58:00Z", "started_at": "2026-11-20T09:58:30Z",
            "completed_at": updated if status == "completed" else None,
            "name": name, "steps": [
                {"name": "Set up job", "status": "completed", "conclusion": "success",
                 "number": 1, "started_at": "2026-11-20T09:58:31Z",
                 "completed_at": "2026-11-20T09:58:32Z"},
                {"name": "Run tests", "status": status,
                 "conclusion": conclusion if status == "completed" else None,
                 "number": 2, "started_at": "2026-11-20T09:58:33Z",
                 "completed_at": updated if status == "completed" else None}],
            "check_run_url": "https://api.github.com/repos/%s/check-runs/%d" % (repo, job_id),
            "labels": ["ubuntu-latest"], "runner_id": 1, "runner_name": "GitHub Actions 1",
            "runner_group_id": 1, "runner_group_name": "GitHub Actions"},
        "repository": {"id": 1296269, "name": repo.split("/")[1], "full_name": repo,
                       "private": False, "owner": {"login": repo.split("/")[0], "id": 1}},
        "sender": {"login": "octocat", "id": 1},
    }


def main():
    sample = open(os.path.join(SRC, "samples/maven-test-failure.log"), "rb").read()
    # a secret planted in the log must never reach storage, responses or logs
    planted = sample + ("\n[INFO] using token %s for the registry\n" % SECRET_TOKEN).encode()

    # fake GitHub API for log downloads
    fake_dir = os.path.join(TMP, "fake")
    os.makedirs(fake_dir)
    with open(os.path.join(fake_dir, "7001.log"), "wb") as f:
        f.write(planted)
    with open(os.path.join(fake_dir, "pr-5.diff"), "w") as f:
        f.write("diff --git a/src/net.c b/src/net.c\n--- a/src/net.c\n+++ b/src/net.c\n"
                "@@ -1,2 +1,4 @@\n int f(char *u) {\n+    char b[8];\n+    strcpy(b, u);\n"
                "     return 0;\n")
    fake_port_file = os.path.join(TMP, "fake.port")
    fake = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/tools/fake_provider.py"),
                             "--port", "0", "--portfile", fake_port_file, "--log-dir", fake_dir,
                             "--github-token", "fake-gh-token"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fake_port = wait_for(lambda: os.path.exists(fake_port_file) and
                         open(fake_port_file).read().strip(), timeout=10)

    # fake OpenAI-compatible model: its one scripted answer comments on the
    # added line 2 of the PR's src/net.c (line 3 is the strcpy the rules find)
    script = os.path.join(TMP, "llm-script.json")
    with open(script, "w") as f:
        json.dump([{"content": json.dumps([{"path": "src/net.c", "line": 2, "severity": "warning",
                                            "message": "an 8-byte buffer for a URL is too small"},
                                           {"path": "src/net.c", "line": 1, "severity": "error",
                                            "message": "a context line: must be dropped"}])}], f)
    llm_port_file = os.path.join(TMP, "llm.port")
    llm = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/tools/fake_openai.py"),
                            "--port", "0", "--portfile", llm_port_file, "--script", script],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    llm_port = wait_for(lambda: os.path.exists(llm_port_file) and
                        open(llm_port_file).read().strip(), timeout=10)

    s = Server(BIN, TMP, "--workers", "2", "--jwt-secret", JWT_SECRET, "--rate-limit", "1000",
               "--llm-url", "http://127.0.0.1:%s/v1" % llm_port, "--llm-model", "fake-model",
               "--github-api", "http://127.0.0.1:%s" % fake_port, "--github-token",
               "fake-gh-token", "--log-level", "info")
    s.admin("tenant", "add", "acme", "--github-secret", "gh-secret", "--gitlab-token",
            "gl-token", "--generic-secret", "gen-secret")
    s.admin("tenant", "add", "other", "--github-secret", "other-secret")
    key_a = s.admin("key", "create", "--tenant", "acme", "--name", "ci")
    key_b = s.admin("key", "create", "--tenant", "other")
    check("key shape", key_a.startswith("wfk_") and key_a != key_b, key_a)
    db_path = s.store.split(":", 1)[1]
    check("key not stored in clear", key_a.encode() not in open(db_path, "rb").read())
    s.start()
    A = {"Authorization": "Bearer " + key_a}
    B = {"Authorization": "Bearer " + key_b}

    # ---- probes and metrics
    r = s.request("GET", "/health")
    check("health 200", r.status == 200 and r.json() == {"status": "ok"}, r)
    check("request id echoed", len(r.headers.get("x-request-id", "")) > 0, r.headers)
    r = s.request("GET", "/health", headers={"X-Request-Id": "trace-abc.123"})
    check("client request id kept", r.headers.get("x-request-id") == "trace-abc.123", r.headers)
    check("live 200", s.request("GET", "/live").status == 200)
    r = s.request("GET", "/ready")
    check("ready 200", r.status == 200 and r.json()["store"] == "sqlite", r)

    # ---- errors have one shape
    r = s.request("GET", "/v1/nope", headers=A)
    check("404 error shape", r.status == 404 and r.json()["error"]["code"] and
          r.json()["error"]["message"], r)
    r = s.request("DELETE", "/health")
    check("405 with Allow", r.status == 405 and "GET" in r.headers.get("allow", ""), r)

    # ---- auth
    r = s.request("GET", "/v1/failures")
    check("no token 401", r.status == 401 and r.json()["error"]["code"] == "unauthorized", r)
    check("401 has WWW-Authenticate", "bearer" in r.headers.get("www-authenticate", "").lower())
    r = s.request("GET", "/v1/failures", headers={"Authorization": "Bearer wfk_" + "x" * 52})
    check("unknown key 401", r.status == 401, r)
    r = s.request("GET", "/v1/whoami", headers=A)
    check("key auth -> tenant", r.status == 200 and r.json()["tenant"] == "acme", r)
    tok = run(BIN, "token", "--tenant", "other", "--sub", "alice", "--secret",
              JWT_SECRET).stdout.strip()
    r = s.request("GET", "/v1/whoami", headers={"Authorization": "Bearer " + tok})
    check("jwt auth -> tenant", r.status == 200 and r.json()["tenant"] == "other", r)
    bad = run(BIN, "token", "--tenant", "acme", "--secret", "wrong-secret").stdout.strip()
    r = s.request("GET", "/v1/whoami", headers={"Authorization": "Bearer " + bad})
    check("jwt wrong secret 401", r.status == 401, r)
    hdr, pay, _ = tok.split(".")
    none_tok = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + pay + "."
    r = s.request("GET", "/v1/whoami", headers={"Authorization": "Bearer " + none_tok})
    check("jwt alg none 401", r.status == 401, r)
    # expiry, nbf and leeway are checked in tests/unit/server/test_server_auth.c

    # ---- GitHub webhooks
    def gh(body_obj, event, delivery, secret="gh-secret", tenant="acme", raw=None):
        body = raw if raw is not None else json.dumps(body_obj).encode()
        return s.request("POST", "/v1/webhooks/github?tenant=" + tenant, body,
                         github_headers(secret, body, event, delivery))

    job = workflow_job(7001, "in_progress", None)
    r = gh(job, "workflow_job", "d-1")
    check("github in_progress stored", r.status in (200, 201) and r.json()["status"] == "stored", r)
    r = gh(workflow_job(7001, "completed", "failure"), "workflow_job", "d-2")
    check("github completed stored", r.status in (200, 201) and r.json()["status"] == "stored", r)
    check("failed job enqueued", r.json().get("enqueued") == 1, r)
    r = gh(workflow_job(7001, "completed", "failure"), "workflow_job", "d-2")
    check("replay is duplicate", r.status == 200 and r.json()["status"] == "duplicate", r)
    r = gh(workflow_job(7001, "in_progress", None, updated="2026-11-20T10:05:00Z"),
           "workflow_job", "d-3")
    check("late in_progress accepted", r.status in (200, 201), r)
    r = s.request("GET", "/v1/builds/7001?provider=github", headers=A)
    check("late in_progress does not overwrite completed",
          r.status == 200 and r.json()["status"] == "completed" and
          r.json()["conclusion"] == "failure", r)
    r = s.request("GET", "/v1/builds/7001?provider=github", headers=B)
    check("other tenant cannot read the build", r.status == 404, r)

    body = json.dumps(workflow_job(7002, "completed", "failure")).encode()
    h = github_headers("gh-secret", body, "workflow_job", "d-bad")
    h["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    r = s.request("POST", "/v1/webhooks/github?tenant=acme", body, h)
    check("bad signature 401", r.status == 401 and r.json()["error"]["code"] == "bad_signature", r)
    h = github_headers("gh-secret", body, "workflow_job", "d-sha1")
    del h["X-Hub-Signature-256"]
    h["X-Hub-Signature"] = "sha1=" + "0" * 40
    r = s.request("POST", "/v1/webhooks/github?tenant=acme", body, h)
    check("sha1-only refused", r.status == 401 and "256" in r.json()["error"]["message"], r)
    r = gh(None, "workflow_job", "d-x", secret="other-secret")
    check("other tenant's secret refused", r.status == 401, r)
    r = gh(None, "workflow_job", "d-unk", tenant="ghost")
    check("unknown tenant looks like bad signature", r.status == 401, r)
    h = github_headers("gh-secret", body, "workflow_job", "d-ct")
    h["Content-Type"] = "application/x-www-form-urlencoded"
    r = s.request("POST", "/v1/webhooks/github?tenant=acme", body, h)
    check("form content type 415", r.status == 415, r)
    r = gh(None, "workflow_job", "d-mal", raw=b'{"action": "completed", "workflow_job": ')
    check("malformed JSON 400", r.status == 400 and r.json()["error"]["code"] == "bad_payload", r)
    h = github_headers("gh-secret", body, "workflow_job", "")
    del h["X-GitHub-Delivery"]
    r = s.request("POST", "/v1/webhooks/github?tenant=acme", body, h)
    check("missing delivery id 400", r.status == 400, r)
    r = gh({"zen": "Keep it logically awesome.", "hook_id": 1}, "ping", "d-ping")
    check("ping ignored 202", r.status == 202 and r.json()["status"] == "ignored", r)
    # truncated body: Content-Length says more than is sent, then the client goes away
    hdrs = github_headers("gh-secret", body, "workflow_job", "d-trunc")
    req = ("POST /v1/webhooks/github?tenant=acme HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
           % len(body)) + "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
    s.raw(req.encode() + body[: len(body) // 2], timeout=1, shutdown=True)
    r = gh(json.loads(body), "workflow_job", "d-trunc")
    check("truncated delivery was not stored", r.json() and r.json()["status"] == "stored", r)
    # oversized: refused from the Content-Length alone
    big = ("POST /v1/webhooks/github?tenant=acme HTTP/1.1\r\nHost: x\r\nContent-Type: "
           "application/json\r\nContent-Length: %d\r\n\r\n" % (30 * 1024 * 1024))
    out = s.raw(big.encode(), timeout=3)
    check("oversized webhook 413", out.startswith(b"HTTP/1.1 413"), out[:200])

    # every shipped payload sample is accepted
    for path in sorted(glob.glob(os.path.join(SRC, "tests/data/webhooks/github/*.json"))):
        name = os.path.basename(path)
        event = name.split(".")[0]
        raw = open(path, "rb").read()
        r = gh(None, event, "sample-" + name, raw=raw)
        check("github sample %s accepted" % name, r.status in (200, 201, 202), r)

    # ---- GitLab and generic
    for path in sorted(glob.glob(os.path.join(SRC, "tests/data/webhooks/gitlab/*.json"))):
        raw = open(path, "rb").read()
        obj = json.loads(raw)
        kind = obj.get("object_kind", "")
        event = {"pipeline": "Pipeline Hook", "build": "Job Hook", "merge_request":
                 "Merge Request Hook", "push": "Push Hook", "deployment": "Deployment Hook",
                 "issue": "Issue Hook", "tag_push": "Tag Push Hook"}.get(kind, "Push Hook")
        r = s.request("POST", "/v1/webhooks/gitlab?tenant=acme", raw,
                      gitlab_headers("gl-token", event, "gl-" + os.path.basename(path)))
        check("gitlab sample %s accepted" % os.path.basename(path), r.status in (200, 201, 202), r)
    r = s.request("POST", "/v1/webhooks/gitlab?tenant=acme", b"{}",
                  gitlab_headers("wrong", "Push Hook", "gl-x"))
    check("gitlab wrong token 401", r.status == 401, r)
    gen = json.dumps({"type": "deployment", "id": "dep-1", "repo": "acme/api", "sha": "a" * 40,
                      "status": "completed", "conclusion": "success", "name": "production",
                      "occurred_at": "2026-11-20T12:00:00Z"}).encode()
    r = s.request("POST", "/v1/webhooks/generic?tenant=acme", gen,
                  generic_headers("gen-secret", gen, "gen-1"))
    check("generic stored", r.status in (200, 201) and r.json()["status"] == "stored", r)
    r = s.request("POST", "/v1/webhooks/generic?tenant=acme", gen,
                  generic_headers("gen-secret", gen, "gen-1"))
    check("generic replay duplicate", r.json() and r.json()["status"] == "duplicate", r)
    # a secret pasted into a payload (here a job name) is redacted before it is stored
    leak = json.dumps({"type": "job", "id": "leak-1", "repo": "acme/api", "status": "completed",
                       "conclusion": "success", "name": "deploy with " + SECRET_TOKEN}).encode()
    r = s.request("POST", "/v1/webhooks/generic?tenant=acme", leak,
                  generic_headers("gen-secret", leak, "gen-leak"))
    check("payload with a secret stored", r.status == 201, r)
    r = s.request("GET", "/v1/builds/leak-1?provider=generic", headers=A)
    check("stored build name redacted", r.status == 200 and SECRET_TOKEN not in r.json()["name"]
          and "[REDACTED:" in r.json()["name"], r)

    # ---- the failed job 7001 is triaged from the log the fake GitHub serves
    def failures(hdrs, q=""):
        r = s.request("GET", "/v1/failures" + q, headers=hdrs)
        return r.json()["items"] if r.status == 200 else None

    items = wait_for(lambda: [i for i in (failures(A) or []) if i.get("repo") == "octo-org/widgets"])
    check("failed job triaged from the downloaded log", bool(items), failures(A))
    fake_reqs = json.loads(subprocess.run(
        ["curl", "-s", "http://127.0.0.1:%s/_requests" % fake_port],
        capture_output=True, text=True).stdout or "[]")
    check("log fetched through the GitHub API route",
          any("/actions/jobs/7001/logs" in q.get("path", "") for q in fake_reqs), fake_reqs)

    # ---- log upload: raw then gzip, same failure twice -> one signature seen twice
    r = s.request("POST", "/v1/builds/ci-100/log?repo=acme/api&branch=main", planted,
                  {"Content-Type": "text/plain", **A})
    check("log upload 202", r.status == 202 and r.json()["status"] == "queued", r)
    r = s.request("POST", "/v1/builds/ci-101/log?repo=acme/api&branch=dev", gz(planted),
                  {"Content-Type": "text/plain", "Content-Encoding": "gzip", **A})
    check("gzip log upload 202", r.status == 202, r)
    r = s.request("POST", "/v1/builds/ci-102/log", b"\x1f\x8b\x08\x00garbage",
                  {"Content-Encoding": "gzip", **A})
    check("broken gzip 400", r.status == 400, r)
    r = s.request("POST", "/v1/builds/ci-103/log", gz(planted)[:100],
                  {"Content-Encoding": "gzip", **A})
    check("truncated gzip 400", r.status == 400, r)
    r = s.request("POST", "/v1/builds/bad%20id/log", planted, A)
    check("bad build id 400", r.status == 400, r)
    got = wait_for(lambda: len([i for i in (failures(A, "?repo=acme/api") or [])]) >= 2 and
                   failures(A, "?repo=acme/api"))
    check("both uploads triaged", got and len(got) == 2, got)
    if got:
        f = got[0]
        check("failure has category/signature", f["category"] and len(f["signature"]) == 16, f)
        r = s.request("GET", "/v1/failures/%d" % f["id"], headers=A)
        check("failure detail", r.status == 200 and r.json()["report"]["category"] ==
              f["category"], r)
        check("planted secret redacted in the report", SECRET_TOKEN.encode() not in r.body, r)
        r = s.request("GET", "/v1/failures/%d" % f["id"], headers=B)
        check("other tenant: failure 404", r.status == 404, r)
        sigs = s.request("GET", "/v1/signatures", headers=A).json()["items"]
        mine = [x for x in sigs if x["signature"] == f["signature"]]
        check("signature counted across builds", mine and mine[0]["count"] >= 2, sigs)
        check("signature lists branches", mine and set(["main", "dev"]) <= set(mine[0]["branches"]),
              mine)
        r = s.request("GET", "/v1/failures?branch=dev", headers=A)
        check("filter by branch", r.status == 200 and all(i["branch"] == "dev"
                                                          for i in r.json()["items"]), r)
        r = s.request("GET", "/v1/failures?limit=1", headers=A)
        nxt = r.json().get("next")
        r2 = s.request("GET", "/v1/failures?limit=1&cursor=%s" % nxt, headers=A)
        check("pagination", nxt and r2.status == 200 and r2.json()["items"][0]["id"] <
              r.json()["items"][0]["id"], (r, r2))
    check("other tenant sees no failures", failures(B) == [], failures(B))
    r = s.request("GET", "/v1/signatures", headers=B)
    check("other tenant sees no signatures", r.status == 200 and r.json()["items"] == [], r)
    r = s.request("GET", "/v1/failures?limit=100000", headers=A)
    check("limit out of range 400", r.status == 400, r)
    r = s.request("GET", "/v1/failures?since=yesterday", headers=A)
    check("bad since 400", r.status == 400, r)

    # ---- ad-hoc triage
    r = s.request("POST", "/v1/triage", planted, {"Content-Type": "text/plain", **A})
    check("ad-hoc triage", r.status == 200 and r.json()["category"], r)
    check("ad-hoc triage redacts", SECRET_TOKEN.encode() not in r.body)
    r = s.request("POST", "/v1/triage?format=text", planted, A)
    check("ad-hoc triage text", r.status == 200 and b"Category" in r.body or b"category" in r.body, r)

    # ---- a pull request webhook: the diff is fetched, reviewed, stored and posted
    pr_body = json.dumps({
        "action": "opened", "number": 5,
        "pull_request": {"id": 555, "number": 5, "title": "copy the url", "state": "open",
                         "html_url": "https://github.com/octo-org/widgets/pull/5",
                         "merged": False, "draft": False, "user": {"login": "octocat"},
                         "head": {"ref": "feature", "sha": "c0ffee" + "0" * 34},
                         "base": {"ref": "main", "sha": "b" * 40},
                         "created_at": "2026-11-20T10:00:00Z",
                         "updated_at": "2026-11-20T10:00:00Z"},
        "repository": {"id": 1, "name": "widgets", "full_name": "octo-org/widgets",
                       "owner": {"login": "octo-org"}},
        "sender": {"login": "octocat"}}).encode()
    r = s.request("POST", "/v1/webhooks/github?tenant=acme", pr_body,
                  github_headers("gh-secret", pr_body, "pull_request", "d-pr-5"))
    check("pull_request stored, review enqueued", r.status == 201 and r.json()["enqueued"] == 1, r)
    reviews = wait_for(lambda: s.request("GET", "/v1/reviews?repo=octo-org/widgets&number=5",
                                         headers=A).json()["items"])
    check("PR reviewed and stored", bool(reviews) and reviews[0]["findings"] >= 1 and
          reviews[0]["sha"].startswith("c0ffee"), reviews)
    if reviews:
        check("stored review names the strcpy line",
              "c-dangerous-call" in json.dumps(reviews[0]["report"]["review"]), reviews[0]["report"])
        check("stored review carries the change risk", 0 <= reviews[0]["score"] <= 100 and
              reviews[0]["report"]["risk"]["score"] == reviews[0]["score"], reviews[0])
        check("review posted to the provider", reviews[0]["posted"] is True, reviews[0])
        risk_metrics = reviews[0]["report"]["risk"].get("metrics", {})
        check("stored review keeps the change metrics the model read",
              len(risk_metrics) == 14 and risk_metrics.get("nf", 0) >= 1, risk_metrics)
        check("stored review names the embedded risk model",
              reviews[0]["report"].get("model_version", "").startswith("bundled-"),
              reviews[0]["report"].get("model_version"))
    fake_reqs = json.loads(subprocess.run(
        ["curl", "-s", "http://127.0.0.1:%s/_requests" % fake_port],
        capture_output=True, text=True).stdout or "[]")
    posted = [q for q in fake_reqs if q["method"] == "POST" and
              q["path"] == "/repos/octo-org/widgets/pulls/5/reviews"]
    check("GitHub review API called once", len(posted) == 1, posted)
    if posted:
        doc = json.loads(posted[0]["body"])
        check("inline comment on the added strcpy line",
              any(cm["path"] == "src/net.c" and cm["line"] == 3 and "c-dangerous-call" in cm["body"]
                  for cm in doc["comments"]), doc)
        check("the model's comment on an added line is posted",
              any(cm["line"] == 2 and "too small" in cm["body"] for cm in doc["comments"]), doc)
        check("the model's comment on a context line is dropped",
              not any(cm["line"] == 1 for cm in doc["comments"]), doc)
    r = s.request("GET", "/v1/reviews?repo=octo-org/widgets", headers=B)
    check("other tenant sees no reviews", r.status == 200 and r.json()["items"] == [], r)

    # ---- change risk of a diff over HTTP
    big = "".join("diff --git a/svc%d/f.c b/svc%d/f.c\n--- a/svc%d/f.c\n+++ b/svc%d/f.c\n"
                  "@@ -1,1 +1,%d @@\n ctx\n%s" % (i, i, i, i, 41, "+x = 1;\n" * 40)
                  for i in range(12))
    small = ("diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n"
             "@@ -1 +1,2 @@\n title\n+one line\n")
    rb = s.request("POST", "/v1/risk", big.encode(), A)
    rs = s.request("POST", "/v1/risk?message=fix%20typo", small.encode(), A)
    check("risk of a diff", rb.status == 200 and rs.status == 200 and
          set(["score", "factors", "recommendations"]) <= set(rb.json()), (rb, rs))
    if rb.status == 200 and rs.status == 200:
        check("a 12-file 480-line change scores above a one-line fix",
              rb.json()["score"] > rs.json()["score"], (rb.json()["score"], rs.json()["score"]))
        check("risk factors name what drives the score",
              rb.json()["factors"] and rb.json()["factors"][0]["text"], rb.json()["factors"])
        check("history is said to be unknown", rb.json()["history"] is False and
              rb.json()["notes"], rb.json())
    r = s.request("POST", "/v1/risk?format=text", small.encode(), A)
    check("risk as text", r.status == 200 and b"risk score" in r.body, r)
    r = s.request("POST", "/v1/risk", b"@@ garbage", A)
    check("risk of text that holds no diff 422", r.status == 422, r)
    r = s.request("POST", "/v1/risk", b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n", A)
    check("risk of a malformed diff 400", r.status == 400 and "line" in r.json()["error"]["message"], r)

    # ---- review of a diff over HTTP
    diff = ("diff --git a/src/net.c b/src/net.c\n--- a/src/net.c\n+++ b/src/net.c\n"
            "@@ -1,2 +1,4 @@\n int f(char *u) {\n+    char b[8];\n+    strcpy(b, u);\n"
            "     return 0;\n").encode()
    r = s.request("POST", "/v1/review", diff, A)
    found = r.json() if r.status == 200 else None
    check("review finds strcpy at its line", found is not None and
          '"c-dangerous-call"' in r.body.decode() and '"line":3' in r.body.decode().replace(" ", ""), r)
    r = s.request("POST", "/v1/review?format=sarif", diff, A)
    check("review as SARIF", r.status == 200 and r.json()["version"] == "2.1.0", r)
    r = s.request("POST", "/v1/review", b"diff --git a/x b/x\n@@ -1 +1 @@\n", A)
    check("malformed diff 400 with line", r.status == 400 and "line" in r.json()["error"]["message"], r)
    r = s.request("POST", "/v1/review?format=xml", diff, A)
    check("unknown review format 400", r.status == 400, r)
    r = s.request("POST", "/v1/review", diff)
    check("review needs a token", r.status == 401, r)

    # ---- metrics
    r = s.request("GET", "/metrics")
    m = r.body.decode()
    check("metrics requests counter", 'workflowai_http_requests_total{' in m, m[:300])
    check("metrics latency histogram", "workflowai_http_request_duration_seconds_bucket" in m)
    check("metrics ingest counts", "workflowai_ingest_deliveries_total" in m)
    check("metrics queue depth", "workflowai_queue_depth" in m)
    check("metrics triage durations", "workflowai_triage_duration_seconds_count" in m)

    # ---- graceful stop; nothing secret in the server's log or the database file
    rc = s.stop(signal.SIGTERM)
    check("SIGTERM exits 0", rc == 0, s.log()[-2000:])
    log = s.log()
    check("structured JSON access log", any(l.startswith("{") and '"request_id"' in l
                                            for l in log.splitlines()), log[:500])
    check("no secret in the server log", SECRET_TOKEN not in log)
    dbdata = b""
    for suffix in ("", "-wal"):
        if os.path.exists(db_path + suffix):
            dbdata += open(db_path + suffix, "rb").read()
    check("no secret in the store's pages", SECRET_TOKEN.encode() not in dbdata)
    db = sqlite3.connect(db_path)
    logs = [zlib.decompress(row[0]) for row in db.execute("SELECT data FROM logs")]
    events = [row[0] or "" for row in db.execute("SELECT data FROM events")]
    db.close()
    check("stored logs exist", len(logs) >= 3, len(logs))
    check("no secret in any stored (decompressed) log",
          all(SECRET_TOKEN.encode() not in l for l in logs))
    check("stored logs carry the redaction tag", all(b"[REDACTED:" in l for l in logs))
    check("no secret in any stored event", all(SECRET_TOKEN not in e for e in events))

    # ---- restart on the same store: everything is still there
    s.start()
    r = s.request("GET", "/v1/failures", headers=A)
    check("failures survive a restart", r.status == 200 and len(r.json()["items"]) >= 3, r)
    body = json.dumps(workflow_job(7001, "completed", "failure")).encode()
    r = s.request("POST", "/v1/webhooks/github?tenant=acme", body,
                  github_headers("gh-secret", body, "workflow_job", "d-2"))
    check("dedup survives a restart", r.json() and r.json()["status"] == "duplicate", r)
    s.stop()

    # ---- rate limit on a second server
    s2 = Server(BIN, TMP, "--rate-limit", "1", "--rate-burst", "2", "--workers", "0",
                store=s.store, name="rl").start()
    codes = [s2.request("GET", "/v1/whoami", headers=A) for _ in range(4)]
    limited = [c for c in codes if c.status == 429]
    check("rate limit 429", limited and int(limited[0].headers.get("retry-after", "0")) >= 1,
          codes)
    check("limit is per key", s2.request("GET", "/v1/whoami", headers=B).status == 200)
    s2.stop()
    fake.terminate()
    fake.wait()
    llm.terminate()
    llm.wait()
    finish()


main()
