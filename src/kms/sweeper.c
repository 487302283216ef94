#include "kms/sweeper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "kms/kms_int.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ticker.h"
#include "util/req.h"

/* Keys handled per pass; the rest wait for the next one. */
#define SWEEP_BATCH 1000

/* The state a deleted key is left in. Clients never see it: a key whose
 * material is destroyed does not exist for lv_kms_resolve. It also takes
 * the key off the store's due list. */
#define STATE_DELETED "Deleted"

struct lv_kms_sweeper {
    struct lv_ticker *ticker;
};

struct due_list {
    char ids[SWEEP_BATCH][37];
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

/* A request context for work done on no client's behalf, in k's scope. */
static void sweeper_req(struct lv_req *rq, struct lv_app *app,
                        const struct lv_kms_key *k, time_t now)
{
    memset(rq, 0, sizeof(*rq));
    snprintf(rq->id, sizeof(rq->id), "sweeper");
    rq->now = now;
    rq->now_ms = (int64_t)now * 1000;
    rq->app = app;
    rq->store = app->store;
    snprintf(rq->region, sizeof(rq->region), "%s", k->region);
    snprintf(rq->who.account, sizeof(rq->who.account), "%s", k->account);
    snprintf(rq->who.arn, sizeof(rq->who.arn), "arn:aws:iam::%s:root",
             k->account);
}

/* Deletes key `id` if it is still pending deletion and due, all in one
 * transaction. */
static int delete_key(struct lv_store *store, const char *id, double now,
                      struct lv_err *err)
{
    struct lv_kms_key k;
    int found;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_store_begin(store, err) < 0) {
        goto out;
    }
    found = lv_store_kms_key_get(store, id, &k, err);
    if (found < 0) {
        lv_store_rollback(store);
        goto out;
    }
    /* Cancelled (or already deleted) since the list was read. */
    if (!found || strcmp(k.state, "PendingDeletion") != 0 ||
        k.deletion_date > now || k.material_destroyed) {
        lv_store_rollback(store);
        ret = 0;
        goto out;
    }
    k.material_destroyed = 1;
    snprintf(k.state, sizeof(k.state), STATE_DELETED);
    k.rotation_enabled = 0;
    k.next_rotation_date = 0;
    if (lv_store_kms_material_destroy(store, k.id, err) < 0 ||
        lv_store_kms_alias_delete_for_key(store, k.id, err) < 0 ||
        lv_store_kms_grant_delete_for_key(store, k.id, err) < 0 ||
        lv_store_kms_key_update(store, &k, err) < 0) {
        lv_store_rollback(store);
        goto out;
    }
    if (lv_store_commit(store, err) < 0) {
        goto out;
    }
    lv_kms_policy_cache_drop(k.id);
    lv_log(LV_LOG_INFO, "kms: key deleted id=%s arn=%s", k.id, k.arn);
    ret = 0;
out:
    lv_kms_key_release(&k);
    return ret;
}

/* Rotates key `id` if it is enabled and its rotation is due. A disabled
 * key is not rotated (it stays due and is rotated once enabled again), as
 * AWS documents for automatic rotation. */
static int rotate_key(struct lv_app *app, const char *id, time_t now,
                      struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_req rq;
    int found;
    int ret = -1;

    lv_kms_key_init(&k);
    found = lv_store_kms_key_get(app->store, id, &k, err);
    if (found < 0) {
        goto out;
    }
    if (!found || k.material_destroyed || strcmp(k.state, "Enabled") != 0 ||
        !k.rotation_enabled || k.next_rotation_date <= 0 ||
        k.next_rotation_date > (double)now) {
        ret = 0;
        goto out;
    }
    sweeper_req(&rq, app, &k, now);
    if (lv_kms_rotate_key(&rq, &k, "AUTOMATIC", err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "kms: key rotated id=%s version=%u", k.id,
           k.current_version);
    ret = 0;
out:
    lv_kms_key_release(&k);
    return ret;
}

static void sweep(void *arg)
{
    struct lv_app *app = arg;
    struct due_list *d = lv_xcalloc(1, sizeof(*d));
    struct lv_err err = LV_ERR_INIT;
    time_t now = time(NULL);

    if (lv_store_kms_key_due(app->store, (double)now, collect, d,
                             &err) < 0) {
        lv_log(LV_LOG_WARN, "kms: sweeper cannot list due keys: %s",
               err.msg);
        goto out;
    }
    for (size_t i = 0; i < d->n; i++) {
        if (delete_key(app->store, d->ids[i], (double)now, &err) < 0) {
            lv_log(LV_LOG_WARN, "kms: sweeper cannot delete key %s: %s",
                   d->ids[i], err.msg);
        }
        if (rotate_key(app, d->ids[i], now, &err) < 0) {
            lv_log(LV_LOG_WARN, "kms: sweeper cannot rotate key %s: %s",
                   d->ids[i], err.msg);
        }
    }
out:
    free(d);
}

struct lv_kms_sweeper *lv_kms_sweeper_start(struct lv_app *app,
                                            int interval_ms)
{
    struct lv_kms_sweeper *s = lv_xcalloc(1, sizeof(*s));

    s->ticker = lv_ticker_start("kms sweeper", interval_ms, sweep, app);
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
