/*
 * tzif_build: writes a TZif version 2 file from a small table, for the
 * tzif unit test and fuzzer (tests/unit/test_tzif.c, tests/fuzz/
 * fuzz_tzif.c): hand-made data instead of copies of the tz database.
 * The version 1 block is a minimal valid one (one UTC type); the version
 * 2 block holds the table. Header only, static inline.
 */
#ifndef LV_TESTS_UNIT_TZIF_BUILD_H
#define LV_TESTS_UNIT_TZIF_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tzb_type {
    int32_t off;
    int isdst;
    const char *abbr;
};

static inline size_t tzb_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static inline size_t tzb_header(unsigned char *p, uint32_t time,
                                uint32_t type, uint32_t chr)
{
    memset(p, 0, 44);
    memcpy(p, "TZif2", 5);
    tzb_put32(p + 32, time);
    tzb_put32(p + 36, type);
    tzb_put32(p + 40, chr);
    return 44;
}

/* Writes the file into out[cap]: its length, or 0 when it does not fit.
 * trans[i] switches to types[idx[i]]; footer is the POSIX TZ string. */
static inline size_t tzb_build(unsigned char *out, size_t cap,
                               const int64_t *trans,
                               const unsigned char *idx, size_t n_trans,
                               const struct tzb_type *types, size_t n_types,
                               const char *footer)
{
    char chars[256];
    size_t nchr = 0;
    unsigned char ai[32];
    size_t n = 0;

    if (n_types > 32) {
        return 0;
    }
    for (size_t i = 0; i < n_types; i++) {
        size_t len = strlen(types[i].abbr);

        if (nchr + len + 1 > sizeof(chars)) {
            return 0;
        }
        ai[i] = (unsigned char)nchr;
        memcpy(chars + nchr, types[i].abbr, len + 1);
        nchr += len + 1;
    }
    if (44 + 7 + 44 + n_trans * 9 + n_types * 6 + nchr +
        strlen(footer) + 2 > cap) {
        return 0;
    }
    /* version 1: one type, UTC, abbreviation "" */
    n += tzb_header(out, 0, 1, 1);
    memset(out + n, 0, 7);
    n += 7;
    n += tzb_header(out + n, (uint32_t)n_trans, (uint32_t)n_types,
                    (uint32_t)nchr);
    for (size_t i = 0; i < n_trans; i++) {
        n += tzb_put32(out + n, (uint32_t)((uint64_t)trans[i] >> 32));
        n += tzb_put32(out + n, (uint32_t)trans[i]);
    }
    memcpy(out + n, idx, n_trans);
    n += n_trans;
    for (size_t i = 0; i < n_types; i++) {
        n += tzb_put32(out + n, (uint32_t)types[i].off);
        out[n++] = (unsigned char)types[i].isdst;
        out[n++] = ai[i];
    }
    memcpy(out + n, chars, nchr);
    n += nchr;
    out[n++] = '\n';
    memcpy(out + n, footer, strlen(footer));
    n += strlen(footer);
    out[n++] = '\n';
    return n;
}

#endif
