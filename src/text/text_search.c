/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text: the search tokenizer shared by the keyword index and the built-in
 * embedder. Code-like tokens are kept whole and also split into their parts
 * so "foo_bar" matches both "foo_bar" and "bar"; prose words are lowercased,
 * filtered against a small English stopword list and stemmed with Debian's
 * libstemmer (Snowball English). Each thread gets its own stemmer (a
 * Snowball stemmer is not thread-safe) and a small direct-mapped cache of
 * recent stems, because stemming dominates indexing time.
 */
#include "text/text.h"

#include <libstemmer.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- stopwords ------------------------------------------------------------ */

/* Sorted (strcmp order); English function words only, so that technical words
 * ("file", "system", "not"...) keep their meaning. "not"/"no" are kept: they
 * matter in troubleshooting text. */
static const char *const stopwords[] = {
    "a",        "about",      "above", "after", "again",   "against", "all",   "am",
    "an",       "and",        "any",   "are",   "as",      "at",      "be",    "because",
    "been",     "before",     "being", "below", "between", "both",    "but",   "by",
    "can",      "could",      "did",   "do",    "does",    "doing",   "down",  "during",
    "each",     "few",        "for",   "from",  "further", "had",     "has",   "have",
    "having",   "he",         "her",   "here",  "hers",    "herself", "him",   "himself",
    "his",      "how",        "i",     "if",    "in",      "into",    "is",    "it",
    "its",      "itself",     "just",  "me",    "more",    "most",    "my",    "myself",
    "of",       "off",        "on",    "once",  "only",    "or",      "other", "our",
    "ours",     "ourselves",  "out",   "over",  "own",     "same",    "she",   "should",
    "so",       "some",       "such",  "than",  "that",    "the",     "their", "theirs",
    "them",     "themselves", "then",  "there", "these",   "they",    "this",  "those",
    "through",  "to",         "too",   "under", "until",   "up",      "very",  "was",
    "we",       "were",       "what",  "when",  "where",   "which",   "while", "who",
    "whom",     "why",        "will",  "with",  "would",   "you",     "your",  "yours",
    "yourself", "yourselves"};

/* The list as an open-addressing set of hashes, built once. */
#define STOP_SLOTS 512u
static uint64_t stop_set[STOP_SLOTS];
static uint16_t stop_idx[STOP_SLOTS]; /* the word's index in stopwords[] */
static uint8_t stop_len[sizeof(stopwords) / sizeof(stopwords[0])];
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static void stop_init(void)
{
    for (size_t i = 0; i < sizeof(stopwords) / sizeof(stopwords[0]); i++) {
        uint64_t h = wf_hash64(stopwords[i], strlen(stopwords[i]), 0x570b) | 1;
        size_t j = h & (STOP_SLOTS - 1);
        while (stop_set[j])
            j = (j + 1) & (STOP_SLOTS - 1);
        stop_set[j] = h;
        stop_idx[j] = (uint16_t)i;
        stop_len[i] = (uint8_t)strlen(stopwords[i]);
    }
}

int wf_text_is_stopword(const char *w, size_t len)
{
    if (len == 0 || len > 10)
        return 0;
    pthread_once(&stop_once, stop_init);
    uint64_t h = wf_hash64(w, len, 0x570b) | 1;
    for (size_t j = h & (STOP_SLOTS - 1); stop_set[j]; j = (j + 1) & (STOP_SLOTS - 1))
        if (stop_set[j] == h) {
            /* confirm: a 64-bit collision is unlikely but cheap to rule out */
            size_t i = stop_idx[j];
            if (stop_len[i] == len && memcmp(stopwords[i], w, len) == 0)
                return 1;
        }
    return 0;
}

/* ---- per-thread stemmer ----------------------------------------------------- */

#define CACHE_SLOTS 4096u
#define CACHE_WORD 24u /* words up to 23 bytes are cached */

struct stem_slot {
    uint8_t wlen, slen;
    char word[CACHE_WORD];
    char stem[CACHE_WORD];
};

