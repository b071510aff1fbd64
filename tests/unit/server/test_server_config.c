/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration table: defaults, flags, environment, config file, and
 * the errors each gives for bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/server.h"

static void test_defaults(void **state)
{
    (void)state;
    struct wf_server_config c;
    wf_server_config_init(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_string_equal(c.store, "sqlite:./data/workflowai.db");
    assert_int_equal(c.workers, 2);
    assert_true(c.rate_limit == 50.0);
    assert_int_equal(c.max_log_bytes, 268435456L);
    assert_string_equal(c.log_format, "json");
}

static void test_flags(void **state)
{
    (void)state;
    struct wf_server_config c;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    wf_server_config_init(&c);
    assert_int_equal(wf_server_config_flag(&c, "workers", "7", &err), 1);
    assert_int_equal(c.workers, 7);
    assert_int_equal(wf_server_config_flag(&c, "rate-limit", "2.5", &err), 1);
    assert_true(c.rate_limit == 2.5);
    assert_int_equal(wf_server_config_flag(&c, "nope", "1", &err), 0);
    assert_int_equal(wf_server_config_flag(&c, "workers", "many", &err), -1);
    assert_non_null(strstr(err.p, "workers"));
    wf_buf_reset(&err);
    assert_int_equal(wf_server_config_flag(&c, "workers", "1.5", &err), -1);
    assert_int_equal(wf_server_config_flag(&c, "workers", "65", &err), -1);
    assert_int_equal(wf_server_config_flag(&c, "workers", NULL, &err), -1);
    assert_int_equal(c.workers, 7); /* failed flags leave the value */
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(wf_server_config_flag(&c, "listen", big, &err), -1);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    wf_buf_cleanup(&err);
}

static void test_env(void **state)
{
    (void)state;
    struct wf_server_config c;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    wf_server_config_init(&c);
    setenv("WORKFLOWAI_GITHUB_TOKEN", "tok", 1);
    setenv("WORKFLOWAI_LEASE_MS", "5000", 1);
    assert_int_equal(wf_server_config_env(&c, &err), WF_OK);
    assert_string_equal(c.github_token, "tok");
    assert_int_equal(c.lease_ms, 5000);
    setenv("WORKFLOWAI_LEASE_MS", "5", 1); /* below the minimum */
    assert_int_equal(wf_server_config_env(&c, &err), WF_EINVAL);
    assert_non_null(strstr(err.p, "WORKFLOWAI_LEASE_MS"));
    unsetenv("WORKFLOWAI_GITHUB_TOKEN");
    unsetenv("WORKFLOWAI_LEASE_MS");
    wf_buf_cleanup(&err);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_file(void **state)
{
    (void)state;
    char path[] = "/tmp/wf-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct wf_server_config c;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    wf_server_config_init(&c);
    write_file(path, "# comment\n\nlisten = 0.0.0.0:9000  # trailing\nworkers=3\n");
    assert_int_equal(wf_server_config_file(&c, path, &err), WF_OK);
    assert_string_equal(c.listen, "0.0.0.0:9000");
    assert_int_equal(c.workers, 3);
    write_file(path, "workers = 3\nbogus = 1\n");
    assert_int_equal(wf_server_config_file(&c, path, &err), WF_EINVAL);
    assert_non_null(strstr(err.p, ":2: unknown key \"bogus\""));
    wf_buf_reset(&err);
    write_file(path, "workers\n");
    assert_int_equal(wf_server_config_file(&c, path, &err), WF_EINVAL);
    assert_non_null(strstr(err.p, ":1: expected"));
    wf_buf_reset(&err);
    write_file(path, "rate-burst = 0\n");
    assert_int_equal(wf_server_config_file(&c, path, &err), WF_EINVAL);
    unlink(path);
    wf_buf_reset(&err);
    assert_int_equal(wf_server_config_file(&c, path, &err), WF_ENOENT);
    wf_buf_cleanup(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
