/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the risk module: the strict CSV loader (good files, quoting,
 * each error with its line), the exact AUC on hand-computed cases with ties,
 * the time-ordered split, training with a save/load round trip, allocation
 * failures, and `workflowai risk eval` on the JDT sample.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk/risk.h"

#define SAMPLE WF_SOURCE_DIR "/tests/data/jit/jdt-sample.csv"
#define HEADER "date,bug,ns,nd,nf,entrophy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp\n"

/* Parses text; returns the code and fills line and the message. */
static int parse(const char *text, struct wf_risk_data *d, size_t *line, char *msg, size_t cap)
{
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    wf_risk_data_init(d);
    int rc = wf_risk_csv_parse(text, strlen(text), d, line, &err);
    snprintf(msg, cap, "%s", err.len ? err.p : "");
    wf_buf_cleanup(&err);
    return rc;
}

static void load_sample(struct wf_risk_data *d)
{
    char *text;
    size_t len, line;
    assert_int_equal(wf_read_file(SAMPLE, WF_RISK_MAX_CSV_BYTES, &text, &len), WF_OK);
    wf_risk_data_init(d);
    assert_int_equal(wf_risk_csv_parse(text, len, d, &line, NULL), WF_OK);
    wf_free(text);
}

static void test_load_sample(void **state)
{
    (void)state;
    struct wf_risk_data d;
    load_sample(&d);
    assert_int_equal(d.n, 400);
    /* first data row of jdt_k_feature.csv */
    assert_int_equal(d.rows[0].date, 1388666079);
    assert_int_equal(d.rows[0].bug, 1);
    assert_int_equal(d.rows[0].line, 2);
    assert_true(d.rows[0].m[WF_RISK_LA] == 26.0);
    assert_true(d.rows[0].m[WF_RISK_LT] == 3661.0);
    assert_true(fabs(d.rows[0].m[WF_RISK_ENTROPY] - 0.39124356362925566) < 1e-15);
    assert_true(d.rows[0].m[WF_RISK_SEXP] == 305.0);
    assert_int_equal(d.rows[399].line, 401);
    wf_risk_data_cleanup(&d);
    wf_risk_data_cleanup(NULL);
}

static void test_load_quoted_any_order(void **state)
{
    (void)state;
    struct wf_risk_data d;
    size_t line;
    char msg[256];
    const char *text = "\xef\xbb\xbf\"msg\",sexp,rexp,exp,nuc,age,ndev,fix,lt,ld,la,entrophy,nf,nd,"
                       "ns,\"bug\",date\r\n"
                       "\"a, \"\"quoted\"\"\nmessage\",7,6,5,4,3,2,1,100,3,50,0.5,2,1,1,1,20\r\n"
                       ",1,1,1,1,1.5,1,0,10,0,5,0,1,1,1,0,10";
    assert_int_equal(parse(text, &d, &line, msg, sizeof(msg)), WF_OK);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.rows[0].date, 20);
    assert_int_equal(d.rows[0].bug, 1);
    assert_true(d.rows[0].m[WF_RISK_SEXP] == 7.0);
    assert_true(d.rows[0].m[WF_RISK_LA] == 50.0);
    assert_true(d.rows[0].m[WF_RISK_FIX] == 1.0);
    /* the quoted field spans two lines */
    assert_int_equal(d.rows[1].line, 4);
    assert_int_equal(d.rows[1].date, 10);
    wf_risk_data_cleanup(&d);
}

static void expect_error(const char *text, int rc, size_t line, const char *needle)
{
    struct wf_risk_data d;
    size_t got_line = 999;
    char msg[256];
    assert_int_equal(parse(text, &d, &got_line, msg, sizeof(msg)), rc);
    assert_int_equal(got_line, line);
    assert_null(d.rows);
    assert_int_equal(d.n, 0);
    if (!strstr(msg, needle))
        fail_msg("message '%s' lacks '%s'", msg, needle);
}

