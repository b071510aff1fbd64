/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the redact module: every rule redacts its true positives
 * and no rule fires on any rule's false positives (all from the table),
 * placeholders are stable and keyed, private-key blocks span lines, the
 * splitter is chunk-safe, long lines and odd bytes are survived, and the
 * config parser names the line of each error.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redact/redact.h"

#define MAX_F 64

struct sink {
    struct wf_redact_finding f[MAX_F];
    size_t n;
};

static void on_finding(void *ctx, const struct wf_redact_finding *f)
{
    struct sink *s = ctx;
    if (s->n < MAX_F)
        s->f[s->n++] = *f;
}

/* A redactor with only rule `only` (NULL: all rules, e-mails and IPs on). */
static struct wf_redactor *make(const char *only, struct sink *s, const char *const *allow,
                                size_t n_allow)
{
    static const char *off[64];
    size_t n, n_off = 0;
    const struct wf_redact_rule *t = wf_redact_rules(&n);
    struct wf_redact_opts o;
    wf_redact_opts_init(&o);
    o.emails = o.ips = 1;
    for (size_t i = 0; only && i < n; i++)
        if (strcmp(t[i].id, only) != 0)
            off[n_off++] = t[i].id;
    o.disable = off;
    o.n_disable = n_off;
    o.allow = allow;
    o.n_allow = n_allow;
    o.on_finding = on_finding;
    o.ctx = s;
    struct wf_redactor *r = NULL;
    assert_int_equal(wf_redact_new(&o, &r), WF_OK);
    return r;
}

static char *redact1(struct wf_redactor *r, const char *line)
{
    struct wf_buf out;
    wf_buf_init(&out, 1u << 20);
    assert_int_equal(wf_redact_line(r, line, strlen(line), &out, NULL), WF_OK);
    return wf_buf_detach(&out);
}

static void test_table_positives(void **state)
{
    (void)state;
    size_t n;
    const struct wf_redact_rule *t = wf_redact_rules(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].tp[0]);
        assert_non_null(t[i].fp[0]);
        for (size_t k = 0; k < 4 && t[i].tp[k]; k++) {
            struct sink s = {0};
            struct wf_redactor *r = make(t[i].id, &s, NULL, 0);
            char *out = redact1(r, t[i].tp[k]);
            struct wf_buf tail;
            wf_buf_init(&tail, 1024);
            assert_int_equal(wf_redact_finish(r, &tail), WF_OK); /* closes a key block */
            wf_buf_cleanup(&tail);
            if (s.n == 0)
                fail_msg("rule %s misses \"%s\"", t[i].id, t[i].tp[k]);
            char want[80];
            snprintf(want, sizeof(want), "[REDACTED:%s:", t[i].label);
            if (!strstr(out, want))
                fail_msg("rule %s: \"%s\" -> \"%s\"", t[i].id, t[i].tp[k], out);
            assert_string_equal(s.f[0].rule, t[i].id);
            assert_true(s.f[0].line == 1 && s.f[0].column >= 1 && s.f[0].length > 0);
            wf_free(out);
            wf_redact_free(r);
        }
    }
}

static void test_table_negatives_all_rules(void **state)
{
    (void)state;
    size_t n;
    const struct wf_redact_rule *t = wf_redact_rules(&n);
    struct sink s = {0};
    struct wf_redactor *r = make(NULL, &s, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < 4 && t[i].fp[k]; k++) {
            s.n = 0;
            char *out = redact1(r, t[i].fp[k]);
            if (s.n)
                fail_msg("negative of %s \"%s\" redacted by %s -> \"%s\"", t[i].id, t[i].fp[k],
                         s.f[0].rule, out);
            assert_string_equal(out, t[i].fp[k]);
            wf_free(out);
        }
    }
    wf_redact_free(r);
}

/* Redacting a redacted line changes nothing (placeholders look like
 * "key: value" to secret-assignment), and only the exact placeholder shape
 * is trusted: a token wrapped in "[REDACTED:" is still masked. Masking can
 * change a neighbour's context, so this holds per line of the table, not
 * for every possible input. */
