/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output of a triage result: the human report, the stable JSON document
 * (schema in docs/triage-json.md; fields are only ever added) and the bare
 * line ranges for scripts.
 */
#include "triage_int.h"

#include <string.h>

#define TRIAGE_SCHEMA_VERSION 1
#define EXCERPT_TEXT_LINES 12u /* lines per block in the text report */

static const char *const fact_names[] = {
#define WF__FACT_STR(name, str) str,
    WF_TRIAGE_FACT_MAP(WF__FACT_STR)
#undef WF__FACT_STR
};

const char *wf_triage_fact_name(enum wf_triage_fact_type t)
{
    return (unsigned)t < sizeof(fact_names) / sizeof(fact_names[0]) ? fact_names[t] : "message";
}

static int jstr(struct wf_buf *b, const char *s);

static int ref_json(struct wf_buf *b, const struct wf_triage_ref *f, size_t i)
{
    int rc = wf_buf_puts(b, i ? ",{\"kind\":" : "{\"kind\":");
    rc = rc ? rc : jstr(b, f->kind);
    rc = rc ? rc : wf_buf_puts(b, ",\"title\":");
    rc = rc ? rc : jstr(b, f->title);
    if (f->chunk_id && f->chunk_id[0]) {
        rc = rc ? rc : wf_buf_puts(b, ",\"document_id\":");
        rc = rc ? rc : wf_buf_appendf(b, "%lld,\"chunk_id\":", (long long)f->document_id);
        rc = rc ? rc : jstr(b, f->chunk_id);
        rc = rc ? rc : wf_buf_puts(b, ",\"heading\":");
        rc = rc ? rc : jstr(b, f->heading);
        rc = rc ? rc
                : wf_buf_appendf(b, ",\"line_start\":%lld,\"line_end\":%lld,\"text\":",
                                 (long long)f->line_start, (long long)f->line_end);
        rc = rc ? rc : jstr(b, f->text);
    } else {
        rc = rc ? rc : wf_buf_puts(b, ",\"signature\":");
        rc = rc ? rc : jstr(b, f->signature);
        rc = rc ? rc : wf_buf_puts(b, ",\"category\":");
        rc = rc ? rc : jstr(b, f->category);
        rc = rc ? rc
                : wf_buf_appendf(b, ",\"count\":%lld,\"first_seen_ms\":%lld,\"last_seen_ms\":%lld",
                                 (long long)f->count, (long long)f->first_seen_ms,
                                 (long long)f->last_seen_ms);
        rc = rc ? rc : wf_buf_puts(b, ",\"resolution\":");
        rc = rc ? rc : (f->resolution ? jstr(b, f->resolution) : wf_buf_puts(b, "null"));
    }
    rc = rc ? rc : wf_buf_appendf(b, ",\"score\":%.3f}", f->score);
    return rc;
}

int wf_triage_format_lines(const struct wf_triage_result *r, struct wf_buf *out)
{
    /* merged and in log order, so scripts can feed them to sed/awk */
    size_t n = r->n_excerpt, order[WF_LIMIT_BLOCKS];
    int rc = WF_OK;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && r->excerpt[order[j - 1]].start_line > r->excerpt[i].start_line) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const struct wf_triage_excerpt *e = &r->excerpt[order[i]];
        if (e->start_line == e->end_line)
            rc = wf_buf_appendf(out, "%s%zu", i ? "," : "", e->start_line);
        else
            rc = wf_buf_appendf(out, "%s%zu-%zu", i ? "," : "", e->start_line, e->end_line);
    }
    return rc ? rc : wf_buf_putc(out, '\n');
}

static int jstr(struct wf_buf *b, const char *s)
{
    if (!s)
        return wf_buf_puts(b, "null");
    int rc = wf_buf_putc(b, '"');
    if (!rc)
        rc = wf_buf_json_escape(b, s, strlen(s));
    return rc ? rc : wf_buf_putc(b, '"');
}

