/*
 * ops: the KMS cryptographic operations on symmetric keys — Encrypt,
 * Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext,
 * GenerateRandom — with RSA ENCRYPT_DECRYPT keys for Encrypt, Decrypt and
 * ReEncrypt, and the prologue every key operation shares (asym.c and
 * mac.c hold the other cryptographic operations).
 *
 * Every operation on a key runs, in this order: find the key
 * (NotFoundException …), authorize kms:<Action> with the encryption
 * context (AccessDeniedException), key state (DisabledException,
 * KMSInvalidStateException), key usage (InvalidKeyUsageException),
 * algorithm and input checks, DryRun, then the cryptography.
 *
 * Symmetric ciphertexts are lv_blob_encrypt blobs under the material
 * version they name, so Decrypt needs no KeyId and every version a key
 * ever had still decrypts after rotation. A key of a custom key store
 * makes blobs of the same layout on its token (cks.c); the key the blob
 * names says which. RSA ciphertexts are the raw
 * RSAES-OAEP output, as on AWS; they name no key, so Decrypt of one needs
 * KeyId and EncryptionAlgorithm. GrantTokens are accepted and ignored:
 * they only bridge AWS's eventual consistency, and grants here take effect
 * at once.
 *
 * Hot path (Encrypt, Decrypt, GenerateDataKey): one key read (in
 * lv_kms_resolve), the cached key policy, and one material read + unseal
 * per call. A small per-process cache of unsealed material keyed by (key
 * id, version) — dropped on any key-state change — would go in
 * sym_material() below; not built yet.
 *
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html
 */
#include "kms/kms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "kms/kms_int.h"
#include "kms/ops_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define SYMMETRIC "SYMMETRIC_DEFAULT"

/* GenerateDataKey NumberOfBytes and GenerateRandom: 1..1024 (model). */
#define MAX_DATA_KEY_BYTES 1024

/* ---- the shared prologue ------------------------------------------------- */

int lv_kms_use_key(struct lv_req *rq, const json_t *in, const char *member,
                   const char *action, const struct lv_kv *ctx, size_t n_ctx,
                   const char *usage, const char *op, struct lv_kms_key *k,
                   struct lv_err *err)
{
    const char *ref = lv_json_str(in, member);

    if (!ref) {
        /* The model makes every such member required; be safe anyway. */
        return lv_err_set(err, LV_E_VALIDATION, "1 validation error "
                          "detected: Value null at '%c%s' failed to satisfy"
                          " constraint: Member must not be null",
                          member[0] + 32, member + 1);
    }
    if (lv_kms_resolve(rq, ref, LV_KMS_ALIAS_OK | LV_KMS_CROSS_ACCOUNT, k,
                       err) < 0 ||
        lv_kms_authorize(rq, k, action, ctx, n_ctx, NULL, 0, err) < 0 ||
        lv_kms_check_enabled(k, err) < 0 ||
        lv_kms_cks_usable(rq, k, err) < 0) {
        return -1;
    }
    if (usage && lv_kms_check_usage(k, usage, op, err) < 0) {
        return -1;
    }
    return 0;
}

int lv_kms_dry_run(const json_t *in, struct lv_err *err)
{
    int dry = 0;

    if (lv_json_bool(in, "DryRun", &dry) && dry) {
        return lv_err_set(err, LV_E_DRY_RUN_OPERATION, "The request would "
                          "have succeeded, but the DryRun option is set.");
    }
    return 0;
}

int lv_kms_check_alg(const char *const *list, const char *alg,
                     const char *key_spec, struct lv_err *err)
{
    for (; list && *list; list++) {
        if (strcmp(*list, alg) == 0) {
            return 0;
        }
    }
    /* AWS's wording, as SDK users quote it. */
    return lv_err_set(err, LV_E_INVALID_KEY_USAGE,
                      "Algorithm %s is incompatible with key spec %s.", alg,
                      key_spec);
}

