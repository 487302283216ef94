/*
 * import: key material that customers bring (BYOK) — keys created with
 * Origin EXTERNAL, GetParametersForImport, ImportKeyMaterial and
 * DeleteImportedKeyMaterial, and the expiry of imported material (its
 * sweeper step, lv_kms_expire_material). The request-free pieces come
 * first (import_int.h: token, unwrapping, material checks).
 *
 * https://docs.aws.amazon.com/kms/latest/APIReference/
 *   API_GetParametersForImport.html, API_ImportKeyMaterial.html,
 *   API_DeleteImportedKeyMaterial.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys.html
 *
 * What logvault does not do of it: more than one material per key (AWS
 * lets symmetric keys take new material, ImportType NEW_KEY_MATERIAL, and
 * rotate on demand to it): a key holds the material first imported, which
 * only the same material may replace; NEW_KEY_MATERIAL of other material
 * answers UnsupportedOperationException.
 */
#include "kms/import_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "app.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "kms/keys_int.h"
#include "kms/kms.h"
#include "kms/kms_int.h"
#include "kms/ops_int.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- the import token ---------------------------------------------------- */

static const char token_aad[] = "logvault kms import token v1";

#define TOKEN_FORMAT 0x01
#define PAYLOAD_FORMAT 0x01
#define TOKEN_HEAD (1 + 12 + 16)

void lv_kms_import_params_release(struct lv_kms_import_params *p)
{
    if (p->priv) {
        lv_secret_free(p->priv, p->priv_len);
    }
    memset(p, 0, sizeof(*p));
}

static void put_str8(struct lv_buf *b, const char *s)
{
    uint8_t n = (uint8_t)strlen(s);

    lv_buf_add(b, &n, 1);
    lv_buf_add(b, s, n);
}

int lv_kms_import_token_seal(const uint8_t key[32],
                             const struct lv_kms_import_params *p,
                             struct lv_buf *out)
{
    struct lv_buf pl = LV_BUF_INIT(16384);
    uint8_t head[TOKEN_HEAD];
    uint8_t v[8];
    uint8_t n16[2];
    int ret = -1;

    if (p->priv_len == 0 || p->priv_len > 0xffff ||
        strlen(p->key_id) > 255 || strlen(p->account) > 255) {
        return -1;
    }
    for (int i = 0; i < 8; i++) {
        v[i] = (uint8_t)((uint64_t)p->valid_to_ms >> (56 - 8 * i));
    }
    n16[0] = (uint8_t)(p->priv_len >> 8);
    n16[1] = (uint8_t)p->priv_len;
    lv_buf_addc(&pl, PAYLOAD_FORMAT);
    lv_buf_add(&pl, v, sizeof(v));
    put_str8(&pl, p->key_id);
    put_str8(&pl, p->account);
    put_str8(&pl, p->alg);
    put_str8(&pl, p->spec);
    lv_buf_add(&pl, n16, 2);
    if (lv_buf_add(&pl, p->priv, p->priv_len) < 0) {
        goto out;
    }
    head[0] = TOKEN_FORMAT;
    lv_rand_bytes(head + 1, 12);
    if (lv_aead_seal(key, head + 1, (const uint8_t *)token_aad,
                     sizeof(token_aad) - 1, (uint8_t *)pl.data, pl.len,
                     (uint8_t *)pl.data, head + 13) < 0 ||
        lv_buf_add(out, head, sizeof(head)) < 0 ||
        lv_buf_add(out, pl.data, pl.len) < 0) {
        goto out;
    }
    ret = 0;
out:
    lv_crypto_buf_release(&pl);
    return ret;
}

/* A length-prefixed string of at most cap - 1 bytes, no NUL in it. */
static int get_str8(const uint8_t **pp, const uint8_t *end, char *dst,
                    size_t cap)
{
    const uint8_t *p = *pp;
    size_t n;

    if (p >= end) {
        return -1;
    }
    n = *p++;
    if (n >= cap || (size_t)(end - p) < n || memchr(p, '\0', n)) {
        return -1;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    *pp = p + n;
    return 0;
}

int lv_kms_import_payload_parse(const uint8_t *pl, size_t len,
                                struct lv_kms_import_params *p)
{
    const uint8_t *q = pl;
    const uint8_t *end = pl + len;
    uint64_t v = 0;
    size_t n;

    memset(p, 0, sizeof(*p));
    if (len < 9 || *q++ != PAYLOAD_FORMAT) {
        return -1;
    }
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | *q++;
    }
    p->valid_to_ms = (int64_t)v;
    if (get_str8(&q, end, p->key_id, sizeof(p->key_id)) < 0 ||
        get_str8(&q, end, p->account, sizeof(p->account)) < 0 ||
        get_str8(&q, end, p->alg, sizeof(p->alg)) < 0 ||
        get_str8(&q, end, p->spec, sizeof(p->spec)) < 0 ||
        end - q < 2) {
        goto bad;
    }
    n = (size_t)q[0] << 8 | q[1];
    q += 2;
    if (n == 0 || (size_t)(end - q) != n) {
        goto bad;
    }
    p->priv = lv_xmalloc(n);
    memcpy(p->priv, q, n);
    p->priv_len = n;
    return 0;
bad:
    memset(p, 0, sizeof(*p));
    return -1;
}

