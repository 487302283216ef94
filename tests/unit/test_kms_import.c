/*
 * Unit tests for the request-free pieces of KMS key import
 * (src/kms/import.c, import_int.h): the import token (round trip, every
 * tampered byte, another key, payload bounds), the wrapping algorithms
 * offered, unwrapping with RSAES-OAEP and RSA + AES key wrap (made here
 * with OpenSSL as the import guide makes them), the material rules per
 * key spec, and the fingerprint.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "kms/import_int.h"
#include "kms/ops_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

static const uint8_t key1[32] = { 1, 2, 3 };
static const uint8_t key2[32] = { 1, 2, 4 };

static void fill_params(struct lv_kms_import_params *p)
{
    memset(p, 0, sizeof(*p));
    p->valid_to_ms = 1800000000123LL;
    snprintf(p->key_id, sizeof(p->key_id),
             "1234abcd-12ab-34cd-56ef-1234567890ab");
    snprintf(p->account, sizeof(p->account), "111122223333");
    snprintf(p->alg, sizeof(p->alg), "RSA_AES_KEY_WRAP_SHA_256");
    snprintf(p->spec, sizeof(p->spec), "RSA_4096");
    p->priv_len = 300;
    p->priv = lv_xmalloc(p->priv_len);
    for (size_t i = 0; i < p->priv_len; i++) {
        p->priv[i] = (uint8_t)(i * 7);
    }
}

static void test_token_round_trip(void **state)
{
    struct lv_kms_import_params p, q;
    struct lv_buf tok = LV_BUF_INIT(1 << 16);
    struct lv_buf t2 = LV_BUF_INIT(1 << 16);

    (void)state;
    fill_params(&p);
    assert_int_equal(lv_kms_import_token_seal(key1, &p, &tok), 0);
    assert_int_equal(lv_kms_import_token_open(key1, tok.data, tok.len, &q),
                     0);
    assert_true(q.valid_to_ms == p.valid_to_ms);
    assert_string_equal(q.key_id, p.key_id);
    assert_string_equal(q.account, p.account);
    assert_string_equal(q.alg, p.alg);
    assert_string_equal(q.spec, p.spec);
    assert_int_equal(q.priv_len, p.priv_len);
    assert_memory_equal(q.priv, p.priv, p.priv_len);
    lv_kms_import_params_release(&q);
    /* the key never shows in clear in the token */
    assert_null(memmem(tok.data, tok.len, p.priv + 10, 32));
    /* two tokens of the same fields differ (fresh nonce) */
    assert_int_equal(lv_kms_import_token_seal(key1, &p, &t2), 0);
    assert_true(t2.len == tok.len && memcmp(t2.data, tok.data, tok.len));
    /* another key; every byte changed; every length cut: none opens */
    assert_int_equal(lv_kms_import_token_open(key2, tok.data, tok.len, &q),
                     -1);
    for (size_t i = 0; i < tok.len; i++) {
        tok.data[i] ^= 0x01;
        CHECK("tampered", lv_kms_import_token_open(key1, tok.data, tok.len,
                                                   &q) == -1);
        tok.data[i] ^= 0x01;
    }
    for (size_t n = 0; n < tok.len; n++) {
        CHECK("cut", lv_kms_import_token_open(key1, tok.data, n, &q) == -1);
    }
    assert_null(q.priv);
    lv_buf_release(&t2);
    lv_buf_release(&tok);
    lv_kms_import_params_release(&p);
}

static void test_payload_bounds(void **state)
{
    /* format, valid_to, "k", "a", "x", "y", key of 2 bytes */
    static const uint8_t good[] = { 1, 0, 0, 0, 0, 0, 0, 0, 9, 1, 'k', 1,
                                    'a', 1, 'x', 1, 'y', 0, 2, 0xaa, 0xbb };
    struct lv_kms_import_params p;
    uint8_t b[sizeof(good) + 1];

    (void)state;
    assert_int_equal(lv_kms_import_payload_parse(good, sizeof(good), &p), 0);
    assert_true(p.valid_to_ms == 9);
    assert_string_equal(p.key_id, "k");
    assert_int_equal(p.priv_len, 2);
    lv_kms_import_params_release(&p);
    for (size_t n = 0; n < sizeof(good); n++) {
        CHECK("short", lv_kms_import_payload_parse(good, n, &p) == -1);
    }
    memcpy(b, good, sizeof(good));
    b[sizeof(good)] = 0;
    CHECK("trailing", lv_kms_import_payload_parse(b, sizeof(b), &p) == -1);
    memcpy(b, good, sizeof(good));
    b[0] = 2;
    CHECK("format", lv_kms_import_payload_parse(b, sizeof(good), &p) == -1);
    memcpy(b, good, sizeof(good));
    b[10] = '\0';
    CHECK("NUL in a field",
          lv_kms_import_payload_parse(b, sizeof(good), &p) == -1);
    memcpy(b, good, sizeof(good));
    b[18] = 0;
    CHECK("empty key", lv_kms_import_payload_parse(b, sizeof(good) - 2,
                                                   &p) == -1);
    assert_null(p.priv);
}

