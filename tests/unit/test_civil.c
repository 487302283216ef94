/* util/civil: known dates both ways, and every day of 1600–2400 round-trips
 * in order (one day after another: month lengths and leap years follow). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/civil.h"

static void test_known(void **state)
{
    static const struct {
        int64_t y;
        unsigned m, d;
        int64_t days;
    } rows[] = {
        { 1970, 1, 1, 0 },
        { 1969, 12, 31, -1 },
        { 2000, 2, 29, 11016 },
        { 2000, 3, 1, 11017 },
        { 1900, 3, 1, -25508 },     /* 1900 is not a leap year */
        { 2024, 12, 31, 20088 },
        { 1, 1, 1, -719162 },
        { 0, 3, 1, -719468 },       /* the algorithm's era start */
        { -1, 12, 31, -719529 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int64_t y;
        unsigned m;
        unsigned d;

        assert_int_equal(lv_days_from_civil(rows[i].y, rows[i].m, rows[i].d),
                         rows[i].days);
        lv_civil_from_days(rows[i].days, &y, &m, &d);
        assert_int_equal(y, rows[i].y);
        assert_int_equal(m, rows[i].m);
        assert_int_equal(d, rows[i].d);
    }
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                  30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : n[m - 1];
}

static void test_every_day(void **state)
{
    int64_t y = 1600;
    unsigned m = 1;
    unsigned d = 1;
    int64_t z = lv_days_from_civil(1600, 1, 1);

    (void)state;
    while (y < 2400) {
        int64_t yy;
        unsigned mm;
        unsigned dd;

        assert_int_equal(lv_days_from_civil(y, m, d), z);
        lv_civil_from_days(z, &yy, &mm, &dd);
        assert_int_equal(yy, y);
        assert_int_equal(mm, m);
        assert_int_equal(dd, d);
        z++;
        if (++d > month_days(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_every_day),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
