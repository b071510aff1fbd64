/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Retraining the change-risk model from pr_outcome feedback. The rows are
 * the built-in metrics CSV (data/risk-train, compiled in) plus one row per
 * labelled PR: the 14 change metrics stored in the risk report of the PR's
 * latest review, labelled 1 for "defect" and 0 for "clean". The newest
 * fifth of the built-in rows (by commit date) and a fixed-seed fifth of
 * the tenant rows are held out; candidate and baseline are compared by
 * ROC AUC on exactly those rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "learn/learn.h"
#include "risk/risk.h"

extern const unsigned char wf_risk_train_blob[];
extern const size_t wf_risk_train_blob_len;

void wf_learn_builtin_risk_csv(const char **text, size_t *len)
{
    *text = (const char *)wf_risk_train_blob;
    *len = wf_risk_train_blob_len;
}

int wf_learn_active_risk_model(struct wf_store *st, const char *tenant, struct wf_ml_model **out,
                               int64_t *version)
{
    json_t *j = NULL;
    int rc = wf_store_model_get(st, tenant, "risk", 0, &j);
    if (rc)
        return rc;
    const char *text = json_string_value(json_object_get(j, "model"));
    rc = text ? wf_ml_load(text, strlen(text), out) : WF_EFORMAT;
    enum wf_risk_featset fs;
    if (!rc && (wf_risk_model_featset(*out, &fs) || fs != WF_RISK_FEAT_JIT)) {
        wf_ml_model_free(*out);
        *out = NULL;
        rc = WF_EFORMAT;
    }
    if (!rc && version)
        *version = json_integer_value(json_object_get(j, "version"));
    json_decref(j);
    return rc;
}

/* ---- Tenant rows ------------------------------------------------------------------ */

struct pr_vote {
    char *repo; /* owned */
    int64_t number;
    char *by; /* owned */
    int label;
    int64_t at_ms;
};

static int cmp_vote(const void *x, const void *y)
{
    const struct pr_vote *a = x, *b = y;
    int c = strcmp(a->repo, b->repo);
    if (c)
        return c;
    if (a->number != b->number)
        return a->number < b->number ? -1 : 1;
    c = strcmp(a->by, b->by);
    if (c)
        return c;
    return a->at_ms > b->at_ms ? -1 : a->at_ms < b->at_ms; /* newest first */
}

/* Reads the tenant's pr_outcome labels into an owned array. */
static int read_votes(struct wf_store *st, const char *tenant, struct pr_vote **out, size_t *n)
{
    struct pr_vote *v = NULL;
    size_t cap = 0, k = 0;
    int64_t before = 0;
    int rc = WF_OK;
    for (;;) {
        struct wf_store_label_filter f = {
            .kind = "pr_outcome", .before_id = before, .limit = WF_LIMIT_PAGE_ITEMS};
        json_t *page = NULL, *it;
        size_t i;
        rc = wf_store_label_list(st, tenant, &f, &page);
        if (rc)
            break;
        json_array_foreach(json_object_get(page, "items"), i, it)
        {
            const char *repo = json_string_value(json_object_get(it, "repo"));
            const char *val = json_string_value(json_object_get(it, "value"));
            const char *by = json_string_value(json_object_get(it, "by"));
            if (!repo || !val || (strcmp(val, "defect") != 0 && strcmp(val, "clean") != 0))
                continue;
            if (k >= WF_LEARN_MAX_LABELS)
                break;
            rc = wf_grow((void **)&v, &cap, k + 1, sizeof *v, WF_LEARN_MAX_LABELS);
            if (rc)
                break;
            v[k].repo = wf_strndup(repo, strlen(repo));
            v[k].by = wf_strndup(by ? by : "", by ? strlen(by) : 0);
            v[k].number = json_integer_value(json_object_get(it, "number"));
            v[k].label = strcmp(val, "defect") == 0;
            v[k].at_ms = json_integer_value(json_object_get(it, "created_ms"));
            if (!v[k].repo || !v[k].by) {
                wf_free(v[k].repo);
                wf_free(v[k].by);
                rc = WF_ENOMEM;
                break;
            }
            k++;
        }
        json_t *next = json_object_get(page, "next");
        before = json_is_integer(next) ? json_integer_value(next) : 0;
        json_decref(page);
        if (rc || !before || k >= WF_LEARN_MAX_LABELS)
            break;
    }
    *out = v;
    *n = k;
    return rc;
}

static void votes_free(struct pr_vote *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wf_free(v[i].repo);
        wf_free(v[i].by);
    }
    wf_free(v);
}

/* The metrics of the PR's latest review: 1 when found, 0 when the PR has
 * no review with a risk report. */
