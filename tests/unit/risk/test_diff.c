/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the unified-diff parser on real `git diff`, `git
 * format-patch` and `diff -u` output: renames, mode changes, new, deleted
 * and binary files, several hunks, missing final newlines, quoted paths,
 * CRLF line ends; each rejection with its line number; allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk/risk.h"

/* Parses text into d (freshly initialised here); returns the code and fills
 * line and the message. */
static int parse(const char *text, struct wf_risk_diff *d, size_t *line, char *msg, size_t cap)
{
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    wf_risk_diff_init(d);
    *line = 999;
    int rc = wf_risk_diff_parse(text, strlen(text), d, line, &err);
    snprintf(msg, cap, "%s", err.p ? err.p : "");
    wf_buf_cleanup(&err);
    return rc;
}

/* Parses text that must load. */
static void load(const char *text, struct wf_risk_diff *d)
{
    size_t line;
    char msg[256];
    int rc = parse(text, d, &line, msg, sizeof(msg));
    if (rc != WF_OK)
        fail_msg("%s at line %zu: %s", wf_errname(rc), line, msg);
    assert_int_equal(line, 0);
}

/* Text of a line as a C string, for comparisons. */
static const char *txt(const struct wf_risk_diff_line *l)
{
    static char buf[256];
    snprintf(buf, sizeof(buf), "%.*s", (int)l->text.len, l->text.p);
    return buf;
}

static void expect_line(const struct wf_risk_diff_line *l, int op, size_t old_line, size_t new_line,
                        const char *text)
{
    assert_int_equal(l->op, op);
    assert_int_equal(l->old_line, old_line);
    assert_int_equal(l->new_line, new_line);
    assert_string_equal(txt(l), text);
}

static void test_rename_with_edits(void **state)
{
    (void)state;
    struct wf_risk_diff d;
    load("diff --git a/util.c b/helpers.c\n"
         "similarity index 86%\n"
         "rename from util.c\n"
         "rename to helpers.c\n"
         "index 1e395f2..01567d3 100644\n"
         "--- a/util.c\n"
         "+++ b/helpers.c\n"
         "@@ -1,6 +1,6 @@ static int x;\n"
         " alpha\n"
         " beta\n"
         "-gamma\n"
         "+GAMMA\n"
         " delta\n"
         " epsilon\n"
         " zeta\n",
         &d);
    assert_int_equal(d.n_files, 1);
    const struct wf_risk_diff_file *f = &d.files[0];
    assert_int_equal(f->status, WF_RISK_DIFF_RENAMED);
    assert_string_equal(f->old_path, "util.c");
    assert_string_equal(f->new_path, "helpers.c");
    assert_int_equal(f->similarity, 86);
    assert_int_equal(f->old_mode, 0100644);
    assert_int_equal(f->new_mode, 0100644);
    assert_int_equal(f->line, 1);
    assert_int_equal(f->n_hunks, 1);
    const struct wf_risk_diff_hunk *h = &f->hunks[0];
    assert_int_equal(h->old_start, 1);
    assert_int_equal(h->old_count, 6);
    assert_int_equal(h->new_start, 1);
    assert_int_equal(h->new_count, 6);
    assert_string_equal(h->section, "static int x;");
    assert_int_equal(h->line, 8);
    assert_int_equal(h->n_lines, 7);
    expect_line(&h->lines[0], WF_RISK_DIFF_CONTEXT, 1, 1, "alpha");
    expect_line(&h->lines[2], WF_RISK_DIFF_DEL, 3, 0, "gamma");
    expect_line(&h->lines[3], WF_RISK_DIFF_ADD, 0, 3, "GAMMA");
    expect_line(&h->lines[6], WF_RISK_DIFF_CONTEXT, 6, 6, "zeta");
    assert_int_equal(f->added, 1);
    assert_int_equal(f->deleted, 1);
    assert_int_equal(d.added, 1);
    assert_int_equal(d.deleted, 1);
    wf_risk_diff_cleanup(&d);
}