static void test_wrapping(void **state)
{
    static const struct {
        const char *alg;
        const char *spec;
        enum lv_errcode want;
    } rows[] = {
        { "RSAES_OAEP_SHA_256", "RSA_2048", LV_E_NONE },
        { "RSAES_OAEP_SHA_1", "RSA_3072", LV_E_NONE },
        { "RSA_AES_KEY_WRAP_SHA_1", "RSA_4096", LV_E_NONE },
        { "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048", LV_E_NONE },
        { "RSAES_PKCS1_V1_5", "RSA_2048", LV_E_VALIDATION },
        { "SM2PKE", "SM2", LV_E_UNSUPPORTED_OPERATION },
        { "RSAES_OAEP_SHA_256", "SM2", LV_E_UNSUPPORTED_OPERATION },
        { "RSAES_OAEP_SHA_256", "RSA_1024", LV_E_VALIDATION },
        { "", "RSA_2048", LV_E_VALIDATION },
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        struct lv_err err = LV_ERR_INIT;
        int rc = lv_kms_import_check_wrapping(rows[i].alg, rows[i].spec,
                                              &err);

        CHECK(rows[i].alg, rows[i].want == LV_E_NONE
                               ? rc == 0
                               : rc == -1 && err.code == rows[i].want);
    }
}

/* The public half of a DER private key, as an EVP_PKEY. */
static EVP_PKEY *public_of(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;

    return d2i_AutoPrivateKey(NULL, &p, (long)len);
}

static void oaep_encrypt(EVP_PKEY *pk, const char *md, const uint8_t *in,
                         size_t len, struct lv_buf *out)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
    size_t n = 0;

    assert_non_null(c);
    assert_int_equal(EVP_PKEY_encrypt_init(c), 1);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_oaep_md_name(c, md, NULL) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, md, NULL) > 0);
    assert_int_equal(EVP_PKEY_encrypt(c, NULL, &n, in, len), 1);
    assert_int_equal(lv_buf_grow(out, n), 0);
    assert_int_equal(EVP_PKEY_encrypt(c, (unsigned char *)out->data +
                                      out->len, &n, in, len), 1);
    out->len += n;
    EVP_PKEY_CTX_free(c);
}

static void kwp_wrap(const uint8_t kek[32], const uint8_t *in, size_t len,
                     struct lv_buf *out)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-WRAP-PAD", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    int fin = 0;

    assert_non_null(c);
    assert_int_equal(lv_buf_grow(out, len + 16), 0);
    assert_int_equal(EVP_EncryptInit_ex2(ctx, c, kek, NULL, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, (unsigned char *)out->data +
                                       out->len, &n, in, (int)len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, (unsigned char *)out->data +
                                         out->len + n, &fin), 1);
    out->len += (size_t)(n + fin);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
}

