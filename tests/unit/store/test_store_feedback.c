/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the store's feedback surface on a real SQLite file: labels
 * (existence checks, tenant isolation, filters, pages), resolutions shown
 * on failures and signatures, the labeling queue's order, versioned models
 * (numbering, one active per kind, rollback, rejected ones refused) and
 * notices recorded once per key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/store.h"
#include "store_test.h"

static int64_t add_failure(struct wf_store *st, const char *tenant, const char *sig, double margin,
                           const char *title)
{
    struct wf_store_failure f;
    memset(&f, 0, sizeof f);
    f.tenant = tenant;
    f.repo = "acme/app";
    f.branch = "main";
    f.category = "test_failure";
    f.confidence = 0.5 + margin / 2;
    f.signature = sig;
    f.step = "test";
    f.title = title;
    f.report_json = "{}";
    f.model_version = "bundled-x";
    f.margin = margin;
    f.log_bytes = 1234;
    f.key_lines = 7;
    int64_t id = 0;
    assert_int_equal(wf_store_failure_put(st, &f, &id), WF_OK);
    return id;
}

static void test_labels(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    int64_t f1 = add_failure(st, "acme", "aaaaaaaaaaaaaaaa", 0.9, "t1");
    int64_t f2 = add_failure(st, "beta", "bbbbbbbbbbbbbbbb", 0.9, "t2");

    struct wf_store_label l = {.tenant = "acme",
                               .kind = "category",
                               .failure_id = f1,
                               .value = "network_or_flaky",
                               .by = "k_1"};
    int64_t id = 0;
    assert_int_equal(wf_store_label_put(st, &l, &id), WF_OK);
    assert_true(id > 0);
    /* another tenant's failure is not found */
    l.failure_id = f2;
    assert_int_equal(wf_store_label_put(st, &l, NULL), WF_ENOENT);
    l.failure_id = f1 + f2 + 100;
    assert_int_equal(wf_store_label_put(st, &l, NULL), WF_ENOENT);
    /* bad shapes */
    l.failure_id = f1;
    l.kind = "nonsense";
    assert_int_equal(wf_store_label_put(st, &l, NULL), WF_EINVAL);
    l.kind = "category";
    l.value = "";
    assert_int_equal(wf_store_label_put(st, &l, NULL), WF_EINVAL);
    struct wf_store_label h = {.tenant = "acme",
                               .kind = "helpful",
                               .target = "answer",
                               .target_id = "chat-1",
                               .value = "maybe",
                               .by = "u"};
    assert_int_equal(wf_store_label_put(st, &h, NULL), WF_EINVAL);
    h.value = "yes";
    assert_int_equal(wf_store_label_put(st, &h, NULL), WF_OK);
    struct wf_store_label p = {.tenant = "acme",
                               .kind = "pr_outcome",
                               .repo = "o/r",
                               .number = 7,
                               .value = "defect",
                               .by = "u"};
    assert_int_equal(wf_store_label_put(st, &p, NULL), WF_OK);
    p.value = "bad";
    assert_int_equal(wf_store_label_put(st, &p, NULL), WF_EINVAL);

    /* resolution: the signature must exist for the tenant */
    struct wf_store_label r = {.tenant = "acme",
                               .kind = "resolution",
                               .signature = "bbbbbbbbbbbbbbbb",
                               .note = "n",
                               .by = "u"};
    assert_int_equal(wf_store_label_put(st, &r, NULL), WF_ENOENT);
    json_t *o = NULL;
    assert_int_equal(wf_store_failure_get(st, "acme", f1, &o), WF_OK);
    assert_true(json_is_null(json_object_get(o, "resolution")));
    json_decref(o);
    r.signature = "aaaaaaaaaaaaaaaa";
    r.note = "pin the mirror";
    r.fix_commit = "abc123";
    r.created_ms = 1700000000000;
    assert_int_equal(wf_store_label_put(st, &r, NULL), WF_OK);
    r.note = "retry with backoff"; /* a later resolution wins */
    r.created_ms = 1700000001000;
    assert_int_equal(wf_store_label_put(st, &r, NULL), WF_OK);
    assert_int_equal(wf_store_failure_get(st, "acme", f1, &o), WF_OK);
    json_t *res = json_object_get(o, "resolution");
    assert_string_equal(json_string_value(json_object_get(res, "note")), "retry with backoff");
    assert_string_equal(json_string_value(json_object_get(res, "fix_commit")), "abc123");
    assert_string_equal(json_string_value(json_object_get(res, "by")), "u");
    assert_string_equal(json_string_value(json_object_get(res, "at")), "2023-11-14T22:13:21Z");
    assert_int_equal(json_integer_value(json_object_get(o, "key_lines")), 7);
    json_decref(o);
    assert_int_equal(wf_store_signature_list(st, "acme", NULL, &o), WF_OK);
    res = json_object_get(json_array_get(json_object_get(o, "items"), 0), "resolution");
    assert_string_equal(json_string_value(json_object_get(res, "note")), "retry with backoff");
    json_decref(o);
    assert_int_equal(wf_store_signature_list(st, "beta", NULL, &o), WF_OK);
    res = json_object_get(json_array_get(json_object_get(o, "items"), 0), "resolution");
    assert_true(json_is_null(res));
    json_decref(o);

    /* lists: filters, isolation, pages */
    struct wf_store_label_filter lf = {.kind = "resolution"};
    assert_int_equal(wf_store_label_list(st, "acme", &lf, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 2);
    json_decref(o);
    assert_int_equal(wf_store_label_list(st, "beta", NULL, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 0);
    json_decref(o);
    lf = (struct wf_store_label_filter){.limit = 3};
    assert_int_equal(wf_store_label_list(st, "acme", &lf, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 3);
    json_t *next = json_object_get(o, "next");
    assert_true(json_is_integer(next));
    lf.before_id = json_integer_value(next);
    json_decref(o);
    assert_int_equal(wf_store_label_list(st, "acme", &lf, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 2); /* 5 in all */
    assert_true(json_is_null(json_object_get(o, "next")));
    json_t *first = json_array_get(json_object_get(o, "items"), 1);
    assert_string_equal(json_string_value(json_object_get(first, "kind")), "category");
    assert_string_equal(json_string_value(json_object_get(first, "by")), "k_1");
    json_decref(o);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_queue_order(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    int64_t a = add_failure(st, "acme", "1111111111111111", 0.50, "a");
    int64_t b = add_failure(st, "acme", "2222222222222222", 0.05, "b");
    int64_t c = add_failure(st, "acme", "3333333333333333", 0.90, "c");
    int64_t e = add_failure(st, "acme", "4444444444444444", 0.20, "e");
    add_failure(st, "beta", "5555555555555555", 0.01, "other tenant");
    struct wf_store_label l = {
        .tenant = "acme", .kind = "category", .failure_id = e, .value = "unknown", .by = "u"};
    assert_int_equal(wf_store_label_put(st, &l, NULL), WF_OK);
    /* a helpful label does not take a failure out of the queue */
    char tid[32];
    snprintf(tid, sizeof tid, "%lld", (long long)c);
    struct wf_store_label h = {.tenant = "acme",
                               .kind = "helpful",
                               .target = "failure",
                               .target_id = tid,
                               .failure_id = c,
                               .value = "no",
                               .by = "u"};
    assert_int_equal(wf_store_label_put(st, &h, NULL), WF_OK);
    json_t *o = NULL;
    assert_int_equal(wf_store_label_queue(st, "acme", 10, &o), WF_OK);
    json_t *items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), b);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "id")), a);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 2), "id")), c);
    json_decref(o);
    assert_int_equal(wf_store_label_queue(st, "acme", 1, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 1);
    json_decref(o);
    assert_int_equal(wf_store_label_queue(st, "acme", 0, &o), WF_EINVAL);
    wf_store_close(st);
    tdir_free(&d);
}

