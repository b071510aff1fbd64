/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Category labels from several people: each labeler's latest label per
 * failure, the resolved label training uses (majority, ties to the most
 * recent), and Cohen's kappa between each pair of labelers over the
 * failures both labelled.
 */
#include <stdlib.h>
#include <string.h>

#include "learn/learn.h"
#include "triage/triage.h"

/* One labeler's latest label of one failure. */
struct lab {
    int64_t failure_id;
    int by;    /* index into the labeler names */
    int label; /* category */
    int64_t at_ms;
    int64_t id; /* label row id: the newest wins for one labeler */
};

struct labels {
    struct lab *v;
    size_t n, cap;
    char **by; /* labeler names */
    size_t n_by, cap_by;
};

static void labels_free(struct labels *l)
{
    for (size_t i = 0; i < l->n_by; i++)
        wf_free(l->by[i]);
    wf_free(l->by);
    wf_free(l->v);
}

static int by_index(struct labels *l, const char *name)
{
    for (size_t i = 0; i < l->n_by; i++)
        if (strcmp(l->by[i], name) == 0)
            return (int)i;
    if (l->n_by == l->cap_by) {
        size_t cap = l->cap_by ? l->cap_by * 2 : 16;
        char **p = wf_realloc(l->by, cap * sizeof *p);
        if (!p)
            return -1;
        l->by = p;
        l->cap_by = cap;
    }
    l->by[l->n_by] = wf_strndup(name, strlen(name));
    return l->by[l->n_by] ? (int)l->n_by++ : -1;
}

static int cmp_lab(const void *x, const void *y)
{
    const struct lab *a = x, *b = y;
    if (a->failure_id != b->failure_id)
        return a->failure_id < b->failure_id ? -1 : 1;
    if (a->by != b->by)
        return a->by < b->by ? -1 : 1;
    return a->id < b->id ? 1 : a->id > b->id ? -1 : 0; /* newest first */
}

/* All category labels, then one per (failure, labeler): the newest. */
static int load(struct wf_store *st, const char *tenant, struct labels *l)
{
    memset(l, 0, sizeof *l);
    struct wf_store_label_filter f = {.kind = "category", .limit = (int)WF_LIMIT_PAGE_ITEMS};
    int rc = WF_OK;
    for (;;) {
        json_t *page = NULL;
        rc = wf_store_label_list(st, tenant, &f, &page);
        if (rc)
            break;
        json_t *items = json_object_get(page, "items"), *it;
        size_t i;
        json_array_foreach(items, i, it)
        {
            int cat = wf_triage_category_parse(json_string_value(json_object_get(it, "value")));
            const char *by = json_string_value(json_object_get(it, "by"));
            if (cat < 0 || !by)
                continue;
            if (l->n >= WF_LEARN_MAX_LABELS) {
                rc = WF_ETOOBIG;
                break;
            }
            int b = by_index(l, by);
            if (b < 0 || wf_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v,
                                 WF_LEARN_MAX_LABELS) != WF_OK) {
                rc = WF_ENOMEM;
                break;
            }
            l->v[l->n++] = (struct lab){json_integer_value(json_object_get(it, "failure_id")), b,
                                        cat, json_integer_value(json_object_get(it, "created_ms")),
                                        json_integer_value(json_object_get(it, "id"))};
        }
        json_t *next = json_object_get(page, "next");
        f.before_id = json_is_integer(next) ? json_integer_value(next) : 0;
        json_decref(page);
        if (rc || !f.before_id)
            break;
    }
    if (rc)
        return rc;
    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, cmp_lab);
    size_t w = 0;
    for (size_t i = 0; i < l->n; i++)
        if (w == 0 || l->v[w - 1].failure_id != l->v[i].failure_id || l->v[w - 1].by != l->v[i].by)
            l->v[w++] = l->v[i];
    l->n = w;
    return WF_OK;
}

int wf_learn_resolved_labels(struct wf_store *st, const char *tenant,
                             struct wf_learn_resolved **out, size_t *n)
{
    struct labels l;
    int rc = load(st, tenant, &l);
    struct wf_learn_resolved *r = NULL;
    size_t nr = 0, cap = 0;
    struct wf_ml_vote votes[256];
    for (size_t i = 0; !rc && i < l.n;) {
        size_t j = i, nv = 0;
        int64_t at = 0;
        int conflict = 0;
        while (j < l.n && l.v[j].failure_id == l.v[i].failure_id) {
            if (nv < sizeof votes / sizeof votes[0])
                votes[nv++] = (struct wf_ml_vote){l.v[j].label, l.v[j].at_ms};
            conflict |= l.v[j].label != l.v[i].label;
            if (l.v[j].at_ms > at)
                at = l.v[j].at_ms;
            j++;
        }
        int cat = wf_ml_resolve_votes(votes, nv, WF_TRIAGE__N_CATEGORIES);
        if (cat >= 0) {
            rc = wf_grow((void **)&r, &cap, nr + 1, sizeof *r, WF_LEARN_MAX_LABELS);
            if (!rc)
                r[nr++] = (struct wf_learn_resolved){l.v[i].failure_id, cat, nv, conflict, at};
        }
        i = j;
    }
    labels_free(&l);
    if (rc) {
        wf_free(r);
        return rc;
    }
    *out = r;
    *n = nr;
    return WF_OK;
}

