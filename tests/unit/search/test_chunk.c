/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for document parsing and chunking: Markdown headings (ATX and
 * setext), fenced code kept whole, line ranges, overlap, size caps, HTML
 * (headings, <pre>, entities, scripts), plain text sections and PDF text
 * through poppler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "search/search.h"

struct doc {
    struct wf_search_chunk *c;
    size_t n;
};

static struct doc chunk(enum wf_doc_format f, const char *s, size_t len,
                        const struct wf_search_chunk_opts *o)
{
    struct doc d = {NULL, 0};
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    int rc = wf_search_chunk_document(f, s, len, o, &d.c, &d.n, &err);
    if (rc)
        fail_msg("chunking failed: %s (%s)", wf_errname(rc), err.p ? err.p : "");
    wf_buf_cleanup(&err);
    return d;
}

static void test_format_names(void **state)
{
    (void)state;
    enum wf_doc_format f;
    assert_int_equal(wf_doc_format_from_name("runbooks/disk-full.md", &f), WF_OK);
    assert_int_equal(f, WF_DOC_MARKDOWN);
    assert_int_equal(wf_doc_format_from_name("a/B.HTML", &f), WF_OK);
    assert_int_equal(f, WF_DOC_HTML);
    assert_int_equal(wf_doc_format_from_name("x.pdf", &f), WF_OK);
    assert_int_equal(f, WF_DOC_PDF);
    assert_int_equal(wf_doc_format_from_name("notes.txt", &f), WF_OK);
    assert_int_equal(f, WF_DOC_TEXT);
    assert_int_equal(wf_doc_format_from_name("markdown", &f), WF_OK);
    assert_int_equal(f, WF_DOC_MARKDOWN);
    assert_int_equal(wf_doc_format_from_name("image.png", &f), WF_EINVAL);
    assert_int_equal(wf_doc_format_from_name("", &f), WF_EINVAL);
    assert_string_equal(wf_doc_format_name(WF_DOC_PDF), "pdf");
}

static const char md[] = "# Install\n"         /* 1 */
                         "\n"                  /* 2 */
                         "Intro paragraph.\n"  /* 3 */
                         "\n"                  /* 4 */
                         "## Debian\n"         /* 5 */
                         "\n"                  /* 6 */
                         "Run apt:\n"          /* 7 */
                         "\n"                  /* 8 */
                         "```sh\n"             /* 9 */
                         "apt-get install x\n" /* 10 */
                         "\n"                  /* 11 */
                         "apt-get upgrade\n"   /* 12 */
                         "```\n"               /* 13 */
                         "\n"                  /* 14 */
                         "Usage\n"             /* 15 */
                         "=====\n"             /* 16 */
                         "- item one\n"        /* 17 */
                         "- item two\n"        /* 18 */
                         "### Deep ###\n"      /* 19 */
                         "text under deep\n";  /* 20 */

static void test_markdown(void **state)
{
    (void)state;
    struct doc d = chunk(WF_DOC_MARKDOWN, md, sizeof(md) - 1, NULL);
    assert_int_equal(d.n, 4);
    assert_string_equal(d.c[0].heading, "Install");
    assert_string_equal(d.c[0].text, "Intro paragraph.");
    assert_int_equal(d.c[0].line_start, 3);
    assert_int_equal(d.c[0].line_end, 3);
    assert_string_equal(d.c[1].heading, "Install > Debian");
    /* the fence is one block, blank line inside kept */
    assert_non_null(strstr(d.c[1].text, "```sh\napt-get install x\n\napt-get upgrade\n```"));
    assert_int_equal(d.c[1].line_start, 7);
    assert_int_equal(d.c[1].line_end, 13);
    assert_string_equal(d.c[2].heading, "Usage"); /* setext level 1 resets the path */
    assert_string_equal(d.c[2].text, "- item one\n- item two");
    assert_int_equal(d.c[2].line_start, 17);
    assert_int_equal(d.c[2].line_end, 18);
    assert_string_equal(d.c[3].heading, "Usage > Deep");
    assert_int_equal(d.c[3].line_start, 20);
    for (size_t i = 0; i < d.n; i++)
        assert_int_equal(d.c[i].seq, i);
    wf_search_chunks_free(d.c, d.n);
}

