/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redaction in front of everything that reads a log: a reader callback that
 * runs each cleaned line (and the step name a `gh run view --log` prefix
 * carries) through src/redact and hands the masked line on. The analyzer,
 * the passing-log set and everything built from them only ever see
 * placeholders.
 */
#include "logs.h"

#include <string.h>

struct wf_logs_redacting {
    struct wf_redactor *red; /* owned */
    wf_logs_line_fn next;
    void *next_ud;
    struct wf_buf line; /* the masked line */
    struct wf_buf step; /* the masked step name */
};

int wf_logs_redacting_new(const struct wf_redact_opts *opts, wf_logs_line_fn next, void *next_ud,
                          struct wf_logs_redacting **out)
{
    struct wf_redact_opts o;
    if (opts)
        o = *opts;
    else
        wf_redact_opts_init(&o);
    struct wf_logs_redacting *r = wf_calloc(1, sizeof(*r));
    if (!r)
        return WF_ENOMEM;
    r->next = next;
    r->next_ud = next_ud;
    /* placeholders can make a line longer than it was; the cap below trims */
    wf_buf_init(&r->line, WF_LIMIT_LINE_BYTES * 4);
    wf_buf_init(&r->step, WF_LIMIT_LINE_BYTES * 4);
    int rc = wf_redact_new(&o, &r->red);
    if (rc) {
        wf_logs_redacting_free(r);
        return rc;
    }
    *out = r;
    return WF_OK;
}

void wf_logs_redacting_free(struct wf_logs_redacting *r)
{
    if (!r)
        return;
    wf_redact_free(r->red);
    wf_buf_cleanup(&r->line);
    wf_buf_cleanup(&r->step);
    wf_free(r);
}

int wf_logs_redacting_line(void *ud, const struct wf_logs_line *ln)
{
    struct wf_logs_redacting *r = ud;
    struct wf_logs_line copy = *ln;
    wf_buf_reset(&r->line);
    int rc = wf_redact_line(r->red, ln->text, ln->len, &r->line, NULL);
    if (rc)
        return rc;
    copy.text = r->line.p ? r->line.p : "";
    copy.len = r->line.len < WF_LIMIT_LINE_BYTES ? r->line.len : WF_LIMIT_LINE_BYTES;
    if (ln->step) {
        wf_buf_reset(&r->step);
        rc = wf_redact_line(r->red, ln->step, ln->step_len, &r->step, NULL);
        if (rc)
            return rc;
        copy.step = r->step.p ? r->step.p : "";
        copy.step_len = r->step.len;
    }
    return r->next(r->next_ud, &copy);
}
