/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of ingestion and the group-committing writer: delivery dedup
 * (also between concurrent duplicates), the out-of-order rule, one triage
 * job per failed build even when redelivered under another delivery id,
 * 8 threads of ingests sharing commits, a write that violates a constraint
 * failing alone inside a batch, a failed COMMIT failing every write of its
 * batch, durability across reopen, and a child
 * process SIGKILLed mid-stream losing nothing it had acknowledged. The
 * backend's .c is included to reach its writer queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../../src/store/store_sqlite.c"
#include "store_test.h"

static int64_t scalar(const char *path, const char *sql, const char *arg)
{
    if (on_pg())
        return pg_scalar(sql, arg);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    if (arg)
        sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void db_path(const struct tdir *d, char *out, size_t cap)
{
    tdir_file(d, "db/store.db", out, cap);
}

static void test_dedup(void **state)
{
    (void)state;
    struct tdir d;
    char path[400];
    tdir_new(&d);
    db_path(&d, path, sizeof(path));
    struct wf_store *st = open_in(&d);
    struct wf_store_event ev[2] = {job_event("j1", "queued", "", 10),
                                   job_event("j2", "in_progress", "", 11)};
    struct wf_store_ingest_req req = {"acme", "github", "d-1", ev, 2, 1, 1, 0};
    struct wf_store_ingest_result r1, r2;
    assert_int_equal(wf_store_ingest(st, &req, &r1), WF_OK);
    assert_int_equal(r1.duplicate, 0);
    assert_int_equal(r1.n_applied, 2);
    assert_true(r1.delivery_id > 0);
    assert_int_equal(wf_store_ingest(st, &req, &r2), WF_OK);
    assert_int_equal(r2.duplicate, 1);
    assert_int_equal(r2.delivery_id, r1.delivery_id);
    assert_int_equal(r2.n_applied, 0);
    /* same delivery id under another tenant or provider is a new delivery */
    req.tenant = "beta";
    assert_int_equal(wf_store_ingest(st, &req, &r2), WF_OK);
    assert_int_equal(r2.duplicate, 0);
    req.tenant = "acme";
    req.provider = "gitlab";
    assert_int_equal(wf_store_ingest(st, &req, &r2), WF_OK);
    assert_int_equal(r2.duplicate, 0);
    struct wf_store_stats s;
    wf_store_stats(st, &s);
    assert_int_equal(s.deliveries, 3);
    assert_int_equal(s.duplicates, 1);
    /* other kinds only reach the event log */
    struct wf_store_event dep = {.kind = "deployment",
                                 .action = "created",
                                 .repo = "acme/app",
                                 .external_id = "dep-1",
                                 .status = "success",
                                 .occurred_ms = 5};
    struct wf_store_ingest_result r3;
    assert_int_equal(ingest1(st, "acme", "d-dep", &dep, 1, &r3), WF_OK);
    assert_int_equal(r3.n_applied, 0);
    /* bad requests */
    struct wf_store_ingest_req bad = {"", "github", "x", NULL, 0, 0, 0, 0};
    assert_int_equal(wf_store_ingest(st, &bad, &r3), WF_EINVAL);
    struct wf_store_event nokind = {.kind = ""};
    assert_int_equal(ingest1(st, "acme", "d-bad", &nokind, 0, &r3), WF_EINVAL);
    wf_store_close(st);
    assert_int_equal(scalar(path, "SELECT count(*) FROM events WHERE tenant = ?1", "acme"), 5);
    assert_int_equal(scalar(path, "SELECT count(*) FROM events WHERE kind = ?1", "deployment"), 1);
    /* builds are keyed by provider too: github's j1, j2 and gitlab's */
    assert_int_equal(scalar(path, "SELECT count(*) FROM builds WHERE tenant = ?1", "acme"), 4);
    assert_int_equal(scalar(path, "SELECT count(*) FROM builds WHERE provider = ?1", "gitlab"), 2);
    assert_int_equal(scalar(path, "SELECT count(*) FROM deliveries WHERE delivery = ?1", "d-1"), 3);
    tdir_free(&d);
}

/* Asynchronous ingest: every accepted request gets exactly one callback,
 * after its commit, with the same results as the waiting form; requests
 * that are refused up front get an error and no callback; close drains
 * what is queued. */
struct async_rec {
    pthread_mutex_t mu;
    int calls, stored, duplicates, failures;
};

static void async_done(void *ud, int rc, const struct wf_store_ingest_result *res)
{
    struct async_rec *a = ud;
    pthread_mutex_lock(&a->mu);
    a->calls++;
    if (rc != WF_OK)
        a->failures++;
    else if (res->duplicate)
        a->duplicates++;
    else
        a->stored++;
    pthread_mutex_unlock(&a->mu);
}

static void test_async_ingest(void **state)
{
    (void)state;
    struct tdir d;
    char path[400];
    tdir_new(&d);
    db_path(&d, path, sizeof(path));
    struct wf_store *st = open_in(&d);
    struct async_rec a = {0};
    pthread_mutex_init(&a.mu, NULL);
    enum { N = 300 };
    static char ids[N][32];
    static struct wf_store_event ev[N];
    static struct wf_store_ingest_req req[N];
    for (int i = 0; i < N; i++) {
        /* every third request repeats the delivery id of the one before it */
        snprintf(ids[i], sizeof(ids[i]), "async-%d", i % 3 == 2 ? i - 1 : i);
        ev[i] = job_event(ids[i], "completed", "success", 100 + i);
        req[i] = (struct wf_store_ingest_req){"acme", "github", ids[i], &ev[i], 1, 1, 0, 0};
        assert_int_equal(wf_store_ingest_async(st, &req[i], async_done, &a), WF_OK);
    }
    struct wf_store_ingest_req bad = {"", "github", "x", NULL, 0, 0, 0, 0};
    assert_int_equal(wf_store_ingest_async(st, &bad, async_done, &a), WF_EINVAL);
    assert_int_equal(wf_store_ingest_async(st, &req[0], NULL, &a), WF_EINVAL);
    wf_store_close(st); /* drains the queue: every callback has run when it returns */
    assert_int_equal(a.calls, N);
    assert_int_equal(a.failures, 0);
    assert_int_equal(a.duplicates, N / 3);
    assert_int_equal(a.stored, N - N / 3);
    assert_int_equal(scalar(path, "SELECT count(*) FROM deliveries WHERE tenant = ?1", "acme"),
                     N - N / 3);
    pthread_mutex_destroy(&a.mu);
    tdir_free(&d);
}

/* A PR opened or updated enqueues one "review" job per new head, in the
 * ingest transaction; closing, merging or a redelivery enqueues nothing.
 * Reviews are stored per head and read per tenant only. */
static void test_pr_reviews(void **state)
{
    (void)state;
    struct tdir d;
    char path[400];
    tdir_new(&d);
    db_path(&d, path, sizeof(path));
    struct wf_store *st = open_in(&d);
    struct wf_store_event pr = {.kind = "pull_request",
                                .action = "opened",
                                .repo = "acme/app",
                                .external_id = "9001",
                                .parent_id = "42",
                                .sha = "abc123",
                                .status = "open"};
    struct wf_store_ingest_req req = {"acme", "github", "pr-1", &pr, 1, 1, 1, 1};
    struct wf_store_ingest_result r;
    assert_int_equal(wf_store_ingest(st, &req, &r), WF_OK);
    assert_int_equal(r.n_enqueued, 1);
    assert_int_equal(wf_store_ingest(st, &req, &r), WF_OK); /* redelivery */
    assert_int_equal(r.duplicate, 1);
    assert_int_equal(r.n_enqueued, 0);
    pr.action = "closed";
    req.delivery = "pr-2";
    assert_int_equal(wf_store_ingest(st, &req, &r), WF_OK);
    assert_int_equal(r.n_enqueued, 0);
    pr.action = "synchronize";
    pr.sha = "def456";
    req.delivery = "pr-3";
    req.enqueue_pr_reviews = 0; /* off: nothing */
    assert_int_equal(wf_store_ingest(st, &req, &r), WF_OK);
    assert_int_equal(r.n_enqueued, 0);
    req.delivery = "pr-4";
    req.enqueue_pr_reviews = 1;
    assert_int_equal(wf_store_ingest(st, &req, &r), WF_OK);
    assert_int_equal(r.n_enqueued, 1);
    struct wf_store_job job;
    assert_int_equal(wf_store_job_claim(st, wf_store_now_ms(), 60000, &job), WF_OK);
    assert_string_equal(job.kind, "review");
    assert_non_null(strstr(job.payload, "\"number\":\"42\""));
    assert_non_null(strstr(job.payload, "\"sha\":\"abc123\""));
    assert_int_equal(wf_store_job_ack(st, job.id, job.lease_token), WF_OK);
    wf_store_job_cleanup(&job);

    struct wf_store_review rv = {"acme", "github", "acme/app",          "42", "abc123",
                                 37.5,   2,        "{\"findings\":[]}", 0,    0};
    int64_t id1 = 0, id2 = 0;
    assert_int_equal(wf_store_review_put(st, &rv, &id1), WF_OK);
    rv.posted = 1; /* same head: replaced */
    assert_int_equal(wf_store_review_put(st, &rv, NULL), WF_OK);
    rv.sha = "def456";
    assert_int_equal(wf_store_review_put(st, &rv, &id2), WF_OK);
    json_t *j = NULL;
    assert_int_equal(wf_store_review_list(st, "acme", "acme/app", "42", &j), WF_OK);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "sha")),
                        "def456");
    assert_true(json_is_true(json_object_get(json_array_get(items, 1), "posted")));
    json_decref(j);
    assert_int_equal(wf_store_review_list(st, "beta", NULL, NULL, &j), WF_OK);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    rv.report_json = NULL;
    assert_int_equal(wf_store_review_put(st, &rv, NULL), WF_EINVAL);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_out_of_order(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_store_ingest_result r;
    struct wf_store_event done = job_event("j1", "completed", "success", 300);
    assert_int_equal(ingest1(st, "acme", "d1", &done, 1, &r), WF_OK);
    assert_int_equal(r.n_applied, 1);
    /* the late in_progress and queued events are kept in the log, not applied */
    struct wf_store_event late = job_event("j1", "in_progress", "", 200);
    assert_int_equal(ingest1(st, "acme", "d2", &late, 1, &r), WF_OK);
    assert_int_equal(r.n_applied, 0);
    assert_int_equal(r.n_stale, 1);
    struct wf_store_event queued = job_event("j1", "queued", "", 400); /* even if newer */
    assert_int_equal(ingest1(st, "acme", "d3", &queued, 1, &r), WF_OK);
    assert_int_equal(r.n_stale, 1);
    struct wf_store_build b;
    assert_int_equal(wf_store_build_find(st, "acme", "github", "j1", &b), WF_OK);
    assert_string_equal(b.status, "completed");
    assert_string_equal(b.conclusion, "success");
    /* equal rank: an older event is stale, a newer one applies */
    struct wf_store_event older = job_event("j1", "completed", "failure", 250);
    assert_int_equal(ingest1(st, "acme", "d4", &older, 1, &r), WF_OK);
    assert_int_equal(r.n_stale, 1);
    assert_int_equal(r.n_enqueued, 0);
    struct wf_store_event rerun = job_event("j1", "completed", "failure", 500);
    assert_int_equal(ingest1(st, "acme", "d5", &rerun, 1, &r), WF_OK);
    assert_int_equal(r.n_applied, 1);
    assert_int_equal(r.n_enqueued, 1); /* first time the build became a failure */
    assert_int_equal(wf_store_build_find(st, "acme", "github", "j1", &b), WF_OK);
    assert_string_equal(b.conclusion, "failure");
    /* the in-order path: queued -> in_progress -> completed */
    struct wf_store_event seq[3] = {job_event("j2", "queued", "", 1),
                                    job_event("j2", "in_progress", "", 2),
                                    job_event("j2", "completed", "success", 3)};
    struct wf_store_ingest_req req = {"acme", "github", "d6", seq, 3, 1, 1, 0};
    assert_int_equal(wf_store_ingest(st, &req, &r), WF_OK);
    assert_int_equal(r.n_applied, 3);
    assert_int_equal(r.n_stale, 0);
    assert_int_equal(wf_store_build_find(st, "acme", "github", "j2", &b), WF_OK);
    assert_string_equal(b.status, "completed");
    assert_string_equal(b.url, "https://ci.example/job");
    wf_store_close(st);
    tdir_free(&d);
}

