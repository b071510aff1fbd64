/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request parsing without sockets: bytes appended to a parser's read
 * buffer become wf_http_req values through Debian's http_parser, with this
 * project's limits (head bytes and header count -> 431, body caps -> 413,
 * anything malformed -> 400), route matching at the end of the head (so a
 * too-large Content-Length is refused before the body is read), optional
 * spooling of large bodies to an unlinked temp file, and a pause after each
 * message so pipelined requests are answered one at a time. The server's
 * connections and the fuzz target both drive it.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_int.h"

#define RBUF_INIT 4096u
/* The head may use WF_LIMIT_HTTP_HEADER_BYTES; the rest is room for body
 * bytes and pipelined requests read along with it. */
#define RBUF_MAX (WF_LIMIT_HTTP_HEADER_BYTES + 16u * 1024u)
#define SPOOL_CHUNK (64u * 1024u)

static int fail(struct wf_http__parser *p, int status, const char *code, const char *msg)
{
    if (!p->err_status) {
        p->err_status = status;
        p->err_code = code;
        p->err_msg = msg;
    }
    return -1;
}

/* Head bytes so far, measured from the start of the buffer (the head
 * always starts at offset 0 or after skipped blank lines). */
static int head_check(struct wf_http__parser *p, const char *at, size_t len)
{
    size_t end = (size_t)(at - p->rbuf) + len;
    if (end > WF_LIMIT_HTTP_HEADER_BYTES)
        return fail(p, 431, "headers_too_large", "request line and headers exceed the limit");
    return 0;
}

static int on_message_begin(http_parser *hp)
{
    struct wf_http__parser *p = hp->data;
    p->phase = WF_HTTP__PH_HEAD;
    return 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
    struct wf_http__parser *p = hp->data;
    if (head_check(p, at, len))
        return -1;
    uint32_t off = (uint32_t)(at - p->rbuf);
    if (p->url_len == 0)
        p->url_off = off;
    else if (off != p->url_off + p->url_len)
        return fail(p, 400, "bad_request", "malformed request target");
    p->url_len = off + (uint32_t)len - p->url_off;
    return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    struct wf_http__parser *p = hp->data;
    if (head_check(p, at, len))
        return -1;
    uint32_t off = (uint32_t)(at - p->rbuf);
    if (p->last_cb != 1) {
        if (p->n_hdrs >= WF_LIMIT_HTTP_HEADERS)
            return fail(p, 431, "too_many_headers", "too many header fields");
        struct wf_http__hoff *h = &p->hoff[p->n_hdrs++];
        h->noff = off;
        h->nlen = 0;
        h->voff = off;
        h->vlen = 0;
        p->last_cb = 1;
    } else if (off != p->hoff[p->n_hdrs - 1].noff + p->hoff[p->n_hdrs - 1].nlen) {
        return fail(p, 400, "bad_request", "malformed header name");
    }
    struct wf_http__hoff *h = &p->hoff[p->n_hdrs - 1];
    h->nlen = off + (uint32_t)len - h->noff;
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    struct wf_http__parser *p = hp->data;
    if (head_check(p, at, len))
        return -1;
    if (p->n_hdrs == 0)
        return fail(p, 400, "bad_request", "malformed header");
    uint32_t off = (uint32_t)(at - p->rbuf);
    struct wf_http__hoff *h = &p->hoff[p->n_hdrs - 1];
    if (p->last_cb != 2) {
        h->voff = off;
        p->last_cb = 2;
    } else if (off != h->voff + h->vlen) {
        /* obs-fold: RFC 9112 lets a server reject it; joining would keep the CRLF */
        return fail(p, 400, "bad_request", "folded header line");
    }
    h->vlen = off + (uint32_t)len - h->voff;
    return 0;
}

static enum wf_http_method map_method(unsigned m)
{
    switch (m) {
    case HTTP_GET:
        return WF_HTTP_GET;
    case HTTP_HEAD:
        return WF_HTTP_HEAD;
    case HTTP_POST:
        return WF_HTTP_POST;
    case HTTP_PUT:
        return WF_HTTP_PUT;
    case HTTP_DELETE:
        return WF_HTTP_DELETE;
    case HTTP_PATCH:
        return WF_HTTP_PATCH;
    case HTTP_OPTIONS:
        return WF_HTTP_OPTIONS;
    default:
        return WF_HTTP_OTHER;
    }
}

static int ieq(struct wf_str a, const char *b)
{
    size_t n = strlen(b);
    if (a.len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (c != (unsigned char)b[i])
            return 0;
    }
    return 1;
}

