/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic webhook (docs/webhooks.md): any CI or tool can post events in
 * our own schema, one object or {"events":[...]}. Validation is strict,
 * unlike the provider mappers: an unknown field, a wrong type, a status
 * outside the vocabulary or a timestamp that is not RFC 3339 is refused
 * with a message naming the field ("events[2].status: ..."), so mistakes
 * show up when the sender is written, not as odd data later. The free-form
 * "data" object is kept (depth-limited) with every string and key redacted.
 */
#include "ingest_int.h"

#include <stdio.h>
#include <string.h>

/* The fields an event may have; everything else is an error. */
static const char *const known[] = {"type",      "id",   "action",     "repo",       "branch",
                                    "sha",       "name", "status",     "conclusion", "url",
                                    "parent_id", "data", "occurred_at"};

static int kind_of(const char *s, enum wf_ingest_kind *k)
{
    static const enum wf_ingest_kind all[] = {WF_INGEST_BUILD,      WF_INGEST_JOB,
                                              WF_INGEST_CHANGE,     WF_INGEST_PULL_REQUEST,
                                              WF_INGEST_DEPLOYMENT, WF_INGEST_INCIDENT};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(s, wf_ingest_kind_name(all[i])) == 0) {
            *k = all[i];
            return 0;
        }
    }
    return -1;
}

/* A redacted deep copy of user data: strings and keys through the
 * redactor, numbers, booleans and null as they are. */
static int copy_redacted(struct wf_ingest__ctx *c, json_t *v, json_t **out)
{
    int rc;
    *out = NULL;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        json_t *o = json_object();
        const char *k;
        json_t *x;
        if (!o)
            return WF_ENOMEM;
        json_object_foreach(v, k, x)
        {
            const char *rk;
            json_t *cx;
            if ((rc = wf_ingest__redact(c, k, WF_INGEST_MAX_STR_BYTES, &rk)) != WF_OK ||
                (rc = copy_redacted(c, x, &cx)) != WF_OK) {
                json_decref(o);
                return rc;
            }
            /* two keys can redact to the same placeholder: the last wins */
            if (json_object_set_new(o, rk, cx)) {
                json_decref(o);
                return WF_ENOMEM;
            }
        }
        *out = o;
        return WF_OK;
    }
    case JSON_ARRAY: {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        if (!a)
            return WF_ENOMEM;
        json_array_foreach(v, i, x)
        {
            json_t *cx;
            if ((rc = copy_redacted(c, x, &cx)) != WF_OK) {
                json_decref(a);
                return rc;
            }
            if (json_array_append_new(a, cx)) {
                json_decref(a);
                return WF_ENOMEM;
            }
        }
        *out = a;
        return WF_OK;
    }
    case JSON_STRING: {
        const char *s;
        if ((rc = wf_ingest__redact(c, json_string_value(v), WF_INGEST_MAX_TEXT_BYTES, &s)) !=
            WF_OK)
            return rc;
        *out = json_string(s);
        break;
    }
    default:
        *out = json_deep_copy(v);
        break;
    }
    return *out ? WF_OK : WF_ENOMEM;
}

