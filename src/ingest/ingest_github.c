/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GitHub deliveries (X-GitHub-Event) to internal events: workflow_run is a
 * build, workflow_job and check_run are jobs, push gives one change per
 * commit, pull_request, deployment and deployment_status map one to one,
 * and issues become incidents only when labelled "incident". ping and
 * every other event are valid but ignored. Field names follow GitHub's
 * webhook payloads (docs.github.com, octokit/webhooks examples).
 */
#include "ingest_int.h"

#include <string.h>
#include <strings.h>

/* repository.full_name into ev->repo and data.repo. */
static int set_repo(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *root)
{
    json_t *repo;
    const char *full;
    int rc;
    TRY(wf_ingest__obj(c, root, "", "repository", 1, &repo));
    TRY(wf_ingest__str(c, repo, "repository", "full_name", 1, &full));
    return wf_ingest__set(c, ev, &ev->repo, "repo", full);
}

static int set_action(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *root)
{
    const char *a;
    int rc;
    TRY(wf_ingest__str(c, root, "", "action", 0, &a));
    return wf_ingest__set(c, ev, &ev->action, "action", a);
}

/* "login" of the user object obj[key] into data[data_key]. */
static int set_login(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *obj,
                     const char *where, const char *key, const char *data_key)
{
    json_t *u;
    const char *login = NULL;
    int rc;
    char path[64];
    TRY(wf_ingest__obj(c, obj, where, key, 0, &u));
    snprintf(path, sizeof(path), "%s%s%s", where, where[0] ? "." : "", key);
    if (u)
        TRY(wf_ingest__str(c, u, path, "login", 0, &login));
    return wf_ingest__set(c, ev, NULL, data_key, login);
}

