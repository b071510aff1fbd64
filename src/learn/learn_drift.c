/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drift of incoming failures against the training set of the model that
 * triaged them: PSI over ten bins of the classifier's confidence, the
 * log's size and the key-line count, PSI and Jensen-Shannon divergence of
 * the predicted categories against the training labels, and accuracy on
 * recent labels (the label against the category recorded at triage time).
 * Also the models report GET /v1/models and `workflowai models list` show:
 * active version per kind, history, metrics, drift and stored warnings.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "learn/learn.h"
#include "triage/triage.h"

_Static_assert(WF_LEARN_CATEGORIES == WF_TRIAGE__N_CATEGORIES, "one bin per category");

#define DAY_MS 86400000LL

void wf_learn_drift_opts_init(struct wf_learn_drift_opts *o)
{
    memset(o, 0, sizeof *o);
    o->window_days = 7;
    o->threshold = WF_LEARN_DRIFT_THRESHOLD;
    o->min_samples = 30;
    o->accuracy_days = 30;
}

/* The bundled model's reference: the built-in records scored by it, once. */
static struct wf_learn_hist bundled_ref;
static int bundled_rc;

static void bundled_init(void)
{
    const struct wf_ml_model *m = NULL;
    const char *s;
    size_t n;
    wf_learn_builtin_corpus(&s, &n);
    wf_learn_hist_init(&bundled_ref);
    bundled_rc = wf_triage_default_model(&m);
    if (bundled_rc)
        return;
    bundled_rc = wf_learn_corpus_hist(m, s, n, &bundled_ref);
}

int wf_learn_bundled_reference(struct wf_learn_hist *out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, bundled_init);
    if (!bundled_rc)
        *out = bundled_ref;
    return bundled_rc;
}

static json_t *psi_obj(const struct wf_learn_hist *ref, const struct wf_learn_hist *cur)
{
    return json_pack("{s:f,s:f,s:f,s:f}", "confidence",
                     wf_ml_psi(ref->confidence, cur->confidence, WF_LEARN_BINS), "log_bytes",
                     wf_ml_psi(ref->log_bytes, cur->log_bytes, WF_LEARN_BINS), "key_lines",
                     wf_ml_psi(ref->key_lines, cur->key_lines, WF_LEARN_BINS), "category",
                     wf_ml_psi(ref->categories, cur->categories, WF_LEARN_CATEGORIES));
}

int wf_learn_drift(struct wf_store *st, const char *tenant, const char *model_version,
                   const struct wf_learn_hist *ref, const struct wf_learn_drift_opts *opts,
                   json_t **out)
{
    struct wf_learn_drift_opts d;
    if (!opts) {
        wf_learn_drift_opts_init(&d);
        opts = &d;
    }
    int64_t now = opts->now_ms ? opts->now_ms : wf_store_now_ms();
    struct wf_learn_hist cur;
    wf_learn_hist_init(&cur);
    struct wf_store_filter f = {.since_ms = now - (int64_t)opts->window_days * DAY_MS,
                                .limit = (int)WF_LIMIT_PAGE_ITEMS};
    int rc = WF_OK;
    size_t pages = 0;
    /* the failures of this model version in the window, newest first, bounded */
    for (;;) {
        json_t *page = NULL;
        rc = wf_store_failure_list(st, tenant, &f, &page);
        if (rc)
            return rc;
        json_t *it;
        size_t i;
        json_array_foreach(json_object_get(page, "items"), i, it)
        {
            const char *mv = json_string_value(json_object_get(it, "model_version"));
            if (!mv || strcmp(mv, model_version) != 0)
                continue;
            wf_learn_hist_add(
                &cur, json_number_value(json_object_get(it, "confidence")),
                (double)json_integer_value(json_object_get(it, "log_bytes")),
                (double)json_integer_value(json_object_get(it, "key_lines")),
                wf_triage_category_parse(json_string_value(json_object_get(it, "category"))));
        }
        json_t *next = json_object_get(page, "next");
        f.before_id = json_is_integer(next) ? json_integer_value(next) : 0;
        json_decref(page);
        if (!f.before_id || ++pages >= WF_LEARN_DRIFT_PAGES)
            break;
    }
    /* accuracy on recent labels: the resolved label against the triage-time prediction */
    struct wf_learn_resolved *res = NULL;
    size_t n_res = 0, n_acc = 0, n_ok = 0;
    rc = wf_learn_resolved_labels(st, tenant, &res, &n_res);
    if (rc)
        return rc;
    int64_t acc_since = now - (int64_t)opts->accuracy_days * DAY_MS;
    for (size_t i = n_res; i-- > 0 && n_acc < 2000;) {
        if (res[i].at_ms < acc_since)
            continue;
        json_t *fj = NULL;
        if (wf_store_failure_get(st, tenant, res[i].failure_id, &fj) != WF_OK)
            continue;
        int pred = wf_triage_category_parse(json_string_value(json_object_get(fj, "category")));
        json_decref(fj);
        n_acc++;
        n_ok += pred == res[i].category;
    }
    wf_free(res);
    json_t *psi = psi_obj(ref, &cur);
    json_t *drifted = json_array();
    int enough = cur.n >= opts->min_samples;
    const char *key;
    json_t *v;
    json_object_foreach(psi, key, v)
    {
        if (enough && json_real_value(v) > opts->threshold)
            json_array_append_new(drifted, json_string(key));
    }
    *out = json_pack(
        "{s:s,s:i,s:I,s:b,s:o,s:f,s:o,s:I,s:f,s:o}", "model_version", model_version, "window_days",
        opts->window_days, "n", (json_int_t)cur.n, "enough_samples", enough, "psi", psi,
        "category_js", wf_ml_js(ref->categories, cur.categories, WF_LEARN_CATEGORIES),
        "recent_accuracy", n_acc ? json_real((double)n_ok / (double)n_acc) : json_null(),
        "recent_labels", (json_int_t)n_acc, "threshold", opts->threshold, "drifted", drifted);
    return *out ? WF_OK : WF_ENOMEM;
}

