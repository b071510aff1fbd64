/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The knowledge-base commands: `workflowai kb add|list|rm|reindex`,
 * `workflowai search QUERY` and `workflowai ask QUESTION`. They open the
 * same store as `serve` (--store URL or --data DIR), act for one tenant
 * (--tenant, default "default") and share the kb module with the server,
 * so a document added here is searchable there and the other way round.
 */
#include "cli_int.h"

#include "kb/kb.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct opts {
    const char *store, *data, *tenant, *mode, *fusion, *format, *top_k;
    const char *llm_url, *llm_model, *llm_key, *embed_url, *embed_model, *embed_key;
    const char *pos[4096];
    size_t n_pos;
};

static const struct {
    const char *flag;
    size_t off;
} flags[] = {
    {"--store", offsetof(struct opts, store)},
    {"--data", offsetof(struct opts, data)},
    {"--tenant", offsetof(struct opts, tenant)},
    {"--mode", offsetof(struct opts, mode)},
    {"--fusion", offsetof(struct opts, fusion)},
    {"--format", offsetof(struct opts, format)},
    {"--top-k", offsetof(struct opts, top_k)},
    {"--llm-url", offsetof(struct opts, llm_url)},
    {"--llm-model", offsetof(struct opts, llm_model)},
    {"--llm-api-key", offsetof(struct opts, llm_key)},
    {"--embed-url", offsetof(struct opts, embed_url)},
    {"--embed-model", offsetof(struct opts, embed_model)},
    {"--embed-api-key", offsetof(struct opts, embed_key)},
};

static const char common_help[] =
    "  --store URL          store [WORKFLOWAI_STORE or sqlite:./data/workflowai.db]\n"
    "  --data DIR           same as --store sqlite:DIR/workflowai.db\n"
    "  --tenant ID          tenant whose knowledge base is used (default: default)\n"
    "  --embed-url URL      OpenAI-compatible embeddings API [WORKFLOWAI_EMBED_URL]\n"
    "                       (default: the built-in offline embedder)\n"
    "  --embed-model NAME   its model [WORKFLOWAI_EMBED_MODEL]; key in\n"
    "                       WORKFLOWAI_EMBED_API_KEY or --embed-api-key\n"
    "  -h, --help           show this help\n";

/* Parses argv after the command name. Returns -1 (usage printed) on error. */
static int parse(const char *what, int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t k = 0;
        while (k < sizeof(flags) / sizeof(flags[0]) && strcmp(a, flags[k].flag) != 0)
            k++;
        if (k < sizeof(flags) / sizeof(flags[0])) {
            if (i + 1 >= argc) {
                wf_cli__fail(WF_CLI_EXIT_USAGE, what, "%s needs a value", a);
                return -1;
            }
            *(const char **)(void *)((char *)o + flags[k].off) = argv[++i];
        } else if (a[0] == '-' && a[1] && strcmp(a, "-") != 0) {
            wf_cli__fail(WF_CLI_EXIT_USAGE, what, "unknown option %s", a);
            return -1;
        } else if (o->n_pos < sizeof(o->pos) / sizeof(o->pos[0])) {
            o->pos[o->n_pos++] = a;
        } else {
            wf_cli__fail(WF_CLI_EXIT_USAGE, what, "too many arguments");
            return -1;
        }
    }
    return 0;
}

static const char *env_or(const char *v, const char *name)
{
    if (v)
        return v;
    const char *e = getenv(name);
    return e && e[0] ? e : NULL;
}

