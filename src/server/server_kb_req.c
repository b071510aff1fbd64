/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers of the knowledge-base request bodies: a document upload, a
 * search, an OpenAI-compatible chat completion. Pure functions over the
 * bytes a client sent (fuzzed in tests/fuzz/kb_requests); every refusal
 * names the field at fault, and nothing is half-filled on error.
 */
#include <string.h>

#include "server/server_int.h"

static void bad(struct wf_buf *err, const char *fmt, const char *field)
{
    if (err)
        wf_buf_appendf(err, fmt, field);
}

/* Parses the body as one JSON object. */
static int load(const char *body, size_t len, json_t **out, struct wf_buf *err)
{
    json_error_t je;
    json_t *o = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!o || !json_is_object(o)) {
        if (err) {
            if (o)
                wf_buf_puts(err, "body: expected a JSON object");
            else
                wf_buf_appendf(err, "body: malformed JSON: %s (line %d)", je.text, je.line);
        }
        json_decref(o);
        return WF_EFORMAT;
    }
    *out = o;
    return WF_OK;
}

/* Refuses members not in known (a misspelt field must not be ignored). */
static int only(json_t *o, const char *const *known, size_t n, struct wf_buf *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (i < n && strcmp(k, known[i]) != 0)
            i++;
        if (i == n) {
            if (err)
                wf_buf_appendf(err, "%.64s: unknown field", k);
            return WF_EINVAL;
        }
    }
    return WF_OK;
}

/* An optional string member of 1..max bytes (without NUL bytes): *out owned
 * copy or NULL when absent (or null). */
static int opt_str(json_t *o, const char *field, size_t max, char **out, struct wf_buf *err)
{
    json_t *v = json_object_get(o, field);
    *out = NULL;
    if (!v || json_is_null(v))
        return WF_OK;
    if (!json_is_string(v)) {
        bad(err, "%s: expected a string", field);
        return WF_EINVAL;
    }
    size_t n = json_string_length(v);
    if (n > max) {
        if (err)
            wf_buf_appendf(err, "%s: longer than %zu bytes", field, max);
        return WF_ETOOBIG;
    }
    if (!n || memchr(json_string_value(v), '\0', n)) {
        bad(err, "%s: expected a non-empty string without NUL characters", field);
        return WF_EINVAL;
    }
    *out = wf_strndup(json_string_value(v), n);
    return *out ? WF_OK : WF_ENOMEM;
}

/* An optional integer member in [min, max]; *out unchanged when absent. */
static int opt_int(json_t *o, const char *field, long min, long max, size_t *out,
                   struct wf_buf *err)
{
    json_t *v = json_object_get(o, field);
    if (!v || json_is_null(v))
        return WF_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        if (err)
            wf_buf_appendf(err, "%s: expected an integer in %ld..%ld", field, min, max);
        return WF_EINVAL;
    }
    *out = (size_t)json_integer_value(v);
    return WF_OK;
}

