/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic webhook schema (docs/webhooks.md): the samples normalize to
 * the events they describe, and the strict validation refuses unknown
 * fields, wrong types, statuses outside the vocabulary, bad shas and
 * timestamps with a message naming the field, including its index in a
 * batch. The free-form data object is kept with its strings redacted.
 */
#include "ingest_test.h"

static void test_single(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GENERIC, "", "generic/job.failed.json", &b, NULL),
                     WF_OK);
    assert_string_equal(b.event_type, "generic");
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_JOB);
    assert_string_equal(e->external_id, "jenkins-main-1234-unit");
    assert_string_equal(e->parent_id, "jenkins-main-1234");
    assert_string_equal(e->repo, "acme/shop");
    assert_string_equal(e->branch, "main");
    assert_string_equal(e->status, "completed");
    assert_string_equal(e->conclusion, "failure");
    assert_string_equal(e->name, "unit tests");
    assert_int_equal(e->occurred_ms, 1704103200000LL); /* 2024-01-01T10:00:00Z */
    assert_string_equal(dstr(e, "provider"), "generic");
    json_t *extra = json_object_get(e->data, "extra");
    assert_true(json_is_object(extra));
    assert_string_equal(json_string_value(json_object_get(extra, "agent")), "linux-7");
    assert_int_equal(json_integer_value(json_object_get(extra, "duration_s")), 312);
    assert_true(json_is_false(json_object_get(extra, "retried")));
    wf_ingest_batch_cleanup(&b);
}

static void test_batch(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GENERIC, "", "generic/batch.json", &b, NULL), WF_OK);
    assert_int_equal(b.n_events, 3);
    assert_int_equal(b.events[0].kind, WF_INGEST_BUILD);
    assert_int_equal(b.events[1].kind, WF_INGEST_DEPLOYMENT);
    assert_int_equal(b.events[2].kind, WF_INGEST_INCIDENT);
    /* 2024-01-01T10:05:00+01:00 */
    assert_int_equal(b.events[0].occurred_ms, 1704099900000LL);
    assert_string_equal(b.events[1].status, "success");
    assert_string_equal(b.events[1].name, "production");
    assert_string_equal(b.events[2].external_id, "INC-42");
    assert_string_equal(b.events[2].sha, "9fceb02");
    assert_string_equal(dstr(&b.events[2], "occurred_at"), "2024-01-01T09:30:00.250Z");
    assert_true(dnull(&b.events[2], "url"));
    wf_ingest_batch_cleanup(&b);
}