/* ---- helpers ------------------------------------------------------------- */

static int is_symmetric(const struct lv_kms_key *k)
{
    return strcmp(k->key_spec, SYMMETRIC) == 0;
}

static const char *alg_or_default(const json_t *in, const char *member)
{
    const char *a = lv_json_str(in, member);

    return a ? a : SYMMETRIC;
}

/* The material of version v of a symmetric key, which must be an AES-256
 * key (lv_kms_material() caches it). */
static int sym_material(struct lv_req *rq, const struct lv_kms_key *k,
                        uint32_t v, uint8_t **mat, size_t *len,
                        struct lv_err *err)
{
    if (lv_kms_material(rq, k, v, mat, len, err) < 0) {
        return -1;
    }
    if (*len != LV_AEAD_KEY_BYTES) {
        lv_secret_free(*mat, *len);
        return lv_err_set(err, LV_E_KMS_INTERNAL, "The key material of %s "
                          "has the wrong size", k->arn);
    }
    return 0;
}

/*
 * Checks what encrypting under k with `alg` and a context of n_ctx pairs
 * requires, before DryRun: the algorithm belongs to the key spec, and an
 * asymmetric key takes no context.
 */
static int check_encrypt(const struct lv_kms_key *k, const char *alg,
                         size_t n_ctx, struct lv_err *err)
{
    if (lv_kms_check_alg(lv_kms_encryption_algorithms(k->key_spec), alg,
                         k->key_spec, err) < 0) {
        return -1;
    }
    if (!is_symmetric(k) && n_ctx) {
        /* RSA encryption has no associated data (AWS: "An encryption
         * context is supported only on operations with symmetric
         * encryption KMS keys"). */
        return lv_err_set(err, LV_E_VALIDATION, "EncryptionContext is not "
                          "supported when encrypting/decrypting with "
                          "asymmetric CMKs.");
    }
    return 0;
}

/* Encrypts pt under k (checked with check_encrypt) into *ct. */
static int encrypt_under(struct lv_req *rq, const struct lv_kms_key *k,
                         const char *alg, const struct lv_kv *ctx,
                         size_t n_ctx, const void *pt, size_t pt_len,
                         struct lv_buf *ct, struct lv_err *err)
{
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    uint8_t raw[16];
    int ret = -1;

