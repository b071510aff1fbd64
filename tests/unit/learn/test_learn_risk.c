/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Retraining the change-risk model from pr_outcome labels, end to end on a
 * real (in-memory SQLite) store: reviews are stored with the risk report
 * the server writes (diff metrics scored by the embedded model), PRs of a
 * distinctive kind (a CI workflow change of about 50 lines) are labelled defect,
 * `wf_learn_train_risk` must promote a model that scores a similar new
 * change as riskier than the embedded model does, record its version and
 * metrics, reject a model trained on shuffled labels, and let an earlier
 * version be rolled back to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "learn/learn.h"
#include "risk/risk.h"

/* A one-file diff of path: ld lines deleted, la added. */
static void make_diff(struct wf_buf *b, const char *path, int la, int ld, int salt)
{
    assert_int_equal(wf_buf_appendf(b,
                                    "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1,%d +1,%d @@\n",
                                    path, path, path, path, ld, la),
                     WF_OK);
    for (int i = 0; i < ld; i++)
        assert_int_equal(wf_buf_appendf(b, "-old %d %d\n", salt, i), WF_OK);
    for (int i = 0; i < la; i++)
        assert_int_equal(wf_buf_appendf(b, "+    run: step %d %d\n", salt, i), WF_OK);
}

/* The risk report of a diff as the server computes it (diff metrics only). */
static double assess(const struct wf_ml_model *m, const char *diff, struct wf_buf *json)
{
    struct wf_risk_diff d;
    wf_risk_diff_init(&d);
    assert_int_equal(wf_risk_diff_parse(diff, strlen(diff), &d, NULL, NULL), WF_OK);
    struct wf_risk_change_file *files = NULL;
    struct wf_risk_change_metrics cm;
    struct wf_risk_assessment a;
    memset(&cm, 0, sizeof cm);
    assert_int_equal(wf_risk_diff_files(&d, &files), WF_OK);
    assert_int_equal(wf_risk_change_size_metrics(files, d.n_files, &cm.c), WF_OK);
    assert_int_equal(wf_risk_assess(m, &cm, files, d.n_files, &a), WF_OK);
    if (json)
        assert_int_equal(wf_risk_report_json(&a, &cm, json), WF_OK);
    wf_free(files);
    wf_risk_change_metrics_cleanup(&cm);
    wf_risk_diff_cleanup(&d);
    return a.probability;
}

/* Stores a review of PR n with the report of diff and labels its outcome. */
static void reviewed_pr(struct wf_store *st, const struct wf_ml_model *m, int n, const char *diff,
                        const char *outcome, const char *by)
{
    struct wf_buf rep;
    wf_buf_init(&rep, 1u << 20);
    assert_int_equal(wf_buf_puts(&rep, "{\"risk\":"), WF_OK);
    assess(m, diff, &rep);
    assert_int_equal(wf_buf_appendf(&rep, ",\"review\":{},\"model_version\":\"%s\"}",
                                    wf_learn_bundled_risk_version()),
                     WF_OK);
    char num[16];
    snprintf(num, sizeof num, "%d", n);
    struct wf_store_review r = {.tenant = "acme",
                                .provider = "github",
                                .repo = "acme/app",
                                .number = num,
                                .sha = "0123456789abcdef0123456789abcdef01234567",
                                .score = 1,
                                .report_json = rep.p};
    assert_int_equal(wf_store_review_put(st, &r, NULL), WF_OK);
    struct wf_store_label l = {.tenant = "acme",
                               .kind = "pr_outcome",
                               .value = outcome,
                               .repo = "acme/app",
                               .number = n,
                               .by = by,
                               .created_ms = 1000 + n};
    assert_int_equal(wf_store_label_put(st, &l, NULL), WF_OK);
    wf_buf_cleanup(&rep);
}

static const char *model_status(struct wf_store *st, int64_t v, json_t **keep)
{
    assert_int_equal(wf_store_model_get(st, "acme", "risk", v, keep), WF_OK);
    return json_string_value(json_object_get(*keep, "status"));
}

