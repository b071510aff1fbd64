/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the GitHub/GitLab client against tests/tools/fake_provider.py
 * (started here with fork/exec on an ephemeral port): log download through
 * GitHub's cross-host redirect without the token, GitLab traces with encoded
 * project paths, status and transport errors, the byte cap, timeouts, sink
 * errors, review bodies as the fake recorded them, input checks that make no
 * request, allocation failures, and the token never in a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "provider/provider.h"
#include "risk/risk.h"
#include "provider/provider_int.h"

#define GH_TOKEN "ghs_fakeGitHubToken123"
#define GL_TOKEN "glpat-fakeGitLabToken45"

static pid_t server_pid = -1;
static int port;
static char dir[64];
static char github_api[128], gitlab_api[128];
static char big_log_path[128];
static struct wf_buf big_log; /* contents of <dir>/4242.log */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the fake server -------------------------------------------------------- */

static int write_big_log(void)
{
    FILE *f;
    wf_buf_init(&big_log, 8u << 20);
    /* several curl buffers' worth, with UTF-8, NUL and CRLF bytes */
    for (int i = 0; i < 20000; i++)
        if (wf_buf_appendf(&big_log, "2024-05-01T10:00:%02d.1234567Z step %d: caf\xc3\xa9 %c\r\n",
                           i % 60, i, i % 2 ? 'x' : 'y'))
            return -1;
    if (wf_buf_append(&big_log, "\0tail\n", 6))
        return -1;
    snprintf(big_log_path, sizeof(big_log_path), "%s/4242.log", dir);
    f = fopen(big_log_path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(big_log.p, 1, big_log.len, f);
    return fclose(f) == 0 && n == big_log.len ? 0 : -1;
}

static int setup(void **state)
{
    char portfile[128], script[WF_LIMIT_PATH_BYTES], parent[32];
    (void)state;
    if (wf_provider_global_init())
        return -1;
    snprintf(dir, sizeof(dir), "/tmp/wf-provider-XXXXXX");
    if (!mkdtemp(dir) || write_big_log())
        return -1;
    snprintf(portfile, sizeof(portfile), "%s/port", dir);
    snprintf(script, sizeof(script), "%s/tests/tools/fake_provider.py", WF_SOURCE_DIR);
    snprintf(parent, sizeof(parent), "%ld", (long)getpid());
    server_pid = fork();
    if (server_pid < 0)
        return -1;
    if (server_pid == 0) {
        execlp("python3", "python3", script, "--port", "0", "--portfile", portfile, "--log-dir",
               dir, "--github-token", GH_TOKEN, "--gitlab-token", GL_TOKEN, "--parent-pid", parent,
               (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* 10 s */
        FILE *f = fopen(portfile, "r");
        if (f) {
            int ok = fscanf(f, "%d", &port) == 1;
            fclose(f);
            if (ok && port > 0)
                break;
        }
        if (waitpid(server_pid, NULL, WNOHANG) == server_pid) {
            server_pid = -1;
            fprintf(stderr, "fake_provider.py exited early\n");
            return -1;
        }
        sleep_ms(50);
    }
    if (port <= 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = -1;
        return -1;
    }
    /* a trailing slash on one base checks that it is tolerated */
    snprintf(github_api, sizeof(github_api), "http://127.0.0.1:%d/", port);
    snprintf(gitlab_api, sizeof(gitlab_api), "http://127.0.0.1:%d/api/v4", port);
    return 0;
}

static int teardown(void **state)
{
    char p[128];
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    unlink(big_log_path);
    snprintf(p, sizeof(p), "%s/port", dir);
    unlink(p);
    rmdir(dir);
    wf_buf_cleanup(&big_log);
    wf_provider_global_cleanup();
    return 0;
}

static size_t to_buf(char *p, size_t size, size_t nmemb, void *ud)
{
    return wf_buf_append(ud, p, size * nmemb) ? 0 : size * nmemb;
}

/* A request to the fake's own routes, straight through libcurl. */
static json_t *fake(const char *method, const char *path)
{
    char url[256];
    struct wf_buf b;
    json_t *j = NULL;
    CURL *h = curl_easy_init();
    assert_non_null(h);
    wf_buf_init(&b, 64u << 20);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_buf);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_cleanup(h);
    j = json_loadb(b.p, b.len, 0, NULL);
    assert_non_null(j);
    wf_buf_cleanup(&b);
    return j;
}

static void reset(void)
{
    json_decref(fake("POST", "/_reset"));
}

/* Recorded requests; free with json_decref. */
static json_t *requests(void)
{
    json_t *j = fake("GET", "/_requests");
    assert_true(json_is_array(j));
    return j;
}

static size_t n_requests(void)
{
    json_t *j = requests();
    size_t n = json_array_size(j);
    json_decref(j);
    return n;
}

static const char *field(json_t *req, const char *key)
{
    return json_string_value(json_object_get(req, key));
}

static const char *header(json_t *req, const char *name)
{
    return json_string_value(json_object_get(json_object_get(req, "headers"), name));
}

/* ---- the client ------------------------------------------------------------- */

static struct wf_provider_config config(void)
{
    struct wf_provider_config c = {github_api, GH_TOKEN, gitlab_api, GL_TOKEN, 5000, 0};
    return c;
}

struct collect {
    struct wf_buf b;
    int calls;   /* sink calls */
    int fail_at; /* call number that returns fail_rc; 0 = never */
    int fail_rc; /* code returned then */
};

static int collect_sink(void *ud, const char *chunk, size_t n)
{
    struct collect *c = ud;
    c->calls++;
    if (c->fail_at && c->calls == c->fail_at)
        return c->fail_rc;
    return wf_buf_append(&c->b, chunk, n);
}

/* No error message ever carries a token. */
static void assert_clean(const struct wf_buf *err)
{
    if (err->len) {
        assert_null(strstr(err->p, GH_TOKEN));
        assert_null(strstr(err->p, GL_TOKEN));
        assert_null(strstr(err->p, "s3cr3t-blob-signature"));
    }
}

/* Fetches a log into c (initialised here); returns the code, err filled. */
static int fetch(const struct wf_provider_config *cfg, const char *provider, const char *repo,
                 const char *job, struct collect *c, struct wf_buf *err)
{
    wf_buf_init(&c->b, 128u << 20);
    wf_buf_init(err, 4096);
    c->calls = 0;
    int rc = wf_provider_fetch_log(cfg, provider, repo, job, collect_sink, c, err);
    assert_clean(err);
    return rc;
}

static void done(struct collect *c, struct wf_buf *err)
{
    wf_buf_cleanup(&c->b);
    wf_buf_cleanup(err);
}

/* Pull/merge request diffs: GitHub's raw diff as served, GitLab's JSON
 * entries turned back into a diff the project's parser reads the same. */
static const char pr_diff[] = "diff --git a/src/app.c b/src/app.c\n"
                              "index 1111111..2222222 100644\n"
                              "--- a/src/app.c\n"
                              "+++ b/src/app.c\n"
                              "@@ -1,2 +1,3 @@\n"
                              " int main(void) {\n"
                              "+    system(getenv(\"CMD\"));\n"
                              "     return 0;\n"
                              "diff --git a/docs/new.md b/docs/new.md\n"
                              "new file mode 100644\n"
                              "--- /dev/null\n"
                              "+++ b/docs/new.md\n"
                              "@@ -0,0 +1 @@\n"
                              "+hello\n";

static void test_pull_request_diffs(void **state)
{
    (void)state;
    char path[WF_LIMIT_PATH_BYTES];
    snprintf(path, sizeof(path), "%s/pr-7.diff", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(pr_diff, f);
    fclose(f);
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    reset();
    wf_buf_init(&c.b, 1u << 20);
    wf_buf_init(&err, 4096);
    assert_int_equal(
        wf_provider_fetch_diff(&cfg, "github", "octo-org/app", "7", collect_sink, &c, &err), WF_OK);
    assert_int_equal(c.b.len, strlen(pr_diff));
    assert_memory_equal(c.b.p, pr_diff, c.b.len);
    json_t *r = requests();
    assert_string_equal(field(json_array_get(r, 0), "path"), "/repos/octo-org/app/pulls/7");
    assert_string_equal(header(json_array_get(r, 0), "accept"), "application/vnd.github.diff");
    json_decref(r);
    wf_buf_cleanup(&c.b);

    wf_buf_init(&c.b, 1u << 20);
    assert_int_equal(
        wf_provider_fetch_diff(&cfg, "gitlab", "group/app", "7", collect_sink, &c, &err), WF_OK);
    struct wf_risk_diff a, b;
    wf_risk_diff_init(&a);
    wf_risk_diff_init(&b);
    assert_int_equal(wf_risk_diff_parse(pr_diff, strlen(pr_diff), &a, NULL, NULL), WF_OK);
    assert_int_equal(wf_risk_diff_parse(c.b.p, c.b.len, &b, NULL, NULL), WF_OK);
    assert_int_equal(a.n_files, b.n_files);
    for (size_t i = 0; i < a.n_files; i++) {
        assert_string_equal(a.files[i].new_path, b.files[i].new_path);
        assert_int_equal(a.files[i].added, b.files[i].added);
        assert_int_equal(a.files[i].deleted, b.files[i].deleted);
    }
    wf_risk_diff_cleanup(&a);
    wf_risk_diff_cleanup(&b);
    wf_buf_cleanup(&c.b);
    /* an unknown pull request is WF_ENOENT on both */
    wf_buf_init(&c.b, 1u << 20);
    assert_int_equal(
        wf_provider_fetch_diff(&cfg, "github", "octo-org/app", "8", collect_sink, &c, &err),
        WF_ENOENT);
    assert_int_equal(
        wf_provider_fetch_diff(&cfg, "gitlab", "group/app", "8", collect_sink, &c, &err),
        WF_ENOENT);
    wf_buf_cleanup(&c.b);
    wf_buf_cleanup(&err);
    unlink(path);
}

static void test_github_log_through_redirect(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    char want[64];
    (void)state;
    reset();
    assert_int_equal(fetch(&cfg, "github", "octo-org/hello.world_1", "4242", &c, &err), WF_OK);
    assert_int_equal(c.b.len, big_log.len);
    assert_memory_equal(c.b.p, big_log.p, big_log.len);
    assert_true(c.calls > 1); /* streamed, not buffered whole */

    json_t *r = requests();
    assert_int_equal(json_array_size(r), 2);
    json_t *api = json_array_get(r, 0), *blob = json_array_get(r, 1);
    assert_string_equal(field(api, "method"), "GET");
    assert_string_equal(field(api, "path"), "/repos/octo-org/hello.world_1/actions/jobs/4242/logs");
    assert_string_equal(header(api, "authorization"), "Bearer " GH_TOKEN);
    assert_string_equal(header(api, "accept"), "application/vnd.github+json");
    assert_string_equal(header(api, "x-github-api-version"), "2022-11-28");
    assert_non_null(header(api, "user-agent"));
    assert_true(strncmp(header(api, "user-agent"), "workflowai/", 11) == 0);
    /* the blob lives on another host: no token, no API headers */
    assert_string_equal(field(blob, "path"), "/blob/4242?sig=s3cr3t-blob-signature");
    snprintf(want, sizeof(want), "localhost:%d", port);
    assert_string_equal(header(blob, "host"), want);
    assert_null(header(blob, "authorization"));
    assert_null(header(blob, "private-token"));
    assert_null(header(blob, "x-github-api-version"));
    json_decref(r);
    done(&c, &err);

    /* a generated log, and the log directory's file through the same route */
    assert_int_equal(fetch(&cfg, "github", "o/r", "1000", &c, &err), WF_OK);
    assert_string_equal(c.b.p, "job 1000 line 1\n##[error]Process completed with exit code 1.\n");
    done(&c, &err);
}

static void test_github_same_origin_redirect_keeps_token(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    (void)state;
    reset();
    assert_int_equal(fetch(&cfg, "github", "o/r", "9000006", &c, &err), WF_OK);
    assert_string_equal(c.b.p, "same-origin log\n");
    json_t *r = requests();
    assert_int_equal(json_array_size(r), 2);
    assert_string_equal(field(json_array_get(r, 1), "path"), "/same/9000006");
    assert_string_equal(header(json_array_get(r, 1), "authorization"), "Bearer " GH_TOKEN);
    json_decref(r);
    done(&c, &err);
}

static void test_gitlab_trace_encoded_path(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    (void)state;
    reset();
    assert_int_equal(fetch(&cfg, "gitlab", "group/sub.team/my-project", "1002", &c, &err), WF_OK);
    assert_string_equal(c.b.p, "job 1002 line 1\njob 1002 line 2\njob 1002 line 3\n"
                               "##[error]Process completed with exit code 1.\n");
    done(&c, &err);
    assert_int_equal(fetch(&cfg, "gitlab", "12345", "4242", &c, &err), WF_OK);
    assert_int_equal(c.b.len, big_log.len);
    assert_memory_equal(c.b.p, big_log.p, big_log.len);
    done(&c, &err);

    json_t *r = requests();
    assert_int_equal(json_array_size(r), 2);
    json_t *a = json_array_get(r, 0);
    assert_string_equal(field(a, "path"),
                        "/api/v4/projects/group%2Fsub.team%2Fmy-project/jobs/1002/trace");
    assert_string_equal(header(a, "private-token"), GL_TOKEN);
    assert_null(header(a, "authorization"));
    assert_null(header(a, "x-github-api-version"));
    assert_string_equal(field(json_array_get(r, 1), "path"),
                        "/api/v4/projects/12345/jobs/4242/trace");
    json_decref(r);
}

/* libcurl would forward a custom PRIVATE-TOKEN header across hosts: ours
 * must not */
static void test_gitlab_redirect_drops_token(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    (void)state;
    reset();
    assert_int_equal(fetch(&cfg, "gitlab", "g/p", "9000009", &c, &err), WF_OK);
    assert_int_equal(c.b.len, big_log.len);
    assert_memory_equal(c.b.p, big_log.p, big_log.len);
    json_t *r = requests();
    assert_int_equal(json_array_size(r), 2);
    assert_string_equal(header(json_array_get(r, 0), "private-token"), GL_TOKEN);
    assert_string_equal(field(json_array_get(r, 1), "path"),
                        "/blob/4242?sig=s3cr3t-blob-signature");
    assert_null(header(json_array_get(r, 1), "private-token"));
    assert_null(header(json_array_get(r, 1), "authorization"));
    json_decref(r);
    done(&c, &err);
}

static void test_bad_token_is_eauth(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    char want[128];
    (void)state;
    cfg.github_token = "ghs_wrong";
    cfg.gitlab_token = "glpat-wrong";
    assert_int_equal(fetch(&cfg, "github", "o/r", "1000", &c, &err), WF_EAUTH);
    snprintf(want, sizeof(want),
             "GET http://127.0.0.1:%d/repos/o/r/actions/jobs/1000/logs: HTTP 401: Bad credentials",
             port);
    assert_string_equal(err.p, want);
    assert_null(strstr(err.p, "ghs_wrong"));
    assert_int_equal(c.b.len, 0);
    done(&c, &err);
    assert_int_equal(fetch(&cfg, "gitlab", "g/p", "1000", &c, &err), WF_EAUTH);
    assert_non_null(strstr(err.p, "HTTP 401"));
    assert_null(strstr(err.p, "glpat-wrong"));
    done(&c, &err);
}

static void test_status_mapping(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    char want[128];
    (void)state;
    assert_int_equal(fetch(&cfg, "github", "o/r", "77", &c, &err), WF_ENOENT);
    snprintf(want, sizeof(want),
             "GET http://127.0.0.1:%d/repos/o/r/actions/jobs/77/logs: HTTP 404: Not Found", port);
    assert_string_equal(err.p, want);
    done(&c, &err);
    assert_int_equal(fetch(&cfg, "gitlab", "g/p", "77", &c, &err), WF_ENOENT);
    done(&c, &err);
    assert_int_equal(fetch(&cfg, "gitlab", "g/p", "9000005", &c, &err), WF_ENOENT); /* 410 */
    assert_non_null(strstr(err.p, "HTTP 410"));
    done(&c, &err);
    assert_int_equal(fetch(&cfg, "github", "o/r", "9000004", &c, &err), WF_EUPSTREAM);
    assert_non_null(strstr(err.p, ": HTTP 500: Server Error"));
    assert_int_equal(c.b.len, 0); /* an error body never reaches the sink */
    done(&c, &err);
}

static void test_redirect_loop_is_upstream(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    (void)state;
    reset();
    assert_int_equal(fetch(&cfg, "github", "o/r", "9000007", &c, &err), WF_EUPSTREAM);
    assert_non_null(strstr(err.p, "more than 5 redirects"));
    assert_int_equal(n_requests(), 1 + WF_PROVIDER_MAX_REDIRECTS);
    done(&c, &err);
}

static void test_connection_refused_is_upstream(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    (void)state;
    cfg.gitlab_api = "http://127.0.0.1:1/api/v4/";
    assert_int_equal(fetch(&cfg, "gitlab", "g/p", "1000", &c, &err), WF_EUPSTREAM);
    assert_true(
        strncmp(err.p, "GET http://127.0.0.1:1/api/v4/projects/g%2Fp/jobs/1000/trace: ", 61) == 0);
    done(&c, &err);
}

static void test_cap_is_etoobig(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    (void)state;
    cfg.max_bytes = 1u << 20;
    /* streamed without a length: stops at the cap */
    assert_int_equal(fetch(&cfg, "gitlab", "g/p", "9000001", &c, &err), WF_ETOOBIG);
    assert_true(c.b.len <= cfg.max_bytes);
    assert_non_null(strstr(err.p, "exceeds 1048576 bytes"));
    done(&c, &err);
    /* a declared length past the cap: not one byte read */
    assert_int_equal(fetch(&cfg, "github", "o/r", "9000002", &c, &err), WF_ETOOBIG);
    assert_int_equal(c.calls, 0);
    done(&c, &err);
    /* exactly the cap passes, one byte less fails (after the redirect) */
    cfg.max_bytes = big_log.len;
    assert_int_equal(fetch(&cfg, "github", "o/r", "4242", &c, &err), WF_OK);
    assert_int_equal(c.b.len, big_log.len);
    done(&c, &err);
    cfg.max_bytes = big_log.len - 1;
    assert_int_equal(fetch(&cfg, "github", "o/r", "4242", &c, &err), WF_ETOOBIG);
    done(&c, &err);
}

static void test_timeout(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    (void)state;
    cfg.timeout_ms = 300;
    uint64_t t0 = wf_now_ms();
    assert_int_equal(fetch(&cfg, "github", "o/r", "9000003", &c, &err), WF_ETIMEOUT);
    assert_true(wf_now_ms() - t0 < 5000);
    assert_non_null(strstr(err.p, "timed out after 300 ms"));
    done(&c, &err);
}

static void test_sink_error_propagates(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {.fail_at = 2, .fail_rc = WF_EIO};
    struct wf_buf err;
    (void)state;
    assert_int_equal(fetch(&cfg, "github", "o/r", "4242", &c, &err), WF_EIO);
    assert_int_equal(c.calls, 2);
    assert_true(c.b.len < big_log.len);
    assert_non_null(strstr(err.p, "EIO"));
    done(&c, &err);
}

static void test_token_echo_not_in_err(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    (void)state;
    assert_int_equal(fetch(&cfg, "github", "o/r", "9000008", &c, &err), WF_EUPSTREAM);
    assert_non_null(strstr(err.p, "HTTP 500")); /* status kept, echoed message dropped */
    done(&c, &err);
    assert_int_equal(fetch(&cfg, "gitlab", "g/p", "9000008", &c, &err), WF_EUPSTREAM);
    assert_non_null(strstr(err.p, "HTTP 500"));
    done(&c, &err);
}

static json_t *recorded_body(json_t *req)
{
    json_t *j = json_loads(field(req, "body"), 0, NULL);
    assert_non_null(j);
    return j;
}

static void test_github_review(void **state)
{
    struct wf_provider_config cfg = config();
    struct wf_buf err;
    const struct wf_provider_comment cs[] = {
        {"src/a.c", 12, "Possible `NULL` dereference:\n\"p\" is freed above \xe2\x9c\x97"},
        {"docs/x y.md", 3, "bad byte \xff here"},
    };
    (void)state;
    reset();
    wf_buf_init(&err, 4096);
    assert_int_equal(
        wf_provider_post_review(&cfg, "github", "o/r", "42", "## Summary\n2 findings", cs, 2, &err),
        WF_OK);
    json_t *r = requests();
    assert_int_equal(json_array_size(r), 1);
    json_t *q = json_array_get(r, 0);
    assert_string_equal(field(q, "method"), "POST");
    assert_string_equal(field(q, "path"), "/repos/o/r/pulls/42/reviews");
    assert_string_equal(header(q, "authorization"), "Bearer " GH_TOKEN);
    assert_string_equal(header(q, "content-type"), "application/json");
    json_t *b = recorded_body(q);
    assert_string_equal(json_string_value(json_object_get(b, "body")), "## Summary\n2 findings");
    assert_string_equal(json_string_value(json_object_get(b, "event")), "COMMENT");
    json_t *arr = json_object_get(b, "comments");
    assert_int_equal(json_array_size(arr), 2);
    json_t *c0 = json_array_get(arr, 0), *c1 = json_array_get(arr, 1);
    assert_string_equal(json_string_value(json_object_get(c0, "path")), "src/a.c");
    assert_int_equal(json_integer_value(json_object_get(c0, "line")), 12);
    assert_string_equal(json_string_value(json_object_get(c0, "side")), "RIGHT");
    assert_string_equal(json_string_value(json_object_get(c0, "body")), cs[0].body);
    assert_string_equal(json_string_value(json_object_get(c1, "path")), "docs/x y.md");
    /* the invalid byte became U+FFFD, the rest survived */
    assert_string_equal(json_string_value(json_object_get(c1, "body")),
                        "bad byte \xef\xbf\xbd here");
    json_decref(b);
    json_decref(r);

    /* no comments: a plain review */
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "42", "LGTM", NULL, 0, &err),
                     WF_OK);
    /* a wrong token */
    cfg.github_token = "nope";
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "42", "x", NULL, 0, &err),
                     WF_EAUTH);
    assert_non_null(strstr(err.p, "POST "));
    assert_clean(&err);
    wf_buf_cleanup(&err);
}

