/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feedback routes: POST /v1/feedback stores a label of the authenticated
 * principal (notes redacted first), GET /v1/labeling/queue lists the
 * unlabelled failures the classifier is least sure of, and GET
 * /v1/labeling/agreement reports how far labelers agree. The checks and
 * statistics live in src/learn; this file maps them onto HTTP.
 */
#include <string.h>
#include <time.h>

#include "learn/learn.h"
#include "server/server_int.h"

void wf_server__h_feedback(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    if (!wf_server__is_json(req)) {
        wf_http_resp_error(resp, req, 415, "unsupported_media_type",
                           "Content-Type must be application/json");
        return;
    }
    struct wf_buf err, note;
    wf_buf_init(&err, 1024);
    wf_buf_init(&note, 4u * WF_STORE_NOTE_BYTES);
    struct wf_learn_feedback *fb = wf_calloc(1, sizeof *fb);
    int rc = fb ? wf_learn_feedback_parse(req->body ? req->body : "", req->body_len, fb, &err)
                : WF_ENOMEM;
    if (rc == WF_ENOMEM) {
        wf_http_resp_error(resp, req, 503, "out_of_memory", "no memory");
        goto out;
    }
    if (rc) {
        wf_http_resp_error(resp, req, rc == WF_ETOOBIG ? 413 : 400,
                           rc == WF_EFORMAT ? "bad_json" : "invalid_field", "%s",
                           err.p ? err.p : wf_strerror(rc));
        goto out;
    }
    rc = wf_learn_redact(&c->redact_cfg.opts, fb->note, &note);
    if (rc == WF_OK && note.len > WF_STORE_NOTE_BYTES) {
        note.p[WF_STORE_NOTE_BYTES] = 0; /* masks can lengthen a note: keep the cap */
        note.len = WF_STORE_NOTE_BYTES;
    }
    if (rc) {
        wf_http_resp_error(resp, req, 503, "out_of_memory", "could not redact the note");
        goto out;
    }
    struct wf_store_label l;
    wf_learn_feedback_label(fb, req->tenant, req->principal[0] ? req->principal : "unknown", note.p,
                            &l);
    int64_t id = 0;
    rc = wf_store_label_put(c->store, &l, &id);
    if (rc == WF_ENOENT) {
        if (strcmp(fb->kind, "resolution") == 0)
            wf_http_resp_error(resp, req, 404, "not_found", "signature: no failure with %s",
                               fb->signature);
        else
            wf_http_resp_error(resp, req, 404, "not_found", "%s: no failure %lld",
                               strcmp(fb->kind, "category") == 0 ? "failure_id" : "target_id",
                               (long long)fb->failure_id);
        goto out;
    }
    if (rc) {
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "store_failed",
                           "the feedback was not stored (%s)", wf_strerror(rc));
        goto out;
    }
    wf_server__metrics_count(c->metrics, "workflowai_feedback_total", "kind", fb->kind, 1);
    wf_server__reply_json(resp, 201,
                          json_pack("{s:I,s:s}", "id", (json_int_t)id, "kind", fb->kind));
out:
    wf_free(fb);
    wf_buf_cleanup(&err);
    wf_buf_cleanup(&note);
}

void wf_server__h_labeling_queue(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char buf[16];
    long limit = 20;
    int q = wf_http_req_query(req, "limit", buf, sizeof buf);
    if (q < 0 || (q == 1 && wf_parse_long(buf, 1, WF_LIMIT_PAGE_ITEMS, &limit) != WF_OK)) {
        wf_http_resp_error(resp, req, 400, "bad_query", "limit must be 1..%u", WF_LIMIT_PAGE_ITEMS);
        return;
    }
    json_t *j = NULL;
    int rc = wf_store_label_queue(c->store, req->tenant, (int)limit, &j);
    if (rc) {
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "query_failed", "%s",
                           wf_strerror(rc));
        return;
    }
    /* the list view's names: excerpt (the first key line), predicted category */
    json_t *items = json_object_get(j, "items"), *it;
    size_t i;
    json_array_foreach(items, i, it)
    {
        json_object_set(it, "excerpt", json_object_get(it, "title"));
        json_object_del(it, "title");
        json_object_set(it, "predicted", json_object_get(it, "category"));
    }
    json_object_set_new(j, "order", json_string("margin"));
    wf_server__reply_json(resp, 200, j);
}

void wf_server__h_labeling_agreement(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char buf[16];
    long min_shared = 5;
    int q = wf_http_req_query(req, "min_shared", buf, sizeof buf);
    if (q < 0 || (q == 1 && wf_parse_long(buf, 1, 1000000, &min_shared) != WF_OK)) {
        wf_http_resp_error(resp, req, 400, "bad_query", "min_shared must be 1..1000000");
        return;
    }
    json_t *j = NULL;
    int rc = wf_learn_agreement(c->store, req->tenant, (size_t)min_shared, &j);
    if (rc) {
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "query_failed", "%s",
                           wf_strerror(rc));
        return;
    }
    wf_server__reply_json(resp, 200, j);
}

int wf_server__resolution_of(struct wf_server__ctx *c, const char *tenant, const char *signature,
                             json_t **out)
{
    struct wf_store_label_filter f = {.kind = "resolution", .signature = signature, .limit = 1};
    json_t *page = NULL;
    *out = NULL;
    int rc = wf_store_label_list(c->store, tenant, &f, &page);
    if (rc)
        return rc;
    json_t *it = json_array_get(json_object_get(page, "items"), 0);
    if (it) {
        char at[32];
        wf_server__iso_time(json_integer_value(json_object_get(it, "created_ms")), at, sizeof at);
        *out =
            json_pack("{s:O,s:O,s:O,s:s}", "note", json_object_get(it, "note"), "fix_commit",
                      json_object_get(it, "fix_commit"), "by", json_object_get(it, "by"), "at", at);
        if (!*out)
            rc = WF_ENOMEM;
    }
    json_decref(page);
    return rc;
}

void wf_server__iso_time(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
