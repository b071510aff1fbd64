/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the gitlab webhook normalizer: first line of the input
 * is the event header, the rest the body (see ../ingest_github/ingest_fuzz.h
 * for the invariants checked).
 */
#include "../ingest_github/ingest_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_ingest(WF_INGEST_GITLAB, data, size);
}
