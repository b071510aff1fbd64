/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From excerpt to explanation. Facts are pulled out of the top blocks with
 * small shape matchers (failing test names of surefire/pytest/jest/go/cargo,
 * file:line locations of compilers and stack frames, package coordinates of
 * dependency errors, the failing command or goal, the key message, the exit
 * code). The root cause paragraph and the fix steps are then written from a
 * per-category template that cites those facts, so every sentence points
 * back at a line of the log; nothing is invented when a fact is missing.
 */
#include "triage_int.h"

#include "text/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_FACTS 24u
#define FACT_BYTES 240u

struct ctx {
    struct wf_triage_result *r;
    struct wf_arena *arena;
    struct wf_triage_fact facts[MAX_FACTS];
    size_t n;
};

static int have(const struct ctx *c, enum wf_triage_fact_type t, const char *v, size_t len)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->facts[i].type == t && strlen(c->facts[i].value) == len &&
            memcmp(c->facts[i].value, v, len) == 0)
            return 1;
    return 0;
}

static int fact(struct ctx *c, enum wf_triage_fact_type t, const char *v, size_t len, size_t line)
{
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '.' ||
                   v[len - 1] == ':' || v[len - 1] == ','))
        len--;
    if (len == 0 || c->n >= MAX_FACTS || have(c, t, v, len))
        return WF_OK;
    if (len > FACT_BYTES)
        len = FACT_BYTES;
    /* the text was redacted before the analyzer saw it */
    char *copy = wf_arena_strndup(c->arena, v, len);
    if (!copy)
        return WF_ENOMEM;
    c->facts[c->n].type = t;
    c->facts[c->n].value = copy;
    c->facts[c->n].line = line;
    c->n++;
    return WF_OK;
}

static const char *first_fact(const struct ctx *c, enum wf_triage_fact_type t)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->facts[i].type == t)
            return c->facts[i].value;
    return NULL;
}

static const char *find(const char *s, size_t n, const char *needle)
{
    return wf_text_find_ci(s, n, needle);
}

static int idch(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == '$' || ch == ':' || ch == '/' || ch == '-' ||
           ch == '[' || ch == ']' || ch == '#' || ch == '>' || ch == '@';
}

/* Extent of the identifier-ish token starting at p. */
static size_t tok(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && idch(*q))
        q++;
    return (size_t)(q - p);
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* "path/file.ext:12" or "file.ext:[12,5]" or "(File.java:42)" or
 * `File "x.py", line 7`: returns 1 and the span of the location. */
static int location(const char *s, size_t n, const char **out, size_t *out_len)
{
    const char *end = s + n;
    const char *p = find(s, n, "File \"");
    if (p) {
        const char *q = memchr(p + 6, '"', (size_t)(end - p - 6));
        const char *ln = q ? find(q, (size_t)(end - q), ", line ") : NULL;
        if (ln) {
            const char *d = ln + 7;
            while (d < end && is_digit(*d))
                d++;
            *out = p + 6;
            *out_len = (size_t)(d - p - 6);
            return 1;
        }
    }
    for (const char *c = s; c + 1 < end; c++) {
        if (*c != ':' || !(is_digit(c[1]) || (c[1] == '[' && c + 2 < end && is_digit(c[2]))))
            continue;
        const char *b = c;
        while (b > s && b[-1] != ' ' && b[-1] != '(' && b[-1] != '\t' && b[-1] != '\'' &&
               b[-1] != '"')
            b--;
        const char *dot = memchr(b, '.', (size_t)(c - b));
        if (!dot || c - b < 3)
            continue;
        if (*b == '[')
            continue;
        const char *e = c + 1;
        while (e < end && (is_digit(*e) || *e == ':' || *e == '[' || *e == ',' || *e == ']'))
            e++;
        while (e > c && (e[-1] == ':' || e[-1] == ','))
            e--;
        *out = b;
        *out_len = (size_t)(e - b);
        return 1;
    }
    return 0;
}

