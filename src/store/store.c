/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public face of the store: picks the backend from the url, checks
 * every argument once (so backends can trust them) and dispatches through
 * the backend's ops table. Also holds what does not depend on a backend:
 * status ranks, the failed-build rule, log compression and the wall clock.
 */
#include "store/store_int.h"

#include <string.h>
#include <time.h>
#include <zlib.h>

/* A tenant, key, delivery or provider id: non-empty and bounded. */
static int id_ok(const char *s)
{
    return s && s[0] && strlen(s) < WF_LIMIT_ID_BYTES;
}

static int opt_ok(const char *s, size_t cap)
{
    return !s || strlen(s) < cap;
}

int wf_store_open(const struct wf_store_opts *opts, struct wf_store **out, struct wf_buf *err)
{
    static const struct {
        const char *prefix;
        const struct wf_store_ops *ops;
    } schemes[] = {
        {"sqlite://", &wf_store__sqlite_ops},
        {"sqlite:", &wf_store__sqlite_ops},
    };
    const struct wf_store_ops *ops = &wf_store__sqlite_ops;
    struct wf_store *st = NULL;
    int rc = WF_OK;
    if (!opts || !out || !opts->url || !opts->url[0]) {
        if (err)
            wf_buf_puts(err, "store: no url");
        return WF_EINVAL;
    }
    const char *target = opts->url;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        size_t n = strlen(schemes[i].prefix);
        if (strncmp(target, schemes[i].prefix, n) == 0) {
            ops = schemes[i].ops;
            target += n;
            break;
        }
    }
    if (strstr(target, "://") || !target[0] || strlen(target) >= WF_LIMIT_PATH_BYTES) {
        if (err)
            wf_buf_appendf(err, "store: unsupported store url '%.200s' (this build has sqlite)",
                           opts->url);
        return WF_EINVAL;
    }
    st = wf_calloc(1, sizeof(*st));
    if (!st)
        return WF_ENOMEM;
    st->ops = ops;
    rc = ops->open(st, target, opts, err);
    if (rc)
        goto out;
    *out = st;
    st = NULL;
out:
    wf_free(st);
    return rc;
}

void wf_store_close(struct wf_store *st)
{
    if (!st)
        return;
    st->ops->close(st);
    wf_free(st);
}

int wf_store_ping(struct wf_store *st)
{
    return st ? st->ops->ping(st) : WF_EINVAL;
}

const char *wf_store_backend(const struct wf_store *st)
{
    return st ? st->ops->name : "";
}

/* ---- Tenants and keys ------------------------------------------------------ */

int wf_store_tenant_put(struct wf_store *st, const struct wf_store_tenant *t)
{
    if (!st || !t || !t->id[0] || strnlen(t->id, sizeof(t->id)) == sizeof(t->id))
        return WF_EINVAL;
    return st->ops->tenant_put(st, t);
}

int wf_store_tenant_get(struct wf_store *st, const char *id, struct wf_store_tenant *out)
{
    if (!st || !out || !id_ok(id))
        return WF_EINVAL;
    return st->ops->tenant_get(st, id, out);
}

int wf_store_tenant_list(struct wf_store *st, json_t **out)
{
    if (!st || !out)
        return WF_EINVAL;
    return st->ops->tenant_list(st, out);
}

int wf_store_key_put(struct wf_store *st, const char *tenant, const char *key_id,
                     const char *hash_hex, const char *name, int64_t created_ms)
{
    if (!st || !id_ok(tenant) || !id_ok(key_id) || !hash_hex || strlen(hash_hex) != 64 ||
        !opt_ok(name, 256))
        return WF_EINVAL;
    return st->ops->key_put(st, tenant, key_id, hash_hex, name ? name : "", created_ms);
}

int wf_store_key_find(struct wf_store *st, const char *hash_hex, char *tenant, char *key_id)
{
    if (!st || !hash_hex || strlen(hash_hex) != 64 || !tenant || !key_id)
        return WF_EINVAL;
    return st->ops->key_find(st, hash_hex, tenant, key_id);
}

int wf_store_key_revoke(struct wf_store *st, const char *tenant, const char *key_id)
{
    if (!st || !id_ok(tenant) || !id_ok(key_id))
        return WF_EINVAL;
    return st->ops->key_revoke(st, tenant, key_id);
}

int wf_store_key_list(struct wf_store *st, const char *tenant, json_t **out)
{
    if (!st || !id_ok(tenant) || !out)
        return WF_EINVAL;
    return st->ops->key_list(st, tenant, out);
}

