/*
 * anomaly_seal.c: what an anomaly detector with a KMS key keeps at rest
 * encrypted (anomaly_int.h, "The detector's data key").
 *
 * The detector's data key comes from KMS GenerateDataKey under its
 * kmsKeyId, asked as the Logs service principal with the encryption
 * context {"aws:logs:arn": <detector ARN>} when the detector is created;
 * only the KMS ciphertext blob is kept (doc "dataKey", base64), as a log
 * group's data keys are (datakey.h). Each use decrypts it through KMS
 * again — Decrypt authorizes and checks the key's state every time, so a
 * disabled key or a changed policy stops reads at once — and the
 * plaintext is wiped after the request (lv_logs_anomaly_key_wipe).
 *
 * A sealed member is "sealed" (base64 of nonce (12) | ciphertext | tag
 * (16), AES-256-GCM under the data key) holding a JSON object of the
 * members it replaced; the AAD names where it lives ("lvanomaly1|<detector
 * id>|<what>"), so a sealed value moved to another detector, pattern or
 * member does not open.
 */
#include "logs/anomaly_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "crypto/crypto.h"
#include "kms/kms.h"
#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "svc/req.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* The most a sealed member is read back as (a detector's patterns grow
 * with its baseline; the evaluator's own read buffer is as large). */
#define SEALED_MAX (64u << 20)

static int unavailable(struct lv_err *err)
{
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                      "Service is unavailable; please try again");
}

static void aad_of(const char *detector_id, const char *what, char *out,
                   size_t n)
{
    snprintf(out, n, "lvanomaly1|%s|%s", detector_id, what);
}

static void context_of(struct lv_req *rq, const char *detector_id,
                       char arn[LV_ANOMALY_ARN_MAX], struct lv_kv *ctx)
{
    lv_logs_anomaly_arn(rq->region, rq->who.account, detector_id, arn);
    ctx->key = "aws:logs:arn";
    ctx->value = arn;
}

int lv_logs_anomaly_key_new(struct lv_req *rq, const char *detector_id,
                            const char *key_arn, json_t *doc,
                            struct lv_err *err)
{
    struct lv_kms_service_call c;
    struct lv_err kerr = LV_ERR_INIT;
    struct lv_buf blob = LV_BUF_INIT(4096);
    struct lv_kv ctx;
    uint8_t plain[32];
    char service[128];
    char arn[LV_ANOMALY_ARN_MAX];
    char used[256];
    char *text = NULL;
    int ret = -1;

    lv_logs_kms_call(rq, &c, service);
    context_of(rq, detector_id, arn, &ctx);
    if (rq->app->logs->kms->generate_data_key(&c, key_arn, &ctx, 1, plain,
                                              &blob, used, &kerr) < 0) {
        lv_logs_kms_key_error(&kerr, key_arn, arn, err);
        goto out;
    }
    text = lv_b64_encode_alloc(blob.data, blob.len, NULL);
    json_object_set_new(doc, "dataKey", json_string(text));
    ret = 0;
out:
    free(text);
    lv_secret_wipe(plain, sizeof(plain));
    lv_buf_release(&blob);
    return ret;
}

int lv_logs_anomaly_key_open(struct lv_req *rq, const char *detector_id,
                             const json_t *doc, struct lv_anomaly_key *k,
                             struct lv_err *err)
{
    const char *key = lv_json_str(doc, "kmsKeyId");
    const char *wrapped = lv_json_str(doc, "dataKey");
    struct lv_kms_service_call c;
    struct lv_err kerr = LV_ERR_INIT;
    struct lv_kv ctx;
    unsigned char *blob = NULL;
    size_t len = 0;
    char service[128];
    char arn[LV_ANOMALY_ARN_MAX];
    char used[256];
    int ret = -1;

