/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search: from a document's bytes to chunks. Each format's parser turns the
 * document into blocks (headings, paragraphs, code) with their source line
 * ranges; the chunker here groups the blocks of one heading section into
 * chunks of about target_bytes, never above max_bytes, keeps a code block
 * whole when it fits, splits an oversized block at line (then byte)
 * boundaries, and repeats the previous chunk's last block at the start of
 * the next one when it is at most overlap_bytes long.
 */
#include "search/search_int.h"

#include <string.h>

/* ---- formats -------------------------------------------------------------------- */

static const struct {
    const char *name;
    enum wf_doc_format f;
} format_names[] = {
    {"text", WF_DOC_TEXT},      {"txt", WF_DOC_TEXT},          {"log", WF_DOC_TEXT},
    {"rst", WF_DOC_TEXT},       {"markdown", WF_DOC_MARKDOWN}, {"md", WF_DOC_MARKDOWN},
    {"mdown", WF_DOC_MARKDOWN}, {"html", WF_DOC_HTML},         {"htm", WF_DOC_HTML},
    {"xhtml", WF_DOC_HTML},     {"pdf", WF_DOC_PDF},
};

static int eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        if (x != *b)
            return 0;
    }
    return *a == *b;
}

int wf_doc_format_from_name(const char *name, enum wf_doc_format *out)
{
    if (!name || !*name || !out)
        return WF_EINVAL;
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    const char *ext = dot ? dot + 1 : base;
    for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
        if (eq_ci(ext, format_names[i].name)) {
            *out = format_names[i].f;
            return WF_OK;
        }
    if (!dot && slash) {
        *out = WF_DOC_TEXT; /* "runbooks/README" */
        return WF_OK;
    }
    return WF_EINVAL;
}

const char *wf_doc_format_name(enum wf_doc_format f)
{
    static const char *const names[] = {"text", "markdown", "html", "pdf"};
    return (unsigned)f < 4 ? names[f] : "unknown";
}

void wf_search_chunk_opts_init(struct wf_search_chunk_opts *o)
{
    o->target_bytes = 800;
    o->max_bytes = 1600;
    o->overlap_bytes = 200;
}

/* ---- blocks ---------------------------------------------------------------------- */

void wf_search__doc_init(struct wf_search__doc *d, size_t max_bytes)
{
    memset(d, 0, sizeof(*d));
    wf_buf_init(&d->text, max_bytes);
}

void wf_search__doc_cleanup(struct wf_search__doc *d)
{
    wf_free(d->blocks);
    wf_buf_cleanup(&d->text);
}

int wf_search__doc_add(struct wf_search__doc *d, enum wf_search__block_kind kind, int level,
                       uint32_t line_start, uint32_t line_end, const char *text, size_t len)
{
    /* trim blank lines and trailing spaces around the block */
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t' ||
                   text[len - 1] == '\r'))
        len--;
    if (kind != WF_SEARCH__CODE)
        while (len && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r'))
            text++, len--;
    if (!len && kind != WF_SEARCH__HEADING)
        return WF_OK;
    int rc = wf_grow((void **)&d->blocks, &d->cap, d->n + 1, sizeof(*d->blocks),
                     WF_SEARCH_MAX_CHUNKS * 64u);
    if (rc)
        return rc;
    size_t off = d->text.len;
    if ((rc = wf_buf_append(&d->text, text, len)))
        return rc;
    /* chunks are C strings for their users: a NUL byte becomes a space */
    for (char *p = d->text.p + off; (p = memchr(p, 0, (size_t)(d->text.p + off + len - p)));)
        *p++ = ' ';
    d->blocks[d->n++] = (struct wf_search__block){
        kind, level, line_start, line_end < line_start ? line_start : line_end, off, len};
    return WF_OK;
}

/* ---- plain text ---------------------------------------------------------------------- */

static size_t indent_of(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\f'))
        i++;
    return i;
}

struct line {
    const char *p;
    size_t len;
};

