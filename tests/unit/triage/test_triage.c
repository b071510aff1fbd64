/* SPDX-License-Identifier: Apache-2.0 */
/* The triage pipeline: redaction, facts, classifier training, formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "triage/triage.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Secrets planted in a failing log appear nowhere in any output. */
static void test_planted_secrets_never_leave(void **state)
{
    (void)state;
    static const char *const secrets[] = {
        "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "hunter2hunter2",
        "s3cr3tPassw0rd",
        "AKIAIOSFODNN7EXAMPLE",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "jane.doe@example.com",
    };
    static const char log[] =
        "##[group]Run ./deploy.sh\n"
        "##[endgroup]\n"
        "+ export GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\n"
        "+ git clone https://deploy:s3cr3tPassw0rd@git.example.com/x.git\n"
        "error: deploy failed for jane.doe@example.com: password: hunter2hunter2 rejected\n"
        "AWS key AKIAIOSFODNN7EXAMPLE is not authorized to perform: s3:PutObject\n"
        "npm ERR! code E401 "
        "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n"
        "##[error]Process completed with exit code 1.\n";
    struct wf_triage_result r;
    assert_int_equal(wf_triage_buffer(NULL, log, strlen(log), log, 40, &r), WF_OK);
    assert_true(r.n_excerpt >= 1);
    struct wf_buf b;
    wf_buf_init(&b, 1 << 20);
    assert_int_equal(wf_triage_format_json(&r, &b), WF_OK);
    assert_int_equal(wf_triage_format_text(&r, &b), WF_OK);
    assert_int_equal(wf_triage_format_lines(&r, &b), WF_OK);
    for (size_t i = 0; i < r.n_facts; i++)
        assert_int_equal(wf_buf_puts(&b, r.facts[i].value), WF_OK);
    assert_int_equal(wf_buf_puts(&b, r.root_cause), WF_OK);
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (strstr(b.p, secrets[i])) {
            print_error("secret in the report: %s\n", secrets[i]);
            fail();
        }
    }
    assert_non_null(strstr(b.p, "[REDACTED:"));
    wf_buf_cleanup(&b);
    wf_triage_result_cleanup(&r);
}

static const char maven_fail[] =
    "[INFO] --- maven-surefire-plugin:3.0.0:test (default-test) @ app ---\n"
    "[INFO] Running com.example.CalcTest\n"
    "[ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.05 s <<< "
    "FAILURE! - in com.example.CalcTest\n"
    "[ERROR] com.example.CalcTest.testAdd  Time elapsed: 0.01 s  <<< FAILURE!\n"
    "org.opentest4j.AssertionFailedError: expected: <4> but was: <5>\n"
    "\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:55)\n"
    "\tat com.example.CalcTest.testAdd(CalcTest.java:21)\n"
    "\n"
    "[INFO] BUILD FAILURE\n"
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.0.0:test "
    "(default-test) on project app: There are test failures.\n"
    "[ERROR] password=SuperSecretValue123 leaked by a test\n";

static const struct wf_triage_fact *find_fact(const struct wf_triage_result *r,
                                              enum wf_triage_fact_type t, const char *value)
{
    for (size_t i = 0; i < r->n_facts; i++)
        if (r->facts[i].type == t && strstr(r->facts[i].value, value))
            return &r->facts[i];
    return NULL;
}

