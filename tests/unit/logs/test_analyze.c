/* SPDX-License-Identifier: Apache-2.0 */
/* The analyzer: blocks, steps of each CI flavour, passing-log novelty,
 * signatures, bounded memory on long and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "logs/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void analyze(const char *log, const char *pass, struct wf_logs_result *r)
{
    struct wf_logs_opts o = {0};
    o.max_blocks = 5;
    assert_int_equal(wf_logs_analyze_buffer(log, strlen(log), pass, pass ? strlen(pass) : 0, &o, r),
                     WF_OK);
}

static void test_gcc_block_and_make(void **state)
{
    (void)state;
    static const char log[] = "cc -O2 -c util.c\n"                                 /* 1 */
                              "cc -O2 -c main.c\n"                                 /* 2 */
                              "main.c: In function 'main':\n"                      /* 3 */
                              "main.c:12:5: error: 'foo' undeclared (first use)\n" /* 4 */
                              "   12 |     foo = 1;\n"                             /* 5 */
                              "      |     ^~~\n"                                  /* 6 */
                              "make: *** [Makefile:7: main.o] Error 1\n"           /* 7 */
                              "all done\n"                                         /* 8 */
                              "cleanup\n"                                          /* 9 */
                              "more output\n"                                      /* 10 */
                              "and more\n";                                        /* 11 */
    struct wf_logs_result r;
    analyze(log, NULL, &r);
    assert_true(r.n_blocks >= 1);
    assert_int_equal(r.blocks[0].start_line, 4);
    assert_int_equal(r.blocks[0].end_line, 7);
    assert_int_equal(r.blocks[0].kind, WF_LOGS_KIND_COMPILER);
    assert_int_equal(r.blocks[0].key_lineno, 4);
    assert_non_null(strstr(r.blocks[0].text, "undeclared"));
    assert_int_equal(r.n_lines, 11);
    wf_logs_result_cleanup(&r);
}

static void test_stack_trace_grouped_with_header(void **state)
{
    (void)state;
    static const char log[] =
        "Running com.x.FooTest\n"
        "Tests run: 3, Failures: 1, Errors: 0, Skipped: 0 <<< FAILURE! - in com.x.FooTest\n"
        "testBar(com.x.FooTest)  Time elapsed: 0.01 sec  <<< FAILURE!\n"
        "java.lang.AssertionError: expected:<1> but was:<2>\n"
        "\tat org.junit.Assert.fail(Assert.java:88)\n"
        "\tat com.x.FooTest.testBar(FooTest.java:42)\n"
        "\n"
        "Results :\n";
    struct wf_logs_result r;
    analyze(log, NULL, &r);
    assert_true(r.n_blocks >= 1);
    assert_int_equal(r.blocks[0].start_line, 2);
    assert_int_equal(r.blocks[0].end_line, 6);
    assert_int_equal(r.blocks[0].kind, WF_LOGS_KIND_TEST);
    wf_logs_result_cleanup(&r);
}

static void test_github_steps(void **state)
{
    (void)state;
    static const char log[] = "2024-01-01T00:00:00.0000000Z ##[group]Run actions/checkout@v4\n"
                              "2024-01-01T00:00:00.0000000Z with:\n"
                              "2024-01-01T00:00:00.0000000Z   fail-on-error: true\n"
                              "2024-01-01T00:00:00.0000000Z ##[endgroup]\n"
                              "2024-01-01T00:00:01.0000000Z Fetching the repository\n"
                              "2024-01-01T00:00:02.0000000Z ##[group]Run npm test\n"
                              "2024-01-01T00:00:02.0000000Z npm test\n"
                              "2024-01-01T00:00:02.0000000Z ##[endgroup]\n"
                              "2024-01-01T00:00:03.0000000Z FAIL src/app.test.js\n"
                              "2024-01-01T00:00:03.0000000Z   expect(received).toBe(expected)\n"
                              "2024-01-01T00:00:03.0000000Z ##[error]Process completed with exit "
                              "code 1.\n";
    struct wf_logs_result r;
    analyze(log, NULL, &r);
    assert_int_equal(r.flavor, WF_LOGS_FLAVOR_GITHUB);
    assert_int_equal(r.n_steps, 2);
    assert_string_equal(r.steps[0].name, "Run actions/checkout@v4");
    assert_string_equal(r.steps[1].name, "Run npm test");
    assert_int_equal(r.failing_step, 1);
    assert_int_equal(r.steps[1].exit_code, 1);
    assert_int_equal(r.steps[1].start_line, 6);
    assert_int_equal(r.steps[1].end_line, 11);
    /* the inputs block of the checkout step ("fail-on-error") is not evidence */
    for (size_t i = 0; i < r.n_blocks; i++)
        assert_true(r.blocks[i].start_line > 4);
    wf_logs_result_cleanup(&r);
}

