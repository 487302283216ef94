/*
 * chain: the tamper evidence of the audit trail (issue 13, §4), like
 * CloudTrail's log file integrity validation. Each (account, region)'s
 * records form a hash chain; at an interval a digest of the chain's head
 * is signed with a key derived from the root key; verification walks a
 * chain and its digests and reports every record changed, removed or
 * inserted and every broken digest.
 *
 * A record's hash (LV_AUDIT_HASH_BYTES, SHA-256) is
 *     SHA-256(prev_hash || encode(r))
 * where prev_hash is the hash of the record before it in its chain (the
 * chain's base hash for the first: all zeros for a chain never expired)
 * and encode(r) is the canonical encoding of every stored field of r
 * except its store id, prev_hash and hash:
 *     "logvault audit record v1" NUL
 *     str(account) str(region) i64(seq) i64(event_time_ms)
 *     str(event_id) str(request_id) str(event_source) str(event_name)
 *     i64(read_only ? 1 : 0) i64(key_use ? 1 : 0)
 *     str(username) str(access_key_id) str(error_code)
 *     i64(n_resources) then str(type) str(name) for each, in order
 *     str(event)
 *     i64(trace ? 1 : 0) then str(trace) when there is one
 * with i64(v) the 8 bytes of v big-endian (two's complement) and str(s)
 * the byte length of s as 4 bytes big-endian, then its bytes (no NUL).
 * str(event) is what the store keeps of the record: its compact form
 * (audit/event.h), from which its CloudTrail JSON is rendered — so the
 * hash covers everything the JSON says — or, for a record written before
 * the compact form, its JSON; both verify alike.
 *
 * A batched record (the recorder's writer keeps read-only and refused
 * requests in batches: store/audit_store.h) is hashed as v3, over the
 * very bytes the store keeps of it, enc2(r) (store/audit_store.h), split
 * into its head (eventTime, eventID, requestID: what differs from one
 * request to the next) and its tail (the rest):
 *     SHA-256(prev_hash || i64(seq) || head(r) || T)
 *     T = SHA-256("logvault audit record v3" NUL || str(account)
 *                 || str(region) || tail(r))
 * (the chain's name is hashed with the tail, once for a run, so that a
 * record whose ids are UUIDs takes three blocks of SHA-256, not four;
 * two when its eventID is the one its place gives it, which head(r) then
 * holds as the empty text: seq, account and region, hashed, give it,
 * store/audit_eid.h)
 * A run of one client's requests shares one tail, which the writer hashes
 * once and the batch keeps once (formats 3 and 4); each record is still
 * a link of its own, so verification still reports each record changed,
 * and a change to a shared tail reports every record that shares it.
 * Records batched before v3 (format 2) are hashed as v2, over the whole
 * of enc2:
 *     SHA-256(prev_hash || "logvault audit record v2" NUL
 *             || str(account) || str(region) || i64(seq) || enc2(r))
 * enc2 covers every field v1's encoding does but account, region and
 * seq, which the prefix covers; r->enc2 and r->tail_hashed say which
 * formula a record read back from the store takes.
 *
 * A digest's signature is HMAC-SHA256 under the keyring's "audit-digest"
 * key over
 *     "logvault audit digest v1" NUL
 *     str(account) str(region) i64(start_ms) i64(end_ms) i64(head_seq)
 *     head_hash (32 bytes) prev_signature (32 bytes)
 */
#ifndef LV_AUDIT_CHAIN_H
#define LV_AUDIT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "store/audit_store.h"

struct lv_buf;
struct lv_err;
struct lv_keyring;
struct lv_store;

/* Appends encode(r) (above) to *out. 0, or -1 when out->max is reached. */
int lv_audit_record_encode(const struct lv_audit_record *r,
                           struct lv_buf *out);

/* r's hash as above (v3 when r->enc2 and r->tail_hashed, v2 when
 * r->enc2 alone, else v1), from r->prev_hash and
 * r's fields, into out. */
void lv_audit_record_hash(const struct lv_audit_record *r,
                          uint8_t out[LV_AUDIT_HASH_BYTES]);

/* d's signature as above into out. */
void lv_audit_digest_sign(const struct lv_keyring *kr,
                          const struct lv_audit_digest *d,
                          uint8_t out[LV_AUDIT_HASH_BYTES]);

/*
 * Appends r to the chain of (r->account, r->region), atomically: in a
 * nested store level (so inside the caller's transaction when one is
 * open, which it must be for the record to go with the change it
 * describes), under the chain's lock (lv_store_audit_chain_head()), sets
 * r->seq to the head's seq + 1, r->prev_hash to the head's hash and
 * r->hash (above), appends it (setting r->id) and commits the level. kr is
 * not used today (the chain is unkeyed; the digests sign it) and may be
 * NULL. 0, or -1 with *err (a store fault; nothing appended).
 */
