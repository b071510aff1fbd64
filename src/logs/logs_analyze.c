/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The analyzer: turns the stream of cleaned lines into steps and ranked
 * error blocks in one pass with bounded memory. Every line is scored by the
 * rule table; evidence lines open a block, continuation lines (stack
 * frames, indented detail, Maven [ERROR] lines) and short gaps extend it,
 * and a block closes after a few lines with nothing to add. Closed blocks
 * compete for WF_LIMIT_BLOCKS slots. With a passing log, lines that also
 * appear there count for less and new lines may extend a block, which is
 * the CiDiff idea applied inside the rule-based extractor. Step markers of
 * GitHub Actions, GitLab, Jenkins, Travis, Maven and Gradle are recorded on
 * the way, and the final ranking favours the failing step and the end of
 * the log, where CI tools print what stopped them.
 */
#include "logs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GAP_MAX 3u          /* non-evidence lines a block may bridge */
#define LINE_KEEP 2048u     /* bytes of one line kept in block text */
#define TAIL_MAX 6u         /* output lines an exit status pulls in */
#define TAIL_SPAN 10u       /* ... from at most this many lines above it */
#define START_MIN 0.55f     /* weakest line score that opens a block */
#define OLD_FACTOR 0.3f     /* weight of a line that the passing log has too */
#define NEW_LINE_SCORE 0.3f /* weight of a new, rule-less line in pass mode */
#define RECENCY 1.0         /* bonus of a block at the very end of the log */
#define OUTSIDE_FACTOR 0.5  /* blocks outside every failed CI step */
#define GENERIC_PENALTY 0.5 /* blocks of generic evidence only */
#define SELECT_RATIO 0.6    /* blocks scoring below this share of the best are dropped */

struct cand {
    size_t start, end; /* 1-based line range */
    double sum;        /* sum of line scores */
    float max;         /* best line score */
    size_t n_hits;     /* lines with rule evidence */
    size_t n_new;      /* lines absent from the passing log */
    size_t n_lines;    /* lines in the range */
    float kscore[WF_LOGS_KIND__COUNT];
    struct wf_buf text; /* lines joined by '\n' (capped) */
    size_t text_lines;  /* lines in text */
    unsigned text_truncated;
    char *key; /* owned copy of the best line */
    size_t key_len;
    size_t key_lineno;
    double raw; /* score used to compete for a slot */
};

struct pending {
    char text[LINE_KEEP];
    size_t len;
    size_t lineno;
    int is_new;
};

struct step_acc {
    char *name; /* owned */
    size_t start_line, end_line;
    int failed;
    int exit_code;
    size_t n_hits;
};

struct steps {
    struct step_acc *v;
    size_t n, cap;
    int open; /* last step still running */
};

struct wf_logs_analyzer {
    const struct wf_logs_opts *opts;
    struct cand cur;
    int open;
    struct pending gap[GAP_MAX];
    size_t n_gap;
    struct pending tail[TAIL_MAX]; /* recent output lines outside blocks (ring) */
    size_t tail_head, n_tail;
    struct cand kept[WF_LIMIT_BLOCKS];
    size_t n_kept;
    struct steps ci;   /* CI-level steps (GitHub, GitLab, Jenkins, Travis) */
    struct steps tool; /* build-tool phases (Maven plugins, Gradle tasks) */
    enum wf_logs_flavor flavor;
    struct wf_buf scratch;
    size_t n_lines;
    int err;           /* first allocation error; the stream keeps going without it */
    int in_run_header; /* inside GitHub's "##[group]Run" command header */
};

/* ---- names ----------------------------------------------------------- */

static const char *const flavor_names[] = {
#define WF__FLAVOR_STR(name, str) str,
    WF_LOGS_FLAVOR_MAP(WF__FLAVOR_STR)
#undef WF__FLAVOR_STR
};

const char *wf_logs_flavor_name(enum wf_logs_flavor f)
{
    if ((unsigned)f >= sizeof(flavor_names) / sizeof(flavor_names[0]))
        return "plain";
    return flavor_names[f];
}

static const char *const kind_names[] = {
#define WF__KIND_STR(name, str, desc) str,
    WF_LOGS_KIND_MAP(WF__KIND_STR)
#undef WF__KIND_STR
};

static const char *const kind_descs[] = {
#define WF__KIND_DESC(name, str, desc) desc,
    WF_LOGS_KIND_MAP(WF__KIND_DESC)
#undef WF__KIND_DESC
};

