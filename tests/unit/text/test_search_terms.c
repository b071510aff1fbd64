/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the search tokenizer: code-like tokens kept whole and split
 * into parts, prose stemmed and stopwords dropped, the stemmer used from
 * several threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "text/text.h"

struct collect {
    char out[2048]; /* "kind:term " joined */
    size_t len;
};

static int on_term(void *ud, const char *t, size_t n, enum wf_text_term_kind kind)
{
    struct collect *c = ud;
    static const char k[] = "wWp";
    int w = snprintf(c->out + c->len, sizeof(c->out) - c->len, "%s%c:%.*s", c->len ? " " : "",
                     k[kind], (int)n, t);
    assert_true(w > 0 && (size_t)w < sizeof(c->out) - c->len);
    c->len += (size_t)w;
    return 0;
}

static void check(const char *in, const char *want)
{
    struct collect c = {.len = 0};
    c.out[0] = 0;
    assert_int_equal(wf_text_search_terms(in, strlen(in), on_term, &c), WF_OK);
    if (strcmp(c.out, want) != 0)
        fail_msg("terms of '%s':\n got  '%s'\n want '%s'", in, c.out, want);
}

static void test_prose(void **state)
{
    (void)state;
    check("The servers are running out of disk space.", "w:server w:run w:disk w:space");
    check("Restarting the Jobs", "w:restart w:job");
    check("", "");
    check("   ,,, !!", "");
}

static void test_code_tokens(void **state)
{
    (void)state;
    check("open failed: ENOENT", "w:open w:fail w:enoent");
    check("foo_bar", "W:foo_bar p:foo p:bar");
    check("pkg.Class", "W:pkg.class p:pkg p:class");
    check("edit a/b/c.py now", "w:edit W:a/b/c.py p:a p:b p:c.py p:c p:py w:now");
    check("use --force-with-lease", "w:use W:--force-with-lease p:forc p:with p:leas");
    check("-v", "W:-v p:v");
    check("release v1.2.3.", "w:releas W:v1.2.3 p:v1 p:2 p:3");
    check("/etc/fstab", "W:/etc/fstab p:etc p:fstab");
    check("error E0425 and HTTP-404", "w:error w:e0425 W:http-404 p:http p:404");
    check("std::vector", "W:std::vector p:std p:vector");
    check("getUserName", "w:getusernam p:get p:user p:name");
}

static void test_stopwords_and_stem(void **state)
{
    (void)state;
    assert_true(wf_text_is_stopword("the", 3));
    assert_true(wf_text_is_stopword("yourselves", 10));
    assert_false(wf_text_is_stopword("not", 3));
    assert_false(wf_text_is_stopword("file", 4));
    char buf[80];
    assert_int_equal(wf_text_stem("connections", 11, buf, sizeof(buf)), 7);
    assert_string_equal(buf, "connect");
    /* too long to stem: copied */
    char longw[100];
    memset(longw, 'x', sizeof(longw));
    assert_int_equal(wf_text_stem(longw, sizeof(longw), buf, sizeof(buf)), sizeof(buf) - 1);
    /* a stopword inside a code token is a part */
    check("the_thing", "W:the_thing p:the p:thing");
}

static void *stem_thread(void *arg)
{
    (void)arg;
    char buf[80];
    for (int i = 0; i < 2000; i++) {
        size_t n =
            wf_text_stem(i % 2 ? "connections" : "running", i % 2 ? 11 : 7, buf, sizeof(buf));
        if (!(i % 2 ? n == 7 && memcmp(buf, "connect", 7) == 0
                    : n == 3 && memcmp(buf, "run", 3) == 0))
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, stem_thread, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
}

static int stop_at_two(void *ud, const char *t, size_t n, enum wf_text_term_kind kind)
{
    (void)t;
    (void)n;
    (void)kind;
    int *count = ud;
    return ++*count == 2 ? WF_ETOOBIG : 0;
}

static void test_stop(void **state)
{
    (void)state;
    int count = 0;
    assert_int_equal(wf_text_search_terms("alpha beta gamma", 16, stop_at_two, &count), WF_ETOOBIG);
    assert_int_equal(count, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prose),
        cmocka_unit_test(test_code_tokens),
        cmocka_unit_test(test_stopwords_and_stem),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
