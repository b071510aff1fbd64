/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the DORA metrics on small hand-computed event sets: every
 * metric of one week, duplicates and reversed order, an empty set,
 * incidents without deployments, ISO week and month boundaries at year
 * ends with fixed offsets, tiers, the JSONL and stored-row mapping, and a
 * property test (random streams: metrics invariant under shuffling and
 * duplication).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dora/dora.h"

#define H (3600 * 1000LL)
/* Monday 2026-11-16 00:00 UTC, the Monday of 2026-W47 */
#define T0 1794787200000LL

static void add(struct wf_dora_set *s, enum wf_dora_kind k, const char *env, const char *id,
                const char *sha, const char *status, int64_t at, int64_t resolved, const char *rc)
{
    struct wf_dora_input in = {k, "acme/shop", env, id, sha, status, rc, at, resolved};
    assert_int_equal(wf_dora_set_add(s, &in), WF_OK);
}

/* The scenario of docs/dora.md's worked example. */
static void scenario(struct wf_dora_set *s, int reversed)
{
    struct {
        enum wf_dora_kind k;
        const char *env, *id, *sha, *status;
        int64_t at, resolved;
        const char *rc;
    } e[] = {
        {WF_DORA_CHANGE, NULL, NULL, "aaaaaaa1", NULL, T0 + 0 * H, 0, NULL},
        {WF_DORA_CHANGE, NULL, NULL, "bbbbbbb2", NULL, T0 + 2 * H, 0, NULL},
        {WF_DORA_DEPLOYMENT, "production", "1", "bbbbbbb2", "in_progress", T0 + 3 * H, 0, NULL},
        {WF_DORA_DEPLOYMENT, "production", "1", "bbbbbbb2", "success", T0 + 4 * H, 0, NULL},
        {WF_DORA_CHANGE, NULL, NULL, "ccccccc3", NULL, T0 + 10 * H, 0, NULL},
        {WF_DORA_DEPLOYMENT, "Production", "2", "ccccccc3", "failure", T0 + 12 * H, 0, NULL},
        {WF_DORA_DEPLOYMENT, "production", "3", "ccccccc3", "success", T0 + 14 * H, 0, NULL},
        {WF_DORA_INCIDENT, NULL, "i1", NULL, "open", T0 + 20 * H, T0 + 23 * H, "CCCCCCC3"},
        {WF_DORA_CHANGE, NULL, NULL, "ddddddd4", NULL, T0 + 21 * H, 0, NULL},
        {WF_DORA_DEPLOYMENT, "production", "4", "ddddddd4", "success", T0 + 22 * H, 0, NULL},
        {WF_DORA_DEPLOYMENT, "staging", "5", "ddddddd4", "success", T0 + 30 * H, 0, NULL},
        {WF_DORA_DEPLOYMENT, "production", "6", NULL, "success", T0 + 50 * H, 0, NULL},
    };
    size_t n = sizeof e / sizeof e[0];
    for (size_t j = 0; j < n; j++) {
        size_t i = reversed ? n - 1 - j : j;
        add(s, e[i].k, e[i].env, e[i].id, e[i].sha, e[i].status, e[i].at, e[i].resolved, e[i].rc);
    }
}

static void week_query(struct wf_dora_query *q, enum wf_dora_bucket_unit u)
{
    memset(q, 0, sizeof *q);
    q->since_ms = T0;
    q->until_ms = T0 + 7 * 24 * H;
    q->bucket = u;
}

