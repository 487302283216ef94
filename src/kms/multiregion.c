/*
 * multiregion.c: multi-Region keys — ReplicateKey, UpdatePrimaryRegion and
 * the MultiRegionConfiguration DescribeKey shows (kms_int.h).
 *
 * One server serves every region (each request is signed for one), so a
 * multi-Region key is a set of key records of one account, one per region,
 * sharing the KeyId "mrk-" + 32 hex digits and every material version
 * (each record's copy sealed under the root key for its own ARN, as every
 * key's is). A ciphertext names the KeyId only, so the record of the
 * region that decrypts opens it (ops.c blob_key). Records are stored as
 * "mrk-…@REGION" (kms_store.h, LV_KMS_ID_MAX); each carries the region of
 * the primary. AWS's transient states (Creating while a replica is made,
 * Updating while the primary moves) complete within the request here, so
 * no request ever sees them.
 *
 * https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdatePrimaryRegion.html
 */
#include "kms/kms.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "audit/audit.h"
#include "audit/event.h"
#include "crypto/crypto.h"
#include "kms/keys_int.h"
#include "kms/kms_int.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

static int gather_record(void *arg, const struct lv_kms_key *k)
{
    struct lv_kms_mr *mr = arg;

    /* A deleted record is no longer part of the key. */
    if (k->material_destroyed || mr->n == LV_KMS_MR_MAX) {
        return 0;
    }
    snprintf(mr->rec[mr->n].arn, sizeof(mr->rec[0].arn), "%s", k->arn);
    snprintf(mr->rec[mr->n].region, sizeof(mr->rec[0].region), "%s",
             k->region);
    mr->n++;
    return 0;
}

int lv_kms_mr_load(struct lv_req *rq, const struct lv_kms_key *k,
                   struct lv_kms_mr *mr, struct lv_err *err)
{
    memset(mr, 0, sizeof(*mr));
    if (!k->primary_region[0]) {
        return 0;
    }
    snprintf(mr->primary_region, sizeof(mr->primary_region), "%s",
             k->primary_region);
    return lv_store_kms_key_mr_list(rq->store, lv_kms_key_id(k),
                                    gather_record, mr, err);
}

void lv_kms_mr_write(struct lv_jw *w, const struct lv_kms_key *k,
                     const struct lv_kms_mr *mr)
{
    const char *primary_arn = "";

    lv_jw_kbool(w, "MultiRegion", k->primary_region[0] != 0);
    if (!k->primary_region[0] || !mr) {
        return;
    }
    for (size_t i = 0; i < mr->n; i++) {
        if (strcmp(mr->rec[i].region, mr->primary_region) == 0) {
            primary_arn = mr->rec[i].arn;
        }
    }
    lv_jw_key(w, "MultiRegionConfiguration");
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "MultiRegionKeyType",
               strcmp(k->region, k->primary_region) == 0 ? "PRIMARY"
                                                         : "REPLICA");
    lv_jw_key(w, "PrimaryKey");
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "Arn", primary_arn);
    lv_jw_kstr(w, "Region", mr->primary_region);
    lv_jw_obj_close(w);
    lv_jw_key(w, "ReplicaKeys");
    lv_jw_arr_open(w);
    for (size_t i = 0; i < mr->n; i++) {
        if (strcmp(mr->rec[i].region, mr->primary_region) == 0) {
            continue;
        }
        lv_jw_obj_open(w);
        lv_jw_kstr(w, "Arn", mr->rec[i].arn);
        lv_jw_kstr(w, "Region", mr->rec[i].region);
        lv_jw_obj_close(w);
    }
    lv_jw_arr_close(w);
    lv_jw_obj_close(w);
}

/* The region of a ReplicaRegion / PrimaryRegion member: the model's
 * length is checked; AWS's regions are words of lower-case letters and
 * digits joined by '-' ("us-east-1", "us-gov-west-1"). */
static int region_ok(const char *r)
{
    size_t n = strlen(r);

    return n > 0 && n < 64 && strspn(r, "abcdefghijklmnopqrstuvwxyz"
                                        "0123456789-") == n &&
           strchr(r, '-') && r[0] != '-' && r[n - 1] != '-';
}

