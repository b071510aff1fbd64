/* SPDX-License-Identifier: Apache-2.0 */
/*
 * risk: just-in-time defect prediction (change risk). A strict loader for
 * per-commit change metrics (the 14 Kamei et al. metrics as CSV), feature
 * engineering, a time-ordered train/test split, logistic-regression models
 * trained with the ml module, and an exact rank-based ROC AUC. The scored
 * model and both literature baselines are evaluated on the same split. The
 * metrics also come from a git repository (one history pass, SZZ labels),
 * and a diff is scored with its factors and recommendations. Depends on
 * util, ml and libgit2 (risk_git.c only).
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

/* ---- Paths and messages ------------------------------------------------- */

/* What a changed path is, as bits of wf_risk_path_class. */
enum wf_risk_path_flag {
    WF_RISK_PATH_TEST = 1u << 0,      /* a test (tests/, test_x.py, x_test.go, x.spec.ts) */
    WF_RISK_PATH_CI = 1u << 1,        /* CI configuration (.github/workflows/, Jenkinsfile) */
    WF_RISK_PATH_MIGRATION = 1u << 2, /* schema migration (migrations/, *.sql, alembic) */
    WF_RISK_PATH_AUTH = 1u << 3,      /* authentication, authorisation or cryptography */
    WF_RISK_PATH_LOCK = 1u << 4,      /* a dependency lockfile (Cargo.lock, go.sum) */
    WF_RISK_PATH_MANIFEST = 1u << 5,  /* a dependency manifest (Cargo.toml, go.mod) */
    WF_RISK_PATH_CODE = 1u << 6       /* source code by extension (not docs or data) */
};

/* WF_RISK_PATH_* bits of a repository-relative path (borrowed). Pure,
 * thread-safe. */
unsigned wf_risk_path_class(const char *path);
/* Manifest base name that goes with a lockfile's base name ("Cargo.lock" ->
 * "Cargo.toml"), NULL when path is not a lockfile. Static string. */
const char *wf_risk_lock_manifest(const char *path);
/* 1 when a commit message says the change fixes a defect: one of the words
 * fix, fixes, fixed, fixing, bugfix, bug, bugs, defect, defects, patch
 * (case-insensitive, whole words), or an issue reference closed by the
 * change ("closes #12", "resolves JIRA-7", "issue #12"). The FIX metric and
 * the fix commits of SZZ. Thread-safe. */
int wf_risk_is_fix_message(const char *msg);
/* Reads the commit header `git show` or `git format-patch` puts before the
 * first file of a diff (text borrowed): the author's e-mail ("Author:" or
 * "From:" lines, first one wins) is appended to email, the message (the
 * "Subject:" line and the four-space indented lines) to message. Nothing is
 * appended for a bare diff. WF_ETOOBIG or WF_ENOMEM from the buffers.
 * Thread-safe. */
int wf_risk_diff_header(const char *text, size_t len, struct wf_buf *email, struct wf_buf *message);
/* 1 when a line of code (borrowed view) carries nothing SZZ should blame:
 * blank, or only a comment (starting with //, #, slash-star, *, -- or ;). Thread-safe. */
int wf_risk_szz_ignorable_line(struct wf_str line);

/* ---- Changes and their metrics --------------------------------------------- */

#define WF_RISK_MAX_OWNERS 3u    /* owners reported for a change */
#define WF_RISK_OWNER_RECENT 50u /* most recent commits per file counted for owners */

/* One file of a change. */
struct wf_risk_change_file {
    const char *path; /* new path, or the old one when deleted (borrowed) */
    size_t added, deleted;
    int is_new;     /* 1 when the file did not exist before */
    unsigned flags; /* WF_RISK_PATH_* of path */
};

/* The metrics of one change and what is known about them. */
struct wf_risk_change_metrics {
    struct wf_risk_commit c;          /* the 14 metrics, date; bug = 0 */
    int have_history;                 /* 0: lt, ndev, age, nuc, exp, rexp, sexp unknown (0) */
    int have_message;                 /* 0: fix unknown (0) */
    char *owners[WF_RISK_MAX_OWNERS]; /* owned names, most commits first, NULL-padded */
    size_t owner_commits[WF_RISK_MAX_OWNERS]; /* their recent commits to the files */
};