static void test_pipeline_facts_and_report(void **state)
{
    (void)state;
    struct wf_triage_result r;
    assert_int_equal(wf_triage_buffer(NULL, maven_fail, strlen(maven_fail), NULL, 0, &r), WF_OK);
    assert_true(r.n_excerpt >= 1);
    assert_non_null(r.failing_step);
    assert_non_null(strstr(r.failing_step, "maven-surefire-plugin"));
    assert_int_equal(strlen(r.signature), 16);
    assert_non_null(find_fact(&r, WF_TRIAGE_FACT_TEST, "CalcTest.testAdd"));
    const struct wf_triage_fact *loc = find_fact(&r, WF_TRIAGE_FACT_LOCATION, "CalcTest.java:21");
    assert_non_null(loc);
    assert_int_equal(loc->line, 7);
    assert_non_null(find_fact(&r, WF_TRIAGE_FACT_COMMAND, "maven-surefire-plugin:3.0.0:test"));
    assert_non_null(r.root_cause);
    assert_non_null(strstr(r.root_cause, "CalcTest"));
    assert_true(r.n_fix_steps >= 2);
    for (size_t i = 0; i < r.n_excerpt; i++)
        assert_null(strstr(r.excerpt[i].text, "SuperSecretValue123"));

    /* JSON: parses, has the documented fields and types */
    struct wf_buf b;
    wf_buf_init(&b, 1 << 20);
    assert_int_equal(wf_triage_format_json(&r, &b), WF_OK);
    json_error_t err;
    json_t *doc = json_loadb(b.p, b.len, 0, &err);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "schema_version")), 1);
    assert_true(json_is_string(json_object_get(doc, "category")));
    assert_true(json_is_real(json_object_get(doc, "confidence")));
    assert_string_equal(json_string_value(json_object_get(doc, "signature")), r.signature);
    assert_true(json_is_string(json_object_get(doc, "failing_step")));
    assert_true(json_is_string(json_object_get(doc, "root_cause")));
    assert_true(json_is_array(json_object_get(doc, "fix_steps")));
    assert_true(json_is_array(json_object_get(doc, "references")));
    json_t *ex = json_object_get(doc, "excerpt");
    assert_int_equal(json_array_size(ex), r.n_excerpt);
    json_t *e0 = json_array_get(ex, 0);
    assert_int_equal(json_integer_value(json_object_get(e0, "start_line")),
                     (json_int_t)r.excerpt[0].start_line);
    assert_true(json_is_string(json_object_get(e0, "text")));
    assert_true(json_is_string(json_object_get(e0, "kind")));
    json_decref(doc);
    assert_null(strstr(b.p, "SuperSecretValue123"));

    /* text and line ranges */
    wf_buf_reset(&b);
    assert_int_equal(wf_triage_format_text(&r, &b), WF_OK);
    assert_non_null(strstr(b.p, "Category:"));
    assert_non_null(strstr(b.p, r.signature));
    wf_buf_reset(&b);
    assert_int_equal(wf_triage_format_lines(&r, &b), WF_OK);
    assert_true(b.len > 1 && b.p[b.len - 1] == '\n');
    assert_true(b.p[0] >= '1' && b.p[0] <= '9');
    wf_buf_cleanup(&b);
    wf_triage_result_cleanup(&r);
}

static void test_empty_log_is_unknown(void **state)
{
    (void)state;
    struct wf_triage_result r;
    static const char log[] = "Cloning\nInstalling\nDone.\n";
    assert_int_equal(wf_triage_buffer(NULL, log, strlen(log), NULL, 0, &r), WF_OK);
    assert_int_equal(r.category, WF_TRIAGE_UNKNOWN);
    assert_int_equal(r.n_excerpt, 0);
    struct wf_buf b;
    wf_buf_init(&b, 1 << 20);
    assert_int_equal(wf_triage_format_lines(&r, &b), WF_OK);
    assert_string_equal(b.p, "\n");
    wf_buf_cleanup(&b);
    wf_triage_result_cleanup(&r);
}

static void test_streaming_equals_buffer(void **state)
{
    (void)state;
    struct wf_triage_result a, b;
    struct wf_triage *t;
    assert_int_equal(wf_triage_buffer(NULL, maven_fail, strlen(maven_fail), NULL, 0, &a), WF_OK);
    assert_int_equal(wf_triage_new(NULL, NULL, 0, &t), WF_OK);
    for (size_t i = 0; i < strlen(maven_fail); i += 3)
        assert_int_equal(wf_triage_feed(t, maven_fail + i,
                                        strlen(maven_fail) - i < 3 ? strlen(maven_fail) - i : 3),
                         WF_OK);
    assert_int_equal(wf_triage_finish(t, &b), WF_OK);
    wf_triage_free(t);
    assert_string_equal(a.signature, b.signature);
    assert_int_equal(a.category, b.category);
    assert_int_equal(a.n_excerpt, b.n_excerpt);
    assert_int_equal(a.excerpt[0].start_line, b.excerpt[0].start_line);
    wf_triage_result_cleanup(&a);
    wf_triage_result_cleanup(&b);
}

