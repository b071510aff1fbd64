/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model file format, version 1: a line-oriented text file with a header
 * (magic, version, provenance, feature space, class names), one bias line and
 * one line per non-zero weight (docs/internals/ml.md has the full grammar).
 * Saving is deterministic; loading is strict and bounded, and on any error
 * returns nothing but the error code.
 */
#include "ml.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "workflowai-model"
#define NUM_MAX_BYTES 63 /* longest numeric token accepted */

int wf_ml__valid_name(const char *s);
int wf_ml__valid_text(const char *s);

/* ---- Saving ------------------------------------------------------------- */

static int save_body(const struct wf_ml_model *m, struct wf_buf *out)
{
    const unsigned nc = m->n_classes;
    const size_t dims = (size_t)1 << m->hash_bits;
    const char *trained_on = m->trained_on && *m->trained_on ? m->trained_on : "-";
    int rc;

    rc = wf_buf_appendf(out, "%s %d\nversion %s\ntrained_on %s\nhash_bits %u\nclasses %u\n", MAGIC,
                        WF_ML_FORMAT_VERSION, m->version, trained_on, m->hash_bits, nc);
    for (unsigned c = 0; c < nc && !rc; c++)
        rc = wf_buf_appendf(out, "class %s\n", m->class_names[c]);
    if (!rc)
        rc = wf_buf_puts(out, "bias");
    for (unsigned c = 0; c < nc && !rc; c++)
        rc = wf_buf_appendf(out, " %.9g", (double)m->bias[c]);
    if (!rc)
        rc = wf_buf_putc(out, '\n');
    for (size_t f = 0; f < dims && !rc; f++) {
        const float *row = m->weights + f * nc;
        for (unsigned c = 0; c < nc && !rc; c++) {
            if (row[c] == 0.0f)
                continue;
            /* One format pass per line (wf_buf_appendf makes two): a big model
             * has millions of these. */
            char line[80];
            int n = snprintf(line, sizeof(line), "w %zu %u %.9g\n", f, c, (double)row[c]);
            assert(n > 0 && (size_t)n < sizeof(line));
            rc = wf_buf_append(out, line, (size_t)n);
        }
    }
    if (!rc)
        rc = wf_buf_puts(out, "end\n");
    return rc;
}

static int savable(const struct wf_ml_model *m)
{
    if (m->n_classes < 2 || m->n_classes > WF_ML_MAX_CLASSES || m->hash_bits < 4 ||
        m->hash_bits > WF_ML_MAX_HASH_BITS || !m->class_names || !m->weights || !m->bias)
        return 0;
    if (!wf_ml__valid_text(m->version))
        return 0;
    if (m->trained_on && *m->trained_on && !wf_ml__valid_text(m->trained_on))
        return 0;
    for (unsigned c = 0; c < m->n_classes; c++) {
        if (!wf_ml__valid_name(m->class_names[c]) || !isfinite(m->bias[c]))
            return 0;
    }
    size_t n_weights = ((size_t)1 << m->hash_bits) * m->n_classes;
    for (size_t i = 0; i < n_weights; i++) {
        if (!isfinite(m->weights[i]))
            return 0;
    }
    return 1;
}

/* Beyond the header: WF_EINVAL when the model could not be loaded back (a
 * non-finite weight after a diverged training run, a class name or version
 * edited into something the format cannot carry); WF_ETOOBIG past out's cap;
 * WF_ENOMEM. On error out is as it was. Borrows both. */
int wf_ml_save(const struct wf_ml_model *m, struct wf_buf *out)
{
    if (!m || !out || !savable(m))
        return WF_EINVAL;
    size_t start = out->len;
    int rc = save_body(m, out);
    if (rc) {
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
    }
    return rc;
}

/* ---- Loading ------------------------------------------------------------ */

struct parser {
    const char *p;   /* next unread byte */
    const char *end; /* one past the input */
    size_t line_no;  /* 1-based number of the line last read */
};

static int fail(const struct parser *ps, int rc, const char *why)
{
    wf_log(WF_LOG_WARN, "model: line %zu: %s", ps->line_no, why);
    return rc;
}

/* Next line without its "\n" (and a "\r" before it). 0 at end of input. */
static int next_line(struct parser *ps, struct wf_str *line)
{
    if (ps->p >= ps->end)
        return 0;
    const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
    const char *stop = nl ? nl : ps->end;
    line->p = ps->p;
    line->len = (size_t)(stop - ps->p);
    if (line->len && line->p[line->len - 1] == '\r')
        line->len--;
    ps->p = nl ? nl + 1 : ps->end;
    ps->line_no++;
    return 1;
}

/* Splits off the next space-separated token of *rest. Tokens are separated by
 * exactly one space; an empty token (leading, trailing or doubled space) is an
 * error. Returns 1 with a token, 0 at the end of the line, -1 on error. */