/* Failing test names in the forms the common runners print. */
static int test_name(const char *s, size_t n, const char **out, size_t *out_len)
{
    const char *end = s + n, *p;
    if ((p = find(s, n, "--- FAIL: ")) != NULL) {
        *out = p + 10;
        *out_len = tok(*out, end);
        return *out_len > 0;
    }
    if (n > 7 && memcmp(s, "FAILED ", 7) == 0) {
        *out = s + 7;
        *out_len = tok(*out, end);
        return *out_len > 0;
    }
    if ((p = find(s, n, " <<< FAILURE!")) != NULL || (p = find(s, n, " <<< ERROR!")) != NULL) {
        /* "[ERROR] pkg.FooTest.testBar  Time elapsed: ..." or "Tests run: ... - in pkg.Foo" */
        const char *in = find(p, (size_t)(end - p), " - in ");
        if (in) {
            *out = in + 6;
            *out_len = tok(*out, end);
            return *out_len > 0;
        }
        const char *b = s;
        if (n > 8 && memcmp(s, "[ERROR] ", 8) == 0)
            b = s + 8;
        *out = b;
        *out_len = tok(b, end);
        return *out_len > 0 && !find(b, *out_len, "Tests");
    }
    if ((p = find(s, n, "() FAILED")) != NULL) {
        /* Gradle: "FooTest > testBar() FAILED" */
        const char *b = p;
        while (b > s && b[-1] != ' ')
            b--;
        const char *cls = s;
        while (cls < b && *cls == ' ')
            cls++;
        *out = cls;
        *out_len = (size_t)(p + 2 - cls);
        return 1;
    }
    if ((p = find(s, n, " ... FAILED")) != NULL && n > 5 && memcmp(s, "test ", 5) == 0) {
        *out = s + 5; /* cargo test */
        *out_len = (size_t)(p - s - 5);
        return 1;
    }
    if (s[0] == ' ' && (p = find(s, n, "\xe2\x97\x8f ")) != NULL) {
        *out = p + 4; /* jest "● Suite › test" */
        *out_len = (size_t)(end - p - 4);
        return *out_len > 0;
    }
    /* surefire summary "[ERROR]   FooTest.testBar:42 expected ..." */
    if (n > 10 && memcmp(s, "[ERROR]   ", 10) == 0 && is_digit(s[n - 1]) == 0) {
        const char *b = s + 10;
        size_t L = tok(b, end);
        const char *colon = memchr(b, ':', L);
        if (colon && memchr(b, '.', (size_t)(colon - b))) {
            *out = b;
            *out_len = (size_t)(colon - b);
            return 1;
        }
    }
    return 0;
}

/* Package coordinates of dependency errors. */
static int package(const char *s, size_t n, const char **out, size_t *out_len)
{
    static const char *const after[] = {
        "Could not find artifact ",
        "Could not resolve ",
        "No matching distribution found for ",
        "satisfies the requirement ",
        "Unable to locate package ",
        "failed to select a version for ",
        "404 Not Found - GET https://registry.npmjs.org/",
        "No matching version found for ",
        "Couldn't find package ",
        "Cannot find module ",
        "No module named ",
        "module ",
    };
    const char *end = s + n;
    for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
        const char *p = find(s, n, after[i]);
        if (!p)
            continue;
        p += strlen(after[i]);
        while (p < end && (*p == '\'' || *p == '"' || *p == '`'))
            p++;
        size_t L = 0;
        while (p + L < end && p[L] != ' ' && p[L] != '\'' && p[L] != '"' && p[L] != '`' &&
               p[L] != ',' && p[L] != ';')
            L++;
        /* "Could not resolve dependency:", "... resolve host": not a package */
        if (L >= 2 &&
            (wf_text_find_ci(p, L, "dependenc") == p || wf_text_find_ci(p, L, "host") == p))
            continue;
        if (L >= 2 && strcmp(after[i], "module ") != 0) {
            *out = p;
            *out_len = L;
            return 1;
        }
        if (L >= 2 && find(s, n, "go:")) {
            *out = p;
            *out_len = L;
            return 1;
        }
    }
    return 0;
}

