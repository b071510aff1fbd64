/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Charts and the weekly report. Charts are plain SVG 1.1 written by hand
 * (title, axes with tick labels, legend, one path or bar group per
 * series); every piece of text goes through wf_dora_xml_escape. The report
 * computes the last N ISO weeks, compares the report week with the one
 * before in deterministic sentences, and embeds the charts (inline in
 * HTML, base64 data: URIs in Markdown).
 */
#include <math.h>
#include <string.h>

#include "dora/dora_int.h"

int wf_dora_xml_escape(struct wf_buf *out, const char *s)
{
    int rc = WF_OK;
    for (const char *p = s ? s : ""; *p && !rc; p++) {
        unsigned char c = (unsigned char)*p;
        switch (c) {
        case '&':
            rc = wf_buf_puts(out, "&amp;");
            break;
        case '<':
            rc = wf_buf_puts(out, "&lt;");
            break;
        case '>':
            rc = wf_buf_puts(out, "&gt;");
            break;
        case '"':
            rc = wf_buf_puts(out, "&quot;");
            break;
        case '\'':
            rc = wf_buf_puts(out, "&apos;");
            break;
        default:
            /* XML 1.0 forbids most control characters, even escaped */
            rc = wf_buf_putc(out, (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f
                                      ? '?'
                                      : (char)c);
        }
    }
    return rc;
}

#define W 640.0
#define H 320.0
#define ML 64.0
#define MR 16.0
#define MT 36.0
#define MB 72.0

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};

/* A "nice" axis maximum: 1, 2 or 5 times a power of ten, at least max. */
static double nice_max(double max)
{
    if (max <= 0)
        return 1;
    double p = pow(10, floor(log10(max)));
    for (int k = 0; k < 3; k++) {
        double m = (k == 0 ? 1 : k == 1 ? 2 : 5) * p;
        if (m >= max)
            return m;
    }
    return 10 * p;
}

