/*
 * sqlite/turn.c: the writers' turn (sqlite_int.h) — who of this process's
 * threads writes to the database next, first come, first served.
 *
 * SQLite lets one connection write at a time. A connection that finds the
 * write lock taken calls its busy handler, which sleeps 1, 2, 5 … up to
 * 100 ms and tries again, up to the busy timeout. Nobody queues: a thread
 * that has waited 2 s tries at a random moment against threads that
 * arrive fresh, and on a loaded machine it can lose every try. Measured
 * with four threads changing one KMS key in a loop (the sanitizer build,
 * several test servers on two cores): BEGIN IMMEDIATE waited up to 650 ms,
 * and in CI one waited out the whole 5 s busy timeout and answered
 * ServiceUnavailable.
 *
 * So the backend's writers take a turn here first: a transaction from its
 * BEGIN to its end, and a write outside any transaction for its step
 * (util.c). A writer that finds the turn taken queues; the one giving the
 * turn back hands it to the head of the queue, which nobody can overtake.
 * SQLite's lock and busy timeout stay underneath for what does not queue
 * here: another process on the file, and the rare write whose lock
 * outlives its step (a statement with RETURNING, until its reset). The
 * turn only orders writers; SQLite's lock alone keeps them apart.
 */
#include "store/sqlite/sqlite_int.h"

#include <errno.h>
#include <time.h>

/* One thread waiting for the turn, on its own stack. */
struct lv_sqlite_turn_waiter {
    struct lv_sqlite_turn_waiter *next;
    pthread_cond_t cv;
    int granted;            /* the turn was handed to it */
};

void lv_sqlite_turn_init(struct lv_sqlite_turn *t)
{
    pthread_mutex_init(&t->mu, NULL);
    t->held = 0;
    t->head = NULL;
    t->tail = NULL;
}

void lv_sqlite_turn_destroy(struct lv_sqlite_turn *t)
{
    pthread_mutex_destroy(&t->mu);
}

/* Unlinks w, which is queued in t (t->mu held). */
static void unqueue(struct lv_sqlite_turn *t, struct lv_sqlite_turn_waiter *w)
{
    struct lv_sqlite_turn_waiter **pp = &t->head;
    struct lv_sqlite_turn_waiter *prev = NULL;

    while (*pp != w) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    *pp = w->next;
    if (t->tail == w) {
        t->tail = prev;
    }
}

int lv_sqlite_turn_take(struct lv_sqlite_turn *t, int timeout_ms)
{
    struct lv_sqlite_turn_waiter w = { 0 };
    pthread_condattr_t attr;
    struct timespec deadline;
    int rc = 0;

    pthread_mutex_lock(&t->mu);
    if (!t->held && !t->head) {
        t->held = 1;
        pthread_mutex_unlock(&t->mu);
        return 0;
    }
    /* The deadline on the monotonic clock: a wall clock set back would
     * stretch the wait. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w.cv, &attr);
    pthread_condattr_destroy(&attr);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    if (t->tail) {
        t->tail->next = &w;
    } else {
        t->head = &w;
    }
    t->tail = &w;
    while (!w.granted && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&w.cv, &t->mu, &deadline);
    }
    /* Handed the turn as the wait timed out: it is this thread's now. */
    if (!w.granted) {
        unqueue(t, &w);
    }
    pthread_mutex_unlock(&t->mu);
    pthread_cond_destroy(&w.cv);
    return w.granted ? 0 : -1;
}

void lv_sqlite_turn_give(struct lv_sqlite_turn *t)
{
    struct lv_sqlite_turn_waiter *w;

    pthread_mutex_lock(&t->mu);
    w = t->head;
    if (w) {
        /* Handed over: t->held stays set, so nobody arriving now takes
         * the turn before w wakes. */
        t->head = w->next;
        if (!t->head) {
            t->tail = NULL;
        }
        w->granted = 1;
        pthread_cond_signal(&w->cv);
    } else {
        t->held = 0;
    }
    pthread_mutex_unlock(&t->mu);
}

int lv_sqlite_turn_waiting(struct lv_sqlite_turn *t)
{
    int n = 0;

    pthread_mutex_lock(&t->mu);
    for (struct lv_sqlite_turn_waiter *w = t->head; w; w = w->next) {
        n++;
    }
    pthread_mutex_unlock(&t->mu);
    return n;
}
