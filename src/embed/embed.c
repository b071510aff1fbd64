/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed: provider-independent entry points; each call goes through the
 * provider's ops table.
 */
#include "embed/embed_int.h"

#include <math.h>

void wf_embed__normalize(float *v, size_t dim)
{
    double ss = 0;
    for (size_t i = 0; i < dim; i++)
        ss += (double)v[i] * v[i];
    if (ss <= 0)
        return;
    float inv = (float)(1.0 / sqrt(ss));
    for (size_t i = 0; i < dim; i++)
        v[i] *= inv;
}

const char *wf_embed_model(const struct wf_embed *e)
{
    return e ? e->model : "";
}

size_t wf_embed_dim(const struct wf_embed *e)
{
    return e ? e->dim : 0;
}

int wf_embed_texts(struct wf_embed *e, const struct wf_str *texts, size_t n, float *out,
                   struct wf_buf *err)
{
    if (err)
        wf_buf_reset(err);
    if (!e || (n && (!texts || !out))) {
        if (err)
            (void)wf_buf_puts(err, "embed: invalid arguments");
        return WF_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if (texts[i].len && !texts[i].p) {
            if (err)
                (void)wf_buf_appendf(err, "embed: text %zu has no bytes", i);
            return WF_EINVAL;
        }
    if (n == 0)
        return WF_OK;
    return e->ops->texts(e, texts, n, out, err);
}

void wf_embed_free(struct wf_embed *e)
{
    if (e)
        e->ops->free(e);
}
