/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GitHub deliveries: every sample in tests/data/webhooks/github normalizes
 * to the expected kind and fields (values read from the samples), events
 * we do not keep are ignored rather than refused, pushes are capped, and
 * wrong shapes are refused with the field named.
 */
#include "ingest_test.h"

static void test_workflow_run_completed(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITHUB, "workflow_run",
                                 "github/workflow_run.completed.json", &b, NULL),
                     WF_OK);
    assert_int_equal(b.ignored, 0);
    assert_int_equal(b.n_events, 1);
    assert_string_equal(b.event_type, "workflow_run");
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_BUILD);
    assert_string_equal(e->action, "completed");
    assert_string_equal(e->repo, "octo-org/octo-repo");
    assert_string_equal(e->branch, "master");
    assert_string_equal(e->sha, "3484a3fb816e0859fd6e1cea078d76385ff50625");
    assert_string_equal(e->external_id, "289782451");
    assert_string_equal(e->parent_id, "");
    assert_string_equal(e->name, "test"); /* run name is "", the workflow's is used */
    assert_string_equal(e->status, "completed");
    assert_string_equal(e->conclusion, "success");
    assert_string_equal(e->url, "https://github.com/octo-org/octo-repo/actions/runs/289782451");
    assert_int_equal(e->occurred_ms, 1601915629000LL); /* updated_at 2020-10-05T16:33:49Z */
    assert_string_equal(dstr(e, "kind"), "build");
    assert_string_equal(dstr(e, "provider"), "github");
    assert_int_equal(dint(e, "run_id"), 289782451);
    assert_int_equal(dint(e, "run_number"), 163);
    assert_string_equal(dstr(e, "event"), "repository_dispatch");
    assert_string_equal(dstr(e, "created_at"), "2020-10-05T16:33:24Z");
    wf_ingest_batch_cleanup(&b);
}

static void test_workflow_job_queued(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITHUB, "workflow_job", "github/workflow_job.queued.json", &b, NULL),
        WF_OK);
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_JOB);
    assert_string_equal(e->status, "queued");
    assert_string_equal(e->conclusion, "");
    assert_string_equal(e->name, "update");
    assert_string_equal(e->external_id, "289782451");
    assert_string_equal(e->parent_id, "2202229078");
    assert_true(dnull(e, "conclusion"));
    assert_true(dnull(e, "completed_at"));
    assert_int_equal(json_array_size(json_object_get(e->data, "steps")), 0);
    assert_int_equal(e->occurred_ms, 1631499673000LL); /* started_at 2021-09-13T02:21:13Z */
    wf_ingest_batch_cleanup(&b);
}

static void test_workflow_job_in_progress(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITHUB, "workflow_job",
                                 "github/workflow_job.in_progress.json", &b, NULL),
                     WF_OK);
    const struct wf_ingest_event *e = &b.events[0];
    assert_string_equal(e->status, "in_progress");
    assert_string_equal(e->name, "Analyze (javascript)");
    json_t *steps = json_object_get(e->data, "steps");
    assert_int_equal(json_array_size(steps), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(steps, 0), "status")),
                        "in_progress");
    wf_ingest_batch_cleanup(&b);
}

static void test_workflow_job_failure(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITHUB, "workflow_job",
                                 "github/workflow_job.completed.failure.json", &b, NULL),
                     WF_OK);
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_JOB);
    assert_string_equal(e->repo, "Codertocat/Hello-World");
    assert_string_equal(e->name, "linters");
    assert_string_equal(e->status, "completed");
    assert_string_equal(e->conclusion, "failure");
    assert_string_equal(e->sha, "3484a3fb816e0859fd6e1cea078d76385ff50625");
    assert_string_equal(e->url, "https://github.com/octo-org/octo-repo/runs/1291536064");
    assert_int_equal(e->occurred_ms, 1628159896000LL); /* completed_at 2021-08-05T10:38:16Z */
    assert_string_equal(dstr(e, "started_at"), "2021-08-05T10:34:58Z");
    assert_string_equal(dstr(e, "completed_at"), "2021-08-05T10:38:16Z");
    assert_string_equal(dstr(e, "runner"), "GitHub Actions 5");
    json_t *labels = json_object_get(e->data, "labels");
    assert_int_equal(json_array_size(labels), 1);
    assert_string_equal(json_string_value(json_array_get(labels, 0)), "ubuntu-latest");
    json_t *steps = json_object_get(e->data, "steps");
    assert_int_equal(json_array_size(steps), 8);
    json_t *failed = json_array_get(steps, 5);
    assert_string_equal(json_string_value(json_object_get(failed, "name")),
                        "Run yarn run format-check");
    assert_string_equal(json_string_value(json_object_get(failed, "conclusion")), "failure");
    assert_int_equal(json_integer_value(json_object_get(failed, "number")), 8);
    wf_ingest_batch_cleanup(&b);
}