static void test_triage_enqueued_once(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_store_ingest_result r;
    struct wf_store_event fail = job_event("j7", "completed", "failure", 100);
    assert_int_equal(ingest1(st, "acme", "d1", &fail, 1, &r), WF_OK);
    assert_int_equal(r.n_enqueued, 1);
    /* the provider redelivers the same event under a new delivery id */
    assert_int_equal(ingest1(st, "acme", "d2", &fail, 1, &r), WF_OK);
    assert_int_equal(r.duplicate, 0);
    assert_int_equal(r.n_enqueued, 0);
    assert_int_equal(ingest1(st, "acme", "d1", &fail, 1, &r), WF_OK);
    assert_int_equal(r.duplicate, 1);
    assert_int_equal(r.n_enqueued, 0);
    /* timed_out counts; not when enqueueing is off; not for kind "build" */
    struct wf_store_event to = job_event("j8", "completed", "timed_out", 100);
    assert_int_equal(ingest1(st, "acme", "d3", &to, 1, &r), WF_OK);
    assert_int_equal(r.n_enqueued, 1);
    struct wf_store_event off = job_event("j9", "completed", "failure", 100);
    assert_int_equal(ingest1(st, "acme", "d4", &off, 0, &r), WF_OK);
    assert_int_equal(r.n_enqueued, 0);
    struct wf_store_event run = job_event("r1", "completed", "failure", 100);
    run.kind = "build";
    assert_int_equal(ingest1(st, "acme", "d5", &run, 1, &r), WF_OK);
    assert_int_equal(r.n_applied, 1);
    assert_int_equal(r.n_enqueued, 0);
    /* GitLab puts the outcome in the status */
    struct wf_store_event gl = job_event("g1", "failed", "", 100);
    assert_int_equal(ingest1(st, "acme", "d6", &gl, 1, &r), WF_OK);
    assert_int_equal(r.n_enqueued, 1);

    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    assert_int_equal(n.ready, 3);
    struct wf_store_build b;
    assert_int_equal(wf_store_build_find(st, "acme", "github", "j7", &b), WF_OK);
    struct wf_store_job j;
    assert_int_equal(wf_store_job_claim(st, wf_store_now_ms(), 60000, &j), WF_OK);
    assert_string_equal(j.kind, "triage");
    assert_string_equal(j.tenant, "acme");
    json_t *p = json_loads(j.payload, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(p, "build_id")), b.id);
    json_decref(p);
    wf_store_job_cleanup(&j);
    wf_store_close(st);
    tdir_free(&d);
}

