/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the body of POST /v1/kb/documents: any bytes are
 * answered with a parsed request or an error naming the field; a parsed
 * request has a name without control characters, a document within the
 * 16 MiB cap, and nothing is left allocated either way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_server__kb_doc_req r;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_server__kb_doc_parse((const char *)data, size, &r, &err);
    if (rc == WF_OK) {
        CHECK(r.name && r.name[0] && strlen(r.name) < WF_STORE_KB_NAME_BYTES);
        for (const unsigned char *p = (const unsigned char *)r.name; *p; p++)
            CHECK(*p >= 0x20 && *p != 0x7f);
        CHECK(r.data && r.len <= WF_KB_MAX_DOC_BYTES);
        CHECK(!r.format || (r.format[0] && strlen(r.format) <= 16));
        wf_server__kb_doc_cleanup(&r);
    } else {
        CHECK(rc == WF_EFORMAT || rc == WF_EINVAL || rc == WF_ETOOBIG || rc == WF_ENOMEM);
        CHECK(rc == WF_ENOMEM || err.len > 0);
    }
    wf_buf_cleanup(&err);
    return 0;
}
