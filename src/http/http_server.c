/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server: one epoll loop per I/O thread, each with its own
 * SO_REUSEPORT listener, edge-triggered non-blocking connections, and a
 * handler thread pool for routes that may block. A connection reads and
 * parses (http_parse.c) until a request is complete, then stops reading:
 * an INLINE route answers on the spot, any other goes to the pool and comes
 * back through the loop's completion list and eventfd. The response is
 * written with one sendmsg (head + body); the next pipelined request is
 * parsed only after it is flushed. Deadlines are checked by scanning the
 * loop's connections every 100 ms. Stop closes the listeners, closes idle
 * connections and waits for requests in flight up to the shutdown timeout.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "http/http_int.h"

#define TICK_MS 100
#define LINGER_MS 1000
#define READ_CHUNK 4096u
#define MAX_EVENTS 256

enum conn_state {
    C_READ,     /* reading / parsing; output may hold a 100 Continue */
    C_INFLIGHT, /* request on the handler pool: nothing read */
    C_WRITE,    /* response queued, flushing */
    C_LINGER,   /* final response sent, write side shut, draining input */
    C_STREAM    /* streamed response: head sent, chunks flowing from the handler */
};

enum deadline_kind { D_NONE, D_IDLE, D_HEAD, D_BODY, D_WRITE, D_LINGER };

struct loop;

struct conn {
    struct conn *prev, *next; /* loop's connection list */
    struct conn *qnext;       /* pool queue / completion list / graveyard */
    struct loop *loop;
    int fd;
    enum conn_state state;
    int can_read;    /* an edge said readable and we have not hit EAGAIN */
    int rd_eof;      /* peer closed its write side */
    int closed;      /* fd closed, waiting in the graveyard */
    int dead;        /* closed while in flight: free on completion */
    int close_after; /* close once the queued response is flushed */
    enum deadline_kind dkind;
    uint64_t deadline_ms;
    uint64_t head_start_ms; /* first byte of the current request head */
    uint64_t last_io_ms;    /* last body byte read / write progress */
    struct wf_http__parser p;
    struct wf_http_resp resp;
    struct wf_arena arena;
    struct wf_buf out; /* response heads (and 100 Continue) not yet sent */
    size_t out_off;    /* bytes of out sent */
    const char *obody; /* response body being sent (borrowed from resp) */
    size_t obody_len;  /* bytes of obody */
    size_t obody_off;  /* bytes of obody sent */
    /* streamed responses (wf_http_stream_*); loop side: */
    int streaming;   /* the current request answers with a stream */
    int s_head_sent; /* the head is queued */
    int s_raw;       /* HTTP/1.0 peer: body delimited by close, no chunk framing */
    int s_ended;     /* the producer's end was seen; the last chunk is queued */
    /* shared with the producer, under loop.mu: */
    struct wf_buf s_pend; /* bytes written by the producer, not yet framed */
    int s_end;            /* the producer called wf_http_stream_end */
    int s_queued;         /* in the loop's done list */
    int s_gone;           /* the connection died: writes fail */
};

struct loop {
    struct wf_http_server *s;
    int epfd;
    int lfd;      /* listener, -1 once closed */
    int wake_efd; /* handler completions */
    pthread_t th;
    pthread_mutex_t mu;
    struct conn *done_head, *done_tail; /* completions, under mu */
    struct conn head;                   /* list sentinel */
    size_t n_conns;
    struct conn *graveyard;
    uint64_t now_ms;
    time_t date_sec;
    char date_line[64]; /* "Date: ...\r\n" */
    size_t date_len;
    uint64_t seed;
    int stopping;
    int accept_paused; /* listener out of epoll after EMFILE & co, until the next tick */
    uint64_t stop_deadline_ms;
    uint64_t next_tick_ms;
};

struct wf_http_server {
    struct wf_http_server_opts o;
    struct wf_http__router router;
    struct loop *loops;
    int n_loops;
    int port;
    int stop_efd;
    pthread_t *workers;
    int n_workers;
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    struct conn *qhead, *qtail;
    int qstop;
    int qabandon;
    atomic_int open_conns;
    atomic_uint_fast64_t st_conns_total;
    atomic_uint_fast64_t st_requests_total;
    atomic_uint_fast64_t st_in_flight;
};

/* ---- Small helpers ------------------------------------------------------- */