/* Opens the store and the knowledge base the options name. */
static int open_kb(const char *what, const struct opts *o, struct wf_store **st, struct wf_kb **kb)
{
    char url[WF_LIMIT_PATH_BYTES + 32];
    const char *s = o->store ? o->store : NULL;
    if (o->store && o->data)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "give --store or --data, not both");
    if (o->data) {
        snprintf(url, sizeof(url), "sqlite:%s/workflowai.db", o->data);
        s = url;
    }
    if (!s)
        s = env_or(NULL, "WORKFLOWAI_STORE");
    if (!s)
        s = "sqlite:./data/workflowai.db";
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    struct wf_store_opts so = {s, 2, 0, 0};
    int rc = wf_store_open(&so, st, &err);
    if (rc) {
        int status = wf_cli__fail(WF_CLI_EXIT_FAIL, what, "store %s: %s", s,
                                  err.p ? err.p : wf_strerror(rc));
        wf_buf_cleanup(&err);
        return status;
    }
    wf_buf_cleanup(&err);
    struct wf_embed *e = NULL;
    const char *eu = env_or(o->embed_url, "WORKFLOWAI_EMBED_URL");
    if (eu) {
        const char *em = env_or(o->embed_model, "WORKFLOWAI_EMBED_MODEL");
        if (!em) {
            wf_store_close(*st);
            return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "--embed-url needs --embed-model");
        }
        struct wf_embed_openai_config ec = {eu, env_or(o->embed_key, "WORKFLOWAI_EMBED_API_KEY"),
                                            em, 0, 0};
        rc = wf_embed_openai(&ec, &e);
    } else {
        rc = wf_embed_builtin(&e);
    }
    struct wf_kb_opts ko = {*st, e, NULL, 0, 0};
    if (!rc)
        rc = wf_kb_new(&ko, kb);
    if (rc) {
        wf_store_close(*st);
        return wf_cli__fail(WF_CLI_EXIT_FAIL, what, "knowledge base: %s", wf_strerror(rc));
    }
    return WF_CLI_EXIT_OK;
}

int wf_cli__kb_open(const char *what, const char *store, const char *data, struct wf_store **st,
                    struct wf_kb **kb)
{
    struct opts o;
    memset(&o, 0, sizeof(o));
    o.store = store;
    o.data = data;
    return open_kb(what, &o, st, kb);
}

static const char *tenant_of(const struct opts *o)
{
    return o->tenant ? o->tenant : "default";
}

/* ---- kb add ------------------------------------------------------------------------ */

struct add_stats {
    size_t docs, chunks, bytes, skipped;
    int progress; /* stderr is a terminal */
    struct wf_buf skips;
};

static int known_ext(const char *path)
{
    static const char *const ext[] = {".md", ".markdown", ".txt", ".rst", ".html", ".htm", ".pdf"};
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return 0;
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (strcasecmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

static void skip(struct add_stats *s, const char *path, const char *why)
{
    s->skipped++;
    wf_buf_appendf(&s->skips, "  skipped %s: %s\n", path, why);
}

static void add_file(struct wf_kb *kb, const char *tenant, const char *path, const char *name,
                     struct add_stats *s)
{
    char *data = NULL;
    size_t len = 0;
    int rc = wf_read_file(path, WF_KB_MAX_DOC_BYTES, &data, &len);
    if (rc) {
        skip(s, path, rc == WF_ETOOBIG ? "larger than 16 MiB" : wf_strerror(rc));
        return;
    }
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    struct wf_kb_add_result r;
    rc = wf_kb_add(kb, tenant, name, NULL, data, len, &r, &err);
    wf_free(data);
    if (rc) {
        skip(s, path, err.len ? err.p : wf_strerror(rc));
    } else {
        s->docs++;
        s->chunks += r.chunks;
        s->bytes += r.bytes;
        if (s->progress)
            fprintf(stderr, "\r\033[K%s %s (%zu chunks)", r.replaced ? "updated" : "added", name,
                    r.chunks);
    }
    wf_buf_cleanup(&err);
}

/* Adds a file or, recursively, the files of a directory with a known
 * extension; names are paths relative to the argument's parent for a
 * directory ("docs/runbooks/x.md" for `kb add docs`), the path as given
 * for a file. */
static void add_path(struct wf_kb *kb, const char *tenant, const char *path, int depth,
                     struct add_stats *s)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        skip(s, path, "no such file or directory");
        return;
    }
    if (S_ISREG(sb.st_mode)) {
        const char *name = path;
        while (name[0] == '.' && name[1] == '/')
            name += 2;
        if (depth > 0 && !known_ext(path)) {
            skip(s, path, "unsupported extension (.md .markdown .txt .rst .html .htm .pdf)");
            return;
        }
        add_file(kb, tenant, path, name, s);
        return;
    }
    if (!S_ISDIR(sb.st_mode) || depth > 32) {
        skip(s, path, "not a regular file or directory");
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        skip(s, path, "cannot open directory");
        return;
    }
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ., .., hidden files and .git */
        if (wf_grow((void **)&names, &cap, n + 1, sizeof(*names), 1u << 20) != WF_OK)
            break;
        names[n] = wf_strndup(e->d_name, strlen(e->d_name));
        if (names[n])
            n++;
    }
    closedir(d);
    /* a stable order: the same tree gives the same ids */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        char sub[WF_LIMIT_PATH_BYTES];
        size_t pl = strlen(path);
        int w = snprintf(sub, sizeof(sub), "%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/",
                         names[i]);
        if (w > 0 && (size_t)w < sizeof(sub))
            add_path(kb, tenant, sub, depth + 1, s);
        wf_free(names[i]);
    }
    wf_free(names);
}

