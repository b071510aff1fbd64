/* SPDX-License-Identifier: Apache-2.0 */
/*
 * queue internals: the ops table a queue backend fills (the store-backed
 * one now, Redis Streams later) and the handle shared by every backend,
 * which keeps the options, the waiters' condition variable and the jitter
 * generator. For the module's own files only.
 */
#ifndef WF_QUEUE_INT_H
#define WF_QUEUE_INT_H

#include <pthread.h>

#include "queue/queue.h"

struct wf_queue_ops {
    const char *name; /* "store", "redis" */
    int (*push)(struct wf_queue *q, const char *tenant, const char *kind, const char *payload_json,
                int64_t *id);
    int (*claim)(struct wf_queue *q, int64_t now_ms, struct wf_store_job *out);
    int (*ack)(struct wf_queue *q, const struct wf_store_job *job);
    /* the job becomes claimable again at available_ms */
    int (*retry)(struct wf_queue *q, const struct wf_store_job *job, int64_t available_ms,
                 const char *error);
    int (*dead)(struct wf_queue *q, const struct wf_store_job *job, const char *error);
};

struct wf_queue {
    const struct wf_queue_ops *ops;
    struct wf_store *st;    /* borrowed */
    struct wf_queue_opts o; /* defaults filled in */
    pthread_mutex_t mu;     /* guards the fields below */
    pthread_cond_t cv;      /* waiters */
    uint64_t pending;       /* wake-ups not yet consumed by a wait */
    int n_waiters;          /* threads inside wf_queue_wait */
    int closing;            /* wf_queue_free has begun */
    uint64_t rng;           /* xorshift64 state for the jitter */
};

extern const struct wf_queue_ops wf_queue__store_ops;

/* Jitter in [0, delay_ms / 5] from the queue's generator. Thread-safe. */
int64_t wf_queue__jitter(struct wf_queue *q, int64_t delay_ms);

#endif
