/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: placeholder entry points; every operation fails with WF_EUNAVAIL
 * until the index lands.
 */
#include "search/search.h"

#include <string.h>

int wf_doc_format_from_name(const char *name, enum wf_doc_format *out)
{
    (void)name;
    (void)out;
    return WF_EINVAL;
}

const char *wf_doc_format_name(enum wf_doc_format f)
{
    static const char *const names[] = {"text", "markdown", "html", "pdf"};
    return (unsigned)f < 4 ? names[f] : "unknown";
}

void wf_search_chunk_opts_init(struct wf_search_chunk_opts *o)
{
    o->target_bytes = 800;
    o->max_bytes = 1600;
    o->overlap_bytes = 200;
}

int wf_search_chunk_document(enum wf_doc_format f, const char *data, size_t len,
                             const struct wf_search_chunk_opts *o, struct wf_search_chunk **out,
                             size_t *n, struct wf_buf *err)
{
    (void)f;
    (void)data;
    (void)len;
    (void)o;
    (void)out;
    (void)n;
    (void)err;
    return WF_EUNAVAIL;
}

void wf_search_chunks_free(struct wf_search_chunk *c, size_t n)
{
    (void)c;
    (void)n;
}

int wf_search_index_new(const char *embed_model, size_t dim, struct wf_search_index **out)
{
    (void)embed_model;
    (void)dim;
    (void)out;
    return WF_EUNAVAIL;
}

void wf_search_index_free(struct wf_search_index *ix)
{
    (void)ix;
}

int wf_search_index_put(struct wf_search_index *ix, int64_t doc_id, const char *doc_name,
                        const struct wf_search_chunk *c, size_t n, const float *vecs,
                        const char *vec_model)
{
    (void)ix;
    (void)doc_id;
    (void)doc_name;
    (void)c;
    (void)n;
    (void)vecs;
    (void)vec_model;
    return WF_EUNAVAIL;
}

int wf_search_index_remove(struct wf_search_index *ix, int64_t doc_id)
{
    (void)ix;
    (void)doc_id;
    return WF_ENOENT;
}

int wf_search_mode_parse(const char *s, enum wf_search_mode *out)
{
    if (s && strcmp(s, "keyword") == 0)
        *out = WF_SEARCH_KEYWORD;
    else if (s && strcmp(s, "semantic") == 0)
        *out = WF_SEARCH_SEMANTIC;
    else if (s && strcmp(s, "hybrid") == 0)
        *out = WF_SEARCH_HYBRID;
    else
        return WF_EINVAL;
    return WF_OK;
}

const char *wf_search_mode_name(enum wf_search_mode m)
{
    static const char *const names[] = {"keyword", "semantic", "hybrid"};
    return (unsigned)m < 3 ? names[m] : "unknown";
}

int wf_search_fusion_parse(const char *s, enum wf_search_fusion *out)
{
    if (s && strcmp(s, "rrf") == 0)
        *out = WF_FUSION_RRF;
    else if (s && strcmp(s, "weighted") == 0)
        *out = WF_FUSION_WEIGHTED;
    else
        return WF_EINVAL;
    return WF_OK;
}

const char *wf_search_fusion_name(enum wf_search_fusion f)
{
    return f == WF_FUSION_WEIGHTED ? "weighted" : "rrf";
}

int wf_search_index_query(struct wf_search_index *ix, const struct wf_search_query *q,
                          struct wf_search_hit **out, size_t *n)
{
    (void)ix;
    (void)q;
    (void)out;
    (void)n;
    return WF_EUNAVAIL;
}

void wf_search_hits_free(struct wf_search_hit *h, size_t n)
{
    (void)h;
    (void)n;
}

size_t wf_search_index_docs(struct wf_search_index *ix)
{
    (void)ix;
    return 0;
}

size_t wf_search_index_chunks(struct wf_search_index *ix)
{
    (void)ix;
    return 0;
}

const char *wf_search_index_model(const struct wf_search_index *ix)
{
    (void)ix;
    return "";
}

size_t wf_search_index_dim(const struct wf_search_index *ix)
{
    (void)ix;
    return 0;
}
