/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read routes: failures (filtered, paged, newest first), one failure with
 * its report, signatures with counts, and the job queue's state. Every
 * query takes the tenant the request authenticated as; no parameter can
 * name another.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

/* Epoch milliseconds, or "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SSZ". */
static int parse_time(const char *s, int64_t *out)
{
    long v;
    if (wf_parse_long(s, 0, 4102444800000L, &v) == WF_OK) {
        *out = v;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(s, "%Y-%m-%d", &tm);
        if (!end || *end)
            return -1;
    }
    *out = (int64_t)timegm(&tm) * 1000;
    return 0;
}

/* Fills f from the query; on error answers 400 and returns -1. Strings
 * point into bufs (caller's storage). */
struct filter_bufs {
    char repo[256], branch[256], category[64], signature[32], since[40], until[40], limit[16],
        cursor[24];
};

static int parse_filter(struct wf_http_req *req, struct wf_http_resp *resp,
                        struct wf_store_filter *f, struct filter_bufs *b)
{
    memset(f, 0, sizeof *f);
    f->limit = 50;
    struct {
        const char *name;
        char *buf;
        size_t cap;
        const char **dst;
    } s[] = {{"repo", b->repo, sizeof b->repo, &f->repo},
             {"branch", b->branch, sizeof b->branch, &f->branch},
             {"category", b->category, sizeof b->category, &f->category},
             {"signature", b->signature, sizeof b->signature, &f->signature}};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        int q = wf_http_req_query(req, s[i].name, s[i].buf, s[i].cap);
        if (q < 0) {
            wf_http_resp_error(resp, req, 400, "bad_query", "%s is too long or badly encoded",
                               s[i].name);
            return -1;
        }
        if (q == 1)
            *s[i].dst = s[i].buf;
    }
    long v;
    int q = wf_http_req_query(req, "limit", b->limit, sizeof b->limit);
    if (q < 0 || (q == 1 && wf_parse_long(b->limit, 1, WF_LIMIT_PAGE_ITEMS, &v) != WF_OK)) {
        wf_http_resp_error(resp, req, 400, "bad_query", "limit must be 1..%u", WF_LIMIT_PAGE_ITEMS);
        return -1;
    }
    if (q == 1)
        f->limit = (int)v;
    q = wf_http_req_query(req, "cursor", b->cursor, sizeof b->cursor);
    if (q < 0 || (q == 1 && wf_parse_long(b->cursor, 1, 0x7fffffffffffffffL, &v) != WF_OK)) {
        wf_http_resp_error(resp, req, 400, "bad_query", "cursor must be the `next` of a page");
        return -1;
    }
    if (q == 1)
        f->before_id = v;
    q = wf_http_req_query(req, "since", b->since, sizeof b->since);
    if (q < 0 || (q == 1 && parse_time(b->since, &f->since_ms) != 0)) {
        wf_http_resp_error(resp, req, 400, "bad_query",
                           "since must be epoch milliseconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
        return -1;
    }
    q = wf_http_req_query(req, "until", b->until, sizeof b->until);
    if (q < 0 || (q == 1 && parse_time(b->until, &f->until_ms) != 0)) {
        wf_http_resp_error(resp, req, 400, "bad_query",
                           "until must be epoch milliseconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
        return -1;
    }
    return 0;
}

static void reply_list(struct wf_http_req *req, struct wf_http_resp *resp, int rc, json_t *j)
{
    if (rc != WF_OK) {
        json_decref(j);
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "query_failed", "%s",
                           wf_strerror(rc));
        return;
    }
    wf_server__reply_json(resp, 200, j);
}

typedef int (*filtered_list_fn)(struct wf_store *st, const char *tenant,
                                const struct wf_store_filter *f, json_t **out);

/* A list route over the common filter and paging parameters. */
static void filtered_list(struct wf_http_req *req, struct wf_http_resp *resp,
                          struct wf_server__ctx *c, filtered_list_fn fn)
{
    struct wf_store_filter f;
    struct filter_bufs b;
    if (parse_filter(req, resp, &f, &b) != 0)
        return;
    json_t *j = NULL;
    int rc = fn(c->store, req->tenant, &f, &j);
    reply_list(req, resp, rc, j);
}

void wf_server__h_failures(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    filtered_list(req, resp, ud, wf_store_failure_list);
}

void wf_server__h_failure(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char buf[24];
    long id;
    if (req->params[0].len == 0 || req->params[0].len >= sizeof buf) {
        wf_http_resp_error(resp, req, 404, "not_found", "no such failure");
        return;
    }
    memcpy(buf, req->params[0].p, req->params[0].len);
    buf[req->params[0].len] = 0;
    if (wf_parse_long(buf, 1, 0x7fffffffffffffffL, &id) != WF_OK) {
        wf_http_resp_error(resp, req, 404, "not_found", "no such failure");
        return;
    }
    json_t *j = NULL;
    int rc = wf_store_failure_get(c->store, req->tenant, id, &j);
    if (rc == WF_ENOENT) {
        wf_http_resp_error(resp, req, 404, "not_found", "no failure %ld", id);
        return;
    }
    reply_list(req, resp, rc, j);
}

void wf_server__h_signatures(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    filtered_list(req, resp, ud, wf_store_signature_list);
}

void wf_server__h_jobs(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    /* queue depth across tenants is in /metrics; a tenant sees its own dead letters */
    struct wf_server__ctx *c = ud;
    json_t *dead = NULL;
    int rc = wf_queue_dead_list(c->queue, req->tenant, &dead);
    if (rc != WF_OK) {
        json_decref(dead);
        wf_http_resp_error(resp, req, 503, "queue_failed", "%s", wf_strerror(rc));
        return;
    }
    wf_server__reply_json(resp, 200, json_pack("{s:o}", "dead_jobs", dead));
}