static int command(const char *s, size_t n, const char **out, size_t *out_len)
{
    const char *end = s + n, *p;
    if ((p = find(s, n, "Failed to execute goal ")) != NULL) {
        *out = p + 23;
        *out_len = tok(*out, end);
        return *out_len > 0;
    }
    if ((p = find(s, n, "Execution failed for task '")) != NULL) {
        *out = p + 27;
        const char *q = memchr(*out, '\'', (size_t)(end - *out));
        *out_len = q ? (size_t)(q - *out) : 0;
        return *out_len > 0;
    }
    if ((p = find(s, n, "The command \"")) != NULL) {
        *out = p + 13;
        const char *q = memchr(*out, '"', (size_t)(end - *out));
        *out_len = q ? (size_t)(q - *out) : 0;
        return *out_len > 0;
    }
    if ((p = find(s, n, "process \"")) != NULL && find(s, n, "did not complete")) {
        *out = p + 9;
        const char *q = find(*out, (size_t)(end - *out), "\" did not");
        *out_len = q ? (size_t)(q - *out) : 0;
        return *out_len > 0;
    }
    if ((p = find(s, n, "make: *** [")) != NULL || (p = find(s, n, "make[")) != NULL) {
        const char *q = memchr(p, '[', (size_t)(end - p));
        q = q ? memchr(q + 1, '[', (size_t)(end - q - 1)) : NULL;
        if (!q)
            q = memchr(p, '[', (size_t)(end - p));
        if (q) {
            *out = q + 1;
            const char *e = memchr(*out, ']', (size_t)(end - *out));
            *out_len = e ? (size_t)(e - *out) : 0;
            return *out_len > 0;
        }
    }
    return 0;
}

static int specific(enum wf_logs_kind k)
{
    return !wf_logs_kind_is_generic(k) && k != WF_LOGS_KIND_NONE;
}

static const struct wf_logs_block *message_block(const struct wf_triage_result *r)
{
    for (size_t b = 0; b < r->logs.n_blocks && b < 3; b++)
        if (specific(r->logs.blocks[b].kind))
            return &r->logs.blocks[b];
    return r->logs.n_blocks ? &r->logs.blocks[0] : NULL;
}

static int extract(struct ctx *c)
{
    struct wf_triage_result *r = c->r;
    int rc = WF_OK;
    for (size_t b = 0; b < r->logs.n_blocks && b < 3 && !rc; b++) {
        const struct wf_logs_block *blk = &r->logs.blocks[b];
        const char *t = blk->text;
        size_t left = blk->text_len, line = blk->start_line;
        int locs = 0;
        while (left && !rc) {
            const char *nl = memchr(t, '\n', left);
            size_t L = nl ? (size_t)(nl - t) : left;
            const char *v;
            size_t vl;
            if (test_name(t, L, &v, &vl))
                rc = fact(c, WF_TRIAGE_FACT_TEST, v, vl, line);
            if (!rc && locs < 3 && location(t, L, &v, &vl) && !find(v, vl, "http")) {
                /* skip runner frames: JDK, junit, surefire, node internals */
                if (!find(t, L, "at java.") && !find(t, L, "at org.junit") &&
                    !find(t, L, "at sun.") && !find(t, L, "surefire") &&
                    !find(t, L, "node:internal") && !find(t, L, "jdk.internal")) {
                    rc = fact(c, WF_TRIAGE_FACT_LOCATION, v, vl, line);
                    locs++;
                }
            }
            if (!rc && package(t, L, &v, &vl))
                rc = fact(c, WF_TRIAGE_FACT_PACKAGE, v, vl, line);
            if (!rc && command(t, L, &v, &vl))
                rc = fact(c, WF_TRIAGE_FACT_COMMAND, v, vl, line);
            line++;
            left -= nl ? L + 1 : L;
            t += nl ? L + 1 : L;
        }
        /* the message comes from the best block with specific evidence:
         * a test or compiler line says more than "BUILD FAILURE" */
        if (!rc && blk == message_block(r)) {
            const char *k = blk->key_line;
            size_t kl = strlen(k);
            if (kl > 8 && memcmp(k, "[ERROR] ", 8) == 0)
                k += 8, kl -= 8;
            if (kl > 9 && memcmp(k, "##[error]", 9) == 0)
                k += 9, kl -= 9;
            rc = fact(c, WF_TRIAGE_FACT_MESSAGE, k, kl, blk->key_lineno);
        }
    }
    if (!rc && r->exit_code > 0) {
        char code[16];
        int L = snprintf(code, sizeof(code), "%d", r->exit_code);
        rc = fact(c, WF_TRIAGE_FACT_EXIT, code, (size_t)L, r->step_end);
    }
    return rc;
}