static void test_pure_rename_mode_new_deleted(void **state)
{
    (void)state;
    struct wf_risk_diff d;
    load("diff --git a/run.sh b/start.sh\n"
         "similarity index 100%\n"
         "rename from run.sh\n"
         "rename to start.sh\n"
         "diff --git a/start.sh b/start.sh\n"
         "old mode 100644\n"
         "new mode 100755\n"
         "diff --git a/added.c b/added.c\n"
         "new file mode 100644\n"
         "index 0000000..3c4c9c3\n"
         "--- /dev/null\n"
         "+++ b/added.c\n"
         "@@ -0,0 +1,2 @@\n"
         "+new\n"
         "+file\n"
         "diff --git a/gone.txt b/gone.txt\n"
         "deleted file mode 100644\n"
         "index 3367afd..0000000\n"
         "--- a/gone.txt\n"
         "+++ /dev/null\n"
         "@@ -1 +0,0 @@\n"
         "-old\n"
         "diff --git a/empty b/empty\n"
         "new file mode 100644\n"
         "index 0000000..e69de29\n",
         &d);
    assert_int_equal(d.n_files, 5);
    const struct wf_risk_diff_file *f = d.files;
    assert_int_equal(f[0].status, WF_RISK_DIFF_RENAMED);
    assert_string_equal(f[0].old_path, "run.sh");
    assert_string_equal(f[0].new_path, "start.sh");
    assert_int_equal(f[0].similarity, 100);
    assert_int_equal(f[0].n_hunks, 0);

    assert_int_equal(f[1].status, WF_RISK_DIFF_MODE);
    assert_int_equal(f[1].old_mode, 0100644);
    assert_int_equal(f[1].new_mode, 0100755);
    assert_string_equal(f[1].old_path, "start.sh");
    assert_string_equal(f[1].new_path, "start.sh");
    assert_int_equal(f[1].similarity, -1);
    assert_int_equal(f[1].line, 5);

    assert_int_equal(f[2].status, WF_RISK_DIFF_ADDED);
    assert_null(f[2].old_path);
    assert_string_equal(f[2].new_path, "added.c");
    assert_int_equal(f[2].new_mode, 0100644);
    assert_int_equal(f[2].added, 2);
    expect_line(&f[2].hunks[0].lines[1], WF_RISK_DIFF_ADD, 0, 2, "file");

    assert_int_equal(f[3].status, WF_RISK_DIFF_DELETED);
    assert_string_equal(f[3].old_path, "gone.txt");
    assert_null(f[3].new_path);
    assert_int_equal(f[3].hunks[0].old_count, 1);
    assert_int_equal(f[3].hunks[0].new_count, 0);
    expect_line(&f[3].hunks[0].lines[0], WF_RISK_DIFF_DEL, 1, 0, "old");

    assert_int_equal(f[4].status, WF_RISK_DIFF_ADDED);
    assert_null(f[4].old_path);
    assert_string_equal(f[4].new_path, "empty");
    assert_int_equal(f[4].n_hunks, 0);
    assert_int_equal(d.added, 2);
    assert_int_equal(d.deleted, 1);
    wf_risk_diff_cleanup(&d);
}

static void test_binary_both_forms(void **state)
{
    (void)state;
    struct wf_risk_diff d;
    load("diff --git a/logo.png b/logo.png\n"
         "index b437676..cb657e0 100644\n"
         "Binary files a/logo.png and b/logo.png differ\n"
         "diff --git a/logo.png b/logo.png\n"
         "index b437676b0b69749e011e1353750ee9638acde8c1..cb657e04bb96834dfe311e995dc8112020af"
         "7aff 100644\n"
         "GIT binary patch\n"
         "literal 21\n"
         "acmeAS@N?(olHy`uVBq!ia0vp^Obh@i2m;^$\n"
         "\n"
         "literal 20\n"
         "ZcmeAS@N?(olHy`uVBq!ia0vp^i~uGl0^a}t\n"
         "\n"
         "diff --git a/icon.gif b/icon.gif\n"
         "new file mode 100644\n"
         "index 0000000..1d3c1b4\n"
         "Binary files /dev/null and b/icon.gif differ\n"
         "diff --git a/a.c b/a.c\n"
         "--- a/a.c\n"
         "+++ b/a.c\n"
         "@@ -1 +1 @@\n"
         "-x\n"
         "+y\n",
         &d);
    assert_int_equal(d.n_files, 4);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(d.files[i].status, WF_RISK_DIFF_BINARY);
        assert_int_equal(d.files[i].binary, 1);
        assert_int_equal(d.files[i].n_hunks, 0);
        assert_string_equal(d.files[i].old_path, "logo.png");
        assert_string_equal(d.files[i].new_path, "logo.png");
    }
    assert_int_equal(d.files[2].status, WF_RISK_DIFF_ADDED);
    assert_int_equal(d.files[2].binary, 1);
    assert_int_equal(d.files[3].status, WF_RISK_DIFF_MODIFIED);
    assert_int_equal(d.files[3].binary, 0);
    assert_int_equal(d.files[3].line, 17);
    assert_int_equal(d.added, 1);
    wf_risk_diff_cleanup(&d);
}

