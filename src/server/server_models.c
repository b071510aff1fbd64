/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Model versions in the running service: the triage worker uses each
 * tenant's active model (looked up at most every couple of seconds, so a
 * promotion or rollback applies to the next job; the bundled model when
 * the tenant has none), GET /v1/models reports versions, metrics, drift
 * and warnings, POST /v1/models/{kind}/rollback activates an earlier
 * version, /metrics exports drift gauges, and with --retrain-interval a
 * scheduler enqueues a retrain job for every tenant with new labels. The
 * review worker and POST /v1/risk likewise use the tenant's active risk
 * model (the embedded default when it has none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn/learn.h"
#include "server/server_int.h"

#define MODEL_SLOTS 64
#define MODEL_TTL_MS 2000
#define GAUGES_EVERY_MS 60000

struct wf_server__held {
    struct wf_ml_model *m; /* NULL: the bundled model */
    int64_t version;       /* 0: bundled */
    int risk;              /* 1: a change-risk model */
    int refs;              /* users + 1 while installed in a slot */
};

struct slot {
    char tenant[WF_LIMIT_ID_BYTES];
    int risk; /* kind of the slot's model: 0 triage, 1 risk */
    struct wf_server__held *h;
    uint64_t checked_ms;
};

struct wf_server__models {
    pthread_mutex_t mu;
    struct slot slots[MODEL_SLOTS];
    size_t next; /* round-robin eviction */
    uint64_t gauges_ms;
    /* scheduler: newest label id enqueued, by kind (triage, risk) and slot */
    int64_t last_label[2][MODEL_SLOTS];
    char sched_tenant[2][MODEL_SLOTS][WF_LIMIT_ID_BYTES];
    pthread_t sched;
    int sched_started;
    pthread_mutex_t sched_mu;
    pthread_cond_t sched_cv;
};

int wf_server__models_new(struct wf_server__models **out)
{
    struct wf_server__models *m = wf_calloc(1, sizeof *m);
    if (!m)
        return WF_ENOMEM;
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_init(&m->sched_mu, NULL);
    pthread_cond_init(&m->sched_cv, NULL);
    *out = m;
    return WF_OK;
}

static void held_unref(struct wf_server__held *h)
{
    if (h && --h->refs == 0) {
        wf_ml_model_free(h->m);
        wf_free(h);
    }
}

void wf_server__models_free(struct wf_server__models *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < MODEL_SLOTS; i++)
        held_unref(m->slots[i].h);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->sched_mu);
    pthread_cond_destroy(&m->sched_cv);
    wf_free(m);
}

/* The active version of a tenant's model of a kind from the store (0 = none). */
static int active_version(struct wf_store *st, const char *tenant, int risk, int64_t *v)
{
    json_t *j = NULL;
    *v = 0;
    int rc = wf_store_model_list(st, tenant, risk ? "risk" : "triage", &j);
    if (rc)
        return rc;
    json_t *it;
    size_t i;
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        const char *s = json_string_value(json_object_get(it, "status"));
        if (s && strcmp(s, "active") == 0) {
            *v = json_integer_value(json_object_get(it, "version"));
            break;
        }
    }
    json_decref(j);
    return WF_OK;
}

static int acquire(struct wf_server__ctx *c, const char *tenant, int risk,
                   struct wf_server__held **out)
{
    struct wf_server__models *ms = c->models;
    uint64_t now = wf_now_ms();
    pthread_mutex_lock(&ms->mu);
    struct slot *s = NULL;
    for (size_t i = 0; i < MODEL_SLOTS; i++)
        if (ms->slots[i].h && ms->slots[i].risk == risk && strcmp(ms->slots[i].tenant, tenant) == 0)
            s = &ms->slots[i];
    if (s && now - s->checked_ms < MODEL_TTL_MS) {
        s->h->refs++;
        *out = s->h;
        pthread_mutex_unlock(&ms->mu);
        return WF_OK;
    }
    int64_t cached = s ? s->h->version : -1;
    pthread_mutex_unlock(&ms->mu);
    int64_t v = 0;
    int rc = active_version(c->store, tenant, risk, &v);
    if (rc)
        return rc;
    struct wf_server__held *h = NULL;
    if (v != cached) {
        h = wf_calloc(1, sizeof *h);
        if (!h)
            return WF_ENOMEM;
        h->refs = 1;
        h->risk = risk;
        if (v > 0) {
            int64_t got = 0;
            rc = risk ? wf_learn_active_risk_model(c->store, tenant, &h->m, &got)
                      : wf_learn_active_model(c->store, tenant, &h->m, &got, NULL);
            if (rc == WF_ENOENT)
                got = 0, rc = WF_OK; /* rolled back to nothing meanwhile */
            h->version = got;
        }
        if (rc) {
            wf_free(h);
            return rc;
        }
    }
    pthread_mutex_lock(&ms->mu);
    s = NULL;
    for (size_t i = 0; i < MODEL_SLOTS; i++)
        if (ms->slots[i].h && ms->slots[i].risk == risk && strcmp(ms->slots[i].tenant, tenant) == 0)
            s = &ms->slots[i];
    if (!s) {
        s = &ms->slots[ms->next++ % MODEL_SLOTS];
        held_unref(s->h);
        s->h = NULL;
        snprintf(s->tenant, sizeof s->tenant, "%s", tenant);
        s->risk = risk;
    }
    if (h) {
        held_unref(s->h);
        s->h = h;
    }
    if (!s->h) { /* a racing thread evicted the slot before a same-version check */
        pthread_mutex_unlock(&ms->mu);
        return acquire(c, tenant, risk, out);
    }
    s->checked_ms = now;
    s->h->refs++;
    *out = s->h;
    pthread_mutex_unlock(&ms->mu);
    return WF_OK;
}

