/*
 * audit.c: the recorder object (audit.h) — its asynchronous writer and its
 * digest and retention task.
 *
 * The writer: one thread owns the queue's far end. A request links its
 * record onto the queue and goes on at once (it does not wait for the
 * commit: the records it queues are those of requests that changed
 * nothing, see audit.h). The writer takes the whole queue (up to
 * MAX_TAKE records) at once and appends every record of it in one
 * transaction, so while it writes one batch the next one gathers and a
 * commit is shared by every request that arrived meanwhile (as the Logs
 * group committer, src/logs/commit.c). The queue is bounded: a request
 * finding it full waits for room, so that a burst is slowed down, never
 * forgotten.
 *
 * The task: a ticker that expires records older than 90 days and signs
 * the head of every chain when a digest is due, each under a store lease
 * so that one node of several sharing a store does it.
 */
#include "audit/audit_int.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/chain.h"
#include "store/audit_store.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ticker.h"

/* A batch gathers until it has MAX_BATCH records (or LINGER_MS passed);
 * the writer then takes everything queued, up to MAX_TAKE: a batch is
 * one row per chain whatever its size, so a deep queue is written in one
 * commit rather than in many. */
#define MAX_BATCH 512
#define MAX_TAKE 16384
/* Records of one chain in one batch row at most: a lookup decodes whole
 * rows, so a row stays small enough (a few hundred KB of JSON) to decode
 * for one page of LookupEvents. */
#define MAX_RUN 1024
/* How long the writer lets a batch gather once a record is waiting,
 * unless MAX_BATCH records are there sooner. A commit writes every page
 * its records touched (the record, its resources, the lookup indexes, the
 * chain's head), so a batch of one costs about as much as a batch of
 * dozens: gathering is what makes recording cheap. Nobody waits for it
 * (the requests it records changed nothing), and CloudTrail itself shows
 * an event minutes after the call. */
#define LINGER_MS 200
/* Records waiting at most; beyond this a request waits for room. */
#define MAX_QUEUED 8192
/* Jobs kept for reuse at most (each ~9 KB): a record's storage comes from
 * this pool, not from malloc, on the request's path; the writer gives a
 * batch's jobs back once written. */
#define MAX_POOLED 1024

#define DIGEST_LEASE "audit.digest"
#define RETENTION_LEASE "audit.retention"

struct job {
    struct job *next;
    size_t pos;                 /* its place in its batch */
    struct lv_audit_record r;
};

struct lv_audit {
    struct lv_store *store;
    const struct lv_keyring *kr;
    struct lv_audit_config cfg;

    pthread_mutex_t mu;
    pthread_cond_t work;        /* the queue has records, or stop */
    pthread_cond_t room;        /* the queue has room again */
    struct job *head;
    struct job **tail;
    size_t queued;
    int running;
    int stopping;
    pthread_t thread;

    pthread_mutex_t pool_mu;    /* guards pool, pooled */
    struct job *pool;           /* jobs for reuse, their records released */
    size_t pooled;

    struct lv_ticker *task;
    int digest_lease;           /* lv_store_lease_pass()'s states */
    int retention_lease;
    int64_t last_digest_ms;     /* touched by the task's thread only */
};

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct lv_audit *lv_audit_new(struct lv_store *s, const struct lv_keyring *kr,
                              const struct lv_audit_config *cfg)
{
    struct lv_audit *a = lv_xcalloc(1, sizeof(*a));

    if (cfg->task_interval_ms <= 0) {
        LV_BUG("audit: task interval %d", cfg->task_interval_ms);
    }
    a->store = s;
    a->kr = kr;
    a->cfg = *cfg;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->room, NULL);
    pthread_mutex_init(&a->pool_mu, NULL);
    a->tail = &a->head;
    a->digest_lease = LV_STORE_LEASE_UNKNOWN;
    a->retention_lease = LV_STORE_LEASE_UNKNOWN;
    return a;
}

const struct lv_audit_config *lv_audit_config_of(const struct lv_audit *a)
{
    return &a->cfg;
}

