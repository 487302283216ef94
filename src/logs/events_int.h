/*
 * events_int: what the files of the Logs events path share (PutLogEvents
 * in ingest.c, GetLogEvents in read.c) — the group committer that makes
 * PutLogEvents durable (commit.c). A chunk's sequence number comes from
 * the store (lv_store_logs_seq_reserve), which keeps it unique across
 * every process sharing the store.
 *
 * Group commit: a PutLogEvents request hands its encrypted chunks to one
 * committer thread and sleeps; the committer takes every request queued,
 * writes them in one transaction (each request in its own savepoint, so
 * one request's failure does not touch the others), commits once — one
 * fsync for the batch, synchronous=FULL — and wakes each request with its
 * own result. When that commit fails, every request of the batch gets
 * ServiceUnavailableException and nothing of the batch is stored.
 *
 * Not here: the chunk format (chunk.h), data keys (datakey.h).
 */
#ifndef LV_LOGS_EVENTS_INT_H
#define LV_LOGS_EVENTS_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "store/logs_store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"

struct lv_store;

/* ---- group commit (commit.c) -------------------------------------------- */

struct lv_commit_chunk {
    struct lv_log_chunk meta;       /* id is set once committed */
    struct lv_buf payload;
    struct lv_buf index;            /* the chunk's field index (fidx.h),
                                     * stored beside it; empty: none */
};

/* One request's writes: its chunks of one stream, and the stream's
 * summary update (lv_store_logs_stream_note_append). */
struct lv_commit_job {
    int64_t stream_id;
    struct lv_commit_chunk *chunks;
    size_t n;
    int64_t first_ts, last_ts, ingestion_time, bytes;
    /* the committer's answer; `wake` is signalled (under the
     * committer's lock) once done is set: only this job's requester
     * wakes */
    pthread_cond_t wake;
    int done;
    int rc;
    struct lv_err err;
    struct lv_commit_job *next;
};

/* The committer of one Logs service object (logs/service.c): its queue
 * and its thread once started. */
struct lv_logs_committer;

/* A committer for store s (borrowed), not started. */
struct lv_logs_committer *lv_logs_committer_new(struct lv_store *s);

/* Stops cm (lv_logs_commit_stop) and frees it; NULL is a no-op. */
void lv_logs_committer_free(struct lv_logs_committer *cm);

/* Starts cm's thread (before the HTTP front starts). 0, or -1 with
 * *err. */
int lv_logs_commit_start(struct lv_logs_committer *cm, struct lv_err *err);

/* Commits what is queued and stops the thread (after the HTTP front
 * stopped, before the store closes). A no-op when not started. */
void lv_logs_commit_stop(struct lv_logs_committer *cm);

/*
 * Makes job's writes to store s durable: 0 once committed (fsync'd), or -1
 * with *err (ServiceUnavailableException; nothing of the job stored).
 * Blocks. Without a running committer, or for another store than cm's, it
 * commits in the calling thread.
 */
int lv_logs_commit(struct lv_logs_committer *cm, struct lv_store *s,
                   struct lv_commit_job *job, struct lv_err *err);

/* ---- ingestion (ingest.c) ---------------------------------------------- */

struct lv_chunk_event;
struct lv_log_group;
struct lv_log_stream;
struct lv_req;

/* Seals ev[0..n) (in timestamp order, each within AWS's event limits) as
 * chunks of stream st of group g, ingested at rq->now_ms, and commits them
 * as PutLogEvents does, without its checks: for events the service writes
 * itself (data protection findings, logs/dp_audit.c). 0, or -1 with *err. */
int lv_logs_ingest_events(struct lv_req *rq, const struct lv_log_group *g,
                          const struct lv_log_stream *st,
                          const struct lv_chunk_event *ev, size_t n,
                          struct lv_err *err);

#endif
