/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming CI log reader. Bytes arrive in chunks of any size; lines end at
 * "\r\n", "\r" or "\n" (each counts one line, the convention the labelled
 * data sets use), so a "\r\n" split across two chunks is still one line end.
 * Each line is cleaned once (ANSI escapes and NULs removed, a leading CI
 * timestamp dropped) and handed to a callback. Lines longer than
 * WF_LIMIT_LINE_BYTES keep their head for analysis and are marked truncated;
 * their full length is still counted, so time stays linear and memory flat.
 */
#include "logs.h"

#include <string.h>

struct wf_logs_reader {
    char *line;      /* raw bytes of the pending line (first WF_LIMIT_LINE_BYTES) */
    size_t line_len; /* bytes kept in line */
    size_t line_raw; /* bytes of the pending line overall */
    char *clean;     /* scratch for the cleaned line */
    size_t lineno;   /* lines emitted so far */
    uint64_t bytes;  /* bytes fed so far */
    int pending_cr;  /* last byte fed was '\r': a following '\n' belongs to it */
};

int wf_logs_reader_new(struct wf_logs_reader **out)
{
    struct wf_logs_reader *r = wf_calloc(1, sizeof(*r));
    if (!r)
        return WF_ENOMEM;
    r->line = wf_malloc(WF_LIMIT_LINE_BYTES);
    r->clean = wf_malloc(WF_LIMIT_LINE_BYTES);
    if (!r->line || !r->clean) {
        wf_logs_reader_free(r);
        return WF_ENOMEM;
    }
    *out = r;
    return WF_OK;
}

void wf_logs_reader_free(struct wf_logs_reader *r)
{
    if (!r)
        return;
    wf_free(r->line);
    wf_free(r->clean);
    wf_free(r);
}

size_t wf_logs_reader_lines(const struct wf_logs_reader *r)
{
    return r->lineno;
}

uint64_t wf_logs_reader_bytes(const struct wf_logs_reader *r)
{
    return r->bytes;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of a leading ISO-8601 timestamp "2024-01-02T03:04:05(.123)?(Z|+00:00)"
 * followed by a space, optionally in brackets (Jenkins timestamper), and
 * GitLab's stream marker ("00O ", "01E+") after it; 0 when there is none. */
static size_t stamp_len(const char *s, size_t len)
{
    size_t i = 0;
    int bracket = 0;
    if (len > 0 && s[0] == '[') {
        bracket = 1;
        i = 1;
    }
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = sizeof(shape) - 1;
    if (len < i + n + 1)
        return 0;
    for (size_t k = 0; k < n; k++) {
        char c = s[i + k];
        if (shape[k] == 'd' ? !is_digit(c)
                            : (shape[k] == 'T' ? (c != 'T' && c != ' ') : c != shape[k]))
            return 0;
    }
    i += n;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        i++;
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i < len && s[i] == 'Z') {
        i++;
    } else if (i + 5 < len && (s[i] == '+' || s[i] == '-') && is_digit(s[i + 1])) {
        i += 3;
        if (s[i] == ':')
            i++;
        i += 2;
    }
    if (bracket) {
        if (i >= len || s[i] != ']')
            return 0;
        i++;
    }
    if (i >= len || s[i] != ' ') {
        return i == len ? i : 0;
    }
    i++;
    /* GitLab: "00O ", "01E ", "00O+" after the timestamp. */
    if (i + 3 <= len && is_digit(s[i]) && is_digit(s[i + 1]) &&
        (s[i + 2] == 'O' || s[i + 2] == 'E')) {
        size_t j = i + 3;
        if (j < len && s[j] == '+')
            j++;
        if (j == len || s[j] == ' ')
            i = j < len ? j + 1 : j;
    }
    return i;
}

/* `gh run view --log` prefixes every line with "job<TAB>step<TAB>" before the
 * timestamp. Returns the prefix length (0 if absent) and the step field. */
static size_t gh_prefix(const char *s, size_t n, const char **step, size_t *step_len)
{
    const char *t1 = memchr(s, '\t', n < 512 ? n : 512);
    if (!t1)
        return 0;
    size_t rest = n - (size_t)(t1 + 1 - s);
    const char *t2 = memchr(t1 + 1, '\t', rest < 512 ? rest : 512);
    if (!t2)
        return 0;
    size_t after = (size_t)(t2 + 1 - s);
    if (stamp_len(s + after, n - after) == 0)
        return 0;
    *step = t1 + 1;
    *step_len = (size_t)(t2 - t1 - 1);
    return after;
}

static int emit(struct wf_logs_reader *r, wf_logs_line_fn fn, void *ud)
{
    struct wf_logs_line ln;
    size_t n = wf_text_strip_ansi(r->line, r->line_len, r->clean);
    ln.step = NULL;
    ln.step_len = 0;
    size_t pre = gh_prefix(r->clean, n, &ln.step, &ln.step_len);
    size_t skip = pre + stamp_len(r->clean + pre, n - pre);
    r->lineno++;
    ln.lineno = r->lineno;
    ln.text = r->clean + skip;
    ln.len = n - skip;
    ln.raw_bytes = r->line_raw;
    ln.truncated = r->line_raw > r->line_len;
    ln.had_stamp = skip > 0;
    r->line_len = 0;
    r->line_raw = 0;
    return fn(ud, &ln);
}

static void keep(struct wf_logs_reader *r, const char *p, size_t n)
{
    size_t room = WF_LIMIT_LINE_BYTES - r->line_len;
    size_t take = n < room ? n : room;
    if (take) {
        memcpy(r->line + r->line_len, p, take);
        r->line_len += take;
    }
    r->line_raw += n;
}

int wf_logs_reader_feed(struct wf_logs_reader *r, const char *p, size_t n, wf_logs_line_fn fn,
                        void *ud)
{
    size_t i = 0;
    r->bytes += n;
    if (n && r->pending_cr) {
        r->pending_cr = 0;
        if (p[0] == '\n')
            i = 1;
    }
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != '\n' && p[j] != '\r')
            j++;
        keep(r, p + i, j - i);
        if (j == n)
            break;
        int rc = emit(r, fn, ud);
        if (rc)
            return rc;
        if (p[j] == '\r') {
            if (j + 1 < n) {
                if (p[j + 1] == '\n')
                    j++;
            } else {
                r->pending_cr = 1;
            }
        }
        i = j + 1;
    }
    return WF_OK;
}

int wf_logs_reader_finish(struct wf_logs_reader *r, wf_logs_line_fn fn, void *ud)
{
    r->pending_cr = 0;
    if (r->line_raw == 0)
        return WF_OK;
    return emit(r, fn, ud);
}
