/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the citation validation of model answers: the first
 * byte picks the number of sources (0..15), the rest is the answer.
 * Validation never grows a marker past its input, flags only sources that
 * exist, keeps every valid number of a clean answer (validating it again
 * keeps at least as many), and the streaming filter gives the same text
 * however the stream is cut. (Removing a marker may join brackets around
 * it, "[[4]1]" -> "[1]", so validation is not idempotent in general.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb_int.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    size_t n_src = data[0] & 15;
    const char *p = (const char *)data + 1;
    size_t len = size - 1;
    unsigned char used[16] = {0}, used2[16] = {0}, used3[16] = {0};
    struct wf_buf a, b;
    wf_buf_init(&a, 1u << 22);
    wf_buf_init(&b, 1u << 22);
    size_t na = 0, nb = 0;
    CHECK(wf_llm_citations(p, len, n_src, &a, used, &na) == WF_OK);
    CHECK(wf_llm_citations(a.p ? a.p : "", a.len, n_src, &b, used2, &nb) == WF_OK);
    CHECK(nb >= na);
    for (size_t i = 0; i < 16; i++)
        CHECK(!used[i] || used2[i]);
    for (size_t i = n_src; i < 16; i++)
        CHECK(!used[i]);
    /* the streaming filter, cut where the second byte says */
    size_t cut = len ? (size > 1 ? data[1] : 0) % (len + 1) : 0;
    struct wf_kb__cite_stream cs;
    wf_kb__cite_init(&cs, n_src, used3, NULL, NULL);
    CHECK(wf_kb__cite_feed(&cs, p, cut) == WF_OK);
    CHECK(wf_kb__cite_feed(&cs, p + cut, len - cut) == WF_OK);
    CHECK(wf_kb__cite_finish(&cs) == WF_OK);
    CHECK(cs.out.len == a.len && (a.len == 0 || memcmp(cs.out.p, a.p, a.len) == 0));
    CHECK(cs.n_valid == na);
    wf_kb__cite_cleanup(&cs);
    wf_buf_cleanup(&a);
    wf_buf_cleanup(&b);
    return 0;
}
