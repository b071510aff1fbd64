/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What only the PostgreSQL backend has to prove, run against the server
 * WF_TEST_PG_URL names (the CTest pg fixture starts one): several
 * instances migrating one empty database at once, an acknowledged
 * asynchronous ingest visible from another instance at once, instances
 * claiming jobs concurrently never getting the same job, concurrent
 * instances never regressing a build status nor storing a delivery twice,
 * connections re-established after the server dropped them, a database
 * newer than the binary refused, and credentials masked in every message.
 * Without WF_TEST_PG_URL only the url checks run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"
#include "store_test.h"

static void test_redact_url(void **state)
{
    (void)state;
    char out[256];
    wf_store_redact_url("postgres://wf:s3cr%40t@db.example:5432/wf?pool=8", out, sizeof(out));
    assert_string_equal(out, "postgres://wf:***@db.example:5432/wf?pool=8");
    wf_store_redact_url("postgresql://a:b@c@h/d", out, sizeof(out));
    assert_string_equal(out, "postgresql://a:***@h/d");
    wf_store_redact_url("postgres://wf@h/d?sslmode=require&password=hunter2&pool=2", out,
                        sizeof(out));
    assert_string_equal(out, "postgres://wf@h/d?sslmode=require&password=***&pool=2");
    wf_store_redact_url("sqlite:/var/lib/wf/store.db", out, sizeof(out));
    assert_string_equal(out, "sqlite:/var/lib/wf/store.db");
    /* truncated: never the password */
    char small[20];
    wf_store_redact_url("postgres://wf:hunter2hunter2@h/d", small, sizeof(small));
    assert_null(strstr(small, "hunter"));
}

/* Bad urls are refused with a message that does not carry the password. */
static void test_url_errors(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "postgres://wf:hunter2@127.0.0.1:1/wf?pool=0",
        "postgres://wf:hunter2@127.0.0.1:1/wf?pool=x",
        "postgres://wf:hunter2@127.0.0.1:1/wf?schema=bad-name",
        "postgres://wf:hunter2@127.0.0.1:1/wf?nosuchoption=1",
        "postgres://wf:hunter2@127.0.0.1:1/wf", /* nothing listens on port 1 */
        "mysql://wf:hunter2@127.0.0.1/wf",
    };
    /* what the store logs goes to stderr: keep it to look for the password */
    char logpath[] = "/tmp/wf-store-log-XXXXXX";
    int logfd = mkstemp(logpath);
    assert_true(logfd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(logfd, STDERR_FILENO) >= 0);
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        struct wf_store_opts o = {urls[i], 2, 0, 0};
        struct wf_store *st = NULL;
        struct wf_buf err;
        wf_buf_init(&err, 4096);
        int rc = wf_store_open(&o, &st, &err);
        assert_int_not_equal(rc, WF_OK);
        assert_null(st);
        assert_non_null(err.p);
        assert_null(strstr(err.p, "hunter2"));
        assert_non_null(strstr(err.p, "***"));
        if (i < 3 || i == 5)
            assert_int_equal(rc, WF_EINVAL);
        wf_buf_cleanup(&err);
    }
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    char logged[8192];
    ssize_t n = pread(logfd, logged, sizeof(logged) - 1, 0);
    close(logfd);
    unlink(logpath);
    assert_true(n > 0); /* the refused connection was logged */
    logged[n] = '\0';
    assert_non_null(strstr(logged, "127.0.0.1"));
    assert_null(strstr(logged, "hunter2"));
}

struct opener {
    const char *url;
    struct wf_store *st;
    int rc;
    pthread_barrier_t *go;
};

static void *open_thread(void *ud)
{
    struct opener *o = ud;
    struct wf_store_opts opts = {o->url, 2, 0, 0};
    pthread_barrier_wait(o->go);
    o->rc = wf_store_open(&opts, &o->st, NULL);
    return NULL;
}

/* Four instances starting together on an empty schema: each migration
 * runs exactly once and every instance opens. */
