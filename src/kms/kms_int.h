/*
 * kms_int: what the KMS handlers share — finding a key from any of the
 * forms a KeyId takes, the authorization every operation passes through
 * (key policy, then grants), key-state rules, material access, and the
 * KeyMetadata writer. Not for other modules: the Logs service reaches KMS
 * through the internal interface in kms.h.
 *
 * Where: cache.c finds keys, aliases and material (through the caches);
 * authz.c authorizes (key policy, grants) and checks key state and usage;
 * meta.c reads the encryption context and writes KeyMetadata; keys.c,
 * admin.c and material.c change keys and make material.
 */
#ifndef LV_KMS_KMS_INT_H
#define LV_KMS_KMS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "store/kms_store.h"
#include "svc/req.h"

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
 * On success rq->key_arn names the key (for its audit record).
 */
int lv_kms_resolve(struct lv_req *rq, const char *ref, unsigned flags,
                   struct lv_kms_key *out, struct lv_err *err);

/*
 * The key `id` (any account and region: the caller checks the scope) as
 * lv_store_kms_key_get() reads it — 1 found (*out, init'd by the caller,
 * replaced), 0 absent, -1 on a store fault — through the cache of key
 * records (cache.c), which every KMS write of this process invalidates.
 * lv_kms_resolve() and lv_kms_material() use the same cache.
 */
int lv_kms_key_get(struct lv_req *rq, const char *id, struct lv_kms_key *out,
                   struct lv_err *err);

/* ---- the service object ------------------------------------------------- */

struct lv_keyring;
struct lv_kms_cache;
struct lv_kms_policies;
struct lv_kms_sweeper;

/* What lv_kms_new() makes (kms.h); handlers reach it as rq->app->kms. */
struct lv_kms {
    struct lv_store *store;
    const struct lv_keyring *keyring;   /* seals material (borrowed) */
    struct lv_kms_cache *cache;         /* keys, aliases, material */
    struct lv_kms_policies *policies;   /* parsed key policies */
    struct lv_kms_sweeper *sweeper;     /* NULL until lv_kms_start */
    struct lv_kms_cks_rt *cks;          /* custom key stores' sessions and
                                         * PINs (cks.c); NULL until
                                         * lv_kms_set_pkcs11 */
};

/* Logs out of every session, wipes the PINs, unloads the module; NULL is
 * a no-op. */
void lv_kms_cks_rt_free(struct lv_kms_cks_rt *rt);

/*
 * Keys of a custom key store (cks.c): AES-256 keys on the store's PKCS#11
 * token, labelled with the key's id, material never out of the token.
 *
 * lv_kms_cks_create_key: the store named by in's CustomKeyStoreId must be
 * of rq's scope (CustomKeyStoreNotFoundException) and CONNECTED here
 * (CustomKeyStoreInvalidStateException); then generates the token key
 * key_label and fills cluster with the store's CloudHsmClusterId.
 * lv_kms_cks_cluster: the CloudHsmClusterId of k's store ("" and -1 when
 * it cannot be read) and whether the store is connected here (*usable).
 * lv_kms_cks_usable: 0 for a key of no custom key store or of a connected
 * one; else KMSInvalidStateException (the key is unavailable).
 * lv_kms_cks_seal / lv_kms_cks_open: lv_blob_encrypt / lv_blob_decrypt for
 * a key k of a custom key store, on its token (same blob layout, same
 * errors, plus the unavailable key's). Plaintext out is secret.
 * lv_kms_cks_random: GenerateRandom with in's CustomKeyStoreId — n bytes
 * from the store's token into out, with lv_kms_cks_create_key's errors.
 * lv_kms_cks_destroy_key: destroys k's token key — 1 done, 0 when the
 * store is not connected here or the token has no such key, -1 with *err.
 */
int lv_kms_cks_create_key(struct lv_req *rq, const struct json_t *in,
                          const char *key_label, char cluster[64],
                          struct lv_err *err);
int lv_kms_cks_cluster(struct lv_req *rq, const struct lv_kms_key *k,
                       char cluster[64], int *usable);
int lv_kms_cks_usable(struct lv_req *rq, const struct lv_kms_key *k,
                      struct lv_err *err);