/* ---- Ingestion ----------------------------------------------------------------- */

static int ingest_check(const struct wf_store_ingest_req *req)
{
    if (!id_ok(req->tenant) || !id_ok(req->provider) || !id_ok(req->delivery) ||
        (req->n_events && !req->events))
        return WF_EINVAL;
    if (req->n_events > WF_STORE__MAX_EVENTS)
        return WF_ETOOBIG;
    for (size_t i = 0; i < req->n_events; i++) {
        const struct wf_store_event *ev = &req->events[i];
        if (!ev->kind || !ev->kind[0] || !opt_ok(ev->external_id, WF_LIMIT_ID_BYTES) ||
            !opt_ok(ev->parent_id, WF_LIMIT_ID_BYTES))
            return WF_EINVAL;
        if (ev->data_json && strlen(ev->data_json) > WF_LIMIT_JSON_BYTES)
            return WF_ETOOBIG;
    }
    return WF_OK;
}

int wf_store_ingest_async(struct wf_store *st, const struct wf_store_ingest_req *req,
                          wf_store_ingest_done_fn done, void *ud)
{
    if (!st || !req || !done)
        return WF_EINVAL;
    int rc = ingest_check(req);
    return rc ? rc : st->ops->ingest_async(st, req, done, ud);
}

int wf_store_ingest(struct wf_store *st, const struct wf_store_ingest_req *req,
                    struct wf_store_ingest_result *out)
{
    if (!st || !req || !out)
        return WF_EINVAL;
    int rc = ingest_check(req);
    return rc ? rc : st->ops->ingest(st, req, out);
}

int wf_store_review_put(struct wf_store *st, const struct wf_store_review *r, int64_t *id)
{
    if (!st || !r || !id_ok(r->tenant) || !id_ok(r->provider) || !id_ok(r->number) || !r->repo ||
        !r->repo[0] || !r->sha || !r->report_json)
        return WF_EINVAL;
    if (strlen(r->report_json) > WF_LIMIT_JSON_BYTES)
        return WF_ETOOBIG;
    return st->ops->review_put(st, r, id);
}

int wf_store_review_list(struct wf_store *st, const char *tenant, const char *repo,
                         const char *number, json_t **out)
{
    if (!st || !id_ok(tenant) || !out)
        return WF_EINVAL;
    return st->ops->review_list(st, tenant, repo, number, out);
}

void wf_store_stats(struct wf_store *st, struct wf_store_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (st)
        st->ops->stats(st, out);
}

/* ---- Builds and logs ----------------------------------------------------------- */

int wf_store_build_ensure(struct wf_store *st, const char *tenant, const char *provider,
                          const struct wf_store_event *ev, int64_t *id)
{
    if (!st || !id_ok(tenant) || !id_ok(provider) || !ev || !id_ok(ev->external_id) || !id ||
        !opt_ok(ev->parent_id, WF_LIMIT_ID_BYTES))
        return WF_EINVAL;
    return st->ops->build_ensure(st, tenant, provider, ev, id);
}

int wf_store_build_get(struct wf_store *st, const char *tenant, int64_t id,
                       struct wf_store_build *out)
{
    if (!st || !id_ok(tenant) || !out)
        return WF_EINVAL;
    return st->ops->build_get(st, tenant, id, out);
}

int wf_store_build_find(struct wf_store *st, const char *tenant, const char *provider,
                        const char *external_id, struct wf_store_build *out)
{
    if (!st || !id_ok(tenant) || !id_ok(provider) || !id_ok(external_id) || !out)
        return WF_EINVAL;
    return st->ops->build_find(st, tenant, provider, external_id, out);
}

int wf_store_log_put(struct wf_store *st, const char *tenant, int64_t build_id, const char *text,
                     size_t len)
{
    if (!st || !id_ok(tenant) || build_id <= 0 || (!text && len))
        return WF_EINVAL;
    if (len > WF_LIMIT_LOG_UPLOAD_BYTES)
        return WF_ETOOBIG;
    return st->ops->log_put(st, tenant, build_id, text ? text : "", len);
}

int wf_store_log_get(struct wf_store *st, const char *tenant, int64_t build_id, char **out,
                     size_t *out_len)
{
    if (!st || !id_ok(tenant) || !out || !out_len)
        return WF_EINVAL;
    return st->ops->log_get(st, tenant, build_id, out, out_len);
}

/* ---- Failures and signatures ------------------------------------------------------ */

