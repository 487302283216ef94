/*
 * audit_eid: eventIDs derived from a record's place, for the records the
 * recorder's writer keeps in batches (audit_store.h, format 4).
 *
 * A batched record's eventID is not drawn at random and stored: it is a
 * permutation of (account, seq) under a key of its store and region,
 *     eventID = uuid(P_store,region(account || seq || 0^19))
 * where account is the 12-digit account as a number (40 bits), seq the
 * record's place in its chain (63 bits), P a 122-bit Feistel permutation
 * of eight rounds whose round function is SipHash-2-4 under a key drawn
 * from the store's salt and the region's name (SipHash-2-4 under a fixed
 * key; the salt is 16 random bytes a store draws when it is made, so
 * that two stores, or a data dir made anew, never give one id to two
 * records, as random ids would not), and uuid() lays
 * the 122 bits out as a version-4 UUID (version and variant bits set,
 * lower case). Distinct places of a region give distinct ids (P is a
 * bijection); another region's ids come from another permutation, and
 * collide with these as two random version-4 UUIDs do.
 *
 * Why: a random eventID was 16 bytes stored, 37 hashed and an entry in
 * its batch's ids set, for every record: about a quarter of what
 * recording an Encrypt cost its writer (issue 13's budget). An id that
 * follows from the place is stored as nothing, is covered by the chain
 * (which hashes seq, account and region), and is found by inverting P:
 * the id gives the chain's place, and a lookup by EventId reads the one
 * batch that holds it.
 *
 * The key is the store's (its salt is kept in the store, not secret from
 * whoever reads the store's files, and never answered by the API). To
 * whoever holds the key, an eventID says its record's place in its
 * chain, which the account that reads its own trail knows anyway; an id
 * inverted under another account's name is not one of its ids, so that a
 * lookup never crosses accounts. CloudTrail documents eventID only as a
 * GUID that identifies the event; nothing relies on it being random.
 */
#ifndef LV_STORE_AUDIT_EID_H
#define LV_STORE_AUDIT_EID_H

#include <stddef.h>
#include <stdint.h>

/* The permutation of one region of one store. */
struct lv_audit_eid {
    uint64_t k0, k1;
};

/* The permutation of `region`'s records in the store whose salt is the
 * salt_len bytes at salt (lv_store_audit_eid: its meta "audit.eid_salt"). */
void lv_audit_eid_init(struct lv_audit_eid *p, const uint8_t *salt,
                       size_t salt_len, const char *region);

/* Whether records of account's chains can have derived ids: account is
 * 12 decimal digits. */
int lv_audit_eid_account_ok(const char *account);

/* The eventID of place seq of account's chain, into out: 0, or -1 when
 * account is not 12 digits or seq is not 1 … 2^63 - 1 (out is then ""). */
int lv_audit_eid_make(const struct lv_audit_eid *p, const char *account,
                      int64_t seq, char out[37]);

/* Whether id is the derived eventID of a place of account's chain (in
 * p's region): 1 with that place in *seq, else 0. Any text is accepted
 * (a lookup passes what a caller sent). */
int lv_audit_eid_seq(const struct lv_audit_eid *p, const char *account,
                     const char *id, int64_t *seq);

/* SipHash-2-4 of the n bytes at m under the key (k0, k1) (exposed for
 * its test vectors). */
uint64_t lv_siphash24(uint64_t k0, uint64_t k1, const void *m, size_t n);

#endif
