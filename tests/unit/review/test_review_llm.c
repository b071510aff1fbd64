/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the review's LLM pass against tests/tools/fake_openai.py,
 * whose replies are scripted per request (one request per file): comments
 * kept with rule id "llm" in every output format; validation (shape, path,
 * added line that was shown, severity mapping, message cleaned, capped and
 * redacted); deduplication against rule findings and among comments; what
 * the fake received is redacted (a planted token never leaves); caps on
 * bytes, files and comments; and failures (HTTP errors, malformed answers,
 * timeouts, nothing listening) that leave the rule findings and a warning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "review/review.h"

#include "../llm/fake_openai.h"

/* Built at run time so that no scanner flags this file. */
static char token[64];

static int setup(void **state)
{
    (void)state;
    snprintf(token, sizeof(token), "ghp_%s%s", "abcdefghijklmnopqrstuvwx", "yz0123456789");
    if (wf_llm_global_init())
        return -1;
    return fake_start();
}

static int teardown(void **state)
{
    (void)state;
    fake_stop();
    wf_llm_global_cleanup();
    return 0;
}

/* src/app.c: line 1 context, 2-4 added (3 holds the token, 4 a strcpy the
 * rules flag), 5 context, one line deleted; tests/test_app.c new with 2
 * added lines (so tests-missing stays quiet); a binary and a deleted file
 * (never sent). */
static void make_diff(struct wf_buf *b)
{
    wf_buf_init(b, 1 << 20);
    assert_int_equal(wf_buf_appendf(b,
                                    "diff --git a/src/app.c b/src/app.c\n"
                                    "index 1111111..2222222 100644\n"
                                    "--- a/src/app.c\n"
                                    "+++ b/src/app.c\n"
                                    "@@ -1,3 +1,5 @@\n"
                                    " int main(void) {\n"
                                    "+    int n = count(items);\n"
                                    "+    const char *k = \"%s\"; /* ops@example.com */\n"
                                    "+    str"
                                    "cpy(buf, name);\n" /* split for the lint grep */
                                    "     return 0;\n"
                                    "-    old();\n"
                                    "diff --git a/tests/test_app.c b/tests/test_app.c\n"
                                    "new file mode 100644\n"
                                    "index 0000000..3333333\n"
                                    "--- /dev/null\n"
                                    "+++ b/tests/test_app.c\n"
                                    "@@ -0,0 +1,2 @@\n"
                                    "+#include \"app.h\"\n"
                                    "+int test_count(void) { return count(0); }\n"
                                    "diff --git a/logo.png b/logo.png\n"
                                    "new file mode 100644\n"
                                    "index 0000000..4444444\n"
                                    "Binary files /dev/null and b/logo.png differ\n"
                                    "diff --git a/old.c b/old.c\n"
                                    "deleted file mode 100644\n"
                                    "index 5555555..0000000\n"
                                    "--- a/old.c\n"
                                    "+++ /dev/null\n"
                                    "@@ -1 +0,0 @@\n"
                                    "-int old;\n",
                                    token),
                     WF_OK);
}

struct run {
    struct wf_buf text;
    struct wf_risk_diff d;
    struct wf_reviewer *rv;
    struct wf_review_result res;
    struct wf_llm_config lc;
    struct wf_review_llm_opts lo;
    size_t n_rule; /* findings of the rule pass */
};

static void run_init(struct run *r)
{
    size_t line = 0;
    make_diff(&r->text);
    wf_risk_diff_init(&r->d);
    wf_review_result_init(&r->res);
    assert_int_equal(wf_risk_diff_parse(r->text.p, r->text.len, &r->d, &line, NULL), WF_OK);
    assert_int_equal(wf_review_new(NULL, &r->rv), WF_OK);
    assert_int_equal(wf_review_run(r->rv, &r->d, &r->res), WF_OK);
    r->n_rule = r->res.n;
    wf_llm_config_init(&r->lc);
    r->lc.base_url = fake_base;
    r->lc.model = "review-model-1";
    r->lc.timeout_ms = 5000;
    r->lc.backoff_ms = 20;
    r->lc.max_retries = 0;
    wf_review_llm_opts_init(&r->lo);
    r->lo.llm = &r->lc;
}

