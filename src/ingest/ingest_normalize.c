/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The provider-independent half of normalization: wf_ingest_normalize
 * (size cap, JSON parse with duplicate keys rejected, a depth and node
 * sanity walk, dispatch to the GitHub / GitLab / generic mappers), the
 * batch's lifetime, and the helpers the mappers share: typed getters whose
 * errors name the field, the redact-then-copy of every kept string, and the
 * time-zone-free timestamp parser.
 */
#include "ingest_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *wf_ingest_provider_name(enum wf_ingest_provider p)
{
    switch (p) {
    case WF_INGEST_GITHUB:
        return "github";
    case WF_INGEST_GITLAB:
        return "gitlab";
    case WF_INGEST_GENERIC:
        return "generic";
    }
    return "unknown";
}

const char *wf_ingest_kind_name(enum wf_ingest_kind k)
{
    switch (k) {
    case WF_INGEST_BUILD:
        return "build";
    case WF_INGEST_JOB:
        return "job";
    case WF_INGEST_CHANGE:
        return "change";
    case WF_INGEST_PULL_REQUEST:
        return "pull_request";
    case WF_INGEST_DEPLOYMENT:
        return "deployment";
    case WF_INGEST_INCIDENT:
        return "incident";
    }
    return "unknown";
}

/* ---- Errors and getters ---------------------------------------------------- */

