/* util/json: getters on every JSON type, required getters' AWS messages,
 * the writer (commas, escapes, misuse, buffer ceiling) and round trips. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

static json_t *load(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);

    if (!v) {
        fail_msg("bad JSON %s: %s", text, e.text);
    }
    return v;
}

static void test_getters(void **state)
{
    json_t *o = load("{\"s\":\"abc\",\"nul\":\"a\\u0000b\",\"i\":42,"
                     "\"r\":-7.9,\"big\":1e300,\"t\":true,\"f\":false,"
                     "\"n\":null,\"a\":[1],\"o\":{},\"b\":\"aGk=\","
                     "\"bad\":\"aGk\"}");
    int64_t iv = -1;
    double d = 0;
    size_t len = 0;
    int b = -1;
    unsigned char *blob;

    (void)state;
    assert_string_equal(lv_json_str(o, "s"), "abc");
    assert_null(lv_json_str(o, "i"));
    assert_null(lv_json_str(o, "n"));
    assert_null(lv_json_str(o, "missing"));
    assert_null(lv_json_str(NULL, "s"));
    assert_null(lv_json_str(json_object_get(o, "a"), "s"));
    assert_non_null(lv_json_strn(o, "nul", &len));
    assert_int_equal(len, 3);

    assert_int_equal(lv_json_int64(o, "i", &iv), 1);
    assert_int_equal(iv, 42);
    assert_int_equal(lv_json_int64(o, "r", &iv), 1);
    assert_int_equal(iv, -7);     /* truncated toward zero */
    iv = 5;
    assert_int_equal(lv_json_int64(o, "big", &iv), 0);
    assert_int_equal(lv_json_int64(o, "s", &iv), 0);
    assert_int_equal(lv_json_int64(o, "n", &iv), 0);
    assert_int_equal(lv_json_int64(o, "missing", &iv), 0);
    assert_int_equal(iv, 5);      /* untouched */

    assert_int_equal(lv_json_bool(o, "t", &b), 1);
    assert_int_equal(b, 1);
    assert_int_equal(lv_json_bool(o, "f", &b), 1);
    assert_int_equal(b, 0);
    assert_int_equal(lv_json_bool(o, "i", &b), 0);

    assert_int_equal(lv_json_double(o, "r", &d), 1);
    assert_true(d == -7.9);
    assert_int_equal(lv_json_double(o, "i", &d), 1);
    assert_true(d == 42.0);
    assert_int_equal(lv_json_double(o, "t", &d), 0);

    assert_non_null(lv_json_arr(o, "a"));
    assert_null(lv_json_arr(o, "o"));
    assert_non_null(lv_json_obj(o, "o"));
    assert_null(lv_json_obj(o, "a"));

    blob = lv_json_blob(o, "b", &len);
    assert_non_null(blob);
    assert_int_equal(len, 2);
    assert_memory_equal(blob, "hi", 2);
    lv_secret_free(blob, len + 1);
    assert_null(lv_json_blob(o, "bad", &len));
    assert_null(lv_json_blob(o, "i", &len));
    json_decref(o);
}

static void test_utf8_len(void **state)
{
    (void)state;
    assert_int_equal(lv_json_utf8_len("", 0), 0);
    assert_int_equal(lv_json_utf8_len("abc", 3), 3);
    assert_int_equal(lv_json_utf8_len("\xc3\xa9", 2), 1);
    assert_int_equal(lv_json_utf8_len("\xe6\x97\xa5x", 4), 2);
    assert_int_equal(lv_json_utf8_len("\xf0\x9f\x98\x80", 4), 1);
    /* Invalid or truncated sequences: one per byte. */
    assert_int_equal(lv_json_utf8_len("\xf0\x9f", 2), 2);
    assert_int_equal(lv_json_utf8_len("\xc3" "a", 2), 2);
    assert_int_equal(lv_json_utf8_len("\x80\x80", 2), 2);
}