static void test_idempotent(void **state)
{
    (void)state;
    size_t n;
    const struct wf_redact_rule *t = wf_redact_rules(&n);
    struct sink s = {0};
    struct wf_redactor *r;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < 4 && t[i].tp[k]; k++) {
            r = make(NULL, &s, NULL, 0); /* fresh: a key block stays open */
            char *once = redact1(r, t[i].tp[k]);
            wf_redact_free(r);
            r = make(NULL, &s, NULL, 0);
            s.n = 0;
            char *twice = redact1(r, once);
            if (strcmp(once, twice) != 0 || s.n)
                fail_msg("not idempotent: \"%s\" -> \"%s\" -> \"%s\"", t[i].tp[k], once, twice);
            wf_free(once);
            wf_free(twice);
            wf_redact_free(r);
        }
    }
    s.n = 0;
    r = make(NULL, &s, NULL, 0);
    char *a = redact1(r, "[REDACTED:ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8] "
                         "[REDACTED:x:12345] token=[REDACTED:x:1234]");
    assert_null(strstr(a, "ghp_"));
    assert_non_null(strstr(a, "] [REDACTED:x:12345] token=[REDACTED:x:1234]"));
    assert_int_equal(s.n, 1);
    wf_free(a);
    wf_redact_free(r);
}

static void test_placeholder_keyed(void **state)
{
    (void)state;
    const char *line = "t=ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 again "
                       "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    struct sink s = {0};
    struct wf_redactor *r = make("github-token", &s, NULL, 0);
    char *a = redact1(r, line);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.f[0].tag, s.f[1].tag);
    assert_int_equal(s.f[0].column, 3);
    assert_int_equal(s.f[0].length, 40);
    assert_null(strstr(a, "ghp_a1B2"));
    char want[128];
    snprintf(want, sizeof(want),
             "t=[REDACTED:github-token:%04x] again [REDACTED:github-token:%04x]", s.f[0].tag,
             s.f[0].tag);
    assert_string_equal(a, want);
    wf_redact_free(r);

    /* another key, another tag (for this secret) */
    struct wf_redact_opts o;
    wf_redact_opts_init(&o);
    o.key = "site-key-2";
    struct wf_redactor *r2 = NULL;
    assert_int_equal(wf_redact_new(&o, &r2), WF_OK);
    char *b = redact1(r2, line);
    assert_string_not_equal(a, b);
    wf_free(a);
    wf_free(b);
    wf_redact_free(r2);
}

static void test_pem_block(void **state)
{
    (void)state;
    const char *in = "before\n"
                     "  key: -----BEGIN RSA PRIVATE KEY-----\n"
                     "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n"
                     "\n"
                     "Zo0sxQnQ7d6kTCX0dLBfqP8yq4QIDAQAB\n"
                     "-----END RSA PRIVATE KEY----- after AKIAIOSFODNN7EXAMPLE\n"
                     "tail\n";
    struct sink s = {0};
    struct wf_redactor *r = make(NULL, &s, NULL, 0);
    struct wf_buf out;
    wf_buf_init(&out, 1u << 20);
    /* byte by byte: the splitter must not care where chunks end */
    for (size_t i = 0; in[i]; i++)
        assert_int_equal(wf_redact_feed(r, in + i, 1, &out), WF_OK);
    assert_int_equal(wf_redact_finish(r, &out), WF_OK);
    assert_null(strstr(out.p, "MIIE"));
    assert_null(strstr(out.p, "Zo0s"));
    assert_null(strstr(out.p, "BEGIN"));
    assert_null(strstr(out.p, "AKIA"));
    assert_non_null(strstr(out.p, "before\n  key: [REDACTED:private-key:"));
    assert_non_null(strstr(out.p, "\n\n[REDACTED:private-key:"));
    assert_non_null(strstr(out.p, "] after [REDACTED:aws-access-key-id:"));
    assert_non_null(strstr(out.p, "\ntail\n"));
    assert_int_equal(s.n, 2);
    assert_string_equal(s.f[0].rule, "private-key");
    assert_int_equal(s.f[0].line, 2);
    assert_int_equal(s.f[0].column, 8);
    assert_int_equal(s.f[0].end_line, 6);
    assert_string_equal(s.f[1].rule, "aws-access-key-id");
    assert_int_equal(s.f[1].line, 6);
    wf_buf_cleanup(&out);
    wf_redact_free(r);

    /* an unterminated block is closed (and reported) at the end */
    s.n = 0;
    r = make(NULL, &s, NULL, 0);
    wf_buf_init(&out, 1u << 20);
    const char *open = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nmore";
    assert_int_equal(wf_redact_feed(r, open, strlen(open), &out), WF_OK);
    assert_int_equal(wf_redact_finish(r, &out), WF_OK);
    assert_null(strstr(out.p, "b3Bl"));
    assert_null(strstr(out.p, "more"));
    assert_int_equal(s.n, 1);
    assert_string_equal(s.f[0].rule, "openssh-private-key");
    assert_int_equal(s.f[0].end_line, 3);
    wf_buf_cleanup(&out);
    wf_redact_free(r);
}

