/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the metrics registry: exact exposition lines for counts,
 * gauges and HTTP responses, cumulative histogram buckets with +Inf equal
 * to _count, label escaping, unknown names and wrong labels ignored, the
 * per-metric series cap ("other"), an all-or-nothing render under a size
 * cap, allocation failures, and exact totals from four threads.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/server_int.h"

#define MS 1000000ull

static struct wf_server__metrics *make(void)
{
    struct wf_server__metrics *m = NULL;
    assert_int_equal(wf_server__metrics_new(&m), WF_OK);
    assert_non_null(m);
    return m;
}

/* Owned rendering (free with wf_free). */
static char *render(struct wf_server__metrics *m)
{
    struct wf_buf b;
    wf_buf_init(&b, 64 * 1024 * 1024);
    assert_int_equal(wf_server__metrics_render(m, &b), WF_OK);
    char *s = wf_buf_detach(&b);
    assert_non_null(s);
    return s;
}

/* Asserts text holds line as one whole line. */
static void has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return;
    fail_msg("missing line: %s\n--- in ---\n%s", line, text);
}

/* Lines of text that start with prefix. */
static size_t count_lines(const char *text, const char *prefix)
{
    size_t n = 0, len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, len) == 0)
            n++;
    return n;
}

/* The value after "<series> " on its line, or -1. */
static long long value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; (p = strstr(p, series)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            return strtoll(p + n + 1, NULL, 10);
    return -1;
}

