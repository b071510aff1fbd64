/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Redis URL parser (--queue, --limits and
 * WORKFLOWAI_QUEUE come from operators, but a config file may be edited by
 * anyone with access to it): any byte string gets a clean accept or a
 * reject with a message; an accepted URL has a host, a port in 1..65535, a
 * database in 0..15, and no error message ever repeats the password.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_queue_redis_url u;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    memset(&u, 0x5a, sizeof u);
    int rc = wf_queue_redis_url_parse((const char *)data, size, &u, &err);
    if (rc == WF_OK) {
        CHECK(u.host[0]);
        CHECK(strlen(u.host) < sizeof u.host);
        CHECK(u.port >= 1 && u.port <= 65535);
        CHECK(u.db >= 0 && u.db <= 15);
        CHECK(strlen(u.password) < sizeof u.password);
        CHECK(err.len == 0);
    } else {
        CHECK(rc == WF_EINVAL);
        CHECK(err.len > 0);
        /* the message never depends on the password (between
         * "redis://[user]:" and the last '@'): the same URL with the
         * password overwritten gives the same message, so none of its
         * bytes can be in it */
        if (size > 8 && memcmp(data, "redis://", 8) == 0) {
            const uint8_t *at = NULL;
            for (size_t i = 8; i < size; i++)
                if (data[i] == '@')
                    at = data + i;
            const uint8_t *colon = at ? memchr(data + 8, ':', (size_t)(at - data - 8)) : NULL;
            size_t n = colon ? (size_t)(at - colon - 1) : 0;
            if (n && !memchr(colon + 1, 0, n)) {
                uint8_t *copy = malloc(size);
                CHECK(copy);
                memcpy(copy, data, size);
                memset(copy + (colon + 1 - data), 'Q', n);
                struct wf_buf err2;
                wf_buf_init(&err2, 4096);
                CHECK(wf_queue_redis_url_parse((const char *)copy, size, &u, &err2) == rc);
                CHECK(err2.len == err.len && memcmp(err2.p, err.p, err.len) == 0);
                wf_buf_cleanup(&err2);
                free(copy);
            }
        }
    }
    wf_buf_cleanup(&err);
    return 0;
}
