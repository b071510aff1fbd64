/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the text module: ANSI stripping, tokenizing, classifying
 * and masking, on snippets taken from real CI logs (gcc, maven, pytest,
 * junit, git, docker, GitHub Actions).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/text.h"

static void check_strip(const char *in, size_t len, const char *want)
{
    char buf[512];
    assert_true(len < sizeof(buf));
    memcpy(buf, in, len);
    size_t n = wf_text_strip_ansi(buf, len, buf); /* in place */
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, n);

    char out[512];
    n = wf_text_strip_ansi(in, len, out);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
}

#define STRIP(in, want) check_strip(in, sizeof(in) - 1, want)

static void test_strip_ansi(void **state)
{
    (void)state;
    STRIP("\x1b[31mERROR\x1b[0m: build failed", "ERROR: build failed");
    STRIP("\x1b[1;31;40mFAILED\x1b[m tests/test_x.py", "FAILED tests/test_x.py");
    STRIP("\x1b[?25l\x1b[2K\x1b[1Gnpm ERR! code 1", "npm ERR! code 1");
    /* OSC 8 hyperlinks, terminated by ST and by BEL. */
    STRIP("see \x1b]8;;https://ci.example.com/job/42\x1b\\job 42\x1b]8;;\x1b\\ log",
          "see job 42 log");
    STRIP("\x1b]0;window title\x07ok", "ok");
    /* Two-byte sequences and charset selection. */
    STRIP("\x1b(Bplain\x1b=\x1b>\x1b"
          "7",
          "plain");
    /* NUL becomes a space. */
    STRIP("a\0b", "a b");
    /* Broken sequences never swallow a newline. */
    STRIP("\x1b[31\nnext", "\nnext");
    STRIP("\x1b]8;;unterminated\nline 2", "\nline 2");
    STRIP("trailing \x1b", "trailing ");
    STRIP("trailing \x1b[", "trailing ");
    STRIP("", "");
    STRIP("no escapes at all", "no escapes at all");
    /* Caret notation of colour codes from log exports; other text stays. */
    STRIP("^[[31mFAILED^[[0m tests/a.py::t - ^[[1;33mx^[[m", "FAILED tests/a.py::t - x");
    STRIP("regex ^[[a-z]+ and ^[[31x", "regex ^[[a-z]+ and ^[[31x");
}

static void test_tokenize(void **state)
{
    (void)state;
    struct wf_str t[4];
    size_t total = 0;
    const char *s = "  src/a.c:42:7:\terror: expected ';'\r\n";
    size_t n = wf_text_tokenize(s, strlen(s), t, 4, &total);
    assert_int_equal(n, 4);
    assert_int_equal(total, 4);
    assert_int_equal(t[0].len, strlen("src/a.c:42:7:"));
    assert_memory_equal(t[0].p, "src/a.c:42:7:", t[0].len);
    assert_memory_equal(t[3].p, "';'", 3);

    s = "Tests run: 5, Failures: 1, Errors: 0, Skipped: 0";
    n = wf_text_tokenize(s, strlen(s), t, 3, &total);
    assert_int_equal(n, 3);
    assert_int_equal(total, 9);
    assert_memory_equal(t[2].p, "5,", 2);

    n = wf_text_tokenize(" \t ", 3, t, 4, NULL);
    assert_int_equal(n, 0);
    n = wf_text_tokenize("a b", 3, NULL, 0, &total);
    assert_int_equal(n, 0);
    assert_int_equal(total, 2);
}

static enum wf_text_class cls(const char *s)
{
    return wf_text_classify(s, strlen(s));
}

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(cls("42"), WF_TEXT_NUM);
    assert_int_equal(cls("-3.5"), WF_TEXT_NUM);
    assert_int_equal(cls("0x1f"), WF_TEXT_NUM);
    assert_int_equal(cls("1e9"), WF_TEXT_NUM);
    assert_int_equal(cls("3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"), WF_TEXT_HEX);
    assert_int_equal(cls("a3f9c21"), WF_TEXT_HEX);
    assert_int_equal(cls("deadbeef"), WF_TEXT_WORD);
    assert_int_equal(cls("facade"), WF_TEXT_WORD);
    assert_int_equal(cls("123e4567-e89b-12d3-a456-426614174000"), WF_TEXT_UUID);
    assert_int_equal(cls("2024-01-02T03:04:05Z"), WF_TEXT_TIME);
    assert_int_equal(cls("2024-01-02"), WF_TEXT_TIME);
    assert_int_equal(cls("12:34:56.789"), WF_TEXT_TIME);
    assert_int_equal(cls("2015-10-18T18:01:47,978+02:00"), WF_TEXT_TIME);
    assert_int_equal(cls("1.5s"), WF_TEXT_DURATION);
    assert_int_equal(cls("200ms"), WF_TEXT_DURATION);
    assert_int_equal(cls("3m20s"), WF_TEXT_DURATION);
    assert_int_equal(cls("10.0.0.1"), WF_TEXT_IP);
    assert_int_equal(cls("10.0.0.1:8080"), WF_TEXT_IP);
    assert_int_equal(cls("::1"), WF_TEXT_IP);
    assert_int_equal(cls("fe80::1ff:fe23:4567:890a"), WF_TEXT_IP);
    assert_int_equal(cls("/tmp/x/y.c"), WF_TEXT_PATH);
    assert_int_equal(cls("C:\\x\\y"), WF_TEXT_PATH);
    assert_int_equal(cls("./a/b"), WF_TEXT_PATH);
    assert_int_equal(cls("https://github.com/o/r/actions/runs/123"), WF_TEXT_URL);
    assert_int_equal(cls("blk_-1608999687919862906"), WF_TEXT_ID);
    assert_int_equal(cls("job-7f3a2"), WF_TEXT_ID);
    assert_int_equal(cls("error:"), WF_TEXT_WORD);
    assert_int_equal(cls("AssertionError"), WF_TEXT_WORD);
    assert_int_equal(cls("std::vector"), WF_TEXT_WORD);
    assert_int_equal(cls("-"), WF_TEXT_WORD);
    assert_int_equal(cls(""), WF_TEXT_WORD);
}

