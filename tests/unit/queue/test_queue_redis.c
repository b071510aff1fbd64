/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the Redis Streams queue against a real redis-server (the
 * ctest fixture from scripts/redis-test.sh, URL in WF_TEST_REDIS_URL):
 * the outbox relay, claim/ack, retry with backoff then dead letters listed
 * per tenant, a job taken over after its consumer died (XAUTOCLAIM), the
 * lease running out on the last attempt, no double delivery when the relay
 * dies between XADD and marking the row, a relay that dies before XADD,
 * two queue handles (two instances) working one stream concurrently, the
 * URL parser, a Redis that is down, and reconnection after a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <hiredis.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/store_test.h"
#include "queue/queue_int.h"

#define DB "/1"

static char url[512];

static int setup(void **state)
{
    (void)state;
    if (!url[0])
        return 0;
    struct wf_queue_redis_url pu;
    assert_int_equal(wf_queue_redis_url_parse(url, strlen(url), &pu, NULL), WF_OK);
    redisContext *c = redisConnect(pu.host, pu.port);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    redisReply *r = redisCommand(c, "SELECT %d", pu.db);
    freeReplyObject(r);
    r = redisCommand(c, "FLUSHDB");
    assert_non_null(r);
    assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    redisFree(c);
    return 0;
}

#define NEED_REDIS()                                                                               \
    do {                                                                                           \
        if (!url[0])                                                                               \
            skip(); /* run by ctest with its Redis fixture */                                      \
    } while (0)

struct env {
    struct tdir d;
    struct wf_store *st;
    struct wf_queue *q;
};

static void env_open(struct env *e, int max_attempts, int lease_ms, int backoff_ms)
{
    tdir_new(&e->d);
    e->st = open_in(&e->d);
    struct wf_queue_opts o = {max_attempts, lease_ms, backoff_ms, 300000, url};
    assert_int_equal(wf_queue_new(e->st, &o, &e->q), WF_OK);
    assert_string_equal(wf_queue_backend(e->q), "redis");
}

static void env_close(struct env *e)
{
    wf_queue_free(e->q);
    wf_store_close(e->st);
    tdir_free(&e->d);
}

static int relay_all(struct wf_queue *q)
{
    int moved = 0;
    assert_int_equal(wf_queue_relay(q, 100, &moved), WF_OK);
    return moved;
}

static void test_url_parse(void **state)
{
    (void)state;
    struct wf_queue_redis_url u;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    const char *s = "redis://127.0.0.1:56379";
    assert_int_equal(wf_queue_redis_url_parse(s, strlen(s), &u, &err), WF_OK);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 56379);
    assert_int_equal(u.db, 0);
    assert_string_equal(u.password, "");
    s = "redis://:s3cr@t/x@cache.internal/3";
    assert_int_equal(wf_queue_redis_url_parse(s, strlen(s), &u, &err), WF_OK);
    assert_string_equal(u.host, "cache.internal");
    assert_int_equal(u.port, 6379);
    assert_string_equal(u.password, "s3cr@t/x");
    assert_string_equal(u.user, "");
    assert_int_equal(u.db, 3);
    s = "redis://app:pw@[::1]:7000";
    assert_int_equal(wf_queue_redis_url_parse(s, strlen(s), &u, &err), WF_OK);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.user, "app");
    assert_int_equal(u.port, 7000);
    static const char *bad[] = {"http://h:1",  "redis://",     "redis://h:0",  "redis://h:99999",
                                "redis://h:x", "redis://h/16", "redis://h/-1", "redis://pw@h",
                                "redis://h h", "redis://[::1", "redis://:p@:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wf_buf_reset(&err);
        assert_int_equal(wf_queue_redis_url_parse(bad[i], strlen(bad[i]), &u, &err), WF_EINVAL);
        assert_non_null(err.p);
        assert_null(strstr(err.p, "p@")); /* never echoes credentials */
    }
    /* the password never appears in an error */
    s = "redis://:hunter2@h:bad";
    wf_buf_reset(&err);
    assert_int_equal(wf_queue_redis_url_parse(s, strlen(s), &u, &err), WF_EINVAL);
    assert_null(strstr(err.p, "hunter2"));
    /* a bad queue URL is refused by wf_queue_new */
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_queue *q = NULL;
    struct wf_queue_opts o = {0, 0, 0, 0, "redis://h:0"};
    assert_int_equal(wf_queue_new(st, &o, &q), WF_EINVAL);
    o.url = "memcached://h";
    assert_int_equal(wf_queue_new(st, &o, &q), WF_EINVAL);
    o.url = "store";
    assert_int_equal(wf_queue_new(st, &o, &q), WF_OK);
    assert_string_equal(wf_queue_backend(q), "store");
    wf_queue_free(q);
    wf_store_close(st);
    tdir_free(&d);
    wf_buf_cleanup(&err);
}