static void test_multiple_hunks(void **state)
{
    (void)state;
    struct wf_risk_diff d;
    load("diff --git a/big.txt b/big.txt\n"
         "index 4bd5f4d..24dd2b1 100644\n"
         "--- a/big.txt\n"
         "+++ b/big.txt\n"
         "@@ -1,6 +1,6 @@\n"
         " line 1\n"
         " line 2\n"
         "-line 3\n"
         "+line three\n"
         " line 4\n"
         " line 5\n"
         " line 6\n"
         "@@ -22,7 +22,8 @@ section\n"
         " line 22\n"
         " line 23\n"
         " line 24\n"
         "-line 25\n"
         "+line twenty-five\n"
         "+line 25b\n"
         " line 26\n"
         " line 27\n"
         " line 28\n",
         &d);
    const struct wf_risk_diff_file *f = &d.files[0];
    assert_int_equal(f->n_hunks, 2);
    assert_int_equal(f->status, WF_RISK_DIFF_MODIFIED);
    const struct wf_risk_diff_hunk *h = &f->hunks[1];
    assert_int_equal(h->line, 13);
    assert_string_equal(h->section, "section");
    assert_int_equal(h->n_lines, 9);
    expect_line(&h->lines[3], WF_RISK_DIFF_DEL, 25, 0, "line 25");
    expect_line(&h->lines[5], WF_RISK_DIFF_ADD, 0, 26, "line 25b");
    expect_line(&h->lines[8], WF_RISK_DIFF_CONTEXT, 28, 29, "line 28");
    assert_int_equal(f->added, 3);
    assert_int_equal(f->deleted, 2);
    wf_risk_diff_cleanup(&d);
}

static void test_no_newline_both_sides(void **state)
{
    (void)state;
    struct wf_risk_diff d;
    load("diff --git a/nonl.txt b/nonl.txt\n"
         "index 9d0103b..a9b0136 100644\n"
         "--- a/nonl.txt\n"
         "+++ b/nonl.txt\n"
         "@@ -1 +1 @@\n"
         "-no newline\n"
         "\\ No newline at end of file\n"
         "+no newline again\n"
         "\\ No newline at end of file\n"
         "diff --git a/main.c b/main.c\n"
         "--- a/main.c\n"
         "+++ b/main.c\n"
         "@@ -3,2 +3,2 @@\n"
         "-    return 0;\n"
         "-}\n"
         "+    return 1;\n"
         "+}\n"
         "\\ No newline at end of file\n",
         &d);
    const struct wf_risk_diff_hunk *h = &d.files[0].hunks[0];
    assert_int_equal(h->n_lines, 2);
    assert_int_equal(h->lines[0].no_newline, 1);
    assert_int_equal(h->lines[1].no_newline, 1);
    h = &d.files[1].hunks[0];
    assert_int_equal(h->n_lines, 4);
    assert_int_equal(h->lines[1].no_newline, 0);
    assert_int_equal(h->lines[3].no_newline, 1);
    expect_line(&h->lines[3], WF_RISK_DIFF_ADD, 0, 4, "}");
    wf_risk_diff_cleanup(&d);
}

