/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the ml module: training on a separable toy set, softmax
 * sanity, save/load round trips, strict rejection of malformed model files,
 * allocation failures, and metrics on a hand-computed confusion matrix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml/ml.h"

#define TOY_BITS 8u
#define TOY_CLASSES 3u
#define TOY_PER_CLASS 12u
#define TOY_N (TOY_CLASSES * TOY_PER_CLASS)
#define TOY_FEATS 4u

static const char *const toy_names[TOY_CLASSES] = {"compile", "test", "infra"};

struct toy {
    struct wf_ml_feat feats[TOY_N][TOY_FEATS];
    struct wf_ml_example ex[TOY_N];
};

/* Class c owns features c*10+1..c*10+3; each example has two of its own and
 * one shared feature (index 200, so it carries no signal). */
static void toy_build(struct toy *t)
{
    size_t k = 0;
    for (unsigned c = 0; c < TOY_CLASSES; c++) {
        for (unsigned i = 0; i < TOY_PER_CLASS; i++, k++) {
            struct wf_ml_feat *f = t->feats[k];
            f[0] = (struct wf_ml_feat){c * 10 + 1 + i % 3, 1.0f};
            f[1] = (struct wf_ml_feat){c * 10 + 1 + (i + 1) % 3, 0.5f};
            f[2] = (struct wf_ml_feat){200, 1.0f};
            /* Beyond the feature space: reduced modulo 2^TOY_BITS. */
            f[3] = (struct wf_ml_feat){(1u << TOY_BITS) + 200, 0.25f};
            t->ex[k] = (struct wf_ml_example){f, TOY_FEATS, (int)c};
        }
    }
}

static struct wf_ml_model *toy_model(void)
{
    struct wf_ml_model *m = NULL;
    assert_int_equal(wf_ml_model_new(TOY_CLASSES, toy_names, TOY_BITS, "toy-1", &m), WF_OK);
    assert_non_null(m);
    return m;
}

static struct wf_ml_model *toy_trained(const struct toy *t, uint64_t seed)
{
    struct wf_ml_model *m = toy_model();
    struct wf_ml_train_opts o = {.epochs = 20, .seed = seed};
    assert_int_equal(wf_ml_train(m, t->ex, TOY_N, &o), WF_OK);
    return m;
}

static int argmax(const double *p, unsigned n)
{
    int best = 0;
    for (unsigned c = 1; c < n; c++) {
        if (p[c] > p[best])
            best = (int)c;
    }
    return best;
}

static void assert_distribution(const double *p, unsigned n)
{
    double sum = 0.0;
    for (unsigned c = 0; c < n; c++) {
        assert_true(isfinite(p[c]));
        assert_true(p[c] >= 0.0 && p[c] <= 1.0);
        sum += p[c];
    }
    assert_true(fabs(sum - 1.0) < 1e-12);
}

static void test_learns_separable_toy(void **state)
{
    (void)state;
    static struct toy t;
    toy_build(&t);
    struct wf_ml_model *m = toy_trained(&t, 42);
    struct wf_ml_confusion cm;
    wf_ml_confusion_init(&cm, TOY_CLASSES);
    for (size_t i = 0; i < TOY_N; i++) {
        double p[TOY_CLASSES];
        wf_ml_predict(m, t.ex[i].f, t.ex[i].n, p);
        assert_distribution(p, TOY_CLASSES);
        wf_ml_confusion_add(&cm, t.ex[i].label, argmax(p, TOY_CLASSES));
    }
    assert_true(wf_ml_accuracy(&cm) == 1.0);
    assert_true(wf_ml_macro_f1(&cm) == 1.0);
    assert_int_equal(wf_ml_class_index(m, "infra"), 2);
    assert_int_equal(wf_ml_class_index(m, "nope"), -1);
    wf_ml_model_free(m);
}

static void test_probabilities_sum_to_one(void **state)
{
    (void)state;
    static struct toy t;
    toy_build(&t);
    struct wf_ml_model *m = toy_trained(&t, 7);
    double p[TOY_CLASSES];

    wf_ml_predict(m, NULL, 0, p);
    assert_distribution(p, TOY_CLASSES);

    /* Huge values push scores to +-inf; NaN and inf values are ignored. */
    struct wf_ml_feat extreme[] = {
        {1, 3e38f}, {11, -3e38f}, {2, NAN}, {3, INFINITY}, {21, 1e30f}, {0xffffffffu, 1.0f},
    };
    for (size_t n = 1; n <= sizeof(extreme) / sizeof(extreme[0]); n++) {
        wf_ml_predict(m, extreme, n, p);
        assert_distribution(p, TOY_CLASSES);
    }
    wf_ml_model_free(m);
}