static void check_scenario(const struct wf_dora_result *r)
{
    const struct wf_dora_stats *t = &r->total;
    assert_int_equal(t->deploys, 4); /* d1, d3, d4, d6; staging not counted */
    assert_int_equal(t->failed, 1);
    assert_int_equal(t->caused_incident, 1); /* d3 shipped ccccccc3 */
    assert_true(t->change_failure_rate > 0.4 - 1e-9 && t->change_failure_rate < 0.4 + 1e-9);
    assert_int_equal(t->changes, 4);
    /* leads 4, 2, 4, 1 h -> sorted 1 2 4 4: median (2+4)/2, p90 at 2.7 -> 4 */
    assert_true(t->lead_median_h == 3.0);
    assert_true(t->lead_p90_h == 4.0);
    assert_int_equal(t->recovered, 1);
    assert_true(t->recovery_median_h == 2.0);
    assert_int_equal(t->incidents, 1);
    assert_int_equal(t->restored, 1);
    assert_true(t->restore_median_h == 3.0);
    assert_int_equal(t->rework, 1); /* d4, 2 h after the incident opened */
    assert_true(t->rework_rate == 0.25);
    assert_true(t->deploys_per_day > 4.0 / 7 - 1e-9 && t->deploys_per_day < 4.0 / 7 + 1e-9);
    assert_int_equal(r->tiers.deploy_frequency, WF_DORA_TIER_HIGH);
    assert_int_equal(r->tiers.lead_time, WF_DORA_TIER_ELITE);
    assert_int_equal(r->tiers.change_failure_rate, WF_DORA_TIER_LOW);
    assert_int_equal(r->tiers.recovery_time, WF_DORA_TIER_HIGH);
    assert_int_equal(r->tiers.overall, WF_DORA_TIER_LOW);
}

static void test_scenario(void **state)
{
    (void)state;
    struct wf_dora_set *s;
    struct wf_dora_query q;
    struct wf_dora_result r;
    assert_int_equal(wf_dora_set_new(&s), WF_OK);
    scenario(s, 0);
    week_query(&q, WF_DORA_DAY);
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    check_scenario(&r);
    assert_int_equal(r.n_buckets, 7);
    assert_string_equal(r.buckets[0].label, "2026-11-16");
    assert_int_equal(r.buckets[0].s.deploys, 3);
    assert_int_equal(r.buckets[0].s.failed, 1);
    assert_int_equal(r.buckets[1].s.deploys, 0);
    assert_true(r.buckets[1].s.change_failure_rate == -1);
    assert_int_equal(r.buckets[2].s.deploys, 1);
    assert_true(r.buckets[0].s.lead_median_h == 3.0);
    assert_int_equal(r.n_duplicates, 0);
    wf_dora_result_cleanup(&r);

    /* one service filter, an unknown one, the staging environment */
    q.service = "acme/shop";
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    check_scenario(&r);
    wf_dora_result_cleanup(&r);
    q.service = "acme/other";
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_int_equal(r.total.deploys, 0);
    assert_int_equal(r.tiers.overall, WF_DORA_TIER_NONE);
    wf_dora_result_cleanup(&r);
    q.service = NULL;
    q.env = "STAGING";
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_int_equal(r.total.deploys, 1);
    assert_int_equal(r.total.failed, 0);
    wf_dora_result_cleanup(&r);

    /* a 1 h rework window: d4 came 2 h after the incident */
    q.env = NULL;
    q.rework_window_ms = H;
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_int_equal(r.total.rework, 0);
    wf_dora_result_cleanup(&r);
    wf_dora_set_free(s);
}

static void test_duplicates_and_order(void **state)
{
    (void)state;
    struct wf_dora_set *s;
    struct wf_dora_query q;
    struct wf_dora_result r;
    assert_int_equal(wf_dora_set_new(&s), WF_OK);
    scenario(s, 1);
    scenario(s, 0);
    scenario(s, 1);
    week_query(&q, WF_DORA_WEEK);
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    check_scenario(&r);
    assert_int_equal(r.n_events, 12);
    assert_int_equal(r.n_duplicates, 24);
    assert_int_equal(r.n_buckets, 1);
    assert_string_equal(r.buckets[0].label, "2026-W47");
    wf_dora_result_cleanup(&r);
    wf_dora_set_free(s);
}

