/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed: the built-in offline embedder ("builtin:hash-ngram-v2/<dim>"). No
 * weights: features are hashed into a fixed number of dimensions with a
 * sign bit (signed feature hashing), so vectors never depend on the corpus.
 * Features: the search tokenizer's terms (stemmed words, whole code tokens
 * and their parts), bigrams of consecutive words, and character 3-5-grams
 * of each term with boundary marks (so "timeout" and "timeouts", or
 * "journalctl" and "journal", share most features). Each n-gram is hashed
 * once from its packed bytes, extended from the 3-gram to the 5-gram at
 * each start position; a bigram's hash combines its two word hashes. Term frequency is
 * sublinear (1 + ln tf); generic documentation words get a fixed lower
 * weight from a built-in table (the "IDF" part: a constant table, not
 * corpus statistics). The vector is L2-normalised. See
 * docs/internals/embed.md for the weights.
 */
#include "embed/embed_int.h"
#include "text/text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W_WORD 1.0f         /* a stemmed prose word or a part */
#define W_WHOLE 1.0f        /* a code token kept whole */
#define W_PART 0.6f         /* a part of a code token */
#define W_BIGRAM 0.5f       /* two consecutive words */
#define W_NGRAMS 0.8f       /* all character n-grams of one term, together */
#define W_COMMON 0.4f       /* multiplier for generic documentation words */
#define MAX_FEATURES 65536u /* distinct features counted per text; the rest are dropped */

/* Stems of words that occur in most technical documents and say little
 * about a section (sorted, strcmp order; a unit test checks it). */
static const char *const common[] = {
    "add",     "allow",    "also",   "alway",   "avail",  "default", "describ", "differ", "e.g",
    "exampl",  "file",     "follow", "given",   "i.e",    "includ",  "like",    "list",   "mani",
    "may",     "must",     "name",   "need",    "new",    "note",    "number",  "one",    "onli",
    "option",  "otherwis", "output", "possibl", "provid", "see",     "set",     "show",   "specifi",
    "support", "two",      "use",    "valu",    "way",    "whether", "within",  "without"};
#define N_COMMON (sizeof(common) / sizeof(common[0]))
#define COMMON_MAX_LEN 8 /* longest word in common[] */

const char *const *wf_embed__common_words(size_t *n)
{
    *n = N_COMMON;
    return common;
}

#define N_LOGTF 64
#define SEED_WORD 0x1111u
#define SEED_BIGRAM 0x2222ULL
#define SEED_NGRAM 0xC0FFEEULL

/* Feature counts of one text: open addressing on the 64-bit feature hash. */
struct feat {
    uint64_t h;
    float w;  /* weight of one occurrence */
    float tf; /* occurrences */
};

struct fmap {
    struct feat *f;           /* all zero between texts */
    uint32_t *used;           /* slots of the n features, in insertion order (alloc / 2) */
    size_t cap, n, alloc;     /* slots in use for this text, features, slots allocated */
    uint64_t prev;            /* hash of the previous word, for bigrams; 0 when none */
    const uint64_t *common_h; /* sorted hashes of common[] */
    int err;
};

/* The built-in embedder: the generic part plus what it reuses between
 * calls. */
struct builtin {
    struct wf_embed base;
    uint64_t common_h[N_COMMON];
    float logtf[N_LOGTF]; /* 1 + ln tf for small tf (logtf[0] unused) */
};

static int fmap_grow(struct fmap *m)
{
    size_t cap = m->cap * 2;
    struct feat *nf = wf_calloc(cap, sizeof(*nf));
    uint32_t *nu = wf_malloc(cap / 2 * sizeof(*nu));
    if (!nf || !nu) {
        wf_free(nf);
        wf_free(nu);
        m->err = WF_ENOMEM;
        return m->err;
    }
    for (size_t k = 0; k < m->n; k++) {
        const struct feat *f = &m->f[m->used[k]];
        size_t j = f->h & (cap - 1);
        while (nf[j].h)
            j = (j + 1) & (cap - 1);
        nf[j] = *f;
        nu[k] = (uint32_t)j;
    }
    wf_free(m->f);
    wf_free(m->used);
    m->f = nf;
    m->used = nu;
    m->cap = m->alloc = cap;
    return WF_OK;
}

