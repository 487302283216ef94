/*
 * logs_store: the CloudWatch Logs service's records in the store, in
 * domain terms — log groups, log streams, tags (schema
 * component "logs"), and event chunks with the wrapped data keys that
 * encrypt them (schema component "events").
 *
 * Event text never reaches this layer in clear: a chunk's payload is
 * already compressed and encrypted, and a data key is stored only wrapped
 * (a KMS ciphertext blob, or sealed under the service's own key). Records
 * are scoped by (account, region). Every function acts on the calling
 * thread's connection and joins a transaction opened with lv_store_begin().
 * Functions returning int answer 0 (or 1 found / 0 absent for getters) and
 * -1 with *err (LV_E_SERVICE_UNAVAILABLE) on a store fault.
 */
#ifndef LV_STORE_LOGS_STORE_H
#define LV_STORE_LOGS_STORE_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;
struct lv_store;

/* ---- groups --------------------------------------------- */

#define LV_LOGS_MAX_NAME 512

struct lv_log_group {
    int64_t id;                     /* store id, assigned at insert */
    char account[13];
    char region[64];
    char name[LV_LOGS_MAX_NAME + 1];
    int64_t creation_time;          /* epoch ms */
    int retention_days;             /* 0: never expire */
    char kms_key_arn[256];          /* "" while no key is associated */
    char log_group_class[32];       /* STANDARD | INFREQUENT_ACCESS | … */
    int deletion_protection;
    int64_t stored_bytes;           /* maintained by chunk insert/delete */
    int has_transformer;            /* a PutTransformer config is set (read
                                     * only; lv_store_logs_group_*_transformer
                                     * change it) */
    /* Read with the row, in the same statement, for ingest (read only):
     * the transformer's version (bumped by every set or delete of it, so
     * a compiled transformer may be cached by (id, version)); whether the
     * group has its own index policy and its own data protection policy
     * in force; and the generation of the log policies
     * (policies_store.h) as of this read. */
    int64_t transformer_version;
    int has_index_policy;
    int has_dp_policy;
    int64_t policy_gen;
};

/* Inserts g (g->id is set); returns 1 when the name exists in the scope
 * (nothing written), 0 when inserted. A group's id is never handed out
 * again, even after the group is deleted, so that anything keyed by it
 * (the data key cache, a stream's chunk sequence) can never be taken for
 * a later group's. */
int lv_store_logs_group_insert(struct lv_store *s, struct lv_log_group *g,
                               struct lv_err *err);
int lv_store_logs_group_get(struct lv_store *s, const char *account,
                            const char *region, const char *name,
                            struct lv_log_group *out, struct lv_err *err);
int lv_store_logs_group_get_by_id(struct lv_store *s, int64_t id,
                                  struct lv_log_group *out,
                                  struct lv_err *err);
/*
 * Changes of one field of group `id`. Each sets only its own field, in one
 * statement, on the row as it stands when the statement runs (never a row
 * written back from a copy read earlier), so a concurrent change of
 * another field — by another thread or another node — is never undone.
 * 1 when the group exists and now has the value, 0 when there is no group
 * `id` (deleted meanwhile), -1 on a store fault.
 */
int lv_store_logs_group_set_retention(struct lv_store *s, int64_t id,
                                      int days, struct lv_err *err);
int lv_store_logs_group_set_kms_key(struct lv_store *s, int64_t id,
                                    const char *key_arn, struct lv_err *err);
int lv_store_logs_group_set_deletion_protection(struct lv_store *s,
                                                int64_t id, int on,
                                                struct lv_err *err);
/*
 * The group's log transformer (PutTransformer): config is its
 * transformerConfig as JSON text, stored as given. Setting it keeps the
 * creation time of a transformer already there and sets the last
 * modification to now_ms; config NULL deletes it. One statement on the row
 * as it stands. 1 changed, 0 no such group (or, deleting, no transformer
 * to delete), -1 fault.
 */