/* ---- Concurrency ---------------------------------------------------------------- */

struct worker {
    struct wf_store *st;
    int tid;
    int n;
    const char *prefix;
    int fails;
    int fresh; /* non-duplicate results */
};

static void *ingest_worker(void *ud)
{
    struct worker *w = ud;
    for (int i = 0; i < w->n; i++) {
        char delivery[64], ext[64];
        snprintf(delivery, sizeof(delivery), "%s-%d-%d", w->prefix, w->tid, i);
        snprintf(ext, sizeof(ext), "job-%d-%d", w->tid, i);
        if (strcmp(w->prefix, "dup") == 0)
            snprintf(delivery, sizeof(delivery), "dup-%d", i); /* every thread the same */
        struct wf_store_event ev = job_event(ext, "completed", i % 10 ? "success" : "failure", i);
        struct wf_store_ingest_result r;
        if (ingest1(w->st, "acme", delivery, &ev, 1, &r) != WF_OK)
            w->fails++;
        else if (!r.duplicate)
            w->fresh++;
    }
    return NULL;
}

static void test_concurrent_group_commit(void **state)
{
    (void)state;
    struct tdir d;
    char path[400];
    tdir_new(&d);
    db_path(&d, path, sizeof(path));
    struct wf_store *st = open_in(&d);
    pthread_t th[8];
    struct worker w[8];
    for (int t = 0; t < 8; t++) {
        w[t] = (struct worker){st, t, 200, "c", 0, 0};
        assert_int_equal(pthread_create(&th[t], NULL, ingest_worker, &w[t]), 0);
    }
    for (int t = 0; t < 8; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(w[t].fails, 0);
        assert_int_equal(w[t].fresh, 200);
    }
    struct wf_store_stats s;
    wf_store_stats(st, &s);
    assert_int_equal(s.deliveries, 1600);
    assert_int_equal(s.writes, 1600);
    /* group commit really batches: fewer fsyncs than writes */
    assert_true(s.commits < s.writes);
    assert_true(s.commits > 0);

    /* 4 threads racing on the same 100 delivery ids: each stored once */
    for (int t = 0; t < 4; t++) {
        w[t] = (struct worker){st, t, 100, "dup", 0, 0};
        assert_int_equal(pthread_create(&th[t], NULL, ingest_worker, &w[t]), 0);
    }
    int fresh = 0;
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(w[t].fails, 0);
        fresh += w[t].fresh;
    }
    assert_int_equal(fresh, 100);
    wf_store_stats(st, &s);
    assert_int_equal(s.duplicates, 300);
    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    /* every 10th job failed; the dup threads only touched builds that exist */
    assert_int_equal(n.ready, 8 * 20);
    wf_store_close(st);
    assert_int_equal(scalar(path, "SELECT count(*) FROM events WHERE tenant = ?1", "acme"),
                     1600 + 100);
    assert_int_equal(
        scalar(path, "SELECT count(DISTINCT delivery) FROM deliveries WHERE tenant = ?1", "acme"),
        1700);
    tdir_free(&d);
}