static inline void fmap_add(struct fmap *m, uint64_t h, float w)
{
    if (!h)
        h = 1;
    if ((m->n + 1) * 2 > m->cap) {
        if (m->cap >= 2 * MAX_FEATURES || fmap_grow(m))
            return;
    }
    size_t mask = m->cap - 1;
    size_t j = h & mask;
    while (m->f[j].h && m->f[j].h != h)
        j = (j + 1) & mask;
    if (!m->f[j].h) {
        m->f[j].h = h;
        m->f[j].w = w;
        m->used[m->n++] = (uint32_t)j;
    }
    m->f[j].tf += 1;
}

/* Prepares m for a text of len bytes: a table sized to the text (up to one
 * distinct feature per byte before it grows), reusing the allocation of
 * earlier texts, whose used slots were cleared one by one. */
static int fmap_reset(struct fmap *m, size_t len)
{
    size_t want = 256;
    while (want < 2 * len && want < 2 * MAX_FEATURES)
        want *= 2;
    if (want > m->alloc) {
        wf_free(m->f);
        wf_free(m->used);
        m->f = wf_calloc(want, sizeof(*m->f));
        m->used = wf_malloc(want / 2 * sizeof(*m->used));
        m->alloc = m->f && m->used ? want : 0;
        if (!m->alloc)
            return WF_ENOMEM;
    }
    m->cap = want;
    m->n = 0;
    m->prev = 0;
    m->err = WF_OK;
    return WF_OK;
}

/* wf_hash64(p, len, seed) for len < 8, inlined (kept for the tests: the
 * unit tests compare both). */
static inline uint64_t hash_short(const char *p, size_t len, uint64_t seed)
{
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
    uint64_t t = 0;
    for (size_t i = 0; i < len; i++)
        t |= (uint64_t)(unsigned char)p[i] << (8 * i);
    h ^= wf_fmix64(t ^ 0x4cf5ad432745937fULL);
    return wf_fmix64(h);
}

uint64_t wf_embed__hash_short(const char *p, size_t len, uint64_t seed)
{
    return hash_short(p, len, seed);
}

/* The hash of one character n-gram of g = 3..5 bytes packed little-endian
 * in t: wf_hash64(bytes, g, SEED_NGRAM + g), computed from the packed bytes
 * (a unit test compares both). */
static inline uint64_t ngram_hash(uint64_t t, unsigned g)
{
    uint64_t h = (SEED_NGRAM + g) ^ (g * 0x9e3779b97f4a7c15ULL);
    h ^= wf_fmix64(t ^ 0x4cf5ad432745937fULL);
    return wf_fmix64(h);
}

uint64_t wf_embed__ngram_hash(const char *p, size_t len)
{
    uint64_t t = 0;
    for (size_t i = 0; i < len && i < 7; i++)
        t |= (uint64_t)(unsigned char)p[i] << (8 * i);
    return ngram_hash(t, (unsigned)len);
}

/* All character 3-, 4- and 5-grams of "<term>": for each start position the
 * bytes are packed once and the 3-gram is extended to the 4- and 5-gram. */
static void add_ngrams(struct fmap *m, const char *t, size_t n, float weight)
{
    unsigned char b[WF_TEXT_TERM_MAX_BYTES + 2];
    b[0] = '<';
    memcpy(b + 1, t, n);
    b[n + 1] = '>';
    size_t len = n + 2;
    if (len < 3)
        return;
    size_t count = (len - 2) + (len >= 4 ? len - 3 : 0) + (len >= 5 ? len - 4 : 0);
    float w = weight * W_NGRAMS / sqrtf((float)count);
    for (size_t i = 0; i + 3 <= len; i++) {
        uint64_t p = (uint64_t)b[i] | (uint64_t)b[i + 1] << 8 | (uint64_t)b[i + 2] << 16;
        fmap_add(m, ngram_hash(p, 3), w);
        if (i + 4 > len)
            continue;
        p |= (uint64_t)b[i + 3] << 24;
        fmap_add(m, ngram_hash(p, 4), w);
        if (i + 5 > len)
            continue;
        p |= (uint64_t)b[i + 4] << 32;
        fmap_add(m, ngram_hash(p, 5), w);
    }
}