static int review_metrics(struct wf_store *st, const char *tenant, const char *repo, int64_t number,
                          const double *fill, struct wf_risk_commit *c)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)number);
    json_t *list = NULL;
    if (wf_store_review_list(st, tenant, repo, num, &list))
        return 0;
    json_t *item = json_array_get(json_object_get(list, "items"), 0), *rep = NULL;
    json_t *report = json_object_get(item, "report");
    if (json_is_string(report))
        report = rep = json_loads(json_string_value(report), 0, NULL);
    json_t *risk = json_object_get(report, "risk");
    json_t *m = json_object_get(risk, "metrics");
    int found = json_is_object(m);
    int history = json_is_true(json_object_get(risk, "history"));
    memset(c, 0, sizeof *c);
    for (unsigned k = 0; found && k < WF_RISK_N_METRICS; k++) {
        json_t *x = json_object_get(m, wf_risk_metric_name(k));
        double d = json_number_value(x);
        if (!json_is_number(x) || !isfinite(d) || d < 0 || d > WF_RISK_MAX_METRIC)
            found = 0;
        c->m[k] = d;
    }
    /* metrics the review could not know (no history) take the built-in mean,
     * as scoring does, so zeros never pose as real history */
    static const unsigned hist[] = {WF_RISK_LT,  WF_RISK_NDEV, WF_RISK_AGE, WF_RISK_NUC,
                                    WF_RISK_EXP, WF_RISK_REXP, WF_RISK_SEXP};
    for (size_t k = 0; found && !history && k < sizeof hist / sizeof hist[0]; k++)
        c->m[hist[k]] = fill[hist[k]];
    c->date = json_integer_value(json_object_get(item, "created_ms")) / 1000;
    json_decref(rep);
    json_decref(list);
    return found;
}

struct trow {
    struct wf_risk_commit c;
    int tenant;
    int test;
    uint64_t key;
};

/* One row per PR whose labels resolve and which has a stored review. */
static int tenant_rows(struct wf_store *st, const char *tenant, const double *fill,
                       struct trow **rows, size_t *n_rows, size_t *cap)
{
    struct pr_vote *v = NULL;
    size_t n = 0;
    int rc = read_votes(st, tenant, &v, &n);
    if (!rc && n)
        qsort(v, n, sizeof *v, cmp_vote);
    size_t prs = 0;
    for (size_t i = 0; !rc && i < n && prs < WF_LEARN_RISK_MAX_PRS;) {
        size_t j = i;
        struct wf_ml_vote votes[64];
        size_t nv = 0;
        while (j < n && strcmp(v[j].repo, v[i].repo) == 0 && v[j].number == v[i].number) {
            /* each labeler's latest (the first of its run) */
            if ((j == i || strcmp(v[j].by, v[j - 1].by) != 0) && nv < 64)
                votes[nv++] = (struct wf_ml_vote){v[j].label, v[j].at_ms};
            j++;
        }
        int label = wf_ml_resolve_votes(votes, nv, 2);
        struct wf_risk_commit c;
        if (label >= 0 && review_metrics(st, tenant, v[i].repo, v[i].number, fill, &c)) {
            rc = wf_grow((void **)rows, cap, *n_rows + 1, sizeof **rows, WF_LIMIT_TRAIN_EXAMPLES);
            if (!rc) {
                struct trow *t = &(*rows)[(*n_rows)++];
                memset(t, 0, sizeof *t);
                t->c = c;
                t->c.bug = label;
                t->tenant = 1;
                char key[320];
                int kl = snprintf(key, sizeof key, "%s#%lld", v[i].repo, (long long)v[i].number);
                t->key = wf_hash64(key, (size_t)kl, WF_LEARN_SPLIT_SEED);
                prs++;
            }
        }
        i = j;
    }
    votes_free(v, n);
    return rc;
}

/* SHA-256 over every row in order: "bug,date,m0,...,m13,tenant\n". */
static int rows_hash(const struct trow *r, size_t n, char hex[65])
{
    struct wf_buf b;
    wf_buf_init(&b, (size_t)1 << 30);
    int rc = WF_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = wf_buf_appendf(&b, "%d,%lld", r[i].c.bug, (long long)r[i].c.date);
        for (unsigned k = 0; k < WF_RISK_N_METRICS && !rc; k++)
            rc = wf_buf_appendf(&b, ",%.9g", r[i].c.m[k]);
        if (!rc)
            rc = wf_buf_appendf(&b, ",%d\n", r[i].tenant);
    }
    if (!rc) {
        uint8_t h[WF_CRYPTO_SHA256_BYTES];
        wf_crypto_sha256(b.p ? b.p : "", b.len, h);
        wf_crypto_hex(h, sizeof h, hex);
    }
    wf_buf_cleanup(&b);
    return rc;
}

