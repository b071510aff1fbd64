/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: the in-memory index. Chunks live in one array indexed by a chunk
 * number; their vectors sit contiguously at chunk * dim, with an int8 copy
 * (one scale per chunk) that vector queries scan first. A term dictionary
 * (open addressing on a 64-bit hash) maps each term to a postings list of
 * (chunk, tf). Removing a document marks its chunks dead (a tombstone) and
 * takes their terms out of the document frequencies at once, so scores stay
 * exact; postings of dead chunks are skipped by queries and dropped by a
 * compaction that runs when dead chunks outnumber live ones. Replacing a
 * document adds the new chunks first and removes the old ones only when that
 * succeeded. A reader-writer lock guards everything: queries share it, a
 * change holds it exclusively, so no reader sees a half-applied change.
 */
#include "search/search_int.h"
#include "text/text.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHUNKS_TOTAL (64u * 1024 * 1024) /* chunks the index holds, live or dead */
#define COMPACT_MIN_DEAD 1024u               /* compaction waits for this many tombstones */
#define FUSION_DEPTH 100u                    /* ranks of each list that fusion looks at */

struct posting {
    uint32_t chunk; /* chunk number */
    uint32_t tf;    /* occurrences of the term in the chunk */
};

struct term {
    uint64_t hash;
    uint32_t off, len; /* the term's bytes in ix->pool */
    uint32_t df;       /* live chunks holding the term */
    struct posting *post;
    size_t n_post, cap_post;
};

struct ichunk {
    int64_t doc_id;
    uint32_t seq, line_start, line_end;
    uint32_t dl; /* terms in the chunk (BM25 document length) */
    int live;
    char *heading, *text; /* owned */
    uint32_t *terms;      /* owned: distinct term ids, for df upkeep on removal */
    uint32_t n_terms;
};

struct idoc {
    int64_t id;
    int state; /* 0 empty, 1 used, 2 deleted */
    char *name;
    uint32_t *chunks; /* owned chunk numbers */
    uint32_t n;
};

struct wf_search_index {
    pthread_rwlock_t lock;
    char *model; /* owned, "" for keyword only */
    size_t dim;

    struct ichunk *chunks;
    size_t n_chunks, cap_chunks;
    float *vecs;     /* cap_chunks * dim, L2-normalised */
    int8_t *q8;      /* cap_chunks * dim: int8 copy of vecs for the prefilter */
    float *q8_scale; /* per chunk: vecs[i] ~ q8[i] * q8_scale */
    int *has_vec;    /* per chunk */
    uint32_t *dlen;  /* per chunk: its dl while live, 0 once dead (BM25 reads only this) */
    size_t live_chunks, dead_chunks;
    uint64_t total_dl; /* sum of dl over live chunks */

    struct term *terms;
    size_t n_terms, cap_terms;
    uint32_t *tslots; /* term id + 1, 0 empty */
    size_t cap_tslots;
    char *pool;
    size_t pool_len, pool_cap;

    struct idoc *docs; /* open addressing by id */
    size_t cap_docs, used_docs, live_docs;
};

/* ---- small helpers -------------------------------------------------------------- */

static struct idoc *doc_find(const struct wf_search_index *ix, int64_t id)
{
    if (!ix->cap_docs)
        return NULL;
    size_t mask = ix->cap_docs - 1;
    for (size_t i = wf_fmix64((uint64_t)id) & mask;; i = (i + 1) & mask) {
        struct idoc *d = &ix->docs[i];
        if (d->state == 0)
            return NULL;
        if (d->state == 1 && d->id == id)
            return d;
    }
}

static int doc_table_grow(struct wf_search_index *ix)
{
    if ((ix->used_docs + 1) * 2 <= ix->cap_docs)
        return WF_OK;
    size_t cap = 16;
    while (cap < 4 * (ix->live_docs + 1))
        cap *= 2;
    struct idoc *nd = wf_calloc(cap, sizeof(*nd));
    if (!nd)
        return WF_ENOMEM;
    for (size_t i = 0; i < ix->cap_docs; i++) {
        struct idoc *d = &ix->docs[i];
        if (d->state != 1)
            continue;
        size_t j = wf_fmix64((uint64_t)d->id) & (cap - 1);
        while (nd[j].state)
            j = (j + 1) & (cap - 1);
        nd[j] = *d;
    }
    wf_free(ix->docs);
    ix->docs = nd;
    ix->cap_docs = cap;
    ix->used_docs = ix->live_docs;
    return WF_OK;
}

/* Slot for a new doc id (table has room). */
static struct idoc *doc_insert(struct wf_search_index *ix, int64_t id)
{
    size_t mask = ix->cap_docs - 1;
    size_t i = wf_fmix64((uint64_t)id) & mask;
    while (ix->docs[i].state == 1)
        i = (i + 1) & mask;
    struct idoc *d = &ix->docs[i];
    if (d->state == 0)
        ix->used_docs++;
    memset(d, 0, sizeof(*d));
    d->state = 1;
    d->id = id;
    ix->live_docs++;
    return d;
}

static void doc_release(struct wf_search_index *ix, struct idoc *d)
{
    wf_free(d->name);
    wf_free(d->chunks);
    d->name = NULL;
    d->chunks = NULL;
    d->n = 0;
    d->state = 2;
    ix->live_docs--;
}