static int is_common(const struct fmap *m, uint64_t h)
{
    size_t lo = 0, hi = N_COMMON;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->common_h[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < N_COMMON && m->common_h[lo] == h;
}

static int on_term(void *ud, const char *t, size_t n, enum wf_text_term_kind kind)
{
    struct fmap *m = ud;
    float base = kind == WF_TEXT_TERM_PART ? W_PART : kind == WF_TEXT_TERM_WHOLE ? W_WHOLE : W_WORD;
    uint64_t h = wf_hash64(t, n, SEED_WORD);
    if (n <= COMMON_MAX_LEN && is_common(m, h))
        base *= W_COMMON;
    fmap_add(m, h, base);
    add_ngrams(m, t, n, base);
    if (kind != WF_TEXT_TERM_PART) {
        if (m->prev)
            fmap_add(m, wf_fmix64(m->prev * 0x9e3779b97f4a7c15ULL ^ h ^ SEED_BIGRAM),
                     W_BIGRAM * base);
        m->prev = h | 1; /* never 0: 0 means no previous word */
    }
    return m->err;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int builtin_texts(struct wf_embed *e, const struct wf_str *texts, size_t n, float *out,
                         struct wf_buf *err)
{
    struct builtin *b = (struct builtin *)e;
    struct fmap m;
    memset(&m, 0, sizeof(m));
    m.common_h = b->common_h;
    size_t dim = e->dim;
    size_t dmask = (dim & (dim - 1)) == 0 ? dim - 1 : 0; /* dim a power of two: mask, not % */
    int rc = WF_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        float *v = out + i * dim;
        memset(v, 0, dim * sizeof(float));
        size_t len =
            texts[i].len < WF_EMBED_MAX_TEXT_BYTES ? texts[i].len : WF_EMBED_MAX_TEXT_BYTES;
        rc = fmap_reset(&m, len);
        if (!rc)
            rc = wf_text_search_terms(texts[i].p, len, on_term, &m);
        if (!rc)
            rc = m.err;
        for (size_t k = 0; k < m.n; k++) {
            struct feat *f = &m.f[m.used[k]];
            float val = f->tf < (float)N_LOGTF ? f->w * b->logtf[(size_t)f->tf]
                                               : f->w * (1.0f + logf(f->tf));
            size_t idx = dmask ? (size_t)(f->h >> 1) & dmask : (size_t)((f->h >> 1) % dim);
            v[idx] += (f->h >> 63) ? -val : val;
            memset(f, 0, sizeof(*f));
        }
        m.n = 0;
        wf_embed__normalize(v, dim);
    }
    wf_free(m.f);
    wf_free(m.used);
    if (rc && err)
        (void)wf_buf_appendf(err, "embed: builtin: %s", wf_strerror(rc));
    return rc;
}

static void builtin_free(struct wf_embed *e)
{
    wf_free(e);
}

static const struct wf_embed_ops builtin_ops = {"builtin", builtin_texts, builtin_free};

int wf_embed_builtin_dim(size_t dim, struct wf_embed **out)
{
    if (!out || dim < 16 || dim > WF_EMBED_MAX_DIM)
        return WF_EINVAL;
    struct builtin *b = wf_calloc(1, sizeof(*b));
    if (!b)
        return WF_ENOMEM;
    for (size_t i = 0; i < N_COMMON; i++)
        b->common_h[i] = wf_hash64(common[i], strlen(common[i]), SEED_WORD);
    qsort(b->common_h, N_COMMON, sizeof(b->common_h[0]), cmp_u64);
    for (size_t i = 1; i < N_LOGTF; i++)
        b->logtf[i] = i == 1 ? 1.0f : 1.0f + logf((float)i);
    b->base.ops = &builtin_ops;
    b->base.dim = dim;
    (void)snprintf(b->base.model, sizeof(b->base.model), "builtin:hash-ngram-v2/%zu", dim);
    *out = &b->base;
    return WF_OK;
}

int wf_embed_builtin(struct wf_embed **out)
{
    return wf_embed_builtin_dim(WF_EMBED_BUILTIN_DIM, out);
}
