/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the int8 vector prefilter: the scalar and AVX2 int8 dot
 * products agree; quantisation error stays within half a step; the default
 * (prefilter + exact rescore) top-k equals the exhaustive float top-k on
 * random vectors and on built-in embeddings of generated texts, in semantic
 * and hybrid mode; put/replace/remove and compaction keep the int8 copy in
 * step with the floats (same results as a rebuilt index); and, the known
 * limit, planted near-ties beyond the candidate pool may change the set but
 * never the exactness of the returned scores.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "embed/embed.h"
#include "search/search_int.h"

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* Roughly normal, from the sum of uniforms. */
static float gauss(void)
{
    float s = 0;
    for (int i = 0; i < 4; i++)
        s += (float)(rnd() & 0xffff) / 65536.0f - 0.5f;
    return s;
}

static void test_dot_i8_paths_agree(void **state)
{
    (void)state;
    int8_t a[700] = {0}, b[700] = {0};
    for (size_t n = 0; n <= 700; n += (n < 70 ? 1 : 37)) {
        for (size_t i = 0; i < n; i++) {
            a[i] = (int8_t)((int)(rnd() % 255) - 127);
            b[i] = (int8_t)((int)(rnd() % 255) - 127);
        }
        int32_t want = 0;
        for (size_t i = 0; i < n; i++)
            want += a[i] * b[i];
        assert_int_equal(wf_search__dot_i8_scalar(a, b, n), want);
        assert_int_equal(wf_search__dot_i8_pick()(a, b, n), want);
#if defined(__x86_64__) && defined(__GNUC__)
        if (wf_search__have_avx2())
            assert_int_equal(wf_search__dot_i8_avx2(a, b, n), want);
#endif
    }
    /* extremes: every product at its largest magnitude */
    for (size_t i = 0; i < 700; i++) {
        a[i] = 127;
        b[i] = (i & 1) ? 127 : -127;
    }
    assert_int_equal(wf_search__dot_i8_pick()(a, a, 700), 700 * 127 * 127);
    assert_int_equal(wf_search__dot_i8_pick()(a, b, 700), 0);
    assert_int_equal(wf_search__dot_i8_pick()(a, b, 699), -127 * 127);
}

static void test_quantize(void **state)
{
    (void)state;
    float v[100];
    int8_t q[100];
    for (int t = 0; t < 50; t++) {
        for (size_t i = 0; i < 100; i++)
            v[i] = gauss() * (float)(t + 1);
        float s = wf_search__quantize_i8(v, 100, q);
        assert_true(s > 0);
        int saw_max = 0;
        for (size_t i = 0; i < 100; i++) {
            assert_true(fabsf((float)q[i] * s - v[i]) <= s * 0.5001f);
            saw_max |= q[i] == 127 || q[i] == -127;
        }
        assert_true(saw_max);
    }
    memset(v, 0, sizeof(v));
    assert_true(wf_search__quantize_i8(v, 100, q) == 0.0f);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(q[i], 0);
}

static void run(struct wf_search_index *ix, const char *text, const float *qv,
                enum wf_search_mode mode, size_t k, int exact, struct wf_search_hit **h, size_t *n)
{
    struct wf_search_query q = {text, qv, mode, WF_FUSION_RRF, k, 0.5};
    assert_int_equal(wf_search_index_query_flags(ix, &q, exact ? WF_SEARCH_EXACT : 0, h, n), WF_OK);
}

/* Default and exhaustive queries give the same hits with the same scores. */
static void assert_same_as_exact(struct wf_search_index *ix, const char *text, const float *qv,
                                 enum wf_search_mode mode, size_t k)
{
    struct wf_search_hit *a, *b;
    size_t na, nb;
    run(ix, text, qv, mode, k, 0, &a, &na);
    run(ix, text, qv, mode, k, 1, &b, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].doc_id, b[i].doc_id);
        assert_int_equal(a[i].seq, b[i].seq);
        assert_true(a[i].score == b[i].score);
        assert_true(a[i].vector_score == b[i].vector_score);
    }
    wf_search_hits_free(a, na);
    wf_search_hits_free(b, nb);
}

static void assert_same_index(struct wf_search_index *x, struct wf_search_index *y, const float *qv,
                              size_t k)
{
    struct wf_search_hit *a, *b;
    size_t na, nb;
    run(x, NULL, qv, WF_SEARCH_SEMANTIC, k, 0, &a, &na);
    run(y, NULL, qv, WF_SEARCH_SEMANTIC, k, 0, &b, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].doc_id, b[i].doc_id);
        assert_int_equal(a[i].seq, b[i].seq);
        assert_true(a[i].score == b[i].score);
    }
    wf_search_hits_free(a, na);
    wf_search_hits_free(b, nb);
}

#define DIM 64
#define PER 10

static struct wf_search_chunk chunk(uint32_t seq)
{
    static char text[] = "chunk";
    struct wf_search_chunk c = {seq, (char *)"", 1, 1, text, 5};
    return c;
}

