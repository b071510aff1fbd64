/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unified-diff parser: `git diff`, `git format-patch` and plain `diff -u`
 * output into files, hunks and numbered lines, the raw material of change
 * metrics and review rules. It reads line by line with a small state machine
 * (outside a file, in a file's extended header, between hunks, in a hunk
 * body, in a binary payload), checks every hunk body against its header's
 * counts and stops at the first error with its line number.
 */
#include "risk.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

void wf_risk_diff_init(struct wf_risk_diff *d)
{
    memset(d, 0, sizeof(*d));
    wf_arena_init(&d->arena, 0);
}

void wf_risk_diff_cleanup(struct wf_risk_diff *d)
{
    if (!d)
        return;
    wf_arena_cleanup(&d->arena);
    wf_risk_diff_init(d);
}

enum state {
    S_OUT,    /* before the first file, after a signature, or between files */
    S_HEADER, /* after "diff --git", before "---"/"+++" (extended header) */
    S_FILE,   /* after "+++" or after a complete hunk */
    S_HUNK,   /* in a hunk body with lines still to come */
    S_BINARY  /* in a "GIT binary patch" payload */
};

/* A file while parsing: hunks are kept as the index of its first one. */
struct pfile {
    struct wf_risk_diff_file f;
    size_t hunk0;  /* index of its first hunk in parser.hunks */
    int is_new;    /* "new file mode" or old side /dev/null */
    int is_del;    /* "deleted file mode" or new side /dev/null */
    int is_rename; /* "rename from/to" */
    int is_copy;   /* "copy from/to" */
};

struct phunk {
    struct wf_risk_diff_hunk h;
    size_t line0; /* index of its first line in parser.lines */
};

struct parser {
    const char *text; /* arena copy of the input, lines point into it */
    size_t len;       /* bytes of text */
    size_t pos;       /* start of the next line */
    size_t line;      /* 1-based number of the current line */
    struct wf_arena *arena;
    struct pfile *files; /* heap, moved into the arena at the end */
    size_t n_files, cap_files;
    struct phunk *hunks;
    size_t n_hunks, cap_hunks;
    struct wf_risk_diff_line *lines;
    size_t n_lines, cap_lines;
    enum state st;
    size_t old_rem, new_rem; /* lines the current hunk still expects */
    size_t old_cur, new_cur; /* numbers of the next old/new line */
    size_t *err_line;
    struct wf_buf *err;
};