static void test_sizes_and_overlap(void **state)
{
    (void)state;
    /* 10 paragraphs of 100 bytes under one heading: target 250 -> 3 paragraphs
     * per chunk (closes past the target), the last one repeated as overlap */
    char buf[2048];
    size_t w = (size_t)snprintf(buf, sizeof(buf), "# H\n\n");
    for (int i = 0; i < 10; i++) {
        memset(buf + w, 'a' + i, 99);
        w += 99;
        buf[w++] = '\n';
        buf[w++] = '\n';
    }
    struct wf_search_chunk_opts o = {.target_bytes = 250, .max_bytes = 400, .overlap_bytes = 150};
    struct doc d = chunk(WF_DOC_MARKDOWN, buf, w, &o);
    assert_true(d.n >= 4);
    for (size_t i = 0; i < d.n; i++) {
        assert_true(d.c[i].len <= o.max_bytes);
        assert_string_equal(d.c[i].heading, "H");
    }
    /* chunk 0 = a,b,c ; chunk 1 starts with c again (overlap) */
    assert_int_equal(d.c[0].text[0], 'a');
    assert_int_equal(d.c[1].text[0], 'c');
    assert_int_equal(d.c[0].line_start, 3);
    assert_int_equal(d.c[1].line_start, 7);
    wf_search_chunks_free(d.c, d.n);

    /* no overlap when disabled */
    o.overlap_bytes = 0;
    d = chunk(WF_DOC_MARKDOWN, buf, w, &o);
    assert_int_equal(d.c[1].text[0], 'd');
    wf_search_chunks_free(d.c, d.n);

    /* one line longer than max is cut into pieces <= max */
    char big[1000];
    memset(big, 'x', sizeof(big));
    o.max_bytes = 128;
    o.target_bytes = 100;
    d = chunk(WF_DOC_TEXT, big, sizeof(big), &o);
    assert_int_equal(d.n, 8);
    size_t total = 0;
    for (size_t i = 0; i < d.n; i++) {
        assert_true(d.c[i].len <= 128);
        total += d.c[i].len;
        assert_int_equal(d.c[i].line_start, 1);
    }
    assert_int_equal(total, sizeof(big));
    wf_search_chunks_free(d.c, d.n);
}

static void test_caps(void **state)
{
    (void)state;
    struct wf_search_chunk *c = NULL;
    size_t n = 0;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    /* more chunks than allowed: many tiny sections */
    size_t len = (size_t)WF_SEARCH_MAX_CHUNKS * 8 + 80;
    char *s = wf_malloc(len);
    assert_non_null(s);
    size_t w = 0;
    while (w + 8 <= len) {
        memcpy(s + w, "# h\nxy\n\n", 8);
        w += 8;
    }
    assert_int_equal(wf_search_chunk_document(WF_DOC_MARKDOWN, s, w, NULL, &c, &n, &err),
                     WF_ETOOBIG);
    assert_null(c);
    assert_non_null(strstr(err.p, "exceeds"));
    wf_free(s);
    /* bad options */
    struct wf_search_chunk_opts o = {.target_bytes = 500, .max_bytes = 100, .overlap_bytes = 0};
    assert_int_equal(wf_search_chunk_document(WF_DOC_TEXT, "x", 1, &o, &c, &n, &err), WF_EINVAL);
    /* empty document: no chunks, no error */
    assert_int_equal(wf_search_chunk_document(WF_DOC_MARKDOWN, "", 0, NULL, &c, &n, &err), WF_OK);
    assert_int_equal(n, 0);
    wf_search_chunks_free(c, n);
    wf_buf_cleanup(&err);
}

static const char html[] =
    "<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style>\n"        /* 1 */
    "<script>var x = '<h1>no</h1>';</script></head><body>\n"                          /* 2 */
    "<h1>Guide</h1>\n"                                                                /* 3 */
    "<p>Use &lt;b&gt; &amp; &#x41;&#66; &nbsp;tags.</p><!-- comment <h2>x</h2> -->\n" /* 4 */
    "<h2 class=\"x\">Install &amp; run</h2>\n"                                        /* 5 */
    "<pre>\n"                                                                         /* 6 */
    "make  install\n"                                                                 /* 7 */
    "  indented</pre>\n"                                                              /* 8 */
    "<ul><li>one</li><li>two</li></ul>\n"                                             /* 9 */
    "</body></html>\n";

