/*
 * datakey: the data keys that encrypt a log group's chunks (DESIGN.md
 * "Encryption at rest") — which one a write uses, how a read gets the
 * plaintext of the one a chunk names, and a short-lived in-memory cache of
 * plaintext keys.
 *
 * A group with a KMS key gets its data keys from KMS GenerateDataKey, as
 * the principal logs.<region>.amazonaws.com with the encryption context
 * {"aws:logs:arn": <group ARN without :*>}; only the KMS ciphertext blob
 * is stored (logs_data_keys, with the key's ARN). A group without one uses
 * the service's own key: HKDF-SHA256 of the root key with the info
 * "logvault logs service key v1" + account + region wraps a random data
 * key with AES-256-GCM (kms_key_arn ""):
 *
 *   0x01 | nonce (12) | tag (16) | ciphertext (32)
 *   AAD = "lvdatakey1" | group id (8, BE) | created_ms (8, BE)
 *
 * A write reuses the group's current data key for up to
 * LV_DATAKEY_REUSE_MS or LV_DATAKEY_REUSE_CHUNKS chunks, and takes a new
 * one as soon as the group's associated key differs from the data key's
 * (AssociateKmsKey / DisassociateKmsKey). Plaintext keys stay cached for
 * LV_DATAKEY_CACHE_MS at most and are wiped on eviction. A cached key
 * under a KMS key is never used without asking KMS first, once per
 * request: the KMS client's authorize (lv_kms_svc_authorize) for
 * GenerateDataKey (writes) or Decrypt (reads) with the group's context — so disabling the key, scheduling its
 * deletion, deleting it or changing its policy takes effect on the very
 * next request.
 *
 * Errors: a KMS key that can no longer be used → AccessDeniedException
 * "The specified KMS key does not exist or is not allowed to be used with
 * Arn '<group ARN>': <KMS's reason, naming the key>"; a store fault →
 * ServiceUnavailableException. Not here: the chunk format (chunk.h).
 */
#ifndef LV_LOGS_DATAKEY_H
#define LV_LOGS_DATAKEY_H

#include <stddef.h>
#include <stdint.h>

#include "logs/logs_int.h"

struct lv_buf;
struct lv_chunk_plain;
struct lv_err;
struct lv_log_chunk;

#define LV_DATAKEY_REUSE_MS (5 * 60 * 1000)
#define LV_DATAKEY_REUSE_CHUNKS 100000
#define LV_DATAKEY_CACHE_MS (5 * 60 * 1000)

/* What one request has already been allowed to do with which KMS key. */
#define LV_DATAKEY_MEMO 8
struct lv_datakey_session {
    struct lv_req *rq;
    struct lv_logs *logs;               /* rq->app->logs */
    const struct lv_log_group *g;
    char group_arn[LV_LOGS_ARN_MAX];    /* without ":*", the context */
    struct {
        char key_arn[256];
        const char *action;
    } ok[LV_DATAKEY_MEMO];
    int n_ok;
};

/* Starts a session for one request on group g (both borrowed for the
 * session's life), with the service object rq->app->logs. */
void lv_datakey_session_init(struct lv_datakey_session *ds,
                             struct lv_req *rq, const struct lv_log_group *g);

/*
 * The data key for the next n_chunks chunks of the session's group: its
 * id in *id and its plaintext in key (the caller wipes it). May create and
 * store a new data key (its own small transaction, committed before this
 * returns). Returns 0 or -1 with *err (see the header's Errors).
 */
int lv_datakey_for_write(struct lv_datakey_session *ds, int n_chunks,
                         int64_t *id, uint8_t key[32], struct lv_err *err);

/*
 * The plaintext of data key `id`, which must belong to the session's
 * group (else ServiceUnavailable: the store is inconsistent). Returns 0 or
 * -1 with *err (see the header's Errors).
 */
int lv_datakey_for_read(struct lv_datakey_session *ds, int64_t id,
                        uint8_t key[32], struct lv_err *err);

/*
 * Reads stored chunk c for a read request: its payload from the store into
 * *payload (a scratch buffer the caller keeps across chunks; its max must
 * hold the largest payload), its data key through lv_datakey_for_read, and
 * opens it (lv_chunk_open) into *out. Returns 1 opened; 0 the chunk is gone
 * (retention deleted it meanwhile: nothing to read), *out untouched; -1
 * with *err: AccessDeniedException when the data key's KMS key can no
 * longer be used, ServiceUnavailableException on a store fault or a chunk
 * that does not open (logged). The plaintext key is wiped before return.
 */
int lv_datakey_open_chunk(struct lv_datakey_session *ds,
                          const struct lv_log_chunk *c,
                          struct lv_buf *payload, struct lv_chunk_plain *out,
                          struct lv_err *err);

/*
 * Would a read of the session's group through the KMS key associated with
 * it now be allowed (KMS Decrypt's authorization and key state, as
 * lv_datakey_for_read asks it)? 0 when allowed or when the group has no
 * KMS key; else -1 with *err (see the header's Errors). For a reader that
 * holds on (a live tail) and must stop once the key can no longer be
 * used, even while no new chunk arrives.
 */
int lv_datakey_check_read(struct lv_datakey_session *ds, struct lv_err *err);

/* The plaintext key cache of one Logs service object (struct lv_logs):
 * new; free, which wipes it (NULL is a no-op); clear, which wipes and
 * drops every key. */
struct lv_datakey_cache;
struct lv_datakey_cache *lv_datakey_cache_new(void);
void lv_datakey_cache_free(struct lv_datakey_cache *dc);
void lv_datakey_cache_clear(struct lv_datakey_cache *dc);

#endif
