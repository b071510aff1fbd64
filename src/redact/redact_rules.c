/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rule table of the redact module: one row per kind of secret or
 * personal data, with the pattern, the keywords that let a line reach it,
 * an optional entropy floor, the placeholder label and the lines it must
 * and must not redact (tests/unit/redact runs every one of them). Adding a
 * rule costs one row here plus a line in docs/internals/redact.md.
 */
#include "redact/redact.h"

#include <string.h>

/* A card number has 13 to 19 digits, maybe split by single spaces or
 * dashes; logs are full of shorter digit runs (dates, timings). */
static int card_precheck(const char *s, size_t len)
{
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= '0' && c <= '9') {
            if (++digits >= 13)
                return 1;
        } else if ((c == ' ' || c == '-') && digits > 0 && i + 1 < len && s[i + 1] >= '0' &&
                   s[i + 1] <= '9') {
            continue;
        } else {
            digits = 0;
        }
    }
    return 0;
}

/* Luhn checksum plus the leading digits of the card networks (2-6): epoch
 * milliseconds and build numbers start with 1. */
static int card_validate(const char *s, size_t len)
{
    int sum = 0, dbl = 0;
    size_t n = 0;
    char first = 0;
    for (size_t i = len; i-- > 0;) {
        char c = s[i];
        if (c < '0' || c > '9')
            continue;
        int d = c - '0';
        if (dbl && (d *= 2) > 9)
            d -= 9;
        sum += d;
        dbl = !dbl;
        n++;
        first = c;
    }
    return n >= 13 && n <= 19 && first >= '2' && first <= '6' && sum % 10 == 0;
}

/* Cache keys and artifact names ("node-cache-Linux-x64-<sha>") mix words
 * with hex and reach the entropy floor; random tokens rarely hold two
 * separator-delimited runs of letters only. */