static int kb_add(const struct opts *o, struct wf_kb *kb)
{
    struct add_stats s;
    memset(&s, 0, sizeof(s));
    wf_buf_init(&s.skips, 1u << 20);
    s.progress = isatty(2);
    uint64_t t0 = wf_now_ms();
    for (size_t i = 1; i < o->n_pos; i++)
        add_path(kb, tenant_of(o), o->pos[i], 0, &s);
    if (s.progress)
        fprintf(stderr, "\r\033[K");
    printf("%zu document%s, %zu chunks, %zu bytes added; %zu skipped; %.2f s\n", s.docs,
           s.docs == 1 ? "" : "s", s.chunks, s.bytes, s.skipped,
           (double)(wf_now_ms() - t0) / 1000.0);
    if (s.skips.len)
        fputs(s.skips.p, stdout);
    wf_buf_cleanup(&s.skips);
    return s.skipped && !s.docs ? WF_CLI_EXIT_FAIL : WF_CLI_EXIT_OK;
}

static int kb_list(const struct opts *o, struct wf_kb *kb)
{
    json_t *j = NULL;
    int rc = wf_kb_list(kb, tenant_of(o), &j);
    if (rc)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "kb", "list: %s", wf_strerror(rc));
    if (o->format && strcmp(o->format, "json") == 0) {
        json_dumpf(j, stdout, JSON_COMPACT);
        putchar('\n');
    } else {
        size_t i;
        json_t *d;
        printf("%6s  %-8s  %7s  %10s  %s\n", "ID", "FORMAT", "CHUNKS", "BYTES", "NAME");
        json_array_foreach(json_object_get(j, "documents"), i, d)
        {
            printf("%6lld  %-8s  %7lld  %10lld  %s\n",
                   (long long)json_integer_value(json_object_get(d, "id")),
                   json_string_value(json_object_get(d, "format")),
                   (long long)json_integer_value(json_object_get(d, "chunks")),
                   (long long)json_integer_value(json_object_get(d, "bytes")),
                   json_string_value(json_object_get(d, "name")));
        }
    }
    json_decref(j);
    return WF_CLI_EXIT_OK;
}

static int kb_rm(const struct opts *o, struct wf_kb *kb)
{
    int status = WF_CLI_EXIT_OK;
    for (size_t i = 1; i < o->n_pos; i++) {
        int64_t id = 0;
        long v;
        /* a name first: "2024.md" and "12" could be names too */
        int rc = wf_kb_find(kb, tenant_of(o), o->pos[i], &id);
        if (rc == WF_ENOENT && wf_parse_long(o->pos[i], 1, 0x7fffffffffffffffL, &v) == WF_OK) {
            id = v;
            rc = WF_OK;
        }
        if (!rc)
            rc = wf_kb_delete(kb, tenant_of(o), id, NULL);
        if (rc) {
            status = wf_cli__fail(WF_CLI_EXIT_FAIL, "kb", "rm %s: %s", o->pos[i],
                                  rc == WF_ENOENT ? "no such document" : wf_strerror(rc));
            continue;
        }
        printf("removed %s (id %lld)\n", o->pos[i], (long long)id);
    }
    return status;
}

