/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: everything the service keeps, behind one interface. The embedded
 * backend is SQLite in WAL mode with synchronous=FULL and group commit: all
 * writes go to one writer thread that runs every pending write in one
 * transaction (each in its own savepoint) and fsyncs once, so concurrent
 * requests share fsyncs and a call that returned WF_OK is on disk. Reads use
 * per-thread connections and never wait for the writer. A backend plugs in
 * through `struct wf_store_ops` (store_int.h); PostgreSQL is the second
 * (store_pg.c: a connection pool, one transaction per write, safe for
 * several instances sharing one database).
 *
 * Every row belongs to a tenant and every read takes the tenant: no call
 * can return another tenant's rows. List results are jansson arrays of
 * objects, newest first, with a cursor for the next page.
 */
#ifndef WF_STORE_H
#define WF_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct wf_store;

struct wf_store_opts {
    const char *url;     /* "sqlite:PATH", a bare PATH, ":memory:" (tests), or
                            "postgres://USER:PASSWORD@HOST:PORT/DB?pool=N" */
    int n_readers;       /* read connections kept (PostgreSQL: the pool size unless
                            the url has ?pool=), default 8 */
    int batch_max;       /* writes per group commit, default 256 */
    int busy_timeout_ms; /* default 5000 */
};

/* Opens (creating and migrating as needed) the store. Migrations are
 * numbered, run once, in a transaction each; the schema version is kept in
 * the database. Message in err (optional). WF_EIO, WF_EVERSION (database
 * newer than this binary), WF_EINVAL (bad url). */
int wf_store_open(const struct wf_store_opts *opts, struct wf_store **out, struct wf_buf *err);
/* Flushes pending writes, stops the writer, closes; accepts NULL. */
void wf_store_close(struct wf_store *st);
/* WF_OK when the store answers a trivial query. Thread-safe. */
int wf_store_ping(struct wf_store *st);
/* "sqlite" or "postgres". */
const char *wf_store_backend(const struct wf_store *st);
/* Copies url into out[cap] with its credentials masked, for messages: the
 * password of "scheme://user:password@host" and any "password=" query
 * parameter become "***". Always terminated; a url too long for out is cut
 * after masking. Print store urls only through this. */
void wf_store_redact_url(const char *url, char *out, size_t cap);

/* ---- Tenants and API keys ------------------------------------------------ */

struct wf_store_tenant {
    char id[WF_LIMIT_ID_BYTES];
    char name[256];
    char github_secret[256]; /* webhook secrets; "" = none configured */
    char gitlab_token[256];
    char generic_secret[256];
    int64_t created_ms;
};

/* Creates or updates a tenant (all fields copied). Empty secret fields keep
 * the stored value when the tenant exists. Thread-safe. */
int wf_store_tenant_put(struct wf_store *st, const struct wf_store_tenant *t);
/* WF_ENOENT when absent. */
int wf_store_tenant_get(struct wf_store *st, const char *id, struct wf_store_tenant *out);
/* Array of {"id","name","created_ms"} (no secrets). Returns owned json. */
int wf_store_tenant_list(struct wf_store *st, json_t **out);

/* Stores an API key by its SHA-256 hash (hex); the key itself is never
 * stored. key_id is a short public id ("k_ab12cd34"). */
int wf_store_key_put(struct wf_store *st, const char *tenant, const char *key_id,
                     const char *hash_hex, const char *name, int64_t created_ms);
/* Finds an unrevoked key by hash: copies its tenant and key id (buffers of
 * WF_LIMIT_ID_BYTES). WF_ENOENT when unknown or revoked. */
int wf_store_key_find(struct wf_store *st, const char *hash_hex, char *tenant, char *key_id);
/* Revokes a key of a tenant. WF_ENOENT when the tenant has no such key. */
int wf_store_key_revoke(struct wf_store *st, const char *tenant, const char *key_id);
/* Array of {"id","name","created_ms","revoked"}. */
int wf_store_key_list(struct wf_store *st, const char *tenant, json_t **out);

/* ---- Ingestion ------------------------------------------------------------ */