static char *save_str(const struct wf_ml_model *m, size_t *len)
{
    struct wf_buf b;
    wf_buf_init(&b, WF_LIMIT_MODEL_BYTES);
    assert_int_equal(wf_ml_save(m, &b), WF_OK);
    *len = b.len;
    return wf_buf_detach(&b);
}

static void test_save_load_round_trip(void **state)
{
    (void)state;
    static struct toy t;
    toy_build(&t);
    struct wf_ml_model *m = toy_trained(&t, 3), *m2 = NULL;
    m->trained_on = wf_strndup("toy set 2026-11-23", 18);
    size_t len, len2;
    char *text = save_str(m, &len);

    assert_int_equal(wf_ml_load(text, len, &m2), WF_OK);
    assert_non_null(m2);
    assert_int_equal(m2->n_classes, m->n_classes);
    assert_int_equal(m2->hash_bits, m->hash_bits);
    assert_string_equal(m2->version, "toy-1");
    assert_string_equal(m2->trained_on, "toy set 2026-11-23");
    for (unsigned c = 0; c < TOY_CLASSES; c++)
        assert_string_equal(m2->class_names[c], toy_names[c]);
    size_t n_weights = ((size_t)1 << TOY_BITS) * TOY_CLASSES;
    assert_memory_equal(m2->weights, m->weights, n_weights * sizeof(float));
    assert_memory_equal(m2->bias, m->bias, TOY_CLASSES * sizeof(float));
    for (size_t i = 0; i < TOY_N; i++) {
        double p[TOY_CLASSES], p2[TOY_CLASSES];
        wf_ml_predict(m, t.ex[i].f, t.ex[i].n, p);
        wf_ml_predict(m2, t.ex[i].f, t.ex[i].n, p2);
        assert_memory_equal(p, p2, sizeof(p));
    }

    /* Saving is deterministic, and a re-save is byte-identical. */
    char *text2 = save_str(m2, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(text, text2, len);
    assert_true(strncmp(text, "workflowai-model 1\nversion toy-1\n", 33) == 0);

    /* Without provenance the file says "-" and loads back as NULL. */
    wf_ml_model_free(m2);
    m2 = NULL;
    wf_free(m->trained_on);
    m->trained_on = NULL;
    wf_free(text);
    text = save_str(m, &len);
    assert_non_null(strstr(text, "\ntrained_on -\n"));
    assert_int_equal(wf_ml_load(text, len, &m2), WF_OK);
    assert_null(m2->trained_on);

    wf_free(text);
    wf_free(text2);
    wf_ml_model_free(m);
    wf_ml_model_free(m2);
}

static void test_round_trip_extreme_values(void **state)
{
    (void)state;
    static const float values[] = {FLT_MAX,   -FLT_MAX, FLT_MIN,     -FLT_MIN,    1e-45f,    0.1f,
                                   -1.0f / 3, 1e-10f,   123456.789f, 16777217.0f, -0.000123f};
    struct wf_ml_model *m = toy_model(), *m2 = NULL;
    size_t nv = sizeof(values) / sizeof(values[0]);
    for (size_t i = 0; i < nv; i++)
        m->weights[i * 7] = values[i];
    m->bias[0] = FLT_MAX;
    m->bias[1] = -0.0f;
    m->bias[2] = 1e-45f;
    size_t len;
    char *text = save_str(m, &len);
    assert_int_equal(wf_ml_load(text, len, &m2), WF_OK);
    size_t n_weights = ((size_t)1 << TOY_BITS) * TOY_CLASSES;
    assert_memory_equal(m2->weights, m->weights, n_weights * sizeof(float));
    assert_memory_equal(m2->bias, m->bias, TOY_CLASSES * sizeof(float));
    wf_free(text);
    wf_ml_model_free(m);
    wf_ml_model_free(m2);
}

static void test_save_is_atomic(void **state)
{
    (void)state;
    static struct toy t;
    toy_build(&t);
    struct wf_ml_model *m = toy_trained(&t, 1);
    struct wf_buf b;
    wf_buf_init(&b, 64);
    assert_int_equal(wf_buf_puts(&b, "keep"), WF_OK);
    assert_int_equal(wf_ml_save(m, &b), WF_ETOOBIG);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.p, "keep");

    /* A diverged weight cannot be written in a loadable form. */
    m->weights[5] = NAN;
    assert_int_equal(wf_ml_save(m, &b), WF_EINVAL);
    assert_int_equal(b.len, 4);
    wf_buf_cleanup(&b);
    wf_ml_model_free(m);
}

