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

/* ---- Metrics (Prometheus text exposition 0.0.4) --------------------------------- */

struct wf_server__metrics;

int wf_server__metrics_new(struct wf_server__metrics **out);
void wf_server__metrics_free(struct wf_server__metrics *m);
/* Counts one HTTP response of route (label "route") with status and
 * duration (histogram workflowai_http_request_duration_seconds, buckets
 * .001 .. 10 s). Lock-free on the hot path where possible; thread-safe. */
void wf_server__metrics_http(struct wf_server__metrics *m, const char *route, const char *method,
                             int status, uint64_t duration_ns);
/* Adds n to a named counter with one optional label pair (label NULL for
 * none), e.g. ("workflowai_ingest_events_total", "provider", "github", 1). */
void wf_server__metrics_count(struct wf_server__metrics *m, const char *name, const char *label,
                              const char *value, uint64_t n);
/* Observes a duration in a named histogram (same buckets as HTTP). */
void wf_server__metrics_observe(struct wf_server__metrics *m, const char *name,
                                uint64_t duration_ns);
/* Sets a gauge (e.g. queue depth) with one optional label pair. */
void wf_server__metrics_gauge(struct wf_server__metrics *m, const char *name, const char *label,
                              const char *value, double v);
/* Renders every metric with # HELP / # TYPE lines (help from the one table
 * of known metric names in server_metrics.c). */
int wf_server__metrics_render(struct wf_server__metrics *m, struct wf_buf *out);

#endif