int lv_store_logs_group_set_transformer(struct lv_store *s, int64_t id,
                                        const char *config, int64_t now_ms,
                                        struct lv_err *err);
/* The group's transformer into *config (reset first) with its times: 1
 * found, 0 none (or no such group), -1 fault (also when it would pass
 * config->max). */
int lv_store_logs_group_get_transformer(struct lv_store *s, int64_t id,
                                        struct lv_buf *config,
                                        int64_t *created_ms,
                                        int64_t *modified_ms,
                                        struct lv_err *err);
/* Deletes the group with its streams, tags, chunks and data keys. */
int lv_store_logs_group_delete(struct lv_store *s, int64_t id,
                               struct lv_err *err);
/* Deletes the group as lv_store_logs_group_delete() does, unless its
 * deletion protection is on in the row as it stands: 1 deleted, 0 no such
 * group, 2 protected (nothing deleted), -1 fault. */
int lv_store_logs_group_delete_unprotected(struct lv_store *s, int64_t id,
                                           struct lv_err *err);
/* Groups of the scope whose name starts with `prefix` ("" all) and is >
 * after ("" from the start), ordered by name, at most limit (<= 0: no
 * limit). fn's non-zero return stops the walk and is returned. */
typedef int (*lv_log_group_fn)(void *arg, const struct lv_log_group *g);
int lv_store_logs_group_list(struct lv_store *s, const char *account,
                             const char *region, const char *prefix,
                             const char *after, int limit, lv_log_group_fn fn,
                             void *arg, struct lv_err *err);
/* Every group of every scope with a retention set (the retention task). */
int lv_store_logs_group_list_retained(struct lv_store *s, lv_log_group_fn fn,
                                      void *arg, struct lv_err *err);

/* ---- streams ---------------------------------------------- */

struct lv_log_stream {
    int64_t id;
    int64_t group_id;
    char name[LV_LOGS_MAX_NAME + 1];
    int64_t creation_time;          /* epoch ms */
    int64_t first_event_ts;         /* 0 while empty */
    int64_t last_event_ts;
    int64_t last_ingestion_time;
    int64_t stored_bytes;
    int64_t next_seq;               /* chunks appended so far; the next
                                     * chunk's sequence number */
};

/* Inserts st (st->id set); 1 when the name exists in the group. Like a
 * group's, a stream's id is never handed out again. */
int lv_store_logs_stream_insert(struct lv_store *s, struct lv_log_stream *st,
                                struct lv_err *err);
int lv_store_logs_stream_get(struct lv_store *s, int64_t group_id,
                             const char *name, struct lv_log_stream *out,
                             struct lv_err *err);
/* Deletes the stream with its chunks, and takes its stored bytes off its
 * group's. */
int lv_store_logs_stream_delete(struct lv_store *s, int64_t id,
                                struct lv_err *err);
/* Streams of a group whose name starts with prefix and is > after, in
 * name order (at most limit), for DescribeLogStreams by name. */
typedef int (*lv_log_stream_fn)(void *arg, const struct lv_log_stream *st);
int lv_store_logs_stream_list(struct lv_store *s, int64_t group_id,
                              const char *prefix, const char *after,
                              int limit, lv_log_stream_fn fn, void *arg,
                              struct lv_err *err);
/* Streams of a group ordered by last_event_ts (then name), ascending or
 * descending, all of them (DescribeLogStreams orderBy LastEventTime pages
 * over this with an offset token). */
int lv_store_logs_stream_list_by_time(struct lv_store *s, int64_t group_id,
                                      int descending, lv_log_stream_fn fn,
                                      void *arg, struct lv_err *err);
/* After an append: widens first/last event timestamps to [first, last],
 * sets last_ingestion_time, adds bytes, and bumps next_seq by chunks. */
int lv_store_logs_stream_note_append(struct lv_store *s, int64_t stream_id,
                                     int64_t first_ts, int64_t last_ts,
                                     int64_t ingestion_time, int64_t bytes,
                                     int64_t chunks, struct lv_err *err);

