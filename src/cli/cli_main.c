/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The workflowai binary's entry point: a table of subcommands, global help
 * and version. Each subcommand lives in its own cli_<name>.c.
 */
#include "cli_int.h"

#include "util/util.h"

#include <stdarg.h>
#include <string.h>

static int cmd_version(int argc, char **argv);

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"triage", wf_cli__triage, "explain a failed CI log: failing step, lines, category, fix"},
    {"train", wf_cli__train, "retrain a model from labelled data (train triage DATA...)"},
    {"eval", wf_cli__eval, "score extraction, templates or categories on labelled data"},
    {"redact", wf_cli__redact, "mask secrets and personal data in a log (redact FILE|-)"},
    {"risk", wf_cli__risk, "predict defect-inducing commits from change metrics (risk eval)"},
    {"review", wf_cli__review, "review the added lines of a diff (review --diff FILE|-)"},
    {"kb", wf_cli__kb, "the knowledge base: add, list, rm, reindex runbooks and docs"},
    {"search", wf_cli__search, "search the knowledge base (keyword, semantic or hybrid)"},
    {"ask", wf_cli__ask, "answer a question from the knowledge base, with citations"},
    {"dora", wf_cli__dora, "DORA metrics and weekly reports (dora [report --week YYYY-Www])"},
    {"label", wf_cli__label, "feedback on triage results: labels, resolutions, queue, agreement"},
    {"models", wf_cli__models, "a tenant's model versions: list, rollback VERSION"},
    {"serve", wf_cli__serve, "run the HTTP service: webhooks, workers, /v1 API, /metrics"},
    {"tenant", wf_cli__tenant, "add or list tenants and their webhook secrets"},
    {"key", wf_cli__key, "create, list or revoke API keys of a tenant"},
    {"token", wf_cli__token, "sign a JWT for a tenant (token --tenant ID)"},
    {"version", cmd_version, "print the version"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: workflowai <command> [options]\n\n"
               "WorkflowAI triages failed CI builds (the lines that explain the failure,\n"
               "step, category, signature, fix steps, references), scores and reviews pull\n"
               "requests, computes DORA metrics and answers questions over your runbooks\n"
               "with cited sources. Everything works offline; an LLM is optional.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'workflowai <command> --help' for a command's options.\n"
               "Exit status: 0 success, 1 error (unreadable or malformed input), 2 bad usage.\n");
}

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1 && wf_cli__is_help(argv[1])) {
        printf("usage: workflowai version\n\nPrints the version of workflowai.\n");
        return WF_CLI_EXIT_OK;
    }
    if (argc > 1)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "version", "takes no arguments");
    printf("workflowai %s\n", WF_VERSION);
    return WF_CLI_EXIT_OK;
}

int wf_cli__fail(int code, const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "workflowai: %s: ", what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (code == WF_CLI_EXIT_USAGE)
        fprintf(stderr, "Try 'workflowai %s --help'.\n", what);
    return code;
}

int wf_cli__is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int wf_cli__sub_help(int argc, char **argv, void (*print_usage)(FILE *))
{
    if (argc < 2) {
        print_usage(stderr);
        return WF_CLI_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++)
        if (wf_cli__is_help(argv[i])) {
            print_usage(stdout);
            return WF_CLI_EXIT_OK;
        }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return WF_CLI_EXIT_USAGE;
    }
    if (wf_cli__is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return WF_CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv + 1);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "workflowai: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return WF_CLI_EXIT_USAGE;
}
