/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The O(n) quantile (quickselect + the next rank's minimum) against the
 * definition (sort, interpolate at p * (n - 1)) on random inputs with many
 * ties, and the in-place quicksort macro against qsort. Includes the .c to
 * reach its static functions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "../../../src/dora/dora_metrics.c"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double reference(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_d);
    double pos = p * (double)(n - 1);
    size_t i = (size_t)floor(pos);
    if (i + 1 >= n)
        return v[i];
    return v[i] + (v[i + 1] - v[i]) * (pos - (double)i);
}

static int d_less(const double *a, const double *b)
{
    return *a < *b;
}
WF_DORA__SORT(d_sort, double, d_less)

static void test_quantile(void **state)
{
    (void)state;
    uint64_t x = 42;
    double a[600], b[600], c[600];
    const double ps[] = {0, 0.1, 0.5, 0.9, 1};
    for (int round = 0; round < 3000; round++) {
        size_t n = 1 + (size_t)(round % 600);
        unsigned range = round % 3 == 0 ? 3 : round % 3 == 1 ? 50 : 100000;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[i] = (double)(x % range) / 4;
        }
        for (size_t k = 0; k < 5; k++) {
            memcpy(b, a, n * sizeof *a);
            memcpy(c, a, n * sizeof *a);
            assert_true(quantile(b, n, ps[k]) == reference(c, n, ps[k]));
        }
        memcpy(b, a, n * sizeof *a);
        d_sort(b, n);
        qsort(a, n, sizeof *a, cmp_d);
        assert_memory_equal(a, b, n * sizeof *a);
    }
    assert_true(quantile(a, 0, 0.5) == -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_quantile)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