static void test_gitlab_note(void **state)
{
    struct wf_provider_config cfg = config();
    struct wf_buf err;
    const struct wf_provider_comment cs[] = {
        {"src/a.c", 12, "Unchecked return value."},
        {"we`ird.c", 1, "Second."},
    };
    (void)state;
    reset();
    wf_buf_init(&err, 4096);
    assert_int_equal(
        wf_provider_post_review(&cfg, "gitlab", "group/project", "7", "Two findings", cs, 2, &err),
        WF_OK);
    json_t *r = requests();
    assert_int_equal(json_array_size(r), 1);
    json_t *q = json_array_get(r, 0);
    assert_string_equal(field(q, "path"),
                        "/api/v4/projects/group%2Fproject/merge_requests/7/notes");
    assert_string_equal(header(q, "private-token"), GL_TOKEN);
    json_t *b = recorded_body(q);
    assert_string_equal(json_string_value(json_object_get(b, "body")),
                        "Two findings\n\n---\n\n**`src/a.c`, line 12**\n\nUnchecked return value."
                        "\n\n---\n\n**`` we`ird.c ``, line 1**\n\nSecond.");
    assert_int_equal(json_object_size(b), 1);
    json_decref(b);
    json_decref(r);
    wf_buf_cleanup(&err);
}