static void update_date(struct loop *l)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec == l->date_sec && l->date_len)
        return;
    l->date_sec = ts.tv_sec;
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    l->date_len =
        strftime(l->date_line, sizeof(l->date_line), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

static size_t utoa(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static uint64_t seed64(void)
{
    uint64_t x = 0;
    if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != (ssize_t)sizeof(x))
        x = wf_now_ns() ^ (uint64_t)(uintptr_t)&x;
    return x;
}

/* ---- Connection lifetime -------------------------------------------------- */

static void conn_free(struct conn *c)
{
    wf_http__parser_cleanup(&c->p);
    wf_buf_cleanup(&c->resp.headers);
    wf_buf_cleanup(&c->resp.body);
    wf_buf_cleanup(&c->out);
    wf_buf_cleanup(&c->s_pend);
    wf_arena_cleanup(&c->arena);
    wf_free(c);
}

static void conn_close(struct conn *c)
{
    struct loop *l = c->loop;
    if (c->closed)
        return;
    if (c->state == C_INFLIGHT || (c->state == C_STREAM && !c->s_ended)) {
        /* the handler still uses it: finish on completion */
        c->dead = 1;
        c->dkind = D_NONE;
        /* a handler may be starting a stream right now: tell it under the
         * lock, without reading its flag */
        pthread_mutex_lock(&l->mu);
        c->s_gone = 1; /* the producer's writes fail from now on */
        pthread_mutex_unlock(&l->mu);
        return;
    }
    c->closed = 1;
    close(c->fd);
    c->fd = -1;
    c->prev->next = c->next;
    c->next->prev = c->prev;
    l->n_conns--;
    atomic_fetch_sub_explicit(&l->s->open_conns, 1, memory_order_relaxed);
    c->qnext = l->graveyard;
    l->graveyard = c;
}

static void bury(struct loop *l)
{
    while (l->graveyard) {
        struct conn *c = l->graveyard;
        l->graveyard = c->qnext;
        conn_free(c);
    }
}

/* ---- Output ---------------------------------------------------------------- */

static void finish_request(struct conn *c);
static void linger_read(struct conn *c);
static void drive(struct conn *c);
static void arm(struct conn *c);

/* Sends queued output. Returns 0 when done or waiting for EPOLLOUT, -1
 * when the connection was closed. */
static int flush(struct conn *c)
{
    while (c->out_off < c->out.len || c->obody_off < c->obody_len) {
        struct iovec iov[2];
        int n = 0;
        if (c->out_off < c->out.len) {
            iov[n].iov_base = c->out.p + c->out_off;
            iov[n].iov_len = c->out.len - c->out_off;
            n++;
        }
        if (c->obody_off < c->obody_len) {
            iov[n].iov_base = (void *)(c->obody + c->obody_off);
            iov[n].iov_len = c->obody_len - c->obody_off;
            n++;
        }
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->last_io_ms = c->loop->now_ms;
                return 0;
            }
            conn_close(c);
            return -1;
        }
        size_t left = (size_t)w;
        size_t head_left = c->out.len - c->out_off;
        size_t k = left < head_left ? left : head_left;
        c->out_off += k;
        left -= k;
        c->obody_off += left;
        c->last_io_ms = c->loop->now_ms;
    }
    wf_buf_reset(&c->out);
    c->out_off = 0;
    c->obody = NULL;
    c->obody_len = c->obody_off = 0;
    if (c->state == C_STREAM && c->s_ended) {
        atomic_fetch_sub_explicit(&c->loop->s->st_in_flight, 1, memory_order_relaxed);
        c->state = C_WRITE;
    }
    if (c->state == C_WRITE)
        finish_request(c);
    return c->closed ? -1 : 0;
}

/* The response is on the wire: next request, or close. */
static void finish_request(struct conn *c)
{
    if (c->close_after) {
        shutdown(c->fd, SHUT_WR);
        c->state = C_LINGER;
        c->can_read = 1;
        c->deadline_ms = c->loop->now_ms + LINGER_MS;
        c->dkind = D_LINGER;
        linger_read(c); /* often the peer has closed already */
        return;
    }
    wf_http__parser_next(&c->p);
    wf_arena_cleanup(&c->arena);
    c->streaming = c->s_head_sent = c->s_raw = c->s_ended = 0;
    c->s_end = c->s_queued = c->s_gone = 0;
    wf_buf_reset(&c->s_pend);
    c->state = C_READ;
    c->dkind = D_NONE; /* arm() starts a fresh idle or head deadline */
    c->head_start_ms = c->p.rlen ? c->loop->now_ms : 0;
}

static int put(struct wf_buf *b, const char *s, size_t n)
{
    return wf_buf_append(b, s, n);
}

