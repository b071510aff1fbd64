# SPDX-License-Identifier: Apache-2.0
"""End-to-end: the knowledge base over a real `workflowai serve`. Uploads of
Markdown, text, HTML and a PDF, listing, replacing, deleting; search in the
three modes; /v1/chat/completions without a model (extractive) and with the
fake OpenAI-compatible model, as JSON and as server-sent events, with
citations that point at retrieved chunks; tenant isolation; bad inputs
answered with the right status and nothing written; and a planted secret
that appears in no response, no stored row and no request the model
received."""
import base64
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wfserve import Server, check, finish, wait_for

BIN, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="wf-kb-")
SECRET = "ghp_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
JSON = {"Content-Type": "application/json"}

DISK_MD = """# Disk full

When the build agent reports `No space left on device`, the disk of the
runner is full.

## Clean up

Remove unused Docker images with `docker system prune -af` and delete stale
workspaces under /var/lib/ci/workspace. Check the result with `df -h`.
The cleanup job authenticates with %s (rotate it monthly).
""" % SECRET

OOM_TXT = """Out of memory in the test runner

The JVM was killed by the kernel OOM killer. Raise the heap with -Xmx4g or
lower the number of parallel test forks in gradle.properties.
"""

DNS_HTML = """<html><head><title>DNS</title></head><body><h1>DNS resolution failures</h1>
<p>When CI jobs fail with <code>Temporary failure in name resolution</code>, restart
systemd-resolved on the runner and check /etc/resolv.conf.</p></body></html>"""


def req(s, method, path, body=None, headers=None):
    h = dict(JSON)
    h.update(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    return s.request(method, path, body, h)


def sse_events(body):
    """The data payloads of an event stream, in order."""
    out = []
    for block in body.decode().split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: "):
                out.append(line[6:])
    return out


def db_rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def main():
    llm_port_file = os.path.join(TMP, "llm.port")
    llm = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/tools/fake_openai.py"),
                            "--port", "0", "--portfile", llm_port_file],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    llm_port = wait_for(lambda: os.path.exists(llm_port_file) and
                        open(llm_port_file).read().strip(), timeout=10)
    llm_url = "http://127.0.0.1:%s" % llm_port

    s = Server(BIN, TMP, "--workers", "0", "--rate-limit", "0", "--llm-url", llm_url + "/v1",
               "--llm-model", "fake-model")
    s.admin("tenant", "add", "acme")
    s.admin("tenant", "add", "other")
    A = {"Authorization": "Bearer " + s.admin("key", "create", "--tenant", "acme")}
    B = {"Authorization": "Bearer " + s.admin("key", "create", "--tenant", "other")}
    db = s.store.split(":", 1)[1]
    s.start()
    try:
        run(s, A, B, db, llm_url)
    finally:
        s.stop()
        llm.terminate()
        llm.wait()
    # a server without a model answers extractively
    s2 = Server(BIN, TMP, "--workers", "0", "--rate-limit", "0", store=s.store, name="s2")
    s2.start()
    try:
        r = req(s2, "POST", "/v1/chat/completions",
                {"messages": [{"role": "user", "content":
                               "no space left on device: which docker images do I remove?"}]},
                A)
        j = r.json() or {}
        text = j.get("choices", [{}])[0].get("message", {}).get("content", "")
        check("no model: extractive answer", r.status == 200 and j.get("extractive") is True and
              "[1]" in text and "prune" in text, r)
        check("no model: model name", j.get("model") == "workflowai-extractive", j.get("model"))
        check("no model: citations", len(j.get("citations", [])) >= 1 and
              j["citations"][0]["document"] == "runbooks/disk-full.md", j.get("citations"))
        check("no model: secret absent", SECRET.encode() not in r.body)
    finally:
        s2.stop()
    finish()


