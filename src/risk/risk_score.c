/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scoring a change for review: the model's probability as a 0-100 score,
 * the factors behind it (each feature's coefficient times its distance from
 * the training mean, i.e. its share of the log-odds), the path factors
 * (CI, migrations, auth/crypto, lockfiles without their manifest, tests)
 * and recommendations derived from both. Unknown metrics (no repository,
 * no message) sit at the training mean and so contribute nothing.
 */
#include "risk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char wf_risk_model_blob[];
extern const size_t wf_risk_model_blob_len;

/* JIT feature -> metric; must follow jit_names in risk_model.c. */
static const unsigned feat_metric[] = {
    WF_RISK_NS,   WF_RISK_ND,   WF_RISK_NF,   WF_RISK_ENTROPY, WF_RISK_LA,  WF_RISK_LD,
    WF_RISK_LT,   WF_RISK_FIX,  WF_RISK_NDEV, WF_RISK_AGE,     WF_RISK_NUC, WF_RISK_EXP,
    WF_RISK_REXP, WF_RISK_SEXP, WF_RISK_LA,   WF_RISK_LD,      WF_RISK_LA,
};
#define N_FEAT (sizeof(feat_metric) / sizeof(feat_metric[0]))
/* Names of the relative-churn features 14..16 as metrics. */
static const char *const ratio_names[] = {"la/lt", "ld/lt", "la/nf"};

/* Features that need the repository's history. */
static int needs_history(size_t j)
{
    unsigned m = feat_metric[j];
    return j == 14 || j == 15 || m == WF_RISK_LT || m == WF_RISK_NDEV || m == WF_RISK_AGE ||
           m == WF_RISK_NUC || m == WF_RISK_EXP || m == WF_RISK_REXP || m == WF_RISK_SEXP;
}

int wf_risk_default_model(struct wf_ml_model **out)
{
    return wf_ml_load((const char *)wf_risk_model_blob, wf_risk_model_blob_len, out);
}

int wf_risk_model_means(const struct wf_ml_model *m, double *mean)
{
    for (size_t j = 0; j < WF_RISK_MAX_FEATS; j++)
        mean[j] = 0;
    const char *p = m && m->trained_on ? strstr(m->trained_on, "mean=") : NULL;
    if (!p)
        return 0;
    p += 5;
    double v[WF_RISK_MAX_FEATS];
    size_t k = 0;
    while (k < WF_RISK_MAX_FEATS) {
        char *end;
        v[k] = strtod(p, &end);
        if (end == p || !isfinite(v[k]))
            return 0;
        k++;
        if (*end != ',')
            break;
        p = end + 1;
    }
    for (size_t j = 0; j < k; j++)
        mean[j] = v[j];
    return 1;
}

static void factor_text(size_t j, double v, char *buf, size_t cap)
{
    switch (j) {
    case 0:
        snprintf(buf, cap, "touches %.0f subsystem(s) (top-level directories)", v);
        break;
    case 1:
        snprintf(buf, cap, "touches %.0f director%s", v, v == 1 ? "y" : "ies");
        break;
    case 2:
        snprintf(buf, cap, "touches %.0f file(s)", v);
        break;
    case 3:
        snprintf(buf, cap, "spreads its lines over the files (entropy %.2f bits)", v);
        break;
    case 4:
        snprintf(buf, cap, "adds %.0f line(s)", v);
        break;
    case 5:
        snprintf(buf, cap, "deletes %.0f line(s)", v);
        break;
    case 6:
        snprintf(buf, cap, "touches files holding %.0f line(s) before the change", v);
        break;
    case 7:
        snprintf(buf, cap, "%s",
                 v > 0 ? "is a fix (fixes are often followed by more fixes)" : "is not a fix");
        break;
    case 8:
        snprintf(buf, cap, "touches files %.0f developer(s) changed before", v);
        break;
    case 9:
        snprintf(buf, cap, "touches files last changed %.1f days ago on average", v);
        break;
    case 10:
        snprintf(buf, cap, "touches files changed by %.0f earlier commit(s)", v);
        break;
    case 11:
        snprintf(buf, cap, "its author made %.0f earlier commit(s)", v);
        break;
    case 12:
        snprintf(buf, cap, "its author's recent experience is %.1f weighted commits", v);
        break;
    case 13:
        snprintf(buf, cap, "its author made %.0f earlier commit(s) to these subsystems", v);
        break;
    case 14:
        snprintf(buf, cap, "adds %.2f lines per line of the touched files", v);
        break;
    case 15:
        snprintf(buf, cap, "deletes %.2f lines per line of the touched files", v);
        break;
    default:
        snprintf(buf, cap, "adds %.1f lines per file", v);
        break;
    }
}

