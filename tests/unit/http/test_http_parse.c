/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the connection-less request parser, the route table and
 * the request/response helpers: which status each malformed or oversized
 * request gets, requests split at every byte, pipelined requests handed
 * out one at a time, route compilation errors, 404 vs 405 masks, query
 * decoding, header injection and the JSON error shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

static void h_none(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)req;
    (void)resp;
    (void)ud;
}

static const struct wf_http_route routes[] = {
    {WF_HTTP_GET, "/health", h_none, WF_HTTP_ROUTE_INLINE, 0, "health"},
    {WF_HTTP_GET, "/v1/items/{id}", h_none, 0, 0, "item"},
    {WF_HTTP_DELETE, "/v1/items/{id}", h_none, 0, 0, "item_del"},
    {WF_HTTP_POST, "/v1/echo", h_none, 0, 1024, "echo"},
    {WF_HTTP_PUT, "/a/{x}/b/{y}", h_none, 0, 0, "ab"},
    {WF_HTTP_GET, "/", h_none, 0, 0, "root"},
};

struct pctx {
    struct wf_http__router router;
    struct wf_http__parser p;
};

static void pinit(struct pctx *c)
{
    assert_int_equal(
        wf_http__router_init(&c->router, routes, sizeof(routes) / sizeof(routes[0]), NULL), WF_OK);
    wf_http__parser_init(&c->p, &c->router, 1);
}

static void pfree(struct pctx *c)
{
    wf_http__parser_cleanup(&c->p);
    wf_http__router_cleanup(&c->router);
}

static void push(struct wf_http__parser *p, const char *s, size_t n)
{
    assert_true(wf_http__parser_room(p, n) >= n);
    memcpy(p->rbuf + p->rlen, s, n);
    p->rlen += n;
}

/* Feeds a whole input; returns the first event other than MORE/CONTINUE
 * (or MORE at the end) and the error status. */
static enum wf_http__ev run(const char *s, size_t n, int *status)
{
    struct pctx c;
    pinit(&c);
    size_t off = 0;
    enum wf_http__ev ev;
    for (;;) {
        ev = wf_http__parser_feed(&c.p);
        if (ev == WF_HTTP__EV_CONTINUE)
            continue;
        if (ev != WF_HTTP__EV_MORE || off == n)
            break;
        size_t k = n - off < 4096 ? n - off : 4096;
        push(&c.p, s + off, k);
        off += k;
    }
    *status = ev == WF_HTTP__EV_ERROR ? c.p.err_status : c.p.route_status;
    pfree(&c);
    return ev;
}

static void test_statuses(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        enum wf_http__ev ev;
        int status;
    } cases[] = {
        {"GET /health HTTP/1.1\r\n\r\n", WF_HTTP__EV_REQUEST, 0},
        {"GET /health?x=1 HTTP/1.1\r\n\r\n", WF_HTTP__EV_REQUEST, 0},
        {"GET / HTTP/1.1\r\n\r\n", WF_HTTP__EV_REQUEST, 0},
        {"GET /nope HTTP/1.1\r\n\r\n", WF_HTTP__EV_REQUEST, 404},
        {"POST /health HTTP/1.1\r\n\r\n", WF_HTTP__EV_REQUEST, 405},
        {"POST /nope HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", WF_HTTP__EV_ERROR, 404},
        {"POST /v1/echo HTTP/1.1\r\nContent-Length: 1025\r\n\r\n", WF_HTTP__EV_ERROR, 413},
        {"POST /v1/echo HTTP/1.1\r\nContent-Length: 1024\r\n\r\n", WF_HTTP__EV_MORE, 0},
        {"POST /v1/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", WF_HTTP__EV_ERROR,
         400},
        {"POST /v1/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n", WF_HTTP__EV_MORE,
         0},
        {"POST /v1/echo HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
         WF_HTTP__EV_ERROR, 400},
        {"POST /v1/echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
         WF_HTTP__EV_ERROR, 400},
        {"POST /v1/echo HTTP/1.1\r\nContent-Length: 1\r\nExpect: 200-ok\r\n\r\nx",
         WF_HTTP__EV_ERROR, 417},
        {"GET /health HTTP/1.1\r\nX-A: a\rB: c\r\n\r\n", WF_HTTP__EV_ERROR, 400},
        {"GET /health HTTP/1.1\r\nBad Header\r\n\r\n", WF_HTTP__EV_ERROR, 400},
        /* fuzz: a folded value would carry its CRLF into the header */
        {"GET /health HTTP/1.1\r\nX-Request-Id: a\r\n b\r\n\r\n", WF_HTTP__EV_ERROR, 400},
        {"GET /health HTTP/0.9\r\n\r\n", WF_HTTP__EV_ERROR, 505},
        {"GET /hea lth HTTP/1.1\r\n\r\n", WF_HTTP__EV_ERROR, 400},
        {"GET /health HTTP/9.9\r\n\r\n", WF_HTTP__EV_ERROR, 505},
        {"\x01\x02 garbage\r\n\r\n", WF_HTTP__EV_ERROR, 400},
        {"GET /health HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
         WF_HTTP__EV_REQUEST, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int status = -1;
        enum wf_http__ev ev = run(cases[i].in, strlen(cases[i].in), &status);
        if (ev != cases[i].ev || status != cases[i].status)
            fail_msg("case %zu (%s): ev %d status %d", i, cases[i].in, (int)ev, status);
    }
}

