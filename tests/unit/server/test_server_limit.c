/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the token-bucket limiter: a burst then refusals, the
 * Retry-After value, refill with simulated time (never backwards),
 * independent keys, LRU eviction at max_keys, limiting off for rate <= 0,
 * argument checks, and four threads on one key never granting more tokens
 * than the bucket holds.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/server_int.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC) /* an arbitrary monotonic start */

static struct wf_server__limiter *make(double rate, double burst, size_t max_keys)
{
    struct wf_server__limiter *l = NULL;
    assert_int_equal(wf_server__limiter_new(rate, burst, max_keys, &l), WF_OK);
    assert_non_null(l);
    return l;
}

static void test_burst_then_limited(void **state)
{
    (void)state;
    struct wf_server__limiter *l = make(2, 5, 100);
    int retry = -1;
    for (int i = 0; i < 5; i++)
        assert_int_equal(wf_server__limiter_take(l, "k_a", T0, &retry), 1);
    assert_int_equal(retry, -1); /* untouched while allowed */
    assert_int_equal(wf_server__limiter_take(l, "k_a", T0, &retry), 0);
    assert_int_equal(retry, 1); /* 1 token at 2/s: 0.5 s, rounded up */
    assert_int_equal(wf_server__limiter_take(l, "k_a", T0, NULL), 0);
    wf_server__limiter_free(l);
}

static void test_retry_after(void **state)
{
    (void)state;
    struct wf_server__limiter *l = make(0.1, 1, 10); /* one token per 10 s */
    int retry = 0;
    assert_int_equal(wf_server__limiter_take(l, "k", T0, &retry), 1);
    assert_int_equal(wf_server__limiter_take(l, "k", T0, &retry), 0);
    assert_int_equal(retry, 10);
    /* half refilled after 5 s: 5 s to go */
    assert_int_equal(wf_server__limiter_take(l, "k", T0 + 5 * SEC, &retry), 0);
    assert_int_equal(retry, 5);
    /* 0.1 s before the token: still at least 1 */
    assert_int_equal(wf_server__limiter_take(l, "k", T0 + 9 * SEC + SEC / 10 * 9, &retry), 0);
    assert_int_equal(retry, 1);
    assert_int_equal(wf_server__limiter_take(l, "k", T0 + 10 * SEC, &retry), 1);
    wf_server__limiter_free(l);

    /* a very slow rate does not overflow the int */
    l = make(1e-12, 1, 10);
    assert_int_equal(wf_server__limiter_take(l, "k", T0, &retry), 1);
    assert_int_equal(wf_server__limiter_take(l, "k", T0, &retry), 0);
    assert_int_equal(retry, 2147483647);
    wf_server__limiter_free(l);
}

