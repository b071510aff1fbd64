/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the search index: BM25 scores checked by hand on a tiny
 * corpus, cosine ranking, both fusions, incremental put/replace/remove
 * giving the same results as a rebuild (across compactions), mixing of
 * embedding models refused, atomic swap, and queries running concurrently
 * with changes (run under ThreadSanitizer by `make test`).
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "search/search.h"

static struct wf_search_chunk mk(uint32_t seq, const char *text)
{
    struct wf_search_chunk c = {seq, (char *)"", seq + 1, seq + 1, (char *)text, strlen(text)};
    return c;
}

static void query(struct wf_search_index *ix, const char *text, const float *vec,
                  enum wf_search_mode mode, enum wf_search_fusion fusion, size_t k,
                  struct wf_search_hit **h, size_t *n)
{
    struct wf_search_query q = {text, vec, mode, fusion, k, 0.5};
    assert_int_equal(wf_search_index_query(ix, &q, h, n), WF_OK);
}

static void test_bm25_by_hand(void **state)
{
    (void)state;
    struct wf_search_index *ix;
    assert_int_equal(wf_search_index_new(NULL, 0, &ix), WF_OK);
    /* stems: appl, banana, cherri, date; lengths 2, 3, 3; avgdl = 8/3 */
    struct wf_search_chunk c[3] = {mk(0, "apple banana"), mk(1, "apple apple cherry"),
                                   mk(2, "banana cherry date")};
    assert_int_equal(wf_search_index_put(ix, 1, "", c, 3, NULL, NULL), WF_OK);
    struct wf_search_hit *h;
    size_t n;
    query(ix, "apples", NULL, WF_SEARCH_KEYWORD, WF_FUSION_RRF, 10, &h, &n);
    assert_int_equal(n, 2);
    /* idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln 1.6 = 0.4700036
     * chunk 1: tf 2, dl 3: 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 3 / (8/3))) = 1.3283019
     * chunk 0: tf 1, dl 2: 2.2 / (1 + 1.2 * (0.25 + 0.75 * 2 / (8/3))) = 1.1139241 */
    assert_int_equal(h[0].seq, 1);
    assert_float_equal(h[0].score, 0.4700036 * 1.3283019, 1e-5);
    assert_float_equal(h[0].keyword_score, h[0].score, 1e-9);
    assert_int_equal(h[1].seq, 0);
    assert_float_equal(h[1].score, 0.4700036 * 1.1139241, 1e-5);
    assert_string_equal(h[1].text, "apple banana");
    assert_int_equal(h[1].line_start, 1);
    wf_search_hits_free(h, n);
    /* two terms add up: "date" only in chunk 2, idf ln(1 + 2.5/1.5) = 0.9808293 */
    query(ix, "date cherries", NULL, WF_SEARCH_KEYWORD, WF_FUSION_RRF, 1, &h, &n);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].seq, 2);
    double tfn = 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3 / (8.0 / 3)));
    assert_float_equal(h[0].score, 0.9808293 * tfn + 0.4700036 * tfn, 1e-5);
    wf_search_hits_free(h, n);
    /* unknown words: no hits */
    query(ix, "zebra", NULL, WF_SEARCH_KEYWORD, WF_FUSION_RRF, 10, &h, &n);
    assert_int_equal(n, 0);
    wf_search_hits_free(h, n);
    assert_int_equal(wf_search_index_docs(ix), 1);
    assert_int_equal(wf_search_index_chunks(ix), 3);
    wf_search_index_free(ix);
}

