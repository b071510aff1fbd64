/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Webhook authentication: GitHub's X-Hub-Signature-256 and our generic
 * X-WorkflowAI-Signature ("sha256=" + hex HMAC-SHA256 of the raw body under
 * the tenant's secret) and GitLab's X-Gitlab-Token (a shared token). All
 * comparisons are constant-time (src/crypto); the reason for a refusal
 * goes to err and never contains the secret or the expected value.
 */
#include "ingest_int.h"

#include "crypto/crypto.h"

#include <string.h>

static void say(struct wf_buf *err, const char *msg)
{
    if (err)
        wf_buf_puts(err, msg);
}

/* The header without surrounding blanks (HTTP optional white space). */
static struct wf_str trim(struct wf_str s)
{
    if (!s.p)
        s.len = 0;
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.len--;
    }
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
        s.len--;
    return s;
}

static int has_prefix(struct wf_str s, const char *pre)
{
    size_t n = strlen(pre);
    return s.len >= n && strncmp(s.p, pre, n) == 0;
}

/* "sha256=<64 hex>" of HMAC-SHA256(secret, body). `header` names the header
 * in messages. */
static int verify_hmac(const char *header, const char *secret, struct wf_str sig, const char *body,
                       size_t len, struct wf_buf *err)
{
    uint8_t want[WF_CRYPTO_SHA256_BYTES], got[WF_CRYPTO_SHA256_BYTES];

    if (!secret || !secret[0]) {
        say(err, "no webhook secret is configured for this tenant");
        return WF_EAUTH;
    }
    sig = trim(sig);
    if (sig.len == 0) {
        if (err)
            wf_buf_appendf(err, "missing %s header: a SHA-256 signature is required%s", header,
                           strcmp(header, "X-Hub-Signature-256") == 0
                               ? " (X-Hub-Signature with SHA-1 is not accepted)"
                               : "");
        return WF_EAUTH;
    }
    if (has_prefix(sig, "sha1=")) {
        if (err)
            wf_buf_appendf(err, "%s: SHA-1 signatures are not accepted, SHA-256 is required",
                           header);
        return WF_EAUTH;
    }
    if (!has_prefix(sig, "sha256=")) {
        if (err)
            wf_buf_appendf(err, "%s: expected \"sha256=<64 hex digits>\"", header);
        return WF_EAUTH;
    }
    struct wf_str hex = {sig.p + 7, sig.len - 7};
    if (hex.len != 2 * WF_CRYPTO_SHA256_BYTES) {
        if (err)
            wf_buf_appendf(err, "%s: expected 64 hex digits after \"sha256=\", found %zu bytes",
                           header, hex.len);
        return WF_EAUTH;
    }
    if (wf_crypto_unhex(hex.p, hex.len, got, sizeof(got)) != 0) {
        if (err)
            wf_buf_appendf(err, "%s: the signature is not hexadecimal", header);
        return WF_EAUTH;
    }
    wf_crypto_hmac_sha256(secret, strlen(secret), body ? body : "", body ? len : 0, want);
    if (!wf_crypto_equal(want, got, sizeof(want))) {
        if (err)
            wf_buf_appendf(err, "%s: signature does not match the body", header);
        return WF_EAUTH;
    }
    return WF_OK;
}

int wf_ingest_verify_github(const char *secret, struct wf_str sig_header, const char *body,
                            size_t len, struct wf_buf *err)
{
    return verify_hmac("X-Hub-Signature-256", secret, sig_header, body, len, err);
}

int wf_ingest_verify_generic(const char *secret, struct wf_str sig_header, const char *body,
                             size_t len, struct wf_buf *err)
{
    return verify_hmac("X-WorkflowAI-Signature", secret, sig_header, body, len, err);
}

int wf_ingest_verify_gitlab(const char *token, struct wf_str token_header, struct wf_buf *err)
{
    if (!token || !token[0]) {
        say(err, "no GitLab webhook token is configured for this tenant");
        return WF_EAUTH;
    }
    token_header = trim(token_header);
    if (token_header.len == 0) {
        say(err, "missing X-Gitlab-Token header");
        return WF_EAUTH;
    }
    if (!wf_crypto_streq(token, strlen(token), token_header.p, token_header.len)) {
        say(err, "X-Gitlab-Token does not match");
        return WF_EAUTH;
    }
    return WF_OK;
}
