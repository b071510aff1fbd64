/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named time zones for DORA buckets: a reader of the compiled tz database
 * (TZif, RFC 8536, as Debian's tzdata ships it in /usr/share/zoneinfo), so
 * a week or a day starts at local midnight also across DST changes. Only
 * the transition table is used (Debian builds "fat" files, listing
 * transitions through 2037); later instants keep the last offset.
 */
#include <ctype.h>
#include <string.h>

#include "dora/dora_int.h"

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

void wf_dora_tz_cleanup(struct wf_dora_tz *tz)
{
    if (!tz)
        return;
    wf_free(tz->at_s);
    wf_free(tz->off_s);
    memset(tz, 0, sizeof(*tz));
}

int wf_dora_tz_parse(const char *data, size_t len, struct wf_dora_tz *out)
{
    const unsigned char *p = (const unsigned char *)data;
    memset(out, 0, sizeof(*out));
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return WF_EFORMAT;
    int version = p[4];
    /* counts of the v1 block: isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
    size_t h = 20;
    uint32_t c[6];
    for (int i = 0; i < 6; i++)
        c[i] = be32(p + h + 4 * (size_t)i);
    size_t tsize = 4, base = 44;
    if (version >= '2') {
        /* skip the 32-bit block; the 64-bit one follows with its own header */
        size_t v1 = (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
        if (c[3] > 100000 || c[4] > 256 || c[5] > 65536 || c[2] > 1000 || base + v1 + 44 > len ||
            memcmp(p + base + v1, "TZif", 4) != 0)
            return WF_EFORMAT;
        h = base + v1 + 20;
        for (int i = 0; i < 6; i++)
            c[i] = be32(p + h + 4 * (size_t)i);
        tsize = 8;
        base = h + 24;
    }
    uint32_t timecnt = c[3], typecnt = c[4];
    if (timecnt > WF_DORA_TZ_MAX_TRANSITIONS || typecnt == 0 || typecnt > 256)
        return WF_EFORMAT;
    size_t need = (size_t)timecnt * tsize + timecnt + (size_t)typecnt * 6;
    if (base + need > len)
        return WF_EFORMAT;
    const unsigned char *times = p + base, *idx = times + (size_t)timecnt * tsize;
    const unsigned char *types = idx + timecnt;
    out->at_s = wf_calloc(timecnt ? timecnt : 1, sizeof(*out->at_s));
    out->off_s = wf_calloc(timecnt ? timecnt : 1, sizeof(*out->off_s));
    if (!out->at_s || !out->off_s) {
        wf_dora_tz_cleanup(out);
        return WF_ENOMEM;
    }
    int64_t prev = INT64_MIN;
    for (uint32_t i = 0; i < timecnt; i++) {
        int64_t t = tsize == 8 ? be64(times + 8 * (size_t)i)
                               : (int64_t)(int32_t)be32(times + 4 * (size_t)i);
        unsigned ti = idx[i];
        if (ti >= typecnt || t <= prev) { /* indexes in range, times ascending */
            wf_dora_tz_cleanup(out);
            return WF_EFORMAT;
        }
        int32_t off = (int32_t)be32(types + 6 * (size_t)ti);
        if (off < -26 * 3600 || off > 26 * 3600) {
            wf_dora_tz_cleanup(out);
            return WF_EFORMAT;
        }
        out->at_s[i] = t;
        out->off_s[i] = off;
        prev = t;
    }
    /* before the first transition: the first non-DST type (RFC 8536 3.2) */
    int32_t first = (int32_t)be32(types);
    for (uint32_t t = 0; t < typecnt; t++)
        if (types[6 * (size_t)t + 4] == 0) {
            first = (int32_t)be32(types + 6 * (size_t)t);
            break;
        }
    if (first < -26 * 3600 || first > 26 * 3600) {
        wf_dora_tz_cleanup(out);
        return WF_EFORMAT;
    }
    out->off_before_s = first;
    out->n = timecnt;
    return WF_OK;
}

int wf_dora_tz_load(const char *name, struct wf_dora_tz *out)
{
    size_t n = name ? strlen(name) : 0;
    memset(out, 0, sizeof(*out));
    if (n == 0 || n > 64 || name[0] == '/' || strstr(name, ".."))
        return WF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("/_-+", name[i]))
            return WF_EINVAL;
    char path[128];
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
    char *text = NULL;
    size_t len = 0;
    int rc = wf_read_file(path, 1u << 20, &text, &len);
    if (rc == WF_OK)
        rc = wf_dora_tz_parse(text, len, out);
    else if (rc == WF_ENOENT || rc == WF_EIO)
        rc = WF_ENOENT;
    wf_free(text);
    return rc;
}

int32_t wf_dora_tz_offset_s(const struct wf_dora_tz *tz, int64_t utc_ms)
{
    int64_t t = wf_dora__floordiv(utc_ms, 1000);
    if (tz->n == 0 || t < tz->at_s[0])
        return tz->off_before_s;
    size_t lo = 0, hi = tz->n; /* last transition <= t */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (tz->at_s[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->off_s[lo];
}

int64_t wf_dora_tz_local_to_utc(const struct wf_dora_tz *tz, int64_t local_ms)
{
    /* the offsets a day before and a day after bracket any one transition:
     * each gives a candidate instant, valid when it maps back to local_ms.
     * Two valid (an hour repeated): the first. None (an hour skipped): the
     * offset before the jump, as mktime does. */
    int64_t before = (int64_t)wf_dora_tz_offset_s(tz, local_ms - WF_DORA__DAY_MS) * 1000;
    int64_t after = (int64_t)wf_dora_tz_offset_s(tz, local_ms + WF_DORA__DAY_MS) * 1000;
    int64_t u1 = local_ms - before, u2 = local_ms - after;
    int ok1 = u1 + (int64_t)wf_dora_tz_offset_s(tz, u1) * 1000 == local_ms;
    int ok2 = u2 + (int64_t)wf_dora_tz_offset_s(tz, u2) * 1000 == local_ms;
    if (ok1 && ok2)
        return u1 < u2 ? u1 : u2;
    if (ok2)
        return u2;
    return u1;
}
