/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed: the OpenAI-compatible provider: POST {base_url}/embeddings with
 * {"model", "input": [...], "encoding_format": "float"} in batches, through
 * libcurl. One deadline per request (timeout_ms); HTTP 429 and 5xx and
 * connection errors are retried with exponential backoff, honouring
 * Retry-After, while the deadline allows. The first answer fixes the
 * dimension; later answers of another dimension are errors.
 */
#include "embed/embed_int.h"

#include <curl/curl.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_BATCH 64u
#define MAX_ATTEMPTS 4
#define BACKOFF_MS 250L
#define MAX_URL_BYTES 2048u
#define MAX_KEY_BYTES 4096u
#define ERRBODY_BYTES 4096u

struct openai {
    struct wf_embed base;
    char *url; /* {base_url}/embeddings, owned */
    char *key; /* owned, may be NULL */
    char *model_name;
    long timeout_ms;
    size_t batch;
};

struct xfer {
    CURL *h;
    struct wf_buf body;
    int ok;
    int started;
};

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (!x->started) {
        long status = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        x->ok = status >= 200 && status < 300;
        x->started = 1;
    }
    if (!x->ok) { /* keep the start of an error body for the message */
        size_t room = ERRBODY_BYTES > x->body.len ? ERRBODY_BYTES - x->body.len : 0;
        (void)wf_buf_append(&x->body, p, n < room ? n : room);
        return n;
    }
    return wf_buf_append(&x->body, p, n) ? 0 : n;
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

/* ": <message>" of an OpenAI error body, at most 200 bytes, printable. */
static void upstream_message(struct wf_buf *err, const struct wf_buf *body)
{
    json_t *j = body->len ? json_loadb(body->p, body->len, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "error");
    json_t *m = json_is_object(e) ? json_object_get(e, "message") : e;
    const char *s = json_is_string(m) ? json_string_value(m) : NULL;
    if (s && *s) {
        (void)wf_buf_puts(err, ": ");
        for (size_t i = 0; s[i] && i < 200; i++)
            (void)wf_buf_putc(err, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
    }
    json_decref(j);
}

static int build_body(const struct openai *o, const struct wf_str *texts, size_t n,
                      struct wf_buf *req)
{
    int rc = wf_buf_puts(req, "{\"model\":\"");
    if (!rc)
        rc = wf_buf_json_escape(req, o->model_name, strlen(o->model_name));
    if (!rc)
        rc = wf_buf_puts(req, "\",\"encoding_format\":\"float\",\"input\":[");
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len =
            texts[i].len < WF_EMBED_MAX_TEXT_BYTES ? texts[i].len : WF_EMBED_MAX_TEXT_BYTES;
        /* an empty input is an error for several servers: send one space */
        rc = wf_buf_puts(req, i ? ",\"" : "\"");
        if (!rc)
            rc = len ? wf_buf_json_escape(req, texts[i].p, len) : wf_buf_putc(req, ' ');
        if (!rc)
            rc = wf_buf_putc(req, '"');
    }
    if (!rc)
        rc = wf_buf_puts(req, "]}");
    return rc;
}

/* One batch: POST, retries, parse. */
static int post_batch(struct openai *o, const struct wf_str *texts, size_t n, float *out,
                      struct wf_buf *err)
{
    struct wf_buf req, auth;
    struct xfer x;
    struct curl_slist *hdrs = NULL, *t;
    char errbuf[CURL_ERROR_SIZE];
    float *vec = NULL;
    int rc;
    memset(&x, 0, sizeof(x));
    wf_buf_init(&req, (size_t)WF_EMBED_MAX_BATCH * WF_EMBED_MAX_TEXT_BYTES * 6 + 4096);
    wf_buf_init(&auth, MAX_KEY_BYTES + 32);
    wf_buf_init(&x.body, WF_EMBED_MAX_RESPONSE_BYTES);
    if ((rc = build_body(o, texts, n, &req)))
        goto out;
    rc = WF_ENOMEM;
    if (!(t = curl_slist_append(hdrs, "Content-Type: application/json")))
        goto out;
    hdrs = t;
    if (!(t = curl_slist_append(hdrs, "Expect:")))
        goto out;
    hdrs = t;
    if (o->key && *o->key) {
        if (wf_buf_appendf(&auth, "Authorization: Bearer %s", o->key))
            goto out;
        if (!(t = curl_slist_append(hdrs, auth.p)))
            goto out;
        hdrs = t;
    }
    if (!(x.h = curl_easy_init()))
        goto out;
    CURL *h = x.h;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "workflowai/" WF_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    curl_easy_setopt(h, CURLOPT_URL, o->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req.len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.p);