static void test_required(void **state)
{
    json_t *logs = load("{\"logGroupName\":\"\",\"retentionInDays\":7,"
                        "\"big\":3000000000}");
    json_t *kms = load("{\"KeyId\":\"k\"}");
    struct lv_err err = LV_ERR_INIT;
    const char *s = NULL;
    int64_t v64 = 0;
    int v = 0;

    (void)state;
    assert_int_equal(lv_json_req_str(logs, "logGroupName", 1, 512, &s, &err),
                     -1);
    assert_int_equal(err.code, LV_E_INVALID_PARAMETER);
    assert_string_equal(err.msg, "1 validation error detected: Value '' at "
                        "'logGroupName' failed to satisfy constraint: Member "
                        "must have length greater than or equal to 1");
    assert_null(s);
    assert_int_equal(lv_json_req_str(kms, "AliasName", 1, 256, &s, &err), -1);
    assert_int_equal(err.code, LV_E_VALIDATION);
    assert_string_equal(err.msg, "1 validation error detected: Value null at "
                        "'aliasName' failed to satisfy constraint: Member "
                        "must not be null");
    assert_int_equal(lv_json_req_str(kms, "KeyId", 1, 1, &s, &err), 0);
    assert_string_equal(s, "k");
    assert_int_equal(lv_json_req_str(kms, "KeyId", 0, 0, &s, &err), -1);
    assert_non_null(strstr(err.msg, "less than or equal to 0"));

    /* The value is quoted whole, as AWS quotes it (not cut at 256). */
    {
        char name[601];
        char want[800];
        struct lv_err whole = LV_ERR_INIT_WHOLE;
        json_t *o;

        memset(name, 'n', 600);
        name[600] = '\0';
        o = json_pack("{s:s}", "logGroupName", name);
        assert_int_equal(lv_json_req_str(o, "logGroupName", 1, 512, &s,
                                          &whole), -1);
        snprintf(want, sizeof(want), "1 validation error detected: Value "
                 "'%s' at 'logGroupName' failed to satisfy constraint: "
                 "Member must have length less than or equal to 512", name);
        assert_string_equal(lv_err_msg(&whole), want);
        lv_err_release(&whole);
        json_decref(o);
    }
    assert_int_equal(lv_json_req_int(logs, "retentionInDays", &v, &err), 0);
    assert_int_equal(v, 7);
    assert_int_equal(lv_json_req_int(logs, "big", &v, &err), -1);
    assert_int_equal(lv_json_req_int(logs, "nope", &v, &err), -1);
    assert_non_null(strstr(err.msg, "Value null at 'nope'"));
    assert_int_equal(lv_json_req_int64(logs, "big", &v64, &err), 0);
    assert_true(v64 == 3000000000LL);
    json_decref(logs);
    json_decref(kms);
}

static void test_dump(void **state)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf small = LV_BUF_INIT(5);
    json_t *v = load("{\"a\": [1, 2.5, \"x\\n\\\"\"], \"b\": null}");

    (void)state;
    assert_int_equal(lv_json_dump_to_buf(v, &b), 0);
    assert_string_equal(b.data, "{\"a\":[1,2.5,\"x\\n\\\"\"],\"b\":null}");
    assert_int_equal(lv_json_dump_to_buf(v, &small), -1);
    assert_int_equal(small.len, 0);
    assert_string_equal(small.data, "");
    assert_int_equal(lv_json_dump_to_buf(NULL, &b), -1);
    json_decref(v);
    lv_buf_release(&b);
    lv_buf_release(&small);
}

static void test_writer(void **state)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    struct lv_jw w;
    json_t *back;
    json_t *sub = load("{\"z\":[true]}");

    (void)state;
    lv_buf_adds(&b, "prefix:");
    lv_jw_init(&w, &b);
    lv_jw_obj_open(&w);
    lv_jw_kstr(&w, "s", "q\"\\\x01\xc3\xa9");
    lv_jw_kint64(&w, "i", INT64_MIN);
    lv_jw_kbool(&w, "t", 1);
    lv_jw_key(&w, "d");
    lv_jw_double(&w, 1700000000.123);
    lv_jw_key(&w, "inf");
    lv_jw_double(&w, INFINITY);
    lv_jw_key(&w, "n");
    lv_jw_str(&w, NULL);
    lv_jw_key(&w, "blob");
    lv_jw_b64(&w, "hi", 2);
    lv_jw_key(&w, "arr");
    lv_jw_arr_open(&w);
    lv_jw_int64(&w, 1);
    lv_jw_obj_open(&w);
    lv_jw_obj_close(&w);
    lv_jw_arr_open(&w);
    lv_jw_arr_close(&w);
    lv_jw_strn(&w, "a\0b", 3);
    lv_jw_json(&w, sub);
    lv_jw_raw(&w, "[0]", 3);
    lv_jw_null(&w);
    lv_jw_arr_close(&w);
    lv_jw_obj_close(&w);
    assert_int_equal(lv_jw_finish(&w), 0);
    assert_string_equal(b.data,
        "prefix:{\"s\":\"q\\\"\\\\\\u0001\xc3\xa9\","
        "\"i\":-9223372036854775808,\"t\":true,\"d\":1700000000.123,"
        "\"inf\":null,\"n\":null,\"blob\":\"aGk=\","
        "\"arr\":[1,{},[],\"a\\u0000b\",{\"z\":[true]},[0],null]}");
    back = json_loads(b.data + 7, JSON_ALLOW_NUL, NULL);
    assert_non_null(back);
    assert_string_equal(json_string_value(json_object_get(back, "s")),
                        "q\"\\\x01\xc3\xa9");
    assert_true(json_real_value(json_object_get(back, "d")) ==
                1700000000.123);
    json_decref(back);
    json_decref(sub);
    lv_buf_release(&b);
}

