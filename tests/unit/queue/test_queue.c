/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the store-backed queue: the backoff schedule and its cap,
 * jitter bounds, a failed job retried no earlier than its delay and no
 * later than delay + 20%, dead-lettering after max_attempts, and the
 * wait/notify handshake (timeout, a notify that arrives before the wait,
 * push waking a waiter, free releasing waiters).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "../store/store_test.h"
#include "queue/queue_int.h"

static void test_backoff(void **state)
{
    (void)state;
    struct wf_queue_opts o = {5, 1000, 1000, 300000, NULL};
    assert_int_equal(wf_queue_backoff_ms(&o, 0), 1000);
    assert_int_equal(wf_queue_backoff_ms(&o, 1), 1000);
    assert_int_equal(wf_queue_backoff_ms(&o, 2), 2000);
    assert_int_equal(wf_queue_backoff_ms(&o, 3), 4000);
    assert_int_equal(wf_queue_backoff_ms(&o, 9), 256000);
    assert_int_equal(wf_queue_backoff_ms(&o, 10), 300000);
    assert_int_equal(wf_queue_backoff_ms(&o, 1000000), 300000);
    struct wf_queue_opts small = {5, 1000, 7, 20, NULL};
    assert_int_equal(wf_queue_backoff_ms(&small, 1), 7);
    assert_int_equal(wf_queue_backoff_ms(&small, 2), 14);
    assert_int_equal(wf_queue_backoff_ms(&small, 3), 20);
    assert_int_equal(wf_queue_backoff_ms(NULL, 2), 2000); /* defaults */
}

static void test_jitter_bounds(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_queue *q = NULL;
    assert_int_equal(wf_queue_new(st, NULL, &q), WF_OK);
    int64_t lo = 1000000, hi = -1;
    for (int i = 0; i < 2000; i++) {
        int64_t j = wf_queue__jitter(q, 1000);
        lo = j < lo ? j : lo;
        hi = j > hi ? j : hi;
    }
    assert_true(lo >= 0);
    assert_true(hi <= 200);
    assert_true(hi - lo > 100); /* it does vary */
    assert_int_equal(wf_queue__jitter(q, 0), 0);
    wf_queue_free(q);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_retry_then_dead_letter(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_queue_opts o = {3, 60000, 1000, 300000, NULL};
    struct wf_queue *q = NULL;
    assert_int_equal(wf_queue_new(st, &o, &q), WF_OK);
    int64_t id = 0;
    assert_int_equal(wf_queue_push(q, "acme", "triage", "{\"build_id\":7}", &id), WF_OK);
    struct wf_store_job j, none;
    assert_int_equal(wf_queue_claim(q, &j), WF_OK);
    assert_int_equal(j.id, id);
    assert_int_equal(j.max_attempts, 3);
    assert_int_equal(wf_queue_claim(q, &none), WF_ENOENT); /* leased */

    for (int attempt = 1; attempt <= 2; attempt++) {
        int dead = -1;
        int64_t t0 = wf_store_now_ms();
        assert_int_equal(wf_queue_fail(q, &j, "exit 1", &dead), WF_OK);
        int64_t t1 = wf_store_now_ms();
        assert_int_equal(dead, 0);
        int64_t delay = wf_queue_backoff_ms(&o, attempt);
        wf_store_job_cleanup(&j);
        /* not before the delay, and by delay + 20% at the latest */
        assert_int_equal(wf_store_job_claim(st, t0 + delay - 1, 60000, &j), WF_ENOENT);
        assert_int_equal(wf_store_job_claim(st, t1 + delay + delay / 5, 60000, &j), WF_OK);
        assert_int_equal(j.attempts, attempt + 1);
        assert_string_equal(j.last_error, "exit 1");
    }
    /* the lease from the last claim is honoured by the queue too */
    struct wf_store_job stale = j;
    stale.lease_token ^= 1;
    int dead = -1;
    assert_int_equal(wf_queue_fail(q, &stale, "x", &dead), WF_ECONFLICT);
    assert_int_equal(dead, -1);
    assert_int_equal(wf_queue_fail(q, &j, "segfault", &dead), WF_OK);
    assert_int_equal(dead, 1);
    wf_store_job_cleanup(&j);
    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    assert_int_equal(n.dead, 1);
    assert_int_equal(n.ready + n.leased, 0);
    json_t *list = NULL;
    assert_int_equal(wf_store_job_dead_list(st, "acme", &list), WF_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "last_error")),
                        "segfault");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "attempts")), 3);
    json_decref(list);

    /* a successful job is acked once */
    assert_int_equal(wf_queue_push(q, "acme", "triage", "{}", &id), WF_OK);
    assert_int_equal(wf_queue_claim(q, &j), WF_OK);
    assert_int_equal(wf_queue_ack(q, &j), WF_OK);
    assert_int_equal(wf_queue_ack(q, &j), WF_ECONFLICT);
    wf_store_job_cleanup(&j);
    wf_queue_free(q);
    wf_store_close(st);
    tdir_free(&d);
}

