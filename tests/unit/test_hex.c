/* util/hex: encoding, digit values, strict decoding, the lower-case check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/hex.h"

static void test_encode(void **state)
{
    static const uint8_t bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
    char out[2 * sizeof(bytes) + 1];

    (void)state;
    memset(out, 'x', sizeof(out));
    lv_hex_encode(bytes, sizeof(bytes), out);
    assert_string_equal(out, "00017f80abff");
    memset(out, 'x', sizeof(out));
    lv_hex_encode(bytes, 0, out);
    assert_string_equal(out, "");
}

static void test_value(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        int want = -1;

        if (c >= '0' && c <= '9') {
            want = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            want = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            want = c - 'A' + 10;
        }
        assert_int_equal(lv_hex_value(c), want);
    }
    assert_int_equal(lv_hex_value(-1), -1);
}

static void test_decode(void **state)
{
    uint8_t out[4];
    uint8_t all[256];
    uint8_t back[sizeof(all)];
    char text[2 * sizeof(all) + 1];

    (void)state;
    assert_int_equal(lv_hex_decode("0aFf7E80", 4, out), 0);
    assert_int_equal(out[0], 0x0a);
    assert_int_equal(out[1], 0xff);
    assert_int_equal(out[2], 0x7e);
    assert_int_equal(out[3], 0x80);
    /* Bad digits, high or low, anywhere. */
    assert_int_equal(lv_hex_decode("0g", 1, out), -1);
    assert_int_equal(lv_hex_decode("g0", 1, out), -1);
    assert_int_equal(lv_hex_decode("00 1", 2, out), -1);
    assert_int_equal(lv_hex_decode("0x10", 2, out), -1);
    /* Shorter than asked: stops at the NUL (ASan sees any read past). */
    assert_int_equal(lv_hex_decode("abc", 2, out), -1);
    /* Round trip of every byte value. */
    for (size_t i = 0; i < sizeof(all); i++) {
        all[i] = (uint8_t)(255 - i);
    }
    lv_hex_encode(all, sizeof(all), text);
    assert_int_equal(lv_hex_decode(text, sizeof(all), back), 0);
    assert_memory_equal(back, all, sizeof(all));
}

static void test_is_lower(void **state)
{
    (void)state;
    assert_int_equal(lv_hex_is_lower("0123456789abcdef", 16), 1);
    assert_int_equal(lv_hex_is_lower("", 0), 1);
    assert_int_equal(lv_hex_is_lower("abcD", 4), 0);
    assert_int_equal(lv_hex_is_lower("abcg", 4), 0);
    assert_int_equal(lv_hex_is_lower("ab-c", 4), 0);
    /* Only the n characters asked about count. */
    assert_int_equal(lv_hex_is_lower("abZZ", 2), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_is_lower),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
