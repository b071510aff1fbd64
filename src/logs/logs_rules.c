/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-line rule table: what a cleaned log line is evidence of, and how
 * strongly. A single case-insensitive pass finds the trigger words of the
 * line (a bigram table points at the few keywords that can start at each
 * byte), then a short decision list turns the set of triggers and a few
 * shape checks (compiler locations, stack frames, Maven prefixes) into a
 * kind and a score. Most lines of a log hit no trigger and cost one scan.
 */
#define _GNU_SOURCE /* memmem */
#include "logs.h"

#include <pthread.h>
#include <string.h>

/* Trigger words, lowercase. Order = bit number. */
/* clang-format off */
#define KW_MAP(XX)                                                                 \
    XX(ERROR, "error")             XX(FAIL, "fail")               XX(EXCEPTION, "exception") \
    XX(FATAL, "fatal")             XX(PANIC, "panic")             XX(TRACEBACK, "traceback") \
    XX(ASSERT, "assert")           XX(EXPECTED, "expected")       XX(BUTWAS, "but was")      \
    XX(DENIED, "denied")           XX(PERMISSION, "permission")   XX(UNAUTH, "unauthorized") \
    XX(FORBIDDEN, "forbidden")     XX(AUTHN, "authentication")    XX(CREDENTIAL, "credential") \
    XX(TIMEDOUT, "timed out")      XX(TIMEOUT, "timeout")         XX(KILLED, "killed")       \
    XX(OOM, "out of memory")       XX(OOM2, "outofmemory")        XX(HEAPLIMIT, "heap limit") \
    XX(NOSPACE, "no space left")   XX(ENOSPC, "enospc")           XX(REFUSED, "connection refused") \
    XX(RESET, "connection reset")  XX(ECONNRESET, "econnreset")   XX(ETIMEDOUT, "etimedout") \
    XX(RESOLVEHOST, "resolve host") XX(NAMERES, "name resolution") XX(UNREACH, "unreachable") \
    XX(NOTFOUND, "not found")      XX(NOSUCH, "no such")          XX(CANNOT, "cannot")       \
    XX(CANT, "can't")              XX(COULDNOT, "could not")      XX(UNABLE, "unable to")    \
    XX(INVALID, "invalid")         XX(UNEXPECTED, "unexpected")   XX(UNDEFINED, "undefined") \
    XX(EXITCODE, "exit code")      XX(EXITSTATUS, "exit status")  XX(EXITED, "exited with")  \
    XX(NONZERO, "non-zero")        XX(SEGV, "segmentation fault") XX(CORE, "core dumped")    \
    XX(ABORT, "abort")             XX(WARN, "warn")               XX(DEPRECAT, "deprecat")   \
    XX(PASSED, "passed")           XX(SUCCESS, "success")         XX(RESOLVE, "resolve")     \
    XX(DEPENDENC, "dependenc")     XX(NPMERR, "npm err")          XX(DOCKERFILE, "dockerfile") \
    XX(SOLVE, "failed to solve")   XX(RATELIMIT, "rate limit")    XX(CAUSEDBY, "caused by")  \
    XX(WENTWRONG, "what went wrong") XX(LINT, "lint")             XX(VIOLATION, "violation") \
    XX(INCOMPAT, "incompatible")   XX(MISMATCH, "mismatch")       XX(SYNTAX, "syntax")       \
    XX(CANCEL, "cancel")           XX(WORKFLOW, "workflow")       XX(YAML, "yaml")           \
    XX(PULLACCESS, "pull access")  XX(EXCEEDED, "exceeded")       XX(SYMBOL, "symbol")       \
    XX(UNUSED, "unused")           XX(STYLE, "style")             XX(REFORMAT, "reformat")   \
    XX(DIFFIN, "diff in")          XX(OFFENSE, "offense")         XX(PRETTIER, "prettier")   \
    XX(SHELLCHECK, "shellcheck")   XX(TOOLONG, "line too long")   XX(WHITESPACE, "whitespace")
/* clang-format on */

enum {
#define KW_ENUM(name, str) KW_##name,
    KW_MAP(KW_ENUM)
#undef KW_ENUM
        KW__COUNT
};

static const char *const kw_text[] = {
#define KW_STR(name, str) str,
    KW_MAP(KW_STR)
#undef KW_STR
};

