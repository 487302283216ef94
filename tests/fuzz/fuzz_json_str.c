/*
 * fuzz_json_str: libFuzzer target, differential, for the two JSON string
 * encoders of src/util/buf.c: lv_buf_put_json_str (GetLogEvents' events,
 * no bound check per run) must write exactly what lv_buf_add_json_str
 * writes, for any bytes, without storing past LV_BUF_JSON_STR_MAX(len)
 * (the output buffer is allocated to exactly that size, so the sanitizer
 * sees any store past it). The first input byte picks an offset, so that
 * the input and output meet every alignment.
 *
 *   make fuzz && build/fuzz/fuzz_json_str
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_buf want = LV_BUF_INIT(SIZE_MAX);
    size_t shift;
    size_t len;
    char *out;
    char *end;

    if (size == 0) {
        return 0;
    }
    shift = data[0] % 8;
    data++;
    size--;
    len = LV_BUF_JSON_STR_MAX(size);
    out = lv_xmalloc(len + shift > 0 ? len + shift : 1);
    if (lv_buf_add_json_str(&want, (const char *)data, size) < 0) {
        abort();
    }
    end = lv_buf_put_json_str(out + shift, (const char *)data, size);
    if (end < out + shift || (size_t)(end - (out + shift)) != want.len ||
        (size_t)(end - (out + shift)) > len ||
        memcmp(out + shift, want.data, want.len) != 0) {
        abort();
    }
    free(out);
    lv_buf_release(&want);
    return 0;
}
