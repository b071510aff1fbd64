/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lookup of the embedded UI files and the HTTP rules for serving them
 * (ETag matching, caching and security headers). The table itself is
 * generated at build time; this file only reads it.
 */
#include <string.h>

#include "web/web_int.h"

/* The UI loads its scripts, styles and data from its own origin only. Charts
 * are inline <svg> elements built with createElementNS, so no img-src beyond
 * 'self' is needed; style-src has no 'unsafe-inline' because the scripts set
 * styles through CSSOM properties, which CSP does not govern. */
#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action "      \
    "'self'; frame-ancestors 'none'"

static const char *const headers[] = {
    "Content-Security-Policy",
    CSP,
    "X-Content-Type-Options",
    "nosniff",
    "Referrer-Policy",
    "no-referrer",
    "X-Frame-Options",
    "DENY",
    "Cross-Origin-Opener-Policy",
    "same-origin",
    /* always revalidate: the ETag makes that a 304 with no body, and a new
     * binary is picked up at once without versioned file names */
    "Cache-Control",
    "no-cache",
    NULL,
};

const char *const *wf_web_headers(void)
{
    return headers;
}

const char *wf_web_csp(void)
{
    return CSP;
}

const struct wf_web_file *wf_web_files(size_t *n)
{
    *n = wf_web__n_files;
    return wf_web__files;
}

const struct wf_web_file *wf_web_find(struct wf_str path)
{
    static const char ui[] = "/ui/";
    struct wf_str name;
    if (path.len == 1 && path.p[0] == '/') {
        name.p = "index.html";
        name.len = 10;
    } else if (path.len > sizeof ui - 1 && memcmp(path.p, ui, sizeof ui - 1) == 0) {
        name.p = path.p + sizeof ui - 1;
        name.len = path.len - (sizeof ui - 1);
    } else {
        return NULL;
    }
    /* binary search over the sorted table; names are plain [A-Za-z0-9._-] so
     * an exact comparison is the whole validation */
    size_t lo = 0, hi = wf_web__n_files;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *t = wf_web__files[mid].name;
        size_t tlen = strlen(t);
        int c = memcmp(t, name.p, tlen < name.len ? tlen : name.len);
        if (c == 0)
            c = tlen < name.len ? -1 : tlen > name.len ? 1 : 0;
        if (c == 0)
            return &wf_web__files[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Strips a "W/" prefix: If-None-Match compares weakly (RFC 9110 13.1.2). */
static struct wf_str opaque(struct wf_str t)
{
    if (t.len >= 2 && t.p[0] == 'W' && t.p[1] == '/') {
        t.p += 2;
        t.len -= 2;
    }
    return t;
}

int wf_web_etag_matches(struct wf_str inm, const char *etag)
{
    if (!inm.p || !etag)
        return 0;
    struct wf_str want = opaque((struct wf_str){etag, strlen(etag)});
    size_t i = 0;
    while (i < inm.len) {
        while (i < inm.len && (inm.p[i] == ' ' || inm.p[i] == '\t' || inm.p[i] == ','))
            i++;
        size_t s = i;
        while (i < inm.len && inm.p[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (inm.p[e - 1] == ' ' || inm.p[e - 1] == '\t'))
            e--;
        if (e == s)
            continue;
        struct wf_str t = opaque((struct wf_str){inm.p + s, e - s});
        if (t.len == 1 && t.p[0] == '*')
            return 1;
        if (t.len == want.len && memcmp(t.p, want.p, t.len) == 0)
            return 1;
    }
    return 0;
}