static void test_deterministic_training(void **state)
{
    (void)state;
    static struct toy t;
    toy_build(&t);
    struct wf_ml_model *a = toy_trained(&t, 99), *b = toy_trained(&t, 99);
    size_t n_weights = ((size_t)1 << TOY_BITS) * TOY_CLASSES;
    assert_memory_equal(a->weights, b->weights, n_weights * sizeof(float));
    assert_memory_equal(a->bias, b->bias, TOY_CLASSES * sizeof(float));

    /* Retraining resets the weights first: same result again. */
    struct wf_ml_train_opts o = {.epochs = 20, .seed = 99};
    assert_int_equal(wf_ml_train(b, t.ex, TOY_N, &o), WF_OK);
    assert_memory_equal(a->weights, b->weights, n_weights * sizeof(float));
    wf_ml_model_free(a);
    wf_ml_model_free(b);
}

static void test_strong_l2_stays_finite(void **state)
{
    (void)state;
    static struct toy t;
    toy_build(&t);
    struct wf_ml_model *m = toy_model();
    /* lr * l2 >= 1 overshoots zero; lr * l2 close to 1 folds the scale often. */
    struct wf_ml_train_opts o[] = {{.epochs = 3, .lr = 1.0, .l2 = 2.0},
                                   {.epochs = 3, .lr = 0.5, .l2 = 1.9},
                                   {.epochs = 3, .l2 = -1.0}};
    for (size_t k = 0; k < sizeof(o) / sizeof(o[0]); k++) {
        assert_int_equal(wf_ml_train(m, t.ex, TOY_N, &o[k]), WF_OK);
        size_t n_weights = ((size_t)1 << TOY_BITS) * TOY_CLASSES;
        for (size_t i = 0; i < n_weights; i++)
            assert_true(isfinite(m->weights[i]));
    }
    wf_ml_model_free(m);
}

static void test_train_errors(void **state)
{
    (void)state;
    static struct toy t;
    toy_build(&t);
    struct wf_ml_model *m = toy_model();
    assert_int_equal(wf_ml_train(m, t.ex, 0, NULL), WF_EEMPTY);
    t.ex[5].label = 3;
    assert_int_equal(wf_ml_train(m, t.ex, TOY_N, NULL), WF_EINVAL);
    t.ex[5].label = -1;
    assert_int_equal(wf_ml_train(m, t.ex, TOY_N, NULL), WF_EINVAL);
    t.ex[5].label = 0;
    struct wf_ml_train_opts o = {.lr = NAN};
    assert_int_equal(wf_ml_train(m, t.ex, TOY_N, &o), WF_EINVAL);
    assert_int_equal(wf_ml_train(m, t.ex, TOY_N, NULL), WF_OK);
    wf_ml_model_free(m);
}

static void test_model_new_rejects(void **state)
{
    (void)state;
    struct wf_ml_model *m = NULL;
    const char *const dup[] = {"a", "b", "a"};
    const char *const spaced[] = {"a", "b c"};
    const char *const many[WF_ML_MAX_CLASSES + 1] = {0};
    assert_int_equal(wf_ml_model_new(1, toy_names, 8, "v", &m), WF_EINVAL);
    assert_int_equal(wf_ml_model_new(WF_ML_MAX_CLASSES + 1, many, 8, "v", &m), WF_EINVAL);
    assert_int_equal(wf_ml_model_new(3, toy_names, 3, "v", &m), WF_EINVAL);
    assert_int_equal(wf_ml_model_new(3, toy_names, WF_ML_MAX_HASH_BITS + 1, "v", &m), WF_EINVAL);
    assert_int_equal(wf_ml_model_new(3, dup, 8, "v", &m), WF_EINVAL);
    assert_int_equal(wf_ml_model_new(2, spaced, 8, "v", &m), WF_EINVAL);
    assert_int_equal(wf_ml_model_new(2, toy_names, 8, "line\nbreak", &m), WF_EINVAL);
    assert_null(m);
    assert_int_equal(wf_ml_model_new(2, toy_names, 8, NULL, &m), WF_OK);
    assert_string_equal(m->version, "unversioned");
    wf_ml_model_free(m);
    wf_ml_model_free(NULL);
}