static int b64val(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

/* Standard or URL-safe base64, padding optional, whitespace (line breaks
 * of MIME encoders) skipped. Owned output. WF_EFORMAT on anything else. */
static int unbase64(const char *s, size_t len, char **out, size_t *out_len)
{
    char *p = wf_malloc(len / 4 * 3 + 3);
    if (!p)
        return WF_ENOMEM;
    size_t n = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            continue;
        if (ch == '=') {
            pad++;
            continue;
        }
        int v = b64val(ch);
        if (v < 0 || pad) { /* a bad character, or data after padding */
            wf_free(p);
            return WF_EFORMAT;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            p[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    if (bits >= 6 || pad > 2) { /* one dangling character cannot encode a byte */
        wf_free(p);
        return WF_EFORMAT;
    }
    p[n] = '\0';
    *out = p;
    *out_len = n;
    return WF_OK;
}

void wf_server__kb_doc_cleanup(struct wf_server__kb_doc_req *r)
{
    if (!r)
        return;
    wf_free(r->name);
    wf_free(r->format);
    wf_free(r->data);
    memset(r, 0, sizeof(*r));
}

int wf_server__kb_doc_parse(const char *body, size_t len, struct wf_server__kb_doc_req *out,
                            struct wf_buf *err)
{
    static const char *const known[] = {"name", "format", "content", "content_base64"};
    struct wf_server__kb_doc_req r;
    memset(&r, 0, sizeof(r));
    json_t *o = NULL;
    int rc = load(body, len, &o, err);
    if (!rc)
        rc = only(o, known, 4, err);
    if (!rc)
        rc = opt_str(o, "name", WF_STORE_KB_NAME_BYTES - 1, &r.name, err);
    if (!rc && !r.name) {
        bad(err, "%s: required (the document's name, e.g. \"runbooks/disk-full.md\")", "name");
        rc = WF_EINVAL;
    }
    if (!rc) {
        for (const unsigned char *p = (const unsigned char *)r.name; *p && !rc; p++)
            if (*p < 0x20 || *p == 0x7f) {
                bad(err, "%s: control characters are not allowed", "name");
                rc = WF_EINVAL;
            }
    }
    if (!rc)
        rc = opt_str(o, "format", 16, &r.format, err);
    json_t *text = rc ? NULL : json_object_get(o, "content");
    json_t *b64 = rc ? NULL : json_object_get(o, "content_base64");
    if (!rc && (!text) == (!b64)) {
        bad(err, "%s: exactly one of content (text) or content_base64 (binary) is required",
            "content");
        rc = WF_EINVAL;
    }
    if (!rc && text) {
        if (!json_is_string(text)) {
            bad(err, "%s: expected a string", "content");
            rc = WF_EINVAL;
        } else if (json_string_length(text) > WF_KB_MAX_DOC_BYTES) {
            bad(err, "%s: the document is over 16 MiB", "content");
            rc = WF_ETOOBIG;
        } else {
            r.len = json_string_length(text);
            r.data = wf_strndup(json_string_value(text), r.len);
            rc = r.data ? WF_OK : WF_ENOMEM;
        }
    }
    if (!rc && b64) {
        if (!json_is_string(b64)) {
            bad(err, "%s: expected a base64 string", "content_base64");
            rc = WF_EINVAL;
        } else if ((rc = unbase64(json_string_value(b64), json_string_length(b64), &r.data,
                                  &r.len)) != WF_OK) {
            if (rc == WF_EFORMAT)
                bad(err, "%s: not valid base64", "content_base64");
        } else if (r.len > WF_KB_MAX_DOC_BYTES) {
            bad(err, "%s: the document is over 16 MiB", "content_base64");
            rc = WF_ETOOBIG;
        }
    }
    json_decref(o);
    if (rc) {
        wf_server__kb_doc_cleanup(&r);
        return rc;
    }
    *out = r;
    return WF_OK;
}

void wf_server__search_cleanup(struct wf_server__search_req *r)
{
    if (!r)
        return;
    wf_free(r->query);
    memset(r, 0, sizeof(*r));
}

int wf_server__search_parse(const char *body, size_t len, struct wf_server__search_req *out,
                            struct wf_buf *err)
{
    static const char *const known[] = {"query", "mode", "top_k", "fusion"};
    struct wf_server__search_req r;
    memset(&r, 0, sizeof(r));
    r.mode = WF_SEARCH_HYBRID;
    r.fusion = WF_FUSION_RRF;
    r.top_k = WF_KB_DEFAULT_TOP_K;
    char *mode = NULL, *fusion = NULL;
    json_t *o = NULL;
    int rc = load(body, len, &o, err);
    if (!rc)
        rc = only(o, known, 4, err);
    if (!rc)
        rc = opt_str(o, "query", WF_KB_MAX_QUERY_BYTES, &r.query, err);
    if (!rc && !r.query) {
        bad(err, "%s: required", "query");
        rc = WF_EINVAL;
    }
    if (!rc)
        rc = opt_str(o, "mode", 16, &mode, err);
    if (!rc && mode && wf_search_mode_parse(mode, &r.mode) != WF_OK) {
        bad(err, "%s: expected keyword, semantic or hybrid", "mode");
        rc = WF_EINVAL;
    }
    if (!rc)
        rc = opt_str(o, "fusion", 16, &fusion, err);
    if (!rc && fusion && wf_search_fusion_parse(fusion, &r.fusion) != WF_OK) {
        bad(err, "%s: expected rrf or weighted", "fusion");
        rc = WF_EINVAL;
    }
    if (!rc)
        rc = opt_int(o, "top_k", 1, WF_KB_MAX_TOP_K, &r.top_k, err);
    if (rc == WF_ETOOBIG)
        rc = WF_EINVAL; /* an over-long query is a bad request, not a big body */
    wf_free(mode);
    wf_free(fusion);
    json_decref(o);
    if (rc) {
        wf_server__search_cleanup(&r);
        return rc;
    }
    *out = r;
    return WF_OK;
}

void wf_server__chat_cleanup(struct wf_server__chat_req *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_msgs; i++)
        wf_free(r->texts[i]);
    wf_free(r->texts);
    wf_free(r->msgs);
    wf_free(r->model);
    memset(r, 0, sizeof(*r));
}

/* The text of a message's content: a string, or an array of parts of
 * which the {"type":"text","text":...} ones are joined. */
static int content_text(json_t *c, size_t i, struct wf_buf *b, struct wf_buf *err)
{
    if (json_is_string(c))
        return wf_buf_append(b, json_string_value(c), json_string_length(c));
    if (json_is_array(c)) {
        size_t k;
        json_t *part;
        json_array_foreach(c, k, part)
        {
            json_t *t = json_object_get(part, "text");
            if (!json_is_object(part) || !json_is_string(json_object_get(part, "type")) ||
                strcmp(json_string_value(json_object_get(part, "type")), "text") != 0 ||
                !json_is_string(t)) {
                if (err)
                    wf_buf_appendf(err, "messages[%zu].content[%zu]: only text parts are supported",
                                   i, k);
                return WF_EINVAL;
            }
            int rc = wf_buf_append(b, json_string_value(t), json_string_length(t));
            if (rc)
                return rc;
        }
        return WF_OK;
    }
    if (err)
        wf_buf_appendf(err, "messages[%zu].content: expected a string", i);
    return WF_EINVAL;
}

int wf_server__chat_parse(const char *body, size_t len, struct wf_server__chat_req *out,
                          struct wf_buf *err)
{
    struct wf_server__chat_req r;
    memset(&r, 0, sizeof(r));
    json_t *o = NULL;
    int rc = load(body, len, &o, err);
    if (!rc)
        rc = opt_str(o, "model", 256, &r.model, err);
    json_t *st = rc ? NULL : json_object_get(o, "stream");
    if (!rc && st && !json_is_null(st) && !json_is_boolean(st)) {
        bad(err, "%s: expected true or false", "stream");
        rc = WF_EINVAL;
    }
    r.stream = st && json_is_true(st);
    if (!rc)
        rc = opt_int(o, "top_k", 1, WF_KB_MAX_ANSWER_TOP_K, &r.top_k, err);
    json_t *msgs = rc ? NULL : json_object_get(o, "messages");
    if (!rc && (!json_is_array(msgs) || !json_array_size(msgs))) {
        bad(err, "%s: expected a non-empty array of {\"role\",\"content\"}", "messages");
        rc = WF_EINVAL;
    }
    if (!rc && json_array_size(msgs) > WF_SERVER__CHAT_MESSAGES) {
        if (err)
            wf_buf_appendf(err, "messages: more than %u messages", WF_SERVER__CHAT_MESSAGES);
        rc = WF_EINVAL;
    }
    size_t n = rc ? 0 : json_array_size(msgs), total = 0;
    if (n) {
        r.msgs = wf_calloc(n, sizeof(*r.msgs));
        r.texts = wf_calloc(n, sizeof(*r.texts));
        if (!r.msgs || !r.texts)
            rc = WF_ENOMEM;
    }
    int have_user = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *m = json_array_get(msgs, i);
        json_t *role = json_object_get(m, "role");
        const char *rs = json_is_string(role) ? json_string_value(role) : "";
        enum wf_llm_role lr;
        if (strcmp(rs, "user") == 0)
            lr = WF_LLM_USER;
        else if (strcmp(rs, "assistant") == 0)
            lr = WF_LLM_ASSISTANT;
        else if (strcmp(rs, "system") == 0 || strcmp(rs, "developer") == 0)
            lr = WF_LLM_SYSTEM;
        else {
            if (err)
                wf_buf_appendf(err, "messages[%zu].role: expected system, user or assistant", i);
            rc = WF_EINVAL;
            break;
        }
        struct wf_buf b;
        wf_buf_init(&b, WF_SERVER__CHAT_BYTES);
        json_t *c = json_object_get(m, "content");
        rc = json_is_object(m) ? content_text(c, i, &b, err) : WF_EINVAL;
        if (rc == WF_EINVAL && err && !err->len)
            wf_buf_appendf(err, "messages[%zu]: expected an object", i);
        total += b.len;
        if (!rc && total > WF_SERVER__CHAT_BYTES) {
            if (err)
                wf_buf_appendf(err, "messages: more than %u bytes of content",
                               WF_SERVER__CHAT_BYTES);
            rc = WF_EINVAL;
        }
        if (!rc && b.len && memchr(b.p, '\0', b.len)) {
            if (err)
                wf_buf_appendf(err, "messages[%zu].content: NUL characters are not allowed", i);
            rc = WF_EINVAL;
        }
        if (rc) {
            if (rc == WF_ETOOBIG) {
                if (err && !err->len)
                    wf_buf_appendf(err, "messages: more than %u bytes of content",
                                   WF_SERVER__CHAT_BYTES);
                rc = WF_EINVAL;
            }
            wf_buf_cleanup(&b);
            break;
        }
        r.texts[i] = wf_buf_detach(&b);
        if (!r.texts[i]) {
            rc = WF_ENOMEM;
            break;
        }
        r.n_msgs = i + 1;
        r.msgs[i].role = lr;
        r.msgs[i].content = (struct wf_str){r.texts[i], strlen(r.texts[i])};
        if (lr == WF_LLM_USER && r.msgs[i].content.len) {
            r.question = i;
            have_user = 1;
        }
    }
    if (!rc && !have_user) {
        bad(err, "%s: no user message with content to answer", "messages");
        rc = WF_EINVAL;
    }
    if (!rc && r.msgs[r.question].content.len > WF_KB_MAX_QUERY_BYTES) {
        if (err)
            wf_buf_appendf(err, "messages[%zu].content: the question is longer than %u bytes",
                           r.question, WF_KB_MAX_QUERY_BYTES);
        rc = WF_EINVAL;
    }
    json_decref(o);
    if (rc) {
        wf_server__chat_cleanup(&r);
        return rc;
    }
    *out = r;
    return WF_OK;
}
