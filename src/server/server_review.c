/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `POST /v1/review`: the review rules over a unified diff sent in the body,
 * answered in the format asked for (JSON by default; SARIF 2.1.0 and
 * reviewdog rdjson for CI tools; text). Nothing is stored. A malformed diff
 * is a 400 naming its line.
 */
#include <string.h>

#include "review/review.h"
#include "risk/risk.h"
#include "server/server_int.h"

#define REVIEW_MAX_DIFF_BYTES (16u * 1024 * 1024)

int wf_server__risk_report(struct wf_server__ctx *c, const char *tenant,
                           const struct wf_risk_diff *d, const char *message, int text,
                           struct wf_buf *out, int *score, char *version, size_t cap)
{
    struct wf_risk_change_file *files = NULL;
    struct wf_risk_change_metrics cm;
    struct wf_risk_assessment a;
    struct wf_server__held *held = NULL;
    memset(&cm, 0, sizeof(cm));
    int rc = wf_server__risk_model_acquire(c, tenant, &held);
    if (rc)
        return rc;
    const struct wf_ml_model *m = wf_server__held_model(held);
    if (!m)
        m = c->risk_model;
    if (version)
        wf_server__held_version(held, version, cap);
    /* the service has no clone of the repository: the score is the diff's */
    rc = wf_risk_diff_files(d, &files);
    if (!rc)
        rc = wf_risk_change_size_metrics(files, d->n_files, &cm.c);
    if (!rc) {
        cm.c.date = wf_store_now_ms() / 1000;
        cm.have_message = message != NULL;
        cm.c.m[WF_RISK_FIX] = wf_risk_is_fix_message(message);
        rc = wf_risk_assess(m, &cm, files, d->n_files, &a);
    }
    if (!rc)
        rc = text ? wf_risk_report_text(&a, &cm, out) : wf_risk_report_json(&a, &cm, out);
    if (!rc && score)
        *score = a.score;
    wf_free(files);
    wf_risk_change_metrics_cleanup(&cm);
    wf_server__model_release(c, held);
    return rc;
}

/* Reads and parses the diff of a request; answers 4xx itself and returns
 * non-zero when it cannot. */
static int request_diff(struct wf_http_req *req, struct wf_http_resp *resp, char **text,
                        struct wf_risk_diff *d)
{
    size_t len = 0, err_line = 0;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    int rc = wf_http_req_body(req, REVIEW_MAX_DIFF_BYTES, text, &len);
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "bad_body", "%s", wf_strerror(rc));
    } else if ((rc = wf_risk_diff_parse(*text, len, d, &err_line, &err)) != WF_OK) {
        if (rc == WF_ETOOBIG)
            wf_http_resp_error(resp, req, 413, "too_large", "%s",
                               err.p ? err.p : "the diff exceeds a limit");
        else
            wf_http_resp_error(resp, req, 400, "bad_diff", "diff line %zu: %s", err_line,
                               err.p ? err.p : wf_strerror(rc));
    } else if (d->n_files == 0) {
        rc = WF_EEMPTY;
        wf_http_resp_error(resp, req, 422, "empty_diff",
                           "no file diff found (expected `git diff` or `diff -u` output)");
    }
    wf_buf_cleanup(&err);
    return rc;
}

void wf_server__h_risk(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char fmt[16], message[4096];
    int q = wf_http_req_query(req, "format", fmt, sizeof fmt);
    int text = q == 1 && strcmp(fmt, "text") == 0;
    if (q < 0 || (q == 1 && !text && strcmp(fmt, "json") != 0)) {
        wf_http_resp_error(resp, req, 400, "bad_query", "format must be json or text");
        return;
    }
    int qm = wf_http_req_query(req, "message", message, sizeof message);
    if (qm < 0) {
        wf_http_resp_error(resp, req, 400, "bad_query", "message is too long or badly encoded");
        return;
    }
    char *body = NULL;
    struct wf_risk_diff d;
    wf_risk_diff_init(&d);
    if (request_diff(req, resp, &body, &d) == WF_OK) {
        resp->status = 200;
        resp->content_type = text ? "text/plain; charset=utf-8" : "application/json";
        char version[64];
        int rc = wf_server__risk_report(c, req->tenant, &d, qm == 1 ? message : NULL, text,
                                        &resp->body, NULL, version, sizeof version);
        if (rc == WF_OK) /* the risk model that scored it, as GET /v1/models names it */
            rc = wf_http_resp_header(resp, "X-WorkflowAI-Risk-Model", version);
        if (rc != WF_OK)
            wf_http_resp_error(resp, req, wf_err_http_status(rc), "risk_failed", "%s",
                               wf_strerror(rc));
    }
    wf_risk_diff_cleanup(&d);
    wf_free(body);
}

void wf_server__h_review(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    char fmt_name[16];
    enum wf_review_format fmt = WF_REVIEW_FMT_JSON;
    int q = wf_http_req_query(req, "format", fmt_name, sizeof fmt_name);
    if (q < 0 || (q == 1 && wf_review_format_parse(fmt_name, &fmt) != WF_OK)) {
        wf_http_resp_error(resp, req, 400, "bad_query",
                           "format must be json, sarif, rdjson or text");
        return;
    }
    char *text = NULL;
    struct wf_risk_diff d;
    struct wf_review_result res;
    struct wf_reviewer *rv = NULL;
    wf_risk_diff_init(&d);
    wf_review_result_init(&res);
    if (request_diff(req, resp, &text, &d) != WF_OK)
        goto out;
    int rc = wf_review_new(NULL, &rv);
    if (rc == WF_OK)
        rc = wf_review_run(rv, &d, &res);
    if (rc == WF_OK) {
        resp->status = 200;
        resp->content_type = fmt == WF_REVIEW_FMT_TEXT    ? "text/plain; charset=utf-8"
                             : fmt == WF_REVIEW_FMT_SARIF ? "application/sarif+json"
                                                          : "application/json";
        rc = wf_review_write(&res, fmt, &resp->body);
    }
    if (rc != WF_OK)
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "review_failed", "%s",
                           wf_strerror(rc));
out:
    wf_review_free(rv);
    wf_review_result_cleanup(&res);
    wf_risk_diff_cleanup(&d);
    wf_free(text);
}

void wf_server__h_reviews(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char repo[256], number[32];
    int qr = wf_http_req_query(req, "repo", repo, sizeof repo);
    int qn = wf_http_req_query(req, "number", number, sizeof number);
    if (qr < 0 || qn < 0) {
        wf_http_resp_error(resp, req, 400, "bad_query", "repo or number is malformed");
        return;
    }
    json_t *j = NULL;
    int rc = wf_store_review_list(c->store, req->tenant, qr == 1 ? repo : NULL,
                                  qn == 1 ? number : NULL, &j);
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "query_failed", "%s",
                           wf_strerror(rc));
        return;
    }
    wf_server__reply_json(resp, 200, j);
}
