/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The redaction engine: compiles the enabled rows of the rule table with
 * PCRE2 (JIT), builds a one-pass keyword pre-filter (a bigram bitmap plus
 * a table of one-byte keywords) and redacts lines: pre-filter, regexes of
 * the rules the line can reach, entropy/validator checks, allowlist,
 * overlap resolution, placeholders. Private-key blocks carry state from
 * their BEGIN line to their END line.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "redact/redact.h"

#include <assert.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <string.h>

#define MAX_RULES 62
#define ALLOW_BIT 63       /* pre-filter bit of the inline "workflowai:allow" marker */
#define PLACEHOLDER_BIT 62 /* pre-filter bit of "[REDACTED:" */
#define ALLOW_MARKER "workflowai:allow"
#define MAX_SPANS_PER_LINE 65536u
#define TRUNC_BACKOFF 1024u /* bytes a truncated line may give back to end at a blank */

struct kw {
    const char *p;   /* lowercase keyword, static or arena */
    size_t len;      /* bytes, >= 2 */
    uint16_t bigram; /* first two bytes */
    int bit;         /* rule slot, or ALLOW_BIT */
};

struct crule {
    const struct wf_redact_rule *rule; /* row of the static table */
    pcre2_code *code;                  /* owned */
    int jit;                           /* 1 when JIT-compiled */
};

struct span {
    size_t start, end; /* byte offsets in the line */
    int slot;          /* rule slot */
};

struct wf_redactor {
    struct crule rules[MAX_RULES]; /* enabled rules */
    int n_rules;
    uint64_t precheck_mask;     /* rules with a precheck instead of keywords */
    uint64_t both_mask;         /* rules with keywords and a precheck: both must pass */
    uint64_t single[256];       /* one-byte keywords: rule bits per lowercase byte */
    uint8_t bigrams[65536 / 8]; /* bitmap of keyword first bigrams */
    struct kw *kws;             /* owned, sorted by bigram */
    size_t n_kws;
    pcre2_code **allow; /* owned */
    size_t n_allow;
    pcre2_match_data *md;    /* owned */
    pcre2_match_context *mc; /* owned */
    pcre2_jit_stack *js;     /* owned */
    uint64_t seed;           /* from the key */
    void (*on_finding)(void *ctx, const struct wf_redact_finding *f);
    void *ctx;
    uint64_t line;       /* lines seen */
    uint64_t n_findings; /* findings reported */
    struct span *spans;  /* owned, per-line scratch */
    size_t spans_cap;
    /* an open private-key block */
    int in_block;
    int block_slot;
    uint64_t block_line;   /* line of BEGIN */
    size_t block_col;      /* column of BEGIN */
    size_t block_len;      /* bytes so far, newlines included */
    uint64_t block_nlines; /* lines so far */
    unsigned block_tag;    /* tag of the BEGIN line's placeholder */
    /* the splitter's partial line */
    struct wf_buf part;
    size_t part_dropped; /* bytes of the partial line past the cap */
};

static uint8_t lower_tab[256];
static pthread_once_t lower_once = PTHREAD_ONCE_INIT;

static void init_lower(void)
{
    /* once: redactors are made on many threads while others read the table */
    for (int i = 0; i < 256; i++)
        lower_tab[i] = (uint8_t)((i >= 'A' && i <= 'Z') ? i + 32 : i);
}

void wf_redact_opts_init(struct wf_redact_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->key = WF_REDACT_DEFAULT_KEY;
    o->emails = 1;
    o->ips = 0;
}

static int kw_cmp(const void *a, const void *b)
{
    const struct kw *x = a, *y = b;
    return (x->bigram > y->bigram) - (x->bigram < y->bigram);
}

