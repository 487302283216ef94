/*
 * audit_store: the audit trail's records in the store (schema component
 * "audit"), in domain terms: one record per recorded request (what
 * CloudTrail's record of it says, kept compact by src/audit/, which
 * renders the JSON),
 * with the columns LookupEvents selects on beside it, chained per
 * (account, region) by hashes for tamper evidence, and the signed digests
 * of those chains.
 *
 * The store does not build, hash or sign anything: src/audit/ computes a
 * record's place in its chain (seq, prev_hash, hash) under
 * lv_store_audit_chain_head()'s lock and hands it over whole. Every
 * function acts on the calling thread's connection and joins a transaction
 * opened with lv_store_begin(). Functions returning int answer 0 (or 1
 * found / 0 absent for getters) and -1 with *err (LV_E_SERVICE_UNAVAILABLE)
 * on a store fault. The operations are listed in audit_ops.def, like
 * kms_ops.def and logs_ops.def.
 *
 * No record holds a plaintext, a data key or a secret: only what
 * CloudTrail records (src/audit/ sees to it).
 */
#ifndef LV_STORE_AUDIT_STORE_H
#define LV_STORE_AUDIT_STORE_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;
struct lv_store;

#define LV_AUDIT_HASH_BYTES 32

/* One resource a record names (LookupEvents' Resources, and the
 * ResourceType / ResourceName lookup attributes). */
struct lv_audit_resource {
    char type[64];                  /* "AWS::KMS::Key", "AWS::Logs::LogGroup" */
    char name[2049];                /* usually an ARN */
};

#define LV_AUDIT_MAX_RESOURCES 4

struct lv_audit_record {
    int64_t id;                     /* store id, assigned by append: its
                                     * row's, or its batch's (below) */
    char account[13];               /* recipientAccountId: whose trail */
    char region[64];
    int64_t seq;                    /* place in the (account, region)
                                     * chain: 1, 2, 3 … */
    int64_t event_time_ms;          /* eventTime, epoch ms */
    char event_id[37];              /* eventID, a UUID */
    char request_id[64];            /* requestID */
    char event_source[64];          /* "kms.amazonaws.com" */
    char event_name[64];            /* "Encrypt" */
    int read_only;                  /* readOnly */
    int key_use;                    /* 1: a cryptographic operation on a
                                     * KMS key (GetKeyLastUsage) */
    char username[256];             /* LookupEvents' Username */
    char access_key_id[129];        /* "" for a service's own calls */
    char error_code[128];           /* "" when the request succeeded */
    int n_resources;
    struct lv_audit_resource resources[LV_AUDIT_MAX_RESOURCES];
    char *event;                    /* what the record says, text: its
                                     * compact form (audit/event.h:
                                     * lv_audit_event_render() gives the
                                     * CloudTrail JSON), or the JSON of a
                                     * record written before it */
    char *trace;                    /* the explainer's trace of a refusal,
                                     * JSON text; NULL when none */
    uint8_t prev_hash[LV_AUDIT_HASH_BYTES];
    uint8_t hash[LV_AUDIT_HASH_BYTES];
    int enc2;                       /* 1: kept in a batch of format 2 or
                                     * 3, and hashed as chain.h's v2 (over
                                     * its enc2 bytes, below) or v3 (over
                                     * their head and their tail's hash:
                                     * tail_hashed); 0: hashed as
                                     * chain.h's v1 (a single row, or a
                                     * batch of format 1) */
    int tail_hashed;                /* with enc2: 1 for v3, 0 for v2 */
    int event_id_derived;           /* 1: a batched record whose place
                                     * gives its event_id (audit_eid.h):
                                     * none is stored, and its hash and
                                     * enc2 have none (lv_audit_fields_of) */
};

/* Frees what a record read from the store owns (event, trace) and zeroes
 * them; the struct itself is the caller's. */
void lv_audit_record_release(struct lv_audit_record *r);

typedef int (*lv_audit_record_fn)(void *arg, const struct lv_audit_record *r);

