/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Online template miner in the style of Drain (He et al., ICWS 2017). Each
 * line is masked by the text module, split into tokens and routed down a
 * fixed-depth tree: first by token count, then by its first tokens (tokens
 * holding "<*>" or digits share one wildcard child). The leaf holds clusters
 * whose template is compared position by position with the line; the most
 * similar cluster above the threshold absorbs the line and the positions
 * that differ become "<*>". A line that fits no cluster of its length may
 * still join one of another length whose tokens it contains in order (or
 * that contains its tokens), so optional parts such as "(1.2 KB)" do not
 * split an event. Everything is bounded: tokens per line, clusters, children
 * per node and clusters scanned per leaf or bucket, so one add is linear in
 * the line.
 */
#include "logs.h"

#include <assert.h>
#include <string.h>

#define DEF_DEPTH 4u
#define DEF_SIM 0.7
#define DEF_CHILDREN 100u
#define MAX_DEPTH 16u
#define LEAF_SCAN 256u      /* clusters compared per leaf or bucket, most recently used */
#define FLEX_MIN_WORDS 2u   /* words a line must share with a template of another length */
#define FLEX_MAX_TOKENS 64u /* longest line or template compared across lengths */

static const char WILD[] = "<*>";

struct tok {
    const char *p; /* into the cluster's text, or WILD */
    uint32_t len;  /* bytes */
    uint16_t wild; /* 1 when the token is exactly "<*>" */
    uint16_t var;  /* 1 when the token holds "<*>" (a value with punctuation) */
    uint64_t h;    /* hash of the bytes, 0 for wildcards */
};

struct cluster {
    char *text;       /* owned copy of the first masked line the tokens point into */
    struct tok *toks; /* owned, n_toks entries */
    uint32_t n_toks;
    uint32_t n_wild; /* wildcard positions */
    size_t size;     /* lines that joined */
    uint32_t leaf;   /* index of its leaf node */
    uint64_t key;    /* bucket key: first-token route */
};

/* Clusters by the route of their first token, any length: the candidates
 * for a line whose length has no fitting cluster. */
struct bucket {
    uint64_t key;  /* 0 = empty slot */
    uint32_t *ids; /* owned, most recently used last */
    size_t n, cap;
};

struct edge {
    uint64_t h;     /* hash of the token, 0 for the wildcard child */
    char *p;        /* owned copy of the token, NULL for the wildcard child */
    uint32_t len;   /* bytes */
    uint32_t child; /* node index */
};

struct node {
    struct edge *edges; /* owned; internal nodes */
    size_t n_edges, cap_edges;
    uint32_t *clusters; /* owned; leaves: cluster ids, most recently used last */
    size_t n_clusters, cap_clusters;
};

struct wf_logs_miner {
    unsigned depth;        /* token levels below the length level */
    double sim;            /* similarity threshold */
    unsigned max_children; /* per internal node */
    struct node *nodes;    /* node 0..WF_LIMIT_TOKENS: length level roots */
    size_t n_nodes, cap_nodes;
    struct cluster *cl;
    size_t n_cl, cap_cl;
    struct bucket *buckets; /* open addressing, power-of-two size */
    size_t n_buckets, cap_buckets;
    struct wf_buf scratch; /* masked line */
    struct tok *line;      /* WF_LIMIT_TOKENS scratch tokens */
};

/* Masks and splits a line into `line` (WF_LIMIT_TOKENS entries); tokens
 * point into `scratch`. Tokens past the limit are dropped. */
static int prepare(struct wf_buf *scratch, struct tok *line, const char *s, size_t len, uint32_t *n)
{
    struct wf_str ts[WF_LIMIT_TOKENS];
    wf_buf_reset(scratch);
    if (len > WF_LIMIT_LINE_BYTES)
        len = WF_LIMIT_LINE_BYTES;
    int rc = wf_text_mask(s, len, scratch);
    if (rc)
        return rc;
    size_t k =
        wf_text_tokenize(scratch->p ? scratch->p : "", scratch->len, ts, WF_LIMIT_TOKENS, NULL);
    for (size_t i = 0; i < k; i++) {
        struct tok *t = &line[i];
        t->p = ts[i].p;
        t->len = (uint32_t)ts[i].len;
        t->wild = ts[i].len == 3 && memcmp(ts[i].p, WILD, 3) == 0;
        t->var = t->wild;
        for (uint32_t j = 0; j + 2 < t->len && !t->var; j++)
            t->var = t->p[j] == '<' && t->p[j + 1] == '*' && t->p[j + 2] == '>';
        t->h = t->wild ? 0 : wf_hash64(t->p, t->len, 0x7e3a) | 1;
    }
    *n = (uint32_t)k;
    return WF_OK;
}