static int add_keyword(struct wf_redactor *r, const char *p, size_t len, int bit, size_t *cap)
{
    if (len == 0)
        return WF_OK;
    if (len == 1) {
        r->single[lower_tab[(unsigned char)p[0]]] |= 1ull << bit;
        return WF_OK;
    }
    int rc = wf_grow((void **)&r->kws, cap, r->n_kws + 1, sizeof(*r->kws), 4096);
    if (rc)
        return rc;
    struct kw *k = &r->kws[r->n_kws++];
    k->p = p;
    k->len = len;
    k->bigram = (uint16_t)(lower_tab[(unsigned char)p[0]] << 8 | lower_tab[(unsigned char)p[1]]);
    k->bit = bit;
    r->bigrams[k->bigram >> 3] |= (uint8_t)(1u << (k->bigram & 7));
    return WF_OK;
}

static int in_list(const char *id, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] && strcmp(list[i], id) == 0)
            return 1;
    return 0;
}

int wf_redact_new(const struct wf_redact_opts *opts, struct wf_redactor **out)
{
    struct wf_redact_opts defaults;
    size_t n_table, kw_cap = 0;
    const struct wf_redact_rule *table = wf_redact_rules(&n_table);
    int rc = WF_ENOMEM;
    if (!opts) {
        wf_redact_opts_init(&defaults);
        opts = &defaults;
    }
    pthread_once(&lower_once, init_lower);
    struct wf_redactor *r = wf_calloc(1, sizeof(*r));
    if (!r)
        return WF_ENOMEM;
    wf_buf_init(&r->part, WF_LIMIT_LINE_BYTES);
    r->on_finding = opts->on_finding;
    r->ctx = opts->ctx;
    const char *key = opts->key ? opts->key : WF_REDACT_DEFAULT_KEY;
    r->seed = wf_hash64(key, strlen(key), 0x7265646163746564ull);

    /* every disabled id must name a rule: a typo must not silently keep
     * (or drop) a rule */
    for (size_t i = 0; i < opts->n_disable; i++) {
        size_t j = 0;
        while (j < n_table && (!opts->disable[i] || strcmp(opts->disable[i], table[j].id) != 0))
            j++;
        if (j == n_table) {
            rc = WF_EINVAL;
            goto fail;
        }
    }
    assert(n_table <= MAX_RULES);
    for (size_t i = 0; i < n_table; i++) {
        const struct wf_redact_rule *ru = &table[i];
        if (in_list(ru->id, opts->disable, opts->n_disable))
            continue;
        if ((ru->group == WF_REDACT_EMAIL && !opts->emails) ||
            (ru->group == WF_REDACT_IP && !opts->ips))
            continue;
        int err;
        PCRE2_SIZE eoff;
        pcre2_code *code =
            pcre2_compile((PCRE2_SPTR)ru->pattern, PCRE2_ZERO_TERMINATED, 0, &err, &eoff, NULL);
        if (!code) {
            rc = WF_EINTERNAL;
            goto fail;
        }
        int slot = r->n_rules++;
        r->rules[slot].rule = ru;
        r->rules[slot].code = code;
        r->rules[slot].jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
        if (ru->keywords) {
            const char *p = ru->keywords;
            while (*p) {
                size_t n = strcspn(p, "|");
                if ((rc = add_keyword(r, p, n, slot, &kw_cap)) != WF_OK)
                    goto fail;
                p += n + (p[n] == '|');
            }
            if (ru->precheck)
                r->both_mask |= 1ull << slot;
        } else {
            r->precheck_mask |= 1ull << slot;
        }
    }
    if ((rc = add_keyword(r, ALLOW_MARKER, strlen(ALLOW_MARKER), ALLOW_BIT, &kw_cap)) != WF_OK ||
        (rc = add_keyword(r, "[redacted:", 10, PLACEHOLDER_BIT, &kw_cap)) != WF_OK)
        goto fail;
    if (r->n_kws)
        qsort(r->kws, r->n_kws, sizeof(*r->kws), kw_cmp);

    rc = WF_ENOMEM;
    if (opts->n_allow) {
        r->allow = wf_calloc(opts->n_allow, sizeof(*r->allow));
        if (!r->allow)
            goto fail;
        for (size_t i = 0; i < opts->n_allow; i++) {
            int err;
            PCRE2_SIZE eoff;
            if (!opts->allow[i]) {
                rc = WF_EINVAL;
                goto fail;
            }
            r->allow[i] = pcre2_compile((PCRE2_SPTR)opts->allow[i], PCRE2_ZERO_TERMINATED, 0, &err,
                                        &eoff, NULL);
            if (!r->allow[i]) {
                rc = WF_EINVAL;
                goto fail;
            }
            r->n_allow++;
            pcre2_jit_compile(r->allow[i], PCRE2_JIT_COMPLETE);
        }
    }
    r->md = pcre2_match_data_create(8, NULL);
    r->mc = pcre2_match_context_create(NULL);
    r->js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!r->md || !r->mc || !r->js)
        goto fail;
    pcre2_jit_stack_assign(r->mc, NULL, r->js);
    /* patterns are linear; the limits only stop a pathological input */
    pcre2_set_match_limit(r->mc, 1000000);
    pcre2_set_depth_limit(r->mc, 10000);
    *out = r;
    return WF_OK;
