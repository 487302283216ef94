/*
 * test_cloudtrail_throttle: LookupEvents' rate (cloudtrail/throttle.h) —
 * two calls pass, the third at the same moment is refused, a second later
 * two pass again; half a second gives one call back; pairs of account and
 * region count apart; a clock that goes back gives nothing back; other
 * rates; more pairs than slots, idle and busy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cloudtrail/throttle.h"

#define A "111122223333"
#define B "444455556666"
#define R "eu-west-2"
#define T0 1764936000000LL

static struct lv_ct_rate rate_table;

static int setup(void **state)
{
    (void)state;
    memset(&rate_table, 0, sizeof(rate_table));
    pthread_mutex_init(&rate_table.mu, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pthread_mutex_destroy(&rate_table.mu);
    return 0;
}

static int take(const char *acct, const char *region, int64_t ms)
{
    return lv_ct_rate_take(&rate_table, acct, region, ms, 2);
}

/* One row: a call at T0 + at_ms, and whether it passes. */
struct step {
    const char *name;
    const char *account;
    const char *region;
    int64_t at_ms;
    int ok;
};

static const struct step steps[] = {
    { "1st call", A, R, 0, 1 },
    { "2nd call, same moment", A, R, 0, 1 },
    { "3rd call, same moment: throttled", A, R, 0, 0 },
    { "4th call 100 ms on: throttled", A, R, 100, 0 },
    { "another account: its own two", B, R, 100, 1 },
    { "another account: second", B, R, 100, 1 },
    { "another account: third throttled", B, R, 100, 0 },
    { "another region: its own", A, "us-east-1", 100, 1 },
    { "half a second gives one back", A, R, 500, 1 },
    { "and only one", A, R, 500, 0 },
    { "the clock back: nothing back", A, R, 0, 0 },
    { "a second after: two again", A, R, 1500, 1 },
    { "a second after: second", A, R, 1500, 1 },
    { "a second after: third throttled", A, R, 1500, 0 },
    { "long idle: a burst of two, not more", A, R, 3600000, 1 },
    { "long idle: second", A, R, 3600000, 1 },
    { "long idle: third throttled", A, R, 3600000, 0 },
    { "two a second, kept to, always pass", A, R, 3600500, 1 },
    { "two a second, kept to", A, R, 3601000, 1 },
    { "two a second, kept to", A, R, 3601500, 1 },
};

static void two_a_second(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        const struct step *s = &steps[i];
        int got = take(s->account, s->region, T0 + s->at_ms);

        if (got != s->ok) {
            fail_msg("%s: %s, want %s", s->name, got ? "passed" : "throttled",
                     s->ok ? "passed" : "throttled");
        }
    }
}

/* Other rates: a burst of `rate`, then one call per 1/rate s. */
static void other_rates(void **state)
{
    long rates[] = { 1, 5, 100 };
    size_t i;
    long n;

    (void)state;
    for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        char acct[13];

        snprintf(acct, sizeof(acct), "%012ld", rates[i]);
        for (n = 0; n < rates[i]; n++) {
            assert_int_equal(lv_ct_rate_take(&rate_table, acct, R, T0,
                                             rates[i]), 1);
        }
        assert_int_equal(lv_ct_rate_take(&rate_table, acct, R, T0, rates[i]),
                         0);
        assert_int_equal(lv_ct_rate_take(&rate_table, acct, R,
                                         T0 + 1000 / rates[i], rates[i]), 1);
        assert_int_equal(lv_ct_rate_take(&rate_table, acct, R,
                                         T0 + 1000 / rates[i], rates[i]), 0);
    }
}

/* More pairs than slots: when every slot was used within the last second,
 * the least recently used one is given up (a new pair passes; the pair
 * used most recently keeps its count); a slot idle for a second is as
 * good as free. */
static void more_pairs_than_slots(void **state)
{
    char acct[13];
    int i;

    (void)state;
    assert_int_equal(take(A, R, T0 + 900), 1);
    assert_int_equal(take(A, R, T0 + 900), 1);
    /* 2 × LV_CT_RATE_SLOTS pairs at T0: past the first slots' worth, each
     * takes the place of an older one of them, never A's. */
    for (i = 0; i < 2 * LV_CT_RATE_SLOTS; i++) {
        snprintf(acct, sizeof(acct), "%012d", i);
        assert_int_equal(take(acct, R, T0), 1);
    }
    assert_int_equal(take(A, R, T0 + 1000), 0);
    /* By T0 + 1100 those are idle: new pairs reuse their slots and count
     * as they should. */
    for (i = 0; i < LV_CT_RATE_SLOTS - 1; i++) {
        snprintf(acct, sizeof(acct), "9%011d", i);
        assert_int_equal(take(acct, R, T0 + 1100), 1);
        assert_int_equal(take(acct, R, T0 + 1100), 1);
        assert_int_equal(take(acct, R, T0 + 1100), 0);
    }
    assert_int_equal(take(A, R, T0 + 1100), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(two_a_second, setup, teardown),
        cmocka_unit_test_setup_teardown(other_rates, setup, teardown),
        cmocka_unit_test_setup_teardown(more_pairs_than_slots, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
