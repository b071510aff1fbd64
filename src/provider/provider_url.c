/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider's input checks and URL pieces: repository, project and id syntax,
 * percent-encoding of path segments, base URLs and the query-free form of a
 * URL used in error messages. Everything that reaches a URL passes one of
 * these checks first, so a hostile repo or job id cannot change the route.
 */
#include <curl/curl.h>
#include <string.h>

#include "provider/provider_int.h"

static int is_seg_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* Length of the segment at s (up to '/' or NUL) when it is valid, else 0. */
static size_t segment(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '/') {
        if (!is_seg_char((unsigned char)s[n]))
            return 0;
        n++;
    }
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return 0;
    return n;
}

int wf_provider__is_id(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9' || n >= WF_PROVIDER_MAX_ID_DIGITS)
            return 0;
    return n > 0;
}

int wf_provider__is_github_repo(const char *s)
{
    if (!s || strlen(s) > WF_PROVIDER_MAX_REPO_BYTES)
        return 0;
    size_t a = segment(s);
    if (!a || s[a] != '/')
        return 0;
    size_t b = segment(s + a + 1);
    return b && s[a + 1 + b] == 0;
}

int wf_provider__is_gitlab_project(const char *s)
{
    if (!s || !*s || strlen(s) > WF_PROVIDER_MAX_REPO_BYTES)
        return 0;
    for (;;) {
        size_t n = segment(s);
        if (!n)
            return 0;
        s += n;
        if (!*s)
            return 1;
        s++; /* the '/'; a trailing or doubled one fails on the next segment */
    }
}

int wf_provider__is_token(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f ||
            n >= WF_PROVIDER_MAX_TOKEN_BYTES)
            return 0;
    return n > 0;
}

int wf_provider__url_encode(struct wf_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int rc;
        if (is_seg_char(c) || c == '~') {
            rc = wf_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = wf_buf_append(b, e, sizeof(e));
        }
        if (rc)
            return rc;
    }
    return WF_OK;
}

static int has_prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *prefix)
            return 0;
    }
    return 1;
}

int wf_provider__put_base(struct wf_buf *b, const char *base)
{
    size_t skip;
    if (!base)
        return WF_EINVAL;
    if (has_prefix_ci(base, "https://"))
        skip = 8;
    else if (has_prefix_ci(base, "http://"))
        skip = 7;
    else
        return WF_EINVAL;
    size_t n = strlen(base);
    while (n > skip && base[n - 1] == '/')
        n--;
    if (n == skip || base[skip] == '/' || n > WF_PROVIDER_MAX_URL_BYTES)
        return WF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)base[i] <= 0x20 || (unsigned char)base[i] >= 0x7f)
            return WF_EINVAL;
    return wf_buf_append(b, base, n);
}

int wf_provider__url_display(struct wf_buf *b, const char *url)
{
    CURLU *u = curl_url();
    char *out = NULL;
    int rc;
    if (!u)
        return WF_ENOMEM;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_QUERY, NULL, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
        rc = wf_buf_puts(b, "<url>");
        goto out;
    }
    rc = wf_buf_puts(b, out);
out:
    curl_free(out);
    curl_url_cleanup(u);
    return rc;
}

int wf_provider__status_err(long status)
{
    switch (status) {
    case 401:
    case 403:
        return WF_EAUTH;
    case 404:
    case 410:
        return WF_ENOENT;
    default:
        return WF_EUPSTREAM;
    }
}
