/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared body of the three ingest fuzz targets: the input's first line is
 * the event header (X-GitHub-Event / X-Gitlab-Event; ignored by generic),
 * the rest the body. Whatever the bytes, wf_ingest_normalize returns a
 * clean error with an empty batch and a message, or a batch whose every
 * event has non-NULL strings (valid UTF-8, no secret-free guarantee to
 * check here) and an object for data that serializes.
 */
#ifndef WF_INGEST_FUZZ_H
#define WF_INGEST_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_str(const char *s)
{
    CHECK(s != NULL);
    CHECK(strlen(s) < 64u * 1024 * 1024);
}

static int fuzz_ingest(enum wf_ingest_provider p, const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t hl = nl ? (size_t)(nl - (const char *)data) : 0;
    char event[128];
    size_t n = hl < sizeof(event) - 1 ? hl : sizeof(event) - 1;
    memcpy(event, data, n);
    event[n] = '\0';
    const char *body = nl ? nl + 1 : (const char *)data;
    size_t len = nl ? size - hl - 1 : size;

    struct wf_redact_opts o;
    struct wf_redactor *r = NULL;
    wf_redact_opts_init(&o);
    CHECK(wf_redact_new(&o, &r) == WF_OK);
    struct wf_ingest_batch b;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_ingest_normalize(p, event, body, len, r, &b, &err);
    if (rc != WF_OK) {
        CHECK(rc == WF_EFORMAT || rc == WF_ETOOBIG || rc == WF_ENOMEM);
        CHECK(b.n_events == 0 && b.events == NULL);
        CHECK(rc == WF_ENOMEM || err.len > 0);
    } else {
        CHECK(b.event_type != NULL);
        CHECK(!b.ignored || b.n_events == 0);
        for (size_t i = 0; i < b.n_events; i++) {
            const struct wf_ingest_event *e = &b.events[i];
            const char *f[] = {e->action,    e->repo, e->branch, e->sha,        e->external_id,
                               e->parent_id, e->name, e->status, e->conclusion, e->url};
            for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
                check_str(f[k]);
            CHECK(json_is_object(e->data));
            CHECK(strcmp(json_string_value(json_object_get(e->data, "kind")),
                         wf_ingest_kind_name(e->kind)) == 0);
            char *d = json_dumps(e->data, JSON_COMPACT);
            CHECK(d != NULL);
            free(d);
        }
    }
    wf_ingest_batch_cleanup(&b);
    wf_buf_cleanup(&err);
    wf_redact_free(r);
    return 0;
}

#endif