    if (is_symmetric(k) && k->custom_key_store_id[0]) {
        /* On the token of its custom key store (cks.c). */
        return lv_kms_cks_seal(rq, k, ctx, n_ctx, pt, pt_len, ct, err);
    }
    if (is_symmetric(k)) {
        if (sym_material(rq, k, k->current_version, &mat, &mat_len,
                         err) < 0) {
            return -1;
        }
        if (lv_kms_key_raw(k, raw) < 0 ||
            lv_blob_encrypt(mat, raw, k->current_version, ctx, n_ctx, pt,
                            pt_len, ct) < 0) {
            lv_err_set(err, LV_E_KMS_INTERNAL, "The plaintext cannot be "
                       "encrypted");
            goto out;
        }
    } else {
        if (lv_kms_material(rq, k, k->current_version, &mat, &mat_len,
                            err) < 0) {
            return -1;
        }
        if (lv_kms_asym_encrypt(mat, mat_len, alg, pt, pt_len, ct,
                                err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    lv_secret_free(mat, mat_len);
    return ret;
}

/* ---- decryption, shared by Decrypt and ReEncrypt ------------------------- */

struct dec_in {
    const unsigned char *blob;
    size_t len;
    const char *key_ref;        /* KeyId / SourceKeyId, or NULL */
    const char *alg;            /* never NULL */
    const struct lv_kv *ctx;
    size_t n_ctx;
    const char *action;         /* "Decrypt" or "ReEncryptFrom" */
    const char *op;             /* "Decrypt" or "ReEncrypt" */
    int check_only;             /* DryRun: every check, no plaintext */
    int ignore_ciphertext;      /* DryRunModifiers IGNORE_CIPHERTEXT */
};

/* Authorization, state and usage of the key that decrypts. */
static int check_decrypt_key(struct lv_req *rq, const struct dec_in *d,
                             const struct lv_kms_key *k, struct lv_err *err)
{
    if (lv_kms_authorize(rq, k, d->action, d->ctx, d->n_ctx, NULL, 0,
                         err) < 0 ||
        lv_kms_check_enabled(k, err) < 0 ||
        lv_kms_cks_usable(rq, k, err) < 0 ||
        lv_kms_check_usage(k, "ENCRYPT_DECRYPT", d->op, err) < 0) {
        return -1;
    }
    return lv_kms_check_alg(lv_kms_encryption_algorithms(k->key_spec),
                            d->alg, k->key_spec, err);
}

/* RSA: KeyId and EncryptionAlgorithm name the key and the padding. */
static int decrypt_asym(struct lv_req *rq, const struct dec_in *d,
                        struct lv_kms_key *k, struct lv_buf *pt,
                        struct lv_err *err)
{
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    int ret;

    if (!d->key_ref) {
        /* A raw RSA ciphertext names no key. AWS's text is unknown. */
        return lv_err_set(err, LV_E_VALIDATION, "KeyId is required when "
                          "EncryptionAlgorithm is %s", d->alg);
    }
    if (lv_kms_resolve(rq, d->key_ref, LV_KMS_ALIAS_OK |
                       LV_KMS_CROSS_ACCOUNT, k, err) < 0 ||
        check_decrypt_key(rq, d, k, err) < 0) {
        return -1;
    }
    if (d->n_ctx) {
        return lv_err_set(err, LV_E_VALIDATION, "EncryptionContext is not "
                          "supported when encrypting/decrypting with "
                          "asymmetric CMKs.");
    }
    if (d->check_only && d->ignore_ciphertext) {
        return 0;
    }
    if (lv_kms_material(rq, k, k->current_version, &mat, &mat_len,
                        err) < 0) {
        return -1;
    }
    ret = lv_kms_asym_decrypt(mat, mat_len, d->alg, d->blob, d->len, pt,
                              err);
    lv_secret_free(mat, mat_len);
    return ret;
}

/*
 * The key a symmetric blob names, looked up by the 16 bytes of its id: in
 * rq's region (a blob of another region's key cannot be ours to open:
 * InvalidCiphertext), of any account (the key policy decides). The bytes
 * name a single-Region key's UUID, or else a multi-Region key, whose
 * record in rq's region (a replica or the primary: they share material)
 * opens blobs made in any of its regions. A key whose material deletion
 * destroyed is NotFound, as on AWS.
 */
static int blob_key(struct lv_req *rq, const uint8_t raw[16],
                    struct lv_kms_key *k, struct lv_err *err)
{
    char uuid[37];
    char mrk[LV_KMS_ID_MAX];
    int found;

    lv_kms_raw_ids(raw, rq->region, uuid, mrk);
    found = lv_kms_key_get(rq, uuid, k, err);
    if (found == 0) {
        found = lv_kms_key_get(rq, mrk, k, err);
    }
    if (found < 0) {
        return -1;
    }
    if (!found || strcmp(k->region, rq->region) != 0) {
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    /* The audit record's resource (svc/req.h). */
    snprintf(rq->key_arn, sizeof(rq->key_arn), "%s", k->arn);
    if (k->material_destroyed) {
        return lv_err_set(err, LV_E_NOT_FOUND, "Key '%s' does not exist",
                          k->arn);
    }
    return 0;
}

static int decrypt_sym(struct lv_req *rq, const struct dec_in *d,
                       struct lv_kms_key *k, struct lv_buf *pt,
                       struct lv_err *err)
{
    uint8_t raw[16];
    uint8_t kraw[16];
    uint32_t version;
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    int ret;

    if (d->key_ref) {
        if (lv_kms_resolve(rq, d->key_ref, LV_KMS_ALIAS_OK |
                           LV_KMS_CROSS_ACCOUNT, k, err) < 0) {
            return -1;
        }
        if (d->check_only && d->ignore_ciphertext) {
            return check_decrypt_key(rq, d, k, err);
        }
    }
    if (lv_blob_parse_header(d->blob, d->len, raw, &version, err) < 0) {
        return -1;
    }
    if (d->key_ref) {
        if (lv_kms_key_raw(k, kraw) < 0 || memcmp(raw, kraw, 16) != 0) {
            return lv_err_set(err, LV_E_INCORRECT_KEY, "The key ID in the "
                              "request does not identify a CMK that can "
                              "perform this operation.");
        }
    } else if (blob_key(rq, raw, k, err) < 0) {
        return -1;
    }
    if (check_decrypt_key(rq, d, k, err) < 0) {
        return -1;
    }
    if (!is_symmetric(k)) {
        /* A blob that names an RSA key was not made by us. */
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    if (d->check_only && d->ignore_ciphertext) {
        return 0;
    }
    if (k->custom_key_store_id[0]) {
        /* A key of a custom key store: the blob is opened on its token. */
        return lv_kms_cks_open(rq, k, d->blob, d->len, d->ctx, d->n_ctx, pt,
                               err);
    }
    if (sym_material(rq, k, version, &mat, &mat_len, err) < 0) {
        return -1;
    }
    ret = lv_blob_decrypt(mat, d->blob, d->len, d->ctx, d->n_ctx, pt, err);
    lv_secret_free(mat, mat_len);
    return ret;
}

/*
 * Decrypts per d into *pt (secret; the caller releases it with
 * lv_crypto_buf_release) and fills *k with the key that did it. With
 * d->check_only the plaintext is wiped again (DryRun).
 */
static int decrypt_blob(struct lv_req *rq, const struct dec_in *d,
                        struct lv_kms_key *k, struct lv_buf *pt,
                        struct lv_err *err)
{
    int ret;

    if (lv_buf_grow(pt, d->len) < 0) {
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    if (strcmp(d->alg, SYMMETRIC) == 0) {
        ret = decrypt_sym(rq, d, k, pt, err);
    } else {
        ret = decrypt_asym(rq, d, k, pt, err);
    }
    if (ret == 0 && d->check_only) {
        lv_secret_wipe(pt->data, pt->len);
        pt->len = 0;
    }
    return ret;
}

static int dry_run_ignores_ciphertext(const json_t *in)
{
    const json_t *mods = lv_json_arr(in, "DryRunModifiers");
    size_t i;
    const json_t *v;

    json_array_foreach(mods, i, v) {
        if (json_is_string(v) &&
            strcmp(json_string_value(v), "IGNORE_CIPHERTEXT") == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_dry_run(const json_t *in)
{
    int dry = 0;

    return lv_json_bool(in, "DryRun", &dry) && dry;
}

static int no_recipient(const json_t *in, struct lv_err *err)
{
    if (lv_json_obj(in, "Recipient")) {
        /* Nitro Enclaves attestation: nothing here can verify one. */
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION, "Recipient (a "
                          "Nitro Enclaves attestation document) is not "
                          "supported.");
    }
    return 0;
}

/* ---- Encrypt ------------------------------------------------------------- */

int lv_kms_op_encrypt(struct lv_req *rq, const json_t *in, struct lv_jw *w,
                      struct lv_err *err)
{
    struct lv_kv ctx[LV_KMS_MAX_CONTEXT_PAIRS];
    size_t n_ctx = 0;
    const char *alg = alg_or_default(in, "EncryptionAlgorithm");
    struct lv_kms_key k;
    struct lv_buf ct = LV_BUF_INIT(LV_KMS_MAX_CIPHERTEXT);
    unsigned char *pt = NULL;
    size_t pt_len = 0;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_context(in, "EncryptionContext", ctx,
                       LV_KMS_MAX_CONTEXT_PAIRS, &n_ctx, err) < 0 ||
        lv_kms_use_key(rq, in, "KeyId", "Encrypt", ctx, n_ctx,
                       "ENCRYPT_DECRYPT", "Encrypt", &k, err) < 0 ||
        check_encrypt(&k, alg, n_ctx, err) < 0 ||
        lv_kms_dry_run(in, err) < 0) {
        goto out;
    }
    pt = lv_json_blob(in, "Plaintext", &pt_len);
    if (!pt) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at 'plaintext' failed to satisfy constraint:"
                   " Member must not be null");
        goto out;
    }
    if (encrypt_under(rq, &k, alg, ctx, n_ctx, pt, pt_len, &ct, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "CiphertextBlob");
    lv_jw_b64(w, ct.data, ct.len);
    lv_jw_kstr(w, "KeyId", k.arn);
    lv_jw_kstr(w, "EncryptionAlgorithm", alg);
    ret = 0;
out:
    if (pt) {
        lv_secret_free(pt, pt_len + 1);
    }
    lv_buf_release(&ct);
    lv_kms_key_release(&k);
    return ret;
}

/* ---- Decrypt ------------------------------------------------------------- */

int lv_kms_op_decrypt(struct lv_req *rq, const json_t *in, struct lv_jw *w,
                      struct lv_err *err)
{
    struct lv_kv ctx[LV_KMS_MAX_CONTEXT_PAIRS];
    struct dec_in d;
    struct lv_kms_key k;
    struct lv_buf pt = LV_BUF_INIT(LV_KMS_MAX_CIPHERTEXT);
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    int ret = -1;

    lv_kms_key_init(&k);
    memset(&d, 0, sizeof(d));
    if (lv_kms_context(in, "EncryptionContext", ctx,
                       LV_KMS_MAX_CONTEXT_PAIRS, &d.n_ctx, err) < 0 ||
        no_recipient(in, err) < 0) {
        goto out;
    }
    blob = lv_json_blob(in, "CiphertextBlob", &blob_len);
    if (!blob) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at 'ciphertextBlob' failed to satisfy "
                   "constraint: Member must not be null");
        goto out;
    }
    d.blob = blob;
    d.len = blob_len;
    d.key_ref = lv_json_str(in, "KeyId");
    d.alg = alg_or_default(in, "EncryptionAlgorithm");
    d.ctx = ctx;
    d.action = "Decrypt";
    d.op = "Decrypt";
    d.check_only = is_dry_run(in);
    d.ignore_ciphertext = dry_run_ignores_ciphertext(in);
    if (decrypt_blob(rq, &d, &k, &pt, err) < 0 ||
        lv_kms_dry_run(in, err) < 0) {
        goto out;
    }
    lv_jw_kstr(w, "KeyId", k.arn);
    lv_jw_key(w, "Plaintext");
    lv_jw_b64(w, pt.data, pt.len);
    lv_jw_kstr(w, "EncryptionAlgorithm", d.alg);
    ret = 0;
out:
    lv_crypto_buf_release(&pt);
    free(blob);
    lv_kms_key_release(&k);
    return ret;
}

/* ---- ReEncrypt ----------------------------------------------------------- */

int lv_kms_op_re_encrypt(struct lv_req *rq, const json_t *in,
                         struct lv_jw *w, struct lv_err *err)
{
    struct lv_kv src_ctx[LV_KMS_MAX_CONTEXT_PAIRS];
    struct lv_kv dst_ctx[LV_KMS_MAX_CONTEXT_PAIRS];
    size_t n_dst = 0;
    const char *dst_alg = alg_or_default(in,
                                         "DestinationEncryptionAlgorithm");
    struct dec_in d;
    struct lv_kms_key src;
    struct lv_kms_key dst;
    struct lv_buf pt = LV_BUF_INIT(LV_KMS_MAX_CIPHERTEXT);
    struct lv_buf ct = LV_BUF_INIT(LV_KMS_MAX_CIPHERTEXT);
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    int ret = -1;

    lv_kms_key_init(&src);
    lv_kms_key_init(&dst);
    memset(&d, 0, sizeof(d));
    if (lv_kms_context(in, "SourceEncryptionContext", src_ctx,
                       LV_KMS_MAX_CONTEXT_PAIRS, &d.n_ctx, err) < 0 ||
        lv_kms_context(in, "DestinationEncryptionContext", dst_ctx,
                       LV_KMS_MAX_CONTEXT_PAIRS, &n_dst, err) < 0) {
        goto out;
    }
    blob = lv_json_blob(in, "CiphertextBlob", &blob_len);
    if (!blob) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at 'ciphertextBlob' failed to satisfy "
                   "constraint: Member must not be null");
        goto out;
    }
    d.blob = blob;
    d.len = blob_len;
    d.key_ref = lv_json_str(in, "SourceKeyId");
    d.alg = alg_or_default(in, "SourceEncryptionAlgorithm");
    d.ctx = src_ctx;
    /* Two permissions, as on AWS: ReEncryptFrom on the source key and
     * ReEncryptTo on the destination key. */
    d.action = "ReEncryptFrom";
    d.op = "ReEncrypt";
    d.check_only = is_dry_run(in);
    d.ignore_ciphertext = dry_run_ignores_ciphertext(in);
    if (decrypt_blob(rq, &d, &src, &pt, err) < 0 ||
        lv_kms_use_key(rq, in, "DestinationKeyId", "ReEncryptTo", dst_ctx,
                       n_dst, "ENCRYPT_DECRYPT", "ReEncrypt", &dst,
                       err) < 0 ||
        check_encrypt(&dst, dst_alg, n_dst, err) < 0 ||
        lv_kms_dry_run(in, err) < 0) {
        goto out;
    }
    if (encrypt_under(rq, &dst, dst_alg, dst_ctx, n_dst, pt.data, pt.len,
                      &ct, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "CiphertextBlob");
    lv_jw_b64(w, ct.data, ct.len);
    lv_jw_kstr(w, "SourceKeyId", src.arn);
    lv_jw_kstr(w, "KeyId", dst.arn);
    lv_jw_kstr(w, "SourceEncryptionAlgorithm", d.alg);
    lv_jw_kstr(w, "DestinationEncryptionAlgorithm", dst_alg);
    ret = 0;
out:
    lv_crypto_buf_release(&pt);
    lv_buf_release(&ct);
    free(blob);
    lv_kms_key_release(&src);
    lv_kms_key_release(&dst);
    return ret;
}

/* ---- GenerateDataKey(WithoutPlaintext) ----------------------------------- */

/* KeySpec AES_128 | AES_256 or NumberOfBytes, exactly one. */
static int data_key_len(const json_t *in, size_t *n, struct lv_err *err)
{
    const char *spec = lv_json_str(in, "KeySpec");
    int64_t bytes = 0;
    int have_bytes = lv_json_int64(in, "NumberOfBytes", &bytes);

    if (!spec == !have_bytes) {
        /* AWS's wording for both none and both. */
        return lv_err_set(err, LV_E_VALIDATION,
                          "Please specify either number of bytes or key "
                          "spec.");
    }
    if (spec) {
        *n = strcmp(spec, "AES_128") == 0 ? 16 : 32;
        return 0;
    }
    if (bytes < 1 || bytes > MAX_DATA_KEY_BYTES) {
        /* The model's range; validation has answered already. */
        return lv_err_set(err, LV_E_VALIDATION, "1 validation error "
                          "detected: Value '%lld' at 'numberOfBytes' failed "
                          "to satisfy constraint: Member must have value "
                          "less than or equal to 1024", (long long)bytes);
    }
    *n = (size_t)bytes;
    return 0;
}

static int data_key(struct lv_req *rq, const json_t *in, int plain,
                    struct lv_jw *w, struct lv_err *err)
{
    const char *action = plain ? "GenerateDataKey"
                               : "GenerateDataKeyWithoutPlaintext";
    struct lv_kv ctx[LV_KMS_MAX_CONTEXT_PAIRS];
    size_t n_ctx = 0;
    struct lv_kms_key k;
    struct lv_buf ct = LV_BUF_INIT(LV_KMS_MAX_CIPHERTEXT);
    uint8_t dk[MAX_DATA_KEY_BYTES];
    size_t n = 0;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_context(in, "EncryptionContext", ctx,
                       LV_KMS_MAX_CONTEXT_PAIRS, &n_ctx, err) < 0 ||
        no_recipient(in, err) < 0 ||
        data_key_len(in, &n, err) < 0 ||
        lv_kms_use_key(rq, in, "KeyId", action, ctx, n_ctx,
                       "ENCRYPT_DECRYPT", action, &k, err) < 0) {
        goto out;
    }
    if (!is_symmetric(&k)) {
        /* AWS's wording, as SDK users quote it. */
        lv_err_set(err, LV_E_INVALID_KEY_USAGE, "You cannot generate a "
                   "data key with an asymmetric CMK");
        goto out;
    }
    if (lv_kms_dry_run(in, err) < 0) {
        goto out;
    }
    lv_rand_bytes(dk, n);
    if (encrypt_under(rq, &k, SYMMETRIC, ctx, n_ctx, dk, n, &ct, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "CiphertextBlob");
    lv_jw_b64(w, ct.data, ct.len);
    if (plain) {
        lv_jw_key(w, "Plaintext");
        lv_jw_b64(w, dk, n);
    }
    lv_jw_kstr(w, "KeyId", k.arn);
    ret = 0;
out:
    lv_secret_wipe(dk, n);
    lv_buf_release(&ct);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_generate_data_key(struct lv_req *rq, const json_t *in,
                                struct lv_jw *w, struct lv_err *err)
{
    return data_key(rq, in, 1, w, err);
}

int lv_kms_op_generate_data_key_without_plaintext(struct lv_req *rq,
                                                  const json_t *in,
                                                  struct lv_jw *w,
                                                  struct lv_err *err)
{
    return data_key(rq, in, 0, w, err);
}

/* ---- GenerateRandom ------------------------------------------------------ */

/* No key, so no key policy: any authenticated caller may ask. */
int lv_kms_op_generate_random(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    uint8_t r[MAX_DATA_KEY_BYTES];
    int64_t n = 0;

    if (no_recipient(in, err) < 0) {
        return -1;
    }
    if (!lv_json_int64(in, "NumberOfBytes", &n)) {
        /* AWS's answer to a missing NumberOfBytes (the member is optional
         * in the model only because of CustomKeyStoreId/Recipient). */
        return lv_err_set(err, LV_E_VALIDATION, "NumberOfBytes is required.");
    }
    if (n < 1 || n > MAX_DATA_KEY_BYTES) {
        return lv_err_set(err, LV_E_VALIDATION, "1 validation error "
                          "detected: Value '%lld' at 'numberOfBytes' failed "
                          "to satisfy constraint: Member must have value "
                          "less than or equal to 1024", (long long)n);
    }
    if (lv_json_str(in, "CustomKeyStoreId")) {
        /* From the token of the custom key store (cks.c). */
        if (lv_kms_cks_random(rq, in, r, (size_t)n, err) < 0) {
            return -1;
        }
    } else {
        lv_rand_bytes(r, (size_t)n);
    }
    lv_jw_key(w, "Plaintext");
    lv_jw_b64(w, r, (size_t)n);
    lv_secret_wipe(r, (size_t)n);
    return 0;
}