struct waiter {
    struct wf_queue *q;
    int timeout_ms;
    int rc;
    uint64_t took_ms;
};

static void *wait_thread(void *ud)
{
    struct waiter *w = ud;
    uint64_t t0 = wf_now_ms();
    w->rc = wf_queue_wait(w->q, w->timeout_ms);
    w->took_ms = wf_now_ms() - t0;
    return NULL;
}

static int waiters(struct wf_queue *q)
{
    pthread_mutex_lock(&q->mu);
    int n = q->n_waiters;
    pthread_mutex_unlock(&q->mu);
    return n;
}

static void test_wait_notify(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_queue *q = NULL;
    assert_int_equal(wf_queue_new(st, NULL, &q), WF_OK);

    /* nothing to wake it: times out */
    uint64_t t0 = wf_now_ms();
    assert_int_equal(wf_queue_wait(q, 30), 1);
    assert_true(wf_now_ms() - t0 >= 25);
    /* a notify before the wait is not lost */
    wf_queue_notify(q);
    assert_int_equal(wf_queue_wait(q, 10000), 0);
    assert_int_equal(wf_queue_wait(q, 1), 1); /* and consumed once */

    /* notify wakes a sleeping worker */
    struct waiter w = {q, 10000, -1, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    while (waiters(q) != 1)
        usleep(1000);
    wf_queue_notify(q);
    pthread_join(th, NULL);
    assert_int_equal(w.rc, 0);
    assert_true(w.took_ms < 5000);

    /* so does a push */
    w.rc = -1;
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    while (waiters(q) != 1)
        usleep(1000);
    assert_int_equal(wf_queue_push(q, "acme", "triage", "{}", NULL), WF_OK);
    pthread_join(th, NULL);
    assert_int_equal(w.rc, 0);
    assert_true(w.took_ms < 5000);

    /* free releases waiters before it returns */
    struct waiter w2[2] = {{q, 10000, -1, 0}, {q, 10000, -1, 0}};
    pthread_t t2[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t2[i], NULL, wait_thread, &w2[i]), 0);
    while (waiters(q) != 2)
        usleep(1000);
    wf_queue_free(q);
    for (int i = 0; i < 2; i++) {
        pthread_join(t2[i], NULL);
        assert_int_equal(w2[i].rc, 0);
        assert_true(w2[i].took_ms < 5000);
    }
    wf_queue_free(NULL);
    wf_store_close(st);
    tdir_free(&d);
}

int main(void)
{
    const struct CMUnitTest sqlite_only[] = {
        /* no store */
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_jitter_bounds),
    };
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_retry_then_dead_letter),
        cmocka_unit_test(test_wait_notify),
    };
    return store_test_main("queue", common, STORE_TEST_N(common), sqlite_only,
                           STORE_TEST_N(sqlite_only), NULL, 0);
}