int wf_dora_svg_chart(struct wf_buf *out, enum wf_dora_chart_type type, const char *title,
                      const char *y_label, const char *const *labels, size_t n,
                      const struct wf_dora_series *series, size_t n_series)
{
    if (!out || !labels || !series || n == 0 || n_series == 0)
        return WF_EINVAL;
    double max = 0;
    for (size_t s = 0; s < n_series; s++)
        for (size_t i = 0; i < n; i++)
            if (series[s].values[i] > max)
                max = series[s].values[i];
    max = nice_max(max);
    double pw = W - ML - MR, ph = H - MT - MB, slot = pw / (double)n;
    int rc = wf_buf_appendf(out,
                            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
                            "font-size=\"11\"><rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>"
                            "<text x=\"%.0f\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" "
                            "font-weight=\"bold\">",
                            W, H, W, H, W, H, W / 2);
    if (!rc)
        rc = wf_dora_xml_escape(out, title);
    if (!rc)
        rc = wf_buf_appendf(out,
                            "</text><text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" "
                            "transform=\"rotate(-90 14 %.1f)\">",
                            MT + ph / 2, MT + ph / 2);
    if (!rc)
        rc = wf_dora_xml_escape(out, y_label);
    if (!rc)
        rc = wf_buf_appendf(out,
                            "</text><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "stroke=\"#000\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                            "y2=\"%.1f\" stroke=\"#000\"/>",
                            ML, MT, ML, MT + ph, ML, MT + ph, ML + pw, MT + ph);
    for (int t = 0; !rc && t <= 4; t++) {
        double v = max * t / 4, y = MT + ph - ph * t / 4;
        rc = wf_buf_appendf(out,
                            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" "
                            "text-anchor=\"end\">%.4g</text>",
                            ML, y, ML + pw, y, ML - 4, y + 4, v);
    }
    /* at most ~12 x labels, rotated so ISO weeks fit */
    size_t every = n > 12 ? (n + 11) / 12 : 1;
    for (size_t i = 0; !rc && i < n; i += every) {
        double x = ML + slot * ((double)i + 0.5);
        rc = wf_buf_appendf(out,
                            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                            "transform=\"rotate(-40 %.1f %.1f)\">",
                            x, MT + ph + 14, x, MT + ph + 14);
        if (!rc)
            rc = wf_dora_xml_escape(out, labels[i]);
        if (!rc)
            rc = wf_buf_puts(out, "</text>");
    }
    for (size_t s = 0; !rc && s < n_series; s++) {
        const char *col = colors[s % 5];
        const double *v = series[s].values;
        if (type == WF_DORA_CHART_LINE) {
            int pen = 0, any = 0;
            for (size_t i = 0; !rc && i < n; i++) {
                if (v[i] < 0) {
                    pen = 0;
                    continue;
                }
                double x = ML + slot * ((double)i + 0.5), y = MT + ph - ph * v[i] / max;
                if (!any)
                    rc = wf_buf_appendf(out,
                                        "<path fill=\"none\" stroke=\"%s\" "
                                        "stroke-width=\"2\" d=\"",
                                        col);
                any = 1;
                if (!rc)
                    rc = wf_buf_appendf(out, "%s%.1f %.1f ", pen ? "L" : "M", x, y);
                pen = 1;
            }
            if (!rc && any)
                rc = wf_buf_puts(out, "\"/>");
        } else {
            double bw = slot * 0.8 / (double)n_series;
            for (size_t i = 0; !rc && i < n; i++) {
                if (v[i] < 0)
                    continue;
                double x = ML + slot * (double)i + slot * 0.1 + bw * (double)s;
                double h = ph * v[i] / max;
                rc = wf_buf_appendf(out,
                                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                                    "fill=\"%s\"/>",
                                    x, MT + ph - h, bw, h, col);
            }
        }
        double lx = ML + 130.0 * (double)s, ly = H - 10;
        if (!rc)
            rc = wf_buf_appendf(out,
                                "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                                "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">",
                                lx, ly - 9, col, lx + 14, ly);
        if (!rc)
            rc = wf_dora_xml_escape(out, series[s].name);
        if (!rc)
            rc = wf_buf_puts(out, "</text>");
    }
    if (!rc)
        rc = wf_buf_puts(out, "</svg>");
    return rc;
}

/* ---- Summary ------------------------------------------------------------------------ */

static const char *dir(double a, double b)
{
    return b > a ? "rose" : b < a ? "fell" : "stayed";
}

static int hours(struct wf_buf *b, double h)
{
    if (h < 1)
        return wf_buf_appendf(b, "%.0f min", h * 60);
    if (h < 48)
        return wf_buf_appendf(b, "%.0f h", h);
    return wf_buf_appendf(b, "%.1f days", h / 24);
}

static int pct(struct wf_buf *b, double v)
{
    return wf_buf_appendf(b, "%.0f%%", v * 100);
}

/* "<what> rose from A to B" / "stayed at B"; fmt writes one value. */
static int change(struct wf_buf *b, const char *what, double a, double v,
                  int (*fmt)(struct wf_buf *, double))
{
    int rc;
    if (a < 0) {
        rc = wf_buf_appendf(b, "%s was ", what);
        return rc ? rc : fmt(b, v);
    }
    if (fmt == hours || fmt == pct) {
        /* compare what is shown, so "rose from 9 h to 9 h" cannot happen */
        struct wf_buf x, y;
        wf_buf_init(&x, 64);
        wf_buf_init(&y, 64);
        fmt(&x, a);
        fmt(&y, v);
        int same = x.len == y.len && x.p && y.p && memcmp(x.p, y.p, x.len) == 0;
        wf_buf_cleanup(&x);
        wf_buf_cleanup(&y);
        if (same) {
            rc = wf_buf_appendf(b, "%s stayed at ", what);
            return rc ? rc : fmt(b, v);
        }
    }
    if (a == v) {
        rc = wf_buf_appendf(b, "%s stayed at ", what);
        return rc ? rc : fmt(b, v);
    }
    rc = wf_buf_appendf(b, "%s %s from ", what, dir(a, v));
    if (!rc)
        rc = fmt(b, a);
    if (!rc)
        rc = wf_buf_puts(b, " to ");
    return rc ? rc : fmt(b, v);
}

