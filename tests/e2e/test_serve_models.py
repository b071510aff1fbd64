# SPDX-License-Identifier: Apache-2.0
"""End-to-end test of retraining from feedback on the real `workflowai
serve` and CLI: labels that contradict the bundled model on a distinctive
kind of log are learnt by `train triage --store` (new similar logs change
category; the new version is active and recorded on new failures); a model
trained on shuffled labels is not promoted; rollback restores the earlier
version; drift stays quiet on a stream like the training set and fires
(once) on a shifted one, in GET /v1/models, the stored warnings and
/metrics; --retrain-interval retrains a tenant with new labels by itself."""
import json
import os
import random
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wfserve import Server, check, finish, run, wait_for  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="wf-models-")
JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}
PLANTED = "docker_build"  # what the tenant says these failures are


def zorblax(i):
    """A kind of failure the built-in corpus has never seen."""
    return ("Run ./check.sh\nchecking quorum\nError: ZORBLAX-%d flux capacitor desync on node "
            "cap-%d (phase %d)\nzorblax: capacitor bank cap-%d refused quorum\n"
            "Error: Process completed with exit code 1.\n" % (4000 + i, i % 31, i % 5, i % 31))


def corpus_records():
    recs = []
    d = os.path.join(SRC, "data/triage-train")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".txt"):
            continue
        cur = None
        for line in open(os.path.join(d, name), encoding="utf-8", errors="replace"):
            if line.startswith("### category:"):
                if cur:
                    recs.append(cur)
                cur = ""
            elif cur is not None:
                cur += line
        if cur:
            recs.append(cur)
    return recs


class Tenant:
    def __init__(self, s, name):
        self.s = s
        self.name = name
        self.key = s.admin("key", "create", "--tenant", name)
        self.h = {"Authorization": "Bearer " + self.key}
        self.n = 0

    def upload(self, text, prefix="b"):
        self.n += 1
        r = self.s.request("POST", "/v1/builds/%s-%d/log?repo=acme/app&branch=main" %
                           (prefix, self.n), text, {**TEXT, **self.h})
        return r.status == 202

    def failures(self, limit=500):
        r = self.s.request("GET", "/v1/failures?limit=%d" % limit, headers=self.h)
        return r.json()["items"] if r.status == 200 else []

    def count(self):
        n, cursor = 0, None
        while True:
            q = "/v1/failures?limit=500" + ("&cursor=%d" % cursor if cursor else "")
            page = self.s.request("GET", q, headers=self.h).json()
            n += len(page["items"])
            cursor = page["next"]
            if not cursor:
                return n

    def models(self):
        r = self.s.request("GET", "/v1/models", headers=self.h)
        return r.json() if r.status == 200 else {"status": r.status, "body": r.body}

    def train(self, *extra):
        return run(BIN, "train", "triage", "--store", self.s.store, "--tenant", self.name,
                   *extra).stdout


def main():
    s = Server(BIN, TMP, "--workers", "2", "--drift-min-samples", "50", "--rate-limit", "0")
    s.admin("tenant", "add", "acme")
    s.admin("tenant", "add", "beta")
    A, B = Tenant(s, "acme"), Tenant(s, "beta")
    s.start()
    try:
        phase_retrain(s, A, B)
        phase_drift(s, A)
    finally:
        rc = s.stop()
        check("server stops cleanly", rc == 0, rc)
    phase_scheduled()
    finish()


