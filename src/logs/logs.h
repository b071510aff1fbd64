/* SPDX-License-Identifier: Apache-2.0 */
/*
 * logs: everything about CI logs that needs no model. A streaming reader
 * (line ends \r\n, \r and \n, ANSI stripping, NUL bytes, invalid UTF-8,
 * megabyte lines, CI timestamps), step/section segmentation for GitHub
 * Actions, GitLab, Jenkins, Travis and plain logs, a per-line rule table that
 * recognises what explains a failure, an analyzer that turns the stream into
 * ranked error blocks, an online template miner (Drain-style) and failure
 * signatures. It receives bytes and returns data: no files, no sockets.
 * Depends on text and redact.
 */
#ifndef WF_LOGS_H
#define WF_LOGS_H

#include "redact/redact.h"
#include "text/text.h"
#include "util/util.h"

/* ---- Reader ------------------------------------------------------------- */

/* One line handed to a callback. Borrowed: valid only during the call. */
struct wf_logs_line {
    size_t lineno;      /* 1-based; \r\n, \r and \n each end one line */
    const char *text;   /* cleaned: ANSI stripped, NULs as spaces, CI timestamp removed */
    size_t len;         /* bytes of text (<= WF_LIMIT_LINE_BYTES) */
    size_t raw_bytes;   /* bytes of the line as read, before cleaning/truncation */
    unsigned truncated; /* 1 when the line was longer than WF_LIMIT_LINE_BYTES */
    unsigned had_stamp; /* 1 when a leading CI timestamp was removed */
    const char *step;   /* step name carried by the line itself ("job<TAB>step<TAB>"
                           prefix of `gh run view --log`), or NULL */
    size_t step_len;    /* bytes of step */
};

/* Callback per line; a non-zero return stops the reader with that code. */
typedef int (*wf_logs_line_fn)(void *ud, const struct wf_logs_line *line);

struct wf_logs_reader;

/* New reader. Returns owned (free with wf_logs_reader_free). */
int wf_logs_reader_new(struct wf_logs_reader **out);
void wf_logs_reader_free(struct wf_logs_reader *r);
/* Feeds `n` bytes (borrowed); calls fn for every line completed. Chunks may
 * split lines and "\r\n" pairs anywhere. Linear in input size. */
int wf_logs_reader_feed(struct wf_logs_reader *r, const char *p, size_t n, wf_logs_line_fn fn,
                        void *ud);
/* Flushes the last line (if the input did not end with a line end). */
int wf_logs_reader_finish(struct wf_logs_reader *r, wf_logs_line_fn fn, void *ud);
/* Lines and bytes seen so far. */
size_t wf_logs_reader_lines(const struct wf_logs_reader *r);
uint64_t wf_logs_reader_bytes(const struct wf_logs_reader *r);

/* ---- Redaction in front of every consumer ---------------------------------- */

struct wf_logs_redacting;

/* A reader callback adapter: every line (and its step name) is redacted
 * with a redactor built from opts (borrowed for the call; NULL = the
 * redaction defaults; on_finding is honoured) and then passed to
 * next(next_ud, line). Returns owned (free with wf_logs_redacting_free).
 * Errors: those of wf_redact_new. One adapter serves one stream. */
int wf_logs_redacting_new(const struct wf_redact_opts *opts, wf_logs_line_fn next, void *next_ud,
                          struct wf_logs_redacting **out);
void wf_logs_redacting_free(struct wf_logs_redacting *r);
/* Reader callback: the adapter as ud. */
int wf_logs_redacting_line(void *ud, const struct wf_logs_line *ln);

/* ---- Flavors and steps --------------------------------------------------- */

/* clang-format off */
#define WF_LOGS_FLAVOR_MAP(XX)          \
    XX(PLAIN,   "plain")                \
    XX(GITHUB,  "github-actions")       \
    XX(GITLAB,  "gitlab")               \
    XX(JENKINS, "jenkins")              \
    XX(TRAVIS,  "travis")
/* clang-format on */

enum wf_logs_flavor {
#define WF__FLAVOR_ENUM(name, str) WF_LOGS_FLAVOR_##name,
    WF_LOGS_FLAVOR_MAP(WF__FLAVOR_ENUM)
#undef WF__FLAVOR_ENUM
};
const char *wf_logs_flavor_name(enum wf_logs_flavor f);

