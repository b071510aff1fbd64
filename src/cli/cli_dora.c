/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `workflowai dora`: DORA metrics over a window, and `workflowai dora
 * report --week YYYY-Www`: the weekly report. Events come from a JSONL file
 * (--events, offline use and tests) or from the store (--store, --tenant);
 * either way they are handed to src/dora, which does all the arithmetic.
 * A hidden `--generate N` fills the set with N synthetic events and times
 * one year of weekly metrics (bench/dora.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_int.h"
#include "dora/dora.h"
#include "store/store.h"

#define DAY_MS (86400000LL)
/* Changes and incidents this long before the window are read so a change
 * shipped inside the window keeps its lead time. */
#define LOOKBACK_MS (90 * DAY_MS)

struct opts {
    const char *since, *until, *service, *env, *bucket, *tz, *format, *store, *tenant, *events,
        *out, *week, *weeks, *rework_h, *tier_year, *generate;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: workflowai dora [--since T] [--until T] [--service REPO] [--env production]\n"
            "                       [--bucket day|week|month] [--tz +hh:mm|Area/City] [--format "
            "text|json|csv]\n"
            "                       [--rework-window-h 24] [--tier-year 2023]\n"
            "                       [--events FILE.jsonl | --store URL --tenant ID] [-o FILE]\n"
            "       workflowai dora report --week YYYY-Www [--weeks 8] [--format md|html] "
            "[-o FILE] ...\n"
            "  T is epoch ms, YYYY-MM-DD or RFC 3339; default: the 90 days before now.\n"
            "  Events come from a JSONL file of stored-event objects, or from the store\n"
            "  [WORKFLOWAI_STORE or sqlite:./data/workflowai.db], tenant `default`.\n"
            "  Definitions: docs/dora.md.\n");
}

static int parse(int argc, char **argv, int first, struct opts *o)
{
    static const struct {
        const char *flag;
        size_t off;
    } f[] = {
        {"--since", offsetof(struct opts, since)},
        {"--until", offsetof(struct opts, until)},
        {"--service", offsetof(struct opts, service)},
        {"--env", offsetof(struct opts, env)},
        {"--bucket", offsetof(struct opts, bucket)},
        {"--tz", offsetof(struct opts, tz)},
        {"--format", offsetof(struct opts, format)},
        {"--store", offsetof(struct opts, store)},
        {"--tenant", offsetof(struct opts, tenant)},
        {"--events", offsetof(struct opts, events)},
        {"-o", offsetof(struct opts, out)},
        {"--week", offsetof(struct opts, week)},
        {"--weeks", offsetof(struct opts, weeks)},
        {"--rework-window-h", offsetof(struct opts, rework_h)},
        {"--tier-year", offsetof(struct opts, tier_year)},
        {"--generate", offsetof(struct opts, generate)},
    };
    memset(o, 0, sizeof *o);
    for (int i = first; i < argc; i++) {
        size_t k = 0;
        while (k < sizeof f / sizeof f[0] && strcmp(argv[i], f[k].flag) != 0)
            k++;
        if (k == sizeof f / sizeof f[0])
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "unknown argument %s", argv[i]);
        if (i + 1 >= argc)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "%s needs a value", argv[i]);
        *(const char **)((char *)o + f[k].off) = argv[++i];
    }
    return WF_CLI_EXIT_OK;
}

static int parse_when(const char *s, int64_t *out)
{
    long v;
    if (wf_parse_long(s, 1, 4102444800000L, &v) == WF_OK) {
        *out = v;
        return 0;
    }
    return wf_dora_parse_time(s, out) == WF_OK ? 0 : -1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int load_jsonl(struct wf_dora_set *s, const char *path)
{
    char *text;
    size_t len;
    int rc = wf_read_file(path, (size_t)2 * 1024 * 1024 * 1024 - 1, &text, &len);
    if (rc)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "%s: %s", path, wf_strerror(rc));
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    size_t line = 1;
    int status = WF_CLI_EXIT_OK;
    for (char *p = text; p < text + len; line++) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
        rc = wf_dora_add_json(s, p, n, NULL, &err);
        if (rc) {
            status = wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "%s:%zu: %s", path, line,
                                  err.p ? err.p : wf_strerror(rc));
            break;
        }
        p += n + 1;
    }
    wf_buf_cleanup(&err);
    wf_free(text);
    return status;
}

