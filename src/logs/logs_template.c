/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Online template miner in the style of Drain (He et al., ICWS 2017). Each
 * line is masked by the text module, split into tokens and routed down a
 * fixed-depth tree: first by token count, then by its first tokens (tokens
 * holding "<*>" or digits share one wildcard child). The leaf holds clusters
 * whose template is compared position by position with the line; the most
 * similar cluster above the threshold absorbs the line and the positions
 * that differ become "<*>". Everything is bounded: tokens per line, clusters,
 * children per node and clusters scanned per leaf, so one add is linear in
 * the line.
 */
#include "logs.h"

#include <assert.h>
#include <string.h>

#define DEF_DEPTH 4u
#define DEF_SIM 0.5
#define DEF_CHILDREN 100u
#define MAX_DEPTH 16u
#define LEAF_SCAN 256u /* clusters compared per leaf, most recently used first */

static const char WILD[] = "<*>";

struct tok {
    const char *p; /* into the cluster's text, or WILD */
    uint32_t len;  /* bytes */
    uint32_t wild; /* 1 when the position is a variable */
    uint64_t h;    /* hash of the bytes, 0 for wildcards */
};

struct cluster {
    char *text;       /* owned copy of the first masked line the tokens point into */
    struct tok *toks; /* owned, n_toks entries */
    uint32_t n_toks;
    uint32_t n_wild; /* wildcard positions */
    size_t size;     /* lines that joined */
    uint32_t leaf;   /* index of its leaf node */
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
    uint32_t *clusters; /* owned; leaves: cluster ids, most recently used first */
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
        t->h = t->wild ? 0 : wf_hash64(t->p, t->len, 0x7e3a) | 1;
    }
    *n = (uint32_t)k;
    return WF_OK;
}

/* Tokens that vary between lines of one event go under the wildcard child. */
static int routes_wild(const struct tok *t)
{
    if (t->wild)
        return 1;
    for (uint32_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->p[i];
        if ((c >= '0' && c <= '9') || (c == '<' && i + 2 < t->len && t->p[i + 1] == '*'))
            return 1;
    }
    return 0;
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

/* Similarity of a line to a cluster: positions that agree over length. A
 * template wildcard agrees with a masked value in the line (both are
 * variables), but not with a word: a wildcard absorbs anything, so counting
 * it for every token would let one loose template swallow unrelated lines. */
static double similarity(const struct cluster *c, const struct tok *line, uint32_t n,
                         uint32_t *n_wild)
{
    uint32_t same = 0;
    *n_wild = c->n_wild;
    if (n == 0)
        return 1.0;
    for (uint32_t i = 0; i < n; i++) {
        const struct tok *a = &c->toks[i], *b = &line[i];
        if (a->wild)
            same += b->wild;
        else if (a->h == b->h && a->len == b->len && memcmp(a->p, b->p, a->len) == 0)
            same++;
    }
    return (double)same / (double)n;
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

static int best_in_leaf(const struct wf_logs_miner *m, uint32_t leaf, const struct tok *line,
                        uint32_t n, size_t *pos)
{
    const struct node *nd = &m->nodes[leaf];
    double best = -1.0;
    uint32_t best_wild = 0;
    int found = 0;
    size_t scan = nd->n_clusters < LEAF_SCAN ? nd->n_clusters : LEAF_SCAN;
    for (size_t i = 0; i < scan; i++) {
        uint32_t w = 0;
        double s = similarity(&m->cl[nd->clusters[i]], line, n, &w);
        if (s > best || (s == best && w < best_wild)) {
            best = s;
            best_wild = w;
            *pos = i;
            found = 1;
        }
    }
    return found && best >= m->sim;
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
    wf_free(m->line);
    wf_buf_cleanup(&m->scratch);
    wf_free(m);
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
    memmove(nd->clusters + 1, nd->clusters, nd->n_clusters * sizeof(*nd->clusters));
    nd->clusters[0] = (uint32_t)m->n_cl;
    nd->n_clusters++;
    struct cluster *c = &m->cl[m->n_cl];
    c->text = text;
    c->toks = toks;
    c->n_toks = n;
    c->n_wild = 0;
    for (uint32_t i = 0; i < n; i++)
        c->n_wild += toks[i].wild;
    c->size = 1;
    c->leaf = leaf;
    *id = (uint32_t)m->n_cl++;
    return WF_OK;
fail:
    /* Nodes created on the way stay: they are empty and harmless. */
    wf_free(text);
    wf_free(toks);
    return rc;
}

int wf_logs_miner_add(struct wf_logs_miner *m, const char *s, size_t len, uint32_t *cluster)
{
    uint32_t n = 0;
    int rc = prepare(&m->scratch, m->line, s, len, &n);
    if (rc)
        return rc;
    uint32_t leaf = descend(m, m->line, n);
    size_t pos = 0;
    if (leaf != UINT32_MAX && best_in_leaf(m, leaf, m->line, n, &pos)) {
        struct node *nd = &m->nodes[leaf];
        uint32_t id = nd->clusters[pos];
        struct cluster *c = &m->cl[id];
        for (uint32_t i = 0; i < n; i++) {
            struct tok *a = &c->toks[i];
            const struct tok *b = &m->line[i];
            if (a->wild)
                continue;
            if (a->h != b->h || a->len != b->len || memcmp(a->p, b->p, a->len) != 0) {
                a->p = WILD;
                a->len = 3;
                a->wild = 1;
                a->h = 0;
                c->n_wild++;
            }
        }
        c->size++;
        /* Move to front so busy clusters are compared first. */
        memmove(nd->clusters + 1, nd->clusters, pos * sizeof(*nd->clusters));
        nd->clusters[0] = id;
        *cluster = id;
        return WF_OK;
    }
    return new_cluster(m, m->line, n, cluster);
}

int wf_logs_miner_match(const struct wf_logs_miner *m, const char *s, size_t len, uint32_t *cluster)
{
    /* Own scratch, so concurrent matches on an unchanging miner are safe. */
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
    if (leaf == UINT32_MAX || !best_in_leaf(m, leaf, line, n, &pos)) {
        rc = WF_ENOENT;
        goto out;
    }
    *cluster = m->nodes[leaf].clusters[pos];
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
