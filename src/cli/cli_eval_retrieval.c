/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai eval retrieval --docs DIR --queries FILE`: indexes a folder of
 * documents with the search module, runs labelled queries (JSON lines:
 * {"id", "query", "relevant": [{"doc", "line" | "heading"}]}) in keyword,
 * semantic and hybrid mode (both fusions) and prints nDCG@10, Recall@5 and
 * MRR. A retrieved chunk answers a label when it comes from the label's
 * document and its line range holds the label's line, or its heading path
 * is (or ends with) the label's heading. Chunk text passes through the
 * redactor before it is embedded or indexed, as everywhere else.
 */
#include "cli_int.h"
#include "embed/embed.h"
#include "redact/redact.h"
#include "search/search.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 16
#define MAX_QUERIES 10000
#define EMBED_BATCH 64

struct label {
    char *doc;
    char *heading; /* NULL when by line */
    long line;
};

struct query {
    char *id, *text;
    struct label labels[MAX_LABELS];
    size_t n_labels;
};

struct metrics {
    double ndcg, recall, mrr;
    double ms; /* total query time */
};

static const struct {
    const char *name;
    enum wf_search_mode mode;
    enum wf_search_fusion fusion;
} configs[] = {
    {"keyword", WF_SEARCH_KEYWORD, WF_FUSION_RRF},
    {"semantic", WF_SEARCH_SEMANTIC, WF_FUSION_RRF},
    {"hybrid-rrf", WF_SEARCH_HYBRID, WF_FUSION_RRF},
    {"hybrid-weighted", WF_SEARCH_HYBRID, WF_FUSION_WEIGHTED},
};
#define N_CONFIGS (sizeof(configs) / sizeof(configs[0]))

static void usage(FILE *f)
{
    fprintf(f,
            "usage: workflowai eval retrieval --docs DIR --queries FILE [options]\n\n"
            "Indexes every .md/.txt/.html/.pdf file of DIR, runs the labelled queries\n"
            "(JSON lines: {\"id\",\"query\",\"relevant\":[{\"doc\",\"line\"|\"heading\"}]})\n"
            "and prints nDCG@10, Recall@5 and MRR for keyword, semantic and hybrid\n"
            "search (reciprocal-rank and weighted fusion).\n\n"
            "  --embed builtin|openai  embedding provider (default builtin)\n"
            "  --dim N                 builtin embedding dimension (default %u)\n"
            "  --embed-url URL         openai: base URL, e.g. http://127.0.0.1:11434/v1\n"
            "  --embed-model NAME      openai: model name (key from WORKFLOWAI_EMBED_API_KEY)\n"
            "  --top-k N               results retrieved per query (default 10, >= 10)\n"
            "  --target BYTES          chunk target size (default 800)\n"
            "  --max BYTES             chunk maximum size (default 1600)\n"
            "  --overlap BYTES         chunk overlap (default 200)\n"
            "  --weight W              keyword weight of weighted fusion (default 0.5)\n"
            "  --format text|json      output format (default text)\n"
            "  --show-misses           list queries hybrid-rrf misses in its top 5\n",
            WF_EMBED_BUILTIN_DIM);
}

static void queries_free(struct query *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wf_free(q[i].id);
        wf_free(q[i].text);
        for (size_t k = 0; k < q[i].n_labels; k++) {
            wf_free(q[i].labels[k].doc);
            wf_free(q[i].labels[k].heading);
        }
    }
    wf_free(q);
}

static char *dup_c(const char *s)
{
    return wf_strndup(s, strlen(s));
}

static int load_queries(const char *path, struct query **out, size_t *n)
{
    char *data = NULL;
    size_t len = 0, cap = 0, cnt = 0;
    struct query *q = NULL;
    int rc = wf_read_file(path, WF_LIMIT_JSON_BYTES, &data, &len);
    if (rc)
        return wf_cli__fail(rc, "eval retrieval", "%s: %s", path, wf_strerror(rc)), rc;
    size_t lineno = 0;
    for (char *p = data; p < data + len && !rc;) {
        char *e = memchr(p, '\n', (size_t)(data + len - p));
        size_t ll = e ? (size_t)(e - p) : (size_t)(data + len - p);
        lineno++;
        json_error_t je;
        json_t *j = NULL;
        size_t ws = 0;
        while (ws < ll && (p[ws] == ' ' || p[ws] == '\t' || p[ws] == '\r'))
            ws++;
        if (ws == ll)
            goto next;
        j = json_loadb(p, ll, 0, &je);
        const char *id = json_string_value(json_object_get(j, "id"));
        const char *text = json_string_value(json_object_get(j, "query"));
        json_t *rel = json_object_get(j, "relevant");
        if (!j || !id || !text || !json_is_array(rel) || json_array_size(rel) == 0 ||
            json_array_size(rel) > MAX_LABELS) {
            wf_cli__fail(1, "eval retrieval",
                         "%s:%zu: want {\"id\", \"query\", \"relevant\": [1..%d labels]}", path,
                         lineno, MAX_LABELS);
            rc = WF_EFORMAT;
        } else if ((rc = wf_grow((void **)&q, &cap, cnt + 1, sizeof(*q), MAX_QUERIES))) {
            wf_cli__fail(1, "eval retrieval", "%s: too many queries", path);
        } else {
            struct query *qq = &q[cnt++];
            memset(qq, 0, sizeof(*qq));
            qq->id = dup_c(id);
            qq->text = dup_c(text);
            for (size_t k = 0; k < json_array_size(rel) && !rc; k++) {
                json_t *r = json_array_get(rel, k);
                const char *doc = json_string_value(json_object_get(r, "doc"));
                const char *heading = json_string_value(json_object_get(r, "heading"));
                json_t *line = json_object_get(r, "line");
                if (!doc || (!heading && !json_is_integer(line))) {
                    wf_cli__fail(1, "eval retrieval",
                                 "%s:%zu: a label needs \"doc\" and \"line\" or \"heading\"", path,
                                 lineno);
                    rc = WF_EFORMAT;
                    break;
                }
                struct label *lb = &qq->labels[qq->n_labels++];
                lb->doc = dup_c(doc);
                lb->heading = heading ? dup_c(heading) : NULL;
                lb->line = heading ? 0 : (long)json_integer_value(line);
            }
        }
        json_decref(j);
    next:
        p = e ? e + 1 : data + len;
    }
    wf_free(data);
    if (!rc && !cnt) {
        wf_cli__fail(1, "eval retrieval", "%s: no queries", path);
        rc = WF_EEMPTY;
    }
    if (rc) {
        queries_free(q, cnt);
        return rc;
    }
    *out = q;
    *n = cnt;
    return WF_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct corpus {
    char **names; /* owned, sorted */
    size_t n;
    size_t chunks, bytes;
};

/* Replaces a chunk's text by its redacted form (line by line, so line
 * ranges stay true). */
static int redact_chunk(struct wf_redactor *r, struct wf_search_chunk *c)
{
    struct wf_buf out;
    wf_buf_init(&out, WF_SEARCH_MAX_DOC_BYTES);
    int rc = wf_redact_feed(r, c->text, c->len, &out);
    if (!rc)
        rc = wf_redact_finish(r, &out);
    if (!rc) {
        char *t = wf_buf_detach(&out);
        if (!t) {
            rc = WF_ENOMEM;
        } else {
            wf_free(c->text);
            c->text = t;
            c->len = strlen(t);
        }
    }
    wf_buf_cleanup(&out);
    return rc;
}

/* Chunks, embeds and indexes every document of dir. */
static int build(const char *dir, const struct wf_search_chunk_opts *o, struct wf_embed *emb,
                 struct wf_search_index *ix, struct corpus *cp)
{
    DIR *d = opendir(dir);
    if (!d)
        return wf_cli__fail(1, "eval retrieval", "%s: cannot open directory", dir), WF_ENOENT;
    struct dirent *de;
    size_t cap = 0;
    int rc = WF_OK;
    while ((de = readdir(d)) && !rc) {
        enum wf_doc_format f;
        if (de->d_name[0] == '.' || wf_doc_format_from_name(de->d_name, &f) != WF_OK)
            continue;
        rc = wf_grow((void **)&cp->names, &cap, cp->n + 1, sizeof(char *), 100000);
        if (!rc && !(cp->names[cp->n] = dup_c(de->d_name)))
            rc = WF_ENOMEM;
        if (!rc)
            cp->n++;
    }
    closedir(d);
    if (rc)
        return rc;
    qsort(cp->names, cp->n, sizeof(char *), cmp_str);
    struct wf_buf err, passage;
    struct wf_redact_opts ro;
    struct wf_redactor *red = NULL;
    wf_redact_opts_init(&ro);
    if ((rc = wf_redact_new(&ro, &red)))
        return wf_cli__fail(1, "eval retrieval", "redactor: %s", wf_strerror(rc)), rc;
    wf_buf_init(&err, 4096);
    wf_buf_init(&passage, 1u << 24);
    for (size_t i = 0; i < cp->n && !rc; i++) {
        char path[WF_LIMIT_PATH_BYTES];
        char *data = NULL;
        size_t len = 0;
        struct wf_search_chunk *c = NULL;
        size_t n = 0;
        float *vecs = NULL;
        struct wf_str *texts = NULL;
        enum wf_doc_format f;
        (void)wf_doc_format_from_name(cp->names[i], &f);
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, cp->names[i]) >= sizeof(path))
            rc = WF_ETOOBIG;
        if (!rc)
            rc = wf_read_file(path, WF_SEARCH_MAX_DOC_BYTES, &data, &len);
        if (!rc)
            rc = wf_search_chunk_document(f, data, len, o, &c, &n, &err);
        if (rc) {
            wf_cli__fail(1, "eval retrieval", "%s: %s", path, err.len ? err.p : wf_strerror(rc));
            goto next;
        }
        for (size_t k = 0; k < n && !rc; k++)
            rc = redact_chunk(red, &c[k]);
        if (rc) {
            wf_cli__fail(1, "eval retrieval", "%s: redaction: %s", path, wf_strerror(rc));
            goto next;
        }
        cp->chunks += n;
        cp->bytes += len;
        size_t dim = wf_embed_dim(emb);
        if (emb && n) {
            /* a chunk is embedded with its heading path: the words that say
             * what the passage is about are often only there */
            char **owned = wf_calloc(n, sizeof(char *));
            texts = wf_calloc(n, sizeof(*texts));
            if (!owned || !texts)
                rc = WF_ENOMEM;
            for (size_t k = 0; k < n && !rc; k++) {
                wf_buf_reset(&passage);
                if (wf_buf_appendf(&passage, "%s\n%s", c[k].heading, c[k].text) ||
                    !(owned[k] = wf_strndup(passage.p, passage.len)))
                    rc = WF_ENOMEM;
                else
                    texts[k] = (struct wf_str){owned[k], passage.len};
            }
            if (!rc && !dim) { /* a provider whose dimension is learnt on the first call */
                float probe[WF_EMBED_MAX_DIM];
                rc = wf_embed_texts(emb, texts, 1, probe, &err);
                dim = wf_embed_dim(emb);
            }
            if (!rc && !(vecs = wf_malloc(n * dim * sizeof(float))))
                rc = WF_ENOMEM;
            for (size_t k = 0; k < n && !rc; k += EMBED_BATCH) {
                size_t m = n - k < EMBED_BATCH ? n - k : EMBED_BATCH;
                rc = wf_embed_texts(emb, texts + k, m, vecs + k * dim, &err);
            }
            for (size_t k = 0; owned && k < n; k++)
                wf_free(owned[k]);
            wf_free(owned);
            if (rc) {
                wf_cli__fail(1, "eval retrieval", "%s: embedding: %s", path,
                             err.len ? err.p : wf_strerror(rc));
                goto next;
            }
        }
        rc = wf_search_index_put(ix, (int64_t)i + 1, cp->names[i], c, n, vecs,
                                 emb ? wf_embed_model(emb) : NULL);
        if (rc)
            wf_cli__fail(1, "eval retrieval", "%s: index: %s", path, wf_strerror(rc));
    next:
        wf_free(texts);
        wf_free(vecs);
        wf_search_chunks_free(c, n);
        wf_free(data);
    }
    wf_buf_cleanup(&err);
    wf_buf_cleanup(&passage);
    wf_redact_free(red);
    return rc;
}

static int answers(const struct wf_search_hit *h, const struct label *l)
{
    if (strcmp(h->doc_name, l->doc) != 0)
        return 0;
    if (!l->heading)
        return l->line >= h->line_start && l->line <= h->line_end;
    size_t hl = strlen(h->heading), ll = strlen(l->heading);
    if (hl == ll)
        return strcmp(h->heading, l->heading) == 0;
    return hl > ll + 3 && strcmp(h->heading + hl - ll, l->heading) == 0 &&
           memcmp(h->heading + hl - ll - 3, " > ", 3) == 0;
}

/* nDCG@10 (a label counts once, at its first answering hit), Recall@5 (share
 * of labels answered in the top 5), reciprocal rank of the first answer. */
static void score(const struct query *q, const struct wf_search_hit *h, size_t n, double *ndcg,
                  double *recall, double *rr)
{
    int found[MAX_LABELS] = {0};
    double dcg = 0, idcg = 0;
    size_t in5 = 0;
    *rr = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        int gain = 0;
        for (size_t k = 0; k < q->n_labels; k++)
            if (!found[k] && answers(&h[i], &q->labels[k])) {
                found[k] = 1;
                gain = 1;
                if (i < 5)
                    in5++;
            }
        if (gain) {
            dcg += 1.0 / log2((double)i + 2);
            if (*rr == 0)
                *rr = 1.0 / (double)(i + 1);
        }
    }
    for (size_t i = 0; i < q->n_labels && i < 10; i++)
        idcg += 1.0 / log2((double)i + 2);
    *ndcg = idcg > 0 ? dcg / idcg : 0;
    *recall = (double)in5 / (double)q->n_labels;
}

static int parse_size(const char *opt, const char *v, long min, long max, long *out)
{
    if (!v || wf_parse_long(v, min, max, out) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval", "%s needs a number in %ld..%ld",
                            opt, min, max);
    return 0;
}

int wf_cli__eval_retrieval(int argc, char **argv)
{
    const char *docs = NULL, *queries = NULL, *embed = "builtin", *url = NULL, *model = NULL;
    const char *format = "text";
    long top_k = 10, dim = WF_EMBED_BUILTIN_DIM;
    double weight = WF_SEARCH_KEYWORD_WEIGHT;
    int show_misses = 0;
    struct wf_search_chunk_opts o;
    wf_search_chunk_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long x;
        if (wf_cli__is_help(a)) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        } else if (strcmp(a, "--show-misses") == 0) {
            show_misses = 1;
            continue;
        } else if (!v) {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval",
                                "unknown or incomplete "
                                "option '%s'",
                                a);
        }
        i++;
        if (strcmp(a, "--docs") == 0)
            docs = v;
        else if (strcmp(a, "--queries") == 0)
            queries = v;
        else if (strcmp(a, "--embed") == 0)
            embed = v;
        else if (strcmp(a, "--embed-url") == 0)
            url = v;
        else if (strcmp(a, "--embed-model") == 0)
            model = v;
        else if (strcmp(a, "--format") == 0)
            format = v;
        else if (strcmp(a, "--top-k") == 0) {
            if (parse_size(a, v, 10, WF_SEARCH_MAX_TOP_K, &top_k))
                return WF_CLI_EXIT_USAGE;
        } else if (strcmp(a, "--dim") == 0) {
            if (parse_size(a, v, 16, WF_EMBED_MAX_DIM, &dim))
                return WF_CLI_EXIT_USAGE;
        } else if (strcmp(a, "--target") == 0) {
            if (parse_size(a, v, 64, 1 << 20, &x))
                return WF_CLI_EXIT_USAGE;
            o.target_bytes = (size_t)x;
        } else if (strcmp(a, "--max") == 0) {
            if (parse_size(a, v, 64, 1 << 20, &x))
                return WF_CLI_EXIT_USAGE;
            o.max_bytes = (size_t)x;
        } else if (strcmp(a, "--overlap") == 0) {
            if (parse_size(a, v, 0, 1 << 20, &x))
                return WF_CLI_EXIT_USAGE;
            o.overlap_bytes = (size_t)x;
        } else if (strcmp(a, "--weight") == 0) {
            char *end;
            weight = strtod(v, &end);
            if (*end || !(weight >= 0 && weight <= 1))
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval",
                                    "--weight needs a number in 0..1");
        } else {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval", "unknown option '%s'", a);
        }
    }
    if (!docs || !queries) {
        usage(stderr);
        return WF_CLI_EXIT_USAGE;
    }
    if (strcmp(format, "text") && strcmp(format, "json"))
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval", "--format is text or json");
    if (o.target_bytes > o.max_bytes)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval", "--target exceeds --max");

    struct wf_embed *emb = NULL;
    int rc;
    if (strcmp(embed, "builtin") == 0) {
        rc = wf_embed_builtin_dim((size_t)dim, &emb);
    } else if (strcmp(embed, "openai") == 0) {
        struct wf_embed_openai_config c = {url, getenv("WORKFLOWAI_EMBED_API_KEY"), model, 60000,
                                           EMBED_BATCH};
        if (!url || !model)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval",
                                "--embed openai needs --embed-url and --embed-model");
        rc = wf_embed_openai(&c, &emb);
    } else {
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval", "--embed is builtin or openai");
    }
    if (rc)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval retrieval", "embedding provider: %s",
                            wf_strerror(rc));

    struct query *qs = NULL;
    size_t nq = 0;
    struct corpus cp = {NULL, 0, 0, 0};
    struct wf_search_index *ix = NULL;
    struct metrics m[N_CONFIGS];
    memset(m, 0, sizeof(m));
    float *qv = NULL;
    int exit_code = WF_CLI_EXIT_FAIL;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    if (load_queries(queries, &qs, &nq))
        goto out;
    /* the index learns the dimension from the provider on the first document */
    uint64_t t0 = wf_now_ns();
    {
        struct wf_search_chunk probe = {0, (char *)"", 1, 1, (char *)"probe", 5};
        struct wf_str pt = {probe.text, probe.len};
        float pv[WF_EMBED_MAX_DIM];
        if ((rc = wf_embed_texts(emb, &pt, 1, pv, &err))) {
            wf_cli__fail(1, "eval retrieval", "embedding: %s", err.len ? err.p : wf_strerror(rc));
            goto out;
        }
    }
    if ((rc = wf_search_index_new(wf_embed_model(emb), wf_embed_dim(emb), &ix)))
        goto out;
    if (build(docs, &o, emb, ix, &cp))
        goto out;
    double index_ms = (double)(wf_now_ns() - t0) / 1e6;
    if (!cp.n) {
        wf_cli__fail(1, "eval retrieval", "%s: no documents", docs);
        goto out;
    }
    size_t dimv = wf_embed_dim(emb);
    if (!(qv = wf_malloc(dimv * sizeof(float))))
        goto out;
    for (size_t i = 0; i < nq; i++) {
        struct wf_str t = wf_str_c(qs[i].text);
        if ((rc = wf_embed_texts(emb, &t, 1, qv, &err))) {
            wf_cli__fail(1, "eval retrieval", "query %s: %s", qs[i].id,
                         err.len ? err.p : wf_strerror(rc));
            goto out;
        }
        for (size_t c = 0; c < N_CONFIGS; c++) {
            struct wf_search_query q = {qs[i].text,    qv,    configs[c].mode, configs[c].fusion,
                                        (size_t)top_k, weight};
            struct wf_search_hit *h;
            size_t n;
            uint64_t q0 = wf_now_ns();
            if ((rc = wf_search_index_query(ix, &q, &h, &n))) {
                wf_cli__fail(1, "eval retrieval", "query %s: %s", qs[i].id, wf_strerror(rc));
                goto out;
            }
            m[c].ms += (double)(wf_now_ns() - q0) / 1e6;
            double nd, rec, rr;
            score(&qs[i], h, n, &nd, &rec, &rr);
            m[c].ndcg += nd;
            m[c].recall += rec;
            m[c].mrr += rr;
            if (show_misses && c == 2 && rec < 1)
                printf("miss %s: %s -> %s:%u-%u [%s]\n", qs[i].id, qs[i].text,
                       n ? h[0].doc_name : "-", n ? h[0].line_start : 0, n ? h[0].line_end : 0,
                       n ? h[0].heading : "");
            wf_search_hits_free(h, n);
        }
    }
    for (size_t c = 0; c < N_CONFIGS; c++) {
        m[c].ndcg /= (double)nq;
        m[c].recall /= (double)nq;
        m[c].mrr /= (double)nq;
    }
    if (strcmp(format, "json") == 0) {
        printf("{\"docs\":%zu,\"chunks\":%zu,\"bytes\":%zu,\"queries\":%zu,\"embed\":\"%s\","
               "\"index_ms\":%.1f,\"modes\":{",
               cp.n, cp.chunks, cp.bytes, nq, wf_embed_model(emb), index_ms);
        for (size_t c = 0; c < N_CONFIGS; c++)
            printf("%s\"%s\":{\"ndcg@10\":%.4f,\"recall@5\":%.4f,\"mrr\":%.4f,"
                   "\"ms_per_query\":%.3f}",
                   c ? "," : "", configs[c].name, m[c].ndcg, m[c].recall, m[c].mrr,
                   m[c].ms / (double)nq);
        printf("}}\n");
    } else {
        printf("documents %zu, chunks %zu, %zu bytes, queries %zu, embedding %s\n", cp.n, cp.chunks,
               cp.bytes, nq, wf_embed_model(emb));
        printf("indexed (chunk + embed + index) in %.1f ms\n\n", index_ms);
        printf("%-16s %8s %9s %7s %9s\n", "mode", "nDCG@10", "Recall@5", "MRR", "ms/query");
        for (size_t c = 0; c < N_CONFIGS; c++)
            printf("%-16s %8.3f %9.3f %7.3f %9.3f\n", configs[c].name, m[c].ndcg, m[c].recall,
                   m[c].mrr, m[c].ms / (double)nq);
    }
    exit_code = WF_CLI_EXIT_OK;
out:
    wf_buf_cleanup(&err);
    wf_free(qv);
    wf_search_index_free(ix);
    for (size_t i = 0; i < cp.n; i++)
        wf_free(cp.names[i]);
    wf_free(cp.names);
    queries_free(qs, nq);
    wf_embed_free(emb);
    return exit_code;
}
