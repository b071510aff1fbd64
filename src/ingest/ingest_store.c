/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hand-off from a normalized batch to the store: one wf_store_ingest
 * call, so the delivery record, its events, the build/job state upserts and
 * any triage jobs commit (and fsync) together or not at all. The
 * asynchronous form keeps the converted request alive until the commit's
 * callback. Kept alone in this file so the normalizers and their tests do
 * not need the store.
 */
#include "ingest_int.h"

#include <stdlib.h>
#include <string.h>

/* The store request of a batch, with the storage it points into. */
struct prepared {
    struct wf_store_ingest_req req;
    struct wf_store_event *evs;
    char **texts; /* serialized data of each event (jansson: malloc) */
    size_t n;
    wf_store_ingest_done_fn done; /* async only */
    void *ud;
};

static void prepared_free(struct prepared *p)
{
    for (size_t i = 0; p->texts && i < p->n; i++)
        free(p->texts[i]); /* json_dumps allocates with jansson's allocator: malloc */
    wf_free(p->texts);
    wf_free(p->evs);
}

static int prepare(const char *tenant, const char *delivery, const struct wf_ingest_batch *b,
                   struct prepared *p)
{
    memset(p, 0, sizeof(*p));
    if (!tenant || !tenant[0] || !delivery || !delivery[0] || !b)
        return WF_EINVAL;
    if (strlen(tenant) >= WF_LIMIT_ID_BYTES || strlen(delivery) >= WF_LIMIT_ID_BYTES)
        return WF_ETOOBIG;
    size_t n = b->n_events;
    if (n) {
        p->evs = wf_calloc(n, sizeof(*p->evs));
        p->texts = wf_calloc(n, sizeof(*p->texts));
        if (!p->evs || !p->texts) {
            prepared_free(p);
            return WF_ENOMEM;
        }
        p->n = n;
    }
    for (size_t i = 0; i < n; i++) {
        const struct wf_ingest_event *e = &b->events[i];
        p->texts[i] = json_dumps(e->data, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (!p->texts[i]) {
            prepared_free(p);
            return WF_ENOMEM;
        }
        p->evs[i] = (struct wf_store_event){
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
            .data_json = p->texts[i],
        };
    }
    p->req = (struct wf_store_ingest_req){
        .tenant = tenant,
        .provider = wf_ingest_provider_name(b->provider),
        .delivery = delivery,
        .events = p->evs,
        .n_events = n,
        .received_ms = wf_store_now_ms(),
        .enqueue_failed_jobs = 1,
        .enqueue_pr_reviews = 1,
    };
    return WF_OK;
}

int wf_ingest_store(struct wf_store *st, const char *tenant, const char *delivery,
                    const struct wf_ingest_batch *b, struct wf_store_ingest_result *out)
{
    struct prepared p;
    if (!st || !out)
        return WF_EINVAL;
    int rc = prepare(tenant, delivery, b, &p);
    if (rc)
        return rc;
    rc = wf_store_ingest(st, &p.req, out);
    prepared_free(&p);
    return rc;
}

static void async_done(void *ud, int rc, const struct wf_store_ingest_result *res)
{
    struct prepared *p = ud;
    p->done(p->ud, rc, res);
    prepared_free(p);
    wf_free(p);
}

int wf_ingest_store_async(struct wf_store *st, const char *tenant, const char *delivery,
                          const struct wf_ingest_batch *b, wf_store_ingest_done_fn done, void *ud)
{
    if (!st || !done)
        return WF_EINVAL;
    struct prepared *p = wf_malloc(sizeof(*p));
    if (!p)
        return WF_ENOMEM;
    int rc = prepare(tenant, delivery, b, p);
    if (rc) {
        wf_free(p);
        return rc;
    }
    p->done = done;
    p->ud = ud;
    rc = wf_store_ingest_async(st, &p->req, async_done, p);
    if (rc) {
        prepared_free(p);
        wf_free(p);
    }
    return rc;
}
