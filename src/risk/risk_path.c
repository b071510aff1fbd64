/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a change touches, without git: the path classifier (tests, CI
 * configuration, migrations, auth/crypto code, lockfiles and manifests, code),
 * the fix-message matcher behind the FIX metric and SZZ, and the size and
 * diffusion metrics of a change (ns, nd, nf, entrophy, la, ld) computed from
 * its files. Pure functions over borrowed strings.
 */
#include "risk.h"

#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <string.h>
#include <strings.h>

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* 1 when a path component equals dir. */
static int has_dir(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    for (const char *p = path; (p = strstr(p, dir)) != NULL; p++)
        if ((p == path || p[-1] == '/') && p[n] == '/')
            return 1;
    return 0;
}

static int is_test(const char *path)
{
    static const char *const dirs[] = {"test",  "tests",   "__tests__", "spec",
                                       "specs", "testing", "e2e",       "testdata"};
    static const char *const parts[] = {"_test.", ".test.", ".spec.", "_spec.", "Test.", "Tests."};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if (has_dir(path, dirs[i]))
            return 1;
    const char *b = base_name(path);
    if (strncmp(b, "test_", 5) == 0 || strncmp(b, "test.", 5) == 0 || strncmp(b, "tests.", 6) == 0)
        return 1;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (strstr(b, parts[i]))
            return 1;
    return 0;
}

/* fnmatch(3) globs matched against the whole path ('*' crosses '/'). */
static const char *const ci_globs[] = {
    ".github/workflows/*", "*/.github/workflows/*", ".gitlab-ci.yml",          "*/.gitlab-ci.yml",
    ".gitlab-ci/*",        "Jenkinsfile",           "*/Jenkinsfile",           ".circleci/*",
    "azure-pipelines.yml", ".travis.yml",           "bitbucket-pipelines.yml", ".buildkite/*",
    ".drone.yml",          ".github/actions/*",
};

static const char *const migration_globs[] = {
    "migrations/*", "*/migrations/*", "migrate/*", "*/migrate/*", "alembic/*",  "*/alembic/*",
    "db/migrate/*", "*/db/migrate/*", "*.sql",     "flyway/*",    "*/flyway/*", "liquibase/*",
};

/* Path components (or base-name stems) that mark authentication,
 * authorisation and cryptography code. */
static const char *const auth_words[] = {
    "auth",     "authn",  "authz",  "oauth",       "login",       "session", "sessions", "password",
    "passwd",   "crypto", "cipher", "tls",         "ssl",         "jwt",     "token",    "tokens",
    "security", "acl",    "rbac",   "permissions", "credentials", "secrets", "keys",
};

static const struct {
    const char *lock, *manifest;
} lock_pairs[] = {
    {"package-lock.json", "package.json"}, {"yarn.lock", "package.json"},
    {"pnpm-lock.yaml", "package.json"},    {"npm-shrinkwrap.json", "package.json"},
    {"Cargo.lock", "Cargo.toml"},          {"poetry.lock", "pyproject.toml"},
    {"Pipfile.lock", "Pipfile"},           {"go.sum", "go.mod"},
    {"Gemfile.lock", "Gemfile"},           {"composer.lock", "composer.json"},
    {"uv.lock", "pyproject.toml"},         {"mix.lock", "mix.exs"},
};

static const char *const code_exts[] = {
    ".c",  ".h",   ".cc", ".cpp",  ".cxx",   ".hpp", ".hh",  ".py",  ".js",  ".jsx",
    ".ts", ".tsx", ".go", ".java", ".kt",    ".rs",  ".rb",  ".php", ".cs",  ".swift",
    ".m",  ".mm",  ".sh", ".lua",  ".scala", ".ex",  ".exs", ".pl",  ".sql", ".mjs",
};

