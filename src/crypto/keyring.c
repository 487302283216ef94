/*
 * keyring.c: the root key and its named derivations (keyring.h).
 */
#include "crypto/keyring.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/crypto.h"
#include "util/err.h"
#include "util/mem.h"

struct lv_keyring {
    uint8_t root[32];
};

enum derive_how {
    DERIVE_HMAC_LABEL,      /* HMAC-SHA256(root, label); no context */
    DERIVE_HKDF_INFO,       /* HKDF-SHA256(root, info = label | context) */
};

static const struct derivation {
    const char *name;
    enum derive_how how;
    const char *label;
} derivations[] = {
    { "cloudtrail-next-token", DERIVE_HMAC_LABEL,
      "logvault cloudtrail next token v1" },
    { "grant-token", DERIVE_HMAC_LABEL, "logvault grant token v1" },
    { "logs-next-token", DERIVE_HMAC_LABEL, "logvault logs next token v1" },
    { "logs-service-key", DERIVE_HKDF_INFO, "logvault logs service key v1" },
    { "audit-digest", DERIVE_HMAC_LABEL, "logvault audit digest v1" },
    { "kms-import-token", DERIVE_HMAC_LABEL,
      "logvault kms import token v1" },
    { "kms-import-fingerprint", DERIVE_HMAC_LABEL,
      "logvault kms import fingerprint v1" },
    { "logs-field-index", DERIVE_HKDF_INFO,
      "logvault logs field index v1" },
};

struct lv_keyring *lv_keyring_new(const uint8_t root[32])
{
    struct lv_keyring *kr = lv_xcalloc(1, sizeof(*kr));

    memcpy(kr->root, root, sizeof(kr->root));
    return kr;
}

void lv_keyring_free(struct lv_keyring *kr)
{
    if (kr) {
        lv_secret_free(kr, sizeof(*kr));
    }
}

static void hmac_label(const uint8_t root[32], const char *label,
                       uint8_t out[32])
{
    unsigned int n = 0;

    if (!HMAC(EVP_sha256(), root, 32, (const unsigned char *)label,
              strlen(label), out, &n) || n != 32) {
        LV_BUG("keyring: HMAC-SHA256 failed");
    }
}

static void hkdf_info(const uint8_t root[32], const char *label,
                      const void *context, size_t ctx_len, uint8_t out[32])
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    size_t label_len = strlen(label);
    uint8_t *info = lv_xmalloc(label_len + ctx_len + 1);
    OSSL_PARAM params[4];
    int ok;

    memcpy(info, label, label_len);
    if (ctx_len) {
        memcpy(info + label_len, context, ctx_len);
    }
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  (void *)root, 32);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
                                                  label_len + ctx_len);
    params[3] = OSSL_PARAM_construct_end();
    ok = kctx && EVP_KDF_derive(kctx, out, 32, params) == 1;
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    free(info);
    if (!ok) {
        LV_BUG("keyring: HKDF-SHA256 failed");
    }
}

void lv_keyring_derive(const struct lv_keyring *kr, const char *name,
                       const void *context, size_t ctx_len, uint8_t out[32])
{
    for (size_t i = 0; i < sizeof(derivations) / sizeof(derivations[0]);
         i++) {
        const struct derivation *d = &derivations[i];

        if (strcmp(d->name, name) != 0) {
            continue;
        }
        if (d->how == DERIVE_HMAC_LABEL) {
            if (ctx_len) {
                LV_BUG("keyring: %s takes no context", name);
            }
            hmac_label(kr->root, d->label, out);
        } else {
            hkdf_info(kr->root, d->label, context, ctx_len, out);
        }
        return;
    }
    LV_BUG("keyring: no derivation named %s", name);
}

int lv_keyring_seal(const struct lv_keyring *kr, const char *aad_key_arn,
                    uint32_t version, const void *material, size_t len,
                    struct lv_buf *out)
{
    return lv_seal(kr->root, aad_key_arn, version, material, len, out);
}

int lv_keyring_unseal_alloc(const struct lv_keyring *kr,
                            const char *aad_key_arn, uint32_t version,
                            const void *sealed, size_t sealed_len,
                            uint8_t **out, size_t *out_len,
                            struct lv_err *err)
{
    return lv_unseal_alloc(kr->root, aad_key_arn, version, sealed,
                           sealed_len, out, out_len, err);
}

void lv_keyring_check_value(const struct lv_keyring *kr, uint8_t out[32])
{
    lv_rootkey_check_value(kr->root, out);
}

int lv_keyring_verify_check(const struct lv_keyring *kr,
                            const uint8_t *stored, size_t len,
                            struct lv_err *err)
{
    return lv_rootkey_verify_check(kr->root, stored, len, err);
}