/* ---- tags ---------------------------------------------------- */

int lv_store_logs_tag_set(struct lv_store *s, int64_t group_id,
                          const char *key, const char *value,
                          struct lv_err *err);
int lv_store_logs_tag_delete(struct lv_store *s, int64_t group_id,
                             const char *key, struct lv_err *err);
typedef int (*lv_log_tag_fn)(void *arg, const char *key, const char *value);
int lv_store_logs_tag_list(struct lv_store *s, int64_t group_id,
                           lv_log_tag_fn fn, void *arg, struct lv_err *err);
int lv_store_logs_tag_count(struct lv_store *s, int64_t group_id, int *n,
                            struct lv_err *err);

/* ---- data keys ---------------------------------------------- */

struct lv_log_data_key {
    int64_t id;
    int64_t group_id;
    char kms_key_arn[256];          /* "" for the service's own key */
    int64_t created_ms;
    /* the wrapped key is passed separately (bytes) */
};

/* Inserts dk with its wrapped bytes (dk->id set). A group that is gone
 * (deleted since the caller read it) is ResourceNotFoundException. */
int lv_store_logs_data_key_insert(struct lv_store *s,
                                  struct lv_log_data_key *dk,
                                  const void *wrapped, size_t len,
                                  struct lv_err *err);
/* Reads dk `id`; the wrapped bytes go to *wrapped (reset first). */
int lv_store_logs_data_key_get(struct lv_store *s, int64_t id,
                               struct lv_log_data_key *out,
                               struct lv_buf *wrapped, struct lv_err *err);

/* ---- chunks --------------------------------------------------- */

/* A chunk: a run of one stream's events (from one PutLogEvents request),
 * serialized, zstd-compressed and encrypted under a data key. */
struct lv_log_chunk {
    int64_t id;
    int64_t group_id;
    int64_t stream_id;
    int64_t seq;                    /* the stream's chunk sequence number */
    int64_t first_ts, last_ts;      /* event timestamps, ms */
    int64_t ingestion_time;         /* ms, the same for the chunk's events */
    int32_t n_events;
    int64_t raw_bytes;              /* message bytes + 26 per event */
    int64_t data_key_id;
};

/* Inserts c with its payload (c->id set) and adds raw_bytes to the group's
 * stored_bytes. A stream or group that is gone (deleted since the caller
 * read it) is ResourceNotFoundException with AWS's message for the one
 * missing; nothing is written. */
int lv_store_logs_chunk_insert(struct lv_store *s, struct lv_log_chunk *c,
                               const void *payload, size_t len,
                               struct lv_err *err);
/* Chunks of a stream overlapping [start_ts, end_ts) (end_ts INT64_MAX for
 * open-ended), ordered ascending by (first_ts, seq) — or, with descending,
 * by (last_ts, seq) from the newest, so that a backward reader can stop at
 * the first chunk that ends before what it has already found. fn gets
 * the chunk's metadata; the payload is read separately, so a reader
 * decrypts only what it needs. */
typedef int (*lv_log_chunk_fn)(void *arg, const struct lv_log_chunk *c);
int lv_store_logs_chunk_list_stream(struct lv_store *s, int64_t stream_id,
                                    int64_t start_ts, int64_t end_ts,
                                    int descending, lv_log_chunk_fn fn,
                                    void *arg, struct lv_err *err);
/* Chunks of a group overlapping [start_ts, end_ts), ordered by first_ts
 * (FilterLogEvents). */
int lv_store_logs_chunk_list_group(struct lv_store *s, int64_t group_id,
                                   int64_t start_ts, int64_t end_ts,
                                   lv_log_chunk_fn fn, void *arg,
                                   struct lv_err *err);
/* Chunks of a group whose ingestion_time is >= since_ms, whatever their
 * event timestamps, ordered by (first_ts, id): a live tail's poll
 * (logs/livetail.c). A chunk becomes visible when its commit does, which
 * may be after a chunk of a later ingestion_time, so a poller re-reads a
 * window and skips the ids it has seen. */