const char *wf_logs_kind_name(enum wf_logs_kind k)
{
    return (unsigned)k < WF_LOGS_KIND__COUNT ? kind_names[k] : "none";
}

int wf_logs_kind_is_generic(enum wf_logs_kind k)
{
    return k == WF_LOGS_KIND_ERROR || k == WF_LOGS_KIND_EXIT || k == WF_LOGS_KIND_BUILD;
}

const char *wf_logs_kind_desc(enum wf_logs_kind k)
{
    return (unsigned)k < WF_LOGS_KIND__COUNT ? kind_descs[k] : kind_descs[0];
}

/* ---- passing-log keys ------------------------------------------------- */

uint64_t wf_logs_line_key(const char *s, size_t len, struct wf_buf *scratch)
{
    wf_buf_reset(scratch);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len > LINE_KEEP)
        len = LINE_KEEP;
    if (wf_text_mask(s, len, scratch) != WF_OK)
        return wf_hash64(s, len, 0x7061737321ull);
    return wf_hash64(scratch->p ? scratch->p : "", scratch->len, 0x7061737321ull);
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

int wf_logs_pass_line(void *ud, const struct wf_logs_line *line)
{
    struct wf_logs_pass_ctx *c = ud;
    if (blank(line->text, line->len))
        return WF_OK;
    int rc = wf_hset_add(c->set, wf_logs_line_key(line->text, line->len, &c->scratch), NULL);
    /* A passing log larger than the cap still helps with what it has. */
    return rc == WF_ETOOBIG ? WF_OK : rc;
}

/* ---- steps -------------------------------------------------------------- */

static void step_close(struct steps *st, size_t last_line)
{
    if (st->open && st->n) {
        st->v[st->n - 1].end_line = last_line;
        st->open = 0;
    }
}

static int step_open(struct wf_logs_analyzer *a, struct steps *st, const char *name, size_t len,
                     size_t lineno)
{
    step_close(st, lineno - 1);
    while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        len--;
    while (len > 0 && (*name == ' ' || *name == '\t'))
        name++, len--;
    if (len > WF_LIMIT_STEP_NAME_BYTES)
        len = WF_LIMIT_STEP_NAME_BYTES;
    if (st->n >= WF_LIMIT_STEPS) {
        st->open = 1; /* past the cap the last step absorbs the rest */
        return WF_OK;
    }
    int rc = wf_grow((void **)&st->v, &st->cap, st->n + 1, sizeof(*st->v), WF_LIMIT_STEPS);
    if (rc)
        return a->err = rc;
    char *copy = wf_strndup(name, len);
    if (!copy)
        return a->err = WF_ENOMEM;
    struct step_acc *s = &st->v[st->n++];
    s->name = copy;
    s->start_line = lineno;
    s->end_line = lineno;
    s->failed = 0;
    s->exit_code = -1;
    s->n_hits = 0;
    st->open = 1;
    return WF_OK;
}

static struct step_acc *step_cur(struct steps *st)
{
    return st->open && st->n ? &st->v[st->n - 1] : NULL;
}

static int prefix(const char *s, size_t n, const char *p)
{
    size_t L = strlen(p);
    return n >= L && memcmp(s, p, L) == 0;
}

/* Parses the integer after `label` (e.g. "exit code "), -1 when absent. */
static int int_after(const char *s, size_t n, const char *label)
{
    const char *p = wf_text_find_ci(s, n, label);
    if (!p)
        return -1;
    p += strlen(label);
    const char *end = s + n;
    long v = 0;
    int any = 0;
    while (p < end && *p >= '0' && *p <= '9' && v < 100000) {
        v = v * 10 + (*p++ - '0');
        any = 1;
    }
    return any ? (int)v : -1;
}

static void mark_exit(struct steps *st, int code)
{
    struct step_acc *s = step_cur(st);
    if (!s && st->n)
        s = &st->v[st->n - 1];
    if (!s || code < 0)
        return;
    s->exit_code = code;
    if (code != 0)
        s->failed = 1;
}

static void set_flavor(struct wf_logs_analyzer *a, enum wf_logs_flavor f)
{
    if (a->flavor == WF_LOGS_FLAVOR_PLAIN)
        a->flavor = f;
}