static void test_empty_and_incident_only(void **state)
{
    (void)state;
    struct wf_dora_set *s;
    struct wf_dora_query q;
    struct wf_dora_result r;
    assert_int_equal(wf_dora_set_new(&s), WF_OK);
    week_query(&q, WF_DORA_WEEK);
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_int_equal(r.total.deploys, 0);
    assert_true(r.total.deploys_per_day == 0);
    assert_true(r.total.lead_median_h == -1);
    assert_true(r.total.change_failure_rate == -1);
    assert_true(r.total.rework_rate == -1);
    assert_int_equal(r.tiers.overall, WF_DORA_TIER_NONE);
    wf_dora_result_cleanup(&r);
    /* an open incident and a resolved one, no deployment at all */
    add(s, WF_DORA_INCIDENT, NULL, "a", NULL, "open", T0 + H, 0, "1234567");
    add(s, WF_DORA_INCIDENT, NULL, "b", NULL, "closed", T0 + 2 * H, T0 + 32 * H, NULL);
    /* the same incident "b" seen again when it was closed, with a later time */
    add(s, WF_DORA_INCIDENT, NULL, "b", NULL, "closed", T0 + 2 * H, T0 + 32 * H, NULL);
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_int_equal(r.total.incidents, 2);
    assert_int_equal(r.total.restored, 1);
    assert_true(r.total.restore_median_h == 30.0);
    assert_int_equal(r.total.caused_incident, 0);
    assert_int_equal(r.tiers.recovery_time, WF_DORA_TIER_MEDIUM); /* 30 h: 1 day .. 1 week */
    wf_dora_result_cleanup(&r);
    /* bad queries */
    q.until_ms = q.since_ms;
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_EINVAL);
    week_query(&q, WF_DORA_WEEK);
    q.tier_year = 1999;
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_EINVAL);
    struct wf_dora_input bad = {WF_DORA_CHANGE, "", NULL, NULL, "abcdef1", NULL, NULL, T0, 0};
    assert_int_equal(wf_dora_set_add(s, &bad), WF_EINVAL);
    wf_dora_set_free(s);
}

static void test_calendar(void **state)
{
    (void)state;
    int64_t t, mon;
    int off;
    assert_int_equal(wf_dora_parse_week("2026-W47", &mon), WF_OK);
    assert_true(mon == T0);
    /* 2026 starts on a Thursday: it has a W53, Monday 2026-12-28 */
    assert_int_equal(wf_dora_parse_week("2026-W53", &mon), WF_OK);
    assert_int_equal(wf_dora_parse_time("2026-12-28", &t), WF_OK);
    assert_true(mon == t);
    assert_int_equal(wf_dora_parse_week("2027-W01", &mon), WF_OK);
    assert_int_equal(wf_dora_parse_time("2027-01-04T00:00:00Z", &t), WF_OK);
    assert_true(mon == t);
    assert_int_equal(wf_dora_parse_week("2025-W53", &mon), WF_EINVAL);
    assert_int_equal(wf_dora_parse_week("2026-W00", &mon), WF_EINVAL);
    assert_int_equal(wf_dora_parse_week("2026W47", &mon), WF_EINVAL);
    /* 2020-W53 exists (leap year starting Wednesday); its Monday is 2020-12-28 */
    assert_int_equal(wf_dora_parse_week("2020-W53", &mon), WF_OK);
    assert_int_equal(wf_dora_parse_time("2020-12-28", &t), WF_OK);
    assert_true(mon == t);
    assert_int_equal(wf_dora_parse_time("2026-11-16T01:30:00.250+01:30", &t), WF_OK);
    assert_true(t == T0 + 250);
    assert_int_equal(wf_dora_parse_time("2026-11-16T01:30:00", &t), WF_EINVAL);
    assert_int_equal(wf_dora_parse_time("2026-13-01", &t), WF_EINVAL);
    assert_int_equal(wf_dora_parse_tz("-05:00", &off), WF_OK);
    assert_int_equal(off, -300);
    assert_int_equal(wf_dora_parse_tz("+0530", &off), WF_EINVAL);

    /* week buckets across the year end: 2026-W52, 2026-W53, 2027-W01 */
    struct wf_dora_set *s;
    struct wf_dora_query q;
    struct wf_dora_result r;
    assert_int_equal(wf_dora_set_new(&s), WF_OK);
    int64_t jan1;
    assert_int_equal(wf_dora_parse_time("2027-01-01T12:00:00Z", &jan1), WF_OK);
    add(s, WF_DORA_DEPLOYMENT, "production", "y1", NULL, "success", jan1, 0, NULL);
    /* Sunday 2027-01-03 23:30 UTC: W53 in UTC, 2027-W01 at +01:00 */
    add(s, WF_DORA_DEPLOYMENT, "production", "y2", NULL, "success", jan1 + 59 * H + H / 2, 0, NULL);
    memset(&q, 0, sizeof q);
    assert_int_equal(wf_dora_parse_time("2026-12-21", &q.since_ms), WF_OK);
    assert_int_equal(wf_dora_parse_time("2027-01-11", &q.until_ms), WF_OK);
    q.bucket = WF_DORA_WEEK;
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_int_equal(r.n_buckets, 3);
    assert_string_equal(r.buckets[0].label, "2026-W52");
    assert_string_equal(r.buckets[1].label, "2026-W53");
    assert_string_equal(r.buckets[2].label, "2027-W01");
    assert_int_equal(r.buckets[1].s.deploys, 2);
    wf_dora_result_cleanup(&r);
    q.tz_offset_min = 60;
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    /* the window ends 1 h into local Monday 2027-01-11: a partial last bucket */
    assert_int_equal(r.n_buckets, 4);
    assert_string_equal(r.buckets[1].label, "2026-W53");
    assert_int_equal(r.buckets[1].s.deploys, 1);
    assert_string_equal(r.buckets[2].label, "2027-W01");
    assert_int_equal(r.buckets[2].s.deploys, 1);
    assert_string_equal(r.buckets[3].label, "2027-W02");
    assert_true(r.buckets[3].end_ms - r.buckets[3].start_ms == H);
    wf_dora_result_cleanup(&r);
    /* months: 2026-12 and 2027-01; at -13:00 the Jan 1 noon deploy is Dec 31 */
    q.bucket = WF_DORA_MONTH;
    q.tz_offset_min = -13 * 60;
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_string_equal(r.buckets[0].label, "2026-12");
    assert_int_equal(r.buckets[0].s.deploys, 1);
    assert_string_equal(r.buckets[1].label, "2027-01");
    assert_int_equal(r.buckets[1].s.deploys, 1);
    wf_dora_result_cleanup(&r);
    wf_dora_set_free(s);
}

