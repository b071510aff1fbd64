/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest: turns webhook deliveries into stored events. Verification
 * (GitHub X-Hub-Signature-256 HMAC-SHA256, GitLab X-Gitlab-Token, generic
 * X-WorkflowAI-Signature HMAC-SHA256; all constant-time), normalization of
 * each provider's payloads into internal events (build, job, change,
 * pull_request, deployment, incident), redaction of every string kept, and
 * the hand-off to the store (dedup by delivery id, out-of-order safe,
 * durable before acknowledged). Normalizers are pure functions over bytes so
 * they can be fuzzed on their own.
 */
#ifndef WF_INGEST_H
#define WF_INGEST_H

#include <jansson.h>
#include <stddef.h>

#include "redact/redact.h"
#include "store/store.h"
#include "util/util.h"

enum wf_ingest_provider { WF_INGEST_GITHUB, WF_INGEST_GITLAB, WF_INGEST_GENERIC };
const char *wf_ingest_provider_name(enum wf_ingest_provider p);

/* GitHub: header is X-Hub-Signature-256 ("sha256=<64 hex>"). Only SHA-256
 * is accepted: a delivery with only X-Hub-Signature (SHA-1) is refused.
 * WF_OK, or WF_EAUTH with a reason in err (optional). */
int wf_ingest_verify_github(const char *secret, struct wf_str sig_header, const char *body,
                            size_t len, struct wf_buf *err);
/* GitLab: X-Gitlab-Token compared in constant time. */
int wf_ingest_verify_gitlab(const char *token, struct wf_str token_header, struct wf_buf *err);
/* Generic: X-WorkflowAI-Signature "sha256=<hex of HMAC-SHA256(secret, body)>". */
int wf_ingest_verify_generic(const char *secret, struct wf_str sig_header, const char *body,
                             size_t len, struct wf_buf *err);

enum wf_ingest_kind {
    WF_INGEST_BUILD,        /* a pipeline / workflow run */
    WF_INGEST_JOB,          /* one job of a build: what gets triaged */
    WF_INGEST_CHANGE,       /* a commit pushed */
    WF_INGEST_PULL_REQUEST, /* PR / MR opened, updated, merged, closed */
    WF_INGEST_DEPLOYMENT,   /* a deployment and its status */
    WF_INGEST_INCIDENT      /* an issue labelled incident / GitLab incident */
};
const char *wf_ingest_kind_name(enum wf_ingest_kind k);

/* One normalized event; strings live in the batch's arena ("" when the
 * payload did not say). */
struct wf_ingest_event {
    enum wf_ingest_kind kind;
    const char *action, *repo, *branch, *sha, *external_id, *parent_id, *name;
    const char *status;     /* queued|in_progress|completed for builds/jobs */
    const char *conclusion; /* success|failure|cancelled|skipped|timed_out|... */
    const char *url;
    int64_t occurred_ms; /* provider timestamp, 0 when absent */
    json_t *data;        /* owned: the normalized event as JSON, redacted */
};

struct wf_ingest_batch {
    enum wf_ingest_provider provider;
    const char *event_type;         /* provider's event name ("workflow_job", "Pipeline Hook") */
    int ignored;                    /* 1: a valid but unsupported/irrelevant event (ping, ...) */
    struct wf_ingest_event *events; /* n_events, owned */
    size_t n_events;
    struct wf_arena arena;
};

/* Parses and normalizes one delivery. event_header is X-GitHub-Event /
 * X-Gitlab-Event / X-WorkflowAI-Event ("" for generic, which carries its
 * type in the body). Every string kept is passed through the redactor r
 * (borrowed, required). Errors: WF_EFORMAT (not JSON, wrong shape: a
 * message naming the field in err), WF_ETOOBIG (over WF_LIMIT_WEBHOOK_BYTES).
 * On error *out is left empty. A push yields one change event per commit
 * (capped at 2048). Call wf_ingest_batch_cleanup in every case. */
int wf_ingest_normalize(enum wf_ingest_provider p, const char *event_header, const char *body,
                        size_t len, struct wf_redactor *r, struct wf_ingest_batch *out,
                        struct wf_buf *err);
void wf_ingest_batch_cleanup(struct wf_ingest_batch *b);

/* Stores a normalized batch for a tenant under a delivery id: one durable
 * transaction (dedup, out-of-order-safe upserts, triage jobs for failed
 * jobs). Borrowed arguments. */
int wf_ingest_store(struct wf_store *st, const char *tenant, const char *delivery,
                    const struct wf_ingest_batch *b, struct wf_store_ingest_result *out);

/* wf_ingest_store without waiting for the commit: returns WF_OK once the
 * write is queued, and done(ud, rc, res) follows on the store's writer
 * thread (see wf_store_ingest_async). The batch is borrowed until then.
 * On an error return done is not called. */
int wf_ingest_store_async(struct wf_store *st, const char *tenant, const char *delivery,
                          const struct wf_ingest_batch *b, wf_store_ingest_done_fn done, void *ud);

#endif
