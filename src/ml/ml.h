/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ml: small, dependency-free linear models. Multinomial logistic regression
 * over hashed sparse features (train with SGD + L2, predict calibrated
 * probabilities), a versioned text file format to save and load models, and
 * evaluation metrics (accuracy, per-class precision/recall/F1, macro-F1,
 * confusion matrix). Data in, data out: callers build the features.
 * Depends on util.
 */
#ifndef WF_ML_H
#define WF_ML_H

#include "util/util.h"

#define WF_ML_MAX_CLASSES 64u
#define WF_ML_MAX_HASH_BITS 24u
#define WF_ML_FORMAT_VERSION 1

/* One sparse feature: index in [0, 2^hash_bits) and value. */
struct wf_ml_feat {
    uint32_t idx;
    float val;
};

/* Maps a feature name to its index for a model with hash_bits bits. */
uint32_t wf_ml_feature_index(const char *name, size_t len, unsigned hash_bits);

struct wf_ml_model {
    unsigned n_classes; /* number of classes (<= WF_ML_MAX_CLASSES) */
    char **class_names; /* owned, n_classes entries */
    unsigned hash_bits; /* feature space is 2^hash_bits */
    float *weights;     /* owned, (1 << hash_bits) * n_classes, row-major by feature */
    float *bias;        /* owned, n_classes */
    char *version;      /* owned, free-form model version ("triage-2026.11.1") */
    char *trained_on;   /* owned, free-form provenance (data set, date), may be NULL */
};

/* New zero model. class_names borrowed (copied). Free with
 * wf_ml_model_free. WF_EINVAL on n_classes outside [2, WF_ML_MAX_CLASSES]
 * or hash_bits outside [4, WF_ML_MAX_HASH_BITS]. */
int wf_ml_model_new(unsigned n_classes, const char *const *class_names, unsigned hash_bits,
                    const char *version, struct wf_ml_model **out);
void wf_ml_model_free(struct wf_ml_model *m);
/* Index of a class by name, or -1. */
int wf_ml_class_index(const struct wf_ml_model *m, const char *name);

/* Writes softmax probabilities of every class to probs[n_classes]. Feature
 * indexes are reduced modulo the model's feature space. Thread-safe on a
 * model that is not being trained. */
void wf_ml_predict(const struct wf_ml_model *m, const struct wf_ml_feat *f, size_t n,
                   double *probs);

struct wf_ml_example {
    const struct wf_ml_feat *f; /* borrowed */
    size_t n;
    int label; /* class index */
};

struct wf_ml_train_opts {
    unsigned epochs; /* passes over the data; 0 = default (30) */
    double lr;       /* initial learning rate; 0 = default (0.5) */
    double l2;       /* L2 penalty; 0 = default (1e-5); negative = none */
    uint64_t seed;   /* shuffling seed (deterministic training) */
};

/* Trains in place (weights are reset first). Deterministic for a given seed
 * and example order. WF_EINVAL on a label out of range, WF_EEMPTY on n == 0. */
int wf_ml_train(struct wf_ml_model *m, const struct wf_ml_example *ex, size_t n,
                const struct wf_ml_train_opts *opts);

/* Serializes to the versioned text format (sparse: zero weights omitted).
 * Appends to out. */
int wf_ml_save(const struct wf_ml_model *m, struct wf_buf *out);
/* Parses a model (text borrowed). WF_EFORMAT with a message on malformed
 * input, WF_EVERSION on an unknown format version, WF_ETOOBIG past
 * WF_LIMIT_MODEL_BYTES. Returns owned (free with wf_ml_model_free). */
int wf_ml_load(const char *text, size_t len, struct wf_ml_model **out);

/* ---- Metrics ----------------------------------------------------------------- */

struct wf_ml_confusion {
    unsigned n_classes;
    unsigned long counts[WF_ML_MAX_CLASSES][WF_ML_MAX_CLASSES]; /* [truth][predicted] */
};

void wf_ml_confusion_init(struct wf_ml_confusion *c, unsigned n_classes);
void wf_ml_confusion_add(struct wf_ml_confusion *c, int truth, int predicted);
double wf_ml_accuracy(const struct wf_ml_confusion *c);
/* Per-class precision, recall and F1 (0 when undefined). */
void wf_ml_class_prf(const struct wf_ml_confusion *c, unsigned cls, double *p, double *r,
                     double *f1);
/* Mean F1 over classes that occur in truth or predictions. */
double wf_ml_macro_f1(const struct wf_ml_confusion *c);

/* ---- Agreement, label resolution, drift statistics (ml_stats.c) -------------------- */

/* Cohen's kappa of two raters over n items: a[i] and b[i] are the class
 * indexes the raters gave item i. kappa = (p_o - p_e) / (1 - p_e) with p_o
 * the observed agreement and p_e the agreement expected from each rater's
 * class frequencies. When p_e == 1 (both used one and the same class for
 * everything) kappa is 1 (p_o is then 1 too). *p_o (optional) receives the
 * observed agreement. WF_EINVAL on n == 0 or a class outside [0,
 * n_classes), n_classes > WF_ML_MAX_CLASSES. Pure. */
int wf_ml_cohen_kappa(const int *a, const int *b, size_t n, unsigned n_classes, double *kappa,
                      double *p_o);

/* One label given to an item. */
struct wf_ml_vote {
    int label;     /* class index */
    int64_t at_ms; /* when it was given */
};

/* Resolves conflicting labels of one item: the class with most votes;
 * a tie goes to the tied class whose latest vote is the most recent (a
 * further tie on time: the lower class index). Callers pass one vote per
 * labeler (their latest). Returns the class, or -1 when n == 0 or a label
 * is outside [0, n_classes). Pure. */
int wf_ml_resolve_votes(const struct wf_ml_vote *v, size_t n, unsigned n_classes);

/* Floor applied to every bin proportion by wf_ml_psi and wf_ml_js (so an
 * empty bin contributes a large but finite term). */
#define WF_ML_DRIFT_EPS 1e-4

/* Population stability index of `actual` against `expected`, both n bin
 * counts (any scale; each is normalised to proportions, which are then
 * floored at WF_ML_DRIFT_EPS): sum (a_i - e_i) * ln(a_i / e_i). 0 when a
 * histogram is empty or n == 0. Pure. */
double wf_ml_psi(const double *expected, const double *actual, size_t n);

/* Jensen-Shannon divergence of two histograms (normalised and floored as
 * in wf_ml_psi), base-2 logarithms: 0 (same) .. 1 (disjoint). Pure. */
double wf_ml_js(const double *p, const double *q, size_t n);

/* The bin of v among n equal-width bins over [lo, hi]; values outside go
 * to the first or last bin (NaN to the first). n >= 1, hi > lo. Pure. */
size_t wf_ml_bin(double v, double lo, double hi, size_t n);

#endif
