/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for bearer-token checks: every /v1 request hands its
 * Authorization header to wf_server__key_hash or wf_server__jwt_verify, so
 * any byte string must be answered with a clean accept or reject. An
 * accepted JWT has a tenant of the allowed alphabet; a token re-signed by
 * wf_server__jwt_sign from accepted claims verifies again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *tok = (const char *)data;
    char hash[65];
    if (wf_server__key_hash(tok, size, hash) == 0)
        CHECK(strlen(hash) == 64);
    struct wf_server__jwt_claims cl;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    /* the secret of the corpus tokens */
    int rc = wf_server__jwt_verify(tok, size, "fuzz-secret", 1700000000, 30, &cl, &err);
    if (rc == WF_OK) {
        size_t n = strlen(cl.tenant);
        CHECK(n > 0 && n < sizeof cl.tenant);
        for (size_t i = 0; i < n; i++)
            CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
                         cl.tenant[i]) != NULL);
        struct wf_buf again;
        wf_buf_init(&again, 16384);
        CHECK(wf_server__jwt_sign("fuzz-secret", cl.tenant, cl.sub, 1700000000, cl.exp, &again) ==
              WF_OK);
        struct wf_server__jwt_claims cl2;
        CHECK(wf_server__jwt_verify(again.p, again.len, "fuzz-secret", 1700000000, 30, &cl2,
                                    NULL) == WF_OK);
        CHECK(strcmp(cl.tenant, cl2.tenant) == 0);
        wf_buf_cleanup(&again);
    } else {
        CHECK(rc == WF_EAUTH);
    }
    wf_buf_cleanup(&err);
    return 0;
}
