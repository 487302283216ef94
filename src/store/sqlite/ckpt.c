/*
 * sqlite/ckpt.c: the embedded backend's WAL checkpointer (sqlite_int.h).
 *
 * SQLite's default is to checkpoint in whichever connection commits the
 * transaction that takes the WAL past 1,000 pages: that commit then also
 * copies ~4 MB from the WAL into the database file and fsyncs both, before
 * it returns. On the Logs ingest path that connection is the group
 * committer's (logs/commit.c), one thread that every PutLogEvents waits on,
 * so every ~70th group commit took several ms longer and held up every
 * request waiting behind it, while the other core could have done the copy.
 *
 * With the checkpointer running, every connection of the store has its
 * automatic checkpoint off and a WAL hook instead (lv_sqlite_ckpt_attach):
 * when LV_CKPT_PAGES pages have been added to the WAL since the last
 * checkpoint copied it, the hook wakes this thread, which runs a PASSIVE
 * checkpoint on a connection of its own (it never blocks a writer or a
 * reader; with synchronous=FULL it fsyncs the WAL before it copies and the
 * database file after, as the automatic one does, so nothing acknowledged
 * depends on it). SQLite starts the WAL over only when a write begins
 * after a checkpoint copied all of it, which a steady stream of commits
 * rarely allows from another thread; so past LV_CKPT_INLINE_PAGES the
 * committing connection checkpoints inline, as SQLite would have, right
 * after one of this thread's: it copies only the few pages this thread
 * has not, and the next transaction starts the WAL over. Past twice that
 * it checkpoints whatever is left, so that the WAL stays bounded whatever
 * this thread does.
 *
 * The checkpointer is started by sq_open before the first connection and
 * stopped by sq_close before the connections close. When its thread cannot
 * start, connections keep SQLite's automatic checkpoint.
 */
#include "store/sqlite/sqlite_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/mem.h"
#include "util/thread.h"

/* SQLite's own default threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT). */
#define LV_CKPT_PAGES 1000
/* Past this the committing connection checkpoints itself, right after the
 * thread's checkpoint, when at most LV_CKPT_CATCHUP pages are left to
 * copy; past twice this, whatever is left. */
#define LV_CKPT_INLINE_PAGES (4 * LV_CKPT_PAGES)
#define LV_CKPT_CATCHUP 256

struct lv_sqlite_ckpt {
    char *path;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int pending;            /* a checkpoint was asked for */
    int busy;               /* one is running */
    int stopping;
    int backfilled;         /* WAL frames the last checkpoint copied */
};

static double now_s(clockid_t clk)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *ckpt_thread(void *arg)
{
    struct lv_sqlite_ckpt *k = arg;
    sqlite3 *db = NULL;

    pthread_mutex_lock(&k->mu);
    for (;;) {
        int rc;

        while (!k->pending && !k->stopping) {
            pthread_cond_wait(&k->cv, &k->mu);
        }
        if (k->stopping) {
            break;
        }
        k->pending = 0;
        k->busy = 1;
        pthread_mutex_unlock(&k->mu);
        if (!db) {
            rc = sqlite3_open_v2(k->path, &db, SQLITE_OPEN_READWRITE |
                                 SQLITE_OPEN_NOMUTEX, NULL);
            if (rc == SQLITE_OK) {
                rc = sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL,
                                  NULL, NULL);
            }
            if (rc == SQLITE_OK) {
                rc = sqlite3_wal_autocheckpoint(db, 0);
            }
            if (rc != SQLITE_OK) {
                lv_log(LV_LOG_WARN, "store: checkpointer cannot open the "
                       "database rc=%d (%s)", rc, sqlite3_errstr(rc));
                sqlite3_close_v2(db);
                db = NULL;
            }
        }
        if (db) {
            int frames = -1;
            int done = -1;
            double t0 = now_s(CLOCK_MONOTONIC);
            double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);

            rc = sqlite3_wal_checkpoint_v2(db, NULL,
                                           SQLITE_CHECKPOINT_PASSIVE,
                                           &frames, &done);
            pthread_mutex_lock(&k->mu);
            k->backfilled = done > 0 ? done : k->backfilled;
            pthread_mutex_unlock(&k->mu);
            if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
                lv_log(LV_LOG_WARN, "store: checkpoint failed rc=%d (%s)",
                       rc, sqlite3_errstr(rc));
            } else {
                /* What the committer no longer waits for (bench). */
                lv_log(LV_LOG_DEBUG, "store: checkpoint frames=%d done=%d "
                       "ms=%.2f cpu_ms=%.2f", frames, done,
                       1e3 * (now_s(CLOCK_MONOTONIC) - t0),
                       1e3 * (now_s(CLOCK_THREAD_CPUTIME_ID) - c0));
            }
        }
        pthread_mutex_lock(&k->mu);
        k->busy = 0;
    }
    pthread_mutex_unlock(&k->mu);
    sqlite3_close_v2(db);
    return NULL;
}

struct lv_sqlite_ckpt *lv_sqlite_ckpt_start(const char *path)
{
    struct lv_sqlite_ckpt *k = lv_xcalloc(1, sizeof(*k));

    k->path = lv_xstrdup(path);
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (pthread_create(&k->thread, NULL, ckpt_thread, k) != 0) {
        lv_log(LV_LOG_WARN, "store: no checkpointer thread; commits "
               "checkpoint the WAL themselves");
        pthread_mutex_destroy(&k->mu);
        pthread_cond_destroy(&k->cv);
        free(k->path);
        free(k);
        return NULL;
    }
    lv_thread_name(k->thread, "checkpoint");
    return k;
}

void lv_sqlite_ckpt_stop(struct lv_sqlite_ckpt *k)
{
    if (!k) {
        return;
    }
    pthread_mutex_lock(&k->mu);
    k->stopping = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    free(k->path);
    free(k);
}

/* sqlite3_wal_hook's callback: after each commit, with the WAL's size in
 * pages. Runs in the committing thread, outside its transaction. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct lv_sqlite_ckpt *k = arg;
    int behind;
    int now = 0;

    pthread_mutex_lock(&k->mu);
    if (pages < k->backfilled) {
        k->backfilled = 0;      /* the WAL started over */
    }
    behind = pages - k->backfilled;
    if (pages >= 2 * LV_CKPT_INLINE_PAGES ||
        (pages >= LV_CKPT_INLINE_PAGES && !k->busy && !k->pending &&
         behind <= LV_CKPT_CATCHUP)) {
        now = 1;
    } else if (behind >= LV_CKPT_PAGES && !k->pending && !k->busy) {
        k->pending = 1;
        pthread_cond_signal(&k->cv);
    }
    pthread_mutex_unlock(&k->mu);
    if (now) {
        /* What SQLite's own hook does; SQLITE_BUSY is not an error. It
         * copies what the thread has not (little), and the next
         * transaction starts the WAL over. */
        sqlite3_wal_checkpoint(db, name);
    }
    return SQLITE_OK;
}

int lv_sqlite_ckpt_attach(struct lv_sqlite_ckpt *k, sqlite3 *db)
{
    if (!k) {
        return SQLITE_OK;
    }
    /* Replaces SQLite's automatic checkpoint (itself a WAL hook). */
    sqlite3_wal_hook(db, wal_hook, k);
    return SQLITE_OK;
}
