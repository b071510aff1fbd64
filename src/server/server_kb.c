/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Knowledge-base routes: document upload, listing and deletion, search in
 * keyword, semantic or hybrid mode, and an OpenAI-compatible
 * /v1/chat/completions that answers from the tenant's documents with
 * citations, as one JSON object or as server-sent events streamed while
 * the answer is generated. Every call is scoped to the authenticated
 * tenant.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

int wf_server__kb_open(struct wf_server__ctx *c, struct wf_buf *err)
{
    const struct wf_server_config *cfg = c->cfg;
    struct wf_embed *e = NULL;
    int rc;
    if (cfg->embed_url[0]) {
        if (!cfg->embed_model[0]) {
            wf_buf_puts(err, "--embed-url needs --embed-model");
            return WF_EINVAL;
        }
        struct wf_embed_openai_config ec = {cfg->embed_url,
                                            cfg->embed_api_key[0] ? cfg->embed_api_key : NULL,
                                            cfg->embed_model, cfg->llm_timeout_ms, 0};
        rc = wf_embed_openai(&ec, &e);
    } else {
        rc = wf_embed_builtin(&e);
    }
    if (rc) {
        wf_buf_appendf(err, "embedding provider: %s", wf_strerror(rc));
        return rc;
    }
    struct wf_kb_opts o = {c->store, e, &c->redact_cfg.opts, 0, 0};
    return wf_kb_new(&o, &c->kb);
}

/* Answers a kb error with its status and message. */
static void kb_error(struct wf_http_req *req, struct wf_http_resp *resp, int rc,
                     const struct wf_buf *err)
{
    const char *msg = err->len ? err->p : wf_strerror(rc);
    switch (rc) {
    case WF_EINVAL:
    case WF_EFORMAT:
    case WF_EEMPTY:
        wf_http_resp_error(resp, req, 400,
                           rc == WF_EFORMAT  ? "unparseable_document"
                           : rc == WF_EEMPTY ? "empty_document"
                                             : "invalid_request",
                           "%s", msg);
        break;
    case WF_ETOOBIG:
        wf_http_resp_error(resp, req, 413, "too_big", "%s", msg);
        break;
    case WF_ENOENT:
        wf_http_resp_error(resp, req, 404, "not_found", "%s", msg);
        break;
    case WF_ECONFLICT:
        wf_http_resp_error(resp, req, 409, "reindex_needed", "%s", msg);
        break;
    case WF_EUPSTREAM:
    case WF_ETIMEOUT:
    case WF_EAUTH:
    case WF_ERATE:
        wf_http_resp_error(resp, req, 502, "upstream_failed", "%s", msg);
        break;
    default:
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "internal", "%s", wf_strerror(rc));
    }
}

/* Checks the content type and reads the body; answers and returns -1 on
 * failure. */
static int json_body(struct wf_http_req *req, struct wf_http_resp *resp, size_t max, char **body,
                     size_t *len)
{
    if (!wf_server__is_json(req)) {
        wf_http_resp_error(resp, req, 415, "unsupported_media_type",
                           "Content-Type must be application/json");
        return -1;
    }
    int rc = wf_http_req_body(req, max, body, len);
    if (rc) {
        wf_http_resp_error(resp, req, rc == WF_ETOOBIG ? 413 : 500,
                           rc == WF_ETOOBIG ? "too_big" : "internal", "body: %s", wf_strerror(rc));
        return -1;
    }
    return 0;
}

static json_t *iso_time(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[32];
    if (!gmtime_r(&t, &tm) || !strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm))
        return json_null();
    return json_string(s);
}

void wf_server__h_kb_add(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char *body = NULL;
    size_t len = 0;
    if (json_body(req, resp, WF_SERVER__KB_BODY_BYTES, &body, &len) != 0)
        return;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    struct wf_server__kb_doc_req r;
    int rc = wf_server__kb_doc_parse(body, len, &r, &err);
    wf_free(body);
    if (rc) {
        kb_error(req, resp, rc, &err);
        wf_buf_cleanup(&err);
        return;
    }
    struct wf_kb_add_result res;
    rc = wf_kb_add(c->kb, req->tenant, r.name, r.format, r.data, r.len, &res, &err);
    if (rc) {
        kb_error(req, resp, rc, &err);
    } else {
        wf_server__reply_json(resp, res.replaced ? 200 : 201,
                              json_pack("{s:I,s:s,s:s,s:I,s:I,s:b}", "id", (json_int_t)res.id,
                                        "name", r.name, "format", wf_doc_format_name(res.format),
                                        "bytes", (json_int_t)res.bytes, "chunks",
                                        (json_int_t)res.chunks, "updated", res.replaced));
    }
    wf_server__kb_doc_cleanup(&r);
    wf_buf_cleanup(&err);
}

