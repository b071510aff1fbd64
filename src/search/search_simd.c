/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: the dot product behind exact cosine top-k. Sixteen independent
 * accumulators let the compiler vectorise the loop without reassociating a
 * single sum (which -O2 will not do for floats); the same body is compiled
 * a second time for AVX2+FMA and picked at run time with
 * __builtin_cpu_supports, with the SSE2 baseline as the fallback.
 */
#include "search/search_int.h"

#define LANES 16

#define DOT_BODY                                                                                   \
    float acc[LANES] = {0};                                                                        \
    size_t i = 0;                                                                                  \
    for (; i + LANES <= n; i += LANES)                                                             \
        for (size_t j = 0; j < LANES; j++)                                                         \
            acc[j] += a[i + j] * b[i + j];                                                         \
    float s = 0;                                                                                   \
    for (; i < n; i++)                                                                             \
        s += a[i] * b[i];                                                                          \
    for (size_t j = 0; j < LANES; j++)                                                             \
        s += acc[j];                                                                               \
    return s;

static float dot_base(const float *a, const float *b, size_t n)
{
    DOT_BODY
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static float dot_avx2(const float *a, const float *b, size_t n)
{
    DOT_BODY
}

static int have_avx2 = -1;

float wf_search__dot(const float *a, const float *b, size_t n)
{
    int h = __atomic_load_n(&have_avx2, __ATOMIC_RELAXED);
    if (h < 0) {
        __builtin_cpu_init();
        h = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        __atomic_store_n(&have_avx2, h, __ATOMIC_RELAXED);
    }
    return h ? dot_avx2(a, b, n) : dot_base(a, b, n);
}
#else
float wf_search__dot(const float *a, const float *b, size_t n)
{
    return dot_base(a, b, n);
}
#endif
