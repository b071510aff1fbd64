/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dora: the four DORA keys (deployment frequency, lead time for changes,
 * change failure rate, failed-deployment recovery time / time to restore)
 * plus rework rate, their performance tiers, weekly reports and SVG charts,
 * computed from event lists it is given. It never talks SQL or sockets: the
 * CLI reads a JSONL file or the store, the server reads the store, and both
 * hand events to a wf_dora_set. Duplicates are dropped and events are sorted
 * internally, so redelivery and arrival order never change a number.
 * Definitions as implemented: docs/dora.md.
 */
#ifndef WF_DORA_H
#define WF_DORA_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* Events one set holds (the benchmark uses 10 M). */
#define WF_DORA_MAX_EVENTS (64u * 1024 * 1024)
/* Events one HTTP request may read from the store (~400 MB in a set). */
#define WF_DORA_MAX_REQUEST_EVENTS (8u * 1024 * 1024)
/* Distinct services (repos) and environments one set holds. */
#define WF_DORA_MAX_NAMES 65536u
/* Buckets one computation returns (10 years of days). */
#define WF_DORA_MAX_BUCKETS 3700u
/* Default rework window: a deployment up to this long after an incident
 * opened on the same service is rework. */
#define WF_DORA_REWORK_WINDOW_MS (24 * 3600 * 1000LL)

enum wf_dora_kind {
    WF_DORA_DEPLOYMENT, /* a deployment status: success, failure/error, or other (ignored) */
    WF_DORA_CHANGE,     /* a commit (authored time) or a merged pull request (merged time) */
    WF_DORA_INCIDENT    /* a production incident (opened, optionally resolved) */
};

/* One input event; every string borrowed for the call, NULL or "" when
 * unknown. Identity (for dedup and merging): deployment (repo, id),
 * change (repo, sha, or id when there is no sha), incident (repo, id). */
struct wf_dora_input {
    enum wf_dora_kind kind;
    const char *repo;           /* service */
    const char *env;            /* deployment environment ("production") */
    const char *id;             /* provider id of the deployment / PR / incident */
    const char *sha;            /* deployed sha / commit sha */
    const char *status;         /* deployment: success | failure | failed | error | ... */
    const char *root_cause_sha; /* incident: the change that caused it */
    int64_t at_ms;       /* deployment: status time; change: authored/merged; incident: opened */
    int64_t resolved_ms; /* incident: resolved (0 = still open) */
};

struct wf_dora_set;

/* A new empty set (free with wf_dora_set_free). WF_ENOMEM. */
int wf_dora_set_new(struct wf_dora_set **out);
/* Frees the set; accepts NULL. */
void wf_dora_set_free(struct wf_dora_set *s);
/* Adds one event (strings copied/hashed). WF_EINVAL when at_ms <= 0 or the
 * repo is empty, WF_ETOOBIG past WF_DORA_MAX_EVENTS or WF_DORA_MAX_NAMES,
 * WF_ENOMEM; on error the set is unchanged. Not thread-safe. */
int wf_dora_set_add(struct wf_dora_set *s, const struct wf_dora_input *in);
/* Events added (before dedup). */
size_t wf_dora_set_count(const struct wf_dora_set *s);

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hh:mm)" or "YYYY-MM-DD"
 * (midnight UTC) into epoch ms. WF_EINVAL when it is not one. */
int wf_dora_parse_time(const char *s, int64_t *out_ms);
/* Parses an ISO week "YYYY-Www" into the UTC ms of its Monday 00:00.
 * WF_EINVAL when malformed or the year has no such week (W53). */
int wf_dora_parse_week(const char *s, int64_t *monday_ms);
/* Parses a zone offset "UTC", "Z", "+hh:mm", "-hh:mm", "+hh" into minutes. */
int wf_dora_parse_tz(const char *s, int *offset_min);

enum wf_dora_bucket_unit { WF_DORA_DAY, WF_DORA_WEEK, WF_DORA_MONTH };
/* "day" | "week" | "month" -> unit; WF_EINVAL otherwise. */
int wf_dora_parse_bucket(const char *s, enum wf_dora_bucket_unit *out);

/* What to compute. Zero-initialise, then set since/until. */
/* A named time zone from the tz database (TZif files under
 * /usr/share/zoneinfo, Debian's tzdata): the UTC offset of every instant,
 * DST included. */
#define WF_DORA_TZ_MAX_TRANSITIONS 4096u
struct wf_dora_tz {
    int64_t *at_s;        /* transition instants, UTC seconds, ascending (owned) */
    int32_t *off_s;       /* UTC offset from each transition on, seconds (owned) */
    size_t n;             /* transitions */
    int32_t off_before_s; /* offset before the first transition */
};
/* Parses a TZif file (versions 1-4; the 64-bit table when present).
 * WF_EFORMAT for anything else or out-of-range values, WF_ENOMEM. Release
 * with wf_dora_tz_cleanup. Thread-safe. */
