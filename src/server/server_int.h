/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/server: authentication (API keys, HS256 JWTs), per-key
 * token-bucket rate limits, and the Prometheus metrics registry. The route
 * table, handlers and workers build on these.
 */
#ifndef WF_SERVER_INT_H
#define WF_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <pthread.h>

#include "http/http.h"
#include "kb/kb.h"
#include "ml/ml.h"
#include "provider/provider.h"
#include "queue/queue.h"
#include "redact/redact.h"
#include "server/server.h"
#include "store/store.h"
#include "util/util.h"

/* ---- API keys ------------------------------------------------------------ */

/* Keys look like "wfk_<key id 8 chars>_<secret 43 chars base64url>": the id
 * part is public (shown in listings and logs), the whole key is hashed with
 * SHA-256 for storage. */
#define WF_SERVER_KEY_BYTES 64
#define WF_SERVER_KEY_ID_BYTES 16

/* Makes a new random key: key (WF_SERVER_KEY_BYTES), its id "k_xxxxxxxx"
 * (WF_SERVER_KEY_ID_BYTES) and the hex SHA-256 of the whole key (65 bytes).
 * WF_EIO when the kernel has no randomness. */
int wf_server__key_new(char *key, char *key_id, char *hash_hex);
/* Hex SHA-256 (65 bytes) of a presented key; -1 when it does not have the
 * key shape (so obviously wrong tokens never reach the store). */
int wf_server__key_hash(const char *key, size_t len, char *hash_hex);

/* 1 when s (len bytes) is a tenant id: 1..WF_LIMIT_ID_BYTES-1 characters
 * of [A-Za-z0-9._-] (JWT tenant claims, `tenant add`). */
int wf_server__valid_tenant(const char *s, size_t len);

/* ---- JWT (HS256) ------------------------------------------------------------ */

struct wf_server__jwt_claims {
    char tenant[WF_LIMIT_ID_BYTES]; /* "tenant" claim (required, a string) */
    char sub[WF_LIMIT_ID_BYTES];    /* "sub" claim, "" when absent */
    int64_t exp;                    /* seconds since epoch, 0 when absent */
};

/* Verifies a compact JWS: header alg must be "HS256" (typ JWT or absent; alg
 * "none" and every other alg refused), signature checked in constant time,
 * "exp" and "nbf" checked against now_s with leeway_s, "tenant" required.
 * WF_OK with claims filled, WF_EAUTH otherwise (reason in err, optional). */
int wf_server__jwt_verify(const char *token, size_t len, const char *secret, int64_t now_s,
                          int64_t leeway_s, struct wf_server__jwt_claims *out, struct wf_buf *err);
/* Signs claims {"tenant","sub","exp","iat"} (exp 0 = omitted) into out. */
int wf_server__jwt_sign(const char *secret, const char *tenant, const char *sub, int64_t iat,
                        int64_t exp, struct wf_buf *out);

/* ---- Rate limits ------------------------------------------------------------ */

struct wf_server__limiter;

/* Token buckets keyed by string (the key id): `rate_per_s` tokens per
 * second, bursts up to `burst`. rate_per_s <= 0 disables limiting. At most
 * max_keys buckets; the least recently used is evicted. Thread-safe. */
int wf_server__limiter_new(double rate_per_s, double burst, size_t max_keys,
                           struct wf_server__limiter **out);
void wf_server__limiter_free(struct wf_server__limiter *l);
/* Takes one token for key at time now_ns. Returns 1 when allowed; 0 when
 * limited, with *retry_after_s (>= 1) the whole seconds until a token. */
int wf_server__limiter_take(struct wf_server__limiter *l, const char *key, uint64_t now_ns,
                            int *retry_after_s);
/* Shares the buckets through Redis (an atomic Lua script per take, keyed
 * "wf:rl:<key>", on Redis's clock), so every instance pointing at the same
 * Redis draws from one bucket per key. When Redis cannot be reached a take
 * falls back to this limiter's own bucket (fail-open to local limits) and
 * counts an error. Call before the limiter is used; borrows url. */
int wf_server__limiter_share(struct wf_server__limiter *l, const struct wf_queue_redis_url *url);
/* Takes that fell back to the local bucket since the limiter was made. */
uint64_t wf_server__limiter_shared_errors(struct wf_server__limiter *l);

/* ---- Metrics (Prometheus text exposition 0.0.4) --------------------------------- */

struct wf_server__metrics;

