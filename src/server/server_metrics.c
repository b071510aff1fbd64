/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Prometheus metrics registry: one table of every metric the service
 * exports (name, type, label, help), series created on first use, and the
 * text exposition format 0.0.4 for GET /metrics. Series live in a
 * fixed-size open-addressing table per metric that readers probe without a
 * lock (slots are only ever filled, never moved or emptied), so the HTTP
 * hot path is a hash, a probe and a few relaxed atomic adds; only the first
 * use of a label value takes the metric's mutex.
 */
#include "server/server_int.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

/* Label value sets per metric; the next new value is counted as "other". */
#define METRICS_MAX_SERIES 1000u
#define METRICS_SLOTS 2048u /* power of two > METRICS_MAX_SERIES + 1 */
/* Label values longer than this are counted as "other", too. */
#define METRICS_MAX_VALUE_BYTES (WF_LIMIT_ID_BYTES - 1)
#define METRICS_OTHER "other"

_Static_assert(METRICS_SLOTS > METRICS_MAX_SERIES + 1, "probe must always find an empty slot");
_Static_assert((METRICS_SLOTS & (METRICS_SLOTS - 1)) == 0, "slots must be a power of two");

enum mtype { M_COUNTER, M_GAUGE, M_HISTOGRAM };

/* Who feeds a metric: the generic calls, or only wf_server__metrics_http
 * (which owns the route/method/status label sets). */
enum mfeed { FEED_API, FEED_HTTP_COUNT, FEED_HTTP_DURATION };

struct mdef {
    const char *name;
    enum mtype type;
    const char *label; /* the one label name, NULL for none */
    enum mfeed feed;
    const char *help;
};

/* Every metric the service exports. A new metric is one row here. */
static const struct mdef defs[] = {
    {"workflowai_http_requests_total", M_COUNTER, "route,method,status", FEED_HTTP_COUNT,
     "HTTP responses sent, by route template, method and status code."},
    {"workflowai_http_request_duration_seconds", M_HISTOGRAM, "route", FEED_HTTP_DURATION,
     "Time from the end of a request to its response, by route template."},
    {"workflowai_ingest_deliveries_total", M_COUNTER, "provider", FEED_API,
     "Webhook deliveries accepted, by provider."},
    {"workflowai_ingest_duplicates_total", M_COUNTER, "provider", FEED_API,
     "Webhook deliveries already seen (same delivery id), by provider."},
    {"workflowai_ingest_events_total", M_COUNTER, "kind", FEED_API,
     "Events extracted from deliveries, by kind."},
    {"workflowai_ingest_rejected_total", M_COUNTER, "reason", FEED_API,
     "Webhook deliveries refused, by reason."},
    {"workflowai_queue_depth", M_GAUGE, "state", FEED_API, "Jobs in the queue, by state."},
    {"workflowai_triage_duration_seconds", M_HISTOGRAM, NULL, FEED_API,
     "Time spent triaging one build log."},
    {"workflowai_triage_total", M_COUNTER, "category", FEED_API,
     "Build logs triaged, by failure category."},
    {"workflowai_jobs_total", M_COUNTER, "result", FEED_API,
     "Jobs finished, by result (done, retry, dead)."},
    {"workflowai_store_commits_total", M_COUNTER, NULL, FEED_API, "Store transactions committed."},
    {"workflowai_store_writes_total", M_COUNTER, NULL, FEED_API, "Rows written to the store."},
    {"workflowai_rate_limited_total", M_COUNTER, NULL, FEED_API,
     "Requests refused by a rate limit."},
    {"workflowai_dora_deployments_per_day", M_GAUGE, "tenant", FEED_API,
     "Successful production deployments per day over the last 30 days (docs/dora.md)."},
    {"workflowai_dora_lead_time_hours", M_GAUGE, "tenant", FEED_API,
     "Median lead time for changes over the last 30 days, hours."},
    {"workflowai_dora_change_failure_rate", M_GAUGE, "tenant", FEED_API,
     "Change failure rate over the last 30 days (0..1)."},
    {"workflowai_dora_time_to_restore_hours", M_GAUGE, "tenant", FEED_API,
     "Median time to restore service over the last 30 days, hours."},
    {"workflowai_dora_rework_rate", M_GAUGE, "tenant", FEED_API,
     "Share of deployments that were rework after an incident, last 30 days (0..1)."},
    {"workflowai_feedback_total", M_COUNTER, "kind", FEED_API,
     "Feedback labels stored, by kind (category, helpful, resolution, pr_outcome)."},
    {"workflowai_model_drift_psi", M_GAUGE, "tenant,kind,feature", FEED_API,
     "Population stability index of a feature of recent failures against the active model's "
     "training set (category_js: Jensen-Shannon divergence of predicted categories)."},
    {"workflowai_model_recent_accuracy", M_GAUGE, "tenant,kind", FEED_API,
     "Share of failures labelled in the last 30 days whose triage-time category was right."},
    {"workflowai_model_version", M_GAUGE, "tenant,kind", FEED_API,
     "Active model version per tenant and kind (0: the bundled model)."},
    {"workflowai_build_info", M_GAUGE, "version", FEED_API,
     "Always 1; the label carries the version of the running binary."},
};
#define N_DEFS (sizeof(defs) / sizeof(defs[0]))
#define DEF_HTTP_COUNT 0
#define DEF_HTTP_DURATION 1

