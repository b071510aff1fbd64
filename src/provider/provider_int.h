/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider internals: the request engine over libcurl (provider_http.c) and
 * the URL and input helpers (provider_url.c) shared by the GitHub and GitLab
 * routes of provider.c. One request = one easy handle; redirects are followed
 * here, by hand, so the token header goes to the API's origin only.
 */
#ifndef WF_PROVIDER_INT_H
#define WF_PROVIDER_INT_H

#include <stddef.h>

#include "provider/provider.h"
#include "util/util.h"

#define WF_PROVIDER_MAX_REDIRECTS 5           /* hops followed per request */
#define WF_PROVIDER_CONNECT_TIMEOUT_MS 10000L /* per hop, never past the deadline */
#define WF_PROVIDER_DEFAULT_TIMEOUT_MS 60000L /* whole request, all hops */
#define WF_PROVIDER_ERRBODY_BYTES 4096u       /* error-response bytes kept for messages */
#define WF_PROVIDER_MAX_URL_BYTES 8192u       /* a built or redirected URL */
#define WF_PROVIDER_MAX_TOKEN_BYTES 1024u     /* an API token */
#define WF_PROVIDER_MAX_REPO_BYTES 512u       /* owner/name or a GitLab project path */
#define WF_PROVIDER_MAX_ID_DIGITS 20u         /* job ids, pull/merge request numbers */
#define WF_PROVIDER_MAX_COMMENTS 1000u        /* inline comments in one review */

/* One request: the first hop goes to url; the token header and api_headers go
 * only to hops whose scheme, host and port equal those of url. */
struct wf_provider__req {
    const char *method;             /* "GET" or "POST" */
    const char *url;                /* absolute http(s) URL of the API route */
    const char *token_header;       /* "Authorization: Bearer x" / "PRIVATE-TOKEN: x" */
    const char *token;              /* the bare token, scrubbed from messages */
    const char *const *api_headers; /* NULL-terminated, API origin only; may be NULL */
    const char *body;               /* request body (POST), borrowed */
    size_t body_len;                /* bytes */
    long timeout_ms;                /* whole request, every hop */
    size_t max_bytes;               /* cap on the 2xx body delivered to sink */
    wf_provider_sink_fn sink;       /* 2xx body; NULL = read and drop */
    void *ud;                       /* sink's argument */
};

/* Runs the request: follows up to WF_PROVIDER_MAX_REDIRECTS redirects (GET:
 * 301/302/303/307/308; POST: 307/308 only), never from https to http, and
 * streams the final 2xx body to r->sink. Returns WF_OK; WF_EAUTH (401/403),
 * WF_ENOENT (404/410), WF_ETIMEOUT, WF_ETOOBIG (2xx body past max_bytes),
 * WF_EUPSTREAM (other status, transport error, bad redirect), WF_ENOMEM,
 * or the sink's non-zero code. On error err (optional) holds
 * "<METHOD> <url without query>: <reason>", never the token. Thread-safe. */
int wf_provider__perform(const struct wf_provider__req *r, struct wf_buf *err);

/* Maps a final HTTP status (>= 300) to an error code. */
int wf_provider__status_err(long status);

/* Appends s percent-encoded: every byte but the RFC 3986 unreserved ones
 * (A-Z a-z 0-9 - . _ ~) becomes %XX, so "/" becomes %2F. */
int wf_provider__url_encode(struct wf_buf *b, const char *s);

/* Appends url without its query, fragment and user info (for messages);
 * appends "<url>" when url does not parse. */
int wf_provider__url_display(struct wf_buf *b, const char *url);

/* 1 when s is 1..WF_PROVIDER_MAX_ID_DIGITS ASCII digits. */
int wf_provider__is_id(const char *s);

/* 1 when s is "owner/name", both of [A-Za-z0-9._-], neither "." nor "..". */
int wf_provider__is_github_repo(const char *s);

/* 1 when s is a GitLab numeric project id or a path of one or more
 * "/"-separated segments of [A-Za-z0-9._-], none "." or "..". */
int wf_provider__is_gitlab_project(const char *s);

/* 1 when s is a usable token: 1..WF_PROVIDER_MAX_TOKEN_BYTES printable
 * ASCII bytes without spaces (it goes into a header line). */
int wf_provider__is_token(const char *s);

/* Appends base without its trailing slashes; WF_EINVAL unless it starts with
 * http:// or https:// (any case) and has a host. */
int wf_provider__put_base(struct wf_buf *b, const char *base);

#endif