static void day_of(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%d", &tm);
}

int wf_learn_models_report(struct wf_store *st, const char *tenant,
                           const struct wf_learn_drift_opts *opts, json_t **out, int *new_warning)
{
    struct wf_learn_drift_opts d;
    if (!opts) {
        wf_learn_drift_opts_init(&d);
        opts = &d;
    }
    int64_t now = opts->now_ms ? opts->now_ms : wf_store_now_ms();
    json_t *hist = NULL, *row = NULL, *drift = NULL, *warnings = NULL;
    struct wf_ml_model *m = NULL;
    int64_t version = 0;
    if (new_warning)
        *new_warning = 0;
    int rc = wf_store_model_list(st, tenant, NULL, &hist);
    if (rc)
        return rc;
    struct wf_learn_hist ref;
    char mv[32];
    rc = wf_learn_active_model(st, tenant, &m, &version, &row);
    wf_ml_model_free(m);
    if (rc == WF_OK) {
        snprintf(mv, sizeof mv, "v%lld", (long long)version);
        rc = wf_learn_hist_parse(json_object_get(row, "reference"), &ref);
    } else if (rc == WF_ENOENT) {
        snprintf(mv, sizeof mv, "%s", wf_learn_bundled_version());
        rc = wf_learn_bundled_reference(&ref);
    }
    if (!rc)
        rc = wf_learn_drift(st, tenant, mv, &ref, opts, &drift);
    if (!rc && json_array_size(json_object_get(drift, "drifted")) > 0) {
        char day[16], key[96];
        day_of(now, day, sizeof day);
        snprintf(key, sizeof key, "triage:%s:%s", mv, day);
        char *data = json_dumps(drift, JSON_COMPACT);
        int created = 0;
        rc = data ? wf_store_notice_put(st, tenant, "model_drift", key, data, now, &created)
                  : WF_ENOMEM;
        free(data);
        if (new_warning)
            *new_warning = created;
    }
    if (!rc)
        rc = wf_store_notice_list(st, tenant, "model_drift", now - 30 * DAY_MS, &warnings);
    if (!rc) {
        /* the active risk version, from the history (risk keeps no drift reference) */
        json_t *risk_row = NULL, *it;
        size_t k;
        json_array_foreach(json_object_get(hist, "items"), k, it)
        {
            const char *kind = json_string_value(json_object_get(it, "kind"));
            const char *status = json_string_value(json_object_get(it, "status"));
            if (kind && status && strcmp(kind, "risk") == 0 && strcmp(status, "active") == 0) {
                risk_row = it;
                break;
            }
        }
        char rmv[40];
        if (risk_row)
            snprintf(rmv, sizeof rmv, "v%lld",
                     (long long)json_integer_value(json_object_get(risk_row, "version")));
        else
            snprintf(rmv, sizeof rmv, "%s", wf_learn_bundled_risk_version());
        json_t *active = json_pack(
            "{s:{s:o,s:s,s:o},s:{s:o,s:s,s:o}}", "triage", "version",
            version ? json_integer(version) : json_null(), "model_version", mv, "metrics",
            row ? json_incref(json_object_get(row, "metrics")) : json_null(), "risk", "version",
            risk_row ? json_incref(json_object_get(risk_row, "version")) : json_null(),
            "model_version", rmv, "metrics",
            risk_row ? json_incref(json_object_get(risk_row, "metrics")) : json_null());
        *out = json_pack("{s:o,s:O,s:{s:O},s:O}", "active", active, "history",
                         json_object_get(hist, "items"), "drift", "triage", drift, "warnings",
                         json_object_get(warnings, "items"));
        if (!*out)
            rc = WF_ENOMEM;
    }
    json_decref(hist);
    json_decref(row);
    json_decref(drift);
    json_decref(warnings);
    return rc;
}

int wf_learn_corpus_hist(const struct wf_ml_model *m, const char *text, size_t len,
                         struct wf_learn_hist *out)
{
    static const char mark[] = "### category:";
    struct wf_triage_opts o;
    memset(&o, 0, sizeof o);
    o.model = m;
    size_t i = 0, start = 0;
    int label = -1, rc = WF_OK;
    while (!rc) {
        const char *nl = i < len ? memchr(text + i, '\n', len - i) : NULL;
        size_t e = nl ? (size_t)(nl - text) : len;
        int is_mark =
            i < len && e - i >= sizeof mark - 1 && memcmp(text + i, mark, sizeof mark - 1) == 0;
        if ((is_mark || i >= len) && label >= 0 && i > start) {
            struct wf_triage_result r;
            rc = wf_triage_buffer(&o, text + start, i - start, NULL, 0, &r);
            if (rc)
                break;
            wf_learn_hist_add(out, r.confidence, (double)(i - start),
                              (double)wf_learn_key_lines(&r), label);
            wf_triage_result_cleanup(&r);
        }
        if (is_mark) {
            char name[64];
            size_t b = i + sizeof mark - 1, f = e;
            while (b < f && (text[b] == ' ' || text[b] == '\t'))
                b++;
            while (f > b && (text[f - 1] == ' ' || text[f - 1] == '\r'))
                f--;
            snprintf(name, sizeof name, "%.*s", (int)(f - b), text + b);
            label = wf_triage_category_parse(name);
            start = e + 1;
        }
        if (i >= len)
            break;
        i = e + 1;
    }
    return rc;
}
