/*
 * postgres/backend.c: the PostgreSQL backend's core (store_int.h's struct
 * lv_store_backend: open, probe, close, transactions, schema versions,
 * meta, the KMS generation, the migration lock, leases) and its table; the
 * domain operations live beside it in kms.c, logs.c, events.c and
 * metric.c, the helpers that need no connection in util.c.
 *
 * The store's spec is any libpq connection URI (postgresql://, postgres://)
 * or key=value conninfo string. It can hold a password, so it is kept
 * privately (wiped before it is freed), never logged, and every libpq
 * message that reaches the log or an error is first cleared of every
 * password the spec or PGPASSWORD names. s->where names the database as
 * postgresql://USER@HOST:PORT/DB, from what libpq connected with.
 *
 * Each thread uses its own connection, found through a pthread key and
 * opened on first use; a process-wide registry lists every open connection
 * so that a thread's exit (the key's destructor) and lv_store_close() each
 * close exactly the ones still open, as sqlite/backend.c does. A
 * connection found broken by a call outside any transaction is opened
 * again (its prepared statements forgotten); inside a transaction a
 * broken connection, like any failed statement, fails every call and
 * every commit up to the outermost level, which rolls back. Statements are
 * prepared once per connection, keyed by the address of their SQL text.
 *
 * Leases (lv_pg_lease) are session-level advisory locks held on one more
 * connection of the store, kept open for them alone.
 */
#include "store/postgres/pg_int.h"

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define CACHE_MIN_SLOTS 32
#define MAX_SECRETS 4

struct slot {
    const char *sql;        /* the key: a pointer, not the text */
    unsigned id;            /* prepared as "lv<id>" */
};

struct conn {
    struct lv_pg *owner;
    PGconn *pg;             /* NULL when the last (re)connect failed */
    int depth;              /* open transaction levels, 0 = autocommit */
    int failed;             /* a statement of the open transaction failed */
    int kms_dirty;          /* the open transaction wrote KMS records */
    struct slot *slots;     /* open addressing, nslots a power of two */
    size_t nslots;
    size_t used;
    unsigned next_id;
    struct conn *prev;      /* in all_conns, under registry_lock */
    struct conn *next;
};

struct lv_pg {
    char *spec;             /* may hold a password: wiped before free */
    /* Passwords to clear from libpq's messages: the spec's, PGPASSWORD. */
    char *secrets[MAX_SECRETS];
    pthread_key_t key;      /* this thread's struct conn */
    size_t nconns;          /* under registry_lock */
    struct lv_pg_logs_state *logs;
    pthread_mutex_t lease_lock;
    PGconn *lease_conn;     /* under lease_lock; NULL until a lease call */
};

/* Every open connection of every store. A thread's exit and
 * lv_store_close() race to close a connection; whoever unlinks it here
 * closes it. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *all_conns;

/* ---- messages without passwords ---- */

/* msg with every secret of q replaced by "***", in *out. */
static void scrub(const struct lv_pg *q, const char *msg, struct lv_buf *out)
{
    const char *p = msg ? msg : "";

    lv_buf_reset(out);
    while (*p) {
        size_t skip = 0;

        for (int i = 0; i < MAX_SECRETS && q->secrets[i]; i++) {
            size_t n = strlen(q->secrets[i]);

            if (n && strncmp(p, q->secrets[i], n) == 0) {
                skip = n;
                break;
            }
        }
        if (skip) {
            lv_buf_adds(out, "***");
            p += skip;
        } else {
            lv_buf_addc(out, *p++);
        }
    }
}

/* lv_pg_fail() with a libpq message cleared of passwords. */
static int fail_scrubbed(const struct lv_pg *q, const char *what,
                         const char *msg, struct lv_err *err)
{
    struct lv_buf b = LV_BUF_INIT(8192);

    scrub(q, msg, &b);
    lv_pg_fail(what, b.data, err);
    lv_buf_release(&b);
    return -1;
}

/* A failed result: SQLSTATE and the primary message only (DETAIL can
 * quote a row's values). A data exception (class 22) can quote the value
 * it refused, so its text is withheld. */
