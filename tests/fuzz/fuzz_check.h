/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every fuzz target shares: the libFuzzer entry point's prototype and
 * CHECK, an invariant that holds in optimised builds too (abort() instead
 * of assert(), so a failed invariant is a crash libFuzzer reports).
 */
#ifndef WF_FUZZ_CHECK_H
#define WF_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

#endif
