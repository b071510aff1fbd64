/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Models of change risk: the feature sets (engineered JIT features and the
 * two literature baselines), the time-ordered split, training through the ml
 * module with standardisation folded into the saved weights, scoring, the
 * exact rank-based ROC AUC and the evaluation that runs them side by side.
 */
#include "risk.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TRAIN_FRAC 0.8
#define HASH_BITS 5u /* 32 slots: feature i of a set lives at index i */
#define TRAIN_EPOCHS 200u
#define TRAIN_LR 0.001
#define TRAIN_L2 1e-4
#define TRAIN_SEED 0x6a69742d72697331ull

static const char *const class_names[2] = {"clean", "buggy"};
static const char *const featset_versions[WF_RISK__FEAT_COUNT] = {"risk-jit-1", "risk-raw-1",
                                                                  "risk-la-1"};

/* ---- Features ----------------------------------------------------------------- */

static const char *const jit_names[] = {
    "log1p_ns",   "log1p_nd",   "log1p_nf",   "entropy",   "log1p_la",  "log1p_ld",
    "log1p_lt",   "fix",        "log1p_ndev", "log1p_age", "log1p_nuc", "log1p_exp",
    "log1p_rexp", "log1p_sexp", "la_per_lt",  "ld_per_lt", "la_per_nf",
};
#define N_JIT (sizeof(jit_names) / sizeof(jit_names[0]))

static double ratio(double a, double b)
{
    return a / (b > 1.0 ? b : 1.0);
}

size_t wf_risk_features(enum wf_risk_featset fs, const struct wf_risk_commit *c, double *out)
{
    const double *m = c->m;
    switch (fs) {
    case WF_RISK_FEAT_RAW:
        for (size_t k = 0; k < WF_RISK_N_METRICS; k++)
            out[k] = m[k];
        return WF_RISK_N_METRICS;
    case WF_RISK_FEAT_LA:
        out[0] = m[WF_RISK_LA];
        return 1;
    case WF_RISK_FEAT_JIT:
    default:
        break;
    }
    size_t k = 0;
    out[k++] = log1p(m[WF_RISK_NS]);
    out[k++] = log1p(m[WF_RISK_ND]);
    out[k++] = log1p(m[WF_RISK_NF]);
    out[k++] = m[WF_RISK_ENTROPY];
    out[k++] = log1p(m[WF_RISK_LA]);
    out[k++] = log1p(m[WF_RISK_LD]);
    out[k++] = log1p(m[WF_RISK_LT]);
    out[k++] = m[WF_RISK_FIX];
    out[k++] = log1p(m[WF_RISK_NDEV]);
    out[k++] = log1p(m[WF_RISK_AGE]);
    out[k++] = log1p(m[WF_RISK_NUC]);
    out[k++] = log1p(m[WF_RISK_EXP]);
    out[k++] = log1p(m[WF_RISK_REXP]);
    out[k++] = log1p(m[WF_RISK_SEXP]);
    out[k++] = log1p(ratio(m[WF_RISK_LA], m[WF_RISK_LT]));
    out[k++] = log1p(ratio(m[WF_RISK_LD], m[WF_RISK_LT]));
    out[k++] = log1p(ratio(m[WF_RISK_LA], m[WF_RISK_NF]));
    assert(k == N_JIT && k <= WF_RISK_MAX_FEATS);
    return k;
}

const char *wf_risk_feature_name(enum wf_risk_featset fs, size_t i)
{
    switch (fs) {
    case WF_RISK_FEAT_JIT:
        return i < N_JIT ? jit_names[i] : NULL;
    case WF_RISK_FEAT_RAW:
        return wf_risk_metric_name((unsigned)i);
    case WF_RISK_FEAT_LA:
        return i == 0 ? "la" : NULL;
    default:
        return NULL;
    }
}

/* ---- Split ---------------------------------------------------------------------- */

static int by_date(const void *a, const void *b)
{
    const struct wf_risk_commit *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    /* file order breaks ties, which makes qsort stable */
    return x->line < y->line ? -1 : x->line > y->line;
}

int wf_risk_split(struct wf_risk_data *d, double train_frac, size_t *n_train)
{
    if (!d || !(train_frac > 0.0 && train_frac < 1.0))
        return WF_EINVAL;
    size_t k = (size_t)floor((double)d->n * train_frac);
    if (k == 0 || k >= d->n)
        return WF_EINVAL;
    qsort(d->rows, d->n, sizeof(*d->rows), by_date);
    *n_train = k;
    return WF_OK;
}

