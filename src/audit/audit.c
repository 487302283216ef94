/*
 * audit.c: the recorder object (audit.h) — its asynchronous writer and its
 * digest and retention task.
 *
 * The writer: one thread owns the far end of every outbox. A request
 * puts its record in its thread's outbox (a ring of jobs) and goes on at
 * once (it does not wait for the commit: the records it queues are those
 * of requests that changed nothing, see audit.h). The writer takes every
 * outbox's records (up to MAX_TAKE) at once and appends them in one
 * transaction, so while it writes one batch the next one gathers and a
 * commit is shared by every request that arrived meanwhile (as the Logs
 * group committer, src/logs/commit.c). An outbox is bounded: a request
 * finding its own full waits for room, so that a burst is slowed down,
 * never forgotten.
 *
 * Outboxes: a thread that records has its own (struct outbox), which only
 * it and the writer lock, the writer a few times a second; the writer
 * gives the jobs it wrote back to the outbox they came from, for its
 * thread to reuse. With one queue and one pool for all, each record took
 * two locks that every recording thread and the writer took, and their
 * cache lines crossed between cores with every record. Records of two
 * threads in one chain are appended outbox by outbox, so a batch's
 * records are in time order only roughly, as they were (each record's
 * time is its request's start): a batch keeps its own time range, which
 * is what lookups select on.
 *
 * The task: a ticker that expires records older than 90 days and signs
 * the head of every chain when a digest is due, each under a store lease
 * so that one node of several sharing a store does it.
 */
#include "audit/audit_int.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/chain.h"
#include "audit/event.h"
#include "crypto/crypto.h"
#include "store/audit_store.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ring.h"
#include "util/thread.h"
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
/* Records waiting in one outbox at most; beyond this its thread's request
 * waits for room (one that may not wait is queued all the same: the ring
 * grows). */
#define MAX_QUEUED 8192
/* How many jobs ahead of the one it reads the writer fetches: a job was
 * written on another core, and each one read only when reached cost the
 * writer a cache miss after another (a list of jobs cost the same, its
 * next pointers read one after the other). */
#define PREFETCH_AHEAD 8
/* Jobs an outbox keeps for reuse at most: a job's storage comes from its
 * thread's outbox, not from malloc, on the request's path; the writer
 * gives a batch's jobs back once written. More than one collection takes
 * from a busy outbox (MAX_BATCH, and what comes while the batch before is
 * written): each job past this bound was freed by the writer and made
 * again by the request's thread, one malloc and one cross-thread free a
 * record (at MAX_BATCH 4096 and 1024 kept, Encrypt cost 4-5% more). */
#define MAX_POOLED 4096
/* A new job's room for texts at least. Most jobs hold a head and the
 * reference to a remembered tail (about 150 bytes); a job too small for
 * a record is made again at its size, and its thread's jobs soon fit what
 * its thread records. */
#define JOB_MIN_TEXT 256

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
    struct job *next;           /* among an outbox's jobs for reuse */
    struct outbox *box;         /* whose thread made it */
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

/*
 * A recording thread's outbox. Its thread puts its jobs in `jobs` and
 * takes jobs to reuse from `mine`, which no other thread touches; the
 * writer takes `jobs` and gives jobs back into `given`, which its thread
 * takes over when `mine` runs out. Counted: the recorder holds it (in its
 * list, until the writer finds it orphaned and empty, or the recorder is
 * freed) and so does its thread (until it ends, or records into another
 * recorder), so that neither frees it under the other.
 */
struct outbox {
    pthread_mutex_t mu;         /* guards jobs, given, n_given, orphan */
    struct lv_ring jobs;        /* its thread's records, oldest first */
    struct job *given;          /* jobs the writer gave back */
    size_t n_given;
    int orphan;                 /* its thread has left it */
    struct job *mine;           /* its thread's: jobs to reuse */
    atomic_int refs;
    struct outbox *next;        /* in the recorder's list (its mu) */
};

