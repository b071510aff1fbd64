/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The metrics. The set is sorted once by identity, exact duplicates are
 * dropped and each deployment, change and incident is merged from its
 * events; then per service, in time order, changes are linked to the first
 * successful deployment that shipped them, failed deployments to the next
 * success, incidents to the deployment of their root cause and to the
 * deployments that followed them (rework). Samples are collected per bucket
 * and reduced to interpolated medians and 90th percentiles.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dora/dora_int.h"

/* ---- Sort, dedup, merge ------------------------------------------------------ */

#define CMP(a, b)                                                                                  \
    do {                                                                                           \
        if ((a) != (b))                                                                            \
            return (a) < (b) ? -1 : 1;                                                             \
    } while (0)

static int ev_cmp(const void *pa, const void *pb)
{
    const struct wf_dora__ev *a = pa, *b = pb;
    CMP(a->svc, b->svc);
    CMP(a->kind, b->kind);
    CMP(a->key, b->key);
    CMP(a->at_ms, b->at_ms);
    CMP(a->status, b->status);
    CMP(a->resolved_ms, b->resolved_ms);
    CMP(a->env, b->env);
    CMP(a->sha, b->sha);
    CMP(a->rc, b->rc);
    return 0;
}

static int ev_less(const struct wf_dora__ev *a, const struct wf_dora__ev *b)
{
    return ev_cmp(a, b) < 0;
}
WF_DORA__SORT(ev_sort, struct wf_dora__ev, ev_less)

/* Sorts a[0..n), all of one (service, kind), into ev_cmp order: events
 * spread over buckets by the top bits of their key (a few events a
 * bucket, in tmp), each bucket sorted by ev_cmp (it fits in cache), then
 * copied back. Bucket order is key order, so the result is ev_cmp order. */