int wf_server__metrics_new(struct wf_server__metrics **out);
void wf_server__metrics_free(struct wf_server__metrics *m);
/* Counts one HTTP response of route (label "route") with status and
 * duration (histogram workflowai_http_request_duration_seconds, buckets
 * .0005 .. 10 s). Lock-free on the hot path where possible; thread-safe. */
void wf_server__metrics_http(struct wf_server__metrics *m, const char *route, const char *method,
                             int status, uint64_t duration_ns);
/* Adds n to a named counter with one optional label pair (label NULL for
 * none), e.g. ("workflowai_ingest_deliveries_total", "provider", "github", 1). */
void wf_server__metrics_count(struct wf_server__metrics *m, const char *name, const char *label,
                              const char *value, uint64_t n);
/* Sets a counter that mirrors a monotonic total kept elsewhere (the
 * store's commit count): the series takes total unless it is already
 * higher. Same filtering of names and labels as count. */
void wf_server__metrics_count_total(struct wf_server__metrics *m, const char *name,
                                    const char *label, const char *value, uint64_t total);
/* Observes a duration in a named histogram (same buckets as HTTP). */
void wf_server__metrics_observe(struct wf_server__metrics *m, const char *name,
                                uint64_t duration_ns);
/* Sets a gauge (e.g. queue depth) with one optional label pair. */
void wf_server__metrics_gauge(struct wf_server__metrics *m, const char *name, const char *label,
                              const char *value, double v);
/* Sets a gauge with several labels (the metric's comma-separated label
 * names, one value each, n of them). */
void wf_server__metrics_gauge_n(struct wf_server__metrics *m, const char *name,
                                const char *const *values, size_t n, double v);
/* Renders every metric with # HELP / # TYPE lines (help from the one table
 * of known metric names in server_metrics.c). */
int wf_server__metrics_render(struct wf_server__metrics *m, struct wf_buf *out);

/* ---- The running service ------------------------------------------------------- */

#define WF_SERVER__REDACTORS 64

/* Webhook secrets are read on every delivery: a small direct-mapped cache
 * (also of unknown tenants) keeps the store off that path. */
#define WF_SERVER__TENANT_SLOTS 64
#define WF_SERVER__TENANT_TTL_MS 2000
struct wf_server__tenant_slot {
    struct wf_store_tenant t; /* t.id "" = empty slot */
    int found;                /* 0: the store said WF_ENOENT */
    uint64_t at_ms;           /* wf_now_ms() when read */
};

struct wf_server__ctx {
    const struct wf_server_config *cfg; /* borrowed */
    struct wf_store *store;
    struct wf_queue *queue;
    struct wf_http_server *http;
    struct wf_server__limiter *limiter;
    struct wf_server__metrics *metrics;
    struct wf_ml_model *risk_model; /* the default change-risk model */
    struct wf_kb *kb;               /* the knowledge bases of every tenant */
    struct wf_provider_config provider;
    struct wf_redact_config redact_cfg; /* redaction options (defaults or the config file) */
    pthread_mutex_t pool_mu;            /* guards pool */
    struct wf_redactor *pool[WF_SERVER__REDACTORS];
    size_t n_pool;
    pthread_mutex_t log_mu;    /* one log line at a time */
    pthread_mutex_t tenant_mu; /* guards tenants */
    struct wf_server__tenant_slot tenants[WF_SERVER__TENANT_SLOTS];
    int log_json;  /* 1: JSON lines, 0: text */
    int log_level; /* enum wf_log_level */
    pthread_t *workers;
    size_t n_workers;
    struct wf_server__models *models; /* tenants' active models, retrain scheduler */
    int64_t retrain_interval_ms;      /* 0 = no scheduled retraining */
    pthread_t relay;                  /* outbox relay (Redis queue only) */
    int relay_started;
    _Atomic uint64_t limit_errors_logged; /* shared-limit errors already warned about */
    _Atomic uint64_t limit_warn_ms;       /* wf_now_ms() of the last such warning */
    _Atomic int stopping;                 /* set once on shutdown */
};

/* Borrows a redactor from the pool (or makes one); give it back with
 * wf_server__redactor_put. NULL on ENOMEM. Thread-safe. */
struct wf_redactor *wf_server__redactor_get(struct wf_server__ctx *c);
void wf_server__redactor_put(struct wf_server__ctx *c, struct wf_redactor *r);

/* The tenant (with its webhook secrets) through the cache. WF_ENOENT for
 * an unknown tenant. Thread-safe. */
int wf_server__tenant(struct wf_server__ctx *c, const char *id, struct wf_store_tenant *out);