/* Histogram upper bounds in nanoseconds and as exposed in le="...". */
static const uint64_t bucket_ns[] = {
    500000,    1000000,   2500000,   5000000,    10000000,   25000000,   50000000,
    100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};
static const char *const bucket_le[] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10",
};
#define N_BUCKETS (sizeof(bucket_ns) / sizeof(bucket_ns[0]))
_Static_assert(sizeof(bucket_le) / sizeof(bucket_le[0]) == N_BUCKETS, "one le per bound");

struct series {
    uint64_t hash;
    char *key;                  /* owned raw label values, NUL-separated; "" when unlabeled */
    size_t key_len;             /* bytes of key */
    char *labels;               /* owned, escaped label pairs without braces; "" when unlabeled */
    _Atomic uint64_t value;     /* counter, or the bits of a gauge's double */
    _Atomic uint64_t sum_ns;    /* histogram: sum of observations */
    _Atomic uint64_t buckets[]; /* histogram: N_BUCKETS + 1 non-cumulative counts */
};

struct metric {
    const struct mdef *def;
    pthread_mutex_t mu;                          /* serializes series creation */
    _Atomic(struct series *) *slots;             /* owned, METRICS_SLOTS; NULL when unlabeled */
    struct series *list[METRICS_MAX_SERIES + 1]; /* creation order, for render */
    _Atomic size_t n;                            /* series in list */
};

struct wf_server__metrics {
    struct metric m[N_DEFS];
    uint64_t seed; /* random per registry: label values cannot aim at a chain */
};

/* ---- Series ------------------------------------------------------------- */

static int put_escaped(struct wf_buf *b, const char *s, size_t len)
{
    int rc = WF_OK;
    for (size_t i = 0; i < len && !rc; i++) {
        if (s[i] == '\\')
            rc = wf_buf_puts(b, "\\\\");
        else if (s[i] == '"')
            rc = wf_buf_puts(b, "\\\"");
        else if (s[i] == '\n')
            rc = wf_buf_puts(b, "\\n");
        else
            rc = wf_buf_putc(b, s[i]);
    }
    return rc;
}

/* New series for key (n_values NUL-separated values, named by the def's
 * comma-separated label names). NULL on ENOMEM. */
