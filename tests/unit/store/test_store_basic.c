/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the store's non-ingest surface on a real SQLite file in a
 * temporary directory: migrations on a fresh database and on reopen, a
 * database newer than the binary, urls, file mode, tenants and API keys,
 * tenant isolation of every read, logs compressed at rest, failures and
 * signature counters (re-triage counted once), list pagination and filters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"
#include "store_test.h"

#define MIGRATIONS                                                                                 \
    4 /* schema versions this build knows (3: knowledge base, 4: labels, models, notices) */

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

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_open_migrate_reopen(void **state)
{
    (void)state;
    struct tdir d;
    char path[400];
    tdir_new(&d);
    tdir_file(&d, "db/store.db", path, sizeof(path));
    struct wf_store *st = open_in(&d); /* db/ does not exist yet */
    assert_int_equal(wf_store_ping(st), WF_OK);
    assert_string_equal(wf_store_backend(st), "sqlite");
    struct wf_store_tenant t = {.id = "acme", .name = "Acme"};
    assert_int_equal(wf_store_tenant_put(st, &t), WF_OK);
    /* the write-ahead log holds secrets too: same mode as the database */
    char wal[420];
    struct stat sb;
    snprintf(wal, sizeof(wal), "%s-wal", path);
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    wf_store_close(st);

    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* every migration ran once, in order (2: pull request reviews) */
    assert_int_equal(scalar(path, "SELECT count(*) FROM schema_version"), MIGRATIONS);
    assert_int_equal(scalar(path, "SELECT max(version) FROM schema_version"), MIGRATIONS);
    assert_int_equal(scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'reviews'"), 1);
    assert_int_equal(scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'events_kind'"),
                     1);

    /* reopen: no migration runs twice, data kept */
    st = open_in(&d);
    struct wf_store_tenant got;
    assert_int_equal(wf_store_tenant_get(st, "acme", &got), WF_OK);
    assert_string_equal(got.name, "Acme");
    wf_store_close(st);
    assert_int_equal(scalar(path, "SELECT count(*) FROM schema_version"), MIGRATIONS);

    /* a database migrated by a newer binary is refused */
    exec_sql(path, "INSERT INTO schema_version(version, applied_ms) VALUES(99, 0)");
    char url[450];
    snprintf(url, sizeof(url), "sqlite:%s", path);
    struct wf_store_opts o = {url, 2, 0, 0};
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    st = NULL;
    assert_int_equal(wf_store_open(&o, &st, &err), WF_EVERSION);
    assert_null(st);
    assert_non_null(strstr(err.p, "newer"));
    wf_buf_cleanup(&err);
    tdir_free(&d);
}

static void test_urls(void **state)
{
    (void)state;
    struct wf_store *st = NULL;
    struct wf_store_opts o = {"postgres://db/x", 0, 0, 0};
    assert_int_equal(wf_store_open(&o, &st, NULL), WF_EINVAL);
    o.url = "";
    assert_int_equal(wf_store_open(&o, &st, NULL), WF_EINVAL);
    o.url = "sqlite:";
    assert_int_equal(wf_store_open(&o, &st, NULL), WF_EINVAL);
    assert_null(st);

    /* bare path and :memory: */
    struct tdir d;
    char path[400];
    tdir_new(&d);
    tdir_file(&d, "bare.db", path, sizeof(path));
    st = open_url(path);
    assert_int_equal(wf_store_ping(st), WF_OK);
    wf_store_close(st);
    assert_int_equal(scalar(path, "SELECT count(*) FROM schema_version"), MIGRATIONS);
    tdir_free(&d);

    st = open_url(":memory:");
    struct wf_store_event ev = job_event("j1", "completed", "failure", 10);
    struct wf_store_ingest_result res;
    assert_int_equal(ingest1(st, "acme", "d1", &ev, 1, &res), WF_OK);
    assert_int_equal(res.n_enqueued, 1);
    struct wf_store_build b;
    assert_int_equal(wf_store_build_find(st, "acme", "github", "j1", &b), WF_OK);
    assert_string_equal(b.conclusion, "failure");
    assert_int_equal(wf_store_ping(st), WF_OK);
    wf_store_close(st);
    wf_store_close(NULL);
}

static const char *hash_of(char c)
{
    static char h[65];
    memset(h, c, 64);
    h[64] = '\0';
    return h;
}

static void test_tenants_and_keys(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    struct wf_store_tenant t = {.id = "acme", .name = "Acme", .github_secret = "gh-secret"};
    snprintf(t.gitlab_token, sizeof(t.gitlab_token), "gl-token");
    t.created_ms = 1000;
    assert_int_equal(wf_store_tenant_put(st, &t), WF_OK);
    /* update: empty secrets keep the stored ones, the name changes */
    struct wf_store_tenant u = {.id = "acme", .name = "Acme Corp", .generic_secret = "gen"};
    assert_int_equal(wf_store_tenant_put(st, &u), WF_OK);
    struct wf_store_tenant got;
    assert_int_equal(wf_store_tenant_get(st, "acme", &got), WF_OK);
    assert_string_equal(got.name, "Acme Corp");
    assert_string_equal(got.github_secret, "gh-secret");
    assert_string_equal(got.gitlab_token, "gl-token");
    assert_string_equal(got.generic_secret, "gen");
    assert_int_equal(got.created_ms, 1000);
    assert_int_equal(wf_store_tenant_get(st, "nobody", &got), WF_ENOENT);
    struct wf_store_tenant bad = {.id = ""};
    assert_int_equal(wf_store_tenant_put(st, &bad), WF_EINVAL);

    struct wf_store_tenant t2 = {.id = "beta", .name = "Beta", .github_secret = "x"};
    assert_int_equal(wf_store_tenant_put(st, &t2), WF_OK);
    json_t *list = NULL;
    assert_int_equal(wf_store_tenant_list(st, &list), WF_OK);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), "acme");
    assert_null(json_object_get(json_array_get(list, 0), "github_secret"));
    json_decref(list);

    char tenant[WF_LIMIT_ID_BYTES], key_id[WF_LIMIT_ID_BYTES];
    assert_int_equal(wf_store_key_put(st, "acme", "k_1", hash_of('a'), "ci", 5), WF_OK);
    assert_int_equal(wf_store_key_put(st, "acme", "k_2", hash_of('b'), "ops", 6), WF_OK);
    assert_int_equal(wf_store_key_find(st, hash_of('a'), tenant, key_id), WF_OK);
    assert_string_equal(tenant, "acme");
    assert_string_equal(key_id, "k_1");
    assert_int_equal(wf_store_key_find(st, hash_of('c'), tenant, key_id), WF_ENOENT);
    /* the hash is unique across tenants; a key id unique within one */
    assert_int_equal(wf_store_key_put(st, "beta", "k_9", hash_of('a'), "dup", 7), WF_ECONFLICT);
    assert_int_equal(wf_store_key_put(st, "acme", "k_1", hash_of('d'), "dup", 7), WF_ECONFLICT);
    assert_int_equal(wf_store_key_put(st, "acme", "k_3", "short", "bad", 7), WF_EINVAL);

    /* another tenant cannot revoke it */
    assert_int_equal(wf_store_key_revoke(st, "beta", "k_1"), WF_ENOENT);
    assert_int_equal(wf_store_key_revoke(st, "acme", "k_1"), WF_OK);
    assert_int_equal(wf_store_key_revoke(st, "acme", "k_1"), WF_OK); /* idempotent */
    assert_int_equal(wf_store_key_revoke(st, "acme", "k_404"), WF_ENOENT);
    assert_int_equal(wf_store_key_find(st, hash_of('a'), tenant, key_id), WF_ENOENT);
    assert_int_equal(wf_store_key_find(st, hash_of('b'), tenant, key_id), WF_OK);

    assert_int_equal(wf_store_key_list(st, "acme", &list), WF_OK);
    assert_int_equal(json_array_size(list), 2);
    json_t *k2 = json_array_get(list, 0), *k1 = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_object_get(k2, "id")), "k_2");
    assert_true(json_is_false(json_object_get(k2, "revoked")));
    assert_true(json_is_true(json_object_get(k1, "revoked")));
    assert_null(json_object_get(k1, "hash"));
    json_decref(list);
    wf_store_close(st);
    tdir_free(&d);
}

