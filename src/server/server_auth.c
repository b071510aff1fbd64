/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credentials of the service: API keys ("wfk_<id>_<secret>", stored only as
 * their SHA-256) and HS256 JSON Web Tokens (RFC 7515 compact form, RFC 7519
 * claims) signed with one shared secret. Everything here is pure: no store,
 * no clock (the caller passes now), so the route handlers decide what a
 * verified tenant may do. Builds on src/crypto and jansson.
 */
#include "server/server_int.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"

/* ---- API keys ------------------------------------------------------------ */

#define KEY_PREFIX "wfk_"
#define KEY_PREFIX_LEN 4
#define KEY_ID_CHARS 8      /* lowercase hex of 4 random bytes */
#define KEY_SECRET_BYTES 32 /* random bytes behind the secret part */
#define KEY_SECRET_CHARS 43 /* base64url of 32 bytes, unpadded */
#define KEY_LEN (KEY_PREFIX_LEN + KEY_ID_CHARS + 1 + KEY_SECRET_CHARS) /* 56 */

_Static_assert(KEY_LEN < WF_SERVER_KEY_BYTES, "key buffer too small");
_Static_assert(2 + KEY_ID_CHARS < WF_SERVER_KEY_ID_BYTES, "key id buffer too small");

static void hash_hex_of(const char *p, size_t len, char *hash_hex)
{
    uint8_t d[WF_CRYPTO_SHA256_BYTES];
    wf_crypto_sha256(p, len, d);
    wf_crypto_hex(d, sizeof(d), hash_hex);
}

int wf_server__key_new(char *key, char *key_id, char *hash_hex)
{
    uint8_t id[KEY_ID_CHARS / 2], secret[KEY_SECRET_BYTES];
    char k[WF_SERVER_KEY_BYTES], id_hex[KEY_ID_CHARS + 1], sec[KEY_SECRET_CHARS + 1];
    int rc = wf_crypto_random(id, sizeof(id));
    if (rc == WF_OK)
        rc = wf_crypto_random(secret, sizeof(secret));
    if (rc != WF_OK)
        goto out;
    wf_crypto_hex(id, sizeof(id), id_hex);
    wf_crypto_b64url(secret, sizeof(secret), sec);
    memcpy(k, KEY_PREFIX, KEY_PREFIX_LEN);
    memcpy(k + KEY_PREFIX_LEN, id_hex, KEY_ID_CHARS);
    k[KEY_PREFIX_LEN + KEY_ID_CHARS] = '_';
    memcpy(k + KEY_PREFIX_LEN + KEY_ID_CHARS + 1, sec, KEY_SECRET_CHARS);
    k[KEY_LEN] = 0;
    assert(strlen(k) == KEY_LEN);
    memcpy(key, k, KEY_LEN + 1);
    key_id[0] = 'k';
    key_id[1] = '_';
    memcpy(key_id + 2, id_hex, KEY_ID_CHARS + 1);
    hash_hex_of(k, KEY_LEN, hash_hex);
out:
    /* the secret must not linger on the stack */
    memset(secret, 0, sizeof(secret));
    memset(sec, 0, sizeof(sec));
    memset(k, 0, sizeof(k));
    return rc;
}

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int wf_server__key_hash(const char *key, size_t len, char *hash_hex)
{
    if (!key || len != KEY_LEN || memcmp(key, KEY_PREFIX, KEY_PREFIX_LEN) != 0)
        return -1;
    for (size_t i = 0; i < KEY_ID_CHARS; i++)
        if (!is_lower_hex(key[KEY_PREFIX_LEN + i]))
            return -1;
    if (key[KEY_PREFIX_LEN + KEY_ID_CHARS] != '_')
        return -1;
    const char *s = key + KEY_PREFIX_LEN + KEY_ID_CHARS + 1;
    for (size_t i = 0; i < KEY_SECRET_CHARS; i++)
        if (!is_b64url(s[i]))
            return -1;
    /* 43 characters carry 258 bits for 256: the decoder refuses non-zero
     * spare bits, so exactly one spelling of each secret is accepted */
    uint8_t raw[KEY_SECRET_BYTES];
    long n = wf_crypto_unb64url(s, KEY_SECRET_CHARS, raw, sizeof(raw));
    memset(raw, 0, sizeof(raw));
    if (n != KEY_SECRET_BYTES)
        return -1;
    hash_hex_of(key, len, hash_hex);
    return 0;
}

/* ---- JWT (HS256) ------------------------------------------------------------ */

#define JWT_MAX_BYTES (8u * 1024u) /* whole compact token */
#define JWT_SIG_CHARS 43           /* base64url of a 32-byte HMAC-SHA256 */
#define JWT_MAX_LEEWAY_S (24 * 3600)
/* NumericDate values beyond this are refused rather than converted */
#define JWT_MAX_TIME 1e15

