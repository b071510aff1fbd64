/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GitLab deliveries: the documented example payloads in
 * tests/data/webhooks/gitlab normalize to the expected kinds and fields,
 * pipeline and job statuses map onto queued/in_progress/completed with a
 * conclusion, incidents are recognised by type or label, and wrong shapes
 * name the field.
 */
#include "ingest_test.h"

static void test_pipeline(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITLAB, "Pipeline Hook", "gitlab/pipeline.json", &b, NULL), WF_OK);
    assert_string_equal(b.event_type, "Pipeline Hook");
    assert_int_equal(b.n_events, 6); /* the pipeline and its 5 builds */
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_BUILD);
    assert_string_equal(e->repo, "gitlab-org/gitlab-test");
    assert_string_equal(e->branch, "master");
    assert_string_equal(e->sha, "bcbb5ec396a2c0f828686f14fac9b80b780504f2");
    assert_string_equal(e->external_id, "31");
    assert_string_equal(e->status, "completed");
    assert_string_equal(e->conclusion, "failure");
    assert_string_equal(e->url, "http://example.com/gitlab-org/gitlab-test/-/pipelines/31");
    assert_string_equal(dstr(e, "gitlab_status"), "failed");
    /* "2016-08-12 15:26:29 UTC" */
    assert_string_equal(dstr(e, "completed_at"), "2016-08-12T15:26:29Z");
    assert_int_equal(e->occurred_ms, 1471015589000LL);

    /* builds[] in order: production (skipped), test-image, test-build
     * (failed), build-image, staging (created) */
    static const struct {
        const char *id, *name, *status, *conclusion;
    } want[] = {
        {"380", "production", "completed", "skipped"},
        {"377", "test-image", "completed", "success"},
        {"378", "test-build", "completed", "failure"},
        {"376", "build-image", "completed", "success"},
        {"379", "staging", "queued", ""},
    };
    for (size_t i = 0; i < 5; i++) {
        e = &b.events[i + 1];
        assert_int_equal(e->kind, WF_INGEST_JOB);
        assert_string_equal(e->external_id, want[i].id);
        assert_string_equal(e->parent_id, "31");
        assert_string_equal(e->name, want[i].name);
        assert_string_equal(e->status, want[i].status);
        assert_string_equal(e->conclusion, want[i].conclusion);
        assert_string_equal(e->repo, "gitlab-org/gitlab-test");
        assert_string_equal(e->sha, "bcbb5ec396a2c0f828686f14fac9b80b780504f2");
    }
    e = &b.events[3];
    assert_string_equal(dstr(e, "stage"), "test");
    assert_string_equal(dstr(e, "failure_reason"), "script_failure");
    assert_string_equal(dstr(e, "runner"), "shared-runners-manager-6.gitlab.com");
    assert_int_equal(json_array_size(json_object_get(e->data, "labels")), 2);
    assert_string_equal(e->url, "http://192.168.64.1:3005/gitlab-org/gitlab-test/-/jobs/378");
    wf_ingest_batch_cleanup(&b);
}

static void test_job_failed(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITLAB, "Job Hook", "gitlab/job.failed.json", &b, NULL),
                     WF_OK);
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_JOB);
    assert_string_equal(e->external_id, "1977");
    assert_string_equal(e->parent_id, "2366");
    assert_string_equal(e->name, "test");
    assert_string_equal(e->branch, "gitlab-script-trigger");
    assert_string_equal(e->sha, "2293ada6b400935a1378653304eaf6221e0fdb8f");
    assert_string_equal(e->status, "completed");
    assert_string_equal(e->conclusion, "failure");
    assert_string_equal(e->repo, "gitlab-org/gitlab-test");
    assert_string_equal(dstr(e, "stage"), "test");
    /* "2021-02-23T02:41:37.886Z" keeps its milliseconds */
    assert_string_equal(dstr(e, "created_at"), "2021-02-23T02:41:37.886Z");
    assert_string_equal(dstr(e, "completed_at"), "2021-02-23T02:43:12Z");
    wf_ingest_batch_cleanup(&b);
}

