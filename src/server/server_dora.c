/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DORA routes: GET /v1/dora (metrics, the CLI's parameters, JSON), GET
 * /v1/reports/weekly (Markdown or HTML), and POST /v1/events/deployments and
 * /v1/events/incidents for CD and incident tools that send no webhooks.
 * Reads take the authenticated tenant's events from the store and hand them
 * to src/dora; posted events are validated field by field, stored through
 * wf_store_ingest with provider "api", and deduplicated by delivery id
 * (Idempotency-Key, else derived from the body's id and state).
 */
#include <jansson.h>
#include <string.h>

#include "dora/dora.h"
#include "server/server_int.h"

#define DAY_MS 86400000LL
#define LOOKBACK_MS (90 * DAY_MS) /* changes/incidents read before the window */

/* ---- Reads ------------------------------------------------------------------------- */

static int on_row(void *ud, const struct wf_store_event *ev)
{
    if (wf_dora_set_count(ud) >= WF_DORA_MAX_REQUEST_EVENTS)
        return WF_ETOOBIG; /* bounded memory per request: narrow the window */
    struct wf_dora_row row = {ev->kind, ev->repo,   ev->name,        ev->external_id,
                              ev->sha,  ev->status, ev->occurred_ms, ev->data_json};
    int rc = wf_dora_add_row(ud, &row, NULL);
    return rc == WF_EFORMAT ? WF_OK : rc;
}

static int load(struct wf_server__ctx *c, const char *tenant, int64_t since, int64_t until,
                struct wf_dora_set **out)
{
    static const char *const kinds[] = {"deployment", "change", "pull_request", "incident"};
    struct wf_dora_set *s;
    int rc = wf_dora_set_new(&s);
    for (size_t i = 0; !rc && i < sizeof kinds / sizeof kinds[0]; i++)
        rc =
            wf_store_events_read(c->store, tenant, kinds[i], since - LOOKBACK_MS, until, on_row, s);
    if (rc) {
        wf_dora_set_free(s);
        return rc;
    }
    *out = s;
    return WF_OK;
}

static void load_error(struct wf_http_req *req, struct wf_http_resp *resp, int rc)
{
    if (rc == WF_ETOOBIG)
        wf_http_resp_error(resp, req, 422, "too_many_events",
                           "more than %u events in the window; narrow since/until",
                           WF_DORA_MAX_REQUEST_EVENTS);
    else
        wf_http_resp_error(resp, req, 503, "store_unavailable", "reading events: %s",
                           wf_strerror(rc));
}

static int parse_when(const char *s, int64_t *out)
{
    long v;
    if (wf_parse_long(s, 1, 4102444800000L, &v) == WF_OK) {
        *out = v;
        return 0;
    }
    return wf_dora_parse_time(s, out) == WF_OK ? 0 : -1;
}

struct qbufs {
    char since[40], until[40], service[256], env[64], bucket[16], tz[72], rework[16], year[8],
        week[16], weeks[8], format[8];
    struct wf_dora_tz zone; /* a named tz=, loaded by parse_query; wf_dora_tz_cleanup */
};

/* Fills q from the query string; on error answers 400 and returns -1. */
static int parse_query(struct wf_http_req *req, struct wf_http_resp *resp, struct wf_dora_query *q,
                       struct qbufs *b)
{
    struct {
        const char *name;
        char *buf;
        size_t cap;
    } s[] = {{"since", b->since, sizeof b->since},
             {"until", b->until, sizeof b->until},
             {"service", b->service, sizeof b->service},
             {"env", b->env, sizeof b->env},
             {"bucket", b->bucket, sizeof b->bucket},
             {"tz", b->tz, sizeof b->tz},
             {"rework_window_h", b->rework, sizeof b->rework},
             {"tier_year", b->year, sizeof b->year},
             {"week", b->week, sizeof b->week},
             {"weeks", b->weeks, sizeof b->weeks},
             {"format", b->format, sizeof b->format}};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        s[i].buf[0] = 0;
        if (wf_http_req_query(req, s[i].name, s[i].buf, s[i].cap) < 0) {
            wf_http_resp_error(resp, req, 400, "bad_query", "%s is too long or badly encoded",
                               s[i].name);
            return -1;
        }
    }
    memset(q, 0, sizeof *q);
    memset(&b->zone, 0, sizeof b->zone);
    q->bucket = WF_DORA_WEEK;
    q->service = b->service[0] ? b->service : NULL;
    q->env = b->env[0] ? b->env : NULL;
    long v;
    const char *bad = NULL;
    q->until_ms = wf_store_now_ms();
    if (b->until[0] && parse_when(b->until, &q->until_ms) != 0)
        bad = "until: expected epoch ms, YYYY-MM-DD or RFC 3339";
    q->since_ms = q->until_ms - 90 * DAY_MS;
    if (!bad && b->since[0] && parse_when(b->since, &q->since_ms) != 0)
        bad = "since: expected epoch ms, YYYY-MM-DD or RFC 3339";
    if (!bad && q->since_ms >= q->until_ms)
        bad = "since: must be before until";
    if (!bad && q->until_ms - q->since_ms > 3660 * DAY_MS)
        bad = "since: the window is at most 10 years";
    if (!bad && b->bucket[0] && wf_dora_parse_bucket(b->bucket, &q->bucket) != WF_OK)
        bad = "bucket: expected day, week or month";
    if (!bad && b->tz[0] && wf_dora_parse_tz(b->tz, &q->tz_offset_min) != WF_OK) {
        if (wf_dora_tz_load(b->tz, &b->zone) == WF_OK)
            q->tz = &b->zone;
        else
            bad = "tz: expected UTC, a fixed offset like +01:00 or a zone like Europe/Berlin";
    }
    if (!bad && b->rework[0]) {
        if (wf_parse_long(b->rework, 1, 8760, &v) != WF_OK)
            bad = "rework_window_h: expected 1..8760";
        else
            q->rework_window_ms = v * 3600000LL;
    }
    if (!bad && b->year[0]) {
        int ok = 0;
        if (wf_parse_long(b->year, 2000, 2100, &v) == WF_OK)
            for (const int *y = wf_dora_tier_years(); *y; y++)
                ok |= *y == v;
        if (!ok)
            bad = "tier_year: thresholds are known for 2023";
        else
            q->tier_year = (int)v;
    }
    if (bad) {
        wf_dora_tz_cleanup(&b->zone);
        wf_http_resp_error(resp, req, 400, "bad_query", "%s", bad);
        return -1;
    }
    return 0;
}

static void dora_answer(struct wf_http_req *req, struct wf_http_resp *resp,
                        struct wf_server__ctx *c, struct wf_dora_query *q, struct qbufs *b)
{
    (void)b;
    struct wf_dora_set *s;
    int rc = load(c, req->tenant, q->since_ms, q->until_ms, &s);
    if (rc) {
        load_error(req, resp, rc);
        return;
    }
    struct wf_dora_result r;
    rc = wf_dora_compute(s, q, &r);
    if (rc == WF_OK) {
        wf_buf_reset(&resp->body);
        rc = wf_dora_format_json(q, &r, &resp->body);
        wf_dora_result_cleanup(&r);
    }
    wf_dora_set_free(s);
    if (rc) {
        wf_http_resp_error(resp, req, rc == WF_ETOOBIG ? 400 : 500,
                           rc == WF_ETOOBIG ? "bad_query" : "internal", "dora: %s%s",
                           wf_strerror(rc), rc == WF_ETOOBIG ? " (too many buckets)" : "");
        return;
    }
    resp->status = 200;
    resp->content_type = "application/json";
}

void wf_server__h_dora(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_dora_query q;
    struct qbufs b;
    if (parse_query(req, resp, &q, &b) != 0)
        return;
    dora_answer(req, resp, ud, &q, &b);
    wf_dora_tz_cleanup(&b.zone);
}

static void report_answer(struct wf_http_req *req, struct wf_http_resp *resp,
                          struct wf_server__ctx *c, struct wf_dora_query *q, struct qbufs *b)
{
    int64_t monday;
    long weeks = 8;
    if (!b->week[0] || wf_dora_parse_week(b->week, &monday) != WF_OK) {
        wf_http_resp_error(resp, req, 400, "bad_query",
                           "week: expected an ISO week YYYY-Www that exists, e.g. 2026-W47");
        return;
    }
    if (b->weeks[0] && wf_parse_long(b->weeks, 2, 260, &weeks) != WF_OK) {
        wf_http_resp_error(resp, req, 400, "bad_query", "weeks: expected 2..260");
        return;
    }
    enum wf_dora_report_format fmt = WF_DORA_REPORT_MD;
    if (strcmp(b->format, "html") == 0)
        fmt = WF_DORA_REPORT_HTML;
    else if (b->format[0] && strcmp(b->format, "md") != 0) {
        wf_http_resp_error(resp, req, 400, "bad_query", "format: expected md or html");
        return;
    }
    int64_t until = wf_dora_query_local_to_utc(q, monday + 7 * DAY_MS);
    struct wf_dora_set *s;
    int rc = load(c, req->tenant, until - weeks * 7 * DAY_MS, until, &s);
    if (rc) {
        load_error(req, resp, rc);
        return;
    }
    wf_buf_reset(&resp->body);
    rc = wf_dora_report(s, q, monday, (int)weeks, fmt, &resp->body);
    wf_dora_set_free(s);
    if (rc) {
        wf_http_resp_error(resp, req, 500, "internal", "report: %s", wf_strerror(rc));
        return;
    }
    resp->status = 200;
    resp->content_type =
        fmt == WF_DORA_REPORT_HTML ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8";
}

void wf_server__h_report_weekly(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    struct wf_dora_query q;
    struct qbufs b;
    if (parse_query(req, resp, &q, &b) != 0)
        return;
    report_answer(req, resp, ud, &q, &b);
    wf_dora_tz_cleanup(&b.zone);
}

/* ---- Posted events ---------------------------------------------------------------- */

/* Field checks write the first problem into bad (field name first). */
struct check {
    json_t *o;
    char bad[192];
};

static const char *str(struct check *k, const char *name, int required, size_t max)
{
    json_t *v = json_object_get(k->o, name);
    if (k->bad[0])
        return NULL;
    if (!v || json_is_null(v)) {
        if (required)
            snprintf(k->bad, sizeof k->bad, "%s: missing", name);
        return NULL;
    }
    if (!json_is_string(v)) {
        snprintf(k->bad, sizeof k->bad, "%s: expected a string", name);
        return NULL;
    }
    const char *s = json_string_value(v);
    if (required && !s[0])
        snprintf(k->bad, sizeof k->bad, "%s: must not be empty", name);
    else if (strlen(s) > max)
        snprintf(k->bad, sizeof k->bad, "%s: longer than %zu bytes", name, max);
    else
        return s;
    return NULL;
}

static int64_t when(struct check *k, const char *name, int required)
{
    const char *s = str(k, name, required, 64);
    int64_t t = 0;
    if (s && (wf_dora_parse_time(s, &t) != WF_OK || t <= 0 || strlen(s) <= 10)) {
        snprintf(k->bad, sizeof k->bad, "%s: expected an RFC 3339 timestamp with a zone", name);
        return 0;
    }
    return t;
}

static const char *sha(struct check *k, const char *name)
{
    const char *s = str(k, name, 0, 64);
    if (s && (strlen(s) < 7 || strspn(s, "0123456789abcdefABCDEF") != strlen(s))) {
        snprintf(k->bad, sizeof k->bad, "%s: expected 7 to 64 hex digits", name);
        return NULL;
    }
    return s;
}

static void only(struct check *k, const char *const *known, size_t n)
{
    const char *key;
    json_t *v;
    json_object_foreach(k->o, key, v)
    {
        size_t i = 0;
        while (i < n && strcmp(key, known[i]) != 0)
            i++;
        if (i == n && !k->bad[0]) {
            char shown[48];
            snprintf(shown, sizeof shown, "%.40s", key);
            for (char *p = shown; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    *p = '?';
            snprintf(k->bad, sizeof k->bad, "%s: unknown field", shown);
        }
    }
}

static void iso(int64_t ms, char *out, size_t cap)
{
    int64_t days = ms / DAY_MS, rem = ms % DAY_MS;
    /* civil from days (Hinnant), positive times only: validated above */
    int64_t z = days + 719468, era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    snprintf(out, cap, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", (long long)y, m, d,
             (long long)(rem / 3600000), (long long)(rem / 60000 % 60),
             (long long)(rem / 1000 % 60), (long long)(rem % 1000));
}

/* Stores one event under the delivery id and answers like the webhooks. */
/* A free-text field through the redactor (URLs can carry credentials);
 * NULL in, NULL out. Returns 0, or -1 after answering 503. */
static int redact_field(struct wf_server__ctx *c, struct wf_http_req *req,
                        struct wf_http_resp *resp, const char *in, struct wf_buf *out,
                        const char **res)
{
    *res = NULL;
    if (!in)
        return 0;
    struct wf_redactor *r = wf_server__redactor_get(c);
    int rc = r ? wf_redact_line(r, in, strlen(in), out, NULL) : WF_ENOMEM;
    wf_server__redactor_put(c, r);
    if (rc == WF_OK && !out->p)
        rc = wf_buf_puts(out, ""); /* an empty field stays an empty string */
    if (rc != WF_OK) {
        wf_http_resp_error(resp, req, 503, "out_of_memory", "could not redact a field");
        return -1;
    }
    *res = out->p;
    return 0;
}

static void store_one(struct wf_server__ctx *c, struct wf_http_req *req, struct wf_http_resp *resp,
                      const struct wf_store_event *ev, const char *derived)
{
    char delivery[WF_LIMIT_ID_BYTES];
    struct wf_str key = wf_http_req_header(req, "idempotency-key");
    if (key.p && key.len) {
        int printable = 1;
        for (size_t i = 0; i < key.len; i++)
            printable &= key.p[i] >= 0x21 && key.p[i] <= 0x7e;
        if (key.len >= sizeof delivery || !printable) {
            wf_http_resp_error(resp, req, 400, "bad_request",
                               "Idempotency-Key: 1 to %u printable ASCII characters",
                               WF_LIMIT_ID_BYTES - 1);
            return;
        }
        memcpy(delivery, key.p, key.len);
        delivery[key.len] = 0;
    } else {
        snprintf(delivery, sizeof delivery, "%s", derived);
    }
    struct wf_store_ingest_req ir = {req->tenant, "api", delivery, ev, 1, wf_store_now_ms(), 0, 0};
    struct wf_store_ingest_result res;
    int rc = wf_store_ingest(c->store, &ir, &res);
    if (rc) {
        wf_http_resp_error(resp, req, rc == WF_ETOOBIG ? 413 : 503, "store_failed",
                           "the event was not stored (%s); please retry", wf_strerror(rc));
        return;
    }
    wf_server__metrics_count(c->metrics,
                             res.duplicate ? "workflowai_ingest_duplicates_total"
                                           : "workflowai_ingest_deliveries_total",
                             "provider", "api", 1);
    json_t *j = json_pack("{s:s,s:s,s:s}", "status", res.duplicate ? "duplicate" : "stored",
                          "delivery", delivery, "kind", ev->kind);
    wf_server__reply_json(resp, res.duplicate ? 200 : 201, j);
}

static int body_object(struct wf_http_req *req, struct wf_http_resp *resp, json_t **out)
{
    if (!wf_server__is_json(req)) {
        wf_http_resp_error(resp, req, 415, "unsupported_media_type",
                           "Content-Type must be application/json");
        return -1;
    }
    json_error_t je;
    json_t *o = req->body ? json_loadb(req->body, req->body_len, 0, &je) : NULL;
    if (!json_is_object(o)) {
        if (o)
            wf_http_resp_error(resp, req, 400, "bad_json", "body: expected a JSON object");
        else
            wf_http_resp_error(resp, req, 400, "bad_json",
                               "body is not JSON: %s at line %d "
                               "column %d",
                               req->body ? je.text : "empty", je.line, je.column);
        json_decref(o);
        return -1;
    }
    *out = o;
    return 0;
}

/* The JSON object body of an event route with only the known fields;
 * answers itself and returns -1 when it is not. */
static int begin(struct wf_http_req *req, struct wf_http_resp *resp, struct check *k,
                 const char *const *known, size_t n_known)
{
    memset(k, 0, sizeof *k);
    if (body_object(req, resp, &k->o) != 0)
        return -1;
    only(k, known, n_known);
    return 0;
}

void wf_server__h_events_deployments(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    static const char *const known[] = {"id",  "repo",        "environment", "status",
                                        "sha", "occurred_at", "url",         "ref"};
    static const char *const states[] = {"success", "failure", "error",     "in_progress",
                                         "queued",  "pending", "cancelled", "inactive"};
    struct wf_server__ctx *c = ud;
    struct check k;
    if (begin(req, resp, &k, known, sizeof known / sizeof known[0]) != 0)
        return;
    const char *id = str(&k, "id", 1, WF_LIMIT_ID_BYTES - 32);
    const char *repo = str(&k, "repo", 1, 255);
    const char *env = str(&k, "environment", 1, 63);
    const char *status = str(&k, "status", 1, 32);
    const char *s = sha(&k, "sha");
    const char *url = str(&k, "url", 0, 2048);
    const char *ref = str(&k, "ref", 0, 255);
    int64_t at = when(&k, "occurred_at", 1);
    if (!k.bad[0]) {
        size_t i = 0;
        while (i < sizeof states / sizeof states[0] && strcmp(status, states[i]) != 0)
            i++;
        if (i == sizeof states / sizeof states[0])
            snprintf(k.bad, sizeof k.bad,
                     "status: expected success, failure, error, in_progress, queued, pending, "
                     "cancelled or inactive");
    }
    if (k.bad[0]) {
        wf_http_resp_error(resp, req, 400, "invalid_field", "%s", k.bad);
        json_decref(k.o);
        return;
    }
    struct wf_buf url_red, ref_red;
    wf_buf_init(&url_red, 8192);
    wf_buf_init(&ref_red, 1024);
    if (redact_field(c, req, resp, url, &url_red, &url) != 0 ||
        redact_field(c, req, resp, ref, &ref_red, &ref) != 0) {
        wf_buf_cleanup(&url_red);
        wf_buf_cleanup(&ref_red);
        json_decref(k.o);
        return;
    }
    char ts[64], derived[WF_LIMIT_ID_BYTES];
    iso(at, ts, sizeof ts);
    json_t *data = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s}", "source", "api", "environment", env,
                             "status", status, "status_at", ts, "sha", s, "id", id);
    char *dj = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    if (!dj) {
        wf_http_resp_error(resp, req, 503, "out_of_memory", "no memory");
    } else {
        struct wf_store_event ev = {"deployment", "api",  repo, ref ? ref : "", s ? s : "", id, "",
                                    env,          status, "",   url ? url : "", at,         dj};
        snprintf(derived, sizeof derived, "deployment:%s:%s", id, status);
        store_one(c, req, resp, &ev, derived);
    }
    free(dj);
    wf_buf_cleanup(&url_red);
    wf_buf_cleanup(&ref_red);
    json_decref(k.o);
}