static void test_invalid_input_makes_no_request(void **state)
{
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err;
    static const char *const bad_gh[] = {"owner", "a/b/c", "../x", "o/..", "o/r?x=1", "o /r",
                                         "o/r#f", "/r",    "o/",   "",     "o/r%2F",  "\xc3\xa9/r"};
    static const char *const bad_gl[] = {"a//b", "a/", "/a", "a/../b", "a?b", "a b", "", "%2e"};
    static const char *const bad_ids[] = {
        "", "12a", "-1", "1/2", "+1", " 1", "123456789012345678901", "1.0"};
    (void)state;
    reset();
    for (size_t i = 0; i < sizeof(bad_gh) / sizeof(bad_gh[0]); i++) {
        assert_int_equal(fetch(&cfg, "github", bad_gh[i], "1000", &c, &err), WF_EINVAL);
        done(&c, &err);
    }
    for (size_t i = 0; i < sizeof(bad_gl) / sizeof(bad_gl[0]); i++) {
        assert_int_equal(fetch(&cfg, "gitlab", bad_gl[i], "1000", &c, &err), WF_EINVAL);
        done(&c, &err);
    }
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        assert_int_equal(fetch(&cfg, "github", "o/r", bad_ids[i], &c, &err), WF_EINVAL);
        done(&c, &err);
        assert_int_equal(fetch(&cfg, "gitlab", "g/p", bad_ids[i], &c, &err), WF_EINVAL);
        done(&c, &err);
    }
    assert_int_equal(fetch(&cfg, "github", NULL, "1000", &c, &err), WF_EINVAL);
    done(&c, &err);
    assert_int_equal(fetch(&cfg, "github", "o/r", NULL, &c, &err), WF_EINVAL);
    done(&c, &err);
    assert_int_equal(fetch(&cfg, "bitbucket", "o/r", "1000", &c, &err), WF_EINVAL);
    done(&c, &err);
    assert_int_equal(fetch(NULL, "github", "o/r", "1000", &c, &err), WF_EINVAL);
    done(&c, &err);
    wf_buf_init(&err, 4096);
    assert_int_equal(wf_provider_fetch_log(&cfg, "github", "o/r", "1000", NULL, NULL, &err),
                     WF_EINVAL);
    wf_buf_cleanup(&err);

    /* bad base URLs and tokens */
    static const char *const bad_bases[] = {"ftp://127.0.0.1/", "127.0.0.1:80", "http://",
                                            "http:///x", "http://a b/"};
    for (size_t i = 0; i < sizeof(bad_bases) / sizeof(bad_bases[0]); i++) {
        struct wf_provider_config b = cfg;
        b.github_api = bad_bases[i];
        assert_int_equal(fetch(&b, "github", "o/r", "1000", &c, &err), WF_EINVAL);
        done(&c, &err);
    }
    struct wf_provider_config t = cfg;
    t.github_token = "abc\r\nX-Evil: 1";
    assert_int_equal(fetch(&t, "github", "o/r", "1000", &c, &err), WF_EINVAL);
    assert_null(strstr(err.p, "X-Evil"));
    done(&c, &err);
    t.github_token = "";
    assert_int_equal(fetch(&t, "github", "o/r", "1000", &c, &err), WF_EAUTH);
    done(&c, &err);
    t.gitlab_token = NULL;
    assert_int_equal(fetch(&t, "gitlab", "g/p", "1000", &c, &err), WF_EAUTH);
    done(&c, &err);

    /* reviews */
    const struct wf_provider_comment line0 = {"a.c", 0, "x"}, nopath = {NULL, 1, "x"},
                                     nobody = {"a.c", 1, ""};
    wf_buf_init(&err, 4096);
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "1", "s", &line0, 1, &err),
                     WF_EINVAL);
    assert_int_equal(wf_provider_post_review(&cfg, "gitlab", "g/p", "1", "s", &nopath, 1, &err),
                     WF_EINVAL);
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "1", "s", &nobody, 1, &err),
                     WF_EINVAL);
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "1", "", NULL, 0, &err),
                     WF_EINVAL);
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "1", "s", NULL, 1, &err),
                     WF_EINVAL);
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "x1", "s", NULL, 0, &err),
                     WF_EINVAL);
    assert_int_equal(wf_provider_post_review(&cfg, "gitlab", "a b", "1", "s", NULL, 0, &err),
                     WF_EINVAL);
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "1", "s", &line0,
                                             WF_PROVIDER_MAX_COMMENTS + 1, &err),
                     WF_ETOOBIG);
    assert_clean(&err);
    wf_buf_cleanup(&err);

    assert_int_equal(n_requests(), 0);
}

