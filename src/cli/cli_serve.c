/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai serve` and the administration commands around it: `tenant`
 * (add/list tenants and their webhook secrets), `key` (create/list/revoke
 * API keys) and `token` (sign a JWT for a tenant).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "server/server.h"

static void serve_usage(FILE *f)
{
    fprintf(f, "usage: workflowai serve [--config FILE] [--KEY VALUE]...\n\n"
               "Runs the HTTP service: webhooks in, triage of failed jobs by worker threads,\n"
               "the /v1 JSON API, /health /live /ready and Prometheus /metrics (docs/api.md).\n"
               "Stops gracefully on SIGTERM or SIGINT.\n\noptions:\n"
               "  --config FILE              read `key = value` lines (keys as below)\n");
    wf_server_config_help(f);
}

int wf_cli__serve(int argc, char **argv)
{
    struct wf_server_config cfg;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    wf_server_config_init(&cfg);
    int status = WF_CLI_EXIT_USAGE;
    /* precedence: defaults < config file < environment < flags */
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (wf_cli__is_help(argv[i])) {
            serve_usage(stdout);
            status = WF_CLI_EXIT_OK;
            goto out;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            config = argv[i] + 9;
    }
    if (config && wf_server_config_file(&cfg, config, &err) != WF_OK) {
        status = wf_cli__fail(WF_CLI_EXIT_USAGE, "serve", "%s", err.p);
        goto out;
    }
    if (wf_server_config_env(&cfg, &err) != WF_OK) {
        status = wf_cli__fail(WF_CLI_EXIT_USAGE, "serve", "%s", err.p);
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--config=", 9) == 0)
            continue;
        if (strncmp(argv[i], "--", 2) != 0) {
            status = wf_cli__fail(WF_CLI_EXIT_USAGE, "serve", "unexpected argument '%s'", argv[i]);
            goto out;
        }
        char key[64];
        const char *name = argv[i] + 2, *eq = strchr(name, '='), *value;
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        if (n >= sizeof key) {
            status = wf_cli__fail(WF_CLI_EXIT_USAGE, "serve", "unknown option '%s'", argv[i]);
            goto out;
        }
        memcpy(key, name, n);
        key[n] = 0;
        value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        int r = wf_server_config_flag(&cfg, key, value, &err);
        if (r == 0) {
            status = wf_cli__fail(WF_CLI_EXIT_USAGE, "serve", "unknown option '--%s'", key);
            goto out;
        }
        if (r < 0) {
            status = wf_cli__fail(WF_CLI_EXIT_USAGE, "serve", "%s", err.p);
            goto out;
        }
    }
    status = wf_server_run(&cfg);
out:
    wf_buf_cleanup(&err);
    return status;
}

/* Reads --store from argv or WORKFLOWAI_STORE or the default. */
static const char *store_url(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("WORKFLOWAI_STORE");
    return env && env[0] ? env : "sqlite:./data/workflowai.db";
}

struct opts {
    const char *store, *tenant, *name, *github, *gitlab, *generic, *secret, *sub, *ttl;
    const char *pos[2];
    int n_pos;
};

static int parse(const char *what, int argc, char **argv, int first, struct opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = first; i < argc; i++) {
        static const struct {
            const char *flag;
            size_t off;
        } f[] = {{"--store", offsetof(struct opts, store)},
                 {"--tenant", offsetof(struct opts, tenant)},
                 {"--name", offsetof(struct opts, name)},
                 {"--github-secret", offsetof(struct opts, github)},
                 {"--gitlab-token", offsetof(struct opts, gitlab)},
                 {"--generic-secret", offsetof(struct opts, generic)},
                 {"--secret", offsetof(struct opts, secret)},
                 {"--sub", offsetof(struct opts, sub)},
                 {"--ttl", offsetof(struct opts, ttl)}};
        size_t k = 0;
        for (; k < sizeof f / sizeof f[0]; k++)
            if (strcmp(argv[i], f[k].flag) == 0)
                break;
        if (k < sizeof f / sizeof f[0]) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "%s needs a value", argv[i]);
            *(const char **)(void *)((char *)o + f[k].off) = argv[++i];
        } else if (argv[i][0] == '-') {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "unknown option '%s'", argv[i]);
        } else if (o->n_pos < 2) {
            o->pos[o->n_pos++] = argv[i];
        } else {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "unexpected argument '%s'", argv[i]);
        }
    }
    return 0;
}

int wf_cli__tenant(int argc, char **argv)
{
    if (argc < 2 || wf_cli__is_help(argv[1])) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: workflowai tenant add ID [--name NAME] [--github-secret S]\n"
                   "                              [--gitlab-token T] [--generic-secret S]\n"
                   "       workflowai tenant list\n"
                   "  --store URL   store to change [WORKFLOWAI_STORE or "
                   "sqlite:./data/workflowai.db]\n\n"
                   "Creates or updates a tenant and the secrets its webhooks are checked with\n"
                   "(a secret left out keeps its stored value). Webhook URLs name the tenant:\n"
                   "/v1/webhooks/github?tenant=ID.\n");
        return argc < 2 ? WF_CLI_EXIT_USAGE : WF_CLI_EXIT_OK;
    }
    struct opts o;
    int rc = parse("tenant", argc, argv, 2, &o);
    if (rc)
        return rc;
    struct wf_buf err, out;
    wf_buf_init(&err, 4096);
    wf_buf_init(&out, 1u << 24);
    int status = WF_CLI_EXIT_OK;
    if (strcmp(argv[1], "add") == 0 && o.n_pos == 1) {
        rc = wf_server_tenant_add(store_url(o.store), o.pos[0], o.name, o.github, o.gitlab,
                                  o.generic, &err);
        if (rc)
            status =
                wf_cli__fail(WF_CLI_EXIT_FAIL, "tenant", "%s", err.p ? err.p : wf_strerror(rc));
        else
            printf("tenant %s saved\n", o.pos[0]);
    } else if (strcmp(argv[1], "list") == 0 && o.n_pos == 0) {
        rc = wf_server_key_list(store_url(o.store), NULL, &out, &err);
        if (rc)
            status =
                wf_cli__fail(WF_CLI_EXIT_FAIL, "tenant", "%s", err.p ? err.p : wf_strerror(rc));
        else
            printf("%s\n", out.p ? out.p : "[]");
    } else {
        status = wf_cli__fail(WF_CLI_EXIT_USAGE, "tenant", "expected `add ID` or `list`");
    }
    wf_buf_cleanup(&err);
    wf_buf_cleanup(&out);
    return status;
}

int wf_cli__key(int argc, char **argv)
{
    if (argc < 2 || wf_cli__is_help(argv[1])) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: workflowai key create --tenant ID [--name NAME]\n"
                   "       workflowai key list --tenant ID\n"
                   "       workflowai key revoke --tenant ID KEY_ID\n"
                   "  --store URL   store to change [WORKFLOWAI_STORE or "
                   "sqlite:./data/workflowai.db]\n\n"
                   "API keys authenticate /v1 requests (Authorization: Bearer wfk_...). A key\n"
                   "is printed once at creation; only its SHA-256 is stored.\n");
        return argc < 2 ? WF_CLI_EXIT_USAGE : WF_CLI_EXIT_OK;
    }
    struct opts o;
    int rc = parse("key", argc, argv, 2, &o);
    if (rc)
        return rc;
    if (!o.tenant)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "key", "--tenant is required");
    struct wf_buf err, out;
    wf_buf_init(&err, 4096);
    wf_buf_init(&out, 1u << 24);
    int status = WF_CLI_EXIT_OK;
    if (strcmp(argv[1], "create") == 0 && o.n_pos == 0) {
        char key[64], id[16];
        rc = wf_server_key_create(store_url(o.store), o.tenant, o.name, key, id, &err);
        if (!rc)
            printf("%s\n", key);
        if (!rc)
            fprintf(stderr, "workflowai: key %s created for tenant %s; it is shown only once\n", id,
                    o.tenant);
    } else if (strcmp(argv[1], "list") == 0 && o.n_pos == 0) {
        rc = wf_server_key_list(store_url(o.store), o.tenant, &out, &err);
        if (!rc)
            printf("%s\n", out.p ? out.p : "[]");
    } else if (strcmp(argv[1], "revoke") == 0 && o.n_pos == 1) {
        rc = wf_server_key_revoke(store_url(o.store), o.tenant, o.pos[0], &err);
        if (!rc)
            printf("key %s revoked\n", o.pos[0]);
    } else {
        wf_buf_cleanup(&err);
        wf_buf_cleanup(&out);
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "key", "expected create, list or revoke KEY_ID");
    }
    if (rc)
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "key", "%s", err.p ? err.p : wf_strerror(rc));
    wf_buf_cleanup(&err);
    wf_buf_cleanup(&out);
    return status;
}

int wf_cli__token(int argc, char **argv)
{
    if (argc > 1 && wf_cli__is_help(argv[1])) {
        printf("usage: workflowai token --tenant ID [--sub NAME] [--ttl SECONDS] [--secret S]\n\n"
               "Prints an HS256 JWT for the tenant, signed with --secret or\n"
               "WORKFLOWAI_JWT_SECRET (the server's --jwt-secret). --ttl defaults to 3600;\n"
               "0 makes a token without expiry.\n");
        return WF_CLI_EXIT_OK;
    }
    struct opts o;
    int rc = parse("token", argc, argv, 1, &o);
    if (rc)
        return rc;
    const char *secret = o.secret ? o.secret : getenv("WORKFLOWAI_JWT_SECRET");
    if (!o.tenant || !secret || !secret[0] || o.n_pos)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "token",
                            "--tenant and a secret (--secret or WORKFLOWAI_JWT_SECRET) are needed");
    long ttl = 3600;
    if (o.ttl && wf_parse_long(o.ttl, 0, 10L * 365 * 86400, &ttl) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "token", "--ttl must be 0..315360000 seconds");
    struct wf_buf out;
    wf_buf_init(&out, 16384);
    rc = wf_server_token(secret, o.tenant, o.sub, ttl, &out);
    if (rc == WF_OK)
        printf("%s\n", out.p);
    wf_buf_cleanup(&out);
    return rc ? wf_cli__fail(WF_CLI_EXIT_FAIL, "token", "%s", wf_strerror(rc)) : WF_CLI_EXIT_OK;
}