static void test_categories(void **state)
{
    (void)state;
    assert_int_equal(wf_triage_category_parse("compile_error"), WF_TRIAGE_COMPILE_ERROR);
    assert_int_equal(wf_triage_category_parse("test_assertion"), WF_TRIAGE_TEST_FAILURE);
    assert_int_equal(wf_triage_category_parse("snapshot_diff"), WF_TRIAGE_TEST_FAILURE);
    assert_int_equal(wf_triage_category_parse("github_actions_config"), WF_TRIAGE_CI_CONFIG);
    assert_int_equal(wf_triage_category_parse("nope"), -1);
    for (int c = 0; c < WF_TRIAGE__N_CATEGORIES; c++)
        assert_int_equal(wf_triage_category_parse(wf_triage_category_name(c)), c);
    const struct wf_ml_model *m;
    assert_int_equal(wf_triage_default_model(&m), WF_OK);
    assert_int_equal(m->n_classes, WF_TRIAGE__N_CATEGORIES);
}

static void test_train_small_corpus(void **state)
{
    (void)state;
    static const char corpus[] =
        "### category: compile_error\n"
        "src/a.c:1:2: error: 'x' undeclared\n"
        "### category: compile_error\n"
        "lib/b.c:9:1: error: expected ';' before 'return'\n"
        "### category: network_or_flaky\n"
        "curl: (6) Could not resolve host: example.com\n"
        "### category: network_or_flaky\n"
        "fatal: unable to access 'https://github.com/x/y/': Could not resolve host: github.com\n";
    const char *texts[] = {corpus};
    size_t lens[] = {strlen(corpus)}, n_ex, err_line;
    struct wf_ml_model *m = NULL;
    assert_int_equal(wf_triage_train(texts, lens, 1, "t1", &m, &n_ex, &err_line), WF_OK);
    assert_int_equal(n_ex, 4);
    struct wf_triage_opts o = {m, 0, NULL, NULL, NULL};
    struct wf_triage_result r;
    static const char log[] = "make\nsrc/z.c:3:4: error: 'q' undeclared\nmake: *** Error 1\n";
    assert_int_equal(wf_triage_buffer(&o, log, strlen(log), NULL, 0, &r), WF_OK);
    assert_int_equal(r.category, WF_TRIAGE_COMPILE_ERROR);
    assert_string_equal(r.model_version, "t1");
    wf_triage_result_cleanup(&r);
    wf_ml_model_free(m);

    /* cross-validation holds every record out once */
    struct wf_ml_confusion conf;
    assert_int_equal(wf_triage_cross_validate(texts, lens, 1, 2, &conf, &err_line), WF_OK);
    unsigned long total = 0;
    for (unsigned t = 0; t < conf.n_classes; t++)
        for (unsigned p = 0; p < conf.n_classes; p++)
            total += conf.counts[t][p];
    assert_int_equal(total, 4);
    assert_true(wf_ml_accuracy(&conf) >= 0.5);
    assert_int_equal(wf_triage_cross_validate(texts, lens, 1, 1, &conf, &err_line), WF_EINVAL);
    assert_int_equal(wf_triage_cross_validate(texts, lens, 1, 5, &conf, &err_line), WF_EEMPTY);

    /* malformed corpora name the line */
    static const char bad1[] = "\nsome text before any record\n### category: unknown\nx\n";
    static const char bad2[] = "### category: compile_error\nx\n### category: no_such\ny\n";
    texts[0] = bad1;
    lens[0] = strlen(bad1);
    assert_int_equal(wf_triage_train(texts, lens, 1, "t", &m, &n_ex, &err_line), WF_EFORMAT);
    assert_int_equal(err_line, 2);
    texts[0] = bad2;
    lens[0] = strlen(bad2);
    assert_int_equal(wf_triage_train(texts, lens, 1, "t", &m, &n_ex, &err_line), WF_EFORMAT);
    assert_int_equal(err_line, 3);
    texts[0] = "";
    lens[0] = 0;
    assert_int_equal(wf_triage_train(texts, lens, 1, "t", &m, &n_ex, &err_line), WF_EEMPTY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted_secrets_never_leave),
        cmocka_unit_test(test_pipeline_facts_and_report),
        cmocka_unit_test(test_empty_log_is_unknown),
        cmocka_unit_test(test_streaming_equals_buffer),
        cmocka_unit_test(test_categories),
        cmocka_unit_test(test_train_small_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