/* Queues the response of the current request and starts writing it. */
static void send_response(struct conn *c, int force_close)
{
    struct loop *l = c->loop;
    struct wf_http_server *s = l->s;
    struct wf_http_req *req = &c->p.req;
    struct wf_http_resp *r = &c->resp;
    int close = force_close || r->close || !c->p.keep_alive || l->stopping || c->rd_eof;
    if (r->status < 100 || r->status > 999)
        r->status = 500;
    int no_body = req->method == WF_HTTP_HEAD || r->status == 204 || r->status == 304;
    if (s->o.after)
        s->o.after(req, r, wf_now_ns() - req->start_ns, s->o.ud);
    char line[64];
    char *w = line;
    memcpy(w, "HTTP/1.1 ", 9);
    w += 9;
    w += utoa(w, (uint64_t)r->status);
    *w++ = ' ';
    const char *reason = wf_http__reason(r->status);
    size_t rl = strlen(reason);
    struct wf_buf *o = &c->out;
    int rc = put(o, line, (size_t)(w - line));
    rc |= put(o, reason, rl);
    rc |= put(o, "\r\n", 2);
    rc |= put(o, l->date_line, l->date_len);
    if (c->streaming) {
        const char *ct = r->content_type ? r->content_type : "application/json";
        rc |= put(o, "Content-Type: ", 14);
        rc |= put(o, ct, strlen(ct));
        rc |= put(o, "\r\nCache-Control: no-cache\r\n",
                  sizeof("\r\nCache-Control: no-cache\r\n") - 1);
        if (!c->s_raw)
            rc |= put(o, "Transfer-Encoding: chunked\r\n",
                      sizeof("Transfer-Encoding: chunked\r\n") - 1);
    } else if (r->status != 204) {
        const char *ct = r->content_type ? r->content_type : "application/json";
        rc |= put(o, "Content-Type: ", 14);
        rc |= put(o, ct, strlen(ct));
        w = line;
        memcpy(w, "\r\nContent-Length: ", 18);
        w += 18;
        w += utoa(w, r->body.len);
        *w++ = '\r';
        *w++ = '\n';
        rc |= put(o, line, (size_t)(w - line));
    }
    if (close)
        rc |= put(o, "Connection: close\r\n", 19);
    else if (c->p.hp.http_major == 1 && c->p.hp.http_minor == 0)
        rc |= put(o, "Connection: keep-alive\r\n", 24);
    rc |= put(o, "X-Request-Id: ", 14);
    rc |= put(o, req->request_id, strlen(req->request_id));
    rc |= put(o, "\r\n", 2);
    if (r->headers.len)
        rc |= put(o, r->headers.p, r->headers.len);
    rc |= put(o, "\r\n", 2);
    if (c->streaming) {
        /* the body follows from the producer; in flight until it ends */
        c->close_after = close;
        c->state = C_STREAM;
        if (rc)
            conn_close(c);
        return;
    }
    atomic_fetch_sub_explicit(&s->st_in_flight, 1, memory_order_relaxed);
    if (rc) {
        conn_close(c);
        return;
    }
    c->obody = no_body ? NULL : r->body.p;
    c->obody_len = no_body ? 0 : r->body.len;
    c->obody_off = 0;
    c->close_after = close;
    c->state = C_WRITE;
    flush(c);
}

/* A response the server makes itself (400, 404, 408, 413, 431, ...). */
static void send_error(struct conn *c, int status, const char *code, const char *msg,
                       int force_close)
{
    struct wf_http_req *req = &c->p.req;
    if (!req->request_id[0])
        wf_http__request_id(&c->p);
    if (!req->start_ns)
        req->start_ns = wf_now_ns();
    atomic_fetch_add_explicit(&c->loop->s->st_requests_total, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->loop->s->st_in_flight, 1, memory_order_relaxed);
    wf_http__resp_reset(&c->resp);
    wf_http_resp_error(&c->resp, req, status, code, "%s", msg);
    if (status == 405) {
        char allow[96];
        wf_http__allow_string(c->p.allow, allow, sizeof(allow));
        wf_http_resp_header(&c->resp, "Allow", allow);
    }
    send_response(c, force_close);
}

/* ---- Handlers ---------------------------------------------------------------- */

/* Set by wf_http_defer on the thread that runs the handler: after the
 * handler returns, the connection may already be completed by another
 * thread, so the server must not look at the conn to learn this. */
static _Thread_local int tl_deferred;

/* Appends c to its loop's done list; returns 1 when the loop must be
 * woken. Call with l->mu held. */
static int post_locked(struct loop *l, struct conn *c)
{
    c->qnext = NULL;
    int was_empty = l->done_head == NULL;
    if (l->done_tail)
        l->done_tail->qnext = c;
    else
        l->done_head = c;
    l->done_tail = c;
    return was_empty;
}

static void wake(struct loop *l)
{
    uint64_t one = 1;
    ssize_t wr = write(l->wake_efd, &one, sizeof(one));
    (void)wr;
}

/* Hands a finished request back to its loop (any thread). */
static void post_done(struct conn *c)
{
    struct loop *l = c->loop;
    pthread_mutex_lock(&l->mu);
    int was_empty = post_locked(l, c);
    pthread_mutex_unlock(&l->mu);
    if (was_empty)
        wake(l);
}

static struct conn *conn_of(struct wf_http_req *req)
{
    return (struct conn *)(void *)((char *)req - offsetof(struct wf_http__parser, req) -
                                   offsetof(struct conn, p));
}

/* ---- Streamed responses ------------------------------------------------------- */

/* Bytes a producer may have queued before wf_http_stream_write waits. */
#define STREAM_HIGH_WATER (256u * 1024)
#define STREAM_MAX_BYTES (64u * 1024 * 1024)

struct wf_http_stream *wf_http_stream_begin(struct wf_http_req *req, struct wf_http_resp *resp)
{
    struct conn *c = conn_of(req);
    (void)resp; /* the head is made from c->resp, which resp is */
    c->streaming = 1;
    c->s_raw = c->p.hp.http_major == 1 && c->p.hp.http_minor == 0;
    if (c->s_raw)
        c->resp.close = 1; /* the end of the body is the end of the connection */
    wf_buf_init(&c->s_pend, STREAM_MAX_BYTES);
    tl_deferred = 1; /* the handler's return does not complete the request */
    struct loop *l = c->loop;
    pthread_mutex_lock(&l->mu);
    c->s_queued = 1;
    int was_empty = post_locked(l, c);
    pthread_mutex_unlock(&l->mu);
    if (was_empty)
        wake(l);
    return (struct wf_http_stream *)c;
}