static void check_mask(const char *in, const char *want)
{
    struct wf_buf b;
    wf_buf_init(&b, 4096);
    assert_int_equal(wf_text_mask(in, strlen(in), &b), WF_OK);
    assert_string_equal(b.len ? b.p : "", want);
    wf_buf_cleanup(&b);
}

static void test_mask(void **state)
{
    (void)state;
    check_mask("src/a.c:42:7: error: expected ';' before '}' token",
               "src/a.c:<*>:<*>: error: expected ';' before '}' token");
    check_mask("[ERROR] /x/Foo.java:[12,5] cannot find symbol",
               "[ERROR] /x/Foo.java:[<*>,<*>] cannot find symbol");
    check_mask("FAILED tests/test_x.py::test_y - AssertionError",
               "FAILED tests/test_x.py::test_y - AssertionError");
    check_mask("tests/test_x.py::test_y PASSED (0.12s)", "tests/test_x.py::test_y PASSED (<*>)");
    check_mask("Tests run: 5, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.35 s",
               "Tests run: <*>, Failures: <*>, Errors: <*>, Skipped: <*>, Time elapsed: <*>");
    check_mask("HEAD is now at 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39 Fix build",
               "HEAD is now at <*> Fix build");
    check_mask("request 123e4567-e89b-12d3-a456-426614174000 failed", "request <*> failed");
    check_mask("dial tcp 10.0.0.1:5432: connect: connection refused",
               "dial tcp <*>: connect: connection refused");
    check_mask("GET https://registry.npmjs.org/left-pad 404", "GET <*> <*>");
    check_mask("2024-01-02T03:04:05.123Z ##[error]Process completed with exit code 1.",
               "<*> ##[error]Process completed with exit code <*>.");
    check_mask("PacketResponder 1 for block blk_-1608999687919862906 terminating",
               "PacketResponder <*> for block blk_<*> terminating");
    check_mask("Step 3/7 : RUN make -j4", "Step <*>/<*> : RUN make -j4");
    check_mask("/usr/lib/gcc/libfoo.so.6: cannot open", "/usr/lib/gcc/libfoo.so.<*>: cannot open");
    check_mask("x86 sha256 utf8 python3", "x86 sha256 utf8 python3");
    check_mask("calvisitor-10-105-160-95 IOThunderboltSwitch<0>(0x0)::listenerCallback",
               "calvisitor-<*> IOThunderboltSwitch<<*>>(<*>)::listenerCallback");
    check_mask("uid=0 euid=0 rhost=218.188.2.4", "uid=<*> euid=<*> rhost=<*>");
    /* A unit after a number belongs to the value. */
    check_mask("test_x (0.01 sec) took 1190 bytes (1.16 KB), 439034 seconds.",
               "test_x (<*>) took <*> (<*>), <*>.");
    check_mask("5 tests, 3 failures", "<*> tests, <*> failures");
    /* Month and weekday names are values only inside dates. */
    check_mask("connection from 10.0.0.1 () at Fri Jul  1 07:57:30 2005",
               "connection from <*> () at <*> <*> <*> <*> <*>");
    check_mask("Jun 14 15:16:01 combo sshd", "<*> <*> <*> combo sshd");
    check_mask("built on 1 May 2024", "built on <*> <*> <*>");
    check_mask("You May proceed; Sun rises in March", "You May proceed; Sun rises in March");
    check_mask("  lots   of\t\tspace  ", "lots of space");
    check_mask("", "");
}

static void test_mask_errors(void **state)
{
    (void)state;
    struct wf_buf b;
    wf_buf_init(&b, 10);
    assert_int_equal(wf_buf_puts(&b, "keep"), WF_OK);
    const char *s = "this line is far too long 1 2 3";
    assert_int_equal(wf_text_mask(s, strlen(s), &b), WF_ETOOBIG);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.p, "keep");

    /* ENOMEM leaves the buffer unchanged as well. */
    wf_buf_cleanup(&b);
    wf_buf_init(&b, 1 << 20);
    wf_alloc_fail_after(0);
    assert_int_equal(wf_text_mask(s, strlen(s), &b), WF_ENOMEM);
    wf_alloc_fail_after(-1);
    assert_int_equal(b.len, 0);
    wf_buf_cleanup(&b);
}

static void test_lower_find(void **state)
{
    (void)state;
    char buf[32] = "BUILD Failed: X";
    wf_text_lower(buf, strlen(buf), buf);
    assert_string_equal(buf, "build failed: x");

    const char *hay = "npm ERR! Test FAILED. See above";
    assert_ptr_equal(wf_text_find_ci(hay, strlen(hay), "failed"), hay + 14);
    assert_ptr_equal(wf_text_find_ci(hay, strlen(hay), "err!"), hay + 4);
    assert_null(wf_text_find_ci(hay, strlen(hay), "panic"));
    assert_ptr_equal(wf_text_find_ci(hay, strlen(hay), ""), hay);
    /* The length bounds the search, not the NUL. */
    assert_null(wf_text_find_ci(hay, 10, "failed"));
    assert_null(wf_text_find_ci("ab", 2, "abc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strip_ansi),  cmocka_unit_test(test_tokenize),
        cmocka_unit_test(test_classify),    cmocka_unit_test(test_mask),
        cmocka_unit_test(test_mask_errors), cmocka_unit_test(test_lower_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
