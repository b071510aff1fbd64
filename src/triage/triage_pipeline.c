/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The triage pipeline: reader -> redaction (logs) -> analyzer (with the passing log's line set,
 * when given) -> classifier -> signature -> redacted excerpt -> facts, root
 * cause and fix steps. Input streams through in chunks of any size; memory
 * is bounded by the analyzer's caps and the passing-log set, never by the
 * size of the failed log.
 */
#include "triage_int.h"

#include <string.h>

#define EXCERPT_TEXT_BYTES (16u * 1024u)

struct wf_triage {
    struct wf_triage_opts opts;
    struct wf_logs_opts lopts;
    struct wf_hset pass;
    struct wf_logs_reader *reader;
    struct wf_logs_analyzer *an;
    struct wf_logs_redacting *red; /* every failed-log line goes through it first */
    uint64_t t0_ns;
};

/* Reads a passing log into the set of its lines' keys. Its lines are
 * redacted too, so a secret that both logs print maps to the same
 * placeholder and compares equal. */
struct pass_reader {
    struct wf_logs_reader *rd;
    struct wf_logs_redacting *red;
    struct wf_logs_pass_ctx pc;
};

static int pass_open(struct wf_triage *t, struct pass_reader *p)
{
    memset(p, 0, sizeof(*p));
    wf_buf_init(&p->pc.scratch, WF_LIMIT_LINE_BYTES * 2);
    p->pc.set = &t->pass;
    int rc = wf_logs_reader_new(&p->rd);
    if (!rc)
        rc = wf_logs_redacting_new(t->opts.redact, wf_logs_pass_line, &p->pc, &p->red);
    return rc;
}

static int pass_feed(struct pass_reader *p, const char *s, size_t n)
{
    return wf_logs_reader_feed(p->rd, s, n, wf_logs_redacting_line, p->red);
}

static int pass_close(struct pass_reader *p, int rc)
{
    if (!rc)
        rc = wf_logs_reader_finish(p->rd, wf_logs_redacting_line, p->red);
    wf_logs_reader_free(p->rd);
    wf_logs_redacting_free(p->red);
    wf_buf_cleanup(&p->pc.scratch);
    return rc;
}

static int pass_chunk(void *ud, const char *s, size_t n)
{
    return pass_feed(ud, s, n);
}

static int pass_from_buffer(struct wf_triage *t, const char *pass, size_t len)
{
    struct pass_reader p;
    int rc = pass_open(t, &p);
    if (!rc)
        rc = pass_feed(&p, pass, len);
    return pass_close(&p, rc);
}

static int triage_alloc(const struct wf_triage_opts *opts, struct wf_triage **out)
{
    struct wf_triage *t = wf_calloc(1, sizeof(*t));
    if (!t)
        return WF_ENOMEM;
    if (opts)
        t->opts = *opts;
    if (!t->opts.max_blocks)
        t->opts.max_blocks = 5;
    t->lopts.max_blocks = t->opts.max_blocks;
    wf_hset_init(&t->pass, WF_LIMIT_PASS_LINES);
    t->t0_ns = wf_now_ns();
    int rc = WF_OK;
    if (!t->opts.model)
        rc = wf_triage_default_model(&t->opts.model);
    if (rc) {
        wf_triage_free(t);
        return rc;
    }
    *out = t;
    return WF_OK;
}

static int triage_start(struct wf_triage *t, int with_pass)
{
    if (with_pass)
        t->lopts.pass_lines = &t->pass;
    int rc = wf_logs_reader_new(&t->reader);
    if (!rc)
        rc = wf_logs_analyzer_new(&t->lopts, &t->an);
    if (!rc)
        rc = wf_logs_redacting_new(t->opts.redact, wf_logs_analyzer_line, t->an, &t->red);
    return rc;
}

