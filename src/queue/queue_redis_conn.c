/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connections to Redis for the Redis queue backend and the service's shared
 * rate limits: the redis:// URL parser, a small pool of hiredis connections
 * with connect and command timeouts, reconnection with bounded backoff, and
 * Lua scripts run by EVALSHA with a fallback to EVAL when the server has
 * forgotten them (a restart empties its script cache).
 */
#include "queue/queue_int.h"

#include <hiredis.h>
#include <string.h>
#include <sys/time.h>

#define RC_POOL_MAX 16 /* idle connections kept */
#define RC_CONNECT_TIMEOUT_MS 1000
#define RC_CMD_TIMEOUT_MS 2000
#define RC_BACKOFF_MIN_MS 100
#define RC_BACKOFF_MAX_MS 5000
#define RC_MAX_SCRIPTS 16
#define RC_MAX_ARGS 32
#define RC_URL_MAX 1024

struct rc_hook {
    void (*fn)(struct redisContext *c, void *ud);
    void *ud;
};

struct wf_queue_redis {
    struct wf_queue_redis_url url;
    pthread_mutex_t mu;              /* guards everything below */
    redisContext *pool[RC_POOL_MAX]; /* idle connections */
    size_t n_pool;
    uint64_t down_until_ms;              /* no connect attempts before (wf_now_ms) */
    int backoff_ms;                      /* last backoff, 0 after a good connect */
    int connecting;                      /* a thread is trying to reconnect */
    struct rc_hook hook;                 /* run on every new connection */
    const char *scripts[RC_MAX_SCRIPTS]; /* borrowed static script texts */
    char shas[RC_MAX_SCRIPTS][41];       /* their SHA1 once loaded, "" before */
    size_t n_scripts;
};

static int fail(struct wf_buf *err, const char *msg)
{
    if (err)
        wf_buf_appendf(err, "redis URL: %s", msg);
    return WF_EINVAL;
}

static int copy_part(char *dst, size_t cap, const char *p, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, p, n);
    dst[n] = 0;
    return 0;
}

int wf_queue_redis_url_parse(const char *url, size_t len, struct wf_queue_redis_url *out,
                             struct wf_buf *err)
{
    struct wf_queue_redis_url u;
    memset(&u, 0, sizeof u);
    u.port = 6379;
    if (!url || !out)
        return WF_EINVAL;
    if (len > RC_URL_MAX)
        return fail(err, "longer than 1024 bytes");
    if (memchr(url, 0, len))
        return fail(err, "contains a NUL byte");
    if (len < 8 || memcmp(url, "redis://", 8) != 0)
        return fail(err, "expected redis://[[user]:password@]host[:port][/db]");
    const char *p = url + 8, *end = url + len;
    const char *slash = memchr(p, '/', (size_t)(end - p));
    /* the password may hold '/' and '@': credentials end at the last '@' */
    const char *at = NULL;
    for (const char *s = p; s < end; s++)
        if (*s == '@')
            at = s;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon)
            return fail(err, "credentials must be [user]:password@");
        if (copy_part(u.user, sizeof u.user, p, (size_t)(colon - p)) != 0)
            return fail(err, "user name too long");
        if (copy_part(u.password, sizeof u.password, colon + 1, (size_t)(at - colon - 1)) != 0)
            return fail(err, "password too long");
        p = at + 1;
        slash = memchr(p, '/', (size_t)(end - p));
    }
    const char *hend = slash ? slash : end;
    if (hend == p)
        return fail(err, "missing host");
    const char *colon = NULL;
    if (*p == '[') { /* [::1]:6379 */
        const char *rb = memchr(p, ']', (size_t)(hend - p));
        if (!rb)
            return fail(err, "unterminated [IPv6] host");
        if (copy_part(u.host, sizeof u.host, p + 1, (size_t)(rb - p - 1)) != 0 || !u.host[0])
            return fail(err, "bad [IPv6] host");
        if (rb + 1 < hend) {
            if (rb[1] != ':')
                return fail(err, "expected :port after ]");
            colon = rb + 1;
        }
    } else {
        colon = memchr(p, ':', (size_t)(hend - p));
        const char *he = colon ? colon : hend;
        if (he == p)
            return fail(err, "missing host");
        if (copy_part(u.host, sizeof u.host, p, (size_t)(he - p)) != 0)
            return fail(err, "host too long");
        for (const char *s = u.host; *s; s++)
            if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                  (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
                return fail(err, "host has characters other than [A-Za-z0-9._-]");
    }
    if (colon) {
        char num[8];
        long v;
        if (copy_part(num, sizeof num, colon + 1, (size_t)(hend - colon - 1)) != 0 ||
            wf_parse_long(num, 1, 65535, &v) != WF_OK)
            return fail(err, "port must be 1-65535");
        u.port = (int)v;
    }
    if (slash && slash + 1 < end) {
        char num[8];
        long v;
        if (copy_part(num, sizeof num, slash + 1, (size_t)(end - slash - 1)) != 0 ||
            wf_parse_long(num, 0, 15, &v) != WF_OK)
            return fail(err, "database must be 0-15");
        u.db = (int)v;
    }
    *out = u;
    return WF_OK;
}

