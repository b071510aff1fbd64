/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every route of the service in one table: method, path pattern, handler,
 * flags and body cap. A new endpoint costs one row plus its handler. The
 * probes and the metrics page live here too; the rest of the handlers are
 * in server_webhooks.c, server_builds.c, server_query.c and server_web.c.
 */
#include <string.h>

#include "learn/learn.h"
#include "server/server_int.h"

/* clang-format off */
static const struct wf_http_route routes[] = {
    {WF_HTTP_GET,  "/health",               wf_server__h_health,          WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0, "health"},
    {WF_HTTP_GET,  "/live",                 wf_server__h_health,          WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0, "live"},
    {WF_HTTP_GET,  "/ready",                wf_server__h_ready,           WF_HTTP_ROUTE_PUBLIC, 0, "ready"},
    {WF_HTTP_GET,  "/metrics",              wf_server__h_metrics,         WF_HTTP_ROUTE_PUBLIC, 0, "metrics"},
    {WF_HTTP_GET,  "/",                     wf_server__h_web,             WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0, "web"},
    {WF_HTTP_GET,  "/ui/{file}",            wf_server__h_web,             WF_HTTP_ROUTE_INLINE | WF_HTTP_ROUTE_PUBLIC, 0, "web"},
    {WF_HTTP_GET,  "/v1/whoami",            wf_server__h_whoami,          0, 0, "whoami"},
    {WF_HTTP_POST, "/v1/webhooks/github",   wf_server__h_webhook_github,  WF_HTTP_ROUTE_PUBLIC | WF_HTTP_ROUTE_INLINE_SMALL, WF_LIMIT_WEBHOOK_BYTES, "webhook_github"},
    {WF_HTTP_POST, "/v1/webhooks/gitlab",   wf_server__h_webhook_gitlab,  WF_HTTP_ROUTE_PUBLIC | WF_HTTP_ROUTE_INLINE_SMALL, WF_LIMIT_WEBHOOK_BYTES, "webhook_gitlab"},
    {WF_HTTP_POST, "/v1/webhooks/generic",  wf_server__h_webhook_generic, WF_HTTP_ROUTE_PUBLIC | WF_HTTP_ROUTE_INLINE_SMALL, WF_LIMIT_WEBHOOK_BYTES, "webhook_generic"},
    {WF_HTTP_POST, "/v1/builds/{id}/log",   wf_server__h_build_log,       WF_HTTP_ROUTE_SPOOL, WF_LIMIT_LOG_UPLOAD_BYTES, "build_log"},
    {WF_HTTP_GET,  "/v1/builds/{id}",       wf_server__h_build_get,       0, 0, "build_get"},
    {WF_HTTP_GET,  "/v1/builds/{id}/log",   wf_server__h_build_log_window, 0, 0, "build_log_window"},
    {WF_HTTP_GET,  "/v1/failures",          wf_server__h_failures,        0, 0, "failures_list"},
    {WF_HTTP_GET,  "/v1/failures/{id}",     wf_server__h_failure,         0, 0, "failures_get"},
    {WF_HTTP_GET,  "/v1/signatures",        wf_server__h_signatures,      0, 0, "signatures_list"},
    {WF_HTTP_POST, "/v1/triage",            wf_server__h_triage,          WF_HTTP_ROUTE_SPOOL, WF_LIMIT_LOG_UPLOAD_BYTES, "triage"},
    {WF_HTTP_GET,  "/v1/jobs",              wf_server__h_jobs,            0, 0, "jobs"},
    {WF_HTTP_POST, "/v1/review",            wf_server__h_review,          WF_HTTP_ROUTE_SPOOL, 16u << 20, "review"},
    {WF_HTTP_GET,  "/v1/reviews",           wf_server__h_reviews,         0, 0, "reviews_list"},
    {WF_HTTP_POST, "/v1/risk",              wf_server__h_risk,            WF_HTTP_ROUTE_SPOOL, 16u << 20, "risk"},
    {WF_HTTP_GET,  "/v1/dora",              wf_server__h_dora,            0, 0, "dora"},
    {WF_HTTP_GET,  "/v1/reports/weekly",    wf_server__h_report_weekly,   0, 0, "reports_weekly"},
    {WF_HTTP_POST, "/v1/events/deployments", wf_server__h_events_deployments, 0, 0, "events_deployments"},
    {WF_HTTP_POST, "/v1/events/incidents",  wf_server__h_events_incidents, 0, 0, "events_incidents"},
    {WF_HTTP_POST, "/v1/kb/documents",      wf_server__h_kb_add,          WF_HTTP_ROUTE_SPOOL, WF_SERVER__KB_BODY_BYTES, "kb_documents_add"},
    {WF_HTTP_GET,  "/v1/kb/documents",      wf_server__h_kb_list,         0, 0, "kb_documents_list"},
    {WF_HTTP_DELETE, "/v1/kb/documents/{id}", wf_server__h_kb_delete,     0, 0, "kb_documents_delete"},
    {WF_HTTP_POST, "/v1/search",            wf_server__h_search,          0, 64u * 1024, "search"},
    {WF_HTTP_POST, "/v1/chat/completions",  wf_server__h_chat,            0, 1024u * 1024, "chat_completions"},
    {WF_HTTP_POST, "/v1/feedback",          wf_server__h_feedback,        0, WF_LEARN_FEEDBACK_BYTES, "feedback"},
    {WF_HTTP_GET,  "/v1/labeling/queue",    wf_server__h_labeling_queue,  0, 0, "labeling_queue"},
    {WF_HTTP_GET,  "/v1/models",            wf_server__h_models,          0, 0, "models"},
    {WF_HTTP_POST, "/v1/models/{kind}/rollback", wf_server__h_models_rollback, 0, 0, "models_rollback"},
    {WF_HTTP_GET,  "/v1/labeling/agreement", wf_server__h_labeling_agreement, 0, 0, "labeling_agreement"},
};
/* clang-format on */