const char *wf_risk_lock_manifest(const char *path)
{
    const char *b = base_name(path);
    for (size_t i = 0; i < sizeof(lock_pairs) / sizeof(lock_pairs[0]); i++)
        if (strcmp(b, lock_pairs[i].lock) == 0)
            return lock_pairs[i].manifest;
    return NULL;
}

/* 1 when some component of path, or the base name up to its first '.',
 * '_' or '-', equals one of the words (case-insensitive). */
static int has_word(const char *path, const char *const *words, size_t n)
{
    const char *p = path;
    while (*p) {
        size_t len = strcspn(p, "/._-");
        for (size_t i = 0; i < n && len; i++)
            if (strlen(words[i]) == len && strncasecmp(p, words[i], len) == 0)
                return 1;
        p += len;
        if (*p)
            p++;
    }
    return 0;
}

unsigned wf_risk_path_class(const char *path)
{
    unsigned f = 0;
    const char *b = base_name(path);
    const char *dot = strrchr(b, '.');
    if (is_test(path))
        f |= WF_RISK_PATH_TEST;
    for (size_t i = 0; i < sizeof(ci_globs) / sizeof(ci_globs[0]); i++)
        if (fnmatch(ci_globs[i], path, 0) == 0)
            f |= WF_RISK_PATH_CI;
    for (size_t i = 0; i < sizeof(migration_globs) / sizeof(migration_globs[0]); i++)
        if (fnmatch(migration_globs[i], path, 0) == 0)
            f |= WF_RISK_PATH_MIGRATION;
    if (has_word(path, auth_words, sizeof(auth_words) / sizeof(auth_words[0])))
        f |= WF_RISK_PATH_AUTH;
    for (size_t i = 0; i < sizeof(lock_pairs) / sizeof(lock_pairs[0]); i++) {
        if (strcmp(b, lock_pairs[i].lock) == 0)
            f |= WF_RISK_PATH_LOCK;
        if (strcmp(b, lock_pairs[i].manifest) == 0)
            f |= WF_RISK_PATH_MANIFEST;
    }
    if (dot)
        for (size_t i = 0; i < sizeof(code_exts) / sizeof(code_exts[0]); i++)
            if (strcmp(dot, code_exts[i]) == 0)
                f |= WF_RISK_PATH_CODE;
    return f;
}

/* ---- Messages -------------------------------------------------------------- */

static int word_at(const char *s, size_t i, const char *w, size_t *end)
{
    size_t n = strlen(w);
    if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
        return 0;
    if (strncasecmp(s + i, w, n) != 0)
        return 0;
    if (isalnum((unsigned char)s[i + n]) || s[i + n] == '_')
        return 0;
    *end = i + n;
    return 1;
}

/* 1 when s[i..] is an issue reference: "#123" or "ABC-123". */
static int issue_ref(const char *s, size_t i)
{
    while (s[i] == ' ' || s[i] == ':')
        i++;
    if (s[i] == '#')
        return isdigit((unsigned char)s[i + 1]) != 0;
    size_t k = i;
    while (isupper((unsigned char)s[k]))
        k++;
    return k > i && s[k] == '-' && isdigit((unsigned char)s[k + 1]);
}

int wf_risk_is_fix_message(const char *msg)
{
    static const char *const words[] = {"fix",  "fixes",  "fixed",   "fixing", "bugfix", "bug",
                                        "bugs", "defect", "defects", "patch",  "hotfix"};
    static const char *const refs[] = {"closes",  "close",    "closed", "resolves",
                                       "resolve", "resolved", "issue"};
    if (!msg)
        return 0;
    for (size_t i = 0; msg[i]; i++) {
        size_t end;
        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
            if (word_at(msg, i, words[k], &end))
                return 1;
        for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++)
            if (word_at(msg, i, refs[k], &end) && issue_ref(msg, end))
                return 1;
    }
    return 0;
}

