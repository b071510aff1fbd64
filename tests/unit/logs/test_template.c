/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the template miner: lines differing only in values share a
 * cluster with the right template, different messages do not, match() finds
 * without changing anything, and the limits hold. Snippets are HDFS, OpenSSH,
 * Hadoop and CI lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "logs/logs.h"

static uint32_t add(struct wf_logs_miner *m, const char *s)
{
    uint32_t id = UINT32_MAX;
    assert_int_equal(wf_logs_miner_add(m, s, strlen(s), &id), WF_OK);
    return id;
}

static void check_template(const struct wf_logs_miner *m, uint32_t id, const char *want)
{
    struct wf_buf b;
    wf_buf_init(&b, 4096);
    assert_int_equal(wf_logs_miner_template(m, id, &b), WF_OK);
    assert_string_equal(b.len ? b.p : "", want);
    wf_buf_cleanup(&b);
}

static void test_values_join(void **state)
{
    (void)state;
    struct wf_logs_miner *m = NULL;
    assert_int_equal(wf_logs_miner_new(NULL, &m), WF_OK);
    uint32_t a = add(m, "PacketResponder 1 for block blk_38865049064139660 terminating");
    uint32_t b = add(m, "PacketResponder 0 for block blk_-6952295868487656571 terminating");
    uint32_t c = add(m, "PacketResponder 2 for block blk_8229193803249955061 terminating");
    assert_int_equal(a, b);
    assert_int_equal(a, c);
    check_template(m, a, "PacketResponder <*> for block blk_<*> terminating");
    assert_int_equal(wf_logs_miner_cluster_size(m, a), 3);

    uint32_t d = add(m, "Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6");
    uint32_t e =
        add(m, "Received block blk_7503483334202473044 of size 233217 from /10.250.19.102");
    assert_int_equal(d, e);
    assert_int_not_equal(a, d);
    check_template(m, d, "Received block blk_<*> of size <*> from /<*>");

    /* A word that differs becomes a wildcard once both lines join. */
    uint32_t f = add(m, "Invalid user webmaster from 173.234.31.186");
    uint32_t g = add(m, "Invalid user test9 from 52.80.34.196");
    uint32_t h = add(m, "Invalid user admin from 103.99.0.122");
    assert_int_equal(f, g);
    assert_int_equal(f, h);
    check_template(m, f, "Invalid user <*> from <*>");
    assert_int_equal(wf_logs_miner_count(m), 3);
    wf_logs_miner_free(m);
}

static void test_messages_differ(void **state)
{
    (void)state;
    struct wf_logs_miner *m = NULL;
    assert_int_equal(wf_logs_miner_new(NULL, &m), WF_OK);
    uint32_t a = add(m, "src/a.c:42:7: error: expected ';' before '}' token");
    uint32_t b = add(m, "src/b.c:7:1: error: expected ';' before '}' token");
    uint32_t c = add(m, "src/a.c:42:7: warning: unused variable 'x' [-Wunused-variable]");
    uint32_t d = add(m, "Tests run: 5, Failures: 1, Errors: 0, Skipped: 0");
    uint32_t e = add(m, "Tests run: 12, Failures: 0, Errors: 0, Skipped: 2");
    uint32_t f = add(m, "npm ERR! code ELIFECYCLE");
    uint32_t g = add(m, "Connection closed by 173.234.31.186 [preauth]");
    assert_int_not_equal(a, c);
    assert_int_equal(d, e);
    check_template(m, d, "Tests run: <*>, Failures: <*>, Errors: <*>, Skipped: <*>");
    assert_true(a != d && a != f && a != g && c != d && f != g && d != g);
    check_template(m, f, "npm ERR! code ELIFECYCLE");
    (void)b;
    wf_logs_miner_free(m);
}

