/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backend-independent half of the queue: options and their defaults,
 * the retry policy (exponential backoff with jitter, then the dead-letter
 * state) and the wait/notify that lets idle workers sleep until work
 * arrives. The backend (queue_store.c) only moves jobs between states.
 */
#include "queue/queue_int.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int64_t wf_queue_backoff_ms(const struct wf_queue_opts *o, int attempt)
{
    int64_t base = o && o->backoff_base_ms > 0 ? o->backoff_base_ms : 1000;
    int64_t max = o && o->backoff_max_ms > 0 ? o->backoff_max_ms : 300000;
    int64_t d = base;
    /* doubling stops at the cap, so large attempt numbers cannot overflow */
    for (int i = 1; i < attempt && d < max; i++)
        d *= 2;
    return d < max ? d : max;
}

int64_t wf_queue__jitter(struct wf_queue *q, int64_t delay_ms)
{
    if (delay_ms < 5)
        return 0;
    pthread_mutex_lock(&q->mu);
    uint64_t x = q->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    q->rng = x;
    pthread_mutex_unlock(&q->mu);
    return (int64_t)(x % (uint64_t)(delay_ms / 5 + 1));
}

int wf_queue_new(struct wf_store *st, const struct wf_queue_opts *opts, struct wf_queue **out)
{
    if (!st || !out)
        return WF_EINVAL;
    struct wf_queue *q = wf_calloc(1, sizeof(*q));
    if (!q)
        return WF_ENOMEM;
    if (opts)
        q->o = *opts;
    if (q->o.max_attempts <= 0)
        q->o.max_attempts = 5;
    if (q->o.lease_ms <= 0)
        q->o.lease_ms = 120000;
    if (q->o.backoff_base_ms <= 0)
        q->o.backoff_base_ms = 1000;
    if (q->o.backoff_max_ms <= 0)
        q->o.backoff_max_ms = 300000;
    q->ops = &wf_queue__store_ops;
    q->st = st;
    const char *url = opts && opts->url ? opts->url : "";
    q->o.url = NULL; /* borrowed only for the call */
    if (strncmp(url, "redis://", 8) == 0) {
        struct wf_queue_redis_url u;
        int rc = wf_queue_redis_url_parse(url, strlen(url), &u, NULL);
        if (rc == WF_OK)
            rc = wf_queue__redis_init(q, &u);
        memset(&u, 0, sizeof u);
        if (rc) {
            wf_free(q);
            return rc;
        }
    } else if (url[0] && strcmp(url, "store") != 0) {
        wf_free(q);
        return WF_EINVAL;
    }
    if (getrandom(&q->rng, sizeof(q->rng), 0) != (ssize_t)sizeof(q->rng))
        q->rng = wf_now_ns();
    q->rng |= 1; /* xorshift must not start at 0 */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&q->mu, NULL);
    *out = q;
    return WF_OK;
}

void wf_queue_free(struct wf_queue *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->closing = 1;
    pthread_cond_broadcast(&q->cv);
    /* waiters leave before the condition variable goes away */
    while (q->n_waiters > 0)
        pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    if (q->ops->free)
        q->ops->free(q);
    wf_free(q);
}

int wf_queue_push(struct wf_queue *q, const char *tenant, const char *kind,
                  const char *payload_json, int64_t *id)
{
    if (!q)
        return WF_EINVAL;
    int rc = q->ops->push(q, tenant, kind, payload_json, id);
    if (rc == WF_OK)
        wf_queue_notify(q);
    return rc;
}

int wf_queue_claim(struct wf_queue *q, struct wf_store_job *out)
{
    if (!q || !out)
        return WF_EINVAL;
    return q->ops->claim(q, wf_store_now_ms(), out);
}

int wf_queue_wait(struct wf_queue *q, int timeout_ms)
{
    struct timespec dl;
    int timed_out = 0;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    if (timeout_ms < 0)
        timeout_ms = 0;
    if (q->poll_ms > 0 && timeout_ms > q->poll_ms)
        timeout_ms = q->poll_ms;
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->mu);
    q->n_waiters++;
    while (!q->pending && !q->closing) {
        if (pthread_cond_timedwait(&q->cv, &q->mu, &dl) == ETIMEDOUT) {
            timed_out = !q->pending && !q->closing;
            break;
        }
    }
    if (!timed_out && q->pending)
        q->pending--;
    q->n_waiters--;
    if (q->closing)
        pthread_cond_broadcast(&q->cv); /* wf_queue_free waits for the last waiter */
    pthread_mutex_unlock(&q->mu);
    return timed_out;
}

void wf_queue_notify(struct wf_queue *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    /* a wake-up is kept until a wait consumes it, so a notify that lands
     * between a worker's empty claim and its wait is not lost; every current
     * waiter gets one */
    uint64_t add = q->n_waiters > 0 ? (uint64_t)q->n_waiters : 1;
    if (q->pending < 1u << 20)
        q->pending += add;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

int wf_queue_ack(struct wf_queue *q, const struct wf_store_job *job)
{
    if (!q || !job)
        return WF_EINVAL;
    return q->ops->ack(q, job);
}

int wf_queue_fail(struct wf_queue *q, const struct wf_store_job *job, const char *error, int *dead)
{
    if (!q || !job)
        return WF_EINVAL;
    int max = job->max_attempts > 0 ? job->max_attempts : q->o.max_attempts;
    int rc;
    int is_dead = job->attempts >= max;
    if (is_dead) {
        rc = q->ops->dead(q, job, error ? error : "");
    } else {
        int64_t d = wf_queue_backoff_ms(&q->o, job->attempts);
        d += wf_queue__jitter(q, d);
        rc = q->ops->retry(q, job, wf_store_now_ms() + d, error ? error : "");
    }
    if (rc == WF_OK && dead)
        *dead = is_dead;
    return rc;
}

const char *wf_queue_backend(const struct wf_queue *q)
{
    return q ? q->ops->name : "";
}

int wf_queue_counts(struct wf_queue *q, struct wf_queue_counts *out)
{
    if (!q || !out)
        return WF_EINVAL;
    struct wf_queue_counts c = {0, 0, 0};
    int rc = q->ops->counts(q, &c);
    if (rc == WF_OK)
        *out = c;
    return rc;
}

int wf_queue_dead_list(struct wf_queue *q, const char *tenant, json_t **out)
{
    if (!q || !tenant || !out)
        return WF_EINVAL;
    return q->ops->dead_list(q, tenant, out);
}

int wf_queue_ping(struct wf_queue *q)
{
    if (!q)
        return WF_EINVAL;
    return q->ops->ping(q);
}

int wf_queue_relay(struct wf_queue *q, int max, int *moved)
{
    if (!q || max <= 0)
        return WF_EINVAL;
    if (!q->ops->relay) {
        if (moved)
            *moved = 0;
        return WF_OK;
    }
    return q->ops->relay(q, max, moved);
}