static void test_review_body_cap(void **state)
{
    struct wf_provider_config cfg = config();
    struct wf_buf err;
    size_t n = WF_LIMIT_HTTP_BODY_BYTES + 10;
    char *big = wf_malloc(n + 1);
    (void)state;
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = 0;
    reset();
    wf_buf_init(&err, 4096);
    assert_int_equal(wf_provider_post_review(&cfg, "github", "o/r", "1", big, NULL, 0, &err),
                     WF_ETOOBIG);
    assert_int_equal(wf_provider_post_review(&cfg, "gitlab", "g/p", "1", big, NULL, 0, &err),
                     WF_ETOOBIG);
    assert_int_equal(n_requests(), 0);
    wf_buf_cleanup(&err);
    wf_free(big);
}

static void test_enabled(void **state)
{
    struct wf_provider_config cfg = config();
    (void)state;
    assert_true(wf_provider_enabled(&cfg, "github"));
    assert_true(wf_provider_enabled(&cfg, "gitlab"));
    assert_false(wf_provider_enabled(&cfg, "bitbucket"));
    assert_false(wf_provider_enabled(&cfg, NULL));
    assert_false(wf_provider_enabled(NULL, "github"));
    cfg.github_token = "";
    cfg.gitlab_token = NULL;
    assert_false(wf_provider_enabled(&cfg, "github"));
    assert_false(wf_provider_enabled(&cfg, "gitlab"));
}