static void test_rows_and_jsonl(void **state)
{
    (void)state;
    struct wf_dora_set *s;
    struct wf_dora_query q;
    struct wf_dora_result r;
    struct wf_buf err;
    int added;
    wf_buf_init(&err, 1024);
    assert_int_equal(wf_dora_set_new(&s), WF_OK);
    /* a merged PR counts at merged_at; an unmerged one and a job are skipped */
    struct wf_dora_row pr = {
        "pull_request", "acme/shop", "",         "77",
        "abcdef1234",   "merged",    T0 + 9 * H, "{\"merged_at\":\"2026-11-16T01:00:00Z\"}"};
    assert_int_equal(wf_dora_add_row(s, &pr, &added), WF_OK);
    assert_int_equal(added, 1);
    struct wf_dora_row open_pr = {"pull_request", "acme/shop", "", "78",
                                  "abcdef9999",   "open",      T0, "{}"};
    assert_int_equal(wf_dora_add_row(s, &open_pr, &added), WF_OK);
    assert_int_equal(added, 0);
    struct wf_dora_row bad = {"incident", "acme/shop", "", "1", "", "open", T0, "[1]"};
    assert_int_equal(wf_dora_add_row(s, &bad, &added), WF_EFORMAT);
    /* an incident: opened at created_at, resolved at closed_at */
    struct wf_dora_row inc = {
        "incident",
        "acme/shop",
        "",
        "9",
        "",
        "closed",
        T0 + 50 * H,
        "{\"created_at\":\"2026-11-16T04:00:00Z\",\"closed_at\":\"2026-11-16T05:30:00Z\"}"};
    assert_int_equal(wf_dora_add_row(s, &inc, &added), WF_OK);
    const char *lines[] = {
        "{\"kind\":\"deployment\",\"repo\":\"acme/shop\",\"name\":\"production\","
        "\"external_id\":\"d1\",\"sha\":\"abcdef1234\",\"status\":\"success\","
        "\"occurred_at\":\"2026-11-16T03:00:00Z\"}",
        "   ",
        "{\"type\":\"deployment\",\"repo\":\"acme/shop\",\"environment\":\"production\","
        "\"id\":\"d2\",\"status\":\"error\",\"occurred_ms\":1794805200000}",
    };
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(wf_dora_add_json(s, lines[i], strlen(lines[i]), &added, &err), WF_OK);
    const char *wrong = "{\"kind\":\"deployment\",\"repo\":5}";
    assert_int_equal(wf_dora_add_json(s, wrong, strlen(wrong), &added, &err), WF_EFORMAT);
    assert_non_null(strstr(err.p, "repo"));
    week_query(&q, WF_DORA_WEEK);
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_int_equal(r.total.deploys, 1);
    assert_int_equal(r.total.failed, 1); /* "error" at 05:00 */
    assert_true(r.total.lead_median_h == 2.0);
    assert_true(r.total.restore_median_h == 1.5);
    assert_int_equal(r.total.rework, 0); /* the deploy came before the incident */
    struct wf_buf out;
    wf_buf_init(&out, 1u << 20);
    assert_int_equal(wf_dora_format_json(&q, &r, &out), WF_OK);
    assert_non_null(strstr(out.p, "\"deployments\":1,\"failed_deployments\":1"));
    assert_non_null(strstr(out.p, "\"lead_time_median_h\":2,"));
    assert_non_null(strstr(out.p, "\"failed_deployment_recovery_median_h\":null"));
    wf_buf_reset(&out);
    assert_int_equal(wf_dora_format_csv(&r, &out), WF_OK);
    assert_non_null(strstr(out.p, "\n2026-W47,1794787200000,1795392000000,1,1,1,1,"));
    wf_buf_cleanup(&out);
    wf_dora_result_cleanup(&r);
    wf_dora_set_free(s);
    wf_buf_cleanup(&err);
}

