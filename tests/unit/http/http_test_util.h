/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the http server tests: a server running in a thread on
 * 127.0.0.1 with an ephemeral port, plain-socket clients and a buffered
 * reader that splits responses by Content-Length, so pipelined answers can
 * be read one at a time.
 */
#ifndef WF_HTTP_TEST_UTIL_H
#define WF_HTTP_TEST_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"

struct fixture {
    struct wf_http_server *s;
    pthread_t th;
    int rc;
    int port;
};

static void *fixture_run(void *arg)
{
    struct fixture *f = arg;
    f->rc = wf_http_server_run(f->s);
    return NULL;
}

static void fixture_start(struct fixture *f, const struct wf_http_server_opts *o)
{
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_http_server_new(o, &f->s, &err);
    if (rc)
        fprintf(stderr, "server_new: %s\n", err.p ? err.p : "");
    wf_buf_cleanup(&err);
    assert_int_equal(rc, WF_OK);
    f->port = wf_http_server_port(f->s);
    assert_true(f->port > 0);
    f->rc = -1;
    assert_int_equal(pthread_create(&f->th, NULL, fixture_run, f), 0);
}

static void fixture_stop(struct fixture *f)
{
    wf_http_server_stop(f->s);
    pthread_join(f->th, NULL);
    assert_int_equal(f->rc, WF_OK);
    wf_http_server_free(f->s);
}

static int client(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static void send_str(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        s += w;
        n -= (size_t)w;
    }
}

#define SEND(fd, s) send_str((fd), (s), strlen(s))

struct reader {
    int fd;
    char buf[1 << 16];
    size_t len;
};

struct resp {
    int status;
    char head[8192]; /* status line + headers, NUL-terminated */
    char body[1 << 16];
    size_t body_len;
};

/* Reads more bytes; 0 on EOF or timeout. */
static int fill(struct reader *r)
{
    if (r->len >= sizeof(r->buf))
        return 0;
    ssize_t n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
    if (n <= 0)
        return 0;
    r->len += (size_t)n;
    return 1;
}

/* Case-insensitive header lookup in a response head; "" when absent. */
static const char *hdr(const struct resp *p, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    out[0] = '\0';
    for (const char *l = strstr(p->head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
        const char *s = l + 2;
        if (strncasecmp(s, name, n) == 0 && s[n] == ':') {
            const char *v = s + n + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t len = e ? (size_t)(e - v) : strlen(v);
            if (len >= cap)
                len = cap - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return out;
        }
    }
    return out;
}

/* Reads one response (no body for HEAD when head_only). Returns 0 on EOF
 * before any byte. */
static int read_resp(struct reader *r, struct resp *p, int head_only)
{
    char *end;
    memset(p, 0, sizeof(*p) - sizeof(p->body));
    p->body[0] = '\0';
    for (;;) {
        r->buf[r->len < sizeof(r->buf) ? r->len : sizeof(r->buf) - 1] = '\0';
        end = r->len ? strstr(r->buf, "\r\n\r\n") : NULL;
        if (end)
            break;
        if (!fill(r))
            return 0;
    }
    size_t hl = (size_t)(end - r->buf) + 4;
    assert_true(hl < sizeof(p->head));
    memcpy(p->head, r->buf, hl);
    p->head[hl] = '\0';
    p->status = (int)strtol(p->head + 9, NULL, 10);
    char cl[32];
    size_t blen = 0;
    if (!head_only && p->status != 100 && p->status != 204)
        blen = (size_t)strtoul(hdr(p, "content-length", cl, sizeof(cl)), NULL, 10);
    while (r->len < hl + blen)
        assert_true(fill(r));
    assert_true(blen < sizeof(p->body));
    memcpy(p->body, r->buf + hl, blen);
    p->body[blen] = '\0';
    p->body_len = blen;
    memmove(r->buf, r->buf + hl + blen, r->len - hl - blen);
    r->len -= hl + blen;
    return 1;
}

/* 1 when the server closed the connection (EOF, or reset) with nothing more. */
static int at_eof(struct reader *r)
{
    if (r->len)
        return 0;
    char c;
    ssize_t n = recv(r->fd, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* One request on a fresh connection; fills p. */
static void roundtrip(int port, const char *req, struct resp *p)
{
    struct reader *r = calloc(1, sizeof(*r));
    r->fd = client(port);
    SEND(r->fd, req);
    assert_true(read_resp(r, p, strncmp(req, "HEAD ", 5) == 0));
    close(r->fd);
    free(r);
}

#endif
