/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capped growable buffer. Every buffer that input can grow has a cap and
 * fails with WF_ETOOBIG past it, leaving its contents as they were.
 */
#include "util.h"

#include <string.h>

void wf_buf_init(struct wf_buf *b, size_t max_bytes)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max_bytes = max_bytes;
}

void wf_buf_cleanup(struct wf_buf *b)
{
    if (!b)
        return;
    wf_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static int reserve(struct wf_buf *b, size_t extra)
{
    if (extra > b->max_bytes || b->len > b->max_bytes - extra)
        return WF_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return WF_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap *= 2;
    char *np = wf_realloc(b->p, ncap);
    if (!np)
        return WF_ENOMEM;
    b->p = np;
    b->cap = ncap;
    return WF_OK;
}

int wf_buf_append(struct wf_buf *b, const void *p, size_t len)
{
    int rc = reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
    return WF_OK;
}

int wf_buf_puts(struct wf_buf *b, const char *s)
{
    return wf_buf_append(b, s, strlen(s));
}

int wf_buf_putc(struct wf_buf *b, char c)
{
    return wf_buf_append(b, &c, 1);
}

int wf_buf_vappendf(struct wf_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return WF_EINVAL;
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return WF_OK;
}

int wf_buf_appendf(struct wf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = wf_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t need;
    unsigned min;
    if ((c & 0xE0) == 0xC0) {
        need = 2;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 3;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        need = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    unsigned cp = c & (0x7F >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

int wf_buf_json_escape(struct wf_buf *b, const char *s, size_t len)
{
    size_t start_len = b->len;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    int rc = WF_OK;
    while (i < len && rc == WF_OK) {
        size_t run = i;
        while (run < len && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\')
            run++;
        if (run > i) {
            rc = wf_buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned c = u[i];
        if (c == '"') {
            rc = wf_buf_append(b, "\\\"", 2);
            i++;
        } else if (c == '\\') {
            rc = wf_buf_append(b, "\\\\", 2);
            i++;
        } else if (c == '\n') {
            rc = wf_buf_append(b, "\\n", 2);
            i++;
        } else if (c == '\t') {
            rc = wf_buf_append(b, "\\t", 2);
            i++;
        } else if (c == '\r') {
            rc = wf_buf_append(b, "\\r", 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            rc = wf_buf_appendf(b, "\\u%04x", c);
            i++;
        } else {
            size_t n = utf8_len(u + i, len - i);
            if (n == 0) {
                rc = wf_buf_append(b, "\xEF\xBF\xBD", 3);
                i++;
            } else {
                rc = wf_buf_append(b, s + i, n);
                i += n;
            }
        }
    }
    if (rc) {
        b->len = start_len;
        if (b->p)
            b->p[b->len] = '\0';
    }
    return rc;
}

void wf_buf_reset(struct wf_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

char *wf_buf_detach(struct wf_buf *b)
{
    char *p = b->p;
    if (!p)
        p = wf_strndup("", 0);
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