/* Tokens that vary between lines of one event go under the wildcard child. */
static int routes_wild(const struct tok *t)
{
    unsigned dots = 0;
    if (t->wild)
        return 1;
    for (uint32_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->p[i];
        if ((c >= '0' && c <= '9') || (c == '<' && i + 2 < t->len && t->p[i + 1] == '*'))
            return 1;
        dots += c == '.' && i > 0 && i + 1 < t->len && t->p[i + 1] != '.';
    }
    /* Dotted names (hosts, packages, bundle ids: "com.apple.x.y:") are as
     * often parameters as not; routing on them would split events. */
    return dots >= 2;
}

static const struct edge *find_edge(const struct node *nd, uint64_t h, const char *p, uint32_t len)
{
    for (size_t i = 0; i < nd->n_edges; i++) {
        const struct edge *e = &nd->edges[i];
        if (e->h == h && e->len == len && (e->p == NULL || memcmp(e->p, p, len) == 0))
            return e;
    }
    return NULL;
}

static int tok_eq(const struct tok *a, const struct tok *b)
{
    return !a->wild && a->h == b->h && a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Similarity of a same-length line to a cluster: the share of agreeing
 * positions among those that carry evidence. Where both sides hold a value
 * (a template wildcard against a masked token, or the same "<*>:"-like token)
 * the position says nothing and is left out; a wildcard against a word is a
 * disagreement. */
static double similarity(const struct cluster *c, const struct tok *line, uint32_t n)
{
    uint32_t same = 0, skip = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct tok *a = &c->toks[i], *b = &line[i];
        int eq = tok_eq(a, b);
        if ((a->wild && b->var) || (b->wild && a->var) || (eq && a->var))
            skip++;
        else
            same += eq;
    }
    return skip == n ? 1.0 : (double)same / (double)(n - skip);
}

/* The join rule: more than `sim` of the evidence agrees (all of it when sim
 * is 1). Strictly more, so a line agreeing on exactly half its words with
 * a template ("... Bye Bye [preauth]" / "... disconnected by user") stays
 * apart at the default. */
static int joins(const struct wf_logs_miner *m, double s)
{
    return s > m->sim || s >= 1.0;
}

/* Walks the tree for a line without changing it; returns the leaf node or
 * UINT32_MAX when the path does not exist. */
static uint32_t descend(const struct wf_logs_miner *m, const struct tok *line, uint32_t n)
{
    uint32_t cur = n; /* length-level node */
    unsigned levels = m->depth - 2;
    for (unsigned d = 0; d < levels && d < n; d++) {
        const struct tok *t = &line[d];
        const struct edge *e = NULL;
        if (!routes_wild(t))
            e = find_edge(&m->nodes[cur], t->h, t->p, t->len);
        if (!e)
            e = find_edge(&m->nodes[cur], 0, NULL, 0);
        if (!e)
            return UINT32_MAX;
        cur = e->child;
    }
    return cur;
}

/* Id lists keep the most recently used id last: appending is amortised O(1)
 * and a touch moves an id from within the scanned tail, so both stay
 * bounded by LEAF_SCAN however long the list grows. */
static int list_push(uint32_t **ids, size_t *n, size_t *cap, uint32_t id)
{
    int rc = wf_grow((void **)ids, cap, *n + 1, sizeof(**ids), WF_LIMIT_TEMPLATES);
    if (rc)
        return rc;
    (*ids)[(*n)++] = id;
    return WF_OK;
}

static void list_touch(uint32_t *ids, size_t n, size_t pos)
{
    uint32_t id = ids[pos];
    memmove(ids + pos, ids + pos + 1, (n - 1 - pos) * sizeof(*ids));
    ids[n - 1] = id;
}