const struct wf_http_route *wf_server__routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

void wf_server__h_health(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)req;
    (void)ud;
    wf_http_resp_printf(resp, 200, "{\"status\":\"ok\"}");
}

void wf_server__h_ready(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    if (c->stopping) {
        wf_http_resp_error(resp, req, 503, "shutting_down", "the server is shutting down");
        return;
    }
    int rc = wf_store_ping(c->store);
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, 503, "store_unavailable", "store: %s", wf_strerror(rc));
        return;
    }
    wf_http_resp_printf(resp, 200, "{\"status\":\"ready\",\"store\":\"%s\"}",
                        wf_store_backend(c->store));
}

void wf_server__h_metrics(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_server__ctx *c = ud;
    struct wf_store_job_counts jc;
    if (wf_store_job_counts(c->store, &jc) == WF_OK) {
        wf_server__metrics_gauge(c->metrics, "workflowai_queue_depth", "state", "ready",
                                 (double)jc.ready);
        wf_server__metrics_gauge(c->metrics, "workflowai_queue_depth", "state", "leased",
                                 (double)jc.leased);
        wf_server__metrics_gauge(c->metrics, "workflowai_queue_depth", "state", "dead",
                                 (double)jc.dead);
    }
    struct wf_store_stats ss;
    wf_store_stats(c->store, &ss);
    wf_server__metrics_count_total(c->metrics, "workflowai_store_commits_total", NULL, NULL,
                                   ss.commits);
    wf_server__metrics_count_total(c->metrics, "workflowai_store_writes_total", NULL, NULL,
                                   ss.writes);
    wf_server__dora_gauges(c);
    wf_server__model_gauges(c);
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    if (wf_server__metrics_render(c->metrics, &resp->body) != WF_OK)
        wf_http_resp_error(resp, req, 500, "internal", "could not render metrics");
}

void wf_server__h_whoami(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    (void)ud;
    wf_server__reply_json(
        resp, 200, json_pack("{s:s,s:s}", "tenant", req->tenant, "principal", req->principal));
}