static void test_load_errors(void **state)
{
    (void)state;
    expect_error("", WF_EEMPTY, 0, "empty");
    expect_error(HEADER, WF_EEMPTY, 0, "no rows");
    expect_error("date,bug,ns,nd,nf,entrophy,la,ld,lt,fix,ndev,age,nuc,exp,rexp\n"
                 "1,0,1,1,1,0,5,0,10,0,1,1.5,1,1,1\n",
                 WF_EFORMAT, 1, "missing column 'sexp'");
    expect_error("date,bug,la,ns,nd,nf,entrophy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp\n",
                 WF_EFORMAT, 1, "duplicate column 'la'");
    expect_error(HEADER "1,0,1,1,1,0,5,0,10,0,1,1.5,1,1,1,1\n"
                        "2,0,1,1,1,0,abc,0,10,0,1,1.5,1,1,1,1\n",
                 WF_EFORMAT, 3, "column 'la': expected a number, found 'abc'");
    expect_error(HEADER "1,0,1,1,1,0,5,0,10,0,1,1.5,1,1,1,1\n"
                        "2,0,1,1,1,0,5,0,10,0,1,1.5,1,1,1,1\n"
                        "x,0,1,1,1,0,5,0,10,0,1,1.5,1,1,1,1\n",
                 WF_EFORMAT, 4, "column 'date': expected an integer");
    expect_error(HEADER "1,2,1,1,1,0,5,0,10,0,1,1.5,1,1,1,1\n", WF_EFORMAT, 2,
                 "column 'bug': expected 0 or 1");
    expect_error(HEADER "1,0,1,1,1,0,-5,0,10,0,1,1.5,1,1,1,1\n", WF_EFORMAT, 2,
                 "column 'la': expected a number from 0");
    expect_error(HEADER "1,0,1,1,1,0,nan,0,10,0,1,1.5,1,1,1,1\n", WF_EFORMAT, 2, "'la'");
    expect_error(HEADER "1,0,1,1,1,0, 5,0,10,0,1,1.5,1,1,1,1\n", WF_EFORMAT, 2, "'la'");
    expect_error(HEADER "1,0,1,1,1,0,5,0,10,0,1,1.5,1,1,1\n", WF_EFORMAT, 2, "15 fields");
    expect_error(HEADER "1,0,1,1,1,0,5,0,10,0,1,1.5,1,1,1,1,9\n", WF_EFORMAT, 2, "more fields");
    expect_error(HEADER "\n", WF_EFORMAT, 2, "empty line");
    expect_error(HEADER "1\n", WF_EFORMAT, 2, "1 fields");
    expect_error(HEADER "\"1,0,1\n", WF_EFORMAT, 2, "unterminated");
    expect_error(HEADER "\"1\"x,0\n", WF_EFORMAT, 2, "after a closing quote");
    expect_error(HEADER "1\"2,0\n", WF_EFORMAT, 2, "quote inside");
    expect_error(HEADER "1,0\r2\n", WF_EFORMAT, 2, "carriage return");
}

static void test_load_caps(void **state)
{
    (void)state;
    size_t n = WF_RISK_MAX_FIELD_BYTES + 16;
    char *text = malloc(sizeof(HEADER) + n + 2);
    assert_non_null(text);
    memcpy(text, HEADER, sizeof(HEADER) - 1);
    memset(text + sizeof(HEADER) - 1, '1', n);
    text[sizeof(HEADER) - 1 + n] = '\0';
    expect_error(text, WF_ETOOBIG, 2, "field longer");
    free(text);
}

static void test_load_alloc_failures(void **state)
{
    (void)state;
    const char *text = HEADER "1,0,1,1,1,0,5,0,10,0,1,1.5,1,1,1,1\n"
                              "2,1,1,1,1,0,5,0,10,0,1,1.5,1,1,1,1\n";
    int ok = 0;
    for (long k = 0; k < 40 && !ok; k++) {
        struct wf_risk_data d;
        size_t line;
        wf_risk_data_init(&d);
        wf_alloc_fail_after(k);
        int rc = wf_risk_csv_parse(text, strlen(text), &d, &line, NULL);
        wf_alloc_fail_after(-1);
        assert_true(rc == WF_OK || rc == WF_ENOMEM);
        if (rc == WF_ENOMEM)
            assert_null(d.rows);
        ok = rc == WF_OK;
        wf_risk_data_cleanup(&d);
    }
    assert_true(ok);
}

