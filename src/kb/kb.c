/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The knowledge base: documents in the store, one live search index per
 * tenant in memory. An index is built from the stored chunks the first
 * time a tenant is used and then follows every add and delete; changes of
 * one tenant are serialised (store first, then index) so the index always
 * mirrors the store. Everything is redacted before it is chunked,
 * embedded, stored, indexed or sent to a model.
 */
#include "kb/kb_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

#define EMBED_GROUP 64 /* texts per wf_embed_texts call */

struct tenant {
    char id[WF_LIMIT_ID_BYTES];
    pthread_mutex_t change_mu;  /* serialises add/delete/reindex/build of the tenant */
    pthread_rwlock_t ix_lock;   /* read: use ix; write: swap ix */
    struct wf_search_index *ix; /* NULL while empty with an unknown dimension */
    int built;                  /* 1 once loaded from the store */
};

struct wf_kb {
    struct wf_store *store;
    struct wf_embed *embed;
    pthread_mutex_t embed_mu; /* an embedder is not thread-safe */
    struct wf_redactor *redactor;
    pthread_mutex_t redact_mu;
    pthread_mutex_t mu; /* tenants */
    struct tenant **tenants;
    size_t n_tenants, cap_tenants;
    size_t max_docs, max_chunks;
};

int wf_kb_new(const struct wf_kb_opts *o, struct wf_kb **out)
{
    if (!o || !o->store || !o->embed || !out) {
        if (o)
            wf_embed_free(o->embed);
        return WF_EINVAL;
    }
    struct wf_kb *kb = wf_calloc(1, sizeof(*kb));
    if (!kb) {
        wf_embed_free(o->embed);
        return WF_ENOMEM;
    }
    kb->store = o->store;
    kb->embed = o->embed;
    kb->max_docs = o->max_docs ? o->max_docs : WF_KB_DEFAULT_MAX_DOCS;
    kb->max_chunks = o->max_chunks ? o->max_chunks : WF_KB_DEFAULT_MAX_CHUNKS;
    pthread_mutex_init(&kb->embed_mu, NULL);
    pthread_mutex_init(&kb->redact_mu, NULL);
    pthread_mutex_init(&kb->mu, NULL);
    struct wf_redact_opts ro;
    if (o->redact)
        ro = *o->redact;
    else
        wf_redact_opts_init(&ro);
    ro.on_finding = NULL;
    ro.ctx = NULL;
    int rc = wf_redact_new(&ro, &kb->redactor);
    if (rc) {
        wf_kb_free(kb);
        return rc;
    }
    *out = kb;
    return WF_OK;
}

void wf_kb_free(struct wf_kb *kb)
{
    if (!kb)
        return;
    for (size_t i = 0; i < kb->n_tenants; i++) {
        struct tenant *t = kb->tenants[i];
        wf_search_index_free(t->ix);
        pthread_mutex_destroy(&t->change_mu);
        pthread_rwlock_destroy(&t->ix_lock);
        wf_free(t);
    }
    wf_free(kb->tenants);
    wf_redact_free(kb->redactor);
    wf_embed_free(kb->embed);
    pthread_mutex_destroy(&kb->embed_mu);
    pthread_mutex_destroy(&kb->redact_mu);
    pthread_mutex_destroy(&kb->mu);
    wf_free(kb);
}

const char *wf_kb_embed_model(const struct wf_kb *kb)
{
    return wf_embed_model(kb->embed);
}

void wf_kb_sha256_hex(const void *p, size_t len, char out[65])
{
    uint8_t d[WF_CRYPTO_SHA256_BYTES];
    wf_crypto_sha256(p, len, d);
    wf_crypto_hex(d, sizeof(d), out);
}

static int tenant_ok(const char *t)
{
    return t && t[0] && strlen(t) < WF_LIMIT_ID_BYTES;
}

/* ---- Redaction and embedding ---------------------------------------------------------- */

/* Appends the redacted form of p to out (line structure kept). */
static int redact(struct wf_kb *kb, const char *p, size_t len, struct wf_buf *out)
{
    pthread_mutex_lock(&kb->redact_mu);
    int rc = wf_redact_feed(kb->redactor, p, len, out);
    int rc2 = wf_redact_finish(kb->redactor, out); /* always: leaves the redactor clean */
    pthread_mutex_unlock(&kb->redact_mu);
    return rc ? rc : rc2;
}

/* Redacts a NUL-terminated string into an owned copy. */
static int redact_dup(struct wf_kb *kb, const char *s, size_t len, char **out, size_t *out_len)
{
    struct wf_buf b;
    wf_buf_init(&b, WF_STORE_KB_TEXT_BYTES);
    int rc = redact(kb, s, len, &b);
    if (rc) {
        wf_buf_cleanup(&b);
        return rc;
    }
    *out_len = b.len;
    *out = wf_buf_detach(&b);
    return *out ? WF_OK : WF_ENOMEM;
}