int wf_queue_redis_new(const struct wf_queue_redis_url *url, struct wf_queue_redis **out)
{
    if (!url || !out)
        return WF_EINVAL;
    struct wf_queue_redis *r = wf_calloc(1, sizeof(*r));
    if (!r)
        return WF_ENOMEM;
    r->url = *url;
    pthread_mutex_init(&r->mu, NULL);
    *out = r;
    return WF_OK;
}

void wf_queue_redis_free(struct wf_queue_redis *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_pool; i++)
        redisFree(r->pool[i]);
    pthread_mutex_destroy(&r->mu);
    /* the password does not linger in freed memory */
    memset(&r->url, 0, sizeof r->url);
    wf_free(r);
}

void wf_queue__redis_on_connect(struct wf_queue_redis *r,
                                void (*fn)(struct redisContext *c, void *ud), void *ud)
{
    pthread_mutex_lock(&r->mu);
    r->hook.fn = fn;
    r->hook.ud = ud;
    pthread_mutex_unlock(&r->mu);
}

static struct timeval tv_ms(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

static void note_down(struct wf_queue_redis *r)
{
    pthread_mutex_lock(&r->mu);
    r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : RC_BACKOFF_MIN_MS;
    if (r->backoff_ms > RC_BACKOFF_MAX_MS)
        r->backoff_ms = RC_BACKOFF_MAX_MS;
    r->down_until_ms = wf_now_ms() + (uint64_t)r->backoff_ms;
    /* the server went away: the idle connections are likely dead too */
    for (size_t i = 0; i < r->n_pool; i++)
        redisFree(r->pool[i]);
    r->n_pool = 0;
    pthread_mutex_unlock(&r->mu);
}

/* A command on a fresh connection during set-up; 0 when it succeeded. */
static int setup_cmd(redisContext *c, int argc, const char **argv)
{
    redisReply *rep = redisCommandArgv(c, argc, argv, NULL);
    int ok = rep && rep->type != REDIS_REPLY_ERROR;
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}

static int conn_get(struct wf_queue_redis *r, redisContext **out)
{
    pthread_mutex_lock(&r->mu);
    if (r->n_pool) {
        *out = r->pool[--r->n_pool];
        pthread_mutex_unlock(&r->mu);
        return WF_OK;
    }
    /* after a failure one thread at a time tries to reconnect: with a Redis
     * that drops packets each try costs the connect timeout, and the other
     * callers fail fast meanwhile */
    int wait = r->backoff_ms && (wf_now_ms() < r->down_until_ms || r->connecting);
    int probe = r->backoff_ms && !wait;
    if (probe)
        r->connecting = 1;
    struct rc_hook hook = r->hook;
    pthread_mutex_unlock(&r->mu);
    if (wait)
        return WF_EUNAVAIL;
    redisContext *c =
        redisConnectWithTimeout(r->url.host, r->url.port, tv_ms(RC_CONNECT_TIMEOUT_MS));
    int ok = c && !c->err && redisSetTimeout(c, tv_ms(RC_CMD_TIMEOUT_MS)) == REDIS_OK;
    if (ok && r->url.password[0]) {
        const char *a3[] = {"AUTH", r->url.user, r->url.password};
        const char *a2[] = {"AUTH", r->url.password};
        ok = (r->url.user[0] ? setup_cmd(c, 3, a3) : setup_cmd(c, 2, a2)) == 0;
    }
    if (ok && r->url.db) {
        char db[8];
        snprintf(db, sizeof db, "%d", r->url.db);
        const char *a[] = {"SELECT", db};
        ok = setup_cmd(c, 2, a) == 0;
    }
    if (!ok) {
        if (c)
            redisFree(c);
        note_down(r);
        if (probe) {
            pthread_mutex_lock(&r->mu);
            r->connecting = 0;
            pthread_mutex_unlock(&r->mu);
        }
        return WF_EUNAVAIL;
    }
    if (hook.fn)
        hook.fn(c, hook.ud);
    pthread_mutex_lock(&r->mu);
    r->backoff_ms = 0;
    r->down_until_ms = 0;
    if (probe)
        r->connecting = 0;
    pthread_mutex_unlock(&r->mu);
    *out = c;
    return WF_OK;
}

static void conn_put(struct wf_queue_redis *r, redisContext *c, int broken)
{
    if (broken || c->err) {
        redisFree(c);
        note_down(r);
        return;
    }
    pthread_mutex_lock(&r->mu);
    if (r->n_pool < RC_POOL_MAX) {
        r->pool[r->n_pool++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&r->mu);
    if (c)
        redisFree(c);
}

int wf_queue__redis_cmd(struct wf_queue_redis *r, int argc, const char *const *argv,
                        const size_t *lens, struct redisReply **reply)
{
    redisContext *c = NULL;
    *reply = NULL;
    int rc = conn_get(r, &c);
    if (rc)
        return rc;
    redisReply *rep = redisCommandArgv(c, argc, (const char **)argv, lens);
    conn_put(r, c, rep == NULL);
    if (!rep)
        return WF_EUNAVAIL;
    *reply = rep;
    return rep->type == REDIS_REPLY_ERROR ? WF_EIO : WF_OK;
}

/* The slot of a script text (by address: scripts are static strings). */
static int script_slot(struct wf_queue_redis *r, const char *script, char sha[41])
{
    int slot = -1;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n_scripts; i++)
        if (r->scripts[i] == script)
            slot = (int)i;
    if (slot < 0 && r->n_scripts < RC_MAX_SCRIPTS) {
        slot = (int)r->n_scripts++;
        r->scripts[slot] = script;
        r->shas[slot][0] = 0;
    }
    if (slot >= 0)
        memcpy(sha, r->shas[slot], 41);
    else
        sha[0] = 0;
    pthread_mutex_unlock(&r->mu);
    return slot;
}

int wf_queue__redis_eval(struct wf_queue_redis *r, const char *script, int n_keys, int argc,
                         const char *const *argv, const size_t *lens, struct redisReply **reply)
{
    const char *a[RC_MAX_ARGS + 3];
    size_t l[RC_MAX_ARGS + 3];
    char sha[41], nk[16];
    *reply = NULL;
    if (argc < 0 || argc > RC_MAX_ARGS || n_keys < 0 || n_keys > argc)
        return WF_EINVAL;
    int slot = script_slot(r, script, sha);
    snprintf(nk, sizeof nk, "%d", n_keys);
    for (int i = 0; i < argc; i++) {
        a[3 + i] = argv[i];
        l[3 + i] = lens ? lens[i] : strlen(argv[i]);
    }
    a[2] = nk;
    l[2] = strlen(nk);
    int rc;
    if (sha[0]) {
        a[0] = "EVALSHA";
        l[0] = 7;
        a[1] = sha;
        l[1] = 40;
        rc = wf_queue__redis_cmd(r, argc + 3, a, l, reply);
        if (rc != WF_EIO || strncmp((*reply)->str, "NOSCRIPT", 8) != 0)
            return rc;
        freeReplyObject(*reply);
        *reply = NULL;
    } else if (slot >= 0) {
        /* learn the SHA1 once; EVAL below also caches the script server-side */
        const char *la[] = {"SCRIPT", "LOAD", script};
        redisReply *rep = NULL;
        if (wf_queue__redis_cmd(r, 3, la, NULL, &rep) == WF_OK && rep->type == REDIS_REPLY_STRING &&
            rep->len == 40) {
            pthread_mutex_lock(&r->mu);
            memcpy(r->shas[slot], rep->str, 41);
            pthread_mutex_unlock(&r->mu);
        }
        if (rep)
            freeReplyObject(rep);
    }
    a[0] = "EVAL";
    l[0] = 4;
    a[1] = script;
    l[1] = strlen(script);
    return wf_queue__redis_cmd(r, argc + 3, a, l, reply);
}

int wf_queue_redis_eval_ints(struct wf_queue_redis *r, const char *script, int n_keys, int argc,
                             const char *const *argv, const size_t *lens, int64_t *outv,
                             size_t n_out, size_t *n_got)
{
    redisReply *rep = NULL;
    int rc = wf_queue__redis_eval(r, script, n_keys, argc, argv, lens, &rep);
    size_t n = 0;
    if (rc == WF_OK) {
        if (rep->type == REDIS_REPLY_INTEGER) {
            if (n_out)
                outv[n++] = rep->integer;
        } else if (rep->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < rep->elements && n < n_out; i++) {
                if (rep->element[i]->type != REDIS_REPLY_INTEGER) {
                    rc = WF_EIO;
                    break;
                }
                outv[n++] = rep->element[i]->integer;
            }
        } else {
            rc = WF_EIO;
        }
    }
    if (rep)
        freeReplyObject(rep);
    if (rc == WF_OK && n_got)
        *n_got = n;
    return rc;
}

int wf_queue_redis_ping(struct wf_queue_redis *r)
{
    const char *a[] = {"PING"};
    redisReply *rep = NULL;
    int rc = wf_queue__redis_cmd(r, 1, a, NULL, &rep);
    if (rep)
        freeReplyObject(rep);
    return rc;
}