void wf_server__h_events_incidents(struct wf_http_req *req, struct wf_http_resp *resp, void *ud)
{
    static const char *const known[] = {"id",          "repo",           "title", "opened_at",
                                        "resolved_at", "root_cause_sha", "url"};
    struct wf_server__ctx *c = ud;
    struct check k;
    if (begin(req, resp, &k, known, sizeof known / sizeof known[0]) != 0)
        return;
    const char *id = str(&k, "id", 1, WF_LIMIT_ID_BYTES - 32);
    const char *repo = str(&k, "repo", 1, 255);
    const char *title = str(&k, "title", 0, 1024);
    const char *url = str(&k, "url", 0, 2048);
    const char *rc_sha = sha(&k, "root_cause_sha");
    int64_t opened = when(&k, "opened_at", 1);
    int64_t resolved = when(&k, "resolved_at", 0);
    if (!k.bad[0] && resolved && resolved < opened)
        snprintf(k.bad, sizeof k.bad, "resolved_at: before opened_at");
    if (k.bad[0]) {
        wf_http_resp_error(resp, req, 400, "invalid_field", "%s", k.bad);
        json_decref(k.o);
        return;
    }
    /* the title is free text and a URL can carry credentials: both go
     * through the redactor like webhook strings */
    struct wf_buf red, url_red;
    wf_buf_init(&red, 4096);
    wf_buf_init(&url_red, 8192);
    if (redact_field(c, req, resp, title, &red, &title) != 0 ||
        redact_field(c, req, resp, url, &url_red, &url) != 0) {
        wf_buf_cleanup(&url_red);
        wf_buf_cleanup(&red);
        json_decref(k.o);
        return;
    }
    char o_ts[64], r_ts[64], derived[WF_LIMIT_ID_BYTES];
    iso(opened, o_ts, sizeof o_ts);
    if (resolved)
        iso(resolved, r_ts, sizeof r_ts);
    json_t *data = json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:s}", "source", "api", "created_at", o_ts,
                             "closed_at", resolved ? r_ts : NULL, "root_cause_sha", rc_sha, "title",
                             title ? title : "", "id", id);
    char *dj = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    if (!dj) {
        wf_buf_cleanup(&url_red);
        wf_buf_cleanup(&red);
        json_decref(k.o);
        wf_http_resp_error(resp, req, 503, "out_of_memory", "no memory");
        return;
    }
    const char *state = resolved ? "closed" : "open";
    struct wf_store_event ev = {"incident",
                                resolved ? "resolved" : "opened",
                                repo,
                                "",
                                rc_sha ? rc_sha : "",
                                id,
                                "",
                                title ? title : "",
                                state,
                                "",
                                url ? url : "",
                                resolved ? resolved : opened,
                                dj};
    snprintf(derived, sizeof derived, "incident:%s:%s", id, state);
    store_one(c, req, resp, &ev, derived);
    free(dj);
    wf_buf_cleanup(&url_red);
    wf_buf_cleanup(&red);
    json_decref(k.o);
}

