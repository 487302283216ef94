/*
 * sqlite/seq.c: lv_store_logs_seq_reserve() on the embedded backend. One
 * process owns the database file (the data dir's lock), so the next chunk
 * sequence number of each stream lives in this process's memory, in the
 * store's struct lv_sqlite_seqs (sqlite_int.h): a reservation writes
 * nothing, and a reservation whose chunks are never committed leaves a
 * gap that stays a gap, since the counter only moves forward.
 *
 * A stream's counter is seeded on its first use in the process from what
 * is stored: the stream row's next_seq and its highest chunk seq + 1,
 * whichever is greater (a failed commit leaves next_seq behind, a chunk of
 * an older version of the server could sit above it). Stream ids are never
 * handed out again, so the counter of a deleted stream is never taken for
 * another's; it stays in memory until the store closes (16 bytes a
 * stream).
 */
#include "store/sqlite/sqlite_int.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* stream id → next seq, open addressing (linear probing), grown at 1/2. */
struct slot {
    int64_t stream_id;      /* 0: empty (store ids start at 1) */
    int64_t next;
};

struct lv_sqlite_seqs {
    pthread_mutex_t mu;
    struct slot *slots;
    size_t cap;             /* 0 or a power of two */
    size_t used;
};

struct lv_sqlite_seqs *lv_sqlite_seqs_new(void)
{
    struct lv_sqlite_seqs *sq = lv_xcalloc(1, sizeof(*sq));

    pthread_mutex_init(&sq->mu, NULL);
    return sq;
}

void lv_sqlite_seqs_free(struct lv_sqlite_seqs *sq)
{
    if (!sq) {
        return;
    }
    pthread_mutex_destroy(&sq->mu);
    free(sq->slots);
    free(sq);
}

/* The slot of stream_id, or the empty one where it would go; cap > 0. */
static struct slot *find(struct lv_sqlite_seqs *sq, int64_t stream_id)
{
    size_t i = (size_t)((uint64_t)stream_id * 0x9e3779b97f4a7c15ULL) &
               (sq->cap - 1);

    while (sq->slots[i].stream_id && sq->slots[i].stream_id != stream_id) {
        i = (i + 1) & (sq->cap - 1);
    }
    return &sq->slots[i];
}

static void grow(struct lv_sqlite_seqs *sq)
{
    struct slot *old = sq->slots;
    size_t old_cap = sq->cap;

    sq->cap = sq->cap ? sq->cap * 2 : 1024;
    sq->slots = lv_xcalloc(sq->cap, sizeof(*sq->slots));
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].stream_id) {
            *find(sq, old[i].stream_id) = old[i];
        }
    }
    free(old);
}

/* Hands out n from the stream's counter when it has one: 1, else 0. */
static int take(struct lv_sqlite_seqs *sq, int64_t stream_id, int n,
                int64_t *first)
{
    struct slot *sl;

    if (!sq->cap) {
        return 0;
    }
    sl = find(sq, stream_id);
    if (!sl->stream_id) {
        return 0;
    }
    *first = sl->next;
    sl->next += n;
    return 1;
}

/* The first number a stream's counter may hand out, from the store: the
 * row's next_seq (0 when the row is gone) or its highest chunk seq + 1. */
static int seed(struct lv_sqlite *q, int64_t stream_id, int64_t *next,
                struct lv_err *err)
{
    static const char sql[] =
        "SELECT MAX("
        " COALESCE((SELECT next_seq FROM logs_streams WHERE id = ?1), 0),"
        " COALESCE((SELECT MAX(seq) + 1 FROM logs_chunks"
        "           WHERE stream_id = ?1), 0))";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(q, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, stream_id);
    return lv_sqlite_run_int(&b, next, "read stream seq", err);
}

int lv_sqlite_logs_seq_reserve(void *impl, int64_t stream_id, int n,
                               int64_t *first, struct lv_err *err)
{
    struct lv_sqlite *q = impl;
    struct lv_sqlite_seqs *sq = lv_sqlite_seqs(q);
    struct slot *sl;
    int64_t next;
    int done;

    if (n < 1) {
        LV_BUG("store: seq reserve of %d numbers", n);
    }
    pthread_mutex_lock(&sq->mu);
    done = take(sq, stream_id, n, first);
    pthread_mutex_unlock(&sq->mu);
    if (done) {
        return 0;
    }
    /* First use in this process; read outside the lock (two threads may
     * both read: the greater seed wins below, neither hands out twice). */
    if (seed(q, stream_id, &next, err) < 0) {
        return -1;
    }
    pthread_mutex_lock(&sq->mu);
    if (sq->used * 2 >= sq->cap) {
        grow(sq);
    }
    sl = find(sq, stream_id);
    if (!sl->stream_id) {
        sl->stream_id = stream_id;
        sl->next = next;
        sq->used++;
    } else if (sl->next < next) {
        sl->next = next;
    }
    *first = sl->next;
    sl->next += n;
    pthread_mutex_unlock(&sq->mu);
    return 0;
}
