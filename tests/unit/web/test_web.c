/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the embedded web UI: every file in src/web/static is in
 * the table byte for byte, sorted, with the content type of its extension
 * and an ETag that is the first 16 hex digits of its SHA-256; request
 * paths map to files exactly (no traversal, no prefix matches);
 * If-None-Match matching (lists, weak tags, "*"); the security headers.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "web/web.h"

static struct wf_str S(const char *s) {
    return (struct wf_str){s, strlen(s)};
}

static void
test_files_match_sources(void **state)
{
    (void)state;
    size_t n = 0;
    const struct wf_web_file *f = wf_web_files(&n);
    DIR *d = opendir(WF_SOURCE_DIR "/src/web/static");
    assert_non_null(d);
    size_t on_disk = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        on_disk++;
        char path[512];
        snprintf(path, sizeof path, "/ui/%s", e->d_name);
        const struct wf_web_file *w = wf_web_find(S(path));
        assert_non_null(w);
        assert_string_equal(w->name, e->d_name);
        char fs[512];
        snprintf(fs, sizeof fs, "%s/src/web/static/%s", WF_SOURCE_DIR, e->d_name);
        FILE *fp = fopen(fs, "rb");
        assert_non_null(fp);
        static char buf[1 << 20];
        size_t got = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        assert_int_equal(got, w->len);
        assert_memory_equal(buf, w->data, got);
        uint8_t sum[WF_CRYPTO_SHA256_BYTES];
        wf_crypto_sha256(w->data, w->len, sum);
        char tag[32];
        snprintf(tag, sizeof tag, "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", sum[0], sum[1], sum[2],
                 sum[3], sum[4], sum[5], sum[6], sum[7]);
        assert_string_equal(w->etag, tag);
    }
    closedir(d);
    assert_int_equal(on_disk, n);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(f[i - 1].name, f[i].name) < 0);
}

static void test_content_types(void **state)
{
    (void)state;
    const struct wf_web_file *f = wf_web_find(S("/"));
    assert_non_null(f);
    assert_string_equal(f->name, "index.html");
    assert_string_equal(f->content_type, "text/html; charset=utf-8");
    f = wf_web_find(S("/ui/app.js"));
    assert_non_null(f);
    assert_string_equal(f->content_type, "text/javascript; charset=utf-8");
    f = wf_web_find(S("/ui/app.css"));
    assert_non_null(f);
    assert_string_equal(f->content_type, "text/css; charset=utf-8");
    f = wf_web_find(S("/ui/favicon.svg"));
    assert_non_null(f);
    assert_string_equal(f->content_type, "image/svg+xml");
}

static void test_paths_exact(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "/ui/",
                         "/ui",
                         "/index.html",
                         "/ui/app",
                         "/ui/app.j",
                         "/ui/app.js/",
                         "/ui/app.jsx",
                         "/ui/../app.js",
                         "/ui/./app.js",
                         "/ui/%61pp.js",
                         "/ui//app.js",
                         "//",
                         "/UI/app.js",
                         "/ui/APP.JS",
                         "app.js",
                         "/ui/app.js?x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(wf_web_find(S(bad[i])));
    /* a path not NUL-terminated where the name ends */
    const char *p = "/ui/app.jsXYZ";
    assert_non_null(wf_web_find((struct wf_str){p, 10}));
    assert_null(wf_web_find((struct wf_str){p, 9}));
}

static void test_etag_matching(void **state)
{
    (void)state;
    const char *tag = "\"0123456789abcdef\"";
    assert_int_equal(wf_web_etag_matches((struct wf_str){NULL, 0}, tag), 0);
    assert_int_equal(wf_web_etag_matches(S(""), tag), 0);
    assert_int_equal(wf_web_etag_matches(S("\"0123456789abcdef\""), tag), 1);
    assert_int_equal(wf_web_etag_matches(S("W/\"0123456789abcdef\""), tag), 1);
    assert_int_equal(wf_web_etag_matches(S("*"), tag), 1);
    assert_int_equal(wf_web_etag_matches(S("\"aaaa\", \"0123456789abcdef\" "), tag), 1);
    assert_int_equal(wf_web_etag_matches(S("\"aaaa\",W/\"0123456789abcdef\""), tag), 1);
    assert_int_equal(wf_web_etag_matches(S("\"0123456789abcde\""), tag), 0);
    assert_int_equal(wf_web_etag_matches(S("0123456789abcdef"), tag), 0);
    assert_int_equal(wf_web_etag_matches(S("\"0123456789abcdef0\""), tag), 0);
    assert_int_equal(wf_web_etag_matches(S(" , ,"), tag), 0);
}

static void test_security_headers(void **state)
{
    (void)state;
    const char *const *h = wf_web_headers();
    int csp = 0, nosniff = 0, referrer = 0, frame = 0, cache = 0;
    for (size_t i = 0; h[i]; i += 2) {
        assert_non_null(h[i + 1]);
        assert_null(strpbrk(h[i + 1], "\r\n"));
        if (strcmp(h[i], "Content-Security-Policy") == 0) {
            csp = 1;
            assert_string_equal(h[i + 1], wf_web_csp());
            assert_non_null(strstr(h[i + 1], "script-src 'self';"));
            assert_non_null(strstr(h[i + 1], "frame-ancestors 'none'"));
            assert_non_null(strstr(h[i + 1], "default-src 'none'"));
            assert_null(strstr(h[i + 1], "unsafe"));
        }
        nosniff |= strcmp(h[i], "X-Content-Type-Options") == 0 && strcmp(h[i + 1], "nosniff") == 0;
        referrer |= strcmp(h[i], "Referrer-Policy") == 0 && strcmp(h[i + 1], "no-referrer") == 0;
        frame |= strcmp(h[i], "X-Frame-Options") == 0 && strcmp(h[i + 1], "DENY") == 0;
        cache |= strcmp(h[i], "Cache-Control") == 0;
    }
    assert_true(csp && nosniff && referrer && frame && cache);
}

/* The UI builds DOM from data with createElement/textContent only. */
static void test_no_html_sinks(void **state)
{
    (void)state;
    static const char *sinks[] = {"innerHTML",      "outerHTML", "insertAdjacentHTML",
                                  "document.write", "eval(",     "new Function",
                                  "setTimeout('",   "srcdoc"};
    size_t n = 0;
    const struct wf_web_file *f = wf_web_files(&n);
    for (size_t i = 0; i < n; i++) {
        if (!strstr(f[i].content_type, "javascript") && !strstr(f[i].content_type, "html"))
            continue;
        for (size_t k = 0; k < sizeof sinks / sizeof sinks[0]; k++) {
            if (strstr((const char *)f[i].data, sinks[k]))
                fail_msg("%s uses %s", f[i].name, sinks[k]);
        }
        /* no inline script or handler in the HTML (the CSP would block it) */
        if (strstr(f[i].content_type, "html")) {
            assert_null(strstr((const char *)f[i].data, "<script>"));
            assert_null(strstr((const char *)f[i].data, " onload="));
            assert_null(strstr((const char *)f[i].data, " onclick="));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_match_sources), cmocka_unit_test(test_content_types),
        cmocka_unit_test(test_paths_exact),         cmocka_unit_test(test_etag_matching),
        cmocka_unit_test(test_security_headers),    cmocka_unit_test(test_no_html_sinks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
