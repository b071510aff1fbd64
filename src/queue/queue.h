/* SPDX-License-Identifier: Apache-2.0 */
/*
 * queue: the durable job queue that feeds the workers. The default backend
 * keeps jobs in the store (so a job enqueued with an event commits with it);
 * a backend plugs in through `struct wf_queue_ops`. A claimed job is leased
 * for a visibility timeout; a worker that dies loses the lease and the job
 * comes back. Failed attempts are retried with exponential backoff and
 * jitter; after max_attempts a job is dead-lettered with its last error.
 */
#ifndef WF_QUEUE_H
#define WF_QUEUE_H

#include <stdint.h>

#include "store/store.h"

struct wf_queue;

struct wf_queue_opts {
    int max_attempts;    /* default 5 */
    int lease_ms;        /* visibility timeout, default 120000 */
    int backoff_base_ms; /* first retry delay, default 1000; doubles per attempt */
    int backoff_max_ms;  /* cap on the delay, default 300000 */
};

/* Borrows st (must outlive the queue). */
int wf_queue_new(struct wf_store *st, const struct wf_queue_opts *opts, struct wf_queue **out);
/* Wakes every waiter and frees; accepts NULL. */
void wf_queue_free(struct wf_queue *q);

/* Enqueues a job durably (borrowed strings). Thread-safe. */
int wf_queue_push(struct wf_queue *q, const char *tenant, const char *kind,
                  const char *payload_json, int64_t *id);
/* Claims the next ready job. WF_ENOENT when none. Thread-safe. */
int wf_queue_claim(struct wf_queue *q, struct wf_store_job *out);
/* Blocks up to timeout_ms or until wf_queue_notify / wf_queue_push /
 * wf_queue_free wakes it. Returns 0 when woken, 1 on timeout. */
int wf_queue_wait(struct wf_queue *q, int timeout_ms);
/* Wakes waiting workers (after jobs were enqueued through the store). */
void wf_queue_notify(struct wf_queue *q);
/* Completes a claimed job. */
int wf_queue_ack(struct wf_queue *q, const struct wf_store_job *job);
/* Records a failed attempt: retried after the backoff delay, or dead-lettered
 * once job->attempts >= max. *dead (optional) tells which. */
int wf_queue_fail(struct wf_queue *q, const struct wf_store_job *job, const char *error, int *dead);
/* Delay before retry number `attempt` (1-based) without jitter. */
int64_t wf_queue_backoff_ms(const struct wf_queue_opts *o, int attempt);

#endif
