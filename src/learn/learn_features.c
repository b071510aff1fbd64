/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The small numbers recorded with every stored failure so the labeling
 * queue can rank by uncertainty and drift can compare incoming failures
 * with the training set: the classifier's margin and the key-line count.
 */
#include "learn/learn.h"
#include "triage/triage.h"

double wf_learn_margin(const double *probs, size_t n)
{
    if (!probs || n < 2)
        return 1.0;
    double a = -1.0, b = -1.0; /* best, runner-up */
    for (size_t i = 0; i < n; i++) {
        if (probs[i] > a) {
            b = a;
            a = probs[i];
        } else if (probs[i] > b) {
            b = probs[i];
        }
    }
    double m = a - b;
    return m < 0 ? 0 : m > 1 ? 1 : m;
}

size_t wf_learn_key_lines(const struct wf_triage_result *r)
{
    size_t n = 0;
    for (size_t i = 0; r && i < r->n_excerpt; i++)
        if (r->excerpt[i].end_line >= r->excerpt[i].start_line)
            n += r->excerpt[i].end_line - r->excerpt[i].start_line + 1;
    return n;
}