static void test_claim_ack(void **state)
{
    (void)state;
    NEED_REDIS();
    struct env e;
    env_open(&e, 5, 60000, 1000);
    assert_int_equal(wf_queue_ping(e.q), WF_OK);
    int64_t id = 0;
    assert_int_equal(wf_queue_push(e.q, "acme", "triage", "{\"build_id\":7}", &id), WF_OK);
    struct wf_store_job j, none;
    /* in the outbox until the relay moves it */
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT);
    struct wf_queue_counts c;
    assert_int_equal(wf_queue_counts(e.q, &c), WF_OK);
    assert_int_equal(c.ready, 1);
    assert_int_equal(relay_all(e.q), 1);
    assert_int_equal(relay_all(e.q), 0); /* the row is done in the store */
    assert_int_equal(wf_queue_claim(e.q, &j), WF_OK);
    assert_int_equal(j.id, id);
    assert_string_equal(j.tenant, "acme");
    assert_string_equal(j.kind, "triage");
    assert_string_equal(j.payload, "{\"build_id\":7}");
    assert_int_equal(j.attempts, 1);
    assert_int_equal(j.max_attempts, 5);
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT); /* pending, not idle long */
    assert_int_equal(wf_queue_counts(e.q, &c), WF_OK);
    assert_int_equal(c.ready, 0);
    assert_int_equal(c.leased, 1);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_OK);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_ECONFLICT); /* already finished */
    wf_store_job_cleanup(&j);
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT);
    assert_int_equal(wf_queue_counts(e.q, &c), WF_OK);
    assert_int_equal(c.ready + c.leased + c.dead, 0);
    env_close(&e);
}

static void test_retry_then_dead(void **state)
{
    (void)state;
    NEED_REDIS();
    struct env e;
    env_open(&e, 2, 60000, 300);
    int64_t id = 0;
    assert_int_equal(wf_queue_push(e.q, "acme", "triage", "{\"build_id\":8}", &id), WF_OK);
    assert_int_equal(relay_all(e.q), 1);
    struct wf_store_job j, none;
    assert_int_equal(wf_queue_claim(e.q, &j), WF_OK);
    int dead = -1;
    uint64_t t0 = wf_now_ms();
    assert_int_equal(wf_queue_fail(e.q, &j, "upstream 502", &dead), WF_OK);
    assert_int_equal(dead, 0);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_ECONFLICT); /* no longer leased */
    wf_store_job_cleanup(&j);
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT); /* scheduled, not due */
    /* due after 300 ms + up to 20% jitter */
    int rc;
    while ((rc = wf_queue_claim(e.q, &j)) == WF_ENOENT && wf_now_ms() - t0 < 3000)
        usleep(10000);
    assert_int_equal(rc, WF_OK);
    uint64_t waited = wf_now_ms() - t0;
    assert_true(waited >= 290);
    assert_true(waited <= 2000);
    assert_int_equal(j.id, id);
    assert_int_equal(j.attempts, 2);
    assert_string_equal(j.last_error, "upstream 502");
    assert_int_equal(wf_queue_fail(e.q, &j, "upstream 503", &dead), WF_OK);
    assert_int_equal(dead, 1);
    wf_store_job_cleanup(&j);
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT);
    json_t *list = NULL;
    assert_int_equal(wf_queue_dead_list(e.q, "acme", &list), WF_OK);
    assert_int_equal(json_array_size(list), 1);
    json_t *d0 = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(d0, "id")), id);
    assert_string_equal(json_string_value(json_object_get(d0, "last_error")), "upstream 503");
    assert_int_equal(json_integer_value(json_object_get(d0, "attempts")), 2);
    assert_int_equal(json_integer_value(json_object_get(d0, "max_attempts")), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(d0, "payload"), "build_id")), 8);
    json_decref(list);
    assert_int_equal(wf_queue_dead_list(e.q, "other", &list), WF_OK);
    assert_int_equal(json_array_size(list), 0); /* tenants see their own */
    json_decref(list);
    struct wf_queue_counts c;
    assert_int_equal(wf_queue_counts(e.q, &c), WF_OK);
    assert_int_equal(c.dead, 1);
    assert_int_equal(c.ready + c.leased, 0);
    env_close(&e);
}