static void test_feature_index(void **state)
{
    (void)state;
    for (unsigned bits = 4; bits <= WF_ML_MAX_HASH_BITS; bits++) {
        uint32_t a = wf_ml_feature_index("error: cannot find symbol", 25, bits);
        assert_true(a < (1u << bits));
        assert_int_equal(a, wf_ml_feature_index("error: cannot find symbol", 25, bits));
    }
    assert_int_not_equal(wf_ml_feature_index("abc", 3, 24), wf_ml_feature_index("abd", 3, 24));
}

/* ---- Loading malformed files ---------------------------------------------- */

static const char good[] = "workflowai-model 1\n"
                           "version v 1\n"
                           "trained_on -\n"
                           "hash_bits 4\n"
                           "classes 3\n"
                           "class a\n"
                           "class b\n"
                           "class c\n"
                           "bias 0.5 -0.25 0\n"
                           "w 15 2 1.5\n"
                           "w 0 0 -2\n"
                           "end\n";

static int load_str(const char *s, struct wf_ml_model **m)
{
    return wf_ml_load(s, strlen(s), m);
}

static void test_load_good(void **state)
{
    (void)state;
    struct wf_ml_model *m = NULL;
    assert_int_equal(load_str(good, &m), WF_OK);
    assert_string_equal(m->version, "v 1");
    assert_true(m->weights[15 * 3 + 2] == 1.5f);
    assert_true(m->weights[0] == -2.0f);
    assert_true(m->bias[1] == -0.25f);
    wf_ml_model_free(m);
    /* CRLF line ends and a missing final newline are accepted. */
    const char crlf[] = "workflowai-model 1\r\nversion v\r\ntrained_on x\r\nhash_bits 4\r\n"
                        "classes 2\r\nclass a\r\nclass b\r\nbias 1 2\r\nend";
    assert_int_equal(load_str(crlf, &m), WF_OK);
    assert_string_equal(m->trained_on, "x");
    wf_ml_model_free(m);
}

/* good with the first occurrence of `from` replaced by `to`. */
static char *variant(const char *from, const char *to)
{
    const char *at = strstr(good, from);
    assert_non_null(at);
    size_t pre = (size_t)(at - good), flen = strlen(from), tlen = strlen(to);
    size_t rest = strlen(at + flen);
    char *s = malloc(pre + tlen + rest + 1);
    assert_non_null(s);
    memcpy(s, good, pre);
    memcpy(s + pre, to, tlen);
    memcpy(s + pre + tlen, at + flen, rest + 1);
    return s;
}