static void test_render_exact(void **state)
{
    (void)state;
    struct wf_server__metrics *m = make();
    wf_server__metrics_count(m, "workflowai_ingest_deliveries_total", "provider", "github", 2);
    wf_server__metrics_count(m, "workflowai_ingest_deliveries_total", "provider", "github", 1);
    wf_server__metrics_count(m, "workflowai_ingest_deliveries_total", "provider", "gitlab", 1);
    wf_server__metrics_count(m, "workflowai_store_commits_total", NULL, NULL, 2);
    wf_server__metrics_count(m, "workflowai_jobs_total", "result", "dead", 1);
    wf_server__metrics_gauge(m, "workflowai_queue_depth", "state", "queued", 7);
    wf_server__metrics_gauge(m, "workflowai_queue_depth", "state", "queued", 4);
    wf_server__metrics_gauge(m, "workflowai_queue_depth", "state", "running", 0.1);
    wf_server__metrics_gauge(m, "workflowai_build_info", "version", "0.1.0", 1);
    const char *drift[] = {"acme", "triage", "log_bytes"};
    wf_server__metrics_gauge_n(m, "workflowai_model_drift_psi", drift, 3, 0.4);
    wf_server__metrics_gauge_n(m, "workflowai_model_drift_psi", drift, 3, 0.25); /* replaced */
    drift[2] = "confidence";
    wf_server__metrics_gauge_n(m, "workflowai_model_drift_psi", drift, 3, 0.01);
    wf_server__metrics_gauge_n(m, "workflowai_model_version", drift, 2, 3);
    wf_server__metrics_gauge_n(m, "workflowai_no_such_metric", drift, 2, 3); /* ignored */
    wf_server__metrics_http(m, "/v1/builds", "POST", 201, 1500000);
    wf_server__metrics_http(m, "/v1/builds", "POST", 201, 2 * MS);
    wf_server__metrics_http(m, "/v1/builds", "GET", 404, 20000 * MS);
    char *t = render(m);
    /* the text starts with the first metric's HELP and ends with a newline */
    assert_memory_equal(t, "# HELP workflowai_http_requests_total ", 38);
    assert_int_equal(t[strlen(t) - 1], '\n');
    has_line(t, "# HELP workflowai_ingest_deliveries_total Webhook deliveries accepted, by "
                "provider.");
    has_line(t, "# TYPE workflowai_ingest_deliveries_total counter");
    has_line(t, "workflowai_ingest_deliveries_total{provider=\"github\"} 3");
    has_line(t, "workflowai_ingest_deliveries_total{provider=\"gitlab\"} 1");
    has_line(t, "# TYPE workflowai_store_commits_total counter");
    has_line(t, "workflowai_store_commits_total 2");
    /* unlabeled counters are shown at 0 before their first count */
    has_line(t, "workflowai_store_writes_total 0");
    has_line(t, "workflowai_rate_limited_total 0");
    has_line(t, "workflowai_jobs_total{result=\"dead\"} 1");
    has_line(t, "# TYPE workflowai_queue_depth gauge");
    has_line(t, "workflowai_queue_depth{state=\"queued\"} 4");
    has_line(t, "workflowai_queue_depth{state=\"running\"} 0.1");
    has_line(t, "workflowai_build_info{version=\"0.1.0\"} 1");
    has_line(t, "# TYPE workflowai_http_requests_total counter");
    has_line(t,
             "workflowai_http_requests_total{route=\"/v1/builds\",method=\"POST\",status=\"201\"}"
             " 2");
    has_line(t, "workflowai_http_requests_total{route=\"/v1/builds\",method=\"GET\",status=\"404\"}"
                " 1");
    has_line(t, "# TYPE workflowai_http_request_duration_seconds histogram");
    const char *h = "workflowai_http_request_duration_seconds";
    char line[256];
    static const struct {
        const char *le;
        int n;
    } want[] = {{"0.0005", 0}, {"0.001", 0}, {"0.0025", 2}, {"0.005", 2}, {"10", 2}, {"+Inf", 3}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        snprintf(line, sizeof(line), "%s_bucket{route=\"/v1/builds\",le=\"%s\"} %d", h, want[i].le,
                 want[i].n);
        has_line(t, line);
    }
    snprintf(line, sizeof(line), "%s_sum{route=\"/v1/builds\"} 20.0035", h);
    has_line(t, line);
    snprintf(line, sizeof(line), "%s_count{route=\"/v1/builds\"} 3", h);
    has_line(t, line);
    /* one series per label set, not per call */
    assert_int_equal(count_lines(t, "workflowai_http_requests_total{"), 2);
    assert_int_equal(count_lines(t, "workflowai_http_request_duration_seconds_count"), 1);
    /* every metric of the table has its HELP and TYPE, once */
    assert_int_equal(count_lines(t, "# HELP "), 23);
    assert_int_equal(count_lines(t, "# TYPE "), 23);
    /* several labels: one series per value tuple, in the table's label order */
    has_line(t, "workflowai_model_drift_psi{tenant=\"acme\",kind=\"triage\",feature=\"log_bytes\"}"
                " 0.25");
    has_line(t, "workflowai_model_drift_psi{tenant=\"acme\",kind=\"triage\",feature=\"confidence\"}"
                " 0.01");
    has_line(t, "workflowai_model_version{tenant=\"acme\",kind=\"triage\"} 3");
    assert_int_equal(count_lines(t, "workflowai_model_drift_psi{"), 2);
    wf_free(t);
    wf_server__metrics_free(m);
}

static void test_histogram_cumulative(void **state)
{
    (void)state;
    struct wf_server__metrics *m = make();
    const char *n = "workflowai_triage_duration_seconds";
    static const uint64_t obs[] = {0, 500000, 500001, 700000, 3000 * MS, 20000 * MS, 10000 * MS};
    for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
        wf_server__metrics_observe(m, n, obs[i]);
    char *t = render(m);
    has_line(t, "# TYPE workflowai_triage_duration_seconds histogram");
    has_line(t, "workflowai_triage_duration_seconds_bucket{le=\"0.0005\"} 2"); /* le is <= */
    has_line(t, "workflowai_triage_duration_seconds_bucket{le=\"0.001\"} 4");
    has_line(t, "workflowai_triage_duration_seconds_bucket{le=\"2.5\"} 4");
    has_line(t, "workflowai_triage_duration_seconds_bucket{le=\"5\"} 5");
    has_line(t, "workflowai_triage_duration_seconds_bucket{le=\"10\"} 6");
    has_line(t, "workflowai_triage_duration_seconds_bucket{le=\"+Inf\"} 7");
    has_line(t, "workflowai_triage_duration_seconds_count 7");
    has_line(t, "workflowai_triage_duration_seconds_sum 33.001700001");
    /* buckets never decrease, there are 15 of them, +Inf == _count */
    assert_int_equal(count_lines(t, "workflowai_triage_duration_seconds_bucket{"), 15);
    long long prev = 0;
    for (const char *p = strstr(t, "workflowai_triage_duration_seconds_bucket{"); p;
         p = strstr(p + 1, "workflowai_triage_duration_seconds_bucket{")) {
        long long v = strtoll(strchr(p, ' ') + 1, NULL, 10);
        assert_true(v >= prev);
        prev = v;
    }
    assert_int_equal(prev, value_of(t, "workflowai_triage_duration_seconds_count"));
    wf_free(t);
    wf_server__metrics_free(m);

    /* an unlabeled histogram is shown before its first observation too */
    m = make();
    t = render(m);
    has_line(t, "workflowai_triage_duration_seconds_bucket{le=\"+Inf\"} 0");
    has_line(t, "workflowai_triage_duration_seconds_sum 0");
    has_line(t, "workflowai_triage_duration_seconds_count 0");
    wf_free(t);
    wf_server__metrics_free(m);
}