int wf_triage_new(const struct wf_triage_opts *opts, const char *pass, size_t pass_len,
                  struct wf_triage **out)
{
    struct wf_triage *t;
    int rc = triage_alloc(opts, &t);
    if (rc)
        return rc;
    if (pass)
        rc = pass_from_buffer(t, pass, pass_len);
    if (!rc)
        rc = triage_start(t, pass != NULL);
    if (rc) {
        wf_triage_free(t);
        return rc;
    }
    *out = t;
    return WF_OK;
}

int wf_triage_new_pass_file(const struct wf_triage_opts *opts, const char *pass_path,
                            struct wf_triage **out)
{
    struct wf_triage *t;
    struct pass_reader p;
    int rc = triage_alloc(opts, &t);
    if (rc)
        return rc;
    FILE *f = strcmp(pass_path, "-") == 0 ? stdin : fopen(pass_path, "rb");
    if (!f) {
        rc = WF_ENOENT;
    } else {
        rc = pass_open(t, &p);
        if (!rc)
            rc = wf_read_chunks(f, pass_chunk, &p);
        rc = pass_close(&p, rc);
        if (f != stdin)
            fclose(f);
    }
    if (!rc)
        rc = triage_start(t, 1);
    if (rc) {
        wf_triage_free(t);
        return rc;
    }
    *out = t;
    return WF_OK;
}

void wf_triage_free(struct wf_triage *t)
{
    if (!t)
        return;
    wf_logs_analyzer_free(t->an);
    wf_logs_reader_free(t->reader);
    wf_logs_redacting_free(t->red);
    wf_hset_cleanup(&t->pass);
    wf_free(t);
}

int wf_triage_feed(struct wf_triage *t, const char *p, size_t n)
{
    return wf_logs_reader_feed(t->reader, p, n, wf_logs_redacting_line, t->red);
}

static int build_excerpt(struct wf_triage_result *r)
{
    struct wf_logs_result *l = &r->logs;
    r->n_excerpt = l->n_blocks;
    if (!l->n_blocks)
        return WF_OK;
    r->excerpt = wf_arena_alloc(&l->arena, l->n_blocks * sizeof(*r->excerpt));
    if (!r->excerpt)
        return WF_ENOMEM;
    struct wf_buf red;
    wf_buf_init(&red, EXCERPT_TEXT_BYTES * 2 + 256);
    int rc = WF_OK;
    for (size_t i = 0; i < l->n_blocks && !rc; i++) {
        const struct wf_logs_block *b = &l->blocks[i];
        struct wf_triage_excerpt *e = &r->excerpt[i];
        e->start_line = b->start_line;
        e->end_line = b->end_line;
        e->score = b->score;
        e->kind = wf_logs_kind_name(b->kind);
        wf_buf_reset(&red);
        /* keep whole lines within the excerpt cap */
        const char *t = b->text;
        size_t left = b->text_len;
        while (left && !rc) {
            const char *nl = memchr(t, '\n', left);
            size_t L = nl ? (size_t)(nl - t) : left;
            if (red.len + L > EXCERPT_TEXT_BYTES) {
                rc = wf_buf_puts(&red, red.len ? "\n[...]" : "[...]");
                break;
            }
            if (red.len)
                rc = wf_buf_putc(&red, '\n');
            if (!rc)
                rc = wf_buf_append(&red, t, L); /* redacted on the way in */
            left -= nl ? L + 1 : L;
            t += nl ? L + 1 : L;
        }
        if (!rc && b->text_truncated)
            rc = wf_buf_puts(&red, "\n[...]");
        if (!rc) {
            e->text = wf_arena_strndup(&l->arena, red.p ? red.p : "", red.len);
            if (!e->text)
                rc = WF_ENOMEM;
        }
    }
    wf_buf_cleanup(&red);
    return rc;
}