int wf_store_failure_put(struct wf_store *st, const struct wf_store_failure *f, int64_t *id)
{
    if (!st || !f || !id_ok(f->tenant) || f->build_id < 0 || !f->signature || !f->signature[0] ||
        strlen(f->signature) > 64 || !opt_ok(f->category, 64) || !opt_ok(f->repo, 256) ||
        !opt_ok(f->branch, 256) || !opt_ok(f->step, WF_LIMIT_STEP_NAME_BYTES + 1) ||
        !opt_ok(f->title, 4096) || !opt_ok(f->model_version, 256))
        return WF_EINVAL;
    if (f->report_json && strlen(f->report_json) > WF_LIMIT_JSON_BYTES)
        return WF_ETOOBIG;
    return st->ops->failure_put(st, f, id);
}

static int filter_ok(const struct wf_store_filter *f)
{
    return !f || (opt_ok(f->repo, 256) && opt_ok(f->branch, 256) && opt_ok(f->category, 64) &&
                  opt_ok(f->signature, 65) && f->limit >= 0 && f->before_id >= 0);
}

int wf_store_failure_list(struct wf_store *st, const char *tenant, const struct wf_store_filter *f,
                          json_t **out)
{
    if (!st || !id_ok(tenant) || !out || !filter_ok(f))
        return WF_EINVAL;
    return st->ops->failure_list(st, tenant, f, out);
}

int wf_store_failure_get(struct wf_store *st, const char *tenant, int64_t id, json_t **out)
{
    if (!st || !id_ok(tenant) || !out)
        return WF_EINVAL;
    return st->ops->failure_get(st, tenant, id, out);
}

int wf_store_signature_list(struct wf_store *st, const char *tenant,
                            const struct wf_store_filter *f, json_t **out)
{
    if (!st || !id_ok(tenant) || !out || !filter_ok(f))
        return WF_EINVAL;
    return st->ops->signature_list(st, tenant, f, out);
}

int wf_store_signature_count(struct wf_store *st, const char *tenant, const char *signature,
                             int64_t *count, int64_t *first_seen_ms)
{
    if (!st || !id_ok(tenant) || !signature || !count || strlen(signature) > 64)
        return WF_EINVAL;
    return st->ops->signature_count(st, tenant, signature, count, first_seen_ms);
}

/* ---- Jobs ---------------------------------------------------------------------------- */

void wf_store_job_cleanup(struct wf_store_job *j)
{
    if (!j)
        return;
    wf_free(j->payload);
    j->payload = NULL;
}

int wf_store_job_push(struct wf_store *st, const char *tenant, const char *kind,
                      const char *payload_json, int max_attempts, int64_t available_ms, int64_t *id)
{
    if (!st || !id_ok(tenant) || !kind || !kind[0] || strlen(kind) >= 32 || max_attempts < 1)
        return WF_EINVAL;
    if (payload_json && strlen(payload_json) > WF_LIMIT_JSON_BYTES)
        return WF_ETOOBIG;
    return st->ops->job_push(st, tenant, kind, payload_json ? payload_json : "{}", max_attempts,
                             available_ms, id);
}

int wf_store_job_claim(struct wf_store *st, int64_t now_ms, int64_t lease_ms,
                       struct wf_store_job *out)
{
    if (!st || !out || lease_ms <= 0)
        return WF_EINVAL;
    return st->ops->job_claim(st, now_ms, lease_ms, out);
}

int wf_store_job_ack(struct wf_store *st, int64_t id, int64_t lease_token)
{
    if (!st || id <= 0)
        return WF_EINVAL;
    return st->ops->job_ack(st, id, lease_token);
}

int wf_store_job_retry(struct wf_store *st, int64_t id, int64_t lease_token, int64_t available_ms,
                       const char *error)
{
    if (!st || id <= 0)
        return WF_EINVAL;
    return st->ops->job_retry(st, id, lease_token, available_ms, error ? error : "");
}

int wf_store_job_dead(struct wf_store *st, int64_t id, int64_t lease_token, const char *error)
{
    if (!st || id <= 0)
        return WF_EINVAL;
    return st->ops->job_dead(st, id, lease_token, error ? error : "");
}

int wf_store_job_counts(struct wf_store *st, struct wf_store_job_counts *out)
{
    if (!st || !out)
        return WF_EINVAL;
    return st->ops->job_counts(st, out);
}

int wf_store_job_dead_list(struct wf_store *st, const char *tenant, json_t **out)
{
    if (!st || !id_ok(tenant) || !out)
        return WF_EINVAL;
    return st->ops->job_dead_list(st, tenant, out);
}