/* Embeds texts (n of them) into an owned n x *dim array. The text of a
 * chunk is its heading and its body, so a heading's words count. */
static int embed_chunks(struct wf_kb *kb, const struct wf_search_chunk *c, size_t n, float **out,
                        size_t *dim, struct wf_buf *err)
{
    float *vecs = NULL;
    struct wf_str texts[EMBED_GROUP];
    char *joined[EMBED_GROUP];
    int rc = WF_OK;
    memset(joined, 0, sizeof(joined));
    pthread_mutex_lock(&kb->embed_mu);
    size_t d = wf_embed_dim(kb->embed);
    for (size_t at = 0; !rc && at < n;) {
        size_t g = n - at < EMBED_GROUP ? n - at : EMBED_GROUP;
        if (!d)
            g = 1; /* the provider's dimension is learnt from the first vector */
        for (size_t i = 0; !rc && i < g; i++) {
            const struct wf_search_chunk *k = &c[at + i];
            struct wf_buf b;
            wf_buf_init(&b, WF_EMBED_MAX_TEXT_BYTES + 1024);
            if (k->heading && k->heading[0])
                rc = wf_buf_appendf(&b, "%s\n", k->heading);
            size_t take = k->len;
            if (take > WF_EMBED_MAX_TEXT_BYTES)
                take = WF_EMBED_MAX_TEXT_BYTES;
            if (!rc)
                rc = wf_buf_append(&b, k->text, take);
            joined[i] = rc ? NULL : wf_buf_detach(&b);
            wf_buf_cleanup(&b);
            if (!rc && !joined[i])
                rc = WF_ENOMEM;
            texts[i] = wf_str_c(joined[i] ? joined[i] : "");
        }
        if (!rc) {
            if (!d) {
                float *probe = wf_malloc(WF_EMBED_MAX_DIM * sizeof(float));
                rc = probe ? wf_embed_texts(kb->embed, texts, 1, probe, err) : WF_ENOMEM;
                d = wf_embed_dim(kb->embed);
                if (!rc && (!d || d > WF_STORE_KB_DIM))
                    rc = WF_EFORMAT;
                if (!rc)
                    vecs = wf_malloc(n * d * sizeof(float));
                if (!rc && !vecs)
                    rc = WF_ENOMEM;
                if (!rc)
                    memcpy(vecs, probe, d * sizeof(float));
                wf_free(probe);
            } else {
                if (!vecs && !(vecs = wf_malloc(n * d * sizeof(float))))
                    rc = WF_ENOMEM;
                if (!rc)
                    rc = wf_embed_texts(kb->embed, texts, g, vecs + at * d, err);
                if (!rc && wf_embed_dim(kb->embed) != d)
                    rc = WF_EFORMAT;
            }
        }
        for (size_t i = 0; i < g; i++) {
            wf_free(joined[i]);
            joined[i] = NULL;
        }
        at += g;
    }
    pthread_mutex_unlock(&kb->embed_mu);
    if (rc) {
        wf_free(vecs);
        if (err && !err->len)
            wf_buf_appendf(err, "embedding failed: %s", wf_strerror(rc));
        return rc;
    }
    *out = vecs;
    *dim = d;
    return WF_OK;
}

/* Embeds one query text into an owned vector of the embedder's dimension. */
static int embed_query(struct wf_kb *kb, const char *text, float **out, size_t *dim,
                       struct wf_buf *err)
{
    struct wf_search_chunk c;
    memset(&c, 0, sizeof(c));
    c.heading = (char *)"";
    c.text = (char *)text;
    c.len = strlen(text);
    return embed_chunks(kb, &c, 1, out, dim, err);
}

/* ---- Tenants and their indexes --------------------------------------------------------- */

static int tenant_slot(struct wf_kb *kb, const char *id, struct tenant **out)
{
    int rc = WF_OK;
    pthread_mutex_lock(&kb->mu);
    for (size_t i = 0; i < kb->n_tenants; i++)
        if (strcmp(kb->tenants[i]->id, id) == 0) {
            *out = kb->tenants[i];
            goto out;
        }
    rc = wf_grow((void **)&kb->tenants, &kb->cap_tenants, kb->n_tenants + 1,
                 sizeof(struct tenant *), WF_KB_MAX_TENANTS);
    if (rc)
        goto out;
    struct tenant *t = wf_calloc(1, sizeof(*t));
    if (!t) {
        rc = WF_ENOMEM;
        goto out;
    }
    memcpy(t->id, id, strlen(id) + 1);
    pthread_mutex_init(&t->change_mu, NULL);
    pthread_rwlock_init(&t->ix_lock, NULL);
    kb->tenants[kb->n_tenants++] = t;
    *out = t;
out:
    pthread_mutex_unlock(&kb->mu);
    return rc;
}