int wf_server__model_acquire(struct wf_server__ctx *c, const char *tenant,
                             struct wf_server__held **out)
{
    return acquire(c, tenant, 0, out);
}

int wf_server__risk_model_acquire(struct wf_server__ctx *c, const char *tenant,
                                  struct wf_server__held **out)
{
    return acquire(c, tenant, 1, out);
}

void wf_server__model_release(struct wf_server__ctx *c, struct wf_server__held *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&c->models->mu);
    held_unref(h);
    pthread_mutex_unlock(&c->models->mu);
}

const struct wf_ml_model *wf_server__held_model(const struct wf_server__held *h)
{
    return h->m;
}

void wf_server__held_version(const struct wf_server__held *h, char *out, size_t cap)
{
    if (h->version > 0)
        snprintf(out, cap, "v%lld", (long long)h->version);
    else
        snprintf(out, cap, "%s",
                 h->risk ? wf_learn_bundled_risk_version() : wf_learn_bundled_version());
}

static void drift_opts(struct wf_server__ctx *c, struct wf_learn_drift_opts *o)
{
    wf_learn_drift_opts_init(o);
    o->threshold = c->cfg->drift_threshold;
    o->window_days = (int)c->cfg->drift_window_days;
    o->min_samples = (size_t)c->cfg->drift_min_samples;
}

/* The report, logging a warning the first time a drift notice is stored. */
static int report(struct wf_server__ctx *c, const char *tenant, json_t **out)
{
    struct wf_learn_drift_opts o;
    drift_opts(c, &o);
    int created = 0;
    int rc = wf_learn_models_report(c->store, tenant, &o, out, &created);
    if (!rc && created) {
        json_t *d = json_object_get(json_object_get(*out, "drift"), "triage");
        wf_server__log(c, WF_LOG_WARN, "model_drift",
                       json_pack("{s:s,s:s,s:O,s:O,s:f}", "tenant", tenant, "kind", "triage",
                                 "model_version", json_object_get(d, "model_version"), "drifted",
                                 json_object_get(d, "drifted"), "threshold", o.threshold));
    }
    return rc;
}

void wf_server__h_models(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    json_t *j = NULL;
    int rc = report(c, req->tenant, &j);
    if (rc) {
        wf_http_resp_error(resp, req, wf_err_http_status(rc), "query_failed", "%s",
                           wf_strerror(rc));
        return;
    }
    wf_server__reply_json(resp, 200, j);
}

void wf_server__h_models_rollback(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    char kind[16];
    if (req->params[0].len == 0 || req->params[0].len >= sizeof kind) {
        wf_http_resp_error(resp, req, 404, "not_found", "kind: expected triage or risk");
        return;
    }
    memcpy(kind, req->params[0].p, req->params[0].len);
    kind[req->params[0].len] = 0;
    if (strcmp(kind, "triage") != 0 && strcmp(kind, "risk") != 0) {
        wf_http_resp_error(resp, req, 404, "not_found", "kind: expected triage or risk");
        return;
    }
    if (!wf_server__is_json(req)) {
        wf_http_resp_error(resp, req, 415, "unsupported_media_type",
                           "Content-Type must be application/json");
        return;
    }
    json_error_t je;
    json_t *o = req->body ? json_loadb(req->body, req->body_len, 0, &je) : NULL;
    json_t *v = json_object_get(o, "version");
    if (!json_is_object(o)) {
        wf_http_resp_error(resp, req, 400, "bad_json", "body: expected a JSON object");
    } else if (!json_is_integer(v) || json_integer_value(v) < 1) {
        wf_http_resp_error(resp, req, 400, "invalid_field", "version: expected a positive integer");
    } else {
        int64_t version = json_integer_value(v);
        int rc = wf_store_model_activate(c->store, req->tenant, kind, version);
        if (rc == WF_ENOENT)
            wf_http_resp_error(resp, req, 404, "not_found", "version: no %s version %lld", kind,
                               (long long)version);
        else if (rc == WF_ECONFLICT)
            wf_http_resp_error(resp, req, 409, "rejected_model",
                               "version: %s version %lld was rejected by the promotion gate", kind,
                               (long long)version);
        else if (rc)
            wf_http_resp_error(resp, req, wf_err_http_status(rc), "store_failed", "%s",
                               wf_strerror(rc));
        else {
            wf_server__log(c, WF_LOG_INFO, "model_rollback",
                           json_pack("{s:s,s:s,s:I,s:s}", "tenant", req->tenant, "kind", kind,
                                     "version", (json_int_t)version, "by", req->principal));
            wf_server__reply_json(resp, 200,
                                  json_pack("{s:s,s:I,s:s}", "kind", kind, "active",
                                            (json_int_t)version, "status", "active"));
        }
    }
    json_decref(o);
}

