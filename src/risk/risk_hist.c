/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The history state behind the Kamei metrics: what one walk of the history
 * has seen so far, in hash maps keyed by 64-bit hashes of paths, e-mails and
 * (author, subsystem) pairs. Each commit is looked up (metrics of the change
 * against the past) and then recorded, so mining a whole history is one pass
 * and never walks per file. No libgit2 here: risk_git.c feeds it.
 */
#include "risk_int.h"

#include <ctype.h>
#include <string.h>

#define YEAR_S 31557600 /* 365.25 days */
#define DAY_S 86400.0
#define MAP_MAX WF_RISK_MAX_HISTORY_KEYS

static int vec_push(struct wf_risk__u32vec *v, uint32_t x)
{
    int rc = wf_grow((void **)&v->v, &v->cap, v->n + 1, sizeof(*v->v), UINT32_MAX);
    if (rc)
        return rc;
    v->v[v->n++] = x;
    return WF_OK;
}

/* ---- Map ------------------------------------------------------------------------ */

static uint64_t fix_key(uint64_t k)
{
    return k ? k : 1;
}

static size_t map_slot(const struct wf_risk__map *m, uint64_t key)
{
    size_t i = (size_t)wf_hash_mix(0x9e3779b97f4a7c15ull, key) & (m->cap - 1);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

int wf_risk__map_get(const struct wf_risk__map *m, uint64_t key, uint32_t *val)
{
    key = fix_key(key);
    if (!m->cap)
        return 0;
    size_t i = map_slot(m, key);
    if (!m->keys[i])
        return 0;
    *val = m->vals[i];
    return 1;
}

int wf_risk__map_put(struct wf_risk__map *m, uint64_t key, uint32_t val)
{
    key = fix_key(key);
    if ((m->count + 1) * 4 > m->cap * 3) {
        if (m->count >= MAP_MAX)
            return WF_ETOOBIG;
        size_t ncap = m->cap ? m->cap * 2 : 64;
        uint64_t *nk = wf_calloc(ncap, sizeof(*nk));
        uint32_t *nv = wf_calloc(ncap, sizeof(*nv));
        if (!nk || !nv) {
            wf_free(nk);
            wf_free(nv);
            return WF_ENOMEM;
        }
        struct wf_risk__map n = {nk, nv, ncap, 0};
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = map_slot(&n, m->keys[i]);
                nk[j] = m->keys[i];
                nv[j] = m->vals[i];
            }
        n.count = m->count;
        wf_free(m->keys);
        wf_free(m->vals);
        *m = n;
    }
    size_t i = map_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->count++;
    }
    m->vals[i] = val;
    return WF_OK;
}

void wf_risk__map_cleanup(struct wf_risk__map *m)
{
    wf_free(m->keys);
    wf_free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* ---- State ------------------------------------------------------------------------ */

void wf_risk__hist_init(struct wf_risk__hist *h)
{
    memset(h, 0, sizeof(*h));
    wf_hset_init(&h->file_author, MAP_MAX);
}

void wf_risk__hist_cleanup(struct wf_risk__hist *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_files; i++) {
        wf_free(h->files[i].commits.v);
        wf_free(h->files[i].authors.v);
    }
    for (size_t i = 0; i < h->n_authors; i++)
        wf_free(h->authors[i].name);
    for (size_t i = 0; i < h->n_subs; i++)
        wf_free(h->subs[i].v);
    wf_free(h->files);
    wf_free(h->authors);
    wf_free(h->subs);
    wf_free(h->commit_author);
    wf_risk__map_cleanup(&h->file_ix);
    wf_risk__map_cleanup(&h->author_ix);
    wf_risk__map_cleanup(&h->sub_ix);
    wf_risk__map_cleanup(&h->year_ix);
    wf_hset_cleanup(&h->file_author);
    memset(h, 0, sizeof(*h));
}

static uint64_t email_key(const char *email)
{
    uint64_t k = 0xcbf29ce484222325ull;
    for (const char *p = email; *p; p++)
        k = wf_hash_mix(k, (uint64_t)tolower((unsigned char)*p));
    return k;
}

uint32_t wf_risk__hist_find_author(const struct wf_risk__hist *h, const char *email)
{
    uint32_t v;
    if (!email || !*email || !wf_risk__map_get(&h->author_ix, email_key(email), &v))
        return WF_RISK__NO_AUTHOR;
    return v;
}

