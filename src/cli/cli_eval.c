/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai eval lines|templates|category DIR`, `workflowai eval retrieval`:
 * dispatch to the scorers.
 */
#include "cli_int.h"

#include <string.h>

int wf_cli__eval(int argc, char **argv)
{
    if (argc < 2 || wf_cli__is_help(argv[1])) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: workflowai eval lines|templates|category DIR... [options]\n"
                   "       workflowai eval retrieval --docs DIR --queries FILE [options]\n\n"
                   "  lines DIR...      failure-line extraction precision/recall/F1 on cidiff\n"
                   "                    (fail.log, pass.log, groundtruth) or logdx (raw.log,\n"
                   "                    ground_truth.json) case folders\n"
                   "  templates DIR...  template grouping accuracy on Loghub-2k folders\n"
                   "  category DIR...   category accuracy on logdx case folders\n"
                   "  retrieval         knowledge-base search quality (nDCG@10, Recall@5, MRR)\n"
                   "                    on labelled queries over a folder of documents\n\n"
                   "Run 'workflowai eval <kind> --help' for options.\n");
        return argc < 2 ? WF_CLI_EXIT_USAGE : WF_CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "lines") == 0)
        return wf_cli__eval_lines(argc - 1, argv + 1);
    if (strcmp(argv[1], "templates") == 0)
        return wf_cli__eval_templates(argc - 1, argv + 1);
    if (strcmp(argv[1], "category") == 0)
        return wf_cli__eval_category(argc - 1, argv + 1);
    if (strcmp(argv[1], "retrieval") == 0)
        return wf_cli__eval_retrieval(argc - 1, argv + 1);
    return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval", "unknown kind '%s'", argv[1]);
}