static int64_t term_lookup(const struct wf_search_index *ix, uint64_t h, const char *t, size_t n)
{
    if (!ix->cap_tslots)
        return -1;
    size_t mask = ix->cap_tslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t v = ix->tslots[i];
        if (!v)
            return -1;
        const struct term *tm = &ix->terms[v - 1];
        if (tm->hash == h && tm->len == n && memcmp(ix->pool + tm->off, t, n) == 0)
            return v - 1;
    }
}

static int term_intern(struct wf_search_index *ix, uint64_t h, const char *t, size_t n,
                       uint32_t *id)
{
    int64_t found = term_lookup(ix, h, t, n);
    if (found >= 0) {
        *id = (uint32_t)found;
        return WF_OK;
    }
    if ((ix->n_terms + 1) * 2 > ix->cap_tslots) {
        size_t cap = ix->cap_tslots ? ix->cap_tslots * 2 : 1024;
        uint32_t *ns = wf_calloc(cap, sizeof(*ns));
        if (!ns)
            return WF_ENOMEM;
        for (size_t i = 0; i < ix->n_terms; i++) {
            size_t j = ix->terms[i].hash & (cap - 1);
            while (ns[j])
                j = (j + 1) & (cap - 1);
            ns[j] = (uint32_t)i + 1;
        }
        wf_free(ix->tslots);
        ix->tslots = ns;
        ix->cap_tslots = cap;
    }
    int rc = wf_grow((void **)&ix->terms, &ix->cap_terms, ix->n_terms + 1, sizeof(*ix->terms),
                     UINT32_MAX - 1);
    if (!rc)
        rc = wf_grow((void **)&ix->pool, &ix->pool_cap, ix->pool_len + n, 1, UINT32_MAX);
    if (rc)
        return rc;
    struct term *tm = &ix->terms[ix->n_terms];
    memset(tm, 0, sizeof(*tm));
    tm->hash = h;
    tm->off = (uint32_t)ix->pool_len;
    tm->len = (uint32_t)n;
    memcpy(ix->pool + ix->pool_len, t, n);
    ix->pool_len += n;
    size_t j = h & (ix->cap_tslots - 1);
    while (ix->tslots[j])
        j = (j + 1) & (ix->cap_tslots - 1);
    ix->tslots[j] = (uint32_t)ix->n_terms + 1;
    *id = (uint32_t)ix->n_terms++;
    return WF_OK;
}

/* ---- tokenizing a chunk (outside the lock) ------------------------------------------ */

struct lterm {
    uint64_t hash;
    uint32_t off, len, tf;
};

/* Distinct terms of one text with their counts. */
struct bag {
    struct lterm *t;
    size_t n, cap;
    uint32_t *slots; /* index + 1 */
    size_t cap_slots;
    struct wf_buf bytes;
    uint32_t total; /* terms seen, with repeats */
};

static void bag_init(struct bag *b)
{
    memset(b, 0, sizeof(*b));
    wf_buf_init(&b->bytes, SIZE_MAX / 2);
}

static void bag_reset(struct bag *b)
{
    b->n = 0;
    b->total = 0;
    wf_buf_reset(&b->bytes);
    if (b->slots)
        memset(b->slots, 0, b->cap_slots * sizeof(*b->slots));
}

static void bag_cleanup(struct bag *b)
{
    wf_free(b->t);
    wf_free(b->slots);
    wf_buf_cleanup(&b->bytes);
}

static int bag_add(void *ud, const char *t, size_t n, enum wf_text_term_kind kind)
{
    (void)kind;
    struct bag *b = ud;
    if (n == 0)
        return WF_OK;
    if ((b->n + 1) * 2 > b->cap_slots) {
        size_t cap = b->cap_slots ? b->cap_slots * 2 : 256;
        uint32_t *ns = wf_calloc(cap, sizeof(*ns));
        if (!ns)
            return WF_ENOMEM;
        for (size_t i = 0; i < b->n; i++) {
            size_t j = b->t[i].hash & (cap - 1);
            while (ns[j])
                j = (j + 1) & (cap - 1);
            ns[j] = (uint32_t)i + 1;
        }
        wf_free(b->slots);
        b->slots = ns;
        b->cap_slots = cap;
    }
    uint64_t h = wf_hash64(t, n, 0x7e57);
    size_t mask = b->cap_slots - 1;
    size_t j = h & mask;
    b->total++;
    for (; b->slots[j]; j = (j + 1) & mask) {
        struct lterm *lt = &b->t[b->slots[j] - 1];
        if (lt->hash == h && lt->len == n && memcmp(b->bytes.p + lt->off, t, n) == 0) {
            lt->tf++;
            return WF_OK;
        }
    }
    int rc = wf_grow((void **)&b->t, &b->cap, b->n + 1, sizeof(*b->t), SIZE_MAX / 64);
    if (rc)
        return rc;
    size_t off = b->bytes.len;
    if ((rc = wf_buf_append(&b->bytes, t, n)))
        return rc;
    b->t[b->n] = (struct lterm){h, (uint32_t)off, (uint32_t)n, 1};
    b->slots[j] = (uint32_t)++b->n;
    return WF_OK;
}

/* ---- public: lifecycle ------------------------------------------------------------ */