/* ---- AUC ------------------------------------------------------------------------ */

struct ranked {
    double s;
    int y;
};

static int by_score(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

int wf_risk_auc(const double *scores, const int *labels, size_t n, double *auc)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(scores[i]))
            return WF_EINVAL;
        pos += labels[i] != 0;
    }
    if (pos == 0 || pos == n)
        return WF_EEMPTY;
    struct ranked *r = wf_malloc(n * sizeof(*r));
    if (!r)
        return WF_ENOMEM;
    for (size_t i = 0; i < n; i++)
        r[i] = (struct ranked){scores[i], labels[i] != 0};
    qsort(r, n, sizeof(*r), by_score);
    /* Sum of the (1-based, tie-averaged) ranks of the positives. */
    double rank_sum = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i, tied_pos = 0;
        while (j < n && r[j].s == r[i].s)
            tied_pos += (size_t)r[j++].y;
        rank_sum += (double)tied_pos * ((double)(i + 1) + (double)j) / 2.0;
        i = j;
    }
    wf_free(r);
    const double p = (double)pos, q = (double)(n - pos);
    *auc = (rank_sum - p * (p + 1.0) / 2.0) / (p * q);
    return WF_OK;
}

/* ---- Training and scoring ------------------------------------------------------- */

int wf_risk_train(const struct wf_risk_commit *rows, size_t n, enum wf_risk_featset fs,
                  struct wf_ml_model **out)
{
    double mean[WF_RISK_MAX_FEATS] = {0}, sd[WF_RISK_MAX_FEATS] = {0}, x[WF_RISK_MAX_FEATS];
    struct wf_ml_feat *feats = NULL;
    struct wf_ml_example *ex = NULL;
    struct wf_ml_model *m = NULL;
    size_t nf = 0, pos = 0;
    int rc;

    if (!rows || (unsigned)fs >= WF_RISK__FEAT_COUNT || !out)
        return WF_EINVAL;
    if (n == 0)
        return WF_EEMPTY;
    if (n > WF_LIMIT_TRAIN_EXAMPLES)
        return WF_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        nf = wf_risk_features(fs, &rows[i], x);
        for (size_t j = 0; j < nf; j++)
            mean[j] += x[j];
        pos += rows[i].bug != 0;
    }
    if (pos == 0 || pos == n)
        return WF_EEMPTY;
    for (size_t j = 0; j < nf; j++)
        mean[j] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        wf_risk_features(fs, &rows[i], x);
        for (size_t j = 0; j < nf; j++)
            sd[j] += (x[j] - mean[j]) * (x[j] - mean[j]);
    }
    for (size_t j = 0; j < nf; j++) {
        sd[j] = sqrt(sd[j] / (double)n);
        if (!(sd[j] > 1e-12))
            sd[j] = 1.0; /* a constant feature carries nothing; keep it finite */
    }

    feats = wf_malloc(n * nf * sizeof(*feats));
    ex = wf_malloc(n * sizeof(*ex));
    if (!feats || !ex) {
        rc = WF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        wf_risk_features(fs, &rows[i], x);
        for (size_t j = 0; j < nf; j++)
            feats[i * nf + j] = (struct wf_ml_feat){(uint32_t)j, (float)((x[j] - mean[j]) / sd[j])};
        ex[i] = (struct wf_ml_example){feats + i * nf, nf, rows[i].bug != 0};
    }
    rc = wf_ml_model_new(2, class_names, HASH_BITS, featset_versions[fs], &m);
    if (rc)
        goto out;
    /* The training means let wf_risk_assess express each feature's share of
     * the log-odds and neutralise unknown metrics (wf_risk_model_means). */
    struct wf_buf prov;
    wf_buf_init(&prov, 64u * WF_RISK_MAX_FEATS);
    rc = wf_buf_puts(&prov, "mean=");
    for (size_t j = 0; j < nf && !rc; j++)
        rc = wf_buf_appendf(&prov, "%s%.9g", j ? "," : "", mean[j]);
    m->trained_on = rc ? NULL : wf_buf_detach(&prov);
    wf_buf_cleanup(&prov);
    if (!rc && !m->trained_on)
        rc = WF_ENOMEM;
    if (rc)
        goto out;
    struct wf_ml_train_opts o = {TRAIN_EPOCHS, TRAIN_LR, TRAIN_L2, TRAIN_SEED};
    rc = wf_ml_train(m, ex, n, &o);
    if (rc)
        goto out;
    /* Fold the standardisation in: w.(x - mean)/sd + b = (w/sd).x + (b - w.mean/sd). */
    for (unsigned c = 0; c < 2; c++) {
        double b = m->bias[c];
        for (size_t j = 0; j < nf; j++) {
            double w = m->weights[j * 2 + c] / sd[j];
            m->weights[j * 2 + c] = (float)w;
            b -= w * mean[j];
        }
        m->bias[c] = (float)b;
    }
    *out = m;
    m = NULL;
