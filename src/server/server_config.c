/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service's configuration keys, declared once: each row names the key,
 * its type, where it lives in struct wf_server_config, its default and its
 * help. Flags, WORKFLOWAI_* environment variables, the config file and
 * `serve --help` all read this table, so they cannot drift apart.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

enum ctype { C_STR, C_LONG, C_DOUBLE };

struct key {
    const char *name;
    enum ctype type;
    size_t off;  /* offset in struct wf_server_config */
    size_t size; /* bytes of a string field */
    const char *def;
    double min, max; /* numeric range */
    const char *help;
};

#define S(f) C_STR, offsetof(struct wf_server_config, f), sizeof(((struct wf_server_config *)0)->f)
#define L(f) C_LONG, offsetof(struct wf_server_config, f), 0
#define D(f) C_DOUBLE, offsetof(struct wf_server_config, f), 0

/* clang-format off */
static const struct key keys[] = {
    {"listen",              S(listen),        "127.0.0.1:8080", 0, 0, "address to listen on (HOST:PORT; port 0 picks a free one)"},
    {"store",               S(store),         "sqlite:./data/workflowai.db", 0, 0, "store URL (sqlite:PATH)"},
    {"port-file",           S(port_file),     "",               0, 0, "write the bound port to this file once listening"},
    {"jwt-secret",          S(jwt_secret),    "",               0, 0, "HS256 secret for JWT bearer tokens (empty: JWTs refused)"},
    {"redact-config",       S(redact_config), "",               0, 0, "redaction config file (docs/internals/redact.md)"},
    {"github-api",          S(github_api),    "https://api.github.com", 0, 0, "GitHub API base URL (GitHub Enterprise: https://HOST/api/v3)"},
    {"github-token",        S(github_token),  "",               0, 0, "GitHub token to download job logs (empty: off)"},
    {"gitlab-api",          S(gitlab_api),    "https://gitlab.com/api/v4", 0, 0, "GitLab API base URL"},
    {"gitlab-token",        S(gitlab_token),  "",               0, 0, "GitLab token to download job logs (empty: off)"},
    {"llm-url",             S(llm_url),       "",               0, 0, "OpenAI-compatible API base (e.g. http://localhost:11434/v1) for review comments and chat answers (empty: rules only, extractive answers)"},
    {"llm-model",           S(llm_model),     "",               0, 0, "model name for --llm-url"},
    {"llm-api-key",         S(llm_api_key),   "",               0, 0, "bearer key for --llm-url (prefer WORKFLOWAI_LLM_API_KEY)"},
    {"embed-url",           S(embed_url),     "",               0, 0, "OpenAI-compatible API base for knowledge-base embeddings (empty: the built-in offline embedder)"},
    {"embed-model",         S(embed_model),   "",               0, 0, "embedding model name for --embed-url (changing it needs `workflowai kb reindex`)"},
    {"embed-api-key",       S(embed_api_key), "",               0, 0, "bearer key for --embed-url (prefer WORKFLOWAI_EMBED_API_KEY)"},
    {"llm-timeout-ms",      L(llm_timeout_ms), "60000",         100, 600000, "deadline of one LLM call, retries included"},
    {"log-level",           S(log_level),     "info",           0, 0, "debug, info, warn or error"},
    {"log-format",          S(log_format),    "json",           0, 0, "json (one object per line) or text"},
    {"io-threads",          L(io_threads),    "0",              0, 64, "HTTP I/O threads (0: one per CPU)"},
    {"handler-threads",     L(handler_threads), "64",           0, 1024, "HTTP handler threads; handlers wait for the group commit, so more threads make bigger commits (0: two per CPU)"},
    {"workers",             L(workers),       "2",              0, 64, "triage worker threads"},
    {"rate-limit",          D(rate_limit),    "50",             0, 1e9, "requests per second per API key (0: unlimited)"},
    {"rate-burst",          D(rate_burst),    "100",            1, 1e9, "burst size of the per-key token bucket"},
    {"max-attempts",        L(max_attempts),  "5",              1, 100, "attempts of a job before it is dead-lettered"},
    {"lease-ms",            L(lease_ms),      "120000",         100, 86400000, "job visibility timeout"},
    {"backoff-ms",          L(backoff_ms),    "1000",           1, 3600000, "first retry delay (doubles per attempt)"},
    {"header-timeout-ms",   L(header_timeout_ms), "10000",      10, 3600000, "time allowed for request headers"},
    {"body-timeout-ms",     L(body_timeout_ms), "30000",        10, 3600000, "time allowed between body bytes"},
    {"idle-timeout-ms",     L(idle_timeout_ms), "60000",        10, 3600000, "keep-alive idle time"},
    {"shutdown-timeout-ms", L(shutdown_timeout_ms), "10000",    0, 3600000, "drain time on SIGTERM"},
    {"max-log-bytes",       L(max_log_bytes), "268435456",      1024, 268435456, "cap on an uploaded or fetched log (after gunzip)"},
    {"retrain-interval",    S(retrain_interval), "off",         0, 0, "retrain each tenant's triage model when it has new labels, this often (e.g. 24h; off)"},
    {"drift-threshold",     D(drift_threshold), "0.2",          0.001, 100, "PSI above which a model_drift warning is raised (docs/models.md)"},
    {"drift-window-days",   L(drift_window_days), "7",          1, 365, "days of incoming failures compared with the training set"},
    {"drift-min-samples",   L(drift_min_samples), "30",         1, 1000000, "failures needed before drift can warn"},
};
/* clang-format on */