int lv_store_logs_chunk_list_ingested(struct lv_store *s, int64_t group_id,
                                      int64_t since_ms, lv_log_chunk_fn fn,
                                      void *arg, struct lv_err *err);
/* The highest chunk seq of a stream in *max, or -1 when it has none (so
 * that a restarted server never reuses a seq, even after a failed commit
 * left a gap). */
int lv_store_logs_chunk_max_seq(struct lv_store *s, int64_t stream_id,
                                int64_t *max, struct lv_err *err);
/*
 * Reserves n (>= 1, else LV_BUG) consecutive chunk sequence numbers of
 * stream `stream_id`: *first … *first + n - 1. No other call, in this
 * process or in any other process sharing the store, has had or will ever
 * have any of them, even when their chunks are never written (a gap stays
 * a gap), and all are above every seq stored for the stream. Not part of
 * any transaction of the caller (a reservation outlives a rollback): call
 * it outside one. 0 with *first set, or -1 with *err (503).
 *
 * sqlite: the process owns the file, so a counter per stream in memory,
 * seeded on first use from the stream row's next_seq and its highest
 * chunk seq + 1, whichever is greater; nothing written (so a number never
 * written may be handed out again by a later process: nothing can refer
 * to it). postgres: blocks reserved in the database, handed out from the
 * process's cache, so seq order across nodes is not ingestion order.
 */
int lv_store_logs_seq_reserve(struct lv_store *s, int64_t stream_id, int n,
                              int64_t *first, struct lv_err *err);
int lv_store_logs_chunk_payload(struct lv_store *s, int64_t chunk_id,
                                struct lv_buf *payload, struct lv_err *err);
/* Deletes the chunks of a group whose last_ts < before_ts (retention) and
 * subtracts their bytes from the group's and streams' stored_bytes; the
 * number deleted goes to *n. */
int lv_store_logs_chunk_expire(struct lv_store *s, int64_t group_id,
                               int64_t before_ts, int64_t *n,
                               struct lv_err *err);
/* The retention task's step for one group: in one transaction, reads the
 * group's retention as it stands and expires (as above) its chunks whose
 * last_ts is older than now_ms less that many days. A group that is gone
 * or has no retention now loses nothing; *n is the number deleted. */
int lv_store_logs_group_expire(struct lv_store *s, int64_t group_id,
                               int64_t now_ms, int64_t *n,
                               struct lv_err *err);

/* ---- metric filters ------------------------------------ */

/* AWS: "The maximum number of metric filters that can be associated with a
 * log group is 100" (API_PutMetricFilter). */
#define LV_LOGS_MAX_METRIC_FILTERS 100

/* A metric filter. The strings behind the pointers are loans: the
 * caller's for put, the store's for a list callback (valid only during the
 * call). */
struct lv_log_metric_filter {
    int64_t group_id;
    const char *group_name;         /* set by list */
    const char *name;
    const char *pattern;
    const char *transformations;    /* JSON text of metricTransformations */
    const char *metric_name;
    const char *metric_namespace;
    const char *options;            /* JSON object text, "{}" for none */
    int64_t creation_time;          /* epoch ms */
};

/* Creates or replaces the filter (group_id, name). When the filter is new
 * and the group already has `max` filters, writes nothing and returns 1;
 * else 0 once stored. Atomic (its own transaction, or the caller's). */
int lv_store_logs_metric_filter_put(struct lv_store *s,
                                    const struct lv_log_metric_filter *f,
                                    int max, struct lv_err *err);
/* Deletes the filter: 1 deleted, 0 there was none. */
int lv_store_logs_metric_filter_delete(struct lv_store *s, int64_t group_id,
                                       const char *name, struct lv_err *err);
/* How many metric filters group_id has, in *n. */
int lv_store_logs_metric_filter_count(struct lv_store *s, int64_t group_id,
                                      int *n, struct lv_err *err);
