/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Search benchmark: builds N chunks from the eval documents (the real
 * chunks, then copies with ~15% of their words replaced from the corpus'
 * vocabulary by a fixed-seed generator), indexes them in our index and in
 * SQLite FTS5 (in memory, same texts, same run), and times queries: ours in
 * keyword, semantic and hybrid mode against FTS5 MATCH ... ORDER BY bm25
 * LIMIT 10. Prints indexing MB/s of text and query latency percentiles,
 * the recall@10 of the default semantic path (int8 prefilter + exact
 * rescore) against an exhaustive float scan, the exhaustive scan's latency,
 * and PASS/FAIL against the goals.
 *
 *   search_bench DOCS_DIR QUERIES_JSONL [N_CHUNKS [N_QUERIES]]
 */
#include <dirent.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embed/embed.h"
#include "search/search.h"
#include "text/text.h"

#define PER_DOC 20 /* chunks per indexed document */

static uint64_t rng_state = 20261123;

/* CPU seconds of this process: on a shared machine, wall time includes the
 * time other jobs held the cores. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the calling thread (per-query work without the waits). */
static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static void die(const char *what)
{
    fprintf(stderr, "search_bench: %s\n", what);
    exit(1);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct src {
    struct wf_search_chunk *c;
    size_t n, cap;
};

static void load_docs(const char *dir, struct src *s)
{
    DIR *d = opendir(dir);
    if (!d)
        die("cannot open the documents directory");
    char *names[256];
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nn < 256) {
        enum wf_doc_format f;
        if (de->d_name[0] != '.' && wf_doc_format_from_name(de->d_name, &f) == WF_OK)
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof(char *), cmp_str);
    for (size_t i = 0; i < nn; i++) {
        char path[4096];
        char *data;
        size_t len;
        enum wf_doc_format f;
        struct wf_search_chunk *c;
        size_t n;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        (void)wf_doc_format_from_name(names[i], &f);
        if (wf_read_file(path, WF_SEARCH_MAX_DOC_BYTES, &data, &len) ||
            wf_search_chunk_document(f, data, len, NULL, &c, &n, NULL))
            die("cannot read or chunk a document");
        if (wf_grow((void **)&s->c, &s->cap, s->n + n, sizeof(*c), SIZE_MAX / 64))
            die("out of memory");
        memcpy(s->c + s->n, c, n * sizeof(*c));
        s->n += n;
        wf_free(c); /* the strings now belong to s */
        wf_free(data);
        free(names[i]);
    }
}

/* Words of all source chunks (views into their text). */
struct vocab {
    struct wf_str *w;
    size_t n, cap;
};

static void build_vocab(const struct src *s, struct vocab *v)
{
    for (size_t i = 0; i < s->n; i++) {
        const char *p = s->c[i].text, *e = p + s->c[i].len;
        while (p < e) {
            while (p < e && (*p == ' ' || *p == '\n'))
                p++;
            const char *st = p;
            while (p < e && *p != ' ' && *p != '\n')
                p++;
            if (p > st) {
                if (wf_grow((void **)&v->w, &v->cap, v->n + 1, sizeof(*v->w), SIZE_MAX / 64))
                    die("out of memory");
                v->w[v->n++] = (struct wf_str){st, (size_t)(p - st)};
            }
        }
    }
}