static int on_row(void *ud, const struct wf_store_event *ev)
{
    struct wf_dora_row row = {ev->kind, ev->repo,   ev->name,        ev->external_id,
                              ev->sha,  ev->status, ev->occurred_ms, ev->data_json};
    int rc = wf_dora_add_row(ud, &row, NULL);
    return rc == WF_EFORMAT ? WF_OK : rc; /* a row with odd data is skipped, not fatal */
}

static int load_store(struct wf_dora_set *s, const struct opts *o, int64_t since, int64_t until)
{
    const char *url = o->store ? o->store : getenv("WORKFLOWAI_STORE");
    if (!url || !url[0])
        url = "sqlite:./data/workflowai.db";
    struct wf_store_opts so = {url, 1, 0, 0};
    struct wf_store *st = NULL;
    struct wf_buf err;
    wf_buf_init(&err, 1024);
    int rc = wf_store_open(&so, &st, &err);
    if (rc) {
        char shown[512]; /* never the password */
        wf_store_redact_url(url, shown, sizeof(shown));
        int status = wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "store %s: %s", shown,
                                  err.p ? err.p : wf_strerror(rc));
        wf_buf_cleanup(&err);
        return status;
    }
    wf_buf_cleanup(&err);
    static const char *const kinds[] = {"deployment", "change", "pull_request", "incident"};
    for (size_t i = 0; !rc && i < sizeof kinds / sizeof kinds[0]; i++)
        rc = wf_store_events_read(st, o->tenant ? o->tenant : "default", kinds[i],
                                  since - LOOKBACK_MS, until, on_row, s);
    wf_store_close(st);
    if (rc)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "reading events: %s", wf_strerror(rc));
    return WF_CLI_EXIT_OK;
}

/* N synthetic events: 20 services deploying ~6 times a day over a year
 * before `end`, two commits per deployment, one failure in 8, an incident
 * per 40 deployments. Deterministic (xorshift). */
static int generate(struct wf_dora_set *s, long n, int64_t end)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char repo[32], id[32], sha[16];
    int64_t span = 365 * DAY_MS;
    for (long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        long dep = i / 4;
        snprintf(repo, sizeof repo, "acme/svc%02ld", dep % 20);
        snprintf(id, sizeof id, "%ld", dep);
        snprintf(sha, sizeof sha, "%08lx", (unsigned long)(dep * 2654435761u) & 0xffffffffUL);
        int64_t at = end - span + (int64_t)((double)dep / (double)(n / 4 + 1) * (double)span);
        struct wf_dora_input in;
        memset(&in, 0, sizeof in);
        in.repo = repo;
        in.id = id;
        in.sha = sha;
        in.env = "production";
        switch (i % 4) {
        case 0:
        case 1:
            in.kind = WF_DORA_CHANGE;
            in.at_ms = at - (int64_t)(x % (48 * 3600000ULL)) - 1;
            if (i % 4 == 1)
                sha[0] = 'f'; /* a second, older commit of the same deployment */
            break;
        case 2:
            in.kind = WF_DORA_DEPLOYMENT;
            in.status = x % 8 == 0 ? "failure" : "success";
            in.at_ms = at;
            break;
        default:
            if (dep % 40 == 0) {
                in.kind = WF_DORA_INCIDENT;
                in.at_ms = at + 3600000;
                in.resolved_ms = at + 3600000 + (int64_t)(x % (6 * 3600000ULL));
                in.root_cause_sha = sha;
            } else {
                in.kind = WF_DORA_DEPLOYMENT;
                in.status = "in_progress";
                in.at_ms = at - 60000;
            }
        }
        int rc = wf_dora_set_add(s, &in);
        if (rc)
            return rc;
    }
    return WF_OK;
}

