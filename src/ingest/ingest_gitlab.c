/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GitLab deliveries (X-Gitlab-Event) to internal events: a Pipeline Hook is
 * a build plus one job per entry of builds[], a Job Hook a job, Merge
 * Request Hook a pull_request, Push Hook one change per commit, Deployment
 * Hook a deployment, and (Confidential) Issue Hook an incident when the
 * issue is of type incident or labelled "incident". GitLab has no separate
 * incident hook: incidents arrive as issue events. Everything else is
 * ignored. Field names follow GitLab's webhook_events documentation.
 */
#include "ingest_int.h"

#include <string.h>
#include <strings.h>

/* GitLab's pipeline/job status to (status, conclusion). */
static void gl_status(const char *s, const char **status, const char **concl)
{
    static const struct {
        const char *gitlab, *status, *conclusion;
    } map[] = {
        {"created", "queued", NULL},
        {"pending", "queued", NULL},
        {"waiting_for_resource", "queued", NULL},
        {"waiting_for_callback", "queued", NULL},
        {"preparing", "queued", NULL},
        {"scheduled", "queued", NULL},
        {"running", "in_progress", NULL},
        {"canceling", "in_progress", NULL},
        {"success", "completed", "success"},
        {"failed", "completed", "failure"},
        {"canceled", "completed", "cancelled"},
        {"cancelled", "completed", "cancelled"},
        {"skipped", "completed", "skipped"},
        {"manual", "completed", "action_required"},
    };
    *status = "queued";
    *concl = NULL;
    for (size_t i = 0; s && i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(s, map[i].gitlab) == 0) {
            *status = map[i].status;
            *concl = map[i].conclusion;
            return;
        }
    }
}

/* GitLab says "opened" where GitHub and our events say "open". */
static const char *gl_state(const char *s)
{
    return s && strcmp(s, "opened") == 0 ? "open" : s;
}

/* project.path_with_namespace into ev->repo; *web_url (optional) gets
 * project.web_url. */
static int set_repo(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *root,
                    const char **web_url)
{
    json_t *proj;
    const char *path, *web;
    int rc;
    TRY(wf_ingest__obj(c, root, "", "project", 1, &proj));
    TRY(wf_ingest__str(c, proj, "project", "path_with_namespace", 1, &path));
    TRY(wf_ingest__str(c, proj, "project", "web_url", 0, &web));
    if (web_url)
        *web_url = web;
    return wf_ingest__set(c, ev, &ev->repo, "repo", path);
}

/* "<base>/-/<what>/<id>" as the event's url (redacted like any string). */
static int set_url_from(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char *url,
                        const char *base, const char *what, json_int_t id)
{
    if (url && url[0])
        return wf_ingest__set(c, ev, &ev->url, "url", url);
    if (!base || !base[0])
        return wf_ingest__set(c, ev, &ev->url, "url", NULL);
    struct wf_buf b;
    wf_buf_init(&b, WF_INGEST_MAX_STR_BYTES * 2);
    int rc = wf_buf_appendf(&b, "%.*s/-/%s/%" JSON_INTEGER_FORMAT, (int)WF_INGEST_MAX_STR_BYTES,
                            base, what, id);
    if (!rc)
        rc = wf_ingest__set(c, ev, &ev->url, "url", b.p);
    wf_buf_cleanup(&b);
    return rc;
}

/* Status and conclusion of a GitLab status string, keeping the original. */
static int set_status(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char *gitlab)
{
    const char *st, *cc;
    int rc;
    gl_status(gitlab, &st, &cc);
    TRY(wf_ingest__set_static(c, ev, &ev->status, "status", st));
    if (cc)
        TRY(wf_ingest__set_static(c, ev, &ev->conclusion, "conclusion", cc));
    else
        TRY(wf_ingest__set(c, ev, NULL, "conclusion", NULL));
    return wf_ingest__set(c, ev, NULL, "gitlab_status", gitlab);
}

