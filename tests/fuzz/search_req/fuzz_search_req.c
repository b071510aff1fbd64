/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the body of POST /v1/search: any bytes give a
 * request within the documented ranges (query 1..4096 bytes, top_k
 * 1..100, a known mode and fusion) or an error naming the field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_server__search_req r;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_server__search_parse((const char *)data, size, &r, &err);
    if (rc == WF_OK) {
        size_t n = strlen(r.query);
        CHECK(n >= 1 && n <= WF_KB_MAX_QUERY_BYTES);
        CHECK(r.top_k >= 1 && r.top_k <= WF_KB_MAX_TOP_K);
        CHECK(r.mode == WF_SEARCH_KEYWORD || r.mode == WF_SEARCH_SEMANTIC ||
              r.mode == WF_SEARCH_HYBRID);
        CHECK(r.fusion == WF_FUSION_RRF || r.fusion == WF_FUSION_WEIGHTED);
        wf_server__search_cleanup(&r);
    } else {
        CHECK(rc == WF_EFORMAT || rc == WF_EINVAL || rc == WF_ENOMEM);
        CHECK(rc == WF_ENOMEM || err.len > 0);
    }
    wf_buf_cleanup(&err);
    return 0;
}
