/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the log window of GET /v1/builds/{id}/log: lines end at
 * \r\n, \r or \n (as the log reader numbers them), the window is clipped to
 * the log while total_lines counts the whole log, long lines are cut,
 * invalid UTF-8 becomes U+FFFD, and bad windows are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/server_int.h"

static json_t *window(const char *log, size_t len, long from, long to)
{
    json_t *j = NULL;
    assert_int_equal(wf_server__log_window(log, len, from, to, &j), WF_OK);
    assert_non_null(j);
    return j;
}

static const char *line(json_t *j, size_t i)
{
    return json_string_value(json_array_get(json_object_get(j, "lines"), i));
}

static long num(json_t *j, const char *k)
{
    return (long)json_integer_value(json_object_get(j, k));
}

static void test_line_endings(void **state)
{
    (void)state;
    const char log[] = "one\r\ntwo\rthree\nfour";
    json_t *j = window(log, sizeof log - 1, 1, 10);
    assert_int_equal(num(j, "total_lines"), 4);
    assert_int_equal(num(j, "from"), 1);
    assert_int_equal(num(j, "to"), 4);
    assert_string_equal(line(j, 0), "one");
    assert_string_equal(line(j, 1), "two");
    assert_string_equal(line(j, 2), "three");
    assert_string_equal(line(j, 3), "four");
    json_decref(j);
    /* a trailing newline ends the last line; it does not start another */
    j = window("a\nb\n", 4, 1, 5);
    assert_int_equal(num(j, "total_lines"), 2);
    json_decref(j);
    /* blank lines count */
    j = window("a\n\n\nb", 5, 2, 3);
    assert_int_equal(num(j, "total_lines"), 4);
    assert_string_equal(line(j, 0), "");
    assert_string_equal(line(j, 1), "");
    json_decref(j);
}

static void test_window_clipped(void **state)
{
    (void)state;
    char log[64 * 6];
    size_t n = 0;
    for (int i = 1; i <= 50; i++)
        n += (size_t)snprintf(log + n, sizeof log - n, "L%d\n", i);
    json_t *j = window(log, n, 48, 60);
    assert_int_equal(num(j, "from"), 48);
    assert_int_equal(num(j, "to"), 50);
    assert_int_equal(num(j, "total_lines"), 50);
    assert_int_equal(json_array_size(json_object_get(j, "lines")), 3);
    assert_string_equal(line(j, 0), "L48");
    json_decref(j);
    j = window(log, n, 70, 80);
    assert_int_equal(num(j, "to"), 69);
    assert_int_equal(json_array_size(json_object_get(j, "lines")), 0);
    assert_int_equal(num(j, "total_lines"), 50);
    json_decref(j);
    j = window("", 0, 1, 1);
    assert_int_equal(num(j, "total_lines"), 0);
    json_decref(j);
}

static void test_long_line_cut(void **state)
{
    (void)state;
    size_t n = WF_SERVER_LOG_LINE_BYTES + 100;
    char *log = malloc(n);
    assert_non_null(log);
    memset(log, 'x', n);
    json_t *j = window(log, n, 1, 1);
    const char *s = line(j, 0);
    assert_int_equal(strlen(s), WF_SERVER_LOG_LINE_BYTES + 6);
    assert_string_equal(s + WF_SERVER_LOG_LINE_BYTES, " [...]");
    json_decref(j);
    free(log);
}

static void test_utf8_cleaned(void **state)
{
    (void)state;
    const char log[] = "ok \xc3\xa9\n"      /* valid 2-byte */
                       "bad \xff end\n"     /* invalid byte */
                       "cut \xe2\x82\n"     /* truncated 3-byte */
                       "over \xc0\xaf\n"    /* overlong */
                       "sur \xed\xa0\x80\n" /* surrogate */
                       "nul \x00 x\n";      /* NUL kept as a character */
    json_t *j = window(log, sizeof log - 1, 1, 6);
    assert_string_equal(line(j, 0), "ok \xc3\xa9");
    assert_string_equal(line(j, 1), "bad \xef\xbf\xbd end");
    assert_string_equal(line(j, 2), "cut \xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(line(j, 3), "over \xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(line(j, 4), "sur \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    json_t *nul = json_array_get(json_object_get(j, "lines"), 5);
    assert_int_equal(json_string_length(nul), 7);
    json_decref(j);
}

static void test_bad_windows(void **state)
{
    (void)state;
    json_t *j = NULL;
    assert_int_equal(wf_server__log_window("a", 1, 0, 1, &j), WF_EINVAL);
    assert_int_equal(wf_server__log_window("a", 1, 5, 4, &j), WF_EINVAL);
    assert_int_equal(wf_server__log_window("a", 1, 1, (long)WF_SERVER_LOG_WINDOW_LINES + 1, &j),
                     WF_EINVAL);
    assert_null(j);
    assert_int_equal(wf_server__log_window("a", 1, 1, (long)WF_SERVER_LOG_WINDOW_LINES, &j), WF_OK);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_endings),  cmocka_unit_test(test_window_clipped),
        cmocka_unit_test(test_long_line_cut), cmocka_unit_test(test_utf8_cleaned),
        cmocka_unit_test(test_bad_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
