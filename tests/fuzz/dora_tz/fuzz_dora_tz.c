/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the TZif reader behind `--tz Area/City`: any bytes
 * are a zone or WF_EFORMAT; a zone has ascending transitions and offsets
 * within +-26 h, and local midnights map back to instants whose offset
 * brings them within a day of the local time. Seeds: tz database files
 * (public domain).
 */
#include <stdint.h>
#include <stdlib.h>

#include "dora/dora.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wf_dora_tz tz;
    int rc = wf_dora_tz_parse((const char *)data, size, &tz);
    CHECK(rc == WF_OK || rc == WF_EFORMAT || rc == WF_ENOMEM);
    if (rc != WF_OK)
        return 0;
    for (size_t i = 1; i < tz.n; i++)
        CHECK(tz.at_s[i - 1] < tz.at_s[i]);
    for (size_t i = 0; i < tz.n; i++)
        CHECK(tz.off_s[i] >= -26 * 3600 && tz.off_s[i] <= 26 * 3600);
    for (int64_t local = 1700000000000LL; local < 1900000000000LL; local += 86400000LL * 97) {
        int64_t utc = wf_dora_tz_local_to_utc(&tz, local);
        int64_t back = utc + (int64_t)wf_dora_tz_offset_s(&tz, utc) * 1000;
        CHECK(back - local <= 86400000LL * 2 && local - back <= 86400000LL * 2);
    }
    wf_dora_tz_cleanup(&tz);
    return 0;
}