int wf_store_events_read(struct wf_store *st, const char *tenant, const char *kind,
                         int64_t since_ms, int64_t until_ms, wf_store_event_fn fn, void *ud)
{
    if (!st || !id_ok(tenant) || !kind || !kind[0] || strlen(kind) > 32 || !fn ||
        since_ms > until_ms)
        return WF_EINVAL;
    return st->ops->events_read(st, tenant, kind, since_ms, until_ms, fn, ud);
}

/* ---- Knowledge base ------------------------------------------------------------ */

static int hex64_ok(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

static int kb_format_ok(const char *f)
{
    return f && (strcmp(f, "text") == 0 || strcmp(f, "markdown") == 0 || strcmp(f, "html") == 0 ||
                 strcmp(f, "pdf") == 0);
}

static int kb_name_ok(const char *n)
{
    return n && n[0] && strlen(n) < WF_STORE_KB_NAME_BYTES;
}

int wf_store_kb_doc_put(struct wf_store *st, const struct wf_store_kb_doc *d, int64_t *id,
                        int *replaced)
{
    if (!st || !d || !id_ok(d->tenant) || !kb_name_ok(d->name) || !kb_format_ok(d->format) ||
        !hex64_ok(d->sha256) || d->bytes < 0 || (!d->text && d->text_len) ||
        (!d->chunks && d->n_chunks))
        return WF_EINVAL;
    if (d->text_len > WF_STORE_KB_TEXT_BYTES || d->n_chunks > WF_STORE_KB_CHUNKS)
        return WF_ETOOBIG;
    for (size_t i = 0; i < d->n_chunks; i++) {
        const struct wf_store_kb_chunk *c = &d->chunks[i];
        /* seq strictly increasing: unique, and chunks_read returns them in this order */
        if ((i > 0 && c->seq <= d->chunks[i - 1].seq) || (!c->text && c->len) ||
            c->line_start > c->line_end || (c->vec && !c->dim) || (!c->vec && c->dim))
            return WF_EINVAL;
        if (c->vec && (!c->embed_model || !c->embed_model[0]))
            return WF_EINVAL;
        if ((c->heading && strlen(c->heading) >= WF_STORE_KB_HEADING_BYTES) ||
            c->dim > WF_STORE_KB_DIM ||
            (c->embed_model && strlen(c->embed_model) >= WF_STORE_KB_MODEL_BYTES) ||
            c->len > WF_STORE_KB_TEXT_BYTES)
            return WF_ETOOBIG;
    }
    return st->ops->kb_doc_put(st, d, id, replaced);
}

int wf_store_kb_doc_delete(struct wf_store *st, const char *tenant, int64_t id)
{
    if (!st || !id_ok(tenant) || id <= 0)
        return WF_EINVAL;
    return st->ops->kb_doc_delete(st, tenant, id);
}

int wf_store_kb_doc_list(struct wf_store *st, const char *tenant, json_t **out)
{
    if (!st || !id_ok(tenant) || !out)
        return WF_EINVAL;
    return st->ops->kb_doc_list(st, tenant, out);
}

int wf_store_kb_doc_get(struct wf_store *st, const char *tenant, int64_t id, const char *name,
                        struct wf_store_kb_info *out, char **text, size_t *text_len)
{
    if (!st || !id_ok(tenant) || !out || (name && !kb_name_ok(name)) || (!name && id <= 0) ||
        (text && !text_len))
        return WF_EINVAL;
    return st->ops->kb_doc_get(st, tenant, id, name, out, text, text_len);
}

int wf_store_kb_chunks_read(struct wf_store *st, const char *tenant, int64_t doc_id,
                            wf_store_kb_chunk_fn fn, void *ud)
{
    if (!st || !id_ok(tenant) || doc_id < 0 || !fn)
        return WF_EINVAL;
    return st->ops->kb_chunks_read(st, tenant, doc_id, fn, ud);
}

int wf_store_kb_vectors_put(struct wf_store *st, const char *tenant, int64_t doc_id,
                            const float *vecs, size_t n, size_t dim, const char *embed_model)
{
    if (!st || !id_ok(tenant) || doc_id <= 0 || (!vecs && n) || !dim || !embed_model ||
        !embed_model[0])
        return WF_EINVAL;
    if (dim > WF_STORE_KB_DIM || n > WF_STORE_KB_CHUNKS ||
        strlen(embed_model) >= WF_STORE_KB_MODEL_BYTES)
        return WF_ETOOBIG;
    return st->ops->kb_vectors_put(st, tenant, doc_id, vecs, n, dim, embed_model);
}

int64_t wf_store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Shared helpers ---------------------------------------------------------------- */

int wf_store__status_rank(const char *status)
{
    /* GitHub (check runs, workflow jobs/runs) and GitLab (jobs, pipelines) */
    static const struct {
        const char *name;
        int rank;
    } ranks[] = {
        {"queued", 1},    {"waiting", 1},     {"pending", 1},   {"requested", 1},
        {"created", 1},   {"scheduled", 1},   {"preparing", 1}, {"waiting_for_resource", 1},
        {"manual", 1},    {"in_progress", 2}, {"running", 2},   {"completed", 3},
        {"success", 3},   {"failed", 3},      {"failure", 3},   {"canceled", 3},
        {"cancelled", 3}, {"skipped", 3},     {"timed_out", 3}, {"error", 3},
    };
    if (!status)
        return 0;
    for (size_t i = 0; i < sizeof(ranks) / sizeof(ranks[0]); i++)
        if (strcmp(status, ranks[i].name) == 0)
            return ranks[i].rank;
    return 0;
}

static int failed_word(const char *s)
{
    return s &&
           (strcmp(s, "failure") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "timed_out") == 0);
}

