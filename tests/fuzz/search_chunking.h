/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body the Markdown, HTML and PDF chunking fuzz targets share: any
 * bytes either fail with a specific error and a message, or give chunks
 * whose invariants hold (size within max_bytes, 1-based line ranges in
 * order, NUL-terminated text of the stated length, sequence numbers in
 * order). The chunks are also put into an index and searched. Included by
 * one target each, with its format.
 */
#ifndef WF_FUZZ_SEARCH_CHUNKING_H
#define WF_FUZZ_SEARCH_CHUNKING_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search/search.h"

#include "fuzz_check.h"

static int fuzz_chunking(enum wf_doc_format fmt, const uint8_t *data, size_t size)
{
    struct wf_search_chunk_opts o;
    struct wf_search_chunk *c = NULL;
    size_t n = 0;
    struct wf_buf err;
    if (size > 1u << 20)
        return 0;
    wf_search_chunk_opts_init(&o);
    /* small sizes reach the splitting paths with short inputs */
    o.target_bytes = 100;
    o.max_bytes = 160;
    o.overlap_bytes = 40;
    wf_buf_init(&err, 4096);
    int rc = wf_search_chunk_document(fmt, (const char *)data, size, &o, &c, &n, &err);
    if (rc) {
        CHECK(rc == WF_EFORMAT || rc == WF_ETOOBIG || rc == WF_ENOMEM);
        CHECK(err.len > 0);
        CHECK(c == NULL);
        wf_buf_cleanup(&err);
        return 0;
    }
    uint32_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    for (size_t i = 0; i < n; i++) {
        CHECK(c[i].seq == i);
        CHECK(c[i].len > 0 && c[i].len <= o.max_bytes);
        CHECK(strlen(c[i].text) == c[i].len);
        CHECK(c[i].heading && strlen(c[i].heading) < WF_SEARCH_MAX_HEADING_BYTES);
        CHECK(c[i].line_start >= 1 && c[i].line_start <= c[i].line_end);
        if (fmt != WF_DOC_PDF)
            CHECK(c[i].line_end <= lines);
    }
    struct wf_search_index *ix;
    if (wf_search_index_new(NULL, 0, &ix) == WF_OK) {
        if (wf_search_index_put(ix, 1, "fuzz", c, n, NULL, NULL) == WF_OK && n) {
            struct wf_search_query q = {c[0].text, NULL, WF_SEARCH_KEYWORD, WF_FUSION_RRF, 5, 0.5};
            struct wf_search_hit *h;
            size_t nh;
            if (wf_search_index_query(ix, &q, &h, &nh) == WF_OK)
                wf_search_hits_free(h, nh);
        }
        wf_search_index_free(ix);
    }
    wf_search_chunks_free(c, n);
    wf_buf_cleanup(&err);
    return 0;
}

#endif