static int workflow_run(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "workflow_run";
    json_t *run, *wf;
    json_int_t id, num, attempt;
    int has, has_num, has_attempt, rc;
    const char *status, *concl, *name, *branch, *sha, *url, *event, *wf_name = NULL;
    struct wf_ingest_event *ev;
    int64_t created = 0, updated = 0;

    TRY(wf_ingest__obj(c, root, "", W, 1, &run));
    TRY(wf_ingest__int(c, run, W, "id", 1, &id, &has));
    TRY(wf_ingest__str(c, run, W, "status", 1, &status));
    TRY(wf_ingest__str(c, run, W, "conclusion", 0, &concl));
    TRY(wf_ingest__str(c, run, W, "name", 0, &name));
    TRY(wf_ingest__str(c, run, W, "head_branch", 0, &branch));
    TRY(wf_ingest__str(c, run, W, "head_sha", 0, &sha));
    TRY(wf_ingest__str(c, run, W, "html_url", 0, &url));
    TRY(wf_ingest__str(c, run, W, "event", 0, &event));
    TRY(wf_ingest__int(c, run, W, "run_number", 0, &num, &has_num));
    TRY(wf_ingest__int(c, run, W, "run_attempt", 0, &attempt, &has_attempt));
    TRY(wf_ingest__obj(c, root, "", "workflow", 0, &wf));
    if (wf)
        TRY(wf_ingest__str(c, wf, "workflow", "name", 0, &wf_name));
    if (!name || !name[0])
        name = wf_name;

    TRY(wf_ingest__event(c, WF_INGEST_BUILD, &ev));
    TRY(set_action(c, ev, root));
    TRY(set_repo(c, ev, root));
    TRY(wf_ingest__set(c, ev, &ev->branch, "branch", branch));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", sha));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "run_id", id, 1));
    TRY(wf_ingest__set_int(ev, "run_number", num, has_num));
    TRY(wf_ingest__set_int(ev, "run_attempt", attempt, has_attempt));
    TRY(wf_ingest__set(c, ev, &ev->name, "name", name));
    TRY(wf_ingest__set(c, ev, NULL, "event", event));
    TRY(wf_ingest__set_static(c, ev, &ev->status, "status",
                              wf_ingest__github_status(status, concl != NULL)));
    TRY(wf_ingest__set(c, ev, &ev->conclusion, "conclusion", concl));
    TRY(wf_ingest__set_time(c, ev, run, W, "created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, run, W, "run_started_at", "started_at", NULL));
    TRY(wf_ingest__set_time(c, ev, run, W, "updated_at", "updated_at", &updated));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    ev->occurred_ms = updated ? updated : created;
    return WF_OK;
}

static int steps(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *arr)
{
    json_t *out = json_array();
    if (!out || json_object_set_new(ev->data, "steps", out))
        return WF_ENOMEM;
    size_t i;
    json_t *st;
    int rc;
    json_array_foreach(arr, i, st)
    {
        char path[64];
        const char *name, *status, *concl;
        json_int_t num;
        int has;
        if (i >= WF_INGEST_MAX_STEPS)
            break;
        snprintf(path, sizeof(path), "workflow_job.steps[%zu]", i);
        if (!json_is_object(st))
            return wf_ingest__fail(c, path, NULL, "expected an object");
        TRY(wf_ingest__str(c, st, path, "name", 0, &name));
        TRY(wf_ingest__str(c, st, path, "status", 0, &status));
        TRY(wf_ingest__str(c, st, path, "conclusion", 0, &concl));
        TRY(wf_ingest__int(c, st, path, "number", 0, &num, &has));
        json_t *o = json_object();
        if (!o || json_array_append_new(out, o))
            return WF_ENOMEM;
        TRY(wf_ingest__put(c, o, "name", name));
        TRY(wf_ingest__put(c, o, "status", status));
        TRY(wf_ingest__put(c, o, "conclusion", concl));
        if (json_object_set_new(o, "number", has ? json_integer(num) : json_null()))
            return WF_ENOMEM;
    }
    return WF_OK;
}

static int workflow_job(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "workflow_job";
    json_t *job, *st, *labels;
    json_int_t id, run_id, attempt;
    int has, has_run, has_attempt, rc;
    const char *status, *concl, *name, *branch, *sha, *url, *runner, *group, *wf_name;
    struct wf_ingest_event *ev;
    int64_t created = 0, started = 0, completed = 0;

    TRY(wf_ingest__obj(c, root, "", W, 1, &job));
    TRY(wf_ingest__int(c, job, W, "id", 1, &id, &has));
    TRY(wf_ingest__int(c, job, W, "run_id", 1, &run_id, &has_run));
    TRY(wf_ingest__int(c, job, W, "run_attempt", 0, &attempt, &has_attempt));
    TRY(wf_ingest__str(c, job, W, "status", 1, &status));
    TRY(wf_ingest__str(c, job, W, "conclusion", 0, &concl));
    TRY(wf_ingest__str(c, job, W, "name", 0, &name));
    TRY(wf_ingest__str(c, job, W, "workflow_name", 0, &wf_name));
    TRY(wf_ingest__str(c, job, W, "head_branch", 0, &branch));
    TRY(wf_ingest__str(c, job, W, "head_sha", 0, &sha));
    TRY(wf_ingest__str(c, job, W, "html_url", 0, &url));
    TRY(wf_ingest__str(c, job, W, "runner_name", 0, &runner));
    TRY(wf_ingest__str(c, job, W, "runner_group_name", 0, &group));
    TRY(wf_ingest__arr(c, job, W, "steps", 0, &st));
    TRY(wf_ingest__arr(c, job, W, "labels", 0, &labels));

    TRY(wf_ingest__event(c, WF_INGEST_JOB, &ev));
    TRY(set_action(c, ev, root));
    TRY(set_repo(c, ev, root));
    TRY(wf_ingest__set(c, ev, &ev->branch, "branch", branch));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", sha));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "job_id", id, 1));
    TRY(wf_ingest__set_id(c, ev, &ev->parent_id, NULL, "run_id", run_id, 1));
    TRY(wf_ingest__set_int(ev, "run_attempt", attempt, has_attempt));
    TRY(wf_ingest__set(c, ev, &ev->name, "name", name));
    TRY(wf_ingest__set(c, ev, NULL, "workflow_name", wf_name));
    TRY(wf_ingest__set_static(c, ev, &ev->status, "status",
                              wf_ingest__github_status(status, concl != NULL)));
    TRY(wf_ingest__set(c, ev, &ev->conclusion, "conclusion", concl));
    TRY(wf_ingest__set_time(c, ev, job, W, "created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, job, W, "started_at", "started_at", &started));
    TRY(wf_ingest__set_time(c, ev, job, W, "completed_at", "completed_at", &completed));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    TRY(wf_ingest__set(c, ev, NULL, "runner", runner));
    TRY(wf_ingest__set(c, ev, NULL, "runner_group", group));
    TRY(steps(c, ev, st));
    TRY(wf_ingest__set_labels(c, ev, "labels", labels, "workflow_job.labels", NULL));
    ev->occurred_ms = completed ? completed : started ? started : created;
    return WF_OK;
}

static int check_run(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "check_run";
    json_t *run, *suite, *app;
    json_int_t id, suite_id = 0;
    int has, has_suite = 0, rc;
    const char *status, *concl, *name, *sha, *url, *branch = NULL, *app_name = NULL;
    struct wf_ingest_event *ev;
    int64_t started = 0, completed = 0;

    TRY(wf_ingest__obj(c, root, "", W, 1, &run));
    TRY(wf_ingest__int(c, run, W, "id", 1, &id, &has));
    TRY(wf_ingest__str(c, run, W, "status", 1, &status));
    TRY(wf_ingest__str(c, run, W, "conclusion", 0, &concl));
    TRY(wf_ingest__str(c, run, W, "name", 0, &name));
    TRY(wf_ingest__str(c, run, W, "head_sha", 0, &sha));
    TRY(wf_ingest__str(c, run, W, "html_url", 0, &url));
    TRY(wf_ingest__obj(c, run, W, "check_suite", 0, &suite));
    if (suite) {
        TRY(wf_ingest__int(c, suite, "check_run.check_suite", "id", 0, &suite_id, &has_suite));
        TRY(wf_ingest__str(c, suite, "check_run.check_suite", "head_branch", 0, &branch));
    }
    TRY(wf_ingest__obj(c, run, W, "app", 0, &app));
    if (app)
        TRY(wf_ingest__str(c, app, "check_run.app", "name", 0, &app_name));

    TRY(wf_ingest__event(c, WF_INGEST_JOB, &ev));
    TRY(set_action(c, ev, root));
    TRY(set_repo(c, ev, root));
    TRY(wf_ingest__set(c, ev, &ev->branch, "branch", branch));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", sha));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, "check:", "check_run_id", id, 1));
    TRY(wf_ingest__set_int(ev, "check_suite_id", suite_id, has_suite));
    TRY(wf_ingest__set(c, ev, &ev->name, "name", name));
    TRY(wf_ingest__set(c, ev, NULL, "app", app_name));
    TRY(wf_ingest__set_static(c, ev, &ev->status, "status",
                              wf_ingest__github_status(status, concl != NULL)));
    TRY(wf_ingest__set(c, ev, &ev->conclusion, "conclusion", concl));
    TRY(wf_ingest__set_time(c, ev, run, W, "started_at", "started_at", &started));
    TRY(wf_ingest__set_time(c, ev, run, W, "completed_at", "completed_at", &completed));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    ev->occurred_ms = completed ? completed : started;
    return WF_OK;
}

static int push(struct wf_ingest__ctx *c, json_t *root)
{
    json_t *commits, *cm;
    const char *ref;
    int rc;
    size_t i;

    TRY(wf_ingest__str(c, root, "", "ref", 1, &ref));
    TRY(wf_ingest__arr(c, root, "", "commits", 0, &commits));
    json_t *repo;
    const char *full;
    TRY(wf_ingest__obj(c, root, "", "repository", 1, &repo));
    TRY(wf_ingest__str(c, repo, "repository", "full_name", 1, &full));
    if (!commits || json_array_size(commits) == 0) {
        /* a deleted branch or a tag pointing at a known commit: no commits */
        c->b->ignored = 1;
        return WF_OK;
    }
    const char *branch = strncmp(ref, "refs/heads/", 11) == 0 ? ref + 11 : ref;
    json_array_foreach(commits, i, cm)
    {
        char path[48], apath[64];
        const char *login = NULL;
        json_t *author;
        int distinct, has_distinct;
        struct wf_ingest_event *ev;
        if (i >= WF_INGEST_MAX_COMMITS)
            break;
        snprintf(path, sizeof(path), "commits[%zu]", i);
        TRY(wf_ingest__commit(c, cm, path, full, branch, &ev));
        /* GitHub's own fields beside the shared commit shape */
        TRY(wf_ingest__bool(c, cm, path, "distinct", &distinct, &has_distinct));
        TRY(wf_ingest__obj(c, cm, path, "author", 0, &author));
        snprintf(apath, sizeof(apath), "%s.author", path);
        if (author)
            TRY(wf_ingest__str(c, author, apath, "username", 0, &login));
        TRY(wf_ingest__set(c, ev, NULL, "author_login", login));
        TRY(wf_ingest__set_bool(ev, "distinct", distinct, has_distinct));
    }
    return WF_OK;
}

static int pull_request(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "pull_request";
    json_t *pr, *head, *base;
    json_int_t id, number, add, del, files;
    int has, has_num, has_add, has_del, has_files, merged, has_merged, draft, has_draft, rc;
    const char *title, *state, *url, *head_ref = NULL, *head_sha = NULL, *base_ref = NULL;
    struct wf_ingest_event *ev;
    int64_t created = 0, updated = 0, closed = 0, merged_ms = 0;

    TRY(wf_ingest__obj(c, root, "", W, 1, &pr));
    TRY(wf_ingest__int(c, pr, W, "id", 1, &id, &has));
    TRY(wf_ingest__int(c, pr, W, "number", 1, &number, &has_num));
    TRY(wf_ingest__str(c, pr, W, "title", 0, &title));
    TRY(wf_ingest__str(c, pr, W, "state", 1, &state));
    TRY(wf_ingest__str(c, pr, W, "html_url", 0, &url));
    TRY(wf_ingest__bool(c, pr, W, "merged", &merged, &has_merged));
    TRY(wf_ingest__bool(c, pr, W, "draft", &draft, &has_draft));
    TRY(wf_ingest__int(c, pr, W, "additions", 0, &add, &has_add));
    TRY(wf_ingest__int(c, pr, W, "deletions", 0, &del, &has_del));
    TRY(wf_ingest__int(c, pr, W, "changed_files", 0, &files, &has_files));
    TRY(wf_ingest__obj(c, pr, W, "head", 0, &head));
    TRY(wf_ingest__obj(c, pr, W, "base", 0, &base));
    if (head) {
        TRY(wf_ingest__str(c, head, "pull_request.head", "ref", 0, &head_ref));
        TRY(wf_ingest__str(c, head, "pull_request.head", "sha", 0, &head_sha));
    }
    if (base)
        TRY(wf_ingest__str(c, base, "pull_request.base", "ref", 0, &base_ref));

    TRY(wf_ingest__event(c, WF_INGEST_PULL_REQUEST, &ev));
    TRY(set_action(c, ev, root));
    TRY(set_repo(c, ev, root));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "id", id, 1));
    /* the PR number is what reviews are posted to: kept as parent_id too */
    TRY(wf_ingest__set_id(c, ev, &ev->parent_id, NULL, "number", number, 1));
    TRY(wf_ingest__set_text(c, ev, &ev->name, "title", title));
    TRY(wf_ingest__set(c, ev, NULL, "state", state));
    if (merged)
        ev->status = "merged";
    else
        TRY(wf_ingest__redact(c, state, WF_INGEST_MAX_STR_BYTES, &ev->status));
    TRY(wf_ingest__set_bool(ev, "merged", merged, has_merged));
    TRY(wf_ingest__set_bool(ev, "draft", draft, has_draft));
    TRY(wf_ingest__set(c, ev, NULL, "base", base_ref));
    TRY(wf_ingest__set(c, ev, &ev->branch, "head", head_ref));
    TRY(wf_ingest__set(c, ev, &ev->sha, "head_sha", head_sha));
    TRY(set_login(c, ev, pr, W, "user", "author"));
    TRY(wf_ingest__set_int(ev, "additions", add, has_add));
    TRY(wf_ingest__set_int(ev, "deletions", del, has_del));
    TRY(wf_ingest__set_int(ev, "changed_files", files, has_files));
    TRY(wf_ingest__set_time(c, ev, pr, W, "created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, pr, W, "updated_at", "updated_at", &updated));
    TRY(wf_ingest__set_time(c, ev, pr, W, "closed_at", "closed_at", &closed));
    TRY(wf_ingest__set_time(c, ev, pr, W, "merged_at", "merged_at", &merged_ms));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    ev->occurred_ms = updated ? updated : created;
    return WF_OK;
}

/* The fields of a deployment object shared by both deployment events. */
static int deployment_fields(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *dep,
                             int64_t *created)
{
    const char *W = "deployment";
    json_int_t id;
    int has, rc;
    const char *sha, *ref, *env, *task, *desc, *url;
    TRY(wf_ingest__int(c, dep, W, "id", 1, &id, &has));
    TRY(wf_ingest__str(c, dep, W, "sha", 0, &sha));
    TRY(wf_ingest__str(c, dep, W, "ref", 0, &ref));
    TRY(wf_ingest__str(c, dep, W, "environment", 0, &env));
    TRY(wf_ingest__str(c, dep, W, "task", 0, &task));
    TRY(wf_ingest__str(c, dep, W, "description", 0, &desc));
    TRY(wf_ingest__str(c, dep, W, "url", 0, &url));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "id", id, 1));
    TRY(wf_ingest__set(c, ev, &ev->name, "environment", env));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", sha));
    TRY(wf_ingest__set(c, ev, &ev->branch, "ref", ref));
    TRY(wf_ingest__set(c, ev, NULL, "task", task));
    TRY(wf_ingest__set_text(c, ev, NULL, "description", desc));
    TRY(set_login(c, ev, dep, W, "creator", "creator"));
    TRY(wf_ingest__set_time(c, ev, dep, W, "created_at", "created_at", created));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    return WF_OK;
}

static int deployment(struct wf_ingest__ctx *c, json_t *root)
{
    json_t *dep;
    int rc;
    struct wf_ingest_event *ev;
    int64_t created = 0;
    TRY(wf_ingest__obj(c, root, "", "deployment", 1, &dep));
    TRY(wf_ingest__event(c, WF_INGEST_DEPLOYMENT, &ev));
    TRY(set_action(c, ev, root));
    TRY(set_repo(c, ev, root));
    TRY(deployment_fields(c, ev, dep, &created));
    TRY(wf_ingest__set_static(c, ev, &ev->status, "status", "created"));
    ev->occurred_ms = created;
    return WF_OK;
}

static int deployment_status(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "deployment_status";
    json_t *dep, *ds;
    json_int_t sid;
    int has_sid, rc;
    const char *state, *env, *target, *env_url, *desc;
    struct wf_ingest_event *ev;
    int64_t created = 0, status_created = 0;
    TRY(wf_ingest__obj(c, root, "", W, 1, &ds));
    TRY(wf_ingest__obj(c, root, "", "deployment", 1, &dep));
    TRY(wf_ingest__str(c, ds, W, "state", 1, &state));
    TRY(wf_ingest__int(c, ds, W, "id", 0, &sid, &has_sid));
    TRY(wf_ingest__str(c, ds, W, "environment", 0, &env));
    TRY(wf_ingest__str(c, ds, W, "target_url", 0, &target));
    TRY(wf_ingest__str(c, ds, W, "environment_url", 0, &env_url));
    TRY(wf_ingest__str(c, ds, W, "description", 0, &desc));

    TRY(wf_ingest__event(c, WF_INGEST_DEPLOYMENT, &ev));
    TRY(set_action(c, ev, root));
    TRY(set_repo(c, ev, root));
    TRY(deployment_fields(c, ev, dep, &created));
    if (env && env[0])
        TRY(wf_ingest__set(c, ev, &ev->name, "environment", env));
    TRY(wf_ingest__set(c, ev, &ev->status, "status", state));
    TRY(wf_ingest__set_int(ev, "status_id", sid, has_sid));
    TRY(wf_ingest__set_text(c, ev, NULL, "status_description", desc));
    TRY(wf_ingest__set_time(c, ev, ds, W, "created_at", "status_at", &status_created));
    /* the deployment's own url is an API url; a status may point at the
     * page of the deployed environment or the log */
    if (target && target[0])
        TRY(wf_ingest__set(c, ev, &ev->url, "url", target));
    else if (env_url && env_url[0])
        TRY(wf_ingest__set(c, ev, &ev->url, "url", env_url));
    ev->occurred_ms = status_created ? status_created : created;
    return WF_OK;
}

static int issues(struct wf_ingest__ctx *c, json_t *root)
{
    const char *W = "issue";
    json_t *issue, *labels, *l;
    json_int_t id, number;
    int has, has_num, rc, incident = 0;
    const char *title, *state, *url, *body;
    struct wf_ingest_event *ev;
    int64_t created = 0, updated = 0, closed = 0;
    size_t i;
    char sha[41];

    TRY(wf_ingest__obj(c, root, "", W, 1, &issue));
    TRY(wf_ingest__arr(c, issue, W, "labels", 0, &labels));
    json_array_foreach(labels, i, l)
    {
        const char *name;
        char path[48];
        snprintf(path, sizeof(path), "issue.labels[%zu]", i);
        if (!json_is_object(l))
            return wf_ingest__fail(c, path, NULL, "expected an object");
        TRY(wf_ingest__str(c, l, path, "name", 0, &name));
        if (name && strcasecmp(name, "incident") == 0)
            incident = 1;
    }
    if (!incident) {
        c->b->ignored = 1;
        return WF_OK;
    }
    TRY(wf_ingest__int(c, issue, W, "id", 1, &id, &has));
    TRY(wf_ingest__int(c, issue, W, "number", 0, &number, &has_num));
    TRY(wf_ingest__str(c, issue, W, "title", 0, &title));
    TRY(wf_ingest__str(c, issue, W, "state", 0, &state));
    TRY(wf_ingest__str(c, issue, W, "html_url", 0, &url));
    TRY(wf_ingest__str(c, issue, W, "body", 0, &body));

    TRY(wf_ingest__event(c, WF_INGEST_INCIDENT, &ev));
    TRY(set_action(c, ev, root));
    TRY(set_repo(c, ev, root));
    TRY(wf_ingest__set_id(c, ev, &ev->external_id, NULL, "id", id, 1));
    TRY(wf_ingest__set_int(ev, "number", number, has_num));
    TRY(wf_ingest__set_text(c, ev, &ev->name, "title", title));
    TRY(wf_ingest__set(c, ev, &ev->status, "state", state));
    TRY(wf_ingest__set_labels(c, ev, "labels", labels, "issue.labels", "name"));
    TRY(set_login(c, ev, issue, W, "user", "author"));
    TRY(wf_ingest__set_time(c, ev, issue, W, "created_at", "created_at", &created));
    TRY(wf_ingest__set_time(c, ev, issue, W, "updated_at", "updated_at", &updated));
    TRY(wf_ingest__set_time(c, ev, issue, W, "closed_at", "closed_at", &closed));
    TRY(wf_ingest__set(c, ev, &ev->sha, "root_cause_sha",
                       wf_ingest__root_cause(body, sha) ? sha : NULL));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    ev->occurred_ms = updated ? updated : created;
    return WF_OK;
}

int wf_ingest__github(struct wf_ingest__ctx *c, const char *event, json_t *root)
{
    static const struct {
        const char *name;
        int (*fn)(struct wf_ingest__ctx *c, json_t *root);
    } table[] = {
        {"workflow_run", workflow_run},
        {"workflow_job", workflow_job},
        {"check_run", check_run},
        {"push", push},
        {"pull_request", pull_request},
        {"deployment", deployment},
        {"deployment_status", deployment_status},
        {"issues", issues},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(event, table[i].name) == 0)
            return table[i].fn(c, root);
    /* ping and everything not listed: valid, nothing to keep */
    c->b->ignored = 1;
    return WF_OK;
}