static void test_vectors_and_fusion(void **state)
{
    (void)state;
    struct wf_search_index *ix;
    assert_int_equal(wf_search_index_new("m1", 4, &ix), WF_OK);
    struct wf_search_chunk c[3] = {mk(0, "disk full on the runner"), mk(1, "network timeout"),
                                   mk(2, "out of memory killer")};
    float v[12] = {1, 0, 0, 0, /**/ 0, 1, 0, 0, /**/ 0.6f, 0.8f, 0, 0};
    assert_int_equal(wf_search_index_put(ix, 7, "doc.md", c, 3, v, "m1"), WF_OK);
    float q[4] = {0, 2, 0, 0}; /* not normalised: the index normalises */
    struct wf_search_hit *h;
    size_t n;
    query(ix, NULL, q, WF_SEARCH_SEMANTIC, WF_FUSION_RRF, 3, &h, &n);
    assert_int_equal(n, 3);
    assert_int_equal(h[0].seq, 1);
    assert_float_equal(h[0].score, 1.0, 1e-6);
    assert_int_equal(h[1].seq, 2);
    assert_float_equal(h[1].vector_score, 0.8, 1e-6);
    assert_int_equal(h[2].seq, 0);
    assert_string_equal(h[0].doc_name, "doc.md");
    assert_int_equal(h[0].doc_id, 7);
    wf_search_hits_free(h, n);

    /* hybrid RRF: "disk" matches chunk 0 only (keyword rank 1); vectors rank
     * 1, 2, 0. Scores: c1 = 1/61, c2 = 1/62, c0 = 1/61 + 1/63: c0 first */
    query(ix, "disk", q, WF_SEARCH_HYBRID, WF_FUSION_RRF, 3, &h, &n);
    assert_int_equal(n, 3);
    assert_int_equal(h[0].seq, 0);
    assert_float_equal(h[0].score, 1.0 / 61 + 1.0 / 63, 1e-6);
    assert_int_equal(h[1].seq, 1);
    assert_float_equal(h[1].score, 1.0 / 61, 1e-6);
    assert_true(h[0].keyword_score > 0);
    assert_float_equal(h[0].vector_score, 0.0, 1e-6);
    wf_search_hits_free(h, n);

    /* weighted 0.5: c0 = 0.5 * 1 + 0.5 * 0 ; c1 = 0 + 0.5 * 1 ; c2 = 0.5 * 0.8 */
    struct wf_search_query wq = {"disk", q, WF_SEARCH_HYBRID, WF_FUSION_WEIGHTED, 3, 0.5};
    assert_int_equal(wf_search_index_query(ix, &wq, &h, &n), WF_OK);
    assert_int_equal(n, 3);
    assert_float_equal(h[0].score, 0.5, 1e-5);
    assert_float_equal(h[1].score, 0.5, 1e-5);
    assert_int_equal(h[2].seq, 2);
    assert_float_equal(h[2].score, 0.4, 1e-5);
    wf_search_hits_free(h, n);
    /* weight 1: keyword only wins */
    wq.keyword_weight = 1.0;
    assert_int_equal(wf_search_index_query(ix, &wq, &h, &n), WF_OK);
    assert_int_equal(h[0].seq, 0);
    assert_true(h[0].score > h[1].score + 0.5);
    wf_search_hits_free(h, n);
    wq.keyword_weight = 1.5;
    assert_int_equal(wf_search_index_query(ix, &wq, &h, &n), WF_EINVAL);

    /* semantic without a vector falls back to keyword */
    query(ix, "memory", NULL, WF_SEARCH_SEMANTIC, WF_FUSION_RRF, 3, &h, &n);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].seq, 2);
    wf_search_hits_free(h, n);

    /* mixing refused */
    assert_int_equal(wf_search_index_put(ix, 8, "x", c, 3, v, "m2"), WF_EINVAL);
    assert_int_equal(wf_search_index_put(ix, 8, "x", c, 3, v, NULL), WF_EINVAL);
    assert_int_equal(wf_search_index_docs(ix), 1);
    wf_search_index_free(ix);

    /* a keyword-only index refuses vectors */
    assert_int_equal(wf_search_index_new(NULL, 0, &ix), WF_OK);
    assert_int_equal(wf_search_index_put(ix, 1, "x", c, 3, v, "m1"), WF_EINVAL);
    wf_search_index_free(ix);
    assert_int_equal(wf_search_index_new(NULL, 4, &ix), WF_EINVAL);
}

/* Deterministic pseudo-random documents. */
static uint64_t rng = 42;
static uint32_t next(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng >> 33);
}

static const char *words[] = {"git",   "rebase", "commit", "journal", "systemd", "unit",
                              "timer", "ssh",    "key",    "agent",   "tar",     "archive",
                              "curl",  "proxy",  "header", "make",    "target",  "cron"};

