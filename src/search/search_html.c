/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: HTML to blocks with a tolerant, bounded scanner (no DOM, no
 * libxml2). Text outside tags becomes paragraphs (whitespace collapsed,
 * entities decoded); block-level tags end a paragraph; <h1>-<h6> become
 * headings; <pre> keeps its text verbatim as a code block; <script>,
 * <style>, <template>, <noscript>, <title> and comments are skipped. An
 * unterminated tag or comment ends the document. Linear time: every byte is
 * looked at a bounded number of times.
 */
#include "search/search_int.h"

#include <string.h>

#define TAG_NAME_MAX 16u

struct hstate {
    struct wf_search__doc *d;
    struct wf_buf para; /* pending text */
    uint32_t para_start, para_end;
    int in_pre, in_heading;
    uint32_t line; /* current source line */
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ci_prefix(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (lower((unsigned char)p[i]) != lit[i])
            return 0;
    return 1;
}

static int put_utf8(struct wf_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return wf_buf_append(b, u, n);
}

static const struct {
    const char *name;
    unsigned long cp;
} entities[] = {
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", ' '},      {"copy", 0xA9},    {"reg", 0xAE},     {"mdash", 0x2014}, {"ndash", 0x2013},
    {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
    {"bull", 0x2022},   {"rarr", 0x2192},  {"larr", 0x2190},  {"times", 0xD7},   {"middot", 0xB7},
};

/* Decodes the entity at p[0] == '&'; returns bytes consumed (0: not an
 * entity, the '&' is literal). */
static size_t entity(const char *p, size_t n, unsigned long *cp)
{
    size_t i = 1;
    if (i < n && p[i] == '#') {
        int hex = i + 1 < n && (p[i + 1] == 'x' || p[i + 1] == 'X');
        i += hex ? 2 : 1;
        unsigned long v = 0;
        size_t digits = 0;
        for (; i < n && digits < 8; i++, digits++) {
            int c = lower((unsigned char)p[i]);
            if (c >= '0' && c <= '9')
                v = v * (hex ? 16 : 10) + (unsigned long)(c - '0');
            else if (hex && c >= 'a' && c <= 'f')
                v = v * 16 + (unsigned long)(c - 'a' + 10);
            else
                break;
        }
        if (!digits)
            return 0;
        if (i < n && p[i] == ';')
            i++;
        *cp = v;
        return i;
    }
    size_t j = i;
    while (j < n && j - i < 10 && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z')))
        j++;
    if (j >= n || p[j] != ';')
        return 0;
    for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
        if (strlen(entities[k].name) == j - i && memcmp(entities[k].name, p + i, j - i) == 0) {
            *cp = entities[k].cp;
            return j + 1;
        }
    return 0;
}

/* Appends text, collapsing whitespace unless verbatim. */
static int put_text(struct hstate *h, const char *p, size_t n)
{
    int rc = WF_OK;
    for (size_t i = 0; i < n && !rc;) {
        char c = p[i];
        if (c == '&') {
            unsigned long cp;
            size_t k = entity(p + i, n - i, &cp);
            if (k && cp == ' ' && !h->in_pre) { /* &nbsp; collapses like a space */
                if (h->para.len && h->para.p[h->para.len - 1] != ' ')
                    rc = wf_buf_putc(&h->para, ' ');
                i += k;
                continue;
            }
            if (k) {
                if (!h->para.len)
                    h->para_start = h->line;
                rc = put_utf8(&h->para, cp);
                h->para_end = h->line;
                i += k;
                continue;
            }
        }
        if (c == '\n')
            h->line++;
        if (!h->in_pre && (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f')) {
            if (h->para.len && h->para.p[h->para.len - 1] != ' ' &&
                h->para.p[h->para.len - 1] != '\n')
                rc = wf_buf_putc(&h->para, ' ');
            i++;
            continue;
        }
        if (c == '\r') {
            i++;
            continue;
        }
        if (!h->para.len)
            h->para_start = h->line - (c == '\n');
        rc = wf_buf_putc(&h->para, c);
        h->para_end = h->line;
        i++;
    }
    return rc;
}

static int flush(struct hstate *h, enum wf_search__block_kind kind, int level)
{
    int rc = WF_OK;
    if (h->para.len || kind == WF_SEARCH__HEADING)
        rc = wf_search__doc_add(h->d, kind, level, h->para_start ? h->para_start : h->line,
                                h->para_end ? h->para_end : h->line, h->para.p ? h->para.p : "",
                                h->para.len);
    wf_buf_reset(&h->para);
    h->para_start = h->para_end = 0;
    return rc;
}

static uint32_t count_nl(const char *p, size_t n)
{
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == '\n';
    return k;
}

/* Finds "</name" (case-insensitive) from p; returns its offset or n. */
static size_t find_close(const char *p, size_t n, const char *name)
{
    size_t m = strlen(name);
    for (size_t i = 0; i + 2 + m <= n; i++)
        if (p[i] == '<' && p[i + 1] == '/' && ci_prefix(p + i + 2, n - i - 2, name))
            return i;
    return n;
}

static int is_one_of(const char *name, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(name, *set) == 0)
            return 1;
    return 0;
}

static const char *const block_tags[] = {
    "p",          "div",  "br",      "li",      "ul",      "ol",      "table",   "tr",
    "td",         "th",   "section", "article", "header",  "footer",  "nav",     "aside",
    "blockquote", "dl",   "dt",      "dd",      "hr",      "main",    "figure",  "figcaption",
    "form",       "body", "html",    "head",    "caption", "details", "summary", NULL};

static const char *const skip_tags[] = {"script", "style", "template", "noscript",
                                        "title",  "svg",   NULL};

int wf_search__parse_html(const char *s, size_t len, struct wf_search__doc *d)
{
    struct hstate h;
    memset(&h, 0, sizeof(h));
    h.d = d;
    h.line = 1;
    wf_buf_init(&h.para, WF_SEARCH_MAX_DOC_BYTES);
    int rc = WF_OK;
    size_t i = 0;
    while (i < len && !rc) {
        if (s[i] != '<') {
            size_t j = i;
            while (j < len && s[j] != '<')
                j++;
            rc = put_text(&h, s + i, j - i);
            i = j;
            continue;
        }
        const char *p = s + i;
        size_t left = len - i;
        if (ci_prefix(p, left, "<!--")) {
            const char *e = NULL;
            for (size_t k = 4; k + 3 <= left; k++)
                if (p[k] == '-' && p[k + 1] == '-' && p[k + 2] == '>') {
                    e = p + k + 3;
                    break;
                }
            if (!e)
                break;
            h.line += count_nl(p, (size_t)(e - p));
            i += (size_t)(e - p);
            continue;
        }
        /* a tag: "<", optional "/", name, attributes (quotes respected), ">" */
        size_t k = 1;
        int closing = 0;
        if (k < left && p[k] == '/')
            closing = 1, k++;
        char name[TAG_NAME_MAX + 1];
        size_t nl = 0;
        while (k < left && ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
                            (p[k] >= '0' && p[k] <= '9'))) {
            if (nl < TAG_NAME_MAX)
                name[nl++] = (char)lower((unsigned char)p[k]);
            k++;
        }
        name[nl] = 0;
        if (!nl && !(k < left && (p[k] == '!' || p[k] == '?'))) {
            rc = put_text(&h, "<", 1); /* a lone '<' is text */
            i++;
            continue;
        }
        char quote = 0;
        while (k < left && (quote || p[k] != '>')) {
            if (quote && p[k] == quote)
                quote = 0;
            else if (!quote && (p[k] == '"' || p[k] == '\''))
                quote = p[k];
            k++;
        }
        if (k >= left)
            break; /* unterminated tag */
        k++;
        h.line += count_nl(p, k);
        i += k;
        if (!nl)
            continue; /* <!DOCTYPE>, <?xml?> */
        if (!closing && is_one_of(name, skip_tags)) {
            size_t e = find_close(s + i, len - i, name);
            h.line += count_nl(s + i, e);
            i += e;
            continue;
        }
        int hl = name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && !name[2] ? name[1] - '0' : 0;
        if (hl) {
            if (!closing) {
                rc = flush(&h, WF_SEARCH__PARA, 0);
                h.in_heading = hl;
            } else if (h.in_heading) {
                rc = flush(&h, WF_SEARCH__HEADING, h.in_heading);
                h.in_heading = 0;
            }
        } else if (strcmp(name, "pre") == 0) {
            if (!closing && !h.in_heading) {
                rc = flush(&h, WF_SEARCH__PARA, 0);
                h.in_pre = 1;
                if (!rc && i < len && s[i] == '\n') { /* the newline after <pre> is not content */
                    h.line++;
                    i++;
                }
            } else if (closing && h.in_pre) {
                rc = flush(&h, WF_SEARCH__CODE, 0);
                h.in_pre = 0;
            }
        } else if (!h.in_pre && !h.in_heading && is_one_of(name, block_tags)) {
            rc = flush(&h, WF_SEARCH__PARA, 0);
        } else if (!h.in_pre && (strcmp(name, "br") == 0)) {
            rc = put_text(&h, " ", 1);
        }
    }
    if (!rc)
        rc = flush(&h,
                   h.in_pre       ? WF_SEARCH__CODE
                   : h.in_heading ? WF_SEARCH__HEADING
                                  : WF_SEARCH__PARA,
                   h.in_heading);
    wf_buf_cleanup(&h.para);
    return rc;
}
