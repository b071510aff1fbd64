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

static int is_json(const struct wf_http_req *req)
{
    struct wf_str ct = wf_http_req_header(req, "content-type");
    if (!ct.p)
        return 0;
    size_t n = 0;
    while (n < ct.len && ct.p[n] != ';' && ct.p[n] != ' ')
        n++;
    return n == 16 && strncasecmp(ct.p, "application/json", 16) == 0;
}

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

static void webhook(struct wf_http_req *req, struct wf_http_resp *resp, struct wf_server__ctx *c,
                    enum wf_ingest_provider prov)
{
    const char *pname = wf_ingest_provider_name(prov);
    struct wf_store_tenant t;
    struct wf_buf err;
    struct wf_ingest_batch batch;
    struct wf_redactor *red = NULL;
    int batch_live = 0;
    wf_buf_init(&err, 1024);
    memset(&batch, 0, sizeof batch);

    if (!is_json(req)) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "content_type", 1);
        wf_http_resp_error(resp, req, 415, "unsupported_media_type",
                           "webhook bodies must be sent as application/json");
        goto out;
    }
    char tenant[WF_LIMIT_ID_BYTES];
    int q = wf_http_req_query(req, "tenant", tenant, sizeof tenant);
    if (q < 0) {
        wf_http_resp_error(resp, req, 400, "bad_tenant", "the tenant parameter is malformed");
        goto out;
    }
    if (q == 0)
        memcpy(tenant, "default", 8);
    if (wf_store_tenant_get(c->store, tenant, &t) != WF_OK) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "unknown_tenant", 1);
        /* the same answer as a bad signature: do not reveal which tenants exist */
        wf_http_resp_error(resp, req, 401, "bad_signature",
                           "signature check failed (unknown tenant or secret)");
        goto out;
    }
    const char *secret = prov == WF_INGEST_GITHUB   ? t.github_secret
                         : prov == WF_INGEST_GITLAB ? t.gitlab_token
                                                    : t.generic_secret;
    if (!secret[0]) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "no_secret", 1);
        wf_http_resp_error(resp, req, 401, "bad_signature",
                           "no %s webhook secret is configured for this tenant", pname);
        goto out;
    }
    int rc;
    const char *event_hdr = "";
    char delivery[WF_LIMIT_ID_BYTES] = "";
    char event_name[128] = "";
    if (prov == WF_INGEST_GITHUB) {
        rc = wf_ingest_verify_github(secret, wf_http_req_header(req, "x-hub-signature-256"),
                                     req->body, req->body_len, &err);
        copy_view(wf_http_req_header(req, "x-github-delivery"), delivery, sizeof delivery);
        copy_view(wf_http_req_header(req, "x-github-event"), event_name, sizeof event_name);
    } else if (prov == WF_INGEST_GITLAB) {
        rc = wf_ingest_verify_gitlab(secret, wf_http_req_header(req, "x-gitlab-token"), &err);
        if (copy_view(wf_http_req_header(req, "x-gitlab-event-uuid"), delivery, sizeof delivery) !=
            0)
            copy_view(wf_http_req_header(req, "idempotency-key"), delivery, sizeof delivery);
        struct wf_str ev = wf_http_req_header(req, "x-gitlab-event");
        if (ev.p && ev.len < sizeof event_name) {
            memcpy(event_name, ev.p, ev.len); /* "Pipeline Hook": spaces allowed */
            event_name[ev.len] = 0;
        }
    } else {
        rc = wf_ingest_verify_generic(secret, wf_http_req_header(req, "x-workflowai-signature"),
                                      req->body, req->body_len, &err);
        copy_view(wf_http_req_header(req, "x-workflowai-delivery"), delivery, sizeof delivery);
    }
    if (rc != WF_OK) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "signature", 1);
        wf_http_resp_error(resp, req, 401, "bad_signature", "%s",
                           err.p ? err.p : "signature check failed");
        goto out;
    }
    event_hdr = event_name;
    if (prov == WF_INGEST_GITHUB && !event_name[0]) {
        wf_http_resp_error(resp, req, 400, "missing_header", "X-GitHub-Event is required");
        goto out;
    }
    if (prov == WF_INGEST_GITLAB && !event_name[0]) {
        wf_http_resp_error(resp, req, 400, "missing_header", "X-Gitlab-Event is required");
        goto out;
    }
    if (!delivery[0]) {
        if (prov == WF_INGEST_GITHUB) {
            wf_http_resp_error(resp, req, 400, "missing_header",
                               "X-GitHub-Delivery is required (it makes redelivery safe)");
            goto out;
        }
        /* GitLab before 15.x and generic senders may not send an id: the
         * body's hash makes an identical redelivery a duplicate. */
        uint8_t h[WF_CRYPTO_SHA256_BYTES];
        wf_crypto_sha256(req->body, req->body_len, h);
        memcpy(delivery, "sha256:", 7);
        wf_crypto_hex(h, 16, delivery + 7);
    }
    red = wf_server__redactor_get(c);
    if (!red) {
        wf_http_resp_error(resp, req, 503, "out_of_memory", "no memory for the redactor");
        goto out;
    }
    wf_buf_reset(&err);
    batch_live = 1;
    rc = wf_ingest_normalize(prov, event_hdr, req->body, req->body_len, red, &batch, &err);
    if (rc != WF_OK) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_rejected_total", "reason",
                                 "payload", 1);
        int status = rc == WF_ETOOBIG ? 413 : rc == WF_ENOMEM ? 503 : 400;
        wf_http_resp_error(resp, req, status, rc == WF_ETOOBIG ? "too_large" : "bad_payload", "%s",
                           err.p ? err.p : wf_strerror(rc));
        goto out;
    }
    if (batch.ignored) {
        wf_server__reply_json(resp, 202,
                              json_pack("{s:s,s:s,s:s}", "status", "ignored", "delivery", delivery,
                                        "event", event_name));
        goto out;
    }
    struct wf_store_ingest_result res;
    rc = wf_ingest_store(c->store, tenant, delivery, &batch, &res);
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, rc == WF_ETOOBIG ? 413 : 503, "store_failed",
                           "the delivery was not stored (%s); please redeliver", wf_strerror(rc));
        goto out;
    }
    if (res.duplicate) {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_duplicates_total", "provider",
                                 pname, 1);
    } else {
        wf_server__metrics_count(c->metrics, "workflowai_ingest_deliveries_total", "provider",
                                 pname, 1);
        for (size_t i = 0; i < batch.n_events; i++)
            wf_server__metrics_count(c->metrics, "workflowai_ingest_events_total", "kind",
                                     wf_ingest_kind_name(batch.events[i].kind), 1);
    }
    if (res.n_enqueued)
        wf_queue_notify(c->queue);
    wf_server__reply_json(resp, res.duplicate ? 200 : 201,
                          json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "status",
                                    res.duplicate ? "duplicate" : "stored", "delivery", delivery,
                                    "events", (json_int_t)batch.n_events, "applied",
                                    (json_int_t)res.n_applied, "stale", (json_int_t)res.n_stale,
                                    "enqueued", (json_int_t)res.n_enqueued));
out:
    if (batch_live)
        wf_ingest_batch_cleanup(&batch);
    wf_server__redactor_put(c, red);
    wf_buf_cleanup(&err);
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