static void run_cleanup(struct run *r)
{
    wf_review_free(r->rv);
    wf_review_result_cleanup(&r->res);
    wf_risk_diff_cleanup(&r->d);
    wf_buf_cleanup(&r->text);
}

/* The index of the rule finding at path:line with rule id, or SIZE_MAX. */
static size_t find(const struct wf_review_result *res, const char *id, const char *path,
                   size_t line)
{
    for (size_t i = 0; i < res->n; i++)
        if (strcmp(res->items[i].rule->id, id) == 0 && strcmp(res->items[i].file, path) == 0 &&
            res->items[i].line == line)
            return i;
    return SIZE_MAX;
}

static char *format(const struct wf_review_result *res, enum wf_review_format fmt)
{
    struct wf_buf b;
    wf_buf_init(&b, 1 << 22);
    assert_int_equal(wf_review_write(res, fmt, &b), WF_OK);
    return wf_buf_detach(&b);
}

static void test_kept_in_every_format(void **state)
{
    struct run r;
    (void)state;
    fake_reset();
    run_init(&r);
    assert_true(find(&r.res, "c-dangerous-call", "src/app.c", 4) != SIZE_MAX);
    /* one reply per file sent, in diff order: src/app.c (fenced, prose), then the test */
    fake_script(
        "[{\"content\": \"Sure, here it is:\\n```json\\n[{\\\"path\\\": \\\"src/app.c\\\", "
        "\\\"line\\\": 2, \\\"severity\\\": \\\"warning\\\", \\\"message\\\": \\\"count "
        "may be negative\\\"}]\\n```\\nHope [this] helps.\"},"
        " {\"content\": \"Found one: [{\\\"path\\\": \\\"tests/test_app.c\\\", \\\"line\\\": "
        "2, \\\"severity\\\": \\\"Critical\\\", \\\"message\\\": \\\"test asserts "
        "nothing\\\"}] (end)\"}]");
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_int_equal(r.res.llm_ran, 1);
    assert_int_equal(r.res.llm_files, 2);
    assert_int_equal(r.res.llm_files_failed, 0);
    assert_int_equal(r.res.llm_kept, 2);
    assert_null(r.res.llm_warning);
    assert_int_equal(r.res.n, r.n_rule + 2);
    size_t a = find(&r.res, "llm", "src/app.c", 2), b = find(&r.res, "llm", "tests/test_app.c", 2);
    assert_true(a >= r.n_rule && a != SIZE_MAX);
    assert_true(b != SIZE_MAX);
    assert_int_equal(r.res.items[a].rule->severity, WF_REVIEW_WARNING);
    assert_int_equal(r.res.items[b].rule->severity, WF_REVIEW_ERROR);
    assert_string_equal(r.res.items[a].message, "count may be negative");
    assert_ptr_equal(r.res.items[b].rule, wf_review_llm_rule(WF_REVIEW_ERROR));

    /* the two requests: the model, the prompt, the files in order */
    json_t *reqs = fake_requests();
    assert_int_equal(json_array_size(reqs), 2);
    json_t *body = json_object_get(json_array_get(reqs, 0), "body");
    assert_string_equal(json_string_value(json_object_get(body, "model")), "review-model-1");
    const char *user = json_string_value(
        json_object_get(json_array_get(json_object_get(body, "messages"), 1), "content"));
    assert_non_null(strstr(user, "`src/app.c`"));
    assert_non_null(strstr(user, "+     2|    int n = count(items);\n"));
    assert_non_null(strstr(user, "      1|int main(void) {\n"));
    assert_non_null(strstr(user, "-      |    old();\n"));
    json_decref(reqs);

    char *t = format(&r.res, WF_REVIEW_FMT_TEXT);
    assert_non_null(strstr(t, "src/app.c:2: warning [llm] count may be negative"));
    wf_free(t);
    t = format(&r.res, WF_REVIEW_FMT_JSON);
    json_t *j = json_loads(t, 0, NULL);
    assert_non_null(j);
    json_t *llm = json_object_get(j, "llm");
    assert_int_equal(json_integer_value(json_object_get(llm, "kept")), 2);
    assert_true(json_is_null(json_object_get(llm, "warning")));
    json_t *last = json_array_get(json_object_get(j, "findings"), r.res.n - 1);
    assert_string_equal(json_string_value(json_object_get(last, "rule")), "llm");
    assert_string_equal(json_string_value(json_object_get(last, "severity")), "error");
    json_decref(j);
    wf_free(t);
    t = format(&r.res, WF_REVIEW_FMT_SARIF);
    j = json_loads(t, 0, NULL);
    assert_non_null(j);
    json_t *run0 = json_array_get(json_object_get(j, "runs"), 0);
    json_t *rules =
        json_object_get(json_object_get(json_object_get(run0, "tool"), "driver"), "rules");
    json_t *res = json_object_get(run0, "results");
    json_t *lr = json_array_get(res, r.res.n - 1);
    size_t idx = (size_t)json_integer_value(json_object_get(lr, "ruleIndex"));
    assert_string_equal(json_string_value(json_object_get(lr, "ruleId")), "llm");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, idx), "id")),
                        "llm");
    assert_string_equal(json_string_value(json_object_get(lr, "level")), "error");
    json_decref(j);
    wf_free(t);
    t = format(&r.res, WF_REVIEW_FMT_RDJSON);
    assert_non_null(strstr(t, "\"message\":\"count may be negative\",\"location\":{\"path\":"
                              "\"src/app.c\",\"range\":{\"start\":{\"line\":2}}},\"severity\":"
                              "\"WARNING\",\"code\":{\"value\":\"llm\"}"));
    wf_free(t);
    run_cleanup(&r);
}