/* Frees the owners; accepts NULL. */
void wf_risk_change_metrics_cleanup(struct wf_risk_change_metrics *cm);

/* Fills the size and diffusion metrics (ns, nd, nf, entrophy, la, ld) of
 * files[0..n) into *c (other metrics untouched). ns counts top-level
 * directories (files at the root form one subsystem ""), nd the distinct
 * parent directories, entrophy is -sum p log2 p over the files with
 * p = (added + deleted of the file) / (added + deleted of the change),
 * unnormalised as in the published data. Thread-safe. WF_ENOMEM. */
int wf_risk_change_size_metrics(const struct wf_risk_change_file *files, size_t n,
                                struct wf_risk_commit *c);

/* ---- Repository history (libgit2) ------------------------------------------ */

#define WF_RISK_MAX_COMMITS_DEFAULT 20000u           /* commits walked unless told */
#define WF_RISK_MAX_COMMITS 1000000u                 /* hard cap on commits walked */
#define WF_RISK_SZZ_MAX_FILES_DEFAULT 50u            /* fixes touching more files are skipped */
#define WF_RISK_MAX_CHANGE_FILES 100000u             /* files of one commit considered */
#define WF_RISK_MAX_HISTORY_KEYS (64u * 1024 * 1024) /* entries of one history hash map */

struct wf_risk_repo; /* an open repository, opaque */

struct wf_risk_history_opts {
    size_t max_commits;   /* newest commits walked; 0 = WF_RISK_MAX_COMMITS_DEFAULT */
    int first_parent;     /* 1: follow first parents only (merges diffed to parent 1) */
    size_t szz_max_files; /* fixes touching more files are not blamed; 0 = default */
};

/* Opens the repository at path (a work tree or a bare repository, found
 * like `git -C path`). Initialises libgit2 (reference counted; every open
 * is balanced by wf_risk_repo_free, which shuts it down).
 * Errors: WF_ENOENT (no repository), WF_EIO, WF_ENOMEM; message to err
 * (optional). Returns owned (free with wf_risk_repo_free). Not thread-safe:
 * one thread per repository. */
int wf_risk_repo_open(const char *path, struct wf_risk_repo **out, struct wf_buf *err);
/* Closes the repository; accepts NULL. */
void wf_risk_repo_free(struct wf_risk_repo *r);

/* Mines the history reachable from HEAD in one pass, oldest commit first:
 * for every non-merge commit (merges too with first_parent) the 14 metrics
 * against the history before it, then SZZ labels: bug = 1 for the commits
 * that last touched a line a later fix deleted or changed (see
 * docs/internals/risk.md). *out must be freshly initialised; rows come in
 * history order with line = position + 1. ids (optional) receives an owned
 * array of 41-byte hex commit ids, one per row (free with wf_free).
 * Errors: WF_EEMPTY (no commit), WF_EIO or WF_ENOENT (libgit2), WF_ETOOBIG,
 * WF_ENOMEM;
 * on error nothing is written. */
int wf_risk_repo_mine(struct wf_risk_repo *r, const struct wf_risk_history_opts *o,
                      struct wf_risk_data *out, char **ids, struct wf_buf *err);

/* Metrics of a change applied on top of HEAD: the size metrics from files,
 * the history metrics (lt from HEAD's blobs, ndev, age, nuc, exp, rexp,
 * sexp, owners) from one walk of the history reachable from HEAD. author_email
 * (may be NULL: the repository's user.email, else unknown) and message (may
 * be NULL: fix unknown) borrowed; now is the change's time (seconds).
 * *out must be zeroed; cleanup with wf_risk_change_metrics_cleanup.
 * Errors: WF_EIO, WF_EEMPTY (no commit), WF_ETOOBIG, WF_ENOMEM. */
