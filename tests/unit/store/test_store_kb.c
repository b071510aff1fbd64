/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the store's knowledge-base operations on a real SQLite file:
 * a document and its chunks written together, replacing by name keeps the
 * id and drops every old chunk, vectors round-trip with their model,
 * delete, list order, lookup by id and name, tenant isolation, argument
 * checks, the text compressed at rest, and vector re-writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "store_test.h"

static const char SHA[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static int64_t scalar(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* What chunks_read handed over, flattened. */
struct seen {
    int n;
    int64_t doc[16];
    uint32_t seq[16];
    char text[16][64];
    char heading[16][64];
    char model[16][64];
    size_t dim[16];
    float v0[16];
    char name[16][64];
};

static int on_chunk(void *ud, const struct wf_store_kb_row *r)
{
    struct seen *s = ud;
    assert_true(s->n < 16);
    int i = s->n++;
    s->doc[i] = r->doc_id;
    s->seq[i] = r->chunk.seq;
    snprintf(s->text[i], sizeof(s->text[i]), "%.*s", (int)r->chunk.len, r->chunk.text);
    snprintf(s->heading[i], sizeof(s->heading[i]), "%s", r->chunk.heading);
    snprintf(s->model[i], sizeof(s->model[i]), "%s", r->chunk.embed_model);
    snprintf(s->name[i], sizeof(s->name[i]), "%s", r->doc_name);
    s->dim[i] = r->chunk.dim;
    s->v0[i] = r->chunk.vec ? r->chunk.vec[0] : -9.0f;
    return WF_OK;
}

static int stop_at_first(void *ud, const struct wf_store_kb_row *r)
{
    (void)r;
    (*(int *)ud)++;
    return WF_ECONFLICT;
}

static struct wf_store_kb_doc doc(const char *tenant, const char *name, const char *text,
                                  const struct wf_store_kb_chunk *c, size_t n)
{
    struct wf_store_kb_doc d;
    memset(&d, 0, sizeof(d));
    d.tenant = tenant;
    d.name = name;
    d.format = "markdown";
    d.sha256 = SHA;
    d.bytes = (int64_t)strlen(text);
    d.text = text;
    d.text_len = strlen(text);
    d.chunks = c;
    d.n_chunks = n;
    return d;
}

static void test_put_replace_delete(void **state)
{
    (void)state;
    struct tdir d;
    char path[400];
    tdir_new(&d);
    tdir_file(&d, "db/store.db", path, sizeof(path));
    struct wf_store *st = open_in(&d);

    float v1[4] = {1, 0, 0, 0}, v2[4] = {0, 1, 0, 0};
    struct wf_store_kb_chunk c[3] = {
        {0, "Disk", 1, 3, "disk full: clean /var", 21, v1, 4, "builtin:test/4"},
        {1, "Disk > Clean", 4, 9, "rm old logs", 11, v2, 4, "builtin:test/4"},
        {2, "", 10, 10, "no vector", 9, NULL, 0, ""},
    };
    const char *text = "# Disk\nfull\n...\nclean\n";
    struct wf_store_kb_doc k = doc("acme", "runbooks/disk.md", text, c, 3);
    int64_t id = 0;
    int replaced = -1;
    assert_int_equal(wf_store_kb_doc_put(st, &k, &id, &replaced), WF_OK);
    assert_true(id > 0);
    assert_int_equal(replaced, 0);

    struct seen s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(wf_store_kb_chunks_read(st, "acme", 0, on_chunk, &s), WF_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.doc[0], id);
    assert_int_equal(s.seq[1], 1);
    assert_string_equal(s.text[0], "disk full: clean /var");
    assert_string_equal(s.heading[1], "Disk > Clean");
    assert_string_equal(s.name[2], "runbooks/disk.md");
    assert_string_equal(s.model[0], "builtin:test/4");
    assert_int_equal(s.dim[1], 4);
    assert_true(s.v0[0] == 1.0f && s.v0[1] == 0.0f);
    assert_int_equal(s.dim[2], 0);
    assert_true(s.v0[2] == -9.0f);
    assert_string_equal(s.model[2], "");

    /* the callback's code stops the read */
    int calls = 0;
    assert_int_equal(wf_store_kb_chunks_read(st, "acme", 0, stop_at_first, &calls), WF_ECONFLICT);
    assert_int_equal(calls, 1);

    /* get by id and by name, with the text */
    struct wf_store_kb_info info;
    char *got = NULL;
    size_t got_len = 0;
    assert_int_equal(wf_store_kb_doc_get(st, "acme", id, NULL, &info, &got, &got_len), WF_OK);
    assert_string_equal(info.name, "runbooks/disk.md");
    assert_string_equal(info.format, "markdown");
    assert_string_equal(info.sha256, SHA);
    assert_int_equal(info.n_chunks, 3);
    assert_int_equal(got_len, strlen(text));
    assert_string_equal(got, text);
    wf_free(got);
    assert_int_equal(wf_store_kb_doc_get(st, "acme", 0, "runbooks/disk.md", &info, NULL, NULL),
                     WF_OK);
    assert_int_equal(info.id, id);
    int64_t added = info.added_ms;

    /* replace by name: same id, all old chunks gone */
    struct wf_store_kb_chunk c2[1] = {{0, "New", 1, 2, "replacement text", 16, NULL, 0, ""}};
    struct wf_store_kb_doc k2 = doc("acme", "runbooks/disk.md", "new\ntext\n", c2, 1);
    k2.format = "text";
    k2.now_ms = added + 5000;
    int64_t id2 = 0;
    assert_int_equal(wf_store_kb_doc_put(st, &k2, &id2, &replaced), WF_OK);
    assert_int_equal(id2, id);
    assert_int_equal(replaced, 1);
    memset(&s, 0, sizeof(s));
    assert_int_equal(wf_store_kb_chunks_read(st, "acme", 0, on_chunk, &s), WF_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], "replacement text");
    assert_int_equal(wf_store_kb_doc_get(st, "acme", id, NULL, &info, NULL, NULL), WF_OK);
    assert_string_equal(info.format, "text");
    assert_int_equal(info.added_ms, added);
    assert_int_equal(info.updated_ms, added + 5000);
    assert_int_equal(info.n_chunks, 1);

    /* a second document; list ordered by name; chunks_read of one document */
    struct wf_store_kb_chunk c3[1] = {{0, "", 1, 1, "alpha", 5, NULL, 0, ""}};
    struct wf_store_kb_doc k3 = doc("acme", "a-first.txt", "alpha\n", c3, 1);
    int64_t id3 = 0;
    assert_int_equal(wf_store_kb_doc_put(st, &k3, &id3, NULL), WF_OK);
    assert_true(id3 != id);
    json_t *o = NULL;
    assert_int_equal(wf_store_kb_doc_list(st, "acme", &o), WF_OK);
    json_t *docs = json_object_get(o, "documents");
    assert_int_equal(json_array_size(docs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 0), "name")),
                        "a-first.txt");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(docs, 1), "chunks")), 1);
    json_decref(o);
    memset(&s, 0, sizeof(s));
    assert_int_equal(wf_store_kb_chunks_read(st, "acme", id3, on_chunk, &s), WF_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], "alpha");

    /* tenant isolation: another tenant sees nothing and cannot delete */
    assert_int_equal(wf_store_kb_doc_list(st, "other", &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "documents")), 0);
    json_decref(o);
    memset(&s, 0, sizeof(s));
    assert_int_equal(wf_store_kb_chunks_read(st, "other", 0, on_chunk, &s), WF_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(wf_store_kb_doc_get(st, "other", id, NULL, &info, NULL, NULL), WF_ENOENT);
    assert_int_equal(wf_store_kb_doc_delete(st, "other", id), WF_ENOENT);
    /* the same name in another tenant is another document */
    struct wf_store_kb_doc k4 = doc("other", "runbooks/disk.md", "x\n", c3, 1);
    int64_t id4 = 0;
    assert_int_equal(wf_store_kb_doc_put(st, &k4, &id4, &replaced), WF_OK);
    assert_int_equal(replaced, 0);
    assert_true(id4 != id);

    /* delete */
    assert_int_equal(wf_store_kb_doc_delete(st, "acme", id), WF_OK);
    assert_int_equal(wf_store_kb_doc_delete(st, "acme", id), WF_ENOENT);
    assert_int_equal(wf_store_kb_doc_get(st, "acme", id, NULL, &info, NULL, NULL), WF_ENOENT);
    memset(&s, 0, sizeof(s));
    assert_int_equal(wf_store_kb_chunks_read(st, "acme", 0, on_chunk, &s), WF_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.doc[0], id3);
    wf_store_close(st);

    /* at rest: no orphan chunk, the text is compressed (not stored as is) */
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM kb_chunks WHERE doc_id = %lld", (long long)id);
    assert_int_equal(scalar(path, sql), 0);
    assert_int_equal(scalar(path, "SELECT count(*) FROM kb_documents WHERE instr(data, 'alpha')"),
                     0);
    tdir_free(&d);
}

