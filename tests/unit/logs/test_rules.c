/* SPDX-License-Identifier: Apache-2.0 */
/* The line rule table on real lines of real tools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "logs/logs.h"

#include <string.h>

struct row {
    const char *line;
    enum wf_logs_kind kind;
};

static struct wf_logs_hit match(const char *s)
{
    struct wf_logs_hit h;
    wf_logs_rules_match(s, strlen(s), &h);
    return h;
}

static void check_rows(const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct wf_logs_hit h = match(rows[i].line);
        if (h.kind != rows[i].kind || h.score < 1.0f) {
            print_error("line: %s\n  got kind %s score %.2f, want %s\n", rows[i].line,
                        wf_logs_kind_name(h.kind), h.score, wf_logs_kind_name(rows[i].kind));
            fail();
        }
    }
}

static void test_compilers(void **state)
{
    (void)state;
    static const struct row rows[] = {
        {"src/main.c:12:5: error: 'foo' undeclared (first use in this function)",
         WF_LOGS_KIND_COMPILER},
        {"/home/runner/work/x/lib/a.cpp:7:10: fatal error: 'boost/any.hpp' file not found",
         WF_LOGS_KIND_COMPILER},
        {"[ERROR] /builds/workspace/astor/src/main/java/fr/inria/main/Foo.java:[71,65] cannot "
         "find symbol",
         WF_LOGS_KIND_COMPILER},
        {"error[E0308]: mismatched types", WF_LOGS_KIND_COMPILER},
        {"src/app.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.",
         WF_LOGS_KIND_COMPILER},
        {"/usr/bin/ld: main.o: undefined reference to `bar'", WF_LOGS_KIND_COMPILER},
        {"./main.go:10:2: undefined: foo", WF_LOGS_KIND_COMPILER},
        {"error: could not compile `app` (bin \"app\") due to 2 previous errors",
         WF_LOGS_KIND_COMPILER},
        {"[ERROR] COMPILATION ERROR : ", WF_LOGS_KIND_COMPILER},
    };
    check_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_tests(void **state)
{
    (void)state;
    static const struct row rows[] = {
        {"[ERROR] Tests run: 10, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.036 s <<< "
         "FAILURE! - in org.apache.commons.lang3.time.DurationUtilsTest",
         WF_LOGS_KIND_TEST},
        {"FAILED tests/test_api.py::test_login - AssertionError: assert 401 == 200",
         WF_LOGS_KIND_TEST},
        {"--- FAIL: TestParse (0.00s)", WF_LOGS_KIND_TEST},
        {"ConsoleClientTest > testClassicParsing() FAILED", WF_LOGS_KIND_TEST},
        {"org.opentest4j.AssertionFailedError: expected: <true> but was: <false>",
         WF_LOGS_KIND_TEST},
        {"test tests::parses_header ... FAILED", WF_LOGS_KIND_TEST},
        {"E   AssertionError: assert 3 == 4", WF_LOGS_KIND_TEST},
        {"FAIL src/components/App.test.tsx", WF_LOGS_KIND_TEST},
        {"    expect(received).toBe(expected) // Object.is equality", WF_LOGS_KIND_TEST},
        {"Tests:       1 failed, 12 passed, 13 total", WF_LOGS_KIND_TEST},
    };
    check_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_environment_kinds(void **state)
{
    (void)state;
    static const struct row rows[] = {
        {"npm ERR! code ERESOLVE", WF_LOGS_KIND_DEPENDENCY},
        {"Error: Cannot find module 'express'", WF_LOGS_KIND_DEPENDENCY},
        {"ModuleNotFoundError: No module named 'requests'", WF_LOGS_KIND_DEPENDENCY},
        {"ERROR: No matching distribution found for torch==9.9.9", WF_LOGS_KIND_DEPENDENCY},
        {"[ERROR] Failed to execute goal on project app: Could not resolve dependencies for "
         "project com.x:app:jar:1.0",
         WF_LOGS_KIND_DEPENDENCY},
        {"ERROR: failed to solve: process \"/bin/sh -c npm ci\" did not complete successfully: "
         "exit code: 1",
         WF_LOGS_KIND_DOCKER},
        {"java.lang.OutOfMemoryError: Java heap space", WF_LOGS_KIND_RESOURCE},
        {"##[error]The job running on runner GitHub Actions 2 has exceeded the maximum execution "
         "time of 360 minutes.",
         WF_LOGS_KIND_RESOURCE},
        {"git@github.com: Permission denied (publickey).", WF_LOGS_KIND_PERMISSION},
        {"fatal: detected dubious ownership in repository at '/work'", WF_LOGS_KIND_PERMISSION},
        {"curl: (6) Could not resolve host: registry.example.com", WF_LOGS_KIND_NETWORK},
        {"npm ERR! network read ECONNRESET", WF_LOGS_KIND_NETWORK},
        {"Error: .github/workflows/ci.yml: Invalid workflow file", WF_LOGS_KIND_CONFIG},
        {"  12:5  error  'x' is defined but never used  no-unused-vars  (eslint lint)",
         WF_LOGS_KIND_LINT},
        {"./scripts/migrate.py:241:70: F841 local variable 'tmp' is assigned to but never used",
         WF_LOGS_KIND_LINT},
        {"src/a.py:3:1: E302 expected 2 blank lines, found 1", WF_LOGS_KIND_LINT},
        {"lib/a.rb:12:3: C: Style/StringLiterals: Prefer single-quoted strings", WF_LOGS_KIND_LINT},
        {"Dockerfile:40 SC2046 warning: Quote this to prevent word splitting.", WF_LOGS_KIND_LINT},
        {"[warn] Code style issues found in 3 files. Run Prettier with --write to fix.",
         WF_LOGS_KIND_LINT},
        {"would reformat src/app.py", WF_LOGS_KIND_LINT},
        {"This GitLab CI configuration is invalid: test job: chosen stage e2e does not exist",
         WF_LOGS_KIND_CONFIG},
        {"The workflow is not valid. .github/workflows/ci.yml (Line: 86, Col: 9): Unrecognized "
         "function",
         WF_LOGS_KIND_CONFIG},
    };
    check_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_stack_frames_are_continuations(void **state)
{
    (void)state;
    static const char *frames[] = {
        "\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:55)",
        "    at Object.<anonymous> (/app/src/x.test.js:12:5)",
        "\t... 4 more",
        "  File \"/tmp/x.py\", line 23, in <module>",
        "Caused by: java.nio.file.NoSuchFileException: ../data/x.log",
    };
    for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
        struct wf_logs_hit h = match(frames[i]);
        if (!h.cont) {
            print_error("not a continuation: %s\n", frames[i]);
            fail();
        }
    }
}

static void test_benign_lines(void **state)
{
    (void)state;
    static const char *benign[] = {
        "[INFO] Tests run: 5, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.02 s",
        "gcc -Wall -Werror -O2 -c main.c",
        "[WARNING] Using platform encoding (UTF-8 actually) to copy filtered resources",
        "Compiled with 0 errors and 2 warnings",
        "ConsoleClientTest > testOutput() PASSED",
        "cp error_page.html dist/",
        "Running testErrorHandling",
        "mocha --fail-fast --reporter dot",
        "onError: handler registered",
        "    PASS [   0.032s] (297/396) tokio-util::spawn_pinned cannot_create_zero_sized_pool",
        "[INFO] 3 errors ",
        "warning: unused variable 'x' [-Wunused-variable]",
    };
    for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
        struct wf_logs_hit h = match(benign[i]);
        if (h.score > 0.0f && !h.noise) {
            print_error("benign line scored %.2f (%s): %s\n", h.score, wf_logs_kind_name(h.kind),
                        benign[i]);
            fail();
        }
    }
}

static void test_maven_error_prefix(void **state)
{
    (void)state;
    /* bare [ERROR] lines extend blocks but are weak on their own */
    struct wf_logs_hit h = match("[ERROR] -> [Help 1]");
    assert_int_equal(h.cont, 1);
    assert_true(h.score > 0.0f && h.score < 1.0f);
    /* the prefix is not a reason to call a location a compiler error */
    h = match("[ERROR]   DurationUtilsTest.testOfConsumer:84 expected: <true> but was: <false>");
    assert_int_equal(h.kind, WF_LOGS_KIND_TEST);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(wf_logs_kind_name(WF_LOGS_KIND_COMPILER), "compiler");
    assert_string_equal(wf_logs_kind_name((enum wf_logs_kind)999), "none");
    assert_string_equal(wf_logs_flavor_name(WF_LOGS_FLAVOR_GITLAB), "gitlab");
    assert_non_null(wf_logs_kind_desc(WF_LOGS_KIND_STACK));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compilers),
        cmocka_unit_test(test_tests),
        cmocka_unit_test(test_environment_kinds),
        cmocka_unit_test(test_stack_frames_are_continuations),
        cmocka_unit_test(test_benign_lines),
        cmocka_unit_test(test_maven_error_prefix),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