int wf_ingest__fail(struct wf_ingest__ctx *c, const char *where, const char *key, const char *fmt,
                    ...)
{
    if (c->err && !c->said) {
        va_list ap;
        c->said = 1;
        if (where && where[0])
            wf_buf_appendf(c->err, "%s%s", where, key ? "." : "");
        if (key)
            wf_buf_puts(c->err, key);
        wf_buf_puts(c->err, ": ");
        va_start(ap, fmt);
        wf_buf_vappendf(c->err, fmt, ap);
        va_end(ap);
    }
    return WF_EFORMAT;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* obj[key] or NULL when obj is not an object, the key is absent or null. */
static json_t *field(json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
}

static int typed(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                 int required, const char *want, int ok_type, json_t **out)
{
    json_t *v = field(obj, key);
    *out = NULL;
    if (!v)
        return required ? wf_ingest__fail(c, where, key, "missing") : WF_OK;
    if (!ok_type)
        return wf_ingest__fail(c, where, key, "expected %s, found %s", want, type_name(v));
    *out = v;
    return WF_OK;
}

int wf_ingest__str(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   int required, const char **out)
{
    json_t *v = field(obj, key);
    int rc = typed(c, obj, where, key, required, "a string", json_is_string(v), &v);
    *out = v ? json_string_value(v) : NULL;
    return rc;
}

int wf_ingest__int(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   int required, json_int_t *out, int *present)
{
    json_t *v = field(obj, key);
    int rc = typed(c, obj, where, key, required, "an integer", json_is_integer(v), &v);
    *out = v ? json_integer_value(v) : 0;
    if (present)
        *present = v != NULL;
    return rc;
}

int wf_ingest__num(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   double *out, int *present)
{
    json_t *v = field(obj, key);
    int rc = typed(c, obj, where, key, 0, "a number", json_is_number(v), &v);
    *out = v ? json_number_value(v) : 0;
    *present = v != NULL;
    return rc;
}

int wf_ingest__bool(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                    int *out, int *present)
{
    json_t *v = field(obj, key);
    int rc = typed(c, obj, where, key, 0, "a boolean", json_is_boolean(v), &v);
    *out = v ? json_is_true(v) : 0;
    *present = v != NULL;
    return rc;
}

int wf_ingest__obj(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   int required, json_t **out)
{
    json_t *v = field(obj, key);
    return typed(c, obj, where, key, required, "an object", json_is_object(v), out);
}

int wf_ingest__arr(struct wf_ingest__ctx *c, json_t *obj, const char *where, const char *key,
                   int required, json_t **out)
{
    json_t *v = field(obj, key);
    return typed(c, obj, where, key, required, "an array", json_is_array(v), out);
}

/* ---- Events and strings ---------------------------------------------------- */

int wf_ingest__event(struct wf_ingest__ctx *c, enum wf_ingest_kind kind,
                     struct wf_ingest_event **out)
{
    struct wf_ingest_batch *b = c->b;
    int rc = wf_grow((void **)&b->events, &c->cap_events, b->n_events + 1, sizeof(*b->events),
                     WF_INGEST_MAX_EVENTS);
    if (rc) {
        if (rc == WF_ETOOBIG && c->err && !c->said++)
            wf_buf_appendf(c->err, "body: more than %u events", WF_INGEST_MAX_EVENTS);
        return rc;
    }
    json_t *data = json_object();
    if (!data)
        return WF_ENOMEM;
    struct wf_ingest_event *ev = &b->events[b->n_events];
    memset(ev, 0, sizeof(*ev));
    ev->kind = kind;
    ev->action = ev->repo = ev->branch = ev->sha = ev->external_id = ev->parent_id = ev->name =
        ev->status = ev->conclusion = ev->url = "";
    ev->data = data;
    b->n_events++;
    if (json_object_set_new(data, "kind", json_string(wf_ingest_kind_name(kind))) ||
        json_object_set_new(data, "provider", json_string(wf_ingest_provider_name(b->provider))))
        return WF_ENOMEM;
    *out = ev;
    return WF_OK;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    unsigned cp = c & (0x3fu >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int wf_ingest__redact(struct wf_ingest__ctx *c, const char *raw, size_t max_bytes, const char **out)
{
    *out = NULL;
    if (!raw)
        return WF_OK;
    wf_buf_reset(&c->tmp);
    int rc = wf_redact_feed(c->r, raw, strlen(raw), &c->tmp);
    if (!rc)
        rc = wf_redact_finish(c->r, &c->tmp);
    if (rc) {
        /* leave the redactor without a half line or an open block */
        wf_buf_reset(&c->junk);
        wf_redact_finish(c->r, &c->junk);
        return rc;
    }
    const unsigned char *s = (const unsigned char *)(c->tmp.p ? c->tmp.p : "");
    size_t len = c->tmp.len, keep = 0, cut = 0;
    /* a truncation by the redactor can split a character: invalid bytes
     * become '?'; NULs cannot occur (the parser rejects \u0000) */
    char *o = wf_arena_alloc(&c->b->arena, (len < max_bytes ? len : max_bytes) + 4);
    if (!o)
        return WF_ENOMEM;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        size_t w = n ? n : 1;
        if (keep + w > max_bytes) {
            cut = 1;
            break;
        }
        if (n) {
            memcpy(o + keep, s + i, n);
        } else {
            o[keep] = '?';
        }
        keep += w;
        i += w;
    }
    if (cut) {
        while (keep > 0 && max_bytes - keep < 3)
            keep--; /* room for "..." */
        /* back to a character boundary: o[keep] must not continue one */
        while (keep > 0 && ((unsigned char)o[keep] & 0xc0) == 0x80)
            keep--;
        memcpy(o + keep, "...", 3);
        keep += 3;
    }
    o[keep] = '\0';
    *out = o;
    return WF_OK;
}

static int set_capped(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **fieldp,
                      const char *key, const char *raw, size_t max_bytes)
{
    const char *s;
    int rc = wf_ingest__redact(c, raw, max_bytes, &s);
    if (rc)
        return rc;
    if (fieldp && s)
        *fieldp = s;
    if (key && json_object_set_new(ev->data, key, s ? json_string(s) : json_null()))
        return WF_ENOMEM;
    return WF_OK;
}

int wf_ingest__put(struct wf_ingest__ctx *c, json_t *obj, const char *key, const char *raw)
{
    const char *s;
    int rc = wf_ingest__redact(c, raw, WF_INGEST_MAX_STR_BYTES, &s);
    if (rc)
        return rc;
    if (json_object_set_new(obj, key, s ? json_string(s) : json_null()))
        return WF_ENOMEM;
    return WF_OK;
}

int wf_ingest__set(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **fieldp,
                   const char *key, const char *raw)
{
    return set_capped(c, ev, fieldp, key, raw, WF_INGEST_MAX_STR_BYTES);
}

int wf_ingest__set_text(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **fieldp,
                        const char *key, const char *raw)
{
    return set_capped(c, ev, fieldp, key, raw, WF_INGEST_MAX_TEXT_BYTES);
}

int wf_ingest__set_static(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **fieldp,
                          const char *key, const char *s)
{
    (void)c;
    if (fieldp)
        *fieldp = s;
    if (key && json_object_set_new(ev->data, key, json_string(s)))
        return WF_ENOMEM;
    return WF_OK;
}

int wf_ingest__set_id(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char **fieldp,
                      const char *prefix, const char *key, json_int_t v, int present)
{
    if (!present)
        return key && json_object_set_new(ev->data, key, json_null()) ? WF_ENOMEM : WF_OK;
    if (fieldp) {
        char tmp[64];
        int n = snprintf(tmp, sizeof(tmp), "%s%" JSON_INTEGER_FORMAT, prefix ? prefix : "", v);
        char *s = wf_arena_strndup(&c->b->arena, tmp, (size_t)n);
        if (!s)
            return WF_ENOMEM;
        *fieldp = s;
    }
    if (key && json_object_set_new(ev->data, key, json_integer(v)))
        return WF_ENOMEM;
    return WF_OK;
}

int wf_ingest__set_int(struct wf_ingest_event *ev, const char *key, json_int_t v, int present)
{
    return json_object_set_new(ev->data, key, present ? json_integer(v) : json_null()) ? WF_ENOMEM
                                                                                       : WF_OK;
}

int wf_ingest__set_bool(struct wf_ingest_event *ev, const char *key, int v, int present)
{
    return json_object_set_new(ev->data, key, present ? json_boolean(v) : json_null()) ? WF_ENOMEM
                                                                                       : WF_OK;
}

int wf_ingest__set_time(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, json_t *obj,
                        const char *where, const char *key, const char *data_key, int64_t *ms)
{
    const char *s;
    int rc = wf_ingest__str(c, obj, where, key, 0, &s);
    if (rc)
        return rc;
    if (!s || !s[0])
        return json_object_set_new(ev->data, data_key, json_null()) ? WF_ENOMEM : WF_OK;
    int64_t t;
    if (wf_ingest__parse_time(s, &t) != 0)
        return wf_ingest__fail(c, where, key, "expected an RFC 3339 timestamp");
    char buf[40];
    wf_ingest__format_time(t, buf, sizeof(buf));
    if (json_object_set_new(ev->data, data_key, json_string(buf)))
        return WF_ENOMEM;
    if (ms)
        *ms = t;
    return WF_OK;
}

int wf_ingest__set_labels(struct wf_ingest__ctx *c, struct wf_ingest_event *ev, const char *key,
                          json_t *arr, const char *where, const char *name_key)
{
    json_t *out = json_array();
    if (!out || json_object_set_new(ev->data, key, out))
        return WF_ENOMEM;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (i >= WF_INGEST_MAX_LABELS)
            break;
        const char *raw = NULL;
        char path[96];
        snprintf(path, sizeof(path), "%s[%zu]", where, i);
        if (name_key) {
            if (!json_is_object(v))
                return wf_ingest__fail(c, path, NULL, "expected an object, found %s", type_name(v));
            int rc = wf_ingest__str(c, v, path, name_key, 0, &raw);
            if (rc)
                return rc;
            if (!raw)
                continue;
        } else {
            if (!json_is_string(v))
                return wf_ingest__fail(c, path, NULL, "expected a string, found %s", type_name(v));
            raw = json_string_value(v);
        }
        const char *s;
        int rc = wf_ingest__redact(c, raw, WF_INGEST_MAX_STR_BYTES, &s);
        if (rc)
            return rc;
        if (json_array_append_new(out, json_string(s)))
            return WF_ENOMEM;
    }
    return WF_OK;
}

/* ---- Time ----------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): pure arithmetic, no time zone, no libc. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n digits at *p into *out; advances. -1 when not n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int wf_ingest__parse_time(const char *s, int64_t *ms)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p = s;
    int y, mo, d, h, mi, sec = 0, frac = 0, off = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
        return -1;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec))
            return -1;
        if (*p == '.' || *p == ',') {
            p++;
            int n = 0;
            while (isdigit((unsigned char)*p)) {
                if (n < 3)
                    frac = frac * 10 + (*p - '0');
                n++;
                p++;
            }
            if (n == 0 || n > 9)
                return -1;
            for (; n < 3; n++)
                frac *= 10;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
        mi > 59 || sec > 60)
        return -1;
    if (*p == ' ')
        p++;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (strncmp(p, "UTC", 3) == 0) {
        p += 3;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &om))
                return -1;
        } else if (isdigit((unsigned char)*p) && digits(&p, 2, &om)) {
            return -1;
        }
        if (oh > 23 || om > 59)
            return -1;
        off = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off * 60;
    *ms = secs * 1000 + frac;
    return 0;
}

void wf_ingest__format_time(int64_t ms, char *out, size_t cap)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int frac = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int rem = (int)(secs - days * 86400);
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (frac)
        snprintf(out, cap, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, rem / 3600,
                 rem / 60 % 60, rem % 60, frac);
    else
        snprintf(out, cap, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02dZ", y, m, d, rem / 3600,
                 rem / 60 % 60, rem % 60);
}

int wf_ingest__root_cause(const char *text, char out[41])
{
    static const char key[] = "root cause";
    const size_t kl = sizeof(key) - 1;
    if (!text)
        return 0;
    for (const char *p = text; *p; p++) {
        if (strncasecmp(p, key, kl) != 0)
            continue;
        const char *q = p + kl;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t' || *q == '`')
            q++;
        size_t n = 0;
        while (n < 41 && isxdigit((unsigned char)q[n]))
            n++;
        if (n < 7 || n > 40 || isalnum((unsigned char)q[n]))
            continue;
        for (size_t i = 0; i < n; i++)
            out[i] = (char)tolower((unsigned char)q[i]);
        out[n] = '\0';
        return 1;
    }
    return 0;
}

const char *wf_ingest__github_status(const char *s, int has_conclusion)
{
    if (s && strcmp(s, "completed") == 0)
        return "completed";
    if (s && strcmp(s, "in_progress") == 0)
        return "in_progress";
    if (s && (strcmp(s, "queued") == 0 || strcmp(s, "waiting") == 0 ||
              strcmp(s, "requested") == 0 || strcmp(s, "pending") == 0))
        return "queued";
    /* a status GitHub adds later: a conclusion means it is over */
    return has_conclusion ? "completed" : "queued";
}

