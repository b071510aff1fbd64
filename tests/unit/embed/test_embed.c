/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the embed module: the built-in hashing embedder's
 * properties, the strict /embeddings response parser, and the
 * OpenAI-compatible provider against tests/tools/fake_openai.py (batching,
 * order by "index", retries on 429/5xx with Retry-After, malformed answers,
 * dimension changes, authorization, timeouts).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../llm/fake_openai.h"
#include "embed/embed.h"
#include "embed/embed_int.h"

static int setup(void **state)
{
    (void)state;
    return fake_start();
}

static int teardown(void **state)
{
    (void)state;
    fake_stop();
    return 0;
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

static void test_builtin(void **state)
{
    (void)state;
    struct wf_embed *e;
    assert_int_equal(wf_embed_builtin(&e), WF_OK);
    size_t d = wf_embed_dim(e);
    assert_int_equal(d, WF_EMBED_BUILTIN_DIM);
    assert_string_equal(wf_embed_model(e), "builtin:hash-ngram-v2/256");
    struct wf_str t[5] = {wf_str_c("How do I restart a failed systemd service?"),
                          wf_str_c("systemctl restart the service after it failed"),
                          wf_str_c("Compress a directory into a tar.gz archive"), wf_str_c(""),
                          wf_str_c("How do I restart a failed systemd service?")};
    float v[5 * 256];
    struct wf_buf err;
    wf_buf_init(&err, 256);
    assert_int_equal(wf_embed_texts(e, t, 5, v, &err), WF_OK);
    assert_float_equal(dot(v, v, d), 1.0, 1e-5);
    assert_float_equal(dot(v + 3 * d, v + 3 * d, d), 0.0, 1e-9); /* empty: zero */
    assert_memory_equal(v, v + 4 * d, d * sizeof(float));        /* deterministic */
    double related = dot(v, v + d, d), unrelated = dot(v, v + 2 * d, d);
    assert_true(related > 0.3);
    assert_true(related > unrelated + 0.2);
    /* morphology through stems and n-grams: "timeouts" ~ "timeout" */
    struct wf_str m[2] = {wf_str_c("connection timeouts"), wf_str_c("timeout of a connection")};
    assert_int_equal(wf_embed_texts(e, m, 2, v, &err), WF_OK);
    assert_true(dot(v, v + d, d) > 0.6);
    assert_int_equal(wf_embed_texts(e, NULL, 1, v, &err), WF_EINVAL);
    wf_embed_free(e);
    assert_int_equal(wf_embed_builtin_dim(8, &e), WF_EINVAL);
    assert_int_equal(wf_embed_builtin_dim(64, &e), WF_OK);
    assert_string_equal(wf_embed_model(e), "builtin:hash-ngram-v2/64");
    wf_embed_free(e);
    wf_buf_cleanup(&err);
}

static int parse(const char *body, size_t n, size_t *dim, float **v, struct wf_buf *err)
{
    return wf_embed_parse_response(body, strlen(body), n, dim, v, err);
}

/* The built-in embedder's inlined short-key hash is wf_hash64 exactly:
 * n-gram features (and so stored vectors) depend on it. */
static void test_hash_short(void **state)
{
    (void)state;
    char b[8];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int t = 0; t < 2000; t++) {
        for (size_t i = 0; i < sizeof(b); i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b[i] = (char)(x >> 56);
        }
        size_t len = (size_t)t % 8;
        uint64_t seed = 0xC0FFEE + (uint64_t)(t % 6);
        assert_true(wf_embed__hash_short(b, len, seed) == wf_hash64(b, len, seed));
    }
}

/* The n-gram hash, computed from packed bytes, is wf_hash64 with the
 * n-gram seed. */
static void test_ngram_hash(void **state)
{
    (void)state;
    char b[8];
    uint64_t x = 0x2545f4914f6cdd1dULL;
    for (int t = 0; t < 3000; t++) {
        for (size_t i = 0; i < sizeof(b); i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b[i] = (char)(x >> 56);
        }
        size_t len = 3 + (size_t)t % 3;
        assert_true(wf_embed__ngram_hash(b, len) == wf_hash64(b, len, 0xC0FFEE + len));
    }
}

/* The common-word table is searched by hash but documented as sorted: it is,
 * in strcmp order, without duplicates, and no entry is longer than 8 bytes. */
static void test_common_sorted(void **state)
{
    (void)state;
    size_t n = 0;
    const char *const *w = wf_embed__common_words(&n);
    assert_true(n > 10);
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(w[i]) <= 8);
        if (i)
            assert_true(strcmp(w[i - 1], w[i]) < 0);
    }
}