    uint64_t deadline = wf_now_ms() + (uint64_t)o->timeout_ms;
    long backoff = BACKOFF_MS;
    for (int attempt = 1;; attempt++) {
        uint64_t now = wf_now_ms();
        if (now >= deadline) {
            rc = WF_ETIMEOUT;
            wf_buf_reset(err);
            (void)wf_buf_appendf(err, "embeddings: POST %s: timed out after %ld ms", o->url,
                                 o->timeout_ms);
            goto out;
        }
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(deadline - now));
        wf_buf_reset(&x.body);
        x.started = x.ok = 0;
        errbuf[0] = 0;
        CURLcode code = curl_easy_perform(h);
        long status = 0, wait_ms = -1;
        int retry = 0;
        wf_buf_reset(err);
        if (code == CURLE_OPERATION_TIMEDOUT) {
            rc = WF_ETIMEOUT;
            (void)wf_buf_appendf(err, "embeddings: POST %s: timed out after %ld ms", o->url,
                                 o->timeout_ms);
            goto out;
        } else if (code == CURLE_WRITE_ERROR) {
            rc = WF_ETOOBIG;
            (void)wf_buf_appendf(err, "embeddings: POST %s: response exceeds %u bytes", o->url,
                                 WF_EMBED_MAX_RESPONSE_BYTES);
            goto out;
        } else if (code != CURLE_OK) {
            rc = WF_EUPSTREAM;
            (void)wf_buf_appendf(err, "embeddings: POST %s: %s", o->url,
                                 errbuf[0] ? errbuf : curl_easy_strerror(code));
            retry = 1;
        } else {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            if (status >= 200 && status < 300) {
                size_t dim = o->base.dim;
                rc = wf_embed_parse_response(x.body.p, x.body.len, n, &dim, &vec, err);
                if (rc)
                    goto out;
                o->base.dim = dim;
                for (size_t i = 0; i < n; i++)
                    wf_embed__normalize(vec + i * dim, dim);
                memcpy(out, vec, n * dim * sizeof(float));
                rc = WF_OK;
                goto out;
            }
            rc = status == 401 || status == 403 ? WF_EAUTH : WF_EUPSTREAM;
            (void)wf_buf_appendf(err, "embeddings: POST %s: HTTP %ld", o->url, status);
            upstream_message(err, &x.body);
            retry = status == 429 || status >= 500;
            if (retry)
                wait_ms = retry_after_ms(h);
        }
        if (!retry || attempt >= MAX_ATTEMPTS)
            goto out;
        if (wait_ms < 0)
            wait_ms = backoff;
        backoff *= 2;
        now = wf_now_ms();
        if (now + (uint64_t)wait_ms >= deadline)
            goto out; /* waiting would pass the deadline: report the last error */
        wf_sleep_ms(wait_ms);
    }
out:
    if (rc == WF_ENOMEM && err && !err->len)
        (void)wf_buf_puts(err, "embeddings: out of memory");
    wf_free(vec);
    curl_easy_cleanup(x.h);
    curl_slist_free_all(hdrs);
    wf_buf_cleanup(&req);
    wf_buf_cleanup(&auth);
    wf_buf_cleanup(&x.body);
    return rc;
}

static int openai_texts(struct wf_embed *e, const struct wf_str *texts, size_t n, float *out,
                        struct wf_buf *err)
{
    struct openai *o = (struct openai *)e;
    struct wf_buf tmp;
    wf_buf_init(&tmp, 1024);
    struct wf_buf *eb = err ? err : &tmp;
    int rc = WF_OK;
    for (size_t i = 0; i < n && !rc; i += o->batch) {
        size_t m = n - i < o->batch ? n - i : o->batch;
        /* the dimension is known after the first batch: later ones land at i * dim */
        rc = post_batch(o, texts + i, m, out + i * o->base.dim, eb);
    }
    wf_buf_cleanup(&tmp);
    return rc;
}

static void openai_free(struct wf_embed *e)
{
    struct openai *o = (struct openai *)e;
    wf_free(o->url);
    wf_free(o->key);
    wf_free(o->model_name);
    wf_free(o);
}

static const struct wf_embed_ops openai_ops = {"openai", openai_texts, openai_free};

int wf_embed_openai(const struct wf_embed_openai_config *c, struct wf_embed **out)
{
    if (!c || !out || !c->base_url || !c->model || !*c->model ||
        strlen(c->base_url) > MAX_URL_BYTES || strlen(c->model) > WF_EMBED_MODEL_BYTES - 8 ||
        (c->api_key && strlen(c->api_key) > MAX_KEY_BYTES) ||
        (strncmp(c->base_url, "http://", 7) && strncmp(c->base_url, "https://", 8)))
        return WF_EINVAL;
    struct openai *o = wf_calloc(1, sizeof(*o));
    if (!o)
        return WF_ENOMEM;
    struct wf_buf url;
    wf_buf_init(&url, MAX_URL_BYTES + 32);
    size_t bl = strlen(c->base_url);
    while (bl && c->base_url[bl - 1] == '/')
        bl--;
    int rc = wf_buf_append(&url, c->base_url, bl);
    if (!rc)
        rc = wf_buf_puts(&url, "/embeddings");
    o->url = rc ? NULL : wf_buf_detach(&url);
    wf_buf_cleanup(&url);
    o->model_name = wf_strndup(c->model, strlen(c->model));
    if (c->api_key && *c->api_key)
        o->key = wf_strndup(c->api_key, strlen(c->api_key));
    if (!o->url || !o->model_name || (c->api_key && *c->api_key && !o->key)) {
        openai_free(&o->base);
        return WF_ENOMEM;
    }
    o->base.ops = &openai_ops;
    (void)snprintf(o->base.model, sizeof(o->base.model), "openai:%s", c->model);
    o->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : DEFAULT_TIMEOUT_MS;
    o->batch = c->batch ? c->batch : DEFAULT_BATCH;
    if (o->batch > WF_EMBED_MAX_BATCH)
        o->batch = WF_EMBED_MAX_BATCH;
    *out = &o->base;
    return WF_OK;
}