/* ---- Entry point ------------------------------------------------------------ */

/* Depth and size sanity: the parser allows 2048 levels, nothing we read
 * goes deeper than a few, and a wide document costs memory per value. */
static int walk(struct wf_ingest__ctx *c, json_t *v, unsigned depth, size_t *nodes)
{
    if (++*nodes > WF_INGEST_MAX_NODES) {
        if (c->err && !c->said++)
            wf_buf_appendf(c->err, "body: more than %u JSON values", WF_INGEST_MAX_NODES);
        return WF_ETOOBIG;
    }
    if (!json_is_object(v) && !json_is_array(v))
        return WF_OK;
    if (depth >= WF_INGEST_MAX_DEPTH) {
        if (c->err && !c->said++)
            wf_buf_appendf(c->err, "body: nested deeper than %u levels", WF_INGEST_MAX_DEPTH);
        return WF_EFORMAT;
    }
    int rc = WF_OK;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            if ((rc = walk(c, x, depth + 1, nodes)) != WF_OK)
                return rc;
        }
    } else {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if ((rc = walk(c, x, depth + 1, nodes)) != WF_OK)
                return rc;
        }
    }
    return rc;
}

static void batch_init(struct wf_ingest_batch *b, enum wf_ingest_provider p)
{
    memset(b, 0, sizeof(*b));
    b->provider = p;
    b->event_type = "";
    wf_arena_init(&b->arena, WF_INGEST_ARENA_BYTES);
}

