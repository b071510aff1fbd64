/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/learn: the feedback request parser (every kind, the
 * field named in each refusal, category aliases), the promotion rule at
 * its boundary, conflicting labels resolved from a real store (each
 * labeler's latest label counts once; majority; ties to the most recent),
 * agreement between labelers, the margin of a probability vector, and
 * drift histograms surviving their JSON form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "learn/learn.h"
#include "triage/triage.h"

static int parse(const char *body, struct wf_learn_feedback *fb, char *msg, size_t cap)
{
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_learn_feedback_parse(body, strlen(body), fb, &err);
    snprintf(msg, cap, "%s", err.p ? err.p : "");
    wf_buf_cleanup(&err);
    return rc;
}

static void test_parse(void **state)
{
    (void)state;
    static struct wf_learn_feedback fb;
    char msg[512];
    assert_int_equal(parse("{\"kind\":\"category\",\"failure_id\":42,\"category\":\"test\"}", &fb,
                           msg, sizeof msg),
                     WF_OK);
    assert_string_equal(fb.kind, "category");
    assert_int_equal(fb.failure_id, 42);
    assert_string_equal(fb.value, "test_failure"); /* first word of one category */
    assert_int_equal(parse("{\"kind\":\"helpful\",\"target\":\"failure\",\"target_id\":\"7\","
                           "\"helpful\":false,\"comment\":\"meh\"}",
                           &fb, msg, sizeof msg),
                     WF_OK);
    assert_int_equal(fb.failure_id, 7);
    assert_string_equal(fb.value, "no");
    assert_string_equal(fb.note, "meh");
    assert_int_equal(parse("{\"kind\":\"helpful\",\"target\":\"answer\",\"target_id\":\"c-1\","
                           "\"helpful\":true}",
                           &fb, msg, sizeof msg),
                     WF_OK);
    assert_int_equal(fb.failure_id, 0);
    assert_int_equal(parse("{\"kind\":\"resolution\",\"signature\":\"0123456789abcdef\","
                           "\"note\":\"n\",\"fix_commit\":\"ABCDEF1\"}",
                           &fb, msg, sizeof msg),
                     WF_OK);
    assert_int_equal(parse("{\"kind\":\"pr_outcome\",\"repo\":\"o/r\",\"number\":7,"
                           "\"outcome\":\"clean\"}",
                           &fb, msg, sizeof msg),
                     WF_OK);
    assert_int_equal(fb.number, 7);

    static const struct {
        const char *body;
        int rc;
        const char *field;
    } bad[] = {
        {"", WF_EFORMAT, "body"},
        {"[]", WF_EFORMAT, "body"},
        {"{\"kind\":1}", WF_EINVAL, "kind"},
        {"{\"kind\":\"nope\"}", WF_EINVAL, "kind"},
        {"{}", WF_EINVAL, "kind"},
        {"{\"kind\":\"category\",\"category\":\"test\"}", WF_EINVAL, "failure_id"},
        {"{\"kind\":\"category\",\"failure_id\":0,\"category\":\"test\"}", WF_EINVAL, "failure_id"},
        {"{\"kind\":\"category\",\"failure_id\":1.5,\"category\":\"test\"}", WF_EINVAL,
         "failure_id"},
        {"{\"kind\":\"category\",\"failure_id\":1,\"category\":\"t\"}", WF_EINVAL, "category"},
        {"{\"kind\":\"category\",\"failure_id\":1,\"category\":\"test\",\"extra\":1}", WF_EINVAL,
         "extra"},
        {"{\"kind\":\"helpful\",\"target\":\"failure\",\"target_id\":\"x\",\"helpful\":true}",
         WF_EINVAL, "target_id"},
        {"{\"kind\":\"helpful\",\"target\":\"answer\",\"target_id\":\"x\",\"helpful\":1}",
         WF_EINVAL, "helpful"},
        {"{\"kind\":\"resolution\",\"signature\":\"xyz\",\"note\":\"n\"}", WF_EINVAL, "signature"},
        {"{\"kind\":\"resolution\",\"signature\":\"0123456789abcdef\"}", WF_EINVAL, "note"},
        {"{\"kind\":\"pr_outcome\",\"repo\":\"noslash\",\"number\":1,\"outcome\":\"clean\"}",
         WF_EINVAL, "repo"},
        {"{\"kind\":\"pr_outcome\",\"repo\":\"o/r\",\"number\":\"1\",\"outcome\":\"clean\"}",
         WF_EINVAL, "number"},
        {"{\"kind\":\"category\",\"kind\":\"category\"}", WF_EFORMAT, "body"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i].body, &fb, msg, sizeof msg);
        if (rc != bad[i].rc || strncmp(msg, bad[i].field, strlen(bad[i].field)) != 0)
            fail_msg("%s: got %s '%s', want %s naming %s", bad[i].body, wf_errname(rc), msg,
                     wf_errname(bad[i].rc), bad[i].field);
    }
    /* too big */
    char big[WF_LEARN_FEEDBACK_BYTES + 16];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(parse(big, &fb, msg, sizeof msg), WF_ETOOBIG);
}

