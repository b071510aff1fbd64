/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai train triage DATA... [-o FILE] [--version V]`: retrains the
 * failure classifier from labelled excerpt records and writes the model
 * file, then reports its accuracy on the training data and under 5-fold
 * cross-validation so a bad corpus shows before the model ships.
 */
#include "cli_int.h"

#include "triage/triage.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: workflowai train triage DATA... [-o FILE] [--version V] [--folds K]\n"
               "       workflowai train triage|risk --store URL --tenant T [--shuffle-labels]\n\n"
               "Trains the failure-category classifier (logistic regression over features of\n"
               "the lines the analyzer extracts) from labelled records and writes a model\n"
               "file for 'workflowai triage --model FILE'. The default model compiled into\n"
               "workflowai is models/triage.model, trained on data/triage-train/*.txt.\n\n"
               "DATA files hold records: a line '### category: NAME' followed by the lines\n"
               "of a log excerpt, up to the next record. NAME is one of the categories in\n"
               "docs/triage-categories.md.\n\n"
               "options:\n"
               "  -o, --output FILE  where to write the model (default: triage.model)\n"
               "  --version V        version string stored in the model\n"
               "  --folds K          report K-fold cross-validated accuracy (default 5;\n"
               "                     0 skips it)\n"
               "  -h, --help         show this help\n\n"
               "With --store and --tenant, retrains the tenant's model from the built-in\n"
               "corpus plus its resolved category labels, evaluates it against the active\n"
               "model on a fixed held-out split and promotes it only if its macro-F1 is not\n"
               "worse by more than 0.01; otherwise it is stored as rejected with the reason\n"
               "(docs/models.md). 'train risk --store' does the same for the change-risk\n"
               "model: the built-in metrics (data/risk-train) plus the tenant's pr_outcome\n"
               "labels joined with the change metrics stored with each PR's review, held-out\n"
               "ROC AUC not worse than the active model's by more than 0.01.\n"
               "--shuffle-labels trains on shuffled labels, a deliberately worse model for\n"
               "checking that the promotion gate holds.\n");
}

int wf_cli__train(int argc, char **argv)
{
    const char *outp = "triage.model", *version = NULL;
    long folds = 5;
    const char *files[256];
    size_t n_files = 0;
    if (argc < 2 || wf_cli__is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? WF_CLI_EXIT_USAGE : WF_CLI_EXIT_OK;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--store") == 0 || strcmp(argv[i], "--tenant") == 0)
            return wf_cli__train_store(argc, argv);
    if (strcmp(argv[1], "triage") != 0)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "train", "unknown model '%s' (only 'triage')",
                            argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (wf_cli__is_help(a)) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ||
                   strcmp(a, "--version") == 0 || strcmp(a, "--folds") == 0) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "train", "%s needs a value", a);
            if (strcmp(a, "--version") == 0) {
                version = argv[++i];
            } else if (strcmp(a, "--folds") == 0) {
                if (wf_parse_long(argv[++i], 0, 20, &folds) || folds == 1)
                    return wf_cli__fail(WF_CLI_EXIT_USAGE, "train",
                                        "--folds takes 0 (none) or 2 to 20, not '%s'", argv[i]);
            } else {
                outp = argv[++i];
            }
        } else if (a[0] == '-' && a[1]) {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "train", "unknown option '%s'", a);
        } else if (n_files < sizeof(files) / sizeof(files[0])) {
            files[n_files++] = a;
        } else {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "train", "at most 256 data files");
        }
    }
    if (!n_files)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "train", "no data files given");

    char *texts[256] = {0};
    size_t lens[256];
    int code = WF_CLI_EXIT_FAIL;
    struct wf_ml_model *m = NULL;
    struct wf_buf out;
    wf_buf_init(&out, WF_LIMIT_MODEL_BYTES);
    for (size_t i = 0; i < n_files; i++) {
        int rc = wf_read_file(files[i], WF_LIMIT_MODEL_BYTES, &texts[i], &lens[i]);
        if (rc) {
            wf_cli__fail(1, "train", "cannot read '%s': %s", files[i], wf_strerror(rc));
            goto out;
        }
    }
    char ver[64];
    if (!version) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ver, sizeof(ver), "triage-%Y.%m.%d", &tm);
        version = ver;
    }
    size_t n_ex = 0, err_line = 0;
    int rc = WF_OK;
    /* train file by file first so a format error names its file */
    for (size_t i = 0; i < n_files; i++) {
        struct wf_ml_model *probe = NULL;
        const char *t = texts[i];
        rc = wf_triage_train(&t, &lens[i], 1, version, &probe, &n_ex, &err_line);
        wf_ml_model_free(probe);
        if (rc == WF_EFORMAT) {
            wf_cli__fail(1, "train", "%s:%zu: expected '### category: NAME' with a known category",
                         files[i], err_line);
            goto out;
        }
    }
    rc = wf_triage_train((const char *const *)texts, lens, n_files, version, &m, &n_ex, &err_line);
    if (rc) {
        wf_cli__fail(1, "train", "training failed: %s", wf_strerror(rc));
        goto out;
    }
    m->trained_on = wf_strndup("data/triage-train", 17);
    rc = wf_ml_save(m, &out);
    /* write beside the target and rename: a crash or a full disk never
     * leaves a half-written model where a good one was */
    char tmp[WF_LIMIT_PATH_BYTES];
    if (rc || (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", outp) >= sizeof(tmp)) {
        wf_cli__fail(1, "train", "cannot write '%s'", outp);
        goto out;
    }
    FILE *f = fopen(tmp, "wb");
    int ok =
        f && fwrite(out.p, 1, out.len, f) == out.len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, outp) != 0) {
        remove(tmp);
        wf_cli__fail(1, "train", "cannot write '%s'", outp);
        goto out;
    }
    printf("trained %s on %zu records from %zu file(s): %u classes, 2^%u features -> %s\n",
           m->version, n_ex, n_files, m->n_classes, m->hash_bits, outp);
    if (folds > 1) {
        struct wf_ml_confusion conf;
        rc = wf_triage_cross_validate((const char *const *)texts, lens, n_files, (unsigned)folds,
                                      &conf, &err_line);
        if (rc) {
            wf_cli__fail(1, "train", "cross-validation failed: %s", wf_strerror(rc));
            goto out;
        }
        printf("%ld-fold cross-validation: accuracy %.3f, macro-F1 %.3f\n", folds,
               wf_ml_accuracy(&conf), wf_ml_macro_f1(&conf));
        for (unsigned c = 0; c < conf.n_classes; c++) {
            double p, r, f1;
            wf_ml_class_prf(&conf, c, &p, &r, &f1);
            printf("  %-22s P %.2f  R %.2f  F1 %.2f\n",
                   wf_triage_category_name((enum wf_triage_category)c), p, r, f1);
        }
    }
    code = WF_CLI_EXIT_OK;
out:
    for (size_t i = 0; i < n_files; i++)
        wf_free(texts[i]);
    wf_ml_model_free(m);
    wf_buf_cleanup(&out);
    return code;
}
