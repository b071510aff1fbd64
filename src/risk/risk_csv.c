/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The strict loader of per-commit change metrics: RFC 4180 CSV (quoted
 * fields, "" escapes, \n or \r\n line ends), columns found by the names of
 * the header row, every value checked. The first error stops the parse with
 * its line number and a message naming the column and the value, so a
 * broken export is fixed in one look.
 */
#include "risk.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const metric_names[WF_RISK_N_METRICS] = {
#define WF__RISK_NAME(name, col) col,
    WF_RISK_METRIC_MAP(WF__RISK_NAME)
#undef WF__RISK_NAME
};

const char *wf_risk_metric_name(unsigned metric)
{
    return metric < WF_RISK_N_METRICS ? metric_names[metric] : NULL;
}

void wf_risk_data_init(struct wf_risk_data *d)
{
    memset(d, 0, sizeof(*d));
}

void wf_risk_data_cleanup(struct wf_risk_data *d)
{
    if (!d)
        return;
    wf_free(d->rows);
    memset(d, 0, sizeof(*d));
}

/* Columns the loader needs besides the metrics; metric k is column slot k. */
enum { SLOT_DATE = WF_RISK_N_METRICS, SLOT_BUG, N_SLOTS };

struct parser {
    const char *p; /* borrowed text */
    size_t len;    /* bytes of text */
    size_t pos;    /* next byte */
    size_t line;   /* 1-based line of pos */
    size_t *err_line;
    struct wf_buf *err;
};

