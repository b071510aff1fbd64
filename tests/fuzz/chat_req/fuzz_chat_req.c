/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the body of POST /v1/chat/completions: any bytes
 * give a request whose question is a non-empty user message of at most
 * 4096 bytes, with 1..64 messages and bounded content, or an error naming
 * the field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_server__chat_req r;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_server__chat_parse((const char *)data, size, &r, &err);
    if (rc == WF_OK) {
        CHECK(r.n_msgs >= 1 && r.n_msgs <= WF_SERVER__CHAT_MESSAGES);
        CHECK(r.question < r.n_msgs);
        CHECK(r.msgs[r.question].role == WF_LLM_USER);
        CHECK(r.msgs[r.question].content.len >= 1 &&
              r.msgs[r.question].content.len <= WF_KB_MAX_QUERY_BYTES);
        size_t total = 0;
        for (size_t i = 0; i < r.n_msgs; i++) {
            CHECK(r.msgs[i].content.p == r.texts[i]);
            CHECK(strlen(r.texts[i]) == r.msgs[i].content.len);
            total += r.msgs[i].content.len;
        }
        CHECK(total <= WF_SERVER__CHAT_BYTES);
        CHECK(r.top_k <= WF_KB_MAX_ANSWER_TOP_K);
        wf_server__chat_cleanup(&r);
    } else {
        CHECK(rc == WF_EFORMAT || rc == WF_EINVAL || rc == WF_ETOOBIG || rc == WF_ENOMEM);
        CHECK(rc == WF_ENOMEM || err.len > 0);
    }
    wf_buf_cleanup(&err);
    return 0;
}