static void test_header_limits(void **state)
{
    (void)state;
    size_t n = WF_LIMIT_HTTP_HEADER_BYTES + 10;
    char *s = malloc(n + 64);
    int k = snprintf(s, n + 64, "GET /health HTTP/1.1\r\nX: ");
    memset(s + k, 'a', n);
    int status;
    /* never terminated: the head limit alone triggers 431 */
    assert_int_equal(run(s, (size_t)k + n, &status), WF_HTTP__EV_ERROR);
    assert_int_equal(status, 431);
    /* just under the limit passes */
    size_t ok = WF_LIMIT_HTTP_HEADER_BYTES - (size_t)k - 8;
    memcpy(s + k + ok, "\r\n\r\n", 4);
    assert_int_equal(run(s, (size_t)k + ok + 4, &status), WF_HTTP__EV_REQUEST);
    free(s);
    char many[4096];
    k = snprintf(many, sizeof(many), "GET /health HTTP/1.1\r\n");
    for (unsigned i = 0; i < WF_LIMIT_HTTP_HEADERS; i++)
        k += snprintf(many + k, sizeof(many) - (size_t)k, "h%u: v\r\n", i);
    memcpy(many + k, "\r\n", 3);
    assert_int_equal(run(many, strlen(many), &status), WF_HTTP__EV_REQUEST);
    memcpy(many + k, "x: y\r\n\r\n", 9);
    assert_int_equal(run(many, strlen(many), &status), WF_HTTP__EV_ERROR);
    assert_int_equal(status, 431);
}

/* Every split point of a request gives the same result. */
static void test_split_everywhere(void **state)
{
    (void)state;
    const char *in = "POST /v1/echo?q=1 HTTP/1.1\r\nHost: example\r\nX-Request-Id: r-1\r\n"
                     "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    size_t n = strlen(in);
    for (size_t cut = 1; cut < n; cut++) {
        struct pctx c;
        pinit(&c);
        push(&c.p, in, cut);
        enum wf_http__ev ev = wf_http__parser_feed(&c.p);
        assert_int_equal(ev, WF_HTTP__EV_MORE);
        push(&c.p, in + cut, n - cut);
        ev = wf_http__parser_feed(&c.p);
        assert_int_equal(ev, WF_HTTP__EV_REQUEST);
        const struct wf_http_req *req = &c.p.req;
        assert_int_equal(req->method, WF_HTTP_POST);
        assert_int_equal(req->body_len, 5);
        assert_string_equal(req->body, "abcde");
        assert_string_equal(req->request_id, "r-1");
        assert_int_equal(req->n_headers, 4);
        assert_int_equal(req->headers[3].name.len, 17);
        assert_memory_equal(req->headers[3].name.p, "transfer-encoding", 17);
        struct wf_str h = wf_http_req_header(req, "HOST");
        assert_int_equal(h.len, 7);
        assert_memory_equal(h.p, "example", 7);
        assert_int_equal(req->path.len, 8);
        assert_int_equal(req->query.len, 3);
        pfree(&c);
    }
}

