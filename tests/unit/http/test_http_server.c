/* SPDX-License-Identifier: Apache-2.0 */
/*
 * End-to-end tests of the HTTP server over real sockets: a server on
 * 127.0.0.1 (ephemeral port) runs in a thread with a small route table
 * (inline and pooled handlers, params, spooling, an auth hook) and plain
 * socket clients check routing, bodies, keep-alive, pipelining order,
 * limits, timeouts, hooks and graceful stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <strings.h>

#include "http_test_util.h"

static atomic_int after_calls;
static atomic_int last_after_status;
static atomic_int secret_handler_runs;
static atomic_int slow_started;

static void h_health(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)req;
    (void)ud;
    wf_http_resp_printf(resp, 200, "{\"status\":\"ok\"}");
}

static void h_item(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    wf_http_resp_printf(resp, 200, "{\"id\":\"%.*s\",\"n\":%zu,\"m\":\"%s\"}",
                        (int)req->params[0].len, req->params[0].p, req->n_params,
                        wf_http_method_name(req->method));
}

static void h_item_delete(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)req;
    (void)ud;
    resp->status = 204;
}

static void h_echo(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    char *b = NULL;
    size_t n = 0;
    assert_int_equal(wf_http_req_body(req, 1 << 20, &b, &n), WF_OK);
    assert_int_equal(n, req->body_len);
    if (req->body)
        assert_int_equal(req->body[req->body_len], '\0');
    resp->content_type = "text/plain";
    wf_buf_append(&resp->body, b, n);
    wf_free(b);
}

static void h_slow(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)req;
    (void)ud;
    atomic_fetch_add(&slow_started, 1);
    usleep(300 * 1000);
    wf_http_resp_printf(resp, 200, "slow");
}

static void h_spool(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    char *b = NULL;
    size_t n = 0;
    int rc = wf_http_req_body(req, 8u << 20, &b, &n);
    unsigned long sum = 0;
    for (size_t i = 0; rc == WF_OK && i < n; i++)
        sum = sum * 31 + (unsigned char)b[i];
    wf_free(b);
    wf_http_resp_printf(resp, 200, "fd=%d len=%zu rc=%d sum=%lu", req->body_fd >= 0 ? 1 : 0,
                        req->body_len, rc, sum);
}

static void h_query(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    char q[64], x[8], bad[8];
    int a = wf_http_req_query(req, "q", q, sizeof(q));
    int b = wf_http_req_query(req, "missing", x, sizeof(x));
    int c = wf_http_req_query(req, "bad", bad, sizeof(bad));
    wf_http_resp_printf(resp, 200, "%d:%s|%d|%d", a, a == 1 ? q : "", b, c);
}

static void h_secret(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    atomic_fetch_add(&secret_handler_runs, 1);
    wf_http_resp_printf(resp, 200, "{\"tenant\":\"%s\"}", req->tenant);
}

static void h_hdr(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    struct wf_str v = wf_http_req_header(req, "X-Thing");
    assert_int_equal(wf_http_resp_header(resp, "X-Bad", "a\r\nInjected: 1"), WF_EINVAL);
    assert_int_equal(wf_http_resp_header(resp, "X-Echo", "yes"), WF_OK);
    wf_http_resp_printf(resp, 200, "[%.*s]", (int)v.len, v.p ? v.p : "");
}

static void h_big(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)req;
    (void)ud;
    static char chunk[65536];
    memset(chunk, 'b', sizeof(chunk));
    for (int i = 0; i < 256; i++) /* 16 MiB: more than the socket buffers hold */
        wf_buf_append(&resp->body, chunk, sizeof(chunk));
}

/* Deferred responses: the handler hands the request to a thread that
 * answers 50 ms later. Records on which thread each handler ran. */
static pthread_t inline_thread;
static atomic_int defer_on_inline; /* 1: the last /v1/defer ran on the I/O thread */

struct later {
    struct wf_http_deferred *d;
    struct wf_http_resp *resp;
    size_t body_len;
};