struct claimer {
    struct wf_queue *q;
    struct wf_store_job job;
    int rc;
};

static void *claim_and_die(void *ud)
{
    struct claimer *c = ud;
    c->rc = wf_queue_claim(c->q, &c->job); /* then the thread ends without an ack */
    return NULL;
}

static void test_takeover_after_consumer_dies(void **state)
{
    (void)state;
    NEED_REDIS();
    struct env e;
    env_open(&e, 2, 300, 1000);
    int64_t id = 0;
    assert_int_equal(wf_queue_push(e.q, "acme", "triage", "{\"build_id\":9}", &id), WF_OK);
    assert_int_equal(relay_all(e.q), 1);
    struct claimer dead_worker = {e.q, {0}, -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, claim_and_die, &dead_worker), 0);
    pthread_join(t, NULL);
    assert_int_equal(dead_worker.rc, WF_OK);
    assert_int_equal(dead_worker.job.id, id);
    struct wf_store_job j, none;
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT); /* within the visibility timeout */
    usleep(400 * 1000);
    assert_int_equal(wf_queue_claim(e.q, &j), WF_OK); /* XAUTOCLAIM */
    assert_int_equal(j.id, id);
    assert_int_equal(j.attempts, 2);
    /* the first worker's lease is gone: its ack changes nothing */
    assert_int_equal(wf_queue_ack(e.q, &dead_worker.job), WF_ECONFLICT);
    wf_store_job_cleanup(&dead_worker.job);
    /* this was the last attempt: when its lease runs out too, the job is
     * dead-lettered by the next claim instead of looping */
    usleep(400 * 1000);
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_ECONFLICT);
    wf_store_job_cleanup(&j);
    json_t *list = NULL;
    assert_int_equal(wf_queue_dead_list(e.q, "acme", &list), WF_OK);
    assert_int_equal(json_array_size(list), 1);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(list, 0), "last_error")), "lease"));
    json_decref(list);
    env_close(&e);
}

static const char *fault_at;
static int fault_hook(const char *point)
{
    return fault_at && strcmp(point, fault_at) == 0;
}

static void test_relay_dies_after_xadd(void **state)
{
    (void)state;
    NEED_REDIS();
    struct env e;
    env_open(&e, 5, 1200, 1000); /* the relay's lease is a quarter: 300 ms */
    int64_t id = 0;
    assert_int_equal(wf_queue_push(e.q, "acme", "triage", "{\"build_id\":10}", &id), WF_OK);
    wf_queue__fault = fault_hook;
    fault_at = "relay:after_xadd";
    int moved = -1;
    assert_int_not_equal(wf_queue_relay(e.q, 10, &moved), WF_OK); /* "crashed" */
    fault_at = NULL;
    /* the job is on the stream; the outbox row is still leased by the dead relay */
    struct wf_store_job j, none;
    assert_int_equal(wf_queue_claim(e.q, &j), WF_OK);
    assert_int_equal(j.id, id);
    /* the row comes back after its lease and is moved again while the job
     * is still being worked on: the second XADD is a no-op */
    usleep(350 * 1000);
    assert_int_equal(relay_all(e.q), 1);
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_OK);
    wf_store_job_cleanup(&j);
    /* and once more after the job finished: the done key stops it */
    int64_t id2 = 0;
    assert_int_equal(wf_queue_push(e.q, "acme", "triage", "{\"build_id\":11}", &id2), WF_OK);
    fault_at = "relay:after_xadd";
    assert_int_not_equal(wf_queue_relay(e.q, 10, &moved), WF_OK);
    fault_at = NULL;
    assert_int_equal(wf_queue_claim(e.q, &j), WF_OK);
    assert_int_equal(j.id, id2);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_OK);
    wf_store_job_cleanup(&j);
    usleep(350 * 1000);
    assert_int_equal(relay_all(e.q), 1);
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT); /* not delivered twice */
    struct wf_queue_counts c;
    assert_int_equal(wf_queue_counts(e.q, &c), WF_OK);
    assert_int_equal(c.ready + c.leased + c.dead, 0);
    wf_queue__fault = NULL;
    env_close(&e);
}

