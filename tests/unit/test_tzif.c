/* util/tzif: known instants around daylight saving changes in real zones
 * (Europe/Berlin, America/New_York, Australia/Lord_Howe with its 30-minute
 * change, Asia/Kolkata, America/Sao_Paulo past its last transition, and
 * Berlin in 2200 by the footer rule), local times in gaps and overlaps,
 * POSIX TZ strings alone, hand-built TZif files (and every truncation of
 * one refused), zone names, and the cache from several threads. The real
 * zones come from the system's tz database (package tzdata): without it
 * the binary exits 77 (skipped). Expected values were checked against
 * Python's zoneinfo on the same database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "tzif_build.h"
#include "util/tzif.h"

struct at_row {
    const char *zone;
    int64_t t;                  /* UTC seconds */
    int32_t off;
    int isdst;
    const char *abbr;
};

static const struct at_row at_rows[] = {
    /* 2024-03-31T00:59:59Z, then the change to CEST */
    { "Europe/Berlin", 1711846799, 3600, 0, "CET" },
    { "Europe/Berlin", 1711846800, 7200, 1, "CEST" },
    /* 2024-10-27T00:59:59Z, then the change to CET */
    { "Europe/Berlin", 1729990799, 7200, 1, "CEST" },
    { "Europe/Berlin", 1729990800, 3600, 0, "CET" },
    { "Europe/Berlin", -2208988800, 3600, 0, "CET" },    /* 1900 */
    /* 2200-03-30: past the last transition, by the footer */
    { "Europe/Berlin", 7265725199, 3600, 0, "CET" },
    { "Europe/Berlin", 7265725200, 7200, 1, "CEST" },
    { "Europe/Berlin", 7273756800, 7200, 1, "CEST" },
    { "America/New_York", 1710053999, -18000, 0, "EST" },
    { "America/New_York", 1710054000, -14400, 1, "EDT" },
    { "America/New_York", 1730613599, -14400, 1, "EDT" },
    { "America/New_York", 1730613600, -18000, 0, "EST" },
    { "Australia/Lord_Howe", 1712415599, 39600, 1, "+11" },
    { "Australia/Lord_Howe", 1712415600, 37800, 0, "+1030" },
    { "Australia/Lord_Howe", 1728142199, 37800, 0, "+1030" },
    { "Australia/Lord_Howe", 1728142200, 39600, 1, "+11" },
    { "Asia/Kolkata", 1719792000, 19800, 0, "IST" },
    { "America/Sao_Paulo", 1515974400, -7200, 1, "-02" },  /* 2018 */
    { "America/Sao_Paulo", 1894665600, -10800, 0, "-03" }, /* 2030 */
};

/* Local wall time (seconds since 1970-01-01T00:00 local) to UTC. */
struct local_row {
    const char *zone;
    int64_t local;
    int64_t utc;
};

#define L(days, h, m) ((int64_t)(days) * 86400 + (h) * 3600 + (m) * 60)

static const struct local_row local_rows[] = {
    /* Berlin 2024-03-31 (day 19813) 02:30: a gap, 03:30 CEST = 01:30Z */
    { "Europe/Berlin", L(19813, 2, 30), L(19813, 1, 30) },
    { "Europe/Berlin", L(19813, 1, 59), L(19813, 0, 59) },
    { "Europe/Berlin", L(19813, 3, 0), L(19813, 1, 0) },
    /* Berlin 2024-10-27 (day 20023) 02:30: an overlap, the CEST one */
    { "Europe/Berlin", L(20023, 2, 30), L(20023, 0, 30) },
    { "Europe/Berlin", L(20023, 3, 0), L(20023, 2, 0) },
    /* New York 2024-03-10 (day 19792) 02:30: a gap, read as EST */
    { "America/New_York", L(19792, 2, 30), L(19792, 7, 30) },
    /* New York 2024-11-03 (day 20030) 01:30: an overlap, the EDT one */
    { "America/New_York", L(20030, 1, 30), L(20030, 5, 30) },
    /* Lord Howe 2024-04-07 (day 19820) 01:45: an overlap, +11 */
    { "Australia/Lord_Howe", L(19820, 1, 45), L(19819, 14, 45) },
    { "Australia/Lord_Howe", L(19820, 2, 0), L(19819, 15, 30) },
    /* Lord Howe 2024-10-06 (day 20002) 02:15: a 30-minute gap */
    { "Australia/Lord_Howe", L(20002, 2, 15), L(20001, 15, 45) },
    { "Asia/Kolkata", L(19905, 12, 0), L(19905, 6, 30) },
};