int wf_dora_tz_parse(const char *data, size_t len, struct wf_dora_tz *out);
/* Loads zone `name` ("Europe/Berlin"): WF_EINVAL for a name that is not a
 * plain zone name, WF_ENOENT when the database has no such zone. */
int wf_dora_tz_load(const char *name, struct wf_dora_tz *out);
void wf_dora_tz_cleanup(struct wf_dora_tz *tz);
/* UTC offset in seconds at utc_ms (after the last transition the last
 * offset stays; fat TZif files list transitions through 2037). */
int32_t wf_dora_tz_offset_s(const struct wf_dora_tz *tz, int64_t utc_ms);
/* The UTC instant of a local wall-clock time; a local time skipped by a
 * DST jump is read with the offset before the jump (02:30 becomes 03:30,
 * as mktime does), a repeated one is its first occurrence. */
int64_t wf_dora_tz_local_to_utc(const struct wf_dora_tz *tz, int64_t local_ms);

struct wf_dora_query {
    int64_t since_ms;    /* window start (inclusive), UTC ms */
    int64_t until_ms;    /* window end (exclusive) */
    const char *service; /* NULL or "" = every service together (borrowed) */
    const char *env;     /* deployment environment; NULL = "production" (case-insensitive) */
    enum wf_dora_bucket_unit bucket;
    int tz_offset_min;           /* bucket boundaries at local midnight of this fixed offset */
    const struct wf_dora_tz *tz; /* or of this named zone (borrowed; wins over the offset) */
    int64_t rework_window_ms;    /* 0 = WF_DORA_REWORK_WINDOW_MS */
    int tier_year;               /* 0 = 2023; see wf_dora_tier_years */
};

/* The UTC instant of a local wall-clock time under the query's named zone
 * or fixed offset. */
int64_t wf_dora_query_local_to_utc(const struct wf_dora_query *q, int64_t local_ms);

/* Metrics of one bucket or of the whole window. A double is -1 when there
 * is nothing to measure (no deployments, no linked change, ...). */
struct wf_dora_stats {
    int64_t deploys;            /* successful deployments to the environment */
    int64_t failed;             /* failed deployments (status failure/failed/error) */
    int64_t caused_incident;    /* successful deployments named as an incident's root cause */
    double deploys_per_day;     /* deploys / days of the bucket (or window) */
    int64_t changes;            /* changes first shipped by a deployment in this bucket */
    double lead_median_h;       /* lead time for changes, interpolated median, hours */
    double lead_p90_h;          /* interpolated 90th percentile, hours */
    double change_failure_rate; /* (failed + caused_incident) / (deploys + failed) */
    int64_t recovered;          /* failed deployments followed by a successful one */
    double recovery_median_h;   /* failed deployment recovery time, median hours */
    int64_t incidents;          /* incidents opened in the bucket */
    int64_t restored;           /* of those, resolved */
    double restore_median_h;    /* time to restore service (incident open -> resolved) */
    int64_t rework;             /* deployments within the rework window after an incident */
    double rework_rate;         /* rework / deploys */
};

enum wf_dora_tier {
    WF_DORA_TIER_NONE,
    WF_DORA_TIER_LOW,
    WF_DORA_TIER_MEDIUM,
    WF_DORA_TIER_HIGH,
    WF_DORA_TIER_ELITE
};
/* "elite" | "high" | "medium" | "low" | "none" (no data). */
const char *wf_dora_tier_name(enum wf_dora_tier t);

struct wf_dora_tiers {
    enum wf_dora_tier deploy_frequency, lead_time, change_failure_rate, recovery_time;
    enum wf_dora_tier overall; /* the lowest tier of the four that have data */
};

/* Tiers of whole-window stats under the thresholds of `year` (0 = 2023).
 * WF_EINVAL for a year without a table. */
int wf_dora_tiers_of(const struct wf_dora_stats *st, int year, struct wf_dora_tiers *out);
/* Years with a threshold table, ascending, terminated by 0. */
const int *wf_dora_tier_years(void);

struct wf_dora_bucket {
    int64_t start_ms, end_ms; /* [start, end) UTC ms, clipped to the window */
    char label[16];           /* "2026-11-23", "2026-W48", "2026-11" (local to tz offset) */
    struct wf_dora_stats s;
};

struct wf_dora_result {
    struct wf_dora_stats total;     /* whole window */
    struct wf_dora_tiers tiers;     /* of total */
    struct wf_dora_bucket *buckets; /* owned, n_buckets, oldest first */
    size_t n_buckets;
    size_t n_events;     /* distinct events after dedup */
    size_t n_duplicates; /* events dropped as duplicates */
};