fail:
    wf_redact_free(r);
    return rc;
}

void wf_redact_free(struct wf_redactor *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n_rules; i++)
        pcre2_code_free(r->rules[i].code);
    for (size_t i = 0; i < r->n_allow; i++)
        pcre2_code_free(r->allow[i]);
    wf_free(r->allow);
    wf_free(r->kws);
    wf_free(r->spans);
    pcre2_match_data_free(r->md);
    pcre2_match_context_free(r->mc);
    pcre2_jit_stack_free(r->js);
    wf_buf_cleanup(&r->part);
    wf_free(r);
}

uint64_t wf_redact_n_findings(const struct wf_redactor *r)
{
    return r->n_findings;
}

/* Which rules a line can reach: one pass, two table lookups per byte. */
static uint64_t prefilter(const struct wf_redactor *r, const unsigned char *s, size_t len)
{
    uint64_t m = 0;
    if (len == 0)
        return 0;
    unsigned c = lower_tab[s[0]];
    for (size_t i = 0; i < len; i++) {
        m |= r->single[c];
        if (i + 1 == len)
            break;
        unsigned d = lower_tab[s[i + 1]];
        unsigned bg = c << 8 | d;
        c = d;
        if (!(r->bigrams[bg >> 3] & (1u << (bg & 7))))
            continue;
        /* binary search for the first keyword with this bigram */
        size_t lo = 0, hi = r->n_kws;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (r->kws[mid].bigram < bg)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < r->n_kws && r->kws[k].bigram == bg; k++) {
            const struct kw *w = &r->kws[k];
            if ((m >> w->bit & 1) || i + w->len > len)
                continue;
            size_t j = 2;
            while (j < w->len && lower_tab[s[i + j]] == (unsigned char)w->p[j])
                j++;
            if (j == w->len)
                m |= 1ull << w->bit;
        }
    }
    return m;
}

static double entropy(const unsigned char *s, size_t len)
{
    unsigned cnt[256] = {0};
    double h = 0;
    for (size_t i = 0; i < len; i++)
        cnt[s[i]]++;
    for (int i = 0; i < 256; i++) {
        if (cnt[i]) {
            double p = (double)cnt[i] / (double)len;
            h -= p * log2(p);
        }
    }
    return h;
}

static unsigned tag_of(const struct wf_redactor *r, const char *s, size_t len)
{
    return (unsigned)(wf_hash64(s, len, r->seed) >> 48);
}

static int allowed(struct wf_redactor *r, const char *s, size_t len)
{
    for (size_t i = 0; i < r->n_allow; i++)
        if (pcre2_match(r->allow[i], (PCRE2_SPTR)s, len, 0, 0, r->md, r->mc) >= 0)
            return 1;
    return 0;
}