static void test_allow(void **state)
{
    (void)state;
    struct sink s = {0};
    static const char *const allow[] = {"^hunter2$"};
    struct wf_redactor *r = make(NULL, &s, allow, 1);
    char *a = redact1(r, "password=hunter2");
    assert_string_equal(a, "password=hunter2");
    wf_free(a);
    a = redact1(r, "password=hunter3 # workflowai:allow");
    assert_string_equal(a, "password=hunter3 # workflowai:allow");
    wf_free(a);
    a = redact1(r, "password=hunter3");
    assert_int_equal(s.n, 1);
    assert_int_equal(s.f[0].line, 3);
    assert_non_null(strstr(a, "password=[REDACTED:secret-assignment:"));
    wf_free(a);
    wf_redact_free(r);

    /* defaults: e-mails on, IPs off */
    struct wf_redactor *d = NULL;
    assert_int_equal(wf_redact_new(NULL, &d), WF_OK);
    a = redact1(d, "from a@b.example.org via 10.1.2.3");
    assert_null(strstr(a, "a@b.example.org"));
    assert_non_null(strstr(a, "via 10.1.2.3"));
    wf_free(a);
    wf_redact_free(d);

    /* unknown rule ids and bad allow regexes are refused */
    struct wf_redact_opts o;
    static const char *const bad_id[] = {"no-such-rule"};
    static const char *const bad_re[] = {"(unclosed"};
    wf_redact_opts_init(&o);
    o.disable = bad_id;
    o.n_disable = 1;
    assert_int_equal(wf_redact_new(&o, &d), WF_EINVAL);
    wf_redact_opts_init(&o);
    o.allow = bad_re;
    o.n_allow = 1;
    assert_int_equal(wf_redact_new(&o, &d), WF_EINVAL);
}

static void test_odd_input(void **state)
{
    (void)state;
    struct sink s = {0};
    struct wf_redactor *r = make(NULL, &s, NULL, 0);
    struct wf_buf out;
    wf_buf_init(&out, 1u << 22);
    /* NULs and invalid UTF-8 around a secret */
    const char odd[] = "\xff\xfe\0token=\xc3\x28zzzz9 AKIAIOSFODNN7EXAMPLE\0\x80";
    assert_int_equal(wf_redact_line(r, odd, sizeof(odd) - 1, &out, NULL), WF_OK);
    assert_null(memmem(out.p, out.len, "AKIAIOSFODNN7EXAMPLE", 20));
    wf_buf_reset(&out);

    /* a line over the cap is cut at a blank before it and says so */
    size_t big = WF_LIMIT_LINE_BYTES + 5000;
    char *line = wf_malloc(big);
    assert_non_null(line);
    memset(line, 'a', big);
    for (size_t i = 100; i < big; i += 100)
        line[i] = ' ';
    const char *tok = "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    memcpy(line + WF_LIMIT_LINE_BYTES - 20, tok, 40); /* straddles the cap */
    assert_int_equal(wf_redact_line(r, line, big, &out, NULL), WF_OK);
    assert_true(out.len < WF_LIMIT_LINE_BYTES + 100);
    assert_null(memmem(out.p, out.len, "ghp_", 4));
    assert_non_null(strstr(out.p, "[TRUNCATED:"));
    wf_buf_reset(&out);

    /* the same through the splitter, in odd chunks */
    for (size_t i = 0; i < big; i += 777)
        assert_int_equal(wf_redact_feed(r, line + i, big - i < 777 ? big - i : 777, &out), WF_OK);
    assert_int_equal(wf_redact_feed(r, "\nnext\n", 6, &out), WF_OK);
    assert_int_equal(wf_redact_finish(r, &out), WF_OK);
    assert_null(memmem(out.p, out.len, "ghp_", 4));
    assert_non_null(strstr(out.p, "bytes]\nnext\n"));
    wf_free(line);

    /* out of room: the buffer is left as it was */
    struct wf_buf small;
    wf_buf_init(&small, 16);
    assert_int_equal(wf_buf_puts(&small, "abc"), WF_OK);
    assert_int_equal(wf_redact_line(r, "key AKIAIOSFODNN7EXAMPLE", 24, &small, NULL), WF_ETOOBIG);
    assert_int_equal(small.len, 3);
    wf_buf_cleanup(&small);
    wf_buf_cleanup(&out);
    wf_redact_free(r);
}