void wf_server__model_gauges(struct wf_server__ctx *c)
{
    uint64_t now = wf_now_ms();
    pthread_mutex_lock(&c->models->mu);
    int due = c->models->gauges_ms == 0 || now - c->models->gauges_ms >= GAUGES_EVERY_MS;
    if (due)
        c->models->gauges_ms = now;
    pthread_mutex_unlock(&c->models->mu);
    if (!due)
        return;
    json_t *tenants = NULL;
    if (wf_store_tenant_list(c->store, &tenants) != WF_OK)
        return;
    json_t *t;
    size_t i;
    json_array_foreach(tenants, i, t)
    {
        const char *id = json_string_value(json_object_get(t, "id"));
        json_t *r = NULL;
        if (!id || report(c, id, &r) != WF_OK)
            continue;
        json_t *d = json_object_get(json_object_get(r, "drift"), "triage");
        json_t *active = json_object_get(json_object_get(r, "active"), "triage");
        const char *lv[3] = {id, "triage", NULL};
        json_t *psi = json_object_get(d, "psi"), *val;
        const char *feature;
        json_object_foreach(psi, feature, val)
        {
            lv[2] = feature;
            wf_server__metrics_gauge_n(c->metrics, "workflowai_model_drift_psi", lv, 3,
                                       json_number_value(val));
        }
        lv[2] = "category_js";
        wf_server__metrics_gauge_n(c->metrics, "workflowai_model_drift_psi", lv, 3,
                                   json_number_value(json_object_get(d, "category_js")));
        json_t *acc = json_object_get(d, "recent_accuracy");
        if (json_is_number(acc))
            wf_server__metrics_gauge_n(c->metrics, "workflowai_model_recent_accuracy", lv, 2,
                                       json_number_value(acc));
        wf_server__metrics_gauge_n(c->metrics, "workflowai_model_version", lv, 2,
                                   (double)json_integer_value(json_object_get(active, "version")));
        json_decref(r);
    }
    json_decref(tenants);
}

/* ---- Scheduled retraining ---------------------------------------------------------- */

int wf_server__retrain(struct wf_server__ctx *c, const char *tenant, const char *kind,
                       struct wf_buf *err)
{
    struct wf_learn_train_result res;
    int risk = kind && strcmp(kind, "risk") == 0;
    int rc = risk ? wf_learn_train_risk(c->store, tenant, NULL, &res, err)
                  : wf_learn_train_triage(c->store, tenant, NULL, &res, err);
    if (!rc)
        wf_server__log(c, res.promoted ? WF_LOG_INFO : WF_LOG_WARN, "model_trained",
                       json_pack("{s:s,s:s,s:I,s:b,s:f,s:f,s:s,s:I}", "tenant", tenant, "kind",
                                 risk ? "risk" : "triage", "version", (json_int_t)res.version,
                                 "promoted", res.promoted, risk ? "auc" : "macro_f1", res.f1,
                                 risk ? "baseline_auc" : "baseline_macro_f1", res.base_f1, "reason",
                                 res.reason, "labels", (json_int_t)res.n_labels));
    return rc;
}

/* Enqueues a retrain job of a kind for every tenant with a label feeding
 * it (category for triage, pr_outcome for risk) newer than its newest model
 * of that kind (and than the label a job was already enqueued for). */
