/*
 * logs/dataprot: the data protection policy parser (good and bad
 * documents) and each managed data identifier's masking, true and false
 * positives (a 16-digit number failing Luhn's check is not a card), one
 * named row per case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "logs/dataprot.h"
#include "util/buf.h"
#include "util/err.h"

#define ARN LV_DP_ARN_PREFIX

/* A policy naming `ids` (a JSON array's inside) in both statements. */
static struct lv_dp_policy *make(const char *ids, const char *config,
                                 struct lv_err *err)
{
    char doc[4096];

    snprintf(doc, sizeof(doc),
             "{\"Name\":\"p\",\"Version\":\"2021-06-01\",%s"
             "\"Statement\":["
             "{\"Sid\":\"a\",\"DataIdentifier\":[%s],"
             "\"Operation\":{\"Audit\":{\"FindingsDestination\":{}}}},"
             "{\"Sid\":\"d\",\"DataIdentifier\":[%s],"
             "\"Operation\":{\"Deidentify\":{\"MaskConfig\":{}}}}]}",
             config ? config : "", ids, ids);
    return lv_dp_policy_parse(doc, strlen(doc), err);
}

struct mask_case {
    const char *name;
    const char *ident;      /* managed identifier name */
    const char *in;
    const char *want;       /* NULL: nothing masked */
};

static const struct mask_case mask_cases[] = {
    { "email", "EmailAddress", "to jane.doe@example.com now",
      "to ******************** now" },
    { "email without a domain dot", "EmailAddress", "user@localhost", NULL },
    { "card with spaces", "CreditCardNumber", "card 4111 1111 1111 1111.",
      "card *******************." },
    { "card with dashes", "CreditCardNumber", "5500-0000-0000-0004",
      "*******************" },
    { "amex 15 digits", "CreditCardNumber", "x 378282246310005 y",
      "x *************** y" },
    { "16 digits failing Luhn", "CreditCardNumber", "4111111111111112",
      NULL },
    { "card inside a longer number", "CreditCardNumber",
      "41111111111111110000000", NULL },
    { "too short", "CreditCardNumber", "4111 1111", NULL },
    { "aws secret key", "AwsSecretKey",
      "k=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY;",
      "k=****************************************;" },
    { "40 hex digits are not a key", "AwsSecretKey",
      "da39a3ee5e6b4b0d3255bfef95601890afd80709", NULL },
    { "41 characters are not a key", "AwsSecretKey",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX", NULL },
    { "ipv4", "IpAddress", "from 10.0.0.255:80", "from **********:80" },
    { "not an ipv4 (octet)", "IpAddress", "300.1.2.3", NULL },
    { "version number", "IpAddress", "v1.2.3.4.5", NULL },
    { "ipv6", "IpAddress", "addr 2001:db8::1 ok", "addr *********** ok" },
    { "time is not ipv6", "IpAddress", "at 12:30:45", NULL },
    { "ssn", "Ssn-US", "ssn 123-45-6789", "ssn ***********" },
    { "ssn 000", "Ssn-US", "000-45-6789", NULL },
    { "phone", "PhoneNumber-US", "call (206) 555-0100", "call **************" },
    { "phone with country code", "PhoneNumber-US", "+1 206 555 0100",
      "***************" },
    { "phone bad area code", "PhoneNumber-US", "106-555-0100", NULL },
};

static void test_mask_managed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mask_cases) / sizeof(mask_cases[0]);
         i++) {
        const struct mask_case *c = &mask_cases[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_buf out = LV_BUF_INIT(1 << 20);
        char ids[256];
        struct lv_dp_policy *p;
        int rc;

        snprintf(ids, sizeof(ids), "\"" ARN "%s\"", c->ident);
        p = make(ids, NULL, &err);
        if (!p) {
            fail_msg("%s: parse: %s", c->name, err.msg);
        }
        rc = lv_dp_policy_mask(p, c->in, strlen(c->in), &out, NULL);
        if (rc != (c->want != NULL)) {
            fail_msg("%s: masked %d", c->name, rc);
        }
        if (c->want && (out.len != strlen(c->want) ||
                        memcmp(out.data, c->want, out.len) != 0)) {
            fail_msg("%s: got '%.*s' want '%s'", c->name, (int)out.len,
                     out.data, c->want);
        }
        lv_buf_release(&out);
        lv_dp_policy_free(p);
    }
}

static void test_custom_and_utf8(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf out = LV_BUF_INIT(1 << 20);
    struct lv_buf names = LV_BUF_INIT(1024);
    struct lv_dp_policy *p;
    const char *in = "émp EMP-12345 mail é@x.fr";

    (void)state;
    p = make("\"EmpId\",\"" ARN "EmailAddress\"",
             "\"Configuration\":{\"CustomDataIdentifier\":"
             "[{\"Name\":\"EmpId\",\"Regex\":\"EMP-[0-9]{5}\"},"
             "{\"Name\":\"Unused\",\"Regex\":\"émp\"}]},", &err);
    if (!p) {
        fail_msg("parse: %s", err.msg);
    }
    assert_int_equal(lv_dp_policy_mask(p, in, strlen(in), &out, &names), 1);
    /* The unused custom identifier masks nothing; é is not part of an
     * email's local part, so "é@x.fr" is no address. */
    assert_int_equal(out.len, strlen("émp ********* mail é@x.fr"));
    assert_memory_equal(out.data, "émp ********* mail é@x.fr", out.len);
    assert_int_equal(names.len, strlen("EmpId"));
    assert_memory_equal(names.data, "EmpId", names.len);
    /* A masked multi-byte character is one asterisk. */
    lv_dp_policy_free(p);
    p = make("\"U\"", "\"Configuration\":{\"CustomDataIdentifier\":"
             "[{\"Name\":\"U\",\"Regex\":\"é+\"}]},", &err);
    assert_non_null(p);
    assert_int_equal(lv_dp_policy_mask(p, "aééb", strlen("aééb"), &out,
                                       NULL), 1);
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.data, "a**b", 4);
    lv_buf_release(&out);
    lv_buf_release(&names);
    lv_dp_policy_free(p);
}

