/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evaluation metrics over a confusion matrix: accuracy, per-class precision,
 * recall and F1, and macro-F1, to compare models on held-out data. Plain
 * arithmetic, no allocation.
 */
#include "ml.h"

#include <string.h>

/* n_classes above WF_ML_MAX_CLASSES is clamped to it. */
void wf_ml_confusion_init(struct wf_ml_confusion *c, unsigned n_classes)
{
    memset(c, 0, sizeof(*c));
    c->n_classes = n_classes > WF_ML_MAX_CLASSES ? WF_ML_MAX_CLASSES : n_classes;
}

/* Pairs with a class outside [0, n_classes) are ignored. */
void wf_ml_confusion_add(struct wf_ml_confusion *c, int truth, int predicted)
{
    if (truth < 0 || predicted < 0 || (unsigned)truth >= c->n_classes ||
        (unsigned)predicted >= c->n_classes)
        return;
    c->counts[truth][predicted]++;
}

/* 0 on an empty matrix. */
double wf_ml_accuracy(const struct wf_ml_confusion *c)
{
    unsigned long total = 0, right = 0;
    for (unsigned t = 0; t < c->n_classes; t++) {
        for (unsigned p = 0; p < c->n_classes; p++)
            total += c->counts[t][p];
        right += c->counts[t][t];
    }
    return total ? (double)right / (double)total : 0.0;
}

static void class_sums(const struct wf_ml_confusion *c, unsigned cls, unsigned long *truth,
                       unsigned long *predicted)
{
    *truth = *predicted = 0;
    for (unsigned k = 0; k < c->n_classes; k++) {
        *truth += c->counts[cls][k];
        *predicted += c->counts[k][cls];
    }
}

/* A class outside [0, n_classes) gets all zeros. */
void wf_ml_class_prf(const struct wf_ml_confusion *c, unsigned cls, double *p, double *r,
                     double *f1)
{
    *p = *r = *f1 = 0.0;
    if (cls >= c->n_classes)
        return;
    unsigned long truth, predicted, tp = c->counts[cls][cls];
    class_sums(c, cls, &truth, &predicted);
    if (predicted)
        *p = (double)tp / (double)predicted;
    if (truth)
        *r = (double)tp / (double)truth;
    if (*p + *r > 0.0)
        *f1 = 2.0 * *p * *r / (*p + *r);
}

/* 0 when no class occurs at all. */
double wf_ml_macro_f1(const struct wf_ml_confusion *c)
{
    double sum = 0.0;
    unsigned n = 0;
    for (unsigned k = 0; k < c->n_classes; k++) {
        unsigned long truth, predicted;
        class_sums(c, k, &truth, &predicted);
        if (!truth && !predicted)
            continue;
        double p, r, f1;
        wf_ml_class_prf(c, k, &p, &r, &f1);
        sum += f1;
        n++;
    }
    return n ? sum / n : 0.0;
}