/* The chunks of one document being collected from the store. */
struct doc_acc {
    int64_t doc_id;
    char *name;
    struct wf_search_chunk *c;
    size_t n, cap;
    float *vecs; /* n x dim, or NULL */
    size_t vcap; /* floats allocated */
    size_t dim;
};

static void acc_clear(struct doc_acc *a)
{
    for (size_t i = 0; i < a->n; i++) {
        wf_free(a->c[i].heading);
        wf_free(a->c[i].text);
    }
    a->n = 0;
    wf_free(a->name);
    a->name = NULL;
    a->doc_id = 0;
}

static void acc_free(struct doc_acc *a)
{
    acc_clear(a);
    wf_free(a->c);
    wf_free(a->vecs);
    memset(a, 0, sizeof(*a));
}

/* Adds a stored chunk (and its vector, when with_vec) to the accumulator. */
static int acc_add(struct doc_acc *a, const struct wf_store_kb_row *r, int with_vec)
{
    int rc = wf_grow((void **)&a->c, &a->cap, a->n + 1, sizeof(*a->c), WF_STORE_KB_CHUNKS);
    if (rc)
        return rc;
    if (!a->name && !(a->name = wf_strndup(r->doc_name, strlen(r->doc_name))))
        return WF_ENOMEM;
    a->doc_id = r->doc_id;
    struct wf_search_chunk *c = &a->c[a->n];
    memset(c, 0, sizeof(*c));
    c->seq = r->chunk.seq;
    c->line_start = r->chunk.line_start;
    c->line_end = r->chunk.line_end;
    c->heading = wf_strndup(r->chunk.heading, strlen(r->chunk.heading));
    c->text = wf_strndup(r->chunk.text, r->chunk.len);
    c->len = r->chunk.len;
    if (!c->heading || !c->text) {
        wf_free(c->heading);
        wf_free(c->text);
        return WF_ENOMEM;
    }
    if (with_vec) {
        if (!r->chunk.vec || (a->dim && r->chunk.dim != a->dim))
            return WF_EFORMAT;
        a->dim = r->chunk.dim;
        rc = wf_grow((void **)&a->vecs, &a->vcap, (a->n + 1) * a->dim, sizeof(float),
                     (size_t)WF_STORE_KB_CHUNKS * WF_STORE_KB_DIM);
        if (rc) {
            wf_free(c->heading);
            wf_free(c->text);
            return rc;
        }
        memcpy(a->vecs + a->n * a->dim, r->chunk.vec, a->dim * sizeof(float));
    }
    a->n++;
    return WF_OK;
}

struct build {
    struct wf_kb *kb;
    struct tenant *t;
    struct wf_search_index *ix;
    struct doc_acc acc;
    const char *model;
    char bad_model[WF_STORE_KB_MODEL_BYTES];
};

static int build_flush(struct build *b)
{
    if (!b->acc.n)
        return WF_OK;
    int rc = WF_OK;
    if (!b->ix)
        rc = wf_search_index_new(b->model, b->acc.dim, &b->ix);
    if (!rc)
        rc = wf_search_index_put(b->ix, b->acc.doc_id, b->acc.name, b->acc.c, b->acc.n,
                                 b->acc.dim ? b->acc.vecs : NULL, b->model);
    acc_clear(&b->acc);
    b->acc.dim = 0;
    return rc;
}

static int build_row(void *ud, const struct wf_store_kb_row *r)
{
    struct build *b = ud;
    if (r->chunk.vec && strcmp(r->chunk.embed_model, b->model) != 0) {
        snprintf(b->bad_model, sizeof(b->bad_model), "%s", r->chunk.embed_model);
        return WF_ECONFLICT;
    }
    int rc = WF_OK;
    if (b->acc.n && b->acc.doc_id != r->doc_id)
        rc = build_flush(b);
    if (!rc && b->ix && r->chunk.vec && r->chunk.dim != wf_search_index_dim(b->ix))
        rc = WF_EFORMAT;
    return rc ? rc : acc_add(&b->acc, r, r->chunk.vec != NULL);
}

static void mismatch_msg(struct wf_buf *err, const char *tenant, const char *stored,
                         const char *configured)
{
    if (err)
        wf_buf_appendf(err,
                       "the knowledge base of tenant '%s' was embedded with model '%s' but the "
                       "configured model is '%s'; run `workflowai kb reindex` to re-embed it",
                       tenant, stored, configured);
}