static int fail_result(struct conn *c, const PGresult *res, const char *what,
                       struct lv_err *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
                            : NULL;
    const char *primary = res ? PQresultErrorField(res,
                                                   PG_DIAG_MESSAGE_PRIMARY)
                              : NULL;
    char *detail;

    if (c->depth > 0) {
        c->failed = 1;
    }
    if (!state || !primary) {
        /* No server error: the connection failed (libpq's message). */
        return fail_scrubbed(c->owner, what,
                             c->pg ? PQerrorMessage(c->pg) : "no connection",
                             err);
    }
    if (strncmp(state, "22", 2) == 0) {
        detail = lv_xasprintf("SQLSTATE %s (data exception; message "
                              "withheld)", state);
    } else {
        detail = lv_xasprintf("SQLSTATE %s: %s", state, primary);
    }
    fail_scrubbed(c->owner, what, detail, err);
    free(detail);
    return -1;
}

/* ---- connections ---- */

/* The server's notices ("relation … already exists, skipping") are not
 * ours to print on stderr: debug lines, their text left out (a notice can
 * quote a statement's values). */
static void on_notice(void *arg, const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    (void)arg;
    lv_log(LV_LOG_DEBUG, "store: server notice sqlstate=%s",
           state ? state : "none");
}

/* A new libpq connection on q's spec: our defaults first, then the spec
 * as an expanded dbname, so that whatever the user wrote wins. NULL with
 * *err when it cannot be made: the generic message a client may read, or
 * with `startup`, libpq's cause for the operator (without passwords). */
static PGconn *connect_spec(const struct lv_pg *q, int startup,
                            struct lv_err *err)
{
    /* Keepalives both ways: a node cut off (not closed) is noticed in
     * about 25 s by its own side, and by the server, which then ends its
     * session and so frees its row locks, advisory locks and leases. */
    static const char *const keys[] = {
        "connect_timeout", "application_name", "client_encoding",
        "keepalives", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "options", "dbname", NULL,
    };
    const char *values[] = {
        "5", "logvault", "UTF8", "1", "10", "5", "3", "25000",
        "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5"
        " -c tcp_keepalives_count=3",
        q->spec, NULL,
    };
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    struct lv_buf b = LV_BUF_INIT(8192);

    if (!pg) {
        lv_pg_fail("connect", "out of memory", err);
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        scrub(q, PQerrorMessage(pg), &b);
        lv_pg_fail("connect", b.data, err);
        if (startup) {
            b.len = strcspn(b.data, "\n");
            b.data[b.len] = '\0';
            lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                       "store: cannot connect to the PostgreSQL database: "
                       "%s", b.data);
        }
        lv_buf_release(&b);
        PQfinish(pg);
        return NULL;
    }
    lv_buf_release(&b);
    PQsetNoticeReceiver(pg, on_notice, NULL);
    return pg;
}

static void forget_statements(struct conn *c)
{
    free(c->slots);
    c->slots = NULL;
    c->nslots = 0;
    c->used = 0;
}

static void conn_close(struct conn *c)
{
    forget_statements(c);
    PQfinish(c->pg);    /* an open transaction is rolled back */
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

/* The pthread key's destructor: the thread is exiting. */
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

static struct conn *conn_open(struct lv_pg *q, int startup,
                              struct lv_err *err)
{
    PGconn *pg = connect_spec(q, startup, err);
    struct conn *c;

    if (!pg) {
        return NULL;
    }
    c = lv_xcalloc(1, sizeof(*c));
    c->owner = q;
    c->pg = pg;
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
}

/* This thread's connection, opened (again) when it has none or, outside
 * any transaction, when the one it had is broken. */
/*
 * An idle connection has nothing to read, unless the server ended the
 * session (a restart, a failover, an administrator) and said so before
 * closing: then the socket is readable, and reading it lets libpq mark
 * the connection bad. Checked before each statement outside a
 * transaction — one poll() — so that a worker reconnects at once instead
 * of failing its first request after the server came back (a 503 per
 * worker thread otherwise).
 */
static void idle_check(PGconn *pg)
{
    struct pollfd p = { .fd = PQsocket(pg), .events = POLLIN };

    /* The server's last message and its close may take two reads (the
     * message, then end of file); a failing read shows in PQstatus().
     * Anything else read (a parameter status, a notice) is consumed as
     * libpq would. */
    for (int i = 0; i < 4 && p.fd >= 0 && poll(&p, 1, 0) > 0; i++) {
        if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK) {
            return;
        }
        p.fd = PQsocket(pg);
        p.revents = 0;
    }
}

