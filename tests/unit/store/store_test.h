/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the store and queue unit tests: a temporary directory
 * under /tmp removed with everything in it, opening a store in it, and
 * building one-event ingest requests. Include after cmocka.h.
 *
 * Every test runs against SQLite, and once more against PostgreSQL when
 * WF_TEST_PG_URL names a server (CTest's pg fixture starts one): the test
 * executable creates a database of its own there, and each temporary
 * directory maps to a fresh schema in it (?schema=), so every test starts
 * from an empty store.
 */
#ifndef WF_STORE_TEST_H
#define WF_STORE_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store/store.h"

/* The per-executable PostgreSQL database when running there, else "". */
static char store_test_pg[512];
/* The schema of the last directory opened on PostgreSQL. */
static char store_test_schema[64];

static inline int on_pg(void)
{
    return store_test_pg[0] != '\0';
}

struct tdir {
    char path[256];
};

static inline void tdir_new(struct tdir *d)
{
    snprintf(d->path, sizeof(d->path), "/tmp/wf-store-test-XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

/* rm -r of path (the tests' directories are shallow). */
static inline void tdir_rm(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *dir = opendir(path);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[512];
            if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < (int)sizeof(sub))
                tdir_rm(sub);
        }
        if (dir)
            closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static inline void tdir_free(struct tdir *d)
{
    tdir_rm(d->path);
}

/* Path of a file inside the directory (static buffer per call site use). */
static inline void tdir_file(const struct tdir *d, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", d->path, name);
}

/* Opens url with default options, failing the test on error. */
static inline struct wf_store *open_url(const char *url)
{
    struct wf_store_opts o = {url, 4, 0, 0};
    struct wf_store *st = NULL;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_store_open(&o, &st, &err);
    if (rc)
        fail_msg("open %s: %s: %s", url, wf_errname(rc), err.p ? err.p : "");
    wf_buf_cleanup(&err);
    return st;
}

/* The url of d's store: the file "db/store.db" in it, or on PostgreSQL
 * the schema named after it. */
static inline void store_url(const struct tdir *d, char *url, size_t cap)
{
    if (!on_pg()) {
        snprintf(url, cap, "sqlite:%s/db/store.db", d->path);
        return;
    }
    const char *base = strrchr(d->path, '-'); /* mkdtemp's unique suffix */
    snprintf(store_test_schema, sizeof(store_test_schema), "t_%s", base ? base + 1 : "x");
    snprintf(url, cap, "%s?schema=%s", store_test_pg, store_test_schema);
}

/* Opens d's store. */
static inline struct wf_store *open_in(const struct tdir *d)
{
    char url[800];
    store_url(d, url, sizeof(url));
    return open_url(url);
}

/* Connects to the test database with the last opened schema current. */
static inline PGconn *pg_test_conn(void)
{
    PGconn *db = PQconnectdb(store_test_pg);
    assert_int_equal(PQstatus(db), CONNECTION_OK);
    char set[128];
    snprintf(set, sizeof(set), "SET search_path TO \"%s\"", store_test_schema);
    PGresult *r = PQexec(db, set);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    return db;
}

/* One integer from sql (SQLite's ?1 placeholders become $1) with text
 * parameter arg (optional), run in the last opened schema. */
static inline int64_t pg_scalar(const char *sql, const char *arg)
{
    char q[1024];
    size_t n = 0;
    for (const char *p = sql; *p && n + 2 < sizeof(q); p++)
        q[n++] = *p == '?' ? '$' : *p;
    q[n] = '\0';
    PGconn *db = pg_test_conn();
    const char *params[1] = {arg};
    PGresult *r = PQexecParams(db, q, arg ? 1 : 0, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", q, PQresultErrorMessage(r));
    int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(db);
    return v;
}

/* Runs sql (no result wanted) in the last opened schema. */
static inline void pg_exec_sql(const char *sql)
{
    PGconn *db = pg_test_conn();
    PGresult *r = PQexec(db, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(db);
}

/* Runs sql on the server's url (database administration). */
static inline void pg_test_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static inline int pg_admin(const char *url, const char *sql)
{
    PGconn *db = PQconnectdb(url);
    int ok = PQstatus(db) == CONNECTION_OK;
    if (ok) {
        PQsetNoticeProcessor(db, pg_test_quiet, NULL);
        PGresult *r = PQexec(db, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
    } else {
        fprintf(stderr, "cannot connect to the test server: %s", PQerrorMessage(db));
    }
    PQfinish(db);
    return ok;
}

/* Runs the test groups: common and sqlite_only on SQLite; then, when
 * WF_TEST_PG_URL is set, common and pg_only on a database created for this
 * executable (dropped at the end). Returns the number of failures. */
static inline int store_test_main(const char *name, const struct CMUnitTest *common,
                                  size_t n_common, const struct CMUnitTest *sqlite_only,
                                  size_t n_sqlite, const struct CMUnitTest *pg_only, size_t n_pg)
{
    int failed = 0;
    char group[128];
    snprintf(group, sizeof(group), "%s (sqlite)", name);
    if (n_sqlite)
        failed += _cmocka_run_group_tests(group, sqlite_only, n_sqlite, NULL, NULL);
    if (n_common)
        failed += _cmocka_run_group_tests(group, common, n_common, NULL, NULL);
    const char *base = getenv("WF_TEST_PG_URL");
    if (!base || !base[0])
        return failed;
    const char *slash = strrchr(base, '/');
    if (!slash || (size_t)(slash - base) + 64 >= sizeof(store_test_pg) || strchr(slash, '?')) {
        fprintf(stderr, "WF_TEST_PG_URL must be postgres://USER@HOST:PORT/DB\n");
        return failed + 1;
    }
    char db[64], sql[160];
    snprintf(db, sizeof(db), "wft_%s_%d", name, (int)getpid());
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db);
    if (!pg_admin(base, sql))
        return failed + 1;
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
    if (!pg_admin(base, sql))
        return failed + 1;
    snprintf(store_test_pg, sizeof(store_test_pg), "%.*s/%s", (int)(slash - base), base, db);
    snprintf(group, sizeof(group), "%s (postgres)", name);
    if (n_pg)
        failed += _cmocka_run_group_tests(group, pg_only, n_pg, NULL, NULL);
    if (n_common)
        failed += _cmocka_run_group_tests(group, common, n_common, NULL, NULL);
    store_test_pg[0] = '\0';
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    pg_admin(base, sql);
    return failed;
}

#define STORE_TEST_N(a) (sizeof(a) / sizeof((a)[0]))

/* A job event (kind "job") for tests. */
static inline struct wf_store_event job_event(const char *external_id, const char *status,
                                              const char *conclusion, int64_t occurred_ms)
{
    struct wf_store_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = "job";
    ev.action = status;
    ev.repo = "acme/app";
    ev.branch = "main";
    ev.sha = "0123456789abcdef";
    ev.external_id = external_id;
    ev.parent_id = "run-1";
    ev.name = "build";
    ev.status = status;
    ev.conclusion = conclusion;
    ev.url = "https://ci.example/job";
    ev.occurred_ms = occurred_ms;
    ev.data_json = "{}";
    return ev;
}

/* Ingests one event under a delivery id; returns the code. */
static inline int ingest1(struct wf_store *st, const char *tenant, const char *delivery,
                          const struct wf_store_event *ev, int enqueue,
                          struct wf_store_ingest_result *res)
{
    struct wf_store_ingest_req req;
    memset(&req, 0, sizeof(req));
    req.tenant = tenant;
    req.provider = "github";
    req.delivery = delivery;
    req.events = ev;
    req.n_events = ev ? 1 : 0;
    req.received_ms = wf_store_now_ms();
    req.enqueue_failed_jobs = enqueue;
    return wf_store_ingest(st, &req, res);
}

#endif
