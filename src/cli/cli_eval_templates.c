/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai eval templates DIR... [--json]`: grouping accuracy of the
 * template miner on Loghub-2k folders. Each folder holds a
 * `<Sys>_2k.log_structured.csv` whose Content column is fed, in order, to
 * one fresh miner with default parameters, and whose EventId column is the
 * truth. A line counts as correct when the set of lines mined into its
 * cluster equals the set of lines sharing its EventId.
 */
#include "cli_int.h"

#include "logs/logs.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX_BYTES (256u * 1024 * 1024)

static void usage(FILE *f)
{
    fprintf(f, "usage: workflowai eval templates DIR... [--json]\n\n"
               "Mines templates from each Loghub-2k folder (<Sys>_2k.log_structured.csv,\n"
               "columns Content and EventId) with default parameters and prints the\n"
               "grouping accuracy per folder and their mean.\n\n"
               "  --json   print one JSON object instead of a table\n");
}

struct sys_result {
    const char *dir;    /* borrowed from argv */
    struct wf_str name; /* the folder's own name, a view into dir */
    size_t n_lines;
    size_t n_events;    /* distinct EventIds */
    size_t n_templates; /* clusters mined */
    double ga;
};

/* One CSV field (RFC 4180: quotes, doubled quotes, newlines inside quotes),
 * unescaped into `field`. Returns 1 when the record ends after it, 0 when
 * another field follows. *pos moves past the separator. */
static int csv_field(const char *s, size_t len, size_t *pos, struct wf_buf *field, int *rc)
{
    size_t i = *pos;
    wf_buf_reset(field);
    *rc = WF_OK;
    if (i < len && s[i] == '"') {
        i++;
        for (;;) {
            size_t start = i;
            while (i < len && s[i] != '"')
                i++;
            if ((*rc = wf_buf_append(field, s + start, i - start)) != WF_OK)
                return 1;
            if (i >= len)
                break; /* unterminated: take what there is */
            if (i + 1 < len && s[i + 1] == '"') {
                if ((*rc = wf_buf_putc(field, '"')) != WF_OK)
                    return 1;
                i += 2;
                continue;
            }
            i++;
            break;
        }
        while (i < len && s[i] != ',' && s[i] != '\n')
            i++; /* garbage after a closing quote */
    } else {
        size_t start = i;
        while (i < len && s[i] != ',' && s[i] != '\n')
            i++;
        size_t end = i;
        if (end > start && s[end - 1] == '\r')
            end--;
        if ((*rc = wf_buf_append(field, s + start, end - start)) != WF_OK)
            return 1;
    }
    if (i < len && s[i] == ',') {
        *pos = i + 1;
        return 0;
    }
    *pos = i < len ? i + 1 : len;
    return 1;
}

/* The last path component of dir ("a/HDFS/" -> "HDFS"). */
static struct wf_str folder_name(const char *dir)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    const char *base = dir + dl;
    while (base > dir && base[-1] != '/')
        base--;
    return (struct wf_str){base, (size_t)(dir + dl - base)};
}

/* Path of the structured CSV inside dir: <basename>_2k.log_structured.csv,
 * else the first *_structured.csv found. */
static int find_csv(const char *dir, char *path, size_t cap)
{
    struct wf_str base = folder_name(dir);
    size_t dl = (size_t)(base.p - dir) + base.len; /* dir without trailing '/' */
    int n =
        snprintf(path, cap, "%.*s/%.*s_2k.log_structured.csv", (int)dl, dir, (int)base.len, base.p);
    FILE *f = (n > 0 && (size_t)n < cap) ? fopen(path, "rb") : NULL;
    if (f) {
        fclose(f);
        return WF_OK;
    }
    DIR *d = opendir(dir);
    if (!d)
        return WF_ENOENT;
    struct dirent *e;
    int rc = WF_ENOENT;
    while ((e = readdir(d)) != NULL) {
        size_t el = strlen(e->d_name);
        const char *suf = "_structured.csv";
        if (el > strlen(suf) && strcmp(e->d_name + el - strlen(suf), suf) == 0) {
            n = snprintf(path, cap, "%.*s/%s", (int)dl, dir, e->d_name);
            if (n > 0 && (size_t)n < cap)
                rc = WF_OK;
            break;
        }
    }
    closedir(d);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Grouping accuracy from predicted cluster ids and truth event strings. */
static int score(const uint32_t *pred, size_t n_pred_ids, char **events, size_t n, double *ga,
                 size_t *n_events)
{
    char **sorted = wf_malloc((n ? n : 1) * sizeof(*sorted));
    uint32_t *truth = wf_malloc((n ? n : 1) * sizeof(*truth));
    size_t *truth_count = wf_calloc(n ? n : 1, sizeof(*truth_count));
    size_t *cl_size = wf_calloc(n_pred_ids ? n_pred_ids : 1, sizeof(*cl_size));
    uint32_t *cl_truth = wf_malloc((n_pred_ids ? n_pred_ids : 1) * sizeof(*cl_truth));
    unsigned char *cl_mixed = wf_calloc(n_pred_ids ? n_pred_ids : 1, 1);
    int rc = WF_ENOMEM;
    if (!sorted || !truth || !truth_count || !cl_size || !cl_truth || !cl_mixed)
        goto out;
    memcpy(sorted, events, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_str);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
            sorted[distinct++] = sorted[i];
    for (size_t i = 0; i < n; i++) {
        char **hit = bsearch(&events[i], sorted, distinct, sizeof(*sorted), cmp_str);
        truth[i] = (uint32_t)(hit - sorted);
        truth_count[truth[i]]++;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t c = pred[i];
        if (cl_size[c]++ == 0)
            cl_truth[c] = truth[i];
        else if (cl_truth[c] != truth[i])
            cl_mixed[c] = 1;
    }
    size_t correct = 0;
    for (size_t c = 0; c < n_pred_ids; c++)
        if (cl_size[c] && !cl_mixed[c] && cl_size[c] == truth_count[cl_truth[c]])
            correct += cl_size[c];
    *ga = n ? (double)correct / (double)n : 0.0;
    *n_events = distinct;
    rc = WF_OK;
out:
    wf_free(sorted);
    wf_free(truth);
    wf_free(truth_count);
    wf_free(cl_size);
    wf_free(cl_truth);
    wf_free(cl_mixed);
    return rc;
}

static int eval_dir(const char *dir, struct sys_result *res)
{
    char path[WF_LIMIT_PATH_BYTES];
    char *csv = NULL;
    size_t len = 0, pos = 0, n = 0, cap = 0, ecap = 0;
    uint32_t *pred = NULL;
    char **events = NULL;
    struct wf_logs_miner *m = NULL;
    struct wf_buf field;
    long col_content = -1, col_event = -1;
    wf_buf_init(&field, WF_LIMIT_LINE_BYTES * 4);

    int rc = find_csv(dir, path, sizeof(path));
    if (rc) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "eval templates", "%s: no *_structured.csv found", dir);
        goto out;
    }
    if ((rc = wf_read_file(path, CSV_MAX_BYTES, &csv, &len)) != WF_OK) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "eval templates", "%s: %s", path, wf_strerror(rc));
        goto out;
    }
    for (long col = 0;; col++) {
        int end = csv_field(csv, len, &pos, &field, &rc);
        if (rc)
            goto fail_rc;
        if (field.len && strcmp(field.p, "Content") == 0)
            col_content = col;
        if (field.len && strcmp(field.p, "EventId") == 0)
            col_event = col;
        if (end)
            break;
    }
    if (col_content < 0 || col_event < 0) {
        rc = WF_EFORMAT;
        wf_cli__fail(WF_CLI_EXIT_FAIL, "eval templates", "%s: no Content or EventId column", path);
        goto out;
    }
    if ((rc = wf_logs_miner_new(NULL, &m)) != WF_OK)
        goto fail_rc;
    while (pos < len) {
        uint32_t id = UINT32_MAX;
        char *event = NULL;
        int have_content = 0;
        for (long col = 0;; col++) {
            int end = csv_field(csv, len, &pos, &field, &rc);
            if (rc)
                goto fail_rc;
            if (col == col_content) {
                rc = wf_logs_miner_add(m, field.p ? field.p : "", field.len, &id);
                if (rc)
                    goto fail_rc;
                have_content = 1;
            } else if (col == col_event) {
                event = wf_strndup(field.p ? field.p : "", field.len);
                if (!event) {
                    rc = WF_ENOMEM;
                    goto fail_rc;
                }
            }
            if (end)
                break;
        }
        if (!have_content || !event) {
            wf_free(event);
            if (!have_content && !event)
                continue; /* blank line */
            rc = WF_EFORMAT;
            wf_cli__fail(WF_CLI_EXIT_FAIL, "eval templates", "%s: record %zu has too few fields",
                         path, n + 1);
            goto out;
        }
        if ((rc = wf_grow((void **)&pred, &cap, n + 1, sizeof(*pred), SIZE_MAX / 8)) != WF_OK ||
            (rc = wf_grow((void **)&events, &ecap, n + 1, sizeof(*events), SIZE_MAX / 8)) !=
                WF_OK) {
            wf_free(event);
            goto fail_rc;
        }
        pred[n] = id;
        events[n++] = event;
    }
    if (n == 0) {
        rc = WF_EEMPTY;
        wf_cli__fail(WF_CLI_EXIT_FAIL, "eval templates", "%s: no log lines", path);
        goto out;
    }
    res->n_lines = n;
    res->n_templates = wf_logs_miner_count(m);
    if ((rc = score(pred, res->n_templates, events, n, &res->ga, &res->n_events)) != WF_OK)
        goto fail_rc;
    goto out;
fail_rc:
    wf_cli__fail(WF_CLI_EXIT_FAIL, "eval templates", "%s: %s", path, wf_strerror(rc));
out:
    for (size_t i = 0; i < n; i++)
        wf_free(events[i]);
    wf_free(events);
    wf_free(pred);
    wf_logs_miner_free(m);
    wf_buf_cleanup(&field);
    wf_free(csv);
    return rc;
}

int wf_cli__eval_templates(int argc, char **argv)
{
    int json = 0, n_dirs = 0, rc = WF_CLI_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (wf_cli__is_help(argv[i])) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval templates", "unknown option '%s'",
                                argv[i]);
        else
            n_dirs++;
    }
    if (n_dirs == 0)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "eval templates", "no DIR given");

    struct sys_result *res = wf_calloc((size_t)n_dirs, sizeof(*res));
    if (!res)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "eval templates", "%s", wf_strerror(WF_ENOMEM));
    int k = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            continue;
        res[k].dir = argv[i];
        res[k].name = folder_name(argv[i]);
        if (eval_dir(argv[i], &res[k]) != WF_OK) {
            rc = WF_CLI_EXIT_FAIL;
            goto out;
        }
        k++;
    }
    double sum = 0.0;
    for (int i = 0; i < n_dirs; i++)
        sum += res[i].ga;
    if (json) {
        struct wf_buf b;
        wf_buf_init(&b, WF_LIMIT_JSON_BYTES);
        int brc = wf_buf_puts(&b, "{\"systems\":[");
        for (int i = 0; i < n_dirs && brc == WF_OK; i++) {
            brc = wf_buf_appendf(&b, "%s{\"system\":\"", i ? "," : "");
            if (brc == WF_OK)
                brc = wf_buf_json_escape(&b, res[i].name.p, res[i].name.len);
            if (brc == WF_OK)
                brc = wf_buf_puts(&b, "\",\"dir\":\"");
            if (brc == WF_OK)
                brc = wf_buf_json_escape(&b, res[i].dir, strlen(res[i].dir));
            if (brc == WF_OK)
                brc =
                    wf_buf_appendf(&b,
                                   "\",\"lines\":%zu,\"events\":%zu,\"templates\":%zu,"
                                   "\"grouping_accuracy\":%.4f}",
                                   res[i].n_lines, res[i].n_events, res[i].n_templates, res[i].ga);
        }
        if (brc == WF_OK)
            brc = wf_buf_appendf(&b, "],\"mean_grouping_accuracy\":%.4f}\n", sum / n_dirs);
        if (brc == WF_OK)
            fputs(b.p, stdout);
        else
            rc = wf_cli__fail(WF_CLI_EXIT_FAIL, "eval templates", "%s", wf_strerror(brc));
        wf_buf_cleanup(&b);
    } else {
        printf("%-12s %7s %7s %9s %8s\n", "system", "lines", "events", "templates", "GA");
        for (int i = 0; i < n_dirs; i++)
            printf("%-12.*s %7zu %7zu %9zu %8.4f\n", (int)res[i].name.len, res[i].name.p,
                   res[i].n_lines, res[i].n_events, res[i].n_templates, res[i].ga);
        printf("%-12s %7s %7s %9s %8.4f\n", "mean", "", "", "", sum / n_dirs);
    }
out:
    wf_free(res);
    return rc;
}