/* Queues c for the loop unless it is queued already. Call with l->mu held. */
static int stream_kick(struct loop *l, struct conn *c)
{
    if (c->s_queued)
        return 0;
    c->s_queued = 1;
    return post_locked(l, c);
}

int wf_http_stream_write(struct wf_http_stream *st, const void *p, size_t len)
{
    struct conn *c = (struct conn *)(void *)st;
    struct loop *l = c->loop;
    uint64_t waited_ms = 0;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        if (c->s_gone) {
            pthread_mutex_unlock(&l->mu);
            return WF_EIO;
        }
        if (c->s_pend.len < STREAM_HIGH_WATER || !len)
            break;
        pthread_mutex_unlock(&l->mu);
        /* a slow reader: wait for the loop to take what is queued */
        if (waited_ms >= (uint64_t)l->s->o.write_timeout_ms)
            return WF_ETIMEOUT;
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited_ms += 2;
    }
    int rc = len ? wf_buf_append(&c->s_pend, p, len) : WF_OK;
    int kick = rc == WF_OK && len ? stream_kick(l, c) : 0;
    pthread_mutex_unlock(&l->mu);
    if (kick)
        wake(l);
    return rc;
}

void wf_http_stream_end(struct wf_http_stream *st)
{
    struct conn *c = (struct conn *)(void *)st;
    struct loop *l = c->loop;
    pthread_mutex_lock(&l->mu);
    c->s_end = 1;
    int kick = stream_kick(l, c);
    pthread_mutex_unlock(&l->mu);
    if (kick)
        wake(l);
}

/* Loop side: sends the head once, frames what the producer wrote as
 * chunks, and ends the response after the producer's end. */
static void stream_pump(struct conn *c)
{
    struct loop *l = c->loop;
    struct wf_buf data;
    wf_buf_init(&data, STREAM_MAX_BYTES);
    pthread_mutex_lock(&l->mu);
    c->s_queued = 0;
    int end = c->s_end;
    data = c->s_pend; /* take the bytes; the producer starts a new buffer */
    wf_buf_init(&c->s_pend, STREAM_MAX_BYTES);
    pthread_mutex_unlock(&l->mu);
    if (c->dead) {
        wf_buf_cleanup(&data);
        if (end) {
            atomic_fetch_sub_explicit(&l->s->st_in_flight, 1, memory_order_relaxed);
            c->s_ended = 1;
            c->state = C_WRITE;
            conn_close(c);
        }
        return;
    }
    if (!c->s_head_sent) {
        c->s_head_sent = 1;
        send_response(c, 0);
        if (c->closed || c->dead) {
            wf_buf_cleanup(&data);
            return;
        }
    }
    int rc = WF_OK;
    if (data.len) {
        if (!c->s_raw) {
            char hex[24];
            int n = snprintf(hex, sizeof(hex), "%zx\r\n", data.len);
            rc |= put(&c->out, hex, (size_t)n);
        }
        rc |= put(&c->out, data.p, data.len);
        if (!c->s_raw)
            rc |= put(&c->out, "\r\n", 2);
    }
    wf_buf_cleanup(&data);
    if (end) {
        c->s_ended = 1;
        if (!c->s_raw)
            rc |= put(&c->out, "0\r\n\r\n", 5);
        else
            c->close_after = 1;
    }
    if (rc) {
        conn_close(c);
        return;
    }
    if (flush(c) < 0)
        return;
    if (c->state == C_READ)
        drive(c);
    else
        arm(c);
}

struct wf_http_deferred *wf_http_defer(struct wf_http_req *req)
{
    struct conn *c = conn_of(req);
    /* the state is not touched here: a pooled conn is already in flight and
     * dispatch() marks an inline one when the handler returns */
    tl_deferred = 1;
    return (struct wf_http_deferred *)c;
}

void wf_http_resume(struct wf_http_deferred *d)
{
    post_done((struct conn *)(void *)d);
}

static void run_handler(struct wf_http_server *s, struct conn *c)
{
    struct wf_http_req *req = &c->p.req;
    const struct wf_http_route *rt = req->route;
    if (s->o.before && s->o.before(req, &c->resp, (rt->flags & WF_HTTP_ROUTE_PUBLIC) != 0, s->o.ud))
        return;
    rt->fn(req, &c->resp, s->o.ud);
}

