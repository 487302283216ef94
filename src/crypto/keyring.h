/*
 * keyring: the owner of the root key and of every key derived from it.
 * Services ask it for what they need by name — a derived key, a seal, an
 * unseal, the check value — and never see the root key's bytes.
 *
 * Named derivations (the names are the contract; each is byte-identical
 * to what logvault has always derived, so existing data dirs, sealed
 * material and tokens stay valid):
 *
 *   "cloudtrail-next-token"  HMAC-SHA256(root, "logvault cloudtrail next
 *                       token v1"): authenticates LookupEvents' paging
 *                       tokens (cloudtrail/lookup_events.c)
 *   "grant-token"       HMAC-SHA256(root, "logvault grant token v1"):
 *                       authenticates KMS grant tokens (kms/grants.c)
 *   "logs-next-token"   HMAC-SHA256(root, "logvault logs next token v1"):
 *                       authenticates Logs paging tokens (logs/groups.c)
 *   "logs-service-key"  HKDF-SHA256(root, info = "logvault logs service
 *                       key v1" | context): wraps the data keys of groups
 *                       without a KMS key; context is account | region
 *                       (logs/datakey.c)
 *   "audit-digest"      HMAC-SHA256(root, "logvault audit digest v1"):
 *                       signs the audit trail's digests (audit/chain.c)
 *   "kms-import-token"  HMAC-SHA256(root, "logvault kms import token v1"):
 *                       the AES-256-GCM key of KMS import tokens
 *                       (kms/import.c)
 *   "kms-import-fingerprint"  HMAC-SHA256(root, "logvault kms import
 *                       fingerprint v1"): fingerprints imported key
 *                       material (kms/import.c)
 *   "logs-field-index"  HKDF-SHA256(root, info = "logvault logs field index
 *                       v1" | context): hashes the values of field
 *                       indexes; context is the group id (logs/fidx.c)
 *
 * Sealing of KMS key material is the crypto/seal format (crypto.h) under
 * the root key itself. Not here: loading the root key file (crypto.h,
 * rootkey), what the derived keys protect.
 *
 * A keyring is immutable once made, so every function is thread-safe.
 */
#ifndef LV_CRYPTO_KEYRING_H
#define LV_CRYPTO_KEYRING_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;
struct lv_keyring;

/* A keyring holding a copy of the 32-byte `root` (the caller wipes its
 * own copy). Free with lv_keyring_free, which wipes it. */
struct lv_keyring *lv_keyring_new(const uint8_t root[32]);

/* Wipes and frees kr; NULL is a no-op. */
void lv_keyring_free(struct lv_keyring *kr);

/*
 * The 32-byte key named `name` (one of the names above) into out, for
 * `context` (ctx_len bytes; NULL with 0 where the derivation takes none).
 * The caller wipes out. A name not in the table is a bug (LV_BUG).
 */
void lv_keyring_derive(const struct lv_keyring *kr, const char *name,
                       const void *context, size_t ctx_len, uint8_t out[32]);

/* lv_seal under the root key: appends the sealed material to *out.
 * 0, or -1 (out unchanged). */
int lv_keyring_seal(const struct lv_keyring *kr, const char *aad_key_arn,
                    uint32_t version, const void *material, size_t len,
                    struct lv_buf *out);

/* lv_unseal_alloc under the root key (crypto.h): on success *out holds
 * *out_len bytes, released with lv_secret_free. -1 with *err otherwise. */
int lv_keyring_unseal_alloc(const struct lv_keyring *kr,
                            const char *aad_key_arn, uint32_t version,
                            const void *sealed, size_t sealed_len,
                            uint8_t **out, size_t *out_len,
                            struct lv_err *err);

/* The root key's check value (lv_rootkey_check_value) into out. */
void lv_keyring_check_value(const struct lv_keyring *kr, uint8_t out[32]);

/* lv_rootkey_verify_check for the root key: 0 when `stored` is its check
 * value, else -1 with *err. */
int lv_keyring_verify_check(const struct lv_keyring *kr,
                            const uint8_t *stored, size_t len,
                            struct lv_err *err);

#endif
