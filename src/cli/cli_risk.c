/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai risk eval|train --metrics CSV [-o FILE]`: change risk (just-in-
 * time defect prediction) over per-commit change metrics. `eval` scores the
 * risk model and the two literature baselines on a time-ordered 80/20 split;
 * `train` fits the risk model on every commit and writes it in the ml format.
 */
#include "cli_int.h"

#include "risk/risk.h"

#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: workflowai risk eval --metrics CSV\n"
               "       workflowai risk train --metrics CSV [-o FILE]\n\n"
               "Predicts which commits induce defects (just-in-time defect prediction) from\n"
               "per-commit change metrics: a CSV with a header row naming the columns date\n"
               "(seconds since the epoch), bug (1 = defect-inducing, 0 = clean) and the 14\n"
               "metrics ns, nd, nf, entrophy, la, ld, lt, fix, ndev, age, nuc, exp, rexp,\n"
               "sexp; other columns are ignored. The model is a logistic regression over\n"
               "log-scaled metrics and relative churn (docs/internals/risk.md).\n\n"
               "  eval   sorts the commits by date, trains on the oldest 80 %%, and prints\n"
               "         the ROC AUC on the newest 20 %%: first 'AUC=<value>' for the risk\n"
               "         model, then the baselines on the same split (LR on the 14 raw\n"
               "         metrics, LR on lines added only), then the split sizes.\n"
               "  train  fits the model on every commit and writes it (ml model format).\n\n"
               "options:\n"
               "  --metrics CSV      the change metrics\n"
               "  -o, --output FILE  where 'train' writes the model (default: risk.model)\n"
               "  -h, --help         show this help\n\n"
               "Exit status: 0 success, 1 unreadable or malformed input, 2 bad usage.\n");
}

static int load(const char *path, struct wf_risk_data *d)
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
    size_t plen = strlen(path);
    m->trained_on = wf_strndup(path, plen);
    /* the model format keeps provenance on one printable line */
    for (char *p = m->trained_on; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    rc = wf_ml_save(m, &out);
    FILE *f = rc ? NULL : fopen(outp, "wb");
    if (!f || fwrite(out.p, 1, out.len, f) != out.len || fclose(f) != 0) {
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

int wf_cli__risk(int argc, char **argv)
{
    const char *metrics = NULL, *outp = "risk.model";
    int is_train;

    if (argc < 2 || wf_cli__is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? WF_CLI_EXIT_USAGE : WF_CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "eval") == 0)
        is_train = 0;
    else if (strcmp(argv[1], "train") == 0)
        is_train = 1;
    else
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "unknown action '%s' (eval or train)",
                            argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (wf_cli__is_help(a)) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        } else if (strcmp(a, "--metrics") == 0 ||
                   (is_train && (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0))) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "%s needs a value", a);
            if (strcmp(a, "--metrics") == 0)
                metrics = argv[++i];
            else
                outp = argv[++i];
        } else {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "unexpected argument '%s'", a);
        }
    }
    if (!metrics)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "risk", "--metrics CSV is required");

    struct wf_risk_data d;
    wf_risk_data_init(&d);
    int code = load(metrics, &d);
    if (code == WF_CLI_EXIT_OK)
        code = is_train ? do_train(&d, metrics, outp) : do_eval(&d, metrics);
    wf_risk_data_cleanup(&d);
    return code;
}