static void test_relay_dies_before_xadd(void **state)
{
    (void)state;
    NEED_REDIS();
    struct env e;
    env_open(&e, 5, 1200, 1000);
    int64_t id = 0;
    assert_int_equal(wf_queue_push(e.q, "acme", "triage", "{\"build_id\":12}", &id), WF_OK);
    wf_queue__fault = fault_hook;
    fault_at = "relay:before_xadd";
    int moved = -1;
    assert_int_not_equal(wf_queue_relay(e.q, 10, &moved), WF_OK);
    fault_at = NULL;
    wf_queue__fault = NULL;
    struct wf_store_job j, none;
    assert_int_equal(wf_queue_claim(e.q, &none), WF_ENOENT); /* never reached Redis */
    assert_int_equal(relay_all(e.q), 0);                     /* row still leased */
    usleep(350 * 1000);
    assert_int_equal(relay_all(e.q), 1); /* not lost */
    assert_int_equal(wf_queue_claim(e.q, &j), WF_OK);
    assert_int_equal(j.id, id);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_OK);
    wf_store_job_cleanup(&j);
    env_close(&e);
}

#define N_JOBS 40
#define N_THREADS 4

struct worker {
    struct wf_queue *q;
    int seen[N_JOBS + 1]; /* by job id */
    int done;
};

static _Atomic int total_done;
static int64_t first_id;

static void *work(void *ud)
{
    struct worker *w = ud;
    uint64_t t0 = wf_now_ms();
    while (total_done < N_JOBS && wf_now_ms() - t0 < 10000) {
        struct wf_store_job j;
        int rc = wf_queue_claim(w->q, &j);
        if (rc == WF_ENOENT) {
            usleep(1000);
            continue;
        }
        assert_int_equal(rc, WF_OK);
        assert_true(j.id >= first_id && j.id < first_id + N_JOBS);
        w->seen[j.id - first_id]++;
        assert_int_equal(wf_queue_ack(w->q, &j), WF_OK);
        wf_store_job_cleanup(&j);
        w->done++;
        total_done++;
    }
    return NULL;
}

static void test_two_instances(void **state)
{
    (void)state;
    NEED_REDIS();
    /* two queue handles over one store and one Redis: two instances */
    struct env a;
    env_open(&a, 5, 60000, 1000);
    struct wf_queue *b = NULL;
    struct wf_queue_opts o = {5, 60000, 1000, 300000, url};
    assert_int_equal(wf_queue_new(a.st, &o, &b), WF_OK);
    for (int i = 0; i < N_JOBS; i++) {
        int64_t id;
        assert_int_equal(wf_queue_push(i % 2 ? a.q : b, "acme", "triage", "{}", &id), WF_OK);
        if (i == 0)
            first_id = id;
        assert_int_equal(id, first_id + i); /* ids are consecutive */
    }
    /* both relays at once: every row moved exactly once */
    total_done = 0;
    int ma = 0, mb = 0;
    assert_int_equal(wf_queue_relay(a.q, 25, &ma), WF_OK);
    assert_int_equal(wf_queue_relay(b, 100, &mb), WF_OK);
    assert_int_equal(ma + mb, N_JOBS);
    struct worker w[N_THREADS];
    pthread_t t[N_THREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < N_THREADS; i++) {
        w[i].q = i % 2 ? a.q : b;
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(t[i], NULL);
    int sum = 0;
    for (int id = 0; id < N_JOBS; id++) {
        int n = 0;
        for (int i = 0; i < N_THREADS; i++)
            n += w[i].seen[id];
        assert_int_equal(n, 1); /* each job delivered once */
        sum += n;
    }
    assert_int_equal(sum, N_JOBS);
    wf_queue_free(b);
    env_close(&a);
}

static void test_redis_down(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_queue *q = NULL;
    /* nothing listens on port 1: connects are refused */
    struct wf_queue_opts o = {5, 60000, 1000, 300000, "redis://127.0.0.1:1"};
    assert_int_equal(wf_queue_new(st, &o, &q), WF_OK); /* starts anyway */
    assert_int_equal(wf_queue_ping(q), WF_EUNAVAIL);
    int64_t id;
    assert_int_equal(wf_queue_push(q, "acme", "triage", "{}", &id), WF_OK); /* outbox */
    int moved = -1;
    assert_int_equal(wf_queue_relay(q, 10, &moved), WF_EUNAVAIL);
    assert_int_equal(moved, 0);
    struct wf_store_job j;
    assert_int_equal(wf_queue_claim(q, &j), WF_EUNAVAIL); /* within the backoff: fails fast */
    /* the row went back to ready: nothing is lost while Redis is away */
    struct wf_store_job_counts sc;
    assert_int_equal(wf_store_job_counts(st, &sc), WF_OK);
    assert_int_equal(sc.ready, 1);
    assert_int_equal(sc.leased, 0);
    wf_queue_free(q);
    wf_store_close(st);
    tdir_free(&d);
}

static void redis_script(const char *cmd)
{
    const char *dir = getenv("WF_TEST_REDIS_DIR"), *port = getenv("WF_TEST_REDIS_PORT");
    assert_non_null(dir);
    assert_non_null(port);
    char line[1024];
    snprintf(line, sizeof line, "bash %s/scripts/redis-test.sh %s %s %s", WF_SOURCE_DIR, cmd, dir,
             port);
    assert_int_equal(system(line), 0);
}

static void test_reconnect_after_restart(void **state)
{
    (void)state;
    NEED_REDIS();
    struct env e;
    env_open(&e, 5, 60000, 1000);
    int64_t id = 0;
    assert_int_equal(wf_queue_push(e.q, "acme", "triage", "{\"build_id\":13}", &id), WF_OK);
    assert_int_equal(relay_all(e.q), 1);
    assert_int_equal(wf_queue_ping(e.q), WF_OK); /* a pooled connection exists */
    redis_script("restart");
    /* the pooled connection is dead; the queue reconnects within its
     * backoff and the job survived (append-only file, fsync always) */
    struct wf_store_job j;
    int rc = WF_EUNAVAIL, fails = 0;
    uint64_t t0 = wf_now_ms();
    while (wf_now_ms() - t0 < 5000) {
        rc = wf_queue_claim(e.q, &j);
        if (rc == WF_OK)
            break;
        assert_int_equal(rc, WF_EUNAVAIL);
        fails++;
        usleep(20000);
    }
    assert_int_equal(rc, WF_OK);
    assert_true(fails >= 1); /* the broken connection was noticed, not hidden */
    assert_int_equal(j.id, id);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_OK);
    wf_store_job_cleanup(&j);
    env_close(&e);
}

