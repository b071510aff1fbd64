/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The review rule table and what it needs: the matchers of rules a regex
 * states badly (commented-out code), the file-type classifier (extensions,
 * CI paths, lockfiles) and the test-path heuristic. Adding a rule costs one
 * row here; the engine (review_engine.c) runs every row the same way. Names
 * of banned C calls are split in string literals so the lint grep that bans
 * them in this code does not trip over the patterns that find them.
 */
#include "review.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

/* 1 when s[0..len) holds a run of `n` space-separated purely alphabetic
 * words: prose, not code. */
static int has_prose_run(const char *s, size_t len, int n)
{
    int run = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && s[i] == ' ')
            i++;
        size_t st = i;
        int alpha = 1;
        while (i < len && s[i] != ' ') {
            if (!isalpha((unsigned char)s[i]) && s[i] != ',' && s[i] != '\'')
                alpha = 0;
            i++;
        }
        if (i == st)
            break;
        run = alpha ? run + 1 : 0;
        if (run >= n)
            return 1;
    }
    return 0;
}

/* A comment line whose body parses like code: ends with ';', '{' or ')' and
 * holds an operator ('(' counts for ';' and '{' endings: a call statement). */
static int match_commented_code(const char *s, size_t len, unsigned ftype, size_t *col)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t start = i;
    if (ftype & (WF_REVIEW_FT_PY | WF_REVIEW_FT_SH)) {
        if (i >= len || s[i] != '#' || (i + 1 < len && s[i + 1] == '!'))
            return 0;
        while (i < len && s[i] == '#')
            i++;
    } else {
        if (i + 1 >= len || s[i] != '/' || s[i + 1] != '/')
            return 0;
        while (i < len && (s[i] == '/' || s[i] == '!'))
            i++;
    }
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t end = len;
    while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
        end--;
    if (end <= i)
        return 0;
    char last = s[end - 1];
    if (last != ';' && last != '{' && last != ')')
        return 0;
    int op = 0, paren = 0;
    for (size_t k = i; k < end; k++) {
        if (strchr("=<>+-*/&|!.", s[k]))
            op = 1;
        if (s[k] == '(')
            paren = 1;
    }
    if (!op && !(paren && last != ')'))
        return 0;
    if (has_prose_run(s + i, end - i, 3))
        return 0;
    *col = start + 1;
    return 1;
}

