/*
 * audit.c: the recorder object (audit.h) — its asynchronous writer and its
 * digest and retention task.
 *
 * The writer: one thread owns the queue's far end. A request puts its
 * record on the queue (a ring of jobs) and goes on at once (it does not
 * wait for the commit: the records it queues are those of requests that
 * changed nothing, see audit.h). The writer takes the whole queue (up to
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
#include "audit/event.h"
#include "store/audit_store.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ring.h"
#include "util/ticker.h"

/* A batch gathers until it has MAX_BATCH records (or LINGER_MS passed);
 * the writer then takes everything queued, up to MAX_TAKE: a batch is
 * one row per chain whatever its size, so a deep queue is written in one
 * commit rather than in many. A batch as large as a row (MAX_RUN): jobs
 * are small enough (a few hundred bytes) for a thousand in flight, and
 * each commit is shared by twice as many records as with 512. */
#define MAX_BATCH 1024
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
/* Records waiting at most; beyond this a request waits for room (one that
 * may not wait is queued all the same: the ring grows). */
#define MAX_QUEUED 8192
/* How many jobs ahead of the one it reads the writer fetches: a job was
 * written on another core, and each one read only when reached cost the
 * writer a cache miss after another (a list of jobs cost the same, its
 * next pointers read one after the other). */
#define PREFETCH_AHEAD 8
/* Jobs kept for reuse at most: a job's storage comes from this pool, not
 * from malloc, on the request's path; the writer gives a batch's jobs
 * back once written. */
#define MAX_POOLED 1024
/* A new job's room for texts at least: most records fit, so that a pooled
 * job is rarely too small for the next. */
#define JOB_MIN_TEXT 1536

#define DIGEST_LEASE "audit.digest"
#define RETENTION_LEASE "audit.retention"

/*
 * A record in flight: what lv_audit_submit() or lv_audit_submit_enc()
 * copied of it, a few hundred bytes (the record's 9 KB struct is mostly
 * room for four 2 KB resource names), so that the records queued stay in
 * cache and little crosses from the request's core to the writer's.
 * text[] holds its chain's account and region (each with its NUL), then
 * its enc2 bytes (store/audit_store.h), the very bytes the chain hashes
 * and the batch keeps: the writer reads its fields back from them (for
 * the sets lookups select on) and copies them once, into the batch's body.
 * A record whose tail is its thread's remembered one (event.h) holds only
 * its head there, about a hundred bytes, and a reference to the tail.
 */
struct job {
    struct job *next;           /* in the pool */
    size_t pos;                 /* its place in its batch */
    size_t cap;                 /* bytes of text[] */
    uint32_t region_at;         /* the region's offset in text[] */
    uint32_t rec_at;            /* enc2's offset in text[] */
    uint32_t rec_len;
    struct lv_audit_tail *shared;   /* its tail, when it is a remembered
                                     * one (event.h; a reference held):
                                     * text[] then holds enc2's head only */
    char text[];
};

struct lv_audit {
    struct lv_store *store;
    const struct lv_keyring *kr;
    struct lv_audit_config cfg;

    pthread_mutex_t mu;
    pthread_cond_t work;        /* the queue has records, or stop */
    pthread_cond_t room;        /* the queue has room again */
    struct lv_ring queue;       /* the jobs queued, oldest first */
    int running;
    int stopping;
    pthread_t thread;

    pthread_mutex_t pool_mu;    /* guards pool, pooled */
    struct job *pool;           /* jobs for reuse */
    size_t pooled;

    struct lv_audit_record *one;    /* the writer's: a job materialised
                                     * for write_one() */
    struct lv_audit_flat *flats;    /* the writer's: MAX_RUN records'
                                     * fields, read back from their jobs */
    void **taken;                   /* the writer's: the jobs it took from
                                     * the queue, MAX_TAKE at most */
    struct job **batch;             /* the writer's: those jobs */

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

        lv_audit_tail_drop(j->shared);
        free(j);
        j = next;
    }
}