int wf_triage_finish(struct wf_triage *t, struct wf_triage_result *out)
{
    struct wf_triage_result r;
    memset(&r, 0, sizeof(r));
    int rc = wf_logs_reader_finish(t->reader, wf_logs_redacting_line, t->red);
    if (!rc)
        rc = wf_logs_analyzer_finish(t->an, &r.logs);
    if (rc)
        return rc;
    r.logs.n_bytes = wf_logs_reader_bytes(t->reader); /* exact, line ends included */
    r.exit_code = -1;
    if (r.logs.failing_step >= 0) {
        const struct wf_logs_step *s = &r.logs.steps[r.logs.failing_step];
        r.failing_step = s->name;
        r.step_start = s->start_line;
        r.step_end = s->end_line;
        r.exit_code = s->exit_code;
    }
    rc = wf_triage_classify(t->opts.model, &r.logs, &r.category, &r.confidence, r.probs);
    if (rc)
        goto fail;
    r.model_version = t->opts.model->version;
    wf_logs_signature(&r.logs, r.signature);
    rc = build_excerpt(&r);
    if (!rc)
        rc = wf_triage__explain(&r);
    if (rc)
        goto fail;
    if (t->opts.references)
        (void)t->opts.references(t->opts.references_ud, &r); /* best effort */
    r.elapsed_us = (wf_now_ns() - t->t0_ns) / 1000u;
    *out = r;
    return WF_OK;
fail:
    wf_logs_result_cleanup(&r.logs);
    return rc;
}

void wf_triage_result_cleanup(struct wf_triage_result *r)
{
    if (!r)
        return;
    wf_logs_result_cleanup(&r->logs);
    memset(r, 0, sizeof(*r));
}

int wf_triage_buffer(const struct wf_triage_opts *opts, const char *log, size_t len,
                     const char *pass, size_t pass_len, struct wf_triage_result *out)
{
    struct wf_triage *t;
    int rc = wf_triage_new(opts, pass, pass_len, &t);
    if (rc)
        return rc;
    rc = wf_triage_feed(t, log, len);
    if (!rc)
        rc = wf_triage_finish(t, out);
    wf_triage_free(t);
    return rc;
}

static const char *adup(struct wf_arena *a, const char *s)
{
    return wf_arena_strndup(a, s ? s : "", s ? strlen(s) : 0);
}

int wf_triage_add_ref(struct wf_triage_result *r, const struct wf_triage_ref *ref)
{
    if (!r || !ref || !ref->kind || !ref->title)
        return WF_EINVAL;
    if (r->n_refs >= WF_TRIAGE_MAX_REFS)
        return WF_ETOOBIG;
    struct wf_arena *a = &r->logs.arena;
    if (!r->refs) {
        r->refs = wf_arena_alloc(a, WF_TRIAGE_MAX_REFS * sizeof(*r->refs));
        if (!r->refs)
            return WF_ENOMEM;
    }
    struct wf_triage_ref c = *ref;
    c.kind = adup(a, ref->kind);
    c.title = adup(a, ref->title);
    c.heading = adup(a, ref->heading);
    c.chunk_id = adup(a, ref->chunk_id);
    c.text = adup(a, ref->text);
    c.signature = adup(a, ref->signature);
    c.category = adup(a, ref->category);
    c.resolution = ref->resolution ? adup(a, ref->resolution) : NULL;
    if (!c.kind || !c.title || !c.heading || !c.chunk_id || !c.text || !c.signature ||
        !c.category || (ref->resolution && !c.resolution))
        return WF_ENOMEM;
    r->refs[r->n_refs++] = c;
    return WF_OK;
}

int wf_triage_key_lines(const struct wf_triage_result *r, size_t max_bytes, struct wf_buf *out)
{
    size_t mark = out->len;
    int rc = WF_OK;
    for (size_t i = 0; !rc && i < r->n_excerpt && i < 2; i++) {
        const char *p = r->excerpt[i].text ? r->excerpt[i].text : "";
        for (int line = 0; !rc && *p && line < 8; line++) {
            size_t n = strcspn(p, "\n");
            if (out->len - mark + n + 1 > max_bytes)
                return WF_OK;
            rc = wf_buf_append(out, p, n);
            rc = rc ? rc : wf_buf_putc(out, '\n');
            p += n + (p[n] == '\n');
        }
    }
    return rc;
}
