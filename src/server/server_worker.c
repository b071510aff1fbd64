/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Worker threads: claim a job from the queue, triage the build it names
 * (fetching the log from GitHub/GitLab first when none was uploaded and a
 * token is configured), store the failure, ack. Errors are retried with
 * backoff by the queue and dead-lettered after the last attempt; a job
 * whose build has no log and no way to get one ends quietly (a later log
 * upload enqueues it again). With the Redis queue one more thread, the
 * relay, moves jobs from the store's outbox onto the stream.
 */
#include <stdlib.h>
#include <string.h>

#include "learn/learn.h"
#include "server/server_int.h"
#include "review/review.h"
#include "risk/risk.h"
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
    struct fetch_sink s = {wf_server__redactor_get(c), log};
    if (!s.r)
        return WF_ENOMEM;
    int rc = wf_provider_fetch_log(&c->provider, b->provider, b->repo, job, fetch_chunk, &s, err);
    if (rc == WF_OK)
        rc = wf_redact_finish(s.r, log);
    /* clean after finish: back to the pool; stopped mid-stream: dropped */
    if (rc == WF_OK)
        wf_server__redactor_put(c, s.r);
    else
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

/* A signature someone recorded a fix for: the report says how it was fixed. */
static int add_resolution(struct wf_server__ctx *c, const char *tenant, const char *signature,
                          struct wf_buf *report)
{
    json_t *res = NULL;
    int rc = wf_server__resolution_of(c, tenant, signature, &res);
    if (rc || !res)
        return rc;
    json_t *j = json_loadb(report->p, report->len, 0, NULL);
    char *text = NULL;
    if (j && json_object_set_new(j, "resolution", res) == 0)
        text = json_dumps(j, JSON_COMPACT);
    else
        json_decref(res);
    json_decref(j);
    if (!text)
        return WF_ENOMEM;
    wf_buf_reset(report);
    rc = wf_buf_puts(report, text);
    free(text);
    return rc;
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
    struct wf_server__held *held = NULL;
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
        len = log.len; /* not strlen: a log may hold NUL bytes */
        text = wf_buf_detach(&log);
        if (!text) {
            rc = WF_ENOMEM;
            goto out;
        }
    } else if (rc) {
        goto out;
    }
    /* the tenant's active model (the bundled one when it has none) */
    rc = wf_server__model_acquire(c, tenant, &held);
    if (rc)
        goto out;
    char model_version[64];
    wf_server__held_version(held, model_version, sizeof model_version);
    struct wf_triage_opts o;
    memset(&o, 0, sizeof o);
    o.redact = &c->redact_cfg.opts;
    o.model = wf_server__held_model(held);
    /* references: runbooks, and past failures (this one is stored after) */
    struct wf_kb_refs refs = {c->kb, c->store, tenant};
    o.references = wf_kb_triage_refs;
    o.references_ud = &refs;
    uint64_t t0 = wf_now_ns();
    rc = wf_triage_buffer(&o, text, len, NULL, 0, &r);
    if (rc)
        goto out;
    r.model_version = model_version; /* what produced it, as GET /v1/models names it */
    have = 1;
    wf_server__metrics_observe(c->metrics, "workflowai_triage_duration_seconds", wf_now_ns() - t0);
    const char *cat = wf_triage_category_name(r.category);
    wf_server__metrics_count(c->metrics, "workflowai_triage_total", "category", cat, 1);
    rc = wf_triage_format_json(&r, &report);
    if (rc)
        goto out;
    rc = add_resolution(c, tenant, r.signature, &report);
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
        .model_version = model_version,
        .created_ms = wf_store_now_ms(),
        .margin = wf_learn_margin(r.probs, WF_TRIAGE__N_CATEGORIES),
        .log_bytes = (int64_t)len,
        .key_lines = (int64_t)wf_learn_key_lines(&r),
    };
    rc = wf_store_failure_put(c->store, &f, NULL);
out:
    if (have)
        wf_triage_result_cleanup(&r);
    wf_server__model_release(c, held);
    wf_free(text);
    wf_buf_cleanup(&log);
    wf_buf_cleanup(&report);
    return rc;
}

struct diff_sink {
    struct wf_buf *out;
};

static int diff_chunk(void *ud, const char *p, size_t n)
{
    return wf_buf_append(((struct diff_sink *)ud)->out, p, n);
}

