/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto: the few primitives the service needs, over OpenSSL's libcrypto:
 * SHA-256, HMAC-SHA256, constant-time comparison, hex and base64url
 * coding, and random bytes from the kernel. Webhook verification, API key
 * hashing and JWTs build on it. Depends on util and libcrypto.
 */
#ifndef WF_CRYPTO_H
#define WF_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define WF_CRYPTO_SHA256_BYTES 32

/* SHA-256 of len bytes of p into out[32]. Thread-safe. */
void wf_crypto_sha256(const void *p, size_t len, uint8_t out[WF_CRYPTO_SHA256_BYTES]);
/* HMAC-SHA256 of msg under key into out[32]. Thread-safe. */
void wf_crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                           uint8_t out[WF_CRYPTO_SHA256_BYTES]);
/* 1 when a and b hold the same len bytes; time depends on len only. */
int wf_crypto_equal(const void *a, const void *b, size_t len);
/* 1 when the strings are equal; time depends on the lengths only (a length
 * mismatch still compares the bytes of the shorter one). */
int wf_crypto_streq(const char *a, size_t a_len, const char *b, size_t b_len);

/* Lower-case hex of len bytes into out (2*len+1 bytes, NUL-terminated). */
void wf_crypto_hex(const uint8_t *p, size_t len, char *out);
/* Parses exactly 2*out_len hex digits (either case) into out. Returns 0 on
 * success, -1 on a bad digit or length. */
int wf_crypto_unhex(const char *s, size_t len, uint8_t *out, size_t out_len);

/* base64url without padding (RFC 4648 §5) of len bytes into out, which must
 * hold wf_crypto_b64url_len(len)+1 bytes; NUL-terminated. */
size_t wf_crypto_b64url_len(size_t len);
void wf_crypto_b64url(const uint8_t *p, size_t len, char *out);
/* Decodes base64url (padding optional) into out (capacity cap). Returns the
 * decoded length, or -1 on a bad character/length or when it does not fit. */
long wf_crypto_unb64url(const char *s, size_t len, uint8_t *out, size_t cap);

/* len random bytes from getrandom(2). WF_OK or WF_EIO. Thread-safe. */
int wf_crypto_random(void *out, size_t len);

#endif