void wf_ingest_batch_cleanup(struct wf_ingest_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_events; i++)
        json_decref(b->events[i].data);
    wf_free(b->events);
    wf_arena_cleanup(&b->arena);
    b->events = NULL;
    b->n_events = 0;
    b->ignored = 0;
    b->event_type = "";
}

int wf_ingest_normalize(enum wf_ingest_provider p, const char *event_header, const char *body,
                        size_t len, struct wf_redactor *r, struct wf_ingest_batch *out,
                        struct wf_buf *err)
{
    struct wf_ingest__ctx c;
    json_t *root = NULL;
    int rc = WF_OK;

    memset(&c, 0, sizeof(c));
    batch_init(out, p);
    c.b = out;
    c.r = r;
    c.err = err;
    wf_buf_init(&c.tmp, 4u * WF_LIMIT_WEBHOOK_BYTES);
    wf_buf_init(&c.junk, 4u * WF_LIMIT_WEBHOOK_BYTES);
    if (!r || (!body && len)) {
        rc = WF_EINVAL;
        goto out;
    }
    if (len > WF_LIMIT_WEBHOOK_BYTES) {
        if (err)
            wf_buf_appendf(err, "body: %zu bytes, more than the %u allowed", len,
                           WF_LIMIT_WEBHOOK_BYTES);
        rc = WF_ETOOBIG;
        goto out;
    }
    if (!event_header)
        event_header = "";
    size_t hl = strnlen(event_header, 128);
    if (p == WF_INGEST_GENERIC && hl == 0) {
        out->event_type = "generic";
    } else {
        const char *s;
        if ((rc = wf_ingest__redact(&c, wf_arena_strndup(&out->arena, event_header, hl), 128,
                                    &s)) != WF_OK)
            goto out;
        out->event_type = s ? s : "";
    }
    if (p != WF_INGEST_GENERIC && hl == 0) {
        if (err)
            wf_buf_puts(err, p == WF_INGEST_GITHUB ? "missing X-GitHub-Event header"
                                                   : "missing X-Gitlab-Event header");
        rc = WF_EFORMAT;
        goto out;
    }

