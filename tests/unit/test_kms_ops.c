/*
 * Unit tests for the request-free helpers of the KMS cryptographic
 * operations (src/kms/asym.c, src/kms/mac.c): key-pair generation, the
 * public key, Sign/Verify for every algorithm and message type, RSAES-OAEP,
 * ECDH and HMAC against RFC 4231. Table-driven: each row has a name, printed
 * when it fails.
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
#include "kms/ops_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include "helpers.h"

struct pair {
    uint8_t *priv;
    size_t priv_len;
    struct lv_buf pub;
};

static void pair_make(const char *spec, struct pair *p)
{
    struct lv_err err = LV_ERR_INIT;

    lv_buf_init(&p->pub, 1 << 16);
    if (lv_kms_asym_generate(spec, &p->priv, &p->priv_len, &p->pub,
                             &err) < 0) {
        fail_msg("%s: generate failed: %s", spec, err.msg);
    }
}

static void pair_free(struct pair *p)
{
    lv_secret_free(p->priv, p->priv_len);
    lv_buf_release(&p->pub);
}

/* ---- generation ---------------------------------------------------------- */

static void test_generate(void **state)
{
    static const struct {
        const char *spec;
        const char *type;
        int bits;
    } rows[] = {
        { "RSA_2048", "RSA", 2048 },
        { "RSA_3072", "RSA", 3072 },
        { "ECC_NIST_P256", "EC", 256 },
        { "ECC_NIST_P384", "EC", 384 },
        { "ECC_NIST_P521", "EC", 521 },
        { "ECC_SECG_P256K1", "EC", 256 },
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        const char *name = rows[i].spec;
        struct pair p;
        struct lv_buf again = LV_BUF_INIT(1 << 16);
        struct lv_err err = LV_ERR_INIT;
        const unsigned char *q;
        EVP_PKEY *priv;
        EVP_PKEY *pub;
        PKCS8_PRIV_KEY_INFO *p8;

        pair_make(rows[i].spec, &p);
        q = p.priv;
        p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)p.priv_len);
        CHECK(name, p8 != NULL);     /* it is PKCS#8 */
        CHECK(name, q == p.priv + p.priv_len);
        PKCS8_PRIV_KEY_INFO_free(p8);
        q = p.priv;
        priv = d2i_AutoPrivateKey(NULL, &q, (long)p.priv_len);
        CHECK(name, priv != NULL);
        CHECK(name, EVP_PKEY_is_a(priv, rows[i].type));
        CHECK(name, EVP_PKEY_get_bits(priv) == rows[i].bits);
        q = (const unsigned char *)p.pub.data;
        pub = d2i_PUBKEY(NULL, &q, (long)p.pub.len);
        CHECK(name, pub != NULL);
        CHECK(name, EVP_PKEY_eq(priv, pub) == 1);
        CHECK(name, lv_kms_asym_public(p.priv, p.priv_len, &again,
                                       &err) == 0);
        CHECK(name, again.len == p.pub.len &&
                    memcmp(again.data, p.pub.data, p.pub.len) == 0);
        EVP_PKEY_free(priv);
        EVP_PKEY_free(pub);
        lv_buf_release(&again);
        pair_free(&p);
    }
}

static void test_generate_unsupported(void **state)
{
    static const char *const rows[] = { "SM2", "ECC_NIST_EDWARDS25519",
                                        "RSA_1024", "" };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        struct lv_buf pub = LV_BUF_INIT(1 << 16);
        struct lv_err err = LV_ERR_INIT;
        uint8_t *priv = NULL;
        size_t len = 0;

        CHECK(rows[i], lv_kms_asym_generate(rows[i], &priv, &len, &pub,
                                            &err) == -1);
        CHECK(rows[i], err.code == LV_E_UNSUPPORTED_OPERATION);
        CHECK(rows[i], priv == NULL && pub.len == 0);
    }
}

static void test_public_garbage(void **state)
{
    static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    struct lv_buf pub = LV_BUF_INIT(1 << 16);
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    assert_int_equal(lv_kms_asym_public(junk, sizeof(junk), &pub, &err), -1);
    assert_int_equal(err.code, LV_E_KMS_INTERNAL);
}

/* ---- sign / verify ------------------------------------------------------- */

static void sha(const char *alg, const void *m, size_t n, uint8_t *out,
                size_t *out_len)
{
    const char *md = strstr(alg, "SHA_256") ? "SHA256"
                   : strstr(alg, "SHA_384") ? "SHA384" : "SHA512";
    unsigned int len = 0;
    EVP_MD *d = EVP_MD_fetch(NULL, md, NULL);

    assert_non_null(d);
    assert_true(EVP_Digest(m, n, out, &len, d, NULL));
    *out_len = len;
    EVP_MD_free(d);
}