static void test_check_run(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITHUB, "check_run", "github/check_run.completed.json", &b, NULL),
        WF_OK);
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_JOB);
    assert_string_equal(e->external_id, "check:128620228");
    assert_string_equal(e->name, "Octocoders-linter");
    assert_string_equal(e->branch, "changes");
    assert_string_equal(e->sha, "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
    assert_string_equal(e->status, "completed");
    assert_string_equal(e->conclusion, "success");
    assert_int_equal(dint(e, "check_suite_id"), 118578147);
    assert_string_equal(dstr(e, "app"), "octocoders-linter");
    wf_ingest_batch_cleanup(&b);
}

static void test_push(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITHUB, "push", "github/push.json", &b, NULL), WF_OK);
    assert_int_equal(b.n_events, 2);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_CHANGE);
    assert_string_equal(e->branch, "changes");
    assert_string_equal(e->sha, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
    assert_string_equal(e->external_id, e->sha);
    assert_string_equal(e->name, "Update README.md");
    assert_string_equal(dstr(e, "message"), "Update README.md\n\nExplain how to run the tests.");
    assert_string_equal(dstr(e, "author"), "Codertocat");
    /* 2019-05-15T15:20:30-04:00 */
    assert_string_equal(dstr(e, "timestamp"), "2019-05-15T19:20:30Z");
    assert_int_equal(e->occurred_ms, 1557948030000LL);
    assert_int_equal(dint(e, "modified"), 1);
    assert_int_equal(dint(e, "added"), 0);
    e = &b.events[1];
    assert_string_equal(e->sha, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
    assert_int_equal(dint(e, "added"), 2);
    assert_int_equal(dint(e, "removed"), 1);
    assert_int_equal(dint(e, "modified"), 0);
    wf_ingest_batch_cleanup(&b);
}

static void test_push_deleted(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITHUB, "push", "github/push.deleted.json", &b, NULL),
                     WF_OK);
    assert_int_equal(b.ignored, 1);
    assert_int_equal(b.n_events, 0);
    wf_ingest_batch_cleanup(&b);
}

static void test_pull_request_opened(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITHUB, "pull_request", "github/pull_request.opened.json", &b, NULL),
        WF_OK);
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_PULL_REQUEST);
    assert_string_equal(e->action, "opened");
    assert_string_equal(e->status, "open");
    assert_string_equal(e->name, "Update the README with new information.");
    assert_string_equal(e->external_id, "279147437");
    assert_string_equal(e->branch, "changes");
    assert_int_equal(dint(e, "number"), 2);
    assert_string_equal(dstr(e, "base"), "master");
    assert_string_equal(dstr(e, "head"), "changes");
    assert_string_equal(dstr(e, "author"), "Codertocat");
    assert_true(json_is_false(json_object_get(e->data, "merged")));
    assert_true(dnull(e, "merged_at"));
    assert_int_equal(dint(e, "additions"), 1);
    assert_int_equal(dint(e, "deletions"), 1);
    assert_int_equal(dint(e, "changed_files"), 1);
    wf_ingest_batch_cleanup(&b);
}

static void test_pull_request_merged(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITHUB, "pull_request",
                                 "github/pull_request.closed.merged.json", &b, NULL),
                     WF_OK);
    const struct wf_ingest_event *e = &b.events[0];
    assert_string_equal(e->action, "closed");
    assert_string_equal(e->status, "merged");
    assert_string_equal(dstr(e, "state"), "closed");
    assert_true(json_is_true(json_object_get(e->data, "merged")));
    assert_string_equal(dstr(e, "merged_at"), "2019-05-15T15:21:18Z");
    wf_ingest_batch_cleanup(&b);
}

