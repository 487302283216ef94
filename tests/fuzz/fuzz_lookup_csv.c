/*
 * fuzz_lookup_csv: arbitrary bytes read as a lookup table's CSV
 * (lv_csv_parse). Either it fails with InvalidParameterException and a
 * message and leaves the table empty, or every cell it hands back is a
 * NUL-terminated string inside its text, the header's names are distinct
 * and non-empty, and lv_csv_column finds each of them.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/lookup_csv.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_csv t;
    size_t total = 0;

    lv_csv_init(&t);
    if (lv_csv_parse((const char *)data, size, &t, &err) < 0) {
        if (err.code != LV_E_INVALID_PARAMETER || err.msg[0] == '\0' ||
            t.text || t.cell || t.n_cols || t.n_rows) {
            abort();
        }
        return 0;
    }
    if (t.n_cols == 0) {
        abort();
    }
    for (size_t c = 0; c < t.n_cols; c++) {
        const char *name = lv_csv_header(&t, c);

        if (!name[0] || lv_csv_column(&t, name) != (long)c) {
            abort();
        }
    }
    for (size_t r = 0; r < t.n_rows; r++) {
        for (size_t c = 0; c < t.n_cols; c++) {
            total += strlen(lv_csv_cell(&t, r, c));
        }
    }
    /* Unescaping never grows the text. */
    if (total > size) {
        abort();
    }
    lv_csv_release(&t);
    return 0;
}