/* Lines of a buffer (without their '\n'); owned array. */
static int split_lines(const char *s, size_t len, struct line **out, size_t *n)
{
    size_t cap = 0, cnt = 0;
    struct line *l = NULL;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            if (i == len && start == len && cnt)
                break;
            int rc = wf_grow((void **)&l, &cap, cnt + 1, sizeof(*l), SIZE_MAX / 32);
            if (rc) {
                wf_free(l);
                return rc;
            }
            size_t e = i;
            if (e > start && s[e - 1] == '\r')
                e--;
            l[cnt++] = (struct line){s + start, e - start};
            start = i + 1;
        }
    }
    *out = l;
    *n = cnt;
    return WF_OK;
}

static int blank(const struct line *l)
{
    return indent_of(l->p, l->len) == l->len;
}

/* Plain text: paragraphs between blank lines. A short line at column 0
 * whose next non-blank line is indented is a level-1 heading, one indented
 * 1-3 columns after a blank line with a more indented next line is a
 * level-2 heading: that is how man pages and many READMEs mark sections. */
int wf_search__parse_text(const char *s, size_t len, struct wf_search__doc *d)
{
    struct line *l = NULL;
    size_t n = 0;
    int rc = split_lines(s, len, &l, &n);
    if (rc)
        return rc;
    size_t i = 0;
    while (i < n && !rc) {
        if (blank(&l[i])) {
            i++;
            continue;
        }
        size_t ind = indent_of(l[i].p, l[i].len);
        size_t next = i + 1;
        while (next < n && blank(&l[next]))
            next++;
        int prev_blank = i == 0 || blank(&l[i - 1]);
        if (next < n && l[i].len - ind <= 60 && l[i].p[l[i].len - 1] != '.' &&
            l[i].p[l[i].len - 1] != ',' && ind <= 3 &&
            indent_of(l[next].p, l[next].len) >= ind + 2 && (ind == 0 || prev_blank) &&
            l[i].p[ind] != '-' && l[i].p[ind] != '*') {
            rc = wf_search__doc_add(d, WF_SEARCH__HEADING, ind == 0 ? 1 : 2, (uint32_t)i + 1,
                                    (uint32_t)i + 1, l[i].p + ind, l[i].len - ind);
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !blank(&l[j]))
            j++;
        const char *start = l[i].p;
        const char *end = l[j - 1].p + l[j - 1].len;
        rc = wf_search__doc_add(d, WF_SEARCH__PARA, 0, (uint32_t)i + 1, (uint32_t)j, start,
                                (size_t)(end - start));
        i = j;
    }
    wf_free(l);
    return rc;
}

/* ---- chunker ------------------------------------------------------------------------ */

struct chunker {
    const struct wf_search__doc *d;
    const struct wf_search_chunk_opts *o;
    struct wf_search_chunk *out;
    size_t n, cap;
    struct wf_buf cur; /* text of the open chunk */
    uint32_t cur_start, cur_end;
    size_t cur_blocks;
    /* the last block added, for overlap */
    const char *last_p;
    size_t last_len;
    uint32_t last_start, last_end;
    char heading[WF_SEARCH_MAX_HEADING_BYTES];
    char levels[6][WF_SEARCH_MAX_HEADING_BYTES / 2];
};

static int emit(struct chunker *c)
{
    if (!c->cur.len)
        return WF_OK;
    if (c->n >= WF_SEARCH_MAX_CHUNKS)
        return WF_ETOOBIG;
    int rc = wf_grow((void **)&c->out, &c->cap, c->n + 1, sizeof(*c->out), WF_SEARCH_MAX_CHUNKS);
    if (rc)
        return rc;
    struct wf_search_chunk *ch = &c->out[c->n];
    ch->heading = wf_strndup(c->heading, strlen(c->heading));
    ch->text = wf_strndup(c->cur.p, c->cur.len);
    if (!ch->heading || !ch->text) {
        wf_free(ch->heading);
        wf_free(ch->text);
        return WF_ENOMEM;
    }
    ch->seq = (uint32_t)c->n;
    ch->line_start = c->cur_start;
    ch->line_end = c->cur_end;
    ch->len = c->cur.len;
    c->n++;
    wf_buf_reset(&c->cur);
    c->cur_blocks = 0;
    return WF_OK;
}

static int append(struct chunker *c, const char *p, size_t len, uint32_t ls, uint32_t le)
{
    int rc = WF_OK;
    if (c->cur.len)
        rc = wf_buf_puts(&c->cur, "\n\n");
    if (!rc)
        rc = wf_buf_append(&c->cur, p, len);
    if (rc)
        return rc;
    if (!c->cur_blocks)
        c->cur_start = ls;
    c->cur_end = le;
    c->cur_blocks++;
    c->last_p = p;
    c->last_len = len;
    c->last_start = ls;
    c->last_end = le;
    return WF_OK;
}

