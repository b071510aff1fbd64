/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redis Streams backend, for several instances sharing one queue. Jobs
 * still enter through the store's jobs table (the outbox: ingest writes
 * them in the event's transaction) and a relay moves them onto one stream
 * read by one consumer group; every state change is a Lua script, so each
 * is atomic. Keys (prefix "wf:"):
 *   wf:jobs        stream of {id}: entries ready or being worked on
 *   wf:job:<id>    hash: tenant, kind, payload, max, attempts, error, sid
 *                  (the job's current stream entry), created
 *   wf:delayed     sorted set of job ids scheduled for retry, by due time
 *   wf:dead        stream of dead-lettered jobs with their last error
 *   wf:done:<id>   the job's fingerprint once it finished (acked or dead),
 *                  kept 7 days: the idempotency key that turns a second
 *                  enqueue of the same job into a no-op
 * See docs/internals/queue.md for the delivery argument.
 */
#include "queue/queue_int.h"

#include <hiredis.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RQ_PREFIX "wf:"
#define RQ_STREAM RQ_PREFIX "jobs"
#define RQ_DELAYED RQ_PREFIX "delayed"
#define RQ_DEAD RQ_PREFIX "dead"
#define RQ_GROUP "workers"
#define RQ_DONE_TTL_MS "604800000" /* 7 days */
#define RQ_DEAD_MAXLEN "100000"    /* dead letters kept (approximately) */
#define RQ_RELAY_LEASE_MS 10000    /* an outbox row's lease while it moves */
#define RQ_POLL_MS 200             /* idle workers look at the stream this often */
#define RQ_DEAD_LIST_MAX 100
#define RQ_DEAD_SCAN 1000

int (*wf_queue__fault)(const char *point);

static int fault(const char *point)
{
    return wf_queue__fault && wf_queue__fault(point);
}

struct rq {
    struct wf_queue_redis *r;
    char host[64]; /* for consumer names: host-pid-thread */
};

/* ---- Scripts ------------------------------------------------------------------------ */

/* KEYS: stream, job hash, done key. ARGV: id, tenant, kind, payload, max,
 * created, fingerprint. A job already queued, or finished with the same
 * fingerprint (a hash of tenant, kind and payload: a store that was reset
 * reuses ids, and its new jobs must not pass for old ones), is not queued
 * again. */
static const char ENQUEUE_LUA[] =
    "if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('GET', KEYS[3]) == ARGV[7] then\n"
    "  return 0\n"
    "end\n"
    "local sid = redis.call('XADD', KEYS[1], '*', 'id', ARGV[1])\n"
    "redis.call('HSET', KEYS[2], 'tenant', ARGV[2], 'kind', ARGV[3], 'payload', ARGV[4],\n"
    "  'max', ARGV[5], 'attempts', '0', 'error', '', 'sid', sid, 'created', ARGV[6],\n"
    "  'fp', ARGV[7])\n"
    "return 1\n";

/* KEYS: stream, delayed set, dead stream. ARGV: group, consumer, lease ms,
 * key prefix, dead maxlen, done ttl. Promotes due retries, then takes over
 * one entry idle longer than the lease (its consumer died) or reads a new
 * one; skips entries of finished jobs; dead-letters a job whose lease ran
 * out on its last attempt. Returns {id, tenant, kind, payload, attempts,
 * max, last error} or nil. */
static const char CLAIM_LUA[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local p = ARGV[4]\n"
    "local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)\n"
    "for _, id in ipairs(due) do\n"
    "  redis.call('ZREM', KEYS[2], id)\n"
    "  local jk = p .. 'job:' .. id\n"
    "  if redis.call('EXISTS', jk) == 1 then\n"
    "    local sid = redis.call('XADD', KEYS[1], '*', 'id', id)\n"
    "    redis.call('HSET', jk, 'sid', sid)\n"
    "  end\n"
    "end\n"
    "for _ = 1, 100 do\n"
    "  local e = nil\n"
    "  local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', 1)\n"
    "  if type(r[2]) == 'table' and type(r[2][1]) == 'table' then e = r[2][1] end\n"
    "  if not e then\n"
    "    local x = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1,\n"
    "      'STREAMS', KEYS[1], '>')\n"
    "    if not x then return false end\n"
    "    e = x[1][2][1]\n"
    "  end\n"
    "  local sid = e[1]\n"
    "  local f = e[2]\n"
    "  local id = nil\n"
    "  for i = 1, #f, 2 do if f[i] == 'id' then id = f[i + 1] end end\n"
    "  local h = {}\n"
    "  if id then\n"
    "    h = redis.call('HMGET', p .. 'job:' .. id, 'tenant', 'kind', 'payload', 'max',\n"
    "      'attempts', 'error', 'sid', 'created', 'fp')\n"
    "  end\n"
    "  if not id or not h[1] or h[7] ~= sid then\n"
    "    redis.call('XACK', KEYS[1], ARGV[1], sid)\n"
    "    redis.call('XDEL', KEYS[1], sid)\n"
    "  else\n"
    "    local jk = p .. 'job:' .. id\n"
    "    local att = redis.call('HINCRBY', jk, 'attempts', 1)\n"
    "    if att > tonumber(h[4]) then\n"
    "      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'id', id, 'tenant', h[1],\n"
    "        'kind', h[2], 'payload', h[3], 'attempts', tostring(att - 1), 'max', h[4],\n"
    "        'error', 'lease expired on the last attempt (worker lost)',\n"
    "        'created', h[8] or '0', 'dead', tostring(now))\n"
    "      redis.call('XACK', KEYS[1], ARGV[1], sid)\n"
    "      redis.call('XDEL', KEYS[1], sid)\n"
    "      redis.call('DEL', jk)\n"
    "      redis.call('SET', p .. 'done:' .. id, h[9] or '', 'PX', ARGV[6])\n"
    "    else\n"
    "      return {id, h[1], h[2], h[3], tostring(att), h[4], h[6] or ''}\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return false\n";

/* KEYS: stream, job hash, done key. ARGV: group, lease token (the attempt
 * number the claim handed out), done ttl. 0 when the lease was lost. */
static const char ACK_LUA[] =
    "local h = redis.call('HMGET', KEYS[2], 'attempts', 'sid', 'fp')\n"
    "if not h[1] or h[1] ~= ARGV[2] or not h[2] or h[2] == '' then return 0 end\n"
    "redis.call('XACK', KEYS[1], ARGV[1], h[2])\n"
    "redis.call('XDEL', KEYS[1], h[2])\n"
    "redis.call('DEL', KEYS[2])\n"
    "redis.call('SET', KEYS[3], h[3] or '', 'PX', ARGV[3])\n"
    "return 1\n";

/* KEYS: stream, job hash, delayed set. ARGV: group, token, delay ms, error,
 * id. The due time is Redis's clock plus the delay, so instances with
 * skewed clocks agree. */
static const char RETRY_LUA[] =
    "local h = redis.call('HMGET', KEYS[2], 'attempts', 'sid')\n"
    "if not h[1] or h[1] ~= ARGV[2] or not h[2] or h[2] == '' then return 0 end\n"
    "redis.call('XACK', KEYS[1], ARGV[1], h[2])\n"
    "redis.call('XDEL', KEYS[1], h[2])\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('HSET', KEYS[2], 'error', ARGV[4], 'sid', '')\n"
    "redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[5])\n"
    "return 1\n";

/* KEYS: stream, job hash, dead stream, done key. ARGV: group, token,
 * error, id, dead maxlen, done ttl. */
static const char DEAD_LUA[] =
    "local h = redis.call('HMGET', KEYS[2], 'attempts', 'sid', 'tenant', 'kind', 'payload',\n"
    "  'max', 'created', 'fp')\n"
    "if not h[1] or h[1] ~= ARGV[2] or not h[2] or h[2] == '' then return 0 end\n"
    "redis.call('XACK', KEYS[1], ARGV[1], h[2])\n"
    "redis.call('XDEL', KEYS[1], h[2])\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'id', ARGV[4], 'tenant', h[3],\n"
    "  'kind', h[4], 'payload', h[5], 'attempts', h[1], 'max', h[6], 'error', ARGV[3],\n"
    "  'created', h[7] or '0', 'dead', tostring(now))\n"
    "redis.call('DEL', KEYS[2])\n"
    "redis.call('SET', KEYS[4], h[8] or '', 'PX', ARGV[6])\n"
    "return 1\n";

/* KEYS: stream, delayed set, dead stream. ARGV: group. Acked entries are
 * deleted, so the stream holds exactly the unread and the pending ones. */
static const char COUNTS_LUA[] =
    "local len = redis.call('XLEN', KEYS[1])\n"
    "local pending = 0\n"
    "local g = redis.pcall('XPENDING', KEYS[1], ARGV[1])\n"
    "if type(g) == 'table' and not g.err and g[1] then pending = tonumber(g[1]) end\n"
    "return {len - pending, pending, redis.call('ZCARD', KEYS[2]), redis.call('XLEN', KEYS[3])}\n";

/* ---- Helpers ---------------------------------------------------------------------- */

static struct rq *be(struct wf_queue *q)
{
    return q->be;
}

static void job_key(char *out, size_t cap, const char *what, int64_t id)
{
    snprintf(out, cap, RQ_PREFIX "%s:%lld", what, (long long)id);
}

static void consumer_name(struct rq *b, char *out, size_t cap)
{
    snprintf(out, cap, "%s-%ld-%ld", b->host, (long)getpid(), (long)syscall(SYS_gettid));
}

static void create_group(struct redisContext *c, void *ud)
{
    (void)ud;
    /* BUSYGROUP when it exists: fine. After a Redis that lost its data
     * comes back, this recreates the stream and the group. */
    redisReply *rep = redisCommand(c, "XGROUP CREATE %s %s 0 MKSTREAM", RQ_STREAM, RQ_GROUP);
    if (rep)
        freeReplyObject(rep);
}

/* A script whose reply is an integer: 1 done, 0 lease lost. */
static int eval_flag(struct rq *b, const char *script, int n_keys, int argc,
                     const char *const *argv)
{
    int64_t v = 0;
    size_t n = 0;
    int rc = wf_queue_redis_eval_ints(b->r, script, n_keys, argc, argv, NULL, &v, 1, &n);
    if (rc)
        return rc;
    return n == 1 && v == 1 ? WF_OK : WF_ECONFLICT;
}

/* ---- Backend operations ------------------------------------------------------------ */

static int rq_push(struct wf_queue *q, const char *tenant, const char *kind,
                   const char *payload_json, int64_t *id)
{
    /* into the outbox like ingest's jobs: the relay moves it */
    return wf_store_job_push(q->st, tenant, kind, payload_json, q->o.max_attempts,
                             wf_store_now_ms(), id);
}

static int copy_str(char *dst, size_t cap, const redisReply *e)
{
    if (e->type != REDIS_REPLY_STRING || e->len >= cap)
        return WF_EIO;
    memcpy(dst, e->str, e->len);
    dst[e->len] = 0;
    return WF_OK;
}

static int rq_claim(struct wf_queue *q, int64_t now_ms, struct wf_store_job *out)
{
    (void)now_ms; /* Redis's clock decides, so instances agree */
    struct rq *b = be(q);
    char consumer[160], lease[24];
    consumer_name(b, consumer, sizeof consumer);
    snprintf(lease, sizeof lease, "%d", q->o.lease_ms);
    const char *argv[] = {RQ_STREAM, RQ_DELAYED, RQ_DEAD,        RQ_GROUP,      consumer,
                          lease,     RQ_PREFIX,  RQ_DEAD_MAXLEN, RQ_DONE_TTL_MS};
    redisReply *rep = NULL;
    int rc = wf_queue__redis_eval(b->r, CLAIM_LUA, 3, 9, argv, NULL, &rep);
    if (rc == WF_EIO && rep && rep->str && strncmp(rep->str, "NOGROUP", 7) == 0) {
        /* the stream was deleted under live connections (FLUSHDB): make it
         * and the group again; the next claim reads from it */
        freeReplyObject(rep);
        rep = NULL;
        const char *a[] = {"XGROUP", "CREATE", RQ_STREAM, RQ_GROUP, "0", "MKSTREAM"};
        wf_queue__redis_cmd(b->r, 6, a, NULL, &rep);
        rc = WF_ENOENT;
        goto out;
    }
    if (rc)
        goto out;
    if (rep->type == REDIS_REPLY_NIL) {
        rc = WF_ENOENT;
        goto out;
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 7) {
        rc = WF_EIO;
        goto out;
    }
    struct wf_store_job j;
    memset(&j, 0, sizeof j);
    char num[3][24];
    long v[3];
    for (int i = 0; i < 3; i++) {
        static const int at[3] = {0, 4, 5}; /* id, attempts, max */
        if (copy_str(num[i], sizeof num[i], rep->element[at[i]]) != WF_OK ||
            wf_parse_long(num[i], 0, 0x7fffffffffffffffL, &v[i]) != WF_OK) {
            rc = WF_EIO;
            goto out;
        }
    }
    if (copy_str(j.tenant, sizeof j.tenant, rep->element[1]) != WF_OK ||
        copy_str(j.kind, sizeof j.kind, rep->element[2]) != WF_OK ||
        rep->element[3]->type != REDIS_REPLY_STRING) {
        rc = WF_EIO;
        goto out;
    }
    const redisReply *e = rep->element[6];
    if (e->type == REDIS_REPLY_STRING) {
        size_t n = e->len < sizeof j.last_error - 1 ? e->len : sizeof j.last_error - 1;
        memcpy(j.last_error, e->str, n);
    }
    j.payload = wf_strndup(rep->element[3]->str, rep->element[3]->len);
    if (!j.payload) {
        rc = WF_ENOMEM;
        goto out;
    }
    j.id = v[0];
    j.attempts = (int)v[1];
    j.max_attempts = (int)v[2];
    j.lease_token = v[1]; /* each delivery has its own attempt number */
    *out = j;
out:
    if (rep)
        freeReplyObject(rep);
    return rc;
}

static int rq_ack(struct wf_queue *q, const struct wf_store_job *job)
{
    char jk[64], dk[64], tok[24];
    job_key(jk, sizeof jk, "job", job->id);
    job_key(dk, sizeof dk, "done", job->id);
    snprintf(tok, sizeof tok, "%lld", (long long)job->lease_token);
    const char *argv[] = {RQ_STREAM, jk, dk, RQ_GROUP, tok, RQ_DONE_TTL_MS};
    return eval_flag(be(q), ACK_LUA, 3, 6, argv);
}

static int rq_retry(struct wf_queue *q, const struct wf_store_job *job, int64_t available_ms,
                    const char *error)
{
    char jk[64], tok[24], delay[24], id[24];
    job_key(jk, sizeof jk, "job", job->id);
    snprintf(tok, sizeof tok, "%lld", (long long)job->lease_token);
    int64_t d = available_ms - wf_store_now_ms();
    snprintf(delay, sizeof delay, "%lld", (long long)(d > 0 ? d : 0));
    snprintf(id, sizeof id, "%lld", (long long)job->id);
    const char *argv[] = {RQ_STREAM, jk, RQ_DELAYED, RQ_GROUP, tok, delay, error, id};
    return eval_flag(be(q), RETRY_LUA, 3, 8, argv);
}

static int rq_dead(struct wf_queue *q, const struct wf_store_job *job, const char *error)
{
    char jk[64], dk[64], tok[24], id[24];
    job_key(jk, sizeof jk, "job", job->id);
    job_key(dk, sizeof dk, "done", job->id);
    snprintf(tok, sizeof tok, "%lld", (long long)job->lease_token);
    snprintf(id, sizeof id, "%lld", (long long)job->id);
    const char *argv[] = {RQ_STREAM,     jk, RQ_DEAD, dk, RQ_GROUP, tok, error, id, RQ_DEAD_MAXLEN,
                          RQ_DONE_TTL_MS};
    return eval_flag(be(q), DEAD_LUA, 4, 10, argv);
}

static int rq_counts(struct wf_queue *q, struct wf_queue_counts *out)
{
    struct wf_store_job_counts sc;
    int rc = wf_store_job_counts(q->st, &sc);
    if (rc)
        return rc;
    int64_t v[4];
    size_t n = 0;
    const char *argv[] = {RQ_STREAM, RQ_DELAYED, RQ_DEAD, RQ_GROUP};
    rc = wf_queue_redis_eval_ints(be(q)->r, COUNTS_LUA, 3, 4, argv, NULL, v, 4, &n);
    if (rc)
        return rc;
    if (n != 4)
        return WF_EIO;
    /* the outbox's ready and leased rows are waiting for the relay */
    out->ready = sc.ready + sc.leased + v[0] + v[2];
    out->leased = v[1];
    out->dead = sc.dead + v[3];
    return WF_OK;
}

/* The value of field name in a flat [k, v, k, v...] array, or NULL. */
static const redisReply *field(const redisReply *f, const char *name)
{
    for (size_t i = 0; i + 1 < f->elements; i += 2)
        if (f->element[i]->type == REDIS_REPLY_STRING && strcmp(f->element[i]->str, name) == 0)
            return f->element[i + 1];
    return NULL;
}

static json_int_t field_int(const redisReply *f, const char *name)
{
    const redisReply *v = field(f, name);
    return v && v->type == REDIS_REPLY_STRING ? (json_int_t)strtoll(v->str, NULL, 10) : 0;
}

static int rq_dead_list(struct wf_queue *q, const char *tenant, json_t **out)
{
    json_t *arr = json_array();
    json_t *st_dead = NULL;
    redisReply *rep = NULL;
    int rc = arr ? WF_OK : WF_ENOMEM;
    const char *argv[] = {"XREVRANGE", RQ_DEAD, "+", "-", "COUNT", "1000"};
    if (!rc)
        rc = wf_queue__redis_cmd(be(q)->r, 6, argv, NULL, &rep);
    if (!rc && rep->type != REDIS_REPLY_ARRAY)
        rc = WF_EIO;
    for (size_t i = 0; !rc && i < rep->elements && json_array_size(arr) < RQ_DEAD_LIST_MAX; i++) {
        const redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        const redisReply *f = e->element[1];
        const redisReply *t = field(f, "tenant"), *k = field(f, "kind"), *er = field(f, "error"),
                         *p = field(f, "payload");
        if (!t || t->type != REDIS_REPLY_STRING || strcmp(t->str, tenant) != 0)
            continue;
        json_t *payload = p && p->type == REDIS_REPLY_STRING ? json_loads(p->str, 0, NULL) : NULL;
        json_t *o = json_pack("{s:I,s:s,s:I,s:I,s:s,s:o,s:I,s:I}", "id", field_int(f, "id"), "kind",
                              k && k->type == REDIS_REPLY_STRING ? k->str : "", "attempts",
                              field_int(f, "attempts"), "max_attempts", field_int(f, "max"),
                              "last_error", er && er->type == REDIS_REPLY_STRING ? er->str : "",
                              "payload", payload ? payload : json_null(), "created_ms",
                              field_int(f, "created"), "updated_ms", field_int(f, "dead"));
        if (!o || json_array_append_new(arr, o) != 0)
            rc = WF_ENOMEM;
    }
    /* outbox rows the store itself dead-lettered (a relay lost on the last attempt) */
    if (!rc)
        rc = wf_store_job_dead_list(q->st, tenant, &st_dead);
    size_t i;
    json_t *v;
    json_array_foreach(st_dead, i, v)
    {
        if (!rc && json_array_size(arr) < RQ_DEAD_LIST_MAX)
            rc = json_array_append(arr, v) == 0 ? WF_OK : WF_ENOMEM;
    }
    json_decref(st_dead);
    if (rep)
        freeReplyObject(rep);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return WF_OK;
}

static int rq_ping(struct wf_queue *q)
{
    int rc = wf_store_ping(q->st);
    return rc ? rc : wf_queue_redis_ping(be(q)->r);
}

static int rq_relay(struct wf_queue *q, int max, int *moved)
{
    int n = 0, rc = WF_OK;
    while (n < max) {
        struct wf_store_job j;
        /* much shorter than a job's lease: a row stranded by a dead relay
         * is moved again soon */
        int lease =
            q->o.lease_ms / 4 < RQ_RELAY_LEASE_MS ? q->o.lease_ms / 4 + 1 : RQ_RELAY_LEASE_MS;
        rc = wf_store_job_claim(q->st, wf_store_now_ms(), lease, &j);
        if (rc == WF_ENOENT) {
            rc = WF_OK;
            break;
        }
        if (rc)
            break;
        char jk[64], dk[64], id[24], max_s[16], created[24], fp[24];
        job_key(jk, sizeof jk, "job", j.id);
        job_key(dk, sizeof dk, "done", j.id);
        snprintf(id, sizeof id, "%lld", (long long)j.id);
        snprintf(max_s, sizeof max_s, "%d",
                 j.max_attempts > 0 ? j.max_attempts : q->o.max_attempts);
        snprintf(created, sizeof created, "%lld", (long long)wf_store_now_ms());
        const char *payload = j.payload ? j.payload : "{}";
        uint64_t h = wf_hash64(j.tenant, strlen(j.tenant), 0x5151);
        h = wf_hash64(j.kind, strlen(j.kind), h);
        h = wf_hash64(payload, strlen(payload), h);
        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)h);
        const char *argv[] = {RQ_STREAM, jk, dk, id, j.tenant, j.kind, payload, max_s, created, fp};
        int64_t added = 0;
        if (fault("relay:before_xadd")) {
            wf_store_job_cleanup(&j);
            rc = WF_EIO;
            break;
        }
        rc = wf_queue_redis_eval_ints(be(q)->r, ENQUEUE_LUA, 3, 10, argv, NULL, &added, 1, NULL);
        if (rc) {
            /* Redis is away: the row is ready again at once (the relay
             * backs off); had the XADD landed, the next one is a no-op */
            wf_store_job_retry(q->st, j.id, j.lease_token, wf_store_now_ms(), "redis unavailable");
            wf_store_job_cleanup(&j);
            break;
        }
        /* a crash here leaves the row leased: it is moved again after the
         * lease, and ENQUEUE sees the job and does nothing */
        if (fault("relay:after_xadd")) {
            wf_store_job_cleanup(&j);
            rc = WF_EIO;
            break;
        }
        rc = wf_store_job_ack(q->st, j.id, j.lease_token);
        wf_store_job_cleanup(&j);
        if (rc == WF_ECONFLICT)
            rc = WF_OK; /* another relay took the row over; it is enqueued once */
        if (rc)
            break;
        n++;
    }
    if (moved)
        *moved = n;
    return rc;
}