static int zones_present(void)
{
    const char *dir = getenv("TZDIR");
    char path[512];

    snprintf(path, sizeof(path), "%s/Australia/Lord_Howe",
             dir && *dir ? dir : "/usr/share/zoneinfo");
    return access(path, R_OK) == 0;
}

static void check_at(const struct lv_tzif *z, const struct at_row *r,
                     const char *what)
{
    struct lv_tzinfo i;

    lv_tzif_at(z, r->t, &i);
    if (i.off != r->off || i.isdst != r->isdst ||
        strcmp(i.abbr, r->abbr) != 0) {
        fail_msg("%s %s at %lld: got %d %d %s, want %d %d %s", what,
                 r->zone, (long long)r->t, (int)i.off, i.isdst, i.abbr,
                 (int)r->off, r->isdst, r->abbr);
    }
}

static void test_at(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(at_rows) / sizeof(at_rows[0]); k++) {
        const struct lv_tzif *z = lv_tzif_get(at_rows[k].zone);

        if (!z) {
            fail_msg("%s: not loaded", at_rows[k].zone);
        }
        check_at(z, &at_rows[k], "file");
    }
}

static void test_local(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(local_rows) / sizeof(local_rows[0]); k++) {
        const struct local_row *r = &local_rows[k];
        const struct lv_tzif *z = lv_tzif_get(r->zone);
        int64_t got;

        assert_non_null(z);
        got = lv_tzif_local_to_utc(z, r->local);
        if (got != r->utc) {
            fail_msg("%s local %lld: got %lld, want %lld", r->zone,
                     (long long)r->local, (long long)got,
                     (long long)r->utc);
        }
    }
}

/* The footers alone answer as the files do in the years they cover. */
static void test_posix(void **state)
{
    static const struct {
        const char *zone;
        const char *tz;
    } rules[] = {
        { "Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3" },
        { "America/New_York", "EST5EDT,M3.2.0,M11.1.0" },
        { "Australia/Lord_Howe", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0" },
        { "Asia/Kolkata", "IST-5:30" },
    };
    static const char *const bad[] = {
        "", "AB-1", "CET", "CET-1CEST", "CET-25", "CET-1CEST,M13.1.0,M1.1.0",
        "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,J366,J1", "CET-1CEST,M3.5.0,M10.5.0/168", "<AB-1",
        "CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,M10.5.0x", "CET-1:5",
        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0,",
    };
    struct lv_tzif *z;
    struct lv_tzinfo i;

    (void)state;
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
        z = lv_tzif_posix(rules[r].tz);
        if (!z) {
            fail_msg("%s refused", rules[r].tz);
        }
        for (size_t k = 0; k < sizeof(at_rows) / sizeof(at_rows[0]); k++) {
            if (strcmp(at_rows[k].zone, rules[r].zone) == 0 &&
                at_rows[k].t > 946684800) {         /* rules of today */
                check_at(z, &at_rows[k], rules[r].tz);
            }
        }
        lv_tzif_free(z);
    }
    /* Daylight time all year (RFC 8536 3.3.1's example). */
    z = lv_tzif_posix("EST5EDT,0/0,J365/25");
    assert_non_null(z);
    for (int64_t t = 1704067200 - 86400; t < 1767225600 + 86400;
         t += 3600 * 7) {
        lv_tzif_at(z, t, &i);
        assert_int_equal(i.off, -14400);
        assert_string_equal(i.abbr, "EDT");
    }
    lv_tzif_free(z);
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        z = lv_tzif_posix(bad[k]);
        if (z) {
            lv_tzif_free(z);
            fail_msg("accepted %s", bad[k]);
        }
    }
}

