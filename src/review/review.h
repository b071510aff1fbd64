/* SPDX-License-Identifier: Apache-2.0 */
/*
 * review: a code-review rule engine over the added lines of a unified diff
 * (parsed by risk's wf_risk_diff_parse). One table of rules (id, severity,
 * file types, keywords, PCRE2 pattern or matcher, message, fix hint and
 * positive/negative examples) drives line, file and diff-level checks;
 * secrets are found by the redact engine and never copied into a finding.
 * Findings are written as text, JSON, SARIF 2.1.0 or reviewdog rdjson.
 * An optional second pass (wf_review_llm) asks a language model about each
 * file's redacted hunks and keeps the comments that survive validation.
 * Depends on util, risk, redact, llm and libpcre2-8. See
 * docs/internals/review.md.
 */
#ifndef WF_REVIEW_H
#define WF_REVIEW_H

#include "llm/llm.h"
#include "risk/risk.h"
#include "util/util.h"

#include <stddef.h>

/* Added lines in one file above which large-file fires (default). */
#define WF_REVIEW_DEFAULT_MAX_FILE_LINES 500u
/* Findings kept from one diff; past it wf_review_run fails with WF_ETOOBIG. */
#define WF_REVIEW_MAX_FINDINGS 100000u
/* Bytes of one formatted report. */
#define WF_REVIEW_MAX_REPORT_BYTES (256u * 1024 * 1024)

enum wf_review_severity {
    WF_REVIEW_NOTE = 0,
    WF_REVIEW_WARNING = 1,
    WF_REVIEW_ERROR = 2,
};

/* File types a rule applies to (bit mask; 0 = every file). */
#define WF_REVIEW_FT_C 0x001u    /* .c .h .cc .cpp .cxx .hpp .hh */
#define WF_REVIEW_FT_PY 0x002u   /* .py */
#define WF_REVIEW_FT_JS 0x004u   /* .js .jsx .mjs .cjs .ts .tsx */
#define WF_REVIEW_FT_GO 0x008u   /* .go */
#define WF_REVIEW_FT_JAVA 0x010u /* .java .kt */
#define WF_REVIEW_FT_SH 0x020u   /* .sh .bash */
#define WF_REVIEW_FT_CI 0x040u   /* .github/workflows/ *, .gitlab-ci.yml, Jenkinsfile, ... */
#define WF_REVIEW_FT_LOCK 0x080u /* package-lock.json, yarn.lock, Cargo.lock, go.sum, ... */
#define WF_REVIEW_FT_LUA 0x100u  /* .lua */
#define WF_REVIEW_FT_CODE                                                                          \
    (WF_REVIEW_FT_C | WF_REVIEW_FT_PY | WF_REVIEW_FT_JS | WF_REVIEW_FT_GO | WF_REVIEW_FT_JAVA)

/* How a rule matches. */
enum wf_review_kind {
    WF_REVIEW_K_PATTERN,  /* line: keywords, then the PCRE2 pattern */
    WF_REVIEW_K_MATCH,    /* line: keywords, then the matcher function */
    WF_REVIEW_K_SECRET,   /* line: any redact finding */
    WF_REVIEW_K_LARGE,    /* file: more than max_file_lines added */
    WF_REVIEW_K_BINARY,   /* file: binary content added or changed */
    WF_REVIEW_K_CI,       /* file: a CI configuration changed */
    WF_REVIEW_K_NO_TESTS, /* diff: code changed, no test file changed */
    WF_REVIEW_K_LOCKFILE, /* diff: a lockfile changed without its manifest */
    WF_REVIEW_K_LLM,      /* a comment of the LLM pass (wf_review_llm_rule, not in the table) */
};

/* Rule flags. */
#define WF_REVIEW_SKIP_TESTS 0x1u /* not run on test files */

/* One row of the rule table. All strings are static.
 *
 * Examples are small diffs written as "FILES|LINE": FILES is a space-
 * separated list of paths, each optionally followed by "*N" (the line is
 * added N times) or "!" (a binary file); LINE is added to every text file
 * (see wf_review_example_diff). A positive example makes the rule fire; a
 * negative one makes no rule fire. */
