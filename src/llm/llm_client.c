/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The chat-completions client: builds the JSON request (model, messages,
 * max_tokens, temperature, stream), applies the prompt-token budget, and
 * POSTs it with one libcurl easy handle per attempt under one deadline for
 * the whole call. 429, 5xx and transport errors are retried with
 * exponential backoff that honours Retry-After; redirects are never
 * followed, so the bearer key only goes to base_url's origin. Error
 * messages name the URL without user info or query and never the key.
 */
#include "llm/llm.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#if LIBCURL_VERSION_NUM < 0x075500
#error "llm needs libcurl >= 7.85 (CURLOPT_PROTOCOLS_STR, curl_easy_header)"
#endif

#ifndef WF_VERSION
#define WF_VERSION "0"
#endif

#define CONNECT_TIMEOUT_MS 10000L
#define ERRBODY_BYTES 4096u

void wf_llm_config_init(struct wf_llm_config *c)
{
    memset(c, 0, sizeof(*c));
    c->timeout_ms = WF_LLM_DEFAULT_TIMEOUT_MS;
    c->max_retries = WF_LLM_DEFAULT_MAX_RETRIES;
    c->backoff_ms = WF_LLM_DEFAULT_BACKOFF_MS;
    c->max_tokens = WF_LLM_DEFAULT_MAX_TOKENS;
    c->temperature = 0;
    c->max_prompt_tokens = WF_LLM_DEFAULT_PROMPT_TOKENS;
    c->truncate = 0;
}

int wf_llm_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? WF_OK : WF_EINTERNAL;
}

void wf_llm_global_cleanup(void)
{
    curl_global_cleanup();
}

size_t wf_llm_estimate_tokens(const struct wf_llm_msg *msgs, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += (msgs[i].content.len + 3) / 4 + 4;
    return t;
}

/* ---- errors ------------------------------------------------------------------ */

