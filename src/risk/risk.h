/* SPDX-License-Identifier: Apache-2.0 */
/*
 * risk: just-in-time defect prediction (change risk). A strict loader for
 * per-commit change metrics (the 14 Kamei et al. metrics as CSV), feature
 * engineering, a time-ordered train/test split, logistic-regression models
 * trained with the ml module, and an exact rank-based ROC AUC. The scored
 * model and both literature baselines are evaluated on the same split.
 * Depends on util and ml.
 */
#ifndef WF_RISK_H
#define WF_RISK_H

#include "ml/ml.h"
#include "util/util.h"

/* Limits of the loader (checked input, WF_ETOOBIG past them). */
#define WF_RISK_MAX_CSV_BYTES (256u * 1024 * 1024) /* size of a metrics CSV */
#define WF_RISK_MAX_ROWS WF_LIMIT_TRAIN_EXAMPLES   /* commits in one CSV */
#define WF_RISK_MAX_COLUMNS 256u                   /* columns of one row */
#define WF_RISK_MAX_FIELD_BYTES 1024u              /* bytes of one field */
#define WF_RISK_MAX_METRIC 1e12                    /* largest metric value accepted */

/* The 14 change metrics: enum name, CSV column name. The column spelling
 * "entrophy" is the one of the published data set. */
/* clang-format off */
#define WF_RISK_METRIC_MAP(XX)                                                \
    XX(NS,      "ns")        /* modified subsystems */                        \
    XX(ND,      "nd")        /* modified directories */                       \
    XX(NF,      "nf")        /* modified files */                             \
    XX(ENTROPY, "entrophy")  /* spread of the change over files */            \
    XX(LA,      "la")        /* lines added */                                \
    XX(LD,      "ld")        /* lines deleted */                              \
    XX(LT,      "lt")        /* lines in the files before the change */       \
    XX(FIX,     "fix")       /* 1 when the change fixes a defect */           \
    XX(NDEV,    "ndev")      /* developers who touched the files before */    \
    XX(AGE,     "age")       /* mean days since the files were last changed */\
    XX(NUC,     "nuc")       /* unique earlier changes to the files */        \
    XX(EXP,     "exp")       /* author's earlier changes */                   \
    XX(REXP,    "rexp")      /* author's recent experience (age-weighted) */  \
    XX(SEXP,    "sexp")      /* author's earlier changes to the subsystems */

enum wf_risk_metric {
#define WF__RISK_ENUM(name, col) WF_RISK_##name,
    WF_RISK_METRIC_MAP(WF__RISK_ENUM)
#undef WF__RISK_ENUM
    WF_RISK_N_METRICS
};
/* clang-format on */

/* CSV column name of a metric (static string), NULL when out of range. */
const char *wf_risk_metric_name(unsigned metric);

/* One commit. */
struct wf_risk_commit {
    int64_t date;                /* commit time, seconds since the epoch */
    int bug;                     /* 1 = defect-inducing, 0 = clean */
    size_t line;                 /* 1-based line of the row in its CSV */
    double m[WF_RISK_N_METRICS]; /* metrics, finite and >= 0 */
};

/* Caller-owned set of commits. */
struct wf_risk_data {
    struct wf_risk_commit *rows; /* owned, n entries */
    size_t n;                    /* commits */
    size_t cap;                  /* entries allocated */
};

void wf_risk_data_init(struct wf_risk_data *d);
/* Frees the rows; accepts NULL. */
void wf_risk_data_cleanup(struct wf_risk_data *d);

/* Parses a metrics CSV (text borrowed) into *out, which must be freshly
 * initialised. The header row names the columns; `date`, `bug` and the 14
 * metrics are required, in any order, other columns are ignored. Fields may
 * be double-quoted ("" escapes a quote); lines end in \n or \r\n; a final
 * empty line is allowed. `date` is an integer, `bug` and `fix` are 0 or 1,
 * metrics are numbers in [0, WF_RISK_MAX_METRIC].
 * Errors: WF_EEMPTY (no header or no rows), WF_EFORMAT (missing or
 * duplicate column, wrong field count, bad number, bad quoting),
 * WF_ETOOBIG (past a WF_RISK_MAX_* limit), WF_ENOMEM. On error *err_line is
 * the 1-based line at fault (0 when none), a message goes to err (optional)
 * and *out is left empty. Thread-safe. */
