/*
 * sqlite/backend.c: the embedded backend's core (store_int.h's struct
 * lv_store_backend: open, close, transactions, schema versions, meta) and
 * its table; the domain operations live beside it in kms.c, logs.c,
 * events.c and metric.c, their SQL helpers in util.c. One database file,
 * DATA_DIR/logvault.db, in WAL mode with synchronous=FULL (a commit is on
 * disk when it returns) and foreign keys on. Writers on several threads
 * queue for their turn (turn.c) instead of polling for SQLite's lock; a
 * busy timeout stays for what does not queue there.
 *
 * Each thread uses its own connection (SQLITE_OPEN_NOMUTEX: a connection is
 * never shared), found through a pthread key and opened on first use. A
 * process-wide registry lists every open connection so that a thread's exit
 * (the key's destructor) and lv_store_close() each close exactly the ones
 * still open, whichever comes first. Each connection keeps its own cache of
 * prepared statements, keyed by the address of their SQL text.
 */
#include "store/sqlite/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define DB_FILE "logvault.db"
#define CACHE_MIN_SLOTS 32
#define LV_SQLITE_CACHE_KIB "1024"  /* page cache per connection */

struct slot {
    const char *sql;        /* the key: a pointer, not the text */
    sqlite3_stmt *st;
};

struct conn {
    struct lv_sqlite *owner;
    sqlite3 *db;
    int depth;              /* open transaction levels, 0 = autocommit */
    int kms_dirty;          /* the open transaction wrote KMS records */
    int relaxed;            /* synchronous=NORMAL until the open
                             * transaction ends (sq_begin_relaxed) */
    int turn;               /* holds the writers' turn (turn.c) */
    struct slot *slots;     /* open addressing, nslots a power of two */
    size_t nslots;
    size_t used;
    struct conn *prev;      /* in all_conns, under registry_lock */
    struct conn *next;
};

struct lv_sqlite {
    char *path;
    pthread_key_t key;      /* this thread's struct conn */
    size_t nconns;          /* under registry_lock */
    /* lv_store_kms_generation(): bumped by every KMS write (kms.c calls
     * lv_sqlite_kms_changed() after each) and again when the transaction
     * that made it ends, so that a reader that cached what it read before
     * the commit (the old record, under the new generation) is invalidated
     * by the commit itself. One per store, not per process. */
    _Atomic uint64_t kms_generation;
    struct lv_sqlite_seqs *seqs;    /* the chunk sequence counters */
    struct lv_sqlite_ckpt *ckpt;    /* the WAL checkpointer, or NULL */
    struct lv_sqlite_turn turn;     /* the writers' queue (turn.c) */
};

/* Every open connection of every store. A thread's exit and
 * lv_store_close() race to close a connection; whoever unlinks it here
 * closes it. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *all_conns;

int lv_sqlite_fail(sqlite3 *db, int rc, const char *what, struct lv_err *err)
{
    lv_log(LV_LOG_ERROR, "store: %s failed rc=%d (%s) ext=%d: %s", what, rc,
           sqlite3_errstr(rc), db ? sqlite3_extended_errcode(db) : rc,
           db ? sqlite3_errmsg(db) : "no connection");
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                      LV_STORE_UNAVAILABLE_MSG);
}

/* ---- connections ---- */

static void conn_close(struct conn *c)
{
    for (size_t i = 0; i < c->nslots; i++) {
        if (c->slots[i].st) {
            sqlite3_finalize(c->slots[i].st);
        }
    }
    free(c->slots);
    /* _v2: a statement leaked outside the cache delays the close instead
     * of failing it. An open transaction is rolled back, and its turn
     * passes on (a thread that ended inside one). */
    sqlite3_close_v2(c->db);
    if (c->turn) {
        lv_sqlite_turn_give(&c->owner->turn);
    }
    free(c);
}

static void unlink_conn(struct conn *c)
{
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        all_conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    c->prev = NULL;
    c->next = NULL;
    c->owner->nconns--;
}