/* Closes the open chunk because it is full; the next one starts with the
 * last block again when it is short enough. */
static int close_full(struct chunker *c)
{
    int overlap = c->cur_blocks > 1 && c->last_len <= c->o->overlap_bytes;
    const char *lp = c->last_p;
    size_t ll = c->last_len;
    uint32_t ls = c->last_start, le = c->last_end;
    int rc = emit(c);
    if (!rc && overlap)
        rc = append(c, lp, ll, ls, le);
    return rc;
}

/* Adds one piece (at most max_bytes) to the chunks. */
static int add_piece(struct chunker *c, const char *p, size_t len, uint32_t ls, uint32_t le)
{
    int rc = WF_OK;
    if (c->cur.len && (c->cur.len >= c->o->target_bytes || c->cur.len + 2 + len > c->o->max_bytes))
        rc = close_full(c);
    /* the overlap block may not fit with this piece: drop it */
    if (!rc && c->cur.len && c->cur.len + 2 + len > c->o->max_bytes) {
        wf_buf_reset(&c->cur);
        c->cur_blocks = 0;
    }
    if (!rc)
        rc = append(c, p, len, ls, le);
    return rc;
}

/* A cut point at most `max` bytes into p: after a newline, else after a
 * space, else before a UTF-8 lead byte. */
