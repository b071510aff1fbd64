# SPDX-License-Identifier: Apache-2.0
"""End-to-end: DORA over a real `workflowai serve`. Deployments and incidents
posted to /v1/events/* (validation with field-named errors, Idempotency-Key
and body-id redelivery), a change from a signed GitHub push webhook, then
GET /v1/dora with hand-computed expectations, tenant isolation, bad queries,
the weekly report in Markdown and HTML, and `workflowai dora` reading the same
store from the CLI."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wfserve import Server, check, finish, github_headers, run

BIN, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="wf-dora-")
B40, C40, D40 = "b" * 40, "c" * 40, "d" * 40
JSON = {"Content-Type": "application/json"}


def post(s, path, obj, headers, extra=None):
    h = dict(headers)
    h.update(JSON)
    h.update(extra or {})
    body = obj if isinstance(obj, (bytes, str)) else json.dumps(obj)
    return s.request("POST", path, body, h)


def dep(i, status, at, sha=None, env="production"):
    d = {"id": i, "repo": "acme/shop", "environment": env, "status": status,
         "occurred_at": "2026-11-16T%s:00Z" % at}
    if sha:
        d["sha"] = sha
    return d


def main():
    s = Server(BIN, TMP, "--workers", "0")
    s.admin("tenant", "add", "acme", "--github-secret", "gh-secret")
    s.admin("tenant", "add", "other")
    A = {"Authorization": "Bearer " + s.admin("key", "create", "--tenant", "acme")}
    B = {"Authorization": "Bearer " + s.admin("key", "create", "--tenant", "other")}
    s.start()

    # ---- a change from a GitHub push (commit authored at 02:00)
    push = json.dumps({"ref": "refs/heads/main", "repository": {"full_name": "acme/shop"},
                       "commits": [{"id": B40, "message": "fix checkout",
                                    "timestamp": "2026-11-16T02:00:00Z"}]}).encode()
    r = s.request("POST", "/v1/webhooks/github?tenant=acme", push,
                  github_headers("gh-secret", push, "push", "push-1"))
    check("push stored", r.status == 201, r)

    # ---- deployments and an incident through the API
    r = post(s, "/v1/events/deployments", dep("1", "success", "04:00", B40), A)
    check("deployment stored 201", r.status == 201 and r.json()["status"] == "stored", r)
    check("delivery derived from the body id", r.json()["delivery"] == "deployment:1:success", r)
    r = post(s, "/v1/events/deployments", dep("1", "success", "04:00", B40), A)
    check("same deployment again is a duplicate", r.status == 200 and
          r.json()["status"] == "duplicate", r)
    r = post(s, "/v1/events/deployments", dep("1", "success", "04:00", B40), A,
             {"Idempotency-Key": "retry-xyz"})
    check("Idempotency-Key names the delivery", r.status == 201 and
          r.json()["delivery"] == "retry-xyz", r)
    r = post(s, "/v1/events/deployments", dep("1", "success", "04:00", B40), A,
             {"Idempotency-Key": "x" * 200})
    check("an over-long Idempotency-Key is refused", r.status == 400 and
          "Idempotency-Key" in r.json()["error"]["message"], r)
    for d in (dep("2", "failure", "12:00", C40), dep("3", "success", "14:00", C40),
              dep("4", "success", "22:00", D40), dep("5", "success", "23:00", D40, "staging"),
              dep("6", "in_progress", "21:00", D40)):
        r = post(s, "/v1/events/deployments", d, A)
        check("deployment %s stored" % d["id"], r.status == 201, r)
    inc = {"id": "INC-1", "repo": "acme/shop", "title": "checkout down",
           "opened_at": "2026-11-16T20:00:00Z"}
    r = post(s, "/v1/events/incidents", inc, A)
    check("incident opened", r.status == 201 and r.json()["delivery"] == "incident:INC-1:open", r)
    inc.update({"resolved_at": "2026-11-16T23:00:00+00:00", "root_cause_sha": C40})
    r = post(s, "/v1/events/incidents", inc, A)
    check("incident resolved", r.status == 201, r)

    # ---- validation: every error names its field
    bad = [
        ({"repo": "acme/shop", "environment": "production", "status": "success",
          "occurred_at": "2026-11-16T04:00:00Z"}, "id: missing"),
        (dict(dep("9", "success", "04:00"), status="done"), "status: expected success"),
        (dict(dep("9", "success", "04:00"), sha="xyz"), "sha: expected 7 to 64 hex digits"),
        (dict(dep("9", "success", "04:00"), occurred_at="yesterday"),
         "occurred_at: expected an RFC 3339"),
        (dict(dep("9", "success", "04:00"), colour="red"), "colour: unknown field"),
        (dict(dep("9", "success", "04:00"), repo=5), "repo: expected a string"),
    ]
    for body, msg in bad:
        r = post(s, "/v1/events/deployments", body, A)
        check("400 " + msg, r.status == 400 and r.json()["error"]["code"] == "invalid_field" and
              r.json()["error"]["message"].startswith(msg), r)
    r = post(s, "/v1/events/incidents", {"id": "x", "repo": "acme/shop",
                                         "opened_at": "2026-11-16T20:00:00Z",
                                         "resolved_at": "2026-11-16T19:00:00Z"}, A)
    check("resolved before opened", r.status == 400 and
          "resolved_at" in r.json()["error"]["message"], r)
    r = post(s, "/v1/events/incidents", "{not json", A)
    check("not JSON", r.status == 400 and r.json()["error"]["code"] == "bad_json", r)
    r = s.request("POST", "/v1/events/incidents", json.dumps(inc), dict(A))
    check("no content type 415", r.status == 415, r)
    r = post(s, "/v1/events/deployments", dep("1", "success", "04:00", B40), {})
    check("unauthenticated 401", r.status == 401, r)

    # ---- the metrics, hand-computed:
    # deploys 1, 3, 4 succeed (5 is staging, 6 in progress), 2 failed;
    # 3 shipped ccc.. which the incident names: CFR (1 + 1) / 4 = 0.5;
    # lead: commit 02:00 -> deploy 1 at 04:00 = 2 h; recovery 12:00 -> 14:00 = 2 h;
    # restore 20:00 -> 23:00 = 3 h; rework: deploy 4 at 22:00, 2 h after the incident: 1/3
    q = "/v1/dora?since=2026-11-16&until=2026-11-23&bucket=day"
    r = s.request("GET", q, headers=A)
    check("GET /v1/dora 200", r.status == 200, r)
    t = r.json()["total"] if r.status == 200 else {}
    check("deployments 3", t.get("deployments") == 3, t)
    check("failed 1", t.get("failed_deployments") == 1, t)
    check("change failure rate 0.5", t.get("change_failure_rate") == 0.5, t)
    check("lead time 2 h", t.get("lead_time_median_h") == 2 and t.get("lead_time_p90_h") == 2, t)
    check("recovery 2 h", t.get("failed_deployment_recovery_median_h") == 2, t)
    check("restore 3 h", t.get("time_to_restore_median_h") == 3, t)
    check("rework 1 of 3", t.get("rework_deployments") == 1 and
          abs(t.get("rework_rate", 0) - 1 / 3) < 1e-5, t)
    j = r.json() if r.status == 200 else {}
    check("7 day buckets", len(j.get("buckets", [])) == 7 and
          j["buckets"][0]["label"] == "2026-11-16" and j["buckets"][0]["deployments"] == 3, j)
    check("tiers", j.get("tiers", {}).get("change_failure_rate") == "low" and
          j["tiers"]["lead_time"] == "elite", j)
    check("the redelivered deployment counted once (a duplicate event)",
          j.get("duplicates") == 1, j)
    r = s.request("GET", q + "&env=staging", headers=A)
    check("staging", r.status == 200 and r.json()["total"]["deployments"] == 1, r)
    r = s.request("GET", q + "&service=acme%2Fother", headers=A)
    check("another service is empty", r.status == 200 and
          r.json()["total"]["deployments"] == 0, r)
    r = s.request("GET", q + "&rework_window_h=1", headers=A)
    check("rework window 1 h", r.status == 200 and
          r.json()["total"]["rework_deployments"] == 0, r)
    r = s.request("GET", q, headers=B)
    check("tenant isolation", r.status == 200 and r.json()["total"]["deployments"] == 0 and
          r.json()["events"] == 0, r)
    for bq, field in (("bucket=year", "bucket"), ("since=2026-11-30&until=2026-11-23", "since"),
                      ("tz=Mars%2FOlympus", "tz"), ("tier_year=1999", "tier_year")):
        r = s.request("GET", "/v1/dora?" + bq, headers=A)
        check("bad query " + field, r.status == 400 and
              r.json()["error"]["message"].startswith(field), r)

    # ---- weekly report
    r = s.request("GET", "/v1/reports/weekly?week=2026-W47&format=html", headers=A)
    check("report html", r.status == 200 and r.headers.get("content-type", "").startswith(
        "text/html") and r.body.count(b"<svg") == 4 and
        b"Deployment frequency rose from 0 to 3 per week" in r.body, r)
    r = s.request("GET", "/v1/reports/weekly?week=2026-W47", headers=A)
    check("report md", r.status == 200 and b"| deployments | 0 | 3 |" in r.body and
          b"data:image/svg+xml;base64," in r.body, r)
    r = s.request("GET", "/v1/reports/weekly?week=2025-W53", headers=A)
    check("report: a week that does not exist", r.status == 400, r)
    s.stop()

    # ---- the CLI reads the same store
    p = run(BIN, "dora", "--store", s.store, "--tenant", "acme", "--since", "2026-11-16",
            "--until", "2026-11-23", "--format", "json")
    cj = json.loads(p.stdout)
    check("CLI from the store agrees", cj["total"] == t, cj.get("total"))

    s.start()
    # ---- /metrics: the keys of the last 30 days as gauges per tenant
    # (events dated relative to now, so the check holds on any day)
    import datetime
    y = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    for k in range(3):
        d = {"id": "recent-%d" % k, "repo": "acme/shop", "environment": "production",
             "status": "success",
             "occurred_at": (y + datetime.timedelta(hours=k)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        post(s, "/v1/events/deployments", d, A)
    tok = "ghp_R8mZ2vK9qL4xT7wN1pB6cD3fG5hJ0sA2eY4u"
    r = post(s, "/v1/events/deployments",
             {"id": "leaky", "repo": "acme/shop", "environment": "staging", "status": "success",
              "occurred_at": y.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "url": "https://deploy:%s@cd.example.com/run/1" % tok}, A)
    check("deployment with a credential URL stored", r.status == 201, r)
    import sqlite3
    rows = sqlite3.connect(s.store.split(":", 1)[1]).execute(
        "SELECT url, data FROM events WHERE external_id = 'leaky'").fetchall()
    check("the credential in the URL is redacted before it is stored",
          rows and all(tok not in (u or "") + (d or "") for u, d in rows) and
          "[REDACTED:" in rows[0][0], rows)
    m = s.request("GET", "/metrics").body.decode()
    line = [l for l in m.splitlines()
            if l.startswith('workflowai_dora_deployments_per_day{tenant="acme"}')]
    check("DORA deployment frequency gauge", line and float(line[0].split()[-1]) > 0, m[-800:])
    check("DORA gauges have help and type", "# TYPE workflowai_dora_lead_time_hours gauge" in m)
    s.stop()
    finish()


main()
