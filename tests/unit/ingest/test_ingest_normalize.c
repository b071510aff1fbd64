/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provider-independent normalization: bodies that are not JSON, not an
 * object, carry duplicate keys, nest too deep or exceed the size cap are
 * refused with the right code and message; secrets planted in commit
 * messages, branch names, PR titles and step names never reach an event
 * or its data; long strings are cut at a character boundary; timestamps in
 * every accepted shape parse to the same instant whatever the process time
 * zone, and malformed ones are refused.
 */
#include "ingest_test.h"

#include <time.h>

#include "ingest/ingest_int.h"

/* A GitHub token shape the redactor knows (github-token rule). */
#define TOKEN "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"

static void test_not_json(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "push", "{\"ref\": nope}", &b, &err), WF_EFORMAT);
    assert_err_has(&err, "body is not JSON: ");
    assert_err_has(&err, "at line 1 column");
    assert_int_equal(b.n_events, 0);
    assert_null(b.events);
    wf_ingest_batch_cleanup(&b);

    wf_buf_reset(&err);
    assert_int_equal(norm_str(WF_INGEST_GITLAB, "Push Hook", "{\n\"a\": 1,\n\"b\": }", &b, &err),
                     WF_EFORMAT);
    assert_err_has(&err, "at line 3 column");
    wf_ingest_batch_cleanup(&b);

    wf_buf_reset(&err);
    assert_int_equal(norm_str(WF_INGEST_GENERIC, "", "", &b, &err), WF_EFORMAT);
    assert_err_has(&err, "body is not JSON");
    wf_ingest_batch_cleanup(&b);

    wf_buf_reset(&err);
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "ping", "[1,2]", &b, &err), WF_EFORMAT);
    assert_err_has(&err, "body: expected a JSON object, found an array");
    wf_ingest_batch_cleanup(&b);

    wf_buf_reset(&err);
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "ping", "{\"zen\":1,\"zen\":2}", &b, &err),
                     WF_EFORMAT);
    assert_err_has(&err, "duplicate");
    wf_ingest_batch_cleanup(&b);

    /* \u0000 inside a string is refused by the parser: no NUL reaches C */
    wf_buf_reset(&err);
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "ping", "{\"zen\":\"a\\u0000b\"}", &b, &err),
                     WF_EFORMAT);
    wf_ingest_batch_cleanup(&b);
    wf_buf_cleanup(&err);
}

static void test_too_big(void **state)
{
    (void)state;
    size_t len = WF_LIMIT_WEBHOOK_BYTES + 1;
    char *body = malloc(len);
    assert_non_null(body);
    memset(body, ' ', len);
    body[0] = '{';
    body[len - 1] = '}';
    struct wf_redactor *r = test_redactor();
    struct wf_ingest_batch b;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    assert_int_equal(wf_ingest_normalize(WF_INGEST_GITHUB, "ping", body, len, r, &b, &err),
                     WF_ETOOBIG);
    assert_err_has(&err, "more than the");
    wf_ingest_batch_cleanup(&b);
    /* exactly at the cap is fine */
    assert_int_equal(wf_ingest_normalize(WF_INGEST_GITHUB, "ping", body, len - 1, r, &b, NULL),
                     WF_EFORMAT); /* "{   ..." without its brace: not JSON, but not too big */
    wf_ingest_batch_cleanup(&b);
    body[len - 2] = '}';
    assert_int_equal(wf_ingest_normalize(WF_INGEST_GITHUB, "ping", body, len - 1, r, &b, NULL),
                     WF_OK);
    assert_int_equal(b.ignored, 1);
    wf_ingest_batch_cleanup(&b);
    wf_buf_cleanup(&err);
    wf_redact_free(r);
    free(body);
}

static void test_too_deep(void **state)
{
    (void)state;
    struct wf_buf t, err;
    wf_buf_init(&t, 1 << 20);
    wf_buf_init(&err, 4096);
    wf_buf_puts(&t, "{\"a\":");
    for (int i = 0; i < 100; i++)
        wf_buf_putc(&t, '[');
    for (int i = 0; i < 100; i++)
        wf_buf_putc(&t, ']');
    wf_buf_putc(&t, '}');
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "ping", t.p, &b, &err), WF_EFORMAT);
    assert_err_has(&err, "nested deeper than 64");
    wf_ingest_batch_cleanup(&b);
    wf_buf_cleanup(&t);
    wf_buf_cleanup(&err);
}