/* The rules a multi-Region primary key passes before it is replicated or
 * gives up its role. */
static int check_primary(const struct lv_kms_key *k, struct lv_err *err)
{
    if (!k->primary_region[0]) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "%s is not a multi-Region key.", k->arn);
    }
    if (strcmp(k->primary_region, k->region) != 0) {
        return lv_err_set(err, LV_E_UNSUPPORTED_OPERATION,
                          "%s is not a multi-Region primary key.", k->arn);
    }
    return 0;
}

/* ---- deletion -------------------------------------------------------------- */

struct count_live {
    const char *skip;           /* stored id not counted */
    int n;
    struct lv_kms_key *primary; /* when not NULL: a copy of the primary */
    const char *primary_region;
};

static int count_live(void *arg, const struct lv_kms_key *k)
{
    struct count_live *c = arg;

    if (c->primary && strcmp(k->region, c->primary_region) == 0) {
        lv_kms_key_release(c->primary);
        *c->primary = *k;
        c->primary->description = lv_xstrdup(k->description);
        c->primary->policy = lv_xstrdup(k->policy);
        return 0;
    }
    if (!k->material_destroyed && strcmp(k->id, c->skip) != 0) {
        c->n++;
    }
    return 0;
}

int lv_kms_mr_replicas(struct lv_req *rq, const struct lv_kms_key *k,
                       struct lv_err *err)
{
    struct count_live c = { k->id, 0, NULL, NULL };

    if (!k->primary_region[0] || strcmp(k->primary_region, k->region) != 0) {
        return 0;
    }
    if (lv_store_kms_key_mr_list(rq->store, lv_kms_key_id(k), count_live,
                                 &c, err) < 0) {
        return -1;
    }
    return c.n;
}

int lv_kms_mr_replica_deleted(struct lv_req *rq, const struct lv_kms_key *k,
                              struct lv_err *err)
{
    struct lv_kms_key primary;
    struct count_live c = { k->id, 0, &primary, k->primary_region };
    int rc = 1;

    if (!k->primary_region[0] || strcmp(k->primary_region, k->region) == 0) {
        return 1;
    }
    lv_kms_key_init(&primary);
    if (lv_store_kms_key_mr_list(rq->store, lv_kms_key_id(k), count_live,
                                 &c, err) < 0) {
        rc = -1;
    } else if (c.n == 0 && primary.id[0] &&
               strcmp(primary.state, "PendingReplicaDeletion") == 0) {
        rc = lv_store_kms_key_schedule_deletion(
            rq->store, primary.id, primary.row_version,
            lv_kms_now(rq) + (double)primary.pending_window_days * 86400.0,
            primary.pending_window_days, err);
        if (rc == 1) {
            lv_log(LV_LOG_INFO, "kms: last replica deleted, primary pending "
                   "deletion id=%s", primary.id);
        }
    }
    lv_kms_key_release(&primary);
    return rc;
}

/* ---- rotation ------------------------------------------------------------ */

struct mr_rotate {
    struct lv_req *rq;
    const struct lv_kms_key *cur;
    const struct lv_kms_material *m;
    const uint8_t *mat;
    size_t mat_len;
    struct lv_err *err;
    int rc;
};

static int rotate_record(void *arg, const struct lv_kms_key *k)
{
    struct mr_rotate *r = arg;
    struct lv_buf sealed = LV_BUF_INIT(1u << 20);

    if (strcmp(k->id, r->cur->id) == 0 || k->material_destroyed) {
        return 0;
    }
    if (lv_kms_seal(r->rq, k, r->m->version, r->mat, r->mat_len, &sealed,
                    r->err) < 0) {
        r->rc = -1;
    } else {
        r->rc = lv_store_kms_key_rotate(r->rq->store, k->id, k->row_version,
                                        r->m, sealed.data, sealed.len,
                                        r->err);
    }
    lv_buf_release(&sealed);
    return r->rc == 1 ? 0 : 1;
}