/* A normalized event; every string borrowed, "" or NULL when unknown. */
struct wf_store_event {
    const char *kind;        /* build|job|change|pull_request|deployment|incident */
    const char *action;      /* provider action ("completed", "opened", ...) */
    const char *repo;        /* "owner/name" or GitLab path */
    const char *branch;      /* branch or ref name */
    const char *sha;         /* commit */
    const char *external_id; /* provider id of the job/run/PR/deployment/issue */
    const char *parent_id;   /* run id of a job, pipeline id of a GitLab job, PR/MR number */
    const char *name;        /* job/workflow/environment/title */
    const char *status;      /* queued|in_progress|completed (builds/jobs), open|closed ... */
    const char *conclusion;  /* success|failure|cancelled|skipped|... */
    const char *url;         /* html url */
    int64_t occurred_ms;     /* when it happened at the provider (0 = unknown) */
    const char *data_json;   /* the whole normalized event, already redacted */
};

struct wf_store_ingest_req {
    const char *tenant;
    const char *provider; /* github|gitlab|generic|upload */
    const char *delivery; /* idempotency key: X-GitHub-Delivery, X-Gitlab-Event-UUID, ... */
    const struct wf_store_event *events;
    size_t n_events;
    int64_t received_ms;
    int enqueue_failed_jobs; /* 1: a job event whose build first becomes completed+failure
                                enqueues a "triage" job in the same transaction */
    int enqueue_pr_reviews;  /* 1: a pull_request event that opens or updates a PR/MR
                                (actions opened, synchronize, reopened, ready_for_review;
                                GitLab open, reopen, update) with a number (parent_id) and
                                a head sha enqueues a "review" job in the same transaction */
};

struct wf_store_ingest_result {
    int duplicate;       /* 1: this delivery was seen before; nothing changed */
    int64_t delivery_id; /* row id of the delivery (also for duplicates) */
    size_t n_applied;    /* events that changed a build/job state */
    size_t n_stale;      /* out-of-order events kept in the event log but not applied */
    size_t n_enqueued;   /* triage jobs enqueued */
};

/* Records a delivery and its events durably (returns after the commit's
 * fsync). Builds and jobs keep their latest state: a status of lower rank
 * (queued < in_progress < completed) never overwrites a higher one, so late
 * and redelivered events are safe. Thread-safe; concurrent calls share
 * commits. */
int wf_store_ingest(struct wf_store *st, const struct wf_store_ingest_req *req,
                    struct wf_store_ingest_result *out);

/* Called once when an asynchronous ingest has committed (rc WF_OK, res
 * filled) or failed (rc, res NULL), on the store's writer thread. It must
 * be quick and must not call into the store. */
typedef void (*wf_store_ingest_done_fn)(void *ud, int rc, const struct wf_store_ingest_result *res);

/* wf_store_ingest without waiting: queues the write into the next group
 * commit and returns WF_OK at once; done(ud, ...) follows. req and all it
 * points to are borrowed until done is called. A request refused up front
 * (WF_EINVAL, WF_ETOOBIG, WF_ENOMEM, WF_EUNAVAIL when closing) returns that
 * error and done is not called. Thread-safe. */
int wf_store_ingest_async(struct wf_store *st, const struct wf_store_ingest_req *req,
                          wf_store_ingest_done_fn done, void *ud);

/* Counters since open, for /metrics. */
struct wf_store_stats {
    uint64_t commits;       /* group commits */
    uint64_t writes;        /* write operations committed */
    uint64_t deliveries;    /* new deliveries stored */
    uint64_t duplicates;    /* duplicate deliveries answered */
    uint64_t commit_ns_sum; /* time spent in COMMIT (fsync) */
};
void wf_store_stats(struct wf_store *st, struct wf_store_stats *out);

/* ---- Builds and logs ------------------------------------------------------- */

struct wf_store_build {
    int64_t id;
    char tenant[WF_LIMIT_ID_BYTES];
    char provider[16];
    char external_id[WF_LIMIT_ID_BYTES];
    char parent_id[WF_LIMIT_ID_BYTES];
    char repo[256];
    char branch[256];
    char sha[64];
    char name[256];
    char status[32];
    char conclusion[32];
    char url[512];
    int64_t updated_ms;
    int has_log; /* 1 when a log is stored */
};

/* Finds the build (job) of (tenant, provider, external_id) or creates it
 * with the given fields (borrowed event; only identity fields are needed).
 * *id gets its row id. Used by log uploads for builds no webhook announced. */
int wf_store_build_ensure(struct wf_store *st, const char *tenant, const char *provider,
                          const struct wf_store_event *ev, int64_t *id);
/* WF_ENOENT when the tenant has no such build. */
int wf_store_build_get(struct wf_store *st, const char *tenant, int64_t id,
                       struct wf_store_build *out);