/* ---- prose ------------------------------------------------------------------ */

struct prose {
    struct ctx *c;
    struct wf_buf root;
    const char *steps[8];
    size_t n_steps;
    int err;
};

static void step(struct prose *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void step(struct prose *p, const char *fmt, ...)
{
    struct wf_buf b;
    va_list ap;
    if (p->n_steps >= sizeof(p->steps) / sizeof(p->steps[0]) || p->err)
        return;
    wf_buf_init(&b, 2048);
    va_start(ap, fmt);
    int rc = wf_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    char *s = rc ? NULL : wf_arena_strndup(p->c->arena, b.p ? b.p : "", b.len);
    wf_buf_cleanup(&b);
    if (!s) {
        p->err = rc ? rc : WF_ENOMEM;
        return;
    }
    p->steps[p->n_steps++] = s;
}

static void say(struct prose *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct prose *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!p->err)
        p->err = wf_buf_vappendf(&p->root, fmt, ap);
    va_end(ap);
}

static void write_prose(struct prose *p)
{
    struct wf_triage_result *r = p->c->r;
    struct ctx *c = p->c;
    const char *msg = first_fact(c, WF_TRIAGE_FACT_MESSAGE);
    const char *loc = first_fact(c, WF_TRIAGE_FACT_LOCATION);
    const char *test = NULL;
    int n_tests = 0;
    /* the most specific test name (method over class), and how many other
     * failing tests are not just a shorter form of it */
    for (size_t i = 0; i < c->n; i++)
        if (c->facts[i].type == WF_TRIAGE_FACT_TEST &&
            (!test || strlen(c->facts[i].value) > strlen(test)))
            test = c->facts[i].value;
    for (size_t i = 0; i < c->n; i++)
        if (c->facts[i].type == WF_TRIAGE_FACT_TEST && c->facts[i].value != test &&
            !strstr(test, c->facts[i].value))
            n_tests++;
    const char *pkg = first_fact(c, WF_TRIAGE_FACT_PACKAGE);
    const char *cmd = first_fact(c, WF_TRIAGE_FACT_COMMAND);
    const struct wf_logs_block *mb = message_block(r);
    size_t key_line = mb ? mb->key_lineno : 0;

    if (r->failing_step)
        say(p, "The step \"%s\" failed", r->failing_step);
    else
        say(p, "The job failed");
    if (r->exit_code > 0)
        say(p, " with exit code %d", r->exit_code);
    say(p, ": %s", wf_triage_category_desc(r->category));
    if (msg)
        say(p, " (line %zu: \"%s\")", key_line, msg);
    say(p, ".");

    switch (r->category) {
    case WF_TRIAGE_COMPILE_ERROR:
    case WF_TRIAGE_TYPE_ERROR:
        if (loc)
            say(p, " The first reported error is at %s.", loc);
        step(p, "Open %s and fix the reported error: %s",
             loc ? loc : "the file named in the excerpt", msg ? msg : "see the excerpt");
        step(p, "Build locally with the same toolchain version as CI to reproduce it before "
                "pushing.");
        step(p, "If the symbol or type comes from a dependency, check that its version matches "
                "the one the code was written against.");
        break;
    case WF_TRIAGE_TEST_FAILURE:
        if (test && n_tests)
            say(p, " Failing tests: %s and %d more.", test, n_tests);
        else if (test)
            say(p, " Failing test: %s.", test);
        if (loc)
            say(p, " The assertion is at %s.", loc);
        step(p, "Run %s locally and compare expected and actual values.",
             test ? test : "the failing test");
        if (loc)
            step(p, "Inspect %s: decide whether the code or the expectation is wrong.", loc);
        step(p, "If it passes locally, check for order dependence, time zones, locale or shared "
                "state between tests before retrying.");
        break;
    case WF_TRIAGE_LINT_ERROR:
        step(p,
             "Run the linter or formatter locally (the same command and config as CI) and "
             "apply its fixes%s%s.",
             loc ? ", starting at " : "", loc ? loc : "");
        step(p, "Commit the formatted files; do not silence the rule unless it is wrong for the "
                "codebase.");
        break;
    case WF_TRIAGE_DEPENDENCY_INSTALL:
        if (pkg)
            say(p, " The package involved is %s.", pkg);
        step(p,
             "Check that %s exists in the configured registry with that exact version and "
             "name.",
             pkg ? pkg : "the dependency named in the excerpt");
        step(p, "Refresh the lock file (and its checksum entries) and commit it.");
        step(p, "If the registry is private, check the credentials and mirror configuration of "
                "the CI job.");
        break;
    case WF_TRIAGE_PERMISSION_OR_SECRET:
        step(p, "Check that the secret or token the step uses is defined for this repository, "
                "branch and environment, and has not expired.");
        step(p, "Check the token's scopes or the job's permissions block for the operation that "
                "was denied.");
        step(p, "Remember that workflows triggered from forks do not receive secrets.");
        break;
    case WF_TRIAGE_CI_CONFIG:
        step(p, "Validate the CI configuration file locally (a linter for the workflow syntax) "
                "and fix the reported key or value.");
        step(p, "Check that every referenced action, image, template or tool exists at the "
                "given version.");
        break;
    case WF_TRIAGE_TIMEOUT_OR_OOM:
        step(p, "Find what grew: compare duration and memory with the last green run of the "
                "same job.");
        step(p, "Raise the job's timeout or memory limit only after ruling out a hang or leak; "
                "reduce parallelism (test forks, -j) if memory ran out.");
        step(p, "Free disk space on the runner (caches, docker images) if the disk filled up.");
        break;
    case WF_TRIAGE_DOCKER_BUILD:
        if (cmd)
            say(p, " The failing build instruction is: %s.", cmd);
        step(p,
             "Reproduce with docker build locally on the same Dockerfile and context; the "
             "failing instruction is %s.",
             cmd ? cmd : "in the excerpt");
        step(p, "Check that files COPY'd are in the build context (.dockerignore) and that base "
                "images and tags exist.");
        break;
    case WF_TRIAGE_NETWORK_OR_FLAKY:
        step(p, "Re-run the job: network errors to external services are often transient.");
        step(p, "If it recurs, add retries with backoff to the download step, or cache/mirror "
                "the dependency.");
        break;
    case WF_TRIAGE_INFRASTRUCTURE:
        step(p, "Re-run the job on a fresh runner; the failure is in the runner or CI service, "
                "not in the code.");
        step(p, "If it recurs, check the runner's health (disk, docker daemon, agent "
                "connectivity) or the CI provider's status page.");
        break;
    case WF_TRIAGE_UNKNOWN:
    default:
        step(p, "Read the excerpt around line %zu; no known failure pattern explains it.",
             key_line);
        step(p, "Re-run with verbose logging, or triage with --pass and a log of the last green "
                "run of the same job so new lines stand out.");
        break;
    }
    if (cmd && r->category != WF_TRIAGE_DOCKER_BUILD)
        step(p, "Re-run the failing command locally to confirm the fix: %s", cmd);
}

