/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event set: events are reduced to 48-byte records on the way in
 * (services and environments interned, ids and shas hashed), and the
 * calendar parsers (RFC 3339 times, ISO weeks, fixed zone offsets) that the
 * CLI and server use to build queries.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "dora/dora_int.h"

int wf_dora_set_new(struct wf_dora_set **out)
{
    struct wf_dora_set *s = wf_calloc(1, sizeof *s);
    if (!s)
        return WF_ENOMEM;
    *out = s;
    return WF_OK;
}

void wf_dora_set_free(struct wf_dora_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_names; i++)
        wf_free(s->names[i].s);
    wf_free(s->names);
    wf_free(s->slots);
    wf_free(s->ev);
    wf_free(s);
}

size_t wf_dora_set_count(const struct wf_dora_set *s)
{
    return s ? s->n + s->n_dups : 0;
}

static uint64_t name_hash(const char *name, int fold)
{
    char tmp[256];
    size_t n = strlen(name);
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    for (size_t i = 0; i < n; i++)
        tmp[i] = fold ? (char)tolower((unsigned char)name[i]) : name[i];
    /* the fold flag keeps "Production" (env) and a repo of that name apart */
    return wf_hash64(tmp, n, fold ? 2 : 1);
}

long wf_dora__name_find(const struct wf_dora_set *s, const char *name, int fold)
{
    if (!name || !name[0])
        return 0;
    if (!s->n_slots)
        return -1;
    uint64_t h = name_hash(name, fold);
    for (size_t i = h & (s->n_slots - 1);; i = (i + 1) & (s->n_slots - 1)) {
        uint32_t v = s->slots[i];
        if (!v)
            return -1;
        if (s->names[v - 1].h == h)
            return (long)(v - 1);
    }
}

static int rehash(struct wf_dora_set *s)
{
    size_t n = s->n_slots ? s->n_slots * 2 : 64;
    uint32_t *slots = wf_calloc(n, sizeof *slots);
    if (!slots)
        return WF_ENOMEM;
    for (size_t k = 1; k < s->n_names; k++) {
        size_t i = s->names[k].h & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)(k + 1);
    }
    wf_free(s->slots);
    s->slots = slots;
    s->n_slots = n;
    return WF_OK;
}

