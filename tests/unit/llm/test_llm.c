/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the llm module. Against tests/tools/fake_openai.py: a
 * non-streaming completion and what the server received, streaming deltas
 * concatenated, a server that ignores "stream", a cut stream, retries after
 * 500 and 429 (Retry-After honoured), giving up on 503, the deadline, the
 * token budget (refusal sends nothing, truncation), 401 with and without the
 * key (never in the message), a closed port. Pure parts: the event-stream
 * parser split at every byte boundary, the response parser, JSON
 * extraction from fenced or prose output, the prompt renderer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "llm/llm.h"

#include "fake_openai.h"

static int setup(void **state)
{
    (void)state;
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

static void cfg_init(struct wf_llm_config *c)
{
    wf_llm_config_init(c);
    c->base_url = fake_base;
    c->model = "fake-model-7b";
    c->timeout_ms = 5000;
    c->backoff_ms = 50;
}

static struct wf_llm_msg msg(enum wf_llm_role role, const char *s)
{
    struct wf_llm_msg m = {role, wf_str_c(s)};
    return m;
}

static size_t n_requests(void)
{
    json_t *r = fake_requests();
    size_t n = json_array_size(r);
    json_decref(r);
    return n;
}

static void test_chat_plain(void **state)
{
    struct wf_llm_config c;
    struct wf_buf out, err;
    struct wf_llm_usage u;
    int attempts = 0;
    struct wf_llm_chat_opts o = {0};
    (void)state;
    fake_reset();
    cfg_init(&c);
    c.api_key = FAKE_KEY;
    c.temperature = 0.2;
    o.usage = &u;
    o.attempts = &attempts;
    wf_buf_init(&out, 1 << 20);
    wf_buf_init(&err, 4096);
    struct wf_llm_msg m[2] = {msg(WF_LLM_SYSTEM, "be brief"),
                              msg(WF_LLM_USER, "say hi FAKE:hello \"quoted\"\n")};
    assert_int_equal(wf_llm_chat(&c, m, 2, &o, &out, &err), WF_OK);
    assert_string_equal(out.p, "Hello from the fake model.");
    assert_int_equal(attempts, 1);
    assert_true(u.prompt_tokens > 0);
    assert_true(u.total_tokens >= u.prompt_tokens);

    json_t *reqs = fake_requests();
    assert_int_equal(json_array_size(reqs), 1);
    json_t *r0 = json_array_get(reqs, 0);
    json_t *body = json_object_get(r0, "body");
    assert_string_equal(json_string_value(json_object_get(body, "model")), "fake-model-7b");
    json_t *msgs = json_object_get(body, "messages");
    assert_int_equal(json_array_size(msgs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")),
                        "system");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 1), "content")),
                        "say hi FAKE:hello \"quoted\"\n");
    assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")),
                     WF_LLM_DEFAULT_MAX_TOKENS);
    assert_true(json_real_value(json_object_get(body, "temperature")) > 0.19);
    assert_null(json_object_get(body, "stream"));
    json_t *hdrs = json_object_get(r0, "headers");
    assert_string_equal(json_string_value(json_object_get(hdrs, "authorization")),
                        "Bearer " FAKE_KEY);
    json_decref(reqs);

    /* appends to what out holds; no key: no Authorization header */
    c.api_key = NULL;
    assert_int_equal(wf_llm_chat(&c, m, 2, NULL, &out, &err), WF_OK);
    assert_string_equal(out.p, "Hello from the fake model.Hello from the fake model.");
    reqs = fake_requests();
    hdrs = json_object_get(json_array_get(reqs, 1), "headers");
    assert_null(json_object_get(hdrs, "authorization"));
    json_decref(reqs);
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&err);
}

struct deltas {
    struct wf_buf all;
    size_t n;
};

static int collect(void *ud, const char *p, size_t len)
{
    struct deltas *d = ud;
    d->n++;
    return wf_buf_append(&d->all, p, len);
}

