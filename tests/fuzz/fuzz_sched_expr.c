/*
 * fuzz_sched_expr: arbitrary bytes read as a scheduled query's
 * scheduleExpression (lv_sched_expr_parse). Either it fails with a
 * message that starts "Invalid schedule expression: ", or the expression
 * is a rate of a positive period or a cron with exactly one of its day
 * fields `?`, and its next run after a fixed time is later than that
 * time (or none, for cron), on the period's grid for a rate and on a
 * whole minute for cron. Never reads past the input (ASan).
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/sched_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char pre[] = "Invalid schedule expression: ";
    struct lv_sched_expr e;
    char msg[256];
    /* 2026-12-05T20:00:00Z and an anchor a little before it. */
    const int64_t after = 1796500800000LL;
    const int64_t anchor = after - 12345678;
    int64_t next;

    msg[0] = '\0';
    if (lv_sched_expr_parse((const char *)data, size, &e, msg,
                            sizeof(msg)) < 0) {
        if (strncmp(msg, pre, sizeof(pre) - 1) != 0) {
            abort();
        }
        return 0;
    }
    next = lv_sched_expr_next(&e, anchor, after);
    if (e.kind == LV_SCHED_RATE) {
        if (e.rate_ms < 60000 || next <= after ||
            (next - anchor) % e.rate_ms != 0 || next - after > e.rate_ms) {
            abort();
        }
    } else if (e.kind == LV_SCHED_CRON) {
        if (e.dom_any == e.dow_any || (next != -1 && next <= after) ||
            (next != -1 && next % 60000 != 0)) {
            abort();
        }
    } else {
        abort();
    }
    return 0;
}