/* LookupEvents' one lookup attribute (AttributeKey, AttributeValue). */
enum lv_audit_attr {
    LV_AUDIT_ATTR_NONE,
    LV_AUDIT_ATTR_EVENT_ID,
    LV_AUDIT_ATTR_EVENT_NAME,
    LV_AUDIT_ATTR_READ_ONLY,        /* value "true" / "false" */
    LV_AUDIT_ATTR_USERNAME,
    LV_AUDIT_ATTR_RESOURCE_TYPE,
    LV_AUDIT_ATTR_RESOURCE_NAME,
    LV_AUDIT_ATTR_EVENT_SOURCE,
    LV_AUDIT_ATTR_ACCESS_KEY_ID,
};

struct lv_audit_filter {
    enum lv_audit_attr attr;
    const char *value;              /* exact match; NULL with ATTR_NONE */
    int64_t start_ms;               /* event_time_ms >= start_ms */
    int64_t end_ms;                 /* event_time_ms <= end_ms */
};

/*
 * The head of the chain of (account, region): the seq and hash of its
 * last record (0 and all-zero when it has none, or when every record was
 * expired and the chain restarts from its base: see expire). Locks the
 * chain against every other appender, in this process and any other
 * sharing the store, until the caller's transaction ends; so it must be
 * called inside one, and append must follow in the same transaction.
 */
int lv_store_audit_chain_head(struct lv_store *s, const char *account,
                              const char *region, int64_t *seq,
                              uint8_t hash[LV_AUDIT_HASH_BYTES],
                              struct lv_err *err);

/* Inserts r (its seq, prev_hash and hash already set by the caller under
 * chain_head's lock) with its resources, sets r->id, and makes it the
 * head of its chain. */
int lv_store_audit_append(struct lv_store *s, struct lv_audit_record *r,
                          struct lv_err *err);

/*
 * The records of (account, region) that pass f, single rows and batched
 * alike, newest first (by event_time_ms, then seq, both descending: seq
 * is unique in a chain), after the cursor (before_time_ms, before_seq):
 * only records older than it (pass INT64_MAX, INT64_MAX for the first
 * page), at most `limit` (> 0). fn may stop the walk by returning non-zero
 * (that value is returned).
 */
int lv_store_audit_list(struct lv_store *s, const char *account,
                        const char *region, const struct lv_audit_filter *f,
                        int64_t before_time_ms, int64_t before_seq, int limit,
                        lv_audit_record_fn fn, void *arg,
                        struct lv_err *err);

/* The records of `account` (any region) whose requestID is request_id (a
 * request made by a service on the caller's behalf may have several) and
 * that keep the explainer's trace of a refusal, the only records looked
 * up by requestID (a batch's ids set names the requestIDs of those
 * only): the single rows in id order, then the batched ones, newest
 * batch first. */
int lv_store_audit_traces_by_request(struct lv_store *s, const char *account,
                              const char *request_id, lv_audit_record_fn fn,
                              void *arg, struct lv_err *err);

/* The newest record (by event_time_ms, then seq) with key_use set, no
 * error_code, and a resource of type "AWS::KMS::Key" named key_arn: 1
 * with *out filled (release it), 0 when there is none. */
int lv_store_audit_key_last_use(struct lv_store *s, const char *key_arn,
                                struct lv_audit_record *out,
                                struct lv_err *err);

/*
 * Every record of the chain of (account, region) with seq > after_seq,
 * single rows and batched alike, in seq order, for verification.
 * *base_seq and base_hash are the chain's base: the seq and hash of the
 * last record expired from it (0 and zeros when none), which the first
 * record left must follow. A batch whose body cannot be read (changed
 * underneath) is logged and passed over: its places read as removed.
 */
int lv_store_audit_chain_walk(struct lv_store *s, const char *account,
                              const char *region, int64_t after_seq,
                              int64_t *base_seq,
                              uint8_t base_hash[LV_AUDIT_HASH_BYTES],
                              lv_audit_record_fn fn, void *arg,
                              struct lv_err *err);