/* A batch reuses one feature table across texts of different lengths: each
 * vector equals the one of the same text embedded alone. */
static void test_batch_reuse(void **state)
{
    (void)state;
    struct wf_embed *e;
    assert_int_equal(wf_embed_builtin_dim(64, &e), WF_OK);
    static char big[20000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + (i * 7 + i / 5) % 26);
    for (size_t i = 9; i < sizeof(big); i += 10)
        big[i] = ' ';
    struct wf_str t[4] = {{big, sizeof(big)},
                          wf_str_c("also allow restart the failed service"),
                          wf_str_c(""),
                          wf_str_c("journalctl -u nginx.service --since today")};
    float batch[4 * 64], one[64];
    assert_int_equal(wf_embed_texts(e, t, 4, batch, NULL), WF_OK);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(wf_embed_texts(e, &t[i], 1, one, NULL), WF_OK);
        assert_memory_equal(one, batch + i * 64, sizeof(one));
    }
    wf_embed_free(e);
}

static void test_parse(void **state)
{
    (void)state;
    struct wf_buf err;
    wf_buf_init(&err, 512);
    float *v = NULL;
    size_t dim = 0;
    assert_int_equal(parse("{\"data\":[{\"index\":1,\"embedding\":[3,4]},"
                           "{\"index\":0,\"embedding\":[1,0.5]}]}",
                           2, &dim, &v, &err),
                     WF_OK);
    assert_int_equal(dim, 2);
    assert_float_equal(v[0], 1, 0);
    assert_float_equal(v[1], 0.5, 0);
    assert_float_equal(v[2], 3, 0);
    wf_free(v);
    static const struct {
        const char *body;
        size_t n, dim;
        int rc;
        const char *msg;
    } bad[] = {
        {"not json", 1, 0, WF_EFORMAT, "not JSON"},
        {"{\"object\":\"list\"}", 1, 0, WF_EFORMAT, "no \"data\" array"},
        {"{\"data\":[{\"embedding\":[1]}]}", 2, 0, WF_EFORMAT, "1 embeddings for 2 inputs"},
        {"{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[1]}]}", 2, 0, WF_EFORMAT,
         "dimension mismatch"},
        {"{\"data\":[{\"embedding\":[1,2]}]}", 1, 3, WF_EFORMAT, "expected 3"},
        {"{\"data\":[{\"embedding\":[1,\"x\"]}]}", 1, 0, WF_EFORMAT, "not a number"},
        {"{\"data\":[{\"embedding\":[1,null]}]}", 1, 0, WF_EFORMAT, "not a number"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1]},{\"index\":0,\"embedding\":[2]}]}", 2, 0,
         WF_EFORMAT, "appears twice"},
        {"{\"data\":[{\"index\":5,\"embedding\":[1]}]}", 1, 0, WF_EFORMAT, "invalid \"index\""},
        {"{\"data\":[{\"index\":-1,\"embedding\":[1]}]}", 1, 0, WF_EFORMAT, "invalid"},
        {"{\"data\":[{\"embedding\":[]}]}", 1, 0, WF_EFORMAT, "dimension 0"},
        {"{\"data\":[{\"embedding\":\"AAAA\"}]}", 1, 0, WF_EFORMAT, "no \"embedding\" array"},
        {"{\"data\":[1]}", 1, 0, WF_EFORMAT, "no \"embedding\""},
        {"{\"data\":[{\"embedding\":[1e39]}]}", 1, 0, WF_EFORMAT, "not a number"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        dim = bad[i].dim;
        v = NULL;
        int rc = parse(bad[i].body, bad[i].n, &dim, &v, &err);
        if (rc != bad[i].rc || !strstr(err.p, bad[i].msg))
            fail_msg("case %zu: %s: got %s '%s'", i, bad[i].body, wf_errname(rc), err.p);
        assert_null(v);
    }
    wf_buf_cleanup(&err);
}

static struct wf_embed *provider(long timeout_ms, size_t batch)
{
    struct wf_embed_openai_config c = {fake_base, FAKE_KEY, "nomic-embed-text", timeout_ms, batch};
    struct wf_embed *e = NULL;
    assert_int_equal(wf_embed_openai(&c, &e), WF_OK);
    assert_string_equal(wf_embed_model(e), "openai:nomic-embed-text");
    assert_int_equal(wf_embed_dim(e), 0);
    return e;
}

