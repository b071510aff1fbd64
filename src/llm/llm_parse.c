/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The llm module's parsers, pure functions over bytes: a chat-completions
 * response body, a chunk-safe text/event-stream reader for streamed
 * completions, and the extraction of a JSON value from model output that
 * wraps it in fences or prose. No I/O here; tests/fuzz/llm_sse/ fuzzes all
 * three.
 */
#include "llm/llm.h"

#include <jansson.h>
#include <string.h>

static void usage_clear(struct wf_llm_usage *u)
{
    u->prompt_tokens = u->completion_tokens = u->total_tokens = -1;
}

static long usage_field(json_t *u, const char *key)
{
    json_t *v = json_object_get(u, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    return (long)json_integer_value(v);
}

static void usage_read(json_t *root, struct wf_llm_usage *out)
{
    json_t *u = json_object_get(root, "usage");
    if (!out || !json_is_object(u))
        return;
    out->prompt_tokens = usage_field(u, "prompt_tokens");
    out->completion_tokens = usage_field(u, "completion_tokens");
    out->total_tokens = usage_field(u, "total_tokens");
}

/* choices[0].<field>, NULL when absent. */
static json_t *choice0(json_t *root, const char *field)
{
    json_t *ch = json_object_get(root, "choices");
    if (!json_is_array(ch) || json_array_size(ch) == 0)
        return NULL;
    json_t *c = json_array_get(ch, 0);
    return json_is_object(c) ? json_object_get(c, field) : NULL;
}

int wf_llm_parse_response(const char *p, size_t len, struct wf_buf *text,
                          struct wf_llm_usage *usage)
{
    json_t *root = json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL);
    int rc = WF_EFORMAT;
    if (!json_is_object(root) || json_object_get(root, "error"))
        goto out;
    json_t *msg = choice0(root, "message");
    json_t *content = json_is_object(msg) ? json_object_get(msg, "content") : NULL;
    if (!json_is_string(content))
        goto out;
    rc = wf_buf_append(text, json_string_value(content), json_string_length(content));
    if (rc)
        goto out;
    if (usage) {
        usage_clear(usage);
        usage_read(root, usage);
    }
out:
    json_decref(root);
    return rc;
}

/* ---- event stream -------------------------------------------------------- */

void wf_llm_sse_init(struct wf_llm_sse *s, int (*on_delta)(void *ud, const char *p, size_t len),
                     void *ud)
{
    memset(s, 0, sizeof(*s));
    wf_buf_init(&s->line, WF_LLM_MAX_SSE_LINE_BYTES);
    wf_buf_init(&s->data, WF_LLM_MAX_SSE_LINE_BYTES);
    usage_clear(&s->usage);
    s->on_delta = on_delta;
    s->ud = ud;
}

void wf_llm_sse_cleanup(struct wf_llm_sse *s)
{
    if (!s)
        return;
    wf_buf_cleanup(&s->line);
    wf_buf_cleanup(&s->data);
}

static int dispatch(struct wf_llm_sse *s)
{
    int rc = WF_OK;
    if (!s->has_data)
        return WF_OK;
    s->has_data = 0;
    s->n_events++;
    const char *d = s->data.len ? s->data.p : "";
    size_t n = s->data.len;
    if (n == 6 && memcmp(d, "[DONE]", 6) == 0) {
        s->done = 1;
        goto out;
    }
    json_t *root = json_loadb(d, n, 0, NULL);
    if (!json_is_object(root) || json_object_get(root, "error")) {
        json_decref(root);
        rc = WF_EFORMAT;
        goto out;
    }
    usage_read(root, &s->usage);
    json_t *delta = choice0(root, "delta");
    json_t *content = json_is_object(delta) ? json_object_get(delta, "content") : NULL;
    if (json_is_string(content) && json_string_length(content) && s->on_delta)
        rc = s->on_delta(s->ud, json_string_value(content), json_string_length(content));
    json_decref(root);
out:
    wf_buf_reset(&s->data);
    return rc;
}

/* One complete line (without its end). */
static int on_line(struct wf_llm_sse *s, const char *l, size_t n)
{
    if (n == 0)
        return dispatch(s);
    if (l[0] == ':')
        return WF_OK;
    const char *colon = memchr(l, ':', n);
    size_t name_len = colon ? (size_t)(colon - l) : n;
    if (name_len != 4 || memcmp(l, "data", 4) != 0)
        return WF_OK; /* event, id, retry: nothing to do for chat chunks */
    const char *v = colon ? colon + 1 : l + n;
    size_t vn = (size_t)(l + n - v);
    if (vn && *v == ' ') {
        v++;
        vn--;
    }
    int rc = s->has_data ? wf_buf_putc(&s->data, '\n') : WF_OK;
    if (!rc)
        rc = wf_buf_append(&s->data, v, vn);
    s->has_data = 1;
    return rc;
}

