/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the triage module: the pieces the pipeline glues together.
 */
#ifndef WF_TRIAGE_INT_H
#define WF_TRIAGE_INT_H

#include "triage.h"

/* Fills facts, root cause and fix steps of a result whose logs, category
 * and failing step are set. Allocates in r->logs.arena. */
int wf_triage__explain(struct wf_triage_result *r);

#endif
