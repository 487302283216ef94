/* logs/anomaly_seal: an anomaly detector's sealed members — a round trip
 * puts back exactly what was sealed and nothing else; a detector without a
 * key seals nothing; the wrong key, another detector, another record,
 * every flipped byte, truncation and garbage fail cleanly (-1,
 * ServiceUnavailableException) and leave the record as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "logs/anomaly_int.h"
#include "util/b64.h"
#include "util/err.h"
#include "util/log.h"

static const char *const members[] = {
    "patternString", "logSamples", NULL,
};

static json_t *record(void)
{
    return json_pack("{s:s, s:[{s:s}], s:s, s:i}", "patternString",
                     "disk failure on volume <*>", "logSamples", "message",
                     "disk failure on volume vol7", "priority", "HIGH",
                     "lastSeen", 42);
}

static void key_of(struct lv_anomaly_key *k, uint8_t fill)
{
    k->on = 1;
    memset(k->key, fill, sizeof(k->key));
}

static json_t *sealed_record(const struct lv_anomaly_key *k)
{
    json_t *r = record();

    lv_logs_anomaly_seal(k, "det-1", "anomaly/p1", r, members);
    return r;
}

static void test_round_trip(void **state)
{
    struct lv_anomaly_key k;
    struct lv_err err = LV_ERR_INIT;
    json_t *want = record();
    json_t *r;
    char *text;

    (void)state;
    key_of(&k, 7);
    r = sealed_record(&k);
    text = json_dumps(r, JSON_COMPACT);
    assert_null(strstr(text, "disk failure"));
    assert_null(json_object_get(r, "patternString"));
    assert_null(json_object_get(r, "logSamples"));
    assert_string_equal(json_string_value(json_object_get(r, "priority")),
                        "HIGH");
    assert_int_equal(lv_logs_anomaly_unseal(&k, "det-1", "anomaly/p1", r,
                                            &err), 0);
    assert_true(json_equal(want, r));
    /* Nothing sealed now: unsealing again changes nothing. */
    assert_int_equal(lv_logs_anomaly_unseal(&k, "det-1", "anomaly/p1", r,
                                            &err), 0);
    assert_true(json_equal(want, r));
    free(text);
    json_decref(r);
    json_decref(want);
}

static void test_no_key(void **state)
{
    struct lv_anomaly_key none;
    json_t *want = record();
    json_t *r = record();

    (void)state;
    memset(&none, 0, sizeof(none));
    lv_logs_anomaly_seal(&none, "det-1", "anomaly/p1", r, members);
    assert_true(json_equal(want, r));
    json_decref(r);
    json_decref(want);
}

/* Unsealing r must fail and leave it as it was. */
static void refused(const struct lv_anomaly_key *k, const char *det,
                    const char *what, json_t *r)
{
    struct lv_err err = LV_ERR_INIT;
    json_t *before = json_deep_copy(r);

    assert_int_equal(lv_logs_anomaly_unseal(k, det, what, r, &err), -1);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_true(json_equal(before, r));
    json_decref(before);
}

static void test_wrong_place_or_key(void **state)
{
    struct lv_anomaly_key k, other, none;
    json_t *r;

    (void)state;
    key_of(&k, 7);
    key_of(&other, 8);
    memset(&none, 0, sizeof(none));
    r = sealed_record(&k);
    refused(&other, "det-1", "anomaly/p1", r);
    refused(&k, "det-2", "anomaly/p1", r);
    refused(&k, "det-1", "anomaly/p2", r);
    refused(&k, "det-1", "patterns", r);
    refused(&none, "det-1", "anomaly/p1", r);
    json_decref(r);
}

static void test_tampered(void **state)
{
    struct lv_anomaly_key k;
    json_t *r;
    unsigned char *box;
    size_t len = 0;
    const char *text;

    (void)state;
    key_of(&k, 7);
    r = sealed_record(&k);
    text = json_string_value(json_object_get(r, "sealed"));
    box = lv_b64_decode_alloc(text, strlen(text), &len);
    assert_non_null(box);
    for (size_t i = 0; i < len; i++) {
        for (unsigned bit = 1; bit < 256; bit <<= 1) {
            json_t *t = json_deep_copy(r);
            char *enc;

            box[i] ^= (unsigned char)bit;
            enc = lv_b64_encode_alloc(box, len, NULL);
            json_object_set_new(t, "sealed", json_string(enc));
            refused(&k, "det-1", "anomaly/p1", t);
            box[i] ^= (unsigned char)bit;
            free(enc);
            json_decref(t);
        }
    }
    for (size_t cut = 0; cut < len; cut++) {
        json_t *t = json_deep_copy(r);
        char *enc = lv_b64_encode_alloc(box, cut, NULL);

        json_object_set_new(t, "sealed", json_string(enc));
        refused(&k, "det-1", "anomaly/p1", t);
        free(enc);
        json_decref(t);
    }
    free(box);
    json_decref(r);
}

static void test_garbage(void **state)
{
    static const char *const junk[] = {
        "", "=", "not base64!", "AAAA", "QUJD", "////////////////////",
    };
    struct lv_anomaly_key k;

    (void)state;
    key_of(&k, 7);
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        json_t *r = json_pack("{s:s, s:s}", "sealed", junk[i], "priority",
                              "LOW");

        refused(&k, "det-1", "anomaly/p1", r);
        json_decref(r);
    }
    {
        json_t *r = json_pack("{s:i}", "sealed", 5);

        /* Not a string: nothing sealed there to open. */
        assert_int_equal(lv_logs_anomaly_unseal(&k, "det-1", "x", r, NULL),
                         0);
        json_decref(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_no_key),
        cmocka_unit_test(test_wrong_place_or_key),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_garbage),
    };

    /* Each refused case logs an error line; the checks are the results. */
    lv_log_level = LV_LOG_ERROR + 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
