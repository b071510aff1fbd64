/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the streaming log reader: reading the input whole and in
 * chunks of every size from 1 to 17 bytes must give the same lines, the
 * number of lines must equal the number of line ends ("\r\n", "\r", "\n")
 * plus one for an unterminated tail, and no cleaned line may exceed the cap.
 */
#include "logs/logs.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct acc {
    uint64_t h; /* hash of every line's number, length and text */
    size_t lines;
};

static int on_line(void *ud, const struct wf_logs_line *ln)
{
    struct acc *a = ud;
    if (ln->len > WF_LIMIT_LINE_BYTES || ln->lineno != a->lines + 1)
        abort();
    if (ln->step && (ln->step_len > WF_LIMIT_LINE_BYTES || ln->step >= ln->text))
        abort();
    a->h = wf_hash_mix(a->h, wf_hash64(ln->text, ln->len, ln->lineno));
    a->lines++;
    return 0;
}

static struct acc read_all(const uint8_t *data, size_t size, size_t chunk)
{
    struct acc a = {0, 0};
    struct wf_logs_reader *r;
    if (wf_logs_reader_new(&r) != WF_OK)
        return a;
    for (size_t i = 0; i < size; i += chunk)
        wf_logs_reader_feed(r, (const char *)data + i, size - i < chunk ? size - i : chunk, on_line,
                            &a);
    wf_logs_reader_finish(r, on_line, &a);
    if (wf_logs_reader_bytes(r) != size || wf_logs_reader_lines(r) != a.lines)
        abort();
    wf_logs_reader_free(r);
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t ends = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n' || (data[i] == '\r' && !(i + 1 < size && data[i + 1] == '\n')))
            ends++;
    }
    if (size && data[size - 1] != '\n' && data[size - 1] != '\r')
        ends++;
    struct acc whole = read_all(data, size, size ? size : 1);
    if (whole.lines != ends)
        abort();
    for (size_t chunk = 1; chunk <= 17; chunk++) {
        struct acc c = read_all(data, size, chunk);
        if (c.lines != whole.lines || c.h != whole.h)
            abort();
    }
    return 0;
}