/* Writes one structured log line (fields: takes ownership of the object;
 * "ts", "level" and "msg" are added) to stderr, redacted. Thread-safe. */
void wf_server__log(struct wf_server__ctx *c, int level, const char *msg, json_t *fields);

/* 1 when the request's Content-Type is application/json (parameters
 * such as charset allowed). */
int wf_server__is_json(const struct wf_http_req *req);

/* Sets resp to status with j (ownership taken) as the JSON body. */
void wf_server__reply_json(struct wf_http_resp *resp, int status, json_t *j);

/* The route table (server_routes.c). */
const struct wf_http_route *wf_server__routes(size_t *n);
/* HTTP hooks (server_mw.c). */
int wf_server__before(struct wf_http_req *req, struct wf_http_resp *resp, int is_public, void *ud);
void wf_server__after(const struct wf_http_req *req, const struct wf_http_resp *resp,
                      uint64_t duration_ns, void *ud);

/* The log window route (server_web.c): at most this many lines per answer,
 * each cut at this many bytes (then ending " [...]"). */
#define WF_SERVER_LOG_WINDOW_LINES 2000u
#define WF_SERVER_LOG_LINE_BYTES (8u * 1024)
/* {"from","to","total_lines","lines":[...]} for lines from..to (1-based,
 * inclusive; lines end at \r\n, \r or \n as the log reader counts them) of
 * log (borrowed). `to` in the answer is the last line present (from - 1 when
 * the log is shorter than from). Invalid UTF-8 becomes U+FFFD. WF_EINVAL for
 * from < 1, to < from or a window over WF_SERVER_LOG_WINDOW_LINES; WF_ENOMEM.
 * Returns owned json. */
int wf_server__log_window(const char *log, size_t len, long from, long to, json_t **out);

