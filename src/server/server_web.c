/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web UI's routes and the log window it reads. `GET /` and
 * `GET /ui/{file}` answer the files compiled in by src/web with their
 * ETag (304 on If-None-Match), caching and security headers; the files are
 * public, the data comes from the authenticated /v1 API. `GET
 * /v1/builds/{id}/log` answers a window of the stored (already redacted)
 * log, numbered the way triage numbers lines, so a failure's excerpt can be
 * shown with the lines around it.
 */
#include <string.h>

#include "server/server_int.h"
#include "web/web.h"

static void web_headers(struct wf_http_resp *resp)
{
    const char *const *h = wf_web_headers();
    for (size_t i = 0; h[i]; i += 2)
        wf_http_resp_header(resp, h[i], h[i + 1]);
}

void wf_server__h_web(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    const struct wf_web_file *f = wf_web_find(req->path);
    if (!f) {
        wf_http_resp_error(resp, req, 404, "not_found", "no such file");
        web_headers(resp);
        return;
    }
    web_headers(resp);
    wf_http_resp_header(resp, "ETag", f->etag);
    resp->content_type = f->content_type;
    if (wf_web_etag_matches(wf_http_req_header(req, "if-none-match"), f->etag)) {
        resp->status = 304;
        return;
    }
    resp->status = 200;
    if (wf_buf_append(&resp->body, f->data, f->len) != WF_OK)
        wf_http_resp_error(resp, req, 500, "internal", "out of memory");
}

/* Appends s[0..n) to out as valid UTF-8: each byte of an invalid sequence
 * becomes U+FFFD, so a binary log line cannot break the JSON answer. */
static int utf8_clean(const unsigned char *s, size_t n, struct wf_buf *out)
{
    static const char repl[] = "\xef\xbf\xbd";
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k = c < 0x80                   ? 1
                   : (c >= 0xc2 && c <= 0xdf) ? 2
                   : (c >= 0xe0 && c <= 0xef) ? 3
                   : (c >= 0xf0 && c <= 0xf4) ? 4
                                              : 0;
        int ok = k > 0 && i + k <= n;
        for (size_t j = 1; ok && j < k; j++)
            ok = (s[i + j] & 0xc0) == 0x80;
        /* overlongs and surrogates (RFC 3629) */
        if (ok && k == 3 && c == 0xe0 && s[i + 1] < 0xa0)
            ok = 0;
        if (ok && k == 3 && c == 0xed && s[i + 1] > 0x9f)
            ok = 0;
        if (ok && k == 4 && c == 0xf0 && s[i + 1] < 0x90)
            ok = 0;
        if (ok && k == 4 && c == 0xf4 && s[i + 1] > 0x8f)
            ok = 0;
        int rc = ok ? wf_buf_append(out, s + i, k) : wf_buf_append(out, repl, 3);
        if (rc)
            return rc;
        i += ok ? k : 1;
    }
    return WF_OK;
}

int wf_server__log_window(const char *log, size_t len, long from, long to, json_t **out)
{
    if (from < 1 || to < from || to - from + 1 > (long)WF_SERVER_LOG_WINDOW_LINES)
        return WF_EINVAL;
    json_t *lines = json_array();
    struct wf_buf line;
    wf_buf_init(&line, 3 * WF_SERVER_LOG_LINE_BYTES + 8); /* U+FFFD is 3 bytes */
    int rc = lines ? WF_OK : WF_ENOMEM;
    long no = 0;
    size_t i = 0;
    /* a line ends at \r\n, \r or \n, as the log reader counts them */
    while (!rc && i < len) {
        size_t s = i;
        while (i < len && log[i] != '\n' && log[i] != '\r')
            i++;
        size_t e = i;
        if (i < len && log[i] == '\r' && i + 1 < len && log[i + 1] == '\n')
            i += 2;
        else if (i < len)
            i++;
        no++;
        if (no < from)
            continue;
        if (no > to)
            continue; /* keep counting: total_lines is the whole log's */
        wf_buf_reset(&line);
        size_t n = e - s;
        int cut = n > WF_SERVER_LOG_LINE_BYTES;
        if (cut)
            n = WF_SERVER_LOG_LINE_BYTES;
        rc = utf8_clean((const unsigned char *)log + s, n, &line);
        if (!rc && cut)
            rc = wf_buf_append(&line, " [...]", 6);
        json_t *js = NULL;
        if (!rc) {
            js = json_stringn(line.p ? line.p : "", line.len);
            rc = js ? WF_OK : WF_ENOMEM;
        }
        if (!rc && json_array_append_new(lines, js) != 0)
            rc = WF_ENOMEM;
    }
    wf_buf_cleanup(&line);
    json_t *o = NULL;
    if (!rc) {
        long got = (long)json_array_size(lines);
        o = json_pack("{s:I,s:I,s:I,s:O}", "from", (json_int_t)from, "to",
                      (json_int_t)(got ? from + got - 1 : from - 1), "total_lines", (json_int_t)no,
                      "lines", lines);
        rc = o ? WF_OK : WF_ENOMEM;
    }
    json_decref(lines);
    if (!rc)
        *out = o;
    return rc;
}