/* Every allocation of ours fails in turn: each run ends in WF_OK or
 * WF_ENOMEM, leaks nothing (ASan), and a whole log is the only success. */
static void test_allocation_failures(void **state)
{
    struct wf_provider_config cfg = config();
    int ok = 0;
    (void)state;
    for (long n = 0; n < 200 && !ok; n++) {
        struct collect c = {0};
        struct wf_buf err;
        wf_buf_init(&c.b, 128u << 20);
        wf_buf_init(&err, 4096);
        wf_alloc_fail_after(n);
        int rc = wf_provider_fetch_log(&cfg, "gitlab", "g/p", "1001", collect_sink, &c, &err);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK) {
            assert_string_equal(c.b.p, "job 1001 line 1\njob 1001 line 2\n"
                                       "##[error]Process completed with exit code 1.\n");
            ok = 1;
        } else {
            assert_int_equal(rc, WF_ENOMEM);
        }
        done(&c, &err);
    }
    assert_true(ok);
    ok = 0;
    const struct wf_provider_comment cm = {"a.c", 1, "x"};
    for (long n = 0; n < 200 && !ok; n++) {
        struct wf_buf err;
        wf_buf_init(&err, 4096);
        wf_alloc_fail_after(n);
        int rc = wf_provider_post_review(&cfg, "gitlab", "g/p", "1", "s", &cm, 1, &err);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK)
            ok = 1;
        else
            assert_int_equal(rc, WF_ENOMEM);
        wf_buf_cleanup(&err);
    }
    assert_true(ok);
}