/* The pthread key's destructor: the thread is exiting. The connection may
 * already be gone (lv_store_close ran first), so it is only closed if it is
 * still registered. */
static void thread_exit(void *p)
{
    struct conn *c;

    pthread_mutex_lock(&registry_lock);
    for (c = all_conns; c && c != p; c = c->next) {
    }
    if (c) {
        unlink_conn(c);
    }
    pthread_mutex_unlock(&registry_lock);
    if (c) {
        conn_close(c);
    }
}

/* *rc: SQLite's result, for a caller that names the cause. */
static struct conn *conn_open(struct lv_sqlite *q, int *rc_out,
                              struct lv_err *err)
{
    /* cache_size: each thread has its own connection and so its own page
     * cache; bounded explicitly (in KiB when negative) so that the server's
     * footprint is threads x this, whatever the size of the database.
     * journal_size_limit: a WAL that grew during a burst is truncated back
     * after the next checkpoint instead of staying at its largest.
     * No mmap_size: a memory map saved GetLogEvents a copy per page
     * (bench/results/perf-read-round8.md) but counts every page read in
     * the process's RSS, and turns an I/O error on the file into SIGBUS
     * instead of an error answer. */
    static const char pragmas[] =
        "PRAGMA foreign_keys = ON;"
        "PRAGMA synchronous = FULL;"
        "PRAGMA cache_size = -" LV_SQLITE_CACHE_KIB ";"
        "PRAGMA journal_size_limit = 16777216;";
    struct conn *c = NULL;
    sqlite3 *db = NULL;
    int rc;

    rc = sqlite3_open_v2(q->path, &db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                         SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        lv_sqlite_fail(db, rc, "open connection", err);
        goto fail;
    }
    rc = sqlite3_busy_timeout(db, LV_SQLITE_BUSY_TIMEOUT_MS);
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, pragmas, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        rc = lv_sqlite_ckpt_attach(q->ckpt, db);
    }
    if (rc != SQLITE_OK) {
        lv_sqlite_fail(db, rc, "configure connection", err);
        goto fail;
    }
    c = lv_xcalloc(1, sizeof(*c));
    c->owner = q;
    c->db = db;
    if (pthread_setspecific(q->key, c) != 0) {
        LV_BUG("pthread_setspecific failed");
    }
    pthread_mutex_lock(&registry_lock);
    c->next = all_conns;
    if (all_conns) {
        all_conns->prev = c;
    }
    all_conns = c;
    q->nconns++;
    pthread_mutex_unlock(&registry_lock);
    return c;
fail:
    sqlite3_close_v2(db);
    *rc_out = rc;
    return NULL;
}

static struct conn *get_conn(struct lv_sqlite *q, struct lv_err *err)
{
    struct conn *c = pthread_getspecific(q->key);
    int rc;

    return c ? c : conn_open(q, &rc, err);
}

struct lv_sqlite *lv_sqlite_of(struct lv_store *s)
{
    if (s->be != &lv_store_sqlite_backend) {
        LV_BUG("lv_sqlite_of on a %s store", s->be->name);
    }
    return s->impl;
}

sqlite3 *lv_sqlite_conn(struct lv_sqlite *q, struct lv_err *err)
{
    struct conn *c = get_conn(q, err);

    return c ? c->db : NULL;
}

size_t lv_sqlite_conn_count(struct lv_sqlite *q)
{
    size_t n;

    pthread_mutex_lock(&registry_lock);
    n = q->nconns;
    pthread_mutex_unlock(&registry_lock);
    return n;
}

/* ---- statement cache ---- */

static size_t slot_of(const struct conn *c, const char *sql)
{
    uint64_t h = (uint64_t)(uintptr_t)sql * UINT64_C(0x9E3779B97F4A7C15);

    return (size_t)(h >> 32) & (c->nslots - 1);
}

static void cache_put(struct conn *c, const char *sql, sqlite3_stmt *st);