struct lv_store *lv_audit_store(const struct lv_audit *a)
{
    return a->store;
}

const struct lv_keyring *lv_audit_keyring(const struct lv_audit *a)
{
    return a->kr;
}

/* ---- the writer ---------------------------------------------------------- */

static void free_jobs(struct job *j)
{
    while (j) {
        struct job *next = j->next;

        lv_audit_record_release(&j->r);
        free(j);
        j = next;
    }
}

/* Releases what the records of jobs j … own and keeps the jobs for reuse,
 * up to MAX_POOLED; frees the rest. */
static void recycle_jobs(struct lv_audit *a, struct job *j)
{
    struct job *last = NULL;
    size_t n = 0;
    size_t room;

    for (struct job *k = j; k; k = k->next) {
        lv_audit_record_release(&k->r);
        last = k;
        n++;
    }
    if (!j) {
        return;
    }
    pthread_mutex_lock(&a->pool_mu);
    room = MAX_POOLED - a->pooled;
    if (n <= room) {
        last->next = a->pool;
        a->pool = j;
        a->pooled += n;
        j = NULL;
    } else {
        for (size_t i = 0; i < room; i++) {
            struct job *next = j->next;

            j->next = a->pool;
            a->pool = j;
            j = next;
        }
        a->pooled += room;
    }
    pthread_mutex_unlock(&a->pool_mu);
    free_jobs(j);
}

/* Appends one record in a transaction of its own: the fallback when a
 * batch could not be committed, so that one bad record (or a passing
 * fault) costs only itself. */
static void write_one(struct lv_audit *a, struct lv_audit_record *r)
{
    struct lv_err err = LV_ERR_INIT;

    if (lv_store_begin(a->store, &err) < 0) {
        goto fail;
    }
    if (lv_audit_chain_append(a->store, a->kr, r, &err) < 0) {
        lv_store_rollback(a->store);
        goto fail;
    }
    if (lv_store_commit(a->store, &err) < 0) {
        goto fail;
    }
    return;
fail:
    /* The record's content is never logged: its request id says which. */
    lv_log(LV_LOG_WARN, "audit: record lost req=%s: %s", r->request_id,
           err.msg);
}

/* Chains in (account, region) order, and each chain's records in the
 * order they were queued (pos). */
static int by_chain(const void *x, const void *y)
{
    const struct job *const *p = x;
    const struct job *const *q = y;
    int c = strcmp((*p)->r.account, (*q)->r.account);

    if (c == 0) {
        c = strcmp((*p)->r.region, (*q)->r.region);
    }
    if (c == 0) {
        c = ((*p)->pos > (*q)->pos) - ((*p)->pos < (*q)->pos);
    }
    return c;
}

/*
 * Appends the batch's records in the batch's one transaction: each
 * chain's run of them (up to MAX_RUN) as one batch row (lv_audit_chain_append_batch:
 * compressed, with the sets lookups select on, no per-record index
 * entry), under the chain's lock, held to the commit.
 */
static int append_batch(struct lv_audit *a, struct job **v, size_t n,
                        struct lv_err *err)
{
    struct lv_audit_record **run = lv_xcalloc(n, sizeof(*run));
    size_t first = 0;
    int ret = -1;

    while (first < n) {
        const struct lv_audit_record *r0 = &v[first]->r;
        size_t k = 0;

        for (size_t i = first; i < n && k < MAX_RUN &&
             strcmp(v[i]->r.account, r0->account) == 0 &&
             strcmp(v[i]->r.region, r0->region) == 0; i++) {
            run[k++] = &v[i]->r;
        }
        if (lv_audit_chain_append_batch(a->store, a->kr, run, k, err) < 0) {
            goto out;
        }
        first += k;
    }
    ret = 0;
out:
    free(run);
    return ret;
}

/*
 * Appends a batch in one transaction. Its chains are locked (chain_head)
 * in one order, (account, region), whoever appends: two nodes' writers
 * sharing a store never wait for each other in a cycle.
 */
