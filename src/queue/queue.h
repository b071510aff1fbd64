/* SPDX-License-Identifier: Apache-2.0 */
/*
 * queue: the durable job queue that feeds the workers. The default backend
 * keeps jobs in the store (so a job enqueued with an event commits with it);
 * a backend plugs in through `struct wf_queue_ops`. A claimed job is leased
 * for a visibility timeout; a worker that dies loses the lease and the job
 * comes back. Failed attempts are retried with exponential backoff and
 * jitter; after max_attempts a job is dead-lettered with its last error.
 * The Redis Streams backend (`redis://` URL) shares the queue between
 * instances and keeps the store's jobs table as a transactional outbox,
 * moved to the stream by wf_queue_relay.
 */
#ifndef WF_QUEUE_H
#define WF_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"
#include "util/util.h"

struct wf_queue;

struct wf_queue_opts {
    int max_attempts;    /* default 5 */
    int lease_ms;        /* visibility timeout, default 120000 */
    int backoff_base_ms; /* first retry delay, default 1000; doubles per attempt */
    int backoff_max_ms;  /* cap on the delay, default 300000 */
    const char *url;     /* NULL, "" or "store": the store-backed queue; "redis://...": Redis
                            Streams with the store's jobs table as outbox (borrowed) */
};

/* Borrows st (must outlive the queue). A redis:// URL is parsed (WF_EINVAL
 * when malformed) but not connected to: connections are made on first use
 * and re-made with bounded backoff, so the queue can start while Redis is
 * down. */
int wf_queue_new(struct wf_store *st, const struct wf_queue_opts *opts, struct wf_queue **out);
/* "store" or "redis". */
const char *wf_queue_backend(const struct wf_queue *q);
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

struct wf_queue_counts {
    int64_t ready;  /* waiting (scheduled retries and, for Redis, the outbox included) */
    int64_t leased; /* being worked on */
    int64_t dead;   /* dead-lettered */
};
/* Jobs by state across all tenants. WF_EIO when the backend is unreachable. */
int wf_queue_counts(struct wf_queue *q, struct wf_queue_counts *out);
/* Dead-lettered jobs of a tenant, newest first, at most 100:
 * [{id,kind,attempts,max_attempts,last_error,payload,created_ms,updated_ms}]
 * (returns owned, json_decref). */
int wf_queue_dead_list(struct wf_queue *q, const char *tenant, json_t **out);
/* WF_OK when the backend answers (the store's ping, or Redis PING). */
int wf_queue_ping(struct wf_queue *q);
/* Redis backend: moves up to max ready outbox rows (jobs the store holds,
 * written by ingest in the event's transaction or by wf_queue_push) onto
 * the stream and marks them done in the store; *moved (optional) counts
 * them. A row is leased while it moves, so a relay that dies mid-way leaves
 * it to the next relay after the lease; a row moved twice is enqueued once
 * (the job id is the idempotency key). The store backend moves nothing.
 * Thread-safe. */
int wf_queue_relay(struct wf_queue *q, int max, int *moved);

/* ---- Redis connections (shared with the service's rate limiter) ------------------- */

/* redis://[[user]:password@]host[:port][/db]; port 6379 and db 0 by default. */
struct wf_queue_redis_url {
    char host[256];
    int port;
    char user[128];
    char password[256]; /* never logged */
    int db;
};
/* Parses a Redis URL of at most 1024 bytes. WF_EINVAL with the reason in err
 * (optional; the password is never echoed). */
int wf_queue_redis_url_parse(const char *url, size_t len, struct wf_queue_redis_url *out,
                             struct wf_buf *err);

struct wf_queue_redis;
/* A small pool of connections to one Redis server: each command takes a
 * connection (or makes one, 1 s connect timeout, 2 s command timeout,
 * AUTH and SELECT as the URL says), and a failed connection is dropped;
 * after a failed connect, new connects wait a backoff doubling from 100 ms
 * to 5 s, during which calls fail fast with WF_EUNAVAIL, and then one
 * caller at a time tries again. Thread-safe. */
int wf_queue_redis_new(const struct wf_queue_redis_url *url, struct wf_queue_redis **out);
void wf_queue_redis_free(struct wf_queue_redis *r);
/* Runs a Lua script (EVALSHA, falling back to EVAL on NOSCRIPT) whose
 * reply is an integer or an array of integers; up to n_out of them go to
 * outv, *n_got (optional) gets how many. WF_EUNAVAIL when Redis cannot be
 * reached, WF_EIO on an error reply. Borrows everything. */
int wf_queue_redis_eval_ints(struct wf_queue_redis *r, const char *script, int n_keys, int argc,
                             const char *const *argv, const size_t *lens, int64_t *outv,
                             size_t n_out, size_t *n_got);
/* PING. */
int wf_queue_redis_ping(struct wf_queue_redis *r);

#endif
