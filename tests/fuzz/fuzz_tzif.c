/*
 * fuzz_tzif: util/tzif over arbitrary input. The first byte picks what
 * the rest is: 0, a TZif file's bytes (lv_tzif_parse); 1, a POSIX TZ
 * string (lv_tzif_posix); 2, a small table (types, transitions, then the
 * footer string) written as a TZif file by tests/unit/tzif_build.h and
 * parsed — so that the mutations reach past the header checks. No file of
 * the tz database is used (seeds are hand-made: tests/fuzz/corpus/).
 * For a zone accepted: every offset is under 26 hours, every abbreviation
 * NUL-terminated, and a local time maps to an instant within 26 hours of
 * it; the answers are the same when asked twice. Never reads past the
 * input (ASan). Build: clang -fsanitize=fuzzer,address,undefined.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tzif_build.h"
#include "util/tzif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(const struct lv_tzif *z, int64_t t)
{
    struct lv_tzinfo a;
    struct lv_tzinfo b;
    int64_t u;

    lv_tzif_at(z, t, &a);
    lv_tzif_at(z, t, &b);
    if (a.off <= -26 * 3600 || a.off >= 26 * 3600 ||
        memchr(a.abbr, '\0', sizeof(a.abbr)) == NULL ||
        a.off != b.off || a.isdst != b.isdst ||
        strcmp(a.abbr, b.abbr) != 0) {
        abort();
    }
    u = lv_tzif_local_to_utc(z, t);
    if (u - t > 26 * 3600 || t - u > 26 * 3600) {
        abort();
    }
}

static void check(struct lv_tzif *z, const uint8_t *data, size_t size)
{
    static const int64_t fixed[] = {
        INT64_C(-5000000000), -1, 0, 1, 1711846800, 1729990800,
        INT64_C(7265725200), INT64_C(253402300799),
    };

    if (!z) {
        return;
    }
    for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++) {
        probe(z, fixed[k]);
    }
    /* And instants from the input, a few of them. */
    for (size_t k = 0; k + 4 <= size && k < 32; k += 4) {
        int32_t v = (int32_t)((uint32_t)data[k] << 24 |
                              (uint32_t)data[k + 1] << 16 |
                              (uint32_t)data[k + 2] << 8 | data[k + 3]);

        probe(z, (int64_t)v * 8);
    }
    lv_tzif_free(z);
}

static void structured(const uint8_t *d, size_t n)
{
    static const char *const abbrs[] = {
        "CET", "CEST", "+1030", "-03", "EST", "LMT", "A", "",
    };
    struct tzb_type types[4];
    int64_t trans[8];
    unsigned char idx[8];
    size_t nt;
    size_t ntr;
    int64_t t = -2000000000;
    char footer[128];
    unsigned char buf[1024];
    size_t len;

    if (n < 2) {
        return;
    }
    nt = d[0] % 4 + 1;
    ntr = d[1] % 9;
    d += 2;
    n -= 2;
    if (n < nt * 2 + ntr * 3) {
        return;
    }
    for (size_t k = 0; k < nt; k++) {
        types[k].off = (int32_t)(int8_t)d[0] * 900;
        types[k].isdst = d[1] & 1;
        types[k].abbr = abbrs[(d[1] >> 1) % 8];
        d += 2;
        n -= 2;
    }
    for (size_t k = 0; k < ntr; k++) {
        t += ((int64_t)d[0] << 8 | d[1]) * 3600;
        trans[k] = t;
        idx[k] = d[2] % (nt + 1);          /* sometimes out of range */
        d += 3;
        n -= 3;
    }
    len = n < sizeof(footer) - 1 ? n : sizeof(footer) - 1;
    memcpy(footer, d, len);
    footer[len] = '\0';
    len = tzb_build(buf, sizeof(buf), trans, idx, ntr, types, nt, footer);
    if (len) {
        check(lv_tzif_parse(buf, len), d, n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[300];

    if (size < 1) {
        return 0;
    }
    switch (data[0] % 3) {
    case 0:
        check(lv_tzif_parse(data + 1, size - 1), data + 1, size - 1);
        break;
    case 1:
        if (size - 1 >= sizeof(s)) {
            return 0;
        }
        memcpy(s, data + 1, size - 1);
        s[size - 1] = '\0';
        check(lv_tzif_posix(s), data + 1, size - 1);
        break;
    default:
        structured(data + 1, size - 1);
        break;
    }
    return 0;
}