static void write_batch(struct lv_audit *a, struct job *batch, size_t n)
{
    struct lv_err err = LV_ERR_INIT;
    struct job **v = lv_xcalloc(n, sizeof(*v));
    size_t i = 0;

    for (struct job *j = batch; j && i < n; j = j->next) {
        j->pos = i;
        v[i++] = j;
    }
    qsort(v, n, sizeof(*v), by_chain);
    if (lv_store_begin(a->store, &err) < 0) {
        goto one_by_one;
    }
    if (append_batch(a, v, n, &err) < 0) {
        lv_store_rollback(a->store);
        goto one_by_one;
    }
    if (lv_store_commit(a->store, &err) < 0) {
        goto one_by_one;
    }
    lv_log(LV_LOG_DEBUG, "audit: wrote records=%zu", n);
    goto out;
one_by_one:
    /* Each in a transaction of its own: one bad record (or a passing
     * fault) costs only itself. */
    lv_log(LV_LOG_WARN, "audit: batch of records failed, writing them one "
           "by one: %s", err.msg);
    for (i = 0; i < n; i++) {
        write_one(a, &v[i]->r);
    }
out:
    free(v);
}

/* Waits, holding a->mu between waits, until the batch is full, LINGER_MS
 * have passed, or the recorder stops. */
static void linger(struct lv_audit *a)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)LINGER_MS * 1000000;
    until.tv_sec += until.tv_nsec / 1000000000;
    until.tv_nsec %= 1000000000;
    while (a->queued < MAX_BATCH && !a->stopping) {
        if (pthread_cond_timedwait(&a->work, &a->mu, &until) == ETIMEDOUT) {
            break;
        }
    }
}

