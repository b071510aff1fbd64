/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util: the bottom layer every other module builds on. Error codes (one
 * X-macro table of name, message and HTTP status), every input limit of the
 * project, borrowed string views, capped growable buffers, arenas, a 64-bit
 * hash, a hash set of 64-bit keys, allocation wrappers with fault injection,
 * monotonic time and leveled logging to stderr. Depends on libc only.
 */
#ifndef WF_UTIL_H
#define WF_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Errors ------------------------------------------------------------ */

/* name, message, HTTP status. Add new codes at the end of the table. */
/* clang-format off */
#define WF_ERRNO_MAP(XX)                                                      \
    XX(OK,          "success",                                   200)         \
    XX(ENOMEM,      "out of memory",                             503)         \
    XX(EINVAL,      "invalid argument",                          400)         \
    XX(ETOOBIG,     "input exceeds a size limit",                413)         \
    XX(EIO,         "input/output error",                        500)         \
    XX(ENOENT,      "no such file or object",                    404)         \
    XX(EFORMAT,     "malformed input",                           400)         \
    XX(EUSAGE,      "bad command-line usage",                    400)         \
    XX(EVERSION,    "unsupported format version",                400)         \
    XX(EEMPTY,      "no usable data in input",                   422)         \
    XX(EINTERNAL,   "internal error",                            500)         \
    XX(EAUTH,       "missing or invalid credentials",            401)         \
    XX(EFORBIDDEN,  "not allowed",                               403)         \
    XX(EMETHOD,     "method not allowed",                        405)         \
    XX(ETIMEOUT,    "timed out",                                 408)         \
    XX(ECONFLICT,   "conflicts with the current state",          409)         \
    XX(EMEDIA,      "unsupported content type",                  415)         \
    XX(ERATE,       "rate limit exceeded",                       429)         \
    XX(EHEADERS,    "request headers too large",                 431)         \
    XX(EUNAVAIL,    "service unavailable",                       503)         \
    XX(EUPSTREAM,   "upstream service failed",                   502)
/* clang-format on */

enum wf_err {
#define WF__ERR_ENUM(name, msg, status) WF_##name,
    WF_ERRNO_MAP(WF__ERR_ENUM)
#undef WF__ERR_ENUM
        WF__ERR_COUNT
};

/* Returns the static message of an error code ("unknown error" for codes
 * outside the table). Thread-safe. */
const char *wf_strerror(int err);
/* Returns the symbolic name ("ETOOBIG") of an error code. Thread-safe. */
const char *wf_errname(int err);
/* Returns the HTTP status that answers an error code. Thread-safe. */
int wf_err_http_status(int err);

/* ---- Limits: every cap on input lives here ------------------------------ */

#define WF_LIMIT_LINE_BYTES (64u * 1024u)              /* bytes of one log line kept for analysis */
#define WF_LIMIT_STEP_NAME_BYTES 256u                  /* bytes of a step/section name */
#define WF_LIMIT_STEPS 4096u                           /* steps/sections tracked per log */
#define WF_LIMIT_BLOCKS 64u                            /* candidate error blocks kept per log */
#define WF_LIMIT_BLOCK_LINES 400u                      /* lines kept in one block */
#define WF_LIMIT_BLOCK_BYTES (64u * 1024u)             /* bytes of text kept in one block */
#define WF_LIMIT_CONTEXT_LINES 64u                     /* lines of look-behind context */
#define WF_LIMIT_PASS_LINES (4u * 1024 * 1024)         /* distinct lines kept from a passing log */
#define WF_LIMIT_TOKENS 256u                           /* tokens of one line seen by the miner */
#define WF_LIMIT_TEMPLATES 65536u                      /* templates one miner holds */
#define WF_LIMIT_MODEL_BYTES (64u * 1024 * 1024)       /* size of a model file */
#define WF_LIMIT_TRAIN_EXAMPLES 1000000u               /* examples in one training run */
#define WF_LIMIT_JSON_BYTES (16u * 1024 * 1024)        /* size of a JSON document read */
#define WF_LIMIT_PATH_BYTES 4096u                      /* bytes of a file path */
#define WF_LIMIT_HTTP_HEADER_BYTES (16u * 1024)        /* request line + headers of one request */
#define WF_LIMIT_HTTP_HEADERS 64u                      /* header fields in one request */
#define WF_LIMIT_HTTP_BODY_BYTES (1u * 1024 * 1024)    /* default body cap of an API route */
#define WF_LIMIT_WEBHOOK_BYTES (25u * 1024 * 1024)     /* webhook body (GitHub caps at 25 MB) */
#define WF_LIMIT_LOG_UPLOAD_BYTES (256u * 1024 * 1024) /* a build log, after gunzip */
#define WF_LIMIT_HTTP_SPOOL_BYTES (1u * 1024 * 1024)   /* bodies above this go to a temp file */
#define WF_LIMIT_ID_BYTES 128u                         /* tenant, delivery, build, key ids */
#define WF_LIMIT_PAGE_ITEMS 500u                       /* items in one page of a list route */

