/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider's public face: the table of the two APIs (default base URL, token
 * header, API headers), the routes for job logs and reviews, and the JSON
 * bodies of reviews (built with jansson). Every input that reaches a URL is
 * checked first and refused with WF_EINVAL before any request is made; the
 * requests themselves run in provider_http.c.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "provider/provider_int.h"

static const char *const github_headers[] = {
    "Accept: application/vnd.github+json",
    "X-GitHub-Api-Version: 2022-11-28",
    NULL,
};

/* One row per API. */
struct api {
    const char *name;           /* "github" / "gitlab" */
    const char *default_base;   /* base URL when the config has none */
    const char *token_prefix;   /* header line before the token */
    const char *const *headers; /* sent to the API origin only */
};

static const struct api apis[] = {
    {"github", "https://api.github.com", "Authorization: Bearer ", github_headers},
    {"gitlab", "https://gitlab.com/api/v4", "PRIVATE-TOKEN: ", NULL},
};

int wf_provider_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? WF_OK : WF_EINTERNAL;
}

void wf_provider_global_cleanup(void)
{
    curl_global_cleanup();
}

static const struct api *api_of(const char *provider)
{
    for (size_t i = 0; provider && i < sizeof(apis) / sizeof(apis[0]); i++)
        if (strcmp(provider, apis[i].name) == 0)
            return &apis[i];
    return NULL;
}

static const char *token_of(const struct wf_provider_config *c, const struct api *a)
{
    return a == &apis[0] ? c->github_token : c->gitlab_token;
}

static const char *base_of(const struct wf_provider_config *c, const struct api *a)
{
    const char *b = a == &apis[0] ? c->github_api : c->gitlab_api;
    return b && *b ? b : a->default_base;
}

int wf_provider_enabled(const struct wf_provider_config *c, const char *provider)
{
    const struct api *a = api_of(provider);
    const char *t;
    if (!c || !a)
        return 0;
    t = token_of(c, a);
    return t && *t;
}