int lv_kms_import_token_open(const uint8_t key[32], const void *tok,
                             size_t len, struct lv_kms_import_params *p)
{
    const uint8_t *t = tok;
    uint8_t *pl;
    size_t n;
    int ret;

    memset(p, 0, sizeof(*p));
    if (len <= TOKEN_HEAD || t[0] != TOKEN_FORMAT) {
        return -1;
    }
    n = len - TOKEN_HEAD;
    pl = lv_xmalloc(n);
    if (lv_aead_open(key, t + 1, (const uint8_t *)token_aad,
                     sizeof(token_aad) - 1, t + TOKEN_HEAD, n, pl,
                     t + 13) < 0) {
        free(pl);       /* wiped by lv_aead_open */
        return -1;
    }
    ret = lv_kms_import_payload_parse(pl, n, p);
    lv_secret_free(pl, n);
    return ret;
}

/* ---- wrapping and unwrapping --------------------------------------------- */

static const char *const wrapping_specs[] = { "RSA_2048", "RSA_3072",
                                              "RSA_4096", NULL };

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++) {
        if (strcmp(*list, s) == 0) {
            return 1;
        }
    }
    return 0;
}

int lv_kms_import_check_wrapping(const char *alg, const char *spec,
                                 struct lv_err *err)
{
    static const char *const algs[] = {
        "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1",
        "RSA_AES_KEY_WRAP_SHA_256", NULL };

    if (strcmp(spec, "SM2") == 0 || strcmp(alg, "SM2PKE") == 0) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "%s is only available in China Regions.",
                          strcmp(spec, "SM2") == 0 ? "WrappingKeySpec SM2"
                                                   : "WrappingAlgorithm "
                                                     "SM2PKE");
    }
    if (strcmp(alg, "RSAES_PKCS1_V1_5") == 0) {
        /* Withdrawn by KMS on 10 October 2023 (API_GetParametersForImport,
         * WrappingAlgorithm); AWS's text is not published. */
        return lv_err_set(err, LV_E_VALIDATION,
                          "The RSAES_PKCS1_V1_5 wrapping algorithm is no "
                          "longer supported. Use RSAES_OAEP_SHA_256 or "
                          "RSA_AES_KEY_WRAP_SHA_256.");
    }
    if (!in_list(algs, alg) || !in_list(wrapping_specs, spec)) {
        return lv_err_set(err, LV_E_VALIDATION, "Wrapping algorithm %s "
                          "with wrapping key spec %s is not supported.",
                          alg, spec);
    }
    return 0;
}

/* The OAEP algorithm of the asymmetric helpers for a wrapping
 * algorithm. */
static const char *oaep_alg(const char *alg)
{
    if (strcmp(alg, "RSAES_OAEP_SHA_1") == 0 ||
        strcmp(alg, "RSA_AES_KEY_WRAP_SHA_1") == 0) {
        return "RSAES_OAEP_SHA_1";
    }
    if (strcmp(alg, "RSAES_OAEP_SHA_256") == 0 ||
        strcmp(alg, "RSA_AES_KEY_WRAP_SHA_256") == 0) {
        return "RSAES_OAEP_SHA_256";
    }
    return NULL;
}

/* The modulus length in bytes of the DER private key, or 0. */
static size_t modulus_len(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *pk;
    int n;

    if (len > (size_t)LONG_MAX) {
        return 0;
    }
    pk = d2i_AutoPrivateKey(NULL, &p, (long)len);
    n = pk ? EVP_PKEY_get_size(pk) : 0;
    EVP_PKEY_free(pk);
    return n > 0 ? (size_t)n : 0;
}