/*
 * The filters of the scope (account, region), ordered by (filter name,
 * group name), each > (after_name, after_group) (both "" to start), at
 * most limit (<= 0: all): of group_id only when it is not 0; whose name
 * starts with prefix ("" any); with that metric name and namespace when
 * they are not NULL. fn's non-zero return stops the walk and is returned.
 */
typedef int (*lv_log_metric_filter_fn)(void *arg,
                                       const struct lv_log_metric_filter *f);
int lv_store_logs_metric_filter_list(struct lv_store *s, const char *account,
                                     const char *region, int64_t group_id,
                                     const char *prefix,
                                     const char *metric_name,
                                     const char *metric_namespace,
                                     const char *after_name,
                                     const char *after_group, int limit,
                                     lv_log_metric_filter_fn fn, void *arg,
                                     struct lv_err *err);

/* ---- resource policies (logs/respol.c) ----------------------------------- */

/*
 * A CloudWatch Logs resource policy (PutResourcePolicy): account-scoped
 * (resource_arn "") or scoped to one log group (resource_arn its ARN,
 * without ":*"). Keyed by (account, region, resource_arn, name).
 */
#define LV_RESPOL_MAX_ARN 700     /* LV_LOGS_ARN_MAX */
struct lv_log_respol {
    char account[13];
    char region[64];
    char resource_arn[LV_RESPOL_MAX_ARN];   /* "" account-scoped */
    char name[1024];
    char revision_id[37];                   /* a UUID, new on each put */
    char *document;                         /* the policy text */
    int64_t updated_ms;                     /* lastUpdatedTime */
};

/* Frees what the store allocated in *p (its document). */
void lv_log_respol_release(struct lv_log_respol *p);

typedef int (*lv_log_respol_fn)(void *arg, const struct lv_log_respol *p);

/* Inserts p, or replaces the policy with p's key (its document, revision
 * and time): 1 replaced, 0 inserted. */
int lv_store_logs_respol_put(struct lv_store *s,
                             const struct lv_log_respol *p,
                             struct lv_err *err);
/*
 * The policies of (account, region) ordered by (resource_arn, name), each
 * > (after_arn, after_name) ("" "" from the start), at most limit (> 0):
 * account-scoped ones when resource_arn is NULL, else those scoped to
 * resource_arn ("" : those scoped to any resource). fn's non-zero return
 * stops the walk and is returned. The rows passed to fn are loans for the
 * call.
 */
int lv_store_logs_respol_list(struct lv_store *s, const char *account,
                              const char *region, const char *resource_arn,
                              const char *after_arn, const char *after_name,
                              int limit, lv_log_respol_fn fn, void *arg,
                              struct lv_err *err);
/* How many account-scoped policies (account, region) has, in *n. */
int lv_store_logs_respol_count(struct lv_store *s, const char *account,
                               const char *region, int64_t *n,
                               struct lv_err *err);
/* Deletes the policy (account, region, resource_arn, name) when its
 * revision is `revision` (NULL: any): 1 deleted, 0 no such row. */
int lv_store_logs_respol_delete(struct lv_store *s, const char *account,
                                const char *region, const char *resource_arn,
                                const char *name, const char *revision,
                                struct lv_err *err);
/* ---- field indexes (logs/fidx.h) -------------------------------------------
 * A group's index policy (PutIndexPolicy) and the index of each chunk
 * ingested while it had one (the blob of fidx.h, opaque here), kept beside
 * the chunk's row and gone with it (and with the group). */

/* Sets group_id's policy document (the client's JSON text) and its
 * lastUpdateTime. A group deleted meanwhile: ResourceNotFoundException
 * "The specified log group does not exist.". */
int lv_store_logs_index_policy_put(struct lv_store *s, int64_t group_id,
                                   const char *doc, int64_t now_ms,
                                   struct lv_err *err);
/* 1 with group_id's document in *doc (reset first) and *updated_ms, 0 when
 * it has none, -1 with *err. */
