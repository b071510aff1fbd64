/* SPDX-License-Identifier: Apache-2.0 */
/*
 * redact: masks secrets and personal data in CI logs, line by line. One
 * table of rules (id, pattern, pre-filter keywords, entropy threshold,
 * label, true- and false-positive examples) drives a PCRE2 (JIT) engine;
 * a cheap case-insensitive keyword scan decides which rules a line can
 * reach, so most lines never see a regex. Every secret becomes
 * "[REDACTED:<label>:<4 hex>]", the hex a keyed hash of the secret, and is
 * reported as a finding (rule, line, column, length; never the secret).
 * Depends on util and libpcre2-8. See docs/internals/redact.md.
 */
#ifndef WF_REDACT_H
#define WF_REDACT_H

#include "util/util.h"

#include <stddef.h>
#include <stdint.h>

/* Key of the placeholder hash when none is configured. Public: anyone can
 * recompute placeholders made with it, so set your own `key` to keep
 * short secrets from being confirmed by guessing. */
#define WF_REDACT_DEFAULT_KEY "workflowai-redact-v1"
/* Lines a private-key block may span before it is closed without its END
 * line (everything up to there is masked). */
#define WF_REDACT_BLOCK_MAX_LINES 1000u
/* Cap on rules, allow regexes and disabled ids taken from one config. */
#define WF_REDACT_MAX_ALLOW 256u
/* Bytes of a config file. */
#define WF_REDACT_MAX_CONFIG_BYTES (1024u * 1024u)

/* Groups a rule belongs to; groups other than SECRET can be switched off. */
enum wf_redact_group {
    WF_REDACT_SECRET = 0, /* credentials: always on unless disabled by id */
    WF_REDACT_EMAIL = 1,  /* e-mail addresses: on by default */
    WF_REDACT_IP = 2,     /* IPv4/IPv6 addresses: off by default */
};

/* One row of the rule table. All strings are static. */
struct wf_redact_rule {
    const char *id;       /* stable id, used in config and findings */
    const char *desc;     /* what it finds */
    const char *pattern;  /* PCRE2; capture group 1 is the secret if set, else the match */
    const char *keywords; /* '|'-separated, lowercase, matched case-insensitively;
                             NULL = the rule's precheck decides */
    double min_entropy;   /* Shannon entropy of the secret in bits/byte; 0 = none */
    const char *label;    /* the <label> of the placeholder */
    enum wf_redact_group group;
    int block; /* 1: a match without its END marker opens a multi-line block */
    /* Optional cheap test of the line: 1 when it may match. Without keywords
     * it replaces them; with keywords both must pass. */
    int (*precheck)(const char *s, size_t len);
    /* Optional test of a candidate secret (Luhn for card numbers): 1 keeps it. */
    int (*validate)(const char *s, size_t len);
    const char *tp[4]; /* lines the rule must redact (NULL-terminated) */
    const char *fp[4]; /* lines no rule may redact (NULL-terminated) */
};

/* The rule table (static, thread-safe). *n receives its length. */
const struct wf_redact_rule *wf_redact_rules(size_t *n);

/* One secret found. Never holds the secret itself. */
struct wf_redact_finding {
    const char *rule;  /* rule id (static string) */
    uint64_t line;     /* 1-based line number */
    size_t column;     /* 1-based byte column in the input line */
    size_t length;     /* bytes masked (a block: bytes from BEGIN to END, newlines included) */
    uint64_t end_line; /* line where it ends (== line except for blocks) */
    unsigned tag;      /* the 4-hex placeholder tag (keyed hash) */
};

struct wf_redact_opts {
    const char *key;            /* placeholder hash key (borrowed, NUL-terminated);
                                   NULL = WF_REDACT_DEFAULT_KEY */
    int emails;                 /* 1 redact e-mail addresses (default 1) */
    int ips;                    /* 1 redact IPv4/IPv6 addresses (default 0) */
    const char *const *disable; /* rule ids not to run (borrowed) */
    size_t n_disable;
    const char *const *allow; /* PCRE2 regexes: a secret one of them matches is kept */
    size_t n_allow;
    const char *const *allow_paths; /* fnmatch(3) globs of input paths left as they are
                                       (fixtures, documented example logs); borrowed */
    size_t n_allow_paths;
    /* Called for every finding, in input order (optional). */
    void (*on_finding)(void *ctx, const struct wf_redact_finding *f);
    void *ctx;
};

/* Fills defaults: default key, emails on, IPs off, nothing disabled. */
void wf_redact_opts_init(struct wf_redact_opts *o);

/* 1 when `path` (an input file name) matches one of o->allow_paths: such
 * an input is passed through unredacted by `workflowai redact`. "-"
 * (stdin) never matches. Thread-safe. */
int wf_redact_path_allowed(const struct wf_redact_opts *o, const char *path);

/* A config file parsed into opts whose strings it owns. */
struct wf_redact_config {
    struct wf_redact_opts opts; /* filled by wf_redact_config_parse */
    struct wf_arena arena;      /* owns every string and array opts points to */
};

/* Parses a config file (format: docs/internals/redact.md): `key = value`
 * lines, '#' comments. Keys: key, emails, ips, disable, allow. Fills
 * c->opts (starting from the defaults). On error returns WF_EFORMAT (or
 * WF_ENOMEM/WF_ETOOBIG), sets *err_line (1-based) and writes a message to
 * err (borrowed, appended). Release with wf_redact_config_cleanup() either
 * way. Thread-safe on distinct configs. */
int wf_redact_config_parse(struct wf_redact_config *c, const char *text, size_t len,
                           size_t *err_line, struct wf_buf *err);
/* Frees what the config owns; accepts NULL. */
void wf_redact_config_cleanup(struct wf_redact_config *c);

struct wf_redactor;

/* Compiles the enabled rules and allow regexes. Borrows opts only during
 * the call, except on_finding/ctx which are kept. Returns WF_OK and an owned
 * redactor (free with wf_redact_free), WF_EINVAL for an unknown rule id or
 * a bad allow regex, WF_ENOMEM. One redactor is used by one thread at a
 * time; distinct redactors are independent. */
int wf_redact_new(const struct wf_redact_opts *opts, struct wf_redactor **out);
/* Frees a redactor; accepts NULL. */
void wf_redact_free(struct wf_redactor *r);

/* Redacts one line (s, len: borrowed, no trailing newline; may hold any
 * bytes, NULs included) and appends it to out, without a newline. Line
 * numbers count calls. Bytes past WF_LIMIT_LINE_BYTES are dropped and
 * replaced by "[TRUNCATED:<n> bytes]". *n_found (optional) receives the
 * number of findings on this line. Errors: WF_ENOMEM, WF_ETOOBIG from out
 * (out is then unchanged). */
int wf_redact_line(struct wf_redactor *r, const char *s, size_t len, struct wf_buf *out,
                   size_t *n_found);

/* Chunk-safe splitter over wf_redact_line: feeds any slice of a stream,
 * appending every completed line plus '\n' to out. wf_redact_finish()
 * flushes a last line without newline and closes an open block. */
int wf_redact_feed(struct wf_redactor *r, const char *p, size_t len, struct wf_buf *out);
int wf_redact_finish(struct wf_redactor *r, struct wf_buf *out);

/* Findings reported so far. */
uint64_t wf_redact_n_findings(const struct wf_redactor *r);

#endif