static void test_load_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to;
        int rc;
    } cases[] = {
        {"workflowai-model 1", "workflowai-modle 1", WF_EFORMAT},
        {"workflowai-model 1", "workflowai-model", WF_EFORMAT},
        {"workflowai-model 1", "workflowai-model x", WF_EFORMAT},
        {"workflowai-model 1", "workflowai-model 2", WF_EVERSION},
        {"workflowai-model 1", "workflowai-model 0", WF_EVERSION},
        {"workflowai-model 1", "workflowai-model 1 ", WF_EFORMAT},
        {"version v 1\n", "version \n", WF_EFORMAT},
        {"version v 1\n", "version v\x01\n", WF_EFORMAT},
        {"version v 1\n", "", WF_EFORMAT},
        {"trained_on -\n", "trained_on\n", WF_EFORMAT},
        {"hash_bits 4", "hash_bits 3", WF_EFORMAT},
        {"hash_bits 4", "hash_bits 25", WF_EFORMAT},
        {"hash_bits 4", "hash_bits -4", WF_EFORMAT},
        {"hash_bits 4", "hash_bits 4x", WF_EFORMAT},
        {"hash_bits 4", "hash_bits  4", WF_EFORMAT},
        {"hash_bits 4", "hash_bits 99999999999999999999999", WF_EFORMAT},
        {"classes 3", "classes 65", WF_EFORMAT},
        {"classes 3", "classes 1", WF_EFORMAT},
        {"classes 3", "classes 4", WF_EFORMAT},
        {"classes 3", "classes 2", WF_EFORMAT},
        {"class c\n", "class a\n", WF_EFORMAT},
        {"class c\n", "class c d\n", WF_EFORMAT},
        {"class c\n", "class \n", WF_EFORMAT},
        {"bias 0.5 -0.25 0", "bias 0.5 -0.25", WF_EFORMAT},
        {"bias 0.5 -0.25 0", "bias 0.5 -0.25 0 1", WF_EFORMAT},
        {"bias 0.5 -0.25 0", "bias 0.5 -0.25 0 ", WF_EFORMAT},
        {"bias 0.5 -0.25 0", "bias 0.5 nan 0", WF_EFORMAT},
        {"bias 0.5 -0.25 0", "bias 0.5 -inf 0", WF_EFORMAT},
        {"w 15 2 1.5", "w 16 2 1.5", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 3 1.5", WF_EFORMAT},
        {"w 15 2 1.5", "w -1 2 1.5", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2 NaN", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2 inf", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2 1e39", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2 1e999", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2 1.5x", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2  1.5", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2 1.5 7", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2", WF_EFORMAT},
        {"w 15 2 1.5", "w 15 2 0", WF_EFORMAT},
        {"w 15 2 1.5", "w 0 0 3", WF_EFORMAT},
        {"w 15 2 1.5", "x 15 2 1.5", WF_EFORMAT},
        {"w 15 2 1.5\n", "\n", WF_EFORMAT},
        {"end\n", "end\ntrailing\n", WF_EFORMAT},
        {"end\n", "end\n\n", WF_EFORMAT},
        {"end\n", "end \n", WF_EFORMAT},
        {"end\n", "", WF_EFORMAT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = variant(cases[i].from, cases[i].to);
        struct wf_ml_model *m = NULL;
        int rc = load_str(s, &m);
        if (rc != cases[i].rc)
            print_error("case %zu (%s -> %s): got %s\n", i, cases[i].from, cases[i].to,
                        wf_errname(rc));
        assert_int_equal(rc, cases[i].rc);
        assert_null(m);
        free(s);
    }
}

static void test_load_rejects_truncation(void **state)
{
    (void)state;
    size_t len = strlen(good);
    for (size_t n = 0; n < len - 1; n++) {
        struct wf_ml_model *m = NULL;
        assert_int_equal(wf_ml_load(good, n, &m), WF_EFORMAT);
        assert_null(m);
    }
}

static void test_load_rejects_size_and_bytes(void **state)
{
    (void)state;
    struct wf_ml_model *m = NULL;
    char with_nul[sizeof(good)];
    memcpy(with_nul, good, sizeof(good));
    with_nul[30] = '\0';
    assert_int_equal(wf_ml_load(with_nul, sizeof(good) - 1, &m), WF_EFORMAT);

    char *big = calloc(1, (size_t)WF_LIMIT_MODEL_BYTES + 1);
    assert_non_null(big);
    assert_int_equal(wf_ml_load(big, (size_t)WF_LIMIT_MODEL_BYTES + 1, &m), WF_ETOOBIG);
    free(big);

    /* A tiny file must not be able to ask for gigabytes of weights. */
    struct wf_buf b;
    wf_buf_init(&b, 4096);
    assert_int_equal(wf_buf_puts(&b, "workflowai-model 1\nversion v\ntrained_on -\n"
                                     "hash_bits 24\nclasses 64\n"),
                     WF_OK);
    for (unsigned c = 0; c < 64; c++)
        assert_int_equal(wf_buf_appendf(&b, "class c%u\n", c), WF_OK);
    assert_int_equal(wf_buf_puts(&b, "bias"), WF_OK);
    for (unsigned c = 0; c < 64; c++)
        assert_int_equal(wf_buf_puts(&b, " 0"), WF_OK);
    assert_int_equal(wf_buf_puts(&b, "\nend\n"), WF_OK);
    assert_int_equal(wf_ml_load(b.p, b.len, &m), WF_ETOOBIG);
    wf_buf_cleanup(&b);
    assert_null(m);
}

/* ---- Allocation failures --------------------------------------------------- */

static void test_alloc_failures(void **state)
{
    (void)state;
    static struct toy t;
    toy_build(&t);
    int rc = WF_ENOMEM;
    for (long n = 0; rc == WF_ENOMEM; n++) {
        struct wf_ml_model *m = NULL;
        wf_alloc_fail_after(n);
        rc = load_str(good, &m);
        wf_alloc_fail_after(-1);
        assert_true(rc == WF_OK || rc == WF_ENOMEM);
        if (rc == WF_ENOMEM)
            assert_null(m);
        wf_ml_model_free(m);
    }
    struct wf_ml_model *m = toy_model();
    wf_alloc_fail_after(0);
    rc = wf_ml_train(m, t.ex, TOY_N, NULL);
    wf_alloc_fail_after(-1);
    assert_int_equal(rc, WF_ENOMEM);
    wf_ml_model_free(m);
}

/* ---- Metrics ----------------------------------------------------------------- */

static void test_metrics(void **state)
{
    (void)state;
    /* truth \ predicted   0  1  2  3
     *         0           5  1  0  0
     *         1           2  3  1  0
     *         2           0  0  0  0   (only ever predicted)
     *         3           0  0  0  0   (absent: left out of macro-F1) */
    static const unsigned long counts[3][3] = {{5, 1, 0}, {2, 3, 1}, {0, 0, 0}};
    struct wf_ml_confusion cm;
    wf_ml_confusion_init(&cm, 4);
    for (int tr = 0; tr < 3; tr++) {
        for (int pr = 0; pr < 3; pr++) {
            for (unsigned long k = 0; k < counts[tr][pr]; k++)
                wf_ml_confusion_add(&cm, tr, pr);
        }
    }
    wf_ml_confusion_add(&cm, 4, 0);  /* out of range: ignored */
    wf_ml_confusion_add(&cm, 0, -1); /* likewise */

    double p, r, f1;
    assert_true(fabs(wf_ml_accuracy(&cm) - 8.0 / 12.0) < 1e-12);
    wf_ml_class_prf(&cm, 0, &p, &r, &f1);
    assert_true(fabs(p - 5.0 / 7.0) < 1e-12);
    assert_true(fabs(r - 5.0 / 6.0) < 1e-12);
    assert_true(fabs(f1 - 10.0 / 13.0) < 1e-12);
    wf_ml_class_prf(&cm, 1, &p, &r, &f1);
    assert_true(fabs(p - 0.75) < 1e-12);
    assert_true(fabs(r - 0.5) < 1e-12);
    assert_true(fabs(f1 - 0.6) < 1e-12);
    wf_ml_class_prf(&cm, 2, &p, &r, &f1);
    assert_true(p == 0.0 && r == 0.0 && f1 == 0.0);
    wf_ml_class_prf(&cm, 9, &p, &r, &f1);
    assert_true(p == 0.0 && r == 0.0 && f1 == 0.0);
    assert_true(fabs(wf_ml_macro_f1(&cm) - (10.0 / 13.0 + 0.6) / 3.0) < 1e-12);

    wf_ml_confusion_init(&cm, 3);
    assert_true(wf_ml_accuracy(&cm) == 0.0);
    assert_true(wf_ml_macro_f1(&cm) == 0.0);
}

int main(void)
{
    /* Rejections log a warning each; keep the test output readable. */
    wf_log_set_level(WF_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_separable_toy),
        cmocka_unit_test(test_probabilities_sum_to_one),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_round_trip_extreme_values),
        cmocka_unit_test(test_save_is_atomic),
        cmocka_unit_test(test_deterministic_training),
        cmocka_unit_test(test_strong_l2_stays_finite),
        cmocka_unit_test(test_train_errors),
        cmocka_unit_test(test_model_new_rejects),
        cmocka_unit_test(test_feature_index),
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_rejects),
        cmocka_unit_test(test_load_rejects_truncation),
        cmocka_unit_test(test_load_rejects_size_and_bytes),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
