/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The repository side of change risk, and the only file that includes
 * git2.h: opening a repository, walking its history once (oldest commit
 * first, capped), turning each commit into changed files and line counts,
 * feeding the history state of risk_hist.c, SZZ labelling by blaming the
 * lines each fix deleted in the fix's parent, and the history metrics of a
 * diff applied on top of HEAD.
 */
#include "risk_int.h"

#include <git2.h>
#include <git2/sys/repository.h>
#include <string.h>

struct wf_risk_repo {
    git_repository *repo; /* owned */
};

static int git_fail(int rc, struct wf_buf *err, const char *what)
{
    const git_error *e = git_error_last();
    if (err) {
        wf_buf_reset(err);
        (void)wf_buf_appendf(err, "%s: %s", what, e && e->message ? e->message : "libgit2 error");
    }
    return rc == GIT_ENOTFOUND ? WF_ENOENT : WF_EIO;
}

int wf_risk_repo_open(const char *path, struct wf_risk_repo **out, struct wf_buf *err)
{
    struct wf_risk_repo *r = wf_calloc(1, sizeof(*r));
    if (!r)
        return WF_ENOMEM;
    if (git_libgit2_init() < 0) {
        wf_free(r);
        return git_fail(-1, err, "cannot initialise libgit2");
    }
    int grc = git_repository_open_ext(&r->repo, path, 0, NULL);
    if (grc < 0) {
        int rc = git_fail(grc, err, "cannot open the repository");
        wf_free(r);
        git_libgit2_shutdown();
        return rc;
    }
    /* libgit2 re-reads the configuration files for every diff (blame diffs
     * once per commit it walks); an in-memory snapshot set once spares that */
    git_config *snap = NULL;
    if (git_repository_config_snapshot(&snap, r->repo) == 0) {
        (void)git_repository_set_config(r->repo, snap);
        git_config_free(snap);
    }
    *out = r;
    return WF_OK;
}

void wf_risk_repo_free(struct wf_risk_repo *r)
{
    if (!r)
        return;
    git_repository_free(r->repo);
    wf_free(r);
    git_libgit2_shutdown();
}

/* ---- Walking ---------------------------------------------------------------------- */

/* The newest max commits reachable from HEAD, returned oldest first. */
static int collect(git_repository *repo, const struct wf_risk_history_opts *o, git_oid **oids,
                   size_t *n, struct wf_buf *err)
{
    git_revwalk *w = NULL;
    git_oid id, *v = NULL;
    size_t cnt = 0, cap = 0;
    size_t max = o && o->max_commits ? o->max_commits : WF_RISK_MAX_COMMITS_DEFAULT;
    int rc = WF_OK, grc;
    if (max > WF_RISK_MAX_COMMITS)
        max = WF_RISK_MAX_COMMITS;
    if (git_repository_head_unborn(repo) == 1) {
        if (err) {
            wf_buf_reset(err);
            (void)wf_buf_puts(err, "the repository has no commit");
        }
        return WF_EEMPTY;
    }
    if ((grc = git_revwalk_new(&w, repo)) < 0 ||
        (grc = git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME)) < 0 ||
        (grc = git_revwalk_push_head(w)) < 0) {
        rc = git_fail(grc, err, "cannot walk");
        goto out;
    }
    if (o && o->first_parent)
        git_revwalk_simplify_first_parent(w);
    while (cnt < max && (grc = git_revwalk_next(&id, w)) == 0) {
        if ((rc = wf_grow((void **)&v, &cap, cnt + 1, sizeof(*v), WF_RISK_MAX_COMMITS)))
            goto out;
        v[cnt++] = id;
    }
    if (grc < 0 && grc != GIT_ITEROVER) {
        rc = git_fail(grc, err, "cannot walk");
        goto out;
    }
    for (size_t i = 0; i < cnt / 2; i++) {
        git_oid t = v[i];
        v[i] = v[cnt - 1 - i];
        v[cnt - 1 - i] = t;
    }
    *oids = v;
    *n = cnt;
    v = NULL;
out:
    wf_free(v);
    git_revwalk_free(w);
    return rc;
}

/* Files of one commit against its first parent. */
struct changes {
    struct wf_risk_change_file *files; /* owned array, paths in arena */
    size_t n, cap;
    double lt;             /* lines of the touched files in the parent */
    struct wf_arena arena; /* paths */
};