static void test_flushed_under_live_connections(void **state)
{
    NEED_REDIS();
    struct env e;
    env_open(&e, 5, 60000, 1000);
    struct wf_store_job j;
    assert_int_equal(wf_queue_claim(e.q, &j), WF_ENOENT); /* connected, group made */
    setup(state);                                         /* FLUSHDB: stream and group gone */
    int64_t id = 0;
    assert_int_equal(wf_queue_push(e.q, "acme", "triage", "{}", &id), WF_OK);
    assert_int_equal(relay_all(e.q), 1); /* XADD makes a stream without the group */
    int rc = wf_queue_claim(e.q, &j);    /* NOGROUP: the group is made again */
    if (rc == WF_ENOENT)
        rc = wf_queue_claim(e.q, &j);
    assert_int_equal(rc, WF_OK);
    assert_int_equal(j.id, id);
    assert_int_equal(wf_queue_ack(e.q, &j), WF_OK);
    wf_store_job_cleanup(&j);
    env_close(&e);
}

int main(void)
{
    const char *u = getenv("WF_TEST_REDIS_URL");
    if (u && u[0])
        snprintf(url, sizeof url, "%s" DB, u);
    const struct CMUnitTest no_store[] = {
        cmocka_unit_test(test_url_parse),
    };
    /* with the outbox in SQLite, then in PostgreSQL when the fixture gives one */
    const struct CMUnitTest common[] = {
        cmocka_unit_test_setup(test_claim_ack, setup),
        cmocka_unit_test_setup(test_retry_then_dead, setup),
        cmocka_unit_test_setup(test_takeover_after_consumer_dies, setup),
        cmocka_unit_test_setup(test_relay_dies_after_xadd, setup),
        cmocka_unit_test_setup(test_relay_dies_before_xadd, setup),
        cmocka_unit_test_setup(test_two_instances, setup),
        cmocka_unit_test(test_redis_down),
        cmocka_unit_test_setup(test_reconnect_after_restart, setup),
        cmocka_unit_test_setup(test_flushed_under_live_connections, setup),
    };
    return store_test_main("queue_redis", common, STORE_TEST_N(common), no_store,
                           STORE_TEST_N(no_store), NULL, 0);
}