static void test_bad_args(void **state)
{
    (void)state;
    struct wf_ingest_batch b;
    assert_int_equal(wf_ingest_normalize(WF_INGEST_GITHUB, "ping", "{}", 2, NULL, &b, NULL),
                     WF_EINVAL);
    assert_int_equal(b.n_events, 0);
    wf_ingest_batch_cleanup(&b);
    wf_ingest_batch_cleanup(NULL);
    assert_string_equal(wf_ingest_kind_name(WF_INGEST_PULL_REQUEST), "pull_request");
    assert_string_equal(wf_ingest_kind_name(WF_INGEST_INCIDENT), "incident");
    assert_string_equal(wf_ingest_provider_name(WF_INGEST_GITLAB), "gitlab");
}

/* Every string of the batch with the token gone and a placeholder in. */
static void assert_clean(const struct wf_ingest_batch *b, size_t min_placeholders)
{
    char *all = batch_text(b);
    if (strstr(all, TOKEN) || strstr(all, "A1b2C3d4E5f6G7h8"))
        fail_msg("secret survived: %s", all);
    size_t n = 0;
    for (const char *p = all; (p = strstr(p, "[REDACTED:")) != NULL; p++)
        n++;
    if (n < min_placeholders)
        fail_msg("%zu placeholders, want %zu: %s", n, min_placeholders, all);
    wf_free(all);
}

static void test_redact_push(void **state)
{
    (void)state;
    json_t *root =
        json_pack("{s:s,s:[{s:s,s:s,s:s,s:{s:s}}],s:{s:s}}", "ref", "refs/heads/leak-" TOKEN,
                  "commits", "id", "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "message",
                  "rotate credentials\n\nold token: " TOKEN "\nDB_PASSWORD=hunter2hunter2",
                  "timestamp", "2024-01-01T00:00:00Z", "author", "name",
                  "Jane <jane.doe@example.com>", "repository", "full_name", "o/r");
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "push", text, &b, NULL), WF_OK);
    assert_int_equal(b.n_events, 1);
    const struct wf_ingest_event *e = &b.events[0];
    /* the branch (event field and data) and the message lose the token */
    assert_non_null(strstr(e->branch, "[REDACTED:"));
    assert_null(strstr(e->branch, TOKEN));
    assert_non_null(strstr(dstr(e, "branch"), "leak-[REDACTED:"));
    const char *msg = dstr(e, "message");
    assert_non_null(strstr(msg, "rotate credentials\n\nold token: [REDACTED:"));
    assert_null(strstr(msg, "hunter2hunter2"));
    assert_null(strstr(dstr(e, "author"), "jane.doe@example.com"));
    assert_string_equal(e->name, "rotate credentials");
    assert_clean(&b, 4);
    wf_ingest_batch_cleanup(&b);
    free(text);
}

static void test_redact_pull_request(void **state)
{
    (void)state;
    size_t len;
    char *body = read_sample("github/pull_request.opened.json", &len);
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    wf_free(body);
    json_t *pr = json_object_get(root, "pull_request");
    json_object_set_new(pr, "title", json_string("Use token " TOKEN " for CI"));
    json_object_set_new(json_object_get(pr, "head"), "ref", json_string("fix/" TOKEN));
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "pull_request", text, &b, NULL), WF_OK);
    const struct wf_ingest_event *e = &b.events[0];
    assert_non_null(strstr(e->name, "Use token [REDACTED:"));
    assert_non_null(strstr(dstr(e, "title"), "[REDACTED:"));
    assert_non_null(strstr(e->branch, "fix/[REDACTED:"));
    assert_clean(&b, 4);
    wf_ingest_batch_cleanup(&b);
    free(text);
}