static void sort_group(struct wf_dora__ev *a, size_t n, struct wf_dora__ev *tmp, size_t *cnt)
{
    int bits = 0;
    while (bits < 16 && (n >> bits) > 4)
        bits++;
    if (!bits || !tmp) {
        ev_sort(a, n);
        return;
    }
    size_t nb = (size_t)1 << bits, sum = 0;
    memset(cnt, 0, (nb + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        cnt[(a[i].key >> (64 - bits)) + 1]++;
    for (size_t b = 0; b <= nb; b++) {
        sum += cnt[b];
        cnt[b] = sum;
    }
    /* cnt[b] is the start of bucket b */
    for (size_t i = 0; i < n; i++)
        tmp[cnt[a[i].key >> (64 - bits)]++] = a[i];
    /* cnt[b] is now its end */
    for (size_t b = 0, from = 0; b < nb; from = cnt[b], b++)
        if (cnt[b] - from > 1)
            ev_sort(tmp + from, cnt[b] - from);
    memcpy(a, tmp, n * sizeof *a);
}

/* ev_cmp order without comparing 10 M records against each other: the
 * events are partitioned in place by (service, kind) (American flag sort:
 * each event moves once, reads and writes stream through one head per
 * group), then each group is sorted by its keys in cache (sort_group). */
static void sort_events(struct wf_dora_set *s)
{
    size_t n = s->n, ng = s->n_names * 3, max = 0;
    size_t *head = wf_calloc(ng + 1, sizeof *head), *end = wf_malloc((ng + 1) * sizeof *end);
    size_t *cnt = wf_malloc(((size_t)65536 + 1) * sizeof *cnt);
    struct wf_dora__ev *a = s->ev, *tmp = NULL;
    if (!head || !end || !cnt) {
        ev_sort(a, n); /* out of memory for the buckets: one comparison sort */
        goto out;
    }
#define GROUP(e) ((size_t)(e)->svc * 3 + (e)->kind)
    for (size_t i = 0; i < n; i++)
        head[GROUP(&a[i]) + 1]++;
    for (size_t g = 0; g < ng; g++) {
        if (head[g + 1] > max)
            max = head[g + 1];
        head[g + 1] += head[g];
    }
    for (size_t g = 0; g < ng; g++)
        end[g] = head[g + 1];
    for (size_t g = 0; g < ng; g++) {
        while (head[g] < end[g]) {
            struct wf_dora__ev e = a[head[g]];
            size_t to = GROUP(&e);
            while (to != g) {
                struct wf_dora__ev t = a[head[to]];
                a[head[to]++] = e;
                e = t;
                to = GROUP(&e);
            }
            a[head[g]++] = e;
        }
    }
#undef GROUP
    tmp = wf_dora__alloc_big((max ? max : 1) * sizeof *tmp); /* NULL: sort_group falls back */
    for (size_t g = 0, from = 0; g < ng; from = end[g], g++)
        if (end[g] - from > 1)
            sort_group(a + from, end[g] - from, tmp, cnt);
out:
    wf_free(head);
    wf_free(end);
    wf_free(cnt);
    wf_free(tmp);
}

static void finalize(struct wf_dora_set *s)
{
    if (s->sorted)
        return;
    if (s->n > 1)
        sort_events(s);
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (w && ev_cmp(&s->ev[w - 1], &s->ev[i]) == 0) {
            s->n_dups++;
            continue;
        }
        s->ev[w++] = s->ev[i];
    }
    s->n = w;
    s->sorted = 1;
}

/* A merged entity. */
struct ent {
    int64_t at_ms;       /* deployment time, change time, incident opened */
    int64_t resolved_ms; /* incident */
    uint64_t sha, rc;
    uint32_t svc;
    uint16_t env;
    uint8_t status;
    uint8_t flag; /* deployment: named as a root cause */
};

static int ent_cmp(const void *pa, const void *pb)
{
    const struct ent *a = pa, *b = pb;
    CMP(a->svc, b->svc);
    CMP(a->at_ms, b->at_ms);
    CMP(a->status, b->status);
    CMP(a->sha, b->sha);
    CMP(a->resolved_ms, b->resolved_ms);
    CMP(a->rc, b->rc);
    return 0;
}

static int ent_less(const struct ent *a, const struct ent *b)
{
    return ent_cmp(a, b) < 0;
}
WF_DORA__SORT(ent_sort, struct ent, ent_less)

struct ents {
    struct ent *deps, *chg, *inc; /* owned, sorted by (svc, at) */
    size_t n_deps, n_chg, n_inc;
};

static void ents_cleanup(struct ents *e)
{
    wf_free(e->deps);
    wf_free(e->chg);
    wf_free(e->inc);
}

/* Sorts a[0..n), all of one service, into ent_cmp order: entities spread
 * over buckets by time (a few a bucket, in tmp), each bucket sorted by
 * ent_cmp in cache, then copied back. Bucket order is time order. */
static void sort_by_time(struct ent *a, size_t n, struct ent *tmp, size_t *cnt)
{
    if (n < 2)
        return;
    int64_t lo = a[0].at_ms, hi = a[0].at_ms;
    for (size_t i = 1; i < n; i++) {
        if (a[i].at_ms < lo)
            lo = a[i].at_ms;
        if (a[i].at_ms > hi)
            hi = a[i].at_ms;
    }
    size_t nb = 1;
    while (nb < 65536 && n / nb > 4)
        nb *= 2;
    int shift = 0;
    uint64_t range = (uint64_t)hi - (uint64_t)lo;
    while ((range >> shift) >= nb)
        shift++;
    if (nb == 1 || !tmp || !range) {
        ent_sort(a, n);
        return;
    }
    size_t sum = 0;
    memset(cnt, 0, (nb + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        cnt[(((uint64_t)a[i].at_ms - (uint64_t)lo) >> shift) + 1]++;
    for (size_t b = 0; b <= nb; b++) {
        sum += cnt[b];
        cnt[b] = sum;
    }
    for (size_t i = 0; i < n; i++)
        tmp[cnt[((uint64_t)a[i].at_ms - (uint64_t)lo) >> shift]++] = a[i];
    for (size_t b = 0, from = 0; b < nb; from = cnt[b], b++)
        if (cnt[b] - from > 1)
            ent_sort(tmp + from, cnt[b] - from);
    memcpy(a, tmp, n * sizeof *a);
}

/* Sorts each service's slice of a[0..n) (grouped by service) by time. */
static int sort_services(struct ent *a, size_t n)
{
    size_t max = 0;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && a[j].svc == a[i].svc; j++)
            ;
        if (j - i > max)
            max = j - i;
    }
    struct ent *tmp = wf_dora__alloc_big((max ? max : 1) * sizeof *tmp);
    size_t *cnt = wf_malloc(((size_t)65536 + 1) * sizeof *cnt);
    if (!tmp || !cnt) {
        wf_free(tmp);
        wf_free(cnt);
        return WF_ENOMEM;
    }
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && a[j].svc == a[i].svc; j++)
            ;
        sort_by_time(a + i, j - i, tmp, cnt);
    }
    wf_free(tmp);
    wf_free(cnt);
    return WF_OK;
}

/* Merges each identity group: a deployment is its latest terminal status
 * (in the wanted environment), a change its earliest time, an incident its
 * earliest open, latest resolution and any root cause. */