static void test_promote(void **state)
{
    (void)state;
    assert_true(wf_learn_promote(0.80, 0.80, 0.01));
    assert_true(wf_learn_promote(0.79, 0.80, 0.01)); /* exactly at the tolerance */
    assert_false(wf_learn_promote(0.7899, 0.80, 0.01));
    assert_true(wf_learn_promote(0.95, 0.80, 0.01));
    assert_false(wf_learn_promote(0.79, 0.80, 0.0));
    assert_false(wf_learn_promote(NAN, 0.80, 0.01));
    assert_false(wf_learn_promote(0.9, 0.80, -1));
}

static void test_margin(void **state)
{
    (void)state;
    double p[] = {0.1, 0.6, 0.25, 0.05};
    assert_true(fabs(wf_learn_margin(p, 4) - 0.35) < 1e-12);
    double tie[] = {0.4, 0.4, 0.2};
    assert_true(fabs(wf_learn_margin(tie, 3)) < 1e-12);
    assert_true(wf_learn_margin(p, 1) == 1.0);
}

static int64_t add_failure(struct wf_store *st, const char *sig)
{
    struct wf_store_failure f = {.tenant = "acme",
                                 .category = "unknown",
                                 .signature = sig,
                                 .report_json = "{}",
                                 .margin = 0.5};
    int64_t id = 0;
    assert_int_equal(wf_store_failure_put(st, &f, &id), WF_OK);
    return id;
}

static void label(struct wf_store *st, int64_t fid, const char *cat, const char *by, int64_t at)
{
    struct wf_store_label l = {.tenant = "acme",
                               .kind = "category",
                               .failure_id = fid,
                               .value = cat,
                               .by = by,
                               .created_ms = at};
    assert_int_equal(wf_store_label_put(st, &l, NULL), WF_OK);
}