/* ---- Property: order and duplication never change a number ------------------------ */

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct gen {
    struct wf_dora_input in;
    char id[16], sha[16], repo[16];
};

static void test_property(void **state)
{
    (void)state;
    static const char *const st[] = {"success", "failure", "error", "in_progress", "queued"};
    static const char *const envs[] = {"production", "staging"};
    for (int round = 0; round < 20; round++) {
        size_t n = 50 + next() % 300;
        struct gen *g = calloc(n, sizeof *g);
        assert_non_null(g);
        for (size_t i = 0; i < n; i++) {
            struct wf_dora_input *in = &g[i].in;
            snprintf(g[i].repo, sizeof g[i].repo, "svc%d", (int)(next() % 3));
            snprintf(g[i].id, sizeof g[i].id, "%d", (int)(next() % 40));
            snprintf(g[i].sha, sizeof g[i].sha, "%07x", (unsigned)(0x1000000 + next() % 30));
            in->kind = (enum wf_dora_kind)(next() % 3);
            in->repo = g[i].repo;
            in->id = g[i].id;
            in->sha = g[i].sha;
            in->env = envs[next() % 2];
            in->status = st[next() % 5];
            in->at_ms = T0 - 3 * 24 * H + (int64_t)(next() % (14 * 24)) * H;
            if (in->kind == WF_DORA_INCIDENT) {
                in->root_cause_sha = next() % 2 ? g[i].sha : NULL;
                in->resolved_ms = next() % 3 ? in->at_ms + (int64_t)(next() % 48) * H : 0;
            }
        }
        struct wf_buf a, b;
        wf_buf_init(&a, 1u << 20);
        wf_buf_init(&b, 1u << 20);
        for (int pass = 0; pass < 2; pass++) {
            struct wf_dora_set *s;
            assert_int_equal(wf_dora_set_new(&s), WF_OK);
            if (pass == 0) {
                for (size_t i = 0; i < n; i++)
                    assert_int_equal(wf_dora_set_add(s, &g[i].in), WF_OK);
            } else {
                /* shuffled, and a random third added twice more */
                size_t *p = malloc(n * sizeof *p);
                assert_non_null(p);
                for (size_t i = 0; i < n; i++)
                    p[i] = i;
                for (size_t i = n - 1; i > 0; i--) {
                    size_t j = next() % (i + 1), t = p[i];
                    p[i] = p[j];
                    p[j] = t;
                }
                for (size_t i = 0; i < n; i++) {
                    assert_int_equal(wf_dora_set_add(s, &g[p[i]].in), WF_OK);
                    if (next() % 3 == 0) {
                        assert_int_equal(wf_dora_set_add(s, &g[p[i]].in), WF_OK);
                        assert_int_equal(wf_dora_set_add(s, &g[p[n - 1 - i]].in), WF_OK);
                    }
                }
                free(p);
            }
            struct wf_dora_query q;
            struct wf_dora_result r;
            week_query(&q, WF_DORA_DAY);
            assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
            r.n_duplicates = 0; /* the one number that must differ */
            assert_int_equal(wf_dora_format_json(&q, &r, pass ? &b : &a), WF_OK);
            /* invariants: counts add up over buckets */
            int64_t dep = 0;
            for (size_t i = 0; i < r.n_buckets; i++)
                dep += r.buckets[i].s.deploys;
            assert_true(dep == r.total.deploys);
            assert_true(r.total.caused_incident <= r.total.deploys);
            assert_true(r.total.rework <= r.total.deploys);
            assert_true(r.total.lead_median_h <= r.total.lead_p90_h);
            wf_dora_result_cleanup(&r);
            wf_dora_set_free(s);
        }
        assert_string_equal(a.p, b.p);
        wf_buf_cleanup(&a);
        wf_buf_cleanup(&b);
        free(g);
    }
}