static size_t cut_at(const char *p, size_t len, size_t max)
{
    if (len <= max)
        return len;
    for (size_t i = max; i > max / 2; i--)
        if (p[i - 1] == '\n')
            return i;
    for (size_t i = max; i > max / 2; i--)
        if (p[i - 1] == ' ')
            return i;
    size_t i = max;
    while (i > 1 && ((unsigned char)p[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static int add_block(struct chunker *c, const struct wf_search__block *b)
{
    const char *p = c->d->text.p + b->off;
    size_t len = b->len;
    uint32_t line = b->line_start;
    while (len) {
        size_t k = cut_at(p, len, c->o->max_bytes);
        uint32_t nl = 0;
        for (size_t i = 0; i < k; i++)
            nl += p[i] == '\n';
        uint32_t end = k == len ? b->line_end : line + nl - (k && p[k - 1] == '\n');
        if (end < line)
            end = line;
        if (end > b->line_end)
            end = b->line_end;
        int rc = add_piece(c, p, k, line, end);
        if (rc)
            return rc;
        line = line + nl;
        if (line > b->line_end)
            line = b->line_end;
        p += k;
        len -= k;
    }
    return WF_OK;
}

static void set_heading(struct chunker *c, int level, const char *p, size_t len)
{
    if (level < 1)
        level = 1;
    if (level > 6)
        level = 6;
    size_t cap = sizeof(c->levels[0]) - 1;
    size_t n = len < cap ? len : cap;
    /* do not cut a UTF-8 sequence */
    while (n < len && n && ((unsigned char)p[n] & 0xC0) == 0x80)
        n--;
    for (size_t i = 0; i < n; i++)
        c->levels[level - 1][i] = p[i] == '\n' || p[i] == '\t' ? ' ' : p[i];
    c->levels[level - 1][n] = 0;
    for (int l = level; l < 6; l++)
        c->levels[l][0] = 0;
    size_t w = 0;
    c->heading[0] = 0;
    for (int l = 0; l < 6; l++) {
        size_t m = strlen(c->levels[l]);
        if (!m)
            continue;
        if (w + (w ? 3 : 0) + m >= sizeof(c->heading))
            break;
        if (w) {
            memcpy(c->heading + w, " > ", 3);
            w += 3;
        }
        memcpy(c->heading + w, c->levels[l], m);
        w += m;
        c->heading[w] = 0;
    }
}

int wf_search__chunk_blocks(const struct wf_search__doc *d, const struct wf_search_chunk_opts *o,
                            struct wf_search_chunk **out, size_t *n)
{
    struct chunker c;
    memset(&c, 0, sizeof(c));
    c.d = d;
    c.o = o;
    wf_buf_init(&c.cur, o->max_bytes + 8);
    int rc = WF_OK;
    for (size_t i = 0; i < d->n && !rc; i++) {
        const struct wf_search__block *b = &d->blocks[i];
        if (b->kind == WF_SEARCH__HEADING) {
            rc = emit(&c);
            c.last_len = SIZE_MAX; /* no overlap across a heading */
            set_heading(&c, b->level, d->text.p + b->off, b->len);
        } else {
            rc = add_block(&c, b);
        }
    }
    if (!rc)
        rc = emit(&c);
    wf_buf_cleanup(&c.cur);
    if (rc) {
        wf_search_chunks_free(c.out, c.n);
        return rc;
    }
    *out = c.out;
    *n = c.n;
    return WF_OK;
}

/* ---- entry point ------------------------------------------------------------------- */

int wf_search_chunk_document(enum wf_doc_format f, const char *data, size_t len,
                             const struct wf_search_chunk_opts *o, struct wf_search_chunk **out,
                             size_t *n, struct wf_buf *err)
{
    struct wf_search_chunk_opts def;
    struct wf_search__doc d;
    struct wf_buf pdf;
    int rc;
    if (err)
        wf_buf_reset(err);
    if (!o) {
        wf_search_chunk_opts_init(&def);
        o = &def;
    }
    if (!out || !n || (len && !data) || (unsigned)f > WF_DOC_PDF || o->max_bytes < 64 ||
        o->target_bytes > o->max_bytes || o->max_bytes > WF_SEARCH_MAX_DOC_BYTES) {
        if (err)
            (void)wf_buf_puts(err, "invalid chunking arguments (max_bytes >= 64, target <= max)");
        return WF_EINVAL;
    }
    if (len > WF_SEARCH_MAX_DOC_BYTES) {
        if (err)
            (void)wf_buf_appendf(err, "document of %zu bytes exceeds the limit of %u bytes", len,
                                 WF_SEARCH_MAX_DOC_BYTES);
        return WF_ETOOBIG;
    }
    wf_search__doc_init(&d, 2 * (size_t)WF_SEARCH_MAX_DOC_BYTES);
    wf_buf_init(&pdf, WF_SEARCH_MAX_DOC_BYTES);
    switch (f) {
    case WF_DOC_MARKDOWN:
        rc = wf_search__parse_markdown(data, len, &d);
        break;
    case WF_DOC_HTML:
        rc = wf_search__parse_html(data, len, &d);
        break;
    case WF_DOC_PDF:
        rc = wf_search__pdf_text(data, len, &pdf, err);
        if (!rc)
            rc = wf_search__parse_text(pdf.p ? pdf.p : "", pdf.len, &d);
        break;
    default:
        rc = wf_search__parse_text(data, len, &d);
        break;
    }
    if (!rc)
        rc = wf_search__chunk_blocks(&d, o, out, n);
    if (rc && err && !err->len) {
        if (rc == WF_ETOOBIG)
            (void)wf_buf_appendf(err, "%s document exceeds a limit (%u chunks, %u bytes)",
                                 wf_doc_format_name(f), WF_SEARCH_MAX_CHUNKS,
                                 WF_SEARCH_MAX_DOC_BYTES);
        else
            (void)wf_buf_appendf(err, "%s document: %s", wf_doc_format_name(f), wf_strerror(rc));
    }
    wf_buf_cleanup(&pdf);
    wf_search__doc_cleanup(&d);
    return rc;
}

int wf_search_pdf_text(const char *data, size_t len, struct wf_buf *out, struct wf_buf *err)
{
    if (err)
        wf_buf_reset(err);
    if (!out || (len && !data))
        return WF_EINVAL;
    if (len > WF_SEARCH_MAX_DOC_BYTES) {
        if (err)
            (void)wf_buf_appendf(err, "document of %zu bytes exceeds the limit of %u bytes", len,
                                 WF_SEARCH_MAX_DOC_BYTES);
        return WF_ETOOBIG;
    }
    return wf_search__pdf_text(data, len, out, err);
}

void wf_search_chunks_free(struct wf_search_chunk *c, size_t n)
{
    if (!c)
        return;
    for (size_t i = 0; i < n; i++) {
        wf_free(c[i].heading);
        wf_free(c[i].text);
    }
    wf_free(c);
}
