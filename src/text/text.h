/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text: byte-level text handling shared by logs, redaction and search:
 * ANSI escape stripping, tokenizing, classifying volatile tokens (numbers,
 * hex, ids, paths, durations, timestamps, IPs, URLs) and masking them so two
 * lines that differ only in such values compare equal. Depends on util.
 */
#ifndef WF_TEXT_H
#define WF_TEXT_H

#include "util/util.h"

/* Removes ANSI/VT escape sequences (CSI "ESC [ ... final", OSC "ESC ] ...
 * BEL|ST", also DCS/APC/PM/SOS strings, "ESC ( B"-style and two-byte
 * "ESC x") and replaces NUL bytes with spaces. An unterminated string
 * sequence ends at a newline, which is kept. Writes at
 * most `len` bytes to `dst` (which may equal `src`) and returns the new
 * length. Never fails; linear time. */
size_t wf_text_strip_ansi(const char *src, size_t len, char *dst);

/* Classes of volatile tokens, masked by wf_text_mask(). */
enum wf_text_class {
    WF_TEXT_WORD = 0, /* ordinary word: kept */
    WF_TEXT_NUM,      /* 42, -3.5, 0x1f, 1e9 */
    WF_TEXT_HEX,      /* deadbeef, git sha, 0xABCD (>= 6 hex digits with a digit) */
    WF_TEXT_UUID,     /* 123e4567-e89b-12d3-a456-426614174000 */
    WF_TEXT_TIME,     /* 2024-01-02T03:04:05Z, 12:34:56.789, 2024-01-02 */
    WF_TEXT_DURATION, /* 1.5s, 200ms, 3m20s, (0.01 sec) */
    WF_TEXT_IP,       /* 10.0.0.1, 10.0.0.1:8080, ::1 */
    WF_TEXT_PATH,     /* /tmp/x/y.c, C:\x\y, ./a/b */
    WF_TEXT_URL,      /* https://host/path */
    WF_TEXT_ID        /* mixed letters+digits tokens like blk_-1608999687919862906, job-7f3a2 */
};

/* Classifies one token (no whitespace inside). */
enum wf_text_class wf_text_classify(const char *tok, size_t len);

/* Splits a line into tokens on whitespace; each token is a view into `s`.
 * Writes at most `max` tokens and returns how many it wrote (tokens past
 * `max` are dropped; *n_total, if given, receives the full count). */
size_t wf_text_tokenize(const char *s, size_t len, struct wf_str *toks, size_t max,
                        size_t *n_total);

/* Appends to `out` the masked form of a line: tokens are separated by one
 * space, every volatile token (and the volatile parts of punctuated tokens,
 * e.g. "file.c:42:7" -> "file.c:<*>:<*>", "(0.12s)" -> "(<*>)") becomes "<*>".
 * Rules: brackets, quotes and trailing ",;:.!?" are peeled off before a
 * token is classified, and kept around its "<*>" ("[10.0.0.1]" -> "[<*>]").
 * Paths, ids and words are kept except for their value runs: a run of
 * letters/digits is a value when it starts with a digit, is a hex id of >= 6
 * chars with a digit, or has >= 3 digits outnumbering its letters ("x86",
 * "sha256", "/usr/lib/foo.so" stay; "blk_-160899" -> "blk_<*>",
 * "host-10-0-0-1" -> "host-<*>"). Value runs joined by '.' or '-' fold into
 * one "<*>". A unit after a number joins it ("(0.01 sec)" -> "(<*>)",
 * "1190 bytes" -> "<*>"), and month/weekday names are values inside dates
 * ("Fri Jul  1 07:57:30 2005", "Jun 14 15:16:01") but words elsewhere.
 * Masking a masked line changes nothing.
 * Used for pass/fail comparison, signatures and the template miner.
 * Errors: those of wf_buf_append (out unchanged on error). */
int wf_text_mask(const char *s, size_t len, struct wf_buf *out);

/* ASCII lowercase copy of s into dst (dst may equal s). */
void wf_text_lower(const char *s, size_t len, char *dst);

/* Case-insensitive search for an ASCII needle; returns a pointer into
 * hay or NULL. */
const char *wf_text_find_ci(const char *hay, size_t len, const char *needle);

/* ---- Search terms ---------------------------------------------------------- */

#define WF_TEXT_TERM_MAX_BYTES 64u /* longer terms are dropped (their parts are kept) */

/* Kinds of terms given to a wf_text_term_fn. */
enum wf_text_term_kind {
    WF_TEXT_TERM_WORD = 0, /* a prose word, lowercased and stemmed (stopwords dropped) */
    WF_TEXT_TERM_WHOLE,    /* a code-like token kept whole: "foo_bar", "a/b/c.py", "--flag" */
    WF_TEXT_TERM_PART      /* a part of a WHOLE token or of a camelCase word, stemmed */
};

/* Called once per term; `term` is borrowed for the call. A non-zero return
 * stops the scan and is returned by wf_text_search_terms(). */
typedef int (*wf_text_term_fn)(void *ud, const char *term, size_t len, enum wf_text_term_kind kind);

/* Splits text into search terms, the same way for documents and queries.
 * Code-aware: a run of letters, digits and '_' joined by '.', '/', '\\',
 * '-' or ':' ("ENOENT", "foo_bar", "pkg.Class", "a/b/c.py", "v1.2.3") and a
 * leading "-"/"--" option or "/" path is one token. A plain word is
 * lowercased, dropped when it is an English stopword, and stemmed with the
 * Snowball English stemmer ("running" -> "run"). A code-like token is
 * emitted whole (lowercased, not stemmed) and then by parts: path
 * components ("c.py"), then the words between '_', '.', '-', ':'
 * ("foo", "bar", "pkg", "class"), each stemmed, stopwords kept; camelCase
 * words also give their parts ("getUserName" -> "getusernam", "get",
 * "user", "name"). Bytes >= 0x80 are word bytes (UTF-8 text stays whole).
 * Thread-safe (one stemmer per thread). Returns WF_OK or fn's code. */
int wf_text_search_terms(const char *s, size_t len, wf_text_term_fn fn, void *ud);

/* Stems one lowercase word with Snowball English into dst (capacity cap,
 * NUL-terminated) and returns the stem's length; a word longer than
 * WF_TEXT_TERM_MAX_BYTES or a failed stemmer copies the word (truncated to
 * cap - 1). Thread-safe. */
size_t wf_text_stem(const char *w, size_t len, char *dst, size_t cap);

/* 1 when the lowercase word is an English stopword ("the", "and", ...). */
int wf_text_is_stopword(const char *w, size_t len);

#endif
