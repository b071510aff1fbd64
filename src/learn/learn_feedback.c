/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feedback requests: the JSON body of POST /v1/feedback checked field by
 * field into a fixed-size struct (every string bounded, unknown fields
 * refused so a typo is not silently ignored), and the store label built
 * from it. The CLI builds the same labels from its arguments.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "learn/learn.h"
#include "triage/triage.h"

struct check {
    json_t *o;
    struct wf_buf *err;
    int rc;
};

static void bad(struct check *k, const char *fmt, const char *field, const char *extra)
{
    if (k->rc)
        return;
    k->rc = WF_EINVAL;
    if (k->err) {
        wf_buf_appendf(k->err, fmt, field, extra ? extra : "");
    }
}

/* Copies string field name (required or not) into dst[cap]; "" when absent. */
static void str(struct check *k, const char *name, int required, char *dst, size_t cap)
{
    dst[0] = 0;
    json_t *v = json_object_get(k->o, name);
    if (k->rc)
        return;
    if (!v || json_is_null(v)) {
        if (required)
            bad(k, "%s: missing%s", name, NULL);
        return;
    }
    if (!json_is_string(v)) {
        bad(k, "%s: expected a string%s", name, NULL);
        return;
    }
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (required && n == 0) {
        bad(k, "%s: must not be empty%s", name, NULL);
        return;
    }
    if (n >= cap) {
        char lim[32];
        snprintf(lim, sizeof lim, "%zu", cap - 1);
        bad(k, "%s: longer than %s bytes", name, lim);
        return;
    }
    if (memchr(s, 0, n)) {
        bad(k, "%s: contains a NUL character%s", name, NULL);
        return;
    }
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* A positive integer field (a JSON integer, or a string of digits when
 * allow_string: ids travel as strings in some clients). */
static int64_t posint(struct check *k, const char *name, int allow_string)
{
    json_t *v = json_object_get(k->o, name);
    if (k->rc)
        return 0;
    if (!v || json_is_null(v)) {
        bad(k, "%s: missing%s", name, NULL);
        return 0;
    }
    long n = 0;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i >= 1 && i <= (json_int_t)0x7fffffffffffffffLL)
            return (int64_t)i;
    } else if (allow_string && json_is_string(v) &&
               wf_parse_long(json_string_value(v), 1, 0x7fffffffffffffffL, &n) == WF_OK) {
        return n;
    } else if (!json_is_number(v)) {
        bad(k,
            allow_string ? "%s: expected a positive integer or a string of digits%s"
                         : "%s: expected a positive integer%s",
            name, NULL);
        return 0;
    }
    bad(k, "%s: expected a positive integer%s", name, NULL);
    return 0;
}