static void *answer_later(void *arg)
{
    struct later *l = arg;
    usleep(50 * 1000);
    wf_http_resp_printf(l->resp, 200, "deferred:%zu", l->body_len);
    struct wf_http_deferred *d = l->d;
    free(l);
    wf_http_resume(d);
    return NULL;
}

static void h_defer(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    atomic_store(&defer_on_inline, pthread_equal(pthread_self(), inline_thread));
    struct later *l = calloc(1, sizeof(*l));
    l->resp = resp;
    l->body_len = req->body_len;
    l->d = wf_http_defer(req);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, answer_later, l), 0);
    pthread_detach(t);
}

static void h_whoami_thread(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)req;
    (void)ud;
    inline_thread = pthread_self();
    wf_http_resp_printf(resp, 200, "io");
}

/* Streamed response: one chunk, then waits until the test has read it
 * (so the chunk provably left before the handler finished), then more. */
static atomic_int stream_release;
static atomic_int stream_write_rc;
static void h_stream(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    resp->status = 200;
    resp->content_type = "text/event-stream";
    struct wf_http_stream *st = wf_http_stream_begin(req, resp);
    assert_int_equal(wf_http_stream_write(st, "data: one\n\n", 11), WF_OK);
    for (int i = 0; i < 400 && !atomic_load(&stream_release); i++)
        usleep(5000);
    int rc = WF_OK;
    for (int i = 0; i < 200 && rc == WF_OK; i++) {
        rc = wf_http_stream_write(st, "data: two\n\n", 11);
        if (atomic_load(&stream_release) == 1)
            break; /* a reading client: one more chunk is enough */
        usleep(5000);
    }
    atomic_store(&stream_write_rc, rc);
    wf_http_stream_end(st);
}

static const struct wf_http_route routes[] = {
    {WF_HTTP_GET, "/v1/stream", h_stream, WF_HTTP_ROUTE_PUBLIC, 0, "stream"},
    {WF_HTTP_POST, "/v1/defer", h_defer, WF_HTTP_ROUTE_INLINE_SMALL | WF_HTTP_ROUTE_PUBLIC,
     1u << 20, "defer"},
    {WF_HTTP_GET, "/v1/io", h_whoami_thread, WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0, "io"},
    {WF_HTTP_GET, "/health", h_health, WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0, "health"},
    {WF_HTTP_GET, "/v1/items/{id}", h_item, WF_HTTP_ROUTE_PUBLIC, 0, "item_get"},
    {WF_HTTP_DELETE, "/v1/items/{id}", h_item_delete, WF_HTTP_ROUTE_PUBLIC, 0, "item_del"},
    {WF_HTTP_POST, "/v1/echo", h_echo, WF_HTTP_ROUTE_PUBLIC, 1024, "echo"},
    {WF_HTTP_POST, "/v1/echo_inline", h_echo, WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0,
     "echo_inline"},
    {WF_HTTP_GET, "/v1/slow", h_slow, WF_HTTP_ROUTE_PUBLIC, 0, "slow"},
    {WF_HTTP_POST, "/v1/spool", h_spool, WF_HTTP_ROUTE_SPOOL | WF_HTTP_ROUTE_PUBLIC, 4u << 20,
     "spool"},
    {WF_HTTP_GET, "/v1/query", h_query, WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0, "query"},
    {WF_HTTP_GET, "/v1/secret", h_secret, 0, 0, "secret"},
    {WF_HTTP_GET, "/v1/hdr", h_hdr, WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0, "hdr"},
    {WF_HTTP_GET, "/v1/big", h_big, WF_HTTP_ROUTE_PUBLIC, 0, "big"},
};

static int before(struct wf_http_req *req, struct wf_http_resp *resp, int is_public, void *ud)
{
    (void)ud;
    if (is_public)
        return 0;
    struct wf_str a = wf_http_req_header(req, "authorization");
    if (!a.p || a.len != 10 || memcmp(a.p, "Bearer yes", 10) != 0) {
        wf_http_resp_error(resp, req, 401, "unauthorized", "missing credentials");
        return 1;
    }
    snprintf(req->tenant, sizeof(req->tenant), "acme");
    return 0;
}