static int best_in_leaf(const struct wf_logs_miner *m, uint32_t leaf, const struct tok *line,
                        uint32_t n, size_t *pos)
{
    const struct node *nd = &m->nodes[leaf];
    double best = -1.0;
    uint32_t best_wild = 0;
    int found = 0;
    size_t scan = nd->n_clusters < LEAF_SCAN ? nd->n_clusters : LEAF_SCAN;
    for (size_t k = 0; k < scan; k++) {
        size_t i = nd->n_clusters - 1 - k;
        const struct cluster *c = &m->cl[nd->clusters[i]];
        if (c->n_toks != n)
            continue; /* grew to another length: reached through its bucket */
        double s = similarity(c, line, n);
        if (s > best || (s == best && c->n_wild < best_wild)) {
            best = s;
            best_wild = c->n_wild;
            *pos = i;
            found = 1;
        }
    }
    return found && joins(m, best);
}

static uint64_t bucket_key(const struct tok *line, uint32_t n)
{
    if (n == 0)
        return 1;
    return routes_wild(&line[0]) ? 2 : line[0].h | 3;
}

static const struct bucket *find_bucket(const struct wf_logs_miner *m, uint64_t key)
{
    if (m->cap_buckets == 0)
        return NULL;
    size_t mask = m->cap_buckets - 1;
    for (size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull) & mask;; i = (i + 1) & mask) {
        if (m->buckets[i].key == key)
            return &m->buckets[i];
        if (m->buckets[i].key == 0)
            return NULL;
    }
}

/* Can token `a` of the shorter side pair with `b` of the longer, and how
 * much is the pair worth: 2 for the same word, 1 for two values or a
 * template wildcard, 0 for no pair. */
static int pair_weight(const struct tok *a, const struct tok *b, int short_is_line)
{
    const struct tok *tpl = short_is_line ? b : a, *ln = short_is_line ? a : b;
    if (tok_eq(tpl, ln))
        return tpl->var ? 1 : 2;
    return tpl->wild || (tpl->var && ln->var) ? 1 : 0;
}

/* Aligns all of the shorter sequence to positions of the longer one, in
 * order, maximising the pair weights (dynamic programming, at most
 * FLEX_MAX_TOKENS squared steps). Marks the paired positions of the longer
 * side in `hit` and returns the number of same-word pairs, or -1 when the
 * shorter side cannot be placed. */
static long embed(const struct tok *sh, uint32_t ns, const struct tok *lo, uint32_t nl,
                  int short_is_line, unsigned char *hit)
{
    int16_t dp[FLEX_MAX_TOKENS + 1][FLEX_MAX_TOKENS + 1];
    assert(ns <= nl && nl <= FLEX_MAX_TOKENS);
    for (uint32_t j = 0; j <= nl; j++)
        dp[0][j] = 0;
    for (uint32_t i = 1; i <= ns; i++) {
        dp[i][i - 1] = -1;
        for (uint32_t j = i; j <= nl; j++) {
            int16_t best = j > i ? dp[i][j - 1] : -1;
            int w = pair_weight(&sh[i - 1], &lo[j - 1], short_is_line);
            if (w && dp[i - 1][j - 1] >= 0 && dp[i - 1][j - 1] + w > best)
                best = (int16_t)(dp[i - 1][j - 1] + w);
            dp[i][j] = best;
        }
    }
    if (dp[ns][nl] < 0)
        return -1;
    memset(hit, 0, nl);
    long words = 0;
    for (uint32_t i = ns, j = nl; i > 0; j--) {
        if (j > i && dp[i][j] == dp[i][j - 1])
            continue;
        hit[j - 1] = 1;
        words += pair_weight(&sh[i - 1], &lo[j - 1], short_is_line) == 2;
        i--;
    }
    return words;
}

/* 1 when every unpaired token on the longer side is a value: an optional
 * "(1.2 KB)" or "<1 sec" may come and go within one event, an extra word
 * ("for invalid user x" against "for x", "corrected over <*>" against
 * "corrected") marks another event. */
static int gaps_hold_values(const struct tok *lo, uint32_t nl, const unsigned char *hit)
{
    for (uint32_t j = 0; j < nl; j++)
        if (!hit[j] && !lo[j].var)
            return 0;
    return 1;
}

/* Checks a cluster of another length against a line; on a fit fills `hit`
 * (paired positions of the longer side) and returns its score, else -1. A
 * fit embeds the shorter side in the longer, pairs at least FLEX_MIN_WORDS
 * and half of the shorter side's words with the same words, leaves only
 * value-holding gaps, and covers more than `sim` of the longer length. */
