/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: the knowledge base's retrieval core. Parses documents (Markdown,
 * plain text, HTML, PDF) into chunks that respect headings, code blocks and
 * paragraphs; keeps an in-memory index with BM25 keyword scoring over the
 * text module's code-aware, stemmed tokens and cosine similarity over
 * dense vectors (int8 prefilter, exact float rescore); fuses both by reciprocal rank or weighted
 * normalised scores. Holds no SQL and no sockets: the caller persists documents, chunks and vectors
 * and rebuilds the index from them at start-up. Callers pass chunk text through src/redact before
 * indexing it or sending it to an embedding server. Depends on util and text.
 */
#ifndef WF_SEARCH_H
#define WF_SEARCH_H

#include <stdint.h>

#include "util/util.h"

#define WF_SEARCH_MAX_DOC_BYTES (16u * 1024 * 1024) /* bytes of one source document */
#define WF_SEARCH_MAX_CHUNKS 20000u                 /* chunks of one document */
#define WF_SEARCH_MAX_HEADING_BYTES 512u            /* bytes of a heading path */
#define WF_SEARCH_MAX_TOP_K 1000u                   /* results of one query */

enum wf_doc_format { WF_DOC_TEXT, WF_DOC_MARKDOWN, WF_DOC_HTML, WF_DOC_PDF };

/* Picks a format from a file name's extension (.md .markdown -> markdown,
 * .txt .text .log .rst and no extension -> text, .html .htm -> html,
 * .pdf -> pdf) or from a format name ("markdown"). Errors: WF_EINVAL. */
int wf_doc_format_from_name(const char *name, enum wf_doc_format *out);
/* "text", "markdown", "html", "pdf" (static). */
const char *wf_doc_format_name(enum wf_doc_format f);

struct wf_search_chunk {
    uint32_t seq;                  /* 0-based position in the document */
    char *heading;                 /* owned; "Install > Debian", "" if none */
    uint32_t line_start, line_end; /* 1-based, inclusive, in the source (PDF: extracted text) */
    char *text;                    /* owned, NUL-terminated */
    size_t len;                    /* bytes of text */
};

struct wf_search_chunk_opts {
    size_t target_bytes;  /* a chunk closes at the first block boundary past this; default 800 */
    size_t max_bytes;     /* hard cap of a chunk (a longer block is split); default 1600 */
    size_t overlap_bytes; /* text repeated from the previous chunk, at most; default 200 */
};

/* Fills the documented defaults. */
void wf_search_chunk_opts_init(struct wf_search_chunk_opts *o);

/* Parses a document (borrowed) and splits it into chunks. `o` NULL = defaults.
 * Returns an owned array (free with wf_search_chunks_free) in *out, *n.
 * Errors: WF_EFORMAT (PDF that does not parse, message from poppler),
 * WF_ETOOBIG (document or chunk count over the limits), WF_EINVAL, WF_ENOMEM;
 * a message goes to err (may be NULL). Thread-safe. */
int wf_search_chunk_document(enum wf_doc_format f, const char *data, size_t len,
                             const struct wf_search_chunk_opts *o, struct wf_search_chunk **out,
                             size_t *n, struct wf_buf *err);
/* The text of a PDF (pages joined by a form-feed line), as
 * wf_search_chunk_document reads it: a caller that must transform the text
 * before it is chunked (redaction) extracts it here and chunks the result
 * as WF_DOC_TEXT, which gives the same chunks and line numbers. Appends to
 * out. WF_EFORMAT (message from poppler), WF_ETOOBIG (over
 * WF_SEARCH_MAX_DOC_BYTES or the page limit), WF_ENOMEM; a message goes to
 * err (may be NULL). Thread-safe. */
int wf_search_pdf_text(const char *data, size_t len, struct wf_buf *out, struct wf_buf *err);
/* Frees chunks from wf_search_chunk_document; accepts NULL. */
void wf_search_chunks_free(struct wf_search_chunk *c, size_t n);

/* An in-memory index. Thread-safe: queries run concurrently with put/remove
 * (a reader-writer lock: readers share it, a change holds it exclusively, so
 * readers never see a half-applied change). */
struct wf_search_index;

/* Creates an empty index for vectors of `embed_model` with `dim` floats
 * (dim 0 = keyword only; embed_model may then be NULL). Returns owned (free
 * with wf_search_index_free). Errors: WF_EINVAL, WF_ENOMEM. */
int wf_search_index_new(const char *embed_model, size_t dim, struct wf_search_index **out);
/* Frees the index; accepts NULL. No query may be running. */
void wf_search_index_free(struct wf_search_index *ix);

