/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writers of review findings: text for people, a documented JSON, SARIF
 * 2.1.0 for code-scanning uploads and reviewdog's rdjson for pull-request
 * comments; plus the builder that turns a rule-table example into a diff.
 * Every string goes through the JSON escaper; no writer sees line text.
 */
#include "review.h"

#include <string.h>

int wf_review_format_parse(const char *s, enum wf_review_format *out)
{
    static const char *const names[] = {"text", "json", "sarif", "rdjson"};
    for (unsigned i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum wf_review_format)i;
            return WF_OK;
        }
    return WF_EINVAL;
}

/* Appends "\"s\"" JSON-escaped. */
static int jstr(struct wf_buf *b, const char *s)
{
    int rc = wf_buf_putc(b, '"');
    if (!rc)
        rc = wf_buf_json_escape(b, s, strlen(s));
    if (!rc)
        rc = wf_buf_putc(b, '"');
    return rc;
}

/* Appends a path as a relative URI reference: bytes outside RFC 3986's
 * unreserved set and '/' are percent-encoded. */
static int uri(struct wf_buf *b, const char *s)
{
    int rc = wf_buf_putc(b, '"');
    for (; !rc && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~/", c))
            rc = wf_buf_putc(b, (char)c);
        else
            rc = wf_buf_appendf(b, "%%%02X", c);
    }
    return rc ? rc : wf_buf_putc(b, '"');
}

static int write_text(const struct wf_review_result *r, struct wf_buf *b)
{
    int rc = WF_OK;
    for (size_t i = 0; !rc && i < r->n; i++) {
        const struct wf_review_finding *f = &r->items[i];
        rc = wf_buf_appendf(b, "%s:%zu:", f->file, f->line);
        if (!rc && f->column)
            rc = wf_buf_appendf(b, "%zu:", f->column);
        if (!rc)
            rc = wf_buf_appendf(b, " %s [%s] %s\n    fix: %s\n",
                                wf_review_severity_name(f->rule->severity), f->rule->id, f->message,
                                f->rule->hint);
    }
    if (!rc)
        rc = wf_buf_appendf(b, "%zu finding%s (%zu error, %zu warning, %zu note) in %zu file%s\n",
                            r->n, r->n == 1 ? "" : "s", r->n_by_sev[WF_REVIEW_ERROR],
                            r->n_by_sev[WF_REVIEW_WARNING], r->n_by_sev[WF_REVIEW_NOTE], r->files,
                            r->files == 1 ? "" : "s");
    return rc;
}

static int write_json(const struct wf_review_result *r, struct wf_buf *b)
{
    int rc = wf_buf_appendf(b, "{\"version\":1,\"files\":%zu,\"added\":%zu,\"findings\":[",
                            r->files, r->added);
    for (size_t i = 0; !rc && i < r->n; i++) {
        const struct wf_review_finding *f = &r->items[i];
        rc = wf_buf_puts(b, i ? ",{\"rule\":" : "{\"rule\":");
        if (!rc)
            rc = jstr(b, f->rule->id);
        if (!rc)
            rc = wf_buf_appendf(
                b, ",\"severity\":\"%s\",\"file\":", wf_review_severity_name(f->rule->severity));
        if (!rc)
            rc = jstr(b, f->file);
        if (!rc)
            rc = wf_buf_appendf(b, ",\"line\":%zu,\"column\":%zu,\"message\":", f->line, f->column);
        if (!rc)
            rc = jstr(b, f->message);
        if (!rc)
            rc = wf_buf_puts(b, ",\"hint\":");
        if (!rc)
            rc = jstr(b, f->rule->hint);
        if (!rc)
            rc = wf_buf_putc(b, '}');
    }
    if (!rc)
        rc = wf_buf_appendf(b, "],\"summary\":{\"error\":%zu,\"warning\":%zu,\"note\":%zu}",
                            r->n_by_sev[WF_REVIEW_ERROR], r->n_by_sev[WF_REVIEW_WARNING],
                            r->n_by_sev[WF_REVIEW_NOTE]);
    if (!rc && r->llm_ran)
        rc = wf_buf_appendf(b,
                            ",\"llm\":{\"files\":%zu,\"failed\":%zu,\"kept\":%zu,"
                            "\"invalid\":%zu,\"duplicate\":%zu,\"capped\":%zu,\"warning\":",
                            r->llm_files, r->llm_files_failed, r->llm_kept, r->llm_invalid,
                            r->llm_duplicate, r->llm_capped);
    if (!rc && r->llm_ran)
        rc = r->llm_warning ? jstr(b, r->llm_warning) : wf_buf_puts(b, "null");
    if (!rc && r->llm_ran)
        rc = wf_buf_putc(b, '}');
    if (!rc)
        rc = wf_buf_puts(b, "}\n");
    return rc;
}

