/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the cli module: one entry point per subcommand. Each takes the
 * arguments after its own name (argv[0] is the subcommand name) and returns
 * the process exit status: 0 success, 1 failure (bad input, I/O), 2 usage.
 */
#ifndef WF_CLI_INT_H
#define WF_CLI_INT_H

#include <stdio.h>

#define WF_CLI_EXIT_OK 0
#define WF_CLI_EXIT_FAIL 1
#define WF_CLI_EXIT_USAGE 2

int wf_cli__triage(int argc, char **argv);
int wf_cli__train(int argc, char **argv);
int wf_cli__eval(int argc, char **argv);
int wf_cli__eval_lines(int argc, char **argv);
int wf_cli__eval_templates(int argc, char **argv);
int wf_cli__eval_category(int argc, char **argv);
int wf_cli__eval_retrieval(int argc, char **argv);
int wf_cli__redact(int argc, char **argv);
int wf_cli__risk(int argc, char **argv);
int wf_cli__review(int argc, char **argv);
int wf_cli__serve(int argc, char **argv);
int wf_cli__tenant(int argc, char **argv);
int wf_cli__key(int argc, char **argv);
int wf_cli__token(int argc, char **argv);
int wf_cli__dora(int argc, char **argv);
int wf_cli__kb(int argc, char **argv);
int wf_cli__search(int argc, char **argv);
int wf_cli__ask(int argc, char **argv);
int wf_cli__label(int argc, char **argv);
int wf_cli__models(int argc, char **argv);
/* `train triage|risk --store URL --tenant T` (cli_models.c). */
int wf_cli__train_store(int argc, char **argv);

struct wf_store;
struct wf_kb;
/* Opens the store (--store URL or --data DIR, else WORKFLOWAI_STORE or
 * sqlite:./data/workflowai.db) and the knowledge base over it (embedder
 * from WORKFLOWAI_EMBED_*). Returns an exit status (0: both open; else the
 * error was printed). */
int wf_cli__kb_open(const char *what, const char *store, const char *data, struct wf_store **st,
                    struct wf_kb **kb);

/* Prints "workflowai: <what>: <message>" to stderr and returns `code`. */
int wf_cli__fail(int code, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 1 when argv[i] is -h or --help. */
int wf_cli__is_help(const char *arg);
/* For a command with subcommands: with no arguments prints its usage to
 * stderr (returns WF_CLI_EXIT_USAGE); with -h/--help anywhere prints it to
 * stdout (WF_CLI_EXIT_OK); otherwise returns -1 and the command goes on. */
int wf_cli__sub_help(int argc, char **argv, void (*usage)(FILE *));

#endif