static struct wf_store_failure failure(const char *tenant, int64_t build_id, const char *sig,
                                       const char *repo, const char *branch, int64_t created)
{
    struct wf_store_failure f;
    memset(&f, 0, sizeof(f));
    f.tenant = tenant;
    f.build_id = build_id;
    f.repo = repo;
    f.branch = branch;
    f.category = "test";
    f.confidence = 0.75;
    f.signature = sig;
    f.step = "Run tests";
    f.title = "AssertionError in FooTest";
    f.report_json = "{\"category\":\"test\",\"lines\":[1,2]}";
    f.model_version = "m1";
    f.created_ms = created;
    return f;
}

static int64_t make_build(struct wf_store *st, const char *tenant, const char *ext)
{
    struct wf_store_event ev = job_event(ext, "completed", "failure", 1);
    int64_t id = 0;
    assert_int_equal(wf_store_build_ensure(st, tenant, "github", &ev, &id), WF_OK);
    assert_true(id > 0);
    return id;
}

static void test_isolation(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    int64_t b = make_build(st, "A", "job-1");
    assert_int_equal(wf_store_log_put(st, "A", b, "error: boom\n", 12), WF_OK);
    struct wf_store_failure f = failure("A", b, "00000000deadbeef", "acme/app", "main", 100);
    int64_t fid = 0;
    assert_int_equal(wf_store_failure_put(st, &f, &fid), WF_OK);
    assert_int_equal(wf_store_key_put(st, "A", "k_a", hash_of('e'), "a", 1), WF_OK);
    int64_t jid = 0;
    assert_int_equal(wf_store_job_push(st, "A", "triage", "{}", 1, 0, &jid), WF_OK);
    struct wf_store_job j;
    assert_int_equal(wf_store_job_claim(st, wf_store_now_ms(), 1000, &j), WF_OK);
    assert_int_equal(wf_store_job_dead(st, j.id, j.lease_token, "gave up"), WF_OK);
    wf_store_job_cleanup(&j);

    /* A sees its rows */
    struct wf_store_build bb;
    assert_int_equal(wf_store_build_get(st, "A", b, &bb), WF_OK);
    assert_int_equal(bb.has_log, 1);
    json_t *o = NULL;
    assert_int_equal(wf_store_failure_get(st, "A", fid, &o), WF_OK);
    json_decref(o);

    /* B sees none of them, through every read */
    assert_int_equal(wf_store_build_get(st, "B", b, &bb), WF_ENOENT);
    assert_int_equal(wf_store_build_find(st, "B", "github", "job-1", &bb), WF_ENOENT);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(wf_store_log_get(st, "B", b, &text, &len), WF_ENOENT);
    assert_int_equal(wf_store_failure_get(st, "B", fid, &o), WF_ENOENT);
    assert_int_equal(wf_store_failure_list(st, "B", NULL, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 0);
    json_decref(o);
    assert_int_equal(wf_store_signature_list(st, "B", NULL, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 0);
    json_decref(o);
    int64_t n = -1, first = -1;
    assert_int_equal(wf_store_signature_count(st, "B", "00000000deadbeef", &n, &first), WF_OK);
    assert_int_equal(n, 0);
    assert_int_equal(first, 0);
    assert_int_equal(wf_store_key_list(st, "B", &o), WF_OK);
    assert_int_equal(json_array_size(o), 0);
    json_decref(o);
    assert_int_equal(wf_store_job_dead_list(st, "B", &o), WF_OK);
    assert_int_equal(json_array_size(o), 0);
    json_decref(o);
    /* and cannot write into A's build */
    assert_int_equal(wf_store_log_put(st, "B", b, "x", 1), WF_ENOENT);
    struct wf_store_failure fb = failure("B", b, "00000000deadbeef", "r", "m", 100);
    assert_int_equal(wf_store_failure_put(st, &fb, NULL), WF_ENOENT);
    /* A's view is unchanged by B's attempts */
    assert_int_equal(wf_store_signature_count(st, "A", "00000000deadbeef", &n, &first), WF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(first, 100);
    assert_int_equal(wf_store_job_dead_list(st, "A", &o), WF_OK);
    assert_int_equal(json_array_size(o), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(o, 0), "last_error")),
                        "gave up");
    json_decref(o);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_logs(void **state)
{
    (void)state;
    struct tdir d;
    char path[400];
    tdir_new(&d);
    tdir_file(&d, "db/store.db", path, sizeof(path));
    struct wf_store *st = open_in(&d);
    int64_t b = make_build(st, "acme", "job-log");
    size_t n = 1u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = "[INFO] Building module 42\n"[i % 26];
    assert_int_equal(wf_store_log_put(st, "acme", b, big, n), WF_OK);
    char *got = NULL;
    size_t len = 0;
    assert_int_equal(wf_store_log_get(st, "acme", b, &got, &len), WF_OK);
    assert_int_equal(len, n);
    assert_memory_equal(got, big, n);
    assert_int_equal(got[len], '\0');
    wf_free(got);
    wf_store_close(st);
    /* stored compressed */
    assert_true(scalar(path, "SELECT length(data) FROM logs") < (int64_t)n / 20);
    assert_int_equal(scalar(path, "SELECT raw_len FROM logs"), (int64_t)n);

    /* replaced, and an empty log round-trips */
    st = open_in(&d);
    assert_int_equal(wf_store_log_put(st, "acme", b, "", 0), WF_OK);
    assert_int_equal(wf_store_log_get(st, "acme", b, &got, &len), WF_OK);
    assert_int_equal(len, 0);
    assert_string_equal(got, "");
    wf_free(got);
    assert_int_equal(wf_store_log_get(st, "acme", b + 100, &got, &len), WF_ENOENT);
    assert_int_equal(wf_store_log_put(st, "acme", b + 100, "x", 1), WF_ENOENT);
    wf_store_close(st);
    assert_int_equal(scalar(path, "SELECT count(*) FROM logs"), 1);
    free(big);
    tdir_free(&d);
}

static void test_failures_and_signatures(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    const char *s1 = "1111111111111111", *s2 = "2222222222222222";
    int64_t b1 = make_build(st, "acme", "j1"), b2 = make_build(st, "acme", "j2");
    int64_t b3 = make_build(st, "acme", "j3");
    struct wf_store_failure f = failure("acme", b1, s1, "acme/app", "main", 1000);
    int64_t id1 = 0, id2 = 0, id3 = 0, id4 = 0;
    assert_int_equal(wf_store_failure_put(st, &f, &id1), WF_OK);
    f = failure("acme", b2, s1, "acme/lib", "dev", 2000);
    assert_int_equal(wf_store_failure_put(st, &f, &id2), WF_OK);
    f = failure("acme", 0, s1, "acme/app", "main", 500); /* ad-hoc triage */
    assert_int_equal(wf_store_failure_put(st, &f, &id3), WF_OK);
    int64_t n = 0, first = 0;
    assert_int_equal(wf_store_signature_count(st, "acme", s1, &n, &first), WF_OK);
    assert_int_equal(n, 3);
    assert_int_equal(first, 500);

    /* re-triage of b1 with the same signature: replaced, not counted again */
    f = failure("acme", b1, s1, "acme/app", "main", 3000);
    f.title = "retriaged";
    assert_int_equal(wf_store_failure_put(st, &f, &id4), WF_OK);
    assert_int_equal(id4, id1);
    assert_int_equal(wf_store_signature_count(st, "acme", s1, &n, &first), WF_OK);
    assert_int_equal(n, 3);
    /* re-triage of b2 with a new signature moves its count */
    f = failure("acme", b2, s2, "acme/lib", "dev", 4000);
    assert_int_equal(wf_store_failure_put(st, &f, &id4), WF_OK);
    assert_int_equal(id4, id2);
    assert_int_equal(wf_store_signature_count(st, "acme", s1, &n, &first), WF_OK);
    assert_int_equal(n, 2);
    assert_int_equal(wf_store_signature_count(st, "acme", s2, &n, &first), WF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(first, 4000);

    /* bad report JSON is refused before anything is written */
    f = failure("acme", b3, s1, "acme/app", "main", 5000);
    f.report_json = "{not json";
    assert_int_equal(wf_store_failure_put(st, &f, NULL), WF_EFORMAT);
    assert_int_equal(wf_store_signature_count(st, "acme", s1, &n, &first), WF_OK);
    assert_int_equal(n, 2);

    json_t *o = NULL;
    assert_int_equal(wf_store_failure_get(st, "acme", id1, &o), WF_OK);
    assert_string_equal(json_string_value(json_object_get(o, "title")), "retriaged");
    assert_int_equal(json_integer_value(json_object_get(o, "signature_count")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(o, "report"), "category")), "test");
    json_t *build = json_object_get(o, "build");
    assert_int_equal(json_integer_value(json_object_get(build, "id")), b1);
    assert_string_equal(json_string_value(json_object_get(build, "external_id")), "j1");
    json_decref(o);
    assert_int_equal(wf_store_failure_get(st, "acme", id3, &o), WF_OK);
    assert_true(json_is_null(json_object_get(o, "build")));
    json_decref(o);
    assert_int_equal(wf_store_failure_get(st, "acme", 9999, &o), WF_ENOENT);

    /* signature list: most recently seen first, with repos and branches */
    assert_int_equal(wf_store_signature_list(st, "acme", NULL, &o), WF_OK);
    json_t *items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *a = json_array_get(items, 0), *b = json_array_get(items, 1);
    assert_string_equal(json_string_value(json_object_get(a, "signature")), s2);
    assert_string_equal(json_string_value(json_object_get(b, "signature")), s1);
    assert_int_equal(json_integer_value(json_object_get(b, "count")), 2);
    assert_int_equal(json_integer_value(json_object_get(b, "first_seen_ms")), 500);
    assert_int_equal(json_integer_value(json_object_get(b, "last_seen_ms")), 3000);
    json_t *repos = json_object_get(b, "repos");
    assert_int_equal(json_array_size(repos), 1);
    assert_string_equal(json_string_value(json_array_get(repos, 0)), "acme/app");
    assert_int_equal(json_array_size(json_object_get(a, "branches")), 1);
    assert_true(json_is_null(json_object_get(o, "next")));
    json_decref(o);
    struct wf_store_filter flt = {.repo = "acme/lib"};
    assert_int_equal(wf_store_signature_list(st, "acme", &flt, &o), WF_OK);
    items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "signature")),
                        s2);
    json_decref(o);
    struct wf_store_filter page1 = {.limit = 1};
    assert_int_equal(wf_store_signature_list(st, "acme", &page1, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 1);
    int64_t next = json_integer_value(json_object_get(o, "next"));
    json_decref(o);
    struct wf_store_filter page2 = {.limit = 1, .before_id = next};
    assert_int_equal(wf_store_signature_list(st, "acme", &page2, &o), WF_OK);
    items = json_object_get(o, "items");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "signature")),
                        s1);
    assert_true(json_is_null(json_object_get(o, "next")));
    json_decref(o);
    wf_store_close(st);
    tdir_free(&d);
}