static void test_escaping(void **state)
{
    (void)state;
    struct wf_server__metrics *m = make();
    wf_server__metrics_count(m, "workflowai_ingest_rejected_total", "reason", "a\"b\\c\nd", 1);
    wf_server__metrics_http(m, "/v1/\"x\"", "GET", 200, 0);
    wf_server__metrics_gauge(m, "workflowai_queue_depth", "state", "nan", NAN);
    wf_server__metrics_gauge(m, "workflowai_queue_depth", "state", "inf", INFINITY);
    wf_server__metrics_gauge(m, "workflowai_queue_depth", "state", "neg", -2.5);
    wf_server__metrics_gauge(m, "workflowai_queue_depth", "state", "big", 1e20);
    wf_server__metrics_gauge(m, "workflowai_queue_depth", "state", "third", 1.0 / 3);
    char *t = render(m);
    has_line(t, "workflowai_ingest_rejected_total{reason=\"a\\\"b\\\\c\\nd\"} 1");
    has_line(t,
             "workflowai_http_requests_total{route=\"/v1/\\\"x\\\"\",method=\"GET\",status=\"200\"}"
             " 1");
    has_line(t, "workflowai_queue_depth{state=\"nan\"} NaN");
    has_line(t, "workflowai_queue_depth{state=\"inf\"} +Inf");
    has_line(t, "workflowai_queue_depth{state=\"neg\"} -2.5");
    has_line(t, "workflowai_queue_depth{state=\"big\"} 1e+20");
    has_line(t, "workflowai_queue_depth{state=\"third\"} 0.33333333333333331");
    /* no raw newline made it into a sample line */
    assert_int_equal(count_lines(t, "d\"} 1"), 0);
    wf_free(t);
    wf_server__metrics_free(m);
}

/* A counter mirroring a total kept elsewhere takes the total, never
 * goes back, and filters names like count does. */
static void test_count_total(void **state)
{
    (void)state;
    struct wf_server__metrics *m = make();
    wf_server__metrics_count_total(m, "workflowai_store_commits_total", NULL, NULL, 40);
    wf_server__metrics_count_total(m, "workflowai_store_commits_total", NULL, NULL, 42);
    wf_server__metrics_count_total(m, "workflowai_store_commits_total", NULL, NULL, 41);
    wf_server__metrics_count_total(m, "workflowai_queue_depth", "state", "ready", 7);
    wf_server__metrics_count_total(m, "workflowai_store_commit_total", NULL, NULL, 7);
    char *t = render(m);
    has_line(t, "workflowai_store_commits_total 42");
    assert_null(strstr(t, "workflowai_queue_depth{"));
    wf_free(t);
    wf_server__metrics_free(m);
}

