/*
 * crypto: the cryptographic building blocks of logvault, on OpenSSL
 * libcrypto 3 (EVP) only.
 *
 *   aead     AES-256-GCM with a 96-bit nonce, a 128-bit tag and AAD
 *   rand     random bytes (RAND_bytes), UUID v4 strings, KMS key ids
 *   rootkey  the 32-byte root key that seals all KMS key material, and the
 *            check value that tells a data dir opened with another key
 *   seal     KMS key material sealed under the root key for storage
 *   keyring  (keyring.h) the owner of the root key: services ask it for
 *            named derivations and seals, never for the key's bytes
 *   blob     the KMS ciphertext blob: names the key and material version so
 *            that Decrypt needs no KeyId; the encryption context is
 *            authenticated as AAD and never stored
 *
 * What it deliberately does not do: key policy, key state, grants, caching
 * of data keys (kms/ and logs/ do that); asymmetric and HMAC keys (kms/);
 * base64 (the KMS handlers encode blobs on the wire); logging (nothing here
 * ever logs — callers log what failed, never the bytes).
 *
 * Every function is thread-safe. Plaintext that passes through here is
 * wiped on every failure path; plaintext handed back is the caller's to
 * wipe (lv_secret_wipe / lv_secret_free / lv_crypto_buf_release).
 */
#ifndef LV_CRYPTO_CRYPTO_H
#define LV_CRYPTO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;

#define LV_AEAD_KEY_BYTES 32
#define LV_AEAD_NONCE_BYTES 12
#define LV_AEAD_TAG_BYTES 16

/* ---- aead: AES-256-GCM ------------------------------------------------ */

/*
 * Encrypts pt_len bytes of `pt` under `key` and `nonce`, authenticating
 * `aad` as well: writes pt_len bytes of ciphertext to `ct` and the tag to
 * `tag`. `ct` may be `pt` (in place) but must not otherwise overlap it;
 * `aad`/`pt` may be NULL when their length is 0. A nonce must never repeat
 * under one key: callers draw it with lv_rand_bytes(). Uses one
 * EVP_CIPHER_CTX per thread, allocated on first use, so the hot path does
 * not allocate. Returns 0, or -1 on an internal OpenSSL failure (ct and
 * tag are wiped then).
 */
int lv_aead_seal(const uint8_t key[32], const uint8_t nonce[12],
                 const void *aad, size_t aad_len, const void *pt,
                 size_t pt_len, uint8_t *ct, uint8_t tag[16]);

/*
 * Decrypts ct_len bytes of `ct` into `pt` (ct_len bytes; may be `ct`) and
 * checks `tag` against `key`, `nonce` and `aad`. Returns 0, or -1 when the
 * tag does not match (wrong key, nonce, AAD, tag or any tampered byte) or
 * OpenSSL fails; then all ct_len bytes of `pt` are wiped, so no
 * unauthenticated plaintext is ever left behind.
 */
int lv_aead_open(const uint8_t key[32], const uint8_t nonce[12],
                 const void *aad, size_t aad_len, const void *ct,
                 size_t ct_len, uint8_t *pt, const uint8_t tag[16]);

/* ---- rand --------------------------------------------------------------- */

/* A source of random bytes; must fill all n bytes or abort. */
typedef void lv_rand_fn(void *p, size_t n);

/*
 * Fills n bytes with cryptographically strong random bytes (RAND_bytes, or
 * the source set by lv_rand_set_source). Aborts if the system cannot
 * provide them: that is a broken system, not an error to handle.
 */
void lv_rand_bytes(void *p, size_t n);

/*
 * Replaces the random source, for tests that need reproducible nonces and
 * ids; NULL restores RAND_bytes. Every nonce, key id and root key drawn
 * afterwards comes from `fn`, so production code never calls this. Call it
 * while no other thread draws random bytes.
 */
void lv_rand_set_source(lv_rand_fn *fn);

/*
 * Random bytes that are not secrets: ids and AEAD nonces, which anyone
 * may see once used. They come from a per-thread pool drawn with
 * lv_rand_bytes 4 KB at a time (a call of RAND_bytes costs microseconds,
 * whatever its length), so the bytes of later calls sit in memory until
 * they are handed out: never use it for keys or anything else secret.
 * A new source (lv_rand_set_source) is used from the next call on. Not
 * for a process that forks and draws in both halves (logvault does not
 * fork).
 */
void lv_rand_public(void *p, size_t n);

/* Writes a fresh random UUID v4, lower case, NUL-terminated (36 + 1),
 * from lv_rand_public. */
void lv_uuid4(char out[37]);

/* ---- KMS key ids: UUIDs as 16 raw bytes -------------------------------- */

/*
 * Parses "1234abcd-12ab-34cd-56ef-1234567890ab" (8-4-4-4-12 hex digits,
 * either case, nothing before or after) into 16 bytes. The version and
 * variant bits are not checked, so ids AWS documents as examples parse.
 * Returns 0, or -1 (out untouched) for anything else.
 */