/* Index of a finding's rule in the SARIF rules array: the table's rows,
 * then one "llm" descriptor (n_rules) for every comment of the LLM pass. */
static size_t rule_index(const struct wf_review_rule *rules, size_t n_rules,
                         const struct wf_review_rule *rule)
{
    return rule >= rules && rule < rules + n_rules ? (size_t)(rule - rules) : n_rules;
}

static int write_sarif(const struct wf_review_result *r, struct wf_buf *b)
{
    size_t n_rules;
    const struct wf_review_rule *rules = wf_review_rules(&n_rules);
    const struct wf_review_rule *llm = wf_review_llm_rule(WF_REVIEW_WARNING);
    int has_llm = 0;
    for (size_t i = 0; i < r->n; i++)
        has_llm |= rule_index(rules, n_rules, r->items[i].rule) == n_rules;
    int rc = wf_buf_puts(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                            "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
                            "\"name\":\"workflowai\",\"version\":\"" WF_VERSION "\","
                            "\"informationUri\":\"https://github.com/workflowai/workflowai\","
                            "\"rules\":[");
    for (size_t i = 0; !rc && i < n_rules + (size_t)has_llm; i++) {
        const struct wf_review_rule *ru = i < n_rules ? &rules[i] : llm;
        rc = wf_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        if (!rc)
            rc = jstr(b, ru->id);
        if (!rc)
            rc = wf_buf_puts(b, ",\"shortDescription\":{\"text\":");
        if (!rc)
            rc = jstr(b, ru->message);
        if (!rc)
            rc = wf_buf_puts(b, "},\"fullDescription\":{\"text\":");
        if (!rc)
            rc = jstr(b, ru->desc);
        if (!rc)
            rc = wf_buf_puts(b, "},\"help\":{\"text\":");
        if (!rc)
            rc = jstr(b, ru->hint);
        if (!rc)
            rc = wf_buf_appendf(b, "},\"defaultConfiguration\":{\"level\":\"%s\"}}",
                                wf_review_severity_name(ru->severity));
    }
    if (!rc)
        rc = wf_buf_puts(b, "]}},\"results\":[");
    for (size_t i = 0; !rc && i < r->n; i++) {
        const struct wf_review_finding *f = &r->items[i];
        rc = wf_buf_puts(b, i ? ",{\"ruleId\":" : "{\"ruleId\":");
        if (!rc)
            rc = jstr(b, f->rule->id);
        if (!rc)
            rc = wf_buf_appendf(b, ",\"ruleIndex\":%zu,\"level\":\"%s\",\"message\":{\"text\":",
                                rule_index(rules, n_rules, f->rule),
                                wf_review_severity_name(f->rule->severity));
        if (!rc)
            rc = jstr(b, f->message);
        if (!rc)
            rc = wf_buf_puts(b, "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
                                "{\"uri\":");
        if (!rc)
            rc = uri(b, f->file);
        if (!rc)
            rc = wf_buf_appendf(b, "},\"region\":{\"startLine\":%zu", f->line);
        if (!rc && f->column)
            rc = wf_buf_appendf(b, ",\"startColumn\":%zu", f->column);
        if (!rc)
            rc = wf_buf_puts(b, "}}}]}");
    }
    if (!rc)
        rc = wf_buf_puts(b, "]}]}\n");
    return rc;
}

