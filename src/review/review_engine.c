/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The review engine: compiles the rule table once per reviewer and runs it
 * over a parsed diff. Line rules see every added line whose file type they
 * accept, behind a case-insensitive keyword pre-filter so most lines never
 * reach a regex; the secret rule hands the line to a redactor and keeps only
 * the redact rule's id and column. File rules run once per file, diff rules
 * once per diff.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "review.h"

#include "redact/redact.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <pcre2.h>
#include <string.h>

/* Steps one regex match may take: a pathological line costs a bounded time
 * and counts as no match. */
#define MATCH_LIMIT 200000u

struct wf_reviewer {
    struct wf_review_opts opts;
    const struct wf_review_rule *rules;
    size_t n_rules;
    pcre2_code **re;              /* n_rules entries, NULL for rules without a pattern */
    pcre2_match_data *md;         /* shared by all patterns */
    pcre2_match_context *mctx;    /* carries MATCH_LIMIT */
    struct wf_redactor *redactor; /* emails and IPs off: secrets only */
    struct wf_buf scratch;        /* redacted line (discarded) */
    struct wf_buf lower;          /* lowercased line for the keyword scan */
    uint64_t calls;               /* lines given to the redactor so far */
    int in_line;                  /* 1 while wf_redact_line runs */
    const char *secret_rule;      /* first redact finding of the current line */
    size_t secret_col;
    /* A private-key block reported after its BEGIN line (at END or at the
     * end of the file): redactor line and column of BEGIN. */
    const char *late_rule;
    uint64_t late_line;
    size_t late_col;
};

void wf_review_opts_init(struct wf_review_opts *o)
{
    o->max_file_lines = WF_REVIEW_DEFAULT_MAX_FILE_LINES;
}

void wf_review_result_init(struct wf_review_result *r)
{
    memset(r, 0, sizeof(*r));
    wf_arena_init(&r->arena, 0);
}

void wf_review_result_cleanup(struct wf_review_result *r)
{
    if (!r)
        return;
    wf_free(r->items);
    wf_arena_cleanup(&r->arena);
    wf_review_result_init(r);
}

static void on_secret(void *ctx, const struct wf_redact_finding *f)
{
    struct wf_reviewer *rv = ctx;
    if (rv->in_line && f->line == rv->calls) {
        if (!rv->secret_rule) {
            rv->secret_rule = f->rule;
            rv->secret_col = f->column;
        }
    } else if (!rv->late_rule) {
        rv->late_rule = f->rule;
        rv->late_line = f->line;
        rv->late_col = f->column;
    }
}

void wf_review_free(struct wf_reviewer *rv)
{
    if (!rv)
        return;
    if (rv->re)
        for (size_t i = 0; i < rv->n_rules; i++)
            pcre2_code_free(rv->re[i]);
    wf_free(rv->re);
    pcre2_match_data_free(rv->md);
    pcre2_match_context_free(rv->mctx);
    wf_redact_free(rv->redactor);
    wf_buf_cleanup(&rv->scratch);
    wf_buf_cleanup(&rv->lower);
    wf_free(rv);
}

int wf_review_new(const struct wf_review_opts *opts, struct wf_reviewer **out)
{
    int rc = WF_ENOMEM;
    struct wf_reviewer *rv = wf_calloc(1, sizeof(*rv));
    if (!rv)
        return WF_ENOMEM;
    if (opts)
        rv->opts = *opts;
    else
        wf_review_opts_init(&rv->opts);
    wf_buf_init(&rv->scratch, 4 * WF_LIMIT_LINE_BYTES);
    wf_buf_init(&rv->lower, 2 * WF_LIMIT_LINE_BYTES);
    rv->rules = wf_review_rules(&rv->n_rules);
    rv->re = wf_calloc(rv->n_rules, sizeof(*rv->re));
    rv->md = pcre2_match_data_create(8, NULL);
    rv->mctx = pcre2_match_context_create(NULL);
    if (!rv->re || !rv->md || !rv->mctx)
        goto out;
    pcre2_set_match_limit(rv->mctx, MATCH_LIMIT);
    for (size_t i = 0; i < rv->n_rules; i++) {
        int errcode;
        PCRE2_SIZE erroff;
        if (!rv->rules[i].pattern)
            continue;
        rv->re[i] = pcre2_compile((PCRE2_SPTR)rv->rules[i].pattern, PCRE2_ZERO_TERMINATED, 0,
                                  &errcode, &erroff, NULL);
        if (!rv->re[i]) {
            rc = errcode == PCRE2_ERROR_NOMEMORY ? WF_ENOMEM : WF_EINTERNAL;
            goto out;
        }
        (void)pcre2_jit_compile(rv->re[i], PCRE2_JIT_COMPLETE); /* interpreter otherwise */
    }
    struct wf_redact_opts ro;
    wf_redact_opts_init(&ro);
    ro.emails = 0;
    ro.ips = 0;
    ro.on_finding = on_secret;
    ro.ctx = rv;
    rc = wf_redact_new(&ro, &rv->redactor);
    if (rc)
        goto out;
    *out = rv;
    return WF_OK;
out:
    wf_review_free(rv);
    return rc;
}