static void test_concurrent_migrations(void **state)
{
    (void)state;
    struct tdir d;
    char url[800];
    tdir_new(&d);
    store_url(&d, url, sizeof(url));
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 4);
    pthread_t th[4];
    struct opener o[4];
    for (int i = 0; i < 4; i++) {
        o[i] = (struct opener){url, NULL, -1, &go};
        assert_int_equal(pthread_create(&th[i], NULL, open_thread, &o[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(o[i].rc, WF_OK);
        assert_string_equal(wf_store_backend(o[i].st), "postgres");
    }
    pthread_barrier_destroy(&go);
    /* versions 1..N, each recorded once (N >= 2: reviews) */
    int64_t n = pg_scalar("SELECT count(*) FROM schema_version", NULL);
    assert_true(n >= 2);
    assert_int_equal(pg_scalar("SELECT count(DISTINCT version) FROM schema_version", NULL), n);
    assert_int_equal(pg_scalar("SELECT max(version) FROM schema_version", NULL), n);
    assert_int_equal(pg_scalar("SELECT min(version) FROM schema_version", NULL), 1);
    assert_int_equal(pg_scalar("SELECT count(*) FROM pg_tables WHERE schemaname ="
                               " current_schema() AND tablename = 'reviews'",
                               NULL),
                     1);
    struct wf_store_tenant t = {.id = "acme", .name = "Acme"};
    assert_int_equal(wf_store_tenant_put(o[0].st, &t), WF_OK);
    struct wf_store_tenant got;
    assert_int_equal(wf_store_tenant_get(o[3].st, "acme", &got), WF_OK);
    assert_string_equal(got.name, "Acme");
    for (int i = 0; i < 4; i++)
        wf_store_close(o[i].st);

    /* a database migrated by a newer binary is refused */
    pg_exec_sql("INSERT INTO schema_version(version, applied_ms) VALUES(99, 0)");
    struct wf_store_opts opts = {url, 2, 0, 0};
    struct wf_store *st = NULL;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    assert_int_equal(wf_store_open(&opts, &st, &err), WF_EVERSION);
    assert_null(st);
    assert_non_null(strstr(err.p, "newer"));
    wf_buf_cleanup(&err);
    tdir_free(&d);
}

struct acked {
    sem_t done;
    int rc;
    struct wf_store_ingest_result res;
};

static void on_done(void *ud, int rc, const struct wf_store_ingest_result *res)
{
    struct acked *a = ud;
    a->rc = rc;
    if (res)
        a->res = *res;
    sem_post(&a->done);
}

/* An asynchronous ingest acknowledged by one instance is there for
 * another one the moment the callback ran. */
static void test_async_visible_to_other_instance(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *a = open_in(&d);
    struct wf_store *b = open_in(&d);
    for (int i = 0; i < 50; i++) {
        char ext[32], delivery[32];
        snprintf(ext, sizeof(ext), "job-%d", i);
        snprintf(delivery, sizeof(delivery), "d-%d", i);
        struct wf_store_event ev = job_event(ext, "completed", "failure", i + 1);
        struct wf_store_ingest_req req = {.tenant = "acme",
                                          .provider = "github",
                                          .delivery = delivery,
                                          .events = &ev,
                                          .n_events = 1,
                                          .received_ms = 1000,
                                          .enqueue_failed_jobs = 1};
        struct acked ack;
        sem_init(&ack.done, 0, 0);
        ack.rc = -1;
        assert_int_equal(wf_store_ingest_async(a, &req, on_done, &ack), WF_OK);
        while (sem_wait(&ack.done) != 0)
            ;
        sem_destroy(&ack.done);
        assert_int_equal(ack.rc, WF_OK);
        assert_int_equal(ack.res.duplicate, 0);
        assert_int_equal(ack.res.n_enqueued, 1);
        struct wf_store_build got;
        assert_int_equal(wf_store_build_find(b, "acme", "github", ext, &got), WF_OK);
        assert_string_equal(got.conclusion, "failure");
        /* and the redelivery to the other instance is a duplicate */
        struct wf_store_ingest_result r;
        assert_int_equal(wf_store_ingest(b, &req, &r), WF_OK);
        assert_int_equal(r.duplicate, 1);
        assert_int_equal(r.delivery_id, ack.res.delivery_id);
    }
    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(b, &n), WF_OK);
    assert_int_equal(n.ready, 50);
    wf_store_close(a);
    wf_store_close(b);
    tdir_free(&d);
}

#define CLAIM_JOBS 300

struct claimer {
    struct wf_store *st;
    int64_t ids[CLAIM_JOBS];
    int n, errors;
};

static void *claim_thread(void *ud)
{
    struct claimer *c = ud;
    for (;;) {
        struct wf_store_job j;
        int rc = wf_store_job_claim(c->st, wf_store_now_ms(), 60000, &j);
        if (rc == WF_ENOENT)
            break;
        if (rc != WF_OK || c->n == CLAIM_JOBS) {
            c->errors++;
            break;
        }
        c->ids[c->n++] = j.id;
        if (wf_store_job_ack(c->st, j.id, j.lease_token) != WF_OK)
            c->errors++;
        wf_store_job_cleanup(&j);
    }
    return NULL;
}

/* Two instances, three workers each, claiming the same queue: every job
 * is handed out exactly once. */
static void test_concurrent_claims(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st[2] = {open_in(&d), open_in(&d)};
    for (int i = 0; i < CLAIM_JOBS; i++)
        assert_int_equal(wf_store_job_push(st[i % 2], "acme", "triage", "{}", 3, 0, NULL), WF_OK);
    static struct claimer c[6];
    pthread_t th[6];
    for (int i = 0; i < 6; i++) {
        memset(&c[i], 0, sizeof(c[i]));
        c[i].st = st[i % 2];
        assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &c[i]), 0);
    }
    static unsigned char seen[CLAIM_JOBS + 1];
    memset(seen, 0, sizeof(seen));
    int total = 0, instances_used[2] = {0, 0};
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(c[i].errors, 0);
        for (int k = 0; k < c[i].n; k++) {
            assert_true(c[i].ids[k] >= 1 && c[i].ids[k] <= CLAIM_JOBS);
            assert_int_equal(seen[c[i].ids[k]], 0); /* never twice */
            seen[c[i].ids[k]] = 1;
        }
        total += c[i].n;
        instances_used[i % 2] += c[i].n;
    }
    assert_int_equal(total, CLAIM_JOBS);
    assert_true(instances_used[0] > 0 && instances_used[1] > 0);
    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st[0], &n), WF_OK);
    assert_int_equal(n.done, CLAIM_JOBS);
    assert_int_equal(n.ready + n.leased + n.dead, 0);
    wf_store_close(st[0]);
    wf_store_close(st[1]);
    tdir_free(&d);
}

