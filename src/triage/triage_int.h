/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the triage module: the pieces the pipeline glues together.
 */
#ifndef WF_TRIAGE_INT_H
#define WF_TRIAGE_INT_H

#include "triage.h"

/* Masks secrets in place-free fashion: appends `s` to `out` with tokens,
 * keys, passwords and credentials in URLs replaced by "[REDACTED]". */
int wf_triage__redact(const char *s, size_t len, struct wf_buf *out);

/* Fills facts, root cause and fix steps of a result whose logs, category
 * and failing step are set. Allocates in r->logs.arena. */
int wf_triage__explain(struct wf_triage_result *r);

#endif
