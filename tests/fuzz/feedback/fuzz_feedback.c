/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for POST /v1/feedback bodies (wf_learn_feedback_parse).
 * Any bytes give WF_OK or a clean WF_EFORMAT / WF_EINVAL / WF_ETOOBIG with
 * a message; an accepted body has a known kind, terminated bounded
 * strings, the fields its kind needs, and parses to the same result again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "learn/learn.h"

#include "../fuzz_check.h"

#define TERMINATED(a) CHECK(memchr((a), 0, sizeof(a)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wf_learn_feedback fb, again;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_learn_feedback_parse((const char *)data, size, &fb, &err);
    CHECK(rc == WF_OK || rc == WF_EFORMAT || rc == WF_EINVAL || rc == WF_ETOOBIG);
    if (rc != WF_OK) {
        CHECK(err.len > 0); /* every refusal says why */
    } else {
        TERMINATED(fb.kind);
        TERMINATED(fb.value);
        TERMINATED(fb.target);
        TERMINATED(fb.target_id);
        TERMINATED(fb.signature);
        TERMINATED(fb.note);
        TERMINATED(fb.fix_commit);
        TERMINATED(fb.repo);
        if (strcmp(fb.kind, "category") == 0)
            CHECK(fb.failure_id > 0 && fb.value[0]);
        else if (strcmp(fb.kind, "helpful") == 0)
            CHECK((strcmp(fb.value, "yes") == 0 || strcmp(fb.value, "no") == 0) && fb.target_id[0]);
        else if (strcmp(fb.kind, "resolution") == 0)
            CHECK(fb.signature[0] && fb.note[0]);
        else
            CHECK(strcmp(fb.kind, "pr_outcome") == 0 && fb.number > 0 && fb.repo[0]);
        struct wf_buf e2;
        wf_buf_init(&e2, 4096);
        CHECK(wf_learn_feedback_parse((const char *)data, size, &again, &e2) == WF_OK);
        CHECK(memcmp(&fb, &again, sizeof fb) == 0);
        wf_buf_cleanup(&e2);
    }
    wf_buf_cleanup(&err);
    return 0;
}