/* A write that parks the writer inside its batch until released. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered, open;
};

static int op_gate(struct sq_conn *c, struct sq_op *op)
{
    (void)c;
    struct gate *g = op->arg;
    pthread_mutex_lock(&g->mu);
    g->entered = 1;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return WF_OK;
}

struct gate_call {
    struct wf_store *st;
    struct gate *g;
    int rc;
};

static void *gate_thread(void *ud)
{
    struct gate_call *gc = ud;
    gc->rc = sq_submit(be(gc->st), op_gate, gc->g, NULL);
    return NULL;
}

struct call {
    struct wf_store *st;
    int what; /* 0 ingest, 1 conflicting key, 2 orphan event */
    const char *name;
    int rc;
};

static const char *hash_of(char c)
{
    static char h[2][65];
    char *p = h[c == 'a'];
    memset(p, c, 64);
    p[64] = '\0';
    return p;
}

static void *call_thread(void *ud)
{
    struct call *c = ud;
    if (c->what == 1) {
        c->rc = wf_store_key_put(c->st, "acme", c->name, hash_of('a'), "dup", 1);
    } else {
        struct wf_store_event ev = job_event(c->name, "queued", "", 1);
        struct wf_store_ingest_result r;
        c->rc = ingest1(c->st, "acme", c->name, &ev, 0, &r);
    }
    return NULL;
}

