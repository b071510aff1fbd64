/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http: the HTTP/1.1 server of `workflowai serve`. An epoll loop per I/O
 * thread (SO_REUSEPORT listeners) parses requests with the packaged
 * http_parser, matches them against one route table, and runs handlers
 * either inline on the I/O thread (cheap routes such as /health) or on a
 * handler thread pool (anything that may block: the store, triage). It
 * enforces header/body limits and timeouts against slow clients, keeps
 * connections alive, answers pipelined requests in order, and drains
 * in-flight requests on shutdown. The application layer (auth, rate limits,
 * handlers, metrics) plugs in through the route table and two hooks.
 */
#ifndef WF_HTTP_H
#define WF_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

enum wf_http_method {
    WF_HTTP_GET,
    WF_HTTP_HEAD,
    WF_HTTP_POST,
    WF_HTTP_PUT,
    WF_HTTP_DELETE,
    WF_HTTP_PATCH,
    WF_HTTP_OPTIONS,
    WF_HTTP_OTHER
};

/* "GET", "POST", ...; "OTHER" for WF_HTTP_OTHER. */
const char *wf_http_method_name(enum wf_http_method m);

struct wf_http_header {
    struct wf_str name;  /* lower-cased, borrowed from the request */
    struct wf_str value; /* leading/trailing blanks trimmed, borrowed */
};

#define WF_HTTP_MAX_PARAMS 4
#define WF_HTTP_REQUEST_ID_BYTES 65
#define WF_HTTP_TENANT_BYTES WF_LIMIT_ID_BYTES

struct wf_http_route;

/* One parsed request. Everything it points to lives until the response has
 * been sent; handlers must not keep pointers past their return. */
struct wf_http_req {
    enum wf_http_method method;
    struct wf_str target;                 /* raw request-target, e.g. "/v1/x?a=1" */
    struct wf_str path;                   /* target up to '?', not percent-decoded */
    struct wf_str query;                  /* after '?', without it; len 0 if none */
    const struct wf_http_header *headers; /* n_headers entries */
    size_t n_headers;
    const char *body; /* in-memory body, NUL-terminated (body[body_len] == 0); NULL if spooled */
    size_t body_len;  /* bytes of body (also when spooled) */
    int body_fd;      /* spooled body: unlinked temp file at offset 0, else -1 */
    struct wf_str params[WF_HTTP_MAX_PARAMS]; /* values of {name} segments, in order */
    size_t n_params;
    const struct wf_http_route *route;         /* matched route */
    char request_id[WF_HTTP_REQUEST_ID_BYTES]; /* X-Request-Id if sane, else generated */
    char peer[64];                             /* "ip:port" of the client */
    struct wf_arena *arena;                    /* request-scoped memory */
    uint64_t start_ns;                         /* wf_now_ns() when the headers completed */
    /* Filled by the application's `before` hook (authentication). */
    char tenant[WF_HTTP_TENANT_BYTES]; /* "" until authenticated */
    char principal[WF_LIMIT_ID_BYTES]; /* key id or JWT subject */
};

/* A response being built. The server adds Date, Content-Length,
 * Connection and X-Request-Id. */
struct wf_http_resp {
    int status;               /* 200 unless set */
    const char *content_type; /* static string; default "application/json" */
    struct wf_buf headers;    /* extra header lines, each "Name: value\r\n" */
    struct wf_buf body;       /* response body (capped at 64 MiB) */
    int close;                /* 1: close the connection after this response */
};