struct stem_tls {
    struct sb_stemmer *st;
    struct stem_slot slots[CACHE_SLOTS];
};

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_ok;

static void tls_free(void *p)
{
    struct stem_tls *t = p;
    if (t && t->st)
        sb_stemmer_delete(t->st);
    free(t);
}

static void tls_init(void)
{
    tls_ok = pthread_key_create(&tls_key, tls_free) == 0;
}

/* Not wf_malloc: the per-thread state outlives any test's fault injection. */
static struct stem_tls *tls_get(void)
{
    pthread_once(&tls_once, tls_init);
    if (!tls_ok)
        return NULL;
    struct stem_tls *t = pthread_getspecific(tls_key);
    if (t)
        return t;
    t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->st = sb_stemmer_new("english", "UTF_8");
    if (!t->st || pthread_setspecific(tls_key, t) != 0) {
        tls_free(t);
        return NULL;
    }
    return t;
}

static size_t copy_word(const char *w, size_t len, char *dst, size_t cap)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    memcpy(dst, w, n);
    dst[n] = 0;
    return n;
}

size_t wf_text_stem(const char *w, size_t len, char *dst, size_t cap)
{
    if (cap == 0)
        return 0;
    if (len <= 2 || len > WF_TEXT_TERM_MAX_BYTES)
        return copy_word(w, len, dst, cap);
    struct stem_tls *t = tls_get();
    if (!t)
        return copy_word(w, len, dst, cap);
    struct stem_slot *slot = NULL;
    if (len < CACHE_WORD) {
        slot = &t->slots[wf_hash64(w, len, 0x5eed) & (CACHE_SLOTS - 1)];
        if (slot->wlen == len && memcmp(slot->word, w, len) == 0)
            return copy_word(slot->stem, slot->slen, dst, cap);
    }
    const sb_symbol *s = sb_stemmer_stem(t->st, (const sb_symbol *)w, (int)len);
    int sl = sb_stemmer_length(t->st);
    if (!s || sl <= 0)
        return copy_word(w, len, dst, cap);
    if (slot && (size_t)sl < CACHE_WORD) {
        slot->wlen = (uint8_t)len;
        memcpy(slot->word, w, len);
        slot->slen = (uint8_t)sl;
        memcpy(slot->stem, s, (size_t)sl);
    }
    return copy_word((const char *)s, (size_t)sl, dst, cap);
}

/* ---- tokenizer ----------------------------------------------------------------- */

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_word(unsigned char c)
{
    return is_alnum(c) || c == '_' || c >= 0x80;
}

static int is_joiner(unsigned char c)
{
    return c == '.' || c == '/' || c == '\\' || c == '-' || c == ':';
}

static int is_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Emits one word (no joiners, no '_'): lowercased; letters-only words are
 * stemmed, words with digits kept as they are. camelCase words also emit
 * their humps as parts. Stopwords are dropped only for prose words. */
static int emit_word(const char *w, size_t n, enum wf_text_term_kind kind, wf_text_term_fn fn,
                     void *ud)
{
    char low[WF_TEXT_TERM_MAX_BYTES + 1];
    char stem[WF_TEXT_TERM_MAX_BYTES + 1];
    int digits = 0, camel = 0;
    if (n == 0 || n > WF_TEXT_TERM_MAX_BYTES)
        return WF_OK;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        digits |= is_digit(c);
        if (i && is_upper(c) && is_lower((unsigned char)w[i - 1]))
            camel = 1;
    }
    wf_text_lower(w, n, low);
    low[n] = 0;
    if (kind == WF_TEXT_TERM_WORD && wf_text_is_stopword(low, n))
        return WF_OK;
    int rc;
    if (digits) {
        rc = fn(ud, low, n, kind);
    } else {
        size_t sl = wf_text_stem(low, n, stem, sizeof(stem));
        rc = fn(ud, stem, sl, kind);
    }
    if (rc || !camel)
        return rc;
    size_t start = 0;
    for (size_t i = 1; i <= n && !rc; i++) {
        if (i == n || (is_upper((unsigned char)w[i]) && is_lower((unsigned char)w[i - 1]))) {
            size_t m = i - start;
            size_t sl = wf_text_stem(low + start, m, stem, sizeof(stem));
            rc = fn(ud, stem, sl, WF_TEXT_TERM_PART);
            start = i;
        }
    }
    return rc;
}

