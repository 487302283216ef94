/*
 * internal: KMS as other services inside logvault call it — as a service
 * principal (logs.<region>.amazonaws.com) acting for an account. The calls
 * take exactly the path an outside caller's do: resolve the key, authorize
 * against its key policy and grants (with the service as principal and the
 * encryption context as condition keys), then the key-state and key-usage
 * rules. Nothing here bypasses a policy.
 */
#include "kms/kms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit/audit.h"
#include "crypto/crypto.h"
#include "kms/kms_int.h"
#include "policy/policy.h"
#include "store/kms_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/*
 * Records the call in the audit trail as AWS records a service's call
 * (audit/audit.h): the operation, the key it named and the one it
 * reached, the encryption context, and the error when it failed. No
 * recorder (a test's app, or none): nothing.
 */
static void record(const struct lv_kms_service_call *c,
                   const struct lv_req *rq, const char *op,
                   const char *key_ref, const struct lv_kv *ctx,
                   size_t n_ctx, const struct lv_kms_key *k, int failed,
                   const struct lv_err *err)
{
    if (!c->app || !c->app->audit) {
        return;
    }
    lv_audit_service_call(c->app->audit, rq, op, key_ref, ctx, n_ctx,
                          k->arn[0] ? k->arn : NULL, failed ? err : NULL);
}

static void fill_req(const struct lv_kms_service_call *c, struct lv_req *rq)
{
    memset(rq, 0, sizeof(*rq));
    snprintf(rq->id, sizeof(rq->id), "%s", c->request_id ? c->request_id
                                                          : "");
    rq->now = c->now;
    rq->now_ms = (int64_t)c->now * 1000;
    snprintf(rq->region, sizeof(rq->region), "%s", c->region);
    snprintf(rq->who.account, sizeof(rq->who.account), "%s", c->account);
    snprintf(rq->who.service, sizeof(rq->who.service), "%s", c->service);
    rq->app = c->app;
    rq->store = c->store;
    /* A call inside the process crosses no network: as secure as TLS
     * (aws:SecureTransport true); it has no source address (aws:SourceIp
     * absent) and no input document. */
    rq->secure_transport = 1;
}

/* The end of a call's request: a refusal's trace goes to the caller's
 * request (c->trace), else it is dropped. */
static void done_req(const struct lv_kms_service_call *c, struct lv_req *rq)
{
    if (rq->trace && c->trace && !*c->trace) {
        *c->trace = rq->trace;
        rq->trace = NULL;
    }
    free(rq->trace);
    rq->trace = NULL;
}

/* aws:SourceAccount and aws:SourceArn, as AWS sets them when a service
 * acts for a resource: the account, and the resource named by the
 * context's aws:logs:arn when there is one. */
static size_t source_keys(const struct lv_kms_service_call *c,
                          const struct lv_kv *ctx, size_t n_ctx,
                          struct lv_policy_ctx_value *out,
                          const char *vals[2][1])
{
    size_t n = 0;

    vals[0][0] = c->account;
    out[n].key = "aws:SourceAccount";
    out[n].values = vals[0];
    out[n].n = 1;
    n++;
    for (size_t i = 0; i < n_ctx; i++) {
        if (strcmp(ctx[i].key, "aws:logs:arn") == 0) {
            vals[1][0] = ctx[i].value;
            out[n].key = "aws:SourceArn";
            out[n].values = vals[1];
            out[n].n = 1;
            n++;
            break;
        }
    }
    return n;
}

static int symmetric_usable(const struct lv_kms_key *k, const char *op,
                            struct lv_err *err)
{
    if (lv_kms_check_enabled(k, err) < 0 ||
        lv_kms_check_usage(k, "ENCRYPT_DECRYPT", op, err) < 0) {
        return -1;
    }
    if (strcmp(k->key_spec, "SYMMETRIC_DEFAULT") != 0) {
        return lv_err_set(err, LV_E_INVALID_KEY_USAGE,
                          "%s key spec is %s; %s needs a symmetric key.",
                          k->arn, k->key_spec, op);
    }
    return 0;
}

int lv_kms_svc_describe_key(const struct lv_kms_service_call *c,
                            const char *key_ref, struct lv_kms_key_info *out,
                            struct lv_err *err)
{
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_policy_ctx_value extra[2];
    const char *vals[2][1];
    size_t n_extra;
    int ret = -1;

    fill_req(c, &rq);
    lv_kms_key_init(&k);
    n_extra = source_keys(c, NULL, 0, extra, vals);
    if (lv_kms_resolve(&rq, key_ref, LV_KMS_ALIAS_OK | LV_KMS_CROSS_ACCOUNT,
                       &k, err) < 0 ||
        lv_kms_authorize(&rq, &k, "DescribeKey", NULL, 0, extra, n_extra,
                         err) < 0) {
        goto out;
    }
    snprintf(out->arn, sizeof(out->arn), "%s", k.arn);
    snprintf(out->key_spec, sizeof(out->key_spec), "%s", k.key_spec);
    snprintf(out->key_usage, sizeof(out->key_usage), "%s", k.key_usage);
    snprintf(out->state, sizeof(out->state), "%s", k.state);
    ret = 0;
out:
    record(c, &rq, "DescribeKey", key_ref, NULL, 0, &k, ret < 0, err);
    lv_kms_key_release(&k);
    done_req(c, &rq);
    return ret;
}

int lv_kms_svc_generate_data_key(const struct lv_kms_service_call *c,
                                 const char *key_ref, const struct lv_kv *ctx,
                                 size_t n_ctx, uint8_t plaintext[32],
                                 struct lv_buf *blob, char key_arn[256],
                                 struct lv_err *err)
{
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_policy_ctx_value extra[2];
    const char *vals[2][1];
    uint8_t id[16];
    uint8_t dk[32];
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    size_t n_extra;
    int ret = -1;

    fill_req(c, &rq);
    lv_kms_key_init(&k);
    n_extra = source_keys(c, ctx, n_ctx, extra, vals);
    if (lv_kms_resolve(&rq, key_ref, LV_KMS_ALIAS_OK | LV_KMS_CROSS_ACCOUNT,
                       &k, err) < 0 ||
        lv_kms_authorize(&rq, &k, "GenerateDataKey", ctx, n_ctx, extra,
                         n_extra, err) < 0 ||
        symmetric_usable(&k, "GenerateDataKey", err) < 0) {
        goto out;
    }
    if (k.custom_key_store_id[0]) {
        /* A key of a custom key store seals on its token (cks.c). */
        lv_rand_bytes(dk, sizeof(dk));
        if (lv_kms_cks_seal(&rq, &k, ctx, n_ctx, dk, sizeof(dk), blob,
                            err) < 0) {
            goto out;
        }
        memcpy(plaintext, dk, sizeof(dk));
        snprintf(key_arn, 256, "%s", k.arn);
        ret = 0;
        goto out;
    }
    if (lv_kms_material(&rq, &k, k.current_version, &mat, &mat_len,
                        err) < 0) {
        goto out;
    }
    if (mat_len != 32 || lv_kms_key_raw(&k, id) < 0) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "The key material of %s cannot be"
                   " used", k.arn);
        goto out;
    }
    lv_rand_bytes(dk, sizeof(dk));
    if (lv_blob_encrypt(mat, id, k.current_version, ctx, n_ctx, dk,
                        sizeof(dk), blob) < 0) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "Data key encryption failed");
        goto out;
    }
    memcpy(plaintext, dk, sizeof(dk));
    snprintf(key_arn, 256, "%s", k.arn);
    ret = 0;
