/* SPDX-License-Identifier: Apache-2.0 */
/*
 * triage: the build-failure triage pipeline and its result. Bytes of a failed
 * CI log (and optionally of a passing log of the same job) go in; out comes
 * the failing step, ranked excerpt blocks, a category with a confidence from
 * a trained linear model, a stable signature, a root cause and fix steps
 * built from extracted facts, and references. Streams: memory is bounded
 * whatever the log size. Formats the result as text, JSON or line ranges.
 * Depends on logs, ml (and search, llm once they land).
 */
#ifndef WF_TRIAGE_H
#define WF_TRIAGE_H

#include "logs/logs.h"
#include "ml/ml.h"
#include "util/util.h"

/* Failure taxonomy: name, description. docs/triage-json.md documents it. */
/* clang-format off */
#define WF_TRIAGE_CATEGORY_MAP(XX)                                                       \
    XX(COMPILE_ERROR,        "compile_error",        "source does not compile")          \
    XX(TEST_FAILURE,         "test_failure",         "tests ran and at least one failed")\
    XX(LINT_ERROR,           "lint_error",           "a linter or formatter check failed")\
    XX(TYPE_ERROR,           "type_error",           "a static type checker reported errors")\
    XX(DEPENDENCY_INSTALL,   "dependency_install",   "dependencies could not be resolved or installed")\
    XX(PERMISSION_OR_SECRET, "permission_or_secret", "missing permission, credential or secret")\
    XX(CI_CONFIG,            "ci_config",            "the CI configuration itself is invalid")\
    XX(TIMEOUT_OR_OOM,       "timeout_or_oom",       "the job ran out of time, memory or disk")\
    XX(DOCKER_BUILD,         "docker_build",         "a container image build failed")   \
    XX(NETWORK_OR_FLAKY,     "network_or_flaky",     "a network error or flaky external service")\
    XX(INFRASTRUCTURE,       "infrastructure",       "the runner or CI infrastructure failed")\
    XX(UNKNOWN,              "unknown",              "no explanation could be found")
/* clang-format on */

enum wf_triage_category {
#define WF__CAT_ENUM(name, str, desc) WF_TRIAGE_##name,
    WF_TRIAGE_CATEGORY_MAP(WF__CAT_ENUM)
#undef WF__CAT_ENUM
        WF_TRIAGE__N_CATEGORIES
};

const char *wf_triage_category_name(enum wf_triage_category c);
const char *wf_triage_category_desc(enum wf_triage_category c);
/* Category by name (also accepts the logdx names test_assertion,
 * snapshot_diff and github_actions_config); -1 when unknown. */
int wf_triage_category_parse(const char *name);

/* ---- Classifier --------------------------------------------------------------- */

#define WF_TRIAGE_HASH_BITS 18u

/* The model compiled into the binary (models/triage.model), loaded once.
 * Returns WF_OK and a borrowed pointer valid for the process lifetime.
 * Thread-safe after the first call returns. */
int wf_triage_default_model(const struct wf_ml_model **out);

/* Appends the classifier's features for an analysis to *feats (wf_grow'd
 * array, caller frees with wf_free). Borrowed input. */
int wf_triage_features(const struct wf_logs_result *r, struct wf_ml_feat **feats, size_t *n,
                       size_t *cap);

/* Classifies an analysis: category, confidence (probability of that
 * category), and probabilities per category index (probs may be NULL). A log
 * with no evidence at all is WF_TRIAGE_UNKNOWN. */
int wf_triage_classify(const struct wf_ml_model *m, const struct wf_logs_result *r,
                       enum wf_triage_category *cat, double *confidence,
                       double probs[WF_TRIAGE__N_CATEGORIES]);

/* Training corpus: records "### category: NAME" followed by the lines of a
 * log snippet, up to the next record. Trains a fresh model on all records of
 * all texts. Returns owned (free with wf_ml_model_free); *n_examples
 * receives the number of records. WF_EFORMAT (with the 1-based line in
 * *err_line) on an unknown category or text before the first record. */
int wf_triage_train(const char *const *texts, const size_t *lens, size_t n_texts,
                    const char *version, struct wf_ml_model **out, size_t *n_examples,
                    size_t *err_line);

/* k-fold cross-validation of training on the same records (folds >= 2,
 * fold = record index modulo folds): fills conf with held-out truth vs
 * prediction. Errors as wf_triage_train; WF_EINVAL when folds < 2. */
int wf_triage_cross_validate(const char *const *texts, const size_t *lens, size_t n_texts,
                             unsigned folds, struct wf_ml_confusion *conf, size_t *err_line);

/* ---- Pipeline ------------------------------------------------------------------ */

struct wf_triage_result;

/* A document or past failure that backs the explanation. Strings are
 * borrowed by wf_triage_add_ref, which copies them. */
#define WF_TRIAGE_MAX_REFS 16u
struct wf_triage_ref {
    const char *kind;     /* "runbook", "same_signature" or "similar_failure" */
    const char *title;    /* runbook: document name; failure: its first key line */
    const char *heading;  /* runbook: heading path; "" otherwise */
    const char *chunk_id; /* runbook: "12:3"; "" otherwise */
    int64_t document_id;  /* runbook; 0 otherwise */
    int64_t line_start;   /* runbook: 1-based lines of the passage; 0 otherwise */
    int64_t line_end;
    const char *text;      /* runbook: the passage (redacted); "" otherwise */
    double score;          /* runbook: search score; similar: key-line overlap 0..1; same: 1 */
    const char *signature; /* failures: their signature; "" for runbooks */
    const char *category;  /* failures: their category; "" for runbooks */
    int64_t count;         /* failures: times seen */
    int64_t first_seen_ms; /* failures: first and last seen (epoch ms) */
    int64_t last_seen_ms;
    const char *resolution; /* failures: how it was resolved; NULL when none is recorded */
};

