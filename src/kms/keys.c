/*
 * keys: the KMS key lifecycle operations — CreateKey, DescribeKey,
 * ListKeys, UpdateKeyDescription, EnableKey, DisableKey,
 * ScheduleKeyDeletion, CancelKeyDeletion — and the helpers every
 * key-management handler shares (keys_int.h: these, aliases.c,
 * policies.c, tags.c). The deletion itself, once DeletionDate has passed, is the sweeper's
 * (sweeper.c). Cryptographic operations, rotation and grants live in
 * ops.c and admin.c.
 *
 * Each operation follows the API reference
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_<Op>.html):
 * find the key, authorize kms:<Op> against its key policy and grants,
 * then check the key state as the key-state table requires
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html).
 */
#include "kms/kms.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms/keys_int.h"
#include "kms/kms_int.h"
#include "kms/managed.h"
#include "policy/policy.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define DAY_SECONDS 86400.0

/* https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html */
#define PENDING_WINDOW_MIN 7
#define PENDING_WINDOW_MAX 30
#define PENDING_WINDOW_DEFAULT 30

/* ---- shared helpers ------------------------------------------------------ */

void lv_kms_marker_write(struct lv_jw *w, const char *kind, const char *last)
{
    char *plain = lv_xasprintf("%s:%s", kind, last);
    char *enc = lv_b64_encode_alloc(plain, strlen(plain), NULL);

    lv_jw_kstr(w, "NextMarker", enc);
    free(enc);
    free(plain);
}

int lv_kms_marker_read(const json_t *in, const char *kind, char *after,
                       size_t cap, struct lv_err *err)
{
    const char *m = lv_json_str(in, "Marker");
    unsigned char *dec = NULL;
    size_t len = 0;
    size_t klen = strlen(kind);
    int ret = -1;

    after[0] = '\0';
    if (!m) {
        return 0;
    }
    dec = lv_b64_decode_alloc(m, strlen(m), &len);
    if (!dec || len <= klen || memcmp(dec, kind, klen) != 0 ||
        dec[klen] != ':' || len - klen - 1 >= cap ||
        memchr(dec, '\0', len) != NULL) {
        /* Not a marker this operation handed out. */
        lv_err_set(err, LV_E_INVALID_MARKER, "Invalid marker");
        goto out;
    }
    memcpy(after, dec + klen + 1, len - klen - 1);
    after[len - klen - 1] = '\0';
    ret = 0;
out:
    free(dec);
    return ret;
}

int lv_kms_limit(const json_t *in)
{
    int64_t v;

    if (lv_json_int64(in, "Limit", &v) && v >= 1 && v <= 1000) {
        return (int)v;
    }
    return LV_KMS_LIST_DEFAULT;
}

int lv_kms_check_manageable(const struct lv_kms_key *k, struct lv_err *err)
{
    if (strcmp(k->state, "Enabled") == 0 ||
        strcmp(k->state, "Disabled") == 0 ||
        strcmp(k->state, "PendingImport") == 0) {
        return 0;
    }
    if (strcmp(k->state, "PendingDeletion") == 0) {
        return lv_err_set(err, LV_E_KMS_INVALID_STATE,
                          "%s is pending deletion.", k->arn);
    }
    return lv_err_set(err, LV_E_KMS_INVALID_STATE, "%s is %s.", k->arn,
                      k->state);
}

int lv_kms_load_key(struct lv_req *rq, const json_t *in, unsigned flags,
                    const char *action, struct lv_kms_key *k,
                    struct lv_err *err)
{
    const char *ref;

    if (lv_json_req_str(in, "KeyId", 1, 2048, &ref, err) < 0 ||
        lv_kms_resolve(rq, ref, flags, k, err) < 0) {
        return -1;
    }
    return lv_kms_authorize(rq, k, action, NULL, 0, NULL, 0, err);
}

/* How often lv_kms_key_change starts over after losing a race. On SQLite
 * never: its transactions take the write lock at begin, so the record read
 * inside one is the one the change is made on. A backend shared by several
 * nodes can lose; this bounds the work a hot key costs. */
