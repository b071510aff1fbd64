/* SPDX-License-Identifier: Apache-2.0 */
/*
 * References for a triage report, from a tenant's knowledge base and its
 * past failures: runbook passages that match the failure's key lines
 * (hybrid search, kept only above a score floor), the failures seen
 * before with the same signature (count, first and last seen, and how
 * they were resolved when a resolution is recorded), and failures of the
 * same category whose key line shares most of its words with this one.
 * A wf_triage_refs_fn, so the triage pipeline stays free of store calls.
 */
#include "kb/kb.h"

#include <ctype.h>
#include <string.h>

#include "text/text.h"

#define MAX_WORDS 128

/* The set of lowercased words (masked: numbers, ids and paths are one
 * placeholder) of a key line, as 64-bit hashes. */
static size_t word_set(const char *s, uint64_t *out)
{
    struct wf_buf m;
    wf_buf_init(&m, 8192);
    size_t n = 0;
    if (wf_text_mask(s, strnlen(s, 4096), &m) != WF_OK || !m.p) {
        wf_buf_cleanup(&m);
        return 0;
    }
    const char *p = m.p;
    while (*p && n < MAX_WORDS) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *b = p;
        while (*p && (isalnum((unsigned char)*p) || *p == '_'))
            p++;
        size_t len = (size_t)(p - b);
        if (len < 2)
            continue;
        char w[64];
        if (len >= sizeof(w))
            len = sizeof(w) - 1;
        for (size_t i = 0; i < len; i++)
            w[i] = (char)tolower((unsigned char)b[i]);
        uint64_t h = wf_hash64(w, len, 0);
        size_t k = 0;
        while (k < n && out[k] != h)
            k++;
        if (k == n)
            out[n++] = h;
    }
    wf_buf_cleanup(&m);
    return n;
}

double wf_kb_overlap(const char *a, const char *b)
{
    uint64_t wa[MAX_WORDS], wb[MAX_WORDS];
    size_t na = word_set(a, wa), nb = word_set(b, wb);
    if (!na || !nb)
        return 0;
    size_t common = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t k = 0; k < nb; k++)
            if (wa[i] == wb[k]) {
                common++;
                break;
            }
    return (double)common / (double)(na + nb - common);
}

/* "resolution" of a signature item when the store records one: a string,
 * or an object with a "note" (and maybe a "fix_commit"). */
static const char *resolution_of(json_t *item, char *buf, size_t cap)
{
    json_t *r = json_object_get(item, "resolution");
    if (json_is_string(r))
        return json_string_value(r);
    if (json_is_object(r) && json_is_string(json_object_get(r, "note"))) {
        json_t *fc = json_object_get(r, "fix_commit");
        snprintf(buf, cap, "%s%s%s", json_string_value(json_object_get(r, "note")),
                 json_is_string(fc) ? " (fix " : "",
                 json_is_string(fc) ? json_string_value(fc) : "");
        if (json_is_string(fc))
            snprintf(buf + strlen(buf), cap - strlen(buf), ")");
        return buf;
    }
    return NULL;
}

/* Adds a failure reference for signature sig (the store's counters). */
static int add_failure(struct wf_kb_refs *x, struct wf_triage_result *r, const char *kind,
                       const char *sig, double score)
{
    struct wf_store_filter f;
    memset(&f, 0, sizeof(f));
    f.signature = sig;
    f.limit = 1;
    json_t *j = NULL;
    int rc = wf_store_signature_list(x->store, x->tenant, &f, &j);
    if (rc)
        return rc;
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    if (it && json_integer_value(json_object_get(it, "count")) > 0) {
        char buf[1024];
        struct wf_triage_ref ref;
        memset(&ref, 0, sizeof(ref));
        ref.kind = kind;
        ref.title = json_string_value(json_object_get(it, "title"));
        if (!ref.title)
            ref.title = "";
        ref.signature = sig;
        ref.category = json_string_value(json_object_get(it, "category"));
        ref.count = json_integer_value(json_object_get(it, "count"));
        ref.first_seen_ms = json_integer_value(json_object_get(it, "first_seen_ms"));
        ref.last_seen_ms = json_integer_value(json_object_get(it, "last_seen_ms"));
        ref.resolution = resolution_of(it, buf, sizeof(buf));
        ref.score = score;
        rc = wf_triage_add_ref(r, &ref);
    }
    json_decref(j);
    return rc;
}