int wf_risk_szz_ignorable_line(struct wf_str line)
{
    size_t i = 0;
    while (i < line.len && isspace((unsigned char)line.p[i]))
        i++;
    if (i == line.len)
        return 1;
    const char *p = line.p + i;
    size_t n = line.len - i;
    if (p[0] == '#' || p[0] == ';' || p[0] == '*')
        return 1;
    if (n >= 2 && ((p[0] == '/' && (p[1] == '/' || p[1] == '*')) || (p[0] == '-' && p[1] == '-')))
        return 1;
    return 0;
}

/* ---- Size and diffusion metrics --------------------------------------------- */

static size_t prefix_len(const char *path, int top)
{
    const char *s = top ? strchr(path, '/') : strrchr(path, '/');
    return s ? (size_t)(s - path) : 0;
}

/* Distinct prefixes (top-level dir or parent dir) among files[0..n). */
static int count_prefixes(const struct wf_risk_change_file *files, size_t n, int top, size_t *out)
{
    struct wf_hset seen;
    int rc = WF_OK;
    wf_hset_init(&seen, WF_RISK_MAX_CHANGE_FILES);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len = prefix_len(files[i].path, top);
        rc = wf_hset_add(&seen, wf_hash64(files[i].path, len, 0x6e73), NULL);
    }
    *out = seen.count + (size_t)seen.has_zero;
    wf_hset_cleanup(&seen);
    return rc;
}

int wf_risk_change_size_metrics(const struct wf_risk_change_file *files, size_t n,
                                struct wf_risk_commit *c)
{
    size_t ns = 0, nd = 0;
    double la = 0, ld = 0, total, h = 0;
    int rc = count_prefixes(files, n, 1, &ns);
    if (!rc)
        rc = count_prefixes(files, n, 0, &nd);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        la += (double)files[i].added;
        ld += (double)files[i].deleted;
    }
    total = la + ld;
    for (size_t i = 0; i < n && total > 0; i++) {
        double p = (double)(files[i].added + files[i].deleted) / total;
        if (p > 0)
            h -= p * log2(p);
    }
    c->m[WF_RISK_NS] = (double)ns;
    c->m[WF_RISK_ND] = (double)nd;
    c->m[WF_RISK_NF] = (double)n;
    c->m[WF_RISK_ENTROPY] = h > 0 ? h : 0;
    c->m[WF_RISK_LA] = la;
    c->m[WF_RISK_LD] = ld;
    return WF_OK;
}

/* ---- Commit headers of a diff ------------------------------------------------- */

/* Appends the e-mail between '<' and '>' of a "Name <email>" value. */
static int take_email(const char *p, const char *end, struct wf_buf *email)
{
    const char *lt = memchr(p, '<', (size_t)(end - p));
    const char *gt = lt ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
    if (!gt || email->len)
        return WF_OK;
    return wf_buf_append(email, lt + 1, (size_t)(gt - lt - 1));
}

int wf_risk_diff_header(const char *text, size_t len, struct wf_buf *email, struct wf_buf *message)
{
    const char *p = text, *end = text + len;
    int rc = WF_OK;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n && le[-1] == '\r')
            n--;
        if ((n >= 11 && strncmp(p, "diff --git ", 11) == 0) ||
            (n >= 4 && strncmp(p, "--- ", 4) == 0))
            break; /* the first file: the header is over */
        if (n >= 8 && strncmp(p, "Author: ", 8) == 0)
            rc = take_email(p + 8, p + n, email);
        else if (n >= 6 && strncmp(p, "From: ", 6) == 0)
            rc = take_email(p + 6, p + n, email);
        else if (n >= 9 && strncmp(p, "Subject: ", 9) == 0)
            rc = wf_buf_append(message, p + 9, n - 9);
        else if (n >= 4 && strncmp(p, "    ", 4) == 0) {
            /* `git show` indents the message by four spaces */
            if (message->len)
                rc = wf_buf_putc(message, '\n');
            if (!rc)
                rc = wf_buf_append(message, p + 4, n - 4);
        }
        p = nl ? nl + 1 : end;
    }
    return rc;
}