/* Loads the tenant's index from the store once. Call with change_mu held. */
static int ensure_built(struct wf_kb *kb, struct tenant *t, struct wf_buf *err)
{
    if (t->built)
        return WF_OK;
    struct build b;
    memset(&b, 0, sizeof(b));
    b.kb = kb;
    b.t = t;
    b.model = wf_embed_model(kb->embed);
    int rc = wf_store_kb_chunks_read(kb->store, t->id, 0, build_row, &b);
    if (!rc)
        rc = build_flush(&b);
    if (!rc && !b.ix && wf_embed_dim(kb->embed))
        rc = wf_search_index_new(b.model, wf_embed_dim(kb->embed), &b.ix);
    acc_free(&b.acc);
    if (rc) {
        if (rc == WF_ECONFLICT)
            mismatch_msg(err, t->id, b.bad_model, b.model);
        else if (err && !err->len)
            wf_buf_appendf(err, "loading the knowledge base of tenant '%s': %s", t->id,
                           wf_strerror(rc));
        wf_search_index_free(b.ix);
        return rc;
    }
    pthread_rwlock_wrlock(&t->ix_lock);
    t->ix = b.ix;
    t->built = 1;
    pthread_rwlock_unlock(&t->ix_lock);
    return WF_OK;
}

/* The tenant's slot with its index loaded. */
static int tenant_ready(struct wf_kb *kb, const char *tenant, struct tenant **out,
                        struct wf_buf *err)
{
    struct tenant *t = NULL;
    int rc = tenant_slot(kb, tenant, &t);
    if (rc)
        return rc;
    pthread_mutex_lock(&t->change_mu);
    rc = ensure_built(kb, t, err);
    pthread_mutex_unlock(&t->change_mu);
    if (!rc)
        *out = t;
    return rc;
}

/* ---- Documents --------------------------------------------------------------------------- */

