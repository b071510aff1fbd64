/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider's request engine: one libcurl easy handle per request, redirects
 * followed by hand so the token header is sent to the API's own origin
 * only, a deadline over every hop, and the final 2xx body streamed to the
 * caller's sink under a byte cap. libcurl itself would drop a custom
 * Authorization header on a host change (since 7.58) but would forward
 * PRIVATE-TOKEN and any other custom header, hence no CURLOPT_FOLLOWLOCATION.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "provider/provider_int.h"

#if LIBCURL_VERSION_NUM < 0x075500
#error "provider needs libcurl >= 7.85 (CURLOPT_PROTOCOLS_STR)"
#endif

#ifndef WF_VERSION
#define WF_VERSION "0"
#endif

/* State of one hop, shared with the write callback. */
struct xfer {
    CURL *h;                          /* the request's handle */
    const struct wf_provider__req *r; /* borrowed */
    int started;                      /* first body byte of this hop seen */
    int ok;                           /* this hop's status is 2xx */
    size_t n_body;                    /* bytes given to the sink */
    struct wf_buf errbody;            /* head of a non-2xx body, for messages */
    int rc;                           /* why the callback stopped the transfer */
};

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (!x->started) {
        long status = 0;
        x->started = 1;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        x->ok = status >= 200 && status < 300;
        if (x->ok) {
            /* a declared length past the cap fails before any byte is read */
            curl_off_t cl = -1;
            if (curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
                cl > 0 && (uint64_t)cl > (uint64_t)x->r->max_bytes) {
                x->rc = WF_ETOOBIG;
                return 0;
            }
        }
    }
    if (!x->ok) {
        size_t room = x->errbody.max_bytes - x->errbody.len;
        (void)wf_buf_append(&x->errbody, p, n < room ? n : room);
        return n;
    }
    if (n > x->r->max_bytes - x->n_body) {
        x->rc = WF_ETOOBIG;
        return 0;
    }
    x->n_body += n;
    if (x->r->sink && n) {
        int rc = x->r->sink(x->r->ud, p, n);
        if (rc) {
            x->rc = rc;
            return 0;
        }
    }
    return n;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Writes "scheme://host:port" (lowercase, default port filled in) of url. */
static int origin_of(const char *url, struct wf_buf *o)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = WF_EINVAL;
    if (!u)
        return WF_ENOMEM;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto out;
    wf_buf_reset(o);
    rc = wf_buf_appendf(o, "%s://%s:%s", scheme, host, port);
    for (size_t i = 0; i < o->len; i++)
        o->p[i] = (char)lower((unsigned char)o->p[i]);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

static int is_https(const struct wf_buf *origin)
{
    return origin->len >= 8 && memcmp(origin->p, "https://", 8) == 0;
}