static struct conn *get_conn(struct lv_pg *q, struct lv_err *err)
{
    struct conn *c = pthread_getspecific(q->key);

    if (!c) {
        return conn_open(q, 0, err);
    }
    if (c->depth == 0 && c->pg && PQstatus(c->pg) == CONNECTION_OK) {
        idle_check(c->pg);
    }
    if (c->depth == 0 && (!c->pg || PQstatus(c->pg) != CONNECTION_OK)) {
        if (c->pg) {
            lv_log(LV_LOG_WARN, "store: connection lost, reconnecting");
        }
        PQfinish(c->pg);
        forget_statements(c);
        c->pg = connect_spec(q, 0, err);
        if (!c->pg) {
            return NULL;
        }
    }
    return c;
}

struct lv_pg *lv_pg_of(struct lv_store *s)
{
    if (s->be != &lv_store_postgres_backend) {
        LV_BUG("lv_pg_of on a %s store", s->be->name);
    }
    return s->impl;
}

PGconn *lv_pg_conn(struct lv_pg *q, struct lv_err *err)
{
    struct conn *c = get_conn(q, err);

    return c ? c->pg : NULL;
}

int lv_pg_txn_depth(struct lv_pg *q)
{
    struct conn *c = pthread_getspecific(q->key);

    return c ? c->depth : 0;
}

size_t lv_pg_conn_count(struct lv_pg *q)
{
    size_t n;

    pthread_mutex_lock(&registry_lock);
    n = q->nconns;
    pthread_mutex_unlock(&registry_lock);
    return n;
}

struct lv_pg_logs_state *lv_pg_logs_state(struct lv_pg *q)
{
    return q->logs;
}

/* ---- statement cache ---- */

static size_t slot_of(const struct conn *c, const char *sql)
{
    uint64_t h = (uint64_t)(uintptr_t)sql * UINT64_C(0x9E3779B97F4A7C15);

    return (size_t)(h >> 32) & (c->nslots - 1);
}

static void cache_put(struct conn *c, const char *sql, unsigned id);

static void cache_grow(struct conn *c)
{
    struct slot *old = c->slots;
    size_t nold = c->nslots;

    c->nslots = nold ? nold * 2 : CACHE_MIN_SLOTS;
    c->slots = lv_xcalloc(c->nslots, sizeof(*c->slots));
    c->used = 0;
    for (size_t i = 0; i < nold; i++) {
        if (old[i].sql) {
            cache_put(c, old[i].sql, old[i].id);
        }
    }
    free(old);
}

static void cache_put(struct conn *c, const char *sql, unsigned id)
{
    size_t i;

    if ((c->used + 1) * 2 > c->nslots) {
        cache_grow(c);
    }
    for (i = slot_of(c, sql); c->slots[i].sql; i = (i + 1) & (c->nslots - 1)) {
    }
    c->slots[i].sql = sql;
    c->slots[i].id = id;
    c->used++;
}

/* The id sql is prepared under on c, or 0 when it is not. */
static unsigned cache_get(const struct conn *c, const char *sql)
{
    if (!c->nslots) {
        return 0;
    }
    for (size_t i = slot_of(c, sql); c->slots[i].sql;
         i = (i + 1) & (c->nslots - 1)) {
        if (c->slots[i].sql == sql) {
            return c->slots[i].id;
        }
    }
    return 0;
}

/* ---- running statements ---- */

/* Runs sql (prepared on first use) on this thread's connection. The
 * result (COMMAND_OK or TUPLES_OK), or NULL with *err. */
