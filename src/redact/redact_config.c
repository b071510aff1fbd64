/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The redact config file: `key = value` lines and '#' comments, parsed into
 * a wf_redact_opts whose strings live in the config's arena. Every error
 * names its line, so a typo in a rule id or an allow regex is caught before
 * a single log line is redacted.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "redact/redact.h"

#include <fnmatch.h>
#include <pcre2.h>
#include <string.h>

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **p, size_t *len)
{
    while (*len && blank(**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len && blank((*p)[*len - 1]))
        (*len)--;
}

static int is_word(const char *p, size_t len, const char *w)
{
    return strlen(w) == len && memcmp(p, w, len) == 0;
}

/* on|off and friends; -1 when it is none of them. */
static int parse_bool(const char *p, size_t len)
{
    if (is_word(p, len, "on") || is_word(p, len, "true") || is_word(p, len, "yes") ||
        is_word(p, len, "1"))
        return 1;
    if (is_word(p, len, "off") || is_word(p, len, "false") || is_word(p, len, "no") ||
        is_word(p, len, "0"))
        return 0;
    return -1;
}

static int rule_known(const char *p, size_t len)
{
    size_t n;
    const struct wf_redact_rule *t = wf_redact_rules(&n);
    for (size_t i = 0; i < n; i++)
        if (is_word(p, len, t[i].id))
            return 1;
    return 0;
}

static int fail(struct wf_buf *err, size_t *err_line, size_t line, int rc, const char *fmt,
                const char *a, size_t alen)
{
    *err_line = line;
    wf_buf_appendf(err, "line %zu: ", line);
    wf_buf_appendf(err, fmt, (int)(alen > 80 ? 80 : alen), a ? a : "");
    return rc;
}

int wf_redact_config_parse(struct wf_redact_config *c, const char *text, size_t len,
                           size_t *err_line, struct wf_buf *err)
{
    const char **disable = NULL, **allow = NULL, **paths = NULL;
    size_t line = 0, n_disable = 0, n_allow = 0, n_paths = 0;
    memset(c, 0, sizeof(*c));
    wf_arena_init(&c->arena, 4 * WF_REDACT_MAX_CONFIG_BYTES);
    wf_redact_opts_init(&c->opts);
    *err_line = 0;
    if (len > WF_REDACT_MAX_CONFIG_BYTES)
        return fail(err, err_line, 0, WF_ETOOBIG, "config larger than 1 MiB%.*s", "", 0);
    disable = wf_arena_alloc(&c->arena, WF_REDACT_MAX_ALLOW * sizeof(*disable));
    allow = wf_arena_alloc(&c->arena, WF_REDACT_MAX_ALLOW * sizeof(*allow));
    paths = wf_arena_alloc(&c->arena, WF_REDACT_MAX_ALLOW * sizeof(*paths));
    if (!disable || !allow || !paths)
        return WF_ENOMEM;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *s = p;
        p += n + (nl != NULL);
        line++;
        if (memchr(s, '\0', n))
            return fail(err, err_line, line, WF_EFORMAT, "NUL byte in the config%.*s", "", 0);
        trim(&s, &n);
        if (n == 0 || s[0] == '#')
            continue;
        const char *eq = memchr(s, '=', n);
        if (!eq)
            return fail(err, err_line, line, WF_EFORMAT, "expected 'key = value', got '%.*s'", s,
                        n);
        const char *k = s, *v = eq + 1;
        size_t kl = (size_t)(eq - s), vl = n - kl - 1;
        trim(&k, &kl);
        trim(&v, &vl);
        if (vl == 0)
            return fail(err, err_line, line, WF_EFORMAT, "'%.*s' has no value", k, kl);
        if (is_word(k, kl, "key")) {
            char *key = wf_arena_strndup(&c->arena, v, vl);
            if (!key)
                return WF_ENOMEM;
            c->opts.key = key;
        } else if (is_word(k, kl, "emails") || is_word(k, kl, "ips")) {
            int b = parse_bool(v, vl);
            if (b < 0)
                return fail(err, err_line, line, WF_EFORMAT,
                            "'%.*s' must be on or off (or true/false, yes/no, 1/0)", k, kl);
            if (k[0] == 'e')
                c->opts.emails = b;
            else
                c->opts.ips = b;
        } else if (is_word(k, kl, "disable")) {
            /* comma- or blank-separated rule ids */
            size_t i = 0;
            while (i < vl) {
                while (i < vl && (v[i] == ',' || blank(v[i])))
                    i++;
                size_t j = i;
                while (j < vl && v[j] != ',' && !blank(v[j]))
                    j++;
                if (j == i)
                    break;
                if (!rule_known(v + i, j - i))
                    return fail(err, err_line, line, WF_EFORMAT,
                                "unknown rule id '%.*s' (see docs/internals/redact.md)", v + i,
                                j - i);
                if (n_disable == WF_REDACT_MAX_ALLOW)
                    return fail(err, err_line, line, WF_ETOOBIG, "too many disabled rules%.*s", "",
                                0);
                if (!(disable[n_disable++] = wf_arena_strndup(&c->arena, v + i, j - i)))
                    return WF_ENOMEM;
                i = j;
            }
        } else if (is_word(k, kl, "allow_path")) {
            if (n_paths == WF_REDACT_MAX_ALLOW)
                return fail(err, err_line, line, WF_ETOOBIG, "too many allow_path globs%.*s", "",
                            0);
            if (!(paths[n_paths++] = wf_arena_strndup(&c->arena, v, vl)))
                return WF_ENOMEM;
        } else if (is_word(k, kl, "allow")) {
            int ec;
            PCRE2_SIZE eoff;
            if (n_allow == WF_REDACT_MAX_ALLOW)
                return fail(err, err_line, line, WF_ETOOBIG, "too many allow regexes%.*s", "", 0);
            pcre2_code *code = pcre2_compile((PCRE2_SPTR)v, vl, 0, &ec, &eoff, NULL);
            if (!code) {
                PCRE2_UCHAR msg[160];
                pcre2_get_error_message(ec, msg, sizeof(msg));
                *err_line = line;
                wf_buf_appendf(err, "line %zu: bad allow regex at offset %zu: %s", line,
                               (size_t)eoff, (const char *)msg);
                return WF_EFORMAT;
            }
            pcre2_code_free(code);
            if (memchr(v, '\0', vl) || !(allow[n_allow++] = wf_arena_strndup(&c->arena, v, vl)))
                return WF_ENOMEM;
        } else {
            return fail(err, err_line, line, WF_EFORMAT,
                        "unknown key '%.*s' (keys: key, emails, ips, disable, allow, allow_path)",
                        k, kl);
        }
    }
    c->opts.disable = disable;
    c->opts.n_disable = n_disable;
    c->opts.allow = allow;
    c->opts.n_allow = n_allow;
    c->opts.allow_paths = paths;
    c->opts.n_allow_paths = n_paths;
    return WF_OK;
}

int wf_redact_path_allowed(const struct wf_redact_opts *o, const char *path)
{
    if (!o || !path || strcmp(path, "-") == 0)
        return 0;
    for (size_t i = 0; i < o->n_allow_paths; i++)
        if (fnmatch(o->allow_paths[i], path, 0) == 0)
            return 1;
    return 0;
}

void wf_redact_config_cleanup(struct wf_redact_config *c)
{
    if (!c)
        return;
    wf_arena_cleanup(&c->arena);
    memset(c, 0, sizeof(*c));
}