static void test_failure_list_pages(void **state)
{
    (void)state;
    struct tdir d;
    tdir_new(&d);
    struct wf_store *st = open_in(&d);
    int64_t ids[7];
    for (int i = 0; i < 7; i++) {
        struct wf_store_failure f =
            failure("acme", 0, i % 2 ? "aaaaaaaaaaaaaaaa" : "bbbbbbbbbbbbbbbb",
                    i < 4 ? "acme/app" : "acme/web", "main", 1000 * (i + 1));
        assert_int_equal(wf_store_failure_put(st, &f, &ids[i]), WF_OK);
    }
    /* pages of 3, newest first, each id once */
    struct wf_store_filter flt = {.limit = 3};
    int seen = 0;
    for (int p = 0; p < 3; p++) {
        json_t *o = NULL;
        assert_int_equal(wf_store_failure_list(st, "acme", &flt, &o), WF_OK);
        json_t *items = json_object_get(o, "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            assert_int_equal(json_integer_value(json_object_get(it, "id")), ids[6 - seen]);
            int64_t expect_count = (6 - seen) % 2 ? 3 : 4;
            assert_int_equal(json_integer_value(json_object_get(it, "signature_count")),
                             expect_count);
            seen++;
        }
        json_t *next = json_object_get(o, "next");
        if (p < 2) {
            assert_int_equal(json_array_size(items), 3);
            flt.before_id = json_integer_value(next);
        } else {
            assert_int_equal(json_array_size(items), 1);
            assert_true(json_is_null(next));
        }
        json_decref(o);
    }
    assert_int_equal(seen, 7);

    /* filters: repo, signature, time window */
    struct wf_store_filter f2 = {.repo = "acme/web", .signature = "aaaaaaaaaaaaaaaa"};
    json_t *o = NULL;
    assert_int_equal(wf_store_failure_list(st, "acme", &f2, &o), WF_OK);
    json_t *items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 1); /* i = 5 */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), ids[5]);
    json_decref(o);
    struct wf_store_filter f3 = {.since_ms = 2000, .until_ms = 4000};
    assert_int_equal(wf_store_failure_list(st, "acme", &f3, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 2); /* 2000, 3000 */
    json_decref(o);
    struct wf_store_filter f4 = {.category = "infra"};
    assert_int_equal(wf_store_failure_list(st, "acme", &f4, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 0);
    json_decref(o);
    struct wf_store_filter f5 = {.limit = 100000};
    assert_int_equal(wf_store_failure_list(st, "acme", &f5, &o), WF_OK);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 7);
    json_decref(o);
    wf_store_close(st);
    tdir_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_migrate_reopen),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_tenants_and_keys),
        cmocka_unit_test(test_isolation),
        cmocka_unit_test(test_logs),
        cmocka_unit_test(test_failures_and_signatures),
        cmocka_unit_test(test_failure_list_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
