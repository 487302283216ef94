/*
 * admin.c: key rotation — EnableKeyRotation, DisableKeyRotation,
 * GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations — and
 * lv_kms_rotate_key, which both RotateKeyOnDemand and the background
 * sweeper's automatic rotation use, and which records each rotation in
 * the audit trail as KMS's RotateKey service event. The grant operations
 * are in grants.c.
 *
 * A rotation adds a material version; earlier versions are never removed
 * (until the key is deleted), so ciphertexts made under any of them still
 * decrypt: Decrypt reads the version from the blob.
 * https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 */
#include "kms/kms.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit/audit.h"
#include "audit/event.h"
#include "kms/admin.h"
#include "kms/keys_int.h"
#include "kms/kms_int.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html */
#define DEFAULT_ROTATION_DAYS 365
/* On-demand rotations per key: the limit the KMS API reference gave when
 * RotateKeyOnDemand was introduced (later raised by AWS). */
#define MAX_ON_DEMAND_ROTATIONS 10
#define SECONDS_PER_DAY 86400.0
/* ListKeyRotations: Limit defaults to 100 (model range 1..1000). */
#define DEFAULT_LIST_LIMIT 100

int lv_kms_admin_dry_run(const json_t *in, struct lv_err *err)
{
    int dry = 0;

    if (lv_json_bool(in, "DryRun", &dry) && dry) {
        lv_err_set(err, LV_E_DRY_RUN_OPERATION, "The request would have "
                   "succeeded, but the DryRun option is set.");
        return 1;
    }
    return 0;
}

/* ---- lv_kms_rotate_key ------------------------------------------------- */

/* The RotateKey record of a rotation of cur (the KMS developer guide's
 * ct-rotatekey: an AwsServiceEvent, for automatic and on-demand rotations
 * alike, whose serviceEventDetails name the material before and after, as
 * ListKeyRotations names them), in the rotation's transaction; nothing
 * when the trail is not kept. */
static int record_rotation(struct lv_req *rq, const struct lv_kms_key *cur,
                           const char *type, struct lv_err *err)
{
    struct lv_audit_service_event ev;
    char prev[65];
    char next[65];
    json_t *d;
    int ret;

    if (!rq->app || !rq->app->audit) {
        return 0;
    }
    lv_kms_material_id(cur->arn, cur->current_version, prev);
    lv_kms_material_id(cur->arn, cur->current_version + 1, next);
    d = json_pack("{s:s, s:s, s:s, s:s, s:s}", "rotationType", type,
                  "keyOrigin", cur->origin, "previousKeyMaterialId", prev,
                  "currentKeyMaterialId", next, "keyId",
                  lv_kms_key_id(cur));
    if (!d) {
        LV_BUG("kms: cannot make a rotation's details");
    }
    memset(&ev, 0, sizeof(ev));
    ev.event_name = "RotateKey";
    ev.key_arn = cur->arn;
    ev.time_ms = rq->now_ms;
    ev.details = d;
    ret = lv_audit_service_event(rq->app->audit, &ev, err);
    json_decref(d);
    return ret;
}

int lv_kms_rotate_key(struct lv_req *rq, const struct lv_kms_key *cur,
                      const char *type, struct lv_err *err)
{
    struct lv_buf sealed = LV_BUF_INIT(1u << 20);
    struct lv_kms_material m;
    uint8_t *mat = NULL;
    size_t mat_len = 0;
    int ret = -1;

    memset(&m, 0, sizeof(m));
    m.version = cur->current_version + 1;
    m.created = lv_kms_now(rq);
    snprintf(m.rotation_type, sizeof(m.rotation_type), "%s", type);
    if (lv_kms_new_material(cur->key_spec, &mat, &mat_len, err) < 0 ||
        lv_kms_seal(rq, cur, m.version, mat, mat_len, &sealed, err) < 0) {
        goto out;
    }
    /* On-demand rotation leaves the automatic schedule as it is (AWS:
     * "doesn't change existing automatic rotation schedules"); an
     * automatic one sets the next date one period on. The store does
     * both, against the row it changes. */
    ret = lv_store_kms_key_rotate(rq->store, cur->id, cur->row_version, &m,
                                  sealed.data, sealed.len, err);
    /* A multi-Region primary's replicas get the same version. */
    if (ret == 1 && cur->primary_region[0]) {
        ret = lv_kms_mr_rotate(rq, cur, &m, mat, mat_len, err);
    }
    if (ret == 1 && record_rotation(rq, cur, type, err) < 0) {
        ret = -1;
    }
    if (ret == 1) {
        lv_log(LV_LOG_INFO, "kms: key rotated key=%s version=%u type=%s "
               "req=%s", cur->id, m.version, type, rq->id);
    }
out:
    if (mat) {
        lv_secret_free(mat, mat_len);
    }
    lv_buf_release(&sealed);
    return ret;
}

