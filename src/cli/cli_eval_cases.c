/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai eval lines DIR...` and `workflowai eval category DIR...`:
 * score the triage pipeline on labelled case folders. Line extraction:
 * precision, recall and F1 of the set of lines in the excerpt against the
 * labelled lines (cidiff `E` ranges, logdx evidence spans), per case and
 * averaged over cases. Category: accuracy and macro-F1 of the predicted
 * category against logdx's root_cause.category. A DIR is a case folder or
 * a folder of case folders (searched two levels deep).
 */
#include "cli_int.h"

#include "triage/triage.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CASES 4096u
#define LOG_MAX_BYTES (1024u * 1024 * 1024)

enum layout { LAYOUT_NONE, LAYOUT_CIDIFF, LAYOUT_LOGDX };

struct span {
    size_t a, b;
};

struct spans {
    struct span *v;
    size_t n, cap;
};

static int spans_add(struct spans *s, size_t a, size_t b)
{
    if (a == 0 || b < a)
        return WF_EFORMAT;
    int rc = wf_grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v), 1u << 20);
    if (rc)
        return rc;
    s->v[s->n].a = a;
    s->v[s->n].b = b;
    s->n++;
    return WF_OK;
}

static int exists(const char *dir, const char *name)
{
    char p[WF_LIMIT_PATH_BYTES];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static enum layout layout_of(const char *dir)
{
    if (exists(dir, "fail.log") && exists(dir, "groundtruth"))
        return LAYOUT_CIDIFF;
    if (exists(dir, "raw.log") && exists(dir, "ground_truth.json"))
        return LAYOUT_LOGDX;
    return LAYOUT_NONE;
}

struct cases {
    char *dir[MAX_CASES];
    size_t n;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(struct cases *c, const char *dir, int depth)
{
    if (layout_of(dir) != LAYOUT_NONE) {
        if (c->n < MAX_CASES)
            if ((c->dir[c->n] = wf_strndup(dir, strlen(dir))) != NULL)
                c->n++;
        return;
    }
    if (depth == 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    char *names[MAX_CASES];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_CASES) {
        if (e->d_name[0] == '.')
            continue;
        if ((names[n] = wf_strndup(e->d_name, strlen(e->d_name))) != NULL)
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        char p[WF_LIMIT_PATH_BYTES];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            collect(c, p, depth - 1);
        wf_free(names[i]);
    }
}

/* cidiff: first line is the log flavour, then "E a-b" / "E n" / "C ...". */
static int parse_groundtruth(const char *text, struct spans *out)
{
    const char *p = strchr(text, '\n');
    while (p && *p) {
        p++;
        const char *e = strchr(p, '\n');
        size_t L = e ? (size_t)(e - p) : strlen(p);
        if (L > 2 && p[0] == 'E' && p[1] == ' ') {
            char line[64];
            if (L >= sizeof(line))
                return WF_EFORMAT;
            memcpy(line, p + 2, L - 2);
            line[L - 2] = '\0';
            char *dash = strchr(line, '-');
            long a, b;
            if (dash)
                *dash = '\0';
            size_t ll = strlen(line);
            while (ll && (line[ll - 1] == '\r' || line[ll - 1] == ' '))
                line[--ll] = '\0';
            if (wf_parse_long(line, 1, 1L << 40, &a))
                return WF_EFORMAT;
            b = a;
            if (dash) {
                char *q = dash + 1;
                size_t ql = strlen(q);
                while (ql && (q[ql - 1] == '\r' || q[ql - 1] == ' '))
                    q[--ql] = '\0';
                if (wf_parse_long(q, 1, 1L << 40, &b))
                    return WF_EFORMAT;
            }
            int rc = spans_add(out, (size_t)a, (size_t)b);
            if (rc)
                return rc;
        }
        p = e;
    }
    return WF_OK;
}

static int parse_logdx(const char *text, size_t len, struct spans *out, char *cat, size_t cat_sz)
{
    json_error_t err;
    json_t *root = json_loadb(text, len, 0, &err);
    if (!root)
        return WF_EFORMAT;
    int rc = WF_OK;
    json_t *spans = json_object_get(root, "evidence_spans");
    size_t i;
    json_t *v;
    if (out && json_is_array(spans)) {
        json_array_foreach(spans, i, v)
        {
            json_t *a = json_object_get(v, "start_line"), *b = json_object_get(v, "end_line");
            if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 1 ||
                json_integer_value(b) < json_integer_value(a)) {
                rc = WF_EFORMAT;
                break;
            }
            rc = spans_add(out, (size_t)json_integer_value(a), (size_t)json_integer_value(b));
            if (rc)
                break;
        }
    }
    if (cat) {
        json_t *c = json_object_get(json_object_get(root, "root_cause"), "category");
        if (json_is_string(c))
            snprintf(cat, cat_sz, "%s", json_string_value(c));
        else
            rc = rc ? rc : WF_EFORMAT;
    }
    json_decref(root);
    return rc;
}

static int by_start(const void *x, const void *y)
{
    const struct span *a = x, *b = y;
    return a->a < b->a ? -1 : a->a > b->a;
}

/* Lines covered by a set of spans, after merging overlaps. */
static size_t covered(struct spans *s)
{
    if (!s->n)
        return 0;
    qsort(s->v, s->n, sizeof(*s->v), by_start);
    size_t out = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (out && s->v[i].a <= s->v[out - 1].b + 1) {
            if (s->v[i].b > s->v[out - 1].b)
                s->v[out - 1].b = s->v[i].b;
        } else {
            s->v[out++] = s->v[i];
        }
    }
    s->n = out;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->v[i].b - s->v[i].a + 1;
    return n;
}

static size_t overlap(const struct spans *x, const struct spans *y)
{
    size_t n = 0;
    for (size_t i = 0; i < x->n; i++)
        for (size_t j = 0; j < y->n; j++) {
            size_t a = x->v[i].a > y->v[j].a ? x->v[i].a : y->v[j].a;
            size_t b = x->v[i].b < y->v[j].b ? x->v[i].b : y->v[j].b;
            if (a <= b)
                n += b - a + 1;
        }
    return n;
}

struct run_opts {
    int use_pass;
    int json;
    const struct wf_ml_model *model;
};

static int triage_case(const char *dir, enum layout lay, const struct run_opts *o,
                       struct wf_triage_result *res)
{
    char p[WF_LIMIT_PATH_BYTES], *log = NULL, *pass = NULL;
    size_t len = 0, pass_len = 0;
    snprintf(p, sizeof(p), "%s/%s", dir, lay == LAYOUT_CIDIFF ? "fail.log" : "raw.log");
    int rc = wf_read_file(p, LOG_MAX_BYTES, &log, &len);
    if (!rc && lay == LAYOUT_CIDIFF && o->use_pass && exists(dir, "pass.log")) {
        snprintf(p, sizeof(p), "%s/pass.log", dir);
        rc = wf_read_file(p, LOG_MAX_BYTES, &pass, &pass_len);
    }
    if (!rc) {
        struct wf_triage_opts to = {o->model, 0, NULL, NULL, NULL};
        rc = wf_triage_buffer(&to, log, len, pass, pass_len, res);
    }
    wf_free(log);
    wf_free(pass);
    return rc;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int parse_common(int argc, char **argv, const char *what, struct run_opts *o,
                        struct cases *cs, struct wf_ml_model **model, int lines)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--no-pass") == 0 && lines) {
            o->use_pass = 0;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--model") == 0) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "--model needs a file");
            char *text;
            size_t len;
            int rc = wf_read_file(argv[++i], WF_LIMIT_MODEL_BYTES, &text, &len);
            if (!rc) {
                rc = wf_ml_load(text, len, model);
                wf_free(text);
            }
            if (rc)
                return wf_cli__fail(WF_CLI_EXIT_FAIL, what, "model '%s': %s", argv[i],
                                    wf_strerror(rc));
            o->model = *model;
        } else if (a[0] == '-') {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "unknown option '%s'", a);
        } else {
            size_t before = cs->n;
            collect(cs, a, 2);
            if (cs->n == before)
                return wf_cli__fail(WF_CLI_EXIT_FAIL, what, "no labelled cases under '%s'", a);
        }
    }
    if (cs->n == 0)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, what, "no case folders given");
    return -1;
}

int wf_cli__eval_lines(int argc, char **argv)
{
    struct run_opts o = {1, 0, NULL};
    struct cases cs = {{0}, 0};
    struct wf_ml_model *model = NULL;
    if (argc > 1 && wf_cli__is_help(argv[1])) {
        printf("usage: workflowai eval lines DIR... [--no-pass] [--json] [--model FILE]\n\n"
               "Scores failure-line extraction. Each DIR is a case folder or holds case\n"
               "folders: cidiff layout (fail.log, pass.log, groundtruth with 'E a-b' lines)\n"
               "or logdx layout (raw.log, ground_truth.json with evidence_spans). Prints\n"
               "precision, recall and F1 of the excerpt's lines per case and their mean.\n\n"
               "  --no-pass   ignore pass.log (extraction from the failed log alone)\n"
               "  --json      one JSON object instead of the table\n");
        return WF_CLI_EXIT_OK;
    }
    int code = parse_common(argc, argv, "eval lines", &o, &cs, &model, 1);
    if (code >= 0)
        goto out;
    code = WF_CLI_EXIT_OK;
    double sp = 0, sr = 0, sf = 0;
    if (o.json)
        printf("{\"cases\":[");
    for (size_t i = 0; i < cs.n; i++) {
        enum layout lay = layout_of(cs.dir[i]);
        struct spans truth = {0}, pred = {0};
        char p[WF_LIMIT_PATH_BYTES], *gt = NULL;
        size_t gt_len;
        struct wf_triage_result res;
        snprintf(p, sizeof(p), "%s/%s", cs.dir[i],
                 lay == LAYOUT_CIDIFF ? "groundtruth" : "ground_truth.json");
        int rc = wf_read_file(p, WF_LIMIT_JSON_BYTES, &gt, &gt_len);
        if (!rc)
            rc = lay == LAYOUT_CIDIFF ? parse_groundtruth(gt, &truth)
                                      : parse_logdx(gt, gt_len, &truth, NULL, 0);
        wf_free(gt);
        if (!rc)
            rc = triage_case(cs.dir[i], lay, &o, &res);
        if (rc) {
            wf_cli__fail(1, "eval lines", "%s: %s", cs.dir[i], wf_strerror(rc));
            wf_free(truth.v);
            code = WF_CLI_EXIT_FAIL;
            goto out;
        }
        for (size_t k = 0; k < res.n_excerpt && !rc; k++)
            rc = spans_add(&pred, res.excerpt[k].start_line, res.excerpt[k].end_line);
        size_t nt = covered(&truth), np = covered(&pred), tp = overlap(&truth, &pred);
        double P = np ? (double)tp / (double)np : 0, R = nt ? (double)tp / (double)nt : 0;
        double F = P + R > 0 ? 2 * P * R / (P + R) : 0;
        sp += P, sr += R, sf += F;
        if (o.json)
            printf("%s{\"case\":\"%s\",\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f,"
                   "\"truth_lines\":%zu,\"predicted_lines\":%zu}",
                   i ? "," : "", base(cs.dir[i]), P, R, F, nt, np);
        else
            printf("%-32s P %.3f  R %.3f  F1 %.3f  (truth %zu lines, predicted %zu)\n",
                   base(cs.dir[i]), P, R, F, nt, np);
        wf_triage_result_cleanup(&res);
        wf_free(truth.v);
        wf_free(pred.v);
    }
    double n = (double)cs.n;
    if (o.json)
        printf("],\"mean\":{\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f},\"n\":%zu,"
               "\"passing_log\":%s}\n",
               sp / n, sr / n, sf / n, cs.n, o.use_pass ? "true" : "false");
    else
        printf("mean over %zu cases%s: P %.3f  R %.3f  F1 %.3f\n", cs.n,
               o.use_pass ? " (with passing logs where present)" : " (failed log only)", sp / n,
               sr / n, sf / n);
out:
    for (size_t i = 0; i < cs.n; i++)
        wf_free(cs.dir[i]);
    wf_ml_model_free(model);
    return code;
}

int wf_cli__eval_category(int argc, char **argv)
{
    struct run_opts o = {0, 0, NULL};
    struct cases cs = {{0}, 0};
    struct wf_ml_model *model = NULL;
    struct wf_ml_confusion conf;
    if (argc > 1 && wf_cli__is_help(argv[1])) {
        printf("usage: workflowai eval category DIR... [--json] [--model FILE]\n\n"
               "Scores the failure classifier on logdx case folders (raw.log and\n"
               "ground_truth.json with root_cause.category; LogDx's test_assertion and\n"
               "snapshot_diff count as test_failure, github_actions_config as ci_config).\n"
               "Prints each case's truth and prediction, accuracy and macro-F1.\n");
        return WF_CLI_EXIT_OK;
    }
    int code = parse_common(argc, argv, "eval category", &o, &cs, &model, 0);
    if (code >= 0)
        goto out;
    code = WF_CLI_EXIT_OK;
    wf_ml_confusion_init(&conf, WF_TRIAGE__N_CATEGORIES);
    if (o.json)
        printf("{\"cases\":[");
    size_t scored = 0;
    for (size_t i = 0; i < cs.n; i++) {
        if (layout_of(cs.dir[i]) != LAYOUT_LOGDX)
            continue;
        char p[WF_LIMIT_PATH_BYTES], *gt = NULL, cat[64] = "";
        size_t gt_len;
        struct wf_triage_result res;
        snprintf(p, sizeof(p), "%s/ground_truth.json", cs.dir[i]);
        int rc = wf_read_file(p, WF_LIMIT_JSON_BYTES, &gt, &gt_len);
        if (!rc)
            rc = parse_logdx(gt, gt_len, NULL, cat, sizeof(cat));
        wf_free(gt);
        int truth = rc ? -1 : wf_triage_category_parse(cat);
        if (!rc && truth < 0)
            rc = WF_EFORMAT;
        if (!rc)
            rc = triage_case(cs.dir[i], LAYOUT_LOGDX, &o, &res);
        if (rc) {
            wf_cli__fail(1, "eval category", "%s: %s", cs.dir[i], wf_strerror(rc));
            code = WF_CLI_EXIT_FAIL;
            goto out;
        }
        wf_ml_confusion_add(&conf, truth, (int)res.category);
        const char *t = wf_triage_category_name((enum wf_triage_category)truth);
        const char *pr = wf_triage_category_name(res.category);
        if (o.json)
            printf("%s{\"case\":\"%s\",\"truth\":\"%s\",\"predicted\":\"%s\",\"confidence\":%.3f}",
                   scored ? "," : "", base(cs.dir[i]), t, pr, res.confidence);
        else
            printf("%-32s truth %-22s predicted %-22s %.2f %s\n", base(cs.dir[i]), t, pr,
                   res.confidence, truth == (int)res.category ? "ok" : "MISS");
        scored++;
        wf_triage_result_cleanup(&res);
    }
    if (!scored) {
        code = wf_cli__fail(WF_CLI_EXIT_FAIL, "eval category", "no logdx cases found");
        goto out;
    }
    if (o.json)
        printf("],\"accuracy\":%.4f,\"macro_f1\":%.4f,\"n\":%zu}\n", wf_ml_accuracy(&conf),
               wf_ml_macro_f1(&conf), scored);
    else
        printf("accuracy %.3f  macro-F1 %.3f over %zu cases\n", wf_ml_accuracy(&conf),
               wf_ml_macro_f1(&conf), scored);
out:
    for (size_t i = 0; i < cs.n; i++)
        wf_free(cs.dir[i]);
    wf_ml_model_free(model);
    return code;
}