/* clang-format off */
static const struct wf_review_rule rules[] = {
    {"secret", WF_REVIEW_ERROR, 0, 0, WF_REVIEW_K_SECRET,
     "a credential (token, key, password) in an added line, as found by the redact rules",
     NULL, NULL, NULL,
     "possible secret in an added line",
     "remove it, rotate the credential and read it from the environment or a secret store",
     {"deploy/env.sh|export GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
      "app/config.py tests/test_config.py|DB_URL = \"postgres://app:s3cr3tPassw0rd@db.example.com/app\"",
      "deploy/id_ed25519|-----BEGIN OPENSSH PRIVATE KEY-----", NULL},
     {"docs/setup.md|Read the token from the environment, never from a file.", NULL}},
    {"c-dangerous-call", WF_REVIEW_WARNING, WF_REVIEW_FT_C, 0, WF_REVIEW_K_PATTERN,
     "C calls without a bound or with a shell: strc" "py, strc" "at, s" "printf, ge" "ts, system",
     "strcpy|strcat|sprintf|gets|system",
     "\\b(?:strc(?:py|at)|v?s" "printf|ge" "ts|system)\\s*\\(",
     NULL,
     "unbounded or shell-executing C call",
     "use snprintf, a length-checked copy or a growable buffer; run programs with posix_spawn/execve",
     {"src/copy.c|    strc" "py(dst, src);",
      "src/fmt.c|    s" "printf(buf, \"%d\", n);",
      "src/run.c|    if (system(cmd) != 0)", NULL},
     {"src/copy.c tests/test_copy.c|    snprintf(buf, sizeof(buf), \"%s\", src);",
      "src/io.c tests/test_io.c|    while (fgets(line, sizeof(line), f))",
      "src/sys.c tests/test_sys.c|    int n = filesystem_count(fs);", NULL}},
    {"sql-concat", WF_REVIEW_ERROR, WF_REVIEW_FT_CODE | WF_REVIEW_FT_LUA, 0, WF_REVIEW_K_PATTERN,
     "SQL built by concatenation or string formatting instead of bound parameters",
     "select|insert|update|delete|where",
     "(?i)(?:\\bf(\"|')(?:(?!\\1).)*?\\b(?:select|insert\\s+into|update|delete\\s+from)\\b"
     "(?:(?!\\1).)*?\\{"
     "|\"[^\"]*?\\b(?:select\\s.*?\\bfrom|insert\\s+into|update\\s+\\w+\\s+set|delete\\s+from"
     "|where)\\b[^\"]*\"\\s*(?:\\+|\\.\\.|%)\\s*[\\w(]"
     "|'[^']*?\\b(?:select\\s.*?\\bfrom|insert\\s+into|update\\s+\\w+\\s+set|delete\\s+from"
     "|where)\\b[^']*'\\s*(?:\\+|\\.\\.|%)\\s*[\\w(]"
     "|(?:sp" "rintf|format|printf)\\s*\\(\\s*\"[^\"]*\\b(?:select|insert|update|delete|where)\\b"
     "[^\"]*%[sdvq]"
     "|`[^`]*\\b(?:select|insert|update|delete|where)\\b[^`]*\\$\\{"
     "|[\"'][^\"']*\\b(?:select|insert|update|delete|where)\\b[^\"']*\\{\\w*\\}[^\"']*[\"']"
     "\\s*\\.format\\s*\\()",
     NULL,
     "SQL query built from strings: injection risk",
     "pass values as bound parameters (?, $1, %s with a parameter tuple), never in the query text",
     {"app/db.py|    q = \"SELECT * FROM users WHERE id = \" + user_id",
      "app/db.py|    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")",
      "store/db.go|\tq := fmt.Sprintf(\"DELETE FROM t WHERE id = %s\", id)",
      "db/q.lua|local q = \"UPDATE t SET a = 1 WHERE id = \" .. id",
      "app/db.py|    cur.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")", NULL},
     {"app/db.py tests/test_db.py|    cur.execute(\"SELECT * FROM users WHERE id = %s\", (uid,))",
      "app/log.py tests/test_log.py|    log.info(\"failed to update \" + name)", NULL}},
    {"shell-injection", WF_REVIEW_ERROR,
     WF_REVIEW_FT_PY | WF_REVIEW_FT_JS | WF_REVIEW_FT_GO | WF_REVIEW_FT_JAVA | WF_REVIEW_FT_SH |
         WF_REVIEW_FT_CI, 0, WF_REVIEW_K_PATTERN,
     "a shell command built from variables: os.system/subprocess(shell=True), exec with "
     "concatenation, eval/exec of $() or backticks",
     "system|popen|shell|exec|eval",
     "\\bos\\.(?:system|popen)\\s*\\(\\s*(?![\"'][^\"'{}]*[\"']\\s*\\))"
     "|\\bsubprocess\\.\\w+\\s*\\((?=.*\\bshell\\s*=\\s*True)\\s*(?![\"'][^\"'{}]*[\"']\\s*,)"
     "|\\bexec(?:Sync)?\\s*\\(\\s*(?:[\"'][^\"']*[\"']\\s*\\+|`[^`]*\\$\\{|\\w+\\s*\\+)"
     "|\\bexec\\.Command(?:Context)?\\s*\\((?:\\s*\\w+\\s*,)?\\s*\"(?:ba)?sh\"\\s*,\\s*\"-c\"\\s*,"
     "\\s*(?!\"[^\"]*\"\\s*\\))"
     "|\\b(?:eval|exec)\\s+[^#]*(?:\\$\\(|`)[^)`]*\\$"
     "|\\beval\\s+[\"']?\\$\\{?\\w",
     NULL,
     "shell command built from a variable: command injection risk",
     "pass an argument list without a shell (subprocess.run([...]), execFile, exec.Command(name, args...))",
     {"scripts/deploy.py|    os.system(\"rm -rf \" + path)",
      "tools/run.py|    subprocess.run(cmd, shell=True)",
      "web/run.js|  child_process.exec(\"git log \" + branch)",
      "ci/build.sh|eval \"$(echo $USER_CMD)\"", NULL},
     {"tools/run.py tests/test_run.py|    subprocess.run([\"git\", \"status\"], check=True)",
      "ci/build.sh|exec make \"$@\"",
      "tools/run.py tests/test_run.py|    os.system(\"make clean\")", NULL}},
    {"tls-verify-off", WF_REVIEW_ERROR, 0, 0, WF_REVIEW_K_PATTERN,
     "TLS certificate verification switched off (verify=False, InsecureSkipVerify, "
     "rejectUnauthorized: false, curl -k, CURLOPT_SSL_VERIFYPEER 0, wget --no-check-certificate)",
     "verify|insecure|rejectunauthorized|curl|no-check-certificate|unverified|strict-ssl|tls_reject",
     "\\bverify\\s*=\\s*False\\b|\\bInsecureSkipVerify\\s*:\\s*true\\b"
     "|\\brejectUnauthorized\\s*:\\s*false\\b"
     "|\\bcurl\\b.*?\\s(?:-[A-Za-z]*k[A-Za-z]*|--insecure)(?=\\s|$)"
     "|\\bCURLOPT_SSL_VERIFY(?:PEER|HOST)\\s*,\\s*(?:0+L?|false|FALSE)\\s*\\)"
     "|NODE_TLS_REJECT_UNAUTHORIZED\\s*[=:]\\s*[\"']?0"
     "|\\bssl\\._create_unverified_context\\b|--no-check-certificate"
     "|\\bstrict-ssl\\s*[=: ]\\s*false",
     NULL,
     "TLS certificate verification disabled",
     "keep verification on; trust a private CA with a CA bundle (verify=path, RootCAs, --cacert)",
     {"app/http.py|    r = requests.get(url, verify=False)",
      "svc/client.go|\t\tInsecureSkipVerify: true,",
      "web/api.js|  rejectUnauthorized: false,",
      "scripts/get.sh|curl -sSk https://example.com/install.sh | sh", NULL},
     {"app/http.py tests/test_http.py|    r = requests.get(url, verify=True, timeout=10)",
      "scripts/fetch.sh|curl -fsSL https://example.com/install.sh -o install.sh", NULL}},
    {"debug-print", WF_REVIEW_NOTE,
     WF_REVIEW_FT_PY | WF_REVIEW_FT_JS | WF_REVIEW_FT_GO | WF_REVIEW_FT_JAVA, WF_REVIEW_SKIP_TESTS,
     WF_REVIEW_K_PATTERN,
     "debug output left in code (console.log, print(, fmt.Println, System.out.println); test "
     "files are exempt",
     "console|print",
     "\\bconsole\\.(?:log|debug|dir|trace)\\s*\\(|^\\s*print\\s*\\(|\\bpprint\\s*\\("
     "|\\bfmt\\.Print(?:ln|f)?\\s*\\(|\\bSystem\\.(?:out|err)\\.print(?:ln|f)?\\s*\\(",
     NULL,
     "debug print added",
     "remove it or use the project's logger",
     {"web/app.js|  console.log(user)",
      "app/main.py|    print(\"debug\", x)",
      "cmd/main.go|\tfmt.Println(\"here\", v)",
      "src/Main.java|        System.out.println(x);", NULL},
     {"app/main.py tests/test_main.py|    logger.debug(\"loaded %d rows\", n)",
      "tests/test_main.py|    print(result)", NULL}},
    {"todo-added", WF_REVIEW_NOTE, 0, 0, WF_REVIEW_K_PATTERN,
     "a TODO, FIXME or XXX marker added",
     "todo|fixme|xxx",
     "\\b(?:TODO|FIXME|XXX)\\b",
     NULL,
     "TODO/FIXME/XXX added",
     "finish it before merging or track it in an issue and reference it",
     {"src/parse.c|    /* TODO: handle overflow */",
      "app/main.py|    # FIXME remove before release", NULL},
     {"src/parse.c tests/test_parse.c|    /* saturates on overflow */",
      "docs/card.md|Card numbers are shown as XXXX-XXXX-1234.", NULL}},
    {"commented-out-code", WF_REVIEW_NOTE,
     WF_REVIEW_FT_C | WF_REVIEW_FT_JS | WF_REVIEW_FT_GO | WF_REVIEW_FT_JAVA | WF_REVIEW_FT_PY |
         WF_REVIEW_FT_SH, 0, WF_REVIEW_K_MATCH,
     "a comment line that parses like code: ends with ';', '{' or ')' and holds an operator",
     "//|#", NULL, match_commented_code,
     "commented-out code added",
     "delete it: version control keeps the old code",
     {"src/main.c|    // free(buf);",
      "web/app.js|  // if (user.isAdmin()) {",
      "app/main.py|    # result = compute(x)", NULL},
     {"src/main.c tests/test_main.c|    // frees the buffer the caller passed in (see below)",
      "app/main.py tests/test_main.py|    # the retry loop (3 attempts)",
      "src/main.c tests/test_main.c|    // see parse()", NULL}},
    {"large-file", WF_REVIEW_WARNING, 0, 0, WF_REVIEW_K_LARGE,
     "more added lines in one file than the limit (default 500; lockfiles exempt)",
     NULL, NULL, NULL,
     "many lines added to one file",
     "split the change, or keep generated files out of the repository",
     {"src/gen.c*501|int x;", NULL},
     {"src/small.c*20 tests/test_small.c|int y = 1;", NULL}},
    {"binary-file", WF_REVIEW_WARNING, 0, 0, WF_REVIEW_K_BINARY,
     "a binary file added or changed",
     NULL, NULL, NULL,
     "binary file added or changed",
     "keep build outputs out of git; store large assets with Git LFS",
     {"assets/logo.png!", NULL},
     {"assets/logo.svg|<svg xmlns=\"http://www.w3.org/2000/svg\"/>", NULL}},
    {"ci-config-changed", WF_REVIEW_NOTE, WF_REVIEW_FT_CI, 0, WF_REVIEW_K_CI,
     "a CI configuration changed (.github/workflows, .gitlab-ci.yml, Jenkinsfile, ...)",
     NULL, NULL, NULL,
     "CI configuration changed",
     "have someone who owns the pipeline review it: it runs with the CI's secrets",
     {".github/workflows/ci.yml|      - run: make test",
      ".gitlab-ci.yml|  script: make",
      "Jenkinsfile|sh 'make'", NULL},
     {"docs/ci.md|The workflow runs make test.", NULL}},
    {"tests-missing", WF_REVIEW_WARNING, WF_REVIEW_FT_CODE, 0, WF_REVIEW_K_NO_TESTS,
     "code changed but no test file changed (one finding per diff)",
     NULL, NULL, NULL,
     "code changed without a test change",
     "add or update a test that covers the change",
     {"src/parse.c|int parse(void);", NULL},
     {"src/parse.c tests/unit/test_parse.c|int parse(void);",
      "web/app.ts web/app.spec.ts|export const x = 1;",
      "pkg/a.go pkg/a_test.go|var x = 1", NULL}},
    {"lockfile-without-manifest", WF_REVIEW_WARNING, WF_REVIEW_FT_LOCK, 0, WF_REVIEW_K_LOCKFILE,
     "a lockfile changed while its manifest did not (package-lock.json, yarn.lock, "
     "pnpm-lock.yaml / package.json; Cargo.lock / Cargo.toml; poetry.lock / pyproject.toml; "
     "go.sum / go.mod)",
     NULL, NULL, NULL,
     "lockfile changed without its manifest",
     "regenerate the lockfile from the manifest, or commit the manifest change with it",
     {"package-lock.json|    \"lockfileVersion\": 3,",
      "Cargo.lock|version = 3",
      "poetry.lock|[[package]]",
      "go.sum|golang.org/x/text v0.3.0/go.mod", NULL},
     {"package.json package-lock.json|    \"name\": \"app\",",
      "Cargo.toml Cargo.lock|version = \"0.1.0\"", NULL}},
};
/* clang-format on */