static int push_span(struct wf_redactor *r, size_t *n, size_t start, size_t end, int slot)
{
    int rc =
        wf_grow((void **)&r->spans, &r->spans_cap, *n + 1, sizeof(*r->spans), MAX_SPANS_PER_LINE);
    if (rc)
        return rc;
    r->spans[*n].start = start;
    r->spans[*n].end = end;
    r->spans[*n].slot = slot;
    (*n)++;
    return WF_OK;
}

/* Runs one rule over the line, appending accepted secrets as spans. */
static int run_rule(struct wf_redactor *r, int slot, const char *s, size_t len, size_t *n)
{
    const struct crule *cr = &r->rules[slot];
    const struct wf_redact_rule *ru = cr->rule;
    size_t off = 0;
    while (off <= len) {
        int m = cr->jit ? pcre2_jit_match(cr->code, (PCRE2_SPTR)s, len, off, 0, r->md, r->mc)
                        : pcre2_match(cr->code, (PCRE2_SPTR)s, len, off, 0, r->md, r->mc);
        if (m < 0)
            break; /* no match, or a match limit: the rule gives up on this line */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
        size_t ms = ov[0], me = ov[1], ss = ms, se = me;
        if (m > 1 && ov[2] != PCRE2_UNSET) {
            ss = ov[2];
            se = ov[3];
        }
        off = me > ms ? me : ms + 1;
        if (se <= ss)
            continue;
        if (ru->min_entropy > 0 &&
            entropy((const unsigned char *)s + ss, se - ss) < ru->min_entropy)
            continue;
        if (ru->validate && !ru->validate(s + ss, se - ss))
            continue;
        if (r->n_allow && allowed(r, s + ss, se - ss))
            continue;
        int rc = push_span(r, n, ss, se, slot);
        if (rc)
            return rc;
    }
    return WF_OK;
}

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return x->slot - y->slot;
}

static void report(struct wf_redactor *r, const struct wf_redact_finding *f)
{
    r->n_findings++;
    if (r->on_finding)
        r->on_finding(r->ctx, f);
}

static void close_block(struct wf_redactor *r)
{
    struct wf_redact_finding f = {
        r->rules[r->block_slot].rule->id,    r->block_line, r->block_col, r->block_len,
        r->block_line + r->block_nlines - 1, r->block_tag};
    r->in_block = 0;
    report(r, &f);
}

static int put_placeholder(struct wf_buf *out, const char *label, unsigned tag)
{
    return wf_buf_appendf(out, "[REDACTED:%s:%04x]", label, tag);
}

static const char *find_mem(const char *h, size_t hl, const char *n, size_t nl)
{
    if (nl > hl)
        return NULL;
    for (const char *p = h; (p = memchr(p, n[0], (size_t)(h + hl - p))) != NULL; p++) {
        if ((size_t)(h + hl - p) < nl)
            return NULL;
        if (memcmp(p, n, nl) == 0)
            return p;
    }
    return NULL;
}

/* Length of the placeholder "[REDACTED:<label>:<4 hex>]" at s, or 0. Only
 * the exact shape counts, so wrapping a real token in "[REDACTED:" does not
 * hide it. */