/* RFC 5649 unwrap of ct under the 32-byte kek into a fresh buffer. */
static int aes_kwp_unwrap(const uint8_t *kek, const uint8_t *ct,
                          size_t ct_len, uint8_t **mat, size_t *mat_len)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-WRAP-PAD", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t *out = NULL;
    int n = 0;
    int fin = 0;
    int ret = -1;

    if (!c || !ctx || ct_len < 16 || ct_len % 8 || ct_len > INT_MAX) {
        goto out;
    }
    out = lv_xmalloc(ct_len + 16);
    if (EVP_DecryptInit_ex2(ctx, c, kek, NULL, NULL) != 1 ||
        EVP_DecryptUpdate(ctx, out, &n, ct, (int)ct_len) != 1 ||
        EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1 || n + fin <= 0) {
        goto out;
    }
    *mat = out;
    *mat_len = (size_t)(n + fin);
    out = NULL;
    ret = 0;
out:
    if (out) {
        lv_secret_free(out, ct_len + 16);
    }
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return ret;
}

int lv_kms_import_unwrap(const uint8_t *der, size_t der_len, const char *alg,
                         const uint8_t *ct, size_t ct_len, uint8_t **mat,
                         size_t *mat_len, struct lv_err *err)
{
    struct lv_buf pt = LV_BUF_INIT(8192);
    const char *oaep = oaep_alg(alg);
    size_t k;
    int ret = -1;

    if (!oaep) {
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    if (strncmp(alg, "RSAES_", 6) == 0) {
        if (lv_kms_asym_decrypt(der, der_len, oaep, ct, ct_len, &pt,
                                err) < 0) {
            goto out;
        }
        *mat = lv_xmalloc(pt.len ? pt.len : 1);
        memcpy(*mat, pt.data, pt.len);
        *mat_len = pt.len;
        ret = 0;
        goto out;
    }
    /* RSA_AES_KEY_WRAP_*: the wrapped AES key, then the wrapped material */
    k = modulus_len(der, der_len);
    if (k == 0 || ct_len <= k ||
        lv_kms_asym_decrypt(der, der_len, oaep, ct, k, &pt, err) < 0) {
        lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
        goto out;
    }
    if (pt.len != 32 ||
        aes_kwp_unwrap((const uint8_t *)pt.data, ct + k, ct_len - k, mat,
                       mat_len) < 0) {
        lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
        goto out;
    }
    ret = 0;
out:
    lv_crypto_buf_release(&pt);
    return ret;
}

/* ---- material ------------------------------------------------------------ */

static int incorrect(struct lv_err *err, const char *spec)
{
    /* AWS's text is not published; this says what was expected. */
    return lv_err_set(err, LV_E_INCORRECT_KEY_MATERIAL, "The key material "
                      "is not valid for key spec %s.", spec);
}

int lv_kms_import_check_material(const char *spec, const uint8_t *mat,
                                 size_t len, struct lv_err *err)
{
    static const struct {
        const char *spec;
        size_t min, max;
        const char *type;       /* NULL: raw bytes */
        const char *curve;
        int bits;
    } rules[] = {
        { "SYMMETRIC_DEFAULT", 32, 32, NULL, NULL, 0 },
        { "HMAC_256", 32, 64, NULL, NULL, 0 },
        { "HMAC_384", 48, 128, NULL, NULL, 0 },
        { "HMAC_512", 64, 128, NULL, NULL, 0 },
        { "RSA_2048", 0, 0, "RSA", NULL, 2048 },
        { "RSA_3072", 0, 0, "RSA", NULL, 3072 },
        { "RSA_4096", 0, 0, "RSA", NULL, 4096 },
        { "ECC_NIST_P256", 0, 0, "EC", "prime256v1", 0 },
        { "ECC_NIST_P384", 0, 0, "EC", "secp384r1", 0 },
        { "ECC_NIST_P521", 0, 0, "EC", "secp521r1", 0 },
        { "ECC_SECG_P256K1", 0, 0, "EC", "secp256k1", 0 },
    };
    const unsigned char *p = mat;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    EVP_PKEY *pk = NULL;
    char group[64];
    size_t i;
    int ok = 0;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (strcmp(rules[i].spec, spec) == 0) {
            break;
        }
    }
    if (i == sizeof(rules) / sizeof(rules[0])) {
        return incorrect(err, spec);
    }
    if (!rules[i].type) {
        return len >= rules[i].min && len <= rules[i].max
                   ? 0 : incorrect(err, spec);
    }
    if (len > (size_t)LONG_MAX) {
        return incorrect(err, spec);
    }
    p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
    if (p8 && p == mat + len) {
        pk = EVP_PKCS82PKEY(p8);
    }
    if (pk && EVP_PKEY_is_a(pk, rules[i].type)) {
        if (rules[i].curve) {
            ok = EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) &&
                 strcmp(group, rules[i].curve) == 0;
        } else {
            ok = EVP_PKEY_get_bits(pk) == rules[i].bits;
        }
    }
    EVP_PKEY_free(pk);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return ok ? 0 : incorrect(err, spec);
}