/* Handlers, one per route. */
void wf_server__h_health(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_ready(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_metrics(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_whoami(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_webhook_github(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_webhook_gitlab(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_webhook_generic(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_build_log(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_build_get(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_build_log_window(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_web(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_failures(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_failure(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_signatures(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_triage(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_jobs(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_review(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_reviews(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_risk(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);

/* Feedback and labeling (server_feedback.c). */
void wf_server__h_feedback(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_labeling_queue(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_labeling_agreement(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
/* The latest resolution recorded for a signature as {"note","fix_commit",
 * "by","at"} (owned) or *out NULL when there is none. Store errors. */
int wf_server__resolution_of(struct wf_server__ctx *c, const char *tenant, const char *signature,
                             json_t **out);
/* Epoch milliseconds as "YYYY-MM-DDTHH:MM:SSZ". */
void wf_server__iso_time(int64_t ms, char *out, size_t cap);

/* Model versions (server_models.c). */
struct wf_server__models;
struct wf_server__held;
int wf_server__models_new(struct wf_server__models **out);
void wf_server__models_free(struct wf_server__models *m);
/* The tenant's active triage model (checked against the store at most every
 * 2 s), held until wf_server__model_release. Thread-safe. */
int wf_server__model_acquire(struct wf_server__ctx *c, const char *tenant,
                             struct wf_server__held **out);
/* The same for the tenant's active change-risk model (NULL model = the
 * embedded default, c->risk_model). */
int wf_server__risk_model_acquire(struct wf_server__ctx *c, const char *tenant,
                                  struct wf_server__held **out);
void wf_server__model_release(struct wf_server__ctx *c, struct wf_server__held *h);
/* The held model (NULL = the bundled one) and its version string ("v3" or
 * "bundled-<hash prefix>"). */
const struct wf_ml_model *wf_server__held_model(const struct wf_server__held *h);
void wf_server__held_version(const struct wf_server__held *h, char *out, size_t cap);
void wf_server__h_models(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_models_rollback(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
/* Sets the workflowai_model_* gauges of every tenant, at most once a minute
 * (and records drift warnings); called by /metrics. */
void wf_server__model_gauges(struct wf_server__ctx *c);
/* Runs a retrain job of a tenant (the worker's "retrain" kind); kind is
 * "triage" (also when NULL) or "risk". */
int wf_server__retrain(struct wf_server__ctx *c, const char *tenant, const char *kind,
                       struct wf_buf *err);
/* Starts/stops the scheduler of --retrain-interval (no-op when off). */
int wf_server__retrain_start(struct wf_server__ctx *c);
void wf_server__retrain_stop(struct wf_server__ctx *c);
/* "off"/"0"/"" (0) or a number with ms, s, m, h or d ("24h"). WF_EINVAL. */
int wf_server__parse_interval(const char *s, int64_t *ms);

struct wf_risk_diff;
/* The change-risk report of a parsed diff (diff metrics only: the service
 * has no clone of the repository) with the tenant's active risk model (the
 * embedded default when it has none), as JSON or text, appended to out;
 * *score (optional) gets 0-100, version (optional, cap bytes) the model's
 * version as GET /v1/models names it ("v2" or "bundled-<hash>").
 * Thread-safe. */
int wf_server__risk_report(struct wf_server__ctx *c, const char *tenant,
                           const struct wf_risk_diff *d, const char *message, int text,
                           struct wf_buf *out, int *score, char *version, size_t cap);

/* Knowledge base, search and chat (server_kb.c). */
void wf_server__h_kb_add(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_kb_list(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_kb_delete(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_search(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_chat(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
/* Makes the embedder the config names (built-in, or OpenAI-compatible with
 * embed-url/embed-model) and the knowledge base over the store. */
int wf_server__kb_open(struct wf_server__ctx *c, struct wf_buf *err);

/* Request bodies of the knowledge-base routes (server_kb_req.c): pure
 * parsers of untrusted bytes, fuzzed. Each fills its struct (strings
 * owned by it; free with the matching cleanup, also after an error) or
 * returns WF_EFORMAT/WF_EINVAL/WF_ETOOBIG with a message naming the field
 * in err. */
#define WF_SERVER__KB_BODY_BYTES (24u * 1024 * 1024) /* a document upload (base64 of 16 MiB) */
#define WF_SERVER__CHAT_MESSAGES 64u                 /* messages of one chat request */
#define WF_SERVER__CHAT_BYTES (256u * 1024)          /* content bytes of all its messages */

struct wf_server__kb_doc_req {
    char *name;
    char *format; /* NULL: from the name */
    char *data;   /* the document bytes (content, or content_base64 decoded) */
    size_t len;
};
int wf_server__kb_doc_parse(const char *body, size_t len, struct wf_server__kb_doc_req *out,
                            struct wf_buf *err);
void wf_server__kb_doc_cleanup(struct wf_server__kb_doc_req *r);

struct wf_server__search_req {
    char *query;
    enum wf_search_mode mode;     /* default hybrid */
    enum wf_search_fusion fusion; /* default rrf */
    size_t top_k;                 /* 1..WF_KB_MAX_TOP_K, default 10 */
};
int wf_server__search_parse(const char *body, size_t len, struct wf_server__search_req *out,
                            struct wf_buf *err);
void wf_server__search_cleanup(struct wf_server__search_req *r);

struct wf_server__chat_req {
    char *model;             /* "" when absent */
    struct wf_llm_msg *msgs; /* every message; contents owned through texts */
    char **texts;            /* n_msgs owned strings */
    size_t n_msgs;
    size_t question; /* index of the last user message */
    int stream;
    size_t top_k; /* 0 = default */
};
int wf_server__chat_parse(const char *body, size_t len, struct wf_server__chat_req *out,
                          struct wf_buf *err);
void wf_server__chat_cleanup(struct wf_server__chat_req *r);

/* DORA metrics, weekly reports and event intake (server_dora.c). */
void wf_server__h_dora(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_report_weekly(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_events_deployments(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
void wf_server__h_events_incidents(struct wf_http_req *req, struct wf_http_resp *resp, void *ud);
/* Sets the workflowai_dora_* gauges of every tenant (last 30 days),
 * recomputed at most once a minute; called by /metrics. Thread-safe. */
void wf_server__dora_gauges(struct wf_server__ctx *c);

/* Triages a stored build's log and stores the failure (server_worker.c).
 * Fetches the log from the provider first when none is stored and a token
 * is configured. WF_ENOENT when there is no log to triage. */
int wf_server__triage_build(struct wf_server__ctx *c, const char *tenant, int64_t build_id,
                            struct wf_buf *err);
/* Fetches a PR/MR diff from the provider, runs the review rules, posts
 * the findings as a review (when the token may) and stores the review.
 * WF_ENOENT when no token is configured for the provider. */
int wf_server__review_pr(struct wf_server__ctx *c, const char *tenant, const char *provider,
                         const char *repo, const char *number, const char *sha, struct wf_buf *err);
/* Starts/stops the worker threads. */
int wf_server__workers_start(struct wf_server__ctx *c);
void wf_server__workers_stop(struct wf_server__ctx *c);

#endif
