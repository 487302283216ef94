/*
 * fuzz_index_policy: arbitrary bytes as an index policy document
 * (lv_fidx_policy_parse) and, when it parses, as a chunk index blob read
 * by lv_fidx_may_hold and lv_fidx_each_field for each field (they must
 * never read outside it). A document that does not parse must come back
 * as InvalidParameterException with a message; one that parses has 1 to
 * 20 fields of 1 to 100 bytes.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/fidx.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *arg, const char *field, size_t len, int64_t first,
                  int64_t last)
{
    (void)field;
    (void)len;
    (void)first;
    (void)last;
    (*(int *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t key[32] = { 7 };
    struct lv_err err = LV_ERR_INIT;
    struct lv_fidx_policy p = LV_FIDX_POLICY_INIT;
    int n = 0;

    if (lv_fidx_policy_parse((const char *)data, size, &p, &err) < 0) {
        if (err.code != LV_E_INVALID_PARAMETER || err.msg[0] == '\0') {
            abort();
        }
    } else {
        if (p.n < 1 || p.n > LV_FIDX_MAX_FIELDS) {
            abort();
        }
        for (size_t i = 0; i < p.n; i++) {
            size_t len = strlen(p.fields[i]);

            if (len < 1 || len > LV_FIDX_MAX_FIELD_LEN) {
                abort();
            }
            lv_fidx_may_hold(data, size, key, p.fields[i], "v", 1);
        }
    }
    lv_fidx_may_hold(data, size, key, "a", "x", 1);
    lv_fidx_each_field(data, size, count, &n);
    lv_fidx_policy_release(&p);
    return 0;
}