static void gen_doc(int64_t id, int version, struct wf_search_chunk *c, char (*buf)[200], float *v,
                    size_t *n)
{
    *n = 1 + (size_t)((id * 7 + version) % 4);
    for (size_t i = 0; i < *n; i++) {
        size_t w = 0;
        for (int k = 0; k < 8; k++)
            w += (size_t)snprintf(buf[i] + w, 200 - w, "%s ", words[next() % 18]);
        c[i] = mk((uint32_t)i, buf[i]);
        for (int d = 0; d < 4; d++)
            v[i * 4 + d] = (float)(next() % 100) / 100.0f + 0.01f;
    }
}

static void same_hits(struct wf_search_index *a, struct wf_search_index *b, const char *text,
                      const float *vec, enum wf_search_mode mode)
{
    struct wf_search_hit *ha, *hb;
    size_t na, nb;
    query(a, text, vec, mode, WF_FUSION_RRF, 20, &ha, &na);
    query(b, text, vec, mode, WF_FUSION_RRF, 20, &hb, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(ha[i].doc_id, hb[i].doc_id);
        assert_int_equal(ha[i].seq, hb[i].seq);
        assert_float_equal(ha[i].score, hb[i].score, 1e-5);
        assert_string_equal(ha[i].text, hb[i].text);
    }
    wf_search_hits_free(ha, na);
    wf_search_hits_free(hb, nb);
}

static void test_incremental_equals_rebuild(void **state)
{
    (void)state;
    struct wf_search_index *inc;
    assert_int_equal(wf_search_index_new("m", 4, &inc), WF_OK);
    /* state: version of each doc, 0 = absent */
    enum { DOCS = 600 };
    static int version[DOCS];
    memset(version, 0, sizeof(version));
    struct wf_search_chunk c[4];
    char buf[4][200];
    float v[16];
    size_t n;
    for (int step = 0; step < 4000; step++) {
        int64_t id = next() % DOCS;
        if (version[id] && next() % 3 == 0) {
            assert_int_equal(wf_search_index_remove(inc, id), WF_OK);
            version[id] = 0;
        } else {
            version[id]++;
            rng = (uint64_t)id * 1000 + (uint64_t)version[id];
            gen_doc(id, version[id], c, buf, v, &n);
            assert_int_equal(wf_search_index_put(inc, id, "d", c, n, v, "m"), WF_OK);
        }
        rng = (uint64_t)step * 7919 + 1;
    }
    assert_int_equal(wf_search_index_remove(inc, DOCS + 5), WF_ENOENT);
    /* rebuild from the final state */
    struct wf_search_index *full;
    assert_int_equal(wf_search_index_new("m", 4, &full), WF_OK);
    size_t docs = 0;
    for (int64_t id = 0; id < DOCS; id++) {
        if (!version[id])
            continue;
        rng = (uint64_t)id * 1000 + (uint64_t)version[id];
        gen_doc(id, version[id], c, buf, v, &n);
        assert_int_equal(wf_search_index_put(full, id, "d", c, n, v, "m"), WF_OK);
        docs++;
    }
    assert_int_equal(wf_search_index_docs(inc), docs);
    assert_int_equal(wf_search_index_chunks(inc), wf_search_index_chunks(full));
    float q[4] = {0.3f, 0.1f, 0.9f, 0.2f};
    same_hits(inc, full, "git rebase", NULL, WF_SEARCH_KEYWORD);
    same_hits(inc, full, "journal timer cron", NULL, WF_SEARCH_KEYWORD);
    same_hits(inc, full, NULL, q, WF_SEARCH_SEMANTIC);
    same_hits(inc, full, "ssh agent", q, WF_SEARCH_HYBRID);

    /* swap: the other index's contents, atomically */
    struct wf_search_index *empty;
    assert_int_equal(wf_search_index_new("other", 8, &empty), WF_OK);
    assert_int_equal(wf_search_index_swap(inc, empty), WF_OK);
    assert_int_equal(wf_search_index_docs(inc), 0);
    assert_string_equal(wf_search_index_model(inc), "other");
    assert_int_equal(wf_search_index_dim(inc), 8);
    assert_int_equal(wf_search_index_docs(empty), docs);
    same_hits(empty, full, "git rebase", NULL, WF_SEARCH_KEYWORD);
    assert_int_equal(wf_search_index_swap(inc, inc), WF_EINVAL);
    wf_search_index_free(inc);
    wf_search_index_free(empty);
    wf_search_index_free(full);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    struct wf_search_chunk c[3] = {mk(0, "alpha beta gamma"), mk(1, "beta delta"),
                                   mk(2, "epsilon zeta")};
    struct wf_search_chunk c2[1] = {mk(0, "omega")};
    for (long fail = 0; fail < 200; fail++) {
        struct wf_search_index *ix;
        assert_int_equal(wf_search_index_new(NULL, 0, &ix), WF_OK);
        assert_int_equal(wf_search_index_put(ix, 1, "a", c, 3, NULL, NULL), WF_OK);
        wf_alloc_fail_after(fail);
        int rc = wf_search_index_put(ix, 1, "a", c2, 1, NULL, NULL);
        wf_alloc_fail_after(-1);
        struct wf_search_hit *h;
        size_t n;
        if (rc) {
            /* unchanged: old version still there, whole */
            assert_int_equal(rc, WF_ENOMEM);
            assert_int_equal(wf_search_index_chunks(ix), 3);
            query(ix, "beta", NULL, WF_SEARCH_KEYWORD, WF_FUSION_RRF, 10, &h, &n);
            assert_int_equal(n, 2);
        } else {
            assert_int_equal(wf_search_index_chunks(ix), 1);
            query(ix, "beta", NULL, WF_SEARCH_KEYWORD, WF_FUSION_RRF, 10, &h, &n);
            assert_int_equal(n, 0);
        }
        wf_search_hits_free(h, n);
        wf_search_index_free(ix);
        if (!rc)
            break;
    }
}

