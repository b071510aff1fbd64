/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Build logs in, triage out. `POST /v1/builds/{id}/log` takes a raw or
 * gzip body (spooled to a temp file by the HTTP layer when large), inflates
 * it as it streams, redacts it line by line, stores it and enqueues the
 * triage job; `POST /v1/triage` answers an ad-hoc log synchronously.
 */
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "server/server_int.h"
#include "triage/triage.h"

typedef int (*chunk_fn)(void *ud, const char *p, size_t n);

/* Calls fn over the request body, in memory or spooled. */
static int body_each(const struct wf_http_req *req, chunk_fn fn, void *ud)
{
    if (req->body_fd < 0)
        return req->body_len ? fn(ud, req->body, req->body_len) : WF_OK;
    if (lseek(req->body_fd, 0, SEEK_SET) < 0)
        return WF_EIO;
    char buf[65536];
    for (;;) {
        ssize_t n = read(req->body_fd, buf, sizeof buf);
        if (n < 0)
            return WF_EIO;
        if (n == 0)
            return WF_OK;
        int rc = fn(ud, buf, (size_t)n);
        if (rc)
            return rc;
    }
}

/* Inflate (when gzip) then hand the bytes to the next stage. */
struct inflater {
    int gzip;
    int started, ended;
    z_stream z;
    chunk_fn next;
    void *next_ud;
};

static int inflate_chunk(void *ud, const char *p, size_t n)
{
    struct inflater *f = ud;
    if (!f->gzip)
        return f->next(f->next_ud, p, n);
    if (f->ended)
        return n ? WF_EFORMAT : WF_OK; /* bytes after the gzip trailer */
    f->z.next_in = (Bytef *)(uintptr_t)p;
    f->z.avail_in = (uInt)n;
    char out[65536];
    while (f->z.avail_in > 0) {
        f->z.next_out = (Bytef *)out;
        f->z.avail_out = sizeof out;
        int zr = inflate(&f->z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            return WF_EFORMAT;
        size_t got = sizeof out - f->z.avail_out;
        if (got) {
            int rc = f->next(f->next_ud, out, got);
            if (rc)
                return rc;
        }
        if (zr == Z_STREAM_END) {
            f->ended = 1;
            return f->z.avail_in ? WF_EFORMAT : WF_OK;
        }
        if (zr == Z_BUF_ERROR && got == 0)
            return WF_EFORMAT;
    }
    return WF_OK;
}

static int wants_gzip(const struct wf_http_req *req)
{
    struct wf_str ce = wf_http_req_header(req, "content-encoding");
    if (ce.p && ce.len == 4 && strncasecmp(ce.p, "gzip", 4) == 0)
        return 1;
    struct wf_str ct = wf_http_req_header(req, "content-type");
    return ct.p && ((ct.len >= 16 && strncasecmp(ct.p, "application/gzip", 16) == 0) ||
                    (ct.len >= 18 && strncasecmp(ct.p, "application/x-gzip", 18) == 0));
}

/* Runs the body through inflate into fn; WF_EFORMAT for a broken gzip. */
static int read_log(const struct wf_http_req *req, chunk_fn fn, void *ud)
{
    struct inflater f;
    memset(&f, 0, sizeof f);
    f.gzip = wants_gzip(req);
    f.next = fn;
    f.next_ud = ud;
    if (f.gzip && inflateInit2(&f.z, 15 + 16) != Z_OK)
        return WF_ENOMEM;
    int rc = body_each(req, inflate_chunk, &f);
    if (rc == WF_OK && f.gzip && !f.ended)
        rc = WF_EFORMAT; /* truncated gzip stream */
    if (f.gzip)
        inflateEnd(&f.z);
    return rc;
}

struct redact_sink {
    struct wf_redactor *r;
    struct wf_buf *out;
};

static int redact_chunk(void *ud, const char *p, size_t n)
{
    struct redact_sink *s = ud;
    return wf_redact_feed(s->r, p, n, s->out);
}

static int valid_id(struct wf_str s)
{
    if (s.len == 0 || s.len >= WF_LIMIT_ID_BYTES)
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-' || ch == ':'))
            return 0;
    }
    return 1;
}

static const char *provider_param(const struct wf_http_req *req, char *buf, size_t cap)
{
    int q = wf_http_req_query(req, "provider", buf, cap);
    if (q == 0)
        return "upload";
    if (q < 0)
        return NULL;
    static const char *ok[] = {"github", "gitlab", "generic", "upload"};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(buf, ok[i]) == 0)
            return ok[i];
    return NULL;
}

/* Reads the whole (inflated, redacted) log of a request into out. */
static int redacted_body(struct wf_server__ctx *c, const struct wf_http_req *req,
                         struct wf_buf *out)
{
    struct redact_sink s = {wf_server__redactor_get(c), out};
    if (!s.r)
        return WF_ENOMEM;
    int rc = read_log(req, redact_chunk, &s);
    if (rc == WF_OK)
        rc = wf_redact_finish(s.r, out);
    /* a finished redactor is clean again (no partial line, no open block)
     * and goes back to the pool; one stopped mid-stream is dropped */
    if (rc == WF_OK)
        wf_server__redactor_put(c, s.r);
    else
        wf_redact_free(s.r);
    return rc;
}

static void log_error(struct wf_http_req *req, struct wf_http_resp *resp, int rc, long cap)
{
    if (rc == WF_ETOOBIG)
        wf_http_resp_error(resp, req, 413, "too_large", "the log exceeds %ld bytes after gunzip",
                           cap);
    else if (rc == WF_EFORMAT)
        wf_http_resp_error(resp, req, 400, "bad_gzip", "the gzip body is malformed or truncated");
    else
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "read_failed",
                           "could not read the body: %s", wf_strerror(rc));
}

