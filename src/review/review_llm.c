/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LLM pass of the review: after the rule pass, each file's hunks are
 * redacted line by line, capped, and sent to an OpenAI-compatible model
 * with the "review" prompt; the comments it answers are trusted for
 * nothing. A comment is kept only when its shape is right, its path is a
 * file of the diff and its line an added line the model was shown; its
 * severity is mapped, its message cleaned, capped and redacted again, and
 * it is dropped when a line finding already sits on the same path:line. A model
 * that fails costs a warning, never the review.
 */
#include "review.h"

#include "llm/llm.h"
#include "redact/redact.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LLM_HINT "suggested by a language model: check it before acting on it"

/* The three rows differ only in severity. */
#define LLM_RULE(sev)                                                                              \
    {                                                                                              \
        "llm", sev, 0, 0, WF_REVIEW_K_LLM, "comment of the LLM review pass", NULL, NULL, NULL,     \
            "LLM review comment", LLM_HINT, {NULL},                                                \
        {                                                                                          \
            NULL                                                                                   \
        }                                                                                          \
    }

static const struct wf_review_rule llm_rules[3] = {
    LLM_RULE(WF_REVIEW_NOTE),
    LLM_RULE(WF_REVIEW_WARNING),
    LLM_RULE(WF_REVIEW_ERROR),
};

const struct wf_review_rule *wf_review_llm_rule(enum wf_review_severity s)
{
    return (unsigned)s <= WF_REVIEW_ERROR ? &llm_rules[s] : NULL;
}

void wf_review_llm_opts_init(struct wf_review_llm_opts *o)
{
    o->llm = NULL;
    o->max_file_bytes = WF_REVIEW_LLM_DEFAULT_FILE_BYTES;
    o->max_files = WF_REVIEW_LLM_DEFAULT_MAX_FILES;
    o->max_comments = WF_REVIEW_LLM_DEFAULT_MAX_COMMENTS;
    o->max_message_bytes = WF_REVIEW_LLM_DEFAULT_MESSAGE_BYTES;
}

/* Words models use for severity; anything else is a note. */
static const struct {
    const char *word;
    enum wf_review_severity sev;
} sev_words[] = {
    {"error", WF_REVIEW_ERROR},     {"critical", WF_REVIEW_ERROR}, {"blocker", WF_REVIEW_ERROR},
    {"high", WF_REVIEW_ERROR},      {"major", WF_REVIEW_WARNING},  {"warning", WF_REVIEW_WARNING},
    {"warn", WF_REVIEW_WARNING},    {"medium", WF_REVIEW_WARNING}, {"note", WF_REVIEW_NOTE},
    {"info", WF_REVIEW_NOTE},       {"low", WF_REVIEW_NOTE},       {"minor", WF_REVIEW_NOTE},
    {"suggestion", WF_REVIEW_NOTE}, {"nit", WF_REVIEW_NOTE},
};

static enum wf_review_severity map_severity(const char *s)
{
    char low[16];
    size_t n = strlen(s);
    if (n >= sizeof(low))
        return WF_REVIEW_NOTE;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    for (size_t i = 0; i < sizeof(sev_words) / sizeof(sev_words[0]); i++)
        if (strcmp(low, sev_words[i].word) == 0)
            return sev_words[i].sev;
    return WF_REVIEW_NOTE;
}

static const char *file_path(const struct wf_risk_diff_file *f)
{
    return f->new_path ? f->new_path : f->old_path;
}

static uint64_t loc_key(const char *path, size_t line)
{
    return wf_hash_mix(wf_hash64(path, strlen(path), 0x6c6c6dULL), (uint64_t)line);
}

