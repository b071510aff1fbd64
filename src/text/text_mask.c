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

static int is_ws(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Finds the next token at or after *i; returns 0 at the end. */
static int next_token(const unsigned char *u, size_t len, size_t *i, size_t *start, size_t *end)
{
    while (*i < len && is_ws(u[*i]))
        (*i)++;
    if (*i >= len)
        return 0;
    *start = *i;
    while (*i < len && !is_ws(u[*i]))
        (*i)++;
    *end = *i;
    return 1;
}

static int name_in(const unsigned char *t, size_t n, const char *const *names, size_t count)
{
    if (n > 0 && t[n - 1] == ',')
        n--;
    if (n == 0 || n > 9)
        return 0; /* no month or weekday name is longer */
    for (size_t k = 0; k < count; k++) {
        if ((t[0] | 0x20) != names[k][0])
            continue;
        size_t m = strlen(names[k]);
        if (m != n)
            continue;
        size_t j = 0;
        while (j < n && (t[j] | 0x20) == (names[k][j] | 0x20))
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

static int is_month(const unsigned char *t, size_t n)
{
    static const char *const names[] = {
        "jan",   "feb",   "mar",    "apr",       "may",     "jun",      "jul",     "aug",
        "sep",   "oct",   "nov",    "dec",       "june",    "july",     "january", "february",
        "march", "april", "august", "september", "october", "november", "december"};
    return name_in(t, n, names, sizeof(names) / sizeof(names[0]));
}

static int is_weekday(const unsigned char *t, size_t n)
{
    static const char *const names[] = {"mon",      "tue",    "wed",      "thu",     "fri",
                                        "sat",      "sun",    "monday",   "tuesday", "wednesday",
                                        "thursday", "friday", "saturday", "sunday"};
    return name_in(t, n, names, sizeof(names) / sizeof(names[0]));
}

/* A unit after a number: "0.35 s", "(0.01 sec)", "1.16 KB", "439034 seconds". */
static int is_unit(const unsigned char *t, size_t n)
{
    static const char *const names[] = {
        "s",     "ms",     "us",      "ns", "sec", "secs", "second", "seconds", "min",
        "mins",  "minute", "minutes", "hr", "hrs", "hour", "hours",  "day",     "days",
        "bytes", "kb",     "mb",      "gb", "tb",  "kib",  "mib",    "gib"};
    while (n > 0 && is_trail(t[n - 1]))
        n--;
    return n > 0 && name_in(t, n, names, sizeof(names) / sizeof(names[0]));
}

/* A number with only leading brackets: "42", "(0.01", "[1.5". */
static int is_bare_number(const unsigned char *t, size_t n)
{
    size_t b = 0;
    while (b < n && is_lead(t[b]))
        b++;
    return b < n && is_digit(t[n - 1]) &&
           wf_text_classify((const char *)t + b, n - b) == WF_TEXT_NUM;
}

/* A day of the month: 1-2 digits, optional trailing comma. */
static int is_day(const unsigned char *t, size_t n)
{
    if (n > 0 && t[n - 1] == ',')
        n--;
    return (n == 1 && is_digit(t[0])) || (n == 2 && is_digit(t[0]) && is_digit(t[1]));
}

int wf_text_mask(const char *s, size_t len, struct wf_buf *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t saved = out->len, i = 0, cs = 0, ce = 0, ns = 0, ne = 0;
    int rc = WF_OK, first = 1, prev_day = 0;
    int have = next_token(u, len, &i, &cs, &ce);
    while (have) {
        int have_next = next_token(u, len, &i, &ns, &ne);
        const unsigned char *t = u + cs;
        size_t n = ce - cs;
        /* Month and weekday names are values inside a date ("Fri Jul  1
         * 07:57:30 2005", "Jun 14 15:16:01", "1 Jul 2005"), words elsewhere. */
        int date = (is_month(t, n) && (prev_day || (have_next && is_day(u + ns, ne - ns)))) ||
                   (is_weekday(t, n) && have_next &&
                    (is_month(u + ns, ne - ns) || is_day(u + ns, ne - ns)));
        if (!first && (rc = wf_buf_putc(out, ' ')) != WF_OK)
            break;
        first = 0;
        if (have_next && is_bare_number(t, n) && is_unit(u + ns, ne - ns)) {
            /* "(0.01 sec)" -> "(<*>)": the unit is part of the value. */
            size_t b = 0, e = ne - ns;
            while (b < n && is_lead(t[b]))
                b++;
            while (e > 0 && is_trail(u[ns + e - 1]))
                e--;
            rc = wf_buf_append(out, t, b);
            if (rc == WF_OK)
                rc = wf_buf_append(out, MASK, sizeof(MASK) - 1);
            if (rc == WF_OK)
                rc = wf_buf_append(out, u + ns + e, ne - ns - e);
            prev_day = 0;
            have = next_token(u, len, &i, &cs, &ce);
            if (rc != WF_OK)
                break;
            continue;
        }
        if (date) {
            rc = wf_buf_append(out, MASK, sizeof(MASK) - 1);
            if (rc == WF_OK && t[n - 1] == ',')
                rc = wf_buf_putc(out, ',');
        } else {
            rc = mask_token(t, n, out);
        }
        if (rc != WF_OK)
            break;
        prev_day = is_day(t, n);
        cs = ns;
        ce = ne;
        have = have_next;
    }
    if (rc != WF_OK) {
        /* Roll back the partial line so the caller's buffer is unchanged. */
        out->len = saved;
        if (out->p)
            out->p[saved] = '\0';
    }
    return rc;
}
