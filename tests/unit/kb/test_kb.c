/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the knowledge base over a real store in a temporary
 * directory and the built-in embedder: add, replace (same id, old chunks
 * gone from the index), delete, search in every mode, the index rebuilt
 * from the store by a fresh kb, a planted secret that never reaches the
 * store, the index or the model's request, citation validation (also when
 * the model's stream splits a marker), extractive answers, the refusal of
 * vectors of another model and reindexing. The model is
 * tests/tools/fake_openai.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../llm/fake_openai.h"
#include "../store/store_test.h"
#include "kb/kb.h"
#include "kb/kb_int.h"

#define SECRET "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"

static const char DISK_MD[] =
    "# Disk full\n"
    "\n"
    "When the build agent reports `No space left on device`, the disk is full.\n"
    "\n"
    "## Clean up\n"
    "\n"
    "Remove old Docker images with `docker system prune -af` and delete\n"
    "stale workspaces under /var/lib/ci/workspace. Check with `df -h`.\n"
    "The deploy token is " SECRET " and must never be shown.\n";

static const char OOM_TXT[] = "Out of memory in the test runner\n"
                              "\n"
                              "The JVM was killed by the kernel OOM killer. Raise the heap with\n"
                              "-Xmx4g or lower the number of parallel test forks.\n";

static const char CERT_HTML[] = "<html><body><h1>Certificates</h1><p>An expired TLS certificate "
                                "makes HTTPS clients fail with x509 errors. Renew it with "
                                "certbot renew.</p></body></html>";

static struct wf_kb *kb_open(struct wf_store *st)
{
    struct wf_embed *e = NULL;
    assert_int_equal(wf_embed_builtin(&e), WF_OK);
    struct wf_kb_opts o = {st, e, NULL, 0, 0};
    struct wf_kb *kb = NULL;
    assert_int_equal(wf_kb_new(&o, &kb), WF_OK);
    return kb;
}

static void add_ok(struct wf_kb *kb, const char *tenant, const char *name, const char *text,
                   struct wf_kb_add_result *r)
{
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_kb_add(kb, tenant, name, NULL, text, strlen(text), r, &err);
    if (rc)
        fail_msg("add %s: %s: %s", name, wf_errname(rc), err.p ? err.p : "");
    wf_buf_cleanup(&err);
}

static size_t search(struct wf_kb *kb, const char *tenant, const char *q, enum wf_search_mode m,
                     struct wf_search_hit **h)
{
    struct wf_kb_query kq = {q, m, WF_FUSION_RRF, 5};
    size_t n = 0;
    assert_int_equal(wf_kb_search(kb, tenant, &kq, h, &n, NULL), WF_OK);
    return n;
}