static int one(struct wf_ingest__ctx *c, json_t *e, const char *W)
{
    const char *k, *type, *id, *action, *repo, *branch, *sha, *name, *status, *concl, *url, *parent;
    json_t *x, *data;
    enum wf_ingest_kind kind;
    struct wf_ingest_event *ev;
    int rc;

    if (!json_is_object(e))
        return wf_ingest__fail(c, W, NULL, "expected an object");
    json_object_foreach(e, k, x)
    {
        size_t i = 0;
        while (i < sizeof(known) / sizeof(known[0]) && strcmp(k, known[i]) != 0)
            i++;
        if (i == sizeof(known) / sizeof(known[0])) {
            char shown[64];
            snprintf(shown, sizeof(shown), "%.40s%s", k, strlen(k) > 40 ? "..." : "");
            /* the key is echoed: keep control bytes out of the message */
            for (char *p = shown; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    *p = '?';
            return wf_ingest__fail(c, W, shown, "unknown field");
        }
    }
    TRY(wf_ingest__str(c, e, W, "type", 1, &type));
    if (kind_of(type, &kind) != 0)
        return wf_ingest__fail(
            c, W, "type", "expected one of build, job, change, pull_request, deployment, incident");
    TRY(wf_ingest__str(c, e, W, "id", 1, &id));
    if (!id[0])
        return wf_ingest__fail(c, W, "id", "must not be empty");
    if (strlen(id) >= WF_LIMIT_ID_BYTES)
        return wf_ingest__fail(c, W, "id", "longer than %u bytes", WF_LIMIT_ID_BYTES - 1);
    TRY(wf_ingest__str(c, e, W, "repo", 1, &repo));
    if (!repo[0])
        return wf_ingest__fail(c, W, "repo", "must not be empty");
    TRY(wf_ingest__str(c, e, W, "action", 0, &action));
    TRY(wf_ingest__str(c, e, W, "branch", 0, &branch));
    TRY(wf_ingest__str(c, e, W, "sha", 0, &sha));
    TRY(wf_ingest__str(c, e, W, "name", 0, &name));
    TRY(wf_ingest__str(c, e, W, "status", 0, &status));
    TRY(wf_ingest__str(c, e, W, "conclusion", 0, &concl));
    TRY(wf_ingest__str(c, e, W, "url", 0, &url));
    TRY(wf_ingest__str(c, e, W, "parent_id", 0, &parent));
    TRY(wf_ingest__obj(c, e, W, "data", 0, &data));
    if (kind == WF_INGEST_BUILD || kind == WF_INGEST_JOB) {
        if (!status)
            return wf_ingest__fail(c, W, "status", "missing (queued, in_progress or completed)");
        if (strcmp(status, "queued") != 0 && strcmp(status, "in_progress") != 0 &&
            strcmp(status, "completed") != 0)
            return wf_ingest__fail(c, W, "status",
                                   "expected queued, in_progress or completed for a %s", type);
        if (strcmp(status, "completed") == 0 && (!concl || !concl[0]))
            return wf_ingest__fail(c, W, "conclusion", "missing for a completed %s", type);
    }
    if (sha) {
        size_t n = strlen(sha);
        if (n < 7 || n > 64 || strspn(sha, "0123456789abcdefABCDEF") != n)
            return wf_ingest__fail(c, W, "sha", "expected 7 to 64 hex digits");
    }

    TRY(wf_ingest__event(c, kind, &ev));
    TRY(wf_ingest__set(c, ev, &ev->external_id, "id", id));
    TRY(wf_ingest__set(c, ev, &ev->action, "action", action));
    TRY(wf_ingest__set(c, ev, &ev->repo, "repo", repo));
    TRY(wf_ingest__set(c, ev, &ev->branch, "branch", branch));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", sha));
    TRY(wf_ingest__set(c, ev, &ev->parent_id, "parent_id", parent));
    TRY(wf_ingest__set_text(c, ev, &ev->name, "name", name));
    TRY(wf_ingest__set(c, ev, &ev->status, "status", status));
    TRY(wf_ingest__set(c, ev, &ev->conclusion, "conclusion", concl));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    TRY(wf_ingest__set_time(c, ev, e, W, "occurred_at", "occurred_at", &ev->occurred_ms));
    if (data) {
        json_t *copy;
        TRY(copy_redacted(c, data, &copy));
        if (json_object_set_new(ev->data, "extra", copy))
            return WF_ENOMEM;
    }
    return WF_OK;
}

int wf_ingest__generic(struct wf_ingest__ctx *c, json_t *root)
{
    json_t *events = json_object_get(root, "events");
    int rc;
    if (!events)
        return one(c, root, "");
    if (json_object_size(root) != 1)
        return wf_ingest__fail(c, "", "events",
                               "a batch holds only \"events\", not other fields beside it");
    if (!json_is_array(events))
        return wf_ingest__fail(c, "", "events", "expected an array");
    size_t n = json_array_size(events), i;
    if (n == 0 || n > WF_INGEST_MAX_COMMITS)
        return wf_ingest__fail(c, "", "events", "expected 1 to %u events, found %zu",
                               WF_INGEST_MAX_COMMITS, n);
    json_t *e;
    json_array_foreach(events, i, e)
    {
        char W[32];
        snprintf(W, sizeof(W), "events[%zu]", i);
        TRY(one(c, e, W));
    }
    return WF_OK;
}