static int add_runbooks(struct wf_kb_refs *x, struct wf_triage_result *r)
{
    struct wf_buf q;
    wf_buf_init(&q, WF_KB_MAX_QUERY_BYTES + 1);
    int rc = wf_triage_key_lines(r, 2000, &q);
    if (rc || !q.len) {
        wf_buf_cleanup(&q);
        return rc;
    }
    struct wf_kb_query kq = {q.p, WF_SEARCH_HYBRID, WF_FUSION_RRF, 2 * WF_KB_REF_RUNBOOKS};
    struct wf_search_hit *h = NULL;
    size_t n = 0, added = 0;
    rc = wf_kb_search(x->kb, x->tenant, &kq, &h, &n, NULL);
    for (size_t i = 0; !rc && i < n && added < WF_KB_REF_RUNBOOKS; i++) {
        /* the floor: a word in common and a vector close enough */
        if (h[i].keyword_score <= 0 || h[i].vector_score < WF_KB_REF_MIN_COSINE)
            continue;
        char cid[48];
        snprintf(cid, sizeof(cid), "%lld:%u", (long long)h[i].doc_id, h[i].seq);
        struct wf_triage_ref ref;
        memset(&ref, 0, sizeof(ref));
        ref.kind = "runbook";
        ref.title = h[i].doc_name;
        ref.heading = h[i].heading;
        ref.chunk_id = cid;
        ref.document_id = h[i].doc_id;
        ref.line_start = h[i].line_start;
        ref.line_end = h[i].line_end;
        ref.text = h[i].text;
        ref.score = h[i].score;
        rc = wf_triage_add_ref(r, &ref);
        added++;
    }
    wf_search_hits_free(h, n);
    wf_buf_cleanup(&q);
    return rc;
}

static int add_similar(struct wf_kb_refs *x, struct wf_triage_result *r)
{
    if (!r->n_excerpt || !r->excerpt[0].text)
        return WF_OK;
    char title[512];
    size_t tl = strcspn(r->excerpt[0].text, "\n");
    if (tl >= sizeof(title))
        tl = sizeof(title) - 1;
    memcpy(title, r->excerpt[0].text, tl);
    title[tl] = '\0';
    struct wf_store_filter f;
    memset(&f, 0, sizeof(f));
    f.category = wf_triage_category_name(r->category);
    f.limit = WF_KB_REF_SIMILAR_SCAN;
    json_t *j = NULL;
    int rc = wf_store_failure_list(x->store, x->tenant, &f, &j);
    if (rc)
        return rc;
    struct {
        const char *sig;
        double score;
    } best[WF_KB_REF_SIMILAR];
    size_t nb = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        const char *sig = json_string_value(json_object_get(it, "signature"));
        const char *t = json_string_value(json_object_get(it, "title"));
        if (!sig || !t || strcmp(sig, r->signature) == 0)
            continue;
        int seen = 0;
        for (size_t k = 0; k < nb; k++)
            seen |= strcmp(best[k].sig, sig) == 0;
        if (seen)
            continue;
        double s = wf_kb_overlap(title, t);
        if (s < WF_KB_REF_MIN_OVERLAP)
            continue;
        size_t at = nb < WF_KB_REF_SIMILAR ? nb++ : WF_KB_REF_SIMILAR;
        if (at == WF_KB_REF_SIMILAR) {
            size_t worst = 0;
            for (size_t k = 1; k < nb; k++)
                if (best[k].score < best[worst].score)
                    worst = k;
            if (best[worst].score >= s)
                continue;
            at = worst;
        }
        best[at].sig = sig;
        best[at].score = s;
    }
    for (size_t k = 0; !rc && k < nb; k++)
        rc = add_failure(x, r, "similar_failure", best[k].sig, best[k].score);
    json_decref(j);
    return rc;
}

int wf_kb_triage_refs(void *ud, struct wf_triage_result *r)
{
    struct wf_kb_refs *x = ud;
    int rc = WF_OK, rc2;
    if (x->kb)
        rc = add_runbooks(x, r);
    if (x->store) {
        rc2 = add_failure(x, r, "same_signature", r->signature, 1.0);
        rc = rc ? rc : rc2;
        rc2 = add_similar(x, r);
        rc = rc ? rc : rc2;
    }
    return rc;
}