int wf_llm_sse_feed(struct wf_llm_sse *s, const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && !s->done) {
        if (s->cr && p[i] == '\n') {
            s->cr = 0;
            i++;
            continue;
        }
        s->cr = 0;
        size_t j = i;
        while (j < len && p[j] != '\n' && p[j] != '\r')
            j++;
        /* the same cap however the stream is sliced */
        if (s->line.len + (j - i) > WF_LLM_MAX_SSE_LINE_BYTES)
            return WF_ETOOBIG;
        if (j == len) /* no line end in this slice: keep the piece */
            return wf_buf_append(&s->line, p + i, len - i);
        int rc;
        if (s->line.len) {
            rc = wf_buf_append(&s->line, p + i, j - i);
            if (!rc)
                rc = on_line(s, s->line.p, s->line.len);
            wf_buf_reset(&s->line);
        } else {
            rc = on_line(s, p + i, j - i);
        }
        if (rc)
            return rc;
        s->cr = p[j] == '\r';
        i = j + 1;
    }
    return WF_OK;
}

int wf_llm_sse_finish(struct wf_llm_sse *s)
{
    int rc = WF_OK;
    if (s->done)
        return WF_OK;
    if (s->line.len) {
        rc = on_line(s, s->line.p, s->line.len);
        wf_buf_reset(&s->line);
    }
    if (!rc)
        rc = dispatch(s);
    if (!rc && !s->done)
        rc = WF_EFORMAT;
    return rc;
}

/* ---- JSON in model output ---------------------------------------------------- */

#define MAX_TRIES 256

/* 1 when p[0..len) is exactly one JSON value of the kind (whitespace around allowed). */
static int parses_as(const char *p, size_t len, int kind, struct wf_str *span)
{
    json_error_t e;
    while (len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
        len--;
    }
    if (!len || *p != kind)
        return 0;
    json_t *j = json_loadb(p, len, JSON_DISABLE_EOF_CHECK, &e);
    if (!j)
        return 0;
    int ok = kind == '[' ? json_is_array(j) : json_is_object(j);
    json_decref(j);
    if (!ok || e.position <= 0 || (size_t)e.position > len)
        return 0;
    span->p = p;
    span->len = (size_t)e.position;
    /* the value ends at its closing bracket */
    while (span->len && span->p[span->len - 1] != (kind == '[' ? ']' : '}'))
        span->len--;
    return span->len > 0;
}

/* Next "```" at or after p, NULL when none. */
static const char *fence(const char *p, const char *end)
{
    for (; p + 3 <= end; p++) {
        p = memchr(p, '`', (size_t)(end - p));
        if (!p || p + 3 > end)
            return NULL;
        if (p[1] == '`' && p[2] == '`')
            return p;
    }
    return NULL;
}

int wf_llm_extract_json(const char *p, size_t len, int kind, struct wf_str *span)
{
    const char *end = p + len;
    int tries = 0;
    if (kind != '[' && kind != '{')
        return WF_EINVAL;
    if (!p)
        return WF_EFORMAT;
    /* fenced blocks: ```json\n ... ``` (the info string is skipped) */
    for (const char *f = fence(p, end); f && tries < MAX_TRIES; tries++) {
        const char *body = memchr(f + 3, '\n', (size_t)(end - f - 3));
        if (!body)
            break;
        body++;
        const char *close = fence(body, end);
        const char *bend = close ? close : end;
        if (parses_as(body, (size_t)(bend - body), kind, span))
            return WF_OK;
        if (!close)
            break;
        f = fence(close + 3, end);
    }
    /* prose around the value: each opening bracket in turn, the longest
     * value wins (a "[1]" citation in the prose must not hide the answer) */
    struct wf_str best = {NULL, 0}, cand;
    for (const char *q = p; q < end && tries < MAX_TRIES; q++) {
        q = memchr(q, kind, (size_t)(end - q));
        if (!q)
            break;
        tries++;
        if (parses_as(q, (size_t)(end - q), kind, &cand)) {
            if (cand.len > best.len)
                best = cand;
            q = cand.p + cand.len - 1; /* values inside this one are shorter */
        }
    }
    if (!best.len)
        return WF_EFORMAT;
    *span = best;
    return WF_OK;
}