static int kb_reindex(const struct opts *o, struct wf_kb *kb)
{
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    size_t docs = 0, chunks = 0;
    uint64_t t0 = wf_now_ms();
    int rc = wf_kb_reindex(kb, tenant_of(o), &docs, &chunks, &err);
    int status = WF_CLI_EXIT_OK;
    if (rc)
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "kb", "reindex: %s", err.p ? err.p : "failed");
    else
        printf("%zu documents, %zu chunks re-embedded with %s in %.2f s\n", docs, chunks,
               wf_kb_embed_model(kb), (double)(wf_now_ms() - t0) / 1000.0);
    wf_buf_cleanup(&err);
    return status;
}

int wf_cli__kb(int argc, char **argv)
{
    struct opts o;
    if (argc > 1 && wf_cli__is_help(argv[1])) {
        printf("usage: workflowai kb add PATH... [options]\n"
               "       workflowai kb list [--format text|json] [options]\n"
               "       workflowai kb rm NAME|ID... [options]\n"
               "       workflowai kb reindex [options]\n\n"
               "The knowledge base of a tenant: runbooks and documentation that `search`,\n"
               "`ask`, /v1/search and /v1/chat/completions answer from. `add` takes files\n"
               "and directories (recursively: .md .markdown .txt .rst .html .htm .pdf);\n"
               "a document is named by its path, and adding the same name again replaces\n"
               "it. Every document is redacted (secrets, e-mail addresses) before it is\n"
               "chunked, embedded or stored. `reindex` re-embeds every chunk after the\n"
               "embedding model changed.\n\noptions:\n%s"
               "\nExit status: 0 done, 1 error (or every file skipped), 2 bad usage.\n",
               common_help);
        return WF_CLI_EXIT_OK;
    }
    if (parse("kb", argc, argv, &o) != 0)
        return WF_CLI_EXIT_USAGE;
    if (!o.n_pos)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "kb", "expected add, list, rm or reindex");
    const char *sub = o.pos[0];
    int (*fn)(const struct opts *, struct wf_kb *) = NULL;
    if (strcmp(sub, "add") == 0 && o.n_pos > 1)
        fn = kb_add;
    else if (strcmp(sub, "list") == 0 && o.n_pos == 1)
        fn = kb_list;
    else if (strcmp(sub, "rm") == 0 && o.n_pos > 1)
        fn = kb_rm;
    else if (strcmp(sub, "reindex") == 0 && o.n_pos == 1)
        fn = kb_reindex;
    if (!fn)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "kb",
                            "expected `add PATH...`, `list`, `rm NAME|ID...` or `reindex`");
    struct wf_store *st = NULL;
    struct wf_kb *kb = NULL;
    int status = open_kb("kb", &o, &st, &kb);
    if (status)
        return status;
    status = fn(&o, kb);
    wf_kb_free(kb);
    wf_store_close(st);
    return status;
}

/* ---- search and ask --------------------------------------------------------------------- */

static int want_json(const char *what, const struct opts *o, int *json)
{
    *json = 0;
    if (!o->format || strcmp(o->format, "text") == 0)
        return 0;
    if (strcmp(o->format, "json") == 0) {
        *json = 1;
        return 0;
    }
    wf_cli__fail(WF_CLI_EXIT_USAGE, what, "--format must be text or json");
    return -1;
}

static void put_cite(const char *doc, const char *heading, int64_t id, uint32_t seq, uint32_t ls,
                     uint32_t le)
{
    printf("%s%s%s  (chunk %lld:%u, lines %u-%u)\n", doc, heading[0] ? " > " : "", heading,
           (long long)id, seq, ls, le);
}