static struct series *series_new(const struct mdef *d, const char *key, size_t key_len, uint64_t h)
{
    size_t extra = d->type == M_HISTOGRAM ? (N_BUCKETS + 1) * sizeof(_Atomic uint64_t) : 0;
    struct series *s = wf_calloc(1, sizeof(*s) + extra);
    struct wf_buf lb;
    int rc = WF_OK;
    wf_buf_init(&lb, 4 * 1024);
    if (!s)
        goto fail;
    s->hash = h;
    s->key = wf_strndup(key, key_len);
    s->key_len = key_len;
    if (!s->key)
        goto fail;
    const char *names = d->label, *v = key, *kend = key + key_len;
    while (names && !rc) {
        const char *comma = strchr(names, ',');
        size_t nlen = comma ? (size_t)(comma - names) : strlen(names);
        const char *vend = memchr(v, 0, (size_t)(kend - v));
        if (!vend)
            vend = kend;
        if (lb.len)
            rc = wf_buf_putc(&lb, ',');
        if (!rc)
            rc = wf_buf_append(&lb, names, nlen);
        if (!rc)
            rc = wf_buf_puts(&lb, "=\"");
        if (!rc)
            rc = put_escaped(&lb, v, (size_t)(vend - v));
        if (!rc)
            rc = wf_buf_putc(&lb, '"');
        names = comma ? comma + 1 : NULL;
        v = vend < kend ? vend + 1 : kend;
    }
    if (rc)
        goto fail;
    s->labels = wf_buf_detach(&lb);
    if (!s->labels)
        goto fail;
    return s;
fail:
    wf_buf_cleanup(&lb);
    if (s)
        wf_free(s->key);
    wf_free(s);
    return NULL;
}

static void series_free(struct series *s)
{
    if (!s)
        return;
    wf_free(s->key);
    wf_free(s->labels);
    wf_free(s);
}

/* Lock-free probe: the series of key, or NULL. Slots are filled once and
 * published with release stores, so an acquire load sees a whole series. */
static struct series *probe(struct metric *m, const char *key, size_t key_len, uint64_t h)
{
    for (size_t i = h & (METRICS_SLOTS - 1);; i = (i + 1) & (METRICS_SLOTS - 1)) {
        struct series *s = atomic_load_explicit(&m->slots[i], memory_order_acquire);
        if (!s)
            return NULL;
        if (s->hash == h && s->key_len == key_len && memcmp(s->key, key, key_len) == 0)
            return s;
    }
}

/* Finds or creates the series of key. Past METRICS_MAX_SERIES (or for an
 * overlong value) the "other" series of other_key takes its place. NULL
 * only on ENOMEM (the observation is then dropped). */
static struct series *series_get(struct wf_server__metrics *r, struct metric *m, const char *key,
                                 size_t key_len, const char *other_key, size_t other_len)
{
    if (!m->slots)
        return m->list[0];
    uint64_t h = wf_hash64(key, key_len, r->seed);
    struct series *s = probe(m, key, key_len, h);
    if (s)
        return s;
    pthread_mutex_lock(&m->mu);
    s = probe(m, key, key_len, h); /* someone may have just made it */
    if (!s) {
        size_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
        int is_other = key_len == other_len && memcmp(key, other_key, key_len) == 0;
        if (n >= METRICS_MAX_SERIES && !is_other) {
            /* full: count under "other", which may exist already */
            key = other_key;
            key_len = other_len;
            h = wf_hash64(key, key_len, r->seed);
            s = probe(m, key, key_len, h);
        }
        if (!s && (n < METRICS_MAX_SERIES || key == other_key || is_other)) {
            assert(n <= METRICS_MAX_SERIES);
            s = series_new(m->def, key, key_len, h);
            if (s) {
                size_t i = h & (METRICS_SLOTS - 1);
                while (atomic_load_explicit(&m->slots[i], memory_order_relaxed))
                    i = (i + 1) & (METRICS_SLOTS - 1);
                m->list[n] = s;
                atomic_store_explicit(&m->n, n + 1, memory_order_release);
                atomic_store_explicit(&m->slots[i], s, memory_order_release);
            }
        }
    }
    pthread_mutex_unlock(&m->mu);
    return s;
}

static void observe_ns(struct series *s, uint64_t ns)
{
    size_t b = 0;
    while (b < N_BUCKETS && ns > bucket_ns[b])
        b++;
    atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns, ns, memory_order_relaxed);
}

/* ---- Registry ------------------------------------------------------------- */