/* State of one pass. */
struct pass {
    const struct wf_review_llm_opts *o;
    const struct wf_risk_diff *d;
    struct wf_review_result *r;
    struct wf_redactor *rd;
    struct wf_hset *sent; /* per file: added lines shown to the model */
    struct wf_hset taken; /* path:line of every finding */
    struct wf_buf line;   /* one redacted line */
    struct wf_buf hunks;  /* the file's diff text for the prompt */
    struct wf_buf prompt; /* the rendered user message */
    struct wf_buf answer; /* the model's text */
    struct wf_buf err;    /* the client's message */
    struct wf_buf warn;   /* warnings so far, "; "-separated */
};

static void warn(struct pass *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct pass *p, const char *fmt, ...)
{
    va_list ap;
    size_t mark = p->warn.len;
    if (p->warn.len && wf_buf_puts(&p->warn, "; "))
        return;
    va_start(ap, fmt);
    int rc = wf_buf_vappendf(&p->warn, fmt, ap);
    va_end(ap);
    if (rc) { /* full: keep what fits, mark the cut once */
        p->warn.len = mark;
        if (p->warn.p)
            p->warn.p[mark] = '\0';
        if (p->warn.max_bytes - p->warn.len >= 5 &&
            (p->warn.len < 3 || strcmp(p->warn.p + p->warn.len - 3, "...")))
            (void)wf_buf_puts(&p->warn, "; ...");
    }
}

/* Longest prefix of s[0..max) (max < len) that does not cut a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (max >= len)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* p->line = the redacted line, cut at WF_REVIEW_LLM_LINE_BYTES. */
static int redact_line(struct pass *p, const char *s, size_t len)
{
    wf_buf_reset(&p->line);
    int rc = wf_redact_line(p->rd, s ? s : "", len, &p->line, NULL);
    if (rc)
        return rc;
    if (p->line.len > WF_REVIEW_LLM_LINE_BYTES) {
        p->line.len = utf8_cut(p->line.p, p->line.len, WF_REVIEW_LLM_LINE_BYTES);
        p->line.p[p->line.len] = '\0';
        rc = wf_buf_puts(&p->line, " [...]");
    }
    return rc;
}

/* Builds p->hunks for file i: "@@ ... @@" headers, then "+  12|text",
 * "   13|text", "-     |text" lines, every text redacted, up to
 * max_file_bytes. Records the added lines shown in p->sent[i]. */
static int build_hunks(struct pass *p, size_t fi)
{
    const struct wf_risk_diff_file *f = &p->d->files[fi];
    size_t left = 0;
    int full = 0, rc = WF_OK;
    wf_buf_reset(&p->hunks);
    for (size_t h = 0; !rc && h < f->n_hunks; h++) {
        const struct wf_risk_diff_hunk *hk = &f->hunks[h];
        for (size_t k = 0; !rc && k < hk->n_lines; k++) {
            const struct wf_risk_diff_line *l = &hk->lines[k];
            /* every line goes through the redactor, shown or not, so a
             * private-key block keeps its state */
            rc = redact_line(p, l->text.p, l->text.len);
            if (rc || full) {
                left += !rc;
                continue;
            }
            size_t mark = p->hunks.len;
            if (k == 0)
                rc = wf_buf_appendf(&p->hunks, "@@ -%zu,%zu +%zu,%zu @@\n", hk->old_start,
                                    hk->old_count, hk->new_start, hk->new_count);
            if (!rc && l->op == WF_RISK_DIFF_DEL)
                rc = wf_buf_puts(&p->hunks, "-      |");
            else if (!rc)
                rc = wf_buf_appendf(&p->hunks, "%c%6zu|", l->op == WF_RISK_DIFF_ADD ? '+' : ' ',
                                    l->new_line);
            if (!rc)
                rc = wf_buf_append(&p->hunks, p->line.p ? p->line.p : "", p->line.len);
            if (!rc)
                rc = wf_buf_putc(&p->hunks, '\n');
            if (!rc && p->hunks.len > p->o->max_file_bytes) {
                p->hunks.len = mark; /* this line does not fit: stop here */
                if (p->hunks.p)
                    p->hunks.p[mark] = '\0';
                full = 1;
                left++;
                continue;
            }
            if (!rc && l->op == WF_RISK_DIFF_ADD)
                rc = wf_hset_add(&p->sent[fi], l->new_line, NULL);
        }
    }
    if (!rc) {
        struct wf_buf tail;
        wf_buf_init(&tail, 64);
        rc = wf_redact_finish(p->rd, &tail); /* close a block at the end of the file */
        wf_buf_cleanup(&tail);
    }
    if (!rc && left)
        rc = wf_buf_appendf(&p->hunks, "[... %zu more line%s not shown]\n", left,
                            left == 1 ? "" : "s");
    return rc;
}

