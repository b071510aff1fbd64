/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai redact FILE|- [--report json] [--config FILE] [--list-rules]`:
 * streams a log through the redact module in 64 KiB chunks and prints the
 * redacted text, or a JSON report of the findings (never the secrets).
 */
#include "cli_int.h"

#include "redact/redact.h"

#include <string.h>

#define CHUNK_BYTES (1u << 16)
#define FLUSH_BYTES (1u << 18)

static void usage(FILE *f)
{
    fprintf(f, "usage: workflowai redact FILE|- [options]\n\n"
               "Masks secrets and personal data in a log: cloud and CI tokens (AWS, GCP,\n"
               "Azure, GitHub, GitLab, Slack, Stripe, npm, PyPI, Docker Hub), JWTs, private\n"
               "key blocks, passwords in URLs and assignments, Authorization headers,\n"
               "high-entropy values next to secret-ish keys, e-mail addresses, card numbers\n"
               "and (when enabled) IP addresses. Each becomes [REDACTED:<rule>:<tag>], the\n"
               "tag a keyed hash: the same secret always gets the same tag. Lines carrying\n"
               "'workflowai:allow' are kept as they are. '-' reads standard input.\n\n"
               "options:\n"
               "  --report json     print the findings (rule, line, column, length) as JSON\n"
               "                    instead of the redacted text\n"
               "  --config FILE     key = value settings: key, emails, ips, disable, allow,\n"
               "                    allow_path (an input matching an allow_path glob is\n"
               "                    passed through as it is)\n"
               "                    (format: docs/internals/redact.md)\n"
               "  --list-rules      print the rules: id, default, keywords, description,\n"
               "                    PCRE2 pattern (tab-separated)\n"
               "  -h, --help        show this help\n\n"
               "Exit status: 0 done, 1 unreadable input or bad config, 2 bad usage.\n");
}

struct report {
    struct wf_buf *out; /* JSON under construction */
    int first;          /* no finding written yet */
    int rc;             /* first append error */
};

static void on_finding(void *ctx, const struct wf_redact_finding *f)
{
    struct report *rep = ctx;
    if (rep->rc)
        return;
    rep->rc = wf_buf_appendf(rep->out,
                             "%s\n    {\"rule\": \"%s\", \"line\": %llu, \"column\": %zu, "
                             "\"length\": %zu, \"end_line\": %llu, \"tag\": \"%04x\"}",
                             rep->first ? "" : ",", f->rule, (unsigned long long)f->line, f->column,
                             f->length, (unsigned long long)f->end_line, f->tag);
    rep->first = 0;
}

/* One rule a line, tab-separated: id, default (on/off), pre-filter
 * keywords ('|'-separated, "-" when a precheck decides), description. */
static int list_rules(void)
{
    size_t n;
    const struct wf_redact_rule *t = wf_redact_rules(&n);
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\t%s\t%s\t%s\n", t[i].id, t[i].group == WF_REDACT_IP ? "off" : "on",
               t[i].keywords ? t[i].keywords : "-", t[i].desc, t[i].pattern);
    return WF_CLI_EXIT_OK;
}

static int load_config(const char *path, struct wf_redact_config *cfg)
{
    char *text = NULL;
    size_t len, line;
    struct wf_buf err;
    wf_buf_init(&err, 4096);
    int rc = wf_read_file(path, WF_REDACT_MAX_CONFIG_BYTES, &text, &len);
    if (rc) {
        wf_cli__fail(1, "redact", "cannot read config '%s': %s", path, wf_strerror(rc));
        goto out;
    }
    rc = wf_redact_config_parse(cfg, text, len, &line, &err);
    if (rc)
        wf_cli__fail(1, "redact", "config '%s': %s", path, err.len ? err.p : wf_strerror(rc));
out:
    wf_free(text);
    wf_buf_cleanup(&err);
    return rc;
}

static int run(const char *path, const char *config, int json)
{
    struct wf_redact_config cfg;
    struct wf_redact_opts opts;
    struct wf_redactor *r = NULL;
    struct wf_buf out, rep_buf;
    struct report rep = {&rep_buf, 1, 0};
    char *buf = NULL;
    FILE *f = NULL;
    int rc, code = WF_CLI_EXIT_FAIL, have_cfg = 0;
    wf_buf_init(&out, 64u * 1024 * 1024);
    wf_buf_init(&rep_buf, 256u * 1024 * 1024);

    if (config) {
        have_cfg = 1;
        if (load_config(config, &cfg))
            goto out;
        opts = cfg.opts;
    } else {
        wf_redact_opts_init(&opts);
    }
    if (json) {
        opts.on_finding = on_finding;
        opts.ctx = &rep;
    }
    rc = wf_redact_new(&opts, &r);
    if (rc) {
        wf_cli__fail(1, "redact", "%s", wf_strerror(rc));
        goto out;
    }
    int passthrough = wf_redact_path_allowed(&opts, path);
    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        wf_cli__fail(1, "redact", "cannot open '%s': %s", path, wf_strerror(WF_ENOENT));
        goto out;
    }
    buf = wf_malloc(CHUNK_BYTES);
    if (!buf) {
        wf_cli__fail(1, "redact", "%s", wf_strerror(WF_ENOMEM));
        goto out;
    }
    if (json && (rc = wf_buf_appendf(&rep_buf, "{\n  \"findings\": [")) != WF_OK) {
        wf_cli__fail(1, "redact", "%s", wf_strerror(rc));
        goto out;
    }
    for (int eof = 0; !eof;) {
        size_t n = fread(buf, 1, CHUNK_BYTES, f);
        if (n < CHUNK_BYTES) {
            if (ferror(f)) {
                wf_cli__fail(1, "redact", "cannot read '%s': %s", path, wf_strerror(WF_EIO));
                goto out;
            }
            eof = 1;
        }
        if (passthrough) {
            /* an allow_path input: copied as it is, nothing reported */
            rc = json ? WF_OK : wf_buf_append(&out, buf, n);
        } else {
            rc = wf_redact_feed(r, buf, n, &out);
            if (!rc && eof)
                rc = wf_redact_finish(r, &out);
        }
        if (!rc)
            rc = rep.rc;
        if (rc) {
            wf_cli__fail(1, "redact", "'%s': %s", path, wf_strerror(rc));
            goto out;
        }
        if (!json && (out.len >= FLUSH_BYTES || eof)) {
            if (out.len && fwrite(out.p, 1, out.len, stdout) != out.len) {
                wf_cli__fail(1, "redact", "cannot write the output");
                goto out;
            }
            wf_buf_reset(&out);
        }
        if (json)
            wf_buf_reset(&out);
    }
    if (json) {
        rc = wf_buf_appendf(&rep_buf, "%s],\n  \"n_findings\": %llu%s\n}\n",
                            rep.first ? "" : "\n  ", (unsigned long long)wf_redact_n_findings(r),
                            passthrough ? ",\n  \"allowed_path\": true" : "");
        if (rc || fwrite(rep_buf.p, 1, rep_buf.len, stdout) != rep_buf.len) {
            wf_cli__fail(1, "redact", "cannot write the report");
            goto out;
        }
    }
    if (fflush(stdout) != 0) {
        wf_cli__fail(1, "redact", "cannot write the output");
        goto out;
    }
    code = WF_CLI_EXIT_OK;
out:
    if (f && f != stdin)
        fclose(f);
    wf_free(buf);
    wf_redact_free(r);
    if (have_cfg)
        wf_redact_config_cleanup(&cfg);
    wf_buf_cleanup(&out);
    wf_buf_cleanup(&rep_buf);
    return code;
}

int wf_cli__redact(int argc, char **argv)
{
    const char *path = NULL, *config = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (wf_cli__is_help(a)) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        } else if (strcmp(a, "--list-rules") == 0) {
            return list_rules();
        } else if (strcmp(a, "--report") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "redact", "%s needs a value", a);
            const char *v = argv[++i];
            if (a[2] == 'c') {
                config = v;
            } else if (strcmp(v, "json") == 0) {
                json = 1;
            } else {
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "redact", "--report takes 'json', not '%s'",
                                    v);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "redact", "unknown option '%s'", a);
        } else if (path) {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "redact", "one input only ('%s' and '%s')", path,
                                a);
        } else {
            path = a;
        }
    }
    if (!path)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "redact", "missing FILE (or '-' for stdin)");
    return run(path, config, json);
}