static void test_merge_request(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITLAB, "Merge Request Hook", "gitlab/merge_request.json", &b, NULL),
        WF_OK);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_PULL_REQUEST);
    assert_string_equal(e->repo, "gitlabhq/gitlab-test");
    assert_string_equal(e->external_id, "99");
    assert_int_equal(dint(e, "number"), 1);
    assert_string_equal(e->name, "MS-Viewport");
    assert_string_equal(e->action, "open");
    assert_string_equal(e->status, "open"); /* GitLab's "opened" */
    assert_string_equal(e->branch, "ms-viewport");
    assert_string_equal(e->sha, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
    assert_string_equal(dstr(e, "base"), "master");
    assert_true(json_is_false(json_object_get(e->data, "merged")));
    assert_true(dnull(e, "additions"));
    wf_ingest_batch_cleanup(&b);
}

static void test_push(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITLAB, "Push Hook", "gitlab/push.json", &b, NULL),
                     WF_OK);
    assert_int_equal(b.n_events, 2);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_CHANGE);
    assert_string_equal(e->repo, "mike/diaspora");
    assert_string_equal(e->branch, "master");
    assert_string_equal(e->sha, "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327");
    assert_string_equal(e->name, "Update Catalan translation to e38cb41.");
    assert_string_equal(dstr(e, "author"), "Jordi Mallach");
    /* 2011-12-12T14:27:31+02:00 */
    assert_string_equal(dstr(e, "timestamp"), "2011-12-12T12:27:31Z");
    assert_int_equal(dint(e, "added"), 1);
    assert_int_equal(dint(e, "modified"), 1);
    assert_int_equal(dint(e, "removed"), 0);
    wf_ingest_batch_cleanup(&b);
}

static void test_deployment(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITLAB, "Deployment Hook", "gitlab/deployment.json", &b, NULL),
        WF_OK);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_DEPLOYMENT);
    assert_string_equal(e->external_id, "15");
    assert_string_equal(e->name, "staging");
    assert_string_equal(e->status, "success");
    /* the full sha from commit_url, not short_sha */
    assert_string_equal(e->sha, "279484c09fbe69ededfced8c1bb6e6d24616b468");
    /* "2021-04-28 21:50:00 +0200" */
    assert_string_equal(dstr(e, "created_at"), "2021-04-28T19:50:00Z");
    assert_int_equal(e->occurred_ms, 1619639400000LL);
    assert_int_equal(dint(e, "job_id"), 796);
    wf_ingest_batch_cleanup(&b);
}

static void test_issue_incident(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITLAB, "Issue Hook", "gitlab/issue.incident.json", &b, NULL), WF_OK);
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_INCIDENT);
    assert_string_equal(e->external_id, "301");
    assert_int_equal(dint(e, "number"), 23);
    assert_string_equal(e->name, "New API: create/update/delete file");
    assert_string_equal(e->status, "open");
    assert_string_equal(dstr(e, "root_cause_sha"), "279484c09fbe69ededfced8c1bb6e6d24616b468");
    assert_string_equal(json_string_value(json_array_get(json_object_get(e->data, "labels"), 0)),
                        "API");
    wf_ingest_batch_cleanup(&b);

    /* a plain issue is ignored, as is a hook we do not map */
    assert_int_equal(norm_sample(WF_INGEST_GITLAB, "Issue Hook", "gitlab/issue.json", &b, NULL),
                     WF_OK);
    assert_int_equal(b.ignored, 1);
    assert_int_equal(b.n_events, 0);
    wf_ingest_batch_cleanup(&b);
    assert_int_equal(norm_sample(WF_INGEST_GITLAB, "Note Hook", "gitlab/issue.json", &b, NULL),
                     WF_OK);
    assert_int_equal(b.ignored, 1);
    wf_ingest_batch_cleanup(&b);
}

static void test_issue_label_incident(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    const char *body = "{\"object_kind\":\"issue\",\"project\":{\"path_with_namespace\":\"g/p\"},"
                       "\"object_attributes\":{\"id\":5,\"iid\":2,\"title\":\"Outage\","
                       "\"state\":\"closed\",\"issue_type\":\"issue\","
                       "\"closed_at\":\"2024-01-01 10:00:00 UTC\"},"
                       "\"labels\":[{\"id\":1,\"title\":\"INCIDENT\"}]}";
    assert_int_equal(norm_str(WF_INGEST_GITLAB, "Issue Hook", body, &b, NULL), WF_OK);
    assert_int_equal(b.n_events, 1);
    assert_int_equal(b.events[0].kind, WF_INGEST_INCIDENT);
    assert_string_equal(b.events[0].status, "closed");
    assert_string_equal(dstr(&b.events[0], "closed_at"), "2024-01-01T10:00:00Z");
    assert_true(dnull(&b.events[0], "root_cause_sha"));
    wf_ingest_batch_cleanup(&b);
}