struct wf_review_rule {
    const char *id; /* stable id: findings, SARIF ruleId, rdjson code */
    enum wf_review_severity severity;
    unsigned types; /* WF_REVIEW_FT_* mask, 0 = every file */
    unsigned flags; /* WF_REVIEW_SKIP_TESTS */
    enum wf_review_kind kind;
    const char *desc;     /* what it finds (one line) */
    const char *keywords; /* '|'-separated lowercase substrings, matched case-insensitively;
                             a line needs one of them; NULL = no pre-filter */
    const char *pattern;  /* PCRE2 (K_PATTERN) */
    /* Matcher (K_MATCH): 1 when the line matches; *col gets the 1-based column. */
    int (*match)(const char *s, size_t len, unsigned ftype, size_t *col);
    const char *message; /* the finding's message */
    const char *hint;    /* how to fix it */
    const char *pos[6];  /* examples that fire (NULL-terminated) */
    const char *neg[6];  /* examples that fire no rule (NULL-terminated) */
};

/* The rule table (static, thread-safe). *n receives its length. */
const struct wf_review_rule *wf_review_rules(size_t *n);
/* Name of a severity: "error", "warning", "note". */
const char *wf_review_severity_name(enum wf_review_severity s);
/* Parses "error", "warning" or "note"; WF_EINVAL otherwise. */
int wf_review_severity_parse(const char *s, enum wf_review_severity *out);
/* WF_REVIEW_FT_* bits of a path (borrowed, NUL-terminated). Thread-safe. */
unsigned wf_review_file_type(const char *path);
/* 1 when a path looks like a test file (tests/, test_x.py, x_test.go, x.spec.ts, XTest.java). */
int wf_review_is_test_path(const char *path);

/* One finding. Strings are static or owned by the result's arena; none holds
 * a secret. */
struct wf_review_finding {
    const struct wf_review_rule *rule; /* row of the table (static) */
    const char *file;                  /* path in the new version (old path when deleted) */
    size_t line;                       /* 1-based line in the new file */
    size_t column;                     /* 1-based byte column, 0 when unknown */
    const char *message;               /* the rule's message, possibly with details */
};

/* Caller-owned list of findings. */
struct wf_review_result {
    struct wf_review_finding *items; /* owned, n entries, in diff order */
    size_t n;
    size_t cap;
    size_t n_by_sev[3];    /* findings per enum wf_review_severity */
    size_t files, added;   /* files and added lines reviewed */
    struct wf_arena arena; /* owns the strings above that are not static */
    /* The LLM pass (all 0/NULL when it did not run). */
    int llm_ran;             /* 1 when wf_review_llm ran */
    size_t llm_files;        /* files sent to the model */
    size_t llm_files_failed; /* files without a usable answer */
    size_t llm_kept;         /* comments kept as findings */
    size_t llm_invalid;      /* comments dropped: bad shape, path not in the diff, line not an
                                added line that was sent */
    size_t llm_duplicate;    /* comments dropped: a finding exists at the same path:line */
    size_t llm_capped;       /* comments dropped past max_comments of a file */
    const char *llm_warning; /* why the pass is incomplete (arena, redacted), NULL if it is not */
};

void wf_review_result_init(struct wf_review_result *r);
/* Frees everything the result holds; accepts NULL. */
void wf_review_result_cleanup(struct wf_review_result *r);

struct wf_review_opts {
    size_t max_file_lines; /* large-file threshold (default WF_REVIEW_DEFAULT_MAX_FILE_LINES) */
};

void wf_review_opts_init(struct wf_review_opts *o);

struct wf_reviewer;

/* Compiles the rule table. opts borrowed during the call (NULL = defaults).
 * Returns owned (free with wf_review_free); WF_ENOMEM, WF_EINTERNAL when a
 * pattern does not compile. One reviewer is used by one thread at a time. */
int wf_review_new(const struct wf_review_opts *opts, struct wf_reviewer **out);
/* Frees a reviewer; accepts NULL. */
void wf_review_free(struct wf_reviewer *rv);