static void cache_grow(struct conn *c)
{
    struct slot *old = c->slots;
    size_t nold = c->nslots;

    c->nslots = nold ? nold * 2 : CACHE_MIN_SLOTS;
    c->slots = lv_xcalloc(c->nslots, sizeof(*c->slots));
    c->used = 0;
    for (size_t i = 0; i < nold; i++) {
        if (old[i].sql) {
            cache_put(c, old[i].sql, old[i].st);
        }
    }
    free(old);
}

static void cache_put(struct conn *c, const char *sql, sqlite3_stmt *st)
{
    size_t i;

    if ((c->used + 1) * 2 > c->nslots) {
        cache_grow(c);
    }
    for (i = slot_of(c, sql); c->slots[i].sql; i = (i + 1) & (c->nslots - 1)) {
    }
    c->slots[i].sql = sql;
    c->slots[i].st = st;
    c->used++;
}

static sqlite3_stmt *cache_get(const struct conn *c, const char *sql)
{
    if (!c->nslots) {
        return NULL;
    }
    for (size_t i = slot_of(c, sql); c->slots[i].sql;
         i = (i + 1) & (c->nslots - 1)) {
        if (c->slots[i].sql == sql) {
            return c->slots[i].st;
        }
    }
    return NULL;
}

static sqlite3_stmt *prepare(struct conn *c, const char *sql,
                             struct lv_err *err)
{
    sqlite3_stmt *st = cache_get(c, sql);
    int rc;

    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                            NULL);
    if (rc != SQLITE_OK) {
        lv_sqlite_fail(c->db, rc, "prepare statement", err);
        return NULL;
    }
    cache_put(c, sql, st);
    return st;
}

sqlite3_stmt *lv_sqlite_prepare(struct lv_sqlite *q, const char *sql,
                                struct lv_err *err)
{
    struct conn *c = get_conn(q, err);

    return c ? prepare(c, sql, err) : NULL;
}

/* ---- open and close ---- */

/* mkdir -p, new directories 0700. */
static int make_dirs(const char *dir, struct lv_err *err)
{
    char *path = lv_xstrdup(dir);
    struct stat st;
    char *p;
    char saved;
    int ret = -1;

    for (p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0') {
            continue;
        }
        saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST) {
            lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                       "store: cannot create data directory %s: %s", path,
                       strerror(errno));
            goto out;
        }
        *p = saved;
        if (!saved) {
            break;
        }
    }
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "store: data directory %s is not a directory", dir);
        goto out;
    }
    ret = 0;
out:
    free(path);
    return ret;
}

static void sq_close(void *impl)
{
    struct lv_sqlite *q = impl;
    struct conn *mine = NULL;
    struct conn *c;
    struct conn *next;

    /* No destructor starts for this key from here on. */
    pthread_key_delete(q->key);
    pthread_mutex_lock(&registry_lock);
    for (c = all_conns; c; c = next) {
        next = c->next;
        if (c->owner == q) {
            unlink_conn(c);
            c->next = mine;
            mine = c;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    for (c = mine; c; c = next) {
        next = c->next;
        conn_close(c);
    }
    /* After every connection that could call its hook; its own is the
     * last to close, and checkpoints what is left. */
    lv_sqlite_ckpt_stop(q->ckpt);
    lv_sqlite_seqs_free(q->seqs);
    lv_sqlite_turn_destroy(&q->turn);
    free(q->path);
    free(q);
}

/* The first statement on the file: switches it to WAL (kept in the file)
 * and so proves it is a database we can read. Its failures name the cause,
 * for the operator reading them at startup. */
static int first_use(struct lv_sqlite *q, struct lv_err *err)
{
    static const char wal[] = "PRAGMA journal_mode = WAL";
    struct conn *c;
    sqlite3_stmt *st = NULL;
    const char *mode;
    int rc = SQLITE_OK;
    int ret = -1;

    c = conn_open(q, &rc, err);
    if (!c) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "store: cannot open %s: %s",
                   q->path, sqlite3_errstr(rc));
        goto out;
    }
    rc = sqlite3_prepare_v2(c->db, wal, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_ROW) {
        lv_sqlite_fail(c->db, rc, "open database", err);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "store: cannot open %s: %s",
                   q->path, sqlite3_errstr(rc));
        goto out;
    }
    mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || strcmp(mode, "wal") != 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "store: cannot put %s in WAL mode (journal_mode is %s)",
                   q->path, mode ? mode : "unknown");
        goto out;
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    return ret;
}