void lv_kms_import_fingerprint(const uint8_t key[32], const char *arn,
                               const uint8_t *mat, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t md[32];
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t got = 0;

    if (!c || !EVP_MAC_init(c, key, 32, params) ||
        !EVP_MAC_update(c, (const unsigned char *)arn, strlen(arn) + 1) ||
        !EVP_MAC_update(c, mat, len) ||
        !EVP_MAC_final(c, md, &got, sizeof(md)) || got != sizeof(md)) {
        LV_BUG("HMAC-SHA256 is not available");
    }
    EVP_MAC_CTX_free(c);
    EVP_MAC_free(mac);
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

/* ---- handlers ------------------------------------------------------------ */

#define DAY_MS (24LL * 3600 * 1000)
#define VALID_TO_MAX_MS (365 * DAY_MS)   /* API_ImportKeyMaterial, ValidTo */

/* The key (by key id or key ARN: these operations take no alias and no
 * other account's key) authorized for `action`, with origin EXTERNAL and
 * not pending deletion when `not_deleting`. */
static int load_external(struct lv_req *rq, const json_t *in,
                         const char *action, int not_deleting,
                         struct lv_kms_key *k, struct lv_err *err)
{
    if (lv_kms_load_key(rq, in, 0, action, k, err) < 0) {
        return -1;
    }
    if (strcmp(k->origin, "EXTERNAL") != 0) {
        /* As for rotation of a key of another origin (admin.c). */
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "%s origin is %s which is not valid for this "
                          "operation.", k->arn, k->origin);
    }
    if (not_deleting && strcmp(k->state, "PendingDeletion") == 0) {
        return lv_err_set(err, LV_E_KMS_INVALID_STATE,
                          "%s is pending deletion.", k->arn);
    }
    return 0;
}

static void derive(struct lv_req *rq, const char *name, uint8_t key[32])
{
    lv_keyring_derive(rq->app->kms->keyring, name, NULL, 0, key);
}

int lv_kms_op_get_parameters_for_import(struct lv_req *rq, const json_t *in,
                                        struct lv_jw *w, struct lv_err *err)
{
    const char *alg = lv_json_str(in, "WrappingAlgorithm");
    const char *spec = lv_json_str(in, "WrappingKeySpec");
    struct lv_kms_import_params p;
    struct lv_kms_key k;
    struct lv_buf pub = LV_BUF_INIT(8192);
    struct lv_buf tok = LV_BUF_INIT(16384);
    uint8_t key[32];
    int ret = -1;

    memset(&p, 0, sizeof(p));
    lv_kms_key_init(&k);
    if (load_external(rq, in, "GetParametersForImport", 1, &k, err) < 0 ||
        lv_kms_import_check_wrapping(alg ? alg : "", spec ? spec : "",
                                     err) < 0) {
        goto out;
    }
    if (lv_kms_asym_generate(spec, &p.priv, &p.priv_len, &pub, err) < 0) {
        goto out;
    }
    p.valid_to_ms = rq->now_ms + LV_KMS_IMPORT_VALIDITY_MS;
    snprintf(p.key_id, sizeof(p.key_id), "%s", k.id);
    snprintf(p.account, sizeof(p.account), "%s", k.account);
    snprintf(p.alg, sizeof(p.alg), "%s", alg);
    snprintf(p.spec, sizeof(p.spec), "%s", spec);
    derive(rq, "kms-import-token", key);
    ret = lv_kms_import_token_seal(key, &p, &tok);
    lv_secret_wipe(key, sizeof(key));
    if (ret < 0) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "The import token cannot be "
                   "made");
        goto out;
    }
    lv_jw_kstr(w, "KeyId", k.arn);
    lv_jw_key(w, "ImportToken");
    lv_jw_b64(w, tok.data, tok.len);
    lv_jw_key(w, "PublicKey");
    lv_jw_b64(w, pub.data, pub.len);
    lv_jw_key(w, "ParametersValidTo");
    lv_jw_double(w, (double)p.valid_to_ms / 1000.0);
    ret = 0;