void wf_server__h_kb_list(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    json_t *j = NULL;
    int rc = wf_kb_list(c->kb, req->tenant, &j);
    if (rc) {
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "internal", "%s", wf_strerror(rc));
        return;
    }
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(j, "documents"), i, d)
    {
        json_object_set_new(d, "added_at",
                            iso_time(json_integer_value(json_object_get(d, "added_ms"))));
        json_object_set_new(d, "updated_at",
                            iso_time(json_integer_value(json_object_get(d, "updated_ms"))));
        json_object_del(d, "added_ms");
        json_object_del(d, "updated_ms");
    }
    wf_server__reply_json(resp, 200, j);
}

void wf_server__h_kb_delete(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char idbuf[24];
    long id = 0;
    if (req->params[0].len >= sizeof(idbuf)) {
        wf_http_resp_error(resp, req, 404, "not_found", "no such document");
        return;
    }
    memcpy(idbuf, req->params[0].p, req->params[0].len);
    idbuf[req->params[0].len] = '\0';
    if (wf_parse_long(idbuf, 1, 0x7fffffffffffffffL, &id) != WF_OK) {
        wf_http_resp_error(resp, req, 404, "not_found", "no such document");
        return;
    }
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_kb_delete(c->kb, req->tenant, id, &err);
    if (rc == WF_ENOENT)
        wf_http_resp_error(resp, req, 404, "not_found", "no document %ld", id);
    else if (rc)
        kb_error(req, resp, rc, &err);
    else
        wf_server__reply_json(resp, 200, json_pack("{s:I}", "deleted", (json_int_t)id));
    wf_buf_cleanup(&err);
}

static json_t *chunk_id(int64_t doc, uint32_t seq)
{
    char s[48];
    snprintf(s, sizeof(s), "%lld:%u", (long long)doc, seq);
    return json_string(s);
}

void wf_server__h_search(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char *body = NULL;
    size_t len = 0;
    if (json_body(req, resp, 64 * 1024, &body, &len) != 0)
        return;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    struct wf_server__search_req r;
    int rc = wf_server__search_parse(body, len, &r, &err);
    wf_free(body);
    if (rc) {
        kb_error(req, resp, rc, &err);
        wf_buf_cleanup(&err);
        return;
    }
    struct wf_kb_query q = {r.query, r.mode, r.fusion, r.top_k};
    struct wf_search_hit *h = NULL;
    size_t n = 0;
    rc = wf_kb_search(c->kb, req->tenant, &q, &h, &n, &err);
    if (rc) {
        kb_error(req, resp, rc, &err);
    } else {
        json_t *results = json_array();
        for (size_t i = 0; results && i < n; i++)
            json_array_append_new(results,
                                  json_pack("{s:o,s:I,s:s,s:s,s:i,s:i,s:s,s:f,s:f,s:f}", "chunk_id",
                                            chunk_id(h[i].doc_id, h[i].seq), "document_id",
                                            (json_int_t)h[i].doc_id, "document", h[i].doc_name,
                                            "heading", h[i].heading, "line_start",
                                            (int)h[i].line_start, "line_end", (int)h[i].line_end,
                                            "text", h[i].text, "score", h[i].score, "keyword_score",
                                            h[i].keyword_score, "vector_score", h[i].vector_score));
        wf_server__reply_json(resp, 200,
                              json_pack("{s:s,s:s,s:o}", "mode", wf_search_mode_name(r.mode),
                                        "fusion", wf_search_fusion_name(r.fusion), "results",
                                        results));
    }
    wf_search_hits_free(h, n);
    wf_server__search_cleanup(&r);
    wf_buf_cleanup(&err);
}

/* ---- Chat completions ------------------------------------------------------------------ */

static json_t *citation(const struct wf_kb_source *s)
{
    return json_pack("{s:i,s:o,s:I,s:s,s:s,s:i,s:i}", "index", s->index, "chunk_id",
                     chunk_id(s->doc_id, s->seq), "document_id", (json_int_t)s->doc_id, "document",
                     s->doc_name ? s->doc_name : "", "heading", s->heading ? s->heading : "",
                     "line_start", (int)s->line_start, "line_end", (int)s->line_end);
}

static json_t *citations(const struct wf_kb_source *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, citation(&s[i]));
    return a;
}

struct chat {
    struct wf_http_req *req;
    struct wf_http_resp *resp;
    struct wf_http_stream *st; /* NULL until the first event */
    char id[96];
    const char *model;
    int64_t created;
    int failed; /* the client went away */
};

