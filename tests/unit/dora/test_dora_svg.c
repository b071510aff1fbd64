/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the SVG charts and the weekly report: well-formedness
 * (every opened tag closed, in order; no raw '<' or '&' in text), XML
 * escaping of titles, legends and labels, gaps in line series, and the
 * report's deterministic sentences and embedded charts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dora/dora.h"

#define H (3600 * 1000LL)
#define T0 1794787200000LL /* Monday 2026-11-16, 2026-W47 */

/* A tiny XML checker: tags nest and close in order, '&' starts a known
 * entity, text holds no '<'. Returns the number of elements, -1 on error. */
static int xml_check(const char *p)
{
    char stack[64][32];
    int depth = 0, elems = 0;
    while (*p) {
        if (*p == '&') {
            const char *ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            int ok = 0;
            for (int i = 0; i < 5; i++)
                if (strncmp(p, ents[i], strlen(ents[i])) == 0)
                    ok = 1;
            if (!ok)
                return -1;
            p++;
            continue;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        const char *end = strchr(p, '>');
        if (!end)
            return -1;
        /* attributes must not hold a raw '<' */
        if (memchr(p + 1, '<', (size_t)(end - p - 1)))
            return -1;
        if (p[1] == '/') {
            size_t n = (size_t)(end - p - 2);
            if (!depth || strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], p + 2, n))
                return -1;
            depth--;
        } else if (end[-1] != '/' && p[1] != '!') {
            size_t n = strcspn(p + 1, " >/");
            if (depth == 64 || n >= 32)
                return -1;
            memcpy(stack[depth], p + 1, n);
            stack[depth][n] = 0;
            depth++;
            elems++;
        } else {
            elems++;
        }
        p = end + 1;
    }
    return depth == 0 ? elems : -1;
}

static void test_chart(void **state)
{
    (void)state;
    const char *labels[] = {"2026-W46", "<W47>", "W&48"};
    double a[] = {3, -1, 7}, b[] = {0.5, 2, 1};
    struct wf_dora_series s[] = {{"deploys \"prod\"", a}, {"it's <lead>", b}};
    struct wf_buf out;
    wf_buf_init(&out, 1u << 20);
    assert_int_equal(
        wf_dora_svg_chart(&out, WF_DORA_CHART_LINE, "A & B <title>", "hours", labels, 3, s, 2),
        WF_OK);
    assert_true(xml_check(out.p) > 10);
    assert_non_null(strstr(out.p, "A &amp; B &lt;title&gt;"));
    assert_non_null(strstr(out.p, "&lt;W47&gt;"));
    assert_non_null(strstr(out.p, "W&amp;48"));
    assert_non_null(strstr(out.p, "deploys &quot;prod&quot;"));
    assert_non_null(strstr(out.p, "it&apos;s &lt;lead&gt;"));
    assert_null(strstr(out.p, "<title>"));
    /* the gap at index 1 restarts the line: two M commands in series a */
    const char *path = strstr(out.p, "<path");
    assert_non_null(path);
    assert_non_null(strstr(path, "M"));
    assert_non_null(strstr(strstr(path, "d=\"M") + 4, "M"));
    /* y axis: nice maximum 10 for a max of 7, ticks 0 2.5 5 7.5 10 */
    assert_non_null(strstr(out.p, ">7.5</text>"));
    assert_non_null(strstr(out.p, ">10</text>"));
    wf_buf_reset(&out);
    assert_int_equal(wf_dora_svg_chart(&out, WF_DORA_CHART_BAR, "bars", "n", labels, 3, s, 1),
                     WF_OK);
    assert_true(xml_check(out.p) > 0);
    /* two bars (one gap) + one legend swatch + the background */
    int rects = 0;
    for (const char *p = out.p; (p = strstr(p, "<rect")); p++)
        rects++;
    assert_int_equal(rects, 4);
    assert_int_equal(wf_dora_svg_chart(&out, WF_DORA_CHART_BAR, "x", "y", labels, 0, s, 1),
                     WF_EINVAL);
    wf_buf_cleanup(&out);
}