static void dispatch(struct conn *c)
{
    struct wf_http_server *s = c->loop->s;
    struct wf_http__parser *p = &c->p;
    if (p->route_status) {
        send_error(c, p->route_status, p->route_status == 404 ? "not_found" : "method_not_allowed",
                   p->route_status == 404 ? "no such route" : "method not allowed", 0);
        return;
    }
    atomic_fetch_add_explicit(&s->st_requests_total, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->st_in_flight, 1, memory_order_relaxed);
    p->req.arena = &c->arena;
    wf_http__resp_reset(&c->resp);
    unsigned flags = p->req.route->flags;
    if ((flags & WF_HTTP_ROUTE_INLINE) ||
        ((flags & WF_HTTP_ROUTE_INLINE_SMALL) && p->req.body_fd < 0 &&
         p->req.body_len <= WF_HTTP_INLINE_BODY_BYTES)) {
        tl_deferred = 0;
        run_handler(s, c);
        if (tl_deferred) {
            tl_deferred = 0;
            c->state = C_INFLIGHT; /* before the loop can see the resume */
            c->dkind = D_NONE;
            return; /* wf_http_resume completes it through the done list */
        }
        send_response(c, 0);
        return;
    }
    c->state = C_INFLIGHT;
    c->dkind = D_NONE;
    c->qnext = NULL;
    pthread_mutex_lock(&s->qmu);
    if (s->qtail)
        s->qtail->qnext = c;
    else
        s->qhead = c;
    s->qtail = c;
    pthread_cond_signal(&s->qcv);
    pthread_mutex_unlock(&s->qmu);
}

static void *worker_main(void *arg)
{
    struct wf_http_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->qmu);
        while (!s->qhead && !s->qstop)
            pthread_cond_wait(&s->qcv, &s->qmu);
        struct conn *c = s->qhead;
        if (!c) {
            pthread_mutex_unlock(&s->qmu);
            break;
        }
        s->qhead = c->qnext;
        if (!s->qhead)
            s->qtail = NULL;
        int abandon = s->qabandon;
        pthread_mutex_unlock(&s->qmu);
        tl_deferred = 0;
        if (!abandon)
            run_handler(s, c);
        else
            wf_http_resp_error(&c->resp, &c->p.req, 503, "shutting_down", "server stopping");
        if (tl_deferred) {
            tl_deferred = 0; /* c may be finished and gone already: do not touch it */
            continue;
        }
        post_done(c);
    }
    return NULL;
}

/* ---- Reading ------------------------------------------------------------------ */

static void arm(struct conn *c)
{
    struct loop *l = c->loop;
    const struct wf_http_server_opts *o = &l->s->o;
    if (c->closed)
        return;
    switch (c->state) {
    case C_READ:
        if (c->p.phase == WF_HTTP__PH_BODY) {
            c->dkind = D_BODY;
            c->deadline_ms = c->last_io_ms + (uint64_t)o->body_timeout_ms;
        } else if (c->p.phase == WF_HTTP__PH_HEAD || c->p.rlen) {
            if (!c->head_start_ms)
                c->head_start_ms = l->now_ms;
            c->dkind = D_HEAD;
            c->deadline_ms = c->head_start_ms + (uint64_t)o->header_timeout_ms;
        } else if (c->dkind != D_IDLE) {
            c->dkind = D_IDLE;
            c->deadline_ms = l->now_ms + (uint64_t)o->idle_timeout_ms;
        }
        break;
    case C_WRITE:
        c->dkind = D_WRITE;
        c->deadline_ms = c->last_io_ms + (uint64_t)o->write_timeout_ms;
        break;
    case C_INFLIGHT:
        c->dkind = D_NONE;
        break;
    case C_STREAM:
        if (c->out_off < c->out.len) {
            if (c->dkind != D_WRITE)
                c->last_io_ms = l->now_ms;
            c->dkind = D_WRITE;
            c->deadline_ms = c->last_io_ms + (uint64_t)o->write_timeout_ms;
        } else {
            c->dkind = D_NONE; /* waiting for the producer */
        }
        break;
    case C_LINGER:
        break;
    }
}

static void linger_read(struct conn *c)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof(buf));
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->can_read = 0;
            return;
        }
        conn_close(c);
        return;
    }
}

/* Parses what is buffered and reads more while the connection is in
 * C_READ; returns when it must wait (socket drained, request in flight,
 * response blocked) or the connection closed. */
static void drive(struct conn *c)
{
    struct loop *l = c->loop;
    while (!c->closed && c->state == C_READ) {
        enum wf_http__ev ev = wf_http__parser_feed(&c->p);
        if (ev == WF_HTTP__EV_REQUEST) {
            c->head_start_ms = 0;
            dispatch(c);
            continue;
        }
        if (ev == WF_HTTP__EV_ERROR) {
            send_error(c, c->p.err_status, c->p.err_code, c->p.err_msg, 1);
            continue;
        }
        if (ev == WF_HTTP__EV_CONTINUE) {
            if (put(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25) || flush(c) < 0)
                conn_close(c);
            continue;
        }
        if (c->rd_eof) {
            /* the peer is done sending and no whole request is left */
            conn_close(c);
            return;
        }
        if (!c->can_read)
            break;
        /* bigger reads while a body streams in: fewer syscalls per MiB */
        size_t room = wf_http__parser_room(&c->p, c->p.phase == WF_HTTP__PH_BODY ? 4 * READ_CHUNK
                                                                                 : READ_CHUNK);
        if (room == 0) {
            conn_close(c);
            return;
        }
        ssize_t n = read(c->fd, c->p.rbuf + c->p.rlen, room);
        if (n > 0) {
            if (!c->p.rlen && !c->head_start_ms)
                c->head_start_ms = l->now_ms;
            c->p.rlen += (size_t)n;
            c->last_io_ms = l->now_ms;
            if ((size_t)n < room)
                c->can_read = 0; /* drained: the next byte brings a new edge */
            continue;
        }
        if (n == 0) {
            c->rd_eof = 1;
            c->can_read = 0;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            c->can_read = 0;
            break;
        }
        conn_close(c);
        return;
    }
    arm(c);
}