out:
    record(c, &rq, "GenerateDataKey", key_ref, ctx, n_ctx, &k, ret < 0,
           err);
    lv_secret_wipe(dk, sizeof(dk));
    lv_secret_free(mat, mat_len);
    lv_kms_key_release(&k);
    done_req(c, &rq);
    return ret;
}

int lv_kms_svc_decrypt(const struct lv_kms_service_call *c, const void *blob,
                       size_t len, const struct lv_kv *ctx, size_t n_ctx,
                       uint8_t plaintext[32], char key_arn[256],
                       struct lv_err *err)
{
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_policy_ctx_value extra[2];
    const char *vals[2][1];
    struct lv_buf pt = LV_BUF_INIT(64);
    uint8_t id[16];
    char id_text[37];
    char mr_text[LV_KMS_ID_MAX];
    uint32_t version;
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    size_t n_extra;
    int found;
    int ret = -1;

    fill_req(c, &rq);
    lv_kms_key_init(&k);
    n_extra = source_keys(c, ctx, n_ctx, extra, vals);
    if (lv_blob_parse_header(blob, len, id, &version, err) < 0) {
        goto out;
    }
    lv_kms_raw_ids(id, c->region, id_text, mr_text);
    found = lv_kms_key_get(&rq, id_text, &k, err);
    if (found == 0) {
        found = lv_kms_key_get(&rq, mr_text, &k, err);
    }
    if (found < 0) {
        goto out;
    }
    if (!found || strcmp(k.region, c->region) != 0) {
        lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
        goto out;
    }
    if (k.material_destroyed) {
        lv_err_set(err, LV_E_NOT_FOUND, "Key '%s' does not exist", k.arn);
        goto out;
    }
    if (lv_kms_authorize(&rq, &k, "Decrypt", ctx, n_ctx, extra, n_extra,
                         err) < 0 ||
        symmetric_usable(&k, "Decrypt", err) < 0) {
        goto out;
    }
    lv_buf_grow(&pt, 32);
    if (k.custom_key_store_id[0]) {
        /* A key of a custom key store opens on its token (cks.c). */
        if (lv_kms_cks_open(&rq, &k, blob, len, ctx, n_ctx, &pt, err) < 0) {
            goto out;
        }
    } else if (lv_kms_material(&rq, &k, version, &mat, &mat_len,
                               err) < 0) {
        goto out;
    } else if (mat_len != 32 || lv_blob_decrypt(mat, blob, len, ctx, n_ctx,
                                                &pt, err) < 0) {
        lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
        goto out;
    }
    if (pt.len != 32) {
        lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
        goto out;
    }
    memcpy(plaintext, pt.data, 32);
    snprintf(key_arn, 256, "%s", k.arn);
    ret = 0;
out:
    record(c, &rq, "Decrypt", NULL, ctx, n_ctx, &k, ret < 0, err);
    lv_crypto_buf_release(&pt);
    lv_secret_free(mat, mat_len);
    lv_kms_key_release(&k);
    done_req(c, &rq);
    return ret;
}