static void test_optional_parts(void **state)
{
    (void)state;
    struct wf_logs_miner *m = NULL;
    assert_int_equal(wf_logs_miner_new(NULL, &m), WF_OK);
    /* An optional "(1.16 KB)" or "<1 sec" does not split an event... */
    uint32_t a = add(m, "proxy.example.org:5070 close, 0 bytes sent, 0 bytes received, "
                        "lifetime 00:01");
    uint32_t b = add(m, "mail.example.com:80 close, 1190 bytes (1.16 KB) sent, 1671 bytes "
                        "(1.63 KB) received, lifetime 00:02");
    uint32_t c = add(m, "10.0.0.1:443 close, 445 bytes sent, 5174 bytes (5.05 KB) received, "
                        "lifetime <1 sec");
    uint32_t d = add(m, "get.example.net:80 close, 899 bytes sent, 348 bytes received, "
                        "lifetime 00:03");
    assert_int_equal(a, b);
    assert_int_equal(a, c);
    assert_int_equal(a, d);
    check_template(m, a, "<*> close, <*> <*> sent, <*> <*> received, lifetime <*>");
    /* ...but extra words do. */
    uint32_t e = add(m, "Failed password for root from 10.0.0.1 port 22 ssh2");
    uint32_t f = add(m, "Failed password for invalid user admin from 10.0.0.2 port 4 ssh2");
    uint32_t g = add(m, "Failed password for test from 10.0.0.3 port 2222 ssh2");
    assert_int_not_equal(e, f);
    assert_int_equal(e, g);
    uint32_t x = add(m, "total of 5 ddr error(s) detected and corrected");
    uint32_t y = add(m, "total of 3 ddr error(s) detected and corrected over 7 seconds");
    assert_int_not_equal(x, y);
    /* Half the words in common is not enough. */
    uint32_t h = add(m, "Received disconnect from 10.0.0.1: 11: Bye Bye [preauth]");
    uint32_t i = add(m, "Received disconnect from 10.0.0.2: 11: disconnected by user");
    assert_int_not_equal(h, i);
    /* Dotted names in front do not split an event. */
    uint32_t j = add(m, "com.apple.cache.daily: scheduler told me to run this job; the start "
                        "time isn't for 439034 seconds.  Ignoring.");
    uint32_t k = add(m, "com.apple.safari.update: scheduler told me to run this job; the start "
                        "time isn't for 2450 seconds.  Ignoring.");
    assert_int_equal(j, k);
    check_template(m, j,
                   "<*> scheduler told me to run this job; the start time isn't for <*>. "
                   "Ignoring.");
    wf_logs_miner_free(m);
}

static void test_match_is_read_only(void **state)
{
    (void)state;
    struct wf_logs_miner *m = NULL;
    assert_int_equal(wf_logs_miner_new(NULL, &m), WF_OK);
    uint32_t a = add(m, "Accepted password for root from 10.0.0.1 port 22 ssh2");
    uint32_t id = UINT32_MAX;
    const char *s = "Accepted password for fztu from 119.137.62.142 port 49116 ssh2";
    assert_int_equal(wf_logs_miner_match(m, s, strlen(s), &id), WF_OK);
    assert_int_equal(id, a);
    /* No size change, no template change. */
    assert_int_equal(wf_logs_miner_cluster_size(m, a), 1);
    check_template(m, a, "Accepted password for root from <*> port <*> ssh2");
    s = "pam_unix(sshd:session): session closed for user root";
    assert_int_equal(wf_logs_miner_match(m, s, strlen(s), &id), WF_ENOENT);
    assert_int_equal(wf_logs_miner_count(m), 1);
    wf_logs_miner_free(m);
}