static void conn_event(struct conn *c, uint32_t ev)
{
    if (c->closed)
        return;
    if (ev & (EPOLLERR | EPOLLHUP)) {
        conn_close(c);
        return;
    }
    if (ev & (EPOLLIN | EPOLLRDHUP))
        c->can_read = 1;
    if ((ev & EPOLLOUT) && (c->out_off < c->out.len || c->obody_off < c->obody_len)) {
        if (flush(c) < 0)
            return;
    }
    if (c->state == C_READ)
        drive(c);
    else if (c->state == C_LINGER && c->can_read)
        linger_read(c);
    else
        arm(c);
}

static void completions(struct loop *l)
{
    uint64_t v;
    ssize_t r = read(l->wake_efd, &v, sizeof(v));
    (void)r;
    pthread_mutex_lock(&l->mu);
    struct conn *c = l->done_head;
    l->done_head = l->done_tail = NULL;
    pthread_mutex_unlock(&l->mu);
    while (c) {
        struct conn *next = c->qnext;
        if (c->streaming) {
            stream_pump(c);
            c = next;
            continue;
        }
        c->state = C_WRITE;
        if (c->dead) {
            atomic_fetch_sub_explicit(&l->s->st_in_flight, 1, memory_order_relaxed);
            conn_close(c);
        } else {
            send_response(c, 0);
            if (!c->closed && c->state == C_READ)
                drive(c);
            else
                arm(c);
        }
        c = next;
    }
}

/* ---- Accepting ---------------------------------------------------------------- */

static void refuse(struct loop *l, int fd)
{
    char id[17];
    static const char hex[] = "0123456789abcdef";
    uint64_t x = wf_hash_mix(l->seed++, 0x5bd1e995u);
    for (int i = 0; i < 16; i++)
        id[i] = hex[(x >> (60 - 4 * i)) & 15];
    id[16] = '\0';
    char body[192], msg[512];
    int bn = snprintf(body, sizeof(body),
                      "{\"error\":{\"code\":\"overloaded\",\"message\":\"too many "
                      "connections\",\"request_id\":\"%s\"}}",
                      id);
    int n = snprintf(msg, sizeof(msg),
                     "HTTP/1.1 503 Service Unavailable\r\n%.*sContent-Type: "
                     "application/json\r\nContent-Length: %d\r\nConnection: close\r\n"
                     "X-Request-Id: %s\r\n\r\n%s",
                     (int)l->date_len, l->date_line, bn, id, body);
    if (n > 0 && (size_t)n < sizeof(msg)) {
        ssize_t w = send(fd, msg, (size_t)n, MSG_NOSIGNAL);
        (void)w;
    }
    shutdown(fd, SHUT_WR);
    close(fd);
}

static void accept_all(struct loop *l)
{
    struct wf_http_server *s = l->s;
    for (int i = 0; i < 64 && l->lfd >= 0; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd = accept4(l->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                /* EMFILE and friends: the level-triggered listener would
                 * spin; take it out of epoll until the next tick */
                epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->lfd, NULL);
                l->accept_paused = 1;
            }
            return;
        }
        atomic_fetch_add_explicit(&s->st_conns_total, 1, memory_order_relaxed);
        if (atomic_load_explicit(&s->open_conns, memory_order_relaxed) >= s->o.max_connections) {
            refuse(l, fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct conn *c = wf_calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->loop = l;
        c->state = C_READ;
        l->seed++;
        wf_http__parser_init(&c->p, &s->router, wf_hash_mix(l->seed, l->now_ms));
        wf_arena_init(&c->arena, 0);
        c->p.req.arena = &c->arena;
        wf_buf_init(&c->out, 1u << 20);
        wf_http__resp_reset(&c->resp);
        char host[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
            port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
            port = ntohs(a->sin6_port);
        }
        snprintf(c->p.req.peer, sizeof(c->p.req.peer), "%s:%d", host, port);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.ptr = c};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            conn_free(c);
            continue;
        }
        c->next = l->head.next;
        c->prev = &l->head;
        l->head.next->prev = c;
        l->head.next = c;
        l->n_conns++;
        atomic_fetch_add_explicit(&s->open_conns, 1, memory_order_relaxed);
        arm(c);
    }
}

/* ---- The loop ------------------------------------------------------------------ */