static int by_abs(const void *a, const void *b)
{
    const struct wf_risk_factor *x = a, *y = b;
    double u = fabs(x->contribution), v = fabs(y->contribution);
    return u > v ? -1 : u < v;
}

/* 1 when files hold base name `name` in the directory of `path`. */
static int has_sibling(const struct wf_risk_change_file *files, size_t n, const char *path,
                       const char *name)
{
    const char *s = strrchr(path, '/');
    size_t dlen = s ? (size_t)(s - path) + 1 : 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = files[i].path;
        if (strlen(p) == dlen + strlen(name) && strncmp(p, path, dlen) == 0 &&
            strcmp(p + dlen, name) == 0)
            return 1;
    }
    return 0;
}

/* Appends a recommendation (silently dropped past WF_RISK_MAX_RECS). */
static char *rec(struct wf_risk_assessment *a)
{
    return a->n_recs < WF_RISK_MAX_RECS ? a->recs[a->n_recs++] : NULL;
}

/* Comma-separated paths of the files with any bit of `want` (at most
 * WF_RISK_MAX_UNTESTED named, then "and N more"). */
static void list_paths(const struct wf_risk_change_file *files, size_t n, unsigned want,
                       unsigned reject, int need_added, char *buf, size_t cap)
{
    size_t named = 0, more = 0, used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(files[i].flags & want) || (files[i].flags & reject) ||
            (need_added && !files[i].added))
            continue;
        if (named == WF_RISK_MAX_UNTESTED) {
            more++;
            continue;
        }
        int k = snprintf(buf + used, cap - used, "%s%s", named ? ", " : "", files[i].path);
        if (k < 0 || (size_t)k >= cap - used)
            break;
        used += (size_t)k;
        named++;
    }
    if (more && used < cap)
        snprintf(buf + used, cap - used, " and %zu more", more);
}

static void recommend(struct wf_risk_assessment *a, const struct wf_risk_change_metrics *cm,
                      const struct wf_risk_change_file *files, size_t n)
{
    const double *m = cm->c.m;
    char paths[384];
    char *r;
    if ((m[WF_RISK_LA] > 400 || m[WF_RISK_NF] > 20 || m[WF_RISK_ENTROPY] > 3) && (r = rec(a)))
        snprintf(r, 512,
                 "Split the change: it adds %.0f lines to %.0f files in %.0f directories; "
                 "smaller changes are reviewed more thoroughly and induce fewer defects.",
                 m[WF_RISK_LA], m[WF_RISK_NF], m[WF_RISK_ND]);
    if (a->code_added && !a->test_added && (r = rec(a))) {
        list_paths(files, n, WF_RISK_PATH_CODE, WF_RISK_PATH_TEST, 1, paths, sizeof(paths));
        snprintf(r, 512, "Add tests: code changes without any test change in %s.", paths);
    }
    if (cm->have_history && cm->owners[0] && (r = rec(a))) {
        int k = snprintf(r, 512, "Ask an owner of these files to review: %s (%zu recent commits)",
                         cm->owners[0], cm->owner_commits[0]);
        for (size_t i = 1; i < WF_RISK_MAX_OWNERS && cm->owners[i] && k > 0 && k < 512; i++)
            k +=
                snprintf(r + k, 512 - (size_t)k, ", %s (%zu)", cm->owners[i], cm->owner_commits[i]);
        if (k > 0 && k < 510)
            snprintf(r + k, 512 - (size_t)k, ".");
    }
    if ((a->flags & WF_RISK_PATH_CI) && (r = rec(a))) {
        list_paths(files, n, WF_RISK_PATH_CI, 0, 0, paths, sizeof(paths));
        snprintf(r, 512,
                 "Review the CI configuration change (%s) on its own: it runs with the "
                 "repository's secrets and gates every merge.",
                 paths);
    }
    if ((a->flags & WF_RISK_PATH_MIGRATION) && (r = rec(a))) {
        list_paths(files, n, WF_RISK_PATH_MIGRATION, 0, 0, paths, sizeof(paths));
        snprintf(r, 512,
                 "Review the migration (%s): check it is reversible and safe on a live "
                 "database, and deploy it apart from the code that needs it.",
                 paths);
    }
    if ((a->flags & WF_RISK_PATH_AUTH) && (r = rec(a))) {
        list_paths(files, n, WF_RISK_PATH_AUTH, WF_RISK_PATH_TEST, 0, paths, sizeof(paths));
        snprintf(r, 512,
                 "Have a security-minded reviewer check the authentication/cryptography "
                 "change (%s).",
                 paths);
    }
    for (size_t i = 0; i < n && (a->flags & WF_RISK_PATH_LOCK); i++) {
        const char *man = wf_risk_lock_manifest(files[i].path);
        if (man && !has_sibling(files, n, files[i].path, man) && (r = rec(a))) {
            snprintf(r, 512,
                     "%s changed without %s: check that the dependency update is intended "
                     "and comes from a trusted source.",
                     files[i].path, man);
            break;
        }
    }
}