/* Recognises step markers. Cheap: most lines fail the first-byte test. */
static void steps_line(struct wf_logs_analyzer *a, const struct wf_logs_line *ln)
{
    const char *s = ln->text;
    size_t n = ln->len;
    size_t no = ln->lineno;

    if (ln->step) {
        set_flavor(a, WF_LOGS_FLAVOR_GITHUB);
        struct step_acc *c = step_cur(&a->ci);
        if (!c || strlen(c->name) != ln->step_len || memcmp(c->name, ln->step, ln->step_len) != 0)
            step_open(a, &a->ci, ln->step, ln->step_len, no);
    }
    if (n == 0)
        return;
    switch (s[0]) {
    case '#':
        if (prefix(s, n, "##[group]")) {
            set_flavor(a, WF_LOGS_FLAVOR_GITHUB);
            if (!ln->step && prefix(s + 9, n - 9, "Run "))
                step_open(a, &a->ci, s + 9, n - 9, no);
        } else if (prefix(s, n, "##[error]")) {
            set_flavor(a, WF_LOGS_FLAVOR_GITHUB);
            int code = int_after(s, n, "exit code ");
            struct step_acc *c = step_cur(&a->ci);
            if (c)
                c->failed = 1;
            if (code >= 0)
                mark_exit(&a->ci, code);
        }
        break;
    case 's':
        if (prefix(s, n, "section_start:")) {
            set_flavor(a, WF_LOGS_FLAVOR_GITLAB);
            const char *p = memchr(s + 14, ':', n - 14);
            if (p) {
                p++;
                size_t L = (size_t)(s + n - p);
                const char *br = memchr(p, '[', L);
                if (br)
                    L = (size_t)(br - p);
                step_open(a, &a->ci, p, L, no);
            }
        } else if (prefix(s, n, "section_end:")) {
            step_close(&a->ci, no);
        }
        break;
    case 't':
        if (prefix(s, n, "travis_fold:start:")) {
            set_flavor(a, WF_LOGS_FLAVOR_TRAVIS);
            step_open(a, &a->ci, s + 18, n - 18, no);
        } else if (prefix(s, n, "travis_fold:end:")) {
            step_close(&a->ci, no);
        }
        break;
    case '[':
        if (prefix(s, n, "[Pipeline] { (") && n >= 14) {
            set_flavor(a, WF_LOGS_FLAVOR_JENKINS);
            size_t L = n - 14;
            const char *close = memchr(s + 14, ')', L);
            step_open(a, &a->ci, s + 14, close ? (size_t)(close - s - 14) : L, no);
        } else if (prefix(s, n, "[Pipeline] // stage")) {
            step_close(&a->ci, no);
        } else if (prefix(s, n, "[INFO] --- ") && n > 15 && memcmp(s + n - 3, "---", 3) == 0) {
            step_open(a, &a->tool, s + 11, n - 14, no);
        }
        break;
    case '>':
        if (prefix(s, n, "> Task :") && n >= 8) { /* n >= 8 spelled out for -O1's range analysis */
            size_t L = n - 7;
            int failed = n >= 7 && memcmp(s + n - 6, "FAILED", 6) == 0;
            const char *sp = memchr(s + 7, ' ', L);
            step_open(a, &a->tool, s + 7, sp ? (size_t)(sp - s - 7) : L, no);
            if (failed && step_cur(&a->tool))
                step_cur(&a->tool)->failed = 1;
        }
        break;
    case 'T':
        if (prefix(s, n, "The command \"") && wf_text_find_ci(s, n, "exited with ")) {
            set_flavor(a, WF_LOGS_FLAVOR_TRAVIS);
            mark_exit(&a->ci, int_after(s, n, "exited with "));
        }
        break;
    case 'E':
        if (prefix(s, n, "ERROR: Job failed")) {
            set_flavor(a, WF_LOGS_FLAVOR_GITLAB);
            int code = int_after(s, n, "exit code ");
            mark_exit(&a->ci, code >= 0 ? code : 1);
        } else if (prefix(s, n, "ERROR: script returned exit code ")) {
            mark_exit(&a->ci, int_after(s, n, "exit code "));
        }
        break;
    case 'P':
        if (prefix(s, n, "Post job cleanup")) {
            step_open(a, &a->ci, s, n, no);
        } else if (prefix(s, n, "Process completed with exit code ")) {
            mark_exit(&a->ci, int_after(s, n, "exit code "));
        }
        break;
    default:
        break;
    }
}

