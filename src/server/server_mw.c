/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What runs around every handler: authentication (API keys by hash, HS256
 * JWTs), per-principal rate limits, metrics and the structured access log.
 * Also the small shared pieces handlers use: JSON replies, the redactor
 * pool and the log writer (every log line is redacted before it is
 * written).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

struct wf_redactor *wf_server__redactor_get(struct wf_server__ctx *c)
{
    struct wf_redactor *r = NULL;
    pthread_mutex_lock(&c->pool_mu);
    if (c->n_pool > 0)
        r = c->pool[--c->n_pool];
    pthread_mutex_unlock(&c->pool_mu);
    if (!r && wf_redact_new(&c->redact_cfg.opts, &r) != WF_OK)
        return NULL;
    return r;
}

void wf_server__redactor_put(struct wf_server__ctx *c, struct wf_redactor *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&c->pool_mu);
    if (c->n_pool < WF_SERVER__REDACTORS) {
        c->pool[c->n_pool++] = r;
        r = NULL;
    }
    pthread_mutex_unlock(&c->pool_mu);
    wf_redact_free(r); /* pool full */
}

static const char *level_name(int level)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    return level >= 0 && level <= 3 ? names[level] : "info";
}

void wf_server__log(struct wf_server__ctx *c, int level, const char *msg, json_t *fields)
{
    if (level < c->log_level) {
        json_decref(fields);
        return;
    }
    if (!fields)
        fields = json_object();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[64];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ts.tv_nsec / 1000000) % 1000);
    struct wf_buf line, out;
    wf_buf_init(&line, 1u << 20);
    wf_buf_init(&out, 1u << 20);
    if (c->log_json) {
        json_t *o = json_pack("{s:s,s:s,s:s}", "ts", when, "level", level_name(level), "msg", msg);
        if (o && fields)
            json_object_update(o, fields);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (s)
            wf_buf_puts(&line, s);
        free(s);
        json_decref(o);
    } else {
        wf_buf_appendf(&line, "%s %s %s", when, level_name(level), msg);
        const char *k;
        json_t *v;
        json_object_foreach(fields, k, v)
        {
            char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            if (s)
                wf_buf_appendf(&line, " %s=%s", k, s);
            free(s);
        }
    }
    json_decref(fields);
    struct wf_redactor *r = wf_server__redactor_get(c);
    if (r && line.len && wf_redact_line(r, line.p, line.len, &out, NULL) == WF_OK) {
        pthread_mutex_lock(&c->log_mu);
        fprintf(stderr, "%.*s\n", (int)out.len, out.p);
        pthread_mutex_unlock(&c->log_mu);
    }
    wf_server__redactor_put(c, r);
    wf_buf_cleanup(&line);
    wf_buf_cleanup(&out);
}

void wf_server__reply_json(struct wf_http_resp *resp, int status, json_t *j)
{
    resp->status = status;
    resp->content_type = "application/json";
    wf_buf_reset(&resp->body);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s || wf_buf_puts(&resp->body, s) != WF_OK) {
        resp->status = 500;
        wf_buf_reset(&resp->body);
        wf_buf_puts(&resp->body,
                    "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
    }
    free(s);
}

int wf_server__is_json(const struct wf_http_req *req)
{
    struct wf_str ct = wf_http_req_header(req, "content-type");
    if (!ct.p)
        return 0;
    size_t n = 0;
    while (n < ct.len && ct.p[n] != ';' && ct.p[n] != ' ')
        n++;
    return n == 16 && strncasecmp(ct.p, "application/json", 16) == 0;
}

/* "Bearer <token>" -> token, or an empty view. */
static struct wf_str bearer(const struct wf_http_req *req)
{
    struct wf_str h = wf_http_req_header(req, "authorization");
    struct wf_str none = {NULL, 0};
    if (!h.p || h.len < 7 || strncasecmp(h.p, "bearer ", 7) != 0)
        return none;
    struct wf_str t = {h.p + 7, h.len - 7};
    while (t.len && t.p[0] == ' ') {
        t.p++;
        t.len--;
    }
    return t;
}

static int unauthorized(struct wf_http_req *req, struct wf_http_resp *resp, const char *why)
{
    wf_http_resp_error(resp, req, 401, "unauthorized", "%s", why);
    wf_http_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"workflowai\"");
    return 1;
}

