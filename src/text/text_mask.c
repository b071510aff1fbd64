/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Masking: rewrites a line so run-specific values become "<*>". Whole tokens
 * that classify as volatile are replaced (keeping surrounding brackets and
 * trailing punctuation); other tokens keep their words and lose only their
 * numeric runs. Two runs of the same job then produce identical text, which
 * pass/fail diffing, signatures and the template miner all rely on.
 */
#include "text.h"

#include <string.h>

static const char MASK[] = "<*>";

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_lead(unsigned char c)
{
    return c != '\0' && strchr("([{<\"'`", c) != NULL;
}

static int is_trail(unsigned char c)
{
    return c != '\0' && strchr(")]}>\"'`,;:.!?", c) != NULL;
}

/* A run of letters and digits is a value when it starts with a digit
 * ("42", "0x1f", "12s"), is a hex id of >= 6 chars with a digit, or has more
 * digits than letters with at least three digits ("a1b22"). Words like
 * "x86", "sha256", "utf8" and "python3" are kept. */
static int atom_volatile(const unsigned char *a, size_t n)
{
    size_t digits = 0;
    int hex = 1;
    for (size_t i = 0; i < n; i++) {
        digits += is_digit(a[i]);
        hex &= is_hex(a[i]);
    }
    if (digits == 0)
        return 0;
    return is_digit(a[0]) || (hex && n >= 6) || (digits >= 3 && digits * 2 > n);
}

/* Masks the numeric runs inside a punctuated token: "file.c:42:7" ->
 * "file.c:<*>:<*>", "blk_-160899" -> "blk_<*>", "host-10-0-0-1" -> "host-<*>".
 * Consecutive value runs joined by one '.' or '-' fold into one "<*>", and a
 * '-' that starts a value after punctuation is its sign. */
static int mask_inner(const unsigned char *t, size_t len, struct wf_buf *out)
{
    size_t i = 0, lit = 0; /* lit: start of pending verbatim bytes */
    int rc = WF_OK;
    while (i < len) {
        if (!is_alnum(t[i])) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < len && is_alnum(t[i]))
            i++;
        if (!atom_volatile(t + a, i - a))
            continue;
        size_t start = a;
        if (start > lit && t[start - 1] == '-' && (start - 1 == 0 || !is_alnum(t[start - 2])))
            start--; /* sign */
        /* Extend across ".<value>" / "-<value>" continuations. */
        for (;;) {
            if (i + 1 >= len || (t[i] != '.' && t[i] != '-') || !is_alnum(t[i + 1]))
                break;
            size_t b = i + 1, e = b;
            while (e < len && is_alnum(t[e]))
                e++;
            if (!atom_volatile(t + b, e - b))
                break;
            i = e;
        }
        if ((rc = wf_buf_append(out, t + lit, start - lit)) != WF_OK)
            return rc;
        if ((rc = wf_buf_append(out, MASK, sizeof(MASK) - 1)) != WF_OK)
            return rc;
        lit = i;
    }
    return wf_buf_append(out, t + lit, len - lit);
}

static int mask_token(const unsigned char *t, size_t len, struct wf_buf *out)
{
    size_t b = 0, e = len;
    while (b < e && is_lead(t[b]))
        b++;
    while (e > b && is_trail(t[e - 1]))
        e--;
    if (b == e)
        return wf_buf_append(out, t, len);
    switch (wf_text_classify((const char *)t + b, e - b)) {
    case WF_TEXT_NUM:
    case WF_TEXT_HEX:
    case WF_TEXT_UUID:
    case WF_TEXT_TIME:
    case WF_TEXT_DURATION:
    case WF_TEXT_IP:
    case WF_TEXT_URL: {
        int rc = wf_buf_append(out, t, b);
        if (rc == WF_OK)
            rc = wf_buf_append(out, MASK, sizeof(MASK) - 1);
        if (rc == WF_OK)
            rc = wf_buf_append(out, t + e, len - e);
        return rc;
    }
    case WF_TEXT_WORD:
    case WF_TEXT_PATH:
    case WF_TEXT_ID:
        break;
    }
    return mask_inner(t, len, out);
}

int wf_text_mask(const char *s, size_t len, struct wf_buf *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t saved = out->len, i = 0;
    int rc = WF_OK, first = 1;
    while (i < len) {
        while (i < len && (u[i] == ' ' || (u[i] >= '\t' && u[i] <= '\r')))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !(u[i] == ' ' || (u[i] >= '\t' && u[i] <= '\r')))
            i++;
        if (!first && (rc = wf_buf_putc(out, ' ')) != WF_OK)
            break;
        first = 0;
        if ((rc = mask_token(u + start, i - start, out)) != WF_OK)
            break;
    }
    if (rc != WF_OK) {
        /* Roll back the partial line so the caller's buffer is unchanged. */
        out->len = saved;
        if (out->p)
            out->p[saved] = '\0';
    }
    return rc;
}
