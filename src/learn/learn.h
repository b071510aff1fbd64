/* SPDX-License-Identifier: Apache-2.0 */
/*
 * learn: the loop from people's feedback back into the models. Parses and
 * validates feedback (labels), measures agreement between labelers and
 * resolves conflicting labels, retrains the triage classifier from the
 * built-in corpus plus a tenant's resolved labels, evaluates candidates on
 * a fixed held-out split and promotes only those not worse than the active
 * model, and measures drift of incoming failures against the training set.
 * It keeps no state of its own: rows come from and go to the store; the
 * statistics are src/ml's. Depends on store, triage, risk, ml, redact.
 */
#ifndef WF_LEARN_H
#define WF_LEARN_H

#include <stdint.h>

#include <jansson.h>

#include "ml/ml.h"
#include "redact/redact.h"
#include "store/store.h"
#include "util/util.h"

/* Bytes of a feedback request body. */
#define WF_LEARN_FEEDBACK_BYTES (64u * 1024u)

/* ---- Feedback ------------------------------------------------------------------ */

/* A parsed POST /v1/feedback body; owned copies, "" when absent. */
struct wf_learn_feedback {
    char kind[16];                      /* category | helpful | resolution | pr_outcome */
    int64_t failure_id;                 /* category; helpful with target "failure" */
    char value[64];                     /* category name, "yes"/"no", "defect"/"clean" */
    char target[16];                    /* helpful: failure | answer */
    char target_id[128];                /* helpful */
    char signature[65];                 /* resolution: hex signature */
    char note[WF_STORE_NOTE_BYTES + 1]; /* resolution note or helpful comment (not redacted) */
    char fix_commit[65];                /* resolution: hex commit sha */
    char repo[256];                     /* pr_outcome */
    int64_t number;                     /* pr_outcome */
};

/* Parses and validates a feedback body (borrowed). WF_EFORMAT when it is
 * not a JSON object, WF_EINVAL when a field is missing, of the wrong type
 * or out of range, WF_ETOOBIG past WF_LEARN_FEEDBACK_BYTES; the message in
 * err (optional) starts with the field's name ("category: unknown
 * category 'x'"). Category names are the triage taxonomy's. Never crashes
 * on any input; out is written only on WF_OK. */
int wf_learn_feedback_parse(const char *body, size_t len, struct wf_learn_feedback *out,
                            struct wf_buf *err);

/* A category by its name, a name wf_triage_category_parse knows, or the
 * first word of exactly one category ("test" -> test_failure, "ci" ->
 * ci_config); -1 when unknown or ambiguous. */
int wf_learn_category_parse(const char *name);

/* The store label of parsed feedback for tenant and principal `by`; note
 * is the redacted note. Every pointer borrowed (from fb, tenant, by, note)
 * for as long as *out is used. */
void wf_learn_feedback_label(const struct wf_learn_feedback *fb, const char *tenant, const char *by,
                             const char *note, struct wf_store_label *out);

/* Redacts free text (several lines allowed) with opts (NULL = defaults)
 * into out (appended, always terminated). WF_ENOMEM, WF_ETOOBIG. */
int wf_learn_redact(const struct wf_redact_opts *opts, const char *text, struct wf_buf *out);

/* ---- Agreement and resolved labels ------------------------------------------------ */

/* One failure's resolved category label. */
struct wf_learn_resolved {
    int64_t failure_id;
    int category;   /* enum wf_triage_category */
    size_t n_votes; /* labelers who labelled it */
    int conflict;   /* 1 when they did not all agree */
    int64_t at_ms;  /* the latest label's time */
};

/* Reads every category label of the tenant (at most
 * WF_LEARN_MAX_LABELS), keeps each labeler's latest label per failure and
 * resolves each failure with wf_ml_resolve_votes (majority; a tie goes to
 * the most recently labelled class). Returns an owned array (free with
 * wf_free), oldest failure first. Labels naming an unknown category are
 * skipped. Store errors. */
int wf_learn_resolved_labels(struct wf_store *st, const char *tenant,
                             struct wf_learn_resolved **out, size_t *n);

#define WF_LEARN_MAX_LABELS 200000u

/* Agreement between the tenant's labelers on category labels:
 * {"min_shared":N,"labelers":[{"by","labels"}],"pairs":[{"a","b","shared",
 * "observed","kappa"}] (pairs with >= min_shared failures in common),
 * "overall":{"kappa","observed","items","pairs"} (Cohen's kappa over the
 * pooled items of those pairs; null kappa when none), "failures":n,
 * "conflicts":n, "rule":"..."}. Returns owned json. */