static int deny(struct wf_buf *err, const char *reason)
{
    if (err)
        wf_buf_puts(err, reason);
    return WF_EAUTH;
}

int wf_server__valid_tenant(const char *s, size_t len)
{
    if (len == 0 || len >= WF_LIMIT_ID_BYTES)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* 1 when s fits the sub claim: < WF_LIMIT_ID_BYTES bytes, no control
 * characters (it ends up in logs). */
static int valid_sub(const char *s, size_t len)
{
    if (len >= WF_LIMIT_ID_BYTES)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* Decodes one base64url segment (no padding allowed, as RFC 7515 §2 says)
 * and parses it as a JSON object. NULL on any failure. */
static json_t *segment_json(const char *s, size_t len)
{
    uint8_t buf[JWT_MAX_BYTES];
    if (len == 0)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (!is_b64url(s[i]))
            return NULL;
    long n = wf_crypto_unb64url(s, len, buf, sizeof(buf));
    if (n <= 0)
        return NULL;
    json_error_t je;
    json_t *j = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, &je);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* Reads the optional NumericDate claim `name`: 0 absent, 1 present (value
 * rounded up to whole seconds, which is exact against an integer now), -1
 * not a number or out of range. */
static int numeric_date(json_t *payload, const char *name, int64_t *out)
{
    json_t *v = json_object_get(payload, name);
    if (!v)
        return 0;
    double d;
    if (json_is_integer(v))
        d = (double)json_integer_value(v);
    else if (json_is_real(v))
        d = ceil(json_real_value(v));
    else
        return -1;
    if (!(d >= -JWT_MAX_TIME && d <= JWT_MAX_TIME))
        return -1;
    *out = json_is_integer(v) ? (int64_t)json_integer_value(v) : (int64_t)d;
    return 1;
}

int wf_server__jwt_verify(const char *token, size_t len, const char *secret, int64_t now_s,
                          int64_t leeway_s, struct wf_server__jwt_claims *out, struct wf_buf *err)
{
    json_t *hdr = NULL, *payload = NULL;
    int rc = WF_EAUTH;
    if (!secret || !secret[0]) {
        rc = deny(err, "no JWT secret configured");
        goto out;
    }
    if (!token || len == 0) {
        rc = deny(err, "missing token");
        goto out;
    }
    if (len > JWT_MAX_BYTES) {
        rc = deny(err, "token longer than 8 KiB");
        goto out;
    }
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token))) {
        rc = deny(err, "token must have exactly three segments");
        goto out;
    }
    size_t h_len = (size_t)(d1 - token), p_len = (size_t)(d2 - d1 - 1);
    size_t s_len = len - (size_t)(d2 + 1 - token);
    hdr = segment_json(token, h_len);
    if (!hdr) {
        rc = deny(err, "header is not base64url-encoded JSON object");
        goto out;
    }
    json_t *alg = json_object_get(hdr, "alg");
    if (!json_is_string(alg) || strcmp(json_string_value(alg), "HS256") != 0 ||
        json_string_length(alg) != 5) {
        rc = deny(err, "alg must be HS256");
        goto out;
    }
    json_t *typ = json_object_get(hdr, "typ");
    if (typ && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0)) {
        rc = deny(err, "typ must be JWT");
        goto out;
    }
    /* RFC 7515 §4.1.11: extensions we do not implement must be refused */
    if (json_object_get(hdr, "crit")) {
        rc = deny(err, "crit header not supported");
        goto out;
    }
    uint8_t sig[WF_CRYPTO_SHA256_BYTES], want[WF_CRYPTO_SHA256_BYTES];
    int sig_ok = s_len == JWT_SIG_CHARS;
    for (size_t i = 0; sig_ok && i < s_len; i++)
        sig_ok = is_b64url(d2[1 + i]);
    if (!sig_ok || wf_crypto_unb64url(d2 + 1, s_len, sig, sizeof(sig)) != (long)sizeof(sig)) {
        rc = deny(err, "bad signature encoding");
        goto out;
    }
    /* the signature is checked before the payload is even decoded */
    wf_crypto_hmac_sha256(secret, strlen(secret), token, (size_t)(d2 - token), want);
    if (!wf_crypto_equal(sig, want, sizeof(sig))) {
        rc = deny(err, "bad signature");
        goto out;
    }
    payload = segment_json(d1 + 1, p_len);
    if (!payload) {
        rc = deny(err, "payload is not base64url-encoded JSON object");
        goto out;
    }
    if (leeway_s < 0)
        leeway_s = 0;
    if (leeway_s > JWT_MAX_LEEWAY_S)
        leeway_s = JWT_MAX_LEEWAY_S;
    int64_t exp = 0, nbf = 0, iat = 0;
    int has_exp = numeric_date(payload, "exp", &exp);
    int has_nbf = numeric_date(payload, "nbf", &nbf);
    if (has_exp < 0 || has_nbf < 0 || numeric_date(payload, "iat", &iat) < 0) {
        rc = deny(err, "exp, nbf and iat must be numbers");
        goto out;
    }
    /* exp and nbf are within +-1e15 and the leeway within a day: the sums
     * below cannot overflow whatever now_s is */
    if (has_exp && now_s >= exp + leeway_s) {
        rc = deny(err, "token expired");
        goto out;
    }
    if (has_nbf && now_s < nbf - leeway_s) {
        rc = deny(err, "token not yet valid (nbf)");
        goto out;
    }
    json_t *tenant = json_object_get(payload, "tenant");
    if (!tenant) {
        rc = deny(err, "tenant claim missing");
        goto out;
    }
    if (!json_is_string(tenant) ||
        !wf_server__valid_tenant(json_string_value(tenant), json_string_length(tenant))) {
        rc = deny(err, "tenant claim must be 1-127 characters of [A-Za-z0-9._-]");
        goto out;
    }
    json_t *sub = json_object_get(payload, "sub");
    if (sub &&
        (!json_is_string(sub) || !valid_sub(json_string_value(sub), json_string_length(sub)))) {
        rc = deny(err, "sub claim must be a string of at most 127 printable bytes");
        goto out;
    }
    memset(out, 0, sizeof(*out));
    memcpy(out->tenant, json_string_value(tenant), json_string_length(tenant) + 1);
    if (sub)
        memcpy(out->sub, json_string_value(sub), json_string_length(sub) + 1);
    out->exp = has_exp ? exp : 0;
    rc = WF_OK;
