/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed: turns text into fixed-size, L2-normalised float vectors for semantic
 * search. Two providers behind one ops table: a built-in offline embedder
 * (signed feature hashing of stemmed word unigrams/bigrams and character
 * 3-5-grams, no weights to download) and an OpenAI-compatible HTTP provider
 * (POST {base_url}/embeddings, spoken by Ollama, vLLM, llama.cpp and TEI).
 * Every vector is recorded with the model id that made it so an index never
 * mixes vectors of different models. Depends on util and text; HTTP goes
 * through libcurl only.
 */
#ifndef WF_EMBED_H
#define WF_EMBED_H

#include "util/util.h"

#define WF_EMBED_BUILTIN_DIM 256u      /* dimension of the built-in embedder */
#define WF_EMBED_MAX_DIM 8192u         /* largest dimension a provider may return */
#define WF_EMBED_MAX_BATCH 256u        /* texts in one provider request */
#define WF_EMBED_MAX_TEXT_BYTES 65536u /* bytes of one text sent (longer are truncated) */
#define WF_EMBED_MAX_RESPONSE_BYTES (64u * 1024 * 1024) /* one provider response */
#define WF_EMBED_MODEL_BYTES 256u                       /* bytes of a model id */

/* An embedding provider. Not thread-safe: use one per thread, or serialise
 * calls to wf_embed_texts(). */
struct wf_embed;

/* Creates the built-in offline embedder (model id
 * "builtin:hash-ngram-v2/<dim>"). Returns owned (free with wf_embed_free).
 * Errors: WF_ENOMEM. */
int wf_embed_builtin(struct wf_embed **out);
/* The built-in embedder with another dimension (16..WF_EMBED_MAX_DIM), for
 * evaluation; model id "builtin:hash-ngram-v2/<dim>". Errors: WF_EINVAL,
 * WF_ENOMEM. */
int wf_embed_builtin_dim(size_t dim, struct wf_embed **out);

struct wf_embed_openai_config {
    const char *base_url; /* e.g. "http://127.0.0.1:11434/v1" (borrowed, copied) */
    const char *api_key;  /* bearer token, NULL or "" for none (copied) */
    const char *model;    /* model name sent in the request (copied) */
    long timeout_ms;      /* per request; 0 = 30000 */
    size_t batch;         /* texts per request; 0 = 64, capped at WF_EMBED_MAX_BATCH */
};

/* Creates an OpenAI-compatible provider. The model id recorded with vectors
 * is "openai:<model>". Copies everything it needs from `c`. Returns owned
 * (free with wf_embed_free). Errors: WF_EINVAL (missing base_url/model),
 * WF_ENOMEM. */
int wf_embed_openai(const struct wf_embed_openai_config *c, struct wf_embed **out);

/* The model id recorded with every vector (borrowed, lives as long as e). */
const char *wf_embed_model(const struct wf_embed *e);

/* The vector dimension; for the OpenAI provider 0 until the first successful
 * call fixes it (later responses of another dimension are rejected). */
size_t wf_embed_dim(const struct wf_embed *e);

/* Embeds n texts (borrowed) into `out`, which holds n * dim floats where dim
 * is wf_embed_dim() after the call (for a provider whose dimension is not yet
 * known, call with n = 1 first or size `out` for WF_EMBED_MAX_DIM). Texts
 * longer than WF_EMBED_MAX_TEXT_BYTES are cut. Every
 * vector is L2-normalised (an empty text gives a zero vector).
 * Errors: WF_EINVAL, WF_ENOMEM, WF_ETIMEOUT, WF_EUPSTREAM (HTTP error, after
 * retries), WF_EFORMAT (malformed response: wrong count, dimension mismatch,
 * non-numbers), WF_ETOOBIG; a message goes to `err` (may be NULL). On error
 * `out` is unspecified. */
int wf_embed_texts(struct wf_embed *e, const struct wf_str *texts, size_t n, float *out,
                   struct wf_buf *err);

/* Frees the provider; accepts NULL. */
void wf_embed_free(struct wf_embed *e);

/* Parses the body of an OpenAI /embeddings response holding `n` vectors.
 * `dim` in: expected dimension or 0 for any; out: the dimension found.
 * Writes n * dim floats to `out` (allocated, free with wf_free), ordered by
 * each item's "index". Errors: WF_EFORMAT with a message in err, WF_ENOMEM,
 * WF_ETOOBIG (dimension above WF_EMBED_MAX_DIM). Used by the provider and
 * exposed for tests and fuzzing. */
int wf_embed_parse_response(const char *body, size_t len, size_t n, size_t *dim, float **out,
                            struct wf_buf *err);

#endif