static void changes_reset(struct changes *ch)
{
    ch->n = 0;
    ch->lt = 0;
    wf_arena_cleanup(&ch->arena);
    wf_arena_init(&ch->arena, 0);
}

static size_t count_lines(const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == '\n';
    return k + (n && p[n - 1] != '\n');
}

/* Lines of a blob, 0 for binaries. */
static int blob_lines(git_repository *repo, const git_oid *id, size_t *out)
{
    git_blob *b = NULL;
    *out = 0;
    if (git_oid_is_zero(id))
        return WF_OK;
    if (git_blob_lookup(&b, repo, id) < 0)
        return WF_EIO;
    if (!git_blob_is_binary(b))
        *out = count_lines(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
    git_blob_free(b);
    return WF_OK;
}

/* Ids of the commits a blame of path at parent says last touched the
 * deleted lines (old line numbers lines[0..n)); labels them through map. */
static int szz_blame(git_repository *repo, const git_oid *parent, const char *path,
                     const uint32_t *lines, size_t n, const struct wf_risk__map *commit_ix,
                     struct wf_risk_data *rows)
{
    git_blame_options bo;
    git_blame *bl = NULL;
    size_t lo = SIZE_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = lines[i] < lo ? lines[i] : lo;
        hi = lines[i] > hi ? lines[i] : hi;
    }
    git_blame_options_init(&bo, GIT_BLAME_OPTIONS_VERSION);
    bo.newest_commit = *parent;
    bo.min_line = lo;
    bo.max_line = hi;
    if (git_blame_file(&bl, repo, path, &bo) < 0)
        return WF_OK; /* a path blame cannot follow is not evidence */
    for (size_t i = 0; i < n; i++) {
        const git_blame_hunk *h = git_blame_get_hunk_byline(bl, lines[i]);
        uint32_t idx;
        if (h &&
            wf_risk__map_get(commit_ix, wf_hash64(h->final_commit_id.id, GIT_OID_RAWSZ, 7), &idx))
            rows->rows[idx].bug = 1;
    }
    git_blame_free(bl);
    return WF_OK;
}

/* Diffs commit c against its first parent into ch. When mining (need_lt),
 * also counts lines added, deleted and lt and, for a fix (szz), blames its
 * deleted lines; otherwise only the paths are filled. */
static int commit_changes(git_repository *repo, git_commit *c, struct changes *ch, int need_lt,
                          int szz, size_t szz_max_files, const struct wf_risk__map *commit_ix,
                          struct wf_risk_data *rows)
{
    git_commit *parent = NULL;
    git_tree *old_tree = NULL, *new_tree = NULL;
    git_diff *diff = NULL;
    git_diff_options dopts;
    uint32_t *dl = NULL;
    size_t dl_cap = 0;
    int rc = WF_EIO;

