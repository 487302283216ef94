/*
 * sweeper.c: the KMS background task (sweeper.h). Each change it makes is
 * recorded in the audit trail, when the trail is kept, as AWS records
 * what KMS does on its own (an AwsServiceEvent: DeleteKey when a key's
 * waiting period ended, here; RotateKey for an automatic rotation, made
 * by lv_kms_rotate_key as for an on-demand one), in the change's own
 * transaction (audit/audit.h lv_audit_service_event).
 * DeleteExpiredKeyMaterial, AWS's third such event, is never recorded:
 * logvault has no imported key material to expire.
 */
#include "kms/sweeper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app.h"
#include "audit/audit.h"
#include "audit/event.h"
#include "kms/kms_int.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ticker.h"

/* Keys handled per pass; the rest wait for the next one. */
#define SWEEP_BATCH 1000

/* The lease the sweeper's passes take, so that with several nodes on one
 * store a key is deleted or rotated by one of them (store.h). */
#define SWEEPER_LEASE "kms.sweeper"

struct lv_kms_sweeper {
    struct lv_app *app;
    int lease;                  /* lv_store_lease_pass()'s state */
    struct lv_ticker *ticker;
};

struct due_list {
    char ids[SWEEP_BATCH][LV_KMS_ID_MAX];
    size_t n;
};

static int collect(void *arg, const struct lv_kms_key *k)
{
    struct due_list *d = arg;

    if (d->n == SWEEP_BATCH) {
        return 1;
    }
    snprintf(d->ids[d->n], sizeof(d->ids[0]), "%s", k->id);
    d->n++;
    return 0;
}

/* A request context for work done on no client's behalf: it only reaches
 * the store and the root key. */
static void sweeper_req(struct lv_req *rq, struct lv_app *app,
                        int64_t now_ms)
{
    memset(rq, 0, sizeof(*rq));
    snprintf(rq->id, sizeof(rq->id), "sweeper");
    rq->now = (time_t)(now_ms / 1000);
    rq->now_ms = now_ms;
    rq->app = app;
    rq->store = app->store;
}

/* Deletes the key if it is still pending deletion and due (arg: the time
 * now, a const double *), with its DeleteKey record; else nothing. */
static int change_delete(struct lv_req *rq, struct lv_kms_key *cur,
                         void *arg, struct lv_err *err)
{
    const double *now = arg;

    /* Cancelled since the list was read: nothing to do. */
    struct lv_audit_service_event ev;
    int rc;

    if (strcmp(cur->state, "PendingDeletion") != 0 ||
        cur->deletion_date > *now) {
        return 1;
    }
    rc = lv_store_kms_key_destroy(rq->store, cur->id, cur->row_version, err);
    /* A multi-Region primary waiting for its last replica starts its own
     * waiting period (multiregion.c). */
    if (rc == 1) {
        rc = lv_kms_mr_replica_deleted(rq, cur, err);
    }
    if (rc != 1) {
        return rc;
    }
    /* ct-delete-key: no details; the key's ARN in responseElements. */
    memset(&ev, 0, sizeof(ev));
    ev.event_name = "DeleteKey";
    ev.key_arn = cur->arn;
    ev.time_ms = rq->now_ms;
    ev.response_key = 1;
    return lv_audit_service_event(rq->app->audit, &ev, err) < 0 ? -1 : 1;
}

/* Rotates the key if it is enabled and its rotation is due, with its
 * RotateKey record (lv_kms_rotate_key); else nothing.
 * A disabled key is not rotated (it stays due and is rotated once enabled
 * again), as AWS documents for automatic rotation. */
static int change_rotate(struct lv_req *rq, struct lv_kms_key *cur,
                         void *arg, struct lv_err *err)
{
    const double *now = arg;

    if (strcmp(cur->state, "Enabled") != 0 || !cur->rotation_enabled ||
        cur->next_rotation_date <= 0 || cur->next_rotation_date > *now) {
        return 1;
    }
    return lv_kms_rotate_key(rq, cur, "AUTOMATIC", err);
}

/* Deletes the key's imported material if it has expired, with its
 * DeleteExpiredKeyMaterial record (ct-deleteexpiredkeymaterial:
 * serviceEventDetails {keyId, keyMaterialId}, responseElements null);
 * the key becomes PendingImport (one pending deletion stays so). */
static int change_expire(struct lv_req *rq, struct lv_kms_key *cur,
                         void *arg, struct lv_err *err)
{
    const double *now = arg;
    struct lv_audit_service_event ev;
    char material_id[65];
    json_t *details;
    int rc;

    if (cur->valid_to <= 0 || cur->valid_to > *now) {
        return 1;
    }
    rc = lv_store_kms_key_delete_material(
        rq->store, cur->id, cur->row_version,
        strcmp(cur->state, "PendingDeletion") == 0 ? "PendingDeletion"
                                                   : "PendingImport",
        err);
    if (rc != 1) {
        return rc;
    }
    lv_kms_material_id(cur->arn, 1, material_id);
    details = json_pack("{s:s, s:s}", "keyId", lv_kms_key_id(cur),
                        "keyMaterialId", material_id);
    memset(&ev, 0, sizeof(ev));
    ev.event_name = "DeleteExpiredKeyMaterial";
    ev.key_arn = cur->arn;
    ev.time_ms = rq->now_ms;
    ev.details = details;
    rc = lv_audit_service_event(rq->app->audit, &ev, err) < 0 ? -1 : 1;
    json_decref(details);
    return rc;
}

