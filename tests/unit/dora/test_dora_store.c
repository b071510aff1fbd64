/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wf_store_events_read, the store call dora reads through: one kind, a
 * half-open time range, only the tenant's rows, oldest first, redelivery
 * under the same delivery id stored once, a callback's error stops the read;
 * then the rows through wf_dora_add_row give the expected metrics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "dora/dora.h"
#include "store/store.h"

#define H (3600 * 1000LL)
#define T0 1794787200000LL

struct seen {
    int n;
    int64_t last_ms;
    char ids[8][16];
    struct wf_dora_set *set;
};

static int on_event(void *ud, const struct wf_store_event *ev)
{
    struct seen *s = ud;
    assert_true(ev->occurred_ms >= s->last_ms);
    s->last_ms = ev->occurred_ms;
    if (s->n < 8)
        snprintf(s->ids[s->n], sizeof s->ids[0], "%s", ev->external_id);
    s->n++;
    if (s->set) {
        struct wf_dora_row row = {ev->kind, ev->repo,   ev->name,        ev->external_id,
                                  ev->sha,  ev->status, ev->occurred_ms, ev->data_json};
        assert_int_equal(wf_dora_add_row(s->set, &row, NULL), WF_OK);
    }
    return WF_OK;
}

static int stop(void *ud, const struct wf_store_event *ev)
{
    (void)ud;
    (void)ev;
    return WF_ECONFLICT;
}

static void ingest(struct wf_store *st, const char *tenant, const char *delivery,
                   const struct wf_store_event *ev, int *dup)
{
    struct wf_store_ingest_req req = {tenant, "api", delivery, ev, 1, T0, 0, 0};
    struct wf_store_ingest_result res;
    assert_int_equal(wf_store_ingest(st, &req, &res), WF_OK);
    *dup = res.duplicate;
}

static void test_read(void **state)
{
    (void)state;
    struct wf_store_opts o = {":memory:", 2, 16, 1000};
    struct wf_store *st;
    assert_int_equal(wf_store_open(&o, &st, NULL), WF_OK);
    struct wf_store_event evs[] = {
        {"deployment", "", "acme/shop", "", "abcdef1", "d2", "", "production", "success", "", "",
         T0 + 5 * H, "{}"},
        {"deployment", "", "acme/shop", "", "abcdef0", "d1", "", "production", "failure", "", "",
         T0 + 2 * H, "{}"},
        {"change", "", "acme/shop", "", "abcdef1", "abcdef1", "", "", "", "", "", T0 + 1 * H, "{}"},
        {"deployment", "", "acme/shop", "", "abcdef9", "d9", "", "production", "success", "", "",
         T0 + 30 * 24 * H, "{}"},
    };
    int dup;
    const char *dl[] = {"x2", "x1", "x3", "x4"};
    for (int i = 0; i < 4; i++) {
        ingest(st, "t1", dl[i], &evs[i], &dup);
        assert_int_equal(dup, 0);
    }
    ingest(st, "t1", "x2", &evs[0], &dup); /* redelivery */
    assert_int_equal(dup, 1);
    ingest(st, "t2", "x1", &evs[1], &dup); /* another tenant */
    assert_int_equal(dup, 0);

    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(
        wf_store_events_read(st, "t1", "deployment", T0, T0 + 7 * 24 * H, on_event, &s), WF_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "d1");
    assert_string_equal(s.ids[1], "d2");
    memset(&s, 0, sizeof s);
    assert_int_equal(wf_store_events_read(st, "t2", "deployment", 0, INT64_MAX, on_event, &s),
                     WF_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(wf_store_events_read(st, "t1", "deployment", 0, INT64_MAX, stop, NULL),
                     WF_ECONFLICT);
    assert_int_equal(wf_store_events_read(st, "t1", "", 0, 1, on_event, &s), WF_EINVAL);
    assert_int_equal(wf_store_events_read(st, "t1", "change", 5, 1, on_event, &s), WF_EINVAL);

    /* through dora: lead 4 h (change at +1 h, d2 at +5 h), CFR 1/2 */
    memset(&s, 0, sizeof s);
    assert_int_equal(wf_dora_set_new(&s.set), WF_OK);
    const char *kinds[] = {"deployment", "change", "incident"};
    for (int k = 0; k < 3 && (s.last_ms = 0) == 0; k++)
        assert_int_equal(wf_store_events_read(st, "t1", kinds[k], 0, INT64_MAX, on_event, &s),
                         WF_OK);
    struct wf_dora_query q;
    memset(&q, 0, sizeof q);
    q.since_ms = T0;
    q.until_ms = T0 + 7 * 24 * H;
    q.bucket = WF_DORA_WEEK;
    struct wf_dora_result r;
    assert_int_equal(wf_dora_compute(s.set, &q, &r), WF_OK);
    assert_int_equal(r.total.deploys, 1);
    assert_int_equal(r.total.failed, 1);
    assert_true(r.total.lead_median_h == 4.0);
    assert_true(r.total.change_failure_rate == 0.5);
    assert_true(r.total.recovery_median_h == 3.0);
    wf_dora_result_cleanup(&r);
    wf_dora_set_free(s.set);
    wf_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_read)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