int wf_risk_csv_parse(const char *text, size_t len, struct wf_risk_data *out, size_t *err_line,
                      struct wf_buf *err);

/* Sorts the commits by date, keeping file order among equal dates, and
 * returns in *n_train the size of the first (older) part of a split that
 * keeps train_frac of the commits for training: floor(n * train_frac).
 * WF_EINVAL when train_frac is outside (0, 1) or either part would be
 * empty. */
int wf_risk_split(struct wf_risk_data *d, double train_frac, size_t *n_train);

/* ROC AUC of scores against 0/1 labels, exactly: the Mann-Whitney statistic
 * with tied scores counted as half (average ranks). WF_EEMPTY when labels
 * hold only one class, WF_EINVAL on a non-finite score, WF_ENOMEM.
 * Borrows its inputs. Thread-safe. */
int wf_risk_auc(const double *scores, const int *labels, size_t n, double *auc);

/* Feature sets a model can be trained on. */
enum wf_risk_featset {
    WF_RISK_FEAT_JIT, /* engineered: log1p sizes/experience, relative churn */
    WF_RISK_FEAT_RAW, /* the 14 metrics as they are (baseline "lr-all") */
    WF_RISK_FEAT_LA,  /* lines added only (baseline "la-only", LApredict) */
    WF_RISK__FEAT_COUNT
};

#define WF_RISK_MAX_FEATS 32u

/* Writes the features of one commit (before standardisation) to
 * out[WF_RISK_MAX_FEATS]; returns how many. */
size_t wf_risk_features(enum wf_risk_featset fs, const struct wf_risk_commit *c, double *out);
/* Name of feature i of a set (static string), NULL past the end. */
const char *wf_risk_feature_name(enum wf_risk_featset fs, size_t i);

/* Trains a 2-class ("clean", "buggy") logistic regression on rows[0..n) with
 * feature set fs: features standardised with the mean and standard
 * deviation of these rows, then folded back into the weights so the model
 * takes unstandardised features (feature i of the set at index i). The
 * model's version names the feature set ("risk-jit-1"). Deterministic.
 * WF_EEMPTY when n == 0 or only one class occurs, WF_EINVAL, WF_ENOMEM.
 * Returns owned (free with wf_ml_model_free). */
int wf_risk_train(const struct wf_risk_commit *rows, size_t n, enum wf_risk_featset fs,
                  struct wf_ml_model **out);
/* Feature set of a model made by wf_risk_train (also after save/load);
 * WF_EFORMAT when the model is not a change-risk model. */
int wf_risk_model_featset(const struct wf_ml_model *m, enum wf_risk_featset *fs);
/* Risk score of a commit: the model's probability that it is defect-inducing.
 * m borrowed; thread-safe. */
double wf_risk_score(const struct wf_ml_model *m, enum wf_risk_featset fs,
                     const struct wf_risk_commit *c);

/* Result of wf_risk_eval. AUCs are on the test part only. */
struct wf_risk_eval {
    double auc;        /* the risk model (WF_RISK_FEAT_JIT) */
    double auc_lr_all; /* baseline: LR on the 14 raw metrics, standardised */
    double auc_la;     /* baseline: LR on la only (LApredict) */
    size_t n_train;    /* commits in the older 80 % */
    size_t n_test;     /* commits in the newer 20 % */
    size_t pos_train;  /* defect-inducing commits among them */
    size_t pos_test;
};

/* Evaluates like the literature: sorts d by date (see wf_risk_split),
 * trains on the first 80 %, scores the last 20 % with ROC AUC. d is
 * reordered. WF_EEMPTY when a part lacks a class, WF_EINVAL, WF_ENOMEM. */
int wf_risk_eval(struct wf_risk_data *d, struct wf_risk_eval *out);

#endif