static void test_plain_diff_u_and_quoted(void **state)
{
    (void)state;
    struct wf_risk_diff d;
    load("diff -u a/f.txt b/f.txt\n"
         "--- a/f.txt\t2026-11-23 11:22:00.879292724 +0000\n"
         "+++ b/f.txt\t2026-11-23 11:22:00.879292724 +0000\n"
         "@@ -1,3 +1,4 @@\n"
         " one\n"
         "-two\n"
         "+2\n"
         " three\n"
         "+four\n"
         "Only in b: g.txt\n"
         "--- old.txt\n"
         "+++ new.txt\n"
         "@@ -1 +1 @@\n"
         "-a\n"
         "+b\n"
         "diff --git \"a/sp ace\\t.c\" \"b/sp ace\\t.c\"\n"
         "new file mode 100644\n"
         "index 0000000..587be6b\n"
         "--- /dev/null\n"
         "+++ \"b/sp ace\\t.c\"\t\n"
         "@@ -0,0 +1 @@\n"
         "+x\n"
         "diff --git a/sp ace.c b/sp ace.c\n"
         "old mode 100644\n"
         "new mode 100755\n"
         "diff --git \"a/\\303\\251t\\\"\\\\\" b/plain\n"
         "similarity index 50%\n"
         "copy from \"\\303\\251t\\\"\\\\\"\n"
         "copy to plain\n",
         &d);
    assert_int_equal(d.n_files, 5);
    assert_string_equal(d.files[0].old_path, "f.txt");
    assert_string_equal(d.files[0].new_path, "f.txt");
    assert_int_equal(d.files[0].added, 2);
    assert_int_equal(d.files[0].line, 2);
    assert_string_equal(d.files[1].old_path, "old.txt");
    assert_string_equal(d.files[1].new_path, "new.txt");
    assert_null(d.files[2].old_path);
    assert_string_equal(d.files[2].new_path, "sp ace\t.c");
    assert_int_equal(d.files[2].status, WF_RISK_DIFF_ADDED);
    assert_string_equal(d.files[3].old_path, "sp ace.c");
    assert_string_equal(d.files[3].new_path, "sp ace.c");
    assert_int_equal(d.files[3].status, WF_RISK_DIFF_MODE);
    assert_string_equal(d.files[4].old_path, "\xc3\xa9t\"\\");
    assert_string_equal(d.files[4].new_path, "plain");
    assert_int_equal(d.files[4].status, WF_RISK_DIFF_COPIED);
    assert_int_equal(d.added, 4);
    assert_int_equal(d.deleted, 2);
    wf_risk_diff_cleanup(&d);
}

static const char *const format_patch =
    "From 7393478e9d5fd4af2d8ab50d02d497603bc89e4f Mon Sep 17 00:00:00 2001\n"
    "From: Dev One <dev@example.org>\n"
    "Date: Mon, 23 Nov 2026 11:22:00 +0000\n"
    "Subject: [PATCH] main: return 2\n"
    "\n"
    "Explains why.\n"
    "--- keep this line in the message\n"
    "---\n"
    " main.c | 2 +-\n"
    " 1 file changed, 1 insertion(+), 1 deletion(-)\n"
    "\n"
    "diff --git a/main.c b/main.c\n"
    "index 5d971ee..c4ba262 100644\n"
    "--- a/main.c\n"
    "+++ b/main.c\n"
    "@@ -1,4 +1,4 @@ \n"
    " int main(void)\n"
    " {\n"
    "-    return 1;\n"
    "+    return 2;\n"
    " }\n"
    "\\ No newline at end of file\n"
    "-- \n"
    "2.39.5\n"
    "\n";

static void test_format_patch(void **state)
{
    (void)state;
    struct wf_risk_diff d;
    load(format_patch, &d);
    assert_int_equal(d.n_files, 1);
    assert_int_equal(d.files[0].line, 12);
    assert_string_equal(d.files[0].hunks[0].section, "");
    assert_int_equal(d.files[0].hunks[0].lines[4].no_newline, 1);
    assert_int_equal(d.added, 1);
    assert_int_equal(d.deleted, 1);
    wf_risk_diff_cleanup(&d);
}