out:
    lv_kms_import_params_release(&p);
    lv_buf_release(&tok);
    lv_buf_release(&pub);
    lv_kms_key_release(&k);
    return ret;
}

/* ExpirationModel and ValidTo of an ImportKeyMaterial request. */
static int expiration(struct lv_req *rq, const json_t *in, const char **model,
                      double *valid_to, struct lv_err *err)
{
    int has_valid_to = lv_json_double(in, "ValidTo", valid_to);
    const char *m = lv_json_str(in, "ExpirationModel");

    /* API_ImportKeyMaterial: "The default is KEY_MATERIAL_EXPIRES". */
    *model = m ? m : "KEY_MATERIAL_EXPIRES";
    if (strcmp(*model, "KEY_MATERIAL_DOES_NOT_EXPIRE") == 0) {
        if (has_valid_to) {
            return lv_err_set(err, LV_E_VALIDATION, "ValidTo is not valid "
                              "when ExpirationModel is "
                              "KEY_MATERIAL_DOES_NOT_EXPIRE.");
        }
        *valid_to = 0;
        return 0;
    }
    if (!has_valid_to) {
        return lv_err_set(err, LV_E_VALIDATION, "ValidTo is required when "
                          "ExpirationModel is KEY_MATERIAL_EXPIRES.");
    }
    if (*valid_to * 1000.0 <= (double)rq->now_ms ||
        *valid_to * 1000.0 > (double)(rq->now_ms + VALID_TO_MAX_MS)) {
        return lv_err_set(err, LV_E_VALIDATION, "ValidTo must be a future "
                          "date at most 365 days from now.");
    }
    return 0;
}

/* What ImportKeyMaterial decided before its change. */
struct import_change {
    const char *import_type;    /* NULL when not given */
    struct lv_kms_import imp;
    const struct lv_buf *sealed;
};

/* The rule for a key's previous import, on the record the change reads. */
static int check_reimport(const struct lv_kms_key *cur,
                          const struct import_change *c, struct lv_err *err)
{
    const char *type = c->import_type;

    if (!cur->import_fingerprint[0]) {
        if (type && strcmp(type, "EXISTING_KEY_MATERIAL") == 0) {
            return lv_err_set(err, LV_E_INCORRECT_KEY_MATERIAL,
                              "No key material was imported into %s "
                              "before.", cur->arn);
        }
        return 0;
    }
    if (strcmp(cur->import_fingerprint, c->imp.fingerprint) == 0) {
        return 0;
    }
    if (type && strcmp(type, "NEW_KEY_MATERIAL") == 0) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "Importing new key material into a key that has "
                          "had key material is not supported by logvault: "
                          "reimport the same key material.");
    }
    return lv_err_set(err, LV_E_INCORRECT_KEY_MATERIAL,
                      "The key material is not the key material that was "
                      "previously imported into %s.", cur->arn);
}

static int change_import(struct lv_req *rq, struct lv_kms_key *cur, void *arg,
                         struct lv_err *err)
{
    struct import_change *c = arg;

    if (strcmp(cur->state, "PendingDeletion") == 0) {
        return lv_err_set(err, LV_E_KMS_INVALID_STATE,
                          "%s is pending deletion.", cur->arn);
    }
    if (check_reimport(cur, c, err) < 0) {
        return -1;
    }
    /* PendingImport → Enabled; a disabled key stays disabled. */
    snprintf(c->imp.state, sizeof(c->imp.state), "%s",
             strcmp(cur->state, "PendingImport") == 0 ? "Enabled"
                                                      : cur->state);
    return lv_store_kms_key_import(rq->store, cur->id, cur->row_version,
                                   &c->imp, c->sealed->data, c->sealed->len,
                                   err);
}