typedef void (*misuse_fn)(struct lv_jw *w);

static void m_value_without_key(struct lv_jw *w)
{
    lv_jw_obj_open(w);
    lv_jw_int64(w, 1);
    lv_jw_obj_close(w);
}

static void m_key_in_array(struct lv_jw *w)
{
    lv_jw_arr_open(w);
    lv_jw_key(w, "k");
    lv_jw_arr_close(w);
}

static void m_unclosed(struct lv_jw *w)
{
    lv_jw_obj_open(w);
    lv_jw_kint64(w, "a", 1);
}

static void m_dangling_key(struct lv_jw *w)
{
    lv_jw_obj_open(w);
    lv_jw_key(w, "a");
    lv_jw_obj_close(w);
}

static void m_wrong_close(struct lv_jw *w)
{
    lv_jw_obj_open(w);
    lv_jw_arr_close(w);
}

static void m_extra_close(struct lv_jw *w)
{
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    lv_jw_arr_close(w);
}

static void m_two_top_values(struct lv_jw *w)
{
    lv_jw_int64(w, 1);
    lv_jw_int64(w, 2);
}

static void m_too_deep(struct lv_jw *w)
{
    int i;

    for (i = 0; i < 200; i++) {
        lv_jw_arr_open(w);
    }
    for (i = 0; i < 200; i++) {
        lv_jw_arr_close(w);
    }
}

static void m_past_max(struct lv_jw *w)
{
    int i;

    lv_jw_arr_open(w);
    for (i = 0; i < 100; i++) {
        lv_jw_str(w, "0123456789");
    }
    lv_jw_arr_close(w);
}

static void test_writer_misuse(void **state)
{
    static const struct {
        const char *name;
        misuse_fn fn;
    } cases[] = {
        { "value without key", m_value_without_key },
        { "key in array", m_key_in_array },
        { "unclosed", m_unclosed },
        { "dangling key", m_dangling_key },
        { "wrong close", m_wrong_close },
        { "extra close", m_extra_close },
        { "two top-level values", m_two_top_values },
        { "too deep", m_too_deep },
        { "past the buffer max", m_past_max },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lv_buf b = LV_BUF_INIT(512);
        struct lv_jw w;

        lv_buf_adds(&b, "keep");
        lv_jw_init(&w, &b);
        cases[i].fn(&w);
        if (lv_jw_finish(&w) != -1) {
            fail_msg("%s: finish succeeded: %s", cases[i].name, b.data);
        }
        if (strcmp(b.data, "keep") != 0) {
            fail_msg("%s: buffer not restored: %s", cases[i].name, b.data);
        }
        lv_buf_release(&b);
    }
}

