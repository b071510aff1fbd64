/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tokenizing and classifying the words of a log line. The classifier decides
 * which tokens carry run-specific values (numbers, hashes, ids, times, IPs,
 * URLs) so masking, signatures and the template miner can ignore them. All
 * functions are pure, allocation-free and linear in their input.
 */
#include "text.h"

#include <string.h>

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

size_t wf_text_tokenize(const char *s, size_t len, struct wf_str *toks, size_t max, size_t *n_total)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0, i = 0;
    while (i < len) {
        while (i < len && is_space(u[i]))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !is_space(u[i]))
            i++;
        if (n < max) {
            toks[n].p = s + start;
            toks[n].len = i - start;
        }
        n++;
    }
    if (n_total)
        *n_total = n;
    return n < max ? n : max;
}

/* Digits with optional sign, decimal point, exponent; or 0x hex. */
static int is_number(const unsigned char *t, size_t len)
{
    size_t i = 0;
    if (i < len && (t[i] == '-' || t[i] == '+'))
        i++;
    if (i + 2 < len && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X')) {
        size_t j = i + 2;
        while (j < len && is_hex(t[j]))
            j++;
        return j == len && j > i + 2;
    }
    size_t digits = 0;
    while (i < len && is_digit(t[i])) {
        i++;
        digits++;
    }
    if (i < len && t[i] == '.') {
        i++;
        while (i < len && is_digit(t[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (t[j] == '-' || t[j] == '+'))
            j++;
        size_t ed = 0;
        while (j < len && is_digit(t[j])) {
            j++;
            ed++;
        }
        if (ed == 0)
            return 0;
        i = j;
    }
    return i == len;
}

/* >= 6 hex digits, at least one of them a decimal digit (so "deadbeef" and
 * "facade" stay words). */
static int is_hexid(const unsigned char *t, size_t len)
{
    int digit = 0;
    if (len < 6)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_hex(t[i]))
            return 0;
        digit |= is_digit(t[i]);
    }
    return digit;
}

static int is_uuid(const unsigned char *t, size_t len)
{
    if (len != 36)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (t[i] != '-')
                return 0;
        } else if (!is_hex(t[i])) {
            return 0;
        }
    }
    return 1;
}

/* Dotted quad with an optional :port, or IPv6 text with "::" or 7 colons. */
static int is_ip(const unsigned char *t, size_t len)
{
    size_t i = 0, groups = 0;
    while (groups < 4) {
        size_t d = 0;
        while (i < len && is_digit(t[i]) && d < 4) {
            i++;
            d++;
        }
        if (d == 0 || d > 3)
            break;
        groups++;
        if (groups < 4) {
            if (i >= len || t[i] != '.')
                break;
            i++;
        }
    }
    if (groups == 4) {
        if (i == len)
            return 1;
        if (t[i] == ':' && i + 1 < len) {
            for (size_t j = i + 1; j < len; j++)
                if (!is_digit(t[j]))
                    return 0;
            return 1;
        }
        return 0;
    }
    size_t colons = 0;
    int dbl = 0, digit = 0;
    for (size_t j = 0; j < len; j++) {
        if (t[j] == ':') {
            colons++;
            if (j + 1 < len && t[j + 1] == ':')
                dbl = 1;
        } else if (is_hex(t[j]) || t[j] == '.') {
            digit |= is_digit(t[j]);
        } else {
            return 0;
        }
    }
    return digit && colons >= 2 && (dbl || colons == 7);
}

/* Dates and clock times: digits joined by - : . / , T Z +, starting with a
 * digit, with either a YYYY-MM-DD / YYYY/MM/DD head or an H:MM clock part. */