static int next_tok(struct wf_str *rest, struct wf_str *tok)
{
    if (rest->len == 0)
        return 0;
    const char *sp = memchr(rest->p, ' ', rest->len);
    size_t n = sp ? (size_t)(sp - rest->p) : rest->len;
    if (n == 0)
        return -1;
    tok->p = rest->p;
    tok->len = n;
    if (sp) {
        rest->p = sp + 1;
        rest->len -= n + 1;
        if (rest->len == 0)
            return -1;
    } else {
        rest->p += n;
        rest->len = 0;
    }
    return 1;
}

/* When line is "<kw> <rest>" with a non-empty rest, stores rest and returns 1. */
static int keyword(struct wf_str line, const char *kw, struct wf_str *rest)
{
    size_t n = strlen(kw);
    if (line.len < n + 2 || memcmp(line.p, kw, n) != 0 || line.p[n] != ' ')
        return 0;
    rest->p = line.p + n + 1;
    rest->len = line.len - n - 1;
    return 1;
}

static int parse_uint(struct wf_str tok, unsigned long max, unsigned long *out)
{
    char buf[NUM_MAX_BYTES + 1];
    if (tok.len == 0 || tok.len > 20)
        return 0;
    for (size_t i = 0; i < tok.len; i++) {
        if (tok.p[i] < '0' || tok.p[i] > '9')
            return 0;
    }
    memcpy(buf, tok.p, tok.len);
    buf[tok.len] = '\0';
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end != buf + tok.len || v > max)
        return 0;
    *out = (unsigned long)v;
    return 1;
}