/* ---- shared steps ------------------------------------------------------- */

/*
 * Only symmetric encryption keys with key material KMS made rotate:
 * asymmetric, HMAC and imported-material keys do not.
 * https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 * AWS's exact text for this case is not documented; this is the message
 * clients have reported for rotation calls on asymmetric and HMAC keys.
 */
static int check_rotatable(const struct lv_kms_key *k, struct lv_err *err)
{
    if (strcmp(k->key_spec, "SYMMETRIC_DEFAULT") != 0 ||
        strcmp(k->key_usage, "ENCRYPT_DECRYPT") != 0) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "You cannot perform this operation on a "
                          "non-symmetric key or a key with "
                          "non-ENCRYPT_DECRYPT key usage.");
    }
    if (strcmp(k->origin, "AWS_KMS") != 0) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "%s origin is %s which is not valid for this "
                          "operation.", k->arn, k->origin);
    }
    return 0;
}

/* A multi-Region replica shares its primary's rotation (multiregion.c):
 * it is not rotated, nor its rotation set, on its own. */
static int check_not_replica(const struct lv_kms_key *k, struct lv_err *err)
{
    if (k->primary_region[0] && strcmp(k->primary_region, k->region) != 0) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "%s is a multi-Region replica key: its rotation "
                          "is managed through its primary key in %s.",
                          k->arn, k->primary_region);
    }
    return 0;
}

/* EnableKeyRotation and DisableKeyRotation need an enabled key: a disabled
 * one answers DisabledException, one pending deletion
 * KMSInvalidStateException (the key-state table of the developer guide). */
static int check_state_for_rotation(const struct lv_kms_key *k,
                                    struct lv_err *err)
{
    return lv_kms_check_enabled(k, err);
}

/* ---- EnableKeyRotation, DisableKeyRotation ----------------------------- */

struct rotation_change {
    int enable;
    int64_t days;               /* 0: not given */
};

static int change_rotation(struct lv_req *rq, struct lv_kms_key *cur,
                           void *arg, struct lv_err *err)
{
    const struct rotation_change *rc = arg;
    int64_t days = rc->days;

    if (check_state_for_rotation(cur, err) < 0 ||
        check_rotatable(cur, err) < 0 || check_not_replica(cur, err) < 0) {
        return -1;
    }
    if (!rc->enable) {
        /* The period stays, for GetKeyRotationStatus after re-enabling. */
        return lv_store_kms_key_set_rotation(rq->store, cur->id,
                                             cur->row_version, 0,
                                             cur->rotation_period_days, 0,
                                             err);
    }
    if (days == 0) {
        /* Not given: the default, or the period already in force when
         * rotation is on (a repeated call does not reset a chosen one). */
        days = cur->rotation_enabled && cur->rotation_period_days > 0
                   ? cur->rotation_period_days : DEFAULT_ROTATION_DAYS;
    }
    /* The model's range (90..2560) was checked by the front. Enabling (or
     * re-enabling with a new period) starts the period now. */
    return lv_store_kms_key_set_rotation(rq->store, cur->id, cur->row_version,
                                         1, (int)days,
                                         lv_kms_now(rq) +
                                             (double)days * SECONDS_PER_DAY,
                                         err);
}

