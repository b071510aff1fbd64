/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider: the client side of GitHub's and GitLab's REST APIs (libcurl).
 * Downloads a job's log when a failed-job event arrives and a token is
 * configured, and posts pull/merge request reviews. Base URLs are
 * configurable for GitHub Enterprise Server and self-managed GitLab. Tokens
 * are sent only to the configured API host (never to a redirect target on
 * another host, such as GitHub's signed log-blob URL).
 */
#ifndef WF_PROVIDER_H
#define WF_PROVIDER_H

#include <stddef.h>

#include "util/util.h"

struct wf_provider_config {
    const char *github_api;   /* default "https://api.github.com" */
    const char *github_token; /* NULL/"" = GitHub fetching off */
    const char *gitlab_api;   /* default "https://gitlab.com/api/v4" */
    const char *gitlab_token; /* NULL/"" = GitLab fetching off */
    long timeout_ms;          /* whole transfer, default 60000 */
    size_t max_bytes;         /* log cap, default WF_LIMIT_LOG_UPLOAD_BYTES */
};

/* Call once at start-up (curl_global_init) / at exit. Not thread-safe. */
int wf_provider_global_init(void);
void wf_provider_global_cleanup(void);

typedef int (*wf_provider_sink_fn)(void *ud, const char *chunk, size_t n);

/* 1 when the config has a token for provider ("github"/"gitlab"). */
int wf_provider_enabled(const struct wf_provider_config *c, const char *provider);

/* Streams the log of job `job_id` of `repo` ("owner/name" on GitHub; the
 * project path or numeric id on GitLab) to sink. GitHub: GET
 * /repos/{repo}/actions/jobs/{id}/logs (follows the 302 to the blob URL
 * without the token); GitLab: GET /projects/{url-encoded}/jobs/{id}/trace.
 * Errors: WF_ENOENT (404/410), WF_EAUTH (401/403), WF_ETOOBIG (past
 * max_bytes), WF_ETIMEOUT, WF_EUPSTREAM (other status/transport; message
 * in err), or the sink's own non-zero code. Thread-safe. */
int wf_provider_fetch_log(const struct wf_provider_config *c, const char *provider,
                          const char *repo, const char *job_id, wf_provider_sink_fn sink, void *ud,
                          struct wf_buf *err);

/* Streams the unified diff of pull request `number` (GitHub: GET
 * /repos/{repo}/pulls/{n} with Accept: application/vnd.github.diff) or
 * merge request iid `number` (GitLab: GET
 * /projects/{id}/merge_requests/{iid}/diffs, whose per-file JSON is turned
 * into one `git diff`-style text) to sink. Errors as for fetch_log, plus
 * WF_EUPSTREAM for a GitLab answer that is not the documented JSON. */
int wf_provider_fetch_diff(const struct wf_provider_config *c, const char *provider,
                           const char *repo, const char *number, wf_provider_sink_fn sink, void *ud,
                           struct wf_buf *err);

struct wf_provider_comment {
    const char *path; /* file in the diff */
    long line;        /* line in the new file */
    const char *body; /* Markdown */
};

/* Posts a review: GitHub POST /repos/{repo}/pulls/{number}/reviews with
 * event COMMENT and inline comments; GitLab POST
 * /projects/{id}/merge_requests/{iid}/notes with the summary and comments as
 * one note. Same errors as fetch. Thread-safe. */
int wf_provider_post_review(const struct wf_provider_config *c, const char *provider,
                            const char *repo, const char *number, const char *summary,
                            const struct wf_provider_comment *comments, size_t n_comments,
                            struct wf_buf *err);

#endif
