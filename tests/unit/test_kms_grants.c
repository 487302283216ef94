/*
 * Unit tests for the pure rules of grants that create grants (src/kms/
 * authz.c): lv_kms_constraint_covers — is a child grant's encryption-context
 * constraint at least as strict as its parent's — and lv_kms_grant_covers
 * — operations a subset, constraint at least as strict
 * (https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html#grant-creategrant).
 * Table-driven: each row has a name, printed when it fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "kms/kms_int.h"

#include "helpers.h"

#define EQ(m) "{\"EncryptionContextEquals\":" m "}"
#define SUB(m) "{\"EncryptionContextSubset\":" m "}"

static void test_constraint_covers(void **state)
{
    static const struct {
        const char *name;
        const char *parent;
        const char *child;
        int covers;
    } rows[] = {
        /* No parent constraint: anything is at least as strict. */
        { "none / none", NULL, NULL, 1 },
        { "none / empty text", "", "", 1 },
        { "none / Subset", NULL, SUB("{\"a\":\"b\"}"), 1 },
        { "none / Equals", "", EQ("{\"a\":\"b\"}"), 1 },
        /* Subset parent: the child may add pairs, never drop one. */
        { "Subset / none", SUB("{\"a\":\"b\"}"), NULL, 0 },
        { "Subset / same Subset", SUB("{\"a\":\"b\"}"),
          SUB("{\"a\":\"b\"}"), 1 },
        { "Subset / Subset with more pairs", SUB("{\"a\":\"b\"}"),
          SUB("{\"a\":\"b\",\"c\":\"d\"}"), 1 },
        { "Subset / Subset dropping a pair", SUB("{\"a\":\"b\",\"c\":\"d\"}"),
          SUB("{\"a\":\"b\"}"), 0 },
        { "Subset / Subset of another value", SUB("{\"a\":\"b\"}"),
          SUB("{\"a\":\"B\"}"), 0 },
        { "Subset / Subset of another key (case)", SUB("{\"a\":\"b\"}"),
          SUB("{\"A\":\"b\"}"), 0 },
        { "Subset / Equals of the same pairs", SUB("{\"a\":\"b\"}"),
          EQ("{\"a\":\"b\"}"), 1 },
        { "Subset / Equals with more pairs", SUB("{\"a\":\"b\"}"),
          EQ("{\"a\":\"b\",\"c\":\"d\"}"), 1 },
        { "Subset / Equals without the pair", SUB("{\"a\":\"b\"}"),
          EQ("{\"c\":\"d\"}"), 0 },
        { "Subset {} / none", SUB("{}"), NULL, 1 },
        /* Equals parent: only the very same Equals. */
        { "Equals / none", EQ("{\"a\":\"b\"}"), NULL, 0 },
        { "Equals / Subset of the same pairs", EQ("{\"a\":\"b\"}"),
          SUB("{\"a\":\"b\"}"), 0 },
        { "Equals / Subset with more pairs", EQ("{\"a\":\"b\"}"),
          SUB("{\"a\":\"b\",\"c\":\"d\"}"), 0 },
        { "Equals / same Equals", EQ("{\"a\":\"b\",\"c\":\"d\"}"),
          EQ("{\"c\":\"d\",\"a\":\"b\"}"), 1 },
        { "Equals / Equals with more pairs", EQ("{\"a\":\"b\"}"),
          EQ("{\"a\":\"b\",\"c\":\"d\"}"), 0 },
        { "Equals / Equals with fewer pairs", EQ("{\"a\":\"b\",\"c\":\"d\"}"),
          EQ("{\"a\":\"b\"}"), 0 },
        { "Equals / Equals of another value", EQ("{\"a\":\"b\"}"),
          EQ("{\"a\":\"c\"}"), 0 },
        { "Equals {} / Equals {}", EQ("{}"), EQ("{}"), 1 },
        { "Equals {} / none", EQ("{}"), NULL, 0 },
        /* Text that is not a constraint covers nothing, and nothing
         * covers it. */
        { "garbage parent", "{", NULL, 0 },
        { "garbage child", NULL, "nope", 0 },
        { "both types in the parent",
          "{\"EncryptionContextEquals\":{},\"EncryptionContextSubset\":{}}",
          EQ("{}"), 0 },
        { "unknown member", "{\"SourceArn\":\"x\"}", NULL, 0 },
        { "a value that is not a string", SUB("{\"a\":1}"),
          SUB("{\"a\":1}"), 0 },
        { "a map that is not an object", SUB("[]"), SUB("[]"), 0 },
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        CHECK(rows[i].name, lv_kms_constraint_covers(rows[i].parent,
                                                     rows[i].child) ==
                            rows[i].covers);
    }
}

static void test_grant_covers(void **state)
{
    static const char *const decrypt[] = { "Decrypt" };
    static const char *const dec_cg[] = { "Decrypt", "CreateGrant" };
    static const char *const dec_enc[] = { "Decrypt", "Encrypt" };
    static const char *const enc[] = { "Encrypt" };
    static const struct {
        const char *name;
        const char *parent_ops;
        const char *parent_cons;
        const char *const *ops;
        size_t n_ops;
        const char *child_cons;
        int covers;
    } rows[] = {
        { "a subset", "[\"CreateGrant\",\"Decrypt\"]", "", decrypt, 1,
          NULL, 1 },
        { "every operation", "[\"CreateGrant\",\"Decrypt\"]", "", dec_cg, 2,
          NULL, 1 },
        { "an operation more", "[\"CreateGrant\",\"Decrypt\"]", "", dec_enc,
          2, NULL, 0 },
        { "another operation", "[\"CreateGrant\",\"Decrypt\"]", "", enc, 1,
          NULL, 0 },
        { "no operations", "[\"CreateGrant\",\"Decrypt\"]", "", decrypt, 0,
          NULL, 0 },
        { "operations fine, constraint weaker",
          "[\"CreateGrant\",\"Decrypt\"]", EQ("{\"a\":\"b\"}"), decrypt, 1,
          SUB("{\"a\":\"b\"}"), 0 },
        { "operations fine, constraint stricter",
          "[\"CreateGrant\",\"Decrypt\"]", SUB("{\"a\":\"b\"}"), decrypt, 1,
          EQ("{\"a\":\"b\"}"), 1 },
        { "operations text not an array", "{\"Decrypt\":1}", "", decrypt, 1,
          NULL, 0 },
        { "operations text garbage", "[\"Decrypt\"", "", decrypt, 1, NULL,
          0 },
        { "no operations text", NULL, "", decrypt, 1, NULL, 0 },
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        struct lv_kms_grant_shape child = { rows[i].ops, rows[i].n_ops,
                                            rows[i].child_cons };

        CHECK(rows[i].name, lv_kms_grant_covers(rows[i].parent_ops,
                                                rows[i].parent_cons,
                                                &child) == rows[i].covers);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constraint_covers),
        cmocka_unit_test(test_grant_covers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
