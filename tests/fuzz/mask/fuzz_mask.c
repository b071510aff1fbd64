/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the text module: strips ANSI escapes, tokenizes,
 * classifies and masks arbitrary bytes, checking the invariants callers
 * rely on (stripping never grows the input, in-place equals out-of-place,
 * tokens are non-empty views inside the line, masking is idempotent).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"

#include "../fuzz_check.h"

/* invariants hold in every build, NDEBUG or not */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > WF_LIMIT_LINE_BYTES)
        return 0;
    char *a = wf_malloc(size + 1);
    char *b = wf_malloc(size + 1);
    if (!a || !b)
        goto out;
    memcpy(a, data, size);
    size_t n = wf_text_strip_ansi((const char *)data, size, b);
    size_t n2 = wf_text_strip_ansi(a, size, a); /* in place */
    CHECK(n <= size);
    CHECK(n == n2 && memcmp(a, b, n) == 0);
    for (size_t i = 0; i < n; i++)
        CHECK(a[i] != '\0' && a[i] != 0x1b);

    struct wf_str toks[64];
    size_t total = 0;
    size_t nt = wf_text_tokenize(a, n, toks, 64, &total);
    CHECK(nt <= 64 && nt <= total);
    for (size_t i = 0; i < nt; i++) {
        CHECK(toks[i].len > 0);
        CHECK(toks[i].p >= a && toks[i].p + toks[i].len <= a + n);
        enum wf_text_class c = wf_text_classify(toks[i].p, toks[i].len);
        CHECK(c >= WF_TEXT_WORD && c <= WF_TEXT_ID);
    }

    struct wf_buf m1, m2;
    wf_buf_init(&m1, 4 * WF_LIMIT_LINE_BYTES);
    wf_buf_init(&m2, 4 * WF_LIMIT_LINE_BYTES);
    if (wf_text_mask(a, n, &m1) == WF_OK && wf_text_mask(m1.p, m1.len, &m2) == WF_OK) {
        /* Masked text has no runs of whitespace, and masking it again
         * changes nothing. */
        CHECK(m1.len == 0 || (m1.p[0] != ' ' && m1.p[m1.len - 1] != ' '));
        CHECK(m1.len == m2.len && (m1.len == 0 || memcmp(m1.p, m2.p, m1.len) == 0));
    }
    wf_buf_cleanup(&m1);
    wf_buf_cleanup(&m2);

    wf_text_lower(a, n, b);
    if (n > 0) {
        char needle[9];
        size_t k = n < 8 ? n : 8;
        memcpy(needle, a, k);
        needle[k] = '\0';
        if (strlen(needle) == k)
            CHECK(wf_text_find_ci(b, n, needle) == b);
    }
out:
    wf_free(a);
    wf_free(b);
    return 0;
}