_Static_assert(KW__COUNT <= 128, "trigger words fit two 64-bit masks");

/* bigram -> first keyword index + 1 in chain order; chains link keywords
 * that share their first two bytes. */
static uint8_t bigram_head[65536];
static uint8_t kw_next[KW__COUNT];
static uint8_t kw_len[KW__COUNT];
static uint8_t kw_word[KW__COUNT]; /* must stand alone (not inside an identifier) */
static unsigned char fold[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Triggers that only ever qualify another trigger. */
static uint64_t weak_mask[2];

static void tables_init(void)
{
    static const int weak[] = {KW_PASSED,   KW_SUCCESS,  KW_RESOLVE, KW_DEPENDENC,
                               KW_DEPRECAT, KW_SYMBOL,   KW_YAML,    KW_LINT,
                               KW_INCOMPAT, KW_MISMATCH, KW_SYNTAX};
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
        weak_mask[weak[i] >> 6] |= (uint64_t)1 << (weak[i] & 63);
    for (int c = 0; c < 256; c++)
        fold[c] = (unsigned char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    for (int k = KW__COUNT - 1; k >= 0; k--) {
        const unsigned char *w = (const unsigned char *)kw_text[k];
        unsigned b = (unsigned)w[0] << 8 | w[1];
        kw_len[k] = (uint8_t)strlen(kw_text[k]);
        /* error/fail/exception get their own word checks; stems match inside words */
        kw_word[k] = k != KW_ERROR && k != KW_FAIL && k != KW_EXCEPTION && k != KW_WARN &&
                     k != KW_DEPRECAT && k != KW_DEPENDENC && k != KW_RESOLVE && k != KW_OOM2 &&
                     k != KW_ENOSPC && k != KW_ECONNRESET && k != KW_ETIMEDOUT && k != KW_ASSERT &&
                     k != KW_PANIC && k != KW_TRACEBACK;
        kw_next[k] = bigram_head[b];
        bigram_head[b] = (uint8_t)(k + 1);
    }
}

struct kwset {
    uint64_t m[2];
    size_t pos[KW__COUNT]; /* first position of each found keyword */
};

static int has(const struct kwset *k, int id)
{
    return (k->m[id >> 6] >> (id & 63)) & 1;
}

/* Rules look only at the head of very long lines. */
#define SCAN_BYTES 2048u

static int ident(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* A trigger inside an identifier ("cannot_create_pool", "test_timeout_ms",
 * "isKilled") is a name, not a message. */
static int standalone(const unsigned char *s, size_t n, size_t i, size_t L)
{
    if (i > 0 && ident(s[i - 1]))
        return 0;
    for (size_t e = i + L; e < n && ident(s[e]); e++)
        if (s[e] == '_')
            return 0;
    return 1;
}

static void scan(const unsigned char *s, size_t n, struct kwset *k)
{
    k->m[0] = k->m[1] = 0;
    if (n > SCAN_BYTES)
        n = SCAN_BYTES;
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned h = bigram_head[(unsigned)fold[s[i]] << 8 | fold[s[i + 1]]];
        while (h) {
            int id = h - 1;
            size_t L = kw_len[id];
            if (i + L <= n) {
                const unsigned char *w = (const unsigned char *)kw_text[id];
                size_t j = 2;
                while (j < L && fold[s[i + j]] == w[j])
                    j++;
                if (j == L && !has(k, id) && (!kw_word[id] || standalone(s, n, i, L))) {
                    k->m[id >> 6] |= (uint64_t)1 << (id & 63);
                    k->pos[id] = i;
                }
            }
            h = kw_next[id];
        }
    }
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* True when the keyword at pos stands as a word start: not glued to a
 * preceding letter ("onError", "-Werror") nor part of a flag ("--fail-fast"). */
static int word_start(const unsigned char *s, size_t pos)
{
    if (pos == 0)
        return 1;
    unsigned char p = s[pos - 1];
    if (is_alpha(p) || p == '_')
        return 0;
    if (p == '-' && pos >= 2 && (s[pos - 2] == '-' || is_alpha(s[pos - 2])))
        return 0;
    return 1;
}

/* "error" / "fail" used as a word, and not as a filename or identifier
 * ("error.log", "error_reporting", "errorprone"). */
static int word_at(const unsigned char *s, size_t n, size_t pos, size_t kwlen, const char *ok_tails)
{
    if (!word_start(s, pos))
        return 0;
    size_t e = pos + kwlen;
    while (e < n && is_alpha(s[e]))
        e++;
    if (e > pos + kwlen) {
        /* accepted inflections only */
        size_t tl = e - pos - kwlen;
        const char *t = ok_tails;
        int ok = 0;
        while (*t) {
            size_t L = strcspn(t, ",");
            if (L == tl) {
                size_t q = 0;
                while (q < L && fold[s[pos + kwlen + q]] == (unsigned char)t[q])
                    q++;
                ok = q == L;
            }
            if (ok)
                break;
            t += L + (t[L] == ',');
        }
        if (!ok)
            return 0;
    }
    /* "error.log", "error_page", "fail-on-cache-miss": names, not words */
    if (e < n && (s[e] == '_' || ((s[e] == '.' || s[e] == '-') && e + 1 < n && is_alpha(s[e + 1]))))
        return 0;
    return 1;
}

static int starts_with(const unsigned char *s, size_t n, const char *p)
{
    size_t L = strlen(p);
    return n >= L && memcmp(s, p, L) == 0;
}

static int starts_with_ci(const unsigned char *s, size_t n, const char *p)
{
    size_t L = strlen(p);
    if (n < L)
        return 0;
    for (size_t i = 0; i < L; i++)
        if (fold[s[i]] != (unsigned char)p[i])
            return 0;
    return 1;
}

/* s is the lowercase copy of the line; needles are lowercase. */
static const unsigned char *find(const unsigned char *s, size_t n, const char *needle)
{
    return memmem(s, n, needle, strlen(needle));
}

/* Non-zero count right after a label: "Failures: 2", "Errors: 1". */
static int nonzero_after(const unsigned char *s, size_t n, const char *label)
{
    const unsigned char *p = find(s, n, label);
    if (!p)
        return 0;
    p += strlen(label);
    const unsigned char *end = s + n;
    while (p < end && *p == ' ')
        p++;
    if (p >= end || !is_digit(*p))
        return 0;
    while (p < end && *p == '0')
        p++;
    return p < end && is_digit(*p);
}

/* "path.ext:12:5: error" / "path.ext(12,5): error" / "path.java:[12,5]":
 * a source location followed by a diagnostic. */
static int compiler_location(const unsigned char *s, size_t n)
{
    size_t lim = n < 512 ? n : 512;
    for (size_t i = 1; i + 2 < lim; i++) {
        if (s[i] == ':' && s[i - 1] != ' ' && (is_digit(s[i + 1]) || s[i + 1] == '[')) {
            size_t j = i + 1 + (s[i + 1] == '[');
            if (!is_digit(s[j]))
                continue;
            while (j < lim && (is_digit(s[j]) || s[j] == ':' || s[j] == ','))
                j++;
            if (j < lim && s[j] == ']')
                j++;
            /* need a file extension before the colon */
            size_t b = i;
            while (b > 0 && s[b - 1] != ' ' && s[b - 1] != '/' && s[b - 1] != '.')
                b--;
            if (b == 0 || s[b - 1] != '.')
                continue;
            return 1;
        }
        if (s[i] == '(' && is_digit(s[i + 1]) && s[i - 1] != ' ') {
            size_t j = i + 1;
            while (j < lim && (is_digit(s[j]) || s[j] == ','))
                j++;
            if (j + 2 < lim && s[j] == ')' && s[j + 1] == ':')
                return 1;
        }
    }
    return 0;
}

/* Linter findings: "x.py:1:1: F401 ...", "a.rb:3:5: C: Style/..." or
 * "SC2086" / "MD013": a rule code right after a location, or alone. */
static int lint_code(const unsigned char *s, size_t n)
{
    size_t lim = n < 512 ? n : 512;
    for (size_t i = 1; i + 3 < lim; i++) {
        if (s[i] != ':' || s[i + 1] != ' ' || !is_digit(s[i - 1]))
            continue;
        size_t j = i + 2, a = 0, d = 0;
        while (j < lim && a < 4 && is_alpha(s[j]))
            j++, a++;
        while (j < lim && d < 5 && is_digit(s[j]))
            j++, d++;
        if (a >= 1 && (d >= 2 || (d == 0 && a == 1 && j < lim && s[j] == ':')) &&
            (j == lim || s[j] == ' ' || s[j] == ':'))
            return 1;
    }
    for (size_t i = 0; i + 6 <= lim; i++)
        if ((i == 0 || !is_alpha(s[i - 1])) &&
            ((fold[s[i]] == 's' && fold[s[i + 1]] == 'c') ||
             (fold[s[i]] == 'm' && fold[s[i + 1]] == 'd')) &&
            is_digit(s[i + 2]) && is_digit(s[i + 3]) && is_digit(s[i + 4]) &&
            (i + 5 == lim || !is_alpha(s[i + 5])))
            return 1;
    return 0;
}

/* The first token is "path:line..." (how linters start a finding). */
static int lead_location(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n && i < 256 && s[i] != ' ' && s[i] != '\t'; i++)
        if (s[i] == ':' && is_digit(s[i + 1]))
            return i > 0;
    return 0;
}

/* Lines that belong to the line above: stack frames, "Caused by", "...
 * N more", Python "File" frames, indented detail. Returns 2 for a frame,
 * 1 for indented detail, 0 otherwise. */
static int continuation(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    const unsigned char *t = s + i;
    size_t m = n - i;
    if (starts_with(t, m, "at ") && (memchr(t, '(', m) || memchr(t, ':', m)))
        return 2;
    if (starts_with(t, m, "... ") && find(t, m, " more"))
        return 2;
    if (starts_with(t, m, "File \"") && find(t, m, "\", line "))
        return 2;
    if (starts_with(t, m, "Caused by:"))
        return 2;
    if (starts_with(t, m, "--> ") || starts_with(t, m, "|"))
        return i > 0 ? 1 : 0;
    if (starts_with(t, m, "goroutine ") || starts_with(t, m, "created by "))
        return 2;
    return i >= 2 && m > 0 ? 1 : 0;
}

static void set(struct wf_logs_hit *h, enum wf_logs_kind k, float score)
{
    if (score > h->score) {
        h->kind = k;
        h->score = score;
    }
}

void wf_logs_rules_match(const char *str, size_t len, struct wf_logs_hit *hit)
{
    const unsigned char *s = (const unsigned char *)str;
    struct kwset k;
    pthread_once(&tables_once, tables_init);
    hit->kind = WF_LOGS_KIND_NONE;
    hit->score = 0;
    hit->cont = 0;
    hit->noise = 0;

    size_t n = len < SCAN_BYTES ? len : SCAN_BYTES;
    int cont = continuation(s, n);
    hit->cont = cont > 0;

    /* Maven-style level prefixes decide a lot by themselves. */
    int mvn_error = starts_with(s, n, "[ERROR]");
    int mvn_info = starts_with(s, n, "[INFO]") || starts_with(s, n, "[DEBUG]");
    int mvn_warn = starts_with(s, n, "[WARNING]") || starts_with(s, n, "[WARN]");
    int gha_error = starts_with(s, n, "##[error]");
    int gha_warn = starts_with(s, n, "##[warning]");

    /* The level prefix is not part of the message: "[ERROR] Foo.java:3"
     * must not read as the word "error" before a location. */
    if (mvn_error || gha_error) {
        size_t skip = mvn_error ? 7 : 9;
        s += skip;
        n -= skip;
    }
    scan(s, n, &k);
    if (!k.m[0] && !k.m[1]) {
        if (gha_error) {
            hit->kind = WF_LOGS_KIND_ERROR;
            hit->score = 2.0f;
        } else if (lead_location(s, n) && lint_code(s, n)) {
            hit->kind = WF_LOGS_KIND_LINT; /* "x.py:3:1: E302 too many blank lines" */
            hit->score = 2.2f;
        } else if (mvn_error) {
            hit->kind = WF_LOGS_KIND_ERROR;
            hit->score = 0.6f;
            hit->cont = 1;
        } else if (cont == 2) {
            hit->kind = WF_LOGS_KIND_STACK;
        }
        return;
    }
    /* Lines whose only triggers are weak ones ("passed", "resolve",
     * "warning", "yaml" ...) cannot match any rule below: skip the list. */
    if (!(k.m[0] & ~weak_mask[0]) && !(k.m[1] & ~weak_mask[1])) {
        hit->noise =
            has(&k, KW_WARN) || has(&k, KW_PASSED) || has(&k, KW_SUCCESS) || mvn_info || mvn_warn;
        if (mvn_error) {
            hit->kind = WF_LOGS_KIND_ERROR;
            hit->score = 0.6f;
            hit->cont = 1;
            hit->noise = 0;
        } else if (cont == 2) {
            hit->kind = WF_LOGS_KIND_STACK;
        }
        return;
    }
    /* The decision list below asks for many phrases; it reads a lowercase
     * copy with memmem, and `orig` where case matters ("FAILED "). */
    const unsigned char *orig = s;
    unsigned char low[SCAN_BYTES];
    for (size_t i = 0; i < n; i++)
        low[i] = fold[s[i]];
    s = low;
    /* Maven [INFO] lines only ever count as build summaries ("BUILD
     * FAILURE"); everything else they say ("Tests run: 3, Failures: 0")
     * is progress. Most lines of a Maven log take this exit. */
    if (mvn_info) {
        if (find(s, n, "build failure") || find(s, n, "build failed"))
            set(hit, WF_LOGS_KIND_BUILD, 1.0f);
        else if (find(s, n, "failed to execute goal") || find(s, n, "unsuccessful"))
            set(hit, WF_LOGS_KIND_BUILD, 2.0f);
        hit->noise = hit->score == 0;
        return;
    }

    /* "NullPointerException" is one, "exceptiongroup" or "test_exception_x" not */
    int exc_word = 0;
    if (has(&k, KW_EXCEPTION)) {
        const unsigned char *p = s + k.pos[KW_EXCEPTION];
        while (!exc_word && p) {
            size_t at = (size_t)(p - s), e = at + 9;
            exc_word = (at == 0 || (s[at - 1] != '_' && s[at - 1] != '/')) &&
                       (e >= n || (!is_alpha(s[e]) && s[e] != '_') || s[e] == 's');
            p = exc_word ? p : find(p + 9, n - at - 9, "exception");
        }
        if (!exc_word)
            k.m[KW_EXCEPTION >> 6] &= ~((uint64_t)1 << (KW_EXCEPTION & 63));
    }
    int err_word = has(&k, KW_ERROR) && word_at(s, n, k.pos[KW_ERROR], 5, "s");
    /* "AssertionError: x", "TypeError: y", "FooError:" are exceptions too */
    int error_class = 0;
    for (const unsigned char *p = has(&k, KW_ERROR) ? s + k.pos[KW_ERROR] : NULL; p && !error_class;
         p = find(p + 5, n - (size_t)(p - s) - 5, "error")) {
        size_t at = (size_t)(p - s);
        size_t b = at;
        while (b > 0 && (is_alpha(s[b - 1]) || is_digit(s[b - 1])))
            b--;
        /* a class name: "TypeError:", not "onError:" */
        error_class = at - b >= 2 && orig[b] >= 'A' && orig[b] <= 'Z' && orig[b + 1] >= 'a' &&
                      orig[b + 1] <= 'z' && (b == 0 || s[b - 1] != '-') &&
                      (at + 5 == n || s[at + 5] == ':' || s[at + 5] == ' ');
    }
    int fail_word = has(&k, KW_FAIL) && word_at(s, n, k.pos[KW_FAIL], 4, "ed,ure,ures,ing,s");
    if (has(&k, KW_ERROR) && !err_word) {
        /* a later occurrence may still be a word ("onError ... error:") */
        const unsigned char *p = s + k.pos[KW_ERROR] + 5;
        while (!err_word && (p = find(p, n - (size_t)(p - s), "error")) != NULL) {
            err_word = word_at(s, n, (size_t)(p - s), 5, "s");
            p += 5;
        }
    }
    if (has(&k, KW_FAIL) && !fail_word) {
        const unsigned char *p = s + k.pos[KW_FAIL] + 4;
        while (!fail_word && (p = find(p, n - (size_t)(p - s), "fail")) != NULL) {
            fail_word = word_at(s, n, (size_t)(p - s), 4, "ed,ure,ures,ing,s");
            p += 4;
        }
    }

    /* ---- benign lines ---- */
    int zero_summary = (find(s, n, "failures: 0") || find(s, n, " 0 failed") ||
                        find(s, n, " 0 errors") || find(s, n, "errors: 0") ||
                        starts_with_ci(s, n, "0 errors") || find(s, n, "error(s): 0")) &&
                       !nonzero_after(s, n, "failures:") && !nonzero_after(s, n, "errors:");
    {
        size_t b = 0;
        while (b < n && (s[b] == ' ' || s[b] == '\t'))
            b++;
        /* test runners' success lines: "PASS [0.01s] x", "ok  pkg 0.2s", "✓ renders" */
        if ((starts_with(orig + b, n - b, "PASS ") || starts_with(orig + b, n - b, "PASS\t") ||
             starts_with(s + b, n - b, "ok ") || starts_with(s + b, n - b, "\xe2\x9c\x93") ||
             starts_with(s + b, n - b, "\xe2\x88\x9a")) &&
            !fail_word) {
            hit->noise = 1;
            return;
        }
    }
    if (find(s, n, "level=debug") || find(s, n, "level=info") || find(s, n, "level=trace") ||
        starts_with(s, n, "##[debug]")) {
        hit->noise = 1;
        return;
    }
    if ((mvn_warn || gha_warn) && !err_word && !has(&k, KW_EXCEPTION)) {
        hit->noise = 1;
        return;
    }
    if (has(&k, KW_WARN) && !err_word && !fail_word && !has(&k, KW_EXCEPTION) &&
        !find(s, n, "style issue") && !lint_code(s, n)) {
        hit->noise = 1;
        return;
    }

    /* ---- strong, specific evidence ---- */
    if (err_word && compiler_location(s, n))
        set(hit, WF_LOGS_KIND_COMPILER, 3.0f);
    if (mvn_error && find(s, n, ".java:[") && !find(s, n, "tests run"))
        set(hit, WF_LOGS_KIND_COMPILER, 2.6f);
    if (starts_with_ci(s, n, "error[e") || (err_word && find(s, n, "error ts")))
        set(hit, WF_LOGS_KIND_COMPILER, 3.0f);
    if ((has(&k, KW_CANNOT) && has(&k, KW_SYMBOL)) || find(s, n, "undefined reference to") ||
        find(s, n, "compilation failure") || find(s, n, "compilation error") ||
        find(s, n, "could not compile") || find(s, n, "symbol(s) not found"))
        set(hit, WF_LOGS_KIND_COMPILER, 2.5f);
    if (has(&k, KW_UNDEFINED) && find(s, n, ": undefined:") && compiler_location(s, n))
        set(hit, WF_LOGS_KIND_COMPILER, 2.5f); /* go build */
    if (has(&k, KW_SYNTAX) && (err_word || has(&k, KW_EXCEPTION)))
        set(hit, WF_LOGS_KIND_COMPILER, 2.2f);

    if (find(s, n, "<<< failure!") || find(s, n, "<<< error!") || find(s, n, "--- fail:") ||
        (has(&k, KW_ASSERT) && (err_word || error_class || has(&k, KW_FAIL) ||
                                has(&k, KW_EXCEPTION) || starts_with(orig, n, "E   "))) ||
        (has(&k, KW_EXPECTED) && (has(&k, KW_BUTWAS) || find(s, n, "but got") ||
                                  find(s, n, "received") || find(s, n, "actual"))) ||
        nonzero_after(s, n, "failures:") || find(s, n, "there are test failures") ||
        find(s, n, "tests failed") || find(s, n, "test failed") ||
        (has(&k, KW_EXITCODE) && find(s, n, "no tests found")) ||
        (fail_word && (find(s, n, "test") || find(s, n, "spec") || find(s, n, "::"))) ||
        starts_with(orig, n, "FAILED ") || starts_with(orig, n, "FAIL "))
        set(hit, WF_LOGS_KIND_TEST, zero_summary ? 0.0f : 2.5f);

    if (has(&k, KW_PANIC) && (find(s, n, "panic:") || find(s, n, "panicked at")))
        set(hit, WF_LOGS_KIND_STACK, 2.5f);
    if (has(&k, KW_TRACEBACK) && find(s, n, "most recent call"))
        set(hit, WF_LOGS_KIND_STACK, 2.0f);
    if (((has(&k, KW_EXCEPTION) && word_start(s, 0)) || error_class) && !mvn_info)
        set(hit, WF_LOGS_KIND_STACK, cont == 2 ? 1.6f : 2.0f);
    if (has(&k, KW_SEGV) || has(&k, KW_CORE))
        set(hit, WF_LOGS_KIND_STACK, 2.5f);

    if (has(&k, KW_OOM) || has(&k, KW_OOM2) || has(&k, KW_HEAPLIMIT) || has(&k, KW_NOSPACE) ||
        has(&k, KW_ENOSPC) || (has(&k, KW_KILLED) && (n < 40 || find(s, n, "signal"))) ||
        (has(&k, KW_EXCEEDED) && (find(s, n, "time") || find(s, n, "memory"))) ||
        (has(&k, KW_TIMEDOUT) && !find(s, n, "connect") && !find(s, n, "read timed")) ||
        (has(&k, KW_TIMEOUT) && (err_word || fail_word || has(&k, KW_EXCEEDED))) ||
        (has(&k, KW_CANCEL) && find(s, n, "operation was cancel")) || find(s, n, "exit code 137") ||
        find(s, n, "no output has been received"))
        set(hit, WF_LOGS_KIND_RESOURCE, 2.5f);

    if ((has(&k, KW_DENIED) &&
         (has(&k, KW_PERMISSION) || find(s, n, "access") || find(s, n, "publickey"))) ||
        has(&k, KW_UNAUTH) || (has(&k, KW_FORBIDDEN) && (err_word || find(s, n, "403"))) ||
        (has(&k, KW_AUTHN) && (fail_word || has(&k, KW_ERROR) || find(s, n, "required"))) ||
        (has(&k, KW_CREDENTIAL) && (fail_word || err_word || has(&k, KW_INVALID) ||
                                    has(&k, KW_NOTFOUND) || has(&k, KW_COULDNOT))) ||
        find(s, n, "not accessible by integration") || find(s, n, "input required and not supp") ||
        (has(&k, KW_FATAL) && (find(s, n, "dubious ownership") || find(s, n, "unsafe repository"))))
        set(hit, WF_LOGS_KIND_PERMISSION, 2.5f);

    if (has(&k, KW_REFUSED) || has(&k, KW_RESET) || has(&k, KW_ECONNRESET) ||
        has(&k, KW_ETIMEDOUT) || has(&k, KW_RESOLVEHOST) || has(&k, KW_NAMERES) ||
        (has(&k, KW_UNREACH) && find(s, n, "network")) || has(&k, KW_RATELIMIT) ||
        find(s, n, "socket hang up") || find(s, n, "tls handshake") ||
        find(s, n, "service unavailable") || find(s, n, "bad gateway") ||
        find(s, n, "read timed out") || find(s, n, "failed to connect") ||
        find(s, n, "connection timed out"))
        set(hit, WF_LOGS_KIND_NETWORK, 2.6f);

    if (has(&k, KW_NPMERR) || find(s, n, "err_pnpm") ||
        (has(&k, KW_COULDNOT) && !has(&k, KW_RESOLVEHOST) &&
         (has(&k, KW_RESOLVE) || find(s, n, "find artifact") || find(s, n, "find a version") ||
          find(s, n, "transfer"))) ||
        (has(&k, KW_DEPENDENC) && (fail_word || err_word)) ||
        find(s, n, "no matching distribution") || find(s, n, "unable to locate package") ||
        find(s, n, "failed to select a version") || find(s, n, "missing go.sum") ||
        find(s, n, "resolutionimpossible") || find(s, n, "eresolve") ||
        find(s, n, "no matching version") || find(s, n, "modulenotfounderror") ||
        find(s, n, "could not find module") || find(s, n, "cannot find module") ||
        find(s, n, "unable to resolve dependency"))
        set(hit, WF_LOGS_KIND_DEPENDENCY, 2.5f);

    if (has(&k, KW_SOLVE) || (has(&k, KW_DOCKERFILE) && (err_word || fail_word)) ||
        find(s, n, "executor failed running") || find(s, n, "copy failed") ||
        has(&k, KW_PULLACCESS) || find(s, n, "manifest unknown") ||
        find(s, n, "did not complete successfully"))
        set(hit, WF_LOGS_KIND_DOCKER, 2.5f);

    if ((has(&k, KW_WORKFLOW) && (has(&k, KW_INVALID) || find(s, n, "not valid"))) ||
        (has(&k, KW_INVALID) && (find(s, n, "configuration") || find(s, n, "config file"))) ||
        (has(&k, KW_YAML) && (err_word || has(&k, KW_INVALID))) ||
        find(s, n, "unable to resolve action") || find(s, n, "no such dsl method") ||
        (has(&k, KW_UNEXPECTED) && find(s, n, "unexpected value")))
        set(hit, WF_LOGS_KIND_CONFIG, 2.5f);

    if (lint_code(s, n) || has(&k, KW_REFORMAT) || has(&k, KW_DIFFIN) ||
        (has(&k, KW_OFFENSE) && find(s, n, "detected")) ||
        (has(&k, KW_PRETTIER) && (find(s, n, "forgot to run") || find(s, n, "issues"))) ||
        (has(&k, KW_LINT) && (err_word || fail_word || has(&k, KW_VIOLATION))) ||
        (has(&k, KW_VIOLATION) && (err_word || fail_word || find(s, n, "checkstyle"))) ||
        find(s, n, "would reformat") || find(s, n, "code style issues") ||
        (find(s, n, " problems (") && find(s, n, " error")))
        set(hit, WF_LOGS_KIND_LINT, 2.2f);

    /* ---- build tool summaries and exits ---- */
    if (find(s, n, "build failure") || find(s, n, "build failed") ||
        find(s, n, "marked build as failure"))
        set(hit, WF_LOGS_KIND_BUILD, 1.0f);
    if (find(s, n, "failed to execute goal") || find(s, n, "execution failed for task") ||
        has(&k, KW_WENTWRONG) || find(s, n, "make: ***") || find(s, n, "make[") ||
        find(s, n, "job failed") || (starts_with(orig, n, "> Task :") && fail_word) ||
        find(s, n, "npm err! lifecycle") || find(s, n, "unsuccessful"))
        set(hit, WF_LOGS_KIND_BUILD, 2.0f);
    if ((has(&k, KW_EXITCODE) || has(&k, KW_EXITSTATUS) || has(&k, KW_EXITED) ||
         has(&k, KW_NONZERO)) &&
        !find(s, n, "exit code 0") && !find(s, n, "exit status 0") &&
        !find(s, n, "exited with 0") && !find(s, n, "exited with code 0"))
        set(hit, WF_LOGS_KIND_EXIT, 1.6f);

    /* ---- generic ---- */
    if (mvn_info) {
        /* "[INFO] BUILD FAILURE" and the like are already scored; other
         * INFO lines that mention errors are summaries ("3 errors"). */
        if (hit->kind != WF_LOGS_KIND_BUILD)
            hit->score = 0, hit->kind = WF_LOGS_KIND_NONE;
        hit->noise = hit->score == 0;
        return;
    }
    if (gha_error && hit->kind == WF_LOGS_KIND_EXIT)
        hit->score = 2.0f; /* "##[error]Process completed with exit code 1." */
    else if (gha_error)
        set(hit, WF_LOGS_KIND_ERROR, 2.0f);
    if (err_word || has(&k, KW_FATAL) || (fail_word && !zero_summary) ||
        (has(&k, KW_EXCEPTION) && !mvn_info))
        set(hit, WF_LOGS_KIND_ERROR, mvn_error ? 1.2f : 1.5f);
    if ((has(&k, KW_COULDNOT) || has(&k, KW_CANNOT) || has(&k, KW_CANT) || has(&k, KW_UNABLE) ||
         has(&k, KW_NOSUCH) || has(&k, KW_NOTFOUND) || has(&k, KW_ABORT)) &&
        hit->score < 1.0f)
        set(hit, WF_LOGS_KIND_ERROR, 1.0f);
    if (mvn_error && hit->score < 0.6f)
        set(hit, WF_LOGS_KIND_ERROR, 0.6f);
    if (mvn_error)
        hit->cont = 1;
    if (zero_summary && hit->kind != WF_LOGS_KIND_COMPILER) {
        hit->score = 0;
        hit->kind = WF_LOGS_KIND_NONE;
        hit->noise = 1;
        return;
    }
    if (hit->score == 0 && (has(&k, KW_PASSED) || has(&k, KW_SUCCESS)))
        hit->noise = 1;
    if (hit->score == 0 && cont == 2)
        hit->kind = WF_LOGS_KIND_STACK;
}
