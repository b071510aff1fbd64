/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Failure signatures: a 64-bit hash over what identifies a failure and
 * nothing that changes from run to run. The failing step's name and the key
 * lines of the top blocks are masked first (numbers, ids, times, durations,
 * hashes become "<*>"), so the same broken test or missing symbol gives the
 * same signature in every run, on every runner, and another failure a
 * different one.
 */
#include "logs.h"

#include <string.h>

#define SIG_BLOCKS 3u

static uint64_t masked_hash(const char *s, size_t len, struct wf_buf *scratch)
{
    wf_buf_reset(scratch);
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    if (wf_text_mask(s, len, scratch) == WF_OK && scratch->len)
        return wf_hash64(scratch->p, scratch->len, 0x5167u);
    return wf_hash64(s, len, 0x5167u);
}

void wf_logs_signature(const struct wf_logs_result *r, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    struct wf_buf scratch;
    uint64_t h = 0x77666169ull; /* "wfai" */
    wf_buf_init(&scratch, 8192);
    if (r->failing_step >= 0 && (size_t)r->failing_step < r->n_steps) {
        const char *name = r->steps[r->failing_step].name;
        h = wf_hash_mix(h, masked_hash(name, strlen(name), &scratch));
    }
    /* Order-free over the top blocks, so a close race in ranking between
     * two runs of the same failure does not change the signature. */
    uint64_t keys[SIG_BLOCKS];
    size_t n = r->n_blocks < SIG_BLOCKS ? r->n_blocks : SIG_BLOCKS;
    for (size_t i = 0; i < n; i++) {
        const char *k = r->blocks[i].key_line;
        size_t len = strlen(k);
        keys[i] = masked_hash(k, len > 1024 ? 1024 : len, &scratch);
        for (size_t j = i; j > 0 && keys[j - 1] > keys[j]; j--) {
            uint64_t t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    }
    for (size_t i = 0; i < n; i++)
        h = wf_hash_mix(h, keys[i]);
    wf_buf_cleanup(&scratch);
    for (int i = 15; i >= 0; i--) {
        out[i] = hex[h & 15];
        h >>= 4;
    }
    out[16] = '\0';
}
