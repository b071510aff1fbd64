/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default queue backend: jobs are rows of the store's jobs table, so a
 * job enqueued together with an event (ingest's triage jobs) commits in the
 * same transaction, and every state change is a durable group-committed
 * write. Leases, tokens and expiry are the store's.
 */
#include "queue/queue_int.h"

static int st_push(struct wf_queue *q, const char *tenant, const char *kind,
                   const char *payload_json, int64_t *id)
{
    return wf_store_job_push(q->st, tenant, kind, payload_json, q->o.max_attempts,
                             wf_store_now_ms(), id);
}

static int st_claim(struct wf_queue *q, int64_t now_ms, struct wf_store_job *out)
{
    return wf_store_job_claim(q->st, now_ms, q->o.lease_ms, out);
}

static int st_ack(struct wf_queue *q, const struct wf_store_job *job)
{
    return wf_store_job_ack(q->st, job->id, job->lease_token);
}

static int st_retry(struct wf_queue *q, const struct wf_store_job *job, int64_t available_ms,
                    const char *error)
{
    return wf_store_job_retry(q->st, job->id, job->lease_token, available_ms, error);
}

static int st_dead(struct wf_queue *q, const struct wf_store_job *job, const char *error)
{
    return wf_store_job_dead(q->st, job->id, job->lease_token, error);
}

static int st_counts(struct wf_queue *q, struct wf_queue_counts *out)
{
    struct wf_store_job_counts c;
    int rc = wf_store_job_counts(q->st, &c);
    if (rc)
        return rc;
    out->ready = c.ready;
    out->leased = c.leased;
    out->dead = c.dead;
    return WF_OK;
}

static int st_dead_list(struct wf_queue *q, const char *tenant, json_t **out)
{
    return wf_store_job_dead_list(q->st, tenant, out);
}

static int st_ping(struct wf_queue *q)
{
    return wf_store_ping(q->st);
}

const struct wf_queue_ops wf_queue__store_ops = {
    .name = "store",
    .push = st_push,
    .claim = st_claim,
    .ack = st_ack,
    .retry = st_retry,
    .dead = st_dead,
    .counts = st_counts,
    .dead_list = st_dead_list,
    .ping = st_ping,
};