static void test_chat_stream(void **state)
{
    struct wf_llm_config c;
    struct wf_buf out, err;
    struct wf_llm_usage u;
    struct deltas d = {{0}, 0};
    struct wf_llm_chat_opts o = {0};
    (void)state;
    fake_reset();
    cfg_init(&c);
    wf_buf_init(&d.all, 1 << 20);
    o.stream = 1;
    o.on_delta = collect;
    o.ud = &d;
    o.usage = &u;
    wf_buf_init(&out, 1 << 20);
    wf_buf_init(&err, 4096);
    struct wf_llm_msg m = msg(WF_LLM_USER, "FAKE:valid");
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_OK);
    assert_true(d.n > 10); /* 5-byte deltas */
    assert_int_equal(out.len, d.all.len);
    assert_memory_equal(out.p, d.all.p, out.len);
    assert_non_null(strstr(out.p, "\"line\": 3"));
    assert_int_equal(u.prompt_tokens, 11);
    assert_int_equal(u.completion_tokens, (long)d.n);
    json_t *reqs = fake_requests();
    json_t *body = json_object_get(json_array_get(reqs, 0), "body");
    assert_true(json_is_true(json_object_get(body, "stream")));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(reqs, 0), "headers"), "accept")),
                        "text/event-stream");
    json_decref(reqs);

    /* a server that ignores "stream": one JSON body, one delta */
    wf_buf_reset(&out);
    wf_buf_reset(&d.all);
    d.n = 0;
    m = msg(WF_LLM_USER, "FAKE:json-stream");
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_OK);
    assert_string_equal(out.p, "ok");
    assert_int_equal(d.n, 1);

    /* a stream cut before [DONE]: malformed, nothing appended */
    wf_buf_reset(&out);
    m = msg(WF_LLM_USER, "FAKE:cut-stream");
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_EFORMAT);
    assert_int_equal(out.len, 0);
    assert_non_null(strstr(err.p, "malformed"));
    wf_buf_cleanup(&d.all);
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&err);
}

static void test_chat_retries(void **state)
{
    struct wf_llm_config c;
    struct wf_buf out, err;
    int attempts = 0;
    struct wf_llm_chat_opts o = {0};
    (void)state;
    fake_reset();
    cfg_init(&c);
    o.attempts = &attempts;
    wf_buf_init(&out, 1 << 20);
    wf_buf_init(&err, 4096);

    /* 500 then success */
    struct wf_llm_msg m = msg(WF_LLM_USER, "FAKE:flaky");
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_OK);
    assert_string_equal(out.p, "recovered");
    assert_int_equal(attempts, 2);

    /* 429 with Retry-After: 1 waits about a second, not the 50 ms backoff */
    wf_buf_reset(&out);
    m = msg(WF_LLM_USER, "FAKE:ratelimit");
    uint64_t t0 = wf_now_ms();
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_OK);
    assert_true(wf_now_ms() - t0 >= 900);
    assert_string_equal(out.p, "after the limit");
    assert_int_equal(attempts, 2);

    /* 503 forever: 1 + max_retries attempts, the last status in the message */
    wf_buf_reset(&out);
    c.max_retries = 2;
    m = msg(WF_LLM_USER, "FAKE:down");
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_EUPSTREAM);
    assert_int_equal(attempts, 3);
    assert_int_equal(out.len, 0);
    assert_non_null(strstr(err.p, "HTTP 503: overloaded"));
    assert_non_null(strstr(err.p, "/v1/chat/completions"));

    /* streaming: a 500 before any delta is retried too */
    fake_reset();
    wf_buf_reset(&out);
    o.stream = 1;
    m = msg(WF_LLM_USER, "FAKE:flaky");
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_OK);
    assert_string_equal(out.p, "recovered");
    assert_int_equal(attempts, 2);
    o.stream = 0;

    /* no retries configured: one attempt */
    c.max_retries = 0;
    fake_reset();
    m = msg(WF_LLM_USER, "FAKE:flaky");
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_EUPSTREAM);
    assert_int_equal(attempts, 1);
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&err);
}