int lv_kms_cks_seal(struct lv_req *rq, const struct lv_kms_key *k,
                    const struct lv_kv *ctx, size_t n_ctx, const void *pt,
                    size_t pt_len, struct lv_buf *blob, struct lv_err *err);
int lv_kms_cks_open(struct lv_req *rq, const struct lv_kms_key *k,
                    const void *blob, size_t len, const struct lv_kv *ctx,
                    size_t n_ctx, struct lv_buf *pt, struct lv_err *err);
int lv_kms_cks_random(struct lv_req *rq, const struct json_t *in,
                      void *out, size_t n, struct lv_err *err);
int lv_kms_cks_destroy_key(struct lv_req *rq, const struct lv_kms_key *k,
                           struct lv_err *err);

/* The cache of keys, aliases and material (cache.c): new, and free (which
 * wipes the material); NULL is a no-op for free. */
struct lv_kms_cache *lv_kms_cache_new(void);
void lv_kms_cache_free(struct lv_kms_cache *c);

/* Empties c, wiping the material. */
void lv_kms_cache_clear(struct lv_kms_cache *c);

/* The cache of parsed key policies (authz.c); free of NULL is a no-op. */
struct lv_kms_policies *lv_kms_policies_new(void);
void lv_kms_policies_free(struct lv_kms_policies *c);

/*
 * Authorizes kms:<action> ("Encrypt") on key k for rq's principal with the
 * encryption context ctx (n_ctx pairs, may be 0) as AWS does for KMS: an
 * explicit Deny in the key policy wins; else the key policy must allow,
 * naming the principal or its account (which delegates to the identity's
 * own policy — none is configured here, so the identity may act in its own
 * account); else a grant for the principal that lists the operation and
 * whose constraints the context satisfies (the rules of grants are at
 * lv_kms_authorize_how, below). The key policy sees every condition key
 * AWS fills for the action (kms/condkeys.c: the principal, rq's origin,
 * clock and input, the key, its tags and aliases, the encryption context
 * as kms:EncryptionContext:KEY of any length); `extra` (may be NULL) adds
 * keys only the caller knows (kms:GrantOperations …) and wins over the
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
 * A grant as a CreateGrant request would make it: its operations and its
 * constraints as stored with a grant (canonical JSON such as
 * {"EncryptionContextSubset":{"a":"b"}}; NULL or "" for none).
 */
struct lv_kms_grant_shape {
    const char *const *ops;
    size_t n_ops;
    const char *constraints;
};

/* Where a permission came from. */
enum lv_kms_authz_source {
    LV_KMS_AUTHZ_NONE = 0,
    LV_KMS_AUTHZ_POLICY,        /* the key policy, on its own */
    LV_KMS_AUTHZ_GRANT,         /* the grant in `grant` */
};

/*
 * What lv_kms_authorize_how needs to know about the request beyond its
 * action, and what it answers besides yes or no. lv_kms_authz_init()
 * before use, lv_kms_authz_release() after.
 */
struct lv_kms_authz {
    /* in: NULL where it does not apply */
    const struct lv_kms_grant_shape *child;     /* CreateGrant: the grant
                                                 * it would create */
    const struct lv_kms_grant *target;          /* RetireGrant: the grant
                                                 * it would retire */
    /* out, on success */
    enum lv_kms_authz_source source;
    struct lv_kms_grant grant;  /* LV_KMS_AUTHZ_GRANT: a copy of the grant
                                 * that allowed the request */
};

void lv_kms_authz_init(struct lv_kms_authz *a);
void lv_kms_authz_release(struct lv_kms_authz *a);

