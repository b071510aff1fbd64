/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Retraining the triage classifier from feedback. The records are the
 * built-in corpus (data/triage-train, compiled in) plus one record per
 * failure with a resolved category label (its redacted excerpt lines).
 * A fixed-seed split keeps about a fifth of every (source, class) group
 * for evaluation; the candidate and the baseline (the tenant's active
 * model, or the built-in recipe trained on the same training part when
 * there is none) are scored on the same held-out records through the same
 * triage pipeline the server runs, and the candidate is promoted only if
 * its macro-F1 is not worse than the baseline's by more than the
 * tolerance. Every candidate is stored, promoted or rejected with its
 * reason, its metrics, its training-set hash and the reference
 * histograms drift is measured against.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "learn/learn.h"
#include "triage/triage.h"

extern const unsigned char wf_triage_train_blob[];
extern const size_t wf_triage_train_blob_len;
extern const unsigned char wf_triage_model_blob[];
extern const size_t wf_triage_model_blob_len;
extern const unsigned char wf_risk_model_blob[];
extern const size_t wf_risk_model_blob_len;

void wf_learn_train_opts_init(struct wf_learn_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = WF_LEARN_SPLIT_SEED;
    o->holdout = 0.2;
    o->tolerance = WF_LEARN_PROMOTE_TOLERANCE;
}

int wf_learn_promote(double cand_f1, double base_f1, double tolerance)
{
    if (isnan(cand_f1) || isnan(base_f1) || isnan(tolerance) || tolerance < 0)
        return 0;
    /* a hair of slack so equal scores computed in a different order still tie */
    return cand_f1 >= base_f1 - tolerance - 1e-12;
}

static char bundled_v[32];

static void bundled_version_init(void)
{
    uint8_t h[WF_CRYPTO_SHA256_BYTES];
    char hex[2 * WF_CRYPTO_SHA256_BYTES + 1];
    wf_crypto_sha256(wf_triage_model_blob, wf_triage_model_blob_len, h);
    wf_crypto_hex(h, sizeof h, hex);
    snprintf(bundled_v, sizeof bundled_v, "bundled-%.12s", hex);
}

const char *wf_learn_bundled_version(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, bundled_version_init);
    return bundled_v;
}

static char bundled_risk_v[40];

static void bundled_risk_init(void)
{
    uint8_t h[WF_CRYPTO_SHA256_BYTES];
    char hex[2 * WF_CRYPTO_SHA256_BYTES + 1];
    wf_crypto_sha256(wf_risk_model_blob, wf_risk_model_blob_len, h);
    wf_crypto_hex(h, sizeof h, hex);
    snprintf(bundled_risk_v, sizeof bundled_risk_v, "bundled-%.12s", hex);
}

const char *wf_learn_bundled_risk_version(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, bundled_risk_init);
    return bundled_risk_v;
}

void wf_learn_builtin_corpus(const char **text, size_t *len)
{
    *text = (const char *)wf_triage_train_blob;
    *len = wf_triage_train_blob_len;
}

/* ---- Records -------------------------------------------------------------------- */

struct record {
    int label;
    int tenant; /* 1: from a tenant label */
    char *text; /* owned, ends with '\n' */
    size_t len;
    uint64_t key; /* split key */
    int test;     /* 1: held out */
};

struct records {
    struct record *v;
    size_t n, cap;
};

static void records_free(struct records *r)
{
    for (size_t i = 0; i < r->n; i++)
        wf_free(r->v[i].text);
    wf_free(r->v);
    memset(r, 0, sizeof *r);
}

/* Appends a record: text trimmed of trailing blanks per line and \r, so
 * the training-set hash does not depend on line endings. */
static int record_add(struct records *r, int label, int tenant, const char *text, size_t len)
{
    struct wf_buf b;
    wf_buf_init(&b, WF_LIMIT_MODEL_BYTES);
    int rc = WF_OK;
    size_t i = 0;
    while (i < len && !rc) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len, f = e;
        while (f > i && (text[f - 1] == ' ' || text[f - 1] == '\t' || text[f - 1] == '\r'))
            f--;
        if (f > i) {
            rc = wf_buf_append(&b, text + i, f - i);
            if (!rc)
                rc = wf_buf_putc(&b, '\n');
        }
        i = e + 1;
    }
    if (!rc && b.len == 0) {
        wf_buf_cleanup(&b);
        return WF_OK; /* nothing to learn from */
    }
    if (!rc)
        rc = wf_grow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v, WF_LIMIT_TRAIN_EXAMPLES);
    if (rc) {
        wf_buf_cleanup(&b);
        return rc;
    }
    struct record *x = &r->v[r->n++];
    memset(x, 0, sizeof *x);
    x->label = label;
    x->tenant = tenant;
    x->len = b.len;
    x->text = wf_buf_detach(&b);
    return x->text ? WF_OK : WF_ENOMEM;
}

