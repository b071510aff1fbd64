/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed: provider-independent entry points. Placeholder until the providers
 * land: every call fails with WF_EUNAVAIL.
 */
#include "embed/embed.h"

int wf_embed_builtin(struct wf_embed **out)
{
    (void)out;
    return WF_EUNAVAIL;
}

int wf_embed_openai(const struct wf_embed_openai_config *c, struct wf_embed **out)
{
    (void)c;
    (void)out;
    return WF_EUNAVAIL;
}

const char *wf_embed_model(const struct wf_embed *e)
{
    (void)e;
    return "";
}

size_t wf_embed_dim(const struct wf_embed *e)
{
    (void)e;
    return 0;
}

int wf_embed_texts(struct wf_embed *e, const struct wf_str *texts, size_t n, float *out,
                   struct wf_buf *err)
{
    (void)e;
    (void)texts;
    (void)n;
    (void)out;
    (void)err;
    return WF_EUNAVAIL;
}

void wf_embed_free(struct wf_embed *e)
{
    (void)e;
}

int wf_embed_parse_response(const char *body, size_t len, size_t n, size_t *dim, float **out,
                            struct wf_buf *err)
{
    (void)body;
    (void)len;
    (void)n;
    (void)dim;
    (void)out;
    (void)err;
    return WF_EUNAVAIL;
}
