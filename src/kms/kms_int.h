/*
 * kms_int: what the KMS handlers share — finding a key from any of the
 * forms a KeyId takes, the authorization every operation passes through
 * (key policy, then grants), key-state rules, material access, and the
 * KeyMetadata writer. Not for other modules: the Logs service reaches KMS
 * through the internal interface in kms.h.
 */
#ifndef LV_KMS_KMS_INT_H
#define LV_KMS_KMS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "store/kms_store.h"
#include "util/req.h"

struct json_t;
struct lv_jw;

/* AWS limits. https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html */
#define LV_KMS_MAX_PLAINTEXT 4096       /* Encrypt, GenerateRandom ... */
#define LV_KMS_MAX_CIPHERTEXT 6144      /* CiphertextBlob, model max */
#define LV_KMS_MAX_CONTEXT_PAIRS 64     /* sane bound on a context */

/* Flags for lv_kms_resolve. */
enum {
    LV_KMS_ALIAS_OK = 1,        /* the operation takes an alias name/ARN */
    LV_KMS_CROSS_ACCOUNT = 2,   /* a key ARN of another account may be used
                                 * (cryptographic operations, DescribeKey,
                                 * grants), subject to its key policy */
};

/*
 * Finds the key that `ref` names for rq's account and region: a key id, a
 * key ARN, an alias name ("alias/x") or an alias ARN. Fills *out (init'd
 * by the caller) and returns 0; else -1 with AWS's error:
 *   NotFoundException "Key 'ARN' does not exist" (no such key, or deleted),
 *   NotFoundException "Alias ARN is not found." (no such alias),
 *   NotFoundException "Invalid keyId 'x'" (not any form of key reference),
 *   InvalidArnException for an ARN of another region (or another account
 *   where the operation does not allow it).
 */
int lv_kms_resolve(struct lv_req *rq, const char *ref, unsigned flags,
                   struct lv_kms_key *out, struct lv_err *err);

/*
 * The key `id` (any account and region: the caller checks the scope) as
 * lv_store_kms_key_get() reads it — 1 found (*out, init'd by the caller,
 * replaced), 0 absent, -1 on a store fault — through the cache of key
 * records (core.c), which every KMS write of this process invalidates.
 * lv_kms_resolve() and lv_kms_material() use the same cache.
 */
int lv_kms_key_get(struct lv_req *rq, const char *id, struct lv_kms_key *out,
                   struct lv_err *err);

/* Empties the cache of keys, aliases and material, wiping the material
 * (tests; shutdown). */
void lv_kms_cache_clear(void);

/*
 * Authorizes kms:<action> ("Encrypt") on key k for rq's principal with the
 * encryption context ctx (n_ctx pairs, may be 0) as AWS does for KMS: an
 * explicit Deny in the key policy wins; else the key policy must allow,
 * naming the principal or its account (which delegates to the identity's
 * own policy — none is configured here, so the identity may act in its own
 * account); else a grant for the principal that lists the operation and
 * whose constraints the context satisfies. The key policy sees every
 * condition key AWS fills for the action (kms/condkeys.c: the principal,
 * rq's origin, clock and input, the key, its tags and aliases, the
 * encryption context as kms:EncryptionContext:KEY of any length);
 * `extra` (may be NULL) adds keys only the caller knows and wins over the
 * table for a key both give. Returns 0 or -1 with
 * AccessDeniedException "User: P is not authorized to perform: kms:A on
 * resource: K because no resource-based policy allows the kms:A action"
 * (or "... with an explicit deny in a resource-based policy").
 */
struct lv_policy_ctx_value;
int lv_kms_authorize(struct lv_req *rq, const struct lv_kms_key *k,
                     const char *action, const struct lv_kv *ctx,
                     size_t n_ctx, const struct lv_policy_ctx_value *extra,
                     size_t n_extra, struct lv_err *err);

/*
 * Key state for use in a cryptographic operation: Enabled passes;
 * Disabled → DisabledException "ARN is disabled."; PendingDeletion →
 * KMSInvalidStateException "ARN is pending deletion."; any other state →
 * KMSInvalidStateException "ARN is STATE.".
 */
int lv_kms_check_enabled(const struct lv_kms_key *k, struct lv_err *err);

/*
 * Key usage: k must have usage `usage` ("ENCRYPT_DECRYPT", "SIGN_VERIFY",
 * "GENERATE_VERIFY_MAC"); else InvalidKeyUsageException naming the key,
 * its usage and the operation (`op`, e.g. "Encrypt").
 */
int lv_kms_check_usage(const struct lv_kms_key *k, const char *usage,
                       const char *op, struct lv_err *err);

/*
 * The plaintext material of version `version` of k: unsealed under the
 * root key into a fresh buffer. The caller releases it with
 * lv_secret_free(*mat, *len). -1 with KMSInternalException-class
 * ServiceUnavailable when it cannot be read.
 */
int lv_kms_material(struct lv_req *rq, const struct lv_kms_key *k,
                    uint32_t version, uint8_t **mat, size_t *len,
                    struct lv_err *err);

/* Seals `len` bytes of material for (k->arn, version) into *sealed. */
int lv_kms_seal(struct lv_req *rq, const struct lv_kms_key *k,
                uint32_t version, const void *mat, size_t len,
                struct lv_buf *sealed, struct lv_err *err);

/*
 * Reads the EncryptionContext member (a JSON object of strings, or absent)
 * into pairs pointing into `in`; *n set. Returns -1 with ValidationException
 * when it has too many pairs.
 */
int lv_kms_context(const struct json_t *in, const char *member,
                   struct lv_kv *pairs, size_t cap, size_t *n,
                   struct lv_err *err);

/* Writes the KeyMetadata object of k (the value, not the key) with w. */
void lv_kms_write_metadata(struct lv_jw *w, const struct lv_kms_key *k);

/* The key ARN for an id in rq's scope, into out (256 bytes). */
void lv_kms_key_arn(const struct lv_req *rq, const char *id, char out[256]);

/* The encryption algorithms, signing algorithms and MAC algorithms a key
 * spec offers, as JSON arrays written with w (NULL-terminated lists). */
const char *const *lv_kms_encryption_algorithms(const char *key_spec);
const char *const *lv_kms_signing_algorithms(const char *key_spec);
const char *const *lv_kms_mac_algorithms(const char *key_spec);

/*
 * Rotates k to a new material version now (admin.c): new material of k's
 * spec, sealed and stored as version current_version + 1 with rotation
 * type `type` ("AUTOMATIC" or "ON_DEMAND"), and k->current_version,
 * next_rotation_date (when automatic rotation is on) updated in the store
 * and in *k. Earlier versions stay, so old ciphertexts still decrypt.
 */
int lv_kms_rotate_key(struct lv_req *rq, struct lv_kms_key *k,
                      const char *type, struct lv_err *err);

/*
 * New material for a key of spec `spec` (keys.c): 32 random bytes for
 * SYMMETRIC_DEFAULT, 32/48/64 for HMAC_256/384/512, a DER (PKCS#8) private
 * key for RSA_* and ECC_NIST_*. The caller releases it with
 * lv_secret_free(*mat, *len). -1 with UnsupportedOperationException for a
 * spec logvault does not make.
 */
int lv_kms_new_material(const char *spec, uint8_t **mat, size_t *len,
                        struct lv_err *err);

/* Drops the cached parsed policy of key_id (after PutKeyPolicy). */
void lv_kms_policy_cache_drop(const char *key_id);

#endif
