/* util/evstream: the CRC32, the layout of a message (prelude, its CRC,
 * string headers, payload, message CRC) read back by a small decoder
 * here, the JSON-protocol event and exception messages, and the limits.
 * botocore's decoder reads the server's messages in
 * tests/integration/2501-live-tail.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/evstream.h"

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static void test_crc32(void **state)
{
    (void)state;
    /* the check value of CRC-32/ISO-HDLC (zlib's crc32) */
    assert_int_equal(lv_evstream_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(lv_evstream_crc32(0, "", 0), 0);
    /* continuing equals the whole */
    assert_int_equal(lv_evstream_crc32(lv_evstream_crc32(0, "1234", 4),
                                       "56789", 5), 0xCBF43926u);
}

/* Reads the message at m (n bytes) back: checks lengths and both CRCs,
 * returns the value of header `name` (copied to val) and the payload. */
static void decode(const unsigned char *m, size_t n, const char *name,
                   char *val, size_t cap, const unsigned char **payload,
                   size_t *plen)
{
    uint32_t total, hlen;
    const unsigned char *h;
    const unsigned char *end;
    int found = 0;

    assert_true(n >= 16);
    total = get32(m);
    hlen = get32(m + 4);
    assert_int_equal(total, n);
    assert_int_equal(get32(m + 8), lv_evstream_crc32(0, m, 8));
    assert_int_equal(get32(m + n - 4), lv_evstream_crc32(0, m, n - 4));
    h = m + 12;
    end = h + hlen;
    while (h < end) {
        size_t nl = h[0];
        size_t vl;

        assert_int_equal(h[1 + nl], 7);
        vl = (size_t)h[2 + nl] << 8 | h[3 + nl];
        if (nl == strlen(name) && memcmp(h + 1, name, nl) == 0) {
            assert_true(vl < cap);
            memcpy(val, h + 4 + nl, vl);
            val[vl] = '\0';
            found = 1;
        }
        h += 4 + nl + vl;
    }
    assert_true(h == end);
    assert_true(found);
    *payload = end;
    *plen = n - 16 - hlen;
}

static void test_event(void **state)
{
    struct lv_buf b = LV_BUF_INIT(1 << 20);
    const unsigned char *p;
    size_t pl;
    char v[64];

    (void)state;
    assert_int_equal(lv_evstream_event(&b, "sessionStart", "{\"a\":1}", 7),
                     0);
    decode((const unsigned char *)b.data, b.len, ":event-type", v,
           sizeof(v), &p, &pl);
    assert_string_equal(v, "sessionStart");
    assert_int_equal(pl, 7);
    assert_memory_equal(p, "{\"a\":1}", 7);
    decode((const unsigned char *)b.data, b.len, ":message-type", v,
           sizeof(v), &p, &pl);
    assert_string_equal(v, "event");
    lv_buf_release(&b);
}

static void test_exception(void **state)
{
    struct lv_buf b = LV_BUF_INIT(1 << 20);
    const unsigned char *p;
    size_t pl;
    char v[64];
    static const char want[] = "{\"message\":\"key \\\"k\\\" off\"}";

    (void)state;
    assert_int_equal(lv_evstream_exception(&b, "SessionTimeoutException",
                                           "key \"k\" off"), 0);
    decode((const unsigned char *)b.data, b.len, ":exception-type", v,
           sizeof(v), &p, &pl);
    assert_string_equal(v, "SessionTimeoutException");
    assert_int_equal(pl, strlen(want));
    assert_memory_equal(p, want, pl);
    decode((const unsigned char *)b.data, b.len, ":message-type", v,
           sizeof(v), &p, &pl);
    assert_string_equal(v, "exception");
    lv_buf_release(&b);
}

static void test_two_messages(void **state)
{
    struct lv_buf b = LV_BUF_INIT(1 << 20);
    const unsigned char *p;
    size_t pl, first;
    char v[64];

    (void)state;
    assert_int_equal(lv_evstream_event(&b, "a", "{}", 2), 0);
    first = b.len;
    assert_int_equal(lv_evstream_event(&b, "b", "", 0), 0);
    decode((const unsigned char *)b.data + first, b.len - first,
           ":event-type", v, sizeof(v), &p, &pl);
    assert_string_equal(v, "b");
    assert_int_equal(pl, 0);
    lv_buf_release(&b);
}

static void test_limits(void **state)
{
    struct lv_buf b = LV_BUF_INIT(64);
    char name[300];
    struct lv_evstream_header h = { name, "v" };

    (void)state;
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    /* a header name past 255 bytes */
    assert_int_equal(lv_evstream_write(&b, &h, 1, "", 0), -1);
    assert_int_equal(b.len, 0);
    /* an empty name */
    h.name = "";
    assert_int_equal(lv_evstream_write(&b, &h, 1, "", 0), -1);
    /* past the buffer's max: nothing appended */
    h.name = "n";
    assert_int_equal(lv_evstream_write(&b, &h, 1, "0123456789", 10), 0);
    assert_int_equal(b.len, 16 + 6 + 10);
    assert_int_equal(lv_evstream_write(&b, &h, 1, "0123456789abcdef"
                                       "0123456789abcdef", 32), -1);
    assert_int_equal(b.len, 16 + 6 + 10);
    lv_buf_release(&b);
}

/* The reader takes what the writer wrote, whole or cut anywhere, and
 * refuses a flipped bit anywhere. */
static void test_read(void **state)
{
    struct lv_buf b = LV_BUF_INIT(1 << 20);
    struct lv_evstream_msg m;
    size_t used = 0;
    const char *v;
    size_t vl;

    (void)state;
    assert_int_equal(lv_evstream_event(&b, "sessionUpdate", "{\"x\":2}", 7),
                     0);
    assert_int_equal(lv_evstream_read(b.data, b.len, &m, &used), 1);
    assert_int_equal(used, b.len);
    assert_int_equal(m.payload_len, 7);
    assert_memory_equal(m.payload, "{\"x\":2}", 7);
    assert_int_equal(lv_evstream_header(&m, ":event-type", &v, &vl), 1);
    assert_int_equal(vl, strlen("sessionUpdate"));
    assert_memory_equal(v, "sessionUpdate", vl);
    assert_int_equal(lv_evstream_header(&m, ":nope", &v, &vl), 0);
    for (size_t cut = 0; cut < b.len; cut++) {
        assert_int_equal(lv_evstream_read(b.data, cut, &m, &used), 0);
    }
    for (size_t i = 0; i < b.len * 8; i++) {
        int rc;

        b.data[i / 8] ^= (char)(1 << (i % 8));
        rc = lv_evstream_read(b.data, b.len, &m, &used);
        /* a flipped length may ask for more bytes (0); never accepted */
        assert_true(rc == -1 || rc == 0);
        b.data[i / 8] ^= (char)(1 << (i % 8));
    }
    lv_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_event),
        cmocka_unit_test(test_exception),
        cmocka_unit_test(test_two_messages),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_read),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