/* One "data: {chunk}\n\n" event with choices[0].delta = delta (taken). */
static int event(struct chat *x, json_t *delta, const char *finish, json_t *cites)
{
    json_t *ch = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:o,s:o}]}", "id", x->id, "object",
                           "chat.completion.chunk", "created", (json_int_t)x->created, "model",
                           x->model, "choices", "index", 0, "delta", delta, "finish_reason",
                           finish ? json_string(finish) : json_null());
    if (!ch) {
        json_decref(cites);
        return WF_ENOMEM;
    }
    if (cites)
        json_object_set_new(ch, "citations", cites);
    char *s = json_dumps(ch, JSON_COMPACT);
    json_decref(ch);
    if (!s)
        return WF_ENOMEM;
    struct wf_buf b;
    wf_buf_init(&b, (size_t)-1);
    int rc = wf_buf_appendf(&b, "data: %s\n\n", s);
    free(s);
    if (!rc)
        rc = wf_http_stream_write(x->st, b.p, b.len);
    wf_buf_cleanup(&b);
    if (rc)
        x->failed = 1;
    return rc;
}

static int on_sources(void *ud, const struct wf_kb_source *s, size_t n)
{
    struct chat *x = ud;
    x->resp->status = 200;
    x->resp->content_type = "text/event-stream";
    x->st = wf_http_stream_begin(x->req, x->resp);
    return event(x, json_pack("{s:s,s:s}", "role", "assistant", "content", ""), NULL,
                 citations(s, n));
}

static int on_delta(void *ud, const char *p, size_t len)
{
    struct chat *x = ud;
    json_t *d = json_object();
    json_object_set_new(d, "content", json_stringn(p, len));
    return event(x, d, NULL, NULL);
}

void wf_server__h_chat(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    const struct wf_server_config *cfg = c->cfg;
    char *body = NULL;
    size_t len = 0;
    if (json_body(req, resp, 1024 * 1024, &body, &len) != 0)
        return;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    struct wf_server__chat_req r;
    int rc = wf_server__chat_parse(body, len, &r, &err);
    wf_free(body);
    if (rc) {
        kb_error(req, resp, rc, &err);
        wf_buf_cleanup(&err);
        return;
    }
    struct wf_llm_config lc;
    wf_llm_config_init(&lc);
    int have_llm = cfg->llm_url[0] && cfg->llm_model[0];
    if (have_llm) {
        lc.base_url = cfg->llm_url;
        lc.model = cfg->llm_model;
        lc.api_key = cfg->llm_api_key[0] ? cfg->llm_api_key : NULL;
        lc.timeout_ms = cfg->llm_timeout_ms;
        lc.truncate = 1;
    }
    struct chat x;
    memset(&x, 0, sizeof(x));
    x.req = req;
    x.resp = resp;
    x.created = (int64_t)time(NULL);
    x.model = have_llm ? cfg->llm_model : "workflowai-extractive";
    snprintf(x.id, sizeof(x.id), "chatcmpl-%s", req->request_id);
    struct wf_kb_answer_opts o;
    memset(&o, 0, sizeof(o));
    o.top_k = r.top_k;
    o.llm = have_llm ? &lc : NULL;
    o.history = r.msgs;
    o.n_history = r.question; /* the turns before the question */
    if (r.stream) {
        o.on_sources = on_sources;
        o.on_delta = on_delta;
        o.ud = &x;
    }
    struct wf_kb_answer a;
    memset(&a, 0, sizeof(a));
    rc = wf_kb_answer(c->kb, req->tenant, r.texts[r.question], &o, &a, &err);
    if (x.st) {
        /* streaming: the head is out; end with the verdict */
        if (!x.failed) {
            if (rc) {
                json_t *e = json_pack("{s:{s:s,s:s}}", "error", "message",
                                      err.len ? err.p : wf_strerror(rc), "code", wf_errname(rc));
                char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
                json_decref(e);
                if (s) {
                    struct wf_buf b;
                    wf_buf_init(&b, (size_t)-1);
                    if (!wf_buf_appendf(&b, "data: %s\n\n", s))
                        wf_http_stream_write(x.st, b.p, b.len);
                    wf_buf_cleanup(&b);
                    free(s);
                }
            } else {
                /* the last chunk names the sources the answer really cites */
                event(&x, json_object(), "stop", citations(a.cited, a.n_cited));
            }
            if (!x.failed)
                wf_http_stream_write(x.st, "data: [DONE]\n\n", 14);
        }
        wf_http_stream_end(x.st);
    } else if (rc) {
        kb_error(req, resp, rc, &err);
    } else {
        json_t *j =
            json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:s},s:s}],s:o,s:b,s:b}", "id", x.id,
                      "object", "chat.completion", "created", (json_int_t)x.created, "model",
                      x.model, "choices", "index", 0, "message", "role", "assistant", "content",
                      a.text, "finish_reason", "stop", "citations", citations(a.cited, a.n_cited),
                      "extractive", a.extractive, "uncited", a.uncited);
        wf_server__reply_json(resp, 200, j);
    }
    wf_kb_answer_cleanup(&a);
    wf_server__chat_cleanup(&r);
    wf_buf_cleanup(&err);
}
