/*
 * ticker.c: the thread waits on a condition variable on CLOCK_MONOTONIC
 * (so a wall-clock jump neither stalls nor hurries it) with a deadline of
 * now + interval; lv_ticker_stop() sets `stop` and signals it.
 */
#include "util/ticker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/thread.h"

struct lv_ticker {
    const char *name;
    int interval_ms;
    void (*fn)(void *arg);
    void *arg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* on CLOCK_MONOTONIC */
    int stop;                   /* under mu */
};

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
    struct lv_ticker *t = arg;
    struct timespec until;
    int first_ms = t->interval_ms < LV_TICKER_FIRST_MS ? t->interval_ms
                                                       : LV_TICKER_FIRST_MS;

    pthread_mutex_lock(&t->mu);
    /* The first call waits a little (ticker.h), stop still wakes it. */
    deadline_after(&until, first_ms);
    while (!t->stop &&
           pthread_cond_timedwait(&t->cv, &t->mu, &until) != ETIMEDOUT) {
    }
    while (!t->stop) {
        pthread_mutex_unlock(&t->mu);
        t->fn(t->arg);
        pthread_mutex_lock(&t->mu);
        deadline_after(&until, t->interval_ms);
        while (!t->stop &&
               pthread_cond_timedwait(&t->cv, &t->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

struct lv_ticker *lv_ticker_start(const char *name, int interval_ms,
                                  void (*fn)(void *arg), void *arg)
{
    struct lv_ticker *t = lv_xcalloc(1, sizeof(*t));
    pthread_condattr_t ca;
    int rc;

    if (interval_ms <= 0) {
        LV_BUG("%s interval %d ms", name, interval_ms);
    }
    t->name = name;
    t->interval_ms = interval_ms;
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    rc = pthread_create(&t->thread, NULL, run, t);
    if (rc != 0) {
        lv_log(LV_LOG_ERROR, "ticker: cannot start the %s thread: %s", name,
               strerror(rc));
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        free(t);
        return NULL;
    }
    lv_thread_name(t->thread, name);
    return t;
}

void lv_ticker_stop(struct lv_ticker *t)
{
    if (!t) {
        return;
    }
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