int wf_triage__explain(struct wf_triage_result *r)
{
    struct ctx c;
    struct prose p;
    memset(&c, 0, sizeof(c));
    memset(&p, 0, sizeof(p));
    c.r = r;
    c.arena = &r->logs.arena;
    int rc = extract(&c);
    if (rc)
        return rc;
    p.c = &c;
    wf_buf_init(&p.root, 8192);
    write_prose(&p);
    rc = p.err;
    char *root = rc ? NULL : wf_arena_strndup(c.arena, p.root.p ? p.root.p : "", p.root.len);
    wf_buf_cleanup(&p.root);
    if (!root)
        return rc ? rc : WF_ENOMEM;
    r->facts = wf_arena_alloc(c.arena, (c.n ? c.n : 1) * sizeof(*r->facts));
    r->fix_steps = wf_arena_alloc(c.arena, (p.n_steps ? p.n_steps : 1) * sizeof(*r->fix_steps));
    if (!r->facts || !r->fix_steps)
        return WF_ENOMEM;
    memcpy(r->facts, c.facts, c.n * sizeof(*r->facts));
    r->n_facts = c.n;
    memcpy(r->fix_steps, p.steps, p.n_steps * sizeof(*r->fix_steps));
    r->n_fix_steps = p.n_steps;
    r->root_cause = root;
    return WF_OK;
}