static void put_err(struct wf_buf *err, const char *url, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* err = "POST <url without user info or query>: <fmt...>" */
static void put_err(struct wf_buf *err, const char *url, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return;
    wf_buf_reset(err);
    (void)wf_buf_puts(err, "POST ");
    CURLU *u = curl_url();
    char *s = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        (void)wf_buf_puts(err, s);
    else
        (void)wf_buf_puts(err, "(the LLM URL)");
    curl_free(s);
    curl_url_cleanup(u);
    (void)wf_buf_puts(err, ": ");
    va_start(ap, fmt);
    (void)wf_buf_vappendf(err, fmt, ap);
    va_end(ap);
}

/* Appends ": <message>" of an OpenAI-style error body ({"error":
 * {"message"}} or {"error": "..."}): at most 200 bytes, control bytes as
 * spaces, nothing when it holds the key. */
static void put_upstream_message(struct wf_buf *err, const struct wf_buf *body, const char *key)
{
    if (!err || !body->len)
        return;
    json_t *j = json_loadb(body->p, body->len, 0, NULL);
    json_t *e = json_object_get(j, "error");
    json_t *m = json_is_object(e) ? json_object_get(e, "message") : e;
    if (!json_is_string(m))
        m = json_object_get(j, "message");
    const char *s = json_is_string(m) ? json_string_value(m) : NULL;
    if (s && *s && !(key && *key && strstr(s, key))) {
        size_t n = strlen(s);
        (void)wf_buf_puts(err, ": ");
        for (size_t i = 0; i < n && i < 200; i++)
            (void)wf_buf_putc(err, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
    }
    json_decref(j);
}

/* ---- request body --------------------------------------------------------------- */

static const char *role_name(enum wf_llm_role r)
{
    return r == WF_LLM_SYSTEM ? "system" : r == WF_LLM_ASSISTANT ? "assistant" : "user";
}

/* Length of the longest prefix of s[0..max) that does not cut a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static int build_body(const struct wf_llm_config *cfg, const struct wf_llm_msg *msgs, size_t n,
                      size_t cut_msg, size_t cut_len, int stream, struct wf_buf *b)
{
    int rc = wf_buf_puts(b, "{\"model\":\"");
    if (!rc)
        rc = wf_buf_json_escape(b, cfg->model, strlen(cfg->model));
    if (!rc)
        rc = wf_buf_puts(b, "\",\"messages\":[");
    for (size_t i = 0; !rc && i < n; i++) {
        const struct wf_llm_msg *m = &msgs[i];
        size_t len = i == cut_msg ? cut_len : m->content.len;
        rc = wf_buf_appendf(b, "%s{\"role\":\"%s\",\"content\":\"", i ? "," : "",
                            role_name(m->role));
        if (!rc)
            rc = wf_buf_json_escape(b, m->content.p ? m->content.p : "", len);
        if (!rc && i == cut_msg)
            rc = wf_buf_json_escape(b, WF_LLM_TRUNCATED_MARK, strlen(WF_LLM_TRUNCATED_MARK));
        if (!rc)
            rc = wf_buf_puts(b, "\"}");
    }
    if (!rc)
        rc = wf_buf_putc(b, ']');
    if (!rc && cfg->max_tokens > 0)
        rc = wf_buf_appendf(b, ",\"max_tokens\":%ld", cfg->max_tokens);
    if (!rc && cfg->temperature >= 0)
        rc = wf_buf_appendf(b, ",\"temperature\":%.3f", cfg->temperature);
    if (!rc && stream)
        rc = wf_buf_puts(b, ",\"stream\":true");
    if (!rc)
        rc = wf_buf_puts(b, "}");
    return rc;
}

/* Applies the budget: *cut_msg = index of the message to truncate (n = none). */
static int budget(const struct wf_llm_config *cfg, const struct wf_llm_msg *msgs, size_t n,
                  size_t *cut_msg, size_t *cut_len)
{
    size_t est = wf_llm_estimate_tokens(msgs, n);
    *cut_msg = n;
    *cut_len = 0;
    if (!cfg->max_prompt_tokens || est <= cfg->max_prompt_tokens)
        return WF_OK;
    if (!cfg->truncate)
        return WF_ETOOBIG;
    size_t last = n;
    for (size_t i = 0; i < n; i++)
        if (msgs[i].role == WF_LLM_USER)
            last = i;
    if (last == n)
        return WF_ETOOBIG;
    size_t over_bytes = (est - cfg->max_prompt_tokens) * 4 + strlen(WF_LLM_TRUNCATED_MARK) + 4;
    if (over_bytes >= msgs[last].content.len)
        return WF_ETOOBIG;
    *cut_msg = last;
    *cut_len = utf8_cut(msgs[last].content.p, msgs[last].content.len - over_bytes);
    return WF_OK;
}

/* ---- one attempt ------------------------------------------------------------------- */

struct xfer {
    CURL *h;
    int started;           /* first body byte seen */
    int ok;                /* 2xx */
    int stream;            /* parse as an event stream */
    struct wf_buf body;    /* whole 2xx body (non-streaming) */
    struct wf_buf errbody; /* head of a non-2xx body */
    struct wf_llm_sse sse;
    struct wf_buf *text; /* streamed text collected here */
    const struct wf_llm_chat_opts *opts;
    size_t delivered; /* deltas given to on_delta */
    int rc;           /* why the callback stopped */
};

static int on_delta(void *ud, const char *p, size_t len)
{
    struct xfer *x = ud;
    int rc = wf_buf_append(x->text, p, len);
    if (rc)
        return rc;
    x->delivered++;
    if (x->opts && x->opts->on_delta)
        return x->opts->on_delta(x->opts->ud, p, len);
    return WF_OK;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (!x->started) {
        long status = 0;
        char *ctype = NULL;
        x->started = 1;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        x->ok = status >= 200 && status < 300;
        curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ctype);
        /* a server that ignores "stream" answers one JSON body */
        if (x->stream && ctype && strncmp(ctype, "application/json", 16) == 0)
            x->stream = 0;
    }
    if (!x->ok) {
        size_t room = x->errbody.max_bytes - x->errbody.len;
        (void)wf_buf_append(&x->errbody, p, n < room ? n : room);
        return n;
    }
    int rc = x->stream ? wf_llm_sse_feed(&x->sse, p, n) : wf_buf_append(&x->body, p, n);
    if (rc) {
        x->rc = rc;
        return 0;
    }
    return n;
}

/* Retry-After in ms (delta-seconds or an HTTP date), -1 when absent. */
static long retry_after_ms(CURL *h)
{
    struct curl_header *hd = NULL;
    if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &hd) != CURLHE_OK || !hd)
        return -1;
    long secs;
    if (wf_parse_long(hd->value, 0, 86400, &secs) == WF_OK)
        return secs * 1000;
    time_t t = curl_getdate(hd->value, NULL);
    if (t < 0)
        return -1;
    time_t now = time(NULL);
    return t > now ? (long)(t - now) * 1000 : 0;
}

enum verdict { DONE, RETRY };

/* ---- the call ------------------------------------------------------------------------ */