#define KEY_CHANGE_TRIES 16

int lv_kms_key_change(struct lv_req *rq, const struct lv_kms_key *k,
                      lv_kms_change_fn fn, void *arg, struct lv_kms_key *cur,
                      struct lv_err *err)
{
    int found;
    int rc;

    for (int i = 0; i < KEY_CHANGE_TRIES; i++) {
        if (lv_store_begin(rq->store, err) < 0) {
            return -1;
        }
        found = lv_store_kms_key_get(rq->store, k->id, cur, err);
        if (found < 0) {
            lv_store_rollback(rq->store);
            return -1;
        }
        if (!found || cur->material_destroyed) {
            lv_store_rollback(rq->store);
            return lv_err_set(err, LV_E_NOT_FOUND,
                              "Key '%s' does not exist", k->arn);
        }
        rc = fn(rq, cur, arg, err);
        if (rc < 0) {
            lv_store_rollback(rq->store);
            return -1;
        }
        if (rc > 0) {
            return lv_store_commit(rq->store, err);
        }
        lv_store_rollback(rq->store);
    }
    lv_log(LV_LOG_WARN, "kms: change of key %s lost %d races in a row req=%s",
           k->id, KEY_CHANGE_TRIES, rq->id);
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                      "The key %s is being changed by other requests; "
                      "please try again", k->arn);
}

/* ---- CreateKey ----------------------------------------------------------- */

struct spec_rule {
    const char *spec;
    const char *usages[3];      /* the KeyUsage values AWS allows */
};

/* Which KeyUsage each key spec allows, as the CreateKey reference lists
 * them: NIST curves sign or agree keys, ECC_SECG_P256K1 only signs. SM2
 * (China Regions only) is not among them: this server serves no China
 * region. */
static const struct spec_rule spec_rules[] = {
    { "SYMMETRIC_DEFAULT", { "ENCRYPT_DECRYPT", NULL, NULL } },
    { "RSA_2048", { "ENCRYPT_DECRYPT", "SIGN_VERIFY", NULL } },
    { "RSA_3072", { "ENCRYPT_DECRYPT", "SIGN_VERIFY", NULL } },
    { "RSA_4096", { "ENCRYPT_DECRYPT", "SIGN_VERIFY", NULL } },
    { "ECC_NIST_P256", { "SIGN_VERIFY", "KEY_AGREEMENT", NULL } },
    { "ECC_NIST_P384", { "SIGN_VERIFY", "KEY_AGREEMENT", NULL } },
    { "ECC_NIST_P521", { "SIGN_VERIFY", "KEY_AGREEMENT", NULL } },
    { "ECC_SECG_P256K1", { "SIGN_VERIFY", NULL, NULL } },
    { "HMAC_256", { "GENERATE_VERIFY_MAC", NULL, NULL } },
    { "HMAC_384", { "GENERATE_VERIFY_MAC", NULL, NULL } },
    { "HMAC_512", { "GENERATE_VERIFY_MAC", NULL, NULL } },
};

static const struct spec_rule *find_rule(const char *spec)
{
    for (size_t i = 0; i < sizeof(spec_rules) / sizeof(spec_rules[0]); i++) {
        if (strcmp(spec_rules[i].spec, spec) == 0) {
            return &spec_rules[i];
        }
    }
    return NULL;
}

/* KeySpec / CustomerMasterKeySpec / KeyUsage / Origin / MultiRegion of a
 * CreateKey request: the spec, usage and origin to create, or AWS's
 * error. */
