/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embed: strict parsing of an OpenAI-compatible /embeddings response:
 * {"data": [{"index": i, "embedding": [numbers]}...]}. Every item must be
 * there exactly once, all vectors of one dimension (the expected one when
 * known), every element a finite number. Anything else is WF_EFORMAT with
 * a message naming the problem.
 */
#include "embed/embed_int.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

static int fail(struct wf_buf *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct wf_buf *err, int rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        wf_buf_reset(err);
        (void)wf_buf_puts(err, "embeddings response: ");
        va_start(ap, fmt);
        (void)wf_buf_vappendf(err, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int wf_embed_parse_response(const char *body, size_t len, size_t n, size_t *dim, float **out,
                            struct wf_buf *err)
{
    json_error_t je;
    float *v = NULL;
    unsigned char *seen = NULL;
    int rc = WF_OK;
    if (!dim || !out || (len && !body))
        return WF_EINVAL;
    if (len > WF_EMBED_MAX_RESPONSE_BYTES)
        return fail(err, WF_ETOOBIG, "%zu bytes exceed the limit", len);
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return fail(err, WF_EFORMAT, "not JSON (%s at byte %d)", je.text, je.position);
    json_t *data = json_object_get(j, "data");
    size_t want_dim = *dim;
    if (!json_is_array(data)) {
        rc = fail(err, WF_EFORMAT, "no \"data\" array");
        goto out;
    }
    if (json_array_size(data) != n) {
        rc = fail(err, WF_EFORMAT, "%zu embeddings for %zu inputs", json_array_size(data), n);
        goto out;
    }
    if (n == 0)
        goto out;
    seen = wf_calloc(n, 1);
    if (!seen) {
        rc = WF_ENOMEM;
        goto out;
    }
    size_t d = want_dim;
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(data, i);
        json_t *idx = json_object_get(it, "index");
        json_t *emb = json_object_get(it, "embedding");
        if (!json_is_object(it) || !json_is_array(emb)) {
            rc = fail(err, WF_EFORMAT, "item %zu has no \"embedding\" array", i);
            goto out;
        }
        /* "index" may be absent (then the position counts) but not wrong */
        json_int_t k = (json_int_t)i;
        if (idx) {
            if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
                (size_t)json_integer_value(idx) >= n) {
                rc = fail(err, WF_EFORMAT, "item %zu has an invalid \"index\"", i);
                goto out;
            }
            k = json_integer_value(idx);
        }
        if (seen[k]) {
            rc = fail(err, WF_EFORMAT, "index %lld appears twice", (long long)k);
            goto out;
        }
        seen[k] = 1;
        size_t m = json_array_size(emb);
        if (m == 0 || m > WF_EMBED_MAX_DIM) {
            rc = fail(err, m ? WF_ETOOBIG : WF_EFORMAT, "embedding of dimension %zu (1..%u)", m,
                      WF_EMBED_MAX_DIM);
            goto out;
        }
        if (!d)
            d = m;
        if (m != d) {
            rc = fail(err, WF_EFORMAT, "dimension mismatch: embedding %lld has %zu, expected %zu",
                      (long long)k, m, d);
            goto out;
        }
        if (!v && !(v = wf_malloc(n * d * sizeof(float)))) {
            rc = WF_ENOMEM;
            goto out;
        }
        float *dst = v + (size_t)k * d;
        for (size_t e = 0; e < m; e++) {
            json_t *x = json_array_get(emb, e);
            double val = json_number_value(x);
            if (!json_is_number(x) || !isfinite(val) || fabs(val) > 3.0e38) {
                rc = fail(err, WF_EFORMAT, "embedding %lld element %zu is not a number",
                          (long long)k, e);
                goto out;
            }
            dst[e] = (float)val;
        }
    }
    *dim = d;
out:
    json_decref(j);
    wf_free(seen);
    if (rc) {
        wf_free(v);
        return rc;
    }
    *out = v;
    if (!v)
        *dim = want_dim;
    return WF_OK;
}