static size_t placeholder_at(const char *s, size_t len)
{
    size_t i = 10, j;
    if (len < 17 || memcmp(s, "[REDACTED:", 10) != 0)
        return 0;
    while (i < len && i < 60 &&
           ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
        i++;
    if (i == 10 || i + 6 > len || s[i] != ':')
        return 0;
    for (j = i + 1; j < i + 5; j++)
        if (!((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f')))
            return 0;
    return s[j] == ']' ? j + 1 : 0;
}

/* Redacting redacted text changes nothing: candidates overlapping one of
 * our placeholders ("secret-assignment:1a2b]" looks like a key and a
 * value) are dropped. */
static void drop_placeholders(struct wf_redactor *r, const char *s, size_t len, size_t forced_end,
                              size_t *n)
{
    for (const char *p = s; (p = find_mem(p, (size_t)(s + len - p), "[REDACTED:", 10)) != NULL;) {
        size_t pl = placeholder_at(p, (size_t)(s + len - p));
        if (!pl) {
            p++;
            continue;
        }
        size_t ps = (size_t)(p - s), pe = ps + pl, k = 0;
        for (size_t i = 0; i < *n; i++)
            if (r->spans[i].end <= ps || r->spans[i].start >= pe ||
                (forced_end && r->spans[i].start == 0 && r->spans[i].end == forced_end))
                r->spans[k++] = r->spans[i];
        *n = k;
        p += pl;
    }
}

/* The line body: s[0..len) already capped. */
static int redact_body(struct wf_redactor *r, const char *s, size_t len, struct wf_buf *out,
                       size_t *n_found)
{
    size_t n = 0, found = 0;
    int rc = WF_OK;
    size_t forced_end = 0; /* bytes masked by an open block */

    if (r->in_block) {
        const char *e = find_mem(s, len, "-----END", 8);
        if (e) {
            const char *d = find_mem(e + 8, (size_t)(s + len - (e + 8)), "-----", 5);
            forced_end = d ? (size_t)(d + 5 - s) : len;
        } else {
            forced_end = len;
        }
        r->block_len += 1 + forced_end; /* the newline before this line */
        r->block_nlines++;
        if (forced_end == len && !e) {
            if (len)
                rc = put_placeholder(out, r->rules[r->block_slot].rule->label, tag_of(r, s, len));
            if (!rc && r->block_nlines >= WF_REDACT_BLOCK_MAX_LINES) {
                close_block(r);
                found++;
            }
            if (n_found)
                *n_found = found;
            return rc;
        }
        if ((rc = push_span(r, &n, 0, forced_end, r->block_slot)) != WF_OK)
            return rc;
        close_block(r);
        found++;
    }

    uint64_t m = prefilter(r, (const unsigned char *)s, len);
    if ((m >> ALLOW_BIT & 1) && n == 0) {
        if (n_found)
            *n_found = 0;
        return wf_buf_append(out, s, len);
    }
    int has_placeholder = (m >> PLACEHOLDER_BIT) & 1;
    m &= ~(1ull << ALLOW_BIT | 1ull << PLACEHOLDER_BIT);
    for (uint64_t bm = m & r->both_mask; bm; bm &= bm - 1) {
        int slot = __builtin_ctzll(bm);
        if (!r->rules[slot].rule->precheck(s, len))
            m &= ~(1ull << slot);
    }
    for (uint64_t pm = r->precheck_mask; pm; pm &= pm - 1) {
        int slot = __builtin_ctzll(pm);
        if (r->rules[slot].rule->precheck(s, len))
            m |= 1ull << slot;
    }
    for (; m; m &= m - 1) {
        if ((rc = run_rule(r, __builtin_ctzll(m), s, len, &n)) != WF_OK)
            return rc;
    }
    if (has_placeholder && n)
        drop_placeholders(r, s, len, forced_end, &n);
    if (n > 1)
        qsort(r->spans, n, sizeof(*r->spans), span_cmp);
    /* merge overlaps: an overlapping secret widens the one before it, so
     * no byte of either leaks */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && r->spans[i].start < r->spans[k - 1].end) {
            if (r->spans[i].end > r->spans[k - 1].end)
                r->spans[k - 1].end = r->spans[i].end;
            continue;
        }
        r->spans[k++] = r->spans[i];
    }
    size_t at = 0;
    for (size_t i = 0; i < k && !rc; i++) {
        const struct span *sp = &r->spans[i];
        const struct wf_redact_rule *ru = r->rules[sp->slot].rule;
        unsigned tag = tag_of(r, s + sp->start, sp->end - sp->start);
        rc = wf_buf_append(out, s + at, sp->start - at);
        if (!rc)
            rc = put_placeholder(out, ru->label, tag);
        at = sp->end;
        if (rc)
            break;
        if (forced_end && sp->start == 0) /* the tail of a block, reported above */
            continue;
        if (ru->block && sp->end == len &&
            !find_mem(s + sp->start, sp->end - sp->start, "-----END", 8)) {
            r->in_block = 1;
            r->block_slot = sp->slot;
            r->block_line = r->line;
            r->block_col = sp->start + 1;
            r->block_len = sp->end - sp->start;
            r->block_nlines = 1;
            r->block_tag = tag;
            continue;
        }
        struct wf_redact_finding f = {ru->id,  r->line, sp->start + 1, sp->end - sp->start,
                                      r->line, tag};
        report(r, &f);
        found++;
    }
    if (!rc)
        rc = wf_buf_append(out, s + at, len - at);
    if (n_found)
        *n_found = found;
    return rc;
}

/* `dropped`: bytes of the line beyond `len` the caller never had. */
static int redact_line(struct wf_redactor *r, const char *s, size_t len, size_t dropped,
                       struct wf_buf *out, size_t *n_found)
{
    size_t saved = out->len;
    r->line++;
    if (len > WF_LIMIT_LINE_BYTES) {
        dropped += len - WF_LIMIT_LINE_BYTES;
        len = WF_LIMIT_LINE_BYTES;
    }
    if (dropped) {
        /* end at a blank when there is one near the cut, so the kept part
         * does not end in the first half of a secret */
        size_t cut = len;
        while (cut > 0 && len - cut < TRUNC_BACKOFF && s[cut - 1] != ' ' && s[cut - 1] != '\t')
            cut--;
        if (cut > 0 && len - cut < TRUNC_BACKOFF) {
            dropped += len - cut;
            len = cut;
        }
    }
    int rc = redact_body(r, s, len, out, n_found);
    if (!rc && dropped)
        rc = wf_buf_appendf(out, "[TRUNCATED:%zu bytes]", dropped);
    if (rc) {
        out->len = saved;
        if (out->p)
            out->p[saved] = '\0';
    }
    return rc;
}

int wf_redact_line(struct wf_redactor *r, const char *s, size_t len, struct wf_buf *out,
                   size_t *n_found)
{
    return redact_line(r, s, len, 0, out, n_found);
}

int wf_redact_feed(struct wf_redactor *r, const char *p, size_t len, struct wf_buf *out)
{
    int rc = WF_OK;
    while (len > 0 && !rc) {
        const char *nl = memchr(p, '\n', len);
        size_t n = nl ? (size_t)(nl - p) : len;
        if (nl && r->part.len == 0 && r->part_dropped == 0) {
            rc = redact_line(r, p, n, 0, out, NULL);
        } else {
            size_t room = WF_LIMIT_LINE_BYTES - r->part.len, take = n < room ? n : room;
            if (take && (rc = wf_buf_append(&r->part, p, take)) != WF_OK)
                return rc;
            r->part_dropped += n - take;
            if (nl) {
                rc = redact_line(r, r->part.p, r->part.len, r->part_dropped, out, NULL);
                wf_buf_reset(&r->part);
                r->part_dropped = 0;
            }
        }
        if (!rc && nl)
            rc = wf_buf_putc(out, '\n');
        n += nl != NULL;
        p += n;
        len -= n;
    }
    return rc;
}

int wf_redact_finish(struct wf_redactor *r, struct wf_buf *out)
{
    int rc = WF_OK;
    if (r->part.len || r->part_dropped)
        rc = redact_line(r, r->part.p, r->part.len, r->part_dropped, out, NULL);
    wf_buf_reset(&r->part);
    r->part_dropped = 0;
    if (r->in_block)
        close_block(r);
    return rc;
}