struct lv_audit {
    struct lv_store *store;
    const struct lv_keyring *kr;
    struct lv_audit_config cfg;
    uint64_t gen;               /* this recorder's number, never reused:
                                 * a thread's outbox is this recorder's
                                 * when its number is this */

    pthread_mutex_t mu;         /* guards boxes, full, stopping, the
                                 * waits; pending is set under it */
    pthread_cond_t work;        /* an outbox has records, or stop */
    pthread_cond_t room;        /* the writer took the outboxes' records */
    struct outbox *boxes;       /* every outbox */
    atomic_int pending;         /* an outbox may have records */
    int full;                   /* an outbox has MAX_BATCH records */
    atomic_int running;
    int stopping;
    pthread_t thread;

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

static atomic_uint_fast64_t next_gen;

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
    a->gen = atomic_fetch_add(&next_gen, 1) + 1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->room, NULL);
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

/* Gives the jobs v[first] … v[end - 1], all of outbox b, back to it
 * (linked already), up to MAX_POOLED there; frees the rest. */
static void give_back(struct outbox *b, struct job **v, size_t first,
                      size_t end)
{
    size_t n = end - first;
    size_t keep;

    v[end - 1]->next = NULL;
    pthread_mutex_lock(&b->mu);
    keep = MAX_POOLED - b->n_given < n ? MAX_POOLED - b->n_given : n;
    if (keep > 0) {
        v[first + keep - 1]->next = b->given;
        b->given = v[first];
        b->n_given += keep;
    }
    pthread_mutex_unlock(&b->mu);
    if (keep < n) {
        free_jobs(v[first + keep]);
    }
}

/* Gives the n jobs of v back to their outboxes for reuse (a run of one
 * outbox's jobs at once: a batch is mostly such runs). */
static void recycle_jobs(struct job **v, size_t n)
{
    size_t first = 0;

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
        if (i + 1 == n || v[i + 1]->box != v[i]->box) {
            give_back(v[i]->box, v, first, i + 1);
            first = i + 1;
        }
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
    if (r->event_id[0] == '\0') {
        /* A batch would have derived it from the record's place
         * (store/audit_eid.h); a single row keeps one. */
        lv_uuid4(r->event_id);
    }
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

/* Waits, holding a->mu between waits, until an outbox is full, LINGER_MS
 * have passed, or the recorder stops. */
static void linger(struct lv_audit *a)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)LINGER_MS * 1000000;
    until.tv_sec += until.tv_nsec / 1000000000;
    until.tv_nsec %= 1000000000;
    while (!a->full && !a->stopping) {
        if (pthread_cond_timedwait(&a->work, &a->mu, &until) == ETIMEDOUT) {
            break;
        }
    }
}

/* Takes every outbox's records, up to MAX_TAKE, into a->taken (under
 * a->mu): how many. pending is cleared first, so that a record put after
 * its outbox was taken sets it again (enqueue_job); it is set again here
 * when MAX_TAKE left records behind. */
static size_t collect(struct lv_audit *a)
{
    size_t n = 0;

    atomic_store(&a->pending, 0);
    a->full = 0;
    for (struct outbox *b = a->boxes; b != NULL; b = b->next) {
        pthread_mutex_lock(&b->mu);
        n += lv_ring_take(&b->jobs, a->taken + n, MAX_TAKE - n);
        if (b->jobs.n > 0) {
            atomic_store(&a->pending, 1);
        }
        pthread_mutex_unlock(&b->mu);
    }
    return n;
}

static void box_unref(struct outbox *b);

/* Frees the outboxes whose threads left them and that are empty (under
 * a->mu, after their jobs came back: nothing of the writer's points to
 * them). */
static void reap(struct lv_audit *a)
{
    for (struct outbox **pb = &a->boxes; *pb != NULL;) {
        struct outbox *b = *pb;
        int gone;

        pthread_mutex_lock(&b->mu);
        gone = b->orphan && b->jobs.n == 0;
        pthread_mutex_unlock(&b->mu);
        if (gone) {
            *pb = b->next;
            box_unref(b);
        } else {
            pb = &b->next;
        }
    }
}