static int fail(struct parser *ps, int rc, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct parser *ps, int rc, size_t line, const char *fmt, ...)
{
    *ps->err_line = line;
    if (ps->err) {
        va_list ap;
        va_start(ap, fmt);
        wf_buf_reset(ps->err);
        (void)wf_buf_vappendf(ps->err, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Reads one field into buf (NUL-terminated, at most WF_RISK_MAX_FIELD_BYTES)
 * and sets *last when it ends its record (line end or end of text). */
static int next_field(struct parser *ps, char *buf, size_t *n, int *last)
{
    const size_t start_line = ps->line;
    size_t k = 0;
    int quoted = 0;

    if (ps->pos < ps->len && ps->p[ps->pos] == '"') {
        quoted = 1;
        ps->pos++;
    }
    for (;;) {
        if (ps->pos >= ps->len) {
            if (quoted)
                return fail(ps, WF_EFORMAT, start_line, "unterminated quoted field");
            *last = 1;
            break;
        }
        char c = ps->p[ps->pos];
        if (quoted && c == '"') {
            if (ps->pos + 1 < ps->len && ps->p[ps->pos + 1] == '"') {
                ps->pos += 2;
            } else {
                ps->pos++;
                quoted = 0;
                if (ps->pos < ps->len && ps->p[ps->pos] != ',' && ps->p[ps->pos] != '\n' &&
                    ps->p[ps->pos] != '\r')
                    return fail(ps, WF_EFORMAT, ps->line, "text after a closing quote");
                continue;
            }
        } else if (!quoted && c == ',') {
            ps->pos++;
            *last = 0;
            break;
        } else if (!quoted && (c == '\n' || c == '\r')) {
            if (c == '\r' && (ps->pos + 1 >= ps->len || ps->p[ps->pos + 1] != '\n'))
                return fail(ps, WF_EFORMAT, ps->line, "carriage return without a line feed");
            ps->pos += c == '\r' ? 2 : 1;
            ps->line++;
            *last = 1;
            break;
        } else if (!quoted && c == '"') {
            return fail(ps, WF_EFORMAT, ps->line, "quote inside an unquoted field");
        } else {
            if (c == '\n')
                ps->line++;
            ps->pos++;
        }
        if (k >= WF_RISK_MAX_FIELD_BYTES)
            return fail(ps, WF_ETOOBIG, start_line, "field longer than %u bytes",
                        WF_RISK_MAX_FIELD_BYTES);
        buf[k++] = c;
    }
    buf[k] = '\0';
    *n = k;
    return WF_OK;
}

/* Printable prefix of a field for messages. */
static void shown(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 4 < cap; i++)
        out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
    if (s[i]) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

static int parse_double(const char *s, double *out)
{
    char *end;
    if (!*s || *s == ' ' || *s == '\t')
        return WF_EINVAL;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || !isfinite(v))
        return WF_EINVAL;
    *out = v;
    return WF_OK;
}

static int parse_value(struct parser *ps, unsigned slot, const char *s, size_t line,
                       struct wf_risk_commit *c)
{
    char show[48];
    const char *col = slot == SLOT_DATE ? "date" : slot == SLOT_BUG ? "bug" : metric_names[slot];
    double v;

    if (slot == SLOT_DATE) {
        char *end;
        errno = 0;
        long long t = (*s == ' ' || *s == '\t') ? 0 : strtoll(s, &end, 10);
        if (*s && *s != ' ' && *s != '\t' && !*end && errno == 0) {
            c->date = (int64_t)t;
            return WF_OK;
        }
        shown(s, show, sizeof(show));
        return fail(ps, WF_EFORMAT, line, "column 'date': expected an integer, found '%s'", show);
    }
    if (parse_double(s, &v)) {
        shown(s, show, sizeof(show));
        return fail(ps, WF_EFORMAT, line, "column '%s': expected a number, found '%s'", col, show);
    }
    if ((slot == SLOT_BUG || slot == WF_RISK_FIX) && v != 0.0 && v != 1.0) {
        shown(s, show, sizeof(show));
        return fail(ps, WF_EFORMAT, line, "column '%s': expected 0 or 1, found '%s'", col, show);
    }
    if (v < 0.0 || v > WF_RISK_MAX_METRIC) {
        shown(s, show, sizeof(show));
        return fail(ps, WF_EFORMAT, line, "column '%s': expected a number from 0 to %g, found '%s'",
                    col, WF_RISK_MAX_METRIC, show);
    }
    if (slot == SLOT_BUG)
        c->bug = v == 1.0;
    else
        c->m[slot] = v;
    return WF_OK;
}

/* Maps header names to slots; -1 marks an ignored column. */
static int parse_header(struct parser *ps, char *buf, int *col_slot, size_t *n_cols)
{
    size_t seen_line[N_SLOTS] = {0};
    size_t n = 0, flen;
    int last = 0, rc;

    while (!last) {
        rc = next_field(ps, buf, &flen, &last);
        if (rc)
            return rc;
        if (n >= WF_RISK_MAX_COLUMNS)
            return fail(ps, WF_ETOOBIG, 1, "more than %u columns", WF_RISK_MAX_COLUMNS);
        int slot = -1;
        if (strcmp(buf, "date") == 0)
            slot = SLOT_DATE;
        else if (strcmp(buf, "bug") == 0)
            slot = SLOT_BUG;
        for (unsigned k = 0; slot < 0 && k < WF_RISK_N_METRICS; k++)
            if (strcmp(buf, metric_names[k]) == 0)
                slot = (int)k;
        if (slot >= 0 && seen_line[slot])
            return fail(ps, WF_EFORMAT, 1, "duplicate column '%s'", buf);
        if (slot >= 0)
            seen_line[slot] = 1;
        col_slot[n++] = slot;
    }
    for (unsigned k = 0; k < N_SLOTS; k++) {
        if (!seen_line[k])
            return fail(ps, WF_EFORMAT, 1, "missing column '%s'",
                        k == SLOT_DATE  ? "date"
                        : k == SLOT_BUG ? "bug"
                                        : metric_names[k]);
    }
    *n_cols = n;
    return WF_OK;
}

int wf_risk_csv_parse(const char *text, size_t len, struct wf_risk_data *out, size_t *err_line,
                      struct wf_buf *err)
{
    struct wf_risk_data d;
    struct parser ps = {text, len, 0, 1, err_line, err};
    int col_slot[WF_RISK_MAX_COLUMNS];
    char *buf = NULL;
    size_t n_cols = 0;
    int rc;

    *err_line = 0;
    wf_risk_data_init(&d);
    if (!text && len)
        return WF_EINVAL;
    if (len > WF_RISK_MAX_CSV_BYTES)
        return fail(&ps, WF_ETOOBIG, 0, "file larger than %u bytes", WF_RISK_MAX_CSV_BYTES);
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        ps.pos = 3;
    if (ps.pos >= len)
        return fail(&ps, WF_EEMPTY, 0, "empty file: no header row");
    buf = wf_malloc(WF_RISK_MAX_FIELD_BYTES + 1);
    if (!buf)
        return WF_ENOMEM;
    rc = parse_header(&ps, buf, col_slot, &n_cols);
    if (rc)
        goto out;
    while (ps.pos < len) {
        const size_t line = ps.line;
        struct wf_risk_commit c;
        size_t n = 0, flen;
        int last = 0;

        if (text[ps.pos] == '\n' || text[ps.pos] == '\r') {
            rc = fail(&ps, WF_EFORMAT, line, "empty line");
            goto out;
        }
        memset(&c, 0, sizeof(c));
        c.line = line;
        while (!last) {
            rc = next_field(&ps, buf, &flen, &last);
            if (rc)
                goto out;
            if (n >= n_cols) {
                rc = fail(&ps, WF_EFORMAT, line, "more fields than the %zu columns of the header",
                          n_cols);
                goto out;
            }
            if (col_slot[n] >= 0 && (rc = parse_value(&ps, (unsigned)col_slot[n], buf, line, &c)))
                goto out;
            n++;
        }
        if (n != n_cols) {
            rc = fail(&ps, WF_EFORMAT, line, "%zu fields, the header has %zu columns", n, n_cols);
            goto out;
        }
        rc = wf_grow((void **)&d.rows, &d.cap, d.n + 1, sizeof(*d.rows), WF_RISK_MAX_ROWS);
        if (rc == WF_ETOOBIG) {
            rc = fail(&ps, rc, line, "more than %u rows", WF_RISK_MAX_ROWS);
            goto out;
        }
        if (rc)
            goto out;
        d.rows[d.n++] = c;
    }
    if (d.n == 0)
        rc = fail(&ps, WF_EEMPTY, 0, "no rows after the header");
out:
    wf_free(buf);
    if (rc) {
        wf_risk_data_cleanup(&d);
        return rc;
    }
    *out = d;
    return WF_OK;
}

int wf_risk_csv_write(const struct wf_risk_data *d, const char *ids, struct wf_buf *out)
{
    int rc = wf_buf_puts(out, ",_id,date,bug,__");
    for (unsigned k = 0; k < WF_RISK_N_METRICS && !rc; k++)
        rc = wf_buf_appendf(out, ",%s", metric_names[k]);
    if (!rc)
        rc = wf_buf_putc(out, '\n');
    for (size_t i = 0; i < d->n && !rc; i++) {
        const struct wf_risk_commit *c = &d->rows[i];
        rc = wf_buf_appendf(out, "%zu,%s,%lld,%d,%d", i, ids ? ids + i * 41 : "",
                            (long long)c->date, c->bug != 0, c->bug != 0);
        for (unsigned k = 0; k < WF_RISK_N_METRICS && !rc; k++)
            rc = wf_buf_appendf(out, ",%.17g", c->m[k]);
        if (!rc)
            rc = wf_buf_putc(out, '\n');
    }
    return rc;
}