    changes_reset(ch);
    git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
    dopts.context_lines = 0;
    if (git_commit_parentcount(c) > 0 &&
        (git_commit_parent(&parent, c, 0) < 0 || git_commit_tree(&old_tree, parent) < 0))
        goto out;
    if (git_commit_tree(&new_tree, c) < 0 ||
        git_diff_tree_to_tree(&diff, repo, old_tree, new_tree, &dopts) < 0)
        goto out;
    size_t nd = git_diff_num_deltas(diff);
    if (nd > WF_RISK_MAX_CHANGE_FILES) {
        rc = WF_ETOOBIG;
        goto out;
    }
    if (szz && nd > szz_max_files)
        szz = 0;
    rc = WF_OK;
    for (size_t i = 0; i < nd && !rc; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        git_patch *p = NULL;
        size_t adds = 0, dels = 0, n_dl = 0;
        int deleted = d->status == GIT_DELTA_DELETED;
        const char *path = deleted ? d->old_file.path : d->new_file.path;
        /* the history state needs paths only: line counts cost a text diff */
        if (need_lt && git_patch_from_diff(&p, diff, i) < 0) {
            rc = WF_EIO;
            break;
        }
        if (p)
            (void)git_patch_line_stats(NULL, &adds, &dels, p);
        for (size_t h = 0; szz && p && !rc && h < git_patch_num_hunks(p); h++) {
            int nl = git_patch_num_lines_in_hunk(p, h);
            for (int l = 0; l < nl && !rc; l++) {
                const git_diff_line *ln;
                if (git_patch_get_line_in_hunk(&ln, p, h, (size_t)l) < 0)
                    continue;
                if (ln->origin != GIT_DIFF_LINE_DELETION || ln->old_lineno <= 0 ||
                    wf_risk_szz_ignorable_line((struct wf_str){ln->content, ln->content_len}))
                    continue;
                rc = wf_grow((void **)&dl, &dl_cap, n_dl + 1, sizeof(*dl), WF_RISK_DIFF_MAX_LINES);
                if (!rc)
                    dl[n_dl++] = (uint32_t)ln->old_lineno;
            }
        }
        git_patch_free(p);
        if (rc)
            break;
        if (n_dl && parent)
            rc =
                szz_blame(repo, git_commit_id(parent), d->old_file.path, dl, n_dl, commit_ix, rows);
        if (!rc && need_lt && d->status != GIT_DELTA_ADDED) {
            size_t lines;
            rc = blob_lines(repo, &d->old_file.id, &lines);
            ch->lt += (double)lines;
        }
        if (!rc)
            rc = wf_grow((void **)&ch->files, &ch->cap, ch->n + 1, sizeof(*ch->files),
                         WF_RISK_MAX_CHANGE_FILES);
        if (rc)
            break;
        char *copy = wf_arena_strndup(&ch->arena, path, strlen(path));
        if (!copy) {
            rc = WF_ENOMEM;
            break;
        }
        ch->files[ch->n++] = (struct wf_risk_change_file){
            copy, adds, dels, d->status == GIT_DELTA_ADDED, wf_risk_path_class(copy)};
    }
out:
    wf_free(dl);
    git_diff_free(diff);
    git_tree_free(old_tree);
    git_tree_free(new_tree);
    git_commit_free(parent);
    return rc;
}

/* One pass over the history: with rows, every commit becomes a row with its
 * metrics (before it is recorded) and SZZ labels; always, the state h ends
 * holding the whole walked history. */
static int walk(git_repository *repo, const struct wf_risk_history_opts *o, struct wf_risk__hist *h,
                struct wf_risk_data *rows, char **ids, struct wf_buf *err)
{
    git_oid *oids = NULL;
    size_t n = 0;
    struct changes ch;
    struct wf_risk__map commit_ix;
    char *idv = NULL;
    size_t szz_max = o && o->szz_max_files ? o->szz_max_files : WF_RISK_SZZ_MAX_FILES_DEFAULT;
    int rc;

    memset(&ch, 0, sizeof(ch));
    wf_arena_init(&ch.arena, 0);
    memset(&commit_ix, 0, sizeof(commit_ix));
    rc = collect(repo, o, &oids, &n, err);
    if (rc)
        goto out;
    if (n == 0) {
        rc = WF_EEMPTY;
        goto out;
    }
    if (rows && ids && !(idv = wf_calloc(n, GIT_OID_HEXSZ + 1))) {
        rc = WF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        git_commit *c = NULL;
        if (git_commit_lookup(&c, repo, &oids[i]) < 0) {
            rc = git_fail(-1, err, "cannot read a commit");
            break;
        }
        if (git_commit_parentcount(c) > 1 && !(o && o->first_parent)) {
            git_commit_free(c);
            continue; /* a merge repeats its branch's changes */
        }
        const git_signature *a = git_commit_author(c);
        const char *msg = git_commit_message(c);
        int64_t t = (int64_t)a->when.time;
        uint32_t author;
        int fix = wf_risk_is_fix_message(msg);
        rc = wf_risk__hist_author(h, a->email, a->name, &author);
        if (!rc)
            rc = commit_changes(repo, c, &ch, rows != NULL, rows && fix, szz_max, &commit_ix, rows);
        if (!rc && rows) {
            struct wf_risk_commit row;
            memset(&row, 0, sizeof(row));
            row.date = t;
            row.line = rows->n + 1;
            rc = wf_risk_change_size_metrics(ch.files, ch.n, &row);
            if (!rc)
                rc = wf_risk__hist_metrics(h, ch.files, ch.n, author, t, &row);
            row.m[WF_RISK_LT] = ch.lt;
            row.m[WF_RISK_FIX] = fix;
            if (!rc)
                rc = wf_risk__map_put(&commit_ix, wf_hash64(oids[i].id, GIT_OID_RAWSZ, 7),
                                      (uint32_t)rows->n);
            if (!rc)
                rc = wf_grow((void **)&rows->rows, &rows->cap, rows->n + 1, sizeof(*rows->rows),
                             WF_RISK_MAX_ROWS);
            if (!rc) {
                if (idv)
                    git_oid_tostr(idv + rows->n * (GIT_OID_HEXSZ + 1), GIT_OID_HEXSZ + 1, &oids[i]);
                rows->rows[rows->n++] = row;
            }
        }
        if (!rc)
            rc = wf_risk__hist_update(h, ch.files, ch.n, author, t);
        git_commit_free(c);
    }
    if (!rc && ids) {
        *ids = idv;
        idv = NULL;
    }
out:
    wf_free(idv);
    wf_free(oids);
    wf_free(ch.files);
    wf_arena_cleanup(&ch.arena);
    wf_risk__map_cleanup(&commit_ix);
    return rc;
}