static void test_redact_job_and_gitlab(void **state)
{
    (void)state;
    /* a step name and a job name, GitHub */
    json_t *root = json_pack("{s:{s:i,s:i,s:s,s:s,s:[{s:s,s:i}]},s:{s:s}}", "workflow_job", "id", 1,
                             "run_id", 2, "status", "completed", "name", "deploy " TOKEN, "steps",
                             "name", "echo " TOKEN, "number", 1, "repository", "full_name", "o/r");
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "workflow_job", text, &b, NULL), WF_OK);
    assert_clean(&b, 3);
    wf_ingest_batch_cleanup(&b);
    free(text);

    /* a GitLab merge request title and a pipeline ref */
    root = json_pack("{s:{s:i,s:i,s:s,s:s,s:s},s:{s:s}}", "object_attributes", "id", 1, "iid", 2,
                     "state", "opened", "title", "WIP " TOKEN, "source_branch", "x-" TOKEN,
                     "project", "path_with_namespace", "g/p");
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    assert_int_equal(norm_str(WF_INGEST_GITLAB, "Merge Request Hook", text, &b, NULL), WF_OK);
    assert_clean(&b, 4);
    wf_ingest_batch_cleanup(&b);
    free(text);
}

/* A private key opened in a commit message and never closed must not
 * spill into the next string: each string is redacted on its own. */
static void test_redact_block_contained(void **state)
{
    (void)state;
    json_t *root =
        json_pack("{s:s,s:[{s:s,s:s,s:s}],s:{s:s}}", "ref", "refs/heads/main", "commits", "id",
                  "abc1234", "message", "oops\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7",
                  "url", "https://example.com/c/abc1234", "repository", "full_name", "o/r");
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "push", text, &b, NULL), WF_OK);
    const struct wf_ingest_event *e = &b.events[0];
    assert_null(strstr(dstr(e, "message"), "MIIEowIBAAKCAQEA7"));
    assert_string_equal(e->url, "https://example.com/c/abc1234");
    assert_string_equal(dstr(e, "url"), "https://example.com/c/abc1234");
    wf_ingest_batch_cleanup(&b);
    free(text);
}

static void test_long_strings(void **state)
{
    (void)state;
    /* a 100 KiB message of 3-byte characters is cut at a character */
    size_t n = 100 * 1024 / 3;
    char *msg = malloc(n * 3 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(msg + 3 * i, "\xe2\x82\xac", 3); /* U+20AC */
    msg[n * 3] = '\0';
    json_t *root = json_pack("{s:s,s:[{s:s,s:s}],s:{s:s}}", "ref", "refs/heads/main", "commits",
                             "id", "abc1234", "message", msg, "repository", "full_name", "o/r");
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "push", text, &b, NULL), WF_OK);
    const char *m = dstr(&b.events[0], "message"); /* a json string: valid UTF-8 */
    size_t ml = strlen(m);
    assert_true(ml <= WF_INGEST_MAX_TEXT_BYTES);
    assert_true(ml > WF_INGEST_MAX_TEXT_BYTES - 8);
    assert_string_equal(m + ml - 3, "...");
    assert_int_equal((ml - 3) % 3, 0);
    /* the title (first line) has the identifier cap */
    assert_true(strlen(b.events[0].name) <= WF_INGEST_MAX_STR_BYTES);
    wf_ingest_batch_cleanup(&b);
    free(text);
    free(msg);
}

static int64_t parse(const char *s)
{
    int64_t ms = 42;
    if (wf_ingest__parse_time(s, &ms) != 0)
        fail_msg("did not parse: %s", s);
    return ms;
}