static void put_err(struct wf_buf *err, const char *method, const char *url, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* err = "<method> <url without query>: <fmt...>" */
static void put_err(struct wf_buf *err, const char *method, const char *url, const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return;
    wf_buf_reset(err);
    (void)wf_buf_appendf(err, "%s ", method);
    (void)wf_provider__url_display(err, url);
    (void)wf_buf_puts(err, ": ");
    va_start(ap, fmt);
    (void)wf_buf_vappendf(err, fmt, ap);
    va_end(ap);
}

/* Appends ": <message>" from a GitHub ({"message"}) or GitLab ({"message"}
 * or {"error"}) error body: at most 200 bytes, control bytes as spaces, and
 * nothing when it carries the token. */
static void put_upstream_message(struct wf_buf *err, const struct wf_buf *body, const char *token)
{
    json_t *j, *m;
    const char *s = NULL;
    if (!err || !body->len)
        return;
    j = json_loadb(body->p, body->len, 0, NULL);
    if (!j)
        return;
    m = json_object_get(j, "message");
    if (!json_is_string(m))
        m = json_object_get(j, "error");
    if (json_is_string(m))
        s = json_string_value(m);
    if (s && *s && !(token && *token && strstr(s, token))) {
        size_t n = strlen(s);
        if (n > 200)
            n = 200;
        (void)wf_buf_puts(err, ": ");
        for (size_t i = 0; i < n; i++)
            (void)wf_buf_putc(err, (unsigned char)s[i] < 0x20 ? ' ' : s[i]);
    }
    json_decref(j);
}

static int is_redirect(long status, int is_post)
{
    if (status == 307 || status == 308)
        return 1;
    /* 301/302/303 turn a POST into a GET: a review must not become one */
    return !is_post && (status == 301 || status == 302 || status == 303);
}

int wf_provider__perform(const struct wf_provider__req *r, struct wf_buf *err)
{
    CURL *h = NULL;
    struct curl_slist *api_hdrs = NULL, *other_hdrs = NULL, *t;
    struct wf_buf url, api_origin, hop_origin;
    struct xfer x;
    char errbuf[CURL_ERROR_SIZE];
    long timeout_ms = r->timeout_ms > 0 ? r->timeout_ms : WF_PROVIDER_DEFAULT_TIMEOUT_MS;
    uint64_t deadline = wf_now_ms() + (uint64_t)timeout_ms;
    int is_post = strcmp(r->method, "POST") == 0;
    int rc;

    memset(&x, 0, sizeof(x));
    x.r = r;
    wf_buf_init(&x.errbody, WF_PROVIDER_ERRBODY_BYTES);
    wf_buf_init(&url, WF_PROVIDER_MAX_URL_BYTES);
    wf_buf_init(&api_origin, WF_PROVIDER_MAX_URL_BYTES);
    wf_buf_init(&hop_origin, WF_PROVIDER_MAX_URL_BYTES);

    rc = wf_buf_puts(&url, r->url);
    if (!rc)
        rc = origin_of(r->url, &api_origin);
    if (rc) {
        put_err(err, r->method, r->url, "%s",
                rc == WF_EINVAL ? "not a usable URL" : wf_strerror(rc));
        goto out;
    }

    /* headers for hops to another origin: no token, no API-specific ones */
    rc = WF_ENOMEM;
    if (is_post) {
        if (!(t = curl_slist_append(other_hdrs, "Content-Type: application/json")))
            goto nomem;
        other_hdrs = t;
        if (!(t = curl_slist_append(other_hdrs, "Expect:")))
            goto nomem;
        other_hdrs = t;
    }
    for (const struct curl_slist *s = other_hdrs; s; s = s->next) {
        if (!(t = curl_slist_append(api_hdrs, s->data)))
            goto nomem;
        api_hdrs = t;
    }
    for (size_t i = 0; r->api_headers && r->api_headers[i]; i++) {
        if (!(t = curl_slist_append(api_hdrs, r->api_headers[i])))
            goto nomem;
        api_hdrs = t;
    }
    if (r->token_header) {
        if (!(t = curl_slist_append(api_hdrs, r->token_header)))
            goto nomem;
        api_hdrs = t;
    }
    if (!(h = curl_easy_init()))
        goto nomem;
    x.h = h;

    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "workflowai/" WF_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);

    for (int hop = 0;; hop++) {
        uint64_t now = wf_now_ms();
        long status = 0;
        CURLcode code;
        if (now >= deadline) {
            rc = WF_ETIMEOUT;
            put_err(err, r->method, url.p, "timed out after %ld ms", timeout_ms);
            goto out;
        }
        long left_ms = (long)(deadline - now);
        rc = origin_of(url.p, &hop_origin);
        if (rc) {
            rc = rc == WF_EINVAL ? WF_EUPSTREAM : rc;
            put_err(err, r->method, url.p, "%s", wf_strerror(rc));
            goto out;
        }
        int same = hop_origin.len == api_origin.len &&
                   memcmp(hop_origin.p, api_origin.p, api_origin.len) == 0;
        curl_easy_setopt(h, CURLOPT_URL, url.p);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, same ? api_hdrs : other_hdrs);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         left_ms < WF_PROVIDER_CONNECT_TIMEOUT_MS ? left_ms
                                                                  : WF_PROVIDER_CONNECT_TIMEOUT_MS);
        if (is_post) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        } else {
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        }
        x.started = 0;
        x.ok = 0;
        x.rc = 0;
        wf_buf_reset(&x.errbody);
        errbuf[0] = 0;

        code = curl_easy_perform(h);
        if (x.rc == WF_ETOOBIG) {
            rc = WF_ETOOBIG;
            put_err(err, r->method, url.p, "response body exceeds %zu bytes", r->max_bytes);
            goto out;
        }
        if (x.rc) {
            rc = x.rc;
            put_err(err, r->method, url.p, "the sink stopped the transfer (%s)", wf_errname(rc));
            goto out;
        }
        if (code == CURLE_OPERATION_TIMEDOUT) {
            rc = WF_ETIMEOUT;
            put_err(err, r->method, url.p, "timed out after %ld ms", timeout_ms);
            goto out;
        }
        if (code != CURLE_OK) {
            rc = WF_EUPSTREAM;
            put_err(err, r->method, url.p, "%s", errbuf[0] ? errbuf : curl_easy_strerror(code));
            goto out;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            rc = WF_OK;
            goto out;
        }
        if (is_redirect(status, is_post)) {
            char *loc = NULL;
            curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
            rc = WF_EUPSTREAM;
            if (!loc || !*loc) {
                put_err(err, r->method, url.p, "HTTP %ld without a Location", status);
                goto out;
            }
            if (hop >= WF_PROVIDER_MAX_REDIRECTS) {
                put_err(err, r->method, url.p, "more than %d redirects", WF_PROVIDER_MAX_REDIRECTS);
                goto out;
            }
            struct wf_buf next;
            wf_buf_init(&next, WF_PROVIDER_MAX_URL_BYTES);
            rc = wf_buf_puts(&next, loc);
            if (!rc)
                rc = origin_of(next.p, &hop_origin);
            if (rc == WF_ENOMEM) {
                wf_buf_cleanup(&next);
                put_err(err, r->method, url.p, "%s", wf_strerror(rc));
                goto out;
            }
            if (rc ||
                (strncmp(hop_origin.p, "http://", 7) && strncmp(hop_origin.p, "https://", 8))) {
                rc = WF_EUPSTREAM;
                wf_buf_cleanup(&next);
                put_err(err, r->method, url.p, "HTTP %ld to an unusable Location", status);
                goto out;
            }
            rc = WF_EUPSTREAM;
            /* the signed blob URL is a secret of its own: never over plain http
             * when the API itself was reached over https */
            if (is_https(&api_origin) && !is_https(&hop_origin)) {
                wf_buf_cleanup(&next);
                put_err(err, r->method, url.p, "refused a redirect from https to http");
                goto out;
            }
            wf_buf_cleanup(&url);
            url = next;
            continue;
        }
        rc = status >= 300 ? wf_provider__status_err(status) : WF_EUPSTREAM;
        put_err(err, r->method, url.p, "HTTP %ld", status);
        put_upstream_message(err, &x.errbody, r->token);
        goto out;
    }

nomem:
    rc = WF_ENOMEM;
    put_err(err, r->method, r->url, "out of memory");
out:
    /* belt and braces: whatever went wrong, the token never leaves in err */
    if (rc && err && err->len && r->token && *r->token && strstr(err->p, r->token)) {
        wf_buf_reset(err);
        (void)wf_buf_appendf(err, "%s request failed (%s)", r->method, wf_errname(rc));
    }
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(api_hdrs);
    curl_slist_free_all(other_hdrs);
    wf_buf_cleanup(&x.errbody);
    wf_buf_cleanup(&url);
    wf_buf_cleanup(&api_origin);
    wf_buf_cleanup(&hop_origin);
    return rc;
}