static int fail(struct wf_buf *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct wf_buf *err, int rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        wf_buf_reset(err);
        (void)wf_buf_vappendf(err, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* A request being prepared: URL and token header owned here. */
struct call {
    const struct api *api;
    struct wf_buf url;  /* the route's absolute URL */
    struct wf_buf auth; /* token header line */
    struct wf_provider__req req;
};

static void call_cleanup(struct call *k)
{
    wf_buf_cleanup(&k->url);
    wf_buf_cleanup(&k->auth);
}

/* Checks the provider, its token and base URL, and the repo; starts the URL
 * with the base. */
static int call_init(struct call *k, const struct wf_provider_config *c, const char *provider,
                     const char *repo, const char *id, struct wf_buf *err)
{
    const char *token;
    int rc;
    memset(k, 0, sizeof(*k));
    wf_buf_init(&k->url, WF_PROVIDER_MAX_URL_BYTES);
    wf_buf_init(&k->auth, WF_PROVIDER_MAX_TOKEN_BYTES + 64);
    if (!c)
        return fail(err, WF_EINVAL, "provider: no configuration");
    k->api = api_of(provider);
    if (!k->api)
        return fail(err, WF_EINVAL, "provider: unknown provider (want github or gitlab)");
    token = token_of(c, k->api);
    if (!token || !*token)
        return fail(err, WF_EAUTH, "%s: no token configured", k->api->name);
    if (!wf_provider__is_token(token))
        return fail(err, WF_EINVAL, "%s: the token has bytes a header cannot carry", k->api->name);
    if (k->api == &apis[0] ? !wf_provider__is_github_repo(repo)
                           : !wf_provider__is_gitlab_project(repo))
        return fail(err, WF_EINVAL,
                    k->api == &apis[0] ? "github: repo must be owner/name of [A-Za-z0-9._-]"
                                       : "gitlab: project must be an id or a path of "
                                         "[A-Za-z0-9._-] segments");
    if (!wf_provider__is_id(id))
        return fail(err, WF_EINVAL, "%s: ids must be 1 to %u digits", k->api->name,
                    WF_PROVIDER_MAX_ID_DIGITS);
    rc = wf_provider__put_base(&k->url, base_of(c, k->api));
    if (rc == WF_EINVAL)
        return fail(err, rc, "%s: the API base URL must be http(s)://host[/path]", k->api->name);
    if (!rc)
        rc = wf_buf_puts(&k->auth, k->api->token_prefix);
    if (!rc)
        rc = wf_buf_puts(&k->auth, token);
    if (rc)
        return fail(err, rc, "%s: %s", k->api->name, wf_strerror(rc));
    k->req.token_header = k->auth.p;
    k->req.token = token;
    k->req.api_headers = k->api->headers;
    k->req.timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : WF_PROVIDER_DEFAULT_TIMEOUT_MS;
    k->req.max_bytes = c->max_bytes ? c->max_bytes : WF_LIMIT_LOG_UPLOAD_BYTES;
    return WF_OK;
}

/* Appends "/projects/<encoded>" (GitLab) or "/repos/<owner/name>" (GitHub). */
static int put_repo(struct call *k, const char *repo)
{
    int rc;
    if (k->api == &apis[0])
        return wf_buf_appendf(&k->url, "/repos/%s", repo); /* charset checked: nothing to encode */
    rc = wf_buf_puts(&k->url, "/projects/");
    return rc ? rc : wf_provider__url_encode(&k->url, repo);
}

int wf_provider_fetch_log(const struct wf_provider_config *c, const char *provider,
                          const char *repo, const char *job_id, wf_provider_sink_fn sink, void *ud,
                          struct wf_buf *err)
{
    struct call k;
    int rc = call_init(&k, c, provider, repo, job_id, err);
    if (rc)
        goto out;
    if (!sink) {
        rc = fail(err, WF_EINVAL, "%s: no sink", k.api->name);
        goto out;
    }
    rc = put_repo(&k, repo);
    if (!rc)
        rc = wf_buf_appendf(&k.url, k.api == &apis[0] ? "/actions/jobs/%s/logs" : "/jobs/%s/trace",
                            job_id);
    if (rc) {
        rc = fail(err, rc, "%s: %s", k.api->name, wf_strerror(rc));
        goto out;
    }
    k.req.method = "GET";
    k.req.url = k.url.p;
    k.req.sink = sink;
    k.req.ud = ud;
    rc = wf_provider__perform(&k.req, err);
out:
    call_cleanup(&k);
    return rc;
}

static const char *const github_diff_headers[] = {
    "Accept: application/vnd.github.diff",
    "X-GitHub-Api-Version: 2022-11-28",
    NULL,
};

static int collect(void *ud, const char *chunk, size_t n)
{
    return wf_buf_append(ud, chunk, n);
}

/* GitLab's /diffs entries as one text: "diff --git a/OLD b/NEW", the
 * new/deleted/renamed markers, ---/+++ lines, then the entry's hunks. */
static int gitlab_diff_text(const char *json, size_t len, struct wf_buf *out)
{
    json_error_t je;
    json_t *arr = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    int rc = WF_OK;
    if (!json_is_array(arr)) {
        json_decref(arr);
        return WF_EUPSTREAM;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *old_path = json_string_value(json_object_get(e, "old_path"));
        const char *new_path = json_string_value(json_object_get(e, "new_path"));
        const char *diff = json_string_value(json_object_get(e, "diff"));
        int added = json_is_true(json_object_get(e, "new_file"));
        int deleted = json_is_true(json_object_get(e, "deleted_file"));
        int renamed = json_is_true(json_object_get(e, "renamed_file"));
        if (!old_path || !new_path || !diff) {
            rc = WF_EUPSTREAM;
            break;
        }
        rc = wf_buf_appendf(out, "diff --git a/%s b/%s\n", old_path, new_path);
        if (!rc && added)
            rc = wf_buf_puts(out, "new file mode 100644\n");
        if (!rc && deleted)
            rc = wf_buf_puts(out, "deleted file mode 100644\n");
        if (!rc && renamed)
            rc = wf_buf_appendf(out, "rename from %s\nrename to %s\n", old_path, new_path);
        if (!rc && diff[0]) {
            rc = added ? wf_buf_puts(out, "--- /dev/null\n")
                       : wf_buf_appendf(out, "--- a/%s\n", old_path);
            if (!rc)
                rc = deleted ? wf_buf_puts(out, "+++ /dev/null\n")
                             : wf_buf_appendf(out, "+++ b/%s\n", new_path);
            if (!rc)
                rc = wf_buf_puts(out, diff);
            if (!rc && diff[strlen(diff) - 1] != '\n')
                rc = wf_buf_putc(out, '\n');
        }
        if (rc)
            break;
    }
    json_decref(arr);
    return rc;
}

int wf_provider_fetch_diff(const struct wf_provider_config *c, const char *provider,
                           const char *repo, const char *number, wf_provider_sink_fn sink, void *ud,
                           struct wf_buf *err)
{
    struct call k;
    struct wf_buf json, text;
    wf_buf_init(&json, WF_LIMIT_WEBHOOK_BYTES);
    wf_buf_init(&text, WF_LIMIT_WEBHOOK_BYTES);
    int rc = call_init(&k, c, provider, repo, number, err);
    if (rc)
        goto out;
    if (!sink) {
        rc = fail(err, WF_EINVAL, "%s: no sink", k.api->name);
        goto out;
    }
    int github = k.api == &apis[0];
    rc = put_repo(&k, repo);
    if (!rc)
        rc = wf_buf_appendf(&k.url, github ? "/pulls/%s" : "/merge_requests/%s/diffs?per_page=100",
                            number);
    if (rc) {
        rc = fail(err, rc, "%s: %s", k.api->name, wf_strerror(rc));
        goto out;
    }
    k.req.method = "GET";
    k.req.url = k.url.p;
    if (github) {
        k.req.api_headers = github_diff_headers;
        k.req.sink = sink;
        k.req.ud = ud;
        rc = wf_provider__perform(&k.req, err);
        goto out;
    }
    k.req.sink = collect;
    k.req.ud = &json;
    rc = wf_provider__perform(&k.req, err);
    if (rc)
        goto out;
    rc = gitlab_diff_text(json.p ? json.p : "", json.len, &text);
    if (rc == WF_EUPSTREAM)
        fail(err, rc, "gitlab: the merge request diffs are not the documented JSON");
    if (!rc && text.len)
        rc = sink(ud, text.p, text.len);
out:
    call_cleanup(&k);
    wf_buf_cleanup(&json);
    wf_buf_cleanup(&text);
    return rc;
}

/* A JSON string of s; invalid UTF-8 becomes U+FFFD (jansson refuses it). */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    struct wf_buf b;
    if (j)
        return j;
    wf_buf_init(&b, 6 * strlen(s) + 3); /* \u00XX per byte at worst */
    if (!wf_buf_putc(&b, '"') && !wf_buf_json_escape(&b, s, strlen(s)) && !wf_buf_putc(&b, '"'))
        j = json_loadb(b.p, b.len, JSON_DECODE_ANY, NULL);
    wf_buf_cleanup(&b);
    return j;
}

/* Sets key to a new string value; 0 on success. */
static int set_str(json_t *o, const char *key, const char *s)
{
    json_t *v = jstr(s);
    return v ? json_object_set_new(o, key, v) : -1;
}

static json_t *github_review(const char *summary, const struct wf_provider_comment *cs, size_t n)
{
    json_t *o = json_object(), *arr = json_array();
    if (!o || !arr || set_str(o, "body", summary) || set_str(o, "event", "COMMENT"))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_object();
        if (!c || json_array_append_new(arr, c) || set_str(c, "path", cs[i].path) ||
            json_object_set_new(c, "line", json_integer(cs[i].line)) ||
            set_str(c, "side", "RIGHT") || set_str(c, "body", cs[i].body))
            goto fail;
    }
    if (json_object_set_new(o, "comments", arr))
        goto fail_o; /* set_new consumed arr */
    return o;
fail:
    json_decref(arr);
fail_o:
    json_decref(o);
    return NULL;
}