int wf_learn_agreement(struct wf_store *st, const char *tenant, size_t min_shared, json_t **out);

/* ---- Retraining and promotion ------------------------------------------------------ */

/* Seed of the held-out split (fixed: the same records land on the same side). */
#define WF_LEARN_SPLIT_SEED 20261123u
/* A candidate is promoted when its held-out macro-F1 >= the baseline's - this. */
#define WF_LEARN_PROMOTE_TOLERANCE 0.01

struct wf_learn_train_opts {
    uint64_t seed;      /* split seed, default WF_LEARN_SPLIT_SEED */
    double holdout;     /* share held out, default 0.2 */
    double tolerance;   /* promotion tolerance on macro-F1, default WF_LEARN_PROMOTE_TOLERANCE */
    int shuffle_labels; /* testing the gate only: train on shuffled labels (a worse model) */
    int64_t now_ms;     /* creation time, 0 = now */
};
void wf_learn_train_opts_init(struct wf_learn_train_opts *o);

/* The promotion rule: 1 when a candidate's held-out macro-F1 is not worse
 * than the baseline's by more than tolerance (cand >= base - tolerance),
 * 0 otherwise and for NaN scores. Pure. */
int wf_learn_promote(double cand_f1, double base_f1, double tolerance);

struct wf_learn_train_result {
    int64_t version;   /* stored version */
    int promoted;      /* 1: active now; 0: stored as rejected */
    char reason[512];  /* the comparison behind the decision */
    char hash[65];     /* training-set SHA-256 */
    char baseline[64]; /* what it was compared with */
    size_t n_builtin;  /* built-in records */
    size_t n_labels;   /* tenant records (resolved labels with excerpt lines) */
    size_t n_train, n_test;
    double f1, accuracy; /* candidate on the held-out records */
    double base_f1, base_accuracy;
};

/* Retrains the tenant's triage model from the built-in corpus plus its
 * resolved category labels, evaluates candidate and baseline on the same
 * held-out records, and stores the candidate as "active" (promoted; the
 * previous one retired) or "rejected", with metrics, training-set hash and
 * drift reference. opts NULL = defaults. Message in err (optional).
 * Not thread-safe against a concurrent retrain of the same tenant (the
 * server runs retrains as queue jobs, one at a time per job). */
int wf_learn_train_triage(struct wf_store *st, const char *tenant,
                          const struct wf_learn_train_opts *opts, struct wf_learn_train_result *out,
                          struct wf_buf *err);

/* The tenant's active triage model (owned: free with wf_ml_model_free), its
 * version and (optional) its row without the text (owned json).
 * WF_ENOENT when the tenant has none (use the bundled model). */
int wf_learn_active_model(struct wf_store *st, const char *tenant, struct wf_ml_model **out,
                          int64_t *version, json_t **row);

/* "bundled-" + the first 12 hex digits of the SHA-256 of the bundled model
 * file: the model_version of results of the compiled-in model. */
const char *wf_learn_bundled_version(void);
/* The same for the bundled change-risk model (models/risk.model). */
const char *wf_learn_bundled_risk_version(void);
/* The compiled-in training corpus (the .txt files of data/triage-train). Borrowed. */
void wf_learn_builtin_corpus(const char **text, size_t *len);

/* ---- Retraining the change-risk model ------------------------------------------------ */

/* A tenant row counts this many times in training (the built-in data set
 * has thousands of rows; a tenant has tens of labelled PRs). */
#define WF_LEARN_RISK_TENANT_WEIGHT 20u
/* Labelled PRs read per retrain (newest first). */
#define WF_LEARN_RISK_MAX_PRS 5000u

/* Retrains the tenant's change-risk model from the built-in rows
 * (data/risk-train, compiled in) plus one row per PR with a resolved
 * pr_outcome label (defect = 1, clean = 0; one vote per labeler, their
 * latest, resolved with wf_ml_resolve_votes) and a stored review whose risk
 * report holds the change metrics the model read. Held out: the newest
 * fifth of the built-in rows by date and a fixed-seed fifth of the tenant
 * rows. Candidate and baseline (the active risk model, else the built-in
 * recipe trained on the built-in training part) are scored on the same
 * held-out rows with ROC AUC; the candidate is promoted when its AUC >=
 * the baseline's - opts->tolerance, else stored as rejected. In out, f1
 * holds the candidate's AUC and base_f1 the baseline's; accuracy fields
 * are at the 0.5 threshold. */