static int count(struct wf_buf *b, double v)
{
    return wf_buf_appendf(b, "%.0f", v);
}

int wf_dora_summary(const struct wf_dora_stats *p, const struct wf_dora_stats *c, struct wf_buf *b)
{
    int rc = change(b, "Deployment frequency", (double)p->deploys, (double)c->deploys, count);
    if (!rc)
        rc = wf_buf_appendf(b, " per week (%lld failed deployment%s, %lld before). ",
                            (long long)c->failed, c->failed == 1 ? "" : "s", (long long)p->failed);
    if (!rc && c->lead_median_h >= 0) {
        rc = change(b, "Lead time median", p->lead_median_h, c->lead_median_h, hours);
        if (!rc && p->lead_median_h >= 0 && c->lead_median_h != p->lead_median_h) {
            double per_c = c->deploys ? (double)c->changes / (double)c->deploys : 0;
            double per_p = p->deploys ? (double)p->changes / (double)p->deploys : 0;
            rc = wf_buf_appendf(b,
                                " because %lld change%s shipped in %lld deployment%s "
                                "(%.1f per deployment, %.1f the week before)",
                                (long long)c->changes, c->changes == 1 ? "" : "s",
                                (long long)c->deploys, c->deploys == 1 ? "" : "s", per_c, per_p);
        }
        if (!rc)
            rc = wf_buf_puts(b, "; p90 ");
        if (!rc)
            rc = hours(b, c->lead_p90_h);
        if (!rc)
            rc = wf_buf_puts(b, ". ");
    } else if (!rc) {
        rc = wf_buf_puts(b, "No change reached production, so there is no lead time. ");
    }
    if (!rc && c->change_failure_rate >= 0) {
        rc = change(b, "Change failure rate", p->change_failure_rate, c->change_failure_rate, pct);
        if (!rc)
            rc = wf_buf_appendf(b, " (%lld of %lld deployments failed or caused an incident). ",
                                (long long)(c->failed + c->caused_incident),
                                (long long)(c->deploys + c->failed));
    }
    if (!rc && c->recovery_median_h >= 0) {
        rc = change(b, "Failed deployment recovery time", p->recovery_median_h,
                    c->recovery_median_h, hours);
        if (!rc)
            rc = wf_buf_appendf(b, " (%lld recovered). ", (long long)c->recovered);
    }
    if (!rc && c->incidents) {
        rc = wf_buf_appendf(b, "%lld incident%s opened, %lld resolved", (long long)c->incidents,
                            c->incidents == 1 ? "" : "s", (long long)c->restored);
        if (!rc && c->restore_median_h >= 0) {
            rc = wf_buf_puts(b, "; ");
            if (!rc)
                rc = change(b, "time to restore median", p->restore_median_h, c->restore_median_h,
                            hours);
        }
        if (!rc)
            rc = wf_buf_puts(b, ". ");
    } else if (!rc) {
        rc = wf_buf_puts(b, "No incident was opened. ");
    }
    if (!rc && c->rework_rate >= 0) {
        rc = change(b, "Rework rate", p->rework_rate, c->rework_rate, pct);
        if (!rc)
            rc = wf_buf_appendf(b, " (%lld deployment%s followed an incident).",
                                (long long)c->rework, c->rework == 1 ? "" : "s");
    }
    return rc;
}

/* ---- Report --------------------------------------------------------------------------- */

static int base64(struct wf_buf *out, const char *p, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int rc = WF_OK;
    for (size_t i = 0; i < n && !rc; i += 3) {
        unsigned v = (unsigned char)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)p[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)p[i + 2];
        char q[4] = {t[(v >> 18) & 63], t[(v >> 12) & 63], i + 1 < n ? t[(v >> 6) & 63] : '=',
                     i + 2 < n ? t[v & 63] : '='};
        rc = wf_buf_append(out, q, 4);
    }
    return rc;
}

