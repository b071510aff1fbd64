/* SPDX-License-Identifier: Apache-2.0 */
/*
 * web's private header: the table generated from src/web/static by
 * scripts/web_embed.cmake (build/<type>/generated/web_assets.c).
 */
#ifndef WF_WEB_INT_H
#define WF_WEB_INT_H

#include "web/web.h"

extern const struct wf_web_file wf_web__files[]; /* sorted by name */
extern const size_t wf_web__n_files;

#endif