static int set_key_rotation(struct lv_req *rq, const json_t *in,
                            const char *action, int enable,
                            struct lv_err *err)
{
    struct rotation_change rc = { enable, 0 };
    struct lv_kms_key k;
    struct lv_kms_key cur;
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (enable && lv_json_int64(in, "RotationPeriodInDays", &rc.days) &&
        rc.days <= 0) {
        LV_BUG("RotationPeriodInDays passed validation out of range");
    }
    if (lv_kms_load_key(rq, in, 0, action, &k, err) < 0) {
        goto out;
    }
    ret = lv_kms_key_change(rq, &k, change_rotation, &rc, &cur, err);
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_enable_key_rotation(struct lv_req *rq, const json_t *in,
                                  struct lv_jw *w, struct lv_err *err)
{
    (void)w;
    return set_key_rotation(rq, in, "EnableKeyRotation", 1, err);
}

int lv_kms_op_disable_key_rotation(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    (void)w;
    return set_key_rotation(rq, in, "DisableKeyRotation", 0, err);
}

/* ---- GetKeyRotationStatus ----------------------------------------------- */

/*
 * AWS's key-state table allows GetKeyRotationStatus for Enabled,
 * Disabled and PendingDeletion keys, so there is no state check here.
 * Asymmetric and HMAC keys answer KeyRotationEnabled false (AWS changed
 * this from UnsupportedOperationException). With rotation off only
 * KeyRotationEnabled and KeyId are sent.
 */
int lv_kms_op_get_key_rotation_status(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key primary;
    const struct lv_kms_key *r = &k;
    struct lv_err ignored = LV_ERR_INIT;
    int on;
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_key_init(&primary);
    if (lv_kms_load_key(rq, in, LV_KMS_CROSS_ACCOUNT, "GetKeyRotationStatus",
                        &k, err) < 0) {
        goto out;
    }
    /* A multi-Region replica shares its primary's rotation: its status
     * is the primary's (absent a primary, rotation is off). */
    if (k.primary_region[0] && strcmp(k.primary_region, k.region) != 0) {
        int found = lv_kms_mr_primary(rq, &k, &primary, err);

        if (found < 0) {
            goto out;
        }
        r = found ? &primary : NULL;
    }
    on = r && r->rotation_enabled && check_rotatable(r, &ignored) == 0;
    lv_jw_kbool(w, "KeyRotationEnabled", on);
    lv_jw_kstr(w, "KeyId", lv_kms_key_id(&k));
    if (on) {
        lv_jw_kint64(w, "RotationPeriodInDays", r->rotation_period_days);
        lv_jw_key(w, "NextRotationDate");
        lv_jw_double(w, r->next_rotation_date);
    }
    /* OnDemandRotationStartDate is sent only while an on-demand rotation
     * is in progress; logvault rotates within the request, so never. */
    ret = 0;
out:
    lv_kms_key_release(&primary);
    lv_kms_key_release(&k);
    return ret;
}

/* ---- RotateKeyOnDemand -------------------------------------------------- */

static int change_rotate_on_demand(struct lv_req *rq,
                                  struct lv_kms_key *cur, void *arg,
                                  struct lv_err *err)
{
    (void)arg;
    if (lv_kms_check_enabled(cur, err) < 0 ||
        check_rotatable(cur, err) < 0 || check_not_replica(cur, err) < 0) {
        return -1;
    }
    if (cur->on_demand_rotations >= MAX_ON_DEMAND_ROTATIONS) {
        /* AWS's text for this quota is not documented; this says what
         * happened and names the limit. */
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED, "The on-demand "
                          "rotations limit has been reached for %s: at "
                          "most %d on-demand rotations are allowed per "
                          "key.", cur->arn, MAX_ON_DEMAND_ROTATIONS);
    }
    return lv_kms_rotate_key(rq, cur, "ON_DEMAND", err);
}

