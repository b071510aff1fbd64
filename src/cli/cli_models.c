/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai models list|rollback VERSION`: a tenant's model versions.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

int wf_cli__models(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return wf_cli__fail(WF_CLI_EXIT_USAGE, "models", "not available");
}