static void test_resolved_and_agreement(void **state)
{
    (void)state;
    struct wf_store_opts o = {":memory:", 2, 0, 0};
    struct wf_store *st = NULL;
    assert_int_equal(wf_store_open(&o, &st, NULL), WF_OK);
    int64_t f1 = add_failure(st, "1111111111111111"), f2 = add_failure(st, "2222222222222222");
    int64_t f3 = add_failure(st, "3333333333333333"), f4 = add_failure(st, "4444444444444444");
    /* f1: a changed her mind (her latest counts once); b and c agree with her latest */
    label(st, f1, "test_failure", "a", 100);
    label(st, f1, "compile_error", "a", 200);
    label(st, f1, "compile_error", "b", 150);
    label(st, f1, "test_failure", "c", 160);
    /* f2: tie 1-1, the most recent label wins */
    label(st, f2, "lint_error", "a", 300);
    label(st, f2, "type_error", "b", 310);
    /* f3, f4: agreement */
    label(st, f3, "unknown", "a", 400);
    label(st, f3, "unknown", "b", 401);
    label(st, f4, "ci_config", "a", 500);
    label(st, f4, "ci_config", "b", 501);
    struct wf_learn_resolved *r = NULL;
    size_t n = 0;
    assert_int_equal(wf_learn_resolved_labels(st, "acme", &r, &n), WF_OK);
    assert_int_equal(n, 4);
    assert_int_equal(r[0].failure_id, f1);
    assert_int_equal(r[0].category, WF_TRIAGE_COMPILE_ERROR); /* 2 votes (a latest, b) to 1 */
    assert_int_equal(r[0].n_votes, 3);
    assert_true(r[0].conflict);
    assert_int_equal(r[1].category, WF_TRIAGE_TYPE_ERROR);
    assert_true(r[1].conflict);
    assert_int_equal(r[2].category, WF_TRIAGE_UNKNOWN);
    assert_false(r[2].conflict);
    wf_free(r);

    /* a and b share 4 failures: a = compile, lint, unknown, ci; b = compile, type, unknown, ci:
     * p_o = 3/4; each used 4 classes once: p_e = 3 * (1/4 * 1/4) = 3/16 (lint/type unmatched);
     * kappa = (3/4 - 3/16) / (1 - 3/16) = (9/16) / (13/16) = 9/13 */
    json_t *j = NULL;
    assert_int_equal(wf_learn_agreement(st, "acme", 2, &j), WF_OK);
    json_t *pairs = json_object_get(j, "pairs");
    assert_int_equal(json_array_size(pairs), 1); /* a-c and b-c share only f1 */
    json_t *p = json_array_get(pairs, 0);
    assert_int_equal(json_integer_value(json_object_get(p, "shared")), 4);
    assert_true(fabs(json_real_value(json_object_get(p, "kappa")) - 9.0 / 13.0) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(p, "observed")) - 0.75) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(j, "conflicts")), 2);
    json_t *overall = json_object_get(j, "overall");
    assert_true(fabs(json_real_value(json_object_get(overall, "kappa")) - 9.0 / 13.0) < 1e-9);
    json_decref(j);
    assert_int_equal(wf_learn_agreement(st, "acme", 5, &j), WF_OK);
    assert_int_equal(json_array_size(json_object_get(j, "pairs")), 0);
    assert_true(json_is_null(json_object_get(json_object_get(j, "overall"), "kappa")));
    json_decref(j);
    assert_int_equal(wf_learn_agreement(st, "beta", 1, &j), WF_OK); /* isolation */
    assert_int_equal(json_integer_value(json_object_get(j, "failures")), 0);
    json_decref(j);
    wf_store_close(st);
}

static void test_hist_json(void **state)
{
    (void)state;
    struct wf_learn_hist h, back;
    wf_learn_hist_init(&h);
    wf_learn_hist_add(&h, 0.95, 1000, 3, WF_TRIAGE_TEST_FAILURE);
    wf_learn_hist_add(&h, 0.15, 5e6, 0, WF_TRIAGE_UNKNOWN);
    assert_true(h.confidence[9] == 1 && h.confidence[1] == 1);
    assert_true(h.log_bytes[4] == 1); /* log10(1000) = 3 of 0..7 -> bin 4 */
    assert_true(h.log_bytes[9] == 1); /* log10(5e6) = 6.7 -> bin 9 */
    json_t *j = wf_learn_hist_json(&h);
    assert_int_equal(wf_learn_hist_parse(j, &back), WF_OK);
    assert_memory_equal(&h, &back, sizeof h);
    json_decref(j);
    json_t *bad = json_pack("{s:i}", "bins", 5);
    assert_int_equal(wf_learn_hist_parse(bad, &back), WF_EFORMAT);
    json_decref(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),     cmocka_unit_test(test_promote),
        cmocka_unit_test(test_margin),    cmocka_unit_test(test_resolved_and_agreement),
        cmocka_unit_test(test_hist_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