int wf_triage_format_json(const struct wf_triage_result *r, struct wf_buf *b)
{
    const struct wf_logs_result *l = &r->logs;
    int rc =
        wf_buf_appendf(b, "{\"schema_version\":%d,\"tool\":{\"name\":\"workflowai\",\"version\":",
                       TRIAGE_SCHEMA_VERSION);
    rc = rc ? rc : jstr(b, WF_VERSION);
    rc = rc ? rc
            : wf_buf_appendf(b, "},\"input\":{\"lines\":%zu,\"bytes\":%llu,\"flavor\":", l->n_lines,
                             (unsigned long long)l->n_bytes);
    rc = rc ? rc : jstr(b, wf_logs_flavor_name(l->flavor));
    rc = rc ? rc
            : wf_buf_appendf(
                  b, ",\"passing_log\":%s},\"failing_step\":", l->used_pass_log ? "true" : "false");
    rc = rc ? rc : jstr(b, r->failing_step);
    if (!rc && r->failing_step)
        rc = wf_buf_appendf(b, ",\"failing_step_lines\":{\"start_line\":%zu,\"end_line\":%zu}",
                            r->step_start, r->step_end);
    else if (!rc)
        rc = wf_buf_puts(b, ",\"failing_step_lines\":null");
    if (!rc && r->exit_code >= 0)
        rc = wf_buf_appendf(b, ",\"exit_code\":%d", r->exit_code);
    else if (!rc)
        rc = wf_buf_puts(b, ",\"exit_code\":null");
    rc = rc ? rc : wf_buf_puts(b, ",\"category\":");
    rc = rc ? rc : jstr(b, wf_triage_category_name(r->category));
    rc = rc ? rc : wf_buf_puts(b, ",\"category_description\":");
    rc = rc ? rc : jstr(b, wf_triage_category_desc(r->category));
    rc = rc ? rc : wf_buf_appendf(b, ",\"confidence\":%.3f,\"probabilities\":{", r->confidence);
    for (int k = 0, first = 1; k < WF_TRIAGE__N_CATEGORIES && !rc; k++) {
        if (r->probs[k] < 0.0005)
            continue;
        rc = wf_buf_appendf(b, "%s\"%s\":%.3f", first ? "" : ",",
                            wf_triage_category_name((enum wf_triage_category)k), r->probs[k]);
        first = 0;
    }
    rc = rc ? rc : wf_buf_puts(b, "},\"model_version\":");
    rc = rc ? rc : jstr(b, r->model_version);
    rc = rc ? rc : wf_buf_appendf(b, ",\"signature\":\"%s\",\"excerpt\":[", r->signature);
    for (size_t i = 0; i < r->n_excerpt && !rc; i++) {
        const struct wf_triage_excerpt *e = &r->excerpt[i];
        rc = wf_buf_appendf(b, "%s{\"start_line\":%zu,\"end_line\":%zu,\"score\":%.3f,\"kind\":",
                            i ? "," : "", e->start_line, e->end_line, e->score);
        rc = rc ? rc : jstr(b, e->kind);
        rc = rc ? rc : wf_buf_puts(b, ",\"text\":");
        rc = rc ? rc : jstr(b, e->text);
        rc = rc ? rc : wf_buf_putc(b, '}');
    }
    rc = rc ? rc : wf_buf_puts(b, "],\"facts\":[");
    for (size_t i = 0; i < r->n_facts && !rc; i++) {
        rc = wf_buf_appendf(b, "%s{\"type\":\"%s\",\"value\":", i ? "," : "",
                            wf_triage_fact_name(r->facts[i].type));
        rc = rc ? rc : jstr(b, r->facts[i].value);
        rc = rc ? rc : wf_buf_appendf(b, ",\"line\":%zu}", r->facts[i].line);
    }
    rc = rc ? rc : wf_buf_puts(b, "],\"root_cause\":");
    rc = rc ? rc : jstr(b, r->root_cause);
    rc = rc ? rc : wf_buf_puts(b, ",\"fix_steps\":[");
    for (size_t i = 0; i < r->n_fix_steps && !rc; i++) {
        rc = i ? wf_buf_putc(b, ',') : WF_OK;
        rc = rc ? rc : jstr(b, r->fix_steps[i]);
    }
    rc = rc ? rc : wf_buf_puts(b, "],\"references\":[");
    for (size_t i = 0; i < r->n_refs && !rc; i++)
        rc = ref_json(b, &r->refs[i], i);
    rc = rc ? rc : wf_buf_puts(b, "],\"steps\":[");
    for (size_t i = 0; i < l->n_steps && !rc; i++) {
        const struct wf_logs_step *s = &l->steps[i];
        rc = wf_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        rc = rc ? rc : jstr(b, s->name);
        rc = rc ? rc
                : wf_buf_appendf(b, ",\"start_line\":%zu,\"end_line\":%zu,\"failed\":%s",
                                 s->start_line, s->end_line, s->failed ? "true" : "false");
        if (!rc && s->exit_code >= 0)
            rc = wf_buf_appendf(b, ",\"exit_code\":%d}", s->exit_code);
        else if (!rc)
            rc = wf_buf_puts(b, ",\"exit_code\":null}");
    }
    rc = rc ? rc : wf_buf_appendf(b, "],\"elapsed_ms\":%.3f}\n", (double)r->elapsed_us / 1000.0);
    return rc;
}