static int queued_ops(struct sq *s)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (struct sq_op *op = s->head; op; op = op->next)
        n++;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void test_failing_write_fails_alone(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct sq *s = be(st);
    assert_int_equal(wf_store_key_put(st, "acme", "k_first", hash_of('a'), "one", 1), WF_OK);
    struct wf_store_stats before, after;
    wf_store_stats(st, &before);

    struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    struct gate_call gc = {st, &g, -1};
    pthread_t gt, th[3];
    assert_int_equal(pthread_create(&gt, NULL, gate_thread, &gc), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.entered)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    /* the writer is parked in batch 1: these three queue up as batch 2 */
    struct call calls[3] = {{st, 0, "ok-1", -1}, {st, 1, "k_dup", -1}, {st, 0, "ok-2", -1}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, call_thread, &calls[i]), 0);
        while (queued_ops(s) != i + 1)
            usleep(1000);
    }
    pthread_mutex_lock(&g.mu);
    g.open = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(gt, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(gc.rc, WF_OK);
    assert_int_equal(calls[0].rc, WF_OK);
    assert_int_equal(calls[1].rc, WF_ECONFLICT);
    assert_int_equal(calls[2].rc, WF_OK);
    wf_store_stats(st, &after);
    assert_int_equal(after.commits - before.commits, 2);
    assert_int_equal(after.writes - before.writes, 3); /* gate, ok-1, ok-2 */
    struct wf_store_build b;
    assert_int_equal(wf_store_build_find(st, "acme", "github", "ok-1", &b), WF_OK);
    assert_int_equal(wf_store_build_find(st, "acme", "github", "ok-2", &b), WF_OK);
    json_t *keys = NULL;
    assert_int_equal(wf_store_key_list(st, "acme", &keys), WF_OK);
    assert_int_equal(json_array_size(keys), 1);
    json_decref(keys);
    wf_store_close(st);
    /* after close, writes are refused rather than lost */
    tdir_free(&d);
}