static void test_crlf(void **state)
{
    (void)state;
    struct wf_risk_diff d;
    load("diff --git a/w.bat b/w.bat\r\n"
         "index 1111111..2222222 100644\r\n"
         "--- a/w.bat\r\n"
         "+++ b/w.bat\r\n"
         "@@ -1,2 +1,2 @@ label\r\n"
         " @echo off\r\n"
         "-echo one\r\n"
         "+echo two\r\n"
         "\\ No newline at end of file\r\n",
         &d);
    const struct wf_risk_diff_file *f = &d.files[0];
    assert_string_equal(f->new_path, "w.bat");
    assert_string_equal(f->hunks[0].section, "label");
    expect_line(&f->hunks[0].lines[0], WF_RISK_DIFF_CONTEXT, 1, 1, "@echo off");
    expect_line(&f->hunks[0].lines[2], WF_RISK_DIFF_ADD, 0, 2, "echo two");
    assert_int_equal(f->hunks[0].lines[2].no_newline, 1);
    wf_risk_diff_cleanup(&d);

    load("", &d);
    assert_int_equal(d.n_files, 0);
    wf_risk_diff_cleanup(&d);
}

static void expect_reject(const char *text, int want_rc, size_t want_line, const char *want_msg)
{
    struct wf_risk_diff d;
    size_t line;
    char msg[256];
    int rc = parse(text, &d, &line, msg, sizeof(msg));
    if (rc != want_rc || line != want_line || !strstr(msg, want_msg))
        fail_msg("got %s at line %zu: '%s'; expected %s at line %zu: '%s'", wf_errname(rc), line,
                 msg, wf_errname(want_rc), want_line, want_msg);
    assert_null(d.files);
    assert_int_equal(d.n_files, 0);
    assert_null(d.arena.head);
    wf_risk_diff_cleanup(&d);
}

#define GIT_HEAD "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n"

