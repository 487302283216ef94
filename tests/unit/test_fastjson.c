/*
 * test_fastjson: the simdjson PutLogEvents decoder (logs/fastjson.h)
 * against the slow path it stands in for (jansson + lv_model_validate +
 * the events as ingest reads them; tests/fuzz/fastjson_diff.h).
 *
 * One named row per body: plainly valid requests must be taken by the
 * fast decoder with exactly the slow path's events; every other form must
 * fall back (and the row states what the slow path then answers, which is
 * the client's answer). Then a differential run over random mutations of
 * valid bodies: whenever the fast decoder accepts, the slow path agrees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fuzz/fastjson_diff.h"
#include "util/buf.h"

#define HEAD "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":"
#define EV1 "[{\"timestamp\":1,\"message\":\"m\"}]"

enum want { FAST, FALLBACK };
enum slow { SLOW_OK, SLOW_ERR, SLOW_ANY };

struct row {
    const char *name;
    const char *body;
    size_t len;                 /* 0: strlen(body) */
    enum want want;
    enum slow slow;
    enum lv_errcode code;       /* with SLOW_ERR: the slow path's code */
};

static const struct row rows[] = {
    /* ---- taken by the fast decoder ---- */
    { "minimal", HEAD EV1 "}", 0, FAST, SLOW_OK, 0 },
    { "two events",
      HEAD "[{\"timestamp\":1,\"message\":\"a\"},"
      "{\"timestamp\":2,\"message\":\"b\"}]}", 0, FAST, SLOW_OK, 0 },
    { "escapes",
      HEAD "[{\"timestamp\":1,\"message\":"
      "\"a\\nb\\\"c\\\\d\\/e\\tf\\rg\\bh\\fi\"}]}", 0, FAST, SLOW_OK, 0 },
    { "unicode escapes",
      HEAD "[{\"timestamp\":1,\"message\":\"\\u00e9\\u20ac\\uFFFF\"}]}", 0,
      FAST, SLOW_OK, 0 },
    { "surrogate pair",
      HEAD "[{\"timestamp\":1,\"message\":\"x\\ud83d\\ude00y\"}]}", 0, FAST,
      SLOW_OK, 0 },
    { "raw UTF-8",
      HEAD "[{\"timestamp\":1,\"message\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}]}",
      0, FAST, SLOW_OK, 0 },
    { "members permuted",
      "{\"logEvents\":[{\"message\":\"m\",\"timestamp\":5}],"
      "\"logStreamName\":\"s\",\"logGroupName\":\"g\"}", 0, FAST, SLOW_OK,
      0 },
    { "whitespace everywhere",
      " \t\r\n{ \"logGroupName\" :\n\"g\" ,\t\"logStreamName\"\r: \"s\" , "
      "\"logEvents\" : [ { \"timestamp\" : 1 , \"message\" : \"m\" } ] } "
      "\n", 0, FAST, SLOW_OK, 0 },
    { "timestamp 0", HEAD "[{\"timestamp\":0,\"message\":\"m\"}]}", 0, FAST,
      SLOW_OK, 0 },
    { "timestamp INT64_MAX",
      HEAD "[{\"timestamp\":9223372036854775807,\"message\":\"m\"}]}", 0,
      FAST, SLOW_OK, 0 },
    { "sequenceToken",
      "{\"sequenceToken\":\"4959\",\"logGroupName\":\"g\","
      "\"logStreamName\":\"s\",\"logEvents\":" EV1 "}", 0, FAST, SLOW_OK, 0 },
    { "escaped member names",
      "{\"log\\u0047roupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":"
      "[{\"t\\u0069mestamp\":1,\"message\":\"m\"}]}", 0, FAST, SLOW_OK, 0 },
    { "group name every allowed char",
      "{\"logGroupName\":\"/aws/lambda/A-z_0.9#x\",\"logStreamName\":"
      "\"2024/01/01/[$LATEST]abc def\",\"logEvents\":" EV1 "}", 0, FAST,
      SLOW_OK, 0 },
    { "escaped group name",
      "{\"logGroupName\":\"a\\/b\",\"logStreamName\":\"s\\u00e9\","
      "\"logEvents\":" EV1 "}", 0, FAST, SLOW_OK, 0 },
    { "message of spaces", HEAD "[{\"timestamp\":1,\"message\":\" \"}]}", 0,
      FAST, SLOW_OK, 0 },

    /* ---- not JSON, or not an object ---- */
    { "empty body", "", 0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "empty object", "{}", 0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "array", "[]", 0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "null", "null", 0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "truncated in value", HEAD "[{\"timestamp\":1,\"mess", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },
    { "truncated after array", HEAD EV1, 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },
    { "truncated in string", HEAD "[{\"timestamp\":1,\"message\":\"ab", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "trailing garbage", HEAD EV1 "} x", 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },
    { "trailing object", HEAD EV1 "}{}", 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },
    { "trailing comma in array",
      HEAD "[{\"timestamp\":1,\"message\":\"m\"},]}", 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },
    { "missing comma",
      "{\"logGroupName\":\"g\" \"logStreamName\":\"s\",\"logEvents\":" EV1
      "}", 0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "single quotes", "{'logGroupName':'g'}", 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },
    { "raw NUL after the object", HEAD EV1 "}\0", sizeof(HEAD EV1 "}"),
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "raw NUL in a message", HEAD "[{\"timestamp\":1,\"message\":\"a\0b\"}]}",
      sizeof(HEAD "[{\"timestamp\":1,\"message\":\"a\0b\"}]}") - 1,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "raw control char", HEAD "[{\"timestamp\":1,\"message\":\"a\x01\"}]}",
      0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "raw newline in string",
      HEAD "[{\"timestamp\":1,\"message\":\"a\nb\"}]}", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },
    { "byte order mark", "\xef\xbb\xbf" HEAD EV1 "}", 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },

    /* ---- invalid text ---- */
    { "invalid UTF-8 byte", HEAD "[{\"timestamp\":1,\"message\":\"\xff\"}]}",
      0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "overlong UTF-8",
      HEAD "[{\"timestamp\":1,\"message\":\"\xc0\xaf\"}]}", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },
    { "UTF-8 surrogate",
      HEAD "[{\"timestamp\":1,\"message\":\"\xed\xa0\x80\"}]}", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },
    { "truncated UTF-8", HEAD "[{\"timestamp\":1,\"message\":\"\xe2\x82\"}]}",
      0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "lone high surrogate",
      HEAD "[{\"timestamp\":1,\"message\":\"\\ud83d\"}]}", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },
    { "lone low surrogate",
      HEAD "[{\"timestamp\":1,\"message\":\"\\ude00\"}]}", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },
    { "high surrogate then letter",
      HEAD "[{\"timestamp\":1,\"message\":\"\\ud83d\\u0041\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "reversed surrogates",
      HEAD "[{\"timestamp\":1,\"message\":\"\\ude00\\ud83d\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    /* jansson refuses \u0000 (without JSON_ALLOW_NUL): Serialization. */
    { "NUL escape in message",
      HEAD "[{\"timestamp\":1,\"message\":\"a\\u0000b\"}]}", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },
    { "NUL escape in group",
      "{\"logGroupName\":\"g\\u0000\",\"logStreamName\":\"s\",\"logEvents\":"
      EV1 "}", 0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "NUL escape in a key",
      "{\"logGroupName\\u0000\":\"g\",\"logStreamName\":\"s\",\"logEvents\":"
      EV1 "}", 0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "invalid escape", HEAD "[{\"timestamp\":1,\"message\":\"\\x41\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "short unicode escape",
      HEAD "[{\"timestamp\":1,\"message\":\"\\u12\"}]}", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },

    /* ---- missing members, wrong types ---- */
    { "no logGroupName",
      "{\"logStreamName\":\"s\",\"logEvents\":" EV1 "}", 0, FALLBACK,
      SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "no logStreamName", "{\"logGroupName\":\"g\",\"logEvents\":" EV1 "}", 0,
      FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "no logEvents", "{\"logGroupName\":\"g\",\"logStreamName\":\"s\"}", 0,
      FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "group null",
      "{\"logGroupName\":null,\"logStreamName\":\"s\",\"logEvents\":" EV1
      "}", 0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "group number",
      "{\"logGroupName\":1,\"logStreamName\":\"s\",\"logEvents\":" EV1 "}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "stream array",
      "{\"logGroupName\":\"g\",\"logStreamName\":[],\"logEvents\":" EV1 "}",
      0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "events object", HEAD "{}}", 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },
    { "events null", HEAD "null}", 0, FALLBACK, SLOW_ERR,
      LV_E_INVALID_PARAMETER },
    /* Validation skips a null list member; ingest's read_events then
     * answers InvalidParameterException. */
    { "event null", HEAD "[null]}", 0, FALLBACK, SLOW_OK, 0 },
    { "event array", HEAD "[[1,\"m\"]]}", 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },
    { "event string", HEAD "[\"m\"]}", 0, FALLBACK, SLOW_ERR,
      LV_E_SERIALIZATION },
    { "no timestamp", HEAD "[{\"message\":\"m\"}]}", 0, FALLBACK, SLOW_ERR,
      LV_E_INVALID_PARAMETER },
    { "no message", HEAD "[{\"timestamp\":1}]}", 0, FALLBACK, SLOW_ERR,
      LV_E_INVALID_PARAMETER },
    { "message null", HEAD "[{\"timestamp\":1,\"message\":null}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "message number", HEAD "[{\"timestamp\":1,\"message\":5}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "message object", HEAD "[{\"timestamp\":1,\"message\":{\"a\":1}}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "timestamp string", HEAD "[{\"timestamp\":\"1\",\"message\":\"m\"}]}",
      0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "timestamp true", HEAD "[{\"timestamp\":true,\"message\":\"m\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    /* Coral truncates a fraction; jansson reads a real: slow path only. */
    { "timestamp 1.0", HEAD "[{\"timestamp\":1.0,\"message\":\"m\"}]}", 0,
      FALLBACK, SLOW_OK, 0 },
    { "timestamp 1e3", HEAD "[{\"timestamp\":1e3,\"message\":\"m\"}]}", 0,
      FALLBACK, SLOW_OK, 0 },
    { "timestamp -1", HEAD "[{\"timestamp\":-1,\"message\":\"m\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "timestamp -0", HEAD "[{\"timestamp\":-0,\"message\":\"m\"}]}", 0,
      FALLBACK, SLOW_OK, 0 },
    { "timestamp 2^63",
      HEAD "[{\"timestamp\":9223372036854775808,\"message\":\"m\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "timestamp 2^64",
      HEAD "[{\"timestamp\":18446744073709551616,\"message\":\"m\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "timestamp leading zero", HEAD "[{\"timestamp\":01,\"message\":\"m\"}]}",
      0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "timestamp with letters",
      HEAD "[{\"timestamp\":12ab,\"message\":\"m\"}]}", 0, FALLBACK,
      SLOW_ERR, LV_E_SERIALIZATION },

    /* ---- counts, lengths, patterns ---- */
    { "no events", HEAD "[]}", 0, FALLBACK, SLOW_ERR,
      LV_E_INVALID_PARAMETER },
    { "empty message", HEAD "[{\"timestamp\":1,\"message\":\"\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "empty group",
      "{\"logGroupName\":\"\",\"logStreamName\":\"s\",\"logEvents\":" EV1 "}",
      0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "group with a space",
      "{\"logGroupName\":\"a b\",\"logStreamName\":\"s\",\"logEvents\":" EV1
      "}", 0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "group ARN",
      "{\"logGroupName\":\"arn:aws:logs:eu-west-2:1:log-group:g\","
      "\"logStreamName\":\"s\",\"logEvents\":" EV1 "}", 0, FALLBACK,
      SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "group non-ASCII",
      "{\"logGroupName\":\"\\u00e9\",\"logStreamName\":\"s\",\"logEvents\":"
      EV1 "}", 0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "empty stream",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"\",\"logEvents\":" EV1 "}",
      0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "stream with colon",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"a:b\",\"logEvents\":" EV1
      "}", 0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "stream with star",
      "{\"logGroupName\":\"g\",\"logStreamName\":\"a*\",\"logEvents\":" EV1
      "}", 0, FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "empty sequenceToken",
      "{\"sequenceToken\":\"\",\"logGroupName\":\"g\",\"logStreamName\":\"s\","
      "\"logEvents\":" EV1 "}", 0, FALLBACK, SLOW_ERR,
      LV_E_INVALID_PARAMETER },
    { "sequenceToken null",
      "{\"sequenceToken\":null,\"logGroupName\":\"g\",\"logStreamName\":"
      "\"s\",\"logEvents\":" EV1 "}", 0, FALLBACK, SLOW_OK, 0 },
    { "sequenceToken number",
      "{\"sequenceToken\":1,\"logGroupName\":\"g\",\"logStreamName\":\"s\","
      "\"logEvents\":" EV1 "}", 0, FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },

    /* ---- duplicates, unknown members, nesting ---- */
    { "duplicate group",
      "{\"logGroupName\":\"g\",\"logGroupName\":\"h\",\"logStreamName\":"
      "\"s\",\"logEvents\":" EV1 "}", 0, FALLBACK, SLOW_OK, 0 },
    { "duplicate events",
      HEAD EV1 ",\"logEvents\":[]}", 0, FALLBACK, SLOW_ERR,
      LV_E_INVALID_PARAMETER },
    { "duplicate message",
      HEAD "[{\"timestamp\":1,\"message\":\"a\",\"message\":\"b\"}]}", 0,
      FALLBACK, SLOW_OK, 0 },
    { "duplicate timestamp",
      HEAD "[{\"timestamp\":1,\"timestamp\":2,\"message\":\"a\"}]}", 0,
      FALLBACK, SLOW_OK, 0 },
    /* AWS ignores unknown members, and so does the slow path; the fast
     * decoder leaves them to it rather than validate what it skips. */
    { "unknown top-level member", HEAD EV1 ",\"foo\":1}", 0, FALLBACK,
      SLOW_OK, 0 },
    { "unknown event member",
      HEAD "[{\"timestamp\":1,\"message\":\"m\",\"id\":\"x\"}]}", 0,
      FALLBACK, SLOW_OK, 0 },
    { "deep nesting in an event",
      HEAD "[{\"timestamp\":1,\"message\":\"m\",\"x\":[[[[[[[[[[{\"a\":"
      "[[[[[]]]]]}]]]]]]]]]]}]}", 0, FALLBACK, SLOW_OK, 0 },
    { "unknown member with a bad string",
      HEAD "[{\"timestamp\":1,\"message\":\"m\",\"x\":\"\\u0000\"}]}", 0,
      FALLBACK, SLOW_ERR, LV_E_SERIALIZATION },
    { "logGroupIdentifier too",
      HEAD EV1 ",\"logGroupIdentifier\":\"g\"}", 0, FALLBACK, SLOW_OK, 0 },
    { "entity",
      HEAD EV1 ",\"entity\":{\"keyAttributes\":{\"Type\":\"Service\","
      "\"Name\":\"x\"}}}", 0, FALLBACK, SLOW_OK, 0 },
    { "entity with one key attribute",
      HEAD EV1 ",\"entity\":{\"keyAttributes\":{\"Type\":\"Service\"}}}", 0,
      FALLBACK, SLOW_ERR, LV_E_INVALID_PARAMETER },
};

static void check_slow(const char *body, size_t len, enum slow want,
                       enum lv_errcode code, const char *name)
{
    struct lv_err err = LV_ERR_INIT;
    json_t *in = NULL;
    int rc = diff_slow(body, len, &in, &err);

    json_decref(in);
    if (want == SLOW_OK && rc < 0) {
        fail_msg("row '%s': slow path refuses: %s: %s", name,
                 lv_err_type(err.code), err.msg);
    }
    if (want == SLOW_ERR && (rc == 0 || err.code != code)) {
        fail_msg("row '%s': slow path gives %s (%s), not %s", name,
                 rc == 0 ? "success" : lv_err_type(err.code), err.msg,
                 lv_err_type(code));
    }
}

static void run_row(const char *name, const char *body, size_t len,
                    enum want want, enum slow slow, enum lv_errcode code)
{
    char why[600];
    enum diff_result d = fastjson_diff(body, len, why, sizeof(why));

    if (d == DIFF_MISMATCH) {
        fail_msg("row '%s': mismatch: %s", name, why);
    }
    if (want == FAST && d != DIFF_SAME) {
        fail_msg("row '%s': the fast decoder fell back", name);
    }
    if (want == FALLBACK && d != DIFF_FALLBACK) {
        fail_msg("row '%s': the fast decoder accepted", name);
    }
    check_slow(body, len, slow, code, name);
}

static void test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];

        run_row(r->name, r->body, r->len ? r->len : strlen(r->body), r->want,
                r->slow, r->code);
    }
}

/* ---- generated bodies: counts and lengths at the limits ------------- */

/* A body with n events of message msg, group and stream as given. */
static char *make_body(const char *group, const char *stream, size_t n,
                       const char *msg, size_t *len)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

    lv_buf_addf(&b, "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\","
                "\"logEvents\":[", group, stream);
    for (size_t i = 0; i < n; i++) {
        lv_buf_addf(&b, "%s{\"timestamp\":%zu,\"message\":\"%s\"}",
                    i ? "," : "", 1700000000000 + i, msg);
    }
    lv_buf_adds(&b, "]}");
    return lv_buf_detach(&b, len);
}

static char *repeat(const char *unit, size_t n)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

    for (size_t i = 0; i < n; i++) {
        lv_buf_adds(&b, unit);
    }
    return lv_buf_detach(&b, NULL);
}

struct gen_row {
    const char *name;
    const char *group_unit;     /* repeated group_n times */
    size_t group_n;
    const char *stream_unit;
    size_t stream_n;
    size_t events;
    enum want want;
    enum slow slow;
    enum lv_errcode code;
};

static const struct gen_row gen_rows[] = {
    { "10,000 events", "g", 1, "s", 1, 10000, FAST, SLOW_OK, 0 },
    { "10,001 events", "g", 1, "s", 1, 10001, FALLBACK, SLOW_ERR,
      LV_E_INVALID_PARAMETER },
    { "group of 512", "a", 512, "s", 1, 1, FAST, SLOW_OK, 0 },
    { "group of 513", "a", 513, "s", 1, 1, FALLBACK, SLOW_ERR,
      LV_E_INVALID_PARAMETER },
    /* Stream length counts characters: 512 é are 1,024 bytes. */
    { "stream of 512 characters", "g", 1, "\xc3\xa9", 512, 1, FAST, SLOW_OK,
      0 },
    { "stream of 512 escaped characters", "g", 1, "\\u00e9", 512, 1, FAST,
      SLOW_OK, 0 },
    { "stream of 513 characters", "g", 1, "\xc3\xa9", 513, 1, FALLBACK,
      SLOW_ERR, LV_E_INVALID_PARAMETER },
    { "stream of 512 emoji", "g", 1, "\xf0\x9f\x98\x80", 512, 1, FAST,
      SLOW_OK, 0 },
};

static void test_generated(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(gen_rows) / sizeof(gen_rows[0]); i++) {
        const struct gen_row *r = &gen_rows[i];
        char *group = repeat(r->group_unit, r->group_n);
        char *stream = repeat(r->stream_unit, r->stream_n);
        size_t len = 0;
        char *body = make_body(group, stream, r->events,
                               "a \\\"quoted\\\" \\u00e9 message", &len);

        run_row(r->name, body, len, r->want, r->slow, r->code);
        free(body);
        free(group);
        free(stream);
    }
}

/* The decoded values themselves, not only their agreement. */
static void test_values(void **state)
{
    const char *body =
        "{\"logStreamName\":\"s\\u00e9\",\"logGroupName\":\"/a/b\","
        "\"logEvents\":[{\"message\":\"x\\ud83d\\ude00\\n\",\"timestamp\":"
        "9223372036854775807},{\"timestamp\":0,\"message\":\"\\\"\"}]}";
    struct lv_fastjson_put p = LV_FASTJSON_PUT_INIT;

    (void)state;
    assert_int_equal(lv_fastjson_put_decode(body, strlen(body),
                                            strlen(body), &p),
                     LV_FASTJSON_OK);
    assert_string_equal(p.group, "/a/b");
    assert_string_equal(p.stream, "s\xc3\xa9");
    assert_int_equal(p.n, 2);
    assert_true(p.ev[0].ts == INT64_MAX);
    assert_int_equal(p.ev[0].len, 6);
    assert_memory_equal(p.ev[0].msg, "x\xf0\x9f\x98\x80\n", 6);
    assert_true(p.ev[1].ts == 0);
    assert_int_equal(p.ev[1].len, 1);
    assert_memory_equal(p.ev[1].msg, "\"", 1);
    lv_fastjson_put_release(&p);
    assert_null(p.ev);
    assert_null(p.text);
    lv_fastjson_put_release(&p);    /* released twice: a no-op */
    /* readable < len is refused, not read. */
    assert_int_equal(lv_fastjson_put_decode(body, strlen(body), 3, &p),
                     LV_FASTJSON_FALLBACK);
}

/* ---- differential run over random mutations ------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
    /* xorshift64*: deterministic, so a failure replays. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static const char *const seeds[] = {
    "{\"logGroupName\":\"g/1\",\"logStreamName\":\"s \\u00e9\","
    "\"logEvents\":[{\"timestamp\":1700000000000,\"message\":"
    "\"a\\\"b\\\\c\\n\\ud83d\\ude00\"},{\"timestamp\":1700000000001,"
    "\"message\":\"x\"},{\"timestamp\":1700000000001,\"message\":"
    "\"caf\xc3\xa9\"}]}",
    "{ \"logEvents\" : [ { \"message\" : \"m\" , \"timestamp\" : 0 } ] , "
    "\"sequenceToken\" : \"49590302\", \"logStreamName\" : \"s\" , "
    "\"logGroupName\" : \"g\" }",
    "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":"
    "[{\"timestamp\":9223372036854775807,\"message\":\"\\u0041\\t\"}]}",
};

/* Bytes that make JSON interesting. */
static const char pick[] = "{}[]:,\"\\u0123456789abcdefE.-+ \t\n\x00\x01"
                           "\x7f\x80\xbf\xc3\xa9\xed\xf0\xff";

static void mutate(struct lv_buf *b)
{
    /* Mostly one change, so that many mutants stay valid. */
    size_t n = next_rand() % 4 ? 1 : 2 + next_rand() % 3;

    for (size_t k = 0; k < n && b->len > 0; k++) {
        size_t at = next_rand() % b->len;
        char c = pick[next_rand() % (sizeof(pick) - 1)];

        switch (next_rand() % 5) {
        case 0:     /* overwrite */
            b->data[at] = c;
            break;
        case 1:     /* flip a bit */
            b->data[at] ^= (char)(1u << (next_rand() % 8));
            break;
        case 2: {   /* insert */
            lv_buf_addc(b, 0);
            memmove(b->data + at + 1, b->data + at, b->len - at - 1);
            b->data[at] = c;
            break;
        }
        case 3: {   /* delete a run */
            size_t del = 1 + next_rand() % 8;

            del = del > b->len - at ? b->len - at : del;
            memmove(b->data + at, b->data + at + del, b->len - at - del);
            b->len -= del;
            b->data[b->len] = '\0';
            break;
        }
        default: {  /* duplicate a run */
            size_t dup = 1 + next_rand() % 16;
            char tmp[16];

            dup = dup > b->len - at ? b->len - at : dup;
            memcpy(tmp, b->data + at, dup);
            lv_buf_add(b, tmp, dup);
            memmove(b->data + at + dup, b->data + at, b->len - at - dup);
            memcpy(b->data + at, tmp, dup);
            break;
        }
        }
    }
}

static void test_mutations(void **state)
{
    size_t same = 0;
    size_t fell = 0;

    (void)state;
    for (size_t i = 0; i < 200000; i++) {
        const char *seed = seeds[i % (sizeof(seeds) / sizeof(seeds[0]))];
        struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
        char why[600];
        enum diff_result d;

        lv_buf_adds(&b, seed);
        mutate(&b);
        d = fastjson_diff(b.data, b.len, why, sizeof(why));
        if (d == DIFF_MISMATCH) {
            fail_msg("mutation %zu: %s (body %.*s)", i, why, (int)b.len,
                     b.data);
        }
        same += d == DIFF_SAME;
        fell += d == DIFF_FALLBACK;
        lv_buf_release(&b);
    }
    /* Both outcomes must be exercised for the run to mean anything. */
    print_message("mutations: %zu taken by both paths, %zu fell back\n",
                  same, fell);
    assert_true(same > 100);
    assert_true(fell > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_mutations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