/*
 * Appends v[0] … v[n-1] (n >= 1), records of one chain whose seq, prev_hash
 * and hash the caller set under chain_head's lock (consecutive places, in
 * order; each prev_hash the hash before it), as one batch of format 4
 * (below: a batched record is hashed as chain.h's v3, and reads back with
 * enc2 and tail_hashed set), and makes the last the head of its chain.
 * Sets each record's id to the batch's row id. Joins the caller's
 * transaction like append.
 */
int lv_store_audit_append_batch(struct lv_store *s,
                                struct lv_audit_record *const *v, size_t n,
                                struct lv_err *err);

/*
 * ---- a batched record's bytes (formats 2 and 3) --------------------------
 *
 * enc2(r), what a record of a batch is hashed over and was in the store
 * (formats 3 and 4 keep a run of equal tails once, format 4 the head's
 * ids as 16 bytes: audit_store.c), byte for byte, in this order:
 *     varint  event_time_ms (as uint64)
 *     str     event_id, request_id, event_source, event_name
 *     byte    flags: 1 read_only, 2 key_use, 4 has a trace
 *     str     username, access_key_id, error_code
 *     byte    n_resources, then str type, str name for each
 *     str     event
 *     str     trace (when flags has 4)
 * varint: unsigned LEB128, shortest form; str: varint length, then the
 * bytes (no NUL). The recorder's writer builds these bytes once per
 * record, while the record is in flight (src/audit/audit.c); the chain
 * hashes them as they are (chain.h, v3: the head, varint to request_id,
 * and a hash of the tail, the rest) and the store keeps them as they
 * are: nothing encodes a record twice. Verification rebuilds them from a
 * decoded record's fields (lv_audit_enc2_of), which gives the same bytes
 * for the same fields: one writer, no choices.
 */

/* A text of a record, by pointer and length (not NUL-terminated). */
struct lv_audit_text {
    const char *p;
    size_t n;
};

/* The fields enc2 is made of, as views. */
struct lv_audit_fields {
    int64_t event_time_ms;
    int read_only;
    int key_use;
    int has_trace;
    int n_resources;                /* 0 … LV_AUDIT_MAX_RESOURCES */
    struct lv_audit_text event_id, request_id, event_source, event_name;
    struct lv_audit_text username, access_key_id, error_code;
    struct lv_audit_text res_type[LV_AUDIT_MAX_RESOURCES];
    struct lv_audit_text res_name[LV_AUDIT_MAX_RESOURCES];
    struct lv_audit_text event, trace;
};

/* r's fields as views into r (valid while r is; r->n_resources clamped
 * to 0 … LV_AUDIT_MAX_RESOURCES, fixed fields read up to their size). */
void lv_audit_fields_of(const struct lv_audit_record *r,
                        struct lv_audit_fields *f);

/* The exact length of enc2 of f. */
size_t lv_audit_enc2_size(const struct lv_audit_fields *f);

/* Writes enc2 of f at p (lv_audit_enc2_size(f) bytes of room) and returns
 * its end. at, when not NULL, receives f's views re-pointed into the
 * bytes written (at may be f). */
uint8_t *lv_audit_enc2_put(uint8_t *p, const struct lv_audit_fields *f,
                           struct lv_audit_fields *at);

/* The fields of enc2 bytes p … p + n - 1 as views into them: 0, or -1
 * when they are not exactly one record's enc2. */
int lv_audit_enc2_read(const uint8_t *p, size_t n,
                       struct lv_audit_fields *f);

/*
 * enc2 in two parts: its head, the fields that differ from one request to
 * the next (event_time_ms, event_id, request_id), and its tail, every
 * field after them, which a run of one client's requests shares (the
 * recorder reuses it, src/audit/event.c). A record's enc2 is its head's
 * bytes, then its tail's.
 */
size_t lv_audit_enc2_head_size(int64_t event_time_ms,
                               const struct lv_audit_text *event_id,
                               const struct lv_audit_text *request_id);
uint8_t *lv_audit_enc2_put_head(uint8_t *p, int64_t event_time_ms,
                                const struct lv_audit_text *event_id,
                                const struct lv_audit_text *request_id);