    json_error_t je;
    root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (err)
            wf_buf_appendf(err, "body is not JSON: %s at line %d column %d", je.text, je.line,
                           je.column);
        rc = WF_EFORMAT;
        goto out;
    }
    if (!json_is_object(root)) {
        if (err)
            wf_buf_appendf(err, "body: expected a JSON object, found %s", type_name(root));
        rc = WF_EFORMAT;
        goto out;
    }
    size_t nodes = 0;
    if ((rc = walk(&c, root, 0, &nodes)) != WF_OK)
        goto out;

    switch (p) {
    case WF_INGEST_GITHUB:
        rc = wf_ingest__github(&c, event_header, root);
        break;
    case WF_INGEST_GITLAB:
        rc = wf_ingest__gitlab(&c, event_header, root);
        break;
    case WF_INGEST_GENERIC:
        rc = wf_ingest__generic(&c, root);
        break;
    default:
        rc = WF_EINVAL;
        break;
    }
    if (rc == WF_EFORMAT && err && !c.said)
        wf_buf_puts(err, "body: malformed");

out:
    json_decref(root);
    wf_buf_cleanup(&c.tmp);
    wf_buf_cleanup(&c.junk);
    if (rc) {
        wf_ingest_batch_cleanup(out);
        batch_init(out, p);
    }
    return rc;
}

/* Length of the first line of s. */
static size_t first_line(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '\n' && s[n] != '\r')
        n++;
    return n;
}

int wf_ingest__commit(struct wf_ingest__ctx *c, json_t *cm, const char *where, const char *repo,
                      const char *branch, struct wf_ingest_event **out)
{
    static const char *const lists[] = {"added", "removed", "modified"};
    const char *id, *msg, *url, *author = NULL;
    json_t *au, *arr;
    struct wf_ingest_event *ev;
    int64_t ts = 0;
    int rc;
    char apath[64];
    if (!json_is_object(cm))
        return wf_ingest__fail(c, where, NULL, "expected an object");
    TRY(wf_ingest__str(c, cm, where, "id", 1, &id));
    TRY(wf_ingest__str(c, cm, where, "message", 0, &msg));
    TRY(wf_ingest__str(c, cm, where, "url", 0, &url));
    TRY(wf_ingest__obj(c, cm, where, "author", 0, &au));
    snprintf(apath, sizeof(apath), "%s.author", where);
    if (au)
        TRY(wf_ingest__str(c, au, apath, "name", 0, &author));

    TRY(wf_ingest__event(c, WF_INGEST_CHANGE, &ev));
    TRY(wf_ingest__set_static(c, ev, &ev->action, "action", "pushed"));
    TRY(wf_ingest__set(c, ev, &ev->repo, "repo", repo));
    TRY(wf_ingest__set(c, ev, &ev->branch, "branch", branch));
    TRY(wf_ingest__set(c, ev, &ev->sha, "sha", id));
    ev->external_id = ev->sha;
    TRY(wf_ingest__set_text(c, ev, NULL, "message", msg));
    if (msg) {
        char *title = wf_arena_strndup(&c->b->arena, msg, first_line(msg));
        if (!title)
            return WF_ENOMEM;
        TRY(wf_ingest__set(c, ev, &ev->name, NULL, title));
    }
    TRY(wf_ingest__set(c, ev, NULL, "author", author));
    TRY(wf_ingest__set_time(c, ev, cm, where, "timestamp", "timestamp", &ts));
    TRY(wf_ingest__set(c, ev, &ev->url, "url", url));
    for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
        TRY(wf_ingest__arr(c, cm, where, lists[k], 0, &arr));
        TRY(wf_ingest__set_int(ev, lists[k], arr ? (json_int_t)json_array_size(arr) : 0, 1));
    }
    ev->occurred_ms = ts;
    if (out)
        *out = ev;
    return WF_OK;
}
