/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: declarations shared by the module's files only.
 */
#ifndef WF_SEARCH_INT_H
#define WF_SEARCH_INT_H

#include "search/search.h"

/* A block of a parsed document before chunking. */
enum wf_search__block_kind { WF_SEARCH__PARA, WF_SEARCH__CODE, WF_SEARCH__HEADING };

struct wf_search__block {
    enum wf_search__block_kind kind;
    int level;                     /* heading level 1..6 (headings only) */
    uint32_t line_start, line_end; /* 1-based, inclusive */
    size_t off, len;               /* bytes in the document's block text buffer */
};

/* Blocks of one document: text of every block lives in `text`. */
struct wf_search__doc {
    struct wf_search__block *blocks; /* owned */
    size_t n, cap;
    struct wf_buf text; /* block texts, concatenated */
};

void wf_search__doc_init(struct wf_search__doc *d, size_t max_bytes);
void wf_search__doc_cleanup(struct wf_search__doc *d);
/* Appends a block; text is copied. */
int wf_search__doc_add(struct wf_search__doc *d, enum wf_search__block_kind kind, int level,
                       uint32_t line_start, uint32_t line_end, const char *text, size_t len);

/* Parsers: fill `d` from a document's bytes. */
int wf_search__parse_markdown(const char *s, size_t len, struct wf_search__doc *d);
int wf_search__parse_text(const char *s, size_t len, struct wf_search__doc *d);
int wf_search__parse_html(const char *s, size_t len, struct wf_search__doc *d);
/* Extracts a PDF's text (pages joined by a form feed line) into `out`.
 * WF_EFORMAT with poppler's message in err. */
int wf_search__pdf_text(const char *data, size_t len, struct wf_buf *out, struct wf_buf *err);

/* Groups blocks into chunks under the options. */
int wf_search__chunk_blocks(const struct wf_search__doc *d, const struct wf_search_chunk_opts *o,
                            struct wf_search_chunk **out, size_t *n);

/* Dot product of two float vectors of n elements (SIMD when the CPU has it). */
float wf_search__dot(const float *a, const float *b, size_t n);

/* Exact int32 dot product of two int8 vectors of n elements (|x| <= 127,
 * n <= 65536): a portable loop, the AVX2 one (x86-64 only; call it only when
 * wf_search__have_avx2() says so), and the one picked for this CPU. Both
 * give the same result for the same input. */
typedef int32_t (*wf_search__dot_i8_fn)(const int8_t *a, const int8_t *b, size_t n);
int32_t wf_search__dot_i8_scalar(const int8_t *a, const int8_t *b, size_t n);
#if defined(__x86_64__) && defined(__GNUC__)
int32_t wf_search__dot_i8_avx2(const int8_t *a, const int8_t *b, size_t n);
#endif
int wf_search__have_avx2(void);
wf_search__dot_i8_fn wf_search__dot_i8_pick(void);

/* Symmetric per-vector int8 quantisation: q[i] = round(v[i] / scale) with
 * scale = max|v| / 127 (0 for a zero vector). Returns the scale. */
float wf_search__quantize_i8(const float *v, size_t n, int8_t *q);

#endif