int wf_search_index_new(const char *embed_model, size_t dim, struct wf_search_index **out)
{
    if (!out || dim > 65536 || (dim && (!embed_model || !*embed_model)))
        return WF_EINVAL;
    struct wf_search_index *ix = wf_calloc(1, sizeof(*ix));
    if (!ix)
        return WF_ENOMEM;
    const char *m = dim ? embed_model : "";
    ix->model = wf_strndup(m, strlen(m));
    if (!ix->model || pthread_rwlock_init(&ix->lock, NULL) != 0) {
        wf_free(ix->model);
        wf_free(ix);
        return WF_ENOMEM;
    }
    ix->dim = dim;
    *out = ix;
    return WF_OK;
}

static void free_contents(struct wf_search_index *ix)
{
    for (size_t i = 0; i < ix->n_chunks; i++) {
        wf_free(ix->chunks[i].heading);
        wf_free(ix->chunks[i].text);
        wf_free(ix->chunks[i].terms);
    }
    wf_free(ix->chunks);
    wf_free(ix->vecs);
    wf_free(ix->q8);
    wf_free(ix->q8_scale);
    wf_free(ix->has_vec);
    wf_free(ix->dlen);
    for (size_t i = 0; i < ix->n_terms; i++)
        wf_free(ix->terms[i].post);
    wf_free(ix->terms);
    wf_free(ix->tslots);
    wf_free(ix->pool);
    for (size_t i = 0; i < ix->cap_docs; i++)
        if (ix->docs[i].state == 1) {
            wf_free(ix->docs[i].name);
            wf_free(ix->docs[i].chunks);
        }
    wf_free(ix->docs);
}

void wf_search_index_free(struct wf_search_index *ix)
{
    if (!ix)
        return;
    free_contents(ix);
    pthread_rwlock_destroy(&ix->lock);
    wf_free(ix->model);
    wf_free(ix);
}

/* ---- removal and compaction (write lock held) ------------------------------------------- */

static void kill_chunk(struct wf_search_index *ix, uint32_t c)
{
    struct ichunk *ch = &ix->chunks[c];
    if (!ch->live)
        return;
    for (uint32_t i = 0; i < ch->n_terms; i++) {
        assert(ix->terms[ch->terms[i]].df > 0);
        ix->terms[ch->terms[i]].df--;
    }
    ch->live = 0;
    ix->has_vec[c] = 0; /* the vector scan reads only this flag */
    ix->dlen[c] = 0;
    ix->live_chunks--;
    ix->dead_chunks++;
    ix->total_dl -= ch->dl;
    wf_free(ch->heading);
    wf_free(ch->text);
    wf_free(ch->terms);
    ch->heading = ch->text = NULL;
    ch->terms = NULL;
    ch->n_terms = 0;
}

/* Renumbers live chunks densely and drops dead postings. Never fails: it
 * only moves memory down. */
static void compact(struct wf_search_index *ix)
{
    uint32_t *map = wf_malloc((ix->n_chunks ? ix->n_chunks : 1) * sizeof(*map));
    if (!map)
        return; /* tombstones stay; queries skip them */
    size_t w = 0;
    for (size_t r = 0; r < ix->n_chunks; r++) {
        if (!ix->chunks[r].live) {
            map[r] = UINT32_MAX;
            continue;
        }
        map[r] = (uint32_t)w;
        if (w != r) {
            ix->chunks[w] = ix->chunks[r];
            ix->has_vec[w] = ix->has_vec[r];
            ix->dlen[w] = ix->dlen[r];
            if (ix->dim) {
                memcpy(ix->vecs + w * ix->dim, ix->vecs + r * ix->dim, ix->dim * sizeof(float));
                memcpy(ix->q8 + w * ix->dim, ix->q8 + r * ix->dim, ix->dim);
                ix->q8_scale[w] = ix->q8_scale[r];
            }
        }
        w++;
    }
    ix->n_chunks = w;
    ix->dead_chunks = 0;
    for (size_t t = 0; t < ix->n_terms; t++) {
        struct term *tm = &ix->terms[t];
        size_t k = 0;
        for (size_t i = 0; i < tm->n_post; i++) {
            uint32_t m = map[tm->post[i].chunk];
            if (m != UINT32_MAX)
                tm->post[k++] = (struct posting){m, tm->post[i].tf};
        }
        tm->n_post = k;
    }
    for (size_t i = 0; i < ix->cap_docs; i++) {
        struct idoc *d = &ix->docs[i];
        if (d->state == 1)
            for (uint32_t j = 0; j < d->n; j++)
                d->chunks[j] = map[d->chunks[j]];
    }
    wf_free(map);
}

static void maybe_compact(struct wf_search_index *ix)
{
    if (ix->dead_chunks >= COMPACT_MIN_DEAD && ix->dead_chunks > ix->live_chunks)
        compact(ix);
}

int wf_search_index_remove(struct wf_search_index *ix, int64_t doc_id)
{
    if (!ix)
        return WF_EINVAL;
    pthread_rwlock_wrlock(&ix->lock);
    int rc = WF_ENOENT;
    struct idoc *d = doc_find(ix, doc_id);
    if (d) {
        for (uint32_t i = 0; i < d->n; i++)
            kill_chunk(ix, d->chunks[i]);
        doc_release(ix, d);
        maybe_compact(ix);
        rc = WF_OK;
    }
    pthread_rwlock_unlock(&ix->lock);
    return rc;
}

/* ---- put ------------------------------------------------------------------------ */

struct prepared {
    struct lterm *t; /* owned copy of the bag's terms */
    size_t n;
    uint32_t dl;
    char *bytes; /* owned term bytes */
};

