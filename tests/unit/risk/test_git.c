/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of change risk from a repository: a six-commit history built
 * with libgit2 in a temporary directory (three authors, known dates, a bug
 * introduced in commit 3 and fixed in commit 6 by "fix #12"), every Kamei
 * metric against hand-computed values, the SZZ label, the CSV round trip of
 * mined rows, the path classifier and fix messages, and the score, factors,
 * owners and recommendations of a diff applied on top of HEAD.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <git2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "risk/risk.h"

#define T0 1600000000LL /* 2020-09-13 */
#define DAY 86400LL

static char dir[64];

static void write_file(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = 0;
    mkdir(path, 0755); /* one level of directories is enough here */
    *slash = '/';
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Writes the files (path, text pairs) and commits them all. */
static void commit(git_repository *repo, const char *name, const char *email, long long t,
                   const char *msg, const char *const *files, size_t n)
{
    git_index *idx;
    git_oid tree_id, id, parent_id;
    git_tree *tree;
    git_signature *sig;
    git_commit *parent = NULL;
    assert_int_equal(git_repository_index(&idx, repo), 0);
    for (size_t i = 0; i < n; i++) {
        write_file(files[2 * i], files[2 * i + 1]);
        assert_int_equal(git_index_add_bypath(idx, files[2 * i]), 0);
    }
    assert_int_equal(git_index_write(idx), 0);
    assert_int_equal(git_index_write_tree(&tree_id, idx), 0);
    assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
    assert_int_equal(git_signature_new(&sig, name, email, (git_time_t)t, 0), 0);
    if (git_reference_name_to_id(&parent_id, repo, "HEAD") == 0)
        assert_int_equal(git_commit_lookup(&parent, repo, &parent_id), 0);
    const git_commit *parents[1] = {parent};
    assert_int_equal(
        git_commit_create(&id, repo, "HEAD", sig, sig, NULL, msg, tree, parent ? 1 : 0, parents),
        0);
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
    git_index_free(idx);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

/* The history of the file comment. */
static int setup(void **state)
{
    (void)state;
    git_repository *repo;
    snprintf(dir, sizeof(dir), "/tmp/wf-risk-git-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    git_libgit2_init();
    if (git_repository_init(&repo, dir, 0) != 0)
        return -1;
    const char *c1[] = {"src/a.c", "int a;\nint b;\nint c;\n", "README.md", "hello\n"};
    commit(repo, "Alice", "alice@example.com", T0, "initial", c1, 2);
    const char *c2[] = {"src/a.c", "int a;\nint b;\nint c;\nint d;\n\n", "lib/b.c", "x\ny\n"};
    commit(repo, "Bob", "bob@example.com", T0 + 10 * DAY, "add d", c2, 2);
    const char *c3[] = {"src/a.c", "int a;\nint b = 1 / 0;\nint c;\nint d;\n\n"};
    commit(repo, "Alice", "alice@example.com", T0 + 20 * DAY, "compute b", c3, 1);
    const char *c4[] = {"lib/b.c", "x\ny\nz\n"};
    commit(repo, "Carol", "carol@example.com", T0 + 30 * DAY, "extend b", c4, 1);
    const char *c5[] = {"README.md", "hello world\n"};
    commit(repo, "Bob", "bob@example.com", T0 + 40 * DAY, "docs", c5, 1);
    /* the fix also deletes a blank line, which SZZ must not blame */
    const char *c6[] = {"src/a.c", "int a;\nint b = 1;\nint c;\nint d;\n"};
    commit(repo, "Carol", "carol@example.com", T0 + 50 * DAY, "fix #12: division by zero", c6, 1);
    git_repository_free(repo);
    git_libgit2_shutdown();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mine(struct wf_risk_data *d, char **ids)
{
    struct wf_risk_repo *r;
    assert_int_equal(wf_risk_repo_open(dir, &r, NULL), WF_OK);
    wf_risk_data_init(d);
    assert_int_equal(wf_risk_repo_mine(r, NULL, d, ids, NULL), WF_OK);
    wf_risk_repo_free(r);
    assert_int_equal(d->n, 6);
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_metrics(void **state)
{
    (void)state;
    struct wf_risk_data d;
    mine(&d, NULL);
    const double *m;
    /* commit 1: everything new */
    m = d.rows[0].m;
    NEAR(m[WF_RISK_NS], 2); /* src and the root */
    NEAR(m[WF_RISK_NF], 2);
    NEAR(m[WF_RISK_LA], 4);
    NEAR(m[WF_RISK_LT], 0);
    NEAR(m[WF_RISK_EXP], 0);
    NEAR(m[WF_RISK_NDEV], 0);
    /* commit 2: bob, src/a.c +2 (one blank), lib/b.c new +2 */
    m = d.rows[1].m;
    assert_int_equal(d.rows[1].date, T0 + 10 * DAY);
    NEAR(m[WF_RISK_NS], 2);
    NEAR(m[WF_RISK_ND], 2);
    NEAR(m[WF_RISK_NF], 2);
    NEAR(m[WF_RISK_ENTROPY], 1); /* 2 of 4 lines in each file */
    NEAR(m[WF_RISK_LA], 4);
    NEAR(m[WF_RISK_LD], 0);
    NEAR(m[WF_RISK_LT], 3);
    NEAR(m[WF_RISK_FIX], 0);
    NEAR(m[WF_RISK_NDEV], 1);
    NEAR(m[WF_RISK_AGE], 10); /* only src/a.c has a past */
    NEAR(m[WF_RISK_NUC], 1);
    NEAR(m[WF_RISK_EXP], 0);
    NEAR(m[WF_RISK_REXP], 0);
    NEAR(m[WF_RISK_SEXP], 0);
    /* commit 3: alice changes line 2 of src/a.c */
    m = d.rows[2].m;
    NEAR(m[WF_RISK_NS], 1);
    NEAR(m[WF_RISK_ENTROPY], 0); /* one file: p = 1 */
    NEAR(m[WF_RISK_LA], 1);
    NEAR(m[WF_RISK_LD], 1);
    NEAR(m[WF_RISK_LT], 5);
    NEAR(m[WF_RISK_NDEV], 2);
    NEAR(m[WF_RISK_AGE], 10);
    NEAR(m[WF_RISK_NUC], 2);
    NEAR(m[WF_RISK_EXP], 1);
    NEAR(m[WF_RISK_REXP], 1); /* one commit this year: 1 / (0 + 1) */
    NEAR(m[WF_RISK_SEXP], 1);
    /* commit 6: carol fixes src/a.c */
    m = d.rows[5].m;
    assert_int_equal(d.rows[5].date, T0 + 50 * DAY);
    NEAR(m[WF_RISK_NS], 1);
    NEAR(m[WF_RISK_ND], 1);
    NEAR(m[WF_RISK_NF], 1);
    NEAR(m[WF_RISK_LA], 1);
    NEAR(m[WF_RISK_LD], 2); /* the buggy line and the blank one */
    NEAR(m[WF_RISK_LT], 5);
    NEAR(m[WF_RISK_FIX], 1);
    NEAR(m[WF_RISK_NDEV], 2); /* alice and bob */
    NEAR(m[WF_RISK_AGE], 30); /* last changed by commit 3 */
    NEAR(m[WF_RISK_NUC], 3);  /* commits 1, 2, 3 */
    NEAR(m[WF_RISK_EXP], 1);  /* carol's commit 4 */
    NEAR(m[WF_RISK_REXP], 1);
    NEAR(m[WF_RISK_SEXP], 0); /* commit 4 was in lib/, not src/ */
    wf_risk_data_cleanup(&d);
}

static void test_szz(void **state)
{
    (void)state;
    struct wf_risk_data d;
    mine(&d, NULL);
    /* only commit 3: the blank line the fix deleted came from commit 2,
     * which stays clean */
    for (size_t i = 0; i < d.n; i++)
        assert_int_equal(d.rows[i].bug, i == 2);
    wf_risk_data_cleanup(&d);
}

static void test_csv_round_trip(void **state)
{
    (void)state;
    struct wf_risk_data d, back;
    struct wf_buf csv;
    char *ids = NULL;
    size_t line;
    mine(&d, &ids);
    assert_int_equal(strlen(ids), 40);
    wf_buf_init(&csv, 1u << 20);
    assert_int_equal(wf_risk_csv_write(&d, ids, &csv), WF_OK);
    assert_non_null(strstr(csv.p, ",_id,date,bug,__,ns,nd,nf,entrophy,la,ld,lt,fix,ndev,age,nuc,"
                                  "exp,rexp,sexp\n0,"));
    wf_risk_data_init(&back);
    assert_int_equal(wf_risk_csv_parse(csv.p, csv.len, &back, &line, NULL), WF_OK);
    assert_int_equal(back.n, d.n);
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(back.rows[i].date, d.rows[i].date);
        assert_int_equal(back.rows[i].bug, d.rows[i].bug);
        for (unsigned k = 0; k < WF_RISK_N_METRICS; k++)
            assert_true(back.rows[i].m[k] == d.rows[i].m[k]);
    }
    wf_risk_data_cleanup(&back);
    wf_buf_cleanup(&csv);
    wf_free(ids);
    wf_risk_data_cleanup(&d);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct wf_risk_repo *r = NULL;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    assert_int_equal(wf_risk_repo_open("/nonexistent/wf-risk", &r, &err), WF_ENOENT);
    assert_null(r);
    assert_true(err.len > 0);

    /* a repository without a commit has nothing to mine or to compare with */
    char empty[96];
    git_repository *repo;
    snprintf(empty, sizeof(empty), "%s/empty", dir);
    git_libgit2_init();
    assert_int_equal(git_repository_init(&repo, empty, 0), 0);
    git_repository_free(repo);
    git_libgit2_shutdown();
    struct wf_risk_data d;
    struct wf_risk_change_metrics cm;
    wf_risk_data_init(&d);
    memset(&cm, 0, sizeof(cm));
    assert_int_equal(wf_risk_repo_open(empty, &r, &err), WF_OK);
    assert_int_equal(wf_risk_repo_mine(r, NULL, &d, NULL, &err), WF_EEMPTY);
    assert_null(d.rows);
    assert_int_equal(wf_risk_repo_change_metrics(r, NULL, NULL, 0, NULL, NULL, T0, &cm, &err),
                     WF_EEMPTY);
    wf_risk_repo_free(r);
    wf_buf_cleanup(&err);
}

static void test_paths_and_messages(void **state)
{
    (void)state;
    assert_true(wf_risk_path_class(".github/workflows/ci.yml") & WF_RISK_PATH_CI);
    assert_true(wf_risk_path_class("Jenkinsfile") & WF_RISK_PATH_CI);
    assert_true(wf_risk_path_class(".gitlab-ci.yml") & WF_RISK_PATH_CI);
    assert_true(wf_risk_path_class("db/migrate/2026_add_users.rb") & WF_RISK_PATH_MIGRATION);
    assert_true(wf_risk_path_class("app/migrations/0001_initial.py") & WF_RISK_PATH_MIGRATION);
    assert_true(wf_risk_path_class("schema/init.sql") & WF_RISK_PATH_MIGRATION);
    assert_true(wf_risk_path_class("src/auth/login.c") & WF_RISK_PATH_AUTH);
    assert_true(wf_risk_path_class("lib/crypto.go") & WF_RISK_PATH_AUTH);
    assert_false(wf_risk_path_class("src/author_list.c") & WF_RISK_PATH_AUTH);
    assert_true(wf_risk_path_class("web/package-lock.json") & WF_RISK_PATH_LOCK);
    assert_true(wf_risk_path_class("go.mod") & WF_RISK_PATH_MANIFEST);
    assert_true(wf_risk_path_class("tests/test_x.py") & WF_RISK_PATH_TEST);
    assert_true(wf_risk_path_class("pkg/x_test.go") & WF_RISK_PATH_TEST);
    assert_true(wf_risk_path_class("src/x.c") & WF_RISK_PATH_CODE);
    assert_false(wf_risk_path_class("README.md") & WF_RISK_PATH_CODE);
    assert_string_equal(wf_risk_lock_manifest("a/Cargo.lock"), "Cargo.toml");
    assert_string_equal(wf_risk_lock_manifest("go.sum"), "go.mod");
    assert_null(wf_risk_lock_manifest("go.mod"));

    assert_true(wf_risk_is_fix_message("fix #12: division by zero"));
    assert_true(wf_risk_is_fix_message("Fixed the parser"));
    assert_true(wf_risk_is_fix_message("bug 1234: crash"));
    assert_true(wf_risk_is_fix_message("Closes #7"));
    assert_true(wf_risk_is_fix_message("resolves JIRA-123"));
    assert_false(wf_risk_is_fix_message("add prefix handling"));
    assert_false(wf_risk_is_fix_message("debug output"));
    assert_false(wf_risk_is_fix_message("issue tracker link"));
    assert_false(wf_risk_is_fix_message(NULL));

    struct wf_buf email, msg;
    wf_buf_init(&email, 256);
    wf_buf_init(&msg, 256);
    static const char show[] = "commit 5f3c0e1\nAuthor: Jane Doe <jane@example.com>\n"
                               "Date:   Mon Nov 23 10:00:00 2026 +0000\n\n    fix #7: crash\n"
                               "    on empty input\n\ndiff --git a/x b/x\n    not a message\n";
    assert_int_equal(wf_risk_diff_header(show, strlen(show), &email, &msg), WF_OK);
    assert_string_equal(email.p, "jane@example.com");
    assert_string_equal(msg.p, "fix #7: crash\non empty input");
    wf_buf_reset(&email);
    wf_buf_reset(&msg);
    static const char patch[] = "From 5f3c0e1 Mon Sep 17 00:00:00 2001\r\nFrom: Al <al@x.org>\r\n"
                                "Subject: [PATCH] add cache\r\n\r\n---\r\n a | 1 +\r\n"
                                "--- a/a\r\n+++ b/a\r\n";
    assert_int_equal(wf_risk_diff_header(patch, strlen(patch), &email, &msg), WF_OK);
    assert_string_equal(email.p, "al@x.org");
    assert_string_equal(msg.p, "[PATCH] add cache");
    wf_buf_reset(&email);
    wf_buf_reset(&msg);
    assert_int_equal(wf_risk_diff_header("--- a/a\n+++ b/a\n", 16, &email, &msg), WF_OK);
    assert_int_equal(email.len + msg.len, 0);
    wf_buf_cleanup(&email);
    wf_buf_cleanup(&msg);

    assert_true(wf_risk_szz_ignorable_line(wf_str_c("   ")));
    assert_true(wf_risk_szz_ignorable_line(wf_str_c("  // note")));
    assert_true(wf_risk_szz_ignorable_line(wf_str_c("# comment")));
    assert_true(wf_risk_szz_ignorable_line(wf_str_c(" * doc")));
    assert_false(wf_risk_szz_ignorable_line(wf_str_c("x = 1 // set")));
}

/* A diff on top of HEAD: src/a.c (+30 -2), a new src/c.c, a lockfile without
 * its manifest, a CI file and a migration; no tests. */
static const struct wf_risk_change_file diff_files[] = {
    {"src/a.c", 30, 2, 0, 0},
    {"src/c.c", 20, 0, 1, 0},
    {"web/yarn.lock", 5, 5, 0, 0},
    {".github/workflows/ci.yml", 2, 0, 0, 0},
    {"db/migrate/001_users.sql", 3, 0, 1, 0},
};
#define N_DIFF (sizeof(diff_files) / sizeof(diff_files[0]))

static void classify(struct wf_risk_change_file *f)
{
    memcpy(f, diff_files, sizeof(diff_files));
    for (size_t i = 0; i < N_DIFF; i++)
        f[i].flags = wf_risk_path_class(f[i].path);
}

static void test_change_metrics_and_score(void **state)
{
    (void)state;
    struct wf_risk_change_file files[N_DIFF];
    struct wf_risk_change_metrics cm;
    struct wf_risk_assessment a;
    struct wf_risk_repo *r;
    struct wf_ml_model *m;
    classify(files);
    memset(&cm, 0, sizeof(cm));
    assert_int_equal(wf_risk_repo_open(dir, &r, NULL), WF_OK);
    assert_int_equal(wf_risk_repo_change_metrics(r, NULL, files, N_DIFF, "bob@example.com",
                                                 "add users", T0 + 60 * DAY, &cm, NULL),
                     WF_OK);
    wf_risk_repo_free(r);
    const double *x = cm.c.m;
    assert_true(cm.have_history);
    NEAR(x[WF_RISK_NF], 5);
    NEAR(x[WF_RISK_NS], 4); /* src, web, .github, db */
    NEAR(x[WF_RISK_ND], 4); /* src, web, .github/workflows, db/migrate */
    NEAR(x[WF_RISK_LA], 60);
    NEAR(x[WF_RISK_LD], 7);
    NEAR(x[WF_RISK_LT], 4); /* src/a.c in HEAD; the others are new or unknown */
    NEAR(x[WF_RISK_FIX], 0);
    NEAR(x[WF_RISK_NDEV], 3);
    NEAR(x[WF_RISK_AGE], 10);
    NEAR(x[WF_RISK_NUC], 4);  /* commits 1, 2, 3, 6 */
    NEAR(x[WF_RISK_EXP], 2);  /* bob's commits 2 and 5 */
    NEAR(x[WF_RISK_SEXP], 1); /* commit 2 touched src/ */
    NEAR(x[WF_RISK_REXP], 2);
    assert_string_equal(cm.owners[0], "Alice");
    assert_int_equal(cm.owner_commits[0], 2);
    assert_non_null(cm.owners[1]);
    assert_null(strchr(cm.owners[1], '@'));

    assert_int_equal(wf_risk_default_model(&m), WF_OK);
    assert_int_equal(wf_risk_assess(m, &cm, files, N_DIFF, &a), WF_OK);
    assert_true(a.score >= 0 && a.score <= 100);
    assert_int_equal(a.score, (int)lround(a.probability * 100));
    assert_true(a.n_factors > 0);
    for (size_t i = 1; i < a.n_factors; i++)
        assert_true(fabs(a.factors[i - 1].contribution) >= fabs(a.factors[i].contribution));
    assert_true(a.flags & WF_RISK_PATH_CI);
    assert_true(a.flags & WF_RISK_PATH_MIGRATION);
    assert_true(a.flags & WF_RISK_PATH_LOCK);
    assert_int_equal(a.test_added, 0);
    assert_int_equal(a.code_added, 53); /* a.c, c.c and the .sql file */
    assert_true(a.test_ratio == 0.0);
    int tests = 0, owner = 0, ci = 0, lock = 0, mig = 0;
    for (size_t i = 0; i < a.n_recs; i++) {
        tests += strstr(a.recs[i], "Add tests") && strstr(a.recs[i], "src/a.c, src/c.c");
        owner += strstr(a.recs[i], "Alice (2 recent commits)") != NULL;
        ci += strstr(a.recs[i], ".github/workflows/ci.yml") != NULL;
        lock += strstr(a.recs[i], "web/yarn.lock changed without package.json") != NULL;
        mig += strstr(a.recs[i], "migration (db/migrate/001_users.sql)") != NULL;
        assert_null(strchr(a.recs[i], '@'));
    }
    assert_int_equal(tests + owner + ci + lock + mig, 5);

    /* the manifest beside the lockfile clears the flag */
    struct wf_risk_change_file two[2] = {{"web/yarn.lock", 1, 1, 0, 0},
                                         {"web/package.json", 1, 1, 0, 0}};
    for (size_t i = 0; i < 2; i++)
        two[i].flags = wf_risk_path_class(two[i].path);
    struct wf_risk_change_metrics cm2;
    memset(&cm2, 0, sizeof(cm2));
    assert_int_equal(wf_risk_change_size_metrics(two, 2, &cm2.c), WF_OK);
    assert_int_equal(wf_risk_assess(m, &cm2, two, 2, &a), WF_OK);
    assert_false(a.flags & WF_RISK_PATH_LOCK);
    assert_int_equal(a.code_added, 0); /* neither file is code */
    /* without history, no history factor is reported */
    static const char *const hist[] = {"lt",   "ndev", "age", "nuc",   "exp",
                                       "rexp", "sexp", "fix", "la/lt", "ld/lt"};
    assert_true(a.n_factors > 0);
    for (size_t i = 0; i < a.n_factors; i++)
        for (size_t k = 0; k < sizeof(hist) / sizeof(hist[0]); k++)
            assert_string_not_equal(a.factors[i].metric, hist[k]);
    wf_ml_model_free(m);
    wf_risk_change_metrics_cleanup(&cm);
}

/* Fails each allocation of mining and of a diff's metrics in turn: every
 * failure is WF_ENOMEM with nothing written and nothing leaked (ASan). */
static void test_alloc_failures(void **state)
{
    (void)state;
    struct wf_risk_change_file files[N_DIFF];
    struct wf_risk_repo *r;
    int done = 0;
    classify(files);
    assert_int_equal(wf_risk_repo_open(dir, &r, NULL), WF_OK);
    for (long k = 0; !done && k < 100000; k++) {
        struct wf_risk_data d;
        char *ids = NULL;
        wf_risk_data_init(&d);
        wf_alloc_fail_after(k);
        int rc = wf_risk_repo_mine(r, NULL, &d, &ids, NULL);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK) {
            assert_int_equal(d.n, 6);
            done = 1;
        } else {
            assert_int_equal(rc, WF_ENOMEM);
            assert_null(d.rows);
            assert_null(ids);
        }
        wf_free(ids);
        wf_risk_data_cleanup(&d);
    }
    assert_true(done);
    done = 0;
    for (long k = 0; !done && k < 100000; k++) {
        struct wf_risk_change_metrics cm;
        memset(&cm, 0, sizeof(cm));
        wf_alloc_fail_after(k);
        int rc = wf_risk_repo_change_metrics(r, NULL, files, N_DIFF, "bob@example.com", NULL,
                                             T0 + 60 * DAY, &cm, NULL);
        wf_alloc_fail_after(-1);
        if (rc == WF_OK)
            done = 1;
        else
            assert_int_equal(rc, WF_ENOMEM);
        assert_true(rc == WF_OK || cm.owners[0] == NULL);
        wf_risk_change_metrics_cleanup(&cm);
    }
    assert_true(done);
    wf_risk_repo_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_szz),
        cmocka_unit_test(test_csv_round_trip),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_paths_and_messages),
        cmocka_unit_test(test_change_metrics_and_score),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