/* Keeps the n jobs of v for reuse, up to MAX_POOLED; frees the rest. */
static void recycle_jobs(struct lv_audit *a, struct job **v, size_t n)
{
    size_t keep;

    /* A run of jobs sharing a tail gives back its references at once. */
    for (size_t i = 0, run = 0; i < n; i++) {
        struct lv_audit_tail *t = v[i]->shared;

        run++;
        if (i + 1 == n || v[i + 1]->shared != t) {
            lv_audit_tail_drop_n(t, run);
            run = 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        v[i]->shared = NULL;
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    if (n == 0) {
        return;
    }
    pthread_mutex_lock(&a->pool_mu);
    keep = MAX_POOLED - a->pooled < n ? MAX_POOLED - a->pooled : n;
    if (keep > 0) {
        v[keep - 1]->next = a->pool;
        a->pool = v[0];
        a->pooled += keep;
    }
    pthread_mutex_unlock(&a->pool_mu);
    if (keep < n) {
        v[n - 1]->next = NULL;
        free_jobs(v[keep]);
    }
}

/* A view into a fixed field of a record (cut to fit: the views of a
 * job were taken from such fields, lv_audit_fields_of()). */
static void take(char *dst, size_t cap, const struct lv_audit_text *t)
{
    size_t n = t->n < cap ? t->n : cap - 1;

    memcpy(dst, t->p, n);
    dst[n] = '\0';
}

#define TAKE(r, field, t) take((r)->field, sizeof((r)->field), (t))

/* The record of job j, materialised in *r for a single-row append: its
 * event and trace malloc'd (release r), its id, seq and hashes the
 * chain's to set. */
static int job_record(const struct job *j, struct lv_audit_record *r)
{
    struct lv_audit_flat fl;
    const struct lv_audit_fields *f = &fl.f;

    fl.rec = (const uint8_t *)j->text + j->rec_at;
    fl.rec_len = j->rec_len;
    fl.tail = j->shared ? j->shared->b : NULL;
    fl.tail_len = j->shared ? j->shared->n : 0;
    if (lv_audit_flat_read(&fl, NULL) < 0) {
        return -1;
    }
    memset(r, 0, offsetof(struct lv_audit_record, resources));
    snprintf(r->account, sizeof(r->account), "%s", j->text);
    snprintf(r->region, sizeof(r->region), "%s", j->text + j->region_at);
    TAKE(r, event_id, &f->event_id);
    TAKE(r, request_id, &f->request_id);
    TAKE(r, event_source, &f->event_source);
    TAKE(r, event_name, &f->event_name);
    TAKE(r, username, &f->username);
    TAKE(r, access_key_id, &f->access_key_id);
    TAKE(r, error_code, &f->error_code);
    r->event_time_ms = f->event_time_ms;
    r->read_only = f->read_only;
    r->key_use = f->key_use;
    r->n_resources = f->n_resources;
    for (int i = 0; i < f->n_resources; i++) {
        TAKE(r, resources[i].type, &f->res_type[i]);
        TAKE(r, resources[i].name, &f->res_name[i]);
    }
    r->event = lv_xstrndup(f->event.p, f->event.n);
    r->trace = f->has_trace ? lv_xstrndup(f->trace.p, f->trace.n) : NULL;
    r->enc2 = 0;
    return 0;
}

#undef TAKE

/* Appends one record in a transaction of its own: the fallback when a
 * batch could not be committed, so that one bad record (or a passing
 * fault) costs only itself. */
static void write_one(struct lv_audit *a, const struct job *j)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record *r = a->one;

    if (job_record(j, r) < 0) {
        /* Not possible: the job's bytes are lv_audit_enc2_put()'s. */
        lv_log(LV_LOG_WARN, "audit: record lost: its bytes do not read "
               "back");
        return;
    }
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
    lv_audit_record_release(r);
    return;
fail:
    /* The record's content is never logged: its request id says which. */
    lv_log(LV_LOG_WARN, "audit: record lost req=%s: %s", r->request_id,
           err.msg);
    lv_audit_record_release(r);
}

/* Whether jobs p and q are of one chain: account and region, the first
 * two texts. */
static int same_chain(const struct job *p, const struct job *q)
{
    return p->region_at == q->region_at &&
           strcmp(p->text, q->text) == 0 &&
           strcmp(p->text + p->region_at, q->text + q->region_at) == 0;
}

/* Chains in (account, region) order, and each chain's records in the
 * order they were queued (pos). */
static int by_chain(const void *x, const void *y)
{
    const struct job *const *p = x;
    const struct job *const *q = y;
    int c = strcmp((*p)->text, (*q)->text);

    if (c == 0) {
        c = strcmp((*p)->text + (*p)->region_at, (*q)->text + (*q)->region_at);
    }
    if (c == 0) {
        c = ((*p)->pos > (*q)->pos) - ((*p)->pos < (*q)->pos);
    }
    return c;
}

/*
 * Appends the n records of v (one chain's, in write_batch) in the caller's
 * transaction: each run of them (up to MAX_RUN) as one batch row
 * (lv_audit_chain_append_flat: their bytes as they are, compressed, with
 * the sets lookups select on, no per-record index entry), under the
 * chain's lock, held to the commit.
 */
static int append_batch(struct lv_audit *a, struct job **v, size_t n,
                        struct lv_err *err)
{
    struct lv_audit_flat *run[MAX_RUN];
    size_t first = 0;
    int64_t id;

    while (first < n) {
        size_t k = 0;

        while (first + k < n && k < MAX_RUN) {
            const struct job *j = v[first + k];
            struct lv_audit_flat *f = &a->flats[k];

            f->rec = (const uint8_t *)j->text + j->rec_at;
            f->rec_len = j->rec_len;
            f->tail = j->shared ? j->shared->b : NULL;
            f->tail_len = j->shared ? j->shared->n : 0;
            /* A run of one kind: only the heads after its first. */
            if (lv_audit_flat_read(f, k > 0 ? &a->flats[k - 1] : NULL) < 0) {
                return lv_err_set(err, LV_E_INTERNAL_FAILURE, "audit: a "
                                  "record's bytes do not read back");
            }
            run[k] = f;
            k++;
        }
        if (lv_audit_chain_append_flat(a->store, a->kr, v[first]->text,
                                       v[first]->text + v[first]->region_at,
                                       run, k, &id, err) < 0) {
            return -1;
        }
        first += k;
    }
    return 0;
}

/*
 * Appends a batch, one transaction per chain: the writer never holds two
 * chains' locks (chain_head) at once. A request's change may hold two (a
 * ReplicateKey locks the replica Region's chain for KMS's CreateKey
 * record, then its own Region's for its own), in the order its handler
 * takes them; a writer holding one chain while it waited for another
 * could close a cycle with it, and PostgreSQL would abort one of the two
 * (40P01: the request then answered 503). Runs are still taken in
 * (account, region) order. Most batches hold one chain, so this costs no
 * commit more than one transaction per batch did.
 */
static void write_batch(struct lv_audit *a, struct job **v, size_t n)
{
    struct lv_err err = LV_ERR_INIT;
    size_t i;
    size_t first = 0;

    for (i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n) {
            /* A job's header and its texts: three cache lines. */
            const char *p = (const char *)v[i + PREFETCH_AHEAD];

            __builtin_prefetch(p);
            __builtin_prefetch(p + 64);
            __builtin_prefetch(p + 128);
        }
        v[i]->pos = i;
    }
    /* Most batches are of one chain: sorted already (by pos). */
    for (i = 1; i < n && same_chain(v[i], v[0]); i++) {
    }
    if (i < n) {
        qsort(v, n, sizeof(*v), by_chain);
    }
    while (first < n) {
        size_t end = first + 1;

        while (end < n && same_chain(v[end], v[first])) {
            end++;
        }
        /* Nobody waits for these records, and they were only in memory
         * until now: the batch need not wait for the disk either
         * (lv_store_begin_relaxed: an OS crash may lose it, a process
         * crash cannot, and it never outlives a later change's record). */
        if (lv_store_begin_relaxed(a->store, &err) < 0) {
            goto one_by_one;
        }
        if (append_batch(a, v + first, end - first, &err) < 0) {
            lv_store_rollback(a->store);
            goto one_by_one;
        }
        if (lv_store_commit(a->store, &err) < 0) {
            goto one_by_one;
        }
        lv_log(LV_LOG_DEBUG, "audit: wrote records=%zu", end - first);
        first = end;
        continue;
one_by_one:
        /* Each in a transaction of its own: one bad record (or a passing
         * fault) costs only itself. */
        lv_log(LV_LOG_WARN, "audit: batch of records failed, writing them "
               "one by one: %s", err.msg);
        for (i = first; i < end; i++) {
            write_one(a, v[i]);
        }
        first = end;
    }
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
    while (a->queue.n < MAX_BATCH && !a->stopping) {
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
        size_t n;

        while (!a->queue.n && !a->stopping) {
            pthread_cond_wait(&a->work, &a->mu);
        }
        if (!a->queue.n) {
            break;              /* stopping, and everything is written */
        }
        linger(a);
        n = lv_ring_take(&a->queue, a->taken, MAX_TAKE);
        pthread_cond_broadcast(&a->room);
        pthread_mutex_unlock(&a->mu);

        for (size_t i = 0; i < n; i++) {
            a->batch[i] = a->taken[i];
        }
        write_batch(a, a->batch, n);
        recycle_jobs(a, a->batch, n);

        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* A job with room for `need` bytes of texts: a pooled one when the
 * pool's first is large enough, else a new one. */
static struct job *job_get(struct lv_audit *a, size_t need)
{
    struct job *j;

    pthread_mutex_lock(&a->pool_mu);
    j = a->pool;
    if (j) {
        a->pool = j->next;
        a->pooled--;
        /* The next request's job: last written by the writer, on another
         * core; fetched now, while this request still has its answer to
         * send, rather than when it is needed. */
        if (a->pool) {
            __builtin_prefetch(a->pool, 1);
            __builtin_prefetch(a->pool->text + 64, 1);
        }
    }
    pthread_mutex_unlock(&a->pool_mu);
    if (j && j->cap < need) {
        free(j);
        j = NULL;
    }
    if (!j) {
        size_t cap = need > JOB_MIN_TEXT ? need : JOB_MIN_TEXT;

        j = lv_xmalloc(offsetof(struct job, text) + cap);
        j->cap = cap;
    }
    j->next = NULL;
    j->pos = 0;
    j->shared = NULL;
    return j;
}

/* A job (above) of the record of chain (account, region) whose fields
 * are f: its chain, then its enc2 bytes. */
/* A job of chain (account, region) with room for rec_len bytes of its
 * record after its chain's texts, where it is to be written (rec_len
 * set). */
static struct job *job_for(struct lv_audit *a,
                           const struct lv_audit_text *account,
                           const struct lv_audit_text *region,
                           size_t rec_len)
{
    struct job *j = job_get(a, account->n + region->n + 2 + rec_len);

    memcpy(j->text, account->p, account->n);
    j->text[account->n] = '\0';
    j->region_at = (uint32_t)(account->n + 1);
    memcpy(j->text + j->region_at, region->p, region->n);
    j->text[j->region_at + region->n] = '\0';
    j->rec_at = (uint32_t)(j->region_at + region->n + 1);
    j->rec_len = (uint32_t)rec_len;
    return j;
}

static struct job *job_of(struct lv_audit *a,
                          const struct lv_audit_text *account,
                          const struct lv_audit_text *region,
                          const struct lv_audit_fields *f)
{
    struct job *j = job_for(a, account, region, lv_audit_enc2_size(f));

    lv_audit_enc2_put((uint8_t *)j->text + j->rec_at, f, NULL);
    return j;
}

/* Queues j (lv_audit_submit's contract); request_id names it in a
 * warning. */
static void enqueue_job(struct lv_audit *a, struct job *j,
                        const struct lv_audit_text *request_id, int may_wait)
{
    pthread_mutex_lock(&a->mu);
    while (may_wait && a->queue.n >= MAX_QUEUED && a->running &&
           !a->stopping) {
        pthread_cond_wait(&a->room, &a->mu);
    }
    if (!a->running) {
        pthread_mutex_unlock(&a->mu);
        lv_log(LV_LOG_WARN, "audit: record lost req=%.*s: the writer is not "
               "running", (int)request_id->n, request_id->p);
        free_jobs(j);
        return;
    }
    lv_ring_put(&a->queue, j);
    /* The writer waits for a first record, then for a full batch: one
     * signal each, not one per record. */
    if (a->queue.n == 1 || a->queue.n == MAX_BATCH) {
        pthread_cond_signal(&a->work);
    }
    pthread_mutex_unlock(&a->mu);
}

void lv_audit_submit(struct lv_audit *a, const struct lv_audit_record *r,
                     int may_wait)
{
    struct lv_audit_fields f;
    struct lv_audit_text account = {
        r->account, strnlen(r->account, sizeof(r->account) - 1),
    };
    struct lv_audit_text region = {
        r->region, strnlen(r->region, sizeof(r->region) - 1),
    };

    lv_audit_fields_of(r, &f);
    enqueue_job(a, job_of(a, &account, &region, &f), &f.request_id,
                may_wait);
}

void lv_audit_submit_enc(struct lv_audit *a, const struct lv_audit_enc *e,
                         int may_wait)
{
    struct lv_audit_text eid = { e->event_id, strlen(e->event_id) };
    size_t head = lv_audit_enc2_head_size(e->event_time_ms, &eid,
                                          &e->request_id);
    /* A remembered tail is referenced, not copied: the job is its head,
     * and the writer finds a run's tail the same by its address. */
    struct job *j = job_for(a, &e->account, &e->region,
                            head + (e->shared ? 0 : e->tail_len));
    uint8_t *p = (uint8_t *)j->text + j->rec_at;

    p = lv_audit_enc2_put_head(p, e->event_time_ms, &eid, &e->request_id);
    if (e->shared) {
        lv_audit_tail_hold(e->shared);
        j->shared = e->shared;
    } else {
        memcpy(p, e->tail, e->tail_len);
    }
    enqueue_job(a, j, &e->request_id, may_wait);
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
    a->one = lv_xmalloc(sizeof(*a->one));
    a->flats = lv_xmalloc(MAX_RUN * sizeof(*a->flats));
    a->taken = lv_xmalloc(MAX_TAKE * sizeof(*a->taken));
    a->batch = lv_xmalloc(MAX_TAKE * sizeof(*a->batch));
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
    for (void *p; lv_ring_take(&a->queue, &p, 1) == 1;) {
        struct job *j = p;

        j->next = NULL;
        free_jobs(j);
    }
    lv_ring_release(&a->queue);
    free_jobs(a->pool);
    free(a->one);
    free(a->flats);
    free(a->taken);
    free(a->batch);
    pthread_mutex_destroy(&a->pool_mu);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->room);
    free(a);
}