/* AUC and accuracy (threshold 0.5) of m on the held-out rows. */
static int eval_model(const struct wf_ml_model *m, const struct trow *r, size_t n, double *auc,
                      double *acc)
{
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        nt += r[i].test;
    double *s = wf_calloc(nt ? nt : 1, sizeof *s);
    int *y = wf_calloc(nt ? nt : 1, sizeof *y);
    int rc = s && y ? WF_OK : WF_ENOMEM;
    size_t k = 0, right = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (!r[i].test)
            continue;
        s[k] = wf_risk_score(m, WF_RISK_FEAT_JIT, &r[i].c);
        y[k] = r[i].c.bug;
        right += (s[k] >= 0.5) == (y[k] == 1);
        k++;
    }
    if (!rc)
        rc = wf_risk_auc(s, y, nt, auc);
    *acc = nt ? (double)right / (double)nt : 0;
    wf_free(s);
    wf_free(y);
    return rc;
}

/* Trains on the rows not held out (tenant rows weighted; only built-in
 * rows when builtin_only); shuffle permutes the labels (a worse model). */
static int train_part(const struct trow *r, size_t n, int builtin_only, int shuffle, uint64_t seed,
                      struct wf_ml_model **out)
{
    size_t cap = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        if (!r[i].test && !(builtin_only && r[i].tenant))
            cap += r[i].tenant ? WF_LEARN_RISK_TENANT_WEIGHT : 1;
    struct wf_risk_commit *c = wf_calloc(cap ? cap : 1, sizeof *c);
    if (!c)
        return WF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (r[i].test || (builtin_only && r[i].tenant))
            continue;
        for (unsigned w = 0; w < (r[i].tenant ? WF_LEARN_RISK_TENANT_WEIGHT : 1); w++)
            c[k++] = r[i].c;
    }
    if (shuffle) { /* test-only: Fisher-Yates over the labels */
        uint64_t s = seed ^ 0x9e3779b97f4a7c15ULL;
        for (size_t i = k; i > 1; i--) {
            s = wf_hash_mix(s, i);
            size_t j = (size_t)(s % i);
            int t = c[i - 1].bug;
            c[i - 1].bug = c[j].bug;
            c[j].bug = t;
        }
    }
    int rc = wf_risk_train(c, k, WF_RISK_FEAT_JIT, out);
    wf_free(c);
    return rc;
}