/* The size of `path` in *size, or -1 in *size when there is no such
 * file; -1 (err filled) when it cannot be told or is not a regular file. */
static int file_size(const char *path, off_t *size, struct lv_err *err)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT) {
            *size = -1;
            return 0;
        }
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "store: cannot examine %s: %s", path,
                          strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "store: %s is not a regular file", path);
    }
    *size = st.st_size;
    return 0;
}

/* Only stat(2): nothing is opened, so nothing (not even a -shm file) is
 * created. A database file with a non-empty write-ahead log beside it
 * holds data even while the file itself is still 0 bytes. */
static int sq_probe(const struct lv_store_config *cfg,
                    enum lv_store_presence *out, struct lv_err *err)
{
    char *db = NULL;
    char *wal = NULL;
    off_t db_size;
    off_t wal_size;
    int ret = -1;

    if (!cfg->data_dir || !*cfg->data_dir) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "store: no data directory given");
    }
    db = lv_xasprintf("%s/%s", cfg->data_dir, DB_FILE);
    wal = lv_xasprintf("%s-wal", db);
    if (file_size(db, &db_size, err) < 0 ||
        file_size(wal, &wal_size, err) < 0) {
        goto out;
    }
    if (db_size > 0 || (db_size == 0 && wal_size > 0)) {
        *out = LV_STORE_PRESENT;
    } else if (db_size < 0 && wal_size < 0) {
        *out = LV_STORE_ABSENT;
    } else {
        /* 0 bytes, or no database but its log (or an empty log). */
        *out = LV_STORE_EMPTY;
    }
    ret = 0;
out:
    free(db);
    free(wal);
    return ret;
}

static int sq_open(struct lv_store *s, const struct lv_store_config *cfg,
                   struct lv_err *err)
{
    struct lv_sqlite *q = NULL;
    char *path = NULL;
    int fd;
    int ret = -1;

    if (!cfg->data_dir || !*cfg->data_dir) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "store: no data directory given");
        goto out;
    }
    if (make_dirs(cfg->data_dir, err) < 0) {
        goto out;
    }
    path = lv_xasprintf("%s/%s", cfg->data_dir, DB_FILE);
    /* Create it 0600 ourselves: SQLite would use 0644 less the umask. Its
     * -wal and -shm files copy the database file's mode. */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "store: cannot open %s: %s",
                   path, strerror(errno));
        goto out;
    }
    close(fd);
    q = lv_xcalloc(1, sizeof(*q));
    if (pthread_key_create(&q->key, thread_exit) != 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "store: cannot open %s: out of thread keys", path);
        goto out;
    }
    q->path = path;
    path = NULL;
    atomic_init(&q->kms_generation, 1);
    lv_sqlite_turn_init(&q->turn);
    q->seqs = lv_sqlite_seqs_new();
    q->ckpt = lv_sqlite_ckpt_start(q->path);
    s->impl = q;
    s->where = lv_xstrdup(q->path);
    /* From here the store owns q: lv_store_close() releases it. */
    q = NULL;
    ret = first_use(s->impl, err);
out:
    free(q);
    free(path);
    return ret;
}

/* ---- operations ---- */

static int sq_ping(void *impl, struct lv_err *err)
{
    static const char sql[] = "SELECT 1";
    struct conn *c = get_conn(impl, err);
    sqlite3_stmt *st;
    int rc;

    if (!c || !(st = prepare(c, sql, err))) {
        return -1;
    }
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        return lv_sqlite_fail(c->db, rc, "ping", err);
    }
    return 0;
}

static int sq_exec(void *impl, const char *sql, struct lv_err *err)
{
    struct conn *c = get_conn(impl, err);
    int rc;

    if (!c) {
        return -1;
    }
    rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return lv_sqlite_fail(c->db, rc, "exec", err);
    }
    return 0;
}

