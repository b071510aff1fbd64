# SPDX-License-Identifier: Apache-2.0
"""End-to-end: the web UI's files and the log window over a real
`workflowai serve`. / and /ui/* with their content types, ETag -> 304,
security headers, no auth needed; GET /v1/builds/{id}/log answers a window
of the stored, redacted log with triage's line numbers, per tenant, with
field-named 400s for bad windows."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wfserve import Server, check, finish

BIN, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="wf-web-")


def main():
    s = Server(BIN, TMP, "--workers", "0")
    s.admin("tenant", "add", "acme")
    s.admin("tenant", "add", "other")
    A = {"Authorization": "Bearer " + s.admin("key", "create", "--tenant", "acme")}
    B = {"Authorization": "Bearer " + s.admin("key", "create", "--tenant", "other")}
    s.start()
    try:
        # ---- static files
        r = s.request("GET", "/")
        check("/ serves index.html without a token", r.status == 200 and
              r.headers["content-type"] == "text/html; charset=utf-8" and b"/ui/app.js" in r.body, r)
        for h, v in (("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"),
                     ("x-frame-options", "DENY"), ("cache-control", "no-cache")):
            check("header " + h, r.headers.get(h) == v, r.headers.get(h))
        csp = r.headers.get("content-security-policy", "")
        check("CSP forbids inline script and eval", "script-src 'self';" in csp and
              "unsafe" not in csp and "frame-ancestors 'none'" in csp, csp)
        tag = r.headers.get("etag", "")
        r2 = s.request("GET", "/", headers={"If-None-Match": tag})
        check("304 on a matching If-None-Match", r2.status == 304 and r2.body == b"" and
              r2.headers.get("etag") == tag and "content-security-policy" in r2.headers, r2)
        r2 = s.request("GET", "/", headers={"If-None-Match": '"0000000000000000"'})
        check("200 on another tag", r2.status == 200 and len(r2.body) == len(r.body), r2)
        r = s.request("GET", "/ui/app.js")
        check("app.js as JavaScript", r.status == 200 and
              r.headers["content-type"].startswith("text/javascript"), r.headers)
        with open(os.path.join(SRC, "src/web/static/app.js"), "rb") as f:
            check("app.js byte for byte", r.body == f.read())
        r = s.request("GET", "/ui/page_failures.js", headers={"If-None-Match": r.headers["etag"]})
        check("another file's tag does not match", r.status == 200, r)
        for bad in ("/ui/nope.js", "/ui/..%2fapp.js", "/ui/", "/index.html", "/ui/app.js/x"):
            r = s.request("GET", bad)
            check("404 for " + bad, r.status == 404, r)
        r = s.request("POST", "/", "x")
        check("POST / is 405", r.status == 405, r)

        # ---- the log window
        lines = ["step %d output" % i for i in range(1, 501)]
        lines[299] = "ERROR: token=ghp_" + "a" * 36 + " rejected"
        log = "\r\n".join(lines[:10]) + "\r\n" + "\n".join(lines[10:]) + "\n"
        r = s.request("POST", "/v1/builds/ci-9/log?repo=acme/shop", log, A)
        check("log stored", r.status == 202, r)
        r = s.request("GET", "/v1/builds/ci-9/log?from=5&to=14", headers=A)
        j = r.json() or {}
        check("window of 10 lines", r.status == 200 and j.get("from") == 5 and j.get("to") == 14 and
              j.get("lines") == lines[4:14] and j.get("total_lines") == 500, r)
        check("build id in the answer", isinstance(j.get("build_id"), int), j)
        r = s.request("GET", "/v1/builds/ci-9/log?from=300&to=300", headers=A)
        got = (r.json() or {}).get("lines", [""])[0]
        check("the stored log is the redacted one", r.status == 200 and "ghp_" not in got and
              "rejected" in got, got)
        r = s.request("GET", "/v1/builds/ci-9/log", headers=A)
        j = r.json() or {}
        check("default window: 200 lines from 1", j.get("from") == 1 and j.get("to") == 200 and
              len(j.get("lines", [])) == 200, r)
        r = s.request("GET", "/v1/builds/ci-9/log?from=490&to=600", headers=A)
        j = r.json() or {}
        check("window clipped at the end", j.get("to") == 500 and len(j.get("lines", [])) == 11, r)
        r = s.request("GET", "/v1/builds/ci-9/log?provider=upload&from=1&to=1", headers=B)
        check("another tenant's log is 404", r.status == 404, r)
        r = s.request("GET", "/v1/builds/ci-9/log?from=1", headers={})
        check("no token is 401", r.status == 401, r)
        r = s.request("GET", "/v1/builds/nope/log", headers=A)
        check("unknown build is 404", r.status == 404, r)
        for q, what in (("from=0", "from"), ("from=x", "from"), ("from=10&to=5", "to"),
                        ("from=1&to=2001", "to"), ("provider=svn", "provider")):
            r = s.request("GET", "/v1/builds/ci-9/log?" + q, headers=A)
            msg = ((r.json() or {}).get("error") or {}).get("message", "")
            check("400 for " + q, r.status == 400 and what in msg, r)
    finally:
        s.stop()
    finish()


if __name__ == "__main__":
    main()