static void expect_auc(const double *s, const int *y, size_t n, double want)
{
    double auc = -1;
    assert_int_equal(wf_risk_auc(s, y, n, &auc), WF_OK);
    if (fabs(auc - want) > 1e-12)
        fail_msg("AUC %.15f, expected %.15f", auc, want);
}

static void test_auc(void **state)
{
    (void)state;
    const double s1[] = {0.1, 0.4, 0.35, 0.8};
    const int y1[] = {0, 0, 1, 1};
    expect_auc(s1, y1, 4, 0.75); /* 3 of 4 pairs ordered */
    const double s2[] = {1, 2, 3, 4};
    const int y2[] = {0, 0, 1, 1}, y2r[] = {1, 1, 0, 0};
    expect_auc(s2, y2, 4, 1.0);
    expect_auc(s2, y2r, 4, 0.0);
    /* ties count half: pairs (pos 1 vs neg 1) = 0.5, (1 vs 2) = 0, (3 vs 1) = 1,
     * (3 vs 2) = 1 -> 2.5 / 4 */
    const double s3[] = {1, 1, 2, 3};
    const int y3[] = {0, 1, 0, 1};
    expect_auc(s3, y3, 4, 0.625);
    const double s4[] = {5, 5, 5, 5, 5};
    const int y4[] = {1, 0, 0, 1, 0};
    expect_auc(s4, y4, 5, 0.5);
    /* 3 positives, 2 negatives, a three-way tie spanning both classes:
     * pos 2 vs negs {2, 0}: 0.5 + 1; pos 2: 0.5 + 1; pos 3: 1 + 1 -> 5 / 6 */
    const double s5[] = {2, 2, 2, 3, 0};
    const int y5[] = {1, 1, 0, 1, 0};
    expect_auc(s5, y5, 5, 5.0 / 6.0);

    double auc;
    const int one_class[] = {1, 1, 1, 1};
    assert_int_equal(wf_risk_auc(s2, one_class, 4, &auc), WF_EEMPTY);
    const double bad[] = {1, NAN, 2, 3};
    assert_int_equal(wf_risk_auc(bad, y2, 4, &auc), WF_EINVAL);
}

static void test_split_time_ordered(void **state)
{
    (void)state;
    struct wf_risk_commit rows[5];
    const int64_t dates[5] = {50, 10, 30, 30, 20};
    memset(rows, 0, sizeof(rows));
    for (size_t i = 0; i < 5; i++) {
        rows[i].date = dates[i];
        rows[i].line = i + 2;
    }
    struct wf_risk_data d = {rows, 5, 5};
    size_t n_train = 0;
    assert_int_equal(wf_risk_split(&d, 0.8, &n_train), WF_OK);
    assert_int_equal(n_train, 4);
    const int64_t want_dates[5] = {10, 20, 30, 30, 50};
    const size_t want_lines[5] = {3, 6, 4, 5, 2};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(rows[i].date, want_dates[i]);
        assert_int_equal(rows[i].line, want_lines[i]);
    }
    assert_int_equal(wf_risk_split(&d, 1.0, &n_train), WF_EINVAL);
    assert_int_equal(wf_risk_split(&d, 0.0, &n_train), WF_EINVAL);
    assert_int_equal(wf_risk_split(&d, 0.1, &n_train), WF_EINVAL); /* empty training part */

    /* the sample is sorted by date and its training part is strictly older or equal */
    struct wf_risk_data s;
    load_sample(&s);
    assert_int_equal(wf_risk_split(&s, 0.8, &n_train), WF_OK);
    assert_int_equal(n_train, 320);
    for (size_t i = 1; i < s.n; i++)
        assert_true(s.rows[i - 1].date <= s.rows[i].date);
    wf_risk_data_cleanup(&s);
}