int lv_keyid_parse(const char *s, uint8_t out[16]);

/*
 * 1 when the n characters at s are a UUID exactly as lv_keyid_format
 * writes one (36 of them, lower-case hex digits, dashes at 8, 13, 18,
 * 23), its 16 bytes then in out; else 0, out overwritten. No branch per
 * digit: the audit writer asks it of two ids a record.
 */
int lv_keyid_parse_lower(const char *s, size_t n, uint8_t out[16]);

/* Formats 16 bytes as a lower-case UUID string, NUL-terminated. */
void lv_keyid_format(const uint8_t id[16], char out[37]);

/* Draws a new random key id (UUID v4: version and variant bits set). */
void lv_keyid_new(uint8_t out[16]);

/* ---- rootkey ------------------------------------------------------------ */

#define LV_ROOTKEY_FILE "root.key"
#define LV_ROOTKEY_CHECK_BYTES 32

/*
 * Loads the 32-byte root key into `key`.
 *
 * root_key_file == NULL: the key lives in DATA_DIR/root.key. If that file
 * does not exist it is created: 32 random bytes, mode 0600, published
 * atomically (written and fsynced under a temporary name, then hard-linked
 * into place, which fails rather than replace a file another process
 * created meanwhile; the directory is fsynced). `data_dir` must exist.
 *
 * root_key_file != NULL: the operator's file; it must exist and is never
 * created.
 *
 * Either way the file must be a regular file of exactly 32 bytes whose mode
 * gives no access to group or others. Returns 0, or -1 with
 * LV_E_INTERNAL_FAILURE and a message naming the file and the fix (key is
 * left wiped). Meant for startup: the caller prints err->msg and exits.
 */
int lv_rootkey_load(const char *data_dir, const char *root_key_file,
                    uint8_t key[32], struct lv_err *err);

/*
 * The check value of a root key: HMAC-SHA256(key, "logvault root key check
 * v1"). Stored in the store's meta table on first start; not secret, and
 * reveals nothing about the key.
 */
void lv_rootkey_check_value(const uint8_t key[32], uint8_t out[32]);

/*
 * Compares (in constant time) the check value of `key` with the `len`
 * bytes `stored`. Returns 0 when they match, else -1 with
 * LV_E_INTERNAL_FAILURE and "root key does not match this store (it was
 * created with another root key); refusing to start and changing nothing"
 * (or a message saying the stored value is corrupt when len is not 32).
 */
int lv_rootkey_verify_check(const uint8_t key[32], const uint8_t *stored,
                            size_t len, struct lv_err *err);

/* ---- seal: key material under the root key ----------------------------- */

/*
 * A sealed string is self-describing:
 *
 *   offset  size  field
 *   0       1     format, 0x01
 *   1       12    nonce (random)
 *   13      16    GCM tag
 *   29      n     ciphertext of the n-byte material
 *
 * AAD = "logvault-seal-v1" NUL key-ARN NUL version (uint32 big-endian), so
 * material sealed for one key or version cannot be passed off as another's.
 */
#define LV_SEAL_FORMAT_V1 0x01
#define LV_SEAL_OVERHEAD (1 + 12 + 16)

/*
 * Seals `len` bytes of `material` for key `aad_key_arn`, material version
 * `version`, under `root`, and appends the sealed string to *out. Returns
 * 0, or -1 (out unchanged) when out's ceiling would be passed or OpenSSL
 * fails.
 */
int lv_seal(const uint8_t root[32], const char *aad_key_arn,
            uint32_t version, const void *material, size_t len,
            struct lv_buf *out);

/*
 * Opens `sealed` (as made by lv_seal for the same ARN and version) into
 * the caller's `out` of `out_cap` bytes; sets *out_len. The material is
 * sealed_len - LV_SEAL_OVERHEAD bytes. Returns 0, or -1 with
 * LV_E_SERVICE_UNAVAILABLE when the string is malformed, any byte was
 * changed, the ARN, version or root key differ, or out_cap is too small;
 * on failure nothing is left in `out`. The caller wipes `out` after use.
 */
int lv_unseal(const uint8_t root[32], const char *aad_key_arn,
              uint32_t version, const void *sealed, size_t sealed_len,
              void *out, size_t out_cap, size_t *out_len,
              struct lv_err *err);

/*
 * Like lv_unseal, into a fresh buffer: on success *out holds *out_len
 * bytes of material, and the caller releases it with
 * lv_secret_free(*out, *out_len). On failure *out and *out_len are not
 * written.
 */
int lv_unseal_alloc(const uint8_t root[32], const char *aad_key_arn,
                    uint32_t version, const void *sealed, size_t sealed_len,
                    uint8_t **out, size_t *out_len, struct lv_err *err);

/* ---- blob: KMS ciphertext blobs ---------------------------------------- */

