/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hand-off from a normalized batch to the store: one wf_store_ingest
 * call, so the delivery record, its events, the build/job state upserts and
 * any triage jobs commit (and fsync) together or not at all. Kept alone in
 * this file so the normalizers and their tests do not need the store.
 */
#include "ingest_int.h"

#include <stdlib.h>
#include <string.h>

int wf_ingest_store(struct wf_store *st, const char *tenant, const char *delivery,
                    const struct wf_ingest_batch *b, struct wf_store_ingest_result *out)
{
    struct wf_store_event *evs = NULL;
    char **texts = NULL;
    int rc = WF_OK;
    size_t n = b ? b->n_events : 0, i;

    if (!st || !tenant || !tenant[0] || !delivery || !delivery[0] || !b || !out)
        return WF_EINVAL;
    if (strlen(tenant) >= WF_LIMIT_ID_BYTES || strlen(delivery) >= WF_LIMIT_ID_BYTES)
        return WF_ETOOBIG;
    if (n) {
        evs = wf_calloc(n, sizeof(*evs));
        texts = wf_calloc(n, sizeof(*texts));
        if (!evs || !texts) {
            rc = WF_ENOMEM;
            goto out;
        }
    }
    for (i = 0; i < n; i++) {
        const struct wf_ingest_event *e = &b->events[i];
        texts[i] = json_dumps(e->data, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (!texts[i]) {
            rc = WF_ENOMEM;
            goto out;
        }
        evs[i] = (struct wf_store_event){
            .kind = wf_ingest_kind_name(e->kind),
            .action = e->action,
            .repo = e->repo,
            .branch = e->branch,
            .sha = e->sha,
            .external_id = e->external_id,
            .parent_id = e->parent_id,
            .name = e->name,
            .status = e->status,
            .conclusion = e->conclusion,
            .url = e->url,
            .occurred_ms = e->occurred_ms,
            .data_json = texts[i],
        };
    }
    struct wf_store_ingest_req req = {
        .tenant = tenant,
        .provider = wf_ingest_provider_name(b->provider),
        .delivery = delivery,
        .events = evs,
        .n_events = n,
        .received_ms = wf_store_now_ms(),
        .enqueue_failed_jobs = 1,
    };
    rc = wf_store_ingest(st, &req, out);
out:
    for (i = 0; texts && i < n; i++)
        free(texts[i]); /* json_dumps allocates with jansson's allocator: malloc */
    wf_free(texts);
    wf_free(evs);
    return rc;
}
