/*
 * mac: GenerateMac and VerifyMac with HMAC KMS keys (HMAC_256/384/512,
 * whose material is 32/48/64 raw bytes). The MAC algorithm must be the one
 * the key spec offers. VerifyMac answers MacValid true, or
 * KMSInvalidMacException (no message) — never MacValid false.
 *
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html
 */
#include "kms/ops_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kms/kms.h"
#include "kms/kms_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

int lv_kms_hmac(const char *alg, const uint8_t *key, size_t key_len,
                const void *msg, size_t msg_len, uint8_t out[64],
                size_t *out_len)
{
    const EVP_MD *md = NULL;
    unsigned int n = 0;

    if (strcmp(alg, "HMAC_SHA_224") == 0) {
        md = EVP_sha224();
    } else if (strcmp(alg, "HMAC_SHA_256") == 0) {
        md = EVP_sha256();
    } else if (strcmp(alg, "HMAC_SHA_384") == 0) {
        md = EVP_sha384();
    } else if (strcmp(alg, "HMAC_SHA_512") == 0) {
        md = EVP_sha512();
    }
    if (!md || key_len > (size_t)INT_MAX ||
        !HMAC(md, key, (int)key_len, msg, msg_len, out, &n)) {
        return -1;
    }
    *out_len = n;
    return 0;
}

static int generate_verify(struct lv_req *rq, const json_t *in, int verify,
                           struct lv_jw *w, struct lv_err *err)
{
    const char *op = verify ? "VerifyMac" : "GenerateMac";
    const char *alg = lv_json_str(in, "MacAlgorithm");
    struct lv_kms_key k;
    unsigned char *msg = NULL;
    unsigned char *given = NULL;
    uint8_t *mat = NULL;
    uint8_t mac[64];
    size_t msg_len = 0;
    size_t given_len = 0;
    size_t mat_len = 0;
    size_t mac_len = 0;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_use_key(rq, in, "KeyId", op, NULL, 0, "GENERATE_VERIFY_MAC",
                       op, &k, err) < 0) {
        goto out;
    }
    if (!alg) {
        alg = "";
    }
    if (lv_kms_check_alg(lv_kms_mac_algorithms(k.key_spec), alg, k.key_spec,
                         err) < 0) {
        goto out;
    }
    msg = lv_json_blob(in, "Message", &msg_len);
    if (verify) {
        given = lv_json_blob(in, "Mac", &given_len);
    }
    if (!msg || (verify && !given)) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at '%s' failed to satisfy constraint: Member"
                   " must not be null", !msg ? "message" : "mac");
        goto out;
    }
    if (lv_kms_dry_run(in, err) < 0) {
        goto out;
    }
    if (lv_kms_material(rq, &k, k.current_version, &mat, &mat_len,
                        err) < 0) {
        goto out;
    }
    if (lv_kms_hmac(alg, mat, mat_len, msg, msg_len, mac, &mac_len) < 0) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "The MAC cannot be computed");
        goto out;
    }
    if (verify && (given_len != mac_len ||
                   !lv_secret_equal(given, mac, mac_len))) {
        /* AWS sends this one without a message. */
        lv_err_set(err, LV_E_KMS_INVALID_MAC, NULL);
        goto out;
    }
    if (verify) {
        lv_jw_kstr(w, "KeyId", k.arn);
        lv_jw_kbool(w, "MacValid", 1);
        lv_jw_kstr(w, "MacAlgorithm", alg);
    } else {
        lv_jw_key(w, "Mac");
        lv_jw_b64(w, mac, mac_len);
        lv_jw_kstr(w, "MacAlgorithm", alg);
        lv_jw_kstr(w, "KeyId", k.arn);
    }
    ret = 0;
out:
    lv_secret_wipe(mac, sizeof(mac));
    if (mat) {
        lv_secret_free(mat, mat_len);
    }
    if (msg) {
        lv_secret_free(msg, msg_len + 1);
    }
    free(given);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_generate_mac(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    return generate_verify(rq, in, 0, w, err);
}

int lv_kms_op_verify_mac(struct lv_req *rq, const json_t *in,
                         struct lv_jw *w, struct lv_err *err)
{
    return generate_verify(rq, in, 1, w, err);
}
