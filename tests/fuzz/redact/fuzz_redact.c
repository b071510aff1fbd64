/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the redact module. The first byte picks options
 * (e-mails, IPs, an allow regex) and a chunk size; the rest is fed as a log
 * stream in chunks and also parsed as a config file. Checks the invariants
 * callers rely on: one output line per input line, no known token survives,
 * findings point inside their line.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redact/redact.h"

#include "../fuzz_check.h"

/* invariants hold in every build, NDEBUG or not */
struct check {
    uint64_t last_line; /* end line of the last finding: they arrive in order */
};

static void on_finding(void *ctx, const struct wf_redact_finding *f)
{
    struct check *c = ctx;
    CHECK(f->rule && f->line >= 1 && f->column >= 1 && f->length > 0);
    CHECK(f->end_line >= f->line && f->tag <= 0xffff);
    CHECK(f->end_line >= c->last_line);
    c->last_line = f->end_line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 4 * WF_LIMIT_LINE_BYTES)
        return 0;
    uint8_t sel = data[0];
    const char *p = (const char *)data + 1;
    size_t len = size - 1;

    /* the bytes as a config file: any error comes with a line and message */
    struct wf_redact_config cfg;
    struct wf_buf err;
    size_t err_line;
    wf_buf_init(&err, 4096);
    int crc = wf_redact_config_parse(&cfg, p, len, &err_line, &err);
    CHECK(crc == WF_OK || (err_line >= 1 && err.len > 0) || crc == WF_ENOMEM);
    if (crc == WF_OK) {
        struct wf_redactor *cr = NULL;
        CHECK(wf_redact_new(&cfg.opts, &cr) == WF_OK);
        wf_redact_free(cr);
    }
    wf_redact_config_cleanup(&cfg);
    wf_buf_cleanup(&err);

    struct check chk = {0};
    struct wf_redact_opts o;
    static const char *const allow[] = {"^[a-z]{1,8}$"};
    wf_redact_opts_init(&o);
    o.emails = sel & 1;
    o.ips = (sel >> 1) & 1;
    if (sel & 4) {
        o.allow = allow;
        o.n_allow = 1;
    }
    o.on_finding = on_finding;
    o.ctx = &chk;
    size_t chunk = (size_t)((sel >> 3) + 1) * 37;
    struct wf_redactor *r = NULL;
    if (wf_redact_new(&o, &r) != WF_OK)
        return 0;
    struct wf_buf out;
    wf_buf_init(&out, 64 * WF_LIMIT_LINE_BYTES);
    int rc = WF_OK;
    for (size_t i = 0; i < len && !rc; i += chunk)
        rc = wf_redact_feed(r, p + i, len - i < chunk ? len - i : chunk, &out);
    /* a known token on a line of its own never survives, whatever state
     * the input left the redactor in */
    const char *tok = "\nkey ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 end\n";
    size_t before = out.len;
    if (!rc)
        rc = wf_redact_feed(r, tok, strlen(tok), &out);
    if (!rc)
        rc = wf_redact_finish(r, &out);
    CHECK(rc == WF_OK);
    CHECK(out.len > before + 1 && out.p[out.len - 1] == '\n');
    size_t ls = out.len - 1;
    while (ls > 0 && out.p[ls - 1] != '\n')
        ls--;
    CHECK(!memmem(out.p + ls, out.len - ls, "ghp_", 4));

    size_t nl_in = 2, nl_out = 0;
    for (size_t i = 0; i < len; i++)
        nl_in += p[i] == '\n';
    for (size_t i = 0; i < out.len; i++)
        nl_out += out.p[i] == '\n';
    CHECK(nl_in == nl_out);

    wf_buf_cleanup(&out);
    wf_redact_free(r);
    return 0;
}