/* Writes text with every line prefixed by pad; past max_lines (0 = all)
 * the rest is summarised, the full text being in the JSON output. */
static int indent(struct wf_buf *b, const char *text, const char *pad, size_t max_lines)
{
    int rc = wf_buf_puts(b, pad);
    size_t lines = 1;
    const char *p = text;
    for (; *p && !rc; p++) {
        if (*p == '\n' && max_lines && lines == max_lines)
            break;
        rc = wf_buf_putc(b, *p);
        if (!rc && *p == '\n') {
            rc = wf_buf_puts(b, pad);
            lines++;
        }
    }
    if (!rc && *p == '\n') {
        size_t more = 0;
        for (; *p; p++)
            more += *p == '\n';
        rc = wf_buf_appendf(b, "\n%s... %zu more line%s (--format json has them all)", pad, more,
                            more == 1 ? "" : "s");
    }
    return rc ? rc : wf_buf_putc(b, '\n');
}

int wf_triage_format_text(const struct wf_triage_result *r, struct wf_buf *b)
{
    const struct wf_logs_result *l = &r->logs;
    int rc = wf_buf_appendf(b, "Category:     %s (confidence %.2f) - %s\n",
                            wf_triage_category_name(r->category), r->confidence,
                            wf_triage_category_desc(r->category));
    if (!rc && r->failing_step)
        rc = wf_buf_appendf(b, "Failing step: %s (lines %zu-%zu)", r->failing_step, r->step_start,
                            r->step_end);
    else if (!rc)
        rc = wf_buf_puts(b, "Failing step: unknown");
    if (!rc && r->exit_code >= 0)
        rc = wf_buf_appendf(b, ", exit code %d", r->exit_code);
    rc = rc ? rc
            : wf_buf_appendf(b, "\nSignature:    %s\nLog:          %zu lines, %s%s\n", r->signature,
                             l->n_lines, wf_logs_flavor_name(l->flavor),
                             l->used_pass_log ? ", compared with a passing log" : "");
    rc = rc ? rc : wf_buf_puts(b, "\nRoot cause\n");
    rc = rc ? rc : indent(b, r->root_cause ? r->root_cause : "", "  ", 0);
    if (!rc && r->n_fix_steps)
        rc = wf_buf_puts(b, "\nNext steps\n");
    for (size_t i = 0; i < r->n_fix_steps && !rc; i++)
        rc = wf_buf_appendf(b, "  %zu. %s\n", i + 1, r->fix_steps[i]);
    if (!rc && r->n_refs)
        rc = wf_buf_puts(b, "\nReferences\n");
    for (size_t i = 0; i < r->n_refs && !rc; i++) {
        const struct wf_triage_ref *f = &r->refs[i];
        if (f->chunk_id[0])
            rc = wf_buf_appendf(b, "  - runbook %s%s%s (chunk %s, lines %lld-%lld)\n", f->title,
                                f->heading[0] ? " > " : "", f->heading, f->chunk_id,
                                (long long)f->line_start, (long long)f->line_end);
        else
            rc = wf_buf_appendf(
                b, "  - %s %s: seen %lld time%s: %s\n",
                strcmp(f->kind, "same_signature") == 0 ? "same failure" : "similar failure",
                f->signature, (long long)f->count, f->count == 1 ? "" : "s", f->title);
        if (!rc && f->resolution)
            rc = wf_buf_appendf(b, "    resolved: %s\n", f->resolution);
    }
    if (!rc && r->n_excerpt)
        rc = wf_buf_puts(b, "\nExcerpt\n");
    for (size_t i = 0; i < r->n_excerpt && !rc; i++) {
        const struct wf_triage_excerpt *e = &r->excerpt[i];
        rc = wf_buf_appendf(b, "  -- lines %zu-%zu (%s, score %.2f)\n", e->start_line, e->end_line,
                            e->kind, e->score);
        rc = rc ? rc : indent(b, e->text, "     | ", EXCERPT_TEXT_LINES);
    }
    if (!rc && r->n_excerpt == 0)
        rc = wf_buf_puts(b, "\nNo lines in this log explain a failure.\n");
    return rc;
}
