/*
 * test_json_pick: util/json_pick.h — the members wanted are parsed, each
 * alone, whatever their type (nested objects and arrays too); the others
 * are skipped unparsed, through strings that hold braces, brackets, commas
 * and escaped quotes; a key given twice keeps its last value; a key
 * written with an escape is never picked; a text cut short keeps what came
 * before the cut; anything but an object gives an empty object.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/json_pick.h"

/* Wants the members named in the NULL-terminated list arg. */
static int want_list(void *arg, const char *key, size_t n)
{
    for (const char *const *p = arg; *p; p++) {
        if (strlen(*p) == n && memcmp(*p, key, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static json_t *pick(const char *text, const char *const *names)
{
    return lv_json_pick(text, strlen(text), want_list, (void *)names);
}

/* o as compact JSON with sorted keys, compared with want. */
static void assert_json(json_t *o, const char *want)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
    json_decref(o);
}

static void test_putlogevents_body(void **state)
{
    static const char *const names[] = {
        "logGroupName", "logStreamName", NULL,
    };

    (void)state;
    /* The events come first and hold what could fool a naive scan. */
    assert_json(pick("{\"logEvents\":[{\"timestamp\":1,\"message\":"
                     "\"} ] , \\\"logGroupName\\\": \\\"x\\\" {[\"},"
                     "{\"timestamp\":2,\"message\":\"\\\\\"}],"
                     "\"logGroupName\" : \"g\", \"logStreamName\":\"s\"}",
                     names),
                "{\"logGroupName\":\"g\",\"logStreamName\":\"s\"}");
}

static void test_secret_member_never_picked(void **state)
{
    static const char *const names[] = { "KeyId", "KeyMaterialId", NULL };

    (void)state;
    assert_json(pick("{\"CiphertextBlob\":\"AQID\",\"KeyId\":\"k1\","
                     "\"Plaintext\":\"c2VjcmV0\",\"KeyMaterialId\":\"m\"}",
                     names),
                "{\"KeyId\":\"k1\",\"KeyMaterialId\":\"m\"}");
}

static void test_any_type(void **state)
{
    static const char *const names[] = {
        "KeyMetadata", "n", "t", "z", "l", NULL,
    };

    (void)state;
    assert_json(pick(" {\"KeyMetadata\" : {\"Arn\":\"a\",\"Tags\":[{\"k\":"
                     "\"}\"}]}, \"n\":-1.5e3,\"t\":true,\"z\":null,"
                     "\"l\":[1,[2,[3]]],\"skip\":{\"n\":1}} ", names),
                "{\"KeyMetadata\":{\"Arn\":\"a\",\"Tags\":[{\"k\":\"}\"}]},"
                "\"l\":[1,[2,[3]]],\"n\":-1500.0,\"t\":true,\"z\":null}");
}

static void test_duplicates_and_escaped_keys(void **state)
{
    static const char *const names[] = { "a", "b", NULL };

    (void)state;
    assert_json(pick("{\"a\":1,\"a\":2}", names), "{\"a\":2}");
    /* "\u0062" is "b", written with an escape: not picked. */
    assert_json(pick("{\"\\u0062\":1,\"a\":3}", names), "{\"a\":3}");
}

static void test_cut_short_and_not_objects(void **state)
{
    static const char *const names[] = { "a", "b", NULL };

    (void)state;
    assert_json(pick("{\"a\":1,\"b\":\"unterminated", names), "{\"a\":1}");
    assert_json(pick("{\"a\":1,\"b\":[1,2", names), "{\"a\":1}");
    assert_json(pick("{\"a\" 1}", names), "{}");
    assert_json(pick("[{\"a\":1}]", names), "{}");
    assert_json(pick("", names), "{}");
    assert_json(pick("   ", names), "{}");
    /* A value that does not parse is left out; the scan goes on. */
    assert_json(pick("{\"a\":tru,\"b\":2}", names), "{\"b\":2}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_putlogevents_body),
        cmocka_unit_test(test_secret_member_never_picked),
        cmocka_unit_test(test_any_type),
        cmocka_unit_test(test_duplicates_and_escaped_keys),
        cmocka_unit_test(test_cut_short_and_not_objects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
