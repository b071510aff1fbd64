/* SPDX-License-Identifier: Apache-2.0 */
/*
 * web: the web UI's static files (src/web/static), compiled into the binary
 * at build time by scripts/web_embed.cmake, and the rules for serving them:
 * which file a request path names, its content type and ETag, the caching
 * and security headers every UI response carries. The module knows nothing
 * of sockets; the server's handler (server_web.c) writes the response.
 */
#ifndef WF_WEB_H
#define WF_WEB_H

#include <stddef.h>

#include "util/util.h"

struct wf_web_file {
    const char *name;          /* "app.js": the file's name under src/web/static */
    const char *content_type;  /* "text/javascript; charset=utf-8" */
    const unsigned char *data; /* the file's bytes (static storage, NUL after the end) */
    size_t len;                /* bytes */
    const char *etag;          /* strong ETag with its quotes: "\"<16 hex of SHA-256>\"" */
};

/* The file served for a request path ("/" -> index.html, "/ui/app.js" ->
 * app.js), or NULL when the path names none (also for "..", "%2e", empty
 * names: only exact table names match). Borrows path; the result is static. */
const struct wf_web_file *wf_web_find(struct wf_str path);

/* Every embedded file (static table of *n entries). */
const struct wf_web_file *wf_web_files(size_t *n);

/* 1 when an If-None-Match header value (borrowed; "*", one tag or a comma
 * separated list, weak "W/" tags compared weakly as RFC 9110 says) matches
 * etag, so the answer is 304; 0 otherwise (also for an absent header). */
int wf_web_etag_matches(struct wf_str if_none_match, const char *etag);

/* Header lines every UI response carries, NULL-terminated pairs
 * {name, value, name, value, ..., NULL}: Content-Security-Policy (no inline
 * script, no eval, nothing from other origins, no framing),
 * X-Content-Type-Options, Referrer-Policy, X-Frame-Options,
 * Cross-Origin-Opener-Policy and Cache-Control. Static storage. */
const char *const *wf_web_headers(void);

/* The Content-Security-Policy value of wf_web_headers (static). */
const char *wf_web_csp(void);

#endif