int wf_store__is_failed(const char *status, const char *conclusion)
{
    if (wf_store__status_rank(status) != 3)
        return 0;
    return failed_word(conclusion) || ((!conclusion || !conclusion[0]) && failed_word(status));
}

int wf_store__compress(const char *text, size_t len, unsigned char **out, size_t *out_len)
{
    uLongf n = compressBound((uLong)len);
    unsigned char *p = wf_malloc(n ? n : 1);
    if (!p)
        return WF_ENOMEM;
    int zrc = compress2(p, &n, (const Bytef *)text, (uLong)len, 1);
    if (zrc != Z_OK) {
        wf_free(p);
        return zrc == Z_MEM_ERROR ? WF_ENOMEM : WF_ETOOBIG;
    }
    *out = p;
    *out_len = n;
    return WF_OK;
}

int wf_store__uncompress(const unsigned char *blob, size_t blob_len, size_t raw_len, char **out)
{
    if (raw_len > WF_LIMIT_LOG_UPLOAD_BYTES)
        return WF_ETOOBIG;
    char *p = wf_malloc(raw_len + 1);
    if (!p)
        return WF_ENOMEM;
    uLongf n = (uLongf)raw_len;
    int zrc = uncompress((Bytef *)p, &n, blob, (uLong)blob_len);
    if (zrc != Z_OK || n != raw_len) {
        wf_free(p);
        return zrc == Z_MEM_ERROR ? WF_ENOMEM : WF_EFORMAT;
    }
    p[raw_len] = '\0';
    *out = p;
    return WF_OK;
}

void wf_store__copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- Feedback labels, model versions, notices ------------------------------------ */

static int one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

static int nonempty(const char *s, size_t cap)
{
    return s && s[0] && strlen(s) < cap;
}

int wf_store_label_put(struct wf_store *st, const struct wf_store_label *l, int64_t *id)
{
    if (!st || !l || !id_ok(l->tenant) || !l->kind || !id_ok(l->by) || !opt_ok(l->value, 64) ||
        !opt_ok(l->target, 16) || !opt_ok(l->target_id, WF_LIMIT_ID_BYTES) ||
        !opt_ok(l->signature, 65) || !opt_ok(l->fix_commit, 65) || !opt_ok(l->repo, 256) ||
        l->failure_id < 0 || l->number < 0)
        return WF_EINVAL;
    if (l->note && strlen(l->note) > WF_STORE_NOTE_BYTES)
        return WF_ETOOBIG;
    int ok;
    if (strcmp(l->kind, "category") == 0)
        ok = l->failure_id > 0 && nonempty(l->value, 64);
    else if (strcmp(l->kind, "helpful") == 0)
        ok = l->value && (strcmp(l->value, "yes") == 0 || strcmp(l->value, "no") == 0) &&
             l->target && nonempty(l->target_id, WF_LIMIT_ID_BYTES) &&
             (strcmp(l->target, "answer") == 0 ||
              (strcmp(l->target, "failure") == 0 && l->failure_id > 0));
    else if (strcmp(l->kind, "resolution") == 0)
        ok = nonempty(l->signature, 65);
    else if (strcmp(l->kind, "pr_outcome") == 0)
        ok = nonempty(l->repo, 256) && l->number > 0 && l->value &&
             (strcmp(l->value, "defect") == 0 || strcmp(l->value, "clean") == 0);
    else
        ok = 0;
    return ok ? st->ops->label_put(st, l, id) : WF_EINVAL;
}