static double flex_fit(const struct wf_logs_miner *m, const struct cluster *c,
                       const struct tok *line, uint32_t n, unsigned char *hit)
{
    if (c->n_toks == n || c->n_toks == 0 || n == 0 || c->n_toks > FLEX_MAX_TOKENS ||
        n > FLEX_MAX_TOKENS)
        return -1.0;
    int line_short = n < c->n_toks;
    const struct tok *sh = line_short ? line : c->toks, *lo = line_short ? c->toks : line;
    uint32_t ns = line_short ? n : c->n_toks, nl = line_short ? c->n_toks : n;
    double s = (double)ns / (double)nl;
    if (!joins(m, s))
        return -1.0;
    /* Linear necessary conditions first, so the quadratic alignment runs
     * only on real candidates: enough values on the longer side to fill the
     * gaps, and enough words of the shorter side possibly present in it. */
    uint32_t lo_values = 0;
    uint64_t seen = 0; /* one bit per word hash of the longer side */
    for (uint32_t j = 0; j < nl; j++) {
        lo_values += lo[j].var;
        if (!lo[j].var)
            seen |= 1ull << (lo[j].h & 63);
    }
    if (lo_values < nl - ns)
        return -1.0;
    long consts = 0, maybe = 0;
    for (uint32_t i = 0; i < ns; i++) {
        if (sh[i].var)
            continue;
        consts++;
        maybe += (long)((seen >> (sh[i].h & 63)) & 1);
    }
    if (maybe < (long)FLEX_MIN_WORDS || 2 * maybe < consts)
        return -1.0;
    long words = embed(sh, ns, lo, nl, line_short, hit);
    if (words < (long)FLEX_MIN_WORDS || 2 * words < consts || !gaps_hold_values(lo, nl, hit))
        return -1.0;
    return s;
}

/* Best cluster of another length for a line, among the most recently used
 * of its bucket. */
static int best_flex(const struct wf_logs_miner *m, const struct tok *line, uint32_t n,
                     unsigned char *hit, uint32_t *id)
{
    const struct bucket *b = find_bucket(m, bucket_key(line, n));
    double best = -1.0;
    int found = 0;
    if (!b || n == 0 || n > FLEX_MAX_TOKENS)
        return 0;
    size_t scan = b->n < LEAF_SCAN ? b->n : LEAF_SCAN;
    size_t best_size = 0;
    for (size_t k = 0; k < scan; k++) {
        size_t i = b->n - 1 - k;
        const struct cluster *c = &m->cl[b->ids[i]];
        double s = flex_fit(m, c, line, n, hit);
        /* Ties go to the bigger cluster, so one event does not end up in
         * two clusters with equal templates. */
        if (s >= 0 && (s > best || (s == best && c->size > best_size))) {
            best = s;
            best_size = c->size;
            *id = b->ids[i];
            found = 1;
        }
    }
    if (found)
        flex_fit(m, &m->cl[*id], line, n, hit); /* refill hit for the winner */
    return found;
}

int wf_logs_miner_new(const struct wf_logs_miner_opts *opts, struct wf_logs_miner **out)
{
    struct wf_logs_miner *m = wf_calloc(1, sizeof(*m));
    int rc = WF_ENOMEM;
    if (!m)
        return WF_ENOMEM;
    m->depth = opts && opts->depth ? opts->depth : DEF_DEPTH;
    m->sim = opts && opts->sim > 0 ? opts->sim : DEF_SIM;
    m->max_children = opts && opts->max_children ? opts->max_children : DEF_CHILDREN;
    if (m->depth < 2 || m->depth > MAX_DEPTH || m->sim > 1.0 || m->max_children < 2) {
        rc = WF_EINVAL;
        goto fail;
    }
    wf_buf_init(&m->scratch, 4 * WF_LIMIT_LINE_BYTES);
    m->line = wf_malloc(WF_LIMIT_TOKENS * sizeof(*m->line));
    if (!m->line)
        goto fail;
    rc = wf_grow((void **)&m->nodes, &m->cap_nodes, WF_LIMIT_TOKENS + 1, sizeof(*m->nodes),
                 SIZE_MAX / sizeof(*m->nodes));
    if (rc)
        goto fail;
    memset(m->nodes, 0, (WF_LIMIT_TOKENS + 1) * sizeof(*m->nodes));
    m->n_nodes = WF_LIMIT_TOKENS + 1;
    *out = m;
    return WF_OK;
fail:
    wf_logs_miner_free(m);
    return rc;
}