int wf_risk_assess(const struct wf_ml_model *m, const struct wf_risk_change_metrics *cm,
                   const struct wf_risk_change_file *files, size_t n,
                   struct wf_risk_assessment *out)
{
    enum wf_risk_featset fs;
    double x[WF_RISK_MAX_FEATS], mean[WF_RISK_MAX_FEATS];
    struct wf_risk_assessment a;
    struct wf_risk_factor all[N_FEAT];
    size_t na = 0;

    if (!m || !cm || (!files && n) || !out)
        return WF_EINVAL;
    if (wf_risk_model_featset(m, &fs) || fs != WF_RISK_FEAT_JIT || m->hash_bits < 5)
        return WF_EFORMAT;
    memset(&a, 0, sizeof(a));
    (void)wf_risk_model_means(m, mean);
    size_t nf = wf_risk_features(fs, &cm->c, x);
    if (nf != N_FEAT)
        return WF_EINTERNAL;
    double z = (double)m->bias[1] - m->bias[0];
    for (size_t j = 0; j < nf; j++) {
        int unknown = (!cm->have_history && needs_history(j)) || (!cm->have_message && j == 7);
        double w = (double)m->weights[j * 2 + 1] - m->weights[j * 2];
        double xv = unknown ? mean[j] : x[j];
        z += w * xv;
        if (unknown)
            continue;
        struct wf_risk_factor *f = &all[na];
        *f = (struct wf_risk_factor){wf_risk_feature_name(fs, j),
                                     j < 14 ? wf_risk_metric_name(feat_metric[j])
                                            : ratio_names[j - 14],
                                     j < 14 ? cm->c.m[feat_metric[j]] : expm1(x[j]),
                                     w * (x[j] - mean[j]),
                                     {0}};
        if (!(fabs(f->contribution) > 1e-9))
            continue;
        factor_text(j, f->value, f->text, sizeof(f->text));
        na++;
    }
    qsort(all, na, sizeof(all[0]), by_abs);
    a.n_factors = na < WF_RISK_MAX_FACTORS ? na : WF_RISK_MAX_FACTORS;
    memcpy(a.factors, all, a.n_factors * sizeof(all[0]));
    a.probability = 1.0 / (1.0 + exp(-z));
    a.score = (int)lround(100.0 * a.probability);
    a.have_history = cm->have_history;
    for (size_t i = 0; i < n; i++) {
        unsigned fl = files[i].flags;
        a.flags |= fl & (WF_RISK_PATH_CI | WF_RISK_PATH_MIGRATION | WF_RISK_PATH_AUTH);
        const char *man = wf_risk_lock_manifest(files[i].path);
        if (man && !has_sibling(files, n, files[i].path, man))
            a.flags |= WF_RISK_PATH_LOCK;
        if (fl & WF_RISK_PATH_TEST)
            a.test_added += files[i].added;
        else if (fl & WF_RISK_PATH_CODE)
            a.code_added += files[i].added;
    }
    a.test_ratio = a.code_added ? (double)a.test_added / (double)a.code_added : 0.0;
    recommend(&a, cm, files, n);
    *out = a;
    return WF_OK;
}
