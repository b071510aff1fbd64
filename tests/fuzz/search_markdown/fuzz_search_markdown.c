/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for Markdown chunking (tests/fuzz/search_chunking.h). */
#include "../search_chunking.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_chunking(WF_DOC_MARKDOWN, data, size);
}