static void check_config(const char *text, int want_rc, size_t want_line, const char *want_msg)
{
    struct wf_redact_config c;
    struct wf_buf err;
    size_t line = 99;
    wf_buf_init(&err, 4096);
    int rc = wf_redact_config_parse(&c, text, strlen(text), &line, &err);
    assert_int_equal(rc, want_rc);
    if (rc) {
        assert_int_equal(line, want_line);
        if (!strstr(err.p, want_msg))
            fail_msg("config error \"%s\" lacks \"%s\"", err.p, want_msg);
    }
    wf_redact_config_cleanup(&c);
    wf_buf_cleanup(&err);
}

static void test_config(void **state)
{
    (void)state;
    const char *good = "# redact settings\n"
                       "key = s3cret-site-key\n"
                       "emails = off\n"
                       "ips = on\n"
                       "disable = jwt, credit-card\n"
                       "allow = ^AKIAIOSFODNN7EXAMPLE$\n"
                       "allow_path = tests/fixtures/*.log\n"
                       "\n";
    struct wf_redact_config c;
    struct wf_buf err;
    size_t line;
    wf_buf_init(&err, 4096);
    assert_int_equal(wf_redact_config_parse(&c, good, strlen(good), &line, &err), WF_OK);
    assert_string_equal(c.opts.key, "s3cret-site-key");
    assert_int_equal(c.opts.emails, 0);
    assert_int_equal(c.opts.ips, 1);
    assert_int_equal(c.opts.n_disable, 2);
    assert_string_equal(c.opts.disable[1], "credit-card");
    assert_int_equal(c.opts.n_allow, 1);
    assert_int_equal(c.opts.n_allow_paths, 1);
    assert_int_equal(wf_redact_path_allowed(&c.opts, "tests/fixtures/a.log"), 1);
    assert_int_equal(wf_redact_path_allowed(&c.opts, "tests/fixtures/a.txt"), 0);
    assert_int_equal(wf_redact_path_allowed(&c.opts, "build.log"), 0);
    assert_int_equal(wf_redact_path_allowed(&c.opts, "-"), 0);
    struct wf_redactor *r = NULL;
    assert_int_equal(wf_redact_new(&c.opts, &r), WF_OK);
    char *a = redact1(r, "AKIAIOSFODNN7EXAMPLE x@y.example.com 10.0.0.1");
    assert_non_null(strstr(a, "AKIAIOSFODNN7EXAMPLE x@y.example.com [REDACTED:ipv4:"));
    wf_free(a);
    wf_redact_free(r);
    wf_redact_config_cleanup(&c);

    check_config("emails = on\nbogus = 1\n", WF_EFORMAT, 2, "unknown key 'bogus'");
    check_config("\n\n  just words\n", WF_EFORMAT, 3, "expected 'key = value'");
    check_config("disable = jwt,nope\n", WF_EFORMAT, 1, "unknown rule id 'nope'");
    check_config("ips = maybe\n", WF_EFORMAT, 1, "'ips' must be on or off");
    check_config("allow = (x\n", WF_EFORMAT, 1, "bad allow regex");
    check_config("key =\n", WF_EFORMAT, 1, "'key' has no value");
    /* a NUL byte is named with its line */
    wf_buf_reset(&err);
    assert_int_equal(wf_redact_config_parse(&c, "# c\nkey = a\0b\n", 13, &line, &err), WF_EFORMAT);
    assert_int_equal(line, 2);
    assert_non_null(strstr(err.p, "NUL"));
    wf_redact_config_cleanup(&c);
    wf_buf_cleanup(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_positives), cmocka_unit_test(test_table_negatives_all_rules),
        cmocka_unit_test(test_idempotent),      cmocka_unit_test(test_placeholder_keyed),
        cmocka_unit_test(test_pem_block),       cmocka_unit_test(test_allow),
        cmocka_unit_test(test_odd_input),       cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