def phase_retrain(s, A, B):
    # ---- planted failures, triaged by the bundled model
    for i in range(24):
        A.upload(zorblax(i))
    got = wait_for(lambda: len(A.failures()) >= 24 and A.failures())
    check("planted failures triaged", got and len(got) == 24, got)
    got = got or []
    check("bundled model recorded", got and all(f["model_version"].startswith("bundled-")
                                                for f in got), got[:1])
    before = set(f["category"] for f in got)
    check("the bundled model does not call them %s" % PLANTED, PLANTED not in before, before)
    for f in got:
        r = s.request("POST", "/v1/feedback", json.dumps(
            {"kind": "category", "failure_id": f["id"], "category": PLANTED}), {**JSON, **A.h})
        if r.status != 201:
            check("label stored", False, r)
            break

    # ---- retrain: promoted, active, recorded on new failures
    out = A.train()
    check("retrain promoted as v1", "triage v1 promoted" in out, out)
    m = A.models()
    act = m.get("active", {}).get("triage", {})
    check("GET /v1/models: v1 active", act.get("version") == 1 and act.get("model_version") == "v1",
          m)
    hist = m.get("history", [])
    check("history has metrics, hash and reference", hist and hist[0]["status"] == "active" and
          "macro_f1" in hist[0]["metrics"] and len(hist[0]["training_hash"]) == 64 and
          hist[0]["reference"]["bins"] == 10, hist[:1])
    check("held-out part includes tenant labels", hist and
          hist[0]["metrics"]["n_test_tenant"] >= 1, hist[:1])
    n0 = len(A.failures())
    for i in range(100, 105):
        A.upload(zorblax(i))
    new = wait_for(lambda: len(A.failures()) >= n0 + 5 and A.failures()[:5])
    check("new similar logs now %s by v1" % PLANTED, new and all(
        f["category"] == PLANTED and f["model_version"] == "v1" for f in new), new)
    if new:
        r = s.request("GET", "/v1/failures/%d" % new[0]["id"], headers=A.h)
        check("report names the model version", r.json()["report"]["model_version"] == "v1", r)

    # ---- a deliberately worse model is not promoted
    out = A.train("--shuffle-labels")
    check("shuffled-label model rejected as v2", "triage v2 rejected" in out, out)
    m = A.models()
    check("v1 still active", m["active"]["triage"]["version"] == 1, m["active"])
    v2 = [h for h in m["history"] if h["version"] == 2]
    check("v2 stored as rejected with the reason", v2 and v2[0]["status"] == "rejected" and
          "rejected" in v2[0]["reason"] and v2[0]["metrics"]["shuffled_labels"], v2)

    # ---- retrain again (promoted), then roll back to v1
    out = A.train()
    check("retrain promoted as v3", "triage v3 promoted" in out, out)
    check("v3 active", A.models()["active"]["triage"]["version"] == 3)
    roll = lambda body, kind="triage": s.request(  # noqa: E731
        "POST", "/v1/models/%s/rollback" % kind, json.dumps(body), {**JSON, **A.h})
    r = roll({"version": 2})
    check("rollback to a rejected version 409", r.status == 409, r)
    r = roll({"version": 99})
    check("rollback to a missing version 404", r.status == 404, r)
    r = roll({"version": "1"})
    check("rollback with a string version 400 naming it", r.status == 400 and
          r.json()["error"]["message"].startswith("version"), r)
    r = roll({"version": 1}, kind="bogus")
    check("rollback of an unknown kind 404", r.status == 404, r)
    r = s.request("POST", "/v1/models/triage/rollback", json.dumps({"version": 1}),
                  {**JSON, **B.h})
    check("other tenant cannot roll back acme's models", r.status == 404, r)
    r = roll({"version": 1})
    check("rollback to v1 200", r.status == 200 and r.json()["active"] == 1, r)
    m = A.models()
    st = {h["version"]: h["status"] for h in m["history"]}
    check("v1 active, v3 retired, v2 rejected", st == {1: "active", 2: "rejected", 3: "retired"},
          st)
    n0 = len(A.failures())
    A.upload(zorblax(200))
    new = wait_for(lambda: len(A.failures()) > n0 and A.failures()[:1])
    check("after rollback new failures record v1", new and new[0]["model_version"] == "v1", new)
    p = run(BIN, "models", "rollback", "3", "--store", s.store, "--tenant", "acme")
    check("CLI rollback", "v3 is active" in p.stdout, p.stdout)
    lst = json.loads(run(BIN, "models", "list", "--store", s.store, "--tenant", "acme").stdout)
    check("CLI list shows v3 active", lst["active"]["triage"]["version"] == 3, lst["active"])
    run(BIN, "models", "rollback", "1", "--store", s.store, "--tenant", "acme")
    p = run(BIN, "models", "rollback", "2", "--store", s.store, "--tenant", "acme",
            check_rc=False)
    check("CLI rollback to rejected fails", p.returncode == 1 and "rejected" in p.stderr, p.stderr)
    # ---- the risk model: POST /v1/risk names the model that scored it
    diff = ("diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n"
            "--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n"
            "@@ -1,1 +1,2 @@\n-on: push\n+on: [push]\n+jobs: {}\n")

    def risk_model():
        r = s.request("POST", "/v1/risk", diff, {**TEXT, **A.h})
        return r.headers.get("x-workflowai-risk-model", "") if r.status == 200 else r.status

    check("risk scored by the embedded model", str(risk_model()).startswith("bundled-"),
          risk_model())
    r = s.request("POST", "/v1/feedback", json.dumps(
        {"kind": "pr_outcome", "repo": "acme/app", "number": 7, "outcome": "defect"}),
        {"Content-Type": "application/json", **A.h})
    check("pr_outcome label stored", r.status in (200, 201), r)
    p = run(BIN, "train", "risk", "--store", s.store, "--tenant", "acme", check_rc=False)
    check("train risk promotes v1", p.returncode == 0 and "risk v1 promoted" in p.stdout,
          p.stdout + p.stderr)
    lst = json.loads(run(BIN, "models", "list", "--store", s.store, "--tenant", "acme").stdout)
    check("models list shows the active risk version", lst["active"]["risk"]["version"] == 1 and
          lst["active"]["risk"]["metrics"]["auc"] > 0.7, lst["active"]["risk"])
    check("POST /v1/risk uses the tenant's risk model", wait_for(lambda: risk_model() == "v1"),
          risk_model())
    check("risk model shows in GET /v1/models", A.models()["active"]["risk"]["model_version"] ==
          "v1", A.models()["active"])

    # ---- tenant isolation: beta still runs the bundled model
    m = B.models()
    check("other tenant: no versions, bundled active", m["history"] == [] and
          m["active"]["triage"]["version"] is None and
          m["active"]["triage"]["model_version"].startswith("bundled-"), m)
    B.upload(zorblax(300))
    bf = wait_for(lambda: B.failures())
    check("other tenant's failures use the bundled model", bf and
          bf[0]["model_version"].startswith("bundled-") and bf[0]["category"] != PLANTED, bf)


