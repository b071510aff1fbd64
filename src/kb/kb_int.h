/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kb internals shared by the module's files: the extractive answerer and
 * the streaming citation filter. For src/kb only.
 */
#ifndef WF_KB_INT_H
#define WF_KB_INT_H

#include "kb/kb.h"

/* Appends an extractive answer to question made of the best sentences of
 * the hits (source i + 1 = hits[i]), each followed by its [n] marker and a
 * newline; calls on_delta (optional) once per sentence. used (n_hits
 * bytes, optional) flags the cited sources. */
int wf_kb__extract(const char *question, const struct wf_search_hit *hits, size_t n_hits,
                   struct wf_buf *out, unsigned char *used,
                   int (*on_delta)(void *ud, const char *p, size_t len), void *ud);

/* A filter of streamed model output that drops invalid citations on the
 * fly: text is held back only while a '[' may still open a marker, so the
 * concatenation of what it emits equals wf_llm_citations() of the whole. */
struct wf_kb__cite_stream {
    struct wf_buf pending; /* text not yet emitted */
    struct wf_buf out;     /* everything emitted (the final text) */
    size_t n_sources;
    unsigned char *used; /* n_sources flags */
    size_t n_valid;
    int (*on_delta)(void *ud, const char *p, size_t len);
    void *ud;
};

void wf_kb__cite_init(struct wf_kb__cite_stream *s, size_t n_sources, unsigned char *used,
                      int (*on_delta)(void *ud, const char *p, size_t len), void *ud);
int wf_kb__cite_feed(struct wf_kb__cite_stream *s, const char *p, size_t len);
int wf_kb__cite_finish(struct wf_kb__cite_stream *s);
void wf_kb__cite_cleanup(struct wf_kb__cite_stream *s);

#endif