static int not_identifier(const char *s, size_t len)
{
    size_t words = 0, i = 0;
    while (i < len) {
        size_t j = i, letters = 0;
        while (j < len && s[j] != '-' && s[j] != '_' && s[j] != '.') {
            letters += (s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z');
            j++;
        }
        if (j - i >= 3 && letters == j - i)
            words++;
        i = j + 1;
    }
    return words < 2;
}

/* user:password@host needs an '@' besides the "://" keyword: Maven and
 * npm print thousands of plain download URLs. */
static int has_at(const char *s, size_t len)
{
    return memchr(s, '@', len) != NULL;
}

/* Key names whose value is a secret (word parts of the key). */
#define SECRET_KEY_WORDS                                                                           \
    "(?i:passwords?|passwd|pass|secrets?|tokens?|api[_\\-]?keys?|access[_\\-]?keys?|private[_\\-]" \
    "?"                                                                                            \
    "keys?|auth[_\\-]?keys?|credentials?)"                                                         \
    "(?![_.\\-]?(?i:name|id|file|path|type|len|length|url|uri|endpoint|count|expiry)(?![a-z]))"
/* Values that are placeholders, not secrets. */
#define NOT_A_VALUE "(?![$*<%{\\[]|(?i:true|false|null|none|nil|undefined|required)\\b)"

/* clang-format off */
static const struct wf_redact_rule rules[] = {
    {"aws-access-key-id", "AWS access key id (AKIA... long-term, ASIA... temporary)",
     "(?<![A-Za-z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9])", "akia|asia", 0,
     "aws-access-key-id", WF_REDACT_SECRET, 0, NULL, NULL,
     {"aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "export AWS_ACCESS_KEY_ID=ASIAY34FZKBOKMUTVV7A",
      "key AKIAI44QH8DHBEXAMPLE used", NULL},
     {"Akiak is a town in Alaska", "AKIAIOSFODNN7EXAMPLE2X-longer-word", NULL}},
    {"aws-secret-access-key", "AWS secret access key after an aws/secret key name",
     "(?i:aws|secret)[A-Za-z0-9_.\\-]{0,40}[\"']?\\s*[:=]\\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
     "aws|secret", 3.5, "aws-secret-access-key", WF_REDACT_SECRET, 0, NULL, NULL,
     {"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "AWS_SECRET_ACCESS_KEY: \"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\"", NULL},
     {"aws s3 sync ./dist s3://bucket --region eu-west-1", "secret manager: 3 secrets rotated", NULL}},
    {"gcp-service-account-key", "private_key of a GCP service-account JSON key",
     "\"private_key\"\\s*:\\s*\"(-----BEGIN[^\"]*)\"", "private_key", 0,
     "gcp-service-account-key", WF_REDACT_SECRET, 0, NULL, NULL,
     {"  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n\",",
      NULL},
     {"  \"private_key_id\" field is missing", "  \"client_email\" field is missing", NULL}},
    {"azure-connection-string", "Azure AccountKey= / SharedAccessKey= in a connection string",
     "(?i:AccountKey|SharedAccessKey)\\s*=\\s*([A-Za-z0-9+/]{20,}={0,2})", "accountkey|sharedaccesskey",
     0, "azure-connection-string", WF_REDACT_SECRET, 0, NULL, NULL,
     {"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net",
      "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=q1w2e3r4t5y6u7i8o9p0aSdFgHjKlZxCvBnM1234567=",
      NULL},
     {"AccountName=acme;EndpointSuffix=core.windows.net", "SharedAccessKeyName=RootManageSharedAccessKey", NULL}},
    {"github-token", "GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
     "(?<![A-Za-z0-9_])((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})(?![A-Za-z0-9_])",
     "ghp_|gho_|ghu_|ghs_|ghr_|github_pat_", 0, "github-token", WF_REDACT_SECRET, 0, NULL, NULL,
     {"git clone https://ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8@github.com/acme/x",
      "GH_TOKEN=ghs_16C7e42F292c6912E7710c838347Ae178B4a",
      "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY01234", NULL},
     {"ghp_short is not a token", "see docs/ghs_install.md", NULL}},
    {"gitlab-token", "GitLab personal access token (glpat-)",
     "(?<![A-Za-z0-9_\\-])(glpat-[A-Za-z0-9_\\-]{20,255})", "glpat-", 0, "gitlab-token",
     WF_REDACT_SECRET, 0, NULL, NULL,
     {"CI_TOKEN glpat-xYz1AbC2dEf3GhI4jKl5", NULL},
     {"rotate glpat-tokens every 90 days", NULL}},
    {"slack-token", "Slack tokens (xoxa-, xoxb-, xoxp-, xoxr-)",
     "(?<![A-Za-z0-9])(xox[abpr]-[A-Za-z0-9\\-]{10,255})", "xoxa-|xoxb-|xoxp-|xoxr-", 0,
     "slack-token", WF_REDACT_SECRET, 0, NULL, NULL,
     {"SLACK_BOT=xoxb-2039485761-1029384756-aBcDeFgHiJkLmNoPqRsTuVwX", NULL},
     {"xoxb- prefix marks bot tokens", NULL}},
    {"stripe-key", "Stripe live secret and restricted keys (sk_live_, rk_live_)",
     "(?<![A-Za-z0-9_])((?:sk|rk)_live_[A-Za-z0-9]{16,255})", "sk_live_|rk_live_", 0, "stripe-key",
     WF_REDACT_SECRET, 0, NULL, NULL,
     {"Stripe::Client.new(\"sk_live_4eC39HqLyjWDarjtT1zdp7dc\")", "rk_live_51H8xYzAbCdEfGhIjKlMn", NULL},
     {"use sk_live_ keys only in production", "sk_test_ mode enabled", NULL}},
    {"npm-token", "npm access token (npm_)",
     "(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])", "npm_", 0, "npm-token",
     WF_REDACT_SECRET, 0, NULL, NULL,
     {"//registry.npmjs.org/:_authToken=npm_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5", NULL},
     {"npm_config_cache=/home/runner/.npm", "npm_package_version=1.2.3", NULL}},
    {"pypi-token", "PyPI API token (pypi-AgEIcHlwaS5vcmc...)",
     "(?<![A-Za-z0-9_])(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\\-]{50,})", "pypi-ag", 0, "pypi-token",
     WF_REDACT_SECRET, 0, NULL, NULL,
     {"TWINE_PASSWORD: pypi-AgEIcHlwaS5vcmcCJGQ5ZjE2YzQ3LTk0ZGUtNGU3Yy1iNWY3LWY1YzNkYjQ1MzE3NgACKlsz", NULL},
     {"pip install pypi-agent==1.0", NULL}},
    {"dockerhub-token", "Docker Hub personal access token (dckr_pat_)",
     "(?<![A-Za-z0-9_])(dckr_pat_[A-Za-z0-9_\\-]{27,255})", "dckr_pat_", 0, "dockerhub-token",
     WF_REDACT_SECRET, 0, NULL, NULL,
     {"echo dckr_pat_2b3e36beeb386dfdaacb9b46004 | docker login -u acme --password-stdin", NULL},
     {"docker login -u acme --password-stdin < dckr_pat_file", NULL}},
    {"jwt", "JSON Web Token (eyJ....eyJ....sig)",
     "(?<![A-Za-z0-9_\\-])(eyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,})", "eyj",
     0, "jwt", WF_REDACT_SECRET, 0, NULL, NULL,
     {"id_token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      NULL},
     {"header eyJhbGciOiJIUzI1NiJ9 alone is not a token", NULL}},
    {"private-key", "PEM private key block (RSA, EC, DSA, PKCS#8, encrypted, PGP), BEGIN to END",
     "(-----BEGIN (?!OPENSSH )[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|.*))",
     "private key", 0, "private-key", WF_REDACT_SECRET, 1, NULL, NULL,
     {"-----BEGIN RSA PRIVATE KEY-----", "key: -----BEGIN PRIVATE KEY----- MIIEvQIBADANBg -----END PRIVATE KEY-----",
      "-----BEGIN PGP PRIVATE KEY BLOCK-----", NULL},
     {"-----BEGIN CERTIFICATE-----", "-----BEGIN PUBLIC KEY-----", NULL}},
    {"openssh-private-key", "OpenSSH private key block, BEGIN to END",
     "(-----BEGIN OPENSSH PRIVATE KEY-----(?:.*?-----END OPENSSH PRIVATE KEY-----|.*))", "private key",
     0, "openssh-private-key", WF_REDACT_SECRET, 1, NULL, NULL,
     {"-----BEGIN OPENSSH PRIVATE KEY-----", NULL},
     {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0 ci@runner", NULL}},
    {"url-credentials", "password of user:password@ in URLs and DSNs",
     "(?<![A-Za-z0-9+.\\-])[A-Za-z][A-Za-z0-9+.\\-]{1,30}://[^\\s:/@\"'<>]{1,128}:" NOT_A_VALUE
     "([^\\s/@\"'<>]{1,256})@[^\\s/@]", "://", 0, "url-credentials", WF_REDACT_SECRET, 0, has_at, NULL,
     {"DATABASE_URL=postgres://app:s3cr3t-P4ss@db.internal:5432/app",
      "Cloning https://deploy:hunter22@git.example.com/acme/repo.git",
      "amqp://guest:guest@localhost:5672/", NULL},
     {"https://example.com:8443/path?q=1", "git@github.com:acme/repo.git",
      "https://user@host.example.com/x", "redis://:${REDIS_PASSWORD}@cache:6379"}},
    {"secret-assignment", "password=, secret:, token:, api_key= style assignments (also env-style KEYS)",
     "(?<![A-Za-z0-9])[A-Za-z0-9_.\\-]*?" SECRET_KEY_WORDS "(?:[_.\\-][A-Za-z0-9]+|[A-Z][a-z0-9]*)*"
     "[\"']?\\s*(?::=|=|:)\\s*" NOT_A_VALUE
     "(?|\"([^\"]{3,256})\"|'([^']{3,256})'|([^\\s\"',;]{3,256}))",
     "pass|secret|token|key|credential", 0, "secret-assignment", WF_REDACT_SECRET, 0, NULL, NULL,
     {"DB_PASSWORD=hunter2!", "  password: \"correct horse battery\"", "export GITHUB_TOKEN='abc123def'",
      "{\"api_key\": \"k-9f8e7d6c\", \"x\": 1}"},
     {"password: ${{ secrets.DB_PASSWORD }}", "token: ***", "Tokenizer=bert-base",
      "secret: true"}},
    {"cli-secret-flag", "value of a --password/--token/--secret style command-line flag",
     "(?<![A-Za-z0-9\\-])--(?:[A-Za-z0-9]+-)*(?i:password|passwd|token|secret|api-?key|access-key|"
     "secret-key|client-secret)(?:=|\\s+)" NOT_A_VALUE "(?!-)(?|\"([^\"]{1,256})\"|'([^']{1,256})'|"
     "([^\\s\"']{1,256}))",
     "password|passwd|token|secret|apikey|api-key|access-key", 0, "cli-secret-flag",
     WF_REDACT_SECRET, 0, NULL, NULL,
     {"docker login --password s3cr3tP4ss -u me", "gh auth login --with-token --token=abc123def",
      "vault login --client-secret 'x y z'", NULL},
     {"docker login -u acme --password-stdin", "kubectl --token-file /run/token get pods",
      "--password - reads it from stdin", NULL}},
    {"auth-header", "Authorization: Bearer/Basic/Token header values and bare Bearer tokens",
     "(?|(?i:authorization)[\"']?\\s*[:=]\\s*[\"']?(?:(?i:bearer|basic|token|digest|negotiate)\\s+)?"
     NOT_A_VALUE "(?!(?i:bearer|basic|token|digest|negotiate)\\b)" "([^\\s\"',]{4,4096})|(?<![A-Za-z0-9])(?i:bearer)\\s+(?=[A-Za-z._~+/\\-]*[0-9])"
     "([A-Za-z0-9._~+/\\-]{16,4096}=*))",
     "authorization|bearer", 0, "auth-header", WF_REDACT_SECRET, 0, NULL, NULL,
     {"> Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543",
      "curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZA=='", "using Bearer abcdef0123456789abcdef", NULL},
     {"Bearer authentication is configured", "Authorization header missing", NULL}},
    {"high-entropy-secret", "high-entropy string (>= 4.1 bits/byte) next to a secret-ish keyword",
     "(?i:secret|token|key|passw|credential|auth)[A-Za-z0-9_.\\-]*[\"']?(?:\\s*[:=]\\s*|\\s+)[\"']?"
     "([A-Za-z0-9+/_\\-]{20,512}={0,2})(?![A-Za-z0-9+/_\\-=])",
     "secret|token|key|passw|credential|auth", 4.1, "high-entropy-secret", WF_REDACT_SECRET, 0, NULL,
     not_identifier,
     {"using signing key Zk3Q9mX2vB7nR4tY8wP1sL6hJ0cD5fG", "auth 9vKq2LmZ8xT4rW1pN6yB3cH7jF0dS5gA",
      NULL},
     {"Cache restored from key: node-cache-Linux-x64-npm-2d0e3b4c5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d",
      "the key is in the vault", "authentication succeeded for user deploy", NULL}},
    {"email", "e-mail address", "(?<![A-Za-z0-9._%+\\-])(?<!//)(?!git@)([A-Za-z0-9._%+\\-]{1,64}@"
     "[A-Za-z0-9\\-]{1,63}(?:\\.[A-Za-z0-9\\-]{1,63}){0,8}\\.[A-Za-z]{2,24})(?![A-Za-z0-9\\-])",
     "@", 0, "email", WF_REDACT_EMAIL, 0, NULL, NULL,
     {"Author: Jane Doe <jane.doe@example.com>", "notify ops+ci@mail.acme.co.uk on failure", NULL},
     {"@Test public void works()", "npm install lodash@4.17.21", "git@github.com:acme/repo.git", NULL}},
    {"ipv4", "IPv4 address (off by default: version numbers look alike)",
     "(?<![A-Za-z0-9.])((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})(?![A-Za-z0-9]|\\.[0-9])",
     "0.|1.|2.|3.|4.|5.|6.|7.|8.|9.", 0, "ipv4", WF_REDACT_IP, 0, NULL, NULL,
     {"Connecting to 10.0.12.7:5432", "client 192.168.1.254 refused", NULL},
     {"maven-compiler-plugin:3.8.1", "address 999.1.1.1 is invalid", NULL}},
    {"ipv6", "IPv6 address (off by default)",
     "(?i)(?<![A-Za-z0-9:.])((?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:(?![0-9a-f:])|"
     "(?:[0-9a-f]{1,4}:){1,6}:[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,5}(?::[0-9a-f]{1,4}){1,2}|"
     "(?:[0-9a-f]{1,4}:){1,4}(?::[0-9a-f]{1,4}){1,3}|(?:[0-9a-f]{1,4}:){1,3}(?::[0-9a-f]{1,4}){1,4}|"
     "(?:[0-9a-f]{1,4}:){1,2}(?::[0-9a-f]{1,4}){1,5}|[0-9a-f]{1,4}:(?::[0-9a-f]{1,4}){1,6}|"
     ":(?::[0-9a-f]{1,4}){1,7})(?![A-Za-z0-9:])",
     ":", 0, "ipv6", WF_REDACT_IP, 0, NULL, NULL,
     {"listening on 2001:db8:85a3::8a2e:370:7334 port 80", "bind [fe80::1ff:fe23:4567:890a]:8080",
      "ping ::1 ok", NULL},
     {"12:34:56 build started", "mac 00:1a:2b:3c:4d:5e up", NULL}},
    {"credit-card", "payment card number (13-19 digits, Luhn-checked)",
     "(?<![A-Za-z0-9.\\-])(?|([0-9]{4}([ \\-]?)[0-9]{4}\\2[0-9]{4}\\2[0-9]{1,7})|"
     "(3[47][0-9]{2}([ \\-]?)[0-9]{6}\\2[0-9]{5}))(?![A-Za-z0-9.\\-])",
     NULL, 0, "credit-card", WF_REDACT_SECRET, 0, card_precheck, card_validate,
     {"card 4111 1111 1111 1111 declined", "charge 5500-0000-0000-0004 ok", "amex 378282246310005",
      NULL},
     {"build 1700000000123 finished", "card 4111 1111 1111 1112 declined", NULL}},
};
/* clang-format on */

const struct wf_redact_rule *wf_redact_rules(size_t *n)
{
    *n = sizeof(rules) / sizeof(rules[0]);
    return rules;
}
