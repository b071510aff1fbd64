/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Training of the multinomial logistic regression: plain SGD on the
 * cross-entropy loss with an L2 penalty on the weights (not the biases), a
 * learning rate of lr / (1 + epoch * LR_DECAY) and a deterministic shuffle per
 * epoch from the caller's seed. Updates are sparse: an epoch costs
 * O(non-zero features x classes), independent of the feature space size.
 */
#include "ml.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define DEFAULT_EPOCHS 30u
#define DEFAULT_LR 0.5
#define DEFAULT_L2 1e-5
#define LR_DECAY 0.1 /* per-epoch decay of the learning rate */
/* The L2 penalty shrinks every weight at every step. Rather than touch all
 * 2^hash_bits x classes weights per step, weights are stored as v with
 * w = scale * v; shrinking is scale *= (1 - lr * l2). When scale gets this
 * small the table is folded back (v *= scale, scale = 1) so v keeps its float
 * precision; with the defaults that happens every few million steps. */
#define MIN_SCALE 1e-6

void wf_ml__softmax(const double *scores, unsigned n, double *probs);

/* splitmix64: tiny, fast and fully determined by its seed. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void fold_scale(float *w, size_t n, double *scale)
{
    if (*scale == 1.0)
        return;
    for (size_t i = 0; i < n; i++)
        w[i] = (float)(w[i] * *scale);
    *scale = 1.0;
}

static int resolve_opts(const struct wf_ml_train_opts *opts, unsigned *epochs, double *lr,
                        double *l2)
{
    *epochs = DEFAULT_EPOCHS;
    *lr = DEFAULT_LR;
    *l2 = DEFAULT_L2;
    if (!opts)
        return WF_OK;
    if (!isfinite(opts->lr) || opts->lr < 0 || !isfinite(opts->l2))
        return WF_EINVAL;
    if (opts->epochs)
        *epochs = opts->epochs;
    if (opts->lr > 0)
        *lr = opts->lr;
    if (opts->l2 < 0)
        *l2 = 0;
    else if (opts->l2 > 0)
        *l2 = opts->l2;
    return WF_OK;
}

/* Options beyond the header: opts may be NULL (all defaults); a NaN or
 * infinite lr or l2, or a negative lr, is WF_EINVAL; more than
 * WF_LIMIT_TRAIN_EXAMPLES examples is WF_ETOOBIG; WF_ENOMEM. Feature values
 * that are not finite are ignored, as in wf_ml_predict. On error the model is
 * unchanged. */
int wf_ml_train(struct wf_ml_model *m, const struct wf_ml_example *ex, size_t n,
                const struct wf_ml_train_opts *opts)
{
    size_t *order = NULL;
    unsigned epochs;
    double lr, l2;
    int rc;

    if (!m)
        return WF_EINVAL;
    if (n == 0)
        return WF_EEMPTY;
    if (!ex)
        return WF_EINVAL;
    if (n > WF_LIMIT_TRAIN_EXAMPLES)
        return WF_ETOOBIG;
    rc = resolve_opts(opts, &epochs, &lr, &l2);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (ex[i].label < 0 || (unsigned)ex[i].label >= m->n_classes)
            return WF_EINVAL;
        if (ex[i].n && !ex[i].f)
            return WF_EINVAL;
    }
    order = wf_malloc(n * sizeof(*order));
    if (!order)
        return WF_ENOMEM;

    const unsigned nc = m->n_classes;
    const uint32_t mask = (uint32_t)((1ull << m->hash_bits) - 1);
    const size_t n_weights = ((size_t)mask + 1) * nc;
    float *w = m->weights;
    double scale = 1.0;
    uint64_t rng = opts ? opts->seed : 0;
    double scores[WF_ML_MAX_CLASSES], grad[WF_ML_MAX_CLASSES];

    memset(w, 0, n_weights * sizeof(*w));
    memset(m->bias, 0, nc * sizeof(*m->bias));
    for (size_t i = 0; i < n; i++)
        order[i] = i;

    for (unsigned epoch = 0; epoch < epochs; epoch++) {
        const double eta = lr / (1.0 + epoch * LR_DECAY);
        const double shrink = 1.0 - eta * l2;

        /* Fisher-Yates; the modulo bias is irrelevant here, determinism is not. */
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)(splitmix64(&rng) % (i + 1));
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }

        for (size_t k = 0; k < n; k++) {
            const struct wf_ml_example *e = &ex[order[k]];

            for (unsigned c = 0; c < nc; c++)
                scores[c] = 0.0;
            for (size_t i = 0; i < e->n; i++) {
                double v = e->f[i].val;
                if (!isfinite(v) || v == 0.0)
                    continue;
                const float *row = w + (size_t)(e->f[i].idx & mask) * nc;
                for (unsigned c = 0; c < nc; c++)
                    scores[c] += v * row[c];
            }
            for (unsigned c = 0; c < nc; c++)
                scores[c] = scores[c] * scale + m->bias[c];
            wf_ml__softmax(scores, nc, grad);
            grad[e->label] -= 1.0;

            /* w <- shrink * w - eta * grad: shrink through the scale first so
             * the gradient step lands unshrunk. */
            if (shrink <= 0.0) {
                /* A penalty step that overshoots zero simply clears the weights. */
                memset(w, 0, n_weights * sizeof(*w));
                scale = 1.0;
            } else if (shrink < 1.0) {
                scale *= shrink;
                if (scale < MIN_SCALE)
                    fold_scale(w, n_weights, &scale);
            }
            const double step = eta / scale;
            for (size_t i = 0; i < e->n; i++) {
                double v = e->f[i].val;
                if (!isfinite(v) || v == 0.0)
                    continue;
                float *row = w + (size_t)(e->f[i].idx & mask) * nc;
                for (unsigned c = 0; c < nc; c++)
                    row[c] = (float)(row[c] - step * grad[c] * v);
            }
            for (unsigned c = 0; c < nc; c++)
                m->bias[c] = (float)(m->bias[c] - eta * grad[c]);
        }
    }
    fold_scale(w, n_weights, &scale);
    wf_free(order);
    return WF_OK;
}