static void test_validation(void **state)
{
    struct run r;
    char script[8192];
    (void)state;
    fake_reset();
    run_init(&r);
    r.lo.max_message_bytes = 40;
    /* src/app.c's reply: one comment per case; the test file's: one comment */
    snprintf(script, sizeof(script), "[{\"content\": \"%s\"}, {\"content\": \"%s\"}]",
             "["
             /* duplicates: the secret rule's line 3 (twice), c-dangerous-call's line 4 */
             "{\\\"path\\\": \\\"b/src/app.c\\\", \\\"line\\\": 3, \\\"severity\\\": \\\"odd\\\", "
             "\\\"message\\\": \\\"secret\\\"},"
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 3, \\\"severity\\\": \\\"error\\\", "
             "\\\"message\\\": \\\"again\\\"},"
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 4, \\\"severity\\\": \\\"error\\\", "
             "\\\"message\\\": \\\"strcpy\\\"},"
             /* invalid: context line, outside the diff, unknown file, deleted file,
                binary file, line as a string, line 0, no message, empty message, no
                severity, not an object */
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 1, \\\"severity\\\": \\\"note\\\", "
             "\\\"message\\\": \\\"context\\\"},"
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 99, \\\"severity\\\": \\\"note\\\", "
             "\\\"message\\\": \\\"outside\\\"},"
             "{\\\"path\\\": \\\"src/other.c\\\", \\\"line\\\": 2, \\\"severity\\\": "
             "\\\"note\\\", \\\"message\\\": \\\"other\\\"},"
             "{\\\"path\\\": \\\"old.c\\\", \\\"line\\\": 1, \\\"severity\\\": \\\"note\\\", "
             "\\\"message\\\": \\\"deleted\\\"},"
             "{\\\"path\\\": \\\"logo.png\\\", \\\"line\\\": 1, \\\"severity\\\": \\\"note\\\", "
             "\\\"message\\\": \\\"binary\\\"},"
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": \\\"2\\\", \\\"severity\\\": "
             "\\\"note\\\", \\\"message\\\": \\\"string line\\\"},"
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 0, \\\"severity\\\": \\\"note\\\", "
             "\\\"message\\\": \\\"zero\\\"},"
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 2, \\\"severity\\\": \\\"note\\\"},"
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 2, \\\"severity\\\": \\\"note\\\", "
             "\\\"message\\\": \\\"\\\"},"
             "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 2, \\\"message\\\": \\\"x\\\"},"
             "\\\"just a string\\\","
             /* kept: "./" tolerated, "HIGH" is an error, the e-mail redacted */
             "{\\\"path\\\": \\\"./src/app.c\\\", \\\"line\\\": 2, \\\"severity\\\": "
             "\\\"HIGH\\\", \\\"message\\\": \\\"mail ops@example.com\\\"}"
             "]",
             /* kept: "b/" tolerated, an unknown severity is a note, control bytes and the
                token cleaned, cut at 40 bytes */
             "[{\\\"path\\\": \\\"b/tests/test_app.c\\\", \\\"line\\\": 1, \\\"severity\\\": "
             "\\\"odd\\\", \\\"message\\\": \\\"leaks\\\\nTOKEN in a very long message that "
             "goes on\\\"}]");
    /* plant the token in the reply: the message must come back redacted */
    char *tok = strstr(script, "TOKEN");
    assert_non_null(tok);
    char final[8192];
    snprintf(final, sizeof(final), "%.*s%s%s", (int)(tok - script), script, token, tok + 5);
    fake_script(final);
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_null(r.res.llm_warning);
    assert_int_equal(r.res.llm_kept, 2);
    assert_int_equal(r.res.llm_duplicate, 3);
    assert_int_equal(r.res.llm_invalid, 11);
    assert_int_equal(r.res.n, r.n_rule + 2);
    size_t a = find(&r.res, "llm", "tests/test_app.c", 1);
    assert_true(a != SIZE_MAX);
    const struct wf_review_finding *f = &r.res.items[a];
    assert_int_equal(f->rule->severity, WF_REVIEW_NOTE);
    assert_null(strstr(f->message, token));
    assert_null(strchr(f->message, '\n'));
    assert_memory_equal(f->message, "leaks [REDACTED:", 16);
    assert_true(strlen(f->message) <= 40 + 3);
    assert_string_equal(f->message + strlen(f->message) - 3, "...");
    size_t b = find(&r.res, "llm", "src/app.c", 2);
    assert_true(b != SIZE_MAX);
    assert_int_equal(r.res.items[b].rule->severity, WF_REVIEW_ERROR);
    assert_null(strstr(r.res.items[b].message, "ops@example.com"));
    assert_non_null(strstr(r.res.items[b].message, "[REDACTED:"));
    /* the rule finding on line 4 is still the only one there */
    assert_true(find(&r.res, "c-dangerous-call", "src/app.c", 4) != SIZE_MAX);
    assert_true(find(&r.res, "llm", "src/app.c", 4) == SIZE_MAX);
    run_cleanup(&r);
}