/* ---- Allocation (with fault injection for tests) ----------------------- */

/* malloc/calloc/realloc/free wrappers. All project code allocates through
 * them so tests can fail the Nth allocation. Thread-safe. */
void *wf_malloc(size_t n);
void *wf_calloc(size_t n, size_t size);
void *wf_realloc(void *p, size_t n);
void wf_free(void *p);
/* Fault injection: after `n` more successful allocations every allocation
 * fails until wf_alloc_fail_after(-1) turns it off. Test use only. */
void wf_alloc_fail_after(long n);
/* Owned copy of `len` bytes of `p`, always NUL-terminated; NULL on ENOMEM.
 * Free with wf_free(). */
char *wf_strndup(const char *p, size_t len);
/* Grows the array *pp (elements of `elem` bytes, capacity *cap) so that it
 * holds at least `need` elements, never more than `max_elems`.
 * Returns WF_OK, WF_ETOOBIG past max_elems, or WF_ENOMEM (array untouched). */
int wf_grow(void **pp, size_t *cap, size_t need, size_t elem, size_t max_elems);

/* ---- Borrowed string view ---------------------------------------------- */

struct wf_str {
    const char *p; /* borrowed, not NUL-terminated */
    size_t len;    /* bytes */
};

/* A view of a NUL-terminated string (borrowed). */
struct wf_str wf_str_c(const char *s);
/* 1 when the views hold the same bytes. */
int wf_str_eq(struct wf_str a, struct wf_str b);

/* ---- Growable buffer with a cap ---------------------------------------- */

struct wf_buf {
    char *p;          /* owned, always NUL-terminated when len > 0 or after init */
    size_t len;       /* bytes used, excluding the NUL */
    size_t cap;       /* bytes allocated */
    size_t max_bytes; /* hard cap on len; appends past it fail with WF_ETOOBIG */
};