static int run(struct conn *c, const char *sql)
{
    return sqlite3_exec(c->db, sql, NULL, NULL, NULL);
}

/*
 * The transaction control of the write paths, prepared once per
 * connection (the statement cache, keyed by these strings' addresses)
 * rather than parsed by sqlite3_exec() on every call: a PutLogEvents job
 * opens and releases two savepoints inside its group commit's
 * transaction, per chunk and per job. Savepoints deeper than
 * SP_CACHED levels fall back to run().
 */
#define SP_CACHED 6
static const char *const sp_open[SP_CACHED] = {
    "SAVEPOINT lv_sp1", "SAVEPOINT lv_sp2", "SAVEPOINT lv_sp3",
    "SAVEPOINT lv_sp4", "SAVEPOINT lv_sp5", "SAVEPOINT lv_sp6",
};
static const char *const sp_release[SP_CACHED] = {
    "RELEASE lv_sp1", "RELEASE lv_sp2", "RELEASE lv_sp3",
    "RELEASE lv_sp4", "RELEASE lv_sp5", "RELEASE lv_sp6",
};

/* Gives c's turn back, if it holds it (its outermost transaction ended, or
 * never began). */
static void give_turn(struct conn *c)
{
    if (c->turn) {
        c->turn = 0;
        lv_sqlite_turn_give(&c->owner->turn);
    }
}

struct lv_sqlite_turn *lv_sqlite_turn_of(struct lv_sqlite *q)
{
    return &q->turn;
}

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";

/* Runs one cached statement that returns no rows: SQLITE_OK or the
 * error of its step, as run() would return it. */
static int run_cached(struct conn *c, const char *sql)
{
    sqlite3_stmt *st = cache_get(c, sql);
    int rc;

    if (!st) {
        rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                &st, NULL);
        if (rc != SQLITE_OK) {
            return rc;
        }
        cache_put(c, sql, st);
    }
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Undoes and closes savepoint `level` (1 = the first inside BEGIN). */
static void rollback_savepoint(struct conn *c, int level)
{
    char sql[64];
    int rc;

    snprintf(sql, sizeof(sql), "ROLLBACK TO lv_sp%d; RELEASE lv_sp%d", level,
             level);
    rc = run(c, sql);
    if (rc != SQLITE_OK) {
        lv_sqlite_fail(c->db, rc, "rollback to savepoint", NULL);
    }
}

int lv_sqlite_begin(void *impl, struct lv_err *err)
{
    struct conn *c = get_conn(impl, err);
    char sql[32];
    int rc;

    if (!c) {
        return -1;
    }
    if (c->depth == 0) {
        if (lv_sqlite_turn_take(&c->owner->turn,
                                LV_SQLITE_BUSY_TIMEOUT_MS) < 0) {
            lv_log(LV_LOG_ERROR, "store: begin failed: no writer's turn "
                   "within %d ms", LV_SQLITE_BUSY_TIMEOUT_MS);
            return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                              LV_STORE_UNAVAILABLE_MSG);
        }
        c->turn = 1;
        rc = run_cached(c, sql_begin);
    } else if (c->depth <= SP_CACHED) {
        rc = run_cached(c, sp_open[c->depth - 1]);
    } else {
        snprintf(sql, sizeof(sql), "SAVEPOINT lv_sp%d", c->depth);
        rc = run(c, sql);
    }
    if (rc != SQLITE_OK) {
        if (c->depth == 0) {
            give_turn(c);
        }
        return lv_sqlite_fail(c->db, rc, "begin", err);
    }
    c->depth++;
    return 0;
}

int lv_sqlite_in_txn(void *impl)
{
    struct lv_sqlite *q = impl;
    struct conn *c = pthread_getspecific(q->key);

    return c && c->depth > 0;
}

static struct conn *conn_in_txn(void *impl, const char *what)
{
    struct lv_sqlite *q = impl;
    struct conn *c = pthread_getspecific(q->key);

