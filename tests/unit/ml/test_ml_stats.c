/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the feedback-loop statistics against values worked out by
 * hand (docs/internals/ml.md shows the arithmetic): Cohen's kappa on the
 * textbook 2x2 tables, the label-resolution rule, PSI and Jensen-Shannon
 * on small histograms, and binning at the edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "ml/ml.h"

/* Expands a 2x2 table (yes/yes, yes/no, no/yes, no/no) into two rating arrays. */
static size_t table(int *a, int *b, int yy, int yn, int ny, int nn)
{
    size_t n = 0;
    for (int i = 0; i < yy; i++, n++)
        a[n] = 1, b[n] = 1;
    for (int i = 0; i < yn; i++, n++)
        a[n] = 1, b[n] = 0;
    for (int i = 0; i < ny; i++, n++)
        a[n] = 0, b[n] = 1;
    for (int i = 0; i < nn; i++, n++)
        a[n] = 0, b[n] = 0;
    return n;
}

static void test_kappa_textbook(void **state)
{
    (void)state;
    int a[100], b[100];
    double k = 0, po = 0;
    /* 50 items: p_o = 35/50 = 0.7; A says yes 25/50, B 30/50: p_e = .5*.6 + .5*.4 = 0.5;
     * kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4 */
    size_t n = table(a, b, 20, 5, 10, 15);
    assert_int_equal(wf_ml_cohen_kappa(a, b, n, 2, &k, &po), WF_OK);
    assert_true(fabs(po - 0.7) < 1e-12);
    assert_true(fabs(k - 0.4) < 1e-12);
    /* 100 items 45/15/25/15: p_o = 0.6, p_e = .6*.7 + .4*.3 = 0.54, kappa = .06/.46 */
    n = table(a, b, 45, 15, 25, 15);
    assert_int_equal(wf_ml_cohen_kappa(a, b, n, 2, &k, NULL), WF_OK);
    assert_true(fabs(k - 0.06 / 0.46) < 1e-12);
    /* 25/35/5/35: p_o = 0.6, p_e = .6*.3 + .4*.7 = 0.46, kappa = .14/.54 */
    n = table(a, b, 25, 35, 5, 35);
    assert_int_equal(wf_ml_cohen_kappa(a, b, n, 2, &k, NULL), WF_OK);
    assert_true(fabs(k - 0.14 / 0.54) < 1e-12);
    /* perfect agreement and systematic disagreement */
    n = table(a, b, 10, 0, 0, 10);
    assert_int_equal(wf_ml_cohen_kappa(a, b, n, 2, &k, NULL), WF_OK);
    assert_true(fabs(k - 1.0) < 1e-12);
    n = table(a, b, 0, 10, 10, 0);
    assert_int_equal(wf_ml_cohen_kappa(a, b, n, 2, &k, NULL), WF_OK);
    assert_true(fabs(k + 1.0) < 1e-12);
    /* both raters used one class throughout: p_e = 1, defined as full agreement */
    n = table(a, b, 7, 0, 0, 0);
    assert_int_equal(wf_ml_cohen_kappa(a, b, n, 2, &k, NULL), WF_OK);
    assert_true(fabs(k - 1.0) < 1e-12);
    /* three classes: a = 0 0 1 1 2 2, b = 0 1 1 1 2 0: p_o = 4/6; rows (2,2,2)/6,
     * columns (2,3,1)/6: p_e = (4+6+2)/36 = 1/3; kappa = (2/3 - 1/3) / (2/3) = 0.5 */
    int a3[] = {0, 0, 1, 1, 2, 2}, b3[] = {0, 1, 1, 1, 2, 0};
    assert_int_equal(wf_ml_cohen_kappa(a3, b3, 6, 3, &k, &po), WF_OK);
    assert_true(fabs(k - 0.5) < 1e-12);
    assert_true(fabs(po - 4.0 / 6.0) < 1e-12);
    /* bad input */
    assert_int_equal(wf_ml_cohen_kappa(a3, b3, 0, 3, &k, NULL), WF_EINVAL);
    assert_int_equal(wf_ml_cohen_kappa(a3, b3, 6, 2, &k, NULL), WF_EINVAL);
}

