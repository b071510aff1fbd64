/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Webhook authentication: a signature computed over the body is accepted;
 * one flipped digit, a changed body, SHA-1 only, a wrong prefix, bad hex, a
 * wrong length, a missing header and an unconfigured secret are refused
 * with WF_EAUTH and a reason that never echoes the expected value. GitLab
 * tokens must match exactly.
 */
#include "ingest_test.h"

#include "crypto/crypto.h"

static const char body[] = "{\"action\":\"completed\",\"workflow_job\":{\"id\":1}}";
static const char secret[] = "It's a Secret to Everybody";

/* "sha256=<hex>" of HMAC-SHA256(key, msg) into out (72 bytes). */
static void sign(const char *key, const char *msg, size_t len, char *out)
{
    uint8_t mac[WF_CRYPTO_SHA256_BYTES];
    wf_crypto_hmac_sha256(key, strlen(key), msg, len, mac);
    memcpy(out, "sha256=", 7);
    wf_crypto_hex(mac, sizeof(mac), out + 7);
}

typedef int (*verify_fn)(const char *, struct wf_str, const char *, size_t, struct wf_buf *);

static void check_hmac(verify_fn fn, const char *header_name)
{
    char sig[80], bad[128];
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    sign(secret, body, strlen(body), sig);

    assert_int_equal(fn(secret, wf_str_c(sig), body, strlen(body), &err), WF_OK);
    assert_int_equal(err.len, 0);
    assert_int_equal(fn(secret, wf_str_c(sig), body, strlen(body), NULL), WF_OK);

    /* surrounding blanks (HTTP optional white space) are not part of it */
    char padded[96];
    snprintf(padded, sizeof(padded), "  %s\t", sig);
    assert_int_equal(fn(secret, wf_str_c(padded), body, strlen(body), NULL), WF_OK);

    /* upper-case hex is the same signature */
    char upper[80];
    snprintf(upper, sizeof(upper), "%s", sig);
    for (char *p = upper + 7; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    assert_int_equal(fn(secret, wf_str_c(upper), body, strlen(body), NULL), WF_OK);

    /* one flipped digit, in every position */
    for (size_t i = 7; i < strlen(sig); i++) {
        snprintf(bad, sizeof(bad), "%s", sig);
        bad[i] = bad[i] == '0' ? '1' : '0';
        wf_buf_reset(&err);
        assert_int_equal(fn(secret, wf_str_c(bad), body, strlen(body), &err), WF_EAUTH);
    }
    assert_err_has(&err, "does not match");
    assert_null(strstr(err.p, sig + 7)); /* never the expected value */

    /* the body changed by one byte, or signed with another secret */
    assert_int_equal(fn(secret, wf_str_c(sig), body, strlen(body) - 1, NULL), WF_EAUTH);
    assert_int_equal(fn("another secret", wf_str_c(sig), body, strlen(body), NULL), WF_EAUTH);

    wf_buf_reset(&err);
    assert_int_equal(fn(secret, wf_str_c("sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"), body,
                        strlen(body), &err),
                     WF_EAUTH);
    assert_err_has(&err, "SHA-256 is required");

    wf_buf_reset(&err);
    assert_int_equal(fn(secret, wf_str_c(""), body, strlen(body), &err), WF_EAUTH);
    assert_err_has(&err, header_name);
    assert_err_has(&err, "SHA-256");
    wf_buf_reset(&err);
    assert_int_equal(fn(secret, (struct wf_str){NULL, 0}, body, strlen(body), &err), WF_EAUTH);
    assert_err_has(&err, "missing");

    snprintf(bad, sizeof(bad), "sha512=%s", sig + 7);
    wf_buf_reset(&err);
    assert_int_equal(fn(secret, wf_str_c(bad), body, strlen(body), &err), WF_EAUTH);
    assert_err_has(&err, "sha256=");
    snprintf(bad, sizeof(bad), "%s", sig + 7); /* no prefix at all */
    assert_int_equal(fn(secret, wf_str_c(bad), body, strlen(body), NULL), WF_EAUTH);

    snprintf(bad, sizeof(bad), "%s", sig);
    bad[20] = 'g';
    wf_buf_reset(&err);
    assert_int_equal(fn(secret, wf_str_c(bad), body, strlen(body), &err), WF_EAUTH);
    assert_err_has(&err, "not hexadecimal");

    snprintf(bad, sizeof(bad), "%s", sig);
    bad[strlen(bad) - 1] = '\0'; /* 63 digits */
    wf_buf_reset(&err);
    assert_int_equal(fn(secret, wf_str_c(bad), body, strlen(body), &err), WF_EAUTH);
    assert_err_has(&err, "64 hex digits");
    snprintf(bad, sizeof(bad), "%s0", sig); /* 65 digits */
    assert_int_equal(fn(secret, wf_str_c(bad), body, strlen(body), NULL), WF_EAUTH);

    /* no secret configured: nothing verifies, not even an empty signature */
    wf_buf_reset(&err);
    assert_int_equal(fn("", wf_str_c(sig), body, strlen(body), &err), WF_EAUTH);
    assert_err_has(&err, "secret");
    assert_int_equal(fn(NULL, wf_str_c(sig), body, strlen(body), NULL), WF_EAUTH);
    char empty_sig[80];
    sign("", body, strlen(body), empty_sig);
    assert_int_equal(fn("", wf_str_c(empty_sig), body, strlen(body), NULL), WF_EAUTH);

    /* an empty body has a signature like any other */
    sign(secret, "", 0, sig);
    assert_int_equal(fn(secret, wf_str_c(sig), "", 0, NULL), WF_OK);
    assert_int_equal(fn(secret, wf_str_c(sig), NULL, 0, NULL), WF_OK);
    wf_buf_cleanup(&err);
}

static void test_github(void **state)
{
    (void)state;
    check_hmac(wf_ingest_verify_github, "X-Hub-Signature-256");
    /* the SHA-1 header's name is spelled out for GitHub */
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    assert_int_equal(wf_ingest_verify_github(secret, wf_str_c(""), body, strlen(body), &err),
                     WF_EAUTH);
    assert_err_has(&err, "X-Hub-Signature with SHA-1 is not accepted");
    wf_buf_cleanup(&err);
}

/* GitHub's documented test vector (docs.github.com, "Validating webhook
 * deliveries"): secret "It's a Secret to Everybody", payload "Hello,
 * World!". */
static void test_github_vector(void **state)
{
    (void)state;
    const char *sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    assert_int_equal(wf_ingest_verify_github(secret, wf_str_c(sig), "Hello, World!", 13, NULL),
                     WF_OK);
    assert_int_equal(wf_ingest_verify_github(secret, wf_str_c(sig), "Hello, World?", 13, NULL),
                     WF_EAUTH);
}

static void test_generic(void **state)
{
    (void)state;
    check_hmac(wf_ingest_verify_generic, "X-WorkflowAI-Signature");
}

static void test_gitlab(void **state)
{
    (void)state;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    assert_int_equal(wf_ingest_verify_gitlab("s3cr3t-token", wf_str_c("s3cr3t-token"), &err),
                     WF_OK);
    assert_int_equal(wf_ingest_verify_gitlab("s3cr3t-token", wf_str_c(" s3cr3t-token "), NULL),
                     WF_OK);
    assert_int_equal(wf_ingest_verify_gitlab("s3cr3t-token", wf_str_c("s3cr3t-tokeN"), &err),
                     WF_EAUTH);
    assert_err_has(&err, "does not match");
    assert_null(strstr(err.p, "s3cr3t"));
    assert_int_equal(wf_ingest_verify_gitlab("s3cr3t-token", wf_str_c("s3cr3t-toke"), NULL),
                     WF_EAUTH);
    assert_int_equal(wf_ingest_verify_gitlab("s3cr3t-token", wf_str_c("s3cr3t-token2"), NULL),
                     WF_EAUTH);
    /* a view is not NUL-terminated: only its bytes count */
    struct wf_str prefix = {"s3cr3t-token-and-more", 12};
    assert_int_equal(wf_ingest_verify_gitlab("s3cr3t-token", prefix, NULL), WF_OK);
    wf_buf_reset(&err);
    assert_int_equal(wf_ingest_verify_gitlab("s3cr3t-token", wf_str_c(""), &err), WF_EAUTH);
    assert_err_has(&err, "missing X-Gitlab-Token");
    wf_buf_reset(&err);
    assert_int_equal(wf_ingest_verify_gitlab("", wf_str_c(""), &err), WF_EAUTH);
    assert_err_has(&err, "no GitLab webhook token");
    assert_int_equal(wf_ingest_verify_gitlab(NULL, wf_str_c("x"), NULL), WF_EAUTH);
    wf_buf_cleanup(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_github),
        cmocka_unit_test(test_github_vector),
        cmocka_unit_test(test_generic),
        cmocka_unit_test(test_gitlab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