/* Finds a build by provider id. WF_ENOENT when absent. */
int wf_store_build_find(struct wf_store *st, const char *tenant, const char *provider,
                        const char *external_id, struct wf_store_build *out);
/* Stores the (already redacted) log of a build, replacing any earlier one;
 * compressed at rest. */
int wf_store_log_put(struct wf_store *st, const char *tenant, int64_t build_id, const char *text,
                     size_t len);
/* Returns the log (owned, NUL-terminated, free with wf_free). WF_ENOENT. */
int wf_store_log_get(struct wf_store *st, const char *tenant, int64_t build_id, char **out,
                     size_t *out_len);

/* ---- Failures and signatures ----------------------------------------------- */

struct wf_store_failure {
    const char *tenant;
    int64_t build_id; /* 0 for ad-hoc triage */
    const char *repo;
    const char *branch;
    const char *category;
    double confidence;
    const char *signature;     /* 16 hex digits */
    const char *step;          /* failing step name */
    const char *title;         /* one-line summary (first key line) */
    const char *report_json;   /* the full triage JSON report */
    const char *model_version; /* model that produced it */
    int64_t created_ms;
    double margin;     /* top class probability minus the runner-up's (0..1; 0 = least sure);
                          the labeling queue orders by it */
    int64_t log_bytes; /* size of the triaged log (a drift feature), 0 = unknown */
    int64_t key_lines; /* lines in the excerpt blocks (a drift feature) */
};

/* Stores a failure and updates its signature's counters (count, first and
 * last seen) in the same transaction. A second failure for the same build
 * replaces the first (re-triage) without counting twice. *id optional. */
int wf_store_failure_put(struct wf_store *st, const struct wf_store_failure *f, int64_t *id);

struct wf_store_filter {
    const char *repo; /* NULL = any */
    const char *branch;
    const char *category;
    const char *signature;
    int64_t since_ms;  /* 0 = no bound */
    int64_t until_ms;  /* 0 = no bound */
    int64_t before_id; /* page cursor: rows with id < before_id; 0 = first page */
    int limit;         /* 1..WF_LIMIT_PAGE_ITEMS, default 50 */
};

/* {"items":[{id,build_id,repo,branch,category,confidence,signature,step,
 * title,created_ms,signature_count,margin,log_bytes,key_lines,
 * model_version}],"next":<before_id or null>} newest first. Returns owned
 * json. */
int wf_store_failure_list(struct wf_store *st, const char *tenant, const struct wf_store_filter *f,
                          json_t **out);
/* One failure with its full report ("report" holds the parsed JSON) and
 * build, and "resolution": {"note","fix_commit","by","at"} (the latest
 * resolution label of its signature; "at" ISO-8601 UTC) or null. WF_ENOENT
 * when the tenant has no such failure. */
int wf_store_failure_get(struct wf_store *st, const char *tenant, int64_t id, json_t **out);
/* {"items":[{signature,category,title,count,first_seen_ms,last_seen_ms,
 * repos:[...],branches:[...],resolution}],"next":...} most recently seen
 * first; the filter's repo/branch/category/since apply. resolution as in
 * wf_store_failure_get. */
int wf_store_signature_list(struct wf_store *st, const char *tenant,
                            const struct wf_store_filter *f, json_t **out);
/* Count of failures with this signature for the tenant (0 when none). */
int wf_store_signature_count(struct wf_store *st, const char *tenant, const char *signature,
                             int64_t *count, int64_t *first_seen_ms);

/* ---- Pull request reviews -------------------------------------------------------- */

struct wf_store_review {
    const char *tenant;
    const char *provider; /* github|gitlab */
    const char *repo;
    const char *number; /* PR number / MR iid */
    const char *sha;    /* head commit reviewed */
    double score;       /* risk score 0-100, < 0 when not computed */
    int n_findings;
    const char *report_json; /* {"risk":...,"findings":[...]} */
    int posted;              /* 1 when posted to the provider */
    int64_t created_ms;
};

/* Stores the review of one PR head (a later review of the same head
 * replaces it). *id optional. */
int wf_store_review_put(struct wf_store *st, const struct wf_store_review *r, int64_t *id);
/* {"items":[{id,provider,repo,number,sha,score,findings,posted,created_ms,
 * report}]} newest first, at most 50; repo/number NULL = any. */
int wf_store_review_list(struct wf_store *st, const char *tenant, const char *repo,
                         const char *number, json_t **out);

/* ---- Job queue primitives (used by src/queue) --------------------------------- */