/* ---- blocks ------------------------------------------------------------- */

static void cand_reset(struct cand *c)
{
    struct wf_buf keep = c->text;
    wf_free(c->key);
    memset(c, 0, sizeof(*c));
    wf_buf_reset(&keep);
    c->text = keep;
}

static void cand_cleanup(struct cand *c)
{
    wf_buf_cleanup(&c->text);
    wf_free(c->key);
    c->key = NULL;
}

static void cand_add_line(struct wf_logs_analyzer *a, struct cand *c, const char *s, size_t n,
                          size_t lineno, float score, enum wf_logs_kind kind, int is_new)
{
    if (c->n_lines == 0)
        c->start = lineno;
    c->end = lineno;
    c->n_lines++;
    c->n_new += is_new;
    if (score > 0) {
        c->n_hits++;
        c->sum += score;
        c->kscore[kind] += score;
        if (score > c->max) {
            c->max = score;
            char *copy = wf_strndup(s, n < LINE_KEEP ? n : LINE_KEEP);
            if (copy) {
                wf_free(c->key);
                c->key = copy;
                c->key_len = n < LINE_KEEP ? n : LINE_KEEP;
                c->key_lineno = lineno;
            } else {
                a->err = WF_ENOMEM;
            }
        }
    }
    if (c->text_truncated)
        return;
    size_t take = n < LINE_KEEP ? n : LINE_KEEP;
    if (c->text_lines >= WF_LIMIT_BLOCK_LINES || c->text.len + take + 1 > WF_LIMIT_BLOCK_BYTES) {
        c->text_truncated = 1;
        return;
    }
    if ((c->text_lines && wf_buf_putc(&c->text, '\n')) || wf_buf_append(&c->text, s, take)) {
        c->text_truncated = 1;
        return;
    }
    c->text_lines++;
}

static double cand_raw(const struct cand *c)
{
    double rest = c->sum - c->max;
    if (rest > 8)
        rest = 8;
    return c->max + 0.15 * rest;
}

static void block_close(struct wf_logs_analyzer *a)
{
    if (!a->open)
        return;
    a->open = 0;
    a->n_gap = 0;
    struct cand *c = &a->cur;
    c->raw = cand_raw(c);
    size_t slot = a->n_kept;
    if (a->n_kept == WF_LIMIT_BLOCKS) {
        size_t lo = 0;
        for (size_t i = 1; i < a->n_kept; i++)
            if (a->kept[i].raw < a->kept[lo].raw)
                lo = i;
        if (a->kept[lo].raw > c->raw) { /* ties go to the later block */
            cand_reset(c);
            return;
        }
        slot = lo;
    } else {
        a->n_kept++;
        wf_buf_init(&a->kept[slot].text, WF_LIMIT_BLOCK_BYTES);
        a->kept[slot].key = NULL;
    }
    /* swap: the slot's storage becomes the next current block's */
    struct cand tmp = a->kept[slot];
    a->kept[slot] = *c;
    wf_free(tmp.key);
    tmp.key = NULL;
    *c = tmp;
    cand_reset(c);
}

static void keep_line(struct pending *p, const struct wf_logs_line *ln, int is_new)
{
    p->len = ln->len < LINE_KEEP ? ln->len : LINE_KEEP;
    memcpy(p->text, ln->text, p->len);
    p->lineno = ln->lineno;
    p->is_new = is_new;
}

int wf_logs_analyzer_new(const struct wf_logs_opts *opts, struct wf_logs_analyzer **out)
{
    struct wf_logs_analyzer *a = wf_calloc(1, sizeof(*a));
    if (!a)
        return WF_ENOMEM;
    a->opts = opts;
    wf_buf_init(&a->cur.text, WF_LIMIT_BLOCK_BYTES);
    wf_buf_init(&a->scratch, LINE_KEEP * 4);
    a->flavor = WF_LOGS_FLAVOR_PLAIN;
    *out = a;
    return WF_OK;
}

static void steps_free(struct steps *st)
{
    for (size_t i = 0; i < st->n; i++)
        wf_free(st->v[i].name);
    wf_free(st->v);
    st->v = NULL;
    st->n = st->cap = 0;
}

