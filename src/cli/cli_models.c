/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tenant's model versions from the command line: `workflowai train
 * triage|risk --store URL --tenant T` retrains from feedback and promotes
 * or rejects the candidate; `workflowai models list` prints the active
 * version per kind, the history with metrics, drift and warnings;
 * `workflowai models rollback VERSION` makes an earlier version active.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_int.h"
#include "learn/learn.h"
#include "store/store.h"

struct opts {
    const char *store, *tenant, *kind;
    const char *pos[3];
    int n_pos, shuffle;
};

static int parse(const char *what, int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = "triage";
    for (int i = 1; i < argc; i++) {
        const char **dst = NULL;
        if (strcmp(argv[i], "--store") == 0)
            dst = &o->store;
        else if (strcmp(argv[i], "--tenant") == 0)
            dst = &o->tenant;
        else if (strcmp(argv[i], "--kind") == 0)
            dst = &o->kind;
        if (dst) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "%s needs a value", argv[i]);
            *dst = argv[++i];
        } else if (strcmp(argv[i], "--shuffle-labels") == 0) {
            o->shuffle = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "unknown option '%s'", argv[i]);
        } else if (o->n_pos < 3) {
            o->pos[o->n_pos++] = argv[i];
        } else {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!o->tenant)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "--tenant is required");
    if (strcmp(o->kind, "triage") != 0 && strcmp(o->kind, "risk") != 0)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "--kind is triage or risk");
    return 0;
}

static int open_store(const char *what, const char *flag, struct wf_store **st)
{
    const char *env = getenv("WORKFLOWAI_STORE");
    const char *url = flag ? flag : env && env[0] ? env : "sqlite:./data/workflowai.db";
    struct wf_store_opts so = {url, 2, 0, 0};
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    int rc = wf_store_open(&so, st, &err);
    if (rc) {
        char shown[512]; /* never the password */
        wf_store_redact_url(url, shown, sizeof(shown));
        wf_cli__fail(WF_CLI_EXIT_FAIL, what, "store %s: %s", shown,
                     err.p ? err.p : wf_strerror(rc));
    }
    wf_buf_cleanup(&err);
    return rc;
}

int wf_cli__train_store(int argc, char **argv)
{
    struct opts o;
    int status = parse("train", argc, argv, &o);
    if (status)
        return status;
    if (o.n_pos != 1)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "train", "expected triage or risk");
    int risk = strcmp(o.pos[0], "risk") == 0;
    if (!risk && strcmp(o.pos[0], "triage") != 0)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "train", "unknown model '%s'", o.pos[0]);
    struct wf_store *st = NULL;
    if (open_store("train", o.store, &st))
        return WF_CLI_EXIT_FAIL;
    struct wf_learn_train_opts to;
    wf_learn_train_opts_init(&to);
    to.shuffle_labels = o.shuffle;
    struct wf_learn_train_result res;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = risk ? wf_learn_train_risk(st, o.tenant, &to, &res, &err)
                  : wf_learn_train_triage(st, o.tenant, &to, &res, &err);
    if (rc) {
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "train", "%s", err.p ? err.p : wf_strerror(rc));
    } else if (risk) {
        printf("risk v%lld %s\n  trained on %zu rows (%zu built-in, %zu labelled PRs), "
               "held out %zu\n  AUC %.4f accuracy %.4f; baseline %s: AUC %.4f "
               "accuracy %.4f\n  training set sha256 %s\n  %s\n",
               (long long)res.version, res.promoted ? "promoted (active)" : "rejected",
               res.n_train + res.n_test, res.n_builtin, res.n_labels, res.n_test, res.f1,
               res.accuracy, res.baseline, res.base_f1, res.base_accuracy, res.hash, res.reason);
        status = WF_CLI_EXIT_OK;
    } else {
        printf("triage v%lld %s\n  trained on %zu records (%zu built-in, %zu tenant labels), "
               "held out %zu\n  macro-F1 %.4f accuracy %.4f; baseline %s: macro-F1 %.4f "
               "accuracy %.4f\n  training set sha256 %s\n  %s\n",
               (long long)res.version, res.promoted ? "promoted (active)" : "rejected",
               res.n_train + res.n_test, res.n_builtin, res.n_labels, res.n_test, res.f1,
               res.accuracy, res.baseline, res.base_f1, res.base_accuracy, res.hash, res.reason);
        status = WF_CLI_EXIT_OK;
    }
    wf_buf_cleanup(&err);
    wf_store_close(st);
    return status;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: workflowai models list --tenant T [--store URL]\n"
            "       workflowai models rollback VERSION --tenant T [--kind triage] [--store "
            "URL]\n\n"
            "Model versions of a tenant (docs/models.md). `list` prints the active\n"
            "version per kind, every stored version with its held-out metrics, status\n"
            "(active, retired, rejected) and reason, drift of recent failures against\n"
            "the active model's training set, and drift warnings. `rollback` makes an\n"
            "earlier (retired) version active again; the running server picks it up\n"
            "within seconds. Train new versions with 'workflowai train triage|risk\n"
            "--store URL --tenant T'.\n\n"
            "options:\n"
            "  --store URL   the store (default $WORKFLOWAI_STORE or sqlite:./data/workflowai.db)\n"
            "  --tenant ID   the tenant (required)\n"
            "  --kind KIND   triage (default) or risk\n");
}

int wf_cli__models(int argc, char **argv)
{
    int help = wf_cli__sub_help(argc, argv, usage);
    if (help >= 0)
        return help;
    struct opts o;
    int status = parse("models", argc, argv, &o);
    if (status)
        return status;
    int list = o.n_pos == 1 && strcmp(o.pos[0], "list") == 0;
    long version = 0;
    if (!list && !(o.n_pos == 2 && strcmp(o.pos[0], "rollback") == 0 &&
                   wf_parse_long(o.pos[1], 1, 0x7fffffffffffffffL, &version) == WF_OK))
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "models", "expected `list` or `rollback VERSION`");
    struct wf_store *st = NULL;
    if (open_store("models", o.store, &st))
        return WF_CLI_EXIT_FAIL;
    if (list) {
        json_t *j = NULL;
        int rc = wf_learn_models_report(st, o.tenant, NULL, &j, NULL);
        char *s = rc ? NULL : json_dumps(j, JSON_INDENT(2));
        if (s) {
            printf("%s\n", s);
            status = WF_CLI_EXIT_OK;
        } else {
            status = wf_cli__fail(WF_CLI_EXIT_FAIL, "models", "list: %s",
                                  wf_strerror(rc ? rc : WF_ENOMEM));
        }
        free(s);
        json_decref(j);
    } else {
        int rc = wf_store_model_activate(st, o.tenant, o.kind, version);
        if (rc == WF_ENOENT)
            status = wf_cli__fail(WF_CLI_EXIT_FAIL, "models", "tenant %s has no %s version %ld",
                                  o.tenant, o.kind, version);
        else if (rc == WF_ECONFLICT)
            status =
                wf_cli__fail(WF_CLI_EXIT_FAIL, "models",
                             "%s version %ld was rejected by the promotion gate", o.kind, version);
        else if (rc)
            status = wf_cli__fail(WF_CLI_EXIT_FAIL, "models", "rollback: %s", wf_strerror(rc));
        else {
            printf("%s v%ld is active\n", o.kind, version);
            status = WF_CLI_EXIT_OK;
        }
    }
    wf_store_close(st);
    return status;
}
