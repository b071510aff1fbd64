/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bump allocator: many small allocations freed at once. Used for
 * request-scoped and result-scoped data (triage results, parse trees).
 */
#include "util.h"

#include <string.h>

struct wf_arena_chunk {
    struct wf_arena_chunk *next;
    size_t size; /* usable bytes in data */
    _Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK_BYTES (64u * 1024u)

void wf_arena_init(struct wf_arena *a, size_t max_bytes)
{
    a->head = NULL;
    a->used = 0;
    a->total = 0;
    a->max_bytes = max_bytes;
}

void wf_arena_cleanup(struct wf_arena *a)
{
    if (!a)
        return;
    struct wf_arena_chunk *c = a->head;
    while (c) {
        struct wf_arena_chunk *next = c->next;
        wf_free(c);
        c = next;
    }
    a->head = NULL;
    a->used = a->total = 0;
}

void *wf_arena_alloc(struct wf_arena *a, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0)
        n = 16;
    if (a->max_bytes && (n > a->max_bytes || a->total > a->max_bytes - n))
        return NULL;
    if (!a->head || a->head->size - a->used < n) {
        size_t size = n > ARENA_CHUNK_BYTES ? n : ARENA_CHUNK_BYTES;
        struct wf_arena_chunk *c = wf_malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->size = size;
        c->next = a->head;
        a->head = c;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    a->total += n;
    return p;
}

char *wf_arena_strndup(struct wf_arena *a, const char *p, size_t len)
{
    char *s = wf_arena_alloc(a, len + 1);
    if (!s)
        return NULL;
    if (len)
        memcpy(s, p, len);
    s[len] = '\0';
    return s;
}
