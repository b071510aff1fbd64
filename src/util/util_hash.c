/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stable 64-bit hash (signatures are persisted and compared across runs and
 * machines, so it must never change) and a set of 64-bit keys.
 */
#include "util.h"

#include <string.h>

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

uint64_t wf_hash_mix(uint64_t h, uint64_t v)
{
    return wf_fmix64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

uint64_t wf_hash64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
    while (len >= 8) {
        h = (h ^ wf_fmix64(rd64(p))) * 0x87c37b91114253d5ULL;
        h = (h << 27) | (h >> 37);
        p += 8;
        len -= 8;
    }
    uint64_t t = 0;
    for (size_t i = 0; i < len; i++)
        t |= (uint64_t)p[i] << (8 * i);
    h ^= wf_fmix64(t ^ 0x4cf5ad432745937fULL);
    return wf_fmix64(h);
}

void wf_hset_init(struct wf_hset *s, size_t max_count)
{
    memset(s, 0, sizeof(*s));
    s->max_count = max_count;
}

void wf_hset_cleanup(struct wf_hset *s)
{
    if (!s)
        return;
    wf_free(s->slots);
    s->slots = NULL;
    s->cap = s->count = 0;
    s->has_zero = 0;
}

static void place(uint64_t *slots, size_t cap, uint64_t key)
{
    size_t i = (size_t)wf_fmix64(key) & (cap - 1);
    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = key;
}

int wf_hset_has(const struct wf_hset *s, uint64_t key)
{
    if (key == 0)
        return s->has_zero;
    if (!s->cap)
        return 0;
    size_t i = (size_t)wf_fmix64(key) & (s->cap - 1);
    while (s->slots[i]) {
        if (s->slots[i] == key)
            return 1;
        i = (i + 1) & (s->cap - 1);
    }
    return 0;
}

int wf_hset_add(struct wf_hset *s, uint64_t key, int *added)
{
    if (added)
        *added = 0;
    if (wf_hset_has(s, key))
        return WF_OK;
    if (s->count + s->has_zero >= s->max_count)
        return WF_ETOOBIG;
    if (key == 0) {
        s->has_zero = 1;
        if (added)
            *added = 1;
        return WF_OK;
    }
    if ((s->count + 1) * 4 > s->cap * 3) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        uint64_t *ns = wf_calloc(ncap, sizeof(*ns));
        if (!ns)
            return WF_ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                place(ns, ncap, s->slots[i]);
        wf_free(s->slots);
        s->slots = ns;
        s->cap = ncap;
    }
    place(s->slots, s->cap, key);
    s->count++;
    if (added)
        *added = 1;
    return WF_OK;
}