out:
    json_decref(hdr);
    json_decref(payload);
    return rc;
}

int wf_server__jwt_sign(const char *secret, const char *tenant, const char *sub, int64_t iat,
                        int64_t exp, struct wf_buf *out)
{
    /* {"alg":"HS256","typ":"JWT"}: fixed, so it is spelled once here */
    static const char header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    struct wf_buf payload, tok;
    char *b64 = NULL;
    int rc = WF_OK;
    wf_buf_init(&payload, 4096);
    wf_buf_init(&tok, JWT_MAX_BYTES);
    if (!secret || !secret[0] || !tenant || !wf_server__valid_tenant(tenant, strlen(tenant)) ||
        (sub && !valid_sub(sub, strlen(sub)))) {
        rc = WF_EINVAL;
        goto out;
    }
    rc = wf_buf_puts(&payload, "{\"tenant\":\"");
    if (!rc)
        rc = wf_buf_puts(&payload, tenant); /* [A-Za-z0-9._-]: nothing to escape */
    if (!rc)
        rc = wf_buf_puts(&payload, "\"");
    if (!rc && sub && sub[0]) {
        rc = wf_buf_puts(&payload, ",\"sub\":\"");
        if (!rc)
            rc = wf_buf_json_escape(&payload, sub, strlen(sub));
        if (!rc)
            rc = wf_buf_puts(&payload, "\"");
    }
    if (!rc)
        rc = wf_buf_appendf(&payload, ",\"iat\":%lld", (long long)iat);
    if (!rc && exp != 0)
        rc = wf_buf_appendf(&payload, ",\"exp\":%lld", (long long)exp);
    if (!rc)
        rc = wf_buf_puts(&payload, "}");
    if (rc)
        goto out;
    b64 = wf_malloc(wf_crypto_b64url_len(payload.len) + 1);
    if (!b64) {
        rc = WF_ENOMEM;
        goto out;
    }
    wf_crypto_b64url((const uint8_t *)payload.p, payload.len, b64);
    rc = wf_buf_puts(&tok, header_b64);
    if (!rc)
        rc = wf_buf_putc(&tok, '.');
    if (!rc)
        rc = wf_buf_puts(&tok, b64);
    if (rc)
        goto out;
    uint8_t mac[WF_CRYPTO_SHA256_BYTES];
    char sig[JWT_SIG_CHARS + 1];
    wf_crypto_hmac_sha256(secret, strlen(secret), tok.p, tok.len, mac);
    wf_crypto_b64url(mac, sizeof(mac), sig);
    rc = wf_buf_putc(&tok, '.');
    if (!rc)
        rc = wf_buf_puts(&tok, sig);
    if (!rc)
        rc = wf_buf_append(out, tok.p, tok.len);
out:
    wf_free(b64);
    wf_buf_cleanup(&payload);
    wf_buf_cleanup(&tok);
    return rc;
}