/* The built-in corpus: "### category: NAME" then the record's lines. */
static int builtin_records(struct records *r)
{
    static const char mark[] = "### category:";
    const char *s;
    size_t n;
    wf_learn_builtin_corpus(&s, &n);
    size_t i = 0, start = 0;
    int label = -1, rc = WF_OK;
    while (i <= n && !rc) {
        const char *nl = i < n ? memchr(s + i, '\n', n - i) : NULL;
        size_t e = nl ? (size_t)(nl - s) : n;
        int is_mark =
            i < n && e - i >= sizeof mark - 1 && memcmp(s + i, mark, sizeof mark - 1) == 0;
        if (is_mark || i >= n) {
            if (label >= 0)
                rc = record_add(r, label, 0, s + start, i - start);
            if (is_mark) {
                char name[64];
                size_t b = i + sizeof mark - 1, f = e;
                while (b < f && (s[b] == ' ' || s[b] == '\t'))
                    b++;
                while (f > b && (s[f - 1] == ' ' || s[f - 1] == '\r'))
                    f--;
                snprintf(name, sizeof name, "%.*s", (int)(f - b), s + b);
                label = wf_triage_category_parse(name);
                start = e + 1;
            }
        }
        if (i >= n)
            break;
        i = e + 1;
    }
    return rc;
}

/* One record per resolved label: the failure's excerpt lines (already redacted). */
static int tenant_records(struct wf_store *st, const char *tenant, struct records *r,
                          size_t *n_labels)
{
    struct wf_learn_resolved *res = NULL;
    size_t n = 0;
    int rc = wf_learn_resolved_labels(st, tenant, &res, &n);
    *n_labels = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *f = NULL;
        int grc = wf_store_failure_get(st, tenant, res[i].failure_id, &f);
        if (grc == WF_ENOENT)
            continue;
        if (grc) {
            rc = grc;
            break;
        }
        struct wf_buf b;
        wf_buf_init(&b, WF_LIMIT_MODEL_BYTES);
        json_t *ex = json_object_get(json_object_get(f, "report"), "excerpt"), *it;
        size_t k;
        json_array_foreach(ex, k, it)
        {
            const char *t = json_string_value(json_object_get(it, "text"));
            if (t && !rc) {
                rc = wf_buf_puts(&b, t);
                if (!rc && b.len && b.p[b.len - 1] != '\n')
                    rc = wf_buf_putc(&b, '\n');
            }
        }
        size_t before = r->n;
        if (!rc && b.len)
            rc = record_add(r, res[i].category, 1, b.p, b.len);
        *n_labels += r->n > before;
        wf_buf_cleanup(&b);
        json_decref(f);
    }
    wf_free(res);
    return rc;
}

static int cmp_canon(const void *x, const void *y)
{
    const struct record *a = *(const struct record *const *)x,
                        *b = *(const struct record *const *)y;
    if (a->label != b->label)
        return a->label < b->label ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->text, b->text, n);
    return c ? c : (a->len < b->len ? -1 : a->len > b->len ? 1 : 0);
}

/* SHA-256 over the records sorted canonically: "category\n" + text + "\n" each. */
static int training_hash(const struct records *r, char hex[65])
{
    const struct record **p = wf_calloc(r->n ? r->n : 1, sizeof *p);
    if (!p)
        return WF_ENOMEM;
    for (size_t i = 0; i < r->n; i++)
        p[i] = &r->v[i];
    qsort(p, r->n, sizeof *p, cmp_canon);
    struct wf_buf b;
    wf_buf_init(&b, (size_t)1 << 30);
    int rc = WF_OK;
    for (size_t i = 0; i < r->n && !rc; i++) {
        rc = wf_buf_appendf(&b, "%s\n", wf_triage_category_name(p[i]->label));
        if (!rc)
            rc = wf_buf_append(&b, p[i]->text, p[i]->len);
        if (!rc)
            rc = wf_buf_putc(&b, '\n');
    }
    if (!rc) {
        uint8_t h[WF_CRYPTO_SHA256_BYTES];
        wf_crypto_sha256(b.p ? b.p : "", b.len, h);
        wf_crypto_hex(h, sizeof h, hex);
    }
    wf_buf_cleanup(&b);
    wf_free(p);
    return rc;
}