int wf_risk_repo_mine(struct wf_risk_repo *r, const struct wf_risk_history_opts *o,
                      struct wf_risk_data *out, char **ids, struct wf_buf *err)
{
    struct wf_risk__hist h;
    struct wf_risk_data d;
    if (!r || !out)
        return WF_EINVAL;
    wf_risk__hist_init(&h);
    wf_risk_data_init(&d);
    int rc = walk(r->repo, o, &h, &d, ids, err);
    wf_risk__hist_cleanup(&h);
    if (!rc && d.n == 0)
        rc = WF_EEMPTY;
    if (rc) {
        wf_risk_data_cleanup(&d);
        return rc;
    }
    *out = d;
    return WF_OK;
}

/* Lines of path in HEAD's tree, 0 when absent. */
static int head_lines(git_repository *repo, git_tree *head, const char *path, size_t *out)
{
    git_tree_entry *e = NULL;
    *out = 0;
    if (!head || git_tree_entry_bypath(&e, head, path) < 0)
        return WF_OK;
    int rc = git_tree_entry_type(e) == GIT_OBJECT_BLOB ? blob_lines(repo, git_tree_entry_id(e), out)
                                                       : WF_OK;
    git_tree_entry_free(e);
    return rc;
}

int wf_risk_repo_change_metrics(struct wf_risk_repo *r, const struct wf_risk_history_opts *o,
                                const struct wf_risk_change_file *files, size_t n,
                                const char *author_email, const char *message, int64_t now,
                                struct wf_risk_change_metrics *out, struct wf_buf *err)
{
    struct wf_risk__hist h;
    struct wf_risk_change_metrics cm;
    git_object *tree = NULL;
    git_config *cfg = NULL;
    const char *cfg_email = NULL;
    int rc;

    if (!r || (!files && n) || !out)
        return WF_EINVAL;
    memset(&cm, 0, sizeof(cm));
    wf_risk__hist_init(&h);
    rc = walk(r->repo, o, &h, NULL, NULL, err);
    if (!rc)
        rc = wf_risk_change_size_metrics(files, n, &cm.c);
    if (rc)
        goto out;
    if (!author_email && git_repository_config_snapshot(&cfg, r->repo) == 0 &&
        git_config_get_string(&cfg_email, cfg, "user.email") == 0)
        author_email = cfg_email;
    uint32_t author = wf_risk__hist_find_author(&h, author_email);
    rc = wf_risk__hist_metrics(&h, files, n, author, now, &cm.c);
    if (rc)
        goto out;
    if (git_revparse_single(&tree, r->repo, "HEAD^{tree}") < 0) {
        rc = git_fail(-1, err, "cannot read HEAD");
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        size_t lines = 0;
        if (!files[i].is_new)
            rc = head_lines(r->repo, (git_tree *)tree, files[i].path, &lines);
        cm.c.m[WF_RISK_LT] += (double)lines;
    }
    if (!rc)
        rc = wf_risk__hist_owners(&h, files, n, &cm);
    if (rc)
        goto out;
    cm.c.date = now;
    cm.have_history = 1;
    cm.have_message = message != NULL;
    cm.c.m[WF_RISK_FIX] = wf_risk_is_fix_message(message);
    *out = cm;
    memset(&cm, 0, sizeof(cm));
out:
    wf_risk_change_metrics_cleanup(&cm);
    git_object_free(tree);
    git_config_free(cfg);
    wf_risk__hist_cleanup(&h);
    return rc;
}