/* Posts the findings that point at a line as inline comments. */
static int post_review(struct wf_server__ctx *c, const char *provider, const char *repo,
                       const char *number, const char *sha, int score,
                       const struct wf_review_result *res, struct wf_buf *err)
{
    struct wf_buf summary;
    wf_buf_init(&summary, 4096);
    struct wf_provider_comment *cs = wf_calloc(res->n ? res->n : 1, sizeof(*cs));
    char **bodies = wf_calloc(res->n ? res->n : 1, sizeof(*bodies));
    size_t n = 0;
    int rc = cs && bodies ? WF_OK : WF_ENOMEM;
    for (size_t i = 0; !rc && i < res->n; i++) {
        const struct wf_review_finding *f = &res->items[i];
        if (!f->file || f->line == 0)
            continue;
        struct wf_buf b;
        wf_buf_init(&b, 4096);
        rc = wf_buf_appendf(&b, "**%s** (`%s`): %s", wf_review_severity_name(f->rule->severity),
                            f->rule->id, f->message);
        bodies[n] = rc ? NULL : wf_buf_detach(&b);
        wf_buf_cleanup(&b);
        if (!rc && !bodies[n])
            rc = WF_ENOMEM;
        if (!rc) {
            cs[n].path = f->file;
            cs[n].line = (long)f->line;
            cs[n].body = bodies[n];
            n++;
        }
    }
    if (!rc)
        rc = wf_buf_appendf(&summary,
                            "WorkflowAI review of %.12s: change risk %d/100; %zu finding(s): "
                            "%zu error, %zu warning, %zu note.",
                            sha, score, res->n, res->n_by_sev[WF_REVIEW_ERROR],
                            res->n_by_sev[WF_REVIEW_WARNING], res->n_by_sev[WF_REVIEW_NOTE]);
    if (!rc)
        rc = wf_provider_post_review(&c->provider, provider, repo, number, summary.p, cs, n, err);
    for (size_t i = 0; bodies && i < n; i++)
        wf_free(bodies[i]);
    wf_free(bodies);
    wf_free(cs);
    wf_buf_cleanup(&summary);
    return rc;
}

