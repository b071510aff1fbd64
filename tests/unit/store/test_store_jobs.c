/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the store's job primitives with explicit clocks: claim
 * order and availability, ack, retry with a later availability, dead
 * letters, lease expiry handing the job to another worker, a stale lease
 * token answered with WF_ECONFLICT, a lease lost on the last attempt
 * dead-lettered, the counters, and allocation failures failing cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "store/store.h"
#include "store_test.h"

static void test_claim_ack_retry_dead(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    int64_t a = 0, b = 0, c = 0;
    assert_int_equal(wf_store_job_push(st, "acme", "triage", "{\"n\":1}", 3, 1000, &a), WF_OK);
    assert_int_equal(wf_store_job_push(st, "acme", "triage", "{\"n\":2}", 3, 1000, &b), WF_OK);
    assert_int_equal(wf_store_job_push(st, "acme", "later", "{\"n\":3}", 3, 5000, &c), WF_OK);
    assert_true(a < b && b < c);
    assert_int_equal(wf_store_job_push(st, "acme", "", "{}", 3, 0, NULL), WF_EINVAL);
    assert_int_equal(wf_store_job_push(st, "acme", "x", "{}", 0, 0, NULL), WF_EINVAL);

    struct wf_store_job j1, j2, j3;
    assert_int_equal(wf_store_job_claim(st, 999, 100, &j1), WF_ENOENT); /* not yet available */
    assert_int_equal(wf_store_job_claim(st, 1000, 100, &j1), WF_OK);
    assert_int_equal(j1.id, a); /* oldest first */
    assert_string_equal(j1.payload, "{\"n\":1}");
    assert_int_equal(j1.attempts, 1);
    assert_int_equal(j1.max_attempts, 3);
    assert_true(j1.lease_token > 0);
    assert_int_equal(wf_store_job_claim(st, 1000, 100, &j2), WF_OK);
    assert_int_equal(j2.id, b);
    assert_true(j2.lease_token != j1.lease_token);
    assert_int_equal(wf_store_job_claim(st, 1000, 100, &j3), WF_ENOENT); /* c at 5000 */

    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    assert_int_equal(n.ready, 1);
    assert_int_equal(n.leased, 2);

    /* ack needs the right token */
    assert_int_equal(wf_store_job_ack(st, j1.id, j1.lease_token + 1), WF_ECONFLICT);
    assert_int_equal(wf_store_job_ack(st, j1.id, j1.lease_token), WF_OK);
    assert_int_equal(wf_store_job_ack(st, j1.id, j1.lease_token), WF_ECONFLICT); /* done */
    /* retry: ready again later, with its error kept */
    assert_int_equal(wf_store_job_retry(st, j2.id, j2.lease_token, 2000, "flaky"), WF_OK);
    assert_int_equal(wf_store_job_claim(st, 1999, 100, &j3), WF_ENOENT);
    assert_int_equal(wf_store_job_claim(st, 2000, 100, &j3), WF_OK);
    assert_int_equal(j3.id, b);
    assert_int_equal(j3.attempts, 2);
    assert_string_equal(j3.last_error, "flaky");
    assert_int_equal(wf_store_job_dead(st, j3.id, j2.lease_token, "old token"), WF_ECONFLICT);
    assert_int_equal(wf_store_job_dead(st, j3.id, j3.lease_token, "broken input"), WF_OK);
    assert_int_equal(wf_store_job_retry(st, j3.id, j3.lease_token, 0, "x"), WF_ECONFLICT);

    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    assert_int_equal(n.ready, 1);
    assert_int_equal(n.leased, 0);
    assert_int_equal(n.done, 1);
    assert_int_equal(n.dead, 1);
    json_t *dead = NULL;
    assert_int_equal(wf_store_job_dead_list(st, "acme", &dead), WF_OK);
    assert_int_equal(json_array_size(dead), 1);
    json_t *row = json_array_get(dead, 0);
    assert_int_equal(json_integer_value(json_object_get(row, "id")), b);
    assert_string_equal(json_string_value(json_object_get(row, "last_error")), "broken input");
    assert_int_equal(json_integer_value(json_object_get(row, "attempts")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(row, "payload"), "n")), 2);
    json_decref(dead);
    wf_store_job_cleanup(&j1);
    wf_store_job_cleanup(&j2);
    wf_store_job_cleanup(&j3);
    wf_store_job_cleanup(NULL);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_lease_expiry(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    int64_t id = 0;
    assert_int_equal(wf_store_job_push(st, "acme", "triage", "{}", 2, 0, &id), WF_OK);
    struct wf_store_job w1, w2, w3;
    assert_int_equal(wf_store_job_claim(st, 100, 50, &w1), WF_OK);
    /* while the lease holds nobody else gets it */
    assert_int_equal(wf_store_job_claim(st, 149, 50, &w2), WF_ENOENT);
    /* worker 1 died: at the lease's end the job comes back */
    assert_int_equal(wf_store_job_claim(st, 150, 50, &w2), WF_OK);
    assert_int_equal(w2.id, id);
    assert_int_equal(w2.attempts, 2);
    assert_true(w2.lease_token != w1.lease_token);
    /* worker 1 wakes up: its token is stale */
    assert_int_equal(wf_store_job_ack(st, id, w1.lease_token), WF_ECONFLICT);
    assert_int_equal(wf_store_job_retry(st, id, w1.lease_token, 0, "late"), WF_ECONFLICT);
    assert_int_equal(wf_store_job_dead(st, id, w1.lease_token, "late"), WF_ECONFLICT);
    /* worker 2 dies too, on the last attempt: the job is dead-lettered */
    assert_int_equal(wf_store_job_claim(st, 1000, 50, &w3), WF_ENOENT);
    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    assert_int_equal(n.dead, 1);
    assert_int_equal(n.leased, 0);
    assert_int_equal(wf_store_job_ack(st, id, w2.lease_token), WF_ECONFLICT);
    json_t *dead = NULL;
    assert_int_equal(wf_store_job_dead_list(st, "acme", &dead), WF_OK);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_array_get(dead, 0), "last_error")), "lease"));
    json_decref(dead);
    wf_store_job_cleanup(&w1);
    wf_store_job_cleanup(&w2);
    wf_store_close(st);
    tdir_free(&d);
}