/* Index of the diff file a comment names ("b/" and "./" tolerated), or n_files. */
static size_t find_file(const struct wf_risk_diff *d, const char *path)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < d->n_files; i++) {
            const char *fp = file_path(&d->files[i]);
            if (fp && strcmp(fp, path) == 0 && d->files[i].status != WF_RISK_DIFF_DELETED)
                return i;
        }
        if (strncmp(path, "b/", 2) == 0 || strncmp(path, "./", 2) == 0)
            path += 2;
        else
            break;
    }
    return d->n_files;
}

/* The kept message: control bytes as spaces, redacted, cut at the cap. */
static char *clean_message(struct pass *p, const char *s, size_t len)
{
    struct wf_buf raw;
    char *m = NULL;
    wf_buf_init(&raw, WF_LIMIT_LINE_BYTES);
    size_t n = len < WF_LIMIT_LINE_BYTES ? len : WF_LIMIT_LINE_BYTES;
    for (size_t i = 0; i < n; i++)
        if (wf_buf_putc(&raw, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i]))
            goto out;
    wf_buf_reset(&p->line);
    if (wf_redact_line(p->rd, raw.p ? raw.p : "", raw.len, &p->line, NULL))
        goto out;
    size_t keep = p->line.len;
    const char *tail = "";
    if (keep > p->o->max_message_bytes) {
        keep = utf8_cut(p->line.p, p->line.len, p->o->max_message_bytes);
        tail = "...";
    }
    size_t tl = strlen(tail);
    m = wf_arena_alloc(&p->r->arena, keep + tl + 1);
    if (m) {
        memcpy(m, p->line.p ? p->line.p : "", keep);
        memcpy(m + keep, tail, tl + 1);
    }
out:
    wf_buf_cleanup(&raw);
    return m;
}

static int add_finding(struct pass *p, enum wf_review_severity sev, const char *path, size_t line,
                       const char *msg)
{
    struct wf_review_result *r = p->r;
    int rc =
        wf_grow((void **)&r->items, &r->cap, r->n + 1, sizeof(*r->items), WF_REVIEW_MAX_FINDINGS);
    if (rc)
        return rc;
    struct wf_review_finding *f = &r->items[r->n++];
    f->rule = &llm_rules[sev];
    f->file = path;
    f->line = line;
    f->column = 0;
    f->message = msg;
    r->n_by_sev[sev]++;
    r->llm_kept++;
    return WF_OK;
}

/* Validates the comments of one answer (JSON text borrowed). WF_EFORMAT
 * when the answer holds no array. */