static void test_openai(void **state)
{
    (void)state;
    fake_reset();
    struct wf_embed *e = provider(10000, 2);
    struct wf_str t[5] = {wf_str_c("alpha"), wf_str_c("beta"), wf_str_c("gamma"), wf_str_c("alpha"),
                          wf_str_c("")};
    float v[5 * 8];
    struct wf_buf err;
    wf_buf_init(&err, 512);
    assert_int_equal(wf_embed_texts(e, t, 5, v, &err), WF_OK);
    assert_int_equal(wf_embed_dim(e), 8);
    /* normalised, and the fake answers in reverse order: equal texts must
     * still get equal vectors, so results were placed by "index" */
    assert_float_equal(dot(v, v, 8), 1.0, 1e-5);
    assert_memory_equal(v, v + 3 * 8, 8 * sizeof(float));
    assert_true(fabs(dot(v, v + 8, 8)) < 0.99);
    json_t *reqs = fake_requests();
    assert_int_equal(json_array_size(reqs), 3); /* batches of 2, 2, 1 */
    json_t *r0 = json_array_get(reqs, 0);
    assert_string_equal(json_string_value(json_object_get(r0, "path")), "/v1/embeddings");
    json_t *body = json_object_get(r0, "body");
    assert_string_equal(json_string_value(json_object_get(body, "model")), "nomic-embed-text");
    assert_int_equal(json_array_size(json_object_get(body, "input")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r0, "headers"), "authorization")),
        "Bearer " FAKE_KEY);
    json_decref(reqs);

    /* 429 with Retry-After: 1, then 500, then success */
    fake_reset();
    fake_script("[{\"status\":429,\"headers\":{\"Retry-After\":\"1\"}},{\"status\":500}]");
    uint64_t t0 = wf_now_ms();
    assert_int_equal(wf_embed_texts(e, t, 1, v, &err), WF_OK);
    assert_true(wf_now_ms() - t0 >= 900);
    reqs = fake_requests();
    assert_int_equal(json_array_size(reqs), 3);
    json_decref(reqs);

    /* 400 is not retried; the server's message is kept */
    fake_reset();
    fake_script("[{\"status\":400,\"error\":\"input too long\"}]");
    assert_int_equal(wf_embed_texts(e, t, 1, v, &err), WF_EUPSTREAM);
    assert_non_null(strstr(err.p, "HTTP 400: input too long"));
    reqs = fake_requests();
    assert_int_equal(json_array_size(reqs), 1);
    json_decref(reqs);

    /* down for good: gives up after the attempts */
    fake_reset();
    fake_script("[{\"status\":503},{\"status\":503},{\"status\":503},{\"status\":503}]");
    assert_int_equal(wf_embed_texts(e, t, 1, v, &err), WF_EUPSTREAM);
    assert_non_null(strstr(err.p, "HTTP 503"));

    /* malformed, wrong count, another dimension */
    fake_reset();
    fake_script("[{\"raw\":\"{\\\"data\\\": [\"}]");
    assert_int_equal(wf_embed_texts(e, t, 1, v, &err), WF_EFORMAT);
    assert_non_null(strstr(err.p, "not JSON"));
    fake_script("[{\"raw\":\"{\\\"data\\\":[]}\"}]");
    assert_int_equal(wf_embed_texts(e, t, 1, v, &err), WF_EFORMAT);
    assert_non_null(strstr(err.p, "0 embeddings for 1 inputs"));
    fake_script("[{\"raw\":\"{\\\"data\\\":[{\\\"index\\\":0,\\\"embedding\\\":[1,2,3]}]}\"}]");
    assert_int_equal(wf_embed_texts(e, t, 1, v, &err), WF_EFORMAT);
    assert_non_null(strstr(err.p, "expected 8"));
    wf_embed_free(e);

    /* timeout */
    e = provider(300, 0);
    fake_reset();
    fake_script("[{\"delay_ms\":2000}]");
    assert_int_equal(wf_embed_texts(e, t, 1, v, &err), WF_ETIMEOUT);
    wf_embed_free(e);

    /* bad configuration */
    struct wf_embed_openai_config c = {"ftp://x", NULL, "m", 0, 0};
    assert_int_equal(wf_embed_openai(&c, &e), WF_EINVAL);
    c.base_url = fake_base;
    c.model = "";
    assert_int_equal(wf_embed_openai(&c, &e), WF_EINVAL);
    wf_buf_cleanup(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),     cmocka_unit_test(test_hash_short),
        cmocka_unit_test(test_ngram_hash),  cmocka_unit_test(test_common_sorted),
        cmocka_unit_test(test_batch_reuse), cmocka_unit_test(test_parse),
        cmocka_unit_test(test_openai),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
