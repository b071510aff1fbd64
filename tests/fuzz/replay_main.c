/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays every file of a fuzz corpus directory through a target's
 * LLVMFuzzerTestOneInput, so `make test` catches regressions on every input
 * the fuzzer ever kept without needing clang's libFuzzer runtime.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return -1;
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "cannot open corpus %s\n", argv[1]);
        return 1;
    }
    struct dirent *e;
    int count = 0;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
        if (replay(path) != 0) {
            fprintf(stderr, "cannot read %s\n", path);
            closedir(d);
            return 1;
        }
        count++;
    }
    closedir(d);
    if (count == 0) {
        fprintf(stderr, "empty corpus %s\n", argv[1]);
        return 1;
    }
    printf("replayed %d inputs\n", count);
    return 0;
}
