/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai review --diff FILE|- [--format text|json|sarif|rdjson]
 * [--fail-level error|warning|note|none] [--max-file-lines N]
 * [--llm-url URL --llm-model M [--llm-key-env VAR] [--llm-timeout-ms N]]`:
 * runs the review rules over the added lines of a unified diff, then, when
 * an LLM is configured, the LLM pass, and prints the findings; exits 3 when
 * one reaches the fail level. An LLM that fails only prints a warning.
 */
#include "cli_int.h"

#include "review/review.h"

#include <stdlib.h>
#include <string.h>

#define EXIT_FINDINGS 3
#define DEFAULT_KEY_ENV "WORKFLOWAI_LLM_API_KEY"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: workflowai review --diff FILE|- [--format text|json|sarif|rdjson]\n"
            "                         [--fail-level error|warning|note|none]\n"
            "                         [--max-file-lines N] [--list-rules]\n"
            "                         [--llm-url URL --llm-model M [--llm-key-env VAR]\n"
            "                          [--llm-timeout-ms N] | --no-llm]\n\n"
            "Reviews the added lines of a unified diff (git diff, git show, format-patch,\n"
            "diff -u): secrets, unbounded C calls, SQL and shell built from strings, TLS\n"
            "verification off, debug prints, TODOs, commented-out code, large and binary\n"
            "files, CI changes, code without tests, lockfiles without their manifest.\n"
            "Rules: docs/internals/review.md.\n\n"
            "options:\n"
            "  --diff FILE|-         the diff ('-' reads stdin)\n"
            "  --format F            text (default), json, sarif (2.1.0) or rdjson (reviewdog)\n"
            "  --fail-level L        exit 3 when a finding is at least L (default error;\n"
            "                        none never fails)\n"
            "  --max-file-lines N    large-file limit of added lines per file (default %u)\n"
            "  --list-rules          print id, severity and description of every rule\n"
            "  --llm-url URL         OpenAI-compatible base URL (e.g. http://localhost:11434/v1);\n"
            "                        default $WORKFLOWAI_LLM_URL. With a model, each file's\n"
            "                        redacted hunks are also reviewed by the model\n"
            "  --llm-model M         model name (default $WORKFLOWAI_LLM_MODEL)\n"
            "  --llm-key-env VAR     environment variable holding the API key (default\n"
            "                        " DEFAULT_KEY_ENV "; none when unset)\n"
            "  --llm-timeout-ms N    deadline of one model call, retries included (default %ld)\n"
            "  --no-llm              skip the LLM pass even when the environment sets one\n"
            "  -h, --help            show this help\n\n"
            "Exit status: 0 no finding at the fail level, 1 unreadable or malformed diff,\n"
            "2 bad usage, 3 findings at or above the fail level. An LLM that fails\n"
            "(unreachable, timeout, HTTP error, unusable answer) only prints a warning.\n",
            WF_REVIEW_DEFAULT_MAX_FILE_LINES, WF_LLM_DEFAULT_TIMEOUT_MS);
}

static int list_rules(void)
{
    size_t n;
    const struct wf_review_rule *rules = wf_review_rules(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-26s %-7s %s\n", rules[i].id, wf_review_severity_name(rules[i].severity),
               rules[i].desc);
    return WF_CLI_EXIT_OK;
}

int wf_cli__review(int argc, char **argv)
{
    const char *diff_path = NULL;
    enum wf_review_format fmt = WF_REVIEW_FMT_TEXT;
    int fail_level = WF_REVIEW_ERROR; /* -1 = none */
    struct wf_review_opts opts;
    const char *llm_url = getenv("WORKFLOWAI_LLM_URL");
    const char *llm_model = getenv("WORKFLOWAI_LLM_MODEL");
    const char *key_env = NULL;
    long llm_timeout_ms = WF_LLM_DEFAULT_TIMEOUT_MS;
    int no_llm = 0;
    wf_review_opts_init(&opts);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (wf_cli__is_help(a)) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        } else if (strcmp(a, "--list-rules") == 0) {
            return list_rules();
        } else if (strcmp(a, "--no-llm") == 0) {
            no_llm = 1;
        } else if (strcmp(a, "--llm-url") == 0 || strcmp(a, "--llm-model") == 0 ||
                   strcmp(a, "--llm-key-env") == 0 || strcmp(a, "--llm-timeout-ms") == 0) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "review", "%s needs a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--llm-url") == 0) {
                llm_url = v;
            } else if (strcmp(a, "--llm-model") == 0) {
                llm_model = v;
            } else if (strcmp(a, "--llm-key-env") == 0) {
                key_env = v;
            } else if (wf_parse_long(v, 1, 3600000, &llm_timeout_ms)) {
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "review",
                                    "--llm-timeout-ms needs a positive number, not '%s'", v);
            }
        } else if (strcmp(a, "--diff") == 0 || strcmp(a, "--format") == 0 ||
                   strcmp(a, "--fail-level") == 0 || strcmp(a, "--max-file-lines") == 0) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "review", "%s needs a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--diff") == 0) {
                diff_path = v;
            } else if (strcmp(a, "--format") == 0) {
                if (wf_review_format_parse(v, &fmt))
                    return wf_cli__fail(WF_CLI_EXIT_USAGE, "review",
                                        "unknown format '%s' (text, json, sarif or rdjson)", v);
            } else if (strcmp(a, "--fail-level") == 0) {
                enum wf_review_severity s;
                if (strcmp(v, "none") == 0)
                    fail_level = -1;
                else if (wf_review_severity_parse(v, &s) == WF_OK)
                    fail_level = (int)s;
                else
                    return wf_cli__fail(WF_CLI_EXIT_USAGE, "review",
                                        "unknown level '%s' (error, warning, note or none)", v);
            } else {
                long n;
                if (wf_parse_long(v, 1, 10000000, &n))
                    return wf_cli__fail(WF_CLI_EXIT_USAGE, "review",
                                        "--max-file-lines needs a positive number, not '%s'", v);
                opts.max_file_lines = (size_t)n;
            }
        } else {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "review", "unexpected argument '%s'", a);
        }
    }
    if (!diff_path)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "review", "--diff FILE (or '-') is required");
    if (llm_url && !*llm_url)
        llm_url = NULL;
    if (llm_model && !*llm_model)
        llm_model = NULL;
    int use_llm = !no_llm && (llm_url || llm_model);
    if (use_llm && (!llm_url || !llm_model))
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "review",
                            "the LLM pass needs both --llm-url and --llm-model (or "
                            "WORKFLOWAI_LLM_URL and WORKFLOWAI_LLM_MODEL)");
    if (use_llm && strncmp(llm_url, "http://", 7) && strncmp(llm_url, "https://", 8))
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "review", "--llm-url must be an http(s) URL");
    const char *llm_key = getenv(key_env ? key_env : DEFAULT_KEY_ENV);
    if (use_llm && key_env && (!llm_key || !*llm_key))
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "review", "--llm-key-env: $%s is not set", key_env);

    int code = WF_CLI_EXIT_FAIL;
    char *text = NULL;
    size_t len = 0, line = 0;
    struct wf_risk_diff d;
    struct wf_review_result res;
    struct wf_reviewer *rv = NULL;
    struct wf_buf err, out;
    wf_risk_diff_init(&d);
    wf_review_result_init(&res);
    wf_buf_init(&err, 4096);
    wf_buf_init(&out, WF_REVIEW_MAX_REPORT_BYTES);

    int rc = wf_read_file(diff_path, WF_RISK_DIFF_MAX_BYTES, &text, &len);
    if (rc) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "review", "cannot read '%s': %s", diff_path,
                     wf_strerror(rc));
        goto out;
    }
    rc = wf_risk_diff_parse(text, len, &d, &line, &err);
    if (rc) {
        const char *msg = err.len ? err.p : wf_strerror(rc);
        if (line)
            wf_cli__fail(WF_CLI_EXIT_FAIL, "review", "%s:%zu: %s", diff_path, line, msg);
        else
            wf_cli__fail(WF_CLI_EXIT_FAIL, "review", "%s: %s", diff_path, msg);
        goto out;
    }
    rc = wf_review_new(&opts, &rv);
    if (!rc)
        rc = wf_review_run(rv, &d, &res);
    if (!rc && use_llm) {
        struct wf_llm_config lc;
        struct wf_review_llm_opts lo;
        wf_llm_config_init(&lc);
        lc.base_url = llm_url;
        lc.model = llm_model;
        lc.api_key = llm_key && *llm_key ? llm_key : NULL;
        lc.timeout_ms = llm_timeout_ms;
        wf_review_llm_opts_init(&lo);
        lo.llm = &lc;
        rc = wf_llm_global_init();
        if (!rc) {
            rc = wf_review_llm(&lo, &d, &res);
            wf_llm_global_cleanup();
        }
        if (!rc && res.llm_warning)
            fprintf(stderr, "workflowai: review: warning: %s\n", res.llm_warning);
    }
    if (!rc)
        rc = wf_review_write(&res, fmt, &out);
    if (rc) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "review", "'%s': %s", diff_path, wf_strerror(rc));
        goto out;
    }
    if (fwrite(out.p ? out.p : "", 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        wf_cli__fail(WF_CLI_EXIT_FAIL, "review", "cannot write the findings");
        goto out;
    }
    code = WF_CLI_EXIT_OK;
    for (int s = fail_level; s >= 0 && s <= WF_REVIEW_ERROR; s++)
        if (res.n_by_sev[s])
            code = EXIT_FINDINGS;
out:
    wf_free(text);
    wf_review_free(rv);
    wf_review_result_cleanup(&res);
    wf_risk_diff_cleanup(&d);
    wf_buf_cleanup(&err);
    wf_buf_cleanup(&out);
    return code;
}
