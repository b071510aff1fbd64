/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the review engine: any byte string goes through the
 * diff parser, and every parsed diff through all rules and all four
 * writers. Checks that findings point into the diff (a known rule, a file,
 * a line >= 1), that the severity counts add up, and that every writer
 * succeeds; sanitizers catch the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "review/review.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_risk_diff d;
    struct wf_review_result res;
    struct wf_reviewer *rv = NULL;
    struct wf_review_opts opts;
    size_t line, n_rules;
    const struct wf_review_rule *rules = wf_review_rules(&n_rules);

    wf_risk_diff_init(&d);
    wf_review_result_init(&res);
    if (wf_risk_diff_parse((const char *)data, size, &d, &line, NULL) != WF_OK)
        goto out;
    wf_review_opts_init(&opts);
    opts.max_file_lines = 8; /* reach large-file with small inputs */
    if (wf_review_new(&opts, &rv) != WF_OK)
        abort();
    int rc = wf_review_run(rv, &d, &res);
    if (rc != WF_OK && rc != WF_ETOOBIG)
        abort();
    size_t by_sev = 0;
    for (size_t i = 0; i < res.n; i++) {
        const struct wf_review_finding *f = &res.items[i];
        if (f->rule < rules || f->rule >= rules + n_rules || !f->file || !f->message ||
            f->line == 0)
            abort();
    }
    for (int s = 0; s < 3; s++)
        by_sev += res.n_by_sev[s];
    if (by_sev != res.n)
        abort();
    for (int fmt = WF_REVIEW_FMT_TEXT; fmt <= WF_REVIEW_FMT_RDJSON; fmt++) {
        struct wf_buf out;
        wf_buf_init(&out, WF_REVIEW_MAX_REPORT_BYTES);
        if (wf_review_write(&res, (enum wf_review_format)fmt, &out) != WF_OK)
            abort();
        if (res.n && (!out.p || strlen(out.p) != out.len))
            abort();
        wf_buf_cleanup(&out);
    }
out:
    wf_review_free(rv);
    wf_review_result_cleanup(&res);
    wf_risk_diff_cleanup(&d);
    return 0;
}