/* Fills in the references of a finished analysis: called once by
 * wf_triage_finish with the result (excerpt, category and signature set),
 * it adds references with wf_triage_add_ref. It is the caller's bridge to
 * a knowledge base and past failures (triage itself reads no store); its
 * errors only mean fewer references. */
typedef int (*wf_triage_refs_fn)(void *ud, struct wf_triage_result *r);

struct wf_triage_opts {
    const struct wf_ml_model *model;     /* borrowed; NULL = the default model */
    size_t max_blocks;                   /* excerpt blocks; 0 = default (5) */
    const struct wf_redact_opts *redact; /* borrowed; NULL = redaction defaults */
    wf_triage_refs_fn references;        /* optional references provider */
    void *references_ud;
};

struct wf_triage_excerpt {
    size_t start_line; /* 1-based, inclusive, in the input log */
    size_t end_line;
    double score;
    const char *kind; /* static: wf_logs_kind_name() */
    const char *text; /* redacted, arena-owned */
};

/* A fact pulled from the excerpt that fix steps and root cause cite. */
/* clang-format off */
#define WF_TRIAGE_FACT_MAP(XX)            \
    XX(TEST,     "test")                  \
    XX(LOCATION, "location")              \
    XX(PACKAGE,  "package")               \
    XX(COMMAND,  "command")               \
    XX(MESSAGE,  "message")               \
    XX(EXIT,     "exit_code")
/* clang-format on */
enum wf_triage_fact_type {
#define WF__FACT_ENUM(name, str) WF_TRIAGE_FACT_##name,
    WF_TRIAGE_FACT_MAP(WF__FACT_ENUM)
#undef WF__FACT_ENUM
};
const char *wf_triage_fact_name(enum wf_triage_fact_type t);

struct wf_triage_fact {
    enum wf_triage_fact_type type;
    const char *value; /* arena-owned */
    size_t line;       /* 1-based line it came from */
};

struct wf_triage_result {
    struct wf_logs_result logs;  /* owns the arena everything below lives in */
    const char *failing_step;    /* NULL when unknown */
    size_t step_start, step_end; /* lines of the failing step (0 when unknown) */
    int exit_code;               /* -1 when unknown */
    enum wf_triage_category category;
    double confidence;
    double probs[WF_TRIAGE__N_CATEGORIES];
    const char *model_version; /* borrowed from the model */
    char signature[17];
    struct wf_triage_excerpt *excerpt;
    size_t n_excerpt;
    struct wf_triage_fact *facts;
    size_t n_facts;
    const char *root_cause; /* one paragraph */
    const char **fix_steps;
    size_t n_fix_steps;
    struct wf_triage_ref *refs; /* arena-owned, at most WF_TRIAGE_MAX_REFS */
    size_t n_refs;
    uint64_t elapsed_us; /* wall time of the analysis */
};

/* Appends a copy of ref (strings copied into r's arena). WF_ETOOBIG past
 * WF_TRIAGE_MAX_REFS, WF_ENOMEM, WF_EINVAL without kind or title. */
int wf_triage_add_ref(struct wf_triage_result *r, const struct wf_triage_ref *ref);
/* The key lines of a result as one search query: the first lines of the
 * best excerpt blocks, at most max_bytes (cut at a line end), appended
 * to out. */
int wf_triage_key_lines(const struct wf_triage_result *r, size_t max_bytes, struct wf_buf *out);

struct wf_triage;

/* Streaming triage. `pass` (optional, borrowed for the call) is the text of a
 * passing log of the same job. Free with wf_triage_free. */
int wf_triage_new(const struct wf_triage_opts *opts, const char *pass, size_t pass_len,
                  struct wf_triage **out);
/* Like wf_triage_new, reading the passing log from a file ("-" = stdin). */
int wf_triage_new_pass_file(const struct wf_triage_opts *opts, const char *pass_path,
                            struct wf_triage **out);
void wf_triage_free(struct wf_triage *t);
int wf_triage_feed(struct wf_triage *t, const char *p, size_t n);
/* Ends the input and fills *out (release with wf_triage_result_cleanup). */
int wf_triage_finish(struct wf_triage *t, struct wf_triage_result *out);
void wf_triage_result_cleanup(struct wf_triage_result *r);

/* Convenience: triage a whole buffer. */
int wf_triage_buffer(const struct wf_triage_opts *opts, const char *log, size_t len,
                     const char *pass, size_t pass_len, struct wf_triage_result *out);

/* ---- Output ------------------------------------------------------------------- */

/* Human report. */
int wf_triage_format_text(const struct wf_triage_result *r, struct wf_buf *out);
/* Stable JSON schema (docs/triage-json.md), one object, trailing newline. */
int wf_triage_format_json(const struct wf_triage_result *r, struct wf_buf *out);
/* Explaining line ranges "12-15,40" plus a newline. */
int wf_triage_format_lines(const struct wf_triage_result *r, struct wf_buf *out);

#endif