    if (!c || c->depth == 0) {
        LV_BUG("store: %s with no transaction open", what);
    }
    return c;
}

/* The outermost transaction of c has ended (committed or rolled back):
 * when it wrote KMS records, the generation moves again, now that what
 * it wrote (or the state it restored) is what every reader sees. */
static void txn_ended(struct conn *c)
{
    int rc;

    if (c->depth == 0) {
        give_turn(c);
    }
    if (c->depth == 0 && c->kms_dirty) {
        c->kms_dirty = 0;
        atomic_fetch_add(&c->owner->kms_generation, 1);
    }
    if (c->depth == 0 && c->relaxed) {
        c->relaxed = 0;
        rc = run(c, "PRAGMA synchronous = FULL");
        if (rc != SQLITE_OK) {
            /* The connection would go on relaxed: not to be used. */
            LV_BUG("store: cannot set synchronous = FULL again (%d)", rc);
        }
    }
}

static int sq_begin_relaxed(void *impl, struct lv_err *err)
{
    struct conn *c = get_conn(impl, err);
    int rc;

    if (!c) {
        return -1;
    }
    if (c->depth != 0) {
        LV_BUG("store: begin_relaxed inside a transaction");
    }
    /* Read at commit time, settable only outside a transaction: a WAL
     * commit then skips its fsync (the WAL is synced at the next
     * checkpoint, or by the next FULL commit). txn_ended() sets FULL
     * again. */
    rc = run(c, "PRAGMA synchronous = NORMAL");
    if (rc != SQLITE_OK) {
        return lv_sqlite_fail(c->db, rc, "begin", err);
    }
    c->relaxed = 1;
    if (lv_sqlite_begin(impl, err) < 0) {
        txn_ended(c);
        return -1;
    }
    return 0;
}

static int commit_level(struct conn *c, struct lv_err *err)
{
    int level = c->depth;
    char sql[32];
    int rc;

    c->depth--;
    if (sqlite3_get_autocommit(c->db)) {
        /* SQLite rolled the whole transaction back under us (disk full,
         * I/O error); its caller saw that failure already. */
        lv_log(LV_LOG_WARN, "store: commit of a transaction already rolled "
               "back level=%d", level);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                          LV_STORE_UNAVAILABLE_MSG);
    }
    if (level > 1) {
        if (level - 1 <= SP_CACHED) {
            rc = run_cached(c, sp_release[level - 2]);
        } else {
            snprintf(sql, sizeof(sql), "RELEASE lv_sp%d", level - 1);
            rc = run(c, sql);
        }
        if (rc != SQLITE_OK) {
            lv_sqlite_fail(c->db, rc, "release savepoint", err);
            rollback_savepoint(c, level - 1);
            return -1;
        }
        return 0;
    }
    rc = run_cached(c, sql_commit);
    if (rc != SQLITE_OK) {
        lv_sqlite_fail(c->db, rc, "commit", err);
        if (!sqlite3_get_autocommit(c->db)) {
            rc = run(c, "ROLLBACK");
            if (rc != SQLITE_OK) {
                lv_sqlite_fail(c->db, rc, "rollback", NULL);
            }
        }
        return -1;
    }
    return 0;
}

int lv_sqlite_commit(void *impl, struct lv_err *err)
{
    struct conn *c = conn_in_txn(impl, "commit");
    int rc = commit_level(c, err);

    txn_ended(c);
    return rc;
}

static void rollback_level(struct conn *c)
{
    int level = c->depth;
    int rc;

    c->depth--;
    if (sqlite3_get_autocommit(c->db)) {
        return;     /* already rolled back by SQLite */
    }
    if (level > 1) {
        rollback_savepoint(c, level - 1);
        return;
    }
    rc = run(c, "ROLLBACK");
    if (rc != SQLITE_OK) {
        lv_sqlite_fail(c->db, rc, "rollback", NULL);
    }
}

void lv_sqlite_rollback(void *impl)
{
    struct conn *c = conn_in_txn(impl, "rollback");

    rollback_level(c);
    txn_ended(c);
}

