/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the llm module's parsers, which read bytes from a
 * model server we do not control: the event-stream parser must give the
 * same deltas, usage and verdict however the stream is sliced (whole, cut
 * at a point chosen by the input, byte by byte); the response parser and
 * the JSON extraction must answer any bytes, and an extracted span must lie
 * inside the input, start with the wanted bracket and end with its match.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
    struct wf_buf text;
    int rc;
    int done;
    struct wf_llm_usage usage;
};

static int on_delta(void *ud, const char *p, size_t len)
{
    struct outcome *o = ud;
    if (!len)
        abort(); /* empty deltas are not delivered */
    return wf_buf_append(&o->text, p, len);
}

/* step 0: whole; otherwise slices of `step` bytes after a first cut at `cut` */
static void run(const char *p, size_t len, size_t cut, size_t step, struct outcome *o)
{
    struct wf_llm_sse s;
    wf_buf_init(&o->text, 4u << 20);
    wf_llm_sse_init(&s, on_delta, o);
    int rc;
    if (!step) {
        rc = wf_llm_sse_feed(&s, p, len);
    } else {
        rc = wf_llm_sse_feed(&s, p, cut);
        for (size_t i = cut; !rc && i < len; i += step)
            rc = wf_llm_sse_feed(&s, p + i, len - i < step ? len - i : step);
    }
    if (!rc)
        rc = wf_llm_sse_finish(&s);
    o->rc = rc;
    o->done = s.done;
    o->usage = s.usage;
    wf_llm_sse_cleanup(&s);
}

static void same(const struct outcome *a, const struct outcome *b)
{
    if (a->rc != b->rc || a->done != b->done || a->text.len != b->text.len ||
        (a->text.len && memcmp(a->text.p, b->text.p, a->text.len)) ||
        memcmp(&a->usage, &b->usage, sizeof(a->usage)))
        abort();
}

static void check_span(const char *p, size_t len, int kind)
{
    struct wf_str span;
    if (wf_llm_extract_json(p, len, kind, &span) != WF_OK)
        return;
    if (span.len < 2 || span.p < p || span.p + span.len > p + len || span.p[0] != kind ||
        span.p[span.len - 1] != (kind == '[' ? ']' : '}'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct outcome whole, cut, bytes;
    size_t at = size ? data[0] % (size + 1) : 0;

    run(p, size, 0, 0, &whole);
    run(p, size, at, 7, &cut);
    same(&whole, &cut);
    if (size <= 4096) {
        run(p, size, 0, 1, &bytes);
        same(&whole, &bytes);
        wf_buf_cleanup(&bytes.text);
    }
    wf_buf_cleanup(&whole.text);
    wf_buf_cleanup(&cut.text);

    struct wf_buf t;
    struct wf_llm_usage u;
    wf_buf_init(&t, 1u << 20);
    int rc = wf_llm_parse_response(p, size, &t, &u);
    if (rc != WF_OK && rc != WF_EFORMAT && rc != WF_ETOOBIG && rc != WF_ENOMEM)
        abort();
    if (rc != WF_OK && t.len)
        abort();
    wf_buf_cleanup(&t);

    check_span(p, size, '[');
    check_span(p, size, '{');
    return 0;
}