static int take_comments(struct pass *p, const char *text, size_t len)
{
    struct wf_str span;
    int rc = wf_llm_extract_json(text, len, '[', &span);
    if (rc)
        return rc;
    json_t *arr = json_loadb(span.p, span.len, 0, NULL);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return WF_EFORMAT;
    }
    size_t kept_here = 0;
    for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
        json_t *c = json_array_get(arr, i);
        json_t *jp = json_object_get(c, "path"), *jl = json_object_get(c, "line");
        json_t *js = json_object_get(c, "severity"), *jm = json_object_get(c, "message");
        if (!json_is_object(c) || !json_is_string(jp) || !json_is_integer(jl) ||
            !json_is_string(js) || !json_is_string(jm) || json_string_length(jm) == 0 ||
            json_integer_value(jl) <= 0) {
            p->r->llm_invalid++;
            continue;
        }
        size_t fi = find_file(p->d, json_string_value(jp));
        size_t line = (size_t)json_integer_value(jl);
        if (fi == p->d->n_files || !wf_hset_has(&p->sent[fi], line)) {
            p->r->llm_invalid++;
            continue;
        }
        const char *path = file_path(&p->d->files[fi]);
        uint64_t key = loc_key(path, line);
        if (wf_hset_has(&p->taken, key)) {
            p->r->llm_duplicate++;
            continue;
        }
        if (kept_here >= p->o->max_comments) {
            p->r->llm_capped++;
            continue;
        }
        char *msg = clean_message(p, json_string_value(jm), json_string_length(jm));
        char *pcopy = wf_arena_strndup(&p->r->arena, path, strlen(path));
        if (!msg || !pcopy) {
            rc = WF_ENOMEM;
            break;
        }
        rc = wf_hset_add(&p->taken, key, NULL);
        if (!rc)
            rc = add_finding(p, map_severity(json_string_value(js)), pcopy, line, msg);
        kept_here++;
    }
    json_decref(arr);
    return rc;
}

/* Client errors after which the endpoint is not worth another file. */
static int fatal_for_pass(int rc)
{
    return rc == WF_ETIMEOUT || rc == WF_EUPSTREAM || rc == WF_EAUTH || rc == WF_ERATE ||
           rc == WF_ENOENT || rc == WF_EINVAL || rc == WF_EFORBIDDEN;
}

static int run(struct pass *p, size_t *n_candidates)
{
    const struct wf_llm_prompt *pr = wf_llm_prompt("review");
    int rc = WF_OK;
    char maxc[24];
    if (!pr)
        return WF_EINTERNAL;
    snprintf(maxc, sizeof(maxc), "%zu", p->o->max_comments);
    for (size_t i = 0; i < p->d->n_files; i++) {
        const struct wf_risk_diff_file *f = &p->d->files[i];
        if (f->binary || f->status == WF_RISK_DIFF_DELETED || f->added == 0)
            continue;
        (*n_candidates)++;
        if (p->r->llm_files >= p->o->max_files)
            continue;
        rc = build_hunks(p, i);
        if (rc)
            return rc;
        const char *keys[] = {"path", "hunks", "max_comments"};
        struct wf_str vals[] = {
            wf_str_c(file_path(f)), {p->hunks.p ? p->hunks.p : "", p->hunks.len}, wf_str_c(maxc)};
        wf_buf_reset(&p->prompt);
        rc = wf_llm_render(pr->user, keys, vals, 3, &p->prompt);
        if (rc)
            return rc == WF_EINVAL ? WF_EINTERNAL : rc;
        struct wf_llm_msg msgs[2] = {{WF_LLM_SYSTEM, wf_str_c(pr->system)},
                                     {WF_LLM_USER, {p->prompt.p, p->prompt.len}}};
        wf_buf_reset(&p->answer);
        p->r->llm_files++;
        rc = wf_llm_chat(p->o->llm, msgs, 2, NULL, &p->answer, &p->err);
        if (rc == WF_ENOMEM)
            return rc;
        if (rc) {
            p->r->llm_files_failed++;
            const char *why = p->err.len ? p->err.p : wf_strerror(rc);
            if (fatal_for_pass(rc)) {
                warn(p, "llm: %s; LLM pass stopped at %s", why, file_path(f));
                return WF_OK;
            }
            warn(p, "llm: %s: %s", file_path(f), why);
            rc = WF_OK;
            continue;
        }
        rc = take_comments(p, p->answer.p ? p->answer.p : "", p->answer.len);
        if (rc == WF_EFORMAT) {
            p->r->llm_files_failed++;
            warn(p, "llm: %s: the model's answer holds no JSON array of comments", file_path(f));
            rc = WF_OK;
        }
        if (rc)
            return rc;
    }
    return WF_OK;
}