/* Computes metrics over the set (the set is sorted and deduplicated on the
 * first call; later calls reuse that). WF_EINVAL for an empty or inverted
 * window or an unknown tier year, WF_ETOOBIG past WF_DORA_MAX_BUCKETS,
 * WF_ENOMEM. On success the caller owns out (free with
 * wf_dora_result_cleanup); on error out is untouched. Not thread-safe. */
int wf_dora_compute(struct wf_dora_set *s, const struct wf_dora_query *q,
                    struct wf_dora_result *out);
/* Frees a result's buckets; accepts NULL. */
void wf_dora_result_cleanup(struct wf_dora_result *r);

/* ---- Output ---------------------------------------------------------------- */

/* Appends the result as JSON / text / CSV (one row per bucket) to out. */
int wf_dora_format_json(const struct wf_dora_query *q, const struct wf_dora_result *r,
                        struct wf_buf *out);
int wf_dora_format_text(const struct wf_dora_query *q, const struct wf_dora_result *r,
                        struct wf_buf *out);
int wf_dora_format_csv(const struct wf_dora_result *r, struct wf_buf *out);

/* Appends s escaped for XML text and attributes (& < > " '); control bytes
 * other than tab/LF/CR become '?'. */
int wf_dora_xml_escape(struct wf_buf *out, const char *s);

/* One line of a chart. */
struct wf_dora_series {
    const char *name;     /* legend text (escaped on output) */
    const double *values; /* n values; a negative value is a gap (no data) */
};

enum wf_dora_chart_type { WF_DORA_CHART_LINE, WF_DORA_CHART_BAR };

/* Appends a standalone <svg> chart: title, y axis with 5 ticks, x tick
 * labels (labels[n]), one line or bar group per series, legend. All text is
 * XML-escaped. WF_EINVAL when n == 0 or n_series == 0. */
int wf_dora_svg_chart(struct wf_buf *out, enum wf_dora_chart_type type, const char *title,
                      const char *y_label, const char *const *labels, size_t n,
                      const struct wf_dora_series *series, size_t n_series);

enum wf_dora_report_format { WF_DORA_REPORT_MD, WF_DORA_REPORT_HTML };

/* The weekly report of ISO week `monday_ms` (from wf_dora_parse_week): the
 * four keys and rework rate of that week against the week before, tiers
 * (of the last n_weeks), trend charts over the last n_weeks (inline SVG in
 * HTML, data: URIs in Markdown) and a deterministic plain-language summary.
 * q gives service/env/tz/rework window/tier year; its window is ignored. */
int wf_dora_report(struct wf_dora_set *s, const struct wf_dora_query *q, int64_t monday_ms,
                   int n_weeks, enum wf_dora_report_format fmt, struct wf_buf *out);

/* Appends the deterministic summary sentences comparing week `cur` with
 * week `prev` (one sentence per metric that has data). */
int wf_dora_summary(const struct wf_dora_stats *prev, const struct wf_dora_stats *cur,
                    struct wf_buf *out);

/* ---- Stored events -------------------------------------------------------- */

/* One event as the store keeps it (the columns of table `events`); every
 * string borrowed, NULL or "" when unknown. */
struct wf_dora_row {
    const char *kind; /* deployment | change | pull_request | incident (others skipped) */
    const char *repo;
    const char *name; /* deployments: the environment */
    const char *external_id;
    const char *sha;    /* deployed sha, commit sha, PR head sha, incident root cause */
    const char *status; /* deployment state, PR "merged", incident "open"/"closed" */
    int64_t occurred_ms;
    const char *data_json; /* the normalized event (created_at, closed_at, merged_at,
                              root_cause_sha, resolved_at, ...) */
};

/* Adds a stored event to the set by the rules of docs/dora.md: a merged
 * pull request counts as a change at merged_at; an incident opens at
 * data.created_at (or opened_at, or occurred_ms) and is resolved at
 * data.closed_at / resolved_at (or occurred_ms when its status is closed
 * or resolved); other kinds and unmerged pull requests are skipped
 * (*added = 0). WF_EFORMAT when data_json is not a JSON object, or errors
 * of wf_dora_set_add. Uses jansson for data_json (the only library dora
 * uses besides libc). */
int wf_dora_add_row(struct wf_dora_set *s, const struct wf_dora_row *row, int *added);

/* Adds one JSONL line: an object with the row's fields ("kind" or "type",
 * "repo", "name" or "environment", "external_id" or "id", "sha", "status",
 * "occurred_ms" or "occurred_at" (RFC 3339), "data" object). Blank lines
 * are skipped. WF_EFORMAT with the field named in err (optional). */
int wf_dora_add_json(struct wf_dora_set *s, const char *line, size_t len, int *added,
                     struct wf_buf *err);

#endif