void wf_logs_analyzer_free(struct wf_logs_analyzer *a)
{
    if (!a)
        return;
    cand_cleanup(&a->cur);
    for (size_t i = 0; i < a->n_kept; i++)
        cand_cleanup(&a->kept[i]);
    steps_free(&a->ci);
    steps_free(&a->tool);
    wf_buf_cleanup(&a->scratch);
    wf_free(a);
}

int wf_logs_analyzer_line(void *ud, const struct wf_logs_line *ln)
{
    struct wf_logs_analyzer *a = ud;
    struct wf_logs_hit hit;
    a->n_lines = ln->lineno;

    size_t steps_before = a->ci.n + a->tool.n;
    steps_line(a, ln);
    int is_new_step = a->ci.n + a->tool.n != steps_before;
    int is_blank = blank(ln->text, ln->len);
    wf_logs_rules_match(ln->text, ln->len, &hit);
    /* GitHub prints each step's command, inputs and env between
     * "##[group]Run ..." and "##[endgroup]": configuration, not output. */
    if (ln->len >= 9 && memcmp(ln->text, "##[group]", 9) == 0) {
        a->in_run_header = ln->len >= 13 && memcmp(ln->text + 9, "Run ", 4) == 0;
        hit.noise = 1;
    } else if (ln->len >= 12 && memcmp(ln->text, "##[endgroup]", 12) == 0) {
        a->in_run_header = 0;
        hit.noise = 1;
    } else if (a->in_run_header) {
        hit.noise = 1;
    }
    float score = hit.noise ? 0.0f : hit.score;
    int is_new = 0;
    const struct wf_hset *pass = a->opts ? a->opts->pass_lines : NULL;
    if (pass && !is_blank) {
        is_new = !wf_hset_has(pass, wf_logs_line_key(ln->text, ln->len, &a->scratch));
        if (!is_new)
            score *= OLD_FACTOR;
        else if (score == 0 && !hit.noise)
            score = NEW_LINE_SCORE * (hit.cont ? 1.5f : 1.0f);
    }
    if (score > 0) {
        struct step_acc *c = step_cur(&a->ci);
        struct step_acc *t = step_cur(&a->tool);
        if (c)
            c->n_hits++;
        if (t) {
            t->n_hits++;
            if (score >= 2.0f && hit.kind != WF_LOGS_KIND_EXIT)
                t->failed = 1;
        }
    }

    int joins = !is_blank && !hit.noise && (score > 0 || hit.cont);
    if (a->open) {
        if (joins) {
            for (size_t i = 0; i < a->n_gap; i++)
                cand_add_line(a, &a->cur, a->gap[i].text, a->gap[i].len, a->gap[i].lineno, 0,
                              WF_LOGS_KIND_NONE, a->gap[i].is_new);
            a->n_gap = 0;
            cand_add_line(a, &a->cur, ln->text, ln->len, ln->lineno, score, hit.kind, is_new);
        } else if (a->n_gap < GAP_MAX && !hit.noise) {
            keep_line(&a->gap[a->n_gap++], ln, is_new);
        } else {
            block_close(a);
        }
    } else if (!is_blank && !hit.noise && score >= START_MIN) {
        a->open = 1;
        a->n_gap = 0;
        /* A bare exit status explains nothing by itself: the output the
         * command printed just before it ("files listed below ...") does. */
        if (hit.kind == WF_LOGS_KIND_EXIT)
            for (size_t i = 0; i < a->n_tail; i++) {
                const struct pending *t = &a->tail[(a->tail_head + i) % TAIL_MAX];
                if (t->lineno + TAIL_SPAN >= ln->lineno)
                    cand_add_line(a, &a->cur, t->text, t->len, t->lineno, 0, WF_LOGS_KIND_NONE,
                                  t->is_new);
            }
        cand_add_line(a, &a->cur, ln->text, ln->len, ln->lineno, score, hit.kind, is_new);
    }
    if (a->open || hit.noise || is_new_step) {
        a->n_tail = 0;
    } else if (!is_blank) {
        keep_line(&a->tail[(a->tail_head + a->n_tail) % TAIL_MAX], ln, is_new);
        if (a->n_tail < TAIL_MAX)
            a->n_tail++;
        else
            a->tail_head = (a->tail_head + 1) % TAIL_MAX;
    }
    return WF_OK;
}

/* ---- result --------------------------------------------------------------- */

