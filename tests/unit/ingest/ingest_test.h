/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the ingest unit tests (header-only, static functions):
 * a default redactor, normalization of a sample from tests/data/webhooks or
 * of a string, and typed reads of an event's data object.
 */
#ifndef WF_INGEST_TEST_H
#define WF_INGEST_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/ingest.h"

static __attribute__((unused)) struct wf_redactor *test_redactor(void)
{
    struct wf_redact_opts o;
    struct wf_redactor *r = NULL;
    wf_redact_opts_init(&o);
    assert_int_equal(wf_redact_new(&o, &r), WF_OK);
    return r;
}

static __attribute__((unused)) char *read_sample(const char *rel, size_t *len)
{
    char path[1024];
    char *body = NULL;
    snprintf(path, sizeof(path), "%s/tests/data/webhooks/%s", WF_SOURCE_DIR, rel);
    assert_int_equal(wf_read_file(path, WF_LIMIT_WEBHOOK_BYTES, &body, len), WF_OK);
    return body;
}

/* Normalizes a sample; returns the rc, the batch is the caller's. */
static __attribute__((unused)) int norm_sample(enum wf_ingest_provider p, const char *event,
                                               const char *rel, struct wf_ingest_batch *b,
                                               struct wf_buf *err)
{
    size_t len;
    char *body = read_sample(rel, &len);
    struct wf_redactor *r = test_redactor();
    int rc = wf_ingest_normalize(p, event, body, len, r, b, err);
    wf_redact_free(r);
    wf_free(body);
    return rc;
}

static __attribute__((unused)) int norm_str(enum wf_ingest_provider p, const char *event,
                                            const char *body, struct wf_ingest_batch *b,
                                            struct wf_buf *err)
{
    struct wf_redactor *r = test_redactor();
    int rc = wf_ingest_normalize(p, event, body, strlen(body), r, b, err);
    wf_redact_free(r);
    return rc;
}

static __attribute__((unused)) const char *dstr(const struct wf_ingest_event *e, const char *key)
{
    json_t *v = json_object_get(e->data, key);
    assert_non_null(v);
    if (json_is_null(v))
        return NULL;
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static __attribute__((unused)) json_int_t dint(const struct wf_ingest_event *e, const char *key)
{
    json_t *v = json_object_get(e->data, key);
    assert_non_null(v);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static __attribute__((unused)) int dnull(const struct wf_ingest_event *e, const char *key)
{
    json_t *v = json_object_get(e->data, key);
    return v && json_is_null(v);
}

/* Every string of the batch, events and data, for "is it gone" checks. */
static __attribute__((unused)) char *batch_text(const struct wf_ingest_batch *b)
{
    struct wf_buf t;
    wf_buf_init(&t, 64u * 1024 * 1024);
    for (size_t i = 0; i < b->n_events; i++) {
        const struct wf_ingest_event *e = &b->events[i];
        const char *f[] = {e->action,    e->repo, e->branch, e->sha,        e->external_id,
                           e->parent_id, e->name, e->status, e->conclusion, e->url};
        for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
            assert_non_null(f[k]);
            assert_int_equal(wf_buf_puts(&t, f[k]), WF_OK);
            assert_int_equal(wf_buf_putc(&t, '\n'), WF_OK);
        }
        char *d = json_dumps(e->data, JSON_COMPACT);
        assert_non_null(d);
        assert_int_equal(wf_buf_puts(&t, d), WF_OK);
        free(d);
    }
    return wf_buf_detach(&t);
}

/* Asserts that err holds text containing `want`. */
#define assert_err_has(err, want)                                                                  \
    do {                                                                                           \
        assert_non_null((err)->p);                                                                 \
        if (!strstr((err)->p, (want)))                                                             \
            fail_msg("error \"%s\" lacks \"%s\"", (err)->p, (want));                               \
    } while (0)

#endif