static void test_resolve_votes(void **state)
{
    (void)state;
    /* majority wins even when the minority label is newer */
    struct wf_ml_vote v1[] = {{3, 100}, {3, 200}, {5, 300}};
    assert_int_equal(wf_ml_resolve_votes(v1, 3, 12), 3);
    /* a tie goes to the class labelled most recently */
    struct wf_ml_vote v2[] = {{3, 100}, {5, 300}, {3, 250}, {5, 150}};
    assert_int_equal(wf_ml_resolve_votes(v2, 4, 12), 5);
    struct wf_ml_vote v3[] = {{3, 400}, {5, 300}};
    assert_int_equal(wf_ml_resolve_votes(v3, 2, 12), 3);
    /* a tie on time too: the lower class */
    struct wf_ml_vote v4[] = {{7, 10}, {2, 10}};
    assert_int_equal(wf_ml_resolve_votes(v4, 2, 12), 2);
    struct wf_ml_vote one[] = {{4, 1}};
    assert_int_equal(wf_ml_resolve_votes(one, 1, 12), 4);
    assert_int_equal(wf_ml_resolve_votes(one, 0, 12), -1);
    struct wf_ml_vote bad[] = {{12, 1}};
    assert_int_equal(wf_ml_resolve_votes(bad, 1, 12), -1);
}

static void test_psi(void **state)
{
    (void)state;
    /* (0.25 - 0.5) ln(0.25/0.5) + (0.75 - 0.5) ln(0.75/0.5) = 0.173287 + 0.101366 */
    double e[] = {50, 50}, a[] = {25, 75};
    assert_true(fabs(wf_ml_psi(e, a, 2) - 0.2746531) < 1e-6);
    /* counts are normalised: scale does not matter; identical shapes give 0 */
    double e2[] = {1, 1}, a2[] = {1, 3};
    assert_true(fabs(wf_ml_psi(e2, a2, 2) - 0.2746531) < 1e-6);
    double same[] = {3, 1, 6}, same2[] = {30, 10, 60};
    assert_true(fabs(wf_ml_psi(same, same2, 3)) < 1e-12);
    /* an empty bin is floored at 1e-4: (0.5 - 1e-4) ln(0.5/1e-4) + (1 - 0.5) ln(1/0.5)
     * = 0.4999 * 8.517193 + 0.5 * 0.693147 = 4.257745 + 0.346574 */
    double e3[] = {1, 1}, a3[] = {0, 1};
    assert_true(fabs(wf_ml_psi(e3, a3, 2) - 4.604319) < 1e-5);
    /* textbook ten-bin example: expected uniform, actual shifted by 2% in two bins:
     * 2 * 0.02 ln(0.12/0.10) ... = (0.02) ln(1.2) + (-0.02) ln(0.8) = 0.003646 + 0.004463 */
    double eu[10], au[10];
    for (int i = 0; i < 10; i++)
        eu[i] = au[i] = 10;
    au[0] = 12;
    au[9] = 8;
    assert_true(fabs(wf_ml_psi(eu, au, 10) - 0.0081094) < 1e-6);
    double empty[] = {0, 0};
    assert_true(wf_ml_psi(empty, a, 2) == 0);
}

static void test_js(void **state)
{
    (void)state;
    double p[] = {1, 1}, q[] = {1, 1};
    assert_true(fabs(wf_ml_js(p, q, 2)) < 1e-12);
    /* p = (.5, .5), q = (1, 0): m = (.75, .25); KL(p||m) = .5 log2(2/3) + .5 log2(2) =
     * 0.207519; KL(q||m) = log2(4/3) = 0.415037; JS = (0.207519 + 0.415037) / 2 = 0.311278
     * (the 1e-4 floor on q's empty bin moves this by < 1e-3) */
    double q2[] = {1, 0};
    assert_true(fabs(wf_ml_js(p, q2, 2) - 0.311278) < 1e-3);
    /* disjoint: close to the maximum 1 */
    double x[] = {1, 0}, y[] = {0, 1};
    assert_true(wf_ml_js(x, y, 2) > 0.99);
    assert_true(wf_ml_js(x, y, 2) <= 1.0);
    /* symmetric */
    assert_true(fabs(wf_ml_js(p, q2, 2) - wf_ml_js(q2, p, 2)) < 1e-12);
}

static void test_bin(void **state)
{
    (void)state;
    assert_int_equal(wf_ml_bin(0.0, 0, 1, 10), 0);
    assert_int_equal(wf_ml_bin(0.05, 0, 1, 10), 0);
    assert_int_equal(wf_ml_bin(0.1, 0, 1, 10), 1);
    assert_int_equal(wf_ml_bin(0.95, 0, 1, 10), 9);
    assert_int_equal(wf_ml_bin(1.0, 0, 1, 10), 9);
    assert_int_equal(wf_ml_bin(7.0, 0, 1, 10), 9);
    assert_int_equal(wf_ml_bin(-3.0, 0, 1, 10), 0);
    assert_int_equal(wf_ml_bin(NAN, 0, 1, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kappa_textbook),
        cmocka_unit_test(test_resolve_votes),
        cmocka_unit_test(test_psi),
        cmocka_unit_test(test_js),
        cmocka_unit_test(test_bin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
