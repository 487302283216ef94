/* logs/anomaly_rule: the anomaly detectors' rule — training, a new
 * pattern, spikes and drops against steady and noisy baselines, the
 * Poisson floor and the priorities, each computed by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logs/anomaly_rule.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_training(void **state)
{
    static const int64_t two[] = { 0, 0 };
    struct lv_anomaly_verdict v;

    (void)state;
    assert_int_equal(lv_anomaly_judge(two, N(two), 1000, &v), 0);
    assert_int_equal(v.kind, LV_ANOMALY_TRAINING);
    assert_null(v.priority);
    assert_int_equal(lv_anomaly_judge(NULL, 0, 5, &v), 0);
    assert_int_equal(v.kind, LV_ANOMALY_TRAINING);
}

static void test_new_pattern(void **state)
{
    static const int64_t none[] = { 0, 0, 0, 0 };
    struct lv_anomaly_verdict v;

    (void)state;
    assert_int_equal(lv_anomaly_judge(none, N(none), 0, &v), 0);
    assert_int_equal(v.kind, LV_ANOMALY_NONE);
    assert_int_equal(lv_anomaly_judge(none, N(none), 3, &v), 1);
    assert_int_equal(v.kind, LV_ANOMALY_NEW_PATTERN);
    assert_string_equal(v.priority, "LOW");
    assert_int_equal(lv_anomaly_judge(none, N(none), 7, &v), 1);
    assert_string_equal(v.priority, "MEDIUM");
    assert_int_equal(lv_anomaly_judge(none, N(none), 10, &v), 1);
    assert_string_equal(v.priority, "HIGH");
    assert_string_equal(lv_anomaly_kind_name(v.kind), "NEW_PATTERN");
}

static void test_steady(void **state)
{
    /* e = 100, s = 0, d = sqrt(100) = 10: |c - 100| > 30 is an anomaly. */
    static const int64_t steady[] = { 100, 100, 100, 100 };
    struct lv_anomaly_verdict v;

    (void)state;
    assert_int_equal(lv_anomaly_judge(steady, N(steady), 130, &v), 0);
    assert_true(v.expected == 100 && v.spread == 10);
    assert_int_equal(lv_anomaly_judge(steady, N(steady), 131, &v), 1);
    assert_int_equal(v.kind, LV_ANOMALY_SPIKE);
    assert_string_equal(v.priority, "LOW");         /* 3.1 */
    assert_int_equal(lv_anomaly_judge(steady, N(steady), 150, &v), 1);
    assert_string_equal(v.priority, "MEDIUM");      /* 5 */
    assert_int_equal(lv_anomaly_judge(steady, N(steady), 200, &v), 1);
    assert_string_equal(v.priority, "HIGH");        /* 10 */
    assert_int_equal(lv_anomaly_judge(steady, N(steady), 69, &v), 1);
    assert_int_equal(v.kind, LV_ANOMALY_DROP);
    assert_int_equal(lv_anomaly_judge(steady, N(steady), 70, &v), 0);
}

static void test_noisy_and_rare(void **state)
{
    /* e = 50, s = 40 (population): d = 40; a spike needs more than 170. */
    static const int64_t noisy[] = { 10, 90, 10, 90 };
    /* e = 1: d = 1; anything above 4 is a spike, no drop is judged. */
    static const int64_t rare[] = { 1, 0, 2, 1 };
    struct lv_anomaly_verdict v;

    (void)state;
    assert_int_equal(lv_anomaly_judge(noisy, N(noisy), 170, &v), 0);
    assert_true(v.spread == 40);
    assert_int_equal(lv_anomaly_judge(noisy, N(noisy), 171, &v), 1);
    assert_int_equal(v.kind, LV_ANOMALY_SPIKE);
    assert_int_equal(lv_anomaly_judge(rare, N(rare), 4, &v), 0);
    assert_int_equal(lv_anomaly_judge(rare, N(rare), 5, &v), 1);
    assert_int_equal(v.kind, LV_ANOMALY_SPIKE);
    assert_int_equal(lv_anomaly_judge(rare, N(rare), 0, &v), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_training),
        cmocka_unit_test(test_new_pattern),
        cmocka_unit_test(test_steady),
        cmocka_unit_test(test_noisy_and_rare),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
