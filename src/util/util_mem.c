/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation wrappers with a fault-injection counter, owned string copies and
 * array growth. Every allocation in the project goes through here so a test
 * can make the Nth one fail and check that nothing leaks or half-writes.
 */
#include "util.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown = -1;

static int should_fail(void)
{
    long n = atomic_load(&fail_countdown);
    if (n < 0)
        return 0;
    if (n == 0)
        return 1;
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

void wf_alloc_fail_after(long n)
{
    atomic_store(&fail_countdown, n);
}

void *wf_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *wf_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *wf_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void wf_free(void *p)
{
    free(p);
}

char *wf_strndup(const char *p, size_t len)
{
    char *s = wf_malloc(len + 1);
    if (!s)
        return NULL;
    if (len)
        memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

int wf_grow(void **pp, size_t *cap, size_t need, size_t elem, size_t max_elems)
{
    if (need <= *cap)
        return WF_OK;
    if (need > max_elems)
        return WF_ETOOBIG;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > max_elems)
        ncap = max_elems;
    if (ncap > SIZE_MAX / elem)
        return WF_ETOOBIG;
    void *np = wf_realloc(*pp, ncap * elem);
    if (!np)
        return WF_ENOMEM;
    *pp = np;
    *cap = ncap;
    return WF_OK;
}

struct wf_str wf_str_c(const char *s)
{
    struct wf_str v = {s, s ? strlen(s) : 0};
    return v;
}

int wf_str_eq(struct wf_str a, struct wf_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}
