/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai risk`: change risk (just-in-time defect prediction). `eval`
 * and `train` work on per-commit change metrics, read from a CSV or mined
 * from a git repository (`mine` writes them as CSV); `risk --diff FILE`
 * scores one change with the embedded (or a given) model and prints the
 * score, the factors behind it and recommendations, as text or JSON.
 */
#include "cli_int.h"

#include "risk/risk.h"

#include <math.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: workflowai risk --diff FILE [--repo PATH] [--model FILE] [--format text|json]\n"
            "                       [--author EMAIL] [--message TEXT] [--date SECONDS]\n"
            "       workflowai risk eval  (--metrics CSV | --repo PATH)\n"
            "       workflowai risk train (--metrics CSV | --repo PATH) [-o FILE]\n"
            "       workflowai risk mine  --repo PATH [-o FILE]\n\n"
            "Predicts which changes induce defects (just-in-time defect prediction) from\n"
            "the 14 change metrics of Kamei et al.: ns, nd, nf, entrophy, la, ld, lt, fix,\n"
            "ndev, age, nuc, exp, rexp, sexp (docs/internals/risk.md).\n\n"
            "  --diff FILE  scores a unified diff (\"-\" = stdin) applied on top of HEAD of\n"
            "               --repo: score 0-100 (the model's probability x 100), the factors\n"
            "               behind it, recommendations. Without --repo only the metrics of\n"
            "               the diff itself are known and the output says so.\n"
            "  eval         sorts the commits by date, trains on the oldest 80 %%, and prints\n"
            "               'AUC=<value>' on the newest 20 %%, then the baselines (LR on the 14\n"
            "               raw metrics, LR on lines added only) and the split sizes.\n"
            "  train        fits the model on every commit and writes it (ml model format).\n"
            "  mine         writes the metrics of every commit of --repo, labelled by SZZ,\n"
            "               as a CSV with the columns of the published data.\n\n"
            "options:\n"
            "  --metrics CSV        change metrics: header row with date, bug and the 14 metrics\n"
            "  --repo PATH          a git repository: its history (metrics and SZZ labels)\n"
            "  --max-commits N      newest commits walked (default %u)\n"
            "  --first-parent       follow first parents only\n"
            "  --model FILE         a model from 'risk train' (default: the embedded one)\n"
            "  --format text|json   output of --diff (default text)\n"
            "  --author EMAIL       author of the diff (default: the diff's Author:/From:\n"
            "                       header, else user.email of --repo)\n"
            "  --message TEXT       commit message of the diff, for the fix metric (default:\n"
            "                       the message of a `git show`/`format-patch` header)\n"
            "  --date SECONDS       time of the diff (default now)\n"
            "  -o, --output FILE    where 'train' writes the model (default risk.model) and\n"
            "                       'mine' the CSV (default -, stdout)\n"
            "  -h, --help           show this help\n\n"
            "Exit status: 0 success, 1 unreadable or malformed input, 2 bad usage.\n",
            WF_RISK_MAX_COMMITS_DEFAULT);
}

struct opts {
    const char *metrics, *repo, *outp, *diff, *model, *author, *message;
    int json;
    int64_t date;
    struct wf_risk_history_opts h;
};

static int load_csv(const char *path, struct wf_risk_data *d)
{
    struct wf_buf err;
    size_t len, line = 0;
    char *text = NULL;
    int rc = wf_read_file(path, WF_RISK_MAX_CSV_BYTES, &text, &len);
    if (rc)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "cannot read '%s': %s", path,
                            wf_strerror(rc));
    wf_buf_init(&err, 4096);
    rc = wf_risk_csv_parse(text, len, d, &line, &err);
    wf_free(text);
    if (rc) {
        const char *msg = err.len ? err.p : wf_strerror(rc);
        if (line)
            wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "%s:%zu: %s", path, line, msg);
        else
            wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "%s: %s", path, msg);
        wf_buf_cleanup(&err);
        return WF_CLI_EXIT_FAIL;
    }
    wf_buf_cleanup(&err);
    return WF_CLI_EXIT_OK;
}

static int open_repo(const char *path, struct wf_risk_repo **r)
{
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_risk_repo_open(path, r, &err);
    if (rc)
        wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "'%s': %s", path, err.len ? err.p : wf_strerror(rc));
    wf_buf_cleanup(&err);
    return rc ? WF_CLI_EXIT_FAIL : WF_CLI_EXIT_OK;
}

/* Mines the repository into d (and ids, optional). */
static int load_repo(const struct opts *o, struct wf_risk_data *d, char **ids)
{
    struct wf_risk_repo *r = NULL;
    struct wf_buf err;
    int code = open_repo(o->repo, &r);
    if (code)
        return code;
    wf_buf_init(&err, 4096);
    int rc = wf_risk_repo_mine(r, &o->h, d, ids, &err);
    if (rc)
        code = wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "'%s': cannot mine the history: %s", o->repo,
                            err.len ? err.p : wf_strerror(rc));
    wf_buf_cleanup(&err);
    wf_risk_repo_free(r);
    return code;
}

static int do_eval(struct wf_risk_data *d, const char *path)
{
    struct wf_risk_eval e;
    int rc = wf_risk_eval(d, &e);
    if (rc)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "risk",
                            "'%s': cannot evaluate (%s): both parts of the split need "
                            "defect-inducing and clean commits",
                            path, wf_strerror(rc));
    printf("AUC=%.3f\n", e.auc);
    printf("baseline lr-all AUC=%.3f\n", e.auc_lr_all);
    printf("baseline la-only AUC=%.3f\n", e.auc_la);
    printf("n_train=%zu n_test=%zu\n", e.n_train, e.n_test);
    printf("positive_rate_train=%.3f positive_rate_test=%.3f\n",
           (double)e.pos_train / (double)e.n_train, (double)e.pos_test / (double)e.n_test);
    if (fflush(stdout) != 0)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "cannot write the results");
    return WF_CLI_EXIT_OK;
}

static int write_out(const char *outp, const struct wf_buf *b)
{
    int is_stdout = strcmp(outp, "-") == 0;
    FILE *f = is_stdout ? stdout : fopen(outp, "wb");
    int ok = f && fwrite(b->p, 1, b->len, f) == b->len;
    if (f && !is_stdout)
        ok = fclose(f) == 0 && ok;
    else if (f)
        ok = fflush(f) == 0 && ok;
    return ok ? WF_CLI_EXIT_OK : wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "cannot write '%s'", outp);
}

static int do_train(struct wf_risk_data *d, const char *path, const char *outp)
{
    struct wf_ml_model *m = NULL;
    struct wf_buf out;
    int code = WF_CLI_EXIT_FAIL;
    wf_buf_init(&out, WF_LIMIT_MODEL_BYTES);
    int rc = wf_risk_train(d->rows, d->n, WF_RISK_FEAT_JIT, &m);
    if (rc) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "'%s': training failed: %s", path, wf_strerror(rc));
        goto out;
    }
    /* provenance: the data's path, then the training means wf_risk_train wrote */
    struct wf_buf prov;
    wf_buf_init(&prov, WF_LIMIT_PATH_BYTES + 4096);
    if (wf_buf_appendf(&prov, "%s; %s", path, m->trained_on ? m->trained_on : "") == WF_OK) {
        wf_free(m->trained_on);
        m->trained_on = wf_buf_detach(&prov);
    }
    wf_buf_cleanup(&prov);
    /* the model format keeps provenance on one printable line */
    for (char *p = m->trained_on; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    rc = wf_ml_save(m, &out);
    if (rc || write_out(outp, &out) != WF_CLI_EXIT_OK) {
        if (rc)
            wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "cannot write '%s'", outp);
        goto out;
    }
    printf("wrote %s (%zu commits, %s)\n", outp, d->n, m->version);
    code = WF_CLI_EXIT_OK;
out:
    wf_ml_model_free(m);
    wf_buf_cleanup(&out);
    return code;
}

static int do_mine(const struct opts *o)
{
    struct wf_risk_data d;
    struct wf_buf out;
    char *ids = NULL;
    wf_risk_data_init(&d);
    wf_buf_init(&out, WF_RISK_MAX_CSV_BYTES);
    int code = load_repo(o, &d, &ids);
    if (code == WF_CLI_EXIT_OK) {
        int rc = wf_risk_csv_write(&d, ids, &out);
        code =
            rc ? wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "cannot write the CSV: %s", wf_strerror(rc))
               : write_out(o->outp ? o->outp : "-", &out);
    }
    wf_free(ids);
    wf_buf_cleanup(&out);
    wf_risk_data_cleanup(&d);
    return code;
}

/* ---- risk --diff ------------------------------------------------------------------- */

static int load_model(const char *path, struct wf_ml_model **m)
{
    char *text = NULL;
    size_t len;
    int rc;
    if (!path) {
        rc = wf_risk_default_model(m);
        return rc ? wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "embedded model: %s", wf_strerror(rc))
                  : WF_CLI_EXIT_OK;
    }
    rc = wf_read_file(path, WF_LIMIT_MODEL_BYTES, &text, &len);
    if (!rc)
        rc = wf_ml_load(text, len, m);
    wf_free(text);
    if (rc)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "cannot load the model '%s': %s", path,
                            wf_strerror(rc));
    return WF_CLI_EXIT_OK;
}

static int do_diff(const struct opts *o)
{
    struct wf_risk_diff d;
    struct wf_risk_change_file *files = NULL;
    struct wf_risk_change_metrics cm;
    struct wf_risk_assessment a;
    struct wf_risk_repo *r = NULL;
    struct wf_ml_model *m = NULL;
    struct wf_buf err, out, hdr_email, hdr_msg;
    char *text = NULL;
    size_t len, line = 0;
    int code = WF_CLI_EXIT_FAIL, rc;

    wf_buf_init(&hdr_email, 1024);
    wf_buf_init(&hdr_msg, 64u * 1024);
    wf_risk_diff_init(&d);
    memset(&cm, 0, sizeof(cm));
    wf_buf_init(&err, 4096);
    wf_buf_init(&out, 1u << 20);
    rc = wf_read_file(o->diff, WF_RISK_DIFF_MAX_BYTES, &text, &len);
    if (rc) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "cannot read '%s': %s", o->diff, wf_strerror(rc));
        goto out;
    }
    rc = wf_risk_diff_parse(text, len, &d, &line, &err);
    if (rc) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "%s:%zu: %s", o->diff, line,
                     err.len ? err.p : wf_strerror(rc));
        goto out;
    }
    if (wf_risk_diff_files(&d, &files) != WF_OK) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "%s", wf_strerror(WF_ENOMEM));
        goto out;
    }
    /* a `git show` / `git format-patch` header names the author and message */
    (void)wf_risk_diff_header(text, len, &hdr_email, &hdr_msg);
    const char *author = o->author ? o->author : (hdr_email.len ? hdr_email.p : NULL);
    const char *message = o->message ? o->message : (hdr_msg.len ? hdr_msg.p : NULL);
    if (load_model(o->model, &m))
        goto out;
    int64_t now = o->date >= 0 ? o->date : (int64_t)time(NULL);
    if (o->repo) {
        if (open_repo(o->repo, &r))
            goto out;
        rc = wf_risk_repo_change_metrics(r, &o->h, files, d.n_files, author, message, now, &cm,
                                         &err);
        if (rc) {
            wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "'%s': %s", o->repo,
                         err.len ? err.p : wf_strerror(rc));
            goto out;
        }
    } else {
        rc = wf_risk_change_size_metrics(files, d.n_files, &cm.c);
        cm.c.date = now;
        cm.have_message = message != NULL;
        cm.c.m[WF_RISK_FIX] = wf_risk_is_fix_message(message);
    }
    if (!rc)
        rc = wf_risk_assess(m, &cm, files, d.n_files, &a);
    if (rc) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "risk", "cannot score the change: %s", wf_strerror(rc));
        goto out;
    }
    if (o->json)
        wf_risk_report_json(&a, &cm, &out);
    else
        wf_risk_report_text(&a, &cm, &out);
    code = write_out("-", &out);
out:
    wf_free(text);
    wf_free(files);
    wf_risk_change_metrics_cleanup(&cm);
    wf_risk_diff_cleanup(&d);
    wf_risk_repo_free(r);
    wf_ml_model_free(m);
    wf_buf_cleanup(&err);
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&hdr_email);
    wf_buf_cleanup(&hdr_msg);
    return code;
}

/* ---- Arguments ---------------------------------------------------------------------- */

static int need_value(int argc, int i, const char *a)
{
    return i + 1 >= argc ? wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "%s needs a value", a) : 0;
}

int wf_cli__risk(int argc, char **argv)
{
    enum { DIFF, EVAL, TRAIN, MINE } action = DIFF;
    struct opts o;
    int first = 1;

    memset(&o, 0, sizeof(o));
    o.date = -1;
    if (argc < 2) {
        usage(stderr);
        return WF_CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "eval") == 0)
        action = EVAL;
    else if (strcmp(argv[1], "train") == 0)
        action = TRAIN;
    else if (strcmp(argv[1], "mine") == 0)
        action = MINE;
    else if (argv[1][0] != '-')
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk",
                            "unknown action '%s' (eval, train, mine or --diff FILE)", argv[1]);
    if (action != DIFF)
        first = 2;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        long v;
        if (wf_cli__is_help(a)) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        } else if (strcmp(a, "--first-parent") == 0) {
            o.h.first_parent = 1;
            continue;
        }
        if (need_value(argc, i, a))
            return WF_CLI_EXIT_USAGE;
        const char *val = argv[++i];
        if (strcmp(a, "--metrics") == 0 && (action == EVAL || action == TRAIN))
            o.metrics = val;
        else if (strcmp(a, "--repo") == 0)
            o.repo = val;
        else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) &&
                 (action == TRAIN || action == MINE))
            o.outp = val;
        else if (strcmp(a, "--diff") == 0 && action == DIFF)
            o.diff = val;
        else if (strcmp(a, "--model") == 0 && action == DIFF)
            o.model = val;
        else if (strcmp(a, "--author") == 0 && action == DIFF)
            o.author = val;
        else if (strcmp(a, "--message") == 0 && action == DIFF)
            o.message = val;
        else if (strcmp(a, "--format") == 0 && action == DIFF) {
            if (strcmp(val, "json") != 0 && strcmp(val, "text") != 0)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "--format: text or json");
            o.json = strcmp(val, "json") == 0;
        } else if (strcmp(a, "--max-commits") == 0) {
            if (wf_parse_long(val, 1, WF_RISK_MAX_COMMITS, &v))
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "--max-commits: 1 to %u",
                                    WF_RISK_MAX_COMMITS);
            o.h.max_commits = (size_t)v;
        } else if (strcmp(a, "--date") == 0 && action == DIFF) {
            if (wf_parse_long(val, 0, 1L << 40, &v))
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "--date: seconds since the epoch");
            o.date = v;
        } else
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "unexpected argument '%s'", a);
    }
    if (action == DIFF) {
        if (!o.diff)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "--diff FILE is required");
        return do_diff(&o);
    }
    if (action == MINE) {
        if (!o.repo)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "mine needs --repo PATH");
        return do_mine(&o);
    }
    if (!o.metrics == !o.repo)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "give one of --metrics CSV or --repo PATH");

    struct wf_risk_data d;
    const char *src = o.metrics ? o.metrics : o.repo;
    wf_risk_data_init(&d);
    int code = o.metrics ? load_csv(o.metrics, &d) : load_repo(&o, &d, NULL);
    if (code == WF_CLI_EXIT_OK)
        code =
            action == TRAIN ? do_train(&d, src, o.outp ? o.outp : "risk.model") : do_eval(&d, src);
    wf_risk_data_cleanup(&d);
    return code;
}
