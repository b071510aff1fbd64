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

/* ---- Unified diffs ------------------------------------------------------ */

/* Limits of the diff parser (checked input, WF_ETOOBIG past them). */
#define WF_RISK_DIFF_MAX_BYTES (16u * 1024 * 1024)      /* size of one diff */
#define WF_RISK_DIFF_MAX_FILES 10000u                   /* files of one diff */
#define WF_RISK_DIFF_MAX_HUNKS 100000u                  /* hunks over all files */
#define WF_RISK_DIFF_MAX_LINES 1000000u                 /* hunk body lines over all files */
#define WF_RISK_DIFF_MAX_LINE_BYTES WF_LIMIT_LINE_BYTES /* bytes of one input line */

/* What happened to a file. Added, deleted, renamed and copied win over
 * binary, binary over mode-only; a file with hunks is never mode-only. */
enum wf_risk_diff_status {
    WF_RISK_DIFF_MODIFIED, /* content changed in place */
    WF_RISK_DIFF_ADDED,    /* new file (old side /dev/null) */
    WF_RISK_DIFF_DELETED,  /* deleted file (new side /dev/null) */
    WF_RISK_DIFF_RENAMED,  /* "rename from/to", maybe with edits */
    WF_RISK_DIFF_COPIED,   /* "copy from/to", maybe with edits */
    WF_RISK_DIFF_MODE,     /* only the file mode changed */
    WF_RISK_DIFF_BINARY    /* binary content changed in place */
};

/* Kind of a hunk body line. */
enum wf_risk_diff_op {
    WF_RISK_DIFF_CONTEXT, /* ' ': in both versions */
    WF_RISK_DIFF_ADD,     /* '+': only in the new version */
    WF_RISK_DIFF_DEL      /* '-': only in the old version */
};

/* One hunk body line. */
struct wf_risk_diff_line {
    struct wf_str text; /* content without the op character and line end */
    size_t old_line;    /* 1-based line in the old file, 0 for an added line */
    size_t new_line;    /* 1-based line in the new file, 0 for a deleted line */
    int op;             /* enum wf_risk_diff_op */
    int no_newline;     /* 1: "\ No newline at end of file" follows it */
};

/* One hunk: "@@ -old_start,old_count +new_start,new_count @@ section". */
struct wf_risk_diff_hunk {
    size_t old_start, old_count; /* lines of the old file covered */
    size_t new_start, new_count; /* lines of the new file covered */
    const char *section;         /* text after the closing "@@" (often a function), "" if none */
    struct wf_risk_diff_line *lines; /* n_lines entries, in diff order */
    size_t n_lines;                  /* old_count + new_count - context lines */
    size_t added, deleted;           /* '+' and '-' lines */
    size_t line;                     /* 1-based input line of the "@@" header */
};

/* One file of a diff. */
struct wf_risk_diff_file {
    const char *old_path; /* without "a/", unquoted; NULL when the file is new */
    const char *new_path; /* without "b/", unquoted; NULL when it was deleted */
    enum wf_risk_diff_status status;
    int binary;                      /* 1: "Binary files ... differ" or "GIT binary patch" */
    unsigned old_mode;               /* e.g. 0100644; 0 when the diff does not say */
    unsigned new_mode;               /* likewise */
    int similarity;                  /* "similarity index" in percent, -1 when absent */
    struct wf_risk_diff_hunk *hunks; /* n_hunks entries */
    size_t n_hunks;
    size_t added, deleted; /* lines over the file's hunks */
    size_t line;           /* 1-based input line where the file starts */
};

/* A parsed diff. Every pointer points into `arena`. */
struct wf_risk_diff {
    struct wf_risk_diff_file *files; /* n_files entries, in diff order */
    size_t n_files;
    size_t added, deleted; /* lines over all files */
    struct wf_arena arena; /* owns everything above */
};

void wf_risk_diff_init(struct wf_risk_diff *d);
/* Frees everything the diff holds; accepts NULL. */
void wf_risk_diff_cleanup(struct wf_risk_diff *d);

/* Parses a unified diff (text borrowed) into *out, which must be freshly
 * initialised; the result is owned by out (free with wf_risk_diff_cleanup).
 * Accepts `git diff`, `git show` and `git format-patch` output (anything
 * before the first file header, such as mail or commit headers, and the
 * "-- " signature are skipped), plain `diff -u` output ("---"/"+++" without
 * "diff --git") and \n or \r\n line ends. No file at all is WF_OK with
 * n_files == 0.
 * Errors: WF_EFORMAT (malformed hunk header, hunk body longer or shorter
 * than its counts, "+++" without "---", a hunk line starting with another
 * character than ' ', '+', '-' or '\', malformed path, mode or similarity),
 * WF_ETOOBIG (past a WF_RISK_DIFF_MAX_* limit), WF_ENOMEM. On error
 * *err_line (optional) is the 1-based line at fault (0 when none), a message
 * goes to err (optional) and *out is left empty. Thread-safe. */
int wf_risk_diff_parse(const char *text, size_t len, struct wf_risk_diff *out, size_t *err_line,
                       struct wf_buf *err);

#endif
