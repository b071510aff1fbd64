/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the log window of GET /v1/builds/{id}/log: the
 * stored log is whatever a CI printed, so any bytes must give a clean
 * answer: the window never holds more lines than asked, its bounds agree
 * with the lines present, every line is valid UTF-8 (jansson checks it)
 * and at most the line cap plus the cut marker long. The first two bytes
 * choose the window.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

#include "../fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    long from = 1 + data[0] % 64;
    long to = from + data[1] % 64;
    json_t *j = NULL;
    int rc = wf_server__log_window((const char *)data + 2, size - 2, from, to, &j);
    CHECK(rc == WF_OK && j);
    json_t *lines = json_object_get(j, "lines");
    size_t n = json_array_size(lines);
    CHECK(n <= (size_t)(to - from + 1));
    CHECK(json_integer_value(json_object_get(j, "from")) == from);
    CHECK(json_integer_value(json_object_get(j, "to")) == from + (long)n - 1);
    CHECK(json_integer_value(json_object_get(j, "total_lines")) >= (json_int_t)n);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(lines, i);
        CHECK(json_is_string(s));
        CHECK(json_string_length(s) <= 3 * WF_SERVER_LOG_LINE_BYTES + 6);
    }
    char *dump = json_dumps(j, 0);
    CHECK(dump != NULL);
    free(dump);
    json_decref(j);
    return 0;
}