static void test_sent_is_redacted(void **state)
{
    struct run r;
    (void)state;
    fake_reset();
    run_init(&r);
    fake_script("[{\"content\": \"[]\"}, {\"content\": \"[]\"}]");
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_int_equal(r.res.llm_kept, 0);
    json_t *reqs = fake_requests();
    assert_int_equal(json_array_size(reqs), 2); /* the binary and deleted files are not sent */
    char *all = json_dumps(reqs, 0);
    assert_non_null(all);
    assert_null(strstr(all, token));
    assert_null(strstr(all, "ghp_"));
    assert_null(strstr(all, "ops@example.com"));
    assert_non_null(strstr(all, "[REDACTED:github-token:"));
    assert_null(strstr(all, "logo.png"));
    assert_null(strstr(all, "old.c"));
    free(all);
    json_decref(reqs);
    run_cleanup(&r);
}

static void test_caps(void **state)
{
    struct run r;
    (void)state;
    fake_reset();
    run_init(&r);
    /* room for the first hunk header and about two lines only; one file; one comment */
    r.lo.max_file_bytes = 80;
    r.lo.max_files = 1;
    r.lo.max_comments = 1;
    fake_script(
        "[{\"content\": \"[{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 3, "
        "\\\"severity\\\": \\\"note\\\", \\\"message\\\": \\\"not shown\\\"}, "
        "{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 2, \\\"severity\\\": "
        "\\\"note\\\", \\\"message\\\": \\\"one\\\"}, {\\\"path\\\": \\\"src/app.c\\\", "
        "\\\"line\\\": 2, \\\"severity\\\": \\\"note\\\", \\\"message\\\": \\\"dup\\\"}]\"}]");
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_int_equal(r.res.llm_files, 1);
    assert_int_equal(r.res.llm_kept, 1);
    assert_int_equal(r.res.llm_invalid, 1); /* line 3 was not shown */
    assert_int_equal(r.res.llm_duplicate, 1);
    assert_non_null(r.res.llm_warning);
    assert_non_null(strstr(r.res.llm_warning, "only the first 1 of 2 files"));
    json_t *reqs = fake_requests();
    assert_int_equal(json_array_size(reqs), 1);
    const char *user = json_string_value(json_object_get(
        json_array_get(
            json_object_get(json_object_get(json_array_get(reqs, 0), "body"), "messages"), 1),
        "content"));
    assert_non_null(strstr(user, "more lines not shown]"));
    assert_null(strstr(user, "strcpy"));
    json_decref(reqs);

    /* max_comments: the second valid comment of a file is capped */
    run_cleanup(&r);
    fake_reset();
    run_init(&r);
    r.lo.max_comments = 1;
    fake_script("[{\"content\": \"[]\"}, {\"content\": \"[{\\\"path\\\": \\\"tests/test_app.c\\\", "
                "\\\"line\\\": 1, \\\"severity\\\": \\\"note\\\", \\\"message\\\": \\\"a\\\"}, "
                "{\\\"path\\\": \\\"tests/test_app.c\\\", \\\"line\\\": 2, \\\"severity\\\": "
                "\\\"note\\\", \\\"message\\\": \\\"b\\\"}]\"}]");
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_int_equal(r.res.llm_kept, 1);
    assert_int_equal(r.res.llm_capped, 1);
    run_cleanup(&r);
}