static int name_ok(const char *name)
{
    if (!name || !name[0] || strlen(name) >= WF_STORE_KB_NAME_BYTES)
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int wf_kb_add(struct wf_kb *kb, const char *tenant, const char *name, const char *format,
              const char *data, size_t len, struct wf_kb_add_result *out, struct wf_buf *err)
{
    if (!kb || !tenant_ok(tenant) || !out || (!data && len))
        return WF_EINVAL;
    if (!name_ok(name)) {
        if (err)
            wf_buf_appendf(err, "document name must be 1..%u bytes without control characters",
                           WF_STORE_KB_NAME_BYTES - 1);
        return WF_EINVAL;
    }
    enum wf_doc_format f;
    if (wf_doc_format_from_name(format ? format : name, &f) != WF_OK) {
        if (err)
            wf_buf_appendf(err,
                           format ? "unsupported format '%.64s' (text, markdown, html or pdf)"
                                  : "cannot tell the format of '%.200s' from its extension "
                                    "(.md .markdown .txt .rst .html .htm .pdf)",
                           format ? format : name);
        return WF_EINVAL;
    }
    if (len > WF_KB_MAX_DOC_BYTES) {
        if (err)
            wf_buf_appendf(err, "document of %zu bytes is over the limit of %u bytes", len,
                           WF_KB_MAX_DOC_BYTES);
        return WF_ETOOBIG;
    }
    char sha[65];
    wf_kb_sha256_hex(data ? data : "", len, sha);

    struct wf_search_chunk *c = NULL;
    size_t n = 0;
    struct wf_buf red;
    wf_buf_init(&red, WF_STORE_KB_TEXT_BYTES);
    float *vecs = NULL;
    struct wf_store_kb_chunk *sc = NULL;
    struct tenant *t = NULL;
    int locked = 0, rc;
    if (f == WF_DOC_PDF) {
        /* the extracted text is redacted whole (a secret never straddles two
         * chunks unredacted), then chunked as the text it is */
        struct wf_buf pdf;
        wf_buf_init(&pdf, WF_STORE_KB_TEXT_BYTES);
        rc = wf_search_pdf_text(data, len, &pdf, err);
        if (!rc)
            rc = redact(kb, pdf.p ? pdf.p : "", pdf.len, &red);
        wf_buf_cleanup(&pdf);
        if (!rc)
            rc = wf_search_chunk_document(WF_DOC_TEXT, red.p ? red.p : "", red.len, NULL, &c, &n,
                                          err);
    } else {
        rc = redact(kb, data ? data : "", len, &red);
        if (!rc)
            rc = wf_search_chunk_document(f, red.p ? red.p : "", red.len, NULL, &c, &n, err);
    }
    if (rc) {
        if (err && !err->len)
            wf_buf_appendf(err, "cannot read the document: %s", wf_strerror(rc));
        goto out;
    }
    if (!n) {
        rc = WF_EEMPTY;
        if (err)
            wf_buf_puts(err, "the document has no text to index");
        goto out;
    }
    rc = tenant_slot(kb, tenant, &t);
    if (rc)
        goto out;
    pthread_mutex_lock(&t->change_mu);
    locked = 1;
    if ((rc = ensure_built(kb, t, err)) != WF_OK)
        goto out;
    /* per-tenant caps; a replaced document gives its chunks back */
    struct wf_store_kb_info old;
    int exists = wf_store_kb_doc_get(kb->store, tenant, 0, name, &old, NULL, NULL) == WF_OK;
    size_t docs = t->ix ? wf_search_index_docs(t->ix) : 0;
    size_t chunks = t->ix ? wf_search_index_chunks(t->ix) : 0;
    if (exists)
        chunks -= (size_t)old.n_chunks < chunks ? (size_t)old.n_chunks : chunks;
    if ((!exists && docs + 1 > kb->max_docs) || chunks + n > kb->max_chunks) {
        rc = WF_ETOOBIG;
        if (err)
            wf_buf_appendf(err,
                           "the knowledge base of tenant '%s' is full (at most %zu documents "
                           "and %zu chunks)",
                           tenant, kb->max_docs, kb->max_chunks);
        goto out;
    }
    size_t dim = 0;
    if ((rc = embed_chunks(kb, c, n, &vecs, &dim, err)) != WF_OK)
        goto out;
    const char *model = wf_embed_model(kb->embed);
    if (t->ix && wf_search_index_dim(t->ix) && wf_search_index_dim(t->ix) != dim) {
        rc = WF_ECONFLICT;
        mismatch_msg(err, tenant, wf_search_index_model(t->ix), model);
        goto out;
    }
    sc = wf_calloc(n, sizeof(*sc));
    if (!sc) {
        rc = WF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sc[i].seq = c[i].seq;
        sc[i].heading = c[i].heading;
        sc[i].line_start = c[i].line_start;
        sc[i].line_end = c[i].line_end;
        sc[i].text = c[i].text;
        sc[i].len = c[i].len;
        sc[i].vec = vecs + i * dim;
        sc[i].dim = dim;
        sc[i].embed_model = model;
    }
    struct wf_store_kb_doc d = {
        tenant, name, wf_doc_format_name(f), sha, (int64_t)len, red.p, red.len, sc, n, 0};
    int64_t id = 0;
    int replaced = 0;
    if ((rc = wf_store_kb_doc_put(kb->store, &d, &id, &replaced)) != WF_OK) {
        if (err && !err->len)
            wf_buf_appendf(err, "storing the document failed: %s", wf_strerror(rc));
        goto out;
    }
    if (!t->ix) {
        struct wf_search_index *ix = NULL;
        if ((rc = wf_search_index_new(model, dim, &ix)) != WF_OK)
            goto out;
        pthread_rwlock_wrlock(&t->ix_lock);
        t->ix = ix;
        pthread_rwlock_unlock(&t->ix_lock);
    }
    pthread_rwlock_rdlock(&t->ix_lock);
    rc = wf_search_index_put(t->ix, id, name, c, n, vecs, model);
    pthread_rwlock_unlock(&t->ix_lock);
    if (rc) {
        /* stored but not indexed: rebuild from the store on next use */
        t->built = 0;
        pthread_rwlock_wrlock(&t->ix_lock);
        wf_search_index_free(t->ix);
        t->ix = NULL;
        pthread_rwlock_unlock(&t->ix_lock);
        goto out;
    }
    out->id = id;
    out->replaced = replaced;
    out->format = f;
    out->bytes = len;
    out->chunks = n;
out:
    if (locked)
        pthread_mutex_unlock(&t->change_mu);
    wf_free(sc);
    wf_free(vecs);
    wf_buf_cleanup(&red);
    wf_search_chunks_free(c, n);
    return rc;
}

int wf_kb_delete(struct wf_kb *kb, const char *tenant, int64_t id, struct wf_buf *err)
{
    if (!kb || !tenant_ok(tenant) || id <= 0)
        return WF_EINVAL;
    struct tenant *t = NULL;
    int rc = tenant_slot(kb, tenant, &t);
    if (rc)
        return rc;
    pthread_mutex_lock(&t->change_mu);
    rc = ensure_built(kb, t, err);
    if (!rc)
        rc = wf_store_kb_doc_delete(kb->store, tenant, id);
    if (!rc && t->ix) {
        pthread_rwlock_rdlock(&t->ix_lock);
        int rrc = wf_search_index_remove(t->ix, id);
        pthread_rwlock_unlock(&t->ix_lock);
        if (rrc && rrc != WF_ENOENT)
            t->built = 0; /* reload from the store next time */
    }
    pthread_mutex_unlock(&t->change_mu);
    return rc;
}

int wf_kb_find(struct wf_kb *kb, const char *tenant, const char *name, int64_t *id)
{
    if (!kb || !tenant_ok(tenant) || !name_ok(name) || !id)
        return WF_EINVAL;
    struct wf_store_kb_info info;
    int rc = wf_store_kb_doc_get(kb->store, tenant, 0, name, &info, NULL, NULL);
    if (!rc)
        *id = info.id;
    return rc;
}

int wf_kb_list(struct wf_kb *kb, const char *tenant, json_t **out)
{
    if (!kb || !tenant_ok(tenant) || !out)
        return WF_EINVAL;
    return wf_store_kb_doc_list(kb->store, tenant, out);
}

/* ---- Search and answers ------------------------------------------------------------------- */

int wf_kb_search(struct wf_kb *kb, const char *tenant, const struct wf_kb_query *q,
                 struct wf_search_hit **out, size_t *n, struct wf_buf *err)
{
    if (!kb || !tenant_ok(tenant) || !q || !q->text || !out || !n)
        return WF_EINVAL;
    size_t qlen = strlen(q->text);
    if (!qlen || qlen > WF_KB_MAX_QUERY_BYTES || q->top_k > WF_KB_MAX_TOP_K) {
        if (err)
            wf_buf_appendf(err, "query must be 1..%u bytes and top_k 1..%u", WF_KB_MAX_QUERY_BYTES,
                           WF_KB_MAX_TOP_K);
        return WF_EINVAL;
    }
    struct tenant *t = NULL;
    int rc = tenant_ready(kb, tenant, &t, err);
    if (rc)
        return rc;
    char *text = NULL;
    size_t text_len = 0;
    float *vec = NULL;
    size_t dim = 0;
    /* the query may be sent to an embedding provider: redacted first */
    if ((rc = redact_dup(kb, q->text, qlen, &text, &text_len)) != WF_OK)
        return rc;
    pthread_rwlock_rdlock(&t->ix_lock);
    int has_vectors = t->ix && wf_search_index_dim(t->ix) > 0;
    pthread_rwlock_unlock(&t->ix_lock);
    if (q->mode != WF_SEARCH_KEYWORD && has_vectors) {
        rc = embed_query(kb, text, &vec, &dim, err);
        if (rc)
            goto out;
    }
    struct wf_search_query sq = {text,
                                 vec,
                                 q->mode,
                                 q->fusion,
                                 q->top_k ? q->top_k : WF_KB_DEFAULT_TOP_K,
                                 WF_SEARCH_KEYWORD_WEIGHT};
    pthread_rwlock_rdlock(&t->ix_lock);
    if (!t->ix) {
        *out = NULL;
        *n = 0;
    } else if (vec && dim != wf_search_index_dim(t->ix)) {
        rc = WF_ECONFLICT;
        mismatch_msg(err, tenant, wf_search_index_model(t->ix), wf_embed_model(kb->embed));
    } else {
        rc = wf_search_index_query(t->ix, &sq, out, n);
    }
    pthread_rwlock_unlock(&t->ix_lock);
out:
    wf_free(vec);
    wf_free(text);
    return rc;
}

void wf_kb_answer_cleanup(struct wf_kb_answer *a)
{
    if (!a)
        return;
    wf_free(a->text);
    wf_free(a->cited);
    wf_search_hits_free(a->hits, a->n_hits);
    memset(a, 0, sizeof(*a));
}

static void source_of(const struct wf_search_hit *h, int index, struct wf_kb_source *s)
{
    s->index = index;
    s->doc_id = h->doc_id;
    s->seq = h->seq;
    s->doc_name = h->doc_name;
    s->heading = h->heading;
    s->line_start = h->line_start;
    s->line_end = h->line_end;
    s->text = h->text;
    s->score = h->score;
}

/* The numbered sources block of the prompt. */
static int sources_text(const struct wf_search_hit *h, size_t n, struct wf_buf *b)
{
    int rc = WF_OK;
    for (size_t i = 0; !rc && i < n; i++)
        rc = wf_buf_appendf(
            b, "[%zu] %s%s%s (lines %u-%u)\n%s\n\n", i + 1, h[i].doc_name ? h[i].doc_name : "",
            h[i].heading && h[i].heading[0] ? " > " : "", h[i].heading ? h[i].heading : "",
            h[i].line_start, h[i].line_end, h[i].text ? h[i].text : "");
    return rc;
}

static int cite_delta(void *ud, const char *p, size_t len)
{
    return wf_kb__cite_feed(ud, p, len);
}

static int llm_answer(struct wf_kb *kb, const char *question, const struct wf_kb_answer_opts *o,
                      struct wf_kb_answer *a, unsigned char *used, struct wf_buf *text,
                      struct wf_buf *err)
{
    const struct wf_llm_prompt *pr = wf_llm_prompt("kb_answer");
    struct wf_buf src, user, raw;
    wf_buf_init(&src, WF_LLM_MAX_REQUEST_BYTES);
    wf_buf_init(&user, WF_LLM_MAX_REQUEST_BYTES);
    wf_buf_init(&raw, WF_LLM_MAX_TEXT_BYTES);
    struct wf_llm_msg msgs[WF_KB_MAX_HISTORY + 2];
    char *hist[WF_KB_MAX_HISTORY];
    size_t n_hist = 0, n_msgs = 0;
    struct wf_kb__cite_stream cs;
    wf_kb__cite_init(&cs, a->n_hits, used, o->on_delta, o->ud);
    int rc = pr ? sources_text(a->hits, a->n_hits, &src) : WF_EINTERNAL;
    static const char *const keys[] = {"sources", "question"};
    struct wf_str vals[2] = {{src.p ? src.p : "", src.len}, wf_str_c(question)};
    if (!rc)
        rc = wf_llm_render(pr->user, keys, vals, 2, &user);
    if (rc)
        goto out;
    msgs[n_msgs++] = (struct wf_llm_msg){WF_LLM_SYSTEM, wf_str_c(pr->system)};
    size_t first = o->n_history > WF_KB_MAX_HISTORY ? o->n_history - WF_KB_MAX_HISTORY : 0;
    for (size_t i = first; !rc && i < o->n_history; i++) {
        size_t len = 0;
        if (o->history[i].role == WF_LLM_SYSTEM)
            continue; /* the kb's own system prompt rules */
        rc =
            redact_dup(kb, o->history[i].content.p, o->history[i].content.len, &hist[n_hist], &len);
        if (!rc)
            msgs[n_msgs++] = (struct wf_llm_msg){o->history[i].role, {hist[n_hist++], len}};
    }
    if (rc)
        goto out;
    msgs[n_msgs++] = (struct wf_llm_msg){WF_LLM_USER, {user.p, user.len}};
    struct wf_llm_chat_opts co;
    memset(&co, 0, sizeof(co));
    co.stream = o->on_delta != NULL;
    co.on_delta = cite_delta;
    co.ud = &cs;
    rc = wf_llm_chat(o->llm, msgs, n_msgs, &co, &raw, err);
    if (!rc)
        rc = wf_kb__cite_finish(&cs);
    if (!rc)
        rc = wf_buf_append(text, cs.out.p ? cs.out.p : "", cs.out.len);
    if (!rc && !cs.n_valid) {
        /* nothing cited: the passages themselves back the answer */
        a->uncited = 1;
        a->extractive = 1;
        static const char sep[] = "\n\nFrom the sources:\n";
        rc = wf_buf_puts(text, sep);
        if (!rc && o->on_delta)
            rc = o->on_delta(o->ud, sep, sizeof(sep) - 1);
        if (!rc)
            rc = wf_kb__extract(question, a->hits, a->n_hits, text, used, o->on_delta, o->ud);
    }
out:
    for (size_t i = 0; i < n_hist; i++)
        wf_free(hist[i]);
    wf_kb__cite_cleanup(&cs);
    wf_buf_cleanup(&src);
    wf_buf_cleanup(&user);
    wf_buf_cleanup(&raw);
    return rc;
}

int wf_kb_answer(struct wf_kb *kb, const char *tenant, const char *question,
                 const struct wf_kb_answer_opts *o, struct wf_kb_answer *out, struct wf_buf *err)
{
    if (!kb || !tenant_ok(tenant) || !question || !o || !out || o->top_k > WF_KB_MAX_ANSWER_TOP_K ||
        (o->n_history && !o->history))
        return WF_EINVAL;
    struct wf_kb_answer a;
    memset(&a, 0, sizeof(a));
    char *q = NULL;
    size_t qlen = 0;
    unsigned char *used = NULL;
    struct wf_kb_source *srcs = NULL;
    struct wf_buf text;
    wf_buf_init(&text, WF_LLM_MAX_TEXT_BYTES + 64 * 1024);
    struct wf_kb_query kq = {question, WF_SEARCH_HYBRID, WF_FUSION_RRF,
                             o->top_k ? o->top_k : WF_KB_ANSWER_TOP_K};
    int rc = wf_kb_search(kb, tenant, &kq, &a.hits, &a.n_hits, err);
    if (!rc)
        rc = redact_dup(kb, question, strlen(question), &q, &qlen);
    if (rc)
        goto out;
    used = wf_calloc(a.n_hits + 1, 1);
    srcs = wf_calloc(a.n_hits + 1, sizeof(*srcs));
    if (!used || !srcs) {
        rc = WF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < a.n_hits; i++)
        source_of(&a.hits[i], (int)i + 1, &srcs[i]);
    if (o->on_sources && (rc = o->on_sources(o->ud, srcs, a.n_hits)) != WF_OK)
        goto out;
    if (!a.n_hits) {
        static const char none[] = "No document in the knowledge base matches the question.";
        a.extractive = 1;
        rc = wf_buf_puts(&text, none);
        if (!rc && o->on_delta)
            rc = o->on_delta(o->ud, none, sizeof(none) - 1);
    } else if (o->llm) {
        rc = llm_answer(kb, q, o, &a, used, &text, err);
    } else {
        a.extractive = 1;
        rc = wf_kb__extract(q, a.hits, a.n_hits, &text, used, o->on_delta, o->ud);
    }
    if (rc)
        goto out;
    for (size_t i = 0; i < a.n_hits; i++)
        if (used[i])
            srcs[a.n_cited++] = srcs[i]; /* in index order, i >= n_cited */
    a.cited = srcs;
    srcs = NULL;
    a.text = wf_buf_detach(&text);
    if (!a.text)
        rc = WF_ENOMEM;
out:
    wf_free(q);
    wf_free(used);
    wf_free(srcs);
    wf_buf_cleanup(&text);
    if (rc)
        wf_kb_answer_cleanup(&a);
    else
        *out = a;
    return rc;
}

/* ---- Re-indexing --------------------------------------------------------------------------- */

struct collect {
    struct doc_acc *docs;
    size_t n, cap;
};

static int collect_row(void *ud, const struct wf_store_kb_row *r)
{
    struct collect *c = ud;
    if (!c->n || c->docs[c->n - 1].doc_id != r->doc_id) {
        int rc =
            wf_grow((void **)&c->docs, &c->cap, c->n + 1, sizeof(*c->docs), WF_STORE_KB_LIST_MAX);
        if (rc)
            return rc;
        memset(&c->docs[c->n++], 0, sizeof(*c->docs));
    }
    return acc_add(&c->docs[c->n - 1], r, 0);
}

int wf_kb_reindex(struct wf_kb *kb, const char *tenant, size_t *n_docs, size_t *n_chunks,
                  struct wf_buf *err)
{
    if (!kb || !tenant_ok(tenant))
        return WF_EINVAL;
    struct tenant *t = NULL;
    int rc = tenant_slot(kb, tenant, &t);
    if (rc)
        return rc;
    struct collect col;
    memset(&col, 0, sizeof(col));
    struct wf_search_index *ix = NULL;
    const char *model = wf_embed_model(kb->embed);
    size_t total = 0;
    pthread_mutex_lock(&t->change_mu);
    rc = wf_store_kb_chunks_read(kb->store, tenant, 0, collect_row, &col);
    for (size_t i = 0; !rc && i < col.n; i++) {
        struct doc_acc *d = &col.docs[i];
        float *vecs = NULL;
        size_t dim = 0;
        rc = embed_chunks(kb, d->c, d->n, &vecs, &dim, err);
        if (!rc && !ix)
            rc = wf_search_index_new(model, dim, &ix);
        if (!rc)
            rc = wf_store_kb_vectors_put(kb->store, tenant, d->doc_id, vecs, d->n, dim, model);
        if (!rc)
            rc = wf_search_index_put(ix, d->doc_id, d->name, d->c, d->n, vecs, model);
        total += d->n;
        wf_free(vecs);
    }
    if (!rc && !ix && wf_embed_dim(kb->embed))
        rc = wf_search_index_new(model, wf_embed_dim(kb->embed), &ix);
    if (!rc) {
        pthread_rwlock_wrlock(&t->ix_lock);
        struct wf_search_index *old = t->ix;
        t->ix = ix;
        t->built = 1;
        pthread_rwlock_unlock(&t->ix_lock);
        wf_search_index_free(old);
        ix = NULL;
        if (n_docs)
            *n_docs = col.n;
        if (n_chunks)
            *n_chunks = total;
    } else if (err && !err->len) {
        wf_buf_appendf(err, "reindex of tenant '%s' failed: %s", tenant, wf_strerror(rc));
    }
    pthread_mutex_unlock(&t->change_mu);
    wf_search_index_free(ix);
    for (size_t i = 0; i < col.n; i++)
        acc_free(&col.docs[i]);
    wf_free(col.docs);
    return rc;
}