static enum wf_logs_kind dominant(const struct cand *c)
{
    enum wf_logs_kind best = WF_LOGS_KIND_NONE;
    float bs = 0;
    for (int k = 1; k < WF_LOGS_KIND__COUNT; k++) {
        /* exits and generic errors only win when nothing specific is there */
        float w = c->kscore[k] * (wf_logs_kind_is_generic((enum wf_logs_kind)k) ? 0.5f : 1.0f);
        if (w > bs) {
            bs = w;
            best = (enum wf_logs_kind)k;
        }
    }
    return best;
}

static int step_of(const struct wf_logs_step *steps, size_t n, size_t line)
{
    int found = -1;
    for (size_t i = 0; i < n; i++)
        if (steps[i].start_line <= line && line <= steps[i].end_line)
            found = (int)i;
    return found;
}

static int in_failed_step(const struct wf_logs_result *r, const struct cand *c)
{
    for (size_t i = 0; i < r->n_steps; i++)
        if (r->steps[i].failed && c->start <= r->steps[i].end_line &&
            c->end >= r->steps[i].start_line)
            return 1;
    return 0;
}

struct ranked {
    struct cand *c;
    double score;
    enum wf_logs_kind kind; /* dominant kind */
};

static int by_score(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;
    if (a->score != b->score)
        return a->score < b->score ? 1 : -1;
    return a->c->start < b->c->start ? -1 : (a->c->start > b->c->start);
}

int wf_logs_analyzer_finish(struct wf_logs_analyzer *a, struct wf_logs_result *out)
{
    struct wf_logs_result r;
    memset(&r, 0, sizeof(r));
    block_close(a);
    if (a->err)
        return a->err;
    wf_arena_init(&r.arena, 0);
    r.flavor = a->flavor;
    r.n_lines = a->n_lines;
    r.failing_step = -1;
    r.used_pass_log = a->opts && a->opts->pass_lines;

    struct steps *st = a->ci.n ? &a->ci : &a->tool;
    step_close(st, a->n_lines);
    int rc = WF_ENOMEM;
    if (st->n) {
        r.steps = wf_arena_alloc(&r.arena, st->n * sizeof(*r.steps));
        if (!r.steps)
            goto fail;
        for (size_t i = 0; i < st->n; i++) {
            struct wf_logs_step *s = &r.steps[i];
            s->name = wf_arena_strndup(&r.arena, st->v[i].name, strlen(st->v[i].name));
            if (!s->name)
                goto fail;
            s->start_line = st->v[i].start_line;
            s->end_line = st->v[i].end_line < s->start_line ? s->start_line : st->v[i].end_line;
            s->failed = st->v[i].failed;
            s->exit_code = st->v[i].exit_code;
            s->n_hits = st->v[i].n_hits;
            if (s->failed)
                r.failing_step = (int)i;
        }
        r.n_steps = st->n;
    }

    /* CI steps with an explicit failure marker (##[error], exit codes) */
    int explicit = st == &a->ci && r.failing_step >= 0;
    struct ranked rk[WF_LIMIT_BLOCKS];
    size_t n = a->n_kept;
    double best_raw = 0;
    size_t best_i = 0;
    for (size_t i = 0; i < n; i++) {
        if (a->kept[i].raw > best_raw) {
            best_raw = a->kept[i].raw;
            best_i = i;
        }
    }
    if (r.failing_step < 0 && n && r.n_steps) {
        /* no explicit failure marker: the step holding the strongest block */
        r.failing_step = step_of(r.steps, r.n_steps,
                                 a->kept[best_i].key_lineno ? a->kept[best_i].key_lineno
                                                            : a->kept[best_i].start);
    }
    for (size_t i = 0; i < n; i++) {
        struct cand *c = &a->kept[i];
        double s = c->raw;
        double pos = a->n_lines ? (double)c->end / (double)a->n_lines : 0;
        s += RECENCY * pos * pos;
        if (r.failing_step >= 0) {
            const struct wf_logs_step *fs = &r.steps[r.failing_step];
            if (c->start <= fs->end_line && c->end >= fs->start_line)
                s += 0.5;
            else if (explicit && !in_failed_step(&r, c))
                s *= OUTSIDE_FACTOR; /* a step that succeeded did not cause it */
        }
        /* summaries ("BUILD FAILURE", exit codes) rank after the lines they sum up */
        rk[i].kind = dominant(c);
        if (wf_logs_kind_is_generic(rk[i].kind))
            s -= GENERIC_PENALTY;
        if (r.used_pass_log && c->n_lines)
            s += 0.6 * (double)c->n_new / (double)c->n_lines;
        rk[i].c = c;
        rk[i].score = s;
    }
    qsort(rk, n, sizeof(rk[0]), by_score);
    size_t max = a->opts && a->opts->max_blocks ? a->opts->max_blocks : 8;
    if (max > WF_LIMIT_BLOCKS)
        max = WF_LIMIT_BLOCKS;
    size_t keep = 0;
    while (keep < n && keep < max && rk[keep].score >= SELECT_RATIO * rk[0].score)
        keep++;
    if (keep) {
        r.blocks = wf_arena_alloc(&r.arena, keep * sizeof(*r.blocks));
        if (!r.blocks)
            goto fail;
    }
    for (size_t i = 0; i < keep; i++) {
        struct cand *c = rk[i].c;
        struct wf_logs_block *b = &r.blocks[i];
        b->start_line = c->start;
        b->end_line = c->end;
        b->score = floor(rk[i].score * 1000 + 0.5) / 1000;
        b->kind = rk[i].kind;
        b->n_hits = c->n_hits;
        b->n_new = c->n_new;
        b->text = wf_arena_strndup(&r.arena, c->text.p ? c->text.p : "", c->text.len);
        b->text_len = c->text.len;
        b->text_truncated = c->text_truncated;
        b->key_line = wf_arena_strndup(&r.arena, c->key ? c->key : "", c->key ? c->key_len : 0);
        b->key_lineno = c->key ? c->key_lineno : c->start;
        b->step = r.n_steps ? step_of(r.steps, r.n_steps, b->key_lineno) : -1;
        if (!b->text || !b->key_line)
            goto fail;
    }
    r.n_blocks = keep;
    *out = r;
    return WF_OK;
fail:
    wf_arena_cleanup(&r.arena);
    return rc;
}

