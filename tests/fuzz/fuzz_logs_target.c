/*
 * fuzz_logs_target: libFuzzer target for the ARN readers of
 * src/logs/destinations.c (logs/absent_int.h): lv_logs_target_parse and
 * lv_logs_is_role_arn over any bytes (cut at the first NUL, as a JSON
 * string reaches them). On success the target's fields must be
 * NUL-terminated within their arrays, its kind one of the four, its
 * account 12 digits and its name non-empty.
 *
 *   make fuzz && build/fuzz/fuzz_logs_target
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/absent_int.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_logs_target t;
    char *s = lv_xmalloc(size + 1);

    memcpy(s, data, size);
    s[size] = '\0';
    if (lv_logs_target_parse(s, &t) == 0) {
        if (memchr(t.region, '\0', sizeof(t.region)) == NULL ||
            memchr(t.account, '\0', sizeof(t.account)) == NULL ||
            memchr(t.name, '\0', sizeof(t.name)) == NULL ||
            strlen(t.account) != 12 ||
            strspn(t.account, "0123456789") != 12 || t.name[0] == '\0' ||
            t.region[0] == '\0' || t.kind > LV_LOGS_TARGET_DESTINATION) {
            abort();
        }
    }
    (void)lv_logs_is_role_arn(s);
    free(s);
    return 0;
}