static int write_rdjson(const struct wf_review_result *r, struct wf_buf *b)
{
    static const char *const sev[] = {"INFO", "WARNING", "ERROR"};
    int rc = wf_buf_puts(b, "{\"source\":{\"name\":\"workflowai\",\"url\":"
                            "\"https://github.com/workflowai/workflowai\"},\"diagnostics\":[");
    for (size_t i = 0; !rc && i < r->n; i++) {
        const struct wf_review_finding *f = &r->items[i];
        rc = wf_buf_puts(b, i ? ",{\"message\":" : "{\"message\":");
        if (!rc)
            rc = jstr(b, f->message);
        if (!rc)
            rc = wf_buf_puts(b, ",\"location\":{\"path\":");
        if (!rc)
            rc = jstr(b, f->file);
        if (!rc)
            rc = wf_buf_appendf(b, ",\"range\":{\"start\":{\"line\":%zu", f->line);
        if (!rc && f->column)
            rc = wf_buf_appendf(b, ",\"column\":%zu", f->column);
        if (!rc)
            rc = wf_buf_appendf(
                b, "}}},\"severity\":\"%s\",\"code\":{\"value\":", sev[f->rule->severity]);
        if (!rc)
            rc = jstr(b, f->rule->id);
        if (!rc)
            rc = wf_buf_puts(b, "}}");
    }
    if (!rc)
        rc = wf_buf_puts(b, "]}\n");
    return rc;
}

int wf_review_write(const struct wf_review_result *r, enum wf_review_format fmt, struct wf_buf *out)
{
    size_t mark = out->len;
    int rc;
    switch (fmt) {
    case WF_REVIEW_FMT_JSON:
        rc = write_json(r, out);
        break;
    case WF_REVIEW_FMT_SARIF:
        rc = write_sarif(r, out);
        break;
    case WF_REVIEW_FMT_RDJSON:
        rc = write_rdjson(r, out);
        break;
    default:
        rc = write_text(r, out);
        break;
    }
    if (rc) {
        out->len = mark; /* all or nothing */
        if (out->p)
            out->p[mark] = '\0';
    }
    return rc;
}

int wf_review_example_diff(const char *example, struct wf_buf *out)
{
    const char *bar = strchr(example, '|');
    const char *files_end = bar ? bar : example + strlen(example);
    const char *line = bar ? bar + 1 : NULL;
    const char *p = example;
    int rc = WF_OK;
    while (!rc && p < files_end) {
        while (p < files_end && *p == ' ')
            p++;
        const char *st = p;
        while (p < files_end && *p != ' ')
            p++;
        if (p == st)
            break;
        const char *e = p;
        int binary = 0;
        long count = 1;
        if (e[-1] == '!') {
            binary = 1;
            e--;
        }
        const char *star = memchr(st, '*', (size_t)(e - st));
        if (star) {
            char num[16];
            size_t nl = (size_t)(e - star - 1);
            if (nl == 0 || nl >= sizeof(num))
                return WF_EINVAL;
            memcpy(num, star + 1, nl);
            num[nl] = '\0';
            if (wf_parse_long(num, 1, 100000, &count))
                return WF_EINVAL;
            e = star;
        }
        int n = (int)(e - st);
        if (n == 0 || (!binary && !line))
            return WF_EINVAL;
        rc = wf_buf_appendf(out,
                            "diff --git a/%.*s b/%.*s\nnew file mode 100644\n"
                            "index 0000000..1111111\n",
                            n, st, n, st);
        if (!rc && binary)
            rc = wf_buf_appendf(out, "Binary files /dev/null and b/%.*s differ\n", n, st);
        if (!rc && !binary)
            rc =
                wf_buf_appendf(out, "--- /dev/null\n+++ b/%.*s\n@@ -0,0 +1,%ld @@\n", n, st, count);
        for (long k = 0; !rc && !binary && k < count; k++)
            rc = wf_buf_appendf(out, "+%s\n", line);
    }
    return rc;
}
