/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: names of query modes and fusion methods.
 */
#include "search/search.h"

#include <string.h>

int wf_search_mode_parse(const char *s, enum wf_search_mode *out)
{
    if (s && strcmp(s, "keyword") == 0)
        *out = WF_SEARCH_KEYWORD;
    else if (s && strcmp(s, "semantic") == 0)
        *out = WF_SEARCH_SEMANTIC;
    else if (s && strcmp(s, "hybrid") == 0)
        *out = WF_SEARCH_HYBRID;
    else
        return WF_EINVAL;
    return WF_OK;
}

const char *wf_search_mode_name(enum wf_search_mode m)
{
    static const char *const names[] = {"keyword", "semantic", "hybrid"};
    return (unsigned)m < 3 ? names[m] : "unknown";
}

int wf_search_fusion_parse(const char *s, enum wf_search_fusion *out)
{
    if (s && strcmp(s, "rrf") == 0)
        *out = WF_FUSION_RRF;
    else if (s && strcmp(s, "weighted") == 0)
        *out = WF_FUSION_WEIGHTED;
    else
        return WF_EINVAL;
    return WF_OK;
}

const char *wf_search_fusion_name(enum wf_search_fusion f)
{
    return f == WF_FUSION_WEIGHTED ? "weighted" : "rrf";
}
