/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the store and queue unit tests: a temporary directory
 * under /tmp removed with everything in it, opening a store in it, and
 * building one-event ingest requests. Include after cmocka.h.
 */
#ifndef WF_STORE_TEST_H
#define WF_STORE_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

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

/* Opens the store file "db/store.db" in d. */
static inline struct wf_store *open_in(const struct tdir *d)
{
    char url[400];
    snprintf(url, sizeof(url), "sqlite:%s/db/store.db", d->path);
    return open_url(url);
}

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