int wf_server__before(struct wf_http_req *req, struct wf_http_resp *resp, int is_public, void *ud)
{
    struct wf_server__ctx *c = ud;
    if (is_public)
        return 0;
    struct wf_str tok = bearer(req);
    if (!tok.p || tok.len == 0)
        return unauthorized(req, resp, "missing bearer token (an API key or a JWT)");
    if (tok.len > 4 && memcmp(tok.p, "wfk_", 4) == 0) {
        char hash[65];
        if (wf_server__key_hash(tok.p, tok.len, hash) != 0)
            return unauthorized(req, resp, "malformed API key");
        int rc = wf_store_key_find(c->store, hash, req->tenant, req->principal);
        if (rc == WF_ENOENT)
            return unauthorized(req, resp, "unknown or revoked API key");
        if (rc != WF_OK) {
            wf_http_resp_error(resp, req, 503, "store_unavailable", "could not check the key");
            return 1;
        }
    } else {
        if (!c->cfg->jwt_secret[0])
            return unauthorized(req, resp, "JWTs are not enabled on this server");
        struct wf_server__jwt_claims cl;
        struct wf_buf why;
        wf_buf_init(&why, 256);
        int rc = wf_server__jwt_verify(tok.p, tok.len, c->cfg->jwt_secret, (int64_t)time(NULL), 30,
                                       &cl, &why);
        if (rc != WF_OK) {
            char msg[300];
            snprintf(msg, sizeof msg, "invalid token: %s", why.p ? why.p : "rejected");
            wf_buf_cleanup(&why);
            return unauthorized(req, resp, msg);
        }
        wf_buf_cleanup(&why);
        snprintf(req->tenant, sizeof req->tenant, "%s", cl.tenant);
        /* the subject is capped so "jwt:" always fits */
        snprintf(req->principal, sizeof req->principal, "jwt:%.*s",
                 (int)(sizeof req->principal - 5), cl.sub[0] ? cl.sub : "-");
    }
    int retry = 0;
    int allowed = wf_server__limiter_take(c->limiter, req->principal, wf_now_ns(), &retry);
    uint64_t errs = wf_server__limiter_shared_errors(c->limiter);
    if (errs != c->limit_errors_logged && wf_now_ms() - c->limit_warn_ms >= 10000) {
        /* at most one warning per 10 s while Redis is away */
        c->limit_warn_ms = wf_now_ms();
        c->limit_errors_logged = errs;
        wf_server__log(
            c, WF_LOG_WARN, "rate_limit_local_fallback",
            json_pack("{s:s,s:I}", "reason", "redis unavailable", "errors", (json_int_t)errs));
    }
    if (!allowed) {
        char v[32];
        snprintf(v, sizeof v, "%d", retry);
        wf_http_resp_error(resp, req, 429, "rate_limited",
                           "rate limit exceeded for %s; retry after %d s", req->principal, retry);
        wf_http_resp_header(resp, "Retry-After", v);
        wf_server__metrics_count(c->metrics, "workflowai_rate_limited_total", NULL, NULL, 1);
        return 1;
    }
    return 0;
}

void wf_server__after(const struct wf_http_req *req, const struct wf_http_resp *resp,
                      uint64_t duration_ns, void *ud)
{
    struct wf_server__ctx *c = ud;
    const char *route = req->route ? req->route->name : "unmatched";
    wf_server__metrics_http(c->metrics, route, wf_http_method_name(req->method), resp->status,
                            duration_ns);
    /* probes and scrapes would drown the access log */
    int quiet = req->route && (req->route->flags & WF_HTTP_ROUTE_INLINE);
    int level = quiet ? WF_LOG_DEBUG : resp->status >= 500 ? WF_LOG_ERROR : WF_LOG_INFO;
    if (level < c->log_level)
        return;
    json_t *f = json_pack("{s:s,s:s,s:s%,s:i,s:f,s:s,s:s}", "request_id", req->request_id, "method",
                          wf_http_method_name(req->method), "path", req->path.p, req->path.len,
                          "status", resp->status, "duration_ms", (double)duration_ns / 1e6, "route",
                          route, "peer", req->peer);
    if (f && req->tenant[0])
        json_object_set_new(f, "tenant", json_string(req->tenant));
    wf_server__log(c, level, "request", f);
}