/* Inserts an event whose delivery does not exist with foreign keys checked
 * at COMMIT: the statement succeeds, the batch's COMMIT fails. */
static int op_orphan(struct sq_conn *c, struct sq_op *op)
{
    (void)op;
    return sq_exec(c, "PRAGMA defer_foreign_keys = ON;"
                      "INSERT INTO events(tenant, delivery_id, kind, action, repo, branch, sha,"
                      " external_id, parent_id, name, status, conclusion, url, occurred_ms,"
                      " received_ms) VALUES('acme', 424242, 'x', '', '', '', '', '', '', '',"
                      " '', '', '', 0, 0)");
}

static void *orphan_thread(void *ud)
{
    struct call *c = ud;
    c->rc = sq_submit(be(c->st), op_orphan, NULL, NULL);
    return NULL;
}

struct claim_call {
    struct wf_store *st;
    struct wf_store_job job;
    int rc;
};

static void *claim_thread(void *ud)
{
    struct claim_call *c = ud;
    c->rc = wf_store_job_claim(c->st, wf_store_now_ms(), 60000, &c->job);
    return NULL;
}

static void test_failed_commit_fails_every_write(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct sq *s = be(st);
    assert_int_equal(wf_store_job_push(st, "acme", "triage", "{}", 3, 0, NULL), WF_OK);
    struct wf_store_stats before, after;
    wf_store_stats(st, &before);

    struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    struct gate_call gc = {st, &g, -1};
    pthread_t gt, th[3];
    assert_int_equal(pthread_create(&gt, NULL, gate_thread, &gc), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.entered)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    struct call ok = {st, 0, "ok-1", -1}, orphan = {st, 2, "orphan", -1};
    struct claim_call cl;
    memset(&cl, 0, sizeof(cl));
    cl.st = st;
    cl.rc = -1;
    assert_int_equal(pthread_create(&th[0], NULL, call_thread, &ok), 0);
    while (queued_ops(s) != 1)
        usleep(1000);
    assert_int_equal(pthread_create(&th[1], NULL, claim_thread, &cl), 0);
    while (queued_ops(s) != 2)
        usleep(1000);
    assert_int_equal(pthread_create(&th[2], NULL, orphan_thread, &orphan), 0);
    while (queued_ops(s) != 3)
        usleep(1000);
    pthread_mutex_lock(&g.mu);
    g.open = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(gt, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(gc.rc, WF_OK);
    /* each write ran fine on its own, but none of them is durable */
    assert_int_equal(ok.rc, WF_ECONFLICT);
    assert_int_equal(cl.rc, WF_ECONFLICT);
    assert_null(cl.job.payload); /* the claim handed nothing out */
    assert_int_equal(orphan.rc, WF_ECONFLICT);
    wf_store_stats(st, &after);
    assert_int_equal(after.commits - before.commits, 1); /* the gate's batch only */
    assert_int_equal(after.writes - before.writes, 1);
    assert_int_equal(after.deliveries, before.deliveries);
    struct wf_store_build b;
    assert_int_equal(wf_store_build_find(st, "acme", "github", "ok-1", &b), WF_ENOENT);
    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    assert_int_equal(n.ready, 1);
    assert_int_equal(n.leased, 0);
    /* the writer goes on: the next batch commits */
    struct wf_store_event ev = job_event("ok-1", "queued", "", 1);
    struct wf_store_ingest_result r;
    assert_int_equal(ingest1(st, "acme", "ok-1", &ev, 0, &r), WF_OK);
    assert_int_equal(r.duplicate, 0);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_durable_across_reopen(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_store_ingest_result r;
    struct wf_store_event ev = job_event("j1", "completed", "failure", 9);
    assert_int_equal(ingest1(st, "acme", "d1", &ev, 1, &r), WF_OK);
    wf_store_close(st);
    st = open_in(&d);
    assert_int_equal(ingest1(st, "acme", "d1", &ev, 1, &r), WF_OK);
    assert_int_equal(r.duplicate, 1);
    struct wf_store_build b;
    assert_int_equal(wf_store_build_find(st, "acme", "github", "j1", &b), WF_OK);
    assert_string_equal(b.conclusion, "failure");
    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    assert_int_equal(n.ready, 1);
    wf_store_close(st);
    tdir_free(&d);
}

/* The child ingests deliveries and reports each acknowledged one on the
 * pipe; it is SIGKILLed mid-stream. */
static void crash_child(const struct tdir *d, int fd)
{
    struct wf_store *st = NULL;
    char url[400];
    snprintf(url, sizeof(url), "sqlite:%s/db/store.db", d->path);
    struct wf_store_opts o = {url, 2, 0, 0};
    if (wf_store_open(&o, &st, NULL) != WF_OK)
        _exit(2);
    for (int i = 0; i < 100000; i++) {
        char delivery[32], ext[32];
        snprintf(delivery, sizeof(delivery), "k-%d", i);
        snprintf(ext, sizeof(ext), "job-%d", i);
        struct wf_store_event ev = job_event(ext, "completed", "failure", i);
        struct wf_store_ingest_result r;
        if (ingest1(st, "acme", delivery, &ev, 1, &r) != WF_OK || r.duplicate)
            _exit(3);
        if (write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i))
            _exit(4);
    }
    _exit(0);
}

static void test_crash_keeps_acknowledged(void **state)
{
    (void)state;
    struct tdir d;
    char path[400];
    tdir_new(&d);
    db_path(&d, path, sizeof(path));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        crash_child(&d, fds[1]);
    }
    close(fds[1]);
    static int acked[100000];
    int n = 0, v;
    while (n < 40 && read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
        acked[n++] = v;
    assert_int_equal(n, 40);
    kill(pid, SIGKILL);
    while (read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v) && n < 100000)
        acked[n++] = v; /* acknowledged before the kill */
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));

    struct wf_store *st = open_in(&d);
    for (int i = 0; i < n; i++) {
        char delivery[32], ext[32];
        snprintf(delivery, sizeof(delivery), "k-%d", acked[i]);
        snprintf(ext, sizeof(ext), "job-%d", acked[i]);
        struct wf_store_build b;
        assert_int_equal(wf_store_build_find(st, "acme", "github", ext, &b), WF_OK);
        assert_int_equal(
            scalar(path, "SELECT count(*) FROM deliveries WHERE delivery = ?1", delivery), 1);
    }
    /* nothing half-written: every stored delivery has its event, build and job */
    int64_t deliveries = scalar(path, "SELECT count(*) FROM deliveries WHERE tenant = ?1", "acme");
    assert_true(deliveries >= n);
    assert_int_equal(scalar(path, "SELECT count(*) FROM events WHERE tenant = ?1", "acme"),
                     deliveries);
    assert_int_equal(scalar(path, "SELECT count(*) FROM jobs WHERE tenant = ?1", "acme"),
                     deliveries);
    wf_store_close(st);
    tdir_free(&d);
}

int main(void)
{
    const struct CMUnitTest sqlite_only[] = {
        /* first: it forks, and must do so before any store thread exists */
        cmocka_unit_test(test_crash_keeps_acknowledged),
        cmocka_unit_test(test_concurrent_group_commit),
        cmocka_unit_test(test_failing_write_fails_alone),
        cmocka_unit_test(test_failed_commit_fails_every_write),
    };
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_async_ingest),
        cmocka_unit_test(test_pr_reviews),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_triage_enqueued_once),
        cmocka_unit_test(test_durable_across_reopen),
    };
    return store_test_main("store_ingest", common, STORE_TEST_N(common), sqlite_only,
                           STORE_TEST_N(sqlite_only), NULL, 0);
}