/* A deleted key of a custom key store: its token key goes too when the
 * store is connected here; else it stays on the token (an orphan, as AWS
 * leaves key material in a CloudHSM cluster), and the log says so. */
static void drop_token_key(struct lv_req *rq, const struct lv_kms_key *k)
{
    struct lv_err e = LV_ERR_INIT;
    int rc = lv_kms_cks_destroy_key(rq, k, &e);

    if (rc < 0) {
        lv_log(LV_LOG_WARN, "kms: token key %s of custom key store %s not "
               "destroyed: %s", k->id, k->custom_key_store_id,
               lv_err_msg(&e));
    } else if (rc == 0) {
        lv_log(LV_LOG_WARN, "kms: token key %s stays on the token of custom "
               "key store %s (not connected)", k->id,
               k->custom_key_store_id);
    } else {
        lv_log(LV_LOG_INFO, "kms: token key %s destroyed", k->id);
    }
    lv_err_release(&e);
}

/* Acts on key `id` as it is now, each action decided and made in its own
 * transaction on the record read there (lv_kms_key_change): deletion if
 * due, else rotation if due. */
static void sweep_key(struct lv_app *app, const char *id, int64_t now_ms)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key k;
    struct lv_kms_key cur;
    struct lv_req rq;
    double at = (double)now_ms / 1000.0;

    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    sweeper_req(&rq, app, now_ms);
    snprintf(k.id, sizeof(k.id), "%s", id);
    snprintf(k.arn, sizeof(k.arn), "key/%s", id);
    if (lv_kms_key_change(&rq, &k, change_delete, &at, &cur, &err) < 0) {
        if (err.code != LV_E_NOT_FOUND) {
            lv_log(LV_LOG_WARN, "kms: sweeper cannot delete key %s: %s", id,
                   err.msg);
        }
        goto out;
    }
    if (strcmp(cur.state, "PendingDeletion") == 0 &&
        cur.deletion_date <= at) {
        lv_kms_policy_cache_drop(app->kms, id);
        lv_log(LV_LOG_INFO, "kms: key deleted id=%s arn=%s", id, cur.arn);
        if (cur.custom_key_store_id[0]) {
            drop_token_key(&rq, &cur);
        }
        goto out;
    }
    if (cur.valid_to > 0 && cur.valid_to <= at) {
        if (lv_kms_key_change(&rq, &k, change_expire, &at, &cur, &err) < 0) {
            if (err.code != LV_E_NOT_FOUND) {
                lv_log(LV_LOG_WARN, "kms: sweeper cannot delete expired "
                       "key material of key %s: %s", id, err.msg);
            }
        } else {
            lv_log(LV_LOG_INFO, "kms: expired key material deleted id=%s",
                   id);
        }
        goto out;
    }
    if (lv_kms_key_change(&rq, &k, change_rotate, &at, &cur, &err) < 0 &&
        err.code != LV_E_NOT_FOUND) {
        lv_log(LV_LOG_WARN, "kms: sweeper cannot rotate key %s: %s", id,
               err.msg);
    }
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
}

static void sweep(void *arg)
{
    struct lv_kms_sweeper *sw = arg;
    struct lv_app *app = sw->app;
    struct due_list *d = NULL;
    struct lv_err err = LV_ERR_INIT;
    struct timespec ts;
    int64_t now_ms;

    if (!lv_store_lease_pass(app->store, SWEEPER_LEASE, &sw->lease)) {
        return;
    }
    d = lv_xcalloc(1, sizeof(*d));
    /* The wall clock, to the millisecond: KMS dates carry milliseconds. */
    clock_gettime(CLOCK_REALTIME, &ts);
    now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (lv_store_kms_key_due(app->store, (double)now_ms / 1000.0, collect, d,
                             &err) < 0) {
        lv_log(LV_LOG_WARN, "kms: sweeper cannot list due keys: %s",
               err.msg);
        goto out;
    }
    for (size_t i = 0; i < d->n; i++) {
        sweep_key(app, d->ids[i], now_ms);
    }
out:
    free(d);
}

struct lv_kms_sweeper *lv_kms_sweeper_start(struct lv_app *app,
                                            int interval_ms)
{
    struct lv_kms_sweeper *s = lv_xcalloc(1, sizeof(*s));

    s->app = app;
    s->lease = LV_STORE_LEASE_UNKNOWN;
    s->ticker = lv_ticker_start("kms sweeper", interval_ms, sweep, s);
    if (!s->ticker) {
        free(s);
        return NULL;
    }
    return s;
}

void lv_kms_sweeper_stop(struct lv_kms_sweeper *s)
{
    if (!s) {
        return;
    }
    lv_ticker_stop(s->ticker);
    free(s);
}