/* The split: a record is held out when its seeded hash falls in the lowest
 * `holdout` share, which keeps about that share of every (source, class)
 * group and keeps a record on the same side as records are added; a
 * tenant class with two or more labels and none held out gives up its
 * lowest-hash record. */
static void split(struct records *r, uint64_t seed, double holdout)
{
    double cut = holdout * 18446744073709551615.0;
    for (size_t i = 0; i < r->n; i++) {
        struct record *x = &r->v[i];
        x->key = wf_hash64(x->text, x->len, wf_hash_mix(seed, (uint64_t)x->label));
        x->test = (double)x->key < cut;
    }
    for (int c = 0; c < WF_TRIAGE__N_CATEGORIES; c++) {
        size_t n = 0, held = 0, low = (size_t)-1;
        for (size_t i = 0; i < r->n; i++) {
            if (!r->v[i].tenant || r->v[i].label != c)
                continue;
            n++;
            held += r->v[i].test;
            if (low == (size_t)-1 || r->v[i].key < r->v[low].key)
                low = i;
        }
        if (n >= 2 && !held)
            r->v[low].test = 1;
    }
}

/* Training text of the records on one side ("### category: NAME" + text). */
static int corpus_of(const struct records *r, int test, int shuffle, uint64_t seed,
                     struct wf_buf *out)
{
    int rc = WF_OK;
    uint64_t s = seed ^ 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < r->n && !rc; i++) {
        if (r->v[i].test != test)
            continue;
        int label = r->v[i].label;
        if (shuffle) { /* test-only: a deliberately worse model */
            s = wf_hash_mix(s, i);
            label = (int)(s % WF_TRIAGE__N_CATEGORIES);
        }
        rc = wf_buf_appendf(out, "### category: %s\n", wf_triage_category_name(label));
        if (!rc)
            rc = wf_buf_append(out, r->v[i].text, r->v[i].len);
    }
    return rc;
}

static int train_text(const struct wf_buf *corpus, const char *version, struct wf_ml_model **out)
{
    const char *t = corpus->p ? corpus->p : "";
    size_t len = corpus->len, n_ex = 0, err_line = 0;
    return wf_triage_train(&t, &len, 1, version, out, &n_ex, &err_line);
}

/* ---- Evaluation and reference histograms -------------------------------------------- */

void wf_learn_hist_init(struct wf_learn_hist *h)
{
    memset(h, 0, sizeof *h);
}

void wf_learn_hist_add(struct wf_learn_hist *h, double confidence, double log_bytes,
                       double key_lines, int category)
{
    h->confidence[wf_ml_bin(confidence, 0, 1, WF_LEARN_BINS)] += 1;
    h->log_bytes[wf_ml_bin(log10(log_bytes > 1 ? log_bytes : 1), 0, WF_LEARN_LOG_BYTES_MAX,
                           WF_LEARN_BINS)] += 1;
    h->key_lines[wf_ml_bin(log10(1 + (key_lines > 0 ? key_lines : 0)), 0, WF_LEARN_KEY_LINES_MAX,
                           WF_LEARN_BINS)] += 1;
    if (category >= 0 && category < WF_TRIAGE__N_CATEGORIES)
        h->categories[category] += 1;
    h->n++;
}