static void test_failures(void **state)
{
    struct run r;
    (void)state;

    /* malformed answer for the first file, a good one for the second */
    fake_reset();
    run_init(&r);
    fake_script("[{\"content\": \"[{\\\"path\\\": \\\"src/app.c\\\", \\\"line\\\": 2,\"}, "
                "{\"content\": \"[{\\\"path\\\": \\\"tests/test_app.c\\\", \\\"line\\\": 1, "
                "\\\"severity\\\": \\\"note\\\", \\\"message\\\": \\\"ok\\\"}]\"}]");
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_int_equal(r.res.llm_files, 2);
    assert_int_equal(r.res.llm_files_failed, 1);
    assert_int_equal(r.res.llm_kept, 1);
    assert_non_null(r.res.llm_warning);
    assert_non_null(strstr(r.res.llm_warning, "src/app.c: the model's answer holds no JSON array"));
    char *t = format(&r.res, WF_REVIEW_FMT_JSON);
    json_t *j = json_loads(t, 0, NULL);
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(j, "llm"), "warning")),
                           "no JSON array"));
    json_decref(j);
    wf_free(t);
    run_cleanup(&r);

    /* HTTP 500 after the retries: the pass stops at the first file */
    fake_reset();
    run_init(&r);
    r.lc.max_retries = 1;
    fake_script("[{\"status\": 500, \"error\": \"model crashed\"}, {\"status\": 500}]");
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_int_equal(r.res.n, r.n_rule);
    assert_int_equal(r.res.llm_files, 1);
    assert_int_equal(r.res.llm_files_failed, 1);
    assert_non_null(strstr(r.res.llm_warning, "HTTP 500: scripted error"));
    assert_non_null(strstr(r.res.llm_warning, "LLM pass stopped at src/app.c"));
    run_cleanup(&r);

    /* a slow model: the deadline, a warning, the rule findings intact */
    fake_reset();
    run_init(&r);
    r.lc.timeout_ms = 300;
    fake_script("[{\"content\": \"[]\", \"delay_ms\": 2000}]");
    uint64_t t0 = wf_now_ms();
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_true(wf_now_ms() - t0 < 1800);
    assert_int_equal(r.res.n, r.n_rule);
    assert_non_null(strstr(r.res.llm_warning, "timed out"));
    run_cleanup(&r);

    /* nothing listening */
    run_init(&r);
    r.lc.base_url = "http://127.0.0.1:1/v1";
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_OK);
    assert_int_equal(r.res.n, r.n_rule);
    assert_non_null(r.res.llm_warning);
    /* no config at all is a programming error */
    r.lo.llm = NULL;
    assert_int_equal(wf_review_llm(&r.lo, &r.d, &r.res), WF_EINVAL);
    run_cleanup(&r);
}

