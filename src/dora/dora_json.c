/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From stored events to dora inputs: the mapping rules of docs/dora.md
 * (which time of which kind counts, where an incident's resolution and
 * root cause come from) in one place, used by the CLI for JSONL files and
 * the store, and by the server for the store. Only data_json is parsed
 * (jansson); the columns arrive as strings.
 */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "dora/dora_int.h"

static const char *dstr(json_t *data, const char *k)
{
    json_t *v = data ? json_object_get(data, k) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The first of the keys that holds a parseable time, else 0. */
static int64_t dtime(json_t *data, const char *k1, const char *k2)
{
    const char *ks[2] = {k1, k2};
    for (int i = 0; i < 2; i++) {
        int64_t t;
        const char *s = ks[i] ? dstr(data, ks[i]) : NULL;
        if (s && wf_dora_parse_time(s, &t) == WF_OK && t > 0)
            return t;
    }
    return 0;
}

static int is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

static int add_row(struct wf_dora_set *s, const struct wf_dora_row *row, json_t *data, int *added)
{
    struct wf_dora_input in;
    memset(&in, 0, sizeof in);
    in.repo = row->repo;
    in.id = row->external_id;
    in.sha = row->sha;
    in.status = row->status;
    in.at_ms = row->occurred_ms;
    *added = 0;
    if (is(row->kind, "deployment")) {
        in.kind = WF_DORA_DEPLOYMENT;
        in.env = row->name && row->name[0] ? row->name : dstr(data, "environment");
    } else if (is(row->kind, "change")) {
        in.kind = WF_DORA_CHANGE;
    } else if (is(row->kind, "pull_request")) {
        int64_t merged = dtime(data, "merged_at", NULL);
        if (!merged && !is(row->status, "merged"))
            return WF_OK;
        in.kind = WF_DORA_CHANGE;
        if (merged)
            in.at_ms = merged;
    } else if (is(row->kind, "incident")) {
        in.kind = WF_DORA_INCIDENT;
        int64_t opened = dtime(data, "created_at", "opened_at");
        if (opened)
            in.at_ms = opened;
        in.resolved_ms = dtime(data, "closed_at", "resolved_at");
        if (!in.resolved_ms && row->status &&
            (strcasecmp(row->status, "closed") == 0 || strcasecmp(row->status, "resolved") == 0))
            in.resolved_ms = row->occurred_ms;
        in.root_cause_sha = dstr(data, "root_cause_sha");
        if (!in.root_cause_sha)
            in.root_cause_sha = row->sha;
        in.sha = NULL;
    } else {
        return WF_OK;
    }
    int rc = wf_dora_set_add(s, &in);
    if (rc == WF_EINVAL)
        return WF_OK; /* no repo or no time: nothing to measure, not an error */
    if (rc == WF_OK)
        *added = 1;
    return rc;
}

int wf_dora_add_row(struct wf_dora_set *s, const struct wf_dora_row *row, int *added)
{
    int dummy;
    json_t *data = NULL;
    if (!added)
        added = &dummy;
    *added = 0;
    if (!s || !row)
        return WF_EINVAL;
    if (row->data_json && row->data_json[0]) {
        data = json_loads(row->data_json, 0, NULL);
        if (!json_is_object(data)) {
            json_decref(data);
            return WF_EFORMAT;
        }
    }
    int rc = add_row(s, row, data, added);
    json_decref(data);
    return rc;
}

static int field(json_t *o, const char *k1, const char *k2, const char **out, struct wf_buf *err)
{
    json_t *v = json_object_get(o, k1);
    const char *k = k1;
    if (!v && k2) {
        v = json_object_get(o, k2);
        k = k2;
    }
    *out = NULL;
    if (!v || json_is_null(v))
        return WF_OK;
    if (!json_is_string(v)) {
        if (err)
            wf_buf_appendf(err, "%s: expected a string", k);
        return WF_EFORMAT;
    }
    *out = json_string_value(v);
    return WF_OK;
}

int wf_dora_add_json(struct wf_dora_set *s, const char *line, size_t len, int *added,
                     struct wf_buf *err)
{
    int dummy, rc;
    if (!added)
        added = &dummy;
    *added = 0;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
        i++;
    if (i == len)
        return WF_OK;
    json_error_t je;
    json_t *o = json_loadb(line, len, 0, &je);
    if (!json_is_object(o)) {
        if (err)
            wf_buf_appendf(err, "not a JSON object: %s", o ? "wrong type" : je.text);
        json_decref(o);
        return WF_EFORMAT;
    }
    struct wf_dora_row row;
    memset(&row, 0, sizeof row);
    const char *at = NULL;
    if ((rc = field(o, "kind", "type", &row.kind, err)) ||
        (rc = field(o, "repo", NULL, &row.repo, err)) ||
        (rc = field(o, "name", "environment", &row.name, err)) ||
        (rc = field(o, "external_id", "id", &row.external_id, err)) ||
        (rc = field(o, "sha", NULL, &row.sha, err)) ||
        (rc = field(o, "status", NULL, &row.status, err)) ||
        (rc = field(o, "occurred_at", NULL, &at, err)))
        goto out;
    json_t *ms = json_object_get(o, "occurred_ms");
    if (ms && !json_is_integer(ms)) {
        if (err)
            wf_buf_puts(err, "occurred_ms: expected an integer");
        rc = WF_EFORMAT;
        goto out;
    }
    row.occurred_ms = ms ? (int64_t)json_integer_value(ms) : 0;
    if (at && wf_dora_parse_time(at, &row.occurred_ms) != WF_OK) {
        if (err)
            wf_buf_puts(err, "occurred_at: expected an RFC 3339 timestamp");
        rc = WF_EFORMAT;
        goto out;
    }
    json_t *data = json_object_get(o, "data");
    if (data && !json_is_object(data)) {
        if (err)
            wf_buf_puts(err, "data: expected an object");
        rc = WF_EFORMAT;
        goto out;
    }
    if (!row.kind) {
        if (err)
            wf_buf_puts(err, "kind: missing");
        rc = WF_EFORMAT;
        goto out;
    }
    rc = add_row(s, &row, data, added);
out:
    json_decref(o);
    return rc;
}
