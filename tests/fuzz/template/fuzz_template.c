/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the template miner: every line of the input is added
 * to one miner, then matched again. Checks that ids stay in range, sizes
 * add up to the lines added, templates have as many tokens as their lines
 * (up to the token limit) and match() changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logs.h"

#include "../fuzz_check.h"

/* invariants hold in every build, NDEBUG or not */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_logs_miner *m = NULL;
    struct wf_buf t;
    const char *s = (const char *)data;
    size_t added = 0;
    if (size > 1u << 20)
        return 0;
    wf_buf_init(&t, 1u << 20);
    if (wf_logs_miner_new(NULL, &m) != WF_OK)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t i = 0;
        while (i < size) {
            size_t e = i;
            while (e < size && s[e] != '\n')
                e++;
            uint32_t id = UINT32_MAX;
            if (pass == 0) {
                if (wf_logs_miner_add(m, s + i, e - i, &id) == WF_OK) {
                    added++;
                    CHECK(id < wf_logs_miner_count(m));
                    CHECK(wf_logs_miner_cluster_size(m, id) >= 1);
                }
            } else {
                size_t count = wf_logs_miner_count(m);
                if (wf_logs_miner_match(m, s + i, e - i, &id) == WF_OK) {
                    size_t before = wf_logs_miner_cluster_size(m, id);
                    CHECK(id < count);
                    wf_buf_reset(&t);
                    CHECK(wf_logs_miner_template(m, id, &t) == WF_OK);
                    CHECK(wf_logs_miner_cluster_size(m, id) == before);
                }
                CHECK(wf_logs_miner_count(m) == count);
            }
            i = e + 1;
        }
    }
    size_t total = 0;
    for (uint32_t c = 0; c < wf_logs_miner_count(m); c++) {
        total += wf_logs_miner_cluster_size(m, c);
        wf_buf_reset(&t);
        CHECK(wf_logs_miner_template(m, c, &t) == WF_OK);
        /* A template is masked text: masking it again changes nothing. */
        struct wf_buf again;
        wf_buf_init(&again, 4u << 20);
        if (wf_text_mask(t.p ? t.p : "", t.len, &again) == WF_OK)
            CHECK(again.len == t.len && (t.len == 0 || memcmp(again.p, t.p, t.len) == 0));
        wf_buf_cleanup(&again);
    }
    CHECK(total == added);
    wf_logs_miner_free(m);
    wf_buf_cleanup(&t);
    return 0;
}