struct worker {
    const char *provider; /* "github" / "gitlab" */
    const char *job;      /* generated job id */
    int rc;               /* result */
    size_t len;           /* bytes received */
    int match;            /* 1 when the bytes are the expected log */
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct wf_provider_config cfg = config();
    struct collect c = {0};
    struct wf_buf err, want;
    wf_buf_init(&c.b, 1u << 20);
    wf_buf_init(&err, 4096);
    wf_buf_init(&want, 1u << 20);
    w->rc = wf_provider_fetch_log(&cfg, w->provider, "o/r", w->job, collect_sink, &c, &err);
    long id = strtol(w->job, NULL, 10);
    for (long i = 1; i <= id - 999; i++)
        (void)wf_buf_appendf(&want, "job %ld line %ld\n", id, i);
    (void)wf_buf_puts(&want, "##[error]Process completed with exit code 1.\n");
    w->len = c.b.len;
    w->match = c.b.len == want.len && memcmp(c.b.p, want.p, want.len) == 0;
    wf_buf_cleanup(&want);
    wf_buf_cleanup(&err);
    wf_buf_cleanup(&c.b);
    return NULL;
}

/* Calls share nothing: concurrent fetches on both APIs each get their log. */
static void test_concurrent_fetches(void **state)
{
    struct worker ws[] = {{"github", "1500", 0, 0, 0}, {"gitlab", "1600", 0, 0, 0},
                          {"github", "1700", 0, 0, 0}, {"gitlab", "1999", 0, 0, 0},
                          {"github", "1001", 0, 0, 0}, {"gitlab", "1002", 0, 0, 0}};
    pthread_t th[sizeof(ws) / sizeof(ws[0])];
    (void)state;
    for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
        assert_int_equal(pthread_create(&th[i], NULL, work, &ws[i]), 0);
    for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(ws[i].rc, WF_OK);
        assert_true(ws[i].len > 0);
        assert_true(ws[i].match);
    }
}