static void test_eval_and_train(void **state)
{
    (void)state;
    struct wf_risk_data d;
    struct wf_risk_eval e;
    load_sample(&d);
    assert_int_equal(wf_risk_eval(&d, &e), WF_OK);
    assert_int_equal(e.n_train, 320);
    assert_int_equal(e.n_test, 80);
    assert_true(e.auc > 0.5 && e.auc <= 1.0);
    assert_true(e.auc_lr_all > 0.5 && e.auc_lr_all <= 1.0);
    assert_true(e.auc_la > 0.5 && e.auc_la <= 1.0);

    /* deterministic */
    struct wf_risk_eval again;
    assert_int_equal(wf_risk_eval(&d, &again), WF_OK);
    assert_true(again.auc == e.auc && again.auc_la == e.auc_la);

    /* a trained model saves and loads back with the same scores */
    struct wf_ml_model *m = NULL, *back = NULL;
    struct wf_buf out;
    enum wf_risk_featset fs = WF_RISK_FEAT_RAW;
    assert_int_equal(wf_risk_train(d.rows, d.n, WF_RISK_FEAT_JIT, &m), WF_OK);
    assert_int_equal(wf_risk_model_featset(m, &fs), WF_OK);
    assert_int_equal(fs, WF_RISK_FEAT_JIT);
    wf_buf_init(&out, WF_LIMIT_MODEL_BYTES);
    assert_int_equal(wf_ml_save(m, &out), WF_OK);
    assert_int_equal(wf_ml_load(out.p, out.len, &back), WF_OK);
    assert_int_equal(wf_risk_model_featset(back, &fs), WF_OK);
    for (size_t i = 0; i < d.n; i += 37) {
        double a = wf_risk_score(m, fs, &d.rows[i]), b = wf_risk_score(back, fs, &d.rows[i]);
        assert_true(a > 0.0 && a < 1.0);
        assert_true(fabs(a - b) < 1e-4);
    }
    for (size_t i = 0; wf_risk_feature_name(WF_RISK_FEAT_JIT, i); i++)
        assert_true(i < WF_RISK_MAX_FEATS);
    wf_buf_cleanup(&out);
    wf_ml_model_free(back);
    wf_ml_model_free(m);

    /* one class only */
    for (size_t i = 0; i < d.n; i++)
        d.rows[i].bug = 0;
    assert_int_equal(wf_risk_train(d.rows, d.n, WF_RISK_FEAT_JIT, &m), WF_EEMPTY);
    assert_int_equal(wf_risk_eval(&d, &e), WF_EEMPTY);
    wf_risk_data_cleanup(&d);
}

static void test_cli_eval(void **state)
{
    (void)state;
    char line[256];
    FILE *p = popen(WF_BINARY_DIR "/workflowai risk eval --metrics " SAMPLE, "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof(line), p));
    double auc = 0;
    char end = 0;
    if (sscanf(line, "AUC=%lf%c", &auc, &end) != 2 || end != '\n')
        fail_msg("first line '%s' is not AUC=<value>", line);
    assert_true(auc > 0.5 && auc <= 1.0);
    int has_la = 0, has_all = 0;
    while (fgets(line, sizeof(line), p)) {
        has_la |= strncmp(line, "baseline la-only AUC=", 21) == 0;
        has_all |= strncmp(line, "baseline lr-all AUC=", 20) == 0;
    }
    assert_int_equal(pclose(p), 0);
    assert_true(has_la && has_all);

    p = popen(WF_BINARY_DIR "/workflowai risk eval --metrics /nonexistent.csv 2>/dev/null", "r");
    assert_non_null(p);
    int st = pclose(p);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    p = popen(WF_BINARY_DIR "/workflowai risk eval 2>/dev/null", "r");
    assert_non_null(p);
    st = pclose(p);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_sample),
        cmocka_unit_test(test_load_quoted_any_order),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_caps),
        cmocka_unit_test(test_load_alloc_failures),
        cmocka_unit_test(test_auc),
        cmocka_unit_test(test_split_time_ordered),
        cmocka_unit_test(test_eval_and_train),
        cmocka_unit_test(test_cli_eval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