void wf_logs_miner_free(struct wf_logs_miner *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_nodes; i++) {
        for (size_t j = 0; j < m->nodes[i].n_edges; j++)
            wf_free(m->nodes[i].edges[j].p);
        wf_free(m->nodes[i].edges);
        wf_free(m->nodes[i].clusters);
    }
    wf_free(m->nodes);
    for (size_t i = 0; i < m->n_cl; i++) {
        wf_free(m->cl[i].text);
        wf_free(m->cl[i].toks);
    }
    wf_free(m->cl);
    for (size_t i = 0; i < m->cap_buckets; i++)
        wf_free(m->buckets[i].ids);
    wf_free(m->buckets);
    wf_free(m->line);
    wf_buf_cleanup(&m->scratch);
    wf_free(m);
}

/* Puts cluster `id` at the front of its bucket, creating the bucket (and
 * doubling the table at half load) as needed. */
static int bucket_add(struct wf_logs_miner *m, uint64_t key, uint32_t id)
{
    if (2 * (m->n_buckets + 1) > m->cap_buckets) {
        size_t ncap = m->cap_buckets ? 2 * m->cap_buckets : 64;
        struct bucket *nb = wf_calloc(ncap, sizeof(*nb));
        if (!nb)
            return WF_ENOMEM;
        for (size_t i = 0; i < m->cap_buckets; i++) {
            if (m->buckets[i].key == 0)
                continue;
            size_t j = (size_t)(m->buckets[i].key * 0x9e3779b97f4a7c15ull) & (ncap - 1);
            while (nb[j].key != 0)
                j = (j + 1) & (ncap - 1);
            nb[j] = m->buckets[i];
        }
        wf_free(m->buckets);
        m->buckets = nb;
        m->cap_buckets = ncap;
    }
    size_t mask = m->cap_buckets - 1, i = (size_t)(key * 0x9e3779b97f4a7c15ull) & mask;
    while (m->buckets[i].key != 0 && m->buckets[i].key != key)
        i = (i + 1) & mask;
    struct bucket *b = &m->buckets[i];
    int rc = list_push(&b->ids, &b->n, &b->cap, id);
    if (rc)
        return rc;
    if (b->key == 0) {
        b->key = key;
        m->n_buckets++;
    }
    return WF_OK;
}

/* Marks cluster `id` as just used in its bucket (when it is within the
 * scanned tail; older entries stay where they are). */
static void bucket_touch(struct wf_logs_miner *m, uint64_t key, uint32_t id)
{
    struct bucket *b = (struct bucket *)find_bucket(m, key);
    if (!b)
        return;
    size_t scan = b->n < LEAF_SCAN ? b->n : LEAF_SCAN;
    for (size_t k = 0; k < scan; k++) {
        if (b->ids[b->n - 1 - k] == id) {
            list_touch(b->ids, b->n, b->n - 1 - k);
            return;
        }
    }
}

static int add_node(struct wf_logs_miner *m, uint32_t *idx)
{
    int rc = wf_grow((void **)&m->nodes, &m->cap_nodes, m->n_nodes + 1, sizeof(*m->nodes),
                     (size_t)UINT32_MAX);
    if (rc)
        return rc;
    memset(&m->nodes[m->n_nodes], 0, sizeof(m->nodes[0]));
    *idx = (uint32_t)m->n_nodes++;
    return WF_OK;
}

/* Walks the tree for a new cluster, creating nodes as needed. A token goes
 * under the wildcard child when it looks variable or when the node is full. */
