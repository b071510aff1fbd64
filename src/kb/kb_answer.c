/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The answer side of the knowledge base without a model: an extractive
 * answer made of the sentences of the retrieved passages that share the
 * most words with the question, each marked with its source number; and
 * the filter that validates the citations of a streamed model answer as
 * it arrives.
 */
#include "kb/kb_int.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#define MAX_TERMS 64
#define MAX_SENTENCES 512
#define SENTENCE_MAX_BYTES 400
#define EXTRACT_SOURCES 3
#define CITE_HOLD_BYTES 128 /* longest text held back for a '[' that may open a marker */

static const char *const stop[] = {
    "the",  "and",  "for", "with", "what", "how",  "why",   "when",   "where", "which", "who",
    "does", "did",  "can", "are",  "was",  "were", "this",  "that",   "from",  "have",  "has",
    "you",  "your", "our", "not",  "but",  "into", "about", "should", "would", "could", "there",
};

struct terms {
    char t[MAX_TERMS][32];
    size_t n;
};

static int is_stop(const char *w)
{
    for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
        if (strcmp(stop[i], w) == 0)
            return 1;
    return 0;
}

/* Calls fn for each lowercased alphanumeric word of at least 3 bytes. */
static void words(const char *p, size_t len, void (*fn)(void *ud, const char *w), void *ud)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && !isalnum((unsigned char)p[i]))
            i++;
        size_t s = i;
        while (i < len && (isalnum((unsigned char)p[i]) || p[i] == '_'))
            i++;
        size_t n = i - s;
        if (n >= 3 && n < 32) {
            char w[32];
            for (size_t k = 0; k < n; k++)
                w[k] = (char)tolower((unsigned char)p[s + k]);
            w[n] = '\0';
            if (!is_stop(w))
                fn(ud, w);
        }
    }
}

static void add_term(void *ud, const char *w)
{
    struct terms *t = ud;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->t[i], w) == 0)
            return;
    if (t->n < MAX_TERMS)
        memcpy(t->t[t->n++], w, strlen(w) + 1);
}

struct match {
    const struct terms *q;
    unsigned char hit[MAX_TERMS];
    size_t n_words;
};

static void match_word(void *ud, const char *w)
{
    struct match *m = ud;
    m->n_words++;
    for (size_t i = 0; i < m->q->n; i++)
        if (strcmp(m->q->t[i], w) == 0)
            m->hit[i] = 1;
}

struct sentence {
    size_t src; /* index into hits */
    const char *p;
    size_t len;
    double score;
    size_t order; /* position among all sentences */
};

/* Trims blanks and list/heading markers at the start, blanks at the end. */
static void trim(const char **p, size_t *len)
{
    while (*len && (isspace((unsigned char)**p) || **p == '#' || **p == '-' || **p == '*' ||
                    **p == '>' || **p == '|')) {
        (*p)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*p)[*len - 1]))
        (*len)--;
}

/* 1 when a line starting at p opens a new block: a blank line, a list
 * item, a heading, a table row or a code fence. */
static int block_start(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\n' || *p == '\0' || *p == '#' || *p == '|' || *p == '>' || *p == '`')
        return 1;
    if ((*p == '-' || *p == '*' || *p == '+') && p[1] == ' ')
        return 1;
    while (*p >= '0' && *p <= '9')
        p++;
    return (*p == '.' || *p == ')') && p[1] == ' ';
}

/* Splits text into sentences: after ". ", "! ", "? " (or one of them at a
 * line end), and where a new block starts; the other line breaks of a
 * paragraph are inside its sentences. */
static void split(size_t src, const char *text, struct sentence *out, size_t *n)
{
    const char *p = text;
    while (*p && *n < MAX_SENTENCES) {
        const char *e = p;
        for (;;) {
            if (!*e)
                break;
            if ((*e == '.' || *e == '!' || *e == '?') &&
                (e[1] == ' ' || e[1] == '\n' || e[1] == '\0')) {
                e++;
                break;
            }
            if (*e == '\n' && block_start(e + 1))
                break;
            e++;
        }
        const char *s = p;
        size_t len = (size_t)(e - s);
        trim(&s, &len);
        if (len >= 12 && strncmp(s, "```", 3) != 0) {
            out[*n].src = src;
            out[*n].p = s;
            out[*n].len = len;
            out[*n].score = 0;
            out[*n].order = *n;
            (*n)++;
        }
        p = *e ? e + 1 : e;
    }
}

/* Appends s without control characters, at most SENTENCE_MAX_BYTES (cut
 * at a UTF-8 boundary). */
static int put_sentence(struct wf_buf *b, const char *p, size_t len)
{
    int cut = len > SENTENCE_MAX_BYTES;
    if (cut) {
        len = SENTENCE_MAX_BYTES;
        while (len && ((unsigned char)p[len] & 0xC0) == 0x80)
            len--;
    }
    int rc = WF_OK;
    for (size_t i = 0; !rc && i < len; i++)
        rc = wf_buf_putc(b, (unsigned char)p[i] < 0x20 ? ' ' : p[i]);
    if (!rc && cut)
        rc = wf_buf_puts(b, "...");
    return rc;
}

