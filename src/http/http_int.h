/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http internals shared by the module's files: the compiled route table
 * (http_route.c), the connection-less request parser that turns bytes into
 * wf_http_req values (http_parse.c, also driven directly by the fuzz
 * target), and the response helpers the server needs (status reasons).
 * Nothing here is for other modules.
 */
#ifndef WF_HTTP_INT_H
#define WF_HTTP_INT_H

#include <http_parser.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* ---- Route table ------------------------------------------------------- */

struct wf_http__seg {
    struct wf_str lit; /* literal segment; p == NULL for a {param} segment */
};

struct wf_http__croute {
    const struct wf_http_route *route; /* borrowed row of the caller's table */
    struct wf_http__seg *segs;         /* owned, n_segs entries */
    size_t n_segs;
};

struct wf_http__router {
    struct wf_http__croute *routes; /* owned, n_routes entries */
    size_t n_routes;
};

/* Compiles a route table (borrowed). WF_EINVAL for a bad pattern (not
 * starting with '/', a '{' that is not a whole segment, more than
 * WF_HTTP_MAX_PARAMS params, no handler), WF_ENOMEM. */
int wf_http__router_init(struct wf_http__router *r, const struct wf_http_route *routes,
                         size_t n_routes, struct wf_buf *err);
void wf_http__router_cleanup(struct wf_http__router *r);

/* Bit of a method in an allow mask. */
#define WF_HTTP__MBIT(m) (1u << (unsigned)(m))

/* Matches method + path. Returns the route (params filled) or NULL; then
 * *allow is the mask of methods that match the path (0: no path match ->
 * 404, else 405). HEAD matches a GET route when no HEAD route exists. */
const struct wf_http_route *wf_http__route_match(const struct wf_http__router *r,
                                                 enum wf_http_method m, struct wf_str path,
                                                 struct wf_str *params, size_t *n_params,
                                                 unsigned *allow);
/* Writes "GET, HEAD, POST" for an allow mask into out (cap bytes). */
void wf_http__allow_string(unsigned allow, char *out, size_t cap);

/* ---- Request parser ------------------------------------------------------ */

enum wf_http__ev {
    WF_HTTP__EV_MORE,     /* all bytes consumed, need more input */
    WF_HTTP__EV_CONTINUE, /* headers accepted and the client expects 100 Continue */
    WF_HTTP__EV_REQUEST,  /* p->req is complete (maybe with route_status 404/405) */
    WF_HTTP__EV_ERROR     /* p->err_status answers it; the connection must close */
};

enum wf_http__phase { WF_HTTP__PH_IDLE, WF_HTTP__PH_HEAD, WF_HTTP__PH_BODY, WF_HTTP__PH_DONE };

struct wf_http__hoff {
    uint32_t noff, nlen, voff, vlen; /* offsets of name and value in rbuf */
};

/* One connection's parsing state. The read buffer holds the current
 * request head (from offset 0) followed by unparsed bytes; consumed body
 * bytes are dropped as they are copied out, so the buffer stays near the
 * header limit. */
struct wf_http__parser {
    http_parser hp;
    const struct wf_http__router *router; /* borrowed */
    char *rbuf;                           /* owned read buffer */
    size_t rlen;                          /* bytes in rbuf */
    size_t rcap;                          /* bytes allocated */
    size_t roff;                          /* bytes of rbuf already parsed */
    size_t head_end;                      /* end of the head in rbuf (PH_BODY/PH_DONE) */
    enum wf_http__phase phase;
    int last_cb; /* 0 none, 1 field, 2 value: joins split callbacks */
    uint32_t url_off, url_len;
    struct wf_http__hoff hoff[WF_LIMIT_HTTP_HEADERS];
    struct wf_http_header hdrs[WF_LIMIT_HTTP_HEADERS];
    size_t n_hdrs;
    struct wf_http_req req; /* the request being parsed / answered */
    struct wf_buf body;     /* in-memory body */
    size_t max_body;        /* cap of the matched route */
    int spool;              /* route may spool to a file */
    int body_fd;            /* spool file or -1 */
    uint64_t body_len;      /* body bytes received */
    int route_status;       /* 0, 404 or 405 */
    unsigned allow;         /* methods allowed on the path (405) */
    int keep_alive;         /* http_should_keep_alive at completion */
    int expect_continue;    /* client sent Expect: 100-continue */
    int err_status;         /* status of an EV_ERROR */
    const char *err_code;   /* snake_case code of the error */
    const char *err_msg;    /* static message of the error */
    uint64_t id_state;      /* request-id generator state */
};

/* Initialises an idle parser over a compiled route table (borrowed).
 * id_seed seeds generated request ids. */
void wf_http__parser_init(struct wf_http__parser *p, const struct wf_http__router *router,
                          uint64_t id_seed);
void wf_http__parser_cleanup(struct wf_http__parser *p);
/* Room for reading: makes at least `want` bytes free at rbuf + rlen unless
 * the buffer would pass its cap. Returns free bytes (0 when full or ENOMEM). */
size_t wf_http__parser_room(struct wf_http__parser *p, size_t want);
/* Parses buffered bytes up to the next event. After EV_REQUEST, call
 * wf_http__parser_next once the response no longer needs p->req. */
enum wf_http__ev wf_http__parser_feed(struct wf_http__parser *p);
/* Releases the answered request (closes a spool file, drops its bytes)
 * and readies the parser for the next pipelined request. */
void wf_http__parser_next(struct wf_http__parser *p);
/* 1 when unparsed bytes are buffered. */
int wf_http__parser_pending(const struct wf_http__parser *p);
/* Fills req->request_id from a sane X-Request-Id or a generated one. */
void wf_http__request_id(struct wf_http__parser *p);

/* ---- Responses ----------------------------------------------------------- */

/* "OK", "Not Found", ...; "Unknown" for other codes. */
const char *wf_http__reason(int status);
/* Resets a response for reuse, keeping its memory. */
void wf_http__resp_reset(struct wf_http_resp *r);

#endif