static void test_chat_timeout(void **state)
{
    struct wf_llm_config c;
    struct wf_buf out, err;
    (void)state;
    fake_reset();
    cfg_init(&c);
    c.timeout_ms = 400;
    wf_buf_init(&out, 1 << 20);
    wf_buf_init(&err, 4096);
    struct wf_llm_msg m = msg(WF_LLM_USER, "FAKE:slow");
    uint64_t t0 = wf_now_ms();
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_ETIMEOUT);
    uint64_t took = wf_now_ms() - t0;
    assert_true(took >= 350 && took < 2500);
    assert_non_null(strstr(err.p, "timed out after 400 ms"));
    assert_int_equal(out.len, 0);
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&err);
}

static void test_chat_budget(void **state)
{
    struct wf_llm_config c;
    struct wf_buf out, err, big;
    int truncated = 0;
    struct wf_llm_chat_opts o = {0};
    (void)state;
    fake_reset();
    cfg_init(&c);
    c.max_prompt_tokens = 100;
    o.truncated = &truncated;
    wf_buf_init(&out, 1 << 20);
    wf_buf_init(&err, 4096);
    wf_buf_init(&big, 1 << 20);
    assert_int_equal(wf_buf_puts(&big, "FAKE:echo "), WF_OK);
    for (int i = 0; i < 200; i++)
        assert_int_equal(wf_buf_puts(&big, "caf\xc3\xa9 "), WF_OK);
    struct wf_llm_msg m[2] = {msg(WF_LLM_SYSTEM, "sys"), {WF_LLM_USER, {big.p, big.len}}};
    assert_true(wf_llm_estimate_tokens(m, 2) > 100);

    /* refused: nothing sent */
    assert_int_equal(wf_llm_chat(&c, m, 2, &o, &out, &err), WF_ETOOBIG);
    assert_non_null(strstr(err.p, "exceeds the budget of 100"));
    assert_int_equal(n_requests(), 0);
    assert_int_equal(out.len, 0);

    /* truncated: the head of the last user message plus the mark, within budget */
    c.truncate = 1;
    assert_int_equal(wf_llm_chat(&c, m, 2, &o, &out, &err), WF_OK);
    assert_int_equal(truncated, 1);
    assert_int_equal(n_requests(), 1);
    assert_true(out.len < big.len);
    assert_memory_equal(out.p, big.p, 20);
    const char *mark = WF_LLM_TRUNCATED_MARK;
    assert_string_equal(out.p + out.len - strlen(mark), mark);
    struct wf_llm_msg sent[2] = {m[0], {WF_LLM_USER, {out.p, out.len}}};
    assert_true(wf_llm_estimate_tokens(sent, 2) <= 100);

    /* within the budget: untouched */
    wf_buf_reset(&out);
    c.max_prompt_tokens = 100000;
    assert_int_equal(wf_llm_chat(&c, m, 2, &o, &out, &err), WF_OK);
    assert_int_equal(truncated, 0);
    assert_int_equal(out.len, big.len);
    wf_buf_cleanup(&big);
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&err);
}

static void test_chat_auth(void **state)
{
    struct wf_llm_config c;
    struct wf_buf out, err;
    (void)state;
    fake_reset();
    cfg_init(&c);
    wf_buf_init(&out, 1 << 20);
    wf_buf_init(&err, 4096);
    struct wf_llm_msg m = msg(WF_LLM_USER, "FAKE:auth");
    /* the fake echoes the header it got in its message: it must not reach err */
    c.api_key = "sk-wrong-key-4242";
    int attempts = 0;
    struct wf_llm_chat_opts o = {0};
    o.attempts = &attempts;
    assert_int_equal(wf_llm_chat(&c, &m, 1, &o, &out, &err), WF_EAUTH);
    assert_int_equal(attempts, 1); /* 401 is not retried */
    assert_non_null(strstr(err.p, "HTTP 401"));
    assert_null(strstr(err.p, "sk-wrong-key-4242"));
    c.api_key = NULL;
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_EAUTH);
    c.api_key = FAKE_KEY;
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_OK);
    assert_string_equal(out.p, "authorized");
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&err);
}