static void test_doubles_round_trip(void **state)
{
    static const double vals[] = {
        0.0, -0.0, 1.0, 0.1, 1e-300, 1e300, 123456789.123456789,
        1700000000.5, 5e-324, 1.7976931348623157e308,
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
        struct lv_jw w;
        json_t *v;

        lv_jw_init(&w, &b);
        lv_jw_double(&w, vals[i]);
        assert_int_equal(lv_jw_finish(&w), 0);
        v = json_loads(b.data, JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        assert_true(json_number_value(v) == vals[i]);
        json_decref(v);
        lv_buf_release(&b);
    }
}

/* Every string the server writes goes through lv_buf_add_json_str, so
 * whatever bytes a client sent (echoed into an error message) must come out
 * as valid UTF-8 JSON: ill-formed bytes become U+FFFD, one per byte, and
 * control characters are escaped. */
static void test_json_str_utf8(void **state)
{
    static const struct {
        const char *name;
        const char *in;
        size_t len;
        const char *want;
    } rows[] = {
#define ROW(name, in, want) { name, in, sizeof(in) - 1, want }
        ROW("ascii", "abc", "abc"),
        ROW("quote and backslash", "a\"b\\c", "a\\\"b\\\\c"),
        ROW("control characters", "\x01\n\x1f\x7f", "\\u0001\\n\\u001f\x7f"),
        ROW("nul", "a\0b", "a\\u0000b"),
        ROW("two-byte", "\xc3\xa9", "\xc3\xa9"),
        ROW("three-byte", "\xe2\x82\xac", "\xe2\x82\xac"),
        ROW("four-byte", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),
        ROW("max code point", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),
        ROW("lone continuation", "a\x80z", "a\xef\xbf\xbdz"),
        ROW("ff fe", "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd"),
        ROW("overlong slash", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"),
        ROW("overlong three", "\xe0\x80\xaf",
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
        ROW("surrogate", "\xed\xa0\x80",
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
        ROW("past U+10FFFF", "\xf4\x90\x80\x80",
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
        ROW("truncated at end", "ok\xe2\x82", "ok\xef\xbf\xbd\xef\xbf\xbd"),
        ROW("lead then ascii", "\xc3(", "\xef\xbf\xbd("),
        ROW("lead then quote", "\xe2\"", "\xef\xbf\xbd\\\""),
#undef ROW
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct lv_buf b = LV_BUF_INIT(1024);
        json_t *v;
        char *quoted;

        print_message("row: %s\n", rows[i].name);
        assert_int_equal(lv_buf_add_json_str(&b, rows[i].in, rows[i].len), 0);
        assert_string_equal(b.data, rows[i].want);
        /* jansson's strict decoder takes the result as a JSON string. */
        quoted = lv_xmalloc(b.len + 3);
        quoted[0] = '"';
        memcpy(quoted + 1, b.data, b.len);
        memcpy(quoted + 1 + b.len, "\"", 2);
        v = json_loads(quoted, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(v);
        json_decref(v);
        free(quoted);
        lv_buf_release(&b);
    }
}

/* What one byte becomes inside a JSON string when it stands alone among
 * ASCII letters (a byte >= 0x80 alone is ill-formed UTF-8): the oracle of
 * test_json_str_every_byte, written from RFC 8259 section 7 without the
 * code under test. */
static void expect_byte(unsigned char c, struct lv_buf *out)
{
    if (c == '"' || c == '\\') {
        lv_buf_addc(out, '\\');
        lv_buf_addc(out, (char)c);
    } else if (c == '\n') {
        lv_buf_adds(out, "\\n");
    } else if (c == '\r') {
        lv_buf_adds(out, "\\r");
    } else if (c == '\t') {
        lv_buf_adds(out, "\\t");
    } else if (c == '\b') {
        lv_buf_adds(out, "\\b");
    } else if (c == '\f') {
        lv_buf_adds(out, "\\f");
    } else if (c < 0x20) {
        lv_buf_addf(out, "\\u%04x", c);
    } else if (c >= 0x80) {
        lv_buf_adds(out, "\xef\xbf\xbd");
    } else {
        lv_buf_addc(out, (char)c);
    }
}

/* Every byte value at every position of a 40-byte string, so that the
 * word-at-a-time scan of plain runs (eight bytes a step) meets each one
 * in every lane of a word and in the byte-wise tail. */
static void test_json_str_every_byte(void **state)
{
    char in[40];
    struct lv_buf got = LV_BUF_INIT(1024);
    struct lv_buf want = LV_BUF_INIT(1024);

    (void)state;
    for (int c = 0; c < 256; c++) {
        for (size_t pos = 0; pos < sizeof(in); pos++) {
            memset(in, 'a', sizeof(in));
            in[pos] = (char)c;
            lv_buf_reset(&got);
            lv_buf_reset(&want);
            assert_int_equal(lv_buf_add_json_str(&got, in, sizeof(in)), 0);
            for (size_t i = 0; i < sizeof(in); i++) {
                expect_byte((unsigned char)in[i], &want);
            }
            if (got.len != want.len || memcmp(got.data, want.data,
                                              got.len) != 0) {
                print_message("byte 0x%02x at %zu: got %s\n", c, pos,
                              got.data);
                fail();
            }
        }
    }
    lv_buf_release(&got);
    lv_buf_release(&want);
}

/* A fixed-seed xorshift64*: the same inputs on every run. */
static uint64_t rng_next(uint64_t *st)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545f4914f6cdd1dULL;
}

/* Fills n bytes with text of kind k: any byte, ASCII log text with quotes
 * and controls, or UTF-8 with ill-formed sequences cut in. */
static void random_text(uint64_t *st, unsigned char *in, size_t n, int k)
{
    static const char *const pieces[] = {
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
        "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
        "\xff", "\"", "\\", "\n", "\x01", "\x7f", "plain ascii text ",
    };
    size_t i = 0;

    while (i < n) {
        uint64_t r = rng_next(st);

        if (k == 0) {
            in[i++] = (unsigned char)r;
        } else if (k == 1) {
            in[i++] = (r & 15) == 0 ? (unsigned char)"\"\\\n\t\x02"[r >> 8 & 3]
                                   : (unsigned char)(0x20 + (r >> 16) % 0x5f);
        } else {
            const char *pc = pieces[(r >> 8) % (sizeof(pieces) /
                                                 sizeof(pieces[0]))];
            size_t len = strlen(pc);

            for (size_t j = 0; j < len && i < n; j++) {
                in[i++] = (unsigned char)pc[j];
            }
        }
    }
}

/* lv_buf_put_json_str (GetLogEvents' writer) against lv_buf_add_json_str,
 * byte for byte: every byte value at every position of a 40-byte string,
 * then random strings of every kind and of lengths 0 to 300, each written
 * into a buffer of exactly LV_BUF_JSON_STR_MAX(len) bytes so that the
 * sanitizer sees any store past the bound. */
static void test_put_json_str(void **state)
{
    struct lv_buf want = LV_BUF_INIT(SIZE_MAX);
    unsigned char in[300];
    uint64_t st = 0x9e3779b97f4a7c15ULL;

    (void)state;
    for (int c = 0; c < 256; c++) {
        for (size_t pos = 0; pos < 40; pos++) {
            char *out = lv_xmalloc(LV_BUF_JSON_STR_MAX(40));
            char *end;

            memset(in, 'a', 40);
            in[pos] = (unsigned char)c;
            lv_buf_reset(&want);
            assert_int_equal(lv_buf_add_json_str(&want, (char *)in, 40), 0);
            end = lv_buf_put_json_str(out, (char *)in, 40);
            if ((size_t)(end - out) != want.len ||
                memcmp(out, want.data, want.len) != 0) {
                print_message("byte 0x%02x at %zu differs\n", c, pos);
                fail();
            }
            free(out);
        }
    }
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(rng_next(&st) % (sizeof(in) + 1));
        int kind = round % 3;
        char *out = lv_xmalloc(len ? LV_BUF_JSON_STR_MAX(len) : 1);
        char *end;

        random_text(&st, in, len, kind);
        lv_buf_reset(&want);
        assert_int_equal(lv_buf_add_json_str(&want, (char *)in, len), 0);
        end = lv_buf_put_json_str(out, (char *)in, len);
        if ((size_t)(end - out) != want.len ||
            memcmp(out, want.data, want.len) != 0) {
            print_message("round %d (kind %d, %zu bytes) differs\n", round,
                          kind, len);
            fail();
        }
        free(out);
    }
    /* The bound is reached exactly: every byte a six-byte escape. */
    {
        char *out = lv_xmalloc(LV_BUF_JSON_STR_MAX(33));

        memset(in, 0x01, 33);
        assert_ptr_equal(lv_buf_put_json_str(out, (char *)in, 33),
                         out + LV_BUF_JSON_STR_MAX(33));
        free(out);
    }
    lv_buf_release(&want);
}

/* Integers are written by hand (lv_jw_int64): the extremes and around
 * every power of ten, against printf. */
static void test_int64_text(void **state)
{
    int64_t v[64];
    size_t n = 0;
    int64_t p = 1;

    (void)state;
    v[n++] = 0;
    v[n++] = INT64_MAX;
    v[n++] = INT64_MIN;
    v[n++] = INT64_MIN + 1;
    for (int i = 0; i < 18; i++, p *= 10) {
        v[n++] = p - 1;
        v[n++] = p;
        v[n++] = -p;
    }
    for (size_t i = 0; i < n; i++) {
        struct lv_buf b = LV_BUF_INIT(64);
        struct lv_jw w;
        char want[32];

        lv_jw_init(&w, &b);
        lv_jw_int64(&w, v[i]);
        assert_int_equal(lv_jw_finish(&w), 0);
        snprintf(want, sizeof(want), "%lld", (long long)v[i]);
        assert_string_equal(b.data, want);
        {
            char out[LV_BUF_INT64_MAX];
            char *end = lv_buf_put_int64(out, v[i]);

            assert_int_equal((size_t)(end - out), strlen(want));
            assert_memory_equal(out, want, strlen(want));
        }
        lv_buf_release(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_writer_misuse),
        cmocka_unit_test(test_doubles_round_trip),
        cmocka_unit_test(test_json_str_utf8),
        cmocka_unit_test(test_json_str_every_byte),
        cmocka_unit_test(test_int64_text),
        cmocka_unit_test(test_put_json_str),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