/* A perturbed copy: each word replaced with probability 0.15. */
static char *perturb(const struct wf_search_chunk *c, const struct vocab *v, size_t *len)
{
    struct wf_buf b;
    wf_buf_init(&b, 1u << 20);
    const char *p = c->text, *e = p + c->len;
    while (p < e) {
        const char *st = p;
        while (p < e && *p != ' ' && *p != '\n')
            p++;
        if (p > st) {
            if (rnd() % 100 < 15) {
                struct wf_str w = v->w[rnd() % v->n];
                (void)wf_buf_append(&b, w.p, w.len);
            } else {
                (void)wf_buf_append(&b, st, (size_t)(p - st));
            }
        }
        const char *ws = p;
        while (p < e && (*p == ' ' || *p == '\n'))
            p++;
        (void)wf_buf_append(&b, ws, (size_t)(p - ws));
    }
    *len = b.len;
    return wf_buf_detach(&b);
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(double), cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

/* FTS5 query: the query's words, quoted, OR-ed (the same "any word" matching
 * as our keyword mode), without the English stopwords our tokenizer drops too. */
static void fts_query(const char *q, struct wf_buf *out)
{
    wf_buf_reset(out);
    const char *p = q;
    while (*p) {
        while (*p &&
               !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            p++;
        const char *st = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
            p++;
        char low[64];
        size_t n = (size_t)(p - st);
        if (n < sizeof(low)) {
            for (size_t i = 0; i < n; i++)
                low[i] = st[i] >= 'A' && st[i] <= 'Z' ? (char)(st[i] + 32) : st[i];
            if (wf_text_is_stopword(low, n))
                continue;
        }
        if (p > st) {
            if (out->len)
                (void)wf_buf_puts(out, " OR ");
            (void)wf_buf_appendf(out, "\"%.*s\"", (int)(p - st), st);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 3)
        die("usage: search_bench DOCS_DIR QUERIES_JSONL [N_CHUNKS [N_QUERIES]]");
    size_t n_chunks = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 100000;
    size_t n_queries = argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : 300;
    struct src s = {NULL, 0, 0};
    struct vocab v = {NULL, 0, 0};
    load_docs(argv[1], &s);
    build_vocab(&s, &v);

    /* queries */
    char *qdata;
    size_t qlen;
    if (wf_read_file(argv[2], 1u << 24, &qdata, &qlen))
        die("cannot read the queries");
    char **qs = NULL;
    size_t nq = 0, qcap = 0;
    for (char *p = qdata; p < qdata + qlen;) {
        char *e = memchr(p, '\n', (size_t)(qdata + qlen - p));
        size_t ll = e ? (size_t)(e - p) : (size_t)(qdata + qlen - p);
        json_t *j = json_loadb(p, ll, 0, NULL);
        const char *t = json_string_value(json_object_get(j, "query"));
        if (t) {
            if (wf_grow((void **)&qs, &qcap, nq + 1, sizeof(char *), 100000))
                die("out of memory");
            qs[nq++] = strdup(t);
        }
        json_decref(j);
        p = e ? e + 1 : qdata + qlen;
    }
    if (!nq)
        die("no queries");

    /* the chunk set: originals first, then perturbed copies */
    struct wf_search_chunk *c = calloc(n_chunks, sizeof(*c));
    size_t text_bytes = 0;
    for (size_t i = 0; i < n_chunks; i++) {
        const struct wf_search_chunk *o = &s.c[i % s.n];
        c[i] = *o;
        c[i].seq = (uint32_t)(i % PER_DOC);
        if (i >= s.n)
            c[i].text = perturb(o, &v, &c[i].len);
        text_bytes += c[i].len + strlen(c[i].heading);
    }
    double mb = (double)text_bytes / (1024.0 * 1024.0);
    printf("chunks %zu, text %.1f MiB (headings included), queries %zu\n", n_chunks, mb, n_queries);

    /* embeddings (built-in), timed on their own */
    struct wf_embed *emb;
    if (wf_embed_builtin(&emb))
        die("embedder");
    size_t dim = wf_embed_dim(emb);
    float *vecs = malloc(n_chunks * dim * sizeof(float));
    struct wf_str *texts = calloc(n_chunks, sizeof(*texts));
    for (size_t i = 0; i < n_chunks; i++)
        texts[i] = (struct wf_str){c[i].text, c[i].len};
    uint64_t t0 = wf_now_ns();
    double c0 = cpu_s();
    for (size_t i = 0; i < n_chunks; i += 256) {
        size_t m = n_chunks - i < 256 ? n_chunks - i : 256;
        if (wf_embed_texts(emb, texts + i, m, vecs + i * dim, NULL))
            die("embedding failed");
    }
    double embed_s = (double)(wf_now_ns() - t0) / 1e9, embed_c = cpu_s() - c0;

    /* our index: keyword only, then keyword + vectors */
    struct wf_search_index *kix, *ix;
    if (wf_search_index_new(NULL, 0, &kix) || wf_search_index_new(wf_embed_model(emb), dim, &ix))
        die("index");
    char name[64];
    t0 = wf_now_ns();
    c0 = cpu_s();
    for (size_t i = 0; i < n_chunks; i += PER_DOC) {
        size_t m = n_chunks - i < PER_DOC ? n_chunks - i : PER_DOC;
        snprintf(name, sizeof(name), "doc-%zu.md", i / PER_DOC);
        if (wf_search_index_put(kix, (int64_t)(i / PER_DOC), name, c + i, m, NULL, NULL))
            die("put");
    }
    double ours_kw_s = (double)(wf_now_ns() - t0) / 1e9, ours_kw_c = cpu_s() - c0;
    t0 = wf_now_ns();
    c0 = cpu_s();
    for (size_t i = 0; i < n_chunks; i += PER_DOC) {
        size_t m = n_chunks - i < PER_DOC ? n_chunks - i : PER_DOC;
        snprintf(name, sizeof(name), "doc-%zu.md", i / PER_DOC);
        if (wf_search_index_put(ix, (int64_t)(i / PER_DOC), name, c + i, m, vecs + i * dim,
                                wf_embed_model(emb)))
            die("put");
    }
    double ours_s = (double)(wf_now_ns() - t0) / 1e9, ours_c = cpu_s() - c0;

    /* FTS5: same texts, one transaction, porter stemming */
    sqlite3 *db;
    sqlite3_stmt *ins, *sel;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "CREATE VIRTUAL TABLE c USING fts5(name, heading, body, "
                     "tokenize='porter unicode61')",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO c(rowid, name, heading, body) VALUES (?,?,?,?)", -1,
                           &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT rowid, bm25(c) FROM c WHERE c MATCH ? ORDER BY bm25(c) "
                           "LIMIT 10",
                           -1, &sel, NULL) != SQLITE_OK)
        die(sqlite3_errmsg(db));
    t0 = wf_now_ns();
    c0 = cpu_s();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (size_t i = 0; i < n_chunks; i++) {
        snprintf(name, sizeof(name), "doc-%zu.md", i / PER_DOC);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, c[i].heading, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, c[i].text, (int)c[i].len, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die(sqlite3_errmsg(db));
        sqlite3_reset(ins);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double fts_s = (double)(wf_now_ns() - t0) / 1e9, fts_c = cpu_s() - c0;

    printf("\nindexing (MiB/s of text: by wall time, by CPU time)\n");
    printf("  %-28s %8.1f %8.1f  (%.2f s wall)\n", "ours, keyword (BM25)", mb / ours_kw_s,
           mb / ours_kw_c, ours_kw_s);
    printf("  %-28s %8.1f %8.1f  (%.2f s wall)\n", "ours, keyword + vectors", mb / ours_s,
           mb / ours_c, ours_s);
    printf("  %-28s %8.1f %8.1f  (%.2f s wall)\n", "sqlite fts5", mb / fts_s, mb / fts_c, fts_s);
    printf("  %-28s %8.1f %8.1f  (%.2f s wall)\n", "builtin embedding", mb / embed_s, mb / embed_c,
           embed_s);
    double path_s = embed_s + ours_s, path_c = embed_c + ours_c;
    printf("  %-28s %8.1f %8.1f  (%.2f s wall)\n", "whole path (embed + index)", mb / path_s,
           mb / path_c, path_s);
    printf("  ratio ours keyword / fts5: %.2fx wall, %.2fx CPU\n", fts_s / ours_kw_s,
           fts_c / ours_kw_c);
    printf("  ratio whole path / fts5: %.2fx wall, %.2fx CPU\n", fts_s / path_s, fts_c / path_c);

    /* queries */
    double *lat[5], *hcpu = calloc(n_queries, sizeof(double));
    for (int k = 0; k < 5; k++)
        lat[k] = calloc(n_queries, sizeof(double));
    float *qv = malloc(dim * sizeof(float));
    struct wf_buf fq;
    wf_buf_init(&fq, 1u << 16);
    size_t fts_hits = 0, our_hits = 0;
    double embed_q = 0, recall_hit = 0, recall_all = 0;
    for (size_t i = 0; i < n_queries; i++) {
        const char *q = qs[i % nq];
        struct wf_str qt = wf_str_c(q);
        t0 = wf_now_ns();
        if (wf_embed_texts(emb, &qt, 1, qv, NULL))
            die("query embedding");
        embed_q += (double)(wf_now_ns() - t0) / 1e6;
        static const enum wf_search_mode modes[3] = {WF_SEARCH_KEYWORD, WF_SEARCH_SEMANTIC,
                                                     WF_SEARCH_HYBRID};
        for (int k = 0; k < 3; k++) {
            struct wf_search_query sq = {q, qv, modes[k], WF_FUSION_RRF, 10, 0.5};
            struct wf_search_hit *h;
            size_t n;
            double qc = thread_cpu_s();
            t0 = wf_now_ns();
            if (wf_search_index_query(ix, &sq, &h, &n))
                die("query");
            lat[k][i] = (double)(wf_now_ns() - t0) / 1e6;
            if (k == 2)
                hcpu[i] = (thread_cpu_s() - qc) * 1e3;
            if (k == 0)
                our_hits += n;
            if (k == 1) {
                /* the same query scanning every float vector: recall@10 of the default path */
                struct wf_search_hit *x;
                size_t nx;
                t0 = wf_now_ns();
                if (wf_search_index_query_flags(ix, &sq, WF_SEARCH_EXACT, &x, &nx))
                    die("query");
                lat[4][i] = (double)(wf_now_ns() - t0) / 1e6;
                for (size_t a = 0; a < nx; a++)
                    for (size_t b = 0; b < n; b++)
                        if (x[a].doc_id == h[b].doc_id && x[a].seq == h[b].seq) {
                            recall_hit++;
                            break;
                        }
                recall_all += (double)nx;
                wf_search_hits_free(x, nx);
            }
            wf_search_hits_free(h, n);
        }
        fts_query(q, &fq);
        t0 = wf_now_ns();
        sqlite3_bind_text(sel, 1, fq.p ? fq.p : "", (int)fq.len, SQLITE_STATIC);
        while (sqlite3_step(sel) == SQLITE_ROW)
            fts_hits++;
        sqlite3_reset(sel);
        lat[3][i] = (double)(wf_now_ns() - t0) / 1e6;
    }
    static const char *names[5] = {"ours keyword", "ours semantic", "ours hybrid (rrf)",
                                   "fts5 MATCH bm25", "semantic, exhaustive"};
    double p95[5];
    printf("\nquery latency (ms) over %zu queries, top 10\n", n_queries);
    printf("  %-20s %8s %8s %8s\n", "", "p50", "p95", "p99");
    for (int k = 0; k < 5; k++) {
        double p50 = pct(lat[k], n_queries, 0.50);
        p95[k] = pct(lat[k], n_queries, 0.95);
        double p99 = pct(lat[k], n_queries, 0.99);
        printf("  %-20s %8.3f %8.3f %8.3f\n", names[k], p50, p95[k], p99);
    }
    printf("  hybrid, CPU time of the query thread: p50 %.3f, p95 %.3f\n",
           pct(hcpu, n_queries, 0.50), pct(hcpu, n_queries, 0.95));
    printf("  query embedding (builtin) mean %.3f ms\n", embed_q / (double)n_queries);
    printf("  ratio p95 fts5 / ours keyword: %.2fx; hits %zu vs %zu\n", p95[3] / p95[0], fts_hits,
           our_hits);
    double recall = recall_all > 0 ? recall_hit / recall_all : 1;
    printf("  recall@10 of semantic (int8 prefilter + exact rescore) vs exhaustive: %.4f %s\n",
           recall, recall >= 0.99 ? "(>= 0.99)" : "(BELOW 0.99)");
    printf("  ratio p95 exhaustive / default semantic: %.2fx\n", p95[4] / p95[1]);

    printf("\ngoal indexing >= 20 MiB/s, whole path (embed + index), CPU time: %.1f MiB/s %s "
           "(wall %.1f)\n",
           mb / path_c, mb / path_c >= 20 ? "PASS" : "FAIL", mb / path_s);
    printf("goal hybrid p95 < 5 ms: %.3f ms %s\n", p95[2], p95[2] < 5 ? "PASS" : "FAIL");
    printf("recall@10 >= 0.99: %.4f %s\n", recall, recall >= 0.99 ? "PASS" : "FAIL");

    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_close(db);
    wf_search_index_free(ix);
    wf_search_index_free(kix);
    wf_embed_free(emb);
    return 0;
}
