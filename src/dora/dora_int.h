/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dora internals, for src/dora only: the compact event the set keeps (48
 * bytes, strings interned or hashed so 10 M events fit in half a gigabyte),
 * the set itself, and calendar helpers shared by the metric and report code.
 */
#ifndef WF_DORA_INT_H
#define WF_DORA_INT_H

#include "dora/dora.h"

#define WF_DORA__DAY_MS 86400000LL

enum { WF_DORA__ST_OTHER = 0, WF_DORA__ST_SUCCESS = 1, WF_DORA__ST_FAILED = 2 };

struct wf_dora__ev {
    int64_t at_ms;       /* see wf_dora_input */
    int64_t resolved_ms; /* incidents */
    uint64_t key;        /* identity within (kind, svc): hash of id or sha */
    uint64_t sha;        /* hash of the first 7 hex digits, lower-cased; 0 = none */
    uint64_t rc;         /* incident root cause, same hashing; 0 = none */
    uint32_t svc;        /* index into names */
    uint16_t env;        /* index into names (0 = none) */
    uint8_t kind;        /* enum wf_dora_kind */
    uint8_t status;      /* WF_DORA__ST_* */
};

struct wf_dora__name {
    uint64_t h; /* hash of the (lower-cased for envs) name */
    char *s;    /* owned */
};

struct wf_dora_set {
    struct wf_dora__ev *ev; /* n, cap */
    size_t n, cap;
    struct wf_dora__name *names; /* n_names; index 0 is "" */
    size_t n_names, cap_names;
    uint32_t *slots; /* open addressing over names: index + 1, 0 = empty */
    size_t n_slots;
    int sorted;    /* ev sorted and deduplicated */
    size_t n_dups; /* dropped by dedup */
};

/* Index of a name already in the set, or -1. */
long wf_dora__name_find(const struct wf_dora_set *s, const char *name, int fold);

/* Days since 1970-01-01 of a civil date and back (proleptic Gregorian). */
int64_t wf_dora__days_from_civil(int64_t y, unsigned m, unsigned d);
void wf_dora__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Floor division for negative times. */
int64_t wf_dora__floordiv(int64_t a, int64_t b);
/* ISO week label "YYYY-Www" of the week whose Monday is day `monday`. */
void wf_dora__week_label(int64_t monday, char *out, size_t cap);

#endif