static void check_times(void)
{
    const int64_t t = 1704103200000LL; /* 2024-01-01T10:00:00Z */
    assert_int_equal(parse("2024-01-01T10:00:00Z"), t);
    assert_int_equal(parse("2024-01-01t10:00:00z"), t);
    assert_int_equal(parse("2024-01-01 10:00:00 UTC"), t);
    assert_int_equal(parse("2024-01-01T11:00:00.000+01:00"), t);
    assert_int_equal(parse("2024-01-01 12:00:00 +0200"), t);
    assert_int_equal(parse("2024-01-01T04:30:00-05:30"), t);
    assert_int_equal(parse("2024-01-01T10:00Z"), t); /* seconds optional */
    assert_int_equal(parse("2024-01-01T10:00:00+00"), t);
    assert_int_equal(parse("2024-01-01T10:00:00.5Z"), t + 500);
    assert_int_equal(parse("2024-01-01T10:00:00.123456789Z"), t + 123);
    assert_int_equal(parse("2024-01-01T10:00:00,25Z"), t + 250);
    assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse("1969-12-31T23:59:59.999Z"), -1);
    assert_int_equal(parse("2024-02-29T00:00:00Z"), 1709164800000LL);
    assert_int_equal(parse("2000-02-29T00:00:00Z"), 951782400000LL);
    assert_int_equal(parse("2016-12-31T23:59:60Z"), 1483228800000LL);      /* leap second */
    assert_int_equal(parse("2024-01-01T00:30:00+01:00"), 1704065400000LL); /* previous day */

    static const char *const bad[] = {
        "",
        "2024-01-01",
        "2024-01-01T10:00:00",  /* no zone */
        "2024-01-01T10:00:00 ", /* blank, no zone */
        "2024-13-01T10:00:00Z", /* month */
        "2024-00-10T10:00:00Z",
        "2023-02-29T10:00:00Z",            /* not a leap year */
        "1900-02-29T10:00:00Z",            /* not a leap year either */
        "2024-04-31T10:00:00Z",            /* April has 30 */
        "2024-01-01T24:00:00Z",            /* hour */
        "2024-01-01T10:60:00Z",            /* minute */
        "2024-01-01T10:00:61Z",            /* second */
        "2024-01-01T10:00:00.Z",           /* empty fraction */
        "2024-01-01T10:00:00.1234567890Z", /* more than nanoseconds */
        "2024-01-01T10:00:00+24:00",
        "2024-01-01T10:00:00+01:60",
        "2024-01-01T10:00:00+1",
        "2024-01-01T10:00:00+0100x",
        "2024-01-01T10:00:00Zjunk",
        "2024-01-01T10:00:00 GMT",
        "24-01-01T10:00:00Z",
        "2024/01/01T10:00:00Z",
        "2024-01-01X10:00:00Z",
        "1704103200",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms = 42;
        if (wf_ingest__parse_time(bad[i], &ms) == 0)
            fail_msg("accepted: \"%s\"", bad[i]);
        assert_int_equal(ms, 42);
    }
}

static void test_time_parse(void **state)
{
    (void)state;
    check_times();
    /* the process time zone plays no part */
    const char *old = getenv("TZ");
    char *saved = old ? wf_strndup(old, strlen(old)) : NULL;
    setenv("TZ", "America/St_Johns", 1);
    tzset();
    check_times();
    setenv("TZ", "Asia/Kolkata", 1);
    tzset();
    check_times();
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    wf_free(saved);
}