/* A Markdown code span holding s: a fence longer than any backtick run in s. */
static int put_code(struct wf_buf *b, const char *s)
{
    size_t run = 0, longest = 0;
    int rc = WF_OK;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    for (size_t i = 0; i <= longest && !rc; i++)
        rc = wf_buf_putc(b, '`');
    if (!rc && longest)
        rc = wf_buf_putc(b, ' ');
    if (!rc)
        rc = wf_buf_puts(b, s);
    if (!rc && longest)
        rc = wf_buf_putc(b, ' ');
    for (size_t i = 0; i <= longest && !rc; i++)
        rc = wf_buf_putc(b, '`');
    return rc;
}

/* GitLab has no review-with-comments call for a merge request without diff
 * positions (base/head/start SHAs we do not have): the summary and every
 * comment go into one note. */
static int gitlab_note(struct wf_buf *b, const char *summary, const struct wf_provider_comment *cs,
                       size_t n)
{
    int rc = wf_buf_puts(b, summary);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = wf_buf_puts(b, "\n\n---\n\n**");
        if (!rc)
            rc = put_code(b, cs[i].path);
        if (!rc)
            rc = wf_buf_appendf(b, ", line %ld**\n\n%s", cs[i].line, cs[i].body);
    }
    return rc;
}

static int drop(void *ud, const char *chunk, size_t n)
{
    (void)ud;
    (void)chunk;
    (void)n;
    return WF_OK;
}