static void prepared_free(struct prepared *p, size_t n)
{
    if (!p)
        return;
    for (size_t i = 0; i < n; i++) {
        wf_free(p[i].t);
        wf_free(p[i].bytes);
    }
    wf_free(p);
}

static int prepare(const char *doc_name, const struct wf_search_chunk *c, size_t n,
                   struct prepared **out)
{
    struct bag b;
    int rc = WF_OK;
    struct prepared *p = wf_calloc(n ? n : 1, sizeof(*p));
    if (!p)
        return WF_ENOMEM;
    bag_init(&b);
    size_t name_len = doc_name ? strlen(doc_name) : 0;
    for (size_t i = 0; i < n && !rc; i++) {
        bag_reset(&b);
        /* the document's name and the heading path count as the chunk's words */
        rc = wf_text_search_terms(doc_name ? doc_name : "", name_len, bag_add, &b);
        if (!rc && c[i].heading)
            rc = wf_text_search_terms(c[i].heading, strlen(c[i].heading), bag_add, &b);
        if (!rc && c[i].text)
            rc = wf_text_search_terms(c[i].text, c[i].len, bag_add, &b);
        if (rc)
            break;
        p[i].n = b.n;
        p[i].dl = b.total;
        p[i].t = wf_malloc((b.n ? b.n : 1) * sizeof(*p[i].t));
        p[i].bytes = wf_malloc(b.bytes.len ? b.bytes.len : 1);
        if (!p[i].t || !p[i].bytes) {
            rc = WF_ENOMEM;
            break;
        }
        memcpy(p[i].t, b.t, b.n * sizeof(*b.t));
        if (b.bytes.len)
            memcpy(p[i].bytes, b.bytes.p, b.bytes.len);
    }
    bag_cleanup(&b);
    if (rc) {
        prepared_free(p, n);
        return rc;
    }
    *out = p;
    return WF_OK;
}

static int chunks_reserve(struct wf_search_index *ix, size_t need)
{
    if (need <= ix->cap_chunks)
        return WF_OK;
    if (need > MAX_CHUNKS_TOTAL)
        return WF_ETOOBIG;
    size_t cap = ix->cap_chunks ? ix->cap_chunks : 64;
    while (cap < need)
        cap *= 2;
    struct ichunk *nc = wf_realloc(ix->chunks, cap * sizeof(*nc));
    if (!nc)
        return WF_ENOMEM;
    ix->chunks = nc;
    int *nh = wf_realloc(ix->has_vec, cap * sizeof(*nh));
    if (!nh)
        return WF_ENOMEM;
    ix->has_vec = nh;
    uint32_t *nd = wf_realloc(ix->dlen, cap * sizeof(*nd));
    if (!nd)
        return WF_ENOMEM;
    ix->dlen = nd;
    if (ix->dim) {
        float *nv = wf_realloc(ix->vecs, cap * ix->dim * sizeof(float));
        if (!nv)
            return WF_ENOMEM;
        ix->vecs = nv;
        int8_t *nq = wf_realloc(ix->q8, cap * ix->dim);
        if (!nq)
            return WF_ENOMEM;
        ix->q8 = nq;
        float *ns = wf_realloc(ix->q8_scale, cap * sizeof(*ns));
        if (!ns)
            return WF_ENOMEM;
        ix->q8_scale = ns;
    }
    ix->cap_chunks = cap;
    return WF_OK;
}

/* Adds one chunk as chunk number ix->n_chunks. On failure nothing of it is
 * visible (its postings are only appended once every term is interned). */
static int add_chunk(struct wf_search_index *ix, int64_t doc_id, const struct wf_search_chunk *c,
                     const struct prepared *p, const float *vec)
{
    uint32_t num = (uint32_t)ix->n_chunks;
    uint32_t *ids = wf_malloc((p->n ? p->n : 1) * sizeof(*ids));
    char *heading = wf_strndup(c->heading ? c->heading : "", c->heading ? strlen(c->heading) : 0);
    char *text = wf_strndup(c->text ? c->text : "", c->text ? c->len : 0);
    int rc = ids && heading && text ? WF_OK : WF_ENOMEM;
    for (size_t i = 0; i < p->n && !rc; i++) {
        rc = term_intern(ix, p->t[i].hash, p->bytes + p->t[i].off, p->t[i].len, &ids[i]);
        if (!rc) {
            struct term *tm = &ix->terms[ids[i]];
            rc = wf_grow((void **)&tm->post, &tm->cap_post, tm->n_post + 1, sizeof(*tm->post),
                         MAX_CHUNKS_TOTAL);
        }
    }
    if (rc) {
        wf_free(ids);
        wf_free(heading);
        wf_free(text);
        return rc;
    }
    for (size_t i = 0; i < p->n; i++) {
        struct term *tm = &ix->terms[ids[i]];
        tm->post[tm->n_post++] = (struct posting){num, p->t[i].tf};
        tm->df++;
    }
    struct ichunk *ch = &ix->chunks[num];
    ch->doc_id = doc_id;
    ch->seq = c->seq;
    ch->line_start = c->line_start;
    ch->line_end = c->line_end;
    ch->dl = p->dl;
    ch->live = 1;
    ch->heading = heading;
    ch->text = text;
    ch->terms = ids;
    ch->n_terms = (uint32_t)p->n;
    ix->has_vec[num] = vec != NULL;
    ix->dlen[num] = p->dl;
    if (ix->dim) {
        float *dst = ix->vecs + (size_t)num * ix->dim;
        if (vec) {
            double ss = 0;
            for (size_t k = 0; k < ix->dim; k++)
                ss += (double)vec[k] * vec[k];
            float inv = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
            for (size_t k = 0; k < ix->dim; k++)
                dst[k] = vec[k] * inv;
        } else {
            memset(dst, 0, ix->dim * sizeof(float));
        }
        ix->q8_scale[num] = wf_search__quantize_i8(dst, ix->dim, ix->q8 + (size_t)num * ix->dim);
    }
    ix->n_chunks++;
    ix->live_chunks++;
    ix->total_dl += p->dl;
    return WF_OK;
}