/* Readers check that each document is seen whole: every document has 3
 * chunks holding "marker", so the hits for it come in threes. */
struct race {
    struct wf_search_index *ix;
    int stop;
    int bad;
};

static void *reader(void *arg)
{
    struct race *r = arg;
    while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
        struct wf_search_query q = {"marker", NULL, WF_SEARCH_KEYWORD, WF_FUSION_RRF, 1000, 0.5};
        struct wf_search_hit *h;
        size_t n;
        if (wf_search_index_query(r->ix, &q, &h, &n) != WF_OK || n % 3 != 0)
            __atomic_store_n(&r->bad, 1, __ATOMIC_RELEASE);
        wf_search_hits_free(h, n);
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    struct race r = {NULL, 0, 0};
    assert_int_equal(wf_search_index_new(NULL, 0, &r.ix), WF_OK);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, reader, &r), 0);
    struct wf_search_chunk c[3] = {mk(0, "marker one"), mk(1, "marker two"), mk(2, "three marker")};
    for (int i = 0; i < 3000; i++) {
        int64_t id = i % 50;
        if (i % 7 == 6)
            (void)wf_search_index_remove(r.ix, id);
        else
            assert_int_equal(wf_search_index_put(r.ix, id, "d", c, 3, NULL, NULL), WF_OK);
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(r.bad, 0);
    wf_search_index_free(r.ix);
}

static void test_names(void **state)
{
    (void)state;
    enum wf_search_mode m;
    enum wf_search_fusion f;
    assert_int_equal(wf_search_mode_parse("hybrid", &m), WF_OK);
    assert_int_equal(m, WF_SEARCH_HYBRID);
    assert_int_equal(wf_search_mode_parse("HYBRID", &m), WF_EINVAL);
    assert_int_equal(wf_search_fusion_parse("weighted", &f), WF_OK);
    assert_int_equal(f, WF_FUSION_WEIGHTED);
    assert_int_equal(wf_search_fusion_parse("sum", &f), WF_EINVAL);
    assert_string_equal(wf_search_mode_name(WF_SEARCH_SEMANTIC), "semantic");
    assert_string_equal(wf_search_fusion_name(WF_FUSION_RRF), "rrf");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bm25_by_hand),
        cmocka_unit_test(test_vectors_and_fusion),
        cmocka_unit_test(test_incremental_equals_rebuild),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