/* The findings report's dataIdentifiers: counts, and start/end in
 * characters (é is one). */
static void test_audit(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf out = LV_BUF_INIT(1 << 20);
    struct lv_dp_policy *p;
    const char *in = "é a@b.co et c@d.fr 10.0.0.1";
    const char *want =
        "[{\"name\":\"EmailAddress\",\"count\":2,\"detections\":"
        "[{\"start\":2,\"end\":8},{\"start\":12,\"end\":18}]}]";

    (void)state;
    p = make("\"" ARN "EmailAddress\",\"" ARN "Ssn-US\"", NULL, &err);
    assert_non_null(p);
    assert_int_equal(lv_dp_policy_audit(p, in, strlen(in), &out), 1);
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    assert_int_equal(lv_dp_policy_audit(p, "nothing", 7, &out), 0);
    lv_buf_release(&out);
    lv_dp_policy_free(p);
}

struct bad_case {
    const char *name;
    const char *doc;
};

static const struct bad_case bad_cases[] = {
    { "not json", "{" },
    { "array", "[]" },
    { "no statement", "{\"Name\":\"p\",\"Version\":\"2021-06-01\"}" },
    { "one statement",
      "{\"Name\":\"p\",\"Version\":\"2021-06-01\",\"Statement\":[{"
      "\"DataIdentifier\":[\"" ARN "EmailAddress\"],\"Operation\":"
      "{\"Audit\":{\"FindingsDestination\":{}}}}]}" },
    { "operation with both",
      "{\"Name\":\"p\",\"Version\":\"2021-06-01\",\"Statement\":[{"
      "\"DataIdentifier\":[\"" ARN "EmailAddress\"],\"Operation\":"
      "{\"Audit\":{\"FindingsDestination\":{}},\"Deidentify\":"
      "{\"MaskConfig\":{}}}}]}" },
    { "duplicate key",
      "{\"Name\":\"p\",\"Name\":\"q\",\"Version\":\"2021-06-01\"}" },
};

static void test_bad_documents(void **state)
{
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct lv_dp_policy *p =
            lv_dp_policy_parse(bad_cases[i].doc, strlen(bad_cases[i].doc),
                               &err);

        if (p || err.code != LV_E_INVALID_PARAMETER) {
            fail_msg("%s: accepted", bad_cases[i].name);
        }
        lv_dp_policy_free(p);
    }
    assert_null(make("\"" ARN "Name\"", NULL, &err));
    assert_non_null(strstr(err.msg, "not supported"));
    assert_null(make("\"" ARN "Bogus\"", NULL, &err));
    assert_null(make("\"X\"", "\"Configuration\":{\"CustomDataIdentifier\":"
                     "[{\"Name\":\"X\",\"Regex\":\"(\"}]},", &err));
    assert_null(make("\"X Y\"", "\"Configuration\":{\"CustomDataIdentifier\":"
                     "[{\"Name\":\"X Y\",\"Regex\":\"a\"}]},", &err));
}

/* Truncations and bit flips of a good document fail cleanly or parse. */
static void test_garbage(void **state)
{
    static const char good[] =
        "{\"Name\":\"p\",\"Version\":\"2021-06-01\",\"Statement\":["
        "{\"DataIdentifier\":[\"" ARN "EmailAddress\"],\"Operation\":"
        "{\"Audit\":{\"FindingsDestination\":{\"CloudWatchLogs\":"
        "{\"LogGroup\":\"g\"}}}}},{\"DataIdentifier\":[\"" ARN
        "EmailAddress\"],\"Operation\":{\"Deidentify\":{\"MaskConfig\":{}}}}"
        "]}";
    char doc[sizeof(good)];
    struct lv_err err = LV_ERR_INIT;
    struct lv_dp_policy *p;

    (void)state;
    p = lv_dp_policy_parse(good, strlen(good), &err);
    assert_non_null(p);
    assert_string_equal(lv_dp_policy_findings(p)->log_group, "g");
    lv_dp_policy_free(p);
    for (size_t n = 0; n < strlen(good); n++) {
        lv_dp_policy_free(lv_dp_policy_parse(good, n, &err));
    }
    for (size_t i = 0; i < strlen(good) * 8; i++) {
        memcpy(doc, good, sizeof(good));
        doc[i / 8] ^= (char)(1 << (i % 8));
        lv_dp_policy_free(lv_dp_policy_parse(doc, strlen(good), &err));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_managed),
        cmocka_unit_test(test_custom_and_utf8),
        cmocka_unit_test(test_audit),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