static void rq_free(struct wf_queue *q)
{
    struct rq *b = be(q);
    if (!b)
        return;
    wf_queue_redis_free(b->r);
    wf_free(b);
    q->be = NULL;
}

int wf_queue__redis_init(struct wf_queue *q, const struct wf_queue_redis_url *url)
{
    struct rq *b = wf_calloc(1, sizeof(*b));
    if (!b)
        return WF_ENOMEM;
    int rc = wf_queue_redis_new(url, &b->r);
    if (rc) {
        wf_free(b);
        return rc;
    }
    if (gethostname(b->host, sizeof b->host) != 0)
        memcpy(b->host, "host", 5);
    b->host[sizeof b->host - 1] = 0;
    wf_queue__redis_on_connect(b->r, create_group, NULL);
    q->be = b;
    q->ops = &wf_queue__redis_ops;
    q->poll_ms = RQ_POLL_MS;
    return WF_OK;
}

const struct wf_queue_ops wf_queue__redis_ops = {
    .name = "redis",
    .push = rq_push,
    .claim = rq_claim,
    .ack = rq_ack,
    .retry = rq_retry,
    .dead = rq_dead,
    .counts = rq_counts,
    .dead_list = rq_dead_list,
    .ping = rq_ping,
    .relay = rq_relay,
    .free = rq_free,
};