static void test_chat_errors(void **state)
{
    struct wf_llm_config c;
    struct wf_buf out, err;
    char url[128];
    (void)state;
    cfg_init(&c);
    wf_buf_init(&out, 1 << 20);
    wf_buf_init(&err, 4096);
    struct wf_llm_msg m = msg(WF_LLM_USER, "hi");
    /* bad config: no request */
    c.model = NULL;
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_EINVAL);
    c.model = "m";
    assert_int_equal(wf_llm_chat(&c, &m, 0, NULL, &out, &err), WF_EINVAL);
    c.base_url = "ftp://127.0.0.1/v1";
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_EINVAL);

    /* nothing listens there (the fake's port + a user/query that stay out of err) */
    snprintf(url, sizeof(url), "http://user:pw-secret@127.0.0.1:1/v1?key=q-secret");
    c.base_url = url;
    c.max_retries = 1;
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_EUPSTREAM);
    assert_null(strstr(err.p, "pw-secret"));
    assert_null(strstr(err.p, "q-secret"));
    assert_non_null(strstr(err.p, "127.0.0.1:1"));

    /* a 200 that is not a completion; a scripted 502 then success */
    fake_reset();
    c.base_url = fake_base;
    fake_script("[{\"raw\": \"not json\"}, {\"status\": 502}, {\"content\": \"second\"}]");
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_EFORMAT);
    assert_non_null(strstr(err.p, "malformed response"));
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_OK);
    assert_string_equal(out.p, "second");
    wf_buf_reset(&out);

    /* a wrong path: 404, not retried */
    c.base_url = url;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/nope", fake_port);
    assert_int_equal(wf_llm_chat(&c, &m, 1, NULL, &out, &err), WF_ENOENT);
    assert_int_equal(out.len, 0);
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&err);
}

/* ---- pure parsers -------------------------------------------------------------- */

static const char sse_stream[] =
    ": comment\r\n"
    "event: message\r\n"
    "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\r\n"
    "\r\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
    "data:{\"choices\":[{\"delta\":{\"content\":\"lo \\u00e9\"}}]}\r\r"
    "data: {\"choices\":\n"
    "data: [{\"delta\":{\"content\":\"\\n\\\"x\\\"\"}}]}\n"
    "id: 7\n"
    "\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,"
    "\"total_tokens\":7}}\n\n"
    "data: [DONE]\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"after done\"}}]}\n\n";

static const char sse_text[] = "Hello \xc3\xa9\n\"x\"";

static int sse_run(const char *p, size_t len, size_t split, struct wf_buf *out,
                   struct wf_llm_usage *u)
{
    struct wf_llm_sse s;
    struct deltas d = {{0}, 0};
    wf_buf_init(&d.all, 1 << 20);
    wf_llm_sse_init(&s, collect, &d);
    int rc;
    if (split == (size_t)-1) { /* byte by byte */
        rc = WF_OK;
        for (size_t i = 0; !rc && i < len; i++)
            rc = wf_llm_sse_feed(&s, p + i, 1);
    } else {
        rc = wf_llm_sse_feed(&s, p, split);
        if (!rc)
            rc = wf_llm_sse_feed(&s, p + split, len - split);
    }
    if (!rc)
        rc = wf_llm_sse_finish(&s);
    if (!rc)
        rc = wf_buf_append(out, d.all.p ? d.all.p : "", d.all.len);
    if (u)
        *u = s.usage;
    wf_llm_sse_cleanup(&s);
    wf_buf_cleanup(&d.all);
    return rc;
}

