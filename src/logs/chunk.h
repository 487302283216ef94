/*
 * chunk: the at-rest form of a run of log events — the events of one
 * PutLogEvents request for one stream (or a part of them), serialized,
 * compressed with zstd and encrypted with AES-256-GCM under a data key,
 * with the chunk's place bound as AAD so that a chunk cannot be moved to
 * another stream or group, replayed at another sequence number or
 * relabelled with other metadata.
 *
 * It does not pick data keys (datakey.h), talk to the store or to KMS, nor
 * sort, filter or page events (page.c, read.c, search.c). It never logs.
 *
 * The format is stable across restarts and versions; a change is a new
 * format byte.
 *
 * Serialization (the plaintext that is compressed), event after event:
 *
 *   varint  timestamp delta: ts[i] - ts[i-1], with ts[-1] = first_ts
 *           (events are in chronological order, so never negative)
 *   varint  message length in bytes (>= 1)
 *   bytes   the message (UTF-8, as the client sent it)
 *
 * varint = unsigned LEB128, at most 10 bytes. The number of events, the
 * first and last timestamps, the ingestion time (one per chunk) and the
 * raw size live in the chunk's row (struct lv_log_chunk), authenticated by
 * the AAD; the decoder checks that the events agree with them exactly.
 *
 * Payload (the bytes stored in logs_chunks.payload):
 *
 *   offset  size  field
 *   0       1     format, 0x01
 *   1       12    nonce, fresh random bytes for every chunk
 *   13      16    GCM tag
 *   29      n     ciphertext of one zstd frame (level 1, content size in
 *                 the frame header) of the serialization
 *
 * AAD (77 bytes): "lvchunk1", the format byte, then big-endian
 * group_id (8), stream_id (8), seq (8), first_ts (8), last_ts (8),
 * ingestion_time (8), n_events (4), raw_bytes (8), data_key_id (8).
 *
 * raw_bytes = sum of message bytes + 26 per event (AWS's measure of a
 * batch), which also bounds the decompressed size.
 */
#ifndef LV_LOGS_CHUNK_H
#define LV_LOGS_CHUNK_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;
struct lv_log_chunk;

#define LV_CHUNK_FORMAT_V1 0x01
#define LV_CHUNK_HEADER_BYTES (1 + 12 + 16)
/* AWS counts 26 bytes of overhead per event in a batch's size. */
#define LV_CHUNK_EVENT_OVERHEAD 26
/* A chunk holds at most this many raw bytes (message bytes + 26 per
 * event), unless one event alone is larger; PutLogEvents splits a batch
 * into chunks of this size so that a read decrypts little it does not
 * need. */
#define LV_CHUNK_TARGET_RAW (256 * 1024)
/* No chunk is larger than one batch may be. */
#define LV_CHUNK_MAX_RAW 1048576
#define LV_CHUNK_MAX_EVENTS 10000

/* One event: a loan of `len` bytes at msg (not NUL-terminated). */
struct lv_chunk_event {
    int64_t ts;
    const char *msg;
    size_t len;
};

/* Decoded events of one chunk. `data` holds plaintext and is wiped on
 * release; ev[i].msg points into it. With `shared` set, data and ev have
 * several holders (lv_chunk_plain_share), each of which only reads them. */
struct lv_chunk_shared;
struct lv_chunk_plain {
    char *data;
    size_t len;
    struct lv_chunk_event *ev;
    size_t n;
    struct lv_chunk_shared *shared;
};

#define LV_CHUNK_PLAIN_INIT { NULL, 0, NULL, 0, NULL }

/* Wipes and frees what p holds — when p is the last holder of shared
 * plaintext; before that it only lets go — leaving p empty
 * (LV_CHUNK_PLAIN_INIT). */
void lv_chunk_plain_release(struct lv_chunk_plain *p);

/* Makes *to (empty) one more holder of p's plaintext, without a copy: p
 * becomes shared if it was not. Thread-safe against other holders'
 * share and release; the plaintext is read-only from then on. */
void lv_chunk_plain_share(struct lv_chunk_plain *p, struct lv_chunk_plain *to);

/*
 * Fills meta's first_ts, last_ts, n_events and raw_bytes from the n events
 * (n >= 1, in chronological order). The caller sets the rest (ids, seq,
 * ingestion time, data key id) before lv_chunk_seal.
 */
void lv_chunk_describe(const struct lv_chunk_event *ev, size_t n,
                       struct lv_log_chunk *meta);

/*
 * Serializes the n events (they must match meta as lv_chunk_describe
 * makes it, else LV_BUG), compresses them (zstd level 1, one compression
 * context per thread) and encrypts them under `key` with meta as AAD,
 * appending the payload to *payload. Returns 0, or -1 with
 * LV_E_SERVICE_UNAVAILABLE when compression or OpenSSL fails or the
 * payload would pass payload->max (then *payload is as it was). No
 * plaintext is left behind in memory that this function allocated.
 */
int lv_chunk_seal(const uint8_t key[32], const struct lv_log_chunk *meta,
                  const struct lv_chunk_event *ev, size_t n,
                  struct lv_buf *payload, struct lv_err *err);

/*
 * Authenticates and decrypts `payload` (len bytes) with `key` and meta as
 * AAD, decompresses and decodes it into *out (released first). Returns 0,
 * or -1 with LV_E_SERVICE_UNAVAILABLE ("stored chunk is corrupt") when any
 * byte of payload or meta differs from what was sealed, the key is wrong,
 * or the content does not decode exactly into meta->n_events events whose
 * timestamps run from meta->first_ts to meta->last_ts in order and whose
 * sizes add up to meta->raw_bytes. Never reads outside its inputs, on any
 * input; on failure *out is empty.
 */
int lv_chunk_open(const uint8_t key[32], const struct lv_log_chunk *meta,
                  const void *payload, size_t len,
                  struct lv_chunk_plain *out, struct lv_err *err);

/*
 * The step of lv_chunk_open after decryption: decompresses one zstd frame
 * (len bytes) and decodes the events as lv_chunk_open does, against meta.
 * Exposed for the fuzzer and tests; same contract.
 */
int lv_chunk_decode(const struct lv_log_chunk *meta, const void *frame,
                    size_t len, struct lv_chunk_plain *out,
                    struct lv_err *err);

#endif
