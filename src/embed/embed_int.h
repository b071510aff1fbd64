/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed: the provider ops table, shared by the module's files only.
 */
#ifndef WF_EMBED_INT_H
#define WF_EMBED_INT_H

#include "embed/embed.h"

struct wf_embed_ops {
    const char *name; /* "builtin", "openai" */
    /* Embeds n texts into out (n * e->dim floats, dim fixed after the call). */
    int (*texts)(struct wf_embed *e, const struct wf_str *texts, size_t n, float *out,
                 struct wf_buf *err);
    void (*free)(struct wf_embed *e);
};

struct wf_embed {
    const struct wf_embed_ops *ops;
    char model[WF_EMBED_MODEL_BYTES]; /* recorded with every vector */
    size_t dim;                       /* 0 until known */
};

/* Scales v (dim floats) to unit length; a zero vector stays zero. */
void wf_embed__normalize(float *v, size_t dim);

/* The built-in embedder's inlined wf_hash64 for keys shorter than 8 bytes
 * (equal to wf_hash64; exposed for the tests). */
uint64_t wf_embed__hash_short(const char *p, size_t len, uint64_t seed);

/* The built-in embedder's hash of one character n-gram (len 3..5 bytes). */
uint64_t wf_embed__ngram_hash(const char *p, size_t len);

/* The built-in embedder's table of common word stems (n entries). */
const char *const *wf_embed__common_words(size_t *n);

#endif