struct wf_store_job {
    int64_t id;
    char tenant[WF_LIMIT_ID_BYTES];
    char kind[32];
    char *payload; /* owned JSON text, free with wf_store_job_cleanup */
    int attempts;  /* including this one */
    int max_attempts;
    int64_t lease_token; /* proves the lease on ack/retry/dead */
    char last_error[256];
};
void wf_store_job_cleanup(struct wf_store_job *j);

int wf_store_job_push(struct wf_store *st, const char *tenant, const char *kind,
                      const char *payload_json, int max_attempts, int64_t available_ms,
                      int64_t *id);
/* Leases the oldest ready job (available_ms <= now_ms, or leased with an
 * expired lease) until now_ms + lease_ms; attempts += 1. WF_ENOENT when none. */
int wf_store_job_claim(struct wf_store *st, int64_t now_ms, int64_t lease_ms,
                       struct wf_store_job *out);
/* Completes a leased job. WF_ECONFLICT when the lease was lost. */
int wf_store_job_ack(struct wf_store *st, int64_t id, int64_t lease_token);
/* Makes the job ready again at available_ms with error recorded. */
int wf_store_job_retry(struct wf_store *st, int64_t id, int64_t lease_token, int64_t available_ms,
                       const char *error);
/* Moves the job to the dead-letter state. */
int wf_store_job_dead(struct wf_store *st, int64_t id, int64_t lease_token, const char *error);

struct wf_store_job_counts {
    int64_t ready;  /* waiting, including scheduled retries */
    int64_t leased; /* being worked on */
    int64_t done;
    int64_t dead;
};
int wf_store_job_counts(struct wf_store *st, struct wf_store_job_counts *out);
/* Dead-lettered jobs of a tenant: [{id,kind,attempts,last_error,...}]. */
int wf_store_job_dead_list(struct wf_store *st, const char *tenant, json_t **out);

/* ---- Event log ------------------------------------------------------------------ */

/* Called once per stored event; ev and every string in it are borrowed for
 * the call only. A non-zero return stops the read and is returned. */
typedef int (*wf_store_event_fn)(void *ud, const struct wf_store_event *ev);

/* Streams a tenant's stored events of one kind ("deployment", "change",
 * ...) with since_ms <= occurred_ms < until_ms to fn, oldest first, one row
 * at a time (memory stays bounded). Redelivered events were dropped at
 * ingest by delivery id; the same event under two delivery ids is returned
 * twice. WF_EINVAL (bad tenant, kind, range or NULL fn), store errors, or
 * fn's code. Thread-safe (one read connection for the call). */
int wf_store_events_read(struct wf_store *st, const char *tenant, const char *kind,
                         int64_t since_ms, int64_t until_ms, wf_store_event_fn fn, void *ud);

/* ---- Knowledge base ----------------------------------------------------------- */

/* Caps the store enforces on one document (the kb module keeps tighter
 * per-tenant caps). */
#define WF_STORE_KB_NAME_BYTES 512u        /* a document name ("runbooks/disk.md") */
#define WF_STORE_KB_CHUNKS 65536u          /* chunks of one document */
#define WF_STORE_KB_TEXT_BYTES (64u << 20) /* redacted source text of one document */
#define WF_STORE_KB_HEADING_BYTES 1024u    /* heading path of one chunk */
#define WF_STORE_KB_DIM 8192u              /* floats in one chunk vector */
#define WF_STORE_KB_MODEL_BYTES 256u       /* embedding model id */

/* One chunk of a document, as stored. Everything borrowed. */
struct wf_store_kb_chunk {
    uint32_t seq;                  /* 0-based position in the document, unique per document */
    const char *heading;           /* "Install > Debian", "" when none */
    uint32_t line_start, line_end; /* 1-based, inclusive, in the stored source text */
    const char *text;              /* redacted chunk text (len bytes, UTF-8) */
    size_t len;                    /* bytes of text */
    const float *vec;              /* dim floats (L2-normalised), NULL = no vector */
    size_t dim;                    /* 0 when vec is NULL */
    const char *embed_model;       /* model of vec ("builtin:hash-ngram-v2/256"); "" when none */
};