/* ---- helpers ---------------------------------------------------------------- */

static void test_helpers(void **state)
{
    struct wf_buf b;
    (void)state;
    wf_buf_init(&b, 1024);
    assert_int_equal(wf_provider__url_encode(&b, "group/sub project~x_y-1.2%\xc3\xa9"), WF_OK);
    assert_string_equal(b.p, "group%2Fsub%20project~x_y-1.2%25%C3%A9");
    wf_buf_reset(&b);
    assert_int_equal(wf_provider__url_display(&b, "https://u:p@blob.example:8443/a/b?sig=x#f"),
                     WF_OK);
    assert_string_equal(b.p, "https://blob.example:8443/a/b");
    wf_buf_reset(&b);
    assert_int_equal(wf_provider__url_display(&b, "not a url"), WF_OK);
    assert_string_equal(b.p, "<url>");
    wf_buf_reset(&b);
    assert_int_equal(wf_provider__put_base(&b, "HTTPS://ghe.example/api/v3///"), WF_OK);
    assert_string_equal(b.p, "HTTPS://ghe.example/api/v3");
    wf_buf_reset(&b);
    assert_int_equal(wf_provider__put_base(&b, "file:///etc/passwd"), WF_EINVAL);
    assert_int_equal(wf_provider__put_base(&b, NULL), WF_EINVAL);
    wf_buf_cleanup(&b);

    assert_true(wf_provider__is_github_repo("a/b"));
    assert_true(wf_provider__is_github_repo("Octo-Org/.github"));
    assert_false(wf_provider__is_github_repo("a/b/c"));
    assert_false(wf_provider__is_github_repo("./b"));
    assert_true(wf_provider__is_gitlab_project("42"));
    assert_true(wf_provider__is_gitlab_project("a/b/c/d"));
    assert_false(wf_provider__is_gitlab_project("a/b/"));
    assert_true(wf_provider__is_id("0"));
    assert_true(wf_provider__is_id("12345678901234567890"));
    assert_false(wf_provider__is_id("123456789012345678901"));
    assert_true(wf_provider__is_token("ghp_abc"));
    assert_false(wf_provider__is_token("a b"));
    assert_false(wf_provider__is_token("a\n"));

    assert_int_equal(wf_provider__status_err(401), WF_EAUTH);
    assert_int_equal(wf_provider__status_err(403), WF_EAUTH);
    assert_int_equal(wf_provider__status_err(404), WF_ENOENT);
    assert_int_equal(wf_provider__status_err(410), WF_ENOENT);
    assert_int_equal(wf_provider__status_err(422), WF_EUPSTREAM);
    assert_int_equal(wf_provider__status_err(503), WF_EUPSTREAM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_enabled),
        cmocka_unit_test(test_github_log_through_redirect),
        cmocka_unit_test(test_github_same_origin_redirect_keeps_token),
        cmocka_unit_test(test_gitlab_trace_encoded_path),
        cmocka_unit_test(test_gitlab_redirect_drops_token),
        cmocka_unit_test(test_bad_token_is_eauth),
        cmocka_unit_test(test_status_mapping),
        cmocka_unit_test(test_redirect_loop_is_upstream),
        cmocka_unit_test(test_connection_refused_is_upstream),
        cmocka_unit_test(test_cap_is_etoobig),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_sink_error_propagates),
        cmocka_unit_test(test_token_echo_not_in_err),
        cmocka_unit_test(test_github_review),
        cmocka_unit_test(test_pull_request_diffs),
        cmocka_unit_test(test_gitlab_note),
        cmocka_unit_test(test_invalid_input_makes_no_request),
        cmocka_unit_test(test_review_body_cap),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_concurrent_fetches),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