static void test_time_format(void **state)
{
    (void)state;
    char buf[40];
    wf_ingest__format_time(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    wf_ingest__format_time(-1, buf, sizeof(buf));
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
    wf_ingest__format_time(1709164800123LL, buf, sizeof(buf));
    assert_string_equal(buf, "2024-02-29T00:00:00.123Z");
    /* round trip over a spread of instants */
    for (int64_t ms = -5000000000000LL; ms < 5000000000000LL; ms += 123456789012LL) {
        int64_t back;
        wf_ingest__format_time(ms, buf, sizeof(buf));
        assert_int_equal(wf_ingest__parse_time(buf, &back), 0);
        assert_int_equal(back, ms);
    }
}

static void test_root_cause(void **state)
{
    (void)state;
    char sha[41];
    assert_int_equal(wf_ingest__root_cause("Root cause: ABCDEF1234567", sha), 1);
    assert_string_equal(sha, "abcdef1234567");
    assert_int_equal(wf_ingest__root_cause("x\nroot cause : `279484c0`\n", sha), 1);
    assert_string_equal(sha, "279484c0");
    assert_int_equal(wf_ingest__root_cause("root cause: unknown", sha), 0);
    assert_int_equal(wf_ingest__root_cause("root cause: abc12", sha), 0);    /* too short */
    assert_int_equal(wf_ingest__root_cause("root cause: abc1234z", sha), 0); /* not a sha */
    assert_int_equal(
        wf_ingest__root_cause("root cause: 279484c09fbe69ededfced8c1bb6e6d24616b4681", sha),
        0); /* 41 digits */
    assert_int_equal(wf_ingest__root_cause("the root cause was DNS; root cause: 1234567", sha), 1);
    assert_string_equal(sha, "1234567");
    assert_int_equal(wf_ingest__root_cause(NULL, sha), 0);
}

static void test_github_status(void **state)
{
    (void)state;
    assert_string_equal(wf_ingest__github_status("queued", 0), "queued");
    assert_string_equal(wf_ingest__github_status("waiting", 0), "queued");
    assert_string_equal(wf_ingest__github_status("requested", 0), "queued");
    assert_string_equal(wf_ingest__github_status("pending", 0), "queued");
    assert_string_equal(wf_ingest__github_status("in_progress", 0), "in_progress");
    assert_string_equal(wf_ingest__github_status("completed", 1), "completed");
    /* a status GitHub invents later: over when it has a conclusion */
    assert_string_equal(wf_ingest__github_status("expired", 1), "completed");
    assert_string_equal(wf_ingest__github_status("expired", 0), "queued");
    assert_string_equal(wf_ingest__github_status(NULL, 0), "queued");

    /* and through a delivery: "waiting" (environment protection rules) */
    struct wf_ingest_batch b;
    assert_int_equal(norm_str(WF_INGEST_GITHUB, "workflow_job",
                              "{\"workflow_job\":{\"id\":1,\"run_id\":2,\"status\":\"waiting\"},"
                              "\"repository\":{\"full_name\":\"o/r\"}}",
                              &b, NULL),
                     WF_OK);
    assert_string_equal(b.events[0].status, "queued");
    assert_int_equal(b.events[0].occurred_ms, 0);
    wf_ingest_batch_cleanup(&b);
}

/* Failing the Nth allocation anywhere in a normalization gives WF_ENOMEM
 * and an empty batch, or (past the last allocation) the full result; never
 * a crash, a leak or a half batch. */
static void test_alloc_failures(void **state)
{
    (void)state;
    static const struct {
        enum wf_ingest_provider p;
        const char *event, *file;
        size_t n_events;
    } cases[] = {
        {WF_INGEST_GITLAB, "Pipeline Hook", "gitlab/pipeline.json", 6},
        {WF_INGEST_GITHUB, "push", "github/push.json", 2},
        {WF_INGEST_GENERIC, "", "generic/batch.json", 3},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        size_t len;
        char *body = read_sample(cases[c].file, &len);
        struct wf_redactor *r = test_redactor();
        int ok = 0, failures = 0;
        for (long n = 0; n < 2000 && !ok; n++) {
            struct wf_ingest_batch b;
            wf_alloc_fail_after(n);
            int rc = wf_ingest_normalize(cases[c].p, cases[c].event, body, len, r, &b, NULL);
            wf_alloc_fail_after(-1);
            if (rc == WF_OK) {
                assert_int_equal(b.n_events, cases[c].n_events);
                ok = 1;
            } else {
                assert_int_equal(rc, WF_ENOMEM);
                failures++;
                assert_int_equal(b.n_events, 0);
                assert_null(b.events);
            }
            wf_ingest_batch_cleanup(&b);
        }
        assert_true(ok);
        if (failures < 3)
            fail_msg("%s: only %d allocation failures seen", cases[c].file, failures);
        /* the redactor is still usable after all those failures */
        struct wf_ingest_batch b;
        assert_int_equal(wf_ingest_normalize(cases[c].p, cases[c].event, body, len, r, &b, NULL),
                         WF_OK);
        assert_int_equal(b.n_events, cases[c].n_events);
        wf_ingest_batch_cleanup(&b);
        wf_redact_free(r);
        wf_free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_too_deep),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_redact_push),
        cmocka_unit_test(test_redact_pull_request),
        cmocka_unit_test(test_redact_job_and_gitlab),
        cmocka_unit_test(test_redact_block_contained),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_root_cause),
        cmocka_unit_test(test_github_status),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