static void schedule_kind(struct wf_server__ctx *c, int risk)
{
    const char *kind = risk ? "risk" : "triage";
    struct wf_server__models *ms = c->models;
    json_t *tenants = NULL;
    if (wf_store_tenant_list(c->store, &tenants) != WF_OK)
        return;
    json_t *t;
    size_t i;
    json_array_foreach(tenants, i, t)
    {
        const char *id = json_string_value(json_object_get(t, "id"));
        struct wf_store_label_filter f = {.kind = risk ? "pr_outcome" : "category", .limit = 1};
        json_t *labels = NULL, *models = NULL;
        if (!id || wf_store_label_list(c->store, id, &f, &labels) != WF_OK)
            continue;
        json_t *newest = json_array_get(json_object_get(labels, "items"), 0);
        int64_t label_id = json_integer_value(json_object_get(newest, "id"));
        int64_t label_ms = json_integer_value(json_object_get(newest, "created_ms"));
        int64_t model_ms = 0;
        if (wf_store_model_list(c->store, id, kind, &models) == WF_OK) {
            json_t *it;
            size_t k;
            json_array_foreach(json_object_get(models, "items"), k, it)
            {
                int64_t ms_ = json_integer_value(json_object_get(it, "created_ms"));
                if (ms_ > model_ms)
                    model_ms = ms_;
            }
        }
        json_decref(labels);
        json_decref(models);
        if (!newest || label_ms < model_ms)
            continue;
        size_t s = 0;
        char(*st)[WF_LIMIT_ID_BYTES] = ms->sched_tenant[risk];
        int64_t *last = ms->last_label[risk];
        while (s < MODEL_SLOTS && st[s][0] && strcmp(st[s], id) != 0)
            s++;
        if (s == MODEL_SLOTS)
            s = (size_t)(wf_hash64(id, strlen(id), 0) % MODEL_SLOTS);
        if (strcmp(st[s], id) == 0 && last[s] >= label_id)
            continue; /* already enqueued for these labels */
        if (wf_queue_push(c->queue, id, "retrain",
                          risk ? "{\"kind\":\"risk\"}" : "{\"kind\":\"triage\"}", NULL) == WF_OK) {
            snprintf(st[s], sizeof st[s], "%s", id);
            last[s] = label_id;
            wf_server__log(
                c, WF_LOG_INFO, "retrain_enqueued",
                json_pack("{s:s,s:s,s:I}", "tenant", id, "kind", kind, "newest_label", label_id));
        }
    }
    json_decref(tenants);
}

static void schedule_once(struct wf_server__ctx *c)
{
    schedule_kind(c, 0);
    schedule_kind(c, 1);
}

static void *sched_main(void *ud)
{
    struct wf_server__ctx *c = ud;
    struct wf_server__models *ms = c->models;
    pthread_mutex_lock(&ms->sched_mu);
    while (!c->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (c->retrain_interval_ms % 1000) * 1000000;
        ts.tv_sec += (time_t)(c->retrain_interval_ms / 1000) + (time_t)(ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&ms->sched_cv, &ms->sched_mu, &ts);
        if (c->stopping)
            break;
        pthread_mutex_unlock(&ms->sched_mu);
        schedule_once(c);
        pthread_mutex_lock(&ms->sched_mu);
    }
    pthread_mutex_unlock(&ms->sched_mu);
    return NULL;
}

int wf_server__retrain_start(struct wf_server__ctx *c)
{
    if (c->retrain_interval_ms <= 0)
        return WF_OK;
    if (pthread_create(&c->models->sched, NULL, sched_main, c) != 0)
        return WF_ENOMEM;
    c->models->sched_started = 1;
    return WF_OK;
}

void wf_server__retrain_stop(struct wf_server__ctx *c)
{
    if (!c->models || !c->models->sched_started)
        return;
    pthread_mutex_lock(&c->models->sched_mu);
    pthread_cond_broadcast(&c->models->sched_cv);
    pthread_mutex_unlock(&c->models->sched_mu);
    pthread_join(c->models->sched, NULL);
    c->models->sched_started = 0;
}

int wf_server__parse_interval(const char *s, int64_t *ms)
{
    if (!s[0] || strcmp(s, "off") == 0 || strcmp(s, "0") == 0) {
        *ms = 0;
        return WF_OK;
    }
    char *end = NULL;
    double v = strtod(s, &end);
    double unit = 0;
    if (end && strcmp(end, "ms") == 0)
        unit = 1;
    else if (end && strcmp(end, "s") == 0)
        unit = 1000;
    else if (end && strcmp(end, "m") == 0)
        unit = 60000;
    else if (end && strcmp(end, "h") == 0)
        unit = 3600000;
    else if (end && strcmp(end, "d") == 0)
        unit = 86400000;
    if (end == s || !unit || !(v > 0) || v * unit < 100 || v * unit > 366.0 * 86400000)
        return WF_EINVAL;
    *ms = (int64_t)(v * unit);
    return WF_OK;
}
