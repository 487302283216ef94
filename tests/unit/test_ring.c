/* util/ring: first in, first out, across growth with the queue wrapped
 * around its array, and takes of every size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/ring.h"

/* The pointer a test puts as its k-th: never NULL, all different. */
static void *nth(uintptr_t k)
{
    return (void *)(k * 16 + 16);
}

static void test_empty(void **state)
{
    struct lv_ring r = LV_RING_INIT;
    void *out[4] = { NULL, NULL, NULL, NULL };

    (void)state;
    assert_int_equal(lv_ring_take(&r, out, 4), 0);
    assert_null(out[0]);
    lv_ring_put(&r, nth(0));
    assert_int_equal(lv_ring_take(&r, out, 0), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(lv_ring_take(&r, out, 4), 1);
    assert_ptr_equal(out[0], nth(0));
    assert_int_equal(lv_ring_take(&r, out, 4), 0);
    lv_ring_release(&r);
    assert_null(r.v);
    assert_int_equal(r.n, 0);
}

/* Puts and takes in uneven steps, so that the queue wraps around its
 * array many times and fills it (it grows) while wrapped: everything comes
 * out once, in the order it went in. */
static void test_order_across_growth(void **state)
{
    struct lv_ring r = LV_RING_INIT;
    void *out[1000];
    uintptr_t put = 0;
    uintptr_t got = 0;
    int grew_wrapped = 0;

    (void)state;
    for (int round = 0; round < 400; round++) {
        size_t puts = (size_t)(round * 37 % 101) + 1;
        size_t takes = (size_t)(round * 53 % 97);

        size_t n;

        for (size_t i = 0; i < puts; i++) {
            size_t cap = r.cap;
            /* Full, its oldest not at v[0]: its queue wraps around. */
            int full_wrapped = r.n == r.cap && r.first != 0;

            lv_ring_put(&r, nth(put++));
            if (r.cap != cap) {
                assert_int_equal(r.cap, cap ? 2 * cap : 64);
                grew_wrapped |= full_wrapped;
            }
        }
        n = lv_ring_take(&r, out, takes);

        assert_int_equal(n, takes < put - got ? takes : put - got);
        for (size_t i = 0; i < n; i++) {
            assert_ptr_equal(out[i], nth(got++));
        }
        assert_int_equal(r.n, put - got);
        assert_true(r.cap >= r.n);
    }
    /* The rest, in one take. */
    while (r.n) {
        size_t n = lv_ring_take(&r, out, 1000);

        for (size_t i = 0; i < n; i++) {
            assert_ptr_equal(out[i], nth(got++));
        }
    }
    assert_int_equal(got, put);
    assert_true(grew_wrapped);      /* the case this test is for */
    lv_ring_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_order_across_growth),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
