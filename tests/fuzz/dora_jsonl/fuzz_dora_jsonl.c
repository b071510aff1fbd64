/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for DORA event input: JSONL from `workflowai dora
 * --events` (wf_dora_add_json), then the metric engine over whatever was
 * accepted. Any bytes get a clean accept or a WF_EFORMAT per line; the
 * metrics are finite, counts never negative, rates within [0, 1]; and
 * feeding the same lines twice changes no number (duplicates never count).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dora/dora.h"

#include "../fuzz_check.h"

static void feed(struct wf_dora_set *s, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (p + i)) : n - i;
        int added = 0;
        int rc = wf_dora_add_json(s, p + i, len, &added, NULL);
        CHECK(rc == WF_OK || rc == WF_EFORMAT || rc == WF_ETOOBIG);
        i += len + 1;
    }
}

static void check_stats(const struct wf_dora_stats *st)
{
    CHECK(st->deploys >= 0 && st->failed >= 0 && st->changes >= 0 && st->incidents >= 0);
    CHECK(st->restored <= st->incidents && st->recovered <= st->failed);
    CHECK(isfinite(st->deploys_per_day) && st->deploys_per_day >= 0);
    double rates[] = {st->change_failure_rate, st->rework_rate};
    for (size_t i = 0; i < 2; i++)
        CHECK(rates[i] == -1 || (rates[i] >= 0 && isfinite(rates[i])));
    CHECK(st->change_failure_rate <= 1.0);
    double hours[] = {st->lead_median_h, st->lead_p90_h, st->recovery_median_h,
                      st->restore_median_h};
    for (size_t i = 0; i < 4; i++)
        CHECK(hours[i] == -1 || (hours[i] >= 0 && isfinite(hours[i])));
}

static int compute(struct wf_dora_set *s, struct wf_dora_result *r)
{
    struct wf_dora_query q;
    memset(&q, 0, sizeof(q));
    q.since_ms = 1735689600000LL; /* 2025-01-01 */
    q.until_ms = 1798761600000LL; /* 2027-01-01 */
    q.bucket = WF_DORA_WEEK;
    return wf_dora_compute(s, &q, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    struct wf_dora_set *a = NULL, *b = NULL;
    if (wf_dora_set_new(&a) != WF_OK || wf_dora_set_new(&b) != WF_OK) {
        wf_dora_set_free(a);
        wf_dora_set_free(b);
        return 0;
    }
    feed(a, (const char *)data, size);
    feed(b, (const char *)data, size);
    feed(b, (const char *)data, size); /* every event twice */
    struct wf_dora_result ra, rb;
    int rc_a = compute(a, &ra), rc_b = compute(b, &rb);
    CHECK(rc_a == rc_b);
    if (rc_a == WF_OK) {
        check_stats(&ra.total);
        for (size_t i = 0; i < ra.n_buckets; i++)
            check_stats(&ra.buckets[i].s);
        CHECK(ra.n_events == rb.n_events && ra.n_buckets == rb.n_buckets);
        CHECK(memcmp(&ra.total, &rb.total, sizeof(ra.total)) == 0);
        wf_dora_result_cleanup(&ra);
        wf_dora_result_cleanup(&rb);
    }
    wf_dora_set_free(a);
    wf_dora_set_free(b);
    return 0;
}
