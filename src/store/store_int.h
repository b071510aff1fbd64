/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store internals: the ops table a backend fills once (one function pointer
 * per public operation, SQLite's VFS style), the handle that carries it, and
 * the few backend-independent helpers shared by the backends (log
 * compression, status ranks). store.c validates arguments and dispatches;
 * store_sqlite.c is the embedded backend, store_pg.c the PostgreSQL one.
 * For the module's own files only.
 */
#ifndef WF_STORE_INT_H
#define WF_STORE_INT_H

#include "store/store.h"

/* max_attempts of the triage jobs ingest enqueues: the queue's default. */
#define WF_STORE__TRIAGE_MAX_ATTEMPTS 5
/* Events in one ingest request. */
#define WF_STORE__MAX_EVENTS 10000u
/* Tenants returned by wf_store_tenant_list. */
#define WF_STORE__MAX_TENANTS 10000u
/* Distinct repos / branches listed per signature. */
#define WF_STORE__SIG_VALUES 20

/* Every function receives the handle; arguments were validated by store.c
 * (ids non-empty and shorter than WF_LIMIT_ID_BYTES, pointers non-NULL). */
struct wf_store_ops {
    const char *name; /* "sqlite", "postgres" */
    /* target: the backend's part of the url (a path, ":memory:"); fills st->be */
    int (*open)(struct wf_store *st, const char *target, const struct wf_store_opts *o,
                struct wf_buf *err);
    void (*close)(struct wf_store *st);
    int (*ping)(struct wf_store *st);
    int (*tenant_put)(struct wf_store *st, const struct wf_store_tenant *t);
    int (*tenant_get)(struct wf_store *st, const char *id, struct wf_store_tenant *out);
    int (*tenant_list)(struct wf_store *st, json_t **out);
    int (*key_put)(struct wf_store *st, const char *tenant, const char *key_id,
                   const char *hash_hex, const char *name, int64_t created_ms);
    int (*key_find)(struct wf_store *st, const char *hash_hex, char *tenant, char *key_id);
    int (*key_revoke)(struct wf_store *st, const char *tenant, const char *key_id);
    int (*key_list)(struct wf_store *st, const char *tenant, json_t **out);
    int (*ingest)(struct wf_store *st, const struct wf_store_ingest_req *req,
                  struct wf_store_ingest_result *out);
    int (*ingest_async)(struct wf_store *st, const struct wf_store_ingest_req *req,
                        wf_store_ingest_done_fn done, void *ud);
    void (*stats)(struct wf_store *st, struct wf_store_stats *out);
    int (*review_put)(struct wf_store *st, const struct wf_store_review *r, int64_t *id);
    int (*review_list)(struct wf_store *st, const char *tenant, const char *repo,
                       const char *number, json_t **out);
    int (*build_ensure)(struct wf_store *st, const char *tenant, const char *provider,
                        const struct wf_store_event *ev, int64_t *id);
    int (*build_get)(struct wf_store *st, const char *tenant, int64_t id,
                     struct wf_store_build *out);
    int (*build_find)(struct wf_store *st, const char *tenant, const char *provider,
                      const char *external_id, struct wf_store_build *out);
    int (*log_put)(struct wf_store *st, const char *tenant, int64_t build_id, const char *text,
                   size_t len);
    int (*log_get)(struct wf_store *st, const char *tenant, int64_t build_id, char **out,
                   size_t *out_len);
    int (*failure_put)(struct wf_store *st, const struct wf_store_failure *f, int64_t *id);
    int (*failure_list)(struct wf_store *st, const char *tenant, const struct wf_store_filter *f,
                        json_t **out);
    int (*failure_get)(struct wf_store *st, const char *tenant, int64_t id, json_t **out);
    int (*signature_list)(struct wf_store *st, const char *tenant, const struct wf_store_filter *f,
                          json_t **out);
    int (*signature_count)(struct wf_store *st, const char *tenant, const char *signature,
                           int64_t *count, int64_t *first_seen_ms);
    int (*job_push)(struct wf_store *st, const char *tenant, const char *kind,
                    const char *payload_json, int max_attempts, int64_t available_ms, int64_t *id);
    int (*job_claim)(struct wf_store *st, int64_t now_ms, int64_t lease_ms,
                     struct wf_store_job *out);
    int (*job_ack)(struct wf_store *st, int64_t id, int64_t lease_token);
    int (*job_retry)(struct wf_store *st, int64_t id, int64_t lease_token, int64_t available_ms,
                     const char *error);
    int (*job_dead)(struct wf_store *st, int64_t id, int64_t lease_token, const char *error);
    int (*job_counts)(struct wf_store *st, struct wf_store_job_counts *out);
    int (*job_dead_list)(struct wf_store *st, const char *tenant, json_t **out);
    int (*events_read)(struct wf_store *st, const char *tenant, const char *kind, int64_t since_ms,
                       int64_t until_ms, wf_store_event_fn fn, void *ud);
    /* knowledge base: see store.h; arguments checked by store.c */
    int (*kb_doc_put)(struct wf_store *st, const struct wf_store_kb_doc *d, int64_t *id,
                      int *replaced);
    int (*kb_doc_delete)(struct wf_store *st, const char *tenant, int64_t id);
    int (*kb_doc_list)(struct wf_store *st, const char *tenant, json_t **out);
    int (*kb_doc_get)(struct wf_store *st, const char *tenant, int64_t id, const char *name,
                      struct wf_store_kb_info *out, char **text, size_t *text_len);
    int (*kb_chunks_read)(struct wf_store *st, const char *tenant, int64_t doc_id,
                          wf_store_kb_chunk_fn fn, void *ud);
    int (*kb_vectors_put)(struct wf_store *st, const char *tenant, int64_t doc_id,
                          const float *vecs, size_t n, size_t dim, const char *embed_model);
    /* feedback and model versions (docs/internals/store.md, "Feedback and models") */
    int (*label_put)(struct wf_store *st, const struct wf_store_label *l, int64_t *id);
    int (*label_list)(struct wf_store *st, const char *tenant,
                      const struct wf_store_label_filter *f, json_t **out);
    int (*label_queue)(struct wf_store *st, const char *tenant, int limit, json_t **out);
    int (*model_put)(struct wf_store *st, const struct wf_store_model *m, int64_t *version);
    int (*model_list)(struct wf_store *st, const char *tenant, const char *kind, json_t **out);
    int (*model_get)(struct wf_store *st, const char *tenant, const char *kind, int64_t version,
                     json_t **out);
    int (*model_activate)(struct wf_store *st, const char *tenant, const char *kind,
                          int64_t version);
    int (*notice_put)(struct wf_store *st, const char *tenant, const char *kind, const char *key,
                      const char *data_json, int64_t created_ms, int *created);
    int (*notice_list)(struct wf_store *st, const char *tenant, const char *kind, int64_t since_ms,
                       json_t **out);
};

struct wf_store {
    const struct wf_store_ops *ops;
    void *be; /* backend state, owned by the backend */
};

extern const struct wf_store_ops wf_store__sqlite_ops;
extern const struct wf_store_ops wf_store__pg_ops;

/* Rank of a build/job status: 0 unknown, 1 waiting (queued, pending, ...),
 * 2 running, 3 finished (completed, success, failed, canceled, ...). */
int wf_store__status_rank(const char *status);
/* 1 when a finished build failed: conclusion (or, for providers that put
 * the outcome in the status, status) is failure, failed or timed_out. */
int wf_store__is_failed(const char *status, const char *conclusion);

/* Compresses len bytes (zlib level 1) into an owned buffer (*out, *out_len;
 * free with wf_free). WF_ENOMEM, WF_ETOOBIG. */
int wf_store__compress(const char *text, size_t len, unsigned char **out, size_t *out_len);
/* Inflates a stored log of raw_len bytes (at most WF_LIMIT_LOG_UPLOAD_BYTES)
 * into an owned NUL-terminated buffer. WF_EFORMAT when the blob is corrupt
 * or does not inflate to exactly raw_len bytes. */
int wf_store__uncompress(const unsigned char *blob, size_t blob_len, size_t raw_len, char **out);

/* Copies src into dst[cap], truncating, always terminated; NULL -> "". */
void wf_store__copy(char *dst, size_t cap, const char *src);

/* ---- Shared by the backends (store_common.c) ----------------------------- */

/* json_object_set_new / json_array_append_new as WF_OK or WF_ENOMEM (the
 * value is consumed either way). */
int wf_store__jset(json_t *o, const char *k, json_t *v);
int wf_store__jpush(json_t *a, json_t *v);
/* A JSON string of p (NULL -> ""). */
json_t *wf_store__jstr(const char *p);
/* 1 for the event kinds that create or update a build ("job", "build"). */
int wf_store__is_build_kind(const char *kind);
/* 1 when a pull_request event asks for a review (opened, synchronize, ...
 * with repo, number and head sha). */
int wf_store__wants_review(const struct wf_store_event *ev);
/* The page size of a list filter: 50 by default, at most WF_LIMIT_PAGE_ITEMS. */
int wf_store__page_limit(const struct wf_store_filter *f);
/* {"items": items, "next": next or null} (items consumed). */
int wf_store__page(json_t *items, int64_t next, json_t **out);
/* The JSON of a build as GET /v1/builds/{id} answers it. */
int wf_store__build_json(const struct wf_store_build *b, json_t **out);
/* A random positive lease token. */
int64_t wf_store__lease_token(void);

#endif