static void test_summary(void **state)
{
    (void)state;
    struct wf_dora_stats p, c;
    memset(&p, 0, sizeof p);
    memset(&c, 0, sizeof c);
    p.deploys = 3;
    p.changes = 3;
    p.lead_median_h = 26;
    p.lead_p90_h = 40;
    p.change_failure_rate = 1.0 / 3;
    p.failed = 1;
    c.deploys = 7;
    c.changes = 14;
    c.lead_median_h = 9;
    c.lead_p90_h = 20;
    c.change_failure_rate = 0;
    p.recovery_median_h = c.recovery_median_h = -1;
    p.restore_median_h = c.restore_median_h = -1;
    p.rework_rate = 0;
    c.rework_rate = 0;
    struct wf_buf out;
    wf_buf_init(&out, 1u << 16);
    assert_int_equal(wf_dora_summary(&p, &c, &out), WF_OK);
    assert_non_null(strstr(out.p, "Deployment frequency rose from 3 to 7 per week"));
    assert_non_null(strstr(out.p, "Lead time median fell from 26 h to 9 h because 14 changes "
                                  "shipped in 7 deployments (2.0 per deployment, 1.0 the week "
                                  "before); p90 20 h."));
    assert_non_null(strstr(out.p, "Change failure rate fell from 33% to 0%"));
    assert_non_null(strstr(out.p, "No incident was opened."));
    assert_non_null(strstr(out.p, "Rework rate stayed at 0%"));
    wf_buf_cleanup(&out);
}

static void add(struct wf_dora_set *s, enum wf_dora_kind k, const char *id, const char *sha,
                const char *status, int64_t at, int64_t resolved)
{
    struct wf_dora_input in = {k, "acme/<shop>", "production", id, sha, status, NULL, at, resolved};
    assert_int_equal(wf_dora_set_add(s, &in), WF_OK);
}

static void test_report(void **state)
{
    (void)state;
    struct wf_dora_set *s;
    assert_int_equal(wf_dora_set_new(&s), WF_OK);
    /* W46: 1 deploy, lead 10 h; W47: 2 deploys, leads 1 h and 3 h, one incident of 2 h */
    add(s, WF_DORA_CHANGE, NULL, "1111111", NULL, T0 - 7 * 24 * H, 0);
    add(s, WF_DORA_DEPLOYMENT, "a", "1111111", "success", T0 - 7 * 24 * H + 10 * H, 0);
    add(s, WF_DORA_CHANGE, NULL, "2222222", NULL, T0 + 9 * H, 0);
    add(s, WF_DORA_DEPLOYMENT, "b", "2222222", "success", T0 + 10 * H, 0);
    add(s, WF_DORA_CHANGE, NULL, "3333333", NULL, T0 + 27 * H, 0);
    add(s, WF_DORA_DEPLOYMENT, "c", "3333333", "success", T0 + 30 * H, 0);
    add(s, WF_DORA_INCIDENT, "i", NULL, "closed", T0 + 40 * H, T0 + 42 * H);
    struct wf_dora_query q;
    memset(&q, 0, sizeof q);
    q.service = "acme/<shop>";
    struct wf_buf out;
    wf_buf_init(&out, 8u << 20);
    assert_int_equal(wf_dora_report(s, &q, T0, 4, WF_DORA_REPORT_HTML, &out), WF_OK);
    assert_true(xml_check(strstr(out.p, "<html>")) > 20);
    assert_non_null(strstr(out.p, "DORA weekly report 2026-W47: acme/&lt;shop&gt;"));
    assert_non_null(strstr(out.p, "Deployment frequency rose from 1 to 2 per week"));
    assert_non_null(strstr(out.p, "Lead time median fell from 10 h to 2 h because 2 changes"));
    assert_non_null(strstr(out.p, "1 incident opened, 1 resolved; time to restore median was 2 h"));
    assert_non_null(strstr(out.p, "2026-W44"));
    int svgs = 0;
    for (const char *p = out.p; (p = strstr(p, "<svg")); p++)
        svgs++;
    assert_int_equal(svgs, 4);
    wf_buf_reset(&out);
    assert_int_equal(wf_dora_report(s, &q, T0, 4, WF_DORA_REPORT_MD, &out), WF_OK);
    assert_non_null(strstr(out.p, "# DORA weekly report 2026-W47: acme/<shop>"));
    assert_non_null(strstr(out.p, "| deployments | 1 | 2 |"));
    assert_non_null(strstr(out.p, "| lead time median | 10.0 h | 2.0 h | elite |"));
    assert_non_null(strstr(out.p, "![Deployments per week](data:image/svg+xml;base64,PHN2Zy"));
    assert_int_equal(wf_dora_report(s, &q, T0, 1, WF_DORA_REPORT_MD, &out), WF_EINVAL);
    wf_buf_cleanup(&out);
    wf_dora_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chart),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