static PGresult *exec_stmt(struct lv_pg *q, const char *sql,
                           const struct lv_pg_params *p, int format,
                           const char *what, struct lv_err *err)
{
    struct conn *c = get_conn(q, err);
    PGresult *res;
    ExecStatusType st;
    char name[24];
    unsigned id;

    if (!c) {
        return NULL;
    }
    if (c->depth > 0 && c->failed) {
        lv_pg_fail(what, "the transaction failed earlier", err);
        return NULL;
    }
    if (p && p->overflow) {
        c->failed = c->depth > 0;
        lv_pg_fail(what, "too many or too long parameters", err);
        return NULL;
    }
    id = cache_get(c, sql);
    if (!id) {
        id = ++c->next_id;
        snprintf(name, sizeof(name), "lv%u", id);
        res = PQprepare(c->pg, name, sql, 0, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fail_result(c, res, what, err);
            PQclear(res);
            return NULL;
        }
        PQclear(res);
        cache_put(c, sql, id);
    }
    snprintf(name, sizeof(name), "lv%u", id);
    res = PQexecPrepared(c->pg, name, p ? p->n : 0, p ? p->values : NULL,
                         p ? p->lengths : NULL, p ? p->formats : NULL,
                         format);
    st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fail_result(c, res, what, err);
        PQclear(res);
        return NULL;
    }
    return res;
}

int lv_pg_run(struct lv_pg *q, const char *sql, const struct lv_pg_params *p,
              const char *what, struct lv_err *err)
{
    PGresult *res = exec_stmt(q, sql, p, LV_PG_TEXT, what, err);

    if (!res) {
        return -1;
    }
    PQclear(res);
    return 0;
}

int lv_pg_changed(struct lv_pg *q, const char *sql,
                  const struct lv_pg_params *p, const char *what,
                  struct lv_err *err)
{
    PGresult *res = exec_stmt(q, sql, p, LV_PG_TEXT, what, err);
    const char *n;
    int changed;

    if (!res) {
        return -1;
    }
    n = PQcmdTuples(res);
    changed = PQntuples(res) > 0 || (n[0] && strcmp(n, "0") != 0);
    PQclear(res);
    return changed;
}

int lv_pg_query(struct lv_pg *q, const char *sql,
                const struct lv_pg_params *p, int format, PGresult **res,
                const char *what, struct lv_err *err)
{
    *res = exec_stmt(q, sql, p, format, what, err);
    if (!*res) {
        return -1;
    }
    if (PQresultStatus(*res) != PGRES_TUPLES_OK) {
        PQclear(*res);
        *res = NULL;
        return lv_pg_fail(what, "the statement returned no rows", err);
    }
    return 0;
}

int lv_pg_query_int64(struct lv_pg *q, const char *sql,
                      const struct lv_pg_params *p, int64_t *v,
                      const char *what, struct lv_err *err)
{
    PGresult *res;
    int ret = 0;

    if (lv_pg_query(q, sql, p, LV_PG_TEXT, &res, what, err) < 0) {
        return -1;
    }
    if (PQntuples(res) > 0) {
        *v = lv_pg_get_int64(res, 0, 0);
        ret = 1;
    }
    PQclear(res);
    return ret;
}

/* A command without parameters (transaction control, scripts) on c. */
static int simple(struct conn *c, const char *sql, const char *what,
                  struct lv_err *err)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int ret = 0;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        ret = fail_result(c, res, what, err);
    }
    PQclear(res);
    return ret;
}

/* ---- transactions ---- */

/* The one statement that moves the generation (see lv_pg_kms_changed). */
static const char move_generation[] =
    "UPDATE kms_generation SET gen = gen + 1";

int lv_pg_begin(void *impl, struct lv_err *err)
{
    struct conn *c = get_conn(impl, err);
    char sql[32];

    if (!c) {
        return -1;
    }
    if (c->depth == 0) {
        if (simple(c, "BEGIN ISOLATION LEVEL READ COMMITTED", "begin",
                   err) < 0) {
            return -1;
        }
        c->failed = 0;
        c->kms_dirty = 0;
    } else {
        if (c->failed) {
            return lv_pg_fail("begin", "the transaction failed earlier",
                              err);
        }
        snprintf(sql, sizeof(sql), "SAVEPOINT lv_%d", c->depth);
        if (simple(c, sql, "begin", err) < 0) {
            return -1;
        }
    }
    c->depth++;
    return 0;
}

static struct conn *conn_in_txn(void *impl, const char *what)
{
    struct lv_pg *q = impl;
    struct conn *c = pthread_getspecific(q->key);

    if (!c || c->depth == 0) {
        LV_BUG("store: %s with no transaction open", what);
    }
    return c;
}