static void test_deployment(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITHUB, "deployment", "github/deployment.created.json", &b, NULL),
        WF_OK);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_DEPLOYMENT);
    assert_string_equal(e->external_id, "145988746");
    assert_string_equal(e->name, "production");
    assert_string_equal(e->status, "created");
    assert_string_equal(e->sha, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e");
    assert_string_equal(e->branch, "master");
    assert_string_equal(dstr(e, "environment"), "production");
    assert_string_equal(dstr(e, "ref"), "master");
    assert_string_equal(dstr(e, "created_at"), "2019-05-15T15:20:53Z");
    wf_ingest_batch_cleanup(&b);
}

static void test_deployment_status(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(norm_sample(WF_INGEST_GITHUB, "deployment_status",
                                 "github/deployment_status.created.json", &b, NULL),
                     WF_OK);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_DEPLOYMENT);
    assert_string_equal(e->external_id, "145988746"); /* the deployment, not the status */
    assert_string_equal(e->status, "success");
    assert_string_equal(dstr(e, "status"), "success");
    assert_int_equal(dint(e, "status_id"), 209916254);
    assert_int_equal(e->occurred_ms, 1557933655000LL); /* the status's created_at */
    wf_ingest_batch_cleanup(&b);
}

static void test_issues_incident(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(
        norm_sample(WF_INGEST_GITHUB, "issues", "github/issues.labeled.incident.json", &b, NULL),
        WF_OK);
    assert_int_equal(b.ignored, 0);
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    assert_int_equal(e->kind, WF_INGEST_INCIDENT);
    assert_string_equal(e->external_id, "444500041");
    assert_string_equal(e->name, "Spelling error in the README file");
    assert_string_equal(e->status, "open");
    assert_string_equal(e->sha, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
    assert_string_equal(dstr(e, "root_cause_sha"), "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
    json_t *labels = json_object_get(e->data, "labels");
    assert_int_equal(json_array_size(labels), 2);
    assert_string_equal(json_string_value(json_array_get(labels, 1)), "Incident");
    assert_true(dnull(e, "closed_at"));
    wf_ingest_batch_cleanup(&b);
}

static void test_ignored(void **state)
{
    (void)state;
    static const struct {
        const char *event, *file;
    } cases[] = {
        {"issues", "github/issues.labeled.json"}, /* no incident label */
        {"ping", "github/ping.json"},
        {"star", "github/ping.json"}, /* any event we do not map */
        {"workflow_dispatch", "github/workflow_run.completed.json"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wf_ingest_batch b;
        assert_int_equal(norm_sample(WF_INGEST_GITHUB, cases[i].event, cases[i].file, &b, NULL),
                         WF_OK);
        assert_int_equal(b.ignored, 1);
        assert_int_equal(b.n_events, 0);
        assert_string_equal(b.event_type, cases[i].event);
        wf_ingest_batch_cleanup(&b);
    }
}

/* A payload edited in place: the named sample with one JSON change. */
static int norm_edited(const char *event, const char *file, const char *path_key, json_t *value,
                       struct wf_buf *err)
{
    size_t len;
    char *body = read_sample(file, &len);
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    assert_non_null(root);
    wf_free(body);
    /* path_key: "a.b" sets root[a][b]; "a" sets root[a] */
    char key[64];
    snprintf(key, sizeof(key), "%s", path_key);
    char *dot = strchr(key, '.');
    json_t *obj = root;
    if (dot) {
        *dot = '\0';
        obj = json_object_get(root, key);
        assert_non_null(obj);
        memmove(key, dot + 1, strlen(dot + 1) + 1);
    }
    if (value)
        json_object_set_new(obj, key, value);
    else
        json_object_del(obj, key);
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct wf_ingest_batch b;
    int rc = norm_str(WF_INGEST_GITHUB, event, text, &b, err);
    if (rc)
        assert_int_equal(b.n_events, 0);
    wf_ingest_batch_cleanup(&b);
    free(text);
    return rc;
}

static void test_wrong_shapes(void **state)
{
    (void)state;
    struct wf_buf err;
    wf_buf_init(&err, 4096);

    assert_int_equal(norm_edited("workflow_job", "github/workflow_job.queued.json",
                                 "workflow_job.id", json_string("289782451"), &err),
                     WF_EFORMAT);
    assert_err_has(&err, "workflow_job.id: expected an integer");
    wf_buf_reset(&err);

    assert_int_equal(
        norm_edited("workflow_job", "github/workflow_job.queued.json", "workflow_job", NULL, &err),
        WF_EFORMAT);
    assert_err_has(&err, "workflow_job: missing");
    wf_buf_reset(&err);

    assert_int_equal(norm_edited("workflow_job", "github/workflow_job.queued.json", "workflow_job",
                                 json_array(), &err),
                     WF_EFORMAT);
    assert_err_has(&err, "workflow_job: expected an object, found an array");
    wf_buf_reset(&err);

    assert_int_equal(norm_edited("workflow_run", "github/workflow_run.completed.json",
                                 "repository.full_name", json_integer(7), &err),
                     WF_EFORMAT);
    assert_err_has(&err, "repository.full_name: expected a string");
    wf_buf_reset(&err);

    assert_int_equal(norm_edited("workflow_job", "github/workflow_job.completed.failure.json",
                                 "workflow_job.started_at", json_string("last tuesday"), &err),
                     WF_EFORMAT);
    assert_err_has(&err, "workflow_job.started_at: expected an RFC 3339 timestamp");
    wf_buf_reset(&err);

    assert_int_equal(norm_edited("workflow_job", "github/workflow_job.completed.failure.json",
                                 "workflow_job.steps", json_string("x"), &err),
                     WF_EFORMAT);
    assert_err_has(&err, "workflow_job.steps: expected an array");
    wf_buf_reset(&err);

    assert_int_equal(norm_edited("pull_request", "github/pull_request.opened.json",
                                 "pull_request.merged", json_string("yes"), &err),
                     WF_EFORMAT);
    assert_err_has(&err, "pull_request.merged: expected a boolean");
    wf_buf_reset(&err);

    assert_int_equal(norm_edited("deployment_status", "github/deployment_status.created.json",
                                 "deployment_status.state", NULL, &err),
                     WF_EFORMAT);
    assert_err_has(&err, "deployment_status.state: missing");
    wf_buf_reset(&err);

    assert_int_equal(norm_edited("push", "github/push.json", "commits",
                                 json_pack("[{s:s},{s:i}]", "id", "abc", "id", 5), &err),
                     WF_EFORMAT);
    assert_err_has(&err, "commits[1].id: expected a string");
    wf_buf_reset(&err);

    /* a header GitHub always sends */
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "", "{}", &b, &err), WF_EFORMAT);
    assert_err_has(&err, "X-GitHub-Event");
    wf_ingest_batch_cleanup(&b);
    wf_buf_cleanup(&err);
}

static void test_push_cap(void **state)
{
    (void)state;
    json_t *commits = json_array();
    for (int i = 0; i < 2100; i++) {
        char id[41];
        snprintf(id, sizeof(id), "%040x", i + 1);
        json_array_append_new(commits, json_pack("{s:s,s:s,s:s}", "id", id, "message", "m",
                                                 "timestamp", "2024-01-01T00:00:00Z"));
    }
    json_t *root = json_pack("{s:s,s:o,s:{s:s}}", "ref", "refs/heads/main", "commits", commits,
                             "repository", "full_name", "o/r");
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "push", text, &b, NULL), WF_OK);
    assert_int_equal(b.n_events, 2048);
    assert_string_equal(b.events[2047].sha, "0000000000000000000000000000000000000800");
    assert_string_equal(b.events[0].branch, "main");
    wf_ingest_batch_cleanup(&b);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workflow_run_completed),
        cmocka_unit_test(test_workflow_job_queued),
        cmocka_unit_test(test_workflow_job_in_progress),
        cmocka_unit_test(test_workflow_job_failure),
        cmocka_unit_test(test_check_run),
        cmocka_unit_test(test_push),
        cmocka_unit_test(test_push_deleted),
        cmocka_unit_test(test_pull_request_opened),
        cmocka_unit_test(test_pull_request_merged),
        cmocka_unit_test(test_deployment),
        cmocka_unit_test(test_deployment_status),
        cmocka_unit_test(test_issues_incident),
        cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_wrong_shapes),
        cmocka_unit_test(test_push_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