out:
    wf_ml_model_free(m);
    wf_free(feats);
    wf_free(ex);
    return rc;
}

int wf_risk_model_featset(const struct wf_ml_model *m, enum wf_risk_featset *fs)
{
    if (!m || m->n_classes != 2 || strcmp(m->class_names[0], class_names[0]) != 0 ||
        strcmp(m->class_names[1], class_names[1]) != 0 || !m->version)
        return WF_EFORMAT;
    for (unsigned k = 0; k < WF_RISK__FEAT_COUNT; k++) {
        if (strcmp(m->version, featset_versions[k]) == 0) {
            *fs = (enum wf_risk_featset)k;
            return WF_OK;
        }
    }
    return WF_EFORMAT;
}

/* Log-odds of "buggy": the ranking score, free of the saturation of the
 * probability far from the decision boundary. */
static double logit(const struct wf_ml_model *m, enum wf_risk_featset fs,
                    const struct wf_risk_commit *c)
{
    double x[WF_RISK_MAX_FEATS];
    size_t nf = wf_risk_features(fs, c, x);
    const uint32_t mask = (uint32_t)((1u << m->hash_bits) - 1);
    double z = (double)m->bias[1] - m->bias[0];
    for (size_t j = 0; j < nf; j++) {
        const float *w = m->weights + (size_t)(j & mask) * 2;
        z += ((double)w[1] - w[0]) * x[j];
    }
    return z;
}

double wf_risk_score(const struct wf_ml_model *m, enum wf_risk_featset fs,
                     const struct wf_risk_commit *c)
{
    double z = logit(m, fs, c);
    return 1.0 / (1.0 + exp(-z));
}

/* ---- Evaluation ---------------------------------------------------------------- */

/* AUC on rows[n_train..n) of a model of set fs trained on rows[0..n_train). */
static int fit_auc(const struct wf_risk_commit *rows, size_t n_train, size_t n,
                   enum wf_risk_featset fs, double *scores, int *labels, double *auc)
{
    struct wf_ml_model *m = NULL;
    int rc = wf_risk_train(rows, n_train, fs, &m);
    if (rc)
        return rc;
    for (size_t i = n_train; i < n; i++) {
        scores[i - n_train] = logit(m, fs, &rows[i]);
        labels[i - n_train] = rows[i].bug != 0;
    }
    wf_ml_model_free(m);
    return wf_risk_auc(scores, labels, n - n_train, auc);
}

int wf_risk_eval(struct wf_risk_data *d, struct wf_risk_eval *out)
{
    struct wf_risk_eval e;
    double *scores = NULL;
    int *labels = NULL;
    size_t n_train;
    int rc;

    if (!d || !out)
        return WF_EINVAL;
    rc = wf_risk_split(d, TRAIN_FRAC, &n_train);
    if (rc)
        return rc;
    memset(&e, 0, sizeof(e));
    e.n_train = n_train;
    e.n_test = d->n - n_train;
    for (size_t i = 0; i < d->n; i++) {
        if (i < n_train)
            e.pos_train += d->rows[i].bug != 0;
        else
            e.pos_test += d->rows[i].bug != 0;
    }
    scores = wf_malloc(e.n_test * sizeof(*scores));
    labels = wf_malloc(e.n_test * sizeof(*labels));
    if (!scores || !labels) {
        rc = WF_ENOMEM;
        goto out;
    }
    rc = fit_auc(d->rows, n_train, d->n, WF_RISK_FEAT_JIT, scores, labels, &e.auc);
    if (!rc)
        rc = fit_auc(d->rows, n_train, d->n, WF_RISK_FEAT_RAW, scores, labels, &e.auc_lr_all);
    if (!rc)
        rc = fit_auc(d->rows, n_train, d->n, WF_RISK_FEAT_LA, scores, labels, &e.auc_la);
    if (!rc)
        *out = e;
out:
    wf_free(scores);
    wf_free(labels);
    return rc;
}