int lv_kms_mr_rotate(struct lv_req *rq, const struct lv_kms_key *cur,
                     const struct lv_kms_material *m, const uint8_t *mat,
                     size_t mat_len, struct lv_err *err)
{
    struct mr_rotate r = { rq, cur, m, mat, mat_len, err, 1 };

    if (lv_store_kms_key_mr_list(rq->store, lv_kms_key_id(cur),
                                 rotate_record, &r, err) < 0) {
        return -1;
    }
    return r.rc;
}

/* ---- ReplicateKey ---------------------------------------------------------- */

struct copy_versions {
    struct lv_req *rq;
    const struct lv_kms_key *src;
    struct lv_kms_key *dst;
    struct lv_err *err;
    int failed;
};

/* Copies one material version of src into dst (versions oldest first:
 * version 1 went in with the key). */
static int copy_version(void *arg, const struct lv_kms_material *m)
{
    struct copy_versions *cv = arg;
    struct lv_buf sealed = LV_BUF_INIT(1u << 20);
    uint8_t *mat = NULL;
    size_t len = 0;
    int rc;

    if (m->version == 1) {
        return 0;
    }
    if (lv_kms_material(cv->rq, cv->src, m->version, &mat, &len,
                        cv->err) < 0 ||
        lv_kms_seal(cv->rq, cv->dst, m->version, mat, len, &sealed,
                    cv->err) < 0) {
        goto fail;
    }
    rc = lv_store_kms_key_rotate(cv->rq->store, cv->dst->id,
                                 cv->dst->row_version, m, sealed.data,
                                 sealed.len, cv->err);
    if (rc != 1) {
        if (rc == 0) {
            lv_err_set(cv->err, LV_E_SERVICE_UNAVAILABLE, "The replica "
                       "key %s is being changed by other requests; please"
                       " try again", cv->dst->arn);
        }
        goto fail;
    }
    cv->dst->row_version++;
    cv->dst->current_version = m->version;
    lv_secret_free(mat, len);
    lv_buf_release(&sealed);
    return 0;
fail:
    if (mat) {
        lv_secret_free(mat, len);
    }
    lv_buf_release(&sealed);
    cv->failed = 1;
    return 1;
}

/* The replica of primary k in `region`, as ReplicateKey makes it: the
 * same KeyId, spec, usage and origin; its own description and policy. */
static void replica_record(struct lv_req *rq, const struct lv_kms_key *k,
                           const char *region, const char *desc,
                           struct lv_kms_key *r)
{
    lv_kms_mr_stored_id(lv_kms_key_id(k), region, r->id);
    snprintf(r->arn, sizeof(r->arn), "arn:aws:kms:%s:%s:key/%s", region,
             k->account, lv_kms_key_id(k));
    snprintf(r->account, sizeof(r->account), "%s", k->account);
    snprintf(r->region, sizeof(r->region), "%s", region);
    snprintf(r->key_spec, sizeof(r->key_spec), "%s", k->key_spec);
    snprintf(r->key_usage, sizeof(r->key_usage), "%s", k->key_usage);
    snprintf(r->origin, sizeof(r->origin), "%s", k->origin);
    snprintf(r->state, sizeof(r->state), "Enabled");
    snprintf(r->primary_region, sizeof(r->primary_region), "%s",
             k->primary_region);
    r->description = lv_xstrdup(desc ? desc : "");
    r->creation_date = lv_kms_now(rq);
    r->current_version = 1;
}

/* Inserts replica r of k with every material version of k, and its tags,
 * in the caller's transaction, holding k so that no rotation lands
 * meanwhile. 0, or -1 with *err. */
static int replica_insert(struct lv_req *rq, const struct lv_kms_key *k,
                          struct lv_kms_key *r, const json_t *tags,
                          struct lv_err *err)
{
    struct lv_buf sealed = LV_BUF_INIT(1u << 20);
    struct copy_versions cv = { rq, k, r, err, 0 };
    uint8_t *mat = NULL;
    size_t len = 0;
    int rc;
    int ret = -1;