/* ---- the KMS generation ---- */

void lv_sqlite_kms_changed(struct lv_sqlite *q)
{
    struct conn *c = pthread_getspecific(q->key);

    if (c && c->depth > 0) {
        c->kms_dirty = 1;
    }
    atomic_fetch_add(&q->kms_generation, 1);
}

static int sq_kms_generation(void *impl, uint64_t *gen)
{
    struct lv_sqlite *q = impl;
    struct conn *c = pthread_getspecific(q->key);

    if (c && c->kms_dirty) {
        return 0;
    }
    *gen = atomic_load(&q->kms_generation);
    return 1;
}

struct lv_sqlite_seqs *lv_sqlite_seqs(struct lv_sqlite *q)
{
    return q->seqs;
}

/* ---- leases ---- */

/* One process owns the file (the data dir's lock), so it holds every
 * lease there is. */
static int sq_lease(void *impl, const char *name, struct lv_err *err)
{
    (void)impl;
    (void)name;
    (void)err;
    return 1;
}

/* Binds key as ?1 and steps st once: SQLITE_ROW, SQLITE_DONE or an error.
 * The caller resets st. */
static int step_with_key(sqlite3_stmt *st, const char *key)
{
    int rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);

    return rc == SQLITE_OK ? sqlite3_step(st) : rc;
}

static int sq_version_get(void *impl, const char *component, int *version,
                          struct lv_err *err)
{
    static const char sql[] =
        "SELECT version FROM schema_version WHERE component = ?1";
    struct conn *c = get_conn(impl, err);
    sqlite3_stmt *st;
    int rc;

    if (!c || !(st = prepare(c, sql, err))) {
        return -1;
    }
    rc = step_with_key(st, component);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
    } else if (rc == SQLITE_DONE) {
        *version = 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return lv_sqlite_fail(c->db, rc, "read schema version", err);
    }
    return 0;
}

static int sq_version_set(void *impl, const char *component, int version,
                          struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO schema_version (component, version) VALUES (?1, ?2)"
        " ON CONFLICT (component) DO UPDATE SET version = excluded.version";
    struct conn *c = get_conn(impl, err);
    sqlite3_stmt *st;
    int rc;

    if (!c || !(st = prepare(c, sql, err))) {
        return -1;
    }
    rc = sqlite3_bind_int(st, 2, version);
    if (rc == SQLITE_OK) {
        rc = step_with_key(st, component);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return lv_sqlite_fail(c->db, rc, "write schema version", err);
    }
    return 0;
}

static int sq_version_each(void *impl,
                           int (*fn)(void *arg, const char *component,
                                     int version),
                           void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT component, version FROM schema_version ORDER BY component";
    struct conn *c = get_conn(impl, err);
    sqlite3_stmt *st;
    int rc;
    int stop = 0;

    if (!c || !(st = prepare(c, sql, err))) {
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        stop = fn(arg, (const char *)sqlite3_column_text(st, 0),
                  sqlite3_column_int(st, 1));
        if (stop) {
            break;
        }
    }
    sqlite3_reset(st);
    if (stop) {
        return stop;
    }
    if (rc != SQLITE_DONE) {
        return lv_sqlite_fail(c->db, rc, "read schema versions", err);
    }
    return 0;
}

static int sq_meta_get(void *impl, const char *key, struct lv_buf *out,
                       struct lv_err *err)
{
    static const char sql[] = "SELECT value FROM meta WHERE key = ?1";
    struct conn *c = get_conn(impl, err);
    sqlite3_stmt *st;
    const void *value;
    size_t len;
    int rc;
    int ret = -1;