int lv_kms_svc_authorize(const struct lv_kms_service_call *c,
                         const char *key_arn, const char *action,
                         const struct lv_kv *ctx, size_t n_ctx,
                         struct lv_err *err)
{
    struct lv_req rq;
    struct lv_kms_key k;
    struct lv_policy_ctx_value extra[2];
    const char *vals[2][1];
    size_t n_extra;
    int ret = -1;

    fill_req(c, &rq);
    lv_kms_key_init(&k);
    n_extra = source_keys(c, ctx, n_ctx, extra, vals);
    if (lv_kms_resolve(&rq, key_arn, LV_KMS_CROSS_ACCOUNT, &k, err) < 0 ||
        lv_kms_authorize(&rq, &k, action, ctx, n_ctx, extra, n_extra,
                         err) < 0 ||
        symmetric_usable(&k, action, err) < 0) {
        /* Logs checks here that it may still use the key (when a key is
         * associated, and before using a data key it holds): on AWS that
         * is a call of `action` the service makes, refused. An allowed
         * check uses nothing and is not recorded; the calls that use the
         * key are (above). */
        record(c, &rq, action, key_arn, ctx, n_ctx, &k, 1, err);
        goto out;
    }
    ret = 0;
out:
    lv_kms_key_release(&k);
    done_req(c, &rq);
    return ret;
}

const struct lv_kms_client lv_kms_svc_client = {
    lv_kms_svc_describe_key,
    lv_kms_svc_generate_data_key,
    lv_kms_svc_decrypt,
    lv_kms_svc_authorize,
};