static void put_doc(struct wf_search_index *ix, int64_t id, const float *v)
{
    struct wf_search_chunk c[PER];
    for (uint32_t i = 0; i < PER; i++)
        c[i] = chunk(i);
    assert_int_equal(wf_search_index_put(ix, id, "d", c, PER, v, "m"), WF_OK);
}

static void test_random_equals_exact(void **state)
{
    (void)state;
    size_t ndocs = 600; /* 6000 vectors: over the 2000 candidates of hybrid's depth 100 */
    float *v = malloc(ndocs * PER * DIM * sizeof(float));
    assert_non_null(v);
    for (size_t i = 0; i < ndocs * PER * DIM; i++)
        v[i] = gauss();
    struct wf_search_index *ix;
    assert_int_equal(wf_search_index_new("m", DIM, &ix), WF_OK);
    for (size_t d = 0; d < ndocs; d++)
        put_doc(ix, (int64_t)d, v + d * PER * DIM);
    float q[DIM];
    for (int t = 0; t < 40; t++) {
        for (size_t i = 0; i < DIM; i++)
            q[i] = gauss();
        if (t & 1) /* a query near a stored vector */
            for (size_t i = 0; i < DIM; i++)
                q[i] = v[(size_t)(t * 97) * DIM + i] + 0.3f * q[i];
        assert_same_as_exact(ix, NULL, q, WF_SEARCH_SEMANTIC, 10);
        assert_same_as_exact(ix, NULL, q, WF_SEARCH_SEMANTIC, 1);
        assert_same_as_exact(ix, "chunk", q, WF_SEARCH_HYBRID, 10);
    }
    wf_search_index_free(ix);
    free(v);
}

/* Built-in embeddings of texts drawn from overlapping topic vocabularies:
 * many close neighbours, as in a real knowledge base. */
static void test_embedded_texts_equal_exact(void **state)
{
    (void)state;
    static const char *words[] = {
        "disk",    "full",    "runner", "network", "timeout", "memory",   "killer",   "cache",
        "docker",  "image",   "layer",  "build",   "deploy",  "rollback", "canary",   "service",
        "journal", "systemd", "unit",   "restart", "socket",  "port",     "listen",   "proxy",
        "tls",     "cert",    "expire", "renew",   "dns",     "resolve",  "record",   "zone",
        "queue",   "worker",  "retry",  "backoff", "limit",   "quota",    "token",    "secret",
        "branch",  "merge",   "commit", "review",  "test",    "flaky",    "coverage", "lint"};
    size_t nw = sizeof(words) / sizeof(words[0]);
    struct wf_embed *e;
    assert_int_equal(wf_embed_builtin(&e), WF_OK);
    size_t dim = wf_embed_dim(e);
    struct wf_search_index *ix;
    assert_int_equal(wf_search_index_new(wf_embed_model(e), dim, &ix), WF_OK);
    size_t ndocs = 150, per = 20;
    char(*texts)[400] = calloc(per, sizeof(*texts));
    struct wf_search_chunk *c = calloc(per, sizeof(*c));
    struct wf_str *ts = calloc(per, sizeof(*ts));
    float *vecs = malloc(per * dim * sizeof(float));
    assert_true(texts && c && ts && vecs);
    for (size_t d = 0; d < ndocs; d++) {
        size_t topic = rnd() % 6;
        for (size_t i = 0; i < per; i++) {
            size_t len = 0;
            for (int w = 0; w < 30; w++) {
                size_t pick = rnd() % 4 ? topic * 8 + rnd() % 8 : rnd() % nw;
                len += (size_t)snprintf(texts[i] + len, sizeof(texts[i]) - len, "%s ", words[pick]);
            }
            c[i] = (struct wf_search_chunk){(uint32_t)i, (char *)"", 1, 1, texts[i], len};
            ts[i] = (struct wf_str){texts[i], len};
        }
        assert_int_equal(wf_embed_texts(e, ts, per, vecs, NULL), WF_OK);
        assert_int_equal(wf_search_index_put(ix, (int64_t)d, "d", c, per, vecs, wf_embed_model(e)),
                         WF_OK);
    }
    float *qv = malloc(dim * sizeof(float));
    assert_non_null(qv);
    for (int t = 0; t < 30; t++) {
        char q[120];
        size_t topic = rnd() % 6;
        snprintf(q, sizeof(q), "%s %s %s", words[topic * 8 + rnd() % 8],
                 words[topic * 8 + rnd() % 8], words[rnd() % nw]);
        struct wf_str qs = {q, strlen(q)};
        assert_int_equal(wf_embed_texts(e, &qs, 1, qv, NULL), WF_OK);
        assert_same_as_exact(ix, NULL, qv, WF_SEARCH_SEMANTIC, 10);
        assert_same_as_exact(ix, q, qv, WF_SEARCH_HYBRID, 10);
    }
    free(qv);
    free(vecs);
    free(ts);
    free(c);
    free(texts);
    wf_search_index_free(ix);
    wf_embed_free(e);
}