static int fail(struct parser *ps, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, int rc, const char *fmt, ...)
{
    if (ps->err_line)
        *ps->err_line = ps->line;
    if (ps->err) {
        va_list ap;
        va_start(ap, fmt);
        wf_buf_reset(ps->err);
        (void)wf_buf_vappendf(ps->err, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int nomem(struct parser *ps)
{
    return fail(ps, WF_ENOMEM, "out of memory");
}

static int starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static int is_line(const char *s, size_t n, const char *whole)
{
    return n == strlen(whole) && memcmp(s, whole, n) == 0;
}

/* Reads the next line (without its \n or \r\n) and makes it current. */
static int next_line(struct parser *ps, const char **s, size_t *n)
{
    if (ps->pos >= ps->len)
        return 0;
    const char *p = ps->text + ps->pos;
    const char *nl = memchr(p, '\n', ps->len - ps->pos);
    size_t k = nl ? (size_t)(nl - p) : ps->len - ps->pos;
    ps->pos += nl ? k + 1 : k;
    ps->line++;
    if (k > 0 && p[k - 1] == '\r')
        k--;
    *s = p;
    *n = k;
    return 1;
}

/* The next line without consuming it. */
static int peek_line(const struct parser *ps, const char **s, size_t *n)
{
    struct parser copy = *ps;
    return next_line(&copy, s, n);
}

/* Decodes a C-style quoted path at s[0] == '"' (git quotes names with
 * special bytes: \t \n \" \\ and \ooo octal). *used gets the bytes
 * consumed including both quotes; the result is NUL-terminated in the
 * arena. */
static int unquote(struct parser *ps, const char *s, size_t n, size_t *used, char **out,
                   size_t *out_len)
{
    char *d = wf_arena_alloc(ps->arena, n);
    if (!d)
        return nomem(ps);
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            d[k] = '\0';
            *used = i + 1;
            *out = d;
            *out_len = k;
            return WF_OK;
        }
        if (c == '\\') {
            if (++i >= n)
                break;
            c = s[i];
            switch (c) {
            case 'a':
                c = '\a';
                break;
            case 'b':
                c = '\b';
                break;
            case 't':
                c = '\t';
                break;
            case 'n':
                c = '\n';
                break;
            case 'v':
                c = '\v';
                break;
            case 'f':
                c = '\f';
                break;
            case 'r':
                c = '\r';
                break;
            case '"':
            case '\\':
                break;
            default:
                if (c >= '0' && c <= '3' && i + 2 < n && s[i + 1] >= '0' && s[i + 1] <= '7' &&
                    s[i + 2] >= '0' && s[i + 2] <= '7') {
                    c = (char)((c - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0'));
                    i += 2;
                    if (c == '\0')
                        return fail(ps, WF_EFORMAT, "quoted path holds a NUL byte");
                    break;
                }
                return fail(ps, WF_EFORMAT, "bad escape '\\%c' in quoted path",
                            c >= 0x20 && c < 0x7f ? c : '?');
            }
        }
        d[k++] = c;
    }
    return fail(ps, WF_EFORMAT, "unterminated quoted path");
}

/* Makes a path from the text of a header line: quoted or raw, raw ones end
 * at a tab when stop_at_tab (the timestamp of `diff -u`, git's marker for
 * names with spaces). "/dev/null" gives NULL and *is_null = 1; `prefix`
 * ("a/", "b/" or NULL) is stripped. */
static int make_path(struct parser *ps, const char *s, size_t n, const char *prefix,
                     int stop_at_tab, const char **out, int *is_null)
{
    const char *p;
    size_t k;
    char *q = NULL;
    if (n > 0 && s[0] == '"') {
        size_t used;
        int rc = unquote(ps, s, n, &used, &q, &k);
        if (rc)
            return rc;
        if (used != n && !(stop_at_tab && s[used] == '\t'))
            return fail(ps, WF_EFORMAT, "text after a quoted path");
        p = q;
    } else {
        p = s;
        k = n;
        if (stop_at_tab) {
            const char *tab = memchr(s, '\t', n);
            if (tab)
                k = (size_t)(tab - s);
        }
    }
    *is_null = 0;
    if (k == 9 && memcmp(p, "/dev/null", 9) == 0) {
        *is_null = 1;
        *out = NULL;
        return WF_OK;
    }
    if (prefix && starts(p, k, prefix)) {
        p += 2;
        k -= 2;
    }
    if (k == 0)
        return fail(ps, WF_EFORMAT, "empty path");
    if (k > WF_LIMIT_PATH_BYTES)
        return fail(ps, WF_ETOOBIG, "path longer than %u bytes", WF_LIMIT_PATH_BYTES);
    if (memchr(p, '\0', k))
        return fail(ps, WF_EFORMAT, "path holds a NUL byte");
    if (q) {
        /* decoded in place: the prefix strip only moved the start */
        *out = p;
        return WF_OK;
    }
    char *c = wf_arena_strndup(ps->arena, p, k);
    if (!c)
        return nomem(ps);
    *out = c;
    return WF_OK;
}

/* Splits the "a/x b/y" of a "diff --git" line. Unquoted names may hold
 * spaces, so the split prefers two equal halves (the common case without a
 * rename), then " b/", then the first space. */
static int git_paths(struct parser *ps, const char *s, size_t n, struct pfile *pf)
{
    size_t a_len, b_off;
    if (n > 0 && s[0] == '"') {
        char *tmp;
        size_t tlen;
        int rc = unquote(ps, s, n, &a_len, &tmp, &tlen);
        if (rc)
            return rc;
        if (a_len >= n || s[a_len] != ' ')
            return fail(ps, WF_EFORMAT, "malformed 'diff --git' line");
        b_off = a_len + 1;
    } else {
        const char *q = NULL;
        for (size_t i = 0; i + 1 < n && !q; i++)
            if (s[i] == ' ' && s[i + 1] == '"')
                q = s + i;
        size_t m = n / 2;
        if (q && s[n - 1] == '"') {
            a_len = (size_t)(q - s);
        } else if (n % 2 == 1 && s[m] == ' ' && n >= 5 && starts(s, n, "a/") &&
                   starts(s + m + 1, n - m - 1, "b/") && memcmp(s + 2, s + m + 3, m - 2) == 0) {
            a_len = m;
        } else if (n % 2 == 1 && s[m] == ' ' && memcmp(s, s + m + 1, m) == 0) {
            a_len = m;
        } else {
            const char *sp = NULL;
            for (size_t i = 0; i + 3 <= n && !sp; i++)
                if (memcmp(s + i, " b/", 3) == 0)
                    sp = s + i;
            if (!sp)
                sp = memchr(s, ' ', n);
            if (!sp)
                return fail(ps, WF_EFORMAT, "malformed 'diff --git' line");
            a_len = (size_t)(sp - s);
        }
        b_off = a_len + 1;
    }
    int null_a = 0, null_b = 0;
    int rc = make_path(ps, s, a_len, "a/", 0, &pf->f.old_path, &null_a);
    if (!rc)
        rc = make_path(ps, s + b_off, n - b_off, "b/", 0, &pf->f.new_path, &null_b);
    if (!rc && (null_a || null_b))
        rc = fail(ps, WF_EFORMAT, "/dev/null in a 'diff --git' line");
    return rc;
}

static int new_file(struct parser *ps, struct pfile **out)
{
    int rc = wf_grow((void **)&ps->files, &ps->cap_files, ps->n_files + 1, sizeof(*ps->files),
                     WF_RISK_DIFF_MAX_FILES);
    if (rc == WF_ETOOBIG)
        return fail(ps, rc, "more than %u files", WF_RISK_DIFF_MAX_FILES);
    if (rc)
        return nomem(ps);
    struct pfile *pf = &ps->files[ps->n_files++];
    memset(pf, 0, sizeof(*pf));
    pf->f.similarity = -1;
    pf->f.line = ps->line;
    pf->hunk0 = ps->n_hunks;
    *out = pf;
    return WF_OK;
}

static struct pfile *cur_file(struct parser *ps)
{
    assert(ps->n_files > 0);
    return &ps->files[ps->n_files - 1];
}

/* A decimal number of a hunk header; at most 9 digits so sums never wrap. */
static int hunk_num(const char *s, size_t n, size_t *i, size_t *out)
{
    size_t v = 0, k = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9' && k < 10) {
        v = v * 10 + (size_t)(s[*i] - '0');
        (*i)++;
        k++;
    }
    if (k == 0 || k > 9)
        return -1;
    *out = v;
    return 0;
}

/* "@@ -l[,s] +l[,s] @@[ section]" */
static int hunk_header(struct parser *ps, const char *s, size_t n)
{
    size_t i = 4, os, oc = 1, ns, nc = 1;
    int bad = !starts(s, n, "@@ -") || hunk_num(s, n, &i, &os);
    if (!bad && i < n && s[i] == ',') {
        i++;
        bad = hunk_num(s, n, &i, &oc);
    }
    bad = bad || !starts(s + i, n - i, " +");
    if (!bad) {
        i += 2;
        bad = hunk_num(s, n, &i, &ns);
    }
    if (!bad && i < n && s[i] == ',') {
        i++;
        bad = hunk_num(s, n, &i, &nc);
    }
    bad = bad || !starts(s + i, n - i, " @@") || (i + 3 < n && s[i + 3] != ' ');
    /* a side with lines starts at line 1 or later */
    bad = bad || (oc > 0 && os == 0) || (nc > 0 && ns == 0);
    if (bad)
        return fail(ps, WF_EFORMAT, "malformed hunk header '%.*s'", (int)(n < 80 ? n : 80), s);
    i += 3;
    if (i < n)
        i++;
    int rc = wf_grow((void **)&ps->hunks, &ps->cap_hunks, ps->n_hunks + 1, sizeof(*ps->hunks),
                     WF_RISK_DIFF_MAX_HUNKS);
    if (rc == WF_ETOOBIG)
        return fail(ps, rc, "more than %u hunks", WF_RISK_DIFF_MAX_HUNKS);
    if (rc)
        return nomem(ps);
    char *section = wf_arena_strndup(ps->arena, s + i, n - i);
    if (!section)
        return nomem(ps);
    struct phunk *ph = &ps->hunks[ps->n_hunks++];
    memset(ph, 0, sizeof(*ph));
    ph->h.old_start = os;
    ph->h.old_count = oc;
    ph->h.new_start = ns;
    ph->h.new_count = nc;
    ph->h.section = section;
    ph->h.line = ps->line;
    ph->line0 = ps->n_lines;
    ps->old_rem = oc;
    ps->new_rem = nc;
    ps->old_cur = os;
    ps->new_cur = ns;
    ps->st = oc || nc ? S_HUNK : S_FILE;
    return WF_OK;
}

/* The last hunk of the current file, NULL when it has none. */
static struct phunk *last_hunk(struct parser *ps)
{
    if (!ps->n_files || ps->n_hunks <= cur_file(ps)->hunk0)
        return NULL;
    return &ps->hunks[ps->n_hunks - 1];
}

/* "\ No newline at end of file" (in any language) marks the line before. */
static int marker(struct parser *ps)
{
    struct phunk *ph = last_hunk(ps);
    if (!ph || ps->n_lines <= ph->line0)
        return fail(ps, WF_EFORMAT, "'\\' line without a hunk line before it");
    ps->lines[ps->n_lines - 1].no_newline = 1;
    return WF_OK;
}

static int body_line(struct parser *ps, const char *s, size_t n)
{
    struct phunk *ph = last_hunk(ps);
    assert(ph);
    /* an empty line is an empty context line whose blank an editor ate */
    char c = n ? s[0] : ' ';
    if (c == '\\')
        return marker(ps);
    if (c != ' ' && c != '+' && c != '-') {
        if (starts(s, n, "@@") || starts(s, n, "diff "))
            return fail(ps, WF_EFORMAT,
                        "hunk at line %zu ends early: %zu old and %zu new lines missing",
                        ph->h.line, ps->old_rem, ps->new_rem);
        if (c >= 0x21 && c < 0x7f)
            return fail(ps, WF_EFORMAT,
                        "line in the hunk at line %zu starts with '%c', not ' ', '+', '-' or '\\'",
                        ph->h.line, c);
        return fail(ps, WF_EFORMAT,
                    "line in the hunk at line %zu starts with byte 0x%02x, not ' ', '+', '-' "
                    "or '\\'",
                    ph->h.line, (unsigned)(unsigned char)c);
    }
    int op = c == ' ' ? WF_RISK_DIFF_CONTEXT : c == '+' ? WF_RISK_DIFF_ADD : WF_RISK_DIFF_DEL;
    if ((op != WF_RISK_DIFF_ADD && !ps->old_rem) || (op != WF_RISK_DIFF_DEL && !ps->new_rem)) {
        const char *side = op == WF_RISK_DIFF_ADD   ? "new"
                           : op == WF_RISK_DIFF_DEL ? "old"
                           : !ps->old_rem           ? "old"
                                                    : "new";
        return fail(ps, WF_EFORMAT,
                    "hunk at line %zu is longer than its header: '%c' line past its %s count",
                    ph->h.line, c, side);
    }
    int rc = wf_grow((void **)&ps->lines, &ps->cap_lines, ps->n_lines + 1, sizeof(*ps->lines),
                     WF_RISK_DIFF_MAX_LINES);
    if (rc == WF_ETOOBIG)
        return fail(ps, rc, "more than %u hunk lines", WF_RISK_DIFF_MAX_LINES);
    if (rc)
        return nomem(ps);
    struct wf_risk_diff_line *l = &ps->lines[ps->n_lines++];
    memset(l, 0, sizeof(*l));
    l->op = op;
    l->text.p = n ? s + 1 : s;
    l->text.len = n ? n - 1 : 0;
    if (op != WF_RISK_DIFF_ADD) {
        l->old_line = ps->old_cur++;
        ps->old_rem--;
    }
    if (op != WF_RISK_DIFF_DEL) {
        l->new_line = ps->new_cur++;
        ps->new_rem--;
    }
    ph->h.added += op == WF_RISK_DIFF_ADD;
    ph->h.deleted += op == WF_RISK_DIFF_DEL;
    if (!ps->old_rem && !ps->new_rem)
        ps->st = S_FILE;
    return WF_OK;
}

/* An octal file mode such as 100644. */
static int parse_mode(struct parser *ps, const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    if (n == 0 || n > 7)
        return fail(ps, WF_EFORMAT, "bad file mode '%.*s'", (int)(n < 16 ? n : 16), s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '7')
            return fail(ps, WF_EFORMAT, "bad file mode '%.*s'", (int)(n < 16 ? n : 16), s);
        v = v * 8 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return WF_OK;
}

/* "similarity index 87%" */
static int parse_similarity(struct parser *ps, const char *s, size_t n, int *out)
{
    int v = 0;
    size_t i = 0;
    while (i < n && i < 3 && s[i] >= '0' && s[i] <= '9')
        v = v * 10 + (s[i++] - '0');
    if (i == 0 || i + 1 != n || s[i] != '%' || v > 100)
        return fail(ps, WF_EFORMAT, "bad similarity index '%.*s'", (int)(n < 16 ? n : 16), s);
    *out = v;
    return WF_OK;
}

/* A file cannot be both new and deleted. */
static int both_ways(struct parser *ps, const struct pfile *pf)
{
    if (pf->is_new && pf->is_del)
        return fail(ps, WF_EFORMAT, "file is both new and deleted");
    return WF_OK;
}

/* A "---" line `s` followed by its "+++" line (the caller checked that one
 * follows): reads the "+++" line and sets the paths of pf. */
static int file_pair(struct parser *ps, const char *s, size_t n, struct pfile *pf)
{
    const char *old_path = NULL, *new_path = NULL, *t = NULL;
    size_t tn = 0;
    int old_null = 0, new_null = 0;
    int rc = make_path(ps, s + 4, n - 4, "a/", 1, &old_path, &old_null);
    if (rc)
        return rc;
    if (!next_line(ps, &t, &tn) || tn < 4)
        return fail(ps, WF_EFORMAT, "'---' line without its '+++' line");
    rc = make_path(ps, t + 4, tn - 4, "b/", 1, &new_path, &new_null);
    if (rc)
        return rc;
    if (old_null && new_null)
        return fail(ps, WF_EFORMAT, "both sides of the file are /dev/null");
    pf->f.old_path = old_path;
    pf->f.new_path = new_path;
    pf->is_new |= old_null;
    pf->is_del |= new_null;
    ps->st = S_FILE;
    return both_ways(ps, pf);
}

/* True when the line after the current one starts with "+++ ". */
static int plus_follows(const struct parser *ps)
{
    const char *t;
    size_t tn;
    return peek_line(ps, &t, &tn) && starts(t, tn, "+++ ");
}

/* Lines of a "diff --git" extended header. */
static int header_line(struct parser *ps, const char *s, size_t n)
{
    struct pfile *pf = cur_file(ps);
    int is_null;
    if (starts(s, n, "old mode "))
        return parse_mode(ps, s + 9, n - 9, &pf->f.old_mode);
    if (starts(s, n, "new mode "))
        return parse_mode(ps, s + 9, n - 9, &pf->f.new_mode);
    if (starts(s, n, "new file mode ")) {
        pf->is_new = 1;
        int rc = parse_mode(ps, s + 14, n - 14, &pf->f.new_mode);
        return rc ? rc : both_ways(ps, pf);
    }
    if (starts(s, n, "deleted file mode ")) {
        pf->is_del = 1;
        int rc = parse_mode(ps, s + 18, n - 18, &pf->f.old_mode);
        return rc ? rc : both_ways(ps, pf);
    }
    if (starts(s, n, "similarity index "))
        return parse_similarity(ps, s + 17, n - 17, &pf->f.similarity);
    if (starts(s, n, "rename from ") || starts(s, n, "copy from ")) {
        size_t k = s[0] == 'r' ? 12 : 10;
        pf->is_rename |= s[0] == 'r';
        pf->is_copy |= s[0] == 'c';
        int rc = make_path(ps, s + k, n - k, NULL, 0, &pf->f.old_path, &is_null);
        return rc || !is_null ? rc : fail(ps, WF_EFORMAT, "/dev/null as a rename or copy path");
    }
    if (starts(s, n, "rename to ") || starts(s, n, "copy to ")) {
        size_t k = s[0] == 'r' ? 10 : 8;
        pf->is_rename |= s[0] == 'r';
        pf->is_copy |= s[0] == 'c';
        int rc = make_path(ps, s + k, n - k, NULL, 0, &pf->f.new_path, &is_null);
        return rc || !is_null ? rc : fail(ps, WF_EFORMAT, "/dev/null as a rename or copy path");
    }
    if (starts(s, n, "index ")) {
        /* "index abc..def 100644": the mode when old and new agree */
        const char *sp = memchr(s + 6, ' ', n - 6);
        if (sp && !pf->f.old_mode && !pf->f.new_mode) {
            size_t k = (size_t)(sp - s) + 1;
            int rc = parse_mode(ps, s + k, n - k, &pf->f.old_mode);
            if (rc)
                return rc;
            pf->f.new_mode = pf->f.old_mode;
        }
        return WF_OK;
    }
    if (starts(s, n, "Binary files ") && n >= 7 && memcmp(s + n - 7, " differ", 7) == 0) {
        pf->f.binary = 1;
        return WF_OK;
    }
    if (is_line(s, n, "GIT binary patch")) {
        pf->f.binary = 1;
        ps->st = S_BINARY;
        return WF_OK;
    }
    if (starts(s, n, "--- ")) {
        if (!plus_follows(ps))
            return fail(ps, WF_EFORMAT, "'---' line not followed by a '+++' line");
        return file_pair(ps, s, n, pf);
    }
    if (starts(s, n, "@@"))
        return fail(ps, WF_EFORMAT, "hunk header before the file's '---' and '+++' lines");
    /* "dissimilarity index" and anything newer git may add */
    return WF_OK;
}

static int one_line(struct parser *ps, const char *s, size_t n)
{
    struct pfile *pf;
    int rc;

    if (ps->st == S_HUNK)
        return body_line(ps, s, n);
    if (starts(s, n, "+++ "))
        return fail(ps, WF_EFORMAT, "'+++' line without a '---' line before it");
    if (starts(s, n, "diff --git ")) {
        rc = new_file(ps, &pf);
        if (rc)
            return rc;
        ps->st = S_HEADER;
        return git_paths(ps, s + 11, n - 11, pf);
    }
    if (ps->st == S_HEADER)
        return header_line(ps, s, n);
    if (ps->st != S_OUT && is_line(s, n, "-- ")) {
        /* the signature that ends a format-patch mail */
        ps->st = S_OUT;
        return WF_OK;
    }
    if (starts(s, n, "--- ") && plus_follows(ps)) {
        rc = new_file(ps, &pf);
        return rc ? rc : file_pair(ps, s, n, pf);
    }
    if (ps->st == S_FILE) {
        struct phunk *ph = last_hunk(ps);
        if (starts(s, n, "@@"))
            return hunk_header(ps, s, n);
        if (n && s[0] == '\\')
            return marker(ps);
        if (n && (s[0] == ' ' || s[0] == '+' || s[0] == '-')) {
            if (ph)
                return fail(ps, WF_EFORMAT,
                            "hunk at line %zu is longer than its header: '%c' line past its "
                            "counts",
                            ph->h.line, s[0]);
            return fail(ps, WF_EFORMAT, "'%c' line before the file's first hunk header", s[0]);
        }
        /* anything else ends the file: `diff -r` chatter, a blank line */
        ps->st = S_OUT;
    }
    /* S_OUT: mail and commit headers, messages, diffstats; S_BINARY: payload */
    return WF_OK;
}

static enum wf_risk_diff_status file_status(const struct pfile *pf)
{
    const struct wf_risk_diff_file *f = &pf->f;
    if (pf->is_new)
        return WF_RISK_DIFF_ADDED;
    if (pf->is_del)
        return WF_RISK_DIFF_DELETED;
    if (pf->is_rename)
        return WF_RISK_DIFF_RENAMED;
    if (pf->is_copy)
        return WF_RISK_DIFF_COPIED;
    if (f->binary)
        return WF_RISK_DIFF_BINARY;
    if (!f->n_hunks && f->old_mode && f->new_mode && f->old_mode != f->new_mode)
        return WF_RISK_DIFF_MODE;
    return WF_RISK_DIFF_MODIFIED;
}

/* Moves the parse into arena-owned arrays and fills the totals. */
static int finish(struct parser *ps, struct wf_risk_diff *d)
{
    struct wf_risk_diff_file *files = NULL;
    struct wf_risk_diff_hunk *hunks = NULL;
    struct wf_risk_diff_line *lines = NULL;
    if ((ps->n_files && !(files = wf_arena_alloc(ps->arena, ps->n_files * sizeof(*files)))) ||
        (ps->n_hunks && !(hunks = wf_arena_alloc(ps->arena, ps->n_hunks * sizeof(*hunks)))) ||
        (ps->n_lines && !(lines = wf_arena_alloc(ps->arena, ps->n_lines * sizeof(*lines)))))
        return nomem(ps);
    if (ps->n_lines)
        memcpy(lines, ps->lines, ps->n_lines * sizeof(*lines));
    for (size_t h = 0; h < ps->n_hunks; h++) {
        size_t end = h + 1 < ps->n_hunks ? ps->hunks[h + 1].line0 : ps->n_lines;
        hunks[h] = ps->hunks[h].h;
        hunks[h].lines = lines + ps->hunks[h].line0;
        hunks[h].n_lines = end - ps->hunks[h].line0;
    }
    d->added = d->deleted = 0;
    for (size_t i = 0; i < ps->n_files; i++) {
        struct pfile *pf = &ps->files[i];
        size_t end = i + 1 < ps->n_files ? ps->files[i + 1].hunk0 : ps->n_hunks;
        struct wf_risk_diff_file *f = &pf->f;
        f->hunks = hunks + pf->hunk0;
        f->n_hunks = end - pf->hunk0;
        f->added = f->deleted = 0;
        for (size_t h = 0; h < f->n_hunks; h++) {
            f->added += f->hunks[h].added;
            f->deleted += f->hunks[h].deleted;
        }
        if (pf->is_new)
            f->old_path = NULL;
        if (pf->is_del)
            f->new_path = NULL;
        f->status = file_status(pf);
        files[i] = *f;
        d->added += f->added;
        d->deleted += f->deleted;
    }
    d->files = files;
    d->n_files = ps->n_files;
    return WF_OK;
}

int wf_risk_diff_parse(const char *text, size_t len, struct wf_risk_diff *out, size_t *err_line,
                       struct wf_buf *err)
{
    struct wf_risk_diff d;
    struct parser ps;
    int rc = WF_OK;
    const char *s;
    size_t n;

    wf_risk_diff_init(&d);
    memset(&ps, 0, sizeof(ps));
    ps.arena = &d.arena;
    ps.err_line = err_line;
    ps.err = err;
    ps.st = S_OUT;
    if (err_line)
        *err_line = 0;
    if (len > WF_RISK_DIFF_MAX_BYTES) {
        rc = fail(&ps, WF_ETOOBIG, "diff larger than %u bytes", WF_RISK_DIFF_MAX_BYTES);
        goto out;
    }
    char *copy = wf_arena_alloc(&d.arena, len + 1);
    if (!copy) {
        rc = nomem(&ps);
        goto out;
    }
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    ps.text = copy;
    ps.len = len;
    while (next_line(&ps, &s, &n)) {
        if (n > WF_RISK_DIFF_MAX_LINE_BYTES) {
            rc = fail(&ps, WF_ETOOBIG, "line longer than %u bytes", WF_RISK_DIFF_MAX_LINE_BYTES);
            goto out;
        }
        rc = one_line(&ps, s, n);
        if (rc)
            goto out;
    }
    if (ps.st == S_HUNK) {
        struct phunk *ph = last_hunk(&ps);
        rc = fail(&ps, WF_EFORMAT,
                  "hunk at line %zu ends early at the end of the input: %zu old and %zu new "
                  "lines missing",
                  ph->h.line, ps.old_rem, ps.new_rem);
        goto out;
    }
    rc = finish(&ps, &d);
    if (rc)
        goto out;
    *out = d;
    if (err_line)
        *err_line = 0;
out:
    wf_free(ps.files);
    wf_free(ps.hunks);
    wf_free(ps.lines);
    if (rc)
        wf_arena_cleanup(&d.arena);
    return rc;
}
