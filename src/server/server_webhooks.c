/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The three webhook routes. Each delivery is checked in a fixed order —
 * content type, tenant, signature, delivery id, normalization — and is
 * acknowledged with a 2xx only after the store's commit returned, so a 2xx
 * always means "durably stored" (or "seen before"). Bodies are never stored
 * raw: only the normalized, redacted events.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "ingest/ingest.h"
#include "server/server_int.h"

static int copy_view(struct wf_str v, char *out, size_t cap)
{
    if (!v.p || v.len == 0 || v.len >= cap)
        return -1;
    for (size_t i = 0; i < v.len; i++)
        if ((unsigned char)v.p[i] < 0x21 || (unsigned char)v.p[i] > 0x7e)
            return -1;
    memcpy(out, v.p, v.len);
    out[v.len] = 0;
    return 0;
}

int wf_server__tenant(struct wf_server__ctx *c, const char *id, struct wf_store_tenant *out)
{
    struct wf_server__tenant_slot *slot =
        &c->tenants[wf_hash64(id, strlen(id), 0) % WF_SERVER__TENANT_SLOTS];
    uint64_t now = wf_now_ms();
    pthread_mutex_lock(&c->tenant_mu);
    if (slot->t.id[0] && strcmp(slot->t.id, id) == 0 &&
        now - slot->at_ms < WF_SERVER__TENANT_TTL_MS) {
        int found = slot->found;
        if (found)
            *out = slot->t;
        pthread_mutex_unlock(&c->tenant_mu);
        return found ? WF_OK : WF_ENOENT;
    }
    pthread_mutex_unlock(&c->tenant_mu);
    struct wf_store_tenant t;
    int rc = wf_store_tenant_get(c->store, id, &t);
    if (rc != WF_OK && rc != WF_ENOENT)
        return rc; /* store trouble is not cached */
    pthread_mutex_lock(&c->tenant_mu);
    if (rc == WF_OK) {
        slot->t = t;
    } else {
        memset(&slot->t, 0, sizeof(slot->t));
        snprintf(slot->t.id, sizeof(slot->t.id), "%s", id);
    }
    slot->found = rc == WF_OK;
    slot->at_ms = now;
    pthread_mutex_unlock(&c->tenant_mu);
    if (rc == WF_OK)
        *out = t;
    return rc;
}

/* One delivery in progress; lives from the handler until the commit's
 * callback sent the answer. */
struct hook {
    struct wf_server__ctx *c;
    struct wf_http_req *req;
    struct wf_http_resp *resp;
    struct wf_http_deferred *deferred;
    enum wf_ingest_provider prov;
    struct wf_ingest_batch batch;
    int batch_live;
    char tenant[WF_LIMIT_ID_BYTES];
    char delivery[WF_LIMIT_ID_BYTES];
    char event_name[128];
};

static void hook_free(struct hook *h)
{
    if (h->batch_live)
        wf_ingest_batch_cleanup(&h->batch);
    wf_free(h);
}

/* Fills the answer of a committed (or failed) delivery. */
static void hook_answer(struct hook *h, int rc, const struct wf_store_ingest_result *res)
{
    struct wf_server__ctx *c = h->c;
    const char *pname = wf_ingest_provider_name(h->prov);
    if (rc != WF_OK) {
        wf_http_resp_error(h->resp, h->req, rc == WF_ETOOBIG ? 413 : 503, "store_failed",
                           "the delivery was not stored (%s); please redeliver", wf_strerror(rc));
        return;
    }
    if (res->duplicate) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_duplicates_total", "provider",
                                 pname, 1);
    } else {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_deliveries_total", "provider",
                                 pname, 1);
        for (size_t i = 0; i < h->batch.n_events; i++)
            wf_server__metrics_count(c->metrics, "workflowai_ingest_events_total", "kind",
                                     wf_ingest_kind_name(h->batch.events[i].kind), 1);
    }
    if (res->n_enqueued)
        wf_queue_notify(c->queue);
    /* no jansson here: this runs on the store's writer thread, keep it short */
    h->resp->status = res->duplicate ? 200 : 201;
    h->resp->content_type = "application/json";
    wf_buf_reset(&h->resp->body);
    wf_buf_appendf(&h->resp->body, "{\"status\":\"%s\",\"delivery\":\"",
                   res->duplicate ? "duplicate" : "stored");
    wf_buf_json_escape(&h->resp->body, h->delivery, strlen(h->delivery));
    wf_buf_appendf(&h->resp->body,
                   "\",\"events\":%zu,\"applied\":%zu,\"stale\":%zu,\"enqueued\":%zu}",
                   h->batch.n_events, res->n_applied, res->n_stale, res->n_enqueued);
}