/* Appends one header line. Rejects names/values with CR or LF (EINVAL). */
int wf_http_resp_header(struct wf_http_resp *r, const char *name, const char *value);
/* Sets status and appends body text (printf-style). */
int wf_http_resp_printf(struct wf_http_resp *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Replaces the response with the project's one error shape:
 *   {"error":{"code":"<code>","message":"<message>","request_id":"<id>"}}
 * with `status`. `code` is a short snake_case word ("not_found",
 * "bad_signature"); message is JSON-escaped. */
void wf_http_resp_error(struct wf_http_resp *r, const struct wf_http_req *req, int status,
                        const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Header lookup (name compared case-insensitively); NULL view (p == NULL)
 * when absent. The first occurrence wins. */
struct wf_str wf_http_req_header(const struct wf_http_req *req, const char *name);
/* Query parameter lookup: writes the percent-decoded value of `name` into
 * out (capacity cap, NUL-terminated). Returns 1 when present, 0 when
 * absent, -1 when the value does not fit or is not valid percent-encoding. */
int wf_http_req_query(const struct wf_http_req *req, const char *name, char *out, size_t cap);
/* Reads the whole body (in memory or spooled) into an owned buffer of at
 * most max_bytes (free with wf_free). WF_ETOOBIG, WF_EIO, WF_ENOMEM. */
int wf_http_req_body(const struct wf_http_req *req, size_t max_bytes, char **out, size_t *out_len);

typedef void (*wf_http_handler_fn)(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);

/* Deferred responses: a handler that waits for something completed by
 * another thread (e.g. the store's group commit) calls wf_http_defer and
 * returns at once, so neither an I/O thread nor a handler thread blocks.
 * The request, the response and everything they point to stay valid, and
 * belong to the deferring code, until it calls wf_http_resume (exactly
 * once, from any thread) after filling the response; the server then sends
 * it from the connection's I/O thread. Call wf_http_defer only from the
 * handler, before handing the request to the other thread. */
struct wf_http_deferred;
struct wf_http_deferred *wf_http_defer(struct wf_http_req *req);
void wf_http_resume(struct wf_http_deferred *d);

/* Streamed responses (server-sent events, long answers): a handler on the
 * handler pool calls wf_http_stream_begin after setting resp's status,
 * content type and headers; the head goes out at once with
 * "Transfer-Encoding: chunked" (HTTP/1.0 peers: a body delimited by
 * closing the connection), then every wf_http_stream_write becomes one
 * chunk, sent as soon as the connection's I/O thread gets to it. The
 * handler writes from its own thread and must call wf_http_stream_end
 * exactly once before it returns; after begin, resp->body is not sent.
 * Never from an INLINE route. */
struct wf_http_stream;
struct wf_http_stream *wf_http_stream_begin(struct wf_http_req *req, struct wf_http_resp *resp);
/* Queues len bytes (borrowed, copied) as one chunk; waits while more than
 * 256 KiB are queued for a slow client. WF_EIO once the client is gone
 * (stop producing), WF_ETIMEOUT when it reads nothing for the write
 * timeout, WF_ETOOBIG/WF_ENOMEM. Thread-safe with the I/O thread. */
int wf_http_stream_write(struct wf_http_stream *s, const void *p, size_t len);
/* Ends the response (the last chunk); s is invalid afterwards. */
void wf_http_stream_end(struct wf_http_stream *s);

enum {
    WF_HTTP_ROUTE_INLINE = 1u << 0, /* run on the I/O thread: must never block */
    WF_HTTP_ROUTE_PUBLIC = 1u << 1, /* the `before` hook is told no auth is needed */
    WF_HTTP_ROUTE_SPOOL = 1u << 2,  /* bodies over WF_LIMIT_HTTP_SPOOL_BYTES go to a temp file */
    WF_HTTP_ROUTE_INLINE_SMALL = 1u << 3 /* inline when the body is in memory and at most
                                            WF_HTTP_INLINE_BODY_BYTES, else on the pool */
};

/* Body size up to which an INLINE_SMALL route runs on the I/O thread. */
#define WF_HTTP_INLINE_BODY_BYTES (64u * 1024)

struct wf_http_route {
    enum wf_http_method method;
    const char *pattern; /* "/v1/failures/{id}": literal segments and {name} segments */
    wf_http_handler_fn fn;
    unsigned flags;        /* WF_HTTP_ROUTE_* */
    size_t max_body_bytes; /* 0 = WF_LIMIT_HTTP_BODY_BYTES; larger bodies get 413 */
    const char *name;      /* metrics/log label, e.g. "failures_get" */
};

struct wf_http_server_opts {
    const char *host;                   /* listen address, default "127.0.0.1" */
    int port;                           /* 0 = ephemeral (see wf_http_server_port) */
    int n_io_threads;                   /* default: number of CPUs */
    int n_handler_threads;              /* default: 2 x CPUs */
    int max_connections;                /* default 10000; more are accepted then closed with 503 */
    int header_timeout_ms;              /* whole request line + headers, default 10000 -> 408 */
    int body_timeout_ms;                /* between body bytes, default 30000 -> 408 */
    int idle_timeout_ms;                /* keep-alive idle, default 60000 -> silent close */
    int write_timeout_ms;               /* a client not reading its response, default 30000 */
    int shutdown_timeout_ms;            /* drain in-flight requests on stop, default 10000 */
    const struct wf_http_route *routes; /* borrowed table, lives as long as the server */
    size_t n_routes;
    void *ud; /* passed to handlers and hooks */
    /* Called before every matched route's handler, on the thread that runs
     * the handler. Return 0 to go on, non-zero when it filled resp (401, 429,
     * ...) and the handler must not run. `is_public` mirrors the route flag. */
    int (*before)(struct wf_http_req *req, struct wf_http_resp *resp, int is_public, void *ud);
    /* Called once per response (also for 404/405/400/408/413/431 made by the
     * server itself; then req->route may be NULL), after the status is
     * final, with the time since the request started. For metrics and the
     * access log. Must be thread-safe and must not block. */
    void (*after)(const struct wf_http_req *req, const struct wf_http_resp *resp,
                  uint64_t duration_ns, void *ud);
};

struct wf_http_server;

/* Binds and listens (the socket is ready when this returns, so tests can
 * connect at once). Borrows opts->routes. WF_EINVAL for a bad route table
 * or address, WF_EIO when bind/listen fails (message in err, optional). */
int wf_http_server_new(const struct wf_http_server_opts *opts, struct wf_http_server **out,
                       struct wf_buf *err);
/* The bound TCP port. */
int wf_http_server_port(const struct wf_http_server *s);
/* Runs the I/O threads until wf_http_server_stop; returns WF_OK after a
 * graceful drain. Call from one thread. */
int wf_http_server_run(struct wf_http_server *s);
/* Asks the server to stop: stop accepting, finish requests in flight (up to
 * shutdown_timeout_ms), close idle connections. Async-signal-safe (writes
 * to an eventfd), callable from any thread. */
void wf_http_server_stop(struct wf_http_server *s);
/* Frees a stopped server; accepts NULL. */
void wf_http_server_free(struct wf_http_server *s);

/* Counters since start (read with relaxed atomics, approximate). */
struct wf_http_stats {
    uint64_t connections_open;
    uint64_t connections_total;
    uint64_t requests_total;
    uint64_t requests_in_flight;
};
void wf_http_server_stats(const struct wf_http_server *s, struct wf_http_stats *out);

#endif