static void test_unwrap(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf pub = LV_BUF_INIT(1 << 16);
    struct lv_buf ct = LV_BUF_INIT(1 << 16);
    uint8_t *priv = NULL;
    size_t priv_len = 0;
    uint8_t material[64];
    uint8_t aes[32];
    uint8_t *got = NULL;
    size_t got_len = 0;
    EVP_PKEY *pk;

    (void)state;
    lv_rand_bytes(material, sizeof(material));
    lv_rand_bytes(aes, sizeof(aes));
    assert_int_equal(lv_kms_asym_generate("RSA_2048", &priv, &priv_len, &pub,
                                          &err), 0);
    pk = public_of(priv, priv_len);
    assert_non_null(pk);

    /* RSAES_OAEP_SHA_256 and _SHA_1 */
    oaep_encrypt(pk, "SHA256", material, 32, &ct);
    assert_int_equal(lv_kms_import_unwrap(priv, priv_len,
                                          "RSAES_OAEP_SHA_256",
                                          (uint8_t *)ct.data, ct.len, &got,
                                          &got_len, &err), 0);
    assert_int_equal(got_len, 32);
    assert_memory_equal(got, material, 32);
    lv_secret_free(got, got_len);
    got = NULL;
    /* the hash must be the one named */
    assert_int_equal(lv_kms_import_unwrap(priv, priv_len, "RSAES_OAEP_SHA_1",
                                          (uint8_t *)ct.data, ct.len, &got,
                                          &got_len, &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);
    assert_null(got);

    /* RSA_AES_KEY_WRAP_SHA_1: OAEP(aes) | KWP(aes, material) */
    lv_buf_reset(&ct);
    oaep_encrypt(pk, "SHA1", aes, 32, &ct);
    kwp_wrap(aes, material, 64, &ct);
    assert_int_equal(lv_kms_import_unwrap(priv, priv_len,
                                          "RSA_AES_KEY_WRAP_SHA_1",
                                          (uint8_t *)ct.data, ct.len, &got,
                                          &got_len, &err), 0);
    assert_int_equal(got_len, 64);
    assert_memory_equal(got, material, 64);
    lv_secret_free(got, got_len);
    got = NULL;
    /* a changed byte in the wrapped material, or none of it */
    ct.data[ct.len - 1] ^= 1;
    assert_int_equal(lv_kms_import_unwrap(priv, priv_len,
                                          "RSA_AES_KEY_WRAP_SHA_1",
                                          (uint8_t *)ct.data, ct.len, &got,
                                          &got_len, &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);
    assert_int_equal(lv_kms_import_unwrap(priv, priv_len,
                                          "RSA_AES_KEY_WRAP_SHA_1",
                                          (uint8_t *)ct.data, 256, &got,
                                          &got_len, &err), -1);
    assert_int_equal(lv_kms_import_unwrap(priv, priv_len,
                                          "RSA_AES_KEY_WRAP_SHA_256",
                                          (uint8_t *)ct.data, ct.len, &got,
                                          &got_len, &err), -1);
    assert_null(got);
    EVP_PKEY_free(pk);
    lv_secret_free(priv, priv_len);
    lv_buf_release(&pub);
    lv_buf_release(&ct);
}

static void test_material(void **state)
{
    static const struct {
        const char *spec;
        size_t len;
        int ok;
    } raw[] = {
        { "SYMMETRIC_DEFAULT", 32, 1 }, { "SYMMETRIC_DEFAULT", 31, 0 },
        { "SYMMETRIC_DEFAULT", 33, 0 }, { "HMAC_256", 31, 0 },
        { "HMAC_256", 32, 1 }, { "HMAC_256", 64, 1 }, { "HMAC_256", 65, 0 },
        { "HMAC_384", 47, 0 }, { "HMAC_384", 128, 1 },
        { "HMAC_512", 63, 0 }, { "HMAC_512", 64, 1 }, { "HMAC_512", 129, 0 },
        { "RSA_2048", 32, 0 }, { "SM2", 32, 0 },
    };
    static const struct {
        const char *made;
        const char *spec;
        int ok;
    } asym[] = {
        { "ECC_NIST_P256", "ECC_NIST_P256", 1 },
        { "ECC_NIST_P256", "ECC_NIST_P384", 0 },
        { "ECC_NIST_P256", "ECC_SECG_P256K1", 0 },
        { "ECC_SECG_P256K1", "ECC_SECG_P256K1", 1 },
        { "ECC_NIST_P521", "ECC_NIST_P521", 1 },
        { "RSA_2048", "RSA_2048", 1 },
        { "RSA_2048", "RSA_3072", 0 },
        { "RSA_2048", "SYMMETRIC_DEFAULT", 0 },
        { "ECC_NIST_P384", "RSA_2048", 0 },
    };
    uint8_t buf[200];

    (void)state;
    memset(buf, 0x5a, sizeof(buf));
    for (size_t i = 0; i < N(raw); i++) {
        struct lv_err err = LV_ERR_INIT;
        int rc = lv_kms_import_check_material(raw[i].spec, buf, raw[i].len,
                                              &err);

        CHECK(raw[i].spec, raw[i].ok ? rc == 0
                                     : rc == -1 && err.code ==
                                       LV_E_INCORRECT_KEY_MATERIAL);
    }
    for (size_t i = 0; i < N(asym); i++) {
        struct lv_err err = LV_ERR_INIT;
        struct lv_buf pub = LV_BUF_INIT(1 << 16);
        uint8_t *priv = NULL;
        uint8_t *longer;
        size_t len = 0;

        assert_int_equal(lv_kms_asym_generate(asym[i].made, &priv, &len,
                                              &pub, &err), 0);
        CHECK(asym[i].spec, (lv_kms_import_check_material(asym[i].spec,
                                                          priv, len,
                                                          &err) == 0) ==
                                asym[i].ok);
        longer = lv_xmalloc(len + 1);
        memcpy(longer, priv, len);
        longer[len] = 0;
        CHECK("trailing byte", lv_kms_import_check_material(
                                   asym[i].made, longer, len + 1,
                                   &err) == -1);
        CHECK("cut", lv_kms_import_check_material(asym[i].made, priv,
                                                  len - 1, &err) == -1);
        lv_secret_free(longer, len + 1);
        lv_secret_free(priv, len);
        lv_buf_release(&pub);
    }
}

static void test_fingerprint(void **state)
{
    static const uint8_t m1[32] = { 1 };
    static const uint8_t m2[32] = { 2 };
    char a[65], b[65], c[65], d[65];

    (void)state;
    lv_kms_import_fingerprint(key1, "arn:x", m1, 32, a);
    lv_kms_import_fingerprint(key1, "arn:x", m1, 32, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    lv_kms_import_fingerprint(key1, "arn:x", m2, 32, c);
    assert_string_not_equal(a, c);
    lv_kms_import_fingerprint(key1, "arn:y", m1, 32, c);
    assert_string_not_equal(a, c);
    lv_kms_import_fingerprint(key2, "arn:x", m1, 32, d);
    assert_string_not_equal(a, d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_round_trip),
        cmocka_unit_test(test_payload_bounds),
        cmocka_unit_test(test_wrapping),
        cmocka_unit_test(test_unwrap),
        cmocka_unit_test(test_material),
        cmocka_unit_test(test_fingerprint),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