int wf_cli__search(int argc, char **argv)
{
    struct opts o;
    if (argc > 1 && wf_cli__is_help(argv[1])) {
        printf("usage: workflowai search QUERY [options]\n\n"
               "Searches the tenant's knowledge base (see `workflowai kb`).\n\noptions:\n"
               "  --mode MODE          keyword (BM25), semantic (vectors) or hybrid (default)\n"
               "  --fusion F           rrf (default) or weighted: how hybrid merges both\n"
               "  --top-k N            results, 1-100 (default 10)\n"
               "  --format FMT         text (default) or json\n%s"
               "\nExit status: 0 searched (even with no result), 1 error, 2 bad usage.\n",
               common_help);
        return WF_CLI_EXIT_OK;
    }
    if (parse("search", argc, argv, &o) != 0)
        return WF_CLI_EXIT_USAGE;
    int json = 0;
    long top_k = WF_KB_DEFAULT_TOP_K;
    struct wf_kb_query q = {NULL, WF_SEARCH_HYBRID, WF_FUSION_RRF, 0};
    if (o.n_pos != 1)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "search", "expected one QUERY (quote it)");
    if (want_json("search", &o, &json) != 0)
        return WF_CLI_EXIT_USAGE;
    if (o.mode && wf_search_mode_parse(o.mode, &q.mode) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "search", "--mode: keyword, semantic or hybrid");
    if (o.fusion && wf_search_fusion_parse(o.fusion, &q.fusion) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "search", "--fusion: rrf or weighted");
    if (o.top_k && wf_parse_long(o.top_k, 1, WF_KB_MAX_TOP_K, &top_k) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "search", "--top-k must be 1..%u", WF_KB_MAX_TOP_K);
    q.text = o.pos[0];
    q.top_k = (size_t)top_k;
    struct wf_store *st = NULL;
    struct wf_kb *kb = NULL;
    int status = open_kb("search", &o, &st, &kb);
    if (status)
        return status;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    struct wf_search_hit *h = NULL;
    size_t n = 0;
    int rc = wf_kb_search(kb, tenant_of(&o), &q, &h, &n, &err);
    if (rc) {
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "search", "%s", err.p ? err.p : wf_strerror(rc));
    } else if (json) {
        json_t *res = json_array();
        for (size_t i = 0; i < n; i++) {
            char cid[48];
            snprintf(cid, sizeof(cid), "%lld:%u", (long long)h[i].doc_id, h[i].seq);
            json_array_append_new(
                res, json_pack("{s:s,s:I,s:s,s:s,s:i,s:i,s:s,s:f}", "chunk_id", cid, "document_id",
                               (json_int_t)h[i].doc_id, "document", h[i].doc_name, "heading",
                               h[i].heading, "line_start", (int)h[i].line_start, "line_end",
                               (int)h[i].line_end, "text", h[i].text, "score", h[i].score));
        }
        json_t *j = json_pack("{s:s,s:o}", "mode", wf_search_mode_name(q.mode), "results", res);
        json_dumpf(j, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(j);
    } else {
        if (!n)
            printf("no results\n");
        for (size_t i = 0; i < n; i++) {
            printf("%zu. [%.4f] ", i + 1, h[i].score);
            put_cite(h[i].doc_name, h[i].heading, h[i].doc_id, h[i].seq, h[i].line_start,
                     h[i].line_end);
            /* the first lines of the passage, indented */
            const char *p = h[i].text;
            for (int line = 0; line < 3 && *p; line++) {
                const char *e = strchr(p, '\n');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                printf("     %.*s%s\n", (int)(len > 160 ? 160 : len), p, len > 160 ? "..." : "");
                p = e ? e + 1 : p + len;
            }
        }
    }
    wf_search_hits_free(h, n);
    wf_buf_cleanup(&err);
    wf_kb_free(kb);
    wf_store_close(st);
    return status;
}

static int print_delta(void *ud, const char *p, size_t len)
{
    (void)ud;
    fwrite(p, 1, len, stdout);
    fflush(stdout);
    return WF_OK;
}