int wf_search_index_put(struct wf_search_index *ix, int64_t doc_id, const char *doc_name,
                        const struct wf_search_chunk *c, size_t n, const float *vecs,
                        const char *vec_model)
{
    if (!ix || (n && !c) || n > WF_SEARCH_MAX_CHUNKS)
        return WF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (c[i].len && !c[i].text)
            return WF_EINVAL;
    struct prepared *p = NULL;
    int rc = prepare(doc_name, c, n, &p);
    if (rc)
        return rc;
    uint32_t *nums = wf_malloc((n ? n : 1) * sizeof(*nums));
    char *name = wf_strndup(doc_name ? doc_name : "", doc_name ? strlen(doc_name) : 0);
    if (!nums || !name) {
        wf_free(nums);
        wf_free(name);
        prepared_free(p, n);
        return WF_ENOMEM;
    }

    pthread_rwlock_wrlock(&ix->lock);
    size_t added = 0;
    /* vectors of another model (or on a keyword-only index): mixing refused.
     * Checked under the lock: a swap may change the model. */
    if (vecs && (!ix->dim || !vec_model || strcmp(vec_model, ix->model) != 0))
        rc = WF_EINVAL;
    else
        rc = chunks_reserve(ix, ix->n_chunks + n);
    if (!rc)
        rc = doc_table_grow(ix);
    for (; added < n && !rc; added++) {
        nums[added] = (uint32_t)ix->n_chunks;
        rc = add_chunk(ix, doc_id, &c[added], &p[added], vecs ? vecs + added * ix->dim : NULL);
        if (rc)
            break;
    }
    if (rc) {
        for (size_t i = 0; i < added; i++)
            kill_chunk(ix, nums[i]);
        wf_free(nums);
        wf_free(name);
    } else {
        struct idoc *old = doc_find(ix, doc_id);
        if (old) {
            for (uint32_t i = 0; i < old->n; i++)
                kill_chunk(ix, old->chunks[i]);
            doc_release(ix, old);
        }
        struct idoc *d = doc_insert(ix, doc_id);
        d->name = name;
        d->chunks = nums;
        d->n = (uint32_t)n;
        maybe_compact(ix);
    }
    pthread_rwlock_unlock(&ix->lock);
    prepared_free(p, n);
    return rc;
}

int wf_search_index_swap(struct wf_search_index *a, struct wf_search_index *b)
{
    if (!a || !b || a == b)
        return WF_EINVAL;
    struct wf_search_index *first = a < b ? a : b, *second = a < b ? b : a;
    pthread_rwlock_wrlock(&first->lock);
    pthread_rwlock_wrlock(&second->lock);
    struct wf_search_index tmp;
    size_t body = sizeof(tmp) - offsetof(struct wf_search_index, model);
    memcpy((char *)&tmp + offsetof(struct wf_search_index, model),
           (char *)a + offsetof(struct wf_search_index, model), body);
    memcpy((char *)a + offsetof(struct wf_search_index, model),
           (char *)b + offsetof(struct wf_search_index, model), body);
    memcpy((char *)b + offsetof(struct wf_search_index, model),
           (char *)&tmp + offsetof(struct wf_search_index, model), body);
    pthread_rwlock_unlock(&second->lock);
    pthread_rwlock_unlock(&first->lock);
    return WF_OK;
}

/* ---- counts ----------------------------------------------------------------------- */

size_t wf_search_index_docs(struct wf_search_index *ix)
{
    if (!ix)
        return 0;
    pthread_rwlock_rdlock(&ix->lock);
    size_t n = ix->live_docs;
    pthread_rwlock_unlock(&ix->lock);
    return n;
}

size_t wf_search_index_chunks(struct wf_search_index *ix)
{
    if (!ix)
        return 0;
    pthread_rwlock_rdlock(&ix->lock);
    size_t n = ix->live_chunks;
    pthread_rwlock_unlock(&ix->lock);
    return n;
}

const char *wf_search_index_model(struct wf_search_index *ix)
{
    if (!ix)
        return "";
    pthread_rwlock_rdlock(&ix->lock);
    const char *m = ix->model;
    pthread_rwlock_unlock(&ix->lock);
    return m;
}

size_t wf_search_index_dim(struct wf_search_index *ix)
{
    if (!ix)
        return 0;
    pthread_rwlock_rdlock(&ix->lock);
    size_t d = ix->dim;
    pthread_rwlock_unlock(&ix->lock);
    return d;
}

/* ---- query (read lock held) ----------------------------------------------------------- */

struct cand {
    uint32_t chunk;
    float score;
    int64_t doc_id; /* ties break on (doc_id, seq): stable across compactions */
    uint32_t seq;
};