static void hook_done(void *ud, int rc, const struct wf_store_ingest_result *res)
{
    struct hook *h = ud;
    struct wf_http_deferred *d = h->deferred;
    hook_answer(h, rc, res);
    hook_free(h);
    wf_http_resume(d); /* last: the request and response belong to the server again */
}

/* Checks and normalizes a delivery. Returns 0 when it must be stored, 1
 * when resp already holds the answer. */
static int hook_check(struct hook *h)
{
    struct wf_server__ctx *c = h->c;
    struct wf_http_req *req = h->req;
    struct wf_http_resp *resp = h->resp;
    struct wf_store_tenant t;
    struct wf_buf err;
    struct wf_redactor *red = NULL;
    int rc, answered = 1;
    wf_buf_init(&err, 1024);

    if (!wf_server__is_json(req)) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "content_type", 1);
        wf_http_resp_error(resp, req, 415, "unsupported_media_type",
                           "webhook bodies must be sent as application/json");
        goto out;
    }
    int q = wf_http_req_query(req, "tenant", h->tenant, sizeof h->tenant);
    if (q < 0) {
        wf_http_resp_error(resp, req, 400, "bad_tenant", "the tenant parameter is malformed");
        goto out;
    }
    if (q == 0)
        memcpy(h->tenant, "default", 8);
    rc = wf_server__tenant(c, h->tenant, &t);
    if (rc != WF_OK && rc != WF_ENOENT) {
        wf_http_resp_error(resp, req, 503, "store_unavailable", "could not read the tenant");
        goto out;
    }
    if (rc == WF_ENOENT) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "unknown_tenant", 1);
        /* the same answer as a bad signature: do not reveal which tenants exist */
        wf_http_resp_error(resp, req, 401, "bad_signature",
                           "signature check failed (unknown tenant or secret)");
        goto out;
    }
    const char *secret = h->prov == WF_INGEST_GITHUB   ? t.github_secret
                         : h->prov == WF_INGEST_GITLAB ? t.gitlab_token
                                                       : t.generic_secret;
    if (!secret[0]) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "no_secret", 1);
        wf_http_resp_error(resp, req, 401, "bad_signature",
                           "no %s webhook secret is configured for this tenant",
                           wf_ingest_provider_name(h->prov));
        goto out;
    }
    if (h->prov == WF_INGEST_GITHUB) {
        rc = wf_ingest_verify_github(secret, wf_http_req_header(req, "x-hub-signature-256"),
                                     req->body, req->body_len, &err);
        copy_view(wf_http_req_header(req, "x-github-delivery"), h->delivery, sizeof h->delivery);
        copy_view(wf_http_req_header(req, "x-github-event"), h->event_name, sizeof h->event_name);
    } else if (h->prov == WF_INGEST_GITLAB) {
        rc = wf_ingest_verify_gitlab(secret, wf_http_req_header(req, "x-gitlab-token"), &err);
        if (copy_view(wf_http_req_header(req, "x-gitlab-event-uuid"), h->delivery,
                      sizeof h->delivery) != 0)
            copy_view(wf_http_req_header(req, "idempotency-key"), h->delivery, sizeof h->delivery);
        struct wf_str ev = wf_http_req_header(req, "x-gitlab-event");
        if (ev.p && ev.len < sizeof h->event_name) {
            memcpy(h->event_name, ev.p, ev.len); /* "Pipeline Hook": spaces allowed */
            h->event_name[ev.len] = 0;
        }
    } else {
        rc = wf_ingest_verify_generic(secret, wf_http_req_header(req, "x-workflowai-signature"),
                                      req->body, req->body_len, &err);
        copy_view(wf_http_req_header(req, "x-workflowai-delivery"), h->delivery,
                  sizeof h->delivery);
    }
    if (rc != WF_OK) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "signature", 1);
        wf_http_resp_error(resp, req, 401, "bad_signature", "%s",
                           err.p ? err.p : "signature check failed");
        goto out;
    }
    if (h->prov == WF_INGEST_GITHUB && !h->event_name[0]) {
        wf_http_resp_error(resp, req, 400, "missing_header", "X-GitHub-Event is required");
        goto out;
    }
    if (h->prov == WF_INGEST_GITLAB && !h->event_name[0]) {
        wf_http_resp_error(resp, req, 400, "missing_header", "X-Gitlab-Event is required");
        goto out;
    }
    if (!h->delivery[0]) {
        if (h->prov == WF_INGEST_GITHUB) {
            wf_http_resp_error(resp, req, 400, "missing_header",
                               "X-GitHub-Delivery is required (it makes redelivery safe)");
            goto out;
        }
        /* GitLab before 15.x and generic senders may not send an id: the
         * body's hash makes an identical redelivery a duplicate. */
        uint8_t hash[WF_CRYPTO_SHA256_BYTES];
        wf_crypto_sha256(req->body, req->body_len, hash);
        memcpy(h->delivery, "sha256:", 7);
        wf_crypto_hex(hash, 16, h->delivery + 7);
    }
    red = wf_server__redactor_get(c);
    if (!red) {
        wf_http_resp_error(resp, req, 503, "out_of_memory", "no memory for the redactor");
        goto out;
    }
    wf_buf_reset(&err);
    h->batch_live = 1;
    rc =
        wf_ingest_normalize(h->prov, h->event_name, req->body, req->body_len, red, &h->batch, &err);
    if (rc != WF_OK) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "payload", 1);
        int status = rc == WF_ETOOBIG ? 413 : rc == WF_ENOMEM ? 503 : 400;
        wf_http_resp_error(resp, req, status, rc == WF_ETOOBIG ? "too_large" : "bad_payload", "%s",
                           err.p ? err.p : wf_strerror(rc));
        goto out;
    }
    if (h->batch.ignored) {
        wf_server__reply_json(resp, 202,
                              json_pack("{s:s,s:s,s:s}", "status", "ignored", "delivery",
                                        h->delivery, "event", h->event_name));
        goto out;
    }
    answered = 0;
