/*
 * fuzz_filter_json: the differential check of JSON filter patterns — the
 * simdjson evaluation (lv_filter_json_fast) against the jansson one
 * (lv_filter_json_jansson) on the same pattern and message, plus the
 * prefilter's soundness: a message jansson says matches must hold every
 * literal of lv_filter_required. Aborts on any disagreement.
 *
 * Input: first byte < 0x80 picks one of a fixed set of patterns and the
 * rest is the message (the fuzzer then works on messages); otherwise the
 * first byte, scaled, splits the rest into a pattern and a message.
 * Build: clang -fsanitize=fuzzer,address,undefined with the library.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/filter.h"
#include "logs/filter_int.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const patterns[] = {
    "{ $.a = 1 }", "{ $.a != \"x\" }", "{ $.a.b[0] = \"ERROR\" }",
    "{ $.status = 503 && $.latency_ms > 500 }", "{ $.a = x* }",
    "{ $.a IS TRUE || $.b IS NULL }", "{ $.a NOT EXISTS }",
    "{ $.a = \"12.0\" }", "{ $.a[1] >= -0.5 }", "{ $.a = %^[0-9]+$% }",
    "{ $.a = \"*b*\" && $.c IS FALSE }", "{ $.x-y = -0 }",
    "{ $.a[*] = 1 }", "{ $.* = \"x\" }", "{ $.a[*].b != 2 }",
    "{ $.*.b NOT EXISTS }", "{ $.['a.b'] IS NULL }",
    "{ $.a.* = %^x% && $.b[*][0] >= 1 }",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_filter *f;
    const struct lv_filter_lit *lits;
    const char *pat, *msg;
    size_t plen, mlen, nl;
    int fast, slow;

    if (size < 1) {
        return 0;
    }
    if (data[0] < 0x80) {
        pat = patterns[data[0] % (sizeof(patterns) / sizeof(patterns[0]))];
        plen = strlen(pat);
        msg = (const char *)data + 1;
        mlen = size - 1;
    } else {
        plen = (size_t)(data[0] - 0x80) * (size - 1) / 127;
        pat = (const char *)data + 1;
        msg = pat + plen;
        mlen = size - 1 - plen;
    }
    f = lv_filter_compile(pat, plen, &err);
    if (!f) {
        return 0;
    }
    if (lv_filter_kind(f) == LV_FILTER_JSON) {
        fast = lv_filter_json_fast(f, msg, mlen);
        slow = lv_filter_json_jansson(f, msg, mlen);
        nl = lv_filter_required(f, &lits);
        if ((fast >= 0 && fast != slow) ||
            lv_filter_match(f, msg, mlen) != slow ||
            (slow == 1 && !lv_filter_lits_present(lits, nl, msg, mlen))) {
            abort();
        }
    }
    lv_filter_free(f);
    return 0;
}