const struct wf_review_rule *wf_review_rules(size_t *n)
{
    *n = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

static const char *const sev_names[] = {"note", "warning", "error"};

const char *wf_review_severity_name(enum wf_review_severity s)
{
    return (unsigned)s < 3 ? sev_names[s] : "error";
}

int wf_review_severity_parse(const char *s, enum wf_review_severity *out)
{
    for (unsigned i = 0; i < 3; i++)
        if (strcmp(s, sev_names[i]) == 0) {
            *out = (enum wf_review_severity)i;
            return WF_OK;
        }
    return WF_EINVAL;
}

static const struct {
    const char *ext;
    unsigned type;
} exts[] = {
    {".c", WF_REVIEW_FT_C},       {".h", WF_REVIEW_FT_C},     {".cc", WF_REVIEW_FT_C},
    {".cpp", WF_REVIEW_FT_C},     {".cxx", WF_REVIEW_FT_C},   {".hpp", WF_REVIEW_FT_C},
    {".hh", WF_REVIEW_FT_C},      {".py", WF_REVIEW_FT_PY},   {".js", WF_REVIEW_FT_JS},
    {".jsx", WF_REVIEW_FT_JS},    {".mjs", WF_REVIEW_FT_JS},  {".cjs", WF_REVIEW_FT_JS},
    {".ts", WF_REVIEW_FT_JS},     {".tsx", WF_REVIEW_FT_JS},  {".go", WF_REVIEW_FT_GO},
    {".java", WF_REVIEW_FT_JAVA}, {".kt", WF_REVIEW_FT_JAVA}, {".sh", WF_REVIEW_FT_SH},
    {".bash", WF_REVIEW_FT_SH},   {".lua", WF_REVIEW_FT_LUA},
};

/* fnmatch(3) globs of CI configurations, matched against the whole path
 * ('*' crosses '/'). */
static const char *const ci_globs[] = {
    ".github/workflows/*", "*/.github/workflows/*", ".gitlab-ci.yml",          "*/.gitlab-ci.yml",
    ".gitlab-ci/*",        "Jenkinsfile",           "*/Jenkinsfile",           ".circleci/*",
    "azure-pipelines.yml", ".travis.yml",           "bitbucket-pipelines.yml", ".buildkite/*",
    ".drone.yml",
};

static const char *const lockfiles[] = {
    "package-lock.json", "yarn.lock",    "pnpm-lock.yaml", "npm-shrinkwrap.json", "Cargo.lock",
    "poetry.lock",       "Pipfile.lock", "go.sum",         "Gemfile.lock",        "composer.lock",
};

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

unsigned wf_review_file_type(const char *path)
{
    unsigned t = 0;
    const char *b = base_name(path);
    const char *dot = strrchr(b, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
            if (strcmp(dot, exts[i].ext) == 0)
                t |= exts[i].type;
    for (size_t i = 0; i < sizeof(ci_globs) / sizeof(ci_globs[0]); i++)
        if (fnmatch(ci_globs[i], path, 0) == 0)
            t |= WF_REVIEW_FT_CI;
    for (size_t i = 0; i < sizeof(lockfiles) / sizeof(lockfiles[0]); i++)
        if (strcmp(b, lockfiles[i]) == 0)
            t |= WF_REVIEW_FT_LOCK;
    return t;
}

int wf_review_is_test_path(const char *path)
{
    /* one classifier for the project: the risk model's path classes */
    return (wf_risk_path_class(path) & WF_RISK_PATH_TEST) != 0;
}
