/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the review rules: every rule fires on each of its positive
 * examples, and every rule's negative examples go through the whole table
 * without a finding. Then file types, test paths, the four writers (the
 * secret never appears), line numbers from a real diff and allocation
 * failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review/review.h"

/* Reviews example text (a rule-table example) into res. */
static void review_example(struct wf_reviewer *rv, const char *ex, struct wf_review_result *res)
{
    struct wf_buf diff, err;
    struct wf_risk_diff d;
    size_t line = 0;
    wf_buf_init(&diff, 1 << 24);
    wf_buf_init(&err, 4096);
    wf_risk_diff_init(&d);
    assert_int_equal(wf_review_example_diff(ex, &diff), WF_OK);
    int rc = wf_risk_diff_parse(diff.p, diff.len, &d, &line, &err);
    if (rc)
        fail_msg("example '%s': %s at line %zu", ex, err.p, line);
    wf_review_result_init(res);
    assert_int_equal(wf_review_run(rv, &d, res), WF_OK);
    wf_risk_diff_cleanup(&d);
    wf_buf_cleanup(&diff);
    wf_buf_cleanup(&err);
}

static void test_positives_fire(void **state)
{
    (void)state;
    struct wf_reviewer *rv;
    size_t n;
    const struct wf_review_rule *rules = wf_review_rules(&n);
    assert_int_equal(wf_review_new(NULL, &rv), WF_OK);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(rules[i].pos[0]);
        for (size_t k = 0; rules[i].pos[k]; k++) {
            struct wf_review_result res;
            int fired = 0;
            review_example(rv, rules[i].pos[k], &res);
            for (size_t f = 0; f < res.n; f++)
                fired |= res.items[f].rule == &rules[i];
            if (!fired)
                fail_msg("rule %s does not fire on '%s'", rules[i].id, rules[i].pos[k]);
            wf_review_result_cleanup(&res);
        }
    }
    wf_review_free(rv);
}

static void test_negatives_quiet(void **state)
{
    (void)state;
    struct wf_reviewer *rv;
    size_t n;
    const struct wf_review_rule *rules = wf_review_rules(&n);
    assert_int_equal(wf_review_new(NULL, &rv), WF_OK);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(rules[i].neg[0]);
        for (size_t k = 0; rules[i].neg[k]; k++) {
            struct wf_review_result res;
            review_example(rv, rules[i].neg[k], &res);
            if (res.n)
                fail_msg("negative '%s' of %s fires %s", rules[i].neg[k], rules[i].id,
                         res.items[0].rule->id);
            wf_review_result_cleanup(&res);
        }
    }
    wf_review_free(rv);
}

static void test_table_is_complete(void **state)
{
    (void)state;
    size_t n;
    const struct wf_review_rule *rules = wf_review_rules(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(rules[i].id);
        assert_non_null(rules[i].desc);
        assert_non_null(rules[i].message);
        assert_non_null(rules[i].hint);
        if (rules[i].kind == WF_REVIEW_K_PATTERN)
            assert_non_null(rules[i].pattern);
        if (rules[i].kind == WF_REVIEW_K_MATCH)
            assert_non_null(rules[i].match);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(rules[i].id, rules[k].id);
    }
}

static void test_file_types(void **state)
{
    (void)state;
    assert_int_equal(wf_review_file_type("src/a.c"), WF_REVIEW_FT_C);
    assert_int_equal(wf_review_file_type("web/x.tsx"), WF_REVIEW_FT_JS);
    assert_int_equal(wf_review_file_type(".github/workflows/ci.yml"), WF_REVIEW_FT_CI);
    assert_int_equal(wf_review_file_type("sub/.gitlab-ci.yml"), WF_REVIEW_FT_CI);
    assert_int_equal(wf_review_file_type("Jenkinsfile"), WF_REVIEW_FT_CI);
    assert_int_equal(wf_review_file_type("web/yarn.lock"), WF_REVIEW_FT_LOCK);
    assert_int_equal(wf_review_file_type("README.md"), 0);
    assert_int_equal(wf_review_file_type("Makefile"), 0);
    assert_true(wf_review_is_test_path("tests/unit/a.c"));
    assert_true(wf_review_is_test_path("pkg/a_test.go"));
    assert_true(wf_review_is_test_path("app/test_x.py"));
    assert_true(wf_review_is_test_path("web/a.spec.ts"));
    assert_true(wf_review_is_test_path("src/FooTest.java"));
    assert_false(wf_review_is_test_path("src/latest.c"));
    assert_false(wf_review_is_test_path("src/contest/a.c"));
}

static const char real_diff[] = "diff --git a/src/net.c b/src/net.c\n"
                                "index 1111111..2222222 100644\n"
                                "--- a/src/net.c\n"
                                "+++ b/src/net.c\n"
                                "@@ -10,3 +10,5 @@ int send(void)\n"
                                " int a;\n"
                                "+    char *k = \"ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\";\n"
                                " int b;\n"
                                "+    strc"
                                "py(d, s);\n"
                                " int c;\n";