static int create_key_shape(const json_t *in, const char **spec_out,
                            const char **usage_out, const char **origin_out,
                            int *multi_out, struct lv_err *err)
{
    const char *spec = lv_json_str(in, "KeySpec");
    const char *cmk_spec = lv_json_str(in, "CustomerMasterKeySpec");
    const char *usage = lv_json_str(in, "KeyUsage");
    const char *origin = lv_json_str(in, "Origin");
    const char *cks_id = lv_json_str(in, "CustomKeyStoreId");
    const struct spec_rule *rule;
    int multi = 0;

    if (spec && cmk_spec) {
        return lv_err_set(err, LV_E_VALIDATION,
                          "You cannot specify KeySpec and "
                          "CustomerMasterKeySpec in the same request. "
                          "CustomerMasterKeySpec parameter is deprecated. "
                          "Use KeySpec parameter instead.");
    }
    if (!spec) {
        spec = cmk_spec ? cmk_spec : "SYMMETRIC_DEFAULT";
    }
    /* Keys whose material KMS makes, keys for imported material
     * (import.c) and keys of a custom key store on a PKCS#11 token
     * (cks.c); no external key stores. */
    if (!origin) {
        origin = "AWS_KMS";
    }
    if (strcmp(origin, "AWS_KMS") != 0 && strcmp(origin, "EXTERNAL") != 0 &&
        strcmp(origin, "AWS_CLOUDHSM") != 0) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "Origin %s is not supported by logvault: keys are "
                          "created with Origin AWS_KMS, EXTERNAL or "
                          "AWS_CLOUDHSM", origin);
    }
    *origin_out = origin;
    if (lv_json_str(in, "XksKeyId")) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "External key stores are not supported by "
                          "logvault");
    }
    /* A key of a custom key store: Origin AWS_CLOUDHSM and the store go
     * together (API_CreateKey: "specify the Origin parameter with a value
     * of AWS_CLOUDHSM"); only symmetric encryption keys, of one Region. */
    if (cks_id || strcmp(origin, "AWS_CLOUDHSM") == 0) {
        if (!cks_id || strcmp(origin, "AWS_CLOUDHSM") != 0) {
            return lv_err_set(err, LV_E_VALIDATION, "To create a KMS key in "
                              "an AWS CloudHSM key store, specify both "
                              "CustomKeyStoreId and Origin AWS_CLOUDHSM.");
        }
        if (strcmp(spec, "SYMMETRIC_DEFAULT") != 0) {
            return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION, "KeySpec %s "
                              "is not supported for KMS keys in a custom "
                              "key store. Only SYMMETRIC_DEFAULT keys can be "
                              "created in a custom key store.", spec);
        }
        if (usage && strcmp(usage, "ENCRYPT_DECRYPT") != 0) {
            return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION, "KeyUsage %s "
                              "is not supported for KMS keys in a custom "
                              "key store. Only ENCRYPT_DECRYPT keys can be "
                              "created in a custom key store.", usage);
        }
        if (lv_json_bool(in, "MultiRegion", &multi) && multi) {
            return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION, "You cannot "
                              "create a multi-Region key in a custom key "
                              "store.");
        }
    }
    /* Multi-Region keys (multiregion.c) of material KMS makes: the
     * replicas of an imported one would each need the same material
     * imported, which logvault does not do. */
    if (lv_json_bool(in, "MultiRegion", &multi) && multi &&
        strcmp(origin, "AWS_KMS") != 0) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "logvault makes multi-Region keys with Origin "
                          "AWS_KMS only");
    }
    *multi_out = multi;
    rule = find_rule(spec);
    if (!rule) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "KeySpec %s is not supported by logvault; it "
                          "creates SYMMETRIC_DEFAULT, RSA_2048, RSA_3072, "
                          "RSA_4096, ECC_NIST_P256, ECC_NIST_P384, "
                          "ECC_NIST_P521, ECC_SECG_P256K1, HMAC_256, "
                          "HMAC_384 and HMAC_512 keys", spec);
    }
    if (!usage) {
        /* AWS defaults KeyUsage to ENCRYPT_DECRYPT, which an HMAC key
         * cannot have, so for HMAC it must be given. */
        if (strncmp(spec, "HMAC_", 5) == 0) {
            return lv_err_set(err, LV_E_VALIDATION,
                              "You must specify a KeyUsage value for all "
                              "KMS keys except for symmetric encryption "
                              "keys.");
        }
        usage = "ENCRYPT_DECRYPT";
    }
    for (int i = 0; i < 3 && rule->usages[i]; i++) {
        if (strcmp(rule->usages[i], usage) == 0) {
            *spec_out = rule->spec;
            *usage_out = usage;
            return 0;
        }
    }
    return lv_err_set(err, LV_E_VALIDATION,
                      "KeyUsage %s is not compatible with KeySpec %s",
                      usage, spec);
}