/* A document with all its chunks, written in one transaction. Borrowed. */
struct wf_store_kb_doc {
    const char *tenant;
    const char *name;   /* unique per tenant: putting the same name again replaces it */
    const char *format; /* "text", "markdown", "html", "pdf" */
    const char *sha256; /* 64 hex digits of the uploaded content (before redaction) */
    int64_t bytes;      /* bytes of the uploaded content */
    const char *text;   /* the redacted source text (PDF: the extracted text); compressed at rest */
    size_t text_len;
    const struct wf_store_kb_chunk *chunks;
    size_t n_chunks;
    int64_t now_ms; /* added/updated time; 0 = wf_store_now_ms() */
};

/* A stored document's row (no text). */
struct wf_store_kb_info {
    int64_t id;
    char name[WF_STORE_KB_NAME_BYTES];
    char format[16];
    char sha256[65];
    int64_t bytes;
    int64_t n_chunks;
    int64_t added_ms;
    int64_t updated_ms;
};

/* Inserts a document, or replaces the document of the same (tenant, name)
 * and ALL its chunks, in one transaction through the writer (readers see
 * the old or the new document, never a mix). Replacing keeps the id and
 * added time. *id (optional) gets the id, *replaced (optional) 1 when a
 * document was replaced. WF_EINVAL (bad names, format, sha256, duplicate
 * or unordered seq, vector without model), WF_ETOOBIG past the caps above.
 * Thread-safe. */
int wf_store_kb_doc_put(struct wf_store *st, const struct wf_store_kb_doc *d, int64_t *id,
                        int *replaced);
/* Deletes a document and its chunks. WF_ENOENT when the tenant has none
 * with that id. */
int wf_store_kb_doc_delete(struct wf_store *st, const char *tenant, int64_t id);
/* {"documents":[{id,name,format,sha256,bytes,chunks,added_ms,updated_ms}]}
 * ordered by name, at most WF_STORE_KB_LIST_MAX. Returns owned json. */
#define WF_STORE_KB_LIST_MAX 100000u
int wf_store_kb_doc_list(struct wf_store *st, const char *tenant, json_t **out);
/* One document by id (name NULL) or by name (id ignored). *text (optional)
 * gets the redacted source text (owned, NUL-terminated, free with wf_free)
 * and *text_len its length. WF_ENOENT when absent. */
int wf_store_kb_doc_get(struct wf_store *st, const char *tenant, int64_t id, const char *name,
                        struct wf_store_kb_info *out, char **text, size_t *text_len);

/* One stored chunk handed to a wf_store_kb_chunk_fn. */
struct wf_store_kb_row {
    int64_t doc_id;
    const char *doc_name;
    struct wf_store_kb_chunk
        chunk; /* vec is an aligned copy; every pointer borrowed for the call */
};
/* Called once per chunk; a non-zero return stops the read and is returned. */
typedef int (*wf_store_kb_chunk_fn)(void *ud, const struct wf_store_kb_row *row);
/* Streams every chunk of a tenant (doc_id > 0: of that document only) to
 * fn ordered by (doc_id, seq), one row at a time: a document's chunks are
 * consecutive. For rebuilding the search index at start-up and for
 * re-embedding. fn must not call into the store. Thread-safe. */
int wf_store_kb_chunks_read(struct wf_store *st, const char *tenant, int64_t doc_id,
                            wf_store_kb_chunk_fn fn, void *ud);
/* Replaces the vectors of a document's chunks (vecs: n x dim floats in seq
 * order, n = the document's chunk count) and their model, in one
 * transaction. WF_ENOENT when the document is absent, WF_ECONFLICT when n
 * is not its chunk count. Used by re-indexing. */
int wf_store_kb_vectors_put(struct wf_store *st, const char *tenant, int64_t doc_id,
                            const float *vecs, size_t n, size_t dim, const char *embed_model);
/* ---- Feedback labels --------------------------------------------------------------- */

/* Bytes of a label's note or comment. */
#define WF_STORE_NOTE_BYTES 4096u

/* One piece of feedback; strings borrowed, "" or NULL when not used by the
 * kind. Free text (note) must already be redacted. */
struct wf_store_label {
    const char *tenant;
    const char *kind;       /* category | helpful | resolution | pr_outcome */
    int64_t failure_id;     /* category, helpful on a failure: the failure labelled */
    const char *value;      /* category name; "yes"/"no" (helpful); "defect"/"clean" */
    const char *target;     /* helpful: "failure" or "answer" */
    const char *target_id;  /* helpful: id of the failure or answer */
    const char *signature;  /* resolution: the failure signature */
    const char *note;       /* resolution note or helpful comment (redacted) */
    const char *fix_commit; /* resolution: commit that fixed it */
    const char *repo;       /* pr_outcome: "owner/name" */
    int64_t number;         /* pr_outcome: PR/MR number */
    const char *by;         /* who: API key id, JWT subject or CLI user */
    int64_t created_ms;     /* 0 = now */
};

