/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/ingest: the normalization context every provider mapper
 * shares, typed field getters whose errors name the JSON path
 * ("workflow_job.id: expected an integer"), the one place strings are
 * redacted and copied into the batch arena, and the timestamp parser.
 * Nothing here is thread-safe beyond "one context, one thread".
 */
#ifndef WF_INGEST_INT_H
#define WF_INGEST_INT_H

#include "ingest.h"

/* Events in one batch (a pipeline with its jobs, a push with its commits). */
#define WF_INGEST_MAX_EVENTS 4096u
/* Commits of one push turned into change events (GitHub sends at most 2048). */
#define WF_INGEST_MAX_COMMITS 2048u
/* Jobs of one GitLab pipeline turned into job events. */
#define WF_INGEST_MAX_JOBS 2048u
/* Steps of one job and labels of one job/issue kept in data. */
#define WF_INGEST_MAX_STEPS 1024u
#define WF_INGEST_MAX_LABELS 256u
/* Nesting depth and number of JSON values one body may have. */
#define WF_INGEST_MAX_DEPTH 64u
#define WF_INGEST_MAX_NODES (4u * 1024 * 1024)
/* Bytes kept of one string after redaction: identifiers and names, and
 * free text (commit messages, titles). Longer values are cut at a UTF-8
 * boundary and end in "...". */
#define WF_INGEST_MAX_STR_BYTES 1024u
#define WF_INGEST_MAX_TEXT_BYTES (16u * 1024)
/* Bytes of the batch arena (every kept string lives there). */
#define WF_INGEST_ARENA_BYTES (64u * 1024 * 1024)

struct wf_ingest__ctx {
    struct wf_ingest_batch *b;
    struct wf_redactor *r; /* borrowed */
    struct wf_buf *err;    /* borrowed, optional */
    struct wf_buf tmp;     /* redaction output */
    struct wf_buf junk;    /* output thrown away when a redaction fails */
    size_t cap_events;     /* capacity of b->events */
    int said;              /* 1 once a message went to err */
};

/* Appends "<where>.<key>: <msg>" to the error buffer; returns WF_EFORMAT.
 * where may be "" (then "<key>: <msg>"); key may be NULL. */
int wf_ingest__fail(struct wf_ingest__ctx *c, const char *where, const char *key, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

/* Typed getters. Absent and null are the same; `required` turns them into
 * "<path>: missing". A present value of the wrong type is WF_EFORMAT.
 * Outputs are NULL / not-present when absent. Borrowed from the document. */
int wf_ingest__str(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   int required, const char **out);
int wf_ingest__int(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   int required, json_int_t *out, int *present);
/* A number (integer or real); *present 0 when absent. */
int wf_ingest__num(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   double *out, int *present);
int wf_ingest__bool(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                    int *out, int *present);
int wf_ingest__obj(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   int required, json_t **out);
int wf_ingest__arr(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   int required, json_t **out);

/* Appends a new event (all strings "", data an empty object with "kind" and
 * "provider"). WF_ETOOBIG past WF_INGEST_MAX_EVENTS. */
int wf_ingest__event(struct wf_ingest__ctx *c, enum wf_ingest_kind kind,
                     struct wf_ingest_event **out);

/* Redacts raw (NULL allowed: *out = NULL) and copies it into the arena,
 * cut to max_bytes. The result is valid UTF-8 without NULs. */
int wf_ingest__redact(struct wf_ingest__ctx *c, const char *raw, size_t max_bytes,
                      const char **out);
/* obj[key] = the redacted raw (identifier cap; NULL raw: null). */
int wf_ingest__put(struct wf_ingest__ctx *c, json_t *obj, const char *key, const char *raw);
/* Redacts raw once and stores it in *field (when field is not NULL; NULL
 * raw leaves "") and in data[key] (when key is not NULL; NULL raw gives a
 * JSON null). Identifier-sized cap. */
int wf_ingest__set(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **field,
                   const char *key, const char *raw);
/* The same with the free-text cap (commit messages, titles). */
int wf_ingest__set_text(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **field,
                        const char *key, const char *raw);
/* A static (trusted, not redacted) string into *field and data[key]. */
int wf_ingest__set_static(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **field,
                          const char *key, const char *s);
/* An integer id as a decimal string (not redacted: a number holds no
 * secret) with an optional prefix into *field, and as a JSON integer into
 * data[key]. present 0: "" and null. */
int wf_ingest__set_id(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **field,
                      const char *prefix, const char *key, json_int_t v, int present);
/* data[key] = integer, or null when !present. */
int wf_ingest__set_int(struct wf_ingest_event *ev, const char *key, json_int_t v, int present);
/* data[key] = true/false, or null when !present. */
int wf_ingest__set_bool(struct wf_ingest_event *ev, const char *key, int v, int present);
/* Parses the timestamp obj[key] (absent/null: data[key] = null, *ms
 * untouched) and stores it in data[key] as RFC 3339 UTC
 * ("2024-01-01T10:00:00Z", ".123" when there are milliseconds). *ms
 * (optional) receives the epoch milliseconds. A string that is not a
 * timestamp is WF_EFORMAT naming the field. */
int wf_ingest__set_time(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *obj,
                        const char *where, const char *key, const char *data_key, int64_t *ms);
/* data[key] = array of redacted strings taken from arr (elements that are
 * not strings are WF_EFORMAT; with name_key, elements are objects and
 * obj[name_key] is taken). At most WF_INGEST_MAX_LABELS. */
int wf_ingest__set_labels(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char *key,
                          json_t *arr, const char *where, const char *name_key);

/* Parses RFC 3339 / ISO 8601 with an offset: "2024-01-01T10:00:00Z",
 * "2024-01-01T10:00:00.000+01:00", GitLab's "2024-01-01 10:00:00 UTC" and
 * "2021-04-28 21:50:00 +0200". The zone is required. 0 and *ms, or -1. No
 * dependence on the process time zone. */
int wf_ingest__parse_time(const char *s, int64_t *ms);
/* Formats epoch milliseconds as RFC 3339 UTC into out (>= 32 bytes). */
void wf_ingest__format_time(int64_t ms, char *out, size_t cap);

/* Finds "root cause: <7-40 hex>" (case-insensitive) in text; copies the
 * lower-cased sha into out (41 bytes). 1 when found. */
int wf_ingest__root_cause(const char *text, char out[41]);

/* Maps a GitHub run/job/check status to queued|in_progress|completed. */
const char *wf_ingest__github_status(const char *s, int has_conclusion);

/* Returns the code of x from the enclosing function (which declares
 * `int rc`) when it is not WF_OK. */
#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((rc = (x)) != WF_OK)                                                                   \
            return rc;                                                                             \
    } while (0)

/* One commit of a push (GitHub and GitLab share the shape: id, message,
 * url, timestamp, author.name, added/removed/modified) as a change event
 * of repo and branch; where names the commit in messages ("commits[3]").
 * The event's title is the message's first line. *out (optional) gets the
 * event so a provider can add its own fields. */
int wf_ingest__commit(struct wf_ingest__ctx *c, json_t *cm, const char *where, const char *repo,
                      const char *branch, struct wf_ingest_event **out);

/* The provider mappers: root is the parsed body (an object). */
int wf_ingest__github(struct wf_ingest__ctx *c, const char *event, json_t *root);
int wf_ingest__gitlab(struct wf_ingest__ctx *c, const char *event, json_t *root);
int wf_ingest__generic(struct wf_ingest__ctx *c, json_t *root);

#endif