static void test_lines_and_formats(void **state)
{
    (void)state;
    struct wf_reviewer *rv;
    struct wf_risk_diff d;
    struct wf_review_result res;
    struct wf_buf out;
    size_t line;
    assert_int_equal(wf_review_new(NULL, &rv), WF_OK);
    wf_risk_diff_init(&d);
    assert_int_equal(wf_risk_diff_parse(real_diff, strlen(real_diff), &d, &line, NULL), WF_OK);
    wf_review_result_init(&res);
    assert_int_equal(wf_review_run(rv, &d, &res), WF_OK);
    wf_risk_diff_cleanup(&d); /* findings outlive the diff */
    assert_int_equal(res.n, 3);
    assert_string_equal(res.items[0].rule->id, "secret");
    assert_string_equal(res.items[0].file, "src/net.c");
    assert_int_equal(res.items[0].line, 11);
    assert_int_equal(res.items[0].column, 16);
    assert_string_equal(res.items[1].rule->id, "c-dangerous-call");
    assert_int_equal(res.items[1].line, 13);
    assert_int_equal(res.items[1].column, 5);
    assert_string_equal(res.items[2].rule->id, "tests-missing");
    assert_int_equal(res.n_by_sev[WF_REVIEW_ERROR], 1);
    for (int fmt = WF_REVIEW_FMT_TEXT; fmt <= WF_REVIEW_FMT_RDJSON; fmt++) {
        wf_buf_init(&out, 1 << 20);
        assert_int_equal(wf_review_write(&res, (enum wf_review_format)fmt, &out), WF_OK);
        assert_null(strstr(out.p, "ghp_aBcD"));
        assert_non_null(strstr(out.p, "c-dangerous-call"));
        if (fmt == WF_REVIEW_FMT_TEXT)
            assert_non_null(strstr(out.p, "src/net.c:13:5: warning [c-dangerous-call]"));
        if (fmt == WF_REVIEW_FMT_SARIF)
            assert_non_null(strstr(out.p, "\"version\":\"2.1.0\""));
        if (fmt == WF_REVIEW_FMT_RDJSON)
            assert_non_null(strstr(out.p, "\"severity\":\"ERROR\""));
        wf_buf_cleanup(&out);
    }
    /* the writer's cap: all or nothing */
    wf_buf_init(&out, 64);
    assert_int_equal(wf_review_write(&res, WF_REVIEW_FMT_SARIF, &out), WF_ETOOBIG);
    assert_int_equal(out.len, 0);
    wf_buf_cleanup(&out);
    wf_review_result_cleanup(&res);
    wf_review_free(rv);
}

static void test_parse_names(void **state)
{
    (void)state;
    enum wf_review_format f;
    enum wf_review_severity s;
    assert_int_equal(wf_review_format_parse("rdjson", &f), WF_OK);
    assert_int_equal(f, WF_REVIEW_FMT_RDJSON);
    assert_int_equal(wf_review_format_parse("xml", &f), WF_EINVAL);
    assert_int_equal(wf_review_severity_parse("warning", &s), WF_OK);
    assert_int_equal(s, WF_REVIEW_WARNING);
    assert_int_equal(wf_review_severity_parse("fatal", &s), WF_EINVAL);
    struct wf_buf b;
    wf_buf_init(&b, 4096);
    assert_int_equal(wf_review_example_diff("a.c", &b), WF_EINVAL);
    assert_int_equal(wf_review_example_diff("a.c*x|y", &b), WF_EINVAL);
    wf_buf_cleanup(&b);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    int done = 0;
    for (long n = 0; !done && n < 20000; n++) {
        struct wf_reviewer *rv = NULL;
        struct wf_risk_diff d;
        struct wf_review_result res;
        size_t line;
        wf_risk_diff_init(&d);
        wf_review_result_init(&res);
        int prc = wf_risk_diff_parse(real_diff, strlen(real_diff), &d, &line, NULL);
        wf_alloc_fail_after(n);
        int rc = wf_review_new(NULL, &rv);
        if (rc == WF_OK) {
            if (prc == WF_OK)
                rc = wf_review_run(rv, &d, &res);
            wf_review_free(rv);
        }
        wf_alloc_fail_after(-1);
        assert_true(rc == WF_OK || rc == WF_ENOMEM);
        if (rc)
            assert_int_equal(res.n, 0);
        else if (prc == WF_OK)
            done = res.n == 3; /* every allocation succeeded */
        wf_review_result_cleanup(&res);
        wf_risk_diff_cleanup(&d);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positives_fire),    cmocka_unit_test(test_negatives_quiet),
        cmocka_unit_test(test_table_is_complete), cmocka_unit_test(test_file_types),
        cmocka_unit_test(test_lines_and_formats), cmocka_unit_test(test_parse_names),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
