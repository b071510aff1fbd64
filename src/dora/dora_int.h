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

/* wf_malloc for the large arrays of a computation (10 M events): asks the
 * kernel for huge pages where it can, since first touching 4 KiB pages one
 * fault at a time costs more than filling them. Free with wf_free. */
void *wf_dora__alloc_big(size_t n);

/* Defines `static void name(type *a, size_t n)`: an in-place quicksort
 * (median of three, insertion sort below 16, recursion on the smaller
 * side) with `less(const type *x, const type *y)` inlined. glibc's qsort
 * sorts elements over 32 bytes indirectly through pointers, which is several
 * times slower on the 10 M 48-byte events of the benchmark. */
#define WF_DORA__SORT(name, type, less)                                                            \
    static void name(type *a, size_t n)                                                            \
    {                                                                                              \
        while (n > 16) {                                                                           \
            type t, *x = &a[0], *y = &a[n / 2], *z = &a[n - 1], *m;                                \
            if (less(y, x))                                                                        \
                m = less(z, y) ? y : (less(z, x) ? z : x);                                         \
            else                                                                                   \
                m = less(z, x) ? x : (less(z, y) ? z : y);                                         \
            type p = *m;                                                                           \
            size_t i = 0, j = n - 1;                                                               \
            for (;;) {                                                                             \
                while (less(&a[i], &p))                                                            \
                    i++;                                                                           \
                while (less(&p, &a[j]))                                                            \
                    j--;                                                                           \
                if (i >= j)                                                                        \
                    break;                                                                         \
                t = a[i];                                                                          \
                a[i] = a[j];                                                                       \
                a[j] = t;                                                                          \
                i++;                                                                               \
                j--;                                                                               \
            }                                                                                      \
            /* [0, j] <= p <= [j + 1, n) */                                                        \
            if (j + 1 < n - j - 1) {                                                               \
                name(a, j + 1);                                                                    \
                a += j + 1;                                                                        \
                n -= j + 1;                                                                        \
            } else {                                                                               \
                name(a + j + 1, n - j - 1);                                                        \
                n = j + 1;                                                                         \
            }                                                                                      \
        }                                                                                          \
        for (size_t i = 1; i < n; i++) {                                                           \
            type t = a[i];                                                                         \
            size_t j = i;                                                                          \
            while (j > 0 && less(&t, &a[j - 1])) {                                                 \
                a[j] = a[j - 1];                                                                   \
                j--;                                                                               \
            }                                                                                      \
            a[j] = t;                                                                              \
        }                                                                                          \
    }

#endif