static int is_time(const unsigned char *t, size_t len)
{
    if (len < 4 || !is_digit(t[0]))
        return 0;
    size_t seps = 0;
    int colon = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = t[i];
        if (is_digit(c))
            continue;
        if (c == ':')
            colon = 1;
        else if (c != '-' && c != '.' && c != '/' && c != ',' && c != 'T' && c != 'Z' && c != '+')
            return 0;
        seps++;
    }
    if (seps == 0)
        return 0;
    int date = len >= 10 && is_digit(t[1]) && is_digit(t[2]) && is_digit(t[3]) &&
               (t[4] == '-' || t[4] == '/') && is_digit(t[5]) && is_digit(t[6]) && t[7] == t[4] &&
               is_digit(t[8]) && is_digit(t[9]);
    int clock = colon && (t[1] == ':' || (is_digit(t[1]) && len > 2 && t[2] == ':'));
    return date || clock;
}

static size_t unit_len(const unsigned char *t, size_t len)
{
    static const char *const units[] = {"seconds", "second", "secs", "sec", "mins",
                                        "min",     "hrs",    "hr",   "ms",  "us",
                                        "ns",      "s",      "m",    "h",   "d"};
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        size_t n = strlen(units[k]);
        if (n <= len && memcmp(t, units[k], n) == 0 && (n == len || !is_alpha(t[n])))
            return n;
    }
    return 0;
}

/* One or more "<number><unit>" parts: 1.5s, 200ms, 3m20s, 1h2m3.5s. */
static int is_duration(const unsigned char *t, size_t len)
{
    size_t i = 0, parts = 0;
    while (i < len) {
        size_t d = 0;
        while (i < len && (is_digit(t[i]) || (t[i] == '.' && d > 0))) {
            i++;
            d++;
        }
        if (d == 0)
            return 0;
        size_t u = unit_len(t + i, len - i);
        if (u == 0)
            return 0;
        i += u;
        parts++;
    }
    return parts > 0;
}

static int is_url(const unsigned char *t, size_t len)
{
    size_t i = 0;
    while (i < len && (is_alpha(t[i]) || t[i] == '+' || t[i] == '-' || t[i] == '.'))
        i++;
    return i > 0 && i + 3 < len && t[i] == ':' && t[i + 1] == '/' && t[i + 2] == '/';
}

static int is_path(const unsigned char *t, size_t len)
{
    if (len >= 3 && is_alpha(t[0]) && t[1] == ':' && (t[2] == '\\' || t[2] == '/'))
        return 1;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '/' || t[i] == '\\')
            return len > 1;
    return 0;
}

enum wf_text_class wf_text_classify(const char *tok, size_t len)
{
    const unsigned char *t = (const unsigned char *)tok;
    if (len == 0)
        return WF_TEXT_WORD;
    if (is_number(t, len))
        return WF_TEXT_NUM;
    if (is_uuid(t, len))
        return WF_TEXT_UUID;
    if (is_hexid(t, len))
        return WF_TEXT_HEX;
    if (is_ip(t, len))
        return WF_TEXT_IP;
    if (is_time(t, len))
        return WF_TEXT_TIME;
    if (is_duration(t, len))
        return WF_TEXT_DURATION;
    if (is_url(t, len))
        return WF_TEXT_URL;
    if (is_path(t, len))
        return WF_TEXT_PATH;
    int alpha = 0, digit = 0;
    for (size_t i = 0; i < len; i++) {
        alpha |= is_alpha(t[i]);
        digit |= is_digit(t[i]);
    }
    return alpha && digit ? WF_TEXT_ID : WF_TEXT_WORD;
}

void wf_text_lower(const char *s, size_t len, char *dst)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = (char)lower((unsigned char)s[i]);
}

const char *wf_text_find_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return hay;
    if (n > len)
        return NULL;
    unsigned char first = lower((unsigned char)needle[0]);
    for (size_t i = 0; i + n <= len; i++) {
        if (lower((unsigned char)hay[i]) != first)
            continue;
        size_t k = 1;
        while (k < n && lower((unsigned char)hay[i + k]) == lower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return hay + i;
    }
    return NULL;
}
