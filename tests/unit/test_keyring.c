/*
 * Unit tests for src/crypto/keyring.c: each named derivation gives the
 * bytes logvault has always derived (known answers computed outside
 * logvault with Python's hmac and an RFC 5869 HKDF, root key 00 01 … 1f),
 * so data dirs, sealed material and tokens made before the keyring stay
 * valid; different contexts give different keys; material sealed through
 * the keyring opens only under the same root key; the check value matches
 * lv_rootkey_check_value. Table-driven: each row has a name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", p[i]);
    }
}

static struct lv_keyring *counting_keyring(uint8_t first)
{
    uint8_t root[32];
    struct lv_keyring *kr;

    for (int i = 0; i < 32; i++) {
        root[i] = (uint8_t)(first + i);
    }
    kr = lv_keyring_new(root);
    lv_secret_wipe(root, sizeof(root));
    return kr;
}

static void test_known_answers(void **state)
{
    static const struct {
        const char *name;
        const char *derivation;
        const char *context;
        const char *want;
    } rows[] = {
        { "grant token key", "grant-token", NULL,
          "e56927737257d152a43a97c8e38226de6a709aaadbd8546b0a232aaea840cd34" },
        { "paging token key", "logs-next-token", NULL,
          "8466491db3a8fa59ae7b8cd0bcbd052477f6a10cebbcd1ff891fa52dc24d1716" },
        { "service key of an account and region", "logs-service-key",
          "123456789012eu-west-2",
          "20c4cc75a583ea0aa91c7d28bd3773281dde40cf6ce0612847a40c00925aed66" },
    };
    struct lv_keyring *kr = counting_keyring(0);
    uint8_t out[32];
    char got[65];

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        const char *c = rows[i].context;

        lv_keyring_derive(kr, rows[i].derivation, c, c ? strlen(c) : 0, out);
        hex(out, sizeof(out), got);
        CHECK(rows[i].name, strcmp(got, rows[i].want) == 0);
    }
    lv_keyring_check_value(kr, out);
    hex(out, sizeof(out), got);
    CHECK("check value", strcmp(got, "e4bf34524691d6dde19ff71c4a5789a9f04"
                                     "74a662b65f67590f9ee98c0335011") == 0);
    lv_keyring_free(kr);
}

static void test_contexts_and_roots_differ(void **state)
{
    struct lv_keyring *a = counting_keyring(0);
    struct lv_keyring *b = counting_keyring(1);
    uint8_t k1[32];
    uint8_t k2[32];
    uint8_t k3[32];

    (void)state;
    lv_keyring_derive(a, "logs-service-key", "111111111111eu-west-2", 21, k1);
    lv_keyring_derive(a, "logs-service-key", "111111111111eu-west-1", 21, k2);
    lv_keyring_derive(b, "logs-service-key", "111111111111eu-west-2", 21, k3);
    CHECK("another region", memcmp(k1, k2, 32) != 0);
    CHECK("another root key", memcmp(k1, k3, 32) != 0);
    lv_keyring_derive(a, "grant-token", NULL, 0, k2);
    lv_keyring_derive(a, "logs-next-token", NULL, 0, k3);
    CHECK("two names", memcmp(k2, k3, 32) != 0);
    lv_keyring_free(a);
    lv_keyring_free(b);
}

static void test_seal(void **state)
{
    static const char arn[] = "arn:aws:kms:eu-west-2:111111111111:key/x";
    struct lv_keyring *a = counting_keyring(0);
    struct lv_keyring *b = counting_keyring(1);
    struct lv_buf sealed = LV_BUF_INIT(4096);
    struct lv_err err = LV_ERR_INIT;
    uint8_t root[32];
    uint8_t *mat = NULL;
    size_t len = 0;
    uint8_t direct[64];
    size_t direct_len = 0;

    (void)state;
    assert_int_equal(lv_keyring_seal(a, arn, 3, "material", 8, &sealed), 0);
    assert_int_equal(lv_keyring_unseal_alloc(a, arn, 3, sealed.data,
                                             sealed.len, &mat, &len, &err),
                     0);
    CHECK("round trip", len == 8 && memcmp(mat, "material", 8) == 0);
    lv_secret_free(mat, len);
    /* It is the crypto/seal format under the root key itself. */
    for (int i = 0; i < 32; i++) {
        root[i] = (uint8_t)i;
    }
    assert_int_equal(lv_unseal(root, arn, 3, sealed.data, sealed.len,
                               direct, sizeof(direct), &direct_len, &err),
                     0);
    CHECK("seal format", direct_len == 8 &&
                             memcmp(direct, "material", 8) == 0);
    CHECK("another root key",
          lv_keyring_unseal_alloc(b, arn, 3, sealed.data, sealed.len, &mat,
                                  &len, &err) == -1);
    CHECK("another version",
          lv_keyring_unseal_alloc(a, arn, 4, sealed.data, sealed.len, &mat,
                                  &len, &err) == -1);
    lv_buf_release(&sealed);
    lv_keyring_free(a);
    lv_keyring_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_contexts_and_roots_differ),
        cmocka_unit_test(test_seal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