static int query_long(struct wf_http_req *req, const char *name, long lo, long hi, long *v)
{
    char buf[24];
    int q = wf_http_req_query(req, name, buf, sizeof buf);
    if (q == 0)
        return 0;
    if (q < 0 || wf_parse_long(buf, lo, hi, v) != WF_OK)
        return -1;
    return 1;
}

void wf_server__h_build_log_window(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char pbuf[16], id[WF_LIMIT_ID_BYTES];
    const char *provider = "upload";
    int q = wf_http_req_query(req, "provider", pbuf, sizeof pbuf);
    if (q == 1 && (strcmp(pbuf, "github") == 0 || strcmp(pbuf, "gitlab") == 0 ||
                   strcmp(pbuf, "generic") == 0 || strcmp(pbuf, "upload") == 0))
        provider = pbuf;
    else if (q != 0) {
        wf_http_resp_error(resp, req, 400, "bad_provider",
                           "provider must be github, gitlab, generic or upload");
        return;
    }
    struct wf_str p = req->params[0];
    if (p.len == 0 || p.len >= sizeof id) {
        wf_http_resp_error(resp, req, 400, "bad_id", "the build id must be 1-127 characters");
        return;
    }
    memcpy(id, p.p, p.len);
    id[p.len] = 0;
    long from = 1, to = 0;
    int qf = query_long(req, "from", 1, 0x7fffffffL, &from);
    int qt = query_long(req, "to", 1, 0x7fffffffL, &to);
    if (qf < 0 || qt < 0) {
        wf_http_resp_error(resp, req, 400, "bad_query", "from and to must be line numbers >= 1");
        return;
    }
    if (qt == 0)
        to = from + 199;
    if (to < from || to - from + 1 > (long)WF_SERVER_LOG_WINDOW_LINES) {
        wf_http_resp_error(resp, req, 400, "bad_query",
                           "to must be >= from and the window at most %u lines",
                           WF_SERVER_LOG_WINDOW_LINES);
        return;
    }
    struct wf_store_build b;
    int rc = wf_store_build_find(c->store, req->tenant, provider, id, &b);
    if (rc == WF_ENOENT || (rc == WF_OK && !b.has_log)) {
        wf_http_resp_error(resp, req, 404, "not_found", "no log for %s build %s", provider, id);
        return;
    }
    char *log = NULL;
    size_t len = 0;
    if (rc == WF_OK)
        rc = wf_store_log_get(c->store, req->tenant, b.id, &log, &len);
    if (rc == WF_ENOENT) {
        wf_http_resp_error(resp, req, 404, "not_found", "no log for %s build %s", provider, id);
        return;
    }
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, 503, "store_failed", "%s", wf_strerror(rc));
        return;
    }
    json_t *j = NULL;
    rc = wf_server__log_window(log, len, from, to, &j);
    wf_free(log);
    if (rc == WF_OK)
        rc = json_object_set_new(j, "build_id", json_integer(b.id)) ? WF_ENOMEM : WF_OK;
    if (rc != WF_OK) {
        json_decref(j);
        wf_http_resp_error(resp, req, 500, "internal", "%s", wf_strerror(rc));
        return;
    }
    wf_server__reply_json(resp, 200, j);
}
