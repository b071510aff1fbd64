/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model object of the ml module: creation and release, class and feature
 * lookup, and prediction (a linear score per class turned into probabilities
 * by a numerically stable softmax). Training lives in ml_train.c, the file
 * format in ml_io.c.
 */
#include "ml.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/* Largest weight table a model may hold: 2^26 floats (256 MiB). A 24-bit
 * feature space with 64 classes would need 4 GiB, which a model file of a few
 * bytes could otherwise ask for. */
#define MAX_WEIGHTS (1ull << 26)

/* Seed of the feature hash; part of the model format, never change it. */
#define FEATURE_SEED 0x6d6c2d6665617431ull

uint32_t wf_ml_feature_index(const char *name, size_t len, unsigned hash_bits)
{
    uint64_t h = wf_hash64(name, len, FEATURE_SEED);
    if (hash_bits >= 32)
        return (uint32_t)h;
    return (uint32_t)(h & ((1ull << hash_bits) - 1));
}

/* Shared with the module's other files (each declares what it uses). */
int wf_ml__valid_name(const char *s);
int wf_ml__valid_text(const char *s);
void wf_ml__softmax(const double *scores, unsigned n, double *probs);

/* A class name is one token of the file format: non-empty, no whitespace,
 * no control characters. */
int wf_ml__valid_name(const char *s)
{
    if (!s || !*s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f)
            return 0;
    }
    return 1;
}

/* Version and provenance are the rest of a line: printable, spaces allowed. */
int wf_ml__valid_text(const char *s)
{
    if (!s || !*s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    }
    return 1;
}

void wf_ml_model_free(struct wf_ml_model *m)
{
    if (!m)
        return;
    if (m->class_names) {
        for (unsigned i = 0; i < m->n_classes; i++)
            wf_free(m->class_names[i]);
    }
    wf_free(m->class_names);
    wf_free(m->weights);
    wf_free(m->bias);
    wf_free(m->version);
    wf_free(m->trained_on);
    wf_free(m);
}

/* Beyond the documented range checks, class names must be valid tokens and
 * distinct, and the version printable (WF_EINVAL), because a model that cannot
 * be saved and loaded back is of no use. A NULL or empty version becomes
 * "unversioned". WF_ETOOBIG when the weight table would exceed MAX_WEIGHTS. */
int wf_ml_model_new(unsigned n_classes, const char *const *class_names, unsigned hash_bits,
                    const char *version, struct wf_ml_model **out)
{
    struct wf_ml_model *m = NULL;
    int rc = WF_EINVAL;

    if (!out || !class_names || n_classes < 2 || n_classes > WF_ML_MAX_CLASSES || hash_bits < 4 ||
        hash_bits > WF_ML_MAX_HASH_BITS)
        goto out;
    if (!version || !*version)
        version = "unversioned";
    if (!wf_ml__valid_text(version))
        goto out;
    for (unsigned i = 0; i < n_classes; i++) {
        if (!wf_ml__valid_name(class_names[i]))
            goto out;
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(class_names[i], class_names[j]) == 0)
                goto out;
        }
    }
    size_t n_weights = ((size_t)1 << hash_bits) * n_classes;
    if (n_weights > MAX_WEIGHTS) {
        rc = WF_ETOOBIG;
        goto out;
    }

    rc = WF_ENOMEM;
    m = wf_calloc(1, sizeof(*m));
    if (!m)
        goto out;
    m->hash_bits = hash_bits;
    m->class_names = wf_calloc(n_classes, sizeof(*m->class_names));
    if (!m->class_names)
        goto out;
    m->n_classes = n_classes;
    for (unsigned i = 0; i < n_classes; i++) {
        m->class_names[i] = wf_strndup(class_names[i], strlen(class_names[i]));
        if (!m->class_names[i])
            goto out;
    }
    m->weights = wf_calloc(n_weights, sizeof(*m->weights));
    m->bias = wf_calloc(n_classes, sizeof(*m->bias));
    m->version = wf_strndup(version, strlen(version));
    if (!m->weights || !m->bias || !m->version)
        goto out;
    m->trained_on = NULL;
    *out = m;
    m = NULL;
    rc = WF_OK;
out:
    wf_ml_model_free(m);
    return rc;
}

int wf_ml_class_index(const struct wf_ml_model *m, const char *name)
{
    if (!m || !name)
        return -1;
    for (unsigned i = 0; i < m->n_classes; i++) {
        if (strcmp(m->class_names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

/* Softmax of scores[n] into probs[n]. NaN scores count as -inf; when some
 * scores are +inf they share the whole mass, so the result always sums to 1. */
void wf_ml__softmax(const double *scores, unsigned n, double *probs)
{
    assert(n > 0);
    double max = -HUGE_VAL;
    for (unsigned c = 0; c < n; c++) {
        double s = isnan(scores[c]) ? -HUGE_VAL : scores[c];
        probs[c] = s;
        if (s > max)
            max = s;
    }
    if (isinf(max)) {
        /* All -inf: uniform. Some +inf: uniform over those. */
        unsigned k = 0;
        for (unsigned c = 0; c < n; c++)
            k += probs[c] == max;
        for (unsigned c = 0; c < n; c++)
            probs[c] = probs[c] == max ? 1.0 / k : 0.0;
        return;
    }
    double sum = 0.0;
    for (unsigned c = 0; c < n; c++) {
        probs[c] = exp(probs[c] - max);
        sum += probs[c];
    }
    /* sum >= 1: the maximum contributes exp(0). */
    for (unsigned c = 0; c < n; c++)
        probs[c] /= sum;
}

void wf_ml_predict(const struct wf_ml_model *m, const struct wf_ml_feat *f, size_t n, double *probs)
{
    assert(m && probs);
    assert(m->n_classes >= 1 && m->n_classes <= WF_ML_MAX_CLASSES);
    double scores[WF_ML_MAX_CLASSES];
    unsigned nc = m->n_classes;
    uint32_t mask = (uint32_t)((1ull << m->hash_bits) - 1);

    for (unsigned c = 0; c < nc; c++)
        scores[c] = m->bias[c];
    for (size_t i = 0; i < n; i++) {
        double v = f[i].val;
        /* A non-finite value would poison every score; training skips them too. */
        if (!isfinite(v) || v == 0.0)
            continue;
        const float *w = m->weights + (size_t)(f[i].idx & mask) * nc;
        for (unsigned c = 0; c < nc; c++)
            scores[c] += v * w[c];
    }
    wf_ml__softmax(scores, nc, probs);
}
