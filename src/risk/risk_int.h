/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the risk module: the state of one history pass (per-file,
 * per-author and per-subsystem records in hash maps) that yields the
 * history metrics of Kamei et al. for a change without walking the history
 * again, and the owners of a set of files. Built by risk_git.c commit by
 * commit, oldest first; pure data, no libgit2.
 */
#ifndef WF_RISK_INT_H
#define WF_RISK_INT_H

#include "risk.h"

#define WF_RISK__NO_AUTHOR UINT32_MAX

struct wf_risk__u32vec {
    uint32_t *v; /* owned */
    size_t n, cap;
};

/* 64-bit key -> 32-bit value, open addressing (key 0 is stored as 1). */
struct wf_risk__map {
    uint64_t *keys; /* owned, 0 = empty slot */
    uint32_t *vals; /* owned */
    size_t cap, count;
};

struct wf_risk__file {
    int64_t last_time;              /* seconds; time of the last change */
    struct wf_risk__u32vec commits; /* commit indexes, oldest first */
    struct wf_risk__u32vec authors; /* distinct author indexes */
};

struct wf_risk__author {
    char *name;         /* owned display name */
    uint32_t n_commits; /* commits so far (EXP) */
    int64_t first_year; /* year index (t / 365.25 days) of the first commit */
};

struct wf_risk__hist {
    struct wf_risk__map file_ix, author_ix, sub_ix, year_ix;
    struct wf_hset file_author;  /* (file, author) pairs seen */
    struct wf_risk__file *files; /* owned */
    size_t n_files, cap_files;
    struct wf_risk__author *authors; /* owned */
    size_t n_authors, cap_authors;
    struct wf_risk__u32vec *subs; /* owned: commits of (author, subsystem) */
    size_t n_subs, cap_subs;
    uint32_t *commit_author; /* owned, per commit index */
    size_t n_commits, cap_commits;
};

/* Map operations: get returns 1 and writes *val when key is present. */
int wf_risk__map_get(const struct wf_risk__map *m, uint64_t key, uint32_t *val);
int wf_risk__map_put(struct wf_risk__map *m, uint64_t key, uint32_t val);
void wf_risk__map_cleanup(struct wf_risk__map *m);

void wf_risk__hist_init(struct wf_risk__hist *h);
void wf_risk__hist_cleanup(struct wf_risk__hist *h);
/* Index of the author with this e-mail (or name when the e-mail is empty),
 * created with the display name when new. */
int wf_risk__hist_author(struct wf_risk__hist *h, const char *email, const char *name,
                         uint32_t *idx);
/* Index of a known author, WF_RISK__NO_AUTHOR when unknown. */
uint32_t wf_risk__hist_find_author(const struct wf_risk__hist *h, const char *email);
/* ndev, age, nuc, exp, rexp, sexp of a change at time t into c->m. */
int wf_risk__hist_metrics(const struct wf_risk__hist *h, const struct wf_risk_change_file *files,
                          size_t n, uint32_t author, int64_t t, struct wf_risk_commit *c);
/* Records a commit (the next commit index) by author at time t. */
int wf_risk__hist_update(struct wf_risk__hist *h, const struct wf_risk_change_file *files, size_t n,
                         uint32_t author, int64_t t);
/* Top authors of the files by their last WF_RISK_OWNER_RECENT commits. */
int wf_risk__hist_owners(const struct wf_risk__hist *h, const struct wf_risk_change_file *files,
                         size_t n, struct wf_risk_change_metrics *out);

#endif