int wf_server__metrics_new(struct wf_server__metrics **out)
{
    struct wf_server__metrics *r = wf_calloc(1, sizeof(*r));
    size_t inited = 0;
    int rc = WF_OK;
    if (!r) {
        rc = WF_ENOMEM;
        goto out;
    }
    if (wf_crypto_random(&r->seed, sizeof(r->seed)) != WF_OK)
        r->seed = 0x9e3779b97f4a7c15u; /* only flooding a probe chain gets easier */
    for (size_t i = 0; i < N_DEFS; i++) {
        struct metric *m = &r->m[i];
        m->def = &defs[i];
        atomic_init(&m->n, 0);
        if (pthread_mutex_init(&m->mu, NULL) != 0) {
            rc = WF_ENOMEM;
            goto out;
        }
        inited = i + 1;
        if (m->def->label) {
            m->slots = wf_calloc(METRICS_SLOTS, sizeof(*m->slots));
            if (!m->slots) {
                rc = WF_ENOMEM;
                goto out;
            }
        } else {
            /* an unlabeled metric is its one series, shown from the start */
            m->list[0] = series_new(m->def, "", 0, 0);
            if (!m->list[0]) {
                rc = WF_ENOMEM;
                goto out;
            }
            atomic_store(&m->n, 1);
        }
    }
    *out = r;
    r = NULL;
out:
    if (r) {
        for (size_t i = 0; i < inited; i++) {
            struct metric *m = &r->m[i];
            for (size_t j = 0; j < atomic_load(&m->n); j++)
                series_free(m->list[j]);
            wf_free((void *)m->slots);
            pthread_mutex_destroy(&m->mu);
        }
        wf_free(r);
    }
    return rc;
}

void wf_server__metrics_free(struct wf_server__metrics *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < N_DEFS; i++) {
        struct metric *m = &r->m[i];
        size_t n = atomic_load(&m->n);
        for (size_t j = 0; j < n; j++)
            series_free(m->list[j]);
        wf_free((void *)m->slots);
        pthread_mutex_destroy(&m->mu);
    }
    wf_free(r);
}

/* The metric named name if it exists, has the given type and feed, and
 * takes exactly the label given (NULL for none); else NULL. Fourteen rows:
 * a linear scan is as fast as a hash. */
static struct metric *find(struct wf_server__metrics *r, const char *name, enum mtype type,
                           const char *label)
{
    if (!r || !name)
        return NULL;
    for (size_t i = 0; i < N_DEFS; i++) {
        const struct mdef *d = &defs[i];
        if (strcmp(d->name, name) != 0)
            continue;
        if (d->type != type || d->feed != FEED_API)
            return NULL;
        if (!d->label != !label || (label && strcmp(d->label, label) != 0))
            return NULL;
        return &r->m[i];
    }
    return NULL;
}

/* The series for one label value (or the only series), NULL to ignore. */
static struct series *api_series(struct wf_server__metrics *r, struct metric *m, const char *value)
{
    if (!m->slots)
        return m->list[0];
    if (!value)
        return NULL;
    size_t len = strnlen(value, METRICS_MAX_VALUE_BYTES + 1);
    if (len > METRICS_MAX_VALUE_BYTES) {
        value = METRICS_OTHER;
        len = strlen(METRICS_OTHER);
    }
    return series_get(r, m, value, len, METRICS_OTHER, strlen(METRICS_OTHER));
}

void wf_server__metrics_count(struct wf_server__metrics *r, const char *name, const char *label,
                              const char *value, uint64_t n)
{
    struct metric *m = find(r, name, M_COUNTER, label);
    struct series *s = m ? api_series(r, m, value) : NULL;
    if (s)
        atomic_fetch_add_explicit(&s->value, n, memory_order_relaxed);
}

void wf_server__metrics_count_total(struct wf_server__metrics *r, const char *name,
                                    const char *label, const char *value, uint64_t total)
{
    struct metric *m = find(r, name, M_COUNTER, label);
    struct series *s = m ? api_series(r, m, value) : NULL;
    if (!s)
        return;
    /* a counter never goes down, even if an older total arrives last */
    uint64_t cur = atomic_load_explicit(&s->value, memory_order_relaxed);
    while (total > cur && !atomic_compare_exchange_weak_explicit(
                              &s->value, &cur, total, memory_order_relaxed, memory_order_relaxed))
        ;
}

void wf_server__metrics_gauge(struct wf_server__metrics *r, const char *name, const char *label,
                              const char *value, double v)
{
    struct metric *m = find(r, name, M_GAUGE, label);
    struct series *s = m ? api_series(r, m, value) : NULL;
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    if (s)
        atomic_store_explicit(&s->value, bits, memory_order_relaxed);
}