    rc = lv_store_kms_key_hold(rq->store, k->id, k->row_version, err);
    if (rc == 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "The key %s is being "
                   "changed by other requests; please try again", k->arn);
    }
    if (rc != 1) {
        goto out;
    }
    if (lv_kms_material(rq, k, 1, &mat, &len, err) < 0 ||
        lv_kms_seal(rq, r, 1, mat, len, &sealed, err) < 0 ||
        lv_store_kms_key_insert(rq->store, r, sealed.data, sealed.len,
                                err) < 0) {
        goto out;
    }
    if (lv_store_kms_material_list(rq->store, k->id, 0, INT32_MAX,
                                   copy_version, &cv, err) < 0 ||
        cv.failed) {
        goto out;
    }
    if (tags && lv_kms_tags_store(rq, r->id, tags, err) < 0) {
        goto out;
    }
    /* ct-replicate-key: "A ReplicateKey request results in a ReplicateKey
     * operation and a CreateKey operation". The caller's ReplicateKey is
     * recorded in the primary's region as every request is; the replica's
     * creation is KMS's own in the replica's region, with the change. */
    if (rq->app && rq->app->audit) {
        struct lv_audit_service_event ev;

        memset(&ev, 0, sizeof(ev));
        ev.event_name = "CreateKey";
        ev.key_arn = r->arn;
        ev.time_ms = rq->now_ms;
        ev.response_key = 1;
        if (lv_audit_service_event(rq->app->audit, &ev, err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    if (mat) {
        lv_secret_free(mat, len);
    }
    lv_buf_release(&sealed);
    return ret;
}

static int replica_exists(void *arg, const struct lv_kms_key *k)
{
    const char *region = arg;

    return strcmp(k->region, region) == 0 ? 1 : 0;
}

int lv_kms_op_replicate_key(struct lv_req *rq, const json_t *in,
                            struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key r;
    struct lv_kms_mr mr;
    const char *region = lv_json_str(in, "ReplicaRegion");
    const char *policy = lv_json_str(in, "Policy");
    const json_t *tags = lv_json_arr(in, "Tags");
    int bypass = 0;
    int rc;
    int ret = -1;

    lv_kms_key_init(&k);
    lv_kms_key_init(&r);
    if (lv_kms_load_key(rq, in, 0, "ReplicateKey", &k, err) < 0 ||
        check_primary(&k, err) < 0 || lv_kms_check_enabled(&k, err) < 0) {
        goto out;
    }
    if (!region || !region_ok(region)) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value '%s' at 'replicaRegion' failed to satisfy "
                   "constraint: Member must satisfy regular expression "
                   "pattern: ^([a-z]+-){2,3}\\d+$", region ? region : "");
        goto out;
    }
    if (strcmp(region, k.region) == 0) {
        lv_err_set(err, LV_E_VALIDATION, "The replica Region %s is the "
                   "Region of the primary key %s.", region, k.arn);
        goto out;
    }
    if (tags && (lv_kms_tags_check(tags, err) < 0)) {
        goto out;
    }
    if (tags && json_array_size(tags) > LV_KMS_MAX_TAGS) {
        lv_err_set(err, LV_E_LIMIT_EXCEEDED, "A KMS key can have at most "
                   "%d tags", LV_KMS_MAX_TAGS);
        goto out;
    }
    replica_record(rq, &k, region, lv_json_str(in, "Description"), &r);
    if (policy) {
        lv_json_bool(in, "BypassPolicyLockoutSafetyCheck", &bypass);
        if (lv_kms_policy_check(rq, policy, r.arn, bypass, err) < 0) {
            goto out;
        }
        r.policy = lv_xstrdup(policy);
    } else {
        r.policy = lv_policy_default_key_policy(r.account);
    }
    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    /* One record per region, ever: a deleted replica's id stays taken. */
    rc = lv_store_kms_key_mr_list(rq->store, lv_kms_key_id(&k),
                                  replica_exists, (void *)region, err);
    if (rc > 0) {
        lv_err_set(err, LV_E_ALREADY_EXISTS, "Multi-Region key %s already "
                   "has a replica key in %s.", k.arn, region);
    }
    if (rc != 0 || replica_insert(rq, &k, &r, tags, err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0 ||
        lv_kms_mr_load(rq, &r, &mr, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: key replicated id=%s region=%s req=%s", k.id,
           region, rq->id);
    lv_jw_key(w, "ReplicaKeyMetadata");
    lv_kms_write_metadata(w, &r, &mr);
    lv_jw_kstr(w, "ReplicaPolicy", r.policy);
    lv_jw_key(w, "ReplicaTags");
    lv_jw_arr_open(w);
    for (size_t i = 0; tags && i < json_array_size(tags); i++) {
        const json_t *t = json_array_get(tags, i);

        lv_jw_obj_open(w);
        lv_jw_kstr(w, "TagKey", lv_json_str(t, "TagKey"));
        lv_jw_kstr(w, "TagValue", lv_json_str(t, "TagValue"));
        lv_jw_obj_close(w);
    }
    lv_jw_arr_close(w);
    ret = 0;
out:
    lv_kms_key_release(&r);
    lv_kms_key_release(&k);
    return ret;
}

/* ---- UpdatePrimaryRegion ------------------------------------------------- */

struct find_region {
    const char *region;
    struct lv_kms_key *out;
};

static int find_region(void *arg, const struct lv_kms_key *k)
{
    struct find_region *f = arg;

    if (strcmp(k->region, f->region) != 0 || k->material_destroyed) {
        return 0;
    }
    lv_kms_key_release(f->out);
    *f->out = *k;
    f->out->description = lv_xstrdup(k->description);
    f->out->policy = lv_xstrdup(k->policy);
    return 1;
}

int lv_kms_mr_primary(struct lv_req *rq, const struct lv_kms_key *k,
                      struct lv_kms_key *out, struct lv_err *err)
{
    struct find_region f = { k->primary_region, out };

    return lv_store_kms_key_mr_list(rq->store, lv_kms_key_id(k),
                                    find_region, &f, err);
}

/* Moves the primary role of cur (the primary, read in this transaction)
 * to the replica in `arg` (the region). */
static int change_primary(struct lv_req *rq, struct lv_kms_key *cur,
                          void *arg, struct lv_err *err)
{
    const char *region = arg;
    struct lv_kms_key rep;
    struct find_region f;
    int rc;

    if (check_primary(cur, err) < 0 ||
        lv_kms_check_manageable(cur, err) < 0) {
        return -1;
    }
    lv_kms_key_init(&rep);
    f.region = region;
    f.out = &rep;
    rc = lv_store_kms_key_mr_list(rq->store, lv_kms_key_id(cur),
                                  find_region, &f, err);
    if (rc == 0) {
        lv_err_set(err, LV_E_NOT_FOUND, "Multi-Region key %s has no "
                   "replica key in %s.", cur->arn, region);
        rc = -1;
    } else if (rc > 0 && lv_kms_check_manageable(&rep, err) < 0) {
        rc = -1;
    }
    if (rc > 0) {
        rc = lv_store_kms_key_hold(rq->store, cur->id, cur->row_version,
                                   err);
    }
    if (rc > 0 && lv_store_kms_key_set_primary(rq->store, lv_kms_key_id(cur),
                                               region, err) < 0) {
        rc = -1;
    }
    lv_kms_key_release(&rep);
    return rc;
}

int lv_kms_op_update_primary_region(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key cur;
    const char *region = lv_json_str(in, "PrimaryRegion");
    int ret = -1;

    (void)w;
    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (lv_kms_load_key(rq, in, 0, "UpdatePrimaryRegion", &k, err) < 0) {
        goto out;
    }
    if (!region || !region_ok(region)) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value '%s' at 'primaryRegion' failed to satisfy "
                   "constraint: Member must satisfy regular expression "
                   "pattern: ^([a-z]+-){2,3}\\d+$", region ? region : "");
        goto out;
    }
    if (check_primary(&k, err) < 0) {
        goto out;
    }
    if (strcmp(region, k.region) == 0) {
        lv_err_set(err, LV_E_VALIDATION, "%s is already the primary key "
                   "of its multi-Region key.", k.arn);
        goto out;
    }
    if (lv_kms_key_change(rq, &k, change_primary, (void *)region, &cur,
                          err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: primary region moved id=%s to=%s req=%s",
           k.id, region, rq->id);
    ret = 0;
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}