/* Stores a label. WF_ENOENT when a category/helpful-on-failure label names
 * a failure the tenant does not have, or a resolution names a signature it
 * has never seen (checked in the same transaction). WF_EINVAL on an
 * unknown kind or missing field. *id optional. Thread-safe. */
int wf_store_label_put(struct wf_store *st, const struct wf_store_label *l, int64_t *id);

struct wf_store_label_filter {
    const char *kind;      /* NULL = any */
    int64_t failure_id;    /* 0 = any */
    const char *signature; /* NULL = any */
    int64_t since_ms;      /* created_ms >= since_ms; 0 = no bound */
    int64_t before_id;     /* page cursor; 0 = first page */
    int limit;             /* 1..WF_LIMIT_PAGE_ITEMS, default 50 */
};

/* {"items":[{id,kind,failure_id,value,target,target_id,signature,note,
 * fix_commit,repo,number,by,created_ms}],"next":<before_id or null>}
 * newest first. Returns owned json. */
int wf_store_label_list(struct wf_store *st, const char *tenant,
                        const struct wf_store_label_filter *f, json_t **out);

/* The labeling queue: {"items":[{id,title,category,confidence,margin,
 * signature,created_ms}]} of failures that have no category label yet,
 * smallest margin first (ties: newest first), at most limit
 * (1..WF_LIMIT_PAGE_ITEMS). Returns owned json. */
int wf_store_label_queue(struct wf_store *st, const char *tenant, int limit, json_t **out);

/* ---- Model versions ------------------------------------------------------------------ */

/* A trained model kept as a versioned artefact; strings borrowed. */
struct wf_store_model {
    const char *tenant;
    const char *kind;           /* triage | risk */
    const char *status;         /* candidate | active | retired | rejected */
    const char *training_hash;  /* hex SHA-256 of the canonical training records */
    const char *metrics_json;   /* held-out metrics (an object) */
    const char *reference_json; /* reference histograms for drift (an object) */
    const char *reason;         /* why it was promoted or rejected */
    int64_t n_labels;           /* tenant labels it was trained with */
    const char *model_text;     /* the model in the ml text format */
    int64_t created_ms;         /* 0 = now */
};

/* Stores a new version (1 + the highest of the tenant's kind) and returns
 * it in *version. A model stored "active" retires the active one in the
 * same transaction. WF_EINVAL on a bad kind/status or JSON that is not an
 * object, WF_ETOOBIG past WF_LIMIT_MODEL_BYTES. Thread-safe. */
int wf_store_model_put(struct wf_store *st, const struct wf_store_model *m, int64_t *version);
/* {"items":[{kind,version,status,created_ms,training_hash,metrics,
 * reference,reason,n_labels}]} newest first (no model text); kind NULL =
 * both kinds. Returns owned json. */
int wf_store_model_list(struct wf_store *st, const char *tenant, const char *kind, json_t **out);
/* One version (version 0 = the active one) as in the list plus "model" (the
 * text). WF_ENOENT when there is none. Returns owned json. */
int wf_store_model_get(struct wf_store *st, const char *tenant, const char *kind, int64_t version,
                       json_t **out);
/* Makes version the active one of its kind; the previously active one
 * becomes retired. WF_ENOENT when absent, WF_ECONFLICT when it was
 * rejected. Thread-safe. */
int wf_store_model_activate(struct wf_store *st, const char *tenant, const char *kind,
                            int64_t version);

/* ---- Notices (stored warnings) ----------------------------------------------------------- */

/* Records a notice of kind ("model_drift") once per (tenant, kind, key):
 * *created is 1 when stored now, 0 when the key existed (nothing written).
 * data_json is an object. Thread-safe. */
int wf_store_notice_put(struct wf_store *st, const char *tenant, const char *kind, const char *key,
                        const char *data_json, int64_t created_ms, int *created);
/* {"items":[{id,kind,key,data,created_ms}]} newest first, at most 100,
 * created_ms >= since_ms. Returns owned json. */
int wf_store_notice_list(struct wf_store *st, const char *tenant, const char *kind,
                         int64_t since_ms, json_t **out);

/* Wall-clock milliseconds since the epoch (what *_ms columns hold). */
int64_t wf_store_now_ms(void);

#endif