#define N_KEYS (sizeof keys / sizeof keys[0])

static int set(struct wf_server_config *c, const struct key *k, const char *v, struct wf_buf *err)
{
    char *base = (char *)c + k->off;
    if (k->type == C_STR) {
        size_t n = strlen(v);
        if (n >= k->size) {
            if (err)
                wf_buf_appendf(err, "%s: value longer than %zu bytes", k->name, k->size - 1);
            return WF_EINVAL;
        }
        memcpy(base, v, n + 1);
        return WF_OK;
    }
    errno = 0;
    char *end = NULL;
    double d = strtod(v, &end);
    if (errno || end == v || *end || d < k->min || d > k->max ||
        (k->type == C_LONG && d != (double)(long)d)) {
        if (err)
            wf_buf_appendf(err, "%s: expected a %s in [%g, %g], got \"%s\"", k->name,
                           k->type == C_LONG ? "whole number" : "number", k->min, k->max, v);
        return WF_EINVAL;
    }
    if (k->type == C_LONG)
        *(long *)(void *)base = (long)d;
    else
        *(double *)(void *)base = d;
    return WF_OK;
}

static const struct key *find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strlen(keys[i].name) == len && memcmp(keys[i].name, name, len) == 0)
            return &keys[i];
    return NULL;
}

void wf_server_config_init(struct wf_server_config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < N_KEYS; i++) {
        int rc = set(c, &keys[i], keys[i].def, NULL);
        assert(rc == WF_OK); /* the table's defaults are valid */
        (void)rc;
    }
}

int wf_server_config_env(struct wf_server_config *c, struct wf_buf *err)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        char env[64] = "WORKFLOWAI_";
        size_t o = strlen(env);
        for (const char *p = keys[i].name; *p && o + 1 < sizeof env; p++)
            env[o++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
        env[o] = 0;
        const char *v = getenv(env);
        if (v && set(c, &keys[i], v, err) != WF_OK) {
            wf_buf_appendf(err, " (from %s)", env);
            return WF_EINVAL;
        }
    }
    return WF_OK;
}

int wf_server_config_flag(struct wf_server_config *c, const char *key, const char *value,
                          struct wf_buf *err)
{
    const struct key *k = find(key, strlen(key));
    if (!k)
        return 0;
    if (!value) {
        wf_buf_appendf(err, "--%s needs a value", key);
        return -1;
    }
    return set(c, k, value, err) == WF_OK ? 1 : -1;
}

static void trim(const char **p, const char **e)
{
    while (*p < *e && isspace((unsigned char)**p))
        (*p)++;
    while (*e > *p && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

int wf_server_config_file(struct wf_server_config *c, const char *path, struct wf_buf *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = wf_read_file(path, 1u << 20, &text, &len);
    if (rc) {
        wf_buf_appendf(err, "%s: %s", path, wf_strerror(rc));
        return rc;
    }
    size_t line_no = 0;
    const char *p = text, *end = text + len;
    while (p < end && rc == WF_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line_no++;
        const char *hash = memchr(p, '#', (size_t)(le - p));
        const char *ls = p, *lend = hash ? hash : le;
        trim(&ls, &lend);
        if (ls < lend) {
            const char *eq = memchr(ls, '=', (size_t)(lend - ls));
            if (!eq) {
                wf_buf_appendf(err, "%s:%zu: expected `key = value`", path, line_no);
                rc = WF_EINVAL;
                break;
            }
            const char *ks = ls, *ke = eq, *vs = eq + 1, *ve = lend;
            trim(&ks, &ke);
            trim(&vs, &ve);
            const struct key *k = find(ks, (size_t)(ke - ks));
            if (!k) {
                wf_buf_appendf(err, "%s:%zu: unknown key \"%.*s\"", path, line_no, (int)(ke - ks),
                               ks);
                rc = WF_EINVAL;
                break;
            }
            char *v = wf_strndup(vs, (size_t)(ve - vs));
            if (!v) {
                rc = WF_ENOMEM;
                break;
            }
            struct wf_buf msg;
            wf_buf_init(&msg, 1024);
            if (set(c, k, v, &msg) != WF_OK) {
                wf_buf_appendf(err, "%s:%zu: %s", path, line_no, msg.p ? msg.p : "bad value");
                rc = WF_EINVAL;
            }
            wf_buf_cleanup(&msg);
            wf_free(v);
        }
        p = nl ? nl + 1 : end;
    }
    wf_free(text);
    return rc;
}

void wf_server_config_help(FILE *out)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s %s", keys[i].name, keys[i].type == C_STR ? "S" : "N");
        fprintf(out, "  %-26s %s", flag, keys[i].help);
        if (keys[i].def[0])
            fprintf(out, " [%s]", keys[i].def);
        fputc('\n', out);
    }
    fprintf(out, "  Every key can also be set as WORKFLOWAI_<KEY> (e.g. WORKFLOWAI_GITHUB_TOKEN)\n"
                 "  or as `key = value` in the file given with --config; flags win.\n");
}