void wf_server__h_build_log(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    struct wf_buf log;
    wf_buf_init(&log, (size_t)c->cfg->max_log_bytes);
    char pbuf[16], repo[256] = "", branch[256] = "", sha[64] = "", name[256] = "";
    char id[WF_LIMIT_ID_BYTES];
    const char *provider = provider_param(req, pbuf, sizeof pbuf);
    if (!provider) {
        wf_http_resp_error(resp, req, 400, "bad_provider",
                           "provider must be github, gitlab, generic or upload");
        goto out;
    }
    if (!valid_id(req->params[0])) {
        wf_http_resp_error(resp, req, 400, "bad_id",
                           "the build id must be 1-127 characters of [A-Za-z0-9._:-]");
        goto out;
    }
    memcpy(id, req->params[0].p, req->params[0].len);
    id[req->params[0].len] = 0;
    if (wf_http_req_query(req, "repo", repo, sizeof repo) < 0 ||
        wf_http_req_query(req, "branch", branch, sizeof branch) < 0 ||
        wf_http_req_query(req, "sha", sha, sizeof sha) < 0 ||
        wf_http_req_query(req, "name", name, sizeof name) < 0) {
        wf_http_resp_error(resp, req, 400, "bad_query",
                           "repo, branch, sha or name is too long or badly encoded");
        goto out;
    }
    int rc = redacted_body(c, req, &log);
    if (rc != WF_OK) {
        log_error(req, resp, rc, c->cfg->max_log_bytes);
        goto out;
    }
    if (log.len == 0) {
        wf_http_resp_error(resp, req, 422, "empty_log", "the log is empty");
        goto out;
    }
    struct wf_store_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = "job";
    ev.external_id = id;
    ev.repo = repo;
    ev.branch = branch;
    ev.sha = sha;
    ev.name = name;
    ev.status = "completed";
    ev.conclusion = "failure";
    ev.occurred_ms = wf_store_now_ms();
    int64_t build_id = 0, job_id = 0;
    rc = wf_store_build_ensure(c->store, req->tenant, provider, &ev, &build_id);
    if (rc == WF_OK)
        rc = wf_store_log_put(c->store, req->tenant, build_id, log.p, log.len);
    char payload[64];
    snprintf(payload, sizeof payload, "{\"build_id\":%lld}", (long long)build_id);
    if (rc == WF_OK)
        rc = wf_queue_push(c->queue, req->tenant, "triage", payload, &job_id);
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, 503, "store_failed", "the log was not stored: %s",
                           wf_strerror(rc));
        goto out;
    }
    wf_server__reply_json(resp, 202,
                          json_pack("{s:s,s:I,s:s,s:I,s:I}", "status", "queued", "build_id",
                                    (json_int_t)build_id, "external_id", id, "job_id",
                                    (json_int_t)job_id, "bytes", (json_int_t)log.len));
out:
    wf_buf_cleanup(&log);
}

void wf_server__h_build_get(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char pbuf[16], id[WF_LIMIT_ID_BYTES];
    const char *provider = provider_param(req, pbuf, sizeof pbuf);
    if (!provider || !valid_id(req->params[0])) {
        wf_http_resp_error(resp, req, 400, "bad_request", "bad provider or build id");
        return;
    }
    memcpy(id, req->params[0].p, req->params[0].len);
    id[req->params[0].len] = 0;
    struct wf_store_build b;
    int rc = wf_store_build_find(c->store, req->tenant, provider, id, &b);
    if (rc == WF_ENOENT) {
        wf_http_resp_error(resp, req, 404, "not_found", "no %s build %s", provider, id);
        return;
    }
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, 503, "store_failed", "%s", wf_strerror(rc));
        return;
    }
    wf_server__reply_json(resp, 200,
                          json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:b}", "id",
                                    (json_int_t)b.id, "provider", b.provider, "external_id",
                                    b.external_id, "repo", b.repo, "branch", b.branch, "sha", b.sha,
                                    "name", b.name, "status", b.status, "conclusion", b.conclusion,
                                    "url", b.url, "updated_ms", (json_int_t)b.updated_ms, "has_log",
                                    b.has_log));
}

void wf_server__h_triage(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    struct wf_buf log;
    wf_buf_init(&log, (size_t)c->cfg->max_log_bytes);
    struct wf_triage_result r;
    int have = 0;
    int rc = redacted_body(c, req, &log);
    if (rc != WF_OK) {
        log_error(req, resp, rc, c->cfg->max_log_bytes);
        goto out;
    }
    struct wf_triage_opts o;
    memset(&o, 0, sizeof o);
    o.redact = &c->redact_cfg.opts;
    struct wf_kb_refs refs = {c->kb, c->store, req->tenant};
    o.references = wf_kb_triage_refs;
    o.references_ud = &refs;
    uint64_t t0 = wf_now_ns();
    rc = wf_triage_buffer(&o, log.p ? log.p : "", log.len, NULL, 0, &r);
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "triage_failed", "%s",
                           wf_strerror(rc));
        goto out;
    }
    have = 1;
    wf_server__metrics_observe(c->metrics, "workflowai_triage_duration_seconds", wf_now_ns() - t0);
    char fmt[16];
    int text = wf_http_req_query(req, "format", fmt, sizeof fmt) == 1 && strcmp(fmt, "text") == 0;
    resp->status = 200;
    resp->content_type = text ? "text/plain; charset=utf-8" : "application/json";
    rc = text ? wf_triage_format_text(&r, &resp->body) : wf_triage_format_json(&r, &resp->body);
    if (rc != WF_OK)
        wf_http_resp_error(resp, req, 500, "format_failed", "%s", wf_strerror(rc));
out:
    if (have)
        wf_triage_result_cleanup(&r);
    wf_buf_cleanup(&log);
}