/* Every allocation the store makes fails in turn: each call fails cleanly
 * (no leak, no half-written row) or succeeds. */
static void test_allocation_failures(void **state)
{
    (void)state;
    struct tdir d;
    char url[800];
    tdir_new(&d);
    store_url(&d, url, sizeof(url));
    struct wf_store_opts o = {url, 2, 0, 0};
    int opened = 0;
    for (long n = 0; n < 32 && !opened; n++) {
        struct wf_store *st = NULL;
        wf_alloc_fail_after(n);
        int rc = wf_store_open(&o, &st, NULL);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK) {
            opened = 1;
            wf_store_close(st);
        } else {
            assert_int_equal(rc, WF_ENOMEM);
            assert_null(st);
        }
    }
    assert_true(opened);

    struct wf_store *st = open_in(&d);
    int64_t id = 0;
    assert_int_equal(wf_store_job_push(st, "acme", "triage", "{\"k\":1}", 3, 0, &id), WF_OK);
    struct wf_store_job j;
    memset(&j, 0, sizeof(j));
    wf_alloc_fail_after(0); /* the payload copy fails inside the writer */
    int rc = wf_store_job_claim(st, 10, 100, &j);
    wf_alloc_fail_after(-1);
    assert_int_equal(rc, WF_ENOMEM);
    assert_null(j.payload);
    struct wf_store_job_counts n;
    assert_int_equal(wf_store_job_counts(st, &n), WF_OK);
    assert_int_equal(n.ready, 1); /* the lease was rolled back with the op */
    assert_int_equal(n.leased, 0);
    assert_int_equal(wf_store_job_claim(st, 10, 100, &j), WF_OK);
    assert_int_equal(j.attempts, 1);
    wf_store_job_cleanup(&j);

    struct wf_store_event ev = job_event("b1", "completed", "failure", 1);
    int64_t b = 0;
    assert_int_equal(wf_store_build_ensure(st, "acme", "github", &ev, &b), WF_OK);
    wf_alloc_fail_after(0);
    rc = wf_store_log_put(st, "acme", b, "log text", 8);
    wf_alloc_fail_after(-1);
    assert_int_equal(rc, WF_ENOMEM);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(wf_store_log_get(st, "acme", b, &text, &len), WF_ENOENT);
    assert_int_equal(wf_store_log_put(st, "acme", b, "log text", 8), WF_OK);
    wf_alloc_fail_after(0);
    rc = wf_store_log_get(st, "acme", b, &text, &len);
    wf_alloc_fail_after(-1);
    assert_int_equal(rc, WF_ENOMEM);
    assert_null(text);
    wf_store_close(st);
    tdir_free(&d);
}

int main(void)
{
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_claim_ack_retry_dead),
        cmocka_unit_test(test_lease_expiry),
        cmocka_unit_test(test_allocation_failures),
    };
    return store_test_main("store_jobs", common, STORE_TEST_N(common), NULL, 0, NULL, 0);
}