struct wf_logs_step {
    char *name;        /* owned by the result's arena */
    size_t start_line; /* 1-based, first line of the step (its header) */
    size_t end_line;   /* 1-based, last line */
    int failed;        /* 1 when an error marker or non-zero exit code was seen */
    int exit_code;     /* exit code reported for the step, -1 if none */
    size_t n_hits;     /* lines in it that the rules matched */
};

/* ---- Line rules ------------------------------------------------------------ */

/* What a matched line is evidence of. name, description. */
/* clang-format off */
#define WF_LOGS_KIND_MAP(XX)                                                   \
    XX(NONE,        "none",        "no evidence")                              \
    XX(COMPILER,    "compiler",    "compiler or type-checker diagnostic")      \
    XX(TEST,        "test",        "test failure or assertion")                \
    XX(STACK,       "stack",       "stack trace or panic")                     \
    XX(DEPENDENCY,  "dependency",  "dependency resolution or install error")   \
    XX(LINT,        "lint",        "linter or formatter finding")              \
    XX(DOCKER,      "docker",      "container image build error")              \
    XX(RESOURCE,    "resource",    "out of memory, killed, timeout, disk full")\
    XX(PERMISSION,  "permission",  "permission, authentication or secret error")\
    XX(NETWORK,     "network",     "network or remote service error")          \
    XX(CONFIG,      "config",      "CI configuration error")                   \
    XX(BUILD,       "build",       "build tool failure summary")               \
    XX(EXIT,        "exit",        "non-zero exit status of a step")           \
    XX(ERROR,       "error",       "generic error message")
/* clang-format on */

enum wf_logs_kind {
#define WF__KIND_ENUM(name, str, desc) WF_LOGS_KIND_##name,
    WF_LOGS_KIND_MAP(WF__KIND_ENUM)
#undef WF__KIND_ENUM
        WF_LOGS_KIND__COUNT
};
const char *wf_logs_kind_name(enum wf_logs_kind k);
/* 1 for kinds that say that something failed but not what: a generic
 * error, an exit status, a build summary. */
int wf_logs_kind_is_generic(enum wf_logs_kind k);
const char *wf_logs_kind_desc(enum wf_logs_kind k);

struct wf_logs_hit {
    enum wf_logs_kind kind; /* WF_LOGS_KIND_NONE when nothing matched */
    float score;            /* evidence strength, 0 .. ~3 */
    unsigned cont;          /* 1: continuation line (stack frame, indented detail) */
    unsigned noise;         /* 1: known benign line ("0 errors", "-Werror" flag, warnings) */
};

/* Scores one cleaned line against the rule table. Pure; thread-safe. */
void wf_logs_rules_match(const char *s, size_t len, struct wf_logs_hit *hit);

/* ---- Analyzer: stream of lines -> steps and ranked blocks ----------------- */

struct wf_logs_block {
    size_t start_line;       /* 1-based, inclusive */
    size_t end_line;         /* 1-based, inclusive */
    double score;            /* ranking score (higher explains more) */
    enum wf_logs_kind kind;  /* dominant kind */
    int step;                /* index into steps, -1 if none */
    size_t n_hits;           /* matched lines inside */
    size_t n_new;            /* lines absent from the passing log (0 without one) */
    char *text;              /* cleaned lines joined by '\n' (capped, arena-owned) */
    size_t text_len;         /* bytes of text */
    unsigned text_truncated; /* 1 when text holds fewer lines than the range */
    char *key_line;          /* the single most telling line (arena-owned) */
    size_t key_lineno;       /* its line number */
};

struct wf_logs_result {
    enum wf_logs_flavor flavor;
    size_t n_lines;             /* lines read */
    uint64_t n_bytes;           /* bytes read, line ends included: set from the reader by
                                   whoever drives it (wf_logs_analyze_buffer does); 0 after
                                   wf_logs_analyzer_finish alone */
    struct wf_logs_step *steps; /* arena-owned, in log order */
    size_t n_steps;
    int failing_step;             /* index of the step that failed, -1 if unknown */
    struct wf_logs_block *blocks; /* arena-owned, best first */
    size_t n_blocks;
    int used_pass_log;     /* 1 when a passing log informed the ranking */
    struct wf_arena arena; /* owns everything above */
};