/* Min-heap of the best k candidates (the worst at the root). */
struct topk {
    struct cand *h;
    size_t n, k;
};

static int better(struct cand a, struct cand b)
{
    if (a.score != b.score)
        return a.score > b.score;
    if (a.doc_id != b.doc_id)
        return a.doc_id < b.doc_id;
    return a.seq < b.seq;
}

static void topk_push(struct topk *t, const struct ichunk *ch, uint32_t chunk, float score)
{
    struct cand c = {chunk, score, ch->doc_id, ch->seq};
    if (t->n < t->k) {
        size_t i = t->n++;
        while (i && better(t->h[(i - 1) / 2], c)) {
            t->h[i] = t->h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        t->h[i] = c;
        return;
    }
    if (!better(c, t->h[0]))
        return;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        struct cand mc = c;
        if (l < t->n && better(mc, t->h[l]))
            m = l, mc = t->h[l];
        if (r < t->n && better(mc, t->h[r]))
            m = r, mc = t->h[r];
        if (m == i)
            break;
        t->h[i] = t->h[m];
        i = m;
    }
    t->h[i] = c;
}

/* A score strictly below the worst of a full heap cannot enter it (equal
 * scores go on to the tie-break in topk_push). */
static inline int topk_rejects(const struct topk *t, float score)
{
    return t->n == t->k && score < t->h[0].score;
}

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    return better(*x, *y) ? -1 : better(*y, *x) ? 1 : 0;
}

/* Sorts the heap best first in place. */
static void topk_sort(struct topk *t)
{
    qsort(t->h, t->n, sizeof(*t->h), cmp_cand);
}

/* BM25 of every chunk into kw (dense, zeroed by the caller). */
static int keyword_scores(struct wf_search_index *ix, const char *text, float *kw)
{
    struct bag b;
    bag_init(&b);
    int rc = text ? wf_text_search_terms(text, strlen(text), bag_add, &b) : WF_OK;
    if (rc || !ix->live_chunks) {
        bag_cleanup(&b);
        return rc;
    }
    double N = (double)ix->live_chunks;
    double avgdl = (double)ix->total_dl / N;
    if (avgdl <= 0)
        avgdl = 1;
    const double k1 = WF_SEARCH_BM25_K1, bb = WF_SEARCH_BM25_B;
    for (size_t i = 0; i < b.n; i++) {
        int64_t id = term_lookup(ix, b.t[i].hash, b.bytes.p + b.t[i].off, b.t[i].len);
        if (id < 0)
            continue;
        const struct term *tm = &ix->terms[id];
        if (!tm->df)
            continue;
        double df = tm->df;
        double idf = log(1.0 + (N - df + 0.5) / (df + 0.5));
        const uint32_t *dlen = ix->dlen;
        for (size_t j = 0; j < tm->n_post; j++) {
            const struct posting *po = &tm->post[j];
            uint32_t dl = dlen[po->chunk];
            if (!dl) /* dead (a live chunk with a posting has dl >= 1) */
                continue;
            double tf = po->tf;
            double s = idf * tf * (k1 + 1) / (tf + k1 * (1 - bb + bb * dl / avgdl));
            kw[po->chunk] += (float)s;
        }
    }
    bag_cleanup(&b);
    return WF_OK;
}

/* Min-heap of the prefilter's candidates: approximate score and chunk
 * number only (ties keep the earlier chunk; they only decide which of two
 * equal approximations is rescored). */
struct pre_ent {
    float score;
    uint32_t chunk;
};

struct pre {
    struct pre_ent *h;
    size_t n, k;
};

static void pre_push(struct pre *p, struct pre_ent e)
{
    if (p->n < p->k) {
        size_t i = p->n++;
        while (i && p->h[(i - 1) / 2].score > e.score) {
            p->h[i] = p->h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        p->h[i] = e;
        return;
    }
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = l;
        if (l >= p->n)
            break;
        if (r < p->n && p->h[r].score < p->h[l].score)
            m = r;
        if (p->h[m].score >= e.score)
            break;
        p->h[i] = p->h[m];
        i = m;
    }
    p->h[i] = e;
}

/* Exact cosine of chunk c (vectors are normalised), -2 without a vector. */
static float vec_score(const struct wf_search_index *ix, const float *qv, size_t c)
{
    return ix->has_vec[c] ? wf_search__dot(qv, ix->vecs + c * ix->dim, ix->dim) : -2.0f;
}

/* The best `need` chunks by exact cosine into t (sorted, best first). The
 * default path scans the int8 copies for the best C = max(20 * top_k,
 * WF_SEARCH_PREFILTER_MIN, need) candidates, then rescores only those with
 * the float vectors, so every returned score is exact; `exact` (or an index
 * with no more than C live chunks) scans all float vectors instead. */