int wf_risk__hist_author(struct wf_risk__hist *h, const char *email, const char *name,
                         uint32_t *idx)
{
    const char *id = email && *email ? email : (name ? name : "");
    uint64_t key = email_key(id);
    if (wf_risk__map_get(&h->author_ix, key, idx))
        return WF_OK;
    int rc = wf_grow((void **)&h->authors, &h->cap_authors, h->n_authors + 1, sizeof(*h->authors),
                     MAP_MAX);
    if (rc)
        return rc;
    const char *nm = name && *name ? name : id;
    char *copy = wf_strndup(nm, strlen(nm));
    if (!copy)
        return WF_ENOMEM;
    rc = wf_risk__map_put(&h->author_ix, key, (uint32_t)h->n_authors);
    if (rc) {
        wf_free(copy);
        return rc;
    }
    h->authors[h->n_authors] = (struct wf_risk__author){copy, 0, INT64_MAX};
    *idx = (uint32_t)h->n_authors++;
    return WF_OK;
}

static uint64_t path_key(const char *path)
{
    return wf_hash64(path, strlen(path), 0x66696c65);
}

/* Hash of the subsystem (top-level directory, "" at the root) of a path. */
static uint64_t sub_key(uint32_t author, const char *path)
{
    const char *s = strchr(path, '/');
    size_t len = s ? (size_t)(s - path) : 0;
    return wf_hash_mix(wf_hash64(path, len, 0x737562), author);
}

static int64_t year_of(int64_t t)
{
    return t >= 0 ? t / YEAR_S : -((-t + YEAR_S - 1) / YEAR_S);
}

static uint64_t year_key(uint32_t author, int64_t year)
{
    return wf_hash_mix(wf_hash_mix(0x79656172, author), (uint64_t)year);
}

/* Adds every element of v to the set, counting the new ones. */
static int union_into(struct wf_hset *s, const struct wf_risk__u32vec *v, size_t *added)
{
    for (size_t i = 0; i < v->n; i++) {
        int a;
        int rc = wf_hset_add(s, (uint64_t)v->v[i] + 1, &a);
        if (rc)
            return rc;
        *added += (size_t)a;
    }
    return WF_OK;
}

int wf_risk__hist_metrics(const struct wf_risk__hist *h, const struct wf_risk_change_file *files,
                          size_t n, uint32_t author, int64_t t, struct wf_risk_commit *c)
{
    struct wf_hset devs, nucs, subs;
    size_t ndev = 0, nuc = 0, sexp = 0, aged = 0;
    double age = 0;
    int rc = WF_OK;
    wf_hset_init(&devs, MAP_MAX);
    wf_hset_init(&nucs, MAP_MAX);
    wf_hset_init(&subs, MAP_MAX);
    for (size_t i = 0; i < n && !rc; i++) {
        uint32_t fi;
        if (!wf_risk__map_get(&h->file_ix, path_key(files[i].path), &fi))
            continue;
        const struct wf_risk__file *f = &h->files[fi];
        double d = (double)(t - f->last_time) / DAY_S;
        age += d > 0 ? d : 0;
        aged++;
        rc = union_into(&devs, &f->authors, &ndev);
        if (!rc)
            rc = union_into(&nucs, &f->commits, &nuc);
    }
    if (!rc && author != WF_RISK__NO_AUTHOR) {
        /* SEXP: the author's earlier commits that touched any of the
         * subsystems, each counted once. */
        struct wf_hset seen_sub;
        wf_hset_init(&seen_sub, MAP_MAX);
        for (size_t i = 0; i < n && !rc; i++) {
            uint64_t k = sub_key(author, files[i].path);
            uint32_t si;
            int added = 0;
            rc = wf_hset_add(&seen_sub, k, &added);
            if (!rc && added && wf_risk__map_get(&h->sub_ix, k, &si))
                rc = union_into(&subs, &h->subs[si], &sexp);
        }
        wf_hset_cleanup(&seen_sub);
    }
    if (rc)
        goto out;
    c->m[WF_RISK_NDEV] = (double)ndev;
    c->m[WF_RISK_AGE] = aged ? age / (double)aged : 0;
    c->m[WF_RISK_NUC] = (double)nuc;
    c->m[WF_RISK_SEXP] = (double)sexp;
    c->m[WF_RISK_EXP] = 0;
    c->m[WF_RISK_REXP] = 0;
    if (author != WF_RISK__NO_AUTHOR) {
        const struct wf_risk__author *a = &h->authors[author];
        double rexp = 0;
        int64_t now = year_of(t);
        for (int64_t y = a->first_year; a->n_commits && y <= now; y++) {
            uint32_t cnt;
            if (wf_risk__map_get(&h->year_ix, year_key(author, y), &cnt))
                rexp += (double)cnt / (double)(now - y + 1);
        }
        c->m[WF_RISK_EXP] = (double)a->n_commits;
        c->m[WF_RISK_REXP] = rexp;
    }
out:
    wf_hset_cleanup(&devs);
    wf_hset_cleanup(&nucs);
    wf_hset_cleanup(&subs);
    return rc;
}