int wf_learn_agreement(struct wf_store *st, const char *tenant, size_t min_shared, json_t **out)
{
    struct labels l;
    int rc = load(st, tenant, &l);
    if (rc) {
        labels_free(&l);
        return rc;
    }
    json_t *o = json_object(), *labelers = json_array(), *pairs = json_array();
    int *a = wf_calloc(l.n + 1, sizeof *a), *b = wf_calloc(l.n + 1, sizeof *b);
    int *pa = wf_calloc(l.n + 1, sizeof *pa), *pb = wf_calloc(l.n + 1, sizeof *pb);
    size_t n_pool = 0, n_pairs = 0, n_fail = 0, n_conf = 0;
    if (!o || !labelers || !pairs || !a || !b || !pa || !pb) {
        rc = WF_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < l.n_by; k++) {
        size_t cnt = 0;
        for (size_t i = 0; i < l.n; i++)
            cnt += l.v[i].by == (int)k;
        json_array_append_new(labelers,
                              json_pack("{s:s,s:I}", "by", l.by[k], "labels", (json_int_t)cnt));
    }
    for (size_t i = 0; i < l.n;) {
        size_t j = i;
        int conflict = 0;
        while (j < l.n && l.v[j].failure_id == l.v[i].failure_id)
            conflict |= l.v[j++].label != l.v[i].label;
        n_fail++;
        n_conf += conflict;
        i = j;
    }
    /* pairs: v is sorted by failure then labeler, so a pair's shared items are found by
     * walking each failure's group */
    for (size_t x = 0; x < l.n_by; x++) {
        for (size_t y = x + 1; y < l.n_by; y++) {
            size_t n = 0;
            for (size_t i = 0; i < l.n;) {
                size_t j = i;
                int la = -1, lb = -1;
                while (j < l.n && l.v[j].failure_id == l.v[i].failure_id) {
                    if (l.v[j].by == (int)x)
                        la = l.v[j].label;
                    if (l.v[j].by == (int)y)
                        lb = l.v[j].label;
                    j++;
                }
                if (la >= 0 && lb >= 0) {
                    a[n] = la;
                    b[n] = lb;
                    n++;
                }
                i = j;
            }
            if (n < min_shared || n == 0)
                continue;
            double kappa = 0, po = 0;
            wf_ml_cohen_kappa(a, b, n, WF_TRIAGE__N_CATEGORIES, &kappa, &po);
            json_array_append_new(pairs, json_pack("{s:s,s:s,s:I,s:f,s:f}", "a", l.by[x], "b",
                                                   l.by[y], "shared", (json_int_t)n, "observed", po,
                                                   "kappa", kappa));
            /* the pooled items of every reported pair: at most l.n per labeler pair, so
             * grow the pool as needed */
            n_pairs++;
            int *na = wf_realloc(pa, (n_pool + n) * sizeof *pa);
            if (!na) {
                rc = WF_ENOMEM;
                goto out;
            }
            pa = na;
            int *nb = wf_realloc(pb, (n_pool + n) * sizeof *pb);
            if (!nb) {
                rc = WF_ENOMEM;
                goto out;
            }
            pb = nb;
            memcpy(pa + n_pool, a, n * sizeof *a);
            memcpy(pb + n_pool, b, n * sizeof *b);
            n_pool += n;
        }
    }
    json_t *overall;
    if (n_pool) {
        double kappa = 0, po = 0;
        wf_ml_cohen_kappa(pa, pb, n_pool, WF_TRIAGE__N_CATEGORIES, &kappa, &po);
        overall = json_pack("{s:f,s:f,s:I,s:I}", "kappa", kappa, "observed", po, "items",
                            (json_int_t)n_pool, "pairs", (json_int_t)n_pairs);
    } else {
        overall = json_pack("{s:n,s:n,s:i,s:i}", "kappa", "observed", "items", 0, "pairs", 0);
    }
    json_object_set_new(o, "min_shared", json_integer((json_int_t)min_shared));
    json_object_set_new(o, "labelers", labelers);
    json_object_set_new(o, "pairs", pairs);
    json_object_set_new(o, "overall", overall);
    json_object_set_new(o, "failures", json_integer((json_int_t)n_fail));
    json_object_set_new(o, "conflicts", json_integer((json_int_t)n_conf));
    json_object_set_new(o, "rule",
                        json_string("each labeler's latest label counts once; "
                                    "majority wins; a tie goes to the class "
                                    "labelled most recently"));
    labelers = pairs = NULL;
out:
    wf_free(a);
    wf_free(b);
    wf_free(pa);
    wf_free(pb);
    labels_free(&l);
    json_decref(labelers);
    json_decref(pairs);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return WF_OK;
}