int wf_server__review_pr(struct wf_server__ctx *c, const char *tenant, const char *provider,
                         const char *repo, const char *number, const char *sha, struct wf_buf *err)
{
    struct wf_buf diff, report;
    struct wf_risk_diff d;
    struct wf_review_result res;
    struct wf_reviewer *rv = NULL;
    size_t err_line = 0;
    wf_buf_init(&diff, 16u << 20);
    wf_buf_init(&report, 16u << 20);
    wf_risk_diff_init(&d);
    wf_review_result_init(&res);
    int rc = WF_ENOENT; /* no token: nothing to review with */
    if (!wf_provider_enabled(&c->provider, provider))
        goto out;
    struct diff_sink sink = {&diff};
    rc = wf_provider_fetch_diff(&c->provider, provider, repo, number, diff_chunk, &sink, err);
    if (!rc)
        rc = wf_risk_diff_parse(diff.p ? diff.p : "", diff.len, &d, &err_line, err);
    if (!rc)
        rc = wf_review_new(NULL, &rv);
    if (!rc)
        rc = wf_review_run(rv, &d, &res);
    if (!rc && c->cfg->llm_url[0] && c->cfg->llm_model[0]) {
        /* model comments on the hunks, validated against the diff; a
         * failing model only adds a warning to the report */
        struct wf_llm_config lc;
        struct wf_review_llm_opts lo;
        wf_llm_config_init(&lc);
        lc.base_url = c->cfg->llm_url;
        lc.model = c->cfg->llm_model;
        lc.api_key = c->cfg->llm_api_key[0] ? c->cfg->llm_api_key : NULL;
        lc.timeout_ms = c->cfg->llm_timeout_ms;
        wf_review_llm_opts_init(&lo);
        lo.llm = &lc;
        rc = wf_review_llm(&lo, &d, &res);
    }
    /* the stored report: {"risk": <risk report>, "review": <findings>} */
    int score = -1;
    char risk_version[64] = "";
    if (!rc)
        rc = wf_buf_puts(&report, "{\"risk\":");
    if (!rc)
        rc = wf_server__risk_report(c, tenant, &d, NULL, 0, &report, &score, risk_version,
                                    sizeof risk_version);
    if (!rc)
        rc = wf_buf_puts(&report, ",\"review\":");
    if (!rc)
        rc = wf_review_write(&res, WF_REVIEW_FMT_JSON, &report);
    if (!rc) /* the model that scored the risk, as GET /v1/models names it */
        rc = wf_buf_appendf(&report, ",\"model_version\":\"%s\"}", risk_version);
    if (rc)
        goto out;
    struct wf_buf perr;
    wf_buf_init(&perr, 1024);
    int posted = post_review(c, provider, repo, number, sha, score, &res, &perr) == WF_OK;
    if (!posted)
        wf_server__log(c, WF_LOG_WARN, "review_not_posted",
                       json_pack("{s:s,s:s,s:s}", "repo", repo, "number", number, "error",
                                 perr.p ? perr.p : "unknown"));
    wf_buf_cleanup(&perr);
    struct wf_store_review r = {.tenant = tenant,
                                .provider = provider,
                                .repo = repo,
                                .number = number,
                                .sha = sha,
                                .score = score,
                                .n_findings = (int)res.n,
                                .report_json = report.p,
                                .posted = posted,
                                .created_ms = wf_store_now_ms()};
    rc = wf_store_review_put(c->store, &r, NULL);
out:
    wf_review_free(rv);
    wf_review_result_cleanup(&res);
    wf_risk_diff_cleanup(&d);
    wf_buf_cleanup(&diff);
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
    const char *provider, *repo, *number, *sha;
    if (strcmp(job->kind, "triage") == 0 && p &&
        json_unpack(p, "{s:I}", "build_id", &build_id) == 0)
        rc = wf_server__triage_build(c, job->tenant, build_id, &err);
    else if (strcmp(job->kind, "review") == 0 && p &&
             json_unpack(p, "{s:s,s:s,s:s,s:s}", "provider", &provider, "repo", &repo, "number",
                         &number, "sha", &sha) == 0)
        rc = wf_server__review_pr(c, job->tenant, provider, repo, number, sha, &err);
    else if (strcmp(job->kind, "retrain") == 0)
        rc =
            wf_server__retrain(c, job->tenant, json_string_value(json_object_get(p, "kind")), &err);
    json_decref(p);
    const char *result;
    if (rc == WF_OK || rc == WF_ENOENT) {
        wf_queue_ack(c->queue, job);
        result = rc == WF_OK ? "done" : "skipped"; /* no log / no token: nothing to do */
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

#define RELAY_BATCH 64
#define RELAY_BACKOFF_MAX_MS 5000

/* Moves outbox rows to Redis as soon as ingest notifies, and every poll
 * interval anyway (rows written by another instance whose relay died, rows
 * whose move was interrupted, a Redis that came back). */
static void *relay_main(void *ud)
{
    struct wf_server__ctx *c = ud;
    int backoff_ms = 0;
    while (!c->stopping) {
        int moved = 0;
        int rc = wf_queue_relay(c->queue, RELAY_BATCH, &moved);
        if (moved) {
            wf_server__metrics_count(c->metrics, "workflowai_queue_relayed_total", NULL, NULL,
                                     (uint64_t)moved);
            wf_queue_notify(c->queue); /* local workers pick the jobs up at once */
        }
        if (rc != WF_OK) {
            wf_server__metrics_count(c->metrics, "workflowai_queue_relay_errors_total", NULL, NULL,
                                     1);
            if (!backoff_ms)
                wf_server__log(c, WF_LOG_WARN, "queue_relay_failed",
                               json_pack("{s:s}", "error", wf_strerror(rc)));
            backoff_ms = backoff_ms ? backoff_ms * 2 : 100;
            if (backoff_ms > RELAY_BACKOFF_MAX_MS)
                backoff_ms = RELAY_BACKOFF_MAX_MS;
            for (int waited = 0; waited < backoff_ms && !c->stopping; waited += 100)
                wf_queue_wait(c->queue, 100);
            continue;
        }
        backoff_ms = 0;
        if (moved < RELAY_BATCH)
            wf_queue_wait(c->queue, 1000);
    }
    return NULL;
}

int wf_server__workers_start(struct wf_server__ctx *c)
{
    size_t n = (size_t)c->cfg->workers;
    if (strcmp(wf_queue_backend(c->queue), "redis") == 0) {
        /* the relay runs even with no workers: other instances work the jobs */
        if (pthread_create(&c->relay, NULL, relay_main, c) != 0)
            return WF_EIO;
        c->relay_started = 1;
    }
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
    if (c->relay_started) {
        pthread_join(c->relay, NULL);
        c->relay_started = 0;
    }
    wf_free(c->workers);
    c->workers = NULL;
    c->n_workers = 0;
}