static void *writer(void *arg)
{
    struct lv_audit *a = arg;

    pthread_mutex_lock(&a->mu);
    for (;;) {
        struct job *batch;
        struct job **cut;
        size_t n = 0;

        while (!a->head && !a->stopping) {
            pthread_cond_wait(&a->work, &a->mu);
        }
        if (!a->head) {
            break;              /* stopping, and everything is written */
        }
        linger(a);
        batch = a->head;
        cut = &a->head;
        while (*cut && n < MAX_TAKE) {
            cut = &(*cut)->next;
            n++;
        }
        a->head = *cut;
        *cut = NULL;
        if (!a->head) {
            a->tail = &a->head;
        }
        a->queued -= n;
        pthread_cond_broadcast(&a->room);
        pthread_mutex_unlock(&a->mu);

        write_batch(a, batch, n);
        recycle_jobs(a, batch);

        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

static struct job *job_of(struct lv_audit_record *r)
{
    return (struct job *)(void *)((char *)r - offsetof(struct job, r));
}

struct lv_audit_record *lv_audit_job_new(struct lv_audit *a)
{
    struct job *j;

    pthread_mutex_lock(&a->pool_mu);
    j = a->pool;
    if (j) {
        a->pool = j->next;
        a->pooled--;
    }
    pthread_mutex_unlock(&a->pool_mu);
    if (!j) {
        j = lv_xmalloc(sizeof(*j));
    }

    j->next = NULL;
    j->pos = 0;
    j->r.event = NULL;
    j->r.trace = NULL;
    return &j->r;
}

void lv_audit_job_discard(struct lv_audit_record *r)
{
    free_jobs(job_of(r));
}

void lv_audit_submit(struct lv_audit *a, struct lv_audit_record *r,
                     int may_wait)
{
    struct job *j = job_of(r);

    j->next = NULL;
    pthread_mutex_lock(&a->mu);
    while (may_wait && a->queued >= MAX_QUEUED && a->running &&
           !a->stopping) {
        pthread_cond_wait(&a->room, &a->mu);
    }
    if (!a->running) {
        pthread_mutex_unlock(&a->mu);
        lv_log(LV_LOG_WARN, "audit: record lost req=%s: the writer is not "
               "running", j->r.request_id);
        free_jobs(j);
        return;
    }
    *a->tail = j;
    a->tail = &j->next;
    a->queued++;
    /* The writer waits for a first record, then for a full batch. */
    if (a->queued == 1 || a->queued == MAX_BATCH) {
        pthread_cond_signal(&a->work);
    }
    pthread_mutex_unlock(&a->mu);
}

/* ---- digests and retention --------------------------------------------- */

struct chain_list {
    char (*account)[13];
    char (*region)[64];
    size_t n;
    size_t cap;
};

static int collect_chain(void *arg, const char *account, const char *region)
{
    struct chain_list *l = arg;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->account = lv_xrealloc(l->account, l->cap * sizeof(*l->account));
        l->region = lv_xrealloc(l->region, l->cap * sizeof(*l->region));
    }
    snprintf(l->account[l->n], sizeof(l->account[l->n]), "%s", account);
    snprintf(l->region[l->n], sizeof(l->region[l->n]), "%s", region);
    l->n++;
    return 0;
}

/* Signs the head of every chain (lv_audit_digest_make), each in its own
 * transaction. */
static void digest_pass(struct lv_audit *a, int64_t now_ms)
{
    struct chain_list l = { NULL, NULL, 0, 0 };
    struct lv_err err = LV_ERR_INIT;
    size_t done = 0;

    if (lv_store_audit_chains(a->store, collect_chain, &l, &err) < 0) {
        lv_log(LV_LOG_WARN, "audit: digest pass failed: %s", err.msg);
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (lv_audit_digest_make(a->store, a->kr, l.account[i], l.region[i],
                                 now_ms, &err) < 0) {
            lv_log(LV_LOG_WARN, "audit: digest failed account=%s "
                   "region=%s: %s", l.account[i], l.region[i], err.msg);
            lv_err_release(&err);
            continue;
        }
        done++;
    }
    lv_log(LV_LOG_DEBUG, "audit: digests signed chains=%zu", done);
out:
    free(l.account);
    free(l.region);
}

static void task(void *arg)
{
    struct lv_audit *a = arg;
    struct lv_err err = LV_ERR_INIT;
    int64_t now_ms = wall_ms();
    int64_t n = 0;

    if (lv_store_lease_pass(a->store, RETENTION_LEASE, &a->retention_lease)) {
        if (lv_store_audit_expire(a->store, now_ms - LV_AUDIT_RETENTION_MS,
                                  &n, &err) < 0) {
            lv_log(LV_LOG_WARN, "audit: retention pass failed: %s", err.msg);
            lv_err_release(&err);
        } else if (n > 0) {
            lv_log(LV_LOG_INFO, "audit: retention expired records=%lld",
                   (long long)n);
        }
    }
    if (now_ms - a->last_digest_ms >= a->cfg.digest_interval_ms &&
        lv_store_lease_pass(a->store, DIGEST_LEASE, &a->digest_lease)) {
        digest_pass(a, now_ms);
        a->last_digest_ms = now_ms;
    }
}

/* ---- start and stop ------------------------------------------------------ */

int lv_audit_start(struct lv_audit *a, struct lv_err *err)
{
    if (pthread_create(&a->thread, NULL, writer, a) != 0) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "cannot start the audit writer");
    }
    pthread_mutex_lock(&a->mu);
    a->running = 1;
    pthread_mutex_unlock(&a->mu);
    /* The first digest is due one interval after the start: a node that
     * restarts often does not sign at every start. */
    a->last_digest_ms = wall_ms();
    a->task = lv_ticker_start("audit task", a->cfg.task_interval_ms, task, a);
    if (!a->task) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "cannot start the audit digest and retention "
                          "task");
    }
    return 0;
}

void lv_audit_free(struct lv_audit *a)
{
    int running;

    if (!a) {
        return;
    }
    lv_ticker_stop(a->task);
    pthread_mutex_lock(&a->mu);
    running = a->running;
    a->stopping = 1;
    pthread_cond_broadcast(&a->work);
    pthread_cond_broadcast(&a->room);
    pthread_mutex_unlock(&a->mu);
    if (running) {
        /* The writer leaves once the queue is empty. */
        pthread_join(a->thread, NULL);
    }
    a->running = 0;
    free_jobs(a->head);
    free_jobs(a->pool);
    pthread_mutex_destroy(&a->pool_mu);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->room);
    free(a);
}