/* runner.description and runner.tags of a job object. */
static int set_runner(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *job,
                      const char *where)
{
    json_t *runner, *tags = NULL;
    const char *desc = NULL;
    char path[64];
    int rc;
    TRY(wf_ingest__obj(c, job, where, "runner", 0, &runner));
    snprintf(path, sizeof(path), "%s%srunner", where, where[0] ? "." : "");
    if (runner) {
        TRY(wf_ingest__str(c, runner, path, "description", 0, &desc));
        TRY(wf_ingest__arr(c, runner, path, "tags", 0, &tags));
    }
    TRY(wf_ingest__set(c, ev, NULL, "runner", desc));
    char tpath[80];
    snprintf(tpath, sizeof(tpath), "%s.tags", path);
    return wf_ingest__set_labels(c, ev, "labels", tags, tpath, NULL);
}

static int pipeline_job(struct wf_ingest__ctx *c, json_t *b, size_t i,
                        const struct wf_ingest_event *pipe, json_int_t pipe_id, const char *web)
{
    char W[32];
    json_int_t id;
    int has, allow, has_allow, rc;
    const char *name, *stage, *status, *reason;
    struct wf_ingest_event *ev;
    int64_t created = 0, started = 0, finished = 0;

    snprintf(W, sizeof(W), "builds[%zu]", i);
    if (!json_is_object(b))
        return wf_ingest__fail(c, W, NULL, "expected an object");
    TRY(wf_ingest__int(c, b, W, "id", 1, &id, &has));
    TRY(wf_ingest__str(c, b, W, "status", 1, &status));
    TRY(wf_ingest__str(c, b, W, "name", 0, &name));
    TRY(wf_ingest__str(c, b, W, "stage", 0, &stage));
    TRY(wf_ingest__str(c, b, W, "failure_reason", 0, &reason));
    TRY(wf_ingest__bool(c, b, W, "allow_failure", &allow, &has_allow));

    TRY(wf_ingest__event(c, WF_INGEST_JOB, &ev));
    /* pipe is a copy: the events array may have moved */
    ev->repo = pipe->repo;
    ev->branch = pipe->branch;
    ev->sha = pipe->sha;
    TRY(wf_ingest__set_static(c, ev, NULL, "repo", ev->repo));
    TRY(wf_ingest__set_static(c, ev, NULL, "branch", ev->branch));
    TRY(wf_ingest__set_static(c, ev, NULL, "sha", ev->sha));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "job_id", id, 1));
    TRY(wf_ingest__set_id(c, ev, &ev->parent_id, NULL, "pipeline_id", pipe_id, 1));
    TRY(wf_ingest__set(c, ev, &ev->name, "name", name));
    TRY(wf_ingest__set(c, ev, NULL, "stage", stage));
    TRY(set_status(c, ev, status));
    TRY(wf_ingest__set(c, ev, NULL, "failure_reason", reason));
    TRY(wf_ingest__set_bool(ev, "allow_failure", allow, has_allow));
    TRY(wf_ingest__set_time(c, ev, b, W, "created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, b, W, "started_at", "started_at", &started));
    TRY(wf_ingest__set_time(c, ev, b, W, "finished_at", "completed_at", &finished));
    TRY(set_url_from(c, ev, NULL, web, "jobs", id));
    TRY(set_runner(c, ev, b, W));
    ev->occurred_ms = finished ? finished : started ? started : created;
    return WF_OK;
}

static int pipeline(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "object_attributes";
    json_t *oa, *builds, *b;
    json_int_t id, iid;
    int has, has_iid, rc, has_dur;
    double dur;
    const char *status, *ref, *sha, *name, *source, *url, *web;
    struct wf_ingest_event *ev;
    int64_t created = 0, finished = 0;
    size_t i;

    TRY(wf_ingest__obj(c, root, "", W, 1, &oa));
    TRY(wf_ingest__int(c, oa, W, "id", 1, &id, &has));
    TRY(wf_ingest__int(c, oa, W, "iid", 0, &iid, &has_iid));
    TRY(wf_ingest__str(c, oa, W, "status", 1, &status));
    TRY(wf_ingest__str(c, oa, W, "ref", 0, &ref));
    TRY(wf_ingest__str(c, oa, W, "sha", 0, &sha));
    TRY(wf_ingest__str(c, oa, W, "name", 0, &name));
    TRY(wf_ingest__str(c, oa, W, "source", 0, &source));
    TRY(wf_ingest__str(c, oa, W, "url", 0, &url));
    TRY(wf_ingest__num(c, oa, W, "duration", &dur, &has_dur));
    TRY(wf_ingest__arr(c, root, "", "builds", 0, &builds));

    TRY(wf_ingest__event(c, WF_INGEST_BUILD, &ev));
    TRY(set_repo(c, ev, root, &web));
    TRY(wf_ingest__set(c, ev, &ev->branch, "branch", ref));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", sha));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "pipeline_id", id, 1));
    TRY(wf_ingest__set_int(ev, "iid", iid, has_iid));
    TRY(wf_ingest__set(c, ev, &ev->name, "name", name));
    TRY(wf_ingest__set(c, ev, NULL, "source", source));
    TRY(set_status(c, ev, status));
    TRY(wf_ingest__set_time(c, ev, oa, W, "created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, oa, W, "finished_at", "completed_at", &finished));
    if (json_object_set_new(ev->data, "duration_s", has_dur ? json_real(dur) : json_null()))
        return WF_ENOMEM;
    TRY(set_url_from(c, ev, url, web, "pipelines", id));
    ev->occurred_ms = finished ? finished : created;

    /* builds[] can hold the jobs of the pipeline; their events follow */
    size_t pipe_ix = c->b->n_events - 1;
    json_array_foreach(builds, i, b)
    {
        if (i >= WF_INGEST_MAX_JOBS)
            break;
        struct wf_ingest_event pipe = c->b->events[pipe_ix];
        TRY(pipeline_job(c, b, i, &pipe, id, web));
    }
    return WF_OK;
}

static int job(struct wf_ingest__ctx *c, json_t *root)
{
    json_int_t id, pipe_id;
    int has, has_pipe, allow, has_allow, rc;
    const char *name, *stage, *status, *ref, *sha, *reason, *web;
    struct wf_ingest_event *ev;
    int64_t created = 0, started = 0, finished = 0;

    TRY(wf_ingest__int(c, root, "", "build_id", 1, &id, &has));
    TRY(wf_ingest__str(c, root, "", "build_status", 1, &status));
    TRY(wf_ingest__str(c, root, "", "build_name", 0, &name));
    TRY(wf_ingest__str(c, root, "", "build_stage", 0, &stage));
    TRY(wf_ingest__str(c, root, "", "ref", 0, &ref));
    TRY(wf_ingest__str(c, root, "", "sha", 0, &sha));
    TRY(wf_ingest__str(c, root, "", "build_failure_reason", 0, &reason));
    TRY(wf_ingest__int(c, root, "", "pipeline_id", 0, &pipe_id, &has_pipe));
    TRY(wf_ingest__bool(c, root, "", "build_allow_failure", &allow, &has_allow));

    TRY(wf_ingest__event(c, WF_INGEST_JOB, &ev));
    TRY(set_repo(c, ev, root, &web));
    TRY(wf_ingest__set(c, ev, &ev->branch, "branch", ref));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", sha));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "job_id", id, 1));
    TRY(wf_ingest__set_id(c, ev, &ev->parent_id, NULL, "pipeline_id", pipe_id, has_pipe));
    TRY(wf_ingest__set(c, ev, &ev->name, "name", name));
    TRY(wf_ingest__set(c, ev, NULL, "stage", stage));
    TRY(set_status(c, ev, status));
    TRY(wf_ingest__set(c, ev, NULL, "failure_reason", reason));
    TRY(wf_ingest__set_bool(ev, "allow_failure", allow, has_allow));
    TRY(wf_ingest__set_time(c, ev, root, "", "build_created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, root, "", "build_started_at", "started_at", &started));
    TRY(wf_ingest__set_time(c, ev, root, "", "build_finished_at", "completed_at", &finished));
    TRY(set_url_from(c, ev, NULL, web, "jobs", id));
    TRY(set_runner(c, ev, root, ""));
    ev->occurred_ms = finished ? finished : started ? started : created;
    return WF_OK;
}

static int merge_request(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "object_attributes";
    json_t *oa, *last, *user;
    json_int_t id, iid, author_id;
    int has, has_iid, has_author, rc;
    const char *title, *state, *action, *src, *dst, *url, *last_sha = NULL, *login = NULL;
    struct wf_ingest_event *ev;
    int64_t created = 0, updated = 0;

    TRY(wf_ingest__obj(c, root, "", W, 1, &oa));
    TRY(wf_ingest__int(c, oa, W, "id", 1, &id, &has));
    TRY(wf_ingest__int(c, oa, W, "iid", 1, &iid, &has_iid));
    TRY(wf_ingest__int(c, oa, W, "author_id", 0, &author_id, &has_author));
    TRY(wf_ingest__str(c, oa, W, "title", 0, &title));
    TRY(wf_ingest__str(c, oa, W, "state", 1, &state));
    TRY(wf_ingest__str(c, oa, W, "action", 0, &action));
    TRY(wf_ingest__str(c, oa, W, "source_branch", 0, &src));
    TRY(wf_ingest__str(c, oa, W, "target_branch", 0, &dst));
    TRY(wf_ingest__str(c, oa, W, "url", 0, &url));
    TRY(wf_ingest__obj(c, oa, W, "last_commit", 0, &last));
    if (last)
        TRY(wf_ingest__str(c, last, "object_attributes.last_commit", "id", 0, &last_sha));
    TRY(wf_ingest__obj(c, root, "", "user", 0, &user));
    if (user)
        TRY(wf_ingest__str(c, user, "user", "username", 0, &login));

    TRY(wf_ingest__event(c, WF_INGEST_PULL_REQUEST, &ev));
    TRY(wf_ingest__set(c, ev, &ev->action, "action", action));
    TRY(set_repo(c, ev, root, NULL));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "id", id, 1));
    /* the MR iid is what notes are posted to: kept as parent_id too */
    TRY(wf_ingest__set_id(c, ev, &ev->parent_id, NULL, "number", iid, 1));
    TRY(wf_ingest__set_text(c, ev, &ev->name, "title", title));
    TRY(wf_ingest__set(c, ev, &ev->status, "state", gl_state(state)));
    int merged = strcmp(state, "merged") == 0;
    TRY(wf_ingest__set_bool(ev, "merged", merged, 1));
    TRY(wf_ingest__set(c, ev, NULL, "base", dst));
    TRY(wf_ingest__set(c, ev, &ev->branch, "head", src));
    TRY(wf_ingest__set(c, ev, &ev->sha, "head_sha", last_sha));
    /* GitLab sends the actor, not the author's name */
    TRY(wf_ingest__set(c, ev, NULL, "author", NULL));
    TRY(wf_ingest__set_int(ev, "author_id", author_id, has_author));
    TRY(wf_ingest__set(c, ev, NULL, "user", login));
    TRY(wf_ingest__set_int(ev, "additions", 0, 0));
    TRY(wf_ingest__set_int(ev, "deletions", 0, 0));
    TRY(wf_ingest__set_int(ev, "changed_files", 0, 0));
    TRY(wf_ingest__set_time(c, ev, oa, W, "created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, oa, W, "updated_at", "updated_at", &updated));
    TRY(wf_ingest__set_time(c, ev, oa, W, "merged_at", "merged_at", NULL));
    TRY(wf_ingest__set_time(c, ev, oa, W, "closed_at", "closed_at", NULL));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    ev->occurred_ms = updated ? updated : created;
    return WF_OK;
}

static int push(struct wf_ingest__ctx *c, json_t *root)
{
    json_t *commits, *cm, *proj;
    const char *ref, *path;
    int rc;
    size_t i;

    TRY(wf_ingest__str(c, root, "", "ref", 1, &ref));
    TRY(wf_ingest__arr(c, root, "", "commits", 0, &commits));
    TRY(wf_ingest__obj(c, root, "", "project", 1, &proj));
    TRY(wf_ingest__str(c, proj, "project", "path_with_namespace", 1, &path));
    if (!commits || json_array_size(commits) == 0) {
        c->b->ignored = 1;
        return WF_OK;
    }
    const char *branch = strncmp(ref, "refs/heads/", 11) == 0 ? ref + 11 : ref;
    json_array_foreach(commits, i, cm)
    {
        char W[48];
        if (i >= WF_INGEST_MAX_COMMITS)
            break;
        snprintf(W, sizeof(W), "commits[%zu]", i);
        TRY(wf_ingest__commit(c, cm, W, path, branch, NULL));
    }
    return WF_OK;
}

/* The full sha at the end of ".../-/commit/<sha>", or NULL. */
static const char *sha_of_commit_url(const char *url)
{
    const char *p = url ? strrchr(url, '/') : NULL;
    if (!p || strlen(p + 1) != 40)
        return NULL;
    for (const char *q = p + 1; *q; q++)
        if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f')))
            return NULL;
    return p + 1;
}

static int deployment(struct wf_ingest__ctx *c, json_t *root)
{
    json_int_t id, job_id;
    int has, has_job, rc;
    const char *status, *env, *ref, *short_sha, *commit_url, *url, *title;
    struct wf_ingest_event *ev;
    int64_t at = 0;

    TRY(wf_ingest__str(c, root, "", "status", 1, &status));
    TRY(wf_ingest__int(c, root, "", "deployment_id", 0, &id, &has));
    TRY(wf_ingest__int(c, root, "", "deployable_id", 0, &job_id, &has_job));
    if (!has && !has_job)
        return wf_ingest__fail(c, "", "deployment_id", "missing");
    TRY(wf_ingest__str(c, root, "", "environment", 0, &env));
    TRY(wf_ingest__str(c, root, "", "ref", 0, &ref));
    TRY(wf_ingest__str(c, root, "", "short_sha", 0, &short_sha));
    TRY(wf_ingest__str(c, root, "", "commit_url", 0, &commit_url));
    TRY(wf_ingest__str(c, root, "", "commit_title", 0, &title));
    TRY(wf_ingest__str(c, root, "", "deployable_url", 0, &url));
    const char *sha = sha_of_commit_url(commit_url);

    TRY(wf_ingest__event(c, WF_INGEST_DEPLOYMENT, &ev));
    TRY(set_repo(c, ev, root, NULL));
    /* deployments made through the API have no job: fall back to it only
     * when the id is missing (payloads before GitLab 15.1) */
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, has ? NULL : "job:", "id", has ? id : job_id,
                          1));
    TRY(wf_ingest__set_int(ev, "job_id", job_id, has_job));
    TRY(wf_ingest__set(c, ev, &ev->name, "environment", env));
    TRY(wf_ingest__set(c, ev, &ev->status, "status", status));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", sha ? sha : short_sha));
    TRY(wf_ingest__set(c, ev, &ev->branch, "ref", ref));
    TRY(wf_ingest__set_text(c, ev, NULL, "commit_title", title));
    TRY(wf_ingest__set_time(c, ev, root, "", "status_changed_at", "created_at", &at));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    ev->occurred_ms = at;
    return WF_OK;
}

static int label_is_incident(struct wf_ingest__ctx *c, json_t *labels, const char *where, int *yes)
{
    size_t i;
    json_t *l;
    int rc;
    json_array_foreach(labels, i, l)
    {
        char path[64];
        const char *t;
        snprintf(path, sizeof(path), "%s[%zu]", where, i);
        if (!json_is_object(l))
            return wf_ingest__fail(c, path, NULL, "expected an object");
        TRY(wf_ingest__str(c, l, path, "title", 0, &t));
        if (t && strcasecmp(t, "incident") == 0)
            *yes = 1;
    }
    return WF_OK;
}

static int issue(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "object_attributes";
    json_t *oa, *labels, *oa_labels;
    json_int_t id, iid;
    int has, has_iid, rc, incident = 0;
    const char *title, *state, *action, *url, *desc, *itype, *type;
    struct wf_ingest_event *ev;
    int64_t created = 0, updated = 0;
    char sha[41];

    TRY(wf_ingest__obj(c, root, "", W, 1, &oa));
    TRY(wf_ingest__str(c, oa, W, "issue_type", 0, &itype));
    TRY(wf_ingest__str(c, oa, W, "type", 0, &type));
    TRY(wf_ingest__arr(c, root, "", "labels", 0, &labels));
    TRY(wf_ingest__arr(c, oa, W, "labels", 0, &oa_labels));
    TRY(label_is_incident(c, labels, "labels", &incident));
    TRY(label_is_incident(c, oa_labels, "object_attributes.labels", &incident));
    if ((itype && strcasecmp(itype, "incident") == 0) ||
        (type && strcasecmp(type, "incident") == 0))
        incident = 1;
    if (!incident) {
        c->b->ignored = 1;
        return WF_OK;
    }
    TRY(wf_ingest__int(c, oa, W, "id", 1, &id, &has));
    TRY(wf_ingest__int(c, oa, W, "iid", 0, &iid, &has_iid));
    TRY(wf_ingest__str(c, oa, W, "title", 0, &title));
    TRY(wf_ingest__str(c, oa, W, "state", 0, &state));
    TRY(wf_ingest__str(c, oa, W, "action", 0, &action));
    TRY(wf_ingest__str(c, oa, W, "url", 0, &url));
    TRY(wf_ingest__str(c, oa, W, "description", 0, &desc));

    TRY(wf_ingest__event(c, WF_INGEST_INCIDENT, &ev));
    TRY(wf_ingest__set(c, ev, &ev->action, "action", action));
    TRY(set_repo(c, ev, root, NULL));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "id", id, 1));
    TRY(wf_ingest__set_int(ev, "number", iid, has_iid));
    TRY(wf_ingest__set_text(c, ev, &ev->name, "title", title));
    TRY(wf_ingest__set(c, ev, &ev->status, "state", gl_state(state)));
    TRY(wf_ingest__set_labels(c, ev, "labels", labels ? labels : oa_labels,
                              labels ? "labels" : "object_attributes.labels", "title"));
    TRY(wf_ingest__set_time(c, ev, oa, W, "created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, oa, W, "updated_at", "updated_at", &updated));
    TRY(wf_ingest__set_time(c, ev, oa, W, "closed_at", "closed_at", NULL));
    TRY(wf_ingest__set(c, ev, &ev->sha, "root_cause_sha",
                       wf_ingest__root_cause(desc, sha) ? sha : NULL));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    ev->occurred_ms = updated ? updated : created;
    return WF_OK;
}

int wf_ingest__gitlab(struct wf_ingest__ctx *c, const char *event, json_t *root)
{
    static const struct {
        const char *name;
        int (*fn)(struct wf_ingest__ctx *c, json_t *root);
    } table[] = {
        {"Pipeline Hook", pipeline},           {"Job Hook", job},
        {"Merge Request Hook", merge_request}, {"Push Hook", push},
        {"Deployment Hook", deployment},       {"Issue Hook", issue},
        {"Confidential Issue Hook", issue},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(event, table[i].name) == 0)
            return table[i].fn(c, root);
    c->b->ignored = 1;
    return WF_OK;
}