struct racer {
    struct wf_store *st;
    const char *status;
    int64_t occurred_ms;
    int fresh, fails;
};

static void *race_thread(void *ud)
{
    struct racer *r = ud;
    for (int i = 0; i < 100; i++) {
        char ext[32], delivery[32];
        snprintf(ext, sizeof(ext), "job-%d", i);
        /* the same delivery id from both: stored once */
        snprintf(delivery, sizeof(delivery), "%s-%d", r->status, i);
        struct wf_store_event ev = job_event(ext, r->status, "", r->occurred_ms);
        struct wf_store_ingest_result res;
        if (ingest1(r->st, "acme", delivery, &ev, 0, &res) != WF_OK) {
            r->fails++;
            continue;
        }
        snprintf(delivery, sizeof(delivery), "shared-%d", i);
        if (ingest1(r->st, "acme", delivery, &ev, 0, &res) != WF_OK)
            r->fails++;
        else if (!res.duplicate)
            r->fresh++;
    }
    return NULL;
}

/* Instances racing on the same builds: "completed" always wins over a
 * later "in_progress", and a delivery both receive is stored once. */
static void test_instances_race_on_builds(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *a = open_in(&d);
    struct wf_store *b = open_in(&d);
    struct racer r[2] = {{a, "completed", 100, 0, 0}, {b, "in_progress", 200, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].fails, 0);
    }
    assert_int_equal(r[0].fresh + r[1].fresh, 100);
    for (int i = 0; i < 100; i++) {
        char ext[32];
        snprintf(ext, sizeof(ext), "job-%d", i);
        struct wf_store_build got;
        assert_int_equal(wf_store_build_find(a, "acme", "github", ext, &got), WF_OK);
        assert_string_equal(got.status, "completed");
    }
    assert_int_equal(
        pg_scalar("SELECT count(*) FROM deliveries WHERE delivery LIKE 'shared-%'", NULL), 100);
    assert_int_equal(pg_scalar("SELECT count(*) FROM builds", NULL), 100);
    wf_store_close(a);
    wf_store_close(b);
    tdir_free(&d);
}

/* The server drops every connection (as in a restart): the next calls
 * reconnect and succeed. */
static void test_reconnect(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    char url[800];
    store_url(&d, url, sizeof(url));
    struct wf_store_opts o = {url, 3, 0, 0};
    struct wf_store *st = NULL;
    assert_int_equal(wf_store_open(&o, &st, NULL), WF_OK);
    struct wf_store_tenant t = {.id = "acme", .name = "Acme"};
    assert_int_equal(wf_store_tenant_put(st, &t), WF_OK);
    for (int round = 0; round < 3; round++) {
        /* all of the pool's connections are open and idle */
        assert_int_equal(wf_store_ping(st), WF_OK);
        int64_t killed = pg_scalar("SELECT count(pg_terminate_backend(pid)) FROM"
                                   " pg_stat_activity WHERE datname = current_database()"
                                   " AND pid <> pg_backend_pid() AND backend_type ="
                                   " 'client backend'",
                                   NULL);
        assert_true(killed >= 1);
        struct wf_store_tenant got;
        assert_int_equal(wf_store_tenant_get(st, "acme", &got), WF_OK);
        assert_string_equal(got.name, t.name); /* the last write */
        snprintf(t.name, sizeof(t.name), "Acme %d", round);
        assert_int_equal(wf_store_tenant_put(st, &t), WF_OK);
        int64_t id = 0;
        assert_int_equal(wf_store_job_push(st, "acme", "triage", "{}", 3, 0, &id), WF_OK);
        assert_true(id > 0);
    }
    struct wf_store_tenant got;
    assert_int_equal(wf_store_tenant_get(st, "acme", &got), WF_OK);
    assert_string_equal(got.name, "Acme 2");
    wf_store_close(st);
    tdir_free(&d);
}

int main(void)
{
    const struct CMUnitTest no_server[] = {
        cmocka_unit_test(test_redact_url),
        cmocka_unit_test(test_url_errors),
    };
    const struct CMUnitTest pg_only[] = {
        cmocka_unit_test(test_concurrent_migrations),
        cmocka_unit_test(test_async_visible_to_other_instance),
        cmocka_unit_test(test_concurrent_claims),
        cmocka_unit_test(test_instances_race_on_builds),
        cmocka_unit_test(test_reconnect),
    };
    return store_test_main("store_pg", NULL, 0, no_server, STORE_TEST_N(no_server), pg_only,
                           STORE_TEST_N(pg_only));
}
