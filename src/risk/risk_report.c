/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The change-risk report: the files of a parsed diff as a change, and an
 * assessment written as text or JSON. Shared by `workflowai risk --diff`
 * and the service's POST /v1/risk and pull request reviews.
 */
#include <string.h>

#include "risk/risk.h"

/* Keeps the first error of a sequence of appends (rc in scope). */
#define PUT(x)                                                                                     \
    do {                                                                                           \
        if (!rc)                                                                                   \
            rc = (x);                                                                              \
    } while (0)

int wf_risk_diff_files(const struct wf_risk_diff *d, struct wf_risk_change_file **out)
{
    struct wf_risk_change_file *files = NULL;
    *out = NULL;
    if (d->n_files && !(files = wf_calloc(d->n_files, sizeof(*files))))
        return WF_ENOMEM;
    for (size_t i = 0; i < d->n_files; i++) {
        const struct wf_risk_diff_file *f = &d->files[i];
        const char *p = f->new_path ? f->new_path : f->old_path;
        files[i] = (struct wf_risk_change_file){
            p, f->added, f->deleted, f->status == WF_RISK_DIFF_ADDED, wf_risk_path_class(p)};
    }
    *out = files;
    return WF_OK;
}

static int json_str(struct wf_buf *b, const char *s)
{
    int rc = WF_OK;
    PUT(wf_buf_putc(b, '"'));
    PUT(wf_buf_json_escape(b, s, strlen(s)));
    PUT(wf_buf_putc(b, '"'));
    return rc;
}

static const char *const unknown_note =
    "history unknown (no --repo): lt, ndev, age, nuc, exp, rexp and sexp are set to the "
    "training mean and contribute nothing; the score reflects the diff alone";

int wf_risk_report_json(const struct wf_risk_assessment *a, const struct wf_risk_change_metrics *cm,
                        struct wf_buf *b)
{
    int rc = WF_OK;
    PUT(wf_buf_appendf(b, "{\"score\":%d,\"probability\":%.4f,\"history\":%s,\"metrics\":{",
                       a->score, a->probability, cm->have_history ? "true" : "false"));
    for (unsigned k = 0; k < WF_RISK_N_METRICS; k++)
        PUT(wf_buf_appendf(b, "%s\"%s\":%.6g", k ? "," : "", wf_risk_metric_name(k), cm->c.m[k]));
    PUT(wf_buf_puts(b, "},\"factors\":["));
    for (size_t i = 0; i < a->n_factors; i++) {
        const struct wf_risk_factor *f = &a->factors[i];
        PUT(wf_buf_appendf(b,
                           "%s{\"feature\":\"%s\",\"metric\":\"%s\",\"value\":%.6g,"
                           "\"contribution\":%.4f,\"text\":",
                           i ? "," : "", f->name, f->metric, f->value, f->contribution));
        PUT(json_str(b, f->text));
        PUT(wf_buf_putc(b, '}'));
    }
    PUT(wf_buf_appendf(b,
                       "],\"flags\":{\"ci\":%s,\"migration\":%s,\"auth\":%s,"
                       "\"lockfile_without_manifest\":%s},\"tests\":{\"test_lines_added\":%zu,"
                       "\"code_lines_added\":%zu,\"test_to_code_ratio\":%.3f},\"owners\":[",
                       a->flags & WF_RISK_PATH_CI ? "true" : "false",
                       a->flags & WF_RISK_PATH_MIGRATION ? "true" : "false",
                       a->flags & WF_RISK_PATH_AUTH ? "true" : "false",
                       a->flags & WF_RISK_PATH_LOCK ? "true" : "false", a->test_added,
                       a->code_added, a->test_ratio));
    for (size_t i = 0; i < WF_RISK_MAX_OWNERS && cm->owners[i]; i++) {
        PUT(wf_buf_puts(b, i ? ",{\"name\":" : "{\"name\":"));
        PUT(json_str(b, cm->owners[i]));
        PUT(wf_buf_appendf(b, ",\"recent_commits\":%zu}", cm->owner_commits[i]));
    }
    PUT(wf_buf_puts(b, "],\"recommendations\":["));
    for (size_t i = 0; i < a->n_recs; i++) {
        if (i)
            PUT(wf_buf_putc(b, ','));
        PUT(json_str(b, a->recs[i]));
    }
    PUT(wf_buf_puts(b, "],\"notes\":["));
    if (!cm->have_history)
        PUT(json_str(b, unknown_note));
    PUT(wf_buf_puts(b, "]}\n"));
    return rc;
}

int wf_risk_report_text(const struct wf_risk_assessment *a, const struct wf_risk_change_metrics *cm,
                        struct wf_buf *b)
{
    int rc = WF_OK;
    PUT(wf_buf_appendf(b, "risk score: %d/100 (probability %.3f)\n", a->score, a->probability));
    if (!cm->have_history)
        PUT(wf_buf_appendf(b, "note: %s\n", unknown_note));
    PUT(wf_buf_puts(b, "factors (contribution to the log-odds):\n"));
    for (size_t i = 0; i < a->n_factors; i++)
        PUT(wf_buf_appendf(b, "  %+.2f  %s=%.6g: %s\n", a->factors[i].contribution,
                           a->factors[i].metric, a->factors[i].value, a->factors[i].text));
    if (a->flags & WF_RISK_PATH_CI)
        PUT(wf_buf_puts(b, "  touches CI configuration\n"));
    if (a->flags & WF_RISK_PATH_MIGRATION)
        PUT(wf_buf_puts(b, "  touches a database migration\n"));
    if (a->flags & WF_RISK_PATH_AUTH)
        PUT(wf_buf_puts(b, "  touches authentication/cryptography code\n"));
    if (a->flags & WF_RISK_PATH_LOCK)
        PUT(wf_buf_puts(b, "  changes a lockfile without its manifest\n"));
    PUT(wf_buf_appendf(b, "  test lines added: %zu, code lines added: %zu (ratio %.2f)\n",
                       a->test_added, a->code_added, a->test_ratio));
    if (cm->owners[0]) {
        PUT(wf_buf_puts(b, "owners (recent commits to the touched files):"));
        for (size_t i = 0; i < WF_RISK_MAX_OWNERS && cm->owners[i]; i++)
            rc |=
                wf_buf_appendf(b, "%s %s (%zu)", i ? "," : "", cm->owners[i], cm->owner_commits[i]);
        PUT(wf_buf_putc(b, '\n'));
    }
    if (a->n_recs)
        PUT(wf_buf_puts(b, "recommendations:\n"));
    for (size_t i = 0; i < a->n_recs; i++)
        PUT(wf_buf_appendf(b, "  - %s\n", a->recs[i]));
    return rc;
}