/* ---- Prometheus gauges --------------------------------------------------------------- */

#define GAUGE_WINDOW_MS (30 * DAY_MS) /* the keys over the last 30 days */
#define GAUGE_TTL_MS 60000u           /* recomputed at most once a minute */
#define GAUGE_MAX_TENANTS 100u        /* tenants exported; /metrics stays bounded */

static void gauge(struct wf_server__ctx *c, const char *name, const char *tenant, double v)
{
    if (v >= 0) /* -1: nothing to measure, so no sample */
        wf_server__metrics_gauge(c->metrics, name, "tenant", tenant, v);
}

void wf_server__dora_gauges(struct wf_server__ctx *c)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static uint64_t last_ms;
    uint64_t now = wf_now_ms();
    if (pthread_mutex_trylock(&mu) != 0)
        return; /* another scrape is computing them */
    if (last_ms && now - last_ms < GAUGE_TTL_MS) {
        pthread_mutex_unlock(&mu);
        return;
    }
    last_ms = now;
    json_t *tenants = NULL;
    if (wf_store_tenant_list(c->store, &tenants) == WF_OK) {
        int64_t until = wf_store_now_ms();
        size_t i;
        json_t *t;
        json_array_foreach(tenants, i, t)
        {
            const char *id = json_string_value(json_object_get(t, "id"));
            struct wf_dora_set *set = NULL;
            if (i >= GAUGE_MAX_TENANTS || !id ||
                load(c, id, until - GAUGE_WINDOW_MS, until, &set) != WF_OK)
                continue;
            struct wf_dora_query q;
            struct wf_dora_result r;
            memset(&q, 0, sizeof(q));
            q.since_ms = until - GAUGE_WINDOW_MS;
            q.until_ms = until;
            q.bucket = WF_DORA_MONTH;
            if (wf_dora_compute(set, &q, &r) == WF_OK) {
                gauge(c, "workflowai_dora_deployments_per_day", id, r.total.deploys_per_day);
                gauge(c, "workflowai_dora_lead_time_hours", id, r.total.lead_median_h);
                gauge(c, "workflowai_dora_change_failure_rate", id, r.total.change_failure_rate);
                gauge(c, "workflowai_dora_time_to_restore_hours", id, r.total.restore_median_h);
                gauge(c, "workflowai_dora_rework_rate", id, r.total.rework_rate);
                wf_dora_result_cleanup(&r);
            }
            wf_dora_set_free(set);
        }
    }
    json_decref(tenants);
    pthread_mutex_unlock(&mu);
}