/* Checks sig with OpenSSL's one-shot verifier, apart from our code. */
static int independent_verify(const struct pair *p, const char *alg,
                              const uint8_t *msg, size_t n,
                              const uint8_t *sig, size_t sig_len)
{
    const unsigned char *q = (const unsigned char *)p->pub.data;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &q, (long)p->pub.len);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    const char *md = strstr(alg, "SHA_256") ? "SHA256"
                   : strstr(alg, "SHA_384") ? "SHA384" : "SHA512";
    int ok;

    ok = EVP_DigestVerifyInit_ex(c, &pc, md, NULL, NULL, pub, NULL) == 1;
    if (ok && strncmp(alg, "RSASSA_PSS", 10) == 0) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) > 0;
    }
    ok = ok && EVP_DigestVerify(c, sig, sig_len, msg, n) == 1;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(pub);
    return ok;
}

static void test_sign_verify(void **state)
{
    static const struct {
        const char *spec;
        const char *alg;
    } rows[] = {
        { "RSA_2048", "RSASSA_PSS_SHA_256" },
        { "RSA_2048", "RSASSA_PSS_SHA_384" },
        { "RSA_2048", "RSASSA_PSS_SHA_512" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512" },
        { "ECC_NIST_P256", "ECDSA_SHA_256" },
        { "ECC_NIST_P384", "ECDSA_SHA_384" },
        { "ECC_NIST_P521", "ECDSA_SHA_512" },
        { "ECC_SECG_P256K1", "ECDSA_SHA_256" },
    };
    static const uint8_t msg[] = "Hello, logvault: sign me.";
    struct pair rsa;

    (void)state;
    pair_make("RSA_2048", &rsa);
    for (size_t i = 0; i < N(rows); i++) {
        char name[96];
        struct pair own;
        const struct pair *p = &rsa;
        struct lv_buf sig = LV_BUF_INIT(1 << 16);
        struct lv_buf sig2 = LV_BUF_INIT(1 << 16);
        struct lv_err err = LV_ERR_INIT;
        uint8_t dg[64];
        size_t dg_len = 0;
        uint8_t bad[sizeof(msg)];

        snprintf(name, sizeof(name), "%s/%s", rows[i].spec, rows[i].alg);
        if (strcmp(rows[i].spec, "RSA_2048") != 0) {
            pair_make(rows[i].spec, &own);
            p = &own;
        }
        sha(rows[i].alg, msg, sizeof(msg), dg, &dg_len);
        CHECK(name, lv_kms_sign_digest_len(rows[i].alg) == dg_len);
        /* RAW */
        CHECK(name, lv_kms_asym_sign(p->priv, p->priv_len, rows[i].alg, msg,
                                     sizeof(msg), 0, &sig, &err) == 0);
        CHECK(name, independent_verify(p, rows[i].alg, msg, sizeof(msg),
                                       (uint8_t *)sig.data, sig.len));
        CHECK(name, lv_kms_asym_verify(p->priv, p->priv_len, rows[i].alg,
                                       msg, sizeof(msg), 0, sig.data,
                                       sig.len, &err) == 1);
        /* A RAW signature verifies as DIGEST of the same message. */
        CHECK(name, lv_kms_asym_verify(p->priv, p->priv_len, rows[i].alg,
                                       dg, dg_len, 1, sig.data, sig.len,
                                       &err) == 1);
        /* DIGEST signing verifies as RAW. */
        CHECK(name, lv_kms_asym_sign(p->priv, p->priv_len, rows[i].alg, dg,
                                     dg_len, 1, &sig2, &err) == 0);
        CHECK(name, lv_kms_asym_verify(p->priv, p->priv_len, rows[i].alg,
                                       msg, sizeof(msg), 0, sig2.data,
                                       sig2.len, &err) == 1);
        /* Another message, a flipped signature byte, a cut signature. */
        memcpy(bad, msg, sizeof(msg));
        bad[0] ^= 1;
        CHECK(name, lv_kms_asym_verify(p->priv, p->priv_len, rows[i].alg,
                                       bad, sizeof(bad), 0, sig.data,
                                       sig.len, &err) == 0);
        sig.data[sig.len / 2] ^= 0x10;
        CHECK(name, lv_kms_asym_verify(p->priv, p->priv_len, rows[i].alg,
                                       msg, sizeof(msg), 0, sig.data,
                                       sig.len, &err) == 0);
        CHECK(name, lv_kms_asym_verify(p->priv, p->priv_len, rows[i].alg,
                                       msg, sizeof(msg), 0, sig.data, 3,
                                       &err) == 0);
        /* A digest of the wrong length. */
        CHECK(name, lv_kms_asym_sign(p->priv, p->priv_len, rows[i].alg, dg,
                                     dg_len - 1, 1, &sig2, &err) == -1);
        CHECK(name, err.code == LV_E_VALIDATION);
        CHECK(name, strstr(err.msg, "Digest is invalid length") != NULL);
        lv_buf_release(&sig);
        lv_buf_release(&sig2);
        if (p == &own) {
            pair_free(&own);
        }
    }
    pair_free(&rsa);
}

static void test_sign_wrong_key_type(void **state)
{
    struct pair ec;
    struct lv_buf sig = LV_BUF_INIT(1 << 16);
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    pair_make("ECC_NIST_P256", &ec);
    assert_int_equal(lv_kms_asym_sign(ec.priv, ec.priv_len,
                                      "RSASSA_PSS_SHA_256", "m", 1, 0, &sig,
                                      &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_KEY_USAGE);
    assert_int_equal(lv_kms_asym_sign(ec.priv, ec.priv_len, "NOPE", "m", 1,
                                      0, &sig, &err), -1);
    assert_int_equal(lv_kms_sign_digest_len("NOPE"), 0);
    assert_int_equal(sig.len, 0);
    pair_free(&ec);
}

/* ---- RSAES-OAEP ---------------------------------------------------------- */

static void test_oaep(void **state)
{
    static const struct {
        const char *name;
        const char *alg;
        size_t pt_len;
        int ok;
    } rows[] = {
        { "sha1 one byte", "RSAES_OAEP_SHA_1", 1, 1 },
        { "sha1 max (214)", "RSAES_OAEP_SHA_1", 214, 1 },
        { "sha1 max+1", "RSAES_OAEP_SHA_1", 215, 0 },
        { "sha256 one byte", "RSAES_OAEP_SHA_256", 1, 1 },
        { "sha256 max (190)", "RSAES_OAEP_SHA_256", 190, 1 },
        { "sha256 max+1", "RSAES_OAEP_SHA_256", 191, 0 },
    };
    struct pair rsa;

    (void)state;
    pair_make("RSA_2048", &rsa);
    for (size_t i = 0; i < N(rows); i++) {
        const char *name = rows[i].name;
        uint8_t pt[256];
        struct lv_buf ct = LV_BUF_INIT(1 << 16);
        struct lv_buf out = LV_BUF_INIT(1 << 16);
        struct lv_err err = LV_ERR_INIT;
        const char *other = strcmp(rows[i].alg, "RSAES_OAEP_SHA_1") == 0
                                ? "RSAES_OAEP_SHA_256" : "RSAES_OAEP_SHA_1";

        for (size_t j = 0; j < sizeof(pt); j++) {
            pt[j] = (uint8_t)(j * 13 + 1);
        }
        if (!rows[i].ok) {
            CHECK(name, lv_kms_asym_encrypt(rsa.priv, rsa.priv_len,
                                            rows[i].alg, pt, rows[i].pt_len,
                                            &ct, &err) == -1);
            CHECK(name, err.code == LV_E_VALIDATION);
            continue;
        }
        CHECK(name, lv_kms_asym_encrypt(rsa.priv, rsa.priv_len, rows[i].alg,
                                        pt, rows[i].pt_len, &ct,
                                        &err) == 0);
        CHECK(name, ct.len == 256);
        CHECK(name, lv_kms_asym_decrypt(rsa.priv, rsa.priv_len, rows[i].alg,
                                        ct.data, ct.len, &out, &err) == 0);
        CHECK(name, out.len == rows[i].pt_len &&
                    memcmp(out.data, pt, out.len) == 0);
        lv_crypto_buf_release(&out);
        /* The other hash does not open it. */
        CHECK(name, lv_kms_asym_decrypt(rsa.priv, rsa.priv_len, other,
                                        ct.data, ct.len, &out, &err) == -1);
        CHECK(name, err.code == LV_E_INVALID_CIPHERTEXT && !err.msg[0]);
        CHECK(name, out.len == 0);
        /* Nor does a flipped byte, nor a cut ciphertext. */
        ct.data[7] ^= 1;
        CHECK(name, lv_kms_asym_decrypt(rsa.priv, rsa.priv_len, rows[i].alg,
                                        ct.data, ct.len, &out, &err) == -1);
        CHECK(name, lv_kms_asym_decrypt(rsa.priv, rsa.priv_len, rows[i].alg,
                                        ct.data, 100, &out, &err) == -1);
        CHECK(name, out.len == 0);
        lv_crypto_buf_release(&out);
        lv_buf_release(&ct);
    }
    pair_free(&rsa);
}

static void test_oaep_ec_key(void **state)
{
    struct pair ec;
    struct lv_buf ct = LV_BUF_INIT(1 << 16);
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    pair_make("ECC_NIST_P256", &ec);
    assert_int_equal(lv_kms_asym_decrypt(ec.priv, ec.priv_len,
                                         "RSAES_OAEP_SHA_256", "xx", 2, &ct,
                                         &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_CIPHERTEXT);
    pair_free(&ec);
}

/* ---- HMAC, RFC 4231 test case 2 ------------------------------------------ */

static void test_hmac(void **state)
{
    static const struct {
        const char *alg;
        const char *hex;
    } rows[] = {
        { "HMAC_SHA_224",
          "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44" },
        { "HMAC_SHA_256",
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9"
          "64ec3843" },
        { "HMAC_SHA_384",
          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec373"
          "6322445e8e2240ca5e69e2c78b3239ecfab21649" },
        { "HMAC_SHA_512",
          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7"
          "ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b"
          "636e070a38bce737" },
    };
    static const char key[] = "Jefe";
    static const char msg[] = "what do ya want for nothing?";

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        uint8_t out[64];
        char hex[129];
        size_t n = 0;

        CHECK(rows[i].alg, lv_kms_hmac(rows[i].alg, (const uint8_t *)key, 4,
                                       msg, strlen(msg), out, &n) == 0);
        for (size_t j = 0; j < n; j++) {
            snprintf(hex + 2 * j, 3, "%02x", out[j]);
        }
        hex[2 * n] = '\0';
        CHECK(rows[i].alg, strcmp(hex, rows[i].hex) == 0);
    }
    {
        uint8_t out[64];
        size_t n = 0;

        assert_int_equal(lv_kms_hmac("HMAC_MD5", (const uint8_t *)key, 4,
                                     msg, 3, out, &n), -1);
    }
}

/* ---- ECDH ---------------------------------------------------------------- */

/* Both sides of an agreement derive one secret, as long as the field;
 * a peer of another curve, RSA, garbage or trailing bytes are refused. */
static void test_ecdh(void **state)
{
    static const struct {
        const char *spec;
        size_t len;
    } rows[] = {
        { "ECC_NIST_P256", 32 }, { "ECC_NIST_P384", 48 },
        { "ECC_NIST_P521", 66 }, { "ECC_SECG_P256K1", 32 },
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        const char *name = rows[i].spec;
        struct pair a, b, other, rsa;
        struct lv_buf s1 = LV_BUF_INIT(1024);
        struct lv_buf s2 = LV_BUF_INIT(1024);
        struct lv_buf bad = LV_BUF_INIT(1024);
        struct lv_err err = LV_ERR_INIT;

        pair_make(rows[i].spec, &a);
        pair_make(rows[i].spec, &b);
        pair_make(strcmp(rows[i].spec, "ECC_NIST_P384") == 0
                      ? "ECC_NIST_P256" : "ECC_NIST_P384", &other);
        pair_make("RSA_2048", &rsa);
        CHECK(name, lv_kms_asym_ecdh(a.priv, a.priv_len, b.pub.data,
                                     b.pub.len, &s1, &err) == 0);
        CHECK(name, lv_kms_asym_ecdh(b.priv, b.priv_len, a.pub.data,
                                     a.pub.len, &s2, &err) == 0);
        CHECK(name, s1.len == rows[i].len && s2.len == s1.len &&
                    memcmp(s1.data, s2.data, s1.len) == 0);
        CHECK(name, lv_kms_asym_ecdh(a.priv, a.priv_len, other.pub.data,
                                     other.pub.len, &bad, &err) < 0 &&
                    err.code == LV_E_VALIDATION);
        CHECK(name, lv_kms_asym_ecdh(a.priv, a.priv_len, rsa.pub.data,
                                     rsa.pub.len, &bad, &err) < 0 &&
                    err.code == LV_E_VALIDATION);
        CHECK(name, lv_kms_asym_ecdh(a.priv, a.priv_len, b.pub.data,
                                     b.pub.len - 1, &bad, &err) < 0);
        lv_buf_addc(&b.pub, 'x');
        CHECK(name, lv_kms_asym_ecdh(a.priv, a.priv_len, b.pub.data,
                                     b.pub.len, &bad, &err) < 0);
        CHECK(name, lv_kms_asym_ecdh(rsa.priv, rsa.priv_len, a.pub.data,
                                     a.pub.len, &bad, &err) < 0);
        CHECK(name, bad.len == 0);
        lv_crypto_buf_release(&s1);
        lv_crypto_buf_release(&s2);
        lv_buf_release(&bad);
        pair_free(&a);
        pair_free(&b);
        pair_free(&other);
        pair_free(&rsa);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_generate_unsupported),
        cmocka_unit_test(test_public_garbage),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_sign_wrong_key_type),
        cmocka_unit_test(test_oaep),
        cmocka_unit_test(test_oaep_ec_key),
        cmocka_unit_test(test_hmac),
        cmocka_unit_test(test_ecdh),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
