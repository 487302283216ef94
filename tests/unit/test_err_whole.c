/*
 * util/err and the error envelope (http/reply.c): a WHOLE err keeps a long
 * message whole and frees what it replaces; a plain err cuts at a
 * character boundary; the envelope carries the whole message as valid
 * JSON, and within the response ceiling.
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

#include "http/reply.h"
#include "util/buf.h"
#include "util/err.h"

static char *repeat(const char *unit, size_t count)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t i;

    for (i = 0; i < count; i++) {
        lv_buf_adds(&b, unit);
    }
    return lv_buf_detach(&b, NULL);
}

static void test_err_set_whole(void **state)
{
    struct lv_err whole = LV_ERR_INIT_WHOLE;
    struct lv_err plain = LV_ERR_INIT;
    char *big = repeat("\xe2\x82\xac", 400);    /* 1200 bytes */

    (void)state;
    lv_err_set(&whole, LV_E_VALIDATION, "x%s", big);
    assert_int_equal(strlen(lv_err_msg(&whole)), 1201);
    assert_int_equal(strncmp(lv_err_msg(&whole) + 1, big, 1200), 0);
    /* msg holds the same message cut: 1 + 170 * 3 = 511 bytes. */
    assert_int_equal(strlen(whole.msg), 511);
    /* Replaced by a long one, then a short one: nothing leaks. */
    lv_err_set(&whole, LV_E_VALIDATION, "%s%s", big, big);
    assert_int_equal(strlen(lv_err_msg(&whole)), 2400);
    lv_err_set(&whole, LV_E_VALIDATION, "short");
    assert_string_equal(lv_err_msg(&whole), "short");
    /* An argument may be the message being replaced. */
    lv_err_set(&whole, LV_E_VALIDATION, "%s", big);
    lv_err_set(&whole, LV_E_VALIDATION, "again: %s", lv_err_msg(&whole));
    assert_int_equal(strlen(lv_err_msg(&whole)), 1207);
    assert_int_equal(strncmp(lv_err_msg(&whole), "again: ", 7), 0);
    lv_err_release(&whole);
    assert_string_equal(lv_err_msg(&whole), "");
    lv_err_release(&whole);     /* twice is fine */

    lv_err_set(&plain, LV_E_VALIDATION, "x%s", big);
    assert_int_equal(strlen(plain.msg), 511);
    assert_ptr_equal(lv_err_msg(&plain), plain.msg);
    lv_err_set(&plain, LV_E_VALIDATION, "xy%s", big);
    /* 2 + 169 * 3 = 509: the 170th euro sign would not fit whole. */
    assert_int_equal(strlen(plain.msg), 509);
    lv_err_set(&plain, LV_E_VALIDATION, "%s", "ok");
    assert_string_equal(lv_err_msg(&plain), "ok");
    lv_err_set(&plain, LV_E_NOT_AUTHORIZED, NULL);
    assert_string_equal(lv_err_msg(&plain), "");
    free(big);
}

/* The envelope's message, parsed back (NULL when absent). */
static char *envelope_message(const struct lv_buf *out, char *type,
                              size_t tsz)
{
    json_error_t jerr;
    json_t *doc = json_loadb(out->data, out->len, 0, &jerr);
    const char *m;
    char *ret = NULL;

    if (!doc) {
        fail_msg("envelope is not JSON: %s", jerr.text);
    }
    snprintf(type, tsz, "%s",
             json_string_value(json_object_get(doc, "__type")));
    m = json_string_value(json_object_get(doc, "message"));
    if (m) {
        ret = strdup(m);
    }
    json_decref(doc);
    return ret;
}

static void test_envelope(void **state)
{
    struct lv_err whole = LV_ERR_INIT_WHOLE;
    struct lv_buf out = LV_BUF_INIT(1 << 20);
    struct lv_buf small = LV_BUF_INIT(1500);
    char *value = repeat("\"q\\\xc3\xa9\n", 300);   /* needs escaping */
    char *want;
    char *got;
    char type[64];

    (void)state;
    lv_err_set(&whole, LV_E_INVALID_PARAMETER, "Value '%s' is bad", value);
    want = strdup(lv_err_msg(&whole));
    assert_int_equal(lv_reply_error(&whole, &out), 400);
    got = envelope_message(&out, type, sizeof(type));
    assert_string_equal(type, "InvalidParameterException");
    assert_non_null(got);
    assert_string_equal(got, want);             /* whole: 2,000+ bytes */
    free(got);

    /* Past the response ceiling: the cut message, still valid JSON. */
    assert_int_equal(lv_reply_error(&whole, &small), 400);
    got = envelope_message(&small, type, sizeof(type));
    assert_non_null(got);
    assert_string_equal(got, whole.msg);
    assert_true(strlen(got) > 0 && strlen(got) < 512);
    free(got);

    /* No message: no "message" member (NotAuthorizedException). */
    lv_err_set(&whole, LV_E_NOT_AUTHORIZED, NULL);
    assert_int_equal(lv_reply_error(&whole, &out), 400);
    assert_null(envelope_message(&out, type, sizeof(type)));
    assert_string_equal(type, "NotAuthorizedException");

    lv_err_release(&whole);
    lv_buf_release(&out);
    lv_buf_release(&small);
    free(value);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_set_whole),
        cmocka_unit_test(test_envelope),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