/* Caller-owned buffer capped at max_bytes. No allocation until first use. */
void wf_buf_init(struct wf_buf *b, size_t max_bytes);
/* Frees the buffer's memory; accepts NULL. */
void wf_buf_cleanup(struct wf_buf *b);
/* Appends bytes. On error (WF_ENOMEM, WF_ETOOBIG) the buffer is unchanged. */
int wf_buf_append(struct wf_buf *b, const void *p, size_t len);
int wf_buf_puts(struct wf_buf *b, const char *s);
int wf_buf_putc(struct wf_buf *b, char c);
/* printf-style append. On error the buffer is unchanged. */
int wf_buf_appendf(struct wf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int wf_buf_vappendf(struct wf_buf *b, const char *fmt, va_list ap);
/* Appends `s` escaped as the body of a JSON string (no quotes). Invalid
 * UTF-8 bytes become U+FFFD, control characters \uXXXX. */
int wf_buf_json_escape(struct wf_buf *b, const char *s, size_t len);
/* Empties the buffer, keeping its memory. */
void wf_buf_reset(struct wf_buf *b);
/* Returns the contents (owned, free with wf_free) and re-inits the buffer;
 * never NULL: an empty buffer yields an allocated "" (or NULL on ENOMEM). */
char *wf_buf_detach(struct wf_buf *b);

/* ---- Arena ---------------------------------------------------------------- */

struct wf_arena_chunk;
struct wf_arena {
    struct wf_arena_chunk *head; /* owned list of chunks */
    size_t used;                 /* bytes used in head */
    size_t total;                /* bytes handed out overall */
    size_t max_bytes;            /* cap on total; 0 = no cap */
};

void wf_arena_init(struct wf_arena *a, size_t max_bytes);
/* Frees every allocation at once; accepts NULL. */
void wf_arena_cleanup(struct wf_arena *a);
/* 16-byte aligned memory valid until cleanup; NULL on ENOMEM or past cap. */
void *wf_arena_alloc(struct wf_arena *a, size_t n);
/* NUL-terminated copy in the arena; NULL on failure. */
char *wf_arena_strndup(struct wf_arena *a, const char *p, size_t len);

/* ---- Hashing ------------------------------------------------------------- */

/* Stable 64-bit hash (same value on every platform and run). */
uint64_t wf_hash64(const void *p, size_t len, uint64_t seed);
/* Mixes a 64-bit value into a running hash. */
uint64_t wf_hash_mix(uint64_t h, uint64_t v);
/* MurmurHash3's 64-bit finaliser: spreads every input bit over the output
 * (inline: hot loops of the embedder and the index call it per n-gram). */
static inline uint64_t wf_fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* Set of 64-bit keys (key 0 is stored out of band). */
struct wf_hset {
    uint64_t *slots;  /* owned, open addressing */
    size_t cap;       /* slots, power of two */
    size_t count;     /* keys stored */
    size_t max_count; /* cap on count */
    int has_zero;     /* key 0 present */
};

void wf_hset_init(struct wf_hset *s, size_t max_count);
void wf_hset_cleanup(struct wf_hset *s);
/* Inserts key. *added (optional) is 1 when it was new. WF_ETOOBIG past
 * max_count, WF_ENOMEM; on error the set is unchanged. */
int wf_hset_add(struct wf_hset *s, uint64_t key, int *added);
int wf_hset_has(const struct wf_hset *s, uint64_t key);

/* ---- Time and logging ---------------------------------------------------- */

/* Monotonic milliseconds / nanoseconds. */
uint64_t wf_now_ms(void);
uint64_t wf_now_ns(void);
/* Sleeps ms milliseconds (<= 0: returns at once), resuming after signals. */
void wf_sleep_ms(long ms);

enum wf_log_level { WF_LOG_DEBUG, WF_LOG_INFO, WF_LOG_WARN, WF_LOG_ERROR };
/* Messages below `level` are dropped. Default WF_LOG_WARN. Not thread-safe
 * with concurrent wf_log calls; set it at start-up. */
void wf_log_set_level(enum wf_log_level level);
/* Writes one line to stderr: "workflowai: <level>: <message>". */
void wf_log(enum wf_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- Files --------------------------------------------------------------- */

/* Reads an open stream to its end in 64 KiB chunks, calling fn(ud, chunk,
 * n) for each (chunk borrowed for the call). Returns WF_OK, WF_EIO on a read
 * error, or the first non-zero code fn returned (reading stops there). */
int wf_read_chunks(FILE *f, int (*fn)(void *ud, const char *chunk, size_t n), void *ud);

/* Reads a whole file (or stdin for "-") into an owned, NUL-terminated buffer
 * (free with wf_free). Fails with WF_ENOENT, WF_EIO, or WF_ETOOBIG past
 * max_bytes; on failure *out is untouched. */
int wf_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len);

/* Parses a decimal integer in [min, max] from the whole string `s`.
 * WF_EINVAL when it is not one. */
int wf_parse_long(const char *s, long min, long max, long *out);

#endif
