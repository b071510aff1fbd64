/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the /embeddings response parser: the first byte
 * picks the number of inputs expected (0..7) and whether a dimension is
 * expected; the rest is the body. A success gives n * dim finite floats, a
 * failure a message and no vectors.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "embed/embed.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1u << 20)
        return 0;
    size_t n = data[0] & 7;
    size_t want = (data[0] & 8) ? 3 : 0;
    size_t dim = want;
    float *v = NULL;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_embed_parse_response((const char *)data + 1, size - 1, n, &dim, &v, &err);
    if (rc) {
        CHECK(rc == WF_EFORMAT || rc == WF_ETOOBIG || rc == WF_ENOMEM);
        CHECK(err.len > 0);
        CHECK(v == NULL);
    } else {
        CHECK(!want || dim == want);
        CHECK(n == 0 || (v && dim >= 1 && dim <= WF_EMBED_MAX_DIM));
        for (size_t i = 0; i < n * dim; i++)
            CHECK(isfinite(v[i]));
    }
    wf_free(v);
    wf_buf_cleanup(&err);
    return 0;
}
