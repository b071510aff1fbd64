/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the log reader, analyzer and triage pipeline: the input
 * is triaged whole, in odd-sized chunks and against its own first half as a
 * passing log; every report must format, and the JSON must parse. Inputs
 * that look like training records also go through the corpus parser.
 */
#include "triage/triage.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(struct wf_triage_result *r)
{
    struct wf_buf b;
    wf_buf_init(&b, 64u << 20);
    if (wf_triage_format_json(r, &b) == WF_OK) {
        json_error_t err;
        json_t *doc = json_loadb(b.p, b.len, 0, &err);
        if (!doc)
            abort(); /* our JSON must always be valid */
        json_decref(doc);
    }
    wf_buf_reset(&b);
    wf_triage_format_text(r, &b);
    wf_buf_reset(&b);
    wf_triage_format_lines(r, &b);
    wf_buf_cleanup(&b);
    for (size_t i = 0; i < r->n_excerpt; i++)
        if (r->excerpt[i].start_line == 0 || r->excerpt[i].end_line < r->excerpt[i].start_line ||
            r->excerpt[i].end_line > r->logs.n_lines)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct wf_triage_result r;
    struct wf_triage *t;
    wf_log_set_level(WF_LOG_ERROR);
    if (wf_triage_buffer(NULL, s, size, NULL, 0, &r) == WF_OK) {
        check(&r);
        wf_triage_result_cleanup(&r);
    }
    if (wf_triage_new(NULL, s, size / 2, &t) == WF_OK) {
        size_t step = 1 + (size ? data[0] % 13 : 0);
        int rc = WF_OK;
        for (size_t i = 0; i < size && !rc; i += step)
            rc = wf_triage_feed(t, s + i, size - i < step ? size - i : step);
        if (!rc && wf_triage_finish(t, &r) == WF_OK) {
            check(&r);
            wf_triage_result_cleanup(&r);
        }
        wf_triage_free(t);
    }
    if (size > 13 && size < 4096 && memcmp(s, "### category:", 13) == 0) {
        struct wf_ml_model *m = NULL;
        size_t n_ex, err_line;
        if (wf_triage_train(&s, &size, 1, "fuzz", &m, &n_ex, &err_line) == WF_OK)
            wf_ml_model_free(m);
    }
    return 0;
}