int lv_kms_op_import_key_material(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    struct import_change c;
    struct lv_kms_import_params p;
    struct lv_kms_key k;
    struct lv_kms_key cur;
    struct lv_buf sealed = LV_BUF_INIT(1u << 20);
    const char *model = NULL;
    double valid_to = 0;
    unsigned char *tok = NULL;
    unsigned char *wrapped = NULL;
    size_t tok_len = 0;
    size_t wrapped_len = 0;
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    uint8_t key[32];
    char material_id[65];
    int ret = -1;

    memset(&c, 0, sizeof(c));
    memset(&p, 0, sizeof(p));
    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (load_external(rq, in, "ImportKeyMaterial", 1, &k, err) < 0 ||
        expiration(rq, in, &model, &valid_to, err) < 0) {
        goto out;
    }
    tok = lv_json_blob(in, "ImportToken", &tok_len);
    wrapped = lv_json_blob(in, "EncryptedKeyMaterial", &wrapped_len);
    if (!tok || !wrapped) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at '%s' failed to satisfy constraint: Member"
                   " must not be null", !tok ? "importToken"
                                             : "encryptedKeyMaterial");
        goto out;
    }
    derive(rq, "kms-import-token", key);
    ret = lv_kms_import_token_open(key, tok, tok_len, &p);
    lv_secret_wipe(key, sizeof(key));
    if (ret < 0 || strcmp(p.key_id, k.id) != 0 ||
        strcmp(p.account, k.account) != 0) {
        ret = -1;
        lv_err_set(err, LV_E_INVALID_IMPORT_TOKEN, "The import token is "
                   "invalid or is associated with a different KMS key.");
        goto out;
    }
    ret = -1;
    if (p.valid_to_ms < rq->now_ms) {
        lv_err_set(err, LV_E_EXPIRED_IMPORT_TOKEN, "The import token "
                   "expired at %.3f; call GetParametersForImport again.",
                   (double)p.valid_to_ms / 1000.0);
        goto out;
    }
    if (lv_kms_import_unwrap(p.priv, p.priv_len, p.alg, wrapped,
                             wrapped_len, &mat, &mat_len, err) < 0 ||
        lv_kms_import_check_material(k.key_spec, mat, mat_len, err) < 0) {
        goto out;
    }
    c.import_type = lv_json_str(in, "ImportType");
    c.imp.created = lv_kms_now(rq);
    snprintf(c.imp.expiration_model, sizeof(c.imp.expiration_model), "%s",
             model);
    c.imp.valid_to = valid_to;
    derive(rq, "kms-import-fingerprint", key);
    lv_kms_import_fingerprint(key, k.arn, mat, mat_len, c.imp.fingerprint);
    lv_secret_wipe(key, sizeof(key));
    if (lv_kms_seal(rq, &k, 1, mat, mat_len, &sealed, err) < 0) {
        goto out;
    }
    c.sealed = &sealed;
    if (lv_kms_key_change(rq, &k, change_import, &c, &cur, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: key material imported id=%s model=%s req=%s",
           k.id, model, rq->id);
    lv_kms_material_id(k.arn, 1, material_id);
    lv_jw_kstr(w, "KeyId", k.arn);
    lv_jw_kstr(w, "KeyMaterialId", material_id);
    ret = 0;
out:
    if (mat) {
        lv_secret_free(mat, mat_len);
    }
    lv_kms_import_params_release(&p);
    free(tok);
    free(wrapped);
    lv_buf_release(&sealed);
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

/* Deletes cur's material: a key pending deletion stays so (API reference),
 * any other becomes PendingImport. */
static int change_delete_material(struct lv_req *rq, struct lv_kms_key *cur,
                                  void *arg, struct lv_err *err)
{
    (void)arg;
    return lv_store_kms_key_delete_material(
        rq->store, cur->id, cur->row_version,
        strcmp(cur->state, "PendingDeletion") == 0 ? "PendingDeletion"
                                                   : "PendingImport",
        err);
}

int lv_kms_op_delete_imported_key_material(struct lv_req *rq,
                                           const json_t *in, struct lv_jw *w,
                                           struct lv_err *err)
{
    const char *given = lv_json_str(in, "KeyMaterialId");
    struct lv_kms_key k;
    struct lv_kms_key cur;
    char material_id[65];
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (load_external(rq, in, "DeleteImportedKeyMaterial", 0, &k, err) < 0) {
        goto out;
    }
    lv_kms_material_id(k.arn, 1, material_id);
    if (given && strcmp(given, material_id) != 0) {
        /* A key here holds one material (see the top of this file). */
        lv_err_set(err, LV_E_NOT_FOUND, "Key material %s does not exist "
                   "in %s.", given, k.arn);
        goto out;
    }
    if (lv_kms_key_change(rq, &k, change_delete_material, NULL, &cur,
                          err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: imported key material deleted id=%s req=%s",
           k.id, rq->id);
    lv_jw_kstr(w, "KeyId", k.arn);
    lv_jw_kstr(w, "KeyMaterialId", material_id);
    ret = 0;
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}
