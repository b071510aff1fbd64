/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The failure classifier: a multinomial logistic regression (src/ml) over
 * hashed features of what the analyzer extracted. Features are the words
 * and word pairs of the top blocks' key lines and text (masked, lowercased,
 * weighted by rank), the evidence kinds the rule table saw, and the failing
 * step's name; the vector is L2-normalised. Training reads labelled excerpt
 * records, runs each through the same analyzer, and fits the model, so
 * training and prediction see features built the same way.
 */
#include "triage_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char wf_triage_model_blob[];
extern const size_t wf_triage_model_blob_len;

static const char *const cat_names[] = {
#define WF__CAT_STR(name, str, desc) str,
    WF_TRIAGE_CATEGORY_MAP(WF__CAT_STR)
#undef WF__CAT_STR
};

static const char *const cat_descs[] = {
#define WF__CAT_DESC(name, str, desc) desc,
    WF_TRIAGE_CATEGORY_MAP(WF__CAT_DESC)
#undef WF__CAT_DESC
};

const char *wf_triage_category_name(enum wf_triage_category c)
{
    return (unsigned)c < WF_TRIAGE__N_CATEGORIES ? cat_names[c] : "unknown";
}

const char *wf_triage_category_desc(enum wf_triage_category c)
{
    return (unsigned)c < WF_TRIAGE__N_CATEGORIES ? cat_descs[c] : cat_descs[WF_TRIAGE_UNKNOWN];
}

int wf_triage_category_parse(const char *name)
{
    for (int i = 0; i < WF_TRIAGE__N_CATEGORIES; i++)
        if (strcmp(name, cat_names[i]) == 0)
            return i;
    /* the LogDx taxonomy folds into ours */
    if (strcmp(name, "test_assertion") == 0 || strcmp(name, "snapshot_diff") == 0)
        return WF_TRIAGE_TEST_FAILURE;
    if (strcmp(name, "github_actions_config") == 0)
        return WF_TRIAGE_CI_CONFIG;
    return -1;
}

/* ---- default model ------------------------------------------------------ */

static pthread_once_t model_once = PTHREAD_ONCE_INIT;
static struct wf_ml_model *default_model;
static int default_rc;

static void load_default(void)
{
    default_rc =
        wf_ml_load((const char *)wf_triage_model_blob, wf_triage_model_blob_len, &default_model);
}

int wf_triage_default_model(const struct wf_ml_model **out)
{
    pthread_once(&model_once, load_default);
    if (default_rc)
        return default_rc;
    *out = default_model;
    return WF_OK;
}

/* ---- features ------------------------------------------------------------ */

struct fvec {
    struct wf_ml_feat **v;
    size_t *n, *cap;
};

static int add(struct fvec *f, const char *name, size_t len, float val)
{
    uint32_t idx = wf_ml_feature_index(name, len, WF_TRIAGE_HASH_BITS);
    for (size_t i = *f->n; i > 0 && i + 64 > *f->n; i--) {
        /* merge with a recent duplicate; exact dedup happens in normalise */
        if ((*f->v)[i - 1].idx == idx) {
            (*f->v)[i - 1].val += val;
            return WF_OK;
        }
    }
    int rc = wf_grow((void **)f->v, f->cap, *f->n + 1, sizeof(**f->v), 1u << 20);
    if (rc)
        return rc;
    (*f->v)[*f->n].idx = idx;
    (*f->v)[*f->n].val = val;
    (*f->n)++;
    return WF_OK;
}

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* Words of a masked, lowercased text as unigrams and bigrams. Pure numbers
 * and masked values are skipped; very long tokens are cut. */
static int add_words(struct fvec *f, const char *prefix, const char *s, size_t n, float w)
{
    char prev[40] = "";
    size_t prev_len = 0;
    char name[96];
    size_t i = 0;
    while (i < n) {
        while (i < n && !is_word((unsigned char)s[i]))
            i++;
        size_t b = i;
        while (i < n && is_word((unsigned char)s[i]))
            i++;
        size_t L = i - b;
        if (L < 2)
            continue;
        int digits = 1;
        for (size_t k = b; k < i && digits; k++)
            digits = s[k] >= '0' && s[k] <= '9';
        if (digits)
            continue;
        if (L > 32)
            L = 32;
        int m = snprintf(name, sizeof(name), "%s:%.*s", prefix, (int)L, s + b);
        int rc = add(f, name, (size_t)m, w);
        if (rc)
            return rc;
        if (prev_len) {
            m = snprintf(name, sizeof(name), "%s2:%.*s_%.*s", prefix, (int)prev_len, prev, (int)L,
                         s + b);
            rc = add(f, name, (size_t)m, w * 0.7f);
            if (rc)
                return rc;
        }
        memcpy(prev, s + b, L);
        prev_len = L;
    }
    return WF_OK;
}