static void test_checks_and_vectors(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_store_kb_chunk c[2] = {
        {0, "", 1, 1, "one", 3, NULL, 0, ""},
        {1, "", 2, 2, "two", 3, NULL, 0, ""},
    };
    struct wf_store_kb_doc k = doc("acme", "n.txt", "one\ntwo\n", c, 2);
    struct wf_store_kb_doc bad = k;
    bad.sha256 = "xyz";
    assert_int_equal(wf_store_kb_doc_put(st, &bad, NULL, NULL), WF_EINVAL);
    bad = k;
    bad.format = "docx";
    assert_int_equal(wf_store_kb_doc_put(st, &bad, NULL, NULL), WF_EINVAL);
    bad = k;
    bad.name = "";
    assert_int_equal(wf_store_kb_doc_put(st, &bad, NULL, NULL), WF_EINVAL);
    /* duplicate seq */
    struct wf_store_kb_chunk dup[2] = {c[0], c[0]};
    bad = k;
    bad.chunks = dup;
    assert_int_equal(wf_store_kb_doc_put(st, &bad, NULL, NULL), WF_EINVAL);
    /* a vector without its model */
    float v[2] = {1, 0};
    struct wf_store_kb_chunk nomodel[1] = {{0, "", 1, 1, "x", 1, v, 2, ""}};
    bad = k;
    bad.chunks = nomodel;
    bad.n_chunks = 1;
    assert_int_equal(wf_store_kb_doc_put(st, &bad, NULL, NULL), WF_EINVAL);
    /* nothing of the refused documents was written */
    json_t *o = NULL;
    assert_int_equal(wf_store_kb_doc_list(st, "acme", &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "documents")), 0);
    json_decref(o);

    int64_t id = 0;
    assert_int_equal(wf_store_kb_doc_put(st, &k, &id, NULL), WF_OK);
    float vecs[6] = {1, 0, 0, 0, 1, 0};
    assert_int_equal(wf_store_kb_vectors_put(st, "acme", id, vecs, 1, 3, "m/3"), WF_ECONFLICT);
    assert_int_equal(wf_store_kb_vectors_put(st, "acme", id + 100, vecs, 2, 3, "m/3"), WF_ENOENT);
    assert_int_equal(wf_store_kb_vectors_put(st, "other", id, vecs, 2, 3, "m/3"), WF_ENOENT);
    assert_int_equal(wf_store_kb_vectors_put(st, "acme", id, vecs, 2, 3, "m/3"), WF_OK);
    struct seen s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(wf_store_kb_chunks_read(st, "acme", id, on_chunk, &s), WF_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.model[1], "m/3");
    assert_int_equal(s.dim[0], 3);
    assert_true(s.v0[0] == 1.0f && s.v0[1] == 0.0f);
    assert_int_equal(wf_store_kb_doc_delete(st, "acme", 0), WF_EINVAL);
    assert_int_equal(wf_store_kb_chunks_read(st, "acme", 0, NULL, NULL), WF_EINVAL);
    wf_store_close(st);
    tdir_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_replace_delete),
        cmocka_unit_test(test_checks_and_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