int wf_cli__ask(int argc, char **argv)
{
    struct opts o;
    if (argc > 1 && wf_cli__is_help(argv[1])) {
        printf("usage: workflowai ask QUESTION [options]\n\n"
               "Answers a question from the tenant's knowledge base with numbered citations.\n"
               "With --llm-url and --llm-model an OpenAI-compatible model writes the answer\n"
               "from the retrieved passages (streamed; citations to passages it was not\n"
               "given are dropped); without, the answer is made of the passages' best\n"
               "sentences.\n\noptions:\n"
               "  --top-k N            passages given as sources, 1-20 (default 5)\n"
               "  --llm-url URL        OpenAI-compatible API base [WORKFLOWAI_LLM_URL]\n"
               "  --llm-model NAME     model [WORKFLOWAI_LLM_MODEL]; key in\n"
               "                       WORKFLOWAI_LLM_API_KEY or --llm-api-key\n"
               "  --format FMT         text (default) or json\n%s"
               "\nExit status: 0 answered, 1 error, 2 bad usage.\n",
               common_help);
        return WF_CLI_EXIT_OK;
    }
    if (parse("ask", argc, argv, &o) != 0)
        return WF_CLI_EXIT_USAGE;
    int json = 0;
    long top_k = WF_KB_ANSWER_TOP_K;
    if (o.n_pos != 1)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "ask", "expected one QUESTION (quote it)");
    if (want_json("ask", &o, &json) != 0)
        return WF_CLI_EXIT_USAGE;
    if (o.top_k && wf_parse_long(o.top_k, 1, WF_KB_MAX_ANSWER_TOP_K, &top_k) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "ask", "--top-k must be 1..%u",
                            WF_KB_MAX_ANSWER_TOP_K);
    if (strlen(o.pos[0]) > WF_KB_MAX_QUERY_BYTES)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "ask", "the question is longer than %u bytes",
                            WF_KB_MAX_QUERY_BYTES);
    const char *llm_url = env_or(o.llm_url, "WORKFLOWAI_LLM_URL");
    const char *llm_model = env_or(o.llm_model, "WORKFLOWAI_LLM_MODEL");
    if (!llm_url != !llm_model)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "ask", "--llm-url and --llm-model go together");
    struct wf_llm_config lc;
    wf_llm_config_init(&lc);
    lc.base_url = llm_url;
    lc.model = llm_model;
    lc.api_key = env_or(o.llm_key, "WORKFLOWAI_LLM_API_KEY");
    lc.truncate = 1;
    if (llm_url && wf_llm_global_init() != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "ask", "could not initialise libcurl");
    struct wf_store *st = NULL;
    struct wf_kb *kb = NULL;
    int status = open_kb("ask", &o, &st, &kb);
    if (status)
        return status;
    struct wf_kb_answer_opts ao;
    memset(&ao, 0, sizeof(ao));
    ao.top_k = (size_t)top_k;
    ao.llm = llm_url ? &lc : NULL;
    if (!json)
        ao.on_delta = print_delta; /* text: the answer appears as it is written */
    struct wf_kb_answer a;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_kb_answer(kb, tenant_of(&o), o.pos[0], &ao, &a, &err);
    if (rc) {
        if (!json)
            putchar('\n');
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "ask", "%s", err.p ? err.p : wf_strerror(rc));
    } else if (json) {
        json_t *cites = json_array();
        for (size_t i = 0; i < a.n_cited; i++) {
            const struct wf_kb_source *s = &a.cited[i];
            char cid[48];
            snprintf(cid, sizeof(cid), "%lld:%u", (long long)s->doc_id, s->seq);
            json_array_append_new(
                cites, json_pack("{s:i,s:s,s:I,s:s,s:s,s:i,s:i}", "index", s->index, "chunk_id",
                                 cid, "document_id", (json_int_t)s->doc_id, "document", s->doc_name,
                                 "heading", s->heading, "line_start", (int)s->line_start,
                                 "line_end", (int)s->line_end));
        }
        json_t *j = json_pack("{s:s,s:o,s:b,s:b}", "answer", a.text, "citations", cites,
                              "extractive", a.extractive, "uncited", a.uncited);
        json_dumpf(j, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(j);
    } else {
        size_t tl = strlen(a.text);
        if (tl && a.text[tl - 1] != '\n')
            putchar('\n');
        if (a.uncited)
            printf("(the model cited no source it was given; the passages follow)\n");
        if (a.n_cited)
            printf("\nSources:\n");
        for (size_t i = 0; i < a.n_cited; i++) {
            printf("  [%d] ", a.cited[i].index);
            put_cite(a.cited[i].doc_name, a.cited[i].heading, a.cited[i].doc_id, a.cited[i].seq,
                     a.cited[i].line_start, a.cited[i].line_end);
        }
    }
    if (!rc)
        wf_kb_answer_cleanup(&a);
    wf_buf_cleanup(&err);
    wf_kb_free(kb);
    wf_store_close(st);
    if (llm_url)
        wf_llm_global_cleanup();
    return status;
}
