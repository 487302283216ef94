/* store/audit_eid: SipHash-2-4's published vectors, and derived eventIDs:
 * version-4 UUIDs, distinct for distinct places, read back to their place
 * under their own store (salt), account and region only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "store/audit_eid.h"

/* The SipHash paper's (Aumasson and Bernstein, appendix A) key 00 … 0f:
 * the empty message, and the 15 bytes 00 … 0e. */
static void test_siphash_vectors(void **state)
{
    uint8_t m[15];
    uint64_t k0 = UINT64_C(0x0706050403020100);
    uint64_t k1 = UINT64_C(0x0f0e0d0c0b0a0908);

    (void)state;
    for (int i = 0; i < 15; i++) {
        m[i] = (uint8_t)i;
    }
    assert_true(lv_siphash24(k0, k1, m, 0) == UINT64_C(0x726fdb47dd0e0e31));
    assert_true(lv_siphash24(k0, k1, m, 15) == UINT64_C(0xa129ca6149be45e5));
}

static const uint8_t salt_a[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                    12, 13, 14, 15, 16 };
static const uint8_t salt_b[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                    12, 13, 14, 15, 17 };

static int seq_of(const char *region, const char *account, const char *id,
                  int64_t *seq)
{
    struct lv_audit_eid p;

    lv_audit_eid_init(&p, salt_a, sizeof(salt_a), region);
    return lv_audit_eid_seq(&p, account, id, seq);
}

static void test_round_trip(void **state)
{
    static const int64_t seqs[] = {
        1, 2, 3, 1000, 1001, (int64_t)1 << 32, INT64_MAX - 1, INT64_MAX,
    };
    static const char *const accounts[] = {
        "000000000000", "111122223333", "999999999999",
    };
    struct lv_audit_eid p;
    char id[37];
    uint8_t b[16];
    int64_t seq;

    (void)state;
    lv_audit_eid_init(&p, salt_a, sizeof(salt_a), "eu-west-2");
    for (size_t a = 0; a < sizeof(accounts) / sizeof(*accounts); a++) {
        for (size_t i = 0; i < sizeof(seqs) / sizeof(*seqs); i++) {
            assert_int_equal(lv_audit_eid_make(&p, accounts[a], seqs[i], id),
                             0);
            /* A version-4 UUID, in lower case. */
            assert_int_equal(strlen(id), 36);
            assert_true(lv_keyid_parse_lower(id, 36, b));
            assert_int_equal(id[14], '4');
            assert_true(strchr("89ab", id[19]) != NULL);
            seq = 0;
            assert_int_equal(lv_audit_eid_seq(&p, accounts[a], id, &seq), 1);
            assert_true(seq == seqs[i]);
        }
    }
}

/* 20,000 places of two accounts give 20,000 ids; none of one account's
 * reads back under the other, nor under another region. */
static void test_distinct_and_scoped(void **state)
{
    enum { N = 10000 };
    static char ids[2 * N][37];
    struct lv_audit_eid p;
    int64_t seq;

    (void)state;
    lv_audit_eid_init(&p, salt_a, sizeof(salt_a), "us-east-1");
    for (int i = 0; i < N; i++) {
        assert_int_equal(lv_audit_eid_make(&p, "111122223333", i + 1,
                                           ids[i]), 0);
        assert_int_equal(lv_audit_eid_make(&p, "111122223334", i + 1,
                                           ids[N + i]), 0);
    }
    qsort(ids, 2 * N, sizeof(ids[0]),
          (int (*)(const void *, const void *))strcmp);
    for (int i = 1; i < 2 * N; i++) {
        assert_true(strcmp(ids[i - 1], ids[i]) != 0);
    }
    lv_audit_eid_make(&p, "111122223333", 42, ids[0]);
    assert_int_equal(seq_of("us-east-1", "111122223333", ids[0], &seq), 1);
    assert_true(seq == 42);
    assert_int_equal(seq_of("us-east-1", "111122223334", ids[0], &seq), 0);
    assert_int_equal(seq_of("us-east-2", "111122223333", ids[0], &seq), 0);
    assert_int_equal(seq_of("eu-west-1", "111122223333", ids[0], &seq), 0);
}

/* Another store (salt) gives the same place another id, and does not
 * read this store's ids back; no salt is a salt of its own. */
static void test_salted(void **state)
{
    struct lv_audit_eid a;
    struct lv_audit_eid b;
    struct lv_audit_eid none;
    char ia[37];
    char ib[37];
    char in[37];
    int64_t seq;

    (void)state;
    lv_audit_eid_init(&a, salt_a, sizeof(salt_a), "us-east-1");
    lv_audit_eid_init(&b, salt_b, sizeof(salt_b), "us-east-1");
    lv_audit_eid_init(&none, NULL, 0, "us-east-1");
    for (int64_t s = 1; s <= 1000; s++) {
        assert_int_equal(lv_audit_eid_make(&a, "111122223333", s, ia), 0);
        assert_int_equal(lv_audit_eid_make(&b, "111122223333", s, ib), 0);
        assert_int_equal(lv_audit_eid_make(&none, "111122223333", s, in), 0);
        assert_true(strcmp(ia, ib) != 0 && strcmp(ia, in) != 0 &&
                    strcmp(ib, in) != 0);
        assert_int_equal(lv_audit_eid_seq(&b, "111122223333", ia, &seq), 0);
        assert_int_equal(lv_audit_eid_seq(&a, "111122223333", ia, &seq), 1);
        assert_true(seq == s);
    }
}

/* What is not a derived id of the chain: a random UUID, upper case, not
 * a UUID at all; and places that have none. */
static void test_refused(void **state)
{
    struct lv_audit_eid p;
    char id[37];
    char upper[37];
    int64_t seq = 7;

    (void)state;
    lv_audit_eid_init(&p, salt_a, sizeof(salt_a), "us-east-1");
    assert_int_equal(lv_audit_eid_make(&p, "11112222333", 1, id), -1);
    assert_string_equal(id, "");
    assert_int_equal(lv_audit_eid_make(&p, "1111222233334", 1, id), -1);
    assert_int_equal(lv_audit_eid_make(&p, "11112222333x", 1, id), -1);
    assert_int_equal(lv_audit_eid_make(&p, "111122223333", 0, id), -1);
    assert_int_equal(lv_audit_eid_make(&p, "111122223333", -5, id), -1);
    assert_int_equal(lv_audit_eid_seq(&p, "111122223333",
                                      "0c2a7cd1-4c5e-4c8d-9b3f-6e2f7a1d0b11",
                                      &seq), 0);
    assert_int_equal(lv_audit_eid_seq(&p, "111122223333", "", &seq), 0);
    assert_int_equal(lv_audit_eid_seq(&p, "111122223333", "not an id", &seq),
                     0);
    assert_int_equal(lv_audit_eid_make(&p, "111122223333", 9, id), 0);
    for (int i = 0; i < 37; i++) {
        upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
    }
    assert_int_equal(lv_audit_eid_seq(&p, "111122223333", upper, &seq),
                     strcmp(upper, id) == 0);
    assert_int_equal(lv_audit_eid_seq(&p, "11112222333", id, &seq), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_distinct_and_scoped),
        cmocka_unit_test(test_salted),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