static int by_idx(const void *x, const void *y)
{
    const struct wf_ml_feat *a = x, *b = y;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

#define FEAT_BLOCKS 3u
#define FEAT_TEXT_BYTES 4096u

int wf_triage_features(const struct wf_logs_result *r, struct wf_ml_feat **feats, size_t *n,
                       size_t *cap)
{
    struct fvec f = {feats, n, cap};
    struct wf_buf m;
    size_t start = *n;
    int rc = WF_OK;
    wf_buf_init(&m, FEAT_TEXT_BYTES * 4);
    for (size_t b = 0; b < r->n_blocks && b < FEAT_BLOCKS && !rc; b++) {
        const struct wf_logs_block *blk = &r->blocks[b];
        float w = b == 0 ? 1.0f : 0.5f;
        /* when the best line is only an exit status or a summary, the
         * output around it is what says what failed */
        int generic = wf_logs_kind_is_generic(blk->kind);
        float key_w = generic ? 0.75f : 1.5f, text_w = generic ? 1.0f : 0.5f;
        char kind[48];
        int kl = snprintf(kind, sizeof(kind), "kind:%s", wf_logs_kind_name(blk->kind));
        rc = add(&f, kind, (size_t)kl, 2.0f * w);
        wf_buf_reset(&m);
        size_t kn = strlen(blk->key_line);
        if (!rc &&
            wf_text_mask(blk->key_line, kn > FEAT_TEXT_BYTES ? FEAT_TEXT_BYTES : kn, &m) == WF_OK &&
            m.len) {
            wf_text_lower(m.p, m.len, m.p);
            rc = add_words(&f, "k", m.p, m.len, key_w * w);
        }
        /* the block text, line by line, masked */
        const char *t = blk->text;
        size_t left = blk->text_len < FEAT_TEXT_BYTES ? blk->text_len : FEAT_TEXT_BYTES;
        while (left && !rc) {
            const char *nl = memchr(t, '\n', left);
            size_t L = nl ? (size_t)(nl - t) : left;
            wf_buf_reset(&m);
            if (wf_text_mask(t, L, &m) == WF_OK && m.len) {
                wf_text_lower(m.p, m.len, m.p);
                rc = add_words(&f, "t", m.p, m.len, text_w * w);
            }
            left -= nl ? L + 1 : L;
            t += nl ? L + 1 : L;
        }
    }
    if (!rc && r->failing_step >= 0 && (size_t)r->failing_step < r->n_steps) {
        const char *name = r->steps[r->failing_step].name;
        wf_buf_reset(&m);
        size_t L = strlen(name);
        if (wf_text_mask(name, L, &m) == WF_OK && m.len) {
            wf_text_lower(m.p, m.len, m.p);
            rc = add_words(&f, "s", m.p, m.len, 0.7f);
        }
    }
    wf_buf_cleanup(&m);
    if (rc) {
        *n = start;
        return rc;
    }
    /* merge duplicates, then L2-normalise with sublinear term weights */
    struct wf_ml_feat *v = *feats + start;
    size_t cnt = *n - start, out = 0;
    qsort(v, cnt, sizeof(*v), by_idx);
    for (size_t i = 0; i < cnt; i++) {
        if (out && v[out - 1].idx == v[i].idx)
            v[out - 1].val += v[i].val;
        else
            v[out++] = v[i];
    }
    double norm = 0;
    for (size_t i = 0; i < out; i++) {
        v[i].val = (float)(1.0 + log(v[i].val > 1.0f ? v[i].val : 1.0f)) *
                   (v[i].val < 1.0f ? v[i].val : 1.0f);
        norm += (double)v[i].val * v[i].val;
    }
    norm = sqrt(norm);
    for (size_t i = 0; i < out && norm > 0; i++)
        v[i].val = (float)(v[i].val / norm);
    *n = start + out;
    return WF_OK;
}

int wf_triage_classify(const struct wf_ml_model *m, const struct wf_logs_result *r,
                       enum wf_triage_category *cat, double *confidence,
                       double probs[WF_TRIAGE__N_CATEGORIES])
{
    double p[WF_ML_MAX_CLASSES];
    double out[WF_TRIAGE__N_CATEGORIES] = {0};
    if (!m) {
        int rc = wf_triage_default_model(&m);
        if (rc)
            return rc;
    }
    if (r->n_blocks == 0) {
        out[WF_TRIAGE_UNKNOWN] = 1.0;
        *cat = WF_TRIAGE_UNKNOWN;
        *confidence = 1.0;
        if (probs)
            memcpy(probs, out, sizeof(out));
        return WF_OK;
    }
    struct wf_ml_feat *f = NULL;
    size_t n = 0, cap = 0;
    int rc = wf_triage_features(r, &f, &n, &cap);
    if (rc)
        return rc;
    wf_ml_predict(m, f, n, p);
    wf_free(f);
    /* map the model's classes onto ours by name */
    for (unsigned c = 0; c < m->n_classes; c++) {
        int k = wf_triage_category_parse(m->class_names[c]);
        if (k >= 0)
            out[k] += p[c];
    }
    int best = WF_TRIAGE_UNKNOWN;
    for (int k = 0; k < WF_TRIAGE__N_CATEGORIES; k++)
        if (out[k] > out[best])
            best = k;
    *cat = (enum wf_triage_category)best;
    *confidence = out[best];
    if (probs)
        memcpy(probs, out, sizeof(out));
    return WF_OK;
}

/* ---- training -------------------------------------------------------------- */

struct rec {
    const char *text;
    size_t len;
    int label;
};

static int parse_records(const char *s, size_t n, struct rec **recs, size_t *n_recs, size_t *cap,
                         size_t *err_line)
{
    static const char mark[] = "### category:";
    size_t line = 0, i = 0;
    int open = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n;
        line++;
        if (e - i >= sizeof(mark) - 1 && memcmp(s + i, mark, sizeof(mark) - 1) == 0) {
            size_t b = i + sizeof(mark) - 1, f = e;
            while (b < f && (s[b] == ' ' || s[b] == '\t'))
                b++;
            while (f > b && (s[f - 1] == ' ' || s[f - 1] == '\t' || s[f - 1] == '\r'))
                f--;
            char name[64];
            if (f - b >= sizeof(name)) {
                *err_line = line;
                return WF_EFORMAT;
            }
            memcpy(name, s + b, f - b);
            name[f - b] = '\0';
            int label = -1;
            for (int k = 0; k < WF_TRIAGE__N_CATEGORIES; k++)
                if (strcmp(name, cat_names[k]) == 0)
                    label = k;
            if (label < 0) {
                *err_line = line;
                return WF_EFORMAT;
            }
            if (*n_recs >= WF_LIMIT_TRAIN_EXAMPLES)
                return WF_ETOOBIG;
            int rc =
                wf_grow((void **)recs, cap, *n_recs + 1, sizeof(**recs), WF_LIMIT_TRAIN_EXAMPLES);
            if (rc)
                return rc;
            (*recs)[*n_recs].text = nl ? nl + 1 : s + n;
            (*recs)[*n_recs].len = 0;
            (*recs)[*n_recs].label = label;
            (*n_recs)++;
            open = 1;
        } else if (open) {
            struct rec *r = &(*recs)[*n_recs - 1];
            r->len = (size_t)((nl ? nl + 1 : s + n) - r->text);
        } else {
            size_t k = i;
            while (k < e && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
                k++;
            if (k < e) {
                *err_line = line;
                return WF_EFORMAT;
            }
        }
        i = e + 1;
    }
    return WF_OK;
}

struct examples {
    struct rec *recs;
    size_t n_recs, cap;
    struct wf_ml_feat *feats;
    size_t n_feats, feat_cap;
    struct wf_ml_example *ex;
    size_t used; /* examples with features (or labelled unknown) */
};

static void examples_free(struct examples *e)
{
    wf_free(e->recs);
    wf_free(e->feats);
    wf_free(e->ex);
    memset(e, 0, sizeof(*e));
}

/* Parses every record and runs it through the analyzer and the feature
 * extractor, exactly as a real log would be. */
static int examples_build(const char *const *texts, const size_t *lens, size_t n_texts,
                          struct examples *e, size_t *err_line)
{
    int rc = WF_OK;
    memset(e, 0, sizeof(*e));
    *err_line = 0;
    for (size_t t = 0; t < n_texts && !rc; t++)
        rc = parse_records(texts[t], lens[t], &e->recs, &e->n_recs, &e->cap, err_line);
    if (rc)
        return rc;
    if (e->n_recs == 0)
        return WF_EEMPTY;
    e->ex = wf_calloc(e->n_recs, sizeof(*e->ex));
    if (!e->ex)
        return WF_ENOMEM;
    /* wf_logs_analyze_buffer redacts each record like every triaged log, so
     * training sees the same placeholders that prediction will */
    for (size_t i = 0; i < e->n_recs && !rc; i++) {
        struct wf_logs_result r;
        size_t off = e->n_feats;
        rc = wf_logs_analyze_buffer(e->recs[i].text, e->recs[i].len, NULL, 0, NULL, &r);
        if (rc)
            break;
        if (r.n_blocks > 0)
            rc = wf_triage_features(&r, &e->feats, &e->n_feats, &e->feat_cap);
        wf_logs_result_cleanup(&r);
        if (rc)
            break;
        if (e->n_feats == off && e->recs[i].label != WF_TRIAGE_UNKNOWN)
            continue; /* nothing extracted: it would only teach noise */
        e->ex[e->used].n = e->n_feats - off;
        e->ex[e->used].label = e->recs[i].label;
        /* an offset until feats stops moving */
        e->ex[e->used].f = (const struct wf_ml_feat *)(uintptr_t)off;
        e->used++;
    }
    if (rc)
        return rc;
    for (size_t i = 0; i < e->used; i++)
        e->ex[i].f = e->feats + (uintptr_t)e->ex[i].f;
    return WF_OK;
}

static int fit(const struct wf_ml_example *ex, size_t n, const char *version,
               struct wf_ml_model **out)
{
    struct wf_ml_model *m = NULL;
    int rc = wf_ml_model_new(WF_TRIAGE__N_CATEGORIES, cat_names, WF_TRIAGE_HASH_BITS, version, &m);
    if (rc)
        return rc;
    struct wf_ml_train_opts o = {0};
    o.seed = 20261123;
    o.epochs = 40;
    rc = wf_ml_train(m, ex, n, &o);
    if (rc) {
        wf_ml_model_free(m);
        return rc;
    }
    *out = m;
    return WF_OK;
}

int wf_triage_train(const char *const *texts, const size_t *lens, size_t n_texts,
                    const char *version, struct wf_ml_model **out, size_t *n_examples,
                    size_t *err_line)
{
    struct examples e;
    int rc = examples_build(texts, lens, n_texts, &e, err_line);
    if (!rc)
        rc = fit(e.ex, e.used, version, out);
    if (!rc)
        *n_examples = e.n_recs;
    examples_free(&e);
    return rc;
}

int wf_triage_cross_validate(const char *const *texts, const size_t *lens, size_t n_texts,
                             unsigned folds, struct wf_ml_confusion *conf, size_t *err_line)
{
    struct examples e;
    struct wf_ml_example *train = NULL;
    double probs[WF_ML_MAX_CLASSES];
    if (folds < 2)
        return WF_EINVAL;
    int rc = examples_build(texts, lens, n_texts, &e, err_line);
    if (!rc && e.used < folds)
        rc = WF_EEMPTY;
    if (!rc && !(train = wf_calloc(e.used, sizeof(*train))))
        rc = WF_ENOMEM;
    if (rc)
        goto out;
    wf_ml_confusion_init(conf, WF_TRIAGE__N_CATEGORIES);
    for (unsigned f = 0; f < folds && !rc; f++) {
        /* fold = example index modulo folds: every category lands in every fold */
        size_t n = 0;
        for (size_t i = 0; i < e.used; i++)
            if (i % folds != f)
                train[n++] = e.ex[i];
        struct wf_ml_model *m = NULL;
        rc = fit(train, n, "cv", &m);
        for (size_t i = f; i < e.used && !rc; i += folds) {
            int best = WF_TRIAGE_UNKNOWN;
            if (e.ex[i].n) {
                wf_ml_predict(m, e.ex[i].f, e.ex[i].n, probs);
                for (unsigned c = 0; c < m->n_classes; c++)
                    if (probs[c] > probs[best])
                        best = (int)c;
            }
            wf_ml_confusion_add(conf, e.ex[i].label, best);
        }
        wf_ml_model_free(m);
    }
out:
    wf_free(train);
    examples_free(&e);
    return rc;
}