    memset(k, 0, sizeof(*k));
    if (!key || !key[0]) {
        return 0;
    }
    if (!wrapped ||
        !(blob = lv_b64_decode_alloc(wrapped, strlen(wrapped), &len))) {
        lv_log(LV_LOG_ERROR, "logs: anomaly detector %s has a key but no "
               "readable data key", detector_id);
        return unavailable(err);
    }
    lv_logs_kms_call(rq, &c, service);
    context_of(rq, detector_id, arn, &ctx);
    if (rq->app->logs->kms->decrypt(&c, blob, len, &ctx, 1, k->key, used,
                                    &kerr) < 0) {
        lv_log(LV_LOG_INFO, "logs: anomaly detector key refused req=%s "
               "code=%d", rq->id, (int)kerr.code);
        lv_logs_kms_key_error(&kerr, key, arn, err);
        goto out;
    }
    k->on = 1;
    ret = 0;
out:
    free(blob);
    return ret;
}

void lv_logs_anomaly_key_wipe(struct lv_anomaly_key *k)
{
    lv_secret_wipe(k, sizeof(*k));
}

void lv_logs_anomaly_seal(const struct lv_anomaly_key *k,
                          const char *detector_id, const char *what,
                          json_t *obj, const char *const members[])
{
    json_t *inner;
    char *pt = NULL;
    uint8_t *box = NULL;
    char *text = NULL;
    char aad[160];
    size_t n;

    if (!k->on) {
        return;
    }
    inner = json_object();
    for (size_t i = 0; members[i]; i++) {
        json_t *v = json_object_get(obj, members[i]);

        if (v) {
            json_object_set(inner, members[i], v);
            json_object_del(obj, members[i]);
        }
    }
    pt = json_dumps(inner, JSON_COMPACT);
    json_decref(inner);
    n = strlen(pt);
    box = lv_xmalloc(12 + n + 16);
    lv_rand_bytes(box, 12);
    aad_of(detector_id, what, aad, sizeof(aad));
    if (lv_aead_seal(k->key, box, aad, strlen(aad), pt, n, box + 12,
                     box + 12 + n) < 0) {
        LV_BUG("aes-gcm seal failed");
    }
    text = lv_b64_encode_alloc(box, 12 + n + 16, NULL);
    json_object_set_new(obj, "sealed", json_string(text));
    free(text);
    free(box);
    lv_secret_free(pt, n);
}

int lv_logs_anomaly_unseal(const struct lv_anomaly_key *k,
                           const char *detector_id, const char *what,
                           json_t *obj, struct lv_err *err)
{
    const char *text = lv_json_str(obj, "sealed");
    unsigned char *box = NULL;
    char *pt = NULL;
    json_t *inner = NULL;
    size_t len = 0, n = 0;
    char aad[160];
    const char *name;
    json_t *v;
    int ret = -1;

    if (!text) {
        return 0;       /* nothing sealed (a detector without a key) */
    }
    if (!k->on || strlen(text) > lv_b64_encoded_len(SEALED_MAX) ||
        !(box = lv_b64_decode_alloc(text, strlen(text), &len)) ||
        len < 12 + 16) {
        goto bad;
    }
    n = len - 12 - 16;
    pt = lv_xmalloc(n + 1);
    aad_of(detector_id, what, aad, sizeof(aad));
    if (lv_aead_open(k->key, box, aad, strlen(aad), box + 12, n,
                     (uint8_t *)pt, box + 12 + n) < 0) {
        goto bad;
    }
    pt[n] = '\0';
    inner = json_loadb(pt, n, 0, NULL);
    if (!json_is_object(inner)) {
        goto bad;
    }
    json_object_foreach(inner, name, v) {
        json_object_set(obj, name, v);
    }
    json_object_del(obj, "sealed");
    ret = 0;
    goto out;
bad:
    lv_log(LV_LOG_ERROR, "logs: sealed data of anomaly detector %s does not "
           "open (%s)", detector_id, what);
    unavailable(err);
out:
    json_decref(inner);
    if (pt) {
        lv_secret_free(pt, n + 1);
    }
    free(box);
    return ret;
}