static void test_refill(void **state)
{
    (void)state;
    struct wf_server__limiter *l = make(10, 3, 10);
    for (int i = 0; i < 3; i++)
        assert_int_equal(wf_server__limiter_take(l, "k", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k", T0, NULL), 0);
    /* 100 ms later one token is back, and only one */
    assert_int_equal(wf_server__limiter_take(l, "k", T0 + SEC / 10, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k", T0 + SEC / 10, NULL), 0);
    /* an hour later the bucket is full again, capped at the burst */
    uint64_t t = T0 + 3600 * SEC;
    for (int i = 0; i < 3; i++)
        assert_int_equal(wf_server__limiter_take(l, "k", t, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k", t, NULL), 0);
    /* a time from the past (a thread that read the clock earlier) neither
     * refills nor moves the bucket's clock back */
    assert_int_equal(wf_server__limiter_take(l, "k", T0, NULL), 0);
    assert_int_equal(wf_server__limiter_take(l, "k", t + SEC / 10, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k", t + SEC / 10, NULL), 0);
    wf_server__limiter_free(l);
}

static void test_independent_keys(void **state)
{
    (void)state;
    struct wf_server__limiter *l = make(1, 2, 100);
    assert_int_equal(wf_server__limiter_take(l, "k_a", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k_a", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k_a", T0, NULL), 0);
    assert_int_equal(wf_server__limiter_take(l, "k_b", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k_b", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k_b", T0, NULL), 0);
    /* a prefix is another key */
    assert_int_equal(wf_server__limiter_take(l, "k_", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "", T0, NULL), 1);
    wf_server__limiter_free(l);
}

static void test_eviction(void **state)
{
    (void)state;
    struct wf_server__limiter *l = make(1, 1, 3);
    /* drain a, b, c */
    assert_int_equal(wf_server__limiter_take(l, "a", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "b", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "c", T0, NULL), 1);
    /* touch a so b becomes the least recently used */
    assert_int_equal(wf_server__limiter_take(l, "a", T0, NULL), 0);
    /* d evicts b */
    assert_int_equal(wf_server__limiter_take(l, "d", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "a", T0, NULL), 0); /* kept */
    assert_int_equal(wf_server__limiter_take(l, "c", T0, NULL), 0); /* kept */
    /* b was forgotten and starts with a full bucket (evicting d, the LRU) */
    assert_int_equal(wf_server__limiter_take(l, "b", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "b", T0, NULL), 0);
    assert_int_equal(wf_server__limiter_take(l, "a", T0, NULL), 0);
    assert_int_equal(wf_server__limiter_take(l, "c", T0, NULL), 0);
    assert_int_equal(wf_server__limiter_take(l, "d", T0, NULL), 1);

    /* many keys through a small table: memory stays bounded (ASan checks
     * the bookkeeping) and the last keys are still remembered */
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof(k), "key-%d", i);
        assert_int_equal(wf_server__limiter_take(l, k, T0, NULL), 1);
    }
    assert_int_equal(wf_server__limiter_take(l, "key-4999", T0, NULL), 0);
    assert_int_equal(wf_server__limiter_take(l, "key-4997", T0, NULL), 0);
    wf_server__limiter_free(l);
}

static void test_disabled_and_args(void **state)
{
    (void)state;
    struct wf_server__limiter *l = make(0, 0, 0);
    int retry = -1;
    for (int i = 0; i < 10000; i++)
        assert_int_equal(wf_server__limiter_take(l, "k", T0, &retry), 1);
    assert_int_equal(retry, -1);
    wf_server__limiter_free(l);
    l = make(-5, 1, 10);
    assert_int_equal(wf_server__limiter_take(l, "k", T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, "k", T0, NULL), 1);
    wf_server__limiter_free(l);
    assert_int_equal(wf_server__limiter_take(NULL, "k", T0, NULL), 1);
    wf_server__limiter_free(NULL);

    /* an enabled limiter needs a burst of at least one token and a table */
    l = NULL;
    assert_int_equal(wf_server__limiter_new(1, 0.5, 10, &l), WF_EINVAL);
    assert_int_equal(wf_server__limiter_new(1, 1, 0, &l), WF_EINVAL);
    assert_int_equal(wf_server__limiter_new(NAN, 1, 10, &l), WF_EINVAL);
    assert_null(l);

    /* allocation failures leave nothing behind */
    for (long n = 0; n < 3; n++) {
        wf_alloc_fail_after(n);
        int rc = wf_server__limiter_new(1, 1, 10, &l);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK) {
            wf_server__limiter_free(l);
            l = NULL;
        } else {
            assert_int_equal(rc, WF_ENOMEM);
            assert_null(l);
        }
    }
}

static void test_long_key(void **state)
{
    (void)state;
    char a[300], b[300];
    memset(a, 'x', sizeof(a) - 1);
    a[sizeof(a) - 1] = 0;
    memcpy(b, a, sizeof(b));
    b[200] = 'y'; /* differs only past the 127 bytes kept */
    struct wf_server__limiter *l = make(1, 1, 10);
    assert_int_equal(wf_server__limiter_take(l, a, T0, NULL), 1);
    assert_int_equal(wf_server__limiter_take(l, b, T0, NULL), 0);
    wf_server__limiter_free(l);
}

#define THREADS 4
#define TRIES 20000
#define BURST 1000

struct hammer {
    struct wf_server__limiter *l;
    int granted;
};

static void *hammer_run(void *p)
{
    struct hammer *h = p;
    char other[32];
    snprintf(other, sizeof(other), "own-%p", p);
    for (int i = 0; i < TRIES; i++) {
        /* time advances by 1 ns per try from every thread: with rate 1/s
         * that adds at most TRIES * 1e-9 tokens, less than one */
        h->granted += wf_server__limiter_take(h->l, "shared", T0 + (uint64_t)i, NULL);
        wf_server__limiter_take(h->l, other, T0 + (uint64_t)i, NULL);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct wf_server__limiter *l = make(1, BURST, 64);
    struct hammer h[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        h[i].l = l;
        h[i].granted = 0;
        assert_int_equal(pthread_create(&t[i], NULL, hammer_run, &h[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        total += h[i].granted;
    }
    assert_int_equal(total, BURST);
    wf_server__limiter_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_limited),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_refill),
        cmocka_unit_test(test_independent_keys),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_disabled_and_args),
        cmocka_unit_test(test_long_key),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