static int by_score(const void *a, const void *b)
{
    const struct sentence *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int by_order(const void *a, const void *b)
{
    const struct sentence *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

int wf_kb__extract(const char *question, const struct wf_search_hit *hits, size_t n_hits,
                   struct wf_buf *out, unsigned char *used,
                   int (*on_delta)(void *ud, const char *p, size_t len), void *ud)
{
    struct terms q;
    q.n = 0;
    words(question, strlen(question), add_term, &q);
    struct sentence *s = wf_malloc(MAX_SENTENCES * sizeof(*s));
    if (!s)
        return WF_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < n_hits && i < EXTRACT_SOURCES; i++)
        split(i, hits[i].text ? hits[i].text : "", s, &n);
    for (size_t i = 0; i < n; i++) {
        struct match m;
        memset(&m, 0, sizeof(m));
        m.q = &q;
        words(s[i].p, s[i].len, match_word, &m);
        size_t k = 0;
        for (size_t t = 0; t < q.n; t++)
            k += m.hit[t];
        /* shared words, favouring short sentences and better-ranked passages */
        s[i].score = k ? (double)k / sqrt((double)(m.n_words + 4)) - 0.05 * (double)s[i].src : 0;
    }
    /* the best sentence brings the ones after it in its passage: a
     * runbook states the symptom, then what to do */
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (s[i].score > s[best].score)
            best = i;
    for (size_t k = 1; n && s[best].score > 0 && k <= 2; k++)
        if (best + k < n && s[best + k].src == s[best].src && s[best + k].score <= 0)
            s[best + k].score = s[best].score * 0.01 / (double)k;
    qsort(s, n, sizeof(*s), by_score);
    size_t keep = 0;
    while (keep < n && keep < WF_KB_EXTRACT_SENTENCES && s[keep].score > 0)
        keep++;
    if (!keep) {
        /* no word in common: the opening sentence of each of the best passages */
        qsort(s, n, sizeof(*s), by_order);
        size_t last_src = (size_t)-1;
        for (size_t i = 0; i < n && keep < 2; i++)
            if (s[i].src != last_src) {
                last_src = s[i].src;
                s[keep++] = s[i];
            }
    }
    qsort(s, keep, sizeof(*s), by_order);
    int rc = WF_OK;
    struct wf_buf line;
    wf_buf_init(&line, 4096);
    for (size_t i = 0; !rc && i < keep; i++) {
        wf_buf_reset(&line);
        rc = put_sentence(&line, s[i].p, s[i].len);
        if (!rc)
            rc = wf_buf_appendf(&line, " [%zu]\n", s[i].src + 1);
        if (!rc)
            rc = wf_buf_append(out, line.p, line.len);
        if (!rc && used)
            used[s[i].src] = 1;
        if (!rc && on_delta)
            rc = on_delta(ud, line.p, line.len);
    }
    wf_buf_cleanup(&line);
    wf_free(s);
    return rc;
}

void wf_kb__cite_init(struct wf_kb__cite_stream *s, size_t n_sources, unsigned char *used,
                      int (*on_delta)(void *ud, const char *p, size_t len), void *ud)
{
    memset(s, 0, sizeof(*s));
    wf_buf_init(&s->pending, WF_LLM_MAX_TEXT_BYTES);
    wf_buf_init(&s->out, WF_LLM_MAX_TEXT_BYTES + 64);
    s->n_sources = n_sources;
    s->used = used;
    s->on_delta = on_delta;
    s->ud = ud;
}

/* Validates and emits pending[0, upto). */
static int emit(struct wf_kb__cite_stream *s, size_t upto)
{
    if (!upto)
        return WF_OK;
    size_t mark = s->out.len, n_valid = 0;
    int rc = wf_llm_citations(s->pending.p, upto, s->n_sources, &s->out, s->used, &n_valid);
    if (rc)
        return rc;
    s->n_valid += n_valid;
    if (s->out.len > mark && s->on_delta)
        rc = s->on_delta(s->ud, s->out.p + mark, s->out.len - mark);
    memmove(s->pending.p, s->pending.p + upto, s->pending.len - upto);
    s->pending.len -= upto;
    s->pending.p[s->pending.len] = '\0';
    return rc;
}

int wf_kb__cite_feed(struct wf_kb__cite_stream *s, const char *p, size_t len)
{
    int rc = wf_buf_append(&s->pending, p, len);
    if (rc)
        return rc;
    /* hold back from the last '[' that has no ']' after it, while it is
     * recent enough to still become a marker */
    size_t upto = s->pending.len;
    for (size_t i = s->pending.len; i-- > 0;) {
        if (s->pending.p[i] == ']')
            break;
        if (s->pending.p[i] == '[') {
            if (s->pending.len - i <= CITE_HOLD_BYTES)
                upto = i;
            break;
        }
    }
    return emit(s, upto);
}

int wf_kb__cite_finish(struct wf_kb__cite_stream *s)
{
    return emit(s, s->pending.len);
}

void wf_kb__cite_cleanup(struct wf_kb__cite_stream *s)
{
    wf_buf_cleanup(&s->pending);
    wf_buf_cleanup(&s->out);
}