static void test_limits(void **state)
{
    (void)state;
    struct wf_logs_miner *m = NULL;
    assert_int_equal(wf_logs_miner_new(NULL, &m), WF_OK);
    /* Lines longer than WF_LIMIT_TOKENS tokens are cut, not rejected. */
    struct wf_buf big;
    wf_buf_init(&big, 1 << 20);
    for (unsigned i = 0; i < WF_LIMIT_TOKENS + 50; i++)
        assert_int_equal(wf_buf_appendf(&big, "w%c ", 'a' + (char)(i % 26)), WF_OK);
    uint32_t a = UINT32_MAX;
    assert_int_equal(wf_logs_miner_add(m, big.p, big.len, &a), WF_OK);
    struct wf_buf t;
    wf_buf_init(&t, 1 << 20);
    assert_int_equal(wf_logs_miner_template(m, a, &t), WF_OK);
    size_t spaces = 0;
    for (size_t i = 0; i < t.len; i++)
        spaces += t.p[i] == ' ';
    assert_int_equal(spaces + 1, WF_LIMIT_TOKENS);
    wf_buf_cleanup(&t);
    wf_buf_cleanup(&big);

    /* Empty lines are a cluster of their own. */
    uint32_t e1 = UINT32_MAX, e2 = UINT32_MAX;
    assert_int_equal(wf_logs_miner_add(m, "", 0, &e1), WF_OK);
    assert_int_equal(wf_logs_miner_add(m, "   ", 3, &e2), WF_OK);
    assert_int_equal(e1, e2);
    check_template(m, e1, "");

    /* Unknown cluster ids. */
    assert_int_equal(wf_logs_miner_cluster_size(m, 999999), 0);
    wf_buf_init(&t, 64);
    assert_int_equal(wf_logs_miner_template(m, 999999, &t), WF_EINVAL);
    wf_buf_cleanup(&t);

    /* Invalid options. */
    struct wf_logs_miner *bad = NULL;
    struct wf_logs_miner_opts o = {.depth = 1};
    assert_int_equal(wf_logs_miner_new(&o, &bad), WF_EINVAL);
    o = (struct wf_logs_miner_opts){.sim = 1.5};
    assert_int_equal(wf_logs_miner_new(&o, &bad), WF_EINVAL);
    assert_null(bad);
    wf_logs_miner_free(m);
}

static void test_cluster_cap(void **state)
{
    (void)state;
    struct wf_logs_miner *m = NULL;
    assert_int_equal(wf_logs_miner_new(NULL, &m), WF_OK);
    /* Distinct letter-only words: every line is a new cluster. */
    char line[8];
    uint32_t id = 0;
    int rc = WF_OK;
    for (size_t i = 0; i <= WF_LIMIT_TEMPLATES && rc == WF_OK; i++) {
        for (size_t k = 0, v = i; k < 4; k++, v /= 26)
            line[k] = (char)('a' + v % 26);
        rc = wf_logs_miner_add(m, line, 4, &id);
    }
    assert_int_equal(rc, WF_ETOOBIG);
    assert_int_equal(wf_logs_miner_count(m), WF_LIMIT_TEMPLATES);
    /* Lines that fit an existing cluster still work at the cap. */
    assert_int_equal(wf_logs_miner_add(m, "aaaa", 4, &id), WF_OK);
    assert_int_equal(id, 0);
    wf_logs_miner_free(m);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    /* Fail each allocation in turn: every call either succeeds or reports
     * ENOMEM, and nothing leaks (ASan checks the latter). */
    for (long k = 0; k < 40; k++) {
        struct wf_logs_miner *m = NULL;
        wf_alloc_fail_after(k);
        int rc = wf_logs_miner_new(NULL, &m);
        if (rc == WF_OK) {
            uint32_t id;
            const char *l[] = {"Invalid user admin from 1.2.3.4", "Invalid user x from 5.6.7.8",
                               "session opened for user root by (uid=0)",
                               "Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]"};
            for (size_t i = 0; i < 4; i++) {
                rc = wf_logs_miner_add(m, l[i], strlen(l[i]), &id);
                assert_true(rc == WF_OK || rc == WF_ENOMEM);
            }
        } else {
            assert_int_equal(rc, WF_ENOMEM);
        }
        wf_alloc_fail_after(-1);
        wf_logs_miner_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_join),    cmocka_unit_test(test_messages_differ),
        cmocka_unit_test(test_optional_parts), cmocka_unit_test(test_match_is_read_only),
        cmocka_unit_test(test_limits),         cmocka_unit_test(test_cluster_cap),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