static void timers(struct loop *l)
{
    for (struct conn *c = l->head.next, *next; c != &l->head; c = next) {
        next = c->next;
        if (c->closed || c->dkind == D_NONE || c->deadline_ms > l->now_ms)
            continue;
        switch (c->dkind) {
        case D_HEAD:
        case D_BODY:
            if (c->state == C_READ) {
                c->dkind = D_NONE;
                send_error(c, 408, "request_timeout", "request not received in time", 1);
                arm(c);
                break;
            }
            conn_close(c);
            break;
        default:
            conn_close(c);
            break;
        }
    }
}

static void begin_stop(struct loop *l)
{
    struct wf_http_server *s = l->s;
    l->stopping = 1;
    l->stop_deadline_ms = l->now_ms + (uint64_t)s->o.shutdown_timeout_ms;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->stop_efd, NULL);
    if (l->lfd >= 0) {
        epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->lfd, NULL);
        close(l->lfd);
        l->lfd = -1;
    }
    for (struct conn *c = l->head.next, *next; c != &l->head; c = next) {
        next = c->next;
        if (c->state == C_READ && c->out_off == c->out.len)
            conn_close(c);
    }
}

static void *loop_main(void *arg)
{
    struct loop *l = arg;
    struct wf_http_server *s = l->s;
    struct epoll_event evs[MAX_EVENTS];
    l->now_ms = wf_now_ms();
    l->next_tick_ms = l->now_ms + TICK_MS;
    for (;;) {
        if (l->stopping && (l->n_conns == 0 || l->now_ms >= l->stop_deadline_ms))
            break;
        int timeout = (int)(l->next_tick_ms > l->now_ms ? l->next_tick_ms - l->now_ms : 0);
        int n = epoll_wait(l->epfd, evs, MAX_EVENTS, timeout);
        if (n < 0 && errno != EINTR)
            break;
        l->now_ms = wf_now_ms();
        update_date(l);
        for (int i = 0; i < n; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &l->lfd)
                accept_all(l);
            else if (tag == &l->wake_efd)
                completions(l);
            else if (tag == &s->stop_efd)
                begin_stop(l);
            else
                conn_event(tag, evs[i].events);
        }
        bury(l);
        if (l->now_ms >= l->next_tick_ms) {
            if (l->accept_paused && l->lfd >= 0) {
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &l->lfd};
                epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->lfd, &ev);
                l->accept_paused = 0;
            }
            timers(l);
            bury(l);
            l->next_tick_ms = l->now_ms + TICK_MS;
        }
    }
    return NULL;
}

/* ---- Set-up ---------------------------------------------------------------------- */

static int listen_one(const struct addrinfo *ai, int port, int *out, struct wf_buf *err)
{
    struct sockaddr_storage ss;
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0)
        goto fail;
    *out = fd;
    return WF_OK;
fail:
    if (err)
        wf_buf_appendf(err, "listen on port %d: %s", port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return WF_EIO;
}

static int ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (int)n : 1;
}

int wf_http_server_new(const struct wf_http_server_opts *opts, struct wf_http_server **out,
                       struct wf_buf *err)
{
    int rc = WF_OK;
    struct addrinfo *ai = NULL;
    struct wf_http_server *s = wf_calloc(1, sizeof(*s));
    if (!s)
        return WF_ENOMEM;
    s->stop_efd = -1;
    s->o = *opts;
    struct wf_http_server_opts *o = &s->o;
    if (!o->host || !*o->host)
        o->host = "127.0.0.1";
    if (o->n_io_threads <= 0)
        o->n_io_threads = ncpu();
    if (o->n_handler_threads <= 0)
        o->n_handler_threads = 2 * ncpu();
    if (o->max_connections <= 0)
        o->max_connections = 10000;
#define DEF(f, v)                                                                                  \
    if (o->f <= 0)                                                                                 \
    o->f = v
    DEF(header_timeout_ms, 10000);
    DEF(body_timeout_ms, 30000);
    DEF(idle_timeout_ms, 60000);
    DEF(write_timeout_ms, 30000);
    DEF(shutdown_timeout_ms, 10000);
#undef DEF
    pthread_mutex_init(&s->qmu, NULL);
    pthread_cond_init(&s->qcv, NULL);
    if (o->port < 0 || o->port > 65535 || o->n_io_threads > 256 || o->n_handler_threads > 1024) {
        rc = WF_EINVAL;
        goto out;
    }
    rc = wf_http__router_init(&s->router, o->routes, o->n_routes, err);
    if (rc)
        goto out;
    s->stop_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->stop_efd < 0) {
        rc = WF_EIO;
        goto out;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    if (getaddrinfo(o->host, "0", &hints, &ai) != 0 || !ai) {
        if (err)
            wf_buf_appendf(err, "bad listen address %s", o->host);
        rc = WF_EINVAL;
        goto out;
    }
    s->loops = wf_calloc((size_t)o->n_io_threads, sizeof(*s->loops));
    if (!s->loops) {
        rc = WF_ENOMEM;
        goto out;
    }
    s->port = o->port;
    for (int i = 0; i < o->n_io_threads; i++) {
        struct loop *l = &s->loops[i];
        l->s = s;
        l->lfd = l->epfd = l->wake_efd = -1;
        l->head.next = l->head.prev = &l->head;
        pthread_mutex_init(&l->mu, NULL);
        l->seed = seed64();
        s->n_loops = i + 1;
        rc = listen_one(ai, s->port, &l->lfd, err);
        if (rc)
            goto out;
        if (s->port == 0) {
            struct sockaddr_storage ss;
            socklen_t sl = sizeof(ss);
            getsockname(l->lfd, (struct sockaddr *)&ss, &sl);
            s->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        l->wake_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (l->epfd < 0 || l->wake_efd < 0) {
            rc = WF_EIO;
            goto out;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &l->lfd};
        struct epoll_event ew = {.events = EPOLLIN, .data.ptr = &l->wake_efd};
        struct epoll_event es = {.events = EPOLLIN, .data.ptr = &s->stop_efd};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->lfd, &ev) < 0 ||
            epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake_efd, &ew) < 0 ||
            epoll_ctl(l->epfd, EPOLL_CTL_ADD, s->stop_efd, &es) < 0) {
            rc = WF_EIO;
            goto out;
        }
        update_date(l);
    }
