/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secret masking for everything triage prints. Log excerpts routinely carry
 * credentials (echoed env vars, tokens in URLs, Authorization headers), so
 * nothing leaves the pipeline unmasked: known token shapes (GitHub, GitLab,
 * Slack, AWS, npm, OpenAI-style keys, JWTs), values after secret-looking
 * keys ("password=", "token: ", "Authorization: Bearer"), user:password in
 * URLs and PEM private-key bodies all become "[REDACTED]".
 */
#include "triage_int.h"

#include "text/text.h"

#include <string.h>

#define MASK "[REDACTED]"

static int tokch(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* Known token prefixes and the minimum length of what follows. */
static const struct {
    const char *prefix;
    size_t min_tail;
} token_shapes[] = {
    {"ghp_", 20},        {"gho_", 20},   {"ghu_", 20},  {"ghs_", 20},  {"ghr_", 20},
    {"github_pat_", 20}, {"glpat-", 16}, {"xoxb-", 10}, {"xoxp-", 10}, {"xoxa-", 10},
    {"AKIA", 16},        {"ASIA", 16},   {"npm_", 30},  {"sk-", 20},   {"sk_live_", 16},
    {"rk_live_", 16},    {"AIza", 30},   {"eyJ", 30},   {"hf_", 30},   {"dop_v1_", 30},
};

/* Keys whose value is a secret. Lowercase, matched case-insensitively at a
 * word start and followed by optional quotes, then '=' or ':'. */
static const char *const secret_keys[] = {
    "password",      "passwd",  "pwd",        "secret",        "token",  "api_key",
    "apikey",        "api-key", "access_key", "private_key",   "auth",   "credential",
    "client_secret", "session", "cookie",     "authorization", "bearer",
};

static size_t match_token(const char *s, size_t n, size_t i)
{
    if (i > 0 && tokch((unsigned char)s[i - 1]))
        return 0;
    for (size_t k = 0; k < sizeof(token_shapes) / sizeof(token_shapes[0]); k++) {
        size_t L = strlen(token_shapes[k].prefix);
        if (i + L > n || memcmp(s + i, token_shapes[k].prefix, L) != 0)
            continue;
        size_t e = i + L;
        while (e < n && (tokch((unsigned char)s[e]) || s[e] == '.'))
            e++;
        if (e - i - L >= token_shapes[k].min_tail)
            return e - i;
    }
    return 0;
}

static int ci_eq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 32);
        if (x != b[i])
            return 0;
    }
    return 1;
}

/* "password=xyz", "TOKEN: xyz", "Authorization: Bearer xyz": returns the
 * offset and length of the value to mask, or 0. */
static size_t match_key(const char *s, size_t n, size_t i, size_t *vstart)
{
    if (i > 0 && (tokch((unsigned char)s[i - 1]) && s[i - 1] != '_' && s[i - 1] != '-'))
        return 0;
    for (size_t k = 0; k < sizeof(secret_keys) / sizeof(secret_keys[0]); k++) {
        size_t L = strlen(secret_keys[k]);
        if (i + L > n || !ci_eq(s + i, secret_keys[k], L))
            continue;
        size_t e = i + L;
        /* "password_hash", "token-id": only '_'/'-' separated tails, so
         * "author" or "tokenizer" never look like keys */
        if (e < n && tokch((unsigned char)s[e]) && s[e] != '_' && s[e] != '-')
            continue;
        while (e < n && (tokch((unsigned char)s[e])))
            e++;
        size_t j = e;
        while (j < n && (s[j] == '"' || s[j] == '\''))
            j++;
        while (j < n && s[j] == ' ')
            j++;
        int bearer = strcmp(secret_keys[k], "bearer") == 0;
        if (!bearer) {
            if (j >= n || (s[j] != '=' && s[j] != ':'))
                continue;
            j++;
        }
        while (j < n && (s[j] == ' ' || s[j] == '"' || s[j] == '\''))
            j++;
        /* "Authorization: Bearer x" / "Basic x": keep the scheme word */
        if (j + 7 <= n && (ci_eq(s + j, "bearer ", 7) || ci_eq(s + j, "basic  ", 6))) {
            j += 6;
            while (j < n && s[j] == ' ')
                j++;
        }
        size_t v = j;
        while (v < n && s[v] != ' ' && s[v] != '"' && s[v] != '\'' && s[v] != ',' && s[v] != ';' &&
               s[v] != '&')
            v++;
        /* values that are clearly not secrets: empty, masked, env refs */
        if (v - j < 4 || s[j] == '*' || s[j] == '$' || s[j] == '<' || s[j] == '[')
            continue;
        *vstart = j;
        return v - j;
    }
    return 0;
}

/* "scheme://user:password@host" */
static size_t match_url_cred(const char *s, size_t n, size_t i, size_t *vstart)
{
    if (i + 3 > n || memcmp(s + i, "://", 3) != 0)
        return 0;
    size_t j = i + 3, colon = 0;
    while (j < n && s[j] != '@' && s[j] != '/' && s[j] != ' ') {
        if (s[j] == ':' && !colon)
            colon = j;
        j++;
    }
    if (j >= n || s[j] != '@' || !colon || j - colon < 2)
        return 0;
    *vstart = colon + 1;
    return j - colon - 1;
}

int wf_triage__redact(const char *s, size_t n, struct wf_buf *out)
{
    size_t i = 0, flushed = 0;
    int rc = WF_OK;
    if (wf_text_find_ci(s, n, "PRIVATE KEY-----")) {
        /* a PEM block in a line: keep the header words only */
        return wf_buf_puts(out, "-----BEGIN PRIVATE KEY----- " MASK);
    }
    while (i < n) {
        size_t vs = 0, L = match_token(s, n, i);
        if (L) {
            vs = i;
        } else {
            L = match_key(s, n, i, &vs);
            if (!L)
                L = match_url_cred(s, n, i, &vs);
        }
        if (!L) {
            i++;
            continue;
        }
        rc = wf_buf_append(out, s + flushed, vs - flushed);
        if (!rc)
            rc = wf_buf_puts(out, MASK);
        if (rc)
            return rc;
        i = flushed = vs + L;
    }
    return wf_buf_append(out, s + flushed, n - flushed);
}