/* A hand-built file: two transitions, then a footer. */
static void test_built(void **state)
{
    static const int64_t trans[] = { -1000000, 1000000 };
    static const unsigned char idx[] = { 1, 2 };
    static const struct tzb_type types[] = {
        { 1234, 0, "LMT" }, { 3600, 0, "AAA" }, { 7200, 1, "BBB" },
    };
    unsigned char buf[512];
    size_t n = tzb_build(buf, sizeof(buf), trans, idx, 2, types, 3,
                         "<-03>3");
    struct lv_tzif *z;
    struct lv_tzinfo i;

    (void)state;
    assert_true(n > 0);
    z = lv_tzif_parse(buf, n);
    assert_non_null(z);
    lv_tzif_at(z, -1000001, &i);
    assert_int_equal(i.off, 1234);
    assert_string_equal(i.abbr, "LMT");
    lv_tzif_at(z, -1000000, &i);
    assert_int_equal(i.off, 3600);
    lv_tzif_at(z, 999999, &i);
    assert_string_equal(i.abbr, "AAA");
    lv_tzif_at(z, 1000000, &i);         /* past the last: the footer */
    assert_int_equal(i.off, -10800);
    assert_string_equal(i.abbr, "-03");
    assert_int_equal(i.isdst, 0);
    lv_tzif_free(z);
    /* Every truncation is refused. */
    for (size_t k = 0; k < n; k++) {
        z = lv_tzif_parse(buf, k);
        if (z) {
            lv_tzif_free(z);
            fail_msg("a file cut at %zu of %zu was accepted", k, n);
        }
    }
    /* Version 1 only, a bad index, unordered transitions, a footer
     * that is not a TZ string. */
    buf[4] = '\0';
    assert_null(lv_tzif_parse(buf, n));
    n = tzb_build(buf, sizeof(buf), trans, (const unsigned char *)"\1\3",
                  2, types, 3, "");
    assert_null(lv_tzif_parse(buf, n));
    n = tzb_build(buf, sizeof(buf), (const int64_t[]){ 5, 5 }, idx, 2,
                  types, 3, "");
    assert_null(lv_tzif_parse(buf, n));
    n = tzb_build(buf, sizeof(buf), trans, idx, 2, types, 3, "CET-1CEST");
    assert_null(lv_tzif_parse(buf, n));
    /* No footer rule: the last type goes on. */
    n = tzb_build(buf, sizeof(buf), trans, idx, 2, types, 3, "");
    z = lv_tzif_parse(buf, n);
    assert_non_null(z);
    lv_tzif_at(z, INT64_C(9000000000), &i);
    assert_string_equal(i.abbr, "BBB");
    lv_tzif_free(z);
}

static void test_names(void **state)
{
    static const char *const bad[] = {
        "", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd",
        "Europe//Berlin", "Europe/Berlin/", "Europe/Ber lin", "Europe/.",
        "Europe/Berlin\n", "right/../Europe/Berlin",
    };

    (void)state;
    assert_true(lv_tzif_name_ok("Europe/Berlin"));
    assert_true(lv_tzif_name_ok("Etc/GMT+5"));
    assert_true(lv_tzif_name_ok("America/Port-au-Prince"));
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        if (lv_tzif_name_ok(bad[k]) || lv_tzif_get(bad[k])) {
            fail_msg("name %s accepted", bad[k]);
        }
    }
    assert_null(lv_tzif_get("Europe/Nowhere"));
    assert_null(lv_tzif_get("Europe"));             /* a directory */
    assert_null(lv_tzif_get("zone.tab"));           /* '.' refused */
    assert_null(lv_tzif_get("iso3166"));            /* no such file */
    assert_ptr_equal(lv_tzif_get("Europe/Berlin"),
                     lv_tzif_get("Europe/Berlin"));
}

static void *get_zones(void *arg)
{
    static const char *const names[] = {
        "Europe/Paris", "Asia/Tokyo", "America/Chicago", "Africa/Cairo",
    };
    const struct lv_tzif **out = arg;

    for (size_t k = 0; k < 4; k++) {
        out[k] = lv_tzif_get(names[k]);
    }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t th[4];
    const struct lv_tzif *got[4][4];

    (void)state;
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(pthread_create(&th[k], NULL, get_zones, got[k]), 0);
    }
    for (size_t k = 0; k < 4; k++) {
        pthread_join(th[k], NULL);
    }
    for (size_t k = 0; k < 4; k++) {
        for (size_t j = 0; j < 4; j++) {
            assert_non_null(got[k][j]);
            assert_ptr_equal(got[k][j], got[0][j]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_posix),
        cmocka_unit_test(test_built),
        cmocka_unit_test(test_at),
        cmocka_unit_test(test_local),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_threads),
    };
    int rc;

    if (zones_present()) {
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    /* Without the tz database only the string and built-file tests run;
     * the binary reports itself skipped rather than passed. */
    rc = _cmocka_run_group_tests("test_tzif", tests, 2, NULL, NULL);
    printf("skipped: no tz database (package tzdata) under "
           "/usr/share/zoneinfo or $TZDIR\n");
    return rc ? rc : 77;
}