/* The record of k was not written: its token key goes again (else it
 * stays on the token as an orphan, and the log says so). */
static void untoken(struct lv_req *rq, const struct lv_kms_key *k)
{
    struct lv_err e = LV_ERR_INIT;

    if (lv_kms_cks_destroy_key(rq, k, &e) < 0) {
        lv_log(LV_LOG_WARN, "kms: token key %s of a key not created stays "
               "on the token: %s", k->id, lv_err_msg(&e));
    }
    lv_err_release(&e);
}

int lv_kms_op_create_key(struct lv_req *rq, const json_t *in,
                         struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_buf sealed = LV_BUF_INIT(1u << 20);
    uint8_t raw[16];
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    const char *spec = NULL;
    const char *usage = NULL;
    const char *origin = NULL;
    const char *desc = lv_json_str(in, "Description");
    const char *policy = lv_json_str(in, "Policy");
    const json_t *tags = lv_json_arr(in, "Tags");
    struct lv_kms_mr mr;
    char cluster[64] = "";
    int on_token = 0;
    int multi = 0;
    int bypass = 0;
    int ret = -1;

    lv_kms_key_init(&k);
    if (create_key_shape(in, &spec, &usage, &origin, &multi, err) < 0) {
        goto out;
    }
    if (tags && lv_kms_tags_check(tags, err) < 0) {
        goto out;
    }
    if (tags && json_array_size(tags) > LV_KMS_MAX_TAGS) {
        lv_err_set(err, LV_E_LIMIT_EXCEEDED, "A KMS key can have at most "
                   "%d tags", LV_KMS_MAX_TAGS);
        goto out;
    }
    lv_keyid_new(raw);
    if (multi) {
        char id[37];
        static const char hex[] = "0123456789abcdef";

        /* KeyId "mrk-" + 32 hex digits, stored per region. */
        memcpy(id, "mrk-", 4);
        for (int i = 0; i < 16; i++) {
            id[4 + 2 * i] = hex[raw[i] >> 4];
            id[5 + 2 * i] = hex[raw[i] & 15];
        }
        id[36] = '\0';
        lv_kms_mr_stored_id(id, rq->region, k.id);
        snprintf(k.primary_region, sizeof(k.primary_region), "%s",
                 rq->region);
    } else {
        lv_keyid_format(raw, k.id);
    }
    lv_kms_key_arn(rq, k.id, k.arn);
    snprintf(k.account, sizeof(k.account), "%s", rq->who.account);
    snprintf(k.region, sizeof(k.region), "%s", rq->region);
    snprintf(k.key_spec, sizeof(k.key_spec), "%s", spec);
    snprintf(k.key_usage, sizeof(k.key_usage), "%s", usage);
    /* A key for imported material has none until ImportKeyMaterial. */
    snprintf(k.origin, sizeof(k.origin), "%s", origin);
    snprintf(k.state, sizeof(k.state), "%s",
             strcmp(origin, "EXTERNAL") == 0 ? "PendingImport" : "Enabled");
    k.description = lv_xstrdup(desc ? desc : "");
    k.creation_date = lv_kms_now(rq);
    k.current_version = 1;
    if (policy) {
        lv_json_bool(in, "BypassPolicyLockoutSafetyCheck", &bypass);
        if (lv_kms_policy_check(rq, policy, k.arn, bypass, err) < 0) {
            goto out;
        }
        k.policy = lv_xstrdup(policy);
    } else {
        k.policy = lv_policy_default_key_policy(k.account);
    }
    if (strcmp(origin, "AWS_KMS") == 0 &&
        (lv_kms_new_material(k.key_spec, &mat, &mat_len, err) < 0 ||
         lv_kms_seal(rq, &k, 1, mat, mat_len, &sealed, err) < 0)) {
        goto out;
    }
    if (strcmp(origin, "AWS_CLOUDHSM") == 0) {
        /* The material is made on the token, labelled with the key id;
         * the record holds none. */
        if (lv_kms_cks_create_key(rq, in, k.id, cluster, err) < 0) {
            goto out;
        }
        snprintf(k.custom_key_store_id, sizeof(k.custom_key_store_id), "%s",
                 lv_json_str(in, "CustomKeyStoreId"));
        on_token = 1;
    }
    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    if (lv_store_kms_key_insert(rq->store, &k, sealed.data, sealed.len,
                                err) < 0 ||
        (tags && lv_kms_tags_store(rq, k.id, tags, err) < 0)) {
        lv_store_rollback(rq->store);
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    on_token = 0;
    lv_log(LV_LOG_INFO, "kms: key created id=%s spec=%s usage=%s origin=%s "
           "req=%s", k.id, k.key_spec, k.key_usage, k.origin, rq->id);
    memset(&mr, 0, sizeof(mr));
    if (multi) {
        /* A new key is its only record. */
        snprintf(mr.primary_region, sizeof(mr.primary_region), "%s",
                 k.region);
        snprintf(mr.rec[0].arn, sizeof(mr.rec[0].arn), "%s", k.arn);
        snprintf(mr.rec[0].region, sizeof(mr.rec[0].region), "%s",
                 k.region);
        mr.n = 1;
    }
    lv_jw_key(w, "KeyMetadata");
    lv_kms_write_metadata_cks(w, &k, &mr, cluster, 1);
    ret = 0;
out:
    if (on_token) {
        untoken(rq, &k);
    }
    if (mat) {
        lv_secret_free(mat, mat_len);
    }
    lv_buf_release(&sealed);
    lv_kms_key_release(&k);
    return ret;
}

/* ---- DescribeKey, ListKeys ----------------------------------------------- */

int lv_kms_op_describe_key(struct lv_req *rq, const json_t *in,
                           struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_mr mr;
    const char *ref = lv_json_str(in, "KeyId");
    int ret = -1;

    lv_kms_key_init(&k);
    /* A predefined alias/aws/… alias with no key yet gets its AWS managed
     * key first (managed.c; API_DescribeKey). */
    if ((ref && lv_kms_managed_ensure(rq, ref, err) < 0) ||
        lv_kms_load_key(rq, in, LV_KMS_ALIAS_OK | LV_KMS_CROSS_ACCOUNT,
                        "DescribeKey", &k, err) < 0 ||
        lv_kms_mr_load(rq, &k, &mr, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "KeyMetadata");
    if (k.custom_key_store_id[0]) {
        char cluster[64];
        int usable = 0;

        lv_kms_cks_cluster(rq, &k, cluster, &usable);
        lv_kms_write_metadata_cks(w, &k, &mr, cluster, usable);
    } else {
        lv_kms_write_metadata(w, &k, &mr);
    }
    ret = 0;
out:
    lv_kms_key_release(&k);
    return ret;
}

struct key_page {
    struct lv_jw *w;
    int limit;
    int count;
    int truncated;
    char last[LV_KMS_ID_MAX];
};

static int page_key(void *arg, const struct lv_kms_key *k)
{
    struct key_page *p = arg;

    if (k->material_destroyed) {
        return 0;       /* deleted keys are gone, as on AWS */
    }
    if (p->count == p->limit) {
        p->truncated = 1;
        return 1;
    }
    lv_jw_obj_open(p->w);
    lv_jw_kstr(p->w, "KeyId", lv_kms_key_id(k));
    lv_jw_kstr(p->w, "KeyArn", k->arn);
    lv_jw_obj_close(p->w);
    snprintf(p->last, sizeof(p->last), "%s", k->id);
    p->count++;
    return 0;
}

/* ListKeys is authorized by IAM policy alone (no key is involved); with no
 * identity policies configured, every caller may list its own account's
 * keys. */
int lv_kms_op_list_keys(struct lv_req *rq, const json_t *in,
                        struct lv_jw *w, struct lv_err *err)
{
    struct key_page p;
    char after[64];

    if (lv_kms_marker_read(in, "key", after, sizeof(after), err) < 0) {
        return -1;
    }
    memset(&p, 0, sizeof(p));
    p.w = w;
    p.limit = lv_kms_limit(in);
    lv_jw_key(w, "Keys");
    lv_jw_arr_open(w);
    if (lv_store_kms_key_list(rq->store, rq->who.account, rq->region, after,
                              0, page_key, &p, err) < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    if (p.truncated) {
        lv_kms_marker_write(w, "key", p.last);
    }
    lv_jw_kbool(w, "Truncated", p.truncated);
    return 0;
}

/* ---- UpdateKeyDescription, EnableKey, DisableKey ------------------------- */

/* arg: the description (const char **). */
static int change_description(struct lv_req *rq, struct lv_kms_key *cur,
                              void *arg, struct lv_err *err)
{
    const char *const *desc = arg;

    if (lv_kms_check_manageable(cur, err) < 0) {
        return -1;
    }
    return lv_store_kms_key_set_description(rq->store, cur->id,
                                            cur->row_version, *desc, err);
}

int lv_kms_op_update_key_description(struct lv_req *rq, const json_t *in,
                                     struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key cur;
    const char *desc = lv_json_str(in, "Description");
    int ret = -1;

    (void)w;
    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (!desc) {
        desc = "";
    }
    if (lv_kms_load_key(rq, in, 0, "UpdateKeyDescription", &k, err) < 0) {
        goto out;
    }
    ret = lv_kms_key_change(rq, &k, change_description, &desc, &cur, err);
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

/* The state EnableKey or DisableKey sets (arg: int, 1 to enable), on
 * Enabled and Disabled keys only (a key pending deletion is cancelled
 * first). */
static int change_enabled(struct lv_req *rq, struct lv_kms_key *cur,
                          void *arg, struct lv_err *err)
{
    const int *enable = arg;

    /* A key without its material can be neither (key-state table). */
    if (strcmp(cur->state, "PendingImport") == 0) {
        return lv_err_set(err, LV_E_KMS_INVALID_STATE, "%s is %s.",
                          cur->arn, cur->state);
    }
    if (lv_kms_check_manageable(cur, err) < 0) {
        return -1;
    }
    return lv_store_kms_key_set_state(rq->store, cur->id, cur->row_version,
                                      *enable ? "Enabled" : "Disabled", err);
}

static int set_enabled(struct lv_req *rq, const json_t *in,
                       const char *action, int enable, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key cur;
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (lv_kms_load_key(rq, in, 0, action, &k, err) < 0) {
        goto out;
    }
    ret = lv_kms_key_change(rq, &k, change_enabled, &enable, &cur, err);
    if (ret == 0) {
        lv_log(LV_LOG_INFO, "kms: key %s id=%s req=%s",
               enable ? "enabled" : "disabled", k.id, rq->id);
    }
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_enable_key(struct lv_req *rq, const json_t *in,
                         struct lv_jw *w, struct lv_err *err)
{
    (void)w;
    return set_enabled(rq, in, "EnableKey", 1, err);
}

int lv_kms_op_disable_key(struct lv_req *rq, const json_t *in,
                          struct lv_jw *w, struct lv_err *err)
{
    (void)w;
    return set_enabled(rq, in, "DisableKey", 0, err);
}

/* ---- ScheduleKeyDeletion, CancelKeyDeletion ------------------------------ */

struct deletion {
    int64_t days;
    double date;                /* set by change_schedule; 0 while the
                                 * key waits for its replicas */
    const char *state;          /* set by change_schedule */
};

static int change_schedule(struct lv_req *rq, struct lv_kms_key *cur,
                           void *arg, struct lv_err *err)
{
    struct deletion *d = arg;

    int replicas;
    int rc;

    if (lv_kms_check_manageable(cur, err) < 0) {
        return -1;
    }
    /* A multi-Region primary with replicas waits for them, with no
     * deletion date, as PendingReplicaDeletion; its window starts when
     * the last replica is deleted (multiregion.c). */
    replicas = lv_kms_mr_replicas(rq, cur, err);
    if (replicas < 0) {
        return -1;
    }
    d->state = replicas > 0 ? "PendingReplicaDeletion" : "PendingDeletion";
    d->date = replicas > 0 ? 0
                           : lv_kms_now(rq) + (double)d->days * DAY_SECONDS;
    rc = lv_store_kms_key_schedule_deletion(rq->store, cur->id,
                                            cur->row_version, d->date,
                                            (int)d->days, err);
    if (rc == 1 && replicas > 0) {
        rc = lv_store_kms_key_set_state(rq->store, cur->id,
                                        cur->row_version + 1,
                                        "PendingReplicaDeletion", err);
    }
    return rc;
}

int lv_kms_op_schedule_key_deletion(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key cur;
    struct deletion d = { PENDING_WINDOW_DEFAULT, 0, "PendingDeletion" };
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    /* The model allows 1–365; KMS itself takes 7–30 and says so in the
     * form of a model validation error. */
    if (lv_json_int64(in, "PendingWindowInDays", &d.days) &&
        (d.days < PENDING_WINDOW_MIN || d.days > PENDING_WINDOW_MAX)) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value '%lld' at 'pendingWindowInDays' failed to "
                   "satisfy constraint: Member must have value %s",
                   (long long)d.days, d.days < PENDING_WINDOW_MIN
                       ? "greater than or equal to 7"
                       : "less than or equal to 30");
        goto out;
    }
    if (lv_kms_load_key(rq, in, 0, "ScheduleKeyDeletion", &k, err) < 0 ||
        lv_kms_key_change(rq, &k, change_schedule, &d, &cur, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: key deletion scheduled id=%s days=%d req=%s",
           k.id, (int)d.days, rq->id);
    lv_jw_kstr(w, "KeyId", k.arn);
    if (d.date > 0) {
        lv_jw_key(w, "DeletionDate");
        lv_jw_double(w, d.date);
    }
    lv_jw_kstr(w, "KeyState", d.state);
    lv_jw_kint64(w, "PendingWindowInDays", d.days);
    ret = 0;
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

static int change_cancel(struct lv_req *rq, struct lv_kms_key *cur,
                         void *arg, struct lv_err *err)
{
    int rc;

    (void)arg;
    if (strcmp(cur->state, "PendingDeletion") != 0 &&
        strcmp(cur->state, "PendingReplicaDeletion") != 0) {
        /* AWS's key-state table: only a key pending deletion can have
         * its deletion cancelled. */
        return lv_err_set(err, LV_E_KMS_INVALID_STATE,
                          "%s is not pending deletion.", cur->arn);
    }
    rc = lv_store_kms_key_cancel_deletion(rq->store, cur->id,
                                          cur->row_version, err);
    /* A key whose imported material is gone (deleted or expired) comes
     * back PendingImport, not Disabled: it has nothing to be disabled
     * with. The cancellation moved the row version on by one. */
    if (rc == 1 && strcmp(cur->origin, "EXTERNAL") == 0 &&
        !cur->expiration_model[0]) {
        rc = lv_store_kms_key_set_state(rq->store, cur->id,
                                        cur->row_version + 1,
                                        "PendingImport", err);
    }
    return rc;
}

int lv_kms_op_cancel_key_deletion(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key cur;
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (lv_kms_load_key(rq, in, 0, "CancelKeyDeletion", &k, err) < 0 ||
        lv_kms_key_change(rq, &k, change_cancel, NULL, &cur, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: key deletion cancelled id=%s req=%s", k.id,
           rq->id);
    lv_jw_kstr(w, "KeyId", k.arn);
    ret = 0;
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}
