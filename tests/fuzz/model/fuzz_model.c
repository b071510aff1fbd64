/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the model loader: model files are read from disk and
 * may be hand-edited or truncated, so wf_ml_load must reject any byte string
 * cleanly. A model that loads must predict and save without trouble, and its
 * saved form must load back.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ml/ml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct wf_ml_feat feats[] = {{0, 1.0f}, {7, -2.5f}, {0xffffffffu, 3e38f}};
    struct wf_ml_model *m = NULL, *again = NULL;
    double probs[WF_ML_MAX_CLASSES];
    struct wf_buf out;

    wf_log_set_level(WF_LOG_ERROR);
    if (wf_ml_load((const char *)data, size, &m) != WF_OK)
        return 0;
    wf_ml_predict(m, feats, sizeof(feats) / sizeof(feats[0]), probs);
    double sum = 0.0;
    for (unsigned c = 0; c < m->n_classes; c++)
        sum += probs[c];
    if (!(sum > 0.999999 && sum < 1.000001))
        abort();
    wf_buf_init(&out, WF_LIMIT_MODEL_BYTES);
    int rc = wf_ml_save(m, &out);
    /* What loaded is finite and well-formed, so it saves and loads back. */
    if (rc == WF_OK && wf_ml_load(out.p, out.len, &again) != WF_OK)
        abort();
    if (rc != WF_OK && rc != WF_ETOOBIG && rc != WF_ENOMEM)
        abort();
    wf_ml_model_free(again);
    wf_buf_cleanup(&out);
    wf_ml_model_free(m);
    return 0;
}