static int parse_float(struct wf_str tok, float *out)
{
    char buf[NUM_MAX_BYTES + 1];
    if (tok.len == 0 || tok.len > NUM_MAX_BYTES)
        return 0;
    /* strtof skips leading white space; a token has none. */
    unsigned char c0 = (unsigned char)tok.p[0];
    if (!(c0 == '-' || c0 == '+' || c0 == '.' || (c0 >= '0' && c0 <= '9')))
        return 0;
    memcpy(buf, tok.p, tok.len);
    buf[tok.len] = '\0';
    /* strtof rounds once, straight to float, so "%.9g" text comes back
     * exact (even FLT_MAX, printed as a decimal just above it). Underflow to
     * a denormal or zero is harmless; overflow and NaN/inf spellings are not
     * finite and fail here. */
    char *end;
    float v = strtof(buf, &end);
    if (end != buf + tok.len || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* One "<kw> <uint>" line. */
static int header_uint(struct parser *ps, const char *kw, unsigned long min, unsigned long max,
                       unsigned long *out)
{
    struct wf_str line, rest, tok;
    if (!next_line(ps, &line))
        return fail(ps, WF_EFORMAT, "truncated header");
    if (!keyword(line, kw, &rest) || next_tok(&rest, &tok) != 1 || rest.len ||
        !parse_uint(tok, max, out) || *out < min)
        return fail(ps, WF_EFORMAT, kw);
    return WF_OK;
}

/* One "<kw> <text>" line; the text is the rest of the line. Owned copy. */
static int header_text(struct parser *ps, const char *kw, char **out)
{
    struct wf_str line, rest;
    if (!next_line(ps, &line))
        return fail(ps, WF_EFORMAT, "truncated header");
    if (!keyword(line, kw, &rest))
        return fail(ps, WF_EFORMAT, kw);
    char *s = wf_strndup(rest.p, rest.len);
    if (!s)
        return WF_ENOMEM;
    if (strlen(s) != rest.len || !wf_ml__valid_text(s)) {
        wf_free(s);
        return fail(ps, WF_EFORMAT, kw);
    }
    *out = s;
    return WF_OK;
}

static int parse_magic(struct parser *ps)
{
    struct wf_str line, rest, tok;
    unsigned long v;
    if (!next_line(ps, &line) || !keyword(line, MAGIC, &rest))
        return fail(ps, WF_EFORMAT, "not a workflowai model (bad magic)");
    if (next_tok(&rest, &tok) != 1 || rest.len || !parse_uint(tok, ~0ul, &v))
        return fail(ps, WF_EFORMAT, "bad format version");
    if (v != WF_ML_FORMAT_VERSION)
        return fail(ps, WF_EVERSION, "unsupported format version");
    return WF_OK;
}

static int parse_classes(struct parser *ps, unsigned n, char **names)
{
    struct wf_str line, rest;
    for (unsigned c = 0; c < n; c++) {
        if (!next_line(ps, &line))
            return fail(ps, WF_EFORMAT, "truncated class list");
        if (!keyword(line, "class", &rest))
            return fail(ps, WF_EFORMAT, "fewer class lines than classes");
        names[c] = wf_strndup(rest.p, rest.len);
        if (!names[c])
            return WF_ENOMEM;
        if (strlen(names[c]) != rest.len || !wf_ml__valid_name(names[c]))
            return fail(ps, WF_EFORMAT, "bad class name");
        for (unsigned j = 0; j < c; j++) {
            if (strcmp(names[j], names[c]) == 0)
                return fail(ps, WF_EFORMAT, "duplicate class name");
        }
    }
    return WF_OK;
}

static int parse_bias(struct parser *ps, struct wf_ml_model *m)
{
    struct wf_str line, rest, tok;
    if (!next_line(ps, &line))
        return fail(ps, WF_EFORMAT, "truncated before bias");
    if (!keyword(line, "bias", &rest))
        return fail(ps, WF_EFORMAT, "expected bias (more class lines than classes?)");
    for (unsigned c = 0; c < m->n_classes; c++) {
        if (next_tok(&rest, &tok) != 1 || !parse_float(tok, &m->bias[c]))
            return fail(ps, WF_EFORMAT, "bad or missing bias value");
    }
    if (rest.len)
        return fail(ps, WF_EFORMAT, "more bias values than classes");
    return WF_OK;
}

static int parse_weights(struct parser *ps, struct wf_ml_model *m)
{
    struct wf_str line, rest, tok;
    const unsigned long max_feat = (1ul << m->hash_bits) - 1;
    for (;;) {
        if (!next_line(ps, &line))
            return fail(ps, WF_EFORMAT, "truncated (no end line)");
        if (line.len == 3 && memcmp(line.p, "end", 3) == 0)
            break;
        unsigned long feat, cls;
        float v;
        if (!keyword(line, "w", &rest))
            return fail(ps, WF_EFORMAT, "expected a weight line or end");
        if (next_tok(&rest, &tok) != 1 || !parse_uint(tok, max_feat, &feat))
            return fail(ps, WF_EFORMAT, "bad or out of range feature index");
        if (next_tok(&rest, &tok) != 1 || !parse_uint(tok, m->n_classes - 1, &cls))
            return fail(ps, WF_EFORMAT, "bad or out of range class index");
        if (next_tok(&rest, &tok) != 1 || rest.len || !parse_float(tok, &v))
            return fail(ps, WF_EFORMAT, "bad weight value");
        /* Zero weights are never written, so a non-zero slot means a repeat. */
        if (v == 0.0f)
            return fail(ps, WF_EFORMAT, "zero weight");
        float *slot = &m->weights[feat * m->n_classes + cls];
        if (*slot != 0.0f)
            return fail(ps, WF_EFORMAT, "duplicate weight");
        *slot = v;
    }
    if (ps->p != ps->end)
        return fail(ps, WF_EFORMAT, "data after end");
    return WF_OK;
}

int wf_ml_load(const char *text, size_t len, struct wf_ml_model **out)
{
    struct parser ps = {text, text + len, 0};
    struct wf_ml_model *m = NULL;
    char *names[WF_ML_MAX_CLASSES] = {0};
    char *version = NULL, *trained_on = NULL;
    unsigned long hash_bits = 0, n_classes = 0;
    int rc;

    if (!out || (!text && len))
        return WF_EINVAL;
    if (len > WF_LIMIT_MODEL_BYTES)
        return fail(&ps, WF_ETOOBIG, "model file too big");
    if (len == 0)
        return fail(&ps, WF_EFORMAT, "empty model file");
    if (memchr(text, '\0', len))
        return fail(&ps, WF_EFORMAT, "NUL byte in model file");

    rc = parse_magic(&ps);
    if (!rc)
        rc = header_text(&ps, "version", &version);
    if (!rc)
        rc = header_text(&ps, "trained_on", &trained_on);
    if (!rc)
        rc = header_uint(&ps, "hash_bits", 4, WF_ML_MAX_HASH_BITS, &hash_bits);
    if (!rc)
        rc = header_uint(&ps, "classes", 2, WF_ML_MAX_CLASSES, &n_classes);
    if (!rc)
        rc = parse_classes(&ps, (unsigned)n_classes, names);
    if (rc)
        goto out;
    rc = wf_ml_model_new((unsigned)n_classes, (const char *const *)names, (unsigned)hash_bits,
                         version, &m);
    if (rc == WF_EINVAL)
        rc = fail(&ps, WF_EFORMAT, "inconsistent header");
    else if (rc == WF_ETOOBIG)
        rc = fail(&ps, WF_ETOOBIG, "weight table too big (hash_bits x classes)");
    if (rc)
        goto out;
    if (trained_on && strcmp(trained_on, "-") != 0) {
        m->trained_on = trained_on;
        trained_on = NULL;
    }
    rc = parse_bias(&ps, m);
    if (!rc)
        rc = parse_weights(&ps, m);
    if (rc)
        goto out;
    *out = m;
    m = NULL;
out:
    wf_ml_model_free(m);
    for (unsigned c = 0; c < WF_ML_MAX_CLASSES; c++)
        wf_free(names[c]);
    wf_free(version);
    wf_free(trained_on);
    return rc;
}
