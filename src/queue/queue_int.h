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
    int (*counts)(struct wf_queue *q, struct wf_queue_counts *out);
    int (*dead_list)(struct wf_queue *q, const char *tenant, json_t **out);
    int (*ping)(struct wf_queue *q);
    int (*relay)(struct wf_queue *q, int max, int *moved); /* NULL: nothing to relay */
    void (*free)(struct wf_queue *q);                      /* NULL: no backend state */
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
    int poll_ms;            /* > 0: waits last at most this long (jobs pushed by other
                               instances send no wake-up) */
    void *be;               /* the backend's state */
};

extern const struct wf_queue_ops wf_queue__store_ops;
extern const struct wf_queue_ops wf_queue__redis_ops;

/* Sets up the Redis backend on a queue whose options are filled in
 * (q->be, q->ops, q->poll_ms). */
int wf_queue__redis_init(struct wf_queue *q, const struct wf_queue_redis_url *url);

/* Fault injection for the tests: when set and it returns non-zero for a
 * point ("relay:before_xadd", "relay:after_xadd"), the relay stops there
 * as if the process had died (nothing after that point happens). NULL in
 * production. */
extern int (*wf_queue__fault)(const char *point);

/* ---- Redis connections (queue_redis_conn.c) ---- */

struct redisContext;
struct redisReply;
/* One command on a pooled connection; *reply is owned (freeReplyObject).
 * WF_EUNAVAIL when no connection could be had or it broke (the connection
 * is dropped), WF_EIO for an error reply (given back in *reply too). */
int wf_queue__redis_cmd(struct wf_queue_redis *r, int argc, const char *const *argv,
                        const size_t *lens, struct redisReply **reply);
/* A Lua script with EVALSHA / EVAL fallback; same errors as the command. */
int wf_queue__redis_eval(struct wf_queue_redis *r, const char *script, int n_keys, int argc,
                         const char *const *argv, const size_t *lens, struct redisReply **reply);
/* Runs after every new connection (creates the consumer group). */
void wf_queue__redis_on_connect(struct wf_queue_redis *r,
                                void (*fn)(struct redisContext *c, void *ud), void *ud);

/* Jitter in [0, delay_ms / 5] from the queue's generator. Thread-safe. */
int64_t wf_queue__jitter(struct wf_queue *q, int64_t delay_ms);

#endif