/* Runs every rule over diff d (borrowed) and appends the findings to *out
 * (freshly initialised): line rules on each added line, file rules per file,
 * then diff rules. Finding paths are copied, so out outlives d.
 * Errors: WF_ENOMEM, WF_ETOOBIG (past WF_REVIEW_MAX_FINDINGS); on error
 * *out is left empty. */
int wf_review_run(struct wf_reviewer *rv, const struct wf_risk_diff *d,
                  struct wf_review_result *out);

/* ---- The LLM pass ---------------------------------------------------------- */

#define WF_REVIEW_LLM_DEFAULT_FILE_BYTES (24u * 1024) /* diff text sent per file */
#define WF_REVIEW_LLM_DEFAULT_MAX_FILES 50u           /* files sent per review */
#define WF_REVIEW_LLM_DEFAULT_MAX_COMMENTS 20u        /* comments kept per file */
#define WF_REVIEW_LLM_DEFAULT_MESSAGE_BYTES 500u      /* bytes of one comment's message */
#define WF_REVIEW_LLM_LINE_BYTES 1000u                /* bytes of one diff line sent */
#define WF_REVIEW_LLM_WARNING_BYTES 2048u             /* bytes of llm_warning */

struct wf_review_llm_opts {
    const struct wf_llm_config *llm; /* endpoint and model (borrowed), required */
    size_t max_file_bytes;           /* diff text sent per file (lines past it are not sent) */
    size_t max_files;                /* files sent per review (the rest are skipped) */
    size_t max_comments;             /* comments kept per file */
    size_t max_message_bytes;        /* a kept message is cut here (UTF-8 safe, "...") */
};

/* Fills the WF_REVIEW_LLM_DEFAULT_* values; llm NULL. */
void wf_review_llm_opts_init(struct wf_review_llm_opts *o);

/* The rule a comment of the LLM pass carries (id "llm", static), one per
 * severity; NULL for a severity out of range. */
const struct wf_review_rule *wf_review_llm_rule(enum wf_review_severity s);

/* The LLM pass, run after wf_review_run on the same diff: for each text
 * file with added lines (up to max_files), its hunks, every line redacted
 * (secrets and e-mail addresses) and capped at max_file_bytes, go to the
 * model with the "review" prompt of llm_prompts.c; the JSON array it
 * answers is validated comment by comment (docs/internals/review.md) and
 * the comments kept are appended to r (after the rule findings) with a
 * wf_review_llm_rule. A failing model (transport, timeout, HTTP error,
 * malformed output) never fails the review: the pass stops or skips the
 * file and says why in r->llm_warning. d and o borrowed.
 * Errors: WF_EINVAL (no o->llm), WF_ENOMEM, WF_ETOOBIG (past
 * WF_REVIEW_MAX_FINDINGS); on error r holds what it held before. Not
 * thread-safe on one result. */
int wf_review_llm(const struct wf_review_llm_opts *o, const struct wf_risk_diff *d,
                  struct wf_review_result *r);

/* Output formats. */
enum wf_review_format {
    WF_REVIEW_FMT_TEXT,
    WF_REVIEW_FMT_JSON,
    WF_REVIEW_FMT_SARIF,
    WF_REVIEW_FMT_RDJSON,
};

/* Parses "text", "json", "sarif" or "rdjson"; WF_EINVAL otherwise. */
int wf_review_format_parse(const char *s, enum wf_review_format *out);
/* Appends the findings of r (borrowed) in format fmt to out (formats in
 * docs/internals/review.md). Errors from out: WF_ENOMEM, WF_ETOOBIG. */
int wf_review_write(const struct wf_review_result *r, enum wf_review_format fmt,
                    struct wf_buf *out);

/* Appends a `git diff` made from an example of the rule table (see struct
 * wf_review_rule) to out. WF_EINVAL on a malformed example, WF_ENOMEM,
 * WF_ETOOBIG. */
int wf_review_example_diff(const char *example, struct wf_buf *out);

#endif