int wf_llm_chat(const struct wf_llm_config *cfg, const struct wf_llm_msg *msgs, size_t n,
                const struct wf_llm_chat_opts *opts, struct wf_buf *out_text, struct wf_buf *err)
{
    CURL *h = NULL;
    struct curl_slist *hdrs = NULL, *t;
    struct wf_buf url, req, auth, text;
    struct xfer x;
    char errbuf[CURL_ERROR_SIZE];
    int stream = opts && opts->stream;
    int attempts = 0;
    size_t cut_msg, cut_len;
    int rc;

    memset(&x, 0, sizeof(x));
    wf_buf_init(&url, WF_LLM_MAX_URL_BYTES + 32);
    wf_buf_init(&req, WF_LLM_MAX_REQUEST_BYTES);
    wf_buf_init(&auth, WF_LLM_MAX_KEY_BYTES + 32);
    wf_buf_init(&text, WF_LLM_MAX_TEXT_BYTES);
    wf_buf_init(&x.body, WF_LLM_MAX_RESPONSE_BYTES);
    wf_buf_init(&x.errbody, ERRBODY_BYTES);
    wf_llm_sse_init(&x.sse, on_delta, &x);
    if (err)
        wf_buf_reset(err);

    const char *base = cfg ? cfg->base_url : NULL;
    if (!cfg || !base || !*base || strlen(base) > WF_LLM_MAX_URL_BYTES || !cfg->model ||
        !*cfg->model || !msgs || n == 0 || n > WF_LLM_MAX_MESSAGES ||
        (cfg->api_key && strlen(cfg->api_key) > WF_LLM_MAX_KEY_BYTES) ||
        (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))) {
        rc = WF_EINVAL;
        if (err)
            (void)wf_buf_puts(err, "llm: base URL (http or https), model and at least one "
                                   "message are required");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (msgs[i].content.len && !msgs[i].content.p) {
            rc = WF_EINVAL;
            goto out;
        }
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    rc = wf_buf_append(&url, base, bl);
    if (!rc)
        rc = wf_buf_puts(&url, "/chat/completions");
    if (rc)
        goto out;

    rc = budget(cfg, msgs, n, &cut_msg, &cut_len);
    if (rc) {
        put_err(err, url.p, "prompt of about %zu tokens exceeds the budget of %zu",
                wf_llm_estimate_tokens(msgs, n), cfg->max_prompt_tokens);
        goto out;
    }
    if (opts && opts->truncated)
        *opts->truncated = cut_msg < n;
    rc = build_body(cfg, msgs, n, cut_msg, cut_len, stream, &req);
    if (rc) {
        put_err(err, url.p, "request body: %s", wf_strerror(rc));
        goto out;
    }

    rc = WF_ENOMEM;
    if (!(t = curl_slist_append(hdrs, "Content-Type: application/json")))
        goto nomem;
    hdrs = t;
    if (!(t = curl_slist_append(hdrs,
                                stream ? "Accept: text/event-stream" : "Accept: application/json")))
        goto nomem;
    hdrs = t;
    if (!(t = curl_slist_append(hdrs, "Expect:")))
        goto nomem;
    hdrs = t;
    if (cfg->api_key && *cfg->api_key) {
        if (wf_buf_appendf(&auth, "Authorization: Bearer %s", cfg->api_key))
            goto nomem;
        if (!(t = curl_slist_append(hdrs, auth.p)))
            goto nomem;
        hdrs = t;
    }
    if (!(h = curl_easy_init()))
        goto nomem;
    x.h = h;
    x.opts = opts;
    x.text = &text;

    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "workflowai/" WF_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    curl_easy_setopt(h, CURLOPT_URL, url.p);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req.len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.p);

    long timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : WF_LLM_DEFAULT_TIMEOUT_MS;
    uint64_t deadline = wf_now_ms() + (uint64_t)timeout_ms;
    long backoff = cfg->backoff_ms > 0 ? cfg->backoff_ms : WF_LLM_DEFAULT_BACKOFF_MS;
    for (int attempt = 0;; attempt++) {
        uint64_t now = wf_now_ms();
        long status = 0;
        long wait_ms = -1;
        enum verdict v = DONE;
        if (now >= deadline) {
            rc = WF_ETIMEOUT;
            put_err(err, url.p, "timed out after %ld ms", timeout_ms);
            goto out;
        }
        long left_ms = (long)(deadline - now);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         left_ms < CONNECT_TIMEOUT_MS ? left_ms : CONNECT_TIMEOUT_MS);
        x.started = x.ok = 0;
        x.rc = 0;
        x.stream = stream;
        wf_buf_reset(&x.body);
        wf_buf_reset(&x.errbody);
        wf_buf_reset(&text);
        wf_llm_sse_cleanup(&x.sse);
        wf_llm_sse_init(&x.sse, on_delta, &x);
        errbuf[0] = 0;
        attempts++;

        CURLcode code = curl_easy_perform(h);
        if (x.rc) {
            rc = x.rc;
            if (rc == WF_ETOOBIG)
                put_err(err, url.p, "response exceeds a size limit");
            else if (rc == WF_EFORMAT)
                put_err(err, url.p, "malformed event stream");
            else
                put_err(err, url.p, "stopped (%s)", wf_errname(rc));
            goto out;
        }
        if (code == CURLE_OPERATION_TIMEDOUT) {
            rc = WF_ETIMEOUT;
            put_err(err, url.p, "timed out after %ld ms", timeout_ms);
            goto out;
        }
        if (code != CURLE_OK) {
            rc = WF_EUPSTREAM;
            put_err(err, url.p, "%s", errbuf[0] ? errbuf : curl_easy_strerror(code));
            v = RETRY;
        } else {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            if (status >= 200 && status < 300) {
                if (x.stream)
                    rc = wf_llm_sse_finish(&x.sse);
                else
                    rc = wf_llm_parse_response(x.body.p ? x.body.p : "", x.body.len, &text,
                                               opts ? opts->usage : NULL);
                if (rc) {
                    put_err(err, url.p, "%s",
                            rc == WF_EFORMAT ? "malformed response (no choices[0] content)"
                                             : wf_strerror(rc));
                    goto out;
                }
                if (x.stream && opts && opts->usage)
                    *opts->usage = x.sse.usage;
                if (!x.stream && x.opts && x.opts->on_delta && text.len)
                    rc = x.opts->on_delta(x.opts->ud, text.p, text.len);
                if (!rc)
                    rc = wf_buf_append(out_text, text.p ? text.p : "", text.len);
                if (rc)
                    put_err(err, url.p, "%s", wf_strerror(rc));
                goto out;
            }
            put_err(err, url.p, "HTTP %ld", status);
            put_upstream_message(err, &x.errbody, cfg->api_key);
            if (status == 401 || status == 403) {
                rc = WF_EAUTH;
            } else if (status == 429) {
                rc = WF_ERATE;
                v = RETRY;
                wait_ms = retry_after_ms(h);
            } else if (status >= 500) {
                rc = WF_EUPSTREAM;
                v = RETRY;
                wait_ms = retry_after_ms(h);
            } else {
                rc = status == 404 ? WF_ENOENT : WF_EUPSTREAM;
                if (status >= 300 && status < 400)
                    (void)wf_buf_puts(err, " (redirects are not followed: use the final URL)");
            }
        }
        /* a streamed answer already shown to the caller cannot be taken back */
        if (v == DONE || attempt >= cfg->max_retries || x.delivered)
            goto out;
        if (wait_ms < 0)
            wait_ms = backoff;
        if (wait_ms > WF_LLM_MAX_BACKOFF_MS)
            wait_ms = WF_LLM_MAX_BACKOFF_MS;
        now = wf_now_ms();
        if (now + (uint64_t)wait_ms >= deadline)
            goto out; /* no time left to wait: keep this attempt's error */
        wf_sleep_ms(wait_ms);
        if (backoff < WF_LLM_MAX_BACKOFF_MS / 2)
            backoff *= 2;
    }

nomem:
    rc = WF_ENOMEM;
    put_err(err, url.len ? url.p : "", "out of memory");
out:
    if (opts && opts->attempts)
        *opts->attempts = attempts;
    /* belt and braces: the key never leaves in a message */
    if (rc && err && err->len && cfg && cfg->api_key && *cfg->api_key &&
        strstr(err->p, cfg->api_key)) {
        wf_buf_reset(err);
        (void)wf_buf_appendf(err, "llm request failed (%s)", wf_errname(rc));
    }
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    if (auth.p)
        memset(auth.p, 0, auth.len);
    wf_buf_cleanup(&auth);
    wf_buf_cleanup(&url);
    wf_buf_cleanup(&req);
    wf_buf_cleanup(&text);
    wf_buf_cleanup(&x.body);
    wf_buf_cleanup(&x.errbody);
    wf_llm_sse_cleanup(&x.sse);
    return rc;
}