/* Appends enc2 of r to out: 0, or -1 past out->max. */
int lv_audit_enc2_of(const struct lv_audit_record *r, struct lv_buf *out);

/* A record for append_flat: its enc2 bytes, its fields as views into
 * them (lv_audit_enc2_read: for the sets lookups select on), whether its
 * tail is the one of the record before it in its run (same_tail: hashed
 * and kept once, chain.h v3 and format 4), and its hash (chain.h v3). */
struct lv_audit_flat {
    const uint8_t *rec;             /* its enc2, or its head alone when */
    size_t rec_len;                 /* tail is set by the caller */
    const uint8_t *tail;            /* NULL: in rec, after the head */
    size_t tail_len;
    struct lv_audit_fields f;
    size_t head_len;                /* enc2's head: the first bytes */
    int same_tail;
    uint8_t hash[LV_AUDIT_HASH_BYTES];
};

/* Reads f's fields from its bytes (f->rec, f->rec_len, and f->tail when
 * the caller set it; else it is set to the tail's place in rec) as
 * lv_audit_enc2_read does, and sets its head_len and same_tail: prev is
 * the record before it in its run (NULL for the first), read before it;
 * when its tail is the same, only f's head is read and the tail's views
 * are prev's (valid while prev's bytes are). 0, or -1 as enc2_read. */
int lv_audit_flat_read(struct lv_audit_flat *f,
                       const struct lv_audit_flat *prev);

/*
 * Appends v[0] … v[n-1] (n >= 1) to the chain of (account, region) as one
 * batch of format 4 at places seq_first … seq_first + n - 1, the first
 * following prev_hash (the head chain_head gave), each with its hash as
 * the caller set it (chain.h v3, over its enc2 bytes' head and its tail's
 * hash), and makes the last the head of its chain. *id: the batch's row
 * id. Joins the caller's transaction like append_batch.
 */
int lv_store_audit_append_flat(struct lv_store *s, const char *account,
                               const char *region, int64_t seq_first,
                               const uint8_t prev_hash[LV_AUDIT_HASH_BYTES],
                               struct lv_audit_flat *const *v, size_t n,
                               int64_t *id, struct lv_err *err);

/*
 * ---- batches: how the records above are kept --------------------------
 *
 * A change's record is one row of its own (append: it is written in the
 * change's transaction). The recorder's writer keeps everything else —
 * read-only and refused requests, by far the most — in batches
 * (append_batch): one row per run of consecutive records of one chain
 * (seq_first … seq_last, no gap), their content encoded and compressed
 * with zstd in `body` (audit_store.c's codec, below), beside what a
 * lookup selects batches on — the time range of their records, and the
 * sets of values present (attrs, ids) — so that a record costs a share of
 * one row and no index entry. A batched record's id is its batch's row id
 * (its place is its seq).
 *
 * The lists above combine the backend's operations below (audit_ops.def):
 * rows_* read single rows only, batch_* read and write batch rows; the
 * backend never decodes a body.
 */

/* The meta key of the store's salt for derived eventIDs (audit_eid.h),
 * 16 random bytes its migrations draw. */
#define LV_AUDIT_EID_SALT "audit.eid_salt"

struct lv_audit_eid;

/* The store's permutation of region's derived eventIDs (audit_eid.h) into
 * *p. 0, or -1 with *err when the salt cannot be read. */
int lv_store_audit_eid(struct lv_store *s, const char *region,
                       struct lv_audit_eid *p, struct lv_err *err);

