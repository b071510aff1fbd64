/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ANSI/VT escape stripping for CI logs. Runners colour their output with CSI
 * sequences and GitHub/GitLab emit OSC hyperlinks and window titles; all of
 * them are removed in one forward pass so later stages see plain text.
 */
#include "text.h"

#include <string.h>

#define ESC 0x1b
#define BEL 0x07

/* Skips an ESC-introduced sequence starting at src[i] == ESC and returns the
 * index of the first byte after it. */
static size_t skip_escape(const unsigned char *s, size_t len, size_t i)
{
    if (i + 1 >= len)
        return len; /* lone ESC at the end */
    unsigned char c = s[i + 1];
    if (c == '[') {
        /* CSI: parameter (0x30-0x3f) and intermediate (0x20-0x2f) bytes, one
         * final byte (0x40-0x7e). A stray control byte aborts the sequence
         * and is kept, so a broken escape cannot swallow a line break. */
        size_t j = i + 2;
        while (j < len && s[j] >= 0x20 && s[j] <= 0x3f)
            j++;
        if (j < len && s[j] >= 0x40 && s[j] <= 0x7e)
            return j + 1;
        return j;
    }
    if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
        /* OSC / DCS / APC / PM / SOS: a string ended by BEL or ST (ESC \).
         * An unterminated string also ends at a newline, which is kept. */
        size_t j = i + 2;
        while (j < len) {
            if (s[j] == BEL)
                return j + 1;
            if (s[j] == ESC && j + 1 < len && s[j + 1] == '\\')
                return j + 2;
            if (s[j] == '\n')
                return j;
            j++;
        }
        return len;
    }
    if (c >= 0x20 && c <= 0x2f) {
        /* nF escape: intermediate bytes then a final byte (ESC ( B). */
        size_t j = i + 1;
        while (j < len && s[j] >= 0x20 && s[j] <= 0x2f)
            j++;
        if (j < len && s[j] >= 0x30 && s[j] <= 0x7e)
            return j + 1;
        return j;
    }
    if (c >= 0x30 && c <= 0x7e)
        return i + 2; /* two-byte sequence such as ESC =, ESC 7, ESC M */
    return i + 1;     /* ESC followed by a control byte: drop the ESC only */
}

size_t wf_text_strip_ansi(const char *src, size_t len, char *dst)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, o = 0;
    /* Most lines hold nothing to strip: three vectorised scans beat one
     * byte loop. */
    if (!memchr(src, ESC, len) && !memchr(src, '^', len) && !memchr(src, '\0', len)) {
        if (dst != src)
            memmove(dst, src, len);
        return len;
    }
    while (i < len) {
        unsigned char c = s[i];
        if (c == ESC) {
            i = skip_escape(s, len, i);
            continue;
        }
        /* Caret notation of a colour code, "^[[31m", as some CI web UIs and
         * log exports write ESC: only SGR sequences (digits and ';' then
         * 'm'), so literal text such as "^[[a-z]" survives. */
        if (c == '^' && i + 2 < len && s[i + 1] == '[' && s[i + 2] == '[') {
            size_t j = i + 3;
            while (j < len && j < i + 24 && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';'))
                j++;
            if (j < len && s[j] == 'm') {
                i = j + 1;
                continue;
            }
        }
        /* o <= i always holds, so writing in place never clobbers unread input. */
        dst[o++] = c == '\0' ? ' ' : (char)c;
        i++;
    }
    return o;
}