static void test_train_risk(void **state)
{
    (void)state;
    struct wf_store_opts o = {":memory:", 2, 0, 0};
    struct wf_store *st = NULL;
    assert_int_equal(wf_store_open(&o, &st, NULL), WF_OK);
    struct wf_ml_model *def = NULL, *act = NULL;
    assert_int_equal(wf_risk_default_model(&def), WF_OK);

    /* 60 CI workflow changes of 40-60 lines that turned out defective, 30
     * one- or two-line docs changes that were clean; PR 1 was first labelled clean by the same
     * labeler, whose later label counts */
    struct wf_store_label first = {.tenant = "acme",
                                   .kind = "pr_outcome",
                                   .value = "clean",
                                   .repo = "acme/app",
                                   .number = 1,
                                   .by = "alice",
                                   .created_ms = 10};
    assert_int_equal(wf_store_label_put(st, &first, NULL), WF_OK);
    for (int i = 1; i <= 90; i++) {
        struct wf_buf d;
        wf_buf_init(&d, 1u << 20);
        if (i <= 60)
            make_diff(&d, ".github/workflows/ci.yml", 40 + i % 20, 8 + i % 3, i);
        else
            make_diff(&d, "docs/guide.md", 1 + i % 2, 1, i);
        reviewed_pr(st, def, i, d.p, i <= 60 ? "defect" : "clean", "alice");
        wf_buf_cleanup(&d);
    }
    /* a labelled PR without a stored review contributes nothing */
    struct wf_store_label orphan = {.tenant = "acme",
                                    .kind = "pr_outcome",
                                    .value = "defect",
                                    .repo = "acme/app",
                                    .number = 999,
                                    .by = "bob"};
    assert_int_equal(wf_store_label_put(st, &orphan, NULL), WF_OK);

    struct wf_buf nd;
    wf_buf_init(&nd, 1u << 20);
    make_diff(&nd, ".github/workflows/release.yml", 50, 9, 1234);
    double before = assess(def, nd.p, NULL);

    struct wf_learn_train_opts to;
    wf_learn_train_opts_init(&to);
    struct wf_learn_train_result res;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    assert_int_equal(wf_learn_train_risk(st, "acme", &to, &res, &err), WF_OK);
    print_message("%s\n", res.reason);
    assert_int_equal(res.promoted, 1);
    assert_int_equal(res.version, 1);
    assert_int_equal(res.n_labels, 90);
    assert_true(res.n_builtin > 10000);
    size_t tenant_test = 0;
    assert_true(res.n_test > res.n_builtin / 5 - 1);
    tenant_test = res.n_test - (res.n_builtin - (size_t)((double)res.n_builtin * 0.8));
    assert_true(tenant_test >= 1 && tenant_test < 90);
    assert_int_equal(strlen(res.hash), 64);
    assert_true(res.f1 > 0.6 && res.f1 <= 1.0);
    assert_non_null(strstr(res.reason, "promoted: held-out AUC"));

    int64_t v = 0;
    assert_int_equal(wf_learn_active_risk_model(st, "acme", &act, &v), WF_OK);
    assert_int_equal(v, 1);
    double after = assess(act, nd.p, NULL);
    print_message("risk of a similar CI change: %.4f -> %.4f\n", before, after);
    assert_true(after > before + 0.05);
    json_t *row = NULL;
    assert_string_equal(model_status(st, 1, &row), "active");
    assert_true(json_real_value(json_object_get(json_object_get(row, "metrics"), "auc")) > 0.6);
    assert_int_equal(json_integer_value(json_object_get(row, "n_labels")), 90);
    json_decref(row);

    /* a deliberately worse model is stored as rejected; v1 stays active */
    to.shuffle_labels = 1;
    assert_int_equal(wf_learn_train_risk(st, "acme", &to, &res, &err), WF_OK);
    assert_int_equal(res.promoted, 0);
    assert_int_equal(res.version, 2);
    assert_true(res.f1 < res.base_f1 - to.tolerance);
    assert_non_null(strstr(res.reason, "rejected"));
    assert_string_equal(model_status(st, 2, &row), "rejected");
    json_decref(row);
    assert_string_equal(model_status(st, 0, &row), "active");
    assert_int_equal(json_integer_value(json_object_get(row, "version")), 1);
    json_decref(row);

    /* a fair retrain against the active v1 is promoted; rollback to v1 works,
     * a rejected version cannot be activated */
    to.shuffle_labels = 0;
    assert_int_equal(wf_learn_train_risk(st, "acme", &to, &res, &err), WF_OK);
    assert_int_equal(res.promoted, 1);
    assert_int_equal(res.version, 3);
    assert_string_equal(res.baseline, "active v1");
    assert_int_equal(wf_store_model_activate(st, "acme", "risk", 2), WF_ECONFLICT);
    assert_int_equal(wf_store_model_activate(st, "acme", "risk", 1), WF_OK);
    wf_ml_model_free(act);
    act = NULL;
    assert_int_equal(wf_learn_active_risk_model(st, "acme", &act, &v), WF_OK);
    assert_int_equal(v, 1);
    assert_string_equal(model_status(st, 3, &row), "retired");
    json_decref(row);

    /* GET /v1/models names the active risk version */
    json_t *rep = NULL;
    assert_int_equal(wf_learn_models_report(st, "acme", NULL, &rep, NULL), WF_OK);
    json_t *risk = json_object_get(json_object_get(rep, "active"), "risk");
    assert_int_equal(json_integer_value(json_object_get(risk, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(risk, "model_version")), "v1");
    json_decref(rep);

    /* another tenant has no risk model: the embedded default applies */
    assert_int_equal(wf_learn_active_risk_model(st, "other", &def, &v), WF_ENOENT);

    wf_buf_cleanup(&nd);
    wf_buf_cleanup(&err);
    wf_ml_model_free(act);
    wf_ml_model_free(def);
    wf_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_risk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
