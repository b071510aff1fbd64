/* SPDX-License-Identifier: Apache-2.0 */
/* Named time zones: the TZif reader on Debian's tz database, DST gaps and
 * overlaps, day buckets of 23 and 25 hours, and malformed TZif input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "dora/dora.h"

/* 2026-03-29 and 2026-10-25: Europe's DST starts and ends (01:00 UTC). */
#define H (3600 * 1000LL)
#define D (24 * H)
#define UTC_2026_03_28 1774656000000LL /* 2026-03-28T00:00:00Z */
#define UTC_2026_10_24 1792800000000LL /* 2026-10-24T00:00:00Z */

static void test_offsets_berlin(void **state)
{
    (void)state;
    struct wf_dora_tz tz;
    assert_int_equal(wf_dora_tz_load("Europe/Berlin", &tz), WF_OK);
    assert_true(tz.n > 100);
    /* winter +1 h, summer +2 h, switching at 01:00 UTC on the last Sundays */
    assert_int_equal(wf_dora_tz_offset_s(&tz, UTC_2026_03_28), 3600);
    assert_int_equal(wf_dora_tz_offset_s(&tz, UTC_2026_03_28 + D + H - 1), 3600);
    assert_int_equal(wf_dora_tz_offset_s(&tz, UTC_2026_03_28 + D + H), 7200);
    assert_int_equal(wf_dora_tz_offset_s(&tz, UTC_2026_10_24 + D + H - 1), 7200);
    assert_int_equal(wf_dora_tz_offset_s(&tz, UTC_2026_10_24 + D + H), 3600);
    /* local midnights around the change */
    assert_int_equal(wf_dora_tz_local_to_utc(&tz, UTC_2026_03_28 + D), UTC_2026_03_28 + D - H);
    assert_int_equal(wf_dora_tz_local_to_utc(&tz, UTC_2026_03_28 + 2 * D),
                     UTC_2026_03_28 + 2 * D - 2 * H);
    /* 02:30 on 29 March does not exist: read with the offset before the
     * jump, as mktime does (01:30 UTC, i.e. 03:30 summer time) */
    assert_int_equal(wf_dora_tz_local_to_utc(&tz, UTC_2026_03_28 + D + 2 * H + H / 2),
                     UTC_2026_03_28 + D + H + H / 2);
    /* 02:30 on 25 October happens twice: the first one (00:30 UTC) */
    assert_int_equal(wf_dora_tz_local_to_utc(&tz, UTC_2026_10_24 + D + 2 * H + H / 2),
                     UTC_2026_10_24 + D + H / 2);
    wf_dora_tz_cleanup(&tz);
}

static void test_day_buckets_across_dst(void **state)
{
    (void)state;
    struct wf_dora_tz tz;
    assert_int_equal(wf_dora_tz_load("America/New_York", &tz), WF_OK);
    struct wf_dora_set *s;
    assert_int_equal(wf_dora_set_new(&s), WF_OK);
    /* New York: DST starts 2026-03-08 (07:00 UTC), ends 2026-11-01 (06:00 UTC) */
    struct wf_dora_query q;
    memset(&q, 0, sizeof q);
    q.tz = &tz;
    q.bucket = WF_DORA_DAY;
    q.since_ms = 1772928000000LL + 5 * H; /* 2026-03-08T05:00Z = local midnight (-5) */
    q.until_ms = q.since_ms + 3 * D;
    struct wf_dora_input dep;
    memset(&dep, 0, sizeof dep);
    struct wf_dora_result r;
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_true(r.n_buckets >= 3);
    assert_string_equal(r.buckets[0].label, "2026-03-08");
    assert_int_equal(r.buckets[0].start_ms, q.since_ms);
    assert_int_equal(r.buckets[0].end_ms - r.buckets[0].start_ms, 23 * H); /* spring forward */
    assert_string_equal(r.buckets[1].label, "2026-03-09");
    assert_int_equal(r.buckets[1].end_ms - r.buckets[1].start_ms, 24 * H);
    wf_dora_result_cleanup(&r);
    /* fall back: 2026-11-01 lasts 25 hours */
    q.since_ms = 1793505600000LL; /* 2026-11-01T04:00Z = local midnight (-4) */
    q.until_ms = q.since_ms + 2 * D;
    assert_int_equal(wf_dora_compute(s, &q, &r), WF_OK);
    assert_string_equal(r.buckets[0].label, "2026-11-01");
    assert_int_equal(r.buckets[0].end_ms - r.buckets[0].start_ms, 25 * H);
    wf_dora_result_cleanup(&r);
    wf_dora_set_free(s);
    wf_dora_tz_cleanup(&tz);
}

static void test_names_and_bad_files(void **state)
{
    (void)state;
    struct wf_dora_tz tz;
    assert_int_equal(wf_dora_tz_load("../../etc/passwd", &tz), WF_EINVAL);
    assert_int_equal(wf_dora_tz_load("/etc/localtime", &tz), WF_EINVAL);
    assert_int_equal(wf_dora_tz_load("Europe/Berlin;rm", &tz), WF_EINVAL);
    assert_int_equal(wf_dora_tz_load("Mars/Olympus_Mons", &tz), WF_ENOENT);
    assert_int_equal(wf_dora_tz_load("UTC", &tz), WF_OK);
    assert_int_equal(wf_dora_tz_offset_s(&tz, UTC_2026_03_28), 0);
    wf_dora_tz_cleanup(&tz);
    assert_int_equal(wf_dora_tz_parse("TZif", 4, &tz), WF_EFORMAT);
    assert_int_equal(
        wf_dora_tz_parse("not a tz file at all, certainly not one of 44+ bytes", 52, &tz),
        WF_EFORMAT);
    /* a real file cut anywhere is refused, never read past its end */
    struct wf_dora_tz whole;
    assert_int_equal(wf_dora_tz_load("Europe/Berlin", &whole), WF_OK);
    wf_dora_tz_cleanup(&whole);
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t cut = 0; cut < n; cut += 97) {
        int rc = wf_dora_tz_parse(buf, cut, &tz);
        assert_true(rc == WF_EFORMAT || rc == WF_OK);
        wf_dora_tz_cleanup(&tz);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_berlin),
        cmocka_unit_test(test_day_buckets_across_dst),
        cmocka_unit_test(test_names_and_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