/*
 * lv_kms_authorize, saying how the request was allowed (how may be NULL,
 * which is lv_kms_authorize). Grants authorize only grant operations
 * (API_CreateGrant's Operations), and each grant only within its own
 * terms (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html
 * and create-grant-overview.html#grant-creategrant):
 *   - a cryptographic operation: the grant lists it and the request's
 *     encryption context satisfies the grant's constraint;
 *   - DescribeKey: the grant lists it; the constraint does not apply;
 *   - CreateGrant: the grant lists it and covers how->child, the grant
 *     to be created (lv_kms_grant_covers); without how->child no grant
 *     allows CreateGrant. One grant must cover the whole child: grants
 *     are not combined, since a child grant has one parent whose terms
 *     it narrows (two parents with different constraints would give the
 *     child permissions neither had);
 *   - RetireGrant: only how->target itself — its retiring principal, its
 *     grantee when it lists RetireGrant, or an identity of the account
 *     that issued it; another grant listing RetireGrant does not let its
 *     grantee retire other grants, and a key policy's Allow of
 *     kms:RetireGrant is not effective (grant-manage.html, "Retiring and
 *     revoking grants"); an explicit Deny in the key policy still wins.
 * A key policy that allows CreateGrant on its own allows any grant (its
 * conditions, such as kms:GrantOperations, narrow it), as on AWS.
 */
int lv_kms_authorize_how(struct lv_req *rq, const struct lv_kms_key *k,
                         const char *action, const struct lv_kv *ctx,
                         size_t n_ctx,
                         const struct lv_policy_ctx_value *extra,
                         size_t n_extra, struct lv_kms_authz *how,
                         struct lv_err *err);

/*
 * lv_kms_authorize_how, explained: decides the same request the same way
 * and returns, as a new JSON object (json_decref() it), the trace of the
 * decision — "request" (principal, action, key, encryption context),
 * "keyPolicy" (lv_policy_trace's account of each statement), "grants"
 * (each grant of the key considered for a grant operation: its grantee,
 * operations and constraint, and whether each matched), "decision"
 * ("ALLOW" / "DENY"), "decidedBy" and "reason", and on a refusal
 * "errorCode" / "errorMessage" as the caller was answered. NULL on a
 * store fault (logged by the store). Not on the request path: a refusal
 * there (lv_kms_authorize_how) calls it to keep the trace in rq->trace.
 */
struct json_t;
struct json_t *lv_kms_authorize_trace(struct lv_req *rq,
                                      const struct lv_kms_key *k,
                                      const char *action,
                                      const struct lv_kv *ctx, size_t n_ctx,
                                      const struct lv_policy_ctx_value *extra,
                                      size_t n_extra,
                                      struct lv_kms_authz *how);

/*
 * Is grant constraint `child` at least as strict as `parent` (both as
 * stored: canonical JSON, or NULL/"" for none)? 1 when every encryption
 * context that satisfies child also satisfies parent: no constraint is
 * EncryptionContextSubset {}; Subset P is covered by Subset or Equals of
 * a map holding every pair of P; Equals P only by Equals P itself. 0
 * otherwise, and for text that is not a constraint.
 */
int lv_kms_constraint_covers(const char *parent, const char *child);

/*
 * Does a grant with operations parent_ops (a JSON array, as stored) and
 * constraints parent_constraints let its grantee create `child`? Every
 * operation of child is among parent_ops, and child's constraint is at
 * least as strict (lv_kms_constraint_covers). 1 or 0.
 */
int lv_kms_grant_covers(const char *parent_ops,
                        const char *parent_constraints,
                        const struct lv_kms_grant_shape *child);

/*
 * Key state for use in a cryptographic operation: Enabled passes;
 * Disabled → DisabledException "ARN is disabled."; PendingDeletion →
 * KMSInvalidStateException "ARN is pending deletion."; any other state →
 * KMSInvalidStateException "ARN is STATE.".
 */
int lv_kms_check_enabled(const struct lv_kms_key *k, struct lv_err *err);

/*
 * Key usage: k must have usage `usage` ("ENCRYPT_DECRYPT", "SIGN_VERIFY",
 * "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"); else InvalidKeyUsageException
 * naming the key, its usage and the operation (`op`, e.g. "Encrypt").
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

/*
 * The records of a multi-Region key (multiregion.c): the region of its
 * primary, and each region's record that is not deleted (the primary's
 * among them), in region order.
 */
#define LV_KMS_MR_MAX 32
struct lv_kms_mr {
    char primary_region[64];
    size_t n;
    struct {
        char arn[256];
        char region[64];
    } rec[LV_KMS_MR_MAX];
};

/* Fills *mr for k (n 0 for a single-Region key). 0, or -1 with *err on a
 * store fault. */
