/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed: the built-in offline embedder ("builtin:hash-ngram-v1/<dim>"). No
 * weights: features are hashed into a fixed number of dimensions with a
 * sign bit (signed feature hashing), so vectors never depend on the corpus.
 * Features: the search tokenizer's terms (stemmed words, whole code tokens
 * and their parts), bigrams of consecutive words, and character 3-5-grams
 * of each term with boundary marks (so "timeout" and "timeouts", or
 * "journalctl" and "journal", share most features). Term frequency is
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
 * about a section (sorted, strcmp order). */
static const char *const common[] = {
    "add",     "also",     "allow",  "alway",   "avail",  "default", "describ", "differ", "e.g",
    "exampl",  "file",     "follow", "given",   "i.e",    "includ",  "like",    "list",   "mani",
    "may",     "must",     "name",   "need",    "new",    "note",    "number",  "one",    "onli",
    "option",  "otherwis", "output", "possibl", "provid", "see",     "set",     "show",   "specifi",
    "support", "two",      "use",    "valu",    "way",    "whether", "within",  "without"};

static int cmp_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static int is_common(const char *t, size_t n)
{
    char tmp[16];
    if (n == 0 || n >= sizeof(tmp))
        return 0;
    memcpy(tmp, t, n);
    tmp[n] = 0;
    return bsearch(tmp, common, sizeof(common) / sizeof(common[0]), sizeof(common[0]), cmp_word) !=
           NULL;
}

/* Feature counts of one text: open addressing on the 64-bit feature hash. */
struct feat {
    uint64_t h;
    float w;  /* weight of one occurrence */
    float tf; /* occurrences */
};

struct fmap {
    struct feat *f;
    size_t cap, n;
    char prev[WF_TEXT_TERM_MAX_BYTES + 1]; /* previous word, for bigrams */
    size_t prev_len;
    int err;
};

static void fmap_add(struct fmap *m, uint64_t h, float w)
{
    if (!h)
        h = 1;
    if ((m->n + 1) * 2 > m->cap) {
        if (m->cap >= 2 * MAX_FEATURES)
            return;
        size_t cap = m->cap ? m->cap * 2 : 1024;
        struct feat *nf = wf_calloc(cap, sizeof(*nf));
        if (!nf) {
            m->err = WF_ENOMEM;
            return;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->f[i].h) {
                size_t j = m->f[i].h & (cap - 1);
                while (nf[j].h)
                    j = (j + 1) & (cap - 1);
                nf[j] = m->f[i];
            }
        wf_free(m->f);
        m->f = nf;
        m->cap = cap;
    }
    size_t j = h & (m->cap - 1);
    while (m->f[j].h && m->f[j].h != h)
        j = (j + 1) & (m->cap - 1);
    if (!m->f[j].h) {
        m->f[j].h = h;
        m->f[j].w = w;
        m->n++;
    }
    m->f[j].tf += 1;
}

static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* wf_hash64(p, len, seed) for len < 8, inlined: the n-gram loop calls it
 * for every 3-, 4- and 5-gram of every term. Same value, bit for bit (the
 * unit tests compare both). */
static inline uint64_t hash_short(const char *p, size_t len, uint64_t seed)
{
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
    uint64_t t = 0;
    for (size_t i = 0; i < len; i++)
        t |= (uint64_t)(unsigned char)p[i] << (8 * i);
    h ^= fmix64(t ^ 0x4cf5ad432745937fULL);
    return fmix64(h);
}

uint64_t wf_embed__hash_short(const char *p, size_t len, uint64_t seed)
{
    return hash_short(p, len, seed);
}

static void add_ngrams(struct fmap *m, const char *t, size_t n, float weight)
{
    char b[WF_TEXT_TERM_MAX_BYTES + 2];
    b[0] = '<';
    memcpy(b + 1, t, n);
    b[n + 1] = '>';
    size_t len = n + 2;
    size_t count = 0;
    for (size_t g = 3; g <= 5; g++)
        if (len >= g)
            count += len - g + 1;
    if (!count)
        return;
    float w = weight * W_NGRAMS / sqrtf((float)count);
    for (size_t g = 3; g <= 5; g++)
        for (size_t i = 0; i + g <= len; i++)
            fmap_add(m, hash_short(b + i, g, 0xC0FFEE + g), w);
}

static int on_term(void *ud, const char *t, size_t n, enum wf_text_term_kind kind)
{
    struct fmap *m = ud;
    float base = kind == WF_TEXT_TERM_PART ? W_PART : kind == WF_TEXT_TERM_WHOLE ? W_WHOLE : W_WORD;
    if (is_common(t, n))
        base *= W_COMMON;
    fmap_add(m, wf_hash64(t, n, 0x1111), base);
    add_ngrams(m, t, n, base);
    if (kind != WF_TEXT_TERM_PART) {
        if (m->prev_len) {
            char bg[2 * WF_TEXT_TERM_MAX_BYTES + 2];
            memcpy(bg, m->prev, m->prev_len);
            bg[m->prev_len] = ' ';
            memcpy(bg + m->prev_len + 1, t, n);
            fmap_add(m, wf_hash64(bg, m->prev_len + 1 + n, 0x2222), W_BIGRAM * base);
        }
        memcpy(m->prev, t, n);
        m->prev_len = n;
    }
    return m->err;
}

static int builtin_texts(struct wf_embed *e, const struct wf_str *texts, size_t n, float *out,
                         struct wf_buf *err)
{
    struct fmap m;
    memset(&m, 0, sizeof(m));
    int rc = WF_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        float *v = out + i * e->dim;
        memset(v, 0, e->dim * sizeof(float));
        if (m.f)
            memset(m.f, 0, m.cap * sizeof(*m.f));
        m.n = 0;
        m.prev_len = 0;
        size_t len =
            texts[i].len < WF_EMBED_MAX_TEXT_BYTES ? texts[i].len : WF_EMBED_MAX_TEXT_BYTES;
        rc = wf_text_search_terms(texts[i].p, len, on_term, &m);
        if (!rc)
            rc = m.err;
        for (size_t j = 0; j < m.cap && !rc; j++) {
            const struct feat *f = &m.f[j];
            if (!f->h)
                continue;
            float val = f->tf == 1.0f ? f->w : f->w * (1.0f + logf(f->tf)); /* logf(1) = 0 */
            size_t idx = (size_t)((f->h >> 1) % e->dim);
            v[idx] += (f->h >> 63) ? -val : val;
        }
        wf_embed__normalize(v, e->dim);
    }
    wf_free(m.f);
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
    struct wf_embed *e = wf_calloc(1, sizeof(*e));
    if (!e)
        return WF_ENOMEM;
    e->ops = &builtin_ops;
    e->dim = dim;
    (void)snprintf(e->model, sizeof(e->model), "builtin:hash-ngram-v1/%zu", dim);
    *out = e;
    return WF_OK;
}

int wf_embed_builtin(struct wf_embed **out)
{
    return wf_embed_builtin_dim(WF_EMBED_BUILTIN_DIM, out);
}
