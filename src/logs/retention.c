#include "logs/retention.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "store/logs_store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define MS_PER_DAY INT64_C(86400000)

/* Groups handled per batch of the walk; the list is read first, then each
 * group is expired in its own transaction, so a large group never holds
 * the write lock for the whole pass. */
#define RETAIN_BATCH 1000

struct lv_logs_retention {
    struct lv_app *app;
    int interval_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* on CLOCK_MONOTONIC */
    int stop;
};

struct retained {
    int64_t id[RETAIN_BATCH];
    int days[RETAIN_BATCH];
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
    r->days[r->n] = g->retention_days;
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
            if (lv_store_logs_chunk_expire(s, r->id[i],
                                           now_ms - r->days[i] * MS_PER_DAY,
                                           &got, err) < 0) {
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

static void pass(struct lv_app *app)
{
    struct lv_err err = LV_ERR_INIT;
    struct timespec ts;
    int64_t n = 0;

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

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *run(void *arg)
{
    struct lv_logs_retention *r = arg;
    struct timespec until;

    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        pthread_mutex_unlock(&r->mu);
        pass(r->app);
        pthread_mutex_lock(&r->mu);
        deadline_after(&until, r->interval_ms);
        while (!r->stop &&
               pthread_cond_timedwait(&r->cv, &r->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

struct lv_logs_retention *lv_logs_retention_start(struct lv_app *app,
                                                  int interval_ms)
{
    struct lv_logs_retention *r = lv_xcalloc(1, sizeof(*r));
    pthread_condattr_t ca;
    int rc;

    if (interval_ms <= 0) {
        LV_BUG("retention interval %d ms", interval_ms);
    }
    r->app = app;
    r->interval_ms = interval_ms;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    rc = pthread_create(&r->thread, NULL, run, r);
    if (rc != 0) {
        lv_log(LV_LOG_ERROR, "logs: cannot start the retention thread: %s",
               strerror(rc));
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
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
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