static void test_unknown_ignored(void **state)
{
    (void)state;
    struct wf_server__metrics *m = make();
    wf_server__metrics_count(m, "workflowai_ingest_events_total", "kind", "workflow_run", 1);
    char *before = render(m);
    /* typos, wrong types, wrong or missing labels, HTTP-only metrics */
    wf_server__metrics_count(m, "workflowai_ingest_event_total", "kind", "x", 1);
    wf_server__metrics_count(m, "workflowai_ingest_events_total", "provider", "github", 1);
    wf_server__metrics_count(m, "workflowai_ingest_events_total", NULL, NULL, 1);
    wf_server__metrics_count(m, "workflowai_ingest_events_total", "kind", NULL, 1);
    wf_server__metrics_count(m, "workflowai_store_commits_total", "db", "main", 1);
    wf_server__metrics_count(m, "workflowai_queue_depth", "state", "queued", 1);
    wf_server__metrics_count(m, "workflowai_http_requests_total", "route", "/x", 1);
    wf_server__metrics_count(m, NULL, NULL, NULL, 1);
    wf_server__metrics_count(NULL, "workflowai_store_commits_total", NULL, NULL, 1);
    wf_server__metrics_gauge(m, "workflowai_jobs_total", "result", "done", 5);
    wf_server__metrics_gauge(m, "workflowai_queue_dept", "state", "queued", 5);
    wf_server__metrics_observe(m, "workflowai_http_request_duration_seconds", MS);
    wf_server__metrics_observe(m, "workflowai_store_commits_total", MS);
    wf_server__metrics_observe(m, "", MS);
    wf_server__metrics_http(m, NULL, "GET", 200, MS);
    wf_server__metrics_http(m, "/x", NULL, 200, MS);
    wf_server__metrics_http(NULL, "/x", "GET", 200, MS);
    char *after = render(m);
    assert_string_equal(before, after);
    assert_null(strstr(after, "workflowai_ingest_event_total"));
    assert_null(strstr(after, "provider=\"github\""));
    wf_free(before);
    wf_free(after);
    wf_server__metrics_free(m);
}

static void test_series_cap(void **state)
{
    (void)state;
    struct wf_server__metrics *m = make();
    char v[200];
    /* a real value "other" first: the overflow must share its series */
    wf_server__metrics_count(m, "workflowai_ingest_deliveries_total", "provider", "other", 1);
    for (int i = 0; i < 1005; i++) {
        snprintf(v, sizeof(v), "p%d", i);
        wf_server__metrics_count(m, "workflowai_ingest_deliveries_total", "provider", v, 1);
    }
    /* known values keep counting in their own series past the cap */
    wf_server__metrics_count(m, "workflowai_ingest_deliveries_total", "provider", "p0", 1);
    /* an overlong value is "other" even below the cap */
    memset(v, 'z', 150);
    v[150] = 0;
    wf_server__metrics_count(m, "workflowai_jobs_total", "result", v, 1);
    for (int i = 0; i < 2000; i++) {
        snprintf(v, sizeof(v), "/r%d", i);
        wf_server__metrics_http(m, v, "GET", 200, MS);
    }
    char *t = render(m);
    assert_int_equal(count_lines(t, "workflowai_ingest_deliveries_total{"), 1000);
    assert_int_equal(value_of(t, "workflowai_ingest_deliveries_total{provider=\"other\"}"), 7);
    assert_int_equal(value_of(t, "workflowai_ingest_deliveries_total{provider=\"p0\"}"), 2);
    assert_int_equal(value_of(t, "workflowai_ingest_deliveries_total{provider=\"p998\"}"), 1);
    assert_int_equal(value_of(t, "workflowai_ingest_deliveries_total{provider=\"p999\"}"), -1);
    has_line(t, "workflowai_jobs_total{result=\"other\"} 1");
    assert_int_equal(count_lines(t, "workflowai_http_requests_total{"), 1001);
    assert_int_equal(value_of(t, "workflowai_http_requests_total{route=\"other\",method=\"other\","
                                 "status=\"other\"}"),
                     1000);
    assert_int_equal(count_lines(t, "workflowai_http_request_duration_seconds_count{"), 1001);
    assert_int_equal(value_of(t, "workflowai_http_request_duration_seconds_count{route=\"other\"}"),
                     1000);
    wf_free(t);
    wf_server__metrics_free(m);
}