/* Parts of one path component: words between '_', '.', '-', ':'. */
static int emit_subparts(const char *p, size_t n, wf_text_term_fn fn, void *ud)
{
    size_t start = 0;
    int rc = WF_OK;
    for (size_t i = 0; i <= n && !rc; i++) {
        if (i == n || !is_alnum((unsigned char)p[i])) {
            if (i == n || (unsigned char)p[i] < 0x80) {
                if (i > start)
                    rc = emit_word(p + start, i - start, WF_TEXT_TERM_PART, fn, ud);
                start = i + 1;
            }
        }
    }
    return rc;
}

static int emit_compound(const char *t, size_t n, wf_text_term_fn fn, void *ud)
{
    char low[WF_TEXT_TERM_MAX_BYTES + 1];
    int rc = WF_OK;
    if (n <= WF_TEXT_TERM_MAX_BYTES) {
        wf_text_lower(t, n, low);
        low[n] = 0;
        rc = fn(ud, low, n, WF_TEXT_TERM_WHOLE);
    }
    int pathy = memchr(t, '/', n) || memchr(t, '\\', n);
    size_t start = 0;
    for (size_t i = 0; i <= n && !rc; i++) {
        if (i == n || t[i] == '/' || t[i] == '\\') {
            const char *c = t + start;
            size_t m = i - start;
            if (m) {
                int joined = 0;
                for (size_t j = 0; j < m; j++)
                    joined |= c[j] == '.' || c[j] == '-' || c[j] == ':' || c[j] == '_';
                /* a path component with joiners ("c.py") is a part of its own */
                if (pathy && joined && m <= WF_TEXT_TERM_MAX_BYTES) {
                    wf_text_lower(c, m, low);
                    rc = fn(ud, low, m, WF_TEXT_TERM_PART);
                }
                if (!rc)
                    rc = emit_subparts(c, m, fn, ud);
            }
            start = i + 1;
        }
    }
    return rc;
}

int wf_text_search_terms(const char *s, size_t len, wf_text_term_fn fn, void *ud)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = u[i];
        size_t start = i;
        int lead = 0;
        if (c == '-' && (i == 0 || !is_word(u[i - 1]))) {
            /* "-v", "--flag" */
            size_t j = i + 1;
            if (j < len && u[j] == '-')
                j++;
            if (j < len && is_alnum(u[j]) && (i == 0 || u[i - 1] != '-'))
                lead = 1, i = j;
        } else if ((c == '/' || c == '.') && i + 1 < len && (i == 0 || !is_word(u[i - 1]))) {
            /* "/etc/fstab", "./run.sh", "../x", ".gitignore" */
            size_t j = i;
            while (j < len && j - i < 3 && (u[j] == '.' || u[j] == '/'))
                j++;
            if (j < len && is_word(u[j]) && (c == '/' || u[j - 1] == '/' || j - i == 1))
                lead = 1, i = j;
        }
        if (!lead && !is_word(c)) {
            i++;
            continue;
        }
        int joined = lead;
        while (i < len) {
            if (is_word(u[i])) {
                joined |= u[i] == '_';
                i++;
            } else if (is_joiner(u[i]) && i + 1 < len && is_word(u[i + 1])) {
                joined = 1;
                i++;
            } else if (u[i] == ':' && i + 2 < len && u[i + 1] == ':' && is_word(u[i + 2])) {
                joined = 1;
                i += 2;
            } else {
                break;
            }
        }
        int rc = joined ? emit_compound(s + start, i - start, fn, ud)
                        : emit_word(s + start, i - start, WF_TEXT_TERM_WORD, fn, ud);
        if (rc)
            return rc;
    }
    return WF_OK;
}