static void key_add(char *key, size_t *len, const char *value);

void wf_server__metrics_gauge_n(struct wf_server__metrics *r, const char *name,
                                const char *const *values, size_t n, double v)
{
    struct metric *m = NULL;
    for (size_t i = 0; i < N_DEFS && !m; i++)
        if (strcmp(defs[i].name, name) == 0 && defs[i].type == M_GAUGE && defs[i].label &&
            defs[i].feed == FEED_API)
            m = find(r, name, M_GAUGE, defs[i].label);
    if (!m || !m->slots || n == 0 || n > 4)
        return;
    char key[4 * (METRICS_MAX_VALUE_BYTES + 1)];
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        key_add(key, &len, values[i]);
    struct series *s = series_get(r, m, key, len - 1, METRICS_OTHER, strlen(METRICS_OTHER));
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    if (s)
        atomic_store_explicit(&s->value, bits, memory_order_relaxed);
}

void wf_server__metrics_observe(struct wf_server__metrics *r, const char *name,
                                uint64_t duration_ns)
{
    struct metric *m = find(r, name, M_HISTOGRAM, NULL);
    struct series *s = m ? api_series(r, m, NULL) : NULL;
    if (s)
        observe_ns(s, duration_ns);
}

/* Appends value (at most METRICS_MAX_VALUE_BYTES, else "other") and a NUL
 * to key at *len. */
static void key_add(char *key, size_t *len, const char *value)
{
    size_t n = value ? strnlen(value, METRICS_MAX_VALUE_BYTES + 1) : 0;
    if (n > METRICS_MAX_VALUE_BYTES) {
        value = METRICS_OTHER;
        n = strlen(METRICS_OTHER);
    }
    if (n)
        memcpy(key + *len, value, n);
    *len += n;
    key[(*len)++] = 0;
}

void wf_server__metrics_http(struct wf_server__metrics *r, const char *route, const char *method,
                             int status, uint64_t duration_ns)
{
    static const char other3[] = METRICS_OTHER "\0" METRICS_OTHER "\0" METRICS_OTHER;
    char key[2 * (METRICS_MAX_VALUE_BYTES + 1) + 16], st[12];
    size_t len = 0;
    if (!r || !route || !method)
        return;
    /* status as decimal without printf: this runs on every response */
    unsigned u = status < 0 ? 0 : status > 999 ? 999 : (unsigned)status;
    st[0] = (char)('0' + u / 100);
    st[1] = (char)('0' + u / 10 % 10);
    st[2] = (char)('0' + u % 10);
    st[3] = 0;
    key_add(key, &len, route);
    size_t route_len = len - 1;
    key_add(key, &len, method);
    memcpy(key + len, st, 3);
    len += 3;
    struct series *s = series_get(r, &r->m[DEF_HTTP_COUNT], key, len, other3, sizeof(other3) - 1);
    if (s)
        atomic_fetch_add_explicit(&s->value, 1, memory_order_relaxed);
    s = series_get(r, &r->m[DEF_HTTP_DURATION], key, route_len, METRICS_OTHER,
                   strlen(METRICS_OTHER));
    if (s)
        observe_ns(s, duration_ns);
}

/* ---- Exposition ------------------------------------------------------------ */