static void test_marker_prose(void **state)
{
    /* the fake's canned "prose" answer (src/app.c lines 2 and 3) through a marker
       planted in an added line; the second file has no marker: "ok" is no array */
    struct wf_buf b;
    struct wf_risk_diff d;
    struct wf_review_result res;
    struct wf_llm_config lc;
    struct wf_review_llm_opts lo;
    size_t line = 0;
    (void)state;
    fake_reset();
    wf_buf_init(&b, 4096);
    assert_int_equal(wf_buf_puts(&b, "--- a/src/app.c\n+++ b/src/app.c\n@@ -1,1 +1,3 @@\n"
                                     " a\n+b = 1; // FAKE:prose\n+c = 2;\n"),
                     WF_OK);
    wf_risk_diff_init(&d);
    wf_review_result_init(&res);
    assert_int_equal(wf_risk_diff_parse(b.p, b.len, &d, &line, NULL), WF_OK);
    wf_llm_config_init(&lc);
    lc.base_url = fake_base;
    lc.model = "m";
    wf_review_llm_opts_init(&lo);
    lo.llm = &lc;
    assert_int_equal(wf_review_llm(&lo, &d, &res), WF_OK);
    assert_int_equal(res.llm_kept, 2);
    assert_int_equal(res.n_by_sev[WF_REVIEW_ERROR], 1);
    assert_int_equal(res.n_by_sev[WF_REVIEW_WARNING], 1);
    wf_review_result_cleanup(&res);
    wf_risk_diff_cleanup(&d);
    wf_buf_cleanup(&b);
}

static void test_alloc_failures(void **state)
{
    /* fail the Nth allocation of the pass: either it succeeds or it fails
       with WF_ENOMEM leaving the result as it was */
    struct wf_buf b;
    struct wf_risk_diff d;
    struct wf_llm_config lc;
    struct wf_review_llm_opts lo;
    size_t line = 0;
    int ok = 0;
    (void)state;
    fake_reset();
    wf_buf_init(&b, 4096);
    assert_int_equal(wf_buf_puts(&b, "--- a/src/app.c\n+++ b/src/app.c\n@@ -1,1 +1,3 @@\n"
                                     " a\n+b = 1; // FAKE:valid\n+c = 2;\n"),
                     WF_OK);
    wf_risk_diff_init(&d);
    assert_int_equal(wf_risk_diff_parse(b.p, b.len, &d, &line, NULL), WF_OK);
    wf_llm_config_init(&lc);
    lc.base_url = fake_base;
    lc.model = "m";
    lc.max_retries = 0;
    wf_review_llm_opts_init(&lo);
    lo.llm = &lc;
    for (long n = 0; n < 5000 && !ok; n++) {
        struct wf_review_result res;
        wf_review_result_init(&res);
        wf_alloc_fail_after(n);
        int rc = wf_review_llm(&lo, &d, &res);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK) {
            if (res.llm_kept == 2) {
                ok = 1;
            } else { /* an allocation in the client failed: a warning, no comment */
                assert_non_null(res.llm_warning);
                assert_int_equal(res.n, 0);
            }
        } else {
            assert_int_equal(rc, WF_ENOMEM);
            assert_int_equal(res.n, 0);
            assert_int_equal(res.llm_ran, 0);
            assert_int_equal(res.llm_kept, 0);
            assert_null(res.llm_warning);
        }
        wf_review_result_cleanup(&res);
    }
    assert_true(ok);
    wf_risk_diff_cleanup(&d);
    wf_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_in_every_format),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_sent_is_redacted),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_marker_prose),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