static int pg_begin_relaxed(void *impl, struct lv_err *err)
{
    struct lv_pg *q = impl;
    struct conn *c = pthread_getspecific(q->key);

    if (c && c->depth != 0) {
        LV_BUG("store: begin_relaxed inside a transaction");
    }
    if (lv_pg_begin(impl, err) < 0) {
        return -1;
    }
    c = pthread_getspecific(q->key);
    /* SET LOCAL: this transaction only; nothing to restore, nor to redo
     * after a reconnect. */
    if (simple(c, "SET LOCAL synchronous_commit = off", "begin", err) < 0) {
        lv_pg_rollback(impl);
        return -1;
    }
    return 0;
}

/* The outermost level closed: rolls back what is left when the
 * transaction failed or a commit did not happen. */
static void end_outermost(struct conn *c)
{
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);

    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        simple(c, "ROLLBACK", "rollback", NULL);
    }
    c->failed = 0;
    c->kms_dirty = 0;
}

int lv_pg_commit(void *impl, struct lv_err *err)
{
    struct conn *c = conn_in_txn(impl, "commit");
    int level = c->depth;
    PGresult *res;
    char sql[64];
    int ok;

    if (level == 1 && c->kms_dirty && !c->failed) {
        /* Fails the transaction (c->failed) when it fails. */
        lv_pg_run(impl, move_generation, NULL, "move the kms generation",
                  err);
    }
    c->depth--;
    if (c->failed) {
        lv_log(LV_LOG_WARN, "store: commit of a failed transaction, rolled "
               "back level=%d", level);
        if (level == 1) {
            end_outermost(c);
        }
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                          LV_STORE_UNAVAILABLE_MSG);
    }
    if (level > 1) {
        snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT lv_%d", level - 1);
        return simple(c, sql, "release savepoint", err);
    }
    res = PQexec(c->pg, "COMMIT");
    /* COMMIT of a transaction the server knows failed answers ROLLBACK. */
    ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
         strcmp(PQcmdStatus(res), "COMMIT") == 0;
    if (!ok) {
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            lv_pg_fail("commit", "the server rolled the transaction back",
                       err);
        } else {
            fail_result(c, res, "commit", err);
        }
    }
    PQclear(res);
    end_outermost(c);
    return ok ? 0 : -1;
}

void lv_pg_rollback(void *impl)
{
    struct conn *c = conn_in_txn(impl, "rollback");
    int level = c->depth;
    char sql[96];

    c->depth--;
    if (level == 1) {
        end_outermost(c);
        return;
    }
    if (c->failed) {
        return;     /* the outermost level rolls everything back */
    }
    snprintf(sql, sizeof(sql),
             "ROLLBACK TO SAVEPOINT lv_%d; RELEASE SAVEPOINT lv_%d",
             level - 1, level - 1);
    simple(c, sql, "rollback to savepoint", NULL);
}

/* ---- the KMS generation ---- */

int lv_pg_kms_changed(struct lv_pg *q, struct lv_err *err)
{
    struct conn *c = get_conn(q, err);

    if (!c) {
        return -1;
    }
    if (c->depth == 0) {
        return lv_pg_run(q, move_generation, NULL, "move the kms generation",
                         err);
    }
    /* Moved by the outermost commit, as its last statement: the row is
     * every KMS writer's, so its lock is taken last and held only while
     * committing. Taken at the write, it would be held while the
     * transaction goes on to lock key rows, and two writers would wait
     * on each other (a deadlock, 40P01). */
    c->kms_dirty = 1;
    return 0;
}

/* Read from the database at every call, so that a write by any node is
 * seen at the next one. Not cacheable (0) while this thread's open
 * transaction holds KMS writes of its own, or when it cannot be read. */
static int pg_kms_generation(void *impl, uint64_t *gen)
{
    static const char sql[] = "SELECT gen FROM kms_generation";
    struct lv_pg *q = impl;
    struct conn *c = pthread_getspecific(q->key);
    struct lv_err err = LV_ERR_INIT;
    int64_t v;

    if (c && (c->kms_dirty || (c->depth > 0 && c->failed))) {
        return 0;
    }
    if (lv_pg_query_int64(q, sql, NULL, &v, "read the kms generation",
                          &err) != 1) {
        return 0;
    }
    *gen = (uint64_t)v;
    return 1;
}

/* ---- locks ---- */