static int merge(const struct wf_dora_set *s, long svc, long env, struct ents *out)
{
    memset(out, 0, sizeof *out);
    struct ent *lists[3] = {NULL, NULL, NULL};
    size_t counts[3] = {0, 0, 0}, k, lo = 0, hi = s->n;
    int rc = WF_OK;
    /* events are sorted by (svc, kind, key): a service is one slice */
    if (svc >= 0) {
        size_t l = 0, h = s->n;
        while (l < h) {
            size_t mid = l + (h - l) / 2;
            if (s->ev[mid].svc < (uint32_t)svc)
                l = mid + 1;
            else
                h = mid;
        }
        lo = l;
        for (h = s->n; l < h;) {
            size_t mid = l + (h - l) / 2;
            if (s->ev[mid].svc <= (uint32_t)svc)
                l = mid + 1;
            else
                h = mid;
        }
        hi = l;
    }
    /* at most one entity per event: allocate once (untouched pages cost nothing) */
    for (size_t i = lo; i < hi; i++)
        counts[s->ev[i].kind]++;
    for (int j = 0; j < 3; j++)
        if (!(lists[j] = wf_dora__alloc_big((counts[j] ? counts[j] : 1) * sizeof **lists))) {
            rc = WF_ENOMEM;
            goto fail;
        }
    memset(counts, 0, sizeof counts);
    /* one pass sees each group whole */
    for (size_t i = lo; i < hi; i = k) {
        const struct wf_dora__ev *e = &s->ev[i];
        for (k = i + 1;
             k < hi && s->ev[k].key == e->key && s->ev[k].kind == e->kind && s->ev[k].svc == e->svc;
             k++)
            ;
        int kind = e->kind;
        struct ent x;
        memset(&x, 0, sizeof x);
        x.svc = e->svc;
        int have = 0;
        for (size_t j = i; j < k; j++) {
            const struct wf_dora__ev *f = &s->ev[j];
            if (kind == WF_DORA_DEPLOYMENT) {
                if (f->status == WF_DORA__ST_OTHER || f->env != env)
                    continue;
                /* sorted by time then status: the last terminal one wins */
                x.at_ms = f->at_ms;
                x.status = f->status;
                x.sha = f->sha;
                x.env = f->env;
                have = 1;
            } else if (kind == WF_DORA_CHANGE) {
                if (!have) {
                    x.at_ms = f->at_ms;
                    x.sha = f->sha;
                    have = 1;
                }
            } else {
                if (!have)
                    x.at_ms = f->at_ms;
                have = 1;
                if (f->resolved_ms > x.resolved_ms)
                    x.resolved_ms = f->resolved_ms;
                if (f->rc)
                    x.rc = f->rc;
            }
        }
        if (have)
            lists[kind][counts[kind]++] = x;
    }
    /* everything in time order per service: deployments and incidents are
     * walked, changes too (their lookups then only move forward) */
    for (int j = 0; j < 3; j++)
        if ((rc = sort_services(lists[j], counts[j])) != WF_OK)
            goto fail;
    out->deps = lists[0];
    out->chg = lists[1];
    out->inc = lists[2];
    out->n_deps = counts[0];
    out->n_chg = counts[1];
    out->n_inc = counts[2];
    return WF_OK;
fail:
    for (int j = 0; j < 3; j++)
        wf_free(lists[j]);
    return rc;
}

/* ---- Buckets ------------------------------------------------------------------- */

static int64_t bucket_floor(int64_t local_ms, enum wf_dora_bucket_unit u)
{
    int64_t day = wf_dora__floordiv(local_ms, WF_DORA__DAY_MS);
    if (u == WF_DORA_WEEK)
        day -= (day % 7 + 7 + 3) % 7;
    else if (u == WF_DORA_MONTH) {
        int64_t y;
        unsigned m, d;
        wf_dora__civil_from_days(day, &y, &m, &d);
        day = wf_dora__days_from_civil(y, m, 1);
    }
    return day * WF_DORA__DAY_MS;
}

static int64_t bucket_next(int64_t start_local, enum wf_dora_bucket_unit u)
{
    int64_t day = start_local / WF_DORA__DAY_MS;
    if (u == WF_DORA_DAY)
        return start_local + WF_DORA__DAY_MS;
    if (u == WF_DORA_WEEK)
        return start_local + 7 * WF_DORA__DAY_MS;
    int64_t y;
    unsigned m, d;
    wf_dora__civil_from_days(wf_dora__floordiv(start_local, WF_DORA__DAY_MS), &y, &m, &d);
    (void)day;
    return wf_dora__days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * WF_DORA__DAY_MS;
}