static int vector_rank(struct wf_search_index *ix, const float *qv, size_t need, size_t top_k,
                       int exact, struct topk *t)
{
    t->k = need;
    t->n = 0;
    t->h = wf_malloc((need ? need : 1) * sizeof(*t->h));
    if (!t->h)
        return WF_ENOMEM;
    size_t dim = ix->dim;
    size_t cands = 20 * top_k; /* top_k <= WF_SEARCH_MAX_TOP_K */
    if (cands < WF_SEARCH_PREFILTER_MIN)
        cands = WF_SEARCH_PREFILTER_MIN;
    if (cands < need)
        cands = need;
    if (exact || ix->live_chunks <= cands) {
        for (size_t c = 0; c < ix->n_chunks; c++)
            if (ix->chunks[c].live && ix->has_vec[c])
                topk_push(t, &ix->chunks[c], (uint32_t)c, vec_score(ix, qv, c));
        topk_sort(t);
        return WF_OK;
    }
    struct pre pre = {wf_malloc(cands * sizeof(struct pre_ent)), 0, cands};
    int8_t *qq = wf_malloc(dim);
    if (!pre.h || !qq) {
        wf_free(pre.h);
        wf_free(qq);
        return WF_ENOMEM;
    }
    (void)wf_search__quantize_i8(qv, dim, qq); /* the query's scale ranks nothing */
    wf_search__dot_i8_fn dot8 = wf_search__dot_i8_pick();
    const int8_t *row = ix->q8;
    for (size_t c = 0; c < ix->n_chunks; c++, row += dim)
        if (ix->has_vec[c]) { /* cleared for dead chunks */
            float sc = ix->q8_scale[c] * (float)dot8(qq, row, dim);
            if (pre.n < pre.k || sc > pre.h[0].score)
                pre_push(&pre, (struct pre_ent){sc, (uint32_t)c});
        }
    for (size_t i = 0; i < pre.n; i++) {
        uint32_t c = pre.h[i].chunk;
        topk_push(t, &ix->chunks[c], c, vec_score(ix, qv, c));
    }
    topk_sort(t);
    wf_free(pre.h);
    wf_free(qq);
    return WF_OK;
}

static int rank_list(struct wf_search_index *ix, const float *scores, float floor, size_t k,
                     struct topk *t)
{
    t->k = k;
    t->n = 0;
    t->h = wf_malloc((k ? k : 1) * sizeof(*t->h));
    if (!t->h)
        return WF_ENOMEM;
    for (size_t c = 0; c < ix->n_chunks; c++)
        if (scores[c] > floor && ix->chunks[c].live && !topk_rejects(t, scores[c]))
            topk_push(t, &ix->chunks[c], (uint32_t)c, scores[c]);
    topk_sort(t);
    return WF_OK;
}

static char *dup_str(const char *s)
{
    return wf_strndup(s ? s : "", s ? strlen(s) : 0);
}

/* Per-thread score arrays, reused across queries: allocating (and faulting
 * in) three arrays of n_chunks floats per query cost more than scoring at
 * 100k chunks. Freed when the thread exits. */
struct scratch {
    float *a[3];
    size_t cap;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_ok;

static void scratch_free(void *p)
{
    struct scratch *s = p;
    if (!s)
        return;
    for (int i = 0; i < 3; i++)
        free(s->a[i]);
    free(s);
}

static void scratch_init(void)
{
    scratch_ok = pthread_key_create(&scratch_key, scratch_free) == 0;
}

/* Three arrays of at least n floats (not zeroed), or NULL. Not wf_malloc:
 * they outlive any one query. */
static struct scratch *scratch_get(size_t n)
{
    pthread_once(&scratch_once, scratch_init);
    if (!scratch_ok)
        return NULL;
    struct scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        if (!(s = calloc(1, sizeof(*s))))
            return NULL;
        if (pthread_setspecific(scratch_key, s) != 0) {
            free(s);
            return NULL;
        }
    }
    if (s->cap < n) {
        size_t cap = n + n / 4;
        for (int i = 0; i < 3; i++) {
            float *na = realloc(s->a[i], cap * sizeof(float));
            if (!na)
                return NULL;
            s->a[i] = na;
        }
        s->cap = cap;
    }
    return s;
}

int wf_search_index_query(struct wf_search_index *ix, const struct wf_search_query *q,
                          struct wf_search_hit **out, size_t *n)
{
    return wf_search_index_query_flags(ix, q, 0, out, n);
}