static void test_validation(void **state)
{
    (void)state;
    static const struct {
        const char *body, *msg;
    } cases[] = {
        {"{\"id\":\"1\",\"repo\":\"a/b\"}", "type: missing"},
        {"{\"type\":\"pipeline\",\"id\":\"1\",\"repo\":\"a/b\"}", "type: expected one of build"},
        {"{\"type\":7,\"id\":\"1\",\"repo\":\"a/b\"}", "type: expected a string, found an integer"},
        {"{\"type\":\"change\",\"repo\":\"a/b\"}", "id: missing"},
        {"{\"type\":\"change\",\"id\":\"\",\"repo\":\"a/b\"}", "id: must not be empty"},
        {"{\"type\":\"change\",\"id\":42,\"repo\":\"a/b\"}", "id: expected a string"},
        {"{\"type\":\"change\",\"id\":\"1\"}", "repo: missing"},
        {"{\"type\":\"change\",\"id\":\"1\",\"repo\":\"a/b\",\"colour\":\"red\"}",
         "colour: unknown field"},
        {"{\"type\":\"job\",\"id\":\"1\",\"repo\":\"a/b\"}", "status: missing"},
        {"{\"type\":\"job\",\"id\":\"1\",\"repo\":\"a/b\",\"status\":\"done\"}",
         "status: expected queued, in_progress or completed"},
        {"{\"type\":\"build\",\"id\":\"1\",\"repo\":\"a/b\",\"status\":\"completed\"}",
         "conclusion: missing for a completed build"},
        {"{\"type\":\"change\",\"id\":\"1\",\"repo\":\"a/b\",\"sha\":\"xyz1234\"}",
         "sha: expected 7 to 64 hex digits"},
        {"{\"type\":\"change\",\"id\":\"1\",\"repo\":\"a/b\",\"occurred_at\":\"yesterday\"}",
         "occurred_at: expected an RFC 3339 timestamp"},
        {"{\"type\":\"change\",\"id\":\"1\",\"repo\":\"a/"
         "b\",\"occurred_at\":\"2024-01-01T10:00:00\"}",
         "occurred_at: expected an RFC 3339 timestamp"},
        {"{\"type\":\"change\",\"id\":\"1\",\"repo\":\"a/b\",\"data\":[1]}",
         "data: expected an object, found an array"},
        {"{\"events\":[]}", "events: expected 1 to 2048 events, found 0"},
        {"{\"events\":{}}", "events: expected an array"},
        {"{\"events\":[{\"type\":\"change\",\"id\":\"1\",\"repo\":\"a/b\"}],\"type\":\"x\"}",
         "events: a batch holds only"},
        {"{\"events\":[{\"type\":\"change\",\"id\":\"1\",\"repo\":\"a/b\"},"
         "{\"type\":\"job\",\"id\":\"2\",\"repo\":\"a/b\",\"status\":\"finished\"}]}",
         "events[1].status: expected queued"},
        {"{\"events\":[{\"type\":\"change\",\"id\":\"1\",\"repo\":\"a/b\"},3]}",
         "events[1]: expected an object"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wf_ingest_batch b;
        struct wf_buf err;
        wf_buf_init(&err, 4096);
        int rc = norm_str(WF_INGEST_GENERIC, "", cases[i].body, &b, &err);
        if (rc != WF_EFORMAT)
            fail_msg("case %zu: rc %d", i, rc);
        assert_err_has(&err, cases[i].msg);
        assert_int_equal(b.n_events, 0);
        wf_ingest_batch_cleanup(&b);
        wf_buf_cleanup(&err);
    }
}

static void test_id_too_long(void **state)
{
    (void)state;
    char body[512], id[200];
    memset(id, 'x', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    snprintf(body, sizeof(body), "{\"type\":\"change\",\"id\":\"%s\",\"repo\":\"a/b\"}", id);
    struct wf_ingest_batch b;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    assert_int_equal(norm_str(WF_INGEST_GENERIC, "", body, &b, &err), WF_EFORMAT);
    assert_err_has(&err, "id: longer than 127 bytes");
    wf_ingest_batch_cleanup(&b);
    wf_buf_cleanup(&err);
}

static void test_data_redacted(void **state)
{
    (void)state;
    const char *tok = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"type\":\"deployment\",\"id\":\"d1\",\"repo\":\"a/b\",\"status\":\"success\","
             "\"data\":{\"note\":\"deployed with %s\",\"steps\":[{\"cmd\":\"curl -H "
             "'Authorization: Bearer %s'\"}],\"n\":3,\"ok\":true,\"none\":null}}",
             tok, tok);
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GENERIC, "", body, &b, NULL), WF_OK);
    char *all = batch_text(&b);
    assert_null(strstr(all, tok));
    assert_null(strstr(all, "A1b2C3d4E5f6"));
    assert_non_null(strstr(all, "[REDACTED:"));
    json_t *extra = json_object_get(b.events[0].data, "extra");
    assert_int_equal(json_integer_value(json_object_get(extra, "n")), 3);
    assert_true(json_is_null(json_object_get(extra, "none")));
    assert_non_null(strstr(json_string_value(json_object_get(extra, "note")), "deployed with "));
    wf_free(all);
    wf_ingest_batch_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single),        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_validation),    cmocka_unit_test(test_id_too_long),
        cmocka_unit_test(test_data_redacted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
