/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the change-metrics CSV loader: metrics files come from
 * other tools and may be truncated or hand-edited, so wf_risk_csv_parse must
 * reject any byte string cleanly, with a line number inside the input. What
 * loads holds only checked values, and small loads go through the split, the
 * AUC and the evaluation without trouble.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "risk/risk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_risk_data d;
    struct wf_buf err;
    size_t line = 12345;

    wf_log_set_level(WF_LOG_ERROR);
    wf_risk_data_init(&d);
    wf_buf_init(&err, 4096);
    int rc = wf_risk_csv_parse((const char *)data, size, &d, &line, &err);
    size_t n_lines = 1;
    for (size_t i = 0; i < size; i++)
        n_lines += data[i] == '\n';
    if (rc != WF_OK) {
        if (rc != WF_EFORMAT && rc != WF_EEMPTY && rc != WF_ETOOBIG && rc != WF_ENOMEM)
            abort();
        if (line > n_lines || d.rows || d.n)
            abort();
        if (rc != WF_ENOMEM && err.len == 0)
            abort();
        wf_buf_cleanup(&err);
        return 0;
    }
    if (d.n == 0 || line != 0)
        abort();
    double *scores = malloc(d.n * sizeof(*scores));
    int *labels = malloc(d.n * sizeof(*labels));
    if (!scores || !labels)
        abort();
    for (size_t i = 0; i < d.n; i++) {
        const struct wf_risk_commit *c = &d.rows[i];
        if (c->bug != 0 && c->bug != 1)
            abort();
        for (unsigned k = 0; k < WF_RISK_N_METRICS; k++)
            if (!isfinite(c->m[k]) || c->m[k] < 0)
                abort();
        scores[i] = c->m[WF_RISK_LA];
        labels[i] = c->bug;
    }
    double auc = -1;
    rc = wf_risk_auc(scores, labels, d.n, &auc);
    if (rc == WF_OK && !(auc >= 0.0 && auc <= 1.0))
        abort();
    if (rc != WF_OK && rc != WF_EEMPTY && rc != WF_ENOMEM)
        abort();
    if (d.n <= 64) {
        struct wf_risk_eval e;
        rc = wf_risk_eval(&d, &e);
        if (rc == WF_OK && !(e.auc >= 0.0 && e.auc <= 1.0 && e.n_train + e.n_test == d.n))
            abort();
        for (size_t i = 1; i < d.n; i++)
            if (d.rows[i - 1].date > d.rows[i].date)
                abort();
    }
    free(scores);
    free(labels);
    wf_risk_data_cleanup(&d);
    wf_buf_cleanup(&err);
    return 0;
}
