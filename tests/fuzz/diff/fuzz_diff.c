/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the unified-diff parser: diffs come from users and
 * CI systems and may be truncated, mangled by mail or hand-edited, so
 * wf_risk_diff_parse must answer any byte string with a result or a clean
 * error with a line number inside the input. A result is consistent: every
 * hunk holds exactly the lines its header counts, line numbers stay inside
 * the hunk's ranges and the totals are the sums over the hunks.
 */
#include <stdint.h>
#include <stdlib.h>

#include "risk/risk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hunk(const struct wf_risk_diff_hunk *h)
{
    size_t old_n = 0, new_n = 0, added = 0, deleted = 0;
    size_t next_old = h->old_start, next_new = h->new_start;
    for (size_t i = 0; i < h->n_lines; i++) {
        const struct wf_risk_diff_line *l = &h->lines[i];
        if (l->op != WF_RISK_DIFF_ADD) {
            if (l->old_line != next_old++ || l->old_line < h->old_start ||
                l->old_line >= h->old_start + h->old_count)
                abort();
            old_n++;
        } else if (l->old_line != 0) {
            abort();
        }
        if (l->op != WF_RISK_DIFF_DEL) {
            if (l->new_line != next_new++ || l->new_line < h->new_start ||
                l->new_line >= h->new_start + h->new_count)
                abort();
            new_n++;
        } else if (l->new_line != 0) {
            abort();
        }
        added += l->op == WF_RISK_DIFF_ADD;
        deleted += l->op == WF_RISK_DIFF_DEL;
        if (l->text.len && !l->text.p)
            abort();
    }
    if (old_n != h->old_count || new_n != h->new_count || added != h->added ||
        deleted != h->deleted || !h->section)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_risk_diff d;
    struct wf_buf err;
    size_t line = 12345;

    wf_risk_diff_init(&d);
    wf_buf_init(&err, 4096);
    int rc = wf_risk_diff_parse((const char *)data, size, &d, &line, &err);
    size_t n_lines = 1;
    for (size_t i = 0; i < size; i++)
        n_lines += data[i] == '\n';
    if (rc != WF_OK) {
        if (rc != WF_EFORMAT && rc != WF_ETOOBIG && rc != WF_ENOMEM)
            abort();
        if (line > n_lines || d.files || d.n_files || d.arena.head)
            abort();
        if (rc != WF_ENOMEM && (err.len == 0 || line == 0))
            abort();
        wf_buf_cleanup(&err);
        return 0;
    }
    if (line != 0)
        abort();
    size_t added = 0, deleted = 0;
    for (size_t i = 0; i < d.n_files; i++) {
        const struct wf_risk_diff_file *f = &d.files[i];
        size_t fa = 0, fd = 0;
        if ((!f->old_path && !f->new_path) || f->line == 0 || f->line > n_lines)
            abort();
        if ((f->status == WF_RISK_DIFF_ADDED) != (f->old_path == NULL) ||
            (f->status == WF_RISK_DIFF_DELETED) != (f->new_path == NULL))
            abort();
        if (f->similarity < -1 || f->similarity > 100)
            abort();
        for (size_t h = 0; h < f->n_hunks; h++) {
            check_hunk(&f->hunks[h]);
            fa += f->hunks[h].added;
            fd += f->hunks[h].deleted;
        }
        if (fa != f->added || fd != f->deleted)
            abort();
        added += fa;
        deleted += fd;
    }
    if (added != d.added || deleted != d.deleted)
        abort();
    wf_risk_diff_cleanup(&d);
    wf_buf_cleanup(&err);
    return 0;
}
