/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai triage FILE|- [--pass LOG] [--format text|json] [--lines]
 * [--model FILE] [--max-blocks N]`: streams the failed log through the
 * triage pipeline in 64 KiB chunks and prints the report.
 */
#include "cli_int.h"

#include "kb/kb.h"
#include "triage/triage.h"

#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: workflowai triage FILE|- [options]\n\n"
               "Explains a failed CI log: the failing step, the lines that explain the failure\n"
               "(ranked blocks with 1-based line numbers), a category with a confidence, a\n"
               "signature shared by the same failure in other runs, a root cause and next\n"
               "steps. Reads GitHub Actions, GitLab, Jenkins, Travis and plain build logs;\n"
               "'-' reads standard input. Every line is redacted (secrets, e-mail\n"
               "addresses) before it is analysed; nothing is printed in the clear.\n\n"
               "options:\n"
               "  --pass LOG        a log of a passing run of the same job: lines it also has\n"
               "                    count for less, new lines stand out\n"
               "  --format FMT      text (default) or json (schema: docs/triage-json.md)\n"
               "  --json            same as --format json\n"
               "  --lines           print only the explaining line ranges, e.g. 12-15,40\n"
               "  --model FILE      classify with this model instead of the built-in one\n"
               "                    (see 'workflowai train triage')\n"
               "  --max-blocks N    excerpt blocks to report, 1-64 (default 5)\n"
               "  --redact-config F allowlists, key and e-mail/IP switches for the\n"
               "                    redaction every line goes through first (format:\n"
               "                    docs/internals/redact.md)\n"
               "  --store URL       add references from this store: runbook passages of\n"
               "                    the tenant's knowledge base that match the key lines,\n"
               "                    past failures with the same signature and similar ones\n"
               "  --data DIR        same as --store sqlite:DIR/workflowai.db\n"
               "  --tenant ID       tenant of --store/--data (default: default)\n"
               "  -h, --help        show this help\n\n"
               "Exit status: 0 report printed, 1 unreadable input or model, 2 bad usage.\n");
}

enum fmt { FMT_TEXT, FMT_JSON, FMT_LINES };

static int feed_chunk(void *ud, const char *chunk, size_t n)
{
    return wf_triage_feed(ud, chunk, n);
}

struct refs_src {
    const char *store, *data, *tenant;
};

static int run(const char *path, const char *pass, const char *model_path, enum fmt fmt,
               size_t max_blocks, const char *redact_path, const struct refs_src *rs)
{
    struct wf_store *st = NULL;
    struct wf_kb *kb = NULL;
    struct wf_kb_refs refs = {NULL, NULL, rs->tenant ? rs->tenant : "default"};
    struct wf_ml_model *model = NULL;
    struct wf_redact_config rcfg;
    int have_rcfg = 0;
    struct wf_triage *t = NULL;
    struct wf_triage_result res;
    struct wf_buf out;
    FILE *f = NULL;
    int rc, code = WF_CLI_EXIT_FAIL, have_res = 0;
    wf_buf_init(&out, 64u * 1024 * 1024);

    if (model_path) {
        char *text;
        size_t len;
        rc = wf_read_file(model_path, WF_LIMIT_MODEL_BYTES, &text, &len);
        if (rc) {
            wf_cli__fail(1, "triage", "cannot read model '%s': %s", model_path, wf_strerror(rc));
            goto out;
        }
        rc = wf_ml_load(text, len, &model);
        wf_free(text);
        if (rc) {
            wf_cli__fail(1, "triage", "model '%s': %s", model_path, wf_strerror(rc));
            goto out;
        }
    }
    if (redact_path) {
        char *text;
        size_t len, err_line = 0;
        struct wf_buf err;
        rc = wf_read_file(redact_path, WF_REDACT_MAX_CONFIG_BYTES, &text, &len);
        if (rc) {
            wf_cli__fail(1, "triage", "cannot read redaction config '%s': %s", redact_path,
                         wf_strerror(rc));
            goto out;
        }
        wf_buf_init(&err, 4096);
        rc = wf_redact_config_parse(&rcfg, text, len, &err_line, &err);
        wf_free(text);
        have_rcfg = 1;
        if (rc) {
            wf_cli__fail(1, "triage", "%s:%zu: %s", redact_path, err_line,
                         err.p ? err.p : wf_strerror(rc));
            wf_buf_cleanup(&err);
            goto out;
        }
        wf_buf_cleanup(&err);
    }
    if (rs->store || rs->data) {
        if (wf_cli__kb_open("triage", rs->store, rs->data, &st, &kb) != WF_CLI_EXIT_OK)
            goto out;
        refs.kb = kb;
        refs.store = st;
    }
    struct wf_triage_opts o = {model, max_blocks, have_rcfg ? &rcfg.opts : NULL,
                               st ? wf_kb_triage_refs : NULL, &refs};
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        wf_cli__fail(1, "triage", "cannot open '%s': %s", path, wf_strerror(WF_ENOENT));
        goto out;
    }
    if (pass) {
        if (strcmp(pass, "-") == 0 && f == stdin) {
            wf_cli__fail(1, "triage", "the failed and passing logs cannot both be stdin");
            goto out;
        }
        rc = wf_triage_new_pass_file(&o, pass, &t);
        if (rc) {
            wf_cli__fail(1, "triage", "passing log '%s': %s", pass, wf_strerror(rc));
            goto out;
        }
    } else {
        rc = wf_triage_new(&o, NULL, 0, &t);
        if (rc) {
            wf_cli__fail(1, "triage", "%s", wf_strerror(rc));
            goto out;
        }
    }
    rc = wf_read_chunks(f, feed_chunk, t);
    if (rc) {
        if (rc == WF_EIO)
            wf_cli__fail(1, "triage", "cannot read '%s': %s", path, wf_strerror(rc));
        else
            wf_cli__fail(1, "triage", "'%s': %s", path, wf_strerror(rc));
        goto out;
    }
    rc = wf_triage_finish(t, &res);
    if (rc) {
        wf_cli__fail(1, "triage", "'%s': %s", path, wf_strerror(rc));
        goto out;
    }
    have_res = 1;
    rc = fmt == FMT_JSON    ? wf_triage_format_json(&res, &out)
         : fmt == FMT_LINES ? wf_triage_format_lines(&res, &out)
                            : wf_triage_format_text(&res, &out);
    if (rc) {
        wf_cli__fail(1, "triage", "formatting the report: %s", wf_strerror(rc));
        goto out;
    }
    if (fwrite(out.p, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        wf_cli__fail(1, "triage", "cannot write the report");
        goto out;
    }
    code = WF_CLI_EXIT_OK;
out:
    if (have_res)
        wf_triage_result_cleanup(&res);
    if (f && f != stdin)
        fclose(f);
    wf_triage_free(t);
    wf_ml_model_free(model);
    if (have_rcfg)
        wf_redact_config_cleanup(&rcfg);
    wf_kb_free(kb);
    wf_store_close(st);
    wf_buf_cleanup(&out);
    return code;
}

int wf_cli__triage(int argc, char **argv)
{
    const char *path = NULL, *pass = NULL, *model = NULL, *redact = NULL;
    struct refs_src rs = {NULL, NULL, NULL};
    enum fmt fmt = FMT_TEXT;
    size_t max_blocks = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (wf_cli__is_help(a)) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            fmt = FMT_JSON;
        } else if (strcmp(a, "--lines") == 0) {
            fmt = FMT_LINES;
        } else if (strcmp(a, "--pass") == 0 || strcmp(a, "--format") == 0 ||
                   strcmp(a, "--model") == 0 || strcmp(a, "--max-blocks") == 0 ||
                   strcmp(a, "--redact-config") == 0 || strcmp(a, "--store") == 0 ||
                   strcmp(a, "--data") == 0 || strcmp(a, "--tenant") == 0) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "triage", "%s needs a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--pass") == 0) {
                pass = v;
            } else if (strcmp(a, "--store") == 0) {
                rs.store = v;
            } else if (strcmp(a, "--data") == 0) {
                rs.data = v;
            } else if (strcmp(a, "--tenant") == 0) {
                rs.tenant = v;
            } else if (strcmp(a, "--model") == 0) {
                model = v;
            } else if (strcmp(a, "--redact-config") == 0) {
                redact = v;
            } else if (strcmp(a, "--max-blocks") == 0) {
                long n;
                if (wf_parse_long(v, 1, WF_LIMIT_BLOCKS, &n))
                    return wf_cli__fail(WF_CLI_EXIT_USAGE, "triage",
                                        "--max-blocks takes a number from 1 to %u, not '%s'",
                                        WF_LIMIT_BLOCKS, v);
                max_blocks = (size_t)n;
            } else if (strcmp(v, "text") == 0) {
                fmt = FMT_TEXT;
            } else if (strcmp(v, "json") == 0) {
                fmt = FMT_JSON;
            } else {
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "triage",
                                    "unknown format '%s' (use text or json)", v);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "triage", "unknown option '%s'", a);
        } else if (!path) {
            path = a;
        } else {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "triage", "one log at a time (got '%s')", a);
        }
    }
    if (!path)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "triage", "missing the log to triage (FILE or -)");
    if (rs.store && rs.data)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "triage", "give --store or --data, not both");
    return run(path, pass, model, fmt, max_blocks, redact, &rs);
}