void wf_logs_result_cleanup(struct wf_logs_result *r)
{
    if (!r)
        return;
    wf_arena_cleanup(&r->arena);
    memset(r, 0, sizeof(*r));
}

int wf_logs_analyze_buffer(const char *log, size_t len, const char *pass, size_t pass_len,
                           const struct wf_logs_opts *opts, struct wf_logs_result *out)
{
    struct wf_logs_opts o = opts ? *opts : (struct wf_logs_opts){0};
    struct wf_hset set;
    struct wf_logs_reader *rd = NULL;
    struct wf_logs_analyzer *a = NULL;
    struct wf_logs_redacting *red = NULL;
    struct wf_logs_pass_ctx pc;
    wf_hset_init(&set, WF_LIMIT_PASS_LINES);
    wf_buf_init(&pc.scratch, LINE_KEEP * 4);
    pc.set = &set;
    int rc = wf_logs_reader_new(&rd);
    if (rc)
        goto out;
    if (pass) {
        rc = wf_logs_redacting_new(o.redact, wf_logs_pass_line, &pc, &red);
        if (!rc)
            rc = wf_logs_reader_feed(rd, pass, pass_len, wf_logs_redacting_line, red);
        if (!rc)
            rc = wf_logs_reader_finish(rd, wf_logs_redacting_line, red);
        wf_logs_redacting_free(red);
        red = NULL;
        if (rc)
            goto out;
        o.pass_lines = &set;
        wf_logs_reader_free(rd);
        rd = NULL;
        rc = wf_logs_reader_new(&rd);
        if (rc)
            goto out;
    }
    rc = wf_logs_analyzer_new(&o, &a);
    if (!rc)
        rc = wf_logs_redacting_new(o.redact, wf_logs_analyzer_line, a, &red);
    if (rc)
        goto out;
    rc = wf_logs_reader_feed(rd, log, len, wf_logs_redacting_line, red);
    if (!rc)
        rc = wf_logs_reader_finish(rd, wf_logs_redacting_line, red);
    if (!rc)
        rc = wf_logs_analyzer_finish(a, out);
    if (!rc)
        out->n_bytes = wf_logs_reader_bytes(rd); /* exact, line ends included */
out:
    wf_logs_redacting_free(red);
    wf_logs_analyzer_free(a);
    wf_logs_reader_free(rd);
    wf_buf_cleanup(&pc.scratch);
    wf_hset_cleanup(&set);
    return rc;
}
