/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helpers handlers use on requests and responses: header and query
 * lookup (with percent-decoding), reading a body whether it sits in memory
 * or in a spool file, building responses (headers checked against CR/LF
 * injection, printf bodies, the project's one JSON error shape), and the
 * method and status-reason tables.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "http/http_int.h"

#define RESP_BODY_MAX (64u * 1024 * 1024)
#define RESP_HEADERS_MAX (64u * 1024)

const char *wf_http_method_name(enum wf_http_method m)
{
    static const char *const names[] = {"GET",    "HEAD",  "POST",    "PUT",
                                        "DELETE", "PATCH", "OPTIONS", "OTHER"};
    if ((unsigned)m > WF_HTTP_OTHER)
        return "OTHER";
    return names[m];
}

const char *wf_http__reason(int status)
{
    switch (status) {
#define WF__REASON(num, name, string)                                                              \
    case num:                                                                                      \
        return #string;
        HTTP_STATUS_MAP(WF__REASON)
#undef WF__REASON
    default:
        return "Unknown";
    }
}

void wf_http__resp_reset(struct wf_http_resp *r)
{
    r->status = 200;
    r->content_type = "application/json";
    r->close = 0;
    if (r->headers.max_bytes == 0)
        wf_buf_init(&r->headers, RESP_HEADERS_MAX);
    if (r->body.max_bytes == 0)
        wf_buf_init(&r->body, RESP_BODY_MAX);
    wf_buf_reset(&r->headers);
    wf_buf_reset(&r->body);
}

static int header_text_ok(const char *s, int is_name)
{
    if (is_name && !*s)
        return 0;
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n')
            return 0;
        if (is_name && (*s == ':' || *s == ' ' || *s == '\t'))
            return 0;
    }
    return 1;
}

int wf_http_resp_header(struct wf_http_resp *r, const char *name, const char *value)
{
    if (!name || !value || !header_text_ok(name, 1) || !header_text_ok(value, 0))
        return WF_EINVAL;
    size_t old = r->headers.len;
    int rc = wf_buf_appendf(&r->headers, "%s: %s\r\n", name, value);
    if (rc) {
        r->headers.len = old;
        if (r->headers.p)
            r->headers.p[old] = '\0';
    }
    return rc;
}

int wf_http_resp_printf(struct wf_http_resp *r, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->status = status;
    int rc = wf_buf_vappendf(&r->body, fmt, ap);
    va_end(ap);
    return rc;
}

void wf_http_resp_error(struct wf_http_resp *r, const struct wf_http_req *req, int status,
                        const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    const char *id = req ? req->request_id : "";
    r->status = status;
    r->content_type = "application/json";
    wf_buf_reset(&r->body);
    /* All pieces are capped far below the body cap: failures leave a
     * shorter body, never a crash; the status still goes out. */
    wf_buf_puts(&r->body, "{\"error\":{\"code\":\"");
    wf_buf_json_escape(&r->body, code ? code : "error", strlen(code ? code : "error"));
    wf_buf_puts(&r->body, "\",\"message\":\"");
    wf_buf_json_escape(&r->body, msg, strlen(msg));
    wf_buf_puts(&r->body, "\",\"request_id\":\"");
    wf_buf_json_escape(&r->body, id, strlen(id));
    wf_buf_puts(&r->body, "\"}}");
}

struct wf_str wf_http_req_header(const struct wf_http_req *req, const char *name)
{
    struct wf_str none = {NULL, 0};
    size_t n = strlen(name);
    for (size_t i = 0; i < req->n_headers; i++) {
        const struct wf_http_header *h = &req->headers[i];
        if (h->name.len != n)
            continue;
        size_t k = 0;
        for (; k < n; k++) {
            unsigned char c = (unsigned char)name[k];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c + 32);
            if ((unsigned char)h->name.p[k] != c)
                break;
        }
        if (k == n)
            return h->value;
    }
    return none;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s into out (cap bytes, NUL-terminated); -1 on bad escapes or
 * overflow, else the decoded length. */
static long decode(struct wf_str s, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= s.len)
                return -1;
            int hi = hexval(s.p[i + 1]), lo = hexval(s.p[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = c;
    }
    if (cap == 0)
        return -1;
    out[n] = '\0';
    return (long)n;
}

int wf_http_req_query(const struct wf_http_req *req, const char *name, char *out, size_t cap)
{
    char key[256];
    const char *s = req->query.p, *end = req->query.p + req->query.len;
    if (!s)
        return 0;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        if (!amp)
            amp = end;
        const char *eq = memchr(s, '=', (size_t)(amp - s));
        struct wf_str k = {s, (size_t)((eq ? eq : amp) - s)};
        struct wf_str v = {eq ? eq + 1 : amp, eq ? (size_t)(amp - eq - 1) : 0};
        long kl = decode(k, key, sizeof(key));
        if (kl >= 0 && strlen(key) == (size_t)kl && strcmp(key, name) == 0)
            return decode(v, out, cap) < 0 ? -1 : 1;
        s = amp + 1;
    }
    return 0;
}

int wf_http_req_body(const struct wf_http_req *req, size_t max_bytes, char **out, size_t *out_len)
{
    if (req->body_len > max_bytes)
        return WF_ETOOBIG;
    char *b = wf_malloc(req->body_len + 1);
    if (!b)
        return WF_ENOMEM;
    if (req->body_fd < 0) {
        if (req->body_len)
            memcpy(b, req->body, req->body_len);
    } else {
        size_t got = 0;
        while (got < req->body_len) {
            ssize_t r = pread(req->body_fd, b + got, req->body_len - got, (off_t)got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                wf_free(b);
                return WF_EIO;
            }
            got += (size_t)r;
        }
    }
    b[req->body_len] = '\0';
    *out = b;
    *out_len = req->body_len;
    return WF_OK;
}
