/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Worker threads: claim a job from the queue, triage the build it names
 * (fetching the log from GitHub/GitLab first when none was uploaded and a
 * token is configured), store the failure, ack. Errors are retried with
 * backoff by the queue and dead-lettered after the last attempt; a job
 * whose build has no log and no way to get one ends quietly (a later log
 * upload enqueues it again).
 */
#include <string.h>

#include "server/server_int.h"
#include "triage/triage.h"

struct fetch_sink {
    struct wf_redactor *r;
    struct wf_buf *out;
};

static int fetch_chunk(void *ud, const char *p, size_t n)
{
    struct fetch_sink *s = ud;
    return wf_redact_feed(s->r, p, n, s->out);
}

static int fetch_log(struct wf_server__ctx *c, const struct wf_store_build *b, struct wf_buf *log,
                     struct wf_buf *err)
{
    const char *job = b->external_id;
    if (strncmp(job, "check:", 6) == 0)
        job += 6; /* a GitHub Actions check run id is its job id */
    struct fetch_sink s = {NULL, log};
    if (wf_redact_new(&c->redact_cfg.opts, &s.r) != WF_OK)
        return WF_ENOMEM;
    int rc = wf_provider_fetch_log(&c->provider, b->provider, b->repo, job, fetch_chunk, &s, err);
    if (rc == WF_OK)
        rc = wf_redact_finish(s.r, log);
    wf_redact_free(s.r);
    return rc;
}

/* The first line of the best excerpt, for list views. */
static void title_of(const struct wf_triage_result *r, char *out, size_t cap)
{
    out[0] = 0;
    if (r->n_excerpt == 0 || !r->excerpt[0].text)
        return;
    const char *t = r->excerpt[0].text;
    size_t n = strcspn(t, "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, t, n);
    out[n] = 0;
}

int wf_server__triage_build(struct wf_server__ctx *c, const char *tenant, int64_t build_id,
                            struct wf_buf *err)
{
    struct wf_store_build b;
    char *text = NULL;
    size_t len = 0;
    struct wf_buf log, report;
    struct wf_triage_result r;
    int have = 0;
    wf_buf_init(&log, (size_t)c->cfg->max_log_bytes);
    wf_buf_init(&report, 64u << 20);
    int rc = wf_store_build_get(c->store, tenant, build_id, &b);
    if (rc)
        goto out;
    rc = wf_store_log_get(c->store, tenant, build_id, &text, &len);
    if (rc == WF_ENOENT) {
        if (!wf_provider_enabled(&c->provider, b.provider) || !b.repo[0])
            goto out; /* WF_ENOENT: nothing to triage yet */
        rc = fetch_log(c, &b, &log, err);
        if (rc == WF_OK && log.len)
            rc = wf_store_log_put(c->store, tenant, build_id, log.p, log.len);
        if (rc)
            goto out;
        text = wf_buf_detach(&log);
        len = text ? strlen(text) : 0;
        if (!text) {
            rc = WF_ENOMEM;
            goto out;
        }
    } else if (rc) {
        goto out;
    }
    struct wf_triage_opts o;
    memset(&o, 0, sizeof o);
    o.redact = &c->redact_cfg.opts;
    uint64_t t0 = wf_now_ns();
    rc = wf_triage_buffer(&o, text, len, NULL, 0, &r);
    if (rc)
        goto out;
    have = 1;
    wf_server__metrics_observe(c->metrics, "workflowai_triage_duration_seconds", wf_now_ns() - t0);
    const char *cat = wf_triage_category_name(r.category);
    wf_server__metrics_count(c->metrics, "workflowai_triage_total", "category", cat, 1);
    rc = wf_triage_format_json(&r, &report);
    if (rc)
        goto out;
    char title[256];
    title_of(&r, title, sizeof title);
    struct wf_store_failure f = {
        .tenant = tenant,
        .build_id = build_id,
        .repo = b.repo,
        .branch = b.branch,
        .category = cat,
        .confidence = r.confidence,
        .signature = r.signature,
        .step = r.failing_step ? r.failing_step : "",
        .title = title,
        .report_json = report.p,
        .model_version = r.model_version ? r.model_version : "",
        .created_ms = wf_store_now_ms(),
    };
    rc = wf_store_failure_put(c->store, &f, NULL);
out:
    if (have)
        wf_triage_result_cleanup(&r);
    wf_free(text);
    wf_buf_cleanup(&log);
    wf_buf_cleanup(&report);
    return rc;
}

static void run_job(struct wf_server__ctx *c, const struct wf_store_job *job)
{
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    int rc = WF_EFORMAT;
    json_int_t build_id = 0;
    json_t *p = json_loads(job->payload ? job->payload : "", 0, NULL);
    if (strcmp(job->kind, "triage") == 0 && p &&
        json_unpack(p, "{s:I}", "build_id", &build_id) == 0)
        rc = wf_server__triage_build(c, job->tenant, build_id, &err);
    json_decref(p);
    const char *result;
    if (rc == WF_OK || rc == WF_ENOENT) {
        wf_queue_ack(c->queue, job);
        result = rc == WF_OK ? "done" : "no_log";
    } else {
        int dead = 0;
        char msg[256];
        snprintf(msg, sizeof msg, "%s%s%s", wf_strerror(rc), err.p ? ": " : "", err.p ? err.p : "");
        wf_queue_fail(c->queue, job, msg, &dead);
        result = dead ? "dead" : "retry";
    }
    wf_server__metrics_count(c->metrics, "workflowai_jobs_total", "result", result, 1);
    wf_server__log(c, rc == WF_OK || rc == WF_ENOENT ? WF_LOG_INFO : WF_LOG_WARN, "job",
                   json_pack("{s:I,s:s,s:s,s:I,s:i,s:s,s:s}", "job_id", (json_int_t)job->id, "kind",
                             job->kind, "tenant", job->tenant, "build_id", build_id, "attempt",
                             job->attempts, "result", result, "error",
                             rc == WF_OK ? "" : (err.p ? err.p : wf_strerror(rc))));
    wf_buf_cleanup(&err);
}

static void *worker_main(void *ud)
{
    struct wf_server__ctx *c = ud;
    while (!c->stopping) {
        struct wf_store_job job;
        int rc = wf_queue_claim(c->queue, &job);
        if (rc == WF_ENOENT) {
            wf_queue_wait(c->queue, 1000);
            continue;
        }
        if (rc != WF_OK) {
            wf_queue_wait(c->queue, 1000); /* store trouble: back off */
            continue;
        }
        run_job(c, &job);
        wf_store_job_cleanup(&job);
    }
    return NULL;
}

int wf_server__workers_start(struct wf_server__ctx *c)
{
    size_t n = (size_t)c->cfg->workers;
    if (n == 0)
        return WF_OK;
    c->workers = wf_calloc(n, sizeof *c->workers);
    if (!c->workers)
        return WF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (pthread_create(&c->workers[i], NULL, worker_main, c) != 0) {
            wf_server__workers_stop(c);
            return WF_EIO;
        }
        c->n_workers++;
    }
    return WF_OK;
}

void wf_server__workers_stop(struct wf_server__ctx *c)
{
    c->stopping = 1;
    wf_queue_notify(c->queue);
    for (size_t i = 0; i < c->n_workers; i++)
        pthread_join(c->workers[i], NULL);
    wf_free(c->workers);
    c->workers = NULL;
    c->n_workers = 0;
}
