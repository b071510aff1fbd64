/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the request parser (http_parse.c) without sockets:
 * the bytes a client sends are fed in slices (the first input byte picks
 * the slice size, 0 = all at once) to a connection-less parser over a small
 * route table, answering each request the way the server does. Invariants:
 * no crash or leak, every error is one of the specific statuses the server
 * sends (400, 404, 405, 413, 417, 431, 505), every request it accepts has a
 * route or a 404/405, lower-case header names within the limits, a body
 * within the route cap that is NUL-terminated, and a sane request id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void h_none(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)req;
    (void)resp;
    (void)ud;
}

static const struct wf_http_route routes[] = {
    {WF_HTTP_GET, "/health", h_none, WF_HTTP_ROUTE_INLINE, 0, "health"},
    {WF_HTTP_GET, "/v1/items/{id}", h_none, 0, 0, "item"},
    {WF_HTTP_POST, "/v1/echo", h_none, 0, 1024, "echo"},
    {WF_HTTP_PUT, "/a/{x}/b/{y}", h_none, 0, 64, "ab"},
};

static void check_request(const struct wf_http__parser *p)
{
    const struct wf_http_req *req = &p->req;
    if (req->route) {
        CHECK(p->route_status == 0);
        size_t want = 0;
        for (const char *s = req->route->pattern; *s; s++)
            want += *s == '{';
        CHECK(req->n_params == want);
        for (size_t i = 0; i < req->n_params; i++)
            CHECK(req->params[i].len > 0 && !memchr(req->params[i].p, '/', req->params[i].len));
        CHECK(req->body_len <= p->max_body);
        CHECK(req->body_fd == -1 && req->body && req->body[req->body_len] == '\0');
    } else {
        CHECK(p->route_status == 404 || p->route_status == 405);
        CHECK((p->route_status == 405) == (p->allow != 0));
    }
    CHECK(req->n_headers <= WF_LIMIT_HTTP_HEADERS);
    for (size_t i = 0; i < req->n_headers; i++) {
        const struct wf_http_header *h = &req->headers[i];
        CHECK(h->name.p && h->value.p);
        for (size_t k = 0; k < h->name.len; k++)
            CHECK(!(h->name.p[k] >= 'A' && h->name.p[k] <= 'Z'));
        for (size_t k = 0; k < h->value.len; k++)
            CHECK(h->value.p[k] != '\r' && h->value.p[k] != '\n');
    }
    CHECK(req->path.len <= req->target.len);
    CHECK(p->head_end <= WF_LIMIT_HTTP_HEADER_BYTES + 2);
    size_t idlen = strlen(req->request_id);
    CHECK(idlen >= 1 && idlen < WF_HTTP_REQUEST_ID_BYTES);
    struct wf_str q = wf_http_req_header(req, "x-request-id");
    (void)q;
    char out[32];
    int rc = wf_http_req_query(req, "q", out, sizeof(out));
    CHECK(rc >= -1 && rc <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_http__router router;
    struct wf_http__parser p;
    if (size == 0)
        return 0;
    size_t slice = data[0] ? data[0] : size;
    data++;
    size--;
    if (wf_http__router_init(&router, routes, sizeof(routes) / sizeof(routes[0]), NULL))
        abort();
    wf_http__parser_init(&p, &router, 42);
    size_t off = 0;
    int done = 0, n_requests = 0;
    while (!done) {
        enum wf_http__ev ev = wf_http__parser_feed(&p);
        switch (ev) {
        case WF_HTTP__EV_REQUEST:
            check_request(&p);
            n_requests++;
            if (!p.keep_alive)
                done = 1;
            else
                wf_http__parser_next(&p);
            continue;
        case WF_HTTP__EV_ERROR:
            CHECK(p.err_status == 400 || p.err_status == 404 || p.err_status == 405 ||
                  p.err_status == 413 || p.err_status == 417 || p.err_status == 431 ||
                  p.err_status == 505);
            CHECK(p.err_code && p.err_msg);
            done = 1;
            continue;
        case WF_HTTP__EV_CONTINUE:
            CHECK(p.expect_continue == 2 && p.req.route);
            continue;
        case WF_HTTP__EV_MORE:
            break;
        }
        if (off == size)
            break;
        size_t room = wf_http__parser_room(&p, slice);
        CHECK(room > 0);
        size_t n = size - off < slice ? size - off : slice;
        if (n > room)
            n = room;
        memcpy(p.rbuf + p.rlen, data + off, n);
        p.rlen += n;
        off += n;
    }
    CHECK(n_requests <= (int)size);
    wf_http__parser_cleanup(&p);
    wf_http__router_cleanup(&router);
    return 0;
}