    if (!c || !(st = prepare(c, sql, err))) {
        return -1;
    }
    rc = step_with_key(st, key);
    if (rc == SQLITE_DONE) {
        ret = 0;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        lv_sqlite_fail(c->db, rc, "read meta", err);
        goto out;
    }
    value = sqlite3_column_blob(st, 0);
    len = (size_t)sqlite3_column_bytes(st, 0);
    if (len > out->max) {
        lv_log(LV_LOG_ERROR, "store: meta value too long key=%s len=%zu "
               "max=%zu", key, len, out->max);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                   LV_STORE_UNAVAILABLE_MSG);
        goto out;
    }
    lv_buf_reset(out);
    if (len && lv_buf_add(out, value, len) < 0) {
        LV_BUG("lv_buf_add past a checked max");
    }
    ret = 1;
out:
    sqlite3_reset(st);
    return ret;
}

/* Runs an insert of (?1 key, ?2 value) and returns sqlite3_changes(). */
static int meta_write(void *impl, const char *sql, const char *key,
                      const void *value, size_t len, struct lv_err *err)
{
    struct conn *c = get_conn(impl, err);
    sqlite3_stmt *st;
    int rc;

    if (len > INT_MAX) {
        LV_BUG("meta value of %zu bytes", len);
    }
    if (!c || !(st = prepare(c, sql, err))) {
        return -1;
    }
    /* A zero-length blob, never NULL, even when value is NULL. */
    rc = len ? sqlite3_bind_blob(st, 2, value, (int)len, SQLITE_STATIC)
             : sqlite3_bind_zeroblob(st, 2, 0);
    if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK) {
        rc = lv_sqlite_step(c->owner, st);    /* queues for its turn */
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return lv_sqlite_fail(c->db, rc, "write meta", err);
    }
    return sqlite3_changes(c->db);
}

static int sq_meta_set(void *impl, const char *key, const void *value,
                       size_t len, struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO meta (key, value) VALUES (?1, ?2)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value";

    return meta_write(impl, sql, key, value, len, err) < 0 ? -1 : 0;
}

static int sq_meta_add(void *impl, const char *key, const void *value,
                       size_t len, struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO meta (key, value) VALUES (?1, ?2)"
        " ON CONFLICT (key) DO NOTHING";
    int n = meta_write(impl, sql, key, value, len, err);

    return n < 0 ? -1 : n > 0;
}

/* The domain tables: every entry of kms_ops.def / logs_ops.def, so a
 * missing implementation fails the build. */
static const struct lv_store_kms_ops sq_kms_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_kms_##name,
#include "store/kms_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_logs_ops sq_logs_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_logs_##name,
#include "store/logs_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_audit_ops sq_audit_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_audit_##name,
#include "store/audit_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_insights_ops sq_insights_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_insights_##name,
#include "store/insights_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_lookup_ops sq_lookup_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_lookup_##name,
#include "store/lookup_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_policies_ops sq_policies_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_policies_##name,
#include "store/policies_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_sched_ops sq_sched_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_sched_##name,
#include "store/sched_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_anomaly_ops sq_anomaly_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_anomaly_##name,
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_livetail_ops sq_livetail_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_sqlite_livetail_##name,
#include "store/livetail_ops.def"
#undef LV_STORE_OP
};

const struct lv_store_backend lv_store_sqlite_backend = {
    .name = "sqlite",
    .migrations = lv_sqlite_migrations,
    .open = sq_open,
    .probe = sq_probe,
    .close = sq_close,
    .ping = sq_ping,
    .exec = sq_exec,
    .begin = lv_sqlite_begin,
    .begin_relaxed = sq_begin_relaxed,
    .commit = lv_sqlite_commit,
    .rollback = lv_sqlite_rollback,
    .version_get = sq_version_get,
    .version_set = sq_version_set,
    .version_each = sq_version_each,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .meta_add = sq_meta_add,
    .kms_generation = sq_kms_generation,
    .lease = sq_lease,
    .kms = &sq_kms_ops,
    .logs = &sq_logs_ops,
    .audit = &sq_audit_ops,
    .insights = &sq_insights_ops,
    .lookup = &sq_lookup_ops,
    .policies = &sq_policies_ops,
    .sched = &sq_sched_ops,
    .anomaly = &sq_anomaly_ops,
    .livetail = &sq_livetail_ops,
};