int lv_kms_mr_load(struct lv_req *rq, const struct lv_kms_key *k,
                   struct lv_kms_mr *mr, struct lv_err *err);

/*
 * A rotation of the multi-Region primary cur (version m, material mat)
 * reaches its replicas: each record that is not deleted gets the same
 * version sealed for its own ARN (lv_store_kms_key_rotate guarded by its
 * row_version), in the caller's transaction. 1, 0 when a replica changed
 * since it was read (the caller starts over), -1 with *err.
 */
struct lv_kms_material;
int lv_kms_mr_rotate(struct lv_req *rq, const struct lv_kms_key *cur,
                     const struct lv_kms_material *m, const uint8_t *mat,
                     size_t mat_len, struct lv_err *err);

/*
 * The live replicas of k, when k is a multi-Region primary: their count
 * (0 for any other key), or -1 with *err on a store fault.
 */
int lv_kms_mr_replicas(struct lv_req *rq, const struct lv_kms_key *k,
                       struct lv_err *err);

/*
 * After the replica k of a multi-Region key was deleted (the sweeper, in
 * the deletion's transaction): a primary waiting in PendingReplicaDeletion
 * for its last replica becomes PendingDeletion, its waiting period
 * starting now. 1 done (or nothing to do), 0 the primary changed since
 * it was read (the caller starts over), -1 with *err.
 */
int lv_kms_mr_replica_deleted(struct lv_req *rq, const struct lv_kms_key *k,
                              struct lv_err *err);

/* The primary record of the multi-Region key k (any record): 1 found
 * (*out, init'd by the caller, replaced), 0 none left (deleted), -1 with
 * *err on a store fault. */
int lv_kms_mr_primary(struct lv_req *rq, const struct lv_kms_key *k,
                      struct lv_kms_key *out, struct lv_err *err);

/* Writes the MultiRegion member of KeyMetadata and, for a multi-Region
 * key with mr given, MultiRegionConfiguration (MultiRegionKeyType,
 * PrimaryKey, ReplicaKeys). */
void lv_kms_mr_write(struct lv_jw *w, const struct lv_kms_key *k,
                     const struct lv_kms_mr *mr);

/* Writes the KeyMetadata object of k (the value, not the key) with w;
 * mr (lv_kms_mr_load; NULL: no MultiRegionConfiguration) for a
 * multi-Region key. */
void lv_kms_write_metadata(struct lv_jw *w, const struct lv_kms_key *k,
                           const struct lv_kms_mr *mr);
/* The same for a key of a custom key store: CustomKeyStoreId, and
 * CloudHsmClusterId `cluster` (NULL or "": left out); with usable 0 (the
 * store is not connected) an Enabled or Disabled key shows KeyState
 * Unavailable, as AWS shows it. */
void lv_kms_write_metadata_cks(struct lv_jw *w, const struct lv_kms_key *k,
                               const struct lv_kms_mr *mr,
                               const char *cluster, int usable);

/* The key ARN for an id (a KeyId, or a stored id "mrk-…@REGION") in
 * rq's scope, into out (256 bytes). */
void lv_kms_key_arn(const struct lv_req *rq, const char *id, char out[256]);

/*
 * Multi-Region keys (keys.c's ReplicateKey / UpdatePrimaryRegion; the
 * stored ids of kms_store.h, LV_KMS_ID_MAX). lv_kms_key_id: k's KeyId as
 * clients see it (the end of its ARN; a pointer into k). lv_kms_public_id:
 * the KeyId of a stored id. lv_kms_mr_stored_id: the stored id of the
 * multi-Region key `key_id`'s record in `region`. lv_kms_key_raw: the 16
 * bytes a ciphertext blob carries for k (a UUID's, or the 32 hex digits
 * of "mrk-…"), 0 or -1. lv_kms_raw_ids: the two keys a blob's 16 bytes
 * can name — a single-Region key's UUID, and the multi-Region key's
 * record in `region`.
 */
const char *lv_kms_key_id(const struct lv_kms_key *k);
void lv_kms_public_id(const char *stored, char out[LV_KMS_ID_MAX]);
void lv_kms_mr_stored_id(const char *key_id, const char *region,
                         char out[LV_KMS_ID_MAX]);