/* Adds document doc_id (or replaces all its chunks) with n chunks (borrowed,
 * copied) and their vectors (n * dim floats, borrowed, copied; NULL = none).
 * Errors: WF_EINVAL when vecs are given and vec_model differs from the
 * index's model (mixing refused) or dim is 0, WF_ENOMEM (index unchanged). */
int wf_search_index_put(struct wf_search_index *ix, int64_t doc_id, const char *doc_name,
                        const struct wf_search_chunk *c, size_t n, const float *vecs,
                        const char *vec_model);
/* Removes a document. Errors: WF_ENOENT (this project's "not found") if absent. */
int wf_search_index_remove(struct wf_search_index *ix, int64_t doc_id);

enum wf_search_mode { WF_SEARCH_KEYWORD, WF_SEARCH_SEMANTIC, WF_SEARCH_HYBRID };
enum wf_search_fusion { WF_FUSION_RRF, WF_FUSION_WEIGHTED };

/* "keyword" | "semantic" | "hybrid"; WF_EINVAL otherwise. */
int wf_search_mode_parse(const char *s, enum wf_search_mode *out);
const char *wf_search_mode_name(enum wf_search_mode m);
/* "rrf" | "weighted"; WF_EINVAL otherwise. */
int wf_search_fusion_parse(const char *s, enum wf_search_fusion *out);
const char *wf_search_fusion_name(enum wf_search_fusion f);

#define WF_SEARCH_RRF_K 60.0         /* reciprocal rank fusion constant */
#define WF_SEARCH_BM25_K1 1.2        /* BM25 term frequency saturation */
#define WF_SEARCH_BM25_B 0.75        /* BM25 length normalisation */
#define WF_SEARCH_KEYWORD_WEIGHT 0.5 /* default weight of weighted fusion */
/* Vector search scans int8 copies of the vectors for the best
 * C = max(20 * top_k, WF_SEARCH_PREFILTER_MIN, depth) candidates (depth: the
 * vector list's length, top_k, or max(top_k, 100) in hybrid mode), then
 * rescores them with the float vectors: scores are exact; the set can differ
 * from an exhaustive scan only when int8 rounding pushes a true top vector
 * below C others. */
#define WF_SEARCH_PREFILTER_MIN 256

struct wf_search_query {
    const char *text;             /* query text (borrowed); needed for keyword/hybrid */
    const float *vec;             /* query embedding (dim floats) or NULL */
    enum wf_search_mode mode;     /* semantic/hybrid without vec fall back to keyword */
    enum wf_search_fusion fusion; /* hybrid only */
    size_t top_k;                 /* 1..WF_SEARCH_MAX_TOP_K; 0 = 10 */
    double keyword_weight;        /* weighted fusion, 0..1 (vector weight = 1 - this) */
};

struct wf_search_hit {
    int64_t doc_id;
    uint32_t seq;                  /* chunk position in its document */
    char *doc_name;                /* owned */
    char *heading;                 /* owned */
    uint32_t line_start, line_end; /* 1-based, inclusive */
    char *text;                    /* owned */
    double score;                  /* fused (or single-mode) score, higher is better */
    double keyword_score;          /* BM25, 0 if not matched */
    double vector_score;           /* cosine similarity, 0 if not computed */
};

/* Runs a query. Returns owned hits, best first (free with
 * wf_search_hits_free); *n may be 0. Errors: WF_EINVAL, WF_ENOMEM.
 * Thread-safe, concurrent with other queries and with put/remove. */
int wf_search_index_query(struct wf_search_index *ix, const struct wf_search_query *q,
                          struct wf_search_hit **out, size_t *n);
/* wf_search_index_query with flags: WF_SEARCH_EXACT scans every float
 * vector instead of the int8 prefilter (the reference the prefilter's recall
 * is measured against; ~4x the memory traffic). */
#define WF_SEARCH_EXACT 1u
int wf_search_index_query_flags(struct wf_search_index *ix, const struct wf_search_query *q,
                                unsigned flags, struct wf_search_hit **out, size_t *n);
/* Frees hits; accepts NULL. */
void wf_search_hits_free(struct wf_search_hit *h, size_t n);

/* Counts of documents and chunks currently indexed. Thread-safe. */
size_t wf_search_index_docs(struct wf_search_index *ix);
size_t wf_search_index_chunks(struct wf_search_index *ix);
/* The index's model id (borrowed, "" for keyword only) and dimension. */
const char *wf_search_index_model(struct wf_search_index *ix);
size_t wf_search_index_dim(struct wf_search_index *ix);

/* Exchanges the contents (documents, chunks, vectors, model) of two indexes
 * atomically: a full reindex builds a new index off-line, then swaps it in;
 * readers of either see the old or the new contents, never a mix. Free the
 * other one afterwards. Errors: WF_EINVAL (NULL or the same index). */
int wf_search_index_swap(struct wf_search_index *a, struct wf_search_index *b);

#endif
