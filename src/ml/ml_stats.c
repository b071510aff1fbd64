/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Statistics of the feedback loop: Cohen's kappa between two labelers,
 * the rule that resolves conflicting labels, and the drift measures
 * (population stability index, Jensen-Shannon divergence) over binned
 * histograms. Pure functions over arrays; docs/internals/ml.md gives the
 * formulas and the hand-checked examples the unit tests use.
 */
#include <math.h>
#include <string.h>

#include "ml/ml.h"

int wf_ml_cohen_kappa(const int *a, const int *b, size_t n, unsigned n_classes, double *kappa,
                      double *p_o)
{
    if (!a || !b || !kappa || n == 0 || n_classes == 0 || n_classes > WF_ML_MAX_CLASSES)
        return WF_EINVAL;
    double ca[WF_ML_MAX_CLASSES], cb[WF_ML_MAX_CLASSES];
    memset(ca, 0, sizeof ca);
    memset(cb, 0, sizeof cb);
    size_t same = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0 || b[i] < 0 || (unsigned)a[i] >= n_classes || (unsigned)b[i] >= n_classes)
            return WF_EINVAL;
        ca[a[i]] += 1;
        cb[b[i]] += 1;
        same += a[i] == b[i];
    }
    double po = (double)same / (double)n, pe = 0;
    for (unsigned k = 0; k < n_classes; k++)
        pe += (ca[k] / (double)n) * (cb[k] / (double)n);
    /* p_e == 1 only when both raters used one class for every item: then they agree fully */
    *kappa = pe >= 1.0 - 1e-12 ? 1.0 : (po - pe) / (1.0 - pe);
    if (p_o)
        *p_o = po;
    return WF_OK;
}

int wf_ml_resolve_votes(const struct wf_ml_vote *v, size_t n, unsigned n_classes)
{
    if (!v || n == 0 || n_classes == 0 || n_classes > WF_ML_MAX_CLASSES)
        return -1;
    size_t count[WF_ML_MAX_CLASSES];
    int64_t latest[WF_ML_MAX_CLASSES];
    memset(count, 0, sizeof count);
    for (unsigned k = 0; k < n_classes; k++)
        latest[k] = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        if (v[i].label < 0 || (unsigned)v[i].label >= n_classes)
            return -1;
        count[v[i].label]++;
        if (v[i].at_ms > latest[v[i].label])
            latest[v[i].label] = v[i].at_ms;
    }
    int best = -1;
    for (unsigned k = 0; k < n_classes; k++) {
        if (!count[k])
            continue;
        if (best < 0 || count[k] > count[best] ||
            (count[k] == count[best] && latest[k] > latest[best]))
            best = (int)k;
    }
    return best;
}

/* Proportions of h (n bins) floored at WF_ML_DRIFT_EPS into out; 0 when empty. */
static int proportions(const double *h, size_t n, double *out)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += h[i] > 0 ? h[i] : 0;
    if (!(sum > 0))
        return 0;
    for (size_t i = 0; i < n; i++) {
        double p = (h[i] > 0 ? h[i] : 0) / sum;
        out[i] = p < WF_ML_DRIFT_EPS ? WF_ML_DRIFT_EPS : p;
    }
    return 1;
}

#define DRIFT_MAX_BINS 256u

double wf_ml_psi(const double *expected, const double *actual, size_t n)
{
    double e[DRIFT_MAX_BINS], a[DRIFT_MAX_BINS];
    if (!expected || !actual || n == 0 || n > DRIFT_MAX_BINS || !proportions(expected, n, e) ||
        !proportions(actual, n, a))
        return 0;
    double psi = 0;
    for (size_t i = 0; i < n; i++)
        psi += (a[i] - e[i]) * log(a[i] / e[i]);
    return psi;
}

double wf_ml_js(const double *p, const double *q, size_t n)
{
    double a[DRIFT_MAX_BINS], b[DRIFT_MAX_BINS];
    if (!p || !q || n == 0 || n > DRIFT_MAX_BINS || !proportions(p, n, a) || !proportions(q, n, b))
        return 0;
    double js = 0;
    for (size_t i = 0; i < n; i++) {
        double m = (a[i] + b[i]) / 2;
        js += 0.5 * a[i] * log2(a[i] / m) + 0.5 * b[i] * log2(b[i] / m);
    }
    return js < 0 ? 0 : js > 1 ? 1 : js;
}

size_t wf_ml_bin(double v, double lo, double hi, size_t n)
{
    if (n <= 1 || !(hi > lo) || !(v > lo))
        return 0;
    if (v >= hi)
        return n - 1;
    size_t b = (size_t)((v - lo) / (hi - lo) * (double)n);
    return b >= n ? n - 1 : b;
}