static void test_rejections(void **state)
{
    (void)state;
    expect_reject(GIT_HEAD "@@ -1,2 +1,2\n a\n", WF_EFORMAT, 4, "malformed hunk header");
    expect_reject(GIT_HEAD "@@ -a +1 @@\n", WF_EFORMAT, 4, "malformed hunk header");
    expect_reject(GIT_HEAD "@@ -0,2 +1,2 @@\n", WF_EFORMAT, 4, "malformed hunk header");
    expect_reject(GIT_HEAD "@@ -1,2 +1,2 @@@\n", WF_EFORMAT, 4, "malformed hunk header");
    /* shorter than counted: at the next header and at the end */
    expect_reject(GIT_HEAD "@@ -1,3 +1,3 @@\n a\n-b\n+c\n@@ -9 +9 @@\n-d\n+e\n", WF_EFORMAT, 8,
                  "hunk at line 4 ends early: 1 old and 1 new lines missing");
    expect_reject(GIT_HEAD "@@ -1,3 +1,3 @@\n a\n-b\n+c\ndiff --git a/y b/y\n", WF_EFORMAT, 8,
                  "ends early");
    expect_reject(GIT_HEAD "@@ -1,3 +1,4 @@\n a\n-b\n+c\n c\n", WF_EFORMAT, 8,
                  "ends early at the end of the input: 0 old and 1 new lines missing");
    /* longer than counted */
    expect_reject(GIT_HEAD "@@ -1,2 +1,2 @@\n a\n-b\n+c\n+d\n", WF_EFORMAT, 8,
                  "hunk at line 4 is longer than its header: '+' line past its counts");
    expect_reject(GIT_HEAD "@@ -1,2 +1,2 @@\n a\n+b\n+c\n", WF_EFORMAT, 7,
                  "hunk at line 4 is longer than its header: '+' line past its new count");
    expect_reject(GIT_HEAD "@@ -1,2 +1,2 @@\n a\n-b\n+c\n d\n", WF_EFORMAT, 8,
                  "hunk at line 4 is longer than its header: ' ' line past its counts");
    expect_reject(GIT_HEAD "@@ -1 +1,2 @@\n-a\n+b\n-c\n", WF_EFORMAT, 7,
                  "'-' line past its old count");
    expect_reject("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n-c\n", WF_EFORMAT, 6, "longer");
    /* "+++" without "---" */
    expect_reject("diff --git a/x b/x\n+++ b/x\n@@ -1 +1 @@\n", WF_EFORMAT, 2,
                  "'+++' line without a '---' line");
    expect_reject("Subject: x\n\n+++ b/x\n", WF_EFORMAT, 3, "'+++' line without");
    expect_reject(GIT_HEAD "@@ -1 +1 @@\n-a\n+b\n+++ b/y\n", WF_EFORMAT, 7, "'+++' line");
    expect_reject("diff --git a/x b/x\n--- a/x\n@@ -1 +1 @@\n", WF_EFORMAT, 2,
                  "'---' line not followed by a '+++' line");
    /* other first characters inside a hunk */
    expect_reject(GIT_HEAD "@@ -1,2 +1,2 @@\n a\n*b\n", WF_EFORMAT, 6,
                  "line in the hunk at line 4 starts with '*'");
    expect_reject(GIT_HEAD "@@ -1,2 +1,2 @@\n a\n\tb\n", WF_EFORMAT, 6, "byte 0x09");
    /* markers, paths, modes */
    expect_reject(GIT_HEAD "@@ -1 +1 @@\n\\ No newline at end of file\n", WF_EFORMAT, 5,
                  "without a hunk line before it");
    expect_reject("diff --git \"a/x b/x\n", WF_EFORMAT, 1, "unterminated quoted path");
    expect_reject("diff --git \"a/\\q\" b/x\n", WF_EFORMAT, 1, "bad escape");
    expect_reject("diff --git \"a/\\000\" b/x\n", WF_EFORMAT, 1, "NUL");
    expect_reject("diff --git a/x b/x\nold mode 10064x\n", WF_EFORMAT, 2, "bad file mode");
    expect_reject("diff --git a/x b/x\nsimilarity index 101%\n", WF_EFORMAT, 2, "similarity");
    expect_reject("diff --git a/x b/x\n@@ -1 +1 @@\n", WF_EFORMAT, 2, "before the file's");
    expect_reject("diff --git a/x b/x\nnew file mode 100644\ndeleted file mode 100644\n",
                  WF_EFORMAT, 3, "both new and deleted");
    expect_reject("diff --git ab\n", WF_EFORMAT, 1, "malformed 'diff --git' line");
    /* CRLF keeps the line numbers */
    expect_reject("diff --git a/x b/x\r\n--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n", WF_EFORMAT,
                  5, "ends early");
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = WF_RISK_DIFF_MAX_LINE_BYTES + 100;
    char *text = malloc(n + 64);
    assert_non_null(text);
    int k = snprintf(text, 64, "%s", GIT_HEAD "@@ -1 +1 @@\n-");
    memset(text + k, 'x', n - (size_t)k);
    text[n] = '\0';
    expect_reject(text, WF_ETOOBIG, 5, "line longer than");
    free(text);

    struct wf_risk_diff d;
    size_t line = 7;
    wf_risk_diff_init(&d);
    assert_int_equal(wf_risk_diff_parse("", (size_t)WF_RISK_DIFF_MAX_BYTES + 1, &d, &line, NULL),
                     WF_ETOOBIG);
    assert_int_equal(line, 0);
    wf_risk_diff_cleanup(&d);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    const char *texts[] = {format_patch,
                           "diff --git \"a/sp ace\\t.c\" \"b/sp ace\\t.c\"\n"
                           "similarity index 90%\nrename from \"sp ace\\t.c\"\nrename to b.c\n"
                           "--- \"a/sp ace\\t.c\"\n+++ b/b.c\n@@ -1,2 +1,2 @@ f\n a\n-b\n+c\n"
                           "@@ -9 +9 @@\n-d\n+e\n"};
    for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
        int ok = 0;
        for (long k = 0; k < 200 && !ok; k++) {
            struct wf_risk_diff d;
            size_t line;
            wf_risk_diff_init(&d);
            wf_alloc_fail_after(k);
            int rc = wf_risk_diff_parse(texts[t], strlen(texts[t]), &d, &line, NULL);
            wf_alloc_fail_after(-1);
            assert_true(rc == WF_OK || rc == WF_ENOMEM);
            if (rc == WF_ENOMEM) {
                assert_null(d.files);
                assert_null(d.arena.head);
            } else {
                assert_true(d.n_files == 1 && d.added >= 1);
            }
            ok = rc == WF_OK;
            wf_risk_diff_cleanup(&d);
        }
        assert_true(ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rename_with_edits),
        cmocka_unit_test(test_pure_rename_mode_new_deleted),
        cmocka_unit_test(test_binary_both_forms),
        cmocka_unit_test(test_multiple_hunks),
        cmocka_unit_test(test_no_newline_both_sides),
        cmocka_unit_test(test_plain_diff_u_and_quoted),
        cmocka_unit_test(test_format_patch),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
