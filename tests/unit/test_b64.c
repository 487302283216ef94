/* util/b64: RFC 4648 vectors, round trips, strictness, garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/b64.h"
#include "util/buf.h"

struct vec {
    const char *plain;
    const char *text;
};

/* RFC 4648 section 10. */
static const struct vec vecs[] = {
    { "", "" },
    { "f", "Zg==" },
    { "fo", "Zm8=" },
    { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" },
    { "fooba", "Zm9vYmE=" },
    { "foobar", "Zm9vYmFy" },
};

static void test_vectors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
        size_t n = strlen(vecs[i].plain);
        char out[32];
        unsigned char *dec;
        size_t len = 99;

        assert_int_equal(lv_b64_encoded_len(n), strlen(vecs[i].text));
        assert_int_equal(lv_b64_encode(vecs[i].plain, n, out),
                         strlen(vecs[i].text));
        assert_string_equal(out, vecs[i].text);
        dec = lv_b64_decode_alloc(vecs[i].text, strlen(vecs[i].text), &len);
        assert_non_null(dec);
        assert_int_equal(len, n);
        assert_memory_equal(dec, vecs[i].plain, n);
        assert_int_equal(dec[len], 0);
        free(dec);
    }
}

static void test_round_trip_all_lengths(void **state)
{
    unsigned char data[300];
    size_t n;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(data); i++) {
        data[i] = (unsigned char)(i * 7 + 3);
    }
    for (n = 0; n <= sizeof(data); n++) {
        size_t tlen = 0;
        size_t dlen = 0;
        char *text = lv_b64_encode_alloc(data, n, &tlen);
        unsigned char *back;

        assert_int_equal(tlen, lv_b64_encoded_len(n));
        assert_int_equal(lv_b64_check(text, tlen, &dlen, NULL), LV_B64_OK);
        assert_int_equal(dlen, n);
        assert_true(lv_b64_decoded_max(tlen) >= n);
        back = lv_b64_decode_alloc(text, tlen, &dlen);
        assert_non_null(back);
        assert_int_equal(dlen, n);
        assert_memory_equal(back, data, n);
        free(back);
        free(text);
    }
}

static void test_buf(void **state)
{
    struct lv_buf b = LV_BUF_INIT(10);

    (void)state;
    assert_int_equal(lv_b64_encode_buf("foo", 3, &b), 0);
    assert_string_equal(b.data, "Zm9v");
    /* 8 more would pass max 10: refused, buffer unchanged. */
    assert_int_equal(lv_b64_encode_buf("foobar", 6, &b), -1);
    assert_string_equal(b.data, "Zm9v");
    assert_int_equal(b.len, 4);
    lv_buf_release(&b);
    assert_int_equal(lv_b64_encoded_len(SIZE_MAX), 0);
}

struct bad {
    const char *name;
    const char *text;
    enum lv_b64_status want;
    char bad;
    size_t len;     /* 0: strlen(text) */
};

static const struct bad bads[] = {
    { "length 1", "A", LV_B64_BAD_LENGTH, 0 },
    { "length 5", "23456", LV_B64_BAD_LENGTH, 0 },
    { "missing padding", "Zg", LV_B64_BAD_LENGTH, 0 },
    { "early pad", "=+/=", LV_B64_BAD_CHAR, '=' },
    { "pad in middle", "Zg==Zg==", LV_B64_BAD_CHAR, '=' },
    { "three pads", "Z===", LV_B64_BAD_CHAR, '=' },
    { "four pads", "====", LV_B64_BAD_CHAR, '=' },
    { "space", "Zm9 v", LV_B64_BAD_LENGTH, 0 },
    { "space in group", "Zm 9", LV_B64_BAD_CHAR, ' ' },
    { "newline", "Zm9v\nZm9v", LV_B64_BAD_LENGTH, 0 },
    { "url-safe -", "ab-_", LV_B64_BAD_CHAR, '-' },
    { "NUL", "Zm\0v", LV_B64_BAD_CHAR, 0, 4 },
    { "high byte", "Zm\xc3\xa9", LV_B64_BAD_CHAR, '\xc3' },
    { "stray bits pad 2", "Zh==", LV_B64_BAD_TAIL, 0 },
    { "stray bits pad 1", "Zm9=", LV_B64_BAD_TAIL, 0 },
    { "aws example", "+/+=", LV_B64_BAD_TAIL, 0 },
};

static void test_strict(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        const struct bad *b = &bads[i];
        size_t n = b->len ? b->len : strlen(b->text);
        unsigned char out[16];
        size_t len = 77;
        char got = 'X';
        enum lv_b64_status st;

        st = lv_b64_check(b->text, n, NULL, &got);
        if (st != b->want) {
            fail_msg("%s: status %d, want %d", b->name, st, b->want);
        }
        if (b->want == LV_B64_BAD_CHAR && got != b->bad) {
            fail_msg("%s: bad char %d, want %d", b->name, got, b->bad);
        }
        if (lv_b64_decode(b->text, n, out, &len) != -1 || len != 77) {
            fail_msg("%s: decoded", b->name);
        }
        assert_null(lv_b64_decode_alloc(b->text, n, &len));
    }
}

static void test_garbage(void **state)
{
    unsigned char text[64];
    unsigned char out[64];
    uint32_t x = 12345;
    int round;

    (void)state;
    for (round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 41);
        size_t len = 0;
        size_t i;
        int rc;

        for (i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            /* Mostly alphabet, some '=' and junk. */
            text[i] = (unsigned char)("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
                                      "mnopqrstuvwxyz0123456789+/==\n -_\xff"
                                      [(x >> 16) % 70]);
        }
        rc = lv_b64_decode((char *)text, n, out, &len);
        if (rc == 0) {
            char again[96];

            /* Whatever decodes re-encodes to the same text. */
            assert_true(len <= lv_b64_decoded_max(n));
            lv_b64_encode(out, len, again);
            assert_int_equal(strlen(again), n);
            assert_memory_equal(again, text, n);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_round_trip_all_lengths),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
