/*
 * meta.c: what KMS shows of a key and reads of a request (kms_int.h) — the
 * encryption context member, the algorithms each key spec offers, and the
 * KeyMetadata object.
 */
#include "kms/kms_int.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/json.h"

/* ---- request helpers ------------------------------------------------------------ */

int lv_kms_context(const json_t *in, const char *member, struct lv_kv *pairs,
                   size_t cap, size_t *n, struct lv_err *err)
{
    const json_t *o = lv_json_obj(in, member);
    const char *k;
    json_t *v;
    size_t i = 0;

    *n = 0;
    if (!o) {
        return 0;
    }
    if (json_object_size(o) > cap) {
        /* KMS names members lower-camel in validation messages. */
        return lv_err_set(err, LV_E_VALIDATION,
                          "1 validation error detected: Value at '%c%s' "
                          "failed to satisfy constraint: Member must have "
                          "at most %zu entries",
                          tolower((unsigned char)member[0]), member + 1,
                          cap);
    }
    json_object_foreach((json_t *)o, k, v) {
        if (!json_is_string(v)) {
            return lv_err_set(err, LV_E_SERIALIZATION,
                              "Encryption context values must be strings");
        }
        pairs[i].key = k;
        pairs[i].value = json_string_value(v);
        i++;
    }
    *n = i;
    return 0;
}

/* ---- algorithms per key spec ----------------------------------------------------- */

static const char *const alg_symmetric[] = { "SYMMETRIC_DEFAULT", NULL };
static const char *const alg_rsa_enc[] = { "RSAES_OAEP_SHA_1",
                                           "RSAES_OAEP_SHA_256", NULL };
static const char *const alg_rsa_sign[] = {
    "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512", NULL };
static const char *const alg_p256[] = { "ECDSA_SHA_256", NULL };
static const char *const alg_p384[] = { "ECDSA_SHA_384", NULL };
static const char *const alg_p521[] = { "ECDSA_SHA_512", NULL };
static const char *const alg_ecdh[] = { "ECDH", NULL };
static const char *const mac_256[] = { "HMAC_SHA_256", NULL };
static const char *const mac_384[] = { "HMAC_SHA_384", NULL };
static const char *const mac_512[] = { "HMAC_SHA_512", NULL };

const char *const *lv_kms_encryption_algorithms(const char *spec)
{
    if (strcmp(spec, "SYMMETRIC_DEFAULT") == 0) {
        return alg_symmetric;
    }
    if (strncmp(spec, "RSA_", 4) == 0) {
        return alg_rsa_enc;
    }
    return NULL;
}

const char *const *lv_kms_signing_algorithms(const char *spec)
{
    if (strncmp(spec, "RSA_", 4) == 0) {
        return alg_rsa_sign;
    }
    if (strcmp(spec, "ECC_NIST_P256") == 0 ||
        strcmp(spec, "ECC_SECG_P256K1") == 0) {
        return alg_p256;
    }
    if (strcmp(spec, "ECC_NIST_P384") == 0) {
        return alg_p384;
    }
    if (strcmp(spec, "ECC_NIST_P521") == 0) {
        return alg_p521;
    }
    return NULL;
}

const char *const *lv_kms_key_agreement_algorithms(const char *spec)
{
    if (strncmp(spec, "ECC_NIST_P", 10) == 0) {
        return alg_ecdh;
    }
    return NULL;
}

const char *const *lv_kms_mac_algorithms(const char *spec)
{
    if (strcmp(spec, "HMAC_256") == 0) {
        return mac_256;
    }
    if (strcmp(spec, "HMAC_384") == 0) {
        return mac_384;
    }
    if (strcmp(spec, "HMAC_512") == 0) {
        return mac_512;
    }
    return NULL;
}

/* ---- KeyMetadata ------------------------------------------------------------------- */

static void write_list(struct lv_jw *w, const char *key,
                       const char *const *list)
{
    if (!list) {
        return;
    }
    lv_jw_key(w, key);
    lv_jw_arr_open(w);
    for (; *list; list++) {
        lv_jw_str(w, *list);
    }
    lv_jw_arr_close(w);
}

void lv_kms_write_metadata(struct lv_jw *w, const struct lv_kms_key *k,
                           const struct lv_kms_mr *mr)
{
    lv_kms_write_metadata_cks(w, k, mr, NULL, 1);
}

/* Member order as AWS sends KeyMetadata. */
void lv_kms_write_metadata_cks(struct lv_jw *w, const struct lv_kms_key *k,
                               const struct lv_kms_mr *mr,
                               const char *cluster, int usable)
{
    /* A key of a custom key store that is not connected is Unavailable
     * (AWS's key states), unless deletion is under way. */
    const char *state = !usable && k->custom_key_store_id[0] &&
                                (strcmp(k->state, "Enabled") == 0 ||
                                 strcmp(k->state, "Disabled") == 0)
                            ? "Unavailable" : k->state;

    lv_jw_obj_open(w);
    lv_jw_kstr(w, "AWSAccountId", k->account);
    lv_jw_kstr(w, "KeyId", lv_kms_key_id(k));
    lv_jw_kstr(w, "Arn", k->arn);
    lv_jw_key(w, "CreationDate");
    lv_jw_double(w, k->creation_date);
    lv_jw_kbool(w, "Enabled", strcmp(k->state, "Enabled") == 0);
    lv_jw_kstr(w, "Description", k->description ? k->description : "");
    lv_jw_kstr(w, "KeyUsage", k->key_usage);
    lv_jw_kstr(w, "KeyState", state);
    if (k->deletion_date > 0) {
        lv_jw_key(w, "DeletionDate");
        lv_jw_double(w, k->deletion_date);
    }
    if (k->valid_to > 0) {
        lv_jw_key(w, "ValidTo");
        lv_jw_double(w, k->valid_to);
    }
    lv_jw_kstr(w, "Origin", k->origin);
    if (k->custom_key_store_id[0]) {
        lv_jw_kstr(w, "CustomKeyStoreId", k->custom_key_store_id);
        if (cluster && cluster[0]) {
            lv_jw_kstr(w, "CloudHsmClusterId", cluster);
        }
    }
    if (k->expiration_model[0]) {
        lv_jw_kstr(w, "ExpirationModel", k->expiration_model);
    }
    lv_jw_kstr(w, "KeyManager",
               strcmp(k->key_manager, "AWS") == 0 ? "AWS" : "CUSTOMER");
    lv_jw_kstr(w, "CustomerMasterKeySpec", k->key_spec);
    lv_jw_kstr(w, "KeySpec", k->key_spec);
    write_list(w, "EncryptionAlgorithms",
               strcmp(k->key_usage, "ENCRYPT_DECRYPT") == 0
                   ? lv_kms_encryption_algorithms(k->key_spec) : NULL);
    write_list(w, "SigningAlgorithms",
               strcmp(k->key_usage, "SIGN_VERIFY") == 0
                   ? lv_kms_signing_algorithms(k->key_spec) : NULL);
    write_list(w, "KeyAgreementAlgorithms",
               strcmp(k->key_usage, "KEY_AGREEMENT") == 0
                   ? lv_kms_key_agreement_algorithms(k->key_spec) : NULL);
    write_list(w, "MacAlgorithms", lv_kms_mac_algorithms(k->key_spec));
    lv_kms_mr_write(w, k, mr);
    if (k->pending_window_days > 0) {
        lv_jw_kint64(w, "PendingDeletionWindowInDays",
                     k->pending_window_days);
    }
    lv_jw_obj_close(w);
}