static void test_html(void **state)
{
    (void)state;
    struct wf_search_chunk_opts o = {.target_bytes = 10, .max_bytes = 200, .overlap_bytes = 0};
    struct doc d = chunk(WF_DOC_HTML, html, sizeof(html) - 1, &o);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.c[0].heading, "Guide");
    assert_string_equal(d.c[0].text, "Use <b> & AB tags.");
    assert_int_equal(d.c[0].line_start, 4);
    assert_string_equal(d.c[1].heading, "Guide > Install & run");
    assert_string_equal(d.c[1].text, "make  install\n  indented");
    assert_int_equal(d.c[1].line_start, 7);
    assert_int_equal(d.c[1].line_end, 8);
    /* list items are blocks; short ones share a chunk */
    assert_string_equal(d.c[2].text, "one\n\ntwo");
    for (size_t i = 0; i < d.n; i++)
        assert_null(strstr(d.c[i].text, "var x"));
    wf_search_chunks_free(d.c, d.n);
    /* unterminated tag and garbage never fail */
    static const char bad[] = "<p>ok</p><div class=\"unterminated";
    d = chunk(WF_DOC_HTML, bad, sizeof(bad) - 1, NULL);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.c[0].text, "ok");
    wf_search_chunks_free(d.c, d.n);
}

static const char man[] = "NAME\n"                          /* 1 */
                          "       tar - an archiver\n"      /* 2 */
                          "\n"                              /* 3 */
                          "DESCRIPTION\n"                   /* 4 */
                          "       First paragraph.\n"       /* 5 */
                          "\n"                              /* 6 */
                          "   Modes\n"                      /* 7 */
                          "       -c, --create\n"           /* 8 */
                          "              Create archive.\n" /* 9 */
                          "Plain line at the end.\n";       /* 10 */

static void test_text(void **state)
{
    (void)state;
    struct wf_search_chunk_opts o = {.target_bytes = 10, .max_bytes = 200, .overlap_bytes = 0};
    struct doc d = chunk(WF_DOC_TEXT, man, sizeof(man) - 1, &o);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.c[0].heading, "NAME");
    assert_string_equal(d.c[1].heading, "DESCRIPTION");
    assert_int_equal(d.c[1].line_start, 5);
    assert_string_equal(d.c[2].heading, "DESCRIPTION > Modes");
    assert_int_equal(d.c[2].line_start, 8);
    assert_int_equal(d.c[2].line_end, 10);
    wf_search_chunks_free(d.c, d.n);
}

static void test_pdf(void **state)
{
    (void)state;
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(
        wf_read_file(WF_SOURCE_DIR "/tests/data/search/runbook.pdf", 1 << 20, &data, &len), WF_OK);
    struct doc d = chunk(WF_DOC_PDF, data, len, NULL);
    assert_true(d.n >= 1);
    int found = 0;
    for (size_t i = 0; i < d.n; i++)
        found |= strstr(d.c[i].text, "systemctl restart nginx.service") != NULL;
    assert_true(found);
    wf_search_chunks_free(d.c, d.n);

    struct wf_search_chunk *c = NULL;
    size_t n = 0;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    /* a PDF cut in half: poppler's message comes back as EFORMAT */
    assert_int_equal(wf_search_chunk_document(WF_DOC_PDF, data, len / 2, NULL, &c, &n, &err),
                     WF_EFORMAT);
    assert_non_null(strstr(err.p, "pdf: "));
    assert_int_equal(wf_search_chunk_document(WF_DOC_PDF, "hello", 5, NULL, &c, &n, &err),
                     WF_EFORMAT);
    assert_non_null(strstr(err.p, "not a PDF"));
    wf_buf_cleanup(&err);
    wf_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_sizes_and_overlap),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_pdf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