/* The advisory lock key of a name: FNV-1a, 64 bits, under our prefix. */
static int64_t lock_key(const char *name)
{
    static const char prefix[] = "logvault:";
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    for (const char *p = prefix; *p; p++) {
        h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001b3);
    }
    for (const char *p = name; *p; p++) {
        h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001b3);
    }
    return (int64_t)h;
}

/* Taken around the schema check and the steps (migrate.c) on the calling
 * thread's connection: session-level, so it outlives each step's
 * transaction; released when off, or with the connection. */
static int pg_migrate_lock(void *impl, int on, struct lv_err *err)
{
    static const char lock[] = "SELECT pg_advisory_lock($1)";
    static const char unlock[] = "SELECT pg_advisory_unlock($1)";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, lock_key("migrate"));
    return lv_pg_run(impl, on ? lock : unlock, &p,
                     on ? "take the migration lock"
                        : "release the migration lock", err);
}

/* lv_store_lock(): until the transaction ends (keyed apart from the
 * leases and the migration lock, which are session locks). */
static int pg_xact_lock(void *impl, const char *name, struct lv_err *err)
{
    static const char sql[] = "SELECT pg_advisory_xact_lock($1)";
    struct lv_pg_params p;
    char key[256];

    if (lv_pg_txn_depth(impl) == 0) {
        LV_BUG("store: lock with no transaction open");
    }
    snprintf(key, sizeof(key), "xact:%s", name);
    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, lock_key(key));
    return lv_pg_run(impl, sql, &p, "lock", err);
}

int lv_pg_lease(void *impl, const char *name, struct lv_err *err)
{
    static const char sql[] = "SELECT pg_try_advisory_lock($1)";
    struct lv_pg *q = impl;
    char key[32];
    const char *values[1] = { key };
    PGresult *res = NULL;
    int ret = -1;

    snprintf(key, sizeof(key), "%" PRId64, lock_key(name));
    pthread_mutex_lock(&q->lease_lock);
    if (q->lease_conn && PQstatus(q->lease_conn) != CONNECTION_OK) {
        /* Lost, and every lease with it: try again on a new one. */
        lv_log(LV_LOG_WARN, "store: lease connection lost, leases dropped");
        PQfinish(q->lease_conn);
        q->lease_conn = NULL;
    }
    if (!q->lease_conn && !(q->lease_conn = connect_spec(q, 0, err))) {
        goto out;
    }
    /* Session-level locks stack: taking one this session holds again
     * only counts it once more, and all go with the connection. */
    res = PQexecParams(q->lease_conn, sql, 1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        fail_scrubbed(q, "take a lease", PQerrorMessage(q->lease_conn),
                      err);
        goto out;
    }
    ret = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
out:
    PQclear(res);
    pthread_mutex_unlock(&q->lease_lock);
    return ret;
}

/* ---- open and close ---- */

/* Notes the passwords libpq may be given, to clear them from messages. */
static void note_secrets(struct lv_pg *q, PQconninfoOption *opts)
{
    const char *env = getenv("PGPASSWORD");
    int n = 0;

    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val && *o->val) {
            q->secrets[n++] = lv_xstrdup(o->val);
        }
    }
    if (env && *env && n < MAX_SECRETS) {
        q->secrets[n++] = lv_xstrdup(env);
    }
}

static void free_pg(struct lv_pg *q)
{
    if (!q) {
        return;
    }
    if (q->spec) {
        lv_secret_free(q->spec, strlen(q->spec));
    }
    for (int i = 0; i < MAX_SECRETS; i++) {
        if (q->secrets[i]) {
            lv_secret_free(q->secrets[i], strlen(q->secrets[i]));
        }
    }
    lv_pg_logs_state_free(q->logs);
    pthread_mutex_destroy(&q->lease_lock);
    free(q);
}

/* A struct lv_pg for cfg->spec, its passwords noted; NULL with *err when
 * the spec is not one libpq can read (its message is not repeated: it can
 * quote the spec). */
static struct lv_pg *new_pg(const struct lv_store_config *cfg,
                            struct lv_err *err)
{
    PQconninfoOption *opts;
    struct lv_pg *q;
    char *perr = NULL;

