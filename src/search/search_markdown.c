/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: Markdown to blocks. A line scanner, not a full CommonMark parser:
 * ATX ("## Title") and setext (underlined with = or -) headings, fenced
 * code blocks (``` or ~~~, kept whole with their fences; an unclosed fence
 * runs to the end), and paragraphs/lists/tables as runs of non-blank lines.
 * Linear time; anything it does not recognise is paragraph text.
 */
#include "search/search_int.h"

#include <string.h>

struct mline {
    const char *p;
    size_t len;
};

static size_t lead_spaces(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    return i;
}

static int is_blank(const struct mline *l)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->p[i] != ' ' && l->p[i] != '\t')
            return 0;
    return 1;
}

/* Fence opener: returns its length (>= 3) and char, 0 otherwise. */
static size_t fence(const struct mline *l, char *ch)
{
    size_t i = lead_spaces(l->p, l->len);
    if (i > 3 || i >= l->len || (l->p[i] != '`' && l->p[i] != '~'))
        return 0;
    char c = l->p[i];
    size_t j = i;
    while (j < l->len && l->p[j] == c)
        j++;
    if (j - i < 3)
        return 0;
    if (c == '`' && memchr(l->p + j, '`', l->len - j))
        return 0; /* inline code, not a fence */
    *ch = c;
    return j - i;
}

static int closes(const struct mline *l, char ch, size_t n)
{
    size_t i = lead_spaces(l->p, l->len);
    size_t j = i;
    while (j < l->len && l->p[j] == ch)
        j++;
    if (j - i < n)
        return 0;
    while (j < l->len && (l->p[j] == ' ' || l->p[j] == '\t'))
        j++;
    return j == l->len;
}

/* ATX heading: level 1..6 and its text, 0 otherwise. */
static int atx(const struct mline *l, const char **tp, size_t *tn)
{
    size_t i = lead_spaces(l->p, l->len);
    if (i > 3)
        return 0;
    size_t j = i;
    while (j < l->len && l->p[j] == '#')
        j++;
    int level = (int)(j - i);
    if (level < 1 || level > 6 || (j < l->len && l->p[j] != ' ' && l->p[j] != '\t'))
        return 0;
    size_t e = l->len;
    while (e > j && (l->p[e - 1] == ' ' || l->p[e - 1] == '\t'))
        e--;
    size_t h = e;
    while (h > j && l->p[h - 1] == '#')
        h--;
    if (h < e && (h == j || l->p[h - 1] == ' '))
        e = h; /* closing #s */
    while (j < e && (l->p[j] == ' ' || l->p[j] == '\t'))
        j++;
    while (e > j && (l->p[e - 1] == ' ' || l->p[e - 1] == '\t'))
        e--;
    *tp = l->p + j;
    *tn = e - j;
    return level;
}

/* Setext underline: 1 for '=', 2 for '-', 0 otherwise. */
static int setext(const struct mline *l)
{
    size_t i = lead_spaces(l->p, l->len);
    if (i > 3 || i >= l->len || (l->p[i] != '=' && l->p[i] != '-'))
        return 0;
    char c = l->p[i];
    size_t j = i;
    while (j < l->len && l->p[j] == c)
        j++;
    while (j < l->len && (l->p[j] == ' ' || l->p[j] == '\t'))
        j++;
    return j == l->len ? (c == '=' ? 1 : 2) : 0;
}

int wf_search__parse_markdown(const char *s, size_t len, struct wf_search__doc *d)
{
    struct mline *l = NULL;
    size_t n = 0, cap = 0, start = 0;
    int rc = WF_OK;
    for (size_t i = 0; i <= len && !rc; i++) {
        if (i == len || s[i] == '\n') {
            if (i == len && start == len && n)
                break;
            rc = wf_grow((void **)&l, &cap, n + 1, sizeof(*l), SIZE_MAX / 32);
            if (rc)
                break;
            size_t e = i;
            if (e > start && s[e - 1] == '\r')
                e--;
            l[n++] = (struct mline){s + start, e - start};
            start = i + 1;
        }
    }
    size_t i = 0;
    while (i < n && !rc) {
        const char *tp;
        size_t tn;
        char fch;
        size_t fl;
        int level;
        if (is_blank(&l[i])) {
            i++;
        } else if ((fl = fence(&l[i], &fch))) {
            size_t j = i + 1;
            while (j < n && !closes(&l[j], fch, fl))
                j++;
            size_t last = j < n ? j : n - 1;
            const char *e = l[last].p + l[last].len;
            rc = wf_search__doc_add(d, WF_SEARCH__CODE, 0, (uint32_t)i + 1, (uint32_t)last + 1,
                                    l[i].p, (size_t)(e - l[i].p));
            i = last + 1;
        } else if ((level = atx(&l[i], &tp, &tn))) {
            rc = wf_search__doc_add(d, WF_SEARCH__HEADING, level, (uint32_t)i + 1, (uint32_t)i + 1,
                                    tp, tn);
            i++;
        } else {
            /* a paragraph: up to a blank line, a fence, an ATX heading or a
             * setext underline (which turns it into a heading) */
            size_t j = i + 1;
            int under = 0;
            while (j < n && !is_blank(&l[j]) && !fence(&l[j], &fch) && !atx(&l[j], &tp, &tn)) {
                if ((under = setext(&l[j])))
                    break;
                j++;
            }
            const char *e = l[j - 1].p + l[j - 1].len;
            if (under) {
                rc = wf_search__doc_add(d, WF_SEARCH__HEADING, under, (uint32_t)i + 1,
                                        (uint32_t)j + 1, l[i].p, (size_t)(e - l[i].p));
                j++;
            } else {
                rc = wf_search__doc_add(d, WF_SEARCH__PARA, 0, (uint32_t)i + 1, (uint32_t)j, l[i].p,
                                        (size_t)(e - l[i].p));
            }
            i = j;
        }
    }
    wf_free(l);
    return rc;
}