int wf_search_index_query_flags(struct wf_search_index *ix, const struct wf_search_query *q,
                                unsigned flags, struct wf_search_hit **out, size_t *n)
{
    if (!ix || !q || !out || !n || q->top_k > WF_SEARCH_MAX_TOP_K || (flags & ~WF_SEARCH_EXACT) ||
        (unsigned)q->mode > WF_SEARCH_HYBRID || (unsigned)q->fusion > WF_FUSION_WEIGHTED ||
        !(q->keyword_weight >= 0 && q->keyword_weight <= 1))
        return WF_EINVAL;
    size_t k = q->top_k ? q->top_k : 10;
    enum wf_search_mode mode = q->mode;
    float *qv = NULL;
    struct wf_search_hit *hits = NULL;
    struct topk tk = {0}, tv = {0}, tf = {0};
    float *kw = NULL;
    struct scratch *sc = NULL;
    size_t nh = 0;
    int rc = WF_OK;

    pthread_rwlock_rdlock(&ix->lock);
    if (mode != WF_SEARCH_KEYWORD && (!q->vec || !ix->dim))
        mode = WF_SEARCH_KEYWORD; /* nothing to compare vectors with */
    if (mode != WF_SEARCH_KEYWORD) {
        if (!(qv = wf_malloc(ix->dim * sizeof(float)))) {
            rc = WF_ENOMEM;
            goto out;
        }
        double ss = 0;
        for (size_t i = 0; i < ix->dim; i++)
            ss += (double)q->vec[i] * q->vec[i];
        float inv = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
        for (size_t i = 0; i < ix->dim; i++)
            qv[i] = q->vec[i] * inv;
    }
    size_t nc = ix->n_chunks ? ix->n_chunks : 1;
    if (mode != WF_SEARCH_SEMANTIC) {
        if (!(sc = scratch_get(nc))) {
            rc = WF_ENOMEM;
            goto out;
        }
        kw = sc->a[0];
        memset(kw, 0, nc * sizeof(*kw));
        if ((rc = keyword_scores(ix, q->text, kw)))
            goto out;
    }
    size_t depth = k > FUSION_DEPTH ? k : FUSION_DEPTH;
    if (mode == WF_SEARCH_KEYWORD) {
        rc = rank_list(ix, kw, 0.0f, k, &tf);
    } else if (mode == WF_SEARCH_SEMANTIC) {
        rc = vector_rank(ix, qv, k, k, (flags & WF_SEARCH_EXACT) != 0, &tf);
    } else {
        if (!(sc = scratch_get(nc))) {
            rc = WF_ENOMEM;
            goto out;
        }
        if ((rc = rank_list(ix, kw, 0.0f, depth, &tk)) ||
            (rc = vector_rank(ix, qv, depth, k, (flags & WF_SEARCH_EXACT) != 0, &tv)))
            goto out;
        /* fused scores land in a dense array, touched only at the chunks of
         * both lists (cleared there first, not over all chunks) */
        float *fs = sc->a[2];
        for (size_t i = 0; i < tk.n; i++)
            fs[tk.h[i].chunk] = 0;
        for (size_t i = 0; i < tv.n; i++)
            fs[tv.h[i].chunk] = 0;
        double w = q->keyword_weight;
        if (q->fusion == WF_FUSION_RRF) {
            for (size_t i = 0; i < tk.n; i++)
                fs[tk.h[i].chunk] += (float)(1.0 / (WF_SEARCH_RRF_K + (double)(i + 1)));
            for (size_t i = 0; i < tv.n; i++)
                fs[tv.h[i].chunk] += (float)(1.0 / (WF_SEARCH_RRF_K + (double)(i + 1)));
        } else {
            double kmax = tk.n ? tk.h[0].score : 0;
            double vmax = tv.n ? tv.h[0].score : 0, vmin = tv.n ? tv.h[tv.n - 1].score : 0;
            for (int pass = 0; pass < 2; pass++) {
                const struct topk *t = pass ? &tv : &tk;
                for (size_t i = 0; i < t->n; i++) {
                    uint32_t c = t->h[i].chunk;
                    double kn = kmax > 0 ? kw[c] / kmax : 0;
                    double vc = vec_score(ix, qv, c);
                    double vn = vmax > vmin ? (vc - vmin) / (vmax - vmin) : (tv.n ? 1 : 0);
                    if (vn < 0)
                        vn = 0;
                    fs[c] = (float)(w * kn + (1 - w) * vn) + 1e-6f; /* > 0: in a list */
                }
            }
        }
        tf.k = k;
        tf.n = 0;
        if (!(tf.h = wf_malloc(k * sizeof(*tf.h)))) {
            rc = WF_ENOMEM;
            goto out;
        }
        for (int pass = 0; pass < 2; pass++) {
            const struct topk *t = pass ? &tv : &tk;
            for (size_t i = 0; i < t->n; i++) {
                uint32_t c = t->h[i].chunk;
                if (fs[c] > 0) { /* each chunk once: marked below */
                    topk_push(&tf, &ix->chunks[c], c, fs[c]);
                    fs[c] = -fs[c];
                }
            }
        }
        topk_sort(&tf);
    }
    if (rc)
        goto out;
    if (tf.n && !(hits = wf_calloc(tf.n, sizeof(*hits)))) {
        rc = WF_ENOMEM;
        goto out;
    }
    for (nh = 0; nh < tf.n; nh++) {
        uint32_t c = tf.h[nh].chunk;
        const struct ichunk *ch = &ix->chunks[c];
        const struct idoc *d = doc_find(ix, ch->doc_id);
        struct wf_search_hit *h = &hits[nh];
        h->doc_id = ch->doc_id;
        h->seq = ch->seq;
        h->line_start = ch->line_start;
        h->line_end = ch->line_end;
        h->score = tf.h[nh].score;
        h->keyword_score = kw ? kw[c] : 0;
        h->vector_score = qv ? vec_score(ix, qv, c) : 0;
        h->doc_name = dup_str(d ? d->name : "");
        h->heading = dup_str(ch->heading);
        h->text = dup_str(ch->text);
        if (!h->doc_name || !h->heading || !h->text) {
            nh++;
            rc = WF_ENOMEM;
            goto out;
        }
    }
out:
    pthread_rwlock_unlock(&ix->lock);
    wf_free(tk.h);
    wf_free(tv.h);
    wf_free(tf.h);
    wf_free(qv);
    if (rc) {
        wf_search_hits_free(hits, nh);
        return rc;
    }
    *out = hits;
    *n = nh;
    return WF_OK;
}

void wf_search_hits_free(struct wf_search_hit *h, size_t n)
{
    if (!h)
        return;
    for (size_t i = 0; i < n; i++) {
        wf_free(h[i].doc_name);
        wf_free(h[i].heading);
        wf_free(h[i].text);
    }
    wf_free(h);
}
