/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers both backends share: JSON building for the list/get ops (so the
 * two answer the same shapes), paging, which events are builds or ask for
 * a review, and lease tokens. Declared in store_int.h.
 */
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "store/store_int.h"

/* Sets o[k] = v (stolen); WF_ENOMEM when v is NULL or the set fails. */
int wf_store__jset(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v) == 0 ? WF_OK : WF_ENOMEM;
}

int wf_store__jpush(json_t *a, json_t *v)
{
    return json_array_append_new(a, v) == 0 ? WF_OK : WF_ENOMEM;
}

/* A JSON string of text that may not be valid UTF-8 ("" then). */
json_t *wf_store__jstr(const char *p)
{
    json_t *v = json_string(p ? p : "");
    return v ? v : json_string("");
}

int wf_store__is_build_kind(const char *kind)
{
    return strcmp(kind, "job") == 0 || strcmp(kind, "build") == 0;
}

/* A pull request opened or updated: its new head deserves a review. */
int wf_store__wants_review(const struct wf_store_event *ev)
{
    static const char *const actions[] = {"opened", "synchronize", "reopened", "ready_for_review",
                                          "open",   "reopen",      "update"};
    if (strcmp(ev->kind, "pull_request") != 0 || !ev->action || !ev->parent_id ||
        !ev->parent_id[0] || !ev->sha || !ev->sha[0] || !ev->repo || !ev->repo[0])
        return 0;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(ev->action, actions[i]) == 0)
            return 1;
    return 0;
}

int wf_store__page_limit(const struct wf_store_filter *f)
{
    if (!f || f->limit <= 0)
        return 50;
    return f->limit > (int)WF_LIMIT_PAGE_ITEMS ? (int)WF_LIMIT_PAGE_ITEMS : f->limit;
}

/* {"items": items, "next": next or null}; takes items. */
int wf_store__page(json_t *items, int64_t next, json_t **out)
{
    json_t *o = json_object();
    int rc = o ? wf_store__jset(o, "items", items) : (json_decref(items), WF_ENOMEM);
    if (!rc)
        rc = wf_store__jset(o, "next", next ? json_integer(next) : json_null());
    if (rc)
        json_decref(o);
    else
        *out = o;
    return rc;
}

int wf_store__build_json(const struct wf_store_build *b, json_t **out)
{
    json_t *o = json_object();
    int rc = o ? WF_OK : WF_ENOMEM;
    if (!rc)
        rc = wf_store__jset(o, "id", json_integer(b->id));
    if (!rc)
        rc = wf_store__jset(o, "provider", wf_store__jstr(b->provider));
    if (!rc)
        rc = wf_store__jset(o, "external_id", wf_store__jstr(b->external_id));
    if (!rc)
        rc = wf_store__jset(o, "parent_id", wf_store__jstr(b->parent_id));
    if (!rc)
        rc = wf_store__jset(o, "repo", wf_store__jstr(b->repo));
    if (!rc)
        rc = wf_store__jset(o, "branch", wf_store__jstr(b->branch));
    if (!rc)
        rc = wf_store__jset(o, "sha", wf_store__jstr(b->sha));
    if (!rc)
        rc = wf_store__jset(o, "name", wf_store__jstr(b->name));
    if (!rc)
        rc = wf_store__jset(o, "status", wf_store__jstr(b->status));
    if (!rc)
        rc = wf_store__jset(o, "conclusion", wf_store__jstr(b->conclusion));
    if (!rc)
        rc = wf_store__jset(o, "url", wf_store__jstr(b->url));
    if (!rc)
        rc = wf_store__jset(o, "updated_ms", json_integer(b->updated_ms));
    if (!rc)
        rc = wf_store__jset(o, "has_log", json_boolean(b->has_log));
    if (rc)
        json_decref(o);
    else
        *out = o;
    return rc;
}

/* A positive random lease token (unguessable, so a stale worker cannot
 * collide with the new lease holder by counting). */
int64_t wf_store__lease_token(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = wf_now_ns() * 0x9E3779B97F4A7C15ull;
    v &= INT64_MAX;
    return v ? (int64_t)v : 1;
}