static void test_render_cap_and_alloc(void **state)
{
    (void)state;
    struct wf_server__metrics *m = make();
    wf_server__metrics_count(m, "workflowai_store_writes_total", NULL, NULL, 9);
    struct wf_buf b;
    wf_buf_init(&b, 200);
    assert_int_equal(wf_buf_puts(&b, "keep"), WF_OK);
    assert_int_equal(wf_server__metrics_render(m, &b), WF_ETOOBIG);
    assert_string_equal(b.p, "keep"); /* all or nothing */
    wf_buf_cleanup(&b);
    wf_server__metrics_free(m);
    wf_server__metrics_free(NULL);

    /* fail each allocation of new in turn: ENOMEM and no leak, then OK */
    int ok = 0;
    for (long n = 0; n < 200 && !ok; n++) {
        struct wf_server__metrics *x = NULL;
        wf_alloc_fail_after(n);
        int rc = wf_server__metrics_new(&x);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK) {
            ok = 1;
            wf_server__metrics_free(x);
        } else {
            assert_int_equal(rc, WF_ENOMEM);
            assert_null(x);
        }
    }
    assert_true(ok);
    /* a series that cannot be allocated drops the observation, nothing else */
    m = make();
    wf_alloc_fail_after(0);
    wf_server__metrics_count(m, "workflowai_triage_total", "category", "flaky", 1);
    wf_server__metrics_http(m, "/x", "GET", 200, MS);
    wf_alloc_fail_after(-1);
    wf_server__metrics_count(m, "workflowai_triage_total", "category", "flaky", 1);
    char *t = render(m);
    has_line(t, "workflowai_triage_total{category=\"flaky\"} 1");
    assert_null(strstr(t, "route=\"/x\""));
    wf_free(t);
    wf_server__metrics_free(m);
}

#define THREADS 4
#define CALLS 20000

struct worker {
    struct wf_server__metrics *m;
    int id;
};

static void *worker_run(void *p)
{
    struct worker *w = p;
    static const char *const routes[] = {"/healthz", "/v1/builds", "/v1/builds/{id}"};
    for (int i = 0; i < CALLS; i++) {
        wf_server__metrics_http(w->m, routes[i % 3], i % 2 ? "GET" : "POST", 200, (uint64_t)i);
        wf_server__metrics_count(w->m, "workflowai_store_writes_total", NULL, NULL, 2);
        char v[16];
        snprintf(v, sizeof(v), "c%d", i % 50); /* new series race with lookups */
        wf_server__metrics_count(w->m, "workflowai_triage_total", "category", v, 1);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct wf_server__metrics *m = make();
    struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].m = m;
        w[i].id = i;
        assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 5; i++) /* renders while series are being created */
        wf_free(render(m));
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    char *s = render(m);
    long long total = 0;
    static const char *const series[] = {"/healthz", "/v1/builds", "/v1/builds/{id}"};
    char name[200];
    for (int r = 0; r < 3; r++)
        for (int g = 0; g < 2; g++) {
            snprintf(name, sizeof(name),
                     "workflowai_http_requests_total{route=\"%s\",method=\"%s\",status=\"200\"}",
                     series[r], g ? "GET" : "POST");
            long long v = value_of(s, name);
            assert_true(v > 0);
            total += v;
        }
    assert_int_equal(total, THREADS * CALLS);
    assert_int_equal(count_lines(s, "workflowai_http_requests_total{"), 6);
    assert_int_equal(value_of(s, "workflowai_store_writes_total"), 2 * THREADS * CALLS);
    assert_int_equal(count_lines(s, "workflowai_triage_total{"), 50);
    assert_int_equal(value_of(s, "workflowai_triage_total{category=\"c7\"}"), THREADS * CALLS / 50);
    long long c = 0;
    for (int r = 0; r < 3; r++) {
        snprintf(name, sizeof(name), "workflowai_http_request_duration_seconds_count{route=\"%s\"}",
                 series[r]);
        c += value_of(s, name);
    }
    assert_int_equal(c, THREADS * CALLS);
    wf_free(s);
    wf_server__metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_exact), cmocka_unit_test(test_histogram_cumulative),
        cmocka_unit_test(test_escaping),     cmocka_unit_test(test_unknown_ignored),
        cmocka_unit_test(test_series_cap),   cmocka_unit_test(test_render_cap_and_alloc),
        cmocka_unit_test(test_threads),      cmocka_unit_test(test_count_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