static void test_status_mapping(void **state)
{
    (void)state;
    static const struct {
        const char *gitlab, *status, *conclusion;
    } cases[] = {
        {"created", "queued", ""},
        {"pending", "queued", ""},
        {"waiting_for_resource", "queued", ""},
        {"preparing", "queued", ""},
        {"scheduled", "queued", ""},
        {"running", "in_progress", ""},
        {"success", "completed", "success"},
        {"failed", "completed", "failure"},
        {"canceled", "completed", "cancelled"},
        {"skipped", "completed", "skipped"},
        {"manual", "completed", "action_required"},
        {"something_new", "queued", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[512];
        snprintf(body, sizeof(body),
                 "{\"build_id\":1,\"build_status\":\"%s\",\"project\":"
                 "{\"path_with_namespace\":\"g/p\"}}",
                 cases[i].gitlab);
        struct wf_ingest_batch b;
        assert_int_equal(norm_str(WF_INGEST_GITLAB, "Job Hook", body, &b, NULL), WF_OK);
        assert_string_equal(b.events[0].status, cases[i].status);
        assert_string_equal(b.events[0].conclusion, cases[i].conclusion);
        assert_string_equal(dstr(&b.events[0], "gitlab_status"), cases[i].gitlab);
        assert_string_equal(b.events[0].url, ""); /* no project.web_url */
        wf_ingest_batch_cleanup(&b);
    }
}

static void test_wrong_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *event, *body, *msg;
    } cases[] = {
        {"Pipeline Hook", "{\"project\":{\"path_with_namespace\":\"g/p\"}}",
         "object_attributes: missing"},
        {"Pipeline Hook",
         "{\"object_attributes\":{\"id\":1,\"status\":7},\"project\":{\"path_with_namespace\":"
         "\"g/p\"}}",
         "object_attributes.status: expected a string, found an integer"},
        {"Pipeline Hook",
         "{\"object_attributes\":{\"id\":1,\"status\":\"running\"},\"project\":{}}",
         "project.path_with_namespace: missing"},
        {"Pipeline Hook",
         "{\"object_attributes\":{\"id\":1,\"status\":\"running\"},\"project\":"
         "{\"path_with_namespace\":\"g/p\"},\"builds\":[{\"id\":\"x\",\"status\":\"failed\"}]}",
         "builds[0].id: expected an integer"},
        {"Job Hook", "{\"build_status\":\"failed\"}", "build_id: missing"},
        {"Job Hook",
         "{\"build_id\":3,\"build_status\":\"failed\",\"build_started_at\":\"2024-02-30 "
         "10:00:00 UTC\",\"project\":{\"path_with_namespace\":\"g/p\"}}",
         "build_started_at: expected an RFC 3339 timestamp"},
        {"Merge Request Hook", "{\"object_attributes\":[]}",
         "object_attributes: expected an object, found an array"},
        {"Push Hook",
         "{\"ref\":\"refs/heads/m\",\"project\":{\"path_with_namespace\":\"g/p\"},"
         "\"commits\":[{\"id\":\"abc\",\"added\":\"x\"}]}",
         "commits[0].added: expected an array"},
        {"Deployment Hook",
         "{\"status\":\"success\",\"project\":{\"path_with_namespace\":\"g/p\"}}",
         "deployment_id: missing"},
        {"Issue Hook", "{\"object_attributes\":{\"issue_type\":\"incident\"}}",
         "object_attributes.id: missing"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wf_ingest_batch b;
        struct wf_buf err;
        wf_buf_init(&err, 4096);
        assert_int_equal(norm_str(WF_INGEST_GITLAB, cases[i].event, cases[i].body, &b, &err),
                         WF_EFORMAT);
        assert_err_has(&err, cases[i].msg);
        assert_int_equal(b.n_events, 0);
        assert_null(b.events);
        wf_ingest_batch_cleanup(&b);
        wf_buf_cleanup(&err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_job_failed),
        cmocka_unit_test(test_merge_request),
        cmocka_unit_test(test_push),
        cmocka_unit_test(test_deployment),
        cmocka_unit_test(test_issue_incident),
        cmocka_unit_test(test_issue_label_incident),
        cmocka_unit_test(test_status_mapping),
        cmocka_unit_test(test_wrong_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
