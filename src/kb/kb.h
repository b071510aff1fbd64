/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kb: the knowledge base of every tenant. Documents (Markdown, text, HTML,
 * PDF) are redacted, chunked, embedded and stored; a live search index per
 * tenant, built lazily from the store on first use and updated on every add
 * and delete, answers keyword, semantic and hybrid queries; answers to
 * questions come from an LLM given numbered sources (citations validated)
 * or, without one, extractively from the best passages. Depends on store,
 * search, embed, llm and redact; never talks SQL or sockets itself. See
 * docs/internals/kb.md.
 */
#ifndef WF_KB_H
#define WF_KB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "embed/embed.h"
#include "llm/llm.h"
#include "redact/redact.h"
#include "search/search.h"
#include "store/store.h"
#include "triage/triage.h"
#include "util/util.h"

/* Defaults of the per-tenant caps (wf_kb_opts). */
#define WF_KB_DEFAULT_MAX_DOCS 10000u               /* documents of one tenant */
#define WF_KB_DEFAULT_MAX_CHUNKS 500000u            /* chunks of one tenant */
#define WF_KB_MAX_DOC_BYTES WF_SEARCH_MAX_DOC_BYTES /* one uploaded document (16 MiB) */
#define WF_KB_MAX_QUERY_BYTES 4096u                 /* a search query or question */
#define WF_KB_MAX_TOP_K 100u                        /* results of one search */
#define WF_KB_DEFAULT_TOP_K 10u                     /* search results when none asked */
#define WF_KB_ANSWER_TOP_K 5u                       /* sources of an answer when none asked */
#define WF_KB_MAX_ANSWER_TOP_K 20u                  /* sources of one answer */
#define WF_KB_MAX_HISTORY 32u                       /* earlier chat turns sent to the LLM */
#define WF_KB_MAX_TENANTS 4096u                     /* tenants with a live index */
#define WF_KB_EXTRACT_SENTENCES 4u                  /* sentences of an extractive answer */

struct wf_kb;

struct wf_kb_opts {
    struct wf_store *store;              /* borrowed, outlives the kb */
    struct wf_embed *embed;              /* owned by the kb from wf_kb_new on (also on error) */
    const struct wf_redact_opts *redact; /* borrowed during wf_kb_new; NULL = defaults */
    size_t max_docs;                     /* per tenant; 0 = WF_KB_DEFAULT_MAX_DOCS */
    size_t max_chunks;                   /* per tenant; 0 = WF_KB_DEFAULT_MAX_CHUNKS */
};

/* Creates the knowledge base over a store and an embedder (taken). Returns
 * owned (free with wf_kb_free). WF_EINVAL, WF_ENOMEM. */
int wf_kb_new(const struct wf_kb_opts *o, struct wf_kb **out);
/* Frees the kb, its indexes and its embedder; accepts NULL. No call may be
 * running. */
void wf_kb_free(struct wf_kb *kb);
/* The embedding model id vectors are made with (borrowed). */
const char *wf_kb_embed_model(const struct wf_kb *kb);

struct wf_kb_add_result {
    int64_t id;
    int replaced; /* 1: a document of that name was replaced (same id) */
    enum wf_doc_format format;
    size_t bytes;  /* bytes of the uploaded content */
    size_t chunks; /* chunks stored and indexed */
};

/* Adds (or replaces, by name) a document of tenant: format NULL = from the
 * name's extension. The content (borrowed) is redacted before anything is
 * chunked, embedded, stored or indexed (PDF: its extracted text is); then
 * the store is written (one transaction) and the index updated. Errors
 * with a message in err: WF_EINVAL (bad name, unknown format), WF_EFORMAT
 * (a document that does not parse), WF_EEMPTY (no text), WF_ETOOBIG
 * (document or tenant caps), WF_ECONFLICT (stored vectors of another
 * model: reindex), WF_EUPSTREAM/WF_ETIMEOUT (embedding provider), store
 * errors. Thread-safe; changes of one tenant are serialised. */
int wf_kb_add(struct wf_kb *kb, const char *tenant, const char *name, const char *format,
              const char *data, size_t len, struct wf_kb_add_result *out, struct wf_buf *err);
/* Deletes a document from the store and the index. WF_ENOENT. */
int wf_kb_delete(struct wf_kb *kb, const char *tenant, int64_t id, struct wf_buf *err);
/* The id of the tenant's document called name. WF_ENOENT. */
int wf_kb_find(struct wf_kb *kb, const char *tenant, const char *name, int64_t *id);
/* {"documents":[{id,name,format,sha256,bytes,chunks,added_ms,updated_ms}]}
 * ordered by name. Returns owned json. */
int wf_kb_list(struct wf_kb *kb, const char *tenant, json_t **out);

