/* SPDX-License-Identifier: Apache-2.0 */
/* The streaming reader: line ends, chunking, cleaning, long lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "logs/logs.h"

#include <stdlib.h>
#include <string.h>

#define MAXL 64

struct got {
    size_t n;
    char text[MAXL][256];
    size_t lineno[MAXL];
    size_t raw[MAXL];
    unsigned trunc[MAXL];
    char step[MAXL][64];
};

static int collect(void *ud, const struct wf_logs_line *ln)
{
    struct got *g = ud;
    if (g->n >= MAXL)
        return WF_ETOOBIG;
    size_t L = ln->len < 255 ? ln->len : 255;
    memcpy(g->text[g->n], ln->text, L);
    g->text[g->n][L] = '\0';
    g->lineno[g->n] = ln->lineno;
    g->raw[g->n] = ln->raw_bytes;
    g->trunc[g->n] = ln->truncated;
    g->step[g->n][0] = '\0';
    if (ln->step) {
        size_t sl = ln->step_len < 63 ? ln->step_len : 63;
        memcpy(g->step[g->n], ln->step, sl);
        g->step[g->n][sl] = '\0';
    }
    g->n++;
    return 0;
}

/* Feeds `s` in chunks of `chunk` bytes. */
static void read_chunks(const char *s, size_t n, size_t chunk, struct got *g)
{
    struct wf_logs_reader *r;
    memset(g, 0, sizeof(*g));
    assert_int_equal(wf_logs_reader_new(&r), WF_OK);
    for (size_t i = 0; i < n; i += chunk) {
        size_t k = n - i < chunk ? n - i : chunk;
        assert_int_equal(wf_logs_reader_feed(r, s + i, k, collect, g), WF_OK);
    }
    assert_int_equal(wf_logs_reader_finish(r, collect, g), WF_OK);
    assert_int_equal(wf_logs_reader_lines(r), g->n);
    assert_int_equal(wf_logs_reader_bytes(r), n);
    wf_logs_reader_free(r);
}

static void test_line_ends(void **state)
{
    (void)state;
    /* \r\n, \r and \n each end one line; cidiff counts the same way */
    static const char log[] = "a\r\nb\rc\nd\r\re";
    for (size_t chunk = 1; chunk <= sizeof(log); chunk++) {
        struct got g;
        read_chunks(log, sizeof(log) - 1, chunk, &g);
        assert_int_equal(g.n, 6);
        assert_string_equal(g.text[0], "a");
        assert_string_equal(g.text[1], "b");
        assert_string_equal(g.text[2], "c");
        assert_string_equal(g.text[3], "d");
        assert_string_equal(g.text[4], "");
        assert_string_equal(g.text[5], "e");
        assert_int_equal(g.lineno[5], 6);
    }
}

static void test_trailing_newline_no_extra_line(void **state)
{
    (void)state;
    struct got g;
    read_chunks("x\ny\n", 4, 3, &g);
    assert_int_equal(g.n, 2);
    read_chunks("", 0, 1, &g);
    assert_int_equal(g.n, 0);
}

static void test_cleaning(void **state)
{
    (void)state;
    static const char log[] = "2022-05-30T09:11:02.8576680Z \x1b[31mERROR\x1b[0m boom\n"
                              "[2024-01-02T03:04:05.123Z] jenkins stamp\n"
                              "2023-06-01T10:00:00.000000Z 00O gitlab line\n"
                              "nul\0byte\n"
                              "build\tRun tests\t2021-12-01T13:01:04.3785538Z > Task :test FAILED\n"
                              "not\ta\tprefix\n";
    struct got g;
    read_chunks(log, sizeof(log) - 1, 7, &g);
    assert_int_equal(g.n, 6);
    assert_string_equal(g.text[0], "ERROR boom");
    assert_string_equal(g.text[1], "jenkins stamp");
    assert_string_equal(g.text[2], "gitlab line");
    assert_string_equal(g.text[3], "nul byte");
    assert_string_equal(g.text[4], "> Task :test FAILED");
    assert_string_equal(g.step[4], "Run tests");
    assert_string_equal(g.text[5], "not\ta\tprefix");
    assert_string_equal(g.step[5], "");
}

static void test_long_line_truncated_not_split(void **state)
{
    (void)state;
    size_t big = 3u * WF_LIMIT_LINE_BYTES + 17;
    char *log = malloc(big + 8);
    assert_non_null(log);
    memset(log, 'x', big);
    memcpy(log + big, "\nnext\n", 6);
    struct got g;
    read_chunks(log, big + 6, 4096, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.raw[0], big);
    assert_int_equal(g.trunc[0], 1);
    assert_string_equal(g.text[1], "next");
    assert_int_equal(g.trunc[1], 0);
    free(log);
}

static void test_callback_stops(void **state)
{
    (void)state;
    struct wf_logs_reader *r;
    struct got g;
    memset(&g, 0, sizeof(g));
    g.n = MAXL; /* collect() fails at once */
    assert_int_equal(wf_logs_reader_new(&r), WF_OK);
    assert_int_equal(wf_logs_reader_feed(r, "a\nb\n", 4, collect, &g), WF_ETOOBIG);
    wf_logs_reader_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_trailing_newline_no_extra_line),
        cmocka_unit_test(test_cleaning),
        cmocka_unit_test(test_long_line_truncated_not_split),
        cmocka_unit_test(test_callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
