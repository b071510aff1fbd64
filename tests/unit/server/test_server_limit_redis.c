/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the rate limits shared through Redis (a real redis-server
 * from the ctest fixture, URL in WF_TEST_REDIS_URL): two limiters (two
 * instances) draw from one bucket per key, keys stay independent, the
 * bucket refills on Redis's clock, threads on both limiters never get more
 * than the burst, and a limiter whose Redis is down falls back to its own
 * local bucket and counts the errors.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <hiredis.h>

#include "server/server_int.h"

static struct wf_queue_redis_url url;
static int have_redis;

static int setup(void **state)
{
    (void)state;
    const char *u = getenv("WF_TEST_REDIS_URL");
    if (!u || !u[0])
        return 0;
    char s[512];
    snprintf(s, sizeof s, "%s/2", u);
    assert_int_equal(wf_queue_redis_url_parse(s, strlen(s), &url, NULL), WF_OK);
    redisContext *c = redisConnect(url.host, url.port);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    redisReply *r = redisCommand(c, "SELECT 2");
    freeReplyObject(r);
    r = redisCommand(c, "FLUSHDB");
    assert_non_null(r);
    freeReplyObject(r);
    redisFree(c);
    have_redis = 1;
    return 0;
}

static struct wf_server__limiter *shared(double rate, double burst)
{
    struct wf_server__limiter *l = NULL;
    assert_int_equal(wf_server__limiter_new(rate, burst, 100, &l), WF_OK);
    assert_int_equal(wf_server__limiter_share(l, &url), WF_OK);
    return l;
}

static void test_two_limiters_share_a_bucket(void **state)
{
    (void)state;
    if (!have_redis)
        skip();
    /* almost no refill: the burst is all there is */
    struct wf_server__limiter *a = shared(0.01, 6), *b = shared(0.01, 6);
    int retry = -1, allowed = 0;
    for (int i = 0; i < 6; i++)
        allowed += wf_server__limiter_take(i % 2 ? a : b, "k_shared", wf_now_ns(), &retry);
    assert_int_equal(allowed, 6);
    assert_int_equal(retry, -1);
    /* each local bucket alone would still allow 3 more; the shared one is empty */
    assert_int_equal(wf_server__limiter_take(a, "k_shared", wf_now_ns(), &retry), 0);
    assert_true(retry >= 99 && retry <= 101); /* (1 - tokens) / 0.01 per second */
    assert_int_equal(wf_server__limiter_take(b, "k_shared", wf_now_ns(), &retry), 0);
    /* another key has its own bucket */
    assert_int_equal(wf_server__limiter_take(b, "k_other", wf_now_ns(), &retry), 1);
    assert_int_equal(wf_server__limiter_shared_errors(a), 0);
    assert_int_equal(wf_server__limiter_shared_errors(b), 0);
    wf_server__limiter_free(a);
    wf_server__limiter_free(b);
}

static void test_refill_on_redis_clock(void **state)
{
    (void)state;
    if (!have_redis)
        skip();
    struct wf_server__limiter *a = shared(20, 2), *b = shared(20, 2);
    int retry = 0;
    assert_int_equal(wf_server__limiter_take(a, "k_refill", wf_now_ns(), &retry), 1);
    assert_int_equal(wf_server__limiter_take(b, "k_refill", wf_now_ns(), &retry), 1);
    assert_int_equal(wf_server__limiter_take(a, "k_refill", wf_now_ns(), &retry), 0);
    assert_int_equal(retry, 1);
    usleep(120 * 1000); /* 20/s: two tokens back after 100 ms */
    assert_int_equal(wf_server__limiter_take(b, "k_refill", wf_now_ns(), &retry), 1);
    assert_int_equal(wf_server__limiter_take(a, "k_refill", wf_now_ns(), &retry), 1);
    assert_int_equal(wf_server__limiter_take(b, "k_refill", wf_now_ns(), &retry), 0);
    wf_server__limiter_free(a);
    wf_server__limiter_free(b);
}

struct taker {
    struct wf_server__limiter *l;
    int allowed;
};

static void *take_many(void *ud)
{
    struct taker *t = ud;
    for (int i = 0; i < 50; i++)
        t->allowed += wf_server__limiter_take(t->l, "k_race", wf_now_ns(), NULL);
    return NULL;
}

static void test_threads_on_two_limiters(void **state)
{
    (void)state;
    if (!have_redis)
        skip();
    struct wf_server__limiter *a = shared(0.01, 30), *b = shared(0.01, 30);
    struct taker t[4] = {{a, 0}, {b, 0}, {a, 0}, {b, 0}};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, take_many, &t[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    /* 200 takes, one bucket of 30 (plus at most a token of refill) */
    int sum = t[0].allowed + t[1].allowed + t[2].allowed + t[3].allowed;
    assert_true(sum >= 30 && sum <= 31);
    wf_server__limiter_free(a);
    wf_server__limiter_free(b);
}

static void test_redis_down_falls_back_to_local(void **state)
{
    (void)state;
    struct wf_queue_redis_url down;
    const char *s = "redis://127.0.0.1:1";
    assert_int_equal(wf_queue_redis_url_parse(s, strlen(s), &down, NULL), WF_OK);
    struct wf_server__limiter *l = NULL;
    assert_int_equal(wf_server__limiter_new(0.01, 2, 100, &l), WF_OK);
    assert_int_equal(wf_server__limiter_share(l, &down), WF_OK);
    assert_int_equal(wf_server__limiter_share(l, &down), WF_EINVAL); /* once */
    int retry = 0;
    uint64_t now = wf_now_ns();
    /* fail open to the local bucket, which still limits */
    assert_int_equal(wf_server__limiter_take(l, "k_local", now, &retry), 1);
    assert_int_equal(wf_server__limiter_take(l, "k_local", now, &retry), 1);
    assert_int_equal(wf_server__limiter_take(l, "k_local", now, &retry), 0);
    assert_int_equal(wf_server__limiter_shared_errors(l), 3);
    wf_server__limiter_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_two_limiters_share_a_bucket, setup),
        cmocka_unit_test_setup(test_refill_on_redis_clock, setup),
        cmocka_unit_test_setup(test_threads_on_two_limiters, setup),
        cmocka_unit_test(test_redis_down_falls_back_to_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
