#include "logs/retention.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "store/logs_store.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ticker.h"

/* Groups handled per batch of the walk; the list is read first, then each
 * group is expired in its own transaction, so a large group never holds
 * the write lock for the whole pass. */
#define RETAIN_BATCH 1000

/* The lease the task's passes take, so that with several nodes on one
 * store one of them expires chunks (store.h). */
#define RETENTION_LEASE "logs.retention"

struct lv_logs_retention {
    struct lv_app *app;
    int lease;                  /* lv_store_lease_pass()'s state */
    struct lv_ticker *ticker;
};

/* The work list holds ids only: each group's retention is read again in
 * the transaction that expires its chunks (lv_store_logs_group_expire), so
 * a retention changed after the list was read is the one that counts. */
struct retained {
    int64_t id[RETAIN_BATCH];
    size_t n;
    int64_t after;              /* groups with id <= after are done */
};

static int collect(void *arg, const struct lv_log_group *g)
{
    struct retained *r = arg;

    if (g->id <= r->after) {
        return 0;
    }
    if (r->n == RETAIN_BATCH) {
        return 1;
    }
    r->id[r->n] = g->id;
    r->n++;
    return 0;
}

int lv_logs_retention_pass(struct lv_store *s, int64_t now_ms, int64_t *n,
                           struct lv_err *err)
{
    struct retained *r = lv_xcalloc(1, sizeof(*r));
    int64_t total = 0;
    int64_t got;
    int ret = -1;

    for (;;) {
        r->n = 0;
        if (lv_store_logs_group_list_retained(s, collect, r, err) < 0) {
            goto out;
        }
        for (size_t i = 0; i < r->n; i++) {
            got = 0;
            if (lv_store_logs_group_expire(s, r->id[i], now_ms, &got,
                                           err) < 0) {
                goto out;
            }
            total += got;
        }
        if (r->n < RETAIN_BATCH) {
            break;
        }
        r->after = r->id[r->n - 1];
    }
    ret = 0;
out:
    *n = total;
    free(r);
    return ret;
}

static void pass(void *arg)
{
    struct lv_logs_retention *r = arg;
    struct lv_app *app = r->app;
    struct lv_err err = LV_ERR_INIT;
    struct timespec ts;
    int64_t n = 0;

    if (!lv_store_lease_pass(app->store, RETENTION_LEASE, &r->lease)) {
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    if (lv_logs_retention_pass(app->store, (int64_t)ts.tv_sec * 1000 +
                               ts.tv_nsec / 1000000, &n, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: retention pass failed: %s", err.msg);
    }
    if (n > 0) {
        lv_log(LV_LOG_INFO, "logs: retention expired chunks=%lld",
               (long long)n);
    }
}

struct lv_logs_retention *lv_logs_retention_start(struct lv_app *app,
                                                  int interval_ms)
{
    struct lv_logs_retention *r = lv_xcalloc(1, sizeof(*r));

    r->app = app;
    r->lease = LV_STORE_LEASE_UNKNOWN;
    r->ticker = lv_ticker_start("logs retention", interval_ms, pass, r);
    if (!r->ticker) {
        free(r);
        return NULL;
    }
    return r;
}

void lv_logs_retention_stop(struct lv_logs_retention *r)
{
    if (!r) {
        return;
    }
    lv_ticker_stop(r->ticker);
    free(r);
}