static int row(struct wf_buf *b, int html, const char *name, const char *prev, const char *cur,
               const char *tier)
{
    if (html)
        return wf_buf_appendf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", name,
                              prev, cur, tier);
    return wf_buf_appendf(b, "| %s | %s | %s | %s |\n", name, prev, cur, tier);
}

static void fmt_v(char *out, size_t cap, double v, int kind)
{
    if (v < 0)
        snprintf(out, cap, "-");
    else if (kind == 0)
        snprintf(out, cap, "%.0f", v);
    else if (kind == 1)
        snprintf(out, cap, "%.1f h", v);
    else
        snprintf(out, cap, "%.1f%%", v * 100);
}

int wf_dora_report(struct wf_dora_set *s, const struct wf_dora_query *q0, int64_t monday_ms,
                   int n_weeks, enum wf_dora_report_format fmt, struct wf_buf *out)
{
    if (!s || !q0 || !out || n_weeks < 2 || n_weeks > 260)
        return WF_EINVAL;
    struct wf_dora_query q = *q0;
    q.bucket = WF_DORA_WEEK;
    /* monday_ms is the local Monday: the weeks end and start at local midnights */
    q.until_ms = wf_dora_query_local_to_utc(&q, monday_ms + 7 * WF_DORA__DAY_MS);
    q.since_ms = wf_dora_query_local_to_utc(&q, monday_ms + 7 * WF_DORA__DAY_MS -
                                                    (int64_t)n_weeks * 7 * WF_DORA__DAY_MS);
    struct wf_dora_result r;
    int rc = wf_dora_compute(s, &q, &r);
    if (rc)
        return rc;
    int html = fmt == WF_DORA_REPORT_HTML;
    const struct wf_dora_stats *cur = &r.buckets[r.n_buckets - 1].s;
    const struct wf_dora_stats *prev = &r.buckets[r.n_buckets - 2].s;
    const char *label = r.buckets[r.n_buckets - 1].label;
    const char **labels = wf_calloc(r.n_buckets, sizeof *labels);
    double *v = wf_calloc(r.n_buckets * 4, sizeof *v);
    struct wf_buf svg;
    wf_buf_init(&svg, 4u * 1024 * 1024);
    if (!labels || !v) {
        rc = WF_ENOMEM;
        goto out;
    }
    const char *svc = q.service && q.service[0] ? q.service : "all services";
    if (html) {
        rc = wf_buf_puts(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>DORA "
                              "report ");
        if (!rc)
            rc = wf_buf_appendf(out, "%s</title></head><body>\n<h1>DORA weekly report %s: ", label,
                                label);
        if (!rc)
            rc = wf_dora_xml_escape(out, svc);
        if (!rc)
            rc = wf_buf_puts(out, "</h1>\n<p>");
    } else {
        rc = wf_buf_appendf(out, "# DORA weekly report %s: %s\n\n", label, svc);
    }
    struct wf_buf sum;
    wf_buf_init(&sum, 64u * 1024);
    if (!rc)
        rc = wf_dora_summary(prev, cur, &sum);
    if (!rc)
        rc = html ? wf_dora_xml_escape(out, sum.p ? sum.p : "")
                  : wf_buf_puts(out, sum.p ? sum.p : "");
    wf_buf_cleanup(&sum);
    if (!rc)
        rc =
            wf_buf_puts(out, html ? "</p>\n<table border=\"1\"><tr><th>metric</th><th>week "
                                    "before</th><th>this week</th><th>tier (last weeks)</th></tr>\n"
                                  : "\n\n| metric | week before | this week | tier (last weeks) "
                                    "|\n|---|---|---|---|\n");
    struct {
        const char *name;
        double a, b;
        int kind;
        enum wf_dora_tier t;
    } rows[] = {
        {"deployments", (double)prev->deploys, (double)cur->deploys, 0, r.tiers.deploy_frequency},
        {"lead time median", prev->lead_median_h, cur->lead_median_h, 1, r.tiers.lead_time},
        {"lead time p90", prev->lead_p90_h, cur->lead_p90_h, 1, r.tiers.lead_time},
        {"change failure rate", prev->change_failure_rate, cur->change_failure_rate, 2,
         r.tiers.change_failure_rate},
        {"failed deployment recovery median", prev->recovery_median_h, cur->recovery_median_h, 1,
         r.tiers.recovery_time},
        {"time to restore median", prev->restore_median_h, cur->restore_median_h, 1,
         r.tiers.recovery_time},
        {"rework rate", prev->rework_rate, cur->rework_rate, 2, WF_DORA_TIER_NONE},
    };
    for (size_t i = 0; !rc && i < sizeof rows / sizeof rows[0]; i++) {
        char a[32], b[32];
        fmt_v(a, sizeof a, rows[i].a, rows[i].kind);
        fmt_v(b, sizeof b, rows[i].b, rows[i].kind);
        rc = row(out, html, rows[i].name, a, b,
                 rows[i].t == WF_DORA_TIER_NONE ? "-" : wf_dora_tier_name(rows[i].t));
    }
    if (!rc)
        rc = html ? wf_buf_appendf(out, "</table>\n<p>Overall tier (DORA %d): <b>%s</b></p>\n",
                                   q.tier_year ? q.tier_year : 2023,
                                   wf_dora_tier_name(r.tiers.overall))
                  : wf_buf_appendf(out, "\nOverall tier (DORA %d): **%s**\n\n",
                                   q.tier_year ? q.tier_year : 2023,
                                   wf_dora_tier_name(r.tiers.overall));
    for (size_t i = 0; i < r.n_buckets; i++) {
        labels[i] = r.buckets[i].label;
        v[i] = (double)r.buckets[i].s.deploys;
        v[r.n_buckets + i] = r.buckets[i].s.lead_median_h;
        v[2 * r.n_buckets + i] =
            r.buckets[i].s.change_failure_rate < 0 ? -1 : r.buckets[i].s.change_failure_rate * 100;
        v[3 * r.n_buckets + i] = r.buckets[i].s.restore_median_h;
    }
    struct {
        const char *title, *y;
        enum wf_dora_chart_type type;
        struct wf_dora_series s;
    } charts[] = {
        {"Deployments per week", "deployments", WF_DORA_CHART_BAR, {"deployments", v}},
        {"Lead time for changes (median)",
         "hours",
         WF_DORA_CHART_LINE,
         {"lead time median", v + r.n_buckets}},
        {"Change failure rate",
         "percent",
         WF_DORA_CHART_LINE,
         {"change failure rate", v + 2 * r.n_buckets}},
        {"Time to restore (median)",
         "hours",
         WF_DORA_CHART_LINE,
         {"time to restore", v + 3 * r.n_buckets}},
    };
    for (size_t i = 0; !rc && i < sizeof charts / sizeof charts[0]; i++) {
        wf_buf_reset(&svg);
        rc = wf_dora_svg_chart(&svg, charts[i].type, charts[i].title, charts[i].y, labels,
                               r.n_buckets, &charts[i].s, 1);
        if (rc)
            break;
        if (html) {
            rc = wf_buf_puts(out, "<div>");
            if (!rc)
                rc = wf_buf_append(out, svg.p, svg.len);
            if (!rc)
                rc = wf_buf_puts(out, "</div>\n");
        } else {
            rc = wf_buf_appendf(out, "![%s](data:image/svg+xml;base64,", charts[i].title);
            if (!rc)
                rc = base64(out, svg.p, svg.len);
            if (!rc)
                rc = wf_buf_puts(out, ")\n\n");
        }
    }
    if (!rc && html)
        rc = wf_buf_puts(out, "</body></html>\n");
out:
    wf_buf_cleanup(&svg);
    wf_free(labels);
    wf_free(v);
    wf_dora_result_cleanup(&r);
    return rc;
}