static int has_secret_rows(const char *dbpath)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM kb_chunks WHERE instr(text, ?1) OR "
                                        "instr(heading, ?1)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, SECRET, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static void test_add_search_replace_delete(void **state)
{
    (void)state;
    struct tdir d;
    char dbpath[400];
    tdir_new(&d);
    tdir_file(&d, "db/store.db", dbpath, sizeof(dbpath));
    struct wf_store *st = open_in(&d);
    struct wf_kb *kb = kb_open(st);
    struct wf_kb_add_result r1, r2, r3;
    add_ok(kb, "acme", "runbooks/disk-full.md", DISK_MD, &r1);
    assert_int_equal(r1.format, WF_DOC_MARKDOWN);
    assert_int_equal(r1.replaced, 0);
    assert_true(r1.chunks >= 1);
    assert_int_equal(r1.bytes, strlen(DISK_MD));
    add_ok(kb, "acme", "oom.txt", OOM_TXT, &r2);
    assert_int_equal(r2.format, WF_DOC_TEXT);
    add_ok(kb, "acme", "certs.html", CERT_HTML, &r3);
    assert_int_equal(r3.format, WF_DOC_HTML);

    /* every mode finds the right document first */
    static const enum wf_search_mode modes[] = {WF_SEARCH_KEYWORD, WF_SEARCH_SEMANTIC,
                                                WF_SEARCH_HYBRID};
    for (size_t m = 0; m < 3; m++) {
        struct wf_search_hit *h = NULL;
        size_t n = search(kb, "acme", "docker prune no space left on device", modes[m], &h);
        assert_true(n >= 1);
        assert_int_equal(h[0].doc_id, r1.id);
        assert_string_equal(h[0].doc_name, "runbooks/disk-full.md");
        assert_true(h[0].line_start >= 1 && h[0].line_end >= h[0].line_start);
        assert_null(strstr(h[0].text, SECRET));
        wf_search_hits_free(h, n);
        n = search(kb, "acme", "JVM heap OOM killer", modes[m], &h);
        assert_true(n >= 1);
        assert_int_equal(h[0].doc_id, r2.id);
        wf_search_hits_free(h, n);
    }
    /* the secret is in no stored chunk; the stored source text holds the placeholder */
    assert_int_equal(has_secret_rows(dbpath), 0);
    struct wf_store_kb_info info;
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(wf_store_kb_doc_get(st, "acme", r1.id, NULL, &info, &text, &len), WF_OK);
    assert_null(strstr(text, SECRET));
    assert_non_null(strstr(text, "[REDACTED:"));
    assert_non_null(strstr(text, "docker system prune"));
    wf_free(text);
    /* the sha256 is of the uploaded bytes */
    char sha[65];
    wf_kb_sha256_hex(DISK_MD, strlen(DISK_MD), sha);
    assert_string_equal(info.sha256, sha);
    /* searching for the secret finds nothing that holds it */
    struct wf_search_hit *h = NULL;
    size_t n = search(kb, "acme", SECRET, WF_SEARCH_KEYWORD, &h);
    for (size_t i = 0; i < n; i++)
        assert_null(strstr(h[i].text, SECRET));
    wf_search_hits_free(h, n);

    /* tenant isolation */
    n = search(kb, "other", "docker prune", WF_SEARCH_HYBRID, &h);
    assert_int_equal(n, 0);
    wf_search_hits_free(h, n);

    /* replace: same id, the old words are gone from the index */
    struct wf_kb_add_result r4;
    add_ok(kb, "acme", "runbooks/disk-full.md",
           "# Disk\n\nRotate the nginx access logs with logrotate.\n", &r4);
    assert_int_equal(r4.id, r1.id);
    assert_int_equal(r4.replaced, 1);
    n = search(kb, "acme", "docker prune", WF_SEARCH_KEYWORD, &h);
    for (size_t i = 0; i < n; i++)
        assert_true(h[i].doc_id != r1.id);
    wf_search_hits_free(h, n);
    n = search(kb, "acme", "logrotate nginx", WF_SEARCH_KEYWORD, &h);
    assert_true(n >= 1);
    assert_int_equal(h[0].doc_id, r1.id);
    wf_search_hits_free(h, n);

    /* a fresh kb rebuilds the index from the store */
    wf_kb_free(kb);
    kb = kb_open(st);
    n = search(kb, "acme", "JVM heap OOM killer", WF_SEARCH_HYBRID, &h);
    assert_true(n >= 1);
    assert_int_equal(h[0].doc_id, r2.id);
    wf_search_hits_free(h, n);

    /* delete */
    int64_t id = 0;
    assert_int_equal(wf_kb_find(kb, "acme", "oom.txt", &id), WF_OK);
    assert_int_equal(id, r2.id);
    assert_int_equal(wf_kb_delete(kb, "other", r2.id, NULL), WF_ENOENT);
    assert_int_equal(wf_kb_delete(kb, "acme", r2.id, NULL), WF_OK);
    assert_int_equal(wf_kb_delete(kb, "acme", r2.id, NULL), WF_ENOENT);
    n = search(kb, "acme", "JVM heap OOM killer", WF_SEARCH_KEYWORD, &h);
    for (size_t i = 0; i < n; i++)
        assert_true(h[i].doc_id != r2.id);
    wf_search_hits_free(h, n);
    json_t *list = NULL;
    assert_int_equal(wf_kb_list(kb, "acme", &list), WF_OK);
    assert_int_equal(json_array_size(json_object_get(list, "documents")), 2);
    json_decref(list);

    /* refusals write nothing */
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    struct wf_kb_add_result rr;
    assert_int_equal(wf_kb_add(kb, "acme", "notes.docx", NULL, "x", 1, &rr, &err), WF_EINVAL);
    assert_non_null(strstr(err.p, "format"));
    wf_buf_reset(&err);
    assert_int_equal(wf_kb_add(kb, "acme", "bad.pdf", NULL, "not a pdf", 9, &rr, &err), WF_EFORMAT);
    wf_buf_reset(&err);
    assert_int_equal(wf_kb_add(kb, "acme", "empty.md", NULL, "  \n\n", 4, &rr, &err), WF_EEMPTY);
    assert_int_equal(wf_kb_list(kb, "acme", &list), WF_OK);
    assert_int_equal(json_array_size(json_object_get(list, "documents")), 2);
    json_decref(list);
    wf_buf_cleanup(&err);

    wf_kb_free(kb);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_model_mismatch_and_reindex(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_kb *kb = kb_open(st);
    struct wf_kb_add_result r;
    add_ok(kb, "acme", "oom.txt", OOM_TXT, &r);
    wf_kb_free(kb);
    /* another model: refused with a message that says what to do */
    struct wf_embed *e = NULL;
    assert_int_equal(wf_embed_builtin_dim(64, &e), WF_OK);
    struct wf_kb_opts o = {st, e, NULL, 0, 0};
    assert_int_equal(wf_kb_new(&o, &kb), WF_OK);
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    struct wf_kb_query q = {"heap", WF_SEARCH_HYBRID, WF_FUSION_RRF, 3};
    struct wf_search_hit *h = NULL;
    size_t n = 0;
    assert_int_equal(wf_kb_search(kb, "acme", &q, &h, &n, &err), WF_ECONFLICT);
    assert_non_null(strstr(err.p, "kb reindex"));
    assert_non_null(strstr(err.p, "builtin:hash-ngram-v2/64"));
    wf_buf_reset(&err);
    size_t docs = 0, chunks = 0;
    assert_int_equal(wf_kb_reindex(kb, "acme", &docs, &chunks, &err), WF_OK);
    assert_int_equal(docs, 1);
    assert_int_equal(chunks, r.chunks);
    assert_int_equal(wf_kb_search(kb, "acme", &q, &h, &n, &err), WF_OK);
    assert_true(n >= 1);
    wf_search_hits_free(h, n);
    wf_kb_free(kb);
    /* the store now holds the new model's vectors: a fresh kb loads them */
    assert_int_equal(wf_embed_builtin_dim(64, &e), WF_OK);
    o.embed = e;
    assert_int_equal(wf_kb_new(&o, &kb), WF_OK);
    assert_int_equal(wf_kb_search(kb, "acme", &q, &h, &n, NULL), WF_OK);
    assert_true(n >= 1);
    wf_search_hits_free(h, n);
    wf_buf_cleanup(&err);
    wf_kb_free(kb);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_citations(void **state)
{
    (void)state;
    struct wf_buf out;
    wf_buf_init(&out, 4096);
    unsigned char used[3] = {0, 0, 0};
    size_t nv = 0;
    const char *in = "Prune images [1]. Or [4] and [2, 9][3]. Keep [REDACTED:x:ab12] and [x] [0].";
    assert_int_equal(wf_llm_citations(in, strlen(in), 3, &out, used, &nv), WF_OK);
    assert_string_equal(out.p,
                        "Prune images [1]. Or  and [2][3]. Keep [REDACTED:x:ab12] and [x] .");
    assert_int_equal(nv, 3);
    assert_true(used[0] && used[1] && used[2]);
    wf_buf_reset(&out);
    memset(used, 0, 3);
    assert_int_equal(wf_llm_citations("[12345] [7] [", 13, 3, &out, used, &nv), WF_OK);
    assert_string_equal(out.p, "[12345]  [");
    assert_int_equal(nv, 0);
    wf_buf_cleanup(&out);

    /* the streaming filter gives the same text however the input is cut */
    for (size_t cut = 1; cut < strlen(in); cut++) {
        struct wf_kb__cite_stream cs;
        unsigned char u2[3] = {0, 0, 0};
        wf_kb__cite_init(&cs, 3, u2, NULL, NULL);
        assert_int_equal(wf_kb__cite_feed(&cs, in, cut), WF_OK);
        assert_int_equal(wf_kb__cite_feed(&cs, in + cut, strlen(in) - cut), WF_OK);
        assert_int_equal(wf_kb__cite_finish(&cs), WF_OK);
        assert_string_equal(cs.out.p,
                            "Prune images [1]. Or  and [2][3]. Keep [REDACTED:x:ab12] and [x] .");
        assert_int_equal(cs.n_valid, 3);
        wf_kb__cite_cleanup(&cs);
    }
}

struct streamed {
    struct wf_buf text;
    int n_deltas;
    int n_sources;
    int sources_before_text;
};

static int on_sources(void *ud, const struct wf_kb_source *s, size_t n)
{
    struct streamed *x = ud;
    x->n_sources = (int)n;
    x->sources_before_text = x->text.len == 0;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s[i].index, (int)i + 1);
    return WF_OK;
}

static int on_delta(void *ud, const char *p, size_t len)
{
    struct streamed *x = ud;
    x->n_deltas++;
    return wf_buf_append(&x->text, p, len);
}

static void test_answers(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_kb *kb = kb_open(st);
    struct wf_kb_add_result r;
    add_ok(kb, "acme", "runbooks/disk-full.md", DISK_MD, &r);
    add_ok(kb, "acme", "oom.txt", OOM_TXT, &r);

    /* extractive: sentences of the passages with [n] markers, streamed */
    struct streamed x;
    memset(&x, 0, sizeof(x));
    wf_buf_init(&x.text, 1 << 20);
    struct wf_kb_answer_opts o;
    memset(&o, 0, sizeof(o));
    o.top_k = 3;
    o.on_sources = on_sources;
    o.on_delta = on_delta;
    o.ud = &x;
    struct wf_kb_answer a;
    assert_int_equal(wf_kb_answer(kb, "acme",
                                  "How do I free disk space when there is no space left?", &o, &a,
                                  NULL),
                     WF_OK);
    assert_int_equal(a.extractive, 1);
    assert_true(a.n_hits >= 1);
    assert_string_equal(a.hits[0].doc_name, "runbooks/disk-full.md");
    assert_non_null(strstr(a.text, "[1]"));
    assert_string_equal(a.text, x.text.p);
    assert_true(x.n_deltas >= 1);
    assert_true(x.sources_before_text);
    assert_int_equal(x.n_sources, (int)a.n_hits);
    assert_true(a.n_cited >= 1);
    assert_int_equal(a.cited[0].index, 1);
    assert_null(strstr(a.text, SECRET));
    wf_kb_answer_cleanup(&a);

    /* with a model: valid citations kept, an invalid one dropped, the
     * secret (in a source and in the question) never sent */
    assert_int_equal(wf_llm_global_init(), 0);
    assert_int_equal(fake_start(), 0);
    fake_reset();
    fake_script("[{\"content\":\"Prune Docker images [1]. Unrelated [9]. Also check df [1].\"}]");
    struct wf_llm_config lc;
    wf_llm_config_init(&lc);
    lc.base_url = fake_base;
    lc.model = "m";
    lc.max_retries = 0;
    wf_buf_reset(&x.text);
    x.n_deltas = 0;
    o.llm = &lc;
    assert_int_equal(wf_kb_answer(kb, "acme", "disk full docker token " SECRET "?", &o, &a, NULL),
                     WF_OK);
    assert_int_equal(a.extractive, 0);
    assert_int_equal(a.uncited, 0);
    assert_string_equal(a.text, "Prune Docker images [1]. Unrelated . Also check df [1].");
    assert_string_equal(x.text.p, a.text); /* the stream was filtered the same way */
    assert_true(x.n_deltas > 1);           /* streamed in pieces */
    assert_int_equal(a.n_cited, 1);
    assert_int_equal(a.cited[0].index, 1);
    wf_kb_answer_cleanup(&a);
    json_t *reqs = fake_requests();
    assert_int_equal(json_array_size(reqs), 1);
    char *dump = json_dumps(reqs, 0);
    assert_null(strstr(dump, SECRET));
    assert_non_null(strstr(dump, "[REDACTED:"));
    assert_non_null(strstr(dump, "[1] runbooks/disk-full.md"));
    assert_non_null(strstr(dump, "\"stream\": true"));
    free(dump);
    json_decref(reqs);

    /* a model answer without a valid citation: marked uncited, backed by passages */
    fake_reset();
    fake_script("[{\"content\":\"Just reboot it [7].\"}]");
    o.on_delta = NULL;
    o.on_sources = NULL;
    assert_int_equal(wf_kb_answer(kb, "acme", "disk full", &o, &a, NULL), WF_OK);
    assert_int_equal(a.uncited, 1);
    assert_int_equal(a.extractive, 1);
    assert_non_null(strstr(a.text, "Just reboot it ."));
    assert_non_null(strstr(a.text, "From the sources:"));
    assert_non_null(strstr(a.text, "[1]"));
    wf_kb_answer_cleanup(&a);
    fake_stop();
    wf_llm_global_cleanup();

    wf_buf_cleanup(&x.text);
    wf_kb_free(kb);
    wf_store_close(st);
    tdir_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_search_replace_delete),
        cmocka_unit_test(test_model_mismatch_and_reindex),
        cmocka_unit_test(test_citations),
        cmocka_unit_test(test_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