/* Appends a finding; message NULL = the rule's. */
static int add(struct wf_review_result *r, const struct wf_review_rule *rule, const char *file,
               size_t line, size_t col, const char *message)
{
    int rc =
        wf_grow((void **)&r->items, &r->cap, r->n + 1, sizeof(*r->items), WF_REVIEW_MAX_FINDINGS);
    if (rc)
        return rc;
    struct wf_review_finding *f = &r->items[r->n++];
    f->rule = rule;
    f->file = file;
    f->line = line ? line : 1;
    f->column = col;
    f->message = message ? message : rule->message;
    r->n_by_sev[rule->severity]++;
    return WF_OK;
}

/* 1 when needle[0..n) occurs in s[0..len) (memmem is a GNU extension). */
static int contains(const char *s, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        const char *p = memchr(s + i, needle[0], len - n - i + 1);
        if (!p)
            return 0;
        i = (size_t)(p - s);
        if (memcmp(p, needle, n) == 0)
            return 1;
    }
    return 0;
}

/* 1 when the lowercased line holds one of the '|'-separated keywords. */
static int keywords_hit(const char *kw, const char *s, size_t len)
{
    while (*kw) {
        const char *e = strchr(kw, '|');
        size_t n = e ? (size_t)(e - kw) : strlen(kw);
        if (n && contains(s, len, kw, n))
            return 1;
        if (!e)
            break;
        kw = e + 1;
    }
    return 0;
}

static int applies(const struct wf_review_rule *rule, unsigned ft, int is_test)
{
    if (rule->types && !(rule->types & ft))
        return 0;
    if ((rule->flags & WF_REVIEW_SKIP_TESTS) && is_test)
        return 0;
    return 1;
}