int wf_risk_repo_change_metrics(struct wf_risk_repo *r, const struct wf_risk_history_opts *o,
                                const struct wf_risk_change_file *files, size_t n,
                                const char *author_email, const char *message, int64_t now,
                                struct wf_risk_change_metrics *out, struct wf_buf *err);

/* Writes rows (and ids, optional) as a CSV with the columns of the
 * published data: ",_id,date,bug,__,ns,...,sexp" (index, commit id, date,
 * bug, a copy of bug, the 14 metrics). Appends to out; WF_ETOOBIG, WF_ENOMEM. */
int wf_risk_csv_write(const struct wf_risk_data *d, const char *ids, struct wf_buf *out);

/* ---- Scoring a change -------------------------------------------------------- */

#define WF_RISK_MAX_FACTORS 8u  /* factors reported */
#define WF_RISK_MAX_RECS 8u     /* recommendations reported */
#define WF_RISK_MAX_UNTESTED 5u /* code files named in the tests recommendation */

/* One factor: a feature of the model and what it adds to the log-odds. */
struct wf_risk_factor {
    const char *name;    /* feature name ("log1p_la"), static */
    const char *metric;  /* metric it comes from ("la"), static */
    double value;        /* the metric's raw value */
    double contribution; /* coefficient x (feature - training mean) */
    char text[160];      /* a sentence: "adds 812 lines" */
};

/* What wf_risk_assess found. */
struct wf_risk_assessment {
    double probability; /* the model's probability that the change induces a defect */
    int score;          /* round(100 x probability), 0..100 */
    int have_history;   /* copied from the metrics */
    struct wf_risk_factor factors[WF_RISK_MAX_FACTORS]; /* by |contribution|, largest first */
    size_t n_factors;
    unsigned flags; /* WF_RISK_PATH_CI|MIGRATION|AUTH|LOCK bits touched; LOCK = lockfile
                       changed without its manifest */
    size_t test_added, code_added;    /* lines added to test files / other code files */
    double test_ratio;                /* test_added / code_added, 0 when no code was added */
    char recs[WF_RISK_MAX_RECS][512]; /* recommendations, sentences */
    size_t n_recs;
};

/* The files of a parsed diff as a change (paths borrowed from d): an owned
 * array of d->n_files entries (free with wf_free; NULL when empty) in
 * *out. WF_ENOMEM. */
int wf_risk_diff_files(const struct wf_risk_diff *d, struct wf_risk_change_file **out);

/* Appends the assessment a of the change cm as one JSON object (score,
 * probability, history, metrics, factors, flags, tests, owners,
 * recommendations, notes; docs/internals/risk.md) or as the human report.
 * Errors from out: WF_ENOMEM, WF_ETOOBIG. Thread-safe. */
int wf_risk_report_json(const struct wf_risk_assessment *a, const struct wf_risk_change_metrics *cm,
                        struct wf_buf *out);
int wf_risk_report_text(const struct wf_risk_assessment *a, const struct wf_risk_change_metrics *cm,
                        struct wf_buf *out);

/* Default change-risk model compiled into the binary (models/risk.model).
 * Returns owned (free with wf_ml_model_free); WF_EFORMAT, WF_ENOMEM. */
int wf_risk_default_model(struct wf_ml_model **out);

/* Scores a change: metrics cm (borrowed; unknown history and fix features
 * are set to the training mean so they contribute nothing), files (borrowed)
 * for the path factors and recommendations, model m (a JIT model from
 * wf_risk_train). WF_EFORMAT when m is not a JIT risk model. Thread-safe. */
int wf_risk_assess(const struct wf_ml_model *m, const struct wf_risk_change_metrics *cm,
                   const struct wf_risk_change_file *files, size_t n,
                   struct wf_risk_assessment *out);

/* Training means of the JIT features, read from the model's trained_on
 * ("... mean=v0,v1,...", written by wf_risk_train). Writes WF_RISK_MAX_FEATS
 * values; 0 for a model without them (then contributions are relative to
 * the empty change). Returns 1 when the means were found. */
int wf_risk_model_means(const struct wf_ml_model *m, double *mean);

#endif