static void test_sse_splits(void **state)
{
    struct wf_buf out;
    struct wf_llm_usage u;
    size_t len = sizeof(sse_stream) - 1;
    (void)state;
    wf_buf_init(&out, 1 << 20);
    for (size_t split = 0; split <= len; split++) {
        wf_buf_reset(&out);
        assert_int_equal(sse_run(sse_stream, len, split, &out, &u), WF_OK);
        assert_string_equal(out.p, sse_text);
        assert_int_equal(u.prompt_tokens, 3);
        assert_int_equal(u.total_tokens, 7);
    }
    wf_buf_reset(&out);
    assert_int_equal(sse_run(sse_stream, len, (size_t)-1, &out, NULL), WF_OK);
    assert_string_equal(out.p, sse_text);
    wf_buf_cleanup(&out);
}

static void test_sse_errors(void **state)
{
    struct wf_buf out;
    (void)state;
    wf_buf_init(&out, 1 << 20);
    /* no [DONE]: a cut stream */
    const char *cut = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n";
    assert_int_equal(sse_run(cut, strlen(cut), 3, &out, NULL), WF_EFORMAT);
    /* [DONE] as the last line without its blank line is enough */
    const char *last = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]";
    wf_buf_reset(&out);
    assert_int_equal(sse_run(last, strlen(last), 5, &out, NULL), WF_OK);
    assert_string_equal(out.p, "a");
    /* an error event, a non-JSON event */
    const char *e1 = "data: {\"error\":{\"message\":\"boom\"}}\n\n";
    assert_int_equal(sse_run(e1, strlen(e1), 0, &out, NULL), WF_EFORMAT);
    const char *e2 = "data: not json\n\ndata: [DONE]\n\n";
    assert_int_equal(sse_run(e2, strlen(e2), 9, &out, NULL), WF_EFORMAT);
    /* an endless line hits the cap */
    struct wf_llm_sse s;
    wf_llm_sse_init(&s, NULL, NULL);
    static char junk[64 * 1024];
    memset(junk, 'x', sizeof(junk));
    int rc = WF_OK;
    for (int i = 0; !rc && i < 20; i++)
        rc = wf_llm_sse_feed(&s, junk, sizeof(junk));
    assert_int_equal(rc, WF_ETOOBIG);
    wf_llm_sse_cleanup(&s);
    wf_buf_cleanup(&out);
}

static void test_parse_response(void **state)
{
    struct wf_buf t;
    struct wf_llm_usage u;
    (void)state;
    wf_buf_init(&t, 16);
    const char *ok = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}],"
                     "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";
    assert_int_equal(wf_llm_parse_response(ok, strlen(ok), &t, &u), WF_OK);
    assert_string_equal(t.p, "hi");
    assert_int_equal(u.prompt_tokens, 5);
    assert_int_equal(u.total_tokens, 6);
    const char *nousage = "{\"choices\":[{\"message\":{\"content\":\"\"}}]}";
    assert_int_equal(wf_llm_parse_response(nousage, strlen(nousage), &t, &u), WF_OK);
    assert_int_equal(u.prompt_tokens, -1);
    const char *bad[] = {"",
                         "[]",
                         "{\"error\":{\"message\":\"x\"}}",
                         "{\"choices\":[]}",
                         "{\"choices\":[{\"message\":{\"content\":null}}]}",
                         "{\"choices\":[{\"message\":{\"content\":\"a\"}}]} trailing"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(wf_llm_parse_response(bad[i], strlen(bad[i]), &t, NULL), WF_EFORMAT);
    /* the cap of text: unchanged on failure */
    const char *lng = "{\"choices\":[{\"message\":{\"content\":\"0123456789abcdefXYZ\"}}]}";
    assert_int_equal(wf_llm_parse_response(lng, strlen(lng), &t, NULL), WF_ETOOBIG);
    assert_string_equal(t.p, "hi");
    wf_buf_cleanup(&t);
}