int wf_store_label_list(struct wf_store *st, const char *tenant,
                        const struct wf_store_label_filter *f, json_t **out)
{
    if (!st || !id_ok(tenant) || !out ||
        (f && (!opt_ok(f->kind, 32) || !opt_ok(f->signature, 65) || f->limit < 0 ||
               f->before_id < 0 || f->failure_id < 0)))
        return WF_EINVAL;
    return st->ops->label_list(st, tenant, f, out);
}

int wf_store_label_queue(struct wf_store *st, const char *tenant, int limit, json_t **out)
{
    if (!st || !id_ok(tenant) || !out || limit < 1 || limit > (int)WF_LIMIT_PAGE_ITEMS)
        return WF_EINVAL;
    return st->ops->label_queue(st, tenant, limit, out);
}

static const char *const model_kinds[] = {"triage", "risk"};
static const char *const model_states[] = {"candidate", "active", "retired", "rejected"};

/* 1 when s is NULL/"" or a JSON object. */
static int json_object_ok(const char *s)
{
    if (!s || !s[0])
        return 1;
    json_t *j = json_loads(s, 0, NULL);
    int ok = json_is_object(j);
    json_decref(j);
    return ok;
}

int wf_store_model_put(struct wf_store *st, const struct wf_store_model *m, int64_t *version)
{
    if (!st || !m || !version || !id_ok(m->tenant) || !one_of(m->kind, model_kinds, 2) ||
        !one_of(m->status, model_states, 4) || !m->model_text || !m->model_text[0] ||
        !opt_ok(m->training_hash, 65) || !opt_ok(m->reason, 1024) || m->n_labels < 0)
        return WF_EINVAL;
    if (strlen(m->model_text) > WF_LIMIT_MODEL_BYTES ||
        (m->metrics_json && strlen(m->metrics_json) > WF_LIMIT_JSON_BYTES) ||
        (m->reference_json && strlen(m->reference_json) > WF_LIMIT_JSON_BYTES))
        return WF_ETOOBIG;
    if (!json_object_ok(m->metrics_json) || !json_object_ok(m->reference_json))
        return WF_EINVAL;
    return st->ops->model_put(st, m, version);
}

int wf_store_model_list(struct wf_store *st, const char *tenant, const char *kind, json_t **out)
{
    if (!st || !id_ok(tenant) || !out || (kind && !one_of(kind, model_kinds, 2)))
        return WF_EINVAL;
    return st->ops->model_list(st, tenant, kind, out);
}

int wf_store_model_get(struct wf_store *st, const char *tenant, const char *kind, int64_t version,
                       json_t **out)
{
    if (!st || !id_ok(tenant) || !out || !one_of(kind, model_kinds, 2) || version < 0)
        return WF_EINVAL;
    return st->ops->model_get(st, tenant, kind, version, out);
}

int wf_store_model_activate(struct wf_store *st, const char *tenant, const char *kind,
                            int64_t version)
{
    if (!st || !id_ok(tenant) || !one_of(kind, model_kinds, 2) || version < 1)
        return WF_EINVAL;
    return st->ops->model_activate(st, tenant, kind, version);
}

int wf_store_notice_put(struct wf_store *st, const char *tenant, const char *kind, const char *key,
                        const char *data_json, int64_t created_ms, int *created)
{
    if (!st || !id_ok(tenant) || !id_ok(kind) || !nonempty(key, 256) || !created ||
        !json_object_ok(data_json))
        return WF_EINVAL;
    if (data_json && strlen(data_json) > WF_LIMIT_JSON_BYTES)
        return WF_ETOOBIG;
    return st->ops->notice_put(st, tenant, kind, key, data_json && data_json[0] ? data_json : "{}",
                               created_ms ? created_ms : wf_store_now_ms(), created);
}

int wf_store_notice_list(struct wf_store *st, const char *tenant, const char *kind,
                         int64_t since_ms, json_t **out)
{
    if (!st || !id_ok(tenant) || !out || !opt_ok(kind, WF_LIMIT_ID_BYTES))
        return WF_EINVAL;
    return st->ops->notice_list(st, tenant, kind, since_ms, out);
}