static void test_exit_status_pulls_in_output(void **state)
{
    (void)state;
    /* a check that prints no error word: its output before the exit status
     * is what explains the failure */
    static const char log[] = "##[group]Run yarn prettier-check\n"              /* 1 */
                              "yarn prettier-check\n"                           /* 2 */
                              "##[endgroup]\n"                                  /* 3 */
                              "$ node ./scripts/prettier/index.js\n"            /* 4 */
                              "  Please run yarn prettier-all and commit:\n"    /* 5 */
                              "\n"                                              /* 6 */
                              "src/a.js\n"                                      /* 7 */
                              "##[error]Process completed with exit code 1.\n"; /* 8 */
    struct wf_logs_result r;
    analyze(log, NULL, &r);
    assert_int_equal(r.n_blocks, 1);
    assert_int_equal(r.blocks[0].start_line, 4);
    assert_int_equal(r.blocks[0].end_line, 8);
    assert_non_null(strstr(r.blocks[0].text, "src/a.js"));
    assert_null(strstr(r.blocks[0].text, "##[endgroup]"));
    wf_logs_result_cleanup(&r);
}

static void test_gitlab_jenkins_travis_steps(void **state)
{
    (void)state;
    struct wf_logs_result r;
    analyze("section_start:1700000000:prepare_script\n"
            "Preparing\n"
            "section_end:1700000001:prepare_script\n"
            "section_start:1700000002:step_script\n"
            "$ make test\n"
            "tests/a_test.go:10: boom\n"
            "--- FAIL: TestA (0.00s)\n"
            "section_end:1700000003:step_script\n"
            "ERROR: Job failed: exit code 2\n",
            NULL, &r);
    assert_int_equal(r.flavor, WF_LOGS_FLAVOR_GITLAB);
    assert_int_equal(r.n_steps, 2);
    assert_string_equal(r.steps[1].name, "step_script");
    assert_int_equal(r.failing_step, 1);
    assert_int_equal(r.steps[1].exit_code, 2);
    wf_logs_result_cleanup(&r);

    analyze("[Pipeline] { (Checkout)\n"
            "ok\n"
            "[Pipeline] // stage\n"
            "[Pipeline] { (Build)\n"
            "error: linker command failed with exit code 1\n"
            "ERROR: script returned exit code 1\n"
            "[Pipeline] // stage\n",
            NULL, &r);
    assert_int_equal(r.flavor, WF_LOGS_FLAVOR_JENKINS);
    assert_int_equal(r.n_steps, 2);
    assert_string_equal(r.steps[1].name, "Build");
    assert_int_equal(r.failing_step, 1);
    wf_logs_result_cleanup(&r);

    analyze("travis_fold:start:install\n"
            "npm ci\n"
            "travis_fold:end:install\n"
            "npm test\n"
            "Error: Cannot find module 'left-pad'\n"
            "The command \"npm test\" exited with 1.\n",
            NULL, &r);
    assert_int_equal(r.flavor, WF_LOGS_FLAVOR_TRAVIS);
    assert_true(r.n_blocks >= 1);
    wf_logs_result_cleanup(&r);
}

static void test_passing_log_demotes_old_errors(void **state)
{
    (void)state;
    /* the same benign "error" line is in both logs; only the new one counts */
    static const char pass[] = "setup\n"
                               "Error: optional cache not found, continuing\n"
                               "run tests\n"
                               "all 12 tests passed\n";
    static const char fail[] = "setup\n"
                               "Error: optional cache not found, continuing\n"
                               "run tests\n"
                               "Error: connection refused while fetching fixtures\n"
                               "done\n";
    struct wf_logs_result r;
    analyze(fail, pass, &r);
    assert_int_equal(r.used_pass_log, 1);
    assert_true(r.n_blocks >= 1);
    assert_int_equal(r.blocks[0].start_line, 4);
    assert_true(r.blocks[0].n_new >= 1);
    if (r.n_blocks > 1)
        assert_true(r.blocks[1].score < r.blocks[0].score);
    wf_logs_result_cleanup(&r);
}

