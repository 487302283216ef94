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
/* Records waiting at most; beyond this a request waits for room. */
#define MAX_QUEUED 8192
/* Jobs kept for reuse at most: a job's storage comes from this pool, not
 * from malloc, on the request's path; the writer gives a batch's jobs
 * back once written. */
#define MAX_POOLED 1024
/* A new job's room for texts at least: most records fit, so that a pooled
 * job is rarely too small for the next. */
#define JOB_MIN_TEXT 1536

#define DIGEST_LEASE "audit.digest"
#define RETENTION_LEASE "audit.retention"

/* The texts of a job, in this order, each followed by a NUL: account,
 * region, event_id, request_id, event_source, event_name, username,
 * access_key_id, error_code, (type, name) for each resource, event, and
 * trace when there is one. */
enum {
    T_ACCOUNT, T_REGION, T_EVENT_ID, T_REQUEST_ID, T_EVENT_SOURCE,
    T_EVENT_NAME, T_USERNAME, T_ACCESS_KEY_ID, T_ERROR_CODE, T_RESOURCES,
};
#define JOB_TEXTS (T_RESOURCES + 2 * LV_AUDIT_MAX_RESOURCES + 2)

/*
 * A record in flight: what lv_audit_submit() copied of it, a few hundred
 * bytes (the record's 9 KB struct is mostly room for four 2 KB resource
 * names), so that the records queued stay in cache; the writer
 * materialises the struct per run (job_record()).
 */
struct job {
    struct job *next;
    size_t pos;                 /* its place in its batch */
    size_t cap;                 /* bytes of text[] */
    int64_t event_time_ms;
    int read_only;
    int key_use;
    int n_resources;            /* 0 … LV_AUDIT_MAX_RESOURCES */
    int has_trace;
    uint32_t len[JOB_TEXTS];    /* each text's length, without its NUL */
    char text[];
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
    struct job *pool;           /* jobs for reuse */
    size_t pooled;

    struct lv_audit_record *recs;   /* the writer's: MAX_RUN records it
                                     * materialises a run in */

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

        free(j);
        j = next;
    }
}