static int is_hex(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

/* Refuses fields not in known (a misspelt field would be lost silently). */
static void only(struct check *k, const char *const *known, size_t n)
{
    const char *key;
    json_t *v;
    json_object_foreach(k->o, key, v)
    {
        (void)v;
        size_t i = 0;
        while (i < n && strcmp(key, known[i]) != 0)
            i++;
        if (i == n) {
            char shown[64];
            snprintf(shown, sizeof shown, "%.40s", key);
            bad(k, "%s: unknown field for this kind%s", shown, NULL);
            return;
        }
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int wf_learn_feedback_parse(const char *body, size_t len, struct wf_learn_feedback *out,
                            struct wf_buf *err)
{
    static const char *const k_category[] = {"kind", "failure_id", "category"};
    static const char *const k_helpful[] = {"kind", "target", "target_id", "helpful", "comment"};
    static const char *const k_resolution[] = {"kind", "signature", "note", "fix_commit"};
    static const char *const k_pr[] = {"kind", "repo", "number", "outcome"};
    if (!body || !out)
        return WF_EINVAL;
    if (len > WF_LEARN_FEEDBACK_BYTES) {
        if (err)
            wf_buf_appendf(err, "body: larger than %u bytes", WF_LEARN_FEEDBACK_BYTES);
        return WF_ETOOBIG;
    }
    json_error_t je;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        if (err) {
            if (o)
                wf_buf_puts(err, "body: expected a JSON object");
            else
                wf_buf_appendf(err, "body: not JSON: %s at line %d column %d", je.text, je.line,
                               je.column);
        }
        json_decref(o);
        return WF_EFORMAT;
    }
    struct wf_learn_feedback *fb = wf_calloc(1, sizeof *fb);
    if (!fb) {
        json_decref(o);
        return WF_ENOMEM;
    }
    struct check k = {o, err, WF_OK};
    str(&k, "kind", 1, fb->kind, sizeof fb->kind);
    if (k.rc) {
        /* "kind" too long is still a bad kind */
    } else if (strcmp(fb->kind, "category") == 0) {
        only(&k, k_category, N(k_category));
        fb->failure_id = posint(&k, "failure_id", 1);
        str(&k, "category", 1, fb->value, sizeof fb->value);
        int cat = k.rc ? -1 : wf_learn_category_parse(fb->value);
        if (!k.rc && cat < 0)
            bad(&k, "%s: unknown category '%s' (see docs/triage-categories.md)", "category",
                fb->value);
        if (!k.rc) /* aliases map to the canonical name */
            snprintf(fb->value, sizeof fb->value, "%s",
                     wf_triage_category_name((enum wf_triage_category)cat));
    } else if (strcmp(fb->kind, "helpful") == 0) {
        only(&k, k_helpful, N(k_helpful));
        str(&k, "target", 1, fb->target, sizeof fb->target);
        if (!k.rc && strcmp(fb->target, "failure") != 0 && strcmp(fb->target, "answer") != 0)
            bad(&k, "%s: expected \"failure\" or \"answer\"%s", "target", NULL);
        json_t *tid = json_object_get(o, "target_id");
        if (!k.rc && json_is_integer(tid))
            snprintf(fb->target_id, sizeof fb->target_id, "%lld",
                     (long long)json_integer_value(tid));
        else
            str(&k, "target_id", 1, fb->target_id, sizeof fb->target_id);
        if (!k.rc && strcmp(fb->target, "failure") == 0) {
            long id;
            if (wf_parse_long(fb->target_id, 1, 0x7fffffffffffffffL, &id) != WF_OK)
                bad(&k, "%s: a failure id must be a positive integer%s", "target_id", NULL);
            else
                fb->failure_id = id;
        }
        json_t *h = json_object_get(o, "helpful");
        if (!k.rc && !json_is_boolean(h))
            bad(&k, "%s: %s", "helpful", h ? "expected true or false" : "missing");
        if (!k.rc)
            snprintf(fb->value, sizeof fb->value, "%s", json_is_true(h) ? "yes" : "no");
        str(&k, "comment", 0, fb->note, sizeof fb->note);
    } else if (strcmp(fb->kind, "resolution") == 0) {
        only(&k, k_resolution, N(k_resolution));
        str(&k, "signature", 1, fb->signature, sizeof fb->signature);
        if (!k.rc && !is_hex(fb->signature, 8, 64))
            bad(&k, "%s: expected 8 to 64 hex digits%s", "signature", NULL);
        str(&k, "note", 1, fb->note, sizeof fb->note);
        str(&k, "fix_commit", 0, fb->fix_commit, sizeof fb->fix_commit);
        if (!k.rc && fb->fix_commit[0] && !is_hex(fb->fix_commit, 7, 64))
            bad(&k, "%s: expected a commit sha (7 to 64 hex digits)%s", "fix_commit", NULL);
    } else if (strcmp(fb->kind, "pr_outcome") == 0) {
        only(&k, k_pr, N(k_pr));
        str(&k, "repo", 1, fb->repo, sizeof fb->repo);
        if (!k.rc &&
            (!strchr(fb->repo, '/') || fb->repo[0] == '/' || fb->repo[strlen(fb->repo) - 1] == '/'))
            bad(&k, "%s: expected \"owner/name\"%s", "repo", NULL);
        fb->number = posint(&k, "number", 0);
        str(&k, "outcome", 1, fb->value, sizeof fb->value);
        if (!k.rc && strcmp(fb->value, "defect") != 0 && strcmp(fb->value, "clean") != 0)
            bad(&k, "%s: expected \"defect\" or \"clean\"%s", "outcome", NULL);
    } else {
        bad(&k, "%s: expected category, helpful, resolution or pr_outcome%s", "kind", NULL);
    }
    json_decref(o);
    if (!k.rc)
        memcpy(out, fb, sizeof *fb);
    wf_free(fb);
    return k.rc;
}

int wf_learn_category_parse(const char *name)
{
    int cat = wf_triage_category_parse(name);
    if (cat >= 0 || !name || !name[0] || strchr(name, '_'))
        return cat;
    /* the first word of exactly one category: "test" -> test_failure */
    int found = -1;
    size_t n = strlen(name);
    for (int c = 0; c < WF_TRIAGE__N_CATEGORIES; c++) {
        const char *full = wf_triage_category_name((enum wf_triage_category)c);
        if (strncmp(full, name, n) == 0 && full[n] == '_') {
            if (found >= 0)
                return -1;
            found = c;
        }
    }
    return found;
}

void wf_learn_feedback_label(const struct wf_learn_feedback *fb, const char *tenant, const char *by,
                             const char *note, struct wf_store_label *out)
{
    memset(out, 0, sizeof *out);
    out->tenant = tenant;
    out->kind = fb->kind;
    out->failure_id = fb->failure_id;
    out->value = fb->value;
    out->target = fb->target;
    out->target_id = fb->target_id;
    out->signature = fb->signature;
    out->note = note;
    out->fix_commit = fb->fix_commit;
    out->repo = fb->repo;
    out->number = fb->number;
    out->by = by;
}

int wf_learn_redact(const struct wf_redact_opts *opts, const char *text, struct wf_buf *out)
{
    struct wf_redactor *r = NULL;
    int rc = wf_redact_new(opts, &r);
    size_t start = out->len;
    if (!rc && text && text[0])
        rc = wf_redact_feed(r, text, strlen(text), out);
    if (!rc)
        rc = wf_redact_finish(r, out);
    wf_redact_free(r);
    /* the splitter ends every line with '\n': drop the one the text did not have */
    if (!rc && out->len > start && text && text[0] && text[strlen(text) - 1] != '\n' &&
        out->p[out->len - 1] == '\n')
        out->p[--out->len] = 0;
    if (!rc && !out->p)
        rc = wf_buf_puts(out, "");
    return rc;
}
