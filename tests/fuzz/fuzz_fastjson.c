/*
 * libFuzzer target: arbitrary bytes as a PutLogEvents body → the simdjson
 * fast decoder (logs/fastjson.h) and the slow path (jansson +
 * lv_model_validate + the events as ingest reads them). Whenever the fast
 * decoder accepts, both must give the same request, byte for byte; a
 * mismatch aborts. See fastjson_diff.h.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... tests/fuzz/fuzz_fastjson.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fastjson_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[600];

    if (fastjson_diff((const char *)data, size, why, sizeof(why)) ==
        DIFF_MISMATCH) {
        fprintf(stderr, "fuzz_fastjson: mismatch: %s\n", why);
        __builtin_trap();
    }
    return 0;
}