def run(s, A, B, db, llm_url):
    # ---- uploads of every format
    r = req(s, "POST", "/v1/kb/documents", {"name": "runbooks/disk-full.md", "content": DISK_MD}, A)
    j = r.json() or {}
    check("markdown 201", r.status == 201 and j.get("format") == "markdown" and
          j.get("updated") is False and j.get("chunks", 0) >= 1 and
          j.get("bytes") == len(DISK_MD.encode()), r)
    disk_id = j.get("id")
    check("upload response has no secret", SECRET.encode() not in r.body)
    r = req(s, "POST", "/v1/kb/documents", {"name": "oom.txt", "content": OOM_TXT}, A)
    check("text 201", r.status == 201 and (r.json() or {}).get("format") == "text", r)
    oom_id = (r.json() or {}).get("id")
    r = req(s, "POST", "/v1/kb/documents", {"name": "dns.html", "content": DNS_HTML}, A)
    check("html 201", r.status == 201 and (r.json() or {}).get("format") == "html", r)
    pdf = open(os.path.join(SRC, "tests/e2e/kb/certs.pdf"), "rb").read()
    r = req(s, "POST", "/v1/kb/documents",
            {"name": "certs.pdf", "content_base64": base64.b64encode(pdf).decode()}, A)
    check("pdf 201", r.status == 201 and (r.json() or {}).get("format") == "pdf" and
          (r.json() or {}).get("bytes") == len(pdf), r)
    pdf_id = (r.json() or {}).get("id")
    r = req(s, "POST", "/v1/kb/documents",
            {"name": "notes", "format": "markdown", "content": "# Notes\n\nFlaky test quarantine."},
            A)
    check("explicit format", r.status == 201 and (r.json() or {}).get("format") == "markdown", r)
    notes_id = (r.json() or {}).get("id")

    # ---- list
    r = req(s, "GET", "/v1/kb/documents", None, A)
    docs = (r.json() or {}).get("documents", [])
    names = sorted(d["name"] for d in docs)
    check("list 200", r.status == 200 and names ==
          ["certs.pdf", "dns.html", "notes", "oom.txt", "runbooks/disk-full.md"], names)
    # (a docker runbook is added later, for triage)
    check("list fields", all(set(d) >= {"id", "name", "format", "bytes", "chunks", "added_at",
                                        "updated_at"} for d in docs), docs[:1])
    check("list times are ISO", all(d["added_at"].endswith("Z") and "T" in d["added_at"]
                                    for d in docs), docs[:1])

    # ---- search, every mode
    for mode in ("keyword", "semantic", "hybrid"):
        r = req(s, "POST", "/v1/search", {"query": "docker prune no space left on device",
                                          "mode": mode, "top_k": 3}, A)
        j = r.json() or {}
        res = j.get("results", [])
        check("search %s 200" % mode, r.status == 200 and j.get("mode") == mode and
              1 <= len(res) <= 3, r)
        check("search %s ranks the runbook first" % mode,
              res and res[0]["document"] == "runbooks/disk-full.md" and
              res[0]["document_id"] == disk_id and
              res[0]["chunk_id"].startswith("%d:" % disk_id), res[:1])
        check("search %s fields" % mode, res and all(
            set(x) >= {"chunk_id", "document_id", "document", "heading", "line_start",
                       "line_end", "text", "score"} and x["line_start"] >= 1 and
            x["line_end"] >= x["line_start"] for x in res), res[:1])
        check("search %s has no secret" % mode, SECRET.encode() not in r.body)
    r = req(s, "POST", "/v1/search", {"query": "renew the expiring TLS certificate",
                                      "mode": "keyword"}, A)
    res = (r.json() or {}).get("results", [])
    check("search finds the pdf", res and res[0]["document_id"] == pdf_id, res[:1])
    r = req(s, "POST", "/v1/search", {"query": "name resolution", "fusion": "weighted"}, A)
    res = (r.json() or {}).get("results", [])
    check("weighted fusion finds the html", r.status == 200 and res and
          res[0]["document"] == "dns.html", r)
    r = req(s, "POST", "/v1/search", {"query": SECRET, "mode": "keyword"}, A)
    check("searching for the secret reveals nothing", r.status == 200 and
          SECRET.encode() not in r.body, r)

    # ---- tenant isolation
    r = req(s, "GET", "/v1/kb/documents", None, B)
    check("other tenant lists nothing", r.status == 200 and r.json() == {"documents": []}, r)
    r = req(s, "POST", "/v1/search", {"query": "docker prune"}, B)
    check("other tenant finds nothing", r.status == 200 and r.json()["results"] == [], r)
    r = req(s, "DELETE", "/v1/kb/documents/%d" % disk_id, None, B)
    check("other tenant cannot delete", r.status == 404, r)
    r = req(s, "POST", "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "docker prune"}]}, B)
    check("other tenant's chat cites nothing of acme", r.status == 200 and
          (r.json() or {}).get("citations") == [] and b"disk-full" not in r.body, r)
    r = req(s, "GET", "/v1/kb/documents", None, {})
    check("no credentials 401", r.status == 401, r)

    # ---- chat with the model, non-stream
    json.loads(http_post(llm_url, "/_reset", b""))
    r = req(s, "POST", "/v1/chat/completions",
            {"model": "any", "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "earlier question with " + SECRET},
                {"role": "assistant", "content": "earlier answer"},
                {"role": "user", "content": "FAKE:cite how do I free disk space on the runner?"}],
             "top_k": 3}, A)
    j = r.json() or {}
    text = j.get("choices", [{}])[0].get("message", {}).get("content", "")
    check("chat 200 chat.completion", r.status == 200 and j.get("object") == "chat.completion" and
          j["choices"][0]["message"]["role"] == "assistant", r)
    check("chat keeps valid citations", text.count("[1]") == 2, text)
    check("chat drops a citation to a source it was not given", "[42]" not in text, text)
    cites = j.get("citations", [])
    check("chat citations point at retrieved chunks", len(cites) == 1 and
          cites[0]["index"] == 1 and cites[0]["document_id"] == disk_id and
          cites[0]["chunk_id"].startswith("%d:" % disk_id) and cites[0]["line_start"] >= 1, cites)
    check("chat answer not extractive", j.get("extractive") is False and j.get("uncited") is False,
          j)
    reqs = json.loads(http_get(llm_url, "/_requests"))
    chat_reqs = [q for q in reqs if q["path"].endswith("/chat/completions")]
    check("model got one request", len(chat_reqs) == 1, len(chat_reqs))
    if chat_reqs:
        body = chat_reqs[0]["body"]
        msgs = body.get("messages", [])
        last = msgs[-1]["content"] if msgs else ""
        check("model request lists numbered sources", "[1] runbooks/disk-full.md" in last and
              "Question: FAKE:cite" in last, last[:300])
        check("model request carries the history", any(m["content"] == "earlier answer"
                                                        for m in msgs), msgs)
        check("model request model name", body.get("model") == "fake-model", body.get("model"))
    check("secret never sent to the model", SECRET not in json.dumps(reqs))

    # ---- chat with the model, streamed
    json.loads(http_post(llm_url, "/_reset", b""))
    r = req(s, "POST", "/v1/chat/completions",
            {"stream": True, "messages": [{"role": "user",
                                          "content": "FAKE:cite disk full, what now?"}]}, A)
    check("stream 200 event-stream", r.status == 200 and
          r.headers.get("content-type", "").startswith("text/event-stream"), r)
    check("stream is chunked", r.headers.get("transfer-encoding") == "chunked", r.headers)
    ev = sse_events(r.body)
    check("stream ends with [DONE]", ev and ev[-1] == "[DONE]", ev[-2:])
    chunks = [json.loads(e) for e in ev if e != "[DONE]"]
    first = chunks[0] if chunks else {}
    check("first chunk: role and citations", first.get("object") == "chat.completion.chunk" and
          first["choices"][0]["delta"].get("role") == "assistant" and
          len(first.get("citations", [])) >= 1 and
          first["citations"][0]["document_id"] == disk_id, first)
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    check("stream text cites [1], not [42]", streamed.count("[1]") == 2 and "[42]" not in streamed,
          streamed)
    check("stream came in several deltas", sum(1 for c in chunks
                                               if c["choices"][0]["delta"].get("content")) > 2,
          len(chunks))
    check("last chunk: stop with the cited sources", chunks and
          chunks[-1]["choices"][0]["finish_reason"] == "stop" and
          [c["index"] for c in chunks[-1].get("citations", [])] == [1], chunks[-1:])
    reqs = json.loads(http_get(llm_url, "/_requests"))
    check("streamed from the model", any(q["body"].get("stream") is True for q in reqs), reqs[:1])
    check("stream has no secret", SECRET.encode() not in r.body)

    # ---- a model answer with no valid citation: marked and backed by passages
    r = req(s, "POST", "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "FAKE:uncited docker prune disk"}]}, A)
    j = r.json() or {}
    text = j.get("choices", [{}])[0].get("message", {}).get("content", "")
    check("uncited answer is marked", j.get("uncited") is True and "From the sources:" in text and
          "[1]" in text, j)

    # ---- triage reports get runbook references from the knowledge base
    runbook = ("# Docker builds\n\n## npm ci fails in the image build\n\nWhen `npm ci` fails "
               "with \"can only install with an existing package-lock.json\", commit "
               "package-lock.json and check .dockerignore.\n")
    r = req(s, "POST", "/v1/kb/documents", {"name": "runbooks/docker-npm.md", "content": runbook}, A)
    check("docker runbook 201", r.status == 201, r)
    docker_id = (r.json() or {}).get("id")
    log = open(os.path.join(SRC, "tests/e2e/cases/gha-docker.log"), "rb").read()
    r = s.request("POST", "/v1/triage", log, dict(A))
    refs = (r.json() or {}).get("references", [])
    check("triage report references the runbook", r.status == 200 and any(
        x.get("kind") == "runbook" and x.get("document_id") == docker_id and
        x.get("chunk_id", "").startswith("%d:" % docker_id) for x in refs), refs)
    check("triage references only matching runbooks", all(
        x.get("document_id") in (docker_id,) for x in refs if x.get("kind") == "runbook"), refs)
    r = s.request("POST", "/v1/triage", log, dict(B))
    check("other tenant's triage has no acme runbook", r.status == 200 and
          not any(x.get("kind") == "runbook" for x in (r.json() or {}).get("references", [])), r)

    # ---- replace keeps the id, old text gone
    r = req(s, "POST", "/v1/kb/documents",
            {"name": "oom.txt", "content": "Swap exhausted\n\nAdd a swap file with fallocate.\n"},
            A)
    check("replace 200 updated", r.status == 200 and (r.json() or {}).get("updated") is True and
          (r.json() or {}).get("id") == oom_id, r)
    r = req(s, "POST", "/v1/search", {"query": "JVM OOM killer heap", "mode": "keyword"}, A)
    check("replaced text is gone", all(x["document_id"] != oom_id or "JVM" not in x["text"]
                                       for x in (r.json() or {}).get("results", [])), r)
    r = req(s, "POST", "/v1/search", {"query": "swap fallocate", "mode": "keyword"}, A)
    res = (r.json() or {}).get("results", [])
    check("replacement is found", res and res[0]["document_id"] == oom_id, res[:1])

    # ---- delete
    r = req(s, "DELETE", "/v1/kb/documents/%d" % notes_id, None, A)
    check("delete 200", r.status == 200 and r.json() == {"deleted": notes_id}, r)
    r = req(s, "DELETE", "/v1/kb/documents/%d" % notes_id, None, A)
    check("delete again 404", r.status == 404, r)
    r = req(s, "DELETE", "/v1/kb/documents/abc", None, A)
    check("delete bad id 404", r.status == 404, r)
    r = req(s, "POST", "/v1/search", {"query": "flaky test quarantine", "mode": "keyword"}, A)
    check("deleted document not found", all(x["document_id"] != notes_id
                                            for x in (r.json() or {}).get("results", [])), r)

    # ---- bad inputs: status, a message naming the problem, nothing written
    before = db_rows(db, "SELECT count(*), coalesce(sum(n_chunks), 0) FROM kb_documents")
    bad = [
        ("malformed JSON", "/v1/kb/documents", '{"name": "x.md", "content": ', 400, "JSON"),
        ("unknown format", "/v1/kb/documents", {"name": "x.docx", "content": "a"}, 400, "format"),
        ("bad format field", "/v1/kb/documents", {"name": "x", "format": "word", "content": "a"},
         400, "format"),
        ("corrupt pdf", "/v1/kb/documents",
         {"name": "bad.pdf", "content_base64": base64.b64encode(b"%PDF-1.4 garbage").decode()},
         400, ""),
        ("bad base64", "/v1/kb/documents", {"name": "b.pdf", "content_base64": "!!!"}, 400,
         "content_base64"),
        ("no name", "/v1/kb/documents", {"content": "a"}, 400, "name"),
        ("both contents", "/v1/kb/documents", {"name": "a.md", "content": "a",
                                              "content_base64": "YQ=="}, 400, "content"),
        ("empty document", "/v1/kb/documents", {"name": "e.md", "content": "  \n"}, 400, ""),
        ("unknown mode", "/v1/search", {"query": "x", "mode": "fuzzy"}, 400, "mode"),
        ("top_k 0", "/v1/search", {"query": "x", "top_k": 0}, 400, "top_k"),
        ("top_k 1000", "/v1/search", {"query": "x", "top_k": 1000}, 400, "top_k"),
        ("query too long", "/v1/search", {"query": "x" * 5000}, 400, "query"),
        ("empty query", "/v1/search", {"query": ""}, 400, "query"),
        ("unknown field", "/v1/search", {"query": "x", "k": 3}, 400, "k"),
        ("chat without user", "/v1/chat/completions",
         {"messages": [{"role": "assistant", "content": "x"}]}, 400, "messages"),
        ("chat bad role", "/v1/chat/completions",
         {"messages": [{"role": "robot", "content": "x"}]}, 400, "role"),
        ("chat too many messages", "/v1/chat/completions",
         {"messages": [{"role": "user", "content": "x"}] * 65}, 400, "messages"),
        ("chat top_k 0", "/v1/chat/completions",
         {"messages": [{"role": "user", "content": "x"}], "top_k": 0}, 400, "top_k"),
        ("chat malformed", "/v1/chat/completions", "{", 400, "JSON"),
    ]
    for name, path, body, status, word in bad:
        r = req(s, "POST", path, body, A)
        msg = ((r.json() or {}).get("error") or {}).get("message", "")
        check("bad input: %s -> %d" % (name, status), r.status == status and word in msg,
              "%r %s" % (r, msg))
    r = s.request("POST", "/v1/search", json.dumps({"query": "x"}), dict(A))
    check("no content type 415", r.status == 415, r)
    big = {"name": "big.txt", "content": "a" * (17 * 1024 * 1024)}
    r = req(s, "POST", "/v1/kb/documents", big, A)
    check("oversized document 413", r.status == 413, r)
    r = s.raw(b"POST /v1/kb/documents HTTP/1.1\r\nHost: x\r\nAuthorization: " +
              A["Authorization"].encode() + b"\r\nContent-Type: application/json\r\n"
              b"Content-Length: 30000000\r\n\r\n", shutdown=True)
    check("oversized body 413", r.startswith(b"HTTP/1.1 413"), r[:200])
    after = db_rows(db, "SELECT count(*), coalesce(sum(n_chunks), 0) FROM kb_documents")
    check("bad inputs wrote nothing", before == after, (before, after))

    # ---- the secret is in no stored row; its placeholder is
    rows = db_rows(db, "SELECT text || heading FROM kb_chunks")
    check("secret not in stored chunks", rows and all(SECRET not in t for (t,) in rows))
    check("placeholder stored instead", any("[REDACTED:" in t for (t,) in rows))
    raw = open(db, "rb").read()
    wal = db + "-wal"
    if os.path.exists(wal):
        raw += open(wal, "rb").read()
    check("secret not in the database files", SECRET.encode() not in raw)
    check("secret not in the server log", SECRET not in s.log())


def http_get(base, path):
    c = http.client.HTTPConnection(base.split("//")[1], timeout=10)
    c.request("GET", path)
    return c.getresponse().read()


def http_post(base, path, body):
    c = http.client.HTTPConnection(base.split("//")[1], timeout=10)
    c.request("POST", path, body=body)
    return c.getresponse().read() or b"{}"


if __name__ == "__main__":
    main()
