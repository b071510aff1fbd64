/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: the dot product behind exact cosine top-k. Sixteen independent
 * accumulators let the compiler vectorise the loop without reassociating a
 * single sum (which -O2 will not do for floats); the same body is compiled
 * a second time for AVX2+FMA and picked at run time with
 * __builtin_cpu_supports, with the SSE2 baseline as the fallback.
 *
 * Also the int8 dot product of the vector prefilter: a portable scalar loop
 * and an AVX2 one (sign-extend to int16, _mm256_madd_epi16 into int32), both
 * exact integer sums, so they rank candidates identically.
 */
#include "search/search_int.h"

#include <math.h>
#include <string.h>

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
    return wf_search__have_avx2() ? dot_avx2(a, b, n) : dot_base(a, b, n);
}
#else
float wf_search__dot(const float *a, const float *b, size_t n)
{
    return dot_base(a, b, n);
}
#endif

/* ---- int8 dot products for the candidate prefilter ------------------------------ */

int32_t wf_search__dot_i8_scalar(const int8_t *a, const int8_t *b, size_t n)
{
    int32_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += (int32_t)a[i] * b[i];
    return s;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* Sign-extends 16 int8 of each side to int16 and multiplies-adds pairs into
 * eight int32 lanes: exact integer arithmetic, so the sum equals the scalar
 * one bit for bit (|a|, |b| <= 127 keeps every lane far from overflow for
 * n <= 65536). */
__attribute__((target("avx2"))) int32_t wf_search__dot_i8_avx2(const int8_t *a, const int8_t *b,
                                                               size_t n)
{
    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(a + i)));
        __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(b + i)));
        __m256i a1 =
            _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(a + i + 16)));
        __m256i b1 =
            _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(b + i + 16)));
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(a0, b0));
        acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(a1, b1));
    }
    __m256i acc = _mm256_add_epi32(acc0, acc1);
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    int32_t r = _mm_cvtsi128_si32(s);
    for (; i < n; i++)
        r += (int32_t)a[i] * b[i];
    return r;
}

int wf_search__have_avx2(void)
{
    int h = __atomic_load_n(&have_avx2, __ATOMIC_RELAXED);
    if (h < 0) {
        __builtin_cpu_init();
        h = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        __atomic_store_n(&have_avx2, h, __ATOMIC_RELAXED);
    }
    return h;
}

wf_search__dot_i8_fn wf_search__dot_i8_pick(void)
{
    return wf_search__have_avx2() ? wf_search__dot_i8_avx2 : wf_search__dot_i8_scalar;
}
#else
int wf_search__have_avx2(void)
{
    return 0;
}

wf_search__dot_i8_fn wf_search__dot_i8_pick(void)
{
    return wf_search__dot_i8_scalar;
}
#endif

float wf_search__quantize_i8(const float *v, size_t n, int8_t *q)
{
    float m = 0;
    for (size_t i = 0; i < n; i++)
        m = fabsf(v[i]) > m ? fabsf(v[i]) : m;
    if (!(m > 0)) {
        memset(q, 0, n);
        return 0;
    }
    float scale = m / 127.0f, inv = 127.0f / m;
    for (size_t i = 0; i < n; i++) {
        long x = lrintf(v[i] * inv);
        q[i] = (int8_t)(x > 127 ? 127 : x < -127 ? -127 : x);
    }
    return scale;
}
