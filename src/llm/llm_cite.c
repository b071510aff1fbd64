/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation of the [n] citation markers in a model's answer: numbers that
 * point at a source the model was given are kept, the others are dropped,
 * so an answer never cites a passage that was not retrieved. A pure
 * function over bytes, fuzzed (tests/fuzz/citations).
 */
#include "llm/llm.h"

#include <string.h>

/* Parses a marker at p[0] == '['. Returns its length (through ']') and
 * the numbers in nums (at most cap), or 0 when it is not a marker. */
static size_t marker(const char *p, size_t len, long *nums, size_t cap, size_t *n_nums)
{
    size_t i = 1, n = 0;
    for (;;) {
        while (i < len && p[i] == ' ')
            i++;
        if (i >= len || p[i] < '0' || p[i] > '9')
            return 0;
        long v = 0;
        size_t digits = 0;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            if (++digits > 4)
                return 0;
            v = v * 10 + (p[i] - '0');
            i++;
        }
        if (n == cap)
            return 0;
        nums[n++] = v;
        while (i < len && p[i] == ' ')
            i++;
        if (i < len && p[i] == ']') {
            *n_nums = n;
            return i + 1;
        }
        if (i < len && (p[i] == ',' || p[i] == ';')) {
            i++;
            continue;
        }
        return 0;
    }
}

int wf_llm_citations(const char *p, size_t len, size_t n_sources, struct wf_buf *out,
                     unsigned char *used, size_t *n_valid)
{
    size_t mark = out->len, valid = 0, i = 0;
    int rc = WF_OK;
    while (!rc && i < len) {
        const char *open = memchr(p + i, '[', len - i);
        size_t upto = open ? (size_t)(open - p) : len;
        rc = wf_buf_append(out, p + i, upto - i);
        i = upto;
        if (rc || !open)
            break;
        long nums[16];
        size_t n_nums = 0;
        size_t mlen = marker(p + i, len - i, nums, 16, &n_nums);
        if (!mlen) {
            rc = wf_buf_putc(out, '[');
            i++;
            continue;
        }
        size_t kept = 0;
        for (size_t k = 0; !rc && k < n_nums; k++) {
            if (nums[k] < 1 || (size_t)nums[k] > n_sources)
                continue;
            if (kept == 0)
                rc = wf_buf_putc(out, '[');
            else
                rc = wf_buf_puts(out, ", ");
            if (!rc)
                rc = wf_buf_appendf(out, "%ld", nums[k]);
            if (used)
                used[nums[k] - 1] = 1;
            kept++;
        }
        if (!rc && kept)
            rc = wf_buf_putc(out, ']');
        valid += kept;
        i += mlen;
    }
    if (rc) {
        out->len = mark;
        if (out->p)
            out->p[mark] = '\0';
        return rc;
    }
    if (n_valid)
        *n_valid = valid;
    return WF_OK;
}