static void expect_json(const char *text, int kind, const char *want)
{
    struct wf_str s;
    int rc = wf_llm_extract_json(text, strlen(text), kind, &s);
    if (!want) {
        assert_int_equal(rc, WF_EFORMAT);
        return;
    }
    assert_int_equal(rc, WF_OK);
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.p, want, s.len);
}

static void test_extract_json(void **state)
{
    (void)state;
    expect_json("[1, 2]", '[', "[1, 2]");
    expect_json("  \n[{\"a\": \"]\"}]  \n", '[', "[{\"a\": \"]\"}]");
    expect_json("```json\n[{\"a\":1}]\n```", '[', "[{\"a\":1}]");
    expect_json("Sure! Here:\n```\n[]\n```\nDone [1].", '[', "[]");
    expect_json("Comments [see 1]:\n[{\"line\": 3}]\nHope [this] helps", '[', "[{\"line\": 3}]");
    expect_json("noise ```python\nx=[\n``` then [\"ok\"]", '[', "[\"ok\"]");
    expect_json("answer: {\"comments\": [1]} end", '{', "{\"comments\": [1]}");
    expect_json("[{\"path\": \"a\", \"line\": 2,", '[', NULL);
    expect_json("no json here", '[', NULL);
    expect_json("{\"a\": 1}", '[', NULL);
    expect_json("", '[', NULL);
    struct wf_str s;
    assert_int_equal(wf_llm_extract_json("[]", 2, 'x', &s), WF_EINVAL);
}

static void test_prompts(void **state)
{
    struct wf_buf b;
    size_t n;
    (void)state;
    assert_true(wf_llm_prompts(&n) != NULL && n >= 1);
    const struct wf_llm_prompt *p = wf_llm_prompt("review");
    assert_non_null(p);
    assert_null(wf_llm_prompt("nope"));
    assert_non_null(strstr(p->user, "{{hunks}}"));
    wf_buf_init(&b, 1 << 20);
    const char *keys[] = {"a", "bb"};
    struct wf_str vals[] = {wf_str_c("X"), wf_str_c("{{a}}")};
    assert_int_equal(wf_llm_render("<{{a}}|{{bb}}|{a}|{{a}}>", keys, vals, 2, &b), WF_OK);
    assert_string_equal(b.p, "<X|{{a}}|{a}|X>");
    assert_int_equal(wf_llm_render("!{{c}}", keys, vals, 2, &b), WF_EINVAL);
    assert_string_equal(b.p, "<X|{{a}}|{a}|X>");
    wf_buf_reset(&b);
    const char *rk[] = {"path", "hunks", "max_comments"};
    struct wf_str rv[] = {wf_str_c("src/a.c"), wf_str_c("+  2|x"), wf_str_c("5")};
    assert_int_equal(wf_llm_render(p->user, rk, rv, 3, &b), WF_OK);
    assert_null(strstr(b.p, "{{"));
    assert_non_null(strstr(b.p, "`src/a.c`"));
    wf_buf_cleanup(&b);
    struct wf_llm_msg m[2] = {{WF_LLM_USER, wf_str_c("abcd")}, {WF_LLM_USER, wf_str_c("abcde")}};
    assert_int_equal(wf_llm_estimate_tokens(m, 2), (1 + 4) + (2 + 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chat_plain),   cmocka_unit_test(test_chat_stream),
        cmocka_unit_test(test_chat_retries), cmocka_unit_test(test_chat_timeout),
        cmocka_unit_test(test_chat_budget),  cmocka_unit_test(test_chat_auth),
        cmocka_unit_test(test_chat_errors),  cmocka_unit_test(test_sse_splits),
        cmocka_unit_test(test_sse_errors),   cmocka_unit_test(test_parse_response),
        cmocka_unit_test(test_extract_json), cmocka_unit_test(test_prompts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
