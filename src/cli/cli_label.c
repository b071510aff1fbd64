/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai label`: feedback from the command line, into the same store
 * and through the same checks as POST /v1/feedback (the arguments are
 * turned into that request body and parsed by src/learn), plus `label
 * list`, `label queue` (the labeling queue) and `label agreement`.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_int.h"
#include "learn/learn.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: workflowai label category FAILURE_ID CATEGORY      [common options]\n"
               "       workflowai label helpful failure|answer ID yes|no [--comment TEXT]\n"
               "       workflowai label resolution SIGNATURE --note TEXT [--fix-commit SHA]\n"
               "       workflowai label pr REPO NUMBER defect|clean\n"
               "       workflowai label list [--kind KIND] [--limit N]\n"
               "       workflowai label queue [--limit N]\n"
               "       workflowai label agreement [--min-shared N]\n\n"
               "Records feedback on triage results in the store, as POST /v1/feedback does:\n"
               "  category    the right category of a stored failure (training label)\n"
               "  helpful     whether a failure's triage or an answer helped\n"
               "  resolution  how a failure signature was fixed; shown on later matches\n"
               "  pr          whether a pull request turned out to introduce a defect\n"
               "Notes and comments are redacted before they are stored.\n"
               "`list` prints the tenant's labels (JSON, newest first); `queue` the\n"
               "unlabelled failures the classifier is least sure of (smallest margin\n"
               "between its top two probabilities first); `agreement` Cohen's kappa\n"
               "between labelers of the same failures.\n\n"
               "common options:\n"
               "  --store URL       the store (default $WORKFLOWAI_STORE or\n"
               "                    sqlite:./data/workflowai.db)\n"
               "  --tenant ID       the tenant (required)\n"
               "  --by NAME         who labels (default $USER)\n"
               "  -h, --help        show this help\n");
}

struct opts {
    const char *store, *tenant, *by, *comment, *note, *fix, *kind, *limit, *min_shared;
    const char *pos[4];
    int n_pos;
};

static int parse(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    static const struct {
        const char *flag;
        size_t off;
    } f[] = {{"--store", offsetof(struct opts, store)},
             {"--tenant", offsetof(struct opts, tenant)},
             {"--by", offsetof(struct opts, by)},
             {"--comment", offsetof(struct opts, comment)},
             {"--note", offsetof(struct opts, note)},
             {"--fix-commit", offsetof(struct opts, fix)},
             {"--kind", offsetof(struct opts, kind)},
             {"--limit", offsetof(struct opts, limit)},
             {"--min-shared", offsetof(struct opts, min_shared)}};
    for (int i = 1; i < argc; i++) {
        size_t k = 0;
        while (k < sizeof f / sizeof f[0] && strcmp(argv[i], f[k].flag) != 0)
            k++;
        if (k < sizeof f / sizeof f[0]) {
            if (i + 1 >= argc)
                return wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "%s needs a value", argv[i]);
            *(const char **)((char *)o + f[k].off) = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "unknown option '%s'", argv[i]);
        } else if (o->n_pos < 4) {
            o->pos[o->n_pos++] = argv[i];
        } else {
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "unexpected argument '%s'", argv[i]);
        }
    }
    return 0;
}

static const char *store_url(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("WORKFLOWAI_STORE");
    return env && env[0] ? env : "sqlite:./data/workflowai.db";
}

static int open_store(const char *url, struct wf_store **st)
{
    struct wf_store_opts so = {url, 2, 0, 0};
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    int rc = wf_store_open(&so, st, &err);
    if (rc) {
        char shown[512]; /* never the password */
        wf_store_redact_url(url, shown, sizeof(shown));
        wf_cli__fail(WF_CLI_EXIT_FAIL, "label", "store %s: %s", shown,
                     err.p ? err.p : wf_strerror(rc));
    }
    wf_buf_cleanup(&err);
    return rc;
}

static int print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2));
    if (!s)
        return WF_CLI_EXIT_FAIL;
    printf("%s\n", s);
    free(s);
    return WF_CLI_EXIT_OK;
}

/* The POST /v1/feedback body of a labeling subcommand; NULL after a usage error. */
static json_t *request_of(const char *sub, const struct opts *o, int *status)
{
    *status = WF_CLI_EXIT_USAGE;
    json_t *j = NULL;
    if (strcmp(sub, "category") == 0) {
        if (o->n_pos != 3) {
            wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "category takes FAILURE_ID CATEGORY");
            return NULL;
        }
        j = json_pack("{s:s,s:s,s:s}", "kind", "category", "failure_id", o->pos[1], "category",
                      o->pos[2]);
    } else if (strcmp(sub, "helpful") == 0) {
        if (o->n_pos != 4 || (strcmp(o->pos[3], "yes") != 0 && strcmp(o->pos[3], "no") != 0)) {
            wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "helpful takes failure|answer ID yes|no");
            return NULL;
        }
        j = json_pack("{s:s,s:s,s:s,s:b,s:s?}", "kind", "helpful", "target", o->pos[1], "target_id",
                      o->pos[2], "helpful", strcmp(o->pos[3], "yes") == 0, "comment", o->comment);
    } else if (strcmp(sub, "resolution") == 0) {
        if (o->n_pos != 2 || !o->note) {
            wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "resolution takes SIGNATURE --note TEXT");
            return NULL;
        }
        j = json_pack("{s:s,s:s,s:s,s:s?}", "kind", "resolution", "signature", o->pos[1], "note",
                      o->note, "fix_commit", o->fix);
    } else if (strcmp(sub, "pr") == 0) {
        long n;
        if (o->n_pos != 4 || wf_parse_long(o->pos[2], 1, 0x7fffffffffffffffL, &n) != WF_OK) {
            wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "pr takes REPO NUMBER defect|clean");
            return NULL;
        }
        j = json_pack("{s:s,s:s,s:I,s:s}", "kind", "pr_outcome", "repo", o->pos[1], "number",
                      (json_int_t)n, "outcome", o->pos[3]);
    } else {
        wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "unknown subcommand '%s'", sub);
        return NULL;
    }
    *status = j ? WF_CLI_EXIT_OK : WF_CLI_EXIT_FAIL;
    return j;
}

static int put_label(struct wf_store *st, const char *sub, const struct opts *o, const char *by)
{
    int status;
    json_t *j = request_of(sub, o, &status);
    if (!j)
        return status;
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    struct wf_learn_feedback *fb = wf_calloc(1, sizeof *fb);
    struct wf_buf err, note;
    wf_buf_init(&err, 1024);
    wf_buf_init(&note, 4u * WF_STORE_NOTE_BYTES);
    int rc = body && fb ? wf_learn_feedback_parse(body, strlen(body), fb, &err) : WF_ENOMEM;
    if (rc) {
        status = wf_cli__fail(rc == WF_ENOMEM ? WF_CLI_EXIT_FAIL : WF_CLI_EXIT_USAGE, "label", "%s",
                              err.p ? err.p : wf_strerror(rc));
        goto out;
    }
    rc = wf_learn_redact(NULL, fb->note, &note);
    if (!rc && note.len > WF_STORE_NOTE_BYTES) {
        note.p[WF_STORE_NOTE_BYTES] = 0;
        note.len = WF_STORE_NOTE_BYTES;
    }
    struct wf_store_label l;
    wf_learn_feedback_label(fb, o->tenant, by, note.p, &l);
    int64_t id = 0;
    if (!rc)
        rc = wf_store_label_put(st, &l, &id);
    if (rc == WF_ENOENT)
        status =
            wf_cli__fail(WF_CLI_EXIT_FAIL, "label", "tenant %s has no %s %s", o->tenant,
                         strcmp(fb->kind, "resolution") == 0 ? "failure with signature" : "failure",
                         o->pos[strcmp(fb->kind, "helpful") == 0 ? 2 : 1]);
    else if (rc)
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "label", "not stored: %s", wf_strerror(rc));
    else {
        printf("label %lld (%s) stored\n", (long long)id, fb->kind);
        status = WF_CLI_EXIT_OK;
    }
out:
    free(body);
    wf_free(fb);
    wf_buf_cleanup(&err);
    wf_buf_cleanup(&note);
    return status;
}

int wf_cli__label(int argc, char **argv)
{
    int help = wf_cli__sub_help(argc, argv, usage);
    if (help >= 0)
        return help;
    struct opts o;
    int status = parse(argc, argv, &o);
    if (status)
        return status;
    if (!o.tenant)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "--tenant is required");
    const char *sub = o.pos[0];
    const char *by = o.by ? o.by : getenv("USER");
    if (!by || !by[0])
        by = "cli";
    if (strlen(by) >= WF_LIMIT_ID_BYTES)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "--by is too long");
    long limit = 50, min_shared = 5;
    if (o.limit && wf_parse_long(o.limit, 1, WF_LIMIT_PAGE_ITEMS, &limit) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "--limit must be 1..%u",
                            WF_LIMIT_PAGE_ITEMS);
    if (o.min_shared && wf_parse_long(o.min_shared, 1, 1000000, &min_shared) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "label", "--min-shared must be 1..1000000");
    struct wf_store *st = NULL;
    if (open_store(store_url(o.store), &st) != WF_OK)
        return WF_CLI_EXIT_FAIL;
    json_t *j = NULL;
    int rc = WF_OK;
    if (strcmp(sub, "list") == 0) {
        struct wf_store_label_filter f = {.kind = o.kind, .limit = (int)limit};
        rc = wf_store_label_list(st, o.tenant, &f, &j);
    } else if (strcmp(sub, "queue") == 0) {
        rc = wf_store_label_queue(st, o.tenant, (int)limit, &j);
    } else if (strcmp(sub, "agreement") == 0) {
        rc = wf_learn_agreement(st, o.tenant, (size_t)min_shared, &j);
    } else {
        status = put_label(st, sub, &o, by);
        wf_store_close(st);
        return status;
    }
    if (rc)
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "label", "%s: %s", sub, wf_strerror(rc));
    else
        status = print_json(j);
    json_decref(j);
    wf_store_close(st);
    return status;
}