int lv_store_logs_index_policy_get(struct lv_store *s, int64_t group_id,
                                   struct lv_buf *doc, int64_t *updated_ms,
                                   struct lv_err *err);
/* 1 when group_id's policy was deleted, 0 when it had none. */
int lv_store_logs_index_policy_delete(struct lv_store *s, int64_t group_id,
                                      struct lv_err *err);
/* Stores the index of chunk_id (a chunk of group_id inserted in the same
 * transaction), built at scan_ms. */
int lv_store_logs_chunk_index_put(struct lv_store *s, int64_t group_id,
                                  int64_t chunk_id, int64_t scan_ms,
                                  const void *blob, size_t len,
                                  struct lv_err *err);
/* 1 with chunk_id's index in *blob (reset first; past blob->max: a
 * fault), 0 when the chunk has none. */
int lv_store_logs_chunk_index_get(struct lv_store *s, int64_t chunk_id,
                                  struct lv_buf *blob, struct lv_err *err);
/* Calls fn for every chunk index of group_id, by chunk id; fn's blob is
 * a loan for the call. fn's non-zero return stops the walk. */
typedef int (*lv_log_chunk_index_fn)(void *arg, int64_t chunk_id,
                                     int64_t scan_ms, const void *blob,
                                     size_t len);
int lv_store_logs_chunk_index_list(struct lv_store *s, int64_t group_id,
                                   lv_log_chunk_index_fn fn, void *arg,
                                   struct lv_err *err);
/* ---- delivery destinations (component "delivery") ----------------------- */

/*
 * A delivery destination of vended logs (PutDeliveryDestination): a name
 * in (account, region) that stands for the resource logs are delivered
 * to. logvault stores only those whose resource it hosts (a log group:
 * type "CWL"); logs/delivery_dest.c says why. policy: the
 * PutDeliveryDestinationPolicy document as given, "" when none.
 */
#define LV_DELIVERY_MAX_NAME 60
#define LV_DELIVERY_MAX_ARN 2048

struct lv_delivery_dest {
    char account[13];
    char region[64];
    char name[LV_DELIVERY_MAX_NAME + 1];
    char type[8];                   /* "CWL" */
    char resource_arn[LV_DELIVERY_MAX_ARN + 1];
    char output_format[16];         /* "" when not given */
    char *tags;                     /* JSON object, "{}" when none */
    char *policy;                   /* "" when none */
};

/* Frees what a record read from the store owns and NULLs it. */
void lv_delivery_dest_release(struct lv_delivery_dest *d);

typedef int (*lv_delivery_dest_fn)(void *arg,
                                   const struct lv_delivery_dest *d);

/* Creates d, or replaces type, resource_arn, output_format and tags of
 * the destination of that name (its policy is kept), in one statement. */
int lv_store_logs_dest_put(struct lv_store *s,
                           const struct lv_delivery_dest *d,
                           struct lv_err *err);

/* Destination `name` of (account, region): 1 found, 0 absent. */
int lv_store_logs_dest_get(struct lv_store *s, const char *account,
                           const char *region, const char *name,
                           struct lv_delivery_dest *out, struct lv_err *err);

/* DescribeDeliveryDestinations: by name ascending, after after_name (""
 * from the start), at most limit (> 0). fn's non-zero return stops the
 * walk and is returned. */
int lv_store_logs_dest_list(struct lv_store *s, const char *account,
                            const char *region, const char *after_name,
                            int limit, lv_delivery_dest_fn fn, void *arg,
                            struct lv_err *err);

/* 1 deleted, 0 no such destination. */
int lv_store_logs_dest_delete(struct lv_store *s, const char *account,
                              const char *region, const char *name,
                              struct lv_err *err);

/* Sets the policy ("" removes it) of the destination, touching no other
 * field: 1 set, 0 no such destination. */
int lv_store_logs_dest_set_policy(struct lv_store *s, const char *account,
                                  const char *region, const char *name,
                                  const char *policy, struct lv_err *err);

#endif