int wf_provider_post_review(const struct wf_provider_config *c, const char *provider,
                            const char *repo, const char *number, const char *summary,
                            const struct wf_provider_comment *comments, size_t n_comments,
                            struct wf_buf *err)
{
    struct call k;
    struct wf_buf note;
    json_t *body = NULL;
    char *text = NULL;
    int rc;

    wf_buf_init(&note, WF_LIMIT_HTTP_BODY_BYTES);
    rc = call_init(&k, c, provider, repo, number, err);
    if (rc)
        goto out;
    if (!summary || !*summary) {
        rc = fail(err, WF_EINVAL, "%s: a review needs a summary", k.api->name);
        goto out;
    }
    if (n_comments > WF_PROVIDER_MAX_COMMENTS) {
        rc = fail(err, WF_ETOOBIG, "%s: more than %u comments", k.api->name,
                  WF_PROVIDER_MAX_COMMENTS);
        goto out;
    }
    if (n_comments && !comments) {
        rc = fail(err, WF_EINVAL, "%s: no comments array", k.api->name);
        goto out;
    }
    for (size_t i = 0; i < n_comments; i++) {
        if (!comments[i].path || !*comments[i].path || !comments[i].body || !*comments[i].body ||
            comments[i].line < 1) {
            rc = fail(err, WF_EINVAL, "%s: comment %zu needs a path, a line >= 1 and a body",
                      k.api->name, i + 1);
            goto out;
        }
    }

    rc = put_repo(&k, repo);
    if (!rc)
        rc = wf_buf_appendf(
            &k.url, k.api == &apis[0] ? "/pulls/%s/reviews" : "/merge_requests/%s/notes", number);
    if (!rc && k.api == &apis[0]) {
        body = github_review(summary, comments, n_comments);
    } else if (!rc) {
        rc = gitlab_note(&note, summary, comments, n_comments);
        if (!rc && (body = json_object()) && set_str(body, "body", note.p)) {
            json_decref(body);
            body = NULL;
        }
    }
    if (!rc && !body)
        rc = WF_ENOMEM;
    if (!rc && !(text = json_dumps(body, JSON_COMPACT)))
        rc = WF_ENOMEM;
    if (!rc && strlen(text) > WF_LIMIT_HTTP_BODY_BYTES)
        rc = WF_ETOOBIG;
    if (rc) {
        rc = fail(err, rc, "%s: review body: %s", k.api->name, wf_strerror(rc));
        goto out;
    }
    k.req.method = "POST";
    k.req.url = k.url.p;
    k.req.body = text;
    k.req.body_len = strlen(text);
    k.req.sink = drop;
    k.req.max_bytes = WF_LIMIT_JSON_BYTES; /* the created review, read and dropped */
    rc = wf_provider__perform(&k.req, err);
out:
    free(text); /* json_dumps allocates with jansson's malloc */
    json_decref(body);
    wf_buf_cleanup(&note);
    call_cleanup(&k);
    return rc;
}