static void *writer(void *arg)
{
    struct lv_audit *a = arg;

    pthread_mutex_lock(&a->mu);
    for (;;) {
        size_t n;

        while (!atomic_load(&a->pending) && !a->stopping) {
            pthread_cond_wait(&a->work, &a->mu);
        }
        if (!a->stopping) {
            linger(a);
        }
        n = collect(a);
        pthread_cond_broadcast(&a->room);
        if (n == 0 && a->stopping) {
            break;              /* stopping, and everything is written */
        }
        pthread_mutex_unlock(&a->mu);

        for (size_t i = 0; i < n; i++) {
            a->batch[i] = a->taken[i];
        }
        if (n > 0) {
            write_batch(a, a->batch, n);
            recycle_jobs(a->batch, n);
        }

        pthread_mutex_lock(&a->mu);
        reap(a);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* ---- outboxes ------------------------------------------------------------ */

/* This thread's outbox and the number of the recorder it is of. */
static _Thread_local struct {
    uint64_t gen;
    struct outbox *box;
} my;
/* Its value: this thread's outbox, left when the thread ends. */
static pthread_key_t box_key;
static pthread_once_t box_once = PTHREAD_ONCE_INIT;

/* Frees the records b holds, unwritten (the caller holds b->mu, or is
 * the last to hold b). */
static void drop_records(struct outbox *b)
{
    for (void *p; lv_ring_take(&b->jobs, &p, 1) == 1;) {
        struct job *j = p;

        j->next = NULL;
        free_jobs(j);
    }
}

static void box_unref(struct outbox *b)
{
    if (atomic_fetch_sub(&b->refs, 1) != 1) {
        return;
    }
    drop_records(b);
    lv_ring_release(&b->jobs);
    free_jobs(b->given);
    free_jobs(b->mine);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* Its thread leaves b (it ends, or records into another recorder): the
 * writer still takes what it holds, then frees it. */
static void box_leave(void *arg)
{
    struct outbox *b = arg;

    pthread_mutex_lock(&b->mu);
    b->orphan = 1;
    pthread_mutex_unlock(&b->mu);
    box_unref(b);
}

static void box_key_init(void)
{
    if (pthread_key_create(&box_key, box_leave) != 0) {
        LV_BUG("audit: no thread key for the outboxes");
    }
}

/* This thread's outbox of a: made and listed the first time. */
static struct outbox *box_of_thread(struct lv_audit *a)
{
    struct outbox *b;

    if (my.gen == a->gen) {
        return my.box;
    }
    pthread_once(&box_once, box_key_init);
    if (my.box != NULL) {
        box_leave(my.box);      /* another recorder's, gone or not */
    }
    b = lv_xcalloc(1, sizeof(*b));
    pthread_mutex_init(&b->mu, NULL);
    atomic_init(&b->refs, 2);
    pthread_mutex_lock(&a->mu);
    b->next = a->boxes;
    a->boxes = b;
    pthread_mutex_unlock(&a->mu);
    my.gen = a->gen;
    my.box = b;
    if (pthread_setspecific(box_key, b) != 0) {
        LV_BUG("audit: cannot keep a thread's outbox");
    }
    return b;
}

/* A job with room for `need` bytes of texts: the next one this thread's
 * outbox kept for reuse when it is large enough, else a new one. */
static struct job *job_get(struct lv_audit *a, size_t need)
{
    struct outbox *b = box_of_thread(a);
    struct job *j;

    if (b->mine == NULL) {
        pthread_mutex_lock(&b->mu);
        b->mine = b->given;
        b->given = NULL;
        b->n_given = 0;
        pthread_mutex_unlock(&b->mu);
    }
    j = b->mine;
    if (j) {
        b->mine = j->next;
        /* The next request's job: last written by the writer, on another
         * core; fetched now, while this request still has its answer to
         * send, rather than when it is needed. */
        if (b->mine) {
            __builtin_prefetch(b->mine, 1);
            __builtin_prefetch(b->mine->text + 64, 1);
        }
    }
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
    j->box = b;
    j->pos = 0;
    j->shared = NULL;
    return j;
}

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

/* A job (above) of the record of chain (account, region) whose fields
 * are f: its chain, then its enc2 bytes. */
static struct job *job_of(struct lv_audit *a,
                          const struct lv_audit_text *account,
                          const struct lv_audit_text *region,
                          const struct lv_audit_fields *f)
{
    struct job *j = job_for(a, account, region, lv_audit_enc2_size(f));

    lv_audit_enc2_put((uint8_t *)j->text + j->rec_at, f, NULL);
    return j;
}

/* How many records outbox b holds. */
static size_t box_count(struct outbox *b)
{
    size_t n;

    pthread_mutex_lock(&b->mu);
    n = b->jobs.n;
    pthread_mutex_unlock(&b->mu);
    return n;
}

/* Tells the writer that an outbox has records (full: MAX_BATCH of them,
 * or more), under a->mu. */
static void tell_writer(struct lv_audit *a, int full)
{
    atomic_store(&a->pending, 1);
    if (full) {
        a->full = 1;
    }
    pthread_cond_signal(&a->work);
}

/* tell_writer(), unless the writer knows already. */
static void wake(struct lv_audit *a, int full)
{
    if (!full && atomic_load(&a->pending)) {
        return;
    }
    pthread_mutex_lock(&a->mu);
    tell_writer(a, full);
    pthread_mutex_unlock(&a->mu);
}

/* Queues j in its outbox (lv_audit_submit's contract); request_id names
 * it in a warning. */
static void enqueue_job(struct lv_audit *a, struct job *j,
                        const struct lv_audit_text *request_id, int may_wait)
{
    struct outbox *b = j->box;
    size_t n;

    if (!atomic_load(&a->running)) {
        lv_log(LV_LOG_WARN, "audit: record lost req=%.*s: the writer is not "
               "running", (int)request_id->n, request_id->p);
        free_jobs(j);
        return;
    }
    pthread_mutex_lock(&b->mu);
    lv_ring_put(&b->jobs, j);
    n = b->jobs.n;
    pthread_mutex_unlock(&b->mu);
    /* The writer waits for a first record, then for a full outbox: the
     * outbox's first since the writer took it tells it unless another's
     * has, and its MAX_BATCH-th ends its lingering. No signal per record. */
    if (n == 1 || n == MAX_BATCH) {
        wake(a, n == MAX_BATCH);
    }
    if (may_wait && n >= MAX_QUEUED) {
        pthread_mutex_lock(&a->mu);
        while (atomic_load(&a->running) && !a->stopping &&
               box_count(b) >= MAX_QUEUED) {
            tell_writer(a, 1);
            pthread_cond_wait(&a->room, &a->mu);
        }
        pthread_mutex_unlock(&a->mu);
    }
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
    lv_thread_name(a->thread, "audit");
    pthread_mutex_lock(&a->mu);
    atomic_store(&a->running, 1);
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
    running = atomic_load(&a->running);
    a->stopping = 1;
    pthread_cond_broadcast(&a->work);
    pthread_cond_broadcast(&a->room);
    pthread_mutex_unlock(&a->mu);
    if (running) {
        /* The writer leaves once the outboxes are empty. */
        pthread_join(a->thread, NULL);
    }
    atomic_store(&a->running, 0);
    /* A record put after the writer left is lost (with its outbox's, if
     * its thread has left it too); a thread still holding its outbox
     * frees it when it ends or records into another recorder. */
    while (a->boxes != NULL) {
        struct outbox *b = a->boxes;

        a->boxes = b->next;
        pthread_mutex_lock(&b->mu);
        drop_records(b);
        pthread_mutex_unlock(&b->mu);
        box_unref(b);
    }
    free(a->one);
    free(a->flats);
    free(a->taken);
    free(a->batch);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->room);
    free(a);
}