int lv_kms_op_rotate_key_on_demand(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key cur;
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (lv_kms_load_key(rq, in, 0, "RotateKeyOnDemand", &k, err) < 0 ||
        lv_kms_key_change(rq, &k, change_rotate_on_demand, NULL, &cur,
                          err) < 0) {
        goto out;
    }
    lv_jw_kstr(w, "KeyId", lv_kms_key_id(&k));
    ret = 0;
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

/* ---- ListKeyRotations --------------------------------------------------- */

struct rotation_walk {
    struct lv_jw *w;
    const struct lv_kms_key *k;
    int include_first;
    int limit;
    int n;                      /* entries written */
    uint32_t last;              /* version of the last one written */
    int more;                   /* a further entry exists */
};

/* A stable 64-hex-digit id for a material version: SHA-256 of the key ARN
 * and the version. Reveals nothing of the material. */
void lv_kms_material_id(const char *arn, uint32_t version, char out[65])
{
    unsigned char md[32];
    unsigned int md_len = 0;
    unsigned char v[4];
    const char *mrk = strstr(arn, ":key/mrk-");
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    if (!c) {
        LV_BUG("out of memory");
    }
    /* The records of a multi-Region key share their material, and so its
     * ids (as on AWS): hashed from the KeyId, not the regional ARN. */
    if (mrk) {
        arn = mrk + 5;
    }
    v[0] = (unsigned char)(version >> 24);
    v[1] = (unsigned char)(version >> 16);
    v[2] = (unsigned char)(version >> 8);
    v[3] = (unsigned char)version;
    if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(c, arn, strlen(arn)) != 1 ||
        EVP_DigestUpdate(c, v, sizeof(v)) != 1 ||
        EVP_DigestFinal_ex(c, md, &md_len) != 1) {
        LV_BUG("sha-256 failed");
    }
    EVP_MD_CTX_free(c);
    lv_hex_encode(md, sizeof(md), out);
}

static int write_rotation(void *arg, const struct lv_kms_material *m)
{
    struct rotation_walk *rw = arg;
    char mid[65];

    /* The first material version is not a rotation. */
    if (!m->rotation_type[0] && !rw->include_first) {
        return 0;
    }
    if (rw->n == rw->limit) {
        rw->more = 1;
        return 1;
    }
    lv_kms_material_id(rw->k->arn, m->version, mid);
    lv_jw_obj_open(rw->w);
    lv_jw_kstr(rw->w, "KeyId", lv_kms_key_id(rw->k));
    lv_jw_kstr(rw->w, "KeyMaterialId", mid);
    lv_jw_kstr(rw->w, "KeyMaterialState",
               m->version == rw->k->current_version ? "CURRENT"
                                                    : "NON_CURRENT");
    if (m->rotation_type[0]) {
        lv_jw_key(rw->w, "RotationDate");
        lv_jw_double(rw->w, m->created);
        lv_jw_kstr(rw->w, "RotationType", m->rotation_type);
    }
    lv_jw_obj_close(rw->w);
    rw->n++;
    rw->last = m->version;
    return 0;
}

/* Markers are the decimal material version of the last entry sent. */
static int parse_marker(const char *s, uint32_t *after, struct lv_err *err)
{
    char *end = NULL;
    unsigned long v;

    if (!s) {
        *after = 0;
        return 0;
    }
    v = strtoul(s, &end, 10);
    if (!s[0] || *end || s[0] == '-' || s[0] == '+' || v > 0xffffffffUL) {
        return lv_err_set(err, LV_E_INVALID_MARKER, "Invalid marker");
    }
    *after = (uint32_t)v;
    return 0;
}

int lv_kms_op_list_key_rotations(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct rotation_walk rw;
    const char *incl = lv_json_str(in, "IncludeKeyMaterial");
    int64_t limit = DEFAULT_LIST_LIMIT;
    uint32_t after = 0;
    char marker[16];
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_load_key(rq, in, 0, "ListKeyRotations", &k, err) < 0 ||
        check_rotatable(&k, err) < 0 ||
        parse_marker(lv_json_str(in, "Marker"), &after, err) < 0) {
        goto out;
    }
    lv_json_int64(in, "Limit", &limit);
    memset(&rw, 0, sizeof(rw));
    rw.w = w;
    rw.k = &k;
    rw.include_first = incl && strcmp(incl, "ALL_KEY_MATERIAL") == 0;
    rw.limit = (int)limit;

    lv_jw_key(w, "Rotations");
    lv_jw_arr_open(w);
    if (lv_store_kms_material_list(rq->store, k.id, after, 1000000,
                                   write_rotation, &rw, err) < 0) {
        goto out;
    }
    lv_jw_arr_close(w);
    if (rw.more) {
        snprintf(marker, sizeof(marker), "%u", rw.last);
        lv_jw_kstr(w, "NextMarker", marker);
    }
    lv_jw_kbool(w, "Truncated", rw.more);
    ret = 0;
out:
    lv_kms_key_release(&k);
    return ret;
}