static int write_out(const char *path, const struct wf_buf *b)
{
    FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "wb") : stdout;
    if (!f)
        return wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "%s: cannot open for writing", path);
    size_t n = b->len ? fwrite(b->p, 1, b->len, f) : 0;
    int bad = n != b->len;
    if (f != stdout)
        bad |= fclose(f) != 0;
    else
        bad |= fflush(f) != 0;
    return bad ? wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "write failed") : WF_CLI_EXIT_OK;
}

int wf_cli__dora(int argc, char **argv)
{
    int is_report = argc > 1 && strcmp(argv[1], "report") == 0;
    for (int i = 1; i < argc; i++)
        if (wf_cli__is_help(argv[i])) {
            usage(stdout);
            return WF_CLI_EXIT_OK;
        }
    struct opts o;
    int status = parse(argc, argv, is_report ? 2 : 1, &o);
    if (status)
        return status;
    struct wf_dora_query q;
    memset(&q, 0, sizeof q);
    q.service = o.service;
    q.env = o.env;
    q.bucket = WF_DORA_WEEK;
    long v;
    if (o.bucket && wf_dora_parse_bucket(o.bucket, &q.bucket) != WF_OK)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "--bucket must be day, week or month");
    /* not a fixed offset: a zone name, loaded once every option is checked */
    int named_zone = o.tz && wf_dora_parse_tz(o.tz, &q.tz_offset_min) != WF_OK;
    if (o.rework_h) {
        if (wf_parse_long(o.rework_h, 1, 24 * 365, &v) != WF_OK)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "--rework-window-h must be 1..8760");
        q.rework_window_ms = v * 3600000LL;
    }
    if (o.tier_year) {
        int ok = 0;
        if (wf_parse_long(o.tier_year, 2000, 2100, &v) == WF_OK)
            for (const int *y = wf_dora_tier_years(); *y; y++)
                ok |= *y == v;
        if (!ok)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora",
                                "--tier-year: thresholds known for 2023");
        q.tier_year = (int)v;
    }
    int64_t until = now_ms(), since;
    if (o.until && parse_when(o.until, &until) != 0)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora",
                            "--until: expected epoch ms, YYYY-MM-DD "
                            "or RFC 3339");
    since = until - 90 * DAY_MS;
    if (o.since && parse_when(o.since, &since) != 0)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora",
                            "--since: expected epoch ms, YYYY-MM-DD "
                            "or RFC 3339");
    int64_t monday = 0;
    long n_weeks = 8;
    enum wf_dora_report_format rfmt = WF_DORA_REPORT_MD;
    if (is_report) {
        if (!o.week || wf_dora_parse_week(o.week, &monday) != WF_OK)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora",
                                "report needs --week YYYY-Www (an ISO week that exists)");
        if (o.weeks && wf_parse_long(o.weeks, 2, 260, &n_weeks) != WF_OK)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "--weeks must be 2..260");
        if (o.format && strcmp(o.format, "html") == 0)
            rfmt = WF_DORA_REPORT_HTML;
        else if (o.format && strcmp(o.format, "md") != 0)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "--format must be md or html");
        until = monday + 7 * DAY_MS;
        since = until - n_weeks * 7 * DAY_MS;
    } else if (o.format && strcmp(o.format, "text") != 0 && strcmp(o.format, "json") != 0 &&
               strcmp(o.format, "csv") != 0) {
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "--format must be text, json or csv");
    }
    if (since >= until)
        return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "--since must be before --until");
    q.since_ms = since;
    q.until_ms = until;

    struct wf_dora_tz zone;
    memset(&zone, 0, sizeof zone);
    if (named_zone) {
        int trc = wf_dora_tz_load(o.tz, &zone);
        if (trc)
            return wf_cli__fail(WF_CLI_EXIT_USAGE, "dora",
                                "--tz must be UTC, a fixed offset like +01:00 or a zone of the tz "
                                "database like Europe/Berlin (%s: %s)",
                                o.tz, wf_strerror(trc));
        q.tz = &zone;
    }
    struct wf_dora_set *s = NULL;
    struct wf_buf out;
    wf_buf_init(&out, (size_t)256 * 1024 * 1024);
    int rc = wf_dora_set_new(&s);
    if (rc) {
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "%s", wf_strerror(rc));
        goto done;
    }
    if (o.generate) {
        long n;
        if (wf_parse_long(o.generate, 1, WF_DORA_MAX_EVENTS, &n) != WF_OK) {
            status =
                wf_cli__fail(WF_CLI_EXIT_USAGE, "dora", "--generate N: 1..%u", WF_DORA_MAX_EVENTS);
            goto done;
        }
        uint64_t t0 = wf_now_ns();
        if ((rc = generate(s, n, until)) != WF_OK) {
            status = wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "generate: %s", wf_strerror(rc));
            goto done;
        }
        uint64_t t1 = wf_now_ns();
        struct wf_dora_result r;
        q.since_ms = until - 365 * DAY_MS;
        q.until_ms = until;
        if ((rc = wf_dora_compute(s, &q, &r)) != WF_OK) {
            status = wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "%s", wf_strerror(rc));
            goto done;
        }
        uint64_t t2 = wf_now_ns();
        /* later computations reuse the sorted set: all services again, then one */
        struct wf_dora_result r2;
        rc = wf_dora_compute(s, &q, &r2);
        uint64_t t3 = wf_now_ns();
        if (rc == WF_OK)
            wf_dora_result_cleanup(&r2);
        q.service = "acme/svc07";
        if (rc == WF_OK && (rc = wf_dora_compute(s, &q, &r2)) == WF_OK)
            wf_dora_result_cleanup(&r2);
        uint64_t t4 = wf_now_ns();
        fprintf(stderr,
                "dora bench: %ld events (%zu distinct), %zu weekly buckets, %lld deployments\n"
                "  generate %.3f s, first compute (sort + dedup + metrics) %.3f s, "
                "again on the sorted set %.3f s, one service %.3f s\n",
                n, r.n_events, r.n_buckets, (long long)r.total.deploys, (double)(t1 - t0) / 1e9,
                (double)(t2 - t1) / 1e9, (double)(t3 - t2) / 1e9, (double)(t4 - t3) / 1e9);
        wf_dora_result_cleanup(&r);
        goto done;
    }
    status = o.events ? load_jsonl(s, o.events) : load_store(s, &o, since, until);
    if (status)
        goto done;
    if (is_report) {
        rc = wf_dora_report(s, &q, monday, (int)n_weeks, rfmt, &out);
    } else {
        struct wf_dora_result r;
        rc = wf_dora_compute(s, &q, &r);
        if (!rc) {
            if (o.format && strcmp(o.format, "json") == 0) {
                rc = wf_dora_format_json(&q, &r, &out);
                if (!rc)
                    rc = wf_buf_putc(&out, '\n');
            } else if (o.format && strcmp(o.format, "csv") == 0) {
                rc = wf_dora_format_csv(&r, &out);
            } else {
                rc = wf_dora_format_text(&q, &r, &out);
            }
            wf_dora_result_cleanup(&r);
        }
    }
    if (rc)
        status = wf_cli__fail(WF_CLI_EXIT_FAIL, "dora", "%s", wf_strerror(rc));
    else
        status = write_out(o.out, &out);
done:
    wf_buf_cleanup(&out);
    wf_dora_set_free(s);
    wf_dora_tz_cleanup(&zone);
    return status;
}