struct wf_kb_query {
    const char *text; /* 1..WF_KB_MAX_QUERY_BYTES bytes (redacted before use) */
    enum wf_search_mode mode;
    enum wf_search_fusion fusion;
    size_t top_k; /* 1..WF_KB_MAX_TOP_K; 0 = WF_KB_DEFAULT_TOP_K */
};

/* Searches the tenant's documents. Owned hits, best first (free with
 * wf_search_hits_free). Errors: WF_EINVAL, WF_ECONFLICT (stored vectors of
 * another model: reindex; message in err), embedding and store errors. */
int wf_kb_search(struct wf_kb *kb, const char *tenant, const struct wf_kb_query *q,
                 struct wf_search_hit **out, size_t *n, struct wf_buf *err);

/* One numbered source of an answer. */
struct wf_kb_source {
    int index; /* 1-based number the answer cites it by */
    int64_t doc_id;
    uint32_t seq;
    const char *doc_name;
    const char *heading;
    uint32_t line_start, line_end;
    const char *text; /* redacted chunk text */
    double score;
};

struct wf_kb_answer_opts {
    size_t top_k; /* sources; 0 = WF_KB_ANSWER_TOP_K, max WF_KB_MAX_ANSWER_TOP_K */
    const struct wf_llm_config *llm; /* NULL: extractive answer */
    const struct wf_llm_msg
        *history;     /* earlier turns (redacted here before sending); may be NULL */
    size_t n_history; /* at most WF_KB_MAX_HISTORY are sent (the latest) */
    /* Called once with the numbered sources before any text (optional). */
    int (*on_sources)(void *ud, const struct wf_kb_source *s, size_t n);
    /* Called for each piece of the answer text, in order (optional). */
    int (*on_delta)(void *ud, const char *p, size_t len);
    void *ud;
};

struct wf_kb_answer {
    char *text;                 /* owned: the answer with [n] markers (invalid ones dropped) */
    struct wf_kb_source *cited; /* owned: the sources the text cites, by index */
    size_t n_cited;
    struct wf_search_hit *hits; /* owned: every numbered source (hits[i] is source i + 1) */
    size_t n_hits;
    int extractive; /* 1: made from the passages (no LLM, or the LLM cited nothing) */
    int uncited;    /* 1: the LLM's answer cited no valid source */
};

/* Answers a question from the tenant's documents. The text streamed to
 * on_delta is the model's raw output (LLM) or the extractive answer; the
 * final text in out is the validated one. Errors: those of wf_kb_search,
 * wf_llm_chat's, or a callback's code. Thread-safe. */
int wf_kb_answer(struct wf_kb *kb, const char *tenant, const char *question,
                 const struct wf_kb_answer_opts *o, struct wf_kb_answer *out, struct wf_buf *err);
/* Frees what an answer owns; accepts NULL. */
void wf_kb_answer_cleanup(struct wf_kb_answer *a);

/* Re-embeds every chunk of tenant with the configured model, writes the
 * vectors to the store document by document, then swaps in the new index
 * at once (queries see the old or the new index). *n_docs, *n_chunks
 * (optional) get the counts. Errors: embedding and store errors. */
int wf_kb_reindex(struct wf_kb *kb, const char *tenant, size_t *n_docs, size_t *n_chunks,
                  struct wf_buf *err);

/* ---- References for triage reports (kb_refs.c) ------------------------------ */

#define WF_KB_REF_RUNBOOKS 3       /* runbook passages per report, at most */
#define WF_KB_REF_MIN_COSINE 0.25  /* score floor: vector similarity of a passage */
#define WF_KB_REF_SIMILAR 3        /* similar past failures per report, at most */
#define WF_KB_REF_SIMILAR_SCAN 500 /* recent failures of the category compared */
#define WF_KB_REF_MIN_OVERLAP 0.5  /* similar: Jaccard overlap of key-line words */

/* What wf_kb_triage_refs reads: either part may be NULL (kb NULL: no
 * runbooks; store NULL: no past failures). Borrowed. */
struct wf_kb_refs {
    struct wf_kb *kb;
    struct wf_store *store;
    const char *tenant;
};

/* A wf_triage_refs_fn (ud: struct wf_kb_refs): adds to r the runbook
 * passages of the tenant's knowledge base that match the key lines
 * (hybrid search; kept when they share a word with the key lines and
 * their vector similarity is at least WF_KB_REF_MIN_COSINE), the past
 * failures with r's signature, and past failures of the same category
 * whose key line overlaps r's by at least WF_KB_REF_MIN_OVERLAP (Jaccard
 * over masked, lowercased words). Call before the failure itself is
 * stored. Thread-safe. */
int wf_kb_triage_refs(void *ud, struct wf_triage_result *r);
/* Jaccard overlap (0..1) of the masked, lowercased words of two lines. */
double wf_kb_overlap(const char *a, const char *b);

/* Hex SHA-256 (65 bytes) of content. */
void wf_kb_sha256_hex(const void *p, size_t len, char out[65]);

#endif