/* fuzz: a '#' before the '?' made the query run past the target */
static void test_fragment_before_query(void **state)
{
    (void)state;
    struct pctx c;
    pinit(&c);
    const char *in = "GET /health#frag?x=1 HTTP/1.1\r\n\r\n";
    push(&c.p, in, strlen(in));
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_REQUEST);
    assert_int_equal(c.p.req.path.len, 7);
    assert_int_equal(c.p.req.query.len, 0);
    assert_string_equal(c.p.req.route->name, "health");
    wf_http__parser_next(&c.p);
    in = "GET /health?a=1#f HTTP/1.1\r\n\r\n";
    push(&c.p, in, strlen(in));
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_REQUEST);
    assert_int_equal(c.p.req.query.len, 3);
    assert_memory_equal(c.p.req.query.p, "a=1", 3);
    pfree(&c);
}

static void test_pipelined_one_at_a_time(void **state)
{
    (void)state;
    struct pctx c;
    pinit(&c);
    const char *in = "GET /v1/items/a HTTP/1.1\r\n\r\nDELETE /v1/items/b HTTP/1.1\r\n\r\n"
                     "PUT /a/1/b/22 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /x HTTP/1.1\r\n\r\n";
    push(&c.p, in, strlen(in));
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_REQUEST);
    assert_int_equal(c.p.req.n_params, 1);
    assert_memory_equal(c.p.req.params[0].p, "a", 1);
    /* without next() the same request stays current */
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_REQUEST);
    assert_int_equal(c.p.req.method, WF_HTTP_GET);
    assert_true(c.p.req.start_ns > 0);
    wf_http__parser_next(&c.p);
    /* nothing of the answered request leaks into the next one (a stale
     * start_ns made the after hook's duration of early errors wrong) */
    assert_int_equal(c.p.req.start_ns, 0);
    assert_string_equal(c.p.req.request_id, "");
    assert_null(c.p.req.route);
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_REQUEST);
    assert_int_equal(c.p.req.method, WF_HTTP_DELETE);
    assert_string_equal(c.p.req.route->name, "item_del");
    wf_http__parser_next(&c.p);
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_REQUEST);
    assert_int_equal(c.p.req.n_params, 2);
    assert_memory_equal(c.p.req.params[1].p, "22", 2);
    assert_string_equal(c.p.req.body, "hi");
    wf_http__parser_next(&c.p);
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_REQUEST);
    assert_int_equal(c.p.route_status, 404);
    wf_http__parser_next(&c.p);
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_MORE);
    assert_int_equal(c.p.rlen, 0);
    pfree(&c);
}

static void test_expect_continue_event(void **state)
{
    (void)state;
    struct pctx c;
    pinit(&c);
    const char *h = "POST /v1/echo HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n";
    push(&c.p, h, strlen(h));
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_CONTINUE);
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_MORE);
    push(&c.p, "xyz", 3);
    assert_int_equal(wf_http__parser_feed(&c.p), WF_HTTP__EV_REQUEST);
    assert_string_equal(c.p.req.body, "xyz");
    pfree(&c);
}

static void test_routes(void **state)
{
    (void)state;
    struct wf_http__router r;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    static const char *const bad[] = {
        "", "health", "/a/{", "/a/{}", "/a/x{y}", "/{a}/{b}/{c}/{d}/{e}", "/a/{b}}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct wf_http_route rt = {WF_HTTP_GET, bad[i], h_none, 0, 0, "x"};
        if (wf_http__router_init(&r, &rt, 1, &err) != WF_EINVAL)
            fail_msg("pattern %s accepted", bad[i]);
    }
    struct wf_http_route nofn = {WF_HTTP_GET, "/x", NULL, 0, 0, "x"};
    assert_int_equal(wf_http__router_init(&r, &nofn, 1, NULL), WF_EINVAL);
    wf_buf_cleanup(&err);

    assert_int_equal(wf_http__router_init(&r, routes, sizeof(routes) / sizeof(routes[0]), NULL),
                     WF_OK);
    struct wf_str params[WF_HTTP_MAX_PARAMS];
    size_t np;
    unsigned allow;
    const struct wf_http_route *m =
        wf_http__route_match(&r, WF_HTTP_HEAD, wf_str_c("/v1/items/9"), params, &np, &allow);
    assert_non_null(m);
    assert_string_equal(m->name, "item");
    m = wf_http__route_match(&r, WF_HTTP_PATCH, wf_str_c("/v1/items/9"), params, &np, &allow);
    assert_null(m);
    char s[96];
    wf_http__allow_string(allow, s, sizeof(s));
    assert_string_equal(s, "GET, HEAD, DELETE");
    m = wf_http__route_match(&r, WF_HTTP_GET, wf_str_c("/v1/items"), params, &np, &allow);
    assert_null(m);
    assert_int_equal(allow, 0);
    m = wf_http__route_match(&r, WF_HTTP_PUT, wf_str_c("/a//b/y"), params, &np, &allow);
    assert_null(m);
    wf_http__router_cleanup(&r);
}

