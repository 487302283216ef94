/* logs/sched_expr: rate() and cron() schedule expressions — the accepted
 * forms with their next run times computed by hand, every refused form,
 * and the walk to the end of the year range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "logs/sched_expr.h"
#include "logs/sched_int.h"

/* Epoch ms of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return (int64_t)timegm(&tm) * 1000;
}

static void parse_ok(const char *s, struct lv_sched_expr *e)
{
    char msg[256] = "";

    if (lv_sched_expr_parse(s, strlen(s), e, msg, sizeof(msg)) != 0) {
        fail_msg("%s refused: %s", s, msg);
    }
}

static void test_rate(void **state)
{
    struct lv_sched_expr e;
    int64_t a = utc(2026, 1, 1, 0, 0);

    (void)state;
    parse_ok("rate(1 minute)", &e);
    assert_int_equal(e.kind, LV_SCHED_RATE);
    assert_int_equal(e.rate_ms, 60000);
    /* Strictly after: at the anchor itself, the next period. */
    assert_int_equal(lv_sched_expr_next(&e, a, a), a + 60000);
    assert_int_equal(lv_sched_expr_next(&e, a, a + 59999), a + 60000);
    assert_int_equal(lv_sched_expr_next(&e, a, a + 60000), a + 120000);
    /* Before the anchor (a scheduleStartTime to come): the anchor. */
    assert_int_equal(lv_sched_expr_next(&e, a, a - 5000000), a);
    parse_ok("rate(5 minutes)", &e);
    assert_int_equal(e.rate_ms, 300000);
    parse_ok("rate(2 hours)", &e);
    assert_int_equal(e.rate_ms, 7200000);
    parse_ok("rate(1 day)", &e);
    assert_int_equal(e.rate_ms, 86400000);
    assert_int_equal(lv_sched_expr_next(&e, a, a + 86400000 * 3 + 1),
                     a + 86400000LL * 4);
}

static void test_cron(void **state)
{
    struct lv_sched_expr e;

    (void)state;
    /* 10:15 UTC every day. */
    parse_ok("cron(15 10 * * ? *)", &e);
    assert_int_equal(e.kind, LV_SCHED_CRON);
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 3, 1, 9, 0)),
                     utc(2026, 3, 1, 10, 15));
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 3, 1, 10, 15)),
                     utc(2026, 3, 2, 10, 15));
    /* Every 10 minutes on weekdays (MON-FRI): Friday 23:55 → Monday. */
    parse_ok("cron(0/10 * ? * MON-FRI *)", &e);
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 12, 4, 23, 55)),
                     utc(2026, 12, 7, 0, 0));
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 12, 7, 0, 3)),
                     utc(2026, 12, 7, 0, 10));
    /* 18:00 on the first of the month, a list of months by name. */
    parse_ok("cron(0 18 1 JAN,JUL ? *)", &e);
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 2, 1, 0, 0)),
                     utc(2026, 7, 1, 18, 0));
    /* 8:00 on day 29 of February, only in the years given. */
    parse_ok("cron(0 8 29 2 ? 2027-2030)", &e);
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 1, 1, 0, 0)),
                     utc(2028, 2, 29, 8, 0));
    /* A day that never comes: none. */
    parse_ok("cron(0 0 31 2 ? *)", &e);
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 1, 1, 0, 0)), -1);
    /* Sunday is 1. */
    parse_ok("cron(30 6 ? * 1 *)", &e);
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 12, 5, 12, 0)),
                     utc(2026, 12, 6, 6, 30));
    /* Steps over a range, lists of ranges. */
    parse_ok("cron(5-20/5,50 1,3-4 * * ? *)", &e);
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 1, 1, 1, 20)),
                     utc(2026, 1, 1, 1, 50));
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2026, 1, 1, 1, 50)),
                     utc(2026, 1, 1, 3, 5));
    /* Past the last year: none. */
    parse_ok("cron(0 0 1 1 ? 2199)", &e);
    assert_int_equal(lv_sched_expr_next(&e, 0, utc(2199, 1, 1, 0, 0)), -1);
}

static void test_refused(void **state)
{
    static const char *const bad[] = {
        "", "rate()", "rate(0 minutes)", "rate(1 minutes)", "rate(2 minute)",
        "rate(5 seconds)", "rate(-1 hours)", "rate(5  minutes)",
        "rate(5 minutes", "rate(1000001 minutes)", "every 5 minutes",
        "cron(* * * * *)", "cron(* * * * ? * *)", "cron(* * * * * *)",
        "cron(* * ? * ? *)", "cron(60 * * * ? *)", "cron(* 24 * * ? *)",
        "cron(* * 0 * ? *)", "cron(* * 32 * ? *)", "cron(* * * 13 ? *)",
        "cron(* * ? * 8 *)", "cron(* * * * ? 1969)", "cron(* * * * ? 2200)",
        "cron(5-1 * * * ? *)", "cron(*/0 * * * ? *)", "cron(1, * * * ? *)",
        "cron(? * * * ? *)", "cron(0 0 L * ? *)", "cron(0 0 ? * 6#3 *)",
        "cron(0 0 15W * ? *)", "cron(0  0 * * ? *)", "cron(a * * * ? *)",
        "cron(0 0 * FOO ? *)", NULL,
    };
    struct lv_sched_expr e;
    char msg[256];

    (void)state;
    for (size_t i = 0; bad[i]; i++) {
        msg[0] = '\0';
        if (lv_sched_expr_parse(bad[i], strlen(bad[i]), &e, msg,
                                sizeof(msg)) != -1) {
            fail_msg("accepted: %s", bad[i]);
        }
        assert_true(strncmp(msg, "Invalid schedule expression: ", 29) == 0);
    }
    /* L, W and # say why. */
    assert_int_equal(lv_sched_expr_parse("cron(0 0 L * ? *)", 17, &e, msg,
                                         sizeof(msg)), -1);
    assert_non_null(strstr(msg, "does not evaluate"));
}

/* The scheduler's next run of a definition: its state, anchor,
 * scheduleStartTime and scheduleEndTime. */
static void test_definition(void **state)
{
    struct lv_sched_expr e;
    int64_t a = utc(2026, 1, 1, 0, 0);
    json_t *doc = json_pack("{s:s, s:I}", "state", "ENABLED", "anchor",
                            (json_int_t)a);

    (void)state;
    parse_ok("rate(1 hour)", &e);
    assert_int_equal(lv_logs_sched_next(doc, &e, a + 1), a + 3600000);
    /* Not before scheduleStartTime: the first run is at it. */
    json_object_set_new(doc, "scheduleStartTime",
                        json_integer(a + 86400000));
    assert_int_equal(lv_logs_sched_next(doc, &e, a + 1), a + 86400000);
    /* None past scheduleEndTime. */
    json_object_set_new(doc, "scheduleEndTime",
                        json_integer(a + 86400000 + 7200000));
    assert_int_equal(lv_logs_sched_next(doc, &e, a + 86400000 + 3600000),
                     a + 86400000 + 7200000);
    assert_int_equal(lv_logs_sched_next(doc, &e, a + 86400000 + 7200000),
                     -1);
    /* DISABLED: none at all. */
    json_object_del(doc, "scheduleEndTime");
    json_object_set_new(doc, "state", json_string("DISABLED"));
    assert_int_equal(lv_logs_sched_next(doc, &e, a), -1);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_cron),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_definition),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