/* attrs: each line "<tag>:<value>", each present value once, every line
 * framed by '\n' ("\nN:Encrypt\nU:alice\n"); a newline in a value reads
 * as a space (a batch is selected on its sets, each record then matched
 * exactly). ids: "\nE:<eventID>\n" for each record whose eventID is
 * stored (not one its place gives it, audit_eid.h: a lookup by such an id
 * goes to its place) and "\nQ:<requestID>\n" for each record that keeps
 * the explainer's trace (traces_by_request; batches written before both
 * rules hold every record's ids), each
 * id cut to its first LV_AUDIT_ID_PREFIX bytes (batches of format 3 hold
 * 12, older ones whole ids): a lookup by id searches for
 * "\nE:<its prefix>" unframed at its end, which finds all of them, and
 * matches the records of the batches found exactly. A UUID's first 8
 * characters hold 32 random bits: another record's id shares them once in
 * 2^32, which costs that lookup one more batch read (one in four million
 * batches of 1,024 records), never a wrong record; whole, the ids were
 * 40% of what the writer stored per record, and what it stores is what
 * recording costs it most (audit_store.c, format 4). */
#define LV_AUDIT_ID_PREFIX 8
#define LV_AUDIT_TAG_EVENT_NAME 'N'
#define LV_AUDIT_TAG_READ_ONLY 'O'      /* "O:true", "O:false" */
#define LV_AUDIT_TAG_USERNAME 'U'
#define LV_AUDIT_TAG_RESOURCE_TYPE 'T'
#define LV_AUDIT_TAG_RESOURCE_NAME 'R'
#define LV_AUDIT_TAG_EVENT_SOURCE 'S'
#define LV_AUDIT_TAG_ACCESS_KEY_ID 'A'
#define LV_AUDIT_TAG_KEY_USED 'K'       /* a key_use record without error
                                         * naming this AWS::KMS::Key */
#define LV_AUDIT_TAG_EVENT_ID 'E'       /* in ids */
#define LV_AUDIT_TAG_REQUEST_ID 'Q'     /* in ids */

struct lv_audit_batch {
    int64_t id;                     /* store id, assigned by insert */
    char account[13];
    char region[64];
    int64_t seq_first;
    int64_t seq_last;
    int64_t time_min;               /* of its records' event_time_ms */
    int64_t time_max;
    char *attrs;                    /* see above */
    char *ids;
    uint8_t last_hash[LV_AUDIT_HASH_BYTES]; /* record seq_last's: the
                                             * chain's base when expiry
                                             * deletes up to it */
    uint8_t *body;                  /* one zstd frame; NULL as search and
                                     * walk give a batch (batch_body reads
                                     * it) */
    size_t body_len;
};

/* Frees what a batch read from the store owns and zeroes it. */
void lv_audit_batch_release(struct lv_audit_batch *b);

/* The records of b (a batch with its body, as batch_body reads it), each
 * handed to fn in seq order, as list, by_request and chain_walk decode
 * them: 0 when done, fn's non-zero value when fn stopped. A body that does
 * not decode exactly (changed underneath) is logged by batch id and the
 * rest of its records are passed over, as a read of the store passes them
 * over. (The store's readers decode the same way; the body's fuzzer
 * goes through this.) */
int lv_audit_batch_decode(const struct lv_audit_batch *b,
                          lv_audit_record_fn fn, void *arg);

typedef int (*lv_audit_batch_fn)(void *arg, const struct lv_audit_batch *b);

/* The single-row parts of list, by_request, key_last_use and chain_walk
 * (same contracts, single rows only). */
int lv_store_audit_rows_list(struct lv_store *s, const char *account,
                             const char *region,
                             const struct lv_audit_filter *f,
                             int64_t before_time_ms, int64_t before_seq,
                             int limit, lv_audit_record_fn fn, void *arg,
                             struct lv_err *err);
int lv_store_audit_rows_by_request(struct lv_store *s, const char *account,
                                   const char *request_id,
                                   lv_audit_record_fn fn, void *arg,
                                   struct lv_err *err);
int lv_store_audit_rows_key_last_use(struct lv_store *s, const char *key_arn,
                                     struct lv_audit_record *out,
                                     struct lv_err *err);
int lv_store_audit_rows_chain_walk(struct lv_store *s, const char *account,
                                   const char *region, int64_t after_seq,
                                   int64_t *base_seq,
                                   uint8_t base_hash[LV_AUDIT_HASH_BYTES],
                                   lv_audit_record_fn fn, void *arg,
                                   struct lv_err *err);

