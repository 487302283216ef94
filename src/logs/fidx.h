/*
 * fidx: field indexes (PutIndexPolicy) — the index policy document and
 * the per-chunk index that lets an Insights query skip a chunk which
 * cannot hold an event whose indexed field equals the value asked.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * CloudWatchLogs-Field-Indexing.html and API_PutIndexPolicy.html:
 * a policy is {"Fields": ["requestId", ...]} (and/or "FieldsV2":
 * {"name": {"type": "FIELD_INDEX" | "FACET"}}, names disjoint from
 * Fields); "As many as 20 fields can be included in the policy. Each
 * field name can include as many as 100 characters."
 *
 * The chunk index (built at ingest, when a chunk's events are final,
 * stored beside the chunk's row): for each field of the policy, the
 * distinct values the chunk's events hold for it, as the Insights engine
 * discovers fields (lv_iq_discover_each: JSON flattened "a.b.c"), each
 * value by the text the engine compares (a string's bytes, a number's or
 * a boolean's text as lv_iq_val_text writes it; maps and lists, which
 * never compare equal, are not kept). A query uses the index only for
 * `field = 'text'` / `field in ['text', ...]` with string literals that
 * are not numbers: the engine then compares texts byte for byte
 * (insights/eval.c compare()), so a value absent from the index proves
 * that no event of the chunk matches. A field with more
 * than LV_FIDX_MAX_VALUES distinct values in one chunk is recorded as
 * "not indexed" for that chunk (never skipped).
 *
 * Each value is kept as the first 8 bytes of HMAC-SHA256(key, field NUL
 * value), key a per-group key from the keyring, so the stored index does
 * not reveal event text to whoever reads the store without the root key.
 * False positives: a value absent from a chunk is taken as present when
 * its 64-bit hash equals one of the chunk's k hashes — probability at
 * most k / 2^64 per lookup (k <= 4096: < 2.3e-16); never a false
 * negative.
 *
 * Blob (all integers big-endian):
 *   1 byte   format, 0x01
 *   2 bytes  number of fields
 *   per field:
 *     1 byte   name length (1..100), then the name
 *     8 bytes  first_ts, 8 bytes last_ts: the earliest and latest event
 *              of the chunk holding the field (0, 0 when none does)
 *     4 bytes  number of hashes, 0xffffffff = not indexed in this chunk
 *     8 bytes  each hash, strictly ascending
 * A field of the policy that no event of the chunk holds has 0 hashes.
 * The system fields (@message, @timestamp, @ingestionTime, @logStream,
 * @log, @ptr) come from the event's envelope, not its message: they are
 * always recorded as not indexed.
 */
#ifndef LV_LOGS_FIDX_H
#define LV_LOGS_FIDX_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;
struct lv_chunk_event;

#define LV_FIDX_MAX_FIELDS 20
#define LV_FIDX_MAX_FIELD_LEN 100
#define LV_FIDX_MAX_VALUES 4096
/* PolicyDocument's max in the model. */
#define LV_FIDX_MAX_DOC 51200
#define LV_FIDX_FORMAT 0x01
#define LV_FIDX_NOT_INDEXED 0xffffffffu

struct lv_fidx_policy {
    char *fields[LV_FIDX_MAX_FIELDS];   /* owned, NUL-terminated */
    unsigned char facet[LV_FIDX_MAX_FIELDS];    /* 1: FieldsV2 type
                                                 * FACET (indexed the
                                                 * same way) */
    size_t n;
};

#define LV_FIDX_POLICY_INIT { { NULL }, { 0 }, 0 }

/*
 * Parses and validates an index policy document (len bytes, not
 * necessarily NUL-terminated) into *out (released first): 0, or -1 with
 * InvalidParameterException saying what is wrong (not JSON, not an
 * object, no field, more than 20, a name empty or longer than 100, a
 * name twice, a FieldsV2 type other than FIELD_INDEX or FACET). Never
 * reads outside its input.
 */
int lv_fidx_policy_parse(const char *doc, size_t len,
                         struct lv_fidx_policy *out, struct lv_err *err);
void lv_fidx_policy_release(struct lv_fidx_policy *p);

/* The 32-byte hashing key of a group (keyring derivation
 * "logs-field-index", context the group id). */
struct lv_keyring;
void lv_fidx_group_key(const struct lv_keyring *kr, int64_t group_id,
                       uint8_t key[32]);

/* Appends the index of the n events for policy p to *out (see the blob
 * above). p with no field appends nothing. */
void lv_fidx_build(const struct lv_fidx_policy *p, const uint8_t key[32],
                   const struct lv_chunk_event *ev, size_t n,
                   struct lv_buf *out);

/*
 * Whether the chunk whose index is blob[0..len) may hold an event whose
 * `field` is the string value[0..vlen): 0 when the index proves it does
 * not, 1 when it may, -1 when the blob does not index the field (or is
 * malformed: never read outside it) — then the chunk must be read.
 */
int lv_fidx_may_hold(const void *blob, size_t len, const uint8_t key[32],
                     const char *field, const char *value, size_t vlen);

/* Calls fn for each field the blob indexes that some event of the chunk
 * holds (first_ts <= last_ts, a value seen). -1 when malformed. */
typedef void lv_fidx_field_fn(void *arg, const char *field, size_t len,
                              int64_t first_ts, int64_t last_ts);
int lv_fidx_each_field(const void *blob, size_t len, lv_fidx_field_fn *fn,
                       void *arg);

#endif