/*
 * A key=value pair of an encryption context. A context is an array of
 * them; key and value are NUL-terminated UTF-8 strings, never NULL.
 * Duplicate keys cannot come from a JSON object (jansson keeps one value
 * per key); were they given, they would be serialised in sorted order like
 * the others.
 */
struct lv_kv {
    const char *key;
    const char *value;
};

/*
 * The blob format, stable across restarts and versions (binary; the KMS
 * API base64s it):
 *
 *   offset  size  field
 *   0       2     magic "LV" (0x4c 0x56)
 *   2       1     format version, 0x01
 *   3       1     algorithm, 0x01 = SYMMETRIC_DEFAULT (AES-256-GCM)
 *   4       16    key id (the UUID of the KMS key, raw bytes)
 *   20      4     material version, uint32 big-endian
 *   24      12    nonce (random)
 *   36      n     ciphertext of the n-byte plaintext
 *   36+n    16    GCM tag
 *
 * The key is the material of that version, used directly as the AES-256
 * key (as AWS's HSMs do). AAD = the 36 header bytes followed by the
 * canonical encryption context:
 *
 *   uint32 BE count, then for each pair sorted by key (bytewise, ties by
 *   value): uint32 BE key length, key bytes, uint32 BE value length, value
 *   bytes.
 *
 * So the context is authenticated but not stored; the empty context is
 * count 0. Pair order in the request does not matter.
 */
#define LV_BLOB_MAGIC0 0x4c
#define LV_BLOB_MAGIC1 0x56
#define LV_BLOB_FORMAT_V1 0x01
#define LV_BLOB_ALG_AES256_GCM 0x01
#define LV_BLOB_HEADER_BYTES 36
#define LV_BLOB_OVERHEAD (LV_BLOB_HEADER_BYTES + 16)

/*
 * Encrypts `pt` under `data_key` (the material of version `version` of key
 * `key_id`) with the context `ctx` (n_ctx pairs; ctx may be NULL when
 * n_ctx is 0) and appends the blob, pt_len + LV_BLOB_OVERHEAD bytes, to
 * *out. Returns 0, or -1 (out unchanged) when out's ceiling would be
 * passed or OpenSSL fails.
 */
int lv_blob_encrypt(const uint8_t data_key[32], const uint8_t key_id[16],
                    uint32_t version, const struct lv_kv *ctx, size_t n_ctx,
                    const void *pt, size_t pt_len, struct lv_buf *out);

/*
 * Reads the key id and material version of a blob without decrypting, so
 * Decrypt can find the key. Returns 0, or -1 with LV_E_INVALID_CIPHERTEXT
 * and an empty message (as AWS sends) when the bytes are not a blob of a
 * known format; outputs are written only on success. A header that parses
 * says nothing about authenticity: only lv_blob_decrypt checks that.
 */
int lv_blob_parse_header(const void *blob, size_t len, uint8_t key_id[16],
                         uint32_t *version, struct lv_err *err);

/*
 * Decrypts `blob` with `key` (the material its header names) and the
 * context `ctx`, appending the plaintext to *pt. Returns 0, or -1 with
 * LV_E_INVALID_CIPHERTEXT and an empty message when the blob is malformed,
 * any byte was changed, the key is wrong or the context differs in any
 * way; then *pt is as it was and no plaintext is left in it. *pt may have
 * to grow (its ceiling is the caller's; a plaintext past it also fails as
 * InvalidCiphertext). Plaintext is secret: release *pt with
 * lv_crypto_buf_release(). Tip: give *pt room first (lv_buf_grow) so it
 * never reallocates while it holds plaintext.
 */
int lv_blob_decrypt(const uint8_t key[32], const void *blob, size_t len,
                    const struct lv_kv *ctx, size_t n_ctx, struct lv_buf *pt,
                    struct lv_err *err);

/*
 * The two halves of lv_blob_encrypt / lv_blob_decrypt for a key held
 * elsewhere (a PKCS#11 token, kms/cks.c), so that its blobs have the same
 * layout and authenticate the same bytes: lv_blob_header writes the 36
 * header bytes of a new blob (a fresh random nonce at
 * LV_BLOB_NONCE_OFFSET); lv_blob_aad appends the AAD for a header (the
 * header, then the canonical context) to *aad. The holder of the key then
 * seals with AES-256-GCM under that nonce and AAD, and the blob is header
 * || ciphertext || 16-byte tag.
 */
#define LV_BLOB_NONCE_OFFSET 24
void lv_blob_header(uint8_t header[LV_BLOB_HEADER_BYTES],
                    const uint8_t key_id[16], uint32_t version);
void lv_blob_aad(const uint8_t header[LV_BLOB_HEADER_BYTES],
                 const struct lv_kv *ctx, size_t n_ctx, struct lv_buf *aad);

/* Wipes all of b's allocated bytes, then lv_buf_release()s it. */
void lv_crypto_buf_release(struct lv_buf *b);

#endif