/* Seconds of ns, exactly: "0.0015", "2", "12.000000001". */
static int put_seconds(struct wf_buf *b, uint64_t ns)
{
    uint64_t whole = ns / 1000000000u, frac = ns % 1000000000u;
    if (frac == 0)
        return wf_buf_appendf(b, "%llu", (unsigned long long)whole);
    char f[10];
    int digits = 9;
    for (int i = 8; i >= 0; i--) {
        f[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    while (digits > 0 && f[digits - 1] == '0')
        digits--;
    return wf_buf_appendf(b, "%llu.%.*s", (unsigned long long)whole, digits, f);
}

/* Shortest text that reads back as v; NaN and infinities as Prometheus
 * spells them. */
static int put_double(struct wf_buf *b, double v)
{
    if (isnan(v))
        return wf_buf_puts(b, "NaN");
    if (isinf(v))
        return wf_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
    char t[40];
    snprintf(t, sizeof(t), "%.15g", v);
    if (strtod(t, NULL) != v)
        snprintf(t, sizeof(t), "%.17g", v);
    return wf_buf_puts(b, t);
}

/* "name{labels}" or "name{labels,extra}", braces omitted when empty. */
static int put_name(struct wf_buf *b, const char *name, const char *suffix, const char *labels,
                    const char *extra)
{
    int rc = wf_buf_puts(b, name);
    if (!rc && suffix)
        rc = wf_buf_puts(b, suffix);
    int has = labels[0] || extra;
    if (!rc && has)
        rc = wf_buf_putc(b, '{');
    if (!rc)
        rc = wf_buf_puts(b, labels);
    if (!rc && extra && labels[0])
        rc = wf_buf_putc(b, ',');
    if (!rc && extra)
        rc = wf_buf_puts(b, extra);
    if (!rc && has)
        rc = wf_buf_putc(b, '}');
    if (!rc)
        rc = wf_buf_putc(b, ' ');
    return rc;
}

static int render_series(struct wf_buf *b, const struct mdef *d, struct series *s)
{
    int rc = WF_OK;
    uint64_t v = atomic_load_explicit(&s->value, memory_order_relaxed);
    if (d->type == M_COUNTER) {
        rc = put_name(b, d->name, NULL, s->labels, NULL);
        if (!rc)
            rc = wf_buf_appendf(b, "%llu\n", (unsigned long long)v);
        return rc;
    }
    if (d->type == M_GAUGE) {
        double g;
        memcpy(&g, &v, sizeof(g));
        rc = put_name(b, d->name, NULL, s->labels, NULL);
        if (!rc)
            rc = put_double(b, g);
        if (!rc)
            rc = wf_buf_putc(b, '\n');
        return rc;
    }
    /* histogram: _count is the +Inf bucket by construction, so the two
     * agree even while observations land during the render */
    uint64_t cum = 0;
    char le[32];
    for (size_t i = 0; i <= N_BUCKETS && !rc; i++) {
        cum += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
        snprintf(le, sizeof(le), "le=\"%s\"", i < N_BUCKETS ? bucket_le[i] : "+Inf");
        rc = put_name(b, d->name, "_bucket", s->labels, le);
        if (!rc)
            rc = wf_buf_appendf(b, "%llu\n", (unsigned long long)cum);
    }
    if (!rc)
        rc = put_name(b, d->name, "_sum", s->labels, NULL);
    if (!rc)
        rc = put_seconds(b, atomic_load_explicit(&s->sum_ns, memory_order_relaxed));
    if (!rc)
        rc = wf_buf_putc(b, '\n');
    if (!rc)
        rc = put_name(b, d->name, "_count", s->labels, NULL);
    if (!rc)
        rc = wf_buf_appendf(b, "%llu\n", (unsigned long long)cum);
    return rc;
}

int wf_server__metrics_render(struct wf_server__metrics *r, struct wf_buf *out)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};
    size_t start = out->len;
    int rc = WF_OK;
    for (size_t i = 0; i < N_DEFS && !rc; i++) {
        const struct mdef *d = &defs[i];
        struct metric *m = &r->m[i];
        /* help texts are ours, but escape them as the format asks anyway */
        rc = wf_buf_appendf(out, "# HELP %s ", d->name);
        for (const char *h = d->help; *h && !rc; h++)
            rc = *h == '\\'   ? wf_buf_puts(out, "\\\\")
                 : *h == '\n' ? wf_buf_puts(out, "\\n")
                              : wf_buf_putc(out, *h);
        if (!rc)
            rc = wf_buf_appendf(out, "\n# TYPE %s %s\n", d->name, type_names[d->type]);
        size_t n = atomic_load_explicit(&m->n, memory_order_acquire);
        for (size_t j = 0; j < n && !rc; j++)
            rc = render_series(out, d, m->list[j]);
    }
    if (rc && out->len > start) {
        out->len = start; /* all or nothing */
        out->p[start] = 0;
    }
    return rc;
}
