/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 and HMAC through libcrypto's one-shot calls (no contexts to leak),
 * constant-time comparison and the codings used by keys and JWTs.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <sys/random.h>

#include "util/util.h"

void wf_crypto_sha256(const void *p, size_t len, uint8_t out[WF_CRYPTO_SHA256_BYTES])
{
    unsigned int n = WF_CRYPTO_SHA256_BYTES;
    if (!EVP_Digest(p, len, out, &n, EVP_sha256(), NULL))
        memset(out, 0, WF_CRYPTO_SHA256_BYTES); /* only on a libcrypto failure */
}

void wf_crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                           uint8_t out[WF_CRYPTO_SHA256_BYTES])
{
    unsigned int n = WF_CRYPTO_SHA256_BYTES;
    static const uint8_t empty = 0;
    /* HMAC() treats a NULL key as "reuse the last one": never pass NULL */
    if (!HMAC(EVP_sha256(), key_len ? key : &empty, (int)key_len, msg_len ? msg : &empty, msg_len,
              out, &n))
        memset(out, 0, WF_CRYPTO_SHA256_BYTES);
}

int wf_crypto_equal(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < len; i++)
        d |= (uint8_t)(x[i] ^ y[i]);
    return d == 0;
}

int wf_crypto_streq(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    int same = wf_crypto_equal(a, b, n);
    return same & (a_len == b_len);
}

void wf_crypto_hex(const uint8_t *p, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * len] = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int wf_crypto_unhex(const char *s, size_t len, uint8_t *out, size_t out_len)
{
    if (len != 2 * out_len)
        return -1;
    for (size_t i = 0; i < out_len; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t wf_crypto_b64url_len(size_t len)
{
    return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

void wf_crypto_b64url(const uint8_t *p, size_t len, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = b64[v >> 6 & 63];
        out[o++] = b64[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = b64[v >> 6 & 63];
    }
    out[o] = 0;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

long wf_crypto_unb64url(const char *s, size_t len, uint8_t *out, size_t cap)
{
    while (len > 0 && s[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* leftover bits must be zero for a canonical encoding */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)o;
}

int wf_crypto_random(void *out, size_t len)
{
    uint8_t *p = out;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return WF_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return WF_OK;
}