static void bucket_label(int64_t start_local, enum wf_dora_bucket_unit u, char *out, size_t cap)
{
    int64_t days = wf_dora__floordiv(start_local, WF_DORA__DAY_MS), y;
    unsigned m, d;
    if (u == WF_DORA_WEEK) {
        wf_dora__week_label(days, out, cap);
        return;
    }
    wf_dora__civil_from_days(days, &y, &m, &d);
    if (u == WF_DORA_MONTH)
        snprintf(out, cap, "%04lld-%02u", (long long)y, m);
    else
        snprintf(out, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

int64_t wf_dora_query_local_to_utc(const struct wf_dora_query *q, int64_t local_ms)
{
    return q->tz ? wf_dora_tz_local_to_utc(q->tz, local_ms)
                 : local_ms - (int64_t)q->tz_offset_min * 60000;
}

static int64_t to_local(const struct wf_dora_query *q, int64_t utc_ms)
{
    return utc_ms + (q->tz ? (int64_t)wf_dora_tz_offset_s(q->tz, utc_ms) * 1000
                           : (int64_t)q->tz_offset_min * 60000);
}

static int make_buckets(const struct wf_dora_query *q, struct wf_dora_bucket **out, size_t *n_out)
{
    size_t n = 0, cap = 0;
    struct wf_dora_bucket *b = NULL;
    int rc = WF_OK;
    /* boundaries are local midnights; with a named zone a day across a DST
     * change lasts 23 or 25 hours */
    for (int64_t st = bucket_floor(to_local(q, q->since_ms), q->bucket);
         wf_dora_query_local_to_utc(q, st) < q->until_ms; st = bucket_next(st, q->bucket)) {
        if ((rc = wf_grow((void **)&b, &cap, n + 1, sizeof *b, WF_DORA_MAX_BUCKETS)) != WF_OK) {
            wf_free(b);
            return rc;
        }
        memset(&b[n], 0, sizeof b[n]);
        int64_t start = wf_dora_query_local_to_utc(q, st),
                end = wf_dora_query_local_to_utc(q, bucket_next(st, q->bucket));
        b[n].start_ms = start < q->since_ms ? q->since_ms : start;
        b[n].end_ms = end > q->until_ms ? q->until_ms : end;
        bucket_label(st, q->bucket, b[n].label, sizeof b[n].label);
        n++;
    }
    *out = b;
    *n_out = n;
    return WF_OK;
}

/* Bucket of t (inside the window), by binary search over the starts. */
static size_t bucket_of(const struct wf_dora_bucket *b, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (b[mid].start_ms <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ---- Samples and percentiles ----------------------------------------------------- */

struct sample {
    uint32_t b; /* bucket */
    double v;   /* hours */
};

struct samples {
    struct sample *p;
    size_t n, cap;
};

static int sample_add(struct samples *s, size_t b, int64_t ms)
{
    int rc = wf_grow((void **)&s->p, &s->cap, s->n + 1, sizeof *s->p, WF_DORA_MAX_EVENTS);
    if (rc)
        return rc;
    s->p[s->n].b = (uint32_t)b;
    s->p[s->n].v = (double)ms / 3600000.0;
    s->n++;
    return WF_OK;
}

/* The k-th smallest of v[0..n) (quickselect, median of three; reorders v). */
static double select_k(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        double x = v[lo], y = v[lo + (hi - lo) / 2], z = v[hi], p;
        p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p)
                i++;
            while (v[j] > p)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        /* [lo, j] <= p, (j, i) == p, [i, hi] >= p */
        if (k <= j && j != (size_t)-1 && j >= lo)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* Linear interpolation between closest ranks (R-7, NumPy's default):
 * position p * (n - 1) in the sorted values. Reorders v; O(n). */
static double quantile(double *v, size_t n, double p)
{
    if (!n)
        return -1;
    double pos = p * (double)(n - 1);
    size_t i = (size_t)floor(pos);
    double frac = pos - (double)i;
    double a = select_k(v, n, i);
    if (i + 1 >= n || frac == 0)
        return a;
    /* after the selection every value past i is >= a: the next rank is their minimum */
    double b = v[i + 1];
    for (size_t k = i + 2; k < n; k++)
        if (v[k] < b)
            b = v[k];
    return a + (b - a) * frac;
}

/* Fills median (and p90 when off_p90 != 0) per bucket and for the total:
 * values grouped by bucket with a counting sort, then selections, O(n). */
static int reduce(struct samples *s, struct wf_dora_result *r, size_t off_median, size_t off_p90)
{
    size_t nb = r->n_buckets;
    size_t *start = wf_calloc(nb + 1, sizeof *start);
    double *v = wf_dora__alloc_big((s->n ? s->n : 1) * sizeof *v);
    if (!start || !v) {
        wf_free(start);
        wf_free(v);
        return WF_ENOMEM;
    }
    for (size_t i = 0; i < s->n; i++)
        start[s->p[i].b + 1]++;
    for (size_t b = 0; b < nb; b++)
        start[b + 1] += start[b];
    for (size_t i = 0; i < s->n; i++)
        v[start[s->p[i].b]++] = s->p[i].v;
    /* start[b] is now the end of bucket b */
    for (size_t b = 0, from = 0; b < nb; from = start[b], b++) {
        size_t n = start[b] - from;
        if (!n)
            continue;
        struct wf_dora_stats *st = &r->buckets[b].s;
        *(double *)((char *)st + off_median) = quantile(v + from, n, 0.5);
        if (off_p90)
            *(double *)((char *)st + off_p90) = quantile(v + from, n, 0.9);
    }
    *(double *)((char *)&r->total + off_median) = quantile(v, s->n, 0.5);
    if (off_p90)
        *(double *)((char *)&r->total + off_p90) = quantile(v, s->n, 0.9);
    wf_free(start);
    wf_free(v);
    return WF_OK;
}

/* ---- The computation ---------------------------------------------------------------- */

/* sha -> index of its earliest entry: open addressing, keys never 0. */
/* First index of t_ms[0..n) (ascending) with a value >= t (> t when
 * strict). Searching 8-byte times instead of 40-byte entities keeps the
 * search in cache: it runs once per change. */
static size_t lower_t(const int64_t *t_ms, size_t n, int64_t t, int strict)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t_ms[mid] < t || (strict && t_ms[mid] == t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct shamap {
    uint64_t *k;
    uint32_t *v;
    size_t mask;
};

static int shamap_init(struct shamap *m, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    m->k = wf_calloc(cap, sizeof *m->k);
    m->v = wf_malloc(cap * sizeof *m->v);
    m->mask = cap - 1;
    return m->k && m->v ? WF_OK : WF_ENOMEM;
}

static void shamap_cleanup(struct shamap *m)
{
    wf_free(m->k);
    wf_free(m->v);
}

/* Keeps the first index put for a sha (callers put in time order). */
static void shamap_put_first(struct shamap *m, uint64_t sha, size_t i)
{
    size_t h = (size_t)(sha * 0x9e3779b97f4a7c15ULL >> 20) & m->mask;
    while (m->k[h] && m->k[h] != sha)
        h = (h + 1) & m->mask;
    if (!m->k[h]) {
        m->k[h] = sha;
        m->v[h] = (uint32_t)i;
    }
}

static size_t shamap_get(const struct shamap *m, uint64_t sha)
{
    size_t h = (size_t)(sha * 0x9e3779b97f4a7c15ULL >> 20) & m->mask;
    while (m->k[h]) {
        if (m->k[h] == sha)
            return m->v[h];
        h = (h + 1) & m->mask;
    }
    return (size_t)-1;
}

/* The successful deployment (index into the n successes) that first
 * shipped a change with sha, given i, the earliest success at or after the
 * change: that one, or an earlier one that deployed exactly this sha (clock
 * skew). (size_t)-1 when none. */
static size_t shipped_from(size_t i, size_t n, const struct shamap *x, uint64_t sha)
{
    size_t best = i < n ? i : (size_t)-1;
    size_t m = sha ? shamap_get(x, sha) : (size_t)-1;
    if (m != (size_t)-1 && (best == (size_t)-1 || m < best))
        best = m;
    return best;
}

/* shipped_from for a change at t (binary search over the success times). */
static size_t shipped_by(const int64_t *t_ms, size_t n, const struct shamap *x, int64_t t,
                         uint64_t sha)
{
    return shipped_from(lower_t(t_ms, n, t, 0), n, x, sha);
}

struct ctx {
    const struct wf_dora_query *q;
    struct wf_dora_result *r;
    struct samples lead, recov, restore;
    int64_t rework_ms;
};

static int in_window(const struct ctx *c, int64_t t)
{
    return t >= c->q->since_ms && t < c->q->until_ms;
}

/* One service: deps/chg/inc slices of that service (deps and inc time-ordered). */
static int one_service(struct ctx *c, struct ent *dall, size_t d0, size_t d1, const struct ent *ch,
                       size_t nch, const struct ent *inc, size_t ninc)
{
    struct wf_dora_result *r = c->r;
    int rc = WF_OK;
    /* successes only, in time order, for linking */
    size_t ns = 0;
    for (size_t i = d0; i < d1; i++)
        ns += dall[i].status == WF_DORA__ST_SUCCESS;
    size_t nrc = 0;
    for (size_t i = 0; i < ninc; i++)
        nrc += inc[i].rc != 0;
    /* success times, whether named as a root cause, sha -> first success;
     * rcs: the root causes named, cx: sha -> change, for those shas only */
    int64_t *okt = wf_malloc((ns ? ns : 1) * sizeof *okt);
    uint8_t *named = wf_calloc(ns ? ns : 1, 1);
    struct shamap x = {0}, cx = {0}, rcs = {0};
    if (!okt || !named || shamap_init(&x, ns) != WF_OK || shamap_init(&cx, nrc) != WF_OK ||
        shamap_init(&rcs, nrc) != WF_OK) {
        rc = WF_ENOMEM;
        goto out;
    }
    ns = 0;
    for (size_t i = d0; i < d1; i++)
        if (dall[i].status == WF_DORA__ST_SUCCESS) {
            if (dall[i].sha)
                shamap_put_first(&x, dall[i].sha, ns);
            okt[ns++] = dall[i].at_ms;
        }
    for (size_t i = 0; i < ninc; i++)
        if (inc[i].rc)
            shamap_put_first(&rcs, inc[i].rc, i);
    /* a service's changes have distinct shas: a change's identity is its sha */
    for (size_t i = 0; nrc && i < nch; i++)
        if (ch[i].sha && shamap_get(&rcs, ch[i].sha) != (size_t)-1)
            shamap_put_first(&cx, ch[i].sha, i);

    /* deployments, failures and their recovery; everything is in time
     * order, so the searches below are pointers that only move forward */
    size_t kinc = 0, kok = 0;
    for (size_t i = d0; i < d1; i++) {
        const struct ent *d = &dall[i];
        if (!in_window(c, d->at_ms))
            continue;
        size_t b = bucket_of(r->buckets, r->n_buckets, d->at_ms);
        struct wf_dora_stats *st = &r->buckets[b].s;
        if (d->status == WF_DORA__ST_SUCCESS) {
            st->deploys++;
            r->total.deploys++;
            /* rework: the latest incident opened at or before it, within the window */
            while (kinc < ninc && inc[kinc].at_ms <= d->at_ms)
                kinc++;
            size_t k = kinc;
            if (k > 0 && d->at_ms - inc[k - 1].at_ms <= c->rework_ms) {
                st->rework++;
                r->total.rework++;
            }
        } else {
            st->failed++;
            r->total.failed++;
            while (kok < ns && okt[kok] <= d->at_ms)
                kok++;
            size_t k = kok;
            if (k < ns) {
                st->recovered++;
                r->total.recovered++;
                if ((rc = sample_add(&c->recov, b, okt[k] - d->at_ms)) != WF_OK)
                    goto out;
            }
        }
    }
    /* lead time: bucketed by the deployment that shipped the change */
    kok = 0;
    for (size_t i = 0; i < nch; i++) {
        while (kok < ns && okt[kok] < ch[i].at_ms)
            kok++;
        size_t k = shipped_from(kok, ns, &x, ch[i].sha);
        if (k == (size_t)-1 || !in_window(c, okt[k]))
            continue;
        size_t b = bucket_of(r->buckets, r->n_buckets, okt[k]);
        int64_t lead = okt[k] - ch[i].at_ms;
        r->buckets[b].s.changes++;
        r->total.changes++;
        if ((rc = sample_add(&c->lead, b, lead > 0 ? lead : 0)) != WF_OK)
            goto out;
    }
    /* incidents: restore time, and the deployment of their root cause */
    for (size_t i = 0; i < ninc; i++) {
        const struct ent *n = &inc[i];
        if (n->rc) {
            size_t m = shamap_get(&cx, n->rc);
            size_t k = m != (size_t)-1 ? shipped_by(okt, ns, &x, ch[m].at_ms, n->rc)
                                       : shamap_get(&x, n->rc);
            if (k != (size_t)-1 && !named[k] && okt[k] <= n->at_ms) {
                named[k] = 1;
                if (in_window(c, okt[k])) {
                    r->buckets[bucket_of(r->buckets, r->n_buckets, okt[k])].s.caused_incident++;
                    r->total.caused_incident++;
                }
            }
        }
        if (!in_window(c, n->at_ms))
            continue;
        size_t b = bucket_of(r->buckets, r->n_buckets, n->at_ms);
        r->buckets[b].s.incidents++;
        r->total.incidents++;
        if (n->resolved_ms >= n->at_ms) {
            r->buckets[b].s.restored++;
            r->total.restored++;
            if ((rc = sample_add(&c->restore, b, n->resolved_ms - n->at_ms)) != WF_OK)
                goto out;
        }
    }
out:
    wf_free(okt);
    wf_free(named);
    shamap_cleanup(&x);
    shamap_cleanup(&cx);
    shamap_cleanup(&rcs);
    return rc;
}

static void rates(struct wf_dora_stats *s, int64_t start, int64_t end)
{
    double days = (double)(end - start) / (double)WF_DORA__DAY_MS;
    s->deploys_per_day = days > 0 ? (double)s->deploys / days : -1;
    int64_t all = s->deploys + s->failed;
    s->change_failure_rate = all ? (double)(s->failed + s->caused_incident) / (double)all : -1;
    s->rework_rate = s->deploys ? (double)s->rework / (double)s->deploys : -1;
}

static void stats_init(struct wf_dora_stats *s)
{
    memset(s, 0, sizeof *s);
    s->lead_median_h = s->lead_p90_h = s->recovery_median_h = s->restore_median_h = -1;
}

int wf_dora_compute(struct wf_dora_set *s, const struct wf_dora_query *q,
                    struct wf_dora_result *out)
{
    if (!s || !q || !out || q->since_ms >= q->until_ms || q->tz_offset_min < -14 * 60 ||
        q->tz_offset_min > 14 * 60 || q->rework_window_ms < 0)
        return WF_EINVAL;
    struct wf_dora_tiers probe;
    struct wf_dora_stats none;
    stats_init(&none);
    if (wf_dora_tiers_of(&none, q->tier_year, &probe) != WF_OK)
        return WF_EINVAL;
    finalize(s);
    struct wf_dora_result r;
    memset(&r, 0, sizeof r);
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.q = q;
    c.r = &r;
    c.rework_ms = q->rework_window_ms ? q->rework_window_ms : WF_DORA_REWORK_WINDOW_MS;
    struct ents e;
    memset(&e, 0, sizeof e);
    int rc = make_buckets(q, &r.buckets, &r.n_buckets);
    if (rc)
        return rc;
    stats_init(&r.total);
    for (size_t i = 0; i < r.n_buckets; i++)
        stats_init(&r.buckets[i].s);
    long svc = -1;
    if (q->service && q->service[0]) {
        svc = wf_dora__name_find(s, q->service, 0);
        if (svc <= 0)
            goto done; /* unknown service: nothing to count */
    }
    long env = wf_dora__name_find(s, q->env ? q->env : "production", 1);
    if (env < 0)
        env = 0x10000; /* matches no deployment */
    if ((rc = merge(s, svc, env, &e)) != WF_OK)
        goto fail;
    /* at most one sample per change, failed deployment, incident */
    c.lead.cap = e.n_chg;
    c.recov.cap = e.n_deps;
    c.restore.cap = e.n_inc;
    if ((c.lead.cap && !(c.lead.p = wf_dora__alloc_big(c.lead.cap * sizeof *c.lead.p))) ||
        (c.recov.cap && !(c.recov.p = wf_dora__alloc_big(c.recov.cap * sizeof *c.recov.p))) ||
        (c.restore.cap &&
         !(c.restore.p = wf_dora__alloc_big(c.restore.cap * sizeof *c.restore.p)))) {
        rc = WF_ENOMEM;
        goto fail;
    }
    for (size_t d = 0, ci = 0, ii = 0; d < e.n_deps || ci < e.n_chg || ii < e.n_inc;) {
        uint32_t cur = UINT32_MAX;
        if (d < e.n_deps && e.deps[d].svc < cur)
            cur = e.deps[d].svc;
        if (ci < e.n_chg && e.chg[ci].svc < cur)
            cur = e.chg[ci].svc;
        if (ii < e.n_inc && e.inc[ii].svc < cur)
            cur = e.inc[ii].svc;
        size_t d1 = d, c1 = ci, i1 = ii;
        while (d1 < e.n_deps && e.deps[d1].svc == cur)
            d1++;
        while (c1 < e.n_chg && e.chg[c1].svc == cur)
            c1++;
        while (i1 < e.n_inc && e.inc[i1].svc == cur)
            i1++;
        if ((rc = one_service(&c, e.deps, d, d1, e.chg + ci, c1 - ci, e.inc + ii, i1 - ii)) !=
            WF_OK)
            goto fail;
        d = d1;
        ci = c1;
        ii = i1;
    }
    if ((rc = reduce(&c.lead, &r, offsetof(struct wf_dora_stats, lead_median_h),
                     offsetof(struct wf_dora_stats, lead_p90_h))) != WF_OK ||
        (rc = reduce(&c.recov, &r, offsetof(struct wf_dora_stats, recovery_median_h), 0)) !=
            WF_OK ||
        (rc = reduce(&c.restore, &r, offsetof(struct wf_dora_stats, restore_median_h), 0)) != WF_OK)
        goto fail;
done:
    for (size_t i = 0; i < r.n_buckets; i++)
        rates(&r.buckets[i].s, r.buckets[i].start_ms, r.buckets[i].end_ms);
    rates(&r.total, q->since_ms, q->until_ms);
    wf_dora_tiers_of(&r.total, q->tier_year, &r.tiers);
    r.n_events = s->n;
    r.n_duplicates = s->n_dups;
    ents_cleanup(&e);
    wf_free(c.lead.p);
    wf_free(c.recov.p);
    wf_free(c.restore.p);
    *out = r;
    return WF_OK;
fail:
    ents_cleanup(&e);
    wf_free(c.lead.p);
    wf_free(c.recov.p);
    wf_free(c.restore.p);
    wf_free(r.buckets);
    return rc;
}

void wf_dora_result_cleanup(struct wf_dora_result *r)
{
    if (!r)
        return;
    wf_free(r->buckets);
    r->buckets = NULL;
    r->n_buckets = 0;
}

/* ---- Tiers ------------------------------------------------------------------------ */

/* Upper bounds of elite, high and medium for each metric; a value past the
 * medium bound is low. Deployment frequency is the other way round (lower
 * bounds, deploys per day). Source: Google Cloud / DORA, "Accelerate State
 * of DevOps Report 2023", section "How do you compare?" (software delivery
 * performance clusters): elite = on demand (multiple deploys per day), lead
 * time < 1 day, change failure rate 5 %, recovery < 1 hour; high = once per
 * day to once per week, 1 day to 1 week, 10 %, < 1 day; medium = once per
 * week to once per month, 1 week to 1 month, 15 %, 1 day to 1 week; low =
 * anything past medium. */
struct tier_table {
    int year;
    double df_min[3];  /* deploys per day: elite, high, medium (>=) */
    double lead_h[3];  /* hours (<) for elite, (<=) high, medium */
    double cfr[3];     /* (<=) */
    double recov_h[3]; /* (<) elite, (<) high, (<=) medium */
};

static const struct tier_table tables[] = {
    {2023, {1.0, 1.0 / 7, 1.0 / 30}, {24, 24 * 7, 24 * 30}, {0.05, 0.10, 0.15}, {1, 24, 24 * 7}},
};

static const int years[] = {2023, 0};

const int *wf_dora_tier_years(void)
{
    return years;
}

const char *wf_dora_tier_name(enum wf_dora_tier t)
{
    static const char *const n[] = {"none", "low", "medium", "high", "elite"};
    return (unsigned)t < 5 ? n[t] : "none";
}

static enum wf_dora_tier lower_better(double v, const double b[3], int elite_strict)
{
    if (v < 0)
        return WF_DORA_TIER_NONE;
    if (elite_strict ? v < b[0] : v <= b[0])
        return WF_DORA_TIER_ELITE;
    if (v <= b[1])
        return WF_DORA_TIER_HIGH;
    if (v <= b[2])
        return WF_DORA_TIER_MEDIUM;
    return WF_DORA_TIER_LOW;
}

int wf_dora_tiers_of(const struct wf_dora_stats *st, int year, struct wf_dora_tiers *out)
{
    const struct tier_table *t = NULL;
    if (!year)
        year = 2023;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (tables[i].year == year)
            t = &tables[i];
    if (!t || !st || !out)
        return WF_EINVAL;
    double df = st->deploys_per_day;
    if (df < 0 || st->deploys + st->failed == 0)
        out->deploy_frequency = WF_DORA_TIER_NONE;
    else if (df >= t->df_min[0])
        out->deploy_frequency = WF_DORA_TIER_ELITE;
    else if (df >= t->df_min[1])
        out->deploy_frequency = WF_DORA_TIER_HIGH;
    else if (df >= t->df_min[2])
        out->deploy_frequency = WF_DORA_TIER_MEDIUM;
    else
        out->deploy_frequency = WF_DORA_TIER_LOW;
    out->lead_time = lower_better(st->lead_median_h, t->lead_h, 1);
    out->change_failure_rate = lower_better(st->change_failure_rate, t->cfr, 0);
    /* recovery: failed deployment recovery time, else incident restore time */
    double rec = st->recovery_median_h >= 0 ? st->recovery_median_h : st->restore_median_h;
    out->recovery_time = lower_better(rec, t->recov_h, 1);
    enum wf_dora_tier all[4] = {out->deploy_frequency, out->lead_time, out->change_failure_rate,
                                out->recovery_time};
    out->overall = WF_DORA_TIER_NONE;
    for (int i = 0; i < 4; i++)
        if (all[i] != WF_DORA_TIER_NONE &&
            (out->overall == WF_DORA_TIER_NONE || all[i] < out->overall))
            out->overall = all[i];
    return WF_OK;
}
