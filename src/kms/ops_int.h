/*
 * ops_int: what the files of the KMS cryptographic operations share —
 * ops.c (Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom),
 * asym.c (Sign, Verify, GetPublicKey, GenerateDataKeyPair*,
 * DeriveSharedSecret) and mac.c
 * (GenerateMac, VerifyMac). Their handlers are declared in kms.h.
 *
 * Two layers: the prologue every key operation runs (find the key,
 * authorize, check state and usage, DryRun), and request-free OpenSSL
 * helpers for asymmetric keys and HMAC that unit tests drive directly.
 * Not for other modules: other services reach KMS through kms.h.
 *
 * Private keys enter these helpers as DER PKCS#8 (the material format of
 * RSA_* and ECC_* keys, see lv_kms_new_material); every copy of one made
 * here is wiped before it is freed.
 */
#ifndef LV_KMS_OPS_INT_H
#define LV_KMS_OPS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "svc/req.h"

struct json_t;
struct lv_buf;
struct lv_err;
struct lv_kms_key;
struct lv_kv;

/* ---- the prologue of a key operation (ops.c) ---------------------------- */

/*
 * Finds the key named by the string member `member` of `in` (key id, key
 * ARN, alias name or alias ARN; a key of another account by ARN), then
 * authorizes kms:<action> with the context ctx (n_ctx pairs), then checks
 * that the key is Enabled, then — when `usage` is not NULL — that its key
 * usage is `usage` (the error names `op`). Fills *k (init'd by the caller)
 * and returns 0, or -1 with the first of AWS's errors that applies.
 */
int lv_kms_use_key(struct lv_req *rq, const struct json_t *in,
                   const char *member, const char *action,
                   const struct lv_kv *ctx, size_t n_ctx, const char *usage,
                   const char *op, struct lv_kms_key *k, struct lv_err *err);

/*
 * When the request's DryRun member is true: -1 with
 * DryRunOperationException "The request would have succeeded, but the
 * DryRun option is set." (AWS's wording, from CloudTrail records in the
 * KMS developer guide). Else 0. Call it after every check and before any
 * cryptography.
 */
int lv_kms_dry_run(const struct json_t *in, struct lv_err *err);

/*
 * InvalidKeyUsageException "Algorithm ALG is incompatible with key spec
 * SPEC." unless alg is in the NULL-terminated list (NULL = empty).
 */
int lv_kms_check_alg(const char *const *list, const char *alg,
                     const char *key_spec, struct lv_err *err);

/* ---- asymmetric keys (asym.c), no request involved ---------------------- */

/*
 * A fresh key pair of `spec` (RSA_2048/3072/4096, ECC_NIST_P256/P384/P521,
 * ECC_SECG_P256K1): the private key as DER PKCS#8 into *priv (release with
 * lv_secret_free(*priv, *priv_len)) and the public key as DER
 * SubjectPublicKeyInfo appended to *pub. Returns 0, or -1 with
 * UnsupportedOperationException for another spec (nothing written).
 */
int lv_kms_asym_generate(const char *spec, uint8_t **priv, size_t *priv_len,
                         struct lv_buf *pub, struct lv_err *err);

/* Appends the DER SubjectPublicKeyInfo of the DER private key to *pub.
 * -1 with KMSInternalException when the key does not parse. */
int lv_kms_asym_public(const uint8_t *der, size_t len, struct lv_buf *pub,
                       struct lv_err *err);

/* The digest length in bytes a signing algorithm ("RSASSA_PSS_SHA_256",
 * "ECDSA_SHA_384" …) signs, or 0 for an unknown algorithm. */
size_t lv_kms_sign_digest_len(const char *alg);

/*
 * Signs msg (msg_len bytes) with the DER private key under `alg`:
 * is_digest 0 hashes msg first (MessageType RAW); 1 takes it as the digest
 * (MessageType DIGEST; its length must be lv_kms_sign_digest_len(alg)).
 * RSASSA_PSS_* use MGF1 with the same hash and a salt as long as the
 * digest; RSASSA_PKCS1_V1_5_* EMSA-PKCS1-v1_5; ECDSA_* a DER-encoded
 * (r, s). Appends the signature to *sig. Returns 0, or -1 with
 * ValidationException (digest length) or KMSInternalException.
 */
int lv_kms_asym_sign(const uint8_t *der, size_t len, const char *alg,
                     const void *msg, size_t msg_len, int is_digest,
                     struct lv_buf *sig, struct lv_err *err);

/* Checks a signature made as lv_kms_asym_sign makes it. Returns 1 valid,
 * 0 invalid (including a malformed signature), -1 with *err when the key
 * or algorithm cannot be used. */
int lv_kms_asym_verify(const uint8_t *der, size_t len, const char *alg,
                       const void *msg, size_t msg_len, int is_digest,
                       const void *sig, size_t sig_len, struct lv_err *err);

/*
 * RSAES-OAEP with `alg` RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256 (the hash
 * serves OAEP and MGF1 alike, as KMS does). Encrypt appends the raw OAEP
 * output (the modulus length) to *ct; -1 with ValidationException when the
 * plaintext is longer than the key and algorithm allow. Decrypt appends the
 * plaintext to *pt (secret: release with lv_crypto_buf_release); -1 with
 * InvalidCiphertextException (empty message) on any failure.
 */
int lv_kms_asym_encrypt(const uint8_t *der, size_t len, const char *alg,
                        const void *pt, size_t pt_len, struct lv_buf *ct,
                        struct lv_err *err);
int lv_kms_asym_decrypt(const uint8_t *der, size_t len, const char *alg,
                        const void *ct, size_t ct_len, struct lv_buf *pt,
                        struct lv_err *err);

/*
 * ECDH (the key agreement of KEY_AGREEMENT keys): the raw shared secret
 * of the DER private key and the peer's DER SubjectPublicKeyInfo — the x
 * coordinate of the product, as long as the curve's field — appended to
 * *secret (secret: release with lv_crypto_buf_release). -1 with
 * ValidationException when the peer key does not parse or is not a point
 * of the private key's curve, KMSInternalException when the private key
 * cannot be read.
 */
int lv_kms_asym_ecdh(const uint8_t *der, size_t len, const void *peer,
                     size_t peer_len, struct lv_buf *secret,
                     struct lv_err *err);

/* ---- HMAC (mac.c) -------------------------------------------------------- */

/*
 * HMAC of msg under key with `alg` HMAC_SHA_224/256/384/512 into out (64
 * bytes of room); *out_len set. Returns 0, or -1 for another algorithm.
 */
int lv_kms_hmac(const char *alg, const uint8_t *key, size_t key_len,
                const void *msg, size_t msg_len, uint8_t out[64],
                size_t *out_len);

#endif