static int request_id_ok(struct wf_str v)
{
    if (v.len == 0 || v.len > 64 || v.len >= WF_HTTP_REQUEST_ID_BYTES)
        return 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

void wf_http__request_id(struct wf_http__parser *p)
{
    struct wf_http_req *req = &p->req;
    struct wf_str v = {NULL, 0};
    for (size_t i = 0; i < req->n_headers; i++) {
        if (wf_str_eq(req->headers[i].name, wf_str_c("x-request-id"))) {
            v = req->headers[i].value;
            break;
        }
    }
    if (request_id_ok(v)) {
        memcpy(req->request_id, v.p, v.len);
        req->request_id[v.len] = '\0';
        return;
    }
    static const char hex[] = "0123456789abcdef";
    p->id_state += 0x9e3779b97f4a7c15ull;
    uint64_t x = wf_hash_mix(p->id_state, 0x2545f4914f6cdd1dull);
    for (int i = 0; i < 16; i++)
        req->request_id[i] = hex[(x >> (60 - 4 * i)) & 15];
    req->request_id[16] = '\0';
}

static void trim(struct wf_str *v)
{
    while (v->len && (v->p[0] == ' ' || v->p[0] == '\t')) {
        v->p++;
        v->len--;
    }
    while (v->len && (v->p[v->len - 1] == ' ' || v->p[v->len - 1] == '\t'))
        v->len--;
}

static int on_headers_complete(http_parser *hp)
{
    struct wf_http__parser *p = hp->data;
    struct wf_http_req *req = &p->req;
    if (hp->http_major != 1)
        return fail(p, 505, "http_version", "unsupported HTTP version");
    for (size_t i = 0; i < p->n_hdrs; i++) {
        struct wf_http__hoff *h = &p->hoff[i];
        char *name = p->rbuf + h->noff;
        for (uint32_t k = 0; k < h->nlen; k++)
            if (name[k] >= 'A' && name[k] <= 'Z')
                name[k] = (char)(name[k] + 32);
        p->hdrs[i].name.p = name;
        p->hdrs[i].name.len = h->nlen;
        p->hdrs[i].value.p = p->rbuf + h->voff;
        p->hdrs[i].value.len = h->vlen;
        trim(&p->hdrs[i].value);
    }
    req->headers = p->hdrs;
    req->n_headers = p->n_hdrs;
    req->method = map_method(hp->method);
    req->target.p = p->rbuf + p->url_off;
    req->target.len = p->url_len;
    if (p->url_len == 0)
        req->target.p = p->rbuf;
    /* a fragment (not sent by browsers, but possible) ends path and query */
    size_t tlen = req->target.len;
    const char *hash = memchr(req->target.p, '#', tlen);
    if (hash)
        tlen = (size_t)(hash - req->target.p);
    const char *q = memchr(req->target.p, '?', tlen);
    req->path.p = req->target.p;
    req->path.len = q ? (size_t)(q - req->target.p) : tlen;
    req->query.p = q ? q + 1 : req->target.p + tlen;
    req->query.len = q ? tlen - req->path.len - 1 : 0;
    req->start_ns = wf_now_ns();
    wf_http__request_id(p);

    int has_body = (hp->flags & F_CHUNKED) || hp->content_length > 0;
    if (hp->content_length == ULLONG_MAX)
        has_body = (hp->flags & F_CHUNKED) != 0;
    struct wf_str expect = wf_http_req_header(req, "expect");
    if (expect.p) {
        if (!ieq(expect, "100-continue"))
            return fail(p, 417, "expectation_failed", "unsupported Expect header");
        p->expect_continue = has_body && (hp->http_major > 1 || hp->http_minor >= 1);
    }
    p->phase = WF_HTTP__PH_BODY;
    req->route = wf_http__route_match(p->router, req->method, req->path, req->params,
                                      &req->n_params, &p->allow);
    if (!req->route) {
        p->route_status = p->allow ? 405 : 404;
        p->max_body = 0;
        p->expect_continue = 0;
        if (has_body)
            return fail(p, p->route_status,
                        p->route_status == 404 ? "not_found" : "method_not_allowed",
                        p->route_status == 404 ? "no such route" : "method not allowed");
        http_parser_pause(hp, 1);
        return 0;
    }
    p->max_body =
        req->route->max_body_bytes ? req->route->max_body_bytes : WF_LIMIT_HTTP_BODY_BYTES;
    p->spool = (req->route->flags & WF_HTTP_ROUTE_SPOOL) != 0;
    if (!(hp->flags & F_CHUNKED) && hp->content_length != ULLONG_MAX &&
        hp->content_length > p->max_body)
        return fail(p, 413, "body_too_large", "request body exceeds the limit");
    size_t mem_cap = p->max_body;
    if (p->spool && mem_cap > WF_LIMIT_HTTP_SPOOL_BYTES)
        mem_cap = WF_LIMIT_HTTP_SPOOL_BYTES;
    wf_buf_init(&p->body, mem_cap);
    /* Stop right after the head so feed() learns where it ends. */
    http_parser_pause(hp, 1);
    return 0;
}

static int spool_open(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    char path[WF_LIMIT_PATH_BYTES];
    size_t n = strlen(dir);
    if (n + 32 > sizeof(path))
        return -1;
    memcpy(path, dir, n);
    memcpy(path + n, "/wf-http-XXXXXX", 16);
    int fd2 = mkstemp(path);
    if (fd2 < 0)
        return -1;
    unlink(path);
    return fd2;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    struct wf_http__parser *p = hp->data;
    if (p->route_status) /* body of a 404/405 (no body expected): drop */
        return 0;
    if (p->body_len + len > p->max_body)
        return fail(p, 413, "body_too_large", "request body exceeds the limit");
    p->body_len += len;
    if (p->body_fd < 0 && p->body.len + len <= p->body.max_bytes) {
        if (wf_buf_append(&p->body, at, len))
            return fail(p, 503, "out_of_memory", "out of memory");
        return 0;
    }
    if (p->body_fd < 0) {
        if (!p->spool)
            return fail(p, 413, "body_too_large", "request body exceeds the limit");
        p->body_fd = spool_open();
        if (p->body_fd < 0 || write_all(p->body_fd, p->body.p, p->body.len))
            return fail(p, 500, "spool_failed", "cannot spool the request body");
        wf_buf_cleanup(&p->body);
    }
    if (write_all(p->body_fd, at, len))
        return fail(p, 500, "spool_failed", "cannot spool the request body");
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    struct wf_http__parser *p = hp->data;
    struct wf_http_req *req = &p->req;
    p->keep_alive = http_should_keep_alive(hp) && !hp->upgrade;
    if (hp->method == HTTP_CONNECT)
        p->keep_alive = 0;
    if (p->body_fd >= 0) {
        if (lseek(p->body_fd, 0, SEEK_SET) != 0)
            return fail(p, 500, "spool_failed", "cannot spool the request body");
        req->body = NULL;
        req->body_fd = p->body_fd;
    } else {
        req->body = p->body.p ? p->body.p : "";
        req->body_fd = -1;
    }
    req->body_len = (size_t)p->body_len;
    p->phase = WF_HTTP__PH_DONE;
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static void reset_request(struct wf_http__parser *p)
{
    struct wf_http_req *req = &p->req;
    struct wf_arena *arena = req->arena;
    char peer[sizeof(req->peer)];
    memcpy(peer, req->peer, sizeof(peer));
    memset(req, 0, offsetof(struct wf_http_req, peer));
    req->body_fd = -1;
    req->headers = p->hdrs;
    req->arena = arena;
    req->start_ns = 0;
    req->tenant[0] = '\0';
    req->principal[0] = '\0';
    p->phase = WF_HTTP__PH_IDLE;
    p->last_cb = 0;
    p->url_off = p->url_len = 0;
    p->n_hdrs = 0;
    p->head_end = 0;
    p->max_body = 0;
    p->spool = 0;
    p->body_fd = -1;
    p->body_len = 0;
    p->route_status = 0;
    p->allow = 0;
    p->keep_alive = 0;
    p->expect_continue = 0;
    p->err_status = 0;
    p->err_code = NULL;
    p->err_msg = NULL;
}

void wf_http__parser_init(struct wf_http__parser *p, const struct wf_http__router *router,
                          uint64_t id_seed)
{
    memset(p, 0, sizeof(*p));
    http_parser_init(&p->hp, HTTP_REQUEST);
    p->hp.data = p;
    p->router = router;
    p->id_state = id_seed;
    wf_buf_init(&p->body, 0);
    p->req.peer[0] = '\0';
    reset_request(p);
}

void wf_http__parser_cleanup(struct wf_http__parser *p)
{
    if (!p)
        return;
    if (p->body_fd >= 0)
        close(p->body_fd);
    p->body_fd = -1;
    wf_buf_cleanup(&p->body);
    wf_free(p->rbuf);
    p->rbuf = NULL;
    p->rlen = p->rcap = p->roff = 0;
}

/* The head's views (target, path, query, params, headers) point into
 * rbuf; when reading the body grows rbuf, move them with it. Only the
 * numeric value of the old address is used, never dereferenced. */
static void rebase_view(struct wf_str *v, uintptr_t old, size_t old_cap, char *nb)
{
    uintptr_t a = (uintptr_t)v->p;
    if (v->p && a >= old && a <= old + old_cap)
        v->p = nb + (a - old);
}

static void rebase(struct wf_http__parser *p, uintptr_t old)
{
    struct wf_http_req *req = &p->req;
    rebase_view(&req->target, old, p->rcap, p->rbuf);
    rebase_view(&req->path, old, p->rcap, p->rbuf);
    rebase_view(&req->query, old, p->rcap, p->rbuf);
    for (size_t i = 0; i < req->n_params && i < WF_HTTP_MAX_PARAMS; i++)
        rebase_view(&req->params[i], old, p->rcap, p->rbuf);
    for (size_t i = 0; i < p->n_hdrs; i++) {
        rebase_view(&p->hdrs[i].name, old, p->rcap, p->rbuf);
        rebase_view(&p->hdrs[i].value, old, p->rcap, p->rbuf);
    }
}

size_t wf_http__parser_room(struct wf_http__parser *p, size_t want)
{
    if (p->rcap - p->rlen >= want)
        return p->rcap - p->rlen;
    if (p->rcap < RBUF_MAX) {
        size_t cap = p->rcap ? p->rcap : RBUF_INIT;
        while (cap - p->rlen < want && cap < RBUF_MAX)
            cap *= 2;
        if (cap > RBUF_MAX)
            cap = RBUF_MAX;
        uintptr_t old = (uintptr_t)p->rbuf;
        char *nb = wf_realloc(p->rbuf, cap);
        if (nb) {
            p->rbuf = nb;
            if (old && (uintptr_t)nb != old)
                rebase(p, old);
            p->rcap = cap;
        }
    }
    return p->rcap - p->rlen;
}

int wf_http__parser_pending(const struct wf_http__parser *p)
{
    return p->roff < p->rlen;
}

enum wf_http__ev wf_http__parser_feed(struct wf_http__parser *p)
{
    if (p->err_status)
        return WF_HTTP__EV_ERROR;
    if (p->phase == WF_HTTP__PH_DONE)
        return WF_HTTP__EV_REQUEST;
    while (p->roff < p->rlen) {
        size_t n = http_parser_execute(&p->hp, &settings, p->rbuf + p->roff, p->rlen - p->roff);
        enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
        p->roff += n;
        if (p->err_status)
            return WF_HTTP__EV_ERROR;
        if (e == HPE_PAUSED) {
            if (p->phase == WF_HTTP__PH_DONE)
                return WF_HTTP__EV_REQUEST;
            /* paused at the end of the head: body bytes start here */
            p->head_end = p->roff;
            http_parser_pause(&p->hp, 0);
            if (p->expect_continue == 1) {
                p->expect_continue = 2; /* reported once */
                return WF_HTTP__EV_CONTINUE;
            }
            continue;
        }
        if (e != HPE_OK) {
            if (e == HPE_HEADER_OVERFLOW)
                fail(p, 431, "headers_too_large", "request line and headers exceed the limit");
            else if (e == HPE_INVALID_VERSION)
                fail(p, 505, "http_version", "unsupported HTTP version");
            else
                fail(p, 400, "bad_request", http_errno_description(e));
            return WF_HTTP__EV_ERROR;
        }
        if (p->hp.upgrade && p->phase != WF_HTTP__PH_DONE) {
            fail(p, 400, "bad_request", "protocol upgrade not supported");
            return WF_HTTP__EV_ERROR;
        }
        if (n == 0 && p->roff < p->rlen) {
            fail(p, 400, "bad_request", "parser made no progress");
            return WF_HTTP__EV_ERROR;
        }
    }
    if (p->phase == WF_HTTP__PH_DONE)
        return WF_HTTP__EV_REQUEST;
    if (p->phase <= WF_HTTP__PH_HEAD && p->roff > WF_LIMIT_HTTP_HEADER_BYTES) {
        fail(p, 431, "headers_too_large", "request line and headers exceed the limit");
        return WF_HTTP__EV_ERROR;
    }
    if (p->phase == WF_HTTP__PH_IDLE && p->roff == p->rlen) {
        /* only blank lines so far: drop them so the head starts at 0 */
        p->rlen = p->roff = 0;
    }
    /* Body bytes were copied out: keep only the head. */
    if (p->phase == WF_HTTP__PH_BODY && p->roff == p->rlen && p->head_end && p->head_end <= p->roff)
        p->rlen = p->roff = p->head_end;
    return WF_HTTP__EV_MORE;
}

void wf_http__parser_next(struct wf_http__parser *p)
{
    if (p->body_fd >= 0)
        close(p->body_fd);
    p->body_fd = -1;
    wf_buf_cleanup(&p->body);
    wf_buf_init(&p->body, 0);
    if (p->roff < p->rlen)
        memmove(p->rbuf, p->rbuf + p->roff, p->rlen - p->roff);
    p->rlen -= p->roff;
    p->roff = 0;
    if (HTTP_PARSER_ERRNO(&p->hp) == HPE_PAUSED)
        http_parser_pause(&p->hp, 0);
    reset_request(p);
}