static json_t *jarr(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

json_t *wf_learn_hist_json(const struct wf_learn_hist *h)
{
    json_t *cats = json_object();
    for (int c = 0; cats && c < WF_TRIAGE__N_CATEGORIES; c++)
        json_object_set_new(cats, wf_triage_category_name((enum wf_triage_category)c),
                            json_real(h->categories[c]));
    return json_pack("{s:o,s:o,s:o,s:o,s:I,s:i}", "confidence", jarr(h->confidence, WF_LEARN_BINS),
                     "log_bytes", jarr(h->log_bytes, WF_LEARN_BINS), "key_lines",
                     jarr(h->key_lines, WF_LEARN_BINS), "categories", cats, "n", (json_int_t)h->n,
                     "bins", WF_LEARN_BINS);
}

static void read_arr(const json_t *a, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = json_number_value(json_array_get(a, i));
}

int wf_learn_hist_parse(const json_t *j, struct wf_learn_hist *h)
{
    wf_learn_hist_init(h);
    if (!json_is_object(j) || json_integer_value(json_object_get(j, "bins")) != WF_LEARN_BINS)
        return WF_EFORMAT;
    read_arr(json_object_get(j, "confidence"), h->confidence, WF_LEARN_BINS);
    read_arr(json_object_get(j, "log_bytes"), h->log_bytes, WF_LEARN_BINS);
    read_arr(json_object_get(j, "key_lines"), h->key_lines, WF_LEARN_BINS);
    json_t *cats = json_object_get(j, "categories");
    for (int c = 0; c < WF_TRIAGE__N_CATEGORIES; c++)
        h->categories[c] = json_number_value(
            json_object_get(cats, wf_triage_category_name((enum wf_triage_category)c)));
    h->n = (size_t)json_integer_value(json_object_get(j, "n"));
    return WF_OK;
}

/* Triages every record on one side with m as the server would; fills the
 * confusion matrix (truth vs prediction) and/or the histograms. */
static int score(const struct wf_ml_model *m, const struct records *r, int test,
                 struct wf_ml_confusion *conf, struct wf_learn_hist *hist)
{
    struct wf_triage_opts o;
    memset(&o, 0, sizeof o);
    o.model = m;
    if (conf)
        wf_ml_confusion_init(conf, WF_TRIAGE__N_CATEGORIES);
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].test != test)
            continue;
        struct wf_triage_result res;
        int rc = wf_triage_buffer(&o, r->v[i].text, r->v[i].len, NULL, 0, &res);
        if (rc)
            return rc;
        if (conf)
            wf_ml_confusion_add(conf, r->v[i].label, (int)res.category);
        if (hist)
            wf_learn_hist_add(hist, res.confidence, (double)r->v[i].len,
                              (double)wf_learn_key_lines(&res), r->v[i].label);
        wf_triage_result_cleanup(&res);
    }
    return WF_OK;
}

int wf_learn_active_model(struct wf_store *st, const char *tenant, struct wf_ml_model **out,
                          int64_t *version, json_t **row)
{
    json_t *j = NULL;
    int rc = wf_store_model_get(st, tenant, "triage", 0, &j);
    if (rc)
        return rc;
    const char *text = json_string_value(json_object_get(j, "model"));
    rc = text ? wf_ml_load(text, strlen(text), out) : WF_EFORMAT;
    if (!rc && version)
        *version = json_integer_value(json_object_get(j, "version"));
    if (!rc && row) {
        json_object_del(j, "model");
        *row = j;
        j = NULL;
    }
    json_decref(j);
    return rc;
}