static void test_helpers(void **state)
{
    (void)state;
    struct wf_http_req req;
    memset(&req, 0, sizeof(req));
    req.query = wf_str_c("a=1&b=x%41+y&c=%4&d&e=%00z&long=0123456789");
    char out[8];
    assert_int_equal(wf_http_req_query(&req, "a", out, sizeof(out)), 1);
    assert_string_equal(out, "1");
    assert_int_equal(wf_http_req_query(&req, "b", out, sizeof(out)), 1);
    assert_string_equal(out, "xA y");
    assert_int_equal(wf_http_req_query(&req, "c", out, sizeof(out)), -1);
    assert_int_equal(wf_http_req_query(&req, "d", out, sizeof(out)), 1);
    assert_string_equal(out, "");
    assert_int_equal(wf_http_req_query(&req, "long", out, sizeof(out)), -1);
    assert_int_equal(wf_http_req_query(&req, "zz", out, sizeof(out)), 0);

    struct wf_http_resp r;
    memset(&r, 0, sizeof(r));
    wf_http__resp_reset(&r);
    assert_int_equal(wf_http_resp_header(&r, "X-A", "1"), WF_OK);
    assert_int_equal(wf_http_resp_header(&r, "X-B", "a\nb"), WF_EINVAL);
    assert_int_equal(wf_http_resp_header(&r, "X-B\r\nEvil", "v"), WF_EINVAL);
    assert_int_equal(wf_http_resp_header(&r, "", "v"), WF_EINVAL);
    assert_string_equal(r.headers.p, "X-A: 1\r\n");
    snprintf(req.request_id, sizeof(req.request_id), "rid");
    wf_http_resp_printf(&r, 200, "old body");
    wf_http_resp_error(&r, &req, 429, "rate_limited", "slow \"down\" %d", 3);
    assert_int_equal(r.status, 429);
    assert_string_equal(r.body.p, "{\"error\":{\"code\":\"rate_limited\",\"message\":\"slow "
                                  "\\\"down\\\" 3\",\"request_id\":\"rid\"}}");
    wf_buf_cleanup(&r.headers);
    wf_buf_cleanup(&r.body);
    assert_string_equal(wf_http_method_name(WF_HTTP_PATCH), "PATCH");
    assert_string_equal(wf_http_method_name(WF_HTTP_OTHER), "OTHER");
    assert_string_equal(wf_http__reason(431), "Request Header Fields Too Large");
    assert_string_equal(wf_http__reason(299), "Unknown");

    /* body reader: in memory and over a file, with the cap */
    req.body = "hello";
    req.body_len = 5;
    req.body_fd = -1;
    char *b;
    size_t n;
    assert_int_equal(wf_http_req_body(&req, 4, &b, &n), WF_ETOOBIG);
    assert_int_equal(wf_http_req_body(&req, 5, &b, &n), WF_OK);
    assert_string_equal(b, "hello");
    wf_free(b);
    FILE *f = tmpfile();
    fputs("filebody", f);
    fflush(f);
    req.body = NULL;
    req.body_fd = fileno(f);
    req.body_len = 8;
    assert_int_equal(wf_http_req_body(&req, 100, &b, &n), WF_OK);
    assert_string_equal(b, "filebody");
    wf_free(b);
    req.body_len = 20; /* file shorter than announced */
    assert_int_equal(wf_http_req_body(&req, 100, &b, &n), WF_EIO);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_header_limits),
        cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_fragment_before_query),
        cmocka_unit_test(test_pipelined_one_at_a_time),
        cmocka_unit_test(test_expect_continue_event),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
