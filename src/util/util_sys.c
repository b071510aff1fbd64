/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time, logging, whole-file reads and strict integer parsing.
 */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t wf_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t wf_now_ms(void)
{
    return wf_now_ns() / 1000000ull;
}

void wf_sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static enum wf_log_level log_level = WF_LOG_WARN;

void wf_log_set_level(enum wf_log_level level)
{
    log_level = level;
}

void wf_log(enum wf_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warning", "error"};
    if (level < log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "workflowai: %s: ", names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int wf_read_chunks(FILE *f, int (*fn)(void *ud, const char *chunk, size_t n), void *ud)
{
    char chunk[65536];
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0) {
            int rc = fn(ud, chunk, n);
            if (rc)
                return rc;
        }
        if (n < sizeof(chunk))
            return ferror(f) ? WF_EIO : WF_OK;
    }
}

static int append_chunk(void *ud, const char *chunk, size_t n)
{
    return wf_buf_append(ud, chunk, n);
}

int wf_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct wf_buf b;
    wf_buf_init(&b, max_bytes);
    if (!f)
        return errno == ENOENT ? WF_ENOENT : WF_EIO;
    int rc = wf_read_chunks(f, append_chunk, &b);
    if (rc)
        goto out;
    *out_len = b.len;
    *out = wf_buf_detach(&b);
    if (!*out)
        rc = WF_ENOMEM;
out:
    if (f != stdin)
        fclose(f);
    wf_buf_cleanup(&b);
    return rc;
}

int wf_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return WF_EINVAL;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return WF_EINVAL;
    *out = v;
    return WF_OK;
}