/* Interns a name (index 0 = ""). Names are identified by their hash. */
static int intern(struct wf_dora_set *s, const char *name, int fold, uint32_t *idx)
{
    int rc;
    if (!s->n_names) {
        if ((rc = wf_grow((void **)&s->names, &s->cap_names, 1, sizeof *s->names,
                          WF_DORA_MAX_NAMES)) != WF_OK)
            return rc;
        s->names[0].h = 0;
        s->names[0].s = NULL;
        s->n_names = 1;
    }
    long f = wf_dora__name_find(s, name, fold);
    if (f >= 0) {
        *idx = (uint32_t)f;
        return WF_OK;
    }
    if ((s->n_names + 1) * 2 > s->n_slots && (rc = rehash(s)) != WF_OK)
        return rc;
    if ((rc = wf_grow((void **)&s->names, &s->cap_names, s->n_names + 1, sizeof *s->names,
                      WF_DORA_MAX_NAMES)) != WF_OK)
        return rc;
    char *copy = wf_strndup(name, strlen(name));
    if (!copy)
        return WF_ENOMEM;
    if (fold)
        for (char *p = copy; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    uint64_t h = name_hash(name, fold);
    s->names[s->n_names].h = h;
    s->names[s->n_names].s = copy;
    size_t i = h & (s->n_slots - 1);
    while (s->slots[i])
        i = (i + 1) & (s->n_slots - 1);
    s->slots[i] = (uint32_t)(s->n_names + 1);
    *idx = (uint32_t)s->n_names++;
    return WF_OK;
}

/* Shas are compared on their first 7 hex digits, lower-cased, so a short
 * sha (GitLab's short_sha, "root cause: 1a2b3c4") matches the full one. */
static uint64_t sha_hash(const char *sha)
{
    char tmp[7];
    size_t n = 0;
    if (!sha)
        return 0;
    for (; n < 7 && isxdigit((unsigned char)sha[n]); n++)
        tmp[n] = (char)tolower((unsigned char)sha[n]);
    if (n < 7)
        return 0;
    uint64_t h = wf_hash64(tmp, n, 7);
    return h ? h : 1;
}

static int status_of(const char *st)
{
    if (!st)
        return WF_DORA__ST_OTHER;
    if (strcasecmp(st, "success") == 0 || strcasecmp(st, "succeeded") == 0)
        return WF_DORA__ST_SUCCESS;
    if (strcasecmp(st, "failure") == 0 || strcasecmp(st, "failed") == 0 ||
        strcasecmp(st, "error") == 0)
        return WF_DORA__ST_FAILED;
    return WF_DORA__ST_OTHER;
}

/* Asks for huge pages over the 2 MiB-aligned inside of p[0..n), large
 * blocks only. Advice: nothing changes where it is not taken. */
static void advise_huge(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (p && n >= 2 * huge) {
        uintptr_t from = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t to = ((uintptr_t)p + n) & ~(huge - 1);
        if (to > from)
            (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
    }
#else
    (void)p;
    (void)n;
#endif
}

void *wf_dora__alloc_big(size_t n)
{
    void *p = wf_malloc(n);
    advise_huge(p, n);
    return p;
}

int wf_dora_set_add(struct wf_dora_set *s, const struct wf_dora_input *in)
{
    if (!s || !in || !in->repo || !in->repo[0] || in->at_ms <= 0 || in->kind > WF_DORA_INCIDENT)
        return WF_EINVAL;
    int rc;
    uint32_t svc, env = 0;
    if ((rc = wf_grow((void **)&s->ev, &s->cap, s->n + 1, sizeof *s->ev, WF_DORA_MAX_EVENTS)) !=
        WF_OK)
        return rc;
    if ((rc = intern(s, in->repo, 0, &svc)) != WF_OK)
        return rc;
    if (in->kind == WF_DORA_DEPLOYMENT && in->env && in->env[0] &&
        (rc = intern(s, in->env, 1, &env)) != WF_OK)
        return rc;
    struct wf_dora__ev *e = &s->ev[s->n];
    memset(e, 0, sizeof *e);
    e->kind = (uint8_t)in->kind;
    e->svc = svc;
    e->env = (uint16_t)env;
    e->at_ms = in->at_ms;
    e->resolved_ms = in->kind == WF_DORA_INCIDENT && in->resolved_ms > 0 ? in->resolved_ms : 0;
    e->sha = sha_hash(in->sha);
    e->rc = in->kind == WF_DORA_INCIDENT ? sha_hash(in->root_cause_sha) : 0;
    e->status = in->kind == WF_DORA_DEPLOYMENT ? (uint8_t)status_of(in->status) : 0;
    if (in->kind == WF_DORA_CHANGE && e->sha)
        e->key = e->sha;
    else if (in->id && in->id[0])
        e->key = wf_hash64(in->id, strlen(in->id), 3) | 1;
    else
        e->key = e->sha ? e->sha : (uint64_t)in->at_ms; /* no identity: the time is one */
    s->n++;
    s->sorted = 0;
    return WF_OK;
}

/* ---- Calendar ------------------------------------------------------------------- */

int64_t wf_dora__floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t wf_dora__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void wf_dora__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

/* Monday=0 .. Sunday=6; 1970-01-01 was a Thursday. */
static int weekday(int64_t day)
{
    return (int)((day % 7 + 7 + 3) % 7);
}

static int64_t iso_week1_monday(int64_t y)
{
    int64_t jan4 = wf_dora__days_from_civil(y, 1, 4);
    return jan4 - weekday(jan4);
}

void wf_dora__week_label(int64_t monday, char *out, size_t cap)
{
    int64_t y;
    unsigned m, d;
    wf_dora__civil_from_days(monday + 3, &y, &m, &d); /* the Thursday decides the year */
    int64_t w = (monday - iso_week1_monday(y)) / 7 + 1;
    snprintf(out, cap, "%04lld-W%02lld", (long long)y, (long long)w);
}

int wf_dora_parse_week(const char *s, int64_t *monday_ms)
{
    int y, w, n = 0;
    if (!s || strlen(s) != 8 || sscanf(s, "%4d-W%2d%n", &y, &w, &n) != 2 || n != 8 ||
        !isdigit((unsigned char)s[6]) || w < 1 || y < 1970)
        return WF_EINVAL;
    int64_t mon = iso_week1_monday(y) + (int64_t)(w - 1) * 7;
    if (mon >= iso_week1_monday(y + 1))
        return WF_EINVAL; /* W53 of a 52-week year */
    *monday_ms = mon * WF_DORA__DAY_MS;
    return WF_OK;
}

static int digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

int wf_dora_parse_tz(const char *s, int *offset_min)
{
    int h = 0, m = 0;
    if (!s)
        return WF_EINVAL;
    if (strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0 || strcmp(s, "utc") == 0) {
        *offset_min = 0;
        return WF_OK;
    }
    size_t n = strlen(s);
    if ((s[0] != '+' && s[0] != '-') || (n != 3 && n != 6) || digits(s + 1, 2, &h) ||
        (n == 6 && (s[3] != ':' || digits(s + 4, 2, &m))) || h > 14 || m > 59)
        return WF_EINVAL;
    *offset_min = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return WF_OK;
}

int wf_dora_parse_time(const char *s, int64_t *out_ms)
{
    int y, mo, d, h = 0, mi = 0, se = 0, ms = 0, off = 0;
    if (!s || strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return WF_EINVAL;
    const char *p = s + 10;
    if (*p) {
        if ((*p != 'T' && *p != 't' && *p != ' ') || strlen(p) < 9 || digits(p + 1, 2, &h) ||
            p[3] != ':' || digits(p + 4, 2, &mi) || p[6] != ':' || digits(p + 7, 2, &se) ||
            h > 23 || mi > 59 || se > 60)
            return WF_EINVAL;
        p += 9;
        if (*p == '.') {
            int k = 0;
            p++;
            while (isdigit((unsigned char)*p)) {
                if (k < 3)
                    ms = ms * 10 + (*p - '0');
                k++;
                p++;
            }
            if (!k)
                return WF_EINVAL;
            for (; k < 3; k++)
                ms *= 10;
        }
        if (*p == 'Z' || *p == 'z') {
            if (p[1])
                return WF_EINVAL;
        } else if (wf_dora_parse_tz(p, &off) != WF_OK || strlen(p) != 6) {
            return WF_EINVAL;
        }
    }
    int64_t days = wf_dora__days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out_ms = ((days * 24 + h) * 60 + mi - off) * 60000LL + se * 1000LL + ms;
    return WF_OK;
}

int wf_dora_parse_bucket(const char *s, enum wf_dora_bucket_unit *out)
{
    if (s && strcmp(s, "day") == 0)
        *out = WF_DORA_DAY;
    else if (s && strcmp(s, "week") == 0)
        *out = WF_DORA_WEEK;
    else if (s && strcmp(s, "month") == 0)
        *out = WF_DORA_MONTH;
    else
        return WF_EINVAL;
    return WF_OK;
}
