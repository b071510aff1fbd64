/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output of a computed result: JSON (the API's shape), aligned text and CSV
 * (one row per bucket). A double of -1 ("nothing to measure") is written as
 * null in JSON and as an empty cell / "-" elsewhere.
 */
#include <string.h>

#include "dora/dora_int.h"

static int num(struct wf_buf *b, const char *key, double v, int comma)
{
    if (v < 0)
        return wf_buf_appendf(b, "%s\"%s\":null", comma ? "," : "", key);
    return wf_buf_appendf(b, "%s\"%s\":%.6g", comma ? "," : "", key, v);
}

static int stats_json(struct wf_buf *b, const struct wf_dora_stats *s)
{
    int rc =
        wf_buf_appendf(b,
                       "\"deployments\":%lld,\"failed_deployments\":%lld,"
                       "\"deployments_causing_incident\":%lld,\"changes\":%lld,"
                       "\"incidents\":%lld,\"incidents_restored\":%lld,"
                       "\"failed_recovered\":%lld,\"rework_deployments\":%lld",
                       (long long)s->deploys, (long long)s->failed, (long long)s->caused_incident,
                       (long long)s->changes, (long long)s->incidents, (long long)s->restored,
                       (long long)s->recovered, (long long)s->rework);
    if (!rc)
        rc = num(b, "deployment_frequency_per_day", s->deploys_per_day, 1);
    if (!rc)
        rc = num(b, "lead_time_median_h", s->lead_median_h, 1);
    if (!rc)
        rc = num(b, "lead_time_p90_h", s->lead_p90_h, 1);
    if (!rc)
        rc = num(b, "change_failure_rate", s->change_failure_rate, 1);
    if (!rc)
        rc = num(b, "failed_deployment_recovery_median_h", s->recovery_median_h, 1);
    if (!rc)
        rc = num(b, "time_to_restore_median_h", s->restore_median_h, 1);
    if (!rc)
        rc = num(b, "rework_rate", s->rework_rate, 1);
    return rc;
}

static const char *unit_name(enum wf_dora_bucket_unit u)
{
    return u == WF_DORA_DAY ? "day" : u == WF_DORA_MONTH ? "month" : "week";
}

int wf_dora_format_json(const struct wf_dora_query *q, const struct wf_dora_result *r,
                        struct wf_buf *b)
{
    const char *svc = q->service && q->service[0] ? q->service : NULL;
    int rc = wf_buf_appendf(b, "{\"since_ms\":%lld,\"until_ms\":%lld,\"service\":",
                            (long long)q->since_ms, (long long)q->until_ms);
    if (!rc && svc) {
        rc = wf_buf_putc(b, '"');
        if (!rc)
            rc = wf_buf_json_escape(b, svc, strlen(svc));
        if (!rc)
            rc = wf_buf_putc(b, '"');
    } else if (!rc) {
        rc = wf_buf_puts(b, "null");
    }
    const char *env = q->env ? q->env : "production";
    if (!rc)
        rc = wf_buf_puts(b, ",\"environment\":\"");
    if (!rc)
        rc = wf_buf_json_escape(b, env, strlen(env));
    if (!rc)
        rc = wf_buf_appendf(
            b,
            "\",\"bucket\":\"%s\",\"tz_offset_min\":%d,\"rework_window_h\":%.6g,"
            "\"tier_year\":%d,\"events\":%zu,\"duplicates\":%zu,\"total\":{",
            unit_name(q->bucket), q->tz_offset_min,
            (double)(q->rework_window_ms ? q->rework_window_ms : WF_DORA_REWORK_WINDOW_MS) / 3.6e6,
            q->tier_year ? q->tier_year : 2023, r->n_events, r->n_duplicates);
    if (!rc)
        rc = stats_json(b, &r->total);
    if (!rc)
        rc = wf_buf_appendf(
            b,
            "},\"tiers\":{\"deployment_frequency\":\"%s\",\"lead_time\":\"%s\","
            "\"change_failure_rate\":\"%s\",\"recovery_time\":\"%s\","
            "\"overall\":\"%s\"},\"buckets\":[",
            wf_dora_tier_name(r->tiers.deploy_frequency), wf_dora_tier_name(r->tiers.lead_time),
            wf_dora_tier_name(r->tiers.change_failure_rate),
            wf_dora_tier_name(r->tiers.recovery_time), wf_dora_tier_name(r->tiers.overall));
    for (size_t i = 0; !rc && i < r->n_buckets; i++) {
        const struct wf_dora_bucket *k = &r->buckets[i];
        rc = wf_buf_appendf(b, "%s{\"label\":\"%s\",\"start_ms\":%lld,\"end_ms\":%lld,",
                            i ? "," : "", k->label, (long long)k->start_ms, (long long)k->end_ms);
        if (!rc)
            rc = stats_json(b, &k->s);
        if (!rc)
            rc = wf_buf_putc(b, '}');
    }
    if (!rc)
        rc = wf_buf_puts(b, "]}");
    return rc;
}

static int cell(struct wf_buf *b, double v, const char *fmt, const char *none)
{
    return v < 0 ? wf_buf_puts(b, none) : wf_buf_appendf(b, fmt, v);
}

int wf_dora_format_text(const struct wf_dora_query *q, const struct wf_dora_result *r,
                        struct wf_buf *b)
{
    const struct wf_dora_stats *t = &r->total;
    int rc = wf_buf_appendf(b, "service: %s  environment: %s  events: %zu (%zu duplicates)\n",
                            q->service && q->service[0] ? q->service : "(all)",
                            q->env ? q->env : "production", r->n_events, r->n_duplicates);
    if (!rc)
        rc = wf_buf_appendf(b, "deployment frequency: %lld deployments, ", (long long)t->deploys);
    if (!rc)
        rc = cell(b, t->deploys_per_day, "%.2f per day", "-");
    if (!rc)
        rc = wf_buf_appendf(b, "  [%s]\nlead time for changes: median ",
                            wf_dora_tier_name(r->tiers.deploy_frequency));
    if (!rc)
        rc = cell(b, t->lead_median_h, "%.1f h", "-");
    if (!rc)
        rc = wf_buf_puts(b, ", p90 ");
    if (!rc)
        rc = cell(b, t->lead_p90_h, "%.1f h", "-");
    if (!rc)
        rc = wf_buf_appendf(b, " over %lld changes  [%s]\nchange failure rate: ",
                            (long long)t->changes, wf_dora_tier_name(r->tiers.lead_time));
    if (!rc)
        rc = cell(b, t->change_failure_rate * 100, "%.1f %%", "-");
    if (!rc)
        rc = wf_buf_appendf(b, " (%lld failed, %lld caused an incident)  [%s]\n",
                            (long long)t->failed, (long long)t->caused_incident,
                            wf_dora_tier_name(r->tiers.change_failure_rate));
    if (!rc)
        rc = wf_buf_puts(b, "failed deployment recovery time: median ");
    if (!rc)
        rc = cell(b, t->recovery_median_h, "%.1f h", "-");
    if (!rc)
        rc = wf_buf_puts(b, "; time to restore: median ");
    if (!rc)
        rc = cell(b, t->restore_median_h, "%.1f h", "-");
    if (!rc)
        rc = wf_buf_appendf(
            b, " (%lld of %lld incidents resolved)  [%s]\nrework rate: ", (long long)t->restored,
            (long long)t->incidents, wf_dora_tier_name(r->tiers.recovery_time));
    if (!rc)
        rc = cell(b, t->rework_rate * 100, "%.1f %%", "-");
    if (!rc)
        rc = wf_buf_appendf(b, " (%lld deployments)\noverall tier: %s\n\n", (long long)t->rework,
                            wf_dora_tier_name(r->tiers.overall));
    if (!rc)
        rc = wf_buf_appendf(b, "%-12s %7s %7s %9s %9s %7s %9s %9s %7s\n", "bucket", "deploys",
                            "failed", "lead_med", "lead_p90", "cfr%", "recov_h", "restore_h",
                            "rework");
    for (size_t i = 0; !rc && i < r->n_buckets; i++) {
        const struct wf_dora_stats *s = &r->buckets[i].s;
        rc = wf_buf_appendf(b, "%-12s %7lld %7lld ", r->buckets[i].label, (long long)s->deploys,
                            (long long)s->failed);
        if (!rc)
            rc = cell(b, s->lead_median_h, "%9.1f ", "        - ");
        if (!rc)
            rc = cell(b, s->lead_p90_h, "%9.1f ", "        - ");
        if (!rc)
            rc = cell(b, s->change_failure_rate * 100, "%7.1f ", "      - ");
        if (!rc)
            rc = cell(b, s->recovery_median_h, "%9.1f ", "        - ");
        if (!rc)
            rc = cell(b, s->restore_median_h, "%9.1f ", "        - ");
        if (!rc)
            rc = wf_buf_appendf(b, "%7lld\n", (long long)s->rework);
    }
    return rc;
}

static int csv_num(struct wf_buf *b, double v)
{
    return v < 0 ? wf_buf_putc(b, ',') : wf_buf_appendf(b, ",%.6g", v);
}

int wf_dora_format_csv(const struct wf_dora_result *r, struct wf_buf *b)
{
    int rc = wf_buf_puts(b, "bucket,start_ms,end_ms,deployments,failed_deployments,changes,"
                            "incidents,deployment_frequency_per_day,lead_time_median_h,"
                            "lead_time_p90_h,change_failure_rate,"
                            "failed_deployment_recovery_median_h,time_to_restore_median_h,"
                            "rework_rate\n");
    for (size_t i = 0; !rc && i < r->n_buckets; i++) {
        const struct wf_dora_stats *s = &r->buckets[i].s;
        rc = wf_buf_appendf(b, "%s,%lld,%lld,%lld,%lld,%lld,%lld", r->buckets[i].label,
                            (long long)r->buckets[i].start_ms, (long long)r->buckets[i].end_ms,
                            (long long)s->deploys, (long long)s->failed, (long long)s->changes,
                            (long long)s->incidents);
        double v[] = {s->deploys_per_day,     s->lead_median_h,     s->lead_p90_h,
                      s->change_failure_rate, s->recovery_median_h, s->restore_median_h,
                      s->rework_rate};
        for (size_t k = 0; !rc && k < sizeof v / sizeof v[0]; k++)
            rc = csv_num(b, v[k]);
        if (!rc)
            rc = wf_buf_putc(b, '\n');
    }
    return rc;
}