static char *fmt_msg(struct wf_review_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *secret_msg(struct wf_review_result *r, const struct wf_review_rule *rule,
                        const char *redact_rule)
{
    return fmt_msg(r, "%s (redact rule %s)", rule->message, redact_rule);
}

static int review_line(struct wf_reviewer *rv, struct wf_review_result *r, const char *file,
                       unsigned ft, int is_test, const struct wf_risk_diff_line *l)
{
    const char *s = l->text.p ? l->text.p : "";
    size_t len = l->text.len;
    wf_buf_reset(&rv->lower);
    int rc = wf_buf_append(&rv->lower, s, len);
    if (rc)
        return rc;
    for (size_t i = 0; i < len; i++)
        rv->lower.p[i] = (char)tolower((unsigned char)rv->lower.p[i]);
    const char *low = len ? rv->lower.p : "";
    for (size_t i = 0; i < rv->n_rules; i++) {
        const struct wf_review_rule *rule = &rv->rules[i];
        size_t col = 0;
        int hit = 0;
        if (!applies(rule, ft, is_test))
            continue;
        if (rule->keywords && !keywords_hit(rule->keywords, low, len))
            continue;
        const char *msg = NULL;
        switch (rule->kind) {
        case WF_REVIEW_K_PATTERN: {
            int m = pcre2_match(rv->re[i], (PCRE2_SPTR)s, len, 0, 0, rv->md, rv->mctx);
            if (m > 0) {
                hit = 1;
                col = (size_t)pcre2_get_ovector_pointer(rv->md)[0] + 1;
            }
            break;
        }
        case WF_REVIEW_K_MATCH:
            hit = rule->match(s, len, ft, &col);
            break;
        case WF_REVIEW_K_SECRET: {
            size_t nf = 0;
            rv->secret_rule = NULL;
            wf_buf_reset(&rv->scratch);
            rv->calls++;
            rv->in_line = 1;
            rc = wf_redact_line(rv->redactor, s, len, &rv->scratch, &nf);
            rv->in_line = 0;
            if (rc)
                return rc;
            if (rv->secret_rule) {
                hit = 1;
                col = rv->secret_col;
                if (!(msg = secret_msg(r, rule, rv->secret_rule)))
                    return WF_ENOMEM;
            }
            break;
        }
        default:
            break;
        }
        if (hit && (rc = add(r, rule, file, l->new_line, col, msg)) != WF_OK)
            return rc;
    }
    return WF_OK;
}

static const char *file_path(const struct wf_risk_diff_file *f)
{
    return f->new_path ? f->new_path : f->old_path;
}

/* New-file line of the first added line, else of the first hunk; 1 without hunks. */
static size_t first_line(const struct wf_risk_diff_file *f)
{
    for (size_t h = 0; h < f->n_hunks; h++)
        for (size_t i = 0; i < f->hunks[h].n_lines; i++)
            if (f->hunks[h].lines[i].op == WF_RISK_DIFF_ADD)
                return f->hunks[h].lines[i].new_line;
    return f->n_hunks && f->hunks[0].new_start ? f->hunks[0].new_start : 1;
}

static char *fmt_msg(struct wf_review_result *r, const char *fmt, ...)
{
    struct wf_buf b;
    va_list ap;
    wf_buf_init(&b, 2 * WF_LIMIT_PATH_BYTES);
    va_start(ap, fmt);
    int rc = wf_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    char *m = rc ? NULL : wf_arena_strndup(&r->arena, b.p ? b.p : "", b.len);
    wf_buf_cleanup(&b);
    return m;
}

static const struct {
    const char *lock, *manifest;
} lock_pairs[] = {
    {"package-lock.json", "package.json"}, {"yarn.lock", "package.json"},
    {"pnpm-lock.yaml", "package.json"},    {"npm-shrinkwrap.json", "package.json"},
    {"Cargo.lock", "Cargo.toml"},          {"poetry.lock", "pyproject.toml"},
    {"Pipfile.lock", "Pipfile"},           {"go.sum", "go.mod"},
    {"Gemfile.lock", "Gemfile"},           {"composer.lock", "composer.json"},
};

static const char *base_of(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static int diff_has_base(const struct wf_risk_diff *d, const char *name)
{
    for (size_t i = 0; i < d->n_files; i++)
        if (strcmp(base_of(file_path(&d->files[i])), name) == 0)
            return 1;
    return 0;
}

static int review_files(struct wf_reviewer *rv, const struct wf_risk_diff *d,
                        struct wf_review_result *r, char **paths)
{
    const char *code_file = NULL;
    size_t code_line = 1;
    int test_changed = 0;
    int rc;
    for (size_t i = 0; i < d->n_files; i++) {
        const struct wf_risk_diff_file *f = &d->files[i];
        const char *path = paths[i];
        unsigned ft = wf_review_file_type(path);
        int is_test = wf_review_is_test_path(path);
        int deleted = f->status == WF_RISK_DIFF_DELETED;
        if (is_test)
            test_changed = 1;
        else if ((ft & WF_REVIEW_FT_CODE) && !code_file && (f->added || f->deleted)) {
            code_file = path;
            code_line = first_line(f);
        }
        for (size_t k = 0; k < rv->n_rules; k++) {
            const struct wf_review_rule *rule = &rv->rules[k];
            const char *msg = NULL;
            size_t line = first_line(f);
            int hit = 0;
            if (!applies(rule, ft, is_test))
                continue;
            switch (rule->kind) {
            case WF_REVIEW_K_LARGE:
                hit = !(ft & WF_REVIEW_FT_LOCK) && f->added > rv->opts.max_file_lines;
                if (hit && !(msg = fmt_msg(r, "%zu lines added to one file (limit %zu)", f->added,
                                           rv->opts.max_file_lines)))
                    return WF_ENOMEM;
                break;
            case WF_REVIEW_K_BINARY:
                hit = f->binary && !deleted;
                line = 1;
                break;
            case WF_REVIEW_K_CI:
                hit = 1;
                break;
            case WF_REVIEW_K_LOCKFILE:
                for (size_t p = 0; !deleted && p < sizeof(lock_pairs) / sizeof(lock_pairs[0]); p++)
                    if (strcmp(base_of(path), lock_pairs[p].lock) == 0 &&
                        !diff_has_base(d, lock_pairs[p].manifest)) {
                        hit = 1;
                        msg = fmt_msg(r, "%s changed without %s", lock_pairs[p].lock,
                                      lock_pairs[p].manifest);
                        if (!msg)
                            return WF_ENOMEM;
                        break;
                    }
                break;
            default:
                break;
            }
            if (hit && (rc = add(r, rule, path, line, 0, msg)) != WF_OK)
                return rc;
        }
    }
    if (code_file && !test_changed)
        for (size_t k = 0; k < rv->n_rules; k++)
            if (rv->rules[k].kind == WF_REVIEW_K_NO_TESTS &&
                (rc = add(r, &rv->rules[k], code_file, code_line, 0, NULL)) != WF_OK)
                return rc;
    return WF_OK;
}

/* Turns a block finding reported after its BEGIN line into a finding on
 * that line: redactor line first_call is the file's first added line. */
static int add_late(struct wf_reviewer *rv, struct wf_review_result *r,
                    const struct wf_risk_diff_file *f, const char *path, uint64_t first_call)
{
    size_t line = 0, col = rv->late_col;
    if (!rv->late_rule)
        return WF_OK;
    uint64_t want = rv->late_line >= first_call ? rv->late_line - first_call : 0, seen = 0;
    for (size_t h = 0; !line && h < f->n_hunks; h++)
        for (size_t k = 0; !line && k < f->hunks[h].n_lines; k++)
            if (f->hunks[h].lines[k].op == WF_RISK_DIFF_ADD && seen++ == want)
                line = f->hunks[h].lines[k].new_line;
    size_t n_rules;
    const struct wf_review_rule *rules = wf_review_rules(&n_rules), *rule = NULL;
    for (size_t i = 0; i < n_rules; i++)
        if (rules[i].kind == WF_REVIEW_K_SECRET)
            rule = &rules[i];
    const char *msg = rule ? secret_msg(r, rule, rv->late_rule) : NULL;
    rv->late_rule = NULL;
    if (!rule)
        return WF_OK;
    if (!msg)
        return WF_ENOMEM;
    return add(r, rule, path, line, col, msg);
}

int wf_review_run(struct wf_reviewer *rv, const struct wf_risk_diff *d,
                  struct wf_review_result *out)
{
    int rc = WF_OK;
    char **paths = NULL;
    assert(rv && d && out && out->n == 0);
    if (d->n_files && !(paths = wf_calloc(d->n_files, sizeof(*paths))))
        return WF_ENOMEM;
    for (size_t i = 0; i < d->n_files; i++) {
        const struct wf_risk_diff_file *f = &d->files[i];
        const char *p = file_path(f);
        paths[i] = wf_arena_strndup(&out->arena, p, strlen(p));
        if (!paths[i]) {
            rc = WF_ENOMEM;
            goto out;
        }
        unsigned ft = wf_review_file_type(p);
        int is_test = wf_review_is_test_path(p);
        uint64_t first_call = rv->calls + 1;
        for (size_t h = 0; h < f->n_hunks; h++)
            for (size_t k = 0; k < f->hunks[h].n_lines; k++) {
                const struct wf_risk_diff_line *l = &f->hunks[h].lines[k];
                if (l->op != WF_RISK_DIFF_ADD)
                    continue;
                rc = review_line(rv, out, paths[i], ft, is_test, l);
                if (!rc)
                    rc = add_late(rv, out, f, paths[i], first_call);
                if (rc)
                    goto out;
            }
        /* a private-key block never closed inside this file ends here */
        wf_buf_reset(&rv->scratch);
        rc = wf_redact_finish(rv->redactor, &rv->scratch);
        if (!rc)
            rc = add_late(rv, out, f, paths[i], first_call);
        if (rc)
            goto out;
    }
    rc = review_files(rv, d, out, paths);
    out->files = d->n_files;
    out->added = d->added;
out:
    wf_free(paths);
    if (rc)
        wf_review_result_cleanup(out);
    return rc;
}