def phase_drift(s, A):
    # ---- a stream like the training set: no drift
    recs = corpus_records()
    random.Random(7).shuffle(recs)
    stable = recs[:240]
    n0 = A.count()
    for t in stable:
        A.upload(t, prefix="s")
    wait_for(lambda: A.count() >= n0 + len(stable), timeout=180)
    m = A.models()
    d = m.get("drift", {}).get("triage", {})
    check("drift measured on v1's failures", d.get("model_version") == "v1" and
          d.get("n", 0) >= 200 and d.get("enough_samples"), d)
    check("no drift on a stream like the training set", d.get("drifted") == [], d)
    check("no warning on a stable stream", m.get("warnings") == [], m.get("warnings"))
    check("recent accuracy from the labels", isinstance(d.get("recent_accuracy"), float), d)

    # ---- a shifted stream: long logs of one kind -> drift, one warning
    big = ("Run make\n" + "".join("compiling module %d of the monorepo\n" % i
                                  for i in range(3000)) +
           "src/x.c:1:1: error: expected ';' before '}' token\n"
           "Error: Process completed with exit code 2.\n")
    n0 = A.count()
    for i in range(240):
        A.upload(big + "# run %d\n" % i, prefix="x")
    wait_for(lambda: A.count() >= n0 + 240, timeout=180)
    m = A.models()
    d = m["drift"]["triage"]
    check("drift fires on a shifted stream", "log_bytes" in d["drifted"] and
          d["psi"]["log_bytes"] > 0.2, d)
    w = m["warnings"]
    check("one model_drift warning stored", len(w) == 1 and w[0]["kind"] == "model_drift" and
          w[0]["key"].startswith("triage:v1:"), w)
    m = A.models()
    check("asking again adds no second warning", len(m["warnings"]) == 1, m["warnings"])
    r = s.request("GET", "/metrics")
    body = r.body.decode()
    mm = re.search(r'workflowai_model_drift_psi\{tenant="acme",kind="triage",'
                   r'feature="log_bytes"\} ([0-9.e+-]+)', body)
    check("drift PSI in /metrics", mm and float(mm.group(1)) > 0.2, body[-1500:])
    check("model version in /metrics",
          'workflowai_model_version{tenant="acme",kind="triage"} 1' in body, body[-1500:])
    check("recent accuracy in /metrics", "workflowai_model_recent_accuracy{" in body)
    check("one drift warning logged", s.log().count('"model_drift"') == 1,
          s.log().count('"model_drift"'))


def phase_scheduled():
    s = Server(BIN, TMP, "--workers", "1", "--retrain-interval", "1s", name="sched")
    s.admin("tenant", "add", "gamma")
    s.start()
    try:
        G = Tenant(s, "gamma")
        for i in range(6):
            G.upload(zorblax(i))
        got = wait_for(lambda: len(G.failures()) >= 6 and G.failures())
        check("gamma failures triaged", got and len(got) == 6, got)
        m = G.models()
        check("no model before labels", m["history"] == [], m)
        for f in got or []:
            s.request("POST", "/v1/feedback", json.dumps(
                {"kind": "category", "failure_id": f["id"], "category": PLANTED}),
                {**JSON, **G.h})
        m = wait_for(lambda: G.models()["history"] and G.models(), timeout=240)
        check("scheduled retrain stored a version", m and m["history"][0]["version"] == 1 and
              m["history"][0]["n_labels"] == 6, m and m["history"][:1])
        check("retrain enqueued once", s.log().count('"retrain_enqueued"') == 1,
              s.log().count('"retrain_enqueued"'))
        # a pr_outcome label schedules a retrain of the risk model
        s.request("POST", "/v1/feedback", json.dumps(
            {"kind": "pr_outcome", "repo": "gamma/app", "number": 3, "outcome": "defect"}),
            {**JSON, **G.h})

        def risk_rows():
            return [h for h in G.models()["history"] if h["kind"] == "risk"]
        rows = wait_for(risk_rows, timeout=240)
        check("scheduled retrain covers risk", rows and rows[0]["version"] == 1 and
              rows[0]["status"] == "active", rows)
        check("risk retrain enqueued once",
              s.log().count('"retrain_enqueued"') == 2 and '"kind":"risk"' in s.log(),
              s.log().count('"retrain_enqueued"'))
    finally:
        rc = s.stop()
        check("scheduler stops cleanly", rc == 0, rc)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