int wf_review_llm(const struct wf_review_llm_opts *o, const struct wf_risk_diff *d,
                  struct wf_review_result *r)
{
    struct pass p;
    struct wf_review_result saved = *r;
    size_t n_candidates = 0;
    int rc;
    if (!o || !o->llm || !d || !r)
        return WF_EINVAL;
    memset(&p, 0, sizeof(p));
    p.o = o;
    p.d = d;
    p.r = r;
    wf_hset_init(&p.taken, WF_REVIEW_MAX_FINDINGS);
    wf_buf_init(&p.line, 2 * WF_LIMIT_LINE_BYTES);
    wf_buf_init(&p.hunks, o->max_file_bytes + 256);
    wf_buf_init(&p.prompt, o->max_file_bytes + 64 * 1024);
    wf_buf_init(&p.answer, WF_LLM_MAX_TEXT_BYTES);
    wf_buf_init(&p.err, 1024);
    wf_buf_init(&p.warn, WF_REVIEW_LLM_WARNING_BYTES);
    rc = WF_ENOMEM;
    if (d->n_files && !(p.sent = wf_calloc(d->n_files, sizeof(*p.sent))))
        goto out;
    for (size_t i = 0; i < d->n_files; i++)
        wf_hset_init(&p.sent[i], WF_REVIEW_MAX_FINDINGS);
    struct wf_redact_opts ro;
    wf_redact_opts_init(&ro);
    if ((rc = wf_redact_new(&ro, &p.rd)) != WF_OK)
        goto out;
    /* only line findings occupy their line: a file- or diff-level finding
     * (tests missing, lockfile drift, ...) is anchored on some line but
     * says nothing about it, so it must not hide a comment there */
    for (size_t i = 0; i < r->n; i++) {
        enum wf_review_kind k = r->items[i].rule->kind;
        if (k != WF_REVIEW_K_PATTERN && k != WF_REVIEW_K_MATCH && k != WF_REVIEW_K_SECRET)
            continue;
        if ((rc = wf_hset_add(&p.taken, loc_key(r->items[i].file, r->items[i].line), NULL)))
            goto out;
    }
    r->llm_ran = 1;
    rc = run(&p, &n_candidates);
    if (!rc && n_candidates > r->llm_files && r->llm_files >= o->max_files)
        warn(&p, "llm: only the first %zu of %zu files were sent", o->max_files, n_candidates);
    if (!rc && p.warn.len) {
        /* the client's messages quote the server: redact them too */
        wf_buf_reset(&p.line);
        rc = wf_redact_line(p.rd, p.warn.p, p.warn.len, &p.line, NULL);
        if (!rc && !(r->llm_warning = wf_arena_strndup(&r->arena, p.line.p, p.line.len)))
            rc = WF_ENOMEM;
    }
out:
    if (rc) {
        /* back to the rule findings only (arena strings stay until cleanup) */
        struct wf_arena arena = r->arena;
        struct wf_review_finding *items = r->items;
        size_t cap = r->cap;
        *r = saved;
        r->items = items;
        r->cap = cap;
        r->arena = arena;
    }
    if (p.sent)
        for (size_t i = 0; i < d->n_files; i++)
            wf_hset_cleanup(&p.sent[i]);
    wf_free(p.sent);
    wf_hset_cleanup(&p.taken);
    wf_redact_free(p.rd);
    wf_buf_cleanup(&p.line);
    wf_buf_cleanup(&p.hunks);
    wf_buf_cleanup(&p.prompt);
    wf_buf_cleanup(&p.answer);
    wf_buf_cleanup(&p.err);
    wf_buf_cleanup(&p.warn);
    return rc;
}