int wf_learn_train_triage(struct wf_store *st, const char *tenant,
                          const struct wf_learn_train_opts *opts, struct wf_learn_train_result *out,
                          struct wf_buf *err)
{
    struct wf_learn_train_opts defaults;
    if (!opts) {
        wf_learn_train_opts_init(&defaults);
        opts = &defaults;
    }
    struct records r = {0};
    struct wf_buf train, model_text;
    struct wf_ml_model *cand = NULL, *base = NULL;
    json_t *metrics = NULL, *ref = NULL;
    char *metrics_s = NULL, *ref_s = NULL;
    wf_buf_init(&train, (size_t)1 << 30);
    wf_buf_init(&model_text, WF_LIMIT_MODEL_BYTES);
    memset(out, 0, sizeof *out);
    int rc = builtin_records(&r);
    out->n_builtin = r.n;
    if (!rc)
        rc = tenant_records(st, tenant, &r, &out->n_labels);
    if (!rc)
        rc = training_hash(&r, out->hash);
    if (rc) {
        if (err)
            wf_buf_appendf(err, "reading the training records: %s", wf_strerror(rc));
        goto out;
    }
    split(&r, opts->seed, opts->holdout > 0 && opts->holdout < 1 ? opts->holdout : 0.2);
    for (size_t i = 0; i < r.n; i++)
        out->n_test += r.v[i].test;
    out->n_train = r.n - out->n_test;
    char ver[64];
    snprintf(ver, sizeof ver, "%s-triage-%.12s", tenant, out->hash);
    rc = corpus_of(&r, 0, opts->shuffle_labels, opts->seed, &train);
    if (!rc)
        rc = train_text(&train, ver, &cand);
    if (rc) {
        if (err)
            wf_buf_appendf(err, "training failed: %s", wf_strerror(rc));
        goto out;
    }
    /* the baseline: the active model, else the built-in recipe on the same training part */
    int64_t active_v = 0;
    rc = wf_learn_active_model(st, tenant, &base, &active_v, NULL);
    if (rc == WF_ENOENT) {
        struct records builtin = {r.v, r.n, r.cap};
        struct wf_buf bt;
        wf_buf_init(&bt, (size_t)1 << 30);
        for (size_t i = 0; i < builtin.n; i++) /* tenant records sit out: flip them to "test" */
            builtin.v[i].test += builtin.v[i].tenant ? 2 : 0;
        rc = corpus_of(&builtin, 0, 0, opts->seed, &bt);
        for (size_t i = 0; i < builtin.n; i++)
            builtin.v[i].test -= builtin.v[i].tenant ? 2 : 0;
        if (!rc)
            rc = train_text(&bt, "builtin-recipe", &base);
        wf_buf_cleanup(&bt);
        snprintf(out->baseline, sizeof out->baseline, "built-in recipe (%s)",
                 wf_learn_bundled_version());
    } else if (!rc) {
        snprintf(out->baseline, sizeof out->baseline, "active v%lld", (long long)active_v);
    }
    if (rc) {
        if (err)
            wf_buf_appendf(err, "baseline model: %s", wf_strerror(rc));
        goto out;
    }
    struct wf_ml_confusion cc, bc;
    struct wf_learn_hist h;
    wf_learn_hist_init(&h);
    rc = score(cand, &r, 1, &cc, NULL);
    if (!rc)
        rc = score(base, &r, 1, &bc, NULL);
    if (!rc)
        rc = score(cand, &r, 0, NULL, &h);
    if (rc) {
        if (err)
            wf_buf_appendf(err, "evaluation failed: %s", wf_strerror(rc));
        goto out;
    }
    out->f1 = wf_ml_macro_f1(&cc);
    out->accuracy = wf_ml_accuracy(&cc);
    out->base_f1 = wf_ml_macro_f1(&bc);
    out->base_accuracy = wf_ml_accuracy(&bc);
    out->promoted = wf_learn_promote(out->f1, out->base_f1, opts->tolerance);
    size_t tl = 0;
    for (size_t i = 0; i < r.n; i++)
        tl += r.v[i].test && r.v[i].tenant;
    snprintf(out->reason, sizeof out->reason,
             "%s: held-out macro-F1 %.4f vs %.4f of the %s (tolerance %.3f; %zu held-out "
             "records, %zu from tenant labels)%s",
             out->promoted ? "promoted" : "rejected", out->f1, out->base_f1, out->baseline,
             opts->tolerance, out->n_test, tl, opts->shuffle_labels ? " [shuffled labels]" : "");
    metrics =
        json_pack("{s:f,s:f,s:f,s:f,s:s,s:f,s:I,s:I,s:I,s:I,s:I,s:b}", "macro_f1", out->f1,
                  "accuracy", out->accuracy, "baseline_macro_f1", out->base_f1, "baseline_accuracy",
                  out->base_accuracy, "baseline", out->baseline, "tolerance", opts->tolerance,
                  "n_train", (json_int_t)out->n_train, "n_test", (json_int_t)out->n_test,
                  "n_test_tenant", (json_int_t)tl, "n_labels", (json_int_t)out->n_labels, "seed",
                  (json_int_t)opts->seed, "shuffled_labels", opts->shuffle_labels);
    ref = wf_learn_hist_json(&h);
    metrics_s = metrics ? json_dumps(metrics, JSON_COMPACT) : NULL;
    ref_s = ref ? json_dumps(ref, JSON_COMPACT) : NULL;
    rc = metrics_s && ref_s ? wf_ml_save(cand, &model_text) : WF_ENOMEM;
    if (rc)
        goto out;
    struct wf_store_model m = {
        .tenant = tenant,
        .kind = "triage",
        .status = out->promoted ? "active" : "rejected",
        .training_hash = out->hash,
        .metrics_json = metrics_s,
        .reference_json = ref_s,
        .reason = out->reason,
        .n_labels = (int64_t)out->n_labels,
        .model_text = model_text.p,
        .created_ms = opts->now_ms,
    };
    rc = wf_store_model_put(st, &m, &out->version);
    if (rc && err)
        wf_buf_appendf(err, "storing the model: %s", wf_strerror(rc));
out:
    records_free(&r);
    wf_buf_cleanup(&train);
    wf_buf_cleanup(&model_text);
    wf_ml_model_free(cand);
    wf_ml_model_free(base);
    json_decref(metrics);
    json_decref(ref);
    free(metrics_s);
    free(ref_s);
    return rc;
}