static int descend_create(struct wf_logs_miner *m, const struct tok *line, uint32_t n,
                          uint32_t *leaf)
{
    uint32_t cur = n;
    unsigned levels = m->depth - 2;
    int rc;
    for (unsigned d = 0; d < levels && d < n; d++) {
        const struct tok *t = &line[d];
        const struct edge *e = NULL;
        int wild = routes_wild(t);
        if (!wild)
            e = find_edge(&m->nodes[cur], t->h, t->p, t->len);
        if (!e) {
            /* Keep one slot for the wildcard child. */
            if (!wild && m->nodes[cur].n_edges + 1 >= m->max_children)
                wild = 1;
            if (wild)
                e = find_edge(&m->nodes[cur], 0, NULL, 0);
        }
        if (!e) {
            uint32_t child;
            char *copy = NULL;
            if (!wild && (copy = wf_strndup(t->p, t->len)) == NULL)
                return WF_ENOMEM;
            rc = add_node(m, &child);
            struct node *nd = &m->nodes[cur];
            if (rc == WF_OK)
                rc = wf_grow((void **)&nd->edges, &nd->cap_edges, nd->n_edges + 1,
                             sizeof(*nd->edges), m->max_children);
            if (rc) {
                wf_free(copy);
                return rc;
            }
            struct edge *ne = &nd->edges[nd->n_edges++];
            ne->h = wild ? 0 : t->h;
            ne->p = copy;
            ne->len = wild ? 0 : t->len;
            ne->child = child;
            e = ne;
        }
        cur = e->child;
    }
    *leaf = cur;
    return WF_OK;
}

/* Lists cluster `id` as most recent in the leaf its template routes to; a
 * template that grew to a new length is then found there directly. */
static int leaf_add(struct wf_logs_miner *m, uint32_t id)
{
    uint32_t leaf = 0;
    int rc = descend_create(m, m->cl[id].toks, m->cl[id].n_toks, &leaf);
    if (rc)
        return rc;
    return list_push(&m->nodes[leaf].clusters, &m->nodes[leaf].n_clusters,
                     &m->nodes[leaf].cap_clusters, id);
}

static int new_cluster(struct wf_logs_miner *m, const struct tok *line, uint32_t n, uint32_t *id)
{
    int rc = WF_ETOOBIG;
    if (m->n_cl >= WF_LIMIT_TEMPLATES)
        return WF_ETOOBIG;
    rc = wf_grow((void **)&m->cl, &m->cap_cl, m->n_cl + 1, sizeof(*m->cl), WF_LIMIT_TEMPLATES);
    if (rc)
        return rc;
    size_t bytes = m->scratch.len;
    char *text = wf_strndup(m->scratch.p ? m->scratch.p : "", bytes);
    struct tok *toks = wf_malloc((n ? n : 1) * sizeof(*toks));
    uint32_t leaf = 0;
    if (!text || !toks) {
        rc = WF_ENOMEM;
        goto fail;
    }
    for (uint32_t i = 0; i < n; i++) {
        toks[i] = line[i];
        if (!toks[i].wild)
            toks[i].p = text + (line[i].p - m->scratch.p);
        else
            toks[i].p = WILD;
    }
    rc = descend_create(m, toks, n, &leaf);
    if (rc)
        goto fail;
    struct node *nd = &m->nodes[leaf];
    rc = wf_grow((void **)&nd->clusters, &nd->cap_clusters, nd->n_clusters + 1,
                 sizeof(*nd->clusters), WF_LIMIT_TEMPLATES);
    if (rc)
        goto fail;
    uint64_t key = bucket_key(toks, n);
    if ((rc = bucket_add(m, key, (uint32_t)m->n_cl)) != WF_OK)
        goto fail;
    nd->clusters[nd->n_clusters++] = (uint32_t)m->n_cl; /* room reserved above */
    struct cluster *c = &m->cl[m->n_cl];
    c->text = text;
    c->toks = toks;
    c->n_toks = n;
    c->n_wild = 0;
    for (uint32_t i = 0; i < n; i++)
        c->n_wild += toks[i].wild;
    c->size = 1;
    c->leaf = leaf;
    c->key = key;
    *id = (uint32_t)m->n_cl++;
    return WF_OK;
fail:
    /* Nodes created on the way stay: they are empty and harmless. */
    wf_free(text);
    wf_free(toks);
    return rc;
}

/* Joins a line to a cluster of another length (found by best_flex, whose
 * `hit` marks the matched positions of the longer side). The template takes
 * the longer shape; positions present on one side only become "<*>". */
