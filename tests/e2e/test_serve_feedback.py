# SPDX-License-Identifier: Apache-2.0
"""End-to-end test of the feedback loop on the real `workflowai serve`:
POST /v1/feedback (every kind, validation naming the field, 404 for a
missing failure or signature, tenant isolation), resolutions shown on later
matches, the labeling queue ordered by uncertainty, labeler agreement, and
the `workflowai label` CLI against the same store."""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wfserve import Server, check, finish, run, wait_for  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="wf-feedback-")
SECRET = "ghp_" + "Z" * 36  # a token shape the redactor masks

JSON = {"Content-Type": "application/json"}

LOGS = {
    # distinct failures: a failing test, a compile error, a network timeout, an ambiguous line
    "test": "##[group]Run make test\nrunning 12 tests\ntest parser::roundtrip ... FAILED\n"
            "assertion failed: left == right\ntest result: FAILED. 11 passed; 1 failed\n"
            "##[error]Process completed with exit code 101.\n",
    "compile": "##[group]Run cc -c main.c\nmain.c:12:5: error: 'foo' undeclared (first use in "
               "this function)\nmake: *** [Makefile:8: main.o] Error 1\n"
               "##[error]Process completed with exit code 2.\n",
    "net": "##[group]Run npm ci\nnpm ERR! code ETIMEDOUT\nnpm ERR! network request to "
           "https://registry.npmjs.org/left-pad failed, reason: connect ETIMEDOUT\n"
           "##[error]Process completed with exit code 1.\n",
    "vague": "##[group]Run ./deploy.sh\nsomething went wrong\n"
             "##[error]Process completed with exit code 1.\n",
}


def main():
    s = Server(BIN, TMP, "--workers", "2", "--log-level", "info")
    s.admin("tenant", "add", "acme")
    s.admin("tenant", "add", "other")
    key_a = s.admin("key", "create", "--tenant", "acme", "--name", "ci")
    key_b = s.admin("key", "create", "--tenant", "other")
    A = {"Authorization": "Bearer " + key_a}
    B = {"Authorization": "Bearer " + key_b}
    s.start()
    try:
        run_checks(s, A, B)
    finally:
        rc = s.stop()
        check("server stops cleanly", rc == 0, rc)
        check("planted secret never logged", SECRET not in s.log())
    finish()


def post(s, body, hdrs, raw=False):
    data = body if raw else json.dumps(body)
    return s.request("POST", "/v1/feedback", data, {**JSON, **hdrs})