    opts = PQconninfoParse(cfg->spec ? cfg->spec : "", &perr);
    if (!opts) {
        PQfreemem(perr);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "store: the store is not a PostgreSQL connection URI or "
                   "conninfo string libpq can read");
        return NULL;
    }
    q = lv_xcalloc(1, sizeof(*q));
    pthread_mutex_init(&q->lease_lock, NULL);
    q->spec = lv_xstrdup(cfg->spec);
    note_secrets(q, opts);
    PQconninfoFree(opts);
    return q;
}

/* postgresql://USER@HOST:PORT/DB, from what pg connected with. */
static char *where_of(PGconn *pg)
{
    const char *host = PQhost(pg);

    return lv_xasprintf("postgresql://%s@%s:%s/%s", PQuser(pg),
                        host && *host ? host : "localhost", PQport(pg),
                        PQdb(pg));
}

static void pg_close(void *impl)
{
    struct lv_pg *q = impl;
    struct conn *mine = NULL;
    struct conn *c;
    struct conn *next;

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
    PQfinish(q->lease_conn);   /* every lease is released with it */
    free_pg(q);
}

static int pg_open(struct lv_store *s, const struct lv_store_config *cfg,
                   struct lv_err *err)
{
    struct lv_pg *q = new_pg(cfg, err);
    struct conn *c;

    if (!q) {
        return -1;
    }
    if (pthread_key_create(&q->key, thread_exit) != 0) {
        free_pg(q);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "store: cannot open the PostgreSQL store: out of "
                          "thread keys");
    }
    q->logs = lv_pg_logs_state_new();
    s->impl = q;
    /* From here the store owns q: lv_store_close() releases it. The first
     * connection proves the database can be reached. */
    c = conn_open(q, 1, err);
    if (!c) {
        return -1;
    }
    s->where = where_of(c->pg);
    return 0;
}

/* Connects, asks whether schema_version exists, disconnects: writes
 * nothing. */
static int pg_probe(const struct lv_store_config *cfg,
                    enum lv_store_presence *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT to_regclass('schema_version') IS NOT NULL";
    struct lv_pg *q = new_pg(cfg, err);
    PGconn *pg = NULL;
    PGresult *res = NULL;
    int ret = -1;

    if (!q) {
        return -1;
    }
    pg = connect_spec(q, 1, err);
    if (!pg) {
        goto out;
    }
    res = PQexec(pg, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        fail_scrubbed(q, "probe", PQerrorMessage(pg), err);
        goto out;
    }
    *out = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? LV_STORE_PRESENT
                                                   : LV_STORE_ABSENT;
    ret = 0;
out:
    PQclear(res);
    PQfinish(pg);
    free_pg(q);
    return ret;
}

/* ---- operations ---- */

static int pg_ping(void *impl, struct lv_err *err)
{
    static const char sql[] = "SELECT 1";

    return lv_pg_run(impl, sql, NULL, "ping", err);
}

static int pg_exec(void *impl, const char *sql, struct lv_err *err)
{
    struct conn *c = get_conn(impl, err);

    if (!c) {
        return -1;
    }
    if (c->depth > 0 && c->failed) {
        return lv_pg_fail("exec", "the transaction failed earlier", err);
    }
    return simple(c, sql, "exec", err);
}

static int pg_version_get(void *impl, const char *component, int *version,
                          struct lv_err *err)
{
    static const char sql[] =
        "SELECT version FROM schema_version WHERE component = $1";
    struct lv_pg_params p;
    int64_t v = 0;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, component);
    rc = lv_pg_query_int64(impl, sql, &p, &v, "read schema version", err);
    if (rc < 0) {
        return -1;
    }
    *version = rc ? (int)v : 0;
    return 0;
}

static int pg_version_set(void *impl, const char *component, int version,
                          struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO schema_version (component, version) VALUES ($1, $2)"
        " ON CONFLICT (component) DO UPDATE SET version = excluded.version";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, component);
    lv_pg_param_int64(&p, version);
    return lv_pg_run(impl, sql, &p, "write schema version", err);
}