static int join_flex(struct cluster *c, const struct tok *line, uint32_t n,
                     const unsigned char *hit)
{
    if (c->n_toks > n) {
        for (uint32_t j = 0; j < c->n_toks; j++) {
            struct tok *a = &c->toks[j];
            if (!hit[j] && !a->wild) {
                *a = (struct tok){WILD, 3, 1, 1, 0};
                c->n_wild++;
            }
        }
        return WF_OK;
    }
    struct tok *nt = wf_malloc(n * sizeof(*nt));
    if (!nt)
        return WF_ENOMEM;
    uint32_t i = 0;
    c->n_wild = 0;
    for (uint32_t j = 0; j < n; j++) {
        if (hit[j] && !c->toks[i].wild && tok_eq(&c->toks[i], &line[j]))
            nt[j] = c->toks[i];
        else
            nt[j] = (struct tok){WILD, 3, 1, 1, 0};
        i += hit[j];
        c->n_wild += nt[j].wild;
    }
    wf_free(c->toks);
    c->toks = nt;
    c->n_toks = n;
    return WF_OK;
}

int wf_logs_miner_add(struct wf_logs_miner *m, const char *s, size_t len, uint32_t *cluster)
{
    unsigned char hit[WF_LIMIT_TOKENS];
    uint32_t n = 0, id = 0;
    int rc = prepare(&m->scratch, m->line, s, len, &n);
    if (rc)
        return rc;
    uint32_t leaf = descend(m, m->line, n);
    size_t pos = 0;
    if (leaf != UINT32_MAX && best_in_leaf(m, leaf, m->line, n, &pos)) {
        struct node *nd = &m->nodes[leaf];
        id = nd->clusters[pos];
        struct cluster *c = &m->cl[id];
        for (uint32_t i = 0; i < n; i++) {
            struct tok *a = &c->toks[i];
            if (!a->wild && !tok_eq(a, &m->line[i])) {
                *a = (struct tok){WILD, 3, 1, 1, 0};
                c->n_wild++;
            }
        }
        list_touch(nd->clusters, nd->n_clusters, pos); /* busy clusters are compared first */
    } else if (best_flex(m, m->line, n, hit, &id)) {
        struct cluster *c = &m->cl[id];
        uint32_t old_n = c->n_toks;
        if ((rc = join_flex(c, m->line, n, hit)) != WF_OK)
            return rc;
        if (c->n_toks != old_n && (rc = leaf_add(m, id)) != WF_OK)
            return rc;
    } else {
        return new_cluster(m, m->line, n, cluster);
    }
    m->cl[id].size++;
    bucket_touch(m, m->cl[id].key, id);
    *cluster = id;
    return WF_OK;
}

int wf_logs_miner_match(const struct wf_logs_miner *m, const char *s, size_t len, uint32_t *cluster)
{
    /* Own scratch, so concurrent matches on an unchanging miner are safe. */
    unsigned char hit[WF_LIMIT_TOKENS];
    struct wf_buf scratch;
    uint32_t n = 0;
    size_t pos = 0;
    struct tok *line = wf_malloc(WF_LIMIT_TOKENS * sizeof(*line));
    if (!line)
        return WF_ENOMEM;
    wf_buf_init(&scratch, 4 * WF_LIMIT_LINE_BYTES);
    int rc = prepare(&scratch, line, s, len, &n);
    if (rc)
        goto out;
    uint32_t leaf = descend(m, line, n);
    uint32_t id = 0;
    if (leaf != UINT32_MAX && best_in_leaf(m, leaf, line, n, &pos))
        *cluster = m->nodes[leaf].clusters[pos];
    else if (best_flex(m, line, n, hit, &id))
        *cluster = id;
    else
        rc = WF_ENOENT;
out:
    wf_buf_cleanup(&scratch);
    wf_free(line);
    return rc;
}

int wf_logs_miner_template(const struct wf_logs_miner *m, uint32_t cluster, struct wf_buf *out)
{
    if (cluster >= m->n_cl)
        return WF_EINVAL;
    const struct cluster *c = &m->cl[cluster];
    size_t saved = out->len;
    int rc = WF_OK;
    for (uint32_t i = 0; i < c->n_toks && rc == WF_OK; i++) {
        if (i > 0)
            rc = wf_buf_putc(out, ' ');
        if (rc == WF_OK)
            rc = wf_buf_append(out, c->toks[i].p, c->toks[i].len);
    }
    if (rc) {
        out->len = saved;
        if (out->p)
            out->p[saved] = '\0';
    }
    return rc;
}

size_t wf_logs_miner_cluster_size(const struct wf_logs_miner *m, uint32_t cluster)
{
    return cluster < m->n_cl ? m->cl[cluster].size : 0;
}

size_t wf_logs_miner_count(const struct wf_logs_miner *m)
{
    return m->n_cl;
}