static void after(const struct wf_http_req *req, const struct wf_http_resp *resp,
                  uint64_t duration_ns, void *ud)
{
    (void)req;
    (void)duration_ns;
    (void)ud;
    atomic_store(&last_after_status, resp->status);
    atomic_fetch_add(&after_calls, 1);
}

static struct wf_http_server_opts opts(void)
{
    struct wf_http_server_opts o = {0};
    o.host = "127.0.0.1";
    o.n_io_threads = 1;
    o.n_handler_threads = 2;
    o.header_timeout_ms = 300;
    o.body_timeout_ms = 300;
    o.idle_timeout_ms = 2000;
    o.write_timeout_ms = 1000;
    o.shutdown_timeout_ms = 3000;
    o.routes = routes;
    o.n_routes = sizeof(routes) / sizeof(routes[0]);
    o.before = before;
    o.after = after;
    return o;
}

static struct fixture F;

static int setup(void **state)
{
    (void)state;
    struct wf_http_server_opts o = opts();
    fixture_start(&F, &o);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_stop(&F);
    return 0;
}

static void test_get_health(void **state)
{
    (void)state;
    struct resp p;
    char v[128];
    roundtrip(F.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", &p);
    assert_int_equal(p.status, 200);
    assert_true(strncmp(p.head, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_string_equal(p.body, "{\"status\":\"ok\"}");
    assert_string_equal(hdr(&p, "content-length", v, sizeof(v)), "15");
    assert_string_equal(hdr(&p, "content-type", v, sizeof(v)), "application/json");
    assert_int_equal(strlen(hdr(&p, "x-request-id", v, sizeof(v))), 16);
    assert_true(strstr(hdr(&p, "date", v, sizeof(v)), " GMT") != NULL);
    assert_string_equal(hdr(&p, "connection", v, sizeof(v)), "");
}

static void test_head_then_get_on_one_connection(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    char v[64];
    r->fd = client(F.port);
    SEND(r->fd, "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/items/7 HTTP/1.1\r\n\r\n");
    assert_true(read_resp(r, &p, 1));
    assert_int_equal(p.status, 200);
    assert_string_equal(hdr(&p, "content-length", v, sizeof(v)), "15");
    /* no body bytes: the next bytes are the second response */
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 200);
    assert_string_equal(p.body, "{\"id\":\"7\",\"n\":1,\"m\":\"GET\"}");
    close(r->fd);
    free(r);
}

static void test_params_404_405(void **state)
{
    (void)state;
    struct resp p;
    char v[128];
    roundtrip(F.port, "GET /v1/items/abc-1 HTTP/1.1\r\n\r\n", &p);
    assert_string_equal(p.body, "{\"id\":\"abc-1\",\"n\":1,\"m\":\"GET\"}");
    roundtrip(F.port, "HEAD /v1/items/abc HTTP/1.1\r\n\r\n", &p);
    assert_int_equal(p.status, 200);
    roundtrip(F.port, "GET /v1/items/ HTTP/1.1\r\n\r\n", &p);
    assert_int_equal(p.status, 404);
    roundtrip(F.port, "GET /v1/items/a/b HTTP/1.1\r\n\r\n", &p);
    assert_int_equal(p.status, 404);
    assert_true(strstr(p.body, "\"code\":\"not_found\"") != NULL);
    hdr(&p, "x-request-id", v, sizeof(v));
    assert_true(strlen(v) == 16);
    char want[192];
    snprintf(want, sizeof(want), "\"request_id\":\"%s\"", v);
    assert_true(strstr(p.body, want) != NULL);
    roundtrip(F.port, "POST /v1/items/abc HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &p);
    assert_int_equal(p.status, 405);
    assert_string_equal(hdr(&p, "allow", v, sizeof(v)), "GET, HEAD, DELETE");
    assert_true(strstr(p.body, "method_not_allowed") != NULL);
    roundtrip(F.port, "DELETE /v1/items/abc HTTP/1.1\r\n\r\n", &p);
    assert_int_equal(p.status, 204);
    assert_int_equal(p.body_len, 0);
}

static void test_keepalive(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    r->fd = client(F.port);
    uint64_t before_total = 0;
    struct wf_http_stats st;
    for (int i = 0; i < 5; i++) {
        char req[128];
        snprintf(req, sizeof(req), "GET /v1/items/%d HTTP/1.1\r\nHost: x\r\n\r\n", i);
        SEND(r->fd, req);
        assert_true(read_resp(r, &p, 0));
        char want[64];
        snprintf(want, sizeof(want), "{\"id\":\"%d\",\"n\":1,\"m\":\"GET\"}", i);
        assert_string_equal(p.body, want);
        if (i == 0) {
            wf_http_server_stats(F.s, &st);
            before_total = st.connections_total;
        }
    }
    wf_http_server_stats(F.s, &st);
    assert_int_equal(st.connections_total, before_total); /* no new connection */
    assert_true(st.connections_open >= 1);
    close(r->fd);
    free(r);
}

static void test_deferred(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    r->fd = client(F.port);
    SEND(r->fd, "GET /v1/io HTTP/1.1\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    /* a small deferred request pipelined before an inline one: answered in order */
    SEND(r->fd, "POST /v1/defer HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /health "
                "HTTP/1.1\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 200);
    assert_string_equal(p.body, "deferred:5");
    assert_int_equal(atomic_load(&defer_on_inline), 1); /* small body: on the I/O thread */
    assert_true(read_resp(r, &p, 0));
    assert_string_equal(p.body, "{\"status\":\"ok\"}");
    /* a body over WF_HTTP_INLINE_BODY_BYTES runs on the handler pool, deferred too */
    size_t n = WF_HTTP_INLINE_BODY_BYTES + 1;
    char head[128];
    snprintf(head, sizeof(head), "POST /v1/defer HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", n);
    SEND(r->fd, head);
    char *big = malloc(n);
    memset(big, 'x', n);
    send_str(r->fd, big, n);
    free(big);
    assert_true(read_resp(r, &p, 0));
    char want[64];
    snprintf(want, sizeof(want), "deferred:%zu", n);
    assert_string_equal(p.body, want);
    assert_int_equal(atomic_load(&defer_on_inline), 0);
    close(r->fd);
    /* the client leaves while its answer is pending: the late resume is harmless */
    int fd = client(F.port);
    SEND(fd, "POST /v1/defer HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
    close(fd);
    usleep(150 * 1000);
    r->fd = client(F.port);
    r->len = 0;
    SEND(r->fd, "GET /health HTTP/1.1\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 200);
    close(r->fd);
    free(r);
}

/* Reads until needle is in the reader's buffer. */
static int read_until(struct reader *r, const char *needle)
{
    for (;;) {
        r->buf[r->len < sizeof(r->buf) ? r->len : sizeof(r->buf) - 1] = '\0';
        if (strstr(r->buf, needle))
            return 1;
        if (!fill(r))
            return 0;
    }
}

static void test_stream(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    char v[64];
    atomic_store(&stream_release, 0);
    r->fd = client(F.port);
    SEND(r->fd, "GET /v1/stream HTTP/1.1\r\n\r\n");
    /* the head and the first chunk arrive while the handler is still running */
    assert_true(read_until(r, "data: one\n\n\r\n"));
    assert_non_null(strstr(r->buf, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(r->buf, "Transfer-Encoding: chunked\r\n"));
    assert_non_null(strstr(r->buf, "Content-Type: text/event-stream\r\n"));
    assert_null(strstr(r->buf, "Content-Length"));
    assert_non_null(strstr(r->buf, "\r\n\r\nb\r\ndata: one\n\n\r\n"));
    assert_null(strstr(r->buf, "two"));
    atomic_store(&stream_release, 1);
    assert_true(read_until(r, "b\r\ndata: two\n\n\r\n0\r\n\r\n"));
    assert_int_equal(atomic_load(&stream_write_rc), WF_OK);
    /* the connection stays usable for the next request */
    char *end = strstr(r->buf, "0\r\n\r\n") + 5;
    r->len -= (size_t)(end - r->buf);
    memmove(r->buf, end, r->len);
    SEND(r->fd, "GET /health HTTP/1.1\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 200);
    close(r->fd);

    /* HTTP/1.0: no chunk framing, the body ends with the connection */
    atomic_store(&stream_release, 1);
    r->len = 0;
    r->fd = client(F.port);
    SEND(r->fd, "GET /v1/stream HTTP/1.0\r\n\r\n");
    while (fill(r))
        ;
    r->buf[r->len] = '\0';
    assert_non_null(strstr(r->buf, "\r\n\r\ndata: one\n\ndata: two\n\n"));
    assert_null(strstr(r->buf, "chunked"));
    (void)v;
    close(r->fd);

    /* the client leaves mid-stream: the producer's writes fail */
    atomic_store(&stream_release, 2);
    atomic_store(&stream_write_rc, -1);
    r->len = 0;
    r->fd = client(F.port);
    SEND(r->fd, "GET /v1/stream HTTP/1.1\r\n\r\n");
    assert_true(read_until(r, "data: one"));
    close(r->fd);
    for (int i = 0; i < 400 && atomic_load(&stream_write_rc) == -1; i++)
        usleep(5000);
    assert_int_equal(atomic_load(&stream_write_rc), WF_EIO);
    free(r);
}

static void test_pipelining_in_order(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    r->fd = client(F.port);
    SEND(r->fd, "GET /health HTTP/1.1\r\n\r\nGET /v1/slow HTTP/1.1\r\nX-Request-Id: "
                "slow-1\r\n\r\nGET /v1/query?q=3 HTTP/1.1\r\n\r\n");
    char v[64];
    assert_true(read_resp(r, &p, 0));
    assert_string_equal(p.body, "{\"status\":\"ok\"}");
    assert_true(read_resp(r, &p, 0));
    assert_string_equal(p.body, "slow");
    assert_string_equal(hdr(&p, "x-request-id", v, sizeof(v)), "slow-1");
    assert_true(read_resp(r, &p, 0));
    assert_string_equal(p.body, "1:3|0|0");
    close(r->fd);
    free(r);
}

static void test_post_bodies(void **state)
{
    (void)state;
    struct resp p;
    roundtrip(F.port, "POST /v1/echo HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", &p);
    assert_int_equal(p.status, 200);
    assert_string_equal(p.body, "hello world");
    roundtrip(F.port, "POST /v1/echo_inline HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &p);
    assert_int_equal(p.status, 200);
    assert_int_equal(p.body_len, 0);
    /* chunked, sent in pieces */
    struct reader *r = calloc(1, sizeof(*r));
    r->fd = client(F.port);
    SEND(r->fd, "POST /v1/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    usleep(20 * 1000);
    SEND(r->fd, "lo\r\n6\r\n world\r\n0\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 200);
    assert_string_equal(p.body, "hello world");
    close(r->fd);
    free(r);
}

static void test_expect_continue(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    r->fd = client(F.port);
    SEND(r->fd, "POST /v1/echo HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 100);
    SEND(r->fd, "abcd");
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 200);
    assert_string_equal(p.body, "abcd");
    /* too large: 413 instead of 100, connection closed */
    SEND(r->fd, "POST /v1/echo HTTP/1.1\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 413);
    assert_true(at_eof(r));
    close(r->fd);
    free(r);
}

static void test_limits(void **state)
{
    (void)state;
    struct resp p;
    char v[64];
    int calls = atomic_load(&after_calls);
    /* Content-Length over the route cap: answered before any body byte */
    roundtrip(F.port, "POST /v1/echo HTTP/1.1\r\nContent-Length: 100000\r\n\r\n", &p);
    assert_int_equal(p.status, 413);
    assert_string_equal(hdr(&p, "connection", v, sizeof(v)), "close");
    assert_true(strstr(p.body, "body_too_large") != NULL);
    /* chunked body growing past the cap */
    struct reader *r = calloc(1, sizeof(*r));
    r->fd = client(F.port);
    SEND(r->fd, "POST /v1/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    char chunk[700];
    memset(chunk, 'x', sizeof(chunk));
    char line[16];
    for (int i = 0; i < 2; i++) {
        snprintf(line, sizeof(line), "%zx\r\n", sizeof(chunk));
        SEND(r->fd, line);
        send_str(r->fd, chunk, sizeof(chunk));
        SEND(r->fd, "\r\n");
    }
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 413);
    close(r->fd);
    /* a huge header */
    size_t big = WF_LIMIT_HTTP_HEADER_BYTES + 100;
    char *req = malloc(big + 128);
    int n = snprintf(req, big + 128, "GET /health HTTP/1.1\r\nX-Big: ");
    memset(req + n, 'a', big);
    memcpy(req + n + big, "\r\n\r\n", 5);
    roundtrip(F.port, req, &p);
    assert_int_equal(p.status, 431);
    free(req);
    /* too many header fields */
    req = malloc(8192);
    n = snprintf(req, 8192, "GET /health HTTP/1.1\r\n");
    for (unsigned i = 0; i <= WF_LIMIT_HTTP_HEADERS; i++)
        n += snprintf(req + n, 8192 - (size_t)n, "X-H%u: %u\r\n", i, i);
    snprintf(req + n, 8192 - (size_t)n, "\r\n");
    roundtrip(F.port, req, &p);
    assert_int_equal(p.status, 431);
    free(req);
    /* garbage */
    roundtrip(F.port, "\x01\x02garbage here\r\n\r\n", &p);
    assert_true(p.status == 400 || p.status == 501);
    roundtrip(F.port, "GET /health HTTP/1.1\r\nBad Header\r\n\r\n", &p);
    assert_int_equal(p.status, 400);
    roundtrip(F.port,
              "POST /v1/echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
              "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
              &p);
    assert_int_equal(p.status, 400);
    assert_int_equal(atomic_load(&after_calls), calls + 7);
    assert_int_equal(atomic_load(&last_after_status), 400);
    free(r);
}

static void test_header_timeout(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    r->fd = client(F.port);
    SEND(r->fd, "GET /health HTTP/1.1\r\nHost: x\r\n");
    usleep(150 * 1000);
    SEND(r->fd, "X-Slow: 1\r\n"); /* trickling does not extend the deadline */
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 408);
    assert_true(strstr(p.body, "request_timeout") != NULL);
    assert_true(at_eof(r));
    close(r->fd);
    free(r);
}

static void test_body_and_idle_timeouts(void **state)
{
    (void)state;
    struct fixture f;
    struct wf_http_server_opts o = opts();
    o.idle_timeout_ms = 200;
    fixture_start(&f, &o);
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    /* a body that stops arriving: 408 */
    r->fd = client(f.port);
    SEND(r->fd, "POST /v1/echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nab");
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 408);
    close(r->fd);
    /* idle keep-alive: busy connections live past the idle timeout (each
     * request restarts it), then an idle one is closed without a response */
    r->len = 0;
    r->fd = client(f.port);
    for (int i = 0; i < 6; i++) {
        SEND(r->fd, "GET /health HTTP/1.1\r\n\r\n");
        assert_true(read_resp(r, &p, 0));
        assert_int_equal(p.status, 200);
        usleep(80 * 1000);
    }
    uint64_t t0 = wf_now_ms();
    assert_true(at_eof(r));
    uint64_t waited = wf_now_ms() - t0;
    assert_true(waited >= 100 && waited < 3000);
    close(r->fd);
    free(r);
    fixture_stop(&f);
}

static void test_spool(void **state)
{
    (void)state;
    size_t n = WF_LIMIT_HTTP_SPOOL_BYTES + 300000;
    char *body = malloc(n);
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++) {
        body[i] = (char)('a' + i % 26);
        sum = sum * 31 + (unsigned char)body[i];
    }
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    r->fd = client(F.port);
    char head[128];
    snprintf(head, sizeof(head), "POST /v1/spool HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", n);
    SEND(r->fd, head);
    send_str(r->fd, body, n);
    assert_true(read_resp(r, &p, 0));
    char want[128];
    snprintf(want, sizeof(want), "fd=1 len=%zu rc=0 sum=%lu", n, sum);
    assert_string_equal(p.body, want);
    /* a small body on the same route stays in memory */
    SEND(r->fd, "POST /v1/spool HTTP/1.1\r\nContent-Length: 2\r\n\r\nab");
    assert_true(read_resp(r, &p, 0));
    assert_true(strncmp(p.body, "fd=0 len=2 rc=0", 15) == 0);
    close(r->fd);
    free(r);
    free(body);
}

static void test_before_hook(void **state)
{
    (void)state;
    struct resp p;
    int runs = atomic_load(&secret_handler_runs);
    roundtrip(F.port, "GET /v1/secret HTTP/1.1\r\n\r\n", &p);
    assert_int_equal(p.status, 401);
    assert_true(strstr(p.body, "\"code\":\"unauthorized\"") != NULL);
    assert_int_equal(atomic_load(&secret_handler_runs), runs);
    assert_int_equal(atomic_load(&last_after_status), 401);
    roundtrip(F.port, "GET /v1/secret HTTP/1.1\r\nAuthorization: Bearer yes\r\n\r\n", &p);
    assert_int_equal(p.status, 200);
    assert_string_equal(p.body, "{\"tenant\":\"acme\"}");
    assert_int_equal(atomic_load(&secret_handler_runs), runs + 1);
}

static void test_after_once_per_response(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    int calls = atomic_load(&after_calls);
    r->fd = client(F.port);
    SEND(r->fd, "GET /health HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET /v1/items/1 "
                "HTTP/1.1\r\n\r\n");
    for (int i = 0; i < 3; i++)
        assert_true(read_resp(r, &p, 0));
    assert_int_equal(atomic_load(&after_calls), calls + 3);
    close(r->fd);
    free(r);
}

static void test_query_and_headers(void **state)
{
    (void)state;
    struct resp p;
    char v[64];
    roundtrip(F.port, "GET /v1/query?x=1&q=a%20b+c%2F&bad=%zz HTTP/1.1\r\n\r\n", &p);
    assert_string_equal(p.body, "1:a b c/|0|-1");
    roundtrip(F.port, "GET /v1/hdr HTTP/1.1\r\nx-THING:   spaced value  \r\n\r\n", &p);
    assert_string_equal(p.body, "[spaced value]");
    assert_string_equal(hdr(&p, "x-echo", v, sizeof(v)), "yes");
    assert_string_equal(hdr(&p, "x-bad", v, sizeof(v)), "");
    assert_true(strstr(p.head, "Injected") == NULL);
    /* request ids: sane ones echoed, others replaced */
    roundtrip(F.port, "GET /health HTTP/1.1\r\nX-Request-Id: abc.DEF_1-2\r\n\r\n", &p);
    assert_string_equal(hdr(&p, "x-request-id", v, sizeof(v)), "abc.DEF_1-2");
    roundtrip(F.port, "GET /health HTTP/1.1\r\nX-Request-Id: bad id!\r\n\r\n", &p);
    assert_int_equal(strlen(hdr(&p, "x-request-id", v, sizeof(v))), 16);
}

static void test_http10_and_close(void **state)
{
    (void)state;
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    char v[64];
    r->fd = client(F.port);
    SEND(r->fd, "GET /health HTTP/1.0\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_string_equal(hdr(&p, "connection", v, sizeof(v)), "close");
    assert_true(at_eof(r));
    close(r->fd);
    r->len = 0;
    r->fd = client(F.port);
    SEND(r->fd, "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_string_equal(hdr(&p, "connection", v, sizeof(v)), "keep-alive");
    SEND(r->fd, "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_true(read_resp(r, &p, 0));
    assert_string_equal(hdr(&p, "connection", v, sizeof(v)), "close");
    assert_true(at_eof(r));
    close(r->fd);
    free(r);
}

static void test_graceful_stop_drains(void **state)
{
    (void)state;
    struct fixture f;
    struct wf_http_server_opts o = opts();
    fixture_start(&f, &o);
    struct reader *r = calloc(1, sizeof(*r));
    struct resp p;
    int idle = client(f.port);
    r->fd = client(f.port);
    int started = atomic_load(&slow_started);
    SEND(r->fd, "GET /v1/slow HTTP/1.1\r\n\r\n");
    while (atomic_load(&slow_started) == started)
        usleep(1000);
    wf_http_server_stop(f.s);
    assert_true(read_resp(r, &p, 0));
    assert_int_equal(p.status, 200);
    assert_string_equal(p.body, "slow");
    char v[64];
    assert_string_equal(hdr(&p, "connection", v, sizeof(v)), "close");
    pthread_join(f.th, NULL);
    assert_int_equal(f.rc, WF_OK);
    char c;
    assert_true(recv(idle, &c, 1, 0) <= 0); /* the idle connection was closed */
    close(idle);
    close(r->fd);
    wf_http_server_free(f.s);
    free(r);
}

static void test_max_connections(void **state)
{
    (void)state;
    struct fixture f;
    struct wf_http_server_opts o = opts();
    o.max_connections = 1;
    fixture_start(&f, &o);
    struct reader *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    struct resp p;
    a->fd = client(f.port);
    SEND(a->fd, "GET /health HTTP/1.1\r\n\r\n");
    assert_true(read_resp(a, &p, 0));
    assert_int_equal(p.status, 200);
    b->fd = client(f.port);
    assert_true(read_resp(b, &p, 0));
    assert_int_equal(p.status, 503);
    assert_true(strstr(p.body, "\"code\":\"overloaded\"") != NULL);
    close(a->fd);
    close(b->fd);
    free(a);
    free(b);
    fixture_stop(&f);
}

static void test_write_timeout(void **state)
{
    (void)state;
    struct fixture f;
    struct wf_http_server_opts o = opts();
    o.write_timeout_ms = 200;
    fixture_start(&f, &o);
    int fd = client(f.port);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    SEND(fd, "GET /v1/big HTTP/1.1\r\n\r\n");
    /* never read: the server gives up on the stuck response */
    struct wf_http_stats st;
    int open = 1;
    for (int i = 0; i < 300 && open; i++) {
        usleep(10 * 1000);
        wf_http_server_stats(f.s, &st);
        open = st.connections_open != 0 || st.requests_total == 0;
    }
    assert_false(open);
    close(fd);
    fixture_stop(&f);
}

static void test_two_io_threads(void **state)
{
    (void)state;
    struct fixture f;
    struct wf_http_server_opts o = opts();
    o.n_io_threads = 2;
    fixture_start(&f, &o);
    struct resp p;
    for (int i = 0; i < 12; i++) {
        roundtrip(f.port,
                  i % 2 ? "GET /v1/items/x HTTP/1.1\r\n\r\n" : "GET /health HTTP/1.1\r\n\r\n", &p);
        assert_int_equal(p.status, 200);
    }
    struct wf_http_stats st;
    wf_http_server_stats(f.s, &st);
    assert_true(st.requests_total >= 12);
    assert_int_equal(st.connections_total, 12);
    fixture_stop(&f);
}

static void test_bad_route_table(void **state)
{
    (void)state;
    static const struct wf_http_route bad[] = {
        {WF_HTTP_GET, "/v1/{a}x", h_health, 0, 0, "bad"},
    };
    struct wf_http_server_opts o = opts();
    o.routes = bad;
    o.n_routes = 1;
    struct wf_http_server *s = NULL;
    assert_int_equal(wf_http_server_new(&o, &s, NULL), WF_EINVAL);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_then_get_on_one_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_404_405, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelining_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expect_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_before_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_after_once_per_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http10_and_close, setup, teardown),
        cmocka_unit_test(test_body_and_idle_timeouts),
        cmocka_unit_test(test_graceful_stop_drains),
        cmocka_unit_test(test_max_connections),
        cmocka_unit_test(test_write_timeout),
        cmocka_unit_test(test_two_io_threads),
        cmocka_unit_test(test_bad_route_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