int lv_audit_chain_append(struct lv_store *s, const struct lv_keyring *kr,
                          struct lv_audit_record *r, struct lv_err *err);

/*
 * Appends v[0] … v[n-1] (n >= 1), records of one chain, as one batch
 * (lv_store_audit_append_batch(): the form the recorder's writer keeps
 * read-only and refused records in): under the chain's lock, each
 * record's seq, prev_hash and hash set as lv_audit_chain_append() sets
 * them (v3: r->enc2 and r->tail_hashed set), in order, and each record's
 * id set to its batch's. Joins the caller's transaction, which must be
 * open (no nested level of its own: on sqlite a savepoint per batch would
 * copy every page it touches). kr as above. 0, or -1 with *err (the caller rolls back).
 */
int lv_audit_chain_append_batch(struct lv_store *s,
                                const struct lv_keyring *kr,
                                struct lv_audit_record *const *v, size_t n,
                                struct lv_err *err);

/*
 * The recorder's writer's append: v[0] … v[n-1] (n >= 1), records of the
 * chain of (account, region) with their enc2 bytes ready, as one batch:
 * under the chain's lock, each record's hash (v3: a run's tail hashed
 * once, by same_tail) set in order, then
 * lv_store_audit_append_flat(); *id: the batch's row id. Joins the
 * caller's transaction, which must be open. 0, or -1 with *err.
 */
int lv_audit_chain_append_flat(struct lv_store *s,
                               const struct lv_keyring *kr,
                               const char *account, const char *region,
                               struct lv_audit_flat *const *v, size_t n,
                               int64_t *id, struct lv_err *err);

/*
 * Makes the next digest of the chain of (account, region): under the
 * chain's lock, the head (seq and hash), the time range from the end of
 * the digest before it (0 for the first) to now_ms, the previous digest's
 * signature (zeros for the first), signed (above) and inserted, in a
 * nested store level (lv_store_audit_digest_last() reads it back). 0, or
 * -1 with *err.
 */
int lv_audit_digest_make(struct lv_store *s, const struct lv_keyring *kr,
                         const char *account, const char *region,
                         int64_t now_ms, struct lv_err *err);

/* What verification finds. */
enum lv_audit_problem {
    LV_AUDIT_CHANGED,       /* a record's content no longer gives its hash,
                             * or its hash is no longer the one the next
                             * record names */
    LV_AUDIT_REMOVED,       /* places seq_first … seq_last of the chain
                             * have no record */
    LV_AUDIT_INSERTED,      /* a record that is not part of the chain: past
                             * its head and not following it */
    LV_AUDIT_DIGEST_BROKEN, /* a digest whose signature does not verify, that
                             * does not name the digest before it, or whose
                             * head is not the chain's record at head_seq */
};

struct lv_audit_finding {
    enum lv_audit_problem problem;
    const char *account;
    const char *region;
    int64_t seq_first;          /* the record's seq (the range for
                                 * REMOVED; the digest's head_seq) */
    int64_t seq_last;
    int64_t record_id;          /* store id; 0 for REMOVED, DIGEST_BROKEN */
    int64_t digest_id;          /* DIGEST_BROKEN only */
    const char *why;            /* a short sentence */
};

/* Called for each finding; a non-zero return stops verification with
 * that value. */
typedef int (*lv_audit_finding_fn)(void *arg,
                                   const struct lv_audit_finding *f);

struct lv_audit_verify_stats {
    int64_t chains;
    int64_t records;
    int64_t digests;
    int64_t findings;
};

/*
 * Verifies the chain of (account, region) from its base (the records and
 * digests the store holds), reporting through fn each finding about a
 * record with event_time_ms >= since_ms (a removed range: when the record
 * after it is that recent, or it is at the chain's end), and each broken
 * digest whose end_ms >= since_ms (since_ms 0: everything). Reads the
 * chain's head first, in a short transaction of its own (the chain's lock,
 * lv_store_audit_chain_head(): on PostgreSQL a chain with no row yet gets
 * its empty row); records appended after that which follow the chain are
 * good. A record is CHANGED when its content does not give its hash, or
 * (rewritten with a matching hash) when the next record names another. st (may be NULL) accumulates counts.
 * 0, fn's non-zero value, or -1 with *err on a store fault.
 */
int lv_audit_chain_verify(struct lv_store *s, const struct lv_keyring *kr,
                          const char *account, const char *region,
                          int64_t since_ms, lv_audit_finding_fn fn,
                          void *arg, struct lv_audit_verify_stats *st,
                          struct lv_err *err);

/* lv_audit_chain_verify() on every chain of the store. */
int lv_audit_verify_all(struct lv_store *s, const struct lv_keyring *kr,
                        int64_t since_ms, lv_audit_finding_fn fn, void *arg,
                        struct lv_audit_verify_stats *st, struct lv_err *err);

#endif
