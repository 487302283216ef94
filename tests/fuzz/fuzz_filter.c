/*
 * fuzz_filter: arbitrary bytes split into a filter pattern and an event
 * message (the first byte, scaled, says where), then lv_filter_compile →
 * lv_filter_match_extract → lv_filter_free. A pattern that does not compile
 * must come back as InvalidParameterException with a message.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "logs/filter.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f;
    const struct lv_filter_lit *lits;
    json_t *x = NULL;
    size_t plen;

    if (size < 1) {
        return 0;
    }
    /* Up to 1100 bytes of pattern (past the 1024 limit, to test it). */
    plen = (size_t)data[0] * 1100 / 255;
    data++;
    size--;
    if (plen > size) {
        plen = size;
    }
    f = lv_filter_compile((const char *)data, plen, &err);
    if (!f) {
        if (err.code != LV_E_INVALID_PARAMETER || err.msg[0] == '\0') {
            abort();
        }
        return 0;
    }
    lv_filter_required(f, &lits);
    if (lv_filter_match(f, (const char *)data + plen, size - plen) !=
        lv_filter_match_extract(f, (const char *)data + plen, size - plen,
                                &x)) {
        abort();
    }
    json_decref(x);
    lv_filter_free(f);
    return 0;
}