out:
    wf_server__redactor_put(c, red);
    wf_buf_cleanup(&err);
    return answered;
}

/* Small deliveries run on the I/O thread (INLINE_SMALL) and neither that
 * thread nor a handler thread waits for the fsync: the answer is sent from
 * the commit's callback. */
static void webhook(struct wf_http_req *req, struct wf_http_resp *resp, struct wf_server__ctx *c,
                    enum wf_ingest_provider prov)
{
    struct hook *h = wf_calloc(1, sizeof(*h));
    if (!h) {
        wf_http_resp_error(resp, req, 503, "out_of_memory", "no memory for the delivery");
        return;
    }
    h->c = c;
    h->req = req;
    h->resp = resp;
    h->prov = prov;
    if (hook_check(h)) {
        hook_free(h);
        return;
    }
    h->deferred = wf_http_defer(req);
    int rc = wf_ingest_store_async(c->store, h->tenant, h->delivery, &h->batch, hook_done, h);
    if (rc != WF_OK) {
        struct wf_http_deferred *d = h->deferred;
        hook_answer(h, rc, NULL);
        hook_free(h);
        wf_http_resume(d);
    }
}

void wf_server__h_webhook_github(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    webhook(req, resp, ud, WF_INGEST_GITHUB);
}

void wf_server__h_webhook_gitlab(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    webhook(req, resp, ud, WF_INGEST_GITLAB);
}

void wf_server__h_webhook_generic(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    webhook(req, resp, ud, WF_INGEST_GENERIC);
}