def run_checks(s, A, B):
    def failures():
        r = s.request("GET", "/v1/failures", headers=A)
        return r.json()["items"] if r.status == 200 else []

    # one at a time, so failure ids follow LOGS' order
    for i, (name, text) in enumerate(LOGS.items()):
        r = s.request("POST", "/v1/builds/fb-%d/log?repo=acme/app&branch=main" % i, text,
                      {"Content-Type": "text/plain", **A})
        check("upload %s" % name, r.status == 202, r)
        wait_for(lambda: len(failures()) > i)

    got = wait_for(lambda: len(failures()) >= len(LOGS) and failures())
    check("all logs triaged", got and len(got) == len(LOGS), got)
    fs = sorted(got or [], key=lambda f: f["id"])
    check("failures record margin and drift features",
          all("margin" in f and f["log_bytes"] > 0 and f["key_lines"] >= 0 for f in fs), fs)
    fid = fs[0]["id"]

    # ---- POST /v1/feedback: every kind
    r = post(s, {"kind": "category", "failure_id": fid, "category": "network_or_flaky"}, A)
    check("category label 201", r.status == 201 and r.json()["kind"] == "category"
          and r.json()["id"] > 0, r)
    r = post(s, {"kind": "helpful", "target": "failure", "target_id": str(fid),
                 "helpful": False, "comment": "token " + SECRET + " was in the log"}, A)
    check("helpful label 201", r.status == 201, r)
    r = post(s, {"kind": "helpful", "target": "answer", "target_id": "chatcmpl-1",
                 "helpful": True}, A)
    check("helpful on an answer 201", r.status == 201, r)
    sig = fs[0]["signature"]
    r = post(s, {"kind": "resolution", "signature": sig, "note": "pinned the registry mirror; "
                 "password=hunter2hunter2", "fix_commit": "0123abcd"}, A)
    check("resolution 201", r.status == 201, r)
    r = post(s, {"kind": "pr_outcome", "repo": "acme/app", "number": 7, "outcome": "defect"}, A)
    check("pr_outcome 201", r.status == 201, r)
    r = post(s, {"kind": "category", "failure_id": fs[-1]["id"], "category": "test"}, A)
    check("category by its first word", r.status == 201, r)
    lab = json.loads(run(BIN, "label", "list", "--kind", "category", "--limit", "1", "--store",
                         s.store, "--tenant", "acme").stdout)["items"]
    check("first word stored as the category", lab and lab[0]["value"] == "test_failure", lab)

    # ---- validation: 400 naming the field, 404 for what does not exist
    cases = [
        ({"kind": "bogus"}, 400, "kind"),
        ({"failure_id": fid, "category": "x"}, 400, "kind"),
        ({"kind": "category", "failure_id": "abc", "category": "test_failure"}, 400, "failure_id"),
        ({"kind": "category", "failure_id": fid, "category": 3}, 400, "category"),
        ({"kind": "category", "failure_id": fid, "category": "nope"}, 400, "category"),
        ({"kind": "category", "failure_id": fid}, 400, "category"),
        ({"kind": "category", "failure_id": fid, "category": "test_failure", "x": 1}, 400, "x"),
        ({"kind": "helpful", "target": "failure", "target_id": str(fid), "helpful": "yes"}, 400,
         "helpful"),
        ({"kind": "helpful", "target": "nothing", "target_id": "1", "helpful": True}, 400,
         "target"),
        ({"kind": "resolution", "signature": "zz", "note": "n"}, 400, "signature"),
        ({"kind": "resolution", "signature": sig, "note": "n", "fix_commit": "not-a-sha"}, 400,
         "fix_commit"),
        ({"kind": "pr_outcome", "repo": "acme/app", "number": -1, "outcome": "defect"}, 400,
         "number"),
        ({"kind": "pr_outcome", "repo": "acme/app", "number": 7, "outcome": "great"}, 400,
         "outcome"),
        ({"kind": "category", "failure_id": 999999, "category": "test_failure"}, 404,
         "failure_id"),
        ({"kind": "resolution", "signature": "ffffffffffffffff", "note": "n"}, 404, "signature"),
    ]
    for body, status, field in cases:
        r = post(s, body, A)
        msg = (r.json().get("error") or {}).get("message", "") if r.status >= 400 else ""
        check("feedback %s -> %d naming %s" % (json.dumps(body)[:60], status, field),
              r.status == status and msg.startswith(field), (r, msg))
    r = post(s, "{not json", A, raw=True)
    check("malformed JSON 400", r.status == 400, r)
    r = post(s, "[1,2]", A, raw=True)
    check("non-object JSON 400", r.status == 400, r)
    r = s.request("POST", "/v1/feedback", json.dumps({"kind": "helpful"}),
                  {"Content-Type": "text/plain", **A})
    check("wrong content type 415", r.status == 415, r)
    r = s.request("POST", "/v1/feedback", json.dumps({"kind": "category"}), JSON)
    check("no credentials 401", r.status == 401, r)
    r = post(s, {"kind": "resolution", "signature": sig, "note": "x" * 70000}, A)
    check("oversized body 413", r.status == 413, r)

    # ---- tenant isolation: another tenant cannot label or see acme's failures
    r = post(s, {"kind": "category", "failure_id": fid, "category": "test_failure"}, B)
    check("other tenant: label of acme's failure 404", r.status == 404, r)
    r = post(s, {"kind": "resolution", "signature": sig, "note": "n"}, B)
    check("other tenant: acme's signature 404", r.status == 404, r)

    # ---- resolution shown on later matches, redacted, with who and when
    r = s.request("GET", "/v1/failures/%d" % fid, headers=A)
    res = r.json().get("resolution") if r.status == 200 else None
    check("failure shows the resolution", res and res["fix_commit"] == "0123abcd"
          and "registry mirror" in res["note"] and res["by"].startswith("k_")
          and res["at"].endswith("Z"), r)
    check("resolution note redacted", res and "hunter2hunter2" not in res["note"], res)
    sigs = s.request("GET", "/v1/signatures", headers=A).json()["items"]
    mine = [x for x in sigs if x["signature"] == sig]
    check("signature list shows the resolution", mine and mine[0]["resolution"]
          and mine[0]["resolution"]["fix_commit"] == "0123abcd", mine)
    # a later failure with the same signature: the worker adds it to the report
    first_log = list(LOGS.values())[0]
    r = s.request("POST", "/v1/builds/fb-again/log?repo=acme/app&branch=dev", first_log,
                  {"Content-Type": "text/plain", **A})
    again = wait_for(lambda: [f for f in failures() if f["id"] > fs[-1]["id"]])
    if again:
        r = s.request("GET", "/v1/failures/%d" % again[0]["id"], headers=A)
        rep = r.json()
        check("later match carries the resolution in its report",
              rep["signature"] == sig and (rep["report"].get("resolution") or {}).get(
                  "fix_commit") == "0123abcd", rep)
    else:
        check("re-upload triaged", False)

    # ---- labeling queue: unlabelled only, least sure first
    r = s.request("GET", "/v1/labeling/queue?limit=50", headers=A)
    q = r.json()["items"] if r.status == 200 else []
    check("queue 200", r.status == 200 and r.json().get("order") == "margin", r)
    check("queue skips labelled failures", q and all(i["id"] != fid for i in q), q)
    margins = [i["margin"] for i in q]
    check("queue ordered by margin", margins == sorted(margins), margins)
    check("queue items carry excerpt, predicted category, confidence",
          q and all("excerpt" in i and "predicted" in i and "confidence" in i for i in q), q)
    r = s.request("GET", "/v1/labeling/queue?limit=0", headers=A)
    check("queue limit validated", r.status == 400, r)
    r = s.request("GET", "/v1/labeling/queue", headers=B)
    check("queue is per tenant", r.status == 200 and r.json()["items"] == [], r)

    # ---- agreement: a second labeler via JWT-less CLI, kappa reported
    store = s.store
    for f in fs[1:]:
        run(BIN, "label", "category", str(f["id"]), f["category"], "--store", store,
            "--tenant", "acme", "--by", "alice")
        run(BIN, "label", "category", str(f["id"]), f["category"], "--store", store,
            "--tenant", "acme", "--by", "bob")
    # bob disagrees on the first
    run(BIN, "label", "category", str(fs[0]["id"]), "test_failure", "--store", store,
        "--tenant", "acme", "--by", "bob")
    run(BIN, "label", "category", str(fs[0]["id"]), "network_or_flaky", "--store", store,
        "--tenant", "acme", "--by", "alice")
    r = s.request("GET", "/v1/labeling/agreement?min_shared=2", headers=A)
    ag = r.json() if r.status == 200 else {}
    pairs = [p for p in ag.get("pairs", []) if {p["a"], p["b"]} == {"alice", "bob"}]
    check("agreement pair alice/bob", pairs and pairs[0]["shared"] == len(fs), ag)
    if pairs:
        check("observed agreement = (n-1)/n", abs(pairs[0]["observed"] -
              (len(fs) - 1) / len(fs)) < 1e-9, pairs)
        check("kappa below 1 with one disagreement", pairs[0]["kappa"] < 1.0, pairs)
    check("conflicts counted", ag.get("conflicts", 0) >= 1, ag)
    cli = json.loads(run(BIN, "label", "agreement", "--store", store, "--tenant", "acme",
                         "--min-shared", "2").stdout)
    check("CLI agreement matches the API", cli.get("pairs") == ag.get("pairs"), (cli, ag))

    # ---- CLI: other kinds, list, errors
    p = run(BIN, "label", "resolution", sig, "--note", "see runbook", "--fix-commit", "abcdef1",
            "--store", store, "--tenant", "acme", "--by", "carol")
    check("CLI resolution stored", "stored" in p.stdout, p.stdout)
    p = run(BIN, "label", "pr", "acme/app", "9", "clean", "--store", store, "--tenant", "acme")
    check("CLI pr label stored", "stored" in p.stdout, p.stdout)
    p = run(BIN, "label", "helpful", "failure", str(fid), "yes", "--comment", "spot on",
            "--store", store, "--tenant", "acme")
    check("CLI helpful stored", "stored" in p.stdout, p.stdout)
    p = run(BIN, "label", "category", "999999", "test_failure", "--store", store, "--tenant",
            "acme", check_rc=False)
    check("CLI unknown failure exit 1", p.returncode == 1 and "no failure" in p.stderr, p.stderr)
    p = run(BIN, "label", "category", str(fid), "bogus", "--store", store, "--tenant", "acme",
            check_rc=False)
    check("CLI bad category exit 2 naming it", p.returncode == 2 and "category" in p.stderr,
          p.stderr)
    p = run(BIN, "label", "list", "--kind", "resolution", "--store", store, "--tenant", "acme")
    items = json.loads(p.stdout)["items"]
    check("CLI list filters by kind", items and all(i["kind"] == "resolution" for i in items)
          and items[0]["by"] == "carol", items)
    r = s.request("GET", "/v1/failures/%d" % fid, headers=A)
    check("latest resolution wins", r.json()["resolution"]["by"] == "carol", r)
    p = run(BIN, "label", "list", "--store", store, "--tenant", "other")
    check("CLI list is per tenant", json.loads(p.stdout)["items"] == [], p.stdout)
    p = run(BIN, "label", "--help")
    check("label --help", "resolution SIGNATURE" in p.stdout, p.stdout)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