/* Inserts b (every field but id set), sets b->id, and makes (seq_last,
 * last_hash) the head of its chain: under chain_head's lock, in the
 * caller's transaction (or one of its own outside any). */
int lv_store_audit_batch_insert(struct lv_store *s, struct lv_audit_batch *b,
                                struct lv_err *err);

/*
 * The batches (without their bodies) of `account` and `region` (either
 * NULL: any) whose time
 * range meets [from_ms, to_ms] (time_max >= from_ms, time_min <= to_ms)
 * and whose attrs (in_ids 0) or ids (1) contain `term` (a framed line,
 * "\nN:Encrypt\n", or an id's prefix line, "\nE:0f8c1a2e-111", above;
 * NULL: any), newest first (time_max, then id,
 * descending). fn may stop the walk (its non-zero value is returned).
 */
int lv_store_audit_batch_search(struct lv_store *s, const char *account,
                                 const char *region, int in_ids,
                                 const char *term, int64_t from_ms,
                                 int64_t to_ms, lv_audit_batch_fn fn,
                                 void *arg, struct lv_err *err);

/* The batches of the chain of (account, region) with seq_last >
 * after_seq, in seq_first order. fn may stop the walk. */
int lv_store_audit_batch_walk(struct lv_store *s, const char *account,
                              const char *region, int64_t after_seq,
                              lv_audit_batch_fn fn, void *arg,
                              struct lv_err *err);

/* The body of batch `id` into b->body and b->body_len (malloc'd; release
 * b): 1, or 0 when there is no such batch (expired since it was listed).
 * Search and walk leave bodies out, so that a list holds one body at a
 * time and reads only those it decodes. */
int lv_store_audit_batch_body(struct lv_store *s, int64_t id,
                              struct lv_audit_batch *b, struct lv_err *err);

/* Every chain the store holds (its account and region), for verification
 * and for the digest task. */
typedef int (*lv_audit_chain_fn)(void *arg, const char *account,
                                 const char *region);
int lv_store_audit_chains(struct lv_store *s, lv_audit_chain_fn fn, void *arg,
                          struct lv_err *err);

/* Deletes every record with event_time_ms < before_ms (CloudTrail keeps
 * 90 days of event history) — a batch once its newest record is that
 * old — and, so that no gap is left, every record before it in its chain,
 * moving each chain's base to the last record it deleted from that chain;
 * *n is how many records it deleted. Atomic. */
int lv_store_audit_expire(struct lv_store *s, int64_t before_ms, int64_t *n,
                          struct lv_err *err);

/*
 * Digests: at an interval, the head of each chain signed (HMAC under a key
 * derived from the root key, by src/audit/), like CloudTrail's digest
 * files. A digest covers the chain up to seq `head_seq` whose hash is
 * head_hash, for the records between start_ms and end_ms, and names the
 * digest before it (prev_signature, all zeros for the first).
 */
struct lv_audit_digest {
    int64_t id;                     /* store id, assigned by insert */
    char account[13];
    char region[64];
    int64_t start_ms;
    int64_t end_ms;
    int64_t head_seq;
    uint8_t head_hash[LV_AUDIT_HASH_BYTES];
    uint8_t prev_signature[LV_AUDIT_HASH_BYTES];
    uint8_t signature[LV_AUDIT_HASH_BYTES];
};

typedef int (*lv_audit_digest_fn)(void *arg, const struct lv_audit_digest *d);

int lv_store_audit_digest_insert(struct lv_store *s,
                                 struct lv_audit_digest *d,
                                 struct lv_err *err);
/* The digests of (account, region) in id order. */
int lv_store_audit_digest_list(struct lv_store *s, const char *account,
                               const char *region, lv_audit_digest_fn fn,
                               void *arg, struct lv_err *err);
/* The newest digest of (account, region): 1 with *out, 0 when none. */
int lv_store_audit_digest_last(struct lv_store *s, const char *account,
                               const char *region,
                               struct lv_audit_digest *out,
                               struct lv_err *err);

#endif