int wf_learn_train_risk(struct wf_store *st, const char *tenant,
                        const struct wf_learn_train_opts *opts, struct wf_learn_train_result *out,
                        struct wf_buf *err);

/* The tenant's active risk model (owned) and its version; WF_ENOENT when
 * it has none (use the embedded default model). */
int wf_learn_active_risk_model(struct wf_store *st, const char *tenant, struct wf_ml_model **out,
                               int64_t *version);

/* The compiled-in change-risk training CSV. Borrowed. */
void wf_learn_builtin_risk_csv(const char **text, size_t *len);

/* ---- Drift --------------------------------------------------------------------------- */

#define WF_LEARN_BINS 10
#define WF_LEARN_LOG_BYTES_MAX 7.0 /* log10 bytes: 10 MB and above share the last bin */
#define WF_LEARN_KEY_LINES_MAX 3.0 /* log10(1 + lines): 1000 lines and above share it */
#define WF_LEARN_CATEGORIES 12     /* WF_TRIAGE__N_CATEGORIES, checked in learn_drift.c */

/* Histograms of the drift features (counts). */
struct wf_learn_hist {
    double confidence[WF_LEARN_BINS];       /* top probability, bins over [0, 1] */
    double log_bytes[WF_LEARN_BINS];        /* log10 of the log's bytes over [0, 7] */
    double key_lines[WF_LEARN_BINS];        /* log10(1 + key lines) over [0, 3] */
    double categories[WF_LEARN_CATEGORIES]; /* training labels / predicted categories */
    size_t n;
};
void wf_learn_hist_init(struct wf_learn_hist *h);
void wf_learn_hist_add(struct wf_learn_hist *h, double confidence, double log_bytes,
                       double key_lines, int category);
/* As stored with a model ("reference"); owned json. */
json_t *wf_learn_hist_json(const struct wf_learn_hist *h);
/* WF_EFORMAT when j is not such an object. */
int wf_learn_hist_parse(const json_t *j, struct wf_learn_hist *h);

/* Default PSI above which a feature counts as drifted. */
#define WF_LEARN_DRIFT_THRESHOLD 0.2
/* Pages of failures (WF_LIMIT_PAGE_ITEMS each) read per drift measurement. */
#define WF_LEARN_DRIFT_PAGES 40

struct wf_learn_drift_opts {
    int window_days;    /* incoming failures of the last N days, default 7 */
    double threshold;   /* PSI threshold, default WF_LEARN_DRIFT_THRESHOLD */
    size_t min_samples; /* fewer failures than this never count as drift, default 30 */
    int accuracy_days;  /* labels of the last N days for recent accuracy, default 30 */
    int64_t now_ms;     /* 0 = now */
};
void wf_learn_drift_opts_init(struct wf_learn_drift_opts *o);

/* Drift of the tenant's failures triaged by model_version in the window
 * against ref: {"model_version","window_days","n","enough_samples","psi":
 * {"confidence","log_bytes","key_lines","category"},"category_js",
 * "recent_accuracy" (null without labels),"recent_labels","threshold",
 * "drifted":[feature...]}. Owned json. */
int wf_learn_drift(struct wf_store *st, const char *tenant, const char *model_version,
                   const struct wf_learn_hist *ref, const struct wf_learn_drift_opts *opts,
                   json_t **out);

/* The models report (GET /v1/models): {"active":{"triage":{"version",
 * "model_version","metrics"},"risk":{...}},"history":[...],"drift":
 * {"triage":{...}},"warnings":[...]}. When a feature drifted, records a
 * "model_drift" notice keyed by model version and UTC day; *new_warning
 * (optional) is 1 when that notice is new (log it once). Owned json. */
int wf_learn_models_report(struct wf_store *st, const char *tenant,
                           const struct wf_learn_drift_opts *opts, json_t **out, int *new_warning);

/* Histograms of a "### category:" corpus triaged by m (reference of a model). */
int wf_learn_corpus_hist(const struct wf_ml_model *m, const char *text, size_t len,
                         struct wf_learn_hist *out);
/* The bundled model's reference (the built-in corpus it was trained on),
 * computed once per process. */
int wf_learn_bundled_reference(struct wf_learn_hist *out);

/* ---- Features recorded with each failure ---------------------------------------- */

struct wf_triage_result;

/* Top probability minus the runner-up's (0..1): how sure the classifier
 * was. 1 when n < 2. */
double wf_learn_margin(const double *probs, size_t n);
/* Lines in the result's excerpt blocks (the "key lines"). */
size_t wf_learn_key_lines(const struct wf_triage_result *r);

#endif