static int pg_version_each(void *impl,
                           int (*fn)(void *arg, const char *component,
                                     int version),
                           void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT component, version FROM schema_version"
        " ORDER BY component COLLATE \"C\"";
    PGresult *res;
    int stop = 0;

    if (lv_pg_query(impl, sql, NULL, LV_PG_TEXT, &res,
                    "read schema versions", err) < 0) {
        return -1;
    }
    for (int i = 0; i < PQntuples(res) && !stop; i++) {
        stop = fn(arg, PQgetvalue(res, i, 0),
                  (int)lv_pg_get_int64(res, i, 1));
    }
    PQclear(res);
    return stop;
}

static int pg_meta_get(void *impl, const char *key, struct lv_buf *out,
                       struct lv_err *err)
{
    static const char sql[] = "SELECT value FROM meta WHERE key = $1";
    struct lv_pg_params p;
    PGresult *res;
    size_t len;
    int ret = -1;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key);
    if (lv_pg_query(impl, sql, &p, LV_PG_BINARY, &res, "read meta",
                    err) < 0) {
        return -1;
    }
    if (PQntuples(res) == 0) {
        ret = 0;
        goto out;
    }
    len = (size_t)PQgetlength(res, 0, 0);
    if (len > out->max) {
        lv_log(LV_LOG_ERROR, "store: meta value too long key=%s len=%zu "
               "max=%zu", key, len, out->max);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                   LV_STORE_UNAVAILABLE_MSG);
        goto out;
    }
    if (lv_pg_get_bytea(res, 0, 0, out) < 0) {
        LV_BUG("lv_buf_add past a checked max");
    }
    ret = 1;
out:
    PQclear(res);
    return ret;
}

static int pg_meta_set(void *impl, const char *key, const void *value,
                       size_t len, struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO meta (key, value) VALUES ($1, $2)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key);
    lv_pg_param_bytea(&p, value, len);
    return lv_pg_run(impl, sql, &p, "write meta", err);
}

static int pg_meta_add(void *impl, const char *key, const void *value,
                       size_t len, struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO meta (key, value) VALUES ($1, $2)"
        " ON CONFLICT (key) DO NOTHING";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key);
    lv_pg_param_bytea(&p, value, len);
    return lv_pg_changed(impl, sql, &p, "add meta", err);
}

/* The domain tables: every entry of kms_ops.def / logs_ops.def, so a
 * missing implementation fails the build. */
static const struct lv_store_kms_ops pg_kms_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_kms_##name,
#include "store/kms_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_logs_ops pg_logs_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_logs_##name,
#include "store/logs_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_audit_ops pg_audit_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_audit_##name,
#include "store/audit_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_insights_ops pg_insights_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_insights_##name,
#include "store/insights_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_lookup_ops pg_lookup_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_lookup_##name,
#include "store/lookup_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_policies_ops pg_policies_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_policies_##name,
#include "store/policies_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_sched_ops pg_sched_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_sched_##name,
#include "store/sched_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_anomaly_ops pg_anomaly_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_anomaly_##name,
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
};

static const struct lv_store_livetail_ops pg_livetail_ops = {
#define LV_STORE_OP(name, params, args) .name = lv_pg_livetail_##name,
#include "store/livetail_ops.def"
#undef LV_STORE_OP
};

const struct lv_store_backend lv_store_postgres_backend = {
    .name = "postgresql",
    .migrations = lv_pg_migrations,
    .open = pg_open,
    .probe = pg_probe,
    .close = pg_close,
    .ping = pg_ping,
    .exec = pg_exec,
    .begin = lv_pg_begin,
    .begin_relaxed = pg_begin_relaxed,
    .commit = lv_pg_commit,
    .rollback = lv_pg_rollback,
    .version_get = pg_version_get,
    .version_set = pg_version_set,
    .version_each = pg_version_each,
    .meta_get = pg_meta_get,
    .meta_set = pg_meta_set,
    .meta_add = pg_meta_add,
    .kms_generation = pg_kms_generation,
    .lease = lv_pg_lease,
    .migrate_lock = pg_migrate_lock,
    .xact_lock = pg_xact_lock,
    .kms = &pg_kms_ops,
    .logs = &pg_logs_ops,
    .audit = &pg_audit_ops,
    .insights = &pg_insights_ops,
    .lookup = &pg_lookup_ops,
    .policies = &pg_policies_ops,
    .sched = &pg_sched_ops,
    .anomaly = &pg_anomaly_ops,
    .livetail = &pg_livetail_ops,
};