static void test_signature_stable_across_runs(void **state)
{
    (void)state;
    struct wf_logs_result a, b, c;
    analyze("2024-01-01T10:00:00Z step\n"
            "src/x.c:10:3: error: expected ';' before '}' token\n"
            "make: *** [Makefile:3: x.o] Error 1 (took 1.23s)\n",
            NULL, &a);
    analyze("2025-06-07T11:22:33Z step\n"
            "src/x.c:10:3: error: expected ';' before '}' token\n"
            "make: *** [Makefile:3: x.o] Error 1 (took 9.87s)\n",
            NULL, &b);
    analyze("step\n"
            "src/y.c:10:3: error: 'z' undeclared\n"
            "make: *** [Makefile:3: y.o] Error 1\n",
            NULL, &c);
    char sa[17], sb[17], sc[17];
    wf_logs_signature(&a, sa);
    wf_logs_signature(&b, sb);
    wf_logs_signature(&c, sc);
    assert_int_equal(strlen(sa), 16);
    assert_string_equal(sa, sb);
    assert_string_not_equal(sa, sc);
    wf_logs_result_cleanup(&a);
    wf_logs_result_cleanup(&b);
    wf_logs_result_cleanup(&c);
}

static void test_many_blocks_bounded(void **state)
{
    (void)state;
    /* 5000 separate error blocks: kept candidates stay capped */
    size_t n = 5000;
    char *log = malloc(n * 64);
    assert_non_null(log);
    size_t off = 0;
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(log + off, 64, "error: thing %zu broke\nok\nok\nok\nok\n", i);
    struct wf_logs_result r;
    struct wf_logs_opts o = {0};
    o.max_blocks = 64;
    assert_int_equal(wf_logs_analyze_buffer(log, off, NULL, 0, &o, &r), WF_OK);
    assert_true(r.n_blocks <= WF_LIMIT_BLOCKS);
    assert_true(r.n_blocks > 0);
    /* the last blocks of the log win ties: the end is where CI tools stop */
    assert_true(r.blocks[0].start_line > (n - 100) * 5);
    wf_logs_result_cleanup(&r);
    free(log);
}

static void test_garbage_and_empty(void **state)
{
    (void)state;
    struct wf_logs_result r;
    assert_int_equal(wf_logs_analyze_buffer("", 0, NULL, 0, NULL, &r), WF_OK);
    assert_int_equal(r.n_lines, 0);
    assert_int_equal(r.n_blocks, 0);
    assert_int_equal(r.failing_step, -1);
    wf_logs_result_cleanup(&r);
    unsigned char bin[4096];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < sizeof(bin); i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        bin[i] = (unsigned char)x;
    }
    assert_int_equal(wf_logs_analyze_buffer((const char *)bin, sizeof(bin), (const char *)bin,
                                            sizeof(bin), NULL, &r),
                     WF_OK);
    wf_logs_result_cleanup(&r);
}

static void test_alloc_failures_never_crash(void **state)
{
    (void)state;
    static const char log[] = "##[group]Run make\n##[endgroup]\n"
                              "a.c:1:1: error: x\n\tat foo(a.c:1)\n##[error]Process completed "
                              "with exit code 2.\n";
    for (long k = 0; k < 200; k++) {
        struct wf_logs_result r;
        wf_alloc_fail_after(k);
        int rc = wf_logs_analyze_buffer(log, strlen(log), log, strlen(log), NULL, &r);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK)
            wf_logs_result_cleanup(&r);
        else
            assert_true(rc == WF_ENOMEM || rc == WF_ETOOBIG);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcc_block_and_make),
        cmocka_unit_test(test_stack_trace_grouped_with_header),
        cmocka_unit_test(test_github_steps),
        cmocka_unit_test(test_exit_status_pulls_in_output),
        cmocka_unit_test(test_gitlab_jenkins_travis_steps),
        cmocka_unit_test(test_passing_log_demotes_old_errors),
        cmocka_unit_test(test_signature_stable_across_runs),
        cmocka_unit_test(test_many_blocks_bounded),
        cmocka_unit_test(test_garbage_and_empty),
        cmocka_unit_test(test_alloc_failures_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