int lv_kms_key_raw(const struct lv_kms_key *k, uint8_t raw[16]);
void lv_kms_raw_ids(const uint8_t raw[16], const char *region,
                    char uuid[37], char mrk[LV_KMS_ID_MAX]);

/* The encryption, signing, key agreement and MAC algorithms a key spec
 * offers (NULL-terminated lists, NULL for none); a key offers those of
 * its KeyUsage only. */
const char *const *lv_kms_encryption_algorithms(const char *key_spec);
const char *const *lv_kms_signing_algorithms(const char *key_spec);
const char *const *lv_kms_key_agreement_algorithms(const char *key_spec);
const char *const *lv_kms_mac_algorithms(const char *key_spec);

/*
 * One change of a key, made the one way every change is made (DESIGN.md,
 * "Storage"; kms_store.h): in a transaction, the key k->id is read from the
 * store as it is now (never from the cache) into *cur, and fn decides on
 * that record — the key-state rules, limits — and makes its change with one
 * of the kms_store.h changes guarded by cur->row_version. fn returns 1 when
 * done (changed, or nothing to change), 0 when its guard failed (another
 * writer changed the key since the read), -1 with *err when it refuses or
 * the store fails. On 0 the transaction is rolled back and the change
 * starts over from a fresh read, a bounded number of times (then
 * ServiceUnavailableException, which clients retry). A key that is absent
 * or deleted answers NotFoundException "Key 'k->arn' does not exist".
 * Returns 0 once the change is committed (*cur: the record fn decided on,
 * as it was before the change), else -1 with *err.
 */
typedef int (*lv_kms_change_fn)(struct lv_req *rq, struct lv_kms_key *cur,
                                void *arg, struct lv_err *err);
int lv_kms_key_change(struct lv_req *rq, const struct lv_kms_key *k,
                      lv_kms_change_fn fn, void *arg, struct lv_kms_key *cur,
                      struct lv_err *err);

/*
 * Rotates cur to a new material version (admin.c), as a step of an
 * lv_kms_key_change fn: new material of cur's spec, sealed and stored as
 * version cur->current_version + 1 with rotation type `type` ("AUTOMATIC"
 * or "ON_DEMAND"), guarded by cur->row_version (lv_store_kms_key_rotate).
 * Returns 1, 0 (guard failed) or -1 as that fn does. Earlier versions
 * stay, so old ciphertexts still decrypt. With the audit trail kept
 * (rq->app->audit), the rotation's RotateKey record (an AwsServiceEvent,
 * audit/audit.h) is appended in the same transaction; -1 when it cannot
 * be (the caller rolls back).
 */
int lv_kms_rotate_key(struct lv_req *rq, const struct lv_kms_key *cur,
                      const char *type, struct lv_err *err);

/* The KeyMaterialId of version `version` of the key arn (ListKeyRotations,
 * and the RotateKey record's serviceEventDetails): 64 hex digits, a
 * SHA-256 of the ARN (of a multi-Region key: of its KeyId, the same in
 * every region) and the version, revealing nothing of the material
 * (admin.c). */
void lv_kms_material_id(const char *arn, uint32_t version, char out[65]);

/*
 * New material for a key of spec `spec` (keys.c): 32 random bytes for
 * SYMMETRIC_DEFAULT, 32/48/64 for HMAC_256/384/512, a DER (PKCS#8) private
 * key for RSA_*, ECC_NIST_* and ECC_SECG_P256K1. The caller releases it with
 * lv_secret_free(*mat, *len). -1 with UnsupportedOperationException for a
 * spec logvault does not make.
 */
int lv_kms_new_material(const char *spec, uint8_t **mat, size_t *len,
                        struct lv_err *err);

/* The request's time as KMS dates carry it (CreationDate, DeletionDate,
 * RotationDate …): epoch seconds with the milliseconds AWS sends, e.g.
 * 1.700000000123E9. */
static inline double lv_kms_now(const struct lv_req *rq)
{
    return (double)rq->now_ms / 1000.0;
}

/* Drops kms's cached parsed policy of key_id (after PutKeyPolicy). */
void lv_kms_policy_cache_drop(struct lv_kms *kms, const char *key_id);

#endif
