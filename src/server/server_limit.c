/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-key rate limits: one token bucket per key (an API key id, a tenant, a
 * client address) in a chained hash table, with the buckets also on an LRU
 * list so the table never holds more than max_keys of them. One mutex
 * guards everything; a take is a hash, a short chain walk and a few float
 * operations, so the critical section stays tiny. Time comes from the
 * caller (monotonic nanoseconds), which keeps the tests deterministic.
 * Shared mode keeps the same bucket arithmetic in Redis (a Lua script on
 * Redis's clock) so several instances draw from one bucket per key; the
 * local table stays as the fallback while Redis is unreachable.
 */
#include "server/server_int.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "crypto/crypto.h"

#define LIMIT_MAX_KEYS (1u << 20)         /* cap on max_keys */
#define LIMIT_KEY_BYTES WF_LIMIT_ID_BYTES /* key bytes kept, NUL included */
#define LIMIT_MAX_RATE 1e9                /* tokens per second */

struct bucket {
    struct bucket *next;                /* hash chain */
    struct bucket *lru_prev, *lru_next; /* towards most / least recently used */
    uint64_t hash;
    uint64_t last_ns; /* time of the last refill */
    double tokens;    /* available, 0..burst */
    size_t key_len;   /* bytes of key */
    char key[LIMIT_KEY_BYTES];
};

struct wf_server__limiter {
    pthread_mutex_t mu;
    double rate;                        /* tokens per second; <= 0: disabled */
    double burst;                       /* bucket capacity */
    size_t max_keys;                    /* cap on n_buckets */
    size_t n_buckets;                   /* buckets allocated (in the table) */
    size_t mask;                        /* table slots - 1 */
    struct bucket **slots;              /* owned, chains of buckets */
    struct bucket *lru_head, *lru_tail; /* most / least recently used */
    uint64_t seed;                      /* random per limiter: chains cannot be aimed at */
    struct wf_queue_redis *shared;      /* owned; NULL: local buckets only */
    _Atomic uint64_t shared_errors;     /* takes that fell back to the local bucket */
};

/* KEYS: bucket. ARGV: rate per second, burst, ttl ms. The same refill and
 * take as wf_server__limiter_take, in microseconds of Redis's clock (so
 * instances with skewed clocks agree). Returns {allowed, retry_after_s}. */
static const char BUCKET_LUA[] =
    "local rate = tonumber(ARGV[1])\n"
    "local burst = tonumber(ARGV[2])\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')\n"
    "local tokens = tonumber(b[1])\n"
    "local ts = tonumber(b[2])\n"
    "if not tokens or not ts then tokens = burst; ts = now end\n"
    "if now > ts then\n"
    "  tokens = math.min(burst, tokens + (now - ts) / 1e6 * rate)\n"
    "  ts = now\n"
    "end\n"
    "local allowed = 0\n"
    "local retry = 0\n"
    "if tokens >= 1 then\n"
    "  tokens = tokens - 1\n"
    "  allowed = 1\n"
    "else\n"
    "  retry = math.ceil((1 - tokens) / rate - 1e-9)\n"
    "  if retry < 1 then retry = 1 end\n"
    "end\n"
    "redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),\n"
    "  'ts', string.format('%.17g', ts))\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
    "return {allowed, math.min(retry, 2147483647)}\n";

int wf_server__limiter_new(double rate_per_s, double burst, size_t max_keys,
                           struct wf_server__limiter **out)
{
    struct wf_server__limiter *l = NULL;
    int rc = WF_OK;
    if (isnan(rate_per_s) || rate_per_s > LIMIT_MAX_RATE ||
        (rate_per_s > 0 && !(burst >= 1 && burst <= LIMIT_MAX_RATE)) ||
        (rate_per_s > 0 && (max_keys == 0 || max_keys > LIMIT_MAX_KEYS))) {
        rc = WF_EINVAL;
        goto out;
    }
    l = wf_calloc(1, sizeof(*l));
    if (!l) {
        rc = WF_ENOMEM;
        goto out;
    }
    l->rate = rate_per_s > 0 ? rate_per_s : 0;
    l->burst = burst;
    l->max_keys = max_keys;
    if (l->rate > 0) {
        size_t n = 16;
        while (n < max_keys)
            n *= 2;
        l->slots = wf_calloc(n, sizeof(*l->slots));
        if (!l->slots) {
            rc = WF_ENOMEM;
            goto out;
        }
        l->mask = n - 1;
        if (wf_crypto_random(&l->seed, sizeof(l->seed)) != WF_OK)
            l->seed = 0x9e3779b97f4a7c15u; /* only hash flooding gets easier */
    }
    if (pthread_mutex_init(&l->mu, NULL) != 0) {
        rc = WF_ENOMEM;
        goto out;
    }
    *out = l;
    l = NULL;
out:
    if (l) {
        wf_free(l->slots);
        wf_free(l);
    }
    return rc;
}

void wf_server__limiter_free(struct wf_server__limiter *l)
{
    if (!l)
        return;
    struct bucket *b = l->lru_head;
    while (b) {
        struct bucket *next = b->lru_next;
        wf_free(b);
        b = next;
    }
    wf_free(l->slots);
    wf_queue_redis_free(l->shared);
    pthread_mutex_destroy(&l->mu);
    wf_free(l);
}

int wf_server__limiter_share(struct wf_server__limiter *l, const struct wf_queue_redis_url *url)
{
    if (!l || !url || l->shared)
        return WF_EINVAL;
    return wf_queue_redis_new(url, &l->shared);
}

uint64_t wf_server__limiter_shared_errors(struct wf_server__limiter *l)
{
    return l ? l->shared_errors : 0;
}

/* 1 allowed, 0 limited, -1 when Redis did not answer. */
static int take_shared(struct wf_server__limiter *l, const char *key, size_t len,
                       int *retry_after_s)
{
    char k[16 + LIMIT_KEY_BYTES], rate[32], burst[32], ttl[24];
    int kn = snprintf(k, sizeof k, "wf:rl:%.*s", (int)len, key);
    snprintf(rate, sizeof rate, "%.17g", l->rate);
    snprintf(burst, sizeof burst, "%.17g", l->burst);
    /* an idle bucket is full again after burst / rate: then it can go */
    double ttl_ms = ceil(l->burst / l->rate * 1000) + 1000;
    snprintf(ttl, sizeof ttl, "%lld", (long long)(ttl_ms < 86400000 ? ttl_ms : 86400000));
    const char *argv[] = {k, rate, burst, ttl};
    size_t lens[] = {(size_t)kn, strlen(rate), strlen(burst), strlen(ttl)};
    int64_t v[2];
    size_t n = 0;
    if (wf_queue_redis_eval_ints(l->shared, BUCKET_LUA, 1, 4, argv, lens, v, 2, &n) != WF_OK ||
        n != 2)
        return -1;
    if (!v[0] && retry_after_s)
        *retry_after_s = v[1] < 1 ? 1 : v[1] > INT_MAX ? INT_MAX : (int)v[1];
    return v[0] ? 1 : 0;
}

static void lru_unlink(struct wf_server__limiter *l, struct bucket *b)
{
    if (b->lru_prev)
        b->lru_prev->lru_next = b->lru_next;
    else
        l->lru_head = b->lru_next;
    if (b->lru_next)
        b->lru_next->lru_prev = b->lru_prev;
    else
        l->lru_tail = b->lru_prev;
    b->lru_prev = b->lru_next = NULL;
}

static void lru_push_front(struct wf_server__limiter *l, struct bucket *b)
{
    b->lru_prev = NULL;
    b->lru_next = l->lru_head;
    if (l->lru_head)
        l->lru_head->lru_prev = b;
    l->lru_head = b;
    if (!l->lru_tail)
        l->lru_tail = b;
}

static void table_remove(struct wf_server__limiter *l, struct bucket *b)
{
    struct bucket **pp = &l->slots[b->hash & l->mask];
    while (*pp != b) {
        assert(*pp);
        pp = &(*pp)->next;
    }
    *pp = b->next;
    b->next = NULL;
}

/* The bucket of key, created full (or recycled from the least recently
 * used one) when missing; moved to the front of the LRU list. NULL only
 * when no bucket exists and none can be allocated. Called locked. */
static struct bucket *bucket_get(struct wf_server__limiter *l, const char *key, size_t len,
                                 uint64_t h, uint64_t now_ns)
{
    struct bucket *b = l->slots[h & l->mask];
    for (; b; b = b->next)
        if (b->hash == h && b->key_len == len && memcmp(b->key, key, len) == 0)
            break;
    if (b) {
        if (l->lru_head != b) {
            lru_unlink(l, b);
            lru_push_front(l, b);
        }
        return b;
    }
    if (l->n_buckets < l->max_keys)
        b = wf_malloc(sizeof(*b));
    if (b) {
        l->n_buckets++;
    } else {
        /* at max_keys (or out of memory): the least recently used bucket
         * is forgotten; that key starts again with a full burst */
        b = l->lru_tail;
        if (!b)
            return NULL;
        lru_unlink(l, b);
        table_remove(l, b);
    }
    b->hash = h;
    b->key_len = len;
    memcpy(b->key, key, len);
    b->key[len] = 0;
    b->tokens = l->burst;
    b->last_ns = now_ns;
    b->next = l->slots[h & l->mask];
    l->slots[h & l->mask] = b;
    lru_push_front(l, b);
    return b;
}

int wf_server__limiter_take(struct wf_server__limiter *l, const char *key, uint64_t now_ns,
                            int *retry_after_s)
{
    if (!l || l->rate <= 0)
        return 1;
    if (!key)
        key = "";
    /* keys are ids capped at WF_LIMIT_ID_BYTES; a longer one is limited on
     * its first 127 bytes rather than refused */
    size_t len = strnlen(key, LIMIT_KEY_BYTES - 1);
    if (l->shared) {
        int r = take_shared(l, key, len, retry_after_s);
        if (r >= 0)
            return r;
        l->shared_errors++; /* fail open to this instance's own bucket */
    }
    uint64_t h = wf_hash64(key, len, l->seed);
    int allowed = 1;
    double wait_s = 0;
    pthread_mutex_lock(&l->mu);
    struct bucket *b = bucket_get(l, key, len, h, now_ns);
    if (b) {
        /* callers read the clock before they queue on the mutex, so times
         * may arrive slightly out of order: never refill backwards */
        if (now_ns > b->last_ns) {
            double t = b->tokens + (double)(now_ns - b->last_ns) / 1e9 * l->rate;
            b->tokens = t < l->burst ? t : l->burst;
            b->last_ns = now_ns;
        }
        if (b->tokens >= 1) {
            b->tokens -= 1;
        } else {
            allowed = 0;
            wait_s = (1 - b->tokens) / l->rate;
        }
    }
    pthread_mutex_unlock(&l->mu);
    if (!allowed && retry_after_s) {
        /* the epsilon keeps 0.5 / 0.1 = 5.000000000000001 at 5 */
        double s = ceil(wait_s - 1e-9);
        *retry_after_s = s < 1 ? 1 : s > INT_MAX ? INT_MAX : (int)s;
    }
    return allowed;
}
