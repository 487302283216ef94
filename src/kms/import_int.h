/*
 * import_int: the request-free pieces of key import (BYOK, import.c) —
 * the import token, the unwrapping of key material, the check of material
 * against a key spec, and the fingerprint that tells the same material
 * from another — so that unit tests and the fuzzer drive them directly.
 * The handlers (GetParametersForImport, ImportKeyMaterial,
 * DeleteImportedKeyMaterial) are declared in kms.h.
 *
 * The import token is what GetParametersForImport hands out with the
 * wrapping public key: the wrapping private key (DER PKCS#8) and what it
 * is bound to — key id, account, wrapping algorithm and key spec, and the
 * end of its 24-hour validity — sealed with AES-256-GCM under a key
 * derived from the root key ("kms-import-token", crypto/keyring.h). So the
 * private half never rests anywhere in clear: the client keeps it sealed,
 * and ImportKeyMaterial opens it, uses it once and wipes it. A token that
 * was changed, made under another root key, or is not one at all does not
 * open.
 *
 *   token = 0x01 | nonce (12) | tag (16) | AES-256-GCM(payload)
 *   AAD   = "logvault kms import token v1"
 *   payload = 0x01 | valid_to (int64 ms, big-endian)
 *             | u8 len | key id | u8 len | account
 *             | u8 len | wrapping algorithm | u8 len | wrapping key spec
 *             | u16 len (big-endian) | wrapping private key (DER)
 *
 * Private to src/kms/.
 */
#ifndef LV_KMS_IMPORT_INT_H
#define LV_KMS_IMPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store/kms_store.h"

struct lv_buf;
struct lv_err;

/* How long the wrapping key and token of GetParametersForImport last. */
#define LV_KMS_IMPORT_VALIDITY_MS (24LL * 3600 * 1000)

/* What an import token carries. lv_kms_import_params_release() wipes the
 * private key and frees it. */
struct lv_kms_import_params {
    int64_t valid_to_ms;
    char key_id[LV_KMS_ID_MAX];
    char account[13];
    char alg[32];               /* WrappingAlgorithm */
    char spec[16];              /* WrappingKeySpec */
    uint8_t *priv;              /* DER PKCS#8, owned */
    size_t priv_len;
};

void lv_kms_import_params_release(struct lv_kms_import_params *p);

/* Seals p into a token appended to *out under the 32-byte key. 0, or -1
 * when a field does not fit the format or OpenSSL fails. */
int lv_kms_import_token_seal(const uint8_t key[32],
                             const struct lv_kms_import_params *p,
                             struct lv_buf *out);

/*
 * Opens a token made by lv_kms_import_token_seal under `key` into *p
 * (zeroed first; release it after). 0, or -1 (nothing kept) when the
 * token does not open or its payload does not parse.
 */
int lv_kms_import_token_open(const uint8_t key[32], const void *tok,
                             size_t len, struct lv_kms_import_params *p);

/* Parses a token's payload (in clear) into *p (zeroed first): 0, or -1
 * (nothing kept) unless it is exactly one payload of the format above with
 * fields that fit. The part of lv_kms_import_token_open the fuzzer
 * drives. */
int lv_kms_import_payload_parse(const uint8_t *pl, size_t len,
                                struct lv_kms_import_params *p);

/*
 * Is `alg` a wrapping algorithm this server offers with RSA wrapping key
 * `spec`? 0, or -1 with AWS's error: ValidationException for
 * RSAES_PKCS1_V1_5 (no longer supported by KMS since October 2023) and
 * UnsupportedOperationException for SM2 and SM2PKE (China Regions only,
 * which this server does not serve).
 */
int lv_kms_import_check_wrapping(const char *alg, const char *spec,
                                 struct lv_err *err);

/*
 * Unwraps `ct` with the wrapping private key (DER) under `alg`:
 * RSAES_OAEP_SHA_1 / _SHA_256 decrypt it whole; RSA_AES_KEY_WRAP_SHA_1 /
 * _SHA_256 take the first modulus-length bytes as the OAEP-wrapped
 * (with that hash) AES-256 key, and the rest as the material wrapped
 * under it with AES key wrap with padding (RFC 5649), as the import
 * guide's OpenSSL steps make it. The material into *mat (released with
 * lv_secret_free(*mat, *mat_len)). -1 with InvalidCiphertextException
 * when it does not unwrap.
 */
int lv_kms_import_unwrap(const uint8_t *der, size_t der_len, const char *alg,
                         const uint8_t *ct, size_t ct_len, uint8_t **mat,
                         size_t *mat_len, struct lv_err *err);

/*
 * Is `mat` key material for key spec `spec`, as the import guide requires
 * it? SYMMETRIC_DEFAULT: 32 bytes; HMAC_256: 32–64 bytes, HMAC_384:
 * 48–128, HMAC_512: 64–128; RSA_* and ECC_*: a DER PKCS#8 private key of
 * that size or curve, nothing after it. 0, or -1 with
 * IncorrectKeyMaterialException.
 */
int lv_kms_import_check_material(const char *spec, const uint8_t *mat,
                                 size_t len, struct lv_err *err);

/* The fingerprint of material `mat` of key `arn` under the 32-byte key
 * ("kms-import-fingerprint"): 64 hex digits of HMAC-SHA256(key, arn | 0 |
 * mat). It tells a reimport of the same material from another, and
 * reveals nothing of the material without the root key. */
void lv_kms_import_fingerprint(const uint8_t key[32], const char *arn,
                               const uint8_t *mat, size_t len,
                               char out[65]);

#endif