int wf_risk__hist_update(struct wf_risk__hist *h, const struct wf_risk_change_file *files, size_t n,
                         uint32_t author, int64_t t)
{
    int rc = wf_grow((void **)&h->commit_author, &h->cap_commits, h->n_commits + 1,
                     sizeof(*h->commit_author), WF_RISK_MAX_COMMITS);
    if (rc)
        return rc;
    const uint32_t ci = (uint32_t)h->n_commits;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = path_key(files[i].path);
        uint32_t fi;
        if (!wf_risk__map_get(&h->file_ix, k, &fi)) {
            rc = wf_grow((void **)&h->files, &h->cap_files, h->n_files + 1, sizeof(*h->files),
                         MAP_MAX);
            if (!rc)
                rc = wf_risk__map_put(&h->file_ix, k, (uint32_t)h->n_files);
            if (rc)
                return rc;
            memset(&h->files[h->n_files], 0, sizeof(h->files[0]));
            fi = (uint32_t)h->n_files++;
        }
        struct wf_risk__file *f = &h->files[fi];
        f->last_time = t;
        rc = vec_push(&f->commits, ci);
        if (!rc && author != WF_RISK__NO_AUTHOR) {
            int added;
            rc = wf_hset_add(&h->file_author, wf_hash_mix(k, author), &added);
            if (!rc && added)
                rc = vec_push(&f->authors, author);
        }
        if (!rc && author != WF_RISK__NO_AUTHOR) {
            uint64_t sk = sub_key(author, files[i].path);
            uint32_t si;
            if (!wf_risk__map_get(&h->sub_ix, sk, &si)) {
                rc = wf_grow((void **)&h->subs, &h->cap_subs, h->n_subs + 1, sizeof(*h->subs),
                             MAP_MAX);
                if (!rc)
                    rc = wf_risk__map_put(&h->sub_ix, sk, (uint32_t)h->n_subs);
                if (rc)
                    return rc;
                memset(&h->subs[h->n_subs], 0, sizeof(h->subs[0]));
                si = (uint32_t)h->n_subs++;
            }
            struct wf_risk__u32vec *sv = &h->subs[si];
            if (!sv->n || sv->v[sv->n - 1] != ci)
                rc = vec_push(sv, ci);
        }
        if (rc)
            return rc;
    }
    if (author != WF_RISK__NO_AUTHOR) {
        struct wf_risk__author *a = &h->authors[author];
        int64_t y = year_of(t);
        uint32_t cnt = 0;
        (void)wf_risk__map_get(&h->year_ix, year_key(author, y), &cnt);
        rc = wf_risk__map_put(&h->year_ix, year_key(author, y), cnt + 1);
        if (rc)
            return rc;
        a->n_commits++;
        if (y < a->first_year)
            a->first_year = y;
    }
    h->commit_author[h->n_commits++] = author;
    return WF_OK;
}

int wf_risk__hist_owners(const struct wf_risk__hist *h, const struct wf_risk_change_file *files,
                         size_t n, struct wf_risk_change_metrics *out)
{
    if (!h->n_authors)
        return WF_OK;
    size_t *cnt = wf_calloc(h->n_authors, sizeof(*cnt));
    if (!cnt)
        return WF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t fi;
        if (!wf_risk__map_get(&h->file_ix, path_key(files[i].path), &fi))
            continue;
        const struct wf_risk__u32vec *v = &h->files[fi].commits;
        size_t from = v->n > WF_RISK_OWNER_RECENT ? v->n - WF_RISK_OWNER_RECENT : 0;
        for (size_t k = from; k < v->n; k++) {
            uint32_t a = h->commit_author[v->v[k]];
            if (a != WF_RISK__NO_AUTHOR)
                cnt[a]++;
        }
    }
    int rc = WF_OK;
    for (size_t slot = 0; slot < WF_RISK_MAX_OWNERS; slot++) {
        size_t best = SIZE_MAX;
        for (size_t a = 0; a < h->n_authors; a++)
            if (cnt[a] && (best == SIZE_MAX || cnt[a] > cnt[best]))
                best = a; /* ties: the author seen first */
        if (best == SIZE_MAX)
            break;
        const char *nm = h->authors[best].name;
        out->owners[slot] = wf_strndup(nm, strlen(nm));
        if (!out->owners[slot]) {
            rc = WF_ENOMEM;
            break;
        }
        out->owner_commits[slot] = cnt[best];
        cnt[best] = 0;
    }
    wf_free(cnt);
    return rc;
}

void wf_risk_change_metrics_cleanup(struct wf_risk_change_metrics *cm)
{
    if (!cm)
        return;
    for (size_t i = 0; i < WF_RISK_MAX_OWNERS; i++) {
        wf_free(cm->owners[i]);
        cm->owners[i] = NULL;
    }
}