/* Replacing and removing documents, through compactions, leaves the same
 * results as an index built from the surviving documents only. */
static void test_changes_keep_copies_in_step(void **state)
{
    (void)state;
    size_t ndocs = 400;
    float *v = malloc(ndocs * 2 * PER * DIM * sizeof(float)); /* two versions of each doc */
    assert_non_null(v);
    for (size_t i = 0; i < ndocs * 2 * PER * DIM; i++)
        v[i] = gauss();
    struct wf_search_index *ix, *re;
    assert_int_equal(wf_search_index_new("m", DIM, &ix), WF_OK);
    assert_int_equal(wf_search_index_new("m", DIM, &re), WF_OK);
    for (size_t d = 0; d < ndocs; d++)
        put_doc(ix, (int64_t)d, v + d * PER * DIM);
    /* replace the even ones with their second version, remove every third */
    for (size_t d = 0; d < ndocs; d += 2)
        put_doc(ix, (int64_t)d, v + (ndocs + d) * PER * DIM);
    for (size_t d = 0; d < ndocs; d += 3)
        assert_int_equal(wf_search_index_remove(ix, (int64_t)d), WF_OK);
    for (size_t d = 0; d < ndocs; d++)
        if (d % 3)
            put_doc(re, (int64_t)d, v + ((d % 2 ? 0 : ndocs) + d) * PER * DIM);
    assert_int_equal(wf_search_index_chunks(ix), wf_search_index_chunks(re));
    float q[DIM];
    for (int t = 0; t < 20; t++) {
        for (size_t i = 0; i < DIM; i++)
            q[i] = gauss();
        assert_same_index(ix, re, q, 10);
        assert_same_as_exact(ix, NULL, q, WF_SEARCH_SEMANTIC, 10);
    }
    /* a swap carries both copies */
    struct wf_search_index *empty;
    assert_int_equal(wf_search_index_new("m", DIM, &empty), WF_OK);
    assert_int_equal(wf_search_index_swap(empty, ix), WF_OK);
    assert_same_index(empty, re, q, 10);
    wf_search_index_free(empty);
    wf_search_index_free(ix);
    wf_search_index_free(re);
    free(v);
}

/* The known limit: far more near-identical vectors than candidates. The set
 * may then differ from the exhaustive one, but each returned score is the
 * exact cosine and none is worse than the exhaustive k-th score by more
 * than the int8 rounding can explain. */
static void test_planted_near_ties(void **state)
{
    (void)state;
    size_t ndocs = 100; /* 1000 vectors: all within a hair of the query */
    float *v = malloc(ndocs * PER * DIM * sizeof(float));
    assert_non_null(v);
    float base[DIM];
    for (size_t i = 0; i < DIM; i++)
        base[i] = gauss();
    for (size_t c = 0; c < ndocs * PER; c++)
        for (size_t i = 0; i < DIM; i++)
            v[c * DIM + i] = base[i] + 1e-4f * gauss();
    struct wf_search_index *ix;
    assert_int_equal(wf_search_index_new("m", DIM, &ix), WF_OK);
    for (size_t d = 0; d < ndocs; d++)
        put_doc(ix, (int64_t)d, v + d * PER * DIM);
    struct wf_search_hit *a, *b;
    size_t na, nb;
    run(ix, NULL, base, WF_SEARCH_SEMANTIC, 10, 0, &a, &na);
    run(ix, NULL, base, WF_SEARCH_SEMANTIC, 10, 1, &b, &nb);
    assert_int_equal(na, 10);
    assert_int_equal(nb, 10);
    double bn = 0;
    for (size_t i = 0; i < DIM; i++)
        bn += (double)base[i] * base[i];
    bn = sqrt(bn);
    for (size_t i = 0; i < na; i++) {
        const float *x = v + (size_t)(a[i].doc_id * PER + a[i].seq) * DIM;
        double dot = 0, xn = 0;
        for (size_t j = 0; j < DIM; j++) {
            dot += (double)x[j] * base[j];
            xn += (double)x[j] * x[j];
        }
        assert_float_equal(a[i].score, dot / (bn * sqrt(xn)), 1e-5);
        assert_true(a[i].score >= b[nb - 1].score - 0.02);
        if (i)
            assert_true(a[i].score <= a[i - 1].score);
    }
    wf_search_hits_free(a, na);
    wf_search_hits_free(b, nb);
    wf_search_index_free(ix);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dot_i8_paths_agree),
        cmocka_unit_test(test_quantize),
        cmocka_unit_test(test_random_equals_exact),
        cmocka_unit_test(test_embedded_texts_equal_exact),
        cmocka_unit_test(test_changes_keep_copies_in_step),
        cmocka_unit_test(test_planted_near_ties),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