out:
    if (ai)
        freeaddrinfo(ai);
    if (rc) {
        wf_http_server_free(s);
        return rc;
    }
    *out = s;
    return WF_OK;
}

int wf_http_server_port(const struct wf_http_server *s)
{
    return s->port;
}

void wf_http_server_stop(struct wf_http_server *s)
{
    uint64_t one = 1;
    ssize_t w = write(s->stop_efd, &one, sizeof(one));
    (void)w;
}

static void close_all(struct loop *l)
{
    /* completions that arrived after the loop ended */
    pthread_mutex_lock(&l->mu);
    struct conn *d = l->done_head;
    l->done_head = l->done_tail = NULL;
    pthread_mutex_unlock(&l->mu);
    for (; d; d = d->qnext) {
        d->state = C_WRITE;
        atomic_fetch_sub_explicit(&l->s->st_in_flight, 1, memory_order_relaxed);
    }
    while (l->head.next != &l->head) {
        struct conn *c = l->head.next;
        c->state = C_WRITE; /* handlers are joined: nothing uses it */
        conn_close(c);
    }
    bury(l);
}

int wf_http_server_run(struct wf_http_server *s)
{
    int rc = WF_OK;
    int started_loops = 0;
    s->workers = wf_calloc((size_t)s->o.n_handler_threads, sizeof(*s->workers));
    if (!s->workers)
        return WF_ENOMEM;
    for (int i = 0; i < s->o.n_handler_threads; i++) {
        if (pthread_create(&s->workers[i], NULL, worker_main, s) != 0) {
            rc = WF_EINTERNAL;
            break;
        }
        s->n_workers = i + 1;
    }
    for (int i = 0; rc == WF_OK && i < s->n_loops; i++) {
        if (pthread_create(&s->loops[i].th, NULL, loop_main, &s->loops[i]) != 0) {
            rc = WF_EINTERNAL;
            wf_http_server_stop(s);
            break;
        }
        started_loops = i + 1;
    }
    for (int i = 0; i < started_loops; i++)
        pthread_join(s->loops[i].th, NULL);
    pthread_mutex_lock(&s->qmu);
    s->qstop = 1;
    s->qabandon = 1; /* the drain deadline has passed for whatever is left */
    pthread_cond_broadcast(&s->qcv);
    pthread_mutex_unlock(&s->qmu);
    for (int i = 0; i < s->n_workers; i++)
        pthread_join(s->workers[i], NULL);
    s->n_workers = 0;
    for (int i = 0; i < s->n_loops; i++)
        close_all(&s->loops[i]);
    return rc;
}

void wf_http_server_free(struct wf_http_server *s)
{
    if (!s)
        return;
    for (int i = 0; s->loops && i < s->n_loops; i++) {
        struct loop *l = &s->loops[i];
        close_all(l);
        if (l->lfd >= 0)
            close(l->lfd);
        if (l->epfd >= 0)
            close(l->epfd);
        if (l->wake_efd >= 0)
            close(l->wake_efd);
        pthread_mutex_destroy(&l->mu);
    }
    wf_free(s->loops);
    wf_free(s->workers);
    if (s->stop_efd >= 0)
        close(s->stop_efd);
    wf_http__router_cleanup(&s->router);
    pthread_mutex_destroy(&s->qmu);
    pthread_cond_destroy(&s->qcv);
    wf_free(s);
}

void wf_http_server_stats(const struct wf_http_server *s, struct wf_http_stats *out)
{
    struct wf_http_server *m = (struct wf_http_server *)s;
    out->connections_open = (uint64_t)atomic_load_explicit(&m->open_conns, memory_order_relaxed);
    out->connections_total = atomic_load_explicit(&m->st_conns_total, memory_order_relaxed);
    out->requests_total = atomic_load_explicit(&m->st_requests_total, memory_order_relaxed);
    out->requests_in_flight = atomic_load_explicit(&m->st_in_flight, memory_order_relaxed);
}
