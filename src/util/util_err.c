/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error table lookups. The enum, the messages and the HTTP statuses all come
 * from WF_ERRNO_MAP in util.h, so a new code costs one table row.
 */
#include "util.h"

static const struct {
    const char *name;
    const char *msg;
    int status;
} err_table[] = {
#define WF__ERR_ROW(name, msg, status) {#name, msg, status},
    WF_ERRNO_MAP(WF__ERR_ROW)
#undef WF__ERR_ROW
};

const char *wf_strerror(int err)
{
    if (err < 0 || err >= WF__ERR_COUNT)
        return "unknown error";
    return err_table[err].msg;
}

const char *wf_errname(int err)
{
    if (err < 0 || err >= WF__ERR_COUNT)
        return "EUNKNOWN";
    return err_table[err].name;
}

int wf_err_http_status(int err)
{
    if (err < 0 || err >= WF__ERR_COUNT)
        return 500;
    return err_table[err].status;
}
