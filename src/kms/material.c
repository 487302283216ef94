/*
 * material: new key material for a KMS key of a given key spec — random
 * bytes for symmetric and HMAC keys, an OpenSSL-generated private key in
 * DER (PKCS#8) for RSA and elliptic-curve keys (NIST curves and
 * secp256k1). Everything in clear is wiped before it is freed. Sealing
 * and storing are the caller's.
 */
#include "kms/kms_int.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* Random material lengths: SYMMETRIC_DEFAULT is AES-256; an HMAC key is as
 * long as its digest, as AWS documents for HMAC KMS keys. */
static size_t random_len(const char *spec)
{
    if (strcmp(spec, "SYMMETRIC_DEFAULT") == 0 ||
        strcmp(spec, "HMAC_256") == 0) {
        return 32;
    }
    if (strcmp(spec, "HMAC_384") == 0) {
        return 48;
    }
    if (strcmp(spec, "HMAC_512") == 0) {
        return 64;
    }
    return 0;
}

static EVP_PKEY *generate(const char *spec)
{
    if (strcmp(spec, "RSA_2048") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    }
    if (strcmp(spec, "RSA_3072") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    }
    if (strcmp(spec, "RSA_4096") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
    }
    if (strcmp(spec, "ECC_NIST_P256") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    }
    if (strcmp(spec, "ECC_NIST_P384") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    }
    if (strcmp(spec, "ECC_NIST_P521") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    }
    if (strcmp(spec, "ECC_SECG_P256K1") == 0) {
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
    }
    return NULL;
}

static int is_asymmetric(const char *spec)
{
    return strncmp(spec, "RSA_", 4) == 0 ||
           strcmp(spec, "ECC_NIST_P256") == 0 ||
           strcmp(spec, "ECC_NIST_P384") == 0 ||
           strcmp(spec, "ECC_NIST_P521") == 0 ||
           strcmp(spec, "ECC_SECG_P256K1") == 0;
}

int lv_kms_new_material(const char *spec, uint8_t **mat, size_t *len,
                        struct lv_err *err)
{
    size_t n = random_len(spec);
    EVP_PKEY *pkey = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    uint8_t *der = NULL;
    uint8_t *p;
    int der_len;
    int ret = -1;

    if (n) {
        der = lv_xmalloc(n);
        lv_rand_bytes(der, n);
        *mat = der;
        *len = n;
        return 0;
    }
    if (!is_asymmetric(spec)) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "KeySpec %s is not supported by logvault", spec);
    }
    pkey = generate(spec);
    if (!pkey) {
        lv_log(LV_LOG_ERROR, "kms: key generation failed spec=%s", spec);
        lv_err_set(err, LV_E_KMS_INTERNAL, "Key material could not be "
                   "generated");
        goto out;
    }
    p8 = EVP_PKEY2PKCS8(pkey);
    der_len = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, NULL) : -1;
    if (der_len <= 0) {
        lv_log(LV_LOG_ERROR, "kms: key encoding failed spec=%s", spec);
        lv_err_set(err, LV_E_KMS_INTERNAL, "Key material could not be "
                   "generated");
        goto out;
    }
    der = lv_xmalloc((size_t)der_len);
    p = der;
    if (i2d_PKCS8_PRIV_KEY_INFO(p8, &p) != der_len) {
        lv_secret_free(der, (size_t)der_len);
        lv_err_set(err, LV_E_KMS_INTERNAL, "Key material could not be "
                   "generated");
        goto out;
    }
    *mat = der;
    *len = (size_t)der_len;
    ret = 0;
out:
    /* Both free their private parts with a cleansing free. */
    PKCS8_PRIV_KEY_INFO_free(p8);
    EVP_PKEY_free(pkey);
    return ret;
}