int wf_learn_train_risk(struct wf_store *st, const char *tenant,
                        const struct wf_learn_train_opts *opts, struct wf_learn_train_result *out,
                        struct wf_buf *err)
{
    struct wf_learn_train_opts defaults;
    if (!opts) {
        wf_learn_train_opts_init(&defaults);
        opts = &defaults;
    }
    double holdout = opts->holdout > 0 && opts->holdout < 1 ? opts->holdout : 0.2;
    memset(out, 0, sizeof *out);
    struct wf_risk_data d;
    wf_risk_data_init(&d);
    struct trow *rows = NULL;
    size_t n = 0, cap = 0, n_train_b = 0;
    struct wf_ml_model *cand = NULL, *base = NULL;
    struct wf_buf model_text;
    wf_buf_init(&model_text, WF_LIMIT_MODEL_BYTES);
    json_t *metrics = NULL;
    char *metrics_s = NULL;
    const char *csv;
    size_t csv_len, err_line = 0;
    wf_learn_builtin_risk_csv(&csv, &csv_len);
    int rc = wf_risk_csv_parse(csv, csv_len, &d, &err_line, NULL);
    if (!rc)
        rc = wf_risk_split(&d, 1.0 - holdout, &n_train_b);
    if (rc) {
        if (err)
            wf_buf_appendf(err, "built-in risk data: %s", wf_strerror(rc));
        goto out;
    }
    /* the built-in training part's mean of each metric fills unknown history */
    double fill[WF_RISK_N_METRICS] = {0};
    for (size_t i = 0; i < n_train_b; i++)
        for (unsigned k = 0; k < WF_RISK_N_METRICS; k++)
            fill[k] += d.rows[i].m[k] / (double)n_train_b;
    rc = wf_grow((void **)&rows, &cap, d.n, sizeof *rows, WF_LIMIT_TRAIN_EXAMPLES);
    for (size_t i = 0; !rc && i < d.n; i++) {
        memset(&rows[i], 0, sizeof rows[i]);
        rows[i].c = d.rows[i];
        rows[i].test = i >= n_train_b;
    }
    n = rc ? 0 : d.n;
    out->n_builtin = n;
    if (!rc)
        rc = tenant_rows(st, tenant, fill, &rows, &n, &cap);
    if (rc) {
        if (err)
            wf_buf_appendf(err, "reading the tenant's pr_outcome labels: %s", wf_strerror(rc));
        goto out;
    }
    out->n_labels = n - out->n_builtin;
    /* tenant rows: a seeded fifth held out; with two or more rows at least one */
    double cut = holdout * 18446744073709551615.0;
    size_t held = 0, low = (size_t)-1;
    for (size_t i = out->n_builtin; i < n; i++) {
        rows[i].key = wf_hash_mix(rows[i].key, opts->seed);
        rows[i].test = (double)rows[i].key < cut;
        held += rows[i].test;
        if (low == (size_t)-1 || rows[i].key < rows[low].key)
            low = i;
    }
    if (out->n_labels >= 2 && !held)
        rows[low].test = 1;
    rc = rows_hash(rows, n, out->hash);
    for (size_t i = 0; i < n; i++)
        out->n_test += rows[i].test;
    out->n_train = n - out->n_test;
    if (!rc)
        rc = train_part(rows, n, 0, opts->shuffle_labels, opts->seed, &cand);
    if (rc) {
        if (err)
            wf_buf_appendf(err, "training failed: %s", wf_strerror(rc));
        goto out;
    }
    int64_t active_v = 0;
    rc = wf_learn_active_risk_model(st, tenant, &base, &active_v);
    if (rc == WF_ENOENT) {
        rc = train_part(rows, n, 1, 0, opts->seed, &base);
        snprintf(out->baseline, sizeof out->baseline, "built-in recipe (%s)",
                 wf_learn_bundled_risk_version());
    } else if (!rc) {
        snprintf(out->baseline, sizeof out->baseline, "active v%lld", (long long)active_v);
    }
    if (rc) {
        if (err)
            wf_buf_appendf(err, "baseline model: %s", wf_strerror(rc));
        goto out;
    }
    rc = eval_model(cand, rows, n, &out->f1, &out->accuracy);
    if (!rc)
        rc = eval_model(base, rows, n, &out->base_f1, &out->base_accuracy);
    if (rc) {
        if (err)
            wf_buf_appendf(err, "evaluation failed: %s", wf_strerror(rc));
        goto out;
    }
    out->promoted = wf_learn_promote(out->f1, out->base_f1, opts->tolerance);
    size_t tl = 0;
    for (size_t i = out->n_builtin; i < n; i++)
        tl += rows[i].test;
    snprintf(out->reason, sizeof out->reason,
             "%s: held-out AUC %.4f vs %.4f of the %s (tolerance %.3f; %zu held-out rows, %zu "
             "from tenant labels)%s",
             out->promoted ? "promoted" : "rejected", out->f1, out->base_f1, out->baseline,
             opts->tolerance, out->n_test, tl, opts->shuffle_labels ? " [shuffled labels]" : "");
    metrics =
        json_pack("{s:f,s:f,s:f,s:f,s:s,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "auc", out->f1,
                  "accuracy", out->accuracy, "baseline_auc", out->base_f1, "baseline_accuracy",
                  out->base_accuracy, "baseline", out->baseline, "tolerance", opts->tolerance,
                  "n_train", (json_int_t)out->n_train, "n_test", (json_int_t)out->n_test,
                  "n_test_tenant", (json_int_t)tl, "n_labels", (json_int_t)out->n_labels,
                  "tenant_weight", (json_int_t)WF_LEARN_RISK_TENANT_WEIGHT, "seed",
                  (json_int_t)opts->seed, "shuffled_labels", opts->shuffle_labels);
    metrics_s = metrics ? json_dumps(metrics, JSON_COMPACT) : NULL;
    rc = metrics_s ? wf_ml_save(cand, &model_text) : WF_ENOMEM;
    if (rc)
        goto out;
    struct wf_store_model m = {
        .tenant = tenant,
        .kind = "risk",
        .status = out->promoted ? "active" : "rejected",
        .training_hash = out->hash,
        .metrics_json = metrics_s,
        .reference_json = "{}",
        .reason = out->reason,
        .n_labels = (int64_t)out->n_labels,
        .model_text = model_text.p,
        .created_ms = opts->now_ms,
    };
    rc = wf_store_model_put(st, &m, &out->version);
    if (rc && err)
        wf_buf_appendf(err, "storing the model: %s", wf_strerror(rc));
out:
    wf_risk_data_cleanup(&d);
    wf_free(rows);
    wf_buf_cleanup(&model_text);
    wf_ml_model_free(cand);
    wf_ml_model_free(base);
    json_decref(metrics);
    free(metrics_s);
    return rc;
}