static const char *status_of(struct wf_store *st, const char *tenant, int64_t v)
{
    static char buf[32];
    json_t *o = NULL;
    if (wf_store_model_get(st, tenant, "triage", v, &o) != WF_OK)
        return "absent";
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(o, "status")));
    json_decref(o);
    return buf;
}

static void test_models(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    json_t *o = NULL;
    assert_int_equal(wf_store_model_get(st, "acme", "triage", 0, &o), WF_ENOENT);
    struct wf_store_model m = {.tenant = "acme",
                               .kind = "triage",
                               .status = "active",
                               .training_hash = "ab",
                               .metrics_json = "{\"macro_f1\":0.8}",
                               .model_text = "model one",
                               .reason = "first"};
    int64_t v1 = 0, v2 = 0, v3 = 0, v4 = 0;
    assert_int_equal(wf_store_model_put(st, &m, &v1), WF_OK);
    m.model_text = "model two";
    assert_int_equal(wf_store_model_put(st, &m, &v2), WF_OK);
    m.status = "rejected";
    m.model_text = "model three";
    assert_int_equal(wf_store_model_put(st, &m, &v3), WF_OK);
    assert_int_equal(v1, 1);
    assert_int_equal(v2, 2);
    assert_int_equal(v3, 3);
    assert_string_equal(status_of(st, "acme", 1), "retired");
    assert_string_equal(status_of(st, "acme", 2), "active");
    assert_string_equal(status_of(st, "acme", 3), "rejected");
    /* version 0 = the active one, with its text */
    assert_int_equal(wf_store_model_get(st, "acme", "triage", 0, &o), WF_OK);
    assert_string_equal(json_string_value(json_object_get(o, "model")), "model two");
    assert_true(json_is_real(json_object_get(json_object_get(o, "metrics"), "macro_f1")));
    json_decref(o);
    /* rollback */
    assert_int_equal(wf_store_model_activate(st, "acme", "triage", 1), WF_OK);
    assert_string_equal(status_of(st, "acme", 1), "active");
    assert_string_equal(status_of(st, "acme", 2), "retired");
    assert_int_equal(wf_store_model_activate(st, "acme", "triage", 3), WF_ECONFLICT);
    assert_int_equal(wf_store_model_activate(st, "acme", "triage", 9), WF_ENOENT);
    assert_string_equal(status_of(st, "acme", 1), "active");
    /* per tenant and kind numbering; isolation */
    assert_string_equal(status_of(st, "beta", 1), "absent");
    assert_int_equal(wf_store_model_activate(st, "beta", "triage", 1), WF_ENOENT);
    m.tenant = "beta";
    m.status = "active";
    assert_int_equal(wf_store_model_put(st, &m, &v4), WF_OK);
    assert_int_equal(v4, 1);
    m.kind = "bogus";
    assert_int_equal(wf_store_model_put(st, &m, &v4), WF_EINVAL);
    m.kind = "triage";
    m.metrics_json = "[1]";
    assert_int_equal(wf_store_model_put(st, &m, &v4), WF_EINVAL);
    assert_int_equal(wf_store_model_list(st, "acme", NULL, &o), WF_OK);
    json_t *items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "version")), 3);
    assert_null(json_object_get(json_array_get(items, 0), "model"));
    json_decref(o);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_notices(void **state)
{
    (void)state;
    struct wf_store *st = open_url(":memory:");
    int created = -1;
    assert_int_equal(wf_store_notice_put(st, "acme", "model_drift", "triage:v1:2026-11-23",
                                         "{\"psi\":0.4}", 5, &created),
                     WF_OK);
    assert_int_equal(created, 1);
    assert_int_equal(wf_store_notice_put(st, "acme", "model_drift", "triage:v1:2026-11-23",
                                         "{\"psi\":0.5}", 6, &created),
                     WF_OK);
    assert_int_equal(created, 0);
    assert_int_equal(
        wf_store_notice_put(st, "beta", "model_drift", "triage:v1:2026-11-23", "{}", 6, &created),
        WF_OK);
    assert_int_equal(created, 1);
    assert_int_equal(wf_store_notice_put(st, "acme", "model_drift", "k", "[]", 6, &created),
                     WF_EINVAL);
    json_t *o = NULL;
    assert_int_equal(wf_store_notice_list(st, "acme", "model_drift", 0, &o), WF_OK);
    json_t *items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *data = json_object_get(json_array_get(items, 0), "data");
    assert_true(json_real_value(json_object_get(data, "psi")) == 0.4);
    json_decref(o);
    assert_int_equal(wf_store_notice_list(st, "acme", NULL, 6, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 0);
    json_decref(o);
    wf_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_queue_order),
        cmocka_unit_test(test_models),
        cmocka_unit_test(test_notices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
