/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for API keys and HS256 JWTs: key shape, uniqueness and hash,
 * every wrong key shape refused; JWT sign/verify round trip, a known-answer
 * vector made with openssl, and one test per way a token must be refused
 * (tampering, algorithms, time claims, tenant rules, segment shapes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "server/server_int.h"

#define SECRET "workflowai-test-secret"
#define NOW 1700000100

/* ---- keys ---------------------------------------------------------------- */

static void test_key_shape(void **state)
{
    (void)state;
    char key[WF_SERVER_KEY_BYTES], id[WF_SERVER_KEY_ID_BYTES], hash[65], again[65];
    assert_int_equal(wf_server__key_new(key, id, hash), WF_OK);
    assert_int_equal(strlen(key), 56);
    assert_memory_equal(key, "wfk_", 4);
    assert_int_equal(key[12], '_');
    for (int i = 4; i < 12; i++)
        assert_non_null(strchr("0123456789abcdef", key[i]));
    for (int i = 13; i < 56; i++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", key[i]));
    /* the id is the public part of the key */
    assert_int_equal(strlen(id), 10);
    assert_memory_equal(id, "k_", 2);
    assert_memory_equal(id + 2, key + 4, 8);
    /* the hash is the hex SHA-256 of the whole key */
    uint8_t d[WF_CRYPTO_SHA256_BYTES];
    char hex[65];
    wf_crypto_sha256(key, strlen(key), d);
    wf_crypto_hex(d, sizeof(d), hex);
    assert_string_equal(hash, hex);
    assert_int_equal(wf_server__key_hash(key, strlen(key), again), 0);
    assert_string_equal(again, hash);
}

static void test_key_unique(void **state)
{
    (void)state;
    enum { N = 200 };
    static char keys[N][WF_SERVER_KEY_BYTES];
    static char ids[N][WF_SERVER_KEY_ID_BYTES];
    char hash[65];
    for (int i = 0; i < N; i++)
        assert_int_equal(wf_server__key_new(keys[i], ids[i], hash), WF_OK);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            assert_string_not_equal(keys[i], keys[j]);
            assert_string_not_equal(ids[i], ids[j]); /* 32 bits: a clash is ~5e-6 */
        }
}

static void test_key_hash_known(void **state)
{
    (void)state;
    /* printf 'wfk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' | sha256sum */
    const char *k = "wfk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    char hash[65];
    assert_int_equal(wf_server__key_hash(k, strlen(k), hash), 0);
    assert_string_equal(hash, "4f45957bdcc9bbc09e377c8103bc2d3e6ed212fdffd4b8cec600833d6fba8003");
}

static void test_key_bad_shapes(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "wfk_",
        "wfk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* 42 secret chars */
        "wfk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 */
        "wfx_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* prefix */
        "WFK_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* prefix case */
        "wfk_0123ABCD_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* id upper case */
        "wfk_0123abcz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* id not hex */
        "wfk_0123abcd-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* separator */
        "wfk_0123abc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* 7-char id */
        "wfk_0123abcd_AAAAAAAAAAAAAAAAAAAA+AAAAAAAAAAAAAAAAAAAAAA",  /* '+' not base64url */
        "wfk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  /* padding */
        "wfk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",  /* non-zero spare bits */
        "Bearer wfk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    char hash[65] = "untouched";
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(wf_server__key_hash(bad[i], strlen(bad[i]), hash), -1);
        assert_string_equal(hash, "untouched");
    }
    /* a NUL inside and a length that disagrees with the string */
    char k[57];
    memcpy(k, "wfk_0123abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 57);
    assert_int_equal(wf_server__key_hash(k, 55, hash), -1);
    k[20] = 0;
    assert_int_equal(wf_server__key_hash(k, 56, hash), -1);
    assert_int_equal(wf_server__key_hash(NULL, 56, hash), -1);
}

/* ---- JWT helpers ---------------------------------------------------------- */

static void b64(struct wf_buf *b, const char *s, size_t len)
{
    char *tmp = wf_malloc(wf_crypto_b64url_len(len) + 1);
    assert_non_null(tmp);
    wf_crypto_b64url((const uint8_t *)s, len, tmp);
    assert_int_equal(wf_buf_puts(b, tmp), WF_OK);
    wf_free(tmp);
}

/* A token with any header and payload, HS256-signed with secret. */
static char *make(const char *header, const char *payload, const char *secret)
{
    struct wf_buf b;
    wf_buf_init(&b, 1 << 20);
    b64(&b, header, strlen(header));
    assert_int_equal(wf_buf_putc(&b, '.'), WF_OK);
    b64(&b, payload, strlen(payload));
    uint8_t mac[32];
    wf_crypto_hmac_sha256(secret, strlen(secret), b.p, b.len, mac);
    assert_int_equal(wf_buf_putc(&b, '.'), WF_OK);
    b64(&b, (const char *)mac, sizeof(mac));
    return wf_buf_detach(&b);
}

#define HS256 "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* Verifies and returns the code; *reason gets err's text (static). */
static int verify(const char *tok, const char *secret, struct wf_server__jwt_claims *c,
                  const char **reason)
{
    static char why[256];
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    int rc = wf_server__jwt_verify(tok, strlen(tok), secret, NOW, 60, c, &err);
    why[0] = 0;
    if (err.len)
        memcpy(why, err.p, err.len < 255 ? err.len + 1 : 256);
    why[255] = 0;
    wf_buf_cleanup(&err);
    if (reason)
        *reason = why;
    return rc;
}

/* Asserts that the token (header, payload, secret) is refused with a
 * reason containing want. */
static void refused(const char *header, const char *payload, const char *want)
{
    struct wf_server__jwt_claims c;
    const char *why;
    char *t = make(header, payload, SECRET);
    assert_int_equal(verify(t, SECRET, &c, &why), WF_EAUTH);
    if (!strstr(why, want))
        fail_msg("token %s: reason '%s', want '%s'", t, why, want);
    wf_free(t);
}

static void refused_raw(const char *tok, const char *want)
{
    struct wf_server__jwt_claims c;
    const char *why;
    assert_int_equal(verify(tok, SECRET, &c, &why), WF_EAUTH);
    if (!strstr(why, want))
        fail_msg("token %s: reason '%s', want '%s'", tok, why, want);
}

/* ---- JWT ------------------------------------------------------------------ */

static void test_jwt_known_answer(void **state)
{
    (void)state;
    /* b64u() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
     * H=$(printf '{"alg":"HS256","typ":"JWT"}' | b64u)
     * P=$(printf '{"tenant":"acme","sub":"ci-bot","iat":1700000000,"exp":1700003600}' | b64u)
     * S=$(printf '%s.%s' $H $P | openssl dgst -sha256 -hmac 'workflowai-test-secret' -binary \
     *     | b64u); echo $H.$P.$S */
    static const char tok[] =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJ0ZW5hbnQiOiJhY21lIiwic3ViIjoiY2ktYm90IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9."
        "LASK8zurw5hsRpN97xB0NRfASIFT-4M7V7BEXIOacWM";
    struct wf_server__jwt_claims c;
    assert_int_equal(verify(tok, SECRET, &c, NULL), WF_OK);
    assert_string_equal(c.tenant, "acme");
    assert_string_equal(c.sub, "ci-bot");
    assert_int_equal(c.exp, 1700003600);
    /* our signer spells the same claims byte for byte */
    struct wf_buf out;
    wf_buf_init(&out, 8192);
    assert_int_equal(wf_server__jwt_sign(SECRET, "acme", "ci-bot", 1700000000, 1700003600, &out),
                     WF_OK);
    assert_string_equal(out.p, tok);
    wf_buf_cleanup(&out);
}

static void test_jwt_round_trip(void **state)
{
    (void)state;
    struct wf_buf out;
    struct wf_server__jwt_claims c;
    wf_buf_init(&out, 8192);
    assert_int_equal(wf_server__jwt_sign(SECRET, "team-1.prod_x", NULL, NOW, 0, &out), WF_OK);
    assert_int_equal(verify(out.p, SECRET, &c, NULL), WF_OK);
    assert_string_equal(c.tenant, "team-1.prod_x");
    assert_string_equal(c.sub, "");
    assert_int_equal(c.exp, 0);
    /* a sub with characters that need JSON escaping survives */
    wf_buf_reset(&out);
    assert_int_equal(wf_server__jwt_sign(SECRET, "t", "a \"quoted\" \\ user", NOW, NOW + 10, &out),
                     WF_OK);
    assert_int_equal(verify(out.p, SECRET, &c, NULL), WF_OK);
    assert_string_equal(c.sub, "a \"quoted\" \\ user");
    assert_int_equal(c.exp, NOW + 10);
    /* the signer refuses what the verifier would refuse; out is untouched */
    wf_buf_reset(&out);
    assert_int_equal(wf_server__jwt_sign(SECRET, "bad tenant", NULL, NOW, 0, &out), WF_EINVAL);
    assert_int_equal(wf_server__jwt_sign("", "t", NULL, NOW, 0, &out), WF_EINVAL);
    assert_int_equal(wf_server__jwt_sign(SECRET, "", NULL, NOW, 0, &out), WF_EINVAL);
    assert_int_equal(out.len, 0);
    wf_buf_cleanup(&out);
}

static void test_jwt_tampered(void **state)
{
    (void)state;
    struct wf_server__jwt_claims c;
    const char *why;
    char *t = make(HS256, "{\"tenant\":\"acme\"}", SECRET);
    assert_int_equal(verify(t, SECRET, &c, NULL), WF_OK);
    /* payload swapped for another tenant, signature kept */
    char *other = make(HS256, "{\"tenant\":\"evil\"}", SECRET);
    char *d1 = strchr(t, '.'), *d2 = strrchr(t, '.');
    char *o1 = strchr(other, '.'), *o2 = strrchr(other, '.');
    struct wf_buf b;
    wf_buf_init(&b, 8192);
    wf_buf_append(&b, t, (size_t)(d1 - t));
    wf_buf_append(&b, o1, (size_t)(o2 - o1));
    wf_buf_puts(&b, d2);
    assert_int_equal(verify(b.p, SECRET, &c, &why), WF_EAUTH);
    assert_string_equal(why, "bad signature");
    /* one signature character changed */
    wf_buf_reset(&b);
    wf_buf_puts(&b, t);
    b.p[b.len - 5] = b.p[b.len - 5] == 'A' ? 'B' : 'A';
    assert_int_equal(verify(b.p, SECRET, &c, &why), WF_EAUTH);
    assert_string_equal(why, "bad signature");
    /* signature truncated */
    b.p[b.len - 1] = 0;
    assert_int_equal(verify(b.p, SECRET, &c, &why), WF_EAUTH);
    assert_non_null(strstr(why, "signature"));
    /* made with another secret */
    assert_int_equal(verify(t, "another-secret", &c, &why), WF_EAUTH);
    assert_string_equal(why, "bad signature");
    /* an empty secret refuses everything, even a token signed with "" */
    char *empty = make(HS256, "{\"tenant\":\"acme\"}", "");
    assert_int_equal(verify(empty, "", &c, &why), WF_EAUTH);
    assert_non_null(strstr(why, "secret"));
    assert_int_equal(verify(t, NULL, &c, NULL), WF_EAUTH);
    wf_buf_cleanup(&b);
    wf_free(empty);
    wf_free(other);
    wf_free(t);
}

static void test_jwt_algorithms(void **state)
{
    (void)state;
    const char *p = "{\"tenant\":\"acme\"}";
    refused("{\"alg\":\"none\",\"typ\":\"JWT\"}", p, "alg must be HS256");
    refused("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", p, "alg must be HS256");
    refused("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", p, "alg must be HS256");
    refused("{\"alg\":\"hs256\"}", p, "alg must be HS256");
    refused("{\"typ\":\"JWT\"}", p, "alg must be HS256");
    refused("{\"alg\":256}", p, "alg must be HS256");
    refused("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", p, "crit");
    refused("{\"alg\":\"HS256\",\"typ\":\"JWE\"}", p, "typ");
    refused("{\"alg\":\"HS256\",\"alg\":\"none\"}", p, "header");
    refused("[\"HS256\"]", p, "header");
    /* alg none with an empty signature, the classic attack */
    struct wf_buf b;
    wf_buf_init(&b, 8192);
    b64(&b, "{\"alg\":\"none\"}", 14);
    wf_buf_putc(&b, '.');
    b64(&b, p, strlen(p));
    wf_buf_putc(&b, '.');
    refused_raw(b.p, "alg must be HS256");
    wf_buf_cleanup(&b);
    /* typ is optional and case-insensitive */
    struct wf_server__jwt_claims c;
    char *t = make("{\"alg\":\"HS256\"}", p, SECRET);
    assert_int_equal(verify(t, SECRET, &c, NULL), WF_OK);
    wf_free(t);
    t = make("{\"typ\":\"jwt\",\"kid\":\"k1\",\"alg\":\"HS256\"}", p, SECRET);
    assert_int_equal(verify(t, SECRET, &c, NULL), WF_OK);
    wf_free(t);
}

static void test_jwt_times(void **state)
{
    (void)state;
    struct wf_server__jwt_claims c;
    char payload[256];
    /* exp: leeway 60 s around NOW */
    static const struct {
        const char *claim;
        long long at;
        int ok;
    } cases[] = {
        {"exp", NOW - 61, 0}, {"exp", NOW - 60, 0}, {"exp", NOW - 59, 1}, {"exp", NOW + 3600, 1},
        {"nbf", NOW + 61, 0}, {"nbf", NOW + 60, 1}, {"nbf", NOW, 1},      {"nbf", NOW - 5, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(payload, sizeof(payload), "{\"tenant\":\"acme\",\"%s\":%lld}", cases[i].claim,
                 cases[i].at);
        if (cases[i].ok) {
            char *t = make(HS256, payload, SECRET);
            assert_int_equal(verify(t, SECRET, &c, NULL), WF_OK);
            wf_free(t);
        } else {
            refused(HS256, payload, cases[i].claim[0] == 'e' ? "expired" : "not yet valid");
        }
    }
    /* fractional NumericDates are allowed */
    char *t = make(HS256, "{\"tenant\":\"acme\",\"exp\":1700000040.5}", SECRET);
    assert_int_equal(verify(t, SECRET, &c, NULL), WF_OK);
    wf_free(t);
    refused(HS256, "{\"tenant\":\"acme\",\"exp\":1700000040.4e-3}", "expired");
    /* non-numeric and absurd values */
    refused(HS256, "{\"tenant\":\"acme\",\"exp\":\"1700009999\"}", "must be numbers");
    refused(HS256, "{\"tenant\":\"acme\",\"nbf\":null}", "must be numbers");
    refused(HS256, "{\"tenant\":\"acme\",\"exp\":true}", "must be numbers");
    refused(HS256, "{\"tenant\":\"acme\",\"iat\":\"now\"}", "must be numbers");
    refused(HS256, "{\"tenant\":\"acme\",\"exp\":1e300}", "must be numbers");
    refused(HS256, "{\"tenant\":\"acme\",\"exp\":9223372036854775807}", "must be numbers");
    refused(HS256, "{\"tenant\":\"acme\",\"nbf\":-9223372036854775807}", "must be numbers");
}

static void test_jwt_claims(void **state)
{
    (void)state;
    refused(HS256, "{\"sub\":\"x\"}", "tenant claim missing");
    refused(HS256, "{\"tenant\":\"\"}", "tenant claim must be");
    refused(HS256, "{\"tenant\":\"a b\"}", "tenant claim must be");
    refused(HS256, "{\"tenant\":\"a/b\"}", "tenant claim must be");
    refused(HS256, "{\"tenant\":\"caf\\u00e9\"}", "tenant claim must be");
    refused(HS256, "{\"tenant\":42}", "tenant claim must be");
    refused(HS256, "{\"tenant\":[\"a\"]}", "tenant claim must be");
    refused(HS256, "{\"tenant\":\"a\",\"sub\":7}", "sub claim");
    refused(HS256, "{\"tenant\":\"a\",\"sub\":\"x\\ny\"}", "sub claim");
    refused(HS256, "[1,2]", "payload");
    refused(HS256, "{\"tenant\":\"a\"", "payload");
    refused(HS256, "{\"tenant\":\"a\",\"tenant\":\"b\"}", "payload");
    /* tenant of exactly 127 characters passes, 128 does not */
    char p[400], name[200];
    struct wf_server__jwt_claims c;
    memset(name, 'x', 127);
    name[127] = 0;
    snprintf(p, sizeof(p), "{\"tenant\":\"%s\"}", name);
    char *t = make(HS256, p, SECRET);
    assert_int_equal(verify(t, SECRET, &c, NULL), WF_OK);
    assert_string_equal(c.tenant, name);
    wf_free(t);
    name[127] = 'x';
    name[128] = 0;
    snprintf(p, sizeof(p), "{\"tenant\":\"%s\"}", name);
    refused(HS256, p, "tenant claim must be");
}

static void test_jwt_shapes(void **state)
{
    (void)state;
    char *t = make(HS256, "{\"tenant\":\"acme\"}", SECRET);
    char *d2 = strrchr(t, '.');
    struct wf_buf b;
    wf_buf_init(&b, 64 * 1024);
    /* two segments */
    wf_buf_append(&b, t, (size_t)(d2 - t));
    refused_raw(b.p, "three segments");
    /* four segments */
    wf_buf_reset(&b);
    wf_buf_puts(&b, t);
    wf_buf_puts(&b, ".AAAA");
    refused_raw(b.p, "three segments");
    refused_raw("..", "header");
    refused_raw("abc", "three segments");
    /* bad base64 in the header, in the payload, padding */
    wf_buf_reset(&b);
    wf_buf_puts(&b, "eyJhbGciOiJIUzI1NiJ9!");
    wf_buf_puts(&b, strchr(t, '.'));
    refused_raw(b.p, "header");
    wf_buf_reset(&b);
    wf_buf_puts(&b, t);
    b.p[strchr(t, '.') - t + 2] = '*';
    refused_raw(b.p, "signature"); /* signed bytes changed: refused before decoding */
    wf_buf_reset(&b);
    wf_buf_puts(&b, t);
    wf_buf_puts(&b, "=");
    refused_raw(b.p, "signature");
    /* an empty token, and one above 8 KiB */
    struct wf_server__jwt_claims c;
    assert_int_equal(wf_server__jwt_verify("", 0, SECRET, NOW, 0, &c, NULL), WF_EAUTH);
    assert_int_equal(wf_server__jwt_verify(NULL, 0, SECRET, NOW, 0, &c, NULL), WF_EAUTH);
    char big[10000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    memcpy(big, "{\"tenant\":\"acme\",\"pad\":\"", 24);
    memcpy(big + 9000, "\"}", 3);
    char *huge = make(HS256, big, SECRET);
    refused_raw(huge, "8 KiB");
    /* a valid token with a NUL byte after it: len counts, so refused */
    assert_int_equal(wf_server__jwt_verify(t, strlen(t) + 1, SECRET, NOW, 0, &c, NULL), WF_EAUTH);
    wf_free(huge);
    wf_buf_cleanup(&b);
    wf_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_shape),        cmocka_unit_test(test_key_unique),
        cmocka_unit_test(test_key_hash_known),   cmocka_unit_test(test_key_bad_shapes),
        cmocka_unit_test(test_jwt_known_answer), cmocka_unit_test(test_jwt_round_trip),
        cmocka_unit_test(test_jwt_tampered),     cmocka_unit_test(test_jwt_algorithms),
        cmocka_unit_test(test_jwt_times),        cmocka_unit_test(test_jwt_claims),
        cmocka_unit_test(test_jwt_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