/* Options of an analysis. */
struct wf_logs_opts {
    const struct wf_hset *pass_lines;    /* borrowed: hashes of masked passing-log lines, or NULL */
    size_t max_blocks;                   /* blocks to return; 0 = default (8) */
    const struct wf_redact_opts *redact; /* wf_logs_analyze_buffer: redaction settings
                                            (borrowed; NULL = defaults) */
};

/* Hash of a line's masked form, as stored in pass_lines. */
uint64_t wf_logs_line_key(const char *s, size_t len, struct wf_buf *scratch);
/* Adds every line of a passing log, read through a reader, to `set`. Feed
 * with wf_logs_pass_line as the reader callback and a struct
 * wf_logs_pass_ctx as user data. */
struct wf_logs_pass_ctx {
    struct wf_hset *set;   /* borrowed */
    struct wf_buf scratch; /* caller inits/cleans (cap WF_LIMIT_LINE_BYTES * 2) */
};
int wf_logs_pass_line(void *ud, const struct wf_logs_line *line);

struct wf_logs_analyzer;

/* New analyzer (opts borrowed for its lifetime). Free with
 * wf_logs_analyzer_free. */
int wf_logs_analyzer_new(const struct wf_logs_opts *opts, struct wf_logs_analyzer **out);
void wf_logs_analyzer_free(struct wf_logs_analyzer *a);
/* Reader callback: analyzer as ud. */
int wf_logs_analyzer_line(void *ud, const struct wf_logs_line *line);
/* Ends the stream and fills *out (caller-owned; release with
 * wf_logs_result_cleanup). The analyzer can then only be freed. */
int wf_logs_analyzer_finish(struct wf_logs_analyzer *a, struct wf_logs_result *out);
void wf_logs_result_cleanup(struct wf_logs_result *r);

/* Convenience: analyze a whole in-memory log (and optional passing log),
 * both redacted line by line first (opts->redact). */
int wf_logs_analyze_buffer(const char *log, size_t len, const char *pass, size_t pass_len,
                           const struct wf_logs_opts *opts, struct wf_logs_result *out);

/* ---- Template miner (Drain-style) ------------------------------------------ */

struct wf_logs_miner_opts {
    unsigned depth;        /* parse-tree depth; 0 = default (4) */
    double sim;            /* similarity threshold in (0,1]; 0 = default (0.7) */
    unsigned max_children; /* children per internal node; 0 = default (100) */
};

struct wf_logs_miner;

/* New miner (opts may be NULL for defaults). Free with wf_logs_miner_free. */
int wf_logs_miner_new(const struct wf_logs_miner_opts *opts, struct wf_logs_miner **out);
void wf_logs_miner_free(struct wf_logs_miner *m);
/* Adds one line and returns its cluster id (0-based, stable for the
 * miner's lifetime). WF_ETOOBIG past WF_LIMIT_TEMPLATES clusters. */
int wf_logs_miner_add(struct wf_logs_miner *m, const char *s, size_t len, uint32_t *cluster);
/* Finds the cluster a line would join without changing the miner;
 * WF_ENOENT when none matches. */
int wf_logs_miner_match(const struct wf_logs_miner *m, const char *s, size_t len,
                        uint32_t *cluster);
/* Appends the template of a cluster (variables as "<*>") to out. */
int wf_logs_miner_template(const struct wf_logs_miner *m, uint32_t cluster, struct wf_buf *out);
/* Lines that joined a cluster so far. */
size_t wf_logs_miner_cluster_size(const struct wf_logs_miner *m, uint32_t cluster);
size_t wf_logs_miner_count(const struct wf_logs_miner *m);

/* ---- Signatures ------------------------------------------------------------ */

/* Stable signature of a failure: hash of the failing step's masked name and
 * the masked templates of the key lines of the top blocks. Writes 16
 * lowercase hex digits and a NUL to out[17]. */
void wf_logs_signature(const struct wf_logs_result *r, char out[17]);

#endif