/* Keeps jobs j … for reuse, up to MAX_POOLED; frees the rest. */
static void recycle_jobs(struct lv_audit *a, struct job *j)
{
    struct job *last = NULL;
    size_t n = 0;
    size_t room;

    for (struct job *k = j; k; k = k->next) {
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

/* The text t of job j. */
static const char *job_text(const struct job *j, int t)
{
    const char *p = j->text;

    for (int i = 0; i < t; i++) {
        p += j->len[i] + 1;
    }
    return p;
}

/* A text of a job into a fixed field of a record (the job took at most
 * the field's length less one: lv_audit_submit()). */
#define TAKE(r, field, p, n) (memcpy((r)->field, (p), (n) + 1), (p) += (n) + 1)

/* The record of job j, materialised in *r: its event and trace point
 * into j (r is not to be released), its id, seq and hashes the chain's to
 * set. */
static void job_record(const struct job *j, struct lv_audit_record *r)
{
    const char *p = j->text;
    const uint32_t *n = j->len;

    r->id = 0;
    r->seq = 0;
    TAKE(r, account, p, n[T_ACCOUNT]);
    TAKE(r, region, p, n[T_REGION]);
    TAKE(r, event_id, p, n[T_EVENT_ID]);
    TAKE(r, request_id, p, n[T_REQUEST_ID]);
    TAKE(r, event_source, p, n[T_EVENT_SOURCE]);
    TAKE(r, event_name, p, n[T_EVENT_NAME]);
    TAKE(r, username, p, n[T_USERNAME]);
    TAKE(r, access_key_id, p, n[T_ACCESS_KEY_ID]);
    TAKE(r, error_code, p, n[T_ERROR_CODE]);
    r->event_time_ms = j->event_time_ms;
    r->read_only = j->read_only;
    r->key_use = j->key_use;
    r->n_resources = j->n_resources;
    for (int i = 0; i < j->n_resources; i++) {
        TAKE(r, resources[i].type, p, n[T_RESOURCES + 2 * i]);
        TAKE(r, resources[i].name, p, n[T_RESOURCES + 2 * i + 1]);
    }
    r->event = (char *)p;
    p += n[T_RESOURCES + 2 * j->n_resources] + 1;
    r->trace = j->has_trace ? (char *)p : NULL;
}

#undef TAKE

/* Appends one record in a transaction of its own: the fallback when a
 * batch could not be committed, so that one bad record (or a passing
 * fault) costs only itself. */
static void write_one(struct lv_audit *a, const struct job *j)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record *r = &a->recs[0];

    job_record(j, r);
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

/* Whether jobs p and q are of one chain: account and region, the first
 * two texts. */
static int same_chain(const struct job *p, const struct job *q)
{
    size_t n = p->len[T_ACCOUNT] + p->len[T_REGION] + 2;

    return p->len[T_ACCOUNT] == q->len[T_ACCOUNT] &&
           p->len[T_REGION] == q->len[T_REGION] &&
           memcmp(p->text, q->text, n) == 0;
}

/* Chains in (account, region) order, and each chain's records in the
 * order they were queued (pos). */
static int by_chain(const void *x, const void *y)
{
    const struct job *const *p = x;
    const struct job *const *q = y;
    int c = strcmp((*p)->text, (*q)->text);

    if (c == 0) {
        c = strcmp(job_text(*p, T_REGION), job_text(*q, T_REGION));
    }
    if (c == 0) {
        c = ((*p)->pos > (*q)->pos) - ((*p)->pos < (*q)->pos);
    }
    return c;
}

/*
 * Appends the n records of v (one chain's, in write_batch) in the caller's
 * transaction: each run of them (up to MAX_RUN), materialised in a->recs,
 * as one batch row (lv_audit_chain_append_batch: compressed, with the sets
 * lookups select on, no per-record index entry), under the chain's lock,
 * held to the commit.
 */
static int append_batch(struct lv_audit *a, struct job **v, size_t n,
                        struct lv_err *err)
{
    struct lv_audit_record *run[MAX_RUN];
    size_t first = 0;

    while (first < n) {
        size_t k = 0;

        for (size_t i = first; i < n && k < MAX_RUN &&
             same_chain(v[i], v[first]); i++) {
            job_record(v[i], &a->recs[k]);
            run[k] = &a->recs[k];
            k++;
        }
        if (lv_audit_chain_append_batch(a->store, a->kr, run, k, err) < 0) {
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
static void write_batch(struct lv_audit *a, struct job *batch, size_t n)
{
    struct lv_err err = LV_ERR_INIT;
    struct job **v = lv_xcalloc(n, sizeof(*v));
    size_t i = 0;
    size_t first = 0;

    for (struct job *j = batch; j && i < n; j = j->next) {
        j->pos = i;
        v[i++] = j;
    }
    qsort(v, n, sizeof(*v), by_chain);
    while (first < n) {
        size_t end = first + 1;

        while (end < n && same_chain(v[end], v[first])) {
            end++;
        }
        if (lv_store_begin(a->store, &err) < 0) {
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
    return j;
}

/* Copies r into a job (above). */
static struct job *job_of(struct lv_audit *a, const struct lv_audit_record *r)
{
    const char *t[JOB_TEXTS];
    uint32_t len[JOB_TEXTS];
    size_t k = 0;
    size_t need = 0;
    int nres = r->n_resources;
    struct job *j;
    char *p;

#define TEXT(f) (t[k] = (f), len[k] = (uint32_t)strnlen((f), sizeof(f) - 1), \
                 k++)
    TEXT(r->account);
    TEXT(r->region);
    TEXT(r->event_id);
    TEXT(r->request_id);
    TEXT(r->event_source);
    TEXT(r->event_name);
    TEXT(r->username);
    TEXT(r->access_key_id);
    TEXT(r->error_code);
    if (nres < 0) {
        nres = 0;
    } else if (nres > LV_AUDIT_MAX_RESOURCES) {
        nres = LV_AUDIT_MAX_RESOURCES;
    }
    for (int i = 0; i < nres; i++) {
        TEXT(r->resources[i].type);
        TEXT(r->resources[i].name);
    }
#undef TEXT
    t[k] = r->event ? r->event : "";
    len[k] = (uint32_t)strlen(t[k]);
    k++;
    if (r->trace) {
        t[k] = r->trace;
        len[k] = (uint32_t)strlen(r->trace);
        k++;
    }
    for (size_t i = 0; i < k; i++) {
        need += (size_t)len[i] + 1;
    }
    j = job_get(a, need);
    j->event_time_ms = r->event_time_ms;
    j->read_only = r->read_only;
    j->key_use = r->key_use;
    j->n_resources = nres;
    j->has_trace = r->trace != NULL;
    p = j->text;
    for (size_t i = 0; i < k; i++) {
        j->len[i] = len[i];
        memcpy(p, t[i], len[i]);
        p[len[i]] = '\0';
        p += len[i] + 1;
    }
    return j;
}

void lv_audit_submit(struct lv_audit *a, const struct lv_audit_record *r,
                     int may_wait)
{
    struct job *j = job_of(a, r);

    pthread_mutex_lock(&a->mu);
    while (may_wait && a->queued >= MAX_QUEUED && a->running &&
           !a->stopping) {
        pthread_cond_wait(&a->room, &a->mu);
    }
    if (!a->running) {
        pthread_mutex_unlock(&a->mu);
        lv_log(LV_LOG_WARN, "audit: record lost req=%s: the writer is not "
               "running", r->request_id);
        free_jobs(j);
        return;
    }
    *a->tail = j;
    a->tail = &j->next;
    a->queued++;
    /* The writer waits for a first record, then for a full batch: one
     * signal each, not one per record. */
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
    /* Pages of it are touched as far as the longest run reaches. */
    a->recs = lv_xmalloc(MAX_RUN * sizeof(*a->recs));
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
    free(a->recs);
    pthread_mutex_destroy(&a->pool_mu);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->room);
    free(a);
}