/* Every allocation of add, compute, format and report fails in turn: each
 * call returns WF_ENOMEM (or succeeds), nothing leaks (LeakSanitizer), and
 * once allocations work again the numbers are the scenario's. */
static void test_alloc_failures(void **state)
{
    (void)state;
    int failed = 0;
    for (long n = 0; n < 400; n++) {
        struct wf_dora_set *s = NULL;
        struct wf_dora_query q;
        struct wf_dora_result r;
        struct wf_buf out;
        wf_buf_init(&out, 1u << 22);
        week_query(&q, WF_DORA_DAY);
        wf_alloc_fail_after(n);
        int rc = wf_dora_set_new(&s);
        for (int i = 0; i < 12 && rc == WF_OK; i++) {
            struct wf_dora_input in = {i % 3 ? WF_DORA_DEPLOYMENT : WF_DORA_CHANGE,
                                       i % 2 ? "svc/a" : "svc/b",
                                       "production",
                                       i % 4 ? "d1" : "d2",
                                       "abcdef1",
                                       i % 5 ? "success" : "failure",
                                       NULL,
                                       T0 + i * H,
                                       0};
            rc = wf_dora_set_add(s, &in);
        }
        if (rc == WF_OK && (rc = wf_dora_compute(s, &q, &r)) == WF_OK) {
            rc = wf_dora_format_json(&q, &r, &out);
            wf_dora_result_cleanup(&r);
        }
        if (rc == WF_OK)
            rc = wf_dora_report(s, &q, T0, 3, WF_DORA_REPORT_HTML, &out);
        wf_alloc_fail_after(-1);
        assert_true(rc == WF_OK || rc == WF_ENOMEM || rc == WF_ETOOBIG);
        failed += rc != WF_OK;
        wf_buf_cleanup(&out);
        wf_dora_set_free(s);
    }
    assert_true(failed > 20);
    /* and the scenario still computes right afterwards */
    struct wf_dora_set *s;
    struct wf_dora_query q;
    struct wf_dora_result r;
    assert_int_equal(wf_dora_set_new(&s), WF_OK);
    scenario(s, 0);
    week_query(&q, WF_DORA_WEEK);
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    check_scenario(&r);
    wf_dora_result_cleanup(&r);
    wf_dora_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario),
        cmocka_unit_test(test_duplicates_and_order),
        cmocka_unit_test(test_empty_and_incident_only),
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_rows_and_jsonl),
        cmocka_unit_test(test_property),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
